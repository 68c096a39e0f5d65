//! Messages sent off the caller's thread, for the anonymous recovery
//! requests (password reset, username reminder, temporary password): their
//! answer must take the same time whether or not anything matched, and a
//! notifier that talks to a mail server synchronously would otherwise show
//! it (OWASP Forgot Password Cheat Sheet: consistent response times through
//! asynchronous sending). Each request hands a thread its messages, none
//! when nothing matched, so both paths do the same work; a thread that
//! cannot be started sends in line instead (nothing is lost).
//! [`Portal::flush_messages`] waits for them (tests, and before exiting).

use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use super::{Notice, Portal};

/// Threads still sending, kept to be waited for.
#[derive(Debug, Default)]
pub(super) struct Detached(Mutex<Vec<JoinHandle<()>>>);

impl Portal {
    /// Sends `notices` (possibly none) on a thread of their own.
    pub(super) fn send_detached(&self, notices: Vec<Notice>) {
        let slot = Arc::new(Mutex::new(notices));
        let job_slot = slot.clone();
        let notifier = self.notifier.clone();
        let job = move || {
            let taken = std::mem::take(&mut *job_slot.lock().unwrap_or_else(|p| p.into_inner()));
            for n in &taken {
                notifier.send(n);
            }
        };
        match std::thread::Builder::new()
            .name("ratepayer-notice".into())
            .spawn(job)
        {
            Ok(handle) => {
                let mut threads = self.detached.0.lock().unwrap_or_else(|p| p.into_inner());
                threads.retain(|h| !h.is_finished());
                threads.push(handle);
            }
            Err(_) => {
                let taken = std::mem::take(&mut *slot.lock().unwrap_or_else(|p| p.into_inner()));
                for n in &taken {
                    self.notifier.send(n);
                }
            }
        }
    }

    /// Waits until every message handed to a background thread by the
    /// recovery requests ([`Portal::request_password_reset`],
    /// [`Portal::request_username_reminder`],
    /// [`Portal::request_temporary_password`]) has gone to the notifier.
    /// Call it before the process exits, and in tests before reading what
    /// was sent.
    pub fn flush_messages(&self) {
        let threads =
            std::mem::take(&mut *self.detached.0.lock().unwrap_or_else(|p| p.into_inner()));
        for t in threads {
            // A notifier that panicked lost only its own message.
            let _ = t.join();
        }
    }

    /// A message to email address `to`, or none when it no longer parses.
    pub(super) fn email_notice(&self, to: &str, subject: &str, body: String) -> Option<Notice> {
        ratepayer::verification::Contact::email(to)
            .ok()
            .map(|to| Notice {
                to,
                subject: subject.to_owned(),
                body,
                dedupe_key: None,
            })
    }
}
