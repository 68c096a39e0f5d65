//! Forgot password: a single-use reset token (256 bits, stored as a keyed
//! digest) emailed to the login's verified email, then a new password the
//! policy accepts, which lifts every lock, forgets every remembered device
//! and tells the email. Asking gives the same answer, after the same work,
//! whether or not the username exists, and is throttled per client address.

use chrono::{DateTime, Utc};

use super::client::ClientContext;
use super::guard::{refusal, Scope};
use super::session::PreparedPassword;
use super::{Portal, PortalError};
use crate::store::{AuditKind, LoginRow, Role, SecurityKind, SecurityRow, Tx};
use ratepayer::login::{device, RevokeReason};
use ratepayer::verification::token::{self, TokenPurpose, TokenRecord};
use ratepayer::verification::ContactKind;

fn bad_token(message: impl Into<String>) -> PortalError {
    PortalError::Invalid {
        field: "reset_token",
        message: message.into(),
    }
}

impl Portal {
    /// Asks for a password reset for `username`. Always `Ok` (unless the
    /// client's address is throttled): when the username has a verified
    /// email, a reset link with a single-use token goes to it after the
    /// commit, from a background thread (see [`Portal::flush_messages`]);
    /// otherwise nothing is sent, after the same work. Every request
    /// counts on the client's address, so it cannot be used to flood
    /// mailboxes or probe usernames quickly.
    pub fn request_password_reset(
        &self,
        username: &str,
        client: &ClientContext,
        now: DateTime<Utc>,
    ) -> Result<(), PortalError> {
        let mut tx = self.store.begin()?;
        let (login, verified_email) = self.recovery_login(tx.as_mut(), username, client, now)?;
        let policy = &self.profile.spec().verification.tokens;
        let owner = login.as_ref().map_or("-", |l| l.id.as_str());
        // Issued whether or not it is stored: the same work either way.
        let (issued, record) = self
            .with_rng(|rng| {
                token::issue(
                    TokenPurpose::PasswordReset,
                    owner,
                    policy,
                    rng,
                    now,
                    self.key(),
                )
            })
            .map_err(|e| bad_token(e.to_string()))?;
        let send_to = match (&login, verified_email) {
            (Some(l), true) => {
                let data = serde_json::to_value(&record).map_err(|e| {
                    PortalError::Config(format!("a reset token could not be written: {e}"))
                })?;
                tx.put_security_record(&SecurityRow {
                    utility: self.utility().to_owned(),
                    kind: SecurityKind::ResetToken,
                    key: record.lookup_key().to_owned(),
                    login: Some(l.id.clone()),
                    updated_at: now,
                    data,
                })?;
                Some(l.email.clone())
            }
            _ => None,
        };
        tx.append_audit(&self.event(
            AuditKind::PasswordResetRequested,
            now,
            login.as_ref().map(|l| l.id.as_str()),
            None,
            format!(
                "{}{}",
                if send_to.is_some() {
                    "reset link sent to the verified email"
                } else {
                    "no reset link sent (unknown username or no verified email)"
                },
                client.audit_suffix()
            ),
        ))?;
        tx.commit()?;
        let notices = send_to.and_then(|email| {
            self.email_notice(
                &email,
                "Reset your password",
                format!(
                    "Someone asked to reset your portal password. To choose a new one, use this \
                     code within {} minutes: {}\nIf it was not you, ignore this message.",
                    policy.lifetime_minutes(TokenPurpose::PasswordReset),
                    issued.token()
                ),
            )
        });
        self.send_detached(notices.into_iter().collect());
        Ok(())
    }

    /// Sets a new password with a reset token: the token is used up, the
    /// password must pass the policy (a refused password leaves the token
    /// usable), every lock and delay on the login and its account is
    /// lifted, every remembered device forgotten, every other reset token
    /// voided, and the login's email told. Returns the login's id.
    pub fn reset_password(
        &self,
        reset_token: &str,
        new_password: &str,
        client: &ClientContext,
        now: DateTime<Utc>,
    ) -> Result<String, PortalError> {
        let bucket = client.bucket();
        let prepared = self.prepare_reset(reset_token, new_password, now)?;
        let mut tx = self.store.begin()?;
        let decision = self.scope_check(tx.as_mut(), Scope::SignInAddress, &bucket, now)?;
        if let Some(err) = refusal(decision, now) {
            return Err(err);
        }
        let key = token::lookup_key(TokenPurpose::PasswordReset, reset_token, self.key());
        let row = match &key {
            Some(k) => tx.security_record(self.utility(), SecurityKind::ResetToken, k)?,
            None => None,
        };
        let mut record: Option<TokenRecord> = row.and_then(|r| serde_json::from_value(r.data).ok());
        let verified = record
            .as_mut()
            .map(|r| token::verify(r, TokenPurpose::PasswordReset, reset_token, now, self.key()));
        let login_id = match verified {
            Some(Ok(v)) => v.login,
            other => {
                let reason = match other {
                    Some(Err(e)) => e.to_string(),
                    _ => "this reset link is not valid; ask for a new one".to_owned(),
                };
                self.scope_failure(tx.as_mut(), Scope::SignInAddress, &bucket, now)?;
                tx.append_audit(&self.event(
                    AuditKind::PasswordResetRequested,
                    now,
                    None,
                    None,
                    format!("reset refused: {reason}{}", client.audit_suffix()),
                ))?;
                tx.commit()?;
                return Err(bad_token(reason));
            }
        };
        let mut login = self.require_login_any_state(tx.as_mut(), &login_id)?;
        let mfa = self.mfa_of(tx.as_mut(), &login.id)?;
        login.credential = self.new_credential(prepared, &login, mfa, new_password)?;
        login.must_change_password = false;
        login.throttle.record_recovery();
        self.void_temporary_password(tx.as_mut(), &login.id)?;
        tx.update_login(&login)?;
        self.save_counter(
            tx.as_mut(),
            Scope::SecondFactor,
            &login.id,
            &ratepayer::login::FailureCounter::default(),
            now,
        )?;
        for link in tx.links_of_login(&login.id)? {
            if link.role == Role::Owner && link.utility == self.utility() {
                if let Some(mut account) = tx.account(self.utility(), &link.account)? {
                    account.throttle.record_recovery();
                    tx.put_account(&account)?;
                }
            }
        }
        let mut devices = tx.devices(&login.id)?;
        let forgotten =
            device::revoke_all(&mut devices, &login.id, RevokeReason::PasswordChanged, now);
        for d in &devices {
            tx.put_device(d)?;
        }
        self.end_sessions(tx.as_mut(), &login.id, None, "the password was reset", now)?;
        for other in
            tx.security_records_of_login(self.utility(), SecurityKind::ResetToken, &login.id)?
        {
            tx.delete_security_record(self.utility(), SecurityKind::ResetToken, &other.key)?;
        }
        tx.append_audit(&self.event(
            AuditKind::PasswordChanged,
            now,
            Some(&login.id),
            None,
            format!(
                "password reset with an emailed token; locks lifted; {forgotten} remembered device(s) forgotten{}",
                client.audit_suffix()
            ),
        ))?;
        tx.commit()?;
        self.email(
            &login.email,
            "Your password was reset",
            "Your portal password was reset: you were signed out everywhere and every remembered device was forgotten. If this was not you, contact customer service.".into(),
        );
        Ok(login.id)
    }
}

impl Portal {
    /// The opening both anonymous recovery requests by username share: the
    /// client's address is checked (a throttled one is refused before any
    /// lookup) and counted, then the login of the typed `username` (trimmed,
    /// lower-cased) is looked up, with whether its email is verified.
    pub(super) fn recovery_login(
        &self,
        tx: &mut dyn Tx,
        username: &str,
        client: &ClientContext,
        now: DateTime<Utc>,
    ) -> Result<(Option<LoginRow>, bool), PortalError> {
        let bucket = client.bucket();
        let decision = self.scope_check(tx, Scope::SignInAddress, &bucket, now)?;
        if let Some(err) = refusal(decision, now) {
            return Err(err);
        }
        self.scope_failure(tx, Scope::SignInAddress, &bucket, now)?;
        let login = tx.login_by_username(self.utility(), &username.trim().to_lowercase())?;
        let verified = match &login {
            Some(l) => self.email_verified(tx, l)?,
            None => false,
        };
        Ok((login, verified))
    }

    /// Whether the login's email is one of its verified contacts (where
    /// recovery messages may go).
    pub(super) fn email_verified(
        &self,
        tx: &mut dyn Tx,
        login: &LoginRow,
    ) -> Result<bool, PortalError> {
        Ok(tx.contacts(&login.id)?.into_iter().any(|c| {
            c.verified_at.is_some()
                && c.contact.kind() == ContactKind::Email
                && c.contact.as_str().eq_ignore_ascii_case(&login.email)
        }))
    }
}

impl Portal {
    /// The new password of a reset, checked and hashed before the reset's
    /// write transaction, for the login a read transaction shows the token
    /// to belong to (the token checked on a copy: nothing is used up or
    /// counted here). `None` when the token does not check out: the
    /// transaction then refuses it, with no hashing, as before.
    fn prepare_reset(
        &self,
        reset_token: &str,
        new_password: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<PreparedPassword>, PortalError> {
        let Some(key) = token::lookup_key(TokenPurpose::PasswordReset, reset_token, self.key())
        else {
            return Ok(None);
        };
        let (login, mfa) = {
            let mut tx = self.store.begin_read()?;
            let record: Option<TokenRecord> = tx
                .security_record(self.utility(), SecurityKind::ResetToken, &key)?
                .and_then(|r| serde_json::from_value(r.data).ok());
            let Some(mut record) = record else {
                return Ok(None);
            };
            let Ok(verified) = token::verify(
                &mut record,
                TokenPurpose::PasswordReset,
                reset_token,
                now,
                self.key(),
            ) else {
                return Ok(None);
            };
            let Ok(login) = self.require_login_any_state(tx.as_mut(), &verified.login) else {
                return Ok(None);
            };
            let mfa = self.mfa_of(tx.as_mut(), &login.id)?;
            (login, mfa)
        };
        Ok(Some(self.prepare_password(login, mfa, new_password)))
    }
}
