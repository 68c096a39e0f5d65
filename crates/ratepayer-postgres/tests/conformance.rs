//! The storage conformance suite: what every implementation of
//! `ratepayer_portal::store::Store` must do, written once as functions over
//! `&dyn Store` once for every adapter (`store_support/conformance.rs` of
//! the core's tests) and run here against `PostgresStore` in a fresh
//! schema, with writers serialized by the store's write lock (the default)
//! and without it. Every method round-trips its records exactly
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
        mod postgres {
            $(
                #[test]
                fn $check() {
                    let Some(db) = crate::common::TempSchema::new(stringify!($check)) else {
                        return;
                    };
                    crate::suite::$check(&*db.open());
                }
            )*
        }
        mod postgres_concurrent_writers {
            use ratepayer_postgres::PostgresOptions;
            $(
                #[test]
                fn $check() {
                    let Some(db) = crate::common::TempSchema::new(stringify!($check)) else {
                        return;
                    };
                    let options = PostgresOptions {
                        serialize_writers: false,
                        ..PostgresOptions::default()
                    };
                    crate::suite::$check(&*db.open_with(options));
                }
            )*
        }
    };
}

for_each_conformance_check!(conformance);

/// An open read transaction neither blocks a writer on another thread nor
/// sees its commit; two are open at once.
#[test]
fn read_does_not_block_writer() {
    let Some(db) = crate::common::TempSchema::new("read_does_not_block_writer") else {
        return;
    };
    crate::suite::read_does_not_block_writer(&*db.open());
}
