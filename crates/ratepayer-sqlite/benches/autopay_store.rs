//! The storage side of the AutoPay cycle on SQLite, over 100,000 enrolled
//! accounts in one go: seeding the accounts (a login, the account, two
//! bills, an open charge and an active enrolment each), reading every
//! active enrolment in one query, then per account the calls the cycle
//! makes (`account`, `charges`, `bills`, `claim_draft`, `put_charge`,
//! `insert_payment`, `put_account`, `append_audit`) in transactions of 500
//! accounts; then the same cycle again, where every claim is refused and
//! nothing is written.
//!
//! ```text
//! cargo bench -p ratepayer-sqlite --bench autopay_store
//! cargo bench -p ratepayer-sqlite --bench autopay_store -- --accounts 20000
//! cargo bench -p ratepayer-sqlite --bench autopay_store -- --mmap-mib 256
//! ```
//!
//! The target for the whole cycle (store and rules) is at most 5 s for
//! 100,000 accounts; this measures the store's share. Under `cargo test`
//! (no `--bench` argument) it runs over 300 accounts as a smoke test.

use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, Utc};
use ratepayer::autopay::AmountNoticePreference;
use ratepayer::credential::StoredCredential;
use ratepayer::fees::{Channel, PaymentMethod};
use ratepayer::login::FailureCounter;
use ratepayer::password::NormalizationForm;
use ratepayer::payment::{
    AccountAllocation, AccountStatus, AllocatedItem, ChargeKind, OpenCharge, PaymentAllocation,
};
use ratepayer::registration::{AccountRecord, TermsAcceptance};
use ratepayer::{Currency, Money};
use ratepayer_portal::store::{
    AccountRow, AuditEvent, AuditKind, BillRow, ChargeRow, DraftRow, EnrolmentRow, EnrolmentStatus,
    LoginRow, PaymentRow, PaymentSource, PaymentStatus, Settlement, StatementLine, Store,
};
use ratepayer_sqlite::{SqliteOptions, SqliteStore};

const UTILITY: &str = "shelby";
const BATCH: usize = 500;
const SEED_BATCH: usize = 10_000;

type R<T> = Result<T, String>;

fn main() {
    if let Err(e) = run() {
        eprintln!("autopay_store bench: {e}");
        std::process::exit(1);
    }
}

fn run() -> R<()> {
    let args: Vec<String> = std::env::args().collect();
    let bench = args.iter().any(|a| a == "--bench");
    let accounts = match args.iter().position(|a| a == "--accounts") {
        Some(i) => args
            .get(i + 1)
            .and_then(|n| n.parse::<usize>().ok())
            .ok_or("--accounts takes a number")?,
        None if bench => 100_000,
        None => 300,
    };
    let mut options = SqliteOptions::default();
    if let Some(i) = args.iter().position(|a| a == "--mmap-mib") {
        let mib = args
            .get(i + 1)
            .and_then(|n| n.parse::<u64>().ok())
            .ok_or("--mmap-mib takes a number")?;
        options.mmap_bytes = mib << 20;
    }
    let path =
        std::env::temp_dir().join(format!("ratepayer-autopay-bench-{}.db", std::process::id()));
    let result = measure(&path, accounts, options);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    let report = result?;
    println!(
        "autopay_store over {accounts} accounts (SQLite file, WAL, synchronous=NORMAL, mmap {} MiB):",
        options.mmap_bytes >> 20
    );
    let line = |name: &str, p: Phase| {
        let cpu = p
            .cpu
            .map(|c| format!("  cpu {:>7.3} s", c.as_secs_f64()))
            .unwrap_or_default();
        println!(
            "  {name:<52} wall {:>7.3} s ({:>7.2} µs/account){cpu}",
            p.wall.as_secs_f64(),
            p.wall.as_secs_f64() * 1e6 / accounts.max(1) as f64
        );
    };
    line(
        "seed (login, account, 2 bills, charge, enrolment)",
        report.seed,
    );
    line("active_enrolments (one query)", report.enrolments);
    line("cycle, first run (drafts every account)", report.first);
    line("cycle, second run (drafts nothing)", report.second);
    Ok(())
}

/// Wall-clock and CPU time of one phase.
#[derive(Clone, Copy)]
struct Phase {
    wall: Duration,
    cpu: Option<Duration>,
}

impl Phase {
    fn start() -> (Instant, Option<Duration>) {
        (Instant::now(), cpu_time())
    }

    fn since((wall, cpu): (Instant, Option<Duration>)) -> Phase {
        Phase {
            wall: wall.elapsed(),
            cpu: cpu.zip(cpu_time()).map(|(a, b)| b.saturating_sub(a)),
        }
    }
}

/// CPU time this process has run so far (Linux: /proc/self/schedstat), so
/// the figures mean something on a machine busy with other work.
fn cpu_time() -> Option<Duration> {
    let text = std::fs::read_to_string("/proc/self/schedstat").ok()?;
    let nanos = text.split_whitespace().next()?.parse::<u64>().ok()?;
    Some(Duration::from_nanos(nanos))
}

struct Report {
    seed: Phase,
    enrolments: Phase,
    first: Phase,
    second: Phase,
}

fn measure(path: &std::path::Path, accounts: usize, options: SqliteOptions) -> R<Report> {
    let store = SqliteStore::open_with(path, options).map_err(|e| e.to_string())?;
    let fx = Fixtures::new()?;

    let t = Phase::start();
    seed(&store, &fx, accounts)?;
    let seed_time = Phase::since(t);

    let t = Phase::start();
    let enrolled = {
        let mut tx = store.begin().map_err(|e| e.to_string())?;
        tx.active_enrolments(UTILITY).map_err(|e| e.to_string())?
    };
    let enrolments = Phase::since(t);
    if enrolled.len() != accounts {
        return Err(format!(
            "{} enrolments, {accounts} expected",
            enrolled.len()
        ));
    }

    let t = Phase::start();
    let drafted = cycle(&store, &fx, &enrolled)?;
    let first = Phase::since(t);
    if drafted != accounts {
        return Err(format!("first run drafted {drafted}, {accounts} expected"));
    }
    let t = Phase::start();
    let drafted = cycle(&store, &fx, &enrolled)?;
    let second = Phase::since(t);
    if drafted != 0 {
        return Err(format!("second run drafted {drafted}, none expected"));
    }
    Ok(Report {
        seed: seed_time,
        enrolments,
        first,
        second,
    })
}

fn number(i: usize) -> String {
    format!("{:08}", 10_000_000 + i)
}

fn seed(store: &SqliteStore, fx: &Fixtures, accounts: usize) -> R<()> {
    let mut i = 0;
    while i < accounts {
        let mut tx = store.begin().map_err(|e| e.to_string())?;
        for j in i..accounts.min(i + SEED_BATCH) {
            let n = number(j);
            let login = fx.login(&format!("login-{j}"), &format!("user{j}"));
            tx.insert_login(&login).map_err(|e| e.to_string())?;
            tx.put_account(&fx.account(&n, &login.id)?)
                .map_err(|e| e.to_string())?;
            tx.insert_bill(&fx.bill(&n, "2026-01", fx.jan))
                .map_err(|e| e.to_string())?;
            tx.insert_bill(&fx.bill(&n, "2026-02", fx.feb))
                .map_err(|e| e.to_string())?;
            tx.put_charge(&fx.charge(&n, "2026-02", fx.amount))
                .map_err(|e| e.to_string())?;
            tx.put_enrolment(&fx.enrolment(&n, &login.id))
                .map_err(|e| e.to_string())?;
        }
        tx.commit().map_err(|e| e.to_string())?;
        i += SEED_BATCH;
    }
    Ok(())
}

/// One AutoPay run over `enrolled`; the number of drafts made.
fn cycle(store: &SqliteStore, fx: &Fixtures, enrolled: &[EnrolmentRow]) -> R<usize> {
    let mut drafted = 0;
    for batch in enrolled.chunks(BATCH) {
        let mut tx = store.begin().map_err(|e| e.to_string())?;
        for e in batch {
            let account = tx
                .account(UTILITY, &e.account)
                .map_err(|e| e.to_string())?
                .ok_or("account missing")?;
            let charges = tx.charges(UTILITY, &e.account).map_err(|e| e.to_string())?;
            let bills = tx.bills(UTILITY, &e.account).map_err(|e| e.to_string())?;
            let bill = bills.first().ok_or("no bill")?;
            let key = format!("draft:{}:{}:0", e.account, bill.bill_id);
            let payment_id = format!("pay:{key}");
            let draft = DraftRow {
                idempotency_key: key.clone(),
                utility: UTILITY.to_owned(),
                account: e.account.clone(),
                bill_id: bill.bill_id.clone(),
                attempt: 0,
                date: bill.due_date,
                total: bill.total,
                payment_id: payment_id.clone(),
                executed_at: fx.now,
            };
            if !tx.claim_draft(&draft).map_err(|e| e.to_string())? {
                continue;
            }
            drafted += 1;
            let mut items = Vec::new();
            for c in &charges {
                let mut paid = c.clone();
                paid.charge.amount = fx.zero;
                tx.put_charge(&paid).map_err(|e| e.to_string())?;
                items.push(AllocatedItem {
                    charge_id: c.charge.id.clone(),
                    kind: c.charge.kind,
                    due_date: c.charge.due_date,
                    applied: c.charge.amount,
                    remaining: fx.zero,
                });
            }
            tx.insert_payment(&PaymentRow {
                id: payment_id,
                utility: UTILITY.to_owned(),
                login: e.login.clone(),
                source: PaymentSource::Autopay,
                channel: Channel::Autopay,
                method: e.method,
                payment_method_id: e.payment_method_id.clone(),
                amount: bill.total,
                fee: fx.zero,
                total: bill.total,
                allocation: PaymentAllocation {
                    accounts: vec![AccountAllocation {
                        account: e.account.clone(),
                        paid: bill.total,
                        items,
                        credit: fx.zero,
                    }],
                    total: bill.total,
                },
                idempotency_key: Some(key.clone()),
                at: fx.now,
                status: PaymentStatus::Pending,
                processor_key: Some(key.clone()),
                settlement: Settlement::default(),
            })
            .map_err(|e| e.to_string())?;
            tx.put_account(&account).map_err(|e| e.to_string())?;
            tx.append_audit(&AuditEvent {
                at: fx.now,
                utility: UTILITY.to_owned(),
                kind: AuditKind::DraftExecuted,
                login: Some(e.login.clone()),
                account: Some(e.account.clone()),
                detail: format!(
                    "drafted {} for bill {} ({key})",
                    bill.total.amount(),
                    bill.bill_id
                ),
            })
            .map_err(|e| e.to_string())?;
        }
        tx.commit().map_err(|e| e.to_string())?;
    }
    Ok(drafted)
}

struct Fixtures {
    now: DateTime<Utc>,
    jan: NaiveDate,
    feb: NaiveDate,
    amount: Money,
    zero: Money,
}

fn date(y: i32, m: u32, d: u32) -> R<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| format!("bad date {y}-{m}-{d}"))
}

impl Fixtures {
    fn new() -> R<Fixtures> {
        Ok(Fixtures {
            now: DateTime::parse_from_rfc3339("2026-02-20T06:00:00Z")
                .map_err(|e| e.to_string())?
                .to_utc(),
            jan: date(2026, 1, 5)?,
            feb: date(2026, 2, 5)?,
            amount: Money::parse("84.20", Currency::USD).map_err(|e| e.to_string())?,
            zero: Money::zero(Currency::USD),
        })
    }

    fn login(&self, id: &str, username: &str) -> LoginRow {
        LoginRow {
            id: id.to_owned(),
            utility: UTILITY.to_owned(),
            username: username.to_owned(),
            email: format!("{username}@example.com"),
            credential: StoredCredential {
                phc: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNo".to_owned(),
                normalization: NormalizationForm::Nfc,
                pepper_id: None,
            },
            must_change_password: false,
            throttle: FailureCounter::new(),
            terms: TermsAcceptance {
                version: "2025-07".to_owned(),
                accepted_at: self.now,
            },
            created_at: self.now,
        }
    }

    fn account(&self, number: &str, login: &str) -> R<AccountRow> {
        Ok(AccountRow {
            utility: UTILITY.to_owned(),
            record: AccountRecord {
                account_number: serde_json::from_value(serde_json::json!(number))
                    .map_err(|e| e.to_string())?,
                customer_number: None,
                zip: Some("38111".to_owned()),
                name: Some("Okafor".to_owned()),
                email: None,
                commercial: false,
                tax_id: None,
                login: Some(login.to_owned()),
            },
            status: AccountStatus::Active,
            currency: Currency::USD,
            service_address: Some("12 Elm St".to_owned()),
            paperless: true,
            ebilling: true,
            text_alerts: false,
            billing_email: None,
            credit: self.zero,
            throttle: FailureCounter::new(),
        })
    }

    fn bill(&self, account: &str, id: &str, bill_date: NaiveDate) -> BillRow {
        BillRow {
            utility: UTILITY.to_owned(),
            account: account.to_owned(),
            bill_id: id.to_owned(),
            period_from: bill_date,
            period_to: bill_date,
            bill_date,
            due_date: bill_date,
            printed_draft_date: None,
            total: self.amount,
            lines: vec![
                StatementLine {
                    description: "Water, 6,000 gallons".to_owned(),
                    amount: self.amount,
                },
                StatementLine {
                    description: "Sewer".to_owned(),
                    amount: self.zero,
                },
            ],
        }
    }

    fn charge(&self, account: &str, id: &str, amount: Money) -> ChargeRow {
        ChargeRow {
            utility: UTILITY.to_owned(),
            account: account.to_owned(),
            charge: OpenCharge {
                id: id.to_owned(),
                kind: ChargeKind::Balance,
                bill_date: self.feb,
                due_date: self.feb,
                amount,
            },
        }
    }

    fn enrolment(&self, account: &str, login: &str) -> EnrolmentRow {
        EnrolmentRow {
            utility: UTILITY.to_owned(),
            account: account.to_owned(),
            login: login.to_owned(),
            option: "bank-on-due-date".to_owned(),
            payment_method_id: format!("pm-{account}"),
            method: PaymentMethod::Echeck,
            card_expiry: None,
            maximum: None,
            amount_notices: AmountNoticePreference::EveryDraft,
            skip_due_on_or_before: None,
            status: EnrolmentStatus::Active,
            at: self.now,
        }
    }
}
