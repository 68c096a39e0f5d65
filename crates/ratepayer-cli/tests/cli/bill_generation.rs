//! `ratepayer bill --format urdb --metering …` (issue 15): a customer who
//! generates, from `timestamp,delivered_kwh,received_kwh` rows, under net
//! billing and net metering (totals worked by hand), the rate's `dgrules`
//! deciding without `--metering`, and the refusals: received energy with no
//! metering, a native tariff, part of a month, several months without
//! `--monthly`, an unknown option.

use super::{ratepayer, scratch, write, Run};

/// 0.20 a kWh bought, 0.05 a kWh sold, $10 a month, and `extra` fields.
fn rate(extra: &str) -> String {
    let row = format!("[{}]", vec!["0"; 24].join(","));
    let g = format!("[{}]", vec![row; 12].join(","));
    format!(
        r#"{{"energyratestructure": [[{{"rate": 0.20, "sell": 0.05}}]],
        "energyweekdayschedule": {g}, "energyweekendschedule": {g},
        "fixedchargefirstmeter": 10, "fixedchargeunits": "$/month"{extra}}}"#
    )
}

/// January 2029, hourly: 1 kWh delivered every hour, 2 kWh received from
/// 10:00 to 14:59 (so 1 kWh exported net in each of those hours).
fn january(days: i64) -> String {
    let t0 = chrono::NaiveDate::from_ymd_opt(2029, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .unwrap_or_default();
    let mut csv = String::from("timestamp,delivered_kwh,received_kwh\n");
    for h in 0..(days * 24) {
        let t = t0 + chrono::Duration::hours(h);
        let received = if (10..15).contains(&(h % 24)) {
            "2"
        } else {
            "0"
        };
        csv.push_str(&format!("{},1,{received}\n", t.format("%Y-%m-%dT%H:%M")));
    }
    csv
}

fn run(rate: &str, usage: &str, from: &str, to: &str, extra: &[&str]) -> Run {
    let dir = scratch("bill-generation");
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
fn net_billing_credits_each_exported_hour_at_the_sell_rate() {
    let r = run(
        &rate(""),
        &january(31),
        "2029-01-01",
        "2029-01-31",
        &["--metering", "net_billing"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let j = r.json();
    // Imports 19 h × 31 = 589 kWh × 0.20 = 117.80; exports 155 kWh × 0.05 = 7.75; + 10.
    assert_eq!(j["total"], "120.05", "{j}");
    assert_eq!(j["export_credit"], "7.75");
    assert_eq!(j["exported_kwh"], "155");
    assert_eq!(j["imported_kwh"], "589");
    assert_eq!(j["metering"], "net_billing");
    let credit = j["lines"]
        .as_array()
        .and_then(|l| l.iter().find(|l| l["kind"] == "credit"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(credit["amount"], "-7.75", "{j}");
}

#[test]
fn net_metering_nets_the_month_and_the_rates_dgrules_decide_without_the_option() {
    // 310 kWh received against 744 delivered nets to 434 kWh bought in the
    // month's one period: 434 × 0.20 + 10 = 96.80 (nothing left to carry).
    let r = run(
        &rate(r#", "dgrules": "Net Metering""#),
        &january(31),
        "2029-01-01",
        "2029-01-31",
        &[],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let j = r.json();
    assert_eq!(j["total"], "96.80", "{j}");
    assert_eq!(j["imported_kwh"], "434");
    assert_eq!(j["kwh_credit_out"], "0");
    assert_eq!(j["metering"], "net_metering");
    assert_eq!(
        j["notes"],
        serde_json::json!([]),
        "sell and dgrules are used"
    );
}

#[test]
fn received_energy_without_a_metering_option_is_refused() {
    let r = run(&rate(""), &january(31), "2029-01-01", "2029-01-31", &[]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(r.stderr.contains("--metering"), "{}", r.stderr);
    assert!(r.stderr.contains("received"), "{}", r.stderr);
}

#[test]
fn part_of_a_month_and_several_months_without_monthly_are_refused() {
    let r = run(
        &rate(""),
        &january(31),
        "2029-01-15",
        "2029-01-31",
        &["--metering", "net_billing"],
    );
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("whole calendar months"), "{}", r.stderr);
    let r = run(
        &rate(""),
        &january(31),
        "2029-01-01",
        "2029-02-28",
        &["--metering", "net_billing"],
    );
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--monthly"), "{}", r.stderr);
    // Data missing at the end of the month.
    let r = run(
        &rate(""),
        &january(30),
        "2029-01-01",
        "2029-01-31",
        &["--metering", "net_billing"],
    );
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("ends at"), "{}", r.stderr);
}

#[test]
fn an_unknown_option_and_misplaced_settings_are_refused() {
    let r = run(
        &rate(""),
        &january(31),
        "2029-01-01",
        "2029-01-31",
        &["--metering", "net_meter"],
    );
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("net_metering_dollar"), "{}", r.stderr);
    let r = run(
        &rate(""),
        &january(31),
        "2029-01-01",
        "2029-01-31",
        &["--metering", "net_billing", "--year-end-sell-rate", "0.03"],
    );
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("year_end_sell_rate"), "{}", r.stderr);
}
