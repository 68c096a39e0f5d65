//! Migrations on PostgreSQL: an empty database (a schema that does not
//! exist yet) gets every table and its `schema_migrations` row on open;
//! reopening applies nothing again; a schema written by a newer version is
//! refused and left untouched; a schema at version 1 gets migration 2 (the
//! shared cycle's tables, the outbox's account column filled from each
//! record); processes opening a fresh schema at once
//! migrate it once (the advisory lock); `open` without a schema works in
//! the connection's current schema.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::TempSchema;
use ratepayer_portal::store::{StorageErrorKind, Store};
use ratepayer_postgres::{PostgresStore, SCHEMA_VERSION};

/// The migrations recorded: (version, name).
fn recorded(db: &TempSchema) -> Vec<(i64, String)> {
    db.client()
        .query(
            "SELECT version, name FROM schema_migrations ORDER BY version",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect()
}

/// The tables of the schema, by name.
fn tables(db: &TempSchema) -> Vec<String> {
    db.client()
        .query(
            "SELECT table_name::text FROM information_schema.tables
             WHERE table_schema = $1 ORDER BY table_name",
            &[&db.name()],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

#[test]
fn an_empty_database_gets_every_table_once() {
    let Some(db) = TempSchema::new("empty_database") else {
        return;
    };
    let store = db.open();
    assert_eq!(store.schema(), db.name());
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    assert_eq!(
        recorded(&db),
        [
            (1, "tables".to_owned()),
            (2, "autopay_cycles".to_owned()),
            (3, "charges_fillfactor".to_owned()),
            (4, "payment_accounts_unchecked".to_owned())
        ]
    );
    assert_eq!(
        tables(&db),
        [
            "accounts",
            "audit",
            "autopay_cycle_batches",
            "autopay_cycles",
            "bills",
            "charges",
            "codes",
            "contacts",
            "devices",
            "drafts",
            "enrolments",
            "links",
            "logins",
            "outbox",
            "payment_accounts",
            "payment_keys",
            "payment_methods",
            "payments",
            "quotes",
            "schema_migrations",
            "security_records",
        ]
    );
    let applied_at = |db: &TempSchema| -> String {
        db.client()
            .query_one(
                "SELECT applied_at::text FROM schema_migrations WHERE version = 1",
                &[],
            )
            .unwrap()
            .get(0)
    };
    let first = applied_at(&db);
    // Reopening (another store, as another process would) applies nothing.
    drop(store);
    let again = db.open();
    assert_eq!(again.schema_version().unwrap(), SCHEMA_VERSION);
    assert_eq!(recorded(&db).len(), SCHEMA_VERSION as usize);
    assert_eq!(applied_at(&db), first);
    let mut tx = again.begin().unwrap();
    assert!(tx.login("nobody").unwrap().is_none());
    tx.commit().unwrap();
}

/// Migration 3 leaves half of each page of `charges` free, so that paying a
/// charge writes its new version on its page (a HOT update, no new index
/// entry): the AutoPay cycle rewrites every charge it drafts.
#[test]
fn charges_keep_room_on_their_pages_for_the_paid_version() {
    let Some(db) = TempSchema::new("charges_fillfactor") else {
        return;
    };
    drop(db.open());
    let options: Option<Vec<String>> = db
        .client()
        .query_one(
            "SELECT c.reloptions FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = $1 AND c.relname = 'charges'",
            &[&db.name()],
        )
        .unwrap()
        .get(0);
    assert_eq!(options, Some(vec!["fillfactor=50".to_owned()]));
}

#[test]
fn a_newer_schema_is_refused_and_left_as_it_is() {
    let Some(db) = TempSchema::new("newer_schema") else {
        return;
    };
    drop(db.open());
    db.client()
        .execute(
            "INSERT INTO schema_migrations (version, name) VALUES (99, 'from the future')",
            &[],
        )
        .unwrap();
    let err = PostgresStore::open_in_schema(db.url(), db.name()).unwrap_err();
    assert_eq!(err.kind, StorageErrorKind::Corrupt);
    assert!(err.message.contains("version 99"), "{}", err.message);
    assert_eq!(recorded(&db).len(), SCHEMA_VERSION as usize + 1);
}

#[test]
fn a_schema_at_version_1_gets_the_shared_cycle_tables_and_its_outbox_accounts() {
    let Some(db) = TempSchema::new("from_version_1") else {
        return;
    };
    // A schema as version 1 left it, with a message about an account and
    // one about none.
    db.client()
        .batch_execute(&format!(
            "CREATE SCHEMA \"{}\";
             CREATE TABLE schema_migrations (
                 version BIGINT PRIMARY KEY, name TEXT NOT NULL,
                 applied_at TIMESTAMPTZ NOT NULL DEFAULT now());
             {}
             INSERT INTO schema_migrations (version, name) VALUES (1, 'tables');
             INSERT INTO outbox (utility, dedupe_key, kind, created_s, created_ns, next_s,
                                 next_ns, data)
             VALUES ('shelby', 'shelby:receipt:k1', 'receipt', 0, 0, 0, 0,
                     '{{\"utility\":\"shelby\",\"account\":\"000100001\"}}'),
                    ('shelby', 'shelby:contact-changed:l1', 'contact-changed', 0, 0, 0, 0,
                     '{{\"utility\":\"shelby\",\"account\":null}}');",
            db.name(),
            include_str!("../src/migrations/001_tables.sql")
        ))
        .unwrap();
    let store = db.open();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    let accounts: Vec<(String, Option<String>)> = db
        .client()
        .query(
            "SELECT dedupe_key, account FROM outbox ORDER BY dedupe_key",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert_eq!(
        accounts,
        [
            ("shelby:contact-changed:l1".to_owned(), None),
            ("shelby:receipt:k1".to_owned(), Some("000100001".to_owned())),
        ]
    );
    assert!(tables(&db).contains(&"autopay_cycle_batches".to_owned()));
}

#[test]
fn processes_opening_a_fresh_schema_at_once_migrate_it_once() {
    let Some(db) = TempSchema::new("opening_at_once") else {
        return;
    };
    let (url, name) = (db.url().to_owned(), db.name().to_owned());
    let openers: Vec<_> = (0..4)
        .map(|_| {
            let (url, name) = (url.clone(), name.clone());
            std::thread::spawn(move || PostgresStore::open_in_schema(&url, &name).map(|_| ()))
        })
        .collect();
    for opener in openers {
        opener.join().unwrap().unwrap();
    }
    assert_eq!(recorded(&db).len(), SCHEMA_VERSION as usize);
}

#[test]
fn open_works_in_the_current_schema() {
    let Some(db) = TempSchema::new("current_schema") else {
        return;
    };
    // A URL whose search path names a schema that does not exist: no
    // schema to hold the tables.
    let url = format!(
        "{} options='-c search_path={}'",
        key_value(db.url()),
        db.name()
    );
    let err = PostgresStore::open(&url).unwrap_err();
    assert_eq!(err.kind, StorageErrorKind::Backend);
    assert!(err.message.contains("open_in_schema"), "{}", err.message);
    // Once it exists, `open` makes its tables there.
    db.client()
        .batch_execute(&format!("CREATE SCHEMA \"{}\"", db.name()))
        .unwrap();
    let store = PostgresStore::open(&url).unwrap();
    assert_eq!(store.schema(), db.name());
    assert_eq!(recorded(&db).len(), SCHEMA_VERSION as usize);
}

/// `url` as a key=value connection string (to append `options` to).
fn key_value(url: &str) -> String {
    if !url.starts_with("postgres://") && !url.starts_with("postgresql://") {
        return url.to_owned();
    }
    let config: postgres::Config = url.parse().unwrap();
    let mut parts = Vec::new();
    if let Some(user) = config.get_user() {
        parts.push(format!("user='{user}'"));
    }
    if let Some(password) = config.get_password() {
        parts.push(format!("password='{}'", String::from_utf8_lossy(password)));
    }
    if let Some(dbname) = config.get_dbname() {
        parts.push(format!("dbname='{dbname}'"));
    }
    for host in config.get_hosts() {
        match host {
            postgres::config::Host::Tcp(h) => parts.push(format!("host='{h}'")),
            postgres::config::Host::Unix(p) => parts.push(format!("host='{}'", p.display())),
        }
    }
    if let Some(port) = config.get_ports().first() {
        parts.push(format!("port={port}"));
    }
    parts.join(" ")
}
