//! Electric tariffs billed from interval data: the tariff model
//! ([`ElectricTariff`]), interval usage series ([`IntervalSeries`]), 12×24
//! period schedules, time-of-use energy charges with tiers combined the way
//! NREL SAM's `utilityrate5` does, demand charges (flat and TOU, tiered, with
//! ratchets and a minimum billing demand), fixed and minimum charges, and an
//! importer for OpenEI URDB JSON ([`urdb::import`]).
//!
//! Billing runs in two steps: [`ElectricTariff::prepare`] builds a
//! [`PreparedYear`] (the energy and demand period of every hour of one
//! calendar year, holidays included), and [`PreparedYear::bill`] bills a
//! series in one pass over integer energy, doing decimal money math only on
//! the monthly aggregates.
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use ratepayer::electric::{ElectricTariff, IntervalSeries};
//! use ratepayer::RoundingPolicy;
//! use chrono::NaiveDate;
//! use rust_decimal::Decimal;
//!
//! let urdb = r#"{"energyratestructure": [[{"rate": 0.10}], [{"rate": 0.25}]],
//!   "energyweekdayschedule": [[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,1,1,1,1,0,0,0,0],
//!     [0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,1,1,1,1,0,0,0,0],[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,1,1,1,1,0,0,0,0],
//!     [0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,1,1,1,1,0,0,0,0],[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,1,1,1,1,0,0,0,0],
//!     [0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,1,1,1,1,0,0,0,0],[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,1,1,1,1,0,0,0,0],
//!     [0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,1,1,1,1,0,0,0,0],[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,1,1,1,1,0,0,0,0],
//!     [0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,1,1,1,1,0,0,0,0],[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,1,1,1,1,0,0,0,0],
//!     [0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,1,1,1,1,0,0,0,0]],
//!   "fixedchargefirstmeter": 12.5, "fixedchargeunits": "$/month",
//!   "name": "Example TOU"}"#;
//! let imported = ratepayer::electric::urdb::import("example-tou", urdb)?;
//! // Nothing is dropped silently: `name` was not used, and the importer says why.
//! assert_eq!(imported.unused.len(), 1);
//! assert_eq!(imported.unused[0].field, "name");
//! let tariff: ElectricTariff = imported.tariff;
//!
//! // One kWh every hour of January 2029 (a weekday schedule only: weekends use it too).
//! let start = NaiveDate::from_ymd_opt(2029, 1, 1).ok_or("date")?.and_hms_opt(0, 0, 0).ok_or("time")?;
//! let series = IntervalSeries::from_kwh(start, 60, &vec![Decimal::ONE; 31 * 24])?;
//! let year = tariff.prepare(2029, None)?;
//! let statement = year.bill(&series, RoundingPolicy::PER_LINE_HALF_UP)?;
//! let january = &statement.months[0];
//! // 31 days × (20 h × 0.10 + 4 h × 0.25) + 12.50
//! assert_eq!(january.bill.total.to_decimal_string(), "105.50");
//! # Ok(())
//! # }
//! ```

mod bill;
mod clock;
mod demand;
mod exact;
mod float_kwh;
pub mod generation;
mod interval;
mod rate;
mod schedule;
mod tariff;
mod tou;
pub mod urdb;

#[cfg(test)]
mod tests;

pub use bill::{ElectricMonth, ElectricStatement, PreparedYear};
pub use demand::{DemandBasis, PeakHistory};
pub use float_kwh::{extend_micro_kwh, kwh_decimal, micro_kwh_of_f64};
pub use generation::{
    GenerationMonth, GenerationStatement, MeterChannels, Metering, MeteringOptions,
};
pub use interval::{IntervalSeries, MAX_INTERVAL_KWH, MICRO_KWH_PER_KWH};
pub use rate::{ElectricOptions, ElectricRate};
pub use schedule::Schedule;
pub use tariff::{
    ChargeUnit, Clock, DemandTier, ElectricTariff, EnergyTier, EnergyUnit, PeriodCharge, Ratchet,
};

use thiserror::Error;

use crate::tariff::Problem;

/// Why an electric tariff could not be built or a series billed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ElectricError {
    /// The tariff breaks rules; every problem is listed.
    #[error("the electric tariff is not valid:\n{}", problems.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
    Invalid {
        /// Every problem, with its path.
        problems: Vec<Problem>,
    },
    /// The URDB text is not JSON, or not a JSON object.
    #[error("the URDB tariff is not readable JSON: {0}; give one rate object (the element of `items` of the URDB API answer)")]
    Json(String),
    /// The series is not usable.
    #[error("the interval series is not valid: {0}")]
    Series(String),
    /// The series does not fit the prepared year.
    #[error("the interval series {0}")]
    OutsideYear(String),
    /// The year cannot be prepared.
    #[error("year {0} is outside the supported range 1900..=2200; bill a year within it")]
    Year(i32),
    /// An amount overflowed.
    #[error("the bill overflowed in {0}; check the usage and the rates for absurd values")]
    Overflow(&'static str),
}
