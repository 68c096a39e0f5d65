//! From meter reads to a bill: a flat with two cold-water meters (kitchen and
//! bathroom, seed 002), one of them exchanged mid-period and one read
//! estimated; the bill totals both meters and says the usage is estimated.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use ratepayer::meter::usage::{service_usage, MeterReads};
use ratepayer::meter::{Meter, MeterExchange, Read, ReadKind};
use ratepayer::{BillInput, Unit};

fn meter(id: &str, location: &str) -> Meter {
    Meter::new(id, location, Unit::CubicMetre, 5).with_decimals(3)
}

#[test]
fn two_meters_with_an_exchange_bill_as_one_service() {
    let kitchen = MeterReads {
        meter: meter("CW-1", "kitchen cold water"),
        opening: Read::actual(date("2025-09-01"), dec("99998.500")),
        closing: Read::estimated(date("2025-10-01"), dec("3.250")),
        exchange: None,
    };
    let bathroom = MeterReads {
        meter: meter("CW-2", "bathroom cold water"),
        opening: Read::actual(date("2025-09-01"), dec("120.000")),
        closing: Read::actual(date("2025-10-01"), dec("1.400")),
        exchange: Some(MeterExchange {
            date: date("2025-09-16"),
            old_meter_final_read: dec("122.600"),
            old_meter_final_read_kind: ReadKind::Actual,
            new_meter: meter("CW-3", "bathroom cold water (new)"),
            new_meter_initial_read: dec("0.000"),
        }),
    };
    let usage = service_usage(&[kitchen, bathroom], Unit::CubicMetre, None).unwrap();
    // Kitchen rolled over: 1.5 + 3.25 = 4.75; bathroom 2.6 on the old meter + 1.4 on the new.
    assert_eq!(usage.total.value, dec("8.750"));
    assert_eq!(usage.rows.len(), 3);
    assert!(usage.rows[0].rolled_over);
    assert!(usage.estimated);

    let cold = tariff("gorod", "gorod-cold-water");
    let bill = cold
        .bill(&BillInput::from_meters(period("2025-09-01", "2025-09-30"), &usage).residents(2))
        .unwrap();
    assert!(bill.usage_is_estimated);
    assert_eq!(bill.usage.value, dec("8.750"));
    // 95.40 administration + 8.75 m3 x 48.62 = 425.425 -> 425.43
    assert_eq!(bill.total.to_decimal_string(), "520.83");
    let normative = bill.normative.as_ref().expect("residents given");
    assert_eq!(normative.saved_units, dec("1.41"));
    assert!(bill.to_string().contains("(estimated read)"));
}

#[test]
fn a_backward_read_is_refused_before_billing() {
    let bad = MeterReads {
        meter: meter("CW-1", "kitchen"),
        opening: Read::actual(date("2025-09-01"), dec("500.000")),
        closing: Read::actual(date("2025-10-01"), dec("499.000")),
        exchange: None,
    };
    let e = service_usage(&[bad], Unit::CubicMetre, None)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("CW-1") && e.contains("500") && e.contains("499"),
        "{e}"
    );
}
