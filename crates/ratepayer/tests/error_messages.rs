//! Snapshots of error messages: every problem of a malformed tariff at once,
//! each with its path; parse errors naming the field; billing and amount
//! errors that say what was wrong and how to fix it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use ratepayer::{BillInput, Currency, Money, Quantity, Tariff, TariffError, Unit};

const BROKEN: &str = r#"
id = "broken"
name = ""
service = "water"
currency = "USD"
unit = "kgal"
proration = { method = "daily", days_per_month = 45 }

[[versions]]
label = "2024"
effective_from = 2024-01-01
effective_to = 2024-08-31
seasons = [
  { name = "summer", months = [6, 7, 8] },
  { name = "winter", months = [12, 1, 2, 13] },
]
  [[versions.fixed]]
  name = "Service charge"
  [[versions.volumetric]]
  name = "Usage"
  by_season = [
    { season = "summer", blocks = [{ up_to = 5, rate = 4.0 }, { from = 4, up_to = 10, rate = 5.0 }, { from = 12, rate = -1 }] },
    { season = "autumn", blocks = [{ rate = 3.0 }] },
  ]
  [[versions.taxes]]
  name = "Tax"
  percent = 150
  applies_to = ["usage", "nonexistent"]

[[versions]]
label = "2024b"
effective_from = 2024-07-01
  [[versions.volumetric]]
  name = "Usage"
  blocks = [{ up_to = 5, rate = 4.0 }, { rate = 5.0 }]
"#;

#[test]
fn every_problem_of_a_tariff_is_reported_at_once() {
    let e = Tariff::from_toml(BROKEN)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    insta::assert_snapshot!(e);
}

#[test]
fn parse_errors_name_the_field() {
    let wrong_type = BROKEN.replace("percent = 150", "percent = \"lots\"");
    let unknown = BROKEN.replace("label = \"2024b\"", "label = \"2024b\"\nlabe = 1");
    let bad_date = BROKEN.replace("effective_from = 2024-07-01", "effective_from = \"July\"");
    let syntax = "id = \"x\"\nname = [";
    let json = r#"{"id": "j", "name": "J", "service": "water", "currency": "USD", "unit": "kgal",
        "versions": [{"label": "v", "effective_from": "2024-01-01", "volumetric": [{"name": "u", "blocks": [{"rate": "1,5"}]}]}]}"#;
    let report: Vec<String> = [
        Tariff::from_toml(&wrong_type).err(),
        Tariff::from_toml(&unknown).err(),
        Tariff::from_toml(&bad_date).err(),
        Tariff::from_toml(syntax).err(),
        Tariff::from_json(json).err(),
        Tariff::from_json("{\"id\": 1}").err(),
        Tariff::from_toml(&BROKEN.replace("currency = \"USD\"", "currency = \"usd\"")).err(),
    ]
    .into_iter()
    .map(|e| match e {
        Some(e @ TariffError::Parse { .. }) => e.to_string(),
        other => panic!("expected a parse error, got {other:?}"),
    })
    .collect();
    insta::assert_snapshot!(report.join("\n"));
}

#[test]
fn billing_errors_say_what_to_give() {
    let water = tariff("shelby", "shelby-water-residential");
    let gas = tariff("shelby", "shelby-gas-residential");
    let hot = tariff("gorod", "gorod-hot-water");
    let oct = metered("2025-10-01", "2025-10-31", "5", Unit::Kgal);
    let report: Vec<String> = [
        water.bill(&oct),
        water.bill(&oct.meter_size("7/8")),
        water.bill(&metered("2023-06-01", "2023-06-30", "5", Unit::Kgal).meter_size("1")),
        water.bill(&metered("2025-10-01", "2025-10-31", "-5", Unit::Kgal).meter_size("1")),
        water.bill(&metered("2025-10-01", "2025-10-31", "5", Unit::Kwh).meter_size("1")),
        gas.bill(&metered("2025-10-01", "2025-10-31", "5", Unit::Ccf).therms_per_ccf(dec("0"))),
        hot.bill(&BillInput {
            residents: None,
            ..BillInput::unmetered(period("2025-09-01", "2025-09-30"), 1)
        }),
        water.bill(
            &BillInput::metered(
                period("2025-10-01", "2025-10-31"),
                Quantity::new(rust_decimal::Decimal::MAX, Unit::Kgal),
            )
            .meter_size("1"),
        ),
    ]
    .into_iter()
    .map(|r| {
        r.err()
            .map(|e| e.to_string())
            .unwrap_or_else(|| "unexpectedly billed".into())
    })
    .collect();
    insta::assert_snapshot!(report.join("\n"));
}

#[test]
fn amount_errors_explain_the_expected_form() {
    let report: Vec<String> = [
        "", " 12.34", "+5", "1,234.56", "12,34", ".5", "5.", "1e3", "$12", "05", "12.345", "1.2.3",
    ]
    .iter()
    .map(|s| {
        format!(
            "{s:?} -> {}",
            Money::parse(s, Currency::USD)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_else(|| "accepted".into())
        )
    })
    .collect();
    insta::assert_snapshot!(report.join("\n"));
}
