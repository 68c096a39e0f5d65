//! Strict parsing of decimal numbers and money amounts typed by people or
//! written in tariff files: `"12.34"` is accepted, anything that could be read
//! two ways (`"1,234"`, `"12,34"`, `".5"`, `"1e3"`, `" 12"`) is refused.

use std::str::FromStr;

use rust_decimal::Decimal;

use super::MoneyError;

/// The longest text accepted as a number.
const MAX_LEN: usize = 40;

/// Shortens user input for an error message: its first 40 characters,
/// with `…` when cut.
pub fn excerpt(input: &str) -> String {
    let mut s: String = input.chars().take(MAX_LEN).collect();
    if input.chars().count() > MAX_LEN {
        s.push('…');
    }
    s
}

/// Parses a plain decimal number: an optional `-`, digits, and optionally a
/// `.` followed by digits. No sign `+`, no grouping, no exponent, no spaces,
/// no leading zeros (`"0.5"` is fine, `"00.5"` and `"05"` are not).
pub fn parse_decimal(input: &str) -> Result<Decimal, MoneyError> {
    let bad = |reason: &'static str| MoneyError::Malformed {
        input: excerpt(input),
        reason,
    };
    if input.is_empty() {
        return Err(MoneyError::Empty);
    }
    if input.len() > MAX_LEN {
        return Err(bad("it is too long; a number has at most 40 characters"));
    }
    if input.trim() != input {
        return Err(bad("it has spaces around it; remove them"));
    }
    let unsigned = match input.strip_prefix('-') {
        Some(rest) => rest,
        None if input.starts_with('+') => {
            return Err(bad("it has a '+' sign; write the number without it"))
        }
        None => input,
    };
    if unsigned.contains(',') {
        return Err(bad(
            "a comma could be a thousands separator or a decimal comma; write digits with a '.' decimal point, for example 1234.56",
        ));
    }
    let (int, frac) = match unsigned.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (unsigned, None),
    };
    if let Some(c) = unsigned.chars().find(|c| !c.is_ascii_digit() && *c != '.') {
        return Err(MoneyError::InvalidCharacter {
            input: excerpt(input),
            character: c,
        });
    }
    if int.is_empty() {
        return Err(bad(
            "it has no digit before the decimal point; write 0.5, not .5",
        ));
    }
    match frac {
        Some("") => {
            return Err(bad(
                "it has no digit after the decimal point; write 5 or 5.0",
            ))
        }
        Some(f) if f.contains('.') => return Err(bad("it has more than one decimal point")),
        _ => {}
    }
    if int.len() > 1 && int.starts_with('0') {
        return Err(bad("it has a leading zero; write 5, not 05"));
    }
    Decimal::from_str(input).map_err(|_| bad("it is too large or has too many digits"))
}

/// Parses an amount of money in a currency with `minor_units` digits after the
/// point: `"12.34"` or `"12"` for USD; `"12.345"` is refused for USD because it
/// cannot be paid without rounding.
pub fn parse_amount_digits(input: &str, minor_units: u32) -> Result<Decimal, MoneyError> {
    let value = parse_decimal(input)?;
    if value.scale() > minor_units {
        return Err(MoneyError::TooManyDecimals {
            input: excerpt(input),
            max: minor_units,
        });
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_amounts_are_accepted() {
        for ok in ["12.34", "0", "0.5", "-3.75", "1234567.89", "10"] {
            assert!(parse_decimal(ok).is_ok(), "{ok} refused");
        }
        assert_eq!(
            parse_decimal("12.34").map(|d| d.to_string()),
            Ok("12.34".into())
        );
    }

    #[test]
    fn ambiguous_amounts_are_refused() {
        for bad in [
            "",
            " 12",
            "12 ",
            "+1",
            "1,234.56",
            "12,34",
            ".5",
            "5.",
            "1e3",
            "0x10",
            "NaN",
            "inf",
            "$12",
            "05",
            "00.5",
            "1.2.3",
            "--1",
            "-",
            "١٢",
            "12.3.",
            "1_000",
            "99999999999999999999999999999999",
        ] {
            assert!(parse_decimal(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn amounts_respect_minor_units() {
        assert!(parse_amount_digits("12.345", 2).is_err());
        assert!(parse_amount_digits("12.34", 2).is_ok());
        assert!(parse_amount_digits("12.3", 0).is_err());
        assert!(parse_amount_digits("1.234", 3).is_ok());
    }
}
