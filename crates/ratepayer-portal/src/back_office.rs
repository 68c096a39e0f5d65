//! Back-office feeds into the portal: importing the utility's account
//! records (what registration proofs are checked against) and posting a
//! computed bill to an account (its statement and its open charge), one
//! bill or a batch in one transaction, each keyed by account and period so
//! that a run repeated or cut short and resumed posts nothing twice.

use chrono::{DateTime, NaiveDate, Utc};

use super::{Portal, PortalError};
use crate::store::{AccountRow, AuditKind, BillRow, ChargeRow, StatementLine, Tx};
use ratepayer::payment::{AccountStatus, ChargeKind, OpenCharge};
use ratepayer::registration::AccountRecord;
use ratepayer::{Bill, BillingPeriod, Money};

/// An account record from the utility's customer system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountImport {
    /// The record registration proofs are checked against (its `login` is ignored).
    pub record: AccountRecord,
    /// Active or closed.
    pub status: AccountStatus,
    /// The service address.
    pub service_address: Option<String>,
}

/// A bill to post: the computed bill and its dates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostedBill<'a> {
    /// The account (typed or canonical).
    pub account: &'a str,
    /// The bill's id, unique within the account.
    pub bill_id: &'a str,
    /// The bill computed by a tariff.
    pub bill: &'a Bill,
    /// When it is issued.
    pub bill_date: NaiveDate,
    /// When it is due.
    pub due_date: NaiveDate,
    /// The bank-draft date printed on it, where the utility prints one.
    pub printed_draft_date: Option<NaiveDate>,
}

/// A bill to post from its printed statement alone (lines and total), for
/// bills computed elsewhere, such as a bill run's output file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostedStatement<'a> {
    /// The account (typed or canonical).
    pub account: &'a str,
    /// The bill's id, unique within the account.
    pub bill_id: &'a str,
    /// The period billed.
    pub period: BillingPeriod,
    /// The statement's lines, as printed.
    pub lines: Vec<StatementLine>,
    /// The amount due.
    pub total: Money,
    /// When it is issued.
    pub bill_date: NaiveDate,
    /// When it is due.
    pub due_date: NaiveDate,
    /// The bank-draft date printed on it, where the utility prints one.
    pub printed_draft_date: Option<NaiveDate>,
}

/// The due date of the account's newest bill that is still unpaid.
pub(super) fn open_bill_due(
    tx: &mut dyn Tx,
    utility: &str,
    account: &str,
) -> Result<Option<NaiveDate>, PortalError> {
    Ok(tx
        .charges(utility, account)?
        .into_iter()
        .filter(|c| c.charge.kind == ChargeKind::Balance && !c.charge.amount.amount().is_zero())
        .max_by_key(|c| (c.charge.bill_date, c.charge.due_date))
        .map(|c| c.charge.due_date))
}

impl Portal {
    /// Adds or updates accounts from the utility's records, keeping each
    /// existing account's login, settings, credit and counters. An account
    /// imported as closed has its AutoPay enrolment ended in the same
    /// transaction (audited): nothing is drafted for a closed account.
    pub fn import_accounts(
        &self,
        imports: &[AccountImport],
        now: DateTime<Utc>,
    ) -> Result<usize, PortalError> {
        let currency = self.profile.spec().currency;
        let format = &self.profile.spec().payments.account_number;
        self.transact(|tx| {
            for import in imports {
                let number =
                    ratepayer::payment::normalize(import.record.account_number.as_str(), format)
                        .map_err(|e| PortalError::Invalid {
                            field: "account_number",
                            message: e.to_string(),
                        })?;
                let existing = tx.account(self.utility(), number.as_str())?;
                let mut record = import.record.clone();
                record.account_number = number;
                record.login = existing.as_ref().and_then(|a| a.record.login.clone());
                let row = match existing {
                    Some(mut a) => {
                        a.record = record;
                        a.status = import.status;
                        a.service_address = import.service_address.clone();
                        a
                    }
                    None => AccountRow {
                        utility: self.utility().to_owned(),
                        record,
                        status: import.status,
                        currency,
                        service_address: import.service_address.clone(),
                        paperless: false,
                        ebilling: false,
                        text_alerts: false,
                        billing_email: None,
                        credit: Money::zero(currency),
                        throttle: Default::default(),
                    },
                };
                tx.put_account(&row)?;
                if row.status == AccountStatus::Closed
                    && self.cancel_enrolment(tx, row.number(), now)?
                {
                    tx.append_audit(&self.event(
                        AuditKind::AutopayCancelled,
                        now,
                        None,
                        Some(row.number()),
                        "ended: the account was closed",
                    ))?;
                }
            }
            Ok(imports.len())
        })
    }

    /// Posts a computed bill to an account: its statement (lines and total)
    /// and an open charge for the total, less any credit on the account.
    pub fn post_bill(
        &self,
        posted: &PostedBill<'_>,
        now: DateTime<Utc>,
    ) -> Result<BillRow, PortalError> {
        let bill = posted.bill;
        self.post_statement(
            &PostedStatement {
                account: posted.account,
                bill_id: posted.bill_id,
                period: bill.period,
                lines: bill
                    .lines
                    .iter()
                    .map(|l| StatementLine {
                        description: l.description().to_owned(),
                        amount: l.amount,
                    })
                    .collect(),
                total: bill.total,
                bill_date: posted.bill_date,
                due_date: posted.due_date,
                printed_draft_date: posted.printed_draft_date,
            },
            now,
        )
    }

    /// Posts a bill given by its statement ([`Portal::post_bill`] for a
    /// bill a tariff computed here): the bill, and an open charge for the
    /// total less any credit on the account, in one transaction.
    ///
    /// One bill per account and period: posting the same bill again (same
    /// id and total) returns the bill first posted and changes nothing; a
    /// different bill for a period already billed is refused (post an
    /// adjustment instead).
    pub fn post_statement(
        &self,
        posted: &PostedStatement<'_>,
        now: DateTime<Utc>,
    ) -> Result<BillRow, PortalError> {
        let mut out = self.post_statements(std::slice::from_ref(posted), now)?;
        match out.pop() {
            Some(PostOutcome::Posted(row) | PostOutcome::AlreadyPosted(row)) => Ok(row),
            None => Err(PortalError::Config("a posted bill went missing".into())),
        }
    }

    /// Posts a batch of bills in one transaction ([`Portal::post_statement`]
    /// each): all of them, or, when any is refused, none (the error names
    /// the bill by its place in the batch, account and period). Each bill
    /// is keyed by account and period, so a batch run again, or cut short
    /// and run again, posts nothing twice: a bill already posted comes
    /// back as [`PostOutcome::AlreadyPosted`].
    pub fn post_statements(
        &self,
        batch: &[PostedStatement<'_>],
        now: DateTime<Utc>,
    ) -> Result<Vec<PostOutcome>, PortalError> {
        let at = |i: usize, posted: &PostedStatement<'_>, e: PortalError| match e {
            PortalError::Invalid { field, message } if batch.len() > 1 => PortalError::Invalid {
                field,
                message: format!(
                    "{message} (bill {} of the batch: account {}, period {}..{})",
                    i + 1,
                    posted.account,
                    posted.period.from(),
                    posted.period.to()
                ),
            },
            other => other,
        };
        let mut numbers = Vec::with_capacity(batch.len());
        for (i, posted) in batch.iter().enumerate() {
            numbers.push(
                check_statement(posted)
                    .and_then(|()| self.canonical(posted.account))
                    .map_err(|e| at(i, posted, e))?,
            );
        }
        self.transact(|tx| {
            let mut out = Vec::with_capacity(batch.len());
            for (i, (posted, number)) in batch.iter().zip(&numbers).enumerate() {
                out.push(
                    self.post_one(tx, posted, number, now)
                        .map_err(|e| at(i, posted, e))?,
                );
            }
            Ok(out)
        })
    }

    /// Posts one checked bill inside `tx`, or finds it posted.
    fn post_one(
        &self,
        tx: &mut dyn Tx,
        bill: &PostedStatement<'_>,
        number: &str,
        now: DateTime<Utc>,
    ) -> Result<PostOutcome, PortalError> {
        let mut account = tx
            .account(self.utility(), number)?
            .ok_or_else(|| PortalError::not_found("account", number))?;
        if bill.total.currency() != account.currency {
            return Err(PortalError::Invalid {
                field: "bill",
                message: format!(
                    "is in {}, the account in {}",
                    bill.total.currency(),
                    account.currency
                ),
            });
        }
        // One bill per account and period, and one per id.
        for b in tx.bills(self.utility(), number)? {
            let same_period =
                b.period_from == bill.period.from() && b.period_to == bill.period.to();
            if same_period && b.bill_id == bill.bill_id && b.total == bill.total {
                return Ok(PostOutcome::AlreadyPosted(b));
            }
            if same_period {
                return Err(PortalError::Invalid {
                    field: "bill",
                    message: format!(
                        "bill `{}` of {} for this period was posted on {}; a posted bill is not changed, post an adjustment for the difference",
                        b.bill_id,
                        b.total.to_decimal_string(),
                        b.bill_date
                    ),
                });
            }
            if b.bill_id == bill.bill_id {
                return Err(PortalError::Invalid {
                    field: "bill_id",
                    message: format!(
                        "`{}` is already the id of the bill for {}..{}; give each bill of an account its own id",
                        b.bill_id, b.period_from, b.period_to
                    ),
                });
            }
        }
        let row = BillRow {
            utility: self.utility().to_owned(),
            account: number.to_owned(),
            bill_id: bill.bill_id.to_owned(),
            period_from: bill.period.from(),
            period_to: bill.period.to(),
            bill_date: bill.bill_date,
            due_date: bill.due_date,
            printed_draft_date: bill.printed_draft_date,
            total: bill.total,
            lines: bill.lines.clone(),
        };
        tx.insert_bill(&row)?;
        // A credit on the account pays the new bill first.
        let applied = if account.credit.amount() > bill.total.amount() {
            bill.total
        } else {
            account.credit
        };
        let open = bill.total.checked_sub(&applied)?;
        account.credit = account.credit.checked_sub(&applied)?;
        tx.put_account(&account)?;
        tx.put_charge(&ChargeRow {
            utility: self.utility().to_owned(),
            account: number.to_owned(),
            charge: OpenCharge {
                id: bill.bill_id.to_owned(),
                kind: ChargeKind::Balance,
                bill_date: bill.bill_date,
                due_date: bill.due_date,
                amount: if open.is_negative() {
                    Money::zero(open.currency())
                } else {
                    open
                },
            },
        })?;
        tx.append_audit(&self.event(
            AuditKind::BillPosted,
            now,
            None,
            Some(number),
            format!(
                "bill {} of {} due {}",
                bill.bill_id,
                bill.total.to_decimal_string(),
                bill.due_date
            ),
        ))?;
        Ok(PostOutcome::Posted(row))
    }
}

/// What posting one bill of a batch did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PostOutcome {
    /// The bill was posted now.
    Posted(BillRow),
    /// The same bill (account, period, id and total) was posted before; it
    /// is left as it was, and this is it.
    AlreadyPosted(BillRow),
}

/// The checks on a bill that need no store: its dates and its id.
fn check_statement(posted: &PostedStatement<'_>) -> Result<(), PortalError> {
    if posted.due_date < posted.bill_date {
        return Err(PortalError::Invalid {
            field: "due_date",
            message: format!(
                "{} is before the bill date {}; a bill is due on or after its date",
                posted.due_date, posted.bill_date
            ),
        });
    }
    if posted.bill_id.trim().is_empty() || posted.bill_id.len() > 64 {
        return Err(PortalError::Invalid {
            field: "bill_id",
            message: "must be 1 to 64 characters".into(),
        });
    }
    Ok(())
}
