//! [`MoneyStore`] on SQLite: bills, charges, payment methods, payments (with
//! a `payment_accounts` index of the accounts each one touches, the
//! processor key in a column of its own, and since schema version 8 the
//! status, with the reference and instant a hand-off sets, in a narrow
//! `payment_status` row of each payment), AutoPay
//! enrolments and executed drafts. A draft is claimed by inserting its
//! (utility, idempotency key), the table's primary key, so a key is claimed
//! once across every connection and process.

use chrono::{DateTime, Datelike, Utc};
use ratepayer_portal::store::{
    BillRow, ChargeRow, DraftRow, EnrolmentRow, EnrolmentStatus, MoneyStore, PaymentMethodRow,
    PaymentRow, PaymentStatus, StorageError, StorageErrorKind, StoreResult,
};
use rusqlite::params;

use super::draft_record;
use super::payment_record::{payment_data, payments_with_status, source_str};
use super::{amount, conflict, instant, json_at, SqliteTx};
use crate::error::{db, to_json};

/// An enrolment status as stored.
fn enrolment_status(s: EnrolmentStatus) -> &'static str {
    match s {
        EnrolmentStatus::Active => "active",
        EnrolmentStatus::Cancelled => "cancelled",
    }
}

impl MoneyStore for SqliteTx<'_> {
    fn insert_bill(&mut self, bill: &BillRow) -> StoreResult<()> {
        let what = "adding a bill";
        let data = to_json(what, bill)?;
        self.exec(
            what,
            "INSERT INTO bills (utility, account, bill_id, bill_day, due_date, total, currency, data)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                bill.utility,
                bill.account,
                bill.bill_id,
                bill.bill_date.num_days_from_ce(),
                bill.due_date.to_string(),
                amount(&bill.total),
                bill.total.currency().code(),
                data
            ],
        )
        .map_err(|e| conflict(e, || format!("bill `{}` was posted before", bill.bill_id)))?;
        Ok(())
    }

    fn bills(&mut self, utility: &str, account: &str) -> StoreResult<Vec<BillRow>> {
        self.all(
            "reading the bills of an account",
            "SELECT data FROM bills WHERE utility = ?1 AND account = ?2
             ORDER BY bill_day DESC, bill_id DESC",
            [utility, account],
        )
    }

    fn put_charge(&mut self, charge: &ChargeRow) -> StoreResult<()> {
        let what = "saving an open charge";
        let data = to_json(what, charge)?;
        self.exec(
            what,
            "INSERT INTO charges (utility, account, charge_id, due_date, amount, currency, data)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (utility, account, charge_id) DO UPDATE
             SET due_date = excluded.due_date, amount = excluded.amount,
                 currency = excluded.currency, data = excluded.data",
            params![
                charge.utility,
                charge.account,
                charge.charge.id,
                charge.charge.due_date.to_string(),
                amount(&charge.charge.amount),
                charge.charge.amount.currency().code(),
                data
            ],
        )?;
        Ok(())
    }

    fn charges(&mut self, utility: &str, account: &str) -> StoreResult<Vec<ChargeRow>> {
        // `ORDER BY` is free here: the primary key's index is in this order,
        // and the connection's query-planner stability (see `setup`) keeps
        // SQLite from re-preparing the statement on every new binding.
        self.all(
            "reading the charges of an account",
            "SELECT data FROM charges WHERE utility = ?1 AND account = ?2 ORDER BY charge_id",
            [utility, account],
        )
    }

    fn insert_payment_method(&mut self, method: &PaymentMethodRow) -> StoreResult<()> {
        let what = "adding a payment method";
        let data = to_json(what, method)?;
        self.exec(
            what,
            "INSERT INTO payment_methods (id, login, data) VALUES (?1, ?2, ?3)",
            params![method.id, method.login, data],
        )
        .map_err(|e| conflict(e, || format!("payment method `{}` exists", method.id)))?;
        Ok(())
    }

    fn payment_methods(&mut self, login: &str) -> StoreResult<Vec<PaymentMethodRow>> {
        self.all(
            "reading payment methods",
            "SELECT data FROM payment_methods WHERE login = ?1 ORDER BY seq",
            [login],
        )
    }

    fn insert_payment(&mut self, payment: &PaymentRow) -> StoreResult<()> {
        let what = "adding a payment";
        let data = payment_data(what, payment)?;
        self.exec(
            what,
            "INSERT INTO payments
             (id, utility, login, source, amount, fee, total, currency, idempotency_key, at, data,
              processor_key)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            params![
                payment.id,
                payment.utility,
                payment.login,
                source_str(payment.source),
                amount(&payment.amount),
                amount(&payment.fee),
                amount(&payment.total),
                payment.total.currency().code(),
                payment.idempotency_key,
                payment.at.to_rfc3339(),
                data,
                payment.processor_key
            ],
        )
        .map_err(|e| {
            conflict(e, || {
                format!(
                    "payment `{}` (or its processor key) was recorded before",
                    payment.id
                )
            })
        })?;
        let seq = self.conn.last_insert_rowid();
        // Its status in the narrow table (schema version 8); the whole
        // settlement is in `data`. (A payment's seq is new; should a row of
        // a payment gone before hold it, it is replaced.)
        self.exec(
            what,
            "INSERT INTO payment_status (payment, utility, status) VALUES (?1, ?2, ?3)
             ON CONFLICT (payment) DO UPDATE
             SET utility = excluded.utility, status = excluded.status, reference = NULL,
                 submitted_s = NULL, submitted_ns = NULL",
            params![seq, payment.utility, payment.status.as_str()],
        )?;
        let mut stmt = self
            .conn
            .prepare_cached(
                "INSERT OR IGNORE INTO payment_accounts (utility, account, payment)
                 VALUES (?1, ?2, ?3)",
            )
            .map_err(|e| db(what, e))?;
        for part in &payment.allocation.accounts {
            stmt.execute(params![payment.utility, part.account, seq])
                .map_err(|e| db(what, e))?;
        }
        Ok(())
    }

    fn payments_of_account(
        &mut self,
        utility: &str,
        account: &str,
    ) -> StoreResult<Vec<PaymentRow>> {
        self.payments_where(
            "reading the payments of an account",
            "FROM payment_accounts pa JOIN payments p ON p.seq = pa.payment
             LEFT JOIN payment_status s ON s.payment = p.seq
             WHERE pa.utility = ?1 AND pa.account = ?2 ORDER BY pa.payment",
            [utility, account],
        )
    }

    fn payment(&mut self, utility: &str, id: &str) -> StoreResult<Option<PaymentRow>> {
        Ok(self
            .payments_where(
                "reading a payment",
                concat!(
                    "FROM ",
                    payments_with_status!(),
                    " WHERE p.utility = ?1 AND p.id = ?2"
                ),
                [utility, id],
            )?
            .pop())
    }

    fn payment_by_processor_key(
        &mut self,
        utility: &str,
        key: &str,
    ) -> StoreResult<Option<PaymentRow>> {
        Ok(self
            .payments_where(
                "reading a payment by its processor key",
                concat!(
                    "FROM ",
                    payments_with_status!(),
                    " WHERE p.utility = ?1 AND p.processor_key = ?2"
                ),
                [utility, key],
            )?
            .pop())
    }

    fn update_payment(&mut self, payment: &PaymentRow) -> StoreResult<()> {
        // Every column is written with the record: a record written now
        // reads the fields kept in columns from there. The status row gets
        // the status, and gives up the reference and submission instant a
        // hand-off set there: the settlement in `data` holds them now.
        let what = "updating a payment";
        let data = payment_data(what, payment)?;
        let changed = self.exec(
            what,
            "UPDATE payments SET processor_key = ?3, data = ?4, login = ?5,
                    source = ?6, amount = ?7, fee = ?8, total = ?9, currency = ?10,
                    idempotency_key = ?11, at = ?12
             WHERE utility = ?1 AND id = ?2",
            params![
                payment.utility,
                payment.id,
                payment.processor_key,
                data,
                payment.login,
                source_str(payment.source),
                amount(&payment.amount),
                amount(&payment.fee),
                amount(&payment.total),
                payment.total.currency().code(),
                payment.idempotency_key,
                payment.at.to_rfc3339()
            ],
        )?;
        if changed == 0 {
            return Err(StorageError::new(
                StorageErrorKind::NotFound,
                format!("no payment `{}` to update", payment.id),
            ));
        }
        self.exec(
            what,
            "INSERT INTO payment_status (payment, utility, status)
             SELECT seq, utility, ?3 FROM payments WHERE utility = ?1 AND id = ?2
             ON CONFLICT (payment) DO UPDATE
             SET status = excluded.status, reference = NULL, submitted_s = NULL,
                 submitted_ns = NULL",
            params![payment.utility, payment.id, payment.status.as_str()],
        )?;
        Ok(())
    }

    fn payments_with_status(
        &mut self,
        utility: &str,
        status: PaymentStatus,
    ) -> StoreResult<Vec<PaymentRow>> {
        // A range of the status table's index, oldest first.
        self.payments_where(
            "reading the payments with a status",
            "FROM payment_status s JOIN payments p ON p.seq = s.payment
             WHERE s.utility = ?1 AND s.status = ?2 ORDER BY s.payment",
            [utility, status.as_str()],
        )
    }

    fn put_enrolment(&mut self, enrolment: &EnrolmentRow) -> StoreResult<()> {
        let what = "saving an AutoPay enrolment";
        let data = to_json(what, enrolment)?;
        self.exec(
            what,
            "INSERT INTO enrolments (utility, account, login, status, data)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (utility, account) DO UPDATE
             SET login = excluded.login, status = excluded.status, data = excluded.data",
            params![
                enrolment.utility,
                enrolment.account,
                enrolment.login,
                enrolment_status(enrolment.status),
                data
            ],
        )?;
        Ok(())
    }

    fn enrolment(&mut self, utility: &str, account: &str) -> StoreResult<Option<EnrolmentRow>> {
        self.one(
            "reading an AutoPay enrolment",
            "SELECT data FROM enrolments WHERE utility = ?1 AND account = ?2",
            [utility, account],
        )
    }

    fn active_enrolments(&mut self, utility: &str) -> StoreResult<Vec<EnrolmentRow>> {
        self.all(
            "reading the active AutoPay enrolments",
            "SELECT data FROM enrolments WHERE utility = ?1 AND status = 'active'
             ORDER BY account",
            [utility],
        )
    }

    fn active_enrolment_count(&mut self, utility: &str) -> StoreResult<usize> {
        let what = "counting the active AutoPay enrolments";
        self.live(what)?;
        let n: i64 = self
            .conn
            .prepare_cached(
                "SELECT COUNT(*) FROM enrolments WHERE utility = ?1 AND status = 'active'",
            )
            .and_then(|mut stmt| stmt.query_row([utility], |r| r.get(0)))
            .map_err(|e| db(what, e))?;
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
        self.live(what)?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT account FROM enrolments WHERE utility = ?1 AND status = 'active'
                 AND account > ?2 ORDER BY account LIMIT ?3",
            )
            .map_err(|e| db(what, e))?;
        let rows = stmt
            .query_map(
                rusqlite::params![utility, after.unwrap_or(""), limit],
                |r| r.get(0),
            )
            .map_err(|e| db(what, e))?;
        rows.collect::<Result<_, _>>().map_err(|e| db(what, e))
    }

    fn active_enrolment_accounts(&mut self, utility: &str) -> StoreResult<Vec<String>> {
        // The partial index of the active enrolments covers the query.
        let what = "listing the accounts of the active AutoPay enrolments";
        self.live(what)?;
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT account FROM enrolments WHERE utility = ?1 AND status = 'active'
                 ORDER BY account",
            )
            .map_err(|e| db(what, e))?;
        let rows = stmt
            .query_map([utility], |r| r.get(0))
            .map_err(|e| db(what, e))?;
        rows.collect::<Result<_, _>>().map_err(|e| db(what, e))
    }

    fn claim_draft(&mut self, draft: &DraftRow) -> StoreResult<bool> {
        // Every field has a column: the record is not repeated in `data`
        // (schema version 7; see `draft_record`).
        let what = "claiming an AutoPay draft";
        let data = draft_record::DRAFT_DATA;
        let (secs, nanos) = instant(&draft.executed_at);
        let inserted = self.exec(
            what,
            "INSERT INTO drafts (idempotency_key, utility, account, bill_id, attempt, date, total,
                                 currency, payment_id, executed_secs, executed_nanos, data)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
             ON CONFLICT (utility, idempotency_key) DO NOTHING",
            params![
                draft.idempotency_key,
                draft.utility,
                draft.account,
                draft.bill_id,
                draft.attempt,
                draft.date.to_string(),
                amount(&draft.total),
                draft.total.currency().code(),
                draft.payment_id,
                secs,
                nanos,
                data
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
        let read = self.by_account_range(
            what,
            "SELECT account, data FROM enrolments
             WHERE utility = ?1 AND account BETWEEN ?2 AND ?3 ORDER BY account",
            utility,
            accounts,
            |row| json_at(what, row, 1),
        )?;
        match read {
            Some(found) => Ok(found.into_iter().map(|mut v| v.pop()).collect()),
            None => accounts
                .iter()
                .map(|a| self.enrolment(utility, a))
                .collect(),
        }
    }

    fn charges_of(&mut self, utility: &str, accounts: &[&str]) -> StoreResult<Vec<Vec<ChargeRow>>> {
        let what = "reading the charges of a batch of accounts";
        let read = self.by_account_range(
            what,
            "SELECT account, data FROM charges
             WHERE utility = ?1 AND account BETWEEN ?2 AND ?3 ORDER BY account, charge_id",
            utility,
            accounts,
            |row| json_at(what, row, 1),
        )?;
        match read {
            Some(found) => Ok(found),
            None => accounts.iter().map(|a| self.charges(utility, a)).collect(),
        }
    }

    fn mark_payment_submitted(
        &mut self,
        utility: &str,
        id: &str,
        reference: &str,
        submitted_at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        // One conditional update of the payment's narrow status row (schema
        // version 8): the status, and the processor's reference and the
        // submission instant, which reading puts in the settlement in place
        // of those in `data`. The record itself is not rewritten, nor read:
        // the payment's seq comes from the index of ids (ids are unique
        // across utilities), its utility is checked on the status row.
        let what = "marking a payment submitted";
        let (secs, nanos) = instant(&submitted_at);
        let changed = self.exec(
            what,
            "UPDATE payment_status SET status = 'submitted', reference = ?3, submitted_s = ?4,
                    submitted_ns = ?5
             WHERE payment = (SELECT seq FROM payments WHERE id = ?2)
               AND utility = ?1 AND status = 'pending'",
            params![utility, id, reference, secs, nanos],
        )?;
        Ok(changed > 0)
    }

    fn drafts(&mut self, utility: &str, account: &str) -> StoreResult<Vec<DraftRow>> {
        let what = "reading the drafts of an account";
        self.live(what)?;
        let mut stmt = self
            .conn
            .prepare_cached(draft_record::select_drafts!(
                "WHERE utility = ?1 AND account = ?2
                 ORDER BY executed_secs, executed_nanos, attempt, idempotency_key"
            ))
            .map_err(|e| db(what, e))?;
        let mut rows = stmt.query([utility, account]).map_err(|e| db(what, e))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(|e| db(what, e))? {
            out.push(draft_record::draft_at(what, row)?);
        }
        Ok(out)
    }
}
