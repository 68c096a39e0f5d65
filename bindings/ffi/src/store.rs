//! The storage port for a store implemented in Kotlin or Swift: a small
//! transactional key-value interface ([`ForeignKvStore`], exported
//! `with_foreign`) that the core's `KvStore` maps the whole port onto.
//! Transactions are handles: `begin` returns a number the app chooses, and
//! every later call names it; Rust always ends a transaction with exactly
//! one `commit` or `rollback`. A transaction must be isolated from others
//! until it commits (the simplest way: one lock from begin to commit or
//! rollback, working on a copy).

use std::sync::Arc;

use ratepayer_portal::store::{KvBackend, KvTx, StorageError, StorageErrorKind, StoreResult};

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

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::sync::Mutex;

    use ratepayer_portal::store::{KvStore, Store};

    use super::*;

    type Tables = BTreeMap<String, BTreeMap<String, String>>;

    /// A foreign store written in Rust, recording the calls that end a
    /// transaction; `fail_begin` makes `begin` throw like an app would.
    #[derive(Default)]
    struct Recording {
        committed: Mutex<Tables>,
        open: Mutex<BTreeMap<u64, Tables>>,
        ended: Mutex<Vec<String>>,
        fail_begin: Option<&'static str>,
    }

    impl Recording {
        fn with<R>(&self, tx: u64, f: impl FnOnce(&mut Tables) -> R) -> Result<R, RatepayerError> {
            let mut open = self
                .open
                .lock()
                .map_err(|_| RatepayerError::input("t", "lock"))?;
            let t = open
                .get_mut(&tx)
                .ok_or_else(|| RatepayerError::input("t", "no such transaction"))?;
            Ok(f(t))
        }
    }

    impl ForeignKvStore for Recording {
        fn begin(&self) -> Result<u64, RatepayerError> {
            if let Some(code) = self.fail_begin {
                return Err(RatepayerError::Store {
                    code: code.into(),
                    detail: "the app said no".into(),
                });
            }
            let copy = self.committed.lock().map(|c| c.clone()).unwrap_or_default();
            let mut open = self
                .open
                .lock()
                .map_err(|_| RatepayerError::input("t", "lock"))?;
            let id = open.len() as u64 + 1;
            open.insert(id, copy);
            Ok(id)
        }
        fn get(
            &self,
            tx: u64,
            table: String,
            key: String,
        ) -> Result<Option<String>, RatepayerError> {
            self.with(tx, |t| t.get(&table).and_then(|m| m.get(&key)).cloned())
        }
        fn put(
            &self,
            tx: u64,
            table: String,
            key: String,
            value: String,
        ) -> Result<(), RatepayerError> {
            self.with(tx, |t| {
                t.entry(table).or_default().insert(key, value);
            })
        }
        fn put_if_absent(
            &self,
            tx: u64,
            table: String,
            key: String,
            value: String,
        ) -> Result<bool, RatepayerError> {
            self.with(tx, |t| {
                let m = t.entry(table).or_default();
                if m.contains_key(&key) {
                    return false;
                }
                m.insert(key, value);
                true
            })
        }
        fn delete(&self, tx: u64, table: String, key: String) -> Result<bool, RatepayerError> {
            self.with(tx, |t| {
                t.get_mut(&table).and_then(|m| m.remove(&key)).is_some()
            })
        }
        fn scan(
            &self,
            tx: u64,
            table: String,
            prefix: String,
        ) -> Result<Vec<KvEntry>, RatepayerError> {
            // Reverse order on purpose: the adapter sorts.
            self.with(tx, |t| {
                t.get(&table)
                    .map(|m| {
                        m.iter()
                            .rev()
                            .filter(|(k, _)| k.starts_with(&prefix))
                            .map(|(k, v)| KvEntry {
                                key: k.clone(),
                                value: v.clone(),
                            })
                            .collect()
                    })
                    .unwrap_or_default()
            })
        }
        fn commit(&self, tx: u64) -> Result<(), RatepayerError> {
            let work = self.with(tx, std::mem::take)?;
            if let Ok(mut c) = self.committed.lock() {
                *c = work;
            }
            if let Ok(mut e) = self.ended.lock() {
                e.push(format!("commit {tx}"));
            }
            Ok(())
        }
        fn rollback(&self, tx: u64) -> Result<(), RatepayerError> {
            if let Ok(mut e) = self.ended.lock() {
                e.push(format!("rollback {tx}"));
            }
            Ok(())
        }
    }

    fn event(detail: &str) -> ratepayer_portal::store::AuditEvent {
        ratepayer_portal::store::AuditEvent {
            at: chrono::DateTime::UNIX_EPOCH,
            utility: "shelby".into(),
            kind: ratepayer_portal::store::AuditKind::BillPosted,
            login: None,
            account: None,
            detail: detail.into(),
        }
    }

    #[test]
    fn commits_are_visible_and_dropped_transactions_roll_back() -> Result<(), StorageError> {
        let app = Arc::new(Recording::default());
        let store = KvStore::new(ForeignBackend(app.clone()));
        let mut tx = store.begin()?;
        tx.append_audit(&event("first"))?;
        tx.append_audit(&event("second"))?;
        tx.commit()?;
        {
            let mut tx = store.begin()?;
            tx.append_audit(&event("never"))?;
        }
        let mut tx = store.begin()?;
        let details: Vec<String> = tx
            .audit_events("shelby")?
            .into_iter()
            .map(|e| e.detail)
            .collect();
        assert_eq!(
            details,
            ["first", "second"],
            "in order, the dropped one gone"
        );
        drop(tx);
        let ended = app.ended.lock().map(|e| e.clone()).unwrap_or_default();
        assert_eq!(ended, ["commit 1", "rollback 2", "rollback 3"]);
        Ok(())
    }

    #[test]
    fn the_app_s_errors_keep_their_meaning() {
        for (code, kind) in [
            ("store.busy", StorageErrorKind::Busy),
            ("store.conflict", StorageErrorKind::Conflict),
            ("anything.else", StorageErrorKind::Backend),
        ] {
            let app = Arc::new(Recording {
                fail_begin: Some(code),
                ..Recording::default()
            });
            let store = KvStore::new(ForeignBackend(app));
            let failure = store.begin().err();
            assert_eq!(failure.as_ref().map(|e| e.kind), Some(kind));
            let message = failure.map(|e| e.message).unwrap_or_default();
            assert!(message.contains("the app said no"), "{message}");
        }
    }
}
