//! Temporary passwords (seed 003, Crow Wing's legacy flow): registering
//! emails a temporary password; the first login with it forces a change of
//! password; "if the temporary password doesn't work or you are locked out,
//! register again" and a new one is sent.
//!
//! - Drawn from the [`RandomSource`] over an alphabet without look-alikes
//!   (no `0 O o 1 l I`), `length` (12 to 64, default 16) characters with at
//!   least one upper-case letter, one lower-case letter, one digit and one
//!   symbol, so that composition rules such as Cal Water's (seed 004) accept
//!   it, and long enough by default for NIST's 15. At 16 characters over 63
//!   symbols that is more than 90 bits.
//! - Stored only as a keyed digest bound to the login. Because the password
//!   is random and high-entropy, a keyed digest (HMAC-SHA-256) is enough:
//!   there is no low-entropy secret for a slow hash to protect, and the key
//!   stays outside the database.
//! - Single use: [`verify`] moves the record to
//!   [`TempPasswordState::MustChange`] and answers
//!   [`FirstLogin { must_change: true }`](FirstLogin); it never verifies
//!   again. The session it opens may only change the password
//!   ([`complete_change`]), and the new password may never be the temporary
//!   one ([`check_new_password`]).
//! - Expires `lifetime_hours` after issue (valid while `now < expires_at`).
//! - [`reissue`] (registering again) voids the old record; verifying the old
//!   password then fails with [`TempPasswordError::Superseded`].
//!
//! Wrong passwords are counted by the login throttle
//! ([`crate::login::throttle`]), not here.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::{after_minutes, digest_hex, digest_matches, REDACTED};
use crate::security::{RandomError, RandomSource};
use crate::tariff::Problem;

/// The shortest temporary password.
pub const MIN_TEMP_PASSWORD_LENGTH: u32 = 12;
/// The longest temporary password.
pub const MAX_TEMP_PASSWORD_LENGTH: u32 = 64;
/// The longest lifetime of a temporary password (7 days).
pub const MAX_TEMP_PASSWORD_LIFETIME_HOURS: u32 = 168;

const LABEL: &str = "ratepayer/temporary-password/v1";
const UPPER: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
const LOWER: &[u8] = b"abcdefghijkmnpqrstuvwxyz";
const DIGITS: &[u8] = b"23456789";
const SYMBOLS: &[u8] = b"#$%+=?@";

/// A utility's temporary-password rules (`[verification.temporary_passwords]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TempPasswordPolicy {
    /// Characters: [`MIN_TEMP_PASSWORD_LENGTH`] to
    /// [`MAX_TEMP_PASSWORD_LENGTH`] (16).
    pub length: u32,
    /// Hours it stays valid: 1 to [`MAX_TEMP_PASSWORD_LIFETIME_HOURS`] (24).
    pub lifetime_hours: u32,
}

impl Default for TempPasswordPolicy {
    fn default() -> Self {
        TempPasswordPolicy {
            length: 16,
            lifetime_hours: 24,
        }
    }
}

impl TempPasswordPolicy {
    /// Every problem with the policy, each with its field; empty when valid.
    pub fn problems(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        if !(MIN_TEMP_PASSWORD_LENGTH..=MAX_TEMP_PASSWORD_LENGTH).contains(&self.length) {
            out.push(Problem {
                path: "length".into(),
                message: format!(
                    "{} characters is out of range; a temporary password needs at least \
                     {MIN_TEMP_PASSWORD_LENGTH} to resist guessing, so use \
                     {MIN_TEMP_PASSWORD_LENGTH} to {MAX_TEMP_PASSWORD_LENGTH}",
                    self.length
                ),
            });
        }
        if !(1..=MAX_TEMP_PASSWORD_LIFETIME_HOURS).contains(&self.lifetime_hours) {
            out.push(Problem {
                path: "lifetime_hours".into(),
                message: format!(
                    "{} hours is out of range; a temporary password must expire soon, so use \
                     1 to {MAX_TEMP_PASSWORD_LIFETIME_HOURS}",
                    self.lifetime_hours
                ),
            });
        }
        out
    }

    /// Checks the policy, reporting every problem at once.
    pub fn validate(&self) -> Result<(), TempPasswordError> {
        let problems = self.problems();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(TempPasswordError::InvalidPolicy { problems })
        }
    }
}

/// A temporary password just issued: the only time it exists in the clear.
/// Email it, then drop it. `Debug` redacts it.
pub struct IssuedTempPassword {
    password: String,
}

impl IssuedTempPassword {
    /// The password to email.
    pub fn password(&self) -> &str {
        &self.password
    }
}

impl fmt::Debug for IssuedTempPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuedTempPassword")
            .field("password", &REDACTED)
            .finish()
    }
}

/// Where a temporary password stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TempPasswordState {
    /// Emailed, not yet used.
    Issued,
    /// Used to log in once; the password must now be changed.
    MustChange,
    /// The customer chose their own password.
    Changed,
    /// Replaced by a newer temporary password (registered again).
    Void,
}

/// The stored side of a temporary password. `Debug` redacts the digest.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TempPasswordRecord {
    login: String,
    digest: String,
    issued_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    state: TempPasswordState,
    used_at: Option<DateTime<Utc>>,
    changed_at: Option<DateTime<Utc>>,
}

impl fmt::Debug for TempPasswordRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TempPasswordRecord")
            .field("login", &self.login)
            .field("digest", &REDACTED)
            .field("issued_at", &self.issued_at)
            .field("expires_at", &self.expires_at)
            .field("state", &self.state)
            .field("used_at", &self.used_at)
            .field("changed_at", &self.changed_at)
            .finish()
    }
}

impl TempPasswordRecord {
    /// The login it was issued to.
    pub fn login(&self) -> &str {
        &self.login
    }
    /// When it was issued.
    pub fn issued_at(&self) -> DateTime<Utc> {
        self.issued_at
    }
    /// The first instant at which it no longer verifies.
    pub fn expires_at(&self) -> DateTime<Utc> {
        self.expires_at
    }
    /// Where it stands.
    pub fn state(&self) -> TempPasswordState {
        self.state
    }
    /// True when the login must change its password before anything else.
    pub fn must_change(&self) -> bool {
        self.state == TempPasswordState::MustChange
    }
}

/// A first login with a temporary password: the session may only change
/// the password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FirstLogin {
    /// The login.
    pub login: String,
    /// Always true: the password must be changed now.
    pub must_change: bool,
}

/// Why a temporary password was not issued or accepted, or a new password
/// refused. [`TempPasswordError::code`] gives a stable name.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TempPasswordError {
    /// Used at or after its expiry.
    #[error("the temporary password has expired; register again to get a new one")]
    Expired,
    /// Not the password that was sent.
    #[error("the temporary password is not right; copy it from the latest email, or register again to get a new one")]
    WrongPassword,
    /// Already used to log in once.
    #[error("the temporary password has already been used; register again to get a new one")]
    AlreadyUsed,
    /// Replaced by a newer temporary password.
    #[error("a newer temporary password was sent; use the one in the latest email")]
    Superseded,
    /// The password was already changed: there is nothing temporary left.
    #[error(
        "this login already has its own password; use \"forgot password\" if you cannot log in"
    )]
    AlreadyChanged,
    /// A password change with no first login pending.
    #[error("no password change is pending; log in with the temporary password first")]
    NoChangePending,
    /// The new password is the temporary one.
    #[error("the new password cannot be the temporary password; choose a password of your own")]
    ReusesTemporary,
    /// The policy breaks rules; every problem is listed.
    #[error("the temporary-password settings are not valid:\n{}", problems.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
    InvalidPolicy {
        /// Every problem, with its field.
        problems: Vec<Problem>,
    },
    /// The random generator failed; nothing was issued.
    #[error(transparent)]
    Random(#[from] RandomError),
}

impl TempPasswordError {
    /// A stable machine-readable name, such as `expired` or `reuses_temporary`.
    pub fn code(&self) -> &'static str {
        match self {
            TempPasswordError::Expired => "expired",
            TempPasswordError::WrongPassword => "wrong_password",
            TempPasswordError::AlreadyUsed => "already_used",
            TempPasswordError::Superseded => "superseded",
            TempPasswordError::AlreadyChanged => "already_changed",
            TempPasswordError::NoChangePending => "no_change_pending",
            TempPasswordError::ReusesTemporary => "reuses_temporary",
            TempPasswordError::InvalidPolicy { .. } => "invalid_policy",
            TempPasswordError::Random(_) => "random",
        }
    }
}

fn pick(class: &[u8], rng: &mut dyn RandomSource) -> Result<u8, RandomError> {
    let len = u64::try_from(class.len()).unwrap_or(u64::MAX);
    let i = usize::try_from(rng.below(len)?).unwrap_or(0);
    Ok(class.get(i).copied().unwrap_or(b'A'))
}

fn generate(length: u32, rng: &mut dyn RandomSource) -> Result<String, RandomError> {
    let all: Vec<u8> = [UPPER, LOWER, DIGITS, SYMBOLS].concat();
    let mut chars = Vec::new();
    for class in [UPPER, LOWER, DIGITS, SYMBOLS] {
        chars.push(pick(class, rng)?);
    }
    while chars.len() < length as usize {
        chars.push(pick(&all, rng)?);
    }
    for i in (1..chars.len()).rev() {
        let bound = u64::try_from(i + 1).unwrap_or(u64::MAX);
        let j = usize::try_from(rng.below(bound)?).unwrap_or(0);
        chars.swap(i, j);
    }
    Ok(chars.into_iter().map(char::from).collect())
}

/// Issues a temporary password for `login` (registration).
pub fn issue(
    login: &str,
    policy: &TempPasswordPolicy,
    rng: &mut dyn RandomSource,
    now: DateTime<Utc>,
    key: &[u8],
) -> Result<(IssuedTempPassword, TempPasswordRecord), TempPasswordError> {
    policy.validate()?;
    let password = generate(policy.length, rng)?;
    let record = TempPasswordRecord {
        login: login.to_owned(),
        digest: digest_hex(key, LABEL, &[login.as_bytes(), password.as_bytes()]),
        issued_at: now,
        expires_at: after_minutes(now, policy.lifetime_hours.saturating_mul(60)),
        state: TempPasswordState::Issued,
        used_at: None,
        changed_at: None,
    };
    Ok((IssuedTempPassword { password }, record))
}

/// Registering again: issues a new temporary password for the same login
/// and voids `old`, used or not, expired or not. Refused once the login has
/// its own password, and for a record already replaced.
pub fn reissue(
    old: &mut TempPasswordRecord,
    policy: &TempPasswordPolicy,
    rng: &mut dyn RandomSource,
    now: DateTime<Utc>,
    key: &[u8],
) -> Result<(IssuedTempPassword, TempPasswordRecord), TempPasswordError> {
    match old.state {
        TempPasswordState::Changed => return Err(TempPasswordError::AlreadyChanged),
        TempPasswordState::Void => return Err(TempPasswordError::Superseded),
        TempPasswordState::Issued | TempPasswordState::MustChange => {}
    }
    let issued = issue(&old.login, policy, rng, now, key)?;
    old.state = TempPasswordState::Void;
    Ok(issued)
}

/// Logs `login` in with the temporary password `candidate`, once: the
/// record moves to [`TempPasswordState::MustChange`].
pub fn verify(
    record: &mut TempPasswordRecord,
    login: &str,
    candidate: &str,
    now: DateTime<Utc>,
    key: &[u8],
) -> Result<FirstLogin, TempPasswordError> {
    match record.state {
        TempPasswordState::Void => return Err(TempPasswordError::Superseded),
        TempPasswordState::MustChange => return Err(TempPasswordError::AlreadyUsed),
        TempPasswordState::Changed => return Err(TempPasswordError::AlreadyChanged),
        TempPasswordState::Issued => {}
    }
    if now >= record.expires_at {
        return Err(TempPasswordError::Expired);
    }
    let parts: [&[u8]; 2] = [login.as_bytes(), candidate.as_bytes()];
    let matches = digest_matches(key, LABEL, &parts, &record.digest);
    if !matches || record.login != login {
        return Err(TempPasswordError::WrongPassword);
    }
    record.state = TempPasswordState::MustChange;
    record.used_at = Some(now);
    Ok(FirstLogin {
        login: record.login.clone(),
        must_change: true,
    })
}

/// Refuses a new password that is the temporary password of `record` (as
/// typed, or with surrounding spaces trimmed), compared through its digest
/// in constant time. Works in any state, so it can also be asked of a
/// superseded record.
pub fn check_new_password(
    record: &TempPasswordRecord,
    new_password: &str,
    key: &[u8],
) -> Result<(), TempPasswordError> {
    let login = record.login.as_bytes();
    let same = |p: &str| digest_matches(key, LABEL, &[login, p.as_bytes()], &record.digest);
    let typed = same(new_password);
    let trimmed = same(new_password.trim());
    if typed | trimmed {
        Err(TempPasswordError::ReusesTemporary)
    } else {
        Ok(())
    }
}

/// Completes the forced change: `new_password` (already accepted by the
/// password policy) must not be the temporary one; the record becomes
/// [`TempPasswordState::Changed`]. The caller then stores the new password
/// and clears remembered devices ([`crate::login::device::on_password_changed`]).
pub fn complete_change(
    record: &mut TempPasswordRecord,
    new_password: &str,
    now: DateTime<Utc>,
    key: &[u8],
) -> Result<(), TempPasswordError> {
    match record.state {
        TempPasswordState::MustChange => {}
        TempPasswordState::Changed => return Err(TempPasswordError::AlreadyChanged),
        TempPasswordState::Void => return Err(TempPasswordError::Superseded),
        TempPasswordState::Issued => return Err(TempPasswordError::NoChangePending),
    }
    check_new_password(record, new_password, key)?;
    record.state = TempPasswordState::Changed;
    record.changed_at = Some(now);
    Ok(())
}

#[cfg(test)]
#[path = "temp_password_tests.rs"]
mod tests;
