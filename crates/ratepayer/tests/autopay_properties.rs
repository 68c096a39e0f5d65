//! Property tests of draft dates over 2024-2030: a draft date is always a
//! banking day between the bill date and the due date, and "on the due date,
//! preceding" never drafts after the due date.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use chrono::{Days, NaiveDate};
use proptest::prelude::*;
use ratepayer::autopay::{draft_date, BillDates, DraftRule};
use ratepayer::calendar::{Calendar, Roll};

fn any_bill() -> impl Strategy<Value = BillDates> {
    (0u64..2555, 5u64..40, 0u64..30).prop_map(|(start, due_in, printed_in)| {
        let bill = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap() + Days::new(start);
        BillDates {
            bill_date: bill,
            due_date: bill + Days::new(due_in),
            printed_draft_date: Some(bill + Days::new(printed_in.min(due_in))),
        }
    })
}

fn any_roll() -> impl Strategy<Value = Roll> {
    prop_oneof![
        Just(Roll::Following),
        Just(Roll::Preceding),
        Just(Roll::ModifiedFollowing),
        Just(Roll::ModifiedPreceding)
    ]
}

fn any_rule() -> impl Strategy<Value = DraftRule> {
    prop_oneof![
        any_roll().prop_map(|roll| DraftRule::OnDueDate { roll }),
        any_roll().prop_map(|roll| DraftRule::OnPrintedDate { roll }),
        (0u32..15, any::<bool>(), any_roll()).prop_map(|(days, business, roll)| {
            DraftRule::BeforeDue {
                days,
                business,
                roll,
            }
        }),
        (1u32..32, any_roll()).prop_map(|(day, roll)| DraftRule::DayOfMonth { day, roll }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn a_draft_date_is_always_a_banking_day(bill in any_bill(), rule in any_rule()) {
        let fed = Calendar::fed();
        let day = draft_date(rule, &bill, &fed).unwrap();
        prop_assert!(fed.is_business_day(day), "{rule:?} on {bill:?} gave {day}");
    }

    #[test]
    fn on_due_date_preceding_is_never_after_the_due_date(bill in any_bill()) {
        let fed = Calendar::fed();
        let day = draft_date(DraftRule::OnDueDate { roll: Roll::Preceding }, &bill, &fed).unwrap();
        prop_assert!(day <= bill.due_date);
        prop_assert!(bill.due_date - day <= chrono::Duration::days(4), "at most a long weekend back");
    }

    #[test]
    fn business_days_before_due_is_exactly_that_many_banking_days(bill in any_bill(), days in 1u32..10) {
        let fed = Calendar::fed();
        let day = draft_date(DraftRule::BeforeDue { days, business: true, roll: Roll::Preceding }, &bill, &fed).unwrap();
        let due = fed.roll(bill.due_date, Roll::Preceding).unwrap();
        let first = fed.roll(bill.bill_date, Roll::Following).unwrap();
        if day == first {
            // Clamped to the bill date: at most that many banking days.
            prop_assert!(fed.business_days_between(day, due) <= i64::from(days));
        } else {
            prop_assert_eq!(fed.business_days_between(day, due), i64::from(days));
        }
    }

    /// Issue 16: whatever the rule, a draft is never before the bill date nor
    /// after the due date (`day:15` on a bill due the 10th, `before:30`).
    #[test]
    fn a_draft_is_never_before_the_bill_date_nor_after_the_due_date(bill in any_bill(), rule in any_rule(), days in 0u32..60) {
        let fed = Calendar::fed();
        for rule in [rule, DraftRule::BeforeDue { days, business: days % 2 == 0, roll: Roll::Following }] {
            let day = draft_date(rule, &bill, &fed).unwrap();
            prop_assert!(bill.bill_date <= day && day <= bill.due_date, "{rule:?} on {bill:?} gave {day}");
        }
    }
}
