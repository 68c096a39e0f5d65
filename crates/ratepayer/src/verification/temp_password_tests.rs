//! Unit tests of temporary passwords: composition, single use, expiry,
//! reissue voiding the old one, the forced change and the ban on reusing the
//! temporary password as the new one.

use chrono::Duration;

use super::*;
use crate::security::SeededRandom;

const KEY: &[u8] = b"server-key-held-outside-the-database";

fn now() -> DateTime<Utc> {
    "2025-10-01T12:00:00Z".parse().unwrap()
}

fn fresh(seed: u64) -> (IssuedTempPassword, TempPasswordRecord) {
    issue(
        "ann",
        &TempPasswordPolicy::default(),
        &mut SeededRandom::new(seed),
        now(),
        KEY,
    )
    .unwrap()
}

#[test]
fn passwords_are_unambiguous_and_have_every_class() {
    let (first, _) = fresh(7);
    assert_eq!(
        first.password(),
        fresh(7).0.password(),
        "deterministic with a seed"
    );
    let mut rng = SeededRandom::new(99);
    for length in [12, 16, 20, 64] {
        let policy = TempPasswordPolicy {
            length,
            ..TempPasswordPolicy::default()
        };
        for _ in 0..100 {
            let (p, _) = issue("ann", &policy, &mut rng, now(), KEY).unwrap();
            let p = p.password();
            assert_eq!(p.chars().count(), length as usize);
            assert!(p.chars().any(|c| c.is_ascii_uppercase()), "{p}");
            assert!(p.chars().any(|c| c.is_ascii_lowercase()), "{p}");
            assert!(p.chars().any(|c| c.is_ascii_digit()), "{p}");
            assert!(p.chars().any(|c| SYMBOLS.contains(&(c as u8))), "{p}");
            assert!(!p.chars().any(|c| "0Oo1lI".contains(c)), "{p}");
        }
    }
}

#[test]
fn secrets_never_appear_in_debug_or_in_the_record() {
    let (p, rec) = fresh(7);
    assert_eq!(
        format!("{p:?}"),
        "IssuedTempPassword { password: \"<redacted>\" }"
    );
    assert!(!format!("{rec:?}").contains(&rec.digest));
    let json = serde_json::to_string(&rec).unwrap();
    assert!(!json.contains(p.password()));
    assert_eq!(
        serde_json::from_str::<TempPasswordRecord>(&json).unwrap(),
        rec
    );
}

#[test]
fn first_login_forces_a_change_and_the_password_works_once() {
    let (p, mut rec) = fresh(7);
    assert!(!rec.must_change());
    let first = verify(&mut rec, "ann", p.password(), now(), KEY).unwrap();
    assert_eq!(
        first,
        FirstLogin {
            login: "ann".into(),
            must_change: true
        }
    );
    assert!(rec.must_change());
    let again = verify(&mut rec, "ann", p.password(), now(), KEY).unwrap_err();
    assert_eq!(again.code(), "already_used");
}

#[test]
fn wrong_password_or_login_is_refused() {
    let (p, mut rec) = fresh(7);
    let wrong = verify(&mut rec, "ann", "Not-The-Password-1", now(), KEY);
    assert_eq!(wrong, Err(TempPasswordError::WrongPassword));
    assert_eq!(
        verify(&mut rec, "bob", p.password(), now(), KEY),
        Err(TempPasswordError::WrongPassword)
    );
    assert_eq!(rec.state(), TempPasswordState::Issued);
}

#[test]
fn it_expires_at_the_exact_lifetime() {
    let (p, rec) = fresh(7);
    assert_eq!(rec.expires_at(), now() + Duration::hours(24));
    let mut r = rec.clone();
    assert_eq!(
        verify(&mut r, "ann", p.password(), rec.expires_at(), KEY),
        Err(TempPasswordError::Expired)
    );
    let mut r = rec.clone();
    assert!(verify(
        &mut r,
        "ann",
        p.password(),
        rec.expires_at() - Duration::seconds(1),
        KEY
    )
    .is_ok());
}

#[test]
fn registering_again_voids_the_old_password() {
    let (old_p, mut old) = fresh(7);
    let later = now() + Duration::hours(30);
    let (new_p, mut new) = reissue(
        &mut old,
        &TempPasswordPolicy::default(),
        &mut SeededRandom::new(8),
        later,
        KEY,
    )
    .unwrap();
    assert_ne!(old_p.password(), new_p.password());
    assert_eq!(old.state(), TempPasswordState::Void);
    assert_eq!(new.login(), "ann");
    assert_eq!(new.issued_at(), later);
    let err = verify(&mut old, "ann", old_p.password(), now(), KEY).unwrap_err();
    assert_eq!(err.code(), "superseded");
    assert!(verify(&mut new, "ann", new_p.password(), later, KEY).is_ok());
    let again = reissue(
        &mut old,
        &TempPasswordPolicy::default(),
        &mut SeededRandom::new(9),
        later,
        KEY,
    );
    assert_eq!(again.unwrap_err(), TempPasswordError::Superseded);
}

#[test]
fn registering_again_after_first_login_still_works_but_not_after_the_change() {
    let policy = TempPasswordPolicy::default();
    let (p, mut rec) = fresh(7);
    verify(&mut rec, "ann", p.password(), now(), KEY).unwrap();
    let (_, mut next) = reissue(&mut rec, &policy, &mut SeededRandom::new(2), now(), KEY).unwrap();
    assert_eq!(rec.state(), TempPasswordState::Void);
    let (p2, _) = fresh(2);
    verify(&mut next, "ann", p2.password(), now(), KEY).unwrap();
    complete_change(&mut next, "my own long passphrase", now(), KEY).unwrap();
    let err = reissue(&mut next, &policy, &mut SeededRandom::new(3), now(), KEY).unwrap_err();
    assert_eq!(err.code(), "already_changed");
}

#[test]
fn the_temporary_password_cannot_be_the_new_one() {
    let (p, mut rec) = fresh(7);
    verify(&mut rec, "ann", p.password(), now(), KEY).unwrap();
    assert_eq!(
        check_new_password(&rec, p.password(), KEY),
        Err(TempPasswordError::ReusesTemporary)
    );
    let padded = format!(" {} ", p.password());
    assert_eq!(
        check_new_password(&rec, &padded, KEY),
        Err(TempPasswordError::ReusesTemporary)
    );
    let err = complete_change(&mut rec, p.password(), now(), KEY).unwrap_err();
    assert_eq!(err.code(), "reuses_temporary");
    assert!(err.to_string().contains("choose a password of your own"));
    assert!(rec.must_change(), "still waiting for a real change");
    assert!(check_new_password(&rec, "correct horse battery staple", KEY).is_ok());
    complete_change(&mut rec, "correct horse battery staple", now(), KEY).unwrap();
    assert_eq!(rec.state(), TempPasswordState::Changed);
    assert!(!rec.must_change());
    assert_eq!(
        complete_change(&mut rec, "another one entirely", now(), KEY),
        Err(TempPasswordError::AlreadyChanged)
    );
    assert_eq!(
        verify(&mut rec, "ann", p.password(), now(), KEY),
        Err(TempPasswordError::AlreadyChanged)
    );
}

#[test]
fn a_change_needs_the_first_login_first() {
    let (_, mut rec) = fresh(7);
    let err = complete_change(&mut rec, "correct horse battery staple", now(), KEY).unwrap_err();
    assert_eq!(err, TempPasswordError::NoChangePending);
}

#[test]
fn policy_bounds() {
    assert!(TempPasswordPolicy::default().validate().is_ok());
    let bad = TempPasswordPolicy {
        length: 11,
        lifetime_hours: 0,
    };
    let err = bad.validate().unwrap_err();
    assert_eq!(err.code(), "invalid_policy");
    assert!(
        err.to_string()
            .contains("length: 11 characters is out of range"),
        "{err}"
    );
    assert!(err.to_string().contains("lifetime_hours: 0 hours"), "{err}");
    assert!(issue("ann", &bad, &mut SeededRandom::new(1), now(), KEY).is_err());
}
