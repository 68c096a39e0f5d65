//! The portal's side of the outbox: money notices (receipts, returned
//! payments, AutoPay notices) written in the transaction of the change that
//! causes them, each under a dedupe key that names the utility and the
//! cause, so a retried or re-run operation writes no second message; and
//! their delivery through the [`Notifier`](super::Notifier).
//!
//! Delivery is **at least once**. A customer's call (a payment, a
//! processor result, an enrolment) hands the messages it wrote to the
//! notifier straight after its commit; the AutoPay cycle leaves its
//! messages for [`Portal::deliver_outbox`], which the application runs
//! after the cycle and on a timer. A message is marked delivered only
//! *after* [`Notifier::deliver`](super::Notifier::deliver) returned (a
//! customer's call marks each in a short transaction of its own;
//! [`Portal::deliver_outbox`] hands over a page of messages, then marks the
//! page in one short transaction): a crash (or a failed mark) between the
//! two leaves them undelivered, and the next delivery hands them over
//! again, with the same dedupe keys, for the receiver to drop. A notifier failure records the
//! attempt, its error and when to try again (one minute, doubling, at most
//! six hours apart); the message is never dropped.
//!
//! One-time codes, reset tokens and security notices do not go through
//! the outbox: they are sent directly after the commit (a stored message
//! must never hold a secret, and a code that arrives late is useless).

use chrono::{DateTime, Duration, Utc};

use super::notify::Notice;
use super::{Portal, PortalError};
use crate::store::{MessageKind, OutboxCursor, OutboxMessage, Tx};
use ratepayer::verification::Contact;

/// Messages read per transaction by [`Portal::deliver_outbox`].
const PAGE: usize = 100;

/// The wait before the first retry of a failed delivery, in seconds.
const FIRST_RETRY_SECONDS: i64 = 60;

/// The longest wait between two attempts, in seconds (six hours).
const MAX_RETRY_SECONDS: i64 = 6 * 60 * 60;

/// How long to wait before trying a message again after its `attempts`-th
/// failed attempt: one minute, doubling each time, at most six hours.
pub fn retry_delay(attempts: u32) -> Duration {
    let doublings = attempts.saturating_sub(1).min(20);
    let seconds = FIRST_RETRY_SECONDS
        .saturating_mul(1_i64 << doublings)
        .min(MAX_RETRY_SECONDS);
    Duration::seconds(seconds)
}

/// What [`Portal::deliver_outbox`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeliveryReport {
    /// Messages the notifier took and this call marked delivered.
    pub delivered: usize,
    /// Messages the notifier took that another runner had marked meanwhile
    /// (delivered twice: the receiver drops the second by its dedupe key).
    pub already_delivered: usize,
    /// Messages the notifier did not take, with its error: left in the
    /// outbox, with the attempt recorded, to be tried again.
    pub failed: Vec<(String, String)>,
}

/// A money notice to write: what it is about, the parts that name its
/// cause (joined into the dedupe key after the utility and the kind), where
/// it goes and what it says.
pub(super) struct Outgoing<'a> {
    /// What it is about.
    pub kind: MessageKind,
    /// What caused it (a payment key; an account and a bill).
    pub about: &'a [&'a str],
    /// The email address it goes to.
    pub to: &'a str,
    /// Its subject.
    pub subject: String,
    /// Its text (never a secret).
    pub body: String,
    /// The login it concerns.
    pub login: Option<&'a str>,
    /// The account it concerns.
    pub account: Option<&'a str>,
}

/// How a message fared with the notifier.
enum Handed {
    Delivered,
    AlreadyDelivered,
    Failed(String),
}

impl Portal {
    /// The dedupe key of a message of `kind` about `about`:
    /// `<utility>:<kind>:<part>:<part>…`, each part with control characters
    /// escaped (so a key is always printable).
    pub(super) fn dedupe_key(&self, kind: MessageKind, about: &[&str]) -> String {
        let mut key = format!("{}:{}", self.utility().escape_debug(), kind.as_str());
        for part in about {
            key.push(':');
            key.extend(part.escape_debug());
        }
        key
    }

    /// Writes a message to the outbox in `tx`, unless its dedupe key is
    /// there already; the message when written now (an address that does
    /// not parse is skipped, as before the outbox).
    pub(super) fn enqueue(
        &self,
        tx: &mut dyn Tx,
        out: Outgoing<'_>,
        now: DateTime<Utc>,
    ) -> Result<Option<OutboxMessage>, PortalError> {
        let Ok(to) = Contact::email(out.to) else {
            return Ok(None);
        };
        let message = OutboxMessage {
            utility: self.utility().to_owned(),
            dedupe_key: self.dedupe_key(out.kind, out.about),
            kind: out.kind,
            to,
            subject: out.subject,
            body: out.body,
            login: out.login.map(str::to_owned),
            account: out.account.map(str::to_owned),
            created_at: now,
            attempts: 0,
            last_error: None,
            next_attempt_at: now,
            delivered_at: None,
        };
        Ok(tx.enqueue_message(&message)?.then_some(message))
    }

    /// After a commit: hands the messages the call wrote to the notifier
    /// at once. Best effort: the call has committed, and whatever is not
    /// marked delivered here stays in the outbox for
    /// [`Portal::deliver_outbox`].
    pub(super) fn deliver_written(&self, written: &[OutboxMessage], now: DateTime<Utc>) {
        for m in written {
            // A storage error leaves the message undelivered: delivered
            // later, at least once.
            let _ = self.hand_over(m, now);
        }
    }

    /// Hands one message to the notifier, then records the outcome in its
    /// own transaction.
    fn hand_over(&self, m: &OutboxMessage, now: DateTime<Utc>) -> Result<Handed, PortalError> {
        let outcome = self.notifier.deliver(&notice_of(m)).map_err(|e| e.message);
        self.transact(|tx| record_outcome(tx, m, &outcome, now))
    }

    /// Delivers up to `limit` undelivered messages of the utility that are
    /// due by `now` (never tried, or past their retry time), oldest first,
    /// through the notifier, a page (100) at a time: the page is handed to
    /// the notifier message by message, with no transaction open, then one
    /// short transaction marks those it took delivered and records the
    /// attempt of those it did not, to try later. At least once: a crash
    /// between the notifier taking a message and its page's mark delivers
    /// it again, with the same dedupe key. Run it after the AutoPay cycle and
    /// on a timer; safe to run from several processes at once (a message
    /// may then be delivered twice, and is marked once).
    pub fn deliver_outbox(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<DeliveryReport, PortalError> {
        let mut report = DeliveryReport::default();
        let mut after: Option<OutboxCursor> = None;
        let mut handled = 0;
        while handled < limit {
            let page_size = (limit - handled).min(PAGE);
            let page = self.transact(|tx| {
                Ok(tx.undelivered_messages(self.utility(), now, after.as_ref(), page_size)?)
            })?;
            if page.is_empty() {
                break;
            }
            let mut outcomes = Vec::with_capacity(page.len());
            for m in &page {
                handled += 1;
                after = Some(m.cursor());
                outcomes.push(self.notifier.deliver(&notice_of(m)).map_err(|e| e.message));
            }
            let handed = self.transact(|tx| {
                let mut out = Vec::with_capacity(page.len());
                for (m, outcome) in page.iter().zip(&outcomes) {
                    out.push(record_outcome(tx, m, outcome, now)?);
                }
                Ok(out)
            })?;
            for (m, handed) in page.iter().zip(handed) {
                match handed {
                    Handed::Delivered => report.delivered += 1,
                    Handed::AlreadyDelivered => report.already_delivered += 1,
                    Handed::Failed(why) => report.failed.push((m.dedupe_key.clone(), why)),
                }
            }
        }
        Ok(report)
    }

    /// Every message of the utility in the outbox, delivered or not,
    /// oldest first (for staff and tests).
    pub fn outbox_messages(&self) -> Result<Vec<OutboxMessage>, PortalError> {
        self.read(|tx| Ok(tx.outbox_messages(self.utility())?))
    }
}

/// The notice the notifier is given for a message.
fn notice_of(m: &OutboxMessage) -> Notice {
    Notice {
        to: m.to.clone(),
        subject: m.subject.clone(),
        body: m.body.clone(),
        dedupe_key: Some(m.dedupe_key.clone()),
    }
}

/// Records in `tx` how the notifier took a message: marked delivered, or
/// the failed attempt with when to try again.
fn record_outcome(
    tx: &mut dyn Tx,
    m: &OutboxMessage,
    outcome: &Result<(), String>,
    now: DateTime<Utc>,
) -> Result<Handed, PortalError> {
    match outcome {
        Ok(()) => Ok(if tx.mark_delivered(&m.utility, &m.dedupe_key, now)? {
            Handed::Delivered
        } else {
            Handed::AlreadyDelivered
        }),
        Err(message) => {
            let next = now + retry_delay(m.attempts.saturating_add(1));
            tx.record_delivery_failure(&m.utility, &m.dedupe_key, message, next)?;
            Ok(Handed::Failed(message.clone()))
        }
    }
}
