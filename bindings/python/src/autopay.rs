//! AutoPay draft dates: the date a profile's AutoPay option drafts a bill
//! on, on the profile's draft calendar.

use chrono::NaiveDate;
use pyo3::prelude::*;

use ratepayer::autopay::{
    draft_date as core_draft_date, AutopayError as CoreAutopayError, BillDates,
};
use ratepayer::profile::UtilityProfile;

use crate::errors::{calendar_error, AutopayError, Raise};

/// The dates of one bill the draft rules read.
pub struct BillDatesArg {
    /// Issue date.
    pub bill_date: NaiveDate,
    /// Due date.
    pub due_date: NaiveDate,
    /// The draft date printed on the bill, if any.
    pub printed_draft_date: Option<NaiveDate>,
}

fn autopay_error(e: &CoreAutopayError) -> PyErr {
    let code = match e {
        CoreAutopayError::DueBeforeBill { .. } => "autopay.due_before_bill",
        CoreAutopayError::NoPrintedDraftDate => "autopay.no_printed_draft_date",
        CoreAutopayError::NoDraftWindow { .. } => "autopay.no_draft_window",
        CoreAutopayError::InvalidRule { .. } => "autopay.invalid_rule",
        CoreAutopayError::Fee(_) => "autopay.fee",
        CoreAutopayError::Calendar(_) => "autopay.calendar",
    };
    Raise::new::<AutopayError>(code, e.to_string()).into()
}

/// The draft date of one bill.
pub fn draft_date(
    profile: &UtilityProfile,
    option: &str,
    dates: &BillDatesArg,
) -> PyResult<NaiveDate> {
    let policy = profile.autopay().ok_or_else(|| {
        PyErr::from(Raise::new::<AutopayError>(
            "autopay.not_offered",
            format!("the profile `{}` has no `[autopay]` options", profile.id()),
        ))
    })?;
    let opt = policy.option(option).map_err(|e| autopay_error(&e))?;
    let calendar = profile.draft_calendar().map_err(|e| calendar_error(&e))?;
    core_draft_date(
        opt.draft,
        &BillDates {
            bill_date: dates.bill_date,
            due_date: dates.due_date,
            printed_draft_date: dates.printed_draft_date,
        },
        &calendar,
    )
    .map_err(|e| autopay_error(&e))
}

/// The draft dates of several bills, each `(bill_date, due_date)` or
/// `(bill_date, due_date, printed_draft_date)`.
pub fn draft_dates(
    profile: &UtilityProfile,
    option: &str,
    bills: &Bound<'_, PyAny>,
) -> PyResult<Vec<NaiveDate>> {
    let mut out = Vec::new();
    for item in bills.try_iter()? {
        let item = item?;
        let dates = match item.extract::<(NaiveDate, NaiveDate, Option<NaiveDate>)>() {
            Ok((bill_date, due_date, printed_draft_date)) => BillDatesArg {
                bill_date,
                due_date,
                printed_draft_date,
            },
            Err(_) => {
                let (bill_date, due_date) = item.extract::<(NaiveDate, NaiveDate)>()?;
                BillDatesArg {
                    bill_date,
                    due_date,
                    printed_draft_date: None,
                }
            }
        };
        out.push(draft_date(profile, option, &dates)?);
    }
    Ok(out)
}
