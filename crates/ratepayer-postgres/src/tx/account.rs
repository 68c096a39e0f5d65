//! [`AccountStore`] on PostgreSQL: accounts and the links between logins
//! and accounts. Links keep the order they were made in (their `seq`, which
//! an upsert keeps).

use std::collections::HashMap;

use ratepayer::payment::AccountStatus;
use ratepayer_portal::store::{
    AccountRow, AccountStore, LinkRow, StorageError, StorageErrorKind, StoreResult,
};

use super::{amount, text_at, PgTx};
use crate::error::to_json;

/// An account status as stored.
fn status(s: AccountStatus) -> &'static str {
    match s {
        AccountStatus::Active => "active",
        AccountStatus::Closed => "closed",
    }
}

/// An account status as read back.
fn parse_status(what: &str, text: &str) -> StoreResult<AccountStatus> {
    match text {
        "active" => Ok(AccountStatus::Active),
        "closed" => Ok(AccountStatus::Closed),
        other => Err(StorageError::new(
            StorageErrorKind::Corrupt,
            format!("{what} failed: an account has the unknown status `{other}`"),
        )),
    }
}

/// The accounts of a batch that a stored key can match (none with a NUL).
pub(super) fn storable<'a>(accounts: &[&'a str]) -> Vec<&'a str> {
    accounts
        .iter()
        .copied()
        .filter(|a| !a.contains('\0'))
        .collect()
}

impl AccountStore for PgTx<'_> {
    fn put_account(&mut self, account: &AccountRow) -> StoreResult<()> {
        let what = "saving an account";
        let data = to_json(what, account)?;
        self.exec(
            what,
            "INSERT INTO accounts (utility, number, owner, status, currency, credit, data)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (utility, number) DO UPDATE
             SET owner = excluded.owner, status = excluded.status, currency = excluded.currency,
                 credit = excluded.credit, data = excluded.data",
            &[
                &account.utility,
                &account.number(),
                &account.record.login,
                &status(account.status),
                &account.currency.code(),
                &amount(&account.credit),
                &data,
            ],
        )?;
        Ok(())
    }

    fn account(&mut self, utility: &str, number: &str) -> StoreResult<Option<AccountRow>> {
        self.one(
            "reading an account",
            "SELECT data FROM accounts WHERE utility = $1 AND number = $2",
            &[&utility, &number],
        )
    }

    fn account_statuses(
        &mut self,
        utility: &str,
        accounts: &[&str],
    ) -> StoreResult<Vec<Option<AccountStatus>>> {
        let what = "reading the status of a batch of accounts";
        let rows = self.query(
            what,
            "SELECT number, status FROM accounts WHERE utility = $1 AND number = ANY($2)",
            &[&utility, &storable(accounts)],
        )?;
        let mut found = HashMap::with_capacity(rows.len());
        for row in &rows {
            found.insert(
                text_at(what, row, 0)?,
                parse_status(what, text_at(what, row, 1)?)?,
            );
        }
        Ok(accounts.iter().map(|a| found.get(a).copied()).collect())
    }

    fn put_link(&mut self, link: &LinkRow) -> StoreResult<()> {
        let what = "saving a link between a login and an account";
        let data = to_json(what, link)?;
        self.exec(
            what,
            "INSERT INTO links (login, utility, account, role, data) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (login, utility, account) DO UPDATE
             SET role = excluded.role, data = excluded.data",
            &[
                &link.login,
                &link.utility,
                &link.account,
                &link.role.as_str(),
                &data,
            ],
        )?;
        Ok(())
    }

    fn delete_link(&mut self, login: &str, utility: &str, account: &str) -> StoreResult<bool> {
        let what = "removing a link";
        if login.contains('\0') || utility.contains('\0') || account.contains('\0') {
            return Ok(false);
        }
        let removed = self.exec(
            what,
            "DELETE FROM links WHERE login = $1 AND utility = $2 AND account = $3",
            &[&login, &utility, &account],
        )?;
        Ok(removed > 0)
    }

    fn links_of_login(&mut self, login: &str) -> StoreResult<Vec<LinkRow>> {
        self.all(
            "reading the links of a login",
            "SELECT data FROM links WHERE login = $1 ORDER BY seq",
            &[&login],
        )
    }

    fn links_of_account(&mut self, utility: &str, account: &str) -> StoreResult<Vec<LinkRow>> {
        self.all(
            "reading the links of an account",
            "SELECT data FROM links WHERE utility = $1 AND account = $2 ORDER BY seq",
            &[&utility, &account],
        )
    }
}
