//! An authenticator app as a second factor (RFC 6238): enrolment (a 160-bit
//! secret, its `otpauth://` provisioning URI, confirmation with a first
//! code) and verification (HMAC-SHA-1, 30-second steps, 6 digits, one step
//! of clock drift either way, each step accepted at most once).
//!
//! The secret leaves only once, in the [`TotpEnrolment`] shown while
//! enrolling; the [`TotpRecord`] keeps it sealed ([`super::seal`]) with the
//! last step accepted, so a code seen over a shoulder or replayed from a
//! phishing page is refused (RFC 6238 §5.2).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::hotp::{base32, hotp, time_step};
use super::seal::{open, seal, Sealed};
use super::MfaError;
use crate::security::{constant_time_eq, RandomSource};
use crate::verification::REDACTED;

/// Seconds per TOTP step.
pub const TOTP_STEP_SECONDS: u64 = 30;
/// Digits per TOTP code.
pub const TOTP_DIGITS: u32 = 6;
/// Bytes of a TOTP secret (160 bits, RFC 4226 §4's recommendation).
pub const TOTP_SECRET_BYTES: usize = 20;
/// Steps of clock drift accepted either side of now.
pub const TOTP_WINDOW: u64 = 1;

/// What the customer's authenticator app needs, shown once while enrolling:
/// the secret in base32 (to type) and the `otpauth://` URI (for a QR code).
/// `Debug` redacts both.
#[derive(Clone, PartialEq, Eq)]
pub struct TotpEnrolment {
    secret_base32: String,
    uri: String,
}

impl std::fmt::Debug for TotpEnrolment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TotpEnrolment")
            .field("secret_base32", &REDACTED)
            .field("uri", &REDACTED)
            .finish()
    }
}

impl TotpEnrolment {
    /// The secret in base32 (upper case, no padding), for typing into an app.
    pub fn secret_base32(&self) -> &str {
        &self.secret_base32
    }
    /// The provisioning URI
    /// (`otpauth://totp/Issuer:label?secret=…&issuer=…&algorithm=SHA1&digits=6&period=30`).
    pub fn uri(&self) -> &str {
        &self.uri
    }
}

/// A login's authenticator: the sealed secret, whether the first code
/// confirmed it, and the last step accepted. `Debug` redacts the secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TotpRecord {
    login: String,
    secret: Sealed,
    created_at: DateTime<Utc>,
    #[serde(default)]
    confirmed_at: Option<DateTime<Utc>>,
    #[serde(default)]
    last_step: Option<u64>,
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
fn percent(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The provisioning URI of Google Authenticator's key-URI format.
pub fn provisioning_uri(issuer: &str, account: &str, secret_base32: &str) -> String {
    let issuer = percent(issuer.trim());
    format!(
        "otpauth://totp/{issuer}:{}?secret={secret_base32}&issuer={issuer}&algorithm=SHA1&digits={TOTP_DIGITS}&period={TOTP_STEP_SECONDS}",
        percent(account.trim())
    )
}

/// Starts enrolling `login`: a 160-bit secret from `rng`, sealed under
/// `key`. `issuer` is the utility's name and `account` the label the app
/// shows (the username). The record is unconfirmed until [`TotpRecord::confirm`].
pub fn enrol(
    login: &str,
    issuer: &str,
    account: &str,
    rng: &mut dyn RandomSource,
    now: DateTime<Utc>,
    key: &[u8],
) -> Result<(TotpEnrolment, TotpRecord), MfaError> {
    let mut secret = [0u8; TOTP_SECRET_BYTES];
    rng.fill(&mut secret)?;
    let sealed = seal(&secret, login, rng, key)?;
    let secret_base32 = base32(&secret);
    secret.fill(0);
    let uri = provisioning_uri(issuer, account, &secret_base32);
    Ok((
        TotpEnrolment { secret_base32, uri },
        TotpRecord {
            login: login.to_owned(),
            secret: sealed,
            created_at: now,
            confirmed_at: None,
            last_step: None,
        },
    ))
}

/// Six ASCII digits, spaces and a middle dash ignored; `None` otherwise.
fn parse_code(candidate: &str) -> Option<u32> {
    let digits: String = candidate
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    if digits.len() != TOTP_DIGITS as usize || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

impl TotpRecord {
    /// The login.
    pub fn login(&self) -> &str {
        &self.login
    }
    /// When enrolment started.
    pub fn created_at(&self) -> DateTime<Utc> {
        self.created_at
    }
    /// When the first code confirmed it; `None` while enrolling.
    pub fn confirmed_at(&self) -> Option<DateTime<Utc>> {
        self.confirmed_at
    }
    /// True once confirmed: only then is it a second factor.
    pub fn is_confirmed(&self) -> bool {
        self.confirmed_at.is_some()
    }

    /// Checks `login`'s `candidate` at `now`: the codes of the step before,
    /// the current and the next are all computed and compared in constant
    /// time; a match at a step not after the last accepted one is a replay.
    /// On success the step is remembered (the caller stores the record).
    pub fn verify(
        &mut self,
        login: &str,
        candidate: &str,
        now: DateTime<Utc>,
        key: &[u8],
    ) -> Result<u64, MfaError> {
        if self.login != login {
            return Err(MfaError::OtherLogin);
        }
        let secret = open(&self.secret, login, key)?;
        let typed = parse_code(candidate);
        let seconds = u64::try_from(now.timestamp()).unwrap_or(0);
        let current = time_step(seconds, TOTP_STEP_SECONDS);
        let mut matched: Option<u64> = None;
        for step in current.saturating_sub(TOTP_WINDOW)..=current.saturating_add(TOTP_WINDOW) {
            let expected = format!("{:06}", hotp(&secret, step, TOTP_DIGITS));
            let given = format!("{:06}", typed.unwrap_or(u32::MAX));
            if constant_time_eq(expected.as_bytes(), given.as_bytes()) && typed.is_some() {
                matched = Some(step);
            }
        }
        let step = matched.ok_or(MfaError::WrongCode)?;
        if self.last_step.is_some_and(|last| step <= last) {
            return Err(MfaError::Replayed);
        }
        self.last_step = Some(step);
        Ok(step)
    }

    /// Confirms enrolment with the first code from the app (the same checks
    /// as [`TotpRecord::verify`]).
    pub fn confirm(
        &mut self,
        login: &str,
        candidate: &str,
        now: DateTime<Utc>,
        key: &[u8],
    ) -> Result<(), MfaError> {
        self.verify(login, candidate, now, key)?;
        self.confirmed_at = Some(now);
        Ok(())
    }
}

#[cfg(test)]
#[path = "totp_tests.rs"]
mod tests;
