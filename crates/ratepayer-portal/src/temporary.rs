//! Recovery by an emailed temporary password (Crow Wing's legacy flow, seed
//! 003): asking for one, signing in with it into the "must change password"
//! state, and finishing the change. The password itself, its digest, its
//! expiry and its single use are [`ratepayer::verification::temp_password`]'s;
//! this module stores it (one per login, [`SecurityKind::TemporaryPassword`])
//! and wires it into sign-in.
//!
//! - The request gives the same answer, after the same work, whether or not
//!   the username exists or has a verified email; it counts on the client's
//!   address and is audited.
//! - While a temporary password is pending, the login's own password keeps
//!   working: nobody can lock a customer out by asking for one. A newer
//!   request voids the older one.
//! - Pending, it is kept as a keyed digest (it is random, above 90 bits, so
//!   a slow hash would protect nothing and would make every failed sign-in
//!   twice as slow); once used it becomes the login's Argon2id credential
//!   until the customer chooses a password of their own.
//! - Used once (even when locked out by failed sign-ins: it is the recovery
//!   path), it lifts every lock as a reset does, forgets every remembered
//!   device, and leaves the login in the "must change password" state, in
//!   which every call but [`Portal::change_password`] is refused with
//!   [`PortalError::PasswordChangeRequired`].

use chrono::{DateTime, Utc};

use super::client::ClientContext;
use super::{Portal, PortalError};
use crate::store::{AuditKind, LoginRow, SecurityKind, Tx};
use ratepayer::credential::StoredCredential;
use ratepayer::login::{device, RevokeReason};
use ratepayer::password::{NormalizationForm, NormalizedPassword};
use ratepayer::verification::temp_password::{self, TempPasswordError, TempPasswordRecord};

impl Portal {
    /// Asks for a temporary password for `username`, emailed to the login's
    /// verified email after the commit, from a background thread (see
    /// [`Portal::flush_messages`]), so the answer never waits for the mail.
    /// Always `Ok` (unless the client's
    /// address is throttled), after the same work whether or not anything
    /// matched. Every request counts on the client's address. The login's
    /// own password keeps working until the temporary one is used; it
    /// expires after the profile's `[verification.temporary_passwords]
    /// lifetime_hours` (24 by default) and works once.
    pub fn request_temporary_password(
        &self,
        username: &str,
        client: &ClientContext,
        now: DateTime<Utc>,
    ) -> Result<(), PortalError> {
        let mut tx = self.store.begin()?;
        let (login, verified_email) = self.recovery_login(tx.as_mut(), username, client, now)?;
        let policy = &self.profile.spec().verification.temporary_passwords;
        let owner = login.as_ref().map_or("-", |l| l.id.as_str());
        // Issued whether or not it is stored: the same work either way.
        let (issued, record) = self
            .with_rng(|rng| temp_password::issue(owner, policy, rng, now, self.key()))
            .map_err(|e| match e {
                TempPasswordError::Random(r) => PortalError::Random(r),
                other => {
                    PortalError::Config(format!("[verification.temporary_passwords]: {other}"))
                }
            })?;
        let send_to = match (&login, verified_email) {
            (Some(l), true) => {
                self.put_login_record(
                    tx.as_mut(),
                    SecurityKind::TemporaryPassword,
                    &l.id,
                    &record,
                    now,
                )?;
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
                    "temporary password sent to the verified email"
                } else {
                    "no temporary password sent (unknown username or no verified email)"
                },
                client.audit_suffix()
            ),
        ))?;
        tx.commit()?;
        let notices = send_to.and_then(|email| {
            self.email_notice(
                &email,
                "Your temporary password",
                format!(
                    "Someone asked for a temporary password for your portal login. Sign in with \
                     it within {} hour(s); you will then choose a new password: {}\nYour current \
                     password still works. If it was not you, ignore this message.",
                    policy.lifetime_hours,
                    issued.password()
                ),
            )
        });
        self.send_detached(notices.into_iter().collect());
        Ok(())
    }

    /// The login's pending temporary password, if any.
    fn temporary_record(
        &self,
        tx: &mut dyn Tx,
        login_id: &str,
    ) -> Result<Option<TempPasswordRecord>, PortalError> {
        let row = tx.security_record(self.utility(), SecurityKind::TemporaryPassword, login_id)?;
        Ok(row.and_then(|r| serde_json::from_value(r.data).ok()))
    }

    /// At sign-in, reading only: true when `candidate` is the login's
    /// pending temporary password (checked on a copy of its record, so
    /// nothing is used up). Cheap (a keyed digest). The sign-in then hashes
    /// the candidate outside any transaction, for
    /// [`Portal::use_temporary_password`].
    pub(super) fn temporary_matches(
        &self,
        tx: &mut dyn Tx,
        login_id: &str,
        candidate: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, PortalError> {
        let Some(mut record) = self.temporary_record(tx, login_id)? else {
            return Ok(false);
        };
        Ok(temp_password::verify(&mut record, login_id, candidate, now, self.key()).is_ok())
    }

    /// The Argon2id credential a temporary password becomes once used
    /// (hashed outside any transaction, before the sign-in's write).
    pub(super) fn temporary_credential(
        &self,
        candidate: &str,
    ) -> Result<StoredCredential, PortalError> {
        let normalized = NormalizedPassword::normalize(candidate, NormalizationForm::default());
        self.hash_password(&normalized)
    }

    /// At sign-in: when `candidate` is the login's pending temporary
    /// password, uses it up and puts the login in the "must change
    /// password" state (its credential becomes `prehashed`, the temporary
    /// password's Argon2id credential made beforehand by
    /// [`Portal::temporary_credential`]; every lock is lifted, every
    /// remembered device forgotten), all on `tx`: [`TemporaryUse::Used`].
    /// [`TemporaryUse::NotUsed`], changing nothing, otherwise; and
    /// [`TemporaryUse::NeedsHash`], changing nothing, when it matches but
    /// no credential was made beforehand (the sign-in starts again, so no
    /// hash is computed inside a transaction). Cheap (a keyed digest).
    pub(super) fn use_temporary_password(
        &self,
        tx: &mut dyn Tx,
        login: &mut LoginRow,
        candidate: &str,
        prehashed: Option<&StoredCredential>,
        now: DateTime<Utc>,
    ) -> Result<TemporaryUse, PortalError> {
        let Some(mut record) = self.temporary_record(tx, &login.id)? else {
            return Ok(TemporaryUse::NotUsed);
        };
        if temp_password::verify(&mut record, &login.id, candidate, now, self.key()).is_err() {
            return Ok(TemporaryUse::NotUsed);
        }
        let Some(credential) = prehashed else {
            return Ok(TemporaryUse::NeedsHash);
        };
        self.put_login_record(tx, SecurityKind::TemporaryPassword, &login.id, &record, now)?;
        login.credential = credential.clone();
        login.must_change_password = true;
        login.throttle.record_recovery();
        let mut devices = tx.devices(&login.id)?;
        let forgotten =
            device::revoke_all(&mut devices, &login.id, RevokeReason::PasswordChanged, now);
        for d in &devices {
            tx.put_device(d)?;
        }
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
                "temporary password used: it must be changed now; locks lifted; {forgotten} \
                 remembered device(s) forgotten"
            ),
        ))?;
        Ok(TemporaryUse::Used)
    }

    /// At a password change in the "must change password" state: the new
    /// password may not be the temporary one; the record is closed.
    pub(super) fn finish_temporary_password(
        &self,
        tx: &mut dyn Tx,
        login_id: &str,
        new_password: &str,
        now: DateTime<Utc>,
    ) -> Result<(), PortalError> {
        let Some(mut record) = self.temporary_record(tx, login_id)? else {
            return Ok(());
        };
        match temp_password::complete_change(&mut record, new_password, now, self.key()) {
            Ok(()) => {}
            Err(e @ TempPasswordError::ReusesTemporary) => return Err(temp_error(e)),
            // Any other state: nothing pending to close.
            Err(_) => {}
        }
        tx.delete_security_record(self.utility(), SecurityKind::TemporaryPassword, login_id)?;
        Ok(())
    }

    /// A pending (not yet used) temporary password is voided: the login's
    /// password was just set another way.
    pub(super) fn void_temporary_password(
        &self,
        tx: &mut dyn Tx,
        login_id: &str,
    ) -> Result<(), PortalError> {
        tx.delete_security_record(self.utility(), SecurityKind::TemporaryPassword, login_id)?;
        Ok(())
    }
}

/// What [`Portal::use_temporary_password`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TemporaryUse {
    /// The candidate is not the pending temporary password: nothing changed.
    NotUsed,
    /// Used up: the login must change its password.
    Used,
    /// It matches, but its credential was not made beforehand: nothing
    /// changed; make it outside the transaction and start again.
    NeedsHash,
}

fn temp_error(e: TempPasswordError) -> PortalError {
    PortalError::Invalid {
        field: "new_password",
        message: format!("{e} ({})", e.code()),
    }
}
