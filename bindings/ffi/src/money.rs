//! Money across the boundary: exact decimals as decimal strings (Kotlin
//! `java.math.BigDecimal`, Swift `String`), amounts with their currency, and
//! strict parsing of amounts a user typed.

use std::str::FromStr;

use ratepayer::{Currency, Money as CoreMoney};

use crate::RatepayerError;

/// An exact decimal (rust_decimal) carried as its decimal string: `"57.22"`,
/// `"-0.125"`. Kotlin maps it to `java.math.BigDecimal`, Swift keeps the
/// `String`. Amounts of money keep their currency's minor units (`"13.10"`).
pub type ExactDecimal = rust_decimal::Decimal;

uniffi::custom_type!(ExactDecimal, String, {
    remote,
    lower: |d| d.to_string(),
    try_lift: |s| lift_decimal(&s).map_err(Into::into),
});

/// Reads the decimal string of an [`ExactDecimal`] the foreign side sent. A
/// value rust_decimal cannot hold (over 28 significant digits, an exponent)
/// raises `RatepayerError.Money` through uniffi's failed-lift handling.
fn lift_decimal(s: &str) -> Result<ExactDecimal, RatepayerError> {
    ExactDecimal::from_str(s)
        .or_else(|_| ExactDecimal::from_scientific(s))
        .map_err(|e| RatepayerError::Money {
            code: "money.decimal_out_of_range".into(),
            detail: format!(
                "`{}` cannot be held as an exact decimal ({e}); use at most 28 significant digits",
                s.chars().take(40).collect::<String>()
            ),
        })
}

/// An amount of money with its ISO 4217 currency.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Money {
    /// The amount, with the currency's minor units when rounded (`12.30`).
    pub amount: ExactDecimal,
    /// ISO 4217 code, for example `USD`.
    pub currency: String,
}

/// The amount of `m` with exactly its currency's minor units when rounded
/// (`12.30`, not `12.3`), every digit otherwise.
pub(crate) fn amount_of(m: &CoreMoney) -> ExactDecimal {
    ExactDecimal::from_str(&m.to_decimal_string()).unwrap_or_else(|_| m.amount())
}

impl From<&CoreMoney> for Money {
    fn from(m: &CoreMoney) -> Self {
        Money {
            amount: amount_of(m),
            currency: m.currency().code().to_string(),
        }
    }
}

/// The currency with ISO 4217 `code`.
pub(crate) fn currency(code: &str) -> Result<Currency, RatepayerError> {
    Ok(Currency::from_str(code)?)
}

/// Parses an amount the user typed, strictly: `"12.34"` yes; `"1,234.56"`,
/// `"12,34"`, `".5"`, `"1e3"`, `" 12"` and more digits than the currency's
/// minor units no, each with a `RatepayerError.Money` saying how to write it.
#[uniffi::export]
pub fn parse_amount(text: String, currency_code: String) -> Result<Money, RatepayerError> {
    let c = currency(&currency_code)?;
    Ok(Money::from(&CoreMoney::parse(&text, c)?))
}

/// The amount as the core writes it: exactly the currency's minor units
/// (`"12.30"`), for display next to the currency code.
#[uniffi::export]
pub fn format_amount(money: Money) -> Result<String, RatepayerError> {
    let c = currency(&money.currency)?;
    Ok(CoreMoney::new(money.amount, c).to_decimal_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_amounts_parse_strictly() {
        let m = parse_amount("12.30".into(), "USD".into());
        assert_eq!(m.map(|m| m.amount.to_string()), Ok("12.30".to_string()));
        for bad in ["1,234.56", "12,34", ".5", "1e3", " 12", "12.345", "", "abc"] {
            let e = parse_amount(bad.into(), "USD".into());
            assert!(
                matches!(e, Err(RatepayerError::Money { .. })),
                "{bad}: {e:?}"
            );
        }
        assert!(matches!(
            parse_amount("1".into(), "USS".into()),
            Err(RatepayerError::Money { ref code, .. }) if code == "money.unknown_currency"
        ));
    }

    #[test]
    fn lifting_refuses_out_of_range_decimals_with_a_typed_error() {
        assert!(lift_decimal("1.5").is_ok());
        assert!(lift_decimal("1E+2").is_ok());
        let huge = "9".repeat(40);
        assert!(matches!(
            lift_decimal(&huge),
            Err(RatepayerError::Money { .. })
        ));
    }

    #[test]
    fn formatting_keeps_minor_units() {
        let m = Money {
            amount: ExactDecimal::new(123, 1),
            currency: "USD".into(),
        };
        assert_eq!(format_amount(m), Ok("12.30".to_string()));
    }
}
