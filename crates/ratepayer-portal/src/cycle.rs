//! The AutoPay cycle for a date: it plans every enrolled account's unpaid
//! bills and executes each draft due by that date exactly once.
//!
//! On a store that shares cycles between runners (PostgreSQL) a pass of the
//! cycle is a list of batches (ranges of account numbers, 1,000 enrolments
//! each by default) made once per utility and date by the first runner;
//! each runner process then claims the next batch no one holds, works it
//! and marks it done (by whom, with its counts) in the batch's one
//! transaction, so each batch is done by one runner, a runner that dies
//! leaves its batch to the others, a run after a crash does only what is
//! left, and [`Portal::autopay_cycle_progress`] shows how far it is. A run
//! once a pass is finished makes a new pass (for what was enrolled or
//! billed since), in which every draft made before is found claimed. On the other
//! stores one runner walks the cycle: the
//! enrolments are listed in keyset pages of one batch each (account order;
//! never all at once), each page handled in one transaction. Inside its
//! transaction a batch reads every enrolment and account again, so a cancellation, a change of method or a closed account
//! committed while the cycle runs is honoured (a closed account's
//! enrolment is ended there and then). A draft's idempotency key (utility,
//! account, bill, attempt) is claimed in the same transaction that records
//! it, so a second run, a second process or a restart after a crash never
//! drafts a bill twice. Each draft is recorded pending, for
//! [`Portal::submit_pending`] to hand to the processor; a bill whose last
//! draft was returned or declined is presented again when the retry rules
//! allow it (`retries`), as a new attempt with its own key.
//!
//! The plan's notices that are due by the cycle's date (bill ready,
//! Regulation E advance notice, the reminder before a draft, card expiry,
//! a bill above the customer's maximum to pay by hand, AutoPay suspended)
//! and a receipt for each draft are written to the outbox in the batch's
//! transaction, each under a dedupe key naming the utility, the account
//! and the bill (or the draft's key), so a re-run, a second runner or a
//! restart writes none twice (`cycle_notices`). The cycle does not
//! deliver them: run [`Portal::deliver_outbox`] after it.

use chrono::{DateTime, NaiveDate, Utc};

use super::cycle_notices::Recipient;
use super::{Portal, PortalError};
use crate::store::{
    AuditKind, BatchCounts, ChargeRow, CycleProgress, DraftRow, EnrolmentRow, EnrolmentStatus,
    PaymentRow, PaymentSource, PaymentStatus, Settlement, StorageError, StorageErrorKind, Tx,
};
use ratepayer::autopay::{
    self as rules, AutopayCustomer, BillDates, DraftInstruction, DraftRule, NoticeKind, PlannedBill,
};
use ratepayer::calendar::Calendar;
use ratepayer::fees::FeeSchedule;
use ratepayer::payment::{
    allocate, AccountDue, AccountStatus, AllocationPolicy, ChargeKind, PaymentTarget,
};
use ratepayer::Money;

/// What one AutoPay cycle did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CycleReport {
    /// Active enrolments looked at.
    pub enrolments: usize,
    /// Drafts executed by this run.
    pub drafted: usize,
    /// Drafts due that an earlier run (or another process) had executed.
    pub already_drafted: usize,
    /// Bills left to pay by hand (above the customer's maximum).
    pub pay_by_hand: usize,
    /// Accounts whose AutoPay is suspended (an expired card).
    pub suspended: usize,
    /// The sum charged by this run's drafts (amounts and fees).
    pub charged: Option<Money>,
    /// Accounts that could not be planned, with the reason.
    pub failures: Vec<(String, String)>,
    /// Enrolments listed at the start that were cancelled (or removed)
    /// before their batch ran: not drafted.
    pub cancelled_during_run: usize,
    /// Enrolments whose account is closed: ended by this run, not drafted
    /// (a closed account's balance is paid through customer service).
    pub closed_accounts: usize,
    /// The drafts this run executed, in the order executed, so the
    /// application can find and send them (each is pending until
    /// [`Portal::submit_pending`] hands it to the processor).
    pub drafts: Vec<DraftRow>,
    /// Of `drafted`, the re-presentments of returned or declined drafts
    /// (a new attempt with its own key).
    pub representments: usize,
    /// Messages this run wrote to the outbox (due notices and draft
    /// receipts; none written before): deliver them with
    /// [`Portal::deliver_outbox`].
    pub notices_queued: usize,
    /// On a store that shares the cycle between runners, the batches this
    /// run claimed and finished (the others did the rest; see
    /// [`Portal::autopay_cycle_progress`]); 0 on a store that does not.
    pub batches: usize,
}

impl CycleReport {
    /// Adds a committed batch's report to the run's.
    fn absorb(&mut self, part: CycleReport) -> Result<(), PortalError> {
        self.drafted += part.drafted;
        self.already_drafted += part.already_drafted;
        self.pay_by_hand += part.pay_by_hand;
        self.suspended += part.suspended;
        self.cancelled_during_run += part.cancelled_during_run;
        self.closed_accounts += part.closed_accounts;
        self.representments += part.representments;
        self.notices_queued += part.notices_queued;
        self.charged = match (self.charged, part.charged) {
            (Some(a), Some(b)) => Some(a.checked_add(&b)?),
            (a, b) => a.or(b),
        };
        self.failures.extend(part.failures);
        self.drafts.extend(part.drafts);
        Ok(())
    }
}

/// Enrolments per transaction in the cycle, unless the portal sets another
/// number ([`Portal::with_autopay_batch`]). Each batch rewrites the pages
/// of the indexes keyed by draft key (random UUIDs) that its drafts land
/// in, so fewer, larger batches write far less: over 100,000 accounts,
/// 10,000 per batch wrote about a third of the WAL frames of 2,000 per
/// batch, and a batch holds the write lock for well under a second.
pub(super) const DEFAULT_BATCH: usize = 10_000;

/// Enrolments per batch of a cycle shared by runners, unless the portal
/// sets another number. Each batch is one transaction that holds its
/// accounts' enrolment and charge rows while it runs (a customer's payment
/// on one of them waits for it), and a runner that dies loses one batch,
/// which another runner then redoes: 1,000 accounts keep both well under a
/// second, while the per-batch cost (the claim, the listing of its
/// accounts, marking it done, the commit) stays small against the
/// accounts' own work; 1,000,000 accounts make 1,000 batches, enough for
/// runners to finish within about one batch of each other.
pub(super) const SHARED_BATCH: usize = 1_000;

/// How many times a batch that found the database busy (past the store's
/// busy timeout) is tried again before the cycle gives up.
const BUSY_RETRIES: u32 = 5;

/// The longest runner name a shared cycle records, in bytes.
const MAX_RUNNER_NAME: usize = 100;

/// Refuses a runner name that is empty, longer than [`MAX_RUNNER_NAME`]
/// bytes or holds a control character.
pub(super) fn check_runner_name(name: &str) -> Result<(), PortalError> {
    let problem = if name.trim().is_empty() {
        Some("is empty")
    } else if name.len() > MAX_RUNNER_NAME {
        Some("is longer than 100 bytes")
    } else if name.chars().any(char::is_control) {
        Some("holds a control character")
    } else {
        None
    };
    match problem {
        Some(problem) => Err(PortalError::Invalid {
            field: "runner",
            message: format!(
                "the AutoPay runner name {problem}; give a short printable name such as \
                 host-1:worker-2"
            ),
        }),
        None => Ok(()),
    }
}

struct CycleContext<'a> {
    policy: &'a rules::AutopayPolicy,
    calendar: Calendar,
    fees: &'a FeeSchedule,
    allocation: AllocationPolicy,
    as_of: NaiveDate,
    now: DateTime<Utc>,
}

impl Portal {
    /// Runs the AutoPay cycle for `as_of`: every draft due on or before that
    /// day (on the utility's draft calendar) that no run executed yet is
    /// executed now, as a payment on its bill, exactly once. Safe to run
    /// again, from several processes at once, or after a crash. On a store
    /// that shares cycles ([`crate::store::Store::shares_autopay_cycles`], PostgreSQL)
    /// the processes running it share the work batch by batch, and a run
    /// after a crash does only the batches left undone.
    pub fn run_autopay_cycle(
        &self,
        as_of: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<CycleReport, PortalError> {
        self.run_autopay_cycle_observed(as_of, now, &mut |_| {})
    }

    /// [`Portal::run_autopay_cycle`], calling `on_batch` with the report so
    /// far after each batch has committed (for progress reporting).
    pub fn run_autopay_cycle_observed(
        &self,
        as_of: NaiveDate,
        now: DateTime<Utc>,
        on_batch: &mut dyn FnMut(&CycleReport),
    ) -> Result<CycleReport, PortalError> {
        let Some(policy) = self.profile.autopay() else {
            return Ok(CycleReport::default());
        };
        let ctx = CycleContext {
            policy,
            calendar: self
                .profile
                .draft_calendar()
                .map_err(rules::AutopayError::from)?,
            fees: self.profile.fee_schedule()?,
            allocation: self.profile.spec().payments.allocation,
            as_of,
            now,
        };
        if self.store.shares_autopay_cycles() {
            return self.run_shared_cycle(&ctx, on_batch);
        }
        let batch_size = self.autopay_batch.unwrap_or(DEFAULT_BATCH);
        let mut report = CycleReport::default();
        // Keyset pages: the next page is listed (a short transaction of its
        // own) when the batch before it has committed.
        let mut page = self.enrolment_page(None, batch_size)?;
        while !page.is_empty() {
            report.enrolments += page.len();
            // The batch's changes land in `report` only once it commits: a
            // failed batch reports nothing it did not do. A batch that could
            // not get the write lock (another runner held it past the busy
            // timeout) is tried again: it is idempotent, its claims say what
            // another runner did meanwhile.
            let mut tries = 0;
            let part = loop {
                let mut part = CycleReport::default();
                let done = self.transact(|tx| self.cycle_batch(tx, &page, &ctx, &mut part));
                match done {
                    Ok(()) => break part,
                    Err(PortalError::Storage(e))
                        if e.kind == StorageErrorKind::Busy && tries < BUSY_RETRIES =>
                    {
                        tries += 1;
                    }
                    Err(e) => return Err(e),
                }
            };
            report.absorb(part)?;
            // The next page is listed before the observer hears of this
            // batch: what it changes meanwhile is what a batch re-reads.
            let next = match page.last() {
                Some(last) if page.len() >= batch_size => {
                    self.enrolment_page(Some(last), batch_size)?
                }
                _ => Vec::new(),
            };
            on_batch(&report);
            page = next;
        }
        Ok(report)
    }

    /// The cycle on a store that shares it between runners: the run joins
    /// the cycle's latest pass while it has batches left, else makes a new
    /// pass (its list of batches made once, by whichever runner comes
    /// first); then each batch is claimed, worked and marked done in one
    /// transaction of its own, until none is left. A batch whose transaction fails busy
    /// is claimed again (by this runner or another); one that another
    /// runner holds is skipped, and waited for only when nothing else is
    /// left, so a runner that dies leaves its batch to the others.
    fn run_shared_cycle(
        &self,
        ctx: &CycleContext<'_>,
        on_batch: &mut dyn FnMut(&CycleReport),
    ) -> Result<CycleReport, PortalError> {
        let runner = self.cycle_runner_name();
        let batch_size = self.autopay_batch.unwrap_or(SHARED_BATCH);
        let utility = self.utility();
        let plan = self.busy_retried(|| {
            self.transact_cycle_batch(|tx| {
                Ok(tx.plan_autopay_cycle(utility, ctx.as_of, batch_size, ctx.now)?)
            })
        })?;
        let mut report = CycleReport::default();
        loop {
            let done = self.busy_retried(|| {
                let mut part = CycleReport::default();
                let batch = self.transact_cycle_batch(|tx| {
                    let Some(batch) = tx.claim_cycle_batch(utility, ctx.as_of, plan.pass)? else {
                        return Ok(None);
                    };
                    let accounts = tx.active_enrolment_accounts_in(
                        utility,
                        batch.after.as_deref(),
                        batch.last.as_deref(),
                    )?;
                    self.cycle_batch(tx, &accounts, ctx, &mut part)?;
                    part.enrolments = accounts.len();
                    let counts = BatchCounts {
                        enrolments: part.enrolments,
                        drafted: part.drafted,
                        already_drafted: part.already_drafted,
                        failed: part.failures.len(),
                    };
                    tx.finish_cycle_batch(&batch, &runner, &counts, ctx.now)?;
                    Ok(Some(batch))
                })?;
                Ok(batch.map(|_| part))
            })?;
            let Some(part) = done else {
                return Ok(report);
            };
            report.batches += 1;
            report.enrolments += part.enrolments;
            report.absorb(part)?;
            on_batch(&report);
        }
    }

    /// Runs `f` again while it fails busy (another runner held what it
    /// needed past the store's busy timeout), [`BUSY_RETRIES`] times at most.
    fn busy_retried<R>(
        &self,
        mut f: impl FnMut() -> Result<R, PortalError>,
    ) -> Result<R, PortalError> {
        let mut tries = 0;
        loop {
            match f() {
                Err(PortalError::Storage(e))
                    if e.kind == StorageErrorKind::Busy && tries < BUSY_RETRIES =>
                {
                    tries += 1;
                }
                other => return other,
            }
        }
    }

    /// Runs `f` in one transaction of a shared cycle's batch
    /// ([`crate::store::Store::begin_cycle_batch`]) and commits it.
    fn transact_cycle_batch<R>(
        &self,
        f: impl FnOnce(&mut dyn Tx) -> Result<R, PortalError>,
    ) -> Result<R, PortalError> {
        let mut tx = self.store.begin_cycle_batch()?;
        let out = f(tx.as_mut())?;
        tx.commit()?;
        Ok(out)
    }

    /// The name of this process as a runner of a shared cycle: the one the
    /// application gave ([`Portal::with_cycle_runner`]), else the host
    /// name and the process id.
    fn cycle_runner_name(&self) -> String {
        if let Some(name) = &self.cycle_runner {
            return name.clone();
        }
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .ok()
            .or_else(|| std::env::var("HOSTNAME").ok())
            .map(|h| h.trim().to_owned())
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| "runner".to_owned());
        format!("{host}:{}", std::process::id())
    }

    /// How far the shared AutoPay cycle for `date` is: batches and
    /// accounts done, by which runner ([`CycleProgress`]), read without the
    /// write lock; `None` when no runner has started it. Refused on a store
    /// that does not share cycles (its cycle is one runner's walk, which
    /// keeps no progress of its own).
    pub fn autopay_cycle_progress(
        &self,
        date: NaiveDate,
    ) -> Result<Option<CycleProgress>, PortalError> {
        if !self.store.shares_autopay_cycles() {
            return Err(PortalError::Config(
                "this store does not share AutoPay cycles between runners, so it keeps no \
                 cycle progress: one runner walks the cycle (its report says what it did); \
                 shared cycles and their progress are kept on PostgreSQL"
                    .into(),
            ));
        }
        self.read(|tx| Ok(tx.autopay_cycle_progress(self.utility(), date)?))
    }

    /// Works one batch of enrolments (`accounts`, in account order) inside
    /// `tx`: each enrolment, account status and charges read again in one
    /// pass, then each account planned and its due drafts executed. What it
    /// did goes into `part`; a storage failure fails the batch.
    fn cycle_batch(
        &self,
        tx: &mut dyn Tx,
        accounts: &[String],
        ctx: &CycleContext<'_>,
        part: &mut CycleReport,
    ) -> Result<(), PortalError> {
        // The batch's enrolments, account statuses and charges as they are
        // now, each read in one pass (the batch is in account order).
        let accounts: Vec<&str> = accounts.iter().map(String::as_str).collect();
        let enrolments = tx.enrolments_of(self.utility(), &accounts)?;
        let statuses = tx.account_statuses(self.utility(), &accounts)?;
        let charges = tx.charges_of(self.utility(), &accounts)?;
        if enrolments.len() != accounts.len()
            || statuses.len() != accounts.len()
            || charges.len() != accounts.len()
        {
            return Err(StorageError::new(
                StorageErrorKind::Backend,
                "the store answered a batch read with a different number of accounts",
            )
            .into());
        }
        let now = enrolments.into_iter().zip(statuses).zip(charges);
        for (account, ((enrolment, status), charges)) in accounts.iter().zip(now) {
            let Some(e) = self.still_enrolled(tx, account, enrolment, status, ctx, part)? else {
                continue;
            };
            if let Err(err) = self.cycle_account(tx, &e, charges, ctx, part) {
                match err {
                    PortalError::Storage(_) => return Err(err),
                    other => part.failures.push((e.account.clone(), other.to_string())),
                }
            }
        }
        Ok(())
    }

    /// The next keyset page of active enrolments (at most `limit` accounts
    /// after `after`), retried while the store is busy.
    fn enrolment_page(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<String>, PortalError> {
        self.busy_retried(|| {
            self.transact(|tx| {
                Ok(tx.active_enrolment_accounts_page(self.utility(), after, limit)?)
            })
        })
    }

    /// The account's enrolment as it is now, inside the batch's
    /// transaction: `None` when it was cancelled since the cycle listed it,
    /// or when its account is closed (then the enrolment is ended here, with
    /// an audit event).
    fn still_enrolled(
        &self,
        tx: &mut dyn Tx,
        account: &str,
        enrolment: Option<EnrolmentRow>,
        status: Option<AccountStatus>,
        ctx: &CycleContext<'_>,
        report: &mut CycleReport,
    ) -> Result<Option<EnrolmentRow>, PortalError> {
        let e = match enrolment {
            Some(e) if e.status == EnrolmentStatus::Active => e,
            _ => {
                report.cancelled_during_run += 1;
                return Ok(None);
            }
        };
        if status != Some(AccountStatus::Active) {
            self.cancel_enrolment(tx, account, ctx.now)?;
            tx.append_audit(&self.event(
                AuditKind::AutopayCancelled,
                ctx.now,
                Some(&e.login),
                Some(account),
                "ended by the AutoPay cycle: the account is closed",
            ))?;
            report.closed_accounts += 1;
            return Ok(None);
        }
        Ok(Some(e))
    }

    /// Plans and drafts one enrolled account, `charges` being its charges
    /// as read in the batch's transaction (only this account's own drafts
    /// change them).
    fn cycle_account(
        &self,
        tx: &mut dyn Tx,
        e: &EnrolmentRow,
        charges: Vec<ChargeRow>,
        ctx: &CycleContext<'_>,
        report: &mut CycleReport,
    ) -> Result<(), PortalError> {
        let open: Vec<_> = charges
            .into_iter()
            .filter(|c| {
                c.charge.kind == ChargeKind::Balance
                    && c.charge.amount.amount() > rust_decimal::Decimal::ZERO
            })
            .filter(|c| {
                e.skip_due_on_or_before
                    .is_none_or(|d| c.charge.due_date > d)
            })
            .filter(|c| c.charge.bill_date <= ctx.as_of)
            .collect();
        // With nothing open, only a card's expiry can need a notice.
        if open.is_empty() && !(e.method.is_card() && e.card_expiry.is_some()) {
            return Ok(());
        }
        let option = ctx.policy.option(&e.option)?;
        let printed = if matches!(option.draft, DraftRule::OnPrintedDate { .. }) {
            tx.bills(self.utility(), &e.account)?
        } else {
            Vec::new()
        };
        let bills: Vec<PlannedBill> = open
            .iter()
            .map(|c| PlannedBill {
                bill_id: c.charge.id.clone(),
                dates: BillDates {
                    bill_date: c.charge.bill_date,
                    due_date: c.charge.due_date,
                    printed_draft_date: printed
                        .iter()
                        .find(|b| b.bill_id == c.charge.id)
                        .and_then(|b| b.printed_draft_date),
                },
                statement: c.charge.amount,
                balance_at_draft: Some(c.charge.amount),
            })
            .collect();
        let customer = AutopayCustomer {
            utility: self.utility().to_owned(),
            account: e.account.clone(),
            method: e.method,
            maximum: e.maximum,
            amount_notices: e.amount_notices,
            card_expiry: e.card_expiry,
        };
        let plan = rules::plan(
            option,
            &ctx.policy.notices,
            &customer,
            &bills,
            &ctx.calendar,
            ctx.fees,
        )?;
        report.pay_by_hand += plan
            .notices
            .iter()
            .filter(|n| n.kind == NoticeKind::PayByHand && n.date <= ctx.as_of)
            .count();
        let mut to = Recipient::default();
        for n in plan.notices.iter().filter(|n| n.date <= ctx.as_of) {
            if self.queue_notice(tx, e, n, &mut to, ctx.now)? {
                report.notices_queued += 1;
            }
        }
        if plan.suspended_from.is_some_and(|d| d <= ctx.as_of) {
            report.suspended += 1;
        }
        for draft in plan.drafts.iter().filter(|d| d.date <= ctx.as_of) {
            let Some(charge) = open.iter().find(|c| c.charge.id == draft.bill_id) else {
                continue;
            };
            let mut done =
                self.execute(tx, e, draft, charge.charge.clone(), option.channel, ctx)?;
            let mut presented = draft.clone();
            if done.is_none() {
                // Drafted before: a re-presentment may be due, when that
                // attempt was returned or declined and the rules allow one.
                if let Some(again) =
                    self.representment(tx, draft, ctx.policy, &ctx.calendar, ctx.as_of)?
                {
                    done =
                        self.execute(tx, e, &again, charge.charge.clone(), option.channel, ctx)?;
                    if done.is_some() {
                        report.representments += 1;
                    }
                    presented = again;
                }
            }
            if let Some(row) = done {
                if self.queue_receipt(tx, e, &row, &presented, &mut to, ctx.now)? {
                    report.notices_queued += 1;
                }
                report.drafted += 1;
                report.charged = Some(match report.charged {
                    Some(sum) => sum.checked_add(&presented.total)?,
                    None => presented.total,
                });
                report.drafts.push(row);
            } else {
                report.already_drafted += 1;
            }
        }
        Ok(())
    }

    /// Claims the draft's key and, when this run is the first, records its
    /// payment on the bill and returns the draft. `None` when the key was
    /// claimed before.
    fn execute(
        &self,
        tx: &mut dyn Tx,
        e: &EnrolmentRow,
        draft: &DraftInstruction,
        charge: ratepayer::payment::OpenCharge,
        channel: ratepayer::fees::Channel,
        ctx: &CycleContext<'_>,
    ) -> Result<Option<DraftRow>, PortalError> {
        let key = draft.idempotency_key.to_string();
        let payment_id = format!("draft-{key}");
        let row = DraftRow {
            idempotency_key: key.clone(),
            utility: self.utility().to_owned(),
            account: e.account.clone(),
            bill_id: draft.bill_id.clone(),
            attempt: draft.attempt,
            date: draft.date,
            total: draft.total,
            payment_id: payment_id.clone(),
            executed_at: ctx.now,
        };
        if !tx.claim_draft(&row)? {
            return Ok(None);
        }
        let charge_row = Some(ChargeRow {
            utility: self.utility().to_owned(),
            account: e.account.clone(),
            charge: charge.clone(),
        });
        let due = AccountDue {
            account: e.account.clone(),
            status: ratepayer::payment::AccountStatus::Active,
            currency: draft.amount.currency(),
            charges: vec![charge],
        };
        let allocation = allocate(
            &[due],
            &PaymentTarget::Account(e.account.clone()),
            draft.amount,
            ctx.allocation,
            draft.date,
        )?;
        // The draft pays its own bill's charge: write its remaining amount
        // straight away (no credit arises, the draft is at most the charge).
        match (allocation.accounts.as_slice(), charge_row) {
            ([part], Some(mut row)) if part.credit.amount().is_zero() => {
                if let Some(item) = part.items.iter().find(|i| i.charge_id == row.charge.id) {
                    row.charge.amount = item.remaining;
                    tx.put_charge(&row)?;
                }
            }
            _ => self.apply(tx, &allocation)?,
        }
        tx.insert_payment(&PaymentRow {
            id: payment_id,
            utility: self.utility().to_owned(),
            login: e.login.clone(),
            source: PaymentSource::Autopay,
            channel,
            method: draft.method,
            payment_method_id: e.payment_method_id.clone(),
            amount: draft.amount,
            fee: draft.fee,
            total: draft.total,
            allocation,
            idempotency_key: Some(key.clone()),
            at: ctx.now,
            status: PaymentStatus::Pending,
            processor_key: Some(key.clone()),
            settlement: Settlement::default(),
        })?;
        tx.append_audit(&self.event(
            AuditKind::DraftExecuted,
            ctx.now,
            Some(&e.login),
            Some(&e.account),
            format!(
                "bill {} drafted {} (fee {}) on {}, key {key}",
                draft.bill_id,
                draft.total.to_decimal_string(),
                draft.fee.to_decimal_string(),
                draft.date
            ),
        ))?;
        Ok(Some(row))
    }
}
