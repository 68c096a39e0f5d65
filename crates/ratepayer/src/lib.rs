//! # ratepayer
//!
//! The rules of utility customer self-service, as one pure-Rust library with
//! no I/O: money, meter reads, tariffs and bills (water, gas, flat-rate
//! electric), customer-submitted reads and usage alerts.
//!
//! "Now" is always passed in; no rule reads the clock. Every public function
//! returns a `Result` whose error says what was wrong and how to fix it.

pub mod bill;
pub mod money;
pub mod period;
pub mod profile;
pub mod tariff;
pub mod units;

pub use bill::{Bill, BillError, BillInput, BillLine, LineKind, LineUnit};
pub use money::{Currency, Money, MoneyError, RoundingMode, RoundingPolicy, RoundingScope};
pub use period::{BillingPeriod, PeriodError};
pub use tariff::{Problem, Tariff, TariffError, TariffSpec};
pub use units::{Quantity, Unit, UnitError};
