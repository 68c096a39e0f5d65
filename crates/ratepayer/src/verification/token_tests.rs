//! Unit tests of password-reset and forgot-username tokens: size, purpose
//! binding, expiry, single use, voiding and lookup.

use chrono::Duration;

use super::*;
use crate::security::SeededRandom;

const KEY: &[u8] = b"server-key-held-outside-the-database";

fn now() -> DateTime<Utc> {
    "2025-10-01T12:00:00Z".parse().unwrap()
}

fn fresh(purpose: TokenPurpose, seed: u64) -> (IssuedToken, TokenRecord) {
    issue(
        purpose,
        "ann",
        &TokenPolicy::default(),
        &mut SeededRandom::new(seed),
        now(),
        KEY,
    )
    .unwrap()
}

#[test]
fn tokens_are_256_bits_of_hex_and_never_shown() {
    let (t, rec) = fresh(TokenPurpose::PasswordReset, 7);
    assert_eq!(t.token().len(), 64);
    assert!(t
        .token()
        .bytes()
        .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
    assert_ne!(t.token(), fresh(TokenPurpose::PasswordReset, 8).0.token());
    assert_eq!(format!("{t:?}"), "IssuedToken { token: \"<redacted>\" }");
    assert!(!format!("{rec:?}").contains(rec.lookup_key()));
    let json = serde_json::to_string(&rec).unwrap();
    assert!(!json.contains(t.token()));
    assert_eq!(serde_json::from_str::<TokenRecord>(&json).unwrap(), rec);
}

#[test]
fn a_token_works_once() {
    let (t, mut rec) = fresh(TokenPurpose::PasswordReset, 7);
    let ok = verify(&mut rec, TokenPurpose::PasswordReset, t.token(), now(), KEY).unwrap();
    assert_eq!(ok.login, "ann");
    assert_eq!(rec.used_at(), Some(now()));
    let again = verify(&mut rec, TokenPurpose::PasswordReset, t.token(), now(), KEY);
    assert_eq!(again, Err(TokenError::AlreadyUsed));
}

#[test]
fn reset_and_forgot_username_tokens_are_not_interchangeable() {
    let (reset, reset_rec) = fresh(TokenPurpose::PasswordReset, 7);
    let (name, name_rec) = fresh(TokenPurpose::ForgotUsername, 7);
    assert_eq!(reset.token(), name.token(), "same seed, same bytes");
    assert_ne!(
        reset_rec.lookup_key(),
        name_rec.lookup_key(),
        "the purpose is digested"
    );
    let mut r = reset_rec.clone();
    let err = verify(
        &mut r,
        TokenPurpose::ForgotUsername,
        reset.token(),
        now(),
        KEY,
    )
    .unwrap_err();
    assert_eq!(err.code(), "wrong_purpose");
    assert_eq!(r.used_at(), None);
    assert_eq!(
        lookup_key(TokenPurpose::ForgotUsername, reset.token(), KEY).as_deref(),
        Some(name_rec.lookup_key()),
    );
    assert_ne!(
        lookup_key(TokenPurpose::ForgotUsername, reset.token(), KEY).as_deref(),
        Some(reset_rec.lookup_key()),
        "a reset token looked up for forgot-username finds no reset record"
    );
}

#[test]
fn lookup_finds_the_record_by_the_presented_token() {
    let (t, rec) = fresh(TokenPurpose::PasswordReset, 7);
    let pasted = format!("  {}\n", t.token().to_uppercase());
    assert_eq!(
        lookup_key(TokenPurpose::PasswordReset, &pasted, KEY).as_deref(),
        Some(rec.lookup_key())
    );
    assert_eq!(lookup_key(TokenPurpose::PasswordReset, "abc", KEY), None);
    assert_eq!(
        lookup_key(TokenPurpose::PasswordReset, &"g".repeat(64), KEY),
        None
    );
}

#[test]
fn it_expires_at_the_exact_lifetime() {
    let (t, rec) = fresh(TokenPurpose::PasswordReset, 7);
    assert_eq!(rec.expires_at(), now() + Duration::minutes(60));
    let mut r = rec.clone();
    assert_eq!(
        verify(
            &mut r,
            TokenPurpose::PasswordReset,
            t.token(),
            rec.expires_at(),
            KEY
        ),
        Err(TokenError::Expired)
    );
    let mut r = rec.clone();
    let before = rec.expires_at() - Duration::seconds(1);
    assert!(verify(&mut r, TokenPurpose::PasswordReset, t.token(), before, KEY).is_ok());
}

#[test]
fn wrong_or_malformed_tokens_and_keys_are_invalid() {
    let (t, mut rec) = fresh(TokenPurpose::PasswordReset, 7);
    let (other, _) = fresh(TokenPurpose::PasswordReset, 8);
    for candidate in [other.token(), "", "not a token", &t.token()[..63]] {
        let err = verify(&mut rec, TokenPurpose::PasswordReset, candidate, now(), KEY);
        assert_eq!(err, Err(TokenError::Invalid));
    }
    let err = verify(
        &mut rec,
        TokenPurpose::PasswordReset,
        t.token(),
        now(),
        b"other key",
    );
    assert_eq!(err, Err(TokenError::Invalid));
    assert!(verify(&mut rec, TokenPurpose::PasswordReset, t.token(), now(), KEY).is_ok());
}

#[test]
fn a_voided_token_no_longer_works() {
    let (t, mut rec) = fresh(TokenPurpose::PasswordReset, 7);
    rec.void(now());
    let err = verify(&mut rec, TokenPurpose::PasswordReset, t.token(), now(), KEY).unwrap_err();
    assert_eq!(err.code(), "voided");
}

#[test]
fn policy_bounds_and_lifetimes_by_purpose() {
    let policy = TokenPolicy {
        password_reset_lifetime_minutes: 30,
        forgot_username_lifetime_minutes: 120,
    };
    assert!(policy.validate().is_ok());
    assert_eq!(policy.lifetime_minutes(TokenPurpose::ForgotUsername), 120);
    let bad = TokenPolicy {
        password_reset_lifetime_minutes: 4,
        forgot_username_lifetime_minutes: 1441,
    };
    let err = bad.validate().unwrap_err();
    assert_eq!(err.code(), "invalid_policy");
    let text = err.to_string();
    assert!(
        text.contains("password_reset_lifetime_minutes: 4 minutes"),
        "{text}"
    );
    assert!(
        text.contains("forgot_username_lifetime_minutes: 1441 minutes"),
        "{text}"
    );
}
