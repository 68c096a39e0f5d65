//! The two ways SAM puts a month's kWh into tiers when a customer
//! generates: the pro-rata split of net metering (the month's total fills
//! the tiers and each tier is shared among the periods in proportion) and
//! the hour-by-hour fill of net billing and buy-all/sell-all (a cumulative
//! counter over the month; each interval's kWh is priced at its own period's
//! price for the tier where that energy falls).

use rust_decimal::Decimal;

use super::super::tou::{tier_kwh, EffTier};
use super::ElectricError;

fn ov() -> ElectricError {
    ElectricError::Overflow("a tier of exported or imported energy")
}

/// kWh per (period, tier) of a month, `p * tiers + k`.
#[derive(Debug, Clone)]
pub(super) struct TierKwh {
    pub tiers: usize,
    pub kwh: Vec<Decimal>,
}

impl TierKwh {
    /// Zero kWh for `periods` periods of `tiers` effective tiers.
    pub fn new(periods: usize, tiers: usize) -> TierKwh {
        TierKwh {
            tiers,
            kwh: vec![Decimal::ZERO; periods * tiers],
        }
    }

    fn add(&mut self, p: usize, k: usize, q: Decimal) -> Result<(), ElectricError> {
        if let Some(slot) = self.kwh.get_mut(p * self.tiers + k) {
            *slot = slot.checked_add(q).ok_or_else(ov)?;
        }
        Ok(())
    }

    /// Every non-zero (period, tier, kWh), in period then tier order.
    pub fn entries(&self) -> impl Iterator<Item = (usize, usize, Decimal)> + '_ {
        let n = self.tiers.max(1);
        self.kwh
            .iter()
            .enumerate()
            .filter(|(_, q)| !q.is_zero())
            .map(move |(i, q)| (i / n, i % n, *q))
    }
}

/// SAM's pro-rata split: `amounts` (kWh per period, each ≥ 0) fill the
/// month's tiers `eff` as one total; tier `k`'s kWh are shared among the
/// periods in proportion to their amounts.
pub(super) fn pro_rata(
    eff: &[EffTier],
    amounts: &[Decimal],
    out: &mut TierKwh,
) -> Result<(), ElectricError> {
    let total = amounts
        .iter()
        .try_fold(Decimal::ZERO, |a, b| a.checked_add(*b))
        .ok_or_else(ov)?;
    if total <= Decimal::ZERO {
        return Ok(());
    }
    let mut split = Vec::new();
    tier_kwh(eff, total, &mut split)?;
    for (p, a) in amounts.iter().enumerate() {
        if a.is_zero() {
            continue;
        }
        for &(k, q) in &split {
            // a × q / total, in that order: exact when the period holds it all.
            let share = if *a == total {
                q
            } else {
                a.checked_mul(q)
                    .and_then(|x| x.checked_div(total))
                    .ok_or_else(ov)?
            };
            out.add(p, k, share)?;
        }
    }
    Ok(())
}

/// SAM's hour-by-hour fill: a counter of the kWh already taken this month;
/// each interval's kWh go to the tiers from where the counter stands. The
/// last tier takes everything above the one before it (SAM refuses such a
/// month; this engine bills it at the last tier, as its consumption bills do).
#[derive(Debug, Clone)]
pub(super) struct Fill {
    limits: Vec<Option<Decimal>>,
    cum: Decimal,
    tier: usize,
}

impl Fill {
    /// A counter at 0 over the month's tiers `eff`.
    pub fn new(eff: &[EffTier]) -> Fill {
        let last = eff.len().saturating_sub(1);
        Fill {
            limits: eff
                .iter()
                .enumerate()
                .map(|(k, t)| if k == last { None } else { t.limit })
                .collect(),
            cum: Decimal::ZERO,
            tier: 0,
        }
    }

    /// Adds `x` kWh (> 0) of period `p` into `out`.
    pub fn add(&mut self, p: usize, x: Decimal, out: &mut TierKwh) -> Result<(), ElectricError> {
        let mut left = x;
        while left > Decimal::ZERO {
            let room = match self.limits.get(self.tier).copied().flatten() {
                Some(u) => u.checked_sub(self.cum).ok_or_else(ov)?,
                None => left,
            };
            if room <= Decimal::ZERO {
                if self.tier + 1 >= self.limits.len() {
                    // Cannot happen (the last limit is open); keep the energy.
                    out.add(p, self.tier, left)?;
                    self.cum = self.cum.checked_add(left).ok_or_else(ov)?;
                    return Ok(());
                }
                self.tier += 1;
                continue;
            }
            let q = left.min(room);
            out.add(p, self.tier, q)?;
            self.cum = self.cum.checked_add(q).ok_or_else(ov)?;
            left = left.checked_sub(q).ok_or_else(ov)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eff(limits: &[Option<i64>]) -> Vec<EffTier> {
        limits
            .iter()
            .enumerate()
            .map(|(k, l)| EffTier {
                src: k,
                limit: l.map(Decimal::from),
            })
            .collect()
    }

    #[test]
    fn hour_by_hour_prices_each_kwh_at_its_own_period_and_tier() {
        let e = eff(&[Some(10), Some(20), None]);
        let mut out = TierKwh::new(2, 3);
        let mut f = Fill::new(&e);
        f.add(0, Decimal::from(8), &mut out).unwrap_or_default();
        f.add(1, Decimal::from(5), &mut out).unwrap_or_default();
        f.add(0, Decimal::from(20), &mut out).unwrap_or_default();
        let got: Vec<_> = out.entries().collect();
        assert_eq!(
            got,
            vec![
                (0, 0, Decimal::from(8)),
                (0, 1, Decimal::from(7)),
                (0, 2, Decimal::from(13)),
                (1, 0, Decimal::from(2)),
                (1, 1, Decimal::from(3)),
            ]
        );
    }

    #[test]
    fn pro_rata_shares_each_tier_by_the_periods_amounts() {
        let e = eff(&[Some(10), None]);
        let mut out = TierKwh::new(2, 2);
        pro_rata(&e, &[Decimal::from(15), Decimal::from(5)], &mut out).unwrap_or_default();
        let got: Vec<_> = out.entries().collect();
        assert_eq!(
            got,
            vec![
                (0, 0, Decimal::new(75, 1)),
                (0, 1, Decimal::new(75, 1)),
                (1, 0, Decimal::new(25, 1)),
                (1, 1, Decimal::new(25, 1)),
            ]
        );
    }
}
