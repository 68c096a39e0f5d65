//! Property tests of payments: an allocation sums exactly to the payment,
//! never over-applies a charge, never applies a negative amount and follows
//! its policy's order; account-number normalization is idempotent and blind
//! to spacing and leading zeros. Plus snapshots of itemised allocations.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use chrono::{Days, NaiveDate};
use proptest::prelude::*;
use ratepayer::payment::{
    allocate, normalize, AccountDue, AccountNumberFormat, AccountStatus, AllocationError,
    AllocationPolicy, ChargeKind, OpenCharge, PaymentAllocation, PaymentTarget, SplitPart,
};
use ratepayer::{Currency, Money};
use rust_decimal::Decimal;

fn base() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 1, 1).unwrap()
}

fn cents(c: i64) -> Money {
    Money::new(Decimal::new(c, 2), Currency::USD)
}

fn any_charge(i: usize) -> impl Strategy<Value = OpenCharge> {
    (any::<bool>(), 0u64..400, 0u64..40, 0i64..50_000).prop_map(move |(pen, bill, due, c)| {
        let bill_date = base() + Days::new(bill);
        OpenCharge {
            id: format!("C{:02}", (i * 7) % 10 + i / 10 * 10),
            kind: if pen {
                ChargeKind::Penalty
            } else {
                ChargeKind::Balance
            },
            bill_date,
            due_date: bill_date + Days::new(due),
            amount: cents(if pen { c / 20 } else { c }),
        }
    })
}

fn any_account(i: usize) -> impl Strategy<Value = AccountDue> {
    (prop::bool::weighted(0.15), 0usize..7)
        .prop_flat_map(|(closed, n)| {
            let charges: Vec<_> = (0..n).map(any_charge).collect();
            (Just(closed), charges)
        })
        .prop_map(move |(closed, charges)| AccountDue {
            account: format!("{:08}-{:07}", 65821 + i, 672430 + i),
            status: if closed {
                AccountStatus::Closed
            } else {
                AccountStatus::Active
            },
            currency: Currency::USD,
            charges,
        })
}

fn any_accounts() -> impl Strategy<Value = Vec<AccountDue>> {
    (1usize..5).prop_flat_map(|n| (0..n).map(any_account).collect::<Vec<_>>())
}

fn any_policy() -> impl Strategy<Value = AllocationPolicy> {
    prop_oneof![
        Just(AllocationPolicy::PastDueFirst),
        Just(AllocationPolicy::OldestFirst),
        Just(AllocationPolicy::PenaltiesFirst),
    ]
}

/// A target over `accounts` and a payment that fits it (the exact total due,
/// any amount to one account, or the sum of a split's parts).
fn any_payment(accounts: &[AccountDue]) -> impl Strategy<Value = (PaymentTarget, Money)> {
    let n = accounts.len();
    let active_due: Decimal = accounts
        .iter()
        .filter(|a| a.status == AccountStatus::Active)
        .map(|a| a.amount_due().unwrap().amount())
        .sum();
    let total_due = Just((
        PaymentTarget::TotalDue,
        // With nothing due, any amount: the payment must then be refused as NothingDue.
        Money::new(
            if active_due.is_zero() {
                Decimal::ONE
            } else {
                active_due
            },
            Currency::USD,
        ),
    ));
    let ids: Vec<String> = accounts.iter().map(|a| a.account.clone()).collect();
    let ids2 = ids.clone();
    let one = (0..n, 1i64..80_000)
        .prop_map(move |(i, c)| (PaymentTarget::Account(ids[i].clone()), cents(c)));
    let split = (
        Just(ids2),
        prop::collection::vec((0..n, 1i64..40_000), 1..4),
    )
        .prop_map(|(ids, parts)| {
            let mut seen = std::collections::HashSet::new();
            let parts: Vec<SplitPart> = parts
                .into_iter()
                .filter(|(i, _)| seen.insert(*i))
                .map(|(i, c)| SplitPart {
                    account: ids[i].clone(),
                    amount: cents(c),
                })
                .collect();
            let sum = Money::sum(Currency::USD, parts.iter().map(|p| &p.amount)).unwrap();
            (PaymentTarget::Split(parts), sum)
        });
    prop_oneof![total_due, one, split]
}

fn scenario() -> impl Strategy<
    Value = (
        Vec<AccountDue>,
        PaymentTarget,
        Money,
        AllocationPolicy,
        NaiveDate,
    ),
> {
    any_accounts().prop_flat_map(|accounts| {
        let payment = any_payment(&accounts);
        (
            Just(accounts),
            payment,
            any_policy(),
            (0u64..500).prop_map(|d| base() + Days::new(d)),
        )
            .prop_map(|(a, (t, m), p, d)| (a, t, m, p, d))
    })
}

fn check(
    accounts: &[AccountDue],
    target: &PaymentTarget,
    amount: Money,
    policy: AllocationPolicy,
    as_of: NaiveDate,
    p: &PaymentAllocation,
) {
    let zero = Decimal::ZERO;
    assert_eq!(p.total, amount);
    let paid: Decimal = p.accounts.iter().map(|a| a.paid.amount()).sum();
    assert_eq!(
        paid,
        amount.amount(),
        "accounts' parts do not sum to the payment"
    );
    for a in &p.accounts {
        let due = accounts.iter().find(|d| d.account == a.account).unwrap();
        assert_eq!(due.status, AccountStatus::Active);
        let applied: Decimal = a.items.iter().map(|i| i.applied.amount()).sum();
        assert_eq!(applied + a.credit.amount(), a.paid.amount());
        assert!(a.credit.amount() >= zero);
        let order = policy.ordered(&due.charges, as_of);
        assert_eq!(order.len(), a.items.len());
        let mut earlier_open = false;
        for (item, charge) in a.items.iter().zip(order) {
            assert_eq!(item.charge_id, charge.id);
            assert!(item.applied.amount() >= zero, "negative applied");
            assert!(
                item.applied.amount() <= charge.amount.amount(),
                "over-applied"
            );
            assert_eq!(
                item.applied.amount() + item.remaining.amount(),
                charge.amount.amount()
            );
            if item.applied.amount() > zero {
                assert!(
                    !earlier_open,
                    "{} paid before an earlier charge",
                    item.charge_id
                );
            }
            earlier_open |= item.remaining.amount() > zero;
        }
        if a.credit.amount() > zero {
            assert!(!earlier_open, "credit left while a charge is open");
        }
        match target {
            PaymentTarget::TotalDue => {
                assert!(a.credit.amount().is_zero());
                assert!(!earlier_open);
            }
            PaymentTarget::Split(parts) => {
                let part = parts.iter().find(|s| s.account == a.account).unwrap();
                assert_eq!(part.amount, a.paid);
            }
            PaymentTarget::Account(id) => assert_eq!(id, &a.account),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn allocations_sum_to_the_payment_and_follow_the_policy(
        (accounts, target, amount, policy, as_of) in scenario()
    ) {
        match allocate(&accounts, &target, amount, policy, as_of) {
            Ok(p) => check(&accounts, &target, amount, policy, as_of, &p),
            Err(e) => {
                let closed = |id: &str| accounts
                    .iter()
                    .any(|a| a.account == id && a.status == AccountStatus::Closed);
                match (&target, &e) {
                    (PaymentTarget::Account(id), AllocationError::AccountClosed { .. }) => {
                        prop_assert!(closed(id))
                    }
                    (PaymentTarget::Split(parts), AllocationError::AccountClosed { account }) => {
                        prop_assert!(closed(account));
                        prop_assert!(parts.iter().any(|p| &p.account == account));
                    }
                    (PaymentTarget::TotalDue, AllocationError::NothingDue) => {
                        prop_assert!(accounts.iter().all(|a| a.status == AccountStatus::Closed
                            || a.amount_due().unwrap().amount().is_zero()));
                    }
                    _ => prop_assert!(false, "unexpected error {e}"),
                }
            }
        }
    }

    #[test]
    fn canonical_numbers_normalize_to_themselves(
        customer in 0u8..12, account in 1u8..12, sep in prop::sample::select(vec!['-', '/', '.']),
        digits in "[0-9]{24}",
    ) {
        let f = AccountNumberFormat { customer_digits: customer, account_digits: account, separator: sep };
        let c = &digits[..usize::from(customer)];
        let a = &digits[12..12 + usize::from(account)];
        let canonical = if customer == 0 { a.to_string() } else { format!("{c}{sep}{a}") };
        let n = normalize(&canonical, &f).unwrap();
        prop_assert_eq!(n.as_str(), canonical.as_str());
        prop_assert_eq!(normalize(n.as_str(), &f).unwrap(), n.clone());
        let back: ratepayer::payment::AccountNumber =
            serde_json::from_str(&serde_json::to_string(&n).unwrap()).unwrap();
        prop_assert_eq!(back, n);
    }

    #[test]
    fn normalizing_is_idempotent(input in "[0-9 \\-a/]{0,24}") {
        let f = AccountNumberFormat::default();
        if let Ok(n) = normalize(&input, &f) {
            prop_assert_eq!(n.as_str().len(), 16);
            prop_assert_eq!(normalize(n.as_str(), &f).unwrap(), n.clone());
            prop_assert_eq!(normalize(&n.as_str().replace('-', ""), &f).unwrap(), n);
        }
    }

    #[test]
    fn spacing_and_leading_zeros_do_not_matter(
        customer in 0u64..100_000_000, account in 0u64..10_000_000,
        zeros in (0usize..8, 0usize..7), spaces in prop::collection::vec(0usize..20, 0..6),
    ) {
        let f = AccountNumberFormat::default();
        let canonical = format!("{customer:08}-{account:07}");
        let c = format!("{customer}");
        let a = format!("{account}");
        let c = format!("{}{c}", "0".repeat(zeros.0.min(8 - c.len())));
        let a = format!("{}{a}", "0".repeat(zeros.1.min(7 - a.len())));
        let mut typed: Vec<char> = format!("{c}-{a}").chars().collect();
        for at in spaces {
            typed.insert(at.min(typed.len()), ' ');
        }
        let typed: String = typed.into_iter().collect();
        let n = normalize(&typed, &f).unwrap();
        prop_assert_eq!(n.as_str(), canonical.as_str());
        prop_assert_eq!(normalize(&canonical.replace('-', ""), &f).unwrap(), n);
    }
}

// ---- snapshots ----

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn usd(s: &str) -> Money {
    Money::parse(s, Currency::USD).unwrap()
}

fn charge(id: &str, kind: ChargeKind, bill: &str, due: &str, amount: &str) -> OpenCharge {
    OpenCharge {
        id: id.into(),
        kind,
        bill_date: day(bill),
        due_date: day(due),
        amount: usd(amount),
    }
}

/// Two linked accounts on 2025-09-25 (the first with arrears, a penalty, a
/// payment-plan instalment and a current bill) and a closed one.
fn linked() -> Vec<AccountDue> {
    use ChargeKind::{Balance, Penalty};
    let account = |id: &str, status, charges| AccountDue {
        account: id.into(),
        status,
        currency: Currency::USD,
        charges,
    };
    vec![
        account(
            "00065821-0672430",
            AccountStatus::Active,
            vec![
                charge("BILL-2025-09", Balance, "2025-09-01", "2025-09-30", "70.00"),
                charge("LATE-2025-09", Penalty, "2025-09-01", "2025-09-10", "4.00"),
                charge("PLAN-2025-08", Balance, "2025-08-01", "2025-10-15", "20.00"),
                charge("BILL-2025-08", Balance, "2025-08-01", "2025-08-21", "50.00"),
                charge("BILL-2025-07", Balance, "2025-07-01", "2025-07-21", "30.00"),
            ],
        ),
        account(
            "00012345-0000001",
            AccountStatus::Closed,
            vec![charge(
                "FINAL",
                Balance,
                "2025-06-01",
                "2025-06-21",
                "12.34",
            )],
        ),
        account(
            "00065821-0709112",
            AccountStatus::Active,
            vec![charge(
                "BILL-2025-09",
                Balance,
                "2025-09-05",
                "2025-10-05",
                "45.00",
            )],
        ),
    ]
}

#[test]
fn itemised_split_payment_past_due_first() {
    let target = PaymentTarget::Split(vec![
        SplitPart {
            account: "00065821-0672430".into(),
            amount: usd("100.00"),
        },
        SplitPart {
            account: "00065821-0709112".into(),
            amount: usd("50.00"),
        },
    ]);
    let p = allocate(
        &linked(),
        &target,
        usd("150.00"),
        AllocationPolicy::PastDueFirst,
        day("2025-09-25"),
    )
    .unwrap();
    insta::assert_snapshot!("split_past_due_first", p.to_string());
}

#[test]
fn itemised_total_due_penalties_first() {
    let p = allocate(
        &linked(),
        &PaymentTarget::TotalDue,
        usd("219.00"),
        AllocationPolicy::PenaltiesFirst,
        day("2025-09-25"),
    )
    .unwrap();
    insta::assert_snapshot!("total_due_penalties_first", p.to_string());
    insta::assert_json_snapshot!("total_due_second_account_json", p.accounts[1]);
}
