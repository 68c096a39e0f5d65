//! `ratepayer.Profile`: a validated utility profile (built in, or read from
//! TOML/JSON), its tariffs, and the per-utility rules reached through it
//! (fees, passwords, registration, AutoPay). Validation reports every problem.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use pyo3::exceptions::PyOSError;
use pyo3::prelude::*;

use ratepayer::profile::{builtin, UtilityProfile};
use ratepayer::TariffError as CoreTariffError;

use crate::autopay::{self, BillDatesArg};
use crate::calendar::Calendar;
use crate::errors::{tariff_error, Problem};
use crate::fees::{self, FeeQuote};
use crate::password::{self, PasswordCheck};
use crate::registration::{self, AccountRecord, Registration};
use crate::tariff::Tariff;

/// A utility profile: its tariffs, fee schedule, password policy,
/// registration recipe and AutoPay options, validated as a whole.
#[pyclass(module = "ratepayer", frozen)]
pub struct Profile {
    pub(crate) inner: Arc<UtilityProfile>,
}

fn wrap(r: Result<UtilityProfile, CoreTariffError>) -> PyResult<Profile> {
    r.map(|p| Profile { inner: Arc::new(p) })
        .map_err(|e| tariff_error(&e, true))
}

#[pymethods]
impl Profile {
    /// The built-in profile `id` (see `Profile.builtin_ids()`).
    #[staticmethod]
    fn builtin(id: &str) -> PyResult<Profile> {
        wrap(builtin::load(id))
    }

    /// Identifiers of the built-in profiles.
    #[staticmethod]
    fn builtin_ids() -> Vec<&'static str> {
        builtin::ids().collect()
    }

    /// A profile written in TOML; raises `ProfileError` listing every problem.
    #[staticmethod]
    fn from_toml(text: &str) -> PyResult<Profile> {
        wrap(UtilityProfile::from_toml(text))
    }

    /// A profile written in JSON; raises `ProfileError` listing every problem.
    #[staticmethod]
    fn from_json(text: &str) -> PyResult<Profile> {
        wrap(UtilityProfile::from_json(text))
    }

    /// A profile from a `.toml` or `.json` file.
    #[staticmethod]
    fn load(path: PathBuf) -> PyResult<Profile> {
        let text = std::fs::read_to_string(&path)
            .map_err(|e| PyOSError::new_err(format!("{}: {e}", path.display())))?;
        if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"))
        {
            Profile::from_json(&text)
        } else {
            Profile::from_toml(&text)
        }
    }

    /// The utility's identifier, for example `"shelby"`.
    #[getter]
    fn id(&self) -> &str {
        self.inner.id()
    }

    /// The utility's name.
    #[getter]
    fn name(&self) -> &str {
        &self.inner.spec().name
    }

    /// IANA time zone of the utility.
    #[getter]
    fn time_zone(&self) -> &str {
        &self.inner.spec().time_zone
    }

    /// ISO 4217 code of its bills' currency.
    #[getter]
    fn currency(&self) -> String {
        self.inner.spec().currency.to_string()
    }

    /// Identifiers of its tariffs.
    #[getter]
    fn tariff_ids(&self) -> Vec<String> {
        self.inner
            .tariffs()
            .iter()
            .map(|t| t.id().to_string())
            .collect()
    }

    /// The tariff `id`; raises `TariffError` naming the profile's tariffs.
    fn tariff(&self, id: &str) -> PyResult<Tariff> {
        self.inner
            .tariff(id)
            .map(|t| Tariff::new(t.clone()))
            .map_err(|e| tariff_error(&e, false))
    }

    /// Quotes a payment before the customer confirms it.
    #[pyo3(signature = (amount, *, channel, method, accounts = 1))]
    fn quote_fee(
        &self,
        amount: &Bound<'_, PyAny>,
        channel: &str,
        method: &str,
        accounts: u32,
    ) -> PyResult<FeeQuote> {
        fees::quote(&self.inner, amount, channel, method, accounts)
    }

    /// Checks a new password against the profile's policy; every rule broken
    /// is reported (the result is falsy when any is).
    #[pyo3(signature = (password, *, username = None, email = None, account_number = None, street = None, mfa = false))]
    #[allow(clippy::too_many_arguments)]
    fn check_password(
        &self,
        password: &str,
        username: Option<&str>,
        email: Option<&str>,
        account_number: Option<&str>,
        street: Option<&str>,
        mfa: bool,
    ) -> PasswordCheck {
        password::check(
            &self.inner,
            password,
            password::Context {
                username,
                email,
                account_number,
                street,
            },
            mfa,
        )
    }

    /// Where the profile's password policy departs from NIST SP 800-63B-4
    /// and OWASP ASVS: a list of `(code, explanation)`.
    fn password_compliance(&self) -> Vec<(&'static str, String)> {
        password::compliance(&self.inner)
    }

    /// The compliance warnings of the fee schedule: card-network rules and
    /// state law the card-rule data cannot decide, or conditions it cannot
    /// check, as `(severity, rule, path, message)`. A rule the data says is
    /// broken refuses the profile (`ProfileError`, and `validate` lists it).
    fn fee_compliance(&self) -> Vec<(&'static str, &'static str, String, String)> {
        self.inner
            .fee_compliance()
            .iter()
            .map(|f| {
                let severity = match f.severity {
                    ratepayer::fees::Severity::Error => "error",
                    ratepayer::fees::Severity::Warning => "warning",
                };
                (severity, f.rule, f.path.clone(), f.message.clone())
            })
            .collect()
    }

    /// Checks a registration against the profile's recipe, matching the
    /// proofs against `accounts` (the utility's records, passed in: a dry run
    /// of the recipe; `Portal.register` registers against the store). Returns the accepted `Registration` or
    /// raises `RegistrationError` whose `.code`/`.message` are the public view.
    #[pyo3(signature = (*, account_number, email, now, accounts, customer_number = None, zip = None, name = None, tax_id = None, username = None, accepted_terms_version = None, channel = "web", open_bill_due = None, taken_usernames = Vec::new()))]
    #[allow(clippy::too_many_arguments)]
    fn register(
        &self,
        account_number: String,
        email: String,
        now: DateTime<FixedOffset>,
        accounts: Vec<PyRef<'_, AccountRecord>>,
        customer_number: Option<String>,
        zip: Option<String>,
        name: Option<String>,
        tax_id: Option<String>,
        username: Option<String>,
        accepted_terms_version: Option<String>,
        channel: &str,
        open_bill_due: Option<NaiveDate>,
        taken_usernames: Vec<String>,
    ) -> PyResult<Registration> {
        let form = ratepayer::registration::RegistrationForm {
            account_number,
            customer_number,
            zip,
            name,
            tax_id,
            email,
            username,
            accepted_terms_version,
        };
        registration::register(
            &self.inner,
            form,
            &accounts,
            &taken_usernames,
            channel,
            open_bill_due,
            now.with_timezone(&Utc),
        )
    }

    /// Names of the profile's AutoPay options.
    fn autopay_options(&self) -> Vec<String> {
        self.inner
            .autopay()
            .map(|a| a.options.iter().map(|o| o.name.clone()).collect())
            .unwrap_or_default()
    }

    /// The date AutoPay option `option` drafts one bill on, on the profile's
    /// draft calendar.
    #[pyo3(signature = (option, *, bill_date, due_date, printed_draft_date = None))]
    fn draft_date(
        &self,
        option: &str,
        bill_date: NaiveDate,
        due_date: NaiveDate,
        printed_draft_date: Option<NaiveDate>,
    ) -> PyResult<NaiveDate> {
        autopay::draft_date(
            &self.inner,
            option,
            &BillDatesArg {
                bill_date,
                due_date,
                printed_draft_date,
            },
        )
    }

    /// Draft dates of several bills: `bills` is an iterable of
    /// `(bill_date, due_date)` or `(bill_date, due_date, printed_draft_date)`.
    fn draft_dates(&self, option: &str, bills: &Bound<'_, PyAny>) -> PyResult<Vec<NaiveDate>> {
        autopay::draft_dates(&self.inner, option, bills)
    }

    /// The banking calendar AutoPay drafts follow.
    fn draft_calendar(&self) -> PyResult<Calendar> {
        Calendar::of_profile(&self.inner)
    }

    fn __repr__(&self) -> String {
        format!(
            "Profile(id={}, name={}, tariffs={})",
            crate::R(self.inner.id()),
            crate::R(&self.inner.spec().name),
            crate::RList(&self.tariff_ids())
        )
    }
}

/// Every problem of a profile or tariff text, without raising: an empty list
/// when it is valid. `kind` is `"profile"` or `"tariff"`, `format` `"toml"`
/// or `"json"`.
#[pyfunction]
#[pyo3(signature = (text, *, format = "toml", kind = "profile"))]
pub fn validate(text: &str, format: &str, kind: &str) -> PyResult<Vec<Problem>> {
    let json = match format {
        "toml" => false,
        "json" => true,
        other => {
            return Err(pyo3::exceptions::PyValueError::new_err(format!(
                "format `{other}` is not known; use \"toml\" or \"json\""
            )))
        }
    };
    let result = match (kind, json) {
        ("profile", false) => UtilityProfile::from_toml(text).map(|_| ()),
        ("profile", true) => UtilityProfile::from_json(text).map(|_| ()),
        ("tariff", false) => ratepayer::Tariff::from_toml(text).map(|_| ()),
        ("tariff", true) => ratepayer::Tariff::from_json(text).map(|_| ()),
        (other, _) => {
            return Err(pyo3::exceptions::PyValueError::new_err(format!(
                "kind `{other}` is not known; use \"profile\" or \"tariff\""
            )))
        }
    };
    Ok(match result {
        Ok(()) => Vec::new(),
        Err(CoreTariffError::Invalid { problems, .. }) => {
            problems.iter().map(Problem::from).collect()
        }
        Err(CoreTariffError::Parse { path, message, .. }) => vec![Problem { path, message }],
    })
}
