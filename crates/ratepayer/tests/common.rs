//! Helpers shared by the integration tests: built-in tariffs, dates, decimals.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::str::FromStr;

use chrono::NaiveDate;
use ratepayer::profile::builtin;
use ratepayer::{BillInput, BillingPeriod, Quantity, Tariff, Unit};
use rust_decimal::Decimal;

/// A built-in tariff by profile and tariff id.
pub fn tariff(profile: &str, id: &str) -> Tariff {
    match builtin::load(profile).and_then(|p| p.tariff(id).cloned()) {
        Ok(t) => t,
        Err(e) => panic!("built-in tariff {profile}/{id}: {e}"),
    }
}

/// A date from `YYYY-MM-DD`.
pub fn date(s: &str) -> NaiveDate {
    NaiveDate::from_str(s).unwrap_or_else(|e| panic!("{s}: {e}"))
}

/// A decimal from text.
pub fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap_or_else(|e| panic!("{s}: {e}"))
}

/// The period from `from` to `to`, inclusive.
pub fn period(from: &str, to: &str) -> BillingPeriod {
    BillingPeriod::new(date(from), date(to)).unwrap_or_else(|e| panic!("{e}"))
}

/// A metered input.
pub fn metered(from: &str, to: &str, usage: &str, unit: Unit) -> BillInput<'static> {
    BillInput::metered(period(from, to), Quantity::new(dec(usage), unit))
}
