//! A customer's payment history: every payment and AutoPay draft that
//! touched an account, newest first, with where its money stands
//! (pending, submitted, settled, returned or declined) and why a failed
//! one failed. Read in a read transaction, without the write lock.

use chrono::{DateTime, Utc};

use super::sessions::Session;
use super::{Portal, PortalError};
use crate::store::{DeclineReason, PaymentSource, PaymentStatus};
use ratepayer::autopay::failures::AchReturnCode;
use ratepayer::fees::PaymentMethod;
use ratepayer::Money;

/// One payment as the customer sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentView {
    /// The payment's id (the confirmation number).
    pub payment_id: String,
    /// Portal payment or AutoPay draft.
    pub source: PaymentSource,
    /// The method.
    pub method: PaymentMethod,
    /// What it paid to this account.
    pub to_account: Money,
    /// The whole payment (every account it paid).
    pub amount: Money,
    /// The convenience fee.
    pub fee: Money,
    /// Charged to the customer.
    pub total: Money,
    /// Where its money stands.
    pub status: PaymentStatus,
    /// When it was made.
    pub at: DateTime<Utc>,
    /// The bank's return code, when returned.
    pub return_code: Option<AchReturnCode>,
    /// Why the card was declined, when declined.
    pub decline: Option<DeclineReason>,
}

impl Portal {
    /// Every payment that touched `account` (linked to the login), newest
    /// first, with its status.
    pub fn payment_history(
        &self,
        session: &Session,
        account: &str,
    ) -> Result<Vec<PaymentView>, PortalError> {
        let now = session.at();
        self.read(|tx| {
            let (link, _) = self.require_link(tx, session, account, now)?;
            let mut out: Vec<PaymentView> = tx
                .payments_of_account(self.utility(), &link.account)?
                .into_iter()
                .map(|p| PaymentView {
                    to_account: p
                        .allocation
                        .accounts
                        .iter()
                        .find(|a| a.account == link.account)
                        .map_or(Money::zero(p.amount.currency()), |a| a.paid),
                    payment_id: p.id,
                    source: p.source,
                    method: p.method,
                    amount: p.amount,
                    fee: p.fee,
                    total: p.total,
                    status: p.status,
                    at: p.at,
                    return_code: p.settlement.return_code,
                    decline: p.settlement.decline,
                })
                .collect();
            out.reverse();
            Ok(out)
        })
    }
}
