//! Notices through the outbox, as every store must keep them (issue 16,
//! Build 4): money notices are written in the transaction of the change
//! that causes them, once per dedupe key, and delivered after the commit
//! at least once; a notifier failure is recorded and retried later; a
//! second delivery run marks nothing twice; the AutoPay cycle run again
//! writes no second notice.

use std::sync::Arc;

use chrono::Duration;
use ratepayer::autopay::failures::AchReturnCode;
use ratepayer::fees::PaymentMethod;
use ratepayer_portal::store::{MessageKind, OutboxMessage, Store};
use ratepayer_portal::{
    retry_delay, FakeOutcome, FakeProcessor, Portal, PortalError, RecordingNotifier,
};

use super::claims::{enrolled_owner, enrolled_owner_with};
use super::processor::{noon, shelby_with_fee};
use super::signed_in;
use super::{date, nov};

/// Every message of the utility in the outbox.
fn outbox(p: &Portal) -> Vec<OutboxMessage> {
    p.outbox_messages().unwrap()
}

/// The messages of `kind`.
fn of_kind(p: &Portal, kind: MessageKind) -> Vec<OutboxMessage> {
    outbox(p).into_iter().filter(|m| m.kind == kind).collect()
}

/// How many notices the notifier got with `key`.
fn delivered_with(notifier: &RecordingNotifier, key: &str) -> usize {
    notifier
        .sent()
        .iter()
        .filter(|n| n.dedupe_key.as_deref() == Some(key))
        .count()
}

/// The cycle writes a receipt per draft in its batch's transaction; run
/// again (the same day, later), it writes nothing; delivering twice
/// delivers and marks each message once.
pub fn the_cycle_writes_each_notice_once(store: Arc<dyn Store>) {
    let notifier = Arc::new(RecordingNotifier::new());
    let p = shelby_with_fee(store, notifier.clone());
    enrolled_owner(&p, &notifier, "100001", 1);
    // Enrolling wrote its notice and handed it over after the commit.
    let enrolled = of_kind(&p, MessageKind::AutopayEnrolled);
    assert_eq!(enrolled.len(), 1);
    assert!(enrolled[0].delivered_at.is_some());
    assert_eq!(delivered_with(&notifier, &enrolled[0].dedupe_key), 1);

    let first = p.run_autopay_cycle(date(2025, 11, 24), nov(24, 6)).unwrap();
    assert_eq!((first.drafted, first.notices_queued), (1, 1));
    let key = first.drafts[0].idempotency_key.clone();
    let receipts = of_kind(&p, MessageKind::Receipt);
    assert_eq!(receipts.len(), 1);
    assert_eq!(
        receipts[0].dedupe_key,
        format!("shelby:receipt:000100001:{key}")
    );
    assert_eq!(receipts[0].account.as_deref(), Some("000100001"));
    assert!(
        receipts[0].delivered_at.is_none(),
        "the cycle does not deliver"
    );
    assert_eq!(delivered_with(&notifier, &receipts[0].dedupe_key), 0);

    for hour in [7, 8] {
        let again = p
            .run_autopay_cycle(date(2025, 11, 24), nov(24, hour))
            .unwrap();
        assert_eq!((again.drafted, again.notices_queued), (0, 0));
    }
    assert_eq!(of_kind(&p, MessageKind::Receipt).len(), 1);

    let sent = p.deliver_outbox(nov(24, 9), 100).unwrap();
    assert_eq!((sent.delivered, sent.already_delivered), (1, 0));
    assert!(sent.failed.is_empty());
    let again = p.deliver_outbox(nov(24, 10), 100).unwrap();
    assert_eq!((again.delivered, again.already_delivered), (0, 0));
    assert_eq!(delivered_with(&notifier, &receipts[0].dedupe_key), 1);
    let receipt = &of_kind(&p, MessageKind::Receipt)[0];
    assert_eq!(
        receipt.delivered_at,
        Some(nov(24, 9)),
        "marked once, first mark kept"
    );
}

/// A bank-draft customer gets the Regulation E notice (on the bill date,
/// written by the first cycle that reaches it) once; a card customer is
/// warned once before the card expires, even with nothing to pay.
pub fn autopay_notices_are_written_once(store: Arc<dyn Store>) {
    let notifier = Arc::new(RecordingNotifier::new());
    let p = shelby_with_fee(store, notifier.clone());
    enrolled_owner_with(&p, &notifier, "100001", 1, PaymentMethod::Echeck);
    enrolled_owner(&p, &notifier, "100002", 2);
    let before_draft = date(2025, 11, 10);
    let report = p
        .run_autopay_cycle(before_draft, noon(before_draft))
        .unwrap();
    assert_eq!(report.drafted, 0);
    let reg_e = of_kind(&p, MessageKind::VariableAmount);
    assert_eq!(reg_e.len(), 1, "{reg_e:?}");
    assert_eq!(reg_e[0].dedupe_key, "shelby:reg-e:000100001:2025-10");
    assert_eq!(report.notices_queued, 1);
    for day in [11, 12, 24] {
        let on = date(2025, 11, day);
        p.run_autopay_cycle(on, noon(on)).unwrap();
    }
    assert_eq!(of_kind(&p, MessageKind::VariableAmount).len(), 1);
    assert_eq!(of_kind(&p, MessageKind::Receipt).len(), 2);

    // The card (December 2030) is warned about 30 days before it expires,
    // with no bill open, once.
    assert!(of_kind(&p, MessageKind::CardExpiring).is_empty());
    for day in [1, 2] {
        let on = date(2030, 12, day);
        p.run_autopay_cycle(on, noon(on)).unwrap();
    }
    let expiring = of_kind(&p, MessageKind::CardExpiring);
    assert_eq!(expiring.len(), 1, "{expiring:?}");
    assert!(expiring[0]
        .dedupe_key
        .starts_with("shelby:card-expiring:000100002:"));
    let sent = p.deliver_outbox(noon(date(2030, 12, 2)), 100).unwrap();
    assert_eq!(sent.delivered, 4, "{sent:?}");
    assert!(outbox(&p).iter().all(|m| m.delivered_at.is_some()));
}

/// A notifier that fails: the attempt is recorded with the time to try
/// again; not before that time; once it works, the message is delivered,
/// once.
pub fn a_failing_notifier_is_retried_later(store: Arc<dyn Store>) {
    let notifier = Arc::new(RecordingNotifier::new());
    let p = shelby_with_fee(store, notifier.clone());
    enrolled_owner(&p, &notifier, "100001", 1);
    p.run_autopay_cycle(date(2025, 11, 24), nov(24, 6)).unwrap();
    notifier.set_failing(true);
    let t0 = nov(24, 9);
    let down = p.deliver_outbox(t0, 100).unwrap();
    assert_eq!((down.delivered, down.failed.len()), (0, 1));
    let m = &of_kind(&p, MessageKind::Receipt)[0];
    assert_eq!(m.attempts, 1);
    assert!(m.last_error.as_deref().unwrap().contains("unavailable"));
    assert_eq!(m.next_attempt_at, t0 + retry_delay(1));
    // Not due yet: nothing is tried.
    let early = p.deliver_outbox(t0 + Duration::seconds(30), 100).unwrap();
    assert_eq!((early.delivered, early.failed.len()), (0, 0));
    // Due, still failing: a second attempt, a longer wait.
    let t1 = t0 + retry_delay(1);
    assert_eq!(p.deliver_outbox(t1, 100).unwrap().failed.len(), 1);
    let m = &of_kind(&p, MessageKind::Receipt)[0];
    assert_eq!(m.attempts, 2);
    assert_eq!(m.next_attempt_at, t1 + retry_delay(2));
    assert!(retry_delay(2) > retry_delay(1));
    notifier.set_failing(false);
    let up = p.deliver_outbox(t1 + retry_delay(2), 100).unwrap();
    assert_eq!((up.delivered, up.failed.len()), (1, 0));
    assert_eq!(delivered_with(&notifier, &m.dedupe_key), 1);
    assert_eq!(
        p.deliver_outbox(t1 + Duration::days(1), 100)
            .unwrap()
            .delivered,
        0
    );
    assert_eq!(delivered_with(&notifier, &m.dedupe_key), 1);
}

/// A returned draft writes one returned-payment notice with the return
/// (handed over after the commit); the same return reported again writes
/// none. A payment refused (an unknown key) writes nothing.
pub fn a_return_is_noticed_once(store: Arc<dyn Store>) {
    let notifier = Arc::new(RecordingNotifier::new());
    let p = shelby_with_fee(store, notifier.clone());
    enrolled_owner_with(&p, &notifier, "100001", 1, PaymentMethod::Echeck);
    let fake = FakeProcessor::new();
    fake.script_account("000100001", &[FakeOutcome::Return(AchReturnCode::R01)]);
    let on = date(2025, 11, 24);
    let report = p.run_autopay_cycle(on, noon(on)).unwrap();
    let key = report.drafts[0].idempotency_key.clone();
    p.submit_pending(&fake, noon(on)).unwrap();
    let results = fake.all_results(on);
    for r in &results {
        p.record_result(r, noon(on)).unwrap();
    }
    let failed = of_kind(&p, MessageKind::PaymentFailed);
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].dedupe_key, format!("shelby:payment-failed:{key}"));
    assert!(
        failed[0].delivered_at.is_some(),
        "handed over after the commit"
    );
    assert!(
        failed[0].body.contains("25.00"),
        "the returned-payment fee is told"
    );
    for r in &results {
        p.record_result(r, noon(on)).unwrap();
    }
    assert_eq!(of_kind(&p, MessageKind::PaymentFailed).len(), 1);
    assert_eq!(delivered_with(&notifier, &failed[0].dedupe_key), 1);
    let before = outbox(&p).len();
    let mut unknown = results[0].clone();
    unknown.key = "no-such-key".into();
    assert!(matches!(
        p.record_result(&unknown, noon(on)),
        Err(PortalError::NotFound { .. })
    ));
    assert_eq!(outbox(&p).len(), before);
}

/// A bill above the customer's AutoPay maximum is noticed once (pay it by
/// hand), by every cycle that sees it; paying it by hand writes one
/// receipt, handed over after the commit, even when the same payment is
/// submitted twice with the same key.
pub fn pay_by_hand_and_its_receipt_once(store: Arc<dyn Store>) {
    use ratepayer::fees::Channel;
    use ratepayer::payment::PaymentTarget;
    use ratepayer_portal::{payment_processor_key, EnrolRequest, PaymentRequest};

    let notifier = Arc::new(RecordingNotifier::new());
    let p = shelby_with_fee(store.clone(), notifier.clone());
    let owner = enrolled_owner(&p, &notifier, "100001", 1);
    let method = {
        let mut tx = store.begin().unwrap();
        tx.enrolment("shelby", "000100001")
            .unwrap()
            .unwrap()
            .payment_method_id
    };
    p.enrol_autopay(
        &signed_in(&p, &owner, nov(8, 9)),
        &EnrolRequest {
            account: "100001".into(),
            option: "Card AutoPay".into(),
            payment_method_id: method.clone(),
            accepted_terms_version: Some("2024-07".into()),
            maximum: Some(super::usd("1.00")),
            amount_notices: Default::default(),
        },
        nov(8, 9),
    )
    .unwrap();
    for hour in [6, 7] {
        let report = p
            .run_autopay_cycle(date(2025, 11, 24), nov(24, hour))
            .unwrap();
        assert_eq!((report.drafted, report.pay_by_hand), (0, 1));
    }
    let by_hand = of_kind(&p, MessageKind::PayByHand);
    assert_eq!(by_hand.len(), 1, "{by_hand:?}");
    assert_eq!(
        by_hand[0].dedupe_key,
        "shelby:pay-by-hand:000100001:2025-10"
    );

    let due = super::claims::open_amount(&store, "shelby", "000100001");
    let quote = p
        .quote_payment(
            &signed_in(&p, &owner, nov(24, 9)),
            &PaymentTarget::Account("100001".into()),
            due,
            Channel::Online,
            &method,
            nov(24, 9),
        )
        .unwrap();
    let request = PaymentRequest {
        quote_id: quote.id.clone(),
        idempotency_key: "client-key-by-hand-0001".into(),
    };
    let first = p
        .pay(&signed_in(&p, &owner, nov(24, 9)), &request, nov(24, 9))
        .unwrap();
    let again = p
        .pay(&signed_in(&p, &owner, nov(24, 10)), &request, nov(24, 10))
        .unwrap();
    assert_eq!(first.payment_id, again.payment_id);
    let receipts = of_kind(&p, MessageKind::Receipt);
    assert_eq!(receipts.len(), 1);
    let key = payment_processor_key("shelby", &owner, "client-key-by-hand-0001");
    assert_eq!(receipts[0].dedupe_key, format!("shelby:receipt:{key}"));
    assert!(receipts[0].delivered_at.is_some());
    assert_eq!(delivered_with(&notifier, &receipts[0].dedupe_key), 1);
    // A refused payment (the quote is paid) writes nothing.
    let before = outbox(&p).len();
    let refused = PaymentRequest {
        quote_id: quote.id,
        idempotency_key: "client-key-by-hand-0002".into(),
    };
    assert!(p
        .pay(&signed_in(&p, &owner, nov(24, 11)), &refused, nov(24, 11))
        .is_err());
    assert_eq!(outbox(&p).len(), before);
}

/// A utility that sends bill-ready messages and a reminder five days
/// before each draft: each is written once, by the first cycle whose date
/// reaches it, and never again.
pub fn bill_ready_and_reminder_once(store: Arc<dyn Store>) {
    use ratepayer::profile::UtilityProfile;
    use ratepayer::security::SeededRandom;

    let text = super::processor::shelby_fee_text(include_str!(
        "../../../../examples/profiles/shelby.toml"
    ))
    .replacen(
        "calendar = \"fed\"\n",
        "calendar = \"fed\"\nnotices = { bill_ready = true, reminder_days_before = 5 }\n",
        1,
    );
    let notifier = Arc::new(RecordingNotifier::new());
    let p = Portal::new(
        UtilityProfile::from_toml(&text).unwrap(),
        store,
        super::secrets(),
        Box::new(SeededRandom::new(5)),
        notifier.clone(),
    )
    .unwrap();
    enrolled_owner(&p, &notifier, "100001", 1);
    let mut queued = Vec::new();
    for day in [10, 11, 19, 19, 24, 24] {
        let on = date(2025, 11, day);
        let r = p.run_autopay_cycle(on, noon(on)).unwrap();
        queued.push((day, r.drafted, r.notices_queued));
    }
    assert_eq!(
        queued,
        [
            (10, 0, 1),
            (11, 0, 0),
            (19, 0, 1),
            (19, 0, 0),
            (24, 1, 1),
            (24, 0, 0)
        ]
    );
    let ready = of_kind(&p, MessageKind::BillReady);
    assert_eq!(ready.len(), 1);
    assert_eq!(ready[0].dedupe_key, "shelby:bill-ready:000100001:2025-10");
    assert_eq!(ready[0].created_at, noon(date(2025, 11, 10)));
    let reminder = of_kind(&p, MessageKind::DraftReminder);
    assert_eq!(reminder.len(), 1);
    assert_eq!(
        reminder[0].dedupe_key,
        "shelby:draft-reminder:000100001:2025-10"
    );
    assert!(
        reminder[0].body.contains("2025-11-24"),
        "{}",
        reminder[0].body
    );
    let sent = p.deliver_outbox(noon(date(2025, 11, 24)), 100).unwrap();
    assert_eq!(sent.delivered, 3);
}

/// One step of [`outbox_rounds`].
#[derive(Debug, Clone)]
pub enum Step {
    /// Writes the message of key number `key` (keys repeat), committing
    /// the transaction, or dropping it (a crash before the commit).
    Enqueue { key: u8, commit: bool },
    /// A delivery run of up to `limit` messages, the notifier failing or not.
    Deliver { failing: bool, limit: u8 },
    /// A runner that hands due messages to the notifier and dies before
    /// marking them (its transaction dropped).
    CrashAfterSend,
    /// Time passes.
    Wait { minutes: u16 },
}

/// Runs `steps` on a Shelby portal over `store`, then delivery rounds
/// (the notifier working, each round past the longest retry wait) until
/// nothing is left, and checks: every message committed is recorded
/// exactly once (its first text kept) and delivered at least once, marked
/// delivered exactly once; nothing from a dropped transaction exists.
pub fn outbox_rounds(store: Arc<dyn Store>, steps: &[Step]) {
    use std::collections::{BTreeMap, BTreeSet};

    use ratepayer::verification::Contact;
    use ratepayer_portal::{Notice, Notifier};

    let notifier = Arc::new(RecordingNotifier::new());
    let p = super::portal("shelby", store.clone(), notifier.clone());
    let key_of = |n: u8| format!("shelby:receipt:key-{n}");
    let mut now = nov(20, 9);
    let mut first_text: BTreeMap<String, String> = BTreeMap::new();
    let mut dropped: BTreeSet<String> = BTreeSet::new();
    let mut marks = 0usize;
    for (i, step) in steps.iter().enumerate() {
        now += Duration::minutes(1);
        match step {
            Step::Enqueue { key, commit } => {
                let key = key_of(*key);
                let text = format!("step {i}");
                let mut tx = store.begin().unwrap();
                let m = OutboxMessage {
                    utility: "shelby".into(),
                    dedupe_key: key.clone(),
                    kind: MessageKind::Receipt,
                    to: Contact::email("pat@example.com").unwrap(),
                    subject: "Payment received".into(),
                    body: text.clone(),
                    login: None,
                    account: None,
                    created_at: now,
                    attempts: 0,
                    last_error: None,
                    next_attempt_at: now,
                    delivered_at: None,
                };
                let written = tx.enqueue_message(&m).unwrap();
                assert_eq!(written, !first_text.contains_key(&key), "{key}");
                if *commit {
                    tx.commit().unwrap();
                    first_text.entry(key).or_insert(text);
                } else {
                    drop(tx);
                    if !first_text.contains_key(&key) {
                        dropped.insert(key);
                    }
                }
            }
            Step::Deliver { failing, limit } => {
                notifier.set_failing(*failing);
                let report = p.deliver_outbox(now, usize::from(*limit)).unwrap();
                marks += report.delivered;
                assert_eq!(report.already_delivered, 0, "one runner marks each once");
                notifier.set_failing(false);
            }
            Step::CrashAfterSend => {
                let mut tx = store.begin().unwrap();
                for m in tx.undelivered_messages("shelby", now, None, 3).unwrap() {
                    let _ = notifier.deliver(&Notice {
                        to: m.to.clone(),
                        subject: m.subject.clone(),
                        body: m.body.clone(),
                        dedupe_key: Some(m.dedupe_key.clone()),
                    });
                    tx.mark_delivered("shelby", &m.dedupe_key, now).unwrap();
                }
                drop(tx);
            }
            Step::Wait { minutes } => now += Duration::minutes(i64::from(*minutes)),
        }
    }
    // Enough rounds: each past the longest retry wait.
    for _ in 0..3 {
        now += retry_delay(u32::MAX) + Duration::minutes(1);
        marks += p.deliver_outbox(now, 10_000).unwrap().delivered;
    }
    let all = p.outbox_messages().unwrap();
    let recorded: Vec<&str> = all.iter().map(|m| m.dedupe_key.as_str()).collect();
    let unique: BTreeSet<&str> = recorded.iter().copied().collect();
    assert_eq!(recorded.len(), unique.len(), "recorded once: {recorded:?}");
    assert_eq!(
        unique,
        first_text
            .keys()
            .map(String::as_str)
            .collect::<BTreeSet<_>>()
    );
    for m in &all {
        assert_eq!(
            Some(&m.body),
            first_text.get(&m.dedupe_key),
            "first text kept"
        );
        assert!(m.delivered_at.is_some(), "{} delivered", m.dedupe_key);
        assert!(delivered_with(&notifier, &m.dedupe_key) >= 1);
    }
    assert_eq!(marks, all.len(), "each marked delivered exactly once");
    for key in dropped.iter().filter(|k| !first_text.contains_key(*k)) {
        assert_eq!(delivered_with(&notifier, key), 0, "{key} never committed");
    }
}
