//! The storage conformance suite: what every implementation of
//! `ratepayer_portal::store::Store` must do, written once as functions over
//! `&dyn Store` and run against `MemoryStore`, `SqliteStore` on a file and
//! `SqliteStore` in memory. Every method round-trips its records exactly
//! and returns them in the port's documented order; keys that must be
//! unique are; a dropped transaction leaves nothing behind and a committed
//! one is visible; a draft's idempotency key is claimed once.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

#[path = "../../ratepayer-portal/tests/store_support/conformance.rs"]
#[macro_use]
mod suite;

/// Runs every check of the shared suite against each store.
macro_rules! conformance {
    ($($check:ident),* $(,)?) => {
        mod memory {
            use ratepayer_portal::store::MemoryStore;
            $(
                #[test]
                fn $check() {
                    crate::suite::$check(&MemoryStore::new());
                }
            )*
        }
        mod kv_memory {
            use ratepayer_portal::store::{KvStore, MemoryKv};
            $(
                #[test]
                fn $check() {
                    crate::suite::$check(&KvStore::new(MemoryKv::new()));
                }
            )*
        }
        mod sqlite_file {
            use ratepayer_sqlite::SqliteStore;
            $(
                #[test]
                fn $check() {
                    let db = crate::common::TempDb::new(stringify!($check));
                    let store = SqliteStore::open(db.path()).unwrap();
                    crate::suite::$check(&store);
                }
            )*
        }
        mod sqlite_in_memory {
            use ratepayer_sqlite::SqliteStore;
            $(
                #[test]
                fn $check() {
                    crate::suite::$check(&SqliteStore::open_in_memory().unwrap());
                }
            )*
        }
    };
}

for_each_conformance_check!(conformance);

/// An open read transaction neither blocks a writer on another thread nor
/// sees its commit; two are open at once (stores with snapshots).
mod read_snapshots {
    use ratepayer_portal::store::MemoryStore;
    use ratepayer_sqlite::SqliteStore;

    #[test]
    fn memory() {
        crate::suite::read_does_not_block_writer(&MemoryStore::new());
    }

    #[test]
    fn sqlite_file_in_wal_mode() {
        let db = crate::common::TempDb::new("read_does_not_block_writer");
        let store = SqliteStore::open(db.path()).unwrap();
        crate::suite::read_does_not_block_writer(&store);
    }
}
