//! The bill calculation: for each part of the period (see `segments`), fixed
//! charges, usage by block and surcharges; then the minimum bill, a floor on
//! the whole bill shared among the parts; then each part's riders and taxes
//! (on a base floored at zero unless the tariff allows credits); then the
//! total under the tariff's rounding policy, brought up to zero by a credit
//! limit line unless the tariff allows a bill below zero.

use std::sync::Arc;

use rust_decimal::Decimal;

use super::segments::{segments, Segment};
use super::{Bill, BillError, BillInput, BillLine, LineMeta, LineUnit, NormativeComparison};
use crate::tariff::spec::FixedBasis;
use crate::tariff::{applies, Tariff, Version};
use crate::units::convert;
use crate::{BillingPeriod, Currency, Money, MoneyError, Quantity, RoundingPolicy};

fn overflow() -> BillError {
    BillError::Money(MoneyError::Overflow {
        operation: "a charge",
    })
}

#[inline]
fn mul(a: Decimal, b: Decimal) -> Result<Decimal, BillError> {
    a.checked_mul(b).ok_or_else(overflow)
}

#[inline]
fn add(a: Decimal, b: Decimal) -> Result<Decimal, BillError> {
    a.checked_add(b).ok_or_else(overflow)
}

#[inline]
fn sub(a: Decimal, b: Decimal) -> Result<Decimal, BillError> {
    a.checked_sub(b).ok_or_else(overflow)
}

/// Collects the lines of one part of a bill.
struct Lines {
    lines: Vec<BillLine>,
    currency: Currency,
    minor: u32,
    policy: RoundingPolicy,
}

impl Lines {
    fn new(currency: Currency, policy: RoundingPolicy) -> Lines {
        Lines {
            lines: Vec::with_capacity(8),
            currency,
            minor: currency.minor_units(),
            policy,
        }
    }

    /// Pushes a line; gives its amount as rounded by the policy.
    fn push(
        &mut self,
        meta: &Arc<LineMeta>,
        period: BillingPeriod,
        quantity: Decimal,
        unit: LineUnit,
        rate: Decimal,
        amount: Decimal,
    ) -> Decimal {
        let rounded = self.policy.round_line(amount, self.minor);
        self.lines.push(BillLine {
            meta: super::MetaRef::Shared(meta.clone()),
            period,
            quantity,
            unit,
            rate,
            amount: Money::new(rounded, self.currency),
        });
        rounded
    }

    /// Pushes a `quantity × rate` line.
    fn charge(
        &mut self,
        meta: &Arc<LineMeta>,
        period: BillingPeriod,
        quantity: Decimal,
        unit: LineUnit,
        rate: Decimal,
    ) -> Result<(), BillError> {
        let amount = mul(quantity, rate)?;
        self.push(meta, period, quantity, unit, rate, amount);
        Ok(())
    }

    /// Sum of the lines whose group is in `groups`.
    fn sum_groups<G: AsRef<str>>(&self, groups: &[G]) -> Result<Decimal, BillError> {
        self.lines
            .iter()
            .filter(|l| groups.iter().any(|g| g.as_ref() == l.group()))
            .try_fold(Decimal::ZERO, |acc, l| add(acc, l.amount.amount()))
    }
}

fn known(items: impl Iterator<Item = String>) -> String {
    let v: Vec<String> = items.collect();
    if v.is_empty() {
        "(none)".into()
    } else {
        v.join(", ")
    }
}

fn check_class(v: &Version, class: Option<&str>) -> Result<(), BillError> {
    if v.classes.is_empty() {
        return Ok(());
    }
    let list = || known(v.classes.iter().cloned());
    match class {
        None => Err(BillError::ClassRequired { known: list() }),
        Some(c) if !v.classes.iter().any(|k| k.eq_ignore_ascii_case(c)) => {
            Err(BillError::UnknownClass {
                class: crate::money::excerpt(c),
                known: list(),
            })
        }
        Some(_) => Ok(()),
    }
}

/// Refuses a meter size the version prices no charge by, when some charge
/// of it depends on the size: a typo must not fall back to a default amount.
/// A size given to a version whose charges do not depend on the size is
/// honoured as it is (nothing changes with it).
fn check_size(v: &Version, size: Option<&str>) -> Result<(), BillError> {
    let Some(s) = size else {
        return Ok(());
    };
    if v.sizes.is_empty() || v.sizes.iter().any(|k| k == s.trim()) {
        return Ok(());
    }
    let charge = v
        .fixed
        .iter()
        .find(|f| !f.by_size.is_empty())
        .map_or_else(String::new, |f| f.meta.description.clone());
    Err(BillError::UnknownMeterSize {
        size: crate::money::excerpt(s),
        charge,
        known: known(v.sizes.iter().cloned()),
    })
}

/// The amount of a fixed charge for `size`: its own amount for a size it
/// lists; its default `amount` for a size another charge of the version
/// lists (checked by [`check_size`]) or when no size is given.
fn fixed_amount(f: &crate::tariff::Fixed, size: Option<&str>) -> Result<Decimal, BillError> {
    if f.by_size.is_empty() {
        return Ok(f.amount.unwrap_or_default());
    }
    let sizes = || known(f.by_size.iter().map(|(s, _)| s.clone()));
    match size {
        Some(s) => match f.by_size.iter().find(|(k, _)| k == s.trim()) {
            Some((_, a)) => Ok(*a),
            None => f.amount.ok_or_else(|| BillError::UnknownMeterSize {
                size: crate::money::excerpt(s),
                charge: f.meta.description.clone(),
                known: sizes(),
            }),
        },
        None => f.amount.ok_or_else(|| BillError::MeterSizeRequired {
            charge: f.meta.description.clone(),
            known: sizes(),
        }),
    }
}

/// Prices the charges of one part of the period that do not depend on the
/// rest of the bill: fixed charges, usage by block (with `usage` in the
/// tariff unit) and surcharges.
fn bill_charges(
    out: &mut Lines,
    seg: &Segment<'_>,
    usage: Decimal,
    unit: crate::Unit,
    input: &BillInput<'_>,
) -> Result<(), BillError> {
    let v = seg.version;
    let m = seg.months;
    let class = input.customer_class;
    check_size(v, input.meter_size)?;
    // Monthly block sizes scale by the months this part counts for; a whole
    // month (the usual bill) needs no multiplication.
    let whole_month = m == Decimal::ONE;
    let scale = |x: Decimal| if whole_month { Ok(x) } else { mul(x, m) };
    for f in v.fixed.iter().filter(|f| applies(&f.classes, class)) {
        let rate = fixed_amount(f, input.meter_size)?;
        let (qty, lu) = match f.per {
            FixedBasis::Month => (m, LineUnit::Month),
            FixedBasis::Day => (Decimal::from(seg.period.days()), LineUnit::Day),
        };
        out.charge(&f.meta, seg.period, qty, lu, rate)?;
    }
    for c in v.volumetric.iter().filter(|c| applies(&c.classes, class)) {
        let blocks = c.by_season.get(seg.season).map_or(&[][..], Vec::as_slice);
        for (i, b) in blocks.iter().enumerate() {
            let lo = scale(b.from)?;
            // Blocks are contiguous and increasing (validated): once usage is
            // at or below a block's start, no later block has any.
            if i > 0 && usage <= lo {
                break;
            }
            let top = match b.up_to {
                Some(u) => {
                    let hi = scale(u)?;
                    if hi < usage {
                        hi
                    } else {
                        usage
                    }
                }
                None => usage,
            };
            // usage > lo here (or lo = 0 for the first block), and hi > lo.
            let qty = sub(top, lo)?;
            out.charge(&b.meta, seg.period, qty, LineUnit::Service(unit), b.rate)?;
        }
    }
    for s in v.surcharges.iter().filter(|s| applies(&s.classes, class)) {
        out.charge(&s.meta, seg.period, usage, LineUnit::Service(unit), s.rate)?;
    }
    Ok(())
}

/// The minimum bill, a floor on the whole bill: each part's version
/// minimum prorated by the months the part counts for, added up, and
/// compared with the charges of every part in the groups any of those
/// minimums name. A shortfall is shared among the parts with a minimum, in
/// proportion to each part's own shortfall (so when every such part falls
/// short, each makes up exactly its own), and each share is a line of its
/// part, under its version, before that part's riders and taxes.
fn apply_minimum(segs: &[Segment<'_>], parts: &mut [Lines]) -> Result<(), BillError> {
    let mut groups: Vec<&str> = Vec::new();
    for m in segs.iter().filter_map(|s| s.version.minimum.as_ref()) {
        for g in &m.applies_to {
            if !groups.contains(&g.as_str()) {
                groups.push(g);
            }
        }
    }
    if groups.is_empty() {
        return Ok(());
    }
    let mut floor = Decimal::ZERO;
    let mut base = Decimal::ZERO;
    // (part index, own floor, own shortfall) of every part with a minimum.
    let mut with_min: Vec<(usize, Decimal, Decimal)> = Vec::with_capacity(segs.len());
    for (i, (seg, lines)) in segs.iter().zip(parts.iter()).enumerate() {
        let b = lines.sum_groups(&groups)?;
        base = add(base, b)?;
        if let Some(m) = &seg.version.minimum {
            let f = mul(m.amount, seg.months)?;
            floor = add(floor, f)?;
            let own = sub(f, b)?.max(Decimal::ZERO);
            with_min.push((i, f, own));
        }
    }
    if base >= floor {
        return Ok(());
    }
    let shortfall = sub(floor, base)?;
    let mut weight_sum = with_min
        .iter()
        .try_fold(Decimal::ZERO, |acc, w| add(acc, w.2))?;
    if weight_sum.is_zero() {
        // Every part with a minimum is above its own floor and credits
        // elsewhere make the shortfall: share it by the floors instead.
        for w in &mut with_min {
            w.2 = w.1;
        }
        weight_sum = with_min
            .iter()
            .try_fold(Decimal::ZERO, |acc, w| add(acc, w.2))?;
    }
    if weight_sum.is_zero() {
        // Minimums of zero: the last part with one takes it all.
        if let Some(last) = with_min.last_mut() {
            last.2 = Decimal::ONE;
        }
        weight_sum = Decimal::ONE;
    }
    // Each part making up exactly its own shortfall is the usual case (and
    // what a single-part bill does); otherwise shares are scaled, and the
    // part with the largest share takes the remainder so that the rounded
    // shares add up to the rounded shortfall.
    let exact = weight_sum == shortfall;
    let largest = with_min
        .iter()
        .enumerate()
        .max_by(|a, b| a.1 .2.cmp(&b.1 .2))
        .map(|(k, _)| k);
    let mut shares: Vec<Decimal> = Vec::with_capacity(with_min.len());
    for &(_, _, w) in &with_min {
        let share = if exact {
            w
        } else {
            mul(w, shortfall)?
                .checked_div(weight_sum)
                .ok_or_else(overflow)?
        };
        shares.push(share);
    }
    if !exact {
        if let (Some(k), Some(first)) = (largest, parts.first()) {
            let (policy, minor) = (first.policy, first.minor);
            let others = shares
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != k)
                .try_fold(Decimal::ZERO, |acc, (_, s)| {
                    add(acc, policy.round_line(*s, minor))
                })?;
            if let Some(s) = shares.get_mut(k) {
                *s = sub(policy.round_line(shortfall, minor), others)?;
            }
        }
    }
    for (&(i, _, w), share) in with_min.iter().zip(shares) {
        let (Some(seg), Some(lines)) = (segs.get(i), parts.get_mut(i)) else {
            continue;
        };
        let Some(min) = &seg.version.minimum else {
            continue;
        };
        if w.is_zero() && share.is_zero() {
            continue;
        }
        lines.push(
            &min.meta,
            seg.period,
            seg.months,
            LineUnit::Month,
            min.amount,
            share,
        );
    }
    Ok(())
}

/// Riders, then taxes, of one part: each a percentage of the part's lines
/// in the groups it names, the base floored at zero unless the percentage
/// applies to credits.
fn apply_percents(out: &mut Lines, seg: &Segment<'_>) -> Result<(), BillError> {
    let v = seg.version;
    for p in v.riders.iter().chain(&v.taxes) {
        let sum = out.sum_groups(&p.applies_to)?;
        let base = if p.on_credit {
            sum
        } else {
            sum.max(Decimal::ZERO)
        };
        let amount = mul(base, p.percent)?
            .checked_div(Decimal::ONE_HUNDRED)
            .ok_or_else(overflow)?;
        out.push(
            &p.meta,
            seg.period,
            base,
            LineUnit::Percent,
            p.percent,
            amount,
        );
    }
    Ok(())
}

/// The normative (deemed) volume of one part of the period.
fn normative(seg: &Segment<'_>, residents: Option<u32>) -> Result<Decimal, BillError> {
    let per = seg
        .version
        .normative_per_resident
        .ok_or(BillError::UsageRequired(
            "the tariff has no normative volume for unmetered service; give the metered usage",
        ))?;
    let n = residents.ok_or(BillError::UsageRequired(
        "unmetered service is billed per resident; give `residents`",
    ))?;
    mul(mul(per, Decimal::from(n))?, seg.months)
}

impl Tariff {
    /// Computes the bill for `input`.
    ///
    /// The period is split where a new tariff version starts and where the
    /// season changes; usage is shared between the parts by days, and each
    /// part is priced under its own version. Monthly charges, block sizes and
    /// minimums scale by the tariff's proration rule.
    pub fn bill(&self, input: &BillInput<'_>) -> Result<Bill, BillError> {
        let segs = segments(self, input.period)?;
        let unit = self.unit();
        let currency = self.currency();
        if let Some(q) = input.usage {
            if q.value.is_sign_negative() && !q.value.is_zero() {
                return Err(BillError::NegativeUsage(q.value));
            }
        }
        let total_days = Decimal::from(input.period.days());
        let mut allocated = Decimal::ZERO;
        let mut billed = Decimal::ZERO;
        let mut parts: Vec<Lines> = Vec::with_capacity(segs.len());
        for (i, seg) in segs.iter().enumerate() {
            check_class(seg.version, input.customer_class)?;
            let usage = match input.usage {
                Some(q) => {
                    let share = if i + 1 == segs.len() {
                        sub(q.value, allocated)?
                    } else {
                        mul(q.value, Decimal::from(seg.period.days()))?
                            .checked_div(total_days)
                            .ok_or_else(overflow)?
                    };
                    allocated = add(allocated, share)?;
                    let hc = input.therms_per_ccf.or(seg.version.therms_per_ccf);
                    convert(share, q.unit, unit, hc)?
                }
                None => normative(seg, input.residents)?,
            };
            billed = add(billed, usage)?;
            let mut lines = Lines::new(currency, self.rounding);
            bill_charges(&mut lines, seg, usage, unit, input)?;
            parts.push(lines);
        }
        apply_minimum(&segs, &mut parts)?;
        for (seg, lines) in segs.iter().zip(parts.iter_mut()) {
            apply_percents(lines, seg)?;
        }
        let minor = currency.minor_units();
        let mut all: Vec<BillLine> =
            Vec::with_capacity(parts.iter().map(|p| p.lines.len() + 1).sum());
        for p in parts {
            all.extend(p.lines);
        }
        let mut sum = all
            .iter()
            .try_fold(Decimal::ZERO, |acc, l| add(acc, l.amount.amount()))?;
        if sum < Decimal::ZERO && !self.spec.allow_credit {
            // Credits above the charges: the bill stops at zero.
            if let Some(last) = segs.last() {
                all.push(BillLine {
                    meta: super::MetaRef::Shared(last.version.credit_limit.clone()),
                    period: input.period,
                    quantity: sum,
                    unit: LineUnit::Percent,
                    rate: -Decimal::ONE_HUNDRED,
                    amount: Money::new(-sum, currency),
                });
                sum = Decimal::ZERO;
            }
        }
        let total = Money::new(self.rounding.round(sum, minor), currency);
        let mut bill = Bill {
            tariff_id: self.id.clone(),
            period: input.period,
            currency,
            rounding: self.rounding,
            usage: Quantity::new(billed, unit),
            usage_is_normative: input.usage.is_none(),
            usage_is_estimated: input.estimated && input.usage.is_some(),
            lines: all,
            total,
            normative: None,
        };
        // Only a metered bill with a resident count is compared (rare): the
        // check over the parts runs only then.
        let compare = input.usage.is_some()
            && input.residents.is_some()
            && segs
                .iter()
                .all(|s| s.version.normative_per_resident.is_some());
        if compare {
            let deemed = self.bill(&BillInput {
                usage: None,
                ..*input
            })?;
            bill.normative = Some(NormativeComparison {
                saved_units: sub(deemed.usage.value, billed)?,
                saved_money: deemed.total.checked_sub(&bill.total)?,
                normative_usage: deemed.usage,
                normative_total: deemed.total,
            });
        }
        Ok(bill)
    }
}
