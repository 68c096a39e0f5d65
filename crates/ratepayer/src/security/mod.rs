//! Security primitives shared by codes, tokens and credentials: randomness
//! from an injectable source (the OS generator in production, a seeded one in
//! tests), constant-time comparison, and keyed digests so that stored codes
//! and tokens are never kept in the clear.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use thiserror::Error;

/// A failure of the randomness source.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("the system's random number generator failed: {0}")]
pub struct RandomError(pub String);

/// Where random bytes come from. Injected so tests are deterministic.
pub trait RandomSource {
    /// Fills `buf` with random bytes.
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), RandomError>;

    /// A uniformly random number below `bound` (no modulo bias); `bound` > 0.
    fn below(&mut self, bound: u64) -> Result<u64, RandomError> {
        if bound <= 1 {
            return Ok(0);
        }
        let zone = u64::MAX - (u64::MAX % bound);
        loop {
            let mut b = [0u8; 8];
            self.fill(&mut b)?;
            let v = u64::from_le_bytes(b);
            if v < zone {
                return Ok(v % bound);
            }
        }
    }
}

/// The operating system's generator (getrandom).
#[derive(Debug, Clone, Copy, Default)]
pub struct OsRandom;

impl RandomSource for OsRandom {
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), RandomError> {
        getrandom::fill(buf).map_err(|e| RandomError(e.to_string()))
    }
}

/// A deterministic generator for tests (SplitMix64). Never use it for secrets.
#[derive(Debug, Clone)]
pub struct SeededRandom(u64);

impl SeededRandom {
    /// A generator that always produces the same bytes for `seed`.
    pub fn new(seed: u64) -> SeededRandom {
        SeededRandom(seed)
    }
}

impl RandomSource for SeededRandom {
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), RandomError> {
        for chunk in buf.chunks_mut(8) {
            self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^= z >> 31;
            let bytes = z.to_le_bytes();
            chunk.copy_from_slice(bytes.get(..chunk.len()).unwrap_or(&bytes));
        }
        Ok(())
    }
}

/// Compares two byte strings in time that depends only on their lengths.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

/// HMAC-SHA-256 of `message` under `key`: how codes and tokens are stored.
/// A keyed digest, so a leaked table of 6-digit code digests cannot be
/// reversed by trying all million codes without the key.
pub fn keyed_digest(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut mac = match <Hmac<Sha256> as KeyInit>::new_from_slice(key) {
        Ok(m) => m,
        // HMAC accepts keys of any length; this branch cannot be taken.
        Err(_) => return [0u8; 32],
    };
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// Lower-case hexadecimal.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_random_is_deterministic_and_os_random_works() {
        let (mut a, mut b) = (SeededRandom::new(7), SeededRandom::new(7));
        let (mut x, mut y) = ([0u8; 13], [0u8; 13]);
        assert!(a.fill(&mut x).is_ok() && b.fill(&mut y).is_ok());
        assert_eq!(x, y);
        let mut z = [0u8; 32];
        assert!(OsRandom.fill(&mut z).is_ok());
        assert_ne!(z, [0u8; 32]);
        for _ in 0..1000 {
            assert!(a.below(10).is_ok_and(|v| v < 10));
        }
    }

    #[test]
    fn digests_and_comparison() {
        let d1 = keyed_digest(b"key", b"123456");
        assert_eq!(d1, keyed_digest(b"key", b"123456"));
        assert_ne!(d1, keyed_digest(b"other", b"123456"));
        assert!(constant_time_eq(&d1, &d1));
        assert!(!constant_time_eq(&d1, &keyed_digest(b"key", b"123457")));
        assert!(!constant_time_eq(b"ab", b"abc"));
        assert_eq!(hex(&[0, 255]), "00ff");
    }
}
