//! `ratepayer autopay run --date D`: the portal's AutoPay cycle for one
//! day over the embedded SQLite store (or PostgreSQL, where several runs
//! at once share the day's cycle batch by batch), then (with `--processor fake`) the
//! hand-off of pending payments to the fake processor and the recording of
//! its results, then the delivery of the outbox to the mail log. Every step
//! is exactly once in the portal (draft claims by utility and key, pending
//! payments marked submitted, results applied once, outbox messages marked
//! delivered), so a re-run for the same day drafts, submits and delivers
//! nothing new, and says so.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use ratepayer::autopay::failures::{AchReturnCode, FailureAction};
use ratepayer_portal::store::{DeclineReason, PaymentStatus};
use ratepayer_portal::{CycleReport, FakeOutcome, FakeProcessor, Portal, ResultEffect};
use serde_json::{json, Value};

use crate::back_office::{open_portal, show_progress};
use crate::cli::{AutopayRunArgs, ProcessorArg};
use crate::error::CliError;
use crate::mail_log::MailLog;
use crate::output::{print_json, println_out};
use crate::progress::{thousands, ProgressBar};

/// Enrolments per transaction of the cycle (the bar moves once a batch).
const BATCH: usize = 500;

/// What the processor step did.
#[derive(Debug, Default)]
struct Handoff {
    submitted: usize,
    submit_failures: Vec<(String, String)>,
    settled: usize,
    returned: usize,
    declined: usize,
    retries: Vec<(String, String)>,
}

/// Runs the command.
pub fn run(args: &AutopayRunArgs, json: bool) -> Result<(), CliError> {
    let script = parse_script(&args.fake_script)?;
    if !script.is_empty() && args.processor != Some(ProcessorArg::Fake) {
        return Err(CliError::Usage(
            "--fake-script scripts the fake processor; give --processor fake with it".into(),
        ));
    }
    let on_postgres = crate::back_office::postgres_url(&args.db).is_some();
    let mail_path = match (&args.mail_log, on_postgres) {
        (Some(path), _) => path.clone(),
        // No file lies next to a server's URL (and the URL may hold a password).
        (None, true) => {
            return Err(CliError::Usage(
                "with a postgres:// database, give --mail-log FILE for the delivered notices"
                    .into(),
            ))
        }
        (None, false) => PathBuf::from(format!("{}-mail.jsonl", args.db.display())),
    };
    if !on_postgres && !args.db.exists() {
        return Err(CliError::Domain(format!(
            "no database `{}`; import the accounts first with `ratepayer accounts import --db {}`",
            args.db.display(),
            args.db.display()
        )));
    }
    let mail = Arc::new(MailLog::open(&mail_path)?);
    let portal = open_portal(
        crate::input::profile(&args.profile)?,
        &args.db,
        true,
        mail.clone(),
    )?
    .with_autopay_batch(BATCH);
    let portal = match &args.runner {
        Some(name) => portal.with_cycle_runner(name).map_err(CliError::domain)?,
        None => portal,
    };
    if portal.profile().autopay().is_none() {
        return Err(CliError::Domain(format!(
            "profile `{}` has no [autopay] section: it offers no AutoPay to run",
            portal.profile().id()
        )));
    }
    let now = crate::back_office::now();
    let show = show_progress(json);
    // The bar's total is counted first: the cycle itself lists the
    // enrolments page by page.
    let total = if show {
        let mut tx = portal.store().begin_read().map_err(CliError::domain)?;
        tx.active_enrolment_count(portal.profile().id())
            .map_err(CliError::domain)? as u64
    } else {
        0
    };
    let mut bar = ProgressBar::rows(show, total, "enrolments");
    let cycle = portal
        .run_autopay_cycle_observed(args.date, now, &mut |so_far| {
            bar.step(so_far.enrolments as u64);
        })
        .map_err(CliError::domain)?;
    bar.finish(cycle.enrolments as u64);
    let handoff = match args.processor {
        Some(ProcessorArg::Fake) => Some(hand_off(&portal, &script, args, now)?),
        None => None,
    };
    let delivered = portal
        .deliver_outbox(now, usize::MAX)
        .map_err(CliError::domain)?;
    let waiting = portal.pending_payments().map_err(CliError::domain)?.len();
    if json {
        let mut v = cycle_json(&cycle);
        if let Some(obj) = v.as_object_mut() {
            obj.insert("date".into(), json!(args.date.to_string()));
            obj.insert(
                "processor".into(),
                handoff.as_ref().map_or(Value::Null, handoff_json),
            );
            obj.insert("pending_payments".into(), json!(waiting));
            obj.insert(
                "outbox".into(),
                json!({
                    "delivered": delivered.delivered,
                    "already_delivered": delivered.already_delivered,
                    "failed": delivered.failed.iter().map(|(k, why)| json!({ "dedupe_key": k, "reason": why })).collect::<Vec<_>>(),
                    "mail_log": mail.path().display().to_string(),
                }),
            );
        }
        print_json(&v)?;
    } else {
        print_table(
            &cycle,
            handoff.as_ref(),
            waiting,
            &delivered,
            mail.path(),
            args,
        )?;
    }
    if cycle.failures.is_empty() && delivered.failed.is_empty() {
        Ok(())
    } else {
        Err(CliError::Domain(format!(
            "{} account(s) could not be drafted and {} message(s) not delivered; see the report above",
            cycle.failures.len(),
            delivered.failed.len()
        )))
    }
}

/// `ACCOUNT=OUTCOME[,OUTCOME...]` scripts of the fake processor.
fn parse_script(items: &[String]) -> Result<Vec<(String, Vec<FakeOutcome>)>, CliError> {
    items
        .iter()
        .map(|item| {
            let (account, outcomes) = item.split_once('=').ok_or_else(|| {
                CliError::Usage(format!(
                    "--fake-script `{}` is not ACCOUNT=OUTCOME[,OUTCOME...]",
                    crate::usage_csv::excerpt(item)
                ))
            })?;
            let outcomes = outcomes
                .split(',')
                .map(|o| match o.trim() {
                    "settle" => Ok(FakeOutcome::Settle),
                    "return" => Ok(FakeOutcome::Return(AchReturnCode::R01)),
                    "decline" => Ok(FakeOutcome::Decline(DeclineReason::Soft)),
                    "decline-hard" => Ok(FakeOutcome::Decline(DeclineReason::Hard)),
                    other => Err(CliError::Usage(format!(
                        "--fake-script outcome `{}` is not one of settle, return, decline, decline-hard",
                        crate::usage_csv::excerpt(other)
                    ))),
                })
                .collect::<Result<Vec<_>, _>>()?;
            Ok((account.trim().to_owned(), outcomes))
        })
        .collect()
}

/// Submits every pending payment to the fake processor, then records the
/// results it reports, settled on the run's date.
fn hand_off(
    portal: &Portal,
    script: &[(String, Vec<FakeOutcome>)],
    args: &AutopayRunArgs,
    now: DateTime<Utc>,
) -> Result<Handoff, CliError> {
    let processor = FakeProcessor::new();
    let format = &portal.profile().spec().payments.account_number;
    for (account, outcomes) in script {
        let canonical = ratepayer::payment::AccountNumber::parse(account, format)
            .map_err(|e| CliError::Usage(format!("--fake-script account `{account}`: {e}")))?;
        processor.script_account(canonical.as_str(), outcomes);
    }
    let sent = portal
        .submit_pending(&processor, now)
        .map_err(CliError::domain)?;
    let mut out = Handoff {
        submitted: sent.submitted.len(),
        submit_failures: sent.failures,
        ..Handoff::default()
    };
    for result in processor.results(args.date) {
        let done = portal
            .record_result(&result, now)
            .map_err(CliError::domain)?;
        if done.effect != ResultEffect::Applied {
            continue;
        }
        match done.status {
            PaymentStatus::Settled => out.settled += 1,
            PaymentStatus::Returned => out.returned += 1,
            PaymentStatus::Declined => out.declined += 1,
            _ => {}
        }
        if let Some(action) = done.autopay {
            let what = match action {
                FailureAction::Retry { on, .. } => format!("to be presented again on {on}"),
                FailureAction::Suspend { reason, .. } => format!("AutoPay suspended ({reason:?})"),
                FailureAction::Done => "nothing more to do".to_owned(),
                FailureAction::End { .. } => "AutoPay ended (closed account)".to_owned(),
            };
            out.retries.push((done.payment_id, what));
        }
    }
    Ok(out)
}

fn cycle_json(c: &CycleReport) -> Value {
    json!({
        "enrolments": c.enrolments,
        "drafted": c.drafted,
        "already_drafted": c.already_drafted,
        "failed": c.failures.len(),
        "failures": c.failures.iter().map(|(a, why)| json!({ "account": a, "reason": why })).collect::<Vec<_>>(),
        "representments": c.representments,
        "pay_by_hand": c.pay_by_hand,
        "suspended": c.suspended,
        "closed_accounts": c.closed_accounts,
        "cancelled_during_run": c.cancelled_during_run,
        "charged": c.charged.map(|m| m.to_decimal_string()),
        "notices_queued": c.notices_queued,
        "batches": c.batches,
        "drafts": c.drafts.iter().map(|d| json!({
            "account": d.account,
            "bill": d.bill_id,
            "attempt": d.attempt,
            "date": d.date.to_string(),
            "total": d.total.to_decimal_string(),
            "payment": d.payment_id,
            "idempotency_key": d.idempotency_key,
        })).collect::<Vec<_>>(),
    })
}

fn handoff_json(h: &Handoff) -> Value {
    json!({
        "name": "fake",
        "submitted": h.submitted,
        "submit_failures": h.submit_failures.iter().map(|(p, why)| json!({ "payment": p, "reason": why })).collect::<Vec<_>>(),
        "settled": h.settled,
        "returned": h.returned,
        "declined": h.declined,
        "autopay_actions": h.retries.iter().map(|(p, what)| json!({ "payment": p, "action": what })).collect::<Vec<_>>(),
    })
}

fn print_table(
    c: &CycleReport,
    handoff: Option<&Handoff>,
    waiting: usize,
    delivered: &ratepayer_portal::DeliveryReport,
    mail: &std::path::Path,
    args: &AutopayRunArgs,
) -> Result<(), CliError> {
    let mut out = vec![format!(
        "AutoPay cycle for {}: {} enrolment(s), {} drafted ({} re-presented), {} already drafted, {} failed{}",
        args.date,
        thousands(c.enrolments as u64),
        thousands(c.drafted as u64),
        c.representments,
        thousands(c.already_drafted as u64),
        c.failures.len(),
        if c.drafted == 0 { "; nothing new to draft" } else { "" }
    )];
    if let Some(m) = c.charged {
        out.push(format!("  charged {}", m.to_decimal_string()));
    }
    if c.batches > 0 {
        out.push(format!(
            "  {} batch(es) of the cycle shared by runners done by this one (see `autopay progress`)",
            thousands(c.batches as u64)
        ));
    }
    for (account, why) in &c.failures {
        out.push(format!("  failed {account}: {why}"));
    }
    for (label, n) in [
        ("to pay by hand (above the AutoPay maximum)", c.pay_by_hand),
        ("suspended (card expired)", c.suspended),
        ("closed accounts, AutoPay ended", c.closed_accounts),
        ("cancelled during the run", c.cancelled_during_run),
    ] {
        if n > 0 {
            out.push(format!("  {n} {label}"));
        }
    }
    match handoff {
        Some(h) => {
            out.push(format!(
                "processor (fake): {} submitted, {} settled, {} returned, {} declined, {} not taken",
                h.submitted,
                h.settled,
                h.returned,
                h.declined,
                h.submit_failures.len()
            ));
            for (payment, what) in &h.retries {
                out.push(format!("  {payment}: {what}"));
            }
        }
        None => out.push(format!(
            "processor: none given; {waiting} payment(s) pending for the application's processor"
        )),
    }
    out.push(format!(
        "outbox: {} {}message(s) delivered to {}, {} failed",
        delivered.delivered,
        if delivered.delivered == 0 { "new " } else { "" },
        mail.display(),
        delivered.failed.len()
    ));
    println_out(&out.join("\n"))
}
