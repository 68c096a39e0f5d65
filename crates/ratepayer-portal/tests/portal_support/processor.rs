//! The processor port every store must honour (issue 16, Build 2): drafts
//! and payments move pending → submitted → settled, or → returned /
//! declined, each change with an audit event; a crash between the
//! processor's charge and the mark charges once; a result sent twice or
//! out of order changes nothing the second time; a return or decline
//! reopens what the payment paid on every account, charges the
//! returned-payment fee once per return, and follows the retry rules (a
//! card's schedule, Nacha's two re-presentments within 180 days, no
//! re-presentment of R02).

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use ratepayer::autopay::failures::{AchReturnCode, FailureAction, SuspendReason};
use ratepayer::autopay::idempotency_key;
use ratepayer::fees::{Channel, PaymentMethod};
use ratepayer::payment::{ChargeKind, PaymentTarget};
use ratepayer::profile::UtilityProfile;
use ratepayer::security::SeededRandom;
use ratepayer_portal::store::{AuditKind, DeclineReason, EnrolmentStatus, PaymentStatus, Store};
use ratepayer_portal::{
    FakeOutcome, FakeProcessor, PaymentProcessor, PaymentRequest, Portal, ProcessorError,
    ProcessorOutcome, ProcessorResult, RecordedResult, RecordingNotifier, ResultEffect, Submission,
    SubmitReceipt,
};

use super::claims::{enrolled_owner, enrolled_owner_with, open_amount};
use super::intents::{link_second, per_account_shelby, two_account_owner_from};
use super::signed_in;
use super::{date, nov, secrets, usd};

/// The returned-payment fee the test profile sets.
pub const RETURNED_FEE: &str = "25.00";

/// Shelby's profile with a returned-payment fee of [`RETURNED_FEE`].
pub fn shelby_fee_text(base: &str) -> String {
    base.replacen(
        "allocation = \"past_due_first\"\n",
        &format!("allocation = \"past_due_first\"\nreturned_payment_fee = {RETURNED_FEE}\n"),
        1,
    )
}

/// Shelby with a returned-payment fee.
pub fn shelby_with_fee(store: Arc<dyn Store>, notifier: Arc<RecordingNotifier>) -> Portal {
    let text = shelby_fee_text(include_str!("../../../../examples/profiles/shelby.toml"));
    Portal::new(
        UtilityProfile::from_toml(&text).unwrap(),
        store,
        secrets(),
        Box::new(SeededRandom::new(9)),
        notifier,
    )
    .unwrap()
}

/// Noon UTC of a day.
pub fn noon(day: NaiveDate) -> DateTime<Utc> {
    Utc.from_utc_datetime(&day.and_hms_opt(12, 0, 0).unwrap())
}

/// Everything money touches on `accounts` of Shelby, and the audit trail,
/// to compare before and after a call that must change nothing.
pub fn store_state(store: &Arc<dyn Store>, accounts: &[&str]) -> String {
    let mut tx = store.begin().unwrap();
    let mut out = String::new();
    for n in accounts {
        out += &format!(
            "{:?}{:?}{:?}{:?}{:?}",
            tx.charges("shelby", n).unwrap(),
            tx.payments_of_account("shelby", n).unwrap(),
            tx.account("shelby", n).unwrap().map(|a| a.credit),
            tx.enrolment("shelby", n).unwrap(),
            tx.drafts("shelby", n).unwrap(),
        );
    }
    out + &format!("{:?}", tx.audit_events("shelby").unwrap())
}

/// The sum of `number`'s open charges of `kind`.
pub fn open_of_kind(store: &Arc<dyn Store>, number: &str, kind: ChargeKind) -> ratepayer::Money {
    let mut tx = store.begin().unwrap();
    let mut sum = usd("0.00");
    for c in tx.charges("shelby", number).unwrap() {
        if c.charge.kind == kind {
            sum = sum.checked_add(&c.charge.amount).unwrap();
        }
    }
    sum
}

/// The result `outcome` for `key`.
pub fn result(key: &str, outcome: ProcessorOutcome) -> ProcessorResult {
    ProcessorResult {
        key: key.to_owned(),
        outcome,
        reference: None,
        message: None,
    }
}

fn status_of(store: &Arc<dyn Store>, key: &str) -> PaymentStatus {
    let mut tx = store.begin().unwrap();
    tx.payment_by_processor_key("shelby", key)
        .unwrap()
        .unwrap()
        .status
}

fn audits(store: &Arc<dyn Store>, kind: AuditKind) -> usize {
    let mut tx = store.begin().unwrap();
    tx.audit_events("shelby")
        .unwrap()
        .iter()
        .filter(|e| e.kind == kind)
        .count()
}

/// Submits what is pending and records every new result of `fake`.
fn submit_and_report(p: &Portal, fake: &FakeProcessor, on: NaiveDate) -> Vec<RecordedResult> {
    p.submit_pending(fake, noon(on)).unwrap();
    fake.results(on)
        .iter()
        .map(|r| p.record_result(r, noon(on)).unwrap())
        .collect()
}

/// Every transition of a card draft, a duplicate settlement, a decline
/// after the settlement, a return of a card charge and an unknown key.
pub fn every_transition_once(store: Arc<dyn Store>) {
    let notifier = Arc::new(RecordingNotifier::new());
    let p = shelby_with_fee(store.clone(), notifier.clone());
    let owner = enrolled_owner(&p, &notifier, "100001", 1);
    let report = p.run_autopay_cycle(date(2025, 11, 24), nov(24, 6)).unwrap();
    assert_eq!(report.drafted, 1);
    let key = report.drafts[0].idempotency_key.clone();
    assert_eq!(status_of(&store, &key), PaymentStatus::Pending);
    assert!(open_amount(&store, "shelby", "000100001")
        .amount()
        .is_zero());
    let history = p
        .payment_history(&signed_in(&p, &owner, nov(24, 6)), "100001")
        .unwrap();
    assert_eq!(history[0].status, PaymentStatus::Pending);

    let pending = p.pending_payments().unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].processor_key.as_deref(), Some(key.as_str()));
    let fake = FakeProcessor::new();
    let sent = p.submit_pending(&fake, nov(24, 7)).unwrap();
    assert!(p.pending_payments().unwrap().is_empty());
    assert_eq!(sent.submitted.len(), 1);
    assert_eq!(sent.submitted[0].key, key);
    assert_eq!(status_of(&store, &key), PaymentStatus::Submitted);
    assert_eq!(audits(&store, AuditKind::PaymentSubmitted), 1);
    // Nothing is pending any more: a second call sends nothing.
    let before = store_state(&store, &["000100001"]);
    assert!(p
        .submit_pending(&fake, nov(24, 8))
        .unwrap()
        .submitted
        .is_empty());
    assert_eq!(store_state(&store, &["000100001"]), before);
    assert_eq!(fake.charges().len(), 1);

    let settled = result(
        &key,
        ProcessorOutcome::Settled {
            on: date(2025, 11, 25),
        },
    );
    let done = p.record_result(&settled, nov(25, 9)).unwrap();
    assert_eq!(
        (done.status, done.effect),
        (PaymentStatus::Settled, ResultEffect::Applied)
    );
    assert_eq!(
        p.payment_history(&signed_in(&p, &owner, nov(25, 9)), "100001")
            .unwrap()[0]
            .status,
        PaymentStatus::Settled
    );
    // The same result again: nothing changes.
    let before = store_state(&store, &["000100001"]);
    let again = p.record_result(&settled, nov(25, 10)).unwrap();
    assert_eq!(again.effect, ResultEffect::Duplicate);
    assert_eq!(store_state(&store, &["000100001"]), before);
    // A decline after the settlement: ignored, and audited.
    let late = p
        .record_result(
            &result(
                &key,
                ProcessorOutcome::Declined {
                    reason: DeclineReason::Soft,
                },
            ),
            nov(25, 11),
        )
        .unwrap();
    assert_eq!(
        (late.status, late.effect),
        (PaymentStatus::Settled, ResultEffect::Ignored)
    );
    assert_eq!(audits(&store, AuditKind::PaymentResultIgnored), 1);
    assert!(open_amount(&store, "shelby", "000100001")
        .amount()
        .is_zero());
    // A return of a card charge, an unknown key: refused, nothing changes.
    let before = store_state(&store, &["000100001"]);
    let err = p
        .record_result(
            &result(
                &key,
                ProcessorOutcome::Returned {
                    code: AchReturnCode::R01,
                },
            ),
            nov(25, 12),
        )
        .unwrap_err();
    assert_eq!(err.code(), "invalid.outcome", "{err}");
    let err = p
        .record_result(&result("no-such-key", settled.outcome.clone()), nov(25, 12))
        .unwrap_err();
    assert!(err.code().starts_with("not_found"), "{err}");
    assert_eq!(store_state(&store, &["000100001"]), before);
}

/// The cycle with its hand-off pipelined (`run_autopay_cycle_and_submit`,
/// batches of two over five enrolled accounts): every draft is handed to
/// the processor once, and only after its batch has committed (the
/// processor finds it pending in a fresh read); a refused one stays pending
/// for `submit_pending`, which sends it once; a second run drafts and sends
/// nothing.
pub fn the_hand_off_follows_each_batch(store: Arc<dyn Store>) {
    /// Checks that each payment it is given is committed and pending.
    struct Committed<'a> {
        fake: &'a FakeProcessor,
        store: Arc<dyn Store>,
    }
    impl PaymentProcessor for Committed<'_> {
        fn submit(&self, s: &Submission) -> Result<SubmitReceipt, ProcessorError> {
            let mut tx = self.store.begin_read().unwrap();
            let seen = tx.payment("shelby", &s.payment_id).unwrap();
            drop(tx);
            assert_eq!(
                seen.map(|p| p.status),
                Some(PaymentStatus::Pending),
                "{} handed off before its batch committed",
                s.payment_id
            );
            self.fake.submit(s)
        }
    }
    let notifier = Arc::new(RecordingNotifier::new());
    let p = shelby_with_fee(store.clone(), notifier.clone()).with_autopay_batch(2);
    for n in 1..=5 {
        enrolled_owner(&p, &notifier, &format!("10000{n}"), n);
    }
    let fake = FakeProcessor::new();
    fake.refuse_next(1);
    let processor = Committed {
        fake: &fake,
        store: store.clone(),
    };
    let (cycle, sent) = p
        .run_autopay_cycle_and_submit(date(2025, 11, 24), nov(24, 6), &processor)
        .unwrap();
    assert_eq!(cycle.drafted, 5);
    assert_eq!((sent.submitted.len(), sent.failures.len()), (4, 1));
    assert_eq!(sent.already_handled, 0);
    let refused = &sent.failures[0].0;
    for d in &cycle.drafts {
        let want = if &d.payment_id == refused {
            PaymentStatus::Pending
        } else {
            PaymentStatus::Submitted
        };
        assert_eq!(
            status_of(&store, &d.idempotency_key),
            want,
            "{}",
            d.payment_id
        );
    }
    assert_eq!(audits(&store, AuditKind::PaymentSubmitted), 4);
    // The refused one goes with the next hand-off, once.
    let rest = p.submit_pending(&processor, nov(24, 7)).unwrap();
    assert_eq!(rest.submitted.len(), 1);
    assert_eq!(&rest.submitted[0].payment_id, refused);
    let charges = fake.charges();
    assert_eq!(charges.len(), 5);
    assert!(charges.iter().all(|c| c.submissions == 1));
    // Run again: nothing drafted, nothing sent, nothing changed.
    let accounts: Vec<String> = (1..=5).map(|n| format!("00010000{n}")).collect();
    let accounts: Vec<&str> = accounts.iter().map(String::as_str).collect();
    let before = store_state(&store, &accounts);
    let (again, none) = p
        .run_autopay_cycle_and_submit(date(2025, 11, 24), nov(24, 8), &processor)
        .unwrap();
    assert_eq!((again.drafted, none.submitted.len()), (0, 0));
    assert_eq!(store_state(&store, &accounts), before);
    assert_eq!(fake.charges().len(), 5);
}

/// The processor took the charge but the answer was lost (a crash between
/// submit and mark): the payment stays pending, and the next submission
/// sends the same key, which the processor treats as the same charge.
pub fn a_lost_answer_charges_once(store: Arc<dyn Store>) {
    struct LostAnswer<'a>(&'a FakeProcessor);
    impl PaymentProcessor for LostAnswer<'_> {
        fn submit(&self, s: &Submission) -> Result<SubmitReceipt, ProcessorError> {
            self.0.submit(s)?;
            Err(ProcessorError {
                message: "the connection dropped after the charge was taken".into(),
            })
        }
    }
    let notifier = Arc::new(RecordingNotifier::new());
    let p = shelby_with_fee(store.clone(), notifier.clone());
    enrolled_owner(&p, &notifier, "100001", 1);
    let key = p
        .run_autopay_cycle(date(2025, 11, 24), nov(24, 6))
        .unwrap()
        .drafts[0]
        .idempotency_key
        .clone();
    let fake = FakeProcessor::new();
    let lost = p.submit_pending(&LostAnswer(&fake), nov(24, 7)).unwrap();
    assert_eq!((lost.submitted.len(), lost.failures.len()), (0, 1));
    assert_eq!(status_of(&store, &key), PaymentStatus::Pending);
    let sent = p.submit_pending(&fake, nov(24, 8)).unwrap();
    assert_eq!(sent.submitted.len(), 1);
    let charges = fake.charges();
    assert_eq!(charges.len(), 1);
    assert_eq!(charges[0].submissions, 2);
    assert_eq!(sent.submitted[0].reference, charges[0].reference);
    assert_eq!(status_of(&store, &key), PaymentStatus::Submitted);
    // The answer is lost again, and the result arrives before any mark:
    // the pending draft settles, and nothing is left to submit.
    enrolled_owner(&p, &notifier, "100004", 4);
    p.run_autopay_cycle(date(2025, 11, 24), nov(24, 8)).unwrap();
    p.submit_pending(&LostAnswer(&fake), nov(24, 8)).unwrap();
    let results = fake.results(date(2025, 11, 25));
    let early = results.last().unwrap();
    assert_eq!(status_of(&store, &early.key), PaymentStatus::Pending);
    let got = p.record_result(early, nov(25, 8)).unwrap();
    assert_eq!(
        (got.status, got.effect),
        (PaymentStatus::Settled, ResultEffect::Applied)
    );
    assert!(p.pending_payments().unwrap().is_empty());
    assert!(p
        .submit_pending(&fake, nov(25, 9))
        .unwrap()
        .submitted
        .is_empty());
    // A processor that is down: the draft stays pending, nothing is marked.
    enrolled_owner(&p, &notifier, "100003", 3);
    p.run_autopay_cycle(date(2025, 11, 24), nov(24, 9)).unwrap();
    fake.refuse_next(1);
    let down = p.submit_pending(&fake, nov(24, 10)).unwrap();
    assert_eq!((down.submitted.len(), down.failures.len()), (0, 1));
    assert_eq!(
        p.submit_pending(&fake, nov(24, 11))
            .unwrap()
            .submitted
            .len(),
        1
    );
    assert_eq!(fake.charges().len(), 3);
}

/// A soft card decline reopens the bill and is retried on the profile's
/// schedule (Shelby: 2, then 4 days, at most 2 retries), each retry a new
/// attempt with its own key; then AutoPay is suspended. No fee for a decline.
pub fn card_declines_follow_the_retry_schedule(store: Arc<dyn Store>) {
    let notifier = Arc::new(RecordingNotifier::new());
    let p = shelby_with_fee(store.clone(), notifier.clone());
    let owner = enrolled_owner(&p, &notifier, "100001", 1);
    let before = open_amount(&store, "shelby", "000100001");
    let fake = FakeProcessor::new();
    let soft = FakeOutcome::Decline(DeclineReason::Soft);
    fake.script_account("000100001", &[soft, soft, soft]);
    let mut on = date(2025, 11, 24);
    for attempt in 0..3u32 {
        let report = p.run_autopay_cycle(on, noon(on)).unwrap();
        assert_eq!(report.drafted, 1, "attempt {attempt}");
        assert_eq!(report.representments, usize::from(attempt > 0));
        assert_eq!(
            report.drafts[0].idempotency_key,
            idempotency_key("shelby", "000100001", "2025-10", attempt).to_string()
        );
        let got = submit_and_report(&p, &fake, on);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].status, PaymentStatus::Declined);
        assert_eq!(got[0].returned_fee, None);
        assert_eq!(open_amount(&store, "shelby", "000100001"), before);
        match (&got[0].autopay, attempt) {
            (
                Some(FailureAction::Retry {
                    attempt: next,
                    on: day,
                    ..
                }),
                0 | 1,
            ) => {
                assert_eq!(*next, attempt + 1);
                // Not due before its day.
                let early = day.pred_opt().unwrap();
                assert_eq!(p.run_autopay_cycle(early, noon(early)).unwrap().drafted, 0);
                on = *day;
            }
            (Some(FailureAction::Suspend { reason, .. }), 2) => {
                assert!(matches!(reason, SuspendReason::RetriesExhausted { .. }));
            }
            other => panic!("attempt {attempt}: {other:?}"),
        }
    }
    let mut tx = store.begin().unwrap();
    let e = tx.enrolment("shelby", "000100001").unwrap().unwrap();
    assert_eq!(e.status, EnrolmentStatus::Cancelled);
    drop(tx);
    let later = date(2025, 12, 15);
    assert_eq!(p.run_autopay_cycle(later, noon(later)).unwrap().drafted, 0);
    assert_eq!(
        open_of_kind(&store, "000100001", ChargeKind::Penalty),
        usd("0.00")
    );
    let history = p
        .payment_history(&signed_in(&p, &owner, noon(later)), "100001")
        .unwrap();
    assert_eq!(history.len(), 3);
    assert!(history.iter().all(|h| h.status == PaymentStatus::Declined));
    assert!(notifier
        .sent()
        .iter()
        .any(|n| n.body.contains("AutoPay is suspended")));
}

/// Nacha: an R01 return is re-presented at most twice; each return is
/// charged the returned-payment fee once (a duplicate return charges
/// nothing more); after the third return AutoPay is suspended.
pub fn nacha_re_presents_twice_at_most(store: Arc<dyn Store>) {
    let notifier = Arc::new(RecordingNotifier::new());
    let p = shelby_with_fee(store.clone(), notifier.clone());
    enrolled_owner_with(&p, &notifier, "100001", 1, PaymentMethod::Echeck);
    let before = open_amount(&store, "shelby", "000100001");
    let fake = FakeProcessor::new();
    let r01 = FakeOutcome::Return(AchReturnCode::R01);
    fake.script_account("000100001", &[r01, r01, r01, r01]);
    let mut on = date(2025, 11, 24);
    for attempt in 0..3u32 {
        let report = p.run_autopay_cycle(on, noon(on)).unwrap();
        assert_eq!(report.drafted, 1, "attempt {attempt}");
        let got = submit_and_report(&p, &fake, on);
        assert_eq!(got[0].status, PaymentStatus::Returned);
        assert_eq!(got[0].returned_fee, Some(usd(RETURNED_FEE)));
        let fees = usd(RETURNED_FEE)
            .checked_mul(rust_decimal::Decimal::from(attempt + 1))
            .unwrap();
        assert_eq!(open_of_kind(&store, "000100001", ChargeKind::Penalty), fees);
        assert_eq!(open_amount(&store, "shelby", "000100001"), before);
        // The same return again: a no-op, no second fee.
        let state = store_state(&store, &["000100001"]);
        for r in fake.all_results(on) {
            let again = p.record_result(&r, noon(on)).unwrap();
            assert_eq!(again.effect, ResultEffect::Duplicate);
        }
        assert_eq!(store_state(&store, &["000100001"]), state);
        match (&got[0].autopay, attempt) {
            (Some(FailureAction::Retry { on: day, .. }), 0 | 1) => on = *day,
            (Some(FailureAction::Suspend { reason, .. }), 2) => {
                assert!(matches!(reason, SuspendReason::RetriesExhausted { .. }));
            }
            other => panic!("attempt {attempt}: {other:?}"),
        }
    }
    let later = date(2026, 1, 5);
    assert_eq!(p.run_autopay_cycle(later, noon(later)).unwrap().drafted, 0);
    let mut tx = store.begin().unwrap();
    assert_eq!(tx.drafts("shelby", "000100001").unwrap().len(), 3);
    assert_eq!(
        tx.enrolment("shelby", "000100001").unwrap().unwrap().status,
        EnrolmentStatus::Cancelled
    );
    assert_eq!(fake.charges().len(), 3);
}

/// A re-presentment goes out at most 180 days after the original entry
/// (its settlement date, else its presentment date): day 180 is allowed,
/// day 181 is not.
pub fn no_re_presentment_after_180_days(store: Arc<dyn Store>) {
    let notifier = Arc::new(RecordingNotifier::new());
    let p = shelby_with_fee(store.clone(), notifier.clone());
    enrolled_owner_with(&p, &notifier, "100001", 1, PaymentMethod::Echeck);
    let fake = FakeProcessor::new();
    fake.script_account("000100001", &[FakeOutcome::Return(AchReturnCode::R09)]);
    let on = date(2025, 11, 24);
    p.run_autopay_cycle(on, noon(on)).unwrap();
    let got = submit_and_report(&p, &fake, on);
    assert!(matches!(got[0].autopay, Some(FailureAction::Retry { .. })));
    let day_181 = date(2026, 5, 24);
    let late = p.run_autopay_cycle(day_181, noon(day_181)).unwrap();
    assert_eq!((late.drafted, late.representments), (0, 0));
    let day_180 = date(2026, 5, 23);
    let last = p.run_autopay_cycle(day_180, noon(day_180)).unwrap();
    assert_eq!((last.drafted, last.representments), (1, 1));
}

/// An R01 return that becomes known only after the 180-day window is not
/// re-presented: AutoPay on that bank account is suspended, with a notice.
pub fn a_return_known_after_the_window_suspends(store: Arc<dyn Store>) {
    let notifier = Arc::new(RecordingNotifier::new());
    let p = shelby_with_fee(store.clone(), notifier.clone());
    enrolled_owner_with(&p, &notifier, "100001", 1, PaymentMethod::Echeck);
    let on = date(2025, 11, 24);
    let key = p.run_autopay_cycle(on, noon(on)).unwrap().drafts[0]
        .idempotency_key
        .clone();
    p.submit_pending(&FakeProcessor::new(), noon(on)).unwrap();
    let late = date(2026, 6, 1);
    let got = p
        .record_result(
            &result(
                &key,
                ProcessorOutcome::Returned {
                    code: AchReturnCode::R01,
                },
            ),
            noon(late),
        )
        .unwrap();
    assert!(
        matches!(
            got.autopay,
            Some(FailureAction::Suspend {
                reason: SuspendReason::WindowClosed { .. },
                ..
            })
        ),
        "{got:?}"
    );
    let mut tx = store.begin().unwrap();
    assert_eq!(
        tx.enrolment("shelby", "000100001").unwrap().unwrap().status,
        EnrolmentStatus::Cancelled
    );
    drop(tx);
    assert!(notifier.sent().iter().any(|n| n.body.contains("too late")));
}

/// R02 (account closed) is never re-presented: AutoPay on that bank
/// account ends with a notice, the bill is open again and the fee charged.
pub fn r02_is_not_re_presented(store: Arc<dyn Store>) {
    let notifier = Arc::new(RecordingNotifier::new());
    let p = shelby_with_fee(store.clone(), notifier.clone());
    enrolled_owner_with(&p, &notifier, "100001", 1, PaymentMethod::Echeck);
    let before = open_amount(&store, "shelby", "000100001");
    let fake = FakeProcessor::new();
    fake.script_account("000100001", &[FakeOutcome::Return(AchReturnCode::R02)]);
    let on = date(2025, 11, 24);
    p.run_autopay_cycle(on, noon(on)).unwrap();
    let got = submit_and_report(&p, &fake, on);
    assert!(matches!(
        got[0].autopay,
        Some(FailureAction::Suspend {
            reason: SuspendReason::AchReturn {
                code: AchReturnCode::R02
            },
            ..
        })
    ));
    assert_eq!(open_amount(&store, "shelby", "000100001"), before);
    assert_eq!(
        open_of_kind(&store, "000100001", ChargeKind::Penalty),
        usd(RETURNED_FEE)
    );
    let mut tx = store.begin().unwrap();
    assert_eq!(
        tx.enrolment("shelby", "000100001").unwrap().unwrap().status,
        EnrolmentStatus::Cancelled
    );
    drop(tx);
    for day in [date(2025, 11, 26), date(2025, 12, 10)] {
        assert_eq!(p.run_autopay_cycle(day, noon(day)).unwrap().drafted, 0);
    }
    assert!(notifier
        .sent()
        .iter()
        .any(|n| n.body.contains("the account is closed") && n.body.contains("fee")));
}

/// A one-time payment over two linked accounts, returned: the charges it
/// paid are reopened on both accounts, the fee is charged once on the
/// first, nothing is re-presented; the same return again and a settlement
/// after it change nothing (the settlement is audited).
pub fn a_return_reopens_both_linked_accounts(store: Arc<dyn Store>) {
    let text = shelby_fee_text(&per_account_shelby());
    let (p, owner, _, bank) = two_account_owner_from(store.clone(), &text);
    link_second(&p, &owner);
    let one = open_amount(&store, "shelby", "000100001");
    let two = open_amount(&store, "shelby", "000100002");
    let q = p
        .quote_payment(
            &signed_in(&p, &owner, nov(8, 9)),
            &PaymentTarget::TotalDue,
            one.checked_add(&two).unwrap(),
            Channel::Online,
            &bank,
            nov(8, 9),
        )
        .unwrap();
    let receipt = p
        .pay(
            &signed_in(&p, &owner, nov(8, 9)),
            &PaymentRequest {
                quote_id: q.id,
                idempotency_key: "client-key-return-0001".into(),
            },
            nov(8, 9),
        )
        .unwrap();
    assert_eq!(receipt.allocation.accounts.len(), 2);
    assert!(open_amount(&store, "shelby", "000100001")
        .amount()
        .is_zero());
    assert!(open_amount(&store, "shelby", "000100002")
        .amount()
        .is_zero());
    let fake = FakeProcessor::new();
    fake.script_account("000100001", &[FakeOutcome::Return(AchReturnCode::R01)]);
    let got = submit_and_report(&p, &fake, date(2025, 11, 10));
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].payment_id, receipt.payment_id);
    assert_eq!(got[0].status, PaymentStatus::Returned);
    assert_eq!(got[0].autopay, None);
    assert_eq!(open_amount(&store, "shelby", "000100001"), one);
    assert_eq!(open_amount(&store, "shelby", "000100002"), two);
    assert_eq!(
        open_of_kind(&store, "000100001", ChargeKind::Penalty),
        usd(RETURNED_FEE)
    );
    assert_eq!(
        open_of_kind(&store, "000100002", ChargeKind::Penalty),
        usd("0.00")
    );
    let accounts = ["000100001", "000100002"];
    let state = store_state(&store, &accounts);
    let returned = fake.all_results(date(2025, 11, 10));
    assert_eq!(
        p.record_result(&returned[0], nov(11, 9)).unwrap().effect,
        ResultEffect::Duplicate
    );
    assert_eq!(store_state(&store, &accounts), state);
    let late = p
        .record_result(
            &result(
                &returned[0].key,
                ProcessorOutcome::Settled {
                    on: date(2025, 11, 10),
                },
            ),
            nov(11, 10),
        )
        .unwrap();
    assert_eq!(
        (late.status, late.effect),
        (PaymentStatus::Returned, ResultEffect::Ignored)
    );
    assert_eq!(open_amount(&store, "shelby", "000100001"), one);
    assert_eq!(
        p.payment_history(&signed_in(&p, &owner, nov(11, 10)), "100002")
            .unwrap()[0]
            .return_code,
        Some(AchReturnCode::R01)
    );
}
