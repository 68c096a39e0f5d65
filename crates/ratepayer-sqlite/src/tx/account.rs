//! [`AccountStore`] on SQLite: accounts and the links between logins and
//! accounts. Links keep the order they were made in (their rowid, which an
//! update keeps).

use ratepayer::payment::AccountStatus;
use ratepayer_portal::store::{
    AccountRow, AccountStore, LinkRow, StorageError, StorageErrorKind, StoreResult,
};
use rusqlite::params;

use super::{amount, SqliteTx};
use crate::error::{db, to_json};

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

impl AccountStore for SqliteTx<'_> {
    fn put_account(&mut self, account: &AccountRow) -> StoreResult<()> {
        let what = "saving an account";
        let data = to_json(what, account)?;
        self.exec(
            what,
            "INSERT INTO accounts (utility, number, owner, status, currency, credit, data)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (utility, number) DO UPDATE
             SET owner = excluded.owner, status = excluded.status, currency = excluded.currency,
                 credit = excluded.credit, data = excluded.data",
            params![
                account.utility,
                account.number(),
                account.record.login,
                status(account.status),
                account.currency.code(),
                amount(&account.credit),
                data
            ],
        )?;
        Ok(())
    }

    fn account(&mut self, utility: &str, number: &str) -> StoreResult<Option<AccountRow>> {
        self.one(
            "reading an account",
            "SELECT data FROM accounts WHERE utility = ?1 AND number = ?2",
            [utility, number],
        )
    }

    fn account_statuses(
        &mut self,
        utility: &str,
        accounts: &[&str],
    ) -> StoreResult<Vec<Option<AccountStatus>>> {
        let what = "reading the status of a batch of accounts";
        let read = self.by_account_range(
            what,
            "SELECT number, status FROM accounts
             WHERE utility = ?1 AND number BETWEEN ?2 AND ?3 ORDER BY number",
            utility,
            accounts,
            |row| {
                let text = row
                    .get_ref(1)
                    .map_err(|e| db(what, e))?
                    .as_str()
                    .map_err(|e| db(what, rusqlite::Error::from(e)))?;
                parse_status(what, text)
            },
        )?;
        match read {
            Some(found) => Ok(found.into_iter().map(|mut v| v.pop()).collect()),
            None => accounts
                .iter()
                .map(|a| Ok(self.account(utility, a)?.map(|row| row.status)))
                .collect(),
        }
    }

    fn put_link(&mut self, link: &LinkRow) -> StoreResult<()> {
        let what = "saving a link between a login and an account";
        let data = to_json(what, link)?;
        self.exec(
            what,
            "INSERT INTO links (login, utility, account, role, data) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (login, utility, account) DO UPDATE
             SET role = excluded.role, data = excluded.data",
            params![
                link.login,
                link.utility,
                link.account,
                link.role.as_str(),
                data
            ],
        )?;
        Ok(())
    }

    fn delete_link(&mut self, login: &str, utility: &str, account: &str) -> StoreResult<bool> {
        let removed = self.exec(
            "removing a link",
            "DELETE FROM links WHERE login = ?1 AND utility = ?2 AND account = ?3",
            [login, utility, account],
        )?;
        Ok(removed > 0)
    }

    fn links_of_login(&mut self, login: &str) -> StoreResult<Vec<LinkRow>> {
        self.all(
            "reading the links of a login",
            "SELECT data FROM links WHERE login = ?1 ORDER BY rowid",
            [login],
        )
    }

    fn links_of_account(&mut self, utility: &str, account: &str) -> StoreResult<Vec<LinkRow>> {
        self.all(
            "reading the links of an account",
            "SELECT data FROM links WHERE utility = ?1 AND account = ?2 ORDER BY rowid",
            [utility, account],
        )
    }
}
