//! Autopay scheduling: when a bill is drafted ([`draft_date`]), on a banking
//! calendar (see [`crate::calendar`]).
//!
//! Also: who may enrol and the cut-off before a due date ([`enrolment`]),
//! the draft amount and fee ([`draft_amount`]), planned notices ([`notices`]),
//! a customer's plan with idempotency keys ([`plan`](mod@plan)), and what follows a
//! returned debit or declined card ([`failures`]).

mod amount;
mod draft_date;
pub mod enrolment;
pub mod failures;
pub mod notices;
pub mod plan;

pub use amount::{draft_amount, AmountBasis, DraftDecision};
pub use draft_date::{draft_date, BillDates, DraftRule};
pub use notices::{AmountNoticePreference, NoticeKind, NoticePolicy, PlanFlag, PlannedNotice};
pub use plan::{
    idempotency_key, legacy_idempotency_key, plan, AutopayCustomer, AutopayOption, AutopayPlan,
    CardExpiry, DraftInstruction, PlannedBill,
};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::calendar::CalendarError;

/// Which banking calendar drafts follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum CalendarChoice {
    /// The Federal Reserve's ACH calendar.
    #[default]
    Fed,
    /// The calendar in the profile's `[calendar]` section.
    Profile,
}

/// A utility's AutoPay settings, as its profile's `[autopay]` section holds them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AutopayPolicy {
    /// The calendar drafts follow.
    #[serde(default)]
    pub calendar: CalendarChoice,
    /// The ways to enrol the utility offers.
    pub options: Vec<AutopayOption>,
    /// Notices.
    #[serde(default)]
    pub notices: NoticePolicy,
    /// Who may enrol and the cut-off before a due date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enrolment: Option<enrolment::EnrolmentPolicy>,
    /// Retries after returned debits and declined cards.
    #[serde(default)]
    pub retry: failures::RetryPolicy,
}

impl AutopayPolicy {
    /// The option named `name`.
    pub fn option(&self, name: &str) -> Result<&AutopayOption, AutopayError> {
        self.options
            .iter()
            .find(|o| o.name == name)
            .ok_or_else(|| AutopayError::InvalidRule {
                field: "option",
                reason: format!(
                    "no AutoPay option `{}`; the utility offers {}",
                    crate::money::excerpt(name),
                    self.options
                        .iter()
                        .map(|o| o.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            })
    }
}

/// Why an autopay date could not be computed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AutopayError {
    /// The bill's dates are inconsistent.
    #[error("the bill's due date {due} is before its bill date {bill}; a bill is due after it is issued")]
    DueBeforeBill {
        /// Bill date.
        bill: NaiveDate,
        /// Due date.
        due: NaiveDate,
    },
    /// No banking day lies between the bill date and the due date.
    #[error("no banking day lies between the bill date {bill} and the due date {due}, so the bill cannot be drafted on time; move the due date to a banking day")]
    NoDraftWindow {
        /// Bill date.
        bill: NaiveDate,
        /// Due date.
        due: NaiveDate,
    },
    /// The rule needs the draft date printed on the bill, and it has none.
    #[error("the rule drafts on the date printed on the bill, but this bill has no `printed_draft_date`")]
    NoPrintedDraftDate,
    /// A rule's setting is out of range.
    #[error("`{field}`: {reason}")]
    InvalidRule {
        /// The setting.
        field: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// The fee for the draft could not be quoted.
    #[error("the AutoPay fee: {0}")]
    Fee(#[from] crate::fees::FeeError),
    /// The calendar could not give a date.
    #[error(transparent)]
    Calendar(#[from] CalendarError),
}
