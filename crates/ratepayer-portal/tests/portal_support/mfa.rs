//! Second factors every store must keep (issue 17, item 5): enrolling an
//! authenticator, signing in with its code or a recovery code (each good
//! once), step-up before linking, contact changes and AutoPay, the NIST
//! minimum that follows MFA, and the legacy security question.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use ratepayer::fees::PaymentMethod;
use ratepayer::mfa::hotp::{base32_decode, totp};
use ratepayer::mfa::TotpEnrolment;
use ratepayer::payment::AccountStatus;
use ratepayer::registration::{RegistrationChannel, RegistrationForm};
use ratepayer_portal::store::{AuditKind, SecurityKind, Store};
use ratepayer_portal::{
    AccountImport, ContactTarget, DeliverySettings, EnrolRequest, LinkRequest, LoginAttempt,
    LoginOutcome, NewPaymentMethod, Portal, PortalError, Reauthentication, RecordingNotifier,
    SecondFactor, SignupRequest,
};

use super::{client, nov, portal, record, secrets, shelby_with_pat, signed_in, with_pat, PASSWORD};

/// The authenticator's code at `now`.
pub fn code_at(enrolment: &TotpEnrolment, now: DateTime<Utc>) -> String {
    let secret = base32_decode(enrolment.secret_base32()).unwrap();
    format!("{:06}", totp(&secret, now.timestamp() as u64, 30, 6))
}

/// A code that is not the authenticator's at `now` (nor a step either side).
pub fn wrong_code_at(enrolment: &TotpEnrolment, now: DateTime<Utc>) -> String {
    let near: Vec<String> = [-30, 0, 30]
        .iter()
        .map(|s| code_at(enrolment, now + Duration::seconds(*s)))
        .collect();
    (0..1_000_000)
        .map(|n| format!("{n:06}"))
        .find(|c| !near.contains(c))
        .unwrap()
}

/// Enrols and confirms Pat's authenticator at `now`; returns the
/// enrolment and the recovery codes.
pub fn enrol_pat(p: &Portal, pat: &str, now: DateTime<Utc>) -> (TotpEnrolment, Vec<String>) {
    let enrolment = p
        .enrol_totp(&signed_in(p, pat, now), PASSWORD, &client(), now)
        .unwrap();
    let codes = p
        .confirm_totp(
            &signed_in(p, pat, now),
            &code_at(&enrolment, now),
            &client(),
            now,
        )
        .unwrap();
    (enrolment, codes.into_codes())
}

fn attempt(password: &str) -> LoginAttempt<'_> {
    LoginAttempt {
        username: "patdoe",
        password,
        device_token: None,
    }
}

fn second_factor_challenge(p: &Portal, now: DateTime<Utc>) -> String {
    match p.login(&attempt(PASSWORD), &client(), now).unwrap() {
        LoginOutcome::SecondFactorRequired { challenge_id, .. } => challenge_id,
        other => panic!("an authenticator code is asked for: {other:?}"),
    }
}

/// Enrolment, sign-in with the authenticator (replay refused), with a
/// recovery code (good once, audited, told), new recovery codes.
pub fn authenticator_sign_in(store: Arc<dyn Store>) {
    let (p, notifier, pat) = shelby_with_pat(store.clone());
    let t0 = nov(6, 9);
    assert_eq!(
        p.enrol_totp(
            &signed_in(&p, &pat, t0),
            "not the password at all",
            &client(),
            t0
        ),
        Err(PortalError::WrongCredentials)
    );
    let enrolment = p
        .enrol_totp(&signed_in(&p, &pat, t0), PASSWORD, &client(), t0)
        .unwrap();
    assert!(enrolment
        .uri()
        .starts_with("otpauth://totp/City%20of%20Shelby:patdoe?secret="));
    assert!(enrolment
        .uri()
        .contains("&issuer=City%20of%20Shelby&algorithm=SHA1&digits=6&period=30"));
    // Not on until confirmed: sign-in still takes the device challenge.
    assert!(matches!(
        p.login(&attempt(PASSWORD), &client(), t0),
        Ok(LoginOutcome::ChallengeRequired { .. })
    ));
    let bad = p.confirm_totp(
        &signed_in(&p, &pat, t0),
        &wrong_code_at(&enrolment, t0),
        &client(),
        t0,
    );
    assert_eq!(bad.unwrap_err().code(), "invalid.code");
    let t1 = t0 + Duration::minutes(1);
    let recovery = p
        .confirm_totp(
            &signed_in(&p, &pat, t1),
            &code_at(&enrolment, t1),
            &client(),
            t1,
        )
        .unwrap()
        .into_codes();
    assert_eq!(recovery.len(), 10);
    let status = p.mfa_status(&signed_in(&p, &pat, t1)).unwrap();
    assert!(status.totp && !status.totp_pending);
    assert_eq!(status.recovery_codes_left, 10);
    {
        // Never stored in the clear.
        let mut tx = store.begin().unwrap();
        let row = tx
            .security_record("shelby", SecurityKind::Totp, &pat)
            .unwrap()
            .unwrap();
        assert!(!row.data.to_string().contains(enrolment.secret_base32()));
        let codes = tx
            .security_record("shelby", SecurityKind::RecoveryCodes, &pat)
            .unwrap()
            .unwrap();
        for c in &recovery {
            assert!(!codes.data.to_string().contains(&c.replace('-', "")));
        }
    }
    assert_eq!(
        p.enrol_totp(&signed_in(&p, &pat, t1), PASSWORD, &client(), t1)
            .unwrap_err()
            .code(),
        "portal.forbidden"
    );

    // Sign-in: the password, then the code.
    let t2 = t1 + Duration::minutes(5);
    let challenge = second_factor_challenge(&p, t2);
    let wrong = SecondFactor::Totp(wrong_code_at(&enrolment, t2));
    assert_eq!(
        p.pass_second_factor(&pat, &challenge, &wrong, None, &client(), t2),
        Err(PortalError::WrongCredentials)
    );
    let right = SecondFactor::Totp(code_at(&enrolment, t2));
    assert_eq!(
        p.pass_second_factor(&pat, "not-a-challenge", &right, None, &client(), t2),
        Err(PortalError::WrongCredentials)
    );
    let signed = p
        .pass_second_factor(&pat, &challenge, &right, Some("laptop"), &client(), t2)
        .unwrap();
    let LoginOutcome::SignedIn { device_token, .. } = signed else {
        panic!("signed in")
    };
    let token = device_token.unwrap();
    // The challenge is spent, and so is the code.
    assert_eq!(
        p.pass_second_factor(&pat, &challenge, &right, None, &client(), t2),
        Err(PortalError::WrongCredentials)
    );
    let again = second_factor_challenge(&p, t2 + Duration::seconds(10));
    assert_eq!(
        p.pass_second_factor(
            &pat,
            &again,
            &right,
            None,
            &client(),
            t2 + Duration::seconds(10)
        ),
        Err(PortalError::WrongCredentials),
        "a code is good once"
    );
    // A remembered device is still asked (the profile does not let it skip).
    let t3 = t2 + Duration::minutes(2);
    let with_device = LoginAttempt {
        device_token: Some(&token),
        ..attempt(PASSWORD)
    };
    assert!(matches!(
        p.login(&with_device, &client(), t3).unwrap(),
        LoginOutcome::SecondFactorRequired { .. }
    ));

    // A recovery code: once, audited, the email told.
    let challenge = second_factor_challenge(&p, t3);
    let rc = SecondFactor::RecoveryCode(recovery[0].to_uppercase());
    assert!(matches!(
        p.pass_second_factor(&pat, &challenge, &rc, None, &client(), t3),
        Ok(LoginOutcome::SignedIn { .. })
    ));
    let last = notifier.sent().last().cloned().unwrap();
    assert!(last.subject.contains("recovery code"), "{last:?}");
    assert!(!last.body.contains(&recovery[0]));
    let challenge = second_factor_challenge(&p, t3);
    assert_eq!(
        p.pass_second_factor(&pat, &challenge, &rc, None, &client(), t3),
        Err(PortalError::WrongCredentials)
    );
    assert_eq!(
        p.mfa_status(&signed_in(&p, &pat, t3))
            .unwrap()
            .recovery_codes_left,
        9
    );

    // New codes void the old set.
    let t4 = t3 + Duration::minutes(3);
    let fresh = p
        .regenerate_recovery_codes(
            &signed_in(&p, &pat, t4),
            &SecondFactor::Totp(code_at(&enrolment, t4)),
            &client(),
            t4,
        )
        .unwrap()
        .into_codes();
    let challenge = second_factor_challenge(&p, t4);
    assert_eq!(
        p.pass_second_factor(
            &pat,
            &challenge,
            &SecondFactor::RecoveryCode(recovery[1].clone()),
            None,
            &client(),
            t4
        ),
        Err(PortalError::WrongCredentials)
    );
    assert!(p
        .pass_second_factor(
            &pat,
            &challenge,
            &SecondFactor::RecoveryCode(fresh[1].clone()),
            None,
            &client(),
            t4
        )
        .is_ok());

    // No secret in the audit trail; each kind of event is there.
    let trail = p.audit_trail().unwrap();
    for kind in [
        AuditKind::MfaChanged,
        AuditKind::SecondFactorChallenged,
        AuditKind::SecondFactorFailed,
        AuditKind::RecoveryCodeUsed,
    ] {
        assert!(trail.iter().any(|e| e.kind == kind), "{kind:?}");
    }
    let all: String = trail.iter().map(|e| e.detail.clone()).collect();
    assert!(!all.contains(enrolment.secret_base32()));
    for c in recovery.iter().chain(&fresh) {
        assert!(!all.contains(c.as_str()) && !all.contains(&c.replace('-', "")));
    }
}

/// Step-up: linking, adding a contact, changing the billing email and
/// enrolling in AutoPay need a fresh code once MFA is on.
pub fn step_up_guards_sensitive_changes(store: Arc<dyn Store>) {
    let (p, _notifier, pat) = shelby_with_pat(store);
    let t0 = nov(6, 9);
    let (enrolment, recovery) = enrol_pat(&p, &pat, t0);
    let link = |password: &str| LinkRequest {
        form: super::shelby_form("100002", "5001", "patdoe"),
        password: password.into(),
        nickname: None,
    };
    let t1 = t0 + Duration::minutes(1);
    // The old call: refused only once the password is right.
    assert_eq!(
        p.link_account(
            &signed_in(&p, &pat, t1),
            &link("wrong password, surely"),
            &client(),
            t1
        ),
        Err(PortalError::WrongCredentials)
    );
    assert_eq!(
        p.link_account(&signed_in(&p, &pat, t1), &link(PASSWORD), &client(), t1),
        Err(PortalError::StepUpRequired)
    );
    let wrong = SecondFactor::Totp(wrong_code_at(&enrolment, t1));
    assert_eq!(
        p.link_account_with_step_up(
            &signed_in(&p, &pat, t1),
            &link(PASSWORD),
            Some(&wrong),
            &client(),
            t1
        ),
        Err(PortalError::WrongCredentials)
    );
    let right = SecondFactor::Totp(code_at(&enrolment, t1));
    assert_eq!(
        p.link_account_with_step_up(
            &signed_in(&p, &pat, t1),
            &link(PASSWORD),
            Some(&right),
            &client(),
            t1
        )
        .unwrap(),
        "000100002"
    );

    // A contact: the step-up is the re-authentication of a change.
    let t2 = t1 + Duration::minutes(1);
    let phone = ContactTarget::Phone;
    let no_code = Reauthentication {
        password: Some(PASSWORD),
        step_up: None,
    };
    assert_eq!(
        p.request_contact_change(
            &signed_in(&p, &pat, t2),
            &phone,
            "704-555-0134",
            &no_code,
            &client(),
            t2
        ),
        Err(PortalError::StepUpRequired)
    );
    let spent = Reauthentication {
        password: None,
        step_up: Some(&right),
    };
    assert_eq!(
        p.request_contact_change(
            &signed_in(&p, &pat, t2),
            &phone,
            "704-555-0134",
            &spent,
            &client(),
            t2
        ),
        Err(PortalError::WrongCredentials),
        "the code used for the link is spent"
    );
    let rc = SecondFactor::RecoveryCode(recovery[0].clone());
    assert!(p
        .request_contact_change(
            &signed_in(&p, &pat, t2),
            &phone,
            "704-555-0134",
            &Reauthentication {
                password: None,
                step_up: Some(&rc),
            },
            &client(),
            t2
        )
        .is_ok());

    // The billing email: a new one needs the step-up too.
    let billing = ContactTarget::BillingEmail {
        account: "100001".into(),
    };
    let settings = DeliverySettings {
        paperless: true,
        ..Default::default()
    };
    assert!(p
        .set_delivery(&signed_in(&p, &pat, t2), "100001", &settings, t2)
        .is_ok());
    assert_eq!(
        p.request_contact_change(
            &signed_in(&p, &pat, t2),
            &billing,
            "bills@example.com",
            &no_code,
            &client(),
            t2
        ),
        Err(PortalError::StepUpRequired)
    );
    let t3 = t2 + Duration::minutes(1);
    let fresh = SecondFactor::Totp(code_at(&enrolment, t3));
    assert!(p
        .request_contact_change(
            &signed_in(&p, &pat, t3),
            &billing,
            "bills@example.com",
            &Reauthentication {
                password: None,
                step_up: Some(&fresh),
            },
            &client(),
            t3
        )
        .is_ok());

    // AutoPay.
    let card = p
        .add_payment_method(
            &signed_in(&p, &pat, t3),
            &NewPaymentMethod {
                method: PaymentMethod::CreditCard,
                token: "tok_visa_pat".into(),
                label: "Visa ending 4242".into(),
                card_expiry: Some(ratepayer::autopay::CardExpiry {
                    year: 2030,
                    month: 12,
                }),
            },
            t3,
        )
        .unwrap();
    let request = EnrolRequest {
        account: "100001".into(),
        option: "Card AutoPay".into(),
        payment_method_id: card,
        accepted_terms_version: Some("2024-07".into()),
        maximum: None,
        amount_notices: Default::default(),
    };
    assert_eq!(
        p.enrol_autopay(&signed_in(&p, &pat, t3), &request, t3)
            .unwrap_err(),
        PortalError::StepUpRequired
    );
    let t4 = t3 + Duration::minutes(1);
    assert!(p
        .enrol_autopay_with_step_up(
            &signed_in(&p, &pat, t4),
            &request,
            Some(&SecondFactor::Totp(code_at(&enrolment, t4))),
            &client(),
            t4
        )
        .is_ok());
    let failed = p
        .audit_trail()
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == AuditKind::SecondFactorFailed)
        .count();
    assert!(failed >= 2, "{failed}");
}

/// The NIST preset asks for 8 characters with an authenticator and 15
/// without; removing the authenticator is refused while the password is
/// shorter than 15.
pub fn nist_minimum_follows_mfa(store: Arc<dyn Store>) {
    let (p, _notifier, pat) = shelby_with_pat(store);
    let short = "Quokka-93tz";
    let t0 = nov(6, 9);
    let err = p
        .change_password(&signed_in(&p, &pat, t0), PASSWORD, short, &client(), t0)
        .unwrap_err();
    assert_eq!(err.code(), "password.too_short");
    let (enrolment, _) = enrol_pat(&p, &pat, t0);
    // A change ends every session and hands over a new one.
    let token = p
        .change_password(&signed_in(&p, &pat, t0), PASSWORD, short, &client(), t0)
        .unwrap();
    let s1 = p.session(&token, t0 + Duration::minutes(1)).unwrap();
    let t1 = t0 + Duration::minutes(1);
    let err = p
        .disable_totp(
            &s1,
            short,
            &SecondFactor::Totp(code_at(&enrolment, t1)),
            &client(),
            t1,
        )
        .unwrap_err();
    assert_eq!(err.code(), "password.too_short");
    assert!(p.mfa_status(&s1).unwrap().totp);
    let token = p
        .change_password(&s1, short, PASSWORD, &client(), t1)
        .unwrap();
    let t2 = t1 + Duration::minutes(1);
    let s2 = p.session(&token, t2).unwrap();
    p.disable_totp(
        &s2,
        PASSWORD,
        &SecondFactor::Totp(code_at(&enrolment, t2)),
        &client(),
        t2,
    )
    .unwrap();
    assert!(!p.mfa_status(&s2).unwrap().totp);
    assert!(matches!(
        p.login(&attempt(PASSWORD), &client(), t2),
        Ok(LoginOutcome::ChallengeRequired { .. })
    ));
}

/// Cal Water (legacy preset): the security question from an unrecognised
/// device once an answer is set (stored as a digest), wrong answers
/// counted, "don't ask again on this computer"; Shelby never offers it.
pub fn security_question_on_the_legacy_preset(store: Arc<dyn Store>) {
    let notifier = Arc::new(RecordingNotifier::new());
    let p = portal("cal-water", store.clone(), notifier.clone());
    p.import_accounts(
        &[AccountImport {
            record: record(&p, "1000000001", "1"),
            status: AccountStatus::Active,
            service_address: None,
        }],
        nov(1, 9),
    )
    .unwrap();
    let lee = p
        .register(
            &SignupRequest {
                form: RegistrationForm {
                    account_number: "1000000001".into(),
                    zip: Some("28150-1234".into()),
                    email: "lee@example.com".into(),
                    accepted_terms_version: Some("2025-03".into()),
                    ..Default::default()
                },
                password: PASSWORD.into(),
                channel: RegistrationChannel::App,
            },
            &client(),
            nov(2, 9),
        )
        .unwrap()
        .login_id;
    super::register_signer(&p, &notifier, &lee, PASSWORD, nov(2, 10));
    let username = {
        let mut tx = store.begin().unwrap();
        tx.login(&lee).unwrap().unwrap().username
    };
    let lee_attempt = LoginAttempt {
        username: &username,
        password: PASSWORD,
        device_token: None,
    };
    // No answer yet: a one-time code.
    assert!(matches!(
        p.login(&lee_attempt, &client(), nov(3, 9)),
        Ok(LoginOutcome::ChallengeRequired { .. })
    ));
    assert_eq!(
        p.set_security_answer(
            &signed_in(&p, &lee, nov(3, 9)),
            "wrong password!!",
            "First pet?",
            "Rex",
            &client(),
            nov(3, 9)
        ),
        Err(PortalError::WrongCredentials)
    );
    p.set_security_answer(
        &signed_in(&p, &lee, nov(3, 9)),
        PASSWORD,
        "First pet?",
        "  Fluffy   McFluff ",
        &client(),
        nov(3, 9),
    )
    .unwrap();
    {
        let mut tx = store.begin().unwrap();
        let row = tx
            .security_record("cal-water", SecurityKind::SecurityAnswer, &lee)
            .unwrap()
            .unwrap();
        assert!(!row.data.to_string().to_lowercase().contains("fluffy"));
    }
    let ask = |now| match p.login(&lee_attempt, &client(), now).unwrap() {
        LoginOutcome::QuestionRequired {
            challenge_id,
            question,
            ..
        } => {
            assert_eq!(question, "First pet?");
            challenge_id
        }
        other => panic!("the question is asked: {other:?}"),
    };
    let challenge = ask(nov(4, 9));
    assert_eq!(
        p.answer_security_question(&lee, &challenge, "Rex", None, &client(), nov(4, 9)),
        Err(PortalError::WrongCredentials)
    );
    let LoginOutcome::SignedIn { device_token, .. } = p
        .answer_security_question(
            &lee,
            &challenge,
            "ＦＬＵＦＦＹ mcfluff",
            Some("tablet"),
            &client(),
            nov(4, 9),
        )
        .unwrap()
    else {
        panic!("signed in")
    };
    // "Don't ask again on this computer".
    let remembered = LoginAttempt {
        device_token: device_token.as_deref(),
        ..lee_attempt.clone()
    };
    assert!(matches!(
        p.login(&remembered, &client(), nov(5, 9)),
        Ok(LoginOutcome::SignedIn { .. })
    ));
    let trail = p.audit_trail().unwrap();
    assert!(trail.iter().any(|e| e.kind == AuditKind::SecurityAnswerSet));
    assert!(!trail
        .iter()
        .any(|e| e.detail.to_lowercase().contains("fluffy")));

    // Five wrong answers close the waiting sign-in.
    let challenge = ask(nov(6, 9));
    let minute = |m: i64| nov(6, 9) + Duration::minutes(m);
    for m in 1..=5 {
        assert_eq!(
            p.answer_security_question(&lee, &challenge, "Rex", None, &client(), minute(m)),
            Err(PortalError::WrongCredentials)
        );
    }
    assert_eq!(
        p.answer_security_question(
            &lee,
            &challenge,
            "Fluffy McFluff",
            None,
            &client(),
            minute(7)
        ),
        Err(PortalError::WrongCredentials)
    );
    // A new sign-in works (the delays have passed).
    let challenge = ask(minute(30));
    assert!(p
        .answer_security_question(
            &lee,
            &challenge,
            "Fluffy McFluff",
            None,
            &client(),
            minute(30)
        )
        .is_ok());

    // The NIST preset never offers it.
    let (shelby, _, pat) = shelby_with_pat(Arc::new(ratepayer_portal::store::MemoryStore::new()));
    assert_eq!(
        shelby
            .set_security_answer(
                &signed_in(&shelby, &pat, nov(6, 9)),
                PASSWORD,
                "First pet?",
                "Rex",
                &client(),
                nov(6, 9)
            )
            .unwrap_err()
            .code(),
        "portal.forbidden"
    );
}

/// A profile that lets a remembered device skip the authenticator: the
/// device remembered after a second factor signs in on the password alone;
/// another browser is still asked.
pub fn a_profile_may_let_remembered_devices_skip_mfa(store: Arc<dyn Store>) {
    let text = format!(
        "{}\n[login]\nremembered_device_skips_mfa = true\n",
        include_str!("../../../../examples/profiles/shelby.toml")
    );
    let notifier = Arc::new(RecordingNotifier::new());
    let p = Portal::new(
        ratepayer::profile::UtilityProfile::from_toml(&text).unwrap(),
        store,
        secrets(),
        Box::new(ratepayer::security::SeededRandom::new(42)),
        notifier.clone(),
    )
    .unwrap();
    let (p, _notifier, pat) = with_pat(p, notifier);
    let t0 = nov(6, 9);
    let (enrolment, _) = enrol_pat(&p, &pat, t0);
    let t1 = t0 + Duration::minutes(1);
    let challenge = second_factor_challenge(&p, t1);
    let LoginOutcome::SignedIn { device_token, .. } = p
        .pass_second_factor(
            &pat,
            &challenge,
            &SecondFactor::Totp(code_at(&enrolment, t1)),
            Some("phone"),
            &client(),
            t1,
        )
        .unwrap()
    else {
        panic!("signed in")
    };
    let token = device_token.unwrap();
    let remembered = LoginAttempt {
        device_token: Some(&token),
        ..attempt(PASSWORD)
    };
    assert!(matches!(
        p.login(&remembered, &client(), t1 + Duration::hours(1)),
        Ok(LoginOutcome::SignedIn { .. })
    ));
    assert!(matches!(
        p.login(&attempt(PASSWORD), &client(), t1 + Duration::hours(1)),
        Ok(LoginOutcome::SecondFactorRequired { .. })
    ));
}

/// Signing in again with the password buys no more code guesses: wrong
/// codes delay the next try across waiting sign-ins, and a right code
/// (after the delay) clears the count.
pub fn code_guesses_survive_a_new_sign_in(store: Arc<dyn Store>) {
    let (p, _notifier, pat) = shelby_with_pat(store);
    let t0 = nov(6, 9);
    let (enrolment, _) = enrol_pat(&p, &pat, t0);
    let t = t0 + Duration::minutes(1);
    let wrong = SecondFactor::Totp(wrong_code_at(&enrolment, t));
    // Four waiting sign-ins, one wrong code each (three are free).
    for _ in 0..4 {
        let challenge = second_factor_challenge(&p, t);
        assert_eq!(
            p.pass_second_factor(&pat, &challenge, &wrong, None, &client(), t),
            Err(PortalError::WrongCredentials)
        );
    }
    let challenge = second_factor_challenge(&p, t);
    let right = SecondFactor::Totp(code_at(&enrolment, t));
    assert_eq!(
        p.pass_second_factor(&pat, &challenge, &right, None, &client(), t)
            .unwrap_err()
            .code(),
        "login.throttled"
    );
    let later = t + Duration::seconds(40);
    assert!(p
        .pass_second_factor(
            &pat,
            &challenge,
            &SecondFactor::Totp(code_at(&enrolment, later)),
            None,
            &client(),
            later
        )
        .is_ok());
}
