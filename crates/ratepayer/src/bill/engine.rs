//! The bill calculation: for each part of the period (see `segments`), fixed
//! charges, usage by block, surcharges, the minimum bill, riders and taxes, in
//! that order; then the total under the tariff's rounding policy.

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

/// Collects the lines of one bill.
struct Lines {
    lines: Vec<BillLine>,
    currency: Currency,
    minor: u32,
    policy: RoundingPolicy,
}

impl Lines {
    fn push(
        &mut self,
        meta: &Arc<LineMeta>,
        period: BillingPeriod,
        quantity: Decimal,
        unit: LineUnit,
        rate: Decimal,
        amount: Decimal,
    ) {
        let amount = Money::new(self.policy.round_line(amount, self.minor), self.currency);
        self.lines.push(BillLine {
            meta: super::MetaRef::Shared(meta.clone()),
            period,
            quantity,
            unit,
            rate,
            amount,
        });
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

    /// Sum of the lines from `start` whose group is in `groups`.
    fn sum_groups(&self, start: usize, groups: &[String]) -> Result<Decimal, BillError> {
        self.lines
            .get(start..)
            .unwrap_or_default()
            .iter()
            .filter(|l| groups.iter().any(|g| g == l.group()))
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

/// Prices one part of the period with `usage` (in the tariff unit).
fn bill_segment(
    out: &mut Lines,
    seg: &Segment<'_>,
    usage: Decimal,
    unit: crate::Unit,
    input: &BillInput<'_>,
) -> Result<(), BillError> {
    let v = seg.version;
    let m = seg.months;
    let class = input.customer_class;
    let start = out.lines.len();
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
    if let Some(min) = &v.minimum {
        let base = out.sum_groups(start, &min.applies_to)?;
        let floor = mul(min.amount, m)?;
        if base < floor {
            out.push(
                &min.meta,
                seg.period,
                m,
                LineUnit::Month,
                min.amount,
                sub(floor, base)?,
            );
        }
    }
    for p in v.riders.iter().chain(&v.taxes) {
        let base = out.sum_groups(start, &p.applies_to)?;
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
        let mut out = Lines {
            lines: Vec::with_capacity(8 * segs.len()),
            currency,
            minor: currency.minor_units(),
            policy: self.rounding,
        };
        let total_days = Decimal::from(input.period.days());
        let mut allocated = Decimal::ZERO;
        let mut billed = Decimal::ZERO;
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
            bill_segment(&mut out, seg, usage, unit, input)?;
        }
        let sum = out
            .lines
            .iter()
            .try_fold(Decimal::ZERO, |acc, l| add(acc, l.amount.amount()))?;
        let total = Money::new(self.rounding.round(sum, out.minor), currency);
        let mut bill = Bill {
            tariff_id: self.id.clone(),
            period: input.period,
            currency,
            rounding: self.rounding,
            usage: Quantity::new(billed, unit),
            usage_is_normative: input.usage.is_none(),
            usage_is_estimated: input.estimated && input.usage.is_some(),
            lines: out.lines,
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
