//! [`AuditStore`] on PostgreSQL: an append-only table ordered by an
//! identity sequence.

use ratepayer_portal::store::{AuditEvent, AuditStore, StoreResult};

use super::PgTx;
use crate::error::to_json;

impl AuditStore for PgTx<'_> {
    fn append_audit(&mut self, event: &AuditEvent) -> StoreResult<()> {
        if self.hold_audit(event)? {
            return Ok(());
        }
        let what = "appending an audit event";
        let data = to_json(what, event)?;
        self.exec(
            what,
            "INSERT INTO audit (utility, kind, login, account, at, data)
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                &event.utility,
                &event.kind.as_str(),
                &event.login,
                &event.account,
                &event.at.to_rfc3339(),
                &data,
            ],
        )?;
        Ok(())
    }

    fn audit_events(&mut self, utility: &str) -> StoreResult<Vec<AuditEvent>> {
        self.all(
            "reading the audit trail",
            "SELECT data FROM audit WHERE utility = $1 ORDER BY seq",
            &[&utility],
        )
    }
}
