//! A year of AutoPay for two seed customers, as snapshots: a Shelby card
//! customer (card AutoPay on the due date, $3.75 per draft, a $150 maximum, a
//! card that expires) and a Crow Wing bank-account customer (Auto Pay on the
//! due date, free, bill-ready and Regulation E notices, one bill issued too
//! late for the 10-day notice). Plus the exactly-once keys.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::collections::HashSet;

use common::*;
use ratepayer::autopay::{
    idempotency_key, plan, AutopayCustomer, AutopayPlan, BillDates, CardExpiry, PlannedBill,
};
use ratepayer::fees::PaymentMethod;
use ratepayer::profile::builtin;
use ratepayer::{Currency, Money};

fn usd(s: &str) -> Money {
    Money::parse(s, Currency::USD).unwrap()
}

/// Twelve monthly bills of 2027: issued on `bill_day`, due `due_after` days later.
fn year(prefix: &str, bill_day: u32, due_after: u64, amounts: [&str; 12]) -> Vec<PlannedBill> {
    amounts
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let bill = chrono::NaiveDate::from_ymd_opt(2027, i as u32 + 1, bill_day).unwrap();
            PlannedBill {
                bill_id: format!("{prefix}-2027-{:02}", i + 1),
                dates: BillDates {
                    bill_date: bill,
                    due_date: bill + chrono::Days::new(due_after),
                    printed_draft_date: None,
                },
                statement: usd(a),
                balance_at_draft: None,
            }
        })
        .collect()
}

fn plan_for(
    profile: &str,
    option: &str,
    customer: &AutopayCustomer,
    bills: &[PlannedBill],
) -> AutopayPlan {
    let p = builtin::load(profile).unwrap();
    let policy = p.autopay().unwrap();
    plan(
        policy.option(option).unwrap(),
        &policy.notices,
        customer,
        bills,
        &p.draft_calendar().unwrap(),
        p.fee_schedule().unwrap(),
    )
    .unwrap()
}

fn check_drafts(plan: &AutopayPlan, bills: &[PlannedBill]) {
    let fed = ratepayer::calendar::Calendar::fed();
    let mut keys = HashSet::new();
    for d in &plan.drafts {
        assert!(
            fed.is_business_day(d.date),
            "{} is not a banking day",
            d.date
        );
        let bill = bills.iter().find(|b| b.bill_id == d.bill_id).unwrap();
        assert!(d.date <= bill.dates.due_date, "drafted after the due date");
        assert_eq!(d.total.amount(), d.amount.amount() + d.fee.amount());
        assert!(keys.insert(d.idempotency_key), "a key repeats");
        assert_eq!(
            d.idempotency_key,
            idempotency_key(&d.utility, &plan.account, &d.bill_id, 0)
        );
    }
}

#[test]
fn shelby_card_customer_year() {
    let bills = year(
        "SH",
        3,
        22,
        [
            "84.20", "91.75", "78.10", "66.45", "70.02", "88.90", "162.40", "131.15", "97.30",
            "72.80", "69.99", "81.25",
        ],
    );
    let customer = AutopayCustomer {
        utility: "test-utility".into(),
        account: "012345678".into(),
        method: PaymentMethod::CreditCard,
        maximum: Some(usd("150.00")),
        amount_notices: Default::default(),
        card_expiry: Some(CardExpiry {
            year: 2027,
            month: 11,
        }),
    };
    let p = plan_for("shelby", "Card AutoPay", &customer, &bills);
    check_drafts(&p, &bills);
    assert!(
        p.drafts.iter().all(|d| d.fee == usd("3.75")),
        "card AutoPay is $3.75 per draft (seed 000)"
    );
    assert!(
        !p.drafts.iter().any(|d| d.bill_id == "SH-2027-07"),
        "$162.40 is above the $150 maximum"
    );
    assert_eq!(
        p.suspended_from,
        Some(date("2027-12-03")),
        "the card expired in November"
    );
    insta::assert_snapshot!(p.to_string());
}

#[test]
fn crow_wing_bank_account_customer_year() {
    let mut bills = year(
        "CW",
        5,
        15,
        [
            "197.60", "214.33", "176.02", "141.87", "120.45", "133.10", "158.66", "171.20",
            "139.95", "128.40", "161.75", "205.18",
        ],
    );
    // December's bill went out late: due 7 days after issue, less than Regulation E's 10-day notice.
    bills[11].dates = BillDates {
        bill_date: date("2027-12-13"),
        due_date: date("2027-12-20"),
        printed_draft_date: None,
    };
    let customer = AutopayCustomer {
        utility: "test-utility".into(),
        account: "40012345".into(),
        method: PaymentMethod::Echeck,
        maximum: None,
        amount_notices: Default::default(),
        card_expiry: None,
    };
    let p = plan_for("crow-wing", "Auto Pay", &customer, &bills);
    check_drafts(&p, &bills);
    assert_eq!(p.drafts.len(), 12);
    assert!(
        p.drafts.iter().all(|d| d.fee.amount().is_zero()),
        "Auto Pay is free (seed 003)"
    );
    assert_eq!(p.flags.len(), 1, "{:?}", p.flags);
    insta::assert_snapshot!(p.to_string());
}

#[test]
fn regulation_e_opt_in_range_sends_notices_only_outside_it() {
    let bills = year(
        "CW",
        5,
        15,
        [
            "197.60", "214.33", "176.02", "141.87", "120.45", "133.10", "158.66", "171.20",
            "139.95", "128.40", "161.75", "205.18",
        ],
    );
    let customer = AutopayCustomer {
        utility: "test-utility".into(),
        account: "40012345".into(),
        method: PaymentMethod::Echeck,
        maximum: None,
        amount_notices: ratepayer::autopay::AmountNoticePreference::OutsideRange {
            min: usd("130.00"),
            max: usd("200.00"),
        },
        card_expiry: None,
    };
    let p = plan_for("crow-wing", "Auto Pay", &customer, &bills);
    let noticed: Vec<&str> = p
        .notices
        .iter()
        .filter(|n| n.kind == ratepayer::autopay::NoticeKind::VariableAmount)
        .filter_map(|n| n.bill_id.as_deref())
        .collect();
    assert_eq!(
        noticed,
        vec!["CW-2027-02", "CW-2027-05", "CW-2027-10", "CW-2027-12"]
    );
}

/// Regulation E's range is of what is debited: Shelby's Checking AutoPay
/// adds a 0.95 fee, so a bill of 199.50 (debit 200.45) is outside a range
/// that ends at 200.00 and is noticed; a bill of 199.05 (debit 200.00) is not.
#[test]
fn regulation_e_range_counts_the_fee() {
    let mut bills = year("SH", 3, 21, ["199.50"; 12]);
    bills.truncate(2);
    bills[1].statement = usd("199.05");
    let customer = AutopayCustomer {
        utility: "shelby".into(),
        account: "000100001".into(),
        method: PaymentMethod::Echeck,
        maximum: None,
        amount_notices: ratepayer::autopay::AmountNoticePreference::OutsideRange {
            min: usd("50.00"),
            max: usd("200.00"),
        },
        card_expiry: None,
    };
    let p = plan_for("shelby", "Checking AutoPay", &customer, &bills);
    assert_eq!(p.drafts[0].total, usd("200.45"));
    assert_eq!(p.drafts[1].total, usd("200.00"));
    let noticed: Vec<&str> = p
        .notices
        .iter()
        .filter(|n| n.kind == ratepayer::autopay::NoticeKind::VariableAmount)
        .filter_map(|n| n.bill_id.as_deref())
        .collect();
    assert_eq!(noticed, vec!["SH-2027-01"]);
}

#[test]
fn chicago_reminds_before_each_debit() {
    let bills = year("CH", 1, 20, ["61.07"; 12]);
    let customer = AutopayCustomer {
        utility: "test-utility".into(),
        account: "000123456789".into(),
        method: PaymentMethod::Echeck,
        maximum: None,
        amount_notices: Default::default(),
        card_expiry: None,
    };
    let p = plan_for("chicago", "Automatic debit", &customer, &bills);
    let reminders: Vec<_> = p
        .notices
        .iter()
        .filter(|n| n.kind == ratepayer::autopay::NoticeKind::DraftReminder)
        .collect();
    assert_eq!(reminders.len(), 12);
    for (r, d) in reminders.iter().zip(&p.drafts) {
        assert_eq!(
            d.date - r.date,
            chrono::Duration::days(5),
            "reminder 5 days before {}",
            d.date
        );
    }
}

#[test]
fn idempotency_keys_are_deterministic_and_distinct() {
    let a = idempotency_key("shelby", "012345678", "SH-2027-01", 0);
    assert_eq!(a, idempotency_key("shelby", "012345678", "SH-2027-01", 0));
    assert_ne!(a, idempotency_key("shelby", "012345678", "SH-2027-01", 1));
    assert_ne!(a, idempotency_key("shelby", "012345678", "SH-2027-02", 0));
    assert_ne!(
        a,
        idempotency_key("medford", "012345678", "SH-2027-01", 0),
        "the utility is part of the key (issue 16: two utilities in one database)"
    );
    assert_ne!(
        a,
        ratepayer::autopay::legacy_idempotency_key("012345678", "SH-2027-01", 0),
        "a new key never equals the legacy key of the same draft"
    );
    assert_ne!(
        idempotency_key("shelby", "01234567", "8SH", 0),
        idempotency_key("shelby", "012345678", "SH", 0),
        "fields cannot run together"
    );
    assert_ne!(
        idempotency_key("shelby0", "1234567", "SH", 0),
        idempotency_key("shelby", "01234567", "SH", 0),
        "the utility cannot run into the account"
    );
    assert_eq!(a.get_version_num(), 5);
}

#[test]
fn shelby_profile_enrolment_cut_off_is_three_banking_days_before_due() {
    use chrono::TimeZone;
    use ratepayer::autopay::enrolment::{enrol, EnrolmentRequest};
    let shelby = builtin::load("shelby").unwrap();
    let policy = shelby.autopay().unwrap().enrolment.clone().unwrap();
    let request = EnrolmentRequest {
        registered: true,
        stored_method: true,
        terms_accepted_version: Some("2024-07".into()),
    };
    // Due Monday 30 November 2026: three banking days back over Thanksgiving is
    // Tuesday 24 November, 00:00 in New York (05:00 UTC).
    let due = Some(date("2026-11-30"));
    let tz = shelby.time_zone();
    let cal = shelby.draft_calendar().unwrap();
    let before = chrono::Utc
        .with_ymd_and_hms(2026, 11, 24, 4, 59, 0)
        .unwrap();
    let at = chrono::Utc.with_ymd_and_hms(2026, 11, 24, 5, 0, 0).unwrap();
    assert!(enrol(&request, &policy, due, before, tz, &cal)
        .unwrap()
        .first_bill
        .covers_open_bill());
    assert!(!enrol(&request, &policy, due, at, tz, &cal)
        .unwrap()
        .first_bill
        .covers_open_bill());
    let unregistered = EnrolmentRequest {
        registered: false,
        ..request
    };
    assert!(enrol(&unregistered, &policy, due, before, tz, &cal).is_err());
}

#[test]
fn a_returned_debit_is_presented_again_under_a_new_key() {
    use ratepayer::autopay::failures::{
        next_action, Attempt, AttemptOutcome, DraftFailure, FailureAction, RetryPolicy,
    };
    let bills = year("CW", 5, 15, ["197.60"; 12]);
    let customer = AutopayCustomer {
        utility: "test-utility".into(),
        account: "40012345".into(),
        method: PaymentMethod::Echeck,
        maximum: None,
        amount_notices: Default::default(),
        card_expiry: None,
    };
    let p = plan_for("crow-wing", "Auto Pay", &customer, &bills);
    let first = &p.drafts[0];
    let history = [Attempt {
        attempt: 0,
        date: first.date,
        settled: Some(first.date + chrono::Days::new(1)),
        outcome: AttemptOutcome::Failed(DraftFailure::AchReturn {
            code: "R01".parse().unwrap(),
        }),
    }];
    let action = next_action(
        &history,
        &RetryPolicy::default(),
        &ratepayer::calendar::Calendar::fed(),
        false,
    )
    .unwrap();
    let FailureAction::Retry { attempt, on, .. } = action else {
        panic!("{action:?}")
    };
    let again = first.retry(attempt, on);
    assert_eq!(again.attempt, 1);
    assert_ne!(again.idempotency_key, first.idempotency_key);
    assert_eq!(
        again.idempotency_key,
        idempotency_key("test-utility", "40012345", &first.bill_id, 1)
    );
    assert_eq!(again.total, first.total);
}
