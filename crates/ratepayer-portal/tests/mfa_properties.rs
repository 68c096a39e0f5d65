//! Issue 17 item 5, no MFA oracle: before the password is proven, nothing a
//! caller sees tells a login with an authenticator app from one without.
//! A wrong password answers the same at sign-in, at step-up and at
//! enrolment; an authenticator or recovery code sent to the second step
//! answers the same whether it is a wrong code for a login with MFA or
//! any code for a login without (which has no such step to complete).
//!
//! What legitimately differs comes only after a right password: `login`
//! then answers `SecondFactorRequired` for a login with MFA where one
//! without gets the device challenge, and a sensitive change answers
//! `StepUpRequired`. Whoever sees that has the password already; the
//! calls that act for a signed-in login (`mfa_status`, new recovery codes)
//! say what the login has, as its own settings page would.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod portal_support;

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use portal_support::mfa::{code_at, enrol_pat};
use portal_support::*;
use proptest::prelude::*;
use ratepayer_portal::store::MemoryStore;
use ratepayer_portal::{
    LinkRequest, LoginAttempt, LoginOutcome, Portal, PortalError, RecordingNotifier, SecondFactor,
};

/// What a caller sees of one call: the answer (its code and message) and
/// how many messages went out.
fn seen<T>(
    notifier: &RecordingNotifier,
    before: usize,
    r: Result<T, PortalError>,
) -> (String, String, usize) {
    let (code, message) = match r {
        Ok(_) => ("ok".to_owned(), String::new()),
        Err(e) => (e.code(), e.to_string()),
    };
    (code, message, notifier.sent().len() - before)
}

struct Side {
    p: Portal,
    notifier: Arc<RecordingNotifier>,
    pat: String,
}

fn side(mfa: bool, now: DateTime<Utc>) -> (Side, Option<ratepayer::mfa::TotpEnrolment>) {
    let (p, notifier, pat) = shelby_with_pat(Arc::new(MemoryStore::new()));
    let enrolment = mfa.then(|| enrol_pat(&p, &pat, now).0);
    (Side { p, notifier, pat }, enrolment)
}

fn factor(recovery: bool, code: &str) -> SecondFactor {
    if recovery {
        SecondFactor::RecoveryCode(code.to_owned())
    } else {
        SecondFactor::Totp(code.to_owned())
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn no_answer_tells_a_login_with_mfa_from_one_without(
        password in "[a-z]{8,24}",
        code in prop_oneof!["[0-9]{6}", "[a-z2-7]{5}-[a-z2-7]{5}", ".{0,12}"],
        recovery in any::<bool>(),
        challenge in "[0-9a-f]{32}",
    ) {
        prop_assume!(password != PASSWORD);
        let t0 = nov(6, 9);
        let (with, enrolment) = side(true, t0);
        let (without, _) = side(false, t0);
        let enrolment = enrolment.unwrap();
        let t = t0 + Duration::minutes(2);
        let near: Vec<String> = [-30, 0, 30].iter().map(|s| code_at(&enrolment, t + Duration::seconds(*s))).collect();
        prop_assume!(!near.contains(&code));
        let f = factor(recovery, &code);

        let each = |s: &Side, call: &dyn Fn(&Side) -> Result<(), PortalError>| {
            let before = s.notifier.sent().len();
            seen(&s.notifier, before, call(s))
        };
        let same = |call: &dyn Fn(&Side) -> Result<(), PortalError>| {
            (each(&with, call), each(&without, call))
        };

        // Sign-in with a wrong password.
        let (a, b) = same(&|s| s.p.login(&LoginAttempt { username: "patdoe", password: &password, device_token: None }, &client(), t).map(|_| ()));
        prop_assert_eq!(&a, &b);
        prop_assert_eq!(a.0.as_str(), "login.wrong_credentials");

        // The second step with a made-up challenge.
        let (a, b) = same(&|s| s.p.pass_second_factor(&s.pat, &challenge, &f, None, &client(), t).map(|_| ()));
        prop_assert_eq!(&a, &b);

        // The second step after a right password: a wrong code for the
        // login with MFA, any code for the login without (whose sign-in
        // waits for the emailed device code instead).
        let waiting = |s: &Side| match s.p.login(&LoginAttempt { username: "patdoe", password: PASSWORD, device_token: None }, &client(), t).unwrap() {
            LoginOutcome::SecondFactorRequired { challenge_id, .. } | LoginOutcome::ChallengeRequired { challenge_id, .. } => challenge_id,
            other => panic!("{other:?}"),
        };
        let (ca, cb) = (waiting(&with), waiting(&without));
        let a = each(&with, &|s| s.p.pass_second_factor(&s.pat, &ca, &f, None, &client(), t).map(|_| ()));
        let b = each(&without, &|s| s.p.pass_second_factor(&s.pat, &cb, &f, None, &client(), t).map(|_| ()));
        prop_assert_eq!(&a, &b);
        prop_assert_eq!(a.0.as_str(), "login.wrong_credentials");

        // Step-up with a wrong password, whatever the code.
        let link = LinkRequest {
            form: shelby_form("100002", "5001", "patdoe"),
            password: password.clone(),
            nickname: None,
        };
        let (a, b) = same(&|s| s.p.link_account_with_step_up(&signed_in(&s.p, &s.pat, t), &link, Some(&f), &client(), t).map(|_| ()));
        prop_assert_eq!(&a, &b);
        let (a, b) = same(&|s| s.p.link_account(&signed_in(&s.p, &s.pat, t), &link, &client(), t).map(|_| ()));
        prop_assert_eq!(&a, &b);

        // Enrolling (or trying to) with a wrong password.
        let (a, b) = same(&|s| s.p.enrol_totp(&signed_in(&s.p, &s.pat, t), &password, &client(), t).map(|_| ()));
        prop_assert_eq!(&a, &b);
    }
}
