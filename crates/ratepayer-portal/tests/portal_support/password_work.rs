//! The password work of sensitive changes holds no write lock (issue 18
//! item 2): a password change and a reset check the new password against
//! the policy and the breached-password service, and hash it, before their
//! write transaction; a re-authentication checks the current password
//! before it too. The write transaction re-checks the throttles on what it
//! reads, so re-authentications at once get no more tries than the same
//! ones one after the other.

use std::sync::mpsc;
use std::sync::{Arc, Barrier, Mutex};
use std::time::Duration;

use ratepayer::password::{BreachCheckError, BreachedPasswords, BreachedSuffix};
use ratepayer_portal::store::{AuditKind, Store};
use ratepayer_portal::{PortalError, RecordingNotifier};

use super::*;

/// A breached-password service that, each time it is asked, tries to open
/// a write transaction on the store from another thread, and records
/// whether it could (the write lock was free while the portal asked).
struct LockProbe {
    store: Arc<dyn Store>,
    seen: Mutex<Vec<bool>>,
}

impl BreachedPasswords for LockProbe {
    fn range(&self, _prefix: &str) -> Result<Vec<BreachedSuffix>, BreachCheckError> {
        let store = self.store.clone();
        let (send, answer) = mpsc::channel();
        std::thread::spawn(move || {
            let _ = send.send(store.begin().is_ok());
        });
        // A free lock answers at once; a held one not before the portal's
        // transaction ends (after this call returns), or with busy.
        let free = answer
            .recv_timeout(Duration::from_secs(20))
            .unwrap_or(false);
        self.seen.lock().unwrap().push(free);
        Ok(Vec::new())
    }
}

impl LockProbe {
    fn take(&self) -> Vec<bool> {
        std::mem::take(&mut *self.seen.lock().unwrap())
    }
}

/// Pat changes the password, then resets it with an emailed token: each
/// time the breached-password service is asked exactly once, while no write
/// transaction is open (so the Argon2id hash made with it is too), and the
/// change is made.
pub fn password_work_holds_no_write_lock(store: Arc<dyn Store>) {
    let probe = Arc::new(LockProbe {
        store: store.clone(),
        seen: Mutex::new(Vec::new()),
    });
    let notifier = Arc::new(RecordingNotifier::new());
    let p = portal("shelby", store, notifier.clone()).with_breached_passwords(probe.clone());
    let (p, notifier, pat) = with_pat(p, notifier);
    probe.take();

    let t = nov(6, 9);
    let session = signed_in(&p, &pat, t);
    let changed = "copper kettle whistling at dawn";
    p.change_password(&session, PASSWORD, changed, &client(), t)
        .unwrap();
    assert_eq!(probe.take(), vec![true], "change_password");

    p.request_password_reset("patdoe", &client(), t).unwrap();
    p.flush_messages();
    let token = notifier
        .sent()
        .iter()
        .rev()
        .find_map(|m| {
            m.body
                .split(|c: char| !c.is_ascii_hexdigit())
                .find(|w| w.len() == 64)
                .map(str::to_owned)
        })
        .unwrap();
    let reset = "marble staircase under moonlight";
    assert_eq!(p.reset_password(&token, reset, &client(), t), Ok(pat));
    assert_eq!(probe.take(), vec![true], "reset_password");
    assert!(p
        .login(
            &ratepayer_portal::LoginAttempt {
                username: "patdoe",
                password: reset,
                device_token: None,
            },
            &other_client("198.51.100.9"),
            t,
        )
        .is_ok());
}

/// 32 re-authentications with a wrong password at one instant (enrolling
/// an authenticator app), each from its own address: exactly as many are
/// checked and counted as one after the other would be, every other one is
/// refused as throttled, each is audited once, and the login's failures
/// are exactly the checked ones.
pub fn concurrent_reauthentications_stay_within_the_limit(store: Arc<dyn Store>) {
    let (p, _, pat) = shelby_with_pat(store);
    let at = nov(6, 9);
    let session = signed_in(&p, &pat, at);
    let policy = &p.profile().spec().login.throttle;
    let mut counter = ratepayer::login::FailureCounter::default();
    let mut free = 0;
    while counter.check(policy, at) == ratepayer::login::Decision::Allowed {
        counter.record_failure(policy, at);
        free += 1;
    }
    assert!(free > 0 && free < 32);
    let threads = 32;
    let start = Barrier::new(threads);
    let answers: Vec<Result<(), PortalError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|i| {
                let (start, p, session) = (&start, &p, &session);
                scope.spawn(move || {
                    let c = other_client(&format!("203.0.113.{}", i + 1));
                    start.wait();
                    p.enrol_totp(session, "not-the-password-at-all", &c, at)
                        .map(|_| ())
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let wrong = answers
        .iter()
        .filter(|a| **a == Err(PortalError::WrongCredentials))
        .count();
    let throttled = answers
        .iter()
        .filter(|a| matches!(a, Err(PortalError::Throttled { .. })))
        .count();
    assert_eq!(wrong, free, "{answers:?}");
    assert_eq!(wrong + throttled, threads, "{answers:?}");
    let audit = p.audit_trail().unwrap();
    let counted = |detail: &str| {
        audit
            .iter()
            .filter(|e| e.kind == AuditKind::ReauthenticationFailed && e.detail.contains(detail))
            .count()
    };
    assert_eq!(counted("wrong password"), free);
    assert_eq!(counted("refused before the check"), threads - free);
    // The right password is refused too while the login is throttled.
    assert!(matches!(
        p.enrol_totp(&session, PASSWORD, &other_client("203.0.113.99"), at),
        Err(PortalError::Throttled { .. })
    ));
}
