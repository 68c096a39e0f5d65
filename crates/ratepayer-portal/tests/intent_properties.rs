//! Property tests of payment intents (issue 16): over random sequences of
//! quotes and payments (amounts, targets, idempotency keys drawn from a
//! small pool so that keys repeat, payment times that may be past a quote's
//! expiry), a request sent again with a key that already paid never changes
//! the store and returns the first receipt, and the money recorded as paid
//! always equals what left the accounts' dues plus what became credit.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod portal_support;

use std::collections::BTreeMap;
use std::sync::Arc;

use proptest::prelude::*;
use ratepayer::fees::Channel;
use ratepayer::payment::{PaymentTarget, SplitPart};
use ratepayer::{Currency, Money};
use ratepayer_portal::store::{MemoryStore, Store};
use ratepayer_portal::{PaymentReceipt, PaymentRequest, RecordingNotifier};
use rust_decimal::Decimal;

use portal_support::claims::{enrolled_owner, shelby_as};
use portal_support::{nov, signed_in};

const ACCOUNTS: [&str; 2] = ["000100001", "000100002"];

/// One step: quote (target kind, cents) then pay it with key `key` after
/// `minutes`; or pay quote number `quote` again with key `key`.
#[derive(Debug, Clone)]
enum Step {
    QuoteAndPay {
        target: u8,
        cents: i64,
        key: u8,
        minutes: i64,
    },
    PayAgain {
        quote: usize,
        key: u8,
        minutes: i64,
    },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (0u8..4, 1i64..9_000, 0u8..4, 0i64..20).prop_map(|(target, cents, key, minutes)| {
            Step::QuoteAndPay {
                target,
                cents,
                key,
                minutes,
            }
        }),
        (0usize..8, 0u8..4, 0i64..20).prop_map(|(quote, key, minutes)| Step::PayAgain {
            quote,
            key,
            minutes
        }),
    ]
}

/// Everything money: charges, payments, credits, of both accounts.
fn snapshot(store: &Arc<dyn Store>) -> String {
    let mut tx = store.begin().unwrap();
    let mut out = String::new();
    for a in ACCOUNTS {
        out += &format!(
            "{:?}|{:?}|{:?}\n",
            tx.charges("shelby", a).unwrap(),
            tx.payments_of_account("shelby", a).unwrap(),
            tx.account("shelby", a).unwrap().map(|r| r.credit)
        );
    }
    out
}

/// Open dues plus credits, and the sum of payments' amounts, in cents.
fn ledger(store: &Arc<dyn Store>) -> (Decimal, Decimal, Decimal) {
    let mut tx = store.begin().unwrap();
    let (mut due, mut credit) = (Decimal::ZERO, Decimal::ZERO);
    let mut paid: BTreeMap<String, Decimal> = BTreeMap::new();
    for a in ACCOUNTS {
        for c in tx.charges("shelby", a).unwrap() {
            due += c.charge.amount.amount();
        }
        credit += tx.account("shelby", a).unwrap().unwrap().credit.amount();
        for p in tx.payments_of_account("shelby", a).unwrap() {
            paid.insert(p.id.clone(), p.amount.amount());
        }
    }
    (due, credit, paid.values().copied().sum())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn a_key_that_paid_never_changes_the_store_again(steps in prop::collection::vec(step(), 1..12)) {
        let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
        let notifier = Arc::new(RecordingNotifier::new());
        let p = shelby_as("shelby", store.clone(), notifier.clone());
        let owner = enrolled_owner(&p, &notifier, "100001", 1);
        let second = enrolled_owner(&p, &notifier, "100002", 2);
        // The second account's owner lets the first one in as an authorised user.
        p.add_authorized_user(&signed_in(&p, &second, nov(7, 14)), "100002", "owner1", nov(7, 14)).unwrap();
        let card = store.begin().unwrap().payment_methods(&owner).unwrap()[0].id.clone();
        let (due0, credit0, _) = ledger(&store);

        let mut quotes: Vec<String> = Vec::new();
        let mut paid: BTreeMap<String, (String, PaymentReceipt)> = BTreeMap::new();
        for s in steps {
            let (quote_id, key, minutes) = match s {
                Step::QuoteAndPay { target, cents, key, minutes } => {
                    let amount = Money::new(Decimal::new(cents, 2), Currency::USD);
                    let target = match target {
                        0 => PaymentTarget::Account("100001".into()),
                        1 => PaymentTarget::Account("100002".into()),
                        2 => PaymentTarget::TotalDue,
                        _ => PaymentTarget::Split(vec![
                            SplitPart { account: "100001".into(), amount },
                            SplitPart { account: "100002".into(), amount: Money::new(Decimal::ONE, Currency::USD) },
                        ]),
                    };
                    let total = if matches!(target, PaymentTarget::Split(_)) {
                        amount.checked_add(&Money::new(Decimal::ONE, Currency::USD)).unwrap()
                    } else {
                        amount
                    };
                    match p.quote_payment(&signed_in(&p, &owner, nov(8, 9)), &target, total, Channel::Online, &card, nov(8, 9)) {
                        Ok(q) => {
                            quotes.push(q.id.clone());
                            (q.id, key, minutes)
                        }
                        Err(_) => continue,
                    }
                }
                Step::PayAgain { quote, key, minutes } => match quotes.get(quote) {
                    Some(q) => (q.clone(), key, minutes),
                    None => continue,
                },
            };
            let key = format!("property-key-{key:04}");
            let before = snapshot(&store);
            let result = p.pay(
                &signed_in(&p, &owner, nov(8, 9)),
                &PaymentRequest { quote_id: quote_id.clone(), idempotency_key: key.clone() },
                nov(8, 9) + chrono::Duration::minutes(minutes),
            );
            if let Some((first_quote, first)) = paid.get(&key) {
                // A key that paid: nothing changes, whatever is sent with it.
                prop_assert_eq!(snapshot(&store), before);
                if *first_quote == quote_id {
                    prop_assert_eq!(result.as_ref().ok(), Some(first));
                } else {
                    prop_assert!(result.is_err());
                }
            } else if let Ok(receipt) = result {
                paid.insert(key, (quote_id, receipt));
            } else {
                prop_assert_eq!(snapshot(&store), before, "a refusal changes nothing");
            }
            // What was paid is what left the dues plus what became credit.
            let (due, credit, sum) = ledger(&store);
            prop_assert_eq!(sum, (due0 - due) + (credit - credit0));
        }
    }
}
