//! Property tests of verification codes and login throttling, against a
//! model: for random code lengths, attempt limits and sequences of tries,
//! resends and waits, a code verifies only with its exact digits, only once,
//! never at or after expiry and never after the attempt limit (resends keep
//! the failure count); throttling delays never decrease as failures grow
//! and never exceed the cap, and a counter locks exactly at the limit.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use chrono::{DateTime, Duration, Utc};
use proptest::prelude::*;
use ratepayer::login::throttle::{Decision, FailureCounter, ThrottlePolicy};
use ratepayer::security::SeededRandom;
use ratepayer::verification::code::{self, CodeError, CodePolicy, Purpose};
use ratepayer::verification::Contact;

const KEY: &[u8] = b"property-test-key";

fn start() -> DateTime<Utc> {
    "2025-10-01T12:00:00Z".parse().unwrap()
}

#[derive(Debug, Clone)]
enum Step {
    /// Type the right code.
    Right,
    /// Type the right code with one digit changed (by `delta` at `pos`).
    OneDigitOff { pos: usize, delta: u8 },
    /// Type these digits (right only by chance).
    Digits(String),
    /// Type the right code for another contact.
    OtherContact,
    /// Ask for a new code.
    Resend,
    /// Let minutes pass.
    Wait(i64),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        2 => Just(Step::Right),
        3 => (0usize..10, 1u8..10).prop_map(|(pos, delta)| Step::OneDigitOff { pos, delta }),
        1 => "[0-9]{6,10}".prop_map(Step::Digits),
        1 => Just(Step::OtherContact),
        1 => Just(Step::Resend),
        2 => (0i64..8).prop_map(Step::Wait),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn codes_follow_the_model(
        length in 6u32..=10,
        max_attempts in 1u32..=10,
        max_resends in 0u32..=4,
        seed in any::<u64>(),
        steps in prop::collection::vec(step(), 1..40),
    ) {
        let policy = CodePolicy { length, sms_lifetime_minutes: 10, max_attempts, max_resends, ..CodePolicy::default() };
        let phone = Contact::phone("218 829 2827").unwrap();
        let other = Contact::phone("218 555 0100").unwrap();
        let mut rng = SeededRandom::new(seed);
        let mut now = start();
        let (issued, mut rec) = code::issue(Purpose::ActivateSms, &phone, &policy, &mut rng, now, KEY).unwrap();
        let mut secret = issued.code().to_owned();
        prop_assert_eq!(secret.len(), length as usize);
        let (mut used, mut failures, mut resends, mut expires) = (false, 0u32, 0u32, now + Duration::minutes(10));
        for s in steps {
            if let Step::Wait(m) = s {
                now += Duration::minutes(m);
                continue;
            }
            if let Step::Resend = s {
                let got = code::resend(&mut rec, &policy, &mut rng, now, KEY);
                let want = if used { Err("already_used") }
                    else if failures >= max_attempts { Err("locked") }
                    else if resends >= max_resends { Err("resend_limit") }
                    else { Ok(()) };
                match (got, want) {
                    (Ok((c, r)), Ok(())) => {
                        resends += 1;
                        expires = now + Duration::minutes(10);
                        prop_assert_eq!(r.attempts(), failures, "resend keeps the failure count");
                        secret = c.code().to_owned();
                        rec = r;
                    }
                    (Err(e), Err(code)) => prop_assert_eq!(e.code(), code),
                    (got, want) => prop_assert!(false, "resend: got {:?}, want {:?}", got.map(|_| ()), want),
                }
                continue;
            }
            let (typed, contact) = match &s {
                Step::Right => (secret.clone(), &phone),
                Step::OtherContact => (secret.clone(), &other),
                Step::Digits(d) => (d.clone(), &phone),
                Step::OneDigitOff { pos, delta } => {
                    let mut b = secret.clone().into_bytes();
                    let i = pos % b.len();
                    b[i] = b'0' + (b[i] - b'0' + delta) % 10;
                    (String::from_utf8(b).unwrap(), &phone)
                }
                Step::Resend | Step::Wait(_) => unreachable!(),
            };
            let got = code::verify(&mut rec, Purpose::ActivateSms, contact, &typed, now, KEY);
            let exact = typed == secret && contact == &phone;
            let want: Result<(), CodeError> = if used { Err(CodeError::AlreadyUsed) }
                else if failures >= max_attempts { Err(CodeError::Locked) }
                else if now >= expires { Err(CodeError::Expired) }
                else if exact { Ok(()) }
                else {
                    failures += 1;
                    if contact == &phone {
                        Err(CodeError::WrongCode { attempts_left: max_attempts - failures })
                    } else {
                        Err(CodeError::WrongPurposeOrContact)
                    }
                };
            if want.is_ok() {
                used = true;
            }
            prop_assert_eq!(got.map(|_| ()), want, "step {:?} at {}", s, now);
            prop_assert_eq!(rec.attempts(), failures);
        }
    }

    #[test]
    fn throttle_delays_never_decrease_and_never_exceed_the_cap(
        lock in 1u32..=100,
        free_pick in any::<u32>(),
        max in 1u32..=86_400,
        base_pick in any::<u32>(),
    ) {
        let policy = ThrottlePolicy {
            free_failures: free_pick % lock,
            base_delay_seconds: 1 + base_pick % max,
            max_delay_seconds: max,
            lock_after_failures: lock,
            forget_after_seconds: max.max(86_400),
            ..ThrottlePolicy::default()
        };
        prop_assert!(policy.problems().is_empty(), "{:?}", policy.problems());
        let mut previous = 0;
        for n in 0..=200u32 {
            let d = policy.delay_seconds(n);
            prop_assert!(d >= previous, "delay fell from {} to {} at {} failures", previous, d, n);
            prop_assert!(d <= max);
            if n <= policy.free_failures {
                prop_assert_eq!(d, 0);
            }
            previous = d;
        }
    }

    #[test]
    fn a_counter_delays_at_most_the_cap_locks_at_the_limit_and_the_lock_ends(
        lock in 1u32..=100,
        outcomes in prop::collection::vec((any::<bool>(), 0i64..20_000), 1..300),
    ) {
        let policy = ThrottlePolicy { free_failures: 0, lock_after_failures: lock, lock_seconds: 3_600, ..ThrottlePolicy::default() };
        let forget = Duration::seconds(i64::from(policy.forget_after_seconds));
        let lock_for = Duration::seconds(i64::from(policy.lock_seconds));
        let mut counter = FailureCounter::new();
        let (mut now, mut run) = (start(), 0u32);
        let (mut locked_at, mut last_failure): (Option<DateTime<Utc>>, Option<DateTime<Utc>>) = (None, None);
        for (failed, wait) in outcomes {
            now += Duration::seconds(wait);
            // The model: a lock ends after lock_seconds, failures are
            // forgotten after forget_after_seconds.
            if locked_at.is_some_and(|t| now >= t + lock_for)
                || (locked_at.is_none() && last_failure.is_some_and(|t| now >= t + forget))
            {
                run = 0;
                locked_at = None;
                last_failure = None;
            }
            let locked = locked_at.is_some();
            let decision = counter.check(&policy, now);
            prop_assert!(decision.allows_password_reset());
            match decision {
                Decision::Locked { until } => {
                    prop_assert!(locked);
                    prop_assert!(until > now && until <= now + lock_for);
                    continue;
                }
                Decision::Delayed { until } => {
                    prop_assert!(!locked);
                    prop_assert!(until > now && until <= now + Duration::seconds(900));
                    continue;
                }
                Decision::Allowed => prop_assert!(!locked),
            }
            if failed {
                counter.record_failure(&policy, now);
                run += 1;
                last_failure = Some(now);
                if run >= lock {
                    locked_at = Some(now);
                }
            } else {
                counter.record_success();
                run = 0;
                last_failure = None;
            }
            prop_assert_eq!(counter.failures(), run);
            prop_assert_eq!(matches!(counter.check(&policy, now), Decision::Locked { .. }), locked_at.is_some());
        }
    }

}
