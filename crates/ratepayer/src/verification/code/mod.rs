//! One-time verification codes (seed 003: "enter the verification code to
//! activate" an email address or phone number; also the unrecognised-device
//! challenge): issuing, resending and verifying, as a state machine over a
//! [`CodeRecord`].
//!
//! - A code is `length` decimal digits (6 to 10), drawn uniformly with
//!   [`RandomSource::below`] (the OS generator in production).
//! - It is bound to one [`Purpose`] and one [`Contact`]: its digest covers
//!   purpose, contact and code, so a code never verifies another contact or
//!   purpose. Such a try fails with [`CodeError::WrongPurposeOrContact`],
//!   which does not say which of the two differs.
//! - Only the keyed digest is stored; it is compared in constant time.
//! - It expires `sms_lifetime_minutes` or `email_lifetime_minutes` after it
//!   was issued: it is valid while `now < expires_at`, and at `expires_at`
//!   exactly it has expired.
//! - It is single use: once verified, it fails with
//!   [`CodeError::AlreadyUsed`].
//! - Every failed try (a wrong code, or a code tried for another purpose or
//!   contact) counts; after `max_attempts` failures the record is locked and
//!   even the right code fails with [`CodeError::Locked`]. Tries after expiry
//!   or after use do not count.
//! - [`resend`] sends a new code and voids the old one
//!   ([`CodeError::Superseded`]); the new record **keeps the failure
//!   count**, so resending never buys more guesses, and at most
//!   `max_resends` resends are allowed per chain. A locked record cannot be
//!   resent. [`issue`] starts a new chain: callers should [`resend`] while
//!   a chain for the same purpose and contact exists and not issue afresh
//!   right after a lock (rate-limit that through the login throttle).

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::contact::{Contact, ContactKind};
use super::{after_minutes, digest_hex, digest_matches, REDACTED};
use crate::security::{RandomError, RandomSource};

mod error;
mod policy;

pub use error::CodeError;
pub use policy::{
    CodePolicy, MAX_ATTEMPTS_LIMIT, MAX_CODE_LENGTH, MAX_EMAIL_LIFETIME_MINUTES, MAX_RESENDS_LIMIT,
    MAX_SENDS_PER_HOUR_LIMIT, MAX_SIGN_IN_LIFETIME_MINUTES, MAX_SMS_LIFETIME_MINUTES,
    MIN_CODE_LENGTH,
};

const LABEL: &str = "ratepayer/verification-code/v1";
/// Longer candidates are not hashed: they are wrong.
const MAX_CANDIDATE_CHARS: usize = 64;

/// What a code is for. A code for one purpose never verifies another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// Activates an email contact (sent to that address).
    ActivateEmail,
    /// Activates a phone contact for text messages (sent to that number).
    ActivateSms,
    /// Answers the challenge at login from an unrecognised device.
    DeviceChallenge,
    /// Proves control of the contact before a password reset (Gorod: a new
    /// password by SMS, seed 002).
    ResetPassword,
}

impl Purpose {
    /// Its stable name, as stored and as digested.
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::ActivateEmail => "activate_email",
            Purpose::ActivateSms => "activate_sms",
            Purpose::DeviceChallenge => "device_challenge",
            Purpose::ResetPassword => "reset_password",
        }
    }

    /// True when a code for this purpose may be sent to a contact of `kind`.
    pub fn accepts(self, kind: ContactKind) -> bool {
        match self {
            Purpose::ActivateEmail => kind == ContactKind::Email,
            Purpose::ActivateSms => kind == ContactKind::Sms,
            Purpose::DeviceChallenge | Purpose::ResetPassword => true,
        }
    }
}

impl fmt::Display for Purpose {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Purpose::ActivateEmail => "email activation",
            Purpose::ActivateSms => "text-message activation",
            Purpose::DeviceChallenge => "device check",
            Purpose::ResetPassword => "password reset",
        })
    }
}

/// A code just issued: the only time it exists in the clear. Send it, then
/// drop it. `Debug` redacts it; it has no `Display` and is not serialisable.
pub struct IssuedCode {
    code: String,
}

impl IssuedCode {
    /// The digits to send to the contact.
    pub fn code(&self) -> &str {
        &self.code
    }
}

impl fmt::Debug for IssuedCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuedCode")
            .field("code", &REDACTED)
            .finish()
    }
}

/// Where a code record stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CodeState {
    /// Waiting to be entered.
    Pending,
    /// Verified; it never verifies again.
    Used,
    /// A newer code was sent in its place.
    Superseded,
    /// Too many failed tries.
    Locked,
}

/// The stored side of a code: its digest, binding, expiry and counters.
/// `Debug` redacts the digest.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeRecord {
    purpose: Purpose,
    contact: Contact,
    digest: String,
    issued_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    attempts: u32,
    max_attempts: u32,
    resends: u32,
    state: CodeState,
    used_at: Option<DateTime<Utc>>,
}

impl fmt::Debug for CodeRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CodeRecord")
            .field("purpose", &self.purpose)
            .field("contact", &self.contact)
            .field("digest", &REDACTED)
            .field("issued_at", &self.issued_at)
            .field("expires_at", &self.expires_at)
            .field("attempts", &self.attempts)
            .field("max_attempts", &self.max_attempts)
            .field("resends", &self.resends)
            .field("state", &self.state)
            .field("used_at", &self.used_at)
            .finish()
    }
}

impl CodeRecord {
    /// What the code is for.
    pub fn purpose(&self) -> Purpose {
        self.purpose
    }
    /// Where it was sent.
    pub fn contact(&self) -> &Contact {
        &self.contact
    }
    /// When it was issued.
    pub fn issued_at(&self) -> DateTime<Utc> {
        self.issued_at
    }
    /// The first instant at which it no longer verifies.
    pub fn expires_at(&self) -> DateTime<Utc> {
        self.expires_at
    }
    /// Failed tries so far in its chain (carried over by [`resend`]).
    pub fn attempts(&self) -> u32 {
        self.attempts
    }
    /// Carries `failures` earlier failed tries (of earlier chains for the
    /// same purpose and contact) into this record, so that a new code never
    /// buys more guesses; locks it when they reach the limit.
    pub fn carry_failures(&mut self, failures: u32) {
        self.attempts = self.attempts.max(failures);
        if self.attempts >= self.max_attempts && self.state == CodeState::Pending {
            self.state = CodeState::Locked;
        }
    }

    /// Failed tries left before the record locks.
    pub fn attempts_left(&self) -> u32 {
        self.max_attempts.saturating_sub(self.attempts)
    }
    /// Resends so far in its chain.
    pub fn resends(&self) -> u32 {
        self.resends
    }
    /// Where it stands.
    pub fn state(&self) -> CodeState {
        self.state
    }
    /// When it was verified.
    pub fn used_at(&self) -> Option<DateTime<Utc>> {
        self.used_at
    }
}

/// Proof that a code was entered correctly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verified {
    /// What it proves.
    pub purpose: Purpose,
    /// The contact it proves control of.
    pub contact: Contact,
    /// When.
    pub at: DateTime<Utc>,
}

fn digest_parts<'a>(purpose: Purpose, contact: &'a Contact, code: &'a str) -> [&'a [u8]; 4] {
    let kind: &[u8] = match contact.kind() {
        ContactKind::Email => b"email",
        ContactKind::Sms => b"sms",
    };
    [
        purpose.as_str().as_bytes(),
        kind,
        contact.as_str().as_bytes(),
        code.as_bytes(),
    ]
}

fn generate(length: u32, rng: &mut dyn RandomSource) -> Result<String, RandomError> {
    let length = length.clamp(MIN_CODE_LENGTH, MAX_CODE_LENGTH);
    let bound = 10u64.pow(length);
    let value = rng.below(bound)?;
    Ok(format!("{value:0width$}", width = length as usize))
}

/// Issues a new code for `purpose`, to be sent to `contact`, starting a new
/// chain (no failures, no resends).
pub fn issue(
    purpose: Purpose,
    contact: &Contact,
    policy: &CodePolicy,
    rng: &mut dyn RandomSource,
    now: DateTime<Utc>,
    key: &[u8],
) -> Result<(IssuedCode, CodeRecord), CodeError> {
    policy.validate()?;
    if !purpose.accepts(contact.kind()) {
        return Err(CodeError::ContactNotAllowed {
            purpose,
            kind: contact.kind(),
        });
    }
    let code = generate(policy.length, rng)?;
    let record = CodeRecord {
        purpose,
        contact: contact.clone(),
        digest: digest_hex(key, LABEL, &digest_parts(purpose, contact, &code)),
        issued_at: now,
        expires_at: after_minutes(now, policy.lifetime_for(purpose, contact.kind())),
        attempts: 0,
        max_attempts: policy.max_attempts,
        resends: 0,
        state: CodeState::Pending,
        used_at: None,
    };
    Ok((IssuedCode { code }, record))
}

/// Sends a new code in place of `old`, which is voided
/// ([`CodeState::Superseded`]). The new record carries over the failure
/// count and counts one more resend; it expires a full lifetime from `now`.
/// Refused once `policy.max_resends` resends were made, and for a code that
/// is used, superseded or locked.
pub fn resend(
    old: &mut CodeRecord,
    policy: &CodePolicy,
    rng: &mut dyn RandomSource,
    now: DateTime<Utc>,
    key: &[u8],
) -> Result<(IssuedCode, CodeRecord), CodeError> {
    match old.state {
        CodeState::Used => return Err(CodeError::AlreadyUsed),
        CodeState::Superseded => return Err(CodeError::Superseded),
        CodeState::Locked => return Err(CodeError::Locked),
        CodeState::Pending => {}
    }
    if old.attempts >= old.max_attempts {
        old.state = CodeState::Locked;
        return Err(CodeError::Locked);
    }
    if old.resends >= policy.max_resends {
        return Err(CodeError::ResendLimit {
            max: policy.max_resends,
        });
    }
    let (issued, mut record) = issue(old.purpose, &old.contact, policy, rng, now, key)?;
    record.attempts = old.attempts;
    record.resends = old.resends.saturating_add(1);
    if record.attempts >= record.max_attempts {
        record.state = CodeState::Locked;
    }
    old.state = CodeState::Superseded;
    Ok((issued, record))
}

/// Checks `candidate` (spaces and hyphens ignored) against `record` for
/// `purpose` and `contact`, updating the record: used on success; one more
/// failure, and locked at the limit, on a wrong code or a wrong purpose or
/// contact.
pub fn verify(
    record: &mut CodeRecord,
    purpose: Purpose,
    contact: &Contact,
    candidate: &str,
    now: DateTime<Utc>,
    key: &[u8],
) -> Result<Verified, CodeError> {
    match record.state {
        CodeState::Used => return Err(CodeError::AlreadyUsed),
        CodeState::Superseded => return Err(CodeError::Superseded),
        CodeState::Locked => return Err(CodeError::Locked),
        CodeState::Pending => {}
    }
    if record.attempts >= record.max_attempts {
        record.state = CodeState::Locked;
        return Err(CodeError::Locked);
    }
    if now >= record.expires_at {
        return Err(CodeError::Expired);
    }
    let typed: String = if candidate.chars().count() > MAX_CANDIDATE_CHARS {
        String::new()
    } else {
        candidate
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect()
    };
    let context_ok = record.purpose == purpose && record.contact == *contact;
    let parts = digest_parts(purpose, contact, &typed);
    let code_ok = digest_matches(key, LABEL, &parts, &record.digest);
    if context_ok && code_ok {
        record.state = CodeState::Used;
        record.used_at = Some(now);
        return Ok(Verified {
            purpose,
            contact: contact.clone(),
            at: now,
        });
    }
    record.attempts = record.attempts.saturating_add(1);
    if record.attempts >= record.max_attempts {
        record.state = CodeState::Locked;
    }
    if context_ok {
        Err(CodeError::WrongCode {
            attempts_left: record.attempts_left(),
        })
    } else {
        Err(CodeError::WrongPurposeOrContact)
    }
}

#[cfg(test)]
mod fixtures;
#[cfg(test)]
mod resend_tests;
#[cfg(test)]
mod tests;
