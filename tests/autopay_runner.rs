//! The AutoPay cycle as a separate process over a SQLite file, for the
//! reliability tests (two processes at once; a runner killed mid-cycle) and
//! the 100,000-account benchmark.
//!
//! ```text
//! autopay-runner seed  DB N        # N Shelby accounts, each with an open bill and Card AutoPay
//! autopay-runner run   DB [BATCH]  # the cycle for 2025-11-24; prints drafted/already counts
//! autopay-runner bench N [DB]      # seed N, then time one cycle and a second, empty one
//! ```

use std::error::Error;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use chrono::{NaiveDate, TimeZone, Utc};
use ratepayer::autopay::CardExpiry;
use ratepayer::credential::HashParams;
use ratepayer::fees::PaymentMethod;
use ratepayer::payment::{AccountNumber, AccountStatus, ChargeKind, OpenCharge};
use ratepayer::portal::{NullNotifier, Portal, PortalSecrets};
use ratepayer::profile::builtin;
use ratepayer::registration::AccountRecord;
use ratepayer::security::SeededRandom;
use ratepayer::store::{AccountRow, ChargeRow, EnrolmentRow, EnrolmentStatus, Store};
use ratepayer::{Currency, Money};
use ratepayer_sqlite::SqliteStore;
use rust_decimal::Decimal;

type Res<T> = Result<T, Box<dyn Error>>;

const DUE: (i32, u32, u32) = (2025, 11, 24);

fn due() -> Res<NaiveDate> {
    NaiveDate::from_ymd_opt(DUE.0, DUE.1, DUE.2).ok_or_else(|| "date".into())
}

fn portal(store: Arc<dyn Store>) -> Res<Portal> {
    Ok(Portal::new(
        builtin::load("shelby")?,
        store,
        PortalSecrets {
            digest_key: vec![1; 32],
            hash_params: HashParams::default(),
            pepper: None,
        },
        Box::new(SeededRandom::new(std::process::id().into())),
        Arc::new(NullNotifier),
    )?)
}

/// `n` accounts, each with a bill of 40.00 + (i mod 100) cents due on the
/// due date and Card AutoPay, written straight through the store port.
fn seed(store: &dyn Store, n: usize) -> Res<()> {
    let profile = builtin::load("shelby")?;
    let format = &profile.spec().payments.account_number;
    let at = Utc
        .with_ymd_and_hms(2025, 11, 1, 12, 0, 0)
        .single()
        .ok_or("time")?;
    let bill_date = NaiveDate::from_ymd_opt(2025, 11, 3).ok_or("date")?;
    let usd = |cents: i64| Money::new(Decimal::new(cents, 2), Currency::USD);
    for chunk in (0..n).collect::<Vec<_>>().chunks(5_000) {
        let mut tx = store.begin()?;
        for &i in chunk {
            let number = AccountNumber::parse(&format!("{}", 200_000 + i), format)?;
            let account = number.as_str().to_owned();
            tx.put_account(&AccountRow {
                utility: "shelby".into(),
                record: AccountRecord {
                    account_number: number,
                    customer_number: Some(format!("{i}")),
                    zip: None,
                    name: None,
                    email: None,
                    commercial: false,
                    tax_id: None,
                    login: Some(format!("login-{i}")),
                },
                status: AccountStatus::Active,
                currency: Currency::USD,
                service_address: None,
                paperless: false,
                ebilling: false,
                text_alerts: false,
                billing_email: None,
                credit: usd(0),
                throttle: Default::default(),
            })?;
            tx.put_charge(&ChargeRow {
                utility: "shelby".into(),
                account: account.clone(),
                charge: OpenCharge {
                    id: "2025-10".into(),
                    kind: ChargeKind::Balance,
                    bill_date,
                    due_date: due()?,
                    amount: usd(4_000 + (i % 100) as i64),
                },
            })?;
            tx.put_enrolment(&EnrolmentRow {
                utility: "shelby".into(),
                account,
                login: format!("login-{i}"),
                option: "Card AutoPay".into(),
                payment_method_id: format!("card-{i}"),
                method: PaymentMethod::CreditCard,
                card_expiry: Some(CardExpiry {
                    year: 2030,
                    month: 1,
                }),
                maximum: None,
                amount_notices: Default::default(),
                skip_due_on_or_before: None,
                status: EnrolmentStatus::Active,
                at,
            })?;
        }
        tx.commit()?;
    }
    Ok(())
}

fn run(store: Arc<dyn Store>, batch: Option<usize>) -> Res<(usize, usize)> {
    let mut p = portal(store)?;
    if let Some(n) = batch {
        p = p.with_autopay_batch(n);
    }
    let batch = batch.filter(|_| std::env::var_os("AUTOPAY_RUNNER_PROGRESS").is_some());
    let now = Utc
        .with_ymd_and_hms(2025, 11, 24, 6, 0, 0)
        .single()
        .ok_or("time")?;
    let report = p.run_autopay_cycle_observed(due()?, now, &mut |so_far| {
        // Progress after each committed batch (the SIGKILL test waits for it).
        if batch.is_some() {
            println!("committed {}", so_far.drafted + so_far.already_drafted);
        }
    })?;
    if !report.failures.is_empty() {
        return Err(format!(
            "{} accounts failed: {:?}",
            report.failures.len(),
            report.failures.first()
        )
        .into());
    }
    Ok((report.drafted, report.already_drafted))
}

fn main_inner(args: &[String]) -> Res<()> {
    match args {
        [cmd, db, n] if cmd == "seed" => {
            let store = SqliteStore::open(db)?;
            seed(&store, n.parse()?)
        }
        [cmd, db, rest @ ..] if cmd == "run" => {
            let batch = rest.first().map(|b| b.parse()).transpose()?;
            let (drafted, already) = run(Arc::new(SqliteStore::open(db)?), batch)?;
            println!("drafted {drafted} already {already}");
            Ok(())
        }
        [cmd, n, rest @ ..] if cmd == "bench" => {
            let n: usize = n.parse()?;
            let path = match rest.first() {
                Some(p) => std::path::PathBuf::from(p),
                None => std::env::temp_dir()
                    .join(format!("ratepayer-bench-{}.sqlite", std::process::id())),
            };
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
            let store = Arc::new(SqliteStore::open(&path)?);
            let t = Instant::now();
            seed(store.as_ref(), n)?;
            println!(
                "seeded {n} enrolled accounts in {:.2} s",
                t.elapsed().as_secs_f64()
            );
            let t = Instant::now();
            let (drafted, _) = run(store.clone(), None)?;
            let first = t.elapsed().as_secs_f64();
            println!(
                "autopay cycle: {drafted} drafts executed in {first:.2} s ({:.1} µs per account)",
                first * 1e6 / n as f64
            );
            let t = Instant::now();
            let (again, _) = run(store, None)?;
            println!(
                "second cycle for the same day: {again} drafts in {:.2} s",
                t.elapsed().as_secs_f64()
            );
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
            Ok(())
        }
        _ => Err("usage: autopay-runner seed DB N | run DB [BATCH] | bench N [DB]".into()),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match main_inner(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("autopay-runner: {e}");
            ExitCode::FAILURE
        }
    }
}
