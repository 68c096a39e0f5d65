//! Unit tests of verification codes: generation, expiry at the exact
//! boundary, single use, attempt limits and the lock, and binding to purpose
//! and contact (resends and policy: `resend_tests.rs`).

use chrono::Duration;

use super::*;
use crate::security::SeededRandom;

use super::fixtures::*;

#[test]
fn codes_are_six_digits_by_default_and_deterministic_with_a_seed() {
    let (a, rec) = sms_code(7);
    let (b, _) = sms_code(7);
    assert_eq!(a.code(), b.code());
    // SplitMix64 from seed 7, first output mod 10^6 (checked independently).
    assert_eq!(a.code(), "374487");
    assert_eq!(rec.state(), CodeState::Pending);
    assert_eq!(rec.attempts_left(), 5);
    let (c, _) = sms_code(8);
    assert_ne!(a.code(), c.code());
}

#[test]
fn length_is_configurable_and_codes_keep_leading_zeros() {
    let mut rng = SeededRandom::new(1);
    for length in MIN_CODE_LENGTH..=MAX_CODE_LENGTH {
        let policy = CodePolicy {
            length,
            ..CodePolicy::default()
        };
        for _ in 0..50 {
            let (code, _) = issue(
                Purpose::ActivateSms,
                &phone(),
                &policy,
                &mut rng,
                now(),
                KEY,
            )
            .unwrap();
            assert_eq!(code.code().len(), length as usize);
            assert!(code.code().bytes().all(|b| b.is_ascii_digit()));
        }
    }
}

#[test]
fn secrets_never_appear_in_debug_or_in_the_record() {
    let (code, rec) = sms_code(7);
    assert_eq!(format!("{code:?}"), "IssuedCode { code: \"<redacted>\" }");
    let debug = format!("{rec:?}");
    assert!(
        !debug.contains(code.code()) && !debug.contains(&rec.digest),
        "{debug}"
    );
    let json = serde_json::to_string(&rec).unwrap();
    assert!(!json.contains(code.code()), "{json}");
    let back: CodeRecord = serde_json::from_str(&json).unwrap();
    assert_eq!(back, rec);
}

#[test]
fn lifetime_follows_the_channel() {
    let (_, sms) = sms_code(1);
    assert_eq!(sms.expires_at() - sms.issued_at(), Duration::minutes(10));
    let (_, mail) = issue(
        Purpose::ActivateEmail,
        &email(),
        &CodePolicy::default(),
        &mut SeededRandom::new(1),
        now(),
        KEY,
    )
    .unwrap();
    assert_eq!(
        mail.expires_at() - mail.issued_at(),
        Duration::minutes(1440)
    );
}

#[test]
fn a_code_is_valid_until_the_instant_before_expiry() {
    let (code, rec) = sms_code(3);
    let mut at_boundary = rec.clone();
    let err = verify(
        &mut at_boundary,
        Purpose::ActivateSms,
        &phone(),
        code.code(),
        rec.expires_at(),
        KEY,
    );
    assert_eq!(err, Err(CodeError::Expired));
    assert_eq!(
        at_boundary.attempts(),
        0,
        "a try after expiry is not counted"
    );
    let mut just_before = rec.clone();
    let before = rec.expires_at() - Duration::nanoseconds(1);
    let ok = verify(
        &mut just_before,
        Purpose::ActivateSms,
        &phone(),
        code.code(),
        before,
        KEY,
    )
    .unwrap();
    assert_eq!(ok.contact, phone());
    assert_eq!(ok.at, before);
}

#[test]
fn a_code_verifies_once() {
    let (code, mut rec) = sms_code(3);
    let typed = format!(" {}-{} ", &code.code()[..3], &code.code()[3..]);
    assert!(verify(&mut rec, Purpose::ActivateSms, &phone(), &typed, now(), KEY).is_ok());
    assert_eq!(rec.state(), CodeState::Used);
    assert_eq!(rec.used_at(), Some(now()));
    let again = verify(
        &mut rec,
        Purpose::ActivateSms,
        &phone(),
        code.code(),
        now(),
        KEY,
    );
    assert_eq!(again.unwrap_err().code(), "already_used");
}

#[test]
fn wrong_codes_count_down_then_lock_even_the_right_code() {
    let (code, mut rec) = sms_code(3);
    for left in (0..5).rev() {
        let err = verify(
            &mut rec,
            Purpose::ActivateSms,
            &phone(),
            "000000",
            now(),
            KEY,
        );
        assert_eq!(
            err,
            Err(CodeError::WrongCode {
                attempts_left: left
            })
        );
    }
    assert_eq!(rec.state(), CodeState::Locked);
    let err = verify(
        &mut rec,
        Purpose::ActivateSms,
        &phone(),
        code.code(),
        now(),
        KEY,
    );
    assert_eq!(err, Err(CodeError::Locked));
    assert_eq!(rec.attempts(), 5);
    assert!(CodeError::WrongCode { attempts_left: 2 }
        .to_string()
        .contains("2 tries left"));
}

#[test]
fn a_code_never_verifies_another_purpose_or_contact_and_says_not_which() {
    let (code, rec) = sms_code(3);
    let other_phone = Contact::phone("218 555 0100").unwrap();
    for (purpose, contact) in [
        (Purpose::DeviceChallenge, phone()),
        (Purpose::ActivateSms, other_phone),
        (Purpose::ResetPassword, email()),
    ] {
        let mut r = rec.clone();
        let err = verify(&mut r, purpose, &contact, code.code(), now(), KEY).unwrap_err();
        assert_eq!(err, CodeError::WrongPurposeOrContact);
        assert_eq!(err.code(), "wrong_purpose_or_contact");
        assert_eq!(r.attempts(), 1, "the try counts");
        assert!(!err.to_string().contains("phone") && !err.to_string().contains("purpose"));
    }
}

#[test]
fn a_tampered_purpose_does_not_verify_because_the_digest_covers_it() {
    let (code, rec) = sms_code(3);
    let json = serde_json::to_string(&rec).unwrap();
    let tampered = json.replace("\"activate_sms\"", "\"device_challenge\"");
    let mut r: CodeRecord = serde_json::from_str(&tampered).unwrap();
    let err = verify(
        &mut r,
        Purpose::DeviceChallenge,
        &phone(),
        code.code(),
        now(),
        KEY,
    );
    assert_eq!(err, Err(CodeError::WrongCode { attempts_left: 4 }));
}

#[test]
fn the_key_matters() {
    let (code, mut rec) = sms_code(3);
    let err = verify(
        &mut rec,
        Purpose::ActivateSms,
        &phone(),
        code.code(),
        now(),
        b"another key",
    );
    assert_eq!(err.unwrap_err().code(), "wrong_code");
}
