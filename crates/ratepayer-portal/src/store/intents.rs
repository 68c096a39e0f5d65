//! What a payment intent leaves in the store: the quote the customer was
//! shown ([`QuoteRow`], kept until it expires or is paid) and the client's
//! idempotency key of a payment ([`PaymentKeyRow`], with the receipt it
//! gave), and the port ([`IntentStore`]) that keeps both. A payment's key is
//! claimed in the same transaction that records the payment, so a double
//! submit records one payment and the second call gets the first receipt.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::StoreResult;
use ratepayer::fees::{Channel, PaymentMethod};
use ratepayer::payment::{PaymentAllocation, PaymentTarget};
use ratepayer::Money;

/// A fee quote the portal gave a login: what `pay` charges, and nothing
/// else. The fee was computed by the server; the customer only picks the
/// quote by its id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuoteRow {
    /// Opaque random identifier.
    pub id: String,
    /// The utility (profile id).
    pub utility: String,
    /// The login it was quoted to (only that login may pay it).
    pub login: String,
    /// What is paid: the total due, one account, or parts per account
    /// (canonical account numbers).
    pub target: PaymentTarget,
    /// The stored method quoted.
    pub payment_method_id: String,
    /// Paid to the utility.
    pub amount: Money,
    /// The convenience fee.
    pub fee: Money,
    /// Charged to the customer.
    pub total: Money,
    /// The channel priced.
    pub channel: Channel,
    /// The method priced.
    pub method: PaymentMethod,
    /// The accounts the fee was priced for.
    pub accounts: u32,
    /// Fingerprint of the fee schedule that priced it (hex).
    pub schedule_fingerprint: String,
    /// When it was quoted.
    pub quoted_at: DateTime<Utc>,
    /// After this instant it is refused: quote again.
    pub expires_at: DateTime<Utc>,
    /// The payment made with it, once paid (a quote pays once).
    #[serde(default)]
    pub payment_id: Option<String>,
}

/// A client's idempotency key of a payment, claimed with the payment, and
/// the receipt it gave.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentKeyRow {
    /// The utility (profile id).
    pub utility: String,
    /// The login that paid.
    pub login: String,
    /// The client's key (unique per utility and login).
    pub key: String,
    /// The quote paid.
    pub quote_id: String,
    /// The payment recorded.
    pub payment_id: String,
    /// How it was split.
    pub allocation: PaymentAllocation,
    /// The convenience fee.
    pub fee: Money,
    /// Charged to the customer.
    pub total: Money,
    /// When it was recorded.
    pub at: DateTime<Utc>,
}

/// Stored quotes and claimed payment keys.
pub trait IntentStore {
    /// Adds or replaces a quote (by utility and id).
    fn put_quote(&mut self, quote: &QuoteRow) -> StoreResult<()>;
    /// The quote of `utility` with this id.
    fn quote(&mut self, utility: &str, id: &str) -> StoreResult<Option<QuoteRow>>;
    /// Records a payment key unless (utility, login, key) was recorded
    /// before; true when recorded now. Atomic with the rest of the
    /// transaction (a unique key).
    fn claim_payment_key(&mut self, key: &PaymentKeyRow) -> StoreResult<bool>;
    /// The payment key of `login` of `utility`, if claimed.
    fn payment_key(
        &mut self,
        utility: &str,
        login: &str,
        key: &str,
    ) -> StoreResult<Option<PaymentKeyRow>>;
}
