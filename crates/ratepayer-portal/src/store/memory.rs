//! An in-memory [`Store`](super::Store): every record in ordered maps behind
//! one lock. A transaction holds the lock and works on a copy, which its
//! commit puts in place; dropping it discards the copy. Meant for unit tests
//! and small embeddings (each transaction copies the whole store). A read
//! transaction copies the data under the lock and releases it at once.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

use chrono::{DateTime, Utc};

use super::intents::{IntentStore, PaymentKeyRow, QuoteRow};
use super::outbox::{OutboxCursor, OutboxMessage, OutboxStore};
use super::records::*;
use super::{
    AccountStore, AuditStore, LoginStore, MoneyStore, ReadOnlyTx, SecurityKind, SecurityRow,
    SecurityStore, StorageError, StorageErrorKind, Store, StoreResult, Tx,
};

type AccountKey = (String, String);

#[derive(Debug, Clone, Default)]
struct Data {
    logins: BTreeMap<String, LoginRow>,
    contacts: BTreeMap<(String, String), ContactRow>,
    codes: BTreeMap<String, CodeRow>,
    devices: BTreeMap<String, DeviceRow>,
    accounts: BTreeMap<AccountKey, AccountRow>,
    links: Vec<LinkRow>,
    bills: BTreeMap<AccountKey, Vec<BillRow>>,
    charges: BTreeMap<(String, String, String), ChargeRow>,
    methods: Vec<PaymentMethodRow>,
    payments: Vec<PaymentRow>,
    enrolments: BTreeMap<AccountKey, EnrolmentRow>,
    drafts: BTreeMap<AccountKey, DraftRow>,
    quotes: BTreeMap<AccountKey, QuoteRow>,
    payment_keys: BTreeMap<(String, String, String), PaymentKeyRow>,
    audit: Vec<AuditEvent>,
    security: BTreeMap<(String, SecurityKind, String), SecurityRow>,
    outbox: BTreeMap<AccountKey, OutboxMessage>,
}

/// The in-memory store.
#[derive(Debug, Default)]
pub struct MemoryStore {
    data: Mutex<Data>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }
}

struct MemoryTx<'a> {
    /// The store's lock, held by a write transaction; `None` for a read
    /// transaction's private copy.
    guard: Option<MutexGuard<'a, Data>>,
    work: Data,
}

impl Store for MemoryStore {
    fn begin(&self) -> StoreResult<Box<dyn Tx + '_>> {
        // A panic in another transaction leaves the committed data intact
        // (it never committed), so a poisoned lock is safe to take over.
        let guard = self.data.lock().unwrap_or_else(|p| p.into_inner());
        let work = guard.clone();
        Ok(Box::new(MemoryTx {
            guard: Some(guard),
            work,
        }))
    }

    /// A copy of the committed data taken under the lock, which is then
    /// released: readers never hold off writers.
    fn begin_read(&self) -> StoreResult<Box<dyn Tx + '_>> {
        let work = self.data.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let tx: Box<dyn Tx + '_> = Box::new(MemoryTx { guard: None, work });
        Ok(Box::new(ReadOnlyTx::new(tx)))
    }
}

fn key(a: &str, b: &str) -> AccountKey {
    (a.to_owned(), b.to_owned())
}

fn contact_key(c: &ContactRow) -> (String, String) {
    (c.login.clone(), c.contact.as_str().to_owned())
}

impl LoginStore for MemoryTx<'_> {
    fn insert_login(&mut self, login: &LoginRow) -> StoreResult<()> {
        let taken = self
            .work
            .logins
            .values()
            .any(|l| l.utility == login.utility && l.username == login.username);
        if taken || self.work.logins.contains_key(&login.id) {
            return Err(StorageError::new(
                StorageErrorKind::Conflict,
                format!("the username `{}` is taken", login.username),
            ));
        }
        self.work.logins.insert(login.id.clone(), login.clone());
        Ok(())
    }

    fn update_login(&mut self, login: &LoginRow) -> StoreResult<()> {
        match self.work.logins.get_mut(&login.id) {
            Some(l) => {
                *l = login.clone();
                Ok(())
            }
            None => Err(StorageError::new(
                StorageErrorKind::NotFound,
                "no such login to update",
            )),
        }
    }

    fn login(&mut self, id: &str) -> StoreResult<Option<LoginRow>> {
        Ok(self.work.logins.get(id).cloned())
    }

    fn login_by_username(
        &mut self,
        utility: &str,
        username: &str,
    ) -> StoreResult<Option<LoginRow>> {
        Ok(self
            .work
            .logins
            .values()
            .find(|l| l.utility == utility && l.username == username)
            .cloned())
    }

    fn put_contact(&mut self, contact: &ContactRow) -> StoreResult<()> {
        self.work
            .contacts
            .insert(contact_key(contact), contact.clone());
        Ok(())
    }

    fn contacts(&mut self, login: &str) -> StoreResult<Vec<ContactRow>> {
        Ok(self
            .work
            .contacts
            .values()
            .filter(|c| c.login == login)
            .cloned()
            .collect())
    }

    fn put_code(&mut self, code: &CodeRow) -> StoreResult<()> {
        self.work.codes.insert(code.id.clone(), code.clone());
        Ok(())
    }

    fn code(&mut self, id: &str) -> StoreResult<Option<CodeRow>> {
        Ok(self.work.codes.get(id).cloned())
    }

    fn put_device(&mut self, device: &DeviceRow) -> StoreResult<()> {
        self.work
            .devices
            .insert(device.id().to_owned(), device.clone());
        Ok(())
    }

    fn devices(&mut self, login: &str) -> StoreResult<Vec<DeviceRow>> {
        Ok(self
            .work
            .devices
            .values()
            .filter(|d| d.login() == login)
            .cloned()
            .collect())
    }
}

impl AccountStore for MemoryTx<'_> {
    fn put_account(&mut self, account: &AccountRow) -> StoreResult<()> {
        self.work
            .accounts
            .insert(key(&account.utility, account.number()), account.clone());
        Ok(())
    }

    fn account(&mut self, utility: &str, number: &str) -> StoreResult<Option<AccountRow>> {
        Ok(self.work.accounts.get(&key(utility, number)).cloned())
    }

    fn put_link(&mut self, link: &LinkRow) -> StoreResult<()> {
        let same = |l: &&mut LinkRow| {
            l.login == link.login && l.utility == link.utility && l.account == link.account
        };
        match self.work.links.iter_mut().find(same) {
            Some(l) => *l = link.clone(),
            None => self.work.links.push(link.clone()),
        }
        Ok(())
    }

    fn delete_link(&mut self, login: &str, utility: &str, account: &str) -> StoreResult<bool> {
        let before = self.work.links.len();
        self.work
            .links
            .retain(|l| !(l.login == login && l.utility == utility && l.account == account));
        Ok(self.work.links.len() != before)
    }

    fn links_of_login(&mut self, login: &str) -> StoreResult<Vec<LinkRow>> {
        Ok(self
            .work
            .links
            .iter()
            .filter(|l| l.login == login)
            .cloned()
            .collect())
    }

    fn links_of_account(&mut self, utility: &str, account: &str) -> StoreResult<Vec<LinkRow>> {
        Ok(self
            .work
            .links
            .iter()
            .filter(|l| l.utility == utility && l.account == account)
            .cloned()
            .collect())
    }
}

impl MoneyStore for MemoryTx<'_> {
    fn insert_bill(&mut self, bill: &BillRow) -> StoreResult<()> {
        let bills = self
            .work
            .bills
            .entry(key(&bill.utility, &bill.account))
            .or_default();
        if bills.iter().any(|b| b.bill_id == bill.bill_id) {
            return Err(StorageError::new(
                StorageErrorKind::Conflict,
                format!("bill `{}` was posted before", bill.bill_id),
            ));
        }
        bills.push(bill.clone());
        bills.sort_by(|a, b| (b.bill_date, &b.bill_id).cmp(&(a.bill_date, &a.bill_id)));
        Ok(())
    }

    fn bills(&mut self, utility: &str, account: &str) -> StoreResult<Vec<BillRow>> {
        Ok(self
            .work
            .bills
            .get(&key(utility, account))
            .cloned()
            .unwrap_or_default())
    }

    fn put_charge(&mut self, charge: &ChargeRow) -> StoreResult<()> {
        self.work.charges.insert(
            (
                charge.utility.clone(),
                charge.account.clone(),
                charge.charge.id.clone(),
            ),
            charge.clone(),
        );
        Ok(())
    }

    fn charges(&mut self, utility: &str, account: &str) -> StoreResult<Vec<ChargeRow>> {
        Ok(self
            .work
            .charges
            .values()
            .filter(|c| c.utility == utility && c.account == account)
            .cloned()
            .collect())
    }

    fn insert_payment_method(&mut self, method: &PaymentMethodRow) -> StoreResult<()> {
        self.work.methods.push(method.clone());
        Ok(())
    }

    fn payment_methods(&mut self, login: &str) -> StoreResult<Vec<PaymentMethodRow>> {
        Ok(self
            .work
            .methods
            .iter()
            .filter(|m| m.login == login)
            .cloned()
            .collect())
    }

    fn insert_payment(&mut self, payment: &PaymentRow) -> StoreResult<()> {
        self.work.payments.push(payment.clone());
        Ok(())
    }

    fn payments_of_account(
        &mut self,
        utility: &str,
        account: &str,
    ) -> StoreResult<Vec<PaymentRow>> {
        Ok(self
            .work
            .payments
            .iter()
            .filter(|p| {
                p.utility == utility && p.allocation.accounts.iter().any(|a| a.account == account)
            })
            .cloned()
            .collect())
    }

    fn payment(&mut self, utility: &str, id: &str) -> StoreResult<Option<PaymentRow>> {
        Ok(self
            .work
            .payments
            .iter()
            .find(|p| p.utility == utility && p.id == id)
            .cloned())
    }

    fn payment_by_processor_key(
        &mut self,
        utility: &str,
        k: &str,
    ) -> StoreResult<Option<PaymentRow>> {
        Ok(self
            .work
            .payments
            .iter()
            .find(|p| p.utility == utility && p.processor_key.as_deref() == Some(k))
            .cloned())
    }

    fn update_payment(&mut self, payment: &PaymentRow) -> StoreResult<()> {
        match self
            .work
            .payments
            .iter_mut()
            .find(|p| p.utility == payment.utility && p.id == payment.id)
        {
            Some(p) => {
                *p = payment.clone();
                Ok(())
            }
            None => Err(StorageError::new(
                StorageErrorKind::NotFound,
                format!("no payment `{}` to update", payment.id),
            )),
        }
    }

    fn payments_with_status(
        &mut self,
        utility: &str,
        status: PaymentStatus,
    ) -> StoreResult<Vec<PaymentRow>> {
        Ok(self
            .work
            .payments
            .iter()
            .filter(|p| p.utility == utility && p.status == status)
            .cloned()
            .collect())
    }

    fn put_enrolment(&mut self, enrolment: &EnrolmentRow) -> StoreResult<()> {
        self.work.enrolments.insert(
            key(&enrolment.utility, &enrolment.account),
            enrolment.clone(),
        );
        Ok(())
    }

    fn enrolment(&mut self, utility: &str, account: &str) -> StoreResult<Option<EnrolmentRow>> {
        Ok(self.work.enrolments.get(&key(utility, account)).cloned())
    }

    fn active_enrolments(&mut self, utility: &str) -> StoreResult<Vec<EnrolmentRow>> {
        Ok(self
            .work
            .enrolments
            .values()
            .filter(|e| e.utility == utility && e.status == EnrolmentStatus::Active)
            .cloned()
            .collect())
    }

    fn claim_draft(&mut self, draft: &DraftRow) -> StoreResult<bool> {
        let id = key(&draft.utility, &draft.idempotency_key);
        if self.work.drafts.contains_key(&id) {
            return Ok(false);
        }
        self.work.drafts.insert(id, draft.clone());
        Ok(true)
    }

    fn drafts(&mut self, utility: &str, account: &str) -> StoreResult<Vec<DraftRow>> {
        let mut out: Vec<DraftRow> = self
            .work
            .drafts
            .values()
            .filter(|d| d.utility == utility && d.account == account)
            .cloned()
            .collect();
        out.sort_by_key(|d| (d.executed_at, d.attempt));
        Ok(out)
    }
}

impl IntentStore for MemoryTx<'_> {
    fn put_quote(&mut self, quote: &QuoteRow) -> StoreResult<()> {
        self.work
            .quotes
            .insert(key(&quote.utility, &quote.id), quote.clone());
        Ok(())
    }

    fn quote(&mut self, utility: &str, id: &str) -> StoreResult<Option<QuoteRow>> {
        Ok(self.work.quotes.get(&key(utility, id)).cloned())
    }

    fn claim_payment_key(&mut self, row: &PaymentKeyRow) -> StoreResult<bool> {
        let id = (row.utility.clone(), row.login.clone(), row.key.clone());
        if self.work.payment_keys.contains_key(&id) {
            return Ok(false);
        }
        self.work.payment_keys.insert(id, row.clone());
        Ok(true)
    }

    fn payment_key(
        &mut self,
        utility: &str,
        login: &str,
        k: &str,
    ) -> StoreResult<Option<PaymentKeyRow>> {
        let id = (utility.to_owned(), login.to_owned(), k.to_owned());
        Ok(self.work.payment_keys.get(&id).cloned())
    }
}

impl AuditStore for MemoryTx<'_> {
    fn append_audit(&mut self, event: &AuditEvent) -> StoreResult<()> {
        self.work.audit.push(event.clone());
        Ok(())
    }

    fn audit_events(&mut self, utility: &str) -> StoreResult<Vec<AuditEvent>> {
        Ok(self
            .work
            .audit
            .iter()
            .filter(|e| e.utility == utility)
            .cloned()
            .collect())
    }
}

impl SecurityStore for MemoryTx<'_> {
    fn security_record(
        &mut self,
        utility: &str,
        kind: SecurityKind,
        key: &str,
    ) -> StoreResult<Option<SecurityRow>> {
        Ok(self
            .work
            .security
            .get(&(utility.to_owned(), kind, key.to_owned()))
            .cloned())
    }

    fn put_security_record(&mut self, row: &SecurityRow) -> StoreResult<()> {
        self.work.security.insert(
            (row.utility.clone(), row.kind, row.key.clone()),
            row.clone(),
        );
        Ok(())
    }

    fn delete_security_record(
        &mut self,
        utility: &str,
        kind: SecurityKind,
        key: &str,
    ) -> StoreResult<bool> {
        Ok(self
            .work
            .security
            .remove(&(utility.to_owned(), kind, key.to_owned()))
            .is_some())
    }

    fn security_records_of_login(
        &mut self,
        utility: &str,
        kind: SecurityKind,
        login: &str,
    ) -> StoreResult<Vec<SecurityRow>> {
        Ok(self
            .work
            .security
            .values()
            .filter(|r| r.utility == utility && r.kind == kind && r.login.as_deref() == Some(login))
            .cloned()
            .collect())
    }
}

impl MemoryTx<'_> {
    fn outbox_entry(&mut self, utility: &str, k: &str) -> StoreResult<&mut OutboxMessage> {
        self.work.outbox.get_mut(&key(utility, k)).ok_or_else(|| {
            StorageError::new(
                StorageErrorKind::NotFound,
                format!("no outbox message `{k}`"),
            )
        })
    }

    /// The utility's messages in the outbox's order.
    fn ordered_outbox(&self, utility: &str) -> Vec<&OutboxMessage> {
        let mut out: Vec<&OutboxMessage> = self
            .work
            .outbox
            .values()
            .filter(|m| m.utility == utility)
            .collect();
        out.sort_by(|a, b| (a.created_at, &a.dedupe_key).cmp(&(b.created_at, &b.dedupe_key)));
        out
    }
}

impl OutboxStore for MemoryTx<'_> {
    fn enqueue_message(&mut self, message: &OutboxMessage) -> StoreResult<bool> {
        let id = key(&message.utility, &message.dedupe_key);
        if self.work.outbox.contains_key(&id) {
            return Ok(false);
        }
        self.work.outbox.insert(id, message.clone());
        Ok(true)
    }

    fn outbox_message(
        &mut self,
        utility: &str,
        dedupe_key: &str,
    ) -> StoreResult<Option<OutboxMessage>> {
        Ok(self.work.outbox.get(&key(utility, dedupe_key)).cloned())
    }

    fn undelivered_messages(
        &mut self,
        utility: &str,
        due_by: DateTime<Utc>,
        after: Option<&OutboxCursor>,
        limit: usize,
    ) -> StoreResult<Vec<OutboxMessage>> {
        Ok(self
            .ordered_outbox(utility)
            .into_iter()
            .filter(|m| m.is_listed(due_by, after))
            .take(limit)
            .cloned()
            .collect())
    }

    fn outbox_messages(&mut self, utility: &str) -> StoreResult<Vec<OutboxMessage>> {
        Ok(self.ordered_outbox(utility).into_iter().cloned().collect())
    }

    fn mark_delivered(
        &mut self,
        utility: &str,
        dedupe_key: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        Ok(self.outbox_entry(utility, dedupe_key)?.mark_delivered(at))
    }

    fn record_delivery_failure(
        &mut self,
        utility: &str,
        dedupe_key: &str,
        error: &str,
        next_attempt_at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        Ok(self
            .outbox_entry(utility, dedupe_key)?
            .record_failure(error, next_attempt_at))
    }
}

impl Tx for MemoryTx<'_> {
    fn commit(self: Box<Self>) -> StoreResult<()> {
        let MemoryTx { guard, work } = *self;
        if let Some(mut guard) = guard {
            *guard = work;
        }
        Ok(())
    }
}
