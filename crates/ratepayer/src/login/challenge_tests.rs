//! Unit tests of the device challenge: when it is asked (no cookie, unknown,
//! expired, revoked or another login's token), which method, and the proof
//! it yields.

use chrono::Duration;

use super::*;
use crate::login::device::{remember, RevokeReason};
use crate::login::LoginPreset;
use crate::security::SeededRandom;

const KEY: &[u8] = b"server-key-held-outside-the-database";

fn now() -> DateTime<Utc> {
    "2025-10-01T12:00:00Z".parse().unwrap()
}

fn contact() -> Contact {
    Contact::phone("218 829 2827").unwrap()
}

fn challenge(method: ChallengeMethod) -> DeviceCheck {
    DeviceCheck::Challenge { method }
}

fn passed_by_code(login: &str) -> ChallengePassed {
    let mut rng = SeededRandom::new(4);
    let (code, mut rec) =
        start_code_challenge(&contact(), &CodePolicy::default(), &mut rng, now(), KEY).unwrap();
    assert_eq!(rec.purpose(), Purpose::DeviceChallenge);
    pass_code_challenge(login, &mut rec, &contact(), code.code(), now(), KEY).unwrap()
}

#[test]
fn no_cookie_means_a_challenge_by_one_time_code_by_default() {
    let policy = LoginPolicy::default();
    let check = check_device(&policy, "ann", None, None, now(), KEY);
    assert_eq!(check, challenge(ChallengeMethod::OneTimeCode));
}

#[test]
fn a_remembered_device_skips_the_challenge_until_expiry_or_revocation() {
    let policy = LoginPolicy::default();
    let passed = passed_by_code("ann");
    assert_eq!(passed.login(), "ann");
    assert_eq!(passed.method(), ChallengeMethod::OneTimeCode);
    assert_eq!(passed.at(), now());
    let (t, mut rec) = remember(
        &passed,
        "Edge",
        &policy,
        &mut SeededRandom::new(9),
        now(),
        KEY,
    )
    .unwrap();
    let day = now() + Duration::days(1);
    assert_eq!(
        check_device(&policy, "ann", Some(t.token()), Some(&rec), day, KEY),
        DeviceCheck::Recognised
    );
    let code = challenge(ChallengeMethod::OneTimeCode);
    assert_eq!(
        check_device(&policy, "ann", None, Some(&rec), day, KEY),
        code,
        "private browsing"
    );
    assert_eq!(
        check_device(&policy, "ann", Some(t.token()), None, day, KEY),
        code,
        "unknown token"
    );
    assert_eq!(
        check_device(&policy, "bob", Some(t.token()), Some(&rec), day, KEY),
        code
    );
    let expired = rec.expires_at();
    assert_eq!(
        check_device(&policy, "ann", Some(t.token()), Some(&rec), expired, KEY),
        code
    );
    rec.revoke(RevokeReason::Customer, day);
    assert_eq!(
        check_device(&policy, "ann", Some(t.token()), Some(&rec), day, KEY),
        code
    );
}

#[test]
fn the_code_challenge_follows_every_code_rule() {
    let mut rng = SeededRandom::new(4);
    let (code, mut rec) =
        start_code_challenge(&contact(), &CodePolicy::default(), &mut rng, now(), KEY).unwrap();
    let other = Contact::phone("218 555 0100").unwrap();
    let err = pass_code_challenge("ann", &mut rec, &other, code.code(), now(), KEY).unwrap_err();
    assert_eq!(err.code(), "wrong_purpose_or_contact");
    let err = pass_code_challenge("ann", &mut rec, &contact(), "000000", now(), KEY).unwrap_err();
    assert_eq!(err.code(), "wrong_code");
    assert!(pass_code_challenge("ann", &mut rec, &contact(), code.code(), now(), KEY).is_ok());
    let err =
        pass_code_challenge("ann", &mut rec, &contact(), code.code(), now(), KEY).unwrap_err();
    assert_eq!(err.code(), "already_used");
}

#[test]
fn an_activation_code_does_not_pass_the_device_challenge() {
    let mut rng = SeededRandom::new(4);
    let (code, mut rec) = crate::verification::code::issue(
        Purpose::ActivateSms,
        &contact(),
        &CodePolicy::default(),
        &mut rng,
        now(),
        KEY,
    )
    .unwrap();
    let err =
        pass_code_challenge("ann", &mut rec, &contact(), code.code(), now(), KEY).unwrap_err();
    assert_eq!(err.code(), "wrong_purpose_or_contact");
}

#[test]
fn the_legacy_preset_asks_the_security_question() {
    let legacy = LoginPolicy::legacy();
    assert_eq!(
        check_device(&legacy, "ann", None, None, now(), KEY),
        challenge(ChallengeMethod::SecurityQuestion)
    );
    let answer =
        SecurityAnswerRecord::new("ann", "Street you grew up on?", "Elm  Street", now(), KEY)
            .unwrap();
    let passed =
        pass_question_challenge(&legacy, &answer, "ann", " elm street ", now(), KEY).unwrap();
    assert_eq!(passed.method(), ChallengeMethod::SecurityQuestion);
    let err =
        pass_question_challenge(&legacy, &answer, "ann", "Oak Street", now(), KEY).unwrap_err();
    assert_eq!(err, LoginError::WrongAnswer);
}

#[test]
fn security_questions_are_refused_outside_the_legacy_preset() {
    let answer = SecurityAnswerRecord::new("ann", "Q?", "Elm Street", now(), KEY).unwrap();
    let unvalidated = LoginPolicy {
        preset: LoginPreset::Modern,
        challenge: ChallengeMethod::SecurityQuestion,
        ..LoginPolicy::default()
    };
    for policy in [LoginPolicy::default(), unvalidated] {
        assert_eq!(
            check_device(&policy, "ann", None, None, now(), KEY),
            challenge(ChallengeMethod::OneTimeCode)
        );
        let err =
            pass_question_challenge(&policy, &answer, "ann", "Elm Street", now(), KEY).unwrap_err();
        assert_eq!(err.code(), "wrong_challenge_method");
        assert!(err.to_string().contains("a one-time code"), "{err}");
    }
}
