//! The notifier of the back-office commands: it appends each message the
//! portal delivers from its outbox to a file, one JSON object a line
//! (`to`, `subject`, `body`, `dedupe_key`), for the utility's mail
//! gateway to send. A message delivered twice (at least once) has the same
//! `dedupe_key` both times; the gateway drops the second.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use ratepayer_portal::{Notice, Notifier, NotifyError};
use serde_json::json;

use crate::error::CliError;

/// Appends messages to a JSON-lines file.
#[derive(Debug)]
pub struct MailLog {
    path: PathBuf,
    file: Mutex<File>,
}

impl MailLog {
    /// Opens (or creates) `path` for appending.
    pub fn open(path: &Path) -> Result<MailLog, CliError> {
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| CliError::io(path, "open", &e))?;
        Ok(MailLog {
            path: path.to_owned(),
            file: Mutex::new(file),
        })
    }

    /// The file written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn append(&self, notice: &Notice) -> Result<(), NotifyError> {
        let line = json!({
            "to": notice.to.as_str(),
            "subject": notice.subject,
            "body": notice.body,
            "dedupe_key": notice.dedupe_key,
        });
        let mut file = self.file.lock().unwrap_or_else(|p| p.into_inner());
        writeln!(file, "{line}")
            .and_then(|()| file.sync_data())
            .map_err(|e| NotifyError {
                message: format!("cannot append to the mail log: {e}"),
            })
    }
}

impl Notifier for MailLog {
    fn send(&self, notice: &Notice) {
        let _ = self.append(notice);
    }

    fn deliver(&self, notice: &Notice) -> Result<(), NotifyError> {
        self.append(notice)
    }
}
