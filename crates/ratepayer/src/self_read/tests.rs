//! Tests of customer-submitted reads: window edges, enabled meters, readings
//! below the previous one, rollover, and the plausibility flag.
use super::*;
use crate::Unit;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

fn dec(v: i64) -> Decimal {
    Decimal::from(v)
}

fn policy(first: u32, last: u32) -> SelfReadPolicy {
    SelfReadPolicy {
        window: SubmissionWindow {
            first_day: first,
            last_day: last,
        },
        plausibility_factor: dec(3),
        min_history_days: 30,
    }
}

fn hot() -> Meter {
    Meter::new("HW-1", "kitchen hot water", Unit::CubicMetre, 5).with_self_read(true)
}

/// Monthly reads on the 20th: 3 m³ a month (about 0.1 m³ a day).
fn history() -> Vec<Read> {
    vec![
        Read::actual(day(2025, 1, 20), dec(100)),
        Read::customer(day(2025, 2, 20), dec(103)),
        Read::customer(day(2025, 3, 20), dec(106)),
    ]
}

#[test]
fn window_is_validated() {
    assert!(SubmissionWindow::new(15, 25).is_ok());
    assert!(SubmissionWindow::new(1, 31).is_ok());
    for (a, b) in [(0, 10), (5, 32), (26, 25)] {
        assert!(matches!(
            SubmissionWindow::new(a, b),
            Err(SelfReadError::InvalidWindow { .. })
        ));
    }
    assert_eq!(
        SubmissionWindow {
            first_day: 15,
            last_day: 25
        }
        .to_string(),
        "days 15 to 25 of each month"
    );
}

#[test]
fn window_edges_are_inclusive() -> Result<(), SelfReadError> {
    let w = SubmissionWindow::new(15, 25)?;
    assert!(!w.contains(day(2025, 4, 14))?);
    assert!(w.contains(day(2025, 4, 15))?);
    assert!(w.contains(day(2025, 4, 25))?);
    assert!(!w.contains(day(2025, 4, 26))?);
    assert_eq!(w.next_opening(day(2025, 4, 14))?, day(2025, 4, 15));
    assert_eq!(w.next_opening(day(2025, 4, 26))?, day(2025, 5, 15));
    assert_eq!(w.next_opening(day(2025, 12, 31))?, day(2026, 1, 15));
    Ok(())
}

#[test]
fn window_days_clamp_to_short_months() -> Result<(), SelfReadError> {
    let w = SubmissionWindow::new(25, 31)?;
    let feb = w.in_month(day(2025, 2, 10))?;
    assert_eq!((feb.from(), feb.to()), (day(2025, 2, 25), day(2025, 2, 28)));
    assert!(w.contains(day(2025, 2, 28))?);
    assert!(w.contains(day(2024, 2, 29))?);
    assert!(!w.contains(day(2025, 3, 1))?);
    assert!(w.contains(day(2025, 3, 31))?);
    assert!(w.contains(day(2025, 4, 30))?);
    let late = SubmissionWindow::new(30, 31)?;
    let feb = late.in_month(day(2025, 2, 1))?;
    assert_eq!((feb.from(), feb.to()), (day(2025, 2, 28), day(2025, 2, 28)));
    assert_eq!(late.next_opening(day(2025, 1, 31))?, day(2025, 2, 28));
    Ok(())
}

#[test]
fn a_reading_inside_the_window_is_accepted() -> Result<(), SelfReadError> {
    let out = policy(15, 25).check(&hot(), &history(), dec(109), day(2025, 4, 20))?;
    let SubmissionOutcome::Accepted {
        read,
        since_previous: Some(since),
        plausibility_checked: true,
    } = out
    else {
        return Err(SelfReadError::InvalidAverage {
            meter: format!("{out:?}"),
            value: Decimal::ZERO,
        });
    };
    assert_eq!(read, Read::customer(day(2025, 4, 20), dec(109)));
    assert_eq!(since.days, 31);
    assert_eq!(since.consumption, Quantity::new(dec(3), Unit::CubicMetre));
    Ok(())
}

#[test]
fn outside_the_window_names_the_window_and_next_opening() {
    let err = policy(25, 31).check(&hot(), &history(), dec(109), day(2025, 2, 24));
    assert!(matches!(
        &err,
        Err(SelfReadError::OutsideWindow { next_opening, .. }) if *next_opening == day(2025, 2, 25)
    ));
    let text = err.map(|_| String::new()).unwrap_or_else(|e| e.to_string());
    assert!(text.contains("days 25 to 31 of each month"), "{text}");
    assert!(text.contains("2025-02-25 to 2025-02-28"), "{text}");
    assert!(text.contains("next opens on 2025-02-25"), "{text}");
    let err = policy(15, 25).check(&hot(), &history(), dec(109), day(2025, 4, 26));
    assert!(matches!(
        err,
        Err(SelfReadError::OutsideWindow { next_opening, .. }) if next_opening == day(2025, 5, 15)
    ));
}

#[test]
fn a_meter_not_enabled_is_refused() {
    let meter = hot().with_self_read(false);
    let err = policy(15, 25).check(&meter, &history(), dec(109), day(2025, 4, 20));
    assert!(matches!(&err, Err(SelfReadError::NotEnabled { .. })));
    let text = err.map(|_| String::new()).unwrap_or_else(|e| e.to_string());
    assert!(
        text.contains("HW-1") && text.contains("housing organisation"),
        "{text}"
    );
}

#[test]
fn below_previous_shows_both_values() {
    let err = policy(15, 25).check(&hot(), &history(), dec(105), day(2025, 4, 20));
    assert_eq!(
        err,
        Err(SelfReadError::BelowPrevious {
            meter: "HW-1".into(),
            previous_date: day(2025, 3, 20),
            previous: dec(106),
            value: dec(105),
        })
    );
    let text = err.map(|_| String::new()).unwrap_or_else(|e| e.to_string());
    assert!(text.contains("105") && text.contains("106"), "{text}");
}

#[test]
fn a_rollover_is_accepted() -> Result<(), SelfReadError> {
    let meter = Meter::new("CW-9", "bathroom cold water", Unit::CubicMetre, 5).with_self_read(true);
    let history = [
        Read::actual(day(2025, 2, 20), dec(99_990)),
        Read::actual(day(2025, 3, 20), dec(99_997)),
    ];
    let out = policy(15, 25).check(&meter, &history, dec(4), day(2025, 4, 20))?;
    assert!(!out.is_flagged());
    let SubmissionOutcome::Accepted {
        since_previous: Some(since),
        ..
    } = &out
    else {
        return Err(SelfReadError::InvalidAverage {
            meter: format!("{out:?}"),
            value: Decimal::ZERO,
        });
    };
    assert!(since.rolled_over);
    assert_eq!(since.consumption.value, dec(7));
    Ok(())
}

#[test]
fn an_implausible_jump_is_flagged_not_refused() -> Result<(), SelfReadError> {
    // 31 days at ~0.1 m³/day; 12 m³ is ~0.39/day, above 3 × 0.1.
    let out = policy(15, 25).check(&hot(), &history(), dec(118), day(2025, 4, 20))?;
    let SubmissionOutcome::FlaggedForReview {
        daily_usage,
        average_daily_usage,
        factor,
        reason,
        read,
        ..
    } = &out
    else {
        return Err(SelfReadError::InvalidAverage {
            meter: format!("{out:?}"),
            value: Decimal::ZERO,
        });
    };
    assert_eq!(*read, Read::customer(day(2025, 4, 20), dec(118)));
    assert_eq!(*factor, dec(3));
    assert_eq!(average_daily_usage.round_dp(4), Decimal::new(1017, 4));
    assert_eq!(daily_usage.round_dp(4), Decimal::new(3871, 4));
    assert!(
        reason.contains("HW-1") && reason.contains("3 times"),
        "{reason}"
    );
    // A higher factor accepts the same reading.
    let mut lenient = policy(15, 25);
    lenient.plausibility_factor = dec(4);
    assert!(!lenient
        .check(&hot(), &history(), dec(118), day(2025, 4, 20))?
        .is_flagged());
    // An average given by the caller is used instead of the history's.
    let given = policy(15, 25).check_with_average(
        &hot(),
        &history(),
        dec(118),
        day(2025, 4, 20),
        dec(1),
    )?;
    assert!(!given.is_flagged());
    assert!(matches!(
        policy(15, 25).check_with_average(&hot(), &history(), dec(118), day(2025, 4, 20), dec(-1)),
        Err(SelfReadError::InvalidAverage { .. })
    ));
    Ok(())
}

#[test]
fn short_or_no_history_skips_the_plausibility_check() -> Result<(), SelfReadError> {
    let p = policy(15, 25);
    let out = p.check(&hot(), &[], dec(500), day(2025, 4, 20))?;
    assert!(matches!(
        out,
        SubmissionOutcome::Accepted {
            since_previous: None,
            plausibility_checked: false,
            ..
        }
    ));
    let short = [
        Read::actual(day(2025, 3, 1), dec(1)),
        Read::actual(day(2025, 3, 20), dec(2)),
    ];
    let out = p.check(&hot(), &short, dec(500), day(2025, 4, 20))?;
    assert!(matches!(
        out,
        SubmissionOutcome::Accepted {
            plausibility_checked: false,
            ..
        }
    ));
    Ok(())
}

#[test]
fn bad_values_history_and_policy_are_refused() {
    let p = policy(15, 25);
    let now = day(2025, 4, 20);
    assert!(matches!(
        p.check(&hot(), &history(), dec(100_000), now),
        Err(SelfReadError::Meter(MeterError::ReadAboveRegister { .. }))
    ));
    assert!(matches!(
        p.check(&hot(), &history(), Decimal::new(1095, 1), now),
        Err(SelfReadError::Meter(MeterError::TooManyDecimals { .. }))
    ));
    let same_day = [Read::actual(now, dec(100))];
    assert!(matches!(
        p.check(&hot(), &same_day, dec(101), now),
        Err(SelfReadError::NotAfterPrevious { .. })
    ));
    let mut unsorted = history();
    unsorted.reverse();
    assert!(matches!(
        p.check(&hot(), &unsorted, dec(110), now),
        Err(SelfReadError::Meter(MeterError::ReadsOutOfOrder { .. }))
    ));
    let mut weak = policy(15, 25);
    weak.plausibility_factor = Decimal::new(5, 1);
    assert!(matches!(
        weak.check(&hot(), &history(), dec(110), now),
        Err(SelfReadError::InvalidPolicy {
            field: "plausibility_factor",
            ..
        })
    ));
    assert!(matches!(
        policy(20, 10).check(&hot(), &history(), dec(110), now),
        Err(SelfReadError::InvalidWindow { .. })
    ));
}

#[test]
fn policy_loads_from_toml_with_defaults() -> Result<(), toml::de::Error> {
    let p: SelfReadPolicy = toml::from_str("window = { first_day = 15, last_day = 25 }\n")?;
    assert_eq!(p, policy(15, 25));
    let p: SelfReadPolicy = toml::from_str(
        "plausibility_factor = 2.5\nmin_history_days = 60\n[window]\nfirst_day = 25\nlast_day = 31\n",
    )?;
    assert_eq!(p.plausibility_factor, Decimal::new(25, 1));
    assert_eq!(p.min_history_days, 60);
    assert!(toml::from_str::<SelfReadPolicy>(
        "window = { first_day = 1, last_day = 2, extra = 3 }"
    )
    .is_err());
    Ok(())
}
