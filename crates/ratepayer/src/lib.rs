//! # ratepayer
//!
//! The rules of utility customer self-service, as one pure-Rust library with
//! no I/O: money, meter reads, tariffs and bills (water, gas, flat-rate
//! electric), customer-submitted reads and usage alerts.
//!
//! "Now" is always passed in; no rule reads the clock. Every public function
//! returns a `Result` whose error says what was wrong and how to fix it.
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use ratepayer::profile::builtin;
//! use ratepayer::{BillInput, BillingPeriod, Quantity, Unit};
//! use rust_decimal::Decimal;
//! use chrono::NaiveDate;
//!
//! let shelby = builtin::load("shelby")?;
//! let water = shelby.tariff("shelby-water-residential")?;
//! let october = BillingPeriod::new(
//!     NaiveDate::from_ymd_opt(2025, 10, 1).ok_or("date")?,
//!     NaiveDate::from_ymd_opt(2025, 10, 31).ok_or("date")?,
//! )?;
//! let bill = water.bill(
//!     &BillInput::metered(october, Quantity::new(Decimal::new(7400, 0), Unit::Gallon))
//!         .meter_size("5/8"),
//! )?;
//! assert_eq!(bill.total.to_decimal_string(), "57.22");
//! assert_eq!(bill.lines[0].description(), "Water service charge (administration and infrastructure)");
//! # Ok(())
//! # }
//! ```

pub mod alerts;
pub mod autopay;
pub mod bill;
pub mod calendar;
pub mod credential;
pub mod electric;
pub mod fees;
pub mod login;
pub mod meter;
pub mod mfa;
pub mod money;
pub mod password;
pub mod payment;
pub mod period;
pub mod profile;
pub mod registration;
pub mod security;
pub mod self_read;
pub mod tariff;
pub mod units;
pub mod verification;

pub use bill::{Bill, BillError, BillInput, BillLine, LineKind, LineUnit};
pub use money::{Currency, Money, MoneyError, RoundingMode, RoundingPolicy, RoundingScope};
pub use period::{BillingPeriod, PeriodError};
pub use tariff::{Problem, Tariff, TariffError, TariffSpec};
pub use units::{Quantity, Unit, UnitError};
