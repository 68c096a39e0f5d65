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

/// Hourly interval rows from `from` for `hours` hours, `kwh` each.
fn hourly(from: &str, hours: usize, kwh: &str) -> String {
    let start = chrono::NaiveDateTime::parse_from_str(&format!("{from} 00:00"), "%Y-%m-%d %H:%M")
        .unwrap_or_default();
    let mut csv = String::from("timestamp,kwh\n");
    for h in 0..hours {
        let t = start + chrono::Duration::hours(h as i64);
        csv.push_str(&format!("{},{kwh}\n", t.format("%Y-%m-%dT%H:%M")));
    }
    csv
}

/// A two-period TOU rate (0.25 from 16:00 to 20:00, 0.10 otherwise) with a
/// 12.50 monthly fixed charge, as OpenEI URDB JSON.
fn urdb_rate() -> String {
    let day = "[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,1,1,1,1,0,0,0,0]";
    let months = [day; 12].join(",");
    format!(
        r#"{{"name": "Example TOU", "energyratestructure": [[{{"rate": 0.10}}], [{{"rate": 0.25}}]],
        "energyweekdayschedule": [{months}], "energyweekendschedule": [{months}],
        "fixedchargefirstmeter": 12.5, "fixedchargeunits": "$/month"}}"#
    )
}

fn urdb_bill(
    dir: &std::path::Path,
    usage: &str,
    from: &str,
    to: &str,
    extra: &[&str],
) -> super::Run {
    let usage = write(dir, "intervals.csv", usage);
    let rate = write(dir, "tou.json", &urdb_rate());
    let mut args = vec![
        "bill", "--format", "urdb", "--tariff", &rate, "--usage", &usage, "--from", from, "--to",
        to,
    ];
    args.extend_from_slice(extra);
    ratepayer(&args)
}

#[test]
fn interval_usage_under_a_urdb_time_of_use_rate() {
    let dir = scratch("bill-urdb");
    let run = urdb_bill(
        &dir,
        &hourly("2029-01-01", 31 * 24, "1"),
        "2029-01-01",
        "2029-01-31",
        &["--json"],
    );
    assert_eq!(run.code, 0, "{run:?}");
    let v = run.json();
    // 31 days x (20 h x 0.10 + 4 h x 0.25) + 12.50
    assert_eq!(v["total"], "105.50", "{v}");
    assert_eq!(v["period"]["from"], "2029-01-01");
    assert!(
        run.stderr.contains("URDB field `name` not used"),
        "{}",
        run.stderr
    );

    // Two months: one bill each with --monthly, one 59-day bill without it.
    let two = hourly("2029-01-01", (31 + 28) * 24, "1");
    let run = urdb_bill(
        &dir,
        &two,
        "2029-01-01",
        "2029-02-28",
        &["--json", "--monthly"],
    );
    assert_eq!(run.code, 0, "{run:?}");
    let v = run.json();
    let bills = v.as_array().cloned().unwrap_or_default();
    assert_eq!(bills.len(), 2, "{v}");
    assert_eq!(bills[1]["total"], "96.50", "28 x 3.00 + 12.50: {v}");
    let run = urdb_bill(&dir, &two, "2029-01-01", "2029-02-28", &["--json"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.json()["total"], "202.00", "59 x 3.00 + 2 x 12.50");
}

#[test]
fn interval_usage_under_a_native_tariff_month_by_month() {
    let dir = scratch("bill-intervals-native");
    let usage = write(
        &dir,
        "intervals.csv",
        &hourly("2025-10-01", (31 + 30) * 24, "0.5"),
    );
    let shelby = profile("shelby");
    let run = ratepayer(&[
        "bill",
        "--profile",
        &shelby,
        "--tariff",
        "shelby-electric-residential",
        "--usage",
        &usage,
        "--from",
        "2025-10-01",
        "--to",
        "2025-11-30",
        "--monthly",
        "--json",
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    let v = run.json();
    let bills = v.as_array().cloned().unwrap_or_default();
    assert_eq!(bills.len(), 2, "{v}");
    assert_eq!(bills[0]["usage"]["value"], "372", "31 x 24 x 0.5 kWh: {v}");
    assert_eq!(bills[1]["usage"]["value"], "360");
    assert_eq!(bills[1]["period"]["from"], "2025-11-01");
}

#[test]
fn interval_and_electric_mistakes_are_refused() {
    let dir = scratch("bill-electric-errors");
    // A gap between intervals.
    let run = bill(
        &dir,
        "timestamp,kwh\n2025-10-01T00:00,1.25\n2025-10-01T01:00,0.5\n2025-10-01T03:00,0.5\n",
        &[],
    );
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains("consecutive intervals"),
        "{}",
        run.stderr
    );
    // Not a timestamp.
    let run = bill(&dir, "timestamp,kwh\nyesterday,1\n", &[]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("not a timestamp"), "{}", run.stderr);
    // A URDB rate needs intervals, not register reads.
    let run = urdb_bill(&dir, OCTOBER, "2025-10-01", "2025-10-31", &[]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("register reads"), "{}", run.stderr);
    // --monthly needs intervals.
    let run = bill(&dir, OCTOBER, &["--monthly"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("--monthly"), "{}", run.stderr);
    // A URDB file that is not JSON.
    let rate = write(&dir, "broken.json", "{ not json");
    let usage = write(&dir, "i.csv", &hourly("2029-01-01", 48, "1"));
    let run = ratepayer(&[
        "bill",
        "--format",
        "urdb",
        "--tariff",
        &rate,
        "--usage",
        &usage,
        "--from",
        "2029-01-01",
        "--to",
        "2029-01-02",
    ]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(!run.stderr.is_empty());
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
