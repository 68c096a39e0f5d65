//! Verification secrets (issue "Registration verification, password policy
//! and credentials", items 4 and 5): one-time codes that activate an email
//! or SMS contact ([`code`]; seed 003, "enter the verification code to
//! activate"), temporary passwords emailed at registration ([`temp_password`];
//! seed 003, Crow Wing), and password-reset and forgot-username tokens
//! ([`token`]).
//!
//! Everything here is a pure state machine over serde records that the
//! storage layer persists: issuing returns the secret to send, exactly once,
//! and a record that holds only a keyed digest of it; verifying mutates the
//! record (attempts, used, superseded). No function reads the clock (`now` is
//! a parameter) and randomness comes only from a [`RandomSource`].
//!
//! # The server key
//!
//! Digests are HMAC-SHA-256 ([`keyed_digest`]) under a server-side key passed
//! to every function as `key`. The key must be at least 32 random bytes held
//! **outside** the database (a secret store, an HSM or the process
//! environment), so that a stolen table of digests cannot be reversed, not
//! even for 6-digit codes, by trying every value. Changing the key voids
//! every outstanding code, temporary password and token, which is the
//! intended way to rotate it.
//!
//! Every digest is domain-separated by a label and covers, length-prefixed,
//! everything the secret is bound to: a code's purpose and contact, a
//! temporary password's login, a token's purpose. Digests are compared with
//! [`constant_time_eq`].
//!
//! [`RandomSource`]: crate::security::RandomSource

pub mod code;
pub mod contact;
pub mod temp_password;
pub mod token;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::security::{constant_time_eq, hex, keyed_digest};
use crate::tariff::Problem;

pub use code::{CodeError, CodePolicy, CodeRecord, CodeState, IssuedCode, Purpose, Verified};
pub use contact::{Contact, ContactError, ContactKind};
pub use temp_password::{
    FirstLogin, IssuedTempPassword, TempPasswordError, TempPasswordPolicy, TempPasswordRecord,
    TempPasswordState,
};
pub use token::{IssuedToken, TokenError, TokenPolicy, TokenPurpose, TokenRecord, VerifiedToken};

/// What `Debug` prints instead of a secret or a digest.
pub const REDACTED: &str = "<redacted>";

/// A utility's verification settings (its profile's `[verification]`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct VerificationPolicy {
    /// Verification codes for contacts and device challenges.
    pub codes: CodePolicy,
    /// Temporary passwords emailed at registration.
    pub temporary_passwords: TempPasswordPolicy,
    /// Password-reset and forgot-username tokens.
    pub tokens: TokenPolicy,
}

/// The verification settings break rules.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("the verification settings are not valid:\n{}", problems.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
pub struct InvalidVerificationPolicy {
    /// Every problem, with its field.
    pub problems: Vec<Problem>,
}

impl VerificationPolicy {
    /// Every problem of the three sections, with paths such as
    /// `codes.length`; empty when valid.
    pub fn problems(&self) -> Vec<Problem> {
        fn prefix(section: &'static str, list: Vec<Problem>) -> impl Iterator<Item = Problem> {
            list.into_iter().map(move |p| Problem {
                path: format!("{section}.{}", p.path),
                message: p.message,
            })
        }
        prefix("codes", self.codes.problems())
            .chain(prefix(
                "temporary_passwords",
                self.temporary_passwords.problems(),
            ))
            .chain(prefix("tokens", self.tokens.problems()))
            .collect()
    }

    /// Checks all three sections, reporting every problem at once.
    pub fn validate(&self) -> Result<(), InvalidVerificationPolicy> {
        let problems = self.problems();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(InvalidVerificationPolicy { problems })
        }
    }
}

/// The keyed digest, in hex, of `label` and `parts`, each length-prefixed so
/// that no two different lists of parts give the same message.
pub(crate) fn digest_hex(key: &[u8], label: &str, parts: &[&[u8]]) -> String {
    let mut message = Vec::new();
    for part in std::iter::once(label.as_bytes()).chain(parts.iter().copied()) {
        let len = u64::try_from(part.len()).unwrap_or(u64::MAX);
        message.extend_from_slice(&len.to_be_bytes());
        message.extend_from_slice(part);
    }
    hex(&keyed_digest(key, &message))
}

/// True when the digest of `label` and `parts` is `stored`, compared in
/// constant time.
pub(crate) fn digest_matches(key: &[u8], label: &str, parts: &[&[u8]], stored: &str) -> bool {
    constant_time_eq(digest_hex(key, label, parts).as_bytes(), stored.as_bytes())
}

/// `now + minutes`, saturating at the latest representable instant.
pub(crate) fn after_minutes(
    now: chrono::DateTime<chrono::Utc>,
    minutes: u32,
) -> chrono::DateTime<chrono::Utc> {
    now.checked_add_signed(chrono::Duration::seconds(i64::from(minutes) * 60))
        .unwrap_or(chrono::DateTime::<chrono::Utc>::MAX_UTC)
}

/// A token as typed, pasted or sent back in a cookie: trimmed and
/// lower-cased; `None` unless it is the hex of exactly `bytes` bytes.
pub(crate) fn normalise_hex_token(presented: &str, bytes: usize) -> Option<String> {
    let t = presented.trim();
    (t.len() == bytes * 2 && t.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| t.to_ascii_lowercase())
}

/// `bytes` random bytes from `rng`, in lower-case hex.
pub(crate) fn random_hex(
    rng: &mut dyn crate::security::RandomSource,
    bytes: usize,
) -> Result<String, crate::security::RandomError> {
    let mut buf = vec![0u8; bytes];
    rng.fill(&mut buf)?;
    let out = hex(&buf);
    buf.fill(0);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_are_length_prefixed_and_keyed() {
        let a = digest_hex(b"k", "l", &[b"ab", b"c"]);
        assert_ne!(a, digest_hex(b"k", "l", &[b"a", b"bc"]));
        assert_ne!(a, digest_hex(b"other", "l", &[b"ab", b"c"]));
        assert_ne!(a, digest_hex(b"k", "m", &[b"ab", b"c"]));
        assert!(digest_matches(b"k", "l", &[b"ab", b"c"], &a));
        assert_eq!(a.len(), 64);
    }

    #[test]
    fn default_policy_is_valid_and_problems_carry_section_paths() {
        assert!(VerificationPolicy::default().validate().is_ok());
        let mut p = VerificationPolicy::default();
        p.codes.length = 4;
        p.tokens.password_reset_lifetime_minutes = 0;
        let err = p.validate().unwrap_err();
        let paths: Vec<&str> = err.problems.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(
            paths,
            ["codes.length", "tokens.password_reset_lifetime_minutes"]
        );
        assert!(err.to_string().contains("codes.length"));
    }
}
