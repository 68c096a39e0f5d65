//! The AutoPay cycle as a separate process over a SQLite file, for the
//! reliability tests (two processes at once; a runner killed mid-cycle) and
//! the 100,000-account benchmark.
//!
//! ```text
//! autopay-runner seed  DB N        # N Shelby accounts, each with an open bill and Card AutoPay
//! autopay-runner run   DB [BATCH]  # the cycle for 2025-11-24; prints drafted/already counts
//! autopay-runner submit DB          # hand what is pending to a FakeProcessor
//! autopay-runner bench N [DB]      # seed N, then time one cycle, the hand-off of its drafts
//!                                   # to a FakeProcessor (and the two together), a second,
//!                                   # empty cycle and the delivery of the outbox
//! autopay-runner process DB DAY [BATCH]  # the cycle for DAY, then hand what is pending to
//!                                        # the file processor (DB.processor), record
//!                                        # every result it has (again: duplicates) and
//!                                        # deliver the outbox to the file notifier
//!                                        # (DB.notices, one dedupe key a line)
//! ```
//!
//! The file processor keeps its charges in a SQLite file of its own, shared
//! by every runner: a key is charged once, however many runners submit it.
//! Its outcome is drawn from the key: about 10 % soft card declines, 5 %
//! hard ones, the rest settle.

use std::error::Error;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use chrono::{NaiveDate, TimeZone, Utc};
use ratepayer::autopay::CardExpiry;
use ratepayer::credential::HashParams;
use ratepayer::fees::PaymentMethod;
use ratepayer::payment::{AccountNumber, AccountStatus, ChargeKind, OpenCharge};
use ratepayer::profile::builtin;
use ratepayer::registration::AccountRecord;
use ratepayer::security::SeededRandom;
use ratepayer::{Currency, Money};
use ratepayer_portal::store::{
    AccountRow, ChargeRow, DeclineReason, EnrolmentRow, EnrolmentStatus, LoginRow,
    PaymentMethodRow, Store,
};
use ratepayer_portal::{
    ChargeType, Notice, Notifier, NotifyError, NullNotifier, PaymentProcessor, Portal,
    PortalSecrets, ProcessorError, ProcessorOutcome, ProcessorResult, Submission, SubmitReceipt,
};
use ratepayer_sqlite::SqliteStore;
use rust_decimal::Decimal;

type Res<T> = Result<T, Box<dyn Error>>;

const DUE: (i32, u32, u32) = (2025, 11, 24);

fn due() -> Res<NaiveDate> {
    NaiveDate::from_ymd_opt(DUE.0, DUE.1, DUE.2).ok_or_else(|| "date".into())
}

/// Appends the dedupe key of every message it is given to a file, one a
/// line (shared by every runner): what was delivered, duplicates included.
struct FileNotifier(std::path::PathBuf);

impl FileNotifier {
    fn append(&self, notice: &Notice) -> std::io::Result<()> {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.0)?;
        let line = format!("{}\n", notice.dedupe_key.as_deref().unwrap_or("-"));
        f.write_all(line.as_bytes())
    }
}

impl Notifier for FileNotifier {
    fn send(&self, notice: &Notice) {
        let _ = self.append(notice);
    }

    fn deliver(&self, notice: &Notice) -> Result<(), NotifyError> {
        self.append(notice).map_err(|e| NotifyError {
            message: e.to_string(),
        })
    }
}

fn portal(store: Arc<dyn Store>) -> Res<Portal> {
    portal_with(store, Arc::new(NullNotifier))
}

fn portal_with(store: Arc<dyn Store>, notifier: Arc<dyn Notifier>) -> Res<Portal> {
    Ok(Portal::new(
        builtin::load("shelby")?,
        store,
        PortalSecrets {
            digest_key: vec![1; 32],
            hash_params: HashParams::default(),
            pepper: None,
        },
        Box::new(SeededRandom::new(std::process::id().into())),
        notifier,
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
    // One credential for every login (hashed once, below the OWASP floor:
    // nobody signs in here).
    let credential = ratepayer::credential::hash(
        &ratepayer::password::NormalizedPassword::new("runner-password-not-used-1")?,
        &HashParams::below_owasp_floor_for_tests(64, 1, 1)?,
        &mut SeededRandom::new(1),
        None,
    )?;
    for chunk in (0..n).collect::<Vec<_>>().chunks(5_000) {
        let mut tx = store.begin()?;
        for &i in chunk {
            tx.insert_login(&LoginRow {
                id: format!("login-{i}"),
                utility: "shelby".into(),
                username: format!("runner-{i}"),
                email: format!("runner{i}@example.com"),
                credential: credential.clone(),
                must_change_password: false,
                throttle: Default::default(),
                terms: ratepayer::registration::TermsAcceptance {
                    version: "2024-07".into(),
                    accepted_at: at,
                },
                created_at: at,
            })?;
            tx.insert_payment_method(&PaymentMethodRow {
                id: format!("card-{i}"),
                login: format!("login-{i}"),
                method: PaymentMethod::CreditCard,
                token: format!("tok_runner_{i}"),
                label: "Visa ending 4242".into(),
                card_expiry: Some(CardExpiry {
                    year: 2030,
                    month: 1,
                }),
                added_at: at,
            })?;
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

/// A processor whose charges live in a SQLite file every runner shares:
/// one row per idempotency key, so a key is charged once.
struct FileProcessor {
    conn: std::sync::Mutex<rusqlite::Connection>,
}

impl FileProcessor {
    fn open(path: &str) -> Res<FileProcessor> {
        let conn = rusqlite::Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(30))?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             CREATE TABLE IF NOT EXISTS charges (
                 key TEXT PRIMARY KEY NOT NULL,
                 reference TEXT NOT NULL,
                 card INTEGER NOT NULL,
                 total TEXT NOT NULL,
                 submissions INTEGER NOT NULL
             );",
        )?;
        Ok(FileProcessor {
            conn: std::sync::Mutex::new(conn),
        })
    }

    /// Every charge: (key, is a card).
    fn charges(&self) -> Res<Vec<(String, bool)>> {
        let conn = self.conn.lock().map_err(|_| "poisoned")?;
        let mut stmt = conn.prepare("SELECT key, card FROM charges ORDER BY key")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? != 0)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// The outcome the file processor gives `key`: 0..10 soft decline,
/// 10..15 hard decline, else settled (FNV-1a of the key, mod 100).
fn file_outcome(key: &str, card: bool, on: NaiveDate) -> ProcessorOutcome {
    let mut h: u32 = 0x811c_9dc5;
    for b in key.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    match (h % 100, card) {
        (0..10, true) => ProcessorOutcome::Declined {
            reason: DeclineReason::Soft,
        },
        (10..15, true) => ProcessorOutcome::Declined {
            reason: DeclineReason::Hard,
        },
        (0..10, false) => ProcessorOutcome::Returned {
            code: ratepayer::autopay::failures::AchReturnCode::R01,
        },
        (10..15, false) => ProcessorOutcome::Returned {
            code: ratepayer::autopay::failures::AchReturnCode::R02,
        },
        _ => ProcessorOutcome::Settled { on },
    }
}

impl PaymentProcessor for FileProcessor {
    fn submit(&self, s: &Submission) -> Result<SubmitReceipt, ProcessorError> {
        let fail = |e: rusqlite::Error| ProcessorError {
            message: e.to_string(),
        };
        let mut conn = self.conn.lock().map_err(|_| ProcessorError {
            message: "poisoned".into(),
        })?;
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(fail)?;
        tx.execute(
            "INSERT INTO charges (key, reference, card, total, submissions)
             VALUES (?1, 'ref-' || ?1, ?2, ?3, 1)
             ON CONFLICT (key) DO UPDATE SET submissions = submissions + 1",
            rusqlite::params![
                s.key,
                i64::from(s.charge == ChargeType::Card),
                s.total.to_decimal_string()
            ],
        )
        .map_err(fail)?;
        let reference: String = tx
            .query_row(
                "SELECT reference FROM charges WHERE key = ?1",
                [&s.key],
                |r| r.get(0),
            )
            .map_err(fail)?;
        tx.commit().map_err(fail)?;
        Ok(SubmitReceipt { reference })
    }
}

/// The cycle for `day`, the hand-off to the file processor, then every
/// result the processor has, recorded (those recorded before are no-ops).
fn process(db: &str, day: NaiveDate, batch: Option<usize>) -> Res<(usize, usize, usize)> {
    let store = Arc::new(SqliteStore::open(db)?);
    let notices = std::path::PathBuf::from(format!("{db}.notices"));
    let mut p = portal_with(store, Arc::new(FileNotifier(notices)))?;
    if let Some(n) = batch {
        p = p.with_autopay_batch(n);
    }
    let progress = std::env::var_os("AUTOPAY_RUNNER_PROGRESS").is_some();
    let now = Utc
        .from_local_datetime(&day.and_hms_opt(6, 0, 0).ok_or("time")?)
        .single()
        .ok_or("time")?;
    let report = p.run_autopay_cycle_observed(day, now, &mut |so_far| {
        if progress {
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
    let processor = FileProcessor::open(&format!("{db}.processor"))?;
    let sent = p.submit_pending(&processor, now)?;
    if !sent.failures.is_empty() {
        return Err(format!("submissions failed: {:?}", sent.failures.first()).into());
    }
    for (key, card) in processor.charges()? {
        p.record_result(
            &ProcessorResult {
                outcome: file_outcome(&key, card, day),
                key,
                reference: None,
                message: None,
            },
            now,
        )?;
    }
    let delivered = p.deliver_outbox(now, usize::MAX)?;
    if !delivered.failed.is_empty() {
        return Err(format!("deliveries failed: {:?}", delivered.failed.first()).into());
    }
    Ok((report.drafted, report.already_drafted, sent.submitted.len()))
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
        [cmd, db] if cmd == "submit" => {
            // The hand-off alone, to the fake processor (for profiling).
            let t = Instant::now();
            let sent = portal(Arc::new(SqliteStore::open(db)?))?.submit_pending(
                &ratepayer_portal::FakeProcessor::new(),
                Utc.with_ymd_and_hms(2025, 11, 24, 7, 0, 0)
                    .single()
                    .ok_or("time")?,
            )?;
            println!(
                "submitted {} in {:.2} s",
                sent.submitted.len(),
                t.elapsed().as_secs_f64()
            );
            Ok(())
        }
        [cmd, db, day, rest @ ..] if cmd == "process" => {
            let batch = rest.first().map(|b| b.parse()).transpose()?;
            let day: NaiveDate = day.parse()?;
            let (drafted, already, submitted) = process(db, day, batch)?;
            println!("drafted {drafted} already {already} submitted {submitted}");
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
            println!("load average at start: {}", load_average());
            let t = Instant::now();
            seed(store.as_ref(), n)?;
            println!(
                "seed:            {n} enrolled accounts in {:.2} s",
                t.elapsed().as_secs_f64()
            );
            let t = Instant::now();
            let (drafted, _) = run(store.clone(), None)?;
            let cycle = t.elapsed().as_secs_f64();
            println!(
                "cycle:           {drafted} drafts claimed and recorded in {cycle:.2} s \
                 ({:.1} µs per account)",
                cycle * 1e6 / n as f64
            );
            let t = Instant::now();
            let sent = portal(store.clone())?.submit_pending(
                &ratepayer_portal::FakeProcessor::new(),
                Utc.with_ymd_and_hms(2025, 11, 24, 7, 0, 0)
                    .single()
                    .ok_or("time")?,
            )?;
            let handoff = t.elapsed().as_secs_f64();
            println!(
                "hand-off:        {} drafts submitted to the fake processor and marked \
                 submitted in {handoff:.2} s",
                sent.submitted.len()
            );
            println!(
                "cycle + hand-off: {:.2} s ({:.1} µs per account)",
                cycle + handoff,
                (cycle + handoff) * 1e6 / n as f64
            );
            let t = Instant::now();
            let (again, _) = run(store.clone(), None)?;
            println!(
                "second cycle:    {again} drafts (every claim held) in {:.2} s",
                t.elapsed().as_secs_f64()
            );
            let t = Instant::now();
            let delivered = portal(store)?.deliver_outbox(
                Utc.with_ymd_and_hms(2025, 11, 24, 8, 0, 0)
                    .single()
                    .ok_or("time")?,
                usize::MAX,
            )?;
            println!(
                "outbox delivery: {} notices delivered and marked in {:.2} s",
                delivered.delivered,
                t.elapsed().as_secs_f64()
            );
            println!("load average at end: {}", load_average());
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
            Ok(())
        }
        _ => Err(
            "usage: autopay-runner seed DB N | run DB [BATCH] | submit DB | process DB DAY [BATCH] \
             | bench N [DB]"
                .into(),
        ),
    }
}

/// The 1, 5 and 15 minute load averages (Linux), for the benchmark's
/// report: the machine may be shared.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
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
