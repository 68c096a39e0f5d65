//! [`SecurityStore`] on PostgreSQL: one table keyed by (utility, kind, key),
//! indexed by the login a row belongs to.

use ratepayer_portal::store::{SecurityKind, SecurityRow, SecurityStore, StoreResult};

use super::PgTx;
use crate::error::to_json;

impl SecurityStore for PgTx<'_> {
    fn security_record(
        &mut self,
        utility: &str,
        kind: SecurityKind,
        key: &str,
    ) -> StoreResult<Option<SecurityRow>> {
        self.one(
            "reading a security record",
            "SELECT data FROM security_records WHERE utility = $1 AND kind = $2 AND key = $3",
            &[&utility, &kind.as_str(), &key],
        )
    }

    fn put_security_record(&mut self, row: &SecurityRow) -> StoreResult<()> {
        let what = "writing a security record";
        let data = to_json(what, row)?;
        self.exec(
            what,
            "INSERT INTO security_records (utility, kind, key, login, data)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (utility, kind, key) DO UPDATE
             SET login = excluded.login, data = excluded.data",
            &[
                &row.utility,
                &row.kind.as_str(),
                &row.key,
                &row.login,
                &data,
            ],
        )?;
        Ok(())
    }

    fn delete_security_record(
        &mut self,
        utility: &str,
        kind: SecurityKind,
        key: &str,
    ) -> StoreResult<bool> {
        if utility.contains('\0') || key.contains('\0') {
            return Ok(false);
        }
        let n = self.exec(
            "removing a security record",
            "DELETE FROM security_records WHERE utility = $1 AND kind = $2 AND key = $3",
            &[&utility, &kind.as_str(), &key],
        )?;
        Ok(n > 0)
    }

    fn security_records_of_login(
        &mut self,
        utility: &str,
        kind: SecurityKind,
        login: &str,
    ) -> StoreResult<Vec<SecurityRow>> {
        self.all(
            "reading a login's security records",
            "SELECT data FROM security_records WHERE utility = $1 AND kind = $2 AND login = $3
             ORDER BY key",
            &[&utility, &kind.as_str(), &login],
        )
    }
}
