//! Exact integer arithmetic of the electric billing pass: rounding to the
//! cent, products and sums of amounts, and the pro-rata split of tiers,
//! each giving what the `Decimal` operation gives (tested against it) without
//! its general 96-bit path.

use rust_decimal::Decimal;

use super::ElectricError;
use crate::{RoundingMode, RoundingPolicy};

/// An exact amount by its integer parts, `m × 10^-scale`: what the billing
/// pass computes and sums before it makes a `Decimal` for a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Amount {
    /// Mantissa.
    pub m: i128,
    /// Decimal places.
    pub scale: u32,
}

impl Amount {
    /// The parts of `d` (a negative zero becomes zero).
    #[inline]
    pub fn of(d: Decimal) -> Amount {
        Amount {
            m: d.mantissa(),
            scale: d.scale(),
        }
    }

    /// `mantissa × 10^-scale × rate` exactly, by one integer multiplication,
    /// when it fits a `Decimal` at the sum of the scales: the digits
    /// `Decimal::checked_mul` gives then with its general 96-bit path (a
    /// zero product is its plain zero). `None` otherwise.
    #[inline]
    pub fn product(mantissa: i128, scale: u32, rate: Decimal) -> Option<Amount> {
        let m = mantissa.checked_mul(rate.mantissa())?;
        if m == 0 {
            return Some(Amount { m: 0, scale: 0 });
        }
        let scale = scale + rate.scale();
        (scale <= 28 && m.unsigned_abs() < 1u128 << 96).then_some(Amount { m, scale })
    }

    /// `quantity × rate`, as [`Amount::product`] or, when that does not
    /// fit, as `Decimal::checked_mul` gives it; `what` names the charge in
    /// the overflow error.
    #[inline]
    pub fn times(
        quantity: Decimal,
        rate: Decimal,
        what: &'static str,
    ) -> Result<Amount, ElectricError> {
        Amount::product(quantity.mantissa(), quantity.scale(), rate)
            .or_else(|| quantity.checked_mul(rate).map(Amount::of))
            .ok_or_else(|| ov(what))
    }

    /// The amount as a `Decimal`.
    #[inline]
    pub fn to_decimal(self) -> Result<Decimal, ElectricError> {
        Decimal::try_from_i128_with_scale(self.m, self.scale).map_err(|_| ov("a charge"))
    }

    /// Rounded to `dp` places under `policy`'s mode: integer arithmetic when
    /// the mantissa and the divisor fit 64 bits (every usual bill line), else
    /// [`RoundingPolicy::round`]. Both give the same result.
    #[inline]
    pub fn round(self, policy: RoundingPolicy, dp: u32) -> Result<Amount, ElectricError> {
        if self.scale <= dp {
            return Ok(self);
        }
        let k = self.scale - dp;
        let Some((m, (q, r, pow))) = i64::try_from(self.m)
            .ok()
            .and_then(|m| Some((m, div_pow10(m, k)?)))
        else {
            return Ok(Amount::of(policy.round(self.to_decimal()?, dp)));
        };
        let twice = r.unsigned_abs().saturating_mul(2);
        let pow_u = pow.unsigned_abs();
        let away = twice > pow_u
            || (twice == pow_u
                && match policy.mode {
                    RoundingMode::HalfUp => true,
                    RoundingMode::HalfEven => q % 2 != 0,
                });
        let q = if away { q + m.signum() } else { q };
        Ok(Amount {
            m: i128::from(q),
            scale: dp,
        })
    }
}

/// `value` rounded to `dp` places under `policy`'s mode, by
/// [`Amount::round`]: what [`RoundingPolicy::round`] gives (the tests'
/// handle on [`Amount::round`]).
#[cfg(test)]
pub(crate) fn round(policy: RoundingPolicy, value: Decimal, dp: u32) -> Decimal {
    Amount::of(value)
        .round(policy, dp)
        .and_then(Amount::to_decimal)
        .unwrap_or_else(|_| policy.round(value, dp))
}

/// `(m / 10^k, m % 10^k, 10^k)` for k ≤ 18, each divisor a constant (the
/// compiler turns it into a multiplication; a 64-bit `idiv` costs ~40 cycles).
#[inline]
fn div_pow10(m: i64, k: u32) -> Option<(i64, i64, i64)> {
    macro_rules! by {
        ($p:expr) => {
            Some((m / $p, m % $p, $p))
        };
    }
    match k {
        1 => by!(10),
        2 => by!(100),
        3 => by!(1_000),
        4 => by!(10_000),
        5 => by!(100_000),
        6 => by!(1_000_000),
        7 => by!(10_000_000),
        8 => by!(100_000_000),
        9 => by!(1_000_000_000),
        10 => by!(10_000_000_000),
        11 => by!(100_000_000_000),
        12 => by!(1_000_000_000_000),
        13 => by!(10_000_000_000_000),
        14 => by!(100_000_000_000_000),
        15 => by!(1_000_000_000_000_000),
        16 => by!(10_000_000_000_000_000),
        17 => by!(100_000_000_000_000_000),
        18 => by!(1_000_000_000_000_000_000),
        _ => None,
    }
}

/// `d` kWh in integer nano-kWh (rounded half-even).
pub(crate) fn to_nano(d: Decimal) -> Result<i128, ElectricError> {
    let n = d
        .checked_mul(Decimal::from(1_000_000_000u32))
        .ok_or_else(|| ov("a tier"))?
        .round();
    i128::try_from(n).map_err(|_| ov("a tier"))
}

/// `part × tier / total`, rounded half away from zero (integers; `total` > 0).
pub(crate) fn pro_rata(part: i128, tier: i128, total: i128) -> Result<i128, ElectricError> {
    let num = part.checked_mul(tier).ok_or_else(|| ov("an energy tier"))?;
    let q = num / total;
    let r = num % total;
    Ok(if 2 * r.abs() >= total {
        q + num.signum()
    } else {
        q
    })
}

pub(crate) fn ov(what: &'static str) -> ElectricError {
    ElectricError::Overflow(what)
}

/// Decimal places of the integer part of a [`Sum`].
const SUM_DP: u32 = 18;

/// `units × 10^-scale` as a `Decimal`, rounded half-even to fewer places
/// when it has more digits than a `Decimal` holds (28 to 29).
fn fit(mut units: i128, mut scale: u32) -> Option<Decimal> {
    loop {
        if let Ok(d) = Decimal::try_from_i128_with_scale(units, scale) {
            return Some(d);
        }
        if scale == 0 {
            return None;
        }
        let (q, r) = (units / 10, units % 10);
        let up = r.abs() > 5 || (r.abs() == 5 && q % 2 != 0);
        units = if up { q + units.signum() } else { q };
        scale -= 1;
    }
}

/// `10^k` for k ≤ [`SUM_DP`] (`None` above).
#[inline]
fn pow10(k: u32) -> Option<i64> {
    const POW10: [i64; 19] = [
        1,
        10,
        100,
        1_000,
        10_000,
        100_000,
        1_000_000,
        10_000_000,
        100_000_000,
        1_000_000_000,
        10_000_000_000,
        100_000_000_000,
        1_000_000_000_000,
        10_000_000_000_000,
        100_000_000_000_000,
        1_000_000_000_000_000,
        10_000_000_000_000_000,
        100_000_000_000_000_000,
        1_000_000_000_000_000_000,
    ];
    POW10.get(k as usize).copied()
}

/// A running sum of amounts with the value and scale that adding them one by
/// one to `Decimal::ZERO` gives (`Decimal` addition keeps the larger scale;
/// adding a zero changes nothing; adding to a zero gives the other operand
/// as it is), without the decimal path: amounts with at most 18 places
/// (every rounded line, every usual product) are added as integers at
/// 10^-18; others (a yearly charge divided by 12, at 28 places) as decimals,
/// joined once at the end. A sum with more digits than a `Decimal` holds is
/// rounded once at the end, where sequential addition rounds at each step.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sum {
    units: i128,
    scale: u32,
    rest: Decimal,
}

impl Default for Sum {
    fn default() -> Sum {
        Sum::ZERO
    }
}

impl Sum {
    /// Nothing added yet.
    pub const ZERO: Sum = Sum {
        units: 0,
        scale: 0,
        rest: Decimal::ZERO,
    };

    /// Adds `amount`.
    #[inline]
    pub fn add(&mut self, amount: Amount) -> Result<(), ElectricError> {
        let s = amount.scale;
        if amount.m == 0 {
            if self.units == 0 {
                // Zero plus a zero is the second zero.
                self.scale = s;
            }
            return Ok(());
        }
        // A widening 64 × 64-bit multiplication in the usual case.
        let exact = match (i64::try_from(amount.m), pow10(SUM_DP.wrapping_sub(s))) {
            (Ok(m), Some(p)) => Some(i128::from(m) * i128::from(p)),
            (Err(_), Some(p)) => amount.m.checked_mul(i128::from(p)),
            (_, None) => None,
        }
        .and_then(|u| self.units.checked_add(u));
        match exact {
            Some(units) => {
                self.scale = if self.units == 0 {
                    s
                } else {
                    self.scale.max(s)
                };
                self.units = units;
            }
            None => {
                self.rest = self
                    .rest
                    .checked_add(amount.to_decimal()?)
                    .ok_or(ElectricError::Overflow("a sum of charges"))?;
            }
        }
        Ok(())
    }

    /// The sum.
    pub fn value(&self) -> Result<Decimal, ElectricError> {
        let over = || ElectricError::Overflow("a sum of charges");
        let units = pow10(SUM_DP - self.scale)
            .map(|p| self.units / i128::from(p))
            .ok_or_else(over)?;
        let exact = fit(units, self.scale).ok_or_else(over)?;
        if self.rest.is_zero() && self.rest.scale() == 0 {
            return Ok(exact);
        }
        exact.checked_add(self.rest).ok_or_else(over)
    }
}
