//! Tests of payments: account-number normalization, the one-time payment
//! form, and allocation under each policy with worked itemised examples.
use std::str::FromStr;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::*;

fn day(s: &str) -> NaiveDate {
    NaiveDate::from_str(s).unwrap()
}

fn usd(s: &str) -> Money {
    Money::new(Decimal::from_str(s).unwrap(), Currency::USD)
}

fn fmt() -> AccountNumberFormat {
    AccountNumberFormat::default()
}

// ---- account numbers ----

#[test]
fn account_numbers_normalize_to_the_canonical_form() {
    for input in [
        "00065821-0672430",
        "65821-672430",
        " 00065821 - 0672430 ",
        "000658210672430",
        "0065821-672430",
        "6 5 8 2 1-6 7 2 4 3 0",
        "\t65821-0672430\n",
    ] {
        let n = normalize(input, &fmt()).unwrap_or_else(|e| panic!("{input:?}: {e}"));
        assert_eq!(n.as_str(), "00065821-0672430", "{input:?}");
        assert_eq!(n.customer(), Some("00065821"));
        assert_eq!(n.account(), "0672430");
        assert_eq!(n.to_string(), "00065821-0672430");
    }
}

#[test]
fn account_number_errors_have_codes_and_say_what_to_type() {
    let cases = [
        ("", "account_number.empty"),
        ("   ", "account_number.empty"),
        ("A0000000-0000000", "account_number.invalid_character"),
        ("00065821_0672430", "account_number.invalid_character"),
        ("０００65821-0672430", "account_number.invalid_character"),
        ("1-2-3", "account_number.multiple_separators"),
        ("-0672430", "account_number.empty_part"),
        ("00065821-", "account_number.empty_part"),
        ("-", "account_number.empty_part"),
        ("000065821-0672430", "account_number.too_many_digits"),
        ("00065821-00672430", "account_number.too_many_digits"),
        ("0006582106724301", "account_number.too_many_digits"),
        ("658210672430", "account_number.ambiguous_length"),
        (&"1".repeat(65), "account_number.too_long"),
    ];
    for (input, code) in cases {
        let e = normalize(input, &fmt()).unwrap_err();
        assert_eq!(e.code(), code, "{input:?}: {e}");
        assert!(!e.to_string().is_empty());
    }
    let e = normalize("A0000000-0000000", &fmt()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "'A' is not allowed in an account number; enter the 8-digit customer number and the \
         7-digit account number separated by '-', for example 00065821-0672430 (leading zeros \
         may be left out)"
    );
    let e = normalize("000065821-0672430", &fmt()).unwrap_err();
    assert!(e
        .to_string()
        .starts_with("The customer number has 9 digits; it must have at most 8;"));
    let e = normalize("658210672430", &fmt()).unwrap_err();
    assert!(e.to_string().starts_with(
        "12 digits without '-' cannot be split into customer and account number; enter all 15 digits or"
    ));
}

#[test]
fn account_only_and_other_separators() {
    let only = AccountNumberFormat::account_only(10);
    let n = normalize(" 672 430", &only).unwrap();
    assert_eq!(n.as_str(), "0000672430");
    assert_eq!(n.customer(), None);
    assert_eq!(n.account(), "0000672430");
    assert_eq!(
        normalize("1-2", &only).unwrap_err().code(),
        "account_number.invalid_character"
    );
    assert_eq!(
        normalize("12345678901", &only).unwrap_err().code(),
        "account_number.too_many_digits"
    );
    let slash = AccountNumberFormat {
        customer_digits: 3,
        account_digits: 5,
        separator: '/',
    };
    assert_eq!(slash.example(), "821/72430");
    let n = normalize("7/42", &slash).unwrap();
    assert_eq!(n.as_str(), "007/00042");
    assert_eq!((n.customer(), n.account()), (Some("007"), "00042"));
    assert_eq!(
        normalize("7-42", &slash).unwrap_err().code(),
        "account_number.invalid_character"
    );
}

#[test]
fn bad_formats_are_refused() {
    for f in [
        AccountNumberFormat::account_only(0),
        AccountNumberFormat::account_only(31),
        AccountNumberFormat {
            separator: '5',
            ..fmt()
        },
        AccountNumberFormat {
            separator: ' ',
            ..fmt()
        },
        AccountNumberFormat {
            customer_digits: 31,
            ..fmt()
        },
    ] {
        let e = normalize("1-1", &f).unwrap_err();
        assert_eq!(e.code(), "account_number.invalid_format", "{f:?}");
    }
}

#[test]
fn account_numbers_serialize_as_strings() {
    let n = normalize("65821-672430", &fmt()).unwrap();
    let json = serde_json::to_string(&n).unwrap();
    assert_eq!(json, "\"00065821-0672430\"");
    let back: AccountNumber = serde_json::from_str(&json).unwrap();
    assert_eq!(back, n);
    let only: AccountNumber = serde_json::from_str("\"0000672430\"").unwrap();
    assert_eq!(only.customer(), None);
    for bad in [
        "\"\"",
        "\"1-\"",
        "\"1--2\"",
        "\"1 2\"",
        "\"a1\"",
        "\"1-2-3\"",
    ] {
        assert!(serde_json::from_str::<AccountNumber>(bad).is_err(), "{bad}");
    }
    let f: AccountNumberFormat = serde_json::from_str("{\"account_digits\": 9}").unwrap();
    assert_eq!(
        (f.customer_digits, f.account_digits, f.separator),
        (8, 9, '-')
    );
    assert_eq!(fmt().example(), "00065821-0672430");
}

// ---- one-time payment form ----

fn form(account: &str, email: &str, confirmation: &str) -> OneTimePaymentForm {
    OneTimePaymentForm {
        account_number: account.into(),
        email: email.into(),
        email_confirmation: confirmation.into(),
    }
}

#[test]
fn a_valid_form_gives_the_payer() {
    let payer = form(
        "65821-672430",
        "  Ann.Lee@Example.COM ",
        "ann.lee@example.com",
    )
    .validate(&fmt())
    .unwrap();
    assert_eq!(payer.account.as_str(), "00065821-0672430");
    assert_eq!(payer.email, "Ann.Lee@example.com");
}

#[test]
fn every_problem_is_reported_at_once() {
    // Seed 001's screenshot: an invalid email and a blank confirmation.
    let errors = form("A0000000-0000000", "•••1", "")
        .validate(&fmt())
        .unwrap_err();
    let got: Vec<(&str, &str, &str)> = errors
        .iter()
        .map(|e| (e.field, e.code, e.message.as_str()))
        .collect();
    assert_eq!(got[0].0, "account_number");
    assert_eq!(got[0].1, "account_number.invalid_character");
    assert_eq!(
        &got[1..],
        &[
            ("email", "email.invalid", "Not a valid email address"),
            (
                "email_confirmation",
                "email.blank",
                "Email address cannot be blank"
            ),
        ]
    );
    let errors = form("00065821-0672430", " ", "x@example.com")
        .validate(&fmt())
        .unwrap_err();
    let got: Vec<(&str, &str, &str)> = errors
        .iter()
        .map(|e| (e.field, e.code, e.message.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("email", "email.blank", "Email address cannot be blank"),
            (
                "email_confirmation",
                "email.mismatch",
                "Email addresses do not match"
            ),
        ]
    );
    let errors = form("00065821-0672430", "ann@example.com", "anne@example.com")
        .validate(&fmt())
        .unwrap_err();
    assert_eq!(errors.len(), 1);
    assert_eq!(
        errors[0].to_string(),
        "email_confirmation: Email addresses do not match (email.mismatch)"
    );
}

#[test]
fn email_rules() {
    for ok in [
        "a@example.com",
        "first.last+bills@mail.example.co.uk",
        "o'brien@example.ie",
        "jos\u{e9}@ex\u{e1}mple.es",
        "a@xn--bcher-kva.example",
    ] {
        assert!(validate_email(ok).is_ok(), "{ok} refused");
    }
    for bad in [
        "plainaddress",
        "a@localhost",
        "a@[192.0.2.1]",
        "a@192.0.2.1",
        "\"a b\"@example.com",
        "Ann <a@example.com>",
        "a b@example.com",
        "a@exa mple.com",
        "a@example..com",
        "a@-example.com",
        "a@ex!ample.com",
        ".a@example.com",
        "a.@example.com",
        "a@@example.com",
        "a@example.com.",
        "@example.com",
        "a@",
        "a\u{0}@example.com",
    ] {
        let e = validate_email(bad).unwrap_err();
        assert_eq!(e.code(), "email.invalid", "{bad}: {e}");
    }
    let long = format!("{}@{}.com", "a".repeat(64), "b".repeat(186));
    assert_eq!(long.len(), 255);
    assert_eq!(validate_email(&long).unwrap_err().code(), "email.invalid");
    assert_eq!(validate_email(" \t").unwrap_err(), EmailError::Blank);
    assert!(emails_match(" Ann@Example.com", "ann@example.COM "));
    assert!(!emails_match("ann@example.com", "ann@example.org"));
}

// ---- allocation ----

const A: &str = "00065821-0672430";
const B: &str = "00065821-0709112";
const CLOSED: &str = "00012345-0000001";

fn charge(id: &str, kind: ChargeKind, bill: &str, due: &str, amount: &str) -> OpenCharge {
    OpenCharge {
        id: id.into(),
        kind,
        bill_date: day(bill),
        due_date: day(due),
        amount: usd(amount),
    }
}

/// Account A owes 174.00 on 2025-09-25: three past-due charges (two bills,
/// one penalty) and two current ones (a payment-plan instalment billed in
/// August, due in October, and September's bill). B owes 45.00.
fn linked() -> Vec<AccountDue> {
    use ChargeKind::{Balance, Penalty};
    vec![
        AccountDue {
            account: A.into(),
            status: AccountStatus::Active,
            currency: Currency::USD,
            charges: vec![
                charge("BILL-09", Balance, "2025-09-01", "2025-09-30", "70.00"),
                charge("LATE-09", Penalty, "2025-09-01", "2025-09-10", "4.00"),
                charge("PLAN-08", Balance, "2025-08-01", "2025-10-15", "20.00"),
                charge("BILL-08", Balance, "2025-08-01", "2025-08-21", "50.00"),
                charge("BILL-07", Balance, "2025-07-01", "2025-07-21", "30.00"),
            ],
        },
        AccountDue {
            account: CLOSED.into(),
            status: AccountStatus::Closed,
            currency: Currency::USD,
            charges: vec![charge(
                "FINAL",
                Balance,
                "2025-06-01",
                "2025-06-21",
                "12.34",
            )],
        },
        AccountDue {
            account: B.into(),
            status: AccountStatus::Active,
            currency: Currency::USD,
            charges: vec![charge(
                "BILL-09",
                Balance,
                "2025-09-05",
                "2025-10-05",
                "45.00",
            )],
        },
    ]
}

fn as_of() -> NaiveDate {
    day("2025-09-25")
}

/// (charge id, applied, remaining) of one account's items.
fn items(a: &AccountAllocation) -> Vec<(&str, String, String)> {
    a.items
        .iter()
        .map(|i| {
            (
                i.charge_id.as_str(),
                i.applied.to_decimal_string(),
                i.remaining.to_decimal_string(),
            )
        })
        .collect()
}

fn pay_a(policy: AllocationPolicy, amount: &str) -> AccountAllocation {
    let target = PaymentTarget::Account(A.into());
    let p = allocate(&linked(), &target, usd(amount), policy, as_of()).unwrap();
    assert_eq!(p.total, usd(amount));
    assert_eq!(p.accounts.len(), 1);
    p.accounts[0].clone()
}

fn row(id: &str, applied: &str, remaining: &str) -> (String, String, String) {
    (id.into(), applied.into(), remaining.into())
}

fn owned(v: Vec<(&str, String, String)>) -> Vec<(String, String, String)> {
    v.into_iter()
        .map(|(i, a, r)| (i.to_string(), a, r))
        .collect()
}

#[test]
fn past_due_first_pays_arrears_by_due_date_then_current_charges() {
    let a = pay_a(AllocationPolicy::PastDueFirst, "100.00");
    assert_eq!(
        owned(items(&a)),
        [
            row("BILL-07", "30.00", "0.00"),
            row("BILL-08", "50.00", "0.00"),
            row("LATE-09", "4.00", "0.00"),
            row("PLAN-08", "16.00", "4.00"),
            row("BILL-09", "0.00", "70.00"),
        ]
    );
    assert_eq!(a.credit, usd("0"));
    assert_eq!(a.paid, usd("100.00"));
}

#[test]
fn oldest_first_pays_by_bill_date() {
    let a = pay_a(AllocationPolicy::OldestFirst, "100.00");
    assert_eq!(
        owned(items(&a)),
        [
            row("BILL-07", "30.00", "0.00"),
            row("BILL-08", "50.00", "0.00"),
            row("PLAN-08", "20.00", "0.00"),
            row("LATE-09", "0.00", "4.00"),
            row("BILL-09", "0.00", "70.00"),
        ]
    );
}

#[test]
fn penalties_first_pays_the_late_fee_before_anything() {
    let a = pay_a(AllocationPolicy::PenaltiesFirst, "100.00");
    assert_eq!(
        owned(items(&a)),
        [
            row("LATE-09", "4.00", "0.00"),
            row("BILL-07", "30.00", "0.00"),
            row("BILL-08", "50.00", "0.00"),
            row("PLAN-08", "16.00", "4.00"),
            row("BILL-09", "0.00", "70.00"),
        ]
    );
}

#[test]
fn ties_are_broken_by_id() {
    use ChargeKind::Balance;
    let charges = [
        charge("B", Balance, "2025-01-01", "2025-01-21", "1"),
        charge("A", Balance, "2025-01-01", "2025-01-21", "1"),
    ];
    for policy in [
        AllocationPolicy::PastDueFirst,
        AllocationPolicy::OldestFirst,
        AllocationPolicy::PenaltiesFirst,
    ] {
        let ids: Vec<&str> = policy
            .ordered(&charges, day("2025-02-01"))
            .iter()
            .map(|c| c.id.as_str())
            .collect();
        assert_eq!(ids, ["A", "B"], "{policy:?}");
    }
    // Due on the payment day is not yet past due.
    let charges = [
        charge("OLD", Balance, "2025-01-01", "2025-02-01", "1"),
        charge("NEW", Balance, "2025-01-15", "2025-01-31", "1"),
    ];
    let ids: Vec<&str> = AllocationPolicy::PastDueFirst
        .ordered(&charges, day("2025-02-01"))
        .iter()
        .map(|c| c.id.as_str())
        .collect();
    assert_eq!(ids, ["NEW", "OLD"]);
}

#[test]
fn overpayment_becomes_a_credit_on_the_account() {
    let target = PaymentTarget::Account(B.into());
    let p = allocate(&linked(), &target, usd("200"), Default::default(), as_of()).unwrap();
    let b = &p.accounts[0];
    assert_eq!(owned(items(b)), [row("BILL-09", "45.00", "0.00")]);
    assert_eq!(b.credit, usd("155.00"));
    let a = pay_a(AllocationPolicy::PastDueFirst, "180.00");
    assert_eq!(a.credit, usd("6.00"));
    assert!(a.items.iter().all(|i| i.remaining.amount().is_zero()));
}

#[test]
fn total_due_pays_every_active_account_in_full() {
    let linked = linked();
    assert_eq!(linked[0].amount_due().unwrap(), usd("174.00"));
    let p = allocate(
        &linked,
        &PaymentTarget::TotalDue,
        usd("219.00"),
        AllocationPolicy::PastDueFirst,
        as_of(),
    )
    .unwrap();
    let ids: Vec<&str> = p.accounts.iter().map(|a| a.account.as_str()).collect();
    assert_eq!(ids, [A, B]);
    for a in &p.accounts {
        assert!(a.credit.amount().is_zero());
        assert!(a.items.iter().all(|i| i.remaining.amount().is_zero()));
    }
    let e = allocate(
        &linked,
        &PaymentTarget::TotalDue,
        usd("200"),
        AllocationPolicy::PastDueFirst,
        as_of(),
    )
    .unwrap_err();
    assert_eq!(e.code(), "payment.total_mismatch");
    assert_eq!(
        e.to_string(),
        "The total due on your active accounts is 219.00 USD, not 200.00 USD; pay 219.00 USD, \
         or pay chosen amounts to chosen accounts"
    );
    let nothing: Vec<AccountDue> = linked
        .into_iter()
        .map(|a| AccountDue {
            charges: if a.status == AccountStatus::Closed {
                a.charges
            } else {
                vec![]
            },
            ..a
        })
        .collect();
    let e = allocate(
        &nothing,
        &PaymentTarget::TotalDue,
        usd("1"),
        Default::default(),
        as_of(),
    )
    .unwrap_err();
    assert_eq!(e, AllocationError::NothingDue);
}

#[test]
fn a_closed_account_cannot_be_paid_online() {
    for target in [
        PaymentTarget::Account(CLOSED.into()),
        PaymentTarget::Split(vec![SplitPart {
            account: CLOSED.into(),
            amount: usd("12.34"),
        }]),
    ] {
        let e = allocate(
            &linked(),
            &target,
            usd("12.34"),
            Default::default(),
            as_of(),
        )
        .unwrap_err();
        assert_eq!(e.code(), "payment.account_closed");
        assert_eq!(
            e.to_string(),
            "Account 00012345-0000001 is closed: the balance of a closed account cannot be paid \
             online. Please contact Customer Service to pay it"
        );
    }
}

fn split(parts: &[(&str, &str)]) -> PaymentTarget {
    PaymentTarget::Split(
        parts
            .iter()
            .map(|(a, m)| SplitPart {
                account: (*a).into(),
                amount: usd(m),
            })
            .collect(),
    )
}

#[test]
fn split_payments_pay_each_account_its_part() {
    let target = split(&[(B, "50.00"), (A, "34.00")]);
    let p = allocate(&linked(), &target, usd("84"), Default::default(), as_of()).unwrap();
    assert_eq!(p.accounts[0].account, B);
    assert_eq!(p.accounts[0].credit, usd("5.00"));
    assert_eq!(
        owned(items(&p.accounts[1]))[..2],
        [
            row("BILL-07", "30.00", "0.00"),
            row("BILL-08", "4.00", "46.00")
        ]
    );
}

#[test]
fn split_errors() {
    let cases: [(PaymentTarget, &str, &str); 8] = [
        (split(&[]), "10", "payment.empty_split"),
        (
            split(&[(A, "5"), (A, "5")]),
            "10",
            "payment.duplicate_account",
        ),
        (
            split(&[(A, "5"), ("nope", "5")]),
            "10",
            "payment.unknown_account",
        ),
        (
            split(&[(A, "10"), (B, "0")]),
            "10",
            "payment.split_part_not_positive",
        ),
        (
            split(&[(A, "12"), (B, "-2")]),
            "10",
            "payment.split_part_not_positive",
        ),
        (split(&[(A, "4"), (B, "5")]), "10", "payment.split_mismatch"),
        (
            split(&[(A, "4.995"), (B, "5.005")]),
            "10",
            "payment.too_precise",
        ),
        (
            split(&[(A, "5"), (CLOSED, "5")]),
            "10",
            "payment.account_closed",
        ),
    ];
    for (target, amount, code) in cases {
        let e = allocate(&linked(), &target, usd(amount), Default::default(), as_of()).unwrap_err();
        assert_eq!(e.code(), code, "{target:?}: {e}");
    }
    let e = allocate(
        &linked(),
        &split(&[(A, "4"), (B, "5")]),
        usd("10"),
        Default::default(),
        as_of(),
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "The amounts for the accounts add up to 9.00 USD, but the payment is 10.00 USD; make them \
         add up to the payment"
    );
    let euro = PaymentTarget::Split(vec![SplitPart {
        account: A.into(),
        amount: Money::new(Decimal::TEN, Currency::EUR),
    }]);
    let e = allocate(&linked(), &euro, usd("10"), Default::default(), as_of()).unwrap_err();
    assert_eq!(e.code(), "payment.currency_mismatch");
}

#[test]
fn payment_amount_errors() {
    let target = PaymentTarget::Account(A.into());
    let go = |m: Money| allocate(&linked(), &target, m, Default::default(), as_of());
    assert_eq!(go(usd("0")).unwrap_err().code(), "payment.not_positive");
    assert_eq!(go(usd("-5")).unwrap_err().code(), "payment.not_positive");
    let e = go(usd("10.001")).unwrap_err();
    assert_eq!(
        e.to_string(),
        "10.001 USD cannot be paid: USD amounts have at most 2 digits after the decimal point; round it"
    );
    assert!(go(usd("10.100")).is_ok());
    let e = go(Money::new(Decimal::TEN, Currency::EUR)).unwrap_err();
    assert_eq!(
        e.to_string(),
        "Account 00065821-0672430 is billed in USD, but the payment is in EUR; pay in USD"
    );
    let e = allocate(
        &linked(),
        &PaymentTarget::Account("x".into()),
        usd("1"),
        Default::default(),
        as_of(),
    )
    .unwrap_err();
    assert_eq!(e.code(), "payment.unknown_account");
}

#[test]
fn bad_account_data_is_refused() {
    let mut dup = linked();
    dup.push(dup[0].clone());
    let target = PaymentTarget::Account(B.into());
    let e = allocate(&dup, &target, usd("1"), Default::default(), as_of()).unwrap_err();
    assert_eq!(e.code(), "payment.duplicate_linked_account");
    for (change, reason) in [
        (usd("-1"), "below zero"),
        (usd("0.001"), "minor units"),
        (Money::new(Decimal::ONE, Currency::EUR), "currency"),
    ] {
        let mut bad = linked();
        bad[2].charges[0].amount = change;
        let e = allocate(&bad, &target, usd("1"), Default::default(), as_of()).unwrap_err();
        assert_eq!(e.code(), "payment.invalid_charge");
        assert!(e.to_string().contains(reason), "{e}");
    }
    let mut bad = linked();
    let again = bad[2].charges[0].clone();
    bad[2].charges.push(again);
    let e = allocate(&bad, &target, usd("1"), Default::default(), as_of()).unwrap_err();
    assert!(e.to_string().contains("same id"), "{e}");
}

#[test]
fn targets_and_policies_read_from_json() {
    let t: PaymentTarget = serde_json::from_str("\"total_due\"").unwrap();
    assert_eq!(t, PaymentTarget::TotalDue);
    let t: PaymentTarget = serde_json::from_str(
        r#"{"split": [{"account": "1-1", "amount": {"amount": "5.00", "currency": "USD"}}]}"#,
    )
    .unwrap();
    assert_eq!(t, split(&[("1-1", "5.00")]));
    let p: AllocationPolicy = serde_json::from_str("\"penalties_first\"").unwrap();
    assert_eq!(p, AllocationPolicy::PenaltiesFirst);
    assert_eq!(AllocationPolicy::default(), AllocationPolicy::PastDueFirst);
}
