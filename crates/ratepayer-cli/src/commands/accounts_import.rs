//! `ratepayer accounts import`: the utility's account records from a CSV
//! into the embedded SQLite store, keyed by (utility, account number). The
//! whole file is checked first (the rows alone, then each record as it
//! will be stored for the fields registration needs) and a file with any
//! bad row writes nothing;
//! then each row is compared with the store (created, updated, unchanged)
//! and the created and updated rows are written in batches of
//! `--batch-size`, each one transaction, so a re-run of the same file
//! changes nothing and says so, and a run cut short resumes where its last
//! committed batch ended (those rows now compare unchanged).

use std::sync::Arc;

use ratepayer_portal::{AccountImport, NullNotifier};
use serde_json::json;

use crate::accounts_csv::{self, AccountLine};
use crate::back_office::{open_portal, refused, refused_rows, show_progress, Refusal};
use crate::cli::AccountsImportArgs;
use crate::error::CliError;
use crate::output::{print_json, println_out};
use crate::progress::{thousands, ProgressBar};

/// What an import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    /// Accounts new to the store.
    pub created: u64,
    /// Accounts whose record, status or address changed.
    pub updated: u64,
    /// Accounts already as in the file.
    pub unchanged: u64,
}

/// Runs the command.
pub fn run(args: &AccountsImportArgs, json: bool) -> Result<(), CliError> {
    let profile = crate::input::profile(&args.profile)?;
    let (lines, present, refusals) = accounts_csv::read(&args.file, &profile)?;
    if !refusals.is_empty() {
        return report_refusals(args, json, &refusals);
    }
    let portal = open_portal(profile, &args.db, false, Arc::new(NullNotifier))?;
    let mut bar = ProgressBar::rows(show_progress(json), lines.len() as u64, "accounts");
    let mut counts = Counts::default();
    let mut changes: Vec<AccountImport> = Vec::new();
    let mut refusals = Vec::new();
    {
        let mut tx = portal.store().begin_read().map_err(CliError::domain)?;
        for (i, AccountLine { line, mut import }) in lines.into_iter().enumerate() {
            let existing = tx
                .account(portal.profile().id(), import.record.account_number.as_str())
                .map_err(CliError::domain)?;
            if let Some(a) = &existing {
                present.keep_absent(&mut import, a);
            }
            let missing = accounts_csv::missing_proofs(portal.profile(), line, &import);
            if !missing.is_empty() {
                refusals.extend(missing);
                continue;
            }
            match existing {
                None => counts.created += 1,
                Some(a) => {
                    let mut record = import.record.clone();
                    record.login.clone_from(&a.record.login);
                    if a.record == record
                        && a.status == import.status
                        && a.service_address == import.service_address
                    {
                        counts.unchanged += 1;
                        bar.step(i as u64 + 1);
                        continue;
                    }
                    counts.updated += 1;
                }
            }
            changes.push(import);
            bar.step(i as u64 + 1);
        }
    }
    bar.finish(counts.created + counts.updated + counts.unchanged);
    if !refusals.is_empty() {
        return report_refusals(args, json, &refusals);
    }
    let mut batches = 0u64;
    for chunk in changes.chunks(args.batch_size.max(1) as usize) {
        portal
            .import_accounts(chunk, crate::back_office::now())
            .map_err(|e| {
                CliError::Domain(format!(
                    "{e} (the {} batch(es) before this one are written; run the command again to write the rest)",
                    batches
                ))
            })?;
        batches += 1;
    }
    if json {
        print_json(&json!({
            "created": counts.created,
            "updated": counts.updated,
            "unchanged": counts.unchanged,
            "batches": batches,
            "refused": 0,
            "refusals": [],
        }))
    } else {
        println_out(&format!(
            "{} account(s): {} created, {} updated, {} unchanged{}",
            thousands(counts.created + counts.updated + counts.unchanged),
            thousands(counts.created),
            thousands(counts.updated),
            thousands(counts.unchanged),
            if changes.is_empty() {
                "; nothing to change"
            } else {
                ""
            }
        ))
    }
}

fn report_refusals(
    args: &AccountsImportArgs,
    json: bool,
    refusals: &[Refusal],
) -> Result<(), CliError> {
    if json {
        print_json(&json!({
            "created": 0,
            "updated": 0,
            "unchanged": 0,
            "refused": refused_rows(refusals),
            "refusals": refusals.iter().map(Refusal::json).collect::<Vec<_>>(),
        }))?;
    }
    Err(refused(&args.file, refusals))
}
