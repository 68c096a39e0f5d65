//! Fixtures of the PostgreSQL adapter's tests: the record builders every
//! adapter shares (`store_support/records.rs` of the core's tests), and a
//! fresh PostgreSQL schema per test, dropped at its end, on the server that
//! `RATEPAYER_POSTGRES_URL` names.
#![allow(dead_code)]

use ratepayer_postgres::{PostgresOptions, PostgresStore};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

#[path = "../../../ratepayer-portal/tests/store_support/records.rs"]
mod records;
#[allow(unused_imports)]
pub use records::*;

/// The variable that names the test server: a libpq URL.
pub const URL_VAR: &str = "RATEPAYER_POSTGRES_URL";
/// The variable that, set to 1, skips the tests when there is no server.
pub const SKIP_VAR: &str = "RATEPAYER_POSTGRES_SKIP";

/// The test server's URL from `RATEPAYER_POSTGRES_URL`. Without it the test
/// fails, saying how to set it, unless `RATEPAYER_POSTGRES_SKIP=1`: then
/// `None` (the test passes without running, and says so).
pub fn server_url() -> Option<String> {
    match std::env::var(URL_VAR) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ if std::env::var(SKIP_VAR).as_deref() == Ok("1") => {
            eprintln!("skipped: {URL_VAR} is not set and {SKIP_VAR}=1");
            None
        }
        _ => panic!(
            "{URL_VAR} is not set: the PostgreSQL adapter's tests need a server. Run \
             scripts/test-postgres (it starts a throwaway cluster and sets the variable), or \
             set {URL_VAR} to a libpq URL of a database these tests may create schemas in, \
             such as postgres://postgres@localhost:5432/postgres or \
             'host=/tmp/pg port=5432 user=postgres dbname=postgres'; {SKIP_VAR}=1 skips them"
        ),
    }
}

static NEXT: AtomicU32 = AtomicU32::new(0);

/// A fresh schema on the test server, unique to this process and call,
/// dropped (with everything in it) when this is dropped.
pub struct TempSchema {
    url: String,
    name: String,
}

impl TempSchema {
    /// A fresh schema name for `test` (no schema yet), or `None` when the
    /// tests are skipped (see [`server_url`]).
    pub fn new(test: &str) -> Option<TempSchema> {
        let url = server_url()?;
        let n = NEXT.fetch_add(1, Ordering::SeqCst);
        let mut name = format!("rp_{}_{n}_{}", std::process::id(), test.to_lowercase());
        while name.len() > 63 {
            name.pop();
        }
        ratepayer_postgres::drop_schema(&url, &name).unwrap();
        Some(TempSchema { url, name })
    }

    /// The server's URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The schema's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A store in the schema (created and migrated on first open).
    pub fn open(&self) -> Arc<PostgresStore> {
        Arc::new(PostgresStore::open_in_schema(&self.url, &self.name).unwrap())
    }

    /// A store in the schema with `options`.
    pub fn open_with(&self, options: PostgresOptions) -> Arc<PostgresStore> {
        Arc::new(PostgresStore::open_with(&self.url, Some(&self.name), options).unwrap())
    }

    /// A plain client on the server whose search path is the schema (for
    /// checks behind the adapter's back).
    pub fn client(&self) -> postgres::Client {
        let mut client = postgres::Client::connect(&self.url, postgres::NoTls).unwrap();
        client
            .batch_execute(&format!("SET search_path = \"{}\"", self.name))
            .unwrap();
        client
    }
}

impl Drop for TempSchema {
    fn drop(&mut self) {
        let _ = ratepayer_postgres::drop_schema(&self.url, &self.name);
    }
}
