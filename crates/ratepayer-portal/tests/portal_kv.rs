//! The portal service over [`KvStore`], the storage port mapped onto the
//! small key-value port the Kotlin and Swift bindings export: the shared
//! journey and refusals the other stores pass.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod portal_support;

use std::sync::Arc;

use ratepayer_portal::store::{KvStore, MemoryKv};

fn fresh() -> Arc<KvStore<MemoryKv>> {
    Arc::new(KvStore::new(MemoryKv::new()))
}

#[test]
fn the_whole_journey_on_the_kv_store() {
    portal_support::journey(fresh());
}

#[test]
fn refused_calls_change_no_record_on_the_kv_store() {
    portal_support::refusals_change_nothing(fresh());
}

#[test]
fn registration_commits_all_or_nothing_on_the_kv_store() {
    portal_support::registration_is_all_or_nothing(fresh());
}

#[test]
fn two_utilities_never_share_a_draft_on_the_kv_store() {
    portal_support::claims::two_utilities_never_share_a_draft(fresh());
}

#[test]
fn a_cancel_during_the_cycle_is_honoured_on_the_kv_store() {
    portal_support::claims::a_cancel_during_the_cycle_is_honoured(fresh());
}

#[test]
fn closing_an_account_ends_its_autopay_on_the_kv_store() {
    portal_support::claims::closing_an_account_ends_its_autopay(fresh());
}

#[test]
fn the_cycle_ends_a_closed_accounts_enrolment_on_the_kv_store() {
    portal_support::claims::the_cycle_ends_a_closed_accounts_enrolment(fresh());
}

/// A key-value store written before keys named the utility holds a draft
/// under its bare legacy key: that draft still counts as claimed for its
/// own utility, and does not block another utility's draft of the same
/// account number and bill.
#[test]
fn a_legacy_draft_key_still_counts_as_claimed_on_the_kv_store() {
    use ratepayer::autopay::{idempotency_key, legacy_idempotency_key};
    use ratepayer_portal::store::{DraftRow, KvBackend, Store};

    let store = fresh();
    let row = |utility: &str, key: String| DraftRow {
        idempotency_key: key,
        utility: utility.into(),
        account: "000100001".into(),
        bill_id: "2025-10".into(),
        attempt: 0,
        date: portal_support::date(2025, 11, 24),
        total: portal_support::usd("30.97"),
        payment_id: "draft-old".into(),
        executed_at: portal_support::nov(24, 6),
    };
    let legacy = legacy_idempotency_key("000100001", "2025-10", 0).to_string();
    {
        let mut kv = store.backend().begin().unwrap();
        let old = serde_json::to_string(&row("shelby", legacy.clone())).unwrap();
        kv.put("draft", &legacy, &old).unwrap();
        kv.commit().unwrap();
    }
    let new_key = |u: &str| idempotency_key(u, "000100001", "2025-10", 0).to_string();
    let mut tx = store.begin().unwrap();
    assert!(!tx.claim_draft(&row("shelby", new_key("shelby"))).unwrap());
    assert!(tx
        .claim_draft(&row("shelby-north", new_key("shelby-north")))
        .unwrap());
    assert!(!tx
        .claim_draft(&row("shelby-north", new_key("shelby-north")))
        .unwrap());
}

#[test]
fn the_same_key_pays_once_on_the_kv_store() {
    portal_support::intents::the_same_key_pays_once(fresh());
}

#[test]
fn the_fee_is_the_servers_on_the_kv_store() {
    portal_support::intents::the_fee_is_the_servers(fresh());
}

#[test]
fn an_expired_quote_is_refused_on_the_kv_store() {
    portal_support::intents::an_expired_quote_is_refused(fresh());
}

#[test]
fn every_transition_once_on_the_kv_store() {
    portal_support::processor::every_transition_once(fresh());
}

#[test]
fn a_lost_answer_charges_once_on_the_kv_store() {
    portal_support::processor::a_lost_answer_charges_once(fresh());
}

#[test]
fn card_declines_follow_the_retry_schedule_on_the_kv_store() {
    portal_support::processor::card_declines_follow_the_retry_schedule(fresh());
}

#[test]
fn nacha_re_presents_twice_at_most_on_the_kv_store() {
    portal_support::processor::nacha_re_presents_twice_at_most(fresh());
}

#[test]
fn no_re_presentment_after_180_days_on_the_kv_store() {
    portal_support::processor::no_re_presentment_after_180_days(fresh());
}

#[test]
fn r02_is_not_re_presented_on_the_kv_store() {
    portal_support::processor::r02_is_not_re_presented(fresh());
}

#[test]
fn a_return_reopens_both_linked_accounts_on_the_kv_store() {
    portal_support::processor::a_return_reopens_both_linked_accounts(fresh());
}

#[test]
fn a_return_known_after_the_window_suspends_on_the_kv_store() {
    portal_support::processor::a_return_known_after_the_window_suspends(fresh());
}

#[test]
fn the_cycle_writes_each_notice_once_on_the_kv_store() {
    portal_support::outbox::the_cycle_writes_each_notice_once(fresh());
}

#[test]
fn autopay_notices_are_written_once_on_the_kv_store() {
    portal_support::outbox::autopay_notices_are_written_once(fresh());
}

#[test]
fn a_failing_notifier_is_retried_later_on_the_kv_store() {
    portal_support::outbox::a_failing_notifier_is_retried_later(fresh());
}

#[test]
fn a_return_is_noticed_once_on_the_kv_store() {
    portal_support::outbox::a_return_is_noticed_once(fresh());
}

#[test]
fn pay_by_hand_and_its_receipt_once_on_the_kv_store() {
    portal_support::outbox::pay_by_hand_and_its_receipt_once(fresh());
}

#[test]
fn bill_ready_and_reminder_once_on_the_kv_store() {
    portal_support::outbox::bill_ready_and_reminder_once(fresh());
}

#[test]
fn temporary_password_recovery_on_the_kv_store() {
    portal_support::recovery_contacts::temporary_password_recovery(fresh());
}

#[test]
fn temporary_password_hostile_on_the_kv_store() {
    portal_support::recovery_contacts::temporary_password_hostile(fresh());
}

#[test]
fn contact_changes_on_the_kv_store() {
    portal_support::recovery_contacts::contact_changes(fresh());
}

#[test]
fn contact_change_send_limits_on_the_kv_store() {
    portal_support::recovery_contacts::contact_change_send_limits(fresh());
}

#[test]
fn contact_change_with_step_up_on_the_kv_store() {
    portal_support::recovery_contacts::contact_change_with_step_up(fresh());
}

#[test]
fn concurrent_contact_changes_on_the_kv_store() {
    portal_support::recovery_contacts::concurrent_contact_changes(fresh());
}

#[test]
fn bill_batches_post_once_and_whole_on_the_kv_store() {
    portal_support::bulk::batches_post_once_and_whole(fresh());
}

#[test]
fn the_hand_off_follows_each_batch_on_the_kv_store() {
    portal_support::processor::the_hand_off_follows_each_batch(fresh());
}
