//! The records of an AutoPay cycle shared by several runner processes: the
//! cycle (utility and date) is walked in passes, each a list of batches
//! made once, each batch a range of account numbers that one runner
//! claims, works and marks done in one transaction; and the progress read
//! from that list (batches and accounts done, by which runner). A run joins
//! the latest pass while it has batches left (so a run after a crash
//! finishes what is undone and redoes nothing), and starts a new pass only
//! when the latest is finished (a run later that day, for what was
//! enrolled or billed since: every batch again, its drafts claimed before
//! found claimed).
//!
//! A store that can share a cycle says so ([`crate::store::Store::shares_autopay_cycles`])
//! and implements the [`crate::store::MoneyStore`] methods that plan, claim and finish
//! batches; the others (SQLite: one writer at a time; the in-memory and
//! key-value stores) keep their defaults, and the portal runs their cycle
//! as one runner walking keyset pages. Either way the draft claims (a
//! unique key per draft) stay the safety net: a batch done twice never
//! drafts twice.

use chrono::{DateTime, NaiveDate, Utc};

use super::{StorageError, StorageErrorKind};

/// One batch of a shared cycle: the active enrolments whose account number
/// is after `after` (from the first when `None`) and at most `last` (to the
/// end when `None`). The batches of a cycle cover every account number
/// between them, so an enrolment made after the list was made is still in
/// exactly one batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CycleBatch {
    /// The utility.
    pub utility: String,
    /// The cycle's date (what it drafts up to).
    pub date: NaiveDate,
    /// The pass of the cycle the batch belongs to, from 1.
    pub pass: u32,
    /// The batch's number in the pass, from 0, in account order.
    pub seq: u32,
    /// The last account number of the batch before (exclusive bound).
    pub after: Option<String>,
    /// The batch's last account number (inclusive bound); `None` for the
    /// cycle's last batch.
    pub last: Option<String>,
    /// How many active enrolments the range held when the list was made.
    pub planned: usize,
}

/// What a runner did with a batch, recorded with it when done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BatchCounts {
    /// Active enrolments the batch looked at.
    pub enrolments: usize,
    /// Drafts the batch executed.
    pub drafted: usize,
    /// Drafts due that had been executed before.
    pub already_drafted: usize,
    /// Accounts that could not be planned.
    pub failed: usize,
}

/// The pass of a cycle a run works, as made (or found) by
/// [`crate::store::MoneyStore::plan_autopay_cycle`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CyclePlan {
    /// The pass, from 1.
    pub pass: u32,
    /// Batches in the pass.
    pub batches: usize,
    /// Active enrolments when the list was made.
    pub accounts: usize,
    /// Enrolments per batch (the size the first runner asked for: every
    /// runner of the cycle works the same list).
    pub batch_size: usize,
    /// True when this call made the pass; false when it joined one that
    /// another runner (or an earlier, interrupted run) made.
    pub planned_now: bool,
}

/// What one runner has done in a shared cycle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunnerProgress {
    /// The runner's name (as it gave it; by default host and process id).
    pub runner: String,
    /// Batches it finished.
    pub batches: usize,
    /// Enrolments those batches looked at.
    pub enrolments: usize,
    /// Drafts it executed.
    pub drafted: usize,
    /// When it last finished a batch.
    pub last_done_at: DateTime<Utc>,
}

/// How far a shared cycle is: read from the list of batches of its
/// latest pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CycleProgress {
    /// The utility.
    pub utility: String,
    /// The cycle's date.
    pub date: NaiveDate,
    /// The latest pass (the passes before it are finished).
    pub pass: u32,
    /// When the pass's list of batches was made.
    pub planned_at: DateTime<Utc>,
    /// Enrolments per batch.
    pub batch_size: usize,
    /// Batches in the cycle.
    pub batches: usize,
    /// Batches done (committed with their drafts).
    pub batches_done: usize,
    /// Active enrolments when the list was made.
    pub accounts: usize,
    /// Enrolments the done batches looked at.
    pub accounts_done: usize,
    /// Drafts the done batches executed.
    pub drafted: usize,
    /// Drafts due that the done batches found executed before.
    pub already_drafted: usize,
    /// Accounts the done batches could not plan.
    pub failed: usize,
    /// Each runner that finished a batch, by name.
    pub runners: Vec<RunnerProgress>,
}

impl CycleProgress {
    /// True when every batch is done.
    pub fn finished(&self) -> bool {
        self.batches_done >= self.batches
    }
}

/// The refusal of a store that cannot share a cycle, for the defaults of
/// the sharing methods (the portal never calls them on such a store).
pub fn not_shared(what: &str) -> StorageError {
    StorageError::new(
        StorageErrorKind::Backend,
        format!(
            "{what} failed: this store does not share AutoPay cycles between runners \
             (one runner walks the cycle); use a store that does, such as PostgreSQL"
        ),
    )
}
