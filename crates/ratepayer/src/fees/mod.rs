//! Convenience fees: a utility's fee schedule by payment channel and method
//! ([`spec`]), the compiled [`FeeSchedule`] that quotes a payment before the
//! customer confirms it ([`quote`]), and the compliance check of a schedule
//! against card-network rules and state law ([`compliance`]), which runs
//! when a schedule loads ([`FeeSchedule::load`], profiles) and in profile
//! validation.

pub mod compliance;
pub mod quote;
mod schedule;
pub mod spec;

use thiserror::Error;

pub use compliance::{check as check_compliance, check_on_load, CardRules, Finding, Severity};
pub use quote::{ConfirmedPayment, FeeQuote};
pub use schedule::{validate, FeeSchedule, PaymentOption, FEE_ROUNDING};
pub use spec::*;

use crate::tariff::Problem;
use crate::{Currency, Money};

pub(crate) use schedule::fee_is_zero as schedule_is_zero;

/// Why a fee could not be quoted or a payment confirmed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FeeError {
    /// The schedule breaks rules; every problem is listed.
    #[error("the fee schedule is not valid:\n{}", problems.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
    Invalid {
        /// Every problem, with its path.
        problems: Vec<Problem>,
    },
    /// The method is not accepted in the channel.
    #[error("{method} is not accepted through {channel}; accepted there: {accepted}", accepted = if accepted.is_empty() { "nothing" } else { accepted })]
    NotAccepted {
        /// The channel asked for.
        channel: spec::Channel,
        /// The method asked for.
        method: spec::PaymentMethod,
        /// Methods accepted in that channel.
        accepted: String,
    },
    /// The amount is zero or negative.
    #[error("a payment must be above zero, got {0}")]
    NotPositive(Money),
    /// The amount has fractions of the currency's minor unit.
    #[error("{0} cannot be paid: it has more digits than the currency's minor units")]
    NotPayable(Money),
    /// Another currency than the schedule's.
    #[error("the payment is in {given}, the utility takes {schedule}")]
    Currency {
        /// Currency given.
        given: Currency,
        /// The schedule's.
        schedule: Currency,
    },
    /// No account to pay.
    #[error("a payment covers at least one account")]
    NoAccounts,
    /// The schedule changed after the quote was shown.
    #[error("the fee schedule changed after this quote was shown; get a new quote and show it to the customer before confirming")]
    ScheduleChanged,
    /// The quote does not match what the schedule gives.
    #[error(
        "the quote shown has a fee of {shown_fee}, but the schedule gives {fee}; get a new quote"
    )]
    QuoteMismatch {
        /// Fee on the quote.
        shown_fee: Money,
        /// Fee the schedule gives.
        fee: Money,
    },
    /// An amount is too large.
    #[error("the payment amount is too large to compute its fee")]
    Overflow,
    /// The utility profile has no fee schedule.
    #[error("the utility profile `{0}` has no fee schedule (`[fees]`); payments cannot be quoted")]
    NoSchedule(String),
}
