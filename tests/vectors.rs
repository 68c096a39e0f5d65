//! Replays `vectors/bills.json`, the bill vectors shared by every language
//! (Rust here; the Python and Kotlin suites read the same file). Each case
//! names a built-in profile and tariff, a period, usage, and the expected total
//! and line amounts. `UPDATE_VECTORS=1 cargo test -p ratepayer-vectors` rewrites
//! the expectations from the engine, for review in the diff.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::str::FromStr;

use chrono::NaiveDate;
use ratepayer::profile::builtin;
use ratepayer::{BillInput, BillingPeriod, Quantity, Unit};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize)]
struct File {
    description: String,
    cases: Vec<Case>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Case {
    name: String,
    profile: String,
    tariff: String,
    from: String,
    to: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    usage: Option<String>,
    unit: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    meter_size: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    residents: Option<u32>,
    expected: Expected,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Expected {
    total: String,
    lines: Vec<Line>,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Line {
    description: String,
    version: String,
    amount: String,
}

const PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/vectors/bills.json");

fn run(case: &Case) -> Expected {
    let profile = builtin::load(&case.profile).unwrap();
    let tariff = profile.tariff(&case.tariff).unwrap();
    let period = BillingPeriod::new(
        NaiveDate::from_str(&case.from).unwrap(),
        NaiveDate::from_str(&case.to).unwrap(),
    )
    .unwrap();
    let unit = Unit::from_str(&case.unit).unwrap();
    let input = BillInput {
        period,
        usage: case
            .usage
            .as_deref()
            .map(|u| Quantity::new(Decimal::from_str(u).unwrap(), unit)),
        meter_size: case.meter_size.as_deref(),
        customer_class: None,
        residents: case.residents,
        therms_per_ccf: None,
        estimated: false,
    };
    let bill = tariff
        .bill(&input)
        .unwrap_or_else(|e| panic!("{}: {e}", case.name));
    Expected {
        total: bill.total.to_decimal_string(),
        lines: bill
            .lines
            .iter()
            .map(|l| Line {
                description: l.description().to_string(),
                version: l.version().to_string(),
                amount: l.amount.to_decimal_string(),
            })
            .collect(),
    }
}

#[test]
fn bill_vectors_match() {
    let text = std::fs::read_to_string(PATH).unwrap();
    let mut file: File = serde_json::from_str(&text).unwrap();
    assert!(file.cases.len() >= 10, "the vector file lost its cases");
    if std::env::var_os("UPDATE_VECTORS").is_some() {
        for case in &mut file.cases {
            case.expected = run(case);
        }
        std::fs::write(PATH, serde_json::to_string_pretty(&file).unwrap() + "\n").unwrap();
        return;
    }
    let failures: Vec<String> = file
        .cases
        .iter()
        .filter_map(|c| {
            let got = run(c);
            (got != c.expected)
                .then(|| format!("{}: expected {:?}\n got {:?}", c.name, c.expected, got))
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
