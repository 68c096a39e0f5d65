//! Recovery codes: ten single-use codes made when an authenticator is
//! enrolled (and again on request, which voids the old set), shown once and
//! kept only as keyed digests bound to the login. One stands in for the
//! authenticator once (a look-up secret, NIST SP 800-63B §3.1.2).
//!
//! A code is ten base32 characters (50 bits) shown as `xxxxx-xxxxx`;
//! case, dashes and spaces are ignored when typed.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::MfaError;
use crate::security::RandomSource;
use crate::verification::{digest_hex, digest_matches, REDACTED};

/// Codes per set.
pub const RECOVERY_CODE_COUNT: usize = 10;
/// Characters per code (5 bits each).
const CODE_CHARS: usize = 10;
const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
const LABEL: &str = "ratepayer/recovery-code/v1";

/// A new set of codes, to show the customer once. `Debug` redacts them.
#[derive(Clone, PartialEq, Eq)]
pub struct IssuedRecoveryCodes(Vec<String>);

impl std::fmt::Debug for IssuedRecoveryCodes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "IssuedRecoveryCodes({} codes, {REDACTED})", self.0.len())
    }
}

impl IssuedRecoveryCodes {
    /// The codes, as `xxxxx-xxxxx`.
    pub fn codes(&self) -> &[String] {
        &self.0
    }
    /// The codes, owned.
    pub fn into_codes(self) -> Vec<String> {
        self.0
    }
}

/// One code of a set: its digest and when it was used.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Slot {
    digest: String,
    #[serde(default)]
    used_at: Option<DateTime<Utc>>,
}

/// A login's recovery codes, as digests. `Debug` shows only counts.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecoveryCodes {
    login: String,
    generated_at: DateTime<Utc>,
    slots: Vec<Slot>,
}

impl std::fmt::Debug for RecoveryCodes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecoveryCodes")
            .field("login", &self.login)
            .field("generated_at", &self.generated_at)
            .field("unused", &self.unused())
            .finish()
    }
}

/// A typed code as compared: lower case, without dashes or white space;
/// `None` unless ten base32 characters.
fn normalise(candidate: &str) -> Option<String> {
    let t: String = candidate
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_lowercase())
        .collect();
    (t.len() == CODE_CHARS && t.bytes().all(|b| ALPHABET.contains(&b))).then_some(t)
}

impl RecoveryCodes {
    /// A new set of [`RECOVERY_CODE_COUNT`] codes for `login`.
    pub fn generate(
        login: &str,
        rng: &mut dyn RandomSource,
        now: DateTime<Utc>,
        key: &[u8],
    ) -> Result<(IssuedRecoveryCodes, RecoveryCodes), MfaError> {
        let mut shown = Vec::with_capacity(RECOVERY_CODE_COUNT);
        let mut slots = Vec::with_capacity(RECOVERY_CODE_COUNT);
        while shown.len() < RECOVERY_CODE_COUNT {
            let mut raw = String::with_capacity(CODE_CHARS);
            for _ in 0..CODE_CHARS {
                let i = usize::try_from(rng.below(32)?).unwrap_or(0);
                raw.push(char::from(ALPHABET.get(i).copied().unwrap_or(b'a')));
            }
            let digest = digest_hex(key, LABEL, &[login.as_bytes(), raw.as_bytes()]);
            if slots.iter().any(|s: &Slot| s.digest == digest) {
                continue;
            }
            shown.push(format!("{}-{}", &raw[..5], &raw[5..]));
            slots.push(Slot {
                digest,
                used_at: None,
            });
        }
        Ok((
            IssuedRecoveryCodes(shown),
            RecoveryCodes {
                login: login.to_owned(),
                generated_at: now,
                slots,
            },
        ))
    }

    /// The login.
    pub fn login(&self) -> &str {
        &self.login
    }
    /// When the set was made.
    pub fn generated_at(&self) -> DateTime<Utc> {
        self.generated_at
    }
    /// How many codes are still unused.
    pub fn unused(&self) -> usize {
        self.slots.iter().filter(|s| s.used_at.is_none()).count()
    }

    /// Uses `login`'s `candidate`: compared in constant time with every
    /// code of the set (no early exit); an unknown or used code is refused.
    /// Returns how many unused codes are left.
    pub fn redeem(
        &mut self,
        login: &str,
        candidate: &str,
        now: DateTime<Utc>,
        key: &[u8],
    ) -> Result<usize, MfaError> {
        if self.login != login {
            return Err(MfaError::OtherLogin);
        }
        let typed = normalise(candidate).unwrap_or_default();
        let parts: [&[u8]; 2] = [login.as_bytes(), typed.as_bytes()];
        let mut hit = None;
        for (i, slot) in self.slots.iter().enumerate() {
            if digest_matches(key, LABEL, &parts, &slot.digest) && slot.used_at.is_none() {
                hit = Some(i);
            }
        }
        let slot = hit
            .filter(|_| !typed.is_empty())
            .and_then(|i| self.slots.get_mut(i))
            .ok_or(MfaError::WrongRecoveryCode)?;
        slot.used_at = Some(now);
        Ok(self.unused())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::security::SeededRandom;

    fn now() -> DateTime<Utc> {
        "2026-01-05T10:00:00Z".parse().unwrap()
    }

    #[test]
    fn ten_distinct_codes_stored_only_as_digests() {
        let (issued, set) =
            RecoveryCodes::generate("ann", &mut SeededRandom::new(4), now(), b"k").unwrap();
        assert_eq!(issued.codes().len(), RECOVERY_CODE_COUNT);
        let json = serde_json::to_string(&set).unwrap();
        for c in issued.codes() {
            assert_eq!(c.len(), 11);
            assert!(!json.contains(&c.replace('-', "")), "{json}");
        }
        let mut sorted = issued.codes().to_vec();
        sorted.dedup();
        assert_eq!(sorted.len(), RECOVERY_CODE_COUNT);
        assert!(!format!("{issued:?} {set:?}").contains(&issued.codes()[0]));
        assert_eq!(set.unused(), 10);
    }

    #[test]
    fn each_code_is_good_once_typed_loosely() {
        let (issued, mut set) =
            RecoveryCodes::generate("ann", &mut SeededRandom::new(5), now(), b"k").unwrap();
        let code = issued.codes()[3].clone();
        let loose = format!(" {} ", code.to_uppercase().replace('-', " "));
        assert_eq!(set.redeem("ann", &loose, now(), b"k"), Ok(9));
        assert_eq!(
            set.redeem("ann", &code, now(), b"k"),
            Err(MfaError::WrongRecoveryCode)
        );
        assert_eq!(
            set.redeem("bob", &issued.codes()[4], now(), b"k"),
            Err(MfaError::OtherLogin)
        );
        assert_eq!(
            set.redeem("ann", "", now(), b"k"),
            Err(MfaError::WrongRecoveryCode)
        );
        assert_eq!(
            set.redeem("ann", "aaaaa-aaaaa", now(), b"k"),
            Err(MfaError::WrongRecoveryCode)
        );
        assert_eq!(
            set.redeem("ann", &issued.codes()[4], now(), b"other"),
            Err(MfaError::WrongRecoveryCode)
        );
        assert_eq!(set.redeem("ann", &issued.codes()[4], now(), b"k"), Ok(8));
    }

    #[test]
    fn a_new_set_voids_the_old_one() {
        let mut rng = SeededRandom::new(6);
        let (old, _) = RecoveryCodes::generate("ann", &mut rng, now(), b"k").unwrap();
        let (_, mut new) = RecoveryCodes::generate("ann", &mut rng, now(), b"k").unwrap();
        for c in old.codes() {
            assert_eq!(
                new.redeem("ann", c, now(), b"k"),
                Err(MfaError::WrongRecoveryCode)
            );
        }
    }
}
