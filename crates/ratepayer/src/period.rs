//! Billing periods: inclusive ranges of service days, their length, and how
//! they split at calendar-month, season and rate-change boundaries.

use std::fmt;

use chrono::{Datelike, Days, NaiveDate};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Why a period is not valid.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PeriodError {
    /// The last day comes before the first.
    #[error("the billing period ends ({to}) before it starts ({from}); `to` is the last day of service, on or after `from`")]
    EndsBeforeStart {
        /// First day.
        from: NaiveDate,
        /// Last day.
        to: NaiveDate,
    },
    /// Longer than any bill should be.
    #[error("the billing period {from} to {to} is {days} days long; at most {max} days are billed at once")]
    TooLong {
        /// First day.
        from: NaiveDate,
        /// Last day.
        to: NaiveDate,
        /// Its length.
        days: i64,
        /// The limit.
        max: i64,
    },
}

/// The longest period billed at once (a little over two years).
pub const MAX_PERIOD_DAYS: i64 = 800;

/// Days of service from `from` to `to`, both included, as printed on a bill
/// ("service from Jan 1 to Jan 31" is 31 days). A move-in bill starts on the
/// move-in day; a move-out bill ends on the last day of service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct BillingPeriod {
    from: NaiveDate,
    to: NaiveDate,
}

impl BillingPeriod {
    /// A period from `from` to `to`, both included.
    pub fn new(from: NaiveDate, to: NaiveDate) -> Result<BillingPeriod, PeriodError> {
        if to < from {
            return Err(PeriodError::EndsBeforeStart { from, to });
        }
        let days = (to - from).num_days() + 1;
        if days > MAX_PERIOD_DAYS {
            return Err(PeriodError::TooLong {
                from,
                to,
                days,
                max: MAX_PERIOD_DAYS,
            });
        }
        Ok(BillingPeriod { from, to })
    }

    /// The calendar month containing `day`.
    pub fn month_of(day: NaiveDate) -> BillingPeriod {
        let first = day.with_day(1).unwrap_or(day);
        let last = day.with_day(days_in_month(day)).unwrap_or(day);
        BillingPeriod {
            from: first,
            to: last,
        }
    }

    /// First day of service.
    pub fn from(&self) -> NaiveDate {
        self.from
    }

    /// Last day of service.
    pub fn to(&self) -> NaiveDate {
        self.to
    }

    /// Number of service days (at least 1).
    pub fn days(&self) -> u32 {
        // Bounded by MAX_PERIOD_DAYS on construction.
        u32::try_from((self.to - self.from).num_days() + 1).unwrap_or(u32::MAX)
    }

    /// True when `day` is inside the period.
    pub fn contains(&self, day: NaiveDate) -> bool {
        self.from <= day && day <= self.to
    }

    /// Splits the period before `day` (which starts the second part). Returns
    /// the period unchanged (and `None`) when `day` is not strictly inside it.
    pub fn split_before(&self, day: NaiveDate) -> (BillingPeriod, Option<BillingPeriod>) {
        if day <= self.from || day > self.to {
            return (*self, None);
        }
        let Some(prev) = day.pred_opt() else {
            return (*self, None);
        };
        (
            BillingPeriod {
                from: self.from,
                to: prev,
            },
            Some(BillingPeriod {
                from: day,
                to: self.to,
            }),
        )
    }

    /// The parts of this period in each calendar month, in order.
    pub fn calendar_months(&self) -> impl Iterator<Item = BillingPeriod> + '_ {
        let mut next = Some(self.from);
        std::iter::from_fn(move || {
            let start = next?;
            if start > self.to {
                return None;
            }
            let month_end = BillingPeriod::month_of(start).to;
            let end = month_end.min(self.to);
            next = end.checked_add_days(Days::new(1));
            Some(BillingPeriod {
                from: start,
                to: end,
            })
        })
    }
}

impl fmt::Display for BillingPeriod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} to {}", self.from, self.to)
    }
}

/// Days in the month of `day`.
pub fn days_in_month(day: NaiveDate) -> u32 {
    match day.month() {
        4 | 6 | 9 | 11 => 30,
        2 if day.leap_year() => 29,
        2 => 28,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[test]
    fn days_are_inclusive() {
        let p = BillingPeriod::new(day(2024, 2, 1), day(2024, 2, 29));
        assert_eq!(p.map(|p| p.days()), Ok(29));
        assert!(BillingPeriod::new(day(2024, 2, 2), day(2024, 2, 1)).is_err());
        assert!(BillingPeriod::new(day(2020, 1, 1), day(2024, 1, 1)).is_err());
    }

    #[test]
    fn splits_at_month_boundaries() {
        let p = BillingPeriod::new(day(2024, 1, 15), day(2024, 3, 14))
            .unwrap_or(BillingPeriod::month_of(day(2024, 1, 1)));
        let parts: Vec<_> = p.calendar_months().map(|m| m.days()).collect();
        assert_eq!(parts, vec![17, 29, 14]);
        let (a, b) = p.split_before(day(2024, 2, 1));
        assert_eq!(a.days() + b.map(|b| b.days()).unwrap_or(0), p.days());
        assert_eq!(p.split_before(p.from()).1, None);
    }
}
