//! Date tests of the banking calendars across 2024-2030: every Federal Reserve
//! holiday rule (Sunday to Monday, Saturday not moved, Juneteenth from 2022),
//! every roll convention, business-day arithmetic, and profile calendars.

use super::*;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap_or_default()
}

/// The Federal Reserve's published closures, 2024-2030 (a Saturday holiday
/// closes nothing: 2026-07-04, 2027-06-19, 2027-12-25, 2028-01-01, 2028-11-11).
const FED_CLOSED: [(i32, &[&str]); 7] = [
    (
        2024,
        &[
            "01-01", "01-15", "02-19", "05-27", "06-19", "07-04", "09-02", "10-14", "11-11",
            "11-28", "12-25",
        ],
    ),
    (
        2025,
        &[
            "01-01", "01-20", "02-17", "05-26", "06-19", "07-04", "09-01", "10-13", "11-11",
            "11-27", "12-25",
        ],
    ),
    (
        2026,
        &[
            "01-01", "01-19", "02-16", "05-25", "06-19", "09-07", "10-12", "11-11", "11-26",
            "12-25",
        ],
    ),
    (
        2027,
        &[
            "01-01", "01-18", "02-15", "05-31", "07-05", "09-06", "10-11", "11-11", "11-25",
        ],
    ),
    (
        2028,
        &[
            "01-17", "02-21", "05-29", "06-19", "07-04", "09-04", "10-09", "11-23", "12-25",
        ],
    ),
    (
        2029,
        &[
            "01-01", "01-15", "02-19", "05-28", "06-19", "07-04", "09-03", "10-08", "11-12",
            "11-22", "12-25",
        ],
    ),
    (
        2030,
        &[
            "01-01", "01-21", "02-18", "05-27", "06-19", "07-04", "09-02", "10-14", "11-11",
            "11-28", "12-25",
        ],
    ),
];

#[test]
fn fed_closures_2024_to_2030_match_the_published_schedule() {
    let fed = Calendar::fed();
    for (year, days) in FED_CLOSED {
        let expected: Vec<NaiveDate> = days.iter().map(|md| d(&format!("{year}-{md}"))).collect();
        assert_eq!(fed.holidays_in(year), expected, "{year}");
        // Every other weekday of the year is a banking day.
        let first = d(&format!("{year}-01-01"));
        for day in first.iter_days().take_while(|x| x.year() == year) {
            let weekday = !matches!(day.weekday(), Weekday::Sat | Weekday::Sun);
            assert_eq!(
                fed.is_business_day(day),
                weekday && !expected.contains(&day),
                "{day}"
            );
        }
    }
}

#[test]
fn sunday_holidays_move_to_monday_and_saturday_holidays_do_not_move() {
    let fed = Calendar::fed();
    // Independence Day 2027 is a Sunday: the Fed closes Monday 5 July.
    assert_eq!(
        fed_holiday_on(d("2027-07-05")),
        Some(FedHoliday::IndependenceDay)
    );
    assert!(!fed.is_business_day(d("2027-07-05")));
    // Independence Day 2026 is a Saturday: Friday 3 July is a banking day.
    assert!(fed.is_business_day(d("2026-07-03")));
    assert_eq!(FedHoliday::IndependenceDay.observed(2026), None);
    // Christmas 2027 and New Year 2028 are Saturdays: Friday 24 and 31 December are open.
    assert!(fed.is_business_day(d("2027-12-24")));
    assert!(fed.is_business_day(d("2027-12-31")));
    // Veterans Day 2029 is a Sunday: Monday 12 November is closed.
    assert!(!fed.is_business_day(d("2029-11-12")));
}

#[test]
fn juneteenth_counts_from_2022() {
    let fed = Calendar::fed();
    assert!(
        fed.is_business_day(d("2021-06-18")),
        "no Juneteenth closure in 2021"
    );
    assert_eq!(FedHoliday::Juneteenth.date(2021), None);
    assert!(
        !fed.is_business_day(d("2022-06-20")),
        "2022-06-19 is a Sunday, observed Monday"
    );
    assert!(!fed.is_business_day(d("2025-06-19")));
    assert!(
        fed.is_business_day(d("2027-06-18")),
        "2027-06-19 is a Saturday; Friday is open"
    );
}

#[test]
fn thanksgiving_is_the_fourth_thursday() {
    for (year, day) in [
        (2024, "2024-11-28"),
        (2025, "2025-11-27"),
        (2026, "2026-11-26"),
        (2027, "2027-11-25"),
        (2028, "2028-11-23"),
        (2029, "2029-11-22"),
        (2030, "2030-11-28"),
    ] {
        assert_eq!(FedHoliday::Thanksgiving.observed(year), Some(d(day)));
    }
    // The day after Thanksgiving is a banking day.
    assert!(Calendar::fed().is_business_day(d("2026-11-27")));
}

#[test]
fn roll_conventions() {
    let fed = Calendar::fed();
    // Thanksgiving 2026 (Thursday 26 November).
    assert_eq!(
        fed.roll(d("2026-11-26"), Roll::Following),
        Ok(d("2026-11-27"))
    );
    assert_eq!(
        fed.roll(d("2026-11-26"), Roll::Preceding),
        Ok(d("2026-11-25"))
    );
    // Saturday 31 October 2026: following would cross into November.
    assert_eq!(
        fed.roll(d("2026-10-31"), Roll::Following),
        Ok(d("2026-11-02"))
    );
    assert_eq!(
        fed.roll(d("2026-10-31"), Roll::ModifiedFollowing),
        Ok(d("2026-10-30"))
    );
    // Sunday 1 March 2026: preceding would cross into February.
    assert_eq!(
        fed.roll(d("2026-03-01"), Roll::Preceding),
        Ok(d("2026-02-27"))
    );
    assert_eq!(
        fed.roll(d("2026-03-01"), Roll::ModifiedPreceding),
        Ok(d("2026-03-02"))
    );
    // Year end: Friday 1 January 2027 is New Year's Day; the weekend follows.
    assert_eq!(
        fed.roll(d("2027-01-01"), Roll::Following),
        Ok(d("2027-01-04"))
    );
    assert_eq!(
        fed.roll(d("2027-01-01"), Roll::Preceding),
        Ok(d("2026-12-31"))
    );
    assert_eq!(
        fed.roll(d("2027-01-01"), Roll::ModifiedPreceding),
        Ok(d("2027-01-04"))
    );
    // A business day does not move under any convention.
    for r in [
        Roll::Following,
        Roll::Preceding,
        Roll::ModifiedFollowing,
        Roll::ModifiedPreceding,
    ] {
        assert_eq!(fed.roll(d("2026-11-25"), r), Ok(d("2026-11-25")));
    }
    assert_eq!(
        "modified-following".parse::<Roll>(),
        Ok(Roll::ModifiedFollowing)
    );
    assert!("sideways".parse::<Roll>().is_err());
}

#[test]
fn business_day_arithmetic() {
    let fed = Calendar::fed();
    // Wednesday before Thanksgiving 2026 + 1 business day = Friday.
    assert_eq!(
        fed.add_business_days(d("2026-11-25"), 1),
        Ok(d("2026-11-27"))
    );
    // Across Christmas and New Year 2024/2025.
    assert_eq!(
        fed.add_business_days(d("2024-12-24"), 3),
        Ok(d("2024-12-30"))
    );
    assert_eq!(
        fed.add_business_days(d("2024-12-31"), 1),
        Ok(d("2025-01-02"))
    );
    assert_eq!(
        fed.add_business_days(d("2025-01-02"), -1),
        Ok(d("2024-12-31"))
    );
    assert_eq!(
        fed.add_business_days(d("2025-01-06"), -5),
        Ok(d("2024-12-27"))
    );
    // Zero rolls a closed day forward.
    assert_eq!(
        fed.add_business_days(d("2025-12-25"), 0),
        Ok(d("2025-12-26"))
    );
    assert_eq!(
        fed.business_days_between(d("2024-12-24"), d("2024-12-30")),
        3
    );
    assert_eq!(
        fed.business_days_between(d("2024-12-30"), d("2024-12-24")),
        -3
    );
}

#[test]
fn a_utility_office_calendar_from_a_profile() {
    let spec = CalendarSpec {
        name: "Shelby City Hall".into(),
        weekend: vec![Weekday::Sat, Weekday::Sun],
        include_federal_reserve: true,
        rules: vec![
            HolidayRule {
                name: "Day after Thanksgiving".into(),
                month: 11,
                day: None,
                weekday: Some(Weekday::Thu),
                nth: Some(4),
                offset_days: 1,
                observance: Observance::Nearest,
                from_year: None,
            },
            HolidayRule {
                name: "Christmas Eve".into(),
                month: 12,
                day: Some(24),
                weekday: None,
                nth: None,
                offset_days: 0,
                observance: Observance::Nearest,
                from_year: None,
            },
        ],
        dates: vec![HolidayDate {
            date: d("2026-04-03"),
            name: "Good Friday".into(),
        }],
    };
    let office = Calendar::from_spec(&spec).unwrap_or_else(|_| Calendar::fed());
    assert_eq!(office.name(), "Shelby City Hall");
    assert!(
        !office.is_business_day(d("2026-11-27")),
        "day after Thanksgiving"
    );
    assert!(!office.is_business_day(d("2026-12-24")));
    assert!(
        !office.is_business_day(d("2027-12-24")),
        "Christmas Eve 2027 is a Friday"
    );
    // Christmas Eve 2028 is a Sunday, observed on Monday 25th; Friday 22nd is open.
    assert!(office.is_business_day(d("2028-12-22")));
    assert!(!office.is_business_day(d("2028-12-25")));
    assert!(!office.is_business_day(d("2026-04-03")), "one-off closure");
    assert!(
        !office.is_business_day(d("2026-11-26")),
        "Fed holidays close it too"
    );
    let broken = CalendarSpec {
        weekend: vec![
            Weekday::Mon,
            Weekday::Tue,
            Weekday::Wed,
            Weekday::Thu,
            Weekday::Fri,
            Weekday::Sat,
            Weekday::Sun,
        ],
        rules: vec![HolidayRule {
            month: 13,
            ..spec.rules[1].clone()
        }],
        ..spec
    };
    match Calendar::from_spec(&broken) {
        Err(CalendarError::Invalid { problems }) => assert_eq!(problems.len(), 2, "{problems:?}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn years_outside_the_precomputed_range_still_work() {
    let fed = Calendar::fed();
    assert!(!fed.is_business_day(d("2200-12-25")));
    assert!(!fed.is_business_day(d("1985-07-04")));
    assert!(fed.is_business_day(d("1985-07-05")));
}

fn new_year_nearest() -> CalendarSpec {
    CalendarSpec {
        name: "Office".into(),
        weekend: vec![Weekday::Sat, Weekday::Sun],
        include_federal_reserve: false,
        rules: vec![HolidayRule {
            name: "New Year's Day".into(),
            month: 1,
            day: Some(1),
            weekday: None,
            nth: None,
            offset_days: 0,
            observance: Observance::Nearest,
            from_year: None,
        }],
        dates: Vec::new(),
    }
}

#[test]
fn a_saturday_new_year_closes_the_friday_before_in_the_previous_year() {
    let office = Calendar::from_spec(&new_year_nearest()).unwrap_or_else(|_| Calendar::fed());
    // 1 January 2022 is a Saturday: the office closes Friday 31 December 2021.
    assert!(!office.is_business_day(d("2021-12-31")), "the real closure");
    assert!(
        office.holidays_in(2021).contains(&d("2021-12-31")),
        "{:?}",
        office.holidays_in(2021)
    );
    // No closure is invented in 2022 for it (the bitmap once marked day 365 of 2022).
    assert!(
        office.is_business_day(d("2022-12-30")),
        "Friday 30 December 2022"
    );
    assert_eq!(office.holidays_in(2022), Vec::<NaiveDate>::new());
    // 2022-12-31 is a Saturday anyway; 2023's New Year is a Sunday, observed Monday 2 January.
    assert_eq!(office.holidays_in(2023), vec![d("2023-01-02")]);
    // The same outside the precomputed years (computed on demand).
    // 1 January 2146 is a Saturday: Friday 31 December 2145 closes, 2146 invents nothing.
    assert!(!office.is_business_day(d("2145-12-31")));
    assert!(office.is_business_day(d("2146-12-30")), "a Friday");
    assert_eq!(office.holidays_in(2146), Vec::<NaiveDate>::new());
}

#[test]
fn an_impossible_holiday_date_is_refused_naming_the_field_and_value() {
    let mut spec = new_year_nearest();
    for (month, day) in [(2, 30), (2, 29), (4, 31), (1, 0), (1, 32)] {
        spec.rules.push(HolidayRule {
            name: format!("{month}/{day}"),
            month,
            day: Some(day),
            ..new_year_nearest().rules[0].clone()
        });
    }
    let problems = match Calendar::from_spec(&spec) {
        Err(CalendarError::Invalid { problems }) => problems,
        other => panic!("{other:?}"),
    };
    let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
    insta::assert_snapshot!(text.join("\n"));
    assert_eq!(problems.len(), 5);
    assert_eq!(problems[0].path, "rules[1].day");
    // A real date still passes.
    assert!(impossible_day_free(12, 31) && impossible_day_free(2, 28));
}

fn impossible_day_free(month: u32, day: u32) -> bool {
    let mut spec = new_year_nearest();
    spec.rules[0].month = month;
    spec.rules[0].day = Some(day);
    spec.problems().is_empty()
}

#[test]
fn an_impossible_one_off_closure_is_refused_quoting_it() {
    for (text, want) in [
        (
            r#"{"date": "2026-02-30", "name": "x"}"#,
            "`2026-02-30` is not a date: February 2026 has 28 days, not 30",
        ),
        (
            r#"{"date": "2026-13-01", "name": "x"}"#,
            "the month must be 1 to 12",
        ),
        (
            r#"{"date": "30/02/2026", "name": "x"}"#,
            "write it as YYYY-MM-DD",
        ),
    ] {
        match serde_json::from_str::<HolidayDate>(text) {
            Err(e) => assert!(e.to_string().contains(want), "{e}"),
            Ok(h) => panic!("accepted {h:?}"),
        }
    }
    let ok: Result<HolidayDate, _> =
        serde_json::from_str(r#"{"date": "2028-02-29", "name": "leap"}"#);
    assert!(ok.is_ok(), "{ok:?}");
}
