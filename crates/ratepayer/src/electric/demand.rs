//! Demand charges: tiered kW blocks, and the billing demand of each month
//! (the month's peak, raised by a ratchet on earlier months' peaks and by a
//! minimum billing demand).

use rust_decimal::Decimal;

use super::tariff::{DemandTier, Ratchet};
use super::ElectricError;

/// `block(D, tiers)`: calls `charge(tier, kW in tier, rate)` for every tier
/// with `(min(D, U_t) − U_{t−1})⁺ > 0`, where the limits are cumulative kW.
pub(crate) fn block(
    demand_kw: Decimal,
    tiers: &[DemandTier],
    mut charge: impl FnMut(usize, Decimal, Decimal) -> Result<(), ElectricError>,
) -> Result<(), ElectricError> {
    let mut prev: Option<Decimal> = Some(Decimal::ZERO);
    for (t, tier) in tiers.iter().enumerate() {
        let Some(p) = prev else {
            break;
        };
        let top = match tier.max {
            Some(u) => demand_kw.min(u),
            None => demand_kw,
        };
        let q = top
            .checked_sub(p)
            .ok_or(ElectricError::Overflow("a demand tier"))?;
        if q > Decimal::ZERO {
            charge(t, q, tier.rate)?;
        }
        prev = tier.max;
    }
    Ok(())
}

/// Billing demand of each month: `max(peak_m, percent × peak_k for the
/// lookback months k ≤ m of the same year whose flag is set, minimum)`.
pub(crate) fn billing_demand(
    peaks: &[Decimal; 12],
    ratchet: Option<&Ratchet>,
    minimum: Option<Decimal>,
) -> Result<[Decimal; 12], ElectricError> {
    let mut out = *peaks;
    for (m, bd) in out.iter_mut().enumerate() {
        if let Some(r) = ratchet {
            let from = m.saturating_sub(usize::from(r.lookback_months));
            for k in from..=m {
                if !r.months.get(k).copied().unwrap_or(false) {
                    continue;
                }
                let p = peaks.get(k).copied().unwrap_or_default();
                let v = p
                    .checked_mul(r.percent)
                    .ok_or(ElectricError::Overflow("the ratchet"))?;
                if v > *bd {
                    *bd = v;
                }
            }
        }
        if let Some(min) = minimum {
            if min > *bd {
                *bd = min;
            }
        }
    }
    Ok(out)
}
