//! Schema migration 2 (issue 16): AutoPay drafts keyed by (utility,
//! idempotency key) instead of the key alone, and every key stored by an
//! earlier version re-derived with the utility in it.
//!
//! Before, a key was a UUIDv5 of account, bill and attempt, so two
//! utilities in one database with the same account number and bill id
//! shared a key: the second utility's bill counted as drafted and was never
//! charged. This step rebuilds the `drafts` table with the new primary key
//! and gives each stored draft (and the payment recorded for it) the key
//! the new code derives for the same draft, so the next cycle sees it as
//! claimed and drafts nothing twice. A bill that the collision kept from
//! being drafted has no row, and is drafted by the next cycle. Payment ids
//! (`draft-<old key>`) are left as they are: they are opaque and may be
//! referenced outside the database. A key that is not the legacy key of
//! its own row (nothing this crate wrote) is kept unchanged.

use ratepayer::autopay::{idempotency_key, legacy_idempotency_key};
use ratepayer_portal::store::{DraftRow, StorageError, StorageErrorKind, StoreResult};
use rusqlite::{params, Connection};

use crate::error::{db, to_json};

const NEW_TABLE: &str = "
CREATE TABLE drafts_v2 (
    utility   TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    account   TEXT NOT NULL,
    bill_id   TEXT NOT NULL,
    attempt   INTEGER NOT NULL,
    date      TEXT NOT NULL,
    total     TEXT NOT NULL,
    currency  TEXT NOT NULL,
    payment_id TEXT NOT NULL,
    executed_secs  INTEGER NOT NULL,
    executed_nanos INTEGER NOT NULL,
    data      TEXT NOT NULL,
    PRIMARY KEY (utility, idempotency_key)
);";

const SWAP: &str = "
DROP TABLE drafts;
ALTER TABLE drafts_v2 RENAME TO drafts;
CREATE INDEX drafts_by_account
    ON drafts (utility, account, executed_secs, executed_nanos, attempt, idempotency_key);";

/// Applies migration 2 inside the migration's transaction.
pub(crate) fn apply(conn: &Connection) -> StoreResult<()> {
    let what = "applying schema migration 2 (drafts keyed by utility)";
    conn.execute_batch(NEW_TABLE).map_err(|e| db(what, e))?;
    let rows: Vec<(String, String)> = {
        let mut stmt = conn
            .prepare("SELECT idempotency_key, data FROM drafts ORDER BY rowid")
            .map_err(|e| db(what, e))?;
        let mapped = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(|e| db(what, e))?;
        mapped.collect::<Result<_, _>>().map_err(|e| db(what, e))?
    };
    for (old_key, data) in rows {
        let mut draft: DraftRow = serde_json::from_str(&data).map_err(|e| {
            StorageError::new(
                StorageErrorKind::Corrupt,
                format!("{what}: draft `{old_key}` cannot be read ({e}); restore a backup"),
            )
        })?;
        let legacy = legacy_idempotency_key(&draft.account, &draft.bill_id, draft.attempt);
        if legacy.to_string() == old_key {
            draft.idempotency_key = idempotency_key(
                &draft.utility,
                &draft.account,
                &draft.bill_id,
                draft.attempt,
            )
            .to_string();
        }
        conn.execute(
            "INSERT INTO drafts_v2 (utility, idempotency_key, account, bill_id, attempt, date,
                                    total, currency, payment_id, executed_secs, executed_nanos,
                                    data)
             SELECT utility, ?1, account, bill_id, attempt, date, total, currency, payment_id,
                    executed_secs, executed_nanos, ?2
             FROM drafts WHERE idempotency_key = ?3",
            params![draft.idempotency_key, to_json(what, &draft)?, old_key],
        )
        .map_err(|e| db(what, e))?;
        if draft.idempotency_key != old_key {
            conn.execute(
                "UPDATE payments
                 SET idempotency_key = ?1, data = json_set(data, '$.idempotency_key', ?1)
                 WHERE utility = ?2 AND idempotency_key = ?3",
                params![draft.idempotency_key, draft.utility, old_key],
            )
            .map_err(|e| db(what, e))?;
        }
    }
    conn.execute_batch(SWAP).map_err(|e| db(what, e))
}
