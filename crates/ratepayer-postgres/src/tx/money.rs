//! [`MoneyStore`] on PostgreSQL: bills, charges, payment methods, payments
//! (with a `payment_accounts` index of the accounts each one touches, their
//! status and processor key in columns of their own), AutoPay enrolments
//! and executed drafts. A draft is claimed by inserting its (utility,
//! idempotency key), the table's primary key, with `ON CONFLICT DO
//! NOTHING`: a key is claimed once across every connection and process (a
//! concurrent claim of the same key waits for the first transaction, then
//! finds the key taken or, when that one committed after its snapshot,
//! fails with a serialization failure, [`StorageErrorKind::Busy`]).

use std::collections::HashMap;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use ratepayer_portal::store::{
    BatchCounts, BillRow, ChargeRow, CycleBatch, CyclePlan, CycleProgress, DraftRow, EnrolmentRow,
    EnrolmentStatus, MoneyStore, PaymentMethodRow, PaymentRow, PaymentSource, PaymentStatus,
    StorageError, StorageErrorKind, StoreResult,
};

use super::account::storable;
use super::{amount, instant, json_at, text_at, PgTx};
use crate::error::to_json;

/// An enrolment status as stored.
fn enrolment_status(s: EnrolmentStatus) -> &'static str {
    match s {
        EnrolmentStatus::Active => "active",
        EnrolmentStatus::Cancelled => "cancelled",
    }
}

/// A payment source as stored.
fn source(s: PaymentSource) -> &'static str {
    match s {
        PaymentSource::Portal => "portal",
        PaymentSource::Autopay => "autopay",
    }
}

impl MoneyStore for PgTx<'_> {
    fn insert_bill(&mut self, bill: &BillRow) -> StoreResult<()> {
        let what = "adding a bill";
        let data = to_json(what, bill)?;
        let inserted = self.exec(
            what,
            "INSERT INTO bills (utility, account, bill_id, bill_day, due_date, total, currency, data)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (utility, account, bill_id) DO NOTHING",
            &[
                &bill.utility,
                &bill.account,
                &bill.bill_id,
                &i64::from(bill.bill_date.num_days_from_ce()),
                &bill.due_date.to_string(),
                &amount(&bill.total),
                &bill.total.currency().code(),
                &data,
            ],
        )?;
        if inserted == 0 {
            return Err(StorageError::new(
                StorageErrorKind::Conflict,
                format!("bill `{}` was posted before", bill.bill_id),
            ));
        }
        Ok(())
    }

    fn bills(&mut self, utility: &str, account: &str) -> StoreResult<Vec<BillRow>> {
        // Nothing is held back for bills: no need to send it first.
        let what = "reading the bills of an account";
        self.query_past_held(
            what,
            "SELECT data FROM bills WHERE utility = $1 AND account = $2
             ORDER BY bill_day DESC, bill_id DESC",
            &[&utility, &account],
        )?
        .iter()
        .map(|row| json_at(what, row, 0))
        .collect()
    }

    fn put_charge(&mut self, charge: &ChargeRow) -> StoreResult<()> {
        if self.hold_charge(charge)? {
            return Ok(());
        }
        let what = "saving an open charge";
        let data = to_json(what, charge)?;
        self.exec(
            what,
            "INSERT INTO charges (utility, account, charge_id, due_date, amount, currency, data)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (utility, account, charge_id) DO UPDATE
             SET due_date = excluded.due_date, amount = excluded.amount,
                 currency = excluded.currency, data = excluded.data",
            &[
                &charge.utility,
                &charge.account,
                &charge.charge.id,
                &charge.charge.due_date.to_string(),
                &amount(&charge.charge.amount),
                &charge.charge.amount.currency().code(),
                &data,
            ],
        )?;
        Ok(())
    }

    fn charges(&mut self, utility: &str, account: &str) -> StoreResult<Vec<ChargeRow>> {
        self.all(
            "reading the charges of an account",
            "SELECT data FROM charges WHERE utility = $1 AND account = $2 ORDER BY charge_id",
            &[&utility, &account],
        )
    }

    fn insert_payment_method(&mut self, method: &PaymentMethodRow) -> StoreResult<()> {
        let what = "adding a payment method";
        let data = to_json(what, method)?;
        let inserted = self.exec(
            what,
            "INSERT INTO payment_methods (id, login, data) VALUES ($1, $2, $3)
             ON CONFLICT (id) DO NOTHING",
            &[&method.id, &method.login, &data],
        )?;
        if inserted == 0 {
            return Err(StorageError::new(
                StorageErrorKind::Conflict,
                format!("payment method `{}` exists", method.id),
            ));
        }
        Ok(())
    }

    fn payment_methods(&mut self, login: &str) -> StoreResult<Vec<PaymentMethodRow>> {
        self.all(
            "reading payment methods",
            "SELECT data FROM payment_methods WHERE login = $1 ORDER BY seq",
            &[&login],
        )
    }

    fn insert_payment(&mut self, payment: &PaymentRow) -> StoreResult<()> {
        if self.hold_payment(payment, source(payment.source))? {
            return Ok(());
        }
        let what = "adding a payment";
        let data = to_json(what, payment)?;
        // A taken id or processor key inserts nothing.
        let rows = self.exec_returning(
            what,
            "INSERT INTO payments
             (id, utility, login, source, amount, fee, total, currency, idempotency_key, at, data,
              status, processor_key)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
             ON CONFLICT DO NOTHING
             RETURNING seq",
            &[
                &payment.id,
                &payment.utility,
                &payment.login,
                &source(payment.source),
                &amount(&payment.amount),
                &amount(&payment.fee),
                &amount(&payment.total),
                &payment.total.currency().code(),
                &payment.idempotency_key,
                &payment.at.to_rfc3339(),
                &data,
                &payment.status.as_str(),
                &payment.processor_key,
            ],
        )?;
        let Some(row) = rows.first() else {
            return Err(StorageError::new(
                StorageErrorKind::Conflict,
                format!(
                    "payment `{}` (or its processor key) was recorded before",
                    payment.id
                ),
            ));
        };
        let seq: i64 = row.try_get(0).map_err(|e| {
            StorageError::new(
                StorageErrorKind::Corrupt,
                format!("{what} failed: the payment's sequence number could not be read: {e}"),
            )
        })?;
        let accounts: Vec<&str> = payment
            .allocation
            .accounts
            .iter()
            .map(|part| part.account.as_str())
            .collect();
        if !accounts.is_empty() {
            self.exec(
                what,
                "INSERT INTO payment_accounts (utility, account, payment)
                 SELECT $1::text, a, $3::bigint FROM unnest($2::text[]) AS a
                 ON CONFLICT DO NOTHING",
                &[&payment.utility, &accounts, &seq],
            )?;
        }
        Ok(())
    }

    fn payments_of_account(
        &mut self,
        utility: &str,
        account: &str,
    ) -> StoreResult<Vec<PaymentRow>> {
        self.all(
            "reading the payments of an account",
            "SELECT p.data FROM payment_accounts pa JOIN payments p ON p.seq = pa.payment
             WHERE pa.utility = $1 AND pa.account = $2 ORDER BY pa.payment",
            &[&utility, &account],
        )
    }

    fn payment(&mut self, utility: &str, id: &str) -> StoreResult<Option<PaymentRow>> {
        self.one(
            "reading a payment",
            "SELECT data FROM payments WHERE utility = $1 AND id = $2",
            &[&utility, &id],
        )
    }

    fn payment_by_processor_key(
        &mut self,
        utility: &str,
        key: &str,
    ) -> StoreResult<Option<PaymentRow>> {
        self.one(
            "reading a payment by its processor key",
            "SELECT data FROM payments WHERE utility = $1 AND processor_key = $2",
            &[&utility, &key],
        )
    }

    fn update_payment(&mut self, payment: &PaymentRow) -> StoreResult<()> {
        let what = "updating a payment";
        let data = to_json(what, payment)?;
        // A processor key another payment holds changes nothing (the
        // statement does not fail), and is told apart below.
        let changed = self.exec(
            what,
            "UPDATE payments SET status = $3, processor_key = $4, data = $5
             WHERE utility = $1 AND id = $2 AND NOT EXISTS (
                 SELECT 1 FROM payments o
                 WHERE o.utility = $1 AND o.processor_key = $4 AND o.id <> $2)",
            &[
                &payment.utility,
                &payment.id,
                &payment.status.as_str(),
                &payment.processor_key,
                &data,
            ],
        )?;
        if changed > 0 {
            return Ok(());
        }
        if self.payment(&payment.utility, &payment.id)?.is_some() {
            return Err(StorageError::new(
                StorageErrorKind::Conflict,
                format!(
                    "payment `{}` cannot take a processor key another payment has",
                    payment.id
                ),
            ));
        }
        Err(StorageError::new(
            StorageErrorKind::NotFound,
            format!("no payment `{}` to update", payment.id),
        ))
    }

    fn payments_with_status(
        &mut self,
        utility: &str,
        status: PaymentStatus,
    ) -> StoreResult<Vec<PaymentRow>> {
        self.all(
            "reading the payments with a status",
            "SELECT data FROM payments WHERE utility = $1 AND status = $2 ORDER BY seq",
            &[&utility, &status.as_str()],
        )
    }

    fn put_enrolment(&mut self, enrolment: &EnrolmentRow) -> StoreResult<()> {
        let what = "saving an AutoPay enrolment";
        let data = to_json(what, enrolment)?;
        self.exec(
            what,
            "INSERT INTO enrolments (utility, account, login, status, data)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (utility, account) DO UPDATE
             SET login = excluded.login, status = excluded.status, data = excluded.data",
            &[
                &enrolment.utility,
                &enrolment.account,
                &enrolment.login,
                &enrolment_status(enrolment.status),
                &data,
            ],
        )?;
        Ok(())
    }

    fn enrolment(&mut self, utility: &str, account: &str) -> StoreResult<Option<EnrolmentRow>> {
        self.one(
            "reading an AutoPay enrolment",
            "SELECT data FROM enrolments WHERE utility = $1 AND account = $2",
            &[&utility, &account],
        )
    }

    fn active_enrolments(&mut self, utility: &str) -> StoreResult<Vec<EnrolmentRow>> {
        self.all(
            "reading the active AutoPay enrolments",
            "SELECT data FROM enrolments WHERE utility = $1 AND status = 'active'
             ORDER BY account",
            &[&utility],
        )
    }

    fn active_enrolment_count(&mut self, utility: &str) -> StoreResult<usize> {
        let what = "counting the active AutoPay enrolments";
        let rows = self.query(
            what,
            "SELECT COUNT(*) FROM enrolments WHERE utility = $1 AND status = 'active'",
            &[&utility],
        )?;
        let n: i64 = rows.first().and_then(|r| r.try_get(0).ok()).unwrap_or(0);
        Ok(usize::try_from(n).unwrap_or(0))
    }

    fn active_enrolment_accounts_page(
        &mut self,
        utility: &str,
        after: Option<&str>,
        limit: usize,
    ) -> StoreResult<Vec<String>> {
        // A range scan of the partial index of the active enrolments.
        let what = "listing a page of the accounts of the active AutoPay enrolments";
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let after = after.unwrap_or("");
        self.query(
            what,
            "SELECT account FROM enrolments WHERE utility = $1 AND status = 'active'
             AND account > $2 ORDER BY account LIMIT $3",
            &[&utility, &after, &limit],
        )?
        .iter()
        .map(|row| Ok(text_at(what, row, 0)?.to_owned()))
        .collect()
    }

    fn active_enrolment_accounts(&mut self, utility: &str) -> StoreResult<Vec<String>> {
        // The partial index of the active enrolments covers the query.
        let what = "listing the accounts of the active AutoPay enrolments";
        self.query(
            what,
            "SELECT account FROM enrolments WHERE utility = $1 AND status = 'active'
             ORDER BY account",
            &[&utility],
        )?
        .iter()
        .map(|row| Ok(text_at(what, row, 0)?.to_owned()))
        .collect()
    }

    fn claim_draft(&mut self, draft: &DraftRow) -> StoreResult<bool> {
        if let Some(new) = self.hold_draft(draft)? {
            return Ok(new);
        }
        let what = "claiming an AutoPay draft";
        let data = to_json(what, draft)?;
        let (secs, nanos) = instant(&draft.executed_at);
        let inserted = self.exec(
            what,
            "INSERT INTO drafts (utility, idempotency_key, account, bill_id, attempt, date, total,
                                 currency, payment_id, executed_secs, executed_nanos, data)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
             ON CONFLICT (utility, idempotency_key) DO NOTHING",
            &[
                &draft.utility,
                &draft.idempotency_key,
                &draft.account,
                &draft.bill_id,
                &i64::from(draft.attempt),
                &draft.date.to_string(),
                &amount(&draft.total),
                &draft.total.currency().code(),
                &draft.payment_id,
                &secs,
                &nanos,
                &data,
            ],
        )?;
        Ok(inserted > 0)
    }

    fn enrolments_of(
        &mut self,
        utility: &str,
        accounts: &[&str],
    ) -> StoreResult<Vec<Option<EnrolmentRow>>> {
        let what = "reading the AutoPay enrolments of a batch of accounts";
        let rows = self.query(
            what,
            "SELECT account, data FROM enrolments WHERE utility = $1 AND account = ANY($2)",
            &[&utility, &storable(accounts)],
        )?;
        let mut found: HashMap<&str, EnrolmentRow> = HashMap::with_capacity(rows.len());
        for row in &rows {
            found.insert(text_at(what, row, 0)?, json_at(what, row, 1)?);
        }
        Ok(accounts.iter().map(|a| found.get(a).cloned()).collect())
    }

    fn charges_of(&mut self, utility: &str, accounts: &[&str]) -> StoreResult<Vec<Vec<ChargeRow>>> {
        let what = "reading the charges of a batch of accounts";
        // In a batch of a shared AutoPay cycle the charges are locked until
        // it ends: a payment on one of them meanwhile waits, and then fails
        // busy rather than pay what the batch drafted.
        let sql = if self.cycle_batch {
            "SELECT account, data FROM charges WHERE utility = $1 AND account = ANY($2)
             ORDER BY account, charge_id
             FOR NO KEY UPDATE"
        } else {
            "SELECT account, data FROM charges WHERE utility = $1 AND account = ANY($2)
             ORDER BY account, charge_id"
        };
        let rows = self.query(what, sql, &[&utility, &storable(accounts)])?;
        let mut found: HashMap<&str, Vec<ChargeRow>> = HashMap::with_capacity(accounts.len());
        for row in &rows {
            found
                .entry(text_at(what, row, 0)?)
                .or_default()
                .push(json_at(what, row, 1)?);
        }
        Ok(accounts
            .iter()
            .map(|a| found.get(a).cloned().unwrap_or_default())
            .collect())
    }

    fn active_enrolment_accounts_in(
        &mut self,
        utility: &str,
        after: Option<&str>,
        last: Option<&str>,
    ) -> StoreResult<Vec<String>> {
        self.enrolments_in(utility, after, last)
    }

    fn plan_autopay_cycle(
        &mut self,
        utility: &str,
        date: NaiveDate,
        batch_size: usize,
        at: DateTime<Utc>,
    ) -> StoreResult<CyclePlan> {
        self.plan_cycle(utility, date, batch_size, at)
    }

    fn claim_cycle_batch(
        &mut self,
        utility: &str,
        date: NaiveDate,
        pass: u32,
    ) -> StoreResult<Option<CycleBatch>> {
        self.claim_batch(utility, date, pass)
    }

    fn finish_cycle_batch(
        &mut self,
        batch: &CycleBatch,
        runner: &str,
        counts: &BatchCounts,
        at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        self.finish_batch(batch, runner, counts, at)
    }

    fn autopay_cycle_progress(
        &mut self,
        utility: &str,
        date: NaiveDate,
    ) -> StoreResult<Option<CycleProgress>> {
        self.cycle_progress(utility, date)
    }

    fn mark_payment_submitted(
        &mut self,
        utility: &str,
        id: &str,
        reference: &str,
        submitted_at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        // The record read and written back with its status, reference and
        // submission time set, every other field as stored; the update is
        // conditional on the status, so it changes a pending payment only.
        let what = "marking a payment submitted";
        let rows = self.query(
            what,
            "SELECT data FROM payments WHERE utility = $1 AND id = $2 AND status = 'pending'",
            &[&utility, &id],
        )?;
        let Some(row) = rows.first() else {
            return Ok(false);
        };
        let mut payment: PaymentRow = json_at(what, row, 0)?;
        payment.status = PaymentStatus::Submitted;
        payment.settlement.reference = Some(reference.to_owned());
        payment.settlement.submitted_at = Some(submitted_at);
        let data = to_json(what, &payment)?;
        let changed = self.exec(
            what,
            "UPDATE payments SET status = 'submitted', data = $3
             WHERE utility = $1 AND id = $2 AND status = 'pending'",
            &[&utility, &id, &data],
        )?;
        Ok(changed > 0)
    }

    fn drafts(&mut self, utility: &str, account: &str) -> StoreResult<Vec<DraftRow>> {
        self.all(
            "reading the drafts of an account",
            "SELECT data FROM drafts WHERE utility = $1 AND account = $2
             ORDER BY executed_secs, executed_nanos, attempt, idempotency_key",
            &[&utility, &account],
        )
    }
}
