//! The example storage adapter of ratepayer, and its embedded default:
//! the storage port ([`ratepayer_portal::store`]) over SQLite, compiled in with
//! rusqlite's `bundled` feature so nothing is needed on the system.
//!
//! [`SqliteStore`] holds one write connection and, for a file, a few read
//! connections. Every [`Store::begin`] starts a `BEGIN IMMEDIATE`
//! transaction on the write connection, which takes the database's write
//! lock at once: two processes (or two [`SqliteStore`]s in one process)
//! never interleave their changes, and a second writer waits up to the busy
//! timeout ([`DEFAULT_BUSY_TIMEOUT`]) instead of failing. Every
//! [`Store::begin_read`] starts a `BEGIN DEFERRED` transaction on one of
//! [`READERS`] read connections (`query_only`; a free one, or it waits its
//! turn on one): in WAL mode it reads a snapshot, never waits for the
//! write lock and never holds off a writer, and up to [`READERS`] read
//! transactions of one store run at once rather than taking turns on one
//! connection. (An in-memory database has one connection: its read
//! transactions take turns with its writes.) The read connections are a
//! fixed set of locked slots kept by hand, not a pool crate: they are
//! opened with the store and need no health checks, timeouts or
//! background threads. A
//! transaction dropped without [`Tx::commit`]
//! rolls back.
//!
//! Opening a new file gives it pages of [`NEW_DATABASE_PAGE_SIZE`] bytes.
//! Opening a file sets WAL mode (readers never block the writer),
//! `synchronous=NORMAL` (a commit survives a crash of the process; a power
//! cut may lose the last commits, never corrupt the file) and
//! `foreign_keys=ON`, then applies the schema's migrations
//! ([`SCHEMA_VERSION`]); a database written by a newer version is refused.
//!
//! ```
//! use ratepayer_portal::store::Store;
//! use ratepayer_sqlite::SqliteStore;
//!
//! # fn main() -> Result<(), ratepayer_portal::store::StorageError> {
//! let path = std::env::temp_dir().join(format!("ratepayer-doc-{}.db", std::process::id()));
//! let store = SqliteStore::open(&path)?;
//! let mut tx = store.begin()?;
//! assert!(tx.login("no-such-login")?.is_none());
//! tx.commit()?;
//! # drop(store);
//! # for suffix in ["", "-wal", "-shm"] {
//! #     let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
//! # }
//! # Ok(())
//! # }
//! ```
//!
//! Errors map onto [`StorageErrorKind`]: a lock held past the busy timeout
//! is `Busy`, a broken unique key `Conflict`, a record referring to a login
//! or account that does not exist `NotFound`, an unreadable record or a
//! newer schema `Corrupt`.

mod error;
mod migrate_v2;
mod schema;
mod tx;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use ratepayer_portal::store::{StorageError, StorageErrorKind, Store, StoreResult, Tx};
use rusqlite::config::DbConfig;
use rusqlite::{Connection, OpenFlags};

pub use schema::SCHEMA_VERSION;

use crate::error::db;
use crate::tx::SqliteTx;

/// How many read connections a [`SqliteStore`] on a file opens for
/// [`Store::begin_read`]: that many read transactions run at once (more
/// wait for one to end, never for the write lock). Enough for the threads
/// of a portal process on a few cores.
pub const READERS: usize = 8;

/// The page cache of each read connection, in KiB (a view reads a few
/// pages; the write connection keeps the large cache).
const READER_CACHE_KIB: i64 = 8_192;

/// How long a transaction waits for another connection's write lock before
/// failing with [`StorageErrorKind::Busy`]: 10 seconds.
pub const DEFAULT_BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// The page size of a database this adapter creates, in bytes (SQLite's
/// default is 4,096). An existing file keeps the page size it was created
/// with (changing it takes a `VACUUM` outside WAL mode). Larger pages mean
/// fewer of them to split, find and write to the WAL per AutoPay draft:
/// `autopay-runner bench 100000` took about a tenth less time with 8 KiB
/// pages than with 4 KiB (16 KiB gained nothing more), and a point read of
/// the portal reads one page either way.
pub const NEW_DATABASE_PAGE_SIZE: u32 = 8_192;

/// Prepared statements kept per connection (every statement of the adapter fits).
const STATEMENT_CACHE: usize = 64;

/// Per-connection settings: durable commits without an fsync each
/// (WAL + NORMAL) and foreign keys enforced.
const PRAGMAS: &str = "PRAGMA synchronous = NORMAL;
PRAGMA foreign_keys = ON;
PRAGMA temp_store = MEMORY;";

/// The WAL grows to about this many bytes before a commit checkpoints it
/// (`wal_autocheckpoint`, set in pages of the file's own size): every
/// 64 MiB rather than SQLite's 4 MiB, so a page written by several
/// transactions is copied back once (`autopay-runner bench 100000`, on a
/// 2-core machine under a load average of 7 to 9: 8.8 and 10.1 s at 4 MiB,
/// 5.8 to 8.2 s at 64 MiB; 128 MiB gained nothing more). The WAL file stays
/// about that size: it is reused, not truncated.
const WAL_CHECKPOINT_BYTES: i64 = 64 * 1024 * 1024;

/// How [`SqliteStore::open_with`] sets up its connection. The defaults suit
/// a portal: wait 10 s for another writer, cache up to 64 MiB of pages, no
/// memory map.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SqliteOptions {
    /// How long a transaction (and the migration on open) waits for another
    /// connection's write lock before failing with [`StorageErrorKind::Busy`].
    pub busy_timeout: Duration,
    /// The most page cache the connection keeps, in KiB (SQLite's own
    /// default is 2,000 KiB; the AutoPay cycle over 100,000 accounts reads
    /// each account's rows all over the file).
    pub cache_kib: u32,
    /// Bytes of the file to memory-map (0: none). Mapping saves about a
    /// tenth of the CPU time of a large AutoPay cycle, but an I/O error on a
    /// mapped page (a file on a failing or network disk) then kills the
    /// process with SIGBUS instead of returning an error; off by default.
    pub mmap_bytes: u64,
}

impl Default for SqliteOptions {
    fn default() -> SqliteOptions {
        SqliteOptions {
            busy_timeout: DEFAULT_BUSY_TIMEOUT,
            cache_kib: 65_536,
            mmap_bytes: 0,
        }
    }
}

/// The storage port over one SQLite connection. Shared between threads
/// (transactions on one store take turns); open one per process, or more
/// than one on the same file: each has its own connection, and SQLite's
/// locks keep their transactions apart.
pub struct SqliteStore {
    conn: Mutex<Connection>,
    path: Option<PathBuf>,
    /// The read connections (a file's only; none in memory).
    readers: Vec<Mutex<Connection>>,
    /// Which read connection the next read transaction waits for when
    /// none is free (round robin).
    next_reader: AtomicUsize,
}

impl fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Opens (creating if needed) the database file at `path`, in WAL mode
    /// with foreign keys on, and brings its schema up to date.
    ///
    /// Fails with [`StorageErrorKind::Corrupt`] when the file is not a
    /// SQLite database or was written by a newer version
    /// ([`SCHEMA_VERSION`]), [`StorageErrorKind::Busy`] when another process
    /// holds the write lock past the busy timeout, and
    /// [`StorageErrorKind::Backend`] when the file cannot be opened.
    pub fn open(path: impl AsRef<Path>) -> StoreResult<SqliteStore> {
        SqliteStore::open_with(path, SqliteOptions::default())
    }

    /// [`SqliteStore::open`] with other [`SqliteOptions`].
    pub fn open_with(path: impl AsRef<Path>, options: SqliteOptions) -> StoreResult<SqliteStore> {
        let path = path.as_ref();
        let conn = Connection::open(path).map_err(|e| {
            db(
                &format!("opening the database file `{}`", path.display()),
                e,
            )
        })?;
        SqliteStore::setup(conn, Some(path.to_path_buf()), options)
    }

    /// A private database in memory, gone when the store is dropped: for
    /// tests and throwaway runs.
    pub fn open_in_memory() -> StoreResult<SqliteStore> {
        let conn =
            Connection::open_in_memory().map_err(|e| db("opening an in-memory database", e))?;
        SqliteStore::setup(conn, None, SqliteOptions::default())
    }

    fn setup(
        mut conn: Connection,
        path: Option<PathBuf>,
        options: SqliteOptions,
    ) -> StoreResult<SqliteStore> {
        let what = "configuring the database connection";
        conn.busy_timeout(options.busy_timeout)
            .map_err(|e| db(what, e))?;
        // A newer database is refused before anything is changed, even the
        // journal mode.
        schema::refuse_newer(schema::version(&conn)?)?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        // Query-planner stability: without it, the bundled SQLite (built
        // with STAT4) re-prepares a cached statement each time a parameter
        // of an index range is re-bound, such as every `charges(utility,
        // account)`, which doubled the cost of the AutoPay cycle.
        conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)
            .map_err(|e| db(what, e))?;
        if path.is_some() {
            // A new, empty file gets the larger page size before anything
            // is written to it (and before WAL mode, which fixes it).
            let pages: i64 = conn
                .query_row("PRAGMA page_count", [], |r| r.get(0))
                .map_err(|e| db(what, e))?;
            if pages == 0 {
                conn.pragma_update(None, "page_size", NEW_DATABASE_PAGE_SIZE)
                    .map_err(|e| db(what, e))?;
            }
            let mode: String = conn
                .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
                .map_err(|e| db("switching the database to WAL mode", e))?;
            if !mode.eq_ignore_ascii_case("wal") {
                return Err(StorageError::new(
                    StorageErrorKind::Backend,
                    format!(
                        "the database could not be switched to WAL mode (it is in `{mode}` \
                         mode); put the file on a local file system that supports shared memory"
                    ),
                ));
            }
        }
        conn.execute_batch(PRAGMAS).map_err(|e| db(what, e))?;
        let page_size: i64 = conn
            .query_row("PRAGMA page_size", [], |r| r.get(0))
            .map_err(|e| db(what, e))?;
        conn.pragma_update(
            None,
            "wal_autocheckpoint",
            WAL_CHECKPOINT_BYTES / page_size.max(512),
        )
        .map_err(|e| db(what, e))?;
        conn.pragma_update(None, "cache_size", -i64::from(options.cache_kib))
            .map_err(|e| db(what, e))?;
        if options.mmap_bytes > 0 {
            // SQLite answers with the size it granted; nothing to check.
            let _: Option<i64> = conn
                .query_row(
                    &format!("PRAGMA mmap_size = {}", options.mmap_bytes),
                    [],
                    |r| r.get(0),
                )
                .ok();
        }
        schema::migrate(&mut conn)?;
        let readers = match &path {
            Some(p) => (0..READERS)
                .map(|_| open_reader(p, &options).map(Mutex::new))
                .collect::<StoreResult<Vec<_>>>()?,
            None => Vec::new(),
        };
        Ok(SqliteStore {
            conn: Mutex::new(conn),
            path,
            readers,
            next_reader: AtomicUsize::new(0),
        })
    }

    /// The database file, or `None` for an in-memory database.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// How long a transaction waits for another connection's write lock
    /// before failing with [`StorageErrorKind::Busy`] (default
    /// [`DEFAULT_BUSY_TIMEOUT`]).
    pub fn set_busy_timeout(&self, timeout: Duration) -> StoreResult<()> {
        for reader in &self.readers {
            reader
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .busy_timeout(timeout)
                .map_err(|e| db("setting the busy timeout", e))?;
        }
        self.lock()
            .busy_timeout(timeout)
            .map_err(|e| db("setting the busy timeout", e))
    }

    /// The schema version of the open database: [`SCHEMA_VERSION`] once opened.
    pub fn schema_version(&self) -> StoreResult<u32> {
        let v = schema::version(&self.lock())?;
        u32::try_from(v).map_err(|_| {
            StorageError::new(
                StorageErrorKind::Corrupt,
                format!("the database has an invalid schema version {v}"),
            )
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while a transaction was open dropped it (rolling back), so
        // the connection is usable: take over a poisoned lock.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A new read connection to the file at `path`: the busy timeout, the
/// statement cache and the planner setting of the write connection,
/// a smaller page cache, and `query_only` (SQLite itself refuses any
/// write through it).
fn open_reader(path: &Path, options: &SqliteOptions) -> StoreResult<Connection> {
    let what = "opening a read connection";
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| db(what, e))?;
    conn.busy_timeout(options.busy_timeout)
        .map_err(|e| db(what, e))?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)
        .map_err(|e| db(what, e))?;
    conn.execute_batch("PRAGMA query_only = ON; PRAGMA temp_store = MEMORY;")
        .map_err(|e| db(what, e))?;
    conn.pragma_update(None, "cache_size", -READER_CACHE_KIB)
        .map_err(|e| db(what, e))?;
    if options.mmap_bytes > 0 {
        let _: Option<i64> = conn
            .query_row(
                &format!("PRAGMA mmap_size = {}", options.mmap_bytes),
                [],
                |r| r.get(0),
            )
            .ok();
    }
    Ok(conn)
}

impl Store for SqliteStore {
    fn begin(&self) -> StoreResult<Box<dyn Tx + '_>> {
        Ok(Box::new(SqliteTx::begin(self.lock())?))
    }

    /// Opens a read-only transaction (`BEGIN DEFERRED`): a consistent
    /// snapshot of the committed data (taken at its first read) that, in
    /// WAL mode, neither waits for another connection's write lock nor
    /// holds off its writers (unlike [`Store::begin`], which takes the
    /// write lock at once). On a file it runs on a read connection of its
    /// own, so read transactions of one store run at once; on an in-memory
    /// database, on the one connection. Every write through it fails with
    /// [`StorageErrorKind::Backend`] and changes nothing. Dropping or
    /// committing it ends the snapshot.
    fn begin_read(&self) -> StoreResult<Box<dyn Tx + '_>> {
        if self.readers.is_empty() {
            return Ok(Box::new(SqliteTx::begin_read(self.lock())?));
        }
        // A free read connection, else wait for one's turn.
        let free = self.readers.iter().find_map(|r| match r.try_lock() {
            Ok(guard) => Some(guard),
            Err(std::sync::TryLockError::Poisoned(p)) => Some(p.into_inner()),
            Err(std::sync::TryLockError::WouldBlock) => None,
        });
        let guard = match free {
            Some(guard) => guard,
            None => {
                let at = self.next_reader.fetch_add(1, Ordering::Relaxed) % self.readers.len();
                let slot = self.readers.get(at).unwrap_or(&self.conn);
                slot.lock().unwrap_or_else(|p| p.into_inner())
            }
        };
        Ok(Box::new(SqliteTx::begin_read(guard)?))
    }
}
