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

/// Every hour of one calendar year, with its month and periods.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HourMap {
    /// The year.
    pub year: i32,
    /// January 1st of the year.
    pub first_day: NaiveDate,
    /// Month (0-based) of every hour.
    pub month: Vec<u8>,
    /// Energy period of every hour.
    pub energy: Vec<u8>,
    /// Demand period of every hour.
    pub demand: Vec<u8>,
    /// Days in each month.
    pub days_in_month: [u32; 12],
}

impl HourMap {
    /// Builds the map of `year` from the energy and demand schedules.
    pub fn build(
        year: i32,
        energy: &Schedule,
        demand: &Schedule,
        calendar: Option<&Calendar>,
    ) -> Result<HourMap, ElectricError> {
        if !(1900..=2200).contains(&year) {
            return Err(ElectricError::Year(year));
        }
        let first_day = NaiveDate::from_ymd_opt(year, 1, 1).ok_or(ElectricError::Year(year))?;
        let days = if first_day.leap_year() { 366 } else { 365 };
        let mut map = HourMap {
            year,
            first_day,
            month: Vec::with_capacity(days * 24),
            energy: Vec::with_capacity(days * 24),
            demand: Vec::with_capacity(days * 24),
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
            let (e, q) = if weekend {
                (energy.weekend.get(m), demand.weekend.get(m))
            } else {
                (energy.weekday.get(m), demand.weekday.get(m))
            };
            let (Some(e), Some(q)) = (e, q) else {
                return Err(ElectricError::Year(year));
            };
            map.month.extend(std::iter::repeat_n(m as u8, 24));
            map.energy.extend_from_slice(e);
            map.demand.extend_from_slice(q);
        }
        Ok(map)
    }

    /// Hours in the year.
    pub fn hours(&self) -> usize {
        self.month.len()
    }
}

/// A run of consecutive hours of a year with the same month, energy period
/// and demand period: the unit of the billing pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Run {
    /// First hour of the year in the run.
    pub start: u32,
    /// One past the last hour.
    pub end: u32,
    /// Month, 0-based.
    pub month: u8,
    /// Index of (month, energy period): `month × energy periods + period`.
    pub energy: u16,
    /// Index of (month, demand period): `month × demand periods + period`.
    pub demand: u16,
}

impl HourMap {
    /// The runs of the year, for `ne` energy and `nd` demand periods.
    pub fn runs(&self, ne: usize, nd: usize) -> Vec<Run> {
        let mut out: Vec<Run> = Vec::new();
        let hours = self.month.iter().zip(&self.energy).zip(&self.demand);
        for (h, ((&m, &e), &d)) in hours.enumerate() {
            let month = usize::from(m);
            let energy = u16::try_from(month * ne + usize::from(e)).unwrap_or(u16::MAX);
            let demand = u16::try_from(month * nd + usize::from(d)).unwrap_or(u16::MAX);
            let h = u32::try_from(h).unwrap_or(u32::MAX);
            match out.last_mut() {
                Some(r) if r.month == m && r.energy == energy && r.demand == demand => {
                    r.end = h + 1
                }
                _ => out.push(Run {
                    start: h,
                    end: h + 1,
                    month: m,
                    energy,
                    demand,
                }),
            }
        }
        out
    }
}
