//! The database schema as a versioned list of migrations (SQL files under
//! `migrations/`, embedded in the build), and the code that brings a schema
//! up to date. The `schema_migrations` table lists the migrations applied
//! (version, name, when). Opening applies the missing ones in order in one
//! transaction holding a transaction-scoped advisory lock keyed by the
//! schema (`pg_advisory_xact_lock`), so two processes opening a fresh
//! database at once migrate it once, and refuses a schema from a newer
//! version before changing anything.

use postgres::{Client, GenericClient};
use ratepayer_portal::store::{StorageError, StorageErrorKind, StoreResult};

use crate::error::db;

/// The migrations, in order: (name, SQL). Never edit a released one;
/// append a new one.
const MIGRATIONS: &[(&str, &str)] = &[
    (
        // Every table of the storage port, as the SQLite adapter's migrations
        // 1 to 6 leave them.
        "tables",
        include_str!("migrations/001_tables.sql"),
    ),
    (
        // The AutoPay cycles shared by runners: each cycle's list of
        // batches, claimed, worked and marked done one transaction each.
        "autopay_cycles",
        include_str!("migrations/002_autopay_cycles.sql"),
    ),
    (
        // Half of each page of `charges` kept free, so that paying a charge
        // writes its new version on the same page (a HOT update).
        "charges_fillfactor",
        include_str!("migrations/003_charges_fillfactor.sql"),
    ),
    (
        // `payment_accounts` rows are written by their payment's own
        // statement: no foreign-key trigger a row.
        "payment_accounts_unchecked",
        include_str!("migrations/004_payment_accounts_unchecked.sql"),
    ),
];

/// The schema version this build writes: the number of migrations it knows.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// The advisory lock class of migrations (the second key is the schema's):
/// "rpmg" in ASCII.
const MIGRATION_LOCK_CLASS: i32 = 0x7270_6d67;

/// A stable 32-bit key of a schema name (FNV-1a), for advisory locks: the
/// same in every process and every version of this crate.
pub(crate) fn schema_key(schema: &str) -> i32 {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in schema.bytes() {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    i32::from_ne_bytes(hash.to_ne_bytes())
}

/// `schema` quoted as an SQL identifier. Refuses what PostgreSQL cannot
/// name a schema: an empty name, a NUL, or more than 63 bytes (the server
/// would cut it short, so two names could meet in one schema).
pub(crate) fn quote_ident(schema: &str) -> StoreResult<String> {
    if schema.is_empty() || schema.contains('\0') || schema.len() > 63 {
        return Err(StorageError::new(
            StorageErrorKind::Backend,
            format!(
                "`{}` cannot name a PostgreSQL schema: give 1 to 63 bytes without a NUL",
                schema.escape_debug()
            ),
        ));
    }
    Ok(format!("\"{}\"", schema.replace('"', "\"\"")))
}

/// The highest migration recorded in the schema (0 when it has none), or
/// `None` when it has no `schema_migrations` table.
pub(crate) fn recorded(client: &mut impl GenericClient) -> StoreResult<Option<i64>> {
    let what = "reading the schema version";
    let row = client
        .query_one("SELECT to_regclass('schema_migrations') IS NOT NULL", &[])
        .map_err(|e| db(what, &e))?;
    let exists: bool = row.try_get(0).map_err(|e| db(what, &e))?;
    if !exists {
        return Ok(None);
    }
    let row = client
        .query_one(
            "SELECT coalesce(max(version), 0) FROM schema_migrations",
            &[],
        )
        .map_err(|e| db(what, &e))?;
    Ok(Some(row.try_get(0).map_err(|e| db(what, &e))?))
}

/// Refuses a schema version this build does not know (a newer one).
pub(crate) fn refuse_newer(current: i64, schema: &str) -> StoreResult<()> {
    let known = i64::from(SCHEMA_VERSION);
    if current > known || current < 0 {
        return Err(StorageError::new(
            StorageErrorKind::Corrupt,
            format!(
                "the schema `{schema}` has version {current}, but this build of \
                 ratepayer-postgres knows versions up to {known}: it was written by a newer \
                 version; open it with that version (or newer), or restore a backup"
            ),
        ));
    }
    Ok(())
}

/// Brings `schema` up to date on `client` (whose search path names it
/// first), creating the schema when it is missing. One transaction under
/// the schema's migration lock: whoever gets the lock second finds the work
/// done. Safe to call on every open.
pub(crate) fn migrate(client: &mut Client, schema: &str) -> StoreResult<()> {
    let what = "migrating the database schema";
    let key = schema_key(schema);
    let mut tx = client.transaction().map_err(|e| db(what, &e))?;
    tx.execute(
        "SELECT pg_advisory_xact_lock($1, $2)",
        &[&MIGRATION_LOCK_CLASS, &key],
    )
    .map_err(|e| db("waiting for another process's migration", &e))?;
    let exists: bool = tx
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)",
            &[&schema],
        )
        .and_then(|r| r.try_get(0))
        .map_err(|e| db(what, &e))?;
    if !exists {
        tx.batch_execute(&format!("CREATE SCHEMA {}", quote_ident(schema)?))
            .map_err(|e| db(&format!("creating the schema `{schema}`"), &e))?;
    }
    let current = match recorded(&mut tx)? {
        Some(v) => v,
        None => {
            tx.batch_execute(
                "CREATE TABLE schema_migrations (
                     version    BIGINT PRIMARY KEY,
                     name       TEXT NOT NULL,
                     applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
                 )",
            )
            .map_err(|e| db("creating the table of migrations", &e))?;
            0
        }
    };
    refuse_newer(current, schema)?;
    for (version, (name, sql)) in (1_i64..).zip(MIGRATIONS) {
        if version <= current {
            continue;
        }
        tx.batch_execute(sql)
            .map_err(|e| db(&format!("applying schema migration {version} ({name})"), &e))?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
            &[&version, name],
        )
        .map_err(|e| db(&format!("recording schema migration {version}"), &e))?;
    }
    tx.commit().map_err(|e| db(what, &e))
}
