//! AutoPay enrolment through the public API: the cut-off in the time zones of
//! the Shelby and Crow Wing profiles, and properties over 2024-2030 (the
//! open bill is covered exactly when the enrolment is before the cut-off; the
//! cut-off is never after the start of the due date).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use chrono::{DateTime, Datelike, Days, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use proptest::prelude::*;
use ratepayer::autopay::enrolment::{
    enrol, first_bill, local_start_of_day, Cutoff, CutoffUnit, EnrolmentError, EnrolmentPolicy,
    EnrolmentRequest, FirstBill, MissingPrecondition, MAX_CUTOFF_DAYS,
};
use ratepayer::calendar::Calendar;
use ratepayer::profile::builtin;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn utc(s: &str) -> DateTime<Utc> {
    format!("{s}Z").parse().unwrap()
}

fn policy(cutoff: Cutoff) -> EnrolmentPolicy {
    EnrolmentPolicy {
        required_terms_version: "2026-01".into(),
        cutoff,
    }
}

fn ready() -> EnrolmentRequest {
    EnrolmentRequest {
        registered: true,
        stored_method: true,
        terms_accepted_version: Some("2026-01".into()),
    }
}

#[test]
fn the_same_instant_is_before_the_cutoff_in_crow_wing_and_after_it_in_shelby() {
    let shelby = builtin::load("shelby").unwrap().time_zone();
    let crow_wing = builtin::load("crow-wing").unwrap().time_zone();
    assert_eq!(shelby, chrono_tz::America::New_York);
    assert_eq!(crow_wing, chrono_tz::America::Chicago);
    let fed = Calendar::fed();
    // Due Tuesday 15 December 2026; three business days before is Thursday 10 December.
    let p = policy(Cutoff {
        amount: 3,
        unit: CutoffUnit::Days,
        business: true,
    });
    let due = Some(d("2026-12-15"));
    let decide = |now: &str, tz: Tz| enrol(&ready(), &p, due, utc(now), tz, &fed).unwrap();

    let s = decide("2026-12-10T04:59:00", shelby);
    assert!(s.first_bill.covers_open_bill(), "{}", s.message);
    let s = decide("2026-12-10T05:00:00", shelby);
    assert_eq!(
        s.message,
        "AutoPay starts with your next bill: enrolments for the bill due 2026-12-15 \
         closed at 2026-12-10 00:00 EST, so please pay that bill another way"
    );
    assert!(matches!(s.first_bill, FirstBill::Next { .. }));

    let c = decide("2026-12-10T05:00:00", crow_wing);
    assert!(c.first_bill.covers_open_bill(), "{}", c.message);
    let c = decide("2026-12-10T05:59:00", crow_wing);
    assert!(c.first_bill.covers_open_bill());
    let c = decide("2026-12-10T06:00:00", crow_wing);
    assert!(!c.first_bill.covers_open_bill());
    assert_eq!(
        c.first_bill.cutoff(),
        Some(crow_wing.with_ymd_and_hms(2026, 12, 10, 0, 0, 0).unwrap())
    );
}

#[test]
fn errors_say_what_to_do() {
    let fed = Calendar::fed();
    let p = policy(Cutoff {
        amount: 48,
        unit: CutoffUnit::Hours,
        business: false,
    });
    let err = enrol(
        &EnrolmentRequest {
            registered: false,
            stored_method: true,
            terms_accepted_version: Some("2025-01".into()),
        },
        &p,
        None,
        utc("2026-12-01T00:00:00"),
        chrono_tz::America::New_York,
        &fed,
    )
    .unwrap_err();
    assert_eq!(
        err,
        EnrolmentError::NotEligible {
            missing: vec![
                MissingPrecondition::NotRegistered,
                MissingPrecondition::TermsOutdated {
                    accepted: "2025-01".into(),
                    required: "2026-01".into()
                }
            ]
        }
    );
    assert!(err.to_string().contains("register for the portal first"));
    assert!(err
        .to_string()
        .contains("accept the current AutoPay terms (version 2026-01) first"));
}

fn any_cutoff() -> impl Strategy<Value = Cutoff> {
    prop_oneof![
        (0u32..=MAX_CUTOFF_DAYS * 24).prop_map(|amount| Cutoff {
            amount,
            unit: CutoffUnit::Hours,
            business: false,
        }),
        (0u32..=15, any::<bool>()).prop_map(|(amount, business)| Cutoff {
            amount,
            unit: CutoffUnit::Days,
            business,
        }),
    ]
}

fn any_tz() -> impl Strategy<Value = Tz> {
    prop_oneof![
        Just(chrono_tz::America::New_York),
        Just(chrono_tz::America::Chicago),
        Just(chrono_tz::America::Los_Angeles),
        Just(chrono_tz::America::Havana),
        Just(chrono_tz::America::Santiago),
    ]
}

fn any_due() -> impl Strategy<Value = NaiveDate> {
    // 2024-01-01 to 2030-12-31.
    (0u64..2557).prop_map(|n| d("2024-01-01") + Days::new(n))
}

fn any_now() -> impl Strategy<Value = DateTime<Utc>> {
    // 2023-10-01 to 2031-01-01, to the second.
    let start = utc("2023-10-01T00:00:00");
    let end = utc("2031-01-01T00:00:00");
    (0i64..(end - start).num_seconds()).prop_map(move |s| start + Duration::seconds(s))
}

proptest! {
    #[test]
    fn the_open_bill_is_covered_exactly_before_the_cutoff(
        cutoff in any_cutoff(),
        due in any_due(),
        now in any_now(),
        tz in any_tz(),
    ) {
        let fed = Calendar::fed();
        let decision = first_bill(&cutoff, Some(due), now, tz, &fed).unwrap();
        let at = cutoff.instant(due, tz, &fed).unwrap();
        prop_assert_eq!(decision.first_bill.cutoff(), Some(at));
        prop_assert_eq!(
            matches!(decision.first_bill, FirstBill::Current { .. }),
            now < at,
            "now {} cut-off {}", now, at
        );
        prop_assert_eq!(decision.first_bill.covers_open_bill(), now < at);
        let start = local_start_of_day(due, tz).unwrap();
        prop_assert!(at <= start, "cut-off {} after the start of {}", at, due);
    }

    #[test]
    fn the_boundary_is_exact_to_the_minute(
        cutoff in any_cutoff(),
        due in any_due(),
        tz in any_tz(),
    ) {
        let fed = Calendar::fed();
        let at = cutoff.instant(due, tz, &fed).unwrap().with_timezone(&Utc);
        let before = first_bill(&cutoff, Some(due), at - Duration::minutes(1), tz, &fed).unwrap();
        let on = first_bill(&cutoff, Some(due), at, tz, &fed).unwrap();
        prop_assert!(before.first_bill.covers_open_bill());
        prop_assert!(!on.first_bill.covers_open_bill());
    }

    #[test]
    fn each_unit_is_what_it_says(
        cutoff in any_cutoff(),
        due in any_due(),
        tz in any_tz(),
    ) {
        let fed = Calendar::fed();
        let at = cutoff.instant(due, tz, &fed).unwrap();
        let start = local_start_of_day(due, tz).unwrap();
        match (cutoff.unit, cutoff.business) {
            (CutoffUnit::Hours, _) => {
                prop_assert_eq!(start - at, Duration::hours(i64::from(cutoff.amount)));
            }
            (CutoffUnit::Days, business) => {
                // The cut-off starts its local day.
                let day = at.date_naive();
                prop_assert_eq!(at, local_start_of_day(day, tz).unwrap());
                if business {
                    prop_assert!(fed.is_business_day(day), "{} {}", day, day.weekday());
                    let banking_due = fed.roll(due, ratepayer::calendar::Roll::Preceding).unwrap();
                    prop_assert_eq!(
                        fed.business_days_between(day, banking_due),
                        i64::from(cutoff.amount)
                    );
                } else {
                    prop_assert_eq!(day + Days::new(u64::from(cutoff.amount)), due);
                }
            }
        }
    }

    #[test]
    fn with_no_open_bill_the_next_bill_issued_is_first(
        cutoff in any_cutoff(),
        now in any_now(),
        tz in any_tz(),
    ) {
        let decision = first_bill(&cutoff, None, now, tz, &Calendar::fed()).unwrap();
        prop_assert_eq!(decision.first_bill, FirstBill::NextIssued);
    }
}
