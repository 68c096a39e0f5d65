//! Credentials: a password stored as an Argon2id PHC string with its
//! normalisation form and pepper id ([`StoredCredential`]), hashing with a
//! salt from the injected [`RandomSource`], verification with a
//! constant-time final comparison, and the needs-rehash check at login.
//!
//! The pepper, when there is one, is applied as HMAC-SHA-256(pepper, NFC
//! password) before Argon2id, rather than through Argon2's `secret` input:
//! the result is an ordinary Argon2id hash of a 32-byte input, which any
//! Argon2 implementation can verify given the HMAC, the Argon2 input has a
//! fixed length whatever the password's, and the PHC string stays standard.
//! The pepper's id (never its key) is stored beside the PHC string, so
//! verification can say which pepper it needs and peppers can be rotated.
//!
//! ```
//! use ratepayer::credential::{self, HashParams, Verification};
//! use ratepayer::password::NormalizedPassword;
//! use ratepayer::security::SeededRandom;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let params = HashParams::below_owasp_floor_for_tests(64, 1, 1)?; // production: HashParams::default()
//! let password = NormalizedPassword::new("correct horse battery staple")?;
//! let stored = credential::hash(&password, &params, &mut SeededRandom::new(1), None)?;
//! assert!(stored.phc.starts_with("$argon2id$v=19$m=64,t=1,p=1$"));
//! let login = credential::verify(&stored, "correct horse battery staple", &params, None)?;
//! assert_eq!(login, Verification::Match { needs_rehash: false });
//! assert_eq!(credential::verify(&stored, "wrong", &params, None)?, Verification::Mismatch);
//! # Ok(())
//! # }
//! ```

mod params;
mod pepper;
#[cfg(test)]
mod tests;

use argon2::password_hash::Error as HashError;
use argon2::{Algorithm, Argon2, PasswordHash, PasswordHasher, PasswordVerifier, Version};
use serde::{Deserialize, Serialize};
use thiserror::Error;

pub use params::HashParams;
pub use pepper::Pepper;

use crate::password::{wipe_bytes, NormalizationForm, NormalizedPassword, MAX_PASSWORD_BYTES};
use crate::security::{keyed_digest, RandomError, RandomSource};

/// The salt length: 16 bytes, drawn from the injected [`RandomSource`].
pub const SALT_BYTES: usize = 16;
/// The Argon2id output length.
pub(crate) const OUTPUT_BYTES: usize = 32;

/// A password as stored: the Argon2id PHC string, the normalisation form the
/// password was in, and the id of the pepper applied, if any. None of it is
/// secret, so `Debug` shows it all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoredCredential {
    /// `$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`.
    pub phc: String,
    /// The normalisation form the password was hashed in (`"NFC"`).
    pub normalization: NormalizationForm,
    /// The id of the pepper applied before hashing, if one was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pepper_id: Option<String>,
}

/// The outcome of checking a password at login.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verification {
    /// The password is right.
    Match {
        /// Hash the password again and store the new credential: it was
        /// hashed with other parameters, algorithm, salt length or pepper.
        needs_rehash: bool,
    },
    /// The password is wrong.
    Mismatch,
}

impl Verification {
    /// Whether the password is right.
    pub fn is_match(self) -> bool {
        matches!(self, Verification::Match { .. })
    }
}

/// Why a password could not be hashed or checked. No variant holds a
/// password or a pepper key.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CredentialError {
    /// The Argon2id parameters are refused.
    #[error("the Argon2id parameters are refused: {problems}; use the OWASP default (memory_kib = 19456, iterations = 2, parallelism = 1) or another OWASP configuration")]
    InvalidParams {
        /// What is wrong.
        problems: String,
    },
    /// The pepper's id or key is malformed.
    #[error("the pepper is refused: {reason}")]
    InvalidPepper {
        /// What is wrong.
        reason: &'static str,
    },
    /// The random number generator failed while drawing a salt or a key.
    #[error(
        "could not draw random bytes: {0}; retry, and check the system's random number generator"
    )]
    Random(#[from] RandomError),
    /// The credential was hashed with a pepper and none was given.
    #[error("the credential was hashed with pepper `{pepper_id}`; pass that pepper to verify it")]
    PepperRequired {
        /// The pepper's id.
        pepper_id: String,
    },
    /// The pepper given is not the one the credential was hashed with.
    #[error("the credential was hashed with pepper `{stored}`, not `{given}`; pass pepper `{stored}` to verify it")]
    PepperMismatch {
        /// The id stored with the credential.
        stored: String,
        /// The id of the pepper given.
        given: String,
    },
    /// The password typed at login is over the byte cap.
    #[error("the password is {bytes} bytes long, over the limit of {max}; no stored password can be that long, so it is refused without hashing")]
    CandidateTooLong {
        /// Its length in bytes.
        bytes: usize,
        /// The cap.
        max: usize,
    },
    /// The stored PHC string cannot be read.
    #[error("the stored credential is not a valid Argon2 PHC string ({reason}); it cannot be verified, so have the customer reset the password")]
    MalformedPhc {
        /// What is wrong with it.
        reason: String,
    },
    /// The stored parameters are over the ceilings; verifying would take too
    /// much memory or time.
    #[error("the stored credential's Argon2 parameters are out of range ({problems}); it is not verified, so have the customer reset the password")]
    StoredParamsOutOfRange {
        /// What is out of range.
        problems: String,
    },
    /// Argon2 itself failed.
    #[error("Argon2 failed: {reason}; retry, and report it if it persists")]
    Hashing {
        /// Argon2's error.
        reason: String,
    },
}

/// Hashes a password (normalised by the policy check, or by
/// [`NormalizedPassword::new`]) with Argon2id v19, a 16-byte salt from `rng`
/// and, optionally, a pepper.
pub fn hash(
    password: &NormalizedPassword,
    params: &HashParams,
    rng: &mut dyn RandomSource,
    pepper: Option<&Pepper>,
) -> Result<StoredCredential, CredentialError> {
    let mut salt = [0u8; SALT_BYTES];
    rng.fill(&mut salt)?;
    let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.to_argon2()?);
    let result = with_input(password, pepper, |input| {
        argon2.hash_password_with_salt(input, &salt)
    });
    let phc = result.map_err(hashing)?.to_string();
    Ok(StoredCredential {
        phc,
        normalization: password.form(),
        pepper_id: pepper.map(|p| p.id().to_string()),
    })
}

/// Checks a password typed at login against a stored credential, and says
/// whether it should be hashed again under `current` parameters and the
/// pepper given. The final comparison is constant time (Argon2's `Output`
/// compares with `ctutils`).
///
/// A credential hashed with a pepper needs that pepper (by id); one hashed
/// without is verified without, and reported as needing a rehash when a
/// pepper is given.
pub fn verify(
    stored: &StoredCredential,
    candidate: &str,
    current: &HashParams,
    pepper: Option<&Pepper>,
) -> Result<Verification, CredentialError> {
    if candidate.len() > MAX_PASSWORD_BYTES {
        return Err(CredentialError::CandidateTooLong {
            bytes: candidate.len(),
            max: MAX_PASSWORD_BYTES,
        });
    }
    let applied = match (&stored.pepper_id, pepper) {
        (None, _) => None,
        (Some(id), None) => {
            return Err(CredentialError::PepperRequired {
                pepper_id: id.clone(),
            })
        }
        (Some(id), Some(p)) if p.id() != id => {
            return Err(CredentialError::PepperMismatch {
                stored: id.clone(),
                given: p.id().to_string(),
            })
        }
        (Some(_), Some(p)) => Some(p),
    };
    let parsed = parse(&stored.phc)?;
    let password = NormalizedPassword::normalize(candidate, stored.normalization);
    let outcome = with_input(&password, applied, |input| {
        Argon2::default().verify_password(input, &parsed.hash)
    });
    match outcome {
        Ok(()) => Ok(Verification::Match {
            needs_rehash: parsed.needs_rehash(stored, current, pepper.map(Pepper::id)),
        }),
        Err(HashError::PasswordInvalid) => Ok(Verification::Mismatch),
        Err(e) => Err(hashing(e)),
    }
}

/// Whether a stored credential should be replaced at the next successful
/// login: another algorithm than Argon2id v19, other parameters than
/// `current`, a short salt or output, or another pepper than
/// `current_pepper_id` (for pepper rotation: the id of the pepper new
/// hashes use).
pub fn needs_rehash(
    stored: &StoredCredential,
    current: &HashParams,
    current_pepper_id: Option<&str>,
) -> Result<bool, CredentialError> {
    Ok(parse(&stored.phc)?.needs_rehash(stored, current, current_pepper_id))
}

/// A stored PHC string, read and checked.
struct Parsed {
    hash: PasswordHash,
    params: argon2::Params,
}

fn parse(phc: &str) -> Result<Parsed, CredentialError> {
    let malformed = |reason: String| CredentialError::MalformedPhc { reason };
    let hash = PasswordHash::new(phc).map_err(|e| malformed(e.to_string()))?;
    if !matches!(hash.algorithm.as_str(), "argon2id" | "argon2i" | "argon2d") {
        return Err(malformed(format!(
            "algorithm `{}` is not Argon2",
            hash.algorithm
        )));
    }
    if hash.salt.is_none() || hash.hash.is_none() {
        return Err(malformed("it has no salt or no hash".into()));
    }
    let params = argon2::Params::try_from(&hash).map_err(|e| malformed(e.to_string()))?;
    let problems = params::ceiling_problems(params.m_cost(), params.t_cost(), params.p_cost());
    if !problems.is_empty() {
        return Err(CredentialError::StoredParamsOutOfRange {
            problems: problems.join("; "),
        });
    }
    Ok(Parsed { hash, params })
}

impl Parsed {
    fn needs_rehash(
        &self,
        stored: &StoredCredential,
        current: &HashParams,
        current_pepper_id: Option<&str>,
    ) -> bool {
        let salt_len = self.hash.salt.as_ref().map_or(0, |s| s.as_ref().len());
        self.hash.algorithm.as_str() != "argon2id"
            || self.hash.version != Some(Version::V0x13.into())
            || self.params.m_cost() != current.memory_kib()
            || self.params.t_cost() != current.iterations()
            || self.params.p_cost() != current.parallelism()
            || self.params.output_len() != Some(OUTPUT_BYTES)
            || salt_len < SALT_BYTES
            || stored.pepper_id.as_deref() != current_pepper_id
            || stored.normalization != NormalizationForm::default()
    }
}

/// Runs `f` on the Argon2 input: the NFC password's bytes, or
/// HMAC-SHA-256(pepper key, them); the digest is wiped afterwards.
fn with_input<T>(
    password: &NormalizedPassword,
    pepper: Option<&Pepper>,
    f: impl FnOnce(&[u8]) -> T,
) -> T {
    match pepper {
        None => f(password.as_str().as_bytes()),
        Some(p) => {
            let mut digest = keyed_digest(p.key(), password.as_str().as_bytes());
            let out = f(&digest);
            wipe_bytes(&mut digest);
            out
        }
    }
}

fn hashing(e: HashError) -> CredentialError {
    CredentialError::Hashing {
        reason: e.to_string(),
    }
}
