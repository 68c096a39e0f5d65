//! Unit tests of login throttling: the delay sequence, the cap, the hard
//! lock at 100, reset on success, both counters consulted, and recovery
//! while locked.

use chrono::Duration;

use super::*;

fn now() -> DateTime<Utc> {
    "2025-10-01T12:00:00Z".parse().unwrap()
}

#[test]
fn delays_are_free_then_double_up_to_fifteen_minutes() {
    let p = ThrottlePolicy::default();
    let delays: Vec<u32> = (0..=15).map(|n| p.delay_seconds(n)).collect();
    assert_eq!(
        delays,
        [0, 0, 0, 0, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900, 900]
    );
    assert_eq!(p.delay_seconds(100), 900);
    assert_eq!(p.delay_seconds(u32::MAX), 900);
    let slow = ThrottlePolicy {
        base_delay_seconds: 5,
        free_failures: 0,
        ..ThrottlePolicy::default()
    };
    assert_eq!(slow.delay_seconds(1), 10);
}

#[test]
fn a_counter_delays_tries_until_the_delay_has_passed() {
    let p = ThrottlePolicy::default();
    let mut c = FailureCounter::new();
    for _ in 0..3 {
        assert_eq!(c.record_failure(&p, now()), Decision::Allowed);
    }
    let d = c.record_failure(&p, now());
    let until = now() + Duration::seconds(2);
    assert_eq!(d, Decision::Delayed { until });
    assert_eq!(
        c.check(&p, until - Duration::milliseconds(1)),
        Decision::Delayed { until }
    );
    assert_eq!(c.check(&p, until), Decision::Allowed);
    assert_eq!(c.failures(), 4);
}

fn locked(c: &FailureCounter, p: &ThrottlePolicy, t: DateTime<Utc>) -> bool {
    matches!(c.check(p, t), Decision::Locked { .. })
}

#[test]
fn the_hundredth_failure_locks_for_a_day_not_for_good() {
    // Regression (issue 17): the lock at 100 was permanent, and anyone who
    // knew a username could cause it.
    let p = ThrottlePolicy::default();
    let mut c = FailureCounter::new();
    let mut t = now();
    for _ in 0..99 {
        assert!(!matches!(c.record_failure(&p, t), Decision::Locked { .. }));
        t += Duration::hours(1);
    }
    let until = t + Duration::days(1);
    assert_eq!(c.record_failure(&p, t), Decision::Locked { until });
    assert_eq!(c.locked_at(), Some(t));
    assert!(locked(&c, &p, until - Duration::seconds(1)));
    assert_eq!(c.record_failure(&p, t), Decision::Locked { until });
    assert_eq!(c.failures(), 100, "not counted past the lock");
    assert_eq!(
        c.check(&p, until),
        Decision::Allowed,
        "the lock ends by itself"
    );
    assert_eq!(
        c.clone().record_failure(&p, until),
        Decision::Allowed,
        "and counting starts again"
    );
    assert!(Decision::Locked { until }.allows_password_reset());
    c.record_recovery();
    assert_eq!(
        c.check(&p, t),
        Decision::Allowed,
        "a reset lifts it at once"
    );
    assert_eq!(c.failures(), 0);
}

#[test]
fn delays_expire_after_a_day_without_failure() {
    let p = ThrottlePolicy::default();
    let mut c = FailureCounter::new();
    for _ in 0..10 {
        c.record_failure(&p, now());
    }
    assert!(matches!(c.check(&p, now()), Decision::Delayed { .. }));
    let later = now() + Duration::seconds(i64::from(p.forget_after_seconds));
    assert_eq!(c.check(&p, later), Decision::Allowed);
    assert_eq!(
        c.record_failure(&p, later),
        Decision::Allowed,
        "counting starts from one"
    );
    assert_eq!(c.failures(), 1);
}

#[test]
fn an_address_counter_has_more_free_failures_and_never_locks() {
    let p = ThrottlePolicy::default().for_address();
    let mut c = FailureCounter::new();
    let mut t = now();
    for _ in 0..20 {
        assert_eq!(c.record_failure(&p, t), Decision::Allowed);
    }
    assert!(matches!(c.record_failure(&p, t), Decision::Delayed { .. }));
    for _ in 0..500 {
        t += Duration::hours(1);
        assert!(!matches!(c.record_failure(&p, t), Decision::Locked { .. }));
    }
}

#[test]
fn success_forgets_the_failures() {
    let p = ThrottlePolicy::default();
    let mut c = FailureCounter::new();
    for _ in 0..6 {
        c.record_failure(&p, now());
    }
    c.record_success();
    assert_eq!(c, FailureCounter::new());
    assert_eq!(c.record_failure(&p, now()), Decision::Allowed);
}

#[test]
fn a_login_is_refused_when_either_counter_refuses() {
    let p = ThrottlePolicy {
        lock_after_failures: 10,
        ..ThrottlePolicy::default()
    };
    let (mut login, mut account, other_login) = (
        FailureCounter::new(),
        FailureCounter::new(),
        FailureCounter::new(),
    );
    for _ in 0..5 {
        record_login_failure(&p, &mut login, &mut account, now());
    }
    let until = now() + Duration::seconds(4);
    assert_eq!(
        check_login(&p, &login, &account, now()),
        Decision::Delayed { until }
    );
    assert_eq!(
        check_login(&p, &other_login, &account, now()),
        Decision::Delayed { until },
        "another login on the same account is held back by the account's counter"
    );
    for _ in 0..5 {
        account.record_failure(&p, now());
    }
    assert!(matches!(
        check_login(&p, &other_login, &account, now()),
        Decision::Locked { .. }
    ));
    record_password_reset(&mut login, &mut account);
    assert_eq!(check_login(&p, &login, &account, now()), Decision::Allowed);
    for _ in 0..5 {
        record_login_failure(&p, &mut login, &mut account, now());
    }
    record_login_success(&mut login, &mut account);
    assert_eq!((login.failures(), account.failures()), (0, 0));
}

#[test]
fn decisions_combine_to_the_stricter() {
    let early = Decision::Delayed { until: now() };
    let late = Decision::Delayed {
        until: now() + Duration::seconds(5),
    };
    assert_eq!(Decision::Allowed.and(Decision::Allowed), Decision::Allowed);
    assert_eq!(Decision::Allowed.and(early), early);
    assert_eq!(late.and(Decision::Allowed), late);
    assert_eq!(early.and(late), late);
    let lock = Decision::Locked { until: now() };
    let later_lock = Decision::Locked {
        until: now() + Duration::days(1),
    };
    assert_eq!(late.and(lock), lock);
    assert_eq!(lock.and(later_lock), later_lock);
    assert_eq!(lock.until(), Some(now()));
    assert!(Decision::Allowed.is_allowed() && !late.is_allowed());
    for d in [Decision::Allowed, early, lock] {
        assert!(d.allows_password_reset(), "recovery is never blocked");
    }
}

#[test]
fn policy_bounds() {
    assert!(ThrottlePolicy::default().problems().is_empty());
    let too_many = ThrottlePolicy {
        lock_after_failures: 101,
        ..ThrottlePolicy::default()
    };
    let problems = too_many.problems();
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].path, "lock_after_failures");
    assert!(
        problems[0].message.contains("at most 100"),
        "{}",
        problems[0].message
    );
    let forever = ThrottlePolicy {
        lock_seconds: 0,
        forget_after_seconds: 10,
        ..ThrottlePolicy::default()
    };
    let paths: Vec<String> = forever.problems().into_iter().map(|p| p.path).collect();
    assert_eq!(paths, ["lock_seconds", "forget_after_seconds"]);
    let odd = ThrottlePolicy {
        free_failures: 10,
        base_delay_seconds: 0,
        max_delay_seconds: 100_000,
        lock_after_failures: 10,
        ..ThrottlePolicy::default()
    };
    let paths: Vec<String> = odd.problems().into_iter().map(|p| p.path).collect();
    assert_eq!(
        paths,
        ["free_failures", "max_delay_seconds", "base_delay_seconds"]
    );
}

#[test]
fn counters_round_trip_through_serde() {
    let p = ThrottlePolicy::default();
    let mut c = FailureCounter::new();
    c.record_failure(&p, now());
    let json = serde_json::to_string(&c).unwrap();
    assert_eq!(
        json,
        r#"{"failures":1,"last_failure_at":"2025-10-01T12:00:00Z","locked_at":null}"#
    );
    assert_eq!(serde_json::from_str::<FailureCounter>(&json).unwrap(), c);
    let d = serde_json::to_string(&Decision::Delayed { until: now() }).unwrap();
    assert_eq!(
        d,
        r#"{"decision":"delayed","until":"2025-10-01T12:00:00Z"}"#
    );
}
