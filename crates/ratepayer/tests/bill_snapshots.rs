//! Snapshots of whole bills of three realistic tariffs on period edge cases:
//! leap day, a rate change inside the period, move-in day and zero usage.
//! A change in any line item, amount or rounding shows up as a snapshot diff.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use ratepayer::{BillInput, Unit};

fn snap(name: &str, profile: &str, tariff_id: &str, input: &BillInput<'_>) {
    let t = tariff(profile, tariff_id);
    match t.bill(input) {
        Ok(bill) => {
            let sum = bill
                .lines
                .iter()
                .map(|l| l.amount.amount())
                .sum::<rust_decimal::Decimal>();
            assert_eq!(
                bill.total.amount(),
                bill.rounding.round(sum, 2),
                "{name}: total is not the sum of lines"
            );
            insta::assert_snapshot!(name, bill.to_string());
        }
        Err(e) => panic!("{name}: {e}"),
    }
}

// 4-tier inclining water tariff with meter-size service charges and a drought surcharge.
const W: (&str, &str) = ("shelby", "shelby-water-residential");

#[test]
fn water_leap_february() {
    snap(
        "water_leap_february",
        W.0,
        W.1,
        &metered("2024-02-01", "2024-02-29", "5.5", Unit::Kgal).meter_size("5/8"),
    );
}

#[test]
fn water_move_out_on_leap_day() {
    snap(
        "water_move_out_on_leap_day",
        W.0,
        W.1,
        &metered("2024-02-10", "2024-02-29", "4100", Unit::Gallon).meter_size("5/8"),
    );
}

#[test]
fn water_rate_change_mid_period() {
    snap(
        "water_rate_change_mid_period",
        W.0,
        W.1,
        &metered("2025-06-16", "2025-07-15", "9.2", Unit::Kgal).meter_size("5/8"),
    );
}

#[test]
fn water_move_in_day() {
    snap(
        "water_move_in_day",
        W.0,
        W.1,
        &metered("2024-09-18", "2024-09-30", "2.1", Unit::Kgal).meter_size("1"),
    );
}

#[test]
fn water_zero_usage() {
    snap(
        "water_zero_usage",
        W.0,
        W.1,
        &metered("2025-10-01", "2025-10-31", "0", Unit::Kgal).meter_size("5/8"),
    );
}

#[test]
fn water_all_four_tiers() {
    snap(
        "water_all_four_tiers",
        W.0,
        W.1,
        &metered("2025-10-01", "2025-10-31", "25", Unit::Kgal).meter_size("2"),
    );
}

// Seasonal gas tariff billed in therms from CCF reads.
const G: (&str, &str) = ("shelby", "shelby-gas-residential");

#[test]
fn gas_leap_february() {
    snap(
        "gas_leap_february",
        G.0,
        G.1,
        &metered("2024-02-01", "2024-02-29", "71", Unit::Ccf),
    );
}

#[test]
fn gas_season_change_mid_period() {
    snap(
        "gas_season_change_mid_period",
        G.0,
        G.1,
        &metered("2024-04-16", "2024-05-15", "30", Unit::Ccf),
    );
}

#[test]
fn gas_rate_change_mid_period() {
    snap(
        "gas_rate_change_mid_period",
        G.0,
        G.1,
        &metered("2024-12-15", "2025-01-14", "80", Unit::Ccf),
    );
}

#[test]
fn gas_move_in_day() {
    snap(
        "gas_move_in_day",
        G.0,
        G.1,
        &metered("2025-03-20", "2025-03-31", "12", Unit::Ccf),
    );
}

#[test]
fn gas_zero_usage() {
    snap(
        "gas_zero_usage",
        G.0,
        G.1,
        &metered("2025-06-01", "2025-06-30", "0", Unit::Ccf),
    );
}

#[test]
fn gas_with_measured_heat_content() {
    snap(
        "gas_with_measured_heat_content",
        G.0,
        G.1,
        &metered("2025-01-01", "2025-01-31", "64", Unit::Ccf).therms_per_ccf(dec("1.052")),
    );
}

// Residential flat electric tariff with a minimum bill and tax.
const E: (&str, &str) = ("shelby", "shelby-electric-residential");

#[test]
fn electric_leap_february() {
    snap(
        "electric_leap_february",
        E.0,
        E.1,
        &metered("2024-02-01", "2024-02-29", "850", Unit::Kwh),
    );
}

#[test]
fn electric_rate_change_mid_period() {
    snap(
        "electric_rate_change_mid_period",
        E.0,
        E.1,
        &metered("2024-12-20", "2025-01-19", "640", Unit::Kwh),
    );
}

#[test]
fn electric_move_in_day_minimum_applies() {
    snap(
        "electric_move_in_day_minimum_applies",
        E.0,
        E.1,
        &metered("2025-03-25", "2025-03-31", "10", Unit::Kwh),
    );
}

#[test]
fn electric_zero_usage_minimum_applies() {
    snap(
        "electric_zero_usage_minimum_applies",
        E.0,
        E.1,
        &metered("2025-04-01", "2025-04-30", "0", Unit::Kwh),
    );
}

// The other seed utilities.

#[test]
fn gorod_metered_cold_water_against_normative() {
    snap(
        "gorod_metered_cold_water_against_normative",
        "gorod",
        "gorod-cold-water",
        &metered("2025-06-01", "2025-07-31", "15.3", Unit::CubicMetre).residents(3),
    );
}

#[test]
fn gorod_unmetered_hot_water() {
    snap(
        "gorod_unmetered_hot_water",
        "gorod",
        "gorod-hot-water",
        &BillInput::unmetered(period("2025-09-01", "2025-09-30"), 2),
    );
}

#[test]
fn medford_short_final_cycle() {
    snap(
        "medford_short_final_cycle",
        "medford",
        "medford-water-residential",
        &metered("2025-09-20", "2025-10-04", "9", Unit::Ccf).meter_size("3/4"),
    );
}

#[test]
fn cal_water_rider() {
    snap(
        "cal_water_rider",
        "cal-water",
        "cal-water-residential",
        &metered("2025-05-01", "2025-05-31", "31", Unit::Ccf).meter_size("5/8x3/4"),
    );
}

#[test]
fn crow_wing_riders_and_tax() {
    snap(
        "crow_wing_riders_and_tax",
        "crow-wing",
        "crow-wing-residential",
        &metered("2025-02-01", "2025-02-28", "1240", Unit::Kwh),
    );
}
