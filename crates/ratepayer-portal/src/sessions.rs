//! Sessions after sign-in (issue 17 item 4): a completed sign-in starts
//! one ([`LoginOutcome::SignedIn`](super::LoginOutcome) carries its token);
//! every call that acts for a customer takes the [`Session`] that
//! [`Portal::session`] makes of the token, and checks it again inside its
//! own transaction, so a session ended meanwhile acts no more. Sessions end
//! after the profile's idle and absolute times, on signing out, from the
//! list of a login's sessions, and all at once on a password change (which
//! hands the caller a new one) or reset. The rules live in
//! [`ratepayer::login::session`]; sessions are security records keyed by the
//! token's keyed digest.

use chrono::{DateTime, Utc};

use super::{Portal, PortalError};
use crate::store::{AuditKind, LoginRow, SecurityKind, SecurityRow, Tx};
use ratepayer::login::session::{self, SessionRecord, SessionState};
use ratepayer::login::{device, RevokeReason};

/// A customer's signed-in session, checked at one instant: what the calls
/// that act for a customer take. Only [`Portal::session`] makes one, from
/// a live token. `Debug` shows no secret.
#[derive(Clone, PartialEq, Eq)]
pub struct Session {
    login_id: String,
    key: String,
    id: String,
    at: DateTime<Utc>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("login_id", &self.login_id)
            .field("id", &self.id)
            .field("at", &self.at)
            .finish_non_exhaustive()
    }
}

impl Session {
    /// The login signed in.
    pub fn login_id(&self) -> &str {
        &self.login_id
    }
    /// The session's public id (as in [`Portal::sessions`]; not the token).
    pub fn id(&self) -> &str {
        &self.id
    }
    /// The instant it was checked at (calls check it again at this instant).
    pub fn at(&self) -> DateTime<Utc> {
        self.at
    }
}

/// One of a login's live sessions, as the customer sees the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInfo {
    /// Its public id, to end it with [`Portal::end_session`].
    pub id: String,
    /// Where it was started from (address and browser).
    pub client: String,
    /// When the sign-in completed.
    pub created_at: DateTime<Utc>,
    /// Its last use.
    pub last_seen: DateTime<Utc>,
    /// When it ends unless used before.
    pub idle_expires_at: DateTime<Utc>,
    /// When it ends whatever the use.
    pub expires_at: DateTime<Utc>,
    /// True for the session that asked.
    pub current: bool,
}

impl Portal {
    /// The session of `token` at `now`, or [`PortalError::SignInRequired`]
    /// (the same answer whether the token never existed, was ended, or ran
    /// out idle or in all). A use moves its idle end on. An ended or
    /// expired record met here is removed.
    ///
    /// It reads in a read transaction, without the write lock, and writes
    /// only when there is something to write: the last use, at most once a
    /// minute, or the removal of an ended record (the write transaction
    /// reads the record again and decides on what it finds).
    pub fn session(&self, token: &str, now: DateTime<Utc>) -> Result<Session, PortalError> {
        let Some(key) = session::lookup_key(token, self.key()) else {
            return Err(PortalError::SignInRequired);
        };
        let quick = self.read(|tx| {
            let Some(mut record) = self.session_record(tx, &key)? else {
                return Ok(Some(None));
            };
            if record.state(now) != SessionState::Active || record.touch(now) {
                // Something to write: decided again in a write transaction.
                return Ok(None);
            }
            Ok(Some(Some(Session {
                login_id: record.login().to_owned(),
                key: key.clone(),
                id: record.id().to_owned(),
                at: now,
            })))
        })?;
        if let Some(found) = quick {
            return found.ok_or(PortalError::SignInRequired);
        }
        let found = self.transact(|tx| {
            let Some(mut record) = self.session_record(tx, &key)? else {
                return Ok(None);
            };
            if record.state(now) != SessionState::Active {
                tx.delete_security_record(self.utility(), SecurityKind::Session, &key)?;
                return Ok(None);
            }
            if record.touch(now) {
                self.put_session(tx, &key, &record, now)?;
            }
            Ok(Some(Session {
                login_id: record.login().to_owned(),
                key: key.clone(),
                id: record.id().to_owned(),
                at: now,
            }))
        })?;
        found.ok_or(PortalError::SignInRequired)
    }

    /// Inside a call's transaction: the session is still live at the call's
    /// `now` (or the session's own instant, whichever is later: a `Session`
    /// kept past its idle end acts no more), and its login exists and is not
    /// waiting for a password change.
    pub(super) fn require_session(
        &self,
        tx: &mut dyn Tx,
        session: &Session,
        now: DateTime<Utc>,
    ) -> Result<LoginRow, PortalError> {
        self.check_session(tx, session, now)?;
        self.require_login(tx, &session.login_id)
    }

    /// [`Portal::require_session`] for the calls open while a temporary
    /// password waits to be changed.
    pub(super) fn require_session_any_state(
        &self,
        tx: &mut dyn Tx,
        session: &Session,
        now: DateTime<Utc>,
    ) -> Result<LoginRow, PortalError> {
        self.check_session(tx, session, now)?;
        self.require_login_any_state(tx, &session.login_id)
    }

    fn check_session(
        &self,
        tx: &mut dyn Tx,
        session: &Session,
        now: DateTime<Utc>,
    ) -> Result<(), PortalError> {
        let at = session.at.max(now);
        match self.session_record(tx, &session.key)? {
            Some(r) if r.login() == session.login_id && r.state(at) == SessionState::Active => {
                Ok(())
            }
            _ => Err(PortalError::SignInRequired),
        }
    }

    /// Starts a session for `login_id` signed in from `client` (inside the
    /// sign-in's transaction); returns its token.
    pub(super) fn start_session(
        &self,
        tx: &mut dyn Tx,
        login_id: &str,
        client: &str,
        now: DateTime<Utc>,
    ) -> Result<String, PortalError> {
        let policy = self.profile.spec().login.session;
        let (token, key, record) =
            self.with_rng(|rng| session::start(login_id, client, &policy, rng, now, self.key()))?;
        self.put_session(tx, &key, &record, now)?;
        Ok(token.into_token())
    }

    /// Ends every session of `login_id` but the one stored under `except`;
    /// returns how many live ones ended (audited when any did).
    pub(super) fn end_sessions(
        &self,
        tx: &mut dyn Tx,
        login_id: &str,
        except: Option<&str>,
        why: &str,
        now: DateTime<Utc>,
    ) -> Result<usize, PortalError> {
        let mut ended = 0;
        for row in tx.security_records_of_login(self.utility(), SecurityKind::Session, login_id)? {
            // Records that had ended by themselves (idle or expired, left
            // by the read-only session list) are removed, not counted.
            let live = decode(&row).is_some_and(|r| r.state(now) == SessionState::Active);
            if Some(row.key.as_str()) != except
                && tx.delete_security_record(self.utility(), SecurityKind::Session, &row.key)?
                && live
            {
                ended += 1;
            }
        }
        if ended > 0 {
            tx.append_audit(&self.event(
                AuditKind::SessionEnded,
                now,
                Some(login_id),
                None,
                format!("{ended} session(s) ended: {why}"),
            ))?;
        }
        Ok(ended)
    }

    /// Signs out: ends this session (a session already ended is fine).
    pub fn sign_out(&self, session: &Session) -> Result<(), PortalError> {
        self.transact(|tx| {
            if tx.delete_security_record(self.utility(), SecurityKind::Session, &session.key)? {
                tx.append_audit(&self.event(
                    AuditKind::SessionEnded,
                    session.at,
                    Some(&session.login_id),
                    None,
                    format!("session {} signed out", session.id),
                ))?;
            }
            Ok(())
        })
    }

    /// "Sign out everywhere": ends every session of the login, this one
    /// included, and forgets every remembered device; returns how many
    /// sessions ended.
    pub fn sign_out_everywhere(&self, session: &Session) -> Result<usize, PortalError> {
        self.transact(|tx| {
            let login = self.require_session_any_state(tx, session, session.at)?;
            let ended =
                self.end_sessions(tx, &login.id, None, "signed out everywhere", session.at)?;
            let mut devices = tx.devices(&login.id)?;
            device::revoke_all(
                &mut devices,
                &login.id,
                RevokeReason::AllDevices,
                session.at,
            );
            for d in &devices {
                tx.put_device(d)?;
            }
            Ok(ended)
        })
    }

    /// The login's live sessions, newest first (the asking one marked
    /// `current`). Read in a read transaction: sessions found ended are
    /// left out (and removed when next met by [`Portal::session`], or by
    /// the next sign-out or password change).
    pub fn sessions(&self, session: &Session) -> Result<Vec<SessionInfo>, PortalError> {
        self.read(|tx| {
            let login = self.require_session_any_state(tx, session, session.at)?;
            let mut out = Vec::new();
            for row in
                tx.security_records_of_login(self.utility(), SecurityKind::Session, &login.id)?
            {
                let Some(r) = decode(&row) else {
                    continue;
                };
                if r.state(session.at) != SessionState::Active {
                    continue;
                }
                out.push(SessionInfo {
                    id: r.id().to_owned(),
                    client: r.client().to_owned(),
                    created_at: r.created_at(),
                    last_seen: r.last_seen(),
                    idle_expires_at: r.idle_expires_at(),
                    expires_at: r.expires_at(),
                    current: row.key == session.key,
                });
            }
            out.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(a.id.cmp(&b.id)));
            Ok(out)
        })
    }

    /// Ends the login's session with public id `id` (from
    /// [`Portal::sessions`]; the asking one too, if named).
    pub fn end_session(&self, session: &Session, id: &str) -> Result<(), PortalError> {
        self.transact(|tx| {
            let login = self.require_session_any_state(tx, session, session.at)?;
            let rows =
                tx.security_records_of_login(self.utility(), SecurityKind::Session, &login.id)?;
            let row = rows
                .iter()
                .find(|row| decode(row).is_some_and(|r| r.id() == id))
                .ok_or_else(|| PortalError::not_found("session", id))?;
            tx.delete_security_record(self.utility(), SecurityKind::Session, &row.key)?;
            tx.append_audit(&self.event(
                AuditKind::SessionEnded,
                session.at,
                Some(&login.id),
                None,
                format!("session {id} ended from the list of sessions"),
            ))?;
            Ok(())
        })
    }

    fn session_record(
        &self,
        tx: &mut dyn Tx,
        key: &str,
    ) -> Result<Option<SessionRecord>, PortalError> {
        Ok(tx
            .security_record(self.utility(), SecurityKind::Session, key)?
            .as_ref()
            .and_then(decode))
    }

    fn put_session(
        &self,
        tx: &mut dyn Tx,
        key: &str,
        record: &SessionRecord,
        now: DateTime<Utc>,
    ) -> Result<(), PortalError> {
        let data = serde_json::to_value(record)
            .map_err(|e| PortalError::Config(format!("a session could not be written: {e}")))?;
        tx.put_security_record(&SecurityRow {
            utility: self.utility().to_owned(),
            kind: SecurityKind::Session,
            key: key.to_owned(),
            login: Some(record.login().to_owned()),
            updated_at: now,
            data,
        })?;
        Ok(())
    }
}

/// A stored session, or `None` when the row does not hold one (such a row
/// never signs anyone in).
fn decode(row: &SecurityRow) -> Option<SessionRecord> {
    serde_json::from_value(row.data.clone()).ok()
}
