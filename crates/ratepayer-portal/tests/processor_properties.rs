//! Property tests of the processor port (issue 16, Build 2): over random
//! sequences of payments (targets, amounts, card or bank account), AutoPay
//! cycles, submissions, processor results (settled, returned, declined, in
//! any order) and results sent again, once every payment has an outcome
//! the sum of settled payments (every payment minus those returned or
//! declined) equals the reduction of what is due, with the returned-payment
//! fee counted once per return; at every step the payments still counting
//! (pending, submitted, settled) equal it too; and a result sent again with
//! the same key never changes the store.
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
use ratepayer::autopay::failures::AchReturnCode;
use ratepayer::fees::Channel;
use ratepayer::payment::{ChargeKind, PaymentTarget, SplitPart};
use ratepayer::{Currency, Money};
use ratepayer_portal::store::{DeclineReason, MemoryStore, PaymentStatus, Store};
use ratepayer_portal::{
    ChargeType, FakeProcessor, PaymentRequest, Portal, ProcessorOutcome, ProcessorResult,
    ResultEffect,
};
use rust_decimal::Decimal;

use portal_support::intents::{link_second, per_account_shelby, two_account_owner_from};
use portal_support::processor::{noon, shelby_fee_text, store_state, RETURNED_FEE};
use portal_support::signed_in;
use portal_support::{date, nov};

const ACCOUNTS: [&str; 2] = ["000100001", "000100002"];

#[derive(Debug, Clone)]
enum Step {
    /// Quote and pay (target kind 0..4, cents, card or bank).
    Pay { target: u8, cents: i64, bank: bool },
    /// Run the AutoPay cycle on the due date.
    Cycle,
    /// Hand what is pending to the processor.
    Submit,
    /// Report an outcome (0 settle, 1 fail soft, 2 fail hard) for the
    /// `charge`-th charge the processor took.
    Report { charge: usize, outcome: u8 },
    /// Send the last result of the `which`-th key again.
    Again { which: usize },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (0u8..4, 1i64..12_000, any::<bool>()).prop_map(|(target, cents, bank)| Step::Pay {
            target,
            cents,
            bank
        }),
        Just(Step::Cycle),
        Just(Step::Submit),
        (0usize..8, 0u8..3).prop_map(|(charge, outcome)| Step::Report { charge, outcome }),
        (0usize..8).prop_map(|which| Step::Again { which }),
    ]
}

fn usd(cents: i64) -> Money {
    Money::new(Decimal::new(cents, 2), Currency::USD)
}

/// What the two accounts owe: open charges (every kind) minus credits.
fn due(store: &Arc<dyn Store>) -> Decimal {
    let mut tx = store.begin().unwrap();
    let mut sum = Decimal::ZERO;
    for a in ACCOUNTS {
        for c in tx.charges("shelby", a).unwrap() {
            sum += c.charge.amount.amount();
        }
        sum -= tx.account("shelby", a).unwrap().unwrap().credit.amount();
    }
    sum
}

/// Returned-payment fees charged: each return's fee is a penalty charge of
/// its own (kept, at zero, once a later payment paid it).
fn fees(store: &Arc<dyn Store>) -> Decimal {
    let mut tx = store.begin().unwrap();
    let fee: Decimal = RETURNED_FEE.parse().unwrap();
    let mut sum = Decimal::ZERO;
    for a in ACCOUNTS {
        for c in tx.charges("shelby", a).unwrap() {
            if c.charge.kind == ChargeKind::Penalty && c.charge.id.starts_with("returned-fee-") {
                sum += fee;
            }
        }
    }
    sum
}

/// Every payment of the two accounts (each once), by id.
fn payments(store: &Arc<dyn Store>) -> BTreeMap<String, (PaymentStatus, Decimal)> {
    let mut tx = store.begin().unwrap();
    let mut out = BTreeMap::new();
    for a in ACCOUNTS {
        for p in tx.payments_of_account("shelby", a).unwrap() {
            out.insert(p.id.clone(), (p.status, p.amount.amount()));
        }
    }
    out
}

fn outcome_for(charge: ChargeType, outcome: u8, settled_on: chrono::NaiveDate) -> ProcessorOutcome {
    match (outcome, charge) {
        (0, _) => ProcessorOutcome::Settled { on: settled_on },
        (1, ChargeType::AchDebit) => ProcessorOutcome::Returned {
            code: AchReturnCode::R01,
        },
        (_, ChargeType::AchDebit) => ProcessorOutcome::Returned {
            code: AchReturnCode::R03,
        },
        (1, ChargeType::Card) => ProcessorOutcome::Declined {
            reason: DeclineReason::Soft,
        },
        (_, ChargeType::Card) => ProcessorOutcome::Declined {
            reason: DeclineReason::Hard,
        },
    }
}

struct World {
    store: Arc<dyn Store>,
    p: Portal,
    owner: String,
    card: String,
    bank: String,
    fake: FakeProcessor,
    /// The last result sent per key, in the order keys were first reported.
    sent: Vec<(String, ProcessorResult)>,
    paid: u32,
}

impl World {
    fn new() -> World {
        let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
        let text = shelby_fee_text(&per_account_shelby());
        let (p, owner, card, bank) = two_account_owner_from(store.clone(), &text);
        link_second(&p, &owner);
        World {
            store,
            p,
            owner,
            card,
            bank,
            fake: FakeProcessor::new(),
            sent: Vec::new(),
            paid: 0,
        }
    }

    fn record(&mut self, r: ProcessorResult) {
        let effect = self
            .p
            .record_result(&r, noon(date(2025, 11, 25)))
            .unwrap()
            .effect;
        if effect == ResultEffect::Applied {
            match self.sent.iter_mut().find(|(k, _)| *k == r.key) {
                Some(slot) => slot.1 = r,
                None => self.sent.push((r.key.clone(), r)),
            }
        }
    }

    fn run(&mut self, step: &Step) {
        match step {
            Step::Pay {
                target,
                cents,
                bank,
            } => {
                let target = match target {
                    0 => PaymentTarget::TotalDue,
                    1 => PaymentTarget::Account("100001".into()),
                    2 => PaymentTarget::Account("100002".into()),
                    _ => PaymentTarget::Split(vec![
                        SplitPart {
                            account: "100001".into(),
                            amount: usd(cents / 2 + 1),
                        },
                        SplitPart {
                            account: "100002".into(),
                            amount: usd(cents - cents / 2 - 1),
                        },
                    ]),
                };
                let method = if *bank { &self.bank } else { &self.card };
                // Refused payments (a total due that is not the amount, a
                // split part of zero) change nothing; the rest are recorded.
                if let Ok(q) = self.p.quote_payment(
                    &signed_in(&self.p, &self.owner, nov(8, 9)),
                    &target,
                    usd(*cents),
                    Channel::Online,
                    method,
                    nov(8, 9),
                ) {
                    self.paid += 1;
                    let _ = self.p.pay(
                        &signed_in(&self.p, &self.owner, nov(8, 9)),
                        &PaymentRequest {
                            quote_id: q.id,
                            idempotency_key: format!("client-key-prop-{:06}", self.paid),
                        },
                        nov(8, 9),
                    );
                }
            }
            Step::Cycle => {
                self.p
                    .run_autopay_cycle(date(2025, 11, 24), nov(24, 6))
                    .unwrap();
            }
            Step::Submit => {
                self.p.submit_pending(&self.fake, nov(24, 7)).unwrap();
            }
            Step::Report { charge, outcome } => {
                let charges = self.fake.charges();
                if charges.is_empty() {
                    return;
                }
                let c = &charges[charge % charges.len()];
                let r = ProcessorResult {
                    key: c.submission.key.clone(),
                    outcome: outcome_for(c.submission.charge, *outcome, date(2025, 11, 25)),
                    reference: Some(c.reference.clone()),
                    message: None,
                };
                self.record(r);
            }
            Step::Again { which } => {
                if self.sent.is_empty() {
                    return;
                }
                let r = self.sent[which % self.sent.len()].1.clone();
                let before = store_state(&self.store, &ACCOUNTS);
                let again = self.p.record_result(&r, nov(26, 9)).unwrap();
                assert_eq!(again.effect, ResultEffect::Duplicate);
                assert_eq!(store_state(&self.store, &ACCOUNTS), before);
            }
        }
    }

    /// The payments still counting equal the reduction of what is due;
    /// each return charged its fee once.
    fn check(&self, initial: Decimal) {
        let all = payments(&self.store);
        let counting: Decimal = all
            .values()
            .filter(|(s, _)| s.counts())
            .map(|(_, a)| *a)
            .sum();
        let returned = all
            .values()
            .filter(|(s, _)| *s == PaymentStatus::Returned)
            .count();
        let fee: Decimal = RETURNED_FEE.parse().unwrap();
        let fees = fees(&self.store);
        assert_eq!(fees, fee * Decimal::from(returned));
        assert_eq!(initial + fees - due(&self.store), counting);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn settled_payments_are_the_reduction_of_what_is_due(
        steps in proptest::collection::vec(step(), 1..24)
    ) {
        let mut w = World::new();
        let initial = due(&w.store);
        for s in &steps {
            w.run(s);
            w.check(initial);
        }
        // Every payment gets an outcome: submit what is pending, settle
        // what has none.
        w.p.submit_pending(&w.fake, nov(27, 9)).unwrap();
        for r in w.fake.all_results(date(2025, 11, 27)) {
            let known = w.sent.iter().any(|(k, _)| *k == r.key);
            if !known {
                w.record(ProcessorResult {
                    outcome: ProcessorOutcome::Settled { on: date(2025, 11, 27) },
                    ..r
                });
            }
        }
        w.check(initial);
        let all = payments(&w.store);
        prop_assert!(all.values().all(|(s, _)| matches!(
            s,
            PaymentStatus::Settled | PaymentStatus::Returned | PaymentStatus::Declined
        )));
        let settled: Decimal = all
            .values()
            .filter(|(s, _)| *s == PaymentStatus::Settled)
            .map(|(_, a)| *a)
            .sum();
        let everything: Decimal = all.values().map(|(_, a)| *a).sum();
        let failed: Decimal = all
            .values()
            .filter(|(s, _)| s.is_failed())
            .map(|(_, a)| *a)
            .sum();
        let reduction = initial + fees(&w.store) - due(&w.store);
        prop_assert_eq!(settled, reduction);
        prop_assert_eq!(everything - failed, reduction);
    }
}
