//! The portal service over [`KvStore`], the storage port mapped onto the
//! small key-value port the Kotlin and Swift bindings export: the shared
//! journey and refusals the other stores pass.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod portal_support;

use std::sync::Arc;

use ratepayer::store::{KvStore, MemoryKv};

fn fresh() -> Arc<KvStore<MemoryKv>> {
    Arc::new(KvStore::new(MemoryKv::new()))
}

#[test]
fn the_whole_journey_on_the_kv_store() {
    portal_support::journey(fresh());
}

#[test]
fn refused_calls_change_no_record_on_the_kv_store() {
    portal_support::refusals_change_nothing(fresh());
}

#[test]
fn registration_commits_all_or_nothing_on_the_kv_store() {
    portal_support::registration_is_all_or_nothing(fresh());
}
