//! The monthly bills of a customer who generates, over one prepared year:
//! the intervals of each calendar month netted (or metered apart) as the
//! option says, tiers filled pro rata or hour by hour, credits valued and
//! carried, minimums and the true-up applied, exactly as SAM's
//! `utilityrate5` does (see the module above for the rules).
//!
//! Two passes over the intervals, both in integer micro-kWh: the one-pass
//! slot accumulation of the consumption engine (net energy per month and
//! period, import peaks per demand period) and, for the options that fill
//! tiers hour by hour, one walk in time order with a counter per meter.
//! Decimal arithmetic is done on the monthly figures only.

use std::sync::Arc;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::super::bill::{MonthLines, PreparedYear, Scratch, Totals};
use super::super::demand::{billing_demand_at, DemandBasis, PeakHistory};
use super::super::tariff::ChargeUnit;
use super::super::tou::{effective_tiers, EffTier};
use super::fill::{pro_rata, TierKwh};
use super::labels::{Grid, Labels};
use super::lines::{demand as demand_line, ov, push, push_kwh};
use super::MeteringOptions;
use super::{ElectricError, GenerationMonth, GenerationStatement, MeterChannels, Metering};
use crate::tariff::Problem;
use crate::{Bill, BillingPeriod, LineUnit, Money, Quantity, RoundingPolicy, Unit};

/// A month's tiers and demand, fixed before the interval pass.
pub(super) struct MonthTiers {
    pub m: usize,
    pub eff: Vec<EffTier>,
    bd: Decimal,
    basis: DemandBasis,
    peak_kw: Decimal,
}

/// kWh per (period, tier) of a month: imports, exports, stand-by imports.
pub(super) struct Filled {
    pub imports: TierKwh,
    pub exports: TierKwh,
    pub standby: TierKwh,
    pub imported: Decimal,
    pub exported: Decimal,
}

pub(super) fn kwh(micro: i128) -> Decimal {
    Decimal::from_i128_with_scale(micro, 6)
}

/// The integer sums of a series of values per (month, period) and their
/// peaks, by the consumption engine's slot accumulation.
fn slot_totals(
    year: &PreparedYear,
    channels: &MeterChannels,
    values: &[i64],
) -> Result<Totals, ElectricError> {
    // Every value is a difference of two channel values (or one of them):
    // within twice the largest, which decides 32-bit maxima without a pass.
    let narrow = channels.max_abs.saturating_mul(2) <= i64::from(i32::MAX);
    let mut scratch = Scratch::new(channels.per_hour(), narrow);
    year.accumulate_run(&mut scratch, channels.start, values)?;
    Ok(year.totals(&scratch))
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
        let opt = options.metering;
        let basa = opt == Metering::BuyAllSellAll;
        let ne = tariff.energy_periods.len();
        let nd = tariff.demand_periods.len().max(1);
        let per_hour = i64::try_from(channels.per_hour()).unwrap_or(1);
        let kw = |micro: i64| kwh(i128::from(micro) * i128::from(per_hour));
        // Pass 1: net energy per (month, period) and import peaks (the load
        // meter's under buy-all/sell-all, and the generation meter's
        // stand-by draw).
        let import = if basa {
            &channels.delivered
        } else {
            &channels.net
        };
        let main = slot_totals(self, channels, import)?;
        let standby = if basa && channels.standby_draw {
            let draw: Vec<i64> = channels.received.iter().map(|&r| -r).collect();
            Some(slot_totals(self, channels, &draw)?)
        } else {
            None
        };
        let (delivered_by_month, received_by_month) = self.month_sums(channels);
        // Each month's billing demand and tiers, in order (a ratchet looks back).
        let mut history = PeakHistory::new();
        let mut months: Vec<MonthTiers> = Vec::new();
        for m in 0..12usize {
            if main.count.get(m).copied().unwrap_or(0) == 0 {
                continue;
            }
            let month = m as u32 + 1;
            // A dated tariff bills only the months it is in effect for, whole.
            let first = NaiveDate::from_ymd_opt(self.map.year, month, 1)
                .ok_or(ElectricError::Year(self.map.year))?;
            let last = BillingPeriod::month_of(first).to();
            let starts_late = tariff.effective_from.is_some_and(|f| f > first);
            let ends_early = tariff.effective_to.is_some_and(|t| t < last);
            if starts_late || ends_early {
                return Err(ElectricError::OutsideYear(format!(
                    "has data in {first}..{last}, but the tariff `{}` is in effect {}..{}; a customer who generates is billed by whole months of one tariff version: bill the months it covers, or give the version in effect",
                    tariff.id,
                    tariff.effective_from.map_or_else(|| "…".to_string(), |d| d.to_string()),
                    tariff.effective_to.map_or_else(|| "…".to_string(), |d| d.to_string()),
                )));
            }
            let peak_kw = kw(main.peak.get(m).copied().unwrap_or(0).max(0));
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
            let template = self
                .energy_in_month
                .get(m)
                .and_then(|used| used.first())
                .and_then(|&p| tariff.energy_periods.get(usize::from(p)))
                .ok_or_else(|| {
                    ElectricError::Series(format!("month {month} has no energy period"))
                })?;
            let mut eff = Vec::new();
            effective_tiers(template, self.days_in_month(m), bd, None, &mut eff)?;
            months.push(MonthTiers {
                m,
                eff,
                bd,
                basis,
                peak_kw,
            });
        }
        // Pass 2 (hour-by-hour options): each month's tiers filled in time order.
        let mut filled = match opt {
            Metering::NetMetering | Metering::NetMeteringDollar => Vec::new(),
            _ => self.fill_by_interval(channels, &months, basa)?,
        };
        let labels = self.generation_labels();
        let currency = tariff.currency;
        let cm = options.true_up_month as usize - 1;
        let rollover = options.credit_rollover;
        let mut prev_m: Option<usize> = None;
        let mut balance = Decimal::ZERO;
        let mut excess = Decimal::ZERO;
        let mut surplus_prev: Vec<i128> = vec![0; ne];
        let mut floored_sum = Decimal::ZERO;
        let mut out = Vec::with_capacity(months.len());
        let mut total = Decimal::ZERO;
        for (i, mt) in months.iter().enumerate() {
            let m = mt.m;
            let month = m as u32 + 1;
            let days = self.days_in_month(m);
            let consecutive = prev_m.is_some_and(|p| p + 1 == m);
            let first = NaiveDate::from_ymd_opt(self.map.year, month, 1)
                .ok_or(ElectricError::Year(self.map.year))?;
            let mut lines = self.lines_for(BillingPeriod::month_of(first), policy);
            let net_micro: Vec<i128> = (0..ne)
                .map(|p| -i128::from(main.energy.get(m * ne + p).copied().unwrap_or(0)))
                .collect();
            let net_kwh = kwh(net_micro.iter().sum());
            let nt = mt.eff.len().max(1);
            let mut kwh_in = Decimal::ZERO;
            let mut kwh_out = Decimal::ZERO;
            let mut kwh_lost = Decimal::ZERO;
            let f = match opt {
                Metering::NetMetering | Metering::NetMeteringDollar => {
                    let mut n = net_micro.clone();
                    // Option 0: the previous month's per-period surplus lands
                    // on the period holding the same weekday clock hour.
                    if opt == Metering::NetMetering && consecutive && m != cm + 1 {
                        kwh_in = self.carry(m, &surplus_prev, &mut n)?;
                    }
                    let s: Vec<i128> = n.iter().map(|v| (*v).max(0)).collect();
                    let e: Vec<i128> = n.iter().map(|v| (-*v).max(0)).collect();
                    let mut imports = TierKwh::new(ne, nt);
                    let mut exports = TierKwh::new(ne, nt);
                    pro_rata(&mt.eff, &e, &mut imports)?;
                    if opt == Metering::NetMeteringDollar {
                        pro_rata(&mt.eff, &s, &mut exports)?;
                    }
                    let exported: i128 = s.iter().sum();
                    if opt == Metering::NetMetering {
                        let out = if m == 11 || m == cm {
                            0
                        } else {
                            self.carryable(m, &s)
                        };
                        kwh_out = kwh(out);
                        kwh_lost = kwh(exported - out);
                    }
                    let f = Filled {
                        imports,
                        exports,
                        standby: TierKwh::new(0, nt),
                        imported: kwh(e.iter().sum()),
                        exported: kwh(exported),
                    };
                    surplus_prev = s;
                    f
                }
                _ => std::mem::replace(
                    filled.get_mut(i).ok_or_else(|| ov("a month's tiers"))?,
                    Filled {
                        imports: TierKwh::new(0, 1),
                        exports: TierKwh::new(0, 1),
                        standby: TierKwh::new(0, 1),
                        imported: Decimal::ZERO,
                        exported: Decimal::ZERO,
                    },
                ),
            };
            let (g_load, g_standby, cr) =
                self.energy_lines(&mut lines, &labels, &mt.eff, &f, opt)?;
            let g = g_load + g_standby;
            // Credits, balances and the option 0 true-up counter.
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
                Metering::NetBilling | Metering::BuyAllSellAll => (g - cr, Decimal::ZERO),
                Metering::NetMetering | Metering::NetMeteringDollar => {
                    let dollars = opt == Metering::NetMeteringDollar || rollover;
                    let mut ec = g - xy;
                    let mut bal = cr;
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
                push(
                    &mut lines,
                    labels.brought_forward,
                    Decimal::ONE,
                    LineUnit::Month,
                    -applied_in,
                    -applied_in,
                )?;
            }
            if !xy.is_zero() {
                push(
                    &mut lines,
                    labels.year_end_rollover,
                    excess,
                    LineUnit::Service(Unit::Kwh),
                    options.year_end_sell_rate,
                    -xy,
                )?;
            }
            // What the credits left over: carried, paid at the true-up, or expired.
            let keep = ec - lines.sum.value()?;
            let paid_balance = m == cm
                && bal > Decimal::ZERO
                && match opt {
                    Metering::NetMeteringDollar => true,
                    Metering::NetBillingCarryover => !options.credit_expire,
                    _ => false,
                };
            let expired = m == cm && opt == Metering::NetBillingCarryover && options.credit_expire;
            if !keep.is_zero() {
                let meta = if paid_balance {
                    labels.settled
                } else if expired {
                    labels.expired
                } else {
                    labels.carried
                };
                push(&mut lines, meta, Decimal::ONE, LineUnit::Month, keep, keep)?;
            }
            let carried_out = if m == cm && !rollover {
                Decimal::ZERO
            } else {
                bal
            };
            let energy_net = lines.sum.value()?;
            // Demand.
            let standby_peaks = standby.as_ref().map(|s| {
                (
                    s.peak.get(m).copied().unwrap_or(0),
                    s.demand_max.get(m * nd..(m + 1) * nd).unwrap_or_default(),
                )
            });
            let peaks = main
                .demand_max
                .get(m * nd..(m + 1) * nd)
                .unwrap_or_default();
            let (flat, tou, flat_load, tou_load) = self.demand_lines(
                &mut lines,
                &labels,
                m,
                mt.bd,
                peaks,
                standby_peaks,
                per_hour,
            )?;
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
                fixed += push(&mut lines, labels.fixed, q, unit, rate, amount)?;
            }
            // Minimum: on the bill before credits paid out, floored at 0
            // (buy-all/sell-all: the load meter's bill alone).
            let pre = if basa {
                g_load + flat_load + tou_load + fixed
            } else {
                energy_net + flat + tou + fixed
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
                    minimum = push(
                        &mut lines,
                        labels.minimum,
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
                if opt == Metering::NetMetering && !rollover && excess > Decimal::ZERO {
                    true_up = -push(
                        &mut lines,
                        labels.true_up_kwh,
                        excess,
                        LineUnit::Service(Unit::Kwh),
                        options.year_end_sell_rate,
                        -year_end,
                    )?;
                } else if paid_balance {
                    true_up = -push(
                        &mut lines,
                        labels.true_up_balance,
                        Decimal::ONE,
                        LineUnit::Month,
                        -bal,
                        -bal,
                    )?;
                }
            }
            let month_total = policy.round(lines.sum.value()?, currency.minor_units());
            total = total
                .checked_add(month_total)
                .ok_or_else(|| ov("the statement total"))?;
            let money = |d: Decimal| Money::new(d, currency);
            let delivered = kwh(delivered_by_month.get(m).copied().unwrap_or(0));
            out.push(GenerationMonth {
                month,
                bill: Bill {
                    tariff_id: self.id.clone(),
                    period: lines.period,
                    currency,
                    rounding: policy,
                    usage: Quantity::new(delivered, Unit::Kwh),
                    usage_is_normative: false,
                    usage_is_estimated: false,
                    lines: lines.lines,
                    total: money(month_total),
                    normative: None,
                },
                delivered_kwh: delivered,
                received_kwh: kwh(received_by_month.get(m).copied().unwrap_or(0)),
                imported_kwh: f.imported,
                exported_kwh: f.exported,
                peak_kw: mt.peak_kw,
                billing_demand_kw: mt.bd,
                demand_basis: mt.basis,
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

    /// Delivered and received micro-kWh per month (0-based), summed over
    /// each month's span of intervals.
    fn month_sums(&self, channels: &MeterChannels) -> ([i128; 12], [i128; 12]) {
        let mut d = [0i128; 12];
        let mut r = [0i128; 12];
        let step = usize::from(channels.step_minutes.max(1));
        let per_day = 1440 / step;
        let offset = (channels.start - self.map.first_day.and_time(chrono::NaiveTime::MIN))
            .num_minutes()
            .max(0) as usize
            / step;
        let mut first_day = 0usize;
        for (m, &days) in self.map.days_in_month.iter().enumerate() {
            let end_day = first_day + days as usize;
            let lo = (first_day * per_day)
                .saturating_sub(offset)
                .min(channels.len());
            let hi = (end_day * per_day)
                .saturating_sub(offset)
                .min(channels.len());
            // Within 64 bits: at most 44,640 intervals of 10^13 micro-kWh.
            let sum = |v: &[i64]| -> i128 {
                i128::from(v.get(lo..hi).unwrap_or_default().iter().sum::<i64>())
            };
            // From the running sums when there are, in two reads.
            let diff = |v: &[i64]| {
                i128::from(v.get(hi).copied().unwrap_or(0) - v.get(lo).copied().unwrap_or(0))
            };
            if let (Some(dm), Some(rm)) = (d.get_mut(m), r.get_mut(m)) {
                (*dm, *rm) = match &channels.sums {
                    Some(s) => (diff(&s.delivered), diff(&s.received)),
                    None => (sum(&channels.delivered), sum(&channels.received)),
                };
            }
            first_day = end_day;
        }
        (d, r)
    }

    /// The periods of weekday clock hours 0, 5, 11 and 17 in month `m`.
    fn carry_hours(&self, m: usize) -> [usize; 4] {
        let row = self.tariff.energy_schedule.weekday.get(m);
        [0usize, 5, 11, 17].map(|h| row.and_then(|r| r.get(h)).map_or(0, |&p| usize::from(p)))
    }

    /// The part of `surplus` (micro-kWh per period of month `m`) that can
    /// carry to the next month: the periods holding weekday hour 0, 5, 11
    /// or 17.
    fn carryable(&self, m: usize, surplus: &[i128]) -> i128 {
        let r = self.carry_hours(m);
        surplus
            .iter()
            .enumerate()
            .filter(|(p, s)| **s > 0 && r.contains(p))
            .map(|(_, s)| *s)
            .sum()
    }

    /// Adds the previous month's per-period surplus into `net` (micro-kWh
    /// per period of month `m`): each period's surplus lands on the period
    /// of month `m` at the first of weekday hours 0, 5, 11, 17 it held; a
    /// period holding none of them forfeits its surplus. Returns the kWh
    /// carried in.
    fn carry(
        &self,
        m: usize,
        surplus_prev: &[i128],
        net: &mut [i128],
    ) -> Result<Decimal, ElectricError> {
        let rp = self.carry_hours(m.saturating_sub(1));
        let rc = self.carry_hours(m);
        let mut carried = 0i128;
        for (p, s) in surplus_prev.iter().enumerate() {
            if *s <= 0 {
                continue;
            }
            if let Some(j) = rp.iter().position(|&x| x == p) {
                let target = rc.get(j).copied().unwrap_or(0);
                if let Some(n) = net.get_mut(target) {
                    *n = n.checked_add(*s).ok_or_else(|| ov("carried kWh"))?;
                }
                carried += *s;
            }
        }
        Ok(kwh(carried))
    }

    /// The energy lines of a month: imports (+), the generation meter's
    /// stand-by imports (+), exports credited (−). Returns (imports $,
    /// stand-by $, credits $ as a positive amount).
    fn energy_lines(
        &self,
        lines: &mut MonthLines,
        labels: &Arc<Labels>,
        eff: &[EffTier],
        f: &Filled,
        opt: Metering,
    ) -> Result<(Decimal, Decimal, Decimal), ElectricError> {
        let tariff = &*self.tariff;
        let src = |k: usize| eff.get(k).map_or(k, |e| e.src);
        let buy = |p: usize, k: usize| {
            tariff
                .energy_periods
                .get(p)
                .and_then(|t| t.get(src(k)))
                .map_or(Decimal::ZERO, |t| t.rate)
        };
        let label =
            |grid: &Grid, p: usize, k: usize| grid.get(p).and_then(|g| g.get(src(k))).copied();
        let (import_labels, export_labels) = match opt {
            Metering::BuyAllSellAll => (&labels.import_load, &labels.sold),
            _ => (&labels.import, &labels.export),
        };
        let mut g = Decimal::ZERO;
        for (p, k, q) in f.imports.entries() {
            if let Some(meta) = label(import_labels, p, k) {
                g += push_kwh(lines, meta, q, buy(p, k))?;
            }
        }
        let mut gs = Decimal::ZERO;
        for (p, k, q) in f.standby.entries() {
            if let Some(meta) = label(&labels.standby, p, k) {
                gs += push_kwh(lines, meta, q, buy(p, k))?;
            }
        }
        let mut cr = Decimal::ZERO;
        if opt.uses_sell_rates() {
            for (p, k, q) in f.exports.entries() {
                if let Some(meta) = label(export_labels, p, k) {
                    cr -= push_kwh(lines, meta, q, -tariff.sell_rate(p, src(k)))?;
                }
            }
        }
        Ok((g, gs, cr))
    }

    /// The demand lines of month `m`: flat demand on the billing demand and
    /// TOU demand per period (on the billing demand when the ratchet covers
    /// TOU periods); buy-all/sell-all adds the generation meter's own demand
    /// on its stand-by draw. Returns (flat, TOU, load-meter flat, load-meter TOU).
    #[allow(clippy::too_many_arguments)]
    fn demand_lines(
        &self,
        lines: &mut MonthLines,
        labels: &Arc<Labels>,
        m: usize,
        bd: Decimal,
        peaks: &[i64],
        standby: Option<(i64, &[i64])>,
        per_hour: i64,
    ) -> Result<(Decimal, Decimal, Decimal, Decimal), ElectricError> {
        let tariff = &*self.tariff;
        let kw = |micro: i64| kwh(i128::from(micro.max(0)) * i128::from(per_hour));
        let fp = usize::from(tariff.flat_demand_months.get(m).copied().unwrap_or(0));
        let dused = self
            .demand_in_month
            .get(m)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let on_bd = tariff.ratchet.is_some_and(|r| r.tou_demand);
        let meter = |lines: &mut MonthLines,
                     flat_labels: &Grid,
                     tou_labels: &Grid,
                     flat_kw: Decimal,
                     peaks: &[i64],
                     ratchet: bool|
         -> Result<(Decimal, Decimal), ElectricError> {
            let mut f = Decimal::ZERO;
            let mut t = Decimal::ZERO;
            if let Some(tiers) = tariff.flat_demand.get(fp) {
                f += demand_line(lines, flat_labels.get(fp), flat_kw, tiers)?;
            }
            for &q in dused {
                let q = usize::from(q);
                let Some(tiers) = tariff.demand_periods.get(q) else {
                    continue;
                };
                let d = if on_bd && ratchet {
                    bd
                } else {
                    kw(peaks.get(q).copied().unwrap_or(0))
                };
                t += demand_line(lines, tou_labels.get(q), d, tiers)?;
            }
            Ok((f, t))
        };
        let (fl, tl) = meter(lines, &labels.flat, &labels.tou, bd, peaks, true)?;
        let (mut flat, mut tou) = (fl, tl);
        if let Some((peak, by_period)) = standby.filter(|(p, _)| *p > 0) {
            let (fg, tg) = meter(
                lines,
                &labels.flat_gen,
                &labels.tou_gen,
                kw(peak),
                by_period,
                false,
            )?;
            flat += fg;
            tou += tg;
        }
        Ok((flat, tou, fl, tl))
    }
}
