//! Signed-in sessions (NIST SP 800-63B-4 §5 "session management", OWASP
//! ASVS 5.0 V7): the rules, with no storage. A session starts when a
//! sign-in completes (never before its second step, so a token seen before
//! authentication is never promoted: no fixation); its token is 32 random
//! bytes (256 bits) in hex, handed to the customer once; only a keyed
//! digest of it is kept, and it is also the record's storage index
//! ([`lookup_key`]). A session ends after `idle_minutes` without use, or
//! `absolute_hours` after it started whatever the use, or when it is ended
//! (signing out, a password change or reset, the customer ending it from
//! the list of sessions).

use std::fmt;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::LoginError;
use crate::security::RandomSource;
use crate::tariff::Problem;
use crate::verification::{after_minutes, digest_hex, normalise_hex_token, random_hex, REDACTED};

/// Random bytes per session token (256 bits).
pub const SESSION_TOKEN_BYTES: usize = 32;
/// The longest idle timeout a profile may set: 24 hours.
pub const MAX_IDLE_MINUTES: u32 = 24 * 60;
/// The longest session a profile may set: 30 days, NIST SP 800-63B-4's
/// reauthentication limit at AAL1.
pub const MAX_ABSOLUTE_HOURS: u32 = 30 * 24;

const LABEL: &str = "ratepayer/session-token/v1";

/// How long sessions last (the profile's `[login.session]`). The defaults,
/// 30 minutes idle and 12 hours in all, are inside NIST SP 800-63B-4's
/// AAL2 limits (1 hour idle, 24 hours) for portals that move money.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SessionPolicy {
    /// Minutes without a call after which the session ends: 1 to
    /// [`MAX_IDLE_MINUTES`].
    pub idle_minutes: u32,
    /// Hours after sign-in at which the session ends whatever the use: 1
    /// to [`MAX_ABSOLUTE_HOURS`].
    pub absolute_hours: u32,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        SessionPolicy {
            idle_minutes: 30,
            absolute_hours: 12,
        }
    }
}

impl SessionPolicy {
    /// Every problem, each with its field; empty when valid.
    pub fn problems(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        if !(1..=MAX_IDLE_MINUTES).contains(&self.idle_minutes) {
            out.push(Problem {
                path: "idle_minutes".into(),
                message: format!(
                    "{} minutes is out of range; use 1 to {MAX_IDLE_MINUTES} (NIST SP 800-63B-4 \
                     allows 60 at AAL2)",
                    self.idle_minutes
                ),
            });
        }
        if !(1..=MAX_ABSOLUTE_HOURS).contains(&self.absolute_hours) {
            out.push(Problem {
                path: "absolute_hours".into(),
                message: format!(
                    "{} hours is out of range; a customer must sign in again at least every 30 \
                     days, so use 1 to {MAX_ABSOLUTE_HOURS}",
                    self.absolute_hours
                ),
            });
        } else if u64::from(self.idle_minutes) > u64::from(self.absolute_hours) * 60 {
            out.push(Problem {
                path: "idle_minutes".into(),
                message: format!(
                    "{} minutes is longer than the whole session ({} hours); make it at most \
                     the session's length",
                    self.idle_minutes, self.absolute_hours
                ),
            });
        }
        out
    }
}

/// A session token just issued: send it to the customer's browser or app
/// (a `Secure`, `HttpOnly`, `SameSite` cookie), then drop it. `Debug`
/// redacts it.
pub struct IssuedSessionToken {
    token: String,
}

impl IssuedSessionToken {
    /// The token: 64 lower-case hex characters.
    pub fn token(&self) -> &str {
        &self.token
    }
    /// The token, moved out.
    pub fn into_token(self) -> String {
        self.token
    }
}

impl fmt::Debug for IssuedSessionToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuedSessionToken")
            .field("token", &REDACTED)
            .finish()
    }
}

/// Where a session stands at an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionState {
    /// In use.
    Active,
    /// Ended: no call for `idle_minutes`.
    Idle,
    /// Ended: `absolute_hours` passed since sign-in.
    Expired,
}

/// The stored side of a session (its token's digest is the storage key,
/// not a field). `Debug` shows nothing secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionRecord {
    id: String,
    login: String,
    client: String,
    created_at: DateTime<Utc>,
    last_seen: DateTime<Utc>,
    idle_minutes: u32,
    expires_at: DateTime<Utc>,
}

impl SessionRecord {
    /// A public identifier (16 hex characters) to list and end sessions by;
    /// it is not the token and cannot be turned into one.
    pub fn id(&self) -> &str {
        &self.id
    }
    /// The login signed in.
    pub fn login(&self) -> &str {
        &self.login
    }
    /// The client it was started from (address and browser), for the list.
    pub fn client(&self) -> &str {
        &self.client
    }
    /// When the sign-in completed.
    pub fn created_at(&self) -> DateTime<Utc> {
        self.created_at
    }
    /// The last call made with it.
    pub fn last_seen(&self) -> DateTime<Utc> {
        self.last_seen
    }
    /// The first instant at which it ends unless used before.
    pub fn idle_expires_at(&self) -> DateTime<Utc> {
        after_minutes(self.last_seen, self.idle_minutes).min(self.expires_at)
    }
    /// The first instant at which it ends whatever the use.
    pub fn expires_at(&self) -> DateTime<Utc> {
        self.expires_at
    }
    /// Where it stands at `now`. A clock that moved backwards does not
    /// extend it: `now` before the last use counts as the last use.
    pub fn state(&self, now: DateTime<Utc>) -> SessionState {
        if now >= self.expires_at {
            SessionState::Expired
        } else if now >= self.idle_expires_at() {
            SessionState::Idle
        } else {
            SessionState::Active
        }
    }
    /// Records a call at `now` (never moves `last_seen` back). True when
    /// the stored record should be written: at most once a minute, so a
    /// page that makes many calls writes once.
    pub fn touch(&mut self, now: DateTime<Utc>) -> bool {
        let next = self
            .last_seen
            .checked_add_signed(Duration::minutes(1))
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
        if now >= next {
            self.last_seen = now;
            true
        } else {
            false
        }
    }
}

/// The storage index of a presented token, or `None` when it cannot be a
/// token (wrong length or not hex).
pub fn lookup_key(presented: &str, key: &[u8]) -> Option<String> {
    let token = normalise_hex_token(presented, SESSION_TOKEN_BYTES)?;
    Some(digest_hex(key, LABEL, &[token.as_bytes()]))
}

/// Starts a session for `login`, signed in from `client` at `now`: the
/// token to hand over, its storage key and the record to store under it.
pub fn start(
    login: &str,
    client: &str,
    policy: &SessionPolicy,
    rng: &mut dyn RandomSource,
    now: DateTime<Utc>,
    key: &[u8],
) -> Result<(IssuedSessionToken, String, SessionRecord), LoginError> {
    let problems = policy.problems();
    if !problems.is_empty() {
        return Err(LoginError::InvalidPolicy {
            problems: problems
                .into_iter()
                .map(|p| Problem {
                    path: format!("session.{}", p.path),
                    message: p.message,
                })
                .collect(),
        });
    }
    let token = random_hex(rng, SESSION_TOKEN_BYTES)?;
    let id = random_hex(rng, 8)?;
    let storage_key = digest_hex(key, LABEL, &[token.as_bytes()]);
    let record = SessionRecord {
        id,
        login: login.to_owned(),
        client: client
            .chars()
            .filter(|c| !c.is_control())
            .take(200)
            .collect(),
        created_at: now,
        last_seen: now,
        idle_minutes: policy.idle_minutes,
        expires_at: after_minutes(now, policy.absolute_hours.saturating_mul(60)),
    };
    Ok((IssuedSessionToken { token }, storage_key, record))
}

#[cfg(test)]
#[path = "session_tests.rs"]
mod tests;
