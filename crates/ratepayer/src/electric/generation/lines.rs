//! The lines of a generation bill: each pushed with its interned label,
//! rounded by the bill's policy, and summed as pushed, so the bill's lines
//! always add up to its total; and the demand lines of one meter.

use rust_decimal::Decimal;

use super::super::demand::block;
use super::super::tariff::DemandTier;
use super::ElectricError;
use crate::bill::{LineMeta, MetaRef};
use crate::{BillLine, BillingPeriod, Currency, LineUnit, Money, RoundingPolicy, RoundingScope};

pub(super) fn ov(what: &'static str) -> ElectricError {
    ElectricError::Overflow(what)
}

/// No bill line is a quadrillion (past that, sums would need more digits
/// than a `Decimal` holds): such input is refused as absurd.
const LINE_LIMIT: Decimal = Decimal::from_parts(0x_A4C6_8000, 0x_0003_8D7E, 0, false, 0);

/// The lines of one month's bill.
pub(super) struct Lines {
    pub lines: Vec<BillLine>,
    pub period: BillingPeriod,
    pub policy: RoundingPolicy,
    pub currency: Currency,
    pub sum: Decimal,
}

impl Lines {
    /// Pushes a line of `amount` (rounded when the policy rounds each line);
    /// returns the amount pushed.
    pub fn push(
        &mut self,
        meta: &'static LineMeta,
        quantity: Decimal,
        unit: LineUnit,
        rate: Decimal,
        amount: Decimal,
    ) -> Result<Decimal, ElectricError> {
        let a = match self.policy.scope {
            RoundingScope::PerLine => self.policy.round(amount, self.currency.minor_units()),
            RoundingScope::TotalOnly => amount,
        };
        if a.abs() >= LINE_LIMIT {
            return Err(ov("a line of the bill"));
        }
        self.sum = self.sum.checked_add(a).ok_or_else(|| ov("a bill"))?;
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

    /// Pushes the block demand charge of `kw` on `tiers`, labelled by
    /// `metas` (one per tier); returns its sum.
    pub fn demand(
        &mut self,
        metas: Option<&Vec<&'static LineMeta>>,
        kw: Decimal,
        tiers: &[DemandTier],
    ) -> Result<Decimal, ElectricError> {
        let mut total = Decimal::ZERO;
        let Some(metas) = metas else {
            return Ok(total);
        };
        block(kw, tiers, |t, q, rate| {
            let amount = q.checked_mul(rate).ok_or_else(|| ov("a demand charge"))?;
            if let Some(meta) = metas.get(t) {
                let a = self.push(meta, q, LineUnit::Kilowatt, rate, amount)?;
                total = total.checked_add(a).ok_or_else(|| ov("a demand charge"))?;
            }
            Ok(())
        })?;
        Ok(total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_limit_is_a_quadrillion() {
        assert_eq!(LINE_LIMIT, Decimal::from(1_000_000_000_000_000i64));
    }
}
