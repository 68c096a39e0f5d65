//! Issue 17, items 3 and 7, through the portal on every store: recovery by
//! an emailed temporary password (into the "must change password" state)
//! and contact changes (re-authentication, a code to the new contact, a
//! notice to the old one through the outbox, send limits).

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use ratepayer::verification::Contact;
use ratepayer_portal::store::{MessageKind, Store};
use ratepayer_portal::{
    ContactTarget, DeliverySettings, LoginAttempt, LoginOutcome, Portal, PortalError,
    Reauthentication, RecordingNotifier, SecondFactor, Session,
};

use super::mfa::{code_at, enrol_pat};
use super::signed_in;
use super::{client, nov, other_client, shelby_with_pat, PASSWORD};

const NEW_PASSWORD: &str = "Harbour-lantern-quartz-4417";

fn pat_email() -> Contact {
    Contact::email("Pat@Example.com").unwrap()
}

/// The last temporary password emailed to `to`.
pub fn last_temporary_password(n: &RecordingNotifier, to: &Contact) -> Option<String> {
    n.sent()
        .iter()
        .rev()
        .filter(|m| &m.to == to && m.subject == "Your temporary password")
        .find_map(|m| {
            let (_, rest) = m.body.split_once("new password: ")?;
            Some(rest.split('\n').next()?.to_owned())
        })
}

fn sign_in(p: &Portal, password: &str, now: DateTime<Utc>) -> Result<LoginOutcome, PortalError> {
    p.login(
        &LoginAttempt {
            username: "patdoe",
            password,
            device_token: None,
        },
        &client(),
        now,
    )
}

/// Signs in past the device challenge; returns `must_change_password`.
fn sign_in_fully(p: &Portal, n: &RecordingNotifier, password: &str, now: DateTime<Utc>) -> bool {
    sign_in_session(p, n, password, now).0
}

/// Signs Pat in with `password` (through the device challenge): whether it
/// must change its password, and the session.
fn sign_in_session(
    p: &Portal,
    n: &RecordingNotifier,
    password: &str,
    now: DateTime<Utc>,
) -> (bool, Session) {
    let outcome = match sign_in(p, password, now).unwrap() {
        LoginOutcome::ChallengeRequired {
            login_id,
            challenge_id,
        } => {
            let code = n.last_code_to(&pat_email()).unwrap();
            p.pass_device_challenge(&login_id, &challenge_id, &code, None, &client(), now)
                .unwrap()
        }
        other => other,
    };
    match outcome {
        LoginOutcome::SignedIn {
            session,
            must_change_password,
            ..
        } => (must_change_password, p.session(&session, now).unwrap()),
        other => panic!("{other:?}"),
    }
}

/// The temporary-password flow: asking (same answer for an unknown
/// username), signing in with it into "must change", every other call
/// refused, the change, and the temporary password dead afterwards.
pub fn temporary_password_recovery(store: Arc<dyn Store>) {
    let (p, n, _pat) = shelby_with_pat(store);
    let t0 = nov(10, 9);

    // Unknown username: the same answer, nothing sent.
    let before = n.sent().len();
    assert_eq!(
        p.request_temporary_password("nobody-here", &client(), t0),
        Ok(())
    );
    p.flush_messages();
    assert_eq!(
        n.sent().len(),
        before,
        "nothing sent for an unknown username"
    );

    // Pat asks; the real password keeps working until the temporary one is used.
    assert_eq!(
        p.request_temporary_password(" PatDoe ", &client(), t0),
        Ok(())
    );
    p.flush_messages();
    let temporary = last_temporary_password(&n, &pat_email()).unwrap();
    assert!(temporary.len() >= 16);
    assert!(
        !sign_in_fully(&p, &n, PASSWORD, t0),
        "the real password still works"
    );

    // A wrong temporary password is a wrong password.
    assert_eq!(
        sign_in(&p, "Not-the-temporary-one-123", t0),
        Err(PortalError::WrongCredentials)
    );

    // Signing in with it: must change.
    let t1 = t0 + Duration::minutes(5);
    let (must_change, session) = sign_in_session(&p, &n, &temporary, t1);
    assert!(must_change);
    // The real password no longer works (the temporary one replaced it).
    assert_eq!(
        sign_in(&p, PASSWORD, t1),
        Err(PortalError::WrongCredentials)
    );
    // Every other call is refused.
    assert_eq!(
        p.home(&session).unwrap_err(),
        PortalError::PasswordChangeRequired
    );
    assert_eq!(
        p.set_nickname(&session, "100001", Some("Home"), t1),
        Err(PortalError::PasswordChangeRequired)
    );
    assert_eq!(
        p.request_contact_change(
            &session,
            &ContactTarget::Phone,
            "704-555-0134",
            &Reauthentication {
                password: Some(&temporary),
                step_up: None
            },
            &client(),
            t1
        ),
        Err(PortalError::PasswordChangeRequired)
    );
    // The new password may not be the temporary one, and must pass the policy.
    assert_eq!(
        p.change_password(&session, &temporary, &temporary, &client(), t1)
            .unwrap_err()
            .code(),
        "invalid.new_password"
    );
    assert!(matches!(
        p.change_password(&session, &temporary, "short", &client(), t1),
        Err(PortalError::Password(_))
    ));
    let own = p
        .change_password(&session, &temporary, NEW_PASSWORD, &client(), t1)
        .unwrap();
    // The change ended the temporary session and started a new one.
    assert_eq!(p.home(&session), Err(PortalError::SignInRequired));
    assert!(p.home(&p.session(&own, t1).unwrap()).is_ok());
    // The temporary password is dead; the new one works.
    let t2 = t1 + Duration::minutes(1);
    assert_eq!(
        sign_in(&p, &temporary, t2),
        Err(PortalError::WrongCredentials)
    );
    assert!(!sign_in_fully(&p, &n, NEW_PASSWORD, t2));
}

/// Hostile cases: an expired temporary password, a used one, a newer one
/// voiding the older, and the lock-out path (a temporary password gets past
/// a locked login: it is the recovery path).
pub fn temporary_password_hostile(store: Arc<dyn Store>) {
    let (p, n, _pat) = shelby_with_pat(store);
    let t0 = nov(10, 9);
    p.request_temporary_password("patdoe", &client(), t0)
        .unwrap();
    p.flush_messages();
    let first = last_temporary_password(&n, &pat_email()).unwrap();
    // Expired (24 hours by default).
    let late = t0 + Duration::hours(25);
    assert_eq!(
        sign_in(&p, &first, late),
        Err(PortalError::WrongCredentials)
    );

    // A newer one voids the older.
    p.request_temporary_password("patdoe", &client(), late)
        .unwrap();
    p.flush_messages();
    let second = last_temporary_password(&n, &pat_email()).unwrap();
    p.request_temporary_password("patdoe", &client(), late)
        .unwrap();
    p.flush_messages();
    let third = last_temporary_password(&n, &pat_email()).unwrap();
    assert_ne!(second, third);
    assert_eq!(
        sign_in(&p, &second, late),
        Err(PortalError::WrongCredentials)
    );

    // An attacker locks Pat's login with wrong passwords from many addresses.
    let mut t = late;
    let mut locked = false;
    for i in 0..200u32 {
        let attacker = other_client(&format!("203.0.{}.{}", i / 200, i % 200 + 1));
        t += Duration::seconds(1);
        let r = p.login(
            &LoginAttempt {
                username: "patdoe",
                password: "wrong-password-guess",
                device_token: None,
            },
            &attacker,
            t,
        );
        if matches!(
            r,
            Err(PortalError::Locked { .. } | PortalError::Throttled { .. })
        ) {
            locked = true;
            break;
        }
    }
    assert!(locked, "the login is throttled after failures");
    assert!(matches!(
        sign_in(&p, PASSWORD, t),
        Err(PortalError::Locked { .. } | PortalError::Throttled { .. })
    ));
    // The temporary password still gets Pat in (and lifts the lock).
    assert!(sign_in_fully(&p, &n, &third, t));
    // Until a password of Pat's own is chosen, signing in again with it
    // lands in the same "must change" state (a closed browser loses nothing).
    let (must_change, session) = sign_in_session(&p, &n, &third, t);
    assert!(must_change);
    p.change_password(&session, &third, NEW_PASSWORD, &client(), t)
        .unwrap();
    // Then it is dead, and the old real password too.
    assert_eq!(sign_in(&p, &third, t), Err(PortalError::WrongCredentials));
    assert_eq!(sign_in(&p, PASSWORD, t), Err(PortalError::WrongCredentials));
}

/// Account 000100001's billing email, as stored.
fn billing_email(p: &Portal) -> Option<String> {
    let mut tx = p.store().begin().unwrap();
    tx.account(p.profile().id(), "000100001")
        .unwrap()
        .unwrap()
        .billing_email
}

fn proof(password: &str) -> Reauthentication<'_> {
    Reauthentication {
        password: Some(password),
        step_up: None,
    }
}

/// Contact changes: the billing email, the login email and the phone, each
/// with re-authentication, a code to the new contact, and a notice to the
/// old one through the outbox; the holes closed.
pub fn contact_changes(store: Arc<dyn Store>) {
    let (p, n, pat) = shelby_with_pat(store);
    let t0 = nov(10, 9);
    let billing = ContactTarget::BillingEmail {
        account: "000100001".into(),
    };

    // The old hole: set_delivery no longer changes the billing email.
    let settings = DeliverySettings {
        paperless: true,
        billing_email: Some("thief@example.net".into()),
        ..Default::default()
    };
    assert_eq!(
        p.set_delivery(&signed_in(&p, &pat, t0), "100001", &settings, t0)
            .unwrap_err()
            .code(),
        "invalid.billing_email"
    );
    // add_contact cannot add a new contact either.
    assert_eq!(
        p.add_contact(
            &signed_in(&p, &pat, t0),
            ratepayer::verification::ContactKind::Sms,
            "704-555-0134",
            t0
        )
        .unwrap_err()
        .code(),
        "invalid.contact"
    );

    // Without the password: refused; a wrong one counts and is audited.
    assert_eq!(
        p.request_contact_change(
            &signed_in(&p, &pat, t0),
            &billing,
            "bills@example.com",
            &Reauthentication::default(),
            &client(),
            t0
        )
        .unwrap_err()
        .code(),
        "invalid.password"
    );
    let audit_before = p.audit_trail().unwrap().len();
    assert_eq!(
        p.request_contact_change(
            &signed_in(&p, &pat, t0),
            &billing,
            "bills@example.com",
            &proof("wrong-password-here"),
            &client(),
            t0
        ),
        Err(PortalError::WrongCredentials)
    );
    let audit = p.audit_trail().unwrap();
    assert!(audit.len() > audit_before);
    assert!(audit
        .last()
        .unwrap()
        .detail
        .contains("wrong password at re-authentication"));

    // The right password: a code to the new address; nothing changed yet.
    let change = p
        .request_contact_change(
            &signed_in(&p, &pat, t0),
            &billing,
            "bills@example.com",
            &proof(PASSWORD),
            &client(),
            t0,
        )
        .unwrap();
    let new_billing = Contact::email("bills@example.com").unwrap();
    let code = n.last_code_to(&new_billing).unwrap();
    assert_eq!(billing_email(&p), None, "nothing changed before the code");
    // The code cannot be used through verify_contact.
    assert!(p.verify_contact(&pat, &change, &code, t0).is_err());
    // A wrong code: refused, old stays.
    let wrong = if code == "000000" { "111111" } else { "000000" };
    assert!(p
        .confirm_contact_change(&signed_in(&p, &pat, t0), &change, wrong, t0)
        .is_err());
    assert_eq!(billing_email(&p), None, "a wrong code changes nothing");
    p.confirm_contact_change(&signed_in(&p, &pat, t0), &change, &code, t0)
        .unwrap();
    assert_eq!(billing_email(&p).as_deref(), Some("bills@example.com"));
    let notices: Vec<_> = p
        .outbox_messages()
        .unwrap()
        .into_iter()
        .filter(|m| m.kind == MessageKind::ContactChanged)
        .collect();
    assert_eq!(notices.len(), 1);
    assert_eq!(
        notices[0].to,
        pat_email(),
        "no billing email before: the login's"
    );
    assert!(!notices[0].body.contains("bills@example.com"), "masked");
    // Used once.
    assert!(p
        .confirm_contact_change(&signed_in(&p, &pat, t0), &change, &code, t0)
        .is_err());

    // The login email: the old address is told.
    let t1 = t0 + Duration::minutes(2);
    let change = p
        .request_contact_change(
            &signed_in(&p, &pat, t1),
            &ContactTarget::LoginEmail,
            "pat.new@example.org",
            &proof(PASSWORD),
            &client(),
            t1,
        )
        .unwrap();
    let new_email = Contact::email("pat.new@example.org").unwrap();
    let code = n.last_code_to(&new_email).unwrap();
    p.confirm_contact_change(&signed_in(&p, &pat, t1), &change, &code, t1)
        .unwrap();
    let notices: Vec<_> = p
        .outbox_messages()
        .unwrap()
        .into_iter()
        .filter(|m| m.kind == MessageKind::ContactChanged)
        .collect();
    assert_eq!(notices.len(), 2);
    assert!(notices
        .iter()
        .any(|m| m.to == pat_email() && m.body.starts_with("The email of your portal login")));
    // A password reset now goes to the new address only.
    p.request_password_reset("patdoe", &client(), t1).unwrap();
    p.flush_messages();
    assert!(n
        .sent()
        .last()
        .map(|m| m.to == new_email && m.subject == "Reset your password")
        .unwrap());

    // A change never confirmed changes nothing.
    let t2 = t1 + Duration::minutes(2);
    p.request_contact_change(
        &signed_in(&p, &pat, t2),
        &ContactTarget::Phone,
        "704-555-0134",
        &proof(PASSWORD),
        &client(),
        t2,
    )
    .unwrap();
    assert!(p
        .outbox_messages()
        .unwrap()
        .iter()
        .all(|m| !m.body.contains("phone")));
}

/// Send limits: codes per new contact per hour, and changes per login per
/// hour (`max_sends_per_hour`, 5 by default); an hour later it works again.
pub fn contact_change_send_limits(store: Arc<dyn Store>) {
    let (p, _n, pat) = shelby_with_pat(store);
    let t0 = nov(10, 9);
    let ask = |value: &str, at| {
        p.request_contact_change(
            &signed_in(&p, &pat, at),
            &ContactTarget::Phone,
            value,
            &proof(PASSWORD),
            &client(),
            at,
        )
    };
    for i in 0..5 {
        assert!(ask("704-555-0134", t0 + Duration::seconds(i)).is_ok());
    }
    let refused = ask("704-555-0134", t0 + Duration::seconds(6)).unwrap_err();
    assert_eq!(refused.code(), "send_limit");
    // Another number: the login's hourly budget is spent too.
    assert_eq!(
        ask("704-555-0199", t0 + Duration::seconds(7))
            .unwrap_err()
            .code(),
        "send_limit"
    );
    assert!(ask("704-555-0199", t0 + Duration::minutes(61)).is_ok());
}

/// With an authenticator app, the step-up code is the re-authentication.
pub fn contact_change_with_step_up(store: Arc<dyn Store>) {
    let (p, n, pat) = shelby_with_pat(store);
    let t0 = nov(10, 9);
    let (enrolment, _) = enrol_pat(&p, &pat, t0);
    let t1 = t0 + Duration::minutes(1);
    assert_eq!(
        p.request_contact_change(
            &signed_in(&p, &pat, t1),
            &ContactTarget::Phone,
            "704-555-0134",
            &proof(PASSWORD),
            &client(),
            t1
        ),
        Err(PortalError::StepUpRequired)
    );
    let factor = SecondFactor::Totp(code_at(&enrolment, t1));
    let change = p
        .request_contact_change(
            &signed_in(&p, &pat, t1),
            &ContactTarget::Phone,
            "704-555-0134",
            &Reauthentication {
                password: None,
                step_up: Some(&factor),
            },
            &client(),
            t1,
        )
        .unwrap();
    let phone = Contact::phone("704-555-0134").unwrap();
    let code = n.last_code_to(&phone).unwrap();
    p.confirm_contact_change(&signed_in(&p, &pat, t1), &change, &code, t1)
        .unwrap();
}

/// Two requests for the same contact at once: the newer voids the older.
pub fn concurrent_contact_changes(store: Arc<dyn Store>) {
    let (p, n, pat) = shelby_with_pat(store);
    let p = Arc::new(p);
    let t0 = nov(10, 9);
    let handles: Vec<_> = ["a@example.com", "b@example.com"]
        .into_iter()
        .map(|email| {
            let p = p.clone();
            let pat = pat.clone();
            std::thread::spawn(move || {
                p.request_contact_change(
                    &signed_in(&p, &pat, t0),
                    &ContactTarget::LoginEmail,
                    email,
                    &proof(PASSWORD),
                    &client(),
                    t0,
                )
                .map(|id| (email, id))
            })
        })
        .collect();
    let started: Vec<(&str, String)> = handles
        .into_iter()
        .map(|h| h.join().unwrap().unwrap())
        .collect();
    let confirmed: Vec<bool> = started
        .iter()
        .map(|(email, id)| {
            let code = n.last_code_to(&Contact::email(email).unwrap()).unwrap();
            p.confirm_contact_change(&signed_in(&p, &pat, t0), id, &code, t0)
                .is_ok()
        })
        .collect();
    assert_eq!(
        confirmed.iter().filter(|ok| **ok).count(),
        1,
        "only the newer request can be confirmed"
    );
}

/// Crow Wing, whose profile emails temporary passwords (seed 003): the
/// username is the email; the lifetime is the profile's 24 hours.
pub fn crow_wing_temporary_password(store: Arc<dyn Store>) {
    use ratepayer::payment::AccountStatus;
    use ratepayer::registration::{RegistrationChannel, RegistrationForm};
    use ratepayer_portal::{AccountImport, SignupRequest};

    let n = Arc::new(RecordingNotifier::new());
    let p = super::portal("crow-wing", store, n.clone());
    assert_eq!(
        p.profile()
            .spec()
            .verification
            .temporary_passwords
            .lifetime_hours,
        24
    );
    let record = super::record(&p, "12345678", "1");
    p.import_accounts(
        &[AccountImport {
            record,
            status: AccountStatus::Active,
            service_address: None,
        }],
        nov(1, 9),
    )
    .unwrap();
    let reg = p
        .register(
            &SignupRequest {
                form: RegistrationForm {
                    account_number: "12345678".into(),
                    name: Some("Doe".into()),
                    email: "pat@example.com".into(),
                    accepted_terms_version: Some("smarthub-2025".into()),
                    ..Default::default()
                },
                password: PASSWORD.into(),
                channel: RegistrationChannel::Web,
            },
            &client(),
            nov(5, 9),
        )
        .unwrap();
    let email = Contact::email("pat@example.com").unwrap();
    let code = n.last_code_to(&email).unwrap();
    p.verify_contact(&reg.login_id, &reg.email_code_id, &code, nov(5, 9))
        .unwrap();
    let t = nov(10, 9);
    p.request_temporary_password("PAT@example.com", &client(), t)
        .unwrap();
    p.flush_messages();
    let temporary = last_temporary_password(&n, &email).unwrap();
    let attempt = LoginAttempt {
        username: "pat@example.com",
        password: &temporary,
        device_token: None,
    };
    // 23 hours later it still works, into "must change".
    let outcome = p
        .login(&attempt, &client(), t + Duration::hours(23))
        .unwrap();
    let LoginOutcome::ChallengeRequired {
        login_id,
        challenge_id,
    } = outcome
    else {
        panic!("{outcome:?}")
    };
    let code = n.last_code_to(&email).unwrap();
    let outcome = p
        .pass_device_challenge(
            &login_id,
            &challenge_id,
            &code,
            None,
            &client(),
            t + Duration::hours(23),
        )
        .unwrap();
    let LoginOutcome::SignedIn {
        session,
        must_change_password: true,
        ..
    } = outcome
    else {
        panic!("{outcome:?}")
    };
    let session = p.session(&session, t + Duration::hours(23)).unwrap();
    assert_eq!(
        p.home(&session).unwrap_err(),
        PortalError::PasswordChangeRequired
    );
}
