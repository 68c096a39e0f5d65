//! The database schema as a versioned list of migrations (SQL files under
//! `migrations/`, and code for a step SQL cannot do), and the code that
//! brings a database up to date. A database's version is its
//! `PRAGMA user_version`: the number of migrations applied. Opening applies
//! the missing ones in order, in one `BEGIN IMMEDIATE` transaction (so two
//! processes opening a fresh file at once migrate it once), and refuses a
//! database from a newer version.
//!
//! Every table keeps its record whole as JSON in a `data` column (what is
//! read back) and copies the fields it is looked up, ordered or checked by
//! into real columns with keys, foreign keys, unique constraints and
//! indexes; but for `payments`, `drafts`, `outbox` and `audit`, which since
//! version 7 keep in `data` only the fields they have no column for
//! (`tx/payment_record.rs`, `tx/draft_record.rs`, `tx/outbox_record.rs`,
//! `tx/audit.rs`), and a payment's status, which since version 8 lives in
//! the narrow `payment_status` table (with the processor's reference and
//! submission instant once handed off). Money that is worth querying is kept as a decimal string with
//! its currency code beside it.

use ratepayer_portal::store::{StorageError, StorageErrorKind, StoreResult};
use rusqlite::{Connection, TransactionBehavior};

use crate::error::db;

/// The migrations, in order; never edit a released one, append a new one.
const MIGRATIONS: &[Migration] = &[
    // 1: every table of the storage port.
    Migration::Sql(include_str!("migrations/001_tables.sql")),
    // 2: drafts keyed by (utility, idempotency key), and every stored key
    // re-derived with the utility in it (issue 16).
    Migration::Rust(crate::migrate_v2::apply),
    // 3: payment intents: stored quotes and clients' payment keys (issue 16).
    Migration::Sql(include_str!("migrations/003_payment_intents.sql")),
    // 4: the security records of sign-in (throttle counters, send windows,
    // reset tokens, sessions), keyed by utility, kind and key (issue 17).
    Migration::Sql(include_str!("migrations/004_security_records.sql")),
    // 5: payment status (pending, submitted, settled, returned, declined)
    // and the processor key; existing portal payments become settled and
    // existing drafts submitted (issue 16, the processor port).
    Migration::Sql(include_str!("migrations/005_payment_status.sql")),
    // 6: the outbox of messages to customers, unique per (utility, dedupe
    // key), delivered after the commit at least once (issue 16, notices).
    Migration::Sql(include_str!("migrations/006_outbox.sql")),
    // 7: payment, draft, outbox and audit records stored compact (the fields kept in
    // columns not repeated in `data`); no table changes, old records read
    // as before (issue 16, the AutoPay benchmark).
    Migration::Sql(include_str!("migrations/007_compact_records.sql")),
    // 8: a payment's status in a narrow table of its own (`payment_status`),
    // so a hand-off to the processor does not rewrite the payment's record
    // (issue 16, the AutoPay benchmark).
    Migration::Sql(include_str!("migrations/008_payment_status_table.sql")),
];

/// One step of the schema.
enum Migration {
    /// A batch of SQL statements.
    Sql(&'static str),
    /// Code, for a step SQL alone cannot do (re-deriving keys).
    Rust(fn(&Connection) -> StoreResult<()>),
}

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
    for (next, step) in (1_i64..).zip(MIGRATIONS) {
        if next <= current {
            continue;
        }
        match step {
            Migration::Sql(sql) => tx
                .execute_batch(sql)
                .map_err(|e| db(&format!("applying schema migration {next}"), e))?,
            Migration::Rust(apply) => apply(&tx)?,
        }
        tx.pragma_update(None, "user_version", next)
            .map_err(|e| db(&format!("recording schema migration {next}"), e))?;
    }
    tx.commit().map_err(|e| db(what, e))
}
