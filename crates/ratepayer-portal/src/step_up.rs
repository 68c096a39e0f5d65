//! Second factors in portal calls: the [`SecondFactor`] a customer types
//! (an authenticator code or a recovery code), checking it against the
//! login's stored records, and step-up: before linking an account,
//! changing a contact or enrolling in AutoPay, a login with an
//! authenticator must present a fresh code in the same call.
//!
//! Without an authenticator enrolled nothing changes: the call's own
//! checks (the password, where it asks for one) stay. With one, a missing
//! code is refused with [`PortalError::StepUpRequired`] after the call's
//! own checks pass, so the refusal says nothing an attacker without the
//! password could learn; a wrong, replayed or used code gives the same
//! [`PortalError::WrongCredentials`] as a wrong password, counted on the
//! login, the client's address and the login's second-factor counter, and
//! audited.

use chrono::{DateTime, Utc};

use super::client::ClientContext;
use super::guard::{refusal, Scope};
use super::sessions::Session;
use super::{Portal, PortalError};
use crate::store::{AuditKind, LoginRow, SecurityKind, SecurityRow, Tx};
use ratepayer::mfa::{MfaError, RecoveryCodes, TotpRecord};
use ratepayer::verification::REDACTED;

/// A second factor as the customer typed it: the answer to
/// [`LoginOutcome::SecondFactorRequired`](super::LoginOutcome::SecondFactorRequired)
/// and the step-up proof of sensitive changes. `Debug` redacts the code.
#[derive(Clone, PartialEq, Eq)]
pub enum SecondFactor {
    /// The 6-digit code the authenticator app shows now.
    Totp(String),
    /// One of the login's unused recovery codes (`xxxxx-xxxxx`).
    RecoveryCode(String),
}

impl std::fmt::Debug for SecondFactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SecondFactor::Totp(_) => write!(f, "Totp({REDACTED})"),
            SecondFactor::RecoveryCode(_) => write!(f, "RecoveryCode({REDACTED})"),
        }
    }
}

/// Which factor passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum FactorUsed {
    /// An authenticator code.
    Totp,
    /// A recovery code; this many are left.
    RecoveryCode { left: usize },
}

impl FactorUsed {
    /// For the audit trail.
    pub(super) fn describe(self) -> String {
        match self {
            FactorUsed::Totp => "authenticator code".into(),
            FactorUsed::RecoveryCode { left } => {
                format!("recovery code ({left} left)")
            }
        }
    }
}

impl Portal {
    /// The login's authenticator record, confirmed or not.
    pub(super) fn totp_record(
        &self,
        tx: &mut dyn Tx,
        login_id: &str,
    ) -> Result<Option<TotpRecord>, PortalError> {
        let row = tx.security_record(self.utility(), SecurityKind::Totp, login_id)?;
        Ok(row.and_then(|r| serde_json::from_value(r.data).ok()))
    }

    /// Whether the login has a confirmed authenticator (MFA on).
    pub(super) fn mfa_enrolled(
        &self,
        tx: &mut dyn Tx,
        login_id: &str,
    ) -> Result<bool, PortalError> {
        Ok(self
            .totp_record(tx, login_id)?
            .is_some_and(|r| r.is_confirmed()))
    }

    /// Stores a serde record as the login's security row of `kind`.
    pub(super) fn put_login_record<T: serde::Serialize>(
        &self,
        tx: &mut dyn Tx,
        kind: SecurityKind,
        login_id: &str,
        record: &T,
        now: DateTime<Utc>,
    ) -> Result<(), PortalError> {
        let data = serde_json::to_value(record).map_err(|e| {
            PortalError::Config(format!(
                "a {} record could not be written: {e}",
                kind.as_str()
            ))
        })?;
        tx.put_security_record(&SecurityRow {
            utility: self.utility().to_owned(),
            kind,
            key: login_id.to_owned(),
            login: Some(login_id.to_owned()),
            updated_at: now,
            data,
        })?;
        Ok(())
    }

    /// Checks `factor` against the login's confirmed authenticator or its
    /// recovery codes, storing the record it changed (the step used, the
    /// code spent) on success. The inner error is for the audit trail only.
    pub(super) fn check_factor(
        &self,
        tx: &mut dyn Tx,
        login_id: &str,
        factor: &SecondFactor,
        now: DateTime<Utc>,
    ) -> Result<Result<FactorUsed, MfaError>, PortalError> {
        match factor {
            SecondFactor::Totp(code) => {
                let Some(mut record) = self
                    .totp_record(tx, login_id)?
                    .filter(TotpRecord::is_confirmed)
                else {
                    return Ok(Err(MfaError::WrongCode));
                };
                if let Err(e) = record.verify(login_id, code, now, self.key()) {
                    return Ok(Err(e));
                }
                self.put_login_record(tx, SecurityKind::Totp, login_id, &record, now)?;
                Ok(Ok(FactorUsed::Totp))
            }
            SecondFactor::RecoveryCode(code) => {
                let row =
                    tx.security_record(self.utility(), SecurityKind::RecoveryCodes, login_id)?;
                let Some(mut codes) =
                    row.and_then(|r| serde_json::from_value::<RecoveryCodes>(r.data).ok())
                else {
                    return Ok(Err(MfaError::WrongRecoveryCode));
                };
                let left = match codes.redeem(login_id, code, now, self.key()) {
                    Ok(left) => left,
                    Err(e) => return Ok(Err(e)),
                };
                self.put_login_record(tx, SecurityKind::RecoveryCodes, login_id, &codes, now)?;
                Ok(Ok(FactorUsed::RecoveryCode { left }))
            }
        }
    }

    /// Step-up before a sensitive change (`what`, for the audit trail):
    /// nothing when the login has no authenticator; otherwise `step_up`
    /// must be a fresh authenticator or recovery code. A refusal is
    /// returned after its counts and audit event are written on `tx`: the
    /// caller commits `tx` and returns it. A missing code is refused
    /// without a check; a check is refused while the login or the client's
    /// address is throttled; a wrong code counts on both.
    pub(super) fn step_up_counted(
        &self,
        tx: &mut dyn Tx,
        login: &mut LoginRow,
        step_up: Option<&SecondFactor>,
        client: Option<&ClientContext>,
        what: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<PortalError>, PortalError> {
        if !self.mfa_enrolled(tx, &login.id)? {
            return Ok(None);
        }
        let suffix = client.map(ClientContext::audit_suffix).unwrap_or_default();
        let (Some(factor), Some(client)) = (step_up, client) else {
            tx.append_audit(&self.event(
                AuditKind::SecondFactorFailed,
                now,
                Some(&login.id),
                None,
                format!("{what}: no step-up code given{suffix}"),
            ))?;
            return Ok(Some(PortalError::StepUpRequired));
        };
        let policy = self.throttle_policy().clone();
        let bucket = client.bucket();
        let decision = login
            .throttle
            .check(&policy, now)
            .and(self.scope_check(tx, Scope::SignInAddress, &bucket, now)?)
            .and(self.scope_check(tx, Scope::SecondFactor, &login.id, now)?);
        if let Some(err) = refusal(decision, now) {
            tx.append_audit(&self.event(
                AuditKind::SecondFactorFailed,
                now,
                Some(&login.id),
                None,
                format!(
                    "{what}: step-up refused before the check: {}{suffix}",
                    err.code()
                ),
            ))?;
            return Ok(Some(err));
        }
        match self.check_factor(tx, &login.id, factor, now)? {
            Ok(used) => {
                self.save_counter(
                    tx,
                    Scope::SecondFactor,
                    &login.id,
                    &ratepayer::login::FailureCounter::default(),
                    now,
                )?;
                if let FactorUsed::RecoveryCode { .. } = used {
                    tx.append_audit(&self.event(
                        AuditKind::RecoveryCodeUsed,
                        now,
                        Some(&login.id),
                        None,
                        format!("{what}: step-up with a {}{suffix}", used.describe()),
                    ))?;
                }
                Ok(None)
            }
            Err(e) => {
                login.throttle.record_failure(&policy, now);
                self.scope_failure(tx, Scope::SignInAddress, &bucket, now)?;
                self.scope_failure(tx, Scope::SecondFactor, &login.id, now)?;
                tx.update_login(login)?;
                tx.append_audit(&self.event(
                    AuditKind::SecondFactorFailed,
                    now,
                    Some(&login.id),
                    None,
                    format!(
                        "{what}: step-up refused: {} ({} in a row){suffix}",
                        e.code(),
                        login.throttle.failures()
                    ),
                ))?;
                Ok(Some(PortalError::WrongCredentials))
            }
        }
    }

    /// Runs `f` in one transaction after the login's step-up passed (see
    /// [`Portal::step_up_counted`]); a refused step-up is committed (its
    /// counts and audit) and returned without running `f`.
    pub(super) fn transact_stepped<R>(
        &self,
        session: &Session,
        step_up: Option<&SecondFactor>,
        client: Option<&ClientContext>,
        what: &str,
        now: DateTime<Utc>,
        f: impl FnOnce(&mut dyn Tx) -> Result<R, PortalError>,
    ) -> Result<R, PortalError> {
        let mut tx = self.store.begin()?;
        let mut login = self.require_session(tx.as_mut(), session, now)?;
        if let Some(err) =
            self.step_up_counted(tx.as_mut(), &mut login, step_up, client, what, now)?
        {
            tx.commit()?;
            return Err(err);
        }
        let out = f(tx.as_mut())?;
        tx.commit()?;
        Ok(out)
    }
}
