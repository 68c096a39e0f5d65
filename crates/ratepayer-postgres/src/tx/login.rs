//! [`LoginStore`] on PostgreSQL: logins, contacts, codes and devices.

use ratepayer_portal::store::{
    CodeRow, ContactRow, DeviceRow, LoginRow, LoginStore, StorageError, StorageErrorKind,
    StoreResult,
};

use super::{text_at, PgTx};
use crate::error::to_json;

impl LoginStore for PgTx<'_> {
    fn insert_login(&mut self, login: &LoginRow) -> StoreResult<()> {
        let what = "adding the login";
        let data = to_json(what, login)?;
        // A taken id or username inserts nothing (no failed statement, so
        // the transaction goes on).
        let inserted = self.exec(
            what,
            "INSERT INTO logins (id, utility, username, email, data) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT DO NOTHING",
            &[
                &login.id,
                &login.utility,
                &login.username,
                &login.email,
                &data,
            ],
        )?;
        if inserted == 0 {
            return Err(StorageError::new(
                StorageErrorKind::Conflict,
                format!(
                    "the username `{}` is taken (or the login id exists)",
                    login.username
                ),
            ));
        }
        Ok(())
    }

    fn update_login(&mut self, login: &LoginRow) -> StoreResult<()> {
        let what = "updating the login";
        let data = to_json(what, login)?;
        // Not when another login of the utility has the username: a taken
        // username changes nothing rather than failing the statement.
        let changed = self.exec(
            what,
            "UPDATE logins SET utility = $2, username = $3, email = $4, data = $5
             WHERE id = $1 AND NOT EXISTS (
                 SELECT 1 FROM logins o WHERE o.utility = $2 AND o.username = $3 AND o.id <> $1)",
            &[
                &login.id,
                &login.utility,
                &login.username,
                &login.email,
                &data,
            ],
        )?;
        if changed > 0 {
            return Ok(());
        }
        let exists = !self
            .query(what, "SELECT 1 FROM logins WHERE id = $1", &[&login.id])?
            .is_empty();
        if exists {
            Err(StorageError::new(
                StorageErrorKind::Conflict,
                format!("the username `{}` is taken", login.username),
            ))
        } else {
            Err(StorageError::new(
                StorageErrorKind::NotFound,
                "no such login to update",
            ))
        }
    }

    fn login(&mut self, id: &str) -> StoreResult<Option<LoginRow>> {
        self.one(
            "reading a login",
            "SELECT data FROM logins WHERE id = $1",
            &[&id],
        )
    }

    fn login_email(&mut self, id: &str) -> StoreResult<Option<String>> {
        let what = "reading the email address of a login";
        // A batch of the AutoPay cycle read its enrolled logins' addresses
        // with its accounts; nothing is held back for logins.
        if let Some(email) = self.held_email(id) {
            return Ok(Some(email));
        }
        match self
            .query_past_held(what, "SELECT email FROM logins WHERE id = $1", &[&id])?
            .first()
        {
            Some(row) => Ok(Some(text_at(what, row, 0)?.to_owned())),
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
            "SELECT data FROM logins WHERE utility = $1 AND username = $2",
            &[&utility, &username],
        )
    }

    fn put_contact(&mut self, contact: &ContactRow) -> StoreResult<()> {
        let what = "saving a contact";
        let data = to_json(what, contact)?;
        self.exec(
            what,
            "INSERT INTO contacts (login, contact, verified, data) VALUES ($1, $2, $3, $4)
             ON CONFLICT (login, contact) DO UPDATE
             SET verified = excluded.verified, data = excluded.data",
            &[
                &contact.login,
                &contact.contact.as_str(),
                &contact.verified_at.is_some(),
                &data,
            ],
        )?;
        Ok(())
    }

    fn contacts(&mut self, login: &str) -> StoreResult<Vec<ContactRow>> {
        self.all(
            "reading contacts",
            "SELECT data FROM contacts WHERE login = $1 ORDER BY contact",
            &[&login],
        )
    }

    fn put_code(&mut self, code: &CodeRow) -> StoreResult<()> {
        let what = "saving a verification code";
        let data = to_json(what, code)?;
        self.exec(
            what,
            "INSERT INTO codes (id, login, data) VALUES ($1, $2, $3)
             ON CONFLICT (id) DO UPDATE SET login = excluded.login, data = excluded.data",
            &[&code.id, &code.login, &data],
        )?;
        Ok(())
    }

    fn code(&mut self, id: &str) -> StoreResult<Option<CodeRow>> {
        self.one(
            "reading a verification code",
            "SELECT data FROM codes WHERE id = $1",
            &[&id],
        )
    }

    fn put_device(&mut self, device: &DeviceRow) -> StoreResult<()> {
        let what = "saving a device";
        let data = to_json(what, device)?;
        self.exec(
            what,
            "INSERT INTO devices (id, login, data) VALUES ($1, $2, $3)
             ON CONFLICT (id) DO UPDATE SET login = excluded.login, data = excluded.data",
            &[&device.id(), &device.login(), &data],
        )?;
        Ok(())
    }

    fn devices(&mut self, login: &str) -> StoreResult<Vec<DeviceRow>> {
        self.all(
            "reading devices",
            "SELECT data FROM devices WHERE login = $1 ORDER BY id",
            &[&login],
        )
    }
}
