//! End-to-end verification flows of seed 003 (Crow Wing's SmartHub): a
//! registration's temporary password, the forced change at first login,
//! registering again for a new one, activating an email and a phone contact
//! with a code (and a resend), a password reset by token; and a snapshot of
//! every error message, each saying what was wrong and what to do.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use chrono::{DateTime, Duration, Utc};
use ratepayer::login::throttle::{self, FailureCounter, ThrottlePolicy};
use ratepayer::security::{OsRandom, SeededRandom};
use ratepayer::verification::code::{self, CodeError, Purpose};
use ratepayer::verification::temp_password::{self, TempPasswordError};
use ratepayer::verification::token::{self, TokenError, TokenPurpose};
use ratepayer::verification::{Contact, ContactKind, VerificationPolicy};

const KEY: &[u8] = b"crow-wing-server-key-from-the-secret-store";

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

#[test]
fn crow_wing_registration_with_a_temporary_password() {
    let policy = VerificationPolicy::default();
    let mut rng = SeededRandom::new(2025);
    let registered = at("2025-10-01T09:00:00Z");
    let (emailed, mut record) = temp_password::issue(
        "member-1001",
        &policy.temporary_passwords,
        &mut rng,
        registered,
        KEY,
    )
    .unwrap();

    // The email went to spam; by the next day the password has expired.
    let next_day = registered + Duration::hours(25);
    let err = temp_password::verify(
        &mut record,
        "member-1001",
        emailed.password(),
        next_day,
        KEY,
    );
    assert_eq!(err.unwrap_err().code(), "expired");

    // "Register again. You will receive another temporary password."
    let (again, mut current) = temp_password::reissue(
        &mut record,
        &policy.temporary_passwords,
        &mut rng,
        next_day,
        KEY,
    )
    .unwrap();
    let old = temp_password::verify(
        &mut record,
        "member-1001",
        emailed.password(),
        next_day,
        KEY,
    );
    assert_eq!(old, Err(TempPasswordError::Superseded));

    // First login: the only thing allowed is to change the password.
    let first = temp_password::verify(&mut current, "member-1001", again.password(), next_day, KEY)
        .unwrap();
    assert!(first.must_change && current.must_change());
    let reuse = temp_password::complete_change(&mut current, again.password(), next_day, KEY);
    assert_eq!(reuse, Err(TempPasswordError::ReusesTemporary));
    temp_password::complete_change(&mut current, "a phrase of my own choosing", next_day, KEY)
        .unwrap();
    assert!(!current.must_change());
}

#[test]
fn temporary_passwords_pass_both_password_presets() {
    use ratepayer::password::{Mfa, PasswordContext, PasswordPolicy};
    let policy = VerificationPolicy::default().temporary_passwords;
    let mut rng = SeededRandom::new(17);
    let presets = [
        PasswordPolicy::legacy_composition(),
        PasswordPolicy::nist_800_63b_4(),
    ];
    for _ in 0..200 {
        let (p, _) = temp_password::issue(
            "member-1001",
            &policy,
            &mut rng,
            at("2025-10-01T09:00:00Z"),
            KEY,
        )
        .unwrap();
        for preset in &presets {
            let checked = preset.check(p.password(), &PasswordContext::default(), Mfa::Off);
            assert!(checked.is_ok(), "{:?}", checked.err());
        }
    }
}

#[test]
fn activating_an_email_and_a_phone_with_codes_from_the_os_generator() {
    let policy = VerificationPolicy::default().codes;
    let now = at("2025-10-02T18:30:00Z");
    let email = Contact::email("Member@CrowWing.example").unwrap();
    let phone = Contact::phone("(218) 829-2827").unwrap();
    assert_eq!(phone.kind(), ContactKind::Sms);

    let (sent, mut rec) = code::issue(
        Purpose::ActivateEmail,
        &email,
        &policy,
        &mut OsRandom,
        now,
        KEY,
    )
    .unwrap();
    let typed_contact = Contact::email("  Member@crowwing.EXAMPLE ").unwrap();
    let ok = code::verify(
        &mut rec,
        Purpose::ActivateEmail,
        &typed_contact,
        sent.code(),
        now,
        KEY,
    );
    assert_eq!(ok.unwrap().contact, email);

    // The text is slow; the member asks for another after two typos.
    let (first, mut sms) = code::issue(
        Purpose::ActivateSms,
        &phone,
        &policy,
        &mut OsRandom,
        now,
        KEY,
    )
    .unwrap();
    let wrong = if first.code() == "000000" {
        "111111"
    } else {
        "000000"
    };
    for _ in 0..2 {
        let _ = code::verify(&mut sms, Purpose::ActivateSms, &phone, wrong, now, KEY);
    }
    let (second, mut resent) = code::resend(&mut sms, &policy, &mut OsRandom, now, KEY).unwrap();
    assert_eq!(
        resent.attempts_left(),
        3,
        "resending did not reset the failures"
    );
    let late = code::verify(
        &mut sms,
        Purpose::ActivateSms,
        &phone,
        first.code(),
        now,
        KEY,
    );
    assert_eq!(late, Err(CodeError::Superseded));
    let ok = code::verify(
        &mut resent,
        Purpose::ActivateSms,
        &phone,
        second.code(),
        now,
        KEY,
    );
    assert_eq!(ok.unwrap().purpose, Purpose::ActivateSms);
}

#[test]
fn a_locked_out_member_resets_the_password_by_token() {
    let throttle_policy = ThrottlePolicy::default();
    let (mut login, mut account) = (FailureCounter::new(), FailureCounter::new());
    let mut now = at("2025-10-03T08:00:00Z");
    for _ in 0..100 {
        throttle::record_login_failure(&throttle_policy, &mut login, &mut account, now);
        now += Duration::hours(1);
    }
    let decision = throttle::check_login(&throttle_policy, &login, &account, now);
    assert!(matches!(decision, throttle::Decision::Locked { .. }));
    assert!(decision.allows_password_reset());

    let policy = VerificationPolicy::default().tokens;
    let (link, record) = token::issue(
        TokenPurpose::PasswordReset,
        "member-1001",
        &policy,
        &mut SeededRandom::new(3),
        now,
        KEY,
    )
    .unwrap();
    // The storage layer finds the record by the token in the link.
    let index = token::lookup_key(TokenPurpose::PasswordReset, link.token(), KEY).unwrap();
    assert_eq!(index, record.lookup_key());
    let mut found = record.clone();
    let wrong = token::verify(
        &mut found,
        TokenPurpose::ForgotUsername,
        link.token(),
        now,
        KEY,
    );
    assert_eq!(wrong, Err(TokenError::WrongPurpose));
    let ok = token::verify(
        &mut found,
        TokenPurpose::PasswordReset,
        link.token(),
        now,
        KEY,
    )
    .unwrap();
    assert_eq!(ok.login, "member-1001");
    throttle::record_password_reset(&mut login, &mut account);
    let after = throttle::check_login(&throttle_policy, &login, &account, now);
    assert!(after.is_allowed());
}

#[test]
fn every_error_message_says_what_to_do() {
    let mut lines = Vec::new();
    let codes = [
        CodeError::Expired,
        CodeError::WrongCode { attempts_left: 2 },
        CodeError::Locked,
        CodeError::AlreadyUsed,
        CodeError::Superseded,
        CodeError::WrongPurposeOrContact,
        CodeError::ResendLimit { max: 3 },
        CodeError::ContactNotAllowed {
            purpose: Purpose::ActivateSms,
            kind: ContactKind::Email,
        },
    ];
    for e in codes {
        lines.push(format!("code/{}: {e}", e.code()));
    }
    let temps = [
        TempPasswordError::Expired,
        TempPasswordError::WrongPassword,
        TempPasswordError::AlreadyUsed,
        TempPasswordError::Superseded,
        TempPasswordError::AlreadyChanged,
        TempPasswordError::NoChangePending,
        TempPasswordError::ReusesTemporary,
    ];
    for e in temps {
        lines.push(format!("temporary_password/{}: {e}", e.code()));
    }
    let tokens = [
        TokenError::Invalid,
        TokenError::WrongPurpose,
        TokenError::Expired,
        TokenError::AlreadyUsed,
        TokenError::Voided,
    ];
    for e in tokens {
        lines.push(format!("token/{}: {e}", e.code()));
    }
    let mut bad = VerificationPolicy::default();
    bad.codes.length = 4;
    bad.codes.max_attempts = 50;
    bad.temporary_passwords.length = 8;
    bad.tokens.forgot_username_lifetime_minutes = 10_000;
    lines.push(bad.validate().unwrap_err().to_string());
    lines.push(Contact::phone("call me").unwrap_err().to_string());
    insta::assert_snapshot!(lines.join("\n"));
}

#[test]
fn policy_reads_from_a_profile_section() {
    let p: VerificationPolicy = toml::from_str(
        "[codes]\nlength = 8\nsms_lifetime_minutes = 5\n[temporary_passwords]\nlifetime_hours = 48\n[tokens]\npassword_reset_lifetime_minutes = 30\n",
    )
    .unwrap();
    assert!(p.validate().is_ok());
    assert_eq!((p.codes.length, p.codes.max_attempts), (8, 5));
    assert_eq!(p.temporary_passwords.lifetime_hours, 48);
    assert!(toml::from_str::<VerificationPolicy>("[codes]\ndigits = 8\n").is_err());
}
