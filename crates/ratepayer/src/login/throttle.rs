//! Failure throttling that slows guessing without handing anyone a way to
//! lock a customer out: a [`FailureCounter`] per login, per utility
//! account, per client address, per username that matches no login and per
//! account number tried at registration or linking; delays that grow and
//! expire; a lock that ends by itself; a recovery that lifts it.
//!
//! After `n` consecutive failures the next try must wait
//! [`ThrottlePolicy::delay_seconds`]`(n)` after the last failure: nothing
//! for the first `free_failures` (3), then `base_delay_seconds × 2^(n −
//! free_failures)` (2 s, 4 s, 8 s, …) capped at `max_delay_seconds` (900 s,
//! 15 minutes). A counter with no failure for `forget_after_seconds` (a
//! day) starts again from zero: delays expire with time. At
//! `lock_after_failures` consecutive failures (100, and never more than
//! [`MAX_LOCK_AFTER_FAILURES`], NIST SP 800-63B-4 §3.2.2) the counter locks
//! for `lock_seconds` (a day), then starts again; a password reset
//! ([`FailureCounter::record_recovery`]) lifts the lock at once.
//!
//! A try is allowed only when every counter consulted allows it
//! ([`check_login`], [`Decision::and`]); a refused try is not checked against
//! the password and is not counted. Client addresses use the same delays
//! with more free failures (`address_free_failures`, 20: a household or an
//! office shares one address) and never lock
//! ([`ThrottlePolicy::for_address`]). The recovery path (forgot password,
//! forgot username) is always open, locked or not
//! ([`Decision::allows_password_reset`]): it proves control of the email or
//! phone on file, which is what a lock waits for.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::tariff::Problem;

/// The most consecutive failures any policy may allow before locking.
pub const MAX_LOCK_AFTER_FAILURES: u32 = 100;
/// The longest delay any policy may set (1 day).
pub const MAX_DELAY_LIMIT_SECONDS: u32 = 86_400;

/// A utility's throttling rules (`[login.throttle]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ThrottlePolicy {
    /// Failures allowed without delay (3).
    pub free_failures: u32,
    /// The first delay is twice this; each further failure doubles it (1).
    pub base_delay_seconds: u32,
    /// The longest delay: 1 to [`MAX_DELAY_LIMIT_SECONDS`] (900).
    pub max_delay_seconds: u32,
    /// Consecutive failures that lock the counter: 1 to
    /// [`MAX_LOCK_AFTER_FAILURES`] (100).
    pub lock_after_failures: u32,
    /// How long a lock lasts before the counter starts again: 60 to
    /// [`MAX_LOCK_SECONDS`] (86,400, a day). A password reset lifts it sooner.
    pub lock_seconds: u32,
    /// A counter whose last failure is this old starts again from zero: at
    /// least `max_delay_seconds`, at most [`MAX_FORGET_AFTER_SECONDS`]
    /// (86,400, a day).
    pub forget_after_seconds: u32,
    /// Failures allowed without delay from one client address (20); its
    /// delays then grow like a login's, and it never locks.
    pub address_free_failures: u32,
}

/// The longest lock any policy may set (7 days).
pub const MAX_LOCK_SECONDS: u32 = 7 * 86_400;
/// The longest memory of failures any policy may set (30 days).
pub const MAX_FORGET_AFTER_SECONDS: u32 = 30 * 86_400;

impl Default for ThrottlePolicy {
    fn default() -> Self {
        ThrottlePolicy {
            free_failures: 3,
            base_delay_seconds: 1,
            max_delay_seconds: 900,
            lock_after_failures: MAX_LOCK_AFTER_FAILURES,
            lock_seconds: 86_400,
            forget_after_seconds: 86_400,
            address_free_failures: 20,
        }
    }
}

impl ThrottlePolicy {
    /// Every problem with the policy, each with its field; empty when valid.
    pub fn problems(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        let mut add = |path: &str, message: String| {
            out.push(Problem {
                path: path.into(),
                message,
            })
        };
        if !(1..=MAX_LOCK_AFTER_FAILURES).contains(&self.lock_after_failures) {
            add(
                "lock_after_failures",
                format!(
                    "{} is out of range; an account must lock after at most \
                     {MAX_LOCK_AFTER_FAILURES} consecutive failures, so use 1 to \
                     {MAX_LOCK_AFTER_FAILURES}",
                    self.lock_after_failures
                ),
            );
        } else if self.free_failures >= self.lock_after_failures {
            add(
                "free_failures",
                format!(
                    "{} free failures leave no delayed tries before the lock at {}; use fewer \
                     than lock_after_failures",
                    self.free_failures, self.lock_after_failures
                ),
            );
        }
        if !(1..=MAX_DELAY_LIMIT_SECONDS).contains(&self.max_delay_seconds) {
            add(
                "max_delay_seconds",
                format!(
                    "{} seconds is out of range; the longest delay must be at least a second and \
                     at most a day, so use 1 to {MAX_DELAY_LIMIT_SECONDS}",
                    self.max_delay_seconds
                ),
            );
        }
        let max_ok = (1..=MAX_DELAY_LIMIT_SECONDS).contains(&self.max_delay_seconds);
        if !(60..=MAX_LOCK_SECONDS).contains(&self.lock_seconds) {
            add(
                "lock_seconds",
                format!(
                    "{} seconds is out of range; a lock must end by itself (or anyone who \
                     knows a username could lock its customer out for good), so use 60 to \
                     {MAX_LOCK_SECONDS}",
                    self.lock_seconds
                ),
            );
        }
        if self.forget_after_seconds > MAX_FORGET_AFTER_SECONDS
            || (max_ok && self.forget_after_seconds < self.max_delay_seconds)
        {
            add(
                "forget_after_seconds",
                format!(
                    "{} seconds is out of range; failures must be remembered at least as long \
                     as the longest delay ({}) and at most {MAX_FORGET_AFTER_SECONDS}",
                    self.forget_after_seconds, self.max_delay_seconds
                ),
            );
        }
        if self.base_delay_seconds == 0 {
            add(
                "base_delay_seconds",
                "0 seconds would never delay anyone; use at least 1".into(),
            );
        } else if max_ok && self.base_delay_seconds > self.max_delay_seconds {
            add(
                "base_delay_seconds",
                format!(
                    "{} seconds is more than max_delay_seconds ({}); delays grow from the base \
                     up to the cap, so use 1 to {}",
                    self.base_delay_seconds, self.max_delay_seconds, self.max_delay_seconds
                ),
            );
        }
        out
    }

    /// The policy of a client-address counter: `address_free_failures` free
    /// failures, the same delays, no lock.
    pub fn for_address(&self) -> ThrottlePolicy {
        ThrottlePolicy {
            free_failures: self.address_free_failures,
            lock_after_failures: u32::MAX,
            ..self.clone()
        }
    }

    /// Seconds to wait after the last of `failures` consecutive failures:
    /// 0 up to `free_failures`, then `base × 2^(failures − free_failures)`,
    /// never more than `max_delay_seconds`. Non-decreasing in `failures`.
    pub fn delay_seconds(&self, failures: u32) -> u32 {
        let Some(exponent) = failures.checked_sub(self.free_failures).filter(|e| *e > 0) else {
            return 0;
        };
        let cap = u64::from(self.max_delay_seconds);
        let delay = 1u64.checked_shl(exponent).map_or(cap, |f| {
            f.saturating_mul(u64::from(self.base_delay_seconds))
        });
        u32::try_from(delay.min(cap)).unwrap_or(self.max_delay_seconds)
    }
}

/// Whether a try may go ahead now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum Decision {
    /// Check the password.
    Allowed,
    /// Refuse without checking; try again at `until`.
    Delayed {
        /// The first instant a try is allowed.
        until: DateTime<Utc>,
    },
    /// Refuse without checking until `until` (or until the password is
    /// reset, which lifts the lock).
    Locked {
        /// When the lock ends by itself.
        until: DateTime<Utc>,
    },
}

impl Decision {
    /// True when the password may be checked.
    pub fn is_allowed(&self) -> bool {
        matches!(self, Decision::Allowed)
    }

    /// The stricter of two decisions: locked over delayed over allowed; of
    /// two delays or two locks, the later.
    pub fn and(self, other: Decision) -> Decision {
        match (self, other) {
            (Decision::Locked { until: a }, Decision::Locked { until: b }) => {
                Decision::Locked { until: a.max(b) }
            }
            (d @ Decision::Locked { .. }, _) | (_, d @ Decision::Locked { .. }) => d,
            (Decision::Delayed { until: a }, Decision::Delayed { until: b }) => {
                Decision::Delayed { until: a.max(b) }
            }
            (d @ Decision::Delayed { .. }, Decision::Allowed)
            | (Decision::Allowed, d @ Decision::Delayed { .. }) => d,
            (Decision::Allowed, Decision::Allowed) => Decision::Allowed,
        }
    }

    /// The first instant a try is allowed, when refused.
    pub fn until(&self) -> Option<DateTime<Utc>> {
        match self {
            Decision::Allowed => None,
            Decision::Delayed { until } | Decision::Locked { until } => Some(*until),
        }
    }

    /// Always true: whatever the decision, even [`Decision::Locked`], a
    /// password-reset (or forgot-username, or register-again) request is
    /// accepted. A lockout never blocks the recovery path.
    pub fn allows_password_reset(&self) -> bool {
        true
    }
}

/// Consecutive login failures of one login or one utility account.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FailureCounter {
    failures: u32,
    last_failure_at: Option<DateTime<Utc>>,
    locked_at: Option<DateTime<Utc>>,
}

impl FailureCounter {
    /// A counter with no failures.
    pub fn new() -> FailureCounter {
        FailureCounter::default()
    }

    /// Consecutive failures so far.
    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// When it locked, if it is locked.
    pub fn locked_at(&self) -> Option<DateTime<Utc>> {
        self.locked_at
    }

    /// The counter as it stands at `now`: an ended lock, or failures older
    /// than `forget_after_seconds`, are forgotten.
    fn current(&self, policy: &ThrottlePolicy, now: DateTime<Utc>) -> FailureCounter {
        let after = |at: DateTime<Utc>, seconds: u32| {
            at.checked_add_signed(chrono::Duration::seconds(i64::from(seconds)))
                .unwrap_or(DateTime::<Utc>::MAX_UTC)
        };
        let expired = match (self.locked_at, self.last_failure_at) {
            (Some(locked), _) => now >= after(locked, policy.lock_seconds),
            (None, Some(last)) => now >= after(last, policy.forget_after_seconds),
            (None, None) => true,
        };
        if expired {
            FailureCounter::default()
        } else {
            self.clone()
        }
    }

    /// Whether a try may go ahead at `now`.
    pub fn check(&self, policy: &ThrottlePolicy, now: DateTime<Utc>) -> Decision {
        let c = self.current(policy, now);
        if let Some(locked) = c.locked_at {
            let until = locked
                .checked_add_signed(chrono::Duration::seconds(i64::from(policy.lock_seconds)))
                .unwrap_or(DateTime::<Utc>::MAX_UTC);
            return Decision::Locked { until };
        }
        let delay = chrono::Duration::seconds(i64::from(policy.delay_seconds(c.failures)));
        match c.last_failure_at {
            Some(last) if delay > chrono::Duration::zero() => {
                let until = last
                    .checked_add_signed(delay)
                    .unwrap_or(DateTime::<Utc>::MAX_UTC);
                if now < until {
                    Decision::Delayed { until }
                } else {
                    Decision::Allowed
                }
            }
            _ => Decision::Allowed,
        }
    }

    /// Counts a failed try at `now` (locking at the limit) and returns the
    /// decision for the next try. Nothing changes while locked.
    pub fn record_failure(&mut self, policy: &ThrottlePolicy, now: DateTime<Utc>) -> Decision {
        *self = self.current(policy, now);
        if self.locked_at.is_none() {
            self.failures = self.failures.saturating_add(1);
            self.last_failure_at = Some(now);
            if self.failures >= policy.lock_after_failures {
                self.locked_at = Some(now);
            }
        }
        self.check(policy, now)
    }

    /// A successful sign-in (the password was right, which a lock lets
    /// through only from a remembered device): everything is forgotten.
    pub fn record_success(&mut self) {
        *self = FailureCounter::default();
    }

    /// A successful password reset (or a new temporary password used): the
    /// failures are forgotten and the lock lifted.
    pub fn record_recovery(&mut self) {
        *self = FailureCounter::default();
    }
}

/// Whether a login try may go ahead: both the login's and its utility
/// account's counters must allow it.
pub fn check_login(
    policy: &ThrottlePolicy,
    login: &FailureCounter,
    account: &FailureCounter,
    now: DateTime<Utc>,
) -> Decision {
    login.check(policy, now).and(account.check(policy, now))
}

/// Counts a failed login try on both counters and returns the decision for
/// the next try.
pub fn record_login_failure(
    policy: &ThrottlePolicy,
    login: &mut FailureCounter,
    account: &mut FailureCounter,
    now: DateTime<Utc>,
) -> Decision {
    let a = login.record_failure(policy, now);
    a.and(account.record_failure(policy, now))
}

/// A successful login: both counters forget their failures.
pub fn record_login_success(login: &mut FailureCounter, account: &mut FailureCounter) {
    login.record_success();
    account.record_success();
}

/// A successful password reset: both counters are cleared and unlocked.
pub fn record_password_reset(login: &mut FailureCounter, account: &mut FailureCounter) {
    login.record_recovery();
    account.record_recovery();
}

#[cfg(test)]
#[path = "throttle_tests.rs"]
mod tests;
