//! `ratepayer bills post`: a bill run's output posted to the accounts of
//! the embedded SQLite store, one bill per (account, period). The whole
//! file is checked first, against the store too (the account is imported;
//! a bill already posted for the period has the same total), and a file
//! with any bad row posts nothing. Then the new bills are posted (each its statement and open
//! charge); a bill already posted with
//! the same total is left as it is, so a re-run changes nothing and says so.
//! The new bills are posted in batches of `--batch-size`, each batch one
//! transaction; a run cut short resumes, when run again, at the first line
//! its committed batches did not post.

use std::sync::Arc;

use chrono::NaiveDate;
use ratepayer_portal::{NullNotifier, Portal, PostedStatement};
use serde_json::json;

use crate::back_office::{open_portal, refused, refused_rows, show_progress, Refusal};
use crate::bills_csv::{self, BillLine};
use crate::cli::BillsPostArgs;
use crate::error::CliError;
use crate::output::{print_json, println_out};
use crate::progress::{thousands, ProgressBar};

/// Runs the command.
pub fn run(args: &BillsPostArgs, json: bool) -> Result<(), CliError> {
    if args.due_date < args.bill_date {
        return Err(CliError::Usage(format!(
            "--due-date {} is before --bill-date {}; a bill is due on or after its date",
            args.due_date, args.bill_date
        )));
    }
    let profile = crate::input::profile(&args.profile)?;
    let portal = open_portal(profile, &args.db, true, Arc::new(NullNotifier))?;
    let (bills, mut refusals) = bills_csv::read(&args.file, portal.profile())?;
    let (new, unchanged) = classify(&portal, bills, &mut refusals)?;
    refusals.sort_by_key(|r| r.line);
    if !refusals.is_empty() {
        if json {
            print_json(&json!({
                "created": 0,
                "unchanged": 0,
                "refused": refused_rows(&refusals),
                "refusals": refusals.iter().map(Refusal::json).collect::<Vec<_>>(),
            }))?;
        }
        return Err(refused(&args.file, &refusals));
    }
    let resumed_at_line = if unchanged > 0 {
        new.first().map(|b| b.line)
    } else {
        None
    };
    let mut bar = ProgressBar::rows(show_progress(json), new.len() as u64, "bills");
    let mut done = 0usize;
    let mut batches = 0u64;
    for chunk in new.chunks(args.batch_size.max(1) as usize) {
        if let Err(e) = post(&portal, chunk, args.bill_date, args.due_date) {
            bar.finish(done as u64);
            return Err(e);
        }
        done += chunk.len();
        batches += 1;
        bar.step(done as u64);
    }
    bar.finish(new.len() as u64);
    if json {
        print_json(&json!({
            "created": new.len(),
            "unchanged": unchanged,
            "batches": batches,
            "resumed_at_line": resumed_at_line,
            "refused": 0,
            "refusals": [],
        }))
    } else {
        println_out(&format!(
            "{} bill(s): {} posted, {} already posted{}",
            thousands(new.len() as u64 + unchanged),
            thousands(new.len() as u64),
            thousands(unchanged),
            match (new.is_empty(), resumed_at_line) {
                (true, _) => "; nothing to change".to_string(),
                (false, Some(line)) => format!("; resumed at line {line}"),
                (false, None) => String::new(),
            }
        ))
    }
}

/// Splits the bills into those to post and the count already posted;
/// refuses a bill whose account is not imported, or whose period was
/// posted before with another total.
fn classify(
    portal: &Portal,
    bills: Vec<BillLine>,
    refusals: &mut Vec<Refusal>,
) -> Result<(Vec<BillLine>, u64), CliError> {
    let utility = portal.profile().id().to_owned();
    let mut tx = portal.store().begin_read().map_err(CliError::domain)?;
    let mut new = Vec::new();
    let mut unchanged = 0;
    for bill in bills {
        if tx
            .account(&utility, &bill.account)
            .map_err(CliError::domain)?
            .is_none()
        {
            refusals.push(Refusal::new(
                bill.line,
                "account",
                &bill.typed,
                format!("no account {} of `{utility}` in the database; import it first with `ratepayer accounts import`", bill.account),
            ));
            continue;
        }
        let posted = tx
            .bills(&utility, &bill.account)
            .map_err(CliError::domain)?
            .into_iter()
            .find(|b| b.period_from == bill.period.from() && b.period_to == bill.period.to());
        match posted {
            None => new.push(bill),
            Some(b) if b.total == bill.total => unchanged += 1,
            Some(b) => refusals.push(Refusal::new(
                bill.line,
                "total",
                &bill.total.to_decimal_string(),
                format!(
                    "bill `{}` of {} for this period was posted on {}; a posted bill is not changed, post an adjustment for the difference",
                    b.bill_id,
                    b.total.to_decimal_string(),
                    b.bill_date
                ),
            )),
        }
    }
    Ok((new, unchanged))
}

/// Posts one batch in one transaction: every bill of it, or none.
fn post(
    portal: &Portal,
    chunk: &[BillLine],
    bill_date: NaiveDate,
    due_date: NaiveDate,
) -> Result<(), CliError> {
    let ids: Vec<String> = chunk.iter().map(BillLine::bill_id).collect();
    let batch: Vec<PostedStatement<'_>> = chunk
        .iter()
        .zip(&ids)
        .map(|(bill, id)| PostedStatement {
            account: &bill.account,
            bill_id: id,
            period: bill.period,
            lines: bill.lines.clone(),
            total: bill.total,
            bill_date,
            due_date,
            printed_draft_date: None,
        })
        .collect();
    portal
        .post_statements(&batch, crate::back_office::now())
        .map(|_| ())
        .map_err(|e| {
            let first = chunk.first().map_or(0, |b| b.line);
            CliError::Domain(format!(
                "cannot post the batch starting at line {first}: {e} (the batches before it are posted; run the command again to post the rest)"
            ))
        })
}
