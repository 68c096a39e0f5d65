//! Billing a series: [`PreparedYear`] (a tariff's hour map for one year and
//! its line labels), the one-pass integer accumulation of energy per (month,
//! period) and peak interval per (month, demand period), the money of one
//! month or part of a month (shared with the billing periods of
//! [`super::ElectricRate`]), and the calendar-month bills of one year as
//! SAM makes them ([`PreparedYear::bill`], [`ElectricStatement`]).

use std::sync::Arc;

use chrono::{NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;

use super::demand::{billing_demand_at, block, DemandBasis, PeakHistory};
use super::exact::{ov, pro_rata, to_nano, Amount, Sum};
use super::interval::IntervalSeries;
use super::schedule::{HourMap, DAY_KINDS};
use super::tariff::{ChargeUnit, ElectricTariff};
use super::tou::{effective_tiers, tier_kwh, EffTier};
use super::ElectricError;
use crate::bill::{intern, LineKind, LineMeta, MetaRef};
use crate::calendar::Calendar;
use crate::{
    Bill, BillLine, BillingPeriod, LineUnit, Money, Quantity, RoundingPolicy, RoundingScope, Unit,
};

/// One electric bill (a calendar month of a statement, or a billing period)
/// and the figures behind it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ElectricMonth {
    /// The bill's month, 1 to 12: the calendar month billed, or the month a
    /// billing period ends in (the month a ratchet records its peak under).
    pub month: u32,
    /// The bill, with one line per charge.
    pub bill: Bill,
    /// Energy used in the month, kWh.
    pub kwh: Decimal,
    /// Highest interval demand of the month, kW.
    pub peak_kw: Decimal,
    /// The billing demand (peak raised by ratchet and minimum), kW.
    pub billing_demand_kw: Decimal,
    /// Why the billing demand is what it is.
    pub demand_basis: DemandBasis,
    /// Energy charges (sum of the energy lines).
    pub energy: Money,
    /// Flat demand charges.
    pub demand_flat: Money,
    /// Time-of-use demand charges.
    pub demand_tou: Money,
    /// Fixed charges.
    pub fixed: Money,
    /// Minimum-charge top-up (monthly or, in December, annual).
    pub minimum: Money,
}

/// The bills of every month a series touches, in one year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ElectricStatement {
    /// Tariff billed.
    pub tariff_id: String,
    /// Calendar year billed.
    pub year: i32,
    /// One entry per month with data, in order.
    pub months: Vec<ElectricMonth>,
    /// Sum of the monthly totals.
    pub total: Money,
}

/// A tariff ready to bill one calendar year: the energy and demand period
/// of every hour (weekends and the calendar's holidays on the weekend
/// schedule) and the labels of every line. Build it once per tariff and
/// year with [`ElectricTariff::prepare`], then bill any number of series.
#[derive(Debug, Clone)]
pub struct PreparedYear {
    pub(super) tariff: Arc<ElectricTariff>,
    pub(super) map: HourMap,
    pub(super) id: Arc<str>,
    pub(super) energy_meta: Vec<Vec<&'static LineMeta>>,
    pub(super) tou_meta: Vec<Vec<&'static LineMeta>>,
    pub(super) flat_meta: Vec<Vec<&'static LineMeta>>,
    pub(super) fixed_meta: &'static LineMeta,
    pub(super) minimum_meta: &'static LineMeta,
    /// Energy periods used in each month, ascending.
    pub(super) energy_in_month: Vec<Vec<u8>>,
    /// Demand periods used in each month, ascending.
    pub(super) demand_in_month: Vec<Vec<u8>>,
    /// Per kind of day (see `HourMap::day_kind`), where each clock hour's
    /// energy and peak go.
    pub(super) kinds: Vec<KindSlots>,
    /// The most lines a month can have.
    lines_per_month: usize,
    /// The labels of generation bills, made on first use.
    pub(super) generation_labels: std::sync::OnceLock<Arc<super::generation::Labels>>,
    /// The year's hours in runs of one energy period, month by month, for
    /// the hour-by-hour fill of generation bills (made once, on first use).
    pub(super) year_runs: std::sync::OnceLock<Arc<super::generation::YearRuns>>,
}

/// Where the hours of one kind of day go: per clock hour, the index of its
/// (month, energy period) total and of its (month, demand period) peak.
#[derive(Debug, Clone)]
pub(super) struct KindSlots {
    pub(super) energy: [u16; 24],
    pub(super) demand: [u16; 24],
}

impl KindSlots {
    /// The slots of every kind of day (`DAY_KINDS`) under `tariff`'s schedules.
    fn all(tariff: &ElectricTariff) -> Vec<KindSlots> {
        let ne = tariff.energy_periods.len();
        let nd = tariff.demand_periods.len().max(1);
        let no_tou_demand = tariff.demand_periods.is_empty();
        (0..DAY_KINDS)
            .map(|kind| {
                let m = kind / 2;
                let mut k = KindSlots {
                    energy: [u16::MAX; 24],
                    demand: [u16::MAX; 24],
                };
                let index =
                    |n: usize, p: u8| u16::try_from(m * n + usize::from(p)).unwrap_or(u16::MAX);
                if let Some(row) = tariff.energy_schedule.row(kind) {
                    for (slot, &p) in k.energy.iter_mut().zip(row) {
                        *slot = index(ne, p);
                    }
                }
                if let Some(row) = tariff.demand_schedule.row(kind) {
                    for (slot, &p) in k.demand.iter_mut().zip(row) {
                        *slot = index(nd, if no_tou_demand { 0 } else { p });
                    }
                }
                k
            })
            .collect()
    }
}

impl ElectricTariff {
    /// Validates the tariff and prepares a copy of it for `year`. Holidays
    /// of `calendar` (when given: the utility profile's own, built with
    /// [`Calendar::from_spec`], or [`Calendar::fed`]) are billed on the
    /// weekend schedules.
    pub fn prepare(
        &self,
        year: i32,
        calendar: Option<&Calendar>,
    ) -> Result<PreparedYear, ElectricError> {
        self.validate()?;
        let map = HourMap::build(year, calendar)?;
        let id: Arc<str> = Arc::from(self.id.as_str());
        // Lines name the version: the tariff id, with its first day when dated.
        let version: Arc<str> = match self.effective_from {
            Some(from) => Arc::from(format!("{} from {from}", self.id).as_str()),
            None => id.clone(),
        };
        let meta = |description: String, group: &str, kind: LineKind, tier: Option<usize>| {
            intern(LineMeta {
                description,
                group: group.to_string(),
                kind,
                version: version.clone(),
                tier: tier.and_then(|t| u8::try_from(t + 1).ok()),
            })
        };
        let np = self.energy_periods.len();
        let energy_meta = self
            .energy_periods
            .iter()
            .enumerate()
            .map(|(p, tiers)| {
                (0..tiers.len())
                    .map(|t| {
                        let d = match (np > 1, tiers.len() > 1) {
                            (true, true) => format!("Energy, period {}, tier {}", p + 1, t + 1),
                            (true, false) => format!("Energy, period {}", p + 1),
                            (false, true) => format!("Energy, tier {}", t + 1),
                            (false, false) => "Energy".to_string(),
                        };
                        meta(d, "Energy", LineKind::Usage, Some(t))
                    })
                    .collect()
            })
            .collect();
        let demand_meta = |periods: &[Vec<super::DemandTier>], what: &str, group: &str| {
            let n = periods.len();
            periods
                .iter()
                .enumerate()
                .map(|(p, tiers)| {
                    (0..tiers.len())
                        .map(|t| {
                            let mut d = what.to_string();
                            if n > 1 {
                                d.push_str(&format!(", period {}", p + 1));
                            }
                            if tiers.len() > 1 {
                                d.push_str(&format!(", tier {}", t + 1));
                            }
                            meta(d, group, LineKind::Usage, Some(t))
                        })
                        .collect()
                })
                .collect::<Vec<_>>()
        };
        let tou_meta = demand_meta(
            &self.demand_periods,
            "Demand (time of use)",
            "Demand (time of use)",
        );
        let flat_meta = demand_meta(&self.flat_demand, "Demand", "Demand");
        let energy_in_month = (0..12)
            .map(|m| self.energy_schedule.periods_in_month(m))
            .collect();
        let demand_in_month = (0..12)
            .map(|m| {
                if self.demand_periods.is_empty() {
                    Vec::new()
                } else {
                    self.demand_schedule.periods_in_month(m)
                }
            })
            .collect();
        let kinds = KindSlots::all(self);
        let tiers = |v: &[Vec<_>]| v.iter().map(Vec::len).sum::<usize>();
        let lines_per_month = self.energy_periods.iter().map(Vec::len).sum::<usize>()
            + tiers(&self.demand_periods)
            + self.flat_demand.iter().map(Vec::len).max().unwrap_or(0)
            + self.fixed.len()
            + 1;
        // An upper bound for the usual tariff; a huge one grows as needed.
        let lines_per_month = lines_per_month.min(256);
        Ok(PreparedYear {
            generation_labels: std::sync::OnceLock::new(),
            year_runs: std::sync::OnceLock::new(),
            lines_per_month,
            kinds,
            tariff: Arc::new(self.clone()),
            map,
            energy_meta,
            tou_meta,
            flat_meta,
            fixed_meta: meta("Fixed charge".into(), "Fixed", LineKind::Fixed, None),
            minimum_meta: meta(
                "Minimum charge top-up".into(),
                "Minimum",
                LineKind::Minimum,
                None,
            ),
            id,
            energy_in_month,
            demand_in_month,
        })
    }
}

/// Adds `values` into `sum` and raises `max` to them, element by element
/// (non-negative values below 2^62). The maximum is branch-free with 64-bit
/// add, subtract, shift and mask, which SSE2 has as packed instructions (its
/// packed 64-bit compare does not exist), so the loop vectorises.
#[inline]
pub(super) fn add_max(sum: &mut [i64], max: &mut [i64], values: &[i64]) {
    for ((s, m), &v) in sum.iter_mut().zip(max.iter_mut()).zip(values) {
        *s += v;
        let above = ((*m).wrapping_sub(v) as u64 >> 63) as i64;
        *m += v.wrapping_sub(*m) & above.wrapping_neg();
    }
}

/// [`add_max`] with the maxima in 32 bits, for values that fit them. Eight
/// values at a time, the sums and the maxima in two loops of known length:
/// the compiler then packs four 32-bit maxima into each SSE2 compare (one
/// loop over all three slices packs only two), about a quarter fewer
/// instructions per value.
#[inline]
pub(super) fn add_max32(sum: &mut [i64], max: &mut [i32], values: &[i64]) {
    let mut sums = sum.chunks_exact_mut(8);
    let mut maxima = max.chunks_exact_mut(8);
    let mut eights = values.chunks_exact(8);
    for ((s8, m8), v8) in (&mut sums).zip(&mut maxima).zip(&mut eights) {
        for (s, &v) in s8.iter_mut().zip(v8) {
            *s += v;
        }
        for (m, &v) in m8.iter_mut().zip(v8) {
            *m = (*m).max(v as i32);
        }
    }
    let rest = sums
        .into_remainder()
        .iter_mut()
        .zip(maxima.into_remainder().iter_mut())
        .zip(eights.remainder());
    for ((s, m), &v) in rest {
        *s += v;
        *m = (*m).max(v as i32);
    }
}

/// Integer totals of a series over one year (or one part of a month).
pub(super) struct Totals {
    /// micro-kWh per (month, energy period), `m * ne + p`.
    pub energy: Vec<i64>,
    /// Largest interval micro-kWh per (month, demand period), `m * nd + q`.
    pub demand_max: Vec<i64>,
    /// Largest interval micro-kWh per month.
    pub peak: [i64; 12],
    /// Intervals per month.
    pub count: [u32; 12],
}

/// Per-slot sums and maxima of the days accumulated so far, by kind of day.
pub(super) struct Scratch {
    per_hour: usize,
    narrow: bool,
    sum: Vec<i64>,
    max: Vec<i64>,
    max32: Vec<i32>,
    count: [u32; 12],
    touched: [bool; DAY_KINDS],
}

impl Scratch {
    /// Empty slots for intervals of `per_hour` per hour; `narrow` when every
    /// value fits 32 bits.
    pub(super) fn new(per_hour: usize, narrow: bool) -> Scratch {
        let n = DAY_KINDS * 24 * per_hour;
        Scratch {
            per_hour,
            narrow,
            sum: vec![0; n],
            max: vec![0; if narrow { 0 } else { n }],
            max32: vec![0; if narrow { n } else { 0 }],
            count: [0; 12],
            touched: [false; DAY_KINDS],
        }
    }
}

/// 10^15 in units of 10^-scale, for scale 0 to 23 (larger scales cannot
/// reach 10^15 in an i128 mantissa).
const LINE_LIMIT: [u128; 24] = [
    1000000000000000,
    10000000000000000,
    100000000000000000,
    1000000000000000000,
    10000000000000000000,
    100000000000000000000,
    1000000000000000000000,
    10000000000000000000000,
    100000000000000000000000,
    1000000000000000000000000,
    10000000000000000000000000,
    100000000000000000000000000,
    1000000000000000000000000000,
    10000000000000000000000000000,
    100000000000000000000000000000,
    1000000000000000000000000000000,
    10000000000000000000000000000000,
    100000000000000000000000000000000,
    1000000000000000000000000000000000,
    10000000000000000000000000000000000,
    100000000000000000000000000000000000,
    1000000000000000000000000000000000000,
    10000000000000000000000000000000000000,
    100000000000000000000000000000000000000,
];

/// Collects the lines of one bill.
pub(super) struct MonthLines {
    pub lines: Vec<BillLine>,
    pub period: BillingPeriod,
    pub policy: RoundingPolicy,
    pub currency: crate::Currency,
    pub sum: Sum,
}

impl MonthLines {
    /// Pushes a line of `amount` (rounded per the policy); returns the amount pushed.
    #[inline]
    pub(super) fn push(
        &mut self,
        meta: &'static LineMeta,
        quantity: Decimal,
        unit: LineUnit,
        rate: Decimal,
        amount: Amount,
    ) -> Result<Amount, ElectricError> {
        let a = match self.policy.scope {
            RoundingScope::PerLine => amount.round(self.policy, self.currency.minor_units())?,
            RoundingScope::TotalOnly => amount,
        };
        // No bill line is a quadrillion: past that, sums would need more
        // digits than a Decimal holds, so the input is refused as absurd.
        // (Checked on the integer mantissa: |m| ≥ 10^(15 + scale).)
        if LINE_LIMIT
            .get(a.scale as usize)
            .is_some_and(|limit| a.m.unsigned_abs() >= *limit)
        {
            return Err(ov("a line of the bill"));
        }
        let amount = a.to_decimal()?;
        self.sum.add(a)?;
        self.lines.push(BillLine::from_parts(
            MetaRef::Interned(meta),
            self.period,
            quantity,
            unit,
            rate,
            Money::new(amount, self.currency),
        ));
        Ok(a)
    }
}

/// What one month, or one part of a month, is billed on.
pub(super) struct PartFigures<'a> {
    /// Month, 0-based.
    pub m: usize,
    /// Days billed (per-day charges and `kWh daily` tiers count them).
    pub days: u32,
    /// Months the part counts for under the tariff's proration; `None` for a
    /// whole calendar month (exactly 1, nothing multiplied).
    pub factor: Option<Decimal>,
    /// micro-kWh per energy period of the month.
    pub energies: &'a [i64],
    /// Largest interval micro-kWh per TOU demand period.
    pub demand: &'a [i64],
    /// The billing demand, kW.
    pub bd: Decimal,
    /// Intervals per hour (interval micro-kWh × this = micro-kW).
    pub per_hour: i64,
}

/// The money of one part, by kind of charge.
#[derive(Default)]
pub(super) struct PartSums {
    pub energy: Sum,
    pub demand_tou: Sum,
    pub demand_flat: Sum,
    pub fixed: Sum,
    /// The part's share of a monthly or daily minimum charge.
    pub floor: Option<Decimal>,
}

fn times(
    a: Decimal,
    factor: Option<Decimal>,
    what: &'static str,
) -> Result<Decimal, ElectricError> {
    match factor {
        None => Ok(a),
        Some(f) => a.checked_mul(f).ok_or_else(|| ov(what)),
    }
}

impl PreparedYear {
    /// The calendar year prepared.
    pub fn year(&self) -> i32 {
        self.map.year
    }

    /// The tariff prepared (a copy taken by [`ElectricTariff::prepare`]).
    pub fn tariff(&self) -> &ElectricTariff {
        &self.tariff
    }

    /// The days in month `m` (0-based) of the prepared year.
    pub(super) fn days_in_month(&self, m: usize) -> u32 {
        self.map.days_in_month.get(m).copied().unwrap_or(30)
    }

    /// Adds `values`, consecutive intervals from the local clock time `start`
    /// (on an interval boundary, inside the prepared year, running no further
    /// than its end), into `scratch`: one pass, day by day, each day's
    /// intervals added slot by slot (clock hour × intervals per hour) into the
    /// slots of its kind of day, a loop that vectorises.
    pub(super) fn accumulate_run(
        &self,
        scratch: &mut Scratch,
        start: NaiveDateTime,
        values: &[i64],
    ) -> Result<(), ElectricError> {
        let per_hour = scratch.per_hour;
        let step = 60 / per_hour.max(1);
        let offset = (start - self.map.first_day.and_time(chrono::NaiveTime::MIN)).num_minutes();
        let minutes = usize::try_from(offset).map_err(|_| {
            ElectricError::OutsideYear(format!(
                "starts at {start}, before {}; bill each calendar year with a year prepared for it",
                self.map.year
            ))
        })?;
        let slots = 24 * per_hour;
        let mut day = minutes / 1440;
        let mut lo = (minutes % 1440) / step;
        if day * slots + lo + values.len() > self.map.day_kind.len() * slots {
            return Err(ElectricError::OutsideYear(format!(
                "starting {start} for {} intervals runs past the end of {}; split it at the year boundary and bill each year with a year prepared for it",
                values.len(),
                self.map.year
            )));
        }
        let mut pos = 0usize;
        while pos < values.len() {
            let take = (slots - lo).min(values.len() - pos);
            let kind = usize::from(self.map.day_kind.get(day).copied().unwrap_or(0));
            let at = kind * slots + lo;
            if let (Some(s), Some(v)) = (
                scratch.sum.get_mut(at..at + take),
                values.get(pos..pos + take),
            ) {
                if scratch.narrow {
                    if let Some(m) = scratch.max32.get_mut(at..at + take) {
                        add_max32(s, m, v);
                    }
                } else if let Some(m) = scratch.max.get_mut(at..at + take) {
                    add_max(s, m, v);
                }
            }
            if let Some(c) = scratch.count.get_mut(kind / 2) {
                *c += take as u32;
            }
            if let Some(t) = scratch.touched.get_mut(kind) {
                *t = true;
            }
            pos += take;
            day += 1;
            lo = 0;
        }
        Ok(())
    }

    /// Folds the slots of `scratch` into (month, period) totals.
    pub(super) fn totals(&self, scratch: &Scratch) -> Totals {
        let ne = self.tariff.energy_periods.len();
        let nd = self.tariff.demand_periods.len().max(1);
        let mut t = Totals {
            energy: vec![0; 12 * ne],
            demand_max: vec![0; 12 * nd],
            peak: [0; 12],
            count: scratch.count,
        };
        if scratch.narrow {
            self.fold(
                &mut t,
                &scratch.touched,
                scratch.per_hour,
                &scratch.sum,
                &scratch.max32,
            );
        } else {
            self.fold(
                &mut t,
                &scratch.touched,
                scratch.per_hour,
                &scratch.sum,
                &scratch.max,
            );
        }
        t
    }

    /// Integer totals of `series` per (month, period) and month.
    pub(super) fn accumulate(&self, series: &IntervalSeries) -> Result<Totals, ElectricError> {
        if series.is_utc() {
            return Err(ElectricError::Series(format!(
                "it starts at the UTC instant {}; a calendar-year statement reads local clock time: bill it with ElectricRate::bill and the utility's time zone",
                series.start()
            )));
        }
        // Maxima in 32 bits when every value fits (the usual meter: up to
        // 2,147 kWh an interval): SSE2 compares 32-bit lanes, not 64-bit ones.
        let narrow = series.bound_micro_kwh() <= i64::from(i32::MAX);
        let mut scratch = Scratch::new(series.per_hour(), narrow);
        self.accumulate_run(&mut scratch, series.start(), series.micro_kwh())?;
        Ok(self.totals(&scratch))
    }

    /// Folds the slots of each kind of day touched (sums and maxima per
    /// clock hour × interval) into the (month, period) totals of `t`: each
    /// hour's intervals are first reduced to the hour's sum and largest
    /// interval, then each hour goes to its (month, period) slots.
    fn fold<M: Copy + Into<i64>>(
        &self,
        t: &mut Totals,
        touched: &[bool; DAY_KINDS],
        per_hour: usize,
        sum: &[i64],
        max: &[M],
    ) {
        let per_hour = per_hour.max(1);
        let slots = 24 * per_hour;
        let mut hour_sum = [0i64; 24];
        let mut hour_max = [0i64; 24];
        for (kind, slots_of) in self.kinds.iter().enumerate() {
            if !touched.get(kind).copied().unwrap_or(false) {
                continue;
            }
            let at = kind * slots;
            let (Some(s), Some(m)) = (sum.get(at..at + slots), max.get(at..at + slots)) else {
                continue;
            };
            if per_hour == 1 {
                hour_sum.copy_from_slice(s.get(..24).unwrap_or(&[0; 24]));
                for (h, &v) in hour_max.iter_mut().zip(m) {
                    *h = v.into();
                }
            } else {
                for (((hs, hm), s), m) in hour_sum
                    .iter_mut()
                    .zip(hour_max.iter_mut())
                    .zip(s.chunks_exact(per_hour))
                    .zip(m.chunks_exact(per_hour))
                {
                    *hs = s.iter().sum();
                    *hm = m.iter().map(|&v| v.into()).max().unwrap_or(0);
                }
            }
            let mut peak = 0i64;
            for (((&hs, &hm), &ei), &di) in hour_sum
                .iter()
                .zip(&hour_max)
                .zip(&slots_of.energy)
                .zip(&slots_of.demand)
            {
                if let Some(e) = t.energy.get_mut(usize::from(ei)) {
                    *e += hs;
                }
                if let Some(d) = t.demand_max.get_mut(usize::from(di)) {
                    *d = (*d).max(hm);
                }
                peak = peak.max(hm);
            }
            if let Some(p) = t.peak.get_mut(kind / 2) {
                *p = (*p).max(peak);
            }
        }
    }

    /// A new collector of lines for `period`, sized for this tariff.
    pub(super) fn lines_for(&self, period: BillingPeriod, policy: RoundingPolicy) -> MonthLines {
        MonthLines {
            lines: Vec::with_capacity(self.lines_per_month),
            period,
            policy,
            currency: self.tariff.currency,
            sum: Sum::ZERO,
        }
    }

    /// Bills the energy, demand and fixed charges of one month or part of a
    /// month into `lines` (under `lines.period`).
    pub(super) fn bill_part(
        &self,
        lines: &mut MonthLines,
        f: &PartFigures<'_>,
        eff: &mut Vec<EffTier>,
        split: &mut Vec<(usize, Decimal)>,
        split_nano: &mut Vec<(usize, i128)>,
    ) -> Result<PartSums, ElectricError> {
        let tariff = &*self.tariff;
        let m = f.m;
        let kw = |micro: i64| Decimal::new(micro.saturating_mul(f.per_hour), 6);
        let mut sums = PartSums::default();
        // Energy: the month's tiers split pro rata among its periods.
        let month_micro: i64 = f.energies.iter().sum();
        let month_kwh = Decimal::new(month_micro, 6);
        let used = self
            .energy_in_month
            .get(m)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let template = used
            .first()
            .and_then(|&p| tariff.energy_periods.get(usize::from(p)));
        if let (Some(template), true) = (template, month_micro > 0) {
            effective_tiers(template, f.days, f.bd, f.factor, eff)?;
            tier_kwh(eff, month_kwh, split)?;
            let total_nano = i128::from(month_micro) * 1000;
            // Each tier's kWh in nano-kWh; each period gets its share pro
            // rata in integer arithmetic (rounded to the nano-kWh).
            split_nano.clear();
            for &(k, q_t) in split.iter() {
                if let Some(e) = eff.get(k) {
                    split_nano.push((e.src, to_nano(q_t)?));
                }
            }
            for (p, &e_p) in f.energies.iter().enumerate() {
                if e_p == 0 {
                    continue;
                }
                let (Some(tiers), Some(metas)) =
                    (tariff.energy_periods.get(p), self.energy_meta.get(p))
                else {
                    continue;
                };
                let e_nano = i128::from(e_p) * 1000;
                for &(src, q_t_nano) in split_nano.iter() {
                    let (Some(tier), Some(meta)) = (tiers.get(src), metas.get(src)) else {
                        continue;
                    };
                    let q_nano = if q_t_nano == total_nano {
                        e_nano
                    } else {
                        pro_rata(e_nano, q_t_nano, total_nano)?
                    };
                    let q = Decimal::try_from_i128_with_scale(q_nano, 9)
                        .map_err(|_| ov("an energy tier"))?;
                    let amount = Amount::product(q_nano, 9, tier.rate)
                        .map_or_else(|| Amount::times(q, tier.rate, "an energy charge"), Ok)?;
                    let a = lines.push(meta, q, LineUnit::Service(Unit::Kwh), tier.rate, amount)?;
                    sums.energy.add(a)?;
                }
            }
        }
        // Demand: a part of a month pays its share (quantity: kW × months).
        let demand_line = |lines: &mut MonthLines,
                           sum: &mut Sum,
                           meta: Option<&&'static LineMeta>,
                           kw_in: Decimal,
                           rate: Decimal|
         -> Result<(), ElectricError> {
            let q = times(kw_in, f.factor, "a demand charge")?;
            let amount = Amount::times(q, rate, "a demand charge")?;
            if let Some(meta) = meta {
                let a = lines.push(meta, q, LineUnit::Kilowatt, rate, amount)?;
                sum.add(a)?;
            }
            Ok(())
        };
        // TOU demand: each period's own peak, or the billing demand when the
        // ratchet applies to TOU periods (SAM).
        if tariff.has_tou_demand() {
            let on_bd = tariff.ratchet.is_some_and(|r| r.tou_demand);
            let dused = self
                .demand_in_month
                .get(m)
                .map(Vec::as_slice)
                .unwrap_or_default();
            for &q in dused {
                let q = usize::from(q);
                let d = if on_bd {
                    f.bd
                } else {
                    kw(f.demand.get(q).copied().unwrap_or(0))
                };
                let (Some(tiers), Some(metas)) =
                    (tariff.demand_periods.get(q), self.tou_meta.get(q))
                else {
                    continue;
                };
                block(d, tiers, |i, kw_in, rate| {
                    demand_line(lines, &mut sums.demand_tou, metas.get(i), kw_in, rate)
                })?;
            }
        }
        // Flat demand: the billing demand.
        if !tariff.flat_demand.is_empty() {
            let fp = usize::from(tariff.flat_demand_months.get(m).copied().unwrap_or(0));
            if let (Some(tiers), Some(metas)) = (tariff.flat_demand.get(fp), self.flat_meta.get(fp))
            {
                block(f.bd, tiers, |i, kw_in, rate| {
                    demand_line(lines, &mut sums.demand_flat, metas.get(i), kw_in, rate)
                })?;
            }
        }
        // Fixed charges.
        let months = f.factor.unwrap_or(Decimal::ONE);
        for c in &tariff.fixed {
            let (q, unit, rate) = match c.unit {
                ChargeUnit::PerMonth => (months, LineUnit::Month, c.amount),
                ChargeUnit::PerDay => (Decimal::from(f.days), LineUnit::Day, c.amount),
                ChargeUnit::PerYear => {
                    let r = c
                        .amount
                        .checked_div(Decimal::from(12))
                        .ok_or_else(|| ov("a fixed charge"))?;
                    (months, LineUnit::Month, r)
                }
            };
            let amount = match (c.unit, f.factor) {
                (ChargeUnit::PerMonth | ChargeUnit::PerYear, None) => rate,
                _ => q.checked_mul(rate).ok_or_else(|| ov("a fixed charge"))?,
            };
            let a = lines.push(self.fixed_meta, q, unit, rate, Amount::of(amount))?;
            sums.fixed.add(a)?;
        }
        sums.floor = match tariff.minimum {
            Some(c) if c.unit == ChargeUnit::PerMonth => {
                Some(times(c.amount, f.factor, "the minimum")?)
            }
            Some(c) if c.unit == ChargeUnit::PerDay => Some(
                c.amount
                    .checked_mul(Decimal::from(f.days))
                    .ok_or_else(|| ov("the minimum"))?,
            ),
            _ => None,
        };
        Ok(sums)
    }

    /// Pushes the minimum-charge top-up that brings `lines` up to `floor`,
    /// if any; returns the top-up.
    pub(super) fn top_up(
        &self,
        lines: &mut MonthLines,
        floor: Option<Decimal>,
    ) -> Result<Decimal, ElectricError> {
        let Some(floor) = floor else {
            return Ok(Decimal::ZERO);
        };
        let pre = lines.sum.value()?;
        let top = floor.checked_sub(pre).ok_or_else(|| ov("the minimum"))?;
        if top > Decimal::ZERO {
            lines
                .push(
                    self.minimum_meta,
                    Decimal::ONE,
                    LineUnit::Month,
                    top,
                    Amount::of(top),
                )?
                .to_decimal()
        } else {
            Ok(Decimal::ZERO)
        }
    }

    /// Bills every calendar month of `series` that has data, as SAM does.
    /// Amounts are rounded by `policy` (use
    /// [`RoundingPolicy::TOTAL_ONLY_HALF_UP`] to compare with SAM, which never
    /// rounds).
    ///
    /// The series must lie in the prepared year, in local clock time. Each
    /// month with data is billed whole (nothing is prorated); an annual
    /// minimum is settled in December. To bill exact periods (meter-read
    /// cycles, part of a month, several years, dated versions, a UTC series
    /// in the utility's time zone), use [`super::ElectricRate::bill`].
    pub fn bill(
        &self,
        series: &IntervalSeries,
        policy: RoundingPolicy,
    ) -> Result<ElectricStatement, ElectricError> {
        let tariff = &*self.tariff;
        let currency = tariff.currency;
        let t = self.accumulate(series)?;
        let ne = tariff.energy_periods.len();
        let nd = tariff.demand_periods.len().max(1);
        let per_hour = i64::try_from(series.per_hour()).unwrap_or(1);
        let kw = |micro: i64| Decimal::new(micro.saturating_mul(per_hour), 6);
        let mut history = PeakHistory::new();
        let mut months = Vec::with_capacity(12);
        let mut eff: Vec<EffTier> = Vec::new();
        let mut split: Vec<(usize, Decimal)> = Vec::new();
        let mut split_nano: Vec<(usize, i128)> = Vec::new();
        let mut pre_sum = Decimal::ZERO;
        let mut total = Decimal::ZERO;
        let year = self.map.year;
        for m in 0..12usize {
            if t.count.get(m).copied().unwrap_or(0) == 0 {
                continue;
            }
            let first =
                NaiveDate::from_ymd_opt(year, m as u32 + 1, 1).ok_or(ElectricError::Year(year))?;
            let peak = kw(t.peak.get(m).copied().unwrap_or(0));
            let (bd, basis) = billing_demand_at(
                peak,
                year,
                m as u32 + 1,
                &history,
                tariff.ratchet.as_ref(),
                tariff.minimum_billing_demand_kw,
            )?;
            if tariff.ratchet.is_some() {
                history.record(year, m as u32 + 1, peak)?;
            }
            let mut lines = self.lines_for(BillingPeriod::month_of(first), policy);
            let energies = t.energy.get(m * ne..(m + 1) * ne).unwrap_or_default();
            let demand = t.demand_max.get(m * nd..(m + 1) * nd).unwrap_or_default();
            let month_micro: i64 = energies.iter().sum();
            let sums = self.bill_part(
                &mut lines,
                &PartFigures {
                    m,
                    days: self.days_in_month(m),
                    factor: None,
                    energies,
                    demand,
                    bd,
                    per_hour,
                },
                &mut eff,
                &mut split,
                &mut split_nano,
            )?;
            // Minimum charges.
            let pre = lines.sum.value()?;
            pre_sum = pre_sum
                .checked_add(pre)
                .ok_or_else(|| ov("the annual total"))?;
            let floor = match tariff.minimum {
                Some(c) if c.unit == ChargeUnit::PerYear && m == 11 => {
                    // Annual minimum, settled in December against the sum
                    // before any monthly top-up.
                    let short = c
                        .amount
                        .checked_sub(pre_sum)
                        .ok_or_else(|| ov("the minimum"))?;
                    Some(pre.checked_add(short).ok_or_else(|| ov("the minimum"))?)
                }
                _ => sums.floor,
            };
            let minimum = self.top_up(&mut lines, floor)?;
            let month_total = Money::new(
                policy.round(lines.sum.value()?, currency.minor_units()),
                currency,
            );
            total = total
                .checked_add(month_total.amount())
                .ok_or_else(|| ov("the statement total"))?;
            let period = lines.period;
            months.push(ElectricMonth {
                month: m as u32 + 1,
                bill: Bill {
                    tariff_id: self.id.clone(),
                    period,
                    currency,
                    rounding: policy,
                    usage: Quantity::new(Decimal::new(month_micro, 6), Unit::Kwh),
                    usage_is_normative: false,
                    usage_is_estimated: false,
                    lines: lines.lines,
                    total: month_total,
                    normative: None,
                },
                kwh: Decimal::new(month_micro, 6),
                peak_kw: peak,
                billing_demand_kw: bd,
                demand_basis: basis,
                energy: Money::new(sums.energy.value()?, currency),
                demand_flat: Money::new(sums.demand_flat.value()?, currency),
                demand_tou: Money::new(sums.demand_tou.value()?, currency),
                fixed: Money::new(sums.fixed.value()?, currency),
                minimum: Money::new(minimum, currency),
            });
        }
        Ok(ElectricStatement {
            tariff_id: tariff.id.clone(),
            year,
            months,
            total: Money::new(total, currency),
        })
    }
}
