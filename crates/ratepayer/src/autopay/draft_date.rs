//! Draft-date rules: on the due date, on the draft date printed on the bill,
//! N business or calendar days before the due date, or a fixed day of the
//! month; each with a roll convention for days the bank is closed. Whatever
//! the rule, a draft falls in the bill's draft window: on a banking day no
//! earlier than the bill date and no later than the due date.

use chrono::{Datelike, Days, NaiveDate};
use serde::{Deserialize, Serialize};

use super::AutopayError;
use crate::calendar::{Calendar, Roll};

/// The dates of one bill that draft rules read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillDates {
    /// When the bill was issued.
    pub bill_date: NaiveDate,
    /// When it is due.
    pub due_date: NaiveDate,
    /// The draft date printed on the bill, where the utility prints one (Shelby bank draft).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub printed_draft_date: Option<NaiveDate>,
}

/// When a bill is drafted, per profile and payment method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case", deny_unknown_fields)]
pub enum DraftRule {
    /// On the due date (Crow Wing; Shelby card AutoPay).
    OnDueDate {
        /// Where a closed day moves.
        #[serde(default = "preceding")]
        roll: Roll,
    },
    /// On the draft date printed on the bill (Shelby bank draft).
    OnPrintedDate {
        /// Where a closed day moves.
        #[serde(default = "preceding")]
        roll: Roll,
    },
    /// `days` before the due date, counted in business or calendar days.
    BeforeDue {
        /// How many days before.
        days: u32,
        /// Count business days (true) or calendar days.
        #[serde(default)]
        business: bool,
        /// Where a closed day moves (calendar-day counts only).
        #[serde(default = "preceding")]
        roll: Roll,
    },
    /// A fixed day of the month: the first such day on or after the bill
    /// date (the month's last day when the month is shorter), but never after
    /// the due date (see [`draft_date`]).
    DayOfMonth {
        /// Day 1 to 31.
        day: u32,
        /// Where a closed day moves.
        #[serde(default = "following")]
        roll: Roll,
    },
}

fn preceding() -> Roll {
    Roll::Preceding
}

fn following() -> Roll {
    Roll::Following
}

fn day_in_month(year: i32, month: u32, day: u32) -> Option<NaiveDate> {
    (0..4).find_map(|back| NaiveDate::from_ymd_opt(year, month, day.saturating_sub(back)))
}

/// The date `rule` drafts the bill with `dates` on, on `calendar`'s banking days.
///
/// The rule's date is then kept inside the bill's draft window, the banking
/// days from the bill date to the due date:
/// - **Never after the due date.** A draft after the due date makes an
///   AutoPay customer late (late fees, disconnection notices) through no fault
///   of theirs. When the rule lands later — `day:15` on a bill due the 10th,
///   or a `following` roll off a closed due date — the bill is drafted on the
///   last banking day on or before the due date, as utilities that draft on a
///   chosen day do when that day falls after the due date ("your payment will
///   be drafted on your chosen day or the due date, whichever is earlier").
///   The previous month's 15th is not used: it is before the bill exists.
/// - **Never before the bill date.** The customer must have the bill (and its
///   amount) before money is taken (Regulation E notice of a varying amount).
///   When the rule lands earlier — `before:30` on a bill due in 21 days — the
///   bill is drafted on the first banking day on or after the bill date.
///
/// A bill whose window holds no banking day at all (issued and due on the
/// same closed day) cannot be drafted on time: [`AutopayError::NoDraftWindow`].
pub fn draft_date(
    rule: DraftRule,
    dates: &BillDates,
    calendar: &Calendar,
) -> Result<NaiveDate, AutopayError> {
    if dates.due_date < dates.bill_date {
        return Err(AutopayError::DueBeforeBill {
            bill: dates.bill_date,
            due: dates.due_date,
        });
    }
    let first = calendar.roll(dates.bill_date, Roll::Following)?;
    let last = calendar.roll(dates.due_date, Roll::Preceding)?;
    if first > last {
        return Err(AutopayError::NoDraftWindow {
            bill: dates.bill_date,
            due: dates.due_date,
        });
    }
    Ok(rule_date(rule, dates, calendar)?.clamp(first, last))
}

/// The date the rule itself gives, before the draft window is applied.
fn rule_date(
    rule: DraftRule,
    dates: &BillDates,
    calendar: &Calendar,
) -> Result<NaiveDate, AutopayError> {
    let out_of_range = || {
        AutopayError::Calendar(crate::calendar::CalendarError::OutOfRange(format!(
            "the draft date for the bill due {} is outside the supported dates",
            dates.due_date
        )))
    };
    match rule {
        DraftRule::OnDueDate { roll } => Ok(calendar.roll(dates.due_date, roll)?),
        DraftRule::OnPrintedDate { roll } => {
            let printed = dates
                .printed_draft_date
                .ok_or(AutopayError::NoPrintedDraftDate)?;
            Ok(calendar.roll(printed, roll)?)
        }
        DraftRule::BeforeDue {
            days,
            business: true,
            ..
        } => {
            let n = i32::try_from(days).map_err(|_| AutopayError::InvalidRule {
                field: "days",
                reason: format!("{days} is too many"),
            })?;
            // Count back from the due date rolled to a banking day on or before it.
            let due = calendar.roll(dates.due_date, Roll::Preceding)?;
            Ok(calendar.add_business_days(due, -n)?)
        }
        DraftRule::BeforeDue {
            days,
            business: false,
            roll,
        } => {
            let d = dates
                .due_date
                .checked_sub_days(Days::new(u64::from(days)))
                .ok_or_else(out_of_range)?;
            Ok(calendar.roll(d, roll)?)
        }
        DraftRule::DayOfMonth { day, roll } => {
            if !(1..=31).contains(&day) {
                return Err(AutopayError::InvalidRule {
                    field: "day",
                    reason: format!("{day} is not a day of a month; use 1 to 31"),
                });
            }
            let b = dates.bill_date;
            let this = day_in_month(b.year(), b.month(), day).ok_or_else(out_of_range)?;
            let d = if this >= b {
                this
            } else {
                let next = b
                    .checked_add_months(chrono::Months::new(1))
                    .ok_or_else(out_of_range)?;
                day_in_month(next.year(), next.month(), day).ok_or_else(out_of_range)?
            };
            Ok(calendar.roll(d, roll)?)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap_or_default()
    }

    fn bill(bill: &str, due: &str) -> BillDates {
        BillDates {
            bill_date: d(bill),
            due_date: d(due),
            printed_draft_date: None,
        }
    }

    #[test]
    fn on_due_date_rolls_by_the_rule() {
        let fed = Calendar::fed();
        // Due Thanksgiving 2026 (Thursday 26 November).
        let b = bill("2026-11-01", "2026-11-26");
        assert_eq!(
            draft_date(
                DraftRule::OnDueDate {
                    roll: Roll::Preceding
                },
                &b,
                &fed
            ),
            Ok(d("2026-11-25"))
        );
        // Rolling following would draft Friday 27th, after the due date: the
        // draft window keeps it on the last banking day before.
        assert_eq!(
            draft_date(
                DraftRule::OnDueDate {
                    roll: Roll::Following
                },
                &b,
                &fed
            ),
            Ok(d("2026-11-25"))
        );
        // Due Saturday 4 July 2026: the Friday is a banking day.
        let b = bill("2026-06-10", "2026-07-04");
        assert_eq!(
            draft_date(
                DraftRule::OnDueDate {
                    roll: Roll::Preceding
                },
                &b,
                &fed
            ),
            Ok(d("2026-07-03"))
        );
    }

    #[test]
    fn printed_draft_date() {
        let fed = Calendar::fed();
        let mut b = bill("2026-12-01", "2026-12-28");
        assert_eq!(
            draft_date(
                DraftRule::OnPrintedDate {
                    roll: Roll::Preceding
                },
                &b,
                &fed
            ),
            Err(AutopayError::NoPrintedDraftDate)
        );
        b.printed_draft_date = Some(d("2026-12-25"));
        assert_eq!(
            draft_date(
                DraftRule::OnPrintedDate {
                    roll: Roll::Preceding
                },
                &b,
                &fed
            ),
            Ok(d("2026-12-24"))
        );
    }

    #[test]
    fn days_before_due() {
        let fed = Calendar::fed();
        // Due Monday 4 January 2027; 3 business days before, over New Year's Day.
        let b = bill("2026-12-10", "2027-01-04");
        assert_eq!(
            draft_date(
                DraftRule::BeforeDue {
                    days: 3,
                    business: true,
                    roll: Roll::Preceding
                },
                &b,
                &fed
            ),
            Ok(d("2026-12-29"))
        );
        // 3 calendar days before is Friday 1 January (closed): rolled back to 31 December.
        assert_eq!(
            draft_date(
                DraftRule::BeforeDue {
                    days: 3,
                    business: false,
                    roll: Roll::Preceding
                },
                &b,
                &fed
            ),
            Ok(d("2026-12-31"))
        );
    }

    #[test]
    fn fixed_day_of_month() {
        let fed = Calendar::fed();
        let b = bill("2026-01-20", "2026-02-25");
        // The 15th after the bill date is 15 February 2026, the Sunday before Presidents Day.
        assert_eq!(
            draft_date(
                DraftRule::DayOfMonth {
                    day: 15,
                    roll: Roll::Following
                },
                &b,
                &fed
            ),
            Ok(d("2026-02-17"))
        );
        // The 31st in a 30-day month is its last day.
        let b = bill("2026-04-02", "2026-05-05");
        assert_eq!(
            draft_date(
                DraftRule::DayOfMonth {
                    day: 31,
                    roll: Roll::Preceding
                },
                &b,
                &fed
            ),
            Ok(d("2026-04-30"))
        );
        assert!(draft_date(
            DraftRule::DayOfMonth {
                day: 0,
                roll: Roll::Preceding
            },
            &b,
            &fed
        )
        .is_err());
        assert!(draft_date(
            DraftRule::OnDueDate {
                roll: Roll::Preceding
            },
            &bill("2026-05-02", "2026-05-01"),
            &fed
        )
        .is_err());
    }

    #[test]
    fn day_of_month_after_the_due_date_drafts_on_the_due_date() {
        let fed = Calendar::fed();
        // Issue 16: `day:15` on a bill issued 20 November 2026 and due
        // Thursday 10 December drafted on 15 December, after the due date.
        let b = bill("2026-11-20", "2026-12-10");
        let rule = DraftRule::DayOfMonth {
            day: 15,
            roll: Roll::Following,
        };
        assert_eq!(draft_date(rule, &b, &fed), Ok(d("2026-12-10")));
        // Due on Sunday 10 January 2027: the last banking day before, Friday 8th.
        let b = bill("2026-12-20", "2027-01-10");
        assert_eq!(draft_date(rule, &b, &fed), Ok(d("2027-01-08")));
        // The 15th before the due date is still used as is.
        let b = bill("2026-12-01", "2026-12-28");
        assert_eq!(draft_date(rule, &b, &fed), Ok(d("2026-12-15")));
    }

    #[test]
    fn days_before_due_never_drafts_before_the_bill_date() {
        let fed = Calendar::fed();
        // Issue 16: `before:30` on a bill issued Tuesday 1 December 2026 and due
        // on the 22nd drafted in November, before the bill existed.
        let b = bill("2026-12-01", "2026-12-22");
        for business in [true, false] {
            let rule = DraftRule::BeforeDue {
                days: 30,
                business,
                roll: Roll::Preceding,
            };
            assert_eq!(draft_date(rule, &b, &fed), Ok(d("2026-12-01")), "{rule:?}");
        }
        // Issued on Saturday 5 December: the first banking day after, Monday 7th.
        let b = bill("2026-12-05", "2026-12-22");
        let rule = DraftRule::BeforeDue {
            days: 30,
            business: true,
            roll: Roll::Preceding,
        };
        assert_eq!(draft_date(rule, &b, &fed), Ok(d("2026-12-07")));
        // A printed draft date before the bill date is moved the same way.
        let mut b = bill("2026-12-01", "2026-12-22");
        b.printed_draft_date = Some(d("2026-11-20"));
        assert_eq!(
            draft_date(
                DraftRule::OnPrintedDate {
                    roll: Roll::Preceding
                },
                &b,
                &fed
            ),
            Ok(d("2026-12-01"))
        );
    }

    #[test]
    fn a_bill_with_no_banking_day_to_draft_on_is_refused() {
        let fed = Calendar::fed();
        // Issued and due on Saturday 5 December 2026.
        let b = bill("2026-12-05", "2026-12-06");
        assert_eq!(
            draft_date(
                DraftRule::OnDueDate {
                    roll: Roll::Preceding
                },
                &b,
                &fed
            ),
            Err(AutopayError::NoDraftWindow {
                bill: d("2026-12-05"),
                due: d("2026-12-06")
            })
        );
    }
}
