//! Banking calendars: which days are business days (the Federal Reserve's
//! ACH calendar, a utility office calendar, or a generic one from a profile),
//! roll conventions for a date that falls on a closed day, and business-day
//! arithmetic.

mod fed;
mod spec;

use chrono::{Datelike, Days, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};
use thiserror::Error;

pub use fed::{fed_holiday_on, fed_holidays, FedHoliday};
pub use spec::{CalendarSpec, HolidayDate, HolidayRule, Observance};

/// How a date that is not a business day moves to one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Roll {
    /// The next business day.
    #[default]
    Following,
    /// The previous business day.
    Preceding,
    /// The next business day, unless it is in the next month: then the previous one.
    ModifiedFollowing,
    /// The previous business day, unless it is in the previous month: then the next one.
    ModifiedPreceding,
}

impl std::str::FromStr for Roll {
    type Err = CalendarError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "following" => Ok(Roll::Following),
            "preceding" => Ok(Roll::Preceding),
            "modified-following" | "modified_following" => Ok(Roll::ModifiedFollowing),
            "modified-preceding" | "modified_preceding" => Ok(Roll::ModifiedPreceding),
            _ => Err(CalendarError::UnknownRoll(crate::money::excerpt(s))),
        }
    }
}

/// Why a calendar could not be built or a date computed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CalendarError {
    /// The calendar spec breaks rules; every problem is listed.
    #[error("the calendar is not valid:\n{}", problems.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
    Invalid {
        /// Every problem, with its path.
        problems: Vec<crate::tariff::Problem>,
    },
    /// The date computed is outside the dates supported.
    #[error("the date is out of range: {0}")]
    OutOfRange(String),
    /// Not a roll convention.
    #[error("`{0}` is not a roll convention; use following, preceding, modified-following or modified-preceding")]
    UnknownRoll(String),
}

/// Years whose closed days are precomputed (others are computed on demand).
const FIRST_YEAR: i32 = 1990;
const YEARS: usize = 151;
/// The furthest a roll or a step may search for a business day.
const MAX_SEARCH_DAYS: u64 = 400;

/// A calendar of business days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calendar {
    name: String,
    weekend: [bool; 7],
    fed: bool,
    rules: Vec<HolidayRule>,
    dates: Vec<HolidayDate>,
    /// Closed holidays (not weekends) of each precomputed year, by day of year.
    closed: Vec<[u64; 6]>,
}

impl Calendar {
    /// The Federal Reserve's calendar: Saturdays, Sundays and its observed holidays.
    pub fn fed() -> Calendar {
        Calendar::build(
            "Federal Reserve (ACH)".into(),
            [Weekday::Sat, Weekday::Sun].as_slice(),
            true,
            Vec::new(),
            Vec::new(),
        )
    }

    /// A calendar from a profile's spec (a utility office or a generic calendar).
    pub fn from_spec(spec: &CalendarSpec) -> Result<Calendar, CalendarError> {
        let problems = spec.problems();
        if !problems.is_empty() {
            return Err(CalendarError::Invalid { problems });
        }
        Ok(Calendar::build(
            spec.name.clone(),
            &spec.weekend,
            spec.include_federal_reserve,
            spec.rules.clone(),
            spec.dates.clone(),
        ))
    }

    fn build(
        name: String,
        weekend: &[Weekday],
        fed: bool,
        rules: Vec<HolidayRule>,
        dates: Vec<HolidayDate>,
    ) -> Calendar {
        let mut w = [false; 7];
        for d in weekend {
            if let Some(slot) = w.get_mut(d.num_days_from_monday() as usize) {
                *slot = true;
            }
        }
        let mut cal = Calendar {
            name,
            weekend: w,
            fed,
            rules,
            dates,
            closed: Vec::new(),
        };
        cal.closed = (0..YEARS)
            .map(|i| {
                let year = FIRST_YEAR + i as i32;
                let mut bits = [0u64; 6];
                for d in cal.holidays_in(year) {
                    let k = d.ordinal0() as usize;
                    if let Some(word) = bits.get_mut(k / 64) {
                        *word |= 1 << (k % 64);
                    }
                }
                bits
            })
            .collect();
        cal
    }

    /// The calendar's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Every closed holiday in `year` (weekends aside), computed from the rules.
    ///
    /// A rule's closure belongs to the year it falls in, not to the year of
    /// the holiday it observes: with a "nearest" observance, New Year's Day
    /// 2022 (a Saturday) closes Friday 31 December 2021, so that day is among
    /// 2021's holidays and 2022 has no closure for it. The neighbouring years'
    /// rules are therefore computed too and kept only where they land in `year`.
    pub fn holidays_in(&self, year: i32) -> Vec<NaiveDate> {
        let mut out: Vec<NaiveDate> = Vec::new();
        if self.fed {
            out.extend(fed_holidays(year).into_iter().map(|(d, _)| d));
        }
        for r in &self.rules {
            out.extend(
                [year.saturating_sub(1), year, year.saturating_add(1)]
                    .into_iter()
                    .filter_map(|y| r.observed(y, &self.weekend))
                    .filter(|d| d.year() == year),
            );
        }
        out.extend(
            self.dates
                .iter()
                .map(|h| h.date)
                .filter(|d| d.year() == year),
        );
        out.sort();
        out.dedup();
        out
    }

    /// True when `day` is a weekend day of this calendar.
    pub fn is_weekend(&self, day: NaiveDate) -> bool {
        self.weekend
            .get(day.weekday().num_days_from_monday() as usize)
            .copied()
            .unwrap_or(false)
    }

    /// True when `day` is a holiday on which the calendar is closed.
    pub fn is_holiday(&self, day: NaiveDate) -> bool {
        let year = usize::try_from(day.year() - FIRST_YEAR).ok();
        match year.and_then(|i| self.closed.get(i)) {
            Some(bits) => {
                let k = day.ordinal0() as usize;
                bits.get(k / 64).is_some_and(|w| w & (1 << (k % 64)) != 0)
            }
            None => self.holidays_in(day.year()).contains(&day),
        }
    }

    /// True when `day` is a business (banking) day.
    pub fn is_business_day(&self, day: NaiveDate) -> bool {
        !self.is_weekend(day) && !self.is_holiday(day)
    }

    fn step(day: NaiveDate, forward: bool) -> Result<NaiveDate, CalendarError> {
        let next = if forward {
            day.checked_add_days(Days::new(1))
        } else {
            day.checked_sub_days(Days::new(1))
        };
        next.ok_or_else(|| {
            CalendarError::OutOfRange(format!(
                "no day {} {day}",
                if forward { "after" } else { "before" }
            ))
        })
    }

    /// The nearest business day on or after (`forward`) or on or before `day`.
    fn search(&self, day: NaiveDate, forward: bool) -> Result<NaiveDate, CalendarError> {
        let mut d = day;
        for _ in 0..MAX_SEARCH_DAYS {
            if self.is_business_day(d) {
                return Ok(d);
            }
            d = Calendar::step(d, forward)?;
        }
        Err(CalendarError::OutOfRange(format!(
            "no business day within {MAX_SEARCH_DAYS} days of {day} in {}",
            self.name
        )))
    }

    /// Moves `day` to a business day by `roll` (unchanged when it is one).
    pub fn roll(&self, day: NaiveDate, roll: Roll) -> Result<NaiveDate, CalendarError> {
        match roll {
            Roll::Following => self.search(day, true),
            Roll::Preceding => self.search(day, false),
            Roll::ModifiedFollowing => {
                let d = self.search(day, true)?;
                if d.month() == day.month() {
                    Ok(d)
                } else {
                    self.search(day, false)
                }
            }
            Roll::ModifiedPreceding => {
                let d = self.search(day, false)?;
                if d.month() == day.month() {
                    Ok(d)
                } else {
                    self.search(day, true)
                }
            }
        }
    }

    /// The business day `n` business days after `day` (before, for a negative
    /// `n`); `day` itself is not counted. With `n = 0`, `day` rolled following.
    pub fn add_business_days(&self, day: NaiveDate, n: i32) -> Result<NaiveDate, CalendarError> {
        if n == 0 {
            return self.roll(day, Roll::Following);
        }
        let forward = n > 0;
        let mut d = day;
        for _ in 0..n.unsigned_abs() {
            d = self.search(Calendar::step(d, forward)?, forward)?;
        }
        Ok(d)
    }

    /// Business days from `from` (excluded) to `to` (included); negative when `to` is earlier.
    pub fn business_days_between(&self, from: NaiveDate, to: NaiveDate) -> i64 {
        let (a, b, sign) = if from <= to {
            (from, to, 1)
        } else {
            (to, from, -1)
        };
        let count = a
            .iter_days()
            .skip(1)
            .take_while(|d| *d <= b)
            .filter(|d| self.is_business_day(*d))
            .count();
        sign * i64::try_from(count).unwrap_or(i64::MAX)
    }
}

#[cfg(test)]
mod tests;
