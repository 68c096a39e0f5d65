//! A calendar as data, for a profile's `[calendar]`: weekend days, whether
//! the Federal Reserve's holidays close it, holiday rules (a fixed date or
//! the n-th weekday of a month, with an offset and a weekend observance), and
//! dated one-off closures.

use chrono::{Datelike, Days, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use crate::tariff::Problem;

/// Where a fixed-date holiday that falls on a weekend is observed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Observance {
    /// Saturday on the Friday before, Sunday on the Monday after.
    #[default]
    Nearest,
    /// Sunday on the Monday after; a Saturday holiday is not moved (the Fed's rule).
    SundayToMonday,
    /// Never moved.
    None,
}

/// A recurring holiday.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HolidayRule {
    /// Its name, for example `"Day after Thanksgiving"`.
    pub name: String,
    /// Month, 1 to 12.
    pub month: u32,
    /// Day of the month, for a fixed-date holiday.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub day: Option<u32>,
    /// Weekday, for an n-th-weekday holiday.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weekday: Option<Weekday>,
    /// Which one: 1 to 5, or -1 for the last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nth: Option<i8>,
    /// Days added after the rule's date (1 for "the day after Thanksgiving").
    #[serde(default)]
    pub offset_days: i32,
    /// Where a fixed-date holiday on a weekend is observed.
    #[serde(default)]
    pub observance: Observance,
    /// First year the holiday exists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_year: Option<i32>,
}

impl HolidayRule {
    /// The rule's date in `year` before weekend observance.
    fn date(&self, year: i32) -> Option<NaiveDate> {
        if self.from_year.is_some_and(|f| year < f) {
            return None;
        }
        let base = match (self.day, self.weekday, self.nth) {
            (Some(d), None, None) => NaiveDate::from_ymd_opt(year, self.month, d),
            (None, Some(wd), Some(-1)) => {
                NaiveDate::from_weekday_of_month_opt(year, self.month, wd, 5)
                    .or_else(|| NaiveDate::from_weekday_of_month_opt(year, self.month, wd, 4))
            }
            (None, Some(wd), Some(n)) => {
                NaiveDate::from_weekday_of_month_opt(year, self.month, wd, u8::try_from(n).ok()?)
            }
            _ => None,
        }?;
        match self.offset_days {
            0 => Some(base),
            n if n > 0 => base.checked_add_days(Days::new(u64::from(n.unsigned_abs()))),
            n => base.checked_sub_days(Days::new(u64::from(n.unsigned_abs()))),
        }
    }

    /// The day the calendar closes for it in `year`, with weekend observance
    /// for fixed dates (`weekend` flags Monday first).
    pub(crate) fn observed(&self, year: i32, weekend: &[bool; 7]) -> Option<NaiveDate> {
        let d = self.date(year)?;
        if self.day.is_none() {
            return Some(d);
        }
        let is_weekend = |x: NaiveDate| {
            weekend
                .get(x.weekday().num_days_from_monday() as usize)
                .copied()
                .unwrap_or(false)
        };
        match (self.observance, d.weekday()) {
            (Observance::Nearest, Weekday::Sat) => d.pred_opt(),
            (Observance::Nearest | Observance::SundayToMonday, Weekday::Sun) => d.succ_opt(),
            (Observance::SundayToMonday, Weekday::Sat) => None,
            _ if is_weekend(d) => None,
            _ => Some(d),
        }
    }
}

/// A one-off closure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HolidayDate {
    /// The day (an impossible one, such as 2026-02-30, is refused naming it).
    #[serde(deserialize_with = "real_date")]
    pub date: NaiveDate,
    /// Why the office is closed.
    pub name: String,
}

/// Reads a `YYYY-MM-DD` date, refusing an impossible one with a message that
/// quotes it and says why (chrono alone says only "input is out of range").
fn real_date<'de, D: serde::Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
    struct Visitor;
    impl serde::de::Visitor<'_> for Visitor {
        type Value = NaiveDate;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a date written YYYY-MM-DD")
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<NaiveDate, E> {
            v.parse::<NaiveDate>()
                .map_err(|_| E::custom(why_not_a_date(v)))
        }
    }
    d.deserialize_str(Visitor)
}

fn why_not_a_date(v: &str) -> String {
    let text: String = v.chars().take(40).collect();
    let mut parts = v.splitn(3, '-').map(|p| p.parse::<i64>().ok());
    if let (Some(Some(y)), Some(Some(m)), Some(Some(day))) =
        (parts.next(), parts.next(), parts.next())
    {
        let year = i32::try_from(y).ok();
        let month = u32::try_from(m).ok().filter(|m| (1..=12).contains(m));
        if let (Some(year), Some(month)) = (year, month) {
            let days = (28..=31)
                .rev()
                .find(|d| NaiveDate::from_ymd_opt(year, month, *d).is_some());
            let name = MONTH_NAMES
                .get(month as usize - 1)
                .copied()
                .unwrap_or("the month");
            if let Some(days) = days {
                return format!(
                    "`{text}` is not a date: {name} {year} has {days} days, not {day}; give a real day"
                );
            }
        }
        return format!(
            "`{text}` is not a date: the month must be 1 to 12; write it as YYYY-MM-DD"
        );
    }
    format!("`{text}` is not a date; write it as YYYY-MM-DD, such as 2026-12-24")
}

fn sat_sun() -> Vec<Weekday> {
    vec![Weekday::Sat, Weekday::Sun]
}

/// A utility office or generic calendar, as data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarSpec {
    /// The calendar's name, for example `"Shelby City Hall"`.
    pub name: String,
    /// Days closed every week; Saturday and Sunday by default.
    #[serde(default = "sat_sun")]
    pub weekend: Vec<Weekday>,
    /// Closed on the Federal Reserve's holidays too.
    #[serde(default)]
    pub include_federal_reserve: bool,
    /// Recurring holidays.
    #[serde(default)]
    pub rules: Vec<HolidayRule>,
    /// One-off closures.
    #[serde(default)]
    pub dates: Vec<HolidayDate>,
}

const MONTH_NAMES: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Why `day` of `month` is not a date a yearly holiday can fall on, if it is not.
/// 29 February is refused too: it exists only in leap years, so a yearly rule
/// on it would close the office one year in four without saying so.
fn impossible_day(month: u32, day: u32) -> Option<String> {
    let name = MONTH_NAMES.get(month.checked_sub(1)? as usize)?;
    // Days of the month in a leap year (2000), the most any year has.
    let longest = (28..=31)
        .rev()
        .find(|d| NaiveDate::from_ymd_opt(2000, month, *d).is_some())?;
    match day {
        0 => Some("0 is not a day of a month; use 1 to 31".into()),
        29 if month == 2 => Some(
            "29 February exists only in leap years; list the closures of those years in `dates` instead".into(),
        ),
        d if month == 2 && d > longest => Some(format!(
            "{d} {name} does not exist: {name} has 28 days (29 in leap years); give a day from 1 to 28"
        )),
        d if d > longest => Some(format!(
            "{d} {name} does not exist: {name} has {longest} days; give a day from 1 to {longest}"
        )),
        _ => None,
    }
}

impl CalendarSpec {
    /// Every problem of the spec.
    pub fn problems(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        let mut add = |path: String, message: String| out.push(Problem { path, message });
        if self.weekend.len() >= 7 {
            add(
                "weekend".into(),
                "every day is a weekend day; a calendar needs business days".into(),
            );
        }
        for (i, r) in self.rules.iter().enumerate() {
            let at = format!("rules[{i}]");
            if !(1..=12).contains(&r.month) {
                add(
                    format!("{at}.month"),
                    format!("{} is not a month; use 1 to 12", r.month),
                );
            }
            match (r.day, r.weekday, r.nth) {
                (Some(d), None, None) => {
                    if let Some(message) = impossible_day(r.month, d) {
                        add(format!("{at}.day"), message);
                    }
                }
                (None, Some(_), Some(n)) if n == -1 || (1..=5).contains(&n) => {}
                (None, Some(_), Some(n)) => add(
                    format!("{at}.nth"),
                    format!("{n} is not 1 to 5 or -1 (last)"),
                ),
                _ => add(
                    at.clone(),
                    "give either `day`, or `weekday` and `nth`".into(),
                ),
            }
            if r.offset_days.abs() > 31 {
                add(
                    format!("{at}.offset_days"),
                    format!("{} is more than a month away", r.offset_days),
                );
            }
        }
        out
    }
}
