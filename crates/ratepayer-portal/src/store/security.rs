//! The security part of the storage port: small keyed records the sign-in
//! defences keep beside the logins (throttle counters per client address,
//! per unknown username and per account number tried; send windows of
//! codes; password-reset tokens; sessions; authenticators, recovery codes,
//! security answers and sign-ins waiting for a second factor), each a [`SecurityRow`] with its
//! record as JSON, so new kinds need no new table or adapter method.
//!
//! A row is keyed by (utility, kind, key); `login` names the login it
//! belongs to, when it belongs to one, so every row of a login of one kind
//! can be listed (its sessions) and removed (on a password reset).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::StoreResult;

/// What a [`SecurityRow`] holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SecurityKind {
    /// A failure counter ([`ratepayer::login::FailureCounter`]) of a scope that
    /// has no row of its own: a client address, a username that matches no
    /// login, an account number tried at registration or linking.
    Throttle,
    /// How many codes went to one contact in the current window.
    SendWindow,
    /// A single-use password-reset token (stored as a keyed digest).
    ResetToken,
    /// A signed-in session (its token stored as a keyed digest).
    Session,
    /// A login's authenticator app ([`ratepayer::mfa::TotpRecord`], its secret
    /// sealed), keyed by the login's id.
    Totp,
    /// A login's recovery codes ([`ratepayer::mfa::RecoveryCodes`], as keyed
    /// digests), keyed by the login's id.
    RecoveryCodes,
    /// A login's security answer ([`ratepayer::login::SecurityAnswerRecord`], a
    /// keyed digest; legacy preset only), keyed by the login's id.
    SecurityAnswer,
    /// A sign-in waiting for its second factor or security answer, keyed by
    /// the keyed digest of its challenge id.
    SignInChallenge,
    /// A temporary password emailed for recovery
    /// ([`ratepayer::verification::TempPasswordRecord`], a keyed digest), keyed
    /// by the login's id.
    TemporaryPassword,
    /// A contact change waiting for the code sent to the new contact, keyed
    /// by the change's id (which is also its code's id).
    ContactChange,
}

impl SecurityKind {
    /// The snake_case name, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            SecurityKind::Throttle => "throttle",
            SecurityKind::SendWindow => "send_window",
            SecurityKind::ResetToken => "reset_token",
            SecurityKind::Session => "session",
            SecurityKind::Totp => "totp",
            SecurityKind::RecoveryCodes => "recovery_codes",
            SecurityKind::SecurityAnswer => "security_answer",
            SecurityKind::SignInChallenge => "sign_in_challenge",
            SecurityKind::TemporaryPassword => "temporary_password",
            SecurityKind::ContactChange => "contact_change",
        }
    }
}

/// One security record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SecurityRow {
    /// The utility.
    pub utility: String,
    /// What it holds.
    pub kind: SecurityKind,
    /// Its key within the utility and kind (a scope such as
    /// `address:203.0.113.7`, or a token's digest in hex).
    pub key: String,
    /// The login it belongs to, if any.
    #[serde(default)]
    pub login: Option<String>,
    /// When it was last written.
    pub updated_at: DateTime<Utc>,
    /// The record itself (the portal's own serde types).
    pub data: serde_json::Value,
}

/// Security records, keyed by (utility, kind, key).
pub trait SecurityStore {
    /// The row with this key.
    fn security_record(
        &mut self,
        utility: &str,
        kind: SecurityKind,
        key: &str,
    ) -> StoreResult<Option<SecurityRow>>;
    /// Adds or replaces a row (by utility, kind and key).
    fn put_security_record(&mut self, row: &SecurityRow) -> StoreResult<()>;
    /// Removes a row; false when there was none.
    fn delete_security_record(
        &mut self,
        utility: &str,
        kind: SecurityKind,
        key: &str,
    ) -> StoreResult<bool>;
    /// Every row of `kind` that belongs to `login`, by key.
    fn security_records_of_login(
        &mut self,
        utility: &str,
        kind: SecurityKind,
        login: &str,
    ) -> StoreResult<Vec<SecurityRow>>;
}
