//! Consumption over a billing period from one meter position's read history,
//! prorated by days where the reads do not fall on the period's bounds, and
//! across a meter exchange. See the [read-date convention](super).
//!
//! # Proration rule
//!
//! The period's first day `F` and the day after its last, `E`, must be
//! bracketed by reads: one dated on or before `F` and one dated on or after
//! `E` (consumption before the first read or after the last cannot be known,
//! so it is refused, never extrapolated). Between two consecutive reads of one
//! meter, consumption is taken as even over the days: each pair of reads adds
//! its advance × multiplier × (days of the pair inside the period) / (days
//! of the pair). When reads fall on `F` and `E` this is exactly the
//! consumption between them and nothing is prorated.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use super::consumption::check_sorted;
use super::{Meter, MeterError, MeterExchange, Read};
use crate::period::BillingPeriod;
use crate::units::{convert, Quantity};

/// The consumption of a billing period and how it was obtained from reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PeriodConsumption {
    /// The period asked for.
    pub period: BillingPeriod,
    /// Consumption over the period, in the (old) meter's unit.
    pub consumption: Quantity,
    /// The last read on or before the period's first day.
    pub opening: Read,
    /// The first read on or after the day after the period's last day.
    pub closing: Read,
    /// The service days the opening and closing reads measure.
    pub measured: BillingPeriod,
    /// Consumption over `measured`, in the (old) meter's unit.
    pub measured_consumption: Quantity,
    /// True when `measured` is not the period: the consumption is the
    /// period's share by days of each pair of reads.
    pub prorated: bool,
    /// True when a register rolled over between reads that count.
    pub rolled_over: bool,
    /// True when a read the result depends on is estimated.
    pub estimated: bool,
    /// The day of a meter exchange inside the measured days, if any.
    pub exchange: Option<NaiveDate>,
}

/// One read on the timeline and the meter that shows it (0: the meter at the
/// start, 1: the meter put in at the exchange).
type Entry = (usize, Read);

fn timeline(
    meter: &Meter,
    history: &[Read],
    exchange: Option<&MeterExchange>,
) -> Result<Vec<Entry>, MeterError> {
    check_sorted(meter, history)?;
    let Some(x) = exchange else {
        return Ok(history.iter().map(|r| (0, *r)).collect());
    };
    if history.iter().any(|r| r.date == x.date) {
        return Err(MeterError::ReadOnExchangeDay {
            meter: meter.id.clone(),
            date: x.date,
        });
    }
    let mut out: Vec<Entry> = Vec::with_capacity(history.len() + 2);
    out.extend(history.iter().filter(|r| r.date < x.date).map(|r| (0, *r)));
    out.push((0, x.old_meter_final()));
    out.push((1, x.new_meter_initial()));
    out.extend(history.iter().filter(|r| r.date > x.date).map(|r| (1, *r)));
    Ok(out)
}

fn days_between(a: NaiveDate, b: NaiveDate) -> i64 {
    (b - a).num_days()
}

/// Consumption of `period` from `meter`'s sorted read `history` (one read a
/// day), with `exchange` if the meter was replaced: reads dated before the
/// exchange are the old meter's, reads dated after it the new meter's, and
/// no read may be dated the exchange day itself (the exchange gives both
/// reads of that day). See the [proration rule](self).
pub fn consumption_prorated(
    meter: &Meter,
    history: &[Read],
    exchange: Option<&MeterExchange>,
    period: &BillingPeriod,
) -> Result<PeriodConsumption, MeterError> {
    let meters: [&Meter; 2] = [meter, exchange.map_or(meter, |x| &x.new_meter)];
    let line = timeline(meter, history, exchange)?;
    let start = period.from();
    let end = period.to().succ_opt().ok_or_else(|| meter.overflow())?;
    let open = line
        .iter()
        .rposition(|(_, r)| r.date <= start)
        .ok_or_else(|| MeterError::NoReadForPeriod {
            meter: meter.id.clone(),
            which: "opening",
            period_day: start,
            hint: "no read is dated on or before the period's first day, and consumption before the first read cannot be known; add such a read, or bill from the first read's date",
        })?;
    let close = line
        .iter()
        .position(|(_, r)| r.date >= end)
        .ok_or_else(|| MeterError::NoReadForPeriod {
            meter: meter.id.clone(),
            which: "closing",
            period_day: end,
            hint: "no read is dated on or after the day after the period's last day, and consumption after the last read cannot be known; add the closing read (an estimated one if the meter could not be read), or bill up to the day before the last read",
        })?;
    let (Some(&(_, opening)), Some(&(_, closing))) = (line.get(open), line.get(close)) else {
        return Err(meter.overflow());
    };
    let unit = meter.unit;
    let mut total = Decimal::ZERO;
    let mut measured = Decimal::ZERO;
    let mut rolled_over = false;
    let mut exchange_day = None;
    let pairs = line.get(open..=close).unwrap_or_default();
    for pair in pairs.windows(2) {
        let [(ma, a), (mb, b)] = pair else { continue };
        if ma != mb {
            exchange_day = Some(b.date);
            continue;
        }
        let m = meters.get(*ma).copied().unwrap_or(meter);
        let step = m.register_advance(a, b)?;
        let value = step
            .register
            .checked_mul(m.multiplier)
            .ok_or_else(|| m.overflow())?;
        let value = convert(value, m.unit, unit, None).map_err(|source| MeterError::Unit {
            meter: m.id.clone(),
            source,
        })?;
        let days = days_between(a.date, b.date);
        let inside = days_between(a.date.max(start), b.date.min(end)).max(0);
        let share = if inside == days {
            value
        } else {
            value
                .checked_mul(Decimal::from(inside))
                .and_then(|v| v.checked_div(Decimal::from(days)))
                .ok_or_else(|| m.overflow())?
        };
        rolled_over |= step.rolled_over && inside > 0;
        total = total.checked_add(share).ok_or_else(|| m.overflow())?;
        measured = measured.checked_add(value).ok_or_else(|| m.overflow())?;
    }
    let last_day = closing.date.pred_opt().ok_or_else(|| meter.overflow())?;
    let measured_days =
        BillingPeriod::new(opening.date, last_day).map_err(|source| MeterError::Period {
            meter: meter.id.clone(),
            source,
        })?;
    // The reads the result depends on: those on or around each bound (reads
    // in between cancel out), and both reads of an exchange in between.
    let mut depends: Vec<usize> = vec![open, close];
    if opening.date < start {
        depends.push(open + 1);
    }
    if closing.date > end {
        depends.push(close.saturating_sub(1));
    }
    let estimated = depends
        .iter()
        .filter_map(|&i| line.get(i))
        .any(|(_, r)| r.kind.is_estimated())
        || (exchange_day.is_some()
            && exchange.is_some_and(|x| x.old_meter_final_read_kind.is_estimated()));
    Ok(PeriodConsumption {
        period: *period,
        consumption: Quantity::new(total, unit),
        opening,
        closing,
        prorated: measured_days != *period,
        measured: measured_days,
        measured_consumption: Quantity::new(measured, unit),
        rolled_over,
        estimated,
        exchange: exchange_day,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::meter::ReadKind;
    use crate::Unit;

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, m, d).unwrap_or_default()
    }

    fn dec(v: i64) -> Decimal {
        Decimal::from(v)
    }

    fn october() -> BillingPeriod {
        BillingPeriod::month_of(day(10, 1))
    }

    #[test]
    fn reads_on_the_bounds_are_not_prorated() -> Result<(), MeterError> {
        let m = Meter::new("M", "x", Unit::Gallon, 4);
        let h = [
            Read::actual(day(10, 1), dec(9_700)),
            Read::estimated(day(10, 20), dec(9_990)),
            Read::actual(day(11, 1), dec(200)),
        ];
        let c = consumption_prorated(&m, &h, None, &october())?;
        assert_eq!(c.consumption.value, dec(500));
        assert!(!c.prorated && c.rolled_over);
        assert!(!c.estimated, "the interior estimate cancels out");
        assert_eq!(c.measured, october());
        Ok(())
    }

    #[test]
    fn reads_off_the_bounds_are_prorated_by_days_per_pair() -> Result<(), MeterError> {
        let m = Meter::new("M", "x", Unit::Gallon, 6);
        // 28 Sep -> 3 Oct: 50 over 5 days, 2 of them in October; 3 Oct -> 6 Nov:
        // 340 over 34 days, 29 of them in October.
        let h = [
            Read::actual(day(9, 28), dec(1_000)),
            Read::estimated(day(10, 3), dec(1_050)),
            Read::actual(day(11, 6), dec(1_390)),
        ];
        let c = consumption_prorated(&m, &h, None, &october())?;
        assert_eq!(c.consumption.value, dec(20) + dec(290));
        assert!(c.prorated && c.estimated);
        assert_eq!(c.measured_consumption.value, dec(390));
        assert_eq!((c.opening.date, c.closing.date), (day(9, 28), day(11, 6)));
        Ok(())
    }

    #[test]
    fn an_unbracketed_period_is_refused() {
        let m = Meter::new("M", "x", Unit::Gallon, 6);
        let late = [
            Read::actual(day(10, 2), dec(1)),
            Read::actual(day(11, 1), dec(2)),
        ];
        let early_end = [
            Read::actual(day(10, 1), dec(1)),
            Read::actual(day(10, 31), dec(2)),
        ];
        for (h, which) in [(&late, "opening"), (&early_end, "closing")] {
            let e = consumption_prorated(&m, h, None, &october());
            assert!(
                matches!(&e, Err(MeterError::NoReadForPeriod { which: w, .. }) if *w == which),
                "{e:?}"
            );
        }
    }

    #[test]
    fn an_exchange_adds_both_meters_and_is_dated() -> Result<(), MeterError> {
        let old = Meter::new("OLD", "x", Unit::Gallon, 4);
        let new = Meter::new("NEW", "x", Unit::Gallon, 5).with_multiplier(dec(10));
        let x = MeterExchange {
            date: day(10, 11),
            old_meter_final_read: dec(30),
            old_meter_final_read_kind: ReadKind::Estimated,
            new_meter: new,
            new_meter_initial_read: dec(0),
        };
        let h = [
            Read::actual(day(10, 1), dec(9_950)),
            Read::actual(day(11, 1), dec(12)),
        ];
        let c = consumption_prorated(&old, &h, Some(&x), &october())?;
        // Old: 9950 -> 30 rolls over (80); new: 12 x 10 = 120.
        assert_eq!(c.consumption.value, dec(200));
        assert_eq!(c.exchange, Some(day(10, 11)));
        assert!(c.rolled_over && c.estimated && !c.prorated);
        let on_the_day = [
            Read::actual(day(10, 1), dec(9_950)),
            Read::actual(day(10, 11), dec(30)),
        ];
        assert!(matches!(
            consumption_prorated(&old, &on_the_day, Some(&x), &october()),
            Err(MeterError::ReadOnExchangeDay { .. })
        ));
        Ok(())
    }

    #[test]
    fn an_exchange_on_the_first_day_uses_only_the_new_meter() -> Result<(), MeterError> {
        let old = Meter::new("OLD", "x", Unit::Gallon, 4);
        let x = MeterExchange {
            date: day(10, 1),
            old_meter_final_read: dec(9_999),
            old_meter_final_read_kind: ReadKind::Actual,
            new_meter: Meter::new("NEW", "x", Unit::Gallon, 4),
            new_meter_initial_read: dec(5),
        };
        let h = [
            Read::actual(day(9, 1), dec(9_000)),
            Read::actual(day(11, 1), dec(105)),
        ];
        let c = consumption_prorated(&old, &h, Some(&x), &october())?;
        assert_eq!(c.consumption.value, dec(100));
        assert_eq!(c.exchange, None);
        Ok(())
    }

    proptest::proptest! {
        #[test]
        fn parts_of_a_period_add_up_to_the_whole(
            steps in proptest::collection::vec((1u64..20, 0i64..500), 2..12),
            from in 0u64..60, len in 0u64..60, cut in 1u64..60,
        ) {
            let m = Meter::new("M", "x", Unit::Gallon, 6);
            let mut date = day(1, 1);
            let mut value = Decimal::ZERO;
            let mut h = Vec::new();
            for (gap, used) in steps {
                h.push(Read::actual(date, value));
                date = date + chrono::Days::new(gap);
                value += Decimal::from(used);
            }
            h.push(Read::actual(date, value));
            let first = day(1, 1) + chrono::Days::new(from);
            let whole = BillingPeriod::new(first, first + chrono::Days::new(len));
            let Ok(whole) = whole else { return Ok(()) };
            let Ok(all) = consumption_prorated(&m, &h, None, &whole) else {
                // Refused only when no read brackets the period.
                proptest::prop_assert!(whole.to() >= date);
                return Ok(());
            };
            let cut = 1 + cut % (len + 1);
            if let (a, Some(b)) = whole.split_before(whole.from() + chrono::Days::new(cut)) {
                let a = consumption_prorated(&m, &h, None, &a).map_err(|e| proptest::test_runner::TestCaseError::fail(e.to_string()))?;
                let b = consumption_prorated(&m, &h, None, &b).map_err(|e| proptest::test_runner::TestCaseError::fail(e.to_string()))?;
                let diff = (a.consumption.value + b.consumption.value - all.consumption.value).abs();
                proptest::prop_assert!(diff < Decimal::new(1, 20), "{} + {} vs {}", a.consumption.value, b.consumption.value, all.consumption.value);
            }
            proptest::prop_assert!(all.consumption.value <= all.measured_consumption.value);
        }
    }

    proptest::proptest! {
        /// Any history, exchange and period: a result or an error, never a
        /// panic; a result never bills more than the reads measured.
        #[test]
        fn any_history_is_billed_or_refused(
            reads in proptest::collection::vec((0u64..90, -5i64..200_000, 0u8..3), 0..10),
            dials in 0u32..14, new_dials in 1u32..7, multiplier in -2i64..1_000,
            exchange in proptest::option::of((0u64..90, 0i64..100_000, 0i64..100_000)),
            from in 0u64..90, len in 0u64..60,
        ) {
            let start = day(1, 1);
            let kind = |k: u8| match k {
                0 => ReadKind::Actual,
                1 => ReadKind::Estimated,
                _ => ReadKind::CustomerSubmitted,
            };
            let history: Vec<Read> = reads
                .iter()
                .map(|&(d, v, k)| Read::new(start + chrono::Days::new(d), Decimal::new(v, 1), kind(k)))
                .collect();
            let m = Meter::new("M", "x", Unit::Gallon, dials).with_multiplier(Decimal::new(multiplier, 1)).with_decimals(1);
            let x = exchange.map(|(d, out, inn)| MeterExchange {
                date: start + chrono::Days::new(d),
                old_meter_final_read: Decimal::new(out, 1),
                old_meter_final_read_kind: ReadKind::Actual,
                new_meter: Meter::new("N", "x", Unit::Gallon, new_dials).with_decimals(1),
                new_meter_initial_read: Decimal::new(inn, 1),
            });
            let first = start + chrono::Days::new(from);
            let Ok(period) = BillingPeriod::new(first, first + chrono::Days::new(len)) else {
                return Ok(());
            };
            if let Ok(c) = consumption_prorated(&m, &history, x.as_ref(), &period) {
                proptest::prop_assert!(c.consumption.value >= Decimal::ZERO);
                proptest::prop_assert!(c.consumption.value <= c.measured_consumption.value);
                proptest::prop_assert!(c.measured.contains(period.from()) && c.measured.contains(period.to()));
                proptest::prop_assert_eq!(c.prorated, c.measured != period);
            }
        }
    }
}
