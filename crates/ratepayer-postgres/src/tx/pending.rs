//! The writes a batch of a shared AutoPay cycle holds back until it
//! commits (or reads something they could change), then sends as one
//! multi-row statement per table (`INSERT … SELECT * FROM unnest($1, …)`,
//! without `ON CONFLICT` where the keys were read as free: one uniqueness
//! check a row, and a key taken meanwhile fails the batch):
//! the draft claims, payments with the accounts they touch, charges,
//! audit events and outbox messages of a batch of 1,000 accounts go to the
//! server in five statements instead of several thousand round trips.
//!
//! A held-back claim must still answer at once whether it is new. So when
//! the batch lists its accounts (`MoneyStore::active_enrolment_accounts_in`)
//! the transaction reads, for that range of accounts, the draft keys and
//! outbox dedupe keys already there (and the enrolled logins' addresses);
//! a claim of a draft or a message of an account in the range is answered
//! from those (and from what the batch claimed before), others go to the
//! server at once. The batch's enrolment rows are locked, so no other
//! cycle drafts its accounts meanwhile; should a held-back row still meet
//! one written by another transaction, the flush's insert fails on the
//! unique key and fails the transaction ([`StorageErrorKind::Busy`]: the
//! batch is rolled back whole and claimed again, and then sees that row).
//!
//! Order is kept: a write that is not held back, and every read but the
//! few that cannot see held-back rows, first sends what is held.

use std::collections::{HashMap, HashSet};

use ratepayer_portal::store::{
    AuditEvent, ChargeRow, DraftRow, OutboxMessage, PaymentRow, StorageError, StorageErrorKind,
    StoreResult,
};

use super::{amount, instant, PgTx};
use crate::error::to_json;

/// The draft claims held back, a column each.
#[derive(Default)]
struct Drafts {
    utility: Vec<String>,
    key: Vec<String>,
    account: Vec<String>,
    bill: Vec<String>,
    attempt: Vec<i64>,
    date: Vec<String>,
    total: Vec<String>,
    currency: Vec<String>,
    payment_id: Vec<String>,
    secs: Vec<i64>,
    nanos: Vec<i64>,
    data: Vec<String>,
}

/// The payments held back, a column each, and the accounts each touches.
#[derive(Default)]
struct Payments {
    id: Vec<String>,
    utility: Vec<String>,
    login: Vec<String>,
    source: Vec<String>,
    amount: Vec<String>,
    fee: Vec<String>,
    total: Vec<String>,
    currency: Vec<String>,
    key: Vec<Option<String>>,
    at: Vec<String>,
    data: Vec<String>,
    status: Vec<String>,
    processor_key: Vec<Option<String>>,
    /// (utility, account, payment id) of each account a payment touches.
    touched_utility: Vec<String>,
    touched_account: Vec<String>,
    touched_payment: Vec<String>,
}

/// The charges held back (the last write of each wins), a column each.
#[derive(Default)]
struct Charges {
    /// Where each (utility, account, charge) is in the columns.
    at: HashMap<(String, String, String), usize>,
    utility: Vec<String>,
    account: Vec<String>,
    id: Vec<String>,
    due: Vec<String>,
    amount: Vec<String>,
    currency: Vec<String>,
    data: Vec<String>,
}

/// The audit events held back, in order, a column each.
#[derive(Default)]
struct Audit {
    utility: Vec<String>,
    kind: Vec<String>,
    login: Vec<Option<String>>,
    account: Vec<Option<String>>,
    at: Vec<String>,
    data: Vec<String>,
}

/// The outbox messages held back, a column each.
#[derive(Default)]
struct Outbox {
    utility: Vec<String>,
    key: Vec<String>,
    kind: Vec<String>,
    account: Vec<Option<String>>,
    created_s: Vec<i64>,
    created_ns: Vec<i64>,
    next_s: Vec<i64>,
    next_ns: Vec<i64>,
    attempts: Vec<i64>,
    delivered_s: Vec<Option<i64>>,
    delivered_ns: Vec<Option<i64>>,
    data: Vec<String>,
}

/// The batch's range of accounts and what was read for it.
struct Range {
    utility: String,
    /// Exclusive lower bound ("" for none).
    after: String,
    /// Inclusive upper bound.
    last: Option<String>,
    /// Draft keys of the range's accounts: stored, or claimed by the batch.
    drafts: HashSet<String>,
    /// Outbox dedupe keys of the range's accounts: stored, or written by
    /// the batch.
    outbox: HashSet<String>,
    /// The address of each login enrolled in the range.
    emails: HashMap<String, String>,
}

impl Range {
    fn holds(&self, utility: &str, account: &str) -> bool {
        utility == self.utility
            && account > self.after.as_str()
            && self.last.as_deref().is_none_or(|last| account <= last)
    }
}

/// What a batch's transaction holds back.
#[derive(Default)]
pub(crate) struct Pending {
    range: Option<Range>,
    drafts: Drafts,
    payments: Payments,
    charges: Charges,
    audit: Audit,
    outbox: Outbox,
}

impl Pending {
    fn is_empty(&self) -> bool {
        self.drafts.key.is_empty()
            && self.payments.id.is_empty()
            && self.charges.id.is_empty()
            && self.audit.kind.is_empty()
            && self.outbox.key.is_empty()
    }
}

/// The error for text with a NUL character (as a statement sent at once
/// would refuse it, before anything is held).
fn refuse_nul(what: &str, texts: &[&str]) -> StoreResult<()> {
    if texts.iter().any(|t| t.contains('\0')) {
        return Err(super::nul(what));
    }
    Ok(())
}

impl PgTx<'_> {
    /// Reads what the batch of `utility`'s accounts after `after` and up to
    /// `last` needs to answer its claims: the draft keys and outbox dedupe
    /// keys of those accounts, and their enrolled logins' addresses. From
    /// then on, claims of drafts and messages of those accounts are held
    /// back.
    pub(super) fn hold_back_for(
        &mut self,
        utility: &str,
        after: &str,
        last: Option<&str>,
    ) -> StoreResult<()> {
        if self.pending.is_none() {
            return Ok(());
        }
        self.flush()?;
        let what = "reading the drafts and messages of a batch of the AutoPay cycle";
        let (drafts, outbox, emails) = match last {
            Some(last) => (
                self.query(
                    what,
                    "SELECT idempotency_key FROM drafts
                     WHERE utility = $1 AND account > $2 AND account <= $3",
                    &[&utility, &after, &last],
                )?,
                self.query(
                    what,
                    "SELECT dedupe_key FROM outbox
                     WHERE utility = $1 AND account > $2 AND account <= $3",
                    &[&utility, &after, &last],
                )?,
                self.query(
                    what,
                    "SELECT l.id, l.email FROM enrolments e JOIN logins l ON l.id = e.login
                     WHERE e.utility = $1 AND e.account > $2 AND e.account <= $3",
                    &[&utility, &after, &last],
                )?,
            ),
            None => (
                self.query(
                    what,
                    "SELECT idempotency_key FROM drafts WHERE utility = $1 AND account > $2",
                    &[&utility, &after],
                )?,
                self.query(
                    what,
                    "SELECT dedupe_key FROM outbox WHERE utility = $1 AND account > $2",
                    &[&utility, &after],
                )?,
                self.query(
                    what,
                    "SELECT l.id, l.email FROM enrolments e JOIN logins l ON l.id = e.login
                     WHERE e.utility = $1 AND e.account > $2",
                    &[&utility, &after],
                )?,
            ),
        };
        let text = |row: &postgres::Row, i: usize| super::text_at(what, row, i).map(str::to_owned);
        let range = Range {
            utility: utility.to_owned(),
            after: after.to_owned(),
            last: last.map(str::to_owned),
            drafts: drafts
                .iter()
                .map(|r| text(r, 0))
                .collect::<StoreResult<_>>()?,
            outbox: outbox
                .iter()
                .map(|r| text(r, 0))
                .collect::<StoreResult<_>>()?,
            emails: emails
                .iter()
                .map(|r| Ok((text(r, 0)?, text(r, 1)?)))
                .collect::<StoreResult<_>>()?,
        };
        if let Some(p) = self.pending.as_mut() {
            p.range = Some(range);
        }
        Ok(())
    }

    /// The address of a login enrolled in the batch's range, when known.
    pub(super) fn held_email(&self, login: &str) -> Option<String> {
        let range = self.pending.as_ref()?.range.as_ref()?;
        range.emails.get(login).cloned()
    }

    /// Holds a draft claim back when its account is in the batch's range:
    /// `Some(new)` then (`new` false when its key was claimed before),
    /// `None` when it must go to the server now.
    pub(super) fn hold_draft(&mut self, d: &DraftRow) -> StoreResult<Option<bool>> {
        let what = "claiming an AutoPay draft";
        let Some(p) = self.pending.as_mut() else {
            return Ok(None);
        };
        let Some(range) = p.range.as_mut() else {
            return Ok(None);
        };
        if !range.holds(&d.utility, &d.account) {
            return Ok(None);
        }
        refuse_nul(
            what,
            &[
                &d.utility,
                &d.idempotency_key,
                &d.account,
                &d.bill_id,
                &d.payment_id,
            ],
        )?;
        if !range.drafts.insert(d.idempotency_key.clone()) {
            return Ok(Some(false));
        }
        let data = to_json(what, d)?;
        let (secs, nanos) = instant(&d.executed_at);
        let c = &mut p.drafts;
        c.utility.push(d.utility.clone());
        c.key.push(d.idempotency_key.clone());
        c.account.push(d.account.clone());
        c.bill.push(d.bill_id.clone());
        c.attempt.push(i64::from(d.attempt));
        c.date.push(d.date.to_string());
        c.total.push(amount(&d.total));
        c.currency.push(d.total.currency().code().to_owned());
        c.payment_id.push(d.payment_id.clone());
        c.secs.push(secs);
        c.nanos.push(nanos);
        c.data.push(data);
        Ok(Some(true))
    }

    /// Holds an outbox message back when its account is in the batch's
    /// range: `Some(new)` then, `None` when it must go to the server now.
    pub(super) fn hold_message(&mut self, m: &OutboxMessage) -> StoreResult<Option<bool>> {
        let what = "writing an outbox message";
        let Some(p) = self.pending.as_mut() else {
            return Ok(None);
        };
        let Some(range) = p.range.as_mut() else {
            return Ok(None);
        };
        let Some(account) = m.account.as_deref() else {
            return Ok(None);
        };
        if !range.holds(&m.utility, account) {
            return Ok(None);
        }
        refuse_nul(what, &[&m.utility, &m.dedupe_key, account])?;
        if !range.outbox.insert(m.dedupe_key.clone()) {
            return Ok(Some(false));
        }
        let data = to_json(what, m)?;
        refuse_nul(what, &[&data])?;
        let (created_s, created_ns) = instant(&m.created_at);
        let (next_s, next_ns) = instant(&m.next_attempt_at);
        let delivered = m.delivered_at.as_ref().map(instant);
        let c = &mut p.outbox;
        c.utility.push(m.utility.clone());
        c.key.push(m.dedupe_key.clone());
        c.kind.push(m.kind.as_str().to_owned());
        c.account.push(Some(account.to_owned()));
        c.created_s.push(created_s);
        c.created_ns.push(created_ns);
        c.next_s.push(next_s);
        c.next_ns.push(next_ns);
        c.attempts.push(i64::from(m.attempts));
        c.delivered_s.push(delivered.map(|d| d.0));
        c.delivered_ns.push(delivered.map(|d| d.1));
        c.data.push(data);
        Ok(Some(true))
    }

    /// Holds a payment back (in a batch's transaction); false when it must
    /// go to the server now. A payment whose id or processor key is taken
    /// fails the flush with [`StorageErrorKind::Conflict`].
    pub(super) fn hold_payment(&mut self, pay: &PaymentRow, source: &str) -> StoreResult<bool> {
        let what = "adding a payment";
        let Some(p) = self.pending.as_mut() else {
            return Ok(false);
        };
        if p.range.is_none() {
            return Ok(false);
        }
        let data = to_json(what, pay)?;
        let mut texts: Vec<&str> = vec![&pay.id, &pay.utility, &pay.login, &data];
        texts.extend(pay.idempotency_key.as_deref());
        texts.extend(pay.processor_key.as_deref());
        refuse_nul(what, &texts)?;
        let c = &mut p.payments;
        c.id.push(pay.id.clone());
        c.utility.push(pay.utility.clone());
        c.login.push(pay.login.clone());
        c.source.push(source.to_owned());
        c.amount.push(amount(&pay.amount));
        c.fee.push(amount(&pay.fee));
        c.total.push(amount(&pay.total));
        c.currency.push(pay.total.currency().code().to_owned());
        c.key.push(pay.idempotency_key.clone());
        c.at.push(pay.at.to_rfc3339());
        c.data.push(data);
        c.status.push(pay.status.as_str().to_owned());
        c.processor_key.push(pay.processor_key.clone());
        for part in &pay.allocation.accounts {
            refuse_nul(what, &[&part.account])?;
            c.touched_utility.push(pay.utility.clone());
            c.touched_account.push(part.account.clone());
            c.touched_payment.push(pay.id.clone());
        }
        Ok(true)
    }

    /// Holds a charge back (in a batch's transaction; the last write of a
    /// charge wins); false when it must go to the server now.
    pub(super) fn hold_charge(&mut self, ch: &ChargeRow) -> StoreResult<bool> {
        let what = "saving an open charge";
        let Some(p) = self.pending.as_mut() else {
            return Ok(false);
        };
        if p.range.is_none() {
            return Ok(false);
        }
        let data = to_json(what, ch)?;
        refuse_nul(what, &[&ch.utility, &ch.account, &ch.charge.id, &data])?;
        let c = &mut p.charges;
        let key = (ch.utility.clone(), ch.account.clone(), ch.charge.id.clone());
        let due = ch.charge.due_date.to_string();
        let amt = amount(&ch.charge.amount);
        let cur = ch.charge.amount.currency().code().to_owned();
        match c.at.get(&key) {
            Some(&i) => {
                if let (Some(d), Some(a), Some(cu), Some(da)) = (
                    c.due.get_mut(i),
                    c.amount.get_mut(i),
                    c.currency.get_mut(i),
                    c.data.get_mut(i),
                ) {
                    *d = due;
                    *a = amt;
                    *cu = cur;
                    *da = data;
                }
            }
            None => {
                c.at.insert(key, c.id.len());
                c.utility.push(ch.utility.clone());
                c.account.push(ch.account.clone());
                c.id.push(ch.charge.id.clone());
                c.due.push(due);
                c.amount.push(amt);
                c.currency.push(cur);
                c.data.push(data);
            }
        }
        Ok(true)
    }

    /// Holds an audit event back (in a batch's transaction); false when it
    /// must go to the server now.
    pub(super) fn hold_audit(&mut self, e: &AuditEvent) -> StoreResult<bool> {
        let what = "appending an audit event";
        let Some(p) = self.pending.as_mut() else {
            return Ok(false);
        };
        if p.range.is_none() {
            return Ok(false);
        }
        let data = to_json(what, e)?;
        let mut texts: Vec<&str> = vec![&e.utility, &data];
        texts.extend(e.login.as_deref());
        texts.extend(e.account.as_deref());
        refuse_nul(what, &texts)?;
        let c = &mut p.audit;
        c.utility.push(e.utility.clone());
        c.kind.push(e.kind.as_str().to_owned());
        c.login.push(e.login.clone());
        c.account.push(e.account.clone());
        c.at.push(e.at.to_rfc3339());
        c.data.push(data);
        Ok(true)
    }

    /// Sends everything held back, a statement per table, in the order the
    /// tables' own writes need (drafts, payments with their accounts,
    /// charges, audit, outbox). Fails when a held-back claim met a row
    /// another transaction wrote meanwhile.
    pub(super) fn flush(&mut self) -> StoreResult<()> {
        let Some(p) = self.pending.as_mut() else {
            return Ok(());
        };
        if p.is_empty() {
            return Ok(());
        }
        let drafts = std::mem::take(&mut p.drafts);
        let payments = std::mem::take(&mut p.payments);
        let charges = std::mem::take(&mut p.charges);
        let audit = std::mem::take(&mut p.audit);
        let outbox = std::mem::take(&mut p.outbox);
        if !drafts.key.is_empty() {
            let what = "claiming a batch of AutoPay drafts";
            let n = self.run(
                what,
                "INSERT INTO drafts (utility, idempotency_key, account, bill_id, attempt, date,
                                     total, currency, payment_id, executed_secs, executed_nanos,
                                     data)
                 SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[],
                                      $5::bigint[], $6::text[], $7::text[], $8::text[],
                                      $9::text[], $10::bigint[], $11::bigint[], $12::text[])",
                &[
                    &drafts.utility,
                    &drafts.key,
                    &drafts.account,
                    &drafts.bill,
                    &drafts.attempt,
                    &drafts.date,
                    &drafts.total,
                    &drafts.currency,
                    &drafts.payment_id,
                    &drafts.secs,
                    &drafts.nanos,
                    &drafts.data,
                ],
                false,
            );
            let (n, _) = self.taken_as(what, n, StorageErrorKind::Busy)?;
            self.expect_all(what, n, drafts.key.len(), StorageErrorKind::Busy)?;
        }
        if !payments.id.is_empty() {
            let what = "adding a batch of payments";
            let out = self.run(
                what,
                "WITH ins AS (
                     INSERT INTO payments
                         (id, utility, login, source, amount, fee, total, currency,
                          idempotency_key, at, data, status, processor_key)
                     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[],
                                          $5::text[], $6::text[], $7::text[], $8::text[],
                                          $9::text[], $10::text[], $11::text[], $12::text[],
                                          $13::text[])
                     RETURNING seq, id),
                 touched AS (
                     INSERT INTO payment_accounts (utility, account, payment)
                     SELECT t.utility, t.account, ins.seq
                     FROM unnest($14::text[], $15::text[], $16::text[])
                          AS t(utility, account, payment_id)
                     JOIN ins ON ins.id = t.payment_id
                     ON CONFLICT DO NOTHING)
                 SELECT count(*) FROM ins",
                &[
                    &payments.id,
                    &payments.utility,
                    &payments.login,
                    &payments.source,
                    &payments.amount,
                    &payments.fee,
                    &payments.total,
                    &payments.currency,
                    &payments.key,
                    &payments.at,
                    &payments.data,
                    &payments.status,
                    &payments.processor_key,
                    &payments.touched_utility,
                    &payments.touched_account,
                    &payments.touched_payment,
                ],
                true,
            );
            let (_, rows) = self.taken_as(what, out, StorageErrorKind::Conflict)?;
            let n: i64 = rows.first().and_then(|r| r.try_get(0).ok()).unwrap_or(0);
            let n = u64::try_from(n).unwrap_or(0);
            self.expect_all(what, n, payments.id.len(), StorageErrorKind::Conflict)?;
        }
        if !charges.id.is_empty() {
            self.run(
                "saving a batch of open charges",
                "INSERT INTO charges (utility, account, charge_id, due_date, amount, currency, data)
                 SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[],
                                      $5::text[], $6::text[], $7::text[])
                 ON CONFLICT (utility, account, charge_id) DO UPDATE
                 SET due_date = excluded.due_date, amount = excluded.amount,
                     currency = excluded.currency, data = excluded.data",
                &[
                    &charges.utility,
                    &charges.account,
                    &charges.id,
                    &charges.due,
                    &charges.amount,
                    &charges.currency,
                    &charges.data,
                ],
                false,
            )?;
        }
        if !audit.kind.is_empty() {
            self.run(
                "appending a batch of audit events",
                "INSERT INTO audit (utility, kind, login, account, at, data)
                 SELECT utility, kind, login, account, at, data
                 FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],
                             $6::text[])
                      WITH ORDINALITY AS e(utility, kind, login, account, at, data, n)
                 ORDER BY n",
                &[
                    &audit.utility,
                    &audit.kind,
                    &audit.login,
                    &audit.account,
                    &audit.at,
                    &audit.data,
                ],
                false,
            )?;
        }
        if !outbox.key.is_empty() {
            let what = "writing a batch of outbox messages";
            let n = self.run(
                what,
                "INSERT INTO outbox (utility, dedupe_key, kind, account, created_s, created_ns,
                                     next_s, next_ns, attempts, delivered_s, delivered_ns, data)
                 SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[],
                                      $5::bigint[], $6::bigint[], $7::bigint[], $8::bigint[],
                                      $9::bigint[], $10::bigint[], $11::bigint[], $12::text[])",
                &[
                    &outbox.utility,
                    &outbox.key,
                    &outbox.kind,
                    &outbox.account,
                    &outbox.created_s,
                    &outbox.created_ns,
                    &outbox.next_s,
                    &outbox.next_ns,
                    &outbox.attempts,
                    &outbox.delivered_s,
                    &outbox.delivered_ns,
                    &outbox.data,
                ],
                false,
            );
            let (n, _) = self.taken_as(what, n, StorageErrorKind::Busy)?;
            self.expect_all(what, n, outbox.key.len(), StorageErrorKind::Busy)?;
        }
        Ok(())
    }

    /// A held-back insert that met a key another transaction committed
    /// meanwhile (a plain `INSERT`: the keys were read as free, and a
    /// statement without `ON CONFLICT` checks each key once) fails the
    /// transaction with `kind`: `Busy` for claims (the batch is claimed
    /// again and then finds the key), `Conflict` for a payment id.
    fn taken_as(
        &mut self,
        what: &str,
        out: StoreResult<(u64, Vec<postgres::Row>)>,
        kind: StorageErrorKind,
    ) -> StoreResult<(u64, Vec<postgres::Row>)> {
        match out {
            Err(e) if e.kind == StorageErrorKind::Conflict => {
                let err = StorageError::new(
                    kind,
                    format!(
                        "{what} failed: a key was written by another transaction meanwhile \
                         ({}); nothing of this transaction is kept: run it again",
                        e.message
                    ),
                );
                self.failed = Some(err.clone());
                Err(err)
            }
            other => other,
        }
    }

    /// Fails the transaction when fewer rows went in than were held back.
    fn expect_all(
        &mut self,
        what: &str,
        inserted: u64,
        held: usize,
        kind: StorageErrorKind,
    ) -> StoreResult<()> {
        if usize::try_from(inserted).ok() == Some(held) {
            return Ok(());
        }
        let err = StorageError::new(
            kind,
            format!(
                "{what} failed: {inserted} of {held} rows went in, the others were written \
                 by another transaction meanwhile; nothing of this transaction is kept: \
                 run it again"
            ),
        );
        if self.failed.is_none() {
            self.failed = Some(err.clone());
        }
        Err(err)
    }
}
