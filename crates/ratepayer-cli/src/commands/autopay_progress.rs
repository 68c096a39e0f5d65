//! `ratepayer autopay progress --date D --db URL`: how far the AutoPay
//! cycle of a day is when several runners share it (on PostgreSQL): its
//! batches and enrolments done, drafts made, and each runner's share. Read
//! in a read transaction: it holds up no runner. On a store that does not
//! share cycles (a SQLite file) it is refused, with why.

use std::sync::Arc;

use ratepayer_portal::store::CycleProgress;
use ratepayer_portal::NullNotifier;
use serde_json::{json, Value};

use crate::back_office::open_portal;
use crate::cli::AutopayProgressArgs;
use crate::error::CliError;
use crate::output::{print_json, println_out};
use crate::progress::thousands;

/// Runs the command.
pub fn run(args: &AutopayProgressArgs, json: bool) -> Result<(), CliError> {
    let portal = open_portal(
        crate::input::profile(&args.profile)?,
        &args.db,
        true,
        Arc::new(NullNotifier),
    )?;
    let progress = portal
        .autopay_cycle_progress(args.date)
        .map_err(CliError::domain)?;
    if json {
        return print_json(&match &progress {
            Some(p) => progress_json(p),
            None => json!({ "date": args.date.to_string(), "started": false }),
        });
    }
    let Some(p) = progress else {
        return println_out(&format!(
            "AutoPay cycle for {}: not started (no runner has planned it)",
            args.date
        ));
    };
    println_out(&format!(
        "AutoPay cycle for {} (pass {}): {} of {} batch(es) done ({} per batch), {} of {} \
         enrolment(s), {} drafted, {} already drafted, {} failed{}",
        p.date,
        p.pass,
        thousands(p.batches_done as u64),
        thousands(p.batches as u64),
        thousands(p.batch_size as u64),
        thousands(p.accounts_done as u64),
        thousands(p.accounts as u64),
        thousands(p.drafted as u64),
        thousands(p.already_drafted as u64),
        thousands(p.failed as u64),
        if p.finished() { "; finished" } else { "" }
    ))?;
    for r in &p.runners {
        println_out(&format!(
            "  {}: {} batch(es), {} enrolment(s), {} drafted, last at {}",
            r.runner,
            thousands(r.batches as u64),
            thousands(r.enrolments as u64),
            thousands(r.drafted as u64),
            r.last_done_at.to_rfc3339()
        ))?;
    }
    Ok(())
}

/// The progress as JSON.
fn progress_json(p: &CycleProgress) -> Value {
    json!({
        "date": p.date.to_string(),
        "started": true,
        "pass": p.pass,
        "finished": p.finished(),
        "planned_at": p.planned_at.to_rfc3339(),
        "batch_size": p.batch_size,
        "batches": p.batches,
        "batches_done": p.batches_done,
        "accounts": p.accounts,
        "accounts_done": p.accounts_done,
        "drafted": p.drafted,
        "already_drafted": p.already_drafted,
        "failed": p.failed,
        "runners": p.runners.iter().map(|r| json!({
            "runner": r.runner,
            "batches": r.batches,
            "accounts": r.enrolments,
            "drafted": r.drafted,
            "last_done_at": r.last_done_at.to_rfc3339(),
        })).collect::<Vec<_>>(),
    })
}
