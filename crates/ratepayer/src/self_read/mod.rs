//! Customer-submitted meter reads (seed 002): a customer may enter a reading
//! online only inside the monthly window the utility sets, only for a meter
//! the housing organisation has enabled, and never below the previous
//! reading (unless the register rolled over). A reading far above the
//! meter's usual daily usage is flagged for review rather than refused.
//!
//! The submission date ("now") is always passed in. A submitted read is
//! dated that day ([`ReadKind::CustomerSubmitted`]).

use std::fmt;

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::meter::consumption::check_sorted;
use crate::meter::{Meter, MeterError, Read, ReadKind};
use crate::money::serde_decimal;
use crate::period::{days_in_month, BillingPeriod};
use crate::units::Quantity;

/// The days of each month on which readings are accepted, both included
/// (days 15 to 25, say). A day beyond a month's length means that month's
/// last day, so days 25 to 31 are 25 to 28 in February 2025.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubmissionWindow {
    /// First day of the month readings are accepted (1 to 31).
    pub first_day: u32,
    /// Last day of the month readings are accepted (`first_day` to 31).
    pub last_day: u32,
}

impl SubmissionWindow {
    /// A checked window.
    pub fn new(first_day: u32, last_day: u32) -> Result<SubmissionWindow, SelfReadError> {
        let w = SubmissionWindow {
            first_day,
            last_day,
        };
        w.validate().map(|()| w)
    }

    /// Checks 1 ≤ `first_day` ≤ `last_day` ≤ 31.
    pub fn validate(&self) -> Result<(), SelfReadError> {
        let bad = |reason| SelfReadError::InvalidWindow {
            first_day: self.first_day,
            last_day: self.last_day,
            reason,
        };
        if !(1..=31).contains(&self.first_day) || !(1..=31).contains(&self.last_day) {
            return Err(bad(
                "both days must be days of a month, 1 to 31 (31 means the month's last day)",
            ));
        }
        if self.first_day > self.last_day {
            return Err(bad("`first_day` must not come after `last_day`"));
        }
        Ok(())
    }

    /// The window's dates in the month of `day`.
    pub fn in_month(&self, day: NaiveDate) -> Result<BillingPeriod, SelfReadError> {
        self.validate()?;
        let last = days_in_month(day);
        let at = |d: u32| day.with_day(d.min(last)).unwrap_or(day);
        BillingPeriod::new(at(self.first_day), at(self.last_day)).map_err(|_| {
            SelfReadError::InvalidWindow {
                first_day: self.first_day,
                last_day: self.last_day,
                reason: "it does not make a range of days",
            }
        })
    }

    /// True when readings are accepted on `day`.
    pub fn contains(&self, day: NaiveDate) -> Result<bool, SelfReadError> {
        Ok(self.in_month(day)?.contains(day))
    }

    /// The first day the window opens after `day`: this month's first window
    /// day if it is still to come, otherwise next month's.
    pub fn next_opening(&self, day: NaiveDate) -> Result<NaiveDate, SelfReadError> {
        let this_month = self.in_month(day)?;
        if day < this_month.from() {
            return Ok(this_month.from());
        }
        match BillingPeriod::month_of(day).to().succ_opt() {
            Some(next_month) => Ok(self.in_month(next_month)?.from()),
            None => Ok(this_month.from()),
        }
    }
}

impl fmt::Display for SubmissionWindow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "days {} to {} of each month",
            self.first_day, self.last_day
        )
    }
}

fn default_factor() -> Decimal {
    Decimal::from(3)
}

fn default_min_history_days() -> u32 {
    30
}

/// A utility's rules for customer-submitted reads (part of its profile).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SelfReadPolicy {
    /// When in each month readings are accepted.
    pub window: SubmissionWindow,
    /// A reading whose daily usage since the previous read is above this
    /// many times the average daily usage is flagged for review (3 by
    /// default; at least 1).
    #[serde(with = "serde_decimal", default = "default_factor")]
    pub plausibility_factor: Decimal,
    /// The average daily usage is taken from the history only when the
    /// history spans at least this many days (30 by default); with less,
    /// the plausibility check is skipped.
    #[serde(default = "default_min_history_days")]
    pub min_history_days: u32,
}

/// The previous read and what the submitted read adds to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SincePrevious {
    /// The last read before the submission.
    pub previous: Read,
    /// Days from the previous read to the submission (at least 1).
    pub days: u32,
    /// Consumption since the previous read (register advance × multiplier).
    pub consumption: Quantity,
    /// True when the register rolled over since the previous read.
    pub rolled_over: bool,
}

/// A reading the customer may submit: either accepted, or accepted into a
/// review queue because it is implausibly high.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum SubmissionOutcome {
    /// Accepted: bill on it.
    Accepted {
        /// The read to record.
        read: Read,
        /// Against the previous read (none for a meter's first read).
        since_previous: Option<SincePrevious>,
        /// False when there was no previous read or not enough history to
        /// judge plausibility.
        plausibility_checked: bool,
    },
    /// Recorded but held for a person to check before billing on it.
    FlaggedForReview {
        /// The read to record.
        read: Read,
        /// Against the previous read.
        since_previous: SincePrevious,
        /// Why, for the reviewer.
        reason: String,
        /// Usage per day since the previous read, in the meter's unit.
        #[serde(with = "serde_decimal")]
        daily_usage: Decimal,
        /// The meter's average daily usage, in the meter's unit.
        #[serde(with = "serde_decimal")]
        average_daily_usage: Decimal,
        /// The policy's plausibility factor.
        #[serde(with = "serde_decimal")]
        factor: Decimal,
    },
}

impl SubmissionOutcome {
    /// The read to record, whatever the outcome.
    pub fn read(&self) -> &Read {
        match self {
            SubmissionOutcome::Accepted { read, .. }
            | SubmissionOutcome::FlaggedForReview { read, .. } => read,
        }
    }

    /// True when held for review.
    pub fn is_flagged(&self) -> bool {
        matches!(self, SubmissionOutcome::FlaggedForReview { .. })
    }
}

/// Why a customer-submitted reading was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SelfReadError {
    /// The window's days are not valid.
    #[error("the submission window `first_day` {first_day} to `last_day` {last_day} is not valid: {reason}")]
    InvalidWindow {
        /// First day given.
        first_day: u32,
        /// Last day given.
        last_day: u32,
        /// What is wrong.
        reason: &'static str,
    },
    /// Another policy field is not valid.
    #[error("the self-read policy field `{field}` is not valid: {reason}")]
    InvalidPolicy {
        /// The field at fault.
        field: &'static str,
        /// What is wrong and how to fix it.
        reason: String,
    },
    /// Online reads are not enabled for the meter.
    #[error("meter `{meter}` ({location}) is not enabled for online readings; the housing organisation (or the utility) must ask for it to be enabled before readings can be submitted")]
    NotEnabled {
        /// Meter id.
        meter: String,
        /// Meter location.
        location: String,
    },
    /// Submitted outside the window.
    #[error("meter `{meter}`: readings are accepted on {window} ({window_this_month} this month); {date} is outside the window, which next opens on {next_opening}")]
    OutsideWindow {
        /// Meter id.
        meter: String,
        /// The submission day.
        date: NaiveDate,
        /// The window.
        window: SubmissionWindow,
        /// The window's dates in the submission's month.
        window_this_month: BillingPeriod,
        /// The next day readings are accepted.
        next_opening: NaiveDate,
    },
    /// Below the previous reading, and no rollover explains it.
    #[error("meter `{meter}`: the reading {value} is below the previous reading {previous} of {previous_date}; a meter only counts up, so check the digits you entered")]
    BelowPrevious {
        /// Meter id.
        meter: String,
        /// The previous read's date.
        previous_date: NaiveDate,
        /// The previous read's value.
        previous: Decimal,
        /// The value submitted.
        value: Decimal,
    },
    /// A read is already recorded on or after the submission day.
    #[error("meter `{meter}`: a reading is already recorded for {previous_date}, not before {date}; one reading per day: to correct it, replace the recorded reading")]
    NotAfterPrevious {
        /// Meter id.
        meter: String,
        /// The latest recorded read's date.
        previous_date: NaiveDate,
        /// The submission day.
        date: NaiveDate,
    },
    /// The average daily usage given is negative.
    #[error("meter `{meter}`: the average daily usage {value} is negative; give zero or more")]
    InvalidAverage {
        /// Meter id.
        meter: String,
        /// The value given.
        value: Decimal,
    },
    /// The meter, its history or the value breaks a meter rule.
    #[error(transparent)]
    Meter(#[from] MeterError),
}

impl SelfReadPolicy {
    /// Checks the window and a factor of at least 1.
    pub fn validate(&self) -> Result<(), SelfReadError> {
        self.window.validate()?;
        if self.plausibility_factor < Decimal::ONE {
            return Err(SelfReadError::InvalidPolicy {
                field: "plausibility_factor",
                reason: format!(
                    "it is {}; it must be at least 1 (3 flags a reading above three times the usual daily usage)",
                    self.plausibility_factor
                ),
            });
        }
        Ok(())
    }

    /// Decides on `value` submitted on `now` for `meter`, whose earlier reads
    /// are `history` (sorted by date, all before `now`; pass about the last
    /// year). The average daily usage is taken from the history.
    pub fn check(
        &self,
        meter: &Meter,
        history: &[Read],
        value: Decimal,
        now: NaiveDate,
    ) -> Result<SubmissionOutcome, SelfReadError> {
        self.decide(meter, history, value, now, None)
    }

    /// As [`SelfReadPolicy::check`], with the average daily usage (in the
    /// meter's unit) given by the caller instead of taken from the history.
    pub fn check_with_average(
        &self,
        meter: &Meter,
        history: &[Read],
        value: Decimal,
        now: NaiveDate,
        average_daily_usage: Decimal,
    ) -> Result<SubmissionOutcome, SelfReadError> {
        if average_daily_usage < Decimal::ZERO {
            return Err(SelfReadError::InvalidAverage {
                meter: meter.id.clone(),
                value: average_daily_usage,
            });
        }
        self.decide(meter, history, value, now, Some(average_daily_usage))
    }

    fn decide(
        &self,
        meter: &Meter,
        history: &[Read],
        value: Decimal,
        now: NaiveDate,
        average: Option<Decimal>,
    ) -> Result<SubmissionOutcome, SelfReadError> {
        self.validate()?;
        meter.validate()?;
        if !meter.self_read_enabled {
            return Err(SelfReadError::NotEnabled {
                meter: meter.id.clone(),
                location: meter.location.clone(),
            });
        }
        let this_month = self.window.in_month(now)?;
        if !this_month.contains(now) {
            return Err(SelfReadError::OutsideWindow {
                meter: meter.id.clone(),
                date: now,
                window: self.window,
                window_this_month: this_month,
                next_opening: self.window.next_opening(now)?,
            });
        }
        check_sorted(meter, history)?;
        let read = Read::new(now, value, ReadKind::CustomerSubmitted);
        meter.check_read(&read)?;
        let Some(previous) = history.last().copied() else {
            return Ok(SubmissionOutcome::Accepted {
                read,
                since_previous: None,
                plausibility_checked: false,
            });
        };
        let since = since_previous(meter, previous, read)?;
        let average = match average {
            Some(a) => Some(a),
            None => average_daily_usage(meter, history, self.min_history_days)?,
        };
        let Some(average) = average else {
            return Ok(SubmissionOutcome::Accepted {
                read,
                since_previous: Some(since),
                plausibility_checked: false,
            });
        };
        let overflow = || SelfReadError::Meter(meter.overflow());
        let daily = since
            .consumption
            .value
            .checked_div(Decimal::from(since.days))
            .ok_or_else(overflow)?;
        let factor = self.plausibility_factor;
        let limit = average.checked_mul(factor).ok_or_else(overflow)?;
        if daily <= limit {
            return Ok(SubmissionOutcome::Accepted {
                read,
                since_previous: Some(since),
                plausibility_checked: true,
            });
        }
        let unit = meter.unit;
        let reason = format!(
            "meter `{}`: {} {unit} a day since the reading of {} is more than {} times the average of {} {unit} a day; check the reading (or look for a leak) before billing on it",
            meter.id,
            daily.round_dp(3).normalize(),
            since.previous.date,
            factor.normalize(),
            average.round_dp(3).normalize(),
        );
        Ok(SubmissionOutcome::FlaggedForReview {
            read,
            since_previous: since,
            reason,
            daily_usage: daily,
            average_daily_usage: average,
            factor,
        })
    }
}

/// The submitted read against the previous one: at least a day later, and
/// not below it unless the register rolled over.
fn since_previous(
    meter: &Meter,
    previous: Read,
    read: Read,
) -> Result<SincePrevious, SelfReadError> {
    if previous.date >= read.date {
        return Err(SelfReadError::NotAfterPrevious {
            meter: meter.id.clone(),
            previous_date: previous.date,
            date: read.date,
        });
    }
    let advance = meter
        .register_advance(&previous, &read)
        .map_err(|e| match e {
            MeterError::BackwardRead { .. } => SelfReadError::BelowPrevious {
                meter: meter.id.clone(),
                previous_date: previous.date,
                previous: previous.value,
                value: read.value,
            },
            other => SelfReadError::Meter(other),
        })?;
    let consumption = advance
        .register
        .checked_mul(meter.multiplier)
        .ok_or_else(|| meter.overflow())?;
    let days = u32::try_from((read.date - previous.date).num_days()).unwrap_or(u32::MAX);
    Ok(SincePrevious {
        previous,
        days,
        consumption: Quantity::new(consumption, meter.unit),
        rolled_over: advance.rolled_over,
    })
}

/// The average daily usage over `history` (sorted), in the meter's unit:
/// the consumption from its first to its last read (with rollovers) over the
/// days between them. `None` when the history has fewer than two reads or
/// spans fewer than `min_days` days.
pub fn average_daily_usage(
    meter: &Meter,
    history: &[Read],
    min_days: u32,
) -> Result<Option<Decimal>, MeterError> {
    check_sorted(meter, history)?;
    let (Some(first), Some(last)) = (history.first(), history.last()) else {
        return Ok(None);
    };
    let days = (last.date - first.date).num_days();
    if days < 1 || days < i64::from(min_days) {
        return Ok(None);
    }
    let mut register = Decimal::ZERO;
    for pair in history.windows(2) {
        if let [a, b] = pair {
            let step = meter.register_advance(a, b)?;
            register = register
                .checked_add(step.register)
                .ok_or_else(|| meter.overflow())?;
        }
    }
    register
        .checked_mul(meter.multiplier)
        .and_then(|c| c.checked_div(Decimal::from(days)))
        .map(Some)
        .ok_or_else(|| meter.overflow())
}

#[cfg(test)]
mod tests;
