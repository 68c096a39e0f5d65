//! [`MemoryKv`], an in-memory [`KvBackend`](super::kv::KvBackend): tables of
//! ordered maps behind one lock. A transaction holds the lock and works on a
//! copy, which its commit puts in place; dropping it discards the copy.
//! For tests of [`KvStore`](super::kv::KvStore) and as the model a foreign
//! backend follows.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

use super::kv::{KvBackend, KvTx};
use super::StoreResult;

type Tables = BTreeMap<String, BTreeMap<String, String>>;

/// The in-memory key-value backend.
#[derive(Debug, Default)]
pub struct MemoryKv {
    tables: Mutex<Tables>,
}

impl MemoryKv {
    /// An empty backend.
    pub fn new() -> MemoryKv {
        MemoryKv::default()
    }
}

struct MemoryKvTx<'a> {
    guard: MutexGuard<'a, Tables>,
    work: Tables,
}

impl KvBackend for MemoryKv {
    fn begin(&self) -> StoreResult<Box<dyn KvTx + '_>> {
        // A panicked transaction never committed: the data is intact.
        let guard = self.tables.lock().unwrap_or_else(|p| p.into_inner());
        let work = guard.clone();
        Ok(Box::new(MemoryKvTx { guard, work }))
    }
}

impl KvTx for MemoryKvTx<'_> {
    fn get(&mut self, table: &str, key: &str) -> StoreResult<Option<String>> {
        Ok(self.work.get(table).and_then(|t| t.get(key)).cloned())
    }

    fn put(&mut self, table: &str, key: &str, value: &str) -> StoreResult<()> {
        self.work
            .entry(table.to_owned())
            .or_default()
            .insert(key.to_owned(), value.to_owned());
        Ok(())
    }

    fn put_if_absent(&mut self, table: &str, key: &str, value: &str) -> StoreResult<bool> {
        let t = self.work.entry(table.to_owned()).or_default();
        if t.contains_key(key) {
            return Ok(false);
        }
        t.insert(key.to_owned(), value.to_owned());
        Ok(true)
    }

    fn delete(&mut self, table: &str, key: &str) -> StoreResult<bool> {
        Ok(self
            .work
            .get_mut(table)
            .and_then(|t| t.remove(key))
            .is_some())
    }

    fn scan(&mut self, table: &str, prefix: &str) -> StoreResult<Vec<(String, String)>> {
        Ok(self
            .work
            .get(table)
            .map(|t| {
                t.range(prefix.to_owned()..)
                    .take_while(|(k, _)| k.starts_with(prefix))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect()
            })
            .unwrap_or_default())
    }

    fn commit(self: Box<Self>) -> StoreResult<()> {
        let MemoryKvTx { mut guard, work } = *self;
        *guard = work;
        Ok(())
    }
}
