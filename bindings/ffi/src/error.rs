//! The one public error of the bindings: a variant per domain, each with a
//! stable machine `code` and an English `detail` saying what was wrong and
//! how to fix it (the core error's message). Conversions from every core
//! error used by the surface live here.

use ratepayer::autopay::AutopayError;
use ratepayer::calendar::CalendarError;
use ratepayer::electric::ElectricError;
use ratepayer::fees::FeeError;
use ratepayer::meter::MeterError;
use ratepayer::{BillError, MoneyError, PeriodError, TariffError, UnitError};
use ratepayer_portal::store::StorageError;
use ratepayer_portal::PortalError;

/// One problem of a profile or tariff: where (`path`) and what to fix.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Problem {
    /// Path of the field at fault, for example `tariffs[0].versions[1].effective_to`.
    pub path: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl From<&ratepayer::Problem> for Problem {
    fn from(p: &ratepayer::Problem) -> Self {
        Problem {
            path: p.path.clone(),
            message: p.message.clone(),
        }
    }
}

/// Every error the bindings raise (`RatepayerException` in Kotlin,
/// `RatepayerError` in Swift). `code` is stable (`money.malformed`,
/// `bill.meter_size_required`, ...); `detail` is for people.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum RatepayerError {
    /// An amount or currency was not valid, or money arithmetic failed.
    #[error("{code}: {detail}")]
    Money {
        /// Stable machine code.
        code: String,
        /// What was wrong and how to fix it.
        detail: String,
    },
    /// A profile or tariff could not be read or is not valid; every problem is listed.
    #[error("{code}: {detail}")]
    Profile {
        /// Stable machine code.
        code: String,
        /// What was wrong and how to fix it.
        detail: String,
        /// Every problem, each with its path (empty for a parse error without one).
        problems: Vec<Problem>,
    },
    /// A bill could not be computed (period, usage, meter reads, tariff coverage).
    #[error("{code}: {detail}")]
    Bill {
        /// Stable machine code.
        code: String,
        /// What was wrong and how to fix it.
        detail: String,
    },
    /// A fee could not be quoted.
    #[error("{code}: {detail}")]
    Fee {
        /// Stable machine code.
        code: String,
        /// What was wrong and how to fix it.
        detail: String,
    },
    /// Registration could not be checked (the profile has no registration rules, bad context).
    #[error("{code}: {detail}")]
    Registration {
        /// Stable machine code.
        code: String,
        /// What was wrong and how to fix it.
        detail: String,
    },
    /// An AutoPay or calendar date could not be computed.
    #[error("{code}: {detail}")]
    Autopay {
        /// Stable machine code.
        code: String,
        /// What was wrong and how to fix it.
        detail: String,
    },
    /// A store or directory implemented in Kotlin or Swift failed (it threw).
    #[error("{code}: {detail}")]
    Store {
        /// Stable machine code.
        code: String,
        /// What was wrong and how to fix it.
        detail: String,
    },
    /// A portal call was refused (wrong credentials, not allowed, a bad
    /// field, a registration that could not be verified, a session token
    /// unknown, ended or expired: `login.sign_in_required`, ...); `code` is
    /// the core's `PortalError::code()`. Nothing was changed beyond what the
    /// refusal documents (failed logins count; refusals are audited).
    #[error("{code}: {detail}")]
    Portal {
        /// Stable machine code, for example `login.wrong_credentials`.
        code: String,
        /// What was wrong and how to fix it.
        detail: String,
    },
    /// A value passed in was malformed (a date, a unit, a name).
    #[error("{code}: {detail}")]
    Input {
        /// Stable machine code.
        code: String,
        /// What was wrong and how to fix it.
        detail: String,
    },
}

impl RatepayerError {
    /// A malformed input value.
    pub(crate) fn input(code: &str, detail: impl Into<String>) -> Self {
        RatepayerError::Input {
            code: code.into(),
            detail: detail.into(),
        }
    }

    /// The stable machine code of any variant.
    pub fn code(&self) -> &str {
        match self {
            RatepayerError::Money { code, .. }
            | RatepayerError::Profile { code, .. }
            | RatepayerError::Bill { code, .. }
            | RatepayerError::Fee { code, .. }
            | RatepayerError::Registration { code, .. }
            | RatepayerError::Autopay { code, .. }
            | RatepayerError::Store { code, .. }
            | RatepayerError::Portal { code, .. }
            | RatepayerError::Input { code, .. } => code,
        }
    }
}

impl From<MoneyError> for RatepayerError {
    fn from(e: MoneyError) -> Self {
        let code = match e {
            MoneyError::Empty => "money.empty",
            MoneyError::Malformed { .. } => "money.malformed",
            MoneyError::InvalidCharacter { .. } => "money.invalid_character",
            MoneyError::TooManyDecimals { .. } => "money.too_many_decimals",
            MoneyError::UnknownCurrency { .. } => "money.unknown_currency",
            MoneyError::CurrencyMismatch { .. } => "money.currency_mismatch",
            MoneyError::Overflow { .. } => "money.overflow",
        };
        RatepayerError::Money {
            code: code.into(),
            detail: e.to_string(),
        }
    }
}

impl From<TariffError> for RatepayerError {
    fn from(e: TariffError) -> Self {
        let (code, problems) = match &e {
            TariffError::Parse { path, message, .. } => (
                "profile.parse",
                vec![Problem {
                    path: path.clone(),
                    message: message.clone(),
                }],
            ),
            TariffError::Invalid { problems, .. } => (
                "profile.invalid",
                problems.iter().map(Problem::from).collect(),
            ),
        };
        RatepayerError::Profile {
            code: code.into(),
            detail: e.to_string(),
            problems,
        }
    }
}

impl From<BillError> for RatepayerError {
    fn from(e: BillError) -> Self {
        let code = match e {
            BillError::NoRates { .. } => "bill.no_rates",
            BillError::MeterSizeRequired { .. } => "bill.meter_size_required",
            BillError::UnknownMeterSize { .. } => "bill.unknown_meter_size",
            BillError::ClassRequired { .. } => "bill.class_required",
            BillError::UnknownClass { .. } => "bill.unknown_class",
            BillError::NegativeUsage(_) => "bill.negative_usage",
            BillError::UsageRequired(_) => "bill.usage_required",
            BillError::Unit(_) => "bill.unit",
            BillError::Money(_) => "bill.overflow",
            BillError::Period(_) => "bill.period",
        };
        RatepayerError::Bill {
            code: code.into(),
            detail: e.to_string(),
        }
    }
}

impl From<PeriodError> for RatepayerError {
    fn from(e: PeriodError) -> Self {
        RatepayerError::Bill {
            code: "bill.period".into(),
            detail: e.to_string(),
        }
    }
}

impl From<UnitError> for RatepayerError {
    fn from(e: UnitError) -> Self {
        RatepayerError::input("input.unit", e.to_string())
    }
}

impl From<MeterError> for RatepayerError {
    fn from(e: MeterError) -> Self {
        RatepayerError::Bill {
            code: "bill.meter".into(),
            detail: e.to_string(),
        }
    }
}

impl From<FeeError> for RatepayerError {
    fn from(e: FeeError) -> Self {
        let code = match e {
            FeeError::Invalid { .. } => "fee.invalid_schedule",
            FeeError::NotAccepted { .. } => "fee.not_accepted",
            FeeError::NotPositive(_) => "fee.not_positive",
            FeeError::NotPayable(_) => "fee.not_payable",
            FeeError::Currency { .. } => "fee.currency",
            FeeError::NoAccounts => "fee.no_accounts",
            FeeError::ScheduleChanged => "fee.schedule_changed",
            FeeError::QuoteMismatch { .. } => "fee.quote_mismatch",
            FeeError::Overflow => "fee.overflow",
            FeeError::NoSchedule(_) => "fee.no_schedule",
        };
        RatepayerError::Fee {
            code: code.into(),
            detail: e.to_string(),
        }
    }
}

impl From<AutopayError> for RatepayerError {
    fn from(e: AutopayError) -> Self {
        let code = match e {
            AutopayError::DueBeforeBill { .. } => "autopay.due_before_bill",
            AutopayError::NoPrintedDraftDate => "autopay.no_printed_draft_date",
            AutopayError::NoDraftWindow { .. } => "autopay.no_draft_window",
            AutopayError::InvalidRule { .. } => "autopay.invalid_rule",
            AutopayError::Fee(_) => "autopay.fee",
            AutopayError::Calendar(_) => "autopay.calendar",
        };
        RatepayerError::Autopay {
            code: code.into(),
            detail: e.to_string(),
        }
    }
}

impl From<CalendarError> for RatepayerError {
    fn from(e: CalendarError) -> Self {
        RatepayerError::Autopay {
            code: "autopay.calendar".into(),
            detail: e.to_string(),
        }
    }
}

/// An electric tariff that cannot be read (`tariff.parse`) or breaks rules
/// (`tariff.invalid`, every problem listed) is `RatepayerError.Profile`;
/// meter data or a year that cannot be billed is `RatepayerError.Bill`
/// (`electric.series`, `electric.outside_year`, `electric.year`,
/// `electric.overflow`). The codes are the Python binding's.
impl From<ElectricError> for RatepayerError {
    fn from(e: ElectricError) -> Self {
        let bill = |code: &str| RatepayerError::Bill {
            code: code.into(),
            detail: e.to_string(),
        };
        match &e {
            ElectricError::Invalid { problems } => RatepayerError::Profile {
                code: "tariff.invalid".into(),
                detail: e.to_string(),
                problems: problems.iter().map(Problem::from).collect(),
            },
            ElectricError::Json(_) => RatepayerError::Profile {
                code: "tariff.parse".into(),
                detail: e.to_string(),
                problems: Vec::new(),
            },
            ElectricError::Series(_) => bill("electric.series"),
            ElectricError::OutsideYear(_) => bill("electric.outside_year"),
            ElectricError::Year(_) => bill("electric.year"),
            ElectricError::Overflow(_) => bill("electric.overflow"),
        }
    }
}

/// An exception a foreign implementation (Kotlin, Swift) threw that was not
/// a `RatepayerError`: it comes back as `RatepayerError.Store`.
impl From<uniffi::UnexpectedUniFFICallbackError> for RatepayerError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        RatepayerError::Store {
            code: "store.foreign_exception".into(),
            detail: format!("the app's implementation threw: {}", e.reason),
        }
    }
}

impl From<StorageError> for RatepayerError {
    fn from(e: StorageError) -> Self {
        RatepayerError::Store {
            code: e.code().into(),
            detail: e.to_string(),
        }
    }
}

impl From<PortalError> for RatepayerError {
    fn from(e: PortalError) -> Self {
        match e {
            PortalError::Storage(s) => s.into(),
            other => RatepayerError::Portal {
                code: other.code(),
                detail: other.to_string(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ended_session_is_the_portal_error_sign_in_required() {
        let e = RatepayerError::from(PortalError::SignInRequired);
        assert!(
            matches!(&e, RatepayerError::Portal { code, detail }
                if code == "login.sign_in_required" && detail.contains("sign in again")),
            "{e:?}"
        );
        assert_eq!(e.code(), "login.sign_in_required");
    }
}
