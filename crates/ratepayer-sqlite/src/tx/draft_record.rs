//! How an AutoPay draft is stored (schema version 7): every field of a
//! [`DraftRow`] has a column of its own in `drafts`, so `data` holds an
//! empty object instead of a copy of the record (each draft the cycle
//! claims wrote about 300 bytes of JSON that nothing needed).
//!
//! A draft written before version 7 keeps the whole record in `data`, and
//! is read from there, as before; a field missing from `data` is read from
//! its column.

use chrono::{DateTime, NaiveDate, Utc};
use ratepayer::{Currency, Money};
use ratepayer_portal::store::{DraftRow, StorageError, StorageErrorKind, StoreResult};
use serde::Deserialize;

use crate::error::{db, from_json};

/// The `data` of a draft written now.
pub(super) const DRAFT_DATA: &str = "{}";

/// `SELECT` of the columns [`draft_at`] reads, from `drafts`, followed by
/// the rest of the query.
macro_rules! select_drafts {
    ($tail:literal) => {
        concat!(
            "SELECT data, idempotency_key, utility, account, bill_id, attempt, date, total, \
             currency, payment_id, executed_secs, executed_nanos FROM drafts ",
            $tail
        )
    };
}
pub(super) use select_drafts;

/// What a draft's `data` may hold: the whole record (written before
/// version 7) or nothing (since).
#[derive(Deserialize)]
struct Read {
    #[serde(default)]
    idempotency_key: Option<String>,
    #[serde(default)]
    utility: Option<String>,
    #[serde(default)]
    account: Option<String>,
    #[serde(default)]
    bill_id: Option<String>,
    #[serde(default)]
    attempt: Option<u32>,
    #[serde(default)]
    date: Option<NaiveDate>,
    #[serde(default)]
    total: Option<Money>,
    #[serde(default)]
    payment_id: Option<String>,
    #[serde(default)]
    executed_at: Option<DateTime<Utc>>,
}

fn corrupt(what: &str, message: String) -> StorageError {
    StorageError::new(
        StorageErrorKind::Corrupt,
        format!("{what} failed: a stored draft cannot be read: {message}"),
    )
}

/// The draft in a row of [`select_drafts`].
pub(super) fn draft_at(what: &str, row: &rusqlite::Row<'_>) -> StoreResult<DraftRow> {
    let text = |i: usize| -> StoreResult<&str> {
        row.get_ref(i)
            .map_err(|e| db(what, e))?
            .as_str()
            .map_err(|e| db(what, rusqlite::Error::from(e)))
    };
    let read: Read = from_json(what, text(0)?)?;
    let or_text = |v: Option<String>, i: usize| -> StoreResult<String> {
        match v {
            Some(v) => Ok(v),
            None => Ok(text(i)?.to_owned()),
        }
    };
    Ok(DraftRow {
        idempotency_key: or_text(read.idempotency_key, 1)?,
        utility: or_text(read.utility, 2)?,
        account: or_text(read.account, 3)?,
        bill_id: or_text(read.bill_id, 4)?,
        attempt: match read.attempt {
            Some(a) => a,
            None => row.get(5).map_err(|e| db(what, e))?,
        },
        date: match read.date {
            Some(d) => d,
            None => text(6)?
                .parse()
                .map_err(|e: chrono::ParseError| corrupt(what, e.to_string()))?,
        },
        total: match read.total {
            Some(t) => t,
            None => {
                let amount = ratepayer::money::parse_decimal(text(7)?)
                    .map_err(|e| corrupt(what, e.to_string()))?;
                let currency =
                    Currency::from_code(text(8)?).map_err(|e| corrupt(what, e.to_string()))?;
                Money::new(amount, currency)
            }
        },
        payment_id: or_text(read.payment_id, 9)?,
        executed_at: match read.executed_at {
            Some(at) => at,
            None => {
                let secs: i64 = row.get(10).map_err(|e| db(what, e))?;
                let nanos: u32 = row.get(11).map_err(|e| db(what, e))?;
                DateTime::from_timestamp(secs, nanos)
                    .ok_or_else(|| corrupt(what, format!("invalid instant {secs}.{nanos:09}")))?
            }
        },
    })
}
