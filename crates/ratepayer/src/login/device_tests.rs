//! Unit tests of remembered devices: tokens, expiry, revocation one by one
//! and all at once, and clearing on a password change.

use chrono::Duration;

use super::*;
use crate::login::challenge::pass_code_challenge;
use crate::security::SeededRandom;
use crate::verification::code::{self, CodePolicy, Purpose};
use crate::verification::Contact;

const KEY: &[u8] = b"server-key-held-outside-the-database";

fn now() -> DateTime<Utc> {
    "2025-10-01T12:00:00Z".parse().unwrap()
}

/// A passed one-time-code challenge for `login`.
fn passed(login: &str) -> ChallengePassed {
    let contact = Contact::email("ann@example.com").unwrap();
    let mut rng = SeededRandom::new(1);
    let (c, mut rec) = code::issue(
        Purpose::DeviceChallenge,
        &contact,
        &CodePolicy::default(),
        &mut rng,
        now(),
        KEY,
    )
    .unwrap();
    pass_code_challenge(login, &mut rec, &contact, c.code(), now(), KEY).unwrap()
}

fn remembered(login: &str, seed: u64) -> (IssuedDeviceToken, DeviceRecord) {
    remember(
        &passed(login),
        "Firefox on Windows",
        &LoginPolicy::default(),
        &mut SeededRandom::new(seed),
        now(),
        KEY,
    )
    .unwrap()
}

#[test]
fn a_remembered_device_is_recognised_until_it_expires() {
    let (t, rec) = remembered("ann", 7);
    assert_eq!(t.token().len(), 64);
    assert_eq!(rec.id().len(), 16);
    assert_eq!(rec.label(), "Firefox on Windows");
    assert_eq!(rec.expires_at(), now() + Duration::days(30));
    assert!(recognises(&rec, "ann", t.token(), now(), KEY));
    let last = rec.expires_at() - Duration::seconds(1);
    assert!(recognises(&rec, "ann", t.token(), last, KEY));
    assert!(!recognises(&rec, "ann", t.token(), rec.expires_at(), KEY));
}

#[test]
fn another_token_login_or_key_is_not_recognised() {
    let (t, rec) = remembered("ann", 7);
    let (other, _) = remembered("ann", 8);
    assert!(!recognises(&rec, "ann", other.token(), now(), KEY));
    assert!(!recognises(&rec, "bob", t.token(), now(), KEY));
    assert!(!recognises(&rec, "ann", t.token(), now(), b"other key"));
    assert!(!recognises(&rec, "ann", "", now(), KEY));
}

#[test]
fn tokens_are_stored_hashed_and_never_shown() {
    let (t, rec) = remembered("ann", 7);
    assert_eq!(
        format!("{t:?}"),
        "IssuedDeviceToken { token: \"<redacted>\" }"
    );
    assert!(!format!("{rec:?}").contains(rec.lookup_key()));
    let json = serde_json::to_string(&rec).unwrap();
    assert!(!json.contains(t.token()));
    assert_eq!(serde_json::from_str::<DeviceRecord>(&json).unwrap(), rec);
    assert_eq!(
        lookup_key("ann", t.token(), KEY).as_deref(),
        Some(rec.lookup_key())
    );
    assert_ne!(
        lookup_key("bob", t.token(), KEY).as_deref(),
        Some(rec.lookup_key())
    );
    assert_eq!(lookup_key("ann", "cookie", KEY), None);
}

#[test]
fn one_device_can_be_revoked() {
    let (t, mut rec) = remembered("ann", 7);
    rec.revoke(RevokeReason::Customer, now());
    assert!(!recognises(&rec, "ann", t.token(), now(), KEY));
    rec.revoke(RevokeReason::PasswordChanged, now() + Duration::days(1));
    assert_eq!(
        rec.revoked(),
        Some(Revocation {
            at: now(),
            reason: RevokeReason::Customer
        }),
        "the first revocation stands"
    );
}

#[test]
fn all_of_a_logins_devices_can_be_revoked_and_others_stay() {
    let (ta, a) = remembered("ann", 1);
    let (tb, b) = remembered("ann", 2);
    let (tc, c) = remembered("bob", 3);
    let mut records = vec![a, b, c];
    assert_eq!(
        revoke_all(&mut records, "ann", RevokeReason::AllDevices, now()),
        2
    );
    assert!(!recognises(&records[0], "ann", ta.token(), now(), KEY));
    assert!(!recognises(&records[1], "ann", tb.token(), now(), KEY));
    assert!(recognises(&records[2], "bob", tc.token(), now(), KEY));
    assert_eq!(
        revoke_all(&mut records, "ann", RevokeReason::AllDevices, now()),
        0
    );
}

#[test]
fn a_password_change_clears_every_device_of_the_login() {
    let (ta, a) = remembered("ann", 1);
    let (tc, c) = remembered("bob", 3);
    let mut records = vec![a, c];
    let event = PasswordChanged {
        login: "ann".into(),
        at: now() + Duration::hours(2),
    };
    assert_eq!(on_password_changed(&mut records, &event), 1);
    assert_eq!(
        records[0].revoked(),
        Some(Revocation {
            at: event.at,
            reason: RevokeReason::PasswordChanged
        })
    );
    assert!(!recognises(&records[0], "ann", ta.token(), event.at, KEY));
    assert!(recognises(&records[1], "bob", tc.token(), event.at, KEY));
}

#[test]
fn labels_are_trimmed_cleaned_and_bounded() {
    let long = format!(" Safari\u{7}{} ", "x".repeat(300));
    let (_, rec) = remember(
        &passed("ann"),
        &long,
        &LoginPolicy::default(),
        &mut SeededRandom::new(1),
        now(),
        KEY,
    )
    .unwrap();
    assert!(rec.label().starts_with("Safarix"));
    assert_eq!(rec.label().chars().count(), MAX_LABEL_CHARS);
}

#[test]
fn the_remember_period_comes_from_the_policy() {
    let policy = LoginPolicy {
        remember_device_days: 90,
        ..LoginPolicy::default()
    };
    let (_, rec) = remember(
        &passed("ann"),
        "",
        &policy,
        &mut SeededRandom::new(1),
        now(),
        KEY,
    )
    .unwrap();
    assert_eq!(rec.expires_at(), now() + Duration::days(90));
    let bad = LoginPolicy {
        remember_device_days: 0,
        ..LoginPolicy::default()
    };
    let err = remember(
        &passed("ann"),
        "",
        &bad,
        &mut SeededRandom::new(1),
        now(),
        KEY,
    )
    .unwrap_err();
    assert_eq!(err.code(), "invalid_policy");
}
