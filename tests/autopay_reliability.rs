//! Every due AutoPay draft is executed exactly once on SQLite: when two
//! processes run the cycle at once on the same database file, and when a
//! runner is killed (SIGKILL) mid-cycle and started again. With the file
//! processor (a share of drafts declined, soft or hard), after two runners
//! at once, a kill and a restart, every bill is charged exactly once net of
//! declines, each key is charged once by the processor, every
//! re-presentment follows the card retry rules, and every outbox message
//! (a receipt per draft, a notice per decline) is recorded once and
//! delivered at least once.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use ratepayer_portal::store::{EnrolmentStatus, PaymentStatus, Store};
use ratepayer_sqlite::SqliteStore;
use rust_decimal::Decimal;

const RUNNER: &str = env!("CARGO_BIN_EXE_autopay-runner");
const ACCOUNTS: usize = 3_000;

/// A database file in the temporary directory, removed (with its WAL and
/// shared-memory files) before use and again when the test ends.
struct TempDb(PathBuf);

impl TempDb {
    fn remove(&self) {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.0.display()));
        }
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        self.remove();
    }
}

impl std::ops::Deref for TempDb {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

fn fresh_db(name: &str) -> TempDb {
    let path = std::env::temp_dir().join(format!("ratepayer-{name}-{}.sqlite", std::process::id()));
    let db = TempDb(path);
    db.remove();
    db
}

fn runner(args: &[&str]) -> Command {
    let mut c = Command::new(RUNNER);
    c.args(args).stdout(Stdio::piped()).stderr(Stdio::piped());
    c
}

fn seed(db: &Path) {
    let out = runner(&["seed", db.to_str().unwrap(), &ACCOUNTS.to_string()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Every account: exactly one draft, exactly one AutoPay payment with that
/// draft's key, and nothing left due.
fn assert_exactly_once(db: &Path) {
    let store = SqliteStore::open(db).unwrap();
    let mut tx = store.begin().unwrap();
    for i in 0..ACCOUNTS {
        let account = format!("000{:06}", 200_000 + i);
        let drafts = tx.drafts("shelby", &account).unwrap();
        assert_eq!(drafts.len(), 1, "{account}: {drafts:?}");
        let payments = tx.payments_of_account("shelby", &account).unwrap();
        assert_eq!(payments.len(), 1, "{account}: {payments:?}");
        assert_eq!(
            payments.first().and_then(|p| p.idempotency_key.as_deref()),
            drafts.first().map(|d| d.idempotency_key.as_str())
        );
        let due: Decimal = tx
            .charges("shelby", &account)
            .unwrap()
            .iter()
            .map(|c| c.charge.amount.amount())
            .sum();
        assert_eq!(due, Decimal::ZERO, "{account}");
    }
}

fn counts(stdout: &[u8]) -> (usize, usize) {
    let text = String::from_utf8_lossy(stdout);
    let words: Vec<&str> = text.split_whitespace().collect();
    match words.as_slice() {
        ["drafted", d, "already", a, "batches", _] => (d.parse().unwrap(), a.parse().unwrap()),
        _ => panic!("unexpected runner output: {text}"),
    }
}

#[test]
fn two_processes_at_once_draft_each_bill_once() {
    let db = fresh_db("two-processes");
    seed(&db);
    let path = db.to_str().unwrap();
    let a = runner(&["run", path, "100"]).spawn().unwrap();
    let b = runner(&["run", path, "100"]).spawn().unwrap();
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    assert!(a.status.success(), "{}", String::from_utf8_lossy(&a.stderr));
    assert!(b.status.success(), "{}", String::from_utf8_lossy(&b.stderr));
    let (da, _) = counts(&a.stdout);
    let (db_, _) = counts(&b.stdout);
    assert_eq!(
        da + db_,
        ACCOUNTS,
        "together they drafted each account once"
    );
    assert_exactly_once(&db);
    let again = runner(&["run", path]).output().unwrap();
    assert_eq!(counts(&again.stdout).0, 0, "a later run drafts nothing");
}

#[test]
fn a_runner_killed_mid_cycle_is_finished_by_the_next_run() {
    let db = fresh_db("sigkill");
    seed(&db);
    let path = db.to_str().unwrap();
    let drafted = |i: usize| {
        let store = SqliteStore::open(&*db).unwrap();
        let mut tx = store.begin().unwrap();
        !tx.drafts("shelby", &format!("000{:06}", 200_000 + i))
            .unwrap()
            .is_empty()
    };
    // Kill the runner (SIGKILL) as soon as it reports its first batch (of 50)
    // committed.
    let mut child = runner(&["run", path, "50"])
        .env("AUTOPAY_RUNNER_PROGRESS", "1")
        .spawn()
        .unwrap();
    let mut progress = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    progress.read_line(&mut line).unwrap();
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(line.starts_with("committed"), "{line}");
    let killed_mid_cycle = !status.success() && drafted(0) && !drafted(ACCOUNTS - 1);
    let rest = runner(&["run", path]).output().unwrap();
    assert!(
        rest.status.success(),
        "{}",
        String::from_utf8_lossy(&rest.stderr)
    );
    assert_exactly_once(&db);
    assert!(
        killed_mid_cycle,
        "no kill landed mid-cycle; the test proved nothing"
    );
}

fn process(path: &str, day: &str, batch: Option<&str>) -> Command {
    let mut args = vec!["process", path, day];
    args.extend(batch);
    runner(&args)
}

fn succeeded(out: &std::process::Output) {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The keys the file processor charged, with how many times each was submitted.
fn processor_charges(db: &Path) -> std::collections::BTreeMap<String, i64> {
    let conn = rusqlite::Connection::open(format!("{}.processor", db.display())).unwrap();
    let mut stmt = conn
        .prepare("SELECT key, submissions FROM charges")
        .unwrap();
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    rows
}

#[test]
fn with_the_processor_every_bill_is_charged_once_net_of_declines() {
    let db = fresh_db("processor");
    let processor_file = format!("{}.processor", db.display());
    let _ = std::fs::remove_file(&processor_file);
    let _ = std::fs::remove_file(format!("{}.notices", db.display()));
    seed(&db);
    let path = db.to_str().unwrap();
    // Two runners at once on the due date: cycle, hand-off, results.
    let a = process(path, "2025-11-24", Some("100")).spawn().unwrap();
    let b = process(path, "2025-11-24", Some("100")).spawn().unwrap();
    succeeded(&a.wait_with_output().unwrap());
    succeeded(&b.wait_with_output().unwrap());
    // The first retries (two days after a soft decline): a runner killed
    // after its first batch, then run again.
    let mut child = process(path, "2025-11-26", Some("50"))
        .env("AUTOPAY_RUNNER_PROGRESS", "1")
        .spawn()
        .unwrap();
    let mut progress = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    progress.read_line(&mut line).unwrap();
    child.kill().unwrap();
    let _ = child.wait().unwrap();
    for day in ["2025-11-26", "2025-12-01", "2025-12-15"] {
        succeeded(&process(path, day, None).output().unwrap());
    }

    let charged = processor_charges(&db);
    let store = SqliteStore::open(&*db).unwrap();
    let mut tx = store.begin().unwrap();
    let (mut settled_bills, mut unpaid_bills, mut retried) = (0, 0, 0);
    for i in 0..ACCOUNTS {
        let account = format!("000{:06}", 200_000 + i);
        let drafts = tx.drafts("shelby", &account).unwrap();
        let mut statuses = Vec::new();
        for (n, d) in drafts.iter().enumerate() {
            assert_eq!(d.attempt as usize, n, "{account}: attempts in order");
            // Every draft went to the processor once, under its own key.
            assert!(charged.contains_key(&d.idempotency_key), "{account}: {d:?}");
            let p = tx.payment("shelby", &d.payment_id).unwrap().unwrap();
            statuses.push((p.status, p.settlement.decline));
        }
        assert!(
            !statuses.is_empty() && statuses.len() <= 3,
            "{account}: {statuses:?}"
        );
        // Only the last attempt may have settled; each earlier one was a
        // soft decline (a hard decline is never retried).
        for (status, decline) in &statuses[..statuses.len() - 1] {
            assert_eq!(
                (*status, *decline),
                (
                    PaymentStatus::Declined,
                    Some(ratepayer_portal::store::DeclineReason::Soft)
                ),
                "{account}: {statuses:?}"
            );
        }
        retried += statuses.len() - 1;
        let due: Decimal = tx
            .charges("shelby", &account)
            .unwrap()
            .iter()
            .map(|c| c.charge.amount.amount())
            .sum();
        let payments = tx.payments_of_account("shelby", &account).unwrap();
        let paid: Decimal = payments
            .iter()
            .filter(|p| p.status == PaymentStatus::Settled)
            .map(|p| p.amount.amount())
            .sum();
        let bill = Decimal::new(4_000 + (i % 100) as i64, 2);
        match statuses.last() {
            Some((PaymentStatus::Settled, _)) => {
                settled_bills += 1;
                assert_eq!((due, paid), (Decimal::ZERO, bill), "{account}");
            }
            Some((PaymentStatus::Declined, _)) => {
                unpaid_bills += 1;
                assert_eq!((due, paid), (bill, Decimal::ZERO), "{account}");
                let e = tx.enrolment("shelby", &account).unwrap().unwrap();
                assert_eq!(e.status, EnrolmentStatus::Cancelled, "{account}");
            }
            other => panic!("{account}: every draft has an outcome, not {other:?}"),
        }
    }
    assert_eq!(
        charged.len(),
        ACCOUNTS + retried,
        "the processor charged each draft key once, and nothing else"
    );
    assert!(settled_bills > ACCOUNTS * 8 / 10 && unpaid_bills > 0 && retried > 0);

    // The outbox: one receipt per draft and one notice per declined
    // payment, each recorded once (by its dedupe key) and delivered at
    // least once (a runner killed before delivering left its messages to
    // the next one); nothing delivered that was not recorded.
    let messages = tx.outbox_messages("shelby").unwrap();
    let keys: std::collections::BTreeSet<&str> =
        messages.iter().map(|m| m.dedupe_key.as_str()).collect();
    assert_eq!(keys.len(), messages.len(), "recorded once");
    let mut declined = 0;
    for i in 0..ACCOUNTS {
        let account = format!("000{:06}", 200_000 + i);
        for d in tx.drafts("shelby", &account).unwrap() {
            let receipt = format!("shelby:receipt:{account}:{}", d.idempotency_key);
            assert!(keys.contains(receipt.as_str()), "{account}: {receipt}");
            let p = tx.payment("shelby", &d.payment_id).unwrap().unwrap();
            if p.status == PaymentStatus::Declined {
                declined += 1;
                let failed = format!("shelby:payment-failed:{}", d.idempotency_key);
                assert!(keys.contains(failed.as_str()), "{account}: {failed}");
            }
        }
    }
    assert_eq!(messages.len(), charged.len() + declined);
    let log = std::fs::read_to_string(format!("{}.notices", db.display())).unwrap();
    let mut delivered = std::collections::BTreeMap::<&str, usize>::new();
    for key in log.lines() {
        *delivered.entry(key).or_default() += 1;
    }
    for m in &messages {
        assert!(
            m.delivered_at.is_some(),
            "{} marked delivered",
            m.dedupe_key
        );
        assert!(
            delivered
                .get(m.dedupe_key.as_str())
                .is_some_and(|n| *n >= 1),
            "{} delivered",
            m.dedupe_key
        );
    }
    assert!(
        delivered.keys().all(|k| keys.contains(k)),
        "only recorded messages"
    );
    drop(tx);
    let _ = std::fs::remove_file(format!("{}.notices", db.display()));
    let _ = std::fs::remove_file(&processor_file);
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{processor_file}{suffix}"));
    }
}
