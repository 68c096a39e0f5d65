//! The PostgreSQL storage adapter of ratepayer: the storage port
//! ([`ratepayer_portal::store`]) over a PostgreSQL server, for a portal served by
//! several processes or hosts over one database. It owns the tables of the
//! port in one PostgreSQL schema (created and migrated on open), a pool of
//! connections to the server, and the mapping of each port method onto SQL.
//!
//! [`PostgresStore`] holds an r2d2 pool of rust-postgres connections, each
//! with its search path set to the store's schema and its prepared
//! statements. Every [`Store::begin`] takes a connection and starts one
//! PostgreSQL transaction:
//!
//! - **write transactions** ([`Store::begin`]) are `SERIALIZABLE`, and by
//!   default first take the store's write lock (a session advisory lock
//!   keyed by the schema), so write transactions run one at a time across
//!   every process, as the port promises ("holds the write lock from the
//!   start") and as the portal, which does not retry, expects. With
//!   [`PostgresOptions::serialize_writers`] off they run concurrently, and a
//!   serialization failure or deadlock ends one with
//!   [`StorageErrorKind::Busy`] (retry the operation);
//! - **read transactions** ([`Store::begin_read`]) are `REPEATABLE
//!   READ READ ONLY`: one snapshot, never waiting for the write lock;
//! - **AutoPay batches** ([`Store::begin_cycle_batch`]) are `READ
//!   COMMITTED` without the write lock, so several runner processes share
//!   one cycle at once: each claims a batch with `FOR UPDATE SKIP LOCKED`
//!   and locks its accounts' enrolments and charges as it reads them;
//! - **migrations** run on open under a transaction-scoped advisory lock
//!   (`pg_advisory_xact_lock`), so processes opening at once migrate once.
//!
//! A transaction dropped without [`Tx::commit`]
//! rolls back. Draft claims, payment keys and outbox messages are unique
//! keys claimed with `INSERT … ON CONFLICT DO NOTHING` in the transaction
//! that records their effect: exactly once across every process.
//!
//! ```no_run
//! use ratepayer_portal::store::Store;
//! use ratepayer_postgres::PostgresStore;
//!
//! # fn main() -> Result<(), ratepayer_portal::store::StorageError> {
//! let store = PostgresStore::open_in_schema("postgres://portal@localhost:5432/utility", "shelby")?;
//! let mut tx = store.begin()?;
//! assert!(tx.login("no-such-login")?.is_none());
//! tx.commit()?;
//! # Ok(())
//! # }
//! ```
//!
//! Errors map onto [`StorageErrorKind`]: a serialization failure, deadlock,
//! lock or connection not had in time `Busy`, a broken unique key
//! `Conflict`, a record referring to a login or account that does not exist
//! `NotFound`, an unreadable record or a newer schema `Corrupt`, the rest
//! `Backend`.

mod error;
mod pool;
mod schema;
mod tx;

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use postgres::Config;
use ratepayer_portal::store::{StorageError, StorageErrorKind, Store, StoreResult, Tx};

pub use schema::SCHEMA_VERSION;

use crate::error::{db, pool as pool_error};
use crate::pool::{Conn, Manager};
use crate::schema::{quote_ident, schema_key};
use crate::tx::{Kind, PgTx};

/// The advisory lock class of the store's write lock (the second key is the
/// schema's): "rpwr" in ASCII.
const WRITE_LOCK_CLASS: i32 = 0x7270_7772;

/// How [`PostgresStore::open_with`] sets up its pool and transactions. The
/// defaults suit a portal process: 8 connections, 10 s to wait for a lock
/// or a connection, 10 s to connect, write transactions one at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PostgresOptions {
    /// The most connections the store keeps open (made when first needed,
    /// closed after 10 idle minutes). Each open transaction holds one.
    pub pool_size: u32,
    /// How long a transaction waits for a lock (the store's write lock, a
    /// row another transaction is changing: the connection's
    /// `lock_timeout`) or for a free connection of the pool, before failing
    /// with [`StorageErrorKind::Busy`].
    pub busy_timeout: Duration,
    /// How long connecting to the server may take (unless the URL sets
    /// `connect_timeout`).
    pub connect_timeout: Duration,
    /// True (the default): every write transaction first takes the store's
    /// write lock, so write transactions of every process sharing the
    /// schema run one at a time, and none fails for a concurrent one. False:
    /// they run at once, serializable; one that conflicts with another fails
    /// with [`StorageErrorKind::Busy`] and must be run again by its caller.
    pub serialize_writers: bool,
}

impl Default for PostgresOptions {
    fn default() -> PostgresOptions {
        PostgresOptions {
            pool_size: 8,
            busy_timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(10),
            serialize_writers: true,
        }
    }
}

/// The storage port over a PostgreSQL schema, through a pool of
/// connections. Shared between threads; open one per process (or more: each
/// has its own pool, and the server keeps their transactions apart).
pub struct PostgresStore {
    pool: r2d2::Pool<Manager>,
    schema: String,
    /// The SQL that takes and releases the write lock, when writers are
    /// serialized.
    write_lock: Option<(String, String)>,
}

impl fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresStore")
            .field("schema", &self.schema)
            .field("serialize_writers", &self.write_lock.is_some())
            .finish_non_exhaustive()
    }
}

/// The connection settings of `url` (a libpq URL or key=value string),
/// with ratepayer's defaults where the URL sets none.
fn config(url: &str, options: &PostgresOptions) -> StoreResult<Config> {
    let mut config = Config::from_str(url).map_err(|e| {
        // The URL itself is not repeated: it may hold a password.
        StorageError::new(
            StorageErrorKind::Backend,
            format!(
                "the PostgreSQL URL cannot be read ({e}); give one such as \
                 postgres://user@localhost:5432/database or host=/run/postgresql dbname=database"
            ),
        )
    })?;
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(options.connect_timeout);
    }
    if config.get_application_name().is_none() {
        config.application_name("ratepayer");
    }
    Ok(config)
}

impl PostgresStore {
    /// Opens the store in the first schema of the connection's search path
    /// (`public` unless the URL or the role sets another), creating and
    /// migrating its tables as needed. `url` is a libpq connection string:
    /// `postgres://user:password@host:port/database` or
    /// `host=/run/postgresql port=5432 dbname=database user=user`.
    ///
    /// Fails with [`StorageErrorKind::Corrupt`] when the schema was written
    /// by a newer version ([`SCHEMA_VERSION`]), [`StorageErrorKind::Busy`]
    /// when the server has no free connection, and
    /// [`StorageErrorKind::Backend`] when it cannot be reached or refuses
    /// the role.
    pub fn open(url: &str) -> StoreResult<PostgresStore> {
        PostgresStore::open_with(url, None, PostgresOptions::default())
    }

    /// Opens the store in `schema` (created if missing), which every pooled
    /// connection then has as its whole search path: several stores, of
    /// several utilities or tests, can share one database without seeing
    /// each other's records.
    pub fn open_in_schema(url: &str, schema: &str) -> StoreResult<PostgresStore> {
        PostgresStore::open_with(url, Some(schema), PostgresOptions::default())
    }

    /// [`PostgresStore::open`] (`schema` `None`) or
    /// [`PostgresStore::open_in_schema`] with other [`PostgresOptions`].
    pub fn open_with(
        url: &str,
        schema: Option<&str>,
        options: PostgresOptions,
    ) -> StoreResult<PostgresStore> {
        let config = config(url, &options)?;
        let lock_ms = options.busy_timeout.as_millis().max(1);
        let mut setup = format!("SET lock_timeout = {lock_ms};");
        if let Some(schema) = schema {
            setup.push_str(&format!(" SET search_path = {};", quote_ident(schema)?));
        }
        // A connection of its own for the checks and the migration: a
        // server that cannot be reached fails here at once, with its error.
        let mut conn =
            Conn::connect(&config, &setup).map_err(|e| db("connecting to PostgreSQL", &e))?;
        let encoding: String = conn
            .client
            .query_one("SHOW server_encoding", &[])
            .and_then(|r| r.try_get(0))
            .map_err(|e| db("reading the database's encoding", &e))?;
        if !encoding.eq_ignore_ascii_case("UTF8") {
            return Err(StorageError::new(
                StorageErrorKind::Backend,
                format!(
                    "the database's encoding is {encoding}, not UTF8: records hold any \
                     Unicode text; create the database with ENCODING 'UTF8'"
                ),
            ));
        }
        let schema = match schema {
            Some(s) => s.to_owned(),
            None => conn
                .client
                .query_one("SELECT current_schema()", &[])
                .and_then(|r| r.try_get::<_, Option<String>>(0))
                .map_err(|e| db("reading the current schema", &e))?
                .ok_or_else(|| {
                    StorageError::new(
                        StorageErrorKind::Backend,
                        "no schema of the connection's search path exists to hold the tables; \
                         create one, or open the store with PostgresStore::open_in_schema",
                    )
                })?,
        };
        schema::migrate(&mut conn.client, &schema)?;
        drop(conn);

        let pool = r2d2::Pool::builder()
            .max_size(options.pool_size.max(1))
            .min_idle(Some(0))
            .idle_timeout(Some(Duration::from_secs(600)))
            .connection_timeout(options.busy_timeout.max(Duration::from_millis(1)))
            .test_on_check_out(true)
            .build_unchecked(Manager { config, setup });
        let key = schema_key(&schema);
        let write_lock = options.serialize_writers.then(|| {
            (
                format!("SELECT pg_advisory_lock({WRITE_LOCK_CLASS}, {key})"),
                format!("SELECT pg_advisory_unlock({WRITE_LOCK_CLASS}, {key})"),
            )
        });
        Ok(PostgresStore {
            pool,
            schema,
            write_lock,
        })
    }

    /// The schema the store's tables are in.
    pub fn schema(&self) -> &str {
        &self.schema
    }

    /// The schema version of the store: [`SCHEMA_VERSION`] once opened.
    pub fn schema_version(&self) -> StoreResult<u32> {
        let mut conn = self
            .pool
            .get()
            .map_err(|e| pool_error("reading the schema version", &e))?;
        let v = schema::recorded(&mut conn.client)?.unwrap_or(0);
        u32::try_from(v).map_err(|_| {
            StorageError::new(
                StorageErrorKind::Corrupt,
                format!("the schema has an invalid version {v}"),
            )
        })
    }
}

impl Store for PostgresStore {
    fn begin(&self) -> StoreResult<Box<dyn Tx + '_>> {
        let conn = self
            .pool
            .get()
            .map_err(|e| pool_error("starting a transaction", &e))?;
        let lock = self
            .write_lock
            .as_ref()
            .map(|(lock, unlock)| (lock.as_str(), unlock.as_str()));
        Ok(Box::new(PgTx::begin(conn, lock, Kind::Write)?))
    }

    /// Opens a read-only transaction (`REPEATABLE READ READ ONLY`): one
    /// consistent snapshot of the committed data that neither waits for
    /// the write lock nor holds off writers. For views, reports and
    /// polling; every write through it fails with
    /// [`StorageErrorKind::Backend`] and changes nothing. Dropping or
    /// committing it ends the snapshot.
    fn begin_read(&self) -> StoreResult<Box<dyn Tx + '_>> {
        let conn = self
            .pool
            .get()
            .map_err(|e| pool_error("starting a read transaction", &e))?;
        Ok(Box::new(PgTx::begin(conn, None, Kind::Read)?))
    }

    /// True: runner processes share an AutoPay cycle through its list of
    /// batches (the `autopay_cycle_batches` table).
    fn shares_autopay_cycles(&self) -> bool {
        true
    }

    /// Opens the transaction of one batch of a shared AutoPay cycle: `READ
    /// COMMITTED`, without the store's write lock, so the batches of
    /// several runners run at once. It locks its batch's record (`FOR
    /// UPDATE SKIP LOCKED`), then the active enrolments and the charges of
    /// its accounts as it reads them (`FOR NO KEY UPDATE`): each read sees
    /// the latest committed rows and nobody changes them until it ends,
    /// and a customer's write transaction that changes one of them waits
    /// for it (and then fails busy if the batch changed the row, rather
    /// than overwrite it). The server ends it after a minute without a
    /// statement (`idle_in_transaction_session_timeout`), releasing the
    /// batch of a runner that hangs.
    fn begin_cycle_batch(&self) -> StoreResult<Box<dyn Tx + '_>> {
        let conn = self
            .pool
            .get()
            .map_err(|e| pool_error("starting a batch of the AutoPay cycle", &e))?;
        Ok(Box::new(PgTx::begin(conn, None, Kind::CycleBatch)?))
    }
}

/// Drops `schema` and everything in it (`DROP SCHEMA … CASCADE`), if it
/// exists; true when it existed. For demos and tests that start from a
/// fresh schema: the records are gone for good.
pub fn drop_schema(url: &str, schema: &str) -> StoreResult<bool> {
    let quoted = quote_ident(schema)?;
    let config = config(url, &PostgresOptions::default())?;
    let mut conn = Conn::connect(&config, "").map_err(|e| db("connecting to PostgreSQL", &e))?;
    let what = format!("dropping the schema `{schema}`");
    let existed: bool = conn
        .client
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)",
            &[&schema],
        )
        .and_then(|r| r.try_get(0))
        .map_err(|e| db(&what, &e))?;
    if existed {
        conn.client
            .batch_execute(&format!("DROP SCHEMA IF EXISTS {quoted} CASCADE"))
            .map_err(|e| db(&what, &e))?;
    }
    Ok(existed)
}
