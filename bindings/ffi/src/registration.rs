//! Registration: check what a customer typed to register an account against
//! the profile's recipe (proofs, username rule, terms, deadline), with the
//! public response to show and the internal reason for the audit log.
//!
//! Accounts and taken usernames come from a list passed in
//! ([`Profile::check_registration`]) or from an [`AccountDirectory`] the app
//! implements in Kotlin or Swift ([`Profile::check_registration_in`]), the
//! same `with_foreign` pattern the storage port will use.

use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use chrono::{DateTime, Utc};
use ratepayer::payment::{AccountNumber, AccountNumberFormat};
use ratepayer::registration::{
    register, AccountRecord as CoreRecord, CurrentBill, Directory,
    RegistrationChannel as CoreChannel, RegistrationContext, RegistrationForm as CoreForm,
};

use crate::calendar::IsoDate;
use crate::profile::Profile;
use crate::RatepayerError;

/// Where a registration comes from.
pub type RegistrationChannel = CoreChannel;

#[uniffi::remote(Enum)]
pub enum RegistrationChannel {
    Web,
    App,
    Phone,
}

/// What the customer typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record)]
pub struct RegistrationForm {
    /// Account number as typed.
    pub account_number: String,
    /// Customer number, where asked.
    #[uniffi(default)]
    pub customer_number: Option<String>,
    /// ZIP code, where asked.
    #[uniffi(default)]
    pub zip: Option<String>,
    /// Last name or business name, where asked.
    #[uniffi(default)]
    pub name: Option<String>,
    /// Tax ID, for commercial customers where asked.
    #[uniffi(default)]
    pub tax_id: Option<String>,
    /// Email (required).
    pub email: String,
    /// Username (ignored when the username is the email).
    #[uniffi(default)]
    pub username: Option<String>,
    /// The terms version the customer accepted.
    #[uniffi(default)]
    pub accepted_terms_version: Option<String>,
}

/// The utility's record of an account, to match the proofs against.
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record)]
pub struct AccountRecord {
    /// The account number (any spacing; normalised to the utility's format).
    pub account_number: String,
    /// The customer number, where the utility has one.
    #[uniffi(default)]
    pub customer_number: Option<String>,
    /// The service address's ZIP code.
    #[uniffi(default)]
    pub zip: Option<String>,
    /// Last name or business name.
    #[uniffi(default)]
    pub name: Option<String>,
    /// The email on file.
    #[uniffi(default)]
    pub email: Option<String>,
    /// A commercial customer.
    #[uniffi(default)]
    pub commercial: bool,
    /// The tax ID on file.
    #[uniffi(default)]
    pub tax_id: Option<String>,
    /// The login it is registered to, if any.
    #[uniffi(default)]
    pub login: Option<String>,
}

/// Where and when the registration is attempted.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RegistrationAttempt {
    /// The channel it comes through.
    pub channel: RegistrationChannel,
    /// The due date of the account's open bill, for the deadline.
    #[uniffi(default)]
    pub open_bill_due: Option<IsoDate>,
    /// Now (passed in; no rule reads a clock).
    pub now: SystemTime,
}

/// The result of a registration check.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum RegistrationOutcome {
    /// Accepted: create the login.
    Accepted {
        /// The account proven, canonical.
        account: String,
        /// The username, lower-cased.
        username: String,
        /// The email (domain lower-cased).
        email: String,
        /// The terms version accepted.
        terms_version: String,
        /// True when AutoPay and paperless chosen now apply to the open bill.
        current_bill_covered: bool,
        /// The registration deadline that was missed, when it was.
        missed_deadline: Option<SystemTime>,
    },
    /// Refused. `code`, `field` and `message` are for the customer (no
    /// match, a wrong ZIP and an already registered account look the same);
    /// `internal_reason` is for the audit log only.
    Rejected {
        /// Stable public code, for example `registration.not_verified`.
        code: String,
        /// The form field it concerns, for format problems.
        field: Option<String>,
        /// English text for the customer.
        message: String,
        /// The detailed reason, for the audit log only.
        internal_reason: String,
    },
}

/// The core's form from the foreign one.
pub(crate) fn core_form(form: RegistrationForm) -> CoreForm {
    CoreForm {
        account_number: form.account_number,
        customer_number: form.customer_number,
        zip: form.zip,
        name: form.name,
        tax_id: form.tax_id,
        email: form.email,
        username: form.username,
        accepted_terms_version: form.accepted_terms_version,
    }
}

struct ListDirectory {
    accounts: Vec<CoreRecord>,
    usernames: Vec<String>,
}

impl Directory for ListDirectory {
    fn account(&self, number: &AccountNumber) -> Option<CoreRecord> {
        self.accounts
            .iter()
            .find(|a| a.account_number == *number)
            .cloned()
    }
    fn username_taken(&self, username_lower: &str) -> bool {
        self.usernames
            .iter()
            .any(|u| u.to_lowercase() == username_lower)
    }
}

/// Where registration looks accounts and usernames up, implemented by the
/// app (a Kotlin or Swift class) over its own database. An exception thrown
/// here comes back from the check as `RatepayerError.Store`.
#[uniffi::export(with_foreign)]
pub trait AccountDirectory: Send + Sync {
    /// The account with this canonical number (as the utility's format
    /// writes it), or none.
    fn account(&self, account_number: String) -> Result<Option<AccountRecord>, RatepayerError>;
    /// True when a login already has this username (given lower-cased).
    fn username_taken(&self, username_lower: String) -> Result<bool, RatepayerError>;
}

/// The core's directory over a foreign one. The core's lookups cannot fail,
/// so the first failure is kept, the lookup answers the safe way (no account;
/// username taken), and the check returns the failure instead of its result.
struct ForeignDirectory<'a> {
    inner: Arc<dyn AccountDirectory>,
    format: &'a AccountNumberFormat,
    failure: Mutex<Option<RatepayerError>>,
}

impl ForeignDirectory<'_> {
    fn keep(&self, e: RatepayerError) {
        if let Ok(mut slot) = self.failure.lock() {
            slot.get_or_insert(e);
        }
    }
}

impl Directory for ForeignDirectory<'_> {
    fn account(&self, number: &AccountNumber) -> Option<CoreRecord> {
        match self.inner.account(number.as_str().to_string()) {
            Ok(Some(r)) => record(r, self.format).map_err(|e| self.keep(e)).ok(),
            Ok(None) => None,
            Err(e) => {
                self.keep(e);
                None
            }
        }
    }
    fn username_taken(&self, username_lower: &str) -> bool {
        self.inner
            .username_taken(username_lower.to_string())
            .unwrap_or_else(|e| {
                self.keep(e);
                true
            })
    }
}

/// The core's record of an account from the foreign one, its number
/// normalised to `format`.
pub(crate) fn record(
    r: AccountRecord,
    format: &AccountNumberFormat,
) -> Result<CoreRecord, RatepayerError> {
    let number = AccountNumber::parse(&r.account_number, format).map_err(|e| {
        RatepayerError::Registration {
            code: "registration.bad_record".into(),
            detail: format!("an account record's number: {e}"),
        }
    })?;
    Ok(CoreRecord {
        account_number: number,
        customer_number: r.customer_number,
        zip: r.zip,
        name: r.name,
        email: r.email,
        commercial: r.commercial,
        tax_id: r.tax_id,
        login: r.login,
    })
}

#[uniffi::export]
impl Profile {
    /// Checks a registration against the utility's recipe, looking accounts
    /// up in `accounts` and usernames in `taken_usernames`. A refused
    /// registration is an answer ([`RegistrationOutcome::Rejected`]); an error
    /// means the check could not run (no `[registration]`, a bad record).
    pub fn check_registration(
        &self,
        form: RegistrationForm,
        attempt: RegistrationAttempt,
        accounts: Vec<AccountRecord>,
        taken_usernames: Vec<String>,
    ) -> Result<RegistrationOutcome, RatepayerError> {
        let format = &self.core().spec().payments.account_number;
        let directory = ListDirectory {
            accounts: accounts
                .into_iter()
                .map(|r| record(r, format))
                .collect::<Result<_, _>>()?,
            usernames: taken_usernames,
        };
        self.register_with(form, attempt, &directory)
    }

    /// [`Profile::check_registration`] looking accounts and usernames up in
    /// a directory the app implements. If the directory throws, the check
    /// raises `RatepayerError.Store` (or the `RatepayerError` it threw).
    pub fn check_registration_in(
        &self,
        form: RegistrationForm,
        attempt: RegistrationAttempt,
        directory: Arc<dyn AccountDirectory>,
    ) -> Result<RegistrationOutcome, RatepayerError> {
        let directory = ForeignDirectory {
            inner: directory,
            format: &self.core().spec().payments.account_number,
            failure: Mutex::new(None),
        };
        let outcome = self.register_with(form, attempt, &directory)?;
        match directory.failure.into_inner() {
            Ok(Some(e)) => Err(e),
            Ok(None) => Ok(outcome),
            Err(_) => Err(RatepayerError::Store {
                code: "store.poisoned".into(),
                detail: "a directory lookup panicked; try again".into(),
            }),
        }
    }
}

impl Profile {
    fn register_with(
        &self,
        form: RegistrationForm,
        attempt: RegistrationAttempt,
        directory: &dyn Directory,
    ) -> Result<RegistrationOutcome, RatepayerError> {
        let p = self.core();
        let spec = p.spec();
        let policy = spec
            .registration
            .as_ref()
            .ok_or_else(|| RatepayerError::Registration {
                code: "registration.not_offered".into(),
                detail: format!("the utility profile `{}` has no `[registration]`", p.id()),
            })?;
        let format = &spec.payments.account_number;
        let form = core_form(form);
        let ctx = RegistrationContext {
            channel: attempt.channel,
            open_bill_due: attempt.open_bill_due,
            time_zone: p.time_zone(),
            now: DateTime::<Utc>::from(attempt.now),
        };
        Ok(match register(&form, policy, format, directory, ctx) {
            Ok(r) => {
                let missed = match r.current_bill {
                    CurrentBill::Covered => None,
                    CurrentBill::NotCovered { deadline } => Some(SystemTime::from(deadline)),
                };
                RegistrationOutcome::Accepted {
                    account: r.account.as_str().to_string(),
                    username: r.username,
                    email: r.email,
                    terms_version: r.terms.version,
                    current_bill_covered: missed.is_none(),
                    missed_deadline: missed,
                }
            }
            Err(rejection) => RegistrationOutcome::Rejected {
                code: rejection.public.code.to_string(),
                field: rejection.public.field.map(str::to_string),
                message: rejection.public.message,
                internal_reason: rejection.internal.to_string(),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shelby_account() -> AccountRecord {
        AccountRecord {
            account_number: "123456789".into(),
            customer_number: Some("5501".into()),
            ..AccountRecord::default()
        }
    }

    fn form() -> RegistrationForm {
        RegistrationForm {
            account_number: " 123456789 ".into(),
            customer_number: Some("5501".into()),
            email: "pat@example.com".into(),
            username: Some("patdoe".into()),
            accepted_terms_version: Some("2024-07".into()),
            ..RegistrationForm::default()
        }
    }

    fn web() -> RegistrationAttempt {
        RegistrationAttempt {
            channel: RegistrationChannel::Web,
            open_bill_due: None,
            now: SystemTime::UNIX_EPOCH,
        }
    }

    struct Fixed(Option<AccountRecord>, bool);

    impl AccountDirectory for Fixed {
        fn account(&self, n: String) -> Result<Option<AccountRecord>, RatepayerError> {
            match &self.0 {
                Some(_) if self.1 => Err(RatepayerError::Store {
                    code: "store.down".into(),
                    detail: format!("lookup of {n} failed"),
                }),
                r => Ok(r.clone()),
            }
        }
        fn username_taken(&self, _: String) -> Result<bool, RatepayerError> {
            Ok(false)
        }
    }

    #[test]
    fn a_directory_the_app_implements_is_used_and_its_failure_surfaces(
    ) -> Result<(), RatepayerError> {
        let shelby = Profile::builtin("shelby".into())?;
        let ok = shelby.check_registration_in(
            form(),
            web(),
            Arc::new(Fixed(Some(shelby_account()), false)),
        )?;
        assert!(matches!(ok, RegistrationOutcome::Accepted { .. }), "{ok:?}");
        let down = shelby.check_registration_in(
            form(),
            web(),
            Arc::new(Fixed(Some(shelby_account()), true)),
        );
        assert!(
            matches!(down, Err(RatepayerError::Store { ref code, .. }) if code == "store.down"),
            "{down:?}"
        );
        Ok(())
    }

    #[test]
    fn shelby_registration_is_accepted_and_a_wrong_number_is_not_verified(
    ) -> Result<(), RatepayerError> {
        let shelby = Profile::builtin("shelby".into())?;
        let ok = shelby.check_registration(form(), web(), vec![shelby_account()], vec![])?;
        assert!(
            matches!(ok, RegistrationOutcome::Accepted { ref username, .. } if username == "patdoe"),
            "{ok:?}"
        );
        let wrong = RegistrationForm {
            customer_number: Some("9999".into()),
            ..form()
        };
        let no = shelby.check_registration(wrong, web(), vec![shelby_account()], vec![])?;
        assert!(
            matches!(no, RegistrationOutcome::Rejected { ref code, .. } if code == "registration.not_verified"),
            "{no:?}"
        );
        Ok(())
    }
}
