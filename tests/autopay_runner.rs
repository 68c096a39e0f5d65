//! The AutoPay cycle as a separate process over a SQLite file or a
//! PostgreSQL schema, for the reliability tests (two processes at once; a
//! runner killed mid-cycle; on PostgreSQL four runners sharing one cycle)
//! and the benchmarks (100,000 accounts on SQLite, 1,000,000 on PostgreSQL).
//!
//! DB is a SQLite file's path, or a PostgreSQL URL with the schema after a
//! `#` (`postgres://postgres@localhost:5432/db#autopay`; created and
//! migrated when missing).
//!
//! ```text
//! autopay-runner seed  DB N        # N Shelby accounts, each with an open bill and Card AutoPay
//!                                  # (on PostgreSQL written with COPY, the bulk path)
//! autopay-runner run   DB [BATCH]  # the cycle for 2025-11-24; prints drafted/already counts
//!                                  # (and on PostgreSQL the batches this runner did; its name
//!                                  # is $AUTOPAY_RUNNER_NAME when set)
//! autopay-runner progress DB       # the shared cycle's progress (PostgreSQL)
//! autopay-runner pg-bench URL N RUNNERS...  # per count of runners: a fresh schema, N accounts
//!                                  # seeded, then that many `run` processes at once; times and
//!                                  # checks every draft is there exactly once
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

/// mimalloc, as the CLI's `autopay run` uses (see the workspace's Cargo.toml).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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

/// The records of seeded account `i`: its login, card, account, open bill
/// (40.00 + (i mod 100) cents, due on the due date) and Card AutoPay.
struct Seeded {
    login: LoginRow,
    card: PaymentMethodRow,
    account: AccountRow,
    charge: ChargeRow,
    enrolment: EnrolmentRow,
}

/// What every seeded account shares: the profile's account format, the
/// instants and the one credential (hashed once, below the OWASP floor:
/// nobody signs in here).
struct SeedContext {
    profile: ratepayer::profile::UtilityProfile,
    at: chrono::DateTime<Utc>,
    bill_date: NaiveDate,
    credential: ratepayer::credential::StoredCredential,
}

impl SeedContext {
    fn new() -> Res<SeedContext> {
        Ok(SeedContext {
            profile: builtin::load("shelby")?,
            at: Utc
                .with_ymd_and_hms(2025, 11, 1, 12, 0, 0)
                .single()
                .ok_or("time")?,
            bill_date: NaiveDate::from_ymd_opt(2025, 11, 3).ok_or("date")?,
            credential: ratepayer::credential::hash(
                &ratepayer::password::NormalizedPassword::new("runner-password-not-used-1")?,
                &HashParams::below_owasp_floor_for_tests(64, 1, 1)?,
                &mut SeededRandom::new(1),
                None,
            )?,
        })
    }

    fn account(&self, i: usize) -> Res<Seeded> {
        let format = &self.profile.spec().payments.account_number;
        let at = self.at;
        let usd = |cents: i64| Money::new(Decimal::new(cents, 2), Currency::USD);
        let number = AccountNumber::parse(&format!("{}", 200_000 + i), format)?;
        let account = number.as_str().to_owned();
        Ok(Seeded {
            login: LoginRow {
                id: format!("login-{i}"),
                utility: "shelby".into(),
                username: format!("runner-{i}"),
                email: format!("runner{i}@example.com"),
                credential: self.credential.clone(),
                must_change_password: false,
                throttle: Default::default(),
                terms: ratepayer::registration::TermsAcceptance {
                    version: "2024-07".into(),
                    accepted_at: at,
                },
                created_at: at,
            },
            card: PaymentMethodRow {
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
            },
            account: AccountRow {
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
            },
            charge: ChargeRow {
                utility: "shelby".into(),
                account: account.clone(),
                charge: OpenCharge {
                    id: "2025-10".into(),
                    kind: ChargeKind::Balance,
                    bill_date: self.bill_date,
                    due_date: due()?,
                    amount: usd(4_000 + (i % 100) as i64),
                },
            },
            enrolment: EnrolmentRow {
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
            },
        })
    }
}

/// `n` accounts ([`SeedContext::account`]), written straight through the
/// store port, 5,000 to a transaction.
fn seed(store: &dyn Store, n: usize) -> Res<()> {
    let ctx = SeedContext::new()?;
    for chunk in (0..n).collect::<Vec<_>>().chunks(5_000) {
        let mut tx = store.begin()?;
        for &i in chunk {
            let s = ctx.account(i)?;
            tx.insert_login(&s.login)?;
            tx.insert_payment_method(&s.card)?;
            tx.put_account(&s.account)?;
            tx.put_charge(&s.charge)?;
            tx.put_enrolment(&s.enrolment)?;
        }
        tx.commit()?;
    }
    Ok(())
}

/// A PostgreSQL runner database: the server's URL and the schema.
struct PgDb {
    url: String,
    schema: String,
}

/// `db` as a PostgreSQL URL and schema (`postgres://…#schema`), when it is
/// one; refused when the schema is missing.
fn pg_db(db: &str) -> Res<Option<PgDb>> {
    if !(db.starts_with("postgres://") || db.starts_with("postgresql://")) {
        return Ok(None);
    }
    match db.rsplit_once('#') {
        Some((url, schema)) if !schema.is_empty() => Ok(Some(PgDb {
            url: url.to_owned(),
            schema: schema.to_owned(),
        })),
        _ => Err(
            "give the PostgreSQL schema after a `#`: postgres://user@host:port/db#schema".into(),
        ),
    }
}

/// The store `db` names: a SQLite file, or a PostgreSQL schema.
fn open_store(db: &str) -> Res<Arc<dyn Store>> {
    Ok(match pg_db(db)? {
        Some(pg) => Arc::new(ratepayer_postgres::PostgresStore::open_in_schema(
            &pg.url, &pg.schema,
        )?),
        None => Arc::new(SqliteStore::open(db)?),
    })
}

/// A field of a `COPY … FROM STDIN` row in text format (backslash, tab,
/// newline and carriage return escaped).
fn copy_field(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
}

/// Streams the rows `row(i)` makes for every `i < n` into `COPY sql`.
fn copy_rows(
    client: &mut postgres::Client,
    sql: &str,
    n: usize,
    ctx: &SeedContext,
    row: impl Fn(&Seeded) -> Res<Vec<String>>,
) -> Res<()> {
    use std::io::Write;
    let mut writer = client.copy_in(sql)?;
    let mut buf = String::with_capacity(1 << 20);
    for i in 0..n {
        let fields = row(&ctx.account(i)?)?;
        for (k, f) in fields.iter().enumerate() {
            if k > 0 {
                buf.push('\t');
            }
            copy_field(&mut buf, f);
        }
        buf.push('\n');
        if buf.len() > (1 << 20) {
            writer.write_all(buf.as_bytes())?;
            buf.clear();
        }
    }
    writer.write_all(buf.as_bytes())?;
    writer.finish()?;
    Ok(())
}

/// Seeds `n` accounts into a PostgreSQL schema (created and migrated by
/// opening the store) with `COPY`, the bulk path: the same records as
/// [`seed`], serialized as the adapter keeps them (the whole record as JSON
/// in `data`, the columns it looks up by beside it), one `COPY` per table,
/// the five tables on five connections at once, then `ANALYZE`.
fn seed_pg(pg: &PgDb, n: usize) -> Res<()> {
    drop(ratepayer_postgres::PostgresStore::open_in_schema(
        &pg.url, &pg.schema,
    )?);
    let json = |v: &dyn erased::Json| v.json();
    let tables: Vec<(&str, RowMaker)> = vec![
        (
            "COPY logins (id, utility, username, email, data) FROM STDIN",
            Box::new(move |s: &Seeded| {
                Ok(vec![
                    s.login.id.clone(),
                    s.login.utility.clone(),
                    s.login.username.clone(),
                    s.login.email.clone(),
                    json(&s.login)?,
                ])
            }),
        ),
        (
            "COPY accounts (utility, number, owner, status, currency, credit, data) FROM STDIN",
            Box::new(move |s: &Seeded| {
                Ok(vec![
                    s.account.utility.clone(),
                    s.account.number().to_owned(),
                    s.account.record.login.clone().unwrap_or_default(),
                    "active".into(),
                    s.account.currency.code().to_owned(),
                    s.account.credit.amount().to_string(),
                    json(&s.account)?,
                ])
            }),
        ),
        (
            "COPY payment_methods (id, login, data) FROM STDIN",
            Box::new(move |s: &Seeded| {
                Ok(vec![
                    s.card.id.clone(),
                    s.card.login.clone(),
                    json(&s.card)?,
                ])
            }),
        ),
        (
            "COPY charges (utility, account, charge_id, due_date, amount, currency, data) \
             FROM STDIN",
            Box::new(move |s: &Seeded| {
                Ok(vec![
                    s.charge.utility.clone(),
                    s.charge.account.clone(),
                    s.charge.charge.id.clone(),
                    s.charge.charge.due_date.to_string(),
                    s.charge.charge.amount.amount().to_string(),
                    s.charge.charge.amount.currency().code().to_owned(),
                    json(&s.charge)?,
                ])
            }),
        ),
        (
            "COPY enrolments (utility, account, login, status, data) FROM STDIN",
            Box::new(move |s: &Seeded| {
                Ok(vec![
                    s.enrolment.utility.clone(),
                    s.enrolment.account.clone(),
                    s.enrolment.login.clone(),
                    "active".into(),
                    json(&s.enrolment)?,
                ])
            }),
        ),
    ];
    let connect = || -> Res<postgres::Client> {
        let mut client = pg
            .url
            .parse::<postgres::Config>()?
            .connect(postgres::NoTls)?;
        client.batch_execute(&format!(
            "SET search_path = \"{}\"; SET synchronous_commit = off",
            pg.schema.replace('"', "\"\"")
        ))?;
        Ok(client)
    };
    // The logins and accounts first (the others refer to them), each
    // group's tables at once.
    let (first, rest) = tables.split_at(2);
    for group in [first, rest] {
        let done: Vec<Result<(), String>> = std::thread::scope(|scope| {
            let handles: Vec<_> = group
                .iter()
                .map(|(sql, row)| {
                    let connect = &connect;
                    scope.spawn(move || -> Result<(), String> {
                        let ctx = SeedContext::new().map_err(|e| chain(e.as_ref()))?;
                        let mut client = connect().map_err(|e| chain(e.as_ref()))?;
                        copy_rows(&mut client, sql, n, &ctx, row).map_err(|e| chain(e.as_ref()))
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|_| Err("a seeding thread panicked".into()))
                })
                .collect()
        });
        for d in done {
            d?;
        }
    }
    connect()?.batch_execute(
        "ANALYZE logins; ANALYZE payment_methods; ANALYZE accounts; ANALYZE charges; \
         ANALYZE enrolments",
    )?;
    Ok(())
}

/// The fields of one table's `COPY` row for a seeded account.
type RowMaker = Box<dyn Fn(&Seeded) -> Res<Vec<String>> + Send + Sync>;

/// Serializing a record as the adapter does (`serde_json::to_string`),
/// behind a trait object so the table list above can hold any record.
mod erased {
    pub trait Json {
        fn json(&self) -> Result<String, Box<dyn std::error::Error>>;
    }
    impl<T: serde::Serialize> Json for T {
        fn json(&self) -> Result<String, Box<dyn std::error::Error>> {
            Ok(serde_json::to_string(self)?)
        }
    }
}

/// What one `run` did: drafts executed, drafts found executed, and on a
/// store that shares the cycle the batches this runner finished.
struct RunCounts {
    drafted: usize,
    already: usize,
    batches: usize,
}

fn run(store: Arc<dyn Store>, batch: Option<usize>) -> Res<RunCounts> {
    let mut p = portal(store)?;
    if let Some(n) = batch {
        p = p.with_autopay_batch(n);
    }
    if let Ok(name) = std::env::var("AUTOPAY_RUNNER_NAME") {
        p = p.with_cycle_runner(&name)?;
    }
    let progress = std::env::var_os("AUTOPAY_RUNNER_PROGRESS").is_some();
    let now = Utc
        .with_ymd_and_hms(2025, 11, 24, 6, 0, 0)
        .single()
        .ok_or("time")?;
    let report = p.run_autopay_cycle_observed(due()?, now, &mut |so_far| {
        // Progress after each committed batch (the SIGKILL tests wait for it).
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
    Ok(RunCounts {
        drafted: report.drafted,
        already: report.already_drafted,
        batches: report.batches,
    })
}

/// The benchmark of the shared cycle on PostgreSQL: for each count of
/// runners, a fresh schema with `n` accounts seeded by COPY (timed on its
/// own), then that many `run` processes of this binary at once on it
/// (timed from the first start to the last exit), then a check that every
/// account has exactly one draft and one AutoPay payment and nothing left
/// due. The schema is dropped at the end.
fn pg_bench(url: &str, n: usize, runners: &[usize]) -> Res<()> {
    let exe = std::env::current_exe()?;
    println!("load average at start: {}", load_average());
    for &k in runners {
        if k == 0 {
            return Err("a count of runners is at least 1".into());
        }
        let pg = PgDb {
            url: url.to_owned(),
            schema: format!("ratepayer_bench_{k}"),
        };
        ratepayer_postgres::drop_schema(url, &pg.schema)?;
        let t = Instant::now();
        seed_pg(&pg, n)?;
        println!(
            "{k} runner(s): seed {n} enrolled accounts (COPY) in {:.2} s",
            t.elapsed().as_secs_f64()
        );
        let db = format!("{url}#{}", pg.schema);
        let mut probe = pg
            .url
            .parse::<postgres::Config>()?
            .connect(postgres::NoTls)?;
        let server_before = server_cpu(&mut probe);
        let runners_before = children_cpu();
        let wal_before: String = probe
            .query_one("SELECT pg_current_wal_lsn()::text", &[])?
            .try_get(0)?;
        let t = Instant::now();
        let children: Vec<_> = (0..k)
            .map(|r| {
                let mut cmd = std::process::Command::new(&exe);
                cmd.args(["run", &db]);
                // PG_BENCH_BATCH=N: batches of N enrolments (default 1,000).
                if let Some(batch) = std::env::var_os("PG_BENCH_BATCH") {
                    cmd.arg(batch);
                }
                cmd.env("AUTOPAY_RUNNER_NAME", format!("bench-runner-{r}"))
                    .stdout(std::process::Stdio::piped())
                    .spawn()
            })
            .collect::<Result<_, _>>()?;
        let mut lines = Vec::new();
        for child in children {
            let out = child.wait_with_output()?;
            if !out.status.success() {
                return Err(format!("a runner failed ({})", out.status).into());
            }
            lines.push(String::from_utf8_lossy(&out.stdout).trim().to_owned());
        }
        let cycle = t.elapsed().as_secs_f64();
        println!(
            "{k} runner(s): cycle over {n} accounts in {cycle:.2} s ({:.1} µs per account, \
             {:.0} accounts/s); runners: {}",
            cycle * 1e6 / n as f64,
            n as f64 / cycle,
            lines.join("; ")
        );
        let wal: i64 = probe
            .query_one(
                "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::text::pg_lsn)::bigint",
                &[&wal_before],
            )?
            .try_get(0)?;
        let runners_cpu = children_cpu() - runners_before;
        match (server_before, server_cpu(&mut probe)) {
            (Some(before), Some(after)) => println!(
                "{k} runner(s): CPU time: runners {runners_cpu:.1} s, server {:.1} s (every \
                 backend of the cluster), {:.2} cores busy on average; WAL {} MB",
                after - before,
                (runners_cpu + after - before) / cycle,
                wal / 1_000_000
            ),
            _ => println!(
                "{k} runner(s): CPU time: runners {runners_cpu:.1} s (the server's is not \
                 readable from here); WAL {} MB",
                wal / 1_000_000
            ),
        }
        let mut client = pg
            .url
            .parse::<postgres::Config>()?
            .connect(postgres::NoTls)?;
        client.batch_execute(&format!("SET search_path = \"{}\"", pg.schema))?;
        let one = |client: &mut postgres::Client, sql: &str| -> Res<i64> {
            Ok(client.query_one(sql, &[])?.try_get(0)?)
        };
        let drafts = one(&mut client, "SELECT count(*) FROM drafts")?;
        let accounts = one(&mut client, "SELECT count(DISTINCT account) FROM drafts")?;
        let payments = one(
            &mut client,
            "SELECT count(*) FROM payments p JOIN drafts d
             ON d.utility = p.utility AND d.idempotency_key = p.idempotency_key",
        )?;
        let due = one(
            &mut client,
            "SELECT count(*) FROM charges WHERE amount::numeric <> 0",
        )?;
        // Each payment's row of the account it pays, naming the payment.
        let touched = one(
            &mut client,
            "SELECT count(*) FROM payment_accounts pa JOIN payments p ON p.seq = pa.payment",
        )?;
        let orphans = one(
            &mut client,
            "SELECT count(*) FROM payment_accounts pa
             WHERE NOT EXISTS (SELECT 1 FROM payments p WHERE p.seq = pa.payment)",
        )?;
        let size = one(
            &mut client,
            &format!(
                "SELECT sum(pg_total_relation_size(c.oid))::bigint FROM pg_class c \
                      JOIN pg_namespace s ON s.oid = c.relnamespace \
                      WHERE s.nspname = '{}' AND c.relkind = 'r'",
                pg.schema
            ),
        )?;
        println!(
            "{k} runner(s): {drafts} drafts over {accounts} accounts, {payments} payments \
             with their draft's key and {touched} account rows naming their payment, {due} \
             bills left due; schema {} MB",
            size / 1_000_000
        );
        let expected = i64::try_from(n)?;
        if drafts != expected
            || accounts != expected
            || payments != expected
            || due != 0
            || touched != expected
            || orphans != 0
        {
            return Err("the cycle did not draft every account exactly once".into());
        }
        // PG_BENCH_KEEP=1 keeps the schema, to look at what the cycle wrote.
        if std::env::var_os("PG_BENCH_KEEP").is_none() {
            ratepayer_postgres::drop_schema(url, &pg.schema)?;
        }
    }
    println!("load average at end: {}", load_average());
    Ok(())
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
        [cmd, db, n] if cmd == "seed" => match pg_db(db)? {
            Some(pg) => seed_pg(&pg, n.parse()?),
            None => seed(&SqliteStore::open(db)?, n.parse()?),
        },
        [cmd, db, rest @ ..] if cmd == "run" => {
            let batch = rest.first().map(|b| b.parse()).transpose()?;
            let counts = run(open_store(db)?, batch)?;
            println!(
                "drafted {} already {} batches {}",
                counts.drafted, counts.already, counts.batches
            );
            Ok(())
        }
        [cmd, db] if cmd == "progress" => {
            let p = portal(open_store(db)?)?;
            match p.autopay_cycle_progress(due()?)? {
                None => println!("not started"),
                Some(progress) => {
                    println!(
                        "pass {} batches {} of {}, accounts {} of {}, drafted {}",
                        progress.pass,
                        progress.batches_done,
                        progress.batches,
                        progress.accounts_done,
                        progress.accounts,
                        progress.drafted
                    );
                    for r in progress.runners {
                        println!(
                            "runner {} batches {} accounts {} drafted {}",
                            r.runner, r.batches, r.enrolments, r.drafted
                        );
                    }
                }
            }
            Ok(())
        }
        [cmd, url, n, runners @ ..] if cmd == "pg-bench" && !runners.is_empty() => {
            let runners: Vec<usize> = runners
                .iter()
                .map(|r| r.parse())
                .collect::<Result<_, _>>()?;
            pg_bench(url, n.parse()?, &runners)
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
            let drafted = run(store.clone(), None)?.drafted;
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
            let again = run(store.clone(), None)?.drafted;
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
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
            // The same on a second file with the hand-off pipelined: each
            // batch's drafts handed to the processor on a second thread as
            // soon as the batch commits (`run_autopay_cycle_and_submit`).
            let store = Arc::new(SqliteStore::open(&path)?);
            seed(store.as_ref(), n)?;
            let t = Instant::now();
            let (cycle, sent) = portal(store.clone())?.run_autopay_cycle_and_submit(
                due()?,
                Utc.with_ymd_and_hms(2025, 11, 24, 6, 0, 0)
                    .single()
                    .ok_or("time")?,
                &ratepayer_portal::FakeProcessor::new(),
            )?;
            let pipelined = t.elapsed().as_secs_f64();
            if sent.submitted.len() != cycle.drafted || !sent.failures.is_empty() {
                return Err(format!(
                    "pipelined: {} drafted, {} submitted, {} failures",
                    cycle.drafted,
                    sent.submitted.len(),
                    sent.failures.len()
                )
                .into());
            }
            println!(
                "cycle with the hand-off pipelined: {} drafts claimed, recorded, submitted and \
                 marked submitted in {pipelined:.2} s ({:.1} µs per account)",
                cycle.drafted,
                pipelined * 1e6 / n as f64
            );
            drop(store);
            println!("load average at end: {}", load_average());
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
            Ok(())
        }
        _ => Err(
            "usage: autopay-runner seed DB N | run DB [BATCH] | progress DB | submit DB \
             | process DB DAY [BATCH] | bench N [DB] | pg-bench URL N RUNNERS..."
                .into(),
        ),
    }
}

/// The user and system CPU seconds of a `/proc/PID/stat` line: its own
/// and, with `children`, those of its children it has waited for.
fn stat_cpu(stat: &str, children: bool) -> Option<(f64, i64)> {
    // Fields after the command name (in parentheses): state, ppid, ...
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let tick = |i: usize| -> Option<f64> { fields.get(i)?.parse::<f64>().ok() };
    let ppid: i64 = fields.get(1)?.parse().ok()?;
    let mut secs = tick(11)? + tick(12)?;
    if children {
        secs += tick(13)? + tick(14)?;
    }
    // Clock ticks of 1/100 s (Linux's USER_HZ).
    Some((secs / 100.0, ppid))
}

/// CPU seconds of this process's children it has waited for (the runners).
fn children_cpu() -> f64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            let rest = s.rsplit_once(')')?.1.to_owned();
            let fields: Vec<f64> = rest
                .split_whitespace()
                .filter_map(|f| f.parse::<f64>().ok())
                .collect();
            // cutime and cstime (fields 16 and 17; 13 and 14 after the name,
            // counting the state, which does not parse, out).
            Some((fields.get(12)? + fields.get(13)?) / 100.0)
        })
        .unwrap_or(0.0)
}

/// CPU seconds of the server's processes (the postmaster, the backends it
/// has reaped, and those alive), when the server runs on this machine and
/// its data directory is readable; for the benchmark's account of where
/// the time goes.
fn server_cpu(client: &mut postgres::Client) -> Option<f64> {
    let dir: String = client
        .query_one(
            "SELECT setting FROM pg_settings WHERE name = 'data_directory'",
            &[],
        )
        .ok()?
        .try_get(0)
        .ok()?;
    let pid: i64 = std::fs::read_to_string(format!("{dir}/postmaster.pid"))
        .ok()?
        .lines()
        .next()?
        .trim()
        .parse()
        .ok()?;
    let (mut total, _) = stat_cpu(
        &std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?,
        true,
    )?;
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        if let Some((secs, ppid)) = stat_cpu(&stat, false) {
            if ppid == pid {
                total += secs;
            }
        }
    }
    Some(total)
}

/// The 1, 5 and 15 minute load averages (Linux), for the benchmark's
/// report: the machine may be shared.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

/// An error with its causes (a PostgreSQL error says "db error", its
/// cause what the server said).
fn chain(e: &dyn Error) -> String {
    let mut message = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        message.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    message
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match main_inner(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("autopay-runner: {}", chain(e.as_ref()));
            ExitCode::FAILURE
        }
    }
}
