//! Notices planned as dated events the host application delivers: the
//! bill-ready message, a reminder N days before each draft (Chicago), the
//! Regulation E advance notice of a variable-amount debit (or only when the
//! amount is outside the customer's chosen range), card-expiry warnings, and
//! the flag for a plan whose bill date leaves less than the notice period.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::Money;

/// What a notice is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// The bill is ready; it states the amount that will be drafted (Crow Wing).
    BillReady,
    /// Regulation E notice of the amount and date of a variable debit.
    VariableAmount,
    /// A reminder before the draft (Chicago).
    DraftReminder,
    /// The card on file expires soon.
    CardExpiring,
    /// A bill will not be drafted: pay it by hand.
    PayByHand,
    /// AutoPay is suspended.
    AutopaySuspended,
    /// A draft failed and will be tried again.
    DraftFailedRetrying,
    /// AutoPay has ended (the account is closed).
    AutopayEnded,
    /// A legacy AutoPay enrolment was not carried over to a new portal.
    MigrationSuspended,
    /// A payment scheduled in a legacy portal was cancelled at cut-over.
    ScheduledPaymentCancelled,
}

/// A notice to deliver on a date: the one notice type of AutoPay, whether it
/// comes from a plan, a failed draft or a portal migration.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PlannedNotice {
    /// When to send it.
    pub date: NaiveDate,
    /// What it is about.
    pub kind: NoticeKind,
    /// The bill it concerns, if any.
    pub bill_id: Option<String>,
    /// The text for the customer.
    pub text: String,
}

/// The customer's choice under Regulation E for variable-amount debits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(tag = "notify", rename_all = "snake_case")]
pub enum AmountNoticePreference {
    /// A notice before every draft.
    #[default]
    EveryDraft,
    /// A notice only when the amount debited (the bill's amount plus any
    /// convenience fee) is outside `min..=max`.
    OutsideRange {
        /// Lowest amount drafted without notice.
        min: Money,
        /// Highest amount drafted without notice.
        max: Money,
    },
}

impl AmountNoticePreference {
    /// True when a debit of `amount` (what is debited, fee included) needs
    /// an advance notice.
    pub fn needs_notice(&self, amount: Money) -> bool {
        match self {
            AmountNoticePreference::EveryDraft => true,
            AmountNoticePreference::OutsideRange { min, max } => {
                amount.amount() < min.amount() || amount.amount() > max.amount()
            }
        }
    }
}

fn ten() -> u32 {
    10
}

fn thirty() -> u32 {
    30
}

/// A utility's notice settings (in its `[autopay]` section).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoticePolicy {
    /// Send a bill-ready notice stating the amount to be drafted.
    #[serde(default)]
    pub bill_ready: bool,
    /// Days before each draft to send a reminder, if any.
    #[serde(default)]
    pub reminder_days_before: Option<u32>,
    /// Regulation E: days of advance notice of a variable-amount bank debit.
    #[serde(default = "ten")]
    pub variable_amount_notice_days: u32,
    /// Days before a card expires to warn the customer.
    #[serde(default = "thirty")]
    pub card_expiry_notice_days: u32,
}

impl Default for NoticePolicy {
    fn default() -> Self {
        NoticePolicy {
            bill_ready: false,
            reminder_days_before: None,
            variable_amount_notice_days: ten(),
            card_expiry_notice_days: thirty(),
        }
    }
}

/// Something wrong with a plan that the utility should fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "flag", rename_all = "snake_case")]
pub enum PlanFlag {
    /// The bill date leaves less than the Regulation E notice period before the draft.
    NoticePeriodTooShort {
        /// The bill.
        bill_id: String,
        /// When the notice can go out at the earliest.
        bill_date: NaiveDate,
        /// The draft date.
        draft_date: NaiveDate,
        /// Days between them.
        days: i64,
        /// Days required.
        required: u32,
    },
}
