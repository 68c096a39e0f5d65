//! A transaction on a [`PostgresStore`](crate::PostgresStore): it holds one
//! pooled connection for its whole life, starts with `BEGIN ISOLATION LEVEL
//! SERIALIZABLE` (after taking the store's write lock, unless the store was
//! opened without it) or, read-only, `BEGIN ISOLATION LEVEL REPEATABLE READ
//! READ ONLY`; ends with `COMMIT` in [`Tx::commit`], and rolls back when
//! dropped uncommitted. The port's methods are implemented in the
//! submodules, one per trait, over the connection's prepared statements.
//!
//! PostgreSQL ends a transaction at its first failed statement: every later
//! statement would fail too, and a `COMMIT` would silently roll back. So the
//! first failure is kept: every later call answers with it (same kind), and
//! [`Tx::commit`] reports that nothing was written. Expected refusals do
//! not fail a statement: a key that is taken is found with `INSERT … ON
//! CONFLICT DO NOTHING` (no row inserted), so the transaction goes on after
//! a [`StorageErrorKind::Conflict`] as it does on SQLite.

mod account;
mod audit;
mod intents;
mod login;
mod money;
mod outbox;
mod pending;
mod security;
mod shared_cycle;

use chrono::{DateTime, Utc};
use postgres::types::ToSql;
use postgres::Row;
use r2d2::PooledConnection;
use ratepayer::Money;
use ratepayer_portal::store::{StorageError, StorageErrorKind, StoreResult, Tx};
use serde::de::DeserializeOwned;

use crate::error::{db, from_json};
use crate::pool::Manager;

/// A value bound to a statement's parameter: what rust-postgres sends, and
/// whether it holds a NUL character, which PostgreSQL text cannot store.
pub(crate) trait Param {
    /// The value as rust-postgres binds it.
    fn sql(&self) -> &(dyn ToSql + Sync);
    /// True when it is (or holds) text with U+0000 in it.
    fn has_nul(&self) -> bool;
}

macro_rules! plain_param {
    ($($t:ty),*) => {$(
        impl Param for $t {
            fn sql(&self) -> &(dyn ToSql + Sync) {
                self
            }
            fn has_nul(&self) -> bool {
                false
            }
        }
    )*};
}
plain_param!(i64, i32, bool, Option<i64>);

impl Param for String {
    fn sql(&self) -> &(dyn ToSql + Sync) {
        self
    }
    fn has_nul(&self) -> bool {
        self.contains('\0')
    }
}

impl Param for &str {
    fn sql(&self) -> &(dyn ToSql + Sync) {
        self
    }
    fn has_nul(&self) -> bool {
        self.contains('\0')
    }
}

impl Param for Option<String> {
    fn sql(&self) -> &(dyn ToSql + Sync) {
        self
    }
    fn has_nul(&self) -> bool {
        self.as_deref().is_some_and(|s| s.contains('\0'))
    }
}

impl Param for Option<&str> {
    fn sql(&self) -> &(dyn ToSql + Sync) {
        self
    }
    fn has_nul(&self) -> bool {
        self.is_some_and(|s| s.contains('\0'))
    }
}

impl Param for Vec<String> {
    fn sql(&self) -> &(dyn ToSql + Sync) {
        self
    }
    fn has_nul(&self) -> bool {
        self.iter().any(|s| s.contains('\0'))
    }
}

impl Param for Vec<Option<String>> {
    fn sql(&self) -> &(dyn ToSql + Sync) {
        self
    }
    fn has_nul(&self) -> bool {
        self.iter().flatten().any(|s| s.contains('\0'))
    }
}

impl Param for Vec<i64> {
    fn sql(&self) -> &(dyn ToSql + Sync) {
        self
    }
    fn has_nul(&self) -> bool {
        false
    }
}

impl Param for Vec<Option<i64>> {
    fn sql(&self) -> &(dyn ToSql + Sync) {
        self
    }
    fn has_nul(&self) -> bool {
        false
    }
}

impl Param for Vec<&str> {
    fn sql(&self) -> &(dyn ToSql + Sync) {
        self
    }
    fn has_nul(&self) -> bool {
        self.iter().any(|s| s.contains('\0'))
    }
}

/// What a transaction is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A write transaction: `SERIALIZABLE`.
    Write,
    /// A read transaction: `REPEATABLE READ READ ONLY`.
    Read,
    /// A batch of a shared AutoPay cycle: `READ COMMITTED`, with the rows
    /// of its batch locked as it reads them, and ended by the server after
    /// a minute without a statement (a runner that hangs or loses its
    /// network then releases its batch too).
    CycleBatch,
}

/// An open transaction.
pub(crate) struct PgTx<'a> {
    conn: PooledConnection<Manager>,
    /// The SQL that releases the store's write lock, while this transaction
    /// holds it.
    unlock: Option<&'a str>,
    /// True until committed or rolled back.
    open: bool,
    /// A read-only transaction: every write is refused.
    read_only: bool,
    /// The transaction of a batch of a shared AutoPay cycle (`READ
    /// COMMITTED`, without the store's write lock): the enrolments and
    /// charges it reads for the batch are locked until it ends.
    cycle_batch: bool,
    /// The first statement that failed: PostgreSQL has aborted the
    /// transaction, so every later call answers with it.
    failed: Option<StorageError>,
    /// In a batch of a shared AutoPay cycle, the writes held back until
    /// the commit (see `pending`).
    pending: Option<Box<pending::Pending>>,
}

impl<'a> PgTx<'a> {
    /// Starts a transaction of `kind` on `conn`, after running `lock` (and
    /// then releasing it with `unlock` at the end) when given.
    pub(crate) fn begin(
        mut conn: PooledConnection<Manager>,
        lock: Option<(&'a str, &'a str)>,
        kind: Kind,
    ) -> StoreResult<PgTx<'a>> {
        // The lock comes before BEGIN: a serializable transaction takes its
        // snapshot at its first statement, which must see what the previous
        // holder of the lock committed.
        let mut unlock = None;
        if let Some((lock_sql, unlock_sql)) = lock {
            conn.client
                .batch_execute(lock_sql)
                .map_err(|e| db("waiting for the store's write lock", &e))?;
            unlock = Some(unlock_sql);
        }
        let begin = match kind {
            Kind::Read => "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
            Kind::Write => "BEGIN ISOLATION LEVEL SERIALIZABLE",
            Kind::CycleBatch => {
                "BEGIN ISOLATION LEVEL READ COMMITTED; \
                 SET LOCAL idle_in_transaction_session_timeout = 60000"
            }
        };
        let mut tx = PgTx {
            conn,
            unlock,
            open: false,
            read_only: kind == Kind::Read,
            cycle_batch: kind == Kind::CycleBatch,
            failed: None,
            pending: (kind == Kind::CycleBatch).then(Box::default),
        };
        // On failure, dropping `tx` releases the lock, and rolls back
        // whatever part of `begin` ran (a ROLLBACK outside a transaction is
        // only a warning).
        tx.open = true;
        tx.conn
            .client
            .batch_execute(begin)
            .map_err(|e| db("starting a transaction", &e))?;
        Ok(tx)
    }

    /// Fails with the first failure of the transaction, if any.
    fn live(&self, what: &str) -> StoreResult<()> {
        match &self.failed {
            None => Ok(()),
            Some(first) => Err(StorageError::new(
                first.kind,
                format!(
                    "{what} failed: the transaction was aborted by an earlier failure ({}); \
                     begin a new transaction and start the operation again",
                    first.message
                ),
            )),
        }
    }

    /// Records a failed statement (PostgreSQL aborted the transaction) and
    /// returns its error.
    fn fail(&mut self, what: &str, e: &postgres::Error) -> StorageError {
        let err = db(what, e);
        if self.failed.is_none() {
            self.failed = Some(err.clone());
        }
        err
    }

    /// Runs `sql` with `params` on the connection's prepared statement.
    fn run(
        &mut self,
        what: &str,
        sql: &'static str,
        params: &[&dyn Param],
        rows: bool,
    ) -> StoreResult<(u64, Vec<Row>)> {
        let bound: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| p.sql()).collect();
        let done = match self.conn.statement(sql) {
            Ok(stmt) if rows => self.conn.client.query(&stmt, &bound).map(|r| (0, r)),
            Ok(stmt) => self
                .conn
                .client
                .execute(&stmt, &bound)
                .map(|n| (n, Vec::new())),
            Err(e) => Err(e),
        };
        done.map_err(|e| self.fail(what, &e))
    }

    /// Runs a statement that changes rows; the number of rows changed.
    /// Text with a NUL character is refused before anything is sent (the
    /// transaction goes on).
    fn exec(&mut self, what: &str, sql: &'static str, params: &[&dyn Param]) -> StoreResult<u64> {
        self.writable(what)?;
        self.flush()?;
        if params.iter().any(|p| p.has_nul()) {
            return Err(nul(what));
        }
        Ok(self.run(what, sql, params, false)?.0)
    }

    /// Runs a statement that changes rows and returns some (`RETURNING`).
    fn exec_returning(
        &mut self,
        what: &str,
        sql: &'static str,
        params: &[&dyn Param],
    ) -> StoreResult<Vec<Row>> {
        self.writable(what)?;
        self.flush()?;
        if params.iter().any(|p| p.has_nul()) {
            return Err(nul(what));
        }
        Ok(self.run(what, sql, params, true)?.1)
    }

    /// Fails when the transaction cannot write (read-only, or aborted).
    fn writable(&self, what: &str) -> StoreResult<()> {
        if self.read_only {
            return Err(StorageError::new(
                StorageErrorKind::Backend,
                format!(
                    "{what} failed: the transaction is read-only; write in a transaction \
                     from `Store::begin`"
                ),
            ));
        }
        self.live(what)
    }

    /// The rows of a query. A key with a NUL character matches no stored
    /// row (none can hold one), so the answer is no rows. What a batch of
    /// the AutoPay cycle holds back is sent first, so the query sees it.
    fn query(
        &mut self,
        what: &str,
        sql: &'static str,
        params: &[&dyn Param],
    ) -> StoreResult<Vec<Row>> {
        self.live(what)?;
        self.flush()?;
        self.query_past_held(what, sql, params)
    }

    /// [`PgTx::query`] without first sending what is held back: for the
    /// tables nothing is held back for (logins, bills).
    fn query_past_held(
        &mut self,
        what: &str,
        sql: &'static str,
        params: &[&dyn Param],
    ) -> StoreResult<Vec<Row>> {
        self.live(what)?;
        if params.iter().any(|p| p.has_nul()) {
            return Ok(Vec::new());
        }
        Ok(self.run(what, sql, params, true)?.1)
    }

    /// Every record a query's first column (JSON) holds, in the query's order.
    fn all<T: DeserializeOwned>(
        &mut self,
        what: &str,
        sql: &'static str,
        params: &[&dyn Param],
    ) -> StoreResult<Vec<T>> {
        self.query(what, sql, params)?
            .iter()
            .map(|row| json_at(what, row, 0))
            .collect()
    }

    /// The record of a query's first row, if any.
    fn one<T: DeserializeOwned>(
        &mut self,
        what: &str,
        sql: &'static str,
        params: &[&dyn Param],
    ) -> StoreResult<Option<T>> {
        match self.query(what, sql, params)?.first() {
            Some(row) => Ok(Some(json_at(what, row, 0)?)),
            None => Ok(None),
        }
    }

    /// Releases the store's write lock, if this transaction holds it.
    fn release_lock(&mut self) {
        if let Some(unlock) = self.unlock.take() {
            if self.conn.client.batch_execute(unlock).is_err() {
                // Still held, maybe: the pool drops the connection, and the
                // server releases a session's locks when it ends.
                self.conn.broken = true;
            }
        }
    }
}

/// The error for text with a NUL character.
fn nul(what: &str) -> StorageError {
    StorageError::new(
        StorageErrorKind::Backend,
        format!(
            "{what} failed: a key or column value holds the NUL character (U+0000), which \
             PostgreSQL text cannot store; nothing was written and the transaction goes on"
        ),
    )
}

/// The text of a row's column `i`.
fn text_at<'r>(what: &str, row: &'r Row, i: usize) -> StoreResult<&'r str> {
    row.try_get(i).map_err(|e| {
        StorageError::new(
            StorageErrorKind::Corrupt,
            format!("{what} failed: a stored column could not be read as text: {e}"),
        )
    })
}

/// The record in a row's column `i` (JSON).
fn json_at<T: DeserializeOwned>(what: &str, row: &Row, i: usize) -> StoreResult<T> {
    from_json(what, text_at(what, row, i)?)
}

/// An amount as stored: its exact decimal string.
fn amount(m: &Money) -> String {
    m.amount().to_string()
}

/// An instant as two sortable integers: seconds and nanoseconds since 1970.
fn instant(at: &DateTime<Utc>) -> (i64, i64) {
    (at.timestamp(), i64::from(at.timestamp_subsec_nanos()))
}

impl Tx for PgTx<'_> {
    fn commit(mut self: Box<Self>) -> StoreResult<()> {
        if let Some(first) = self.failed.take() {
            // PostgreSQL would answer COMMIT with a rollback: say so.
            return Err(StorageError::new(
                first.kind,
                format!(
                    "committing the transaction failed: nothing was written, since an earlier \
                     statement failed ({})",
                    first.message
                ),
            ));
        }
        // What a batch of the AutoPay cycle held back goes in first; if it
        // cannot, dropping the transaction rolls everything back.
        self.flush().map_err(|e| {
            StorageError::new(e.kind, format!("committing the transaction: {}", e.message))
        })?;
        let done = self.conn.client.batch_execute("COMMIT");
        self.open = false;
        if let Err(e) = &done {
            if e.as_db_error().is_none() {
                // The connection failed: whether the commit happened is
                // unknown, and the connection is not reused.
                self.conn.broken = true;
            }
        }
        self.release_lock();
        done.map_err(|e| db("committing the transaction", &e))
    }
}

impl Drop for PgTx<'_> {
    fn drop(&mut self) {
        if self.open && self.conn.client.batch_execute("ROLLBACK").is_err() {
            // Nothing to report to: the pool drops the connection (the
            // server rolls back a transaction whose session ends).
            self.conn.broken = true;
        }
        self.release_lock();
    }
}
