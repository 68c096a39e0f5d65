//! AutoPay enrolment: who may enrol, which bill an enrolment first covers
//! (the enrolment cut-off before a due date), and what happens to AutoPay
//! records when a utility moves to a new portal (issue "Autopay scheduling",
//! item 3).
//!
//! # Who may enrol
//!
//! Only a registered portal login (Shelby: "AutoPay, registered users only",
//! seed 000) with a stored bank account or card, who has accepted the AutoPay
//! terms the utility currently requires (Crow Wing, seed 003), may enrol.
//! [`check_eligibility`] reports **every** missing precondition at once, in
//! the order the portal asks for them (register, add a payment method, accept
//! the terms), so the customer can fix them all in one visit. Terms versions
//! are opaque strings compared exactly (after trimming surrounding spaces):
//! having accepted any other version, older or newer, is not enough.
//!
//! # The cut-off
//!
//! An enrolment made too close to a due date starts with the next bill. A
//! [`Cutoff`] says how close is too close; the cut-off *instant* of a bill due
//! on `due` is computed in the utility's time zone:
//!
//! - **start of a day** ([`local_start_of_day`]): 00:00 local time. Where
//!   midnight happens twice (a fall-back at midnight) it is the earlier one;
//!   where it does not exist (a spring-forward at midnight, as in Havana or
//!   Santiago) it is the first local minute after the gap (01:00 new time).
//!   US zones change at 02:00, so there midnight always exists exactly once.
//! - **hours** (`{ amount = 48, unit = "hours" }`): the start of the due date
//!   minus `amount` *elapsed* hours. Across a DST change this is not the same
//!   wall-clock time: 48 hours before 00:00 EDT on Monday 9 March 2026 is
//!   23:00 EST on Friday 6 March. `business = true` with hours is refused as
//!   an invalid setting (use business days).
//! - **calendar days** (`{ amount = 3, unit = "days" }`): the start of the
//!   date `amount` days before the due date, whatever the calendar says.
//! - **business days** (`{ amount = 3, unit = "days", business = true }`):
//!   the due date is rolled back to a banking day (the due date itself when
//!   it is one), then `amount` banking days are counted back on the AutoPay
//!   calendar; the cut-off is the start of that day. `amount = 0` is the
//!   start of the due date rolled back to a banking day.
//!
//! In every case the cut-off is never after the start of the due date.
//! `amount` is at most [`MAX_CUTOFF_DAYS`] days (or that many times 24 hours).
//!
//! An enrolment at an instant strictly before the cut-off covers the open
//! bill ([`FirstBill::Current`]); at or after it, the open bill must be paid
//! another way and AutoPay starts with the next bill ([`FirstBill::Next`]).
//! With no open bill, AutoPay starts with the next bill issued
//! ([`FirstBill::NextIssued`]); that bill is issued after the enrolment, so
//! no cut-off applies to it.
//!
//! # Portal migration
//!
//! When Medford moved to its new portal (seed 001), AutoPay enrolments and
//! e-billing preferences were not carried over: [`migrate_legacy`] suspends
//! every legacy enrolment with a notice dated the cut-over day telling the
//! customer to register and set AutoPay (and e-billing) up again online.
//! Payments the old system had scheduled on or after the cut-over date are
//! cancelled with a notice ([`migrate_scheduled`]); those dated before it
//! run in the old system as planned.

use chrono::{DateTime, Days, NaiveDate, NaiveTime, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::calendar::{Calendar, CalendarError, Roll};
use crate::Money;

/// The longest cut-off accepted: 90 days (or 90 × 24 hours) before the due date.
pub const MAX_CUTOFF_DAYS: u32 = 90;

/// The longest local-time gap searched for the first minute of a day: a day
/// can be skipped entirely (Samoa, 30 December 2011).
const MAX_GAP_MINUTES: i64 = 26 * 60;

/// The unit a [`Cutoff`] counts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CutoffUnit {
    /// Elapsed hours before the start of the due date.
    Hours,
    /// Days before the due date (calendar or business days).
    Days,
}

/// How long before a due date enrolment for that bill closes, as a profile's
/// `[autopay.enrolment]` section holds it, for example
/// `cutoff = { amount = 3, unit = "days", business = true }` or
/// `cutoff = { amount = 48, unit = "hours" }`. See the module documentation
/// for the exact definition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cutoff {
    /// How many hours or days before the due date.
    pub amount: u32,
    /// What `amount` counts.
    pub unit: CutoffUnit,
    /// Count business (banking) days rather than calendar days; days only.
    #[serde(default)]
    pub business: bool,
}

impl Cutoff {
    /// Checks the setting: hours cannot be business hours, and the cut-off is
    /// at most [`MAX_CUTOFF_DAYS`] days before the due date.
    pub fn validate(&self) -> Result<(), EnrolmentError> {
        let invalid = |reason: String| Err(EnrolmentError::InvalidCutoff { reason });
        match self.unit {
            CutoffUnit::Hours if self.business => invalid(format!(
                "business = true needs unit = \"days\"; count {} hours as elapsed hours \
                 (business = false) or give the cut-off in business days",
                self.amount
            )),
            CutoffUnit::Hours if self.amount > MAX_CUTOFF_DAYS * 24 => invalid(format!(
                "{} hours is more than {} hours ({MAX_CUTOFF_DAYS} days); use a shorter cut-off",
                self.amount,
                MAX_CUTOFF_DAYS * 24
            )),
            CutoffUnit::Days if self.amount > MAX_CUTOFF_DAYS => invalid(format!(
                "{} days is more than {MAX_CUTOFF_DAYS} days; use a shorter cut-off",
                self.amount
            )),
            _ => Ok(()),
        }
    }

    /// The instant enrolment closes for the bill due on `due`, in `tz` (the
    /// utility's time zone), counting business days on `calendar`.
    pub fn instant(
        &self,
        due: NaiveDate,
        tz: Tz,
        calendar: &Calendar,
    ) -> Result<DateTime<Tz>, EnrolmentError> {
        self.validate()?;
        let out_of_range = || {
            EnrolmentError::OutOfRange(format!(
                "the enrolment cut-off for the bill due {due} is outside the supported dates"
            ))
        };
        match (self.unit, self.business) {
            (CutoffUnit::Hours, _) => {
                let start = local_start_of_day(due, tz)?;
                let back = TimeDelta::try_hours(i64::from(self.amount)).ok_or_else(out_of_range)?;
                start.checked_sub_signed(back).ok_or_else(out_of_range)
            }
            (CutoffUnit::Days, false) => {
                let day = due
                    .checked_sub_days(Days::new(u64::from(self.amount)))
                    .ok_or_else(out_of_range)?;
                local_start_of_day(day, tz)
            }
            (CutoffUnit::Days, true) => {
                let n = i32::try_from(self.amount).map_err(|_| out_of_range())?;
                let banking_due = calendar.roll(due, Roll::Preceding)?;
                let day = calendar.add_business_days(banking_due, -n)?;
                local_start_of_day(day, tz)
            }
        }
    }
}

/// The first instant of the local date `day` in `tz`: 00:00, the earlier one
/// when midnight happens twice, the first minute after the gap when a clock
/// change skips midnight.
pub fn local_start_of_day(day: NaiveDate, tz: Tz) -> Result<DateTime<Tz>, EnrolmentError> {
    let midnight = day.and_time(NaiveTime::MIN);
    (0..=MAX_GAP_MINUTES)
        .filter_map(|m| {
            let local = midnight.checked_add_signed(TimeDelta::try_minutes(m)?)?;
            tz.from_local_datetime(&local).earliest()
        })
        .next()
        .ok_or_else(|| {
            EnrolmentError::OutOfRange(format!(
                "{day} has no local time in {} that can start the day",
                tz.name()
            ))
        })
}

/// A utility's enrolment settings, as its profile's `[autopay.enrolment]`
/// section holds them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnrolmentPolicy {
    /// The version of the AutoPay terms a customer must have accepted.
    pub required_terms_version: String,
    /// How long before a due date enrolment for that bill closes.
    pub cutoff: Cutoff,
}

impl EnrolmentPolicy {
    /// Checks the settings: a terms version is named and the cut-off is valid.
    pub fn validate(&self) -> Result<(), EnrolmentError> {
        if self.required_terms_version.trim().is_empty() {
            return Err(EnrolmentError::NoTermsVersion);
        }
        self.cutoff.validate()
    }
}

/// What is known about the customer asking to enrol.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct EnrolmentRequest {
    /// The customer is logged in with a registered portal account.
    pub registered: bool,
    /// The customer's wallet holds at least one bank account or card.
    pub stored_method: bool,
    /// The version of the AutoPay terms the customer accepted, if any.
    #[serde(default)]
    pub terms_accepted_version: Option<String>,
}

/// One precondition of enrolment the customer has not met; the message tells
/// the customer what to do.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MissingPrecondition {
    /// Not a registered portal user (seed 000: "registered users only").
    #[error("AutoPay is available to registered users only: register for the portal first")]
    NotRegistered,
    /// No bank account or card stored (seed 003).
    #[error(
        "AutoPay needs a stored payment method: add a bank account or card to your wallet first"
    )]
    NoStoredMethod,
    /// The AutoPay terms were never accepted (seed 003).
    #[error("accept the AutoPay terms (version {required}) first")]
    TermsNotAccepted {
        /// The version the utility requires.
        required: String,
    },
    /// Another version of the terms was accepted.
    #[error(
        "you accepted version {} of the AutoPay terms, and they have changed: \
         accept the current AutoPay terms (version {required}) first",
        crate::money::excerpt(accepted)
    )]
    TermsOutdated {
        /// The version the customer accepted.
        accepted: String,
        /// The version the utility requires.
        required: String,
    },
}

/// Why an enrolment could not be made or decided.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EnrolmentError {
    /// The customer has not met every precondition; all missing ones are listed.
    #[error(
        "AutoPay cannot be set up yet:\n{}",
        missing.iter().map(|m| format!("  - {m}")).collect::<Vec<_>>().join("\n")
    )]
    NotEligible {
        /// Every missing precondition, in the order the portal asks for them.
        missing: Vec<MissingPrecondition>,
    },
    /// The cut-off setting is not valid.
    #[error("`cutoff`: {reason}")]
    InvalidCutoff {
        /// What is wrong and how to fix it.
        reason: String,
    },
    /// The policy names no terms version.
    #[error("`required_terms_version` is empty; set it to the version of the AutoPay terms customers must accept")]
    NoTermsVersion,
    /// A date or instant is outside what can be represented.
    #[error("out of range: {0}")]
    OutOfRange(String),
    /// The calendar could not give a date.
    #[error(transparent)]
    Calendar(#[from] CalendarError),
}

/// Checks that `request` meets every precondition of enrolment, against the
/// terms version the utility requires; reports all missing ones at once.
pub fn check_eligibility(
    request: &EnrolmentRequest,
    required_terms_version: &str,
) -> Result<(), EnrolmentError> {
    let required = required_terms_version.trim();
    if required.is_empty() {
        return Err(EnrolmentError::NoTermsVersion);
    }
    let mut missing = Vec::new();
    if !request.registered {
        missing.push(MissingPrecondition::NotRegistered);
    }
    if !request.stored_method {
        missing.push(MissingPrecondition::NoStoredMethod);
    }
    match request.terms_accepted_version.as_deref().map(str::trim) {
        None | Some("") => missing.push(MissingPrecondition::TermsNotAccepted {
            required: required.to_owned(),
        }),
        Some(v) if v != required => missing.push(MissingPrecondition::TermsOutdated {
            accepted: v.to_owned(),
            required: required.to_owned(),
        }),
        Some(_) => {}
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(EnrolmentError::NotEligible { missing })
    }
}

/// Which bill AutoPay drafts first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FirstBill {
    /// The open bill: the enrolment was made strictly before its cut-off.
    Current {
        /// The open bill's due date.
        due_date: NaiveDate,
        /// Its cut-off, in the utility's time zone.
        cutoff: DateTime<Tz>,
    },
    /// The bill after the open one: the enrolment was made at or after the
    /// open bill's cut-off, so the open bill must be paid another way.
    Next {
        /// The open bill's due date.
        due_date: NaiveDate,
        /// Its cut-off, in the utility's time zone.
        cutoff: DateTime<Tz>,
    },
    /// No bill was open: AutoPay starts with the next bill issued.
    NextIssued,
}

impl FirstBill {
    /// The open bill's cut-off, when a bill was open.
    pub fn cutoff(&self) -> Option<DateTime<Tz>> {
        match self {
            FirstBill::Current { cutoff, .. } | FirstBill::Next { cutoff, .. } => Some(*cutoff),
            FirstBill::NextIssued => None,
        }
    }

    /// True when the open bill is drafted by AutoPay.
    pub fn covers_open_bill(&self) -> bool {
        matches!(self, FirstBill::Current { .. })
    }
}

/// The outcome of an enrolment: the first bill drafted and a message for the customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnrolmentDecision {
    /// Which bill AutoPay drafts first (with the open bill's cut-off).
    pub first_bill: FirstBill,
    /// A customer-readable explanation, with the cut-off in local time.
    pub message: String,
}

fn local(t: &DateTime<Tz>) -> String {
    t.format("%Y-%m-%d %H:%M %Z").to_string()
}

/// Which bill an enrolment at `now` covers first, given the open bill's due
/// date (`None` when no bill is open), the cut-off, the utility's time zone
/// and its AutoPay calendar. Does not check eligibility (see [`enrol`]).
pub fn first_bill(
    cutoff: &Cutoff,
    open_bill_due: Option<NaiveDate>,
    now: DateTime<Utc>,
    tz: Tz,
    calendar: &Calendar,
) -> Result<EnrolmentDecision, EnrolmentError> {
    cutoff.validate()?;
    let Some(due_date) = open_bill_due else {
        return Ok(EnrolmentDecision {
            first_bill: FirstBill::NextIssued,
            message: "AutoPay starts with your next bill: you have no bill open now".into(),
        });
    };
    let at = cutoff.instant(due_date, tz, calendar)?;
    Ok(if now < at {
        EnrolmentDecision {
            first_bill: FirstBill::Current {
                due_date,
                cutoff: at,
            },
            message: format!(
                "AutoPay starts with your current bill, due {due_date}: \
                 you enrolled before enrolments for it closed at {}",
                local(&at)
            ),
        }
    } else {
        EnrolmentDecision {
            first_bill: FirstBill::Next {
                due_date,
                cutoff: at,
            },
            message: format!(
                "AutoPay starts with your next bill: enrolments for the bill due {due_date} \
                 closed at {}, so please pay that bill another way",
                local(&at)
            ),
        }
    })
}

/// Enrols the customer of `request` at `now`: checks the policy, then every
/// precondition (all missing ones reported at once), then decides which bill
/// AutoPay drafts first ([`first_bill`]).
pub fn enrol(
    request: &EnrolmentRequest,
    policy: &EnrolmentPolicy,
    open_bill_due: Option<NaiveDate>,
    now: DateTime<Utc>,
    tz: Tz,
    calendar: &Calendar,
) -> Result<EnrolmentDecision, EnrolmentError> {
    policy.validate()?;
    check_eligibility(request, &policy.required_terms_version)?;
    first_bill(&policy.cutoff, open_bill_due, now, tz, calendar)
}

/// An AutoPay enrolment held by a legacy billing system.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LegacyAutopay {
    /// The account number.
    pub account: String,
    /// How the customer knows the payment method, for example `"card ending 4242"`.
    pub method_hint: String,
    /// When the customer enrolled in the old system.
    pub enrolled_on: NaiveDate,
}

/// A payment a legacy system scheduled through AutoPay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LegacyScheduledPayment {
    /// The account number.
    pub account: String,
    /// The day the payment is scheduled for.
    pub date: NaiveDate,
    /// Its amount.
    pub amount: Money,
}

/// What happened to a legacy record at the cut-over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MigrationStatus {
    /// The enrolment was not carried over; the customer must enrol again.
    Suspended,
    /// The scheduled payment falls on or after the cut-over and will not run.
    Cancelled,
    /// The scheduled payment falls before the cut-over and runs in the old system.
    RunsInLegacy,
}

pub use super::notices::{NoticeKind, PlannedNotice as Notice};

/// The outcome for one legacy AutoPay enrolment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MigrationOutcome {
    /// The account number.
    pub account: String,
    /// Always [`MigrationStatus::Suspended`]: enrolments are not carried over.
    pub status: MigrationStatus,
    /// The notice telling the customer to set AutoPay up again.
    pub notice: Notice,
}

/// The outcome for one legacy scheduled payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduledOutcome {
    /// The payment.
    pub payment: LegacyScheduledPayment,
    /// [`MigrationStatus::Cancelled`] on or after the cut-over,
    /// [`MigrationStatus::RunsInLegacy`] before it.
    pub status: MigrationStatus,
    /// The notice for a cancelled payment; none for one that runs.
    pub notice: Option<Notice>,
}

/// Suspends every legacy AutoPay enrolment at the `cutover` date (seed 001:
/// enrolments and e-billing preferences are not carried over to the new
/// portal), one outcome per record in input order, each with a notice dated
/// the cut-over day.
pub fn migrate_legacy(records: &[LegacyAutopay], cutover: NaiveDate) -> Vec<MigrationOutcome> {
    records
        .iter()
        .map(|r| MigrationOutcome {
            account: r.account.clone(),
            status: MigrationStatus::Suspended,
            notice: Notice {
                date: cutover,
                kind: NoticeKind::MigrationSuspended,
                bill_id: None,
                text: format!(
                    "Account {}: we moved to a new billing portal on {cutover}, and AutoPay \
                     enrolments were not carried over. Your AutoPay with {} (set up on {}) is \
                     suspended and will not pay your bills. To keep paying automatically, \
                     register in the new portal and set up AutoPay again online (this cannot be \
                     done by phone). If you received e-bills, set your e-billing preference again \
                     too: until you do, you may receive a paper bill. Until AutoPay is set up \
                     again, pay each bill online as a one-time payment or by phone.",
                    crate::money::excerpt(&r.account),
                    crate::money::excerpt(&r.method_hint),
                    r.enrolled_on
                ),
            },
        })
        .collect()
}

/// Sorts payments a legacy system scheduled: those dated on or after
/// `cutover` are cancelled with a notice dated the cut-over day (seed 001:
/// they must be re-created); those dated before it run in the old system.
/// One outcome per payment, in input order.
pub fn migrate_scheduled(
    payments: &[LegacyScheduledPayment],
    cutover: NaiveDate,
) -> Vec<ScheduledOutcome> {
    payments
        .iter()
        .map(|p| {
            if p.date >= cutover {
                ScheduledOutcome {
                    payment: p.clone(),
                    status: MigrationStatus::Cancelled,
                    notice: Some(Notice {
                        date: cutover,
                        kind: NoticeKind::ScheduledPaymentCancelled,
                        bill_id: None,
                        text: format!(
                            "Account {}: your automatic payment of {} scheduled for {} has been \
                             cancelled, because payments scheduled on or after {cutover} were not \
                             carried over to our new billing portal. Register in the new portal \
                             to pay online, or call Customer Service to pay by phone.",
                            crate::money::excerpt(&p.account),
                            p.amount,
                            p.date
                        ),
                    }),
                }
            } else {
                ScheduledOutcome {
                    payment: p.clone(),
                    status: MigrationStatus::RunsInLegacy,
                    notice: None,
                }
            }
        })
        .collect()
}

#[cfg(test)]
#[path = "enrolment_tests.rs"]
mod tests;
