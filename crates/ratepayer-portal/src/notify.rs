//! Messages the portal sends (verification codes, link notices, payment
//! receipts, AutoPay notices) and the port they go out through. The portal
//! hands a message to the [`Notifier`] only after its transaction
//! committed: money notices through the outbox (`outbox`), each with its
//! dedupe key, through [`Notifier::deliver`], which may fail and be retried;
//! one-time codes and security notices directly through [`Notifier::send`].

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use ratepayer::verification::Contact;

/// One message to send.
#[derive(Clone, PartialEq, Eq)]
pub struct Notice {
    /// Where it goes.
    pub to: Contact,
    /// Its subject.
    pub subject: String,
    /// Its text; may hold a one-time code, so it is never logged.
    pub body: String,
    /// For a message from the outbox, the key that names what caused it
    /// (`shelby:receipt:<payment key>`): a message may be delivered more
    /// than once (at least once), and the same key means the same message,
    /// so a receiver drops the second. `None` for a direct message.
    pub dedupe_key: Option<String>,
}

impl std::fmt::Debug for Notice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Notice")
            .field("to", &self.to)
            .field("subject", &self.subject)
            .field("body", &"<redacted>")
            .field("dedupe_key", &self.dedupe_key)
            .finish()
    }
}

/// Why a message was not delivered (kept with the message in the outbox:
/// never put a secret in it).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the message was not delivered: {message}")]
pub struct NotifyError {
    /// What went wrong.
    pub message: String,
}

/// Sends messages (email, text). Implemented by the application.
pub trait Notifier: Send + Sync {
    /// Sends `notice` directly (one-time codes, security notices). Failures
    /// are the application's to retry; the portal has already committed.
    fn send(&self, notice: &Notice);

    /// Delivers a message from the outbox (it carries its
    /// [`Notice::dedupe_key`]). An error leaves it in the outbox, to be
    /// tried again later; success marks it delivered. It may be called
    /// twice for one message (a crash between delivery and the mark):
    /// drop a key seen before. By default it sends through
    /// [`Notifier::send`] and reports success.
    fn deliver(&self, notice: &Notice) -> Result<(), NotifyError> {
        self.send(notice);
        Ok(())
    }
}

/// Sends nothing.
#[derive(Debug, Default, Clone, Copy)]
pub struct NullNotifier;

impl Notifier for NullNotifier {
    fn send(&self, _notice: &Notice) {}
}

/// Keeps every message, for tests and demos; it can be told to fail
/// deliveries from the outbox ([`RecordingNotifier::set_failing`]).
#[derive(Debug, Default)]
pub struct RecordingNotifier {
    sent: Mutex<Vec<Notice>>,
    failing: AtomicBool,
}

impl RecordingNotifier {
    /// An empty outbox.
    pub fn new() -> RecordingNotifier {
        RecordingNotifier::default()
    }

    /// While `failing`, every delivery from the outbox fails (and is not
    /// kept); direct sends are kept as always.
    pub fn set_failing(&self, failing: bool) {
        self.failing.store(failing, Ordering::SeqCst);
    }

    /// Every message sent so far, oldest first.
    pub fn sent(&self) -> Vec<Notice> {
        self.sent.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The last one-time code (six or more digits in a row) sent to `to`.
    pub fn last_code_to(&self, to: &Contact) -> Option<String> {
        self.sent()
            .iter()
            .rev()
            .filter(|n| &n.to == to)
            .find_map(|n| {
                n.body
                    .split(|c: char| !c.is_ascii_digit())
                    .find(|w| w.len() >= 6)
                    .map(str::to_owned)
            })
    }
}

impl Notifier for RecordingNotifier {
    fn send(&self, notice: &Notice) {
        self.sent
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(notice.clone());
    }

    fn deliver(&self, notice: &Notice) -> Result<(), NotifyError> {
        if self.failing.load(Ordering::SeqCst) {
            return Err(NotifyError {
                message: "the mail service is unavailable (RecordingNotifier set to fail)".into(),
            });
        }
        self.send(notice);
        Ok(())
    }
}
