//! Regression tests of issue 17 (sign-in that meets NIST SP 800-63B-4 and
//! OWASP ASVS 5.0) through the portal: no username oracle (answer, audit
//! and time), unknown usernames throttled, no registration or linking
//! proof oracle, throttles per address that cannot be turned into a
//! lockout, counted re-authentication, and the property that any sequence
//! of failed attempts leaves the real customer a way back in.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod portal_support;

use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Duration, Utc};
use portal_support::*;
use proptest::prelude::*;
use ratepayer::credential::HashParams;
use ratepayer::profile::builtin;
use ratepayer::registration::{RegistrationChannel, RegistrationForm};
use ratepayer::security::SeededRandom;
use ratepayer::verification::Contact;
use ratepayer_portal::store::{AuditKind, MemoryStore, Store};
use ratepayer_portal::{
    ClientContext, LinkRequest, LoginAttempt, LoginOutcome, Portal, PortalError, PortalSecrets,
    RecordingNotifier, SignupRequest,
};

fn attempt<'a>(username: &'a str, password: &'a str, token: Option<&'a str>) -> LoginAttempt<'a> {
    LoginAttempt {
        username,
        password,
        device_token: token,
    }
}

/// Signs Pat in through the device challenge with "remember this device";
/// returns the device token.
fn remembered_device(
    p: &Portal,
    notifier: &RecordingNotifier,
    pat: &str,
    now: DateTime<Utc>,
) -> String {
    let LoginOutcome::ChallengeRequired { challenge_id, .. } = p
        .login(&attempt("patdoe", PASSWORD, None), &client(), now)
        .unwrap()
    else {
        panic!("a new device is challenged")
    };
    let code = notifier
        .last_code_to(&Contact::email("Pat@Example.com").unwrap())
        .unwrap();
    let LoginOutcome::SignedIn { device_token, .. } = p
        .pass_device_challenge(pat, &challenge_id, &code, Some("laptop"), &client(), now)
        .unwrap()
    else {
        panic!("signed in")
    };
    device_token.unwrap()
}

#[test]
fn an_unknown_username_gets_the_same_answer_and_is_counted() {
    let (p, _, _) = shelby_with_pat(Arc::new(MemoryStore::new()));
    let t = nov(6, 9);
    let unknown = p.login(
        &attempt("nobody-here", "wrong-password-here", None),
        &client(),
        t,
    );
    let wrong = p.login(
        &attempt("patdoe", "wrong-password-here", None),
        &client(),
        t,
    );
    assert_eq!(unknown, Err(PortalError::WrongCredentials));
    assert_eq!(unknown, wrong);
    // Unknown usernames count: the fourth failure in a row is delayed, like
    // a known login's (regression: they were never throttled).
    for _ in 0..3 {
        let _ = p.login(
            &attempt("nobody-here", "x-wrong-password", None),
            &client(),
            t,
        );
    }
    let delayed_unknown = p.login(
        &attempt("nobody-here", "x-wrong-password", None),
        &client(),
        t,
    );
    for _ in 0..3 {
        let _ = p.login(&attempt("patdoe", "x-wrong-password", None), &client(), t);
    }
    let delayed_known = p.login(&attempt("patdoe", "x-wrong-password", None), &client(), t);
    assert!(
        matches!(delayed_unknown, Err(PortalError::Throttled { .. })),
        "{delayed_unknown:?}"
    );
    assert_eq!(delayed_unknown, delayed_known);
    // Too long a password: the same refusal whatever the username.
    let long = "x".repeat(5000);
    assert_eq!(
        p.login(
            &attempt("nobody-else", &long, None),
            &other_client("192.0.2.99"),
            t
        ),
        p.login(
            &attempt("patdoe", &long, None),
            &other_client("192.0.2.99"),
            t
        ),
    );
    // The audit trail names the client of each failure.
    let failed: Vec<_> = p
        .audit_trail()
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == AuditKind::LoginFailed)
        .collect();
    assert!(failed.iter().all(|e| e.detail.contains("198.51.100.20")));
}

#[test]
fn failures_from_one_address_are_delayed_across_usernames() {
    let (p, _, _) = shelby_with_pat(Arc::new(MemoryStore::new()));
    let t = nov(6, 9);
    let attacker = other_client("203.0.113.66");
    // Twenty free failures from one address (and the one that starts the
    // delays), each on another username...
    for i in 0..21 {
        let name = format!("guess{i}");
        assert_eq!(
            p.login(&attempt(&name, "wrong-password-here", None), &attacker, t),
            Err(PortalError::WrongCredentials)
        );
    }
    // ...then the address is delayed, whatever the username.
    let next = p.login(&attempt("patdoe", PASSWORD, None), &attacker, t);
    assert!(
        matches!(next, Err(PortalError::Throttled { .. })),
        "{next:?}"
    );
    // Another address is not held back: Pat still signs in.
    assert!(p
        .login(&attempt("patdoe", PASSWORD, None), &client(), t)
        .is_ok());
    // IPv6 addresses count by /64.
    let a = other_client("2001:db8:1:2::1");
    for i in 0..21 {
        let c = other_client(&format!("2001:db8:1:2::{:x}", i + 2));
        let _ = p.login(
            &attempt(&format!("v6guess{i}"), "wrong-password-here", None),
            &c,
            t,
        );
    }
    assert!(matches!(
        p.login(&attempt("v6guess", "wrong-password-here", None), &a, t),
        Err(PortalError::Throttled { .. })
    ));
}

#[test]
fn a_lock_ends_by_itself_and_a_remembered_device_passes_it() {
    let (p, notifier, pat) = shelby_with_pat(Arc::new(MemoryStore::new()));
    let token = remembered_device(&p, &notifier, &pat, nov(6, 9));
    // An attacker with many addresses fails 100 times, waiting out each delay.
    let mut t = nov(6, 10);
    for i in 0..100u32 {
        let c = other_client(&format!("203.0.113.{}", i % 200 + 1));
        let r = p.login(&attempt("patdoe", "wrong-password-here", None), &c, t);
        assert_eq!(r, Err(PortalError::WrongCredentials), "failure {i}");
        t += Duration::minutes(15);
    }
    let locked = p.login(&attempt("patdoe", PASSWORD, None), &client(), t);
    assert!(
        matches!(locked, Err(PortalError::Locked { .. })),
        "{locked:?}"
    );
    // Regression: the lock was permanent. Pat's own browser still gets in...
    assert!(matches!(
        p.login(&attempt("patdoe", PASSWORD, Some(&token)), &client(), t),
        Ok(LoginOutcome::SignedIn { .. })
    ));
}

#[test]
fn a_lock_without_a_remembered_device_ends_after_lock_seconds() {
    let (p, _, _) = shelby_with_pat(Arc::new(MemoryStore::new()));
    let mut t = nov(6, 10);
    for i in 0..100u32 {
        let c = other_client(&format!("203.0.113.{}", i % 200 + 1));
        let _ = p.login(&attempt("patdoe", "wrong-password-here", None), &c, t);
        t += Duration::minutes(15);
    }
    let Err(PortalError::Locked {
        retry_after_seconds,
    }) = p.login(&attempt("patdoe", PASSWORD, None), &client(), t)
    else {
        panic!("locked")
    };
    assert!(retry_after_seconds <= 86_400);
    let later = t + Duration::seconds(i64::from(retry_after_seconds));
    assert!(p
        .login(&attempt("patdoe", PASSWORD, None), &client(), later)
        .is_ok());
}

#[test]
fn failed_re_authentication_in_linking_counts_and_is_audited() {
    let (p, _, pat) = shelby_with_pat(Arc::new(MemoryStore::new()));
    let t = nov(6, 9);
    let link = |password: &str| {
        p.link_account(
            &signed_in(&p, &pat, t),
            &LinkRequest {
                form: RegistrationForm {
                    account_number: "100002".into(),
                    customer_number: Some("5001".into()),
                    email: "pat@example.com".into(),
                    ..Default::default()
                },
                password: password.into(),
                nickname: None,
            },
            &client(),
            t,
        )
    };
    for _ in 0..3 {
        assert_eq!(
            link("wrong-password-here"),
            Err(PortalError::WrongCredentials)
        );
    }
    assert_eq!(
        link("wrong-password-here"),
        Err(PortalError::WrongCredentials)
    );
    // The fifth try is delayed (it is not checked), even with the right password.
    assert!(matches!(link(PASSWORD), Err(PortalError::Throttled { .. })));
    let audited = p
        .audit_trail()
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == AuditKind::ReauthenticationFailed)
        .count();
    assert_eq!(audited, 5);
    // The same counter holds back sign-in.
    assert!(matches!(
        p.login(&attempt("patdoe", PASSWORD, None), &client(), t),
        Err(PortalError::Throttled { .. })
    ));
}

fn signup(account: &str, customer: &str, username: &str, password: &str) -> SignupRequest {
    SignupRequest {
        form: RegistrationForm {
            account_number: account.into(),
            customer_number: Some(customer.into()),
            email: format!("{username}@example.com"),
            username: Some(username.into()),
            accepted_terms_version: Some("2024-07".into()),
            ..Default::default()
        },
        password: password.into(),
        channel: RegistrationChannel::Web,
    }
}

#[test]
fn a_weak_password_says_nothing_about_the_proofs() {
    // Regression: the password rule was checked after the proofs, so a
    // too-short password told whether the account and customer numbers matched.
    let (p, _, _) = shelby_with_pat(Arc::new(MemoryStore::new()));
    let t = nov(6, 9);
    let right = p.register(&signup("100004", "5002", "sam.doe", "short"), &client(), t);
    let wrong = p.register(&signup("100004", "9999", "sam.doe", "short"), &client(), t);
    let missing = p.register(&signup("999999", "5002", "sam.doe", "short"), &client(), t);
    assert!(matches!(right, Err(PortalError::Password(_))), "{right:?}");
    assert_eq!(right, wrong);
    assert_eq!(right, missing);
}

#[test]
fn registration_guesses_are_throttled_per_account_number_and_address() {
    let (p, _, _) = shelby_with_pat(Arc::new(MemoryStore::new()));
    let t = nov(6, 9);
    // Guessing the customer number of account 100004 from several addresses.
    for i in 0..4u32 {
        let c = other_client(&format!("203.0.113.{}", i + 1));
        let r = p.register(
            &signup("100004", &format!("90{i:02}"), "sam.doe", PASSWORD),
            &c,
            t,
        );
        assert_eq!(r.unwrap_err().code(), "registration.not_verified");
    }
    let right = p.register(&signup("100004", "5002", "sam.doe", PASSWORD), &client(), t);
    assert!(
        matches!(right, Err(PortalError::Throttled { .. })),
        "{right:?}"
    );
    // A number with no account is throttled the same way (no oracle).
    for i in 0..4u32 {
        let c = other_client(&format!("203.0.113.{}", i + 1));
        let _ = p.register(
            &signup("999999", &format!("90{i:02}"), "sam.doe", PASSWORD),
            &c,
            t,
        );
    }
    let missing = p.register(&signup("999999", "5002", "sam.doe", PASSWORD), &client(), t);
    assert_eq!(right, missing);
    // Once the delay has passed, the owner registers.
    let later = t + Duration::seconds(900);
    assert!(p
        .register(
            &signup("100004", "5002", "sam.doe", PASSWORD),
            &client(),
            later
        )
        .is_ok());
}

/// A Shelby portal at the OWASP default Argon2id parameters.
fn owasp_portal() -> (Portal, String) {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let (fast, _, pat) = shelby_with_pat(store.clone());
    drop(fast);
    let p = Portal::new(
        builtin::load("shelby").unwrap(),
        store,
        PortalSecrets {
            digest_key: vec![7u8; 32],
            hash_params: HashParams::default(),
            pepper: None,
        },
        Box::new(SeededRandom::new(9)),
        Arc::new(RecordingNotifier::new()),
    )
    .unwrap();
    // A sign-in rehashes Pat's credential at the default parameters.
    assert!(p
        .login(&attempt("patdoe", PASSWORD, None), &client(), nov(5, 13))
        .is_ok());
    (p, pat)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

#[test]
fn unknown_usernames_cost_as_much_as_wrong_passwords() {
    // Regression: an unknown username returned before Argon2 ran.
    let (p, _) = owasp_portal();
    // Warm the dummy credential (made once, on first use).
    let _ = p.login(
        &attempt("warm-up-user", "wrong-password-here", None),
        &client(),
        nov(5, 14),
    );
    let (mut unknown, mut wrong) = (Vec::new(), Vec::new());
    let mut t = nov(6, 0);
    for i in 0..11 {
        // An hour apart, so no try is refused by a delay before the check.
        t += Duration::hours(1);
        let c = other_client(&format!("192.0.2.{}", i + 1));
        let name = format!("nobody{i}");
        let start = Instant::now();
        let a = p.login(&attempt(&name, "wrong-password-here", None), &c, t);
        unknown.push(start.elapsed().as_secs_f64());
        let start = Instant::now();
        let b = p.login(&attempt("patdoe", "wrong-password-here", None), &c, t);
        wrong.push(start.elapsed().as_secs_f64());
        assert_eq!(a, Err(PortalError::WrongCredentials));
        assert_eq!(a, b);
    }
    let ratio = median(unknown) / median(wrong);
    eprintln!("unknown/wrong median time ratio at the OWASP default parameters: {ratio:.3}");
    assert!(
        (0.5..=2.0).contains(&ratio),
        "unknown/wrong median time ratio {ratio:.2}"
    );
}

/// One failed attempt an attacker can make.
#[derive(Debug, Clone)]
enum Failure {
    /// A wrong password for Pat from address `.n`.
    WrongPassword(u8),
    /// An unknown username from address `.n`.
    Unknown(u8),
    /// A failed re-authentication (a stolen session) from address `.n`.
    Reauth(u8),
    /// A failed registration guess on Pat's account.
    Registration(u8),
}

fn failure() -> impl Strategy<Value = Failure> {
    prop_oneof![
        any::<u8>().prop_map(Failure::WrongPassword),
        any::<u8>().prop_map(Failure::Unknown),
        any::<u8>().prop_map(Failure::Reauth),
        any::<u8>().prop_map(Failure::Registration),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Whatever failures an attacker causes, from whatever addresses and
    /// however fast, Pat signs in again: at once from the remembered
    /// browser after at most the longest delay of Pat's own address, and
    /// from a new browser once every delay or lock has ended.
    #[test]
    fn any_sequence_of_failures_leaves_pat_a_way_back_in(
        failures in prop::collection::vec((failure(), 0i64..3_600), 0..160),
    ) {
        let (p, notifier, pat) = shelby_with_pat(Arc::new(MemoryStore::new()));
        let token = remembered_device(&p, &notifier, &pat, nov(6, 9));
        // One session, checked when it started: the re-authentications
        // below fail on the password, not on the session.
        let session = signed_in(&p, &pat, nov(6, 9));
        let mut t = nov(6, 10);
        for (f, wait) in failures {
            t += Duration::seconds(wait);
            let addr = |n: u8| other_client(&format!("203.0.113.{n}"));
            let _ = match f {
                Failure::WrongPassword(n) => p
                    .login(&attempt("patdoe", "wrong-password-here", None), &addr(n), t)
                    .map(|_| ()),
                Failure::Unknown(n) => p
                    .login(&attempt("nobody", "wrong-password-here", None), &addr(n), t)
                    .map(|_| ()),
                Failure::Reauth(n) => p
                    .change_password(&session, "wrong-password-here", "another-long-passphrase-9", &addr(n), t)
                    .map(|_| ()),
                Failure::Registration(n) => p
                    .register(&signup("100001", &format!("9{n:03}"), "mallory1", PASSWORD), &addr(n), t)
                    .map(|_| ()),
            };
        }
        // From the remembered browser: in at once.
        let with_device = p.login(&attempt("patdoe", PASSWORD, Some(&token)), &client(), t);
        prop_assert!(matches!(with_device, Ok(LoginOutcome::SignedIn { .. })), "{:?}", with_device);
        // From a new browser: in after waiting what the answers say.
        let fresh = ClientContext::new("198.51.100.77", "new browser").unwrap();
        let mut when = t;
        let mut tries = 0;
        loop {
            tries += 1;
            prop_assert!(tries < 5, "still refused after {} tries", tries);
            match p.login(&attempt("patdoe", PASSWORD, None), &fresh, when) {
                Ok(_) => break,
                Err(PortalError::Throttled { retry_after_seconds })
                | Err(PortalError::Locked { retry_after_seconds }) => {
                    prop_assert!(retry_after_seconds <= 86_400);
                    when += Duration::seconds(i64::from(retry_after_seconds));
                }
                Err(e) => prop_assert!(false, "unexpected refusal {:?}", e),
            }
        }
    }

    /// Whichever proofs match (account there or not, customer number right
    /// or not, account registered or not) and whatever the password, the
    /// public answer is one of two: the password rule's (the same for every
    /// proof), or "not verified" (the same for every failed proof).
    #[test]
    fn no_public_answer_differs_between_matched_and_unmatched_proofs(
        account in prop::sample::select(vec!["100001", "100004", "999999"]),
        customer in prop::sample::select(vec!["5001", "5002", "9999"]),
        weak in any::<bool>(),
    ) {
        let (p, _, _) = shelby_with_pat(Arc::new(MemoryStore::new()));
        let password = if weak { "short" } else { PASSWORD };
        let t = nov(6, 9);
        let r = p.register(&signup(account, customer, "sam.doe", password), &client(), t);
        let succeeds = account == "100004" && customer == "5002" && !weak;
        if succeeds {
            prop_assert!(r.is_ok(), "{:?}", r);
        } else if weak {
            let baseline = p.register(&signup("999999", "9999", "sam.doe", password), &client(), t);
            prop_assert_eq!(&r, &baseline);
            prop_assert!(matches!(r, Err(PortalError::Password(_))));
        } else {
            let e = r.unwrap_err();
            prop_assert_eq!(e.code(), "registration.not_verified");
            prop_assert_eq!(e.to_string(), ratepayer::registration::NOT_VERIFIED);
        }
    }
}

/// Signs Pat in with the password from a new browser; the challenge id.
fn challenged(p: &Portal, t: DateTime<Utc>) -> Result<String, PortalError> {
    match p.login(&attempt("patdoe", PASSWORD, None), &client(), t)? {
        LoginOutcome::ChallengeRequired { challenge_id, .. } => Ok(challenge_id),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_new_sign_in_code_does_not_reset_the_tries() {
    // Regression: every sign-in sent a new code with five fresh tries.
    let (p, notifier, pat) = shelby_with_pat(Arc::new(MemoryStore::new()));
    let t = nov(6, 9);
    let first = challenged(&p, t).unwrap();
    for _ in 0..4 {
        assert!(p
            .pass_device_challenge(&pat, &first, "000000", None, &client(), t)
            .is_err());
    }
    let second = challenged(&p, t).unwrap();
    let code = notifier
        .last_code_to(&Contact::email("Pat@Example.com").unwrap())
        .unwrap();
    let wrong = if code == "000000" { "111111" } else { "000000" };
    assert!(p
        .pass_device_challenge(&pat, &second, wrong, None, &client(), t)
        .is_err());
    // Five failures over two codes: the right code no longer works...
    let e = p
        .pass_device_challenge(&pat, &second, &code, None, &client(), t)
        .unwrap_err();
    assert_eq!(e.code(), "locked", "{e:?}");
    // ...and no new code is sent this hour.
    let e = challenged(&p, t).unwrap_err();
    assert_eq!(e.code(), "send_limit", "{e:?}");
    // An hour later the budget starts again.
    assert!(challenged(&p, t + Duration::minutes(61)).is_ok());
}

#[test]
fn codes_to_one_contact_are_limited_per_hour() {
    // Regression: no send limit (SMS pumping, mail bombing).
    let (p, notifier, _) = shelby_with_pat(Arc::new(MemoryStore::new()));
    let t = nov(6, 9);
    let before = notifier.sent().len();
    for _ in 0..5 {
        assert!(challenged(&p, t).is_ok());
    }
    let e = challenged(&p, t).unwrap_err();
    assert!(
        matches!(e, PortalError::Code(_)) && e.code() == "send_limit",
        "{e:?}"
    );
    assert!(e.to_string().contains("wait"));
    assert_eq!(notifier.sent().len(), before + 5);
}

#[test]
fn sign_in_codes_live_minutes_not_a_day() {
    // Regression: a sign-in code lived 24 hours.
    let (p, notifier, pat) = shelby_with_pat(Arc::new(MemoryStore::new()));
    let t = nov(6, 9);
    let id = challenged(&p, t).unwrap();
    let code = notifier
        .last_code_to(&Contact::email("Pat@Example.com").unwrap())
        .unwrap();
    let e = p
        .pass_device_challenge(&pat, &id, &code, None, &client(), t + Duration::minutes(10))
        .unwrap_err();
    assert_eq!(e.code(), "expired", "{e:?}");
    let id = challenged(&p, t + Duration::minutes(11)).unwrap();
    let code = notifier
        .last_code_to(&Contact::email("Pat@Example.com").unwrap())
        .unwrap();
    assert!(p
        .pass_device_challenge(&pat, &id, &code, None, &client(), t + Duration::minutes(20))
        .is_ok());
}

/// The last reset token emailed to Pat.
fn reset_token(notifier: &RecordingNotifier) -> String {
    let to = Contact::email("Pat@Example.com").unwrap();
    notifier
        .sent()
        .iter()
        .rev()
        .filter(|n| n.to == to)
        .find_map(|n| {
            n.body
                .split(|c: char| !c.is_ascii_hexdigit())
                .find(|w| w.len() == 64)
                .map(str::to_owned)
        })
        .unwrap()
}

#[test]
fn a_password_reset_lifts_the_lock_and_forgets_devices() {
    let (p, notifier, pat) = shelby_with_pat(Arc::new(MemoryStore::new()));
    let device = remembered_device(&p, &notifier, &pat, nov(6, 9));
    let mut t = nov(6, 10);
    for i in 0..100u32 {
        let c = other_client(&format!("203.0.113.{}", i % 200 + 1));
        let _ = p.login(&attempt("patdoe", "wrong-password-here", None), &c, t);
        t += Duration::minutes(15);
    }
    assert!(matches!(
        p.login(&attempt("patdoe", PASSWORD, None), &client(), t),
        Err(PortalError::Locked { .. })
    ));
    // Asking says nothing about the username.
    let sent = notifier.sent().len();
    assert_eq!(
        p.request_password_reset("nobody-here", &client(), t),
        Ok(())
    );
    p.flush_messages();
    assert_eq!(notifier.sent().len(), sent);
    assert_eq!(p.request_password_reset("PatDoe", &client(), t), Ok(()));
    p.flush_messages();
    assert_eq!(notifier.sent().len(), sent + 1);
    let token = reset_token(&notifier);
    // A new password the policy refuses leaves the token usable.
    assert!(matches!(
        p.reset_password(&token, "passwordpassword", &client(), t),
        Err(PortalError::Password(_))
    ));
    let new = "lantern orchard quietly humming";
    assert_eq!(p.reset_password(&token, new, &client(), t), Ok(pat.clone()));
    // Single use.
    assert_eq!(
        p.reset_password(&token, new, &client(), t)
            .unwrap_err()
            .code(),
        "invalid.reset_token"
    );
    // The lock is lifted at once; the old password is gone; the remembered
    // device is forgotten (a challenge again).
    assert!(matches!(
        p.login(&attempt("patdoe", new, Some(&device)), &client(), t),
        Ok(LoginOutcome::ChallengeRequired { .. })
    ));
    assert_eq!(
        p.login(&attempt("patdoe", PASSWORD, None), &client(), t),
        Err(PortalError::WrongCredentials)
    );
    let notices: Vec<String> = notifier.sent().iter().map(|n| n.subject.clone()).collect();
    assert!(notices.iter().any(|s| s == "Your password was reset"));
}

/// Issue 17, forgot username: the username goes only to the verified email
/// of the logins linked to the account typed; the answer is the same for an
/// account that does not exist; a malformed number is refused for its
/// format; requests count on the client's address.
#[test]
fn a_username_reminder_goes_only_to_the_verified_email_and_says_nothing() {
    let (p, notifier, _pat) = shelby_with_pat(Arc::new(MemoryStore::new()));
    let t = nov(6, 10);
    let sent = notifier.sent().len();
    // An account with no login, and one that does not exist: the same answer, nothing sent.
    assert_eq!(p.request_username_reminder("100004", &client(), t), Ok(()));
    p.flush_messages();
    assert_eq!(p.request_username_reminder("999999", &client(), t), Ok(()));
    p.flush_messages();
    assert_eq!(notifier.sent().len(), sent);
    // Pat's account: one message, to Pat's verified email, with the username.
    assert_eq!(p.request_username_reminder("100001", &client(), t), Ok(()));
    p.flush_messages();
    let all = notifier.sent();
    assert_eq!(all.len(), sent + 1);
    let last = all.last().unwrap();
    assert_eq!(last.subject, "Your portal username");
    assert!(last.body.to_lowercase().contains("patdoe"), "{}", last.body);
    // A malformed number is refused for its format only.
    assert_eq!(
        p.request_username_reminder("not a number", &client(), t)
            .unwrap_err()
            .code(),
        "invalid.account_number"
    );
    p.flush_messages();
    // Asking again and again from one address is throttled.
    let flood = other_client("198.51.100.7");
    let refused = (0..60).any(|_| {
        matches!(
            p.request_username_reminder("100001", &flood, t),
            Err(PortalError::Throttled { .. } | PortalError::Locked { .. })
        )
    });
    p.flush_messages();
    assert!(refused, "requests from one address are throttled");
    let audit = p.audit_trail().unwrap_or_default();
    assert!(audit
        .iter()
        .any(|e| e.kind == AuditKind::UsernameReminderRequested));
}

/// A notifier whose deliveries wait for the test to open its gate (at most
/// ten seconds), forwarding to a recording notifier.
struct GatedNotifier {
    inner: Arc<RecordingNotifier>,
    open: std::sync::Mutex<bool>,
    opened: std::sync::Condvar,
}

impl GatedNotifier {
    fn set(&self, open: bool) {
        *self.open.lock().unwrap() = open;
        self.opened.notify_all();
    }
}

impl ratepayer_portal::Notifier for GatedNotifier {
    fn send(&self, notice: &ratepayer_portal::Notice) {
        let guard = self.open.lock().unwrap();
        let _ = self
            .opened
            .wait_timeout_while(guard, std::time::Duration::from_secs(10), |open| !*open)
            .unwrap();
        self.inner.send(notice);
    }
}

/// No recovery answer waits for the mail: a notifier that blocks (a slow
/// mail server) cannot show, by the time the answer takes, that the
/// username or account matched (OWASP: consistent response times through
/// asynchronous sending). Each request returns while the notifier is still
/// held; the message arrives once it is let go.
#[test]
fn recovery_answers_never_wait_for_the_mail() {
    let recording = Arc::new(RecordingNotifier::new());
    let gated = Arc::new(GatedNotifier {
        inner: recording.clone(),
        open: std::sync::Mutex::new(true),
        opened: std::sync::Condvar::new(),
    });
    let p = Portal::new(
        builtin::load("shelby").unwrap(),
        Arc::new(MemoryStore::new()),
        secrets(),
        Box::new(SeededRandom::new(42)),
        gated.clone(),
    )
    .unwrap();
    let (p, _, _pat) = with_pat(p, recording.clone());
    let t = nov(12, 9);
    type Request<'a> = Box<dyn Fn() -> Result<(), PortalError> + 'a>;
    let requests: [(&str, Request); 3] = [
        (
            "password reset",
            Box::new(|| p.request_password_reset("patdoe", &client(), t)),
        ),
        (
            "username reminder",
            Box::new(|| p.request_username_reminder("100001", &client(), t)),
        ),
        (
            "temporary password",
            Box::new(|| p.request_temporary_password("patdoe", &client(), t)),
        ),
    ];
    for (what, request) in &requests {
        let before = recording.sent().len();
        gated.set(false);
        request().unwrap();
        assert_eq!(
            recording.sent().len(),
            before,
            "{what}: answered before the mail went"
        );
        gated.set(true);
        p.flush_messages();
        assert_eq!(recording.sent().len(), before + 1, "{what}: then it went");
    }
}
