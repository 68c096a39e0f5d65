//! `ratepayer bill --json` totals of issue 14's engine cases: the minimum
//! across a rate change, an unknown meter size, a discount rider, and a
//! credit larger than the charges (no negative total or tax unless the
//! tariff allows credits).

use super::{ratepayer, scratch, write, Run};

const HEAD: &str = "service = \"water\"\ncurrency = \"USD\"\nunit = \"kgal\"\n";

/// No usage in January 2025 (reads on the period's bounds).
const ZERO_JANUARY: &str = "date,reading\n2025-01-01,500\n2025-02-01,500\n";

fn bill(name: &str, tariff: &str, reads: &str, extra: &[&str]) -> (Run, String) {
    let dir = scratch(name);
    let tariff = write(&dir, "tariff.toml", tariff);
    let usage = write(&dir, "reads.csv", reads);
    let mut args = vec![
        "bill",
        "--tariff",
        &tariff,
        "--usage",
        &usage,
        "--from",
        "2025-01-01",
        "--to",
        "2025-01-31",
    ];
    args.extend_from_slice(extra);
    (ratepayer(&args), dir.display().to_string())
}

#[test]
fn minimum_across_a_rate_change_bills_the_floor_of_the_whole_bill() {
    let version = |label: &str, from: &str, service: u32| {
        format!("[[versions]]\nlabel = \"{label}\"\neffective_from = {from}\n  [[versions.fixed]]\n  name = \"Service charge\"\n  amount = {service}\n  [[versions.volumetric]]\n  name = \"Water\"\n  blocks = [{{ rate = 4 }}]\n  [versions.minimum]\n  amount = 30\n")
    };
    let tariff = format!(
        "id = \"minimum\"\nname = \"Minimum in two versions\"\n{HEAD}{}{}",
        version("2024", "2024-01-01", 50),
        version("2025", "2025-01-09", 0)
    );
    let (run, _) = bill("money-minimum", &tariff, ZERO_JANUARY, &["--json"]);
    assert_eq!(run.code, 0, "{run:?}");
    // Per part it billed 12.90 + 22.26 = 35.16.
    assert_eq!(run.json()["total"], "30.00", "{}", run.stdout);
}

#[test]
fn an_unknown_meter_size_is_refused_not_billed_the_default() {
    let tariff = format!(
        "id = \"sizes\"\nname = \"By meter size\"\n{HEAD}[[versions]]\nlabel = \"2025\"\neffective_from = 2025-01-01\n  [[versions.fixed]]\n  name = \"Meter charge\"\n  amount = 10\n  by_meter_size = [{{ size = \"5/8\", amount = 12 }}, {{ size = \"1\", amount = 20 }}]\n"
    );
    let (run, _) = bill(
        "money-size",
        &tariff,
        ZERO_JANUARY,
        &["--meter-size", "5/9", "--json"],
    );
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stdout.is_empty());
    insta::assert_snapshot!("unknown_meter_size", run.stderr);
    let (run, _) = bill(
        "money-size-ok",
        &tariff,
        ZERO_JANUARY,
        &["--meter-size", "1", "--json"],
    );
    assert_eq!(run.json()["total"], "20.00", "{run:?}");
}

/// $10 a month, $5 a kgal, a rider of `rider` % and a 10 % tax.
fn with_rider(rider: &str) -> String {
    format!(
        "id = \"discount\"\nname = \"Discount\"\n{HEAD}[[versions]]\nlabel = \"2025\"\neffective_from = 2025-01-01\n  [[versions.fixed]]\n  name = \"Service charge\"\n  amount = 10\n  [[versions.volumetric]]\n  name = \"Water\"\n  blocks = [{{ rate = 5 }}]\n  [[versions.riders]]\n  name = \"Low-income discount\"\n  percent = {rider}\n  applies_to = [\"service\", \"usage\"]\n  [[versions.taxes]]\n  name = \"Sales tax\"\n  percent = 10\n  applies_to = [\"service\", \"usage\", \"rider\"]\n"
    )
}

#[test]
fn a_negative_rider_is_a_discount() {
    let reads = "date,reading\n2025-01-01,500\n2025-02-01,504\n";
    let (run, _) = bill("money-discount", &with_rider("-20"), reads, &["--json"]);
    assert_eq!(run.code, 0, "{run:?}");
    // 30.00 - 6.00 + 2.40
    assert_eq!(run.json()["total"], "26.40", "{}", run.stdout);
    assert_eq!(run.json()["taxes"], "2.40");
}

/// A $10 charge, a $40 credit, a 10 % tax; `extra` goes on the tariff.
fn credit(extra: &str, tax_extra: &str) -> String {
    format!(
        "id = \"credit\"\nname = \"Credit\"\n{HEAD}{extra}[[versions]]\nlabel = \"2025\"\neffective_from = 2025-01-01\n  [[versions.fixed]]\n  name = \"Service charge\"\n  amount = 10\n  [[versions.fixed]]\n  name = \"Bill credit\"\n  amount = -40\n  credit = true\n  [[versions.taxes]]\n  name = \"Sales tax\"\n  percent = 10\n  applies_to = [\"service\"]\n{tax_extra}"
    )
}

#[test]
fn a_credit_larger_than_the_charges_gives_no_negative_total_or_tax() {
    let (run, _) = bill("money-credit", &credit("", ""), ZERO_JANUARY, &["--json"]);
    assert_eq!(run.code, 0, "{run:?}");
    let v = run.json();
    assert_eq!(v["total"], "0.00", "{v}");
    assert_eq!(v["taxes"], "0.00", "{v}");
    let (run, _) = bill(
        "money-credit-allowed",
        &credit("allow_credit = true\n", ""),
        ZERO_JANUARY,
        &["--json"],
    );
    assert_eq!(run.json()["total"], "-30.00", "{run:?}");
    assert_eq!(run.json()["taxes"], "0.00");
    let (run, _) = bill(
        "money-credit-refund",
        &credit("allow_credit = true\n", "  apply_to_credit = true\n"),
        ZERO_JANUARY,
        &["--json"],
    );
    assert_eq!(run.json()["total"], "-33.00", "{run:?}");
    // apply_to_credit without allow_credit is a tariff error naming the field.
    let (run, _) = bill(
        "money-credit-bad",
        &credit("", "  apply_to_credit = true\n"),
        ZERO_JANUARY,
        &["--json"],
    );
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains("versions[0].taxes[0].apply_to_credit"),
        "{}",
        run.stderr
    );
}
