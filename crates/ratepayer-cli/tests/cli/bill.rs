//! `ratepayer bill`.

use super::{profile, ratepayer, scratch, write};

const OCTOBER: &str = "date,reading\n2025-10-01,1200.0\n2025-11-01,1207.4\n";

fn bill(dir: &std::path::Path, usage: &str, extra: &[&str]) -> super::Run {
    let usage = write(dir, "usage.csv", usage);
    let shelby = profile("shelby");
    let mut args = vec![
        "bill",
        "--profile",
        &shelby,
        "--tariff",
        "shelby-water-residential",
        "--usage",
        &usage,
        "--from",
        "2025-10-01",
        "--to",
        "2025-10-31",
    ];
    args.extend_from_slice(extra);
    ratepayer(&args)
}

#[test]
fn table_of_line_items_and_total() {
    let dir = scratch("bill-table");
    let run = bill(&dir, OCTOBER, &["--meter-size", "5/8"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("57.22 USD"), "{}", run.stdout);
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn json_shape() {
    let dir = scratch("bill-json");
    let run = bill(&dir, OCTOBER, &["--meter-size", "5/8", "--json"]);
    assert_eq!(run.code, 0, "{run:?}");
    let v = run.json();
    assert_eq!(v["period"]["from"], "2025-10-01");
    assert_eq!(v["period"]["to"], "2025-10-31");
    assert_eq!(v["total"], "57.22");
    let lines = v["lines"].as_array().cloned().unwrap_or_default();
    assert_eq!(lines.len(), 5);
    for l in &lines {
        for key in ["description", "quantity", "unit", "rate", "amount"] {
            assert!(l[key].is_string(), "{key} in {l}");
        }
    }
    assert_eq!(
        lines.first().map(|l| l["amount"].clone()),
        Some("13.10".into())
    );
    assert_eq!(v["usage"]["value"], "7.4");
}

#[test]
fn a_tariff_file_works_without_a_profile() {
    let dir = scratch("bill-tariff-file");
    let tariff = write(
        &dir,
        "flat.toml",
        "id = \"flat\"\nname = \"Flat water\"\nutility = \"Test\"\nservice = \"water\"\ncurrency = \"USD\"\nunit = \"kgal\"\n\n[[versions]]\nlabel = \"2025\"\neffective_from = 2025-01-01\n  [[versions.fixed]]\n  name = \"Service charge\"\n  amount = 10.00\n  [[versions.volumetric]]\n  name = \"Water\"\n  blocks = [{ rate = 2.00 }]\n",
    );
    let usage = write(&dir, "usage.csv", OCTOBER);
    let run = ratepayer(&[
        "bill",
        "--tariff",
        &tariff,
        "--usage",
        &usage,
        "--from",
        "2025-10-01",
        "--to",
        "2025-10-31",
        "--json",
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.json()["total"], "24.80");
}

#[test]
fn reads_in_another_unit_and_an_estimated_read() {
    let dir = scratch("bill-unit");
    let run = bill(
        &dir,
        "date,reading,kind\n2025-10-01,100,actual\n2025-11-01,7500,estimated\n",
        &["--meter-size", "5/8", "--unit", "gal", "--json"],
    );
    assert_eq!(run.code, 0, "{run:?}");
    let v = run.json();
    assert_eq!(v["usage"]["value"], "7.4");
    assert_eq!(v["usage"]["estimated"], true);
}

#[test]
fn domain_errors_exit_1_with_a_clear_message() {
    let dir = scratch("bill-errors");
    let run = bill(&dir, OCTOBER, &[]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stdout.is_empty());
    insta::assert_snapshot!("missing_meter_size", run.stderr);

    let run = bill(
        &dir,
        "date,reading\n2025-10-01,1200\n2025-11-01,1100\n",
        &["--meter-size", "5/8"],
    );
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("below the read"), "{}", run.stderr);

    let run = bill(&dir, "day,value\n1,2\n", &[]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("`date,reading`"), "{}", run.stderr);

    let run = bill(&dir, "date,reading\n2025-10-01,12,34\n2025-13-01,x\n", &[]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains("line 2") && run.stderr.contains("line 3"),
        "{}",
        run.stderr
    );
    insta::assert_snapshot!(
        "bad_usage_rows",
        run.stderr.replace(&dir.display().to_string(), "DIR")
    );

    let run = bill(
        &dir,
        "date,reading\n2025-10-05,1\n2025-11-01,2\n",
        &["--meter-size", "5/8"],
    );
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("no opening read"), "{}", run.stderr);

    let shelby = profile("shelby");
    let usage = write(&dir, "u.csv", OCTOBER);
    let run = ratepayer(&[
        "bill",
        "--profile",
        &shelby,
        "--tariff",
        "nope",
        "--usage",
        &usage,
        "--from",
        "2025-10-01",
        "--to",
        "2025-10-31",
    ]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("no tariff `nope`"), "{}", run.stderr);
}

#[test]
fn electric_parts_are_refused_until_they_exist() {
    let dir = scratch("bill-electric");
    let run = bill(
        &dir,
        "timestamp,kwh\n2025-10-01T00:00,1.25\n2025-10-01T01:00,0.5\n",
        &[],
    );
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("not supported yet"), "{}", run.stderr);
    assert!(run.stderr.contains("interval usage"), "{}", run.stderr);

    let run = bill(&dir, "timestamp,kwh\nyesterday,1\n", &[]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("not a timestamp"), "{}", run.stderr);

    let run = bill(&dir, OCTOBER, &["--format", "urdb"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("--format urdb"), "{}", run.stderr);

    let run = bill(&dir, OCTOBER, &["--monthly"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("--monthly"), "{}", run.stderr);
}

#[test]
fn usage_errors_exit_2() {
    let dir = scratch("bill-usage");
    let run = bill(&dir, OCTOBER, &["--format", "xml"]);
    assert_eq!(run.code, 2, "{run:?}");
    let run = ratepayer(&["bill", "--tariff", "x.toml", "--from", "2025-10-01"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("--usage"), "{}", run.stderr);
    let run = bill(&dir, OCTOBER, &["--residents", "many"]);
    assert_eq!(run.code, 2, "{run:?}");
}

#[test]
fn reads_off_the_period_bounds_are_billed_with_a_note() {
    let dir = scratch("bill-note");
    let run = bill(
        &dir,
        "date,reading\n2025-09-28,1200.0\n2025-11-01,1207.4\n",
        &["--meter-size", "5/8", "--json"],
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stderr.contains("not exactly the period billed"),
        "{}",
        run.stderr
    );
    assert_eq!(run.json()["total"], "57.22");
}

#[test]
fn a_period_that_ends_before_it_starts_exits_1() {
    let dir = scratch("bill-period");
    let usage = write(&dir, "usage.csv", OCTOBER);
    let run = ratepayer(&[
        "bill",
        "--profile",
        "shelby",
        "--tariff",
        "shelby-water-residential",
        "--usage",
        &usage,
        "--from",
        "2025-10-31",
        "--to",
        "2025-10-01",
    ]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains("ends (2025-10-01) before it starts"),
        "{}",
        run.stderr
    );
}
