//! What only a database file shows: a second store on the same file sees
//! committed data and waits for (or times out on) another store's open
//! transaction; reopening keeps the data and applies no migration twice; a
//! database from a newer version, or a file that is not a database, is
//! refused; WAL and foreign keys are on; payment ids are unique; and two
//! threads, each with its own store on one file, claiming the same draft
//! keys at once claim each key exactly once.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::sync::{Arc, Barrier};
use std::time::Duration;

use common::*;
use ratepayer_portal::store::{Role, StorageErrorKind, Store};
use ratepayer_sqlite::{SqliteOptions, SqliteStore, DEFAULT_BUSY_TIMEOUT, SCHEMA_VERSION};
use rusqlite::Connection;

const U: &str = "shelby";

fn seed(store: &SqliteStore) {
    let mut tx = store.begin().unwrap();
    tx.insert_login(&login("l1", U, "pat")).unwrap();
    tx.put_account(&account(U, "100001", Some("l1"))).unwrap();
    tx.commit().unwrap();
}

#[test]
fn store_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<SqliteStore>();
}

#[test]
fn a_second_store_sees_committed_data() {
    let db = TempDb::new("second");
    let a = SqliteStore::open(db.path()).unwrap();
    let b = SqliteStore::open(db.path()).unwrap();
    assert_eq!(a.path(), Some(db.path()));
    seed(&a);
    let mut tx = b.begin().unwrap();
    same(&tx.login("l1").unwrap().unwrap(), &login("l1", U, "pat"));
    tx.put_link(&link("l1", U, "100001", Role::Owner)).unwrap();
    tx.commit().unwrap();
    let mut tx = a.begin().unwrap();
    assert_eq!(tx.links_of_login("l1").unwrap().len(), 1);
}

#[test]
fn an_open_transaction_holds_off_other_stores_and_its_drop_leaves_nothing() {
    let db = TempDb::new("busy");
    let a = SqliteStore::open(db.path()).unwrap();
    let b = SqliteStore::open(db.path()).unwrap();
    b.set_busy_timeout(Duration::from_millis(50)).unwrap();
    seed(&a);

    let mut tx = a.begin().unwrap();
    tx.insert_login(&login("l2", U, "sam")).unwrap();
    // BEGIN IMMEDIATE: the second store cannot start writing meanwhile.
    let err = b.begin().err().unwrap();
    assert_eq!(err.kind, StorageErrorKind::Busy);
    assert_eq!(err.code(), "storage.busy");
    assert!(err.message.contains("retry"), "{}", err.message);
    drop(tx);

    let mut tx = b.begin().unwrap();
    assert!(tx.login("l2").unwrap().is_none());
    assert!(tx.login("l1").unwrap().is_some());
}

#[test]
fn a_waiting_store_goes_ahead_once_the_lock_is_released() {
    let db = TempDb::new("wait");
    let a = SqliteStore::open(db.path()).unwrap();
    let b = SqliteStore::open(db.path()).unwrap();
    seed(&a);
    let barrier = Barrier::new(2);
    std::thread::scope(|s| {
        s.spawn(|| {
            let mut tx = a.begin().unwrap();
            tx.insert_login(&login("l2", U, "sam")).unwrap();
            barrier.wait();
            std::thread::sleep(Duration::from_millis(200));
            tx.commit().unwrap();
        });
        barrier.wait();
        // Waits (busy timeout 10 s) rather than failing, then sees the commit.
        let mut tx = b.begin().unwrap();
        assert!(tx.login("l2").unwrap().is_some());
    });
}

#[test]
fn reopening_keeps_the_data_and_migrates_once() {
    let db = TempDb::new("reopen");
    {
        let store = SqliteStore::open(db.path()).unwrap();
        assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
        seed(&store);
    }
    for _ in 0..3 {
        let store = SqliteStore::open(db.path()).unwrap();
        assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
        let mut tx = store.begin().unwrap();
        same(&tx.login("l1").unwrap().unwrap(), &login("l1", U, "pat"));
        same(
            &tx.account(U, "100001").unwrap().unwrap(),
            &account(U, "100001", Some("l1")),
        );
    }
    let conn = Connection::open(db.path()).unwrap();
    let version: u32 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, SCHEMA_VERSION);
    let tables: u32 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'logins'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(tables, 1);
}

#[test]
fn a_database_from_a_newer_version_is_refused_and_left_alone() {
    let db = TempDb::new("newer");
    drop(SqliteStore::open(db.path()).unwrap());
    let newer = SCHEMA_VERSION + 1;
    Connection::open(db.path())
        .unwrap()
        .pragma_update(None, "user_version", newer)
        .unwrap();

    let err = SqliteStore::open(db.path()).unwrap_err();
    assert_eq!(err.kind, StorageErrorKind::Corrupt);
    assert!(err.message.contains("newer version"), "{}", err.message);
    assert!(
        err.message.contains(&format!("schema version {newer}")),
        "{}",
        err.message
    );
    let version: u32 = Connection::open(db.path())
        .unwrap()
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, newer);
}

#[test]
fn a_file_that_is_not_a_database_is_refused() {
    let db = TempDb::new("garbage");
    std::fs::write(db.path(), "not a database, just text. ".repeat(200)).unwrap();
    let err = SqliteStore::open(db.path()).unwrap_err();
    assert_eq!(err.kind, StorageErrorKind::Corrupt, "{}", err.message);
    assert!(
        err.message.contains("not a SQLite database"),
        "{}",
        err.message
    );
}

#[test]
fn a_path_that_cannot_be_created_is_an_error() {
    let db = TempDb::new("dir");
    let path = db.path().join("missing-directory").join("x.db");
    let err = SqliteStore::open(&path).unwrap_err();
    assert_eq!(err.kind, StorageErrorKind::Backend, "{}", err.message);
    assert!(err.message.contains("x.db"), "{}", err.message);
}

#[test]
fn wal_mode_and_foreign_keys_are_on() {
    let db = TempDb::new("wal");
    let store = SqliteStore::open(db.path()).unwrap();
    let mode: String = Connection::open(db.path())
        .unwrap()
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    seed(&store);

    let mut tx = store.begin().unwrap();
    let err = tx
        .put_link(&link("nobody", U, "100001", Role::Owner))
        .unwrap_err();
    assert_eq!(err.kind, StorageErrorKind::NotFound, "{}", err.message);
    let err = tx
        .put_link(&link("l1", U, "999999", Role::Owner))
        .unwrap_err();
    assert_eq!(err.kind, StorageErrorKind::NotFound, "{}", err.message);
    let err = tx
        .insert_bill(&bill(U, "999999", "b1", day(2026, 1, 5)))
        .unwrap_err();
    assert_eq!(err.kind, StorageErrorKind::NotFound, "{}", err.message);
    let err = tx.put_code(&code("c1", "nobody")).unwrap_err();
    assert_eq!(err.kind, StorageErrorKind::NotFound, "{}", err.message);
    // Nothing half-written: the transaction goes on.
    tx.put_link(&link("l1", U, "100001", Role::Owner)).unwrap();
    tx.commit().unwrap();
    let mut tx = store.begin().unwrap();
    assert_eq!(tx.links_of_account(U, "100001").unwrap().len(), 1);
    assert!(tx.bills(U, "999999").unwrap().is_empty());
}

/// A file the store creates gets pages of `NEW_DATABASE_PAGE_SIZE`; a file
/// that exists keeps the page size it was made with (and is migrated).
#[test]
fn a_new_file_gets_larger_pages_and_an_old_one_keeps_its_own() {
    let page_size = |path: &std::path::Path| -> i64 {
        Connection::open(path)
            .unwrap()
            .query_row("PRAGMA page_size", [], |r| r.get(0))
            .unwrap()
    };
    let new = TempDb::new("pages-new");
    drop(SqliteStore::open(new.path()).unwrap());
    assert_eq!(
        page_size(new.path()),
        i64::from(ratepayer_sqlite::NEW_DATABASE_PAGE_SIZE)
    );

    let old = TempDb::new("pages-old");
    Connection::open(old.path())
        .unwrap()
        .execute_batch("PRAGMA page_size = 4096; CREATE TABLE kept (x);")
        .unwrap();
    let store = SqliteStore::open(old.path()).unwrap();
    assert_eq!(
        store.schema_version().unwrap(),
        ratepayer_sqlite::SCHEMA_VERSION
    );
    seed(&store);
    drop(store);
    assert_eq!(page_size(old.path()), 4096);
}

#[test]
fn payment_and_method_ids_are_unique() {
    let store = SqliteStore::open_in_memory().unwrap();
    assert_eq!(store.path(), None);
    seed(&store);
    let mut tx = store.begin().unwrap();
    tx.insert_payment_method(&payment_method("pm1", "l1"))
        .unwrap();
    let err = tx
        .insert_payment_method(&payment_method("pm1", "l1"))
        .unwrap_err();
    assert_eq!(err.kind, StorageErrorKind::Conflict);
    tx.insert_payment(&payment("p1", U, "l1", &["100001"]))
        .unwrap();
    let err = tx
        .insert_payment(&payment("p1", U, "l1", &["100001"]))
        .unwrap_err();
    assert_eq!(err.kind, StorageErrorKind::Conflict);
    assert!(err.message.contains("p1"), "{}", err.message);
    assert_eq!(tx.payments_of_account(U, "100001").unwrap().len(), 1);
}

#[test]
fn in_memory_stores_are_separate() {
    let a = SqliteStore::open_in_memory().unwrap();
    let b = SqliteStore::open_in_memory().unwrap();
    seed(&a);
    assert!(b.begin().unwrap().login("l1").unwrap().is_none());
    assert_eq!(b.schema_version().unwrap(), SCHEMA_VERSION);
}

#[test]
fn a_panic_inside_a_transaction_rolls_it_back_and_the_store_goes_on() {
    let store = Arc::new(SqliteStore::open_in_memory().unwrap());
    seed(&store);
    let s = Arc::clone(&store);
    let result = std::thread::spawn(move || {
        let mut tx = s.begin().unwrap();
        tx.insert_login(&login("l2", U, "sam")).unwrap();
        panic!("the portal failed mid-operation");
    })
    .join();
    assert!(result.is_err());
    let mut tx = store.begin().unwrap();
    assert!(tx.login("l2").unwrap().is_none());
    tx.insert_login(&login("l2", U, "sam")).unwrap();
    tx.commit().unwrap();
}

#[test]
fn two_stores_on_one_file_claim_each_draft_key_once() {
    const KEYS: usize = 400;
    const PER_TX: usize = 8;
    let db = TempDb::new("race");
    seed(&SqliteStore::open(db.path()).unwrap());
    let barrier = Barrier::new(2);
    let claimed: Vec<Vec<String>> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..2)
            .map(|worker| {
                let barrier = &barrier;
                let path = db.path().to_path_buf();
                s.spawn(move || {
                    let store = SqliteStore::open(&path).unwrap();
                    barrier.wait();
                    let mut mine = Vec::new();
                    // The second worker goes backwards: they meet midway.
                    let mut keys: Vec<usize> = (0..KEYS).collect();
                    if worker == 1 {
                        keys.reverse();
                    }
                    for batch in keys.chunks(PER_TX) {
                        let mut tx = store.begin().unwrap();
                        let mut won = Vec::new();
                        for k in batch {
                            let key = format!("draft-{k}");
                            let d = draft(&key, U, "100001", "2026-02-20T06:00:00Z");
                            if tx.claim_draft(&d).unwrap() {
                                won.push(key);
                            }
                        }
                        // Every other batch of the second worker is abandoned:
                        // its claims must not count.
                        if worker == 1 && batch[0] % (2 * PER_TX) == 0 {
                            drop(tx);
                        } else {
                            tx.commit().unwrap();
                            mine.extend(won);
                        }
                    }
                    mine
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });

    let mut all: Vec<&String> = claimed.iter().flatten().collect();
    let total = all.len();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), total, "a key was claimed twice");
    let store = SqliteStore::open(db.path()).unwrap();
    let mut tx = store.begin().unwrap();
    let stored = tx.drafts(U, "100001").unwrap();
    assert_eq!(stored.len(), total);
    // The abandoned batches' keys are claimed by the first worker (if it
    // came later) or still free: claiming every key now finds exactly the
    // free ones.
    let mut free = 0;
    for k in 0..KEYS {
        let key = format!("draft-{k}");
        if tx
            .claim_draft(&draft(&key, U, "100001", "2026-02-20T06:00:00Z"))
            .unwrap()
        {
            free += 1;
        }
    }
    assert_eq!(total + free, KEYS);
}

#[test]
fn options_change_the_timeout_cache_and_memory_map() {
    let defaults = SqliteOptions::default();
    assert_eq!(defaults.busy_timeout, DEFAULT_BUSY_TIMEOUT);
    assert_eq!(defaults.mmap_bytes, 0);
    let db = TempDb::new("options");
    let a = SqliteStore::open(db.path()).unwrap();
    seed(&a);
    let options = SqliteOptions {
        busy_timeout: Duration::from_millis(50),
        cache_kib: 512,
        mmap_bytes: 64 << 20,
    };
    let b = SqliteStore::open_with(db.path(), options).unwrap();
    let mut tx = b.begin().unwrap();
    same(&tx.login("l1").unwrap().unwrap(), &login("l1", U, "pat"));
    tx.put_link(&link("l1", U, "100001", Role::Owner)).unwrap();
    tx.commit().unwrap();

    // The busy timeout applies: with another store's transaction open, a
    // write transaction waits 50 ms, then reports Busy.
    let tx = a.begin().unwrap();
    let err = b.begin().err().unwrap();
    assert_eq!(err.kind, StorageErrorKind::Busy, "{}", err.message);
    drop(tx);
    assert!(b.begin().is_ok());
}

#[test]
fn a_read_transaction_neither_waits_for_nor_holds_off_a_writer() {
    let db = TempDb::new("read");
    let a = SqliteStore::open(db.path()).unwrap();
    let b = SqliteStore::open(db.path()).unwrap();
    b.set_busy_timeout(Duration::from_millis(50)).unwrap();
    seed(&a);

    // A writer holds the lock: a read goes ahead and sees only commits.
    let mut write = a.begin().unwrap();
    write.insert_login(&login("l2", U, "sam")).unwrap();
    let mut read = b.begin_read().unwrap();
    assert!(read.login("l1").unwrap().is_some());
    assert!(read.login("l2").unwrap().is_none());
    // The writer commits while the read is open; the read keeps its snapshot.
    write.commit().unwrap();
    assert!(read.login("l2").unwrap().is_none());
    drop(read);
    let mut read = b.begin_read().unwrap();
    assert!(read.login("l2").unwrap().is_some());

    // Writes through a read transaction are refused and change nothing.
    let err = read.insert_login(&login("l3", U, "kim")).unwrap_err();
    assert_eq!(err.kind, StorageErrorKind::Backend);
    assert!(err.message.contains("read-only"), "{}", err.message);
    assert!(read
        .claim_draft(&draft("k1", U, "100001", "2026-02-20T06:00:00Z"))
        .is_err());
    read.commit().unwrap();
    let mut tx = a.begin().unwrap();
    assert!(tx.login("l3").unwrap().is_none());
    assert!(tx.drafts(U, "100001").unwrap().is_empty());
}

#[test]
fn opening_an_up_to_date_database_does_not_wait_for_a_writer() {
    let db = TempDb::new("open-while-writing");
    let a = SqliteStore::open(db.path()).unwrap();
    seed(&a);
    let _write = a.begin().unwrap();
    let options = SqliteOptions {
        busy_timeout: Duration::from_millis(50),
        ..SqliteOptions::default()
    };
    let b = SqliteStore::open_with(db.path(), options).unwrap();
    assert!(b.begin_read().unwrap().login("l1").unwrap().is_some());
}
