//! Sign-ins waiting for a second step after a right password: an
//! authenticator or recovery code ([`Portal::pass_second_factor`]) or, in
//! the legacy preset, the answer to the security question
//! ([`Portal::answer_security_question`](super::Portal::answer_security_question)).
//!
//! Each is a [`SecurityRow`](crate::store::SecurityRow) of kind
//! `sign_in_challenge` keyed by the keyed digest of its random id (the id
//! itself is only in the answer to `login`), good for ten minutes and five
//! wrong answers. Every refusal is the same [`PortalError::WrongCredentials`]
//! (an unknown, expired or foreign challenge too), counted on the client's
//! address, on the login's second-factor counter (which a right password
//! does not clear, so signing in again buys no more guesses: it delays,
//! then locks after the profile's `lock_after_failures`) and, unless the
//! password was typed on a remembered device, on the login and its account
//! like a wrong password.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::client::ClientContext;
use super::guard::{refusal, Scope};
use super::session::LoginOutcome;
use super::step_up::SecondFactor;
use super::{Portal, PortalError};
use crate::store::{AuditKind, LoginRow, SecurityKind, SecurityRow, Tx};
use ratepayer::login::{self, ChallengePassed, FailureCounter};
use ratepayer::security::{hex, keyed_digest};

/// Minutes a waiting sign-in stays open.
const PENDING_MINUTES: i64 = 10;
/// Wrong answers a waiting sign-in takes before it is closed.
const PENDING_MAX_FAILURES: u32 = 5;

/// What a waiting sign-in asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum Step {
    /// An authenticator or recovery code.
    SecondFactor,
    /// The answer to the security question (legacy preset).
    SecurityQuestion,
}

/// A waiting sign-in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Pending {
    login: String,
    step: Step,
    expires_at: DateTime<Utc>,
    /// The password was typed on a remembered device (whose counters the
    /// sign-in passed): failures then count on the address only.
    remembered: bool,
    failures: u32,
}

/// What the check of an answer found: the factor's description for the
/// audit trail, or the reason it was refused.
pub(super) type Checked = Result<String, String>;

impl Portal {
    fn pending_key(&self, challenge_id: &str) -> String {
        let mut message = b"sign_in_challenge\0".to_vec();
        message.extend_from_slice(challenge_id.as_bytes());
        hex(&keyed_digest(self.key(), &message))
    }

    /// Opens a waiting sign-in for `login`; returns its id.
    pub(super) fn start_pending(
        &self,
        tx: &mut dyn Tx,
        login: &str,
        step: Step,
        remembered: bool,
        now: DateTime<Utc>,
    ) -> Result<String, PortalError> {
        let id = self.new_id()?;
        let pending = Pending {
            login: login.to_owned(),
            step,
            expires_at: now + Duration::minutes(PENDING_MINUTES),
            remembered,
            failures: 0,
        };
        let data = serde_json::to_value(&pending).map_err(|e| {
            PortalError::Config(format!("a waiting sign-in could not be written: {e}"))
        })?;
        tx.put_security_record(&SecurityRow {
            utility: self.utility().to_owned(),
            kind: SecurityKind::SignInChallenge,
            key: self.pending_key(&id),
            login: Some(login.to_owned()),
            updated_at: now,
            data,
        })?;
        Ok(id)
    }

    /// Completes a waiting sign-in of `step` with `check` (which checks the
    /// answer against the login's records and stores what it changed).
    /// With `remember`, the device is remembered and its token returned.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn complete_pending(
        &self,
        login_id: &str,
        challenge_id: &str,
        step: Step,
        remember: Option<&str>,
        client: &ClientContext,
        now: DateTime<Utc>,
        check: impl FnOnce(&mut dyn Tx, &LoginRow) -> Result<Checked, PortalError>,
    ) -> Result<LoginOutcome, PortalError> {
        let policy = &self.profile.spec().login;
        let bucket = client.bucket();
        let suffix = client.audit_suffix();
        let key = self.pending_key(challenge_id);
        let mut tx = self.store.begin()?;
        let address = self.scope_check(tx.as_mut(), Scope::SignInAddress, &bucket, now)?;
        let login = tx.login(login_id)?.filter(|l| l.utility == self.utility());
        let pending = tx
            .security_record(self.utility(), SecurityKind::SignInChallenge, &key)?
            .and_then(|r| serde_json::from_value::<Pending>(r.data).ok())
            .filter(|p| p.login == login_id && p.step == step && p.expires_at > now);
        let (Some(mut login), Some(mut pending)) = (login, pending) else {
            if let Some(err) = refusal(address, now) {
                tx.commit()?;
                return Err(err);
            }
            self.scope_failure(tx.as_mut(), Scope::SignInAddress, &bucket, now)?;
            tx.append_audit(&self.event(
                AuditKind::SecondFactorFailed,
                now,
                None,
                None,
                format!("unknown or expired sign-in challenge{suffix}"),
            ))?;
            tx.commit()?;
            return Err(PortalError::WrongCredentials);
        };
        let mut account = super::session::throttled_account(tx.as_mut(), self.utility(), login_id)?;
        let mut account_counter = account
            .as_ref()
            .map(|a| a.throttle.clone())
            .unwrap_or_default();
        let factor = self.scope_check(tx.as_mut(), Scope::SecondFactor, login_id, now)?;
        let decision = if pending.remembered {
            address.and(factor)
        } else {
            address.and(factor).and(login::throttle::check_login(
                &policy.throttle,
                &login.throttle,
                &account_counter,
                now,
            ))
        };
        if let Some(err) = refusal(decision, now) {
            tx.append_audit(&self.event(
                AuditKind::SecondFactorFailed,
                now,
                Some(login_id),
                None,
                format!("refused before the check: {}{suffix}", err.code()),
            ))?;
            tx.commit()?;
            return Err(err);
        }
        let used = match check(tx.as_mut(), &login)? {
            Ok(used) => used,
            Err(reason) => {
                if !pending.remembered {
                    login::throttle::record_login_failure(
                        &policy.throttle,
                        &mut login.throttle,
                        &mut account_counter,
                        now,
                    );
                }
                self.scope_failure(tx.as_mut(), Scope::SignInAddress, &bucket, now)?;
                self.scope_failure(tx.as_mut(), Scope::SecondFactor, login_id, now)?;
                self.save_counters(tx.as_mut(), &login, account.as_mut(), account_counter)?;
                pending.failures += 1;
                if pending.failures >= PENDING_MAX_FAILURES {
                    tx.delete_security_record(self.utility(), SecurityKind::SignInChallenge, &key)?;
                } else {
                    self.put_pending(tx.as_mut(), &key, &pending, now)?;
                }
                tx.append_audit(&self.event(
                    AuditKind::SecondFactorFailed,
                    now,
                    Some(login_id),
                    None,
                    format!(
                        "sign-in {step:?} refused: {reason} ({} in a row){suffix}",
                        login.throttle.failures()
                    ),
                ))?;
                tx.commit()?;
                return Err(PortalError::WrongCredentials);
            }
        };
        tx.delete_security_record(self.utility(), SecurityKind::SignInChallenge, &key)?;
        self.save_counter(
            tx.as_mut(),
            Scope::SecondFactor,
            login_id,
            &FailureCounter::default(),
            now,
        )?;
        login::throttle::record_login_success(&mut login.throttle, &mut account_counter);
        self.save_counters(tx.as_mut(), &login, account.as_mut(), account_counter)?;
        let device_token = match remember {
            Some(label) => {
                let passed = ChallengePassed::second_factor(login_id, now);
                Some(self.remember_device(tx.as_mut(), &passed, label, now)?)
            }
            None => None,
        };
        tx.append_audit(&self.event(
            AuditKind::LoginSucceeded,
            now,
            Some(login_id),
            None,
            format!("second step passed: {used}{suffix}"),
        ))?;
        let session = self.start_session(tx.as_mut(), login_id, &client.session_label(), now)?;
        tx.commit()?;
        Ok(LoginOutcome::SignedIn {
            session,
            login_id: login.id,
            must_change_password: login.must_change_password,
            device_token,
        })
    }

    fn put_pending(
        &self,
        tx: &mut dyn Tx,
        key: &str,
        pending: &Pending,
        now: DateTime<Utc>,
    ) -> Result<(), PortalError> {
        let data = serde_json::to_value(pending).map_err(|e| {
            PortalError::Config(format!("a waiting sign-in could not be written: {e}"))
        })?;
        tx.put_security_record(&SecurityRow {
            utility: self.utility().to_owned(),
            kind: SecurityKind::SignInChallenge,
            key: key.to_owned(),
            login: Some(pending.login.clone()),
            updated_at: now,
            data,
        })?;
        Ok(())
    }

    /// Completes a sign-in that returned
    /// [`LoginOutcome::SecondFactorRequired`] with the authenticator's
    /// current code or a recovery code (a recovery code used is audited and
    /// the login's email told). With `remember` (a label such as "Firefox
    /// on laptop") the device is remembered; whether a remembered device
    /// later skips this step is the profile's
    /// [`remembered_device_skips_mfa`](ratepayer::login::LoginPolicy::remembered_device_skips_mfa).
    /// Every refusal is [`PortalError::WrongCredentials`], counted like a
    /// wrong password; after five the sign-in must start again.
    pub fn pass_second_factor(
        &self,
        login_id: &str,
        challenge_id: &str,
        factor: &SecondFactor,
        remember: Option<&str>,
        client: &ClientContext,
        now: DateTime<Utc>,
    ) -> Result<LoginOutcome, PortalError> {
        let mut notice: Option<(String, usize)> = None;
        let outcome = self.complete_pending(
            login_id,
            challenge_id,
            Step::SecondFactor,
            remember,
            client,
            now,
            |tx, login| {
                Ok(match self.check_factor(tx, &login.id, factor, now)? {
                    Ok(used) => {
                        if let super::step_up::FactorUsed::RecoveryCode { left } = used {
                            tx.append_audit(&self.event(
                                AuditKind::RecoveryCodeUsed,
                                now,
                                Some(&login.id),
                                None,
                                format!("recovery code used to sign in; {left} left"),
                            ))?;
                            notice = Some((login.email.clone(), left));
                        }
                        Ok(used.describe())
                    }
                    Err(e) => Err(e.code().to_owned()),
                })
            },
        )?;
        if let Some((email, left)) = notice {
            self.email(
                &email,
                "A recovery code was used to sign in",
                format!(
                    "One of your recovery codes was used to sign in; {left} are left. If this was not you, change your password and make new recovery codes."
                ),
            );
        }
        Ok(outcome)
    }
}
