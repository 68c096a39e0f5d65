//! Autopay scheduling: when a bill is drafted ([`draft_date`]), on a banking
//! calendar (see [`crate::calendar`]).
//!
//! Enrolment cut-offs, draft amounts, notices, failure handling and
//! idempotency keys build on this (issue "Autopay scheduling", items 3-7).

mod draft_date;

pub use draft_date::{draft_date, BillDates, DraftRule};

use chrono::NaiveDate;
use thiserror::Error;

use crate::calendar::CalendarError;

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
    /// The calendar could not give a date.
    #[error(transparent)]
    Calendar(#[from] CalendarError),
}
