//! Maps rust-postgres, pool and serde_json failures onto the storage port's
//! [`StorageError`]:
//!
//! - a serialization failure (SQLSTATE `40001`), a deadlock (`40P01`), a
//!   lock not granted within the lock timeout (`55P03`), a server with no
//!   free connection (`53300`, `57P03`) or a pool with none free is
//!   [`StorageErrorKind::Busy`]: nothing was written, and the same
//!   operation, started again in a new transaction, may succeed;
//! - a broken unique key (`23505`) is [`StorageErrorKind::Conflict`];
//! - a broken foreign key (`23503`) is [`StorageErrorKind::NotFound`] (the
//!   login or account referred to does not exist);
//! - a value that cannot be read back, or damaged data (`XX001`, `XX002`),
//!   is [`StorageErrorKind::Corrupt`];
//! - the rest (a server that cannot be reached, a refused login, a
//!   permission) is [`StorageErrorKind::Backend`].

use postgres::error::SqlState;
use ratepayer_portal::store::{StorageError, StorageErrorKind};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// The storage error for a failure of PostgreSQL while doing `what` (a
/// phrase such as "adding the login").
pub(crate) fn db(what: &str, e: &postgres::Error) -> StorageError {
    let kind = kind_of(e);
    let advice = match kind {
        StorageErrorKind::Busy => {
            "another transaction changed the same records at the same time, or held a lock \
             too long; nothing was written: retry the operation"
        }
        StorageErrorKind::Conflict => "a record with the same key exists",
        StorageErrorKind::NotFound => {
            "the login or account it refers to does not exist; add that first"
        }
        StorageErrorKind::Corrupt => {
            "a stored value could not be read back: the database is damaged or was changed \
             outside ratepayer"
        }
        StorageErrorKind::Backend => {
            "check that the server is up and reachable, the URL, the role's password and \
             its privileges on the database and schema"
        }
    };
    StorageError::new(kind, format!("{what} failed: {}; {advice}", describe(e)))
}

/// The server's message with its SQLSTATE (and detail), or the client's.
fn describe(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(d) => match d.detail() {
            Some(detail) => format!("{} (SQLSTATE {}; {detail})", d.message(), d.code().code()),
            None => format!("{} (SQLSTATE {})", d.message(), d.code().code()),
        },
        None => e.to_string(),
    }
}

/// The kind of a rust-postgres failure.
pub(crate) fn kind_of(e: &postgres::Error) -> StorageErrorKind {
    let Some(code) = e.code() else {
        // No SQLSTATE: the client failed (I/O, a closed connection) or a
        // value could not be converted from its column.
        return if is_conversion(e) {
            StorageErrorKind::Corrupt
        } else {
            StorageErrorKind::Backend
        };
    };
    kind_of_state(code)
}

/// The kind of a SQLSTATE.
pub(crate) fn kind_of_state(code: &SqlState) -> StorageErrorKind {
    if *code == SqlState::T_R_SERIALIZATION_FAILURE
        || *code == SqlState::T_R_DEADLOCK_DETECTED
        || *code == SqlState::LOCK_NOT_AVAILABLE
        || *code == SqlState::TOO_MANY_CONNECTIONS
        || *code == SqlState::CANNOT_CONNECT_NOW
    {
        StorageErrorKind::Busy
    } else if *code == SqlState::UNIQUE_VIOLATION {
        StorageErrorKind::Conflict
    } else if *code == SqlState::FOREIGN_KEY_VIOLATION {
        StorageErrorKind::NotFound
    } else if *code == SqlState::DATA_CORRUPTED || *code == SqlState::INDEX_CORRUPTED {
        StorageErrorKind::Corrupt
    } else {
        StorageErrorKind::Backend
    }
}

/// True when the client could not convert a column's value (a column of
/// another type than this build expects).
fn is_conversion(e: &postgres::Error) -> bool {
    // rust-postgres reports these as "error deserializing column N".
    e.to_string().contains("deserializing")
}

/// The storage error for a connection the pool could not hand out in time.
pub(crate) fn pool(what: &str, e: &r2d2::Error) -> StorageError {
    StorageError::new(
        StorageErrorKind::Busy,
        format!(
            "{what} failed: no database connection could be had in time ({e}); every \
             connection of the pool is in use, or the server does not answer: retry, or \
             give the pool more connections (PostgresOptions::pool_size)"
        ),
    )
}

/// A record as the JSON kept in its `data` column.
pub(crate) fn to_json<T: Serialize>(what: &str, value: &T) -> Result<String, StorageError> {
    serde_json::to_string(value).map_err(|e| {
        StorageError::new(
            StorageErrorKind::Backend,
            format!("{what} failed: the record could not be written as JSON: {e}"),
        )
    })
}

/// A record read back from the JSON of its `data` column.
pub(crate) fn from_json<T: DeserializeOwned>(what: &str, text: &str) -> Result<T, StorageError> {
    serde_json::from_str(text).map_err(|e| {
        StorageError::new(
            StorageErrorKind::Corrupt,
            format!(
                "{what} failed: a stored record could not be read ({e}); it is damaged or was \
                 written by a newer version of ratepayer"
            ),
        )
    })
}
