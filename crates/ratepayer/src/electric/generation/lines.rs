//! The lines of a generation bill: each pushed with its label, rounded by
//! the bill's policy, and summed as pushed, so the bill's lines always add
//! up to its total; and the demand lines of one meter.

use std::sync::Arc;

use rust_decimal::Decimal;

use super::super::demand::block;
use super::super::tariff::DemandTier;
use super::ElectricError;
use crate::bill::{intern, LineKind, LineMeta, MetaRef};
use crate::{BillLine, BillingPeriod, Currency, LineUnit, Money, RoundingPolicy, RoundingScope};

pub(super) fn ov(what: &'static str) -> ElectricError {
    ElectricError::Overflow(what)
}

/// The lines of one month's bill.
pub(super) struct Lines {
    pub lines: Vec<BillLine>,
    pub period: BillingPeriod,
    pub policy: RoundingPolicy,
    pub currency: Currency,
    pub version: Arc<str>,
    pub sum: Decimal,
}

/// What a line is, for its label.
pub(super) struct Label<'a> {
    pub description: &'a str,
    pub group: &'a str,
    pub kind: LineKind,
    pub tier: Option<usize>,
}

impl Lines {
    /// Pushes a line of `amount` (rounded when the policy rounds each line);
    /// returns the amount pushed.
    pub fn push(
        &mut self,
        label: Label<'_>,
        quantity: Decimal,
        unit: LineUnit,
        rate: Decimal,
        amount: Decimal,
    ) -> Result<Decimal, ElectricError> {
        let a = match self.policy.scope {
            RoundingScope::PerLine => self.policy.round(amount, self.currency.minor_units()),
            RoundingScope::TotalOnly => amount,
        };
        if a.abs() >= Decimal::from(1_000_000_000_000_000i64) {
            return Err(ov("a line of the bill"));
        }
        self.sum = self.sum.checked_add(a).ok_or_else(|| ov("a bill"))?;
        let meta = intern(LineMeta {
            description: label.description.to_string(),
            group: label.group.to_string(),
            kind: label.kind,
            version: self.version.clone(),
            tier: label.tier.and_then(|t| u8::try_from(t + 1).ok()),
        });
        self.lines.push(BillLine::from_parts(
            MetaRef::Interned(meta),
            self.period,
            quantity,
            unit,
            rate,
            Money::new(a, self.currency),
        ));
        Ok(a)
    }

    /// Pushes the block demand charge of `kw` on `tiers` (labelled `what`,
    /// with the period when `period` is given); returns its sum.
    pub fn demand(
        &mut self,
        what: &str,
        group: &str,
        period: Option<usize>,
        kw: Decimal,
        tiers: &[DemandTier],
    ) -> Result<Decimal, ElectricError> {
        let mut total = Decimal::ZERO;
        let many = tiers.len() > 1;
        block(kw, tiers, |t, q, rate| {
            let mut d = what.to_string();
            if let Some(p) = period {
                d.push_str(&format!(", period {}", p + 1));
            }
            if many {
                d.push_str(&format!(", tier {}", t + 1));
            }
            let amount = q.checked_mul(rate).ok_or_else(|| ov("a demand charge"))?;
            let a = self.push(
                Label {
                    description: &d,
                    group,
                    kind: LineKind::Usage,
                    tier: Some(t),
                },
                q,
                LineUnit::Kilowatt,
                rate,
                amount,
            )?;
            total = total.checked_add(a).ok_or_else(|| ov("a demand charge"))?;
            Ok(())
        })?;
        Ok(total)
    }
}

/// "`what`, period p, tier t" with the parts that tell lines apart.
pub(super) fn tier_label(what: &str, periods: usize, tiers: usize, p: usize, t: usize) -> String {
    let mut d = what.to_string();
    if periods > 1 {
        d.push_str(&format!(", period {}", p + 1));
    }
    if tiers > 1 {
        d.push_str(&format!(", tier {}", t + 1));
    }
    d
}
