//! The two ways SAM puts a month's kWh into tiers when a customer
//! generates: the pro-rata split of net metering (the month's total fills
//! the tiers and each tier is shared among the periods in proportion) and
//! the hour-by-hour fill of net billing and buy-all/sell-all (a cumulative
//! counter over the month; each interval's kWh is priced at its own period's
//! price for the tier where that energy falls).

use rust_decimal::Decimal;

use super::super::exact::{pro_rata as share_of, to_nano};
use super::super::tou::{tier_kwh, EffTier};
use super::ElectricError;

fn ov() -> ElectricError {
    ElectricError::Overflow("a tier of exported or imported energy")
}

/// kWh per (period, tier) of a month in integer nano-kWh, `p * tiers + k`.
#[derive(Debug, Clone)]
pub(super) struct TierKwh {
    pub tiers: usize,
    pub nano: Vec<i128>,
}

impl TierKwh {
    /// Zero kWh for `periods` periods of `tiers` effective tiers.
    pub fn new(periods: usize, tiers: usize) -> TierKwh {
        TierKwh {
            tiers,
            nano: vec![0; periods * tiers],
        }
    }

    fn add(&mut self, p: usize, k: usize, q: Decimal) -> Result<(), ElectricError> {
        let n = to_nano(q)?;
        self.add_nano(p, k, n)
    }

    fn add_nano(&mut self, p: usize, k: usize, n: i128) -> Result<(), ElectricError> {
        if let Some(slot) = self.nano.get_mut(p * self.tiers + k) {
            *slot = slot.checked_add(n).ok_or_else(ov)?;
        }
        Ok(())
    }

    /// Every non-zero (period, tier, nano-kWh), in period then tier order.
    pub fn entries(&self) -> impl Iterator<Item = (usize, usize, i128)> + '_ {
        let n = self.tiers.max(1);
        self.nano
            .iter()
            .enumerate()
            .filter(|(_, q)| **q != 0)
            .map(move |(i, q)| (i / n, i % n, *q))
    }
}

/// SAM's pro-rata split: `amounts` (micro-kWh per period, each ≥ 0) fill
/// the month's tiers `eff` as one total; tier `k`'s kWh are shared among
/// the periods in proportion to their amounts (in integers, rounded to the
/// nano-kWh, as the consumption engine shares them).
pub(super) fn pro_rata(
    eff: &[EffTier],
    amounts: &[i128],
    out: &mut TierKwh,
) -> Result<(), ElectricError> {
    let total: i128 = amounts.iter().sum();
    if total <= 0 {
        return Ok(());
    }
    let mut split = Vec::new();
    tier_kwh(eff, Decimal::from_i128_with_scale(total, 6), &mut split)?;
    let total_nano = total.checked_mul(1000).ok_or_else(ov)?;
    for &(k, q) in &split {
        let q_nano = to_nano(q)?;
        for (p, &a) in amounts.iter().enumerate() {
            if a <= 0 {
                continue;
            }
            let share = if a == total {
                q_nano
            } else {
                share_of(a.checked_mul(1000).ok_or_else(ov)?, q_nano, total_nano)?
            };
            out.add_nano(p, k, share)?;
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

    /// Adds `x` kWh (> 0) of period `p` into `out`, as SAM's loop does: a
    /// cursor moves from the counter to each limit the new total passes,
    /// billing each move at the tier it leaves, then to the new total. With
    /// increasing limits each move is the part of `x` inside a tier; with
    /// the non-increasing limits that mixed `kWh/kW` block-step tiers can
    /// make, a move back is a negative amount at that tier's price, as SAM
    /// bills it (the moves still add up to `x`).
    pub fn add(&mut self, p: usize, x: Decimal, out: &mut TierKwh) -> Result<(), ElectricError> {
        let target = self.cum.checked_add(x).ok_or_else(ov)?;
        let mut cursor = self.cum;
        loop {
            let last = self.tier + 1 >= self.limits.len();
            match self.limits.get(self.tier).copied().flatten() {
                Some(u) if !last && target > u => {
                    let q = u.checked_sub(cursor).ok_or_else(ov)?;
                    if !q.is_zero() {
                        out.add(p, self.tier, q)?;
                    }
                    cursor = u;
                    self.tier += 1;
                }
                _ => {
                    let q = target.checked_sub(cursor).ok_or_else(ov)?;
                    if !q.is_zero() {
                        out.add(p, self.tier, q)?;
                    }
                    self.cum = target;
                    return Ok(());
                }
            }
        }
    }
}

/// [`Fill`] in integer micro-kWh, for months whose tier limits are whole
/// micro-kWh (every `kWh` and `kWh daily` tier; `kWh/kW` ones when the
/// billing demand makes them so): the same kWh per tier, a few integer
/// operations per interval.
#[derive(Debug, Clone)]
pub(super) struct IntFill {
    limits: Vec<i64>,
    tiers: usize,
    cum: i64,
    tier: usize,
    /// What the current tier still holds.
    room: i64,
    /// micro-kWh per (period, tier), `p * tiers + k`.
    pub acc: Vec<i64>,
}

impl IntFill {
    /// A counter at 0 over `eff` for `periods` periods; `None` when a limit
    /// is not a whole number of micro-kWh (use [`Fill`]).
    pub fn new(eff: &[EffTier], periods: usize) -> Option<IntFill> {
        let last = eff.len().saturating_sub(1);
        let mut limits = Vec::with_capacity(eff.len());
        for (k, t) in eff.iter().enumerate() {
            let l = match t.limit {
                Some(u) if k < last => {
                    let micro = u.checked_mul(Decimal::from(1_000_000))?;
                    if micro.fract() != Decimal::ZERO {
                        return None;
                    }
                    i64::try_from(micro).ok()?.max(0)
                }
                _ => i64::MAX,
            };
            limits.push(l);
        }
        let tiers = eff.len().max(1);
        let room = limits.first().copied().unwrap_or(i64::MAX);
        Some(IntFill {
            limits,
            tiers,
            cum: 0,
            tier: 0,
            room,
            acc: vec![0; periods * tiers],
        })
    }

    /// Adds `x` micro-kWh (> 0) of period `p`: one compare and two adds
    /// while the current tier has room.
    #[inline(always)]
    pub fn add(&mut self, p: usize, x: i64) {
        if x <= self.room {
            self.room -= x;
            self.cum += x;
            if let Some(a) = self.acc.get_mut(p * self.tiers + self.tier) {
                *a += x;
            }
        } else {
            self.cross(p, x);
        }
    }

    /// [`IntFill::add`] across one or more tier limits: SAM's cursor walk
    /// of [`Fill::add`] (a limit below the cursor, from mixed `kWh/kW`
    /// block-step tiers, bills a negative amount at its tier).
    #[inline(never)]
    fn cross(&mut self, p: usize, x: i64) {
        let target = self.cum.saturating_add(x);
        let mut cursor = self.cum;
        loop {
            let last = self.tier + 1 >= self.limits.len();
            let u = self.limits.get(self.tier).copied().unwrap_or(i64::MAX);
            let slot = self.acc.get_mut(p * self.tiers + self.tier);
            if last || target <= u {
                if let Some(a) = slot {
                    *a = a.saturating_add(target - cursor);
                }
                self.cum = target;
                self.room = u.saturating_sub(target);
                return;
            }
            if let Some(a) = slot {
                *a += u - cursor;
            }
            cursor = u;
            self.tier += 1;
        }
    }

    /// The kWh per (period, tier) added so far.
    pub fn into_tier_kwh(self) -> TierKwh {
        TierKwh {
            tiers: self.tiers,
            nano: self.acc.iter().map(|&m| i128::from(m) * 1000).collect(),
        }
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
                (0, 0, 8_000_000_000),
                (0, 1, 7_000_000_000),
                (0, 2, 13_000_000_000),
                (1, 0, 2_000_000_000),
                (1, 1, 3_000_000_000),
            ]
        );
    }

    #[test]
    fn the_integer_fill_fills_as_the_decimal_one() {
        let e = eff(&[Some(10), Some(20), None]);
        let mut dec = TierKwh::new(2, 3);
        let mut f = Fill::new(&e);
        let i = IntFill::new(&e, 2);
        assert!(i.is_some(), "whole kWh limits");
        let Some(mut i) = i else {
            return;
        };
        for (p, x) in [
            (0usize, 8_000_000i64),
            (1, 5_000_000),
            (0, 20_000_000),
            (1, 1),
        ] {
            f.add(p, Decimal::new(x, 6), &mut dec).unwrap_or_default();
            i.add(p, x);
        }
        assert_eq!(i.into_tier_kwh().nano, dec.nano);
        // A limit in fractions of a micro-kWh takes the decimal path.
        let odd = vec![
            EffTier {
                src: 0,
                limit: Some(Decimal::new(1, 7)),
            },
            EffTier {
                src: 1,
                limit: None,
            },
        ];
        assert!(IntFill::new(&odd, 1).is_none());
    }

    #[test]
    fn pro_rata_shares_each_tier_by_the_periods_amounts() {
        let e = eff(&[Some(10), None]);
        let mut out = TierKwh::new(2, 2);
        pro_rata(&e, &[15_000_000, 5_000_000], &mut out).unwrap_or_default();
        let got: Vec<_> = out.entries().collect();
        assert_eq!(
            got,
            vec![
                (0, 0, 7_500_000_000),
                (0, 1, 7_500_000_000),
                (1, 0, 2_500_000_000),
                (1, 1, 2_500_000_000),
            ]
        );
    }
}
