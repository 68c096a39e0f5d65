//! [`AuditStore`] on SQLite: an append-only table ordered by an
//! autoincrement sequence. Since schema version 7 an event's `data` holds
//! its kind and detail only: its utility, login, account and instant are
//! columns (every AutoPay draft, and its hand-off, writes one event). An
//! event written before keeps every field in `data`, and is read from there.

use chrono::{DateTime, Utc};
use ratepayer_portal::store::{
    AuditEvent, AuditKind, AuditStore, StorageError, StorageErrorKind, StoreResult,
};
use rusqlite::params;
use serde::{Deserialize, Serialize};

use super::SqliteTx;
use crate::error::{db, from_json, to_json};

/// What an event's `data` holds when written now.
#[derive(Serialize)]
struct Stored<'a> {
    kind: &'a AuditKind,
    detail: &'a str,
}

/// What an event's `data` may hold: every field (written before version
/// 7), or the kind and detail (since).
#[derive(Deserialize)]
struct Read {
    #[serde(default)]
    at: Option<DateTime<Utc>>,
    #[serde(default)]
    utility: Option<String>,
    kind: AuditKind,
    /// Present (perhaps null) in an event written before version 7.
    #[serde(default, deserialize_with = "present")]
    login: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    account: Option<Option<String>>,
    detail: String,
}

/// A field that is present, even as `null`: `Some(value)`.
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

impl AuditStore for SqliteTx<'_> {
    fn append_audit(&mut self, event: &AuditEvent) -> StoreResult<()> {
        let what = "appending an audit event";
        // Destructured in full, so a field added to the event must be
        // placed here (in a column or in `data`) before this compiles.
        let AuditEvent {
            at,
            utility,
            kind,
            login,
            account,
            detail,
        } = event;
        let data = to_json(what, &Stored { kind, detail })?;
        self.exec(
            what,
            "INSERT INTO audit (utility, kind, login, account, at, data)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                utility,
                kind.as_str(),
                login,
                account,
                at.to_rfc3339(),
                data
            ],
        )?;
        Ok(())
    }

    fn audit_events(&mut self, utility: &str) -> StoreResult<Vec<AuditEvent>> {
        let what = "reading the audit trail";
        self.live(what)?;
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT data, utility, login, account, at FROM audit WHERE utility = ?1
                 ORDER BY seq",
            )
            .map_err(|e| db(what, e))?;
        let mut rows = stmt.query([utility]).map_err(|e| db(what, e))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(|e| db(what, e))? {
            let data: String = row.get(0).map_err(|e| db(what, e))?;
            let read: Read = from_json(what, &data)?;
            let column =
                |i: usize| -> StoreResult<Option<String>> { row.get(i).map_err(|e| db(what, e)) };
            out.push(AuditEvent {
                at: match read.at {
                    Some(at) => at,
                    None => {
                        let text: String = row.get(4).map_err(|e| db(what, e))?;
                        DateTime::parse_from_rfc3339(&text)
                            .map_err(|e| {
                                StorageError::new(
                                    StorageErrorKind::Corrupt,
                                    format!("{what} failed: an event's instant `{text}`: {e}"),
                                )
                            })?
                            .with_timezone(&Utc)
                    }
                },
                utility: match read.utility {
                    Some(u) => u,
                    None => row.get(1).map_err(|e| db(what, e))?,
                },
                kind: read.kind,
                login: match read.login {
                    Some(l) => l,
                    None => column(2)?,
                },
                account: match read.account {
                    Some(a) => a,
                    None => column(3)?,
                },
                detail: read.detail,
            });
        }
        Ok(out)
    }
}
