//! Serde support for decimal numbers in tariff and profile files.
//!
//! A number may be written as a string (`"0.0345"`, parsed strictly) or as a
//! TOML/JSON number. A floating-point number is read back through its shortest
//! round-trip text, so `0.0345` in a TOML file is exactly `0.0345`, never
//! `0.03449999…`. NaN and infinities are refused.

use rust_decimal::Decimal;
use serde::de::{self, Visitor};
use serde::{Deserializer, Serializer};
use std::fmt;

use super::parse::parse_decimal;

struct DecimalVisitor;

impl Visitor<'_> for DecimalVisitor {
    type Value = Decimal;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a decimal number such as 12.34 or \"12.34\"")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Decimal, E> {
        parse_decimal(v).map_err(E::custom)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Decimal, E> {
        Ok(Decimal::from(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Decimal, E> {
        Ok(Decimal::from(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Decimal, E> {
        if !v.is_finite() {
            return Err(E::custom("a number must be finite (not NaN or infinity)"));
        }
        // Rust's Display for f64 is the shortest text that reads back to the
        // same float, and never uses an exponent.
        let text = format!("{v}");
        parse_decimal(&text).map_err(E::custom)
    }
}

/// Deserializes a [`Decimal`] from a string or a number.
pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
    d.deserialize_any(DecimalVisitor)
}

/// Serializes a [`Decimal`] as its exact decimal string.
pub fn serialize<S: Serializer>(v: &Decimal, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(v)
}

/// The same for `Option<Decimal>` (use with `#[serde(default)]`).
pub mod option {
    use super::*;

    /// Deserializes a present value as a [`Decimal`].
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
        d.deserialize_any(DecimalVisitor).map(Some)
    }

    /// Serializes `Some` as a decimal string and `None` as none.
    pub fn serialize<S: Serializer>(v: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => s.collect_str(v),
            None => s.serialize_none(),
        }
    }
}

#[cfg(test)]
mod tests {
    use rust_decimal::Decimal;
    use serde::Deserialize;
    use std::str::FromStr;

    #[derive(Deserialize)]
    struct T {
        #[serde(with = "super")]
        x: Decimal,
    }

    #[test]
    fn toml_floats_keep_the_digits_written() {
        let t: Result<T, _> = toml::from_str("x = 0.0345");
        assert_eq!(t.map(|t| t.x).ok(), Decimal::from_str("0.0345").ok());
        let t: Result<T, _> = toml::from_str("x = \"1.10\"");
        assert_eq!(t.map(|t| t.x.to_string()).ok(), Some("1.10".to_string()));
        let t: Result<T, _> = serde_json::from_str("{\"x\": 7}");
        assert_eq!(t.map(|t| t.x).ok(), Some(Decimal::from(7)));
    }

    #[test]
    fn bad_numbers_are_refused() {
        assert!(toml::from_str::<T>("x = nan").is_err());
        assert!(toml::from_str::<T>("x = inf").is_err());
        assert!(toml::from_str::<T>("x = \"1,5\"").is_err());
        assert!(toml::from_str::<T>("x = true").is_err());
    }
}
