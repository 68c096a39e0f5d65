//! A small transactional key-value port ([`KvBackend`], [`KvTx`]) and
//! [`KvStore`], the adapter that implements the whole storage port
//! ([`Store`]) over it. An application whose database is easier to reach
//! as tables of keys and JSON values (a Kotlin or Swift app through the
//! bindings, a key-value database) implements six methods instead of the
//! thirty-odd of [`Tx`].
//!
//! What a backend must do:
//! - [`KvBackend::begin`] opens a transaction isolated from every other
//!   (serialisable: the simplest way is to hold one lock from begin to
//!   commit or drop, as [`MemoryKv`] does);
//! - [`KvTx::put_if_absent`] is atomic within the transaction (it is how
//!   draft idempotency keys and usernames stay unique);
//! - [`KvTx::scan`] returns every entry of a table whose key starts with a
//!   prefix (the adapter sorts them by key itself);
//! - [`KvTx::commit`] makes every change visible at once; a transaction
//!   dropped without a commit changes nothing.
//!
//! Records are stored whole as serde JSON. Keys join their parts with the
//! unit separator `U+001F`, so a prefix scan of `utility␟account␟` finds
//! one account's rows; parts never contain it (identifiers, account
//! numbers, ISO dates). Orders the port documents come from the keys:
//! bills by `bill date␟bill id` (read newest first), insertion orders
//! (links, payment methods, payments, audit events) by a zero-padded
//! sequence number kept in table `seq`. Tables: `login`, `login_name`
//! (utility␟username → login id), `contact`, `code`, `device`, `account`,
//! `link`, `link_key`, `link_by_account`, `bill`, `bill_id`, `charge`,
//! `method`, `payment` (utility␟seq), `payment_by_account`, `payment_id`
//! (utility␟id → the `payment` key), `payment_by_status`
//! (utility␟status␟seq), `payment_by_processor_key` (utility␟key), `enrolment`, `draft`
//! (utility␟idempotency key → draft; a store written by an earlier version
//! also holds drafts under their bare legacy key, which still count as
//! claimed), `draft_by_account`, `quote` (utility␟id), `payment_key`
//! (utility␟login␟client key), `audit`, `seq`, `security` (utility␟kind␟key)
//! and `security_by_login` (utility␟kind␟login␟key → the `security` key),
//! `outbox` (utility␟dedupe key → message) and `outbox_undelivered`
//! (utility␟when written␟dedupe key → the dedupe key, removed on delivery).

use serde::de::DeserializeOwned;
use serde::Serialize;

use chrono::{DateTime, Utc};

use super::intents::{IntentStore, PaymentKeyRow, QuoteRow};
use super::outbox::{OutboxCursor, OutboxMessage, OutboxStore};
use super::records::*;
use super::{
    AccountStore, AuditStore, LoginStore, MoneyStore, SecurityKind, SecurityRow, SecurityStore,
    StorageError, StorageErrorKind, Store, StoreResult, Tx,
};

/// A key-value database with transactions. Shared between threads.
pub trait KvBackend: Send + Sync {
    /// Opens a transaction, isolated from every other one until it commits.
    fn begin(&self) -> StoreResult<Box<dyn KvTx + '_>>;
}

/// One transaction of a [`KvBackend`]. Dropped without [`KvTx::commit`], it
/// changes nothing.
pub trait KvTx {
    /// The value under `key` in `table`.
    fn get(&mut self, table: &str, key: &str) -> StoreResult<Option<String>>;
    /// Stores `value` under `key`, replacing any value.
    fn put(&mut self, table: &str, key: &str, value: &str) -> StoreResult<()>;
    /// Stores `value` unless `key` exists; true when stored now.
    fn put_if_absent(&mut self, table: &str, key: &str, value: &str) -> StoreResult<bool>;
    /// Removes `key`; true when it existed.
    fn delete(&mut self, table: &str, key: &str) -> StoreResult<bool>;
    /// Every entry of `table` whose key starts with `prefix`, in any order.
    fn scan(&mut self, table: &str, prefix: &str) -> StoreResult<Vec<(String, String)>>;
    /// Makes every change visible at once.
    fn commit(self: Box<Self>) -> StoreResult<()>;
}

/// The storage port over a key-value backend.
#[derive(Debug, Default)]
pub struct KvStore<B> {
    backend: B,
}

impl<B: KvBackend> KvStore<B> {
    /// The store over `backend`.
    pub fn new(backend: B) -> KvStore<B> {
        KvStore { backend }
    }

    /// The backend.
    pub fn backend(&self) -> &B {
        &self.backend
    }
}

impl<B: KvBackend> Store for KvStore<B> {
    fn begin(&self) -> StoreResult<Box<dyn Tx + '_>> {
        Ok(Box::new(KvAdapter {
            inner: self.backend.begin()?,
        }))
    }
}

const SEP: char = '\u{1f}';

/// The key of `parts`, joined by the separator.
fn k(parts: &[&str]) -> String {
    let mut out = String::new();
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            out.push(SEP);
        }
        out.push_str(p);
    }
    out
}

/// The sequence number at the end of a `payment` key (utility␟seq).
fn seq_of(key: &str) -> &str {
    key.rsplit(SEP).next().unwrap_or(key)
}

/// The prefix that finds every key starting with `parts`.
fn prefix(parts: &[&str]) -> String {
    let mut out = k(parts);
    out.push(SEP);
    out
}

fn encode<T: Serialize>(value: &T) -> StoreResult<String> {
    serde_json::to_string(value).map_err(|e| {
        StorageError::new(
            StorageErrorKind::Backend,
            format!("a record could not be written as JSON: {e}"),
        )
    })
}

fn decode<T: DeserializeOwned>(table: &str, text: &str) -> StoreResult<T> {
    serde_json::from_str(text).map_err(|e| {
        StorageError::new(
            StorageErrorKind::Corrupt,
            format!("a record of table `{table}` could not be read back ({e}); it is corrupt or from a newer version"),
        )
    })
}

struct KvAdapter<'a> {
    inner: Box<dyn KvTx + 'a>,
}

impl KvAdapter<'_> {
    fn get_as<T: DeserializeOwned>(&mut self, table: &str, key: &str) -> StoreResult<Option<T>> {
        match self.inner.get(table, key)? {
            Some(text) => Ok(Some(decode(table, &text)?)),
            None => Ok(None),
        }
    }

    fn put_as<T: Serialize>(&mut self, table: &str, key: &str, value: &T) -> StoreResult<()> {
        let text = encode(value)?;
        self.inner.put(table, key, &text)
    }

    /// Every entry under `prefix`, sorted by key.
    fn scan_sorted(&mut self, table: &str, prefix: &str) -> StoreResult<Vec<(String, String)>> {
        let mut rows = self.inner.scan(table, prefix)?;
        rows.retain(|(key, _)| key.starts_with(prefix));
        rows.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(rows)
    }

    /// Every record under `prefix`, by key.
    fn scan_as<T: DeserializeOwned>(&mut self, table: &str, prefix: &str) -> StoreResult<Vec<T>> {
        self.scan_sorted(table, prefix)?
            .iter()
            .map(|(_, text)| decode(table, text))
            .collect()
    }

    /// The records that index entries under `prefix` point to (the index
    /// values are keys of `table`), in index order.
    fn follow<T: DeserializeOwned>(
        &mut self,
        index: &str,
        prefix: &str,
        table: &str,
    ) -> StoreResult<Vec<T>> {
        let mut out = Vec::new();
        for (_, target) in self.scan_sorted(index, prefix)? {
            let key: String = decode(index, &target)?;
            if let Some(row) = self.get_as(table, &key)? {
                out.push(row);
            }
        }
        Ok(out)
    }

    /// The `payment` key an index (`payment_id` or
    /// `payment_by_processor_key`) holds for `utility` and `id`.
    fn payment_key_of(
        &mut self,
        index: &str,
        utility: &str,
        id: &str,
    ) -> StoreResult<Option<String>> {
        self.get_as(index, &k(&[utility, id]))
    }

    /// Indexes a payment stored under `at` by its status and processor key.
    fn index_payment(&mut self, at: &str, payment: &PaymentRow) -> StoreResult<()> {
        let status = k(&[&payment.utility, payment.status.as_str(), seq_of(at)]);
        self.put_as("payment_by_status", &status, &at)?;
        if let Some(key) = &payment.processor_key {
            self.put_as(
                "payment_by_processor_key",
                &k(&[&payment.utility, key]),
                &at,
            )?;
        }
        Ok(())
    }

    /// The next number of the store's one sequence, zero-padded so keys
    /// sort in the order they were made.
    fn next_seq(&mut self) -> StoreResult<String> {
        let n: u64 = self.get_as("seq", "next")?.unwrap_or(0);
        self.put_as("seq", "next", &(n + 1))?;
        Ok(format!("{n:020}"))
    }
}

impl LoginStore for KvAdapter<'_> {
    fn insert_login(&mut self, login: &LoginRow) -> StoreResult<()> {
        let taken = || {
            StorageError::new(
                StorageErrorKind::Conflict,
                format!("the username `{}` is taken", login.username),
            )
        };
        if self.inner.get("login", &login.id)?.is_some() {
            return Err(taken());
        }
        let name = k(&[&login.utility, &login.username]);
        if !self
            .inner
            .put_if_absent("login_name", &name, &encode(&login.id)?)?
        {
            return Err(taken());
        }
        self.put_as("login", &login.id, login)
    }

    fn update_login(&mut self, login: &LoginRow) -> StoreResult<()> {
        let Some(old) = self.get_as::<LoginRow>("login", &login.id)? else {
            return Err(StorageError::new(
                StorageErrorKind::NotFound,
                "no such login to update",
            ));
        };
        if (&old.utility, &old.username) != (&login.utility, &login.username) {
            let name = k(&[&login.utility, &login.username]);
            if !self
                .inner
                .put_if_absent("login_name", &name, &encode(&login.id)?)?
            {
                return Err(StorageError::new(
                    StorageErrorKind::Conflict,
                    format!("the username `{}` is taken", login.username),
                ));
            }
            self.inner
                .delete("login_name", &k(&[&old.utility, &old.username]))?;
        }
        self.put_as("login", &login.id, login)
    }

    fn login(&mut self, id: &str) -> StoreResult<Option<LoginRow>> {
        self.get_as("login", id)
    }

    fn login_by_username(
        &mut self,
        utility: &str,
        username: &str,
    ) -> StoreResult<Option<LoginRow>> {
        match self.get_as::<String>("login_name", &k(&[utility, username]))? {
            Some(id) => self.get_as("login", &id),
            None => Ok(None),
        }
    }

    fn put_contact(&mut self, contact: &ContactRow) -> StoreResult<()> {
        let key = k(&[&contact.login, contact.contact.as_str()]);
        self.put_as("contact", &key, contact)
    }

    fn contacts(&mut self, login: &str) -> StoreResult<Vec<ContactRow>> {
        self.scan_as("contact", &prefix(&[login]))
    }

    fn put_code(&mut self, code: &CodeRow) -> StoreResult<()> {
        self.put_as("code", &code.id, code)
    }

    fn code(&mut self, id: &str) -> StoreResult<Option<CodeRow>> {
        self.get_as("code", id)
    }

    fn put_device(&mut self, device: &DeviceRow) -> StoreResult<()> {
        self.put_as("device", &k(&[device.login(), device.id()]), device)
    }

    fn devices(&mut self, login: &str) -> StoreResult<Vec<DeviceRow>> {
        self.scan_as("device", &prefix(&[login]))
    }
}

impl AccountStore for KvAdapter<'_> {
    fn put_account(&mut self, account: &AccountRow) -> StoreResult<()> {
        self.put_as(
            "account",
            &k(&[&account.utility, account.number()]),
            account,
        )
    }

    fn account(&mut self, utility: &str, number: &str) -> StoreResult<Option<AccountRow>> {
        self.get_as("account", &k(&[utility, number]))
    }

    fn put_link(&mut self, link: &LinkRow) -> StoreResult<()> {
        let id = k(&[&link.login, &link.utility, &link.account]);
        let seq = match self.get_as::<String>("link_key", &id)? {
            Some(seq) => seq,
            None => {
                let seq = self.next_seq()?;
                self.put_as("link_key", &id, &seq)?;
                let by_account = k(&[&link.utility, &link.account, &seq]);
                self.put_as("link_by_account", &by_account, &k(&[&link.login, &seq]))?;
                seq
            }
        };
        self.put_as("link", &k(&[&link.login, &seq]), link)
    }

    fn delete_link(&mut self, login: &str, utility: &str, account: &str) -> StoreResult<bool> {
        let id = k(&[login, utility, account]);
        let Some(seq) = self.get_as::<String>("link_key", &id)? else {
            return Ok(false);
        };
        self.inner.delete("link_key", &id)?;
        self.inner
            .delete("link_by_account", &k(&[utility, account, &seq]))?;
        self.inner.delete("link", &k(&[login, &seq]))
    }

    fn links_of_login(&mut self, login: &str) -> StoreResult<Vec<LinkRow>> {
        self.scan_as("link", &prefix(&[login]))
    }

    fn links_of_account(&mut self, utility: &str, account: &str) -> StoreResult<Vec<LinkRow>> {
        self.follow("link_by_account", &prefix(&[utility, account]), "link")
    }
}

impl MoneyStore for KvAdapter<'_> {
    fn insert_bill(&mut self, bill: &BillRow) -> StoreResult<()> {
        let id = k(&[&bill.utility, &bill.account, &bill.bill_id]);
        let key = k(&[
            &bill.utility,
            &bill.account,
            &bill.bill_date.to_string(),
            &bill.bill_id,
        ]);
        if !self.inner.put_if_absent("bill_id", &id, &encode(&key)?)? {
            return Err(StorageError::new(
                StorageErrorKind::Conflict,
                format!("bill `{}` was posted before", bill.bill_id),
            ));
        }
        self.put_as("bill", &key, bill)
    }

    fn bills(&mut self, utility: &str, account: &str) -> StoreResult<Vec<BillRow>> {
        let mut bills: Vec<BillRow> = self.scan_as("bill", &prefix(&[utility, account]))?;
        bills.reverse();
        Ok(bills)
    }

    fn put_charge(&mut self, charge: &ChargeRow) -> StoreResult<()> {
        let key = k(&[&charge.utility, &charge.account, &charge.charge.id]);
        self.put_as("charge", &key, charge)
    }

    fn charges(&mut self, utility: &str, account: &str) -> StoreResult<Vec<ChargeRow>> {
        self.scan_as("charge", &prefix(&[utility, account]))
    }

    fn insert_payment_method(&mut self, method: &PaymentMethodRow) -> StoreResult<()> {
        let seq = self.next_seq()?;
        self.put_as("method", &k(&[&method.login, &seq]), method)
    }

    fn payment_methods(&mut self, login: &str) -> StoreResult<Vec<PaymentMethodRow>> {
        self.scan_as("method", &prefix(&[login]))
    }

    fn insert_payment(&mut self, payment: &PaymentRow) -> StoreResult<()> {
        let seq = self.next_seq()?;
        let key = k(&[&payment.utility, &seq]);
        self.put_as("payment", &key, payment)?;
        let mut accounts: Vec<&str> = payment
            .allocation
            .accounts
            .iter()
            .map(|a| a.account.as_str())
            .collect();
        accounts.sort_unstable();
        accounts.dedup();
        for account in accounts {
            let index = k(&[&payment.utility, account, &seq]);
            self.put_as("payment_by_account", &index, &key)?;
        }
        self.put_as("payment_id", &k(&[&payment.utility, &payment.id]), &key)?;
        self.index_payment(&key, payment)
    }

    fn payments_of_account(
        &mut self,
        utility: &str,
        account: &str,
    ) -> StoreResult<Vec<PaymentRow>> {
        self.follow(
            "payment_by_account",
            &prefix(&[utility, account]),
            "payment",
        )
    }

    fn payment(&mut self, utility: &str, id: &str) -> StoreResult<Option<PaymentRow>> {
        match self.payment_key_of("payment_id", utility, id)? {
            Some(key) => self.get_as("payment", &key),
            // A store written before the index: look through the utility's payments.
            None => Ok(self
                .scan_as::<PaymentRow>("payment", &prefix(&[utility]))?
                .into_iter()
                .find(|p| p.id == id)),
        }
    }

    fn payment_by_processor_key(
        &mut self,
        utility: &str,
        key: &str,
    ) -> StoreResult<Option<PaymentRow>> {
        match self.payment_key_of("payment_by_processor_key", utility, key)? {
            Some(at) => self.get_as("payment", &at),
            None => Ok(None),
        }
    }

    fn update_payment(&mut self, payment: &PaymentRow) -> StoreResult<()> {
        let at = match self.payment_key_of("payment_id", &payment.utility, &payment.id)? {
            Some(at) => Some(at),
            None => self
                .scan_sorted("payment", &prefix(&[&payment.utility]))?
                .into_iter()
                .find(|(_, text)| {
                    decode::<PaymentRow>("payment", text).is_ok_and(|p| p.id == payment.id)
                })
                .map(|(at, _)| at),
        };
        let Some(at) = at else {
            return Err(StorageError::new(
                StorageErrorKind::NotFound,
                format!("no payment `{}` to update", payment.id),
            ));
        };
        let before: Option<PaymentRow> = self.get_as("payment", &at)?;
        if let Some(old) = before {
            self.inner.delete(
                "payment_by_status",
                &k(&[&old.utility, old.status.as_str(), seq_of(&at)]),
            )?;
        }
        self.put_as("payment", &at, payment)?;
        self.index_payment(&at, payment)
    }

    fn payments_with_status(
        &mut self,
        utility: &str,
        status: PaymentStatus,
    ) -> StoreResult<Vec<PaymentRow>> {
        self.follow(
            "payment_by_status",
            &prefix(&[utility, status.as_str()]),
            "payment",
        )
    }

    fn put_enrolment(&mut self, enrolment: &EnrolmentRow) -> StoreResult<()> {
        let key = k(&[&enrolment.utility, &enrolment.account]);
        self.put_as("enrolment", &key, enrolment)
    }

    fn enrolment(&mut self, utility: &str, account: &str) -> StoreResult<Option<EnrolmentRow>> {
        self.get_as("enrolment", &k(&[utility, account]))
    }

    fn active_enrolments(&mut self, utility: &str) -> StoreResult<Vec<EnrolmentRow>> {
        let all: Vec<EnrolmentRow> = self.scan_as("enrolment", &prefix(&[utility]))?;
        Ok(all
            .into_iter()
            .filter(|e| e.status == EnrolmentStatus::Active)
            .collect())
    }

    fn claim_draft(&mut self, draft: &DraftRow) -> StoreResult<bool> {
        // A store written before keys named the utility holds its drafts
        // under the bare legacy key: that draft of this utility's bill
        // counts as claimed (another utility's row under the same legacy
        // key does not).
        let legacy = ratepayer::autopay::legacy_idempotency_key(
            &draft.account,
            &draft.bill_id,
            draft.attempt,
        )
        .to_string();
        let earlier: Option<DraftRow> = self.get_as("draft", &legacy)?;
        if earlier.is_some_and(|d| d.utility == draft.utility && d.account == draft.account) {
            return Ok(false);
        }
        let key = k(&[&draft.utility, &draft.idempotency_key]);
        if !self.inner.put_if_absent("draft", &key, &encode(draft)?)? {
            return Ok(false);
        }
        let index = k(&[&draft.utility, &draft.account, &draft.idempotency_key]);
        self.put_as("draft_by_account", &index, &key)?;
        Ok(true)
    }

    fn drafts(&mut self, utility: &str, account: &str) -> StoreResult<Vec<DraftRow>> {
        let mut out: Vec<DraftRow> =
            self.follow("draft_by_account", &prefix(&[utility, account]), "draft")?;
        out.sort_by_key(|d| (d.executed_at, d.attempt));
        Ok(out)
    }
}

impl IntentStore for KvAdapter<'_> {
    fn put_quote(&mut self, quote: &QuoteRow) -> StoreResult<()> {
        self.put_as("quote", &k(&[&quote.utility, &quote.id]), quote)
    }

    fn quote(&mut self, utility: &str, id: &str) -> StoreResult<Option<QuoteRow>> {
        self.get_as("quote", &k(&[utility, id]))
    }

    fn claim_payment_key(&mut self, row: &PaymentKeyRow) -> StoreResult<bool> {
        let key = k(&[&row.utility, &row.login, &row.key]);
        self.inner.put_if_absent("payment_key", &key, &encode(row)?)
    }

    fn payment_key(
        &mut self,
        utility: &str,
        login: &str,
        key: &str,
    ) -> StoreResult<Option<PaymentKeyRow>> {
        self.get_as("payment_key", &k(&[utility, login, key]))
    }
}

impl AuditStore for KvAdapter<'_> {
    fn append_audit(&mut self, event: &AuditEvent) -> StoreResult<()> {
        let seq = self.next_seq()?;
        self.put_as("audit", &k(&[&event.utility, &seq]), event)
    }

    fn audit_events(&mut self, utility: &str) -> StoreResult<Vec<AuditEvent>> {
        self.scan_as("audit", &prefix(&[utility]))
    }
}

impl SecurityStore for KvAdapter<'_> {
    fn security_record(
        &mut self,
        utility: &str,
        kind: SecurityKind,
        key: &str,
    ) -> StoreResult<Option<SecurityRow>> {
        self.get_as("security", &k(&[utility, kind.as_str(), key]))
    }

    fn put_security_record(&mut self, row: &SecurityRow) -> StoreResult<()> {
        let key = k(&[&row.utility, row.kind.as_str(), &row.key]);
        if let Some(old) = self.get_as::<SecurityRow>("security", &key)? {
            if let Some(login) = old.login.as_deref() {
                let index = k(&[&row.utility, row.kind.as_str(), login, &row.key]);
                self.inner.delete("security_by_login", &index)?;
            }
        }
        if let Some(login) = row.login.as_deref() {
            let index = k(&[&row.utility, row.kind.as_str(), login, &row.key]);
            self.put_as("security_by_login", &index, &key)?;
        }
        self.put_as("security", &key, row)
    }

    fn delete_security_record(
        &mut self,
        utility: &str,
        kind: SecurityKind,
        key: &str,
    ) -> StoreResult<bool> {
        let full = k(&[utility, kind.as_str(), key]);
        let Some(old) = self.get_as::<SecurityRow>("security", &full)? else {
            return Ok(false);
        };
        if let Some(login) = old.login.as_deref() {
            let index = k(&[utility, kind.as_str(), login, key]);
            self.inner.delete("security_by_login", &index)?;
        }
        self.inner.delete("security", &full)
    }

    fn security_records_of_login(
        &mut self,
        utility: &str,
        kind: SecurityKind,
        login: &str,
    ) -> StoreResult<Vec<SecurityRow>> {
        self.follow(
            "security_by_login",
            &prefix(&[utility, kind.as_str(), login]),
            "security",
        )
    }
}

/// An instant as text that sorts in time order (any instant chrono holds).
fn sortable(at: &DateTime<Utc>) -> String {
    let secs = i128::from(at.timestamp()) - i128::from(i64::MIN);
    format!("{secs:020}{:09}", at.timestamp_subsec_nanos())
}

impl KvAdapter<'_> {
    /// The message under (utility, key), or a not-found error.
    fn outbox_entry(&mut self, utility: &str, key: &str) -> StoreResult<OutboxMessage> {
        self.get_as("outbox", &k(&[utility, key]))?.ok_or_else(|| {
            StorageError::new(
                StorageErrorKind::NotFound,
                format!("no outbox message `{key}`"),
            )
        })
    }

    /// The `outbox_undelivered` key of a message.
    fn undelivered_key(m: &OutboxMessage) -> String {
        k(&[&m.utility, &sortable(&m.created_at), &m.dedupe_key])
    }
}

impl OutboxStore for KvAdapter<'_> {
    fn enqueue_message(&mut self, message: &OutboxMessage) -> StoreResult<bool> {
        if message.dedupe_key.contains(SEP) || message.utility.contains(SEP) {
            return Err(StorageError::new(
                StorageErrorKind::Backend,
                "an outbox message's utility or dedupe key holds U+001F; use printable text",
            ));
        }
        let key = k(&[&message.utility, &message.dedupe_key]);
        if !self
            .inner
            .put_if_absent("outbox", &key, &encode(message)?)?
        {
            return Ok(false);
        }
        if message.delivered_at.is_none() {
            let index = Self::undelivered_key(message);
            self.put_as("outbox_undelivered", &index, &message.dedupe_key)?;
        }
        Ok(true)
    }

    fn outbox_message(
        &mut self,
        utility: &str,
        dedupe_key: &str,
    ) -> StoreResult<Option<OutboxMessage>> {
        self.get_as("outbox", &k(&[utility, dedupe_key]))
    }

    fn undelivered_messages(
        &mut self,
        utility: &str,
        due_by: DateTime<Utc>,
        after: Option<&OutboxCursor>,
        limit: usize,
    ) -> StoreResult<Vec<OutboxMessage>> {
        let mut out = Vec::new();
        for (_, target) in self.scan_sorted("outbox_undelivered", &prefix(&[utility]))? {
            if out.len() >= limit {
                break;
            }
            let key: String = decode("outbox_undelivered", &target)?;
            if let Some(m) = self.get_as::<OutboxMessage>("outbox", &k(&[utility, &key]))? {
                if m.is_listed(due_by, after) {
                    out.push(m);
                }
            }
        }
        Ok(out)
    }

    fn outbox_messages(&mut self, utility: &str) -> StoreResult<Vec<OutboxMessage>> {
        let mut all: Vec<OutboxMessage> = self.scan_as("outbox", &prefix(&[utility]))?;
        all.sort_by(|a, b| (a.created_at, &a.dedupe_key).cmp(&(b.created_at, &b.dedupe_key)));
        Ok(all)
    }

    fn mark_delivered(
        &mut self,
        utility: &str,
        dedupe_key: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let mut m = self.outbox_entry(utility, dedupe_key)?;
        if !m.mark_delivered(at) {
            return Ok(false);
        }
        self.inner
            .delete("outbox_undelivered", &Self::undelivered_key(&m))?;
        self.put_as("outbox", &k(&[utility, dedupe_key]), &m)?;
        Ok(true)
    }

    fn record_delivery_failure(
        &mut self,
        utility: &str,
        dedupe_key: &str,
        error: &str,
        next_attempt_at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let mut m = self.outbox_entry(utility, dedupe_key)?;
        if !m.record_failure(error, next_attempt_at) {
            return Ok(false);
        }
        self.put_as("outbox", &k(&[utility, dedupe_key]), &m)?;
        Ok(true)
    }
}

impl Tx for KvAdapter<'_> {
    fn commit(self: Box<Self>) -> StoreResult<()> {
        self.inner.commit()
    }
}

pub use super::kv_memory::MemoryKv;
