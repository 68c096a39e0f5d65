//! The AutoPay cycle shared by runners, at the storage port on PostgreSQL:
//! a pass is planned once and its batches cover every account; a claimed
//! batch is skipped by the next claim and, dropped unfinished, claimed
//! again; a claim with every batch left held waits for it; a batch holds
//! its accounts' charges against a customer's write; the writes a batch
//! holds back are read back inside it and kept once; and a held-back draft
//! claim that meets one another transaction committed meanwhile fails the
//! whole batch (nothing of it kept), so even a batch done twice never
//! drafts twice.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use common::*;
use ratepayer_portal::store::{BatchCounts, EnrolmentStatus, StorageErrorKind, Store};
use ratepayer_postgres::PostgresOptions;

const U: &str = "shelby";

fn cycle_day() -> NaiveDate {
    day(2026, 2, 20)
}

/// Accounts 100001 to 10000n, each with a login, an open charge and an
/// active enrolment.
fn seed(store: &dyn Store, n: usize) {
    let mut tx = store.begin().unwrap();
    for i in 1..=n {
        let (l, a) = (format!("l{i}"), format!("10000{i}"));
        tx.insert_login(&login(&l, U, &format!("user{i}"))).unwrap();
        tx.put_account(&account(U, &a, Some(&l))).unwrap();
        tx.put_charge(&charge(U, &a, "c1", "84.20")).unwrap();
        tx.put_enrolment(&enrolment(U, &a, &l, EnrolmentStatus::Active))
            .unwrap();
    }
    tx.commit().unwrap();
}

fn counts(n: usize) -> BatchCounts {
    BatchCounts {
        enrolments: n,
        drafted: n,
        already_drafted: 0,
        failed: 0,
    }
}

#[test]
fn a_pass_is_planned_once_and_its_batches_cover_every_account() {
    let Some(db) = TempSchema::new("planned_once") else {
        return;
    };
    let store = db.open();
    assert!(store.shares_autopay_cycles());
    seed(&*store, 5);
    let mut tx = store.begin_cycle_batch().unwrap();
    let plan = tx
        .plan_autopay_cycle(U, cycle_day(), 2, at("2026-02-20T06:00:00Z"))
        .unwrap();
    tx.commit().unwrap();
    assert_eq!(
        (
            plan.pass,
            plan.batches,
            plan.accounts,
            plan.batch_size,
            plan.planned_now
        ),
        (1, 3, 5, 2, true)
    );
    // Another runner joins the same pass, whatever batch size it asks for.
    let mut tx = store.begin_cycle_batch().unwrap();
    let again = tx
        .plan_autopay_cycle(U, cycle_day(), 1_000, at("2026-02-20T06:00:01Z"))
        .unwrap();
    tx.commit().unwrap();
    assert_eq!(
        (again.pass, again.batches, again.planned_now),
        (1, 3, false)
    );
    // An enrolment made after the plan lands in the last batch's range.
    seed_one(&*store, "100009");
    let mut listed = Vec::new();
    for runner in ["a", "b", "c"] {
        let mut tx = store.begin_cycle_batch().unwrap();
        let batch = tx.claim_cycle_batch(U, cycle_day(), 1).unwrap().unwrap();
        let accounts = tx
            .active_enrolment_accounts_in(U, batch.after.as_deref(), batch.last.as_deref())
            .unwrap();
        assert!(tx
            .finish_cycle_batch(
                &batch,
                runner,
                &counts(accounts.len()),
                at("2026-02-20T06:01:00Z")
            )
            .unwrap());
        tx.commit().unwrap();
        listed.push(accounts);
    }
    assert_eq!(
        listed,
        [
            vec!["100001", "100002"],
            vec!["100003", "100004"],
            vec!["100005", "100009"],
        ]
    );
    let mut tx = store.begin_cycle_batch().unwrap();
    assert!(tx.claim_cycle_batch(U, cycle_day(), 1).unwrap().is_none());
    drop(tx);
    let mut read = store.begin_read().unwrap();
    let progress = read
        .autopay_cycle_progress(U, cycle_day())
        .unwrap()
        .unwrap();
    assert!(progress.finished());
    assert_eq!(
        (
            progress.pass,
            progress.batches_done,
            progress.accounts,
            progress.accounts_done
        ),
        (1, 3, 5, 6)
    );
    let runners: Vec<(&str, usize)> = progress
        .runners
        .iter()
        .map(|r| (r.runner.as_str(), r.enrolments))
        .collect();
    assert_eq!(runners, [("a", 2), ("b", 2), ("c", 2)]);
    drop(read);
    // Once finished, a run makes the next pass.
    let mut tx = store.begin_cycle_batch().unwrap();
    let next = tx
        .plan_autopay_cycle(U, cycle_day(), 2, at("2026-02-20T09:00:00Z"))
        .unwrap();
    tx.commit().unwrap();
    assert_eq!((next.pass, next.accounts, next.planned_now), (2, 6, true));
    // A batch size of 0 is refused.
    let mut tx = store.begin_cycle_batch().unwrap();
    let err = tx
        .plan_autopay_cycle(U, day(2026, 2, 21), 0, at("2026-02-21T06:00:00Z"))
        .unwrap_err();
    assert!(err.message.contains("batch size is 0"), "{}", err.message);
}

fn seed_one(store: &dyn Store, number: &str) {
    let mut tx = store.begin().unwrap();
    tx.insert_login(&login("l9", U, "user9")).unwrap();
    tx.put_account(&account(U, number, Some("l9"))).unwrap();
    tx.put_enrolment(&enrolment(U, number, "l9", EnrolmentStatus::Active))
        .unwrap();
    tx.commit().unwrap();
}

fn plan(store: &dyn Store, size: usize) {
    let mut tx = store.begin_cycle_batch().unwrap();
    tx.plan_autopay_cycle(U, cycle_day(), size, at("2026-02-20T06:00:00Z"))
        .unwrap();
    tx.commit().unwrap();
}

#[test]
fn a_held_batch_is_skipped_and_one_dropped_unfinished_is_claimed_again() {
    let Some(db) = TempSchema::new("skip_locked") else {
        return;
    };
    let store = db.open();
    seed(&*store, 4);
    plan(&*store, 2);
    let mut a = store.begin_cycle_batch().unwrap();
    let first = a.claim_cycle_batch(U, cycle_day(), 1).unwrap().unwrap();
    let mut b = store.begin_cycle_batch().unwrap();
    let second = b.claim_cycle_batch(U, cycle_day(), 1).unwrap().unwrap();
    assert_eq!((first.seq, second.seq), (0, 1), "the held batch is skipped");
    // A dies (its transaction ends unfinished): its batch is free again.
    drop(a);
    let mut c = store.begin_cycle_batch().unwrap();
    let again = c.claim_cycle_batch(U, cycle_day(), 1).unwrap().unwrap();
    assert_eq!(again.seq, 0);
    b.finish_cycle_batch(&second, "b", &counts(2), at("2026-02-20T06:01:00Z"))
        .unwrap();
    b.commit().unwrap();
    drop(c);
    let mut read = store.begin_read().unwrap();
    let progress = read
        .autopay_cycle_progress(U, cycle_day())
        .unwrap()
        .unwrap();
    assert_eq!((progress.batches_done, progress.batches), (1, 2));
    assert_eq!(progress.runners.len(), 1);
    assert_eq!(progress.runners[0].runner, "b");
}

#[test]
fn with_every_batch_left_held_a_claim_waits_for_it() {
    let Some(db) = TempSchema::new("claim_waits") else {
        return;
    };
    let store = db.open();
    seed(&*store, 2);
    plan(&*store, 2);
    let mut holder = store.begin_cycle_batch().unwrap();
    let held = holder
        .claim_cycle_batch(U, cycle_day(), 1)
        .unwrap()
        .unwrap();
    let waiter = {
        let store = store.clone();
        std::thread::spawn(move || {
            let started = Instant::now();
            let mut tx = store.begin_cycle_batch().unwrap();
            let got = tx.claim_cycle_batch(U, cycle_day(), 1).unwrap();
            (got.map(|b| b.seq), started.elapsed())
        })
    };
    std::thread::sleep(Duration::from_millis(300));
    // The holder dies: the waiting claim gets the batch.
    drop(holder);
    let (got, waited) = waiter.join().unwrap();
    assert_eq!(got, Some(held.seq));
    assert!(waited >= Duration::from_millis(250), "{waited:?}");
    // Done by someone: a waiting claim then finds nothing left.
    let mut holder = store.begin_cycle_batch().unwrap();
    let held = holder
        .claim_cycle_batch(U, cycle_day(), 1)
        .unwrap()
        .unwrap();
    let waiter = {
        let store = store.clone();
        std::thread::spawn(move || {
            let mut tx = store.begin_cycle_batch().unwrap();
            tx.claim_cycle_batch(U, cycle_day(), 1)
                .unwrap()
                .map(|b| b.seq)
        })
    };
    std::thread::sleep(Duration::from_millis(200));
    holder
        .finish_cycle_batch(&held, "a", &counts(2), at("2026-02-20T06:01:00Z"))
        .unwrap();
    holder.commit().unwrap();
    assert_eq!(waiter.join().unwrap(), None);
}

#[test]
fn a_batch_holds_its_charges_against_a_customer_write() {
    let Some(db) = TempSchema::new("batch_locks") else {
        return;
    };
    let store = db.open_with(PostgresOptions {
        busy_timeout: Duration::from_millis(300),
        ..PostgresOptions::default()
    });
    seed(&*store, 1);
    plan(&*store, 10);
    let mut batch = store.begin_cycle_batch().unwrap();
    let b = batch.claim_cycle_batch(U, cycle_day(), 1).unwrap().unwrap();
    let accounts = batch
        .active_enrolment_accounts_in(U, b.after.as_deref(), b.last.as_deref())
        .unwrap();
    let refs: Vec<&str> = accounts.iter().map(String::as_str).collect();
    batch.charges_of(U, &refs).unwrap();
    // A customer's payment on the same charge waits for the batch, and
    // gives up busy after the lock timeout: it does not overwrite it.
    let mut customer = store.begin().unwrap();
    let err = customer
        .put_charge(&charge(U, "100001", "c1", "0.00"))
        .unwrap_err();
    assert_eq!(err.kind, StorageErrorKind::Busy, "{}", err.message);
    drop(customer);
    // So does cancelling the enrolment.
    let mut customer = store.begin().unwrap();
    let err = customer
        .put_enrolment(&enrolment(U, "100001", "l1", EnrolmentStatus::Cancelled))
        .unwrap_err();
    assert_eq!(err.kind, StorageErrorKind::Busy, "{}", err.message);
    drop(customer);
    batch
        .put_charge(&charge(U, "100001", "c1", "0.00"))
        .unwrap();
    batch
        .finish_cycle_batch(&b, "a", &counts(1), at("2026-02-20T06:01:00Z"))
        .unwrap();
    batch.commit().unwrap();
    let mut tx = store.begin().unwrap();
    assert!(tx.charges(U, "100001").unwrap()[0]
        .charge
        .amount
        .amount()
        .is_zero());
}

#[test]
fn held_back_writes_are_read_back_inside_the_batch_and_kept_once() {
    let Some(db) = TempSchema::new("held_back") else {
        return;
    };
    let store = db.open();
    seed(&*store, 2);
    // A draft of the second account claimed before the cycle.
    let mut tx = store.begin().unwrap();
    assert!(tx
        .claim_draft(&draft("k-old", U, "100002", "2026-02-19T06:00:00Z"))
        .unwrap());
    tx.commit().unwrap();
    plan(&*store, 10);
    let mut batch = store.begin_cycle_batch().unwrap();
    let b = batch.claim_cycle_batch(U, cycle_day(), 1).unwrap().unwrap();
    batch
        .active_enrolment_accounts_in(U, b.after.as_deref(), b.last.as_deref())
        .unwrap();
    let new = draft("k-new", U, "100001", "2026-02-20T06:00:00Z");
    assert!(batch.claim_draft(&new).unwrap(), "a new key");
    assert!(!batch.claim_draft(&new).unwrap(), "claimed by the batch");
    assert!(
        !batch
            .claim_draft(&draft("k-old", U, "100002", "2026-02-20T06:00:00Z"))
            .unwrap(),
        "claimed before the batch"
    );
    batch
        .put_charge(&charge(U, "100001", "c1", "0.00"))
        .unwrap();
    batch
        .insert_payment(&payment("p1", U, "l1", &["100001"]))
        .unwrap();
    batch
        .append_audit(&audit(
            U,
            ratepayer_portal::store::AuditKind::DraftExecuted,
            "one",
        ))
        .unwrap();
    let mut m = message(U, "shelby:receipt:k-new", "2026-02-20T06:00:00Z");
    m.account = Some("100001".into());
    assert!(batch.enqueue_message(&m).unwrap());
    assert!(!batch.enqueue_message(&m).unwrap(), "written by the batch");
    // A read inside the batch sees what it holds back.
    let drafts = batch.drafts(U, "100001").unwrap();
    assert_eq!(drafts.len(), 1);
    same(&drafts[0], &new);
    assert_eq!(batch.payments_of_account(U, "100001").unwrap().len(), 1);
    assert!(batch.charges(U, "100001").unwrap()[0]
        .charge
        .amount
        .amount()
        .is_zero());
    // After the read, more held-back writes, then the commit.
    batch
        .append_audit(&audit(
            U,
            ratepayer_portal::store::AuditKind::DraftExecuted,
            "two",
        ))
        .unwrap();
    batch
        .finish_cycle_batch(&b, "a", &counts(2), at("2026-02-20T06:01:00Z"))
        .unwrap();
    batch.commit().unwrap();
    let mut tx = store.begin().unwrap();
    assert_eq!(tx.drafts(U, "100001").unwrap().len(), 1);
    assert_eq!(tx.drafts(U, "100002").unwrap().len(), 1);
    assert!(tx
        .outbox_message(U, "shelby:receipt:k-new")
        .unwrap()
        .is_some());
    let details: Vec<String> = tx
        .audit_events(U)
        .unwrap()
        .into_iter()
        .map(|e| e.detail)
        .collect();
    assert_eq!(details, ["one", "two"], "in the order appended");
}

#[test]
fn a_held_back_claim_that_meets_another_claim_fails_the_whole_batch() {
    let Some(db) = TempSchema::new("held_back_conflict") else {
        return;
    };
    let store = db.open();
    seed(&*store, 1);
    plan(&*store, 10);
    let mut batch = store.begin_cycle_batch().unwrap();
    let b = batch.claim_cycle_batch(U, cycle_day(), 1).unwrap().unwrap();
    batch
        .active_enrolment_accounts_in(U, b.after.as_deref(), b.last.as_deref())
        .unwrap();
    // Another transaction claims the same draft and commits meanwhile.
    let mut other = store.begin().unwrap();
    assert!(other
        .claim_draft(&draft("k1", U, "100001", "2026-02-20T06:00:00Z"))
        .unwrap());
    other.commit().unwrap();
    // The batch, reading before that, holds its claim back as new...
    assert!(batch
        .claim_draft(&draft("k1", U, "100001", "2026-02-20T06:00:01Z"))
        .unwrap());
    batch
        .put_charge(&charge(U, "100001", "c1", "0.00"))
        .unwrap();
    batch
        .finish_cycle_batch(&b, "a", &counts(1), at("2026-02-20T06:01:00Z"))
        .unwrap_err();
    // ...and the flush finds the key taken: nothing of the batch is kept.
    let err = batch.commit().unwrap_err();
    assert_eq!(err.kind, StorageErrorKind::Busy, "{}", err.message);
    let mut tx = store.begin().unwrap();
    assert_eq!(tx.drafts(U, "100001").unwrap().len(), 1);
    assert!(!tx.charges(U, "100001").unwrap()[0]
        .charge
        .amount
        .amount()
        .is_zero());
    drop(tx);
    let mut read = store.begin_read().unwrap();
    let progress = read
        .autopay_cycle_progress(U, cycle_day())
        .unwrap()
        .unwrap();
    assert_eq!(
        progress.batches_done, 0,
        "the batch is left to be claimed again"
    );
}

#[test]
fn the_sharing_methods_need_a_batch_transaction() {
    let Some(db) = TempSchema::new("needs_batch_tx") else {
        return;
    };
    let store = db.open();
    let mut tx = store.begin().unwrap();
    let err = tx
        .plan_autopay_cycle(U, cycle_day(), 10, at("2026-02-20T06:00:00Z"))
        .unwrap_err();
    assert!(err.message.contains("begin_cycle_batch"), "{}", err.message);
    let mut read = store.begin_read().unwrap();
    assert!(read.claim_cycle_batch(U, cycle_day(), 1).is_err());
    assert!(read
        .autopay_cycle_progress(U, cycle_day())
        .unwrap()
        .is_none());
}
