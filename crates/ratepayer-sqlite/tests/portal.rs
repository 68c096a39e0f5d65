//! The portal service over SQLite: the same journey and refusals the
//! in-memory store passes, on a database file.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../../ratepayer-portal/tests/portal_support/mod.rs"]
mod portal_support;

use std::sync::Arc;

use ratepayer_sqlite::SqliteStore;

/// A fresh database file under cargo's per-target scratch directory: a
/// re-run replaces it, and `cargo clean` removes it (nothing left in /tmp).
fn fresh(name: &str) -> Arc<SqliteStore> {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("ratepayer-portal-{name}.sqlite"));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    Arc::new(SqliteStore::open(&path).unwrap())
}

#[test]
fn the_whole_journey_on_sqlite() {
    portal_support::journey(fresh("journey"));
}

#[test]
fn refused_calls_change_no_record_on_sqlite() {
    portal_support::refusals_change_nothing(fresh("refusals"));
}

#[test]
fn registration_commits_all_or_nothing_on_sqlite() {
    portal_support::registration_is_all_or_nothing(fresh("atomic"));
}

#[test]
fn two_utilities_never_share_a_draft_on_sqlite() {
    portal_support::claims::two_utilities_never_share_a_draft(fresh("two_utilities"));
}

#[test]
fn a_cancel_during_the_cycle_is_honoured_on_sqlite() {
    portal_support::claims::a_cancel_during_the_cycle_is_honoured(fresh("cancel"));
}

#[test]
fn closing_an_account_ends_its_autopay_on_sqlite() {
    portal_support::claims::closing_an_account_ends_its_autopay(fresh("closing"));
}

#[test]
fn the_cycle_ends_a_closed_accounts_enrolment_on_sqlite() {
    portal_support::claims::the_cycle_ends_a_closed_accounts_enrolment(fresh("cycle_ends"));
}

#[test]
fn the_same_key_pays_once_on_sqlite() {
    portal_support::intents::the_same_key_pays_once(fresh("intents1"));
}

#[test]
fn the_fee_is_the_servers_on_sqlite() {
    portal_support::intents::the_fee_is_the_servers(fresh("intents2"));
}

#[test]
fn an_expired_quote_is_refused_on_sqlite() {
    portal_support::intents::an_expired_quote_is_refused(fresh("intents3"));
}

#[test]
fn every_transition_once_on_sqlite() {
    portal_support::processor::every_transition_once(fresh("every_transition_once"));
}

#[test]
fn a_lost_answer_charges_once_on_sqlite() {
    portal_support::processor::a_lost_answer_charges_once(fresh("a_lost_answer_charges_once"));
}

#[test]
fn card_declines_follow_the_retry_schedule_on_sqlite() {
    portal_support::processor::card_declines_follow_the_retry_schedule(fresh(
        "card_declines_follow_the_retry_schedule",
    ));
}

#[test]
fn nacha_re_presents_twice_at_most_on_sqlite() {
    portal_support::processor::nacha_re_presents_twice_at_most(fresh(
        "nacha_re_presents_twice_at_most",
    ));
}

#[test]
fn no_re_presentment_after_180_days_on_sqlite() {
    portal_support::processor::no_re_presentment_after_180_days(fresh(
        "no_re_presentment_after_180_days",
    ));
}

#[test]
fn r02_is_not_re_presented_on_sqlite() {
    portal_support::processor::r02_is_not_re_presented(fresh("r02_is_not_re_presented"));
}

#[test]
fn a_return_reopens_both_linked_accounts_on_sqlite() {
    portal_support::processor::a_return_reopens_both_linked_accounts(fresh(
        "a_return_reopens_both_linked_accounts",
    ));
}

#[test]
fn a_return_known_after_the_window_suspends_on_sqlite() {
    portal_support::processor::a_return_known_after_the_window_suspends(fresh(
        "a_return_known_after_the_window_suspends",
    ));
}

#[test]
fn the_cycle_writes_each_notice_once_on_sqlite() {
    portal_support::outbox::the_cycle_writes_each_notice_once(fresh(
        "outbox_the_cycle_writes_each_no",
    ));
}

#[test]
fn autopay_notices_are_written_once_on_sqlite() {
    portal_support::outbox::autopay_notices_are_written_once(fresh(
        "outbox_autopay_notices_are_writ",
    ));
}

#[test]
fn a_failing_notifier_is_retried_later_on_sqlite() {
    portal_support::outbox::a_failing_notifier_is_retried_later(fresh(
        "outbox_a_failing_notifier_is_re",
    ));
}

#[test]
fn a_return_is_noticed_once_on_sqlite() {
    portal_support::outbox::a_return_is_noticed_once(fresh("outbox_a_return_is_noticed_once"));
}

/// The outbox property (see `ratepayer/tests/outbox_properties.rs`) on a
/// database file: any interleaving of writes, delivery runs and crashes
/// leaves every committed message recorded once and delivered.
mod outbox_property {
    use proptest::prelude::*;

    use crate::portal_support::outbox::{outbox_rounds, Step};

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            4 => (0u8..6, any::<bool>()).prop_map(|(key, commit)| Step::Enqueue { key, commit }),
            3 => (any::<bool>(), 1u8..5)
                .prop_map(|(failing, limit)| Step::Deliver { failing, limit }),
            1 => Just(Step::CrashAfterSend),
            1 => (0u16..600).prop_map(|minutes| Step::Wait { minutes }),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(16))]

        #[test]
        fn every_message_is_recorded_once_and_delivered_on_sqlite(
            steps in proptest::collection::vec(step(), 1..30)
        ) {
            outbox_rounds(super::fresh("outbox_property"), &steps);
        }
    }
}

#[test]
fn pay_by_hand_and_its_receipt_once_on_sqlite() {
    portal_support::outbox::pay_by_hand_and_its_receipt_once(fresh("outbox_pay_by_hand"));
}

#[test]
fn bill_ready_and_reminder_once_on_sqlite() {
    portal_support::outbox::bill_ready_and_reminder_once(fresh("outbox_bill_ready"));
}

#[test]
fn an_authenticator_signs_in_once_per_code_on_sqlite() {
    portal_support::mfa::authenticator_sign_in(fresh("mfa_sign_in"));
}

#[test]
fn step_up_guards_sensitive_changes_on_sqlite() {
    portal_support::mfa::step_up_guards_sensitive_changes(fresh("mfa_step_up"));
}

#[test]
fn the_nist_minimum_follows_mfa_on_sqlite() {
    portal_support::mfa::nist_minimum_follows_mfa(fresh("mfa_minimum"));
}

#[test]
fn the_legacy_security_question_on_sqlite() {
    portal_support::mfa::security_question_on_the_legacy_preset(fresh("mfa_question"));
}

#[test]
fn a_profile_may_let_remembered_devices_skip_mfa_on_sqlite() {
    portal_support::mfa::a_profile_may_let_remembered_devices_skip_mfa(fresh("mfa_skip"));
}

#[test]
fn code_guesses_survive_a_new_sign_in_on_sqlite() {
    portal_support::mfa::code_guesses_survive_a_new_sign_in(fresh("mfa_guesses"));
}

#[test]
fn temporary_password_recovery_on_sqlite() {
    portal_support::recovery_contacts::temporary_password_recovery(fresh(
        "temporary_password_recovery",
    ));
}

#[test]
fn temporary_password_hostile_on_sqlite() {
    portal_support::recovery_contacts::temporary_password_hostile(fresh(
        "temporary_password_hostile",
    ));
}

#[test]
fn contact_changes_on_sqlite() {
    portal_support::recovery_contacts::contact_changes(fresh("contact_changes"));
}

#[test]
fn contact_change_send_limits_on_sqlite() {
    portal_support::recovery_contacts::contact_change_send_limits(fresh(
        "contact_change_send_limits",
    ));
}

#[test]
fn contact_change_with_step_up_on_sqlite() {
    portal_support::recovery_contacts::contact_change_with_step_up(fresh(
        "contact_change_with_step_up",
    ));
}

#[test]
fn concurrent_contact_changes_on_sqlite() {
    portal_support::recovery_contacts::concurrent_contact_changes(fresh(
        "concurrent_contact_changes",
    ));
}

#[test]
fn crow_wing_temporary_password_on_sqlite() {
    portal_support::recovery_contacts::crow_wing_temporary_password(fresh(
        "crow_wing_temporary_password",
    ));
}

#[test]
fn bill_batches_post_once_and_whole_on_sqlite() {
    portal_support::bulk::batches_post_once_and_whole(fresh("bulk"));
}

#[test]
fn concurrent_guesses_stay_within_the_limit_on_sqlite() {
    portal_support::concurrency::concurrent_guesses_stay_within_the_limit(fresh("guesses"));
}

/// 32 threads over two stores on one file (two "processes": each store has
/// its own write and read connections, and SQLite's file locks keep them
/// apart) sign in and pay at once for 10 seconds: no error but a typed,
/// retried conflict, and totals that add up.
#[test]
fn sign_ins_and_payments_at_once_on_sqlite() {
    let first = fresh("load");
    let path = first.path().unwrap().to_path_buf();
    let second = Arc::new(SqliteStore::open(&path).unwrap());
    let stores: Vec<Arc<dyn ratepayer_portal::store::Store>> = vec![first, second];
    let tally = portal_support::concurrency::sign_in_and_pay_at_once(
        &stores,
        32,
        std::time::Duration::from_secs(10),
    );
    eprintln!("sign-ins and payments at once on SQLite: {tally:?}");
    assert!(tally.payments >= 32, "{tally:?}");
}

#[test]
fn password_work_holds_no_write_lock_on_sqlite() {
    portal_support::password_work::password_work_holds_no_write_lock(fresh("password-work"));
}

#[test]
fn concurrent_reauthentications_stay_within_the_limit_on_sqlite() {
    portal_support::password_work::concurrent_reauthentications_stay_within_the_limit(fresh(
        "reauth",
    ));
}

/// 32 threads in two operating-system processes (this test binary run
/// again) on one SQLite file sign in and pay at once for
/// `RATEPAYER_LOAD_SECONDS` (60 in `scripts/test-all`): no error but a
/// typed, retried conflict, and totals that add up.
#[test]
fn sign_ins_and_payments_from_two_processes_on_sqlite() {
    use portal_support::concurrency::{load_child, two_processes_sign_in_and_pay, LOAD_CHILD};
    if let Ok(path) = std::env::var(LOAD_CHILD) {
        load_child(Arc::new(SqliteStore::open(&path).unwrap()));
        return;
    }
    let store = fresh("two-processes");
    let path = store.path().unwrap().to_str().unwrap().to_owned();
    let (mine, theirs) = two_processes_sign_in_and_pay(
        store,
        "sign_ins_and_payments_from_two_processes_on_sqlite",
        &path,
    );
    eprintln!("two processes on SQLite: this {mine:?}, the other {theirs:?}");
}

#[test]
fn the_hand_off_follows_each_batch_on_sqlite() {
    portal_support::processor::the_hand_off_follows_each_batch(fresh(
        "the_hand_off_follows_each_batch",
    ));
}
