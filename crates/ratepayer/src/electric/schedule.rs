//! 12×24 period schedules (weekday and weekend, month by clock hour) and the
//! hour map of a calendar year: the month, energy period and demand period of
//! every hour, with holidays from a calendar counted as weekend days.

use chrono::{Datelike, Days, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use super::ElectricError;
use crate::calendar::Calendar;

/// Which period applies in each month (January first) and clock hour
/// (hour 0 = 00:00-01:00), on weekdays and on weekends and holidays.
/// Period numbers are 0-based.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Schedule {
    /// Monday to Friday, except holidays.
    pub weekday: [[u8; 24]; 12],
    /// Saturday, Sunday and holidays.
    pub weekend: [[u8; 24]; 12],
}

impl Schedule {
    /// The same period at every hour.
    pub fn uniform(period: u8) -> Schedule {
        Schedule {
            weekday: [[period; 24]; 12],
            weekend: [[period; 24]; 12],
        }
    }

    /// The periods that appear in month `m` (0-based) of either grid, ascending.
    pub fn periods_in_month(&self, m: usize) -> Vec<u8> {
        let mut seen = [false; 256];
        for grid in [&self.weekday, &self.weekend] {
            if let Some(row) = grid.get(m) {
                for &v in row {
                    if let Some(s) = seen.get_mut(usize::from(v)) {
                        *s = true;
                    }
                }
            }
        }
        (0..=255u8)
            .filter(|&v| seen.get(usize::from(v)).copied().unwrap_or(false))
            .collect()
    }
}

/// The days of one calendar year, each with its kind: the month and whether
/// the weekday or the weekend schedule applies (holidays from a calendar
/// count as weekend days).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HourMap {
    /// The year.
    pub year: i32,
    /// January 1st of the year.
    pub first_day: NaiveDate,
    /// Kind of every day: `month × 2 + 1` on the weekend schedule,
    /// `month × 2` on the weekday schedule (month 0-based).
    pub day_kind: Vec<u8>,
    /// Days in each month.
    pub days_in_month: [u32; 12],
}

/// Kinds of day in a year: 12 months × (weekday, weekend).
pub(crate) const DAY_KINDS: usize = 24;

impl HourMap {
    /// Builds the map of `year`, with the holidays of `calendar` (when
    /// given) on the weekend schedule.
    pub fn build(year: i32, calendar: Option<&Calendar>) -> Result<HourMap, ElectricError> {
        if !(1900..=2200).contains(&year) {
            return Err(ElectricError::Year(year));
        }
        let first_day = NaiveDate::from_ymd_opt(year, 1, 1).ok_or(ElectricError::Year(year))?;
        let days = if first_day.leap_year() { 366 } else { 365 };
        let mut map = HourMap {
            year,
            first_day,
            day_kind: Vec::with_capacity(days),
            days_in_month: [0; 12],
        };
        for d in 0..days {
            let day = first_day
                .checked_add_days(Days::new(d as u64))
                .ok_or(ElectricError::Year(year))?;
            let m = day.month0() as usize;
            if let Some(n) = map.days_in_month.get_mut(m) {
                *n += 1;
            }
            let weekend = matches!(day.weekday(), Weekday::Sat | Weekday::Sun)
                || calendar.is_some_and(|c| c.is_holiday(day));
            map.day_kind.push((m * 2 + usize::from(weekend)) as u8);
        }
        Ok(map)
    }
}

impl Schedule {
    /// The period of each clock hour on a day of `kind` (see
    /// [`HourMap::day_kind`]).
    pub(crate) fn row(&self, kind: usize) -> Option<&[u8; 24]> {
        let grid = if kind % 2 == 1 {
            &self.weekend
        } else {
            &self.weekday
        };
        grid.get(kind / 2)
    }
}
