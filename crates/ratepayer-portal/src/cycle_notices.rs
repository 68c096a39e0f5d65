//! What the AutoPay cycle writes to the outbox, inside its batch's
//! transaction: the plan's notices due by the cycle's date (bill ready,
//! Regulation E advance notice, the reminder before a draft, card expiry,
//! a bill above the customer's maximum to pay by hand, AutoPay suspended),
//! each once per account and bill (a card's expiry: per account, card and
//! date), and a receipt per draft executed, once per draft key. The
//! enrolled login's address is read once per account, and only when a
//! message is written.

use chrono::{DateTime, Utc};

use super::outbox::Outgoing;
use super::{Portal, PortalError};
use crate::store::{DraftRow, EnrolmentRow, MessageKind, Tx};
use ratepayer::autopay::{DraftInstruction, NoticeKind, PlannedNotice};

/// The enrolled login's email address, read once per account and only
/// when a message is written.
#[derive(Default)]
pub(super) struct Recipient(Option<Option<String>>);

impl Recipient {
    fn email(&mut self, tx: &mut dyn Tx, login: &str) -> Result<Option<String>, PortalError> {
        if let Some(known) = &self.0 {
            return Ok(known.clone());
        }
        let email = tx.login_email(login)?;
        self.0 = Some(email.clone());
        Ok(email)
    }
}

impl Portal {
    /// Writes a planned notice due by the cycle's date to the outbox (once
    /// per account and bill, or per account, card and date for a card's
    /// expiry); true when written now.
    pub(super) fn queue_notice(
        &self,
        tx: &mut dyn Tx,
        e: &EnrolmentRow,
        n: &PlannedNotice,
        to: &mut Recipient,
        now: DateTime<Utc>,
    ) -> Result<bool, PortalError> {
        let (kind, subject) = match n.kind {
            NoticeKind::BillReady => (MessageKind::BillReady, "Your bill is ready"),
            NoticeKind::VariableAmount => (
                MessageKind::VariableAmount,
                "Your upcoming AutoPay bank debit",
            ),
            NoticeKind::DraftReminder => (MessageKind::DraftReminder, "AutoPay reminder"),
            NoticeKind::CardExpiring => (
                MessageKind::CardExpiring,
                "The card on your AutoPay expires soon",
            ),
            NoticeKind::PayByHand => (
                MessageKind::PayByHand,
                "Please pay this bill yourself: it is above your AutoPay maximum",
            ),
            NoticeKind::AutopaySuspended => (MessageKind::AutopaySuspended, "AutoPay is suspended"),
            _ => return Ok(false),
        };
        let Some(email) = to.email(tx, &e.login)? else {
            return Ok(false);
        };
        let date = n.date.to_string();
        let about: Vec<&str> = match &n.bill_id {
            Some(bill) => vec![&e.account, bill],
            None => vec![&e.account, &e.payment_method_id, &date],
        };
        let written = self.enqueue(
            tx,
            Outgoing {
                kind,
                about: &about,
                to: &email,
                subject: subject.to_owned(),
                body: n.text.clone(),
                login: Some(&e.login),
                account: Some(&e.account),
            },
            now,
        )?;
        Ok(written.is_some())
    }

    /// Writes the receipt of a draft this run executed to the outbox, under
    /// the account and the draft's key (`<utility>:receipt:<account>:<key>`);
    /// true when written now.
    ///
    /// The key alone would make it unique (a portal payment's receipt is
    /// `<utility>:receipt:<key>`, a bare UUID, so the two never meet); the
    /// account in front puts a cycle's receipts in account order, the order
    /// the cycle writes them, so the outbox's key index and its undelivered
    /// index (both ordered by key within one instant) grow at one end
    /// instead of taking inserts all over their pages: a batch of 10,000
    /// receipts then rewrites a few dozen index pages, not every one.
    pub(super) fn queue_receipt(
        &self,
        tx: &mut dyn Tx,
        e: &EnrolmentRow,
        row: &DraftRow,
        draft: &DraftInstruction,
        to: &mut Recipient,
        now: DateTime<Utc>,
    ) -> Result<bool, PortalError> {
        let Some(email) = to.email(tx, &e.login)? else {
            return Ok(false);
        };
        let written = self.enqueue(
            tx,
            Outgoing {
                kind: MessageKind::Receipt,
                about: &[&e.account, &row.idempotency_key],
                to: &email,
                subject: "AutoPay payment".into(),
                body: format!(
                    "AutoPay is paying bill {}: {} (fee {}, amount {}) drafted on {}. \
                     Confirmation {}. If your bank or card issuer does not pay it, we will \
                     tell you.",
                    row.bill_id,
                    draft.total.to_decimal_string(),
                    draft.fee.to_decimal_string(),
                    draft.amount.to_decimal_string(),
                    draft.date,
                    row.payment_id
                ),
                login: Some(&e.login),
                account: Some(&e.account),
            },
            now,
        )?;
        Ok(written.is_some())
    }
}
