//! Payment intents every store must honour (issue 16, Build 1): a quote is
//! stored and paid by its id with the client's idempotency key; the same
//! key returns the first receipt and records nothing new (the double
//! charge); the fee is the server's, for the channel, method and accounts
//! it was quoted for (fee evasion); an expired, paid or re-targeted quote
//! is refused and changes nothing.

use std::sync::Arc;

use ratepayer::fees::{Channel, PaymentMethod};
use ratepayer::payment::{AccountStatus, PaymentTarget, SplitPart};
use ratepayer::profile::UtilityProfile;
use ratepayer::registration::RegistrationForm;
use ratepayer::security::SeededRandom;
use ratepayer_portal::store::Store;
use ratepayer_portal::{
    AccountImport, LinkRequest, NewPaymentMethod, PaymentRequest, Portal, PortalError, PostedBill,
    RecordingNotifier,
};

use super::claims::{enrolled_owner, open_amount};
use super::signed_in;
use super::{date, nov, record, secrets, usd, water_bill, PASSWORD};

/// Shelby with its online e-check fee charged per account (0.95 each), an
/// owner on 100001 and 100002 (both with an open October bill), a card and
/// a bank account. Returns (portal, owner, card, bank).
fn two_account_owner(store: Arc<dyn Store>) -> (Portal, String, String, String) {
    two_account_owner_from(store, &per_account_shelby())
}

/// Shelby's profile with its online e-check fee charged per account.
pub fn per_account_shelby() -> String {
    include_str!("../../../../examples/profiles/shelby.toml").replacen(
        "  methods = [\"echeck\"]\n  fee = { model = \"flat\", amount = 0.95 }\n",
        "  methods = [\"echeck\"]\n  fee = { model = \"flat\", amount = 0.95 }\n  per = \"account\"\n",
        1,
    )
}

/// [`two_account_owner`] under the profile `text`.
pub fn two_account_owner_from(
    store: Arc<dyn Store>,
    text: &str,
) -> (Portal, String, String, String) {
    let notifier = Arc::new(RecordingNotifier::new());
    let p = Portal::new(
        UtilityProfile::from_toml(text).unwrap(),
        store,
        secrets(),
        Box::new(SeededRandom::new(5)),
        notifier.clone(),
    )
    .unwrap();
    let owner = enrolled_owner(&p, &notifier, "100001", 1);
    p.import_accounts(
        &[AccountImport {
            record: record(&p, "100002", "7001"),
            status: AccountStatus::Active,
            service_address: None,
        }],
        nov(7, 14),
    )
    .unwrap();
    let bill = water_bill(&p, 3000);
    p.post_bill(
        &PostedBill {
            account: "100002",
            bill_id: "2025-10",
            bill: &bill,
            bill_date: date(2025, 11, 3),
            due_date: date(2025, 11, 24),
            printed_draft_date: None,
        },
        nov(7, 14),
    )
    .unwrap();
    let method = |kind, token: &str, label: &str, expiry| {
        p.add_payment_method(
            &signed_in(&p, &owner, nov(7, 15)),
            &NewPaymentMethod {
                method: kind,
                token: token.into(),
                label: label.into(),
                card_expiry: expiry,
            },
            nov(7, 15),
        )
        .unwrap()
    };
    let card = method(
        PaymentMethod::DebitCard,
        "tok_debit_1",
        "Debit ending 1111",
        Some(ratepayer::autopay::CardExpiry {
            year: 2031,
            month: 1,
        }),
    );
    let bank = method(
        PaymentMethod::Echeck,
        "tok_bank_1",
        "Checking ending 6789",
        None,
    );
    (p, owner, card, bank)
}

/// Links 100002 to the owner of 100001.
pub fn link_second(p: &Portal, owner: &str) {
    p.link_account(
        &signed_in(p, owner, nov(7, 16)),
        &LinkRequest {
            form: RegistrationForm {
                account_number: "100002".into(),
                customer_number: Some("7001".into()),
                email: "owner1@example.com".into(),
                username: Some("owner1".into()),
                ..Default::default()
            },
            password: PASSWORD.into(),
            nickname: None,
        },
        &super::client(),
        nov(7, 16),
    )
    .unwrap();
}

fn key(n: u32) -> String {
    format!("client-key-{n:08}")
}

fn pay(
    p: &Portal,
    owner: &str,
    quote_id: &str,
    k: &str,
    minute: u32,
) -> Result<ratepayer_portal::PaymentReceipt, PortalError> {
    p.pay(
        &signed_in(p, owner, nov(8, 9)),
        &PaymentRequest {
            quote_id: quote_id.into(),
            idempotency_key: k.into(),
        },
        nov(8, 9) + chrono::Duration::minutes(i64::from(minute)),
    )
}

/// Everything a payment touches, to compare before and after a refusal.
fn money_state(store: &Arc<dyn Store>) -> String {
    let mut tx = store.begin().unwrap();
    let mut out = String::new();
    for n in ["000100001", "000100002"] {
        out += &format!(
            "{:?}{:?}{:?}",
            tx.charges("shelby", n).unwrap(),
            tx.payments_of_account("shelby", n).unwrap(),
            tx.account("shelby", n).unwrap().map(|a| a.credit)
        );
    }
    out
}

/// The double charge: the same key submitted twice records one payment and
/// returns the first receipt; the key with another quote, or the paid
/// quote with a new key, is refused.
pub fn the_same_key_pays_once(store: Arc<dyn Store>) {
    let (p, owner, card, _) = two_account_owner(store.clone());
    let before = open_amount(&store, "shelby", "000100001");
    let q = p
        .quote_payment(
            &signed_in(&p, &owner, nov(8, 9)),
            &PaymentTarget::Account("100001".into()),
            usd("20.00"),
            Channel::Online,
            &card,
            nov(8, 9),
        )
        .unwrap();
    let first = pay(&p, &owner, &q.id, &key(1), 1).unwrap();
    let after_first = money_state(&store);
    let again = pay(&p, &owner, &q.id, &key(1), 2).unwrap();
    assert_eq!(again, first, "the same key returns the first receipt");
    assert_eq!(money_state(&store), after_first, "and records nothing new");
    assert_eq!(
        open_amount(&store, "shelby", "000100001"),
        before.checked_sub(&usd("20.00")).unwrap()
    );
    let payments = p
        .audit_trail()
        .unwrap()
        .iter()
        .filter(|e| e.kind.as_str() == "payment_made")
        .count();
    assert_eq!(payments, 1);

    let err = pay(&p, &owner, &q.id, &key(2), 3).unwrap_err();
    assert_eq!(err.code(), "invalid.quote_id", "{err}");
    assert!(err.to_string().contains("paid already"), "{err}");
    let other = p
        .quote_payment(
            &signed_in(&p, &owner, nov(8, 9)),
            &PaymentTarget::Account("100001".into()),
            usd("1.00"),
            Channel::Online,
            &card,
            nov(8, 9),
        )
        .unwrap();
    let err = pay(&p, &owner, &other.id, &key(1), 4).unwrap_err();
    assert_eq!(err.code(), "invalid.idempotency_key", "{err}");
    let err = pay(&p, &owner, &other.id, "short", 4).unwrap_err();
    assert_eq!(err.code(), "invalid.idempotency_key", "{err}");
    assert_eq!(money_state(&store), after_first);
}

/// Fee evasion: a fee-free channel of AutoPay or the office cannot be
/// quoted for a portal payment; a per-account fee is priced for every
/// account the payment covers; a quote priced for fewer accounts than the
/// payment now covers is refused.
pub fn the_fee_is_the_servers(store: Arc<dyn Store>) {
    let (p, owner, _, bank) = two_account_owner(store.clone());
    for channel in [
        Channel::BankDraft,
        Channel::Autopay,
        Channel::InPerson,
        Channel::Mail,
    ] {
        let err = p
            .quote_payment(
                &signed_in(&p, &owner, nov(8, 9)),
                &PaymentTarget::Account("100001".into()),
                usd("10.00"),
                channel,
                &bank,
                nov(8, 9),
            )
            .unwrap_err();
        assert_eq!(err.code(), "invalid.channel", "{channel:?}: {err}");
    }
    // Quoted for the total due while one account is linked: one fee.
    let total = p
        .quote_payment(
            &signed_in(&p, &owner, nov(8, 9)),
            &PaymentTarget::TotalDue,
            open_amount(&store, "shelby", "000100001"),
            Channel::Online,
            &bank,
            nov(8, 9),
        )
        .unwrap();
    assert_eq!((total.quote.accounts, total.quote.fee), (1, usd("0.95")));
    // A second account with a balance is linked before paying: the quote
    // no longer prices what is paid.
    link_second(&p, &owner);
    let before = money_state(&store);
    let err = pay(&p, &owner, &total.id, &key(10), 1).unwrap_err();
    assert_eq!(err.code(), "invalid.quote_id", "{err}");
    assert!(err.to_string().contains("2"), "{err}");
    assert_eq!(money_state(&store), before);
    // Split over both: the per-account fee twice, charged as quoted.
    let split = PaymentTarget::Split(vec![
        SplitPart {
            account: "100001".into(),
            amount: usd("5.00"),
        },
        SplitPart {
            account: "100002".into(),
            amount: usd("5.00"),
        },
    ]);
    let q = p
        .quote_payment(
            &signed_in(&p, &owner, nov(8, 9)),
            &split,
            usd("10.00"),
            Channel::Online,
            &bank,
            nov(8, 9),
        )
        .unwrap();
    assert_eq!((q.quote.accounts, q.quote.fee), (2, usd("1.90")));
    let receipt = pay(&p, &owner, &q.id, &key(11), 2).unwrap();
    assert_eq!((receipt.fee, receipt.total), (usd("1.90"), usd("11.90")));
}

/// A quote expires 15 minutes after it was given: paying it later is
/// refused and changes nothing; within the 15 minutes it pays.
pub fn an_expired_quote_is_refused(store: Arc<dyn Store>) {
    let (p, owner, card, _) = two_account_owner(store.clone());
    let quote = |_: u32| {
        p.quote_payment(
            &signed_in(&p, &owner, nov(8, 9)),
            &PaymentTarget::Account("100001".into()),
            usd("5.00"),
            Channel::Online,
            &card,
            nov(8, 9),
        )
        .unwrap()
    };
    let late = quote(1);
    assert_eq!(late.expires_at, nov(8, 9) + chrono::Duration::minutes(15));
    let before = money_state(&store);
    let err = pay(&p, &owner, &late.id, &key(20), 16).unwrap_err();
    assert_eq!(err.code(), "invalid.quote_id", "{err}");
    assert!(err.to_string().contains("expired"), "{err}");
    assert_eq!(money_state(&store), before);
    let on_time = quote(2);
    assert!(pay(&p, &owner, &on_time.id, &key(21), 15).is_ok());
}
