//! End-to-end login flows of seed 004 (Cal Water): the security question
//! from an unrecognised computer in the legacy preset, "don't ask again on
//! this computer", private browsing, and a password change that forgets
//! every remembered computer; the modern default with a one-time code; and
//! a snapshot of the login errors and policy problems.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use chrono::{DateTime, Duration, Utc};
use ratepayer::login::challenge::{self, DeviceCheck};
use ratepayer::login::device::{self, PasswordChanged};
use ratepayer::login::throttle::{self, Decision, FailureCounter};
use ratepayer::login::{
    ChallengeMethod, LoginError, LoginPolicy, LoginPreset, SecurityAnswerRecord,
};
use ratepayer::security::SeededRandom;
use ratepayer::verification::code::CodePolicy;
use ratepayer::verification::Contact;

const KEY: &[u8] = b"cal-water-server-key-from-the-secret-store";

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

#[test]
fn cal_water_asks_the_security_question_only_on_an_unrecognised_computer() {
    let policy: LoginPolicy = toml::from_str(
        "preset = \"legacy\"\nchallenge = \"security_question\"\nremember_device_days = 90\n",
    )
    .unwrap();
    policy.validate().unwrap();
    let mut rng = SeededRandom::new(4);
    let monday = at("2025-10-06T17:00:00Z");
    let answer = SecurityAnswerRecord::new(
        "ann@example.com",
        "Your first school?",
        "Lincoln Elementary",
        monday,
        KEY,
    )
    .unwrap();

    // First login from this computer: no cookie, so the question.
    let check = challenge::check_device(&policy, "ann@example.com", None, None, monday, KEY);
    assert_eq!(
        check,
        DeviceCheck::Challenge {
            method: ChallengeMethod::SecurityQuestion
        }
    );
    let passed = challenge::pass_question_challenge(
        &policy,
        &answer,
        "ann@example.com",
        "lincoln  elementary",
        monday,
        KEY,
    )
    .unwrap();
    // "Don't ask the security questions on this computer" was ticked.
    let (cookie, record) =
        device::remember(&passed, "Chrome on Windows", &policy, &mut rng, monday, KEY).unwrap();
    let mut devices = vec![record];

    // Next week, same browser: the storage layer finds the record by the cookie.
    let later = monday + Duration::days(7);
    let index = device::lookup_key("ann@example.com", cookie.token(), KEY).unwrap();
    let found = devices.iter().find(|d| d.lookup_key() == index);
    let check = challenge::check_device(
        &policy,
        "ann@example.com",
        Some(cookie.token()),
        found,
        later,
        KEY,
    );
    assert_eq!(check, DeviceCheck::Recognised);

    // Private browsing sends no cookie: asked again.
    let check = challenge::check_device(&policy, "ann@example.com", None, None, later, KEY);
    assert!(matches!(check, DeviceCheck::Challenge { .. }));

    // A password change forgets the computer.
    let changed = PasswordChanged {
        login: "ann@example.com".into(),
        at: later,
    };
    assert_eq!(device::on_password_changed(&mut devices, &changed), 1);
    let check = challenge::check_device(
        &policy,
        "ann@example.com",
        Some(cookie.token()),
        devices.first(),
        later,
        KEY,
    );
    assert!(matches!(check, DeviceCheck::Challenge { .. }));
}

#[test]
fn the_modern_default_sends_a_one_time_code_and_wrong_answers_are_throttled() {
    let policy = LoginPolicy::default();
    assert_eq!(policy.preset, LoginPreset::Modern);
    let now = at("2025-10-06T17:00:00Z");
    let check = challenge::check_device(&policy, "bob", None, None, now, KEY);
    assert_eq!(
        check,
        DeviceCheck::Challenge {
            method: ChallengeMethod::OneTimeCode
        }
    );
    let phone = Contact::phone("+1 (559) 555-0142").unwrap();
    let mut rng = SeededRandom::new(8);
    let (sent, mut rec) =
        challenge::start_code_challenge(&phone, &CodePolicy::default(), &mut rng, now, KEY)
            .unwrap();

    let (mut login, mut account) = (FailureCounter::new(), FailureCounter::new());
    let wrong = if sent.code() == "123456" {
        "654321"
    } else {
        "123456"
    };
    for _ in 0..4 {
        let err =
            challenge::pass_code_challenge("bob", &mut rec, &phone, wrong, now, KEY).unwrap_err();
        assert_eq!(err.code(), "wrong_code");
        throttle::record_login_failure(&policy.throttle, &mut login, &mut account, now);
    }
    let held = throttle::check_login(&policy.throttle, &login, &account, now);
    assert_eq!(
        held,
        Decision::Delayed {
            until: now + Duration::seconds(2)
        }
    );
    let then = now + Duration::seconds(2);
    assert!(throttle::check_login(&policy.throttle, &login, &account, then).is_allowed());
    let passed =
        challenge::pass_code_challenge("bob", &mut rec, &phone, sent.code(), then, KEY).unwrap();
    throttle::record_login_success(&mut login, &mut account);
    assert_eq!(passed.method(), ChallengeMethod::OneTimeCode);
    assert_eq!(login.failures() + account.failures(), 0);
}

#[test]
fn login_errors_and_policy_problems() {
    let mut lines: Vec<String> = [
        LoginError::WrongChallengeMethod {
            configured: "a one-time code",
        },
        LoginError::WrongAnswer,
        LoginError::EmptyAnswer,
        LoginError::AnswerForAnotherLogin,
    ]
    .iter()
    .map(|e| format!("{}: {e}", e.code()))
    .collect();
    let mut bad = LoginPolicy {
        challenge: ChallengeMethod::SecurityQuestion,
        remember_device_days: 400,
        ..LoginPolicy::default()
    };
    bad.throttle.lock_after_failures = 250;
    bad.throttle.max_delay_seconds = 0;
    lines.push(bad.validate().unwrap_err().to_string());
    insta::assert_snapshot!(lines.join("\n"));
}
