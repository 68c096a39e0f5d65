//! Signing in: throttling per login and per account, the password check
//! (with a rehash when the parameters changed), the one-time-code challenge
//! for an unrecognised device and "remember this device", and changing the
//! password (which forgets every remembered device).

use chrono::{DateTime, Utc};

use super::{Notice, Portal, PortalError};
use crate::credential::{self, Verification};
use crate::login::{self, challenge, device, Decision, DeviceCheck, FailureCounter};
use crate::password::{Mfa, NormalizedPassword, PasswordContext};
use crate::store::{AccountRow, AuditKind, CodeRow, LoginRow, Role, Tx};
use crate::verification::{Contact, Purpose};

/// What a customer types to sign in.
#[derive(Clone, PartialEq, Eq)]
pub struct LoginAttempt<'a> {
    /// The username (or email, where that is the username).
    pub username: &'a str,
    /// The password.
    pub password: &'a str,
    /// The remembered-device token the browser sent, if any.
    pub device_token: Option<&'a str>,
}

impl std::fmt::Debug for LoginAttempt<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginAttempt")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("device_token", &self.device_token.map(|_| "<redacted>"))
            .finish()
    }
}

/// The result of a correct password.
#[derive(Clone, PartialEq, Eq)]
pub enum LoginOutcome {
    /// Signed in.
    SignedIn {
        /// The login's id.
        login_id: String,
        /// A temporary password must be changed before anything else.
        must_change_password: bool,
        /// A new remembered-device token to set as a cookie (after a challenge
        /// passed with "remember this device").
        device_token: Option<String>,
    },
    /// An unrecognised device: a code was sent to the login's email.
    ChallengeRequired {
        /// The login's id.
        login_id: String,
        /// The challenge's id, to pass with the code.
        challenge_id: String,
    },
}

impl std::fmt::Debug for LoginOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoginOutcome::SignedIn {
                login_id,
                must_change_password,
                device_token,
            } => f
                .debug_struct("SignedIn")
                .field("login_id", login_id)
                .field("must_change_password", must_change_password)
                .field("device_token", &device_token.as_ref().map(|_| "<redacted>"))
                .finish(),
            LoginOutcome::ChallengeRequired {
                login_id,
                challenge_id,
            } => f
                .debug_struct("ChallengeRequired")
                .field("login_id", login_id)
                .field("challenge_id", challenge_id)
                .finish(),
        }
    }
}

/// The owned account whose counter throttles a login with it.
fn throttled_account(
    tx: &mut dyn Tx,
    utility: &str,
    login: &str,
) -> Result<Option<AccountRow>, PortalError> {
    let link = tx
        .links_of_login(login)?
        .into_iter()
        .find(|l| l.role == Role::Owner && l.utility == utility);
    match link {
        Some(l) => Ok(tx.account(utility, &l.account)?),
        None => Ok(None),
    }
}

fn refusal(decision: Decision, now: DateTime<Utc>) -> Option<PortalError> {
    match decision {
        Decision::Allowed => None,
        Decision::Delayed { until } => Some(PortalError::Throttled {
            retry_after_seconds: u32::try_from((until - now).num_seconds().max(1))
                .unwrap_or(u32::MAX),
        }),
        Decision::Locked => Some(PortalError::Locked),
    }
}

impl Portal {
    /// Signs a customer in. A wrong password counts a failure on the login
    /// and its account (kept even though the call fails); too many failures
    /// delay further tries and, at the hard cap, lock the login until the
    /// password is reset. From an unrecognised device a one-time code is
    /// sent to the login's email before the login completes.
    pub fn login(
        &self,
        attempt: &LoginAttempt<'_>,
        now: DateTime<Utc>,
    ) -> Result<LoginOutcome, PortalError> {
        let utility = self.utility();
        let policy = &self.profile.spec().login;
        let username = attempt.username.trim().to_lowercase();
        let mut tx = self.store.begin()?;
        let Some(mut login) = tx.login_by_username(utility, &username)? else {
            drop(tx);
            self.audit_refusal(self.event(
                AuditKind::LoginFailed,
                now,
                None,
                None,
                format!("unknown username `{}`", crate::money::excerpt(&username)),
            ))?;
            return Err(PortalError::WrongCredentials);
        };
        let mut account = throttled_account(tx.as_mut(), utility, &login.id)?;
        let mut account_counter = account
            .as_ref()
            .map(|a| a.throttle.clone())
            .unwrap_or_default();
        let decision =
            login::throttle::check_login(&policy.throttle, &login.throttle, &account_counter, now);
        if let Some(err) = refusal(decision, now) {
            tx.append_audit(&self.event(
                AuditKind::LoginFailed,
                now,
                Some(&login.id),
                None,
                format!("refused before the password check: {}", err.code()),
            ))?;
            tx.commit()?;
            return Err(err);
        }
        let verdict = credential::verify(
            &login.credential,
            attempt.password,
            &self.secrets.hash_params,
            self.secrets.pepper.as_ref(),
        )?;
        let Verification::Match { needs_rehash } = verdict else {
            login::throttle::record_login_failure(
                &policy.throttle,
                &mut login.throttle,
                &mut account_counter,
                now,
            );
            self.save_counters(tx.as_mut(), &login, account.as_mut(), account_counter)?;
            tx.append_audit(&self.event(
                AuditKind::LoginFailed,
                now,
                Some(&login.id),
                None,
                format!("wrong password ({} in a row)", login.throttle.failures()),
            ))?;
            tx.commit()?;
            return Err(PortalError::WrongCredentials);
        };
        login::throttle::record_login_success(&mut login.throttle, &mut account_counter);
        if needs_rehash {
            let normalized =
                NormalizedPassword::normalize(attempt.password, login.credential.normalization);
            login.credential = self.hash_password(&normalized)?;
        }
        self.save_counters(tx.as_mut(), &login, account.as_mut(), account_counter)?;
        let record = match attempt.device_token {
            Some(token) => device::lookup_key(&login.id, token, self.key()).and_then(|k| {
                tx.devices(&login.id)
                    .ok()?
                    .into_iter()
                    .find(|d| d.lookup_key() == k)
            }),
            None => None,
        };
        let check = challenge::check_device(
            policy,
            &login.id,
            attempt.device_token,
            record.as_ref(),
            now,
            self.key(),
        );
        if check == DeviceCheck::Recognised {
            tx.append_audit(&self.event(
                AuditKind::LoginSucceeded,
                now,
                Some(&login.id),
                None,
                "remembered device",
            ))?;
            tx.commit()?;
            return Ok(LoginOutcome::SignedIn {
                login_id: login.id,
                must_change_password: login.must_change_password,
                device_token: None,
            });
        }
        let contact = Contact::email(&login.email).map_err(|e| PortalError::Invalid {
            field: "email",
            message: e.to_string(),
        })?;
        let (issued, record) = self.with_rng(|rng| {
            challenge::start_code_challenge(
                &contact,
                &self.profile.spec().verification.codes,
                rng,
                now,
                self.key(),
            )
        })?;
        let challenge_id = self.new_id()?;
        tx.put_code(&CodeRow {
            id: challenge_id.clone(),
            login: login.id.clone(),
            record,
        })?;
        tx.append_audit(&self.event(
            AuditKind::DeviceChallenged,
            now,
            Some(&login.id),
            None,
            "password right; unrecognised device: code sent to the login's email",
        ))?;
        tx.commit()?;
        self.notifier.send(&Notice {
            to: contact,
            subject: "Your sign-in code".into(),
            body: format!(
                "Your sign-in code is {}. If you did not try to sign in, change your password.",
                issued.code()
            ),
        });
        Ok(LoginOutcome::ChallengeRequired {
            login_id: login.id,
            challenge_id,
        })
    }

    fn save_counters(
        &self,
        tx: &mut dyn Tx,
        login: &LoginRow,
        account: Option<&mut AccountRow>,
        counter: FailureCounter,
    ) -> Result<(), PortalError> {
        tx.update_login(login)?;
        if let Some(a) = account {
            a.throttle = counter;
            tx.put_account(a)?;
        }
        Ok(())
    }

    /// Completes a challenged login with the code sent to the email. With
    /// `remember` (a label such as "Firefox on laptop"), the device is
    /// remembered and its token returned. A wrong code counts an attempt.
    pub fn pass_device_challenge(
        &self,
        login_id: &str,
        challenge_id: &str,
        candidate: &str,
        remember: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<LoginOutcome, PortalError> {
        let mut tx = self.store.begin()?;
        let login = self.require_login(tx.as_mut(), login_id)?;
        let mut row = tx
            .code(challenge_id)?
            .filter(|c| c.login == login_id && c.record.purpose() == Purpose::DeviceChallenge)
            .ok_or_else(|| PortalError::not_found("challenge", challenge_id))?;
        let contact = row.record.contact().clone();
        let passed = challenge::pass_code_challenge(
            login_id,
            &mut row.record,
            &contact,
            candidate,
            now,
            self.key(),
        );
        tx.put_code(&row)?;
        let passed = match passed {
            Ok(p) => p,
            Err(e) => {
                tx.append_audit(&self.event(
                    AuditKind::CodeRejected,
                    now,
                    Some(login_id),
                    None,
                    format!("device challenge refused: {}", e.code()),
                ))?;
                tx.commit()?;
                return Err(e.into());
            }
        };
        let device_token = match remember {
            Some(label) => {
                let (issued, record) = self.with_rng(|rng| {
                    device::remember(
                        &passed,
                        label,
                        &self.profile.spec().login,
                        rng,
                        now,
                        self.key(),
                    )
                })?;
                tx.put_device(&record)?;
                tx.append_audit(&self.event(
                    AuditKind::DeviceTrusted,
                    now,
                    Some(login_id),
                    None,
                    format!("device `{}` remembered", record.label()),
                ))?;
                Some(issued.token().to_owned())
            }
            None => None,
        };
        tx.append_audit(&self.event(
            AuditKind::LoginSucceeded,
            now,
            Some(login_id),
            None,
            "device challenge passed",
        ))?;
        tx.commit()?;
        Ok(LoginOutcome::SignedIn {
            login_id: login.id,
            must_change_password: login.must_change_password,
            device_token,
        })
    }

    /// Changes the password after checking the current one; the new one
    /// must pass the policy. Every remembered device is forgotten and the
    /// login's email is told.
    pub fn change_password(
        &self,
        login_id: &str,
        current: &str,
        new: &str,
        now: DateTime<Utc>,
    ) -> Result<(), PortalError> {
        let spec = self.profile.spec();
        let mut tx = self.store.begin()?;
        let mut login = self.require_login(tx.as_mut(), login_id)?;
        self.reauthenticate(&login, current)?;
        let context = PasswordContext {
            username: Some(&login.username),
            email: Some(&login.email),
            utility_name: Some(&spec.name),
            ..Default::default()
        };
        let normalized = spec
            .password
            .check(new, &context, Mfa::Off)
            .map_err(PortalError::Password)?;
        login.credential = self.hash_password(&normalized)?;
        login.must_change_password = false;
        tx.update_login(&login)?;
        let mut devices = tx.devices(login_id)?;
        let forgotten = device::on_password_changed(
            &mut devices,
            &login::PasswordChanged {
                login: login_id.to_owned(),
                at: now,
            },
        );
        for d in &devices {
            tx.put_device(d)?;
        }
        tx.append_audit(&self.event(
            AuditKind::PasswordChanged,
            now,
            Some(login_id),
            None,
            format!("password changed; {forgotten} remembered device(s) forgotten"),
        ))?;
        tx.commit()?;
        self.email(
            &login.email,
            "Your password was changed",
            "Your portal password was changed. If this was not you, contact customer service."
                .into(),
        );
        Ok(())
    }

    /// Checks the login's current password (re-authentication before a
    /// sensitive change); a wrong one is refused without counting.
    pub(super) fn reauthenticate(
        &self,
        login: &LoginRow,
        password: &str,
    ) -> Result<(), PortalError> {
        let verdict = credential::verify(
            &login.credential,
            password,
            &self.secrets.hash_params,
            self.secrets.pepper.as_ref(),
        )?;
        if verdict.is_match() {
            Ok(())
        } else {
            Err(PortalError::WrongCredentials)
        }
    }
}
