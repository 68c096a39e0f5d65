//! A transaction on a [`SqliteStore`](crate::SqliteStore): it holds a
//! connection for its whole life (the store's write connection, or one of
//! its read connections), starts with `BEGIN IMMEDIATE`
//! (or `BEGIN DEFERRED` for a read-only transaction), ends with `COMMIT` in
//! [`Tx::commit`], and rolls back when dropped uncommitted. The port's methods are implemented in the submodules, one
//! per trait, over cached prepared statements.

mod account;
mod allocation_record;
mod audit;
mod draft_record;
mod intents;
mod login;
mod money;
mod outbox;
mod outbox_record;
mod payment_record;
mod security;

use std::sync::MutexGuard;

use chrono::{DateTime, Utc};
use ratepayer::Money;
use ratepayer_portal::store::{StorageError, StorageErrorKind, StoreResult, Tx};
use rusqlite::{Connection, Params};
use serde::de::DeserializeOwned;

use crate::error::{db, from_json};

/// An open transaction.
pub(crate) struct SqliteTx<'a> {
    conn: MutexGuard<'a, Connection>,
    /// True until committed: dropping it then rolls back.
    open: bool,
    /// A read-only transaction: every write is refused.
    read_only: bool,
}

impl<'a> SqliteTx<'a> {
    /// Starts a write transaction on the connection, waiting for another
    /// connection's write lock up to the busy timeout.
    pub(crate) fn begin(conn: MutexGuard<'a, Connection>) -> StoreResult<SqliteTx<'a>> {
        SqliteTx::start(conn, "BEGIN IMMEDIATE", false)
    }

    /// Starts a read-only transaction: a snapshot of the committed data
    /// (taken at its first read) that neither waits for nor holds off a
    /// writer in WAL mode.
    pub(crate) fn begin_read(conn: MutexGuard<'a, Connection>) -> StoreResult<SqliteTx<'a>> {
        SqliteTx::start(conn, "BEGIN DEFERRED", true)
    }

    fn start(
        conn: MutexGuard<'a, Connection>,
        sql: &str,
        read_only: bool,
    ) -> StoreResult<SqliteTx<'a>> {
        if !conn.is_autocommit() {
            // Left open by a failed commit or rollback: start clean.
            conn.execute_batch("ROLLBACK")
                .map_err(|e| db("rolling back an unfinished transaction", e))?;
        }
        conn.execute_batch(sql)
            .map_err(|e| db("starting a transaction", e))?;
        Ok(SqliteTx {
            conn,
            open: true,
            read_only,
        })
    }

    /// Fails when SQLite ended the transaction itself (it rolls back the
    /// whole transaction on some errors, such as a full disk): a further
    /// statement would otherwise run, and commit, on its own.
    fn live(&self, what: &str) -> StoreResult<()> {
        if self.conn.is_autocommit() {
            return Err(StorageError::new(
                StorageErrorKind::Backend,
                format!(
                    "{what} failed: the transaction was rolled back after an earlier error; \
                     begin a new transaction and start the operation again"
                ),
            ));
        }
        Ok(())
    }

    /// Runs a statement that changes rows; the number of rows changed.
    fn exec(&self, what: &str, sql: &str, params: impl Params) -> StoreResult<usize> {
        if self.read_only {
            return Err(StorageError::new(
                StorageErrorKind::Backend,
                format!(
                    "{what} failed: the transaction is read-only; write in a transaction \
                     from `Store::begin`"
                ),
            ));
        }
        self.live(what)?;
        let mut stmt = self.conn.prepare_cached(sql).map_err(|e| db(what, e))?;
        stmt.execute(params).map_err(|e| db(what, e))
    }

    /// Every record a query's first column (JSON) holds, in the query's order.
    fn all<T: DeserializeOwned>(
        &self,
        what: &str,
        sql: &str,
        params: impl Params,
    ) -> StoreResult<Vec<T>> {
        self.live(what)?;
        let mut stmt = self.conn.prepare_cached(sql).map_err(|e| db(what, e))?;
        let mut rows = stmt.query(params).map_err(|e| db(what, e))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(|e| db(what, e))? {
            out.push(json_column(what, row)?);
        }
        Ok(out)
    }

    /// The record of a query's first row, if any.
    fn one<T: DeserializeOwned>(
        &self,
        what: &str,
        sql: &str,
        params: impl Params,
    ) -> StoreResult<Option<T>> {
        self.live(what)?;
        let mut stmt = self.conn.prepare_cached(sql).map_err(|e| db(what, e))?;
        let mut rows = stmt.query(params).map_err(|e| db(what, e))?;
        match rows.next().map_err(|e| db(what, e))? {
            Some(row) => Ok(Some(json_column(what, row)?)),
            None => Ok(None),
        }
    }
}

impl SqliteTx<'_> {
    /// The payments a query lists: `tail` is the query after its `SELECT`
    /// list (`FROM`, over `payments` aliased `p`, and the rest).
    fn payments_where(
        &self,
        what: &str,
        tail: &str,
        params: impl Params,
    ) -> StoreResult<Vec<ratepayer_portal::store::PaymentRow>> {
        self.live(what)?;
        let sql = format!("SELECT {} {tail}", payment_record::PAYMENT_COLUMNS);
        let mut stmt = self.conn.prepare_cached(&sql).map_err(|e| db(what, e))?;
        let mut rows = stmt.query(params).map_err(|e| db(what, e))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(|e| db(what, e))? {
            out.push(payment_record::payment_at(what, row)?);
        }
        Ok(out)
    }
}

/// How many rows a batch read by account range may step through per
/// account asked for (plus a little) before it gives up and reads each
/// account on its own: the range of a batch holds rows of accounts not in
/// the batch too (accounts not enrolled), and past this share, point reads
/// are cheaper.
const RANGE_ROWS_PER_ACCOUNT: usize = 4;

impl SqliteTx<'_> {
    /// For each of `accounts` (strictly ascending), the values of the rows
    /// that `sql` lists for it: `sql` takes the utility, the first and the
    /// last account (`?1`, `?2`, `?3`), selects the account first and lists
    /// the range in account order. `None` when the accounts are not in
    /// strictly ascending order, or the range holds too many other rows
    /// (see [`RANGE_ROWS_PER_ACCOUNT`]): read them one by one then.
    fn by_account_range<T>(
        &self,
        what: &str,
        sql: &str,
        utility: &str,
        accounts: &[&str],
        value: impl Fn(&rusqlite::Row<'_>) -> StoreResult<T>,
    ) -> StoreResult<Option<Vec<Vec<T>>>> {
        let (Some(first), Some(last)) = (accounts.first(), accounts.last()) else {
            return Ok(Some(Vec::new()));
        };
        if !accounts
            .iter()
            .zip(accounts.iter().skip(1))
            .all(|(a, b)| a < b)
        {
            return Ok(None);
        }
        self.live(what)?;
        let budget = accounts.len() * RANGE_ROWS_PER_ACCOUNT + 64;
        let mut stmt = self.conn.prepare_cached(sql).map_err(|e| db(what, e))?;
        let mut rows = stmt
            .query([utility, first, last])
            .map_err(|e| db(what, e))?;
        let mut out: Vec<Vec<T>> = accounts.iter().map(|_| Vec::new()).collect();
        let mut at = 0;
        let mut stepped = 0;
        while let Some(row) = rows.next().map_err(|e| db(what, e))? {
            stepped += 1;
            if stepped > budget {
                return Ok(None);
            }
            let key = row
                .get_ref(0)
                .map_err(|e| db(what, e))?
                .as_str()
                .map_err(|e| db(what, rusqlite::Error::from(e)))?;
            while accounts.get(at).is_some_and(|a| *a < key) {
                at += 1;
            }
            let (Some(want), Some(found)) = (accounts.get(at), out.get_mut(at)) else {
                break;
            };
            if *want == key {
                found.push(value(row)?);
            }
        }
        Ok(Some(out))
    }
}

/// The record in a row's column `i` (JSON).
fn json_at<T: DeserializeOwned>(what: &str, row: &rusqlite::Row<'_>, i: usize) -> StoreResult<T> {
    let text = row
        .get_ref(i)
        .map_err(|e| db(what, e))?
        .as_str()
        .map_err(|e| db(what, rusqlite::Error::from(e)))?;
    from_json(what, text)
}

/// The record in a row's first column.
fn json_column<T: DeserializeOwned>(what: &str, row: &rusqlite::Row<'_>) -> StoreResult<T> {
    let text = row
        .get_ref(0)
        .map_err(|e| db(what, e))?
        .as_str()
        .map_err(|e| db(what, rusqlite::Error::from(e)))?;
    from_json(what, text)
}

/// Replaces a conflict's message with `message` (other errors pass through).
fn conflict(e: StorageError, message: impl FnOnce() -> String) -> StorageError {
    if e.kind == StorageErrorKind::Conflict {
        StorageError::new(StorageErrorKind::Conflict, message())
    } else {
        e
    }
}

/// An amount as stored: its exact decimal string.
fn amount(m: &Money) -> String {
    m.amount().to_string()
}

/// An instant as two sortable integers: seconds and nanoseconds since 1970.
fn instant(at: &DateTime<Utc>) -> (i64, u32) {
    (at.timestamp(), at.timestamp_subsec_nanos())
}

impl Tx for SqliteTx<'_> {
    fn commit(mut self: Box<Self>) -> StoreResult<()> {
        self.conn
            .execute_batch("COMMIT")
            .map_err(|e| db("committing the transaction", e))?;
        self.open = false;
        Ok(())
    }
}

impl Drop for SqliteTx<'_> {
    fn drop(&mut self) {
        if self.open && !self.conn.is_autocommit() {
            // Nothing to report to: a failed rollback leaves the transaction
            // open, and the next `begin` rolls it back before starting.
            let _ = self.conn.execute_batch("ROLLBACK");
        }
    }
}
