//! The monthly bills of a customer who generates, over one prepared year:
//! the intervals of each calendar month netted (or metered apart) as the
//! option says, tiers filled pro rata or hour by hour, credits valued and
//! carried, minimums and the true-up applied, exactly as SAM's
//! `utilityrate5` does (see the module above for the rules).

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::super::bill::PreparedYear;
use super::super::demand::{billing_demand_at, PeakHistory};
use super::super::tariff::ChargeUnit;
use super::super::tou::{effective_tiers, EffTier};
use super::fill::{pro_rata, Fill, TierKwh};
use super::lines::{ov, tier_label, Label, Lines};
use super::MeteringOptions;
use super::{ElectricError, GenerationMonth, GenerationStatement, MeterChannels, Metering};
use crate::bill::LineKind;
use crate::tariff::Problem;
use crate::{Bill, BillingPeriod, LineUnit, Money, Quantity, RoundingPolicy, Unit};

/// Where each interval of the channels falls: month, energy period and
/// demand period.
struct Place {
    month: usize,
    energy: usize,
    demand: usize,
}

/// What one month's intervals add up to (micro-kWh, or micro-kW for peaks).
struct MonthData {
    m: usize,
    from: usize,
    to: usize,
    delivered: i64,
    received: i64,
    /// Net (received − delivered) per energy period.
    net_by_period: Vec<i128>,
    net: i128,
    /// Highest import (net import, or the load meter's for buy-all/sell-all).
    peak: i64,
    peak_by_demand: Vec<i64>,
    /// Buy-all/sell-all: the generation meter's stand-by peaks.
    standby_peak: i64,
    standby_by_demand: Vec<i64>,
}

fn kwh(micro: i128) -> Decimal {
    Decimal::from_i128_with_scale(micro, 6)
}

impl PreparedYear {
    /// Bills `channels` (local clock time, inside the prepared year) under
    /// `options`: one bill per calendar month with data, as SAM's
    /// `utilityrate5` computes it with generation, every amount rounded by
    /// `policy` (use [`RoundingPolicy::TOTAL_ONLY_HALF_UP`] to compare with
    /// SAM). Each month is billed whole; carryovers run from one month with
    /// data to the next; the true-up happens in `options.true_up_month`.
    pub fn bill_generation(
        &self,
        channels: &MeterChannels,
        options: &MeteringOptions,
        policy: RoundingPolicy,
    ) -> Result<GenerationStatement, ElectricError> {
        let problems: Vec<Problem> = options
            .problems()
            .into_iter()
            .map(|message| Problem {
                path: "metering".into(),
                message,
            })
            .collect();
        if !problems.is_empty() {
            return Err(ElectricError::Invalid { problems });
        }
        let tariff = &*self.tariff;
        let places = self.places(channels)?;
        let months = self.month_data(channels, &places, options.metering)?;
        let per_hour = i64::try_from(channels.per_hour()).unwrap_or(1);
        let currency = tariff.currency;
        let cm = options.true_up_month as usize - 1;
        let opt = options.metering;
        let rollover = options.credit_rollover;
        let ne = tariff.energy_periods.len();
        let mut history = PeakHistory::new();
        let mut eff: Vec<EffTier> = Vec::new();
        // Carried between months.
        let mut prev_m: Option<usize> = None;
        let mut balance = Decimal::ZERO; // $ credit after the previous month
        let mut excess = Decimal::ZERO; // option 0's cumulative excess kWh
        let mut surplus_prev: Vec<Decimal> = vec![Decimal::ZERO; ne];
        let mut floored_sum = Decimal::ZERO; // Σ max(pre, 0) for a $/year minimum
        let mut out = Vec::with_capacity(months.len());
        let mut total = Decimal::ZERO;
        for md in &months {
            let m = md.m;
            let month = m as u32 + 1;
            let days = self.days_in_month(m);
            let consecutive = prev_m.is_some_and(|p| p + 1 == m);
            let first = NaiveDate::from_ymd_opt(self.map.year, month, 1)
                .ok_or(ElectricError::Year(self.map.year))?;
            let mut lines = Lines {
                lines: Vec::new(),
                period: BillingPeriod::month_of(first),
                policy,
                currency,
                version: self.version_label(),
                sum: Decimal::ZERO,
            };
            let peak_kw = kwh(i128::from(md.peak) * i128::from(per_hour));
            let (bd, basis) = billing_demand_at(
                peak_kw,
                self.map.year,
                month,
                &history,
                tariff.ratchet.as_ref(),
                tariff.minimum_billing_demand_kw,
            )?;
            if tariff.ratchet.is_some() {
                history.record(self.map.year, month, peak_kw)?;
            }
            // The month's effective tiers (kWh/kW tiers on the billing demand).
            let used = self
                .energy_in_month
                .get(m)
                .map(Vec::as_slice)
                .unwrap_or_default();
            let template = used
                .first()
                .and_then(|&p| tariff.energy_periods.get(usize::from(p)))
                .ok_or_else(|| {
                    ElectricError::Series(format!("month {month} has no energy period"))
                })?;
            effective_tiers(template, days, bd, None, &mut eff)?;
            let nt = eff.len().max(1);
            let mut imports = TierKwh::new(ne, nt);
            let mut exports = TierKwh::new(ne, nt);
            let mut standby = TierKwh::new(ne, nt);
            let mut imported = Decimal::ZERO;
            let mut exported = Decimal::ZERO;
            let mut kwh_in = Decimal::ZERO;
            let mut kwh_out = Decimal::ZERO;
            let mut kwh_lost = Decimal::ZERO;
            match opt {
                Metering::NetMetering | Metering::NetMeteringDollar => {
                    let mut n: Vec<Decimal> = md.net_by_period.iter().map(|&v| kwh(v)).collect();
                    // Option 0: the previous month's per-period surplus lands
                    // on the period holding the same weekday clock hour.
                    if opt == Metering::NetMetering && consecutive && m != cm + 1 {
                        let (carried, lost) = self.carry(m, &surplus_prev, &mut n)?;
                        kwh_in = carried;
                        let _ = lost;
                    }
                    let s: Vec<Decimal> = n.iter().map(|v| (*v).max(Decimal::ZERO)).collect();
                    let e: Vec<Decimal> = n.iter().map(|v| (-*v).max(Decimal::ZERO)).collect();
                    pro_rata(&eff, &e, &mut imports)?;
                    if opt == Metering::NetMeteringDollar {
                        pro_rata(&eff, &s, &mut exports)?;
                    }
                    imported = e.iter().sum();
                    exported = s.iter().sum();
                    if opt == Metering::NetMetering {
                        let carryable = if m == 11 || m == cm {
                            Decimal::ZERO
                        } else {
                            self.carryable(m, &s)
                        };
                        kwh_out = carryable;
                        kwh_lost = exported - carryable;
                    }
                    surplus_prev = s;
                }
                Metering::NetBilling | Metering::NetBillingCarryover => {
                    let mut fi = Fill::new(&eff);
                    let mut fe = Fill::new(&eff);
                    for i in md.from..md.to {
                        let (Some(pl), Some(&d), Some(&r)) = (
                            places.get(i),
                            channels.delivered.get(i),
                            channels.received.get(i),
                        ) else {
                            continue;
                        };
                        let e = i128::from(r) - i128::from(d);
                        if e > 0 {
                            fe.add(pl.energy, kwh(e), &mut exports)?;
                            exported += kwh(e);
                        } else if e < 0 {
                            fi.add(pl.energy, kwh(-e), &mut imports)?;
                            imported += kwh(-e);
                        }
                    }
                }
                Metering::BuyAllSellAll => {
                    let mut fl = Fill::new(&eff);
                    let mut fe = Fill::new(&eff);
                    let mut fs = Fill::new(&eff);
                    for i in md.from..md.to {
                        let (Some(pl), Some(&d), Some(&r)) = (
                            places.get(i),
                            channels.delivered.get(i),
                            channels.received.get(i),
                        ) else {
                            continue;
                        };
                        if d > 0 {
                            fl.add(pl.energy, kwh(d.into()), &mut imports)?;
                            imported += kwh(d.into());
                        }
                        if r > 0 {
                            fe.add(pl.energy, kwh(r.into()), &mut exports)?;
                            exported += kwh(r.into());
                        } else if r < 0 {
                            fs.add(pl.energy, kwh(-i128::from(r)), &mut standby)?;
                        }
                    }
                }
            }
            // Energy lines.
            let (g_load, g_standby, cr) =
                self.energy_lines(&mut lines, &eff, &imports, &standby, &exports, opt)?;
            let g = g_load + g_standby;
            let ec_gross_credit = g - cr;
            // Credits, balances and the option 0 true-up counter.
            let net_kwh = kwh(md.net);
            excess = if consecutive && m != cm + 1 {
                (excess + net_kwh).max(Decimal::ZERO)
            } else {
                net_kwh.max(Decimal::ZERO)
            };
            let credit_in = if consecutive { balance } else { Decimal::ZERO };
            let year_end = excess
                .checked_mul(options.year_end_sell_rate)
                .ok_or_else(|| ov("the true-up"))?;
            let xy = if opt == Metering::NetMetering && rollover && m == cm {
                year_end
            } else {
                Decimal::ZERO
            };
            let mut applied_in = Decimal::ZERO;
            let (ec, bal) = match opt {
                Metering::NetBilling | Metering::BuyAllSellAll => (ec_gross_credit, Decimal::ZERO),
                Metering::NetMetering | Metering::NetMeteringDollar => {
                    let dollars = opt == Metering::NetMeteringDollar || rollover;
                    let mut ec = g;
                    let mut bal = cr;
                    ec -= xy;
                    if consecutive && (m != cm + 1 || rollover) {
                        applied_in = credit_in;
                        ec -= credit_in;
                    }
                    if ec < Decimal::ZERO {
                        if dollars {
                            bal -= ec;
                        }
                        ec = Decimal::ZERO;
                    } else {
                        ec -= bal;
                        if ec < Decimal::ZERO {
                            if dollars {
                                bal = -ec;
                            }
                            ec = Decimal::ZERO;
                        } else {
                            bal = Decimal::ZERO;
                        }
                    }
                    (ec, bal)
                }
                Metering::NetBillingCarryover => {
                    let mut ec = g;
                    let mut bal = cr;
                    if consecutive && m != cm + 1 {
                        applied_in = credit_in;
                        ec -= credit_in;
                    }
                    if options.apply_credit_current_month {
                        ec -= bal;
                        bal = Decimal::ZERO;
                    }
                    if ec < Decimal::ZERO {
                        bal -= ec;
                        ec = Decimal::ZERO;
                    }
                    (ec, bal)
                }
            };
            if !applied_in.is_zero() {
                lines.push(
                    Label {
                        description: "Credit brought forward",
                        group: "Credits",
                        kind: LineKind::Credit,
                        tier: None,
                    },
                    Decimal::ONE,
                    LineUnit::Month,
                    -applied_in,
                    -applied_in,
                )?;
            }
            if !xy.is_zero() {
                lines.push(
                    Label {
                        description: "Excess kWh credited at the year-end rate",
                        group: "Credits",
                        kind: LineKind::Credit,
                        tier: None,
                    },
                    excess,
                    LineUnit::Service(Unit::Kwh),
                    options.year_end_sell_rate,
                    -xy,
                )?;
            }
            // What the credits left over: carried, paid at the true-up, or expired.
            let energy_lines_sum = lines.sum;
            let keep = ec - energy_lines_sum;
            let paid_balance = m == cm
                && match opt {
                    Metering::NetMeteringDollar => bal > Decimal::ZERO,
                    Metering::NetBillingCarryover => !options.credit_expire && bal > Decimal::ZERO,
                    _ => false,
                };
            let expired = m == cm && opt == Metering::NetBillingCarryover && options.credit_expire;
            if !keep.is_zero() {
                let description = if paid_balance {
                    "Credit balance settled at the true-up (paid below)"
                } else if expired {
                    "Credit balance expired at the true-up"
                } else {
                    "Credit carried to next month"
                };
                lines.push(
                    Label {
                        description,
                        group: "Credits",
                        kind: LineKind::Credit,
                        tier: None,
                    },
                    Decimal::ONE,
                    LineUnit::Month,
                    keep,
                    keep,
                )?;
            }
            let carried_out = if m == cm && !rollover {
                Decimal::ZERO
            } else {
                bal
            };
            let energy_net = lines.sum;
            // Demand.
            let (flat, tou, flat_load, tou_load) =
                self.demand_lines(&mut lines, md, bd, per_hour, opt)?;
            // Fixed charges.
            let mut fixed = Decimal::ZERO;
            for c in &tariff.fixed {
                let (q, unit, rate) = match c.unit {
                    ChargeUnit::PerMonth => (Decimal::ONE, LineUnit::Month, c.amount),
                    ChargeUnit::PerDay => (Decimal::from(days), LineUnit::Day, c.amount),
                    ChargeUnit::PerYear => (
                        Decimal::ONE,
                        LineUnit::Month,
                        c.amount
                            .checked_div(Decimal::from(12))
                            .ok_or_else(|| ov("a fixed charge"))?,
                    ),
                };
                let amount = q.checked_mul(rate).ok_or_else(|| ov("a fixed charge"))?;
                fixed += lines.push(
                    Label {
                        description: "Fixed charge",
                        group: "Fixed",
                        kind: LineKind::Fixed,
                        tier: None,
                    },
                    q,
                    unit,
                    rate,
                    amount,
                )?;
            }
            // Minimum: on the bill before credits paid out, floored at 0
            // (buy-all/sell-all: the load meter's bill alone).
            let pre = match opt {
                Metering::BuyAllSellAll => g_load + flat_load + tou_load + fixed,
                _ => energy_net + flat + tou + fixed,
            };
            let floored = pre.max(Decimal::ZERO);
            floored_sum += floored;
            let mut minimum = Decimal::ZERO;
            if let Some(c) = tariff.minimum {
                let monthly = match c.unit {
                    ChargeUnit::PerMonth => Some(c.amount),
                    ChargeUnit::PerDay => Some(
                        c.amount
                            .checked_mul(Decimal::from(days))
                            .ok_or_else(|| ov("the minimum"))?,
                    ),
                    ChargeUnit::PerYear => None,
                };
                let mut top = match monthly {
                    Some(min) => (min - floored).max(Decimal::ZERO),
                    None => Decimal::ZERO,
                };
                if c.unit == ChargeUnit::PerYear && m == 11 {
                    top += (c.amount - floored_sum).max(Decimal::ZERO);
                }
                if top > Decimal::ZERO {
                    minimum = lines.push(
                        Label {
                            description: "Minimum charge top-up",
                            group: "Minimum",
                            kind: LineKind::Minimum,
                            tier: None,
                        },
                        Decimal::ONE,
                        LineUnit::Month,
                        top,
                        top,
                    )?;
                }
            }
            // The true-up payment.
            let mut true_up = Decimal::ZERO;
            if m == cm {
                match opt {
                    Metering::NetMetering if !rollover && excess > Decimal::ZERO => {
                        true_up = -lines.push(
                            Label {
                                description: "True-up: excess kWh paid at the year-end rate",
                                group: "Credits",
                                kind: LineKind::Credit,
                                tier: None,
                            },
                            excess,
                            LineUnit::Service(Unit::Kwh),
                            options.year_end_sell_rate,
                            -year_end,
                        )?;
                    }
                    _ if paid_balance => {
                        true_up = -lines.push(
                            Label {
                                description: "True-up: credit balance paid",
                                group: "Credits",
                                kind: LineKind::Credit,
                                tier: None,
                            },
                            Decimal::ONE,
                            LineUnit::Month,
                            -bal,
                            -bal,
                        )?;
                    }
                    _ => {}
                }
            }
            let month_total = policy.round(lines.sum, currency.minor_units());
            total = total
                .checked_add(month_total)
                .ok_or_else(|| ov("the statement total"))?;
            let money = |d: Decimal| Money::new(d, currency);
            out.push(GenerationMonth {
                month,
                bill: Bill {
                    tariff_id: self.id.clone(),
                    period: lines.period,
                    currency,
                    rounding: policy,
                    usage: Quantity::new(kwh(i128::from(md.delivered)), Unit::Kwh),
                    usage_is_normative: false,
                    usage_is_estimated: false,
                    lines: lines.lines,
                    total: money(month_total),
                    normative: None,
                },
                delivered_kwh: kwh(i128::from(md.delivered)),
                received_kwh: kwh(i128::from(md.received)),
                imported_kwh: imported,
                exported_kwh: exported,
                peak_kw,
                billing_demand_kw: bd,
                demand_basis: basis,
                energy_gross: money(g),
                export_credit: money(cr),
                credit_in: money(credit_in),
                credit_applied: money((g - ec).max(Decimal::ZERO)),
                credit_out: money(carried_out),
                kwh_credit_in: kwh_in,
                kwh_credit_out: kwh_out,
                kwh_forfeited: kwh_lost,
                excess_kwh: excess,
                energy: money(ec),
                demand_flat: money(flat),
                demand_tou: money(tou),
                fixed: money(fixed),
                minimum: money(minimum),
                true_up: money(true_up),
            });
            balance = carried_out;
            prev_m = Some(m);
        }
        Ok(GenerationStatement {
            tariff_id: tariff.id.clone(),
            year: self.map.year,
            options: *options,
            months: out,
            total: Money::new(total, currency),
        })
    }

    /// The label of the lines' tariff version.
    fn version_label(&self) -> std::sync::Arc<str> {
        match self.tariff.effective_from {
            Some(from) => std::sync::Arc::from(format!("{} from {from}", self.tariff.id).as_str()),
            None => self.id.clone(),
        }
    }

    /// The month, energy period and demand period of every interval.
    fn places(&self, channels: &MeterChannels) -> Result<Vec<Place>, ElectricError> {
        let step = usize::from(channels.step_minutes.max(1));
        let offset =
            (channels.start - self.map.first_day.and_time(chrono::NaiveTime::MIN)).num_minutes();
        let start = usize::try_from(offset).map_err(|_| {
            ElectricError::OutsideYear(format!(
                "starts at {}, before {}; bill each calendar year with a year prepared for it",
                channels.start, self.map.year
            ))
        })?;
        let minutes_in_year = self.map.day_kind.len() * 1440;
        if start + channels.len() * step > minutes_in_year {
            return Err(ElectricError::OutsideYear(format!(
                "starting {} for {} intervals runs past the end of {}; split it at the year boundary and bill each year with a year prepared for it",
                channels.start,
                channels.len(),
                self.map.year
            )));
        }
        let ne = self.tariff.energy_periods.len();
        let nd = self.tariff.demand_periods.len().max(1);
        let mut out = Vec::with_capacity(channels.len());
        for i in 0..channels.len() {
            let minute = start + i * step;
            let day = minute / 1440;
            let hour = (minute % 1440) / 60;
            let kind = usize::from(self.map.day_kind.get(day).copied().unwrap_or(0));
            let month = kind / 2;
            let slots = self.kinds.get(kind);
            let e = slots
                .and_then(|k| k.energy.get(hour))
                .map_or(0, |&s| usize::from(s).saturating_sub(month * ne));
            let d = slots
                .and_then(|k| k.demand.get(hour))
                .map_or(0, |&s| usize::from(s).saturating_sub(month * nd));
            out.push(Place {
                month,
                energy: e,
                demand: d,
            });
        }
        Ok(out)
    }

    /// Sums and peaks of each month with data.
    fn month_data(
        &self,
        channels: &MeterChannels,
        places: &[Place],
        metering: Metering,
    ) -> Result<Vec<MonthData>, ElectricError> {
        let ne = self.tariff.energy_periods.len();
        let nd = self.tariff.demand_periods.len().max(1);
        let mut out: Vec<MonthData> = Vec::new();
        for (i, ((pl, &d), &r)) in places
            .iter()
            .zip(&channels.delivered)
            .zip(&channels.received)
            .enumerate()
        {
            if out.last().is_none_or(|md| md.m != pl.month) {
                out.push(MonthData {
                    m: pl.month,
                    from: i,
                    to: i,
                    delivered: 0,
                    received: 0,
                    net_by_period: vec![0; ne],
                    net: 0,
                    peak: 0,
                    peak_by_demand: vec![0; nd],
                    standby_peak: 0,
                    standby_by_demand: vec![0; nd],
                });
            }
            let Some(md) = out.last_mut() else {
                continue;
            };
            md.to = i + 1;
            md.delivered = md
                .delivered
                .checked_add(d)
                .ok_or_else(|| ov("the month's energy"))?;
            md.received = md
                .received
                .checked_add(r)
                .ok_or_else(|| ov("the month's energy"))?;
            let e = i128::from(r) - i128::from(d);
            if let Some(n) = md.net_by_period.get_mut(pl.energy) {
                *n += e;
            }
            md.net += e;
            let import = if metering == Metering::BuyAllSellAll {
                d
            } else {
                i64::try_from((-e).max(0)).unwrap_or(i64::MAX)
            };
            md.peak = md.peak.max(import);
            if let Some(q) = md.peak_by_demand.get_mut(pl.demand) {
                *q = (*q).max(import);
            }
            if metering == Metering::BuyAllSellAll && r < 0 {
                md.standby_peak = md.standby_peak.max(-r);
                if let Some(q) = md.standby_by_demand.get_mut(pl.demand) {
                    *q = (*q).max(-r);
                }
            }
        }
        Ok(out)
    }

    /// The periods of weekday clock hours 0, 5, 11 and 17 in month `m`.
    fn carry_hours(&self, m: usize) -> [usize; 4] {
        let row = self.tariff.energy_schedule.weekday.get(m);
        [0usize, 5, 11, 17].map(|h| row.and_then(|r| r.get(h)).map_or(0, |&p| usize::from(p)))
    }

    /// The part of `surplus` (kWh per period of month `m`) that can carry to
    /// the next month: the periods holding weekday hour 0, 5, 11 or 17.
    fn carryable(&self, m: usize, surplus: &[Decimal]) -> Decimal {
        let r = self.carry_hours(m);
        surplus
            .iter()
            .enumerate()
            .filter(|(p, s)| **s > Decimal::ZERO && r.contains(p))
            .map(|(_, s)| *s)
            .sum()
    }

    /// Adds the previous month's per-period surplus into `net` (kWh per
    /// period of month `m`): each period's surplus lands on the period of
    /// month `m` at the first of weekday hours 0, 5, 11, 17 it held; a
    /// period holding none of them forfeits its surplus. Returns (carried,
    /// forfeited).
    fn carry(
        &self,
        m: usize,
        surplus_prev: &[Decimal],
        net: &mut [Decimal],
    ) -> Result<(Decimal, Decimal), ElectricError> {
        let rp = self.carry_hours(m.saturating_sub(1));
        let rc = self.carry_hours(m);
        let mut carried = Decimal::ZERO;
        let mut lost = Decimal::ZERO;
        for (p, s) in surplus_prev.iter().enumerate() {
            if *s <= Decimal::ZERO {
                continue;
            }
            match rp.iter().position(|&x| x == p) {
                Some(j) => {
                    let target = rc.get(j).copied().unwrap_or(0);
                    if let Some(n) = net.get_mut(target) {
                        *n = n.checked_add(*s).ok_or_else(|| ov("carried kWh"))?;
                    }
                    carried += *s;
                }
                None => lost += *s,
            }
        }
        Ok((carried, lost))
    }

    /// The energy lines of a month: imports (+), the generation meter's
    /// stand-by imports (+), exports credited (−). Returns (imports $,
    /// stand-by $, credits $ as a positive amount).
    fn energy_lines(
        &self,
        lines: &mut Lines,
        eff: &[EffTier],
        imports: &TierKwh,
        standby: &TierKwh,
        exports: &TierKwh,
        opt: Metering,
    ) -> Result<(Decimal, Decimal, Decimal), ElectricError> {
        let tariff = &*self.tariff;
        let np = tariff.energy_periods.len();
        let nt = eff.len();
        let buy = |p: usize, k: usize| {
            eff.get(k)
                .and_then(|e| tariff.energy_periods.get(p).and_then(|t| t.get(e.src)))
                .map_or(Decimal::ZERO, |t| t.rate)
        };
        let sell = |p: usize, k: usize| {
            eff.get(k)
                .map_or(Decimal::ZERO, |e| tariff.sell_rate(p, e.src))
        };
        let src = |k: usize| eff.get(k).map_or(k, |e| e.src);
        let (import_what, export_what) = match opt {
            Metering::BuyAllSellAll => ("Energy (load meter)", "Generation sold"),
            _ => ("Energy", "Exported energy credited"),
        };
        let mut g = Decimal::ZERO;
        for (p, k, q) in imports.entries() {
            let rate = buy(p, k);
            let amount = q.checked_mul(rate).ok_or_else(|| ov("an energy charge"))?;
            let d = tier_label(import_what, np, nt, p, src(k));
            g += lines.push(
                Label {
                    description: &d,
                    group: "Energy",
                    kind: LineKind::Usage,
                    tier: Some(src(k)),
                },
                q,
                LineUnit::Service(Unit::Kwh),
                rate,
                amount,
            )?;
        }
        let mut gs = Decimal::ZERO;
        for (p, k, q) in standby.entries() {
            let rate = buy(p, k);
            let amount = q.checked_mul(rate).ok_or_else(|| ov("an energy charge"))?;
            let d = tier_label("Generation meter stand-by energy", np, nt, p, src(k));
            gs += lines.push(
                Label {
                    description: &d,
                    group: "Energy",
                    kind: LineKind::Usage,
                    tier: Some(src(k)),
                },
                q,
                LineUnit::Service(Unit::Kwh),
                rate,
                amount,
            )?;
        }
        let mut cr = Decimal::ZERO;
        if opt.uses_sell_rates() {
            for (p, k, q) in exports.entries() {
                let rate = sell(p, k);
                let amount = q.checked_mul(rate).ok_or_else(|| ov("an export credit"))?;
                let d = tier_label(export_what, np, nt, p, src(k));
                cr -= lines.push(
                    Label {
                        description: &d,
                        group: "Credits",
                        kind: LineKind::Credit,
                        tier: Some(src(k)),
                    },
                    q,
                    LineUnit::Service(Unit::Kwh),
                    -rate,
                    -amount,
                )?;
            }
        }
        Ok((g, gs, cr))
    }

    /// The demand lines of a month: flat demand on the billing demand and
    /// TOU demand per period (on the billing demand when the ratchet covers
    /// TOU periods); buy-all/sell-all adds the generation meter's own demand
    /// on its stand-by draw. Returns (flat, TOU, load-meter flat, load-meter TOU).
    fn demand_lines(
        &self,
        lines: &mut Lines,
        md: &MonthData,
        bd: Decimal,
        per_hour: i64,
        opt: Metering,
    ) -> Result<(Decimal, Decimal, Decimal, Decimal), ElectricError> {
        let tariff = &*self.tariff;
        let m = md.m;
        let kw = |micro: i64| kwh(i128::from(micro) * i128::from(per_hour));
        let mut flat = Decimal::ZERO;
        let mut tou = Decimal::ZERO;
        let fp = usize::from(tariff.flat_demand_months.get(m).copied().unwrap_or(0));
        let dused = self
            .demand_in_month
            .get(m)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let many_tou = tariff.demand_periods.len() > 1;
        let on_bd = tariff.ratchet.is_some_and(|r| r.tou_demand);
        let meter = |lines: &mut Lines,
                     suffix: &str,
                     flat_kw: Decimal,
                     peaks: &[i64]|
         -> Result<(Decimal, Decimal), ElectricError> {
            let mut f = Decimal::ZERO;
            let mut t = Decimal::ZERO;
            if let Some(tiers) = tariff.flat_demand.get(fp) {
                f += lines.demand(&format!("Demand{suffix}"), "Demand", None, flat_kw, tiers)?;
            }
            for &q in dused {
                let q = usize::from(q);
                let Some(tiers) = tariff.demand_periods.get(q) else {
                    continue;
                };
                let d = if on_bd && suffix.is_empty() {
                    bd
                } else {
                    kw(peaks.get(q).copied().unwrap_or(0))
                };
                t += lines.demand(
                    &format!("Demand (time of use){suffix}"),
                    "Demand (time of use)",
                    many_tou.then_some(q),
                    d,
                    tiers,
                )?;
            }
            Ok((f, t))
        };
        let (fl, tl) = meter(lines, "", bd, &md.peak_by_demand)?;
        flat += fl;
        tou += tl;
        if opt == Metering::BuyAllSellAll && md.standby_peak > 0 {
            let (fg, tg) = meter(
                lines,
                ", generation meter",
                kw(md.standby_peak),
                &md.standby_by_demand,
            )?;
            flat += fg;
            tou += tg;
        }
        Ok((flat, tou, fl, tl))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_micro_kwh_is_a_millionth() {
        assert_eq!(kwh(1_500_000), Decimal::new(15, 1));
    }
}
