//! The outbox part of the storage port: messages to customers (payment
//! receipts, returned-payment notices, AutoPay notices) written in the same
//! transaction as the change that causes them, and delivered after the
//! commit, at least once, by [`crate::Portal::deliver_outbox`].
//!
//! A message ([`OutboxMessage`]) is keyed by (utility, dedupe key): the key
//! names what caused it (`shelby:receipt:<payment key>`), so an operation
//! retried or run again writes no second message ([`OutboxStore::enqueue_message`]
//! keeps the first). Undelivered messages are listed oldest first (by when
//! they were written, then by key), a page at a time after a cursor
//! ([`OutboxCursor`]); each is marked delivered once, or has a failed
//! attempt recorded with the time to try again.
//!
//! A message never holds a secret: one-time codes and reset tokens are
//! sent directly, never through the outbox.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::StoreResult;
use ratepayer::verification::Contact;

/// What an outbox message is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    /// A payment was recorded (a portal payment or an AutoPay draft).
    Receipt,
    /// A payment was returned by the bank or declined by the card issuer.
    PaymentFailed,
    /// The bill is ready and states what AutoPay will draft.
    BillReady,
    /// Regulation E: the amount and date of a variable-amount bank debit.
    VariableAmount,
    /// A reminder before an AutoPay draft.
    DraftReminder,
    /// The card on AutoPay expires soon.
    CardExpiring,
    /// A bill above the customer's AutoPay maximum: pay it by hand.
    PayByHand,
    /// AutoPay is suspended (an expired card).
    AutopaySuspended,
    /// AutoPay was set up.
    AutopayEnrolled,
    /// A login email, billing email or phone was changed (sent to the old
    /// contact; it holds no secret).
    ContactChanged,
}

impl MessageKind {
    /// The name used in dedupe keys and stored columns: `receipt`,
    /// `payment-failed`, `bill-ready`, `reg-e`, `draft-reminder`,
    /// `card-expiring`, `pay-by-hand`, `autopay-suspended`, `autopay-enrolled` or `contact-changed`.
    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::Receipt => "receipt",
            MessageKind::PaymentFailed => "payment-failed",
            MessageKind::BillReady => "bill-ready",
            MessageKind::VariableAmount => "reg-e",
            MessageKind::DraftReminder => "draft-reminder",
            MessageKind::CardExpiring => "card-expiring",
            MessageKind::PayByHand => "pay-by-hand",
            MessageKind::AutopaySuspended => "autopay-suspended",
            MessageKind::AutopayEnrolled => "autopay-enrolled",
            MessageKind::ContactChanged => "contact-changed",
        }
    }
}

/// One message in the outbox.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxMessage {
    /// The utility (profile id).
    pub utility: String,
    /// Unique within the utility: names the utility and what caused the
    /// message (`shelby:receipt:<payment key>`). The receiver gets it too,
    /// to drop a message delivered twice.
    pub dedupe_key: String,
    /// What it is about.
    pub kind: MessageKind,
    /// Where it goes.
    pub to: Contact,
    /// Its subject.
    pub subject: String,
    /// Its text (never a secret).
    pub body: String,
    /// The login it concerns, if any.
    #[serde(default)]
    pub login: Option<String>,
    /// The account it concerns, if any.
    #[serde(default)]
    pub account: Option<String>,
    /// When it was written (its place in the queue).
    pub created_at: DateTime<Utc>,
    /// Delivery attempts that failed.
    #[serde(default)]
    pub attempts: u32,
    /// What the last failed attempt reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// Not tried again before this instant (when written: `created_at`).
    pub next_attempt_at: DateTime<Utc>,
    /// When the notifier took it; `None` while undelivered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivered_at: Option<DateTime<Utc>>,
}

impl std::fmt::Debug for OutboxMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutboxMessage")
            .field("utility", &self.utility)
            .field("dedupe_key", &self.dedupe_key)
            .field("kind", &self.kind)
            .field("to", &self.to)
            .field("subject", &self.subject)
            .field("attempts", &self.attempts)
            .field("last_error", &self.last_error)
            .field("next_attempt_at", &self.next_attempt_at)
            .field("delivered_at", &self.delivered_at)
            .finish_non_exhaustive()
    }
}

impl OutboxMessage {
    /// Where it stands in the queue: pass the last message of a page to
    /// [`OutboxStore::undelivered_messages`] for the next page.
    pub fn cursor(&self) -> OutboxCursor {
        OutboxCursor {
            created_at: self.created_at,
            dedupe_key: self.dedupe_key.clone(),
        }
    }

    /// True when a page of [`OutboxStore::undelivered_messages`] with
    /// `due_by` and `after` lists it: undelivered, its next attempt at or
    /// before `due_by`, and after the cursor.
    pub fn is_listed(&self, due_by: DateTime<Utc>, after: Option<&OutboxCursor>) -> bool {
        self.delivered_at.is_none()
            && self.next_attempt_at <= due_by
            && after.is_none_or(|c| {
                (self.created_at, self.dedupe_key.as_str()) > (c.created_at, c.dedupe_key.as_str())
            })
    }

    /// Marks it delivered at `at`, as [`OutboxStore::mark_delivered`]
    /// does; false (nothing changed) when it was delivered before.
    pub fn mark_delivered(&mut self, at: DateTime<Utc>) -> bool {
        if self.delivered_at.is_some() {
            return false;
        }
        self.delivered_at = Some(at);
        true
    }

    /// Records a failed attempt, as [`OutboxStore::record_delivery_failure`]
    /// does: one more attempt, its error, the next try; false (nothing
    /// changed) when it was delivered.
    pub fn record_failure(&mut self, error: &str, next_attempt_at: DateTime<Utc>) -> bool {
        if self.delivered_at.is_some() {
            return false;
        }
        self.attempts = self.attempts.saturating_add(1);
        self.last_error = Some(error.to_owned());
        self.next_attempt_at = next_attempt_at;
        true
    }
}

/// A place in the outbox's order (when written, then dedupe key): a page
/// lists the messages after it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct OutboxCursor {
    /// When the message was written.
    pub created_at: DateTime<Utc>,
    /// Its dedupe key.
    pub dedupe_key: String,
}

/// The outbox: messages keyed by (utility, dedupe key).
pub trait OutboxStore {
    /// Writes a message unless (utility, dedupe key) is in the outbox
    /// (delivered or not); true when written now. Atomic with the rest of
    /// the transaction (a unique key), so the message exists exactly when
    /// the change that caused it committed.
    fn enqueue_message(&mut self, message: &OutboxMessage) -> StoreResult<bool>;
    /// The message of `utility` with this dedupe key.
    fn outbox_message(
        &mut self,
        utility: &str,
        dedupe_key: &str,
    ) -> StoreResult<Option<OutboxMessage>>;
    /// Up to `limit` undelivered messages of `utility` due by `due_by`
    /// (their next attempt at or before it), oldest first (by when written,
    /// then by dedupe key), after `after` when given.
    fn undelivered_messages(
        &mut self,
        utility: &str,
        due_by: DateTime<Utc>,
        after: Option<&OutboxCursor>,
        limit: usize,
    ) -> StoreResult<Vec<OutboxMessage>>;
    /// Every message of `utility`, delivered or not, oldest first.
    fn outbox_messages(&mut self, utility: &str) -> StoreResult<Vec<OutboxMessage>>;
    /// Marks a message delivered at `at`; false when it was marked before
    /// (its first mark stays). [`super::StorageErrorKind::NotFound`] when
    /// there is no such message.
    fn mark_delivered(
        &mut self,
        utility: &str,
        dedupe_key: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<bool>;
    /// Records a failed delivery attempt: one more attempt, its error, and
    /// when to try again; false (nothing changed) when the message was
    /// delivered meanwhile. [`super::StorageErrorKind::NotFound`] when
    /// there is no such message.
    fn record_delivery_failure(
        &mut self,
        utility: &str,
        dedupe_key: &str,
        error: &str,
        next_attempt_at: DateTime<Utc>,
    ) -> StoreResult<bool>;
}
