//! [`IntentStore`] on PostgreSQL: stored payment quotes and clients' payment
//! idempotency keys. A key is claimed by inserting it, the table's primary
//! key (utility, login, key), with `ON CONFLICT DO NOTHING`, so it is
//! claimed once across every connection and process.

use ratepayer_portal::store::{IntentStore, PaymentKeyRow, QuoteRow, StoreResult};

use super::PgTx;
use crate::error::to_json;

impl IntentStore for PgTx<'_> {
    fn put_quote(&mut self, quote: &QuoteRow) -> StoreResult<()> {
        let what = "saving a payment quote";
        let data = to_json(what, quote)?;
        self.exec(
            what,
            "INSERT INTO quotes (utility, id, login, expires_at, payment_id, data)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (utility, id) DO UPDATE
             SET login = excluded.login, expires_at = excluded.expires_at,
                 payment_id = excluded.payment_id, data = excluded.data",
            &[
                &quote.utility,
                &quote.id,
                &quote.login,
                &quote.expires_at.to_rfc3339(),
                &quote.payment_id,
                &data,
            ],
        )?;
        Ok(())
    }

    fn quote(&mut self, utility: &str, id: &str) -> StoreResult<Option<QuoteRow>> {
        self.one(
            "reading a payment quote",
            "SELECT data FROM quotes WHERE utility = $1 AND id = $2",
            &[&utility, &id],
        )
    }

    fn claim_payment_key(&mut self, row: &PaymentKeyRow) -> StoreResult<bool> {
        let what = "claiming a payment's idempotency key";
        let data = to_json(what, row)?;
        let inserted = self.exec(
            what,
            "INSERT INTO payment_keys (utility, login, key, quote_id, payment_id, data)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (utility, login, key) DO NOTHING",
            &[
                &row.utility,
                &row.login,
                &row.key,
                &row.quote_id,
                &row.payment_id,
                &data,
            ],
        )?;
        Ok(inserted > 0)
    }

    fn payment_key(
        &mut self,
        utility: &str,
        login: &str,
        key: &str,
    ) -> StoreResult<Option<PaymentKeyRow>> {
        self.one(
            "reading a payment's idempotency key",
            "SELECT data FROM payment_keys WHERE utility = $1 AND login = $2 AND key = $3",
            &[&utility, &login, &key],
        )
    }
}
