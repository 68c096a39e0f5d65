//! Unit tests of session rules: tokens, digests, idle and absolute ends,
//! a clock that moves back, and the policy's limits.

use chrono::Duration;

use super::*;
use crate::security::SeededRandom;

const KEY: &[u8] = b"server-key-held-outside-the-database";

fn now() -> DateTime<Utc> {
    "2026-03-08T09:30:00Z".parse().unwrap()
}

fn started(policy: &SessionPolicy) -> (IssuedSessionToken, String, SessionRecord) {
    start(
        "login-1",
        "203.0.113.7 Firefox",
        policy,
        &mut SeededRandom::new(3),
        now(),
        KEY,
    )
    .unwrap()
}

#[test]
fn a_token_is_256_bits_of_hex_and_only_its_keyed_digest_is_kept() {
    let (token, key, record) = started(&SessionPolicy::default());
    assert_eq!(token.token().len(), 64);
    assert!(token.token().bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(
        lookup_key(token.token(), KEY).as_deref(),
        Some(key.as_str())
    );
    // Upper case and surrounding blanks are the same token.
    let shouted = format!("  {} ", token.token().to_ascii_uppercase());
    assert_eq!(lookup_key(&shouted, KEY).as_deref(), Some(key.as_str()));
    // Another server key gives another index; the digest is not the token.
    assert_ne!(lookup_key(token.token(), b"another-key").unwrap(), key);
    assert_ne!(key, token.token());
    let json = serde_json::to_string(&record).unwrap();
    assert!(!json.contains(token.token()), "{json}");
    assert!(!format!("{token:?}").contains(token.token()));
    assert_eq!(record.id().len(), 16);
    assert_ne!(record.id(), &token.token()[..16]);
}

#[test]
fn what_cannot_be_a_token_has_no_key() {
    for bad in [
        "",
        "abc",
        &"g".repeat(64),
        &"a".repeat(63),
        &"a".repeat(65),
        "é",
    ] {
        assert_eq!(lookup_key(bad, KEY), None, "{bad:?}");
    }
}

#[test]
fn two_sessions_never_share_a_token() {
    let mut rng = SeededRandom::new(9);
    let p = SessionPolicy::default();
    let (a, ka, ra) = start("l", "c", &p, &mut rng, now(), KEY).unwrap();
    let (b, kb, rb) = start("l", "c", &p, &mut rng, now(), KEY).unwrap();
    assert_ne!(a.token(), b.token());
    assert_ne!(ka, kb);
    assert_ne!(ra.id(), rb.id());
}

#[test]
fn idle_ends_after_the_idle_minutes_and_use_keeps_it_alive() {
    let (_, _, mut r) = started(&SessionPolicy::default());
    assert_eq!(r.state(now()), SessionState::Active);
    assert_eq!(r.state(now() + Duration::minutes(29)), SessionState::Active);
    assert_eq!(r.state(now() + Duration::minutes(30)), SessionState::Idle);
    // A call at 20 minutes moves the idle end to 50.
    assert!(r.touch(now() + Duration::minutes(20)));
    assert_eq!(r.state(now() + Duration::minutes(49)), SessionState::Active);
    assert_eq!(r.state(now() + Duration::minutes(50)), SessionState::Idle);
    // Calls within a minute of the last write do not ask for a write.
    assert!(!r.touch(now() + Duration::minutes(20) + Duration::seconds(59)));
}

#[test]
fn the_absolute_end_holds_whatever_the_use() {
    let (_, _, mut r) = started(&SessionPolicy::default());
    let mut t = now();
    while t < now() + Duration::hours(12) {
        assert_eq!(r.state(t), SessionState::Active, "{t}");
        r.touch(t);
        t += Duration::minutes(10);
    }
    assert_eq!(r.state(now() + Duration::hours(12)), SessionState::Expired);
    // The idle end never passes the absolute end.
    assert!(r.idle_expires_at() <= r.expires_at());
}

#[test]
fn a_clock_moved_back_does_not_extend_a_session() {
    let (_, _, mut r) = started(&SessionPolicy::default());
    assert!(r.touch(now() + Duration::minutes(25)));
    assert!(!r.touch(now() - Duration::hours(5)));
    assert_eq!(r.last_seen(), now() + Duration::minutes(25));
    assert_eq!(r.state(now() + Duration::minutes(55)), SessionState::Idle);
}

#[test]
fn the_policy_refuses_every_out_of_range_setting_at_once() {
    let bad = SessionPolicy {
        idle_minutes: 0,
        absolute_hours: 721,
    };
    let problems = bad.problems();
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(problems.iter().any(|p| p.path == "idle_minutes"));
    assert!(problems.iter().any(|p| p.path == "absolute_hours"));
    let longer = SessionPolicy {
        idle_minutes: 120,
        absolute_hours: 1,
    };
    assert_eq!(longer.problems().len(), 1);
    assert!(SessionPolicy::default().problems().is_empty());
    let max = SessionPolicy {
        idle_minutes: MAX_IDLE_MINUTES,
        absolute_hours: MAX_ABSOLUTE_HOURS,
    };
    assert!(max.problems().is_empty());
    let err = start("l", "c", &bad, &mut SeededRandom::new(1), now(), KEY).unwrap_err();
    assert!(err.to_string().contains("session.idle_minutes"), "{err}");
}

#[test]
fn a_session_started_near_the_end_of_time_does_not_overflow() {
    let late = DateTime::<Utc>::MAX_UTC - Duration::minutes(5);
    let (_, _, r) = start(
        "l",
        "c",
        &SessionPolicy::default(),
        &mut SeededRandom::new(1),
        late,
        KEY,
    )
    .unwrap();
    assert_eq!(r.state(late), SessionState::Active);
    assert!(r.expires_at() >= late);
}

#[test]
fn the_client_label_keeps_no_control_characters() {
    let (_, _, r) = start(
        "l",
        "1.2.3.4\r\nSet-Cookie: x",
        &SessionPolicy::default(),
        &mut SeededRandom::new(1),
        now(),
        KEY,
    )
    .unwrap();
    assert_eq!(r.client(), "1.2.3.4Set-Cookie: x");
}
