//! Demand charges: tiered kW blocks, and the billing demand of each bill
//! (its peak, raised by a ratchet on earlier months' peaks — across year ends,
//! from a [`PeakHistory`] — and by a minimum billing demand), with the reason
//! ([`DemandBasis`]).

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::Serialize;

use super::tariff::{DemandTier, Ratchet};
use super::ElectricError;

/// `block(D, tiers)`: calls `charge(tier, kW in tier, rate)` for every tier
/// with `(min(D, U_t) − U_{t−1})⁺ > 0`, where the limits are cumulative kW
/// and the last tier is unbounded whatever its `max`.
pub(crate) fn block(
    demand_kw: Decimal,
    tiers: &[DemandTier],
    mut charge: impl FnMut(usize, Decimal, Decimal) -> Result<(), ElectricError>,
) -> Result<(), ElectricError> {
    let mut prev: Option<Decimal> = Some(Decimal::ZERO);
    let last = tiers.len().saturating_sub(1);
    for (t, tier) in tiers.iter().enumerate() {
        let Some(p) = prev else {
            break;
        };
        // The last tier takes all demand above the tier before it, even when
        // it has a `max` (SAM bills it so): no kW is left unpriced.
        let max = if t == last { None } else { tier.max };
        let top = match max {
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

/// Why a bill's billing demand is what it is: its own peak, a ratchet on an
/// earlier month's peak, or the tariff's minimum billing demand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "basis", rename_all = "snake_case")]
pub enum DemandBasis {
    /// The bill's own highest interval demand.
    Peak,
    /// `percent` × the peak of an earlier month.
    Ratchet {
        /// Year of the month whose peak ratchets.
        year: i32,
        /// That month, 1 to 12.
        month: u32,
        /// Its peak, kW.
        peak_kw: Decimal,
        /// The fraction applied (0.8 for 80 %).
        percent: Decimal,
    },
    /// The tariff's minimum billing demand.
    Minimum,
}

impl std::fmt::Display for DemandBasis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DemandBasis::Peak => write!(f, "the period's own peak"),
            DemandBasis::Ratchet {
                year,
                month,
                peak_kw,
                percent,
            } => write!(
                f,
                "ratchet: {} % of the {year}-{month:02} peak of {} kW",
                (percent * Decimal::ONE_HUNDRED).normalize(),
                peak_kw.normalize()
            ),
            DemandBasis::Minimum => write!(f, "the tariff's minimum billing demand"),
        }
    }
}

/// Peaks of calendar months (kW), for ratchets that look back before the
/// first billed period: a utility's demand history for the customer. Peaks
/// found in the series itself are added as bills are made.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PeakHistory {
    peaks: BTreeMap<(i32, u32), Decimal>,
}

impl PeakHistory {
    /// An empty history.
    pub fn new() -> PeakHistory {
        PeakHistory::default()
    }

    /// Records the peak of `month` (1 to 12) of `year`; a month given twice
    /// keeps the higher peak. A negative peak or a month outside 1 to 12 is
    /// refused.
    pub fn record(&mut self, year: i32, month: u32, kw: Decimal) -> Result<(), ElectricError> {
        if !(1..=12).contains(&month) {
            return Err(ElectricError::Series(format!(
                "the peak history names month {month} of {year}; months are 1 to 12"
            )));
        }
        if kw.is_sign_negative() {
            return Err(ElectricError::Series(format!(
                "the peak history gives {kw} kW for {year}-{month:02}; a peak is 0 kW or more"
            )));
        }
        let e = self.peaks.entry((year, month)).or_insert(kw);
        if kw > *e {
            *e = kw;
        }
        Ok(())
    }

    /// The recorded peak of `month` (1 to 12) of `year`.
    pub fn get(&self, year: i32, month: u32) -> Option<Decimal> {
        self.peaks.get(&(year, month)).copied()
    }

    /// Number of months recorded.
    pub fn len(&self) -> usize {
        self.peaks.len()
    }

    /// True when no month is recorded.
    pub fn is_empty(&self) -> bool {
        self.peaks.is_empty()
    }
}

/// The billing demand of a bill whose month is `month` (1 to 12) of `year`
/// and whose own peak is `peak`, as SAM computes it: starting from the
/// minimum billing demand, raised by `percent_by_month[k] × peak_k` for
/// each month `k` of the `lookback_months` before (from `history`), and by
/// the bill's own peak.
pub(crate) fn billing_demand_at(
    peak: Decimal,
    year: i32,
    month: u32,
    history: &PeakHistory,
    ratchet: Option<&Ratchet>,
    minimum: Option<Decimal>,
) -> Result<(Decimal, DemandBasis), ElectricError> {
    let mut bd = Decimal::ZERO;
    let mut basis = DemandBasis::Peak;
    if let Some(min) = minimum.filter(|m| *m > Decimal::ZERO) {
        bd = min;
        basis = DemandBasis::Minimum;
    }
    if let Some(r) = ratchet {
        let mut y = year;
        let mut m = month;
        for _ in 0..r.lookback_months {
            if m == 1 {
                m = 12;
                y -= 1;
            } else {
                m -= 1;
            }
            let Some(p) = history.get(y, m) else {
                continue;
            };
            let pct = r
                .percent_by_month
                .get(m as usize - 1)
                .copied()
                .unwrap_or_default();
            let v = p
                .checked_mul(pct)
                .ok_or(ElectricError::Overflow("the ratchet"))?;
            if v > bd {
                bd = v;
                basis = DemandBasis::Ratchet {
                    year: y,
                    month: m,
                    peak_kw: p,
                    percent: pct,
                };
            }
        }
    }
    if peak >= bd {
        bd = peak;
        basis = DemandBasis::Peak;
    }
    Ok((bd, basis))
}
