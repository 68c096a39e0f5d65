//! The portal's check of a new password: the profile's policy, then, when
//! the application gave one, its breached-password service (only a 5-hex
//! SHA-1 prefix leaves; see [`ratepayer::password::BreachedPasswords`]).

use std::sync::Arc;

use super::{Portal, PortalError};
use ratepayer::password::{BreachedPasswords, Mfa, NormalizedPassword, PasswordContext};

impl Portal {
    /// Checks every new password (registration, password change) against
    /// `service` as well as the policy (OWASP ASVS 5.0 V6.2.12). A password
    /// found in a breach is refused with `password.breached`; when the
    /// service cannot be asked, with `password.breach_check_failed`.
    pub fn with_breached_passwords(mut self, service: Arc<dyn BreachedPasswords>) -> Portal {
        self.breaches = Some(service);
        self
    }

    /// A new password checked against the policy and the breach service;
    /// `mfa` says whether the login has a second factor (the NIST preset
    /// then asks for 8 characters instead of 15, SP 800-63B-4 §3.1.1.2).
    pub(super) fn check_new_password(
        &self,
        password: &str,
        context: &PasswordContext<'_>,
        mfa: Mfa,
    ) -> Result<NormalizedPassword, PortalError> {
        let policy = &self.profile.spec().password;
        let checked = match &self.breaches {
            Some(service) => policy.check_with_breaches(password, context, mfa, service.as_ref()),
            None => policy.check(password, context, mfa),
        };
        checked.map_err(PortalError::Password)
    }

    /// Whether `login_id` has a confirmed authenticator, as the password
    /// policy reads it.
    pub(super) fn mfa_of(
        &self,
        tx: &mut dyn crate::store::Tx,
        login_id: &str,
    ) -> Result<Mfa, PortalError> {
        Ok(if self.mfa_enrolled(tx, login_id)? {
            Mfa::On
        } else {
            Mfa::Off
        })
    }
}
