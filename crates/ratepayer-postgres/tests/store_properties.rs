//! Property tests: records with arbitrary text (any Unicode, quotes,
//! control characters), amounts of any scale and instants to the
//! nanosecond read back exactly from `PostgresStore`; and random sequences
//! of bills and drafts read back in the same order from `PostgresStore` as
//! from `MemoryStore` (the reference). The SQLite adapter's properties,
//! with one difference: PostgreSQL text cannot hold U+0000, so generated
//! text has none (a NUL is refused with an error, tested on its own).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use chrono::{DateTime, Days, Utc};
use common::*;
use proptest::prelude::*;
use ratepayer::{Currency, Money};
use ratepayer_portal::store::{MemoryStore, Store};
use rust_decimal::Decimal;

const U: &str = "shelby";

fn money() -> impl Strategy<Value = Money> {
    (any::<i64>(), 0u32..=8)
        .prop_map(|(v, scale)| Money::new(Decimal::new(v, scale), Currency::USD))
}

fn instant() -> impl Strategy<Value = DateTime<Utc>> {
    // 1970 to about 2100, any nanosecond.
    (0i64..4_100_000_000, 0u32..1_000_000_000)
        .prop_map(|(s, n)| DateTime::<Utc>::from_timestamp(s, n).unwrap())
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>().prop_map(|s| s.replace('\0', "")),
        "[a-z'\"\\\\ %_]{0,12}".prop_map(String::from),
    ]
}

fn seeded(store: &dyn Store) {
    let mut tx = store.begin().unwrap();
    tx.insert_login(&login("l1", U, "pat")).unwrap();
    tx.put_account(&account(U, "100001", Some("l1"))).unwrap();
    tx.commit().unwrap();
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn records_read_back_exactly(
        id in text(),
        username in text(),
        email in text(),
        created in instant(),
        credit in money(),
        address in proptest::option::of(text()),
        description in text(),
        amount in money(),
        key in text(),
        executed in instant(),
        detail in text(),
    ) {
        let Some(db) = TempSchema::new("records_read_back_exactly") else {
            return Ok(());
        };
        let store = db.open();
        seeded(&*store);
        let mut tx = store.begin().unwrap();

        let mut l = login(&id, U, &username);
        l.email = email;
        l.created_at = created;
        if id != "l1" && username != "pat" {
            tx.insert_login(&l).unwrap();
            same(&tx.login(&id).unwrap().unwrap(), &l);
            same(&tx.login_by_username(U, &username).unwrap().unwrap(), &l);
        }

        let mut a = account(U, "100001", Some(&id));
        a.credit = credit;
        a.service_address = address;
        tx.put_account(&a).unwrap();
        same(&tx.account(U, "100001").unwrap().unwrap(), &a);

        let mut b = bill(U, "100001", &key, day(2026, 1, 5));
        b.lines[0].description = description;
        b.lines[1].amount = amount;
        b.total = amount;
        tx.insert_bill(&b).unwrap();
        same(&tx.bills(U, "100001").unwrap()[0], &b);

        let mut d = draft(&key, U, "100001", "2026-01-01T00:00:00Z");
        d.executed_at = executed;
        d.total = amount;
        prop_assert!(tx.claim_draft(&d).unwrap());
        same(&tx.drafts(U, "100001").unwrap()[0], &d);

        let mut e = audit(U, ratepayer_portal::store::AuditKind::SettingsChanged, &detail);
        e.at = executed;
        tx.append_audit(&e).unwrap();
        same(&tx.audit_events(U).unwrap()[0], &e);
        tx.commit().unwrap();
    }

    #[test]
    fn bills_and_drafts_come_back_in_the_reference_order(
        bills in proptest::collection::vec(("[a-c]{1,3}", 0u64..60), 0..12),
        drafts in proptest::collection::vec(("[a-z0-9]{1,6}", instant(), 0u32..3), 0..12),
    ) {
        let Some(db) = TempSchema::new("reference_order") else {
            return Ok(());
        };
        let reference = MemoryStore::new();
        let postgres = db.open();
        let stores: [&dyn Store; 2] = [&reference, &*postgres];
        let mut seen = Vec::new();
        for store in stores {
            seeded(store);
            let mut tx = store.begin().unwrap();
            let mut outcomes = Vec::new();
            for (id, offset) in &bills {
                let date = day(2026, 1, 1).checked_add_days(Days::new(*offset)).unwrap();
                outcomes.push(tx.insert_bill(&bill(U, "100001", id, date)).map_err(|e| e.kind));
            }
            for (key, at, attempt) in &drafts {
                let mut d = draft(key, U, "100001", "2026-01-01T00:00:00Z");
                d.executed_at = *at;
                d.attempt = *attempt;
                outcomes.push(tx.claim_draft(&d).map(|_| ()).map_err(|e| e.kind));
            }
            let bills = tx.bills(U, "100001").unwrap();
            let drafts = tx.drafts(U, "100001").unwrap();
            seen.push((outcomes, bills, drafts));
        }
        prop_assert_eq!(&seen[0], &seen[1]);
    }
}

/// A NUL character in a key: a write is refused with an error before
/// anything is sent (the transaction goes on and commits the rest), and a
/// read of such a key finds nothing.
#[test]
fn a_nul_in_a_key_is_refused_and_the_transaction_goes_on() {
    let Some(db) = TempSchema::new("nul_in_a_key") else {
        return;
    };
    let store = db.open();
    seeded(&*store);
    let mut tx = store.begin().unwrap();
    let err = tx.insert_login(&login("l\0x", U, "nul")).unwrap_err();
    assert_eq!(err.kind, ratepayer_portal::store::StorageErrorKind::Backend);
    assert!(err.message.contains("NUL"), "{}", err.message);
    assert!(tx.login("l\0x").unwrap().is_none());
    assert!(tx.login_by_username(U, "n\0ul").unwrap().is_none());
    assert_eq!(
        tx.account_statuses(U, &["100001", "1\x000"]).unwrap(),
        [Some(ratepayer::payment::AccountStatus::Active), None]
    );
    assert!(!tx.delete_link("l1", U, "1\x000").unwrap());
    // In the record itself (JSON text), a NUL is kept.
    let mut l = login("l2", U, "sam");
    l.credential.pepper_id = Some("pep\0per".to_owned());
    tx.insert_login(&l).unwrap();
    tx.commit().unwrap();
    let mut tx = store.begin().unwrap();
    same(&tx.login("l2").unwrap().unwrap(), &l);
}
