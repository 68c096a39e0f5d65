//! Unit tests of credentials at small Argon2 parameters: parameter
//! validation, PHC parsing, peppers, rehash decisions and redaction.

use super::*;
use crate::security::SeededRandom;

fn fast() -> HashParams {
    HashParams::below_owasp_floor_for_tests(64, 1, 1).unwrap()
}

fn password(text: &str) -> NormalizedPassword {
    NormalizedPassword::new(text).unwrap()
}

#[test]
fn params_validate_against_the_owasp_floor_and_ceilings() {
    assert_eq!(HashParams::default(), HashParams::OWASP);
    for (m, t, p) in [
        (19_456, 2, 1),
        (47_104, 1, 1),
        (12_288, 3, 1),
        (9_216, 4, 1),
        (7_168, 5, 1),
    ] {
        assert!(HashParams::new(m, t, p).is_ok(), "m={m} t={t} p={p}");
    }
    for (m, t, p) in [
        (7_168, 4, 1),
        (4_096, 10, 1),
        (19_456, 0, 1),
        (19_456, 2, 0),
        (19_456, 2, 17),
        (2_000_000, 2, 1),
        (19_456, 65, 1),
    ] {
        assert!(HashParams::new(m, t, p).is_err(), "m={m} t={t} p={p}");
    }
    let e = HashParams::new(1024, 1, 1).unwrap_err().to_string();
    assert!(e.contains("memory_kib 1024 is below 7168"), "{e}");
    assert!(e.contains("memory_kib = 19456"), "{e}");
    assert!(HashParams::below_owasp_floor_for_tests(8, 1, 1).is_ok());
    assert!(HashParams::below_owasp_floor_for_tests(8, 1, 2).is_err());
    let json = serde_json::to_string(&HashParams::OWASP).unwrap();
    assert_eq!(
        json,
        r#"{"memory_kib":19456,"iterations":2,"parallelism":1}"#
    );
    assert_eq!(
        serde_json::from_str::<HashParams>(&json).unwrap(),
        HashParams::OWASP
    );
    assert!(serde_json::from_str::<HashParams>(
        r#"{"memory_kib":19456,"iterations":2,"parallelism":1,"salt":3}"#
    )
    .is_err());
}

#[test]
fn malformed_or_oversized_stored_credentials_are_refused() {
    let params = fast();
    let stored = |phc: &str| StoredCredential {
        phc: phc.to_string(),
        normalization: NormalizationForm::Nfc,
        pepper_id: None,
    };
    for phc in [
        "",
        "not a hash",
        "$2b$12$abcdefghijklmnopqrstuu5Y4xHrPnrCkDnRrYk0n4k2aZf6Vb1Em",
        "$pbkdf2-sha256$i=1000$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
        "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ",
    ] {
        let e = verify(&stored(phc), "x", &params, None).unwrap_err();
        assert!(
            matches!(e, CredentialError::MalformedPhc { .. }),
            "{phc}: {e}"
        );
    }
    let huge = "$argon2id$v=19$m=4294967295,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g";
    let e = verify(&stored(huge), "x", &params, None).unwrap_err();
    assert!(
        matches!(e, CredentialError::StoredParamsOutOfRange { .. }),
        "{e}"
    );
    let e = verify(&stored(huge), &"x".repeat(4097), &params, None).unwrap_err();
    assert_eq!(
        e,
        CredentialError::CandidateTooLong {
            bytes: 4097,
            max: 4096
        }
    );
}

#[test]
fn peppers_are_validated_and_redacted() {
    let key = [7u8; 32];
    let p = Pepper::new("2025-01", &key).unwrap();
    assert_eq!(p.id(), "2025-01");
    let shown = format!("{p:?}");
    assert_eq!(shown, "Pepper { id: \"2025-01\", key: \"<redacted>\" }");
    assert!(Pepper::new("", &key).is_err());
    assert!(Pepper::new("bad id", &key).is_err());
    assert!(Pepper::new(&"x".repeat(33), &key).is_err());
    assert!(Pepper::new("ok", &[1u8; 15]).is_err());
    assert!(Pepper::new("ok", &[1u8; 65]).is_err());
    let a = Pepper::generate("gen", &mut SeededRandom::new(3)).unwrap();
    let b = Pepper::generate("gen", &mut SeededRandom::new(3)).unwrap();
    assert_eq!(a.key(), b.key());
    assert_eq!(a.key().len(), 32);
}

#[test]
fn pepper_changes_the_hash_and_is_required_by_id() {
    let params = fast();
    let pw = password("correct horse battery staple");
    let pepper = Pepper::new("k1", &[9u8; 32]).unwrap();
    let plain = hash(&pw, &params, &mut SeededRandom::new(5), None).unwrap();
    let peppered = hash(&pw, &params, &mut SeededRandom::new(5), Some(&pepper)).unwrap();
    assert_ne!(plain.phc, peppered.phc);
    assert_eq!(peppered.pepper_id.as_deref(), Some("k1"));
    let text = "correct horse battery staple";
    assert_eq!(
        verify(&peppered, text, &params, None),
        Err(CredentialError::PepperRequired {
            pepper_id: "k1".into()
        })
    );
    let other = Pepper::new("k2", &[9u8; 32]).unwrap();
    assert!(matches!(
        verify(&peppered, text, &params, Some(&other)),
        Err(CredentialError::PepperMismatch { .. })
    ));
    let same_id_wrong_key = Pepper::new("k1", &[8u8; 32]).unwrap();
    assert_eq!(
        verify(&peppered, text, &params, Some(&same_id_wrong_key)),
        Ok(Verification::Mismatch)
    );
    assert_eq!(
        verify(&peppered, text, &params, Some(&pepper)),
        Ok(Verification::Match {
            needs_rehash: false
        })
    );
    // An unpeppered credential still verifies once a pepper is introduced,
    // and asks to be rehashed under it.
    assert_eq!(
        verify(&plain, text, &params, Some(&pepper)),
        Ok(Verification::Match { needs_rehash: true })
    );
    // Rotation: the credential asks for a rehash under the new pepper's id.
    assert_eq!(needs_rehash(&peppered, &params, Some("k1")), Ok(false));
    assert_eq!(needs_rehash(&peppered, &params, Some("k2")), Ok(true));
    assert!(!format!("{peppered:?}").contains("[9, 9"));
}

#[test]
fn needs_rehash_follows_parameters_and_algorithm() {
    let params = fast();
    let stored = hash(
        &password("a fine long passphrase"),
        &params,
        &mut SeededRandom::new(1),
        None,
    )
    .unwrap();
    assert_eq!(needs_rehash(&stored, &params, None), Ok(false));
    let more = HashParams::below_owasp_floor_for_tests(128, 1, 1).unwrap();
    assert_eq!(needs_rehash(&stored, &more, None), Ok(true));
    let argon2i = StoredCredential {
        phc: stored.phc.replacen("argon2id", "argon2i", 1),
        ..stored.clone()
    };
    assert_eq!(needs_rehash(&argon2i, &params, None), Ok(true));
    assert!(Verification::Match { needs_rehash: true }.is_match());
    assert!(!Verification::Mismatch.is_match());
}
