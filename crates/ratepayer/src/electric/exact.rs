//! Exact integer arithmetic of the electric billing pass: rounding to the
//! cent, products and sums of amounts, and the pro-rata split of tiers,
//! each giving what the `Decimal` operation gives (tested against it) without
//! its general 96-bit path.

use rust_decimal::Decimal;

use super::ElectricError;
use crate::{RoundingMode, RoundingPolicy};

/// `value` rounded to `dp` places under `policy`'s mode: integer arithmetic
/// when the mantissa and the divisor fit 64 bits (every usual bill line),
/// else [`RoundingPolicy::round`]. Both give the same result.
#[inline]
pub(crate) fn round(policy: RoundingPolicy, value: Decimal, dp: u32) -> Decimal {
    let scale = value.scale();
    if scale <= dp {
        return value;
    }
    let k = scale - dp;
    let Some((m, (q, r, pow))) = i64::try_from(value.mantissa())
        .ok()
        .and_then(|m| Some((m, div_pow10(m, k)?)))
    else {
        return policy.round(value, dp);
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
    Decimal::try_new(q, dp).unwrap_or_else(|_| policy.round(value, dp))
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

/// `mantissa × 10^-scale × rate` exactly, by one integer multiplication,
/// when it fits a `Decimal` at the sum of the scales (what
/// `Decimal::checked_mul` gives then, with its general 96-bit path; a zero
/// product is its plain zero); `None` otherwise.
#[inline]
pub(crate) fn exact_product(mantissa: i128, scale: u32, rate: Decimal) -> Option<Decimal> {
    let product = mantissa.checked_mul(rate.mantissa())?;
    if product == 0 {
        return Some(Decimal::ZERO);
    }
    Decimal::try_from_i128_with_scale(product, scale + rate.scale()).ok()
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

/// `10^k` for k ≤ [`SUM_DP`].
#[inline]
fn pow10(k: u32) -> Option<i128> {
    // The loop's indexes stay below 19 (checked at compile time).
    #[allow(clippy::indexing_slicing)]
    const POW10: [i128; 19] = {
        let mut t = [1i128; 19];
        let mut i = 1;
        while i < 19 {
            t[i] = t[i - 1] * 10;
            i += 1;
        }
        t
    };
    POW10.get(k as usize).copied()
}

/// A running sum of amounts with the value, scale and sign that adding them
/// one by one to `Decimal::ZERO` gives (`Decimal` addition keeps the larger
/// scale; adding a zero changes nothing; adding to a zero gives the other
/// operand as it is), without the decimal path: amounts with at most 18
/// places (every rounded line, every usual product) are added as integers at
/// 10^-18; others (a yearly charge divided by 12, at 28 places) as decimals,
/// joined once at the end. A sum with more digits than a `Decimal` holds is
/// rounded once at the end, where sequential addition rounds at each step.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sum {
    units: i128,
    scale: u32,
    negative_zero: bool,
    rest: Decimal,
}

impl Sum {
    /// Nothing added yet.
    pub const ZERO: Sum = Sum {
        units: 0,
        scale: 0,
        negative_zero: false,
        rest: Decimal::ZERO,
    };

    /// Adds `amount`.
    #[inline]
    pub fn add(&mut self, amount: Decimal) -> Result<(), ElectricError> {
        let s = amount.scale();
        if amount.is_zero() {
            if self.units == 0 {
                // Zero plus a zero is the second zero, scale and sign.
                self.scale = s;
                self.negative_zero = amount.is_sign_negative();
            }
            return Ok(());
        }
        let exact = (s <= SUM_DP)
            .then(|| pow10(SUM_DP - s))
            .flatten()
            .and_then(|p| amount.mantissa().checked_mul(p))
            .and_then(|u| self.units.checked_add(u));
        match exact {
            Some(units) => {
                self.scale = if self.units == 0 {
                    s
                } else {
                    self.scale.max(s)
                };
                self.units = units;
                self.negative_zero = false;
            }
            None => {
                self.rest = self
                    .rest
                    .checked_add(amount)
                    .ok_or(ElectricError::Overflow("a sum of charges"))?;
            }
        }
        Ok(())
    }

    /// The sum.
    pub fn value(&self) -> Result<Decimal, ElectricError> {
        let over = || ElectricError::Overflow("a sum of charges");
        let units = pow10(SUM_DP - self.scale)
            .map(|p| self.units / p)
            .ok_or_else(over)?;
        let mut exact = fit(units, self.scale).ok_or_else(over)?;
        if units == 0 && self.negative_zero {
            exact.set_sign_negative(true);
        }
        if self.rest.is_zero() && self.rest.scale() == 0 {
            return Ok(exact);
        }
        exact.checked_add(self.rest).ok_or_else(over)
    }
}
