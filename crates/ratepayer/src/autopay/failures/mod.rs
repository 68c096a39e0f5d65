//! Failed drafts (issue "Autopay scheduling", item 6): what to do after an
//! AutoPay draft fails, as a pure decision over the draft's attempt history.
//!
//! This module owns the retry policy ([`RetryPolicy`], in a profile's
//! `[autopay]` section), the failure kinds ([`DraftFailure`],
//! [`AchReturnCode`]), the attempt history ([`Attempt`]) and the decision
//! [`next_action`], with the customer notice each decision carries
//! ([`Notice`], the shared [`super::notices::PlannedNotice`]).
//!
//! # One history, one draft
//!
//! A history is every presentment of **one** draft (one bill, one payment
//! method), in order: attempt 0 is the original draft, attempt `n` the
//! `n`-th retry (a card retry or an ACH re-presentment). [`check_history`]
//! refuses histories that cannot have happened: attempt numbers other than
//! `0, 1, 2, ...`, a presentment date before the previous one, a settlement
//! date before its own presentment, a pending attempt that is not the last,
//! any attempt after a success, and card failures mixed with ACH returns.
//!
//! # The decision
//!
//! [`next_action`] looks at the last attempt:
//!
//! - succeeded or pending: [`FailureAction::Done`], nothing to do now (call
//!   again when a pending attempt settles or is returned);
//! - a hard card decline, an expired card or an ACH return that may not be
//!   re-presented (R02, R03, R04, R07, R08, R10, R16, R20, R29): AutoPay is
//!   suspended ([`FailureAction::Suspend`]) and the customer told to update
//!   the payment method and pay the bill another way;
//! - a soft card decline: retried `card_soft_decline_retry_days[k]`
//!   calendar days after the decline (the declined attempt's date), rolled
//!   forward to a banking day of the calendar, while fewer than
//!   [`RetryPolicy::card_retry_limit`] retries have been made; then
//!   suspended;
//! - an R01 or R09 return: re-presented
//!   `ach_representment_delay_business_days` banking days after the returned
//!   entry settled (its presentment date when the history has no settlement
//!   date for it; returns are not dated in the history), while fewer than
//!   [`RetryPolicy::ach_representment_limit`] re-presentments (never more
//!   than [`NACHA_MAX_REPRESENTMENTS`]) have been made **and** the
//!   re-presentment date is at most `ach_representment_window_days` calendar
//!   days after the original entry's settlement date (day 180 itself is
//!   allowed). When the original entry (attempt 0) has no settlement date,
//!   its presentment date is used: it is never later than the settlement
//!   date, so the window can only be shorter, never longer, than NACHA's.
//!   Otherwise AutoPay is suspended.
//!
//! With `account_closed`, the history is the closed account's final bill:
//! it is drafted once and never retried, so after its attempt (whatever its
//! outcome, even pending) the decision is [`FailureAction::End`]: AutoPay
//! ends, and the notice says whether the final bill was paid, is in
//! progress, or must be paid another way. No retry is ever returned for a
//! closed account, however many attempts the history already holds.
//!
//! Every retry date is a banking day strictly after the failed attempt's
//! presentment date. Every decision except [`FailureAction::Done`] carries a
//! [`Notice`], dated the day the failure is known: the failed attempt's
//! date for a card, the returned entry's settlement date (else its
//! presentment date) for an ACH return.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::calendar::CalendarError;
use crate::tariff::Problem;

/// The most times NACHA allows a returned R01/R09 entry to be re-presented.
pub const NACHA_MAX_REPRESENTMENTS: u32 = 2;

/// The most calendar days after the original entry's settlement date that
/// NACHA allows a re-presentment.
pub const NACHA_REPRESENTMENT_WINDOW_DAYS: u32 = 180;

/// The longest gap, in calendar days, between a card decline and its retry.
pub const MAX_CARD_RETRY_GAP_DAYS: u32 = 30;

/// The longest wait, in banking days, between an ACH return and its re-presentment.
pub const MAX_ACH_DELAY_BUSINESS_DAYS: u32 = 30;

mod codes;
mod decide;
mod policy;

pub use codes::AchReturnCode;
pub use decide::{check_history, next_action};
pub use policy::RetryPolicy;

/// Why one attempt at a draft failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DraftFailure {
    /// The bank returned the ACH debit.
    AchReturn {
        /// The return reason code.
        code: AchReturnCode,
    },
    /// The card issuer declined the charge.
    CardDecline {
        /// A soft decline (insufficient funds, issuer unavailable) may be
        /// retried; a hard one (stolen, closed, do not honour) may not.
        soft: bool,
    },
    /// The card had expired.
    CardExpired,
}

impl DraftFailure {
    /// True when the policy may retry this failure: a soft card decline, or
    /// an R01/R09 return.
    pub fn is_retryable(self) -> bool {
        match self {
            DraftFailure::AchReturn { code } => code.is_representable(),
            DraftFailure::CardDecline { soft } => soft,
            DraftFailure::CardExpired => false,
        }
    }

    /// True for an ACH return, false for a card failure.
    pub fn is_ach(self) -> bool {
        matches!(self, DraftFailure::AchReturn { .. })
    }

    /// What happened, in words for the customer.
    fn what_happened(self) -> String {
        match self {
            DraftFailure::AchReturn { code } => {
                format!("your bank returned it because {}", code.description())
            }
            DraftFailure::CardDecline { soft: true } => "your card issuer declined it".into(),
            DraftFailure::CardDecline { soft: false } => {
                "your card issuer declined it and will not approve it if we try again".into()
            }
            DraftFailure::CardExpired => "the card on file has expired".into(),
        }
    }
}

/// How one attempt at a draft ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttemptOutcome {
    /// The payment went through.
    Succeeded,
    /// The payment failed.
    Failed(DraftFailure),
    /// The outcome is not known yet.
    Pending,
}

/// One presentment of a draft: the original (attempt 0) or a retry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Attempt {
    /// 0 for the original draft, `n` for the `n`-th retry.
    pub attempt: u32,
    /// The day the debit was presented or the card charged.
    pub date: NaiveDate,
    /// The day the ACH entry settled, when known (on or after `date`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settled: Option<NaiveDate>,
    /// How it ended.
    pub outcome: AttemptOutcome,
}

pub use super::notices::{NoticeKind, PlannedNotice as Notice};

/// Why AutoPay is suspended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum SuspendReason {
    /// The card issuer declined the charge for good.
    HardDecline,
    /// The card had expired.
    CardExpired,
    /// The bank returned the debit with a code that may not be re-presented.
    AchReturn {
        /// The return reason code.
        code: AchReturnCode,
    },
    /// The retries the policy allows have all failed.
    RetriesExhausted {
        /// The last failure.
        failure: DraftFailure,
        /// The retries made (after the original attempt).
        retries: u32,
    },
    /// The next re-presentment would fall after the NACHA window.
    WindowClosed {
        /// The return reason code.
        code: AchReturnCode,
        /// The last day a re-presentment could go out.
        deadline: NaiveDate,
    },
}

/// What to do after the latest attempt at a draft.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum FailureAction {
    /// Try the draft again.
    Retry {
        /// The number of the new attempt (1 for the first retry).
        attempt: u32,
        /// The banking day to present it on.
        on: NaiveDate,
        /// Tells the customer the draft failed and when it is tried again.
        notify: Notice,
    },
    /// Suspend AutoPay: the customer must update the payment method and pay
    /// this bill another way.
    Suspend {
        /// Why.
        reason: SuspendReason,
        /// Tells the customer.
        notify: Notice,
    },
    /// Nothing to do: the last attempt succeeded, or is pending.
    Done,
    /// The account is closed and its final bill has been drafted: AutoPay ends.
    End {
        /// Tells the customer how the final draft went and that AutoPay has ended.
        notify: Notice,
    },
}

/// Why no decision could be made.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FailureError {
    /// The retry policy breaks rules; every problem is listed.
    #[error("the AutoPay retry policy is not valid:\n{}", problems.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
    InvalidPolicy {
        /// Every problem, with its field.
        problems: Vec<Problem>,
    },
    /// Not an ACH return code this library knows.
    #[error("`{code}` is not a known ACH return code; use one of R01, R02, R03, R04, R07, R08, R09, R10, R16, R20 or R29")]
    UnknownReturnCode {
        /// The text given (shortened).
        code: String,
    },
    /// The history has no attempt.
    #[error("the attempt history is empty; decide only after the original draft (attempt 0) has been presented")]
    EmptyHistory,
    /// An attempt is out of sequence.
    #[error("the history's entry {expected} is numbered attempt {found}; number the attempts 0 (the original draft), 1, 2, ... in the order they were made")]
    AttemptNumber {
        /// The number the entry should have (its position).
        expected: u32,
        /// The number it has.
        found: u32,
    },
    /// An attempt is dated before the one before it.
    #[error("attempt {attempt} is dated {date}, before attempt {previous_attempt} ({previous}); list the attempts in the order they were made")]
    DateBeforePrevious {
        /// The attempt.
        attempt: u32,
        /// Its date.
        date: NaiveDate,
        /// The attempt before it.
        previous_attempt: u32,
        /// That attempt's date.
        previous: NaiveDate,
    },
    /// An attempt settled before it was presented.
    #[error("attempt {attempt} settled on {settled}, before it was presented on {date}; an entry settles on or after its presentment")]
    SettledBeforePresented {
        /// The attempt.
        attempt: u32,
        /// Its presentment date.
        date: NaiveDate,
        /// Its settlement date.
        settled: NaiveDate,
    },
    /// A pending attempt is followed by another.
    #[error("attempt {attempt} is pending but is followed by another attempt; only the last attempt may be pending, so record its outcome first")]
    PendingNotLast {
        /// The pending attempt.
        attempt: u32,
    },
    /// An attempt follows a success.
    #[error("attempt {attempt} follows attempt {succeeded}, which succeeded; a paid draft is never tried again, so remove the later attempts")]
    AttemptAfterSuccess {
        /// The attempt after the success.
        attempt: u32,
        /// The attempt that succeeded.
        succeeded: u32,
    },
    /// Card failures and ACH returns in one history.
    #[error("attempt {attempt} failed on a different payment method (card or bank account) from attempt {first}; a history holds the attempts of one draft on one payment method")]
    MixedMethods {
        /// The attempt on the other method.
        attempt: u32,
        /// The first failed attempt.
        first: u32,
    },
    /// A date is outside the supported dates.
    #[error("the date is out of range: {0}")]
    OutOfRange(String),
    /// The calendar could not give a date.
    #[error(transparent)]
    Calendar(#[from] CalendarError),
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
