//! Credentials from the outside: a password accepted by the policy is
//! hashed and verified, at the OWASP defaults once (the PHC format) and at
//! small parameters otherwise; wrong passwords, peppers, needs-rehash,
//! deterministic salts, NFKC at login, and nothing secret in `Debug`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use ratepayer::credential::{
    self, CredentialError, HashParams, Pepper, StoredCredential, Verification,
};
use ratepayer::password::{Mfa, NormalizedPassword, PasswordContext, PasswordPolicy};
use ratepayer::security::{OsRandom, RandomSource, SeededRandom};

const PASSWORD: &str = "lantern orchard quietly humming";

fn fast() -> HashParams {
    HashParams::below_owasp_floor_for_tests(256, 1, 1).unwrap()
}

fn accepted(password: &str) -> NormalizedPassword {
    PasswordPolicy::nist_800_63b_4()
        .check(password, &PasswordContext::default(), Mfa::Off)
        .unwrap()
}

#[test]
fn default_parameters_give_the_owasp_phc_string() {
    let stored = credential::hash(
        &accepted(PASSWORD),
        &HashParams::default(),
        &mut OsRandom,
        None,
    )
    .unwrap();
    assert!(
        stored.phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{}",
        stored.phc
    );
    // 16-byte salt and 32-byte hash, unpadded base64: 22 and 43 characters.
    let parts: Vec<&str> = stored.phc.split('$').collect();
    assert_eq!(parts.len(), 6);
    assert_eq!((parts[4].len(), parts[5].len()), (22, 43));
    assert_eq!(stored.normalization.as_str(), "NFKC");
    assert_eq!(stored.pepper_id, None);
    let ok = credential::verify(&stored, PASSWORD, &HashParams::default(), None);
    assert_eq!(
        ok,
        Ok(Verification::Match {
            needs_rehash: false
        })
    );
}

#[test]
fn round_trip_and_wrong_passwords() {
    let params = fast();
    let stored = credential::hash(&accepted(PASSWORD), &params, &mut OsRandom, None).unwrap();
    assert!(stored.phc.starts_with("$argon2id$v=19$m=256,t=1,p=1$"));
    let check = |candidate: &str| credential::verify(&stored, candidate, &params, None).unwrap();
    assert_eq!(
        check(PASSWORD),
        Verification::Match {
            needs_rehash: false
        }
    );
    for wrong in [
        "",
        "lantern orchard quietly hummin",
        "lantern orchard quietly humming ",
        "Correct horse battery staple",
        "lantern orchard quietly humming\0",
    ] {
        assert_eq!(check(wrong), Verification::Mismatch, "{wrong:?}");
    }
    // Two hashes of one password differ by their salt.
    let again = credential::hash(&accepted(PASSWORD), &params, &mut OsRandom, None).unwrap();
    assert_ne!(stored.phc, again.phc);
}

#[test]
fn composed_and_decomposed_accents_verify_alike() {
    let params = fast();
    let composed = "cr\u{e8}me br\u{fb}l\u{e9}e pour d\u{e9}jeuner";
    let decomposed = "cre\u{300}me bru\u{302}le\u{301}e pour de\u{301}jeuner";
    let stored = credential::hash(&accepted(decomposed), &params, &mut OsRandom, None).unwrap();
    for typed in [composed, decomposed] {
        assert!(credential::verify(&stored, typed, &params, None)
            .unwrap()
            .is_match());
    }
    assert_eq!(accepted(composed), accepted(decomposed));
}

#[test]
fn salts_come_from_the_injected_random_source() {
    let params = fast();
    let pw = accepted(PASSWORD);
    let a = credential::hash(&pw, &params, &mut SeededRandom::new(42), None).unwrap();
    let b = credential::hash(&pw, &params, &mut SeededRandom::new(42), None).unwrap();
    let c = credential::hash(&pw, &params, &mut SeededRandom::new(43), None).unwrap();
    assert_eq!(a, b);
    assert_ne!(a.phc, c.phc);
    // The salt is the generator's first 16 bytes.
    let mut salt = [0u8; 16];
    SeededRandom::new(42).fill(&mut salt).unwrap();
    let salt_b64 = a.phc.split('$').nth(4).unwrap();
    assert_eq!(salt_b64, unpadded_base64(&salt));
}

#[test]
fn peppered_credentials_need_their_pepper() {
    let params = fast();
    let pepper = Pepper::new("2025-01", &[0x5a; 32]).unwrap();
    let stored =
        credential::hash(&accepted(PASSWORD), &params, &mut OsRandom, Some(&pepper)).unwrap();
    assert_eq!(stored.pepper_id.as_deref(), Some("2025-01"));
    assert_eq!(
        credential::verify(&stored, PASSWORD, &params, Some(&pepper)),
        Ok(Verification::Match {
            needs_rehash: false
        })
    );
    let e = credential::verify(&stored, PASSWORD, &params, None).unwrap_err();
    assert_eq!(
        e.to_string(),
        "the credential was hashed with pepper `2025-01`; pass that pepper to verify it"
    );
    let next = Pepper::new("2025-07", &[0x5a; 32]).unwrap();
    assert!(matches!(
        credential::verify(&stored, PASSWORD, &params, Some(&next)),
        Err(CredentialError::PepperMismatch { .. })
    ));
    let leaked_id = Pepper::new("2025-01", &[0x5b; 32]).unwrap();
    assert_eq!(
        credential::verify(&stored, PASSWORD, &params, Some(&leaked_id)),
        Ok(Verification::Mismatch)
    );
    // Nothing secret is shown: the pepper's key, the password.
    let shown = format!("{stored:?} {pepper:?} {:?}", accepted(PASSWORD));
    assert!(
        !shown.contains("horse") && !shown.contains("90, 90"),
        "{shown}"
    );
}

#[test]
fn parameter_changes_ask_for_a_rehash_at_login() {
    let old = fast();
    let stored = credential::hash(&accepted(PASSWORD), &old, &mut OsRandom, None).unwrap();
    let new = HashParams::below_owasp_floor_for_tests(512, 2, 1).unwrap();
    assert_eq!(
        credential::verify(&stored, PASSWORD, &new, None),
        Ok(Verification::Match { needs_rehash: true })
    );
    assert_eq!(
        credential::verify(&stored, "not it", &new, None),
        Ok(Verification::Mismatch)
    );
    assert_eq!(credential::needs_rehash(&stored, &old, None), Ok(false));
    assert_eq!(credential::needs_rehash(&stored, &new, None), Ok(true));
    assert_eq!(
        credential::needs_rehash(&stored, &old, Some("p1")),
        Ok(true)
    );
}

#[test]
fn stored_credentials_round_trip_through_json() {
    let pepper = Pepper::new("k", &[1; 16]).unwrap();
    let stored = credential::hash(
        &NormalizedPassword::new("x").unwrap(),
        &fast(),
        &mut SeededRandom::new(1),
        Some(&pepper),
    )
    .unwrap();
    let json = serde_json::to_string(&stored).unwrap();
    assert!(json.contains(r#""normalization":"NFKC""#) && json.contains(r#""pepper_id":"k""#));
    assert_eq!(
        serde_json::from_str::<StoredCredential>(&json).unwrap(),
        stored
    );
    assert!(
        serde_json::from_str::<StoredCredential>(r#"{"phc":"x","normalization":"NFKD"}"#).is_err()
    );
}

/// Unpadded standard base64, as PHC strings use.
fn unpadded_base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    out
}
