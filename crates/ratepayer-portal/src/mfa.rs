//! A login's authenticator app and recovery codes in the portal: enrolling
//! (the password again, then a secret shown once), confirming with the
//! first code (which turns MFA on and makes ten recovery codes, shown
//! once), making a new set of recovery codes (the old set stops working),
//! removing the authenticator, and what a login has.
//!
//! The secret is stored sealed under the portal's digest key and never
//! returned after [`Portal::enrol_totp`]; recovery codes are stored as
//! keyed digests and returned only when made. Nothing secret reaches the
//! audit trail or a notice.

use chrono::{DateTime, Utc};

use super::client::ClientContext;
use super::sessions::Session;
use super::step_up::SecondFactor;
use super::{Portal, PortalError};
use crate::store::{AuditKind, SecurityKind, Tx};
use ratepayer::mfa::{totp, IssuedRecoveryCodes, RecoveryCodes, TotpEnrolment};
use ratepayer::password::{Mfa, PasswordContext};

/// What a login has as second factors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MfaStatus {
    /// An authenticator app is enrolled and confirmed.
    pub totp: bool,
    /// Enrolment was started but not confirmed with a first code.
    pub totp_pending: bool,
    /// Unused recovery codes.
    pub recovery_codes_left: usize,
}

impl Portal {
    fn new_recovery_codes(
        &self,
        tx: &mut dyn Tx,
        login_id: &str,
        now: DateTime<Utc>,
    ) -> Result<IssuedRecoveryCodes, PortalError> {
        let (issued, codes) = self
            .with_rng(|rng| RecoveryCodes::generate(login_id, rng, now, self.key()))
            .map_err(mfa_error)?;
        self.put_login_record(tx, SecurityKind::RecoveryCodes, login_id, &codes, now)?;
        Ok(issued)
    }

    /// Starts enrolling an authenticator app: the password again (counted
    /// like a failed sign-in when wrong), then a new 160-bit secret, whose
    /// [`TotpEnrolment`] (base32 secret and `otpauth://` URI with the
    /// utility as issuer and the username as label) is shown once. MFA is
    /// on only after [`Portal::confirm_totp`]. Refused while an
    /// authenticator is on (remove it first); an unconfirmed one is replaced.
    pub fn enrol_totp(
        &self,
        session: &Session,
        password: &str,
        client: &ClientContext,
        now: DateTime<Utc>,
    ) -> Result<TotpEnrolment, PortalError> {
        let login_id = session.login_id();
        let pre = self.precheck_password(session, Some(password), false, now)?;
        let mut tx = self.store.begin()?;
        let mut login = self.require_session(tx.as_mut(), session, now)?;
        if let Some(err) = self.reauthenticate_counted(
            tx.as_mut(),
            &mut login,
            password,
            pre.as_ref(),
            client,
            "enrol an authenticator",
            now,
        )? {
            tx.commit()?;
            return Err(err);
        }
        if self.mfa_enrolled(tx.as_mut(), login_id)? {
            return Err(PortalError::Forbidden(
                "an authenticator app is already on for this login; remove it first to enrol another".into(),
            ));
        }
        let issuer = self.profile.spec().name.clone();
        let (enrolment, record) = self
            .with_rng(|rng| totp::enrol(login_id, &issuer, &login.username, rng, now, self.key()))
            .map_err(mfa_error)?;
        self.put_login_record(tx.as_mut(), SecurityKind::Totp, login_id, &record, now)?;
        tx.append_audit(&self.event(
            AuditKind::MfaChanged,
            now,
            Some(login_id),
            None,
            format!("authenticator enrolment started{}", client.audit_suffix()),
        ))?;
        tx.commit()?;
        Ok(enrolment)
    }

    /// Confirms the authenticator with the first code it shows: MFA is on
    /// from now, ten recovery codes are made and returned (shown once), and
    /// the login's email is told. A wrong code counts on the login and the
    /// client's address like a wrong password.
    pub fn confirm_totp(
        &self,
        session: &Session,
        code: &str,
        client: &ClientContext,
        now: DateTime<Utc>,
    ) -> Result<IssuedRecoveryCodes, PortalError> {
        let login_id = session.login_id();
        let mut tx = self.store.begin()?;
        let mut login = self.require_session(tx.as_mut(), session, now)?;
        let Some(mut record) = self
            .totp_record(tx.as_mut(), login_id)?
            .filter(|r| !r.is_confirmed())
        else {
            return Err(PortalError::not_found("authenticator enrolment", login_id));
        };
        let policy = self.throttle_policy().clone();
        let bucket = client.bucket();
        let decision = login.throttle.check(&policy, now).and(self.scope_check(
            tx.as_mut(),
            super::guard::Scope::SignInAddress,
            &bucket,
            now,
        )?);
        if let Some(err) = super::guard::refusal(decision, now) {
            return Err(err);
        }
        if let Err(e) = record.confirm(login_id, code, now, self.key()) {
            login.throttle.record_failure(&policy, now);
            self.scope_failure(
                tx.as_mut(),
                super::guard::Scope::SignInAddress,
                &bucket,
                now,
            )?;
            tx.update_login(&login)?;
            tx.append_audit(&self.event(
                AuditKind::SecondFactorFailed,
                now,
                Some(login_id),
                None,
                format!(
                    "authenticator confirmation refused: {}{}",
                    e.code(),
                    client.audit_suffix()
                ),
            ))?;
            tx.commit()?;
            return Err(PortalError::Invalid {
                field: "code",
                message: "is not the code your authenticator app shows now; check that the app \
                          and the phone's clock are right, then type the current code"
                    .into(),
            });
        }
        self.put_login_record(tx.as_mut(), SecurityKind::Totp, login_id, &record, now)?;
        let issued = self.new_recovery_codes(tx.as_mut(), login_id, now)?;
        tx.append_audit(&self.event(
            AuditKind::MfaChanged,
            now,
            Some(login_id),
            None,
            format!(
                "authenticator confirmed; MFA on; new recovery codes{}",
                client.audit_suffix()
            ),
        ))?;
        tx.commit()?;
        self.email(
            &login.email,
            "An authenticator app was added to your login",
            "An authenticator app now protects your portal login: you will be asked for its code when you sign in. If this was not you, contact customer service.".into(),
        );
        Ok(issued)
    }

    /// Makes a new set of ten recovery codes (returned, shown once); the
    /// old set stops working. Needs a fresh second factor (an authenticator
    /// code, or one of the old recovery codes), checked like a step-up.
    pub fn regenerate_recovery_codes(
        &self,
        session: &Session,
        factor: &SecondFactor,
        client: &ClientContext,
        now: DateTime<Utc>,
    ) -> Result<IssuedRecoveryCodes, PortalError> {
        let login_id = session.login_id();
        let mut tx = self.store.begin()?;
        let mut login = self.require_session(tx.as_mut(), session, now)?;
        if !self.mfa_enrolled(tx.as_mut(), login_id)? {
            return Err(PortalError::Forbidden(
                "recovery codes go with an authenticator app; enrol one first".into(),
            ));
        }
        if let Some(err) = self.step_up_counted(
            tx.as_mut(),
            &mut login,
            Some(factor),
            Some(client),
            "new recovery codes",
            now,
        )? {
            tx.commit()?;
            return Err(err);
        }
        let issued = self.new_recovery_codes(tx.as_mut(), login_id, now)?;
        tx.append_audit(&self.event(
            AuditKind::MfaChanged,
            now,
            Some(login_id),
            None,
            format!(
                "new recovery codes; the old set is void{}",
                client.audit_suffix()
            ),
        ))?;
        tx.commit()?;
        self.email(
            &login.email,
            "New recovery codes were made",
            "New recovery codes were made for your portal login; the old ones no longer work. If this was not you, contact customer service.".into(),
        );
        Ok(issued)
    }

    /// Removes the authenticator app and the recovery codes: the password
    /// and a fresh second factor, both counted when wrong. Refused (nothing
    /// changed) when the password would then be too short for a
    /// single-factor login (the NIST preset's 15 characters): change the
    /// password first. The login's email is told.
    pub fn disable_totp(
        &self,
        session: &Session,
        password: &str,
        factor: &SecondFactor,
        client: &ClientContext,
        now: DateTime<Utc>,
    ) -> Result<(), PortalError> {
        let login_id = session.login_id();
        let pre = self.precheck_password(session, Some(password), false, now)?;
        let mut tx = self.store.begin()?;
        let mut login = self.require_session(tx.as_mut(), session, now)?;
        if !self.mfa_enrolled(tx.as_mut(), login_id)? {
            return Err(PortalError::not_found("authenticator", login_id));
        }
        let what = "remove the authenticator";
        if let Some(err) = self.reauthenticate_counted(
            tx.as_mut(),
            &mut login,
            password,
            pre.as_ref(),
            client,
            what,
            now,
        )? {
            tx.commit()?;
            return Err(err);
        }
        if let Some(err) = self.step_up_counted(
            tx.as_mut(),
            &mut login,
            Some(factor),
            Some(client),
            what,
            now,
        )? {
            tx.commit()?;
            return Err(err);
        }
        let spec = self.profile.spec();
        let context = PasswordContext {
            username: Some(&login.username),
            email: Some(&login.email),
            utility_name: Some(&spec.name),
            ..Default::default()
        };
        if let Err(failures) = spec.password.check(password, &context, Mfa::Off) {
            // The checks above spent the code: keep that, change nothing else.
            tx.commit()?;
            return Err(PortalError::Password(failures));
        }
        for kind in [SecurityKind::Totp, SecurityKind::RecoveryCodes] {
            tx.delete_security_record(self.utility(), kind, login_id)?;
        }
        tx.append_audit(&self.event(
            AuditKind::MfaChanged,
            now,
            Some(login_id),
            None,
            format!(
                "authenticator and recovery codes removed; MFA off{}",
                client.audit_suffix()
            ),
        ))?;
        tx.commit()?;
        self.email(
            &login.email,
            "The authenticator app was removed from your login",
            "Your portal login no longer asks for an authenticator code. If this was not you, change your password and contact customer service.".into(),
        );
        Ok(())
    }

    /// What second factors the login has.
    pub fn mfa_status(&self, session: &Session) -> Result<MfaStatus, PortalError> {
        let now = session.at();
        let login_id = session.login_id();
        self.read(|tx| {
            self.require_session(tx, session, now)?;
            let record = self.totp_record(tx, login_id)?;
            let left = tx
                .security_record(self.utility(), SecurityKind::RecoveryCodes, login_id)?
                .and_then(|r| serde_json::from_value::<RecoveryCodes>(r.data).ok())
                .map_or(0, |c| c.unused());
            Ok(MfaStatus {
                totp: record.as_ref().is_some_and(|r| r.is_confirmed()),
                totp_pending: record.as_ref().is_some_and(|r| !r.is_confirmed()),
                recovery_codes_left: left,
            })
        })
    }
}

/// The portal's view of an enrolment failure (only the random source or
/// the key can fail there).
fn mfa_error(e: ratepayer::mfa::MfaError) -> PortalError {
    match e {
        ratepayer::mfa::MfaError::Random(r) => PortalError::Random(r),
        other => PortalError::Config(format!("the authenticator could not be set up: {other}")),
    }
}
