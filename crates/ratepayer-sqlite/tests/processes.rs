//! Two operating-system processes on one database file: both claiming the
//! same draft keys at once claim each exactly once between them, and a
//! writer killed (SIGKILL) in the middle of a transaction leaves nothing
//! behind and does not keep the write lock. The processes are this test
//! binary started again with `child_entry` as the only test and its role
//! in an environment variable.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use ratepayer_portal::store::Store;
use ratepayer_sqlite::SqliteStore;

const ROLE: &str = "RATEPAYER_SQLITE_TEST_ROLE";
const DB: &str = "RATEPAYER_SQLITE_TEST_DB";
const START: &str = "RATEPAYER_SQLITE_TEST_START_MS";
const U: &str = "shelby";
const KEYS: usize = 300;

fn key(k: usize) -> String {
    format!("draft-{k}")
}

/// Runs a child's role; does nothing when run as an ordinary test.
#[test]
fn child_entry() {
    let Ok(role) = std::env::var(ROLE) else {
        return;
    };
    let path = std::env::var(DB).unwrap();
    let store = SqliteStore::open(&path).unwrap();
    let mut out = std::io::stdout();
    match role.as_str() {
        "claim" | "claim-backwards" => {
            // Both children start at the instant the parent chose, and
            // pause between transactions, so their claims interleave.
            let start: u128 = std::env::var(START).unwrap().parse().unwrap();
            while now_ms() < start {
                std::thread::sleep(Duration::from_millis(1));
            }
            let mut keys: Vec<usize> = (0..KEYS).collect();
            if role == "claim-backwards" {
                keys.reverse();
            }
            for batch in keys.chunks(5) {
                let mut tx = store.begin().unwrap();
                let mut won = Vec::new();
                for &k in batch {
                    let d = draft(&key(k), U, "100001", "2026-02-20T06:00:00Z");
                    if tx.claim_draft(&d).unwrap() {
                        won.push(k);
                    }
                }
                tx.commit().unwrap();
                for k in won {
                    writeln!(out, "CLAIMED {k}").unwrap();
                }
                std::thread::sleep(Duration::from_micros(300));
            }
        }
        "hold" => {
            let mut tx = store.begin().unwrap();
            tx.insert_login(&login("l2", U, "sam")).unwrap();
            assert!(tx
                .claim_draft(&draft("held", U, "100001", "2026-02-20T06:00:00Z"))
                .unwrap());
            writeln!(out, "HOLDING").unwrap();
            out.flush().unwrap();
            std::thread::sleep(Duration::from_secs(60));
            panic!("the parent should have killed this process");
        }
        other => panic!("unknown role {other}"),
    }
    out.flush().unwrap();
}

/// Milliseconds since 1970.
fn now_ms() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis()
}

fn spawn(role: &str, path: &Path, start_ms: u128) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_entry", "--nocapture", "--test-threads=1"])
        .env(ROLE, role)
        .env(START, start_ms.to_string())
        .env(DB, path)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap()
}

fn seed(path: &Path) {
    let store = SqliteStore::open(path).unwrap();
    let mut tx = store.begin().unwrap();
    tx.insert_login(&login("l1", U, "pat")).unwrap();
    tx.put_account(&account(U, "100001", Some("l1"))).unwrap();
    tx.commit().unwrap();
}

#[test]
fn two_processes_claim_each_draft_key_once() {
    let db = TempDb::new("processes");
    seed(db.path());
    let start = now_ms() + 500;
    let children = [
        spawn("claim", db.path(), start),
        spawn("claim-backwards", db.path(), start),
    ];
    let mut claimed = Vec::new();
    let mut per_child = Vec::new();
    for child in children {
        let output = child.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "a child failed: {:?}",
            output.status
        );
        let text = String::from_utf8(output.stdout).unwrap();
        per_child.push(text.matches("CLAIMED").count());
        claimed.extend(
            text.lines()
                // libtest's "test child_entry ... " may start the first line.
                .filter_map(|l| l.split("CLAIMED ").nth(1))
                .map(|k| k.trim().parse::<usize>().unwrap()),
        );
    }
    claimed.sort_unstable();
    assert_eq!(
        claimed,
        (0..KEYS).collect::<Vec<_>>(),
        "claims per child: {per_child:?}"
    );

    let store = SqliteStore::open(db.path()).unwrap();
    let mut tx = store.begin().unwrap();
    assert_eq!(tx.drafts(U, "100001").unwrap().len(), KEYS);
}

#[test]
fn a_killed_writer_leaves_nothing_and_releases_the_lock() {
    let db = TempDb::new("killed");
    seed(db.path());
    let mut child = spawn("hold", db.path(), 0);
    let stdout = child.stdout.take().unwrap();
    let holding = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .any(|l| l.contains("HOLDING"));
    assert!(holding, "the child never opened its transaction");

    child.kill().unwrap();
    child.wait().unwrap();

    let store = SqliteStore::open(db.path()).unwrap();
    let started = Instant::now();
    let mut tx = store.begin().unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "the killed process's lock was not released"
    );
    assert!(tx.login("l2").unwrap().is_none());
    assert!(tx.drafts(U, "100001").unwrap().is_empty());
    assert!(tx
        .claim_draft(&draft("held", U, "100001", "2026-02-20T06:00:00Z"))
        .unwrap());
    tx.commit().unwrap();
}
