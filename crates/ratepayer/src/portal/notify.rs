//! Messages the portal sends (verification codes, link notices, payment
//! confirmations) and the port they go out through. The portal hands a
//! message to the [`Notifier`] only after its transaction committed.

use std::sync::Mutex;

use crate::verification::Contact;

/// One message to send.
#[derive(Clone, PartialEq, Eq)]
pub struct Notice {
    /// Where it goes.
    pub to: Contact,
    /// Its subject.
    pub subject: String,
    /// Its text; may hold a one-time code, so it is never logged.
    pub body: String,
}

impl std::fmt::Debug for Notice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Notice")
            .field("to", &self.to)
            .field("subject", &self.subject)
            .field("body", &"<redacted>")
            .finish()
    }
}

/// Sends messages (email, text). Implemented by the application.
pub trait Notifier: Send + Sync {
    /// Sends `notice`. Failures are the application's to retry; the portal
    /// has already committed.
    fn send(&self, notice: &Notice);
}

/// Sends nothing.
#[derive(Debug, Default, Clone, Copy)]
pub struct NullNotifier;

impl Notifier for NullNotifier {
    fn send(&self, _notice: &Notice) {}
}

/// Keeps every message, for tests and demos.
#[derive(Debug, Default)]
pub struct RecordingNotifier {
    sent: Mutex<Vec<Notice>>,
}

impl RecordingNotifier {
    /// An empty outbox.
    pub fn new() -> RecordingNotifier {
        RecordingNotifier::default()
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
}
