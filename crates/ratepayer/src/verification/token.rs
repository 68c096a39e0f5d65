//! Password-reset and forgot-username tokens (seed 000: "reset instructions
//! go to the account's email"): 32 random bytes (256 bits) written as 64
//! lower-case hex characters, safe in a URL; single use; expiring; stored
//! only as a keyed digest, which is also the index the storage layer finds
//! the record by ([`lookup_key`]); compared in constant time.
//!
//! Each token is bound to its [`TokenPurpose`]: the purpose is part of the
//! digest, so a password-reset token looked up as a forgot-username token is
//! not found, and [`verify`] refuses it with [`TokenError::WrongPurpose`]
//! even when handed the record. There is no attempt counter: 256 random bits
//! cannot be guessed.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::{after_minutes, digest_hex, digest_matches, normalise_hex_token, random_hex, REDACTED};
use crate::security::{RandomError, RandomSource};
use crate::tariff::Problem;

/// Random bytes per token (256 bits).
pub const TOKEN_BYTES: usize = 32;
/// The longest lifetime of a token (1 day).
pub const MAX_TOKEN_LIFETIME_MINUTES: u32 = 1440;
/// The shortest lifetime of a token, time enough to read the email.
pub const MIN_TOKEN_LIFETIME_MINUTES: u32 = 5;

const LABEL: &str = "ratepayer/token/v1";

/// What a token is for. A token for one never works for the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenPurpose {
    /// Opens the "choose a new password" page.
    PasswordReset,
    /// Shows the login's username.
    ForgotUsername,
}

impl TokenPurpose {
    /// Its stable name, as stored and as digested.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenPurpose::PasswordReset => "password_reset",
            TokenPurpose::ForgotUsername => "forgot_username",
        }
    }
}

/// A utility's token rules (`[verification.tokens]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TokenPolicy {
    /// Minutes a password-reset link works (60).
    pub password_reset_lifetime_minutes: u32,
    /// Minutes a forgot-username link works (60).
    pub forgot_username_lifetime_minutes: u32,
}

impl Default for TokenPolicy {
    fn default() -> Self {
        TokenPolicy {
            password_reset_lifetime_minutes: 60,
            forgot_username_lifetime_minutes: 60,
        }
    }
}

impl TokenPolicy {
    /// Every problem with the policy, each with its field; empty when valid.
    pub fn problems(&self) -> Vec<Problem> {
        [
            (
                "password_reset_lifetime_minutes",
                self.password_reset_lifetime_minutes,
            ),
            (
                "forgot_username_lifetime_minutes",
                self.forgot_username_lifetime_minutes,
            ),
        ]
        .into_iter()
        .filter(|(_, v)| !(MIN_TOKEN_LIFETIME_MINUTES..=MAX_TOKEN_LIFETIME_MINUTES).contains(v))
        .map(|(path, v)| Problem {
            path: path.into(),
            message: format!(
                "{v} minutes is out of range; a link must last long enough to open the email \
                 and expire the same day, so use {MIN_TOKEN_LIFETIME_MINUTES} to \
                 {MAX_TOKEN_LIFETIME_MINUTES}"
            ),
        })
        .collect()
    }

    /// Checks the policy, reporting every problem at once.
    pub fn validate(&self) -> Result<(), TokenError> {
        let problems = self.problems();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(TokenError::InvalidPolicy { problems })
        }
    }

    /// Minutes a token for `purpose` works.
    pub fn lifetime_minutes(&self, purpose: TokenPurpose) -> u32 {
        match purpose {
            TokenPurpose::PasswordReset => self.password_reset_lifetime_minutes,
            TokenPurpose::ForgotUsername => self.forgot_username_lifetime_minutes,
        }
    }
}

/// A token just issued: the only time it exists in the clear. Put it in the
/// emailed link, then drop it. `Debug` redacts it.
pub struct IssuedToken {
    token: String,
}

impl IssuedToken {
    /// The token: 64 lower-case hex characters.
    pub fn token(&self) -> &str {
        &self.token
    }
}

impl fmt::Debug for IssuedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuedToken")
            .field("token", &REDACTED)
            .finish()
    }
}

/// The stored side of a token. `Debug` redacts the digest.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenRecord {
    purpose: TokenPurpose,
    login: String,
    digest: String,
    issued_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    used_at: Option<DateTime<Utc>>,
    voided_at: Option<DateTime<Utc>>,
}

impl fmt::Debug for TokenRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenRecord")
            .field("purpose", &self.purpose)
            .field("login", &self.login)
            .field("digest", &REDACTED)
            .field("issued_at", &self.issued_at)
            .field("expires_at", &self.expires_at)
            .field("used_at", &self.used_at)
            .field("voided_at", &self.voided_at)
            .finish()
    }
}

impl TokenRecord {
    /// What it is for.
    pub fn purpose(&self) -> TokenPurpose {
        self.purpose
    }
    /// The login it was issued for.
    pub fn login(&self) -> &str {
        &self.login
    }
    /// The first instant at which it no longer works.
    pub fn expires_at(&self) -> DateTime<Utc> {
        self.expires_at
    }
    /// When it was used.
    pub fn used_at(&self) -> Option<DateTime<Utc>> {
        self.used_at
    }
    /// The index to store it under: [`lookup_key`] of its purpose and token.
    pub fn lookup_key(&self) -> &str {
        &self.digest
    }
    /// Voids it (a newer token was sent, or the password changed).
    pub fn void(&mut self, now: DateTime<Utc>) {
        self.voided_at.get_or_insert(now);
    }
}

/// What a valid token proves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifiedToken {
    /// What it was for.
    pub purpose: TokenPurpose,
    /// The login it was issued for.
    pub login: String,
}

/// Why a token was not issued or accepted. [`TokenError::code`] gives a
/// stable name.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TokenError {
    /// Not a token this portal issued (or not for this record).
    #[error(
        "this link is not valid; copy the whole link from the latest email, or ask for a new one"
    )]
    Invalid,
    /// A token for the other purpose.
    #[error("this link is for another request; use the link from the email for this request")]
    WrongPurpose,
    /// Used at or after its expiry.
    #[error("this link has expired; ask for a new one")]
    Expired,
    /// Already used once.
    #[error("this link has already been used; ask for a new one")]
    AlreadyUsed,
    /// Voided by a newer token or a password change.
    #[error("this link is no longer valid because a newer one was sent or the password changed; use the latest link")]
    Voided,
    /// The policy breaks rules; every problem is listed.
    #[error("the token settings are not valid:\n{}", problems.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
    InvalidPolicy {
        /// Every problem, with its field.
        problems: Vec<Problem>,
    },
    /// The random generator failed; nothing was issued.
    #[error(transparent)]
    Random(#[from] RandomError),
}

impl TokenError {
    /// A stable machine-readable name, such as `expired` or `wrong_purpose`.
    pub fn code(&self) -> &'static str {
        match self {
            TokenError::Invalid => "invalid",
            TokenError::WrongPurpose => "wrong_purpose",
            TokenError::Expired => "expired",
            TokenError::AlreadyUsed => "already_used",
            TokenError::Voided => "voided",
            TokenError::InvalidPolicy { .. } => "invalid_policy",
            TokenError::Random(_) => "random",
        }
    }
}

/// The storage index of a presented token for `purpose`, or `None` when the
/// text cannot be a token. Find the record with it, then [`verify`].
pub fn lookup_key(purpose: TokenPurpose, candidate: &str, key: &[u8]) -> Option<String> {
    let token = normalise_hex_token(candidate, TOKEN_BYTES)?;
    Some(digest_hex(
        key,
        LABEL,
        &[purpose.as_str().as_bytes(), token.as_bytes()],
    ))
}

/// Issues a token for `purpose` to `login`.
pub fn issue(
    purpose: TokenPurpose,
    login: &str,
    policy: &TokenPolicy,
    rng: &mut dyn RandomSource,
    now: DateTime<Utc>,
    key: &[u8],
) -> Result<(IssuedToken, TokenRecord), TokenError> {
    policy.validate()?;
    let token = random_hex(rng, TOKEN_BYTES)?;
    let record = TokenRecord {
        purpose,
        login: login.to_owned(),
        digest: digest_hex(key, LABEL, &[purpose.as_str().as_bytes(), token.as_bytes()]),
        issued_at: now,
        expires_at: after_minutes(now, policy.lifetime_minutes(purpose)),
        used_at: None,
        voided_at: None,
    };
    Ok((IssuedToken { token }, record))
}

/// Checks `candidate` against `record` for `purpose` and uses it up.
pub fn verify(
    record: &mut TokenRecord,
    purpose: TokenPurpose,
    candidate: &str,
    now: DateTime<Utc>,
    key: &[u8],
) -> Result<VerifiedToken, TokenError> {
    if record.purpose != purpose {
        return Err(TokenError::WrongPurpose);
    }
    let token = normalise_hex_token(candidate, TOKEN_BYTES).ok_or(TokenError::Invalid)?;
    let parts: [&[u8]; 2] = [purpose.as_str().as_bytes(), token.as_bytes()];
    if !digest_matches(key, LABEL, &parts, &record.digest) {
        return Err(TokenError::Invalid);
    }
    if record.used_at.is_some() {
        return Err(TokenError::AlreadyUsed);
    }
    if record.voided_at.is_some() {
        return Err(TokenError::Voided);
    }
    if now >= record.expires_at {
        return Err(TokenError::Expired);
    }
    record.used_at = Some(now);
    Ok(VerifiedToken {
        purpose,
        login: record.login.clone(),
    })
}

#[cfg(test)]
#[path = "token_tests.rs"]
mod tests;
