//! `ratepayer autopay next`: the date a bill is drafted on, from a draft rule
//! (typed, or an AutoPay option of a profile) on a banking calendar.

use ratepayer::autopay::{draft_date, BillDates, DraftRule};
use ratepayer::calendar::{Calendar, Roll};
use serde_json::json;

use crate::cli::{AutopayNextArgs, RuleArg};
use crate::error::CliError;
use crate::input;
use crate::output::{print_json, println_out};

/// Runs the command.
pub fn run(args: &AutopayNextArgs, json: bool) -> Result<(), CliError> {
    let (calendar, rule) = if args.calendar == "fed" {
        if let Some(name) = &args.option {
            return Err(CliError::Usage(format!(
                "--option `{name}` names an AutoPay option of a profile; give the profile with --calendar PROFILE, or a --rule"
            )));
        }
        (Calendar::fed(), typed_rule(args))
    } else {
        let (profile, calendar) = input::draft_calendar(&args.calendar)?;
        let rule = match &args.option {
            Some(name) => {
                let policy = profile.autopay().ok_or_else(|| {
                    CliError::Domain(format!(
                        "profile `{}` has no `[autopay]` options; give a --rule instead of --option",
                        profile.id()
                    ))
                })?;
                policy.option(name).map_err(CliError::domain)?.draft
            }
            None => typed_rule(args),
        };
        (calendar, rule)
    };
    if matches!(rule, DraftRule::OnPrintedDate { .. }) && args.printed.is_none() {
        return Err(CliError::Usage(
            "the rule drafts on the date printed on the bill; give that date with --printed DATE"
                .into(),
        ));
    }
    if matches!(rule, DraftRule::DayOfMonth { .. }) && args.bill_date.is_none() {
        return Err(CliError::Usage(
            "a day-of-month rule drafts on the first such day on or after the bill date; give it with --bill-date DATE".into(),
        ));
    }
    // Without --bill-date only the due date bounds the draft: the bill date
    // is taken far enough back (a year) not to move any rule's date.
    let unknown_bill_date = args
        .due
        .checked_sub_days(chrono::Days::new(366))
        .unwrap_or(args.due);
    let dates = BillDates {
        bill_date: args.bill_date.unwrap_or(unknown_bill_date),
        due_date: args.due,
        printed_draft_date: args.printed,
    };
    let date = draft_date(rule, &dates, &calendar).map_err(CliError::domain)?;
    let rule_json = serde_json::to_value(rule).unwrap_or(serde_json::Value::Null);
    if json {
        return print_json(&json!({
            "due": args.due.to_string(),
            "draft_date": date.to_string(),
            "bill_date": args.bill_date.map(|d| d.to_string()),
            "calendar": calendar.name(),
            "rule": rule_json,
        }));
    }
    println_out(&format!(
        "due {}  ->  draft {} ({})\n  calendar {}\n  rule     {}",
        args.due,
        date,
        date.format("%A"),
        calendar.name(),
        describe(rule)
    ))
}

fn typed_rule(args: &AutopayNextArgs) -> DraftRule {
    let rule = args.rule.unwrap_or(RuleArg::OnDue);
    let roll = |default: Roll| args.roll.unwrap_or(default);
    match rule {
        RuleArg::OnDue => DraftRule::OnDueDate {
            roll: roll(Roll::Preceding),
        },
        RuleArg::Printed => DraftRule::OnPrintedDate {
            roll: roll(Roll::Preceding),
        },
        RuleArg::Before { days, business } => DraftRule::BeforeDue {
            days,
            business,
            roll: roll(Roll::Preceding),
        },
        RuleArg::DayOfMonth(day) => DraftRule::DayOfMonth {
            day,
            roll: roll(Roll::Following),
        },
    }
}

fn roll_name(r: Roll) -> &'static str {
    match r {
        Roll::Following => "following",
        Roll::Preceding => "preceding",
        Roll::ModifiedFollowing => "modified-following",
        Roll::ModifiedPreceding => "modified-preceding",
    }
}

fn describe(rule: DraftRule) -> String {
    match rule {
        DraftRule::OnDueDate { roll } => format!("on the due date, roll {}", roll_name(roll)),
        DraftRule::OnPrintedDate { roll } => {
            format!("on the date printed on the bill, roll {}", roll_name(roll))
        }
        DraftRule::BeforeDue {
            days,
            business: true,
            ..
        } => format!("{days} business day(s) before the due date"),
        DraftRule::BeforeDue {
            days,
            business: false,
            roll,
        } => format!(
            "{days} calendar day(s) before the due date, roll {}",
            roll_name(roll)
        ),
        DraftRule::DayOfMonth { day, roll } => {
            format!("day {day} of the month, roll {}", roll_name(roll))
        }
    }
}
