//! `ratepayer bill --format urdb` on the cases of "Bills a utility can send":
//! the capped last tier, a ratchet on flagged months, UTC and offset
//! timestamps read in the utility's zone (refused with none), part of a
//! month, read cycles across the year end, the URDB envelope and an empty
//! rate, and the importer's notes in the JSON.

use super::{profile, ratepayer, scratch, write, Run};

fn grid(peak: &[usize]) -> String {
    let row: Vec<&str> = (0..24)
        .map(|h| if peak.contains(&h) { "1" } else { "0" })
        .collect();
    let row = format!("[{}]", row.join(","));
    format!("[{}]", vec![row; 12].join(","))
}

/// 0.25 from 16:00 to 20:00, 0.10 otherwise, and `extra` fields.
fn tou(extra: &str) -> String {
    let g = grid(&[16, 17, 18, 19]);
    format!(
        r#"{{"name": "TOU", "energyratestructure": [[{{"rate": 0.10}}], [{{"rate": 0.25}}]],
        "energyweekdayschedule": {g}, "energyweekendschedule": {g}{extra}}}"#
    )
}

/// Rows from `start` (local, or UTC with `suffix` "Z"), one an hour.
fn rows(start: &str, hours: usize, kwh: impl Fn(usize) -> String, suffix: &str) -> String {
    let t0 = chrono::NaiveDateTime::parse_from_str(start, "%Y-%m-%dT%H:%M").unwrap_or_default();
    let mut csv = String::from("timestamp,kwh\n");
    for h in 0..hours {
        let t = t0 + chrono::Duration::hours(h as i64);
        csv.push_str(&format!(
            "{}{suffix},{}\n",
            t.format("%Y-%m-%dT%H:%M"),
            kwh(h)
        ));
    }
    csv
}

fn run(rate: &str, usage: &str, from: &str, to: &str, extra: &[&str]) -> Run {
    let dir = scratch("bill-electric");
    let rate = write(&dir, "rate.json", rate);
    let usage = write(&dir, "usage.csv", usage);
    let mut args = vec![
        "bill", "--format", "urdb", "--tariff", &rate, "--usage", &usage, "--from", from, "--to",
        to, "--json",
    ];
    args.extend_from_slice(extra);
    ratepayer(&args)
}

#[test]
fn last_tier_with_a_max_bills_everything_above() {
    let g = grid(&[]);
    let rate = format!(
        r#"{{"energyratestructure": [[{{"max": 200, "rate": 0.10}}]],
        "energyweekdayschedule": {g}, "energyweekendschedule": {g},
        "flatdemandstructure": [[{{"max": 10, "rate": 5}}]], "flatdemandmonths": [0,0,0,0,0,0,0,0,0,0,0,0]}}"#
    );
    let usage = rows(
        "2029-01-01T00:00",
        744,
        |h| if h == 100 { "20".into() } else { "1".into() },
        "",
    );
    let r = run(&rate, &usage, "2029-01-01", "2029-01-31", &[]);
    assert_eq!(r.code, 0, "{r:?}");
    // 763 kWh × 0.10 + 20 kW × 5
    assert_eq!(r.json()["total"], "176.30", "{}", r.stdout);
    assert_eq!(r.json()["peak_kw"], "20");
}

#[test]
fn utc_timestamps_need_a_zone_and_are_billed_in_it() {
    // 10 kWh at 21:00Z on 10 January: 16:00 in New York, on peak.
    let usage = rows(
        "2029-01-01T05:00",
        744,
        |h| {
            if h == 9 * 24 + 16 {
                "10".into()
            } else {
                "1".into()
            }
        },
        "Z",
    );
    let r = run(&tou(""), &usage, "2029-01-01", "2029-01-31", &[]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stderr.contains("time zone"), "{}", r.stderr);
    let r = run(
        &tou(""),
        &usage,
        "2029-01-01",
        "2029-01-31",
        &["--time-zone", "America/New_York"],
    );
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(r.json()["total"], "95.25", "{}", r.stdout);
    // A profile's zone is used when --time-zone is not given (Crow Wing: Chicago).
    let r = run(
        &tou(""),
        &usage,
        "2029-01-01",
        "2029-01-31",
        &["--profile", &profile("crow-wing")],
    );
    assert_eq!(r.code, 1, "an hour short of January in Chicago: {r:?}");
    let r = run(
        &tou(""),
        &usage,
        "2029-01-01",
        "2029-01-31",
        &["--time-zone", "Nowhere/Atlantis"],
    );
    assert_eq!(r.code, 2, "{r:?}");
}

#[test]
fn part_of_a_month_and_read_cycles() {
    let rate = tou(r#", "fixedchargefirstmeter": 12.5, "fixedchargeunits": "$/month""#);
    let usage = rows("2029-01-01T00:00", 744, |_| "1".into(), "");
    let r = run(&rate, &usage, "2029-01-15", "2029-01-31", &[]);
    assert_eq!(r.code, 0, "{r:?}");
    let v = r.json();
    assert_eq!(v["period"]["from"], "2029-01-15");
    assert_eq!(v["days"], 17);
    // 17 × 3.00 + 12.50 × 17/31
    assert_eq!(v["total"], "57.85", "{v}");
    // Read cycles across the year end: Dec 15 - Jan 14, then Jan 15 - Feb 13.
    let usage = rows("2029-12-01T00:00", (31 + 31 + 28) * 24, |_| "1".into(), "");
    let r = run(
        &rate,
        &usage,
        "2029-12-15",
        "2030-02-13",
        &["--read-dates", "2030-01-14"],
    );
    assert_eq!(r.code, 0, "{r:?}");
    let bills = r.json().as_array().cloned().unwrap_or_default();
    assert_eq!(bills.len(), 2, "{}", r.stdout);
    assert_eq!(bills[0]["period"]["to"], "2030-01-14");
    assert_eq!(bills[0]["days"], 31);
    assert_eq!(bills[1]["period"]["from"], "2030-01-15");
}

#[test]
fn ratchet_on_flagged_months_is_explained() {
    let g = grid(&[]);
    let rate = format!(
        r#"{{"energyratestructure": [[{{"rate": 0.1}}]], "energyweekdayschedule": {g}, "energyweekendschedule": {g},
        "flatdemandstructure": [[{{"rate": 10}}]], "flatdemandmonths": [0,0,0,0,0,0,0,0,0,0,0,0],
        "lookbackpercent": 0.8, "lookbackrange": 0,
        "lookbackmonths": [false,false,false,false,false,true,true,true,true,false,false,false]}}"#
    );
    let july15 = (31 + 28 + 31 + 30 + 31 + 30 + 14) * 24 + 12;
    let usage = rows(
        "2029-01-01T00:00",
        365 * 24,
        |h| {
            if h == july15 {
                "100".into()
            } else {
                "10".into()
            }
        },
        "",
    );
    let r = run(&rate, &usage, "2029-01-01", "2029-12-31", &["--monthly"]);
    assert_eq!(r.code, 0, "{r:?}");
    let bills = r.json().as_array().cloned().unwrap_or_default();
    assert_eq!(bills[9]["billing_demand_kw"], "80", "{}", bills[9]);
    assert_eq!(bills[9]["demand_basis"]["basis"], "ratchet");
    assert_eq!(bills[9]["demand_basis"]["month"], 7);
    assert_eq!(bills[9]["peak_kw"], "10");
}

#[test]
fn urdb_envelope_empty_rate_and_notes() {
    let usage = rows("2029-01-01T00:00", 744, |_| "1".into(), "");
    let r = run("{}", &usage, "2029-01-01", "2029-01-31", &[]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stderr.contains("energyratestructure"), "{}", r.stderr);
    let one = format!(r#"{{"items": [{}]}}"#, tou(""));
    let r = run(&one, &usage, "2029-01-01", "2029-01-31", &[]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(r.json()["total"], "93.00");
    // The importer's notes are in the JSON, not only on stderr.
    let notes = r.json()["notes"].as_array().cloned().unwrap_or_default();
    assert!(notes.iter().any(|n| n["field"] == "name"), "{}", r.stdout);
    let two = format!(r#"{{"items": [{}, {}]}}"#, tou(""), tou(""));
    let r = run(&two, &usage, "2029-01-01", "2029-01-31", &[]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stderr.contains("items[1]"), "{}", r.stderr);
    // A rate in effect from 2030 does not bill 2029.
    let dated = tou(r#", "startdate": 1893456000"#);
    let r = run(&dated, &usage, "2029-01-01", "2029-01-31", &[]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stderr.contains("no version"), "{}", r.stderr);
}

#[test]
fn a_wall_clock_export_across_the_spring_change_is_read_in_the_zone() {
    // March 2029 in New York as a meter exports it: 02:00 on 11 March does not exist.
    let t0 = chrono::NaiveDate::from_ymd_opt(2029, 3, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .unwrap_or_default();
    let mut csv = String::from("timestamp,kwh\n");
    for h in 0..744 {
        let t = t0 + chrono::Duration::hours(h);
        if t.format("%Y-%m-%dT%H").to_string() == "2029-03-11T02" {
            continue;
        }
        csv.push_str(&format!("{},1\n", t.format("%Y-%m-%dT%H:%M")));
    }
    let r = run(
        &tou(""),
        &csv,
        "2029-03-01",
        "2029-03-31",
        &["--time-zone", "America/New_York"],
    );
    assert_eq!(r.code, 0, "{r:?}");
    // 743 hours: 124 on peak, 619 off peak.
    assert_eq!(r.json()["total"], "92.90", "{}", r.stdout);
    // Without the zone the skipped hour is a gap.
    let r = run(&tou(""), &csv, "2029-03-01", "2029-03-31", &[]);
    assert_eq!(r.code, 1, "{r:?}");
}

#[test]
fn cycle_options_apply_to_native_interval_bills_and_are_refused_with_register_reads() {
    let dir = scratch("bill-native-cycles");
    let usage = write(
        &dir,
        "i.csv",
        &rows("2025-10-01T00:00", (31 + 30) * 24, |_| "0.5".into(), ""),
    );
    let shelby = profile("shelby");
    let r = ratepayer(&[
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
        "--read-dates",
        "2025-10-20",
        "--json",
    ]);
    assert_eq!(r.code, 0, "{r:?}");
    let bills = r.json().as_array().cloned().unwrap_or_default();
    assert_eq!(bills.len(), 2, "{}", r.stdout);
    assert_eq!(bills[0]["usage"]["value"], "240", "20 days x 24 x 0.5 kWh");
    let reads = write(
        &dir,
        "reads.csv",
        "date,reading\n2025-10-01,1200\n2025-11-01,1207.4\n",
    );
    for extra in [
        ["--read-dates", "2025-10-15"],
        ["--time-zone", "America/New_York"],
    ] {
        let mut args = vec![
            "bill",
            "--profile",
            &shelby,
            "--tariff",
            "shelby-water-residential",
            "--usage",
            &reads,
            "--from",
            "2025-10-01",
            "--to",
            "2025-10-31",
            "--meter-size",
            "5/8",
        ];
        args.extend_from_slice(&extra);
        let r = ratepayer(&args);
        assert_eq!(
            r.code, 2,
            "{extra:?} must be refused with register reads: {r:?}"
        );
    }
}
