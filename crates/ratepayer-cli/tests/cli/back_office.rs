//! `ratepayer accounts import`, `bills post` and `autopay run` over a
//! SQLite file: each run twice changes nothing the second time, a file with
//! bad rows is refused whole (every problem listed, nothing written), and
//! the AutoPay scenario of issue 16: a draft declined and presented again,
//! and a second cycle for the same day that drafts nothing because the
//! draft was claimed, while the bill's balance is open again.

use std::path::Path;

use super::{profile, ratepayer, scratch, write, Run};

const ACCOUNTS: &str = "account,customer,name,zip,email,status,address\n\
100001,65821,Doe,38150,pat@example.com,active,412 Main Street\n\
100003,65830,Roe,38150,roe@example.com,active,9 Elm Street\n";

const CUSTOMERS: &str = "account,tariff,from,to,usage,unit,meter_size\n\
100001,shelby-water-residential,2025-11-01,2025-11-30,7.4,kgal,5/8\n\
100002,shelby-water-residential,2025-11-01,2025-11-30,3.2,kgal,5/8\n\
100003,shelby-gas-residential,2025-11-01,2025-11-30,42,therm,\n";

fn db(dir: &Path) -> String {
    dir.join("utility.sqlite").display().to_string()
}

fn import(db: &str, file: &str, json: bool) -> Run {
    let shelby = profile("shelby");
    let mut args = vec!["accounts", "import", "--profile", &shelby, "--db", db, file];
    if json {
        args.push("--json");
    }
    ratepayer(&args)
}

fn post(db: &str, file: &str) -> Run {
    ratepayer(&[
        "bills",
        "post",
        "--profile",
        "shelby",
        "--db",
        db,
        "--bill-date",
        "2025-12-03",
        "--due-date",
        "2025-12-24",
        file,
        "--json",
    ])
}

fn autopay(db: &str, date: &str, extra: &[&str]) -> Run {
    let mut args = vec![
        "autopay",
        "run",
        "--profile",
        "shelby",
        "--db",
        db,
        "--date",
        date,
        "--processor",
        "fake",
        "--json",
    ];
    args.extend_from_slice(extra);
    ratepayer(&args)
}

/// The bill run's output for `CUSTOMERS`.
fn bill_run(dir: &Path) -> String {
    let customers = write(dir, "customers.csv", CUSTOMERS);
    let out = dir.join("bills.csv").display().to_string();
    let run = ratepayer(&[
        "bill-run",
        "--profile",
        "shelby",
        "--customers",
        &customers,
        "--out",
        &out,
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    out
}

#[test]
fn accounts_import_twice_changes_nothing_the_second_time() {
    let dir = scratch("accounts-twice");
    let db = db(&dir);
    let file = write(&dir, "accounts.csv", ACCOUNTS);
    let first = import(&db, &file, false);
    assert_eq!(first.code, 0, "{first:?}");
    assert_eq!(
        first.stdout.trim(),
        "2 account(s): 2 created, 0 updated, 0 unchanged"
    );
    let again = import(&db, &file, true);
    assert_eq!(again.code, 0, "{again:?}");
    let v = again.json();
    assert_eq!(
        (&v["created"], &v["updated"], &v["unchanged"], &v["refused"]),
        (&0.into(), &0.into(), &2.into(), &0.into()),
        "{v}"
    );
    assert!(
        again.stderr.is_empty(),
        "no bar when stderr is not a terminal"
    );
    // A changed record is updated; the other is left as it is.
    let moved = write(
        &dir,
        "moved.csv",
        &ACCOUNTS.replace("9 Elm Street", "11 Elm Street"),
    );
    let v = import(&db, &moved, true).json();
    assert_eq!(
        (&v["updated"], &v["unchanged"]),
        (&1.into(), &1.into()),
        "{v}"
    );
    // Columns left out keep what is stored: closing by account and status
    // alone changes the status only, and a re-run says it is unchanged.
    let close = write(&dir, "close.csv", "account,status\n100003,closed\n");
    let v = import(&db, &close, true).json();
    assert_eq!(
        (&v["updated"], &v["unchanged"]),
        (&1.into(), &0.into()),
        "{v}"
    );
    let v = import(&db, &close, true).json();
    assert_eq!(
        (&v["updated"], &v["unchanged"]),
        (&0.into(), &1.into()),
        "{v}"
    );
    // The full file reopens it; its other fields were kept.
    let v = import(&db, &moved, true).json();
    assert_eq!(
        (&v["updated"], &v["unchanged"]),
        (&1.into(), &1.into()),
        "{v}"
    );
}

#[test]
fn accounts_with_bad_rows_are_refused_whole_and_nothing_is_written() {
    let dir = scratch("accounts-bad");
    let db = db(&dir);
    let bad = write(
        &dir,
        "accounts.csv",
        "account,customer,name,email,status\n\
100001,65821,Doe,pat@example.com,active\n\
12ab,65822,Roe,roe@example.com,active\n\
100001,65821,Doe,pat@example.com,active\n\
100004,,Poe,not-an-email,paused\n",
    );
    let run = import(&db, &bad, false);
    assert_eq!(run.code, 1, "{run:?}");
    insta::assert_snapshot!(run.stderr.replace(&bad, "accounts.csv"));
    assert!(
        !Path::new(&db).exists(),
        "the database was not even created"
    );
    let v = import(&db, &bad, true).json();
    assert_eq!(
        (&v["refused"], &v["created"]),
        (&3.into(), &0.into()),
        "{v}"
    );
    let first = &v["refusals"][0];
    assert_eq!(
        (&first["line"], &first["field"], &first["value"]),
        (&3.into(), &"account".into(), &"12ab".into()),
        "{v}"
    );
}

#[test]
fn bills_post_twice_posts_nothing_the_second_time() {
    let dir = scratch("bills-twice");
    let db = db(&dir);
    let accounts = write(
        &dir,
        "accounts.csv",
        &format!("{ACCOUNTS}100002,65821,Doe,38150,pat@example.com,active,17 Oak Street\n"),
    );
    assert_eq!(import(&db, &accounts, false).code, 0);
    let bills = bill_run(&dir);
    let first = post(&db, &bills);
    assert_eq!(first.code, 0, "{first:?}");
    assert_eq!(
        (&first.json()["created"], &first.json()["unchanged"]),
        (&3.into(), &0.into())
    );
    let again = post(&db, &bills);
    assert_eq!(again.code, 0, "{again:?}");
    assert_eq!(
        (&again.json()["created"], &again.json()["unchanged"]),
        (&0.into(), &3.into())
    );
}

#[test]
fn bills_post_resumes_a_run_cut_short_in_batches() {
    let dir = scratch("bills-resume");
    let db = db(&dir);
    let accounts = write(
        &dir,
        "accounts.csv",
        &format!("{ACCOUNTS}100002,65821,Doe,38150,pat@example.com,active,17 Oak Street\n"),
    );
    let imported = ratepayer(&[
        "accounts",
        "import",
        "--profile",
        "shelby",
        "--db",
        &db,
        &accounts,
        "--batch-size",
        "1",
        "--json",
    ]);
    assert_eq!(imported.code, 0, "{imported:?}");
    assert_eq!(imported.json()["batches"], 3);
    let bills = bill_run(&dir);
    // The run that was cut short committed the batch of the first bill.
    let text = std::fs::read_to_string(&bills).unwrap();
    let first: String = text.lines().take(2).map(|l| format!("{l}\n")).collect();
    let cut = write(&dir, "cut.csv", &first);
    assert_eq!(post(&db, &cut).json()["created"], 1);
    let mut args = vec![
        "bills",
        "post",
        "--profile",
        "shelby",
        "--db",
        &db,
        "--bill-date",
        "2025-12-03",
        "--due-date",
        "2025-12-24",
        &bills,
        "--json",
    ];
    args.extend(["--batch-size", "1"]);
    let resumed = ratepayer(&args);
    assert_eq!(resumed.code, 0, "{resumed:?}");
    let j = resumed.json();
    assert_eq!(
        (
            &j["created"],
            &j["unchanged"],
            &j["batches"],
            &j["resumed_at_line"]
        ),
        (&2.into(), &1.into(), &2.into(), &3.into())
    );
    // A batch size out of range is a usage error.
    args.truncate(args.len() - 1);
    args.push("0");
    assert_eq!(ratepayer(&args).code, 2);
}

#[test]
fn bills_with_bad_rows_are_refused_whole_and_nothing_is_posted() {
    let dir = scratch("bills-bad");
    let db = db(&dir);
    let accounts = write(&dir, "accounts.csv", ACCOUNTS);
    assert_eq!(import(&db, &accounts, false).code, 0);
    let bills = write(
        &dir,
        "bills.csv",
        "account,tariff,from,to,days,usage,unit,before_tax,taxes,total,currency,status,message\n\
100001,shelby-water-residential,2025-11-01,2025-11-30,30,7.4,kgal,57.22,0.00,57.22,USD,ok,\n\
100002,shelby-water-residential,2025-11-01,2025-11-30,30,3.2,kgal,30.06,0.00,30.06,USD,ok,\n\
100003,shelby-gas-residential,2025-11-01,2025-11-30,30,42,therm,67.73,4.74,72.00,USD,ok,\n\
100003,,2025-12-01,2025-11-30,,,,,,,USD,error,line 4: no such tariff\n\
100001,shelby-water-residential,2025-11-01,2025-11-30,30,7.4,kgal,57.22,0.00,57.22,EUR,ok,\n",
    );
    let run = post(&db, &bills);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(run.json()["refused"], 4, "{}", run.stdout);
    insta::assert_snapshot!(run.stderr.replace(&bills, "bills.csv"));
    // Nothing was posted: the good row alone posts as new.
    let good = write(
        &dir,
        "good.csv",
        "account,from,to,total\n100001,2025-11-01,2025-11-30,57.22\n",
    );
    let v = post(&db, &good).json();
    assert_eq!(
        (&v["created"], &v["unchanged"]),
        (&1.into(), &0.into()),
        "{v}"
    );
    // The same period with another total is refused.
    let changed = write(
        &dir,
        "changed.csv",
        "account,from,to,total\n100001,2025-11-01,2025-11-30,60.00\n",
    );
    let run = post(&db, &changed);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains("a posted bill is not changed"),
        "{}",
        run.stderr
    );
}

#[test]
fn autopay_run_needs_a_database() {
    let dir = scratch("autopay-no-db");
    let run = autopay(&db(&dir), "2025-12-24", &[]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("no database"), "{}", run.stderr);
}

/// `autopay progress` reads the progress of a cycle shared by runners,
/// which SQLite does not keep (one runner walks its cycle): refused with
/// why, as is a bad date.
#[test]
fn autopay_progress_is_refused_on_sqlite() {
    let dir = scratch("autopay-progress-sqlite");
    let db = db(&dir);
    let demo = ratepayer(&["demo", "--db", &db]);
    assert_eq!(demo.code, 0, "{demo:?}");
    let run = ratepayer(&[
        "autopay",
        "progress",
        "--profile",
        "shelby",
        "--db",
        &db,
        "--date",
        "2025-12-24",
    ]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains("does not share AutoPay cycles"),
        "{}",
        run.stderr
    );
    let bad = ratepayer(&[
        "autopay",
        "progress",
        "--profile",
        "shelby",
        "--db",
        &db,
        "--date",
        "2025-13-01",
    ]);
    assert_eq!(bad.code, 2, "{bad:?}");
}

/// Issue 16's scenario, on the demo's database (its Shelby customer has
/// AutoPay on 100001 and 100002 with a card): December bills posted from a
/// bill run, a draft declined and presented again, and a second cycle for
/// the same day that drafts nothing because of the claims although the
/// declined bill is open again.
#[test]
fn a_declined_draft_is_presented_again_and_a_second_cycle_drafts_nothing() {
    let dir = scratch("autopay-scenario");
    let db = db(&dir);
    let demo = ratepayer(&["demo", "--db", &db]);
    assert_eq!(demo.code, 0, "{demo:?}");
    let accounts = write(&dir, "accounts.csv", ACCOUNTS);
    assert_eq!(import(&db, &accounts, false).code, 0);
    let bills = bill_run(&dir);
    assert_eq!(post(&db, &bills).code, 0);

    let first = autopay(&db, "2025-12-24", &["--fake-script", "100001=decline"]);
    assert_eq!(first.code, 0, "{first:?}");
    let v = first.json();
    assert_eq!(
        (&v["drafted"], &v["already_drafted"]),
        (&2.into(), &0.into()),
        "{v}"
    );
    assert_eq!(v["processor"]["submitted"], 2, "{v}");
    assert_eq!(v["processor"]["declined"], 1, "{v}");
    assert_eq!(v["processor"]["settled"], 1, "{v}");
    let retry = v["processor"]["autopay_actions"][0]["action"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert_eq!(retry, "to be presented again on 2025-12-26", "{v}");
    assert!(v["outbox"]["delivered"].as_u64().unwrap_or(0) >= 2, "{v}");

    // The declined bill is open again, yet the same day drafts nothing: its
    // draft was claimed.
    let second = autopay(&db, "2025-12-24", &[]);
    assert_eq!(second.code, 0, "{second:?}");
    let v = second.json();
    assert_eq!(
        (&v["drafted"], &v["already_drafted"]),
        (&0.into(), &1.into()),
        "{v}"
    );
    assert_eq!(v["processor"]["submitted"], 0, "{v}");
    assert_eq!(v["outbox"]["delivered"], 0, "{v}");

    // On the retry day it is presented again, once.
    let third = autopay(&db, "2025-12-26", &[]);
    let v = third.json();
    assert_eq!(
        (&v["drafted"], &v["representments"]),
        (&1.into(), &1.into()),
        "{v}"
    );
    assert_eq!(v["processor"]["settled"], 1, "{v}");
    let fourth = autopay(&db, "2025-12-26", &[]);
    let v = fourth.json();
    assert_eq!(
        (&v["drafted"], &v["already_drafted"]),
        (&0.into(), &0.into()),
        "{v}"
    );
    let mail = std::fs::read_to_string(format!("{db}-mail.jsonl")).unwrap_or_default();
    assert!(mail.contains("declined"), "{mail}");
}

#[test]
fn help_documents_the_csv_columns() {
    let accounts = ratepayer(&["help", "accounts", "import"]);
    assert!(
        accounts
            .stdout
            .contains("account,customer,name,zip,email,status,address"),
        "{accounts:?}"
    );
    let bills = ratepayer(&["help", "bills", "post"]);
    assert!(
        bills
            .stdout
            .contains("A bill is keyed by (account, period)"),
        "{bills:?}"
    );
    let run = ratepayer(&["help", "autopay", "run"]);
    assert!(run.stdout.contains("--processor fake"), "{run:?}");
}

#[test]
fn a_new_account_without_what_registration_checks_is_refused() {
    let dir = scratch("accounts-proofs");
    let db = db(&dir);
    let file = write(&dir, "accounts.csv", "account,status\n100009,active\n");
    let run = import(&db, &file, true);
    assert_eq!(run.code, 1, "{run:?}");
    let v = run.json();
    assert_eq!(v["refusals"][0]["field"], "customer", "{v}");
    assert_eq!(v["refusals"][0]["line"], 2, "{v}");
    assert!(
        run.stderr
            .contains("asks for the customer number at registration"),
        "{}",
        run.stderr
    );
    // Nothing was written: the full record is created, not updated.
    let full = write(&dir, "full.csv", ACCOUNTS);
    let v = import(&db, &full, true).json();
    assert_eq!(v["created"], 2, "{v}");
}

#[test]
fn drafts_wait_for_a_processor_and_are_handed_over_once() {
    let dir = scratch("autopay-pending");
    let db = db(&dir);
    assert_eq!(ratepayer(&["demo", "--db", &db]).code, 0);
    let bills = bill_run(&dir);
    let accounts = write(&dir, "accounts.csv", ACCOUNTS);
    assert_eq!(import(&db, &accounts, false).code, 0);
    assert_eq!(post(&db, &bills).code, 0);
    let base = [
        "autopay",
        "run",
        "--profile",
        "shelby",
        "--db",
        &db,
        "--date",
        "2025-12-24",
        "--json",
    ];
    let run = ratepayer(&base);
    assert_eq!(run.code, 0, "{run:?}");
    let v = run.json();
    assert_eq!(
        (&v["drafted"], &v["pending_payments"]),
        (&2.into(), &2.into()),
        "{v}"
    );
    assert!(v["processor"].is_null(), "{v}");
    let handed = autopay(&db, "2025-12-24", &[]).json();
    assert_eq!(
        (
            &handed["drafted"],
            &handed["processor"]["submitted"],
            &handed["pending_payments"]
        ),
        (&0.into(), &2.into(), &0.into()),
        "{handed}"
    );
    let again = autopay(&db, "2025-12-24", &[]).json();
    assert_eq!(again["processor"]["submitted"], 0, "{again}");
}

#[test]
fn usage_errors_exit_2() {
    let dir = scratch("back-office-usage");
    let db = db(&dir);
    let run = ratepayer(&[
        "autopay",
        "run",
        "--profile",
        "shelby",
        "--db",
        &db,
        "--date",
        "2025-12-24",
        "--fake-script",
        "100001=decline",
    ]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.contains("give --processor fake"),
        "{}",
        run.stderr
    );
    let bills = write(&dir, "bills.csv", "account,from,to,total\n");
    let run = ratepayer(&[
        "bills",
        "post",
        "--profile",
        "shelby",
        "--db",
        &db,
        "--bill-date",
        "2025-12-24",
        "--due-date",
        "2025-12-03",
        &bills,
    ]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.contains("is before --bill-date"),
        "{}",
        run.stderr
    );
    assert!(!Path::new(&db).exists(), "nothing was created");
}

/// On a PostgreSQL database the AutoPay run needs `--mail-log` (no file lies
/// next to a URL), and says so before connecting, without echoing the URL
/// (it may hold a password).
#[test]
fn autopay_on_postgres_needs_a_mail_log_and_never_prints_the_url() {
    let url = "postgres://clerk:s3cret@127.0.0.1:1/utility";
    let run = autopay(url, "2025-12-24", &[]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("--mail-log"), "{}", run.stderr);
    assert!(!run.stderr.contains("s3cret"), "{}", run.stderr);
}
