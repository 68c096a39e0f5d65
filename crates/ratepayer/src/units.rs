//! Units of metered service (gallons, thousand gallons, cubic feet, CCF, m³,
//! kWh, therms), quantities in them, and exact conversions between them.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// A unit of metered service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Unit {
    /// US gallon (231 in³).
    #[serde(rename = "gal", alias = "gallon", alias = "gallons")]
    Gallon,
    /// Thousand US gallons, the usual water billing unit in the US.
    #[serde(rename = "kgal", alias = "thousand_gallons")]
    Kgal,
    /// Cubic foot.
    #[serde(rename = "ft3", alias = "cubic_feet", alias = "cf")]
    CubicFoot,
    /// Hundred cubic feet (CCF, also called HCF).
    #[serde(rename = "ccf", alias = "hcf")]
    Ccf,
    /// Cubic metre.
    #[serde(rename = "m3", alias = "cubic_metres", alias = "cubic_meters")]
    CubicMetre,
    /// Kilowatt-hour.
    #[serde(rename = "kwh", alias = "kWh")]
    Kwh,
    /// US therm (100,000 BTU = 105.4804 MJ).
    #[serde(rename = "therm", alias = "therms")]
    Therm,
}

/// What a unit measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dimension {
    /// Gallons, cubic feet, CCF, m³.
    Volume,
    /// kWh, therms.
    Energy,
}

/// Why a quantity could not be converted.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum UnitError {
    /// A volume cannot become an energy (or back) without a heat content.
    #[error("cannot convert {from} to {to} without a heat content; set `therms_per_ccf` on the tariff (for example 1.037)")]
    NeedsHeatContent {
        /// Source unit.
        from: Unit,
        /// Target unit.
        to: Unit,
    },
    /// The heat content given is zero or negative.
    #[error("the heat content must be above zero, got {0} therms per CCF")]
    BadHeatContent(Decimal),
    /// The value is too large to convert.
    #[error("the quantity {0} is too large to convert")]
    Overflow(Decimal),
    /// The text names no unit.
    #[error("`{0}` is not a unit; use one of gal, kgal, ft3, ccf, m3, kwh, therm")]
    Unknown(String),
}

impl Unit {
    /// Every unit.
    pub const ALL: [Unit; 7] = [
        Unit::Gallon,
        Unit::Kgal,
        Unit::CubicFoot,
        Unit::Ccf,
        Unit::CubicMetre,
        Unit::Kwh,
        Unit::Therm,
    ];

    /// What the unit measures.
    pub fn dimension(self) -> Dimension {
        match self {
            Unit::Kwh | Unit::Therm => Dimension::Energy,
            _ => Dimension::Volume,
        }
    }

    /// The short symbol, as written in files (`"kgal"`, `"m3"`).
    pub fn symbol(self) -> &'static str {
        match self {
            Unit::Gallon => "gal",
            Unit::Kgal => "kgal",
            Unit::CubicFoot => "ft3",
            Unit::Ccf => "ccf",
            Unit::CubicMetre => "m3",
            Unit::Kwh => "kwh",
            Unit::Therm => "therm",
        }
    }

    /// Size in the dimension's base unit: m³ for volume, kWh for energy.
    /// Every factor is exact (the gallon is 0.003785411784 m³ by definition).
    fn base_factor(self) -> Decimal {
        match self {
            Unit::Gallon => Decimal::from_i128_with_scale(3_785_411_784, 12),
            Unit::Kgal => Decimal::from_i128_with_scale(3_785_411_784, 9),
            Unit::CubicFoot => Decimal::from_i128_with_scale(28_316_846_592, 12),
            Unit::Ccf => Decimal::from_i128_with_scale(28_316_846_592, 10),
            Unit::CubicMetre | Unit::Kwh => Decimal::ONE,
            // 105,480,400 J / 3,600,000 J per kWh
            Unit::Therm => {
                Decimal::from_i128_with_scale(1_054_804, 0)
                    / Decimal::from_i128_with_scale(36_000, 0)
            }
        }
    }
}

impl fmt::Display for Unit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.symbol())
    }
}

impl FromStr for Unit {
    type Err = UnitError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Unit::ALL
            .into_iter()
            .find(|u| u.symbol().eq_ignore_ascii_case(s))
            .ok_or_else(|| UnitError::Unknown(crate::money::excerpt(s)))
    }
}

/// Converts `value` from one unit to another of the same dimension.
/// Between volume and energy, `therms_per_ccf` (the gas heat content) is needed.
pub fn convert(
    value: Decimal,
    from: Unit,
    to: Unit,
    therms_per_ccf: Option<Decimal>,
) -> Result<Decimal, UnitError> {
    if from == to {
        return Ok(value);
    }
    let overflow = || UnitError::Overflow(value);
    if from.dimension() == to.dimension() {
        let base = value.checked_mul(from.base_factor()).ok_or_else(overflow)?;
        return base.checked_div(to.base_factor()).ok_or_else(overflow);
    }
    let hc = therms_per_ccf.ok_or(UnitError::NeedsHeatContent { from, to })?;
    if hc <= Decimal::ZERO {
        return Err(UnitError::BadHeatContent(hc));
    }
    if from.dimension() == Dimension::Volume {
        let ccf = convert(value, from, Unit::Ccf, None)?;
        let therms = ccf.checked_mul(hc).ok_or_else(overflow)?;
        convert(therms, Unit::Therm, to, None)
    } else {
        let therms = convert(value, from, Unit::Therm, None)?;
        let ccf = therms.checked_div(hc).ok_or_else(overflow)?;
        convert(ccf, Unit::Ccf, to, None)
    }
}

/// An amount of service in a unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quantity {
    /// The amount.
    #[serde(with = "crate::money::serde_decimal")]
    pub value: Decimal,
    /// Its unit.
    pub unit: Unit,
}

impl Quantity {
    /// A quantity of `value` `unit`s.
    pub fn new(value: Decimal, unit: Unit) -> Quantity {
        Quantity { value, unit }
    }

    /// This quantity in `to` (see [`convert`]).
    pub fn to(self, to: Unit, therms_per_ccf: Option<Decimal>) -> Result<Quantity, UnitError> {
        convert(self.value, self.unit, to, therms_per_ccf).map(|v| Quantity::new(v, to))
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.value.normalize(), self.unit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap_or_default()
    }

    #[test]
    fn volume_conversions_are_exact_where_defined() {
        assert_eq!(
            convert(d("1"), Unit::Ccf, Unit::CubicFoot, None),
            Ok(d("100"))
        );
        assert_eq!(
            convert(d("1"), Unit::Kgal, Unit::Gallon, None),
            Ok(d("1000"))
        );
        assert_eq!(
            convert(d("1000"), Unit::Gallon, Unit::CubicMetre, None),
            Ok(d("3.785411784"))
        );
        let gal = convert(d("1"), Unit::CubicFoot, Unit::Gallon, None).unwrap_or_default();
        assert_eq!(gal.round_dp(8), d("7.48051948"));
        let back = convert(gal, Unit::Gallon, Unit::CubicFoot, None).unwrap_or_default();
        assert_eq!(back.round_dp(20), d("1"));
    }

    #[test]
    fn gas_volume_to_therms_uses_heat_content() {
        let t = convert(d("50"), Unit::Ccf, Unit::Therm, Some(d("1.037")));
        assert_eq!(t, Ok(d("51.850")));
        assert!(matches!(
            convert(d("50"), Unit::Ccf, Unit::Therm, None),
            Err(UnitError::NeedsHeatContent { .. })
        ));
        assert!(convert(d("50"), Unit::Ccf, Unit::Therm, Some(d("0"))).is_err());
        let kwh = convert(d("1"), Unit::Therm, Unit::Kwh, None).unwrap_or_default();
        assert_eq!(kwh.round_dp(4), d("29.3001"));
    }

    #[test]
    fn units_parse_from_symbols() {
        assert_eq!("CCF".parse::<Unit>(), Ok(Unit::Ccf));
        assert!("litre".parse::<Unit>().is_err());
    }
}
