//! Meters and their reads: what a meter is (register size, multiplier, unit,
//! whether customers may read it themselves), what a read is, and the errors
//! of turning reads into consumption.
//!
//! The arithmetic lives in submodules: [`register`] (one register's advance
//! between two reads, with rollover), [`mod@consumption`] (consumption between
//! reads, across a meter exchange, and from a read history) and [`usage`]
//! (several meters of one service summed in a billing unit) and
//! [`period_usage`] (a billing period's consumption from a read history,
//! prorated by days when reads are off its bounds, across an exchange).
//!
//! # Read-date convention
//!
//! A read dated `D` is the register value at the **start** of day `D`.
//! Consumption between reads dated `a` and `b` (`a < b`) covers the service
//! days `a..=b-1`, that is `BillingPeriod::new(a, b - 1 day)`. So a period of
//! service from 1 to 31 October is measured by the reads dated 1 October and
//! 1 November.

pub mod consumption;
pub mod period_usage;
pub mod register;
pub mod usage;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::money::serde_decimal;
use crate::period::PeriodError;
use crate::units::{Unit, UnitError};

pub use consumption::{
    consumption, consumption_for_period, consumption_with_exchange, reads_for_period,
    MeterConsumption, MeterExchange,
};
pub use period_usage::{consumption_prorated, PeriodConsumption};
pub use register::RegisterAdvance;
pub use usage::{service_usage, MeterReads, ServiceUsage};

/// The most dials a register may have (a 10^12 register is far beyond any
/// utility meter and keeps every computation exact).
pub const MAX_DIALS: u32 = 12;

/// The most digits a register may show after the decimal point.
pub const MAX_DECIMALS: u32 = 6;

/// One meter: a register of `dials` whole-number dials (it rolls over to zero
/// at 10^`dials`), read in `unit` after multiplying by `multiplier`.
///
/// Reads are register values: consumption = register advance × `multiplier`,
/// in `unit`. A register that shows litres after the point of a m³ count
/// (`00123.456`) has `dials = 5` and `decimals = 3`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Meter {
    /// The meter's identifier (serial number or the utility's meter id).
    pub id: String,
    /// Where the meter is or what it measures, as shown to the customer
    /// ("kitchen hot water").
    pub location: String,
    /// Unit of consumption (register advance × multiplier).
    pub unit: Unit,
    /// Whole-number dials: the register rolls over to zero at 10^`dials`, so
    /// its largest reading is just below 10^`dials`.
    pub dials: u32,
    /// Digits the register shows after the decimal point (0 by default); a
    /// read with more digits than this is refused.
    #[serde(default)]
    pub decimals: u32,
    /// Register units to consumption units (1 by default; above zero).
    #[serde(with = "serde_decimal", default = "one")]
    pub multiplier: Decimal,
    /// True once the housing organisation or the utility has enabled
    /// customer-submitted (online) reads for this meter (false by default).
    #[serde(default)]
    pub self_read_enabled: bool,
}

fn one() -> Decimal {
    Decimal::ONE
}

impl Meter {
    /// A meter with a multiplier of 1, no decimals, not enabled for
    /// self-reading. Call [`Meter::validate`] (every computation does).
    pub fn new(
        id: impl Into<String>,
        location: impl Into<String>,
        unit: Unit,
        dials: u32,
    ) -> Meter {
        Meter {
            id: id.into(),
            location: location.into(),
            unit,
            dials,
            decimals: 0,
            multiplier: Decimal::ONE,
            self_read_enabled: false,
        }
    }

    /// The same meter with another multiplier.
    pub fn with_multiplier(mut self, multiplier: Decimal) -> Meter {
        self.multiplier = multiplier;
        self
    }

    /// The same meter showing `decimals` digits after the point.
    pub fn with_decimals(mut self, decimals: u32) -> Meter {
        self.decimals = decimals;
        self
    }

    /// The same meter, enabled (or not) for customer-submitted reads.
    pub fn with_self_read(mut self, enabled: bool) -> Meter {
        self.self_read_enabled = enabled;
        self
    }

    /// Checks the description: a non-blank id, 1 to [`MAX_DIALS`] dials, at
    /// most [`MAX_DECIMALS`] decimals and a multiplier above zero.
    pub fn validate(&self) -> Result<(), MeterError> {
        let bad = |field: &'static str, reason: String| MeterError::InvalidMeter {
            meter: self.id.clone(),
            field,
            reason,
        };
        if self.id.trim().is_empty() {
            return Err(bad(
                "id",
                "it is blank; give the meter's serial number or id".into(),
            ));
        }
        if self.dials == 0 || self.dials > MAX_DIALS {
            return Err(bad(
                "dials",
                format!(
                    "it is {}; count the whole-number dials on the register (1 to {MAX_DIALS})",
                    self.dials
                ),
            ));
        }
        if self.decimals > MAX_DECIMALS {
            return Err(bad(
                "decimals",
                format!(
                    "it is {}; a register shows at most {MAX_DECIMALS} digits after the point",
                    self.decimals
                ),
            ));
        }
        if self.multiplier <= Decimal::ZERO {
            return Err(bad(
                "multiplier",
                format!(
                    "it is {}; it must be above zero (1 when the register shows consumption directly)",
                    self.multiplier
                ),
            ));
        }
        Ok(())
    }
}

/// How a read was obtained.
///
/// Only [`ReadKind::Estimated`] makes a consumption estimated: a read the
/// customer submitted (seed 002) is a real register value, taken by the
/// customer rather than by the utility's reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReadKind {
    /// Read by the utility (meter reader or automatic meter reading).
    #[default]
    Actual,
    /// Estimated by the utility because no read was available.
    Estimated,
    /// Submitted by the customer (online or by phone).
    CustomerSubmitted,
}

impl ReadKind {
    /// True for an estimated read.
    pub fn is_estimated(self) -> bool {
        self == ReadKind::Estimated
    }
}

/// A register value on a date (at the start of that day; see the
/// [module documentation](self)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Read {
    /// The day the value was read (the value at the start of that day).
    pub date: NaiveDate,
    /// The register value, before the multiplier.
    #[serde(with = "serde_decimal")]
    pub value: Decimal,
    /// Actual, estimated or customer-submitted (actual by default).
    #[serde(default)]
    pub kind: ReadKind,
}

impl Read {
    /// A read of `kind`.
    pub fn new(date: NaiveDate, value: Decimal, kind: ReadKind) -> Read {
        Read { date, value, kind }
    }

    /// An actual read by the utility.
    pub fn actual(date: NaiveDate, value: Decimal) -> Read {
        Read::new(date, value, ReadKind::Actual)
    }

    /// An estimated read.
    pub fn estimated(date: NaiveDate, value: Decimal) -> Read {
        Read::new(date, value, ReadKind::Estimated)
    }

    /// A read submitted by the customer.
    pub fn customer(date: NaiveDate, value: Decimal) -> Read {
        Read::new(date, value, ReadKind::CustomerSubmitted)
    }
}

/// What was wrong with a meter, its reads, or the consumption asked for.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MeterError {
    /// The meter description breaks a rule.
    #[error("meter `{meter}`: field `{field}` is not valid: {reason}")]
    InvalidMeter {
        /// Meter id.
        meter: String,
        /// The field at fault.
        field: &'static str,
        /// What is wrong and how to fix it.
        reason: String,
    },
    /// A read below zero.
    #[error("meter `{meter}`: the read `value` {value} on {date} is negative; a register never shows a negative number, check the digits")]
    NegativeRead {
        /// Meter id.
        meter: String,
        /// Date of the read.
        date: NaiveDate,
        /// The value.
        value: Decimal,
    },
    /// A read the register cannot show.
    #[error("meter `{meter}`: the read `value` {value} on {date} does not fit its {dials}-dial register (largest reading {max}); check the digits or the meter's `dials`")]
    ReadAboveRegister {
        /// Meter id.
        meter: String,
        /// Date of the read.
        date: NaiveDate,
        /// The value.
        value: Decimal,
        /// Dials of the register.
        dials: u32,
        /// The largest value the register shows.
        max: Decimal,
    },
    /// A read with more digits after the point than the register shows.
    #[error("meter `{meter}`: the read `value` {value} on {date} has more than {decimals} digits after the point, which this register does not show; enter the digits on the register (or set the meter's `decimals`)")]
    TooManyDecimals {
        /// Meter id.
        meter: String,
        /// Date of the read.
        date: NaiveDate,
        /// The value.
        value: Decimal,
        /// Digits the register shows after the point.
        decimals: u32,
    },
    /// Two reads are not in date order (or share a date).
    #[error("meter `{meter}`: the read dated {later_date} must come after the read dated {earlier_date}; sort reads by date, one read per day")]
    ReadsOutOfOrder {
        /// Meter id.
        meter: String,
        /// Date of the read that should be earlier.
        earlier_date: NaiveDate,
        /// Date of the read that should be later.
        later_date: NaiveDate,
    },
    /// The register went down and no rollover explains it.
    #[error("meter `{meter}`: the read {later} on {later_date} is below the read {earlier} on {earlier_date} and a rollover cannot explain it; check both reads, or record a meter exchange if the meter was replaced")]
    BackwardRead {
        /// Meter id.
        meter: String,
        /// Date of the earlier read.
        earlier_date: NaiveDate,
        /// Value of the earlier read.
        earlier: Decimal,
        /// Date of the later read.
        later_date: NaiveDate,
        /// Value of the later read.
        later: Decimal,
    },
    /// A meter exchange dated outside the reads it sits between.
    #[error("meter `{meter}`: the exchange on {date} must be between the opening read ({opening}) and the closing read ({closing}); check the exchange `date`")]
    ExchangeOutsideReads {
        /// Id of the meter taken out.
        meter: String,
        /// The exchange date.
        date: NaiveDate,
        /// Date of the opening read.
        opening: NaiveDate,
        /// Date of the closing read.
        closing: NaiveDate,
    },
    /// No read in the history to open or close a period.
    #[error("meter `{meter}`: no {which} read for {period_day}: {hint}")]
    NoReadForPeriod {
        /// Meter id.
        meter: String,
        /// `"opening"` or `"closing"`.
        which: &'static str,
        /// The day the read was wanted for.
        period_day: NaiveDate,
        /// How to fix it.
        hint: &'static str,
    },
    /// A plain read dated the day of a meter exchange (whose meter is it?).
    #[error("meter `{meter}`: a read is dated {date}, the day the meter was exchanged; give that day's values as the exchange's final read of the old meter and initial read of the new one, not as a plain read")]
    ReadOnExchangeDay {
        /// Id of the meter taken out.
        meter: String,
        /// The exchange date.
        date: NaiveDate,
    },
    /// The same meter twice in one service's usage.
    #[error("meter `{meter}` is listed twice; give each meter once (record a replacement as an exchange)")]
    DuplicateMeter {
        /// Meter id.
        meter: String,
    },
    /// The days between two reads do not make a billing period.
    #[error("meter `{meter}`: the reads do not span a valid period: {source}")]
    Period {
        /// Meter id.
        meter: String,
        /// Why.
        source: PeriodError,
    },
    /// Consumption could not be converted to the billing unit.
    #[error("meter `{meter}`: its consumption cannot be billed in the unit asked for: {source}")]
    Unit {
        /// Meter id.
        meter: String,
        /// Why.
        source: UnitError,
    },
    /// A result too large to represent exactly.
    #[error("meter `{meter}`: the consumption is too large to compute exactly; check the reads and the `multiplier`")]
    Overflow {
        /// Meter id.
        meter: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meter_validation_names_the_field() {
        let ok = Meter::new("HW-1", "kitchen hot water", Unit::CubicMetre, 5);
        assert_eq!(ok.validate(), Ok(()));
        let cases = [
            (Meter::new(" ", "x", Unit::Gallon, 4), "id"),
            (Meter::new("M", "x", Unit::Gallon, 0), "dials"),
            (Meter::new("M", "x", Unit::Gallon, 13), "dials"),
            (
                Meter::new("M", "x", Unit::Gallon, 4).with_decimals(7),
                "decimals",
            ),
            (
                Meter::new("M", "x", Unit::Gallon, 4).with_multiplier(Decimal::ZERO),
                "multiplier",
            ),
            (
                Meter::new("M", "x", Unit::Gallon, 4).with_multiplier(Decimal::NEGATIVE_ONE),
                "multiplier",
            ),
        ];
        for (meter, want) in cases {
            let got = meter.validate();
            assert!(
                matches!(&got, Err(MeterError::InvalidMeter { field, .. }) if *field == want),
                "{want}: {got:?}"
            );
        }
    }

    /// Read as the tariff and profile loaders read TOML (a table, then the
    /// value), so TOML dates such as `2025-01-15` work.
    fn from_toml<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, toml::de::Error> {
        let table: toml::Table = toml::from_str(text)?;
        T::deserialize(toml::Value::Table(table))
    }

    #[test]
    fn meter_and_read_load_from_toml_with_defaults() -> Result<(), toml::de::Error> {
        let m: Meter = toml::from_str(
            "id = \"CW-7\"\nlocation = \"bathroom cold water\"\nunit = \"m3\"\ndials = 5\ndecimals = 3\n",
        )?;
        assert_eq!(m.multiplier, Decimal::ONE);
        assert!(!m.self_read_enabled);
        assert_eq!(m.decimals, 3);
        let r: Read = from_toml("date = 2025-01-15\nvalue = \"123.456\"\n")?;
        assert_eq!(r.kind, ReadKind::Actual);
        assert_eq!(r.value, Decimal::new(123_456, 3));
        let r: Read = from_toml("date = 2025-01-15\nvalue = 7\nkind = \"estimated\"\n")?;
        assert!(r.kind.is_estimated());
        assert!(!ReadKind::CustomerSubmitted.is_estimated());
        assert!(toml::from_str::<Meter>(
            "id = \"x\"\nlocation = \"\"\nunit = \"m3\"\ndials = 4\ncolour = 1\n"
        )
        .is_err());
        Ok(())
    }
}
