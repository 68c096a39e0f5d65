//! Opening a portal on a database named by text: `Portal.open` takes a
//! SQLite file path or a PostgreSQL URL (issue 18: the bindings take a
//! PostgreSQL URL wherever they take a SQLite path), `Portal.openPostgres`
//! a URL only. The URL is never echoed in an error (it may hold a
//! password).

use std::sync::Arc;

use ratepayer_sqlite::SqliteStore;

use crate::portal::{Notifier, Portal};
use crate::profile::Profile;
use crate::RatepayerError;

/// True when `database` is a libpq URL (`postgres://` or `postgresql://`).
pub(crate) fn is_postgres_url(database: &str) -> bool {
    database.starts_with("postgres://") || database.starts_with("postgresql://")
}

/// A refusal to open, with why and what to do instead.
pub(crate) fn refusal(detail: &str) -> RatepayerError {
    RatepayerError::Portal {
        code: "portal.database".into(),
        detail: detail.into(),
    }
}

#[uniffi::export]
impl Portal {
    /// A portal for `profile` over `database`: a PostgreSQL database when
    /// it is a `postgres://` or `postgresql://` URL (a libpq URL; tables
    /// made and migrated on open, in `schema` when given, created if
    /// missing, else in the connection's search path), else the SQLite
    /// file at that path (created and migrated when new; `schema` must then
    /// be left out). `digest_key`: 32 random bytes or more, kept secret and
    /// the same across runs. Without a `notifier`, messages go to the
    /// outbox. An unreachable server is `RatepayerError.Store`, without the
    /// URL.
    #[uniffi::constructor(default(schema = None, notifier = None))]
    pub fn open(
        profile: Arc<Profile>,
        database: String,
        digest_key: Vec<u8>,
        schema: Option<String>,
        notifier: Option<Arc<dyn Notifier>>,
    ) -> Result<Arc<Portal>, RatepayerError> {
        if is_postgres_url(&database) {
            return Portal::open_postgres(profile, database, digest_key, schema, notifier);
        }
        if schema.is_some() {
            return Err(refusal(
                "schema is for a PostgreSQL URL; a SQLite file has no schemas (leave it out)",
            ));
        }
        let store = SqliteStore::open(&database)?;
        Portal::build(profile, Arc::new(store), digest_key, notifier)
    }

    /// A portal for `profile` over the PostgreSQL database at `url` (a
    /// `postgres://` or `postgresql://` libpq URL), in `schema` when given
    /// (created if missing), else in the connection's search path; tables
    /// are made and migrated on open. An unreachable server is
    /// `RatepayerError.Store`, without the URL.
    #[uniffi::constructor(default(schema = None, notifier = None))]
    pub fn open_postgres(
        profile: Arc<Profile>,
        url: String,
        digest_key: Vec<u8>,
        schema: Option<String>,
        notifier: Option<Arc<dyn Notifier>>,
    ) -> Result<Arc<Portal>, RatepayerError> {
        if !is_postgres_url(&url) {
            return Err(refusal(
                "openPostgres takes a postgres:// or postgresql:// URL; for a SQLite file use Portal.open or Portal.openSqlite",
            ));
        }
        postgres_store(&url, schema.as_deref())
            .and_then(|store| Portal::build(profile, store, digest_key, notifier))
    }
}

/// The PostgreSQL store at `url`.
#[cfg(feature = "postgres")]
fn postgres_store(
    url: &str,
    schema: Option<&str>,
) -> Result<Arc<dyn ratepayer_portal::store::Store>, RatepayerError> {
    let store = match schema {
        Some(schema) => ratepayer_postgres::PostgresStore::open_in_schema(url, schema)?,
        None => ratepayer_postgres::PostgresStore::open(url)?,
    };
    Ok(Arc::new(store))
}

/// Without the `postgres` feature: refused, with how to get it.
#[cfg(not(feature = "postgres"))]
fn postgres_store(
    _url: &str,
    _schema: Option<&str>,
) -> Result<Arc<dyn ratepayer_portal::store::Store>, RatepayerError> {
    Err(refusal(
        "this is a PostgreSQL URL, but this build of ratepayer-ffi has no `postgres` feature (a default one); rebuild it with the feature",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_told_from_paths() {
        assert!(is_postgres_url("postgres://u@h/db"));
        assert!(is_postgres_url("postgresql://u@h/db"));
        assert!(!is_postgres_url("/tmp/postgres://x.sqlite"));
        assert!(!is_postgres_url("portal.sqlite"));
    }
}
