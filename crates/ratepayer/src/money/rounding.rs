//! The rounding policy a utility bills under: how a half cent is rounded and
//! whether every bill line or only the bill total is rounded.

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

/// How a value exactly half-way between two minor units is rounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum RoundingMode {
    /// 0.125 -> 0.13, -0.125 -> -0.13 (away from zero): the usual utility rule.
    #[default]
    HalfUp,
    /// 0.125 -> 0.12, 0.135 -> 0.14 (to the even neighbour): banker's rounding.
    HalfEven,
}

/// Which amounts on a bill are rounded to the currency's minor units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum RoundingScope {
    /// Every line is rounded, and the total is the sum of the rounded lines.
    #[default]
    PerLine,
    /// Lines keep their full precision; only the total is rounded.
    TotalOnly,
}

/// A utility's rounding policy: a [`RoundingMode`] and a [`RoundingScope`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RoundingPolicy {
    /// How halves are rounded.
    #[serde(default)]
    pub mode: RoundingMode,
    /// Which amounts are rounded.
    #[serde(default)]
    pub scope: RoundingScope,
}

impl RoundingPolicy {
    /// Half-up, every line rounded: the default.
    pub const PER_LINE_HALF_UP: RoundingPolicy = RoundingPolicy {
        mode: RoundingMode::HalfUp,
        scope: RoundingScope::PerLine,
    };
    /// Half-up, only the total rounded (how NREL SAM compares bills).
    pub const TOTAL_ONLY_HALF_UP: RoundingPolicy = RoundingPolicy {
        mode: RoundingMode::HalfUp,
        scope: RoundingScope::TotalOnly,
    };

    /// Rounds `value` to `dp` decimal places under this policy's mode.
    pub fn round(&self, value: Decimal, dp: u32) -> Decimal {
        let strategy = match self.mode {
            RoundingMode::HalfUp => RoundingStrategy::MidpointAwayFromZero,
            RoundingMode::HalfEven => RoundingStrategy::MidpointNearestEven,
        };
        value.round_dp_with_strategy(dp, strategy)
    }

    /// Rounds a bill line: to `dp` places under [`RoundingScope::PerLine`],
    /// untouched under [`RoundingScope::TotalOnly`].
    pub fn round_line(&self, value: Decimal, dp: u32) -> Decimal {
        match self.scope {
            RoundingScope::PerLine => self.round(value, dp),
            RoundingScope::TotalOnly => value,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap_or_default()
    }

    #[test]
    fn half_up_and_half_even_differ_only_on_exact_halves() {
        let up = RoundingPolicy::PER_LINE_HALF_UP;
        let even = RoundingPolicy {
            mode: RoundingMode::HalfEven,
            scope: RoundingScope::PerLine,
        };
        assert_eq!(up.round(d("0.125"), 2), d("0.13"));
        assert_eq!(even.round(d("0.125"), 2), d("0.12"));
        assert_eq!(even.round(d("0.135"), 2), d("0.14"));
        assert_eq!(up.round(d("-0.125"), 2), d("-0.13"));
        assert_eq!(up.round(d("0.1251"), 2), even.round(d("0.1251"), 2));
    }

    #[test]
    fn total_only_leaves_lines_unrounded() {
        let p = RoundingPolicy::TOTAL_ONLY_HALF_UP;
        assert_eq!(p.round_line(d("1.23456"), 2), d("1.23456"));
        assert_eq!(
            RoundingPolicy::PER_LINE_HALF_UP.round_line(d("1.23456"), 2),
            d("1.23")
        );
    }
}
