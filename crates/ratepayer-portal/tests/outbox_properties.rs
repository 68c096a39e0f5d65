//! Property test of the outbox (issue 16, Build 4): any interleaving of
//! messages written (keys repeating), delivery runs (the notifier failing
//! or not), crashes before a commit and crashes between the notifier
//! taking a message and its mark leaves every committed message recorded
//! exactly once and, after enough delivery rounds, delivered at least once
//! and marked delivered once; on the in-memory and key-value stores (the
//! SQLite adapter runs the same steps in its own tests).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod portal_support;

use std::sync::Arc;

use portal_support::outbox::{outbox_rounds, Step};
use proptest::prelude::*;
use ratepayer_portal::store::{KvStore, MemoryKv, MemoryStore};

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => (0u8..6, any::<bool>()).prop_map(|(key, commit)| Step::Enqueue { key, commit }),
        3 => (any::<bool>(), 1u8..5).prop_map(|(failing, limit)| Step::Deliver { failing, limit }),
        1 => Just(Step::CrashAfterSend),
        1 => (0u16..600).prop_map(|minutes| Step::Wait { minutes }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn every_message_is_recorded_once_and_delivered_on_the_memory_store(
        steps in proptest::collection::vec(step(), 1..40)
    ) {
        outbox_rounds(Arc::new(MemoryStore::new()), &steps);
    }

    #[test]
    fn every_message_is_recorded_once_and_delivered_on_the_kv_store(
        steps in proptest::collection::vec(step(), 1..40)
    ) {
        outbox_rounds(Arc::new(KvStore::new(MemoryKv::new())), &steps);
    }
}
