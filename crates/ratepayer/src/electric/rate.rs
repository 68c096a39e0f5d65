//! Electric bills on real billing periods: [`ElectricRate`] (a tariff's dated
//! versions) bills any periods — meter-read cycles across months and years,
//! part of a month, several periods in one call, a series spanning years —
//! splitting each period where a calendar month or a version changes,
//! prorating monthly amounts on partial months by the version's proration,
//! reading the series on the utility's local clock (daylight-saving days of
//! 23 and 25 hours included), and carrying demand ratchets across periods
//! and year ends.

use std::sync::{Arc, Mutex, PoisonError};

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime};
use chrono_tz::Tz;
use rust_decimal::Decimal;

use super::bill::{PartFigures, PreparedYear, Scratch};
use super::clock::{runs, Run};
use super::demand::{billing_demand_at, PeakHistory};
use super::exact::{ov, Sum};
use super::interval::IntervalSeries;
use super::tariff::{ChargeUnit, Clock, ElectricTariff};
use super::tou::EffTier;
use super::{ElectricError, ElectricMonth};
use crate::calendar::Calendar;
use crate::tariff::{Problem, Proration};
use crate::{Bill, BillingPeriod, Money, Quantity, RoundingPolicy, Unit};

/// An electric rate: one tariff, or its dated versions in order. A version
/// without `effective_to` runs to the day before the next one starts; only
/// the first may lack `effective_from`. The hour maps of the years it bills
/// are prepared once and kept (a few dozen at most), so billing many series
/// with one rate prepares each year once.
#[derive(Debug)]
pub struct ElectricRate {
    versions: Vec<ElectricTariff>,
    prepared: Mutex<Vec<Prepared>>,
}

/// A prepared year of one version, for one holiday calendar.
#[derive(Debug)]
struct Prepared {
    version: usize,
    year: i32,
    calendar: Option<Calendar>,
    year_map: Arc<PreparedYear>,
}

/// The most prepared years a rate keeps.
const PREPARED_KEPT: usize = 32;

impl Clone for ElectricRate {
    fn clone(&self) -> ElectricRate {
        ElectricRate {
            versions: self.versions.clone(),
            prepared: Mutex::new(Vec::new()),
        }
    }
}

impl PartialEq for ElectricRate {
    fn eq(&self, other: &ElectricRate) -> bool {
        self.versions == other.versions
    }
}

impl Eq for ElectricRate {}

/// How [`ElectricRate::bill`] reads the series and rounds.
#[derive(Debug, Clone, Copy)]
pub struct ElectricOptions<'a> {
    /// The utility's time zone. Needed for a series of UTC instants; with it,
    /// a local series is read in that zone's wall-clock (or standard) time.
    /// Without it, a local series is read as written, every day 24 hours.
    pub zone: Option<Tz>,
    /// Holidays billed on the weekend schedules.
    pub calendar: Option<&'a Calendar>,
    /// Rounding of lines and totals.
    pub rounding: RoundingPolicy,
    /// Monthly peaks before the first period, for ratchets.
    pub history: Option<&'a PeakHistory>,
}

impl Default for ElectricOptions<'_> {
    fn default() -> Self {
        ElectricOptions {
            zone: None,
            calendar: None,
            rounding: RoundingPolicy::PER_LINE_HALF_UP,
            history: None,
        }
    }
}

/// One part of a period: the days of one calendar month under one version.
struct Part {
    version: usize,
    period: BillingPeriod,
    factor: Option<Decimal>,
}

fn day_start(d: NaiveDate) -> NaiveDateTime {
    d.and_time(NaiveTime::MIN)
}

impl ElectricRate {
    /// A rate of dated versions; every problem of every version (paths
    /// prefixed `versions[i].`) and of their dates is listed.
    pub fn new(mut versions: Vec<ElectricTariff>) -> Result<ElectricRate, ElectricError> {
        let mut problems = Vec::new();
        if versions.is_empty() {
            problems.push(Problem {
                path: "versions".into(),
                message: "is empty; give at least one tariff version".into(),
            });
        }
        versions.sort_by_key(|v| v.effective_from);
        for (i, v) in versions.iter().enumerate() {
            for p in v.problems() {
                problems.push(Problem {
                    path: format!("versions[{i}].{}", p.path),
                    message: p.message,
                });
            }
            if let Some(first) = versions.first() {
                if v.currency != first.currency {
                    problems.push(Problem {
                        path: format!("versions[{i}].currency"),
                        message: format!(
                            "is {}, but versions[0] bills in {}; give every version one currency",
                            v.currency, first.currency
                        ),
                    });
                }
            }
            if i > 0 && v.effective_from.is_none() {
                problems.push(Problem {
                    path: format!("versions[{i}].effective_from"),
                    message: "is missing; every version after the first needs its first day".into(),
                });
            }
            if let (Some(prev), Some(from)) = (
                i.checked_sub(1).and_then(|j| versions.get(j)),
                v.effective_from,
            ) {
                if let Some(to) = prev.effective_to.filter(|to| *to >= from) {
                    problems.push(Problem {
                        path: format!("versions[{}].effective_to", i - 1),
                        message: format!(
                            "is {to}, but versions[{i}] starts {from}; end the earlier version the day before"
                        ),
                    });
                }
                if prev.effective_from == Some(from) {
                    problems.push(Problem {
                        path: format!("versions[{i}].effective_from"),
                        message: format!("is {from}, the same day as the version before; give each version its own first day"),
                    });
                }
            }
        }
        if problems.is_empty() {
            Ok(ElectricRate {
                versions,
                prepared: Mutex::new(Vec::new()),
            })
        } else {
            Err(ElectricError::Invalid { problems })
        }
    }

    /// The versions, oldest first.
    pub fn versions(&self) -> &[ElectricTariff] {
        &self.versions
    }

    /// Version `version`'s hour map of `year` with `calendar`'s holidays,
    /// prepared once and kept.
    fn prepared_year(
        &self,
        version: usize,
        year: i32,
        calendar: Option<&Calendar>,
    ) -> Result<Arc<PreparedYear>, ElectricError> {
        let mut kept = self.prepared.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(p) = kept
            .iter()
            .find(|p| p.version == version && p.year == year && p.calendar.as_ref() == calendar)
        {
            return Ok(p.year_map.clone());
        }
        let tariff = self
            .versions
            .get(version)
            .ok_or_else(|| ElectricError::Series("no such tariff version".into()))?;
        let year_map = Arc::new(tariff.prepare(year, calendar)?);
        if kept.len() >= PREPARED_KEPT {
            kept.remove(0);
        }
        kept.push(Prepared {
            version,
            year,
            calendar: calendar.cloned(),
            year_map: year_map.clone(),
        });
        Ok(year_map)
    }

    /// The index of the version in effect on `day`.
    fn version_on(&self, day: NaiveDate) -> Result<usize, ElectricError> {
        let mut found = None;
        for (i, v) in self.versions.iter().enumerate() {
            let started = v.effective_from.is_none_or(|f| f <= day);
            let next_from = self.versions.get(i + 1).and_then(|n| n.effective_from);
            let ended =
                v.effective_to.is_some_and(|t| t < day) || next_from.is_some_and(|f| f <= day);
            if started && !ended {
                found = Some(i);
                break;
            }
        }
        found.ok_or_else(|| {
            let spans: Vec<String> = self
                .versions
                .iter()
                .map(|v| {
                    format!(
                        "{} to {}",
                        v.effective_from.map_or("the beginning".to_string(), |d| d.to_string()),
                        v.effective_to.map_or("open end".to_string(), |d| d.to_string())
                    )
                })
                .collect();
            ElectricError::OutsideYear(format!(
                "is billed on {day}, when no version of tariff `{}` is in effect (its versions: {}); bill a period inside them, or add the version in effect then",
                self.versions.first().map_or("", |v| v.id.as_str()),
                spans.join("; ")
            ))
        })
    }

    /// The parts of `period`: split at each calendar month and version change.
    fn parts(&self, period: BillingPeriod) -> Result<Vec<Part>, ElectricError> {
        let mut out = Vec::new();
        for month in period.calendar_months() {
            let mut from = month.from();
            while from <= month.to() {
                let v = self.version_on(from)?;
                let mut to = from;
                while to < month.to() {
                    let next = to.succ_opt().ok_or(ElectricError::Year(to.year()))?;
                    if self.version_on(next)? != v {
                        break;
                    }
                    to = next;
                }
                let part = BillingPeriod::new(from, to)
                    .map_err(|e| ElectricError::Series(e.to_string()))?;
                let proration = self
                    .versions
                    .get(v)
                    .map_or(Proration::CalendarMonth, |t| t.proration);
                let months =
                    crate::bill::months(proration, period, part).map_err(|_| ov("a proration"))?;
                out.push(Part {
                    version: v,
                    period: part,
                    factor: (months != Decimal::ONE).then_some(months),
                });
                match to.succ_opt() {
                    Some(n) => from = n,
                    None => break,
                }
            }
        }
        Ok(out)
    }

    /// Bills `series` over each of `periods` (in order, not overlapping): one
    /// bill per period, each exactly its days. The series must cover every
    /// day billed; intervals outside the periods are not billed, and those
    /// before the first period give ratchets their earlier peaks.
    pub fn bill(
        &self,
        series: &IntervalSeries,
        periods: &[BillingPeriod],
        options: &ElectricOptions<'_>,
    ) -> Result<Vec<ElectricMonth>, ElectricError> {
        let Some(first_version) = self.versions.first() else {
            return Err(ElectricError::Series("the rate has no version".into()));
        };
        if periods.is_empty() {
            return Err(ElectricError::Series(
                "no billing period was given; give at least one".into(),
            ));
        }
        for w in periods.windows(2) {
            if let [a, b] = w {
                if b.from() <= a.to() {
                    return Err(ElectricError::Series(format!(
                        "the billing periods {} to {} and {} to {} overlap or are out of order; give periods in order, each starting after the one before ends",
                        a.from(), a.to(), b.from(), b.to()
                    )));
                }
            }
        }
        let currency = first_version.currency;
        let policy = options.rounding;
        let step = i64::from(series.step_minutes());
        let per_hour = i64::try_from(series.per_hour()).unwrap_or(1);
        let kw = |micro: i64| Decimal::new(micro.saturating_mul(per_hour), 6);
        // The series on each clock a version reads.
        let mut clocks: Vec<(Clock, Vec<Run>)> = Vec::new();
        for v in &self.versions {
            if !clocks.iter().any(|(c, _)| *c == v.clock) {
                clocks.push((v.clock, runs(series, options.zone, v.clock)?));
            }
        }
        let runs_of = |c: Clock| -> &[Run] {
            clocks
                .iter()
                .find(|(k, _)| *k == c)
                .map(|(_, r)| r.as_slice())
                .unwrap_or_default()
        };
        // Coverage of every period, on each clock used.
        for (_, rs) in &clocks {
            let begin = rs.iter().map(|r| r.local).min();
            let end = rs
                .iter()
                .map(|r| r.local + Duration::minutes(step * r.len as i64))
                .max();
            let (Some(begin), Some(end)) = (begin, end) else {
                return Err(ElectricError::Series(
                    "it has no interval; give the intervals of every day billed".into(),
                ));
            };
            for p in periods {
                if day_start(p.from()) < begin
                    || p.to().succ_opt().map(day_start).is_none_or(|e| e > end)
                {
                    return Err(ElectricError::Series(format!(
                        "it runs from {begin} to {end} local time and does not cover the period {} to {}; give the intervals of every day billed (fill a meter outage with estimated values)",
                        p.from(),
                        p.to()
                    )));
                }
            }
        }
        let narrow = series.bound_micro_kwh() <= i64::from(i32::MAX);
        let values = series.micro_kwh();
        let mut history = options.history.cloned().unwrap_or_default();
        // Earlier data gives the ratchet its peaks.
        if let (Some(p0), true) = (
            periods.first(),
            self.versions.iter().any(|v| v.ratchet.is_some()),
        ) {
            let cut = day_start(p0.from());
            for r in runs_of(first_version.clock) {
                for (k, v) in values.iter().skip(r.first).take(r.len).enumerate() {
                    let t = r.local + Duration::minutes(step * k as i64);
                    if t >= cut {
                        break;
                    }
                    history.record(t.year(), t.month(), kw(*v))?;
                }
            }
        }
        let mut prepared: Vec<((usize, i32), Arc<PreparedYear>)> = Vec::new();
        let mut eff: Vec<EffTier> = Vec::new();
        let mut split: Vec<(usize, Decimal)> = Vec::new();
        let mut split_nano: Vec<(usize, i128)> = Vec::new();
        let mut bills = Vec::with_capacity(periods.len());
        // Annual minimum: the year's charges before top-up, and the months billed.
        let mut year_pre: Vec<(i32, Decimal, u16)> = Vec::new();
        for period in periods {
            let parts = self.parts(*period)?;
            // Accumulate each part.
            struct Acc {
                energies: Vec<i64>,
                demand: Vec<i64>,
                peak: i64,
            }
            let mut accs = Vec::with_capacity(parts.len());
            for part in &parts {
                let Some(tariff) = self.versions.get(part.version) else {
                    continue;
                };
                let year = part.period.from().year();
                let key = (part.version, year);
                if !prepared.iter().any(|(k, _)| *k == key) {
                    prepared.push((
                        key,
                        self.prepared_year(part.version, year, options.calendar)?,
                    ));
                }
                let Some(py) = prepared.iter().find(|(k, _)| *k == key).map(|(_, p)| p) else {
                    continue;
                };
                let mut scratch = Scratch::new(series.per_hour(), narrow);
                let lo = day_start(part.period.from());
                let hi = part
                    .period
                    .to()
                    .succ_opt()
                    .map(day_start)
                    .ok_or(ElectricError::Year(year))?;
                for r in runs_of(tariff.clock) {
                    let r_end = r.local + Duration::minutes(step * r.len as i64);
                    let a = lo.max(r.local);
                    let b = hi.min(r_end);
                    if a >= b {
                        continue;
                    }
                    let i0 =
                        r.first + usize::try_from((a - r.local).num_minutes() / step).unwrap_or(0);
                    let i1 =
                        r.first + usize::try_from((b - r.local).num_minutes() / step).unwrap_or(0);
                    if let Some(slice) = values.get(i0..i1) {
                        py.accumulate_run(&mut scratch, a, slice)?;
                    }
                }
                let t = py.totals(&scratch);
                let m = part.period.from().month0() as usize;
                let ne = tariff.energy_periods.len();
                let nd = tariff.demand_periods.len().max(1);
                accs.push(Acc {
                    energies: t
                        .energy
                        .get(m * ne..(m + 1) * ne)
                        .unwrap_or_default()
                        .to_vec(),
                    demand: t
                        .demand_max
                        .get(m * nd..(m + 1) * nd)
                        .unwrap_or_default()
                        .to_vec(),
                    peak: t.peak.get(m).copied().unwrap_or(0),
                });
            }
            // The bill's peaks: all hours, and each TOU demand period.
            let peak_micro = accs.iter().map(|a| a.peak).max().unwrap_or(0);
            let nd = accs.iter().map(|a| a.demand.len()).max().unwrap_or(0);
            let demand: Vec<i64> = (0..nd)
                .map(|q| {
                    accs.iter()
                        .filter_map(|a| a.demand.get(q))
                        .copied()
                        .max()
                        .unwrap_or(0)
                })
                .collect();
            let last = parts
                .last()
                .and_then(|p| self.versions.get(p.version))
                .unwrap_or(first_version);
            let (bill_year, bill_month) = (period.to().year(), period.to().month());
            let peak = kw(peak_micro);
            let (bd, basis) = billing_demand_at(
                peak,
                bill_year,
                bill_month,
                &history,
                last.ratchet.as_ref(),
                last.minimum_billing_demand_kw,
            )?;
            let mut lines = match prepared.first() {
                Some((_, p)) => p.lines_for(*period, policy),
                None => return Err(ElectricError::Series("nothing to bill".into())),
            };
            let mut energy = Decimal::ZERO;
            let mut demand_flat = Decimal::ZERO;
            let mut demand_tou = Decimal::ZERO;
            let mut fixed = Decimal::ZERO;
            let add = |to: &mut Decimal, s: &Sum| -> Result<(), ElectricError> {
                *to = to
                    .checked_add(s.value()?)
                    .ok_or_else(|| ov("a sum of charges"))?;
                Ok(())
            };
            let mut floor: Option<Decimal> = None;
            let mut kwh_micro: i64 = 0;
            let mut annual: Option<Decimal> = None;
            for (part, acc) in parts.iter().zip(&accs) {
                let Some(tariff) = self.versions.get(part.version) else {
                    continue;
                };
                let key = (part.version, part.period.from().year());
                let Some(py) = prepared.iter().find(|(k, _)| *k == key).map(|(_, p)| p) else {
                    continue;
                };
                if let Some(c) = tariff.minimum.filter(|c| c.unit == ChargeUnit::PerYear) {
                    if periods
                        .iter()
                        .any(|p| *p != BillingPeriod::month_of(p.from()))
                    {
                        return Err(ElectricError::Series(format!(
                            "tariff `{}` has an annual minimum, which is settled in December over the year's calendar-month bills; bill calendar months (--monthly), January to December together",
                            tariff.id
                        )));
                    }
                    annual = Some(c.amount);
                }
                lines.period = part.period;
                kwh_micro = kwh_micro.saturating_add(acc.energies.iter().sum());
                let sums = py.bill_part(
                    &mut lines,
                    &PartFigures {
                        m: part.period.from().month0() as usize,
                        days: part.period.days(),
                        factor: part.factor,
                        energies: &acc.energies,
                        demand: &demand,
                        bd,
                        per_hour,
                    },
                    &mut eff,
                    &mut split,
                    &mut split_nano,
                )?;
                add(&mut energy, &sums.energy)?;
                add(&mut demand_flat, &sums.demand_flat)?;
                add(&mut demand_tou, &sums.demand_tou)?;
                add(&mut fixed, &sums.fixed)?;
                if let Some(f) = sums.floor {
                    floor = Some(
                        floor
                            .unwrap_or_default()
                            .checked_add(f)
                            .ok_or_else(|| ov("the minimum"))?,
                    );
                }
            }
            for (part, acc) in parts.iter().zip(&accs) {
                history.record(
                    part.period.from().year(),
                    part.period.from().month(),
                    kw(acc.peak),
                )?;
            }
            lines.period = *period;
            let pre = lines.sum.value()?;
            if let Some(amount) = annual {
                // Settled in December against the year's bills before top-up.
                let y = period.from().year();
                let entry = match year_pre.iter_mut().find(|(k, _, _)| *k == y) {
                    Some(e) => e,
                    None => {
                        year_pre.push((y, Decimal::ZERO, 0));
                        year_pre
                            .last_mut()
                            .ok_or_else(|| ov("the annual minimum"))?
                    }
                };
                entry.1 = entry
                    .1
                    .checked_add(pre)
                    .ok_or_else(|| ov("the annual minimum"))?;
                entry.2 |= 1 << period.from().month0();
                if period.from().month() == 12 {
                    if entry.2 != 0x0fff {
                        return Err(ElectricError::Series(format!(
                            "the annual minimum of {y} is settled in December over the whole year; bill January to December of {y} together"
                        )));
                    }
                    let short = amount
                        .checked_sub(entry.1)
                        .ok_or_else(|| ov("the minimum"))?;
                    floor = Some(pre.checked_add(short).ok_or_else(|| ov("the minimum"))?);
                }
            }
            let py_any = prepared
                .iter()
                .find(|((v, _), _)| parts.last().is_some_and(|p| p.version == *v))
                .or(prepared.first())
                .map(|(_, p)| p);
            let minimum = match py_any {
                Some(py) => py.top_up(&mut lines, floor)?,
                None => Decimal::ZERO,
            };
            let total = Money::new(
                policy.round(lines.sum.value()?, currency.minor_units()),
                currency,
            );
            let kwh = Decimal::new(kwh_micro, 6);
            bills.push(ElectricMonth {
                month: bill_month,
                bill: Bill {
                    tariff_id: std::sync::Arc::from(first_version.id.as_str()),
                    period: *period,
                    currency,
                    rounding: policy,
                    usage: Quantity::new(kwh, Unit::Kwh),
                    usage_is_normative: false,
                    usage_is_estimated: false,
                    lines: lines.lines,
                    total,
                    normative: None,
                },
                kwh,
                peak_kw: peak,
                billing_demand_kw: bd,
                demand_basis: basis,
                energy: Money::new(energy, currency),
                demand_flat: Money::new(demand_flat, currency),
                demand_tou: Money::new(demand_tou, currency),
                fixed: Money::new(fixed, currency),
                minimum: Money::new(minimum, currency),
            });
        }
        Ok(bills)
    }
}

impl ElectricTariff {
    /// Bills `series` over `periods` with this tariff alone (see
    /// [`ElectricRate::bill`]).
    pub fn bill_periods(
        &self,
        series: &IntervalSeries,
        periods: &[BillingPeriod],
        options: &ElectricOptions<'_>,
    ) -> Result<Vec<ElectricMonth>, ElectricError> {
        ElectricRate::new(vec![self.clone()])?.bill(series, periods, options)
    }
}
