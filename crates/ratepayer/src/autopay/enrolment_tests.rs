//! Unit tests of AutoPay enrolment: preconditions, cut-off definitions over
//! holidays and DST changes, minute-exact boundaries in two time zones, and
//! the portal migration.

use super::*;
use crate::Currency;
use chrono::{Duration, Offset};
use chrono_tz::America::{Chicago, Havana, New_York};
use rust_decimal::Decimal;

const SHELBY: Tz = New_York;
const CROW_WING: Tz = Chicago;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn utc(s: &str) -> DateTime<Utc> {
    format!("{s}Z").parse().unwrap()
}

fn days(amount: u32, business: bool) -> Cutoff {
    Cutoff {
        amount,
        unit: CutoffUnit::Days,
        business,
    }
}

fn hours(amount: u32) -> Cutoff {
    Cutoff {
        amount,
        unit: CutoffUnit::Hours,
        business: false,
    }
}

fn ready() -> EnrolmentRequest {
    EnrolmentRequest {
        registered: true,
        stored_method: true,
        terms_accepted_version: Some("2026-01".into()),
    }
}

fn policy(cutoff: Cutoff) -> EnrolmentPolicy {
    EnrolmentPolicy {
        required_terms_version: "2026-01".into(),
        cutoff,
    }
}

fn missing(r: Result<(), EnrolmentError>) -> Vec<MissingPrecondition> {
    match r {
        Err(EnrolmentError::NotEligible { missing }) => missing,
        other => panic!("expected NotEligible, got {other:?}"),
    }
}

/// The cut-off as UTC and as local text.
fn cut(c: Cutoff, due: &str, tz: Tz) -> (DateTime<Utc>, String) {
    let t = c.instant(d(due), tz, &Calendar::fed()).unwrap();
    (t.with_timezone(&Utc), local(&t))
}

fn first(c: Cutoff, due: &str, now: DateTime<Utc>, tz: Tz) -> EnrolmentDecision {
    first_bill(&c, Some(d(due)), now, tz, &Calendar::fed()).unwrap()
}

fn covers(c: Cutoff, due: &str, now: DateTime<Utc>, tz: Tz) -> bool {
    first(c, due, now, tz).first_bill.covers_open_bill()
}

// ---------------------------------------------------------------- preconditions

#[test]
fn a_ready_customer_is_eligible() {
    assert_eq!(check_eligibility(&ready(), "2026-01"), Ok(()));
    // Surrounding spaces do not matter.
    let mut r = ready();
    r.terms_accepted_version = Some(" 2026-01 ".into());
    assert_eq!(check_eligibility(&r, "2026-01\n"), Ok(()));
}

#[test]
fn each_missing_precondition_is_its_own_error() {
    let mut r = ready();
    r.registered = false;
    assert_eq!(
        missing(check_eligibility(&r, "2026-01")),
        vec![MissingPrecondition::NotRegistered]
    );

    let mut r = ready();
    r.stored_method = false;
    assert_eq!(
        missing(check_eligibility(&r, "2026-01")),
        vec![MissingPrecondition::NoStoredMethod]
    );

    let mut r = ready();
    r.terms_accepted_version = None;
    assert_eq!(
        missing(check_eligibility(&r, "2026-01")),
        vec![MissingPrecondition::TermsNotAccepted {
            required: "2026-01".into()
        }]
    );
    r.terms_accepted_version = Some("  ".into());
    assert_eq!(
        missing(check_eligibility(&r, "2026-01")),
        vec![MissingPrecondition::TermsNotAccepted {
            required: "2026-01".into()
        }]
    );

    let mut r = ready();
    r.terms_accepted_version = Some("2024-03".into());
    assert_eq!(
        missing(check_eligibility(&r, "2026-01")),
        vec![MissingPrecondition::TermsOutdated {
            accepted: "2024-03".into(),
            required: "2026-01".into()
        }]
    );
}

#[test]
fn every_missing_precondition_is_reported_at_once_in_portal_order() {
    let r = EnrolmentRequest::default();
    let m = missing(check_eligibility(&r, "v3"));
    assert_eq!(
        m,
        vec![
            MissingPrecondition::NotRegistered,
            MissingPrecondition::NoStoredMethod,
            MissingPrecondition::TermsNotAccepted {
                required: "v3".into()
            },
        ]
    );
    let text = check_eligibility(&r, "v3").unwrap_err().to_string();
    assert_eq!(
        text,
        "AutoPay cannot be set up yet:\n\
         \x20 - AutoPay is available to registered users only: register for the portal first\n\
         \x20 - AutoPay needs a stored payment method: add a bank account or card to your wallet first\n\
         \x20 - accept the AutoPay terms (version v3) first"
    );
}

#[test]
fn precondition_messages_say_what_to_do() {
    assert_eq!(
        MissingPrecondition::NotRegistered.to_string(),
        "AutoPay is available to registered users only: register for the portal first"
    );
    assert!(MissingPrecondition::NoStoredMethod
        .to_string()
        .contains("add a bank account or card to your wallet first"));
    assert_eq!(
        MissingPrecondition::TermsNotAccepted {
            required: "2026-01".into()
        }
        .to_string(),
        "accept the AutoPay terms (version 2026-01) first"
    );
    assert_eq!(
        MissingPrecondition::TermsOutdated {
            accepted: "2024-03".into(),
            required: "2026-01".into()
        }
        .to_string(),
        "you accepted version 2024-03 of the AutoPay terms, and they have changed: \
         accept the current AutoPay terms (version 2026-01) first"
    );
}

#[test]
fn an_empty_required_terms_version_is_a_policy_error() {
    assert_eq!(
        check_eligibility(&ready(), " "),
        Err(EnrolmentError::NoTermsVersion)
    );
    let mut p = policy(days(3, false));
    p.required_terms_version = String::new();
    assert_eq!(p.validate(), Err(EnrolmentError::NoTermsVersion));
    assert!(EnrolmentError::NoTermsVersion
        .to_string()
        .contains("set it to the version"));
}

#[test]
fn enrol_checks_policy_then_eligibility_then_decides() {
    let fed = Calendar::fed();
    let now = utc("2026-12-01T12:00:00");
    let ok = enrol(
        &ready(),
        &policy(days(3, false)),
        Some(d("2026-12-15")),
        now,
        SHELBY,
        &fed,
    )
    .unwrap();
    assert!(ok.first_bill.covers_open_bill());

    let mut r = ready();
    r.stored_method = false;
    assert_eq!(
        enrol(
            &r,
            &policy(days(3, false)),
            Some(d("2026-12-15")),
            now,
            SHELBY,
            &fed
        ),
        Err(EnrolmentError::NotEligible {
            missing: vec![MissingPrecondition::NoStoredMethod]
        })
    );

    // A bad policy is reported before the customer's missing preconditions.
    let bad = policy(Cutoff {
        amount: 48,
        unit: CutoffUnit::Hours,
        business: true,
    });
    assert!(matches!(
        enrol(&EnrolmentRequest::default(), &bad, None, now, SHELBY, &fed),
        Err(EnrolmentError::InvalidCutoff { .. })
    ));
}

// ---------------------------------------------------------------- configuration

#[test]
fn cutoff_settings_read_from_toml() {
    #[derive(Deserialize)]
    struct Section {
        enrolment: EnrolmentPolicy,
    }
    let s: Section = toml::from_str(
        r#"
        [enrolment]
        required_terms_version = "2026-01"
        cutoff = { amount = 3, unit = "days", business = true }
        "#,
    )
    .unwrap();
    assert_eq!(s.enrolment.cutoff, days(3, true));
    assert_eq!(s.enrolment.validate(), Ok(()));

    let c: Cutoff = toml::from_str(
        r#"amount = 48
unit = "hours""#,
    )
    .unwrap();
    assert_eq!(c, hours(48));
    let c: Cutoff = toml::from_str(
        r#"amount = 2
unit = "days""#,
    )
    .unwrap();
    assert_eq!(c, days(2, false));

    assert!(toml::from_str::<Cutoff>(
        r#"amount = 2
unit = "weeks""#
    )
    .is_err());
    assert!(toml::from_str::<Cutoff>(
        r#"amount = 2
unit = "days"
busines = true"#
    )
    .is_err());
}

#[test]
fn invalid_cutoffs_are_refused_with_a_fix() {
    let business_hours = Cutoff {
        amount: 48,
        unit: CutoffUnit::Hours,
        business: true,
    };
    let err = business_hours.validate().unwrap_err();
    assert_eq!(
        err.to_string(),
        "`cutoff`: business = true needs unit = \"days\"; count 48 hours as elapsed hours \
         (business = false) or give the cut-off in business days"
    );
    assert!(business_hours
        .instant(d("2026-12-15"), SHELBY, &Calendar::fed())
        .is_err());
    assert!(first_bill(
        &business_hours,
        None,
        utc("2026-12-01T00:00:00"),
        SHELBY,
        &Calendar::fed()
    )
    .is_err());

    assert_eq!(days(MAX_CUTOFF_DAYS, true).validate(), Ok(()));
    assert_eq!(hours(MAX_CUTOFF_DAYS * 24).validate(), Ok(()));
    let err = days(MAX_CUTOFF_DAYS + 1, false).validate().unwrap_err();
    assert_eq!(
        err.to_string(),
        "`cutoff`: 91 days is more than 90 days; use a shorter cut-off"
    );
    assert!(hours(MAX_CUTOFF_DAYS * 24 + 1).validate().is_err());
    assert!(days(u32::MAX, true).validate().is_err());
}

// ---------------------------------------------------------------- cut-off kinds

#[test]
fn hours_calendar_days_and_business_days_over_thanksgiving_2026() {
    // Due Monday 30 November 2026; Thanksgiving is Thursday 26 November.
    assert_eq!(
        cut(days(3, true), "2026-11-30", SHELBY).1,
        "2026-11-24 00:00 EST",
        "Fri 27, Wed 25, Tue 24: Thanksgiving is not counted"
    );
    assert_eq!(
        cut(days(3, false), "2026-11-30", SHELBY).1,
        "2026-11-27 00:00 EST"
    );
    assert_eq!(
        cut(hours(72), "2026-11-30", SHELBY).1,
        "2026-11-27 00:00 EST"
    );
    assert_eq!(
        cut(hours(36), "2026-11-30", SHELBY).1,
        "2026-11-28 12:00 EST"
    );
    // Due on Thanksgiving itself: rolled back to Wednesday, then one banking day back.
    assert_eq!(
        cut(days(1, true), "2026-11-26", SHELBY).1,
        "2026-11-24 00:00 EST"
    );
    assert_eq!(
        cut(days(0, true), "2026-11-26", SHELBY).1,
        "2026-11-25 00:00 EST"
    );
    assert_eq!(
        cut(days(1, false), "2026-11-26", SHELBY).1,
        "2026-11-25 00:00 EST"
    );
    assert_eq!(
        cut(days(0, false), "2026-11-26", SHELBY).1,
        "2026-11-26 00:00 EST"
    );
    assert_eq!(
        cut(hours(0), "2026-11-26", SHELBY).1,
        "2026-11-26 00:00 EST"
    );
}

#[test]
fn hours_calendar_days_and_business_days_over_new_year_2027() {
    // Due Monday 4 January 2027; New Year's Day is Friday 1 January.
    assert_eq!(
        cut(days(3, true), "2027-01-04", CROW_WING).1,
        "2026-12-29 00:00 CST",
        "Thu 31, Wed 30, Tue 29: New Year's Day and the weekend are not counted"
    );
    assert_eq!(
        cut(days(3, false), "2027-01-04", CROW_WING).1,
        "2027-01-01 00:00 CST"
    );
    assert_eq!(
        cut(hours(72), "2027-01-04", CROW_WING).1,
        "2027-01-01 00:00 CST"
    );
    assert_eq!(
        cut(hours(1), "2027-01-04", CROW_WING).1,
        "2027-01-03 23:00 CST"
    );
    // Due on New Year's Day: rolled back to 31 December; over Christmas (Friday 25 December).
    assert_eq!(
        cut(days(0, true), "2027-01-01", CROW_WING).1,
        "2026-12-31 00:00 CST"
    );
    assert_eq!(
        cut(days(4, true), "2027-01-01", CROW_WING).1,
        "2026-12-24 00:00 CST"
    );
}

// ---------------------------------------------------------------- minute boundaries

#[test]
fn the_boundary_is_exact_to_the_minute_in_shelby_and_crow_wing() {
    let c = days(3, false);
    let due = "2026-12-15";
    // Shelby closes at 2026-12-12 00:00 EST = 05:00 UTC.
    let (shelby, _) = cut(c, due, SHELBY);
    assert_eq!(shelby, utc("2026-12-12T05:00:00"));
    assert!(covers(c, due, utc("2026-12-12T04:59:00"), SHELBY));
    assert!(covers(c, due, utc("2026-12-12T04:59:59"), SHELBY));
    assert!(!covers(c, due, utc("2026-12-12T05:00:00"), SHELBY));
    // Crow Wing closes at 2026-12-12 00:00 CST = 06:00 UTC.
    let (crow, _) = cut(c, due, CROW_WING);
    assert_eq!(crow, utc("2026-12-12T06:00:00"));
    assert!(covers(c, due, utc("2026-12-12T05:59:00"), CROW_WING));
    assert!(!covers(c, due, utc("2026-12-12T06:00:00"), CROW_WING));
    // The same instant: closed in Shelby, still open in Crow Wing (23:00 CST on the 11th).
    let same = utc("2026-12-12T05:00:00");
    assert!(!covers(c, due, same, SHELBY));
    assert!(covers(c, due, same, CROW_WING));
}

#[test]
fn decision_messages_give_the_cutoff_in_local_time() {
    let c = days(3, false);
    let next = first(c, "2026-12-15", utc("2026-12-12T05:00:00"), SHELBY);
    assert_eq!(
        next.first_bill,
        FirstBill::Next {
            due_date: d("2026-12-15"),
            cutoff: SHELBY.with_ymd_and_hms(2026, 12, 12, 0, 0, 0).unwrap()
        }
    );
    assert_eq!(
        next.message,
        "AutoPay starts with your next bill: enrolments for the bill due 2026-12-15 \
         closed at 2026-12-12 00:00 EST, so please pay that bill another way"
    );
    let current = first(c, "2026-12-15", utc("2026-12-12T05:00:00"), CROW_WING);
    assert_eq!(
        current.first_bill.cutoff(),
        Some(CROW_WING.with_ymd_and_hms(2026, 12, 12, 0, 0, 0).unwrap())
    );
    assert_eq!(
        current.message,
        "AutoPay starts with your current bill, due 2026-12-15: \
         you enrolled before enrolments for it closed at 2026-12-12 00:00 CST"
    );
}

#[test]
fn with_no_open_bill_autopay_starts_with_the_next_bill_issued() {
    let dec = first_bill(
        &days(3, true),
        None,
        utc("2026-12-14T12:00:00"),
        SHELBY,
        &Calendar::fed(),
    )
    .unwrap();
    assert_eq!(dec.first_bill, FirstBill::NextIssued);
    assert_eq!(dec.first_bill.cutoff(), None);
    assert!(!dec.first_bill.covers_open_bill());
    assert_eq!(
        dec.message,
        "AutoPay starts with your next bill: you have no bill open now"
    );
}

// ---------------------------------------------------------------- DST

#[test]
fn a_calendar_day_cutoff_on_the_spring_forward_day() {
    // Due Tuesday 10 March 2026; two days before is Sunday 8 March, when
    // clocks go forward at 02:00. Midnight is still standard time.
    let c = days(2, false);
    let (ny, ny_text) = cut(c, "2026-03-10", SHELBY);
    assert_eq!(ny_text, "2026-03-08 00:00 EST");
    assert_eq!(ny, utc("2026-03-08T05:00:00"));
    assert!(covers(c, "2026-03-10", ny - Duration::minutes(1), SHELBY));
    assert!(!covers(c, "2026-03-10", ny, SHELBY));

    let (chi, chi_text) = cut(c, "2026-03-10", CROW_WING);
    assert_eq!(chi_text, "2026-03-08 00:00 CST");
    assert_eq!(chi, utc("2026-03-08T06:00:00"));
    assert!(covers(
        c,
        "2026-03-10",
        chi - Duration::minutes(1),
        CROW_WING
    ));
    assert!(!covers(c, "2026-03-10", chi, CROW_WING));
}

#[test]
fn hours_are_elapsed_hours_across_a_clock_change() {
    // 48 hours before 00:00 EDT on Monday 9 March 2026 is 23:00 EST on Friday 6 March.
    let (ny, text) = cut(hours(48), "2026-03-09", SHELBY);
    assert_eq!(text, "2026-03-06 23:00 EST");
    assert_eq!(ny, utc("2026-03-07T04:00:00"));
    assert!(covers(
        hours(48),
        "2026-03-09",
        utc("2026-03-07T03:59:00"),
        SHELBY
    ));
    assert!(!covers(
        hours(48),
        "2026-03-09",
        utc("2026-03-07T04:00:00"),
        SHELBY
    ));
    // Calendar days keep the wall clock.
    assert_eq!(
        cut(days(2, false), "2026-03-09", SHELBY).1,
        "2026-03-07 00:00 EST"
    );
    let (chi, text) = cut(hours(48), "2026-03-09", CROW_WING);
    assert_eq!(text, "2026-03-06 23:00 CST");
    assert_eq!(chi, utc("2026-03-07T05:00:00"));

    // Fall back on Sunday 1 November 2026: 24 hours before 00:00 EST on Monday
    // 2 November is the first 01:00 (EDT) of 1 November.
    let (ny, text) = cut(hours(24), "2026-11-02", SHELBY);
    assert_eq!(text, "2026-11-01 01:00 EDT");
    assert_eq!(ny, utc("2026-11-01T05:00:00"));
    assert!(covers(
        hours(24),
        "2026-11-02",
        utc("2026-11-01T04:59:00"),
        SHELBY
    ));
    assert!(!covers(
        hours(24),
        "2026-11-02",
        utc("2026-11-01T05:00:00"),
        SHELBY
    ));
    assert_eq!(
        cut(days(1, false), "2026-11-02", SHELBY).1,
        "2026-11-01 00:00 EDT"
    );
    let (chi, text) = cut(hours(24), "2026-11-02", CROW_WING);
    assert_eq!(text, "2026-11-01 01:00 CDT");
    assert_eq!(chi, utc("2026-11-01T06:00:00"));
    assert!(covers(
        hours(24),
        "2026-11-02",
        utc("2026-11-01T05:59:00"),
        CROW_WING
    ));
    assert!(!covers(
        hours(24),
        "2026-11-02",
        utc("2026-11-01T06:00:00"),
        CROW_WING
    ));
}

#[test]
fn a_midnight_that_does_not_exist_starts_at_the_first_minute_after_the_gap() {
    // Havana springs forward at 00:00 on Sunday 8 March 2026: the day starts at 01:00 CDT.
    let t = local_start_of_day(d("2026-03-08"), Havana).unwrap();
    assert_eq!(local(&t), "2026-03-08 01:00 CDT");
    assert_eq!(t.with_timezone(&Utc), utc("2026-03-08T05:00:00"));
    // The instant before it is still 7 March.
    assert_eq!(
        (t - Duration::seconds(1)).naive_local(),
        d("2026-03-07").and_hms_opt(23, 59, 59).unwrap()
    );
    // A cut-off on that day, and the minute boundary.
    let (c, text) = cut(days(2, false), "2026-03-10", Havana);
    assert_eq!(text, "2026-03-08 01:00 CDT");
    assert!(covers(
        days(2, false),
        "2026-03-10",
        c - Duration::minutes(1),
        Havana
    ));
    assert!(!covers(days(2, false), "2026-03-10", c, Havana));
}

#[test]
fn an_ambiguous_midnight_is_the_earlier_one() {
    // Havana falls back from 01:00 CDT to 00:00 CST on Sunday 1 November 2026:
    // midnight happens twice; the day starts at the first (CDT, UTC-4).
    let t = local_start_of_day(d("2026-11-01"), Havana).unwrap();
    assert_eq!(local(&t), "2026-11-01 00:00 CDT");
    assert_eq!(t.offset().fix().local_minus_utc(), -4 * 3600);
    assert_eq!(t.with_timezone(&Utc), utc("2026-11-01T04:00:00"));
}

#[test]
fn a_skipped_day_starts_at_the_next_day() {
    // Samoa skipped 30 December 2011 entirely.
    let t = local_start_of_day(d("2011-12-30"), chrono_tz::Pacific::Apia).unwrap();
    assert_eq!(
        t.naive_local(),
        d("2011-12-31").and_hms_opt(0, 0, 0).unwrap()
    );
    assert_eq!(t.with_timezone(&Utc), utc("2011-12-30T10:00:00"));
}

#[test]
fn us_midnights_are_plain() {
    for day in ["2026-03-08", "2026-11-01", "2027-03-14", "2027-11-07"] {
        for tz in [SHELBY, CROW_WING] {
            let t = local_start_of_day(d(day), tz).unwrap();
            assert_eq!(t.naive_local(), d(day).and_hms_opt(0, 0, 0).unwrap());
        }
    }
}

// ---------------------------------------------------------------- migration

fn usd(s: &str) -> Money {
    Money::new(s.parse::<Decimal>().unwrap(), Currency::USD)
}

#[test]
fn every_legacy_enrolment_is_suspended_with_a_notice() {
    let cutover = d("2024-05-06");
    let records = vec![
        LegacyAutopay {
            account: "00065821-0672430".into(),
            method_hint: "card ending 4242".into(),
            enrolled_on: d("2019-03-14"),
        },
        LegacyAutopay {
            account: "00012345-0000001".into(),
            method_hint: "checking account ending 0071".into(),
            enrolled_on: d("2024-05-01"),
        },
    ];
    let out = migrate_legacy(&records, cutover);
    assert_eq!(out.len(), 2);
    for (o, r) in out.iter().zip(&records) {
        assert_eq!(o.account, r.account);
        assert_eq!(o.status, MigrationStatus::Suspended);
        assert_eq!(o.notice.date, cutover);
        assert!(o.notice.text.contains(&r.method_hint));
        assert!(o.notice.text.contains("set up AutoPay again online"));
        assert!(o
            .notice
            .text
            .contains("set your e-billing preference again"));
        assert!(o.notice.text.contains("paper bill"));
    }
    assert_eq!(
        out[0].notice.text,
        "Account 00065821-0672430: we moved to a new billing portal on 2024-05-06, and AutoPay \
         enrolments were not carried over. Your AutoPay with card ending 4242 (set up on \
         2019-03-14) is suspended and will not pay your bills. To keep paying automatically, \
         register in the new portal and set up AutoPay again online (this cannot be done by \
         phone). If you received e-bills, set your e-billing preference again too: until you do, \
         you may receive a paper bill. Until AutoPay is set up again, pay each bill online as a \
         one-time payment or by phone."
    );
    assert!(migrate_legacy(&[], cutover).is_empty());
}

#[test]
fn scheduled_payments_on_or_after_the_cutover_are_cancelled() {
    let cutover = d("2024-05-06");
    let pay = |date: &str, amount: &str| LegacyScheduledPayment {
        account: "00065821-0672430".into(),
        date: d(date),
        amount: usd(amount),
    };
    let payments = vec![
        pay("2024-05-05", "41.10"),
        pay("2024-05-06", "57.22"),
        pay("2024-06-05", "60.00"),
    ];
    let out = migrate_scheduled(&payments, cutover);
    assert_eq!(out.len(), 3);

    assert_eq!(out[0].status, MigrationStatus::RunsInLegacy);
    assert_eq!(out[0].notice, None);
    assert_eq!(out[0].payment, payments[0]);

    for o in &out[1..] {
        assert_eq!(o.status, MigrationStatus::Cancelled);
        let n = o.notice.as_ref().unwrap();
        assert_eq!(n.date, cutover);
        assert!(n.text.contains("cancelled"));
        assert!(n.text.contains("call Customer Service to pay by phone"));
    }
    assert_eq!(
        out[1].notice.as_ref().unwrap().text,
        "Account 00065821-0672430: your automatic payment of 57.22 USD scheduled for 2024-05-06 \
         has been cancelled, because payments scheduled on or after 2024-05-06 were not carried \
         over to our new billing portal. Register in the new portal to pay online, or call \
         Customer Service to pay by phone."
    );
}
