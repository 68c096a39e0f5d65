//! The AutoPay cycle shared by runner processes on PostgreSQL (the server
//! in `RATEPAYER_POSTGRES_URL`, as `scripts/test-postgres` sets it; without
//! it the tests say so and pass): four runners share one cycle over 20,000
//! accounts while one of them is SIGKILLed mid-cycle and started again;
//! every due draft is executed exactly once (one draft, one AutoPay payment
//! with the draft's key and one receipt per account), nothing is left due,
//! every batch is done by exactly one runner, and a run afterwards (a new
//! pass) drafts nothing. And when every runner dies mid-cycle, the next
//! run resumes the pass: only the batches left undone, nothing drafted
//! twice.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Instant;

const RUNNER: &str = env!("CARGO_BIN_EXE_autopay-runner");
const ACCOUNTS: i64 = 20_000;
/// Enrolments per batch: 100 batches, so that the kill lands mid-cycle and
/// every runner gets a share.
const BATCH: &str = "200";

/// The server's URL, or `None` (the test is skipped) when none is given.
fn server() -> Option<String> {
    match std::env::var("RATEPAYER_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            eprintln!("RATEPAYER_POSTGRES_URL is not set: the PostgreSQL reliability test is skipped (scripts/test-postgres sets it)");
            None
        }
    }
}

fn runner(db: &str, args: &[&str], name: &str) -> Command {
    let mut c = Command::new(RUNNER);
    c.arg(args[0])
        .arg(db)
        .args(&args[1..])
        .env("AUTOPAY_RUNNER_NAME", name)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

/// A client on the test's schema.
fn client(url: &str, schema: &str) -> postgres::Client {
    let mut c = url
        .parse::<postgres::Config>()
        .unwrap()
        .connect(postgres::NoTls)
        .unwrap();
    c.batch_execute(&format!("SET search_path = \"{schema}\""))
        .unwrap();
    c
}

fn count(c: &mut postgres::Client, sql: &str) -> i64 {
    c.query_one(sql, &[]).unwrap().get(0)
}

/// Waits for a runner to report its first committed batch.
fn first_batch(child: &mut Child) -> String {
    let mut progress = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    progress.read_line(&mut line).unwrap();
    line
}

fn succeeded(name: &str, child: Child) -> String {
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn four_runners_share_one_cycle_while_one_is_killed_and_restarted() {
    let Some(url) = server() else {
        return;
    };
    let schema = format!("reliability_{}", std::process::id());
    ratepayer_postgres::drop_schema(&url, &schema).unwrap();
    let db = format!("{url}#{schema}");
    let started = Instant::now();
    let seeded = runner(&db, &["seed", &ACCOUNTS.to_string()], "seed")
        .output()
        .unwrap();
    assert!(
        seeded.status.success(),
        "{}",
        String::from_utf8_lossy(&seeded.stderr)
    );

    // Four runners at once, one of them (r1) killed with SIGKILL as soon
    // as it has committed its first batch, then started again.
    let spawn = |name: &str| {
        runner(&db, &["run", BATCH], name)
            .env("AUTOPAY_RUNNER_PROGRESS", "1")
            .spawn()
            .unwrap()
    };
    let mut doomed = spawn("r1");
    let others: Vec<(String, Child)> = ["r2", "r3", "r4"]
        .iter()
        .map(|n| (n.to_string(), spawn(n)))
        .collect();
    let line = first_batch(&mut doomed);
    doomed.kill().unwrap();
    let status = doomed.wait().unwrap();
    assert!(line.starts_with("committed"), "{line}");
    assert!(!status.success(), "the runner was killed");
    let mut c = client(&url, &schema);
    let at_kill = count(&mut c, "SELECT count(*) FROM drafts");
    let restarted = spawn("r1-restarted");
    let mut outputs: Vec<(String, String)> = others
        .into_iter()
        .map(|(name, child)| {
            let out = succeeded(&name, child);
            (name, out)
        })
        .collect();
    outputs.push(("r1-restarted".into(), succeeded("r1-restarted", restarted)));
    assert!(
        at_kill > 0 && at_kill < ACCOUNTS,
        "the kill did not land mid-cycle ({at_kill} drafts then); the test proved nothing"
    );

    // Every due draft exactly once, nothing left due.
    assert_eq!(count(&mut c, "SELECT count(*) FROM drafts"), ACCOUNTS);
    assert_eq!(
        count(&mut c, "SELECT count(DISTINCT account) FROM drafts"),
        ACCOUNTS,
        "one draft per account"
    );
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM payments WHERE source = 'autopay'"
        ),
        ACCOUNTS,
        "one AutoPay payment per account"
    );
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM payments p JOIN drafts d
             ON d.utility = p.utility AND d.idempotency_key = p.idempotency_key"
        ),
        ACCOUNTS,
        "each payment carries its draft's key"
    );
    // Each payment names the account it pays, and every such row names a
    // payment (there is no foreign key: the rows are written by their
    // payment's statement), even across the SIGKILL.
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM payment_accounts pa JOIN payments p ON p.seq = pa.payment
             JOIN drafts d ON d.utility = p.utility AND d.idempotency_key = p.idempotency_key
             AND d.account = pa.account"
        ),
        ACCOUNTS,
        "each payment's account row, naming its payment and its draft's account"
    );
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM payment_accounts pa
             WHERE NOT EXISTS (SELECT 1 FROM payments p WHERE p.seq = pa.payment)"
        ),
        0,
        "no account row without its payment"
    );
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM charges WHERE amount::numeric <> 0"
        ),
        0,
        "nothing left due"
    );
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM outbox WHERE dedupe_key LIKE 'shelby:receipt:%'"
        ),
        ACCOUNTS,
        "one receipt per draft"
    );

    // Every batch done, by one runner each; the runners' reports add up.
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM autopay_cycle_batches WHERE done_at IS NULL"
        ),
        0
    );
    assert_eq!(
        count(
            &mut c,
            "SELECT coalesce(sum(drafted), 0)::bigint FROM autopay_cycle_batches"
        ),
        ACCOUNTS,
        "the batches' counts add up to one draft per account"
    );
    let reported: i64 = outputs
        .iter()
        .map(|(name, out)| {
            let words: Vec<&str> = out
                .lines()
                .last()
                .unwrap_or("")
                .split_whitespace()
                .collect();
            match words.as_slice() {
                ["drafted", d, "already", _, "batches", _] => d.parse::<i64>().unwrap(),
                _ => panic!("{name}: unexpected output {out}"),
            }
        })
        .sum();
    let by_killed = count(
        &mut c,
        "SELECT coalesce(sum(drafted), 0)::bigint FROM autopay_cycle_batches WHERE done_by = 'r1'",
    );
    assert!(by_killed > 0, "the killed runner's committed batches count");
    assert_eq!(
        reported + by_killed,
        ACCOUNTS,
        "the survivors drafted what the killed runner had not"
    );

    // The progress shows it finished; a later run is a new pass (of the
    // default 1,000 accounts a batch), which finds every bill paid and
    // drafts nothing.
    let progress = runner(&db, &["progress"], "reader").output().unwrap();
    let progress = String::from_utf8_lossy(&progress.stdout);
    assert!(
        progress.starts_with("pass 1 batches 100 of 100, accounts 20000 of 20000, drafted 20000"),
        "{progress}"
    );
    let again = succeeded("again", runner(&db, &["run"], "again").spawn().unwrap());
    assert_eq!(again.trim(), "drafted 0 already 0 batches 20");
    let progress = runner(&db, &["progress"], "reader").output().unwrap();
    let progress = String::from_utf8_lossy(&progress.stdout);
    assert!(
        progress.starts_with("pass 2 batches 20 of 20"),
        "{progress}"
    );
    assert_eq!(count(&mut c, "SELECT count(*) FROM drafts"), ACCOUNTS);
    eprintln!(
        "four runners, one killed and restarted, over {ACCOUNTS} accounts: {:.1} s in all",
        started.elapsed().as_secs_f64()
    );
    drop(c);
    ratepayer_postgres::drop_schema(&url, &schema).unwrap();
}

/// Every runner of a cycle dies (one runner, killed after three batches):
/// the next run resumes the same pass, does only the batches left undone
/// (none of the batches done again) and drafts only what was not drafted.
#[test]
fn a_run_after_every_runner_died_finishes_only_what_is_undone() {
    let Some(url) = server() else {
        return;
    };
    const SMALL: i64 = 5_000;
    let schema = format!("resume_{}", std::process::id());
    ratepayer_postgres::drop_schema(&url, &schema).unwrap();
    let db = format!("{url}#{schema}");
    let seeded = runner(&db, &["seed", &SMALL.to_string()], "seed")
        .output()
        .unwrap();
    assert!(
        seeded.status.success(),
        "{}",
        String::from_utf8_lossy(&seeded.stderr)
    );
    let mut only = runner(&db, &["run", "100"], "only")
        .env("AUTOPAY_RUNNER_PROGRESS", "1")
        .spawn()
        .unwrap();
    let mut progress = BufReader::new(only.stdout.take().unwrap());
    for _ in 0..3 {
        let mut line = String::new();
        progress.read_line(&mut line).unwrap();
        assert!(line.starts_with("committed"), "{line}");
    }
    only.kill().unwrap();
    only.wait().unwrap();
    let mut c = client(&url, &schema);
    let done = count(
        &mut c,
        "SELECT count(*) FROM autopay_cycle_batches WHERE done_at IS NOT NULL",
    );
    let drafted = count(&mut c, "SELECT count(*) FROM drafts");
    assert!((3..50).contains(&done), "{done} batches done at the kill");
    assert_eq!(drafted, done * 100, "a batch's drafts commit with its mark");
    let rest = succeeded("rest", runner(&db, &["run"], "rest").spawn().unwrap());
    assert_eq!(
        rest.trim(),
        format!(
            "drafted {} already 0 batches {}",
            SMALL - drafted,
            50 - done
        ),
        "only the batches left, in the same pass"
    );
    assert_eq!(count(&mut c, "SELECT count(*) FROM drafts"), SMALL);
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM charges WHERE amount::numeric <> 0"
        ),
        0
    );
    assert_eq!(count(&mut c, "SELECT max(pass) FROM autopay_cycles"), 1);
    drop(c);
    ratepayer_postgres::drop_schema(&url, &schema).unwrap();
}
