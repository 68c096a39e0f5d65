//! The pepper: a secret key held outside the database (a secrets manager,
//! an HSM, the environment), so a stolen table of hashes cannot be attacked
//! without it. Named by an id stored with each credential, so a pepper can
//! be rotated.

use std::fmt;

use super::CredentialError;
use crate::password::wipe_bytes;
use crate::security::RandomSource;

/// A secret key applied to every password before Argon2id: the input to
/// Argon2id is HMAC-SHA-256(pepper, NFC password). `Debug` shows the id,
/// never the key; the key is overwritten when dropped.
pub struct Pepper {
    id: String,
    key: Vec<u8>,
}

impl Pepper {
    /// The shortest key accepted: 16 bytes (128 bits).
    pub const MIN_KEY_BYTES: usize = 16;
    /// The longest key accepted: 64 bytes (HMAC-SHA-256's block).
    pub const MAX_KEY_BYTES: usize = 64;
    /// The length of a generated key: 32 bytes.
    pub const GENERATED_KEY_BYTES: usize = 32;

    /// A pepper from its id (1 to 32 ASCII letters, digits, `-`, `_` or `.`,
    /// stored with each credential, e.g. `"2025-01"`) and its key.
    pub fn new(id: &str, key: &[u8]) -> Result<Pepper, CredentialError> {
        let id_ok = (1..=32).contains(&id.len())
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
        if !id_ok {
            return Err(CredentialError::InvalidPepper {
                reason: "its id must be 1 to 32 ASCII letters, digits, '-', '_' or '.', such as \"2025-01\"",
            });
        }
        if !(Self::MIN_KEY_BYTES..=Self::MAX_KEY_BYTES).contains(&key.len()) {
            return Err(CredentialError::InvalidPepper {
                reason: "its key must be 16 to 64 bytes; generate 32 random bytes",
            });
        }
        Ok(Pepper {
            id: id.to_string(),
            key: key.to_vec(),
        })
    }

    /// A new pepper with a 32-byte key from `rng` (the OS generator in
    /// production), for provisioning tools; store the key outside the database.
    pub fn generate(id: &str, rng: &mut dyn RandomSource) -> Result<Pepper, CredentialError> {
        let mut key = [0u8; Self::GENERATED_KEY_BYTES];
        rng.fill(&mut key)?;
        let pepper = Pepper::new(id, &key);
        wipe_bytes(&mut key);
        pepper
    }

    /// The id stored with each credential hashed under this pepper.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The key, for keying the HMAC inside the crate only.
    pub(crate) fn key(&self) -> &[u8] {
        &self.key
    }
}

impl fmt::Debug for Pepper {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pepper")
            .field("id", &self.id)
            .field("key", &"<redacted>")
            .finish()
    }
}

impl Drop for Pepper {
    fn drop(&mut self) {
        wipe_bytes(&mut self.key);
    }
}
