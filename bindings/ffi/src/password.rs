//! Passwords: check a new password against the profile's policy, getting
//! every rule it breaks as a stable code and an English message. The
//! password itself never comes back across the boundary.

use ratepayer::password::{Mfa, PasswordContext as CoreContext};

use crate::profile::Profile;
use crate::RatepayerError;

/// What the utility knows about the customer choosing a password; a new
/// password must not contain these words.
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record)]
pub struct PasswordContext {
    /// The login name.
    #[uniffi(default)]
    pub username: Option<String>,
    /// The email address (only the part before `@` counts).
    #[uniffi(default)]
    pub email: Option<String>,
    /// The account number.
    #[uniffi(default)]
    pub account_number: Option<String>,
    /// The utility's name.
    #[uniffi(default)]
    pub utility_name: Option<String>,
    /// The service street address.
    #[uniffi(default)]
    pub street: Option<String>,
}

/// One rule a password breaks.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PasswordFailure {
    /// Stable code, `password.<rule>` (`password.too_short`, `password.blocklisted`, ...).
    pub code: String,
    /// English text for the customer: what is wrong and what to do.
    pub message: String,
}

/// The verdict on a new password.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PasswordCheck {
    /// True when the password satisfies every rule.
    pub accepted: bool,
    /// The Unicode form it is stored in when accepted (`NFKC`); empty otherwise.
    pub normalization: String,
    /// Every rule broken, in a fixed order (empty when accepted).
    pub failures: Vec<PasswordFailure>,
}

#[uniffi::export]
impl Profile {
    /// Checks `password` against the profile's policy (`mfa`: the account
    /// has a second factor, which allows a shorter password under NIST).
    /// A refused password is an answer, not an error: see `failures`.
    pub fn check_password(
        &self,
        password: String,
        context: PasswordContext,
        mfa: bool,
    ) -> Result<PasswordCheck, RatepayerError> {
        let ctx = CoreContext {
            username: context.username.as_deref(),
            email: context.email.as_deref(),
            account_number: context.account_number.as_deref(),
            utility_name: context.utility_name.as_deref(),
            street: context.street.as_deref(),
        };
        let mfa = if mfa { Mfa::On } else { Mfa::Off };
        Ok(
            match self.core().spec().password.check(&password, &ctx, mfa) {
                Ok(normalized) => PasswordCheck {
                    accepted: true,
                    normalization: normalized.form().as_str().to_string(),
                    failures: Vec::new(),
                },
                Err(failures) => PasswordCheck {
                    accepted: false,
                    normalization: String::new(),
                    failures: failures
                        .into_iter()
                        .map(|f| PasswordFailure {
                            code: f.code.to_string(),
                            message: f.message,
                        })
                        .collect(),
                },
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nist_policy_reports_every_failure_with_codes() -> Result<(), RatepayerError> {
        let shelby = Profile::builtin("shelby".into())?;
        let ctx = PasswordContext {
            username: Some("patdoe".into()),
            ..PasswordContext::default()
        };
        let bad = shelby.check_password("Password1!".into(), ctx.clone(), false)?;
        let codes: Vec<&str> = bad.failures.iter().map(|f| f.code.as_str()).collect();
        assert_eq!(codes, ["password.too_short", "password.blocklisted"]);
        let famous =
            shelby.check_password("correct horse battery staple".into(), ctx.clone(), false)?;
        assert!(!famous.accepted, "a famous passphrase is blocklisted");
        let good = shelby.check_password("violet tractor amber whistles".into(), ctx, false)?;
        assert!(good.accepted);
        assert_eq!(good.normalization, "NFKC");
        Ok(())
    }
}
