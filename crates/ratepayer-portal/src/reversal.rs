//! Undoing a payment the processor returned or declined: its allocation is
//! reversed (every charge it paid is reopened by what it paid, on every
//! account it touched, and the credit it left is taken back), the profile's
//! returned-payment fee is charged once for a bank return, and for an
//! AutoPay draft the retry rules decide what follows (a re-presentment the
//! cycle makes, or AutoPay ended with a notice). Runs inside the
//! transaction that records the result, which also writes the customer's
//! returned-payment notice to the outbox.

use chrono::{DateTime, NaiveDate, Utc};

use super::outbox::Outgoing;
use super::processor::first_account;
use super::{Portal, PortalError};
use crate::store::{
    AuditKind, ChargeRow, MessageKind, OutboxMessage, PaymentRow, PaymentSource, PaymentStatus, Tx,
};
use ratepayer::autopay::failures::FailureAction;
use ratepayer::payment::{ChargeKind, OpenCharge};
use ratepayer::Money;

/// What failing a payment did, for the caller's answer and the message it
/// hands to the notifier after the commit.
pub(super) struct Failed {
    /// The returned-payment fee charged.
    pub fee: Option<Money>,
    /// The retry rules' decision, for a draft.
    pub autopay: Option<FailureAction>,
    /// The returned-payment notice written to the outbox now (none when
    /// the login has no usable address, or one was written before).
    pub written: Option<OutboxMessage>,
}

impl Portal {
    /// Reverses `p` (already moved to returned or declined), charges the
    /// returned-payment fee, saves it with an audit event and applies the
    /// AutoPay retry rules.
    pub(super) fn fail_payment(
        &self,
        tx: &mut dyn Tx,
        p: &mut PaymentRow,
        as_of: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<Failed, PortalError> {
        self.reverse(tx, p, as_of)?;
        let fee = if p.status == PaymentStatus::Returned {
            self.returned_fee(tx, p, as_of)?
        } else {
            None
        };
        tx.update_payment(p)?;
        let why = match (p.settlement.return_code, p.settlement.decline) {
            (Some(code), _) => format!("returned {code} ({})", code.description()),
            (None, Some(reason)) => format!("declined ({})", reason.as_str()),
            (None, None) => p.status.to_string(),
        };
        let kind = if p.status == PaymentStatus::Returned {
            AuditKind::PaymentReturned
        } else {
            AuditKind::PaymentDeclined
        };
        tx.append_audit(&self.event(
            kind,
            now,
            Some(&p.login),
            first_account(p),
            format!(
                "payment {} of {} {why}: its allocation over {} account(s) was reversed{}",
                p.id,
                p.total.to_decimal_string(),
                p.allocation.accounts.len(),
                fee.map(|f| format!(", returned-payment fee {}", f.to_decimal_string()))
                    .unwrap_or_default()
            ),
        ))?;
        let mut written = None;
        let email = tx.login(&p.login)?.map(|l| l.email);
        let autopay = if p.source == PaymentSource::Autopay {
            self.after_failed_draft(tx, p, now)?
        } else {
            None
        };
        if let Some(to) = email {
            let text = match &autopay {
                Some(
                    FailureAction::Retry { notify, .. }
                    | FailureAction::Suspend { notify, .. }
                    | FailureAction::End { notify },
                ) => notify.text.clone(),
                _ => format!(
                    "Your payment {} of {} did not go through: it was {why}. The amount is due \
                     again; please pay it another way.",
                    p.id,
                    p.total.to_decimal_string()
                ),
            };
            let text = match fee {
                Some(f) => format!(
                    "{text} A returned-payment fee of {} has been added to your account.",
                    f.to_decimal_string()
                ),
                None => text,
            };
            // Once per payment: a payment fails once (returned or declined).
            let key = p.processor_key.clone().unwrap_or_else(|| p.id.clone());
            written = self.enqueue(
                tx,
                Outgoing {
                    kind: MessageKind::PaymentFailed,
                    about: &[&key],
                    to: &to,
                    subject: "Your payment did not go through".to_owned(),
                    body: text,
                    login: Some(&p.login),
                    account: first_account(p),
                },
                now,
            )?;
        }
        Ok(Failed {
            fee,
            autopay,
            written,
        })
    }

    /// Reopens every charge `p` paid by what it paid, and takes back the
    /// credit it left (what a later bill already used of that credit is
    /// owed again, as a charge of its own).
    fn reverse(
        &self,
        tx: &mut dyn Tx,
        p: &PaymentRow,
        as_of: NaiveDate,
    ) -> Result<(), PortalError> {
        for part in &p.allocation.accounts {
            let charges = tx.charges(self.utility(), &part.account)?;
            for item in &part.items {
                if item.applied.amount().is_zero() {
                    continue;
                }
                let row = match charges.iter().find(|c| c.charge.id == item.charge_id) {
                    Some(row) => {
                        let mut row = row.clone();
                        row.charge.amount = row.charge.amount.checked_add(&item.applied)?;
                        row
                    }
                    None => ChargeRow {
                        utility: self.utility().to_owned(),
                        account: part.account.clone(),
                        charge: OpenCharge {
                            id: item.charge_id.clone(),
                            kind: item.kind,
                            bill_date: item.due_date,
                            due_date: item.due_date,
                            amount: item.applied,
                        },
                    },
                };
                tx.put_charge(&row)?;
            }
            if part.credit.amount().is_zero() {
                continue;
            }
            let mut account = tx
                .account(self.utility(), &part.account)?
                .ok_or_else(|| PortalError::not_found("account", &part.account))?;
            let back = if account.credit.amount() >= part.credit.amount() {
                part.credit
            } else {
                account.credit
            };
            account.credit = account.credit.checked_sub(&back)?;
            tx.put_account(&account)?;
            let used = part.credit.checked_sub(&back)?;
            if !used.amount().is_zero() {
                self.add_charge(
                    tx,
                    &part.account,
                    &format!("returned-{}", p.id),
                    ChargeKind::Balance,
                    used,
                    as_of,
                )?;
            }
        }
        Ok(())
    }

    /// Charges the profile's returned-payment fee for the return of `p` on
    /// the first account it paid, once: the charge's id names the payment,
    /// and the payment remembers it.
    fn returned_fee(
        &self,
        tx: &mut dyn Tx,
        p: &mut PaymentRow,
        as_of: NaiveDate,
    ) -> Result<Option<Money>, PortalError> {
        let Some(amount) = self.profile.spec().payments.returned_payment_fee else {
            return Ok(None);
        };
        let Some(account) = p.allocation.accounts.first().map(|a| a.account.clone()) else {
            return Ok(None);
        };
        if p.settlement.returned_fee_charge.is_some() {
            return Ok(None);
        }
        let id = format!("returned-fee-{}", p.id);
        let exists = tx
            .charges(self.utility(), &account)?
            .iter()
            .any(|c| c.charge.id == id);
        let fee = Money::new(amount, p.total.currency());
        if !exists {
            self.add_charge(tx, &account, &id, ChargeKind::Penalty, fee, as_of)?;
        }
        p.settlement.returned_fee_charge = Some(id);
        Ok(Some(fee))
    }

    /// Adds `amount` to the charge `id` of `account` (made, due today, when
    /// there is none).
    fn add_charge(
        &self,
        tx: &mut dyn Tx,
        account: &str,
        id: &str,
        kind: ChargeKind,
        amount: Money,
        as_of: NaiveDate,
    ) -> Result<(), PortalError> {
        let existing = tx
            .charges(self.utility(), account)?
            .into_iter()
            .find(|c| c.charge.id == id);
        let row = match existing {
            Some(mut row) => {
                row.charge.amount = row.charge.amount.checked_add(&amount)?;
                row
            }
            None => ChargeRow {
                utility: self.utility().to_owned(),
                account: account.to_owned(),
                charge: OpenCharge {
                    id: id.to_owned(),
                    kind,
                    bill_date: as_of,
                    due_date: as_of,
                    amount,
                },
            },
        };
        tx.put_charge(&row)?;
        Ok(())
    }
}
