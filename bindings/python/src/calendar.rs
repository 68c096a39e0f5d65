//! `ratepayer.Calendar`: banking days (the Federal Reserve's calendar or a
//! profile's office calendar), rolls and business-day arithmetic.

use std::str::FromStr;

use chrono::NaiveDate;
use pyo3::prelude::*;

use ratepayer::calendar::Roll;
use ratepayer::profile::UtilityProfile;

use crate::errors::calendar_error;

/// A calendar of business (banking) days.
#[pyclass(module = "ratepayer", frozen)]
pub struct Calendar {
    pub(crate) inner: ratepayer::calendar::Calendar,
}

impl Calendar {
    /// The calendar a profile's AutoPay drafts follow.
    pub fn of_profile(p: &UtilityProfile) -> PyResult<Calendar> {
        p.draft_calendar()
            .map(|inner| Calendar { inner })
            .map_err(|e| calendar_error(&e))
    }
}

#[pymethods]
impl Calendar {
    /// The Federal Reserve's ACH calendar: weekends and its observed holidays.
    #[staticmethod]
    fn fed() -> Calendar {
        Calendar {
            inner: ratepayer::calendar::Calendar::fed(),
        }
    }
    /// The calendar's name.
    #[getter]
    fn name(&self) -> &str {
        self.inner.name()
    }
    /// True when `day` is a business day.
    fn is_business_day(&self, day: NaiveDate) -> bool {
        self.inner.is_business_day(day)
    }
    /// True when `day` is a holiday (not counting weekends).
    fn is_holiday(&self, day: NaiveDate) -> bool {
        self.inner.is_holiday(day)
    }
    /// The closed holidays of `year`.
    fn holidays(&self, year: i32) -> Vec<NaiveDate> {
        self.inner.holidays_in(year)
    }
    /// `day` moved to a business day: `roll` is `following`, `preceding`,
    /// `modified_following` or `modified_preceding`.
    #[pyo3(signature = (day, roll = "following"))]
    fn roll(&self, day: NaiveDate, roll: &str) -> PyResult<NaiveDate> {
        let roll = Roll::from_str(roll).map_err(|e| calendar_error(&e))?;
        self.inner.roll(day, roll).map_err(|e| calendar_error(&e))
    }
    /// The business day `n` business days after `day` (before, for negative `n`).
    fn add_business_days(&self, day: NaiveDate, n: i32) -> PyResult<NaiveDate> {
        self.inner
            .add_business_days(day, n)
            .map_err(|e| calendar_error(&e))
    }
    /// Business days from `start` (excluded) to `end` (included).
    fn business_days_between(&self, start: NaiveDate, end: NaiveDate) -> i64 {
        self.inner.business_days_between(start, end)
    }
    fn __repr__(&self) -> String {
        format!("Calendar({})", crate::R(self.inner.name()))
    }
}
