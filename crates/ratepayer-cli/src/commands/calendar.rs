//! `ratepayer calendar is-banking-day` and `calendar add-business-days`:
//! questions to a banking calendar (the Federal Reserve's or a profile's
//! office calendar).

use chrono::{Datelike, NaiveDate};
use ratepayer::calendar::{fed_holiday_on, Calendar};
use serde_json::json;

use crate::error::CliError;
use crate::input;
use crate::output::{print_json, println_out};

/// Why `day` is closed, or `None` when it is a banking day.
fn closed_because(calendar: &Calendar, day: NaiveDate, fed: bool) -> Option<String> {
    if calendar.is_business_day(day) {
        return None;
    }
    if calendar.is_weekend(day) {
        return Some(format!("weekend ({})", day.format("%A")));
    }
    match (fed, fed_holiday_on(day)) {
        (true, Some(h)) => {
            let name = serde_json::to_value(h)
                .ok()
                .and_then(|v| v.as_str().map(|s| s.replace('_', " ")))
                .unwrap_or_else(|| format!("{h:?}"));
            Some(format!("holiday ({name})"))
        }
        _ => Some("holiday".into()),
    }
}

/// `calendar is-banking-day DATE`.
pub fn is_banking_day(date: NaiveDate, calendar: &str, json: bool) -> Result<(), CliError> {
    let cal = input::office_calendar(calendar)?;
    let reason = closed_because(&cal, date, calendar == "fed");
    if json {
        return print_json(&json!({
            "date": date.to_string(),
            "banking_day": reason.is_none(),
            "calendar": cal.name(),
            "reason": reason,
        }));
    }
    let text = match reason {
        None => format!(
            "{date} ({}) is a banking day ({})",
            date.weekday(),
            cal.name()
        ),
        Some(r) => format!(
            "{date} ({}) is not a banking day ({}): {r}",
            date.weekday(),
            cal.name()
        ),
    };
    println_out(&text)
}

/// `calendar add-business-days DATE N`.
pub fn add_business_days(
    date: NaiveDate,
    n: i32,
    calendar: &str,
    json: bool,
) -> Result<(), CliError> {
    let cal = input::office_calendar(calendar)?;
    let result = cal.add_business_days(date, n).map_err(CliError::domain)?;
    if json {
        return print_json(&json!({
            "date": date.to_string(),
            "n": n,
            "result": result.to_string(),
            "calendar": cal.name(),
        }));
    }
    println_out(&format!(
        "{date} {} {} banking day(s) = {result} ({}) ({})",
        if n < 0 { "-" } else { "+" },
        n.unsigned_abs(),
        result.weekday(),
        cal.name()
    ))
}
