//! Keys and claims every store must honour (issue 16, Build 3): a draft's
//! idempotency key names its utility, so two utilities sharing a database
//! never take each other's drafts; the cycle reads each enrolment and
//! account again inside its batch, so a cancellation or a closure made
//! during a run is honoured; closing an account ends its AutoPay, and a
//! closed account is neither drafted nor quoted (seed 004).

use std::sync::Arc;

use ratepayer::fees::{Channel, PaymentMethod};
use ratepayer::payment::{AccountStatus, PaymentTarget, SplitPart};
use ratepayer::profile::UtilityProfile;
use ratepayer::registration::{RegistrationChannel, RegistrationForm};
use ratepayer::security::SeededRandom;
use ratepayer::verification::Contact;
use ratepayer_portal::store::{EnrolmentStatus, Store};
use ratepayer_portal::{
    AccountImport, EnrolRequest, NewPaymentMethod, Portal, PortalError, PostedBill,
    RecordingNotifier, SignupRequest,
};

use super::signed_in;
use super::{date, nov, record, secrets, usd, water_bill, PASSWORD};

/// A portal of Shelby's profile under another utility id (same account
/// numbers, same bill ids: what collided when keys had no utility).
pub fn shelby_as(id: &str, store: Arc<dyn Store>, notifier: Arc<RecordingNotifier>) -> Portal {
    let text = include_str!("../../../../examples/profiles/shelby.toml").replacen(
        "id = \"shelby\"",
        &format!("id = \"{id}\""),
        1,
    );
    Portal::new(
        UtilityProfile::from_toml(&text).unwrap(),
        store,
        secrets(),
        Box::new(SeededRandom::new(id.len() as u64 + 11)),
        notifier,
    )
    .unwrap()
}

/// An owner enrolled in Card AutoPay on `number`, whose October bill
/// (2025-10, due 24 November 2025) is open. Returns the owner's login id.
pub fn enrolled_owner(
    p: &Portal,
    notifier: &Arc<RecordingNotifier>,
    number: &str,
    n: u32,
) -> String {
    enrolled_owner_with(p, notifier, number, n, PaymentMethod::CreditCard)
}

/// [`enrolled_owner`] with `method`: a card in Card AutoPay, a bank
/// account (echeck) in Checking AutoPay.
pub fn enrolled_owner_with(
    p: &Portal,
    notifier: &Arc<RecordingNotifier>,
    number: &str,
    n: u32,
    method: PaymentMethod,
) -> String {
    let customer = format!("7{n:03}");
    p.import_accounts(
        &[AccountImport {
            record: record(p, number, &customer),
            status: AccountStatus::Active,
            service_address: None,
        }],
        nov(1, 12),
    )
    .unwrap();
    let bill = water_bill(p, 4000 + i64::from(n) * 100);
    p.post_bill(
        &PostedBill {
            account: number,
            bill_id: "2025-10",
            bill: &bill,
            bill_date: date(2025, 11, 3),
            due_date: date(2025, 11, 24),
            printed_draft_date: None,
        },
        nov(3, 12),
    )
    .unwrap();
    let email = format!("owner{n}@example.com");
    let reg = p
        .register(
            &SignupRequest {
                form: RegistrationForm {
                    account_number: number.into(),
                    customer_number: Some(customer),
                    email: email.clone(),
                    username: Some(format!("owner{n}")),
                    accepted_terms_version: Some("2024-07".into()),
                    ..Default::default()
                },
                password: PASSWORD.into(),
                channel: RegistrationChannel::Web,
            },
            &super::client(),
            nov(5, 12),
        )
        .unwrap();
    let code = notifier
        .last_code_to(&Contact::email(&email).unwrap())
        .unwrap();
    p.verify_contact(&reg.login_id, &reg.email_code_id, &code, nov(5, 12))
        .unwrap();
    super::register_signer(p, notifier, &reg.login_id, PASSWORD, nov(5, 12));
    let card = method.is_card();
    let card = p
        .add_payment_method(
            &signed_in(p, &reg.login_id, nov(6, 10)),
            &NewPaymentMethod {
                method,
                token: format!("tok_owner_{n}"),
                label: if card {
                    "Visa ending 4242"
                } else {
                    "Checking ending 6789"
                }
                .into(),
                card_expiry: card.then_some(ratepayer::autopay::CardExpiry {
                    year: 2030,
                    month: 12,
                }),
            },
            nov(6, 10),
        )
        .unwrap();
    p.enrol_autopay(
        &signed_in(p, &reg.login_id, nov(7, 13)),
        &EnrolRequest {
            account: number.into(),
            option: if method.is_card() {
                "Card AutoPay"
            } else {
                "Checking AutoPay"
            }
            .into(),
            payment_method_id: card,
            accepted_terms_version: Some("2024-07".into()),
            maximum: None,
            amount_notices: Default::default(),
        },
        nov(7, 13),
    )
    .unwrap();
    reg.login_id
}

/// What is still unpaid on `number`'s October bill.
pub fn open_amount(store: &Arc<dyn Store>, utility: &str, number: &str) -> ratepayer::Money {
    let mut tx = store.begin().unwrap();
    tx.charges(utility, number)
        .unwrap()
        .into_iter()
        .find(|c| c.charge.id == "2025-10")
        .unwrap()
        .charge
        .amount
}

/// Two utilities in one store, with the same account number and bill id:
/// each bill is drafted once, by its own utility, under its own key.
pub fn two_utilities_never_share_a_draft(store: Arc<dyn Store>) {
    let notifier = Arc::new(RecordingNotifier::new());
    let a = shelby_as("shelby", store.clone(), notifier.clone());
    let b = shelby_as("shelby-north", store.clone(), notifier.clone());
    enrolled_owner(&a, &notifier, "100001", 1);
    enrolled_owner(&b, &notifier, "100001", 2);
    let first = a.run_autopay_cycle(date(2025, 11, 24), nov(24, 6)).unwrap();
    assert_eq!((first.drafted, first.already_drafted), (1, 0));
    let second = b.run_autopay_cycle(date(2025, 11, 24), nov(24, 6)).unwrap();
    assert_eq!(
        (second.drafted, second.already_drafted),
        (1, 0),
        "the second utility's bill must be drafted, not taken for the first one's"
    );
    assert!(open_amount(&store, "shelby", "000100001")
        .amount()
        .is_zero());
    assert!(open_amount(&store, "shelby-north", "000100001")
        .amount()
        .is_zero());
    let (ka, kb) = (
        first.drafts[0].idempotency_key.clone(),
        second.drafts[0].idempotency_key.clone(),
    );
    assert_ne!(ka, kb);
    assert_eq!(
        ka,
        ratepayer::autopay::idempotency_key("shelby", "000100001", "2025-10", 0).to_string()
    );
    // Run again, both: nothing new.
    for p in [&a, &b] {
        let again = p.run_autopay_cycle(date(2025, 11, 24), nov(24, 7)).unwrap();
        assert_eq!(again.drafted, 0);
    }
    let mut tx = store.begin().unwrap();
    assert_eq!(tx.drafts("shelby", "000100001").unwrap().len(), 1);
    assert_eq!(tx.drafts("shelby-north", "000100001").unwrap().len(), 1);
}

/// An AutoPay cancelled while the cycle runs (after its page of enrolments
/// was listed, before its batch) is not drafted; enrolments are listed in
/// keyset pages of one batch, the next page before the batch before it
/// reports (on a store that shares the cycle, each batch lists its own
/// range when it runs).
pub fn a_cancel_during_the_cycle_is_honoured(store: Arc<dyn Store>) {
    let notifier = Arc::new(RecordingNotifier::new());
    let p = shelby_as("shelby", store.clone(), notifier.clone()).with_autopay_batch(1);
    let owners: Vec<(String, String)> = (1..=3)
        .map(|n| {
            let number = format!("10000{n}");
            (enrolled_owner(&p, &notifier, &number, n), number)
        })
        .collect();
    let (second_owner, second_account) = owners[1].clone();
    let mut batches = 0;
    let report = p
        .run_autopay_cycle_observed(date(2025, 11, 24), nov(24, 6), &mut |_| {
            batches += 1;
            if batches == 1 {
                p.cancel_autopay(
                    &signed_in(&p, &second_owner, nov(24, 6)),
                    &second_account,
                    nov(24, 6),
                )
                .unwrap();
            }
        })
        .unwrap();
    assert_eq!(batches, 3, "one batch a page");
    if store.shares_autopay_cycles() {
        // A cycle shared by runners lists each batch's range of active
        // enrolments inside the batch's transaction: the cancelled one is
        // not listed at all.
        assert_eq!(report.enrolments, 2, "listed by each batch");
        assert_eq!((report.drafted, report.cancelled_during_run), (2, 0));
    } else {
        assert_eq!(report.enrolments, 3, "listed before the cancellation");
        assert_eq!((report.drafted, report.cancelled_during_run), (2, 1));
    }
    assert!(!open_amount(&store, "shelby", "000100002")
        .amount()
        .is_zero());
    let mut tx = store.begin().unwrap();
    assert!(tx.drafts("shelby", "000100002").unwrap().is_empty());
    assert_eq!(tx.drafts("shelby", "000100001").unwrap().len(), 1);
    assert_eq!(tx.drafts("shelby", "000100003").unwrap().len(), 1);
}

/// Closing an account (the utility's import) ends its AutoPay in the same
/// transaction; a closed account is neither drafted nor quoted, alone or in
/// a split (seed 004: its balance is paid through customer service).
pub fn closing_an_account_ends_its_autopay(store: Arc<dyn Store>) {
    let notifier = Arc::new(RecordingNotifier::new());
    let p = shelby_as("shelby", store.clone(), notifier.clone());
    let owner = enrolled_owner(&p, &notifier, "100001", 1);
    p.import_accounts(
        &[AccountImport {
            record: record(&p, "100001", "7001"),
            status: AccountStatus::Closed,
            service_address: None,
        }],
        nov(20, 9),
    )
    .unwrap();
    {
        let mut tx = store.begin().unwrap();
        let e = tx.enrolment("shelby", "000100001").unwrap().unwrap();
        assert_eq!(e.status, EnrolmentStatus::Cancelled);
        let events = tx.audit_events("shelby").unwrap();
        let last = events.last().unwrap();
        assert_eq!(last.kind.as_str(), "autopay_cancelled");
        assert!(last.detail.contains("closed"), "{last:?}");
    }
    let report = p.run_autopay_cycle(date(2025, 11, 24), nov(24, 6)).unwrap();
    assert_eq!((report.enrolments, report.drafted), (0, 0));
    assert!(!open_amount(&store, "shelby", "000100001")
        .amount()
        .is_zero());

    let card = store.begin().unwrap().payment_methods(&owner).unwrap()[0]
        .id
        .clone();
    for target in [
        PaymentTarget::Account("100001".into()),
        PaymentTarget::Split(vec![SplitPart {
            account: "100001".into(),
            amount: usd("5.00"),
        }]),
    ] {
        let err = p
            .quote_payment(
                &signed_in(&p, &owner, nov(20, 10)),
                &target,
                usd("5.00"),
                Channel::Online,
                &card,
                nov(20, 10),
            )
            .unwrap_err();
        assert!(matches!(err, PortalError::AccountClosed(_)), "{err:?}");
        assert!(err.to_string().contains("customer service"), "{err}");
    }
}

/// An account closed while its enrolment is still active (a store written
/// before closing ended enrolments, or a closure committed during the run)
/// is not drafted: the cycle ends the enrolment there and then.
pub fn the_cycle_ends_a_closed_accounts_enrolment(store: Arc<dyn Store>) {
    let notifier = Arc::new(RecordingNotifier::new());
    let p = shelby_as("shelby", store.clone(), notifier.clone()).with_autopay_batch(1);
    enrolled_owner(&p, &notifier, "100001", 1);
    enrolled_owner(&p, &notifier, "100002", 2);
    let mut batches = 0;
    let report = p
        .run_autopay_cycle_observed(date(2025, 11, 24), nov(24, 6), &mut |_| {
            batches += 1;
            if batches == 1 {
                // Closed behind the portal's back: the enrolment stays active.
                let mut tx = store.begin().unwrap();
                let mut a = tx.account("shelby", "000100002").unwrap().unwrap();
                a.status = AccountStatus::Closed;
                tx.put_account(&a).unwrap();
                tx.commit().unwrap();
            }
        })
        .unwrap();
    assert_eq!((report.drafted, report.closed_accounts), (1, 1));
    assert!(!open_amount(&store, "shelby", "000100002")
        .amount()
        .is_zero());
    let mut tx = store.begin().unwrap();
    let e = tx.enrolment("shelby", "000100002").unwrap().unwrap();
    assert_eq!(e.status, EnrolmentStatus::Cancelled);
    assert!(tx.drafts("shelby", "000100002").unwrap().is_empty());
}
