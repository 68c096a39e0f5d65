//! The portal service over SQLite: the same journey and refusals the
//! in-memory store passes, on a database file.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../../ratepayer/tests/portal_support/mod.rs"]
mod portal_support;

use std::sync::Arc;

use ratepayer_sqlite::SqliteStore;

fn fresh(name: &str) -> Arc<SqliteStore> {
    let path = std::env::temp_dir().join(format!(
        "ratepayer-portal-{name}-{}.sqlite",
        std::process::id()
    ));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    Arc::new(SqliteStore::open(&path).unwrap())
}

#[test]
fn the_whole_journey_on_sqlite() {
    portal_support::journey(fresh("journey"));
}

#[test]
fn refused_calls_change_no_record_on_sqlite() {
    portal_support::refusals_change_nothing(fresh("refusals"));
}

#[test]
fn registration_commits_all_or_nothing_on_sqlite() {
    portal_support::registration_is_all_or_nothing(fresh("atomic"));
}
