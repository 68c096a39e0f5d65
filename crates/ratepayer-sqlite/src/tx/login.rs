//! [`LoginStore`] on SQLite: logins, contacts, codes and devices.

use ratepayer_portal::store::{
    CodeRow, ContactRow, DeviceRow, LoginRow, LoginStore, StorageError, StorageErrorKind,
    StoreResult,
};
use rusqlite::params;

use super::{conflict, SqliteTx};
use crate::error::{db, to_json};

impl LoginStore for SqliteTx<'_> {
    fn insert_login(&mut self, login: &LoginRow) -> StoreResult<()> {
        let what = "adding the login";
        let data = to_json(what, login)?;
        self.exec(
            what,
            "INSERT INTO logins (id, utility, username, email, data) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![login.id, login.utility, login.username, login.email, data],
        )
        .map_err(|e| conflict(e, || format!("the username `{}` is taken", login.username)))?;
        Ok(())
    }

    fn update_login(&mut self, login: &LoginRow) -> StoreResult<()> {
        let what = "updating the login";
        let data = to_json(what, login)?;
        let changed = self
            .exec(
                what,
                "UPDATE logins SET utility = ?2, username = ?3, email = ?4, data = ?5 WHERE id = ?1",
                params![login.id, login.utility, login.username, login.email, data],
            )
            .map_err(|e| conflict(e, || format!("the username `{}` is taken", login.username)))?;
        if changed == 0 {
            return Err(StorageError::new(
                StorageErrorKind::NotFound,
                "no such login to update",
            ));
        }
        Ok(())
    }

    fn login(&mut self, id: &str) -> StoreResult<Option<LoginRow>> {
        self.one(
            "reading a login",
            "SELECT data FROM logins WHERE id = ?1",
            [id],
        )
    }

    fn login_email(&mut self, id: &str) -> StoreResult<Option<String>> {
        let what = "reading the email address of a login";
        self.live(what)?;
        let mut stmt = self
            .conn
            .prepare_cached("SELECT email FROM logins WHERE id = ?1")
            .map_err(|e| db(what, e))?;
        let mut rows = stmt.query([id]).map_err(|e| db(what, e))?;
        match rows.next().map_err(|e| db(what, e))? {
            Some(row) => Ok(Some(row.get(0).map_err(|e| db(what, e))?)),
            None => Ok(None),
        }
    }

    fn login_by_username(
        &mut self,
        utility: &str,
        username: &str,
    ) -> StoreResult<Option<LoginRow>> {
        self.one(
            "reading a login by username",
            "SELECT data FROM logins WHERE utility = ?1 AND username = ?2",
            [utility, username],
        )
    }

    fn put_contact(&mut self, contact: &ContactRow) -> StoreResult<()> {
        let what = "saving a contact";
        let data = to_json(what, contact)?;
        self.exec(
            what,
            "INSERT INTO contacts (login, contact, verified, data) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (login, contact) DO UPDATE
             SET verified = excluded.verified, data = excluded.data",
            params![
                contact.login,
                contact.contact.as_str(),
                contact.verified_at.is_some(),
                data
            ],
        )?;
        Ok(())
    }

    fn contacts(&mut self, login: &str) -> StoreResult<Vec<ContactRow>> {
        self.all(
            "reading contacts",
            "SELECT data FROM contacts WHERE login = ?1 ORDER BY contact",
            [login],
        )
    }

    fn put_code(&mut self, code: &CodeRow) -> StoreResult<()> {
        let what = "saving a verification code";
        let data = to_json(what, code)?;
        self.exec(
            what,
            "INSERT INTO codes (id, login, data) VALUES (?1, ?2, ?3)
             ON CONFLICT (id) DO UPDATE SET login = excluded.login, data = excluded.data",
            params![code.id, code.login, data],
        )?;
        Ok(())
    }

    fn code(&mut self, id: &str) -> StoreResult<Option<CodeRow>> {
        self.one(
            "reading a verification code",
            "SELECT data FROM codes WHERE id = ?1",
            [id],
        )
    }

    fn put_device(&mut self, device: &DeviceRow) -> StoreResult<()> {
        let what = "saving a device";
        let data = to_json(what, device)?;
        self.exec(
            what,
            "INSERT INTO devices (id, login, data) VALUES (?1, ?2, ?3)
             ON CONFLICT (id) DO UPDATE SET login = excluded.login, data = excluded.data",
            params![device.id(), device.login(), data],
        )?;
        Ok(())
    }

    fn devices(&mut self, login: &str) -> StoreResult<Vec<DeviceRow>> {
        self.all(
            "reading devices",
            "SELECT data FROM devices WHERE login = ?1 ORDER BY id",
            [login],
        )
    }
}
