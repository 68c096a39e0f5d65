//! HOTP (RFC 4226) and TOTP (RFC 6238) with HMAC-SHA-1, and the base32
//! (RFC 4648) that authenticator apps read secrets in.
//!
//! Computed with the workspace's RustCrypto `hmac` and `sha1` crates rather
//! than a TOTP crate: the algorithm is a dozen lines, and this keeps the
//! dependency set to vetted primitives.

use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;

/// The HOTP value of `secret` at `counter` with `digits` digits (1 to 9):
/// HMAC-SHA-1 of the big-endian counter, dynamically truncated to 31 bits,
/// modulo 10^digits.
pub fn hotp(secret: &[u8], counter: u64, digits: u32) -> u32 {
    let Ok(mut mac) = <Hmac<Sha1> as KeyInit>::new_from_slice(secret) else {
        // HMAC takes keys of any length; this branch cannot be taken.
        return 0;
    };
    mac.update(&counter.to_be_bytes());
    let h = mac.finalize().into_bytes();
    let offset = usize::from(h.get(19).copied().unwrap_or(0) & 0x0f);
    let byte = |i: usize| u32::from(h.get(offset + i).copied().unwrap_or(0));
    let binary = ((byte(0) & 0x7f) << 24) | (byte(1) << 16) | (byte(2) << 8) | byte(3);
    binary % 10u32.pow(digits.clamp(1, 9))
}

/// The TOTP time step of `unix_seconds` for a `step`-second period.
pub fn time_step(unix_seconds: u64, step: u64) -> u64 {
    unix_seconds / step.max(1)
}

/// The TOTP value of `secret` at `unix_seconds` (period `step` seconds,
/// `digits` digits).
pub fn totp(secret: &[u8], unix_seconds: u64, step: u64, digits: u32) -> u32 {
    hotp(secret, time_step(unix_seconds, step), digits)
}

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// The base32 character of the low 5 bits of `v`.
fn base32_char(v: u32) -> char {
    let i = usize::try_from(v & 31).unwrap_or(0);
    char::from(BASE32.get(i).copied().unwrap_or(b'A'))
}

/// Base32 (RFC 4648, upper case, without padding), as `otpauth://` URIs
/// carry secrets.
pub fn base32(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &b in bytes {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(base32_char(buffer >> bits));
        }
        buffer &= (1 << bits) - 1;
    }
    if bits > 0 {
        out.push(base32_char(buffer << (5 - bits)));
    }
    out
}

/// The bytes of base32 text (case and padding ignored); `None` when a
/// character is not base32.
pub fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 5 / 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for c in text.trim_end_matches('=').bytes() {
        let v = BASE32.iter().position(|&b| b == c.to_ascii_uppercase())?;
        buffer = (buffer << 5) | u32::try_from(v).ok()?;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((buffer >> bits) & 0xff).ok()?);
        }
        buffer &= (1 << bits) - 1;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"12345678901234567890";
    /// RFC 6238 Appendix B, SHA-1, 8 digits.
    const VECTORS: [(u64, u32); 6] = [
        (59, 94_287_082),
        (1_111_111_109, 7_081_804),
        (1_111_111_111, 14_050_471),
        (1_234_567_890, 89_005_924),
        (2_000_000_000, 69_279_037),
        (20_000_000_000, 65_353_130),
    ];

    #[test]
    fn rfc_6238_appendix_b_sha1_vectors() {
        for (t, want) in VECTORS {
            assert_eq!(totp(SECRET, t, 30, 8), want, "T = {t}");
        }
    }

    #[test]
    fn six_digit_codes_are_the_hotp_value_modulo_a_million() {
        // Computed from the same 31-bit value modulo 10^6. Since 10^6
        // divides 10^8 this equals the last six digits of the 8-digit code.
        let six: Vec<u32> = VECTORS
            .iter()
            .map(|&(t, _)| totp(SECRET, t, 30, 6))
            .collect();
        assert_eq!(six, [287_082, 81_804, 50_471, 5_924, 279_037, 353_130]);
        for (t, eight) in VECTORS {
            assert_eq!(totp(SECRET, t, 30, 6), eight % 1_000_000);
        }
    }

    #[test]
    fn rfc_4226_appendix_d_hotp_vectors() {
        let want = [755_224, 287_082, 359_152, 969_429, 338_314];
        for (counter, w) in want.iter().enumerate() {
            assert_eq!(hotp(SECRET, counter as u64, 6), *w);
        }
    }

    #[test]
    fn base32_round_trips_and_matches_rfc_4648() {
        assert_eq!(base32(b"foobar"), "MZXW6YTBOI");
        assert_eq!(base32(SECRET), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        assert_eq!(
            base32_decode("mzxw6ytboi======").as_deref(),
            Some(&b"foobar"[..])
        );
        assert_eq!(base32_decode("MZ1"), None);
        let bytes: Vec<u8> = (0..=255).collect();
        assert_eq!(base32_decode(&base32(&bytes)), Some(bytes));
    }
}
