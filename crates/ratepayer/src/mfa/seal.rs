//! The TOTP secret at rest: sealed (encrypted and authenticated) under two
//! keys derived from the portal's digest key, so a copy of the database
//! without the key yields neither the secret nor a way to alter it.
//!
//! The construction uses only HMAC-SHA-256, already vetted in the
//! workspace: the keystream is HMAC(k_enc, login ‖ nonce) (HMAC as a PRF,
//! one block, enough for secrets of up to 32 bytes), XORed with the secret;
//! the tag is HMAC(k_mac, login ‖ nonce ‖ ciphertext), checked in constant
//! time before anything is opened (encrypt-then-MAC). A fresh random
//! 16-byte nonce per seal; the login is bound in, so a sealed secret moved
//! to another login does not open.

use serde::{Deserialize, Serialize};

use crate::security::{constant_time_eq, hex, keyed_digest, RandomSource};
use crate::verification::REDACTED;

use super::MfaError;

/// The longest secret a seal holds (one HMAC-SHA-256 block).
pub const MAX_SEALED_BYTES: usize = 32;

/// A sealed secret: nonce, ciphertext and tag, in hex. `Debug` redacts.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sealed {
    nonce: String,
    ciphertext: String,
    tag: String,
}

impl std::fmt::Debug for Sealed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(REDACTED)
    }
}

fn subkey(key: &[u8], label: &str) -> [u8; 32] {
    keyed_digest(key, label.as_bytes())
}

fn message(parts: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::new();
    for p in parts {
        out.extend_from_slice(&u64::try_from(p.len()).unwrap_or(u64::MAX).to_be_bytes());
        out.extend_from_slice(p);
    }
    out
}

fn keystream(key: &[u8], login: &str, nonce: &[u8]) -> [u8; 32] {
    keyed_digest(
        &subkey(key, "ratepayer/totp-seal/enc/v1"),
        &message(&[login.as_bytes(), nonce]),
    )
}

fn tag(key: &[u8], login: &str, nonce: &[u8], ciphertext: &[u8]) -> [u8; 32] {
    keyed_digest(
        &subkey(key, "ratepayer/totp-seal/mac/v1"),
        &message(&[login.as_bytes(), nonce, ciphertext]),
    )
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if text.len() % 2 != 0 {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Seals `secret` (at most [`MAX_SEALED_BYTES`]) for `login` under `key`.
pub fn seal(
    secret: &[u8],
    login: &str,
    rng: &mut dyn RandomSource,
    key: &[u8],
) -> Result<Sealed, MfaError> {
    let mut nonce = [0u8; 16];
    rng.fill(&mut nonce)?;
    let stream = keystream(key, login, &nonce);
    let ciphertext: Vec<u8> = secret
        .iter()
        .take(MAX_SEALED_BYTES)
        .zip(stream.iter())
        .map(|(s, k)| s ^ k)
        .collect();
    Ok(Sealed {
        nonce: hex(&nonce),
        tag: hex(&tag(key, login, &nonce, &ciphertext)),
        ciphertext: hex(&ciphertext),
    })
}

/// Opens `sealed` for `login` under `key`; refused when the tag does not
/// match (another key, another login, or altered).
pub fn open(sealed: &Sealed, login: &str, key: &[u8]) -> Result<Vec<u8>, MfaError> {
    let (Some(nonce), Some(ciphertext), Some(stored_tag)) = (
        unhex(&sealed.nonce),
        unhex(&sealed.ciphertext),
        unhex(&sealed.tag),
    ) else {
        return Err(MfaError::Unsealable);
    };
    if !constant_time_eq(&tag(key, login, &nonce, &ciphertext), &stored_tag) {
        return Err(MfaError::Unsealable);
    }
    let stream = keystream(key, login, &nonce);
    Ok(ciphertext
        .iter()
        .zip(stream.iter())
        .map(|(c, k)| c ^ k)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::security::SeededRandom;

    #[test]
    fn a_sealed_secret_opens_only_for_its_login_and_key() {
        let secret = b"12345678901234567890";
        let sealed = seal(secret, "ann", &mut SeededRandom::new(1), b"key").unwrap();
        assert_eq!(open(&sealed, "ann", b"key").unwrap(), secret);
        assert_eq!(open(&sealed, "bob", b"key"), Err(MfaError::Unsealable));
        assert_eq!(open(&sealed, "ann", b"other"), Err(MfaError::Unsealable));
        let json = serde_json::to_string(&sealed).unwrap();
        assert!(!json.contains(&hex(secret)), "{json}");
        assert_eq!(format!("{sealed:?}"), REDACTED);
    }

    #[test]
    fn an_altered_seal_does_not_open() {
        let sealed = seal(
            b"0123456789abcdefghij",
            "ann",
            &mut SeededRandom::new(2),
            b"k",
        )
        .unwrap();
        let mut bad = sealed.clone();
        let flipped = if bad.ciphertext.starts_with('0') {
            "1"
        } else {
            "0"
        };
        bad.ciphertext.replace_range(0..1, flipped);
        assert_eq!(open(&bad, "ann", b"k"), Err(MfaError::Unsealable));
        let mut short = sealed;
        short.nonce.pop();
        assert_eq!(open(&short, "ann", b"k"), Err(MfaError::Unsealable));
    }

    #[test]
    fn two_seals_of_one_secret_differ() {
        let mut rng = SeededRandom::new(3);
        let a = seal(b"same", "ann", &mut rng, b"k").unwrap();
        let b = seal(b"same", "ann", &mut rng, b"k").unwrap();
        assert_ne!(a.ciphertext, b.ciphertext);
    }
}
