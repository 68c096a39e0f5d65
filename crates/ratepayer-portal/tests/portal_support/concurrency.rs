//! Sign-ins and payments at once (issue 18 item 2): a sign-in reads in a
//! read transaction, checks the password outside any transaction and
//! writes in a short write transaction that checks its throttles again, so
//! concurrent guesses never get more tries than guesses one after the
//! other would, for a login and for a username that matches none alike;
//! and many threads (over one or two stores on the same database) signing
//! in and paying at once see no error but a typed, retried conflict, with
//! totals that add up.

use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use ratepayer::fees::{Channel, PaymentMethod};
use ratepayer::payment::PaymentTarget;
use ratepayer::verification::Contact;
use ratepayer::Money;
use ratepayer_portal::store::{AuditKind, StorageErrorKind, Store};
use ratepayer_portal::{
    LoginAttempt, LoginOutcome, NewPaymentMethod, PaymentRequest, Portal, PortalError,
};

use super::*;

/// `threads` wrong guesses at one instant, each from its own address.
fn guesses_at_once(p: &Portal, username: &str, threads: usize) -> Vec<Result<(), PortalError>> {
    let start = Barrier::new(threads);
    let at = nov(6, 9);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|i| {
                let start = &start;
                scope.spawn(move || {
                    let client = other_client(&format!("203.0.113.{}", i + 1));
                    start.wait();
                    p.login(
                        &LoginAttempt {
                            username,
                            password: "not-the-password-at-all",
                            device_token: None,
                        },
                        &client,
                        at,
                    )
                    .map(|_| ())
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

/// 32 wrong guesses at once on Pat's login, then on a username that
/// matches no login: each time exactly as many are checked and counted as
/// one after the other at that instant would be, every other guess is
/// refused as throttled, and nothing else happens; the right password at
/// that instant is refused too.
pub fn concurrent_guesses_stay_within_the_limit(store: Arc<dyn Store>) {
    let (p, _, _pat) = shelby_with_pat(store);
    // How many guesses one after another at one instant are checked.
    let policy = &p.profile().spec().login.throttle;
    let mut counter = ratepayer::login::FailureCounter::default();
    let mut free = 0;
    while counter.check(policy, nov(6, 9)) == ratepayer::login::Decision::Allowed {
        counter.record_failure(policy, nov(6, 9));
        free += 1;
    }
    assert!(free > 0 && free < 32);
    for username in ["patdoe", "nobody-at-all"] {
        let answers = guesses_at_once(&p, username, 32);
        let wrong = answers
            .iter()
            .filter(|a| **a == Err(PortalError::WrongCredentials))
            .count();
        let throttled = answers
            .iter()
            .filter(|a| matches!(a, Err(PortalError::Throttled { .. })))
            .count();
        assert_eq!(wrong, free, "{username}: {answers:?}");
        assert_eq!(wrong + throttled, 32, "{username}: {answers:?}");
    }
    let audit = p.audit_trail().unwrap();
    let counted = |detail: &str| {
        audit
            .iter()
            .filter(|e| e.kind == AuditKind::LoginFailed && e.detail.contains(detail))
            .count()
    };
    assert_eq!(counted("wrong password"), free);
    assert_eq!(counted("unknown username"), free);
    assert_eq!(
        counted("refused before the password check"),
        2 * (32 - free)
    );
    let right = p.login(
        &LoginAttempt {
            username: "patdoe",
            password: PASSWORD,
            device_token: None,
        },
        &other_client("203.0.113.200"),
        nov(6, 9),
    );
    assert!(
        matches!(right, Err(PortalError::Throttled { .. })),
        "{right:?}"
    );
}

/// What [`sign_in_and_pay_at_once`] saw.
#[derive(Debug, Default)]
pub struct Tally {
    /// Sign-ins completed.
    pub sign_ins: usize,
    /// Payments recorded.
    pub payments: usize,
    /// Conflicts (`storage.busy`) met and retried.
    pub retried: usize,
}

/// Runs `op` until it succeeds, retrying a typed conflict
/// ([`StorageErrorKind::Busy`]); any other error fails the test.
fn retried<T>(tally: &mut Tally, mut op: impl FnMut() -> Result<T, PortalError>) -> T {
    loop {
        match op() {
            Ok(v) => return v,
            Err(PortalError::Storage(e)) if e.kind == StorageErrorKind::Busy => {
                tally.retried += 1;
            }
            Err(e) => panic!(
                "only a typed conflict may fail a call: {e:?} ({})",
                e.code()
            ),
        }
    }
}

/// Pat's portal on each of `stores` (one store per "process", all on one
/// database), Pat's remembered-device token and bank account id.
fn pat_on(stores: &[Arc<dyn Store>]) -> (Vec<Portal>, String, String) {
    let (first, notifier, pat) = shelby_with_pat(stores[0].clone());
    let now = nov(6, 8);
    let LoginOutcome::ChallengeRequired { challenge_id, .. } = first
        .login(
            &LoginAttempt {
                username: "patdoe",
                password: PASSWORD,
                device_token: None,
            },
            &client(),
            now,
        )
        .unwrap()
    else {
        panic!("a new browser is challenged");
    };
    let code = notifier
        .last_code_to(&Contact::email("Pat@Example.com").unwrap())
        .unwrap();
    let LoginOutcome::SignedIn {
        device_token: Some(device),
        session,
        ..
    } = first
        .pass_device_challenge(&pat, &challenge_id, &code, Some("load"), &client(), now)
        .unwrap()
    else {
        panic!("the challenge signs in and remembers the browser");
    };
    let session = first.session(&session, now).unwrap();
    let bank = first
        .add_payment_method(
            &session,
            &NewPaymentMethod {
                method: PaymentMethod::Echeck,
                token: "tok_bank_load".into(),
                label: "Checking ending 6789".into(),
                card_expiry: None,
            },
            now,
        )
        .unwrap();
    let mut portals = vec![first];
    for (n, store) in stores.iter().enumerate().skip(1) {
        // Each "process" draws its own random ids and tokens.
        portals.push(
            Portal::new(
                ratepayer::profile::builtin::load("shelby").unwrap(),
                store.clone(),
                secrets(),
                Box::new(ratepayer::security::SeededRandom::new(42 + n as u64 * 1000)),
                notifier.clone(),
            )
            .unwrap(),
        );
    }
    (portals, device, bank)
}

/// `threads` threads, spread over `stores` (each store standing for a
/// process: its own connections to the one database), sign Pat in from a
/// remembered browser and pay one cent on account 100001, again and again
/// for `run` (at most 150 times a thread). Every call either succeeds or fails with a typed conflict
/// that is retried; afterwards every payment is in the history once and
/// the amount due fell by exactly what was paid.
pub fn sign_in_and_pay_at_once(stores: &[Arc<dyn Store>], threads: usize, run: Duration) -> Tally {
    let (portals, device, bank) = pat_on(stores);
    let before = amount_due(&portals[0], &device);
    let start = Barrier::new(threads);
    let tallies: Vec<Tally> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|i| {
                let p = &portals[i % portals.len()];
                let (start, device, bank) = (&start, &device, &bank);
                scope.spawn(move || {
                    start.wait();
                    // At most 150 cents a thread: 32 threads stay below
                    // the account's $57.22 due, whatever the machine.
                    load_thread(p, device, bank, i, run, 150)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let all = sum(&tallies);
    totals_add_up(&portals[0], &device, before, all.payments);
    all
}

/// The sum of tallies.
fn sum(tallies: &[Tally]) -> Tally {
    let mut all = Tally::default();
    for t in tallies {
        all.sign_ins += t.sign_ins;
        all.payments += t.payments;
        all.retried += t.retried;
    }
    all
}

/// One load thread (number `i`, which names its client address and its
/// idempotency keys): signs Pat in from the remembered browser `device` and
/// pays one cent on account 100001 with `bank`, again and again for `run`
/// (at most `cap` times), retrying typed conflicts.
fn load_thread(p: &Portal, device: &str, bank: &str, i: usize, run: Duration, cap: u32) -> Tally {
    let cent = Money::parse("0.01", ratepayer::Currency::USD).unwrap();
    let mut tally = Tally::default();
    let client = other_client(&format!("198.51.{}.{}", 100 + i / 200, i % 200 + 1));
    let began = Instant::now();
    let mut n = 0u32;
    while began.elapsed() < run && n < cap {
        // A second on the portal's clock per round: the sessions and
        // quotes stay fresh.
        let now = nov(6, 9) + chrono::Duration::seconds(i64::from(n));
        let outcome = retried(&mut tally, || {
            p.login(
                &LoginAttempt {
                    username: "patdoe",
                    password: PASSWORD,
                    device_token: Some(device),
                },
                &client,
                now,
            )
        });
        let LoginOutcome::SignedIn { session, .. } = outcome else {
            panic!("a remembered browser signs in: {outcome:?}");
        };
        tally.sign_ins += 1;
        let session = retried(&mut tally, || p.session(&session, now));
        let quote = retried(&mut tally, || {
            p.quote_payment(
                &session,
                &PaymentTarget::Account("100001".into()),
                cent,
                Channel::Online,
                bank,
                now,
            )
        });
        let key = format!("load-key-{i:04}-{n:08}");
        retried(&mut tally, || {
            p.pay(
                &session,
                &PaymentRequest {
                    quote_id: quote.id.clone(),
                    idempotency_key: key.clone(),
                },
                now,
            )
        });
        tally.payments += 1;
        n += 1;
    }
    tally
}

/// Totals add up: `payments` payments, each once in the history and one
/// cent, and the amount due fell from `before` by exactly that much.
fn totals_add_up(p: &Portal, device: &str, before: Money, payments: usize) {
    let cent = Money::parse("0.01", ratepayer::Currency::USD).unwrap();
    let session = signed_in(p, &pat_login(p), nov(6, 23));
    let history = p.payment_history(&session, "100001").unwrap();
    assert_eq!(history.len(), payments);
    assert!(history.iter().all(|v| v.to_account == cent));
    let after = amount_due(p, device);
    assert_eq!(
        before.amount() - after.amount(),
        cent.amount() * rust_decimal::Decimal::from(payments),
        "before {before}, after {after}, {payments} payments"
    );
}

/// The variable that makes a run of this test binary the second process of
/// [`two_processes_sign_in_and_pay`] (its value: the store's address, read
/// by the adapter's test).
pub const LOAD_CHILD: &str = "RATEPAYER_LOAD_CHILD";

/// How long [`two_processes_sign_in_and_pay`] runs: `RATEPAYER_LOAD_SECONDS`
/// (`scripts/test-all` sets 60, the acceptance's minute), 10 by default.
pub fn load_seconds() -> u64 {
    std::env::var("RATEPAYER_LOAD_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10)
}

/// 32 threads in two operating-system processes (16 each; the second is
/// this test binary run again as `test`, with [`LOAD_CHILD`] set to
/// `address`, which the test opens as a store on the same database) sign
/// Pat in and pay a cent at once for [`load_seconds`]: every call succeeds
/// or meets a typed conflict that is retried (anything else fails the
/// process), and afterwards the payments of both processes are each once
/// in the history and the amount due fell by exactly their sum. Account
/// 100001 first gets a large bill, so the payments never run out of
/// balance. Returns this process's tally and the other's.
pub fn two_processes_sign_in_and_pay(
    store: Arc<dyn Store>,
    test: &str,
    address: &str,
) -> (Tally, Tally) {
    use std::io::{BufRead, BufReader, Write};
    use std::process::{Command, Stdio};

    let (portals, device, bank) = pat_on(&[store]);
    let p = &portals[0];
    // November's bill (October's is posted): 50 million gallons.
    let big = p
        .profile()
        .tariff("shelby-water-residential")
        .unwrap()
        .bill(
            &ratepayer::BillInput::metered(
                ratepayer::BillingPeriod::new(date(2025, 11, 1), date(2025, 11, 30)).unwrap(),
                ratepayer::Quantity::new(
                    rust_decimal::Decimal::from(50_000_000),
                    ratepayer::Unit::Gallon,
                ),
            )
            .meter_size("5/8"),
        )
        .unwrap();
    p.post_bill(
        &ratepayer_portal::PostedBill {
            account: "100001",
            bill_id: "2025-11-load",
            bill: &big,
            bill_date: date(2025, 11, 5),
            due_date: date(2025, 12, 24),
            printed_draft_date: None,
        },
        nov(6, 8),
    )
    .unwrap();
    let before = amount_due(p, &device);
    let run = load_seconds();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([test, "--exact", "--nocapture", "--test-threads=1"])
        .env(LOAD_CHILD, address)
        .env("RATEPAYER_LOAD_DEVICE", &device)
        .env("RATEPAYER_LOAD_BANK", &bank)
        .env("RATEPAYER_LOAD_SECONDS", run.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    // Start together: the child says it is ready, then both go. (The
    // word may follow libtest's "test name ... " on the same line.)
    for line in lines.by_ref() {
        if line.unwrap().contains("LOAD-READY") {
            break;
        }
    }
    writeln!(child.stdin.take().unwrap(), "go").unwrap();
    let threads = 16;
    let start = Barrier::new(threads);
    let tallies: Vec<Tally> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|i| {
                let (start, device, bank) = (&start, &device, &bank);
                scope.spawn(move || {
                    start.wait();
                    load_thread(p, device, bank, i, Duration::from_secs(run), u32::MAX)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mine = sum(&tallies);
    let mut theirs = None;
    for line in lines {
        let line = line.unwrap();
        if let Some((_, rest)) = line.split_once("LOAD-TALLY ") {
            let n: Vec<usize> = rest.split(' ').map(|w| w.parse().unwrap()).collect();
            theirs = Some(Tally {
                sign_ins: n[0],
                payments: n[1],
                retried: n[2],
            });
        }
    }
    let status = child.wait().unwrap();
    assert!(status.success(), "the second process failed: {status}");
    let theirs = theirs.expect("the second process reported its tally");
    assert!(
        mine.payments > 0 && theirs.payments > 0,
        "{mine:?} {theirs:?}"
    );
    totals_add_up(p, &device, before, mine.payments + theirs.payments);
    (mine, theirs)
}

/// The second process of [`two_processes_sign_in_and_pay`], on `store`:
/// says it is ready, waits for the word, runs 16 load threads (numbered
/// after the first process's) and prints its tally.
pub fn load_child(store: Arc<dyn Store>) {
    use std::io::BufRead;

    let device = std::env::var("RATEPAYER_LOAD_DEVICE").unwrap();
    let bank = std::env::var("RATEPAYER_LOAD_BANK").unwrap();
    let p = Portal::new(
        ratepayer::profile::builtin::load("shelby").unwrap(),
        store,
        secrets(),
        // Its own random ids and tokens, as another process would have.
        Box::new(ratepayer::security::SeededRandom::new(
            0x5eed_0000 + u64::from(std::process::id()),
        )),
        Arc::new(ratepayer_portal::RecordingNotifier::new()),
    )
    .unwrap();
    let run = Duration::from_secs(load_seconds());
    println!("LOAD-READY");
    let mut word = String::new();
    std::io::stdin().lock().read_line(&mut word).unwrap();
    let threads = 16;
    let start = Barrier::new(threads);
    let tallies: Vec<Tally> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|i| {
                let (start, p, device, bank) = (&start, &p, &device, &bank);
                scope.spawn(move || {
                    start.wait();
                    load_thread(p, device, bank, 16 + i, run, u32::MAX)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let all = sum(&tallies);
    println!(
        "LOAD-TALLY {} {} {}",
        all.sign_ins, all.payments, all.retried
    );
}

/// Pat's login id on `p`.
fn pat_login(p: &Portal) -> String {
    let mut tx = p.store().begin_read().unwrap();
    tx.login_by_username("shelby", "patdoe")
        .unwrap()
        .unwrap()
        .id
}

/// What account 100001 owes, as Pat's home page shows it.
fn amount_due(p: &Portal, device: &str) -> Money {
    let LoginOutcome::SignedIn { session, .. } = p
        .login(
            &LoginAttempt {
                username: "patdoe",
                password: PASSWORD,
                device_token: Some(device),
            },
            &client(),
            nov(6, 23),
        )
        .unwrap()
    else {
        panic!("a remembered browser signs in");
    };
    let session = p.session(&session, nov(6, 23)).unwrap();
    p.home(&session)
        .unwrap()
        .accounts
        .into_iter()
        .find(|a| a.account.trim_start_matches('0') == "100001")
        .unwrap()
        .amount_due
}
