//! The AutoPay cycle shared by runners, on PostgreSQL: planning a cycle's
//! list of batches once, claiming the next batch with `FOR UPDATE SKIP
//! LOCKED`, listing (and locking) a batch's active enrolments, marking a
//! batch done, and reading the cycle's progress, over the tables of
//! migration 2 (`autopay_cycles`, `autopay_cycle_batches`). The
//! [`MoneyStore`](ratepayer_portal::store::MoneyStore) methods call these.

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use postgres::Row;
use ratepayer_portal::store::{
    BatchCounts, CycleBatch, CyclePlan, CycleProgress, RunnerProgress, StorageError,
    StorageErrorKind, StoreResult,
};

use super::{text_at, PgTx};

/// An instant as the cycle tables keep it: RFC 3339 in UTC with
/// nanoseconds, so that text order is time order.
fn stamp(at: &DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Nanos, true)
}

/// A count as stored (refused above `i64::MAX`, which no store reaches).
fn stored_count(what: &str, n: usize) -> StoreResult<i64> {
    i64::try_from(n).map_err(|_| {
        StorageError::new(
            StorageErrorKind::Backend,
            format!("{what} failed: the count {n} is too large to store"),
        )
    })
}

/// A stored count read back.
fn count_at(what: &str, row: &Row, i: usize) -> StoreResult<usize> {
    let n: Option<i64> = row.try_get(i).map_err(|e| corrupt(what, &e))?;
    usize::try_from(n.unwrap_or(0)).map_err(|_| {
        StorageError::new(
            StorageErrorKind::Corrupt,
            format!("{what} failed: a stored count is negative"),
        )
    })
}

/// A stored instant read back.
fn instant_at(what: &str, row: &Row, i: usize) -> StoreResult<DateTime<Utc>> {
    let text = text_at(what, row, i)?;
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| {
            StorageError::new(
                StorageErrorKind::Corrupt,
                format!("{what} failed: the stored instant `{text}` cannot be read: {e}"),
            )
        })
}

fn corrupt(what: &str, e: &postgres::Error) -> StorageError {
    StorageError::new(
        StorageErrorKind::Corrupt,
        format!("{what} failed: a stored column could not be read: {e}"),
    )
}

/// A pass number as the port gives it.
fn stored_pass(what: &str, pass: i64) -> StoreResult<u32> {
    u32::try_from(pass).map_err(|_| {
        StorageError::new(
            StorageErrorKind::Corrupt,
            format!("{what} failed: the stored pass number {pass} is out of range"),
        )
    })
}

/// Refuses a batch size of 0.
fn check_batch_size(batch_size: usize) -> StoreResult<i64> {
    if batch_size == 0 {
        return Err(StorageError::new(
            StorageErrorKind::Backend,
            "planning a shared AutoPay cycle failed: the batch size is 0; give at least 1",
        ));
    }
    stored_count("planning a shared AutoPay cycle", batch_size)
}

impl PgTx<'_> {
    /// Fails unless this is a transaction from `Store::begin_cycle_batch`.
    fn in_cycle_batch(&self, what: &str) -> StoreResult<()> {
        if self.cycle_batch {
            return Ok(());
        }
        Err(StorageError::new(
            StorageErrorKind::Backend,
            format!(
                "{what} failed: a shared AutoPay cycle is planned and worked in transactions \
                 from `Store::begin_cycle_batch`, not this one"
            ),
        ))
    }

    /// See [`MoneyStore::plan_autopay_cycle`](ratepayer_portal::store::MoneyStore::plan_autopay_cycle).
    pub(super) fn plan_cycle(
        &mut self,
        utility: &str,
        date: NaiveDate,
        batch_size: usize,
        at: DateTime<Utc>,
    ) -> StoreResult<CyclePlan> {
        let what = "planning a shared AutoPay cycle";
        self.in_cycle_batch(what)?;
        let size = check_batch_size(batch_size)?;
        let day = date.to_string();
        // The latest pass, and whether it has batches left.
        let latest = self.query(
            what,
            "SELECT c.pass, EXISTS (SELECT 1 FROM autopay_cycle_batches b
                                   WHERE b.utility = c.utility AND b.cycle_date = c.cycle_date
                                     AND b.pass = c.pass AND b.done_at IS NULL)
             FROM autopay_cycles c WHERE c.utility = $1 AND c.cycle_date = $2
             ORDER BY c.pass DESC LIMIT 1",
            &[&utility, &day],
        )?;
        let (pass, join) = match latest.first() {
            None => (1, false),
            Some(row) => {
                let pass: i64 = row.try_get(0).map_err(|e| corrupt(what, &e))?;
                let left: bool = row.try_get(1).map_err(|e| corrupt(what, &e))?;
                if left {
                    (pass, true)
                } else {
                    (pass + 1, false)
                }
            }
        };
        // Whoever inserts the pass's row makes its list; another runner at
        // the same time waits on the key for that commit, then joins it.
        let inserted = if join {
            0
        } else {
            self.exec(
                what,
                "INSERT INTO autopay_cycles (utility, cycle_date, pass, batch_size, batches,
                                             accounts, planned_at)
                 VALUES ($1, $2, $3, $4, 0, 0, $5)
                 ON CONFLICT (utility, cycle_date, pass) DO NOTHING",
                &[&utility, &day, &pass, &size, &stamp(&at)],
            )?
        };
        if inserted > 0 {
            // Every active enrolment in account order, numbered and cut
            // every `size`; each batch runs from the last account of the
            // one before (exclusive) to its own last, the last batch to
            // the end.
            self.exec(
                what,
                "INSERT INTO autopay_cycle_batches
                     (utility, cycle_date, pass, seq, after_account, last_account, planned)
                 SELECT $1, $2, $3, seq, lag(last) OVER (ORDER BY seq),
                        CASE WHEN seq = max(seq) OVER () THEN NULL ELSE last END, n
                 FROM (SELECT seq, max(account) AS last, count(*) AS n
                       FROM (SELECT account,
                                    (row_number() OVER (ORDER BY account) - 1) / $4 AS seq
                             FROM enrolments
                             WHERE utility = $1 AND status = 'active') numbered
                       GROUP BY seq) batches",
                &[&utility, &day, &pass, &size],
            )?;
            self.exec(
                what,
                "UPDATE autopay_cycles
                 SET batches = b.batches, accounts = b.accounts
                 FROM (SELECT count(*) AS batches, coalesce(sum(planned), 0)::bigint AS accounts
                       FROM autopay_cycle_batches
                       WHERE utility = $1 AND cycle_date = $2 AND pass = $3) b
                 WHERE utility = $1 AND cycle_date = $2 AND pass = $3",
                &[&utility, &day, &pass],
            )?;
        }
        let rows = self.query(
            what,
            "SELECT batch_size, batches, accounts FROM autopay_cycles
             WHERE utility = $1 AND cycle_date = $2 AND pass = $3",
            &[&utility, &day, &pass],
        )?;
        let row = rows.first().ok_or_else(|| {
            StorageError::new(
                StorageErrorKind::Backend,
                format!("{what} failed: the pass's record is missing after it was made"),
            )
        })?;
        Ok(CyclePlan {
            pass: stored_pass(what, pass)?,
            batch_size: count_at(what, row, 0)?,
            batches: count_at(what, row, 1)?,
            accounts: count_at(what, row, 2)?,
            planned_now: inserted > 0,
        })
    }

    /// See [`MoneyStore::claim_cycle_batch`](ratepayer_portal::store::MoneyStore::claim_cycle_batch).
    pub(super) fn claim_batch(
        &mut self,
        utility: &str,
        date: NaiveDate,
        pass: u32,
    ) -> StoreResult<Option<CycleBatch>> {
        let what = "claiming a batch of a shared AutoPay cycle";
        self.in_cycle_batch(what)?;
        let day = date.to_string();
        let pass_key = i64::from(pass);
        // The first batch not done that no other transaction holds.
        let mut rows = self.query(
            what,
            "SELECT seq, after_account, last_account, planned FROM autopay_cycle_batches
             WHERE utility = $1 AND cycle_date = $2 AND pass = $3 AND done_at IS NULL
             ORDER BY seq LIMIT 1
             FOR UPDATE SKIP LOCKED",
            &[&utility, &day, &pass_key],
        )?;
        if rows.is_empty() {
            // Every batch left is held by another runner: wait for the
            // first (the lock timeout at most). When its holder commits it
            // is done, and the next one is waited for; when its holder
            // dies, its lock goes with its connection and the batch is
            // ours. None left: the cycle is done.
            rows = self.query(
                what,
                "SELECT seq, after_account, last_account, planned FROM autopay_cycle_batches
                 WHERE utility = $1 AND cycle_date = $2 AND pass = $3 AND done_at IS NULL
                 ORDER BY seq LIMIT 1
                 FOR UPDATE",
                &[&utility, &day, &pass_key],
            )?;
        }
        let Some(row) = rows.first() else {
            return Ok(None);
        };
        let seq: i64 = row.try_get(0).map_err(|e| corrupt(what, &e))?;
        Ok(Some(CycleBatch {
            utility: utility.to_owned(),
            date,
            pass,
            seq: u32::try_from(seq).map_err(|_| {
                StorageError::new(
                    StorageErrorKind::Corrupt,
                    format!("{what} failed: the stored batch number {seq} is out of range"),
                )
            })?,
            after: row.try_get(1).map_err(|e| corrupt(what, &e))?,
            last: row.try_get(2).map_err(|e| corrupt(what, &e))?,
            planned: count_at(what, row, 3)?,
        }))
    }

    /// See [`MoneyStore::active_enrolment_accounts_in`](ratepayer_portal::store::MoneyStore::active_enrolment_accounts_in):
    /// in a batch's transaction, the enrolments listed are locked.
    pub(super) fn enrolments_in(
        &mut self,
        utility: &str,
        after: Option<&str>,
        last: Option<&str>,
    ) -> StoreResult<Vec<String>> {
        let what = "listing the accounts of the active AutoPay enrolments of a batch";
        let after = after.unwrap_or("");
        let rows = match (last, self.cycle_batch) {
            (Some(last), true) => self.query(
                what,
                "SELECT account FROM enrolments WHERE utility = $1 AND status = 'active'
                 AND account > $2 AND account <= $3 ORDER BY account
                 FOR NO KEY UPDATE",
                &[&utility, &after, &last],
            )?,
            (None, true) => self.query(
                what,
                "SELECT account FROM enrolments WHERE utility = $1 AND status = 'active'
                 AND account > $2 ORDER BY account
                 FOR NO KEY UPDATE",
                &[&utility, &after],
            )?,
            (Some(last), false) => self.query(
                what,
                "SELECT account FROM enrolments WHERE utility = $1 AND status = 'active'
                 AND account > $2 AND account <= $3 ORDER BY account",
                &[&utility, &after, &last],
            )?,
            (None, false) => self.query(
                what,
                "SELECT account FROM enrolments WHERE utility = $1 AND status = 'active'
                 AND account > $2 ORDER BY account",
                &[&utility, &after],
            )?,
        };
        let accounts = rows
            .iter()
            .map(|row| Ok(text_at(what, row, 0)?.to_owned()))
            .collect::<StoreResult<Vec<String>>>()?;
        // From here the batch's draft claims, payments, charges, audit
        // events and messages are held back and sent together.
        if self.cycle_batch {
            self.hold_back_for(utility, after, last)?;
        }
        Ok(accounts)
    }

    /// See [`MoneyStore::finish_cycle_batch`](ratepayer_portal::store::MoneyStore::finish_cycle_batch).
    pub(super) fn finish_batch(
        &mut self,
        batch: &CycleBatch,
        runner: &str,
        counts: &BatchCounts,
        at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let what = "marking a batch of a shared AutoPay cycle done";
        self.in_cycle_batch(what)?;
        let changed = self.exec(
            what,
            "UPDATE autopay_cycle_batches
             SET done_by = $4, done_at = $5, enrolments = $6, drafted = $7,
                 already_drafted = $8, failed = $9
             WHERE utility = $1 AND cycle_date = $2 AND pass = $10 AND seq = $3
               AND done_at IS NULL",
            &[
                &batch.utility.as_str(),
                &batch.date.to_string(),
                &i64::from(batch.seq),
                &runner,
                &stamp(&at),
                &stored_count(what, counts.enrolments)?,
                &stored_count(what, counts.drafted)?,
                &stored_count(what, counts.already_drafted)?,
                &stored_count(what, counts.failed)?,
                &i64::from(batch.pass),
            ],
        )?;
        Ok(changed > 0)
    }

    /// See [`MoneyStore::autopay_cycle_progress`](ratepayer_portal::store::MoneyStore::autopay_cycle_progress).
    pub(super) fn cycle_progress(
        &mut self,
        utility: &str,
        date: NaiveDate,
    ) -> StoreResult<Option<CycleProgress>> {
        let what = "reading the progress of a shared AutoPay cycle";
        let day = date.to_string();
        let cycle = self.query(
            what,
            "SELECT batch_size, batches, accounts, planned_at, pass FROM autopay_cycles
             WHERE utility = $1 AND cycle_date = $2 ORDER BY pass DESC LIMIT 1",
            &[&utility, &day],
        )?;
        let Some(cycle) = cycle.first() else {
            return Ok(None);
        };
        let pass: i64 = cycle.try_get(4).map_err(|e| corrupt(what, &e))?;
        let mut progress = CycleProgress {
            utility: utility.to_owned(),
            date,
            pass: stored_pass(what, pass)?,
            batch_size: count_at(what, cycle, 0)?,
            batches: count_at(what, cycle, 1)?,
            accounts: count_at(what, cycle, 2)?,
            planned_at: instant_at(what, cycle, 3)?,
            batches_done: 0,
            accounts_done: 0,
            drafted: 0,
            already_drafted: 0,
            failed: 0,
            runners: Vec::new(),
        };
        let rows = self.query(
            what,
            "SELECT done_by, count(*), sum(enrolments)::bigint, sum(drafted)::bigint,
                    sum(already_drafted)::bigint, sum(failed)::bigint, max(done_at)
             FROM autopay_cycle_batches
             WHERE utility = $1 AND cycle_date = $2 AND pass = $3 AND done_at IS NOT NULL
             GROUP BY done_by ORDER BY done_by",
            &[&utility, &day, &pass],
        )?;
        for row in &rows {
            let runner = RunnerProgress {
                runner: text_at(what, row, 0)?.to_owned(),
                batches: count_at(what, row, 1)?,
                enrolments: count_at(what, row, 2)?,
                drafted: count_at(what, row, 3)?,
                last_done_at: instant_at(what, row, 6)?,
            };
            progress.batches_done += runner.batches;
            progress.accounts_done += runner.enrolments;
            progress.drafted += runner.drafted;
            progress.already_drafted += count_at(what, row, 4)?;
            progress.failed += count_at(what, row, 5)?;
            progress.runners.push(runner);
        }
        Ok(Some(progress))
    }
}
