//! Bills of customers who generate (rooftop solar and the like): the five
//! metering options of NREL SAM's `utilityrate5` ([`Metering`]), their
//! settings ([`MeteringOptions`]), two-channel meter data
//! ([`MeterChannels`]: energy delivered to the customer and received from
//! them, per interval) and the monthly bills, with lines and figures that
//! say what was credited and what carries over ([`GenerationStatement`]).
//!
//! The rules are SAM's, as `shared/conformance/nem/SEMANTICS.md` states them
//! and the SAM cases in `tests/data/sam_generation` check to the cent:
//! net metering nets each TOU period's kWh per month and carries a surplus
//! as kWh, paid at a year-end sell rate at the true-up; net metering in
//! dollars values each period's surplus at the sell rates and carries the
//! dollars; net billing nets each interval and credits exports at the sell
//! rates, with or without carrying the month's excess credit; buy-all /
//! sell-all bills the two meters separately. The engine is in `engine`, the
//! two ways of filling tiers in `fill`.
//!
//! Bills cover whole calendar months of one year, as SAM bills them, in
//! local clock time: [`super::PreparedYear::bill_generation`].

mod engine;
mod fill;
mod labels;
mod lines;
mod walk;

pub(crate) use walk::YearRuns;

pub(crate) use labels::Labels;

use chrono::NaiveDateTime;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::demand::DemandBasis;
use super::interval::{check_grid, MAX_INTERVAL_KWH, MICRO_KWH_PER_KWH};
use super::ElectricError;
use crate::{Bill, Money};

/// How exported energy is billed: SAM's `ur_metering_option` 0 to 4.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metering {
    /// (SAM option 0) Monthly net kWh per TOU period; a surplus carries to later months
    /// as kWh; at the true-up month the year's remaining excess is paid at
    /// the year-end sell rate.
    NetMetering,
    /// (SAM option 1) As net metering, but each period's surplus is valued at the sell
    /// rates and carried as a dollar credit against later energy charges;
    /// the balance is paid at the true-up month.
    NetMeteringDollar,
    /// (SAM option 2) Imports billed, exports credited at the sell rates, interval by
    /// interval; the credit offsets the whole bill and nothing carries over.
    NetBilling,
    /// (SAM option 3) As net billing, but a month's credits are banked and used from
    /// the next month, against energy charges; the balance is paid at the
    /// true-up month.
    NetBillingCarryover,
    /// (SAM option 4) Two meters: all consumption bought, all generation sold.
    BuyAllSellAll,
}

impl Metering {
    /// Every option, in SAM's order.
    pub const ALL: [Metering; 5] = [
        Metering::NetMetering,
        Metering::NetMeteringDollar,
        Metering::NetBilling,
        Metering::NetBillingCarryover,
        Metering::BuyAllSellAll,
    ];

    /// The option's name (`net_metering`, …), as the CLI and JSON write it.
    pub fn name(self) -> &'static str {
        match self {
            Metering::NetMetering => "net_metering",
            Metering::NetMeteringDollar => "net_metering_dollar",
            Metering::NetBilling => "net_billing",
            Metering::NetBillingCarryover => "net_billing_carryover",
            Metering::BuyAllSellAll => "buy_all_sell_all",
        }
    }

    /// SAM's `ur_metering_option` number.
    pub fn sam_option(self) -> u8 {
        match self {
            Metering::NetMetering => 0,
            Metering::NetMeteringDollar => 1,
            Metering::NetBilling => 2,
            Metering::NetBillingCarryover => 3,
            Metering::BuyAllSellAll => 4,
        }
    }

    /// The option named `name`; the error lists the names.
    pub fn parse(name: &str) -> Result<Metering, ElectricError> {
        Metering::ALL
            .into_iter()
            .find(|m| m.name() == name.trim())
            .ok_or_else(|| {
                ElectricError::Series(format!(
                    "the metering option is `{name}`; use one of {}",
                    Metering::ALL.map(Metering::name).join(", ")
                ))
            })
    }

    /// The option a URDB `dgrules` value stands for, as SAM's URDB
    /// converter maps it ("Net Billing Hourly" banks the excess credit,
    /// SAM's option 3); `None` for a value it does not know.
    pub fn from_dgrules(rule: &str) -> Option<Metering> {
        match rule.trim() {
            "Net Metering" => Some(Metering::NetMetering),
            "Net Billing Instantaneous" => Some(Metering::NetBilling),
            "Net Billing Hourly" => Some(Metering::NetBillingCarryover),
            "Buy All Sell All" => Some(Metering::BuyAllSellAll),
            _ => None,
        }
    }

    /// Whether exports earn the tariff's sell rates (all but kWh net metering).
    pub fn uses_sell_rates(self) -> bool {
        self != Metering::NetMetering
    }
}

/// A metering option and its settings (SAM's names in parentheses).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeteringOptions {
    /// The option.
    pub metering: Metering,
    /// Net metering: the price per kWh of the excess paid at the true-up
    /// (SAM: `ur_nm_yearend_sell_rate`); must be 0 for the other options.
    #[serde(default)]
    pub year_end_sell_rate: Decimal,
    /// The true-up month, 1 to 12 (December by default; SAM's
    /// `ur_nm_credit_month` plus one): net metering pays the excess kWh,
    /// the dollar options pay the credit balance, and nothing is carried
    /// into the month after it.
    #[serde(default = "december")]
    pub true_up_month: u32,
    /// Net metering (kWh or dollars): instead of paying at the true-up, the
    /// excess is credited against the energy charge and carried on
    /// (SAM: `ur_nm_credit_rollover`).
    #[serde(default)]
    pub credit_rollover: bool,
    /// Net billing with carryover: the balance is dropped at the true-up,
    /// not paid (SAM: `ur_nb_credit_expire`).
    #[serde(default)]
    pub credit_expire: bool,
    /// Net billing with carryover: a month's credits are used in the same
    /// month, after the balance brought in (SAM: `ur_nb_apply_credit_current_month`).
    #[serde(default)]
    pub apply_credit_current_month: bool,
}

fn december() -> u32 {
    12
}

impl MeteringOptions {
    /// `metering` with SAM's default settings: true-up in December, no
    /// year-end rate, no rollover, no expiry, credits from the next month.
    pub fn new(metering: Metering) -> MeteringOptions {
        MeteringOptions {
            metering,
            year_end_sell_rate: Decimal::ZERO,
            true_up_month: 12,
            credit_rollover: false,
            credit_expire: false,
            apply_credit_current_month: false,
        }
    }

    /// Every setting that does not fit the option, each naming the field,
    /// the value and the fix.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        let name = self.metering.name();
        if !(1..=12).contains(&self.true_up_month) {
            out.push(format!(
                "true_up_month is {}; give a month from 1 (January) to 12 (December)",
                self.true_up_month
            ));
        }
        if self.year_end_sell_rate.is_sign_negative() && !self.year_end_sell_rate.is_zero() {
            out.push(format!(
                "year_end_sell_rate is {}; it cannot be negative",
                self.year_end_sell_rate
            ));
        }
        if !self.year_end_sell_rate.is_zero() && self.metering != Metering::NetMetering {
            out.push(format!(
                "year_end_sell_rate is {} but the metering is {name}; only net_metering pays excess kWh at a year-end rate (the other options use the tariff's sell rates)",
                self.year_end_sell_rate
            ));
        }
        if self.credit_rollover
            && !matches!(
                self.metering,
                Metering::NetMetering | Metering::NetMeteringDollar
            )
        {
            out.push(format!(
                "credit_rollover is set but the metering is {name}; it applies to net_metering and net_metering_dollar"
            ));
        }
        if (self.credit_expire || self.apply_credit_current_month)
            && self.metering != Metering::NetBillingCarryover
        {
            out.push(format!(
                "credit_expire / apply_credit_current_month is set but the metering is {name}; they apply to net_billing_carryover"
            ));
        }
        out
    }
}

/// Two-channel interval meter data: per interval, the kWh delivered to the
/// customer (from the grid) and received from them (to the grid), in local
/// clock time. Values are kept in integer micro-kWh.
///
/// Delivered energy is 0 or more. Received energy may be negative only to
/// record a generator's own stand-by draw through a separate generation
/// meter (SAM's night-time generation below zero): under buy-all/sell-all
/// it is billed on the generation meter at the buy prices, as SAM does;
/// under the other options it simply adds to the interval's import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeterChannels {
    start: NaiveDateTime,
    step_minutes: u16,
    delivered: Vec<i64>,
    received: Vec<i64>,
    /// The largest |value| of either channel (micro-kWh).
    max_abs: i64,
    /// Per interval, delivered less received: the single meter's net
    /// import (negative when the interval exports), made once for every
    /// bill of these channels.
    net: Vec<i64>,
    /// Whether any received value is negative (a generator's stand-by draw).
    standby_draw: bool,
    /// Running sums of the channels, made once for every bill of these
    /// channels (`None` when they could pass 64 bits).
    sums: Option<RunningSums>,
}

/// Running sums of meter channels: entry `i` is the sum of the first `i`
/// intervals, so any stretch `a..b` sums as `s[b] − s[a]` in one step
/// (the hour-by-hour fill of net billing and buy-all/sell-all takes one
/// such sum per run of same-period hours, not one add per interval).
#[derive(Debug, Clone, PartialEq, Eq)]
struct RunningSums {
    /// Delivered micro-kWh.
    pub delivered: Vec<i64>,
    /// Received micro-kWh.
    pub received: Vec<i64>,
    /// The net's imports: `max(delivered − received, 0)`.
    pub net_import: Vec<i64>,
    /// The received values above zero, when some are below (stand-by draw).
    pub received_export: Option<Vec<i64>>,
}

impl RunningSums {
    /// The running sums of `d` and `r`, or `None` when a sum could pass
    /// 64 bits (twice the largest value times the intervals).
    fn new(d: &[i64], r: &[i64], max_abs: i64, standby_draw: bool) -> Option<RunningSums> {
        let n = i64::try_from(d.len()).ok()?;
        max_abs.checked_mul(2)?.checked_mul(n.checked_add(1)?)?;
        let len = d.len() + 1;
        let mut sums = RunningSums {
            delivered: Vec::with_capacity(len),
            received: Vec::with_capacity(len),
            net_import: Vec::with_capacity(len),
            received_export: standby_draw.then(|| Vec::with_capacity(len)),
        };
        let (mut sd, mut sr, mut si, mut se) = (0i64, 0i64, 0i64, 0i64);
        sums.delivered.push(0);
        sums.received.push(0);
        sums.net_import.push(0);
        if let Some(e) = sums.received_export.as_mut() {
            e.push(0);
        }
        for (&dv, &rv) in d.iter().zip(r) {
            sd += dv;
            sr += rv;
            si += (dv - rv).max(0);
            sums.delivered.push(sd);
            sums.received.push(sr);
            sums.net_import.push(si);
            if let Some(e) = sums.received_export.as_mut() {
                se += rv.max(0);
                e.push(se);
            }
        }
        Some(sums)
    }
}

impl MeterChannels {
    /// Channels from kWh values (rounded half-even to the micro-kWh).
    ///
    /// `step_minutes` must divide 60; `start` must be on an interval
    /// boundary; both channels must have the same length.
    pub fn from_kwh(
        start: NaiveDateTime,
        step_minutes: u16,
        delivered: &[Decimal],
        received: &[Decimal],
    ) -> Result<MeterChannels, ElectricError> {
        if delivered.len() != received.len() {
            return Err(ElectricError::Series(format!(
                "it has {} delivered values and {} received values; give both for every interval",
                delivered.len(),
                received.len()
            )));
        }
        check_grid(start, step_minutes)?;
        let micro = |i: usize, k: &Decimal, what: &str, negative_ok: bool| {
            let limit = Decimal::from(MAX_INTERVAL_KWH);
            let ok = (negative_ok || !k.is_sign_negative() || k.is_zero()) && k.abs() <= limit;
            ok.then(|| {
                k.round_dp(6)
                    .checked_mul(Decimal::from(MICRO_KWH_PER_KWH))
                    .and_then(|d| i64::try_from(d).ok())
            })
            .flatten()
            .ok_or_else(|| {
                ElectricError::Series(format!(
                    "interval {i} has {k} kWh {what}; {what} energy must be {} to {MAX_INTERVAL_KWH} kWh",
                    if negative_ok {
                        format!("-{MAX_INTERVAL_KWH}")
                    } else {
                        "0".to_string()
                    }
                ))
            })
        };
        let mut d = Vec::with_capacity(delivered.len());
        let mut r = Vec::with_capacity(received.len());
        for (i, (dk, rk)) in delivered.iter().zip(received).enumerate() {
            d.push(micro(i, dk, "delivered", false)?);
            r.push(micro(i, rk, "received", true)?);
        }
        MeterChannels::from_micro_kwh(start, step_minutes, d, r)
    }

    /// Channels from integer micro-kWh values (what the bindings read from
    /// arrays of doubles or Arrow columns): delivered 0 to
    /// [`MAX_INTERVAL_KWH`] kWh, received -[`MAX_INTERVAL_KWH`] to
    /// [`MAX_INTERVAL_KWH`] (negative only as a generator's stand-by draw).
    pub fn from_micro_kwh(
        start: NaiveDateTime,
        step_minutes: u16,
        d: Vec<i64>,
        r: Vec<i64>,
    ) -> Result<MeterChannels, ElectricError> {
        if d.len() != r.len() {
            return Err(ElectricError::Series(format!(
                "it has {} delivered values and {} received values; give both for every interval",
                d.len(),
                r.len()
            )));
        }
        check_grid(start, step_minutes)?;
        let limit = MAX_INTERVAL_KWH * MICRO_KWH_PER_KWH;
        let bad_d = d.iter().position(|v| !(0..=limit).contains(v));
        let bad_r = r.iter().position(|v| !(-limit..=limit).contains(v));
        if let Some(i) = bad_d {
            return Err(ElectricError::Series(format!(
                "interval {i} has {} kWh delivered; delivered energy must be 0 to {MAX_INTERVAL_KWH} kWh",
                Decimal::new(d.get(i).copied().unwrap_or(0), 6)
            )));
        }
        if let Some(i) = bad_r {
            return Err(ElectricError::Series(format!(
                "interval {i} has {} kWh received; received energy must be -{MAX_INTERVAL_KWH} to {MAX_INTERVAL_KWH} kWh",
                Decimal::new(r.get(i).copied().unwrap_or(0), 6)
            )));
        }
        let max_abs = d
            .iter()
            .chain(&r)
            .map(|v| v.saturating_abs())
            .max()
            .unwrap_or(0);
        let net = d.iter().zip(&r).map(|(d, r)| d - r).collect();
        let standby_draw = r.iter().any(|&v| v < 0);
        let sums = RunningSums::new(&d, &r, max_abs, standby_draw);
        Ok(MeterChannels {
            start,
            step_minutes,
            delivered: d,
            received: r,
            max_abs,
            net,
            standby_draw,
            sums,
        })
    }

    /// When the first interval begins (local clock time).
    pub fn start(&self) -> NaiveDateTime {
        self.start
    }

    /// Interval length in minutes.
    pub fn step_minutes(&self) -> u16 {
        self.step_minutes
    }

    /// Intervals per hour.
    pub fn per_hour(&self) -> usize {
        60 / usize::from(self.step_minutes.max(1))
    }

    /// Number of intervals.
    pub fn len(&self) -> usize {
        self.delivered.len()
    }

    /// Whether there are no intervals.
    pub fn is_empty(&self) -> bool {
        self.delivered.is_empty()
    }

    /// Delivered micro-kWh per interval.
    pub fn delivered_micro_kwh(&self) -> &[i64] {
        &self.delivered
    }

    /// Received micro-kWh per interval.
    pub fn received_micro_kwh(&self) -> &[i64] {
        &self.received
    }
}

/// One month's bill of a customer who generates, and the figures behind it.
/// Amounts are after the policy's rounding; the bill's lines add up to its
/// total.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenerationMonth {
    /// The month, 1 to 12.
    pub month: u32,
    /// The bill, one line per charge and credit.
    pub bill: Bill,
    /// kWh delivered to the customer (the import channel).
    pub delivered_kwh: Decimal,
    /// kWh received from the customer (the export channel).
    pub received_kwh: Decimal,
    /// kWh billed as imports after netting (per interval for net billing,
    /// per period and month for net metering, the load meter for
    /// buy-all/sell-all).
    pub imported_kwh: Decimal,
    /// kWh credited as exports after netting.
    pub exported_kwh: Decimal,
    /// Highest interval import, kW (the load meter's for buy-all/sell-all).
    pub peak_kw: Decimal,
    /// The billing demand (peak raised by ratchet and minimum), kW.
    pub billing_demand_kw: Decimal,
    /// Why the billing demand is what it is.
    pub demand_basis: DemandBasis,
    /// Imports at the buy prices, before any credit.
    pub energy_gross: Money,
    /// Exports credited at the sell rates this month (0 for kWh net metering).
    pub export_credit: Money,
    /// Dollar credit brought into the month.
    pub credit_in: Money,
    /// The part of the credit brought in that this month used.
    pub credit_applied: Money,
    /// Dollar credit carried to the next month.
    pub credit_out: Money,
    /// Net metering: surplus kWh brought into the month's periods.
    pub kwh_credit_in: Decimal,
    /// Net metering: surplus kWh carried to the next month.
    pub kwh_credit_out: Decimal,
    /// Net metering: surplus kWh that could not be carried (a period that
    /// holds none of the weekday hours 0, 5, 11 and 17) and are forfeited.
    pub kwh_forfeited: Decimal,
    /// Net metering: the year's cumulative excess kWh after this month (the
    /// amount the true-up pays).
    pub excess_kwh: Decimal,
    /// Energy charge after credits (SAM's `charge_w_sys_ec`).
    pub energy: Money,
    /// Flat demand charges.
    pub demand_flat: Money,
    /// Time-of-use demand charges.
    pub demand_tou: Money,
    /// Fixed charges.
    pub fixed: Money,
    /// Minimum-charge top-up.
    pub minimum: Money,
    /// The true-up payment to the customer (positive; billed as a credit).
    pub true_up: Money,
}

/// The monthly bills of one year of a customer who generates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenerationStatement {
    /// Tariff billed.
    pub tariff_id: String,
    /// Calendar year billed.
    pub year: i32,
    /// The options billed under.
    pub options: MeteringOptions,
    /// One entry per month with data, in order.
    pub months: Vec<GenerationMonth>,
    /// Sum of the monthly totals (negative when the customer is paid).
    pub total: Money,
}
