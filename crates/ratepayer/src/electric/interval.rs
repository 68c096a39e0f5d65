//! Interval usage series: kWh per fixed-length interval, timestamped in the
//! utility's local standard time (or converted from UTC with its time
//! zone), stored compactly as integer micro-kWh
//! (exact sums, no floating point).

use chrono::{NaiveDateTime, Timelike};
use rust_decimal::Decimal;

use super::ElectricError;

/// Integer units per kWh in an [`IntervalSeries`] (1 unit = 1 mWh).
pub const MICRO_KWH_PER_KWH: i64 = 1_000_000;

/// The most one interval may hold, in kWh (10 GWh). It keeps every sum of a
/// year of one-minute intervals inside an `i64`.
pub const MAX_INTERVAL_KWH: i64 = 10_000_000;

/// Consecutive intervals of `step_minutes` each, the first beginning at
/// `start` (local time on an interval boundary, or a UTC instant). Energy is kept in integer
/// micro-kWh; values given with more digits are rounded half-even to the
/// micro-kWh (below a thousandth of a cent at any retail rate).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntervalSeries {
    /// The first interval's start: local clock time, or (with `utc`) the
    /// UTC instant written as a naive time.
    start: NaiveDateTime,
    /// True when `start` is a UTC instant (timestamps given with `Z` or an
    /// offset): billing it needs the utility's time zone.
    utc: bool,
    step_minutes: u16,
    micro_kwh: Vec<i64>,
    /// An upper bound of every value: their bitwise OR (0 when empty).
    /// Every value is at least 0, so none exceeds it; it is what the
    /// engine's 32-bit fast path checks.
    bound: i64,
}

/// Checks that `step_minutes` divides an hour and that `start` is on one
/// of its boundaries (the grid every interval series and meter channel
/// keeps).
pub(crate) fn check_grid(start: NaiveDateTime, step_minutes: u16) -> Result<(), ElectricError> {
    if step_minutes == 0 || 60 % step_minutes != 0 {
        return Err(ElectricError::Series(format!(
            "the interval is {step_minutes} minutes; use a length that divides an hour (5, 15, 30 or 60 minutes)"
        )));
    }
    if start.second() != 0
        || start.nanosecond() != 0
        || start.minute() % u32::from(step_minutes) != 0
    {
        return Err(ElectricError::Series(format!(
            "it starts at {start}, not on a {step_minutes}-minute boundary of the hour; start the series on the hour or on an interval boundary (drop the intervals before it)"
        )));
    }
    Ok(())
}

impl IntervalSeries {
    /// A series from integer micro-kWh values.
    ///
    /// `step_minutes` must divide 60 (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30 or
    /// 60); `start` must be on the hour; every value must be 0 to
    /// [`MAX_INTERVAL_KWH`] kWh.
    pub fn from_micro_kwh(
        start: NaiveDateTime,
        step_minutes: u16,
        micro_kwh: Vec<i64>,
    ) -> Result<IntervalSeries, ElectricError> {
        check_grid(start, step_minutes)?;
        // One pass of bitwise ORs (vectorised, unlike a 64-bit min/max on
        // baseline x86-64): a negative value sets the sign bit, and an OR
        // within the limit bounds every value. Only when it is not is each
        // value checked, to name the offending interval.
        let limit = MAX_INTERVAL_KWH * MICRO_KWH_PER_KWH;
        let bound = micro_kwh.iter().fold(0i64, |acc, &v| acc | v);
        if !(0..=limit).contains(&bound) {
            if let Some((i, v)) = micro_kwh
                .iter()
                .enumerate()
                .find(|(_, v)| !(0..=limit).contains(*v))
            {
                return Err(ElectricError::Series(format!(
                    "interval {i} holds {} kWh; each interval must hold 0 to {MAX_INTERVAL_KWH} kWh (export is not billed here: give consumption only)",
                    Decimal::new(*v, 6)
                )));
            }
        }
        Ok(IntervalSeries {
            start,
            utc: false,
            step_minutes,
            micro_kwh,
            bound,
        })
    }

    /// A series whose first interval begins at the UTC instant `start_utc`
    /// (timestamps written with `Z` or an offset). Billing it with
    /// [`super::ElectricRate::bill`] needs the utility's time zone, which maps
    /// every interval to its local clock hour (daylight saving included, or
    /// standard time, as the tariff's [`super::Clock`] says).
    pub fn from_utc_instant(
        start_utc: chrono::DateTime<chrono::Utc>,
        step_minutes: u16,
        micro_kwh: Vec<i64>,
    ) -> Result<IntervalSeries, ElectricError> {
        let mut s = IntervalSeries::from_micro_kwh(start_utc.naive_utc(), step_minutes, micro_kwh)?;
        s.utc = true;
        Ok(s)
    }

    /// [`IntervalSeries::from_utc_instant`] from kWh values (rounded
    /// half-even to the micro-kWh).
    pub fn from_utc_kwh(
        start_utc: chrono::DateTime<chrono::Utc>,
        step_minutes: u16,
        kwh: &[Decimal],
    ) -> Result<IntervalSeries, ElectricError> {
        let mut s = IntervalSeries::from_kwh(start_utc.naive_utc(), step_minutes, kwh)?;
        s.utc = true;
        Ok(s)
    }

    /// True when the series starts at a UTC instant rather than a local time.
    pub fn is_utc(&self) -> bool {
        self.utc
    }

    /// A series whose first interval begins at the UTC instant `start_utc`,
    /// for a utility in `zone`: the start becomes the zone's local standard
    /// time (its base offset, daylight saving ignored, as SAM's calendar and
    /// tariff schedules count hours). It must fall on the hour there. To bill
    /// in wall-clock time, use [`IntervalSeries::from_utc_instant`] and give
    /// the zone when billing.
    pub fn from_utc_micro_kwh(
        start_utc: chrono::DateTime<chrono::Utc>,
        zone: chrono_tz::Tz,
        step_minutes: u16,
        micro_kwh: Vec<i64>,
    ) -> Result<IntervalSeries, ElectricError> {
        use chrono::TimeZone;
        use chrono_tz::OffsetComponents;
        let offset = zone
            .offset_from_utc_datetime(&start_utc.naive_utc())
            .base_utc_offset();
        let local = start_utc
            .naive_utc()
            .checked_add_signed(offset)
            .ok_or_else(|| ElectricError::Series(format!("it starts at {start_utc}, which is out of range; give a date between 1900 and 2200")))?;
        IntervalSeries::from_micro_kwh(local, step_minutes, micro_kwh)
    }

    /// A series from kWh values (rounded half-even to the micro-kWh).
    pub fn from_kwh(
        start: NaiveDateTime,
        step_minutes: u16,
        kwh: &[Decimal],
    ) -> Result<IntervalSeries, ElectricError> {
        let mut v = Vec::with_capacity(kwh.len());
        for (i, k) in kwh.iter().enumerate() {
            let scaled = k
                .round_dp(6)
                .checked_mul(Decimal::from(MICRO_KWH_PER_KWH))
                .and_then(|d| i64::try_from(d).ok())
                .ok_or_else(|| {
                    ElectricError::Series(format!(
                        "interval {i} holds {k} kWh; each interval must hold 0 to {MAX_INTERVAL_KWH} kWh"
                    ))
                })?;
            v.push(scaled);
        }
        IntervalSeries::from_micro_kwh(start, step_minutes, v)
    }

    /// A series from kWh given as binary floats (meter readings such as a
    /// numpy array or a Kotlin `DoubleArray`): each value is read by its
    /// shortest decimal form and rounded half-even to the micro-kWh, so it
    /// bills exactly as [`IntervalSeries::from_kwh`] bills that decimal. NaN
    /// or an infinity is refused naming its interval (a missing reading must
    /// be estimated, not sent as NaN), as is a value out of range.
    pub fn from_f64_kwh(
        start: NaiveDateTime,
        step_minutes: u16,
        kwh: &[f64],
    ) -> Result<IntervalSeries, ElectricError> {
        let mut v = Vec::with_capacity(kwh.len());
        if let Err(i) = super::float_kwh::extend_micro_kwh(kwh, &mut v) {
            let k = kwh.get(i).copied().unwrap_or(f64::NAN);
            return Err(ElectricError::Series(if k.is_finite() {
                format!(
                    "interval {i} holds {k} kWh; each interval must hold 0 to {MAX_INTERVAL_KWH} kWh"
                )
            } else {
                format!(
                    "interval {i} is {k}; give a finite number of kWh (a missing reading must be estimated, not sent as NaN)"
                )
            }));
        }
        IntervalSeries::from_micro_kwh(start, step_minutes, v)
    }

    /// When the first interval begins: local time, or the UTC instant when
    /// [`IntervalSeries::is_utc`].
    pub fn start(&self) -> NaiveDateTime {
        self.start
    }

    /// Length of each interval in minutes.
    pub fn step_minutes(&self) -> u16 {
        self.step_minutes
    }

    /// Intervals per hour.
    pub fn per_hour(&self) -> usize {
        usize::from(60 / self.step_minutes.max(1))
    }

    /// The values in micro-kWh.
    pub fn micro_kwh(&self) -> &[i64] {
        &self.micro_kwh
    }

    /// The values, given back (to reuse the buffer for the next series of
    /// a batch).
    pub fn into_micro_kwh(self) -> Vec<i64> {
        self.micro_kwh
    }

    /// The largest value in micro-kWh (0 for an empty series).
    pub fn max_micro_kwh(&self) -> i64 {
        self.micro_kwh.iter().copied().max().unwrap_or(0).max(0)
    }

    /// An upper bound of every value in micro-kWh, at least the largest
    /// (their bitwise OR; 0 for an empty series): cheap to keep, and what
    /// decides whether the 32-bit accumulation fits.
    pub(crate) fn bound_micro_kwh(&self) -> i64 {
        self.bound
    }

    /// Number of intervals.
    pub fn len(&self) -> usize {
        self.micro_kwh.len()
    }

    /// True when the series has no interval.
    pub fn is_empty(&self) -> bool {
        self.micro_kwh.is_empty()
    }

    /// Total energy in kWh.
    pub fn total_kwh(&self) -> Decimal {
        // Each value is at most 1e13 and a series fits memory, so the sum fits i128.
        let sum: i128 = self.micro_kwh.iter().map(|&v| i128::from(v)).sum();
        Decimal::try_from_i128_with_scale(sum, 6).unwrap_or(Decimal::MAX)
    }
}
