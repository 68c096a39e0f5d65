//! Fixtures of the SQLite adapter's tests: the record builders every
//! adapter shares (`store_support/records.rs` of the core's tests), and
//! temporary database files that delete themselves.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

#[path = "../../../ratepayer-portal/tests/store_support/records.rs"]
mod records;
#[allow(unused_imports)]
pub use records::*;

static NEXT: AtomicU32 = AtomicU32::new(0);

/// A database path under the temp directory, unique to this process and
/// call; the file and its WAL files are deleted on drop.
pub struct TempDb {
    path: PathBuf,
}

impl TempDb {
    /// A fresh path (no file yet).
    pub fn new(name: &str) -> TempDb {
        let n = NEXT.fetch_add(1, Ordering::SeqCst);
        let path = std::env::temp_dir().join(format!(
            "ratepayer-sqlite-test-{}-{n}-{name}.db",
            std::process::id()
        ));
        let db = TempDb { path };
        db.remove();
        db
    }

    /// The database file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn remove(&self) {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.path.display()));
        }
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        self.remove();
    }
}
