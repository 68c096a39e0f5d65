//! Failed drafts (issue "Autopay scheduling", item 6): what to do after an
//! AutoPay draft fails, as a pure decision over the draft's attempt history.
//!
//! This module owns the retry policy ([`RetryPolicy`], in a profile's
//! `[autopay]` section), the failure kinds ([`DraftFailure`],
//! [`AchReturnCode`]), the attempt history ([`Attempt`]) and the decision
//! [`next_action`], with the customer notice each decision carries
//! ([`Notice`]; self-contained here, to be unified with
//! [`super::notices`] later).
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

use std::fmt;
use std::str::FromStr;

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::calendar::{Calendar, CalendarError, Roll};
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

/// How failed drafts are retried, as a profile's `[autopay]` section holds
/// it; every field may be left out, for example
///
/// ```toml
/// card_soft_decline_retry_days = [1, 3, 5]
/// max_card_retries = 2
/// ```
///
/// Defaults: card retries 1, 3 and 5 days after each decline (at most 3),
/// ACH re-presentments at most 2, within 180 days of the original
/// settlement, 2 banking days after a return.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RetryPolicy {
    /// Calendar days from a soft card decline to the next retry: the first
    /// entry after the original's decline, the second after the first
    /// retry's decline, and so on. Each is 1 to [`MAX_CARD_RETRY_GAP_DAYS`].
    pub card_soft_decline_retry_days: Vec<u32>,
    /// The most card retries; the retries made are at most
    /// `min(max_card_retries, card_soft_decline_retry_days.len())`.
    pub max_card_retries: u32,
    /// The most re-presentments of an R01/R09 return: 0 to
    /// [`NACHA_MAX_REPRESENTMENTS`] (2).
    pub ach_max_representments: u32,
    /// A re-presentment must go out at most this many calendar days after
    /// the original entry's settlement date: 0 to
    /// [`NACHA_REPRESENTMENT_WINDOW_DAYS`] (180).
    pub ach_representment_window_days: u32,
    /// Banking days from the returned entry's settlement to its
    /// re-presentment: 1 to [`MAX_ACH_DELAY_BUSINESS_DAYS`].
    pub ach_representment_delay_business_days: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            card_soft_decline_retry_days: vec![1, 3, 5],
            max_card_retries: 3,
            ach_max_representments: NACHA_MAX_REPRESENTMENTS,
            ach_representment_window_days: NACHA_REPRESENTMENT_WINDOW_DAYS,
            ach_representment_delay_business_days: 2,
        }
    }
}

impl RetryPolicy {
    /// Every problem with the policy, each with the field at fault; empty
    /// when the policy is valid.
    pub fn problems(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        let mut add = |path: String, message: String| out.push(Problem { path, message });
        for (i, days) in self.card_soft_decline_retry_days.iter().enumerate() {
            if !(1..=MAX_CARD_RETRY_GAP_DAYS).contains(days) {
                add(
                    format!("card_soft_decline_retry_days[{i}]"),
                    format!(
                        "{days} days is not a retry gap; retry 1 to {MAX_CARD_RETRY_GAP_DAYS} \
                         calendar days after the decline"
                    ),
                );
            }
        }
        if self.ach_max_representments > NACHA_MAX_REPRESENTMENTS {
            add(
                "ach_max_representments".into(),
                format!(
                    "{} re-presentments is more than NACHA allows; a returned entry may be \
                     re-presented at most {NACHA_MAX_REPRESENTMENTS} times, so use 0 to \
                     {NACHA_MAX_REPRESENTMENTS}",
                    self.ach_max_representments
                ),
            );
        }
        if self.ach_representment_window_days > NACHA_REPRESENTMENT_WINDOW_DAYS {
            add(
                "ach_representment_window_days".into(),
                format!(
                    "{} days is longer than NACHA allows; a returned entry must be re-presented \
                     within {NACHA_REPRESENTMENT_WINDOW_DAYS} days of the original settlement \
                     date, so use 0 to {NACHA_REPRESENTMENT_WINDOW_DAYS}",
                    self.ach_representment_window_days
                ),
            );
        }
        let delay = self.ach_representment_delay_business_days;
        if !(1..=MAX_ACH_DELAY_BUSINESS_DAYS).contains(&delay) {
            add(
                "ach_representment_delay_business_days".into(),
                format!(
                    "{delay} banking days is not a re-presentment delay; a re-presentment must \
                     follow the return, so use 1 to {MAX_ACH_DELAY_BUSINESS_DAYS}"
                ),
            );
        }
        out
    }

    /// Checks the policy, reporting every problem at once.
    pub fn validate(&self) -> Result<(), FailureError> {
        let problems = self.problems();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(FailureError::InvalidPolicy { problems })
        }
    }

    /// The most card retries actually made:
    /// `min(max_card_retries, card_soft_decline_retry_days.len())`.
    pub fn card_retry_limit(&self) -> u32 {
        let scheduled = u32::try_from(self.card_soft_decline_retry_days.len()).unwrap_or(u32::MAX);
        self.max_card_retries.min(scheduled)
    }

    /// The most ACH re-presentments actually made: `ach_max_representments`,
    /// never more than [`NACHA_MAX_REPRESENTMENTS`].
    pub fn ach_representment_limit(&self) -> u32 {
        self.ach_max_representments.min(NACHA_MAX_REPRESENTMENTS)
    }
}

/// The NACHA return reason codes AutoPay acts on.
///
/// Only R01 and R09 may be re-presented; every other code suspends AutoPay.
/// Written and parsed as the code (`"R01"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum AchReturnCode {
    /// R01: insufficient funds (re-presentable).
    R01,
    /// R02: the account is closed.
    R02,
    /// R03: no account, or the account cannot be located.
    R03,
    /// R04: the account number is not valid.
    R04,
    /// R07: the customer revoked the authorisation.
    R07,
    /// R08: the customer stopped payment.
    R08,
    /// R09: uncollected funds (re-presentable).
    R09,
    /// R10: the customer says the debit was not authorised.
    R10,
    /// R16: the account is frozen.
    R16,
    /// R20: the account does not allow debits of this kind.
    R20,
    /// R29: the business customer says the debit was not authorised.
    R29,
}

impl AchReturnCode {
    /// Every code, in code order.
    pub const ALL: [AchReturnCode; 11] = [
        AchReturnCode::R01,
        AchReturnCode::R02,
        AchReturnCode::R03,
        AchReturnCode::R04,
        AchReturnCode::R07,
        AchReturnCode::R08,
        AchReturnCode::R09,
        AchReturnCode::R10,
        AchReturnCode::R16,
        AchReturnCode::R20,
        AchReturnCode::R29,
    ];

    /// The code, for example `"R01"`.
    pub fn code(self) -> &'static str {
        match self {
            AchReturnCode::R01 => "R01",
            AchReturnCode::R02 => "R02",
            AchReturnCode::R03 => "R03",
            AchReturnCode::R04 => "R04",
            AchReturnCode::R07 => "R07",
            AchReturnCode::R08 => "R08",
            AchReturnCode::R09 => "R09",
            AchReturnCode::R10 => "R10",
            AchReturnCode::R16 => "R16",
            AchReturnCode::R20 => "R20",
            AchReturnCode::R29 => "R29",
        }
    }

    /// Why the bank returned the debit, in words for the customer (a clause
    /// that follows "because").
    pub fn description(self) -> &'static str {
        match self {
            AchReturnCode::R01 => "there were not enough funds in the account",
            AchReturnCode::R02 => "the account is closed",
            AchReturnCode::R03 => "the bank could not find the account",
            AchReturnCode::R04 => "the account number is not valid",
            AchReturnCode::R07 => "you withdrew your permission for AutoPay debits",
            AchReturnCode::R08 => "payment on the debit was stopped",
            AchReturnCode::R09 => "the funds in the account were not yet available",
            AchReturnCode::R10 => "you told your bank the debit was not authorised",
            AchReturnCode::R16 => "the account is frozen",
            AchReturnCode::R20 => "the account does not allow this kind of debit",
            AchReturnCode::R29 => "the account holder told the bank the debit was not authorised",
        }
    }

    /// True when NACHA allows the returned entry to be re-presented (R01, R09).
    pub fn is_representable(self) -> bool {
        matches!(self, AchReturnCode::R01 | AchReturnCode::R09)
    }
}

impl fmt::Display for AchReturnCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for AchReturnCode {
    type Err = FailureError;

    /// Parses a code such as `"R01"` (surrounding spaces and letter case ignored).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim();
        AchReturnCode::ALL
            .into_iter()
            .find(|c| c.code().eq_ignore_ascii_case(wanted))
            .ok_or_else(|| FailureError::UnknownReturnCode {
                code: crate::money::excerpt(s),
            })
    }
}

impl TryFrom<String> for AchReturnCode {
    type Error = FailureError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<AchReturnCode> for String {
    fn from(code: AchReturnCode) -> String {
        code.code().to_owned()
    }
}

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

/// What a failure notice is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// A draft failed and will be tried again.
    DraftFailedRetrying,
    /// AutoPay is suspended: update the payment method and pay by hand.
    AutopaySuspended,
    /// AutoPay has ended (the account is closed).
    AutopayEnded,
}

/// A notice to the customer about a failed draft.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Notice {
    /// The day the failure (or the final outcome) is known.
    pub date: NaiveDate,
    /// What it is about.
    pub kind: NoticeKind,
    /// The text for the customer.
    pub text: String,
}

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

/// Checks that `history` can have happened (see the module documentation):
/// attempts numbered `0, 1, 2, ...` with non-decreasing dates, none settled
/// before presented, only the last pending, none after a success, and no
/// mix of card failures and ACH returns.
pub fn check_history(history: &[Attempt]) -> Result<(), FailureError> {
    if history.is_empty() {
        return Err(FailureError::EmptyHistory);
    }
    let mut previous: Option<&Attempt> = None;
    // The first failure: whether it is an ACH return, and its attempt.
    let mut method: Option<(bool, u32)> = None;
    for (i, a) in history.iter().enumerate() {
        let expected = u32::try_from(i).unwrap_or(u32::MAX);
        if a.attempt != expected {
            return Err(FailureError::AttemptNumber {
                expected,
                found: a.attempt,
            });
        }
        if let Some(settled) = a.settled {
            if settled < a.date {
                return Err(FailureError::SettledBeforePresented {
                    attempt: a.attempt,
                    date: a.date,
                    settled,
                });
            }
        }
        if let Some(p) = previous {
            match p.outcome {
                AttemptOutcome::Succeeded => {
                    return Err(FailureError::AttemptAfterSuccess {
                        attempt: a.attempt,
                        succeeded: p.attempt,
                    })
                }
                AttemptOutcome::Pending => {
                    return Err(FailureError::PendingNotLast { attempt: p.attempt })
                }
                AttemptOutcome::Failed(_) => {}
            }
            if a.date < p.date {
                return Err(FailureError::DateBeforePrevious {
                    attempt: a.attempt,
                    date: a.date,
                    previous_attempt: p.attempt,
                    previous: p.date,
                });
            }
        }
        if let AttemptOutcome::Failed(f) = a.outcome {
            match method {
                None => method = Some((f.is_ach(), a.attempt)),
                Some((ach, first)) if ach != f.is_ach() => {
                    return Err(FailureError::MixedMethods {
                        attempt: a.attempt,
                        first,
                    })
                }
                Some(_) => {}
            }
        }
        previous = Some(a);
    }
    Ok(())
}

/// A date as customers read it: "March 3, 2026".
fn long(date: NaiveDate) -> String {
    date.format("%B %-d, %Y").to_string()
}

/// The day a failure is known: the returned entry's settlement date (else
/// its presentment date) for an ACH return, the attempt's date for a card.
fn failed_on(a: &Attempt, failure: DraftFailure) -> NaiveDate {
    if failure.is_ach() {
        a.settled.unwrap_or(a.date)
    } else {
        a.date
    }
}

fn suspend(a: &Attempt, failure: DraftFailure, reason: SuspendReason) -> FailureAction {
    let date = failed_on(a, failure);
    let tried = a.attempt.saturating_add(1);
    let why = match reason {
        SuspendReason::RetriesExhausted { .. } => format!(
            "We have now tried your AutoPay payment {tried} {}, most recently on {}, and {}.",
            if tried == 1 { "time" } else { "times" },
            long(a.date),
            failure.what_happened()
        ),
        SuspendReason::WindowClosed { .. } => format!(
            "Your AutoPay payment presented on {} did not go through: {}. It is now too late \
             to present it to your bank again.",
            long(a.date),
            failure.what_happened()
        ),
        _ => format!(
            "Your AutoPay payment on {} did not go through: {}.",
            long(a.date),
            failure.what_happened()
        ),
    };
    let fix = match failure {
        DraftFailure::AchReturn {
            code: AchReturnCode::R07 | AchReturnCode::R08 | AchReturnCode::R10 | AchReturnCode::R29,
        } => "set it up again and authorise the debits, or choose another payment method",
        DraftFailure::AchReturn { .. } => {
            "update your bank account details or choose another payment method"
        }
        _ => "update your card or choose another payment method",
    };
    FailureAction::Suspend {
        reason,
        notify: Notice {
            date,
            kind: NoticeKind::AutopaySuspended,
            text: format!(
                "{why} AutoPay is suspended and will not pay your bills until you {fix}. \
                 Please pay this bill another way, online or by phone, to avoid late fees."
            ),
        },
    }
}

fn retry(a: &Attempt, failure: DraftFailure, on: NaiveDate) -> FailureAction {
    let again = if failure.is_ach() {
        format!(
            "We will present it to your bank again on {}; please make sure the funds are in \
             your account by then.",
            long(on)
        )
    } else {
        format!(
            "We will try your card again on {}; you do not need to do anything if the card \
             can now be charged.",
            long(on)
        )
    };
    FailureAction::Retry {
        attempt: a.attempt.saturating_add(1),
        on,
        notify: Notice {
            date: failed_on(a, failure),
            kind: NoticeKind::DraftFailedRetrying,
            text: format!(
                "Your AutoPay payment on {} did not go through: {}. {again}",
                long(a.date),
                failure.what_happened()
            ),
        },
    }
}

fn end(a: &Attempt) -> FailureAction {
    let closing = "Your account is closed, so AutoPay has now ended and no further payments \
                   will be drafted.";
    let (date, text) = match a.outcome {
        AttemptOutcome::Succeeded => {
            let paid = a.settled.unwrap_or(a.date);
            (
                paid,
                format!("AutoPay paid your final bill on {}. {closing}", long(paid)),
            )
        }
        AttemptOutcome::Pending => (
            a.date,
            format!(
                "Your final bill was sent for payment by AutoPay on {}. {closing} If this \
                 payment does not go through, please pay the final bill another way, online or \
                 by phone.",
                long(a.date)
            ),
        ),
        AttemptOutcome::Failed(f) => (
            failed_on(a, f),
            format!(
                "The AutoPay payment of your final bill on {} did not go through: {}. {closing} \
                 We will not try it again: please pay the final bill another way, online or by \
                 phone.",
                long(a.date),
                f.what_happened()
            ),
        ),
    };
    FailureAction::End {
        notify: Notice {
            date,
            kind: NoticeKind::AutopayEnded,
            text,
        },
    }
}

/// What to do after the latest attempt in `history` (one draft's attempts,
/// oldest first), under `policy`, with retry dates on `calendar`'s banking
/// days; `account_closed` when the draft is a closed account's final bill.
/// See the module documentation for the rules.
///
/// Errors when the policy is not valid ([`RetryPolicy::validate`]), the
/// history is not consistent ([`check_history`]), or a date is out of range.
pub fn next_action(
    history: &[Attempt],
    policy: &RetryPolicy,
    calendar: &Calendar,
    account_closed: bool,
) -> Result<FailureAction, FailureError> {
    policy.validate()?;
    check_history(history)?;
    let (Some(first), Some(last)) = (history.first(), history.last()) else {
        return Err(FailureError::EmptyHistory);
    };
    if account_closed {
        return Ok(end(last));
    }
    let failure = match last.outcome {
        AttemptOutcome::Succeeded | AttemptOutcome::Pending => return Ok(FailureAction::Done),
        AttemptOutcome::Failed(f) => f,
    };
    let exhausted = || {
        suspend(
            last,
            failure,
            SuspendReason::RetriesExhausted {
                failure,
                retries: last.attempt,
            },
        )
    };
    match failure {
        DraftFailure::CardExpired => Ok(suspend(last, failure, SuspendReason::CardExpired)),
        DraftFailure::CardDecline { soft: false } => {
            Ok(suspend(last, failure, SuspendReason::HardDecline))
        }
        DraftFailure::AchReturn { code } if !code.is_representable() => {
            Ok(suspend(last, failure, SuspendReason::AchReturn { code }))
        }
        DraftFailure::CardDecline { soft: true } => {
            if last.attempt >= policy.card_retry_limit() {
                return Ok(exhausted());
            }
            let gap = usize::try_from(last.attempt)
                .ok()
                .and_then(|k| policy.card_soft_decline_retry_days.get(k));
            let Some(&gap) = gap else {
                return Ok(exhausted());
            };
            let due = last
                .date
                .checked_add_days(Days::new(u64::from(gap)))
                .ok_or_else(|| {
                    FailureError::OutOfRange(format!(
                        "{gap} days after the decline on {} is outside the supported dates",
                        last.date
                    ))
                })?;
            let on = calendar.roll(due, Roll::Following)?;
            Ok(retry(last, failure, on))
        }
        DraftFailure::AchReturn { code } => {
            if last.attempt >= policy.ach_representment_limit() {
                return Ok(exhausted());
            }
            let delay = policy.ach_representment_delay_business_days;
            let delay_days = i32::try_from(delay).map_err(|_| {
                FailureError::OutOfRange(format!("{delay} banking days is too long a delay"))
            })?;
            let on = calendar.add_business_days(failed_on(last, failure), delay_days)?;
            let origin = first.settled.unwrap_or(first.date);
            let window = policy.ach_representment_window_days;
            let deadline = origin
                .checked_add_days(Days::new(u64::from(window)))
                .ok_or_else(|| {
                    FailureError::OutOfRange(format!(
                        "{window} days after the original settlement on {origin} is outside \
                         the supported dates"
                    ))
                })?;
            if on > deadline {
                return Ok(suspend(
                    last,
                    failure,
                    SuspendReason::WindowClosed { code, deadline },
                ));
            }
            Ok(retry(last, failure, on))
        }
    }
}

#[cfg(test)]
#[path = "failures_tests.rs"]
mod tests;
