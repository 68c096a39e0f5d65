//! `ratepayer calendar is-banking-day` and `calendar add-business-days`.

use super::{profile, ratepayer, scratch, write};

#[test]
fn is_banking_day_table_and_json() {
    let run = ratepayer(&["calendar", "is-banking-day", "2025-07-04"]);
    assert_eq!(run.code, 0, "{run:?}");
    insta::assert_snapshot!(run.stdout);
    let run = ratepayer(&["calendar", "is-banking-day", "2025-07-03", "--json"]);
    assert_eq!(run.code, 0, "{run:?}");
    let v = run.json();
    assert_eq!(v["date"], "2025-07-03");
    assert_eq!(v["banking_day"], true);
    let run = ratepayer(&["calendar", "is-banking-day", "2025-07-05", "--json"]);
    assert_eq!(run.json()["banking_day"], false);
}

#[test]
fn add_business_days_both_ways() {
    let run = ratepayer(&["calendar", "add-business-days", "2025-07-03", "1"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("2025-07-07"), "{}", run.stdout);
    let run = ratepayer(&[
        "calendar",
        "add-business-days",
        "2025-07-07",
        "-2",
        "--json",
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    let v = run.json();
    assert_eq!(v["date"], "2025-07-07");
    assert_eq!(v["n"], -2);
    assert_eq!(v["result"], "2025-07-02");
}

#[test]
fn a_profile_office_calendar() {
    let dir = scratch("office-calendar");
    let text = std::fs::read_to_string(profile("shelby")).unwrap_or_default()
        + "\n[calendar]\nname = \"Shelby City Hall\"\ninclude_federal_reserve = true\ndates = [{ date = 2025-12-26, name = \"Day after Christmas\" }]\n";
    let path = write(&dir, "shelby-office.toml", &text);
    let run = ratepayer(&[
        "calendar",
        "is-banking-day",
        "2025-12-26",
        "--calendar",
        &path,
        "--json",
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.json()["banking_day"], false);
    assert_eq!(run.json()["calendar"], "Shelby City Hall");
    let run = ratepayer(&[
        "calendar",
        "add-business-days",
        "2025-12-24",
        "1",
        "--calendar",
        &path,
        "--json",
    ]);
    assert_eq!(run.json()["result"], "2025-12-29");
}

#[test]
fn domain_errors_exit_1() {
    let run = ratepayer(&[
        "calendar",
        "is-banking-day",
        "2025-07-04",
        "--calendar",
        &profile("shelby"),
    ]);
    assert_eq!(run.code, 1, "{run:?}");
    insta::assert_snapshot!("no_office_calendar", run.stderr);
    // An unknown calendar name is refused, listing the known ones (issue 16).
    let run = ratepayer(&[
        "calendar",
        "is-banking-day",
        "2025-07-04",
        "--calendar",
        "gorodd",
    ]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr
            .contains("`gorodd` is not a calendar; the known calendars are fed, shelby"),
        "{}",
        run.stderr
    );
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["calendar", "is-banking-day", "July 4th"][..],
        &["calendar", "is-banking-day"],
        &["calendar", "add-business-days", "2025-07-03"],
        &["calendar", "add-business-days", "2025-07-03", "one"],
        &["calendar", "add-business-days", "2025-07-03", "99999999999"],
    ] {
        let run = ratepayer(args);
        assert_eq!(run.code, 2, "{args:?}: {run:?}");
    }
}
