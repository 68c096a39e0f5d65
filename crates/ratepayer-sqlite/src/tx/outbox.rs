//! [`OutboxStore`] on SQLite: one table keyed by (utility, dedupe key), so a
//! message is written once across every connection and process, with a
//! partial index of the undelivered ones in the outbox's order (when
//! written, then dedupe key). A message's `data` holds only the fields
//! without a column (`outbox_record`).

use chrono::{DateTime, Utc};
use ratepayer_portal::store::{
    OutboxCursor, OutboxMessage, OutboxStore, StorageError, StorageErrorKind, StoreResult,
};
use rusqlite::params;

use super::outbox_record::{message_at, message_data, select_messages};
use super::{instant, SqliteTx};
use crate::error::{db, to_json};

impl SqliteTx<'_> {
    /// The messages a query of [`select_messages`] lists, in its order.
    fn messages(
        &self,
        what: &str,
        sql: &str,
        params: impl rusqlite::Params,
    ) -> StoreResult<Vec<OutboxMessage>> {
        self.live(what)?;
        let mut stmt = self.conn.prepare_cached(sql).map_err(|e| db(what, e))?;
        let mut rows = stmt.query(params).map_err(|e| db(what, e))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(|e| db(what, e))? {
            out.push(message_at(what, row)?);
        }
        Ok(out)
    }

    /// The message under (utility, key), if any.
    fn find_message(&self, utility: &str, key: &str) -> StoreResult<Option<OutboxMessage>> {
        Ok(self
            .messages(
                "reading an outbox message",
                select_messages!("WHERE utility = ?1 AND dedupe_key = ?2"),
                [utility, key],
            )?
            .pop())
    }

    /// The message under (utility, key), or a not-found error.
    fn outbox_entry(&self, utility: &str, key: &str) -> StoreResult<OutboxMessage> {
        self.find_message(utility, key)?.ok_or_else(|| {
            StorageError::new(
                StorageErrorKind::NotFound,
                format!("no outbox message `{key}`"),
            )
        })
    }

    /// Writes back a changed message: its record, attempts, next attempt
    /// and delivery.
    fn rewrite_message(&self, what: &str, m: &OutboxMessage) -> StoreResult<()> {
        let data = message_data(what, m)?;
        let (next_s, next_ns) = instant(&m.next_attempt_at);
        let delivered = m.delivered_at.as_ref().map(instant);
        self.exec(
            what,
            "UPDATE outbox SET next_s = ?3, next_ns = ?4, attempts = ?5, delivered_s = ?6,
                    delivered_ns = ?7, data = ?8
             WHERE utility = ?1 AND dedupe_key = ?2",
            params![
                m.utility,
                m.dedupe_key,
                next_s,
                next_ns,
                m.attempts,
                delivered.map(|d| d.0),
                delivered.map(|d| d.1),
                data
            ],
        )?;
        Ok(())
    }
}

impl OutboxStore for SqliteTx<'_> {
    fn enqueue_message(&mut self, m: &OutboxMessage) -> StoreResult<bool> {
        let what = "writing an outbox message";
        let data = message_data(what, m)?;
        let (created_s, created_ns) = instant(&m.created_at);
        let (next_s, next_ns) = instant(&m.next_attempt_at);
        let delivered = m.delivered_at.as_ref().map(instant);
        let inserted = self.exec(
            what,
            "INSERT INTO outbox (utility, dedupe_key, kind, created_s, created_ns, next_s,
                                 next_ns, attempts, delivered_s, delivered_ns, data)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
             ON CONFLICT (utility, dedupe_key) DO NOTHING",
            params![
                m.utility,
                m.dedupe_key,
                m.kind.as_str(),
                created_s,
                created_ns,
                next_s,
                next_ns,
                m.attempts,
                delivered.map(|d| d.0),
                delivered.map(|d| d.1),
                data
            ],
        )?;
        Ok(inserted > 0)
    }

    fn outbox_message(
        &mut self,
        utility: &str,
        dedupe_key: &str,
    ) -> StoreResult<Option<OutboxMessage>> {
        self.find_message(utility, dedupe_key)
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
                (s, i64::from(ns), c.dedupe_key.as_str())
            }
            None => (i64::MIN, -1, ""),
        };
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.messages(
            "listing undelivered outbox messages",
            select_messages!(
                "WHERE utility = ?1 AND delivered_s IS NULL
               AND (next_s < ?2 OR (next_s = ?2 AND next_ns <= ?3))
               AND (created_s, created_ns, dedupe_key) > (?4, ?5, ?6)
             ORDER BY created_s, created_ns, dedupe_key
             LIMIT ?7"
            ),
            params![utility, due_s, due_ns, after_s, after_ns, after_key, limit],
        )
    }

    fn outbox_messages(&mut self, utility: &str) -> StoreResult<Vec<OutboxMessage>> {
        self.messages(
            "listing outbox messages",
            select_messages!(
                "WHERE utility = ?1
             ORDER BY created_s, created_ns, dedupe_key"
            ),
            [utility],
        )
    }

    fn mark_delivered(
        &mut self,
        utility: &str,
        dedupe_key: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        // One conditional update: the delivery set in its columns unless it
        // was marked before; nothing changed means marked before, or no
        // such message. A message written before schema version 7 keeps its
        // delivery in `data` too: set there as well (the instant written as
        // the record itself writes it).
        let what = "marking an outbox message delivered";
        let (s, ns) = instant(&at);
        let json = to_json(what, &at)?;
        let changed = self.exec(
            what,
            "UPDATE outbox SET delivered_s = ?3, delivered_ns = ?4,
                    data = json_replace(data, '$.delivered_at', json(?5))
             WHERE utility = ?1 AND dedupe_key = ?2 AND delivered_s IS NULL",
            params![utility, dedupe_key, s, ns, json],
        )?;
        if changed > 0 {
            return Ok(true);
        }
        self.outbox_entry(utility, dedupe_key)?;
        Ok(false)
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
        self.rewrite_message("recording a failed delivery", &m)?;
        Ok(true)
    }
}
