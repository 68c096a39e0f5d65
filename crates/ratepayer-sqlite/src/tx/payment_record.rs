//! How a payment is stored (schema version 7): the fields the `payments`
//! table keeps in columns of their own (id, utility, login, source, the
//! three amounts and their currency, the idempotency key, when, status and
//! processor key) are not repeated in its `data` JSON, which holds the rest
//! (channel, method, stored method, allocation, settlement). A payment
//! record was about 1 KB of JSON, half of it copies of its columns; each
//! AutoPay draft writes one and its hand-off to the processor rewrites it.
//!
//! Since version 8 the allocation in `data` is compact: arrays of decimal
//! strings in the payment's currency (`allocation_record`).
//!
//! A record written before version 7 keeps every field in `data`, and is
//! read from there, as before: a field missing from `data` is taken from
//! its column. The processor key is always read from its column, which
//! every version since migration 5 has written together with the record.
//!
//! Since version 8 the status is not in the `payments` row at all but in
//! the narrow `payment_status` table (one row per payment, keyed by its
//! `seq`), with the processor's reference and submission instant when a
//! hand-off set them: marking a payment submitted writes that small row
//! instead of rewriting the record. Those two, when set, take the place of
//! the settlement's `reference` and `submitted_at` in `data`; every full
//! write of a payment puts them in `data` and clears them.

use chrono::{DateTime, Utc};
use ratepayer::fees::{Channel, PaymentMethod};
use ratepayer::payment::PaymentAllocation;
use ratepayer::{Currency, Money};
use ratepayer_portal::store::{
    PaymentRow, PaymentSource, PaymentStatus, Settlement, StorageError, StorageErrorKind,
    StoreResult,
};
use serde::{Deserialize, Deserializer, Serialize};

use super::allocation_record::{compact, expand, CompactAllocation};
use crate::error::{db, from_json, to_json};

/// The columns a payment is read from, in the order [`payment_at`] reads
/// them, for a query over `payments` aliased `p` joined with its
/// `payment_status` row aliased `s` (see [`PAYMENTS_WITH_STATUS`]).
pub(super) const PAYMENT_COLUMNS: &str = "p.data, p.id, p.utility, p.login, p.source, p.amount, \
     p.fee, p.total, p.currency, p.idempotency_key, p.at, s.status, p.processor_key, \
     s.reference, s.submitted_s, s.submitted_ns";

/// `payments` aliased `p` with its status row aliased `s`, for the `FROM`
/// of a query that finds payments by a column of `payments` (a payment
/// without a status row reads as corrupt rather than disappearing).
macro_rules! payments_with_status {
    () => {
        "payments p LEFT JOIN payment_status s ON s.payment = p.seq"
    };
}
pub(super) use payments_with_status;

/// What a payment's `data` holds when written now: the allocation compact
/// (`alloc`, schema version 8; see `allocation_record`), or whole when an
/// amount of it is in another currency.
#[derive(Serialize)]
struct Stored<'a> {
    channel: &'a Channel,
    method: &'a PaymentMethod,
    payment_method_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    allocation: Option<&'a PaymentAllocation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    alloc: Option<CompactAllocation>,
    settlement: &'a Settlement,
}

/// What a payment's `data` may hold: every field of a record written
/// before version 7, the fields not kept in columns of one written since.
#[derive(Deserialize)]
struct Read {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    utility: Option<String>,
    #[serde(default)]
    login: Option<String>,
    #[serde(default)]
    source: Option<PaymentSource>,
    channel: Channel,
    method: PaymentMethod,
    payment_method_id: String,
    #[serde(default)]
    amount: Option<Money>,
    #[serde(default)]
    fee: Option<Money>,
    #[serde(default)]
    total: Option<Money>,
    /// Whole: written before version 8, or in several currencies.
    #[serde(default)]
    allocation: Option<PaymentAllocation>,
    /// Compact (since version 8).
    #[serde(default)]
    alloc: Option<CompactAllocation>,
    /// Present (perhaps null) in a record written before version 7.
    #[serde(default, deserialize_with = "present")]
    idempotency_key: Option<Option<String>>,
    #[serde(default)]
    at: Option<DateTime<Utc>>,
    #[serde(default)]
    settlement: Settlement,
}

/// A field that is present, even as `null`: `Some(value)`.
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

/// The `data` JSON of a payment as written now.
pub(super) fn payment_data(what: &str, p: &PaymentRow) -> StoreResult<String> {
    // Destructured in full, so a field added to the record must be placed
    // here (in a column or in `data`) before this compiles.
    let PaymentRow {
        id: _,
        utility: _,
        login: _,
        source: _,
        channel,
        method,
        payment_method_id,
        amount: _,
        fee: _,
        total: _,
        allocation,
        idempotency_key: _,
        at: _,
        status: _,
        processor_key: _,
        settlement,
    } = p;
    let currency = p.total.currency();
    if p.amount.currency() != currency || p.fee.currency() != currency {
        // The columns keep one currency: a record of several is kept whole.
        return to_json(what, p);
    }
    let alloc = compact(allocation, currency);
    to_json(
        what,
        &Stored {
            channel,
            method,
            payment_method_id,
            allocation: if alloc.is_none() {
                Some(allocation)
            } else {
                None
            },
            alloc,
            settlement,
        },
    )
}

/// A payment source as stored.
pub(super) fn source_str(s: PaymentSource) -> &'static str {
    match s {
        PaymentSource::Portal => "portal",
        PaymentSource::Autopay => "autopay",
    }
}

fn corrupt(what: &str, message: String) -> StorageError {
    StorageError::new(
        StorageErrorKind::Corrupt,
        format!("{what} failed: a stored payment cannot be read: {message}"),
    )
}

/// The payment in a row of [`PAYMENT_COLUMNS`].
pub(super) fn payment_at(what: &str, row: &rusqlite::Row<'_>) -> StoreResult<PaymentRow> {
    let text = |i: usize| -> StoreResult<&str> {
        row.get_ref(i)
            .map_err(|e| db(what, e))?
            .as_str()
            .map_err(|e| db(what, rusqlite::Error::from(e)))
    };
    let opt_text = |i: usize| -> StoreResult<Option<String>> {
        row.get::<_, Option<String>>(i).map_err(|e| db(what, e))
    };
    let read: Read = from_json(what, text(0)?)?;
    let currency = || -> StoreResult<Currency> {
        Currency::from_code(text(8)?).map_err(|e| corrupt(what, e.to_string()))
    };
    let money = |i: usize| -> StoreResult<Money> {
        let amount =
            ratepayer::money::parse_decimal(text(i)?).map_err(|e| corrupt(what, e.to_string()))?;
        Ok(Money::new(amount, currency()?))
    };
    let status = match row.get_ref(11).map_err(|e| db(what, e))? {
        rusqlite::types::ValueRef::Null => {
            return Err(corrupt(what, "it has no status row".to_owned()));
        }
        _ => text(11)?,
    };
    let status = PaymentStatus::ALL
        .into_iter()
        .find(|s| s.as_str() == status)
        .ok_or_else(|| corrupt(what, format!("unknown status `{status}`")))?;
    Ok(PaymentRow {
        id: match read.id {
            Some(id) => id,
            None => text(1)?.to_owned(),
        },
        utility: match read.utility {
            Some(u) => u,
            None => text(2)?.to_owned(),
        },
        login: match read.login {
            Some(l) => l,
            None => text(3)?.to_owned(),
        },
        source: match read.source {
            Some(s) => s,
            None => match text(4)? {
                "portal" => PaymentSource::Portal,
                "autopay" => PaymentSource::Autopay,
                other => return Err(corrupt(what, format!("unknown source `{other}`"))),
            },
        },
        channel: read.channel,
        method: read.method,
        payment_method_id: read.payment_method_id,
        amount: match read.amount {
            Some(m) => m,
            None => money(5)?,
        },
        fee: match read.fee {
            Some(m) => m,
            None => money(6)?,
        },
        total: match read.total {
            Some(m) => m,
            None => money(7)?,
        },
        allocation: match (read.allocation, read.alloc) {
            (Some(whole), _) => whole,
            (None, Some(c)) => expand(c, currency()?).map_err(|e| corrupt(what, e))?,
            (None, None) => return Err(corrupt(what, "it has no allocation".to_owned())),
        },
        idempotency_key: match read.idempotency_key {
            Some(k) => k,
            None => opt_text(9)?,
        },
        at: match read.at {
            Some(at) => at,
            None => DateTime::parse_from_rfc3339(text(10)?)
                .map_err(|e| corrupt(what, e.to_string()))?
                .with_timezone(&Utc),
        },
        status,
        processor_key: opt_text(12)?,
        settlement: with_handoff(what, row, read.settlement)?,
    })
}

/// `settlement` (from `data`) with the processor's reference and the
/// submission instant that a hand-off set in the payment's status row
/// (columns 13 to 15 of [`PAYMENT_COLUMNS`]; null when `data` holds them).
fn with_handoff(
    what: &str,
    row: &rusqlite::Row<'_>,
    mut settlement: Settlement,
) -> StoreResult<Settlement> {
    if let Some(reference) = row.get::<_, Option<String>>(13).map_err(|e| db(what, e))? {
        settlement.reference = Some(reference);
    }
    let secs: Option<i64> = row.get(14).map_err(|e| db(what, e))?;
    let nanos: Option<u32> = row.get(15).map_err(|e| db(what, e))?;
    if let (Some(secs), Some(nanos)) = (secs, nanos) {
        let at = DateTime::from_timestamp(secs, nanos).ok_or_else(|| {
            corrupt(
                what,
                format!("invalid submission instant {secs}.{nanos:09}"),
            )
        })?;
        settlement.submitted_at = Some(at);
    }
    Ok(settlement)
}
