//! Issue 17, item 4, through the portal on every store: sessions. A
//! completed sign-in starts one; every customer call takes it and checks it
//! again in its own transaction; it ends idle, at its absolute end, on
//! signing out (here or everywhere), from the list of sessions, and on a
//! password change (which hands over a new one) or reset. Every refusal is
//! the same `SignInRequired`; no token is stored or audited in clear.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use ratepayer::verification::Contact;
use ratepayer_portal::store::{AuditKind, SecurityKind, Store};
use ratepayer_portal::{
    LoginAttempt, LoginOutcome, Portal, PortalError, RecordingNotifier, Session,
};

use super::recovery_contacts::last_temporary_password;
use super::{client, nov, other_client, shelby_with_pat, PASSWORD};

const NEW_PASSWORD: &str = "Harbour-lantern-quartz-4417";

fn pat_email() -> Contact {
    Contact::email("Pat@Example.com").unwrap()
}

/// Signs Pat in at `now` from `address` through the emailed-code
/// challenge (remembering the device as `label`); returns the session
/// token and the device token.
pub fn sign_in_from(
    p: &Portal,
    n: &RecordingNotifier,
    pat: &str,
    password: &str,
    address: &str,
    now: DateTime<Utc>,
) -> (String, String) {
    let attempt = LoginAttempt {
        username: "patdoe",
        password,
        device_token: None,
    };
    let outcome = p.login(&attempt, &other_client(address), now).unwrap();
    let LoginOutcome::ChallengeRequired { challenge_id, .. } = outcome else {
        panic!("a new device is challenged: {outcome:?}")
    };
    let code = n.last_code_to(&pat_email()).unwrap();
    let outcome = p
        .pass_device_challenge(
            pat,
            &challenge_id,
            &code,
            Some("browser"),
            &other_client(address),
            now,
        )
        .unwrap();
    let shown = format!("{outcome:?}");
    let LoginOutcome::SignedIn {
        session,
        device_token: Some(device),
        must_change_password: false,
        ..
    } = outcome
    else {
        panic!("signed in: {shown}")
    };
    assert_eq!(session.len(), 64);
    assert!(!shown.contains(&session), "Debug redacts the token");
    (session, device)
}

fn refused(p: &Portal, token: &str, now: DateTime<Utc>) -> bool {
    p.session(token, now) == Err(PortalError::SignInRequired)
}

/// The life of a session: use, idle end, absolute end, and the same
/// refusal for every kind of dead or false token.
pub fn session_lifetimes(store: Arc<dyn Store>) {
    let (p, n, pat) = shelby_with_pat(store.clone());
    let t0 = nov(6, 9);
    let (token, _) = sign_in_from(&p, &n, &pat, PASSWORD, "203.0.113.1", t0);
    let s = p.session(&token, t0).unwrap();
    assert_eq!(s.login_id(), pat);
    assert!(!format!("{s:?}").contains(&token));
    assert_eq!(p.home(&s).unwrap().accounts.len(), 1);
    // A `Session` kept past its idle end acts no more: a call's own `now`
    // counts, not only the instant the session was checked at.
    let late = t0 + Duration::minutes(31);
    assert_eq!(
        p.set_nickname(&s, "100001", Some("Home"), late),
        Err(PortalError::SignInRequired)
    );
    assert!(p
        .set_nickname(&s, "100001", Some("Home"), t0 + Duration::minutes(29))
        .is_ok());
    // Idle: used at +20 min, so alive at +49, gone at +50.
    assert!(p.session(&token, t0 + Duration::minutes(20)).is_ok());
    assert!(p.session(&token, t0 + Duration::minutes(49)).is_ok());
    assert!(p.session(&token, t0 + Duration::minutes(49 + 29)).is_ok());
    assert!(refused(&p, &token, t0 + Duration::minutes(49 + 29 + 30)));
    // Once refused it stays refused, even at an earlier instant.
    assert!(refused(&p, &token, t0 + Duration::minutes(50)));

    // Absolute: used every 25 minutes, it still ends 12 hours after sign-in.
    let t1 = nov(7, 8);
    let (token, _) = sign_in_from(&p, &n, &pat, PASSWORD, "203.0.113.2", t1);
    let mut t = t1;
    while t + Duration::minutes(25) < t1 + Duration::hours(12) {
        t += Duration::minutes(25);
        assert!(p.session(&token, t).is_ok(), "{t}");
    }
    assert!(refused(&p, &token, t1 + Duration::hours(12)));

    // Garbage, a well-formed stranger, upper case of a live one.
    let (live, _) = sign_in_from(&p, &n, &pat, PASSWORD, "203.0.113.3", nov(8, 9));
    for bad in ["", "x", &"0".repeat(64), &"g".repeat(64), &"a".repeat(1000)] {
        assert!(refused(&p, bad, nov(8, 9)), "{bad:?}");
    }
    assert!(p.session(&live.to_ascii_uppercase(), nov(8, 9)).is_ok());
    assert_eq!(PortalError::SignInRequired.code(), "login.sign_in_required");

    // No token in clear in the store's session records or the audit trail.
    let mut tx = store.begin().unwrap();
    let rows = tx
        .security_records_of_login("shelby", SecurityKind::Session, &pat)
        .unwrap();
    assert!(!rows.is_empty());
    for row in &rows {
        assert_ne!(row.key, live);
        assert!(!row.data.to_string().contains(&live));
    }
    drop(tx);
    for e in p.audit_trail().unwrap() {
        assert!(!e.detail.contains(&live), "{}", e.detail);
    }
}

/// A session ended between making the [`Session`] and a call is refused
/// by the call; signing out, ending from the list, and everywhere.
pub fn ending_sessions(store: Arc<dyn Store>) {
    let (p, n, pat) = shelby_with_pat(store);
    let t = nov(6, 9);
    let (a, device_a) = sign_in_from(&p, &n, &pat, PASSWORD, "203.0.113.1", t);
    let (b, _) = sign_in_from(
        &p,
        &n,
        &pat,
        PASSWORD,
        "203.0.113.2",
        t + Duration::minutes(1),
    );
    let sa = p.session(&a, t + Duration::minutes(2)).unwrap();
    let sb = p.session(&b, t + Duration::minutes(2)).unwrap();

    // The list: both, newest first, one of them the caller's.
    let list = p.sessions(&sa).unwrap();
    assert_eq!(list.len(), 2, "{list:?}");
    assert_eq!(list.iter().filter(|i| i.current).count(), 1);
    assert!(list[0].created_at >= list[1].created_at);
    assert!(list.iter().any(|i| i.client.contains("203.0.113.2")));
    let b_id = list.iter().find(|i| !i.current).unwrap().id.clone();
    assert_eq!(b_id, sb.id());
    assert!(
        list.iter().all(|i| i.id != a && i.id != b),
        "ids are not tokens"
    );

    // Ending from the list: the other session's call is refused even with
    // a Session made before.
    p.end_session(&sa, &b_id).unwrap();
    assert_eq!(p.home(&sb), Err(PortalError::SignInRequired));
    assert!(refused(&p, &b, t + Duration::minutes(3)));
    assert!(matches!(
        p.end_session(&sa, &b_id),
        Err(PortalError::NotFound { .. })
    ));
    assert!(p.home(&sa).is_ok());

    // Signing out: that session only, twice is fine.
    let (c, _) = sign_in_from(
        &p,
        &n,
        &pat,
        PASSWORD,
        "203.0.113.3",
        t + Duration::minutes(4),
    );
    let sc = p.session(&c, t + Duration::minutes(4)).unwrap();
    p.sign_out(&sc).unwrap();
    p.sign_out(&sc).unwrap();
    assert_eq!(p.home(&sc), Err(PortalError::SignInRequired));
    assert!(p.home(&sa).is_ok());

    // Everywhere: every session ends and the remembered device is
    // forgotten (the next sign-in from it is challenged again).
    let (d, _) = sign_in_from(
        &p,
        &n,
        &pat,
        PASSWORD,
        "203.0.113.4",
        t + Duration::minutes(5),
    );
    let ended = p.sign_out_everywhere(&sa).unwrap();
    assert_eq!(ended, 2);
    assert!(refused(&p, &a, t + Duration::minutes(6)));
    assert!(refused(&p, &d, t + Duration::minutes(6)));
    let again = p
        .login(
            &LoginAttempt {
                username: "patdoe",
                password: PASSWORD,
                device_token: Some(&device_a),
            },
            &client(),
            t + Duration::minutes(7),
        )
        .unwrap();
    assert!(
        matches!(again, LoginOutcome::ChallengeRequired { .. }),
        "{again:?}"
    );
    let trail = p.audit_trail().unwrap();
    assert!(
        trail
            .iter()
            .filter(|e| e.kind == AuditKind::SessionEnded)
            .count()
            >= 3
    );
}

/// Another login's session cannot be listed or ended.
pub fn sessions_belong_to_their_login(store: Arc<dyn Store>) {
    let (p, n, pat) = shelby_with_pat(store);
    let t = nov(6, 9);
    let (a, _) = sign_in_from(&p, &n, &pat, PASSWORD, "203.0.113.1", t);
    let sa = p.session(&a, t).unwrap();
    let lee = super::claims::enrolled_owner(&p, &n, "200001", 1);
    let sl = super::signed_in(&p, &lee, t);
    let lee_ids: Vec<String> = p.sessions(&sl).unwrap().into_iter().map(|i| i.id).collect();
    assert_eq!(lee_ids.len(), 1);
    assert!(matches!(
        p.end_session(&sa, &lee_ids[0]),
        Err(PortalError::NotFound { .. })
    ));
    assert!(p.home(&sl).is_ok());
    assert!(p.sessions(&sa).unwrap().iter().all(|i| i.id != lee_ids[0]));
}

/// A password change ends every session and hands over a new one; a reset
/// ends them all; the temporary-password state holds inside a session.
pub fn password_changes_end_sessions(store: Arc<dyn Store>) {
    let (p, n, pat) = shelby_with_pat(store);
    let t = nov(6, 9);
    let (a, _) = sign_in_from(&p, &n, &pat, PASSWORD, "203.0.113.1", t);
    let (b, _) = sign_in_from(&p, &n, &pat, PASSWORD, "203.0.113.2", t);
    let sa = p.session(&a, t).unwrap();
    // A wrong current password ends nothing.
    assert_eq!(
        p.change_password(&sa, "not-the-password-at-all", NEW_PASSWORD, &client(), t),
        Err(PortalError::WrongCredentials)
    );
    assert!(p.session(&b, t).is_ok());
    let fresh = p
        .change_password(&sa, PASSWORD, NEW_PASSWORD, &client(), t)
        .unwrap();
    assert_ne!(fresh, a);
    assert!(refused(&p, &a, t), "the old token");
    assert!(refused(&p, &b, t), "the other device");
    assert_eq!(p.home(&sa), Err(PortalError::SignInRequired));
    let s = p.session(&fresh, t).unwrap();
    assert!(p.home(&s).is_ok());
    assert_eq!(p.sessions(&s).unwrap().len(), 1);

    // A reset ends every session.
    let t2 = nov(7, 9);
    let (c, _) = sign_in_from(&p, &n, &pat, NEW_PASSWORD, "203.0.113.3", t2);
    p.request_password_reset("patdoe", &client(), t2).unwrap();
    p.flush_messages();
    let reset = n
        .sent()
        .iter()
        .rev()
        .filter(|m| m.to == pat_email())
        .find_map(|m| {
            m.body
                .split(|c: char| !c.is_ascii_hexdigit())
                .find(|w| w.len() == 64)
                .map(str::to_owned)
        })
        .unwrap();
    assert_eq!(
        p.reset_password(&reset, PASSWORD, &client(), t2),
        Ok(pat.clone())
    );
    assert!(refused(&p, &c, t2));
    assert!(refused(&p, &fresh, t2));

    // Signed in with a temporary password: the session refuses everything
    // but the password change, which returns a session that works.
    let t3 = nov(8, 9);
    p.request_temporary_password("patdoe", &client(), t3)
        .unwrap();
    p.flush_messages();
    let temporary = last_temporary_password(&n, &pat_email()).unwrap();
    let outcome = p
        .login(
            &LoginAttempt {
                username: "patdoe",
                password: &temporary,
                device_token: None,
            },
            &client(),
            t3,
        )
        .unwrap();
    let LoginOutcome::ChallengeRequired { challenge_id, .. } = outcome else {
        panic!("{outcome:?}")
    };
    let code = n.last_code_to(&pat_email()).unwrap();
    let outcome = p
        .pass_device_challenge(&pat, &challenge_id, &code, None, &client(), t3)
        .unwrap();
    let LoginOutcome::SignedIn {
        session,
        must_change_password: true,
        ..
    } = outcome
    else {
        panic!("{outcome:?}")
    };
    let st = p.session(&session, t3).unwrap();
    assert_eq!(p.home(&st), Err(PortalError::PasswordChangeRequired));
    let own = p
        .change_password(&st, &temporary, NEW_PASSWORD, &client(), t3)
        .unwrap();
    let so = p.session(&own, t3).unwrap();
    assert!(p.home(&so).is_ok());
    assert!(refused(&p, &session, t3));
}

/// The profile's session settings are checked with the rest of the login
/// settings, each problem named by its field.
pub fn session_settings_are_validated() {
    let mut policy = ratepayer::login::LoginPolicy::default();
    policy.session.idle_minutes = 0;
    policy.session.absolute_hours = 24 * 31;
    let err = policy.validate().unwrap_err().to_string();
    assert!(err.contains("session.idle_minutes"), "{err}");
    assert!(err.contains("session.absolute_hours"), "{err}");
}

/// Holds a [`Session`] type in a signature, so the import is used.
pub fn login_of(s: &Session) -> &str {
    s.login_id()
}
