//! The breached-password port (OWASP ASVS 5.0 V6.2.12, NIST SP 800-63B-4
//! §3.1.1.2 "passwords obtained from previous breach corpuses"): the
//! application implements [`BreachedPasswords`] over a range service such
//! as Pwned Passwords' `range` API; the library sends it only the first 5
//! hex digits of the password's SHA-1 (k-anonymity: about a million
//! passwords share each prefix) and compares the 35-digit suffixes it
//! returns itself. [`OfflineBreaches`] is an in-memory double for tests and
//! air-gapped deployments that ship their own list.
//!
//! What is hashed is the password as the policy normalised it (NFKC,
//! invisible characters removed), upper-case hex as the range services use.

use std::collections::HashMap;
use std::sync::Mutex;

use sha1::{Digest, Sha1};
use thiserror::Error;

use super::{NormalizedPassword, PasswordFailure};
use crate::security::{constant_time_eq, hex};

/// Hex digits of the SHA-1 prefix that leaves the application.
pub const PREFIX_HEX_DIGITS: usize = 5;

/// One line of a range answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BreachedSuffix {
    /// The remaining 35 hex digits of a breached password's SHA-1 (any case).
    pub suffix: String,
    /// How many times the password was seen in breaches (0 for padding
    /// lines some services add).
    pub count: u64,
}

/// The range service could not be asked; the password was not checked.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("the breached-password service could not be asked: {0}")]
pub struct BreachCheckError(pub String);

/// A breached-password range service, implemented by the application.
pub trait BreachedPasswords: Send + Sync {
    /// Every breached suffix whose SHA-1 starts with `prefix` (5 upper-case
    /// hex digits).
    fn range(&self, prefix: &str) -> Result<Vec<BreachedSuffix>, BreachCheckError>;
}

/// The upper-case hex SHA-1 of a normalised password, split into the
/// 5-digit prefix that is sent and the 35-digit suffix that is not.
fn split_digest(password: &NormalizedPassword) -> (String, String) {
    let digest = Sha1::digest(password.as_str().as_bytes());
    let full = hex(&digest).to_ascii_uppercase();
    let (prefix, suffix) = full.split_at(PREFIX_HEX_DIGITS);
    (prefix.to_owned(), suffix.to_owned())
}

/// Whether `password` is in `service`'s breach corpus (seen at least once).
pub fn is_breached(
    password: &NormalizedPassword,
    service: &dyn BreachedPasswords,
) -> Result<bool, BreachCheckError> {
    let (prefix, suffix) = split_digest(password);
    let lines = service.range(&prefix)?;
    let mut found = false;
    for line in &lines {
        let theirs = line.suffix.trim().to_ascii_uppercase();
        found |= line.count > 0 && constant_time_eq(theirs.as_bytes(), suffix.as_bytes());
    }
    Ok(found)
}

/// The failure of a password found in a breach, or of a check that could
/// not be made (the application decides whether to let the customer retry).
pub(crate) fn breach_failure(
    password: &NormalizedPassword,
    service: &dyn BreachedPasswords,
) -> Option<PasswordFailure> {
    match is_breached(password, service) {
        Ok(false) => None,
        Ok(true) => Some(PasswordFailure::breached()),
        Err(e) => Some(PasswordFailure::breach_check_failed(&e)),
    }
}

/// An offline breach corpus in memory, answering range queries like the
/// online service, and keeping every prefix it was asked (so a test can
/// check that nothing but 5 hex digits left).
#[derive(Default)]
pub struct OfflineBreaches {
    by_prefix: HashMap<String, Vec<BreachedSuffix>>,
    asked: Mutex<Vec<String>>,
    failing: bool,
}

impl std::fmt::Debug for OfflineBreaches {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OfflineBreaches")
            .field("prefixes", &self.by_prefix.len())
            .finish_non_exhaustive()
    }
}

impl OfflineBreaches {
    /// A corpus of these passwords (normalised as the policy does).
    pub fn from_passwords<'a>(passwords: impl IntoIterator<Item = &'a str>) -> OfflineBreaches {
        let mut by_prefix: HashMap<String, Vec<BreachedSuffix>> = HashMap::new();
        for p in passwords {
            if let Ok(n) = NormalizedPassword::new(p) {
                let (prefix, suffix) = split_digest(&n);
                by_prefix
                    .entry(prefix)
                    .or_default()
                    .push(BreachedSuffix { suffix, count: 1 });
            }
        }
        OfflineBreaches {
            by_prefix,
            ..OfflineBreaches::default()
        }
    }

    /// A service that is down: every query fails.
    pub fn unavailable() -> OfflineBreaches {
        OfflineBreaches {
            failing: true,
            ..OfflineBreaches::default()
        }
    }

    /// Every prefix asked so far, oldest first.
    pub fn asked(&self) -> Vec<String> {
        self.asked.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

impl BreachedPasswords for OfflineBreaches {
    fn range(&self, prefix: &str) -> Result<Vec<BreachedSuffix>, BreachCheckError> {
        self.asked
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(prefix.to_owned());
        if self.failing {
            return Err(BreachCheckError("the test double is set to fail".into()));
        }
        Ok(self.by_prefix.get(prefix).cloned().unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_five_hex_digits_leave_and_suffixes_are_compared_here() {
        let corpus = OfflineBreaches::from_passwords(["Tr0ub4dor&3 and more words"]);
        let hit = NormalizedPassword::new("Tr0ub4dor&3 and more words").unwrap();
        let miss = NormalizedPassword::new("lantern orchard quietly humming").unwrap();
        assert_eq!(is_breached(&hit, &corpus), Ok(true));
        assert_eq!(is_breached(&miss, &corpus), Ok(false));
        for prefix in corpus.asked() {
            assert_eq!(prefix.len(), PREFIX_HEX_DIGITS);
            assert!(prefix
                .chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_lowercase()));
        }
        // "password" is SHA-1 5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD8.
        let (p, s) = split_digest(&NormalizedPassword::new("password").unwrap());
        assert_eq!((p.as_str(), s.len()), ("5BAA6", 35));
        assert!(OfflineBreaches::unavailable().range("5BAA6").is_err());
    }
}
