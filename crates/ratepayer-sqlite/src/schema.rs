//! The database schema as a versioned list of migrations, and the code that
//! brings a database up to date. A database's version is its
//! `PRAGMA user_version`: the number of migrations applied. Opening applies
//! the missing ones in order, in one `BEGIN IMMEDIATE` transaction (so two
//! processes opening a fresh file at once migrate it once), and refuses a
//! database from a newer version.
//!
//! Every table keeps its record whole as JSON in a `data` column (what is
//! read back) and copies the fields it is looked up, ordered or checked by
//! into real columns with keys, foreign keys, unique constraints and
//! indexes. Money that is worth querying is kept as a decimal string with
//! its currency code beside it.

use ratepayer::store::{StorageError, StorageErrorKind, StoreResult};
use rusqlite::{Connection, TransactionBehavior};

use crate::error::db;

/// The migrations, in order; never edit a released one, append a new one.
const MIGRATIONS: &[&str] = &[
    // 1: every table of the storage port.
    r#"
CREATE TABLE logins (
    id        TEXT PRIMARY KEY NOT NULL,
    utility   TEXT NOT NULL,
    username  TEXT NOT NULL,
    email     TEXT NOT NULL,
    data      TEXT NOT NULL,
    UNIQUE (utility, username)
);

CREATE TABLE contacts (
    login     TEXT NOT NULL REFERENCES logins (id),
    contact   TEXT NOT NULL,
    verified  INTEGER NOT NULL,
    data      TEXT NOT NULL,
    PRIMARY KEY (login, contact)
);

CREATE TABLE codes (
    id        TEXT PRIMARY KEY NOT NULL,
    login     TEXT NOT NULL REFERENCES logins (id),
    data      TEXT NOT NULL
);
CREATE INDEX codes_by_login ON codes (login);

CREATE TABLE devices (
    id        TEXT PRIMARY KEY NOT NULL,
    login     TEXT NOT NULL REFERENCES logins (id),
    data      TEXT NOT NULL
);
CREATE INDEX devices_by_login ON devices (login, id);

CREATE TABLE accounts (
    utility   TEXT NOT NULL,
    number    TEXT NOT NULL,
    owner     TEXT,
    status    TEXT NOT NULL,
    currency  TEXT NOT NULL,
    credit    TEXT NOT NULL,
    data      TEXT NOT NULL,
    PRIMARY KEY (utility, number)
);

CREATE TABLE links (
    login     TEXT NOT NULL REFERENCES logins (id),
    utility   TEXT NOT NULL,
    account   TEXT NOT NULL,
    role      TEXT NOT NULL,
    data      TEXT NOT NULL,
    PRIMARY KEY (login, utility, account),
    FOREIGN KEY (utility, account) REFERENCES accounts (utility, number)
);
CREATE INDEX links_by_account ON links (utility, account);

CREATE TABLE bills (
    utility   TEXT NOT NULL,
    account   TEXT NOT NULL,
    bill_id   TEXT NOT NULL,
    bill_day  INTEGER NOT NULL,
    due_date  TEXT NOT NULL,
    total     TEXT NOT NULL,
    currency  TEXT NOT NULL,
    data      TEXT NOT NULL,
    PRIMARY KEY (utility, account, bill_id),
    FOREIGN KEY (utility, account) REFERENCES accounts (utility, number)
);
CREATE INDEX bills_by_date ON bills (utility, account, bill_day DESC, bill_id DESC);

CREATE TABLE charges (
    utility   TEXT NOT NULL,
    account   TEXT NOT NULL,
    charge_id TEXT NOT NULL,
    due_date  TEXT NOT NULL,
    amount    TEXT NOT NULL,
    currency  TEXT NOT NULL,
    data      TEXT NOT NULL,
    PRIMARY KEY (utility, account, charge_id),
    FOREIGN KEY (utility, account) REFERENCES accounts (utility, number)
);

CREATE TABLE payment_methods (
    seq       INTEGER PRIMARY KEY,
    id        TEXT NOT NULL UNIQUE,
    login     TEXT NOT NULL REFERENCES logins (id),
    data      TEXT NOT NULL
);
CREATE INDEX payment_methods_by_login ON payment_methods (login, seq);

CREATE TABLE payments (
    seq       INTEGER PRIMARY KEY,
    id        TEXT NOT NULL UNIQUE,
    utility   TEXT NOT NULL,
    login     TEXT NOT NULL,
    source    TEXT NOT NULL,
    amount    TEXT NOT NULL,
    fee       TEXT NOT NULL,
    total     TEXT NOT NULL,
    currency  TEXT NOT NULL,
    idempotency_key TEXT,
    at        TEXT NOT NULL,
    data      TEXT NOT NULL
);

CREATE TABLE payment_accounts (
    utility   TEXT NOT NULL,
    account   TEXT NOT NULL,
    payment   INTEGER NOT NULL REFERENCES payments (seq),
    PRIMARY KEY (utility, account, payment)
) WITHOUT ROWID;

CREATE TABLE enrolments (
    utility   TEXT NOT NULL,
    account   TEXT NOT NULL,
    login     TEXT NOT NULL,
    status    TEXT NOT NULL,
    data      TEXT NOT NULL,
    PRIMARY KEY (utility, account),
    FOREIGN KEY (utility, account) REFERENCES accounts (utility, number)
);
CREATE INDEX enrolments_active ON enrolments (utility, account) WHERE status = 'active';

CREATE TABLE drafts (
    idempotency_key TEXT PRIMARY KEY NOT NULL,
    utility   TEXT NOT NULL,
    account   TEXT NOT NULL,
    bill_id   TEXT NOT NULL,
    attempt   INTEGER NOT NULL,
    date      TEXT NOT NULL,
    total     TEXT NOT NULL,
    currency  TEXT NOT NULL,
    payment_id TEXT NOT NULL,
    executed_secs  INTEGER NOT NULL,
    executed_nanos INTEGER NOT NULL,
    data      TEXT NOT NULL
);
CREATE INDEX drafts_by_account
    ON drafts (utility, account, executed_secs, executed_nanos, attempt, idempotency_key);

CREATE TABLE audit (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    utility   TEXT NOT NULL,
    kind      TEXT NOT NULL,
    login     TEXT,
    account   TEXT,
    at        TEXT NOT NULL,
    data      TEXT NOT NULL
);
CREATE INDEX audit_by_utility ON audit (utility, seq);
"#,
    // 2: the security records of sign-in (throttle counters, send windows,
    // reset tokens, sessions), keyed by utility, kind and key.
    r#"
CREATE TABLE security_records (
    utility   TEXT NOT NULL,
    kind      TEXT NOT NULL,
    key       TEXT NOT NULL,
    login     TEXT,
    data      TEXT NOT NULL,
    PRIMARY KEY (utility, kind, key)
);
CREATE INDEX security_records_by_login ON security_records (utility, kind, login, key);
"#,
];

/// The schema version this build writes: the number of migrations it knows.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// The schema version of the database on `conn` (`PRAGMA user_version`).
pub(crate) fn version(conn: &Connection) -> StoreResult<i64> {
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(|e| db("reading the schema version", e))
}

/// Refuses a schema version this build does not know (a newer one).
pub(crate) fn refuse_newer(current: i64) -> StoreResult<()> {
    let known = i64::from(SCHEMA_VERSION);
    if current > known || current < 0 {
        return Err(StorageError::new(
            StorageErrorKind::Corrupt,
            format!(
                "the database has schema version {current}, but this build of \
                 ratepayer-sqlite knows versions up to {known}: it was written by a newer \
                 version; open it with that version (or newer), or restore a backup"
            ),
        ));
    }
    Ok(())
}

/// Applies every migration the database lacks, in one transaction (which
/// checks the version again under the write lock, so two connections
/// migrating at once apply each migration once); refuses a database from a
/// newer version. Safe to call on every open.
pub(crate) fn migrate(conn: &mut Connection) -> StoreResult<()> {
    let what = "migrating the database schema";
    // Up to date (the usual case): nothing to write, so no need to wait
    // for another connection's write lock.
    if version(conn)? == i64::from(SCHEMA_VERSION) {
        return Ok(());
    }
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(|e| db(what, e))?;
    let current = version(&tx)?;
    refuse_newer(current)?;
    for (next, sql) in (1_i64..).zip(MIGRATIONS) {
        if next <= current {
            continue;
        }
        tx.execute_batch(sql)
            .map_err(|e| db(&format!("applying schema migration {next}"), e))?;
        tx.pragma_update(None, "user_version", next)
            .map_err(|e| db(&format!("recording schema migration {next}"), e))?;
    }
    tx.commit().map_err(|e| db(what, e))
}
