//! Regression tests of issue 14 (water/gas engine): the minimum bill across a
//! rate change, an unknown meter size, negative riders (discounts), credits
//! larger than the charges (no negative total or tax unless the tariff
//! allows credits), and the validation messages of those fields.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use ratepayer::{BillError, LineKind, Tariff, Unit};
use rust_decimal::Decimal;

/// A $30 minimum in two versions; the first has a $50 service charge, the
/// second none. January 2025 changes version on the 9th.
const MINIMUM_TWO_VERSIONS: &str = r#"
id = "minimum-two-versions"
name = "Water with a minimum in two versions"
service = "water"
currency = "USD"
unit = "kgal"

[[versions]]
label = "2024"
effective_from = 2024-01-01
  [[versions.fixed]]
  name = "Service charge"
  amount = 50
  [[versions.volumetric]]
  name = "Water"
  blocks = [{ rate = 4 }]
  [versions.minimum]
  amount = 30

[[versions]]
label = "2025"
effective_from = 2025-01-09
  [[versions.fixed]]
  name = "Service charge"
  amount = 0
  [[versions.volumetric]]
  name = "Water"
  blocks = [{ rate = 4 }]
  [versions.minimum]
  amount = 30
"#;

fn load(text: &str) -> Tariff {
    Tariff::from_toml(text).unwrap_or_else(|e| panic!("{e}"))
}

fn minimum_lines(b: &ratepayer::Bill) -> Vec<(String, Decimal)> {
    b.lines
        .iter()
        .filter(|l| l.kind() == LineKind::Minimum)
        .map(|l| (l.version().to_string(), l.amount.amount()))
        .collect()
}

#[test]
fn minimum_across_a_rate_change_is_a_floor_on_the_whole_bill() {
    let t = load(MINIMUM_TWO_VERSIONS);
    // Zero usage: 8 days of the $50 charge (12.90) are above the first
    // version's prorated floor (7.74), the second version has no charge
    // (floor 22.26). Per part this billed 12.90 + 22.26 = 35.16; the floor
    // on the whole bill is 30.00.
    let b = t
        .bill(&metered("2025-01-01", "2025-01-31", "0", Unit::Kgal))
        .unwrap();
    assert_eq!(b.total.amount(), dec("30.00"), "{b}");
    assert_eq!(
        minimum_lines(&b),
        vec![("2025".to_string(), dec("17.10"))],
        "{b}"
    );
    // Usage above the floor: no minimum line at all.
    let b = t
        .bill(&metered("2025-01-01", "2025-01-31", "10", Unit::Kgal))
        .unwrap();
    assert_eq!(b.total.amount(), dec("52.90"), "{b}");
    assert!(minimum_lines(&b).is_empty(), "{b}");
}

#[test]
fn every_part_short_of_its_minimum_makes_up_its_own() {
    // Both versions without a service charge: each part tops up exactly its
    // own prorated minimum (as before the fix), adding up to the $30 floor.
    let text = MINIMUM_TWO_VERSIONS.replace("amount = 50", "amount = 0");
    let b = load(&text)
        .bill(&metered("2025-01-01", "2025-01-31", "0", Unit::Kgal))
        .unwrap();
    assert_eq!(
        minimum_lines(&b),
        vec![
            ("2024".to_string(), dec("7.74")),
            ("2025".to_string(), dec("22.26"))
        ]
    );
    assert_eq!(b.total.amount(), dec("30.00"));
}

#[test]
fn minimum_across_a_rate_change_under_a_billing_cycle() {
    // A 31-day read cycle counts one month, shared by days between versions.
    let text = MINIMUM_TWO_VERSIONS.replace(
        "unit = \"kgal\"\n",
        "unit = \"kgal\"\nproration = { method = \"billing_cycle\", min_days = 27, max_days = 33, days_per_month = 30 }\n",
    );
    let b = load(&text)
        .bill(&metered("2024-12-25", "2025-01-24", "0", Unit::Kgal))
        .unwrap();
    assert_eq!(b.total.amount(), dec("30.00"), "{b}");
}

const SIZES: &str = r#"
id = "sizes"
name = "Water by meter size with a default"
service = "water"
currency = "USD"
unit = "kgal"

[[versions]]
label = "2025"
effective_from = 2025-01-01
  [[versions.fixed]]
  name = "Meter charge"
  amount = 10
  by_meter_size = [{ size = "5/8", amount = 12 }, { size = "1", amount = 20 }]
  [[versions.fixed]]
  name = "Fire line charge"
  amount = 3
  by_meter_size = [{ size = "2", amount = 9 }]
"#;

#[test]
fn an_unknown_meter_size_is_refused_with_the_sizes_the_tariff_knows() {
    let t = load(SIZES);
    let input = metered("2025-01-01", "2025-01-31", "0", Unit::Kgal);
    let e = t.bill(&input.meter_size("5/9")).unwrap_err();
    assert!(
        matches!(&e, BillError::UnknownMeterSize { size, known, .. } if size == "5/9" && known == "5/8, 1, 2"),
        "{e:?}"
    );
    insta::assert_snapshot!("unknown_meter_size", e.to_string());
    // A listed size: its own amounts, and the default of the charge that
    // does not list it.
    let b = t.bill(&input.meter_size("1")).unwrap();
    assert_eq!(b.total.amount(), dec("23.00"), "{b}");
    let b = t.bill(&input.meter_size(" 2 ")).unwrap();
    assert_eq!(b.total.amount(), dec("19.00"), "{b}");
    // No size at all: every charge has a default.
    assert_eq!(t.bill(&input).unwrap().total.amount(), dec("13.00"));
    // A tariff that prices nothing by size takes any size.
    let no_sizes: Vec<&str> = SIZES
        .lines()
        .filter(|l| !l.contains("by_meter_size"))
        .collect();
    let flat = load(&no_sizes.join("\n"));
    assert_eq!(
        flat.bill(&input.meter_size("5/9")).unwrap().total.amount(),
        dec("13.00")
    );
}

const DISCOUNT: &str = r#"
id = "discount"
name = "Water with a low-income discount"
service = "water"
currency = "USD"
unit = "kgal"

[[versions]]
label = "2025"
effective_from = 2025-01-01
  [[versions.fixed]]
  name = "Service charge"
  amount = 10
  [[versions.volumetric]]
  name = "Water"
  blocks = [{ rate = 5 }]
  [[versions.riders]]
  name = "Low-income discount"
  percent = -20
  applies_to = ["service", "usage"]
  [[versions.taxes]]
  name = "Sales tax"
  percent = 10
  applies_to = ["service", "usage", "rider"]
"#;

#[test]
fn a_negative_rider_is_a_discount() {
    let b = load(DISCOUNT)
        .bill(&metered("2025-03-01", "2025-03-31", "4", Unit::Kgal))
        .unwrap();
    // 10 + 20 = 30; discount -6.00; tax on 24.00 = 2.40.
    let rider = b
        .lines
        .iter()
        .find(|l| l.kind() == LineKind::Rider)
        .unwrap();
    assert_eq!(rider.amount.amount(), dec("-6.00"));
    assert_eq!(b.taxes().amount(), dec("2.40"));
    assert_eq!(b.total.amount(), dec("26.40"), "{b}");
}

/// A $10 service charge and a $40 credit, taxed 10 %.
const CREDIT: &str = r#"
id = "credit"
name = "Water with a credit"
service = "water"
currency = "USD"
unit = "kgal"

[[versions]]
label = "2025"
effective_from = 2025-01-01
  [[versions.fixed]]
  name = "Service charge"
  amount = 10
  [[versions.fixed]]
  name = "Bill credit"
  amount = -40
  credit = true
  [[versions.taxes]]
  name = "Sales tax"
  percent = 10
  applies_to = ["service"]
"#;

#[test]
fn a_credit_larger_than_the_charges_stops_at_zero_with_no_negative_tax() {
    let b = load(CREDIT)
        .bill(&metered("2025-03-01", "2025-03-31", "0", Unit::Kgal))
        .unwrap();
    let tax = b.lines.iter().find(|l| l.kind() == LineKind::Tax).unwrap();
    assert_eq!(tax.quantity, Decimal::ZERO, "base floored at zero: {b}");
    assert_eq!(tax.amount.amount(), dec("0.00"));
    let limit = b.lines.last().unwrap();
    assert!(limit.description().starts_with("Credit limit"), "{b}");
    assert_eq!(limit.amount.amount(), dec("30.00"));
    assert_eq!(b.total.amount(), dec("0.00"), "{b}");
    insta::assert_snapshot!("credit_limit_bill", b.to_string());
}

#[test]
fn a_tariff_that_allows_credits_keeps_them_and_taxes_them_only_when_told() {
    let allowed = CREDIT.replace(
        "unit = \"kgal\"\n",
        "unit = \"kgal\"\nallow_credit = true\n",
    );
    let b = load(&allowed)
        .bill(&metered("2025-03-01", "2025-03-31", "0", Unit::Kgal))
        .unwrap();
    assert_eq!(b.taxes().amount(), dec("0.00"));
    assert_eq!(b.total.amount(), dec("-30.00"), "{b}");
    let refunded = allowed.replace(
        "applies_to = [\"service\"]\n",
        "applies_to = [\"service\"]\n  apply_to_credit = true\n",
    );
    let b = load(&refunded)
        .bill(&metered("2025-03-01", "2025-03-31", "0", Unit::Kgal))
        .unwrap();
    assert_eq!(b.taxes().amount(), dec("-3.00"));
    assert_eq!(b.total.amount(), dec("-33.00"), "{b}");
}

#[test]
fn percent_and_credit_fields_are_validated() {
    let bad = DISCOUNT
        .replace("percent = -20", "percent = -120")
        .replace("percent = 10", "percent = -5\n  apply_to_credit = true");
    let e = Tariff::from_toml(&bad).unwrap_err();
    insta::assert_snapshot!("percent_and_credit_problems", e.to_string());
}
