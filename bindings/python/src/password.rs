//! `ratepayer.PasswordCheck`: a new password checked against a profile's
//! policy, with every rule broken as `(code, message)`. The password itself
//! is never kept or shown.

use pyo3::prelude::*;
use pyo3::types::PyList;

use ratepayer::password::{Mfa, PasswordContext};
use ratepayer::profile::UtilityProfile;

use crate::errors::{PasswordPolicyError, Raise};

/// What the utility knows about the customer choosing a password.
pub struct Context<'a> {
    /// The login name.
    pub username: Option<&'a str>,
    /// The email address.
    pub email: Option<&'a str>,
    /// The account number.
    pub account_number: Option<&'a str>,
    /// The service street address.
    pub street: Option<&'a str>,
}

/// One rule a password breaks: a stable code and a message for the customer.
#[pyclass(module = "ratepayer", frozen, get_all)]
#[derive(Clone)]
pub struct PasswordFailure {
    /// `password.<rule>`, for example `password.too_short`.
    pub code: &'static str,
    /// English text for the customer.
    pub message: String,
}

#[pymethods]
impl PasswordFailure {
    fn __repr__(&self) -> String {
        format!(
            "PasswordFailure(code={}, message={})",
            crate::R(self.code),
            crate::R(&self.message)
        )
    }
}

/// The outcome of a password check; truthy when the password is accepted.
#[pyclass(module = "ratepayer", frozen)]
pub struct PasswordCheck {
    failures: Vec<PasswordFailure>,
    form: Option<&'static str>,
}

/// Checks `password` against the profile's policy.
pub fn check(
    profile: &UtilityProfile,
    password: &str,
    ctx: Context<'_>,
    mfa: bool,
) -> PasswordCheck {
    let context = PasswordContext {
        username: ctx.username,
        email: ctx.email,
        account_number: ctx.account_number,
        utility_name: Some(&profile.spec().name),
        street: ctx.street,
    };
    let mfa = if mfa { Mfa::On } else { Mfa::Off };
    match profile.spec().password.check(password, &context, mfa) {
        Ok(normalized) => PasswordCheck {
            failures: Vec::new(),
            form: Some(normalized.form().as_str()),
        },
        Err(failures) => PasswordCheck {
            failures: failures
                .into_iter()
                .map(|f| PasswordFailure {
                    code: f.code,
                    message: f.message,
                })
                .collect(),
            form: None,
        },
    }
}

/// `(code, explanation)` of every point of NIST/ASVS guidance the policy breaks.
pub fn compliance(profile: &UtilityProfile) -> Vec<(&'static str, String)> {
    profile
        .spec()
        .password
        .compliance_report()
        .into_iter()
        .map(|f| (f.code, f.explanation))
        .collect()
}

#[pymethods]
impl PasswordCheck {
    /// True when the password satisfies the policy.
    #[getter]
    fn ok(&self) -> bool {
        self.failures.is_empty()
    }
    /// Every rule broken, in a fixed order (empty when accepted).
    #[getter]
    fn failures(&self) -> Vec<PasswordFailure> {
        self.failures.clone()
    }
    /// The codes of the rules broken.
    #[getter]
    fn codes(&self) -> Vec<&'static str> {
        self.failures.iter().map(|f| f.code).collect()
    }
    /// The Unicode form the accepted password was normalised to (store it
    /// beside the hash); None when refused.
    #[getter]
    fn normalization(&self) -> Option<&'static str> {
        self.form
    }
    /// Raises `PasswordPolicyError` (code of the first failure, every
    /// failure in `.failures`) when the password is refused.
    fn raise_for_failures(&self, py: Python<'_>) -> PyResult<()> {
        let Some(first) = self.failures.first() else {
            return Ok(());
        };
        let message = self
            .failures
            .iter()
            .map(|f| f.message.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        let list = PyList::new(py, self.failures.clone())?;
        Err(Raise::new::<PasswordPolicyError>(first.code, message)
            .with("failures", list.into_any().unbind())
            .into())
    }
    fn __bool__(&self) -> bool {
        self.failures.is_empty()
    }
    fn __repr__(&self) -> String {
        if self.failures.is_empty() {
            "PasswordCheck(ok=True)".to_string()
        } else {
            format!(
                "PasswordCheck(ok=False, codes={})",
                crate::RList(&self.codes())
            )
        }
    }
}
