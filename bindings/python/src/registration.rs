//! Registration: the customer's form checked against the profile's recipe
//! (proofs, username rule, terms, channel, deadline), the proofs matched
//! against account records the caller passes in. A refusal raises
//! `RegistrationError` whose `.code`/`.message`/`.field` are the public view
//! (identical for every failure to prove ownership) and `.internal_reason`
//! the audit-log view.

use chrono::{DateTime, NaiveDate, Utc};
use pyo3::prelude::*;

use ratepayer::payment::{normalize as account_number, AccountNumber};
use ratepayer::profile::UtilityProfile;
use ratepayer::registration::{
    register as core_register, CurrentBill, Directory, RegistrationChannel, RegistrationContext,
    RegistrationForm, Rejection,
};

use crate::errors::{Raise, RegistrationError};

/// The utility's record of one account, to match the proofs against.
#[pyclass(module = "ratepayer", frozen, get_all)]
#[derive(Clone)]
pub struct AccountRecord {
    /// The account number, as the utility writes it.
    pub account_number: String,
    /// The customer number, where the utility has one.
    pub customer_number: Option<String>,
    /// The service address's ZIP code.
    pub zip: Option<String>,
    /// Last name (people) or business name.
    pub name: Option<String>,
    /// The email on file.
    pub email: Option<String>,
    /// A commercial customer.
    pub commercial: bool,
    /// The tax ID on file.
    pub tax_id: Option<String>,
    /// The login it is registered to, if any.
    pub login: Option<String>,
}

#[pymethods]
impl AccountRecord {
    #[new]
    #[pyo3(signature = (account_number, *, customer_number = None, zip = None, name = None, email = None, commercial = false, tax_id = None, login = None))]
    #[allow(clippy::too_many_arguments)]
    fn py_new(
        account_number: String,
        customer_number: Option<String>,
        zip: Option<String>,
        name: Option<String>,
        email: Option<String>,
        commercial: bool,
        tax_id: Option<String>,
        login: Option<String>,
    ) -> AccountRecord {
        AccountRecord {
            account_number,
            customer_number,
            zip,
            name,
            email,
            commercial,
            tax_id,
            login,
        }
    }
    fn __repr__(&self) -> String {
        format!(
            "AccountRecord({}, registered={})",
            crate::R(&self.account_number),
            if self.login.is_some() {
                "True"
            } else {
                "False"
            }
        )
    }
}

/// An accepted registration, ready to create the login.
#[pyclass(module = "ratepayer", frozen, get_all)]
pub struct Registration {
    /// The account proven, in the utility's canonical form.
    pub account_number: String,
    /// The username, lower-cased.
    pub username: String,
    /// The email (domain lower-cased).
    pub email: String,
    /// The terms version accepted.
    pub terms_version: String,
    /// When the terms were accepted (the `now` passed in).
    pub accepted_at: DateTime<Utc>,
    /// False when registered after the deadline: AutoPay and paperless start
    /// with the next bill.
    pub covers_current_bill: bool,
    /// The deadline missed, when the current bill is not covered.
    pub deadline: Option<DateTime<Utc>>,
}

#[pymethods]
impl Registration {
    fn __repr__(&self) -> String {
        format!(
            "Registration(account_number={}, username={}, covers_current_bill={})",
            crate::R(&self.account_number),
            crate::R(&self.username),
            if self.covers_current_bill {
                "True"
            } else {
                "False"
            }
        )
    }
}

struct Records {
    accounts: Vec<ratepayer::registration::AccountRecord>,
    taken: Vec<String>,
}

impl Directory for Records {
    fn account(&self, number: &AccountNumber) -> Option<ratepayer::registration::AccountRecord> {
        self.accounts
            .iter()
            .find(|a| &a.account_number == number)
            .cloned()
    }
    fn username_taken(&self, username_lower: &str) -> bool {
        self.taken
            .iter()
            .any(|t| t.to_lowercase() == username_lower)
    }
}

fn rejection(py: Python<'_>, r: &Rejection) -> PyErr {
    Raise::new::<RegistrationError>(r.public.code, r.public.message.clone())
        .with_value(py, "field", r.public.field)
        .with_value(py, "internal_reason", r.internal.to_string())
        .into()
}

/// Registers `form` under `profile`'s recipe.
#[allow(clippy::too_many_arguments)]
pub fn register(
    profile: &UtilityProfile,
    form: RegistrationForm,
    accounts: &[PyRef<'_, AccountRecord>],
    taken_usernames: &[String],
    channel: &str,
    open_bill_due: Option<NaiveDate>,
    now: DateTime<Utc>,
) -> PyResult<Registration> {
    let format = &profile.spec().payments.account_number;
    let mut records = Vec::with_capacity(accounts.len());
    for a in accounts {
        let number = account_number(&a.account_number, format).map_err(|e| {
            PyErr::from(Raise::new::<RegistrationError>(
                "registration.bad_record",
                format!("account record `{}`: {e}", a.account_number),
            ))
        })?;
        records.push(ratepayer::registration::AccountRecord {
            account_number: number,
            customer_number: a.customer_number.clone(),
            zip: a.zip.clone(),
            name: a.name.clone(),
            email: a.email.clone(),
            commercial: a.commercial,
            tax_id: a.tax_id.clone(),
            login: a.login.clone(),
        });
    }
    register_with(
        profile,
        form,
        records,
        taken_usernames,
        channel,
        open_bill_due,
        now,
    )
}

fn register_with(
    profile: &UtilityProfile,
    form: RegistrationForm,
    accounts: Vec<ratepayer::registration::AccountRecord>,
    taken_usernames: &[String],
    channel: &str,
    open_bill_due: Option<NaiveDate>,
    now: DateTime<Utc>,
) -> PyResult<Registration> {
    let policy = profile.spec().registration.as_ref().ok_or_else(|| {
        PyErr::from(Raise::new::<RegistrationError>(
            "registration.not_offered",
            format!(
                "the profile `{}` has no `[registration]` recipe",
                profile.id()
            ),
        ))
    })?;
    let channel = match channel {
        "web" => RegistrationChannel::Web,
        "app" => RegistrationChannel::App,
        "phone" => RegistrationChannel::Phone,
        other => {
            return Err(Raise::new::<RegistrationError>(
                "registration.unknown_channel",
                format!("`{other}` is not a registration channel; use web, app or phone"),
            )
            .into())
        }
    };
    let directory = Records {
        accounts,
        taken: taken_usernames.to_vec(),
    };
    let ctx = RegistrationContext {
        channel,
        open_bill_due,
        time_zone: profile.time_zone(),
        now,
    };
    match core_register(
        &form,
        policy,
        &profile.spec().payments.account_number,
        &directory,
        ctx,
    ) {
        Ok(r) => Ok(Registration {
            account_number: r.account.as_str().to_string(),
            username: r.username,
            email: r.email,
            terms_version: r.terms.version,
            accepted_at: r.terms.accepted_at,
            covers_current_bill: matches!(r.current_bill, CurrentBill::Covered),
            deadline: match r.current_bill {
                CurrentBill::Covered => None,
                CurrentBill::NotCovered { deadline } => Some(deadline),
            },
        }),
        Err(rej) => Err(Python::attach(|py| rejection(py, &rej))),
    }
}
