//! Unit tests of resending codes (the old one void, the failure count kept,
//! the resend limit), of which contacts each purpose accepts, and of the
//! policy's bounds.

use chrono::Duration;

use super::*;
use crate::security::SeededRandom;

use super::fixtures::*;

#[test]
fn resending_voids_the_old_code_and_keeps_the_failure_count() {
    let policy = CodePolicy::default();
    let mut rng = SeededRandom::new(11);
    let (old_code, mut old) = sms_code(3);
    for _ in 0..3 {
        let _ = verify(
            &mut old,
            Purpose::ActivateSms,
            &phone(),
            "000000",
            now(),
            KEY,
        );
    }
    let later = now() + Duration::minutes(20);
    let (new_code, mut new) = resend(&mut old, &policy, &mut rng, later, KEY).unwrap();
    assert_eq!(old.state(), CodeState::Superseded);
    assert_eq!(new.attempts(), 3);
    assert_eq!(new.attempts_left(), 2);
    assert_eq!(new.resends(), 1);
    assert_eq!(new.expires_at(), later + Duration::minutes(10));
    assert_ne!(old_code.code(), new_code.code());
    let err = verify(
        &mut old,
        Purpose::ActivateSms,
        &phone(),
        old_code.code(),
        later,
        KEY,
    );
    assert_eq!(err.unwrap_err().code(), "superseded");
    for left in [1, 0] {
        let err = verify(
            &mut new,
            Purpose::ActivateSms,
            &phone(),
            "000000",
            later,
            KEY,
        );
        assert_eq!(
            err,
            Err(CodeError::WrongCode {
                attempts_left: left
            })
        );
    }
    let err = verify(
        &mut new,
        Purpose::ActivateSms,
        &phone(),
        new_code.code(),
        later,
        KEY,
    );
    assert_eq!(err, Err(CodeError::Locked));
    assert_eq!(
        resend(&mut new, &policy, &mut rng, later, KEY).unwrap_err(),
        CodeError::Locked
    );
}

#[test]
fn resends_are_limited() {
    let policy = CodePolicy::default();
    let mut rng = SeededRandom::new(5);
    let (_, mut rec) = sms_code(3);
    for n in 1..=3 {
        let (_, next) = resend(&mut rec, &policy, &mut rng, now(), KEY).unwrap();
        assert_eq!(next.resends(), n);
        rec = next;
    }
    let err = resend(&mut rec, &policy, &mut rng, now(), KEY).unwrap_err();
    assert_eq!(err, CodeError::ResendLimit { max: 3 });
    assert_eq!(err.code(), "resend_limit");
    assert_eq!(rec.state(), CodeState::Pending, "the last code still works");
}

#[test]
fn used_or_superseded_codes_cannot_be_resent() {
    let policy = CodePolicy::default();
    let mut rng = SeededRandom::new(5);
    let (code, mut rec) = sms_code(3);
    let mut stale = rec.clone();
    let _ = resend(&mut stale, &policy, &mut rng, now(), KEY).unwrap();
    assert_eq!(
        resend(&mut stale, &policy, &mut rng, now(), KEY).unwrap_err(),
        CodeError::Superseded
    );
    verify(
        &mut rec,
        Purpose::ActivateSms,
        &phone(),
        code.code(),
        now(),
        KEY,
    )
    .unwrap();
    assert_eq!(
        resend(&mut rec, &policy, &mut rng, now(), KEY).unwrap_err(),
        CodeError::AlreadyUsed
    );
}

#[test]
fn activation_codes_go_only_to_their_kind_of_contact() {
    let mut rng = SeededRandom::new(5);
    let policy = CodePolicy::default();
    let err = issue(
        Purpose::ActivateEmail,
        &phone(),
        &policy,
        &mut rng,
        now(),
        KEY,
    )
    .unwrap_err();
    assert_eq!(err.code(), "contact_not_allowed");
    assert_eq!(
        err.to_string(),
        "codes for email activation cannot be sent to a phone number; send the code to the contact \
         being activated"
    );
    assert!(issue(
        Purpose::ActivateSms,
        &email(),
        &policy,
        &mut rng,
        now(),
        KEY
    )
    .is_err());
    assert!(issue(
        Purpose::DeviceChallenge,
        &email(),
        &policy,
        &mut rng,
        now(),
        KEY
    )
    .is_ok());
    assert!(issue(
        Purpose::DeviceChallenge,
        &phone(),
        &policy,
        &mut rng,
        now(),
        KEY
    )
    .is_ok());
}

#[test]
fn policy_bounds_are_enforced_with_every_problem_listed() {
    assert!(CodePolicy::default().validate().is_ok());
    let bad = CodePolicy {
        length: 5,
        sms_lifetime_minutes: 0,
        email_lifetime_minutes: 20_000,
        max_attempts: 0,
        max_resends: 11,
        sign_in_lifetime_minutes: 24 * 60,
        max_sends_per_hour: 0,
    };
    let err = bad.validate().unwrap_err();
    let CodeError::InvalidPolicy { problems } = &err else {
        panic!("{err:?}")
    };
    let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "length",
            "sms_lifetime_minutes",
            "email_lifetime_minutes",
            "max_attempts",
            "max_resends",
            "sign_in_lifetime_minutes",
            "max_sends_per_hour"
        ]
    );
    assert!(
        err.to_string().contains("length: 5 is out of range"),
        "{err}"
    );
    let mut rng = SeededRandom::new(1);
    assert_eq!(
        issue(Purpose::ActivateSms, &phone(), &bad, &mut rng, now(), KEY)
            .unwrap_err()
            .code(),
        "invalid_policy"
    );
}

#[test]
fn policy_reads_from_toml_with_defaults() {
    let p: CodePolicy = toml::from_str("length = 8\nmax_attempts = 3").unwrap();
    assert_eq!(p.length, 8);
    assert_eq!(p.sms_lifetime_minutes, 10);
    assert_eq!(p.email_lifetime_minutes, 1440);
    assert!(toml::from_str::<CodePolicy>("digits = 8").is_err());
}
