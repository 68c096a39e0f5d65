//! How an outbox message is stored (schema version 7): the fields `outbox`
//! keeps in columns of their own (utility, dedupe key, when written,
//! attempts, next attempt, delivery) are read from there and not repeated
//! in `data`, which holds the rest (kind, address, subject, text, login,
//! account, last error). The AutoPay cycle writes one message per draft.
//!
//! A message written before version 7 keeps every field in `data` too; the
//! columns were written with it by every version, so they are read for it
//! alike (its `data` keeps its delivery set in step).

use chrono::{DateTime, Utc};
use ratepayer::verification::Contact;
use ratepayer_portal::store::{
    MessageKind, OutboxMessage, StorageError, StorageErrorKind, StoreResult,
};
use serde::{Deserialize, Serialize};

use crate::error::{db, from_json, to_json};

/// `SELECT` of the columns [`message_at`] reads, from `outbox`, followed by
/// the rest of the query.
macro_rules! select_messages {
    ($tail:literal) => {
        concat!(
            "SELECT data, utility, dedupe_key, created_s, created_ns, next_s, next_ns, \
             attempts, delivered_s, delivered_ns FROM outbox ",
            $tail
        )
    };
}
pub(super) use select_messages;

/// What a message's `data` holds when written now.
#[derive(Serialize)]
struct Stored<'a> {
    kind: &'a MessageKind,
    to: &'a Contact,
    subject: &'a str,
    body: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    login: &'a Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    account: &'a Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_error: &'a Option<String>,
}

/// What a message's `data` holds: at least the fields without a column
/// (and every field, in a message written before version 7).
#[derive(Deserialize)]
struct Read {
    kind: MessageKind,
    to: Contact,
    subject: String,
    body: String,
    #[serde(default)]
    login: Option<String>,
    #[serde(default)]
    account: Option<String>,
    #[serde(default)]
    last_error: Option<String>,
}

/// The `data` JSON of a message as written now.
pub(super) fn message_data(what: &str, m: &OutboxMessage) -> StoreResult<String> {
    // Destructured in full, so a field added to the message must be placed
    // here (in a column or in `data`) before this compiles.
    let OutboxMessage {
        utility: _,
        dedupe_key: _,
        kind,
        to,
        subject,
        body,
        login,
        account,
        created_at: _,
        attempts: _,
        last_error,
        next_attempt_at: _,
        delivered_at: _,
    } = m;
    to_json(
        what,
        &Stored {
            kind,
            to,
            subject,
            body,
            login,
            account,
            last_error,
        },
    )
}

fn instant_at(what: &str, row: &rusqlite::Row<'_>, i: usize) -> StoreResult<Option<DateTime<Utc>>> {
    let secs: Option<i64> = row.get(i).map_err(|e| db(what, e))?;
    let nanos: Option<u32> = row.get(i + 1).map_err(|e| db(what, e))?;
    match (secs, nanos) {
        (Some(s), Some(ns)) => DateTime::from_timestamp(s, ns).map(Some).ok_or_else(|| {
            StorageError::new(
                StorageErrorKind::Corrupt,
                format!("{what} failed: a stored message has an invalid instant {s}.{ns:09}"),
            )
        }),
        _ => Ok(None),
    }
}

/// The message in a row of [`select_messages`].
pub(super) fn message_at(what: &str, row: &rusqlite::Row<'_>) -> StoreResult<OutboxMessage> {
    let text = |i: usize| -> StoreResult<&str> {
        row.get_ref(i)
            .map_err(|e| db(what, e))?
            .as_str()
            .map_err(|e| db(what, rusqlite::Error::from(e)))
    };
    let read: Read = from_json(what, text(0)?)?;
    let required = |i: usize| -> StoreResult<DateTime<Utc>> {
        instant_at(what, row, i)?.ok_or_else(|| {
            StorageError::new(
                StorageErrorKind::Corrupt,
                format!("{what} failed: a stored message has no instant in column {i}"),
            )
        })
    };
    Ok(OutboxMessage {
        utility: text(1)?.to_owned(),
        dedupe_key: text(2)?.to_owned(),
        kind: read.kind,
        to: read.to,
        subject: read.subject,
        body: read.body,
        login: read.login,
        account: read.account,
        created_at: required(3)?,
        attempts: row.get(7).map_err(|e| db(what, e))?,
        last_error: read.last_error,
        next_attempt_at: required(5)?,
        delivered_at: instant_at(what, row, 8)?,
    })
}
