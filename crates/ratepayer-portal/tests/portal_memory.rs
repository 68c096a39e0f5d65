//! The portal service over the in-memory store: the shared journey, one
//! account per login (seed 004) with the staff override, login throttling,
//! and refusals that leave the store unchanged.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod portal_support;

use std::sync::Arc;

use portal_support::*;
use ratepayer::payment::AccountStatus;
use ratepayer::registration::{RegistrationChannel, RegistrationForm};
use ratepayer_portal::store::{MemoryStore, Store};
use ratepayer_portal::{
    AccountImport, LinkRequest, LoginAttempt, PortalError, RecordingNotifier, SignupRequest,
};

#[test]
fn the_whole_journey_on_the_memory_store() {
    journey(Arc::new(MemoryStore::new()));
}

#[test]
fn cal_water_allows_one_account_per_login_unless_staff_link() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let notifier = Arc::new(RecordingNotifier::new());
    let p = portal("cal-water", store, notifier.clone());
    let imports: Vec<AccountImport> = ["1000000001", "1000000002"]
        .iter()
        .map(|n| AccountImport {
            record: record(&p, n, "1"),
            status: AccountStatus::Active,
            service_address: None,
        })
        .collect();
    p.import_accounts(&imports, nov(1, 9)).unwrap();
    let form = |account: &str| RegistrationForm {
        account_number: account.into(),
        zip: Some("28150-1234".into()),
        email: "lee@example.com".into(),
        accepted_terms_version: Some("2025-03".into()),
        ..Default::default()
    };
    let lee = p
        .register(
            &SignupRequest {
                form: form("1000000001"),
                password: PASSWORD.into(),
                channel: RegistrationChannel::App,
            },
            &client(),
            nov(2, 9),
        )
        .unwrap()
        .login_id;
    portal_support::register_signer(&p, &notifier, &lee, PASSWORD, nov(2, 10));
    let err = p
        .link_account(
            &signed_in(&p, &lee, nov(2, 10)),
            &LinkRequest {
                form: form("1000000002"),
                password: PASSWORD.into(),
                nickname: None,
            },
            &client(),
            nov(2, 10),
        )
        .unwrap_err();
    assert!(matches!(err, PortalError::Forbidden(_)), "{err:?}");
    assert!(err.to_string().contains("customer service"));
    assert_eq!(
        p.home(&signed_in(&p, &lee, nov(2, 10)))
            .unwrap()
            .accounts
            .len(),
        1
    );
    p.staff_link("clerk-1", &lee, "1000000002", nov(2, 11))
        .unwrap();
    assert_eq!(
        p.home(&signed_in(&p, &lee, nov(2, 11)))
            .unwrap()
            .accounts
            .len(),
        2
    );
}

#[test]
fn registration_by_phone_is_refused_and_creates_nothing() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let p = portal("shelby", store.clone(), Arc::new(RecordingNotifier::new()));
    p.import_accounts(
        &[AccountImport {
            record: record(&p, "100001", "5001"),
            status: AccountStatus::Active,
            service_address: None,
        }],
        nov(1, 9),
    )
    .unwrap();
    let err = p
        .register(
            &SignupRequest {
                form: RegistrationForm {
                    account_number: "100001".into(),
                    customer_number: Some("5001".into()),
                    email: "pat@example.com".into(),
                    username: Some("patdoe".into()),
                    accepted_terms_version: Some("2024-07".into()),
                    ..Default::default()
                },
                password: PASSWORD.into(),
                channel: RegistrationChannel::Phone,
            },
            &client(),
            nov(2, 9),
        )
        .unwrap_err();
    assert!(matches!(err, PortalError::Registration(_)));
    let mut tx = store.begin().unwrap();
    assert!(tx.login_by_username("shelby", "patdoe").unwrap().is_none());
    assert!(tx
        .links_of_account("shelby", "000100001")
        .unwrap()
        .is_empty());
    let trail = tx.audit_events("shelby").unwrap();
    assert_eq!(trail.last().unwrap().kind.as_str(), "registration_rejected");
    assert!(trail.last().unwrap().detail.contains("phone"));
}

#[test]
fn failed_logins_are_throttled_then_locked_out_of_guessing() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let (p, _, _) = shelby_with_pat(store);
    let wrong = LoginAttempt {
        username: "patdoe",
        password: "not-the-password",
        device_token: None,
    };
    for _ in 0..3 {
        assert_eq!(
            p.login(&wrong, &client(), nov(6, 9)),
            Err(PortalError::WrongCredentials)
        );
    }
    // The fourth failure starts the delays: even the right password waits.
    assert_eq!(
        p.login(&wrong, &client(), nov(6, 9)),
        Err(PortalError::WrongCredentials)
    );
    let right = LoginAttempt {
        password: PASSWORD,
        ..wrong.clone()
    };
    let err = p.login(&right, &client(), nov(6, 9)).unwrap_err();
    assert!(matches!(err, PortalError::Throttled { .. }), "{err:?}");
    // After the delay the right password works and clears the counters.
    assert!(p.login(&right, &client(), nov(6, 10)).is_ok());
}

#[test]
fn refused_calls_change_no_record() {
    refusals_change_nothing(Arc::new(MemoryStore::new()));
}

#[test]
fn registration_commits_all_or_nothing() {
    registration_is_all_or_nothing(Arc::new(MemoryStore::new()));
}

#[test]
fn changing_the_password_forgets_remembered_devices() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let (p, notifier, pat) = shelby_with_pat(store);
    let email = ratepayer::verification::Contact::email("Pat@Example.com").unwrap();
    let attempt = |password, token| LoginAttempt {
        username: "patdoe",
        password,
        device_token: token,
    };
    let ratepayer_portal::LoginOutcome::ChallengeRequired { challenge_id, .. } = p
        .login(&attempt(PASSWORD, None), &client(), nov(6, 9))
        .unwrap()
    else {
        panic!("challenged")
    };
    let code = notifier.last_code_to(&email).unwrap();
    let ratepayer_portal::LoginOutcome::SignedIn { device_token, .. } = p
        .pass_device_challenge(
            &pat,
            &challenge_id,
            &code,
            Some("phone"),
            &client(),
            nov(6, 9),
        )
        .unwrap()
    else {
        panic!("signed in")
    };
    let token = device_token.unwrap();
    let new = "Tidewater-marigold-saxophone-19";
    p.change_password(
        &signed_in(&p, &pat, nov(7, 9)),
        PASSWORD,
        new,
        &client(),
        nov(7, 9),
    )
    .unwrap();
    assert!(notifier
        .sent()
        .iter()
        .any(|n| n.subject == "Your password was changed"));
    assert_eq!(
        p.login(&attempt(PASSWORD, Some(&token)), &client(), nov(7, 10)),
        Err(PortalError::WrongCredentials)
    );
    assert!(
        matches!(
            p.login(&attempt(new, Some(&token)), &client(), nov(7, 10))
                .unwrap(),
            ratepayer_portal::LoginOutcome::ChallengeRequired { .. }
        ),
        "the remembered device was forgotten"
    );
}

#[test]
fn two_utilities_never_share_a_draft_on_the_memory_store() {
    portal_support::claims::two_utilities_never_share_a_draft(Arc::new(MemoryStore::new()));
}

#[test]
fn a_cancel_during_the_cycle_is_honoured_on_the_memory_store() {
    portal_support::claims::a_cancel_during_the_cycle_is_honoured(Arc::new(MemoryStore::new()));
}

#[test]
fn closing_an_account_ends_its_autopay_on_the_memory_store() {
    portal_support::claims::closing_an_account_ends_its_autopay(Arc::new(MemoryStore::new()));
}

#[test]
fn the_cycle_ends_a_closed_accounts_enrolment_on_the_memory_store() {
    portal_support::claims::the_cycle_ends_a_closed_accounts_enrolment(
        Arc::new(MemoryStore::new()),
    );
}

#[test]
fn the_same_key_pays_once_on_the_memory_store() {
    portal_support::intents::the_same_key_pays_once(Arc::new(MemoryStore::new()));
}

#[test]
fn the_fee_is_the_servers_on_the_memory_store() {
    portal_support::intents::the_fee_is_the_servers(Arc::new(MemoryStore::new()));
}

#[test]
fn an_expired_quote_is_refused_on_the_memory_store() {
    portal_support::intents::an_expired_quote_is_refused(Arc::new(MemoryStore::new()));
}

/// Issue 16 through the portal: Card AutoPay on a fixed day (the 30th) of a
/// bill issued 3 November 2025 and due Monday 24 November drafted on
/// 1 December, after the due date. It is drafted on the due date.
#[test]
fn a_fixed_draft_day_after_the_due_date_drafts_on_the_due_date_through_the_portal() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let notifier = Arc::new(RecordingNotifier::new());
    let text = include_str!("../../../examples/profiles/shelby.toml").replacen(
        "draft = { rule = \"on_due_date\", roll = \"preceding\" }",
        "draft = { rule = \"day_of_month\", day = 30 }",
        1,
    );
    assert!(text.contains("day_of_month"));
    let p = ratepayer_portal::Portal::new(
        ratepayer::profile::UtilityProfile::from_toml(&text).unwrap(),
        store.clone(),
        secrets(),
        Box::new(ratepayer::security::SeededRandom::new(16)),
        notifier.clone(),
    )
    .unwrap();
    portal_support::claims::enrolled_owner(&p, &notifier, "100001", 1);
    let before = p.run_autopay_cycle(date(2025, 11, 21), nov(21, 6)).unwrap();
    assert_eq!(before.drafted, 0, "not before its date");
    let on_due = p.run_autopay_cycle(date(2025, 11, 24), nov(24, 6)).unwrap();
    assert_eq!(on_due.drafted, 1, "drafted on the due date");
    assert!(
        portal_support::claims::open_amount(&store, "shelby", "000100001")
            .amount()
            .is_zero()
    );
}

#[test]
fn every_transition_once_on_the_memory_store() {
    portal_support::processor::every_transition_once(Arc::new(MemoryStore::new()));
}

#[test]
fn a_lost_answer_charges_once_on_the_memory_store() {
    portal_support::processor::a_lost_answer_charges_once(Arc::new(MemoryStore::new()));
}

#[test]
fn card_declines_follow_the_retry_schedule_on_the_memory_store() {
    portal_support::processor::card_declines_follow_the_retry_schedule(
        Arc::new(MemoryStore::new()),
    );
}

#[test]
fn nacha_re_presents_twice_at_most_on_the_memory_store() {
    portal_support::processor::nacha_re_presents_twice_at_most(Arc::new(MemoryStore::new()));
}

#[test]
fn no_re_presentment_after_180_days_on_the_memory_store() {
    portal_support::processor::no_re_presentment_after_180_days(Arc::new(MemoryStore::new()));
}

#[test]
fn r02_is_not_re_presented_on_the_memory_store() {
    portal_support::processor::r02_is_not_re_presented(Arc::new(MemoryStore::new()));
}

#[test]
fn a_return_reopens_both_linked_accounts_on_the_memory_store() {
    portal_support::processor::a_return_reopens_both_linked_accounts(Arc::new(MemoryStore::new()));
}

#[test]
fn a_return_known_after_the_window_suspends_on_the_memory_store() {
    portal_support::processor::a_return_known_after_the_window_suspends(Arc::new(
        MemoryStore::new(),
    ));
}

#[test]
fn the_cycle_writes_each_notice_once_on_the_memory_store() {
    portal_support::outbox::the_cycle_writes_each_notice_once(Arc::new(MemoryStore::new()));
}

#[test]
fn autopay_notices_are_written_once_on_the_memory_store() {
    portal_support::outbox::autopay_notices_are_written_once(Arc::new(MemoryStore::new()));
}

#[test]
fn a_failing_notifier_is_retried_later_on_the_memory_store() {
    portal_support::outbox::a_failing_notifier_is_retried_later(Arc::new(MemoryStore::new()));
}

#[test]
fn a_return_is_noticed_once_on_the_memory_store() {
    portal_support::outbox::a_return_is_noticed_once(Arc::new(MemoryStore::new()));
}

#[test]
fn pay_by_hand_and_its_receipt_once_on_the_memory_store() {
    portal_support::outbox::pay_by_hand_and_its_receipt_once(Arc::new(MemoryStore::new()));
}

#[test]
fn bill_ready_and_reminder_once_on_the_memory_store() {
    portal_support::outbox::bill_ready_and_reminder_once(Arc::new(MemoryStore::new()));
}

#[test]
fn an_authenticator_signs_in_once_per_code_on_the_memory_store() {
    portal_support::mfa::authenticator_sign_in(Arc::new(MemoryStore::new()));
}

#[test]
fn step_up_guards_sensitive_changes_on_the_memory_store() {
    portal_support::mfa::step_up_guards_sensitive_changes(Arc::new(MemoryStore::new()));
}

#[test]
fn the_nist_minimum_follows_mfa_on_the_memory_store() {
    portal_support::mfa::nist_minimum_follows_mfa(Arc::new(MemoryStore::new()));
}

#[test]
fn the_legacy_security_question_on_the_memory_store() {
    portal_support::mfa::security_question_on_the_legacy_preset(Arc::new(MemoryStore::new()));
}

#[test]
fn a_profile_may_let_remembered_devices_skip_mfa_on_the_memory_store() {
    portal_support::mfa::a_profile_may_let_remembered_devices_skip_mfa(
        Arc::new(MemoryStore::new()),
    );
}

#[test]
fn code_guesses_survive_a_new_sign_in_on_the_memory_store() {
    portal_support::mfa::code_guesses_survive_a_new_sign_in(Arc::new(MemoryStore::new()));
}

#[test]
fn a_statement_posts_like_a_bill_and_once_per_period() {
    use ratepayer::BillingPeriod;
    use ratepayer_portal::store::StatementLine;
    use ratepayer_portal::PostedStatement;

    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let p = portal("shelby", store.clone(), Arc::new(RecordingNotifier::new()));
    p.import_accounts(
        &[AccountImport {
            record: record(&p, "100001", "5001"),
            status: AccountStatus::Active,
            service_address: None,
        }],
        nov(1, 12),
    )
    .unwrap();
    let statement = PostedStatement {
        account: "100001",
        bill_id: "2025-11-01..2025-11-30",
        period: BillingPeriod::new(date(2025, 11, 1), date(2025, 11, 30)).unwrap(),
        lines: vec![
            StatementLine {
                description: "Charges".into(),
                amount: usd("67.73"),
            },
            StatementLine {
                description: "Taxes".into(),
                amount: usd("4.74"),
            },
        ],
        total: usd("72.47"),
        bill_date: date(2025, 12, 3),
        due_date: date(2025, 12, 24),
        printed_draft_date: None,
    };
    let row = p.post_statement(&statement, nov(30, 12)).unwrap();
    assert_eq!(
        (row.account.as_str(), row.total),
        ("000100001", usd("72.47"))
    );
    assert_eq!(row.lines, statement.lines);
    let mut tx = store.begin().unwrap();
    let charges = tx.charges("shelby", "000100001").unwrap();
    assert_eq!(charges.len(), 1);
    assert_eq!(charges[0].charge.amount, usd("72.47"));
    drop(tx);
    // The same bill again (a retry) returns the bill posted and changes
    // nothing; another total under the same id and period is refused.
    assert_eq!(p.post_statement(&statement, nov(30, 13)).unwrap(), row);
    let changed = PostedStatement {
        total: usd("80.00"),
        ..statement.clone()
    };
    assert!(p.post_statement(&changed, nov(30, 13)).is_err());
    let mut tx = store.begin().unwrap();
    assert_eq!(tx.bills("shelby", "000100001").unwrap().len(), 1);
    assert_eq!(
        tx.charges("shelby", "000100001").unwrap()[0].charge.amount,
        usd("72.47")
    );
}

#[test]
fn temporary_password_recovery_on_the_memory_store() {
    portal_support::recovery_contacts::temporary_password_recovery(Arc::new(MemoryStore::new()));
}

#[test]
fn temporary_password_hostile_on_the_memory_store() {
    portal_support::recovery_contacts::temporary_password_hostile(Arc::new(MemoryStore::new()));
}

#[test]
fn contact_changes_on_the_memory_store() {
    portal_support::recovery_contacts::contact_changes(Arc::new(MemoryStore::new()));
}

#[test]
fn contact_change_send_limits_on_the_memory_store() {
    portal_support::recovery_contacts::contact_change_send_limits(Arc::new(MemoryStore::new()));
}

#[test]
fn contact_change_with_step_up_on_the_memory_store() {
    portal_support::recovery_contacts::contact_change_with_step_up(Arc::new(MemoryStore::new()));
}

#[test]
fn concurrent_contact_changes_on_the_memory_store() {
    portal_support::recovery_contacts::concurrent_contact_changes(Arc::new(MemoryStore::new()));
}

#[test]
fn crow_wing_temporary_password_on_the_memory_store() {
    portal_support::recovery_contacts::crow_wing_temporary_password(Arc::new(MemoryStore::new()));
}

#[test]
fn session_lifetimes() {
    portal_support::sessions::session_lifetimes(Arc::new(MemoryStore::new()));
}

#[test]
fn ending_sessions() {
    portal_support::sessions::ending_sessions(Arc::new(MemoryStore::new()));
}

#[test]
fn sessions_belong_to_their_login() {
    portal_support::sessions::sessions_belong_to_their_login(Arc::new(MemoryStore::new()));
}

#[test]
fn password_changes_end_sessions() {
    portal_support::sessions::password_changes_end_sessions(Arc::new(MemoryStore::new()));
}

#[test]
fn session_settings_are_validated() {
    portal_support::sessions::session_settings_are_validated();
}

#[test]
fn bill_batches_post_once_and_whole_on_the_memory_store() {
    portal_support::bulk::batches_post_once_and_whole(Arc::new(MemoryStore::new()));
}

#[test]
fn concurrent_guesses_stay_within_the_limit_on_the_memory_store() {
    portal_support::concurrency::concurrent_guesses_stay_within_the_limit(Arc::new(
        MemoryStore::new(),
    ));
}

#[test]
fn sign_ins_and_payments_at_once_on_the_memory_store() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let tally = portal_support::concurrency::sign_in_and_pay_at_once(
        &[store],
        8,
        std::time::Duration::from_secs(2),
    );
    assert!(tally.payments > 0, "{tally:?}");
}

#[test]
fn password_work_holds_no_write_lock_on_the_memory_store() {
    portal_support::password_work::password_work_holds_no_write_lock(Arc::new(MemoryStore::new()));
}

#[test]
fn concurrent_reauthentications_stay_within_the_limit_on_the_memory_store() {
    portal_support::password_work::concurrent_reauthentications_stay_within_the_limit(Arc::new(
        MemoryStore::new(),
    ));
}

/// A store that does not share AutoPay cycles (the in-memory one, as
/// SQLite) keeps the single-runner walk: no batches reported, its progress
/// refused with why, its sharing methods refused; a runner name that
/// cannot be shown is refused.
#[test]
fn a_store_that_does_not_share_cycles_keeps_one_runner() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    assert!(!store.shares_autopay_cycles());
    let notifier = Arc::new(RecordingNotifier::new());
    let p = claims::shelby_as("shelby", store.clone(), notifier.clone());
    claims::enrolled_owner(&p, &notifier, "100001", 1);
    let report = p.run_autopay_cycle(date(2025, 11, 24), nov(24, 6)).unwrap();
    assert_eq!((report.drafted, report.batches), (1, 0));
    let err = p.autopay_cycle_progress(date(2025, 11, 24)).unwrap_err();
    assert!(
        matches!(&err, PortalError::Config(m) if m.contains("does not share AutoPay cycles")),
        "{err}"
    );
    let mut tx = store.begin().unwrap();
    let refused = tx
        .plan_autopay_cycle("shelby", date(2025, 11, 24), 10, nov(24, 6))
        .unwrap_err();
    assert!(
        refused.message.contains("does not share"),
        "{}",
        refused.message
    );
    assert!(tx
        .claim_cycle_batch("shelby", date(2025, 11, 24), 1)
        .is_err());
    assert!(tx
        .autopay_cycle_progress("shelby", date(2025, 11, 24))
        .unwrap()
        .is_none());
    // The default listing of a batch's range, in keyset pages.
    assert_eq!(
        tx.active_enrolment_accounts_in("shelby", None, None)
            .unwrap(),
        ["000100001"]
    );
    assert!(tx
        .active_enrolment_accounts_in("shelby", Some("000100001"), None)
        .unwrap()
        .is_empty());
    assert_eq!(
        tx.active_enrolment_accounts_in("shelby", Some("0"), Some("000100001"))
            .unwrap(),
        ["000100001"]
    );
    drop(tx);
    for bad in ["", "  ", "a\nb", &"x".repeat(101)] {
        let p = claims::shelby_as("shelby", store.clone(), notifier.clone());
        let err = p.with_cycle_runner(bad).unwrap_err();
        assert!(
            matches!(
                &err,
                PortalError::Invalid {
                    field: "runner",
                    ..
                }
            ),
            "{bad:?}: {err}"
        );
    }
    let p = claims::shelby_as("shelby", store, notifier);
    assert!(p.with_cycle_runner("host-1:worker-2").is_ok());
}

#[test]
fn the_hand_off_follows_each_batch_on_the_memory_store() {
    portal_support::processor::the_hand_off_follows_each_batch(Arc::new(MemoryStore::new()));
}
