//! The Python exception hierarchy, rooted at `ratepayer.RatepayerError`, and
//! the mapping of every core error into it. Every exception carries a
//! machine-readable `.code` (for example `"bill.unknown_meter_size"`) and a
//! `.message`; "invalid" errors also carry `.problems`, every problem found.

use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::PyList;
use pyo3::{create_exception, PyTypeInfo};

use ratepayer::calendar::CalendarError as CoreCalendarError;
use ratepayer::fees::FeeError as CoreFeeError;
use ratepayer::meter::MeterError as CoreMeterError;
use ratepayer::tariff::Problem as CoreProblem;
use ratepayer::{
    BillError as CoreBillError, MoneyError as CoreMoneyError, TariffError as CoreTariffError,
};

create_exception!(
    ratepayer,
    RatepayerError,
    PyException,
    "Root of every ratepayer error; `.code` is a stable machine code, `.message` English text."
);
create_exception!(
    ratepayer,
    ProfileError,
    RatepayerError,
    "A utility profile could not be read or breaks rules (`.problems` lists every problem)."
);
create_exception!(
    ratepayer,
    TariffError,
    RatepayerError,
    "A tariff could not be read, breaks rules, or is not in the profile."
);
create_exception!(
    ratepayer,
    BillError,
    RatepayerError,
    "A bill could not be computed (`.row` is set for a batch row)."
);
create_exception!(
    ratepayer,
    MoneyError,
    RatepayerError,
    "An amount is malformed, in the wrong currency or too large."
);
create_exception!(
    ratepayer,
    MeterError,
    RatepayerError,
    "A meter or its reads are not valid."
);
create_exception!(
    ratepayer,
    FeeError,
    RatepayerError,
    "A payment could not be quoted or confirmed."
);
create_exception!(
    ratepayer,
    PasswordPolicyError,
    RatepayerError,
    "A password breaks the profile's policy (`.failures` lists every rule broken)."
);
create_exception!(
    ratepayer,
    RegistrationError,
    RatepayerError,
    "A registration was refused (`.code` and `.message` are the public view; `.internal_reason` is for the audit log)."
);
create_exception!(
    ratepayer,
    CalendarError,
    RatepayerError,
    "A banking-calendar date could not be computed."
);
create_exception!(
    ratepayer,
    AutopayError,
    RatepayerError,
    "An AutoPay date or option could not be computed."
);
create_exception!(
    ratepayer,
    StorageError,
    RatepayerError,
    "The portal's store failed (`.code` such as `storage.busy`: retry; `storage.conflict`)."
);
create_exception!(
    ratepayer,
    PortalError,
    RatepayerError,
    "A portal call was refused (not found, not allowed, wrong credentials, throttled, session ended (`login.sign_in_required`), bad field...)."
);

/// One problem of a profile, tariff or schedule: where, and what to fix.
#[pyclass(module = "ratepayer", frozen, get_all)]
#[derive(Clone)]
pub struct Problem {
    /// Path of the field at fault, for example `tariffs[0].versions[1].from`.
    pub path: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

#[pymethods]
impl Problem {
    fn __repr__(&self) -> String {
        format!(
            "Problem(path={}, message={})",
            crate::R(&self.path),
            crate::R(&self.message)
        )
    }
    fn __str__(&self) -> String {
        format!("{}: {}", self.path, self.message)
    }
}

impl From<&CoreProblem> for Problem {
    fn from(p: &CoreProblem) -> Problem {
        Problem {
            path: p.path.clone(),
            message: p.message.clone(),
        }
    }
}

/// An exception under construction: its type, code, message and attributes.
pub struct Raise {
    build: fn(String) -> PyErr,
    code: String,
    message: String,
    attrs: Vec<(&'static str, Py<PyAny>)>,
}

fn make<T: PyTypeInfo>(message: String) -> PyErr {
    PyErr::new::<T, _>(message)
}

impl Raise {
    /// An exception of type `T` with `code` and `message`.
    pub fn new<T: PyTypeInfo>(code: impl Into<String>, message: impl Into<String>) -> Raise {
        Raise {
            build: make::<T>,
            code: code.into(),
            message: message.into(),
            attrs: Vec::new(),
        }
    }

    /// With one more attribute.
    pub fn with(mut self, name: &'static str, value: Py<PyAny>) -> Raise {
        self.attrs.push((name, value));
        self
    }

    /// With one more attribute converted from a Rust value.
    pub fn with_value<'py, T: pyo3::IntoPyObjectExt<'py>>(
        self,
        py: Python<'py>,
        name: &'static str,
        value: T,
    ) -> Raise {
        match value.into_py_any(py) {
            Ok(v) => self.with(name, v),
            Err(_) => self,
        }
    }

    /// With `.problems`.
    pub fn problems(self, py: Python<'_>, problems: &[CoreProblem]) -> Raise {
        let list: Vec<Problem> = problems.iter().map(Problem::from).collect();
        match PyList::new(py, list) {
            Ok(l) => self.with("problems", l.into_any().unbind()),
            Err(_) => self,
        }
    }
}

impl From<Raise> for PyErr {
    fn from(r: Raise) -> PyErr {
        Python::attach(|py| {
            let err = (r.build)(r.message.clone());
            let value = err.value(py);
            let set = || -> PyResult<()> {
                value.setattr("code", &r.code)?;
                value.setattr("message", &r.message)?;
                for (name, v) in &r.attrs {
                    value.setattr(*name, v)?;
                }
                Ok(())
            };
            match set() {
                Ok(()) => err,
                Err(e) => e,
            }
        })
    }
}

/// A tariff (or profile, with `profile = true`) error.
pub fn tariff_error(e: &CoreTariffError, profile: bool) -> PyErr {
    let prefix = if profile { "profile" } else { "tariff" };
    Python::attach(|py| {
        let (code, problems): (&str, Vec<CoreProblem>) = match e {
            CoreTariffError::Parse { path, message, .. } => (
                "parse",
                vec![CoreProblem {
                    path: path.clone(),
                    message: message.clone(),
                }],
            ),
            CoreTariffError::Invalid { problems, .. } => ("invalid", problems.clone()),
        };
        let code = format!("{prefix}.{code}");
        let r = if profile {
            Raise::new::<ProfileError>(code, e.to_string())
        } else {
            Raise::new::<TariffError>(code, e.to_string())
        };
        r.problems(py, &problems).into()
    })
}

/// Stable code of a bill error.
pub fn bill_code(e: &CoreBillError) -> &'static str {
    match e {
        CoreBillError::NoRates { .. } => "bill.no_rates",
        CoreBillError::MeterSizeRequired { .. } => "bill.meter_size_required",
        CoreBillError::UnknownMeterSize { .. } => "bill.unknown_meter_size",
        CoreBillError::ClassRequired { .. } => "bill.class_required",
        CoreBillError::UnknownClass { .. } => "bill.unknown_class",
        CoreBillError::NegativeUsage(_) => "bill.negative_usage",
        CoreBillError::UsageRequired(_) => "bill.usage_required",
        CoreBillError::Unit(_) => "bill.unit",
        CoreBillError::Money(_) => "bill.overflow",
        CoreBillError::Period(_) => "bill.period",
    }
}

/// A bill error.
pub fn bill_error(e: &CoreBillError) -> PyErr {
    Raise::new::<BillError>(bill_code(e), e.to_string()).into()
}

/// A bill error of one batch row.
pub fn bill_row_error(row: usize, code: &str, message: &str) -> PyErr {
    Python::attach(|py| {
        Raise::new::<BillError>(code, format!("row {row}: {message}"))
            .with_value(py, "row", row)
            .into()
    })
}

/// A money error.
pub fn money_error(e: &CoreMoneyError) -> PyErr {
    let code = match e {
        CoreMoneyError::Empty => "money.empty",
        CoreMoneyError::Malformed { .. } => "money.malformed",
        CoreMoneyError::InvalidCharacter { .. } => "money.invalid_character",
        CoreMoneyError::TooManyDecimals { .. } => "money.too_many_decimals",
        CoreMoneyError::UnknownCurrency { .. } => "money.unknown_currency",
        CoreMoneyError::CurrencyMismatch { .. } => "money.currency_mismatch",
        CoreMoneyError::Overflow { .. } => "money.overflow",
    };
    Raise::new::<MoneyError>(code, e.to_string()).into()
}

/// A fee error.
pub fn fee_error(e: &CoreFeeError) -> PyErr {
    let code = match e {
        CoreFeeError::Invalid { .. } => "fee.invalid",
        CoreFeeError::NotAccepted { .. } => "fee.not_accepted",
        CoreFeeError::NotPositive(_) => "fee.not_positive",
        CoreFeeError::NotPayable(_) => "fee.not_payable",
        CoreFeeError::Currency { .. } => "fee.currency",
        CoreFeeError::NoAccounts => "fee.no_accounts",
        CoreFeeError::ScheduleChanged => "fee.schedule_changed",
        CoreFeeError::QuoteMismatch { .. } => "fee.quote_mismatch",
        CoreFeeError::Overflow => "fee.overflow",
        CoreFeeError::NoSchedule(_) => "fee.no_schedule",
    };
    Python::attach(|py| {
        let r = Raise::new::<FeeError>(code, e.to_string());
        match e {
            CoreFeeError::Invalid { problems } => r.problems(py, problems).into(),
            _ => r.into(),
        }
    })
}

/// A calendar error.
pub fn calendar_error(e: &CoreCalendarError) -> PyErr {
    let code = match e {
        CoreCalendarError::Invalid { .. } => "calendar.invalid",
        CoreCalendarError::OutOfRange(_) => "calendar.out_of_range",
        CoreCalendarError::UnknownRoll(_) => "calendar.unknown_roll",
    };
    Python::attach(|py| {
        let r = Raise::new::<CalendarError>(code, e.to_string());
        match e {
            CoreCalendarError::Invalid { problems } => r.problems(py, problems).into(),
            _ => r.into(),
        }
    })
}

/// A meter error.
pub fn meter_error(e: &CoreMeterError) -> PyErr {
    Raise::new::<MeterError>("meter.invalid", e.to_string()).into()
}

/// Registers the exception types on the module, each with a class-level
/// default `code`.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    let types = [
        (
            "RatepayerError",
            py.get_type::<RatepayerError>(),
            "ratepayer",
        ),
        ("ProfileError", py.get_type::<ProfileError>(), "profile"),
        ("TariffError", py.get_type::<TariffError>(), "tariff"),
        ("BillError", py.get_type::<BillError>(), "bill"),
        ("MoneyError", py.get_type::<MoneyError>(), "money"),
        ("MeterError", py.get_type::<MeterError>(), "meter"),
        ("FeeError", py.get_type::<FeeError>(), "fee"),
        (
            "PasswordPolicyError",
            py.get_type::<PasswordPolicyError>(),
            "password",
        ),
        (
            "RegistrationError",
            py.get_type::<RegistrationError>(),
            "registration",
        ),
        ("CalendarError", py.get_type::<CalendarError>(), "calendar"),
        ("AutopayError", py.get_type::<AutopayError>(), "autopay"),
        ("StorageError", py.get_type::<StorageError>(), "storage"),
        ("PortalError", py.get_type::<PortalError>(), "portal"),
    ];
    for (name, ty, code) in types {
        ty.setattr("code", code)?;
        ty.setattr("message", "")?;
        m.add(name, ty)?;
    }
    py.get_type::<PortalError>()
        .setattr("retry_after_seconds", py.None())?;
    m.add_class::<Problem>()?;
    Ok(())
}
