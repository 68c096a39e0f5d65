//! Money: an exact decimal amount in an ISO 4217 currency, with checked
//! arithmetic, an explicit rounding policy and strict parsing. Never a float.

mod currency;
mod parse;
mod rounding;
pub mod serde_decimal;

use std::fmt;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use thiserror::Error;

pub use currency::Currency;
pub use parse::excerpt;
pub use parse::{parse_amount_digits, parse_decimal};
pub use rounding::{RoundingMode, RoundingPolicy, RoundingScope};

/// What was wrong with an amount, a currency or a money operation.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MoneyError {
    /// The text was empty.
    #[error("the amount is empty; write a number such as 12.34")]
    Empty,
    /// The text is not a plain decimal number.
    #[error("`{input}` is not a valid amount: {reason}")]
    Malformed {
        /// The text (shortened).
        input: String,
        /// Why it was refused and how to write it.
        reason: &'static str,
    },
    /// A character that has no place in a number.
    #[error("`{input}` is not a valid amount: `{character}` is not allowed; use digits, one '.' and an optional leading '-'")]
    InvalidCharacter {
        /// The text (shortened).
        input: String,
        /// The first offending character.
        character: char,
    },
    /// More digits after the point than the currency has minor units.
    #[error("`{input}` has more than {max} digits after the decimal point; amounts in this currency are in units of 10^-{max}")]
    TooManyDecimals {
        /// The text (shortened).
        input: String,
        /// The currency's minor units.
        max: u32,
    },
    /// Not an ISO 4217 code.
    #[error("`{code}` is not an ISO 4217 currency code; use three upper-case letters such as USD")]
    UnknownCurrency {
        /// The code given (shortened).
        code: String,
    },
    /// Two amounts in different currencies were combined.
    #[error("cannot combine {left} with {right}: amounts are in different currencies")]
    CurrencyMismatch {
        /// Currency of the left operand.
        left: Currency,
        /// Currency of the right operand.
        right: Currency,
    },
    /// The result does not fit a 96-bit decimal.
    #[error("the result of {operation} is too large to represent exactly")]
    Overflow {
        /// The operation that overflowed.
        operation: &'static str,
    },
}

/// An exact amount of money in one currency.
///
/// The amount may carry more digits than the currency's minor units (a
/// per-unit rate times a usage, before rounding); [`Money::round`] applies a
/// [`RoundingPolicy`]. Arithmetic is checked: combining currencies or
/// overflowing is an error, never a silent loss.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    #[serde(with = "serde_decimal")]
    amount: Decimal,
    currency: Currency,
}

impl Money {
    /// Money of `amount` in `currency` (not rounded).
    pub fn new(amount: Decimal, currency: Currency) -> Money {
        Money { amount, currency }
    }

    /// Zero in `currency`.
    pub fn zero(currency: Currency) -> Money {
        Money::new(Decimal::ZERO, currency)
    }

    /// Parses an amount strictly (see [`parse_decimal`]); it may not have more
    /// digits after the point than the currency's minor units.
    pub fn parse(input: &str, currency: Currency) -> Result<Money, MoneyError> {
        parse_amount_digits(input, currency.minor_units()).map(|a| Money::new(a, currency))
    }

    /// The exact amount.
    pub fn amount(&self) -> Decimal {
        self.amount
    }

    /// The currency.
    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// True when the amount is below zero.
    pub fn is_negative(&self) -> bool {
        self.amount.is_sign_negative() && !self.amount.is_zero()
    }

    fn same_currency(&self, other: &Money) -> Result<(), MoneyError> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(MoneyError::CurrencyMismatch {
                left: self.currency,
                right: other.currency,
            })
        }
    }

    /// `self + other`, refusing mixed currencies and overflow.
    pub fn checked_add(&self, other: &Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        self.amount
            .checked_add(other.amount)
            .map(|a| Money::new(a, self.currency))
            .ok_or(MoneyError::Overflow {
                operation: "an addition",
            })
    }

    /// `self - other`, refusing mixed currencies and overflow.
    pub fn checked_sub(&self, other: &Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        self.amount
            .checked_sub(other.amount)
            .map(|a| Money::new(a, self.currency))
            .ok_or(MoneyError::Overflow {
                operation: "a subtraction",
            })
    }

    /// `self × factor` (a quantity or a percentage as a fraction), refusing overflow.
    pub fn checked_mul(&self, factor: Decimal) -> Result<Money, MoneyError> {
        self.amount
            .checked_mul(factor)
            .map(|a| Money::new(a, self.currency))
            .ok_or(MoneyError::Overflow {
                operation: "a multiplication",
            })
    }

    /// Sums amounts of one currency; an empty list sums to zero in `currency`.
    pub fn sum<'a>(
        currency: Currency,
        items: impl IntoIterator<Item = &'a Money>,
    ) -> Result<Money, MoneyError> {
        items
            .into_iter()
            .try_fold(Money::zero(currency), |acc, m| acc.checked_add(m))
    }

    /// Rounds to the currency's minor units under `policy`'s mode.
    pub fn round(&self, policy: RoundingPolicy) -> Money {
        Money::new(
            policy.round(self.amount, self.currency.minor_units()),
            self.currency,
        )
    }

    /// True when the amount has no more digits than the currency's minor units.
    pub fn is_rounded(&self) -> bool {
        self.amount.normalize().scale() <= self.currency.minor_units()
    }

    /// The amount as text with exactly the currency's minor units when it is
    /// rounded (`"3.75"`, `"12.00"`), or every digit it has otherwise.
    pub fn to_decimal_string(&self) -> String {
        let minor = self.currency.minor_units();
        let mut a = self.amount;
        if a.scale() < minor {
            a.rescale(minor);
        } else if self.is_rounded() {
            a = a.round_dp(minor);
            a.rescale(minor);
        }
        a.to_string()
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.to_decimal_string(), self.currency)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn usd(s: &str) -> Money {
        Money::new(Decimal::from_str(s).unwrap_or_default(), Currency::USD)
    }

    #[test]
    fn arithmetic_is_exact() {
        let a = usd("0.1");
        let b = usd("0.2");
        assert_eq!(a.checked_add(&b), Ok(usd("0.3")));
        assert_eq!(usd("10").checked_mul(Decimal::new(3, 2)), Ok(usd("0.30")));
        assert_eq!(
            Money::sum(Currency::USD, &[usd("1.10"), usd("2.20")]),
            Ok(usd("3.30"))
        );
    }

    #[test]
    fn mixed_currencies_are_refused() {
        let e = Money::zero(Currency::EUR);
        assert!(matches!(
            usd("1").checked_add(&e),
            Err(MoneyError::CurrencyMismatch { .. })
        ));
    }

    #[test]
    fn overflow_is_an_error() {
        let big = Money::new(Decimal::MAX, Currency::USD);
        assert!(big.checked_add(&usd("1")).is_err());
        assert!(big.checked_mul(Decimal::TWO).is_err());
    }

    #[test]
    fn display_shows_minor_units() {
        assert_eq!(usd("12").to_string(), "12.00 USD");
        assert_eq!(usd("3.750").to_decimal_string(), "3.75");
        assert_eq!(usd("0.125").to_decimal_string(), "0.125");
        assert_eq!(
            Money::new(Decimal::from(5), Currency::JPY).to_string(),
            "5 JPY"
        );
    }

    #[test]
    fn parse_is_strict_about_minor_units() {
        assert_eq!(Money::parse("12.34", Currency::USD), Ok(usd("12.34")));
        assert!(Money::parse("12.345", Currency::USD).is_err());
        assert!(Money::parse("12.3", Currency::JPY).is_err());
    }
}
