//! What only a PostgreSQL server shows: text ordered by bytes whatever the
//! database's locale; the store's write lock (a second writer waits, then
//! fails with `Busy`; a read transaction neither waits nor writes); without
//! it, a serialization failure surfaced as `Busy` with nothing written; two
//! stores (two pools, as two processes) claiming the same draft keys at
//! once, each key claimed once; a failed statement ending the transaction
//! (every later call and the commit say so); an unreachable server and a
//! URL asking for TLS (not compiled in) refused at once.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use common::*;
use ratepayer_portal::store::{MemoryStore, StorageErrorKind, Store};
use ratepayer_postgres::{PostgresOptions, PostgresStore};

const U: &str = "shelby";

fn seed(store: &dyn Store) {
    let mut tx = store.begin().unwrap();
    tx.insert_login(&login("l1", U, "pat")).unwrap();
    tx.put_account(&account(U, "100001", Some("l1"))).unwrap();
    tx.commit().unwrap();
}

fn without_write_lock() -> PostgresOptions {
    PostgresOptions {
        serialize_writers: false,
        ..PostgresOptions::default()
    }
}

#[test]
fn text_orders_by_bytes_as_the_reference_store_does() {
    let Some(db) = TempSchema::new("text_order") else {
        return;
    };
    let postgres = db.open();
    let reference = MemoryStore::new();
    let ids = ["a", "B", "_x", "ä", "a b", "ab", "a-c", "Z", "1", "é", "e"];
    let mut seen = Vec::new();
    for store in [&reference as &dyn Store, &*postgres] {
        seed(store);
        let mut tx = store.begin().unwrap();
        for id in ids {
            tx.put_charge(&charge(U, "100001", id, "1.00")).unwrap();
        }
        let got: Vec<String> = tx
            .charges(U, "100001")
            .unwrap()
            .into_iter()
            .map(|c| c.charge.id)
            .collect();
        seen.push(got);
    }
    let mut bytes: Vec<String> = ids.iter().map(|s| (*s).to_owned()).collect();
    bytes.sort();
    assert_eq!(seen[0], bytes);
    assert_eq!(seen[1], bytes);
}

#[test]
fn a_second_writer_waits_for_the_write_lock_then_is_busy() {
    let Some(db) = TempSchema::new("write_lock") else {
        return;
    };
    let store = db.open_with(PostgresOptions {
        busy_timeout: Duration::from_millis(300),
        ..PostgresOptions::default()
    });
    seed(&*store);
    let mut first = store.begin().unwrap();
    first
        .append_audit(&audit(
            U,
            ratepayer_portal::store::AuditKind::Registered,
            "first",
        ))
        .unwrap();

    let started = Instant::now();
    let err = store.begin().err().expect("the write lock is held");
    assert_eq!(err.kind, StorageErrorKind::Busy, "{}", err.message);
    assert!(started.elapsed() >= Duration::from_millis(250));

    // A reader neither waits nor sees the uncommitted event, and cannot write.
    let mut reader = store.begin_read().unwrap();
    assert!(reader.audit_events(U).unwrap().is_empty());
    let refused = reader
        .append_audit(&audit(
            U,
            ratepayer_portal::store::AuditKind::Registered,
            "no",
        ))
        .unwrap_err();
    assert_eq!(refused.kind, StorageErrorKind::Backend);
    assert!(refused.message.contains("read-only"), "{}", refused.message);
    reader.commit().unwrap();

    first.commit().unwrap();
    // Released on commit: the next writer goes on and sees the event.
    let mut next = store.begin().unwrap();
    assert_eq!(next.audit_events(U).unwrap().len(), 1);
    drop(next);
    // And released on a rollback (a dropped transaction) too.
    let mut again = store.begin().unwrap();
    assert_eq!(again.audit_events(U).unwrap().len(), 1);
}

#[test]
fn a_serialization_failure_is_busy_and_writes_nothing() {
    let Some(db) = TempSchema::new("serialization_failure") else {
        return;
    };
    let store = db.open_with(without_write_lock());
    seed(&*store);
    let mut a = store.begin().unwrap();
    let mut b = store.begin().unwrap();
    // Both read the login, then both change it: the second change cannot
    // be serialized after the first, which committed.
    let mut from_a = a.login("l1").unwrap().unwrap();
    let mut from_b = b.login("l1").unwrap().unwrap();
    from_b.email = "b@example.com".to_owned();
    b.update_login(&from_b).unwrap();
    b.commit().unwrap();
    from_a.email = "a@example.com".to_owned();
    let err = a.update_login(&from_a).unwrap_err();
    assert_eq!(err.kind, StorageErrorKind::Busy, "{}", err.message);
    assert_eq!(err.code(), "storage.busy");
    assert!(err.message.contains("40001"), "{}", err.message);
    // The transaction is over: later calls and the commit say so.
    let later = a.login("l1").unwrap_err();
    assert_eq!(later.kind, StorageErrorKind::Busy);
    assert!(later.message.contains("aborted"), "{}", later.message);
    let commit = a.commit().unwrap_err();
    assert_eq!(commit.kind, StorageErrorKind::Busy);
    assert!(
        commit.message.contains("nothing was written"),
        "{}",
        commit.message
    );

    let mut tx = store.begin().unwrap();
    assert_eq!(tx.login("l1").unwrap().unwrap().email, "b@example.com");
}

#[test]
fn a_missing_login_is_not_found_and_ends_the_transaction() {
    let Some(db) = TempSchema::new("foreign_key") else {
        return;
    };
    let store = db.open();
    seed(&*store);
    let mut tx = store.begin().unwrap();
    tx.put_charge(&charge(U, "100001", "c1", "5.00")).unwrap();
    let err = tx
        .put_contact(&contact("nobody", "x@example.com"))
        .unwrap_err();
    assert_eq!(err.kind, StorageErrorKind::NotFound, "{}", err.message);
    assert_eq!(
        tx.charges(U, "100001").unwrap_err().kind,
        StorageErrorKind::NotFound
    );
    assert_eq!(tx.commit().unwrap_err().kind, StorageErrorKind::NotFound);
    let mut tx = store.begin().unwrap();
    assert!(tx.charges(U, "100001").unwrap().is_empty());
}

/// Two stores (two pools, as two processes would have) claim the same 60
/// draft keys at once, each key in its own transaction with a payment and
/// an audit event, retrying a transaction that fails with `Busy`: every key
/// is claimed once, and one payment is recorded per key.
fn claims_race(store_a: Arc<PostgresStore>, store_b: Arc<PostgresStore>) {
    seed(&*store_a);
    let barrier = Arc::new(Barrier::new(2));
    let runners: Vec<_> = [store_a.clone(), store_b]
        .into_iter()
        .map(|store| {
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                barrier.wait();
                let mut won = 0;
                for k in 0..60 {
                    let key = format!("k{k:02}");
                    loop {
                        let attempt = (|| {
                            let mut tx = store.begin()?;
                            let claimed =
                                tx.claim_draft(&draft(&key, U, "100001", "2026-02-20T06:00:00Z"))?;
                            if claimed {
                                tx.insert_payment(&payment(&key, U, "l1", &["100001"]))?;
                                tx.append_audit(&audit(
                                    U,
                                    ratepayer_portal::store::AuditKind::DraftExecuted,
                                    &key,
                                ))?;
                            }
                            tx.commit()?;
                            Ok::<bool, ratepayer_portal::store::StorageError>(claimed)
                        })();
                        match attempt {
                            Ok(claimed) => {
                                won += usize::from(claimed);
                                break;
                            }
                            Err(e) if e.kind == StorageErrorKind::Busy => continue,
                            Err(e) => panic!("{e}"),
                        }
                    }
                }
                won
            })
        })
        .collect();
    let won: usize = runners.into_iter().map(|r| r.join().unwrap()).sum();
    assert_eq!(won, 60);
    let mut tx = store_a.begin().unwrap();
    assert_eq!(tx.drafts(U, "100001").unwrap().len(), 60);
    assert_eq!(tx.payments_of_account(U, "100001").unwrap().len(), 60);
    assert_eq!(tx.audit_events(U).unwrap().len(), 60);
}

#[test]
fn two_stores_claim_each_draft_once_with_the_write_lock() {
    let Some(db) = TempSchema::new("claims_race_locked") else {
        return;
    };
    claims_race(db.open(), db.open());
}

#[test]
fn two_stores_claim_each_draft_once_without_the_write_lock() {
    let Some(db) = TempSchema::new("claims_race_unlocked") else {
        return;
    };
    claims_race(
        db.open_with(without_write_lock()),
        db.open_with(without_write_lock()),
    );
}

#[test]
fn an_unreachable_server_fails_at_once_without_the_password() {
    let started = Instant::now();
    // Port 1 on loopback: nothing listens there.
    let err = PostgresStore::open("postgres://ratepayer:s3cret@127.0.0.1:1/nowhere").unwrap_err();
    assert_eq!(err.kind, StorageErrorKind::Backend, "{}", err.message);
    assert!(!err.message.contains("s3cret"), "{}", err.message);
    assert!(started.elapsed() < Duration::from_secs(5));
    let err = PostgresStore::open("not a url ://").unwrap_err();
    assert_eq!(err.kind, StorageErrorKind::Backend);
}

#[test]
fn tls_required_in_the_url_is_refused_rather_than_skipped() {
    let Some(url) = server_url() else {
        return;
    };
    let url = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let sep = if url.contains('?') { '&' } else { '?' };
        format!("{url}{sep}sslmode=require")
    } else {
        format!("{url} sslmode=require")
    };
    let err = PostgresStore::open(&url).unwrap_err();
    assert_eq!(err.kind, StorageErrorKind::Backend, "{}", err.message);
    assert!(err.message.contains("TLS"), "{}", err.message);
}
