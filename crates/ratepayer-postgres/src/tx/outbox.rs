//! [`OutboxStore`] on PostgreSQL: one table keyed by (utility, dedupe key),
//! so a message is written once across every connection and process (`ON
//! CONFLICT DO NOTHING`), with a partial index of the undelivered ones in
//! the outbox's order (when written, then dedupe key).

use chrono::{DateTime, Utc};
use ratepayer_portal::store::{
    OutboxCursor, OutboxMessage, OutboxStore, StorageError, StorageErrorKind, StoreResult,
};

use super::{instant, PgTx};
use crate::error::to_json;

impl PgTx<'_> {
    /// The message under (utility, key), or a not-found error.
    fn outbox_entry(&mut self, utility: &str, key: &str) -> StoreResult<OutboxMessage> {
        self.one(
            "reading an outbox message",
            "SELECT data FROM outbox WHERE utility = $1 AND dedupe_key = $2",
            &[&utility, &key],
        )?
        .ok_or_else(|| {
            StorageError::new(
                StorageErrorKind::NotFound,
                format!("no outbox message `{key}`"),
            )
        })
    }

    /// Writes back a changed message that was undelivered: its record,
    /// attempts, next attempt and delivery. False when it was delivered
    /// meanwhile (nothing changed).
    fn rewrite_undelivered(&mut self, what: &str, m: &OutboxMessage) -> StoreResult<bool> {
        let data = to_json(what, m)?;
        let (next_s, next_ns) = instant(&m.next_attempt_at);
        let delivered = m.delivered_at.as_ref().map(instant);
        let changed = self.exec(
            what,
            "UPDATE outbox SET next_s = $3, next_ns = $4, attempts = $5, delivered_s = $6,
                    delivered_ns = $7, data = $8
             WHERE utility = $1 AND dedupe_key = $2 AND delivered_s IS NULL",
            &[
                &m.utility,
                &m.dedupe_key,
                &next_s,
                &next_ns,
                &i64::from(m.attempts),
                &delivered.map(|d| d.0),
                &delivered.map(|d| d.1),
                &data,
            ],
        )?;
        Ok(changed > 0)
    }
}

impl OutboxStore for PgTx<'_> {
    fn enqueue_message(&mut self, m: &OutboxMessage) -> StoreResult<bool> {
        if let Some(new) = self.hold_message(m)? {
            return Ok(new);
        }
        let what = "writing an outbox message";
        let data = to_json(what, m)?;
        let (created_s, created_ns) = instant(&m.created_at);
        let (next_s, next_ns) = instant(&m.next_attempt_at);
        let delivered = m.delivered_at.as_ref().map(instant);
        let inserted = self.exec(
            what,
            "INSERT INTO outbox (utility, dedupe_key, kind, account, created_s, created_ns,
                                 next_s, next_ns, attempts, delivered_s, delivered_ns, data)
             VALUES ($1, $2, $3, $12, $4, $5, $6, $7, $8, $9, $10, $11)
             ON CONFLICT (utility, dedupe_key) DO NOTHING",
            &[
                &m.utility,
                &m.dedupe_key,
                &m.kind.as_str(),
                &created_s,
                &created_ns,
                &next_s,
                &next_ns,
                &i64::from(m.attempts),
                &delivered.map(|d| d.0),
                &delivered.map(|d| d.1),
                &data,
                &m.account.as_deref(),
            ],
        )?;
        Ok(inserted > 0)
    }

    fn outbox_message(
        &mut self,
        utility: &str,
        dedupe_key: &str,
    ) -> StoreResult<Option<OutboxMessage>> {
        self.one(
            "reading an outbox message",
            "SELECT data FROM outbox WHERE utility = $1 AND dedupe_key = $2",
            &[&utility, &dedupe_key],
        )
    }

    fn undelivered_messages(
        &mut self,
        utility: &str,
        due_by: DateTime<Utc>,
        after: Option<&OutboxCursor>,
        limit: usize,
    ) -> StoreResult<Vec<OutboxMessage>> {
        let (due_s, due_ns) = instant(&due_by);
        // Without a cursor: from before the first instant chrono holds.
        let (after_s, after_ns, after_key) = match after {
            Some(c) => {
                let (s, ns) = instant(&c.created_at);
                (s, ns, c.dedupe_key.as_str())
            }
            None => (i64::MIN, -1, ""),
        };
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.all(
            "listing undelivered outbox messages",
            "SELECT data FROM outbox
             WHERE utility = $1 AND delivered_s IS NULL
               AND (next_s < $2 OR (next_s = $2 AND next_ns <= $3))
               AND (created_s, created_ns, dedupe_key) > ($4, $5, $6)
             ORDER BY created_s, created_ns, dedupe_key
             LIMIT $7",
            &[
                &utility, &due_s, &due_ns, &after_s, &after_ns, &after_key, &limit,
            ],
        )
    }

    fn outbox_messages(&mut self, utility: &str) -> StoreResult<Vec<OutboxMessage>> {
        self.all(
            "listing outbox messages",
            "SELECT data FROM outbox WHERE utility = $1
             ORDER BY created_s, created_ns, dedupe_key",
            &[&utility],
        )
    }

    fn mark_delivered(
        &mut self,
        utility: &str,
        dedupe_key: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let mut m = self.outbox_entry(utility, dedupe_key)?;
        if !m.mark_delivered(at) {
            return Ok(false);
        }
        self.rewrite_undelivered("marking an outbox message delivered", &m)
    }

    fn record_delivery_failure(
        &mut self,
        utility: &str,
        dedupe_key: &str,
        error: &str,
        next_attempt_at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let mut m = self.outbox_entry(utility, dedupe_key)?;
        if !m.record_failure(error, next_attempt_at) {
            return Ok(false);
        }
        self.rewrite_undelivered("recording a failed delivery", &m)
    }
}
