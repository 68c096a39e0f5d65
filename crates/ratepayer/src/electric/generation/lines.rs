//! Pushing the lines of a generation bill onto the consumption engine's
//! line collector ([`MonthLines`]: each line rounded by the bill's policy
//! and summed exactly as pushed, so the lines always add up to the total):
//! energy in nano-kWh at a rate, a decimal amount, a block demand charge.

use rust_decimal::Decimal;

use super::super::bill::MonthLines;
use super::super::demand::block;
use super::super::exact::Amount;
use super::super::tariff::DemandTier;
use super::ElectricError;
use crate::bill::LineMeta;
use crate::{LineUnit, Unit};

pub(super) fn ov(what: &'static str) -> ElectricError {
    ElectricError::Overflow(what)
}

/// Pushes `nano` nano-kWh at `rate` (negative for a credit); returns the
/// amount pushed.
pub(super) fn push_kwh(
    lines: &mut MonthLines,
    meta: &'static LineMeta,
    nano: i128,
    rate: Decimal,
) -> Result<Decimal, ElectricError> {
    let q = Decimal::try_from_i128_with_scale(nano, 9).map_err(|_| ov("an energy tier"))?;
    let amount = Amount::product(nano, 9, rate)
        .map_or_else(|| Amount::times(q, rate, "an energy charge"), Ok)?;
    lines
        .push(meta, q, LineUnit::Service(Unit::Kwh), rate, amount)?
        .to_decimal()
}

/// Pushes a line of `amount`; returns the amount pushed (rounded by the policy).
pub(super) fn push(
    lines: &mut MonthLines,
    meta: &'static LineMeta,
    quantity: Decimal,
    unit: LineUnit,
    rate: Decimal,
    amount: Decimal,
) -> Result<Decimal, ElectricError> {
    lines
        .push(meta, quantity, unit, rate, Amount::of(amount))?
        .to_decimal()
}

/// Pushes the block demand charge of `kw` on `tiers`, labelled by `metas`
/// (one per tier); returns its sum.
pub(super) fn demand(
    lines: &mut MonthLines,
    metas: Option<&Vec<&'static LineMeta>>,
    kw: Decimal,
    tiers: &[DemandTier],
) -> Result<Decimal, ElectricError> {
    let mut total = Decimal::ZERO;
    let Some(metas) = metas else {
        return Ok(total);
    };
    block(kw, tiers, |t, q, rate| {
        if let Some(meta) = metas.get(t) {
            let amount = Amount::times(q, rate, "a demand charge")?;
            let a = lines
                .push(meta, q, LineUnit::Kilowatt, rate, amount)?
                .to_decimal()?;
            total = total.checked_add(a).ok_or_else(|| ov("a demand charge"))?;
        }
        Ok(())
    })?;
    Ok(total)
}
