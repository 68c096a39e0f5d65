//! Maps rusqlite and serde_json failures onto the storage port's
//! [`StorageError`]: a busy or locked database is
//! [`StorageErrorKind::Busy`], a broken UNIQUE or PRIMARY KEY constraint
//! [`StorageErrorKind::Conflict`], a broken FOREIGN KEY constraint
//! [`StorageErrorKind::NotFound`] (the record referred to does not exist), a
//! damaged file or unreadable record [`StorageErrorKind::Corrupt`], and the
//! rest [`StorageErrorKind::Backend`].

use ratepayer_portal::store::{StorageError, StorageErrorKind};
use rusqlite::ffi;
use rusqlite::ErrorCode;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// The storage error for a failure of SQLite while doing `what` (a phrase
/// such as "adding the login").
pub(crate) fn db(what: &str, e: rusqlite::Error) -> StorageError {
    let kind = kind_of(&e);
    let advice = match kind {
        StorageErrorKind::Busy => {
            "the database is locked by another connection or process; retry the operation"
        }
        StorageErrorKind::Conflict => "a record with the same key exists",
        StorageErrorKind::NotFound => {
            "the login or account it refers to does not exist; add that first"
        }
        StorageErrorKind::Corrupt => {
            "the database file is damaged or not a SQLite database; restore it from a backup"
        }
        StorageErrorKind::Backend => "check the database file, its directory and the disk",
    };
    StorageError::new(kind, format!("{what} failed: {e}; {advice}"))
}

/// The kind of a rusqlite failure.
pub(crate) fn kind_of(e: &rusqlite::Error) -> StorageErrorKind {
    match e {
        rusqlite::Error::SqliteFailure(f, _) => match f.code {
            ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => StorageErrorKind::Busy,
            ErrorCode::ConstraintViolation => match f.extended_code {
                ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY => {
                    StorageErrorKind::Conflict
                }
                ffi::SQLITE_CONSTRAINT_FOREIGNKEY => StorageErrorKind::NotFound,
                _ => StorageErrorKind::Backend,
            },
            ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase => StorageErrorKind::Corrupt,
            _ => StorageErrorKind::Backend,
        },
        rusqlite::Error::FromSqlConversionFailure(..)
        | rusqlite::Error::InvalidColumnType(..)
        | rusqlite::Error::IntegralValueOutOfRange(..)
        | rusqlite::Error::Utf8Error(..) => StorageErrorKind::Corrupt,
        _ => StorageErrorKind::Backend,
    }
}

/// A record as the JSON kept in its `data` column.
pub(crate) fn to_json<T: Serialize>(what: &str, value: &T) -> Result<String, StorageError> {
    let failed = |e: String| {
        StorageError::new(
            StorageErrorKind::Backend,
            format!("{what} failed: the record could not be written as JSON: {e}"),
        )
    };
    // Room for most records at once (the JSON of a payment is about 1 KB):
    // growing the buffer step by step cost more than writing it.
    let mut out = Vec::with_capacity(1024);
    serde_json::to_writer(&mut out, value).map_err(|e| failed(e.to_string()))?;
    String::from_utf8(out).map_err(|e| failed(e.to_string()))
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
