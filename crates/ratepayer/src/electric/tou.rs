//! Time-of-use energy charges: a month's effective tier limits (kWh, kWh
//! daily, and SAM's block-step `kWh/kW` tiers) and the pro-rata split of the
//! month's tiers among its periods, as SAM's `utilityrate5` combines them.

use rust_decimal::Decimal;

use super::tariff::EnergyTier;
use super::ElectricError;

/// One effective tier of a month: the source tier whose rate applies, and
/// its cumulative kWh limit (`None`: unbounded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct EffTier {
    pub src: usize,
    pub limit: Option<Decimal>,
}

fn overflow() -> ElectricError {
    ElectricError::Overflow("a tier limit")
}

/// `a < b` where `None` is +∞.
fn lt(a: Option<Decimal>, b: Option<Decimal>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a < b,
        (Some(_), None) => true,
        (None, _) => false,
    }
}

fn scaled(max: Option<Decimal>, by: Decimal) -> Result<Option<Decimal>, ElectricError> {
    max.map(|m| m.checked_mul(by).ok_or_else(overflow))
        .transpose()
}

/// The effective tiers of a month (or part of one) with `days` days billed,
/// counting `factor` months (`None`: a whole month) and billing demand
/// `bd_kw`, written into `out` (cleared first).
///
/// When the first tier is `kWh/kW`, SAM's block-step rule applies: `kWh/kW`
/// tiers set blocks of `max × demand`, and `kWh` tiers that follow a block
/// split it into absolute steps (the block's own rate is then never
/// charged). Otherwise every limit is in kWh (`kWh daily` times `days`; a
/// `kWh/kW` max is taken as kWh, as SAM does).
pub(crate) fn effective_tiers(
    tiers: &[EnergyTier],
    days: u32,
    bd_kw: Decimal,
    factor: Option<Decimal>,
    out: &mut Vec<EffTier>,
) -> Result<(), ElectricError> {
    out.clear();
    let days = Decimal::from(days);
    // A daily limit counts the days billed; a monthly one the months (the
    // part of a month's share, or exactly 1 for a whole month).
    let size = |t: &EnergyTier| -> Result<Option<Decimal>, ElectricError> {
        if t.unit.daily() {
            scaled(t.max, days)
        } else {
            match factor {
                Some(f) => scaled(t.max, f),
                None => Ok(t.max),
            }
        }
    };
    let first_per_kw = tiers.first().is_some_and(|t| t.unit.per_kw());
    if !first_per_kw {
        for (i, t) in tiers.iter().enumerate() {
            out.push(EffTier {
                src: i,
                limit: size(t)?,
            });
        }
        return Ok(());
    }
    let per_kw_limit =
        |t: &EnergyTier| -> Result<Option<Decimal>, ElectricError> { scaled(size(t)?, bd_kw) };
    let mut blocks: Vec<Option<Decimal>> = Vec::new();
    for t in tiers.iter().filter(|t| t.unit.per_kw()) {
        blocks.push(per_kw_limit(t)?);
    }
    let mut b = 0usize;
    let n = tiers.len();
    for (i, t) in tiers.iter().enumerate() {
        let kb = blocks.get(b).copied().flatten();
        if t.unit.per_kw() {
            let mine = per_kw_limit(t)?;
            let mut kb = kb;
            if lt(kb, mine) && b + 1 < blocks.len() {
                b += 1;
                kb = blocks.get(b).copied().flatten();
            }
            let next_per_kw = tiers.get(i + 1).is_some_and(|u| u.unit.per_kw());
            if i + 1 == n || next_per_kw {
                out.push(EffTier { src: i, limit: kb });
            }
        } else {
            let step = size(t)?;
            if lt(step, kb) {
                out.push(EffTier {
                    src: i,
                    limit: step,
                });
            } else if out.last().is_none_or(|l| lt(l.limit, kb)) {
                out.push(EffTier { src: i, limit: kb });
            }
        }
    }
    Ok(())
}

/// The kWh of each effective tier for a month total of `total` kWh:
/// `min(T, U_t) − U_{t−1}` up to the tier that holds `T`, written into `out`
/// as (index into `eff`, kWh). Tiers above get nothing; the last tier takes
/// everything above the one before it, whatever its own `max`.
pub(crate) fn tier_kwh(
    eff: &[EffTier],
    total: Decimal,
    out: &mut Vec<(usize, Decimal)>,
) -> Result<(), ElectricError> {
    out.clear();
    let mut prev = Decimal::ZERO;
    let last = eff.len().saturating_sub(1);
    for (k, t) in eff.iter().enumerate() {
        // The last tier takes everything above the tier before it, even when
        // it has a `max`: usage is never left unpriced (SAM bills it so).
        let limit = if k == last { None } else { t.limit };
        match limit {
            Some(u) => {
                let q = total
                    .min(u)
                    .checked_sub(prev)
                    .ok_or(ElectricError::Overflow("a tier"))?;
                out.push((k, q));
                if total <= u {
                    return Ok(());
                }
                prev = u;
            }
            None => {
                let q = total
                    .checked_sub(prev)
                    .ok_or(ElectricError::Overflow("a tier"))?;
                out.push((k, q));
                return Ok(());
            }
        }
    }
    Ok(())
}
