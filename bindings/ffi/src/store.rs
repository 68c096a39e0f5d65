//! The storage port for a store implemented in Kotlin or Swift: a small
//! transactional key-value interface ([`ForeignKvStore`], exported
//! `with_foreign`) that the core's `KvStore` maps the whole port onto.
//! Transactions are handles: `begin` returns a number the app chooses, and
//! every later call names it; Rust always ends a transaction with exactly
//! one `commit` or `rollback`. A transaction must be isolated from others
//! until it commits (the simplest way: one lock from begin to commit or
//! rollback, working on a copy).

use std::sync::Arc;

use ratepayer::store::{KvBackend, KvTx, StorageError, StorageErrorKind, StoreResult};

use crate::RatepayerError;

/// One entry of a table.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct KvEntry {
    /// The key.
    pub key: String,
    /// The value (a JSON record).
    pub value: String,
}

/// A key-value database with transactions, implemented by the app.
/// Tables are named by strings and hold string keys and JSON values; an
/// exception thrown by any method fails the portal call with
/// `RatepayerError.Store` (a `RatepayerError.Store` with code
/// `store.busy` or `store.conflict` keeps that meaning).
#[uniffi::export(with_foreign)]
pub trait ForeignKvStore: Send + Sync {
    /// Opens a transaction and returns its handle.
    fn begin(&self) -> Result<u64, RatepayerError>;
    /// The value under `key` in `table`, or none.
    fn get(&self, tx: u64, table: String, key: String) -> Result<Option<String>, RatepayerError>;
    /// Stores `value` under `key`, replacing any value.
    fn put(&self, tx: u64, table: String, key: String, value: String)
        -> Result<(), RatepayerError>;
    /// Stores `value` unless `key` exists; true when stored now.
    fn put_if_absent(
        &self,
        tx: u64,
        table: String,
        key: String,
        value: String,
    ) -> Result<bool, RatepayerError>;
    /// Removes `key`; true when it existed.
    fn delete(&self, tx: u64, table: String, key: String) -> Result<bool, RatepayerError>;
    /// Every entry of `table` whose key starts with `prefix` (any order).
    fn scan(&self, tx: u64, table: String, prefix: String) -> Result<Vec<KvEntry>, RatepayerError>;
    /// Makes every change of the transaction visible at once and ends it.
    fn commit(&self, tx: u64) -> Result<(), RatepayerError>;
    /// Discards every change of the transaction and ends it.
    fn rollback(&self, tx: u64) -> Result<(), RatepayerError>;
}

/// A foreign store as the core's key-value backend.
pub(crate) struct ForeignBackend(pub(crate) Arc<dyn ForeignKvStore>);

fn storage(e: RatepayerError) -> StorageError {
    let kind = match e.code() {
        "store.busy" => StorageErrorKind::Busy,
        "store.conflict" => StorageErrorKind::Conflict,
        "store.not_found" => StorageErrorKind::NotFound,
        "store.corrupt" => StorageErrorKind::Corrupt,
        _ => StorageErrorKind::Backend,
    };
    StorageError::new(kind, format!("the app's store failed: {e}"))
}

impl KvBackend for ForeignBackend {
    fn begin(&self) -> StoreResult<Box<dyn KvTx + '_>> {
        let handle = self.0.begin().map_err(storage)?;
        Ok(Box::new(ForeignTx {
            store: &self.0,
            handle,
            open: true,
        }))
    }
}

struct ForeignTx<'a> {
    store: &'a Arc<dyn ForeignKvStore>,
    handle: u64,
    open: bool,
}

impl KvTx for ForeignTx<'_> {
    fn get(&mut self, table: &str, key: &str) -> StoreResult<Option<String>> {
        self.store
            .get(self.handle, table.into(), key.into())
            .map_err(storage)
    }

    fn put(&mut self, table: &str, key: &str, value: &str) -> StoreResult<()> {
        self.store
            .put(self.handle, table.into(), key.into(), value.into())
            .map_err(storage)
    }

    fn put_if_absent(&mut self, table: &str, key: &str, value: &str) -> StoreResult<bool> {
        self.store
            .put_if_absent(self.handle, table.into(), key.into(), value.into())
            .map_err(storage)
    }

    fn delete(&mut self, table: &str, key: &str) -> StoreResult<bool> {
        self.store
            .delete(self.handle, table.into(), key.into())
            .map_err(storage)
    }

    fn scan(&mut self, table: &str, prefix: &str) -> StoreResult<Vec<(String, String)>> {
        Ok(self
            .store
            .scan(self.handle, table.into(), prefix.into())
            .map_err(storage)?
            .into_iter()
            .map(|e| (e.key, e.value))
            .collect())
    }

    fn commit(mut self: Box<Self>) -> StoreResult<()> {
        self.open = false;
        self.store.commit(self.handle).map_err(storage)
    }
}

impl Drop for ForeignTx<'_> {
    fn drop(&mut self) {
        if self.open {
            // Nothing to report to: the call already failed or returned; a
            // store that cannot roll back keeps its uncommitted copy aside.
            let _ = self.store.rollback(self.handle);
        }
    }
}
