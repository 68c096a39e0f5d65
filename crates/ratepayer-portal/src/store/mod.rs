//! The storage port: what the portal service persists, as traits an
//! application implements over its own database. [`Store::begin`] opens a
//! transaction ([`Tx`]); every change made through it becomes visible only
//! on [`Tx::commit`], and a transaction dropped without a commit changes
//! nothing. The portal runs each operation (register + link + first code,
//! a payment with its allocation, a batch of AutoPay drafts) in one
//! transaction, so a failure leaves no half-written records.
//! [`Store::begin_read`] opens a read transaction (a snapshot that refuses
//! writes) for views and for what a sign-in reads before its password check.
//!
//! [`MemoryStore`] is an in-memory store for tests and small embeddings; the
//! `ratepayer-sqlite` crate is the example adapter for a real database;
//! [`KvStore`] implements the whole port over a small key-value port
//! ([`KvBackend`]), which is what the Kotlin and Swift bindings export.
//!
//! Records live in [`records`]. Keys: logins by id and by (utility,
//! username); accounts, bills, charges and enrolments by (utility, account
//! number); drafts by (utility, idempotency key), which a store must keep
//! unique; payment quotes by (utility, id) and clients' payment keys by
//! (utility, login, key), unique too ([`intents`]); payments by (utility,
//! id) and by (utility, processor key), with their status and what the
//! processor reported ([`settlement`]); outbox messages by (utility, dedupe
//! key), unique, written in the transaction of the change that causes them
//! ([`outbox`]); the batches of an AutoPay cycle shared by several runners
//! by (utility, date, number), on stores that share cycles
//! ([`shared_cycle`]).

pub mod intents;
pub mod kv;
mod kv_memory;
mod memory;
pub mod outbox;
mod read_only;
pub mod records;
mod security;
pub mod settlement;
pub mod shared_cycle;

use chrono::{DateTime, Utc};
use thiserror::Error;

use ratepayer::payment::AccountStatus;

pub use intents::{IntentStore, PaymentKeyRow, QuoteRow};
pub use kv::{KvBackend, KvStore, KvTx, MemoryKv};
pub use memory::MemoryStore;
pub use outbox::{MessageKind, OutboxCursor, OutboxMessage, OutboxStore};
pub use read_only::{read_only_refusal, ReadOnlyTx};
pub use records::{
    AccountRow, AuditEvent, AuditKind, BillRow, ChargeRow, CodeRow, ContactRow, DeclineReason,
    DeviceRow, DraftRow, EnrolmentRow, EnrolmentStatus, LinkRow, LoginRow, PaymentMethodRow,
    PaymentRow, PaymentSource, PaymentStatus, Role, Settlement, StatementLine,
};
pub use security::{SecurityKind, SecurityRow, SecurityStore};
pub use shared_cycle::{BatchCounts, CycleBatch, CyclePlan, CycleProgress, RunnerProgress};

/// What went wrong in a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StorageErrorKind {
    /// A uniqueness rule was broken (a username or key that exists).
    Conflict,
    /// The record to change does not exist.
    NotFound,
    /// The database is busy or locked by another process; retry.
    Busy,
    /// A stored record could not be read back (corrupt or from a newer version).
    Corrupt,
    /// Any other failure of the database.
    Backend,
}

/// A failure of the store; the message says what and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("storage: {message}")]
pub struct StorageError {
    /// What kind of failure.
    pub kind: StorageErrorKind,
    /// What went wrong and what to do.
    pub message: String,
}

impl StorageError {
    /// A failure of `kind` with `message`.
    pub fn new(kind: StorageErrorKind, message: impl Into<String>) -> StorageError {
        StorageError {
            kind,
            message: message.into(),
        }
    }

    /// A stable machine code: `storage.conflict`, `storage.not_found`,
    /// `storage.busy`, `storage.corrupt` or `storage.backend`.
    pub fn code(&self) -> &'static str {
        match self.kind {
            StorageErrorKind::Conflict => "storage.conflict",
            StorageErrorKind::NotFound => "storage.not_found",
            StorageErrorKind::Busy => "storage.busy",
            StorageErrorKind::Corrupt => "storage.corrupt",
            StorageErrorKind::Backend => "storage.backend",
        }
    }
}

/// A result of the store.
pub type StoreResult<T> = Result<T, StorageError>;

/// A database the portal can open transactions on. Shared between threads.
pub trait Store: Send + Sync {
    /// Opens a write transaction that holds the write lock from the start,
    /// so two processes never interleave their changes.
    fn begin(&self) -> StoreResult<Box<dyn Tx + '_>>;

    /// Opens a read transaction: a consistent view of the committed data
    /// in which every write fails with [`StorageErrorKind::Backend`] and
    /// changes nothing; [`Tx::commit`] (or dropping it) just ends it. What
    /// the portal's views and the reading half of a sign-in use.
    ///
    /// A store with snapshots should read without the write lock, so that
    /// readers neither wait for writers nor hold them off (SQLite in WAL
    /// mode with `BEGIN DEFERRED` on a connection of its own, PostgreSQL
    /// `REPEATABLE READ READ ONLY`; [`MemoryStore`] copies the data). The
    /// default, for stores without snapshots, is a write transaction from
    /// [`Store::begin`] wrapped in [`ReadOnlyTx`]: correct, but it holds
    /// the write lock while it lasts.
    fn begin_read(&self) -> StoreResult<Box<dyn Tx + '_>> {
        Ok(Box::new(ReadOnlyTx::new(self.begin()?)))
    }

    /// True when several runner processes can share one AutoPay cycle on
    /// this store: it implements [`MoneyStore::plan_autopay_cycle`],
    /// [`MoneyStore::claim_cycle_batch`], [`MoneyStore::finish_cycle_batch`]
    /// and [`MoneyStore::autopay_cycle_progress`], and its
    /// [`Store::begin_cycle_batch`] transactions can run at once. False by
    /// default: the portal then runs the cycle as one runner walking keyset
    /// pages (a second runner is safe, through the draft claims, but walks
    /// everything again).
    fn shares_autopay_cycles(&self) -> bool {
        false
    }

    /// Opens the write transaction of one batch of a shared AutoPay cycle.
    /// A store that shares cycles runs these at once, each holding the
    /// rows of its batch (its batch record, the enrolments and charges it
    /// reads) until it ends, so that a customer's change to one of them
    /// waits for it (or fails busy) rather than being lost. By default a
    /// write transaction from [`Store::begin`].
    fn begin_cycle_batch(&self) -> StoreResult<Box<dyn Tx + '_>> {
        self.begin()
    }
}

/// Logins, their contacts, codes and remembered devices.
pub trait LoginStore {
    /// Adds a login; [`StorageErrorKind::Conflict`] when (utility, username) exists.
    fn insert_login(&mut self, login: &LoginRow) -> StoreResult<()>;
    /// Replaces a login (by id).
    fn update_login(&mut self, login: &LoginRow) -> StoreResult<()>;
    /// The login with this id.
    fn login(&mut self, id: &str) -> StoreResult<Option<LoginRow>>;
    /// The login of `utility` with this lower-cased username.
    fn login_by_username(&mut self, utility: &str, username: &str)
        -> StoreResult<Option<LoginRow>>;
    /// Adds or replaces a contact (by login and contact).
    fn put_contact(&mut self, contact: &ContactRow) -> StoreResult<()>;
    /// Every contact of a login.
    fn contacts(&mut self, login: &str) -> StoreResult<Vec<ContactRow>>;
    /// Adds or replaces a code (by id).
    fn put_code(&mut self, code: &CodeRow) -> StoreResult<()>;
    /// The code with this id.
    fn code(&mut self, id: &str) -> StoreResult<Option<CodeRow>>;
    /// Adds or replaces a remembered device (by id).
    fn put_device(&mut self, device: &DeviceRow) -> StoreResult<()>;
    /// Every device of a login.
    fn devices(&mut self, login: &str) -> StoreResult<Vec<DeviceRow>>;
    /// The email address of the login with this id (what the AutoPay cycle
    /// sends its notices to). By default read from [`LoginStore::login`]; a
    /// store that keeps the address in a column of its own can read only it.
    fn login_email(&mut self, id: &str) -> StoreResult<Option<String>> {
        Ok(self.login(id)?.map(|l| l.email))
    }
}

/// Accounts and the links between logins and accounts.
pub trait AccountStore {
    /// Adds or replaces an account (by utility and number).
    fn put_account(&mut self, account: &AccountRow) -> StoreResult<()>;
    /// The account of `utility` with this canonical number.
    fn account(&mut self, utility: &str, number: &str) -> StoreResult<Option<AccountRow>>;
    /// Adds or replaces a link (by login, utility and account).
    fn put_link(&mut self, link: &LinkRow) -> StoreResult<()>;
    /// Removes a link; false when there was none.
    fn delete_link(&mut self, login: &str, utility: &str, account: &str) -> StoreResult<bool>;
    /// Every link of a login, in the order they were made.
    fn links_of_login(&mut self, login: &str) -> StoreResult<Vec<LinkRow>>;
    /// Every link to an account.
    fn links_of_account(&mut self, utility: &str, account: &str) -> StoreResult<Vec<LinkRow>>;
    /// The status of each of `accounts` of `utility`, in the same order
    /// (`None` for an account that does not exist): what the AutoPay cycle
    /// checks for a batch inside its transaction. By default one
    /// [`AccountStore::account`] each; a store can read a batch given in
    /// ascending order in one pass.
    fn account_statuses(
        &mut self,
        utility: &str,
        accounts: &[&str],
    ) -> StoreResult<Vec<Option<AccountStatus>>> {
        accounts
            .iter()
            .map(|a| Ok(self.account(utility, a)?.map(|row| row.status)))
            .collect()
    }
}

/// Bills, open charges, payment methods, payments, AutoPay enrolments and
/// executed drafts.
pub trait MoneyStore {
    /// Adds a bill; [`StorageErrorKind::Conflict`] when its id exists on the account.
    fn insert_bill(&mut self, bill: &BillRow) -> StoreResult<()>;
    /// Every bill of an account, newest bill date first.
    fn bills(&mut self, utility: &str, account: &str) -> StoreResult<Vec<BillRow>>;
    /// Adds or replaces an open charge (by account and charge id).
    fn put_charge(&mut self, charge: &ChargeRow) -> StoreResult<()>;
    /// Every charge of an account, paid ones (amount zero) included.
    fn charges(&mut self, utility: &str, account: &str) -> StoreResult<Vec<ChargeRow>>;
    /// Adds a stored payment method.
    fn insert_payment_method(&mut self, method: &PaymentMethodRow) -> StoreResult<()>;
    /// Every payment method of a login.
    fn payment_methods(&mut self, login: &str) -> StoreResult<Vec<PaymentMethodRow>>;
    /// Adds a payment.
    fn insert_payment(&mut self, payment: &PaymentRow) -> StoreResult<()>;
    /// Every payment touching an account, oldest first.
    fn payments_of_account(&mut self, utility: &str, account: &str)
        -> StoreResult<Vec<PaymentRow>>;
    /// The payment of `utility` with this id.
    fn payment(&mut self, utility: &str, id: &str) -> StoreResult<Option<PaymentRow>>;
    /// The payment of `utility` the processor knows by `key`
    /// ([`PaymentRow::processor_key`]).
    fn payment_by_processor_key(
        &mut self,
        utility: &str,
        key: &str,
    ) -> StoreResult<Option<PaymentRow>>;
    /// Replaces a payment (by utility and id) with its new status and
    /// settlement; [`StorageErrorKind::NotFound`] when there is none. The
    /// accounts it touches never change.
    fn update_payment(&mut self, payment: &PaymentRow) -> StoreResult<()>;
    /// Every payment of `utility` with `status`, oldest first.
    fn payments_with_status(
        &mut self,
        utility: &str,
        status: PaymentStatus,
    ) -> StoreResult<Vec<PaymentRow>>;
    /// Adds or replaces an account's enrolment (one per account).
    fn put_enrolment(&mut self, enrolment: &EnrolmentRow) -> StoreResult<()>;
    /// The account's enrolment, active or cancelled.
    fn enrolment(&mut self, utility: &str, account: &str) -> StoreResult<Option<EnrolmentRow>>;
    /// Every active enrolment of a utility, by account number.
    fn active_enrolments(&mut self, utility: &str) -> StoreResult<Vec<EnrolmentRow>>;
    /// The account numbers of [`MoneyStore::active_enrolments`], in the
    /// same order (what the AutoPay cycle lists before its batches). By
    /// default from [`MoneyStore::active_enrolments`]; a store can read the
    /// numbers alone.
    fn active_enrolment_accounts(&mut self, utility: &str) -> StoreResult<Vec<String>> {
        Ok(self
            .active_enrolments(utility)?
            .into_iter()
            .map(|e| e.account)
            .collect())
    }
    /// How many active enrolments `utility` has (for a progress bar over
    /// the AutoPay cycle). By default counted from
    /// [`MoneyStore::active_enrolment_accounts`]; a store should count in
    /// place.
    fn active_enrolment_count(&mut self, utility: &str) -> StoreResult<usize> {
        Ok(self.active_enrolment_accounts(utility)?.len())
    }

    /// One keyset page of [`MoneyStore::active_enrolment_accounts`]: at
    /// most `limit` account numbers after `after` (from the first when
    /// `None`), in account order, so the AutoPay cycle never holds every
    /// enrolment at once. By default filtered from the whole list; a store
    /// should read the page alone (an index on (utility, account)).
    fn active_enrolment_accounts_page(
        &mut self,
        utility: &str,
        after: Option<&str>,
        limit: usize,
    ) -> StoreResult<Vec<String>> {
        let mut all = self.active_enrolment_accounts(utility)?;
        all.sort_unstable();
        Ok(all
            .into_iter()
            .filter(|a| after.is_none_or(|after| a.as_str() > after))
            .take(limit)
            .collect())
    }
    /// Records an executed draft unless its (utility, idempotency key) was
    /// recorded before; true when recorded now. Stores must make this atomic
    /// with the rest of the transaction (a unique key on both).
    fn claim_draft(&mut self, draft: &DraftRow) -> StoreResult<bool>;
    /// Every executed draft of an account, oldest first.
    fn drafts(&mut self, utility: &str, account: &str) -> StoreResult<Vec<DraftRow>>;
    /// The enrolment (active or cancelled) of each of `accounts` of
    /// `utility`, in the same order: what the AutoPay cycle reads again for
    /// a batch inside its transaction. By default one
    /// [`MoneyStore::enrolment`] each; a store can read a batch given in
    /// ascending order in one pass.
    fn enrolments_of(
        &mut self,
        utility: &str,
        accounts: &[&str],
    ) -> StoreResult<Vec<Option<EnrolmentRow>>> {
        accounts
            .iter()
            .map(|a| self.enrolment(utility, a))
            .collect()
    }
    /// Every charge of each of `accounts` of `utility` (as
    /// [`MoneyStore::charges`] lists them), in the same order. By default
    /// one [`MoneyStore::charges`] each; a store can read a batch given in
    /// ascending order in one pass.
    fn charges_of(&mut self, utility: &str, accounts: &[&str]) -> StoreResult<Vec<Vec<ChargeRow>>> {
        accounts.iter().map(|a| self.charges(utility, a)).collect()
    }
    /// The account numbers of the active enrolments of `utility` in a
    /// batch's range: after `after` (from the first when `None`) and at
    /// most `last` (to the end when `None`), in account order. By default
    /// read in keyset pages of [`MoneyStore::active_enrolment_accounts_page`].
    fn active_enrolment_accounts_in(
        &mut self,
        utility: &str,
        after: Option<&str>,
        last: Option<&str>,
    ) -> StoreResult<Vec<String>> {
        const PAGE: usize = 10_000;
        let mut out: Vec<String> = Vec::new();
        loop {
            let from = out.last().map(String::as_str).or(after);
            let page = self.active_enrolment_accounts_page(utility, from, PAGE)?;
            let full = page.len() >= PAGE;
            for account in page {
                if last.is_some_and(|last| account.as_str() > last) {
                    return Ok(out);
                }
                out.push(account);
            }
            if !full {
                return Ok(out);
            }
        }
    }

    /// Makes or joins a pass of the shared AutoPay cycle of `utility` for
    /// `date`: the latest pass while it has batches not done (so a run
    /// after a crash finishes it), else a new one: the active enrolments in
    /// account order, cut every `batch_size` accounts into ranges that
    /// together cover every account number. A pass is made once, whichever
    /// runner comes first (the others wait for its commit and join it), and
    /// keeps its maker's batch size. Stores that share cycles
    /// ([`Store::shares_autopay_cycles`]) implement it; the default refuses.
    fn plan_autopay_cycle(
        &mut self,
        utility: &str,
        date: chrono::NaiveDate,
        batch_size: usize,
        at: DateTime<Utc>,
    ) -> StoreResult<CyclePlan> {
        let _ = (utility, date, batch_size, at);
        Err(shared_cycle::not_shared("planning a shared AutoPay cycle"))
    }

    /// Claims the next batch of `pass` of the shared cycle that is not
    /// done, for this transaction (a transaction from
    /// [`Store::begin_cycle_batch`]): a batch another open transaction
    /// holds is skipped, and is held until that transaction ends; a
    /// transaction that ends without finishing its batch (rolled back, or
    /// its runner died and its connection with it) leaves the batch to the
    /// next claim. When every batch left is held by others, waits for one
    /// of them (the store's busy timeout at most, then
    /// [`StorageErrorKind::Busy`]). `None` when every batch is done. The
    /// default refuses.
    fn claim_cycle_batch(
        &mut self,
        utility: &str,
        date: chrono::NaiveDate,
        pass: u32,
    ) -> StoreResult<Option<CycleBatch>> {
        let _ = (utility, date, pass);
        Err(shared_cycle::not_shared(
            "claiming a batch of a shared AutoPay cycle",
        ))
    }

    /// Marks a claimed batch done by `runner`, with what it did, in the
    /// transaction that did it (so a batch is done exactly when its drafts
    /// are committed). False (nothing changed) when it was marked done
    /// before. The default refuses.
    fn finish_cycle_batch(
        &mut self,
        batch: &CycleBatch,
        runner: &str,
        counts: &BatchCounts,
        at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let _ = (batch, runner, counts, at);
        Err(shared_cycle::not_shared(
            "finishing a batch of a shared AutoPay cycle",
        ))
    }

    /// How far the latest pass of the shared cycle of `utility` for `date`
    /// is; `None` when no runner has planned it (or the store does not
    /// share cycles, the default).
    fn autopay_cycle_progress(
        &mut self,
        utility: &str,
        date: chrono::NaiveDate,
    ) -> StoreResult<Option<CycleProgress>> {
        let _ = (utility, date);
        Ok(None)
    }
    /// Marks the payment `id` of `utility` submitted if it is still
    /// pending: status [`PaymentStatus::Submitted`], the processor's
    /// `reference` and `submitted_at` in its settlement, nothing else
    /// changed. False (nothing changed) when it is not pending or does not
    /// exist. By default a [`MoneyStore::payment`] then an
    /// [`MoneyStore::update_payment`]; a store can do it in one
    /// conditional update.
    fn mark_payment_submitted(
        &mut self,
        utility: &str,
        id: &str,
        reference: &str,
        submitted_at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let Some(mut p) = self.payment(utility, id)? else {
            return Ok(false);
        };
        if p.status != PaymentStatus::Pending {
            return Ok(false);
        }
        p.status = PaymentStatus::Submitted;
        p.settlement.reference = Some(reference.to_owned());
        p.settlement.submitted_at = Some(submitted_at);
        self.update_payment(&p)?;
        Ok(true)
    }
}

/// The audit trail, append only.
pub trait AuditStore {
    /// Appends an event.
    fn append_audit(&mut self, event: &AuditEvent) -> StoreResult<()>;
    /// Every event of a utility, in the order appended.
    fn audit_events(&mut self, utility: &str) -> StoreResult<Vec<AuditEvent>>;
}

/// One transaction over every part of the store.
pub trait Tx:
    LoginStore + AccountStore + MoneyStore + IntentStore + AuditStore + SecurityStore + OutboxStore
{
    /// Makes every change of the transaction durable and visible, at once.
    fn commit(self: Box<Self>) -> StoreResult<()>;
}
