//! The electric tariff model: energy periods and tiers, demand periods and
//! tiers, flat demand by month, fixed and minimum charges, the ratchet and the
//! minimum billing demand, effective dates, proration and clock; and its
//! validation (every problem listed).

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::schedule::Schedule;
use super::ElectricError;
use crate::tariff::{Problem, Proration};
use crate::Currency;

/// What an energy tier's `max` counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum EnergyUnit {
    /// Cumulative kWh in the month.
    #[default]
    Kwh,
    /// kWh per day, times the days in the billing month.
    KwhDaily,
    /// kWh per kW of billing demand (block-step tiers, see the module docs).
    KwhPerKw,
    /// kWh per kW of billing demand per day.
    KwhPerKwDaily,
}

impl EnergyUnit {
    /// True for the units scaled by billing demand.
    pub fn per_kw(self) -> bool {
        matches!(self, EnergyUnit::KwhPerKw | EnergyUnit::KwhPerKwDaily)
    }
    /// True for the units scaled by the days of the month.
    pub fn daily(self) -> bool {
        matches!(self, EnergyUnit::KwhDaily | EnergyUnit::KwhPerKwDaily)
    }
}

/// One tier of an energy period: up to `max` (cumulative, in `unit`) at `rate` per kWh.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnergyTier {
    /// Upper limit of the tier; `None` for the last, unbounded tier.
    pub max: Option<Decimal>,
    /// Price per kWh (URDB `rate + adj`).
    pub rate: Decimal,
    /// What `max` counts.
    #[serde(default)]
    pub unit: EnergyUnit,
}

/// One tier of a demand charge: up to `max` kW (cumulative) at `rate` per kW.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemandTier {
    /// Upper limit in kW; `None` for the last, unbounded tier.
    pub max: Option<Decimal>,
    /// Price per kW (URDB `rate + adj`).
    pub rate: Decimal,
}

/// How often a fixed or minimum charge applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChargeUnit {
    /// Every billed month.
    PerMonth,
    /// Every day of each billed month.
    PerDay,
    /// Per year: a fixed charge bills one twelfth a month; a minimum is an
    /// annual minimum, topped up in December.
    PerYear,
}

/// An amount charged per month, day or year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeriodCharge {
    /// The amount.
    pub amount: Decimal,
    /// Per what.
    pub unit: ChargeUnit,
}

/// A demand ratchet, as SAM's billing demand computes it: the billing
/// demand of a bill is the highest of its own peak and, for each month `k`
/// among the `lookback_months` months before the bill's month (and that
/// month itself), `percent_by_month[k] × peak_k`. Months before the first
/// billed one come from earlier data in the series or from a peak history
/// given by the caller, across year ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ratchet {
    /// For each calendar month (January first), the fraction of that month's
    /// peak that later bills cannot go below (0.8 for 80 %; 0: the month's
    /// peak does not ratchet).
    pub percent_by_month: [Decimal; 12],
    /// How many months before the billed month are looked back at (0 to 36).
    pub lookback_months: u8,
    /// Whether time-of-use demand periods are billed on the billing demand
    /// too (SAM's `ur_dc_billing_demand_periods` with every period, which is
    /// how a URDB ratchet is billed); otherwise each TOU period is billed on
    /// its own peak and only the flat demand and `kWh/kW` tiers ratchet.
    #[serde(default = "yes")]
    pub tou_demand: bool,
}

fn yes() -> bool {
    true
}

impl Ratchet {
    /// The same `percent` for every month, looking back `lookback_months`.
    pub fn uniform(percent: Decimal, lookback_months: u8) -> Ratchet {
        Ratchet {
            percent_by_month: [percent; 12],
            lookback_months,
            tou_demand: true,
        }
    }
}

/// Which clock the 12×24 schedules are read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Clock {
    /// Local prevailing (wall-clock) time: on daylight-saving days of 23 and
    /// 25 hours, the hour that does not exist is skipped and the repeated
    /// hour is billed twice at its clock hour's period.
    #[default]
    WallClock,
    /// Local standard time all year (the zone's base offset, no daylight
    /// saving), as SAM counts hours.
    Standard,
}

/// An electric tariff for interval data. Build one in code or with
/// [`super::urdb::import`]; [`ElectricTariff::validate`] lists every problem,
/// and [`ElectricTariff::prepare`] refuses an invalid tariff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ElectricTariff {
    /// Tariff id, shown on bills.
    pub id: String,
    /// Currency of every rate.
    pub currency: Currency,
    /// Energy tiers of each period (period 0 first).
    pub energy_periods: Vec<Vec<EnergyTier>>,
    /// The energy period of each month and hour.
    pub energy_schedule: Schedule,
    /// Demand tiers of each TOU demand period (empty: no TOU demand charge).
    pub demand_periods: Vec<Vec<DemandTier>>,
    /// The demand period of each month and hour (used when `demand_periods` is not empty).
    pub demand_schedule: Schedule,
    /// Flat (all hours) demand tiers, by flat period (empty: no flat demand charge).
    pub flat_demand: Vec<Vec<DemandTier>>,
    /// The flat demand period of each month (January first).
    pub flat_demand_months: [u8; 12],
    /// Fixed charges.
    pub fixed: Vec<PeriodCharge>,
    /// Minimum charge: per month (or per day, times the days of the month)
    /// on the whole monthly bill, or per year (topped up in December).
    pub minimum: Option<PeriodCharge>,
    /// Demand ratchet.
    pub ratchet: Option<Ratchet>,
    /// Minimum billing demand in kW.
    pub minimum_billing_demand_kw: Option<Decimal>,
    /// First day this tariff (version) applies, if dated.
    #[serde(default)]
    pub effective_from: Option<NaiveDate>,
    /// Last day this tariff (version) applies, if dated.
    #[serde(default)]
    pub effective_to: Option<NaiveDate>,
    /// How monthly amounts are prorated on a part of a month (fixed charges,
    /// `kWh` tier sizes, demand charges, minimums); the water engine's
    /// choices. A whole calendar month always counts 1, as SAM bills it.
    #[serde(default)]
    pub proration: Proration,
    /// The clock the schedules are read in when the series has a time zone.
    #[serde(default)]
    pub clock: Clock,
    /// Sell rates per kWh exported, by energy period and tier, in the shape
    /// of `energy_periods` (URDB's per-tier `sell`); empty: exported energy
    /// earns nothing. Used only by bills of customers who generate
    /// ([`super::generation`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sell_rates: Vec<Vec<Decimal>>,
    /// How a customer's exported energy is billed under this tariff (URDB's
    /// `dgrules`), unless the call names one; `None`: consumption only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metering: Option<super::generation::Metering>,
}

impl ElectricTariff {
    /// A tariff from its JSON form (what [`ElectricTariff::to_json`]
    /// writes: the engine's own fields, not URDB's). A field that is not
    /// known, missing or of the wrong shape is refused naming its path, so
    /// a misspelt field is never ignored; the tariff is then validated and
    /// every problem listed.
    pub fn from_json(text: &str) -> Result<ElectricTariff, ElectricError> {
        let de = &mut serde_json::Deserializer::from_str(text);
        let tariff: ElectricTariff = serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            ElectricError::Json(format!("{} (at `{path}`)", e.into_inner()))
        })?;
        tariff.validate()?;
        Ok(tariff)
    }

    /// The tariff's JSON form, which [`ElectricTariff::from_json`] reads
    /// back: a URDB rate once imported can be kept, reviewed and edited in
    /// the engine's own terms.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// A tariff with a single flat energy rate per kWh and nothing else;
    /// add charges by setting fields.
    pub fn flat(id: &str, currency: Currency, rate: Decimal) -> ElectricTariff {
        ElectricTariff {
            id: id.to_string(),
            currency,
            energy_periods: vec![vec![EnergyTier {
                max: None,
                rate,
                unit: EnergyUnit::Kwh,
            }]],
            energy_schedule: Schedule::uniform(0),
            demand_periods: Vec::new(),
            demand_schedule: Schedule::uniform(0),
            flat_demand: Vec::new(),
            flat_demand_months: [0; 12],
            fixed: Vec::new(),
            minimum: None,
            ratchet: None,
            minimum_billing_demand_kw: None,
            effective_from: None,
            effective_to: None,
            proration: Proration::CalendarMonth,
            clock: Clock::WallClock,
            sell_rates: Vec::new(),
            metering: None,
        }
    }

    /// The sell rate of energy period `p`, tier `t` (0 when none is given).
    pub fn sell_rate(&self, p: usize, t: usize) -> Decimal {
        self.sell_rates
            .get(p)
            .and_then(|tiers| tiers.get(t))
            .copied()
            .unwrap_or(Decimal::ZERO)
    }

    /// Every problem with the tariff (empty when it is valid).
    pub fn problems(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        let mut p = |path: String, message: String| out.push(Problem { path, message });
        if self.id.trim().is_empty() {
            p("id".into(), "is empty; give the tariff an id".into());
        }
        if self.energy_periods.is_empty() {
            p(
                "energy_periods".into(),
                "is empty; give at least one period with one tier".into(),
            );
        }
        if self.energy_periods.len() > 255 {
            p(
                "energy_periods".into(),
                format!(
                    "has {} periods; at most 255 are supported",
                    self.energy_periods.len()
                ),
            );
        }
        for (i, tiers) in self.energy_periods.iter().enumerate() {
            if tiers.is_empty() {
                p(
                    format!("energy_periods[{i}]"),
                    "has no tier; give at least one".into(),
                );
            }
        }
        schedule_problems(
            &mut p,
            "energy_schedule",
            &self.energy_schedule,
            self.energy_periods.len(),
        );
        // SAM's rule: periods used in the same month share their tier limits.
        for m in 0..12 {
            let used = self.energy_schedule.periods_in_month(m);
            let mut first: Option<(usize, Vec<TierLimit>)> = None;
            for &q in &used {
                let Some(tiers) = self.energy_periods.get(usize::from(q)) else {
                    continue;
                };
                let limits: Vec<_> = tiers.iter().map(|t| (t.max, t.unit)).collect();
                match &first {
                    None => first = Some((usize::from(q), limits)),
                    Some((f, l)) if *l != limits => p(
                        format!("energy_periods[{q}]"),
                        format!(
                            "has tier limits different from period {f}, and both are used in month {}; periods of the same month must share tier count, max and unit (their rates may differ)",
                            m + 1
                        ),
                    ),
                    Some(_) => {}
                }
            }
        }
        if !self.sell_rates.is_empty() {
            if self.sell_rates.len() != self.energy_periods.len() {
                p(
                    "sell_rates".into(),
                    format!(
                        "has {} periods but energy_periods has {}; give one list of sell rates per energy period (or none)",
                        self.sell_rates.len(),
                        self.energy_periods.len()
                    ),
                );
            }
            for (i, (sell, tiers)) in self.sell_rates.iter().zip(&self.energy_periods).enumerate() {
                if sell.len() != tiers.len() {
                    p(
                        format!("sell_rates[{i}]"),
                        format!(
                            "has {} tiers but energy_periods[{i}] has {}; give one sell rate per tier",
                            sell.len(),
                            tiers.len()
                        ),
                    );
                }
                for (t, r) in sell.iter().enumerate() {
                    if r.is_sign_negative() && !r.is_zero() {
                        p(
                            format!("sell_rates[{i}][{t}]"),
                            format!("is {r}; a sell rate cannot be negative (use 0 for energy credited at nothing)"),
                        );
                    }
                }
            }
        }
        for (i, tiers) in self.demand_periods.iter().enumerate() {
            if tiers.is_empty() {
                p(
                    format!("demand_periods[{i}]"),
                    "has no tier; give at least one".into(),
                );
            }
        }
        if !self.demand_periods.is_empty() {
            if self.demand_periods.len() > 255 {
                p(
                    "demand_periods".into(),
                    "has more than 255 periods; at most 255 are supported".into(),
                );
            }
            schedule_problems(
                &mut p,
                "demand_schedule",
                &self.demand_schedule,
                self.demand_periods.len(),
            );
            for m in 0..12 {
                let used = self.demand_schedule.periods_in_month(m);
                let mut first: Option<(u8, Vec<Option<Decimal>>)> = None;
                for &q in &used {
                    let Some(tiers) = self.demand_periods.get(usize::from(q)) else {
                        continue;
                    };
                    let limits: Vec<_> = tiers.iter().map(|t| t.max).collect();
                    match &first {
                        None => first = Some((q, limits)),
                        Some((f, l)) if *l != limits => p(
                            format!("demand_periods[{q}]"),
                            format!(
                                "has tier limits different from period {f}, and both are used in month {}; demand periods of the same month must share their tier limits",
                                m + 1
                            ),
                        ),
                        Some(_) => {}
                    }
                }
            }
        }
        for (i, tiers) in self.flat_demand.iter().enumerate() {
            if tiers.is_empty() {
                p(
                    format!("flat_demand[{i}]"),
                    "has no tier; give at least one".into(),
                );
            }
        }
        if !self.flat_demand.is_empty() {
            for (m, &q) in self.flat_demand_months.iter().enumerate() {
                if usize::from(q) >= self.flat_demand.len() {
                    p(
                        format!("flat_demand_months[{m}]"),
                        format!(
                            "is {q} but there are {} flat demand periods; use 0 to {}",
                            self.flat_demand.len(),
                            self.flat_demand.len().saturating_sub(1)
                        ),
                    );
                }
            }
        }
        if let Some(r) = &self.ratchet {
            for (m, pct) in r.percent_by_month.iter().enumerate() {
                if pct.is_sign_negative() || *pct > Decimal::ONE {
                    p(
                        format!("ratchet.percent_by_month[{m}]"),
                        format!("is {pct}; give a fraction from 0 to 1 (0.8 for 80 %)"),
                    );
                }
            }
            if r.lookback_months > 36 {
                p(
                    "ratchet.lookback_months".into(),
                    format!("is {}; look back at most 36 months", r.lookback_months),
                );
            }
        }
        if let (Some(from), Some(to)) = (self.effective_from, self.effective_to) {
            if to < from {
                p(
                    "effective_to".into(),
                    format!("is {to}, before effective_from {from}; end the version on or after its first day"),
                );
            }
        }
        for (path, tiers) in self
            .energy_periods
            .iter()
            .enumerate()
            // Block-step tiers mix kWh/kW blocks and kWh steps: their limits
            // are in different units and need not increase.
            .filter(|(_, t)| {
                t.windows(2)
                    .all(|w| matches!(w, [a, b] if a.unit == b.unit))
            })
            .map(|(i, t)| {
                (
                    format!("energy_periods[{i}]"),
                    t.iter().map(|t| t.max).collect::<Vec<_>>(),
                )
            })
            .chain(self.demand_periods.iter().enumerate().map(|(i, t)| {
                (
                    format!("demand_periods[{i}]"),
                    t.iter().map(|t| t.max).collect(),
                )
            }))
            .chain(self.flat_demand.iter().enumerate().map(|(i, t)| {
                (
                    format!("flat_demand[{i}]"),
                    t.iter().map(|t| t.max).collect(),
                )
            }))
        {
            // Limits may repeat (a tier of zero width bills nothing, as in
            // SAM, which URDB data sometimes holds) but never fall.
            let mut prev = Decimal::ZERO;
            let n = tiers.len();
            for (t, max) in tiers.iter().enumerate() {
                match max {
                    Some(m) if *m < prev || m.is_sign_negative() => p(
                        format!("{path}[{t}].max"),
                        format!(
                            "is {m}, below the tier before ({prev}); give limits that never fall"
                        ),
                    ),
                    Some(m) => prev = *m,
                    None if t + 1 < n => p(
                        format!("{path}[{t}].max"),
                        "is missing (unbounded) but more tiers follow; only the last tier may be unbounded".into(),
                    ),
                    None => {}
                }
            }
        }
        if let Some(k) = self.minimum_billing_demand_kw {
            if k.is_sign_negative() {
                p(
                    "minimum_billing_demand_kw".into(),
                    format!("is {k}; give 0 or more kW"),
                );
            }
        }
        out
    }

    /// `Ok` when the tariff is valid, else every problem.
    pub fn validate(&self) -> Result<(), ElectricError> {
        let problems = self.problems();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(ElectricError::Invalid { problems })
        }
    }

    /// True when the tariff has a TOU demand charge.
    pub fn has_tou_demand(&self) -> bool {
        !self.demand_periods.is_empty()
    }
}

/// A tier's limit and unit, which periods of one month must share.
type TierLimit = (Option<Decimal>, EnergyUnit);

fn schedule_problems(p: &mut impl FnMut(String, String), name: &str, s: &Schedule, periods: usize) {
    for (kind, grid) in [("weekday", &s.weekday), ("weekend", &s.weekend)] {
        for (m, row) in grid.iter().enumerate() {
            for (h, &v) in row.iter().enumerate() {
                if usize::from(v) >= periods {
                    p(
                        format!("{name}.{kind}[{m}][{h}]"),
                        format!(
                            "is period {v} but there are {periods} periods; use 0 to {} (0-based)",
                            periods.saturating_sub(1)
                        ),
                    );
                }
            }
        }
    }
}
