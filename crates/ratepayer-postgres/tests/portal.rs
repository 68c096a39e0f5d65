//! The portal service over PostgreSQL: the same journey and refusals the
//! in-memory store and SQLite pass (the shared `portal_support` suite, every
//! test of the SQLite adapter's `portal.rs` and the session tests), each in
//! a fresh schema on the server `RATEPAYER_POSTGRES_URL` names.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

#[path = "../../ratepayer-portal/tests/portal_support/mod.rs"]
mod portal_support;

use common::TempSchema;

/// A fresh schema for `name` (dropped when the returned guard is), or
/// `None` when the tests are skipped.
fn fresh(name: &str) -> Option<TempSchema> {
    TempSchema::new(&format!("portal_{name}"))
}

#[test]
fn the_whole_journey_on_postgres() {
    let Some(db) = fresh("journey") else {
        return;
    };
    portal_support::journey(db.open());
}

#[test]
fn refused_calls_change_no_record_on_postgres() {
    let Some(db) = fresh("refusals") else {
        return;
    };
    portal_support::refusals_change_nothing(db.open());
}

#[test]
fn registration_commits_all_or_nothing_on_postgres() {
    let Some(db) = fresh("atomic") else {
        return;
    };
    portal_support::registration_is_all_or_nothing(db.open());
}

#[test]
fn two_utilities_never_share_a_draft_on_postgres() {
    let Some(db) = fresh("two_utilities") else {
        return;
    };
    portal_support::claims::two_utilities_never_share_a_draft(db.open());
}

#[test]
fn a_cancel_during_the_cycle_is_honoured_on_postgres() {
    let Some(db) = fresh("cancel") else {
        return;
    };
    portal_support::claims::a_cancel_during_the_cycle_is_honoured(db.open());
}

#[test]
fn closing_an_account_ends_its_autopay_on_postgres() {
    let Some(db) = fresh("closing") else {
        return;
    };
    portal_support::claims::closing_an_account_ends_its_autopay(db.open());
}

#[test]
fn the_cycle_ends_a_closed_accounts_enrolment_on_postgres() {
    let Some(db) = fresh("cycle_ends") else {
        return;
    };
    portal_support::claims::the_cycle_ends_a_closed_accounts_enrolment(db.open());
}

#[test]
fn the_same_key_pays_once_on_postgres() {
    let Some(db) = fresh("intents1") else {
        return;
    };
    portal_support::intents::the_same_key_pays_once(db.open());
}

#[test]
fn the_fee_is_the_servers_on_postgres() {
    let Some(db) = fresh("intents2") else {
        return;
    };
    portal_support::intents::the_fee_is_the_servers(db.open());
}

#[test]
fn an_expired_quote_is_refused_on_postgres() {
    let Some(db) = fresh("intents3") else {
        return;
    };
    portal_support::intents::an_expired_quote_is_refused(db.open());
}

#[test]
fn every_transition_once_on_postgres() {
    let Some(db) = fresh("every_transition_once") else {
        return;
    };
    portal_support::processor::every_transition_once(db.open());
}

#[test]
fn a_lost_answer_charges_once_on_postgres() {
    let Some(db) = fresh("a_lost_answer_charges_once") else {
        return;
    };
    portal_support::processor::a_lost_answer_charges_once(db.open());
}

#[test]
fn card_declines_follow_the_retry_schedule_on_postgres() {
    let Some(db) = fresh("card_declines_follow_the_retry_schedule") else {
        return;
    };
    portal_support::processor::card_declines_follow_the_retry_schedule(db.open());
}

#[test]
fn nacha_re_presents_twice_at_most_on_postgres() {
    let Some(db) = fresh("nacha_re_presents_twice_at_most") else {
        return;
    };
    portal_support::processor::nacha_re_presents_twice_at_most(db.open());
}

#[test]
fn no_re_presentment_after_180_days_on_postgres() {
    let Some(db) = fresh("no_re_presentment_after_180_days") else {
        return;
    };
    portal_support::processor::no_re_presentment_after_180_days(db.open());
}

#[test]
fn r02_is_not_re_presented_on_postgres() {
    let Some(db) = fresh("r02_is_not_re_presented") else {
        return;
    };
    portal_support::processor::r02_is_not_re_presented(db.open());
}

#[test]
fn a_return_reopens_both_linked_accounts_on_postgres() {
    let Some(db) = fresh("a_return_reopens_both_linked_accounts") else {
        return;
    };
    portal_support::processor::a_return_reopens_both_linked_accounts(db.open());
}

#[test]
fn a_return_known_after_the_window_suspends_on_postgres() {
    let Some(db) = fresh("a_return_known_after_the_window_suspends") else {
        return;
    };
    portal_support::processor::a_return_known_after_the_window_suspends(db.open());
}

#[test]
fn the_cycle_writes_each_notice_once_on_postgres() {
    let Some(db) = fresh("outbox_the_cycle_writes_each_no") else {
        return;
    };
    portal_support::outbox::the_cycle_writes_each_notice_once(db.open());
}

#[test]
fn autopay_notices_are_written_once_on_postgres() {
    let Some(db) = fresh("outbox_autopay_notices_are_writ") else {
        return;
    };
    portal_support::outbox::autopay_notices_are_written_once(db.open());
}

#[test]
fn a_failing_notifier_is_retried_later_on_postgres() {
    let Some(db) = fresh("outbox_a_failing_notifier_is_re") else {
        return;
    };
    portal_support::outbox::a_failing_notifier_is_retried_later(db.open());
}

#[test]
fn a_return_is_noticed_once_on_postgres() {
    let Some(db) = fresh("outbox_a_return_is_noticed_once") else {
        return;
    };
    portal_support::outbox::a_return_is_noticed_once(db.open());
}

/// The outbox property (see `ratepayer/tests/outbox_properties.rs`) on
/// PostgreSQL: any interleaving of writes, delivery runs and crashes leaves
/// every committed message recorded once and delivered.
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
        fn every_message_is_recorded_once_and_delivered_on_postgres(
            steps in proptest::collection::vec(step(), 1..30)
        ) {
            let Some(db) = super::fresh("outbox_property") else {
                return Ok(());
            };
            outbox_rounds(db.open(), &steps);
        }
    }
}

#[test]
fn pay_by_hand_and_its_receipt_once_on_postgres() {
    let Some(db) = fresh("outbox_pay_by_hand") else {
        return;
    };
    portal_support::outbox::pay_by_hand_and_its_receipt_once(db.open());
}

#[test]
fn bill_ready_and_reminder_once_on_postgres() {
    let Some(db) = fresh("outbox_bill_ready") else {
        return;
    };
    portal_support::outbox::bill_ready_and_reminder_once(db.open());
}

#[test]
fn an_authenticator_signs_in_once_per_code_on_postgres() {
    let Some(db) = fresh("mfa_sign_in") else {
        return;
    };
    portal_support::mfa::authenticator_sign_in(db.open());
}

#[test]
fn step_up_guards_sensitive_changes_on_postgres() {
    let Some(db) = fresh("mfa_step_up") else {
        return;
    };
    portal_support::mfa::step_up_guards_sensitive_changes(db.open());
}

#[test]
fn the_nist_minimum_follows_mfa_on_postgres() {
    let Some(db) = fresh("mfa_minimum") else {
        return;
    };
    portal_support::mfa::nist_minimum_follows_mfa(db.open());
}

#[test]
fn the_legacy_security_question_on_postgres() {
    let Some(db) = fresh("mfa_question") else {
        return;
    };
    portal_support::mfa::security_question_on_the_legacy_preset(db.open());
}

#[test]
fn a_profile_may_let_remembered_devices_skip_mfa_on_postgres() {
    let Some(db) = fresh("mfa_skip") else {
        return;
    };
    portal_support::mfa::a_profile_may_let_remembered_devices_skip_mfa(db.open());
}

#[test]
fn code_guesses_survive_a_new_sign_in_on_postgres() {
    let Some(db) = fresh("mfa_guesses") else {
        return;
    };
    portal_support::mfa::code_guesses_survive_a_new_sign_in(db.open());
}

#[test]
fn temporary_password_recovery_on_postgres() {
    let Some(db) = fresh("temporary_password_recovery") else {
        return;
    };
    portal_support::recovery_contacts::temporary_password_recovery(db.open());
}

#[test]
fn temporary_password_hostile_on_postgres() {
    let Some(db) = fresh("temporary_password_hostile") else {
        return;
    };
    portal_support::recovery_contacts::temporary_password_hostile(db.open());
}

#[test]
fn contact_changes_on_postgres() {
    let Some(db) = fresh("contact_changes") else {
        return;
    };
    portal_support::recovery_contacts::contact_changes(db.open());
}

#[test]
fn contact_change_send_limits_on_postgres() {
    let Some(db) = fresh("contact_change_send_limits") else {
        return;
    };
    portal_support::recovery_contacts::contact_change_send_limits(db.open());
}

#[test]
fn contact_change_with_step_up_on_postgres() {
    let Some(db) = fresh("contact_change_with_step_up") else {
        return;
    };
    portal_support::recovery_contacts::contact_change_with_step_up(db.open());
}

#[test]
fn concurrent_contact_changes_on_postgres() {
    let Some(db) = fresh("concurrent_contact_changes") else {
        return;
    };
    portal_support::recovery_contacts::concurrent_contact_changes(db.open());
}

#[test]
fn crow_wing_temporary_password_on_postgres() {
    let Some(db) = fresh("crow_wing_temporary_password") else {
        return;
    };
    portal_support::recovery_contacts::crow_wing_temporary_password(db.open());
}

#[test]
fn session_lifetimes_on_postgres() {
    let Some(db) = fresh("session_lifetimes") else {
        return;
    };
    portal_support::sessions::session_lifetimes(db.open());
}

#[test]
fn ending_sessions_on_postgres() {
    let Some(db) = fresh("ending_sessions") else {
        return;
    };
    portal_support::sessions::ending_sessions(db.open());
}

#[test]
fn sessions_belong_to_their_login_on_postgres() {
    let Some(db) = fresh("sessions_belong") else {
        return;
    };
    portal_support::sessions::sessions_belong_to_their_login(db.open());
}

#[test]
fn password_changes_end_sessions_on_postgres() {
    let Some(db) = fresh("password_changes_end_sessions") else {
        return;
    };
    portal_support::sessions::password_changes_end_sessions(db.open());
}

#[test]
fn bill_batches_post_once_and_whole_on_postgres() {
    let Some(db) = fresh("bulk") else {
        return;
    };
    portal_support::bulk::batches_post_once_and_whole(db.open());
}

#[test]
fn concurrent_guesses_stay_within_the_limit_on_postgres() {
    let Some(db) = fresh("guesses") else {
        return;
    };
    portal_support::concurrency::concurrent_guesses_stay_within_the_limit(db.open());
}

/// 32 threads over two stores on one schema (two "processes", each with
/// its own pool), writers serialized on one and concurrent (serializable,
/// conflicts answered `storage.busy`) on the other, sign in and pay at once
/// for 10 seconds: no error but a typed, retried conflict, and totals that
/// add up.
#[test]
fn sign_ins_and_payments_at_once_on_postgres() {
    let Some(db) = fresh("load") else {
        return;
    };
    let first = db.open_with(ratepayer_postgres::PostgresOptions {
        pool_size: 16,
        ..ratepayer_postgres::PostgresOptions::default()
    });
    let second = db.open_with(ratepayer_postgres::PostgresOptions {
        pool_size: 16,
        serialize_writers: false,
        ..ratepayer_postgres::PostgresOptions::default()
    });
    let stores: Vec<std::sync::Arc<dyn ratepayer_portal::store::Store>> = vec![first, second];
    let tally = portal_support::concurrency::sign_in_and_pay_at_once(
        &stores,
        32,
        std::time::Duration::from_secs(10),
    );
    eprintln!("sign-ins and payments at once on PostgreSQL: {tally:?}");
    assert!(tally.payments >= 32, "{tally:?}");
}

#[test]
fn password_work_holds_no_write_lock_on_postgres() {
    let Some(db) = fresh("password_work") else {
        return;
    };
    portal_support::password_work::password_work_holds_no_write_lock(db.open());
}

#[test]
fn concurrent_reauthentications_stay_within_the_limit_on_postgres() {
    let Some(db) = fresh("reauth") else {
        return;
    };
    portal_support::password_work::concurrent_reauthentications_stay_within_the_limit(db.open());
}

/// 32 threads in two operating-system processes (this test binary run
/// again), each with its own pool on one schema, sign in and pay at once
/// for `RATEPAYER_LOAD_SECONDS` (60 in `scripts/test-all`): no error but a
/// typed, retried conflict, and totals that add up.
#[test]
fn sign_ins_and_payments_from_two_processes_on_postgres() {
    use portal_support::concurrency::{load_child, two_processes_sign_in_and_pay, LOAD_CHILD};
    let options = || ratepayer_postgres::PostgresOptions {
        pool_size: 16,
        ..ratepayer_postgres::PostgresOptions::default()
    };
    if let Ok(schema) = std::env::var(LOAD_CHILD) {
        let url = std::env::var(common::URL_VAR).unwrap();
        let store =
            ratepayer_postgres::PostgresStore::open_with(&url, Some(&schema), options()).unwrap();
        load_child(std::sync::Arc::new(store));
        return;
    }
    let Some(db) = fresh("two_processes") else {
        return;
    };
    let (mine, theirs) = two_processes_sign_in_and_pay(
        db.open_with(options()),
        "sign_ins_and_payments_from_two_processes_on_postgres",
        db.name(),
    );
    eprintln!("two processes on PostgreSQL: this {mine:?}, the other {theirs:?}");
}

#[test]
fn the_hand_off_follows_each_batch_on_postgres() {
    let Some(db) = fresh("the_hand_off_follows_each_batch") else {
        return;
    };
    portal_support::processor::the_hand_off_follows_each_batch(db.open());
}
