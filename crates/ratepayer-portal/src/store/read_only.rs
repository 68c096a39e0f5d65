//! Read transactions for stores without snapshots of their own: the
//! default [`Store::begin_read`](super::Store::begin_read) wraps a write
//! transaction from [`Store::begin`](super::Store::begin) in [`ReadOnlyTx`],
//! which passes every read through and refuses every write with
//! [`StorageErrorKind::Backend`] before it reaches the store, so a read
//! transaction changes nothing whatever the store underneath.

use chrono::{DateTime, Utc};

use super::intents::{IntentStore, PaymentKeyRow, QuoteRow};
use super::outbox::{OutboxCursor, OutboxMessage, OutboxStore};
use super::records::*;
use super::security::{SecurityKind, SecurityRow, SecurityStore};
use super::shared_cycle::{BatchCounts, CycleBatch, CyclePlan, CycleProgress};
use super::{
    AccountStore, AuditStore, LoginStore, MoneyStore, StorageError, StorageErrorKind, StoreResult,
    Tx,
};
use ratepayer::payment::AccountStatus;

/// A transaction that only reads: reads go to the wrapped transaction,
/// writes fail with [`StorageErrorKind::Backend`] and change nothing;
/// [`Tx::commit`] ends it without committing anything (the wrapped
/// transaction is dropped, so rolled back).
pub struct ReadOnlyTx<'a> {
    inner: Box<dyn Tx + 'a>,
}

impl<'a> ReadOnlyTx<'a> {
    /// Wraps `inner`, which then only reads.
    pub fn new(inner: Box<dyn Tx + 'a>) -> ReadOnlyTx<'a> {
        ReadOnlyTx { inner }
    }
}

/// The refusal of a write through a read transaction.
pub fn read_only_refusal(what: &str) -> StorageError {
    StorageError::new(
        StorageErrorKind::Backend,
        format!(
            "{what} failed: the transaction is read-only; write in a transaction from \
             `Store::begin`"
        ),
    )
}

impl LoginStore for ReadOnlyTx<'_> {
    fn insert_login(&mut self, _: &LoginRow) -> StoreResult<()> {
        Err(read_only_refusal("adding a login"))
    }
    fn update_login(&mut self, _: &LoginRow) -> StoreResult<()> {
        Err(read_only_refusal("changing a login"))
    }
    fn login(&mut self, id: &str) -> StoreResult<Option<LoginRow>> {
        self.inner.login(id)
    }
    fn login_by_username(
        &mut self,
        utility: &str,
        username: &str,
    ) -> StoreResult<Option<LoginRow>> {
        self.inner.login_by_username(utility, username)
    }
    fn put_contact(&mut self, _: &ContactRow) -> StoreResult<()> {
        Err(read_only_refusal("storing a contact"))
    }
    fn contacts(&mut self, login: &str) -> StoreResult<Vec<ContactRow>> {
        self.inner.contacts(login)
    }
    fn put_code(&mut self, _: &CodeRow) -> StoreResult<()> {
        Err(read_only_refusal("storing a code"))
    }
    fn code(&mut self, id: &str) -> StoreResult<Option<CodeRow>> {
        self.inner.code(id)
    }
    fn put_device(&mut self, _: &DeviceRow) -> StoreResult<()> {
        Err(read_only_refusal("storing a device"))
    }
    fn devices(&mut self, login: &str) -> StoreResult<Vec<DeviceRow>> {
        self.inner.devices(login)
    }
    fn login_email(&mut self, id: &str) -> StoreResult<Option<String>> {
        self.inner.login_email(id)
    }
}

impl AccountStore for ReadOnlyTx<'_> {
    fn put_account(&mut self, _: &AccountRow) -> StoreResult<()> {
        Err(read_only_refusal("storing an account"))
    }
    fn account(&mut self, utility: &str, number: &str) -> StoreResult<Option<AccountRow>> {
        self.inner.account(utility, number)
    }
    fn put_link(&mut self, _: &LinkRow) -> StoreResult<()> {
        Err(read_only_refusal("storing a link"))
    }
    fn delete_link(&mut self, _: &str, _: &str, _: &str) -> StoreResult<bool> {
        Err(read_only_refusal("removing a link"))
    }
    fn links_of_login(&mut self, login: &str) -> StoreResult<Vec<LinkRow>> {
        self.inner.links_of_login(login)
    }
    fn links_of_account(&mut self, utility: &str, account: &str) -> StoreResult<Vec<LinkRow>> {
        self.inner.links_of_account(utility, account)
    }
    fn account_statuses(
        &mut self,
        utility: &str,
        accounts: &[&str],
    ) -> StoreResult<Vec<Option<AccountStatus>>> {
        self.inner.account_statuses(utility, accounts)
    }
}

impl MoneyStore for ReadOnlyTx<'_> {
    fn insert_bill(&mut self, _: &BillRow) -> StoreResult<()> {
        Err(read_only_refusal("adding a bill"))
    }
    fn bills(&mut self, utility: &str, account: &str) -> StoreResult<Vec<BillRow>> {
        self.inner.bills(utility, account)
    }
    fn put_charge(&mut self, _: &ChargeRow) -> StoreResult<()> {
        Err(read_only_refusal("storing a charge"))
    }
    fn charges(&mut self, utility: &str, account: &str) -> StoreResult<Vec<ChargeRow>> {
        self.inner.charges(utility, account)
    }
    fn insert_payment_method(&mut self, _: &PaymentMethodRow) -> StoreResult<()> {
        Err(read_only_refusal("adding a payment method"))
    }
    fn payment_methods(&mut self, login: &str) -> StoreResult<Vec<PaymentMethodRow>> {
        self.inner.payment_methods(login)
    }
    fn insert_payment(&mut self, _: &PaymentRow) -> StoreResult<()> {
        Err(read_only_refusal("adding a payment"))
    }
    fn payments_of_account(
        &mut self,
        utility: &str,
        account: &str,
    ) -> StoreResult<Vec<PaymentRow>> {
        self.inner.payments_of_account(utility, account)
    }
    fn payment(&mut self, utility: &str, id: &str) -> StoreResult<Option<PaymentRow>> {
        self.inner.payment(utility, id)
    }
    fn payment_by_processor_key(
        &mut self,
        utility: &str,
        key: &str,
    ) -> StoreResult<Option<PaymentRow>> {
        self.inner.payment_by_processor_key(utility, key)
    }
    fn update_payment(&mut self, _: &PaymentRow) -> StoreResult<()> {
        Err(read_only_refusal("changing a payment"))
    }
    fn payments_with_status(
        &mut self,
        utility: &str,
        status: PaymentStatus,
    ) -> StoreResult<Vec<PaymentRow>> {
        self.inner.payments_with_status(utility, status)
    }
    fn put_enrolment(&mut self, _: &EnrolmentRow) -> StoreResult<()> {
        Err(read_only_refusal("storing an enrolment"))
    }
    fn enrolment(&mut self, utility: &str, account: &str) -> StoreResult<Option<EnrolmentRow>> {
        self.inner.enrolment(utility, account)
    }
    fn active_enrolments(&mut self, utility: &str) -> StoreResult<Vec<EnrolmentRow>> {
        self.inner.active_enrolments(utility)
    }
    fn active_enrolment_accounts(&mut self, utility: &str) -> StoreResult<Vec<String>> {
        self.inner.active_enrolment_accounts(utility)
    }
    fn active_enrolment_count(&mut self, utility: &str) -> StoreResult<usize> {
        self.inner.active_enrolment_count(utility)
    }
    fn active_enrolment_accounts_page(
        &mut self,
        utility: &str,
        after: Option<&str>,
        limit: usize,
    ) -> StoreResult<Vec<String>> {
        self.inner
            .active_enrolment_accounts_page(utility, after, limit)
    }
    fn claim_draft(&mut self, _: &DraftRow) -> StoreResult<bool> {
        Err(read_only_refusal("claiming a draft"))
    }
    fn drafts(&mut self, utility: &str, account: &str) -> StoreResult<Vec<DraftRow>> {
        self.inner.drafts(utility, account)
    }
    fn enrolments_of(
        &mut self,
        utility: &str,
        accounts: &[&str],
    ) -> StoreResult<Vec<Option<EnrolmentRow>>> {
        self.inner.enrolments_of(utility, accounts)
    }
    fn charges_of(&mut self, utility: &str, accounts: &[&str]) -> StoreResult<Vec<Vec<ChargeRow>>> {
        self.inner.charges_of(utility, accounts)
    }
    fn active_enrolment_accounts_in(
        &mut self,
        utility: &str,
        after: Option<&str>,
        last: Option<&str>,
    ) -> StoreResult<Vec<String>> {
        self.inner
            .active_enrolment_accounts_in(utility, after, last)
    }
    fn plan_autopay_cycle(
        &mut self,
        _: &str,
        _: chrono::NaiveDate,
        _: usize,
        _: DateTime<Utc>,
    ) -> StoreResult<CyclePlan> {
        Err(read_only_refusal("planning a shared AutoPay cycle"))
    }
    fn claim_cycle_batch(
        &mut self,
        _: &str,
        _: chrono::NaiveDate,
        _: u32,
    ) -> StoreResult<Option<CycleBatch>> {
        Err(read_only_refusal(
            "claiming a batch of a shared AutoPay cycle",
        ))
    }
    fn finish_cycle_batch(
        &mut self,
        _: &CycleBatch,
        _: &str,
        _: &BatchCounts,
        _: DateTime<Utc>,
    ) -> StoreResult<bool> {
        Err(read_only_refusal(
            "finishing a batch of a shared AutoPay cycle",
        ))
    }
    fn autopay_cycle_progress(
        &mut self,
        utility: &str,
        date: chrono::NaiveDate,
    ) -> StoreResult<Option<CycleProgress>> {
        self.inner.autopay_cycle_progress(utility, date)
    }
    fn mark_payment_submitted(
        &mut self,
        _: &str,
        _: &str,
        _: &str,
        _: DateTime<Utc>,
    ) -> StoreResult<bool> {
        Err(read_only_refusal("marking a payment submitted"))
    }
}

impl IntentStore for ReadOnlyTx<'_> {
    fn put_quote(&mut self, _: &QuoteRow) -> StoreResult<()> {
        Err(read_only_refusal("storing a quote"))
    }
    fn quote(&mut self, utility: &str, id: &str) -> StoreResult<Option<QuoteRow>> {
        self.inner.quote(utility, id)
    }
    fn claim_payment_key(&mut self, _: &PaymentKeyRow) -> StoreResult<bool> {
        Err(read_only_refusal("claiming a payment key"))
    }
    fn payment_key(
        &mut self,
        utility: &str,
        login: &str,
        key: &str,
    ) -> StoreResult<Option<PaymentKeyRow>> {
        self.inner.payment_key(utility, login, key)
    }
}

impl AuditStore for ReadOnlyTx<'_> {
    fn append_audit(&mut self, _: &AuditEvent) -> StoreResult<()> {
        Err(read_only_refusal("appending an audit event"))
    }
    fn audit_events(&mut self, utility: &str) -> StoreResult<Vec<AuditEvent>> {
        self.inner.audit_events(utility)
    }
}

impl SecurityStore for ReadOnlyTx<'_> {
    fn security_record(
        &mut self,
        utility: &str,
        kind: SecurityKind,
        key: &str,
    ) -> StoreResult<Option<SecurityRow>> {
        self.inner.security_record(utility, kind, key)
    }
    fn put_security_record(&mut self, _: &SecurityRow) -> StoreResult<()> {
        Err(read_only_refusal("storing a security record"))
    }
    fn delete_security_record(&mut self, _: &str, _: SecurityKind, _: &str) -> StoreResult<bool> {
        Err(read_only_refusal("removing a security record"))
    }
    fn security_records_of_login(
        &mut self,
        utility: &str,
        kind: SecurityKind,
        login: &str,
    ) -> StoreResult<Vec<SecurityRow>> {
        self.inner.security_records_of_login(utility, kind, login)
    }
}

impl OutboxStore for ReadOnlyTx<'_> {
    fn enqueue_message(&mut self, _: &OutboxMessage) -> StoreResult<bool> {
        Err(read_only_refusal("writing an outbox message"))
    }
    fn outbox_message(
        &mut self,
        utility: &str,
        dedupe_key: &str,
    ) -> StoreResult<Option<OutboxMessage>> {
        self.inner.outbox_message(utility, dedupe_key)
    }
    fn undelivered_messages(
        &mut self,
        utility: &str,
        due_by: DateTime<Utc>,
        after: Option<&OutboxCursor>,
        limit: usize,
    ) -> StoreResult<Vec<OutboxMessage>> {
        self.inner
            .undelivered_messages(utility, due_by, after, limit)
    }
    fn outbox_messages(&mut self, utility: &str) -> StoreResult<Vec<OutboxMessage>> {
        self.inner.outbox_messages(utility)
    }
    fn mark_delivered(&mut self, _: &str, _: &str, _: DateTime<Utc>) -> StoreResult<bool> {
        Err(read_only_refusal("marking a message delivered"))
    }
    fn record_delivery_failure(
        &mut self,
        _: &str,
        _: &str,
        _: &str,
        _: DateTime<Utc>,
    ) -> StoreResult<bool> {
        Err(read_only_refusal("recording a failed delivery"))
    }
}

impl Tx for ReadOnlyTx<'_> {
    fn commit(self: Box<Self>) -> StoreResult<()> {
        // Nothing was written: dropping the wrapped transaction rolls it back.
        Ok(())
    }
}
