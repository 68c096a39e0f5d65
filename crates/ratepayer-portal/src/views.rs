//! What a signed-in customer sees: the home page (every linked account with
//! its amount due, due date, AutoPay status and bill delivery, and the total
//! due across them) and an account's bills (history only with e-billing,
//! where the utility says so; seed 004). Both read in a read transaction,
//! without the write lock.

use chrono::NaiveDate;
use serde::Serialize;

use super::sessions::Session;
use super::{Portal, PortalError};
use crate::store::{BillRow, EnrolmentStatus, Role, Tx};
use ratepayer::payment::AccountStatus;
use ratepayer::Money;

pub use ratepayer::profile::PortalPolicy;

/// One linked account on the home page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountSummary {
    /// Canonical account number.
    pub account: String,
    /// The login's nickname for it.
    pub nickname: Option<String>,
    /// The login's role.
    pub role: Role,
    /// Active or closed (view only).
    pub status: AccountStatus,
    /// The service address.
    pub service_address: Option<String>,
    /// The sum of its open charges.
    pub amount_due: Money,
    /// The earliest due date among its open charges.
    pub due_date: Option<NaiveDate>,
    /// The AutoPay option it is enrolled in, if any.
    pub autopay: Option<String>,
    /// Money paid beyond every charge.
    pub credit: Money,
    /// A paper bill is mailed (not paperless; text alerts do not change it).
    pub paper_bill: bool,
    /// Enrolled in e-billing.
    pub ebilling: bool,
}

/// The home page of a login.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HomeView {
    /// Every linked account, in the order linked.
    pub accounts: Vec<AccountSummary>,
    /// The amount due across every active account.
    pub total_due: Money,
}

/// The bills a login may see for one account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BillView {
    /// Newest first.
    pub bills: Vec<BillRow>,
    /// False when only the current bill is shown (no e-billing).
    pub history_shown: bool,
}

impl Portal {
    pub(super) fn summary(
        &self,
        tx: &mut dyn Tx,
        account: &str,
        nickname: Option<String>,
        role: Role,
    ) -> Result<AccountSummary, PortalError> {
        let utility = self.utility();
        let row = tx
            .account(utility, account)?
            .ok_or_else(|| PortalError::not_found("account", account))?;
        let open: Vec<_> = tx
            .charges(utility, account)?
            .into_iter()
            .filter(|c| !c.charge.amount.amount().is_zero())
            .collect();
        let amount_due = Money::sum(row.currency, open.iter().map(|c| &c.charge.amount))?;
        let autopay = tx
            .enrolment(utility, account)?
            .filter(|e| e.status == EnrolmentStatus::Active)
            .map(|e| e.option);
        Ok(AccountSummary {
            account: account.to_owned(),
            nickname,
            role,
            status: row.status,
            service_address: row.service_address.clone(),
            amount_due,
            due_date: open.iter().map(|c| c.charge.due_date).min(),
            autopay,
            credit: row.credit,
            paper_bill: !row.paperless,
            ebilling: row.ebilling,
        })
    }

    /// The home page: every linked account and the total due across the
    /// active ones.
    pub fn home(&self, session: &Session) -> Result<HomeView, PortalError> {
        let now = session.at();
        let login_id = session.login_id();
        let currency = self.profile.spec().currency;
        self.read(|tx| {
            self.require_session(tx, session, now)?;
            let mut accounts = Vec::new();
            for link in tx.links_of_login(login_id)? {
                if link.utility == self.utility() {
                    accounts.push(self.summary(tx, &link.account, link.nickname, link.role)?);
                }
            }
            let total_due = Money::sum(
                currency,
                accounts
                    .iter()
                    .filter(|a| a.status == AccountStatus::Active)
                    .map(|a| &a.amount_due),
            )?;
            Ok(HomeView {
                accounts,
                total_due,
            })
        })
    }

    /// An account's bills: all of them with e-billing (or when the utility
    /// shows history to everyone), otherwise the current bill only.
    pub fn bills(&self, session: &Session, account: &str) -> Result<BillView, PortalError> {
        let now = session.at();
        let all_history = !self.profile.spec().portal.history_requires_ebilling;
        self.read(|tx| {
            let (link, row) = self.require_link(tx, session, account, now)?;
            let mut bills = tx.bills(self.utility(), &link.account)?;
            let history_shown = all_history || row.ebilling;
            if !history_shown {
                bills.truncate(1);
            }
            Ok(BillView {
                bills,
                history_shown,
            })
        })
    }
}
