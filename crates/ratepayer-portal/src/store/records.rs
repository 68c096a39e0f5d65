//! The records the portal persists through the storage port: logins and
//! their credentials, utility accounts, links between them, contacts and
//! codes, remembered devices, stored payment methods (tokens only), bills
//! and open charges, payments, AutoPay enrolments, draft executions with
//! their idempotency keys, and audit events. Every record is plain data with
//! serde, so an adapter may keep a record whole as JSON or spread it over
//! columns.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use ratepayer::autopay::{AmountNoticePreference, CardExpiry};
use ratepayer::credential::StoredCredential;
use ratepayer::fees::{Channel, PaymentMethod};
use ratepayer::login::{DeviceRecord, FailureCounter};
use ratepayer::payment::{AccountStatus, OpenCharge, PaymentAllocation};
use ratepayer::registration::{AccountRecord, TermsAcceptance};
use ratepayer::verification::{CodeRecord, Contact};
use ratepayer::{Currency, Money};

/// A portal login: one username (or email) for any number of accounts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginRow {
    /// Opaque random identifier.
    pub id: String,
    /// The utility (profile id) the login belongs to.
    pub utility: String,
    /// The username, lower-cased; unique within the utility.
    pub username: String,
    /// The login's email: notices about the login go there.
    pub email: String,
    /// The Argon2id credential.
    pub credential: StoredCredential,
    /// A temporary password was issued: the next login must change it.
    pub must_change_password: bool,
    /// Failed-login throttling of this login.
    pub throttle: FailureCounter,
    /// The portal terms accepted at registration.
    pub terms: TermsAcceptance,
    /// When the login was created.
    pub created_at: DateTime<Utc>,
}

/// A utility account as the portal knows it: the utility's record (what
/// registration proofs are checked against) and the customer's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountRow {
    /// The utility (profile id).
    pub utility: String,
    /// The utility's record; `record.login` is the owner login's id once registered.
    pub record: AccountRecord,
    /// Active, or closed (view only, no online payment).
    pub status: AccountStatus,
    /// The currency it is billed in.
    pub currency: Currency,
    /// The service address, as printed.
    #[serde(default)]
    pub service_address: Option<String>,
    /// Paperless billing: no paper bill is mailed.
    #[serde(default)]
    pub paperless: bool,
    /// Enrolled in e-billing: bill history is shown online.
    #[serde(default)]
    pub ebilling: bool,
    /// Text alerts (they never replace the paper bill; seed 003).
    #[serde(default)]
    pub text_alerts: bool,
    /// A separate email for bills and payment confirmations (seed 004).
    #[serde(default)]
    pub billing_email: Option<String>,
    /// Money paid beyond every open charge.
    pub credit: Money,
    /// Failed-login throttling across every login of the account.
    #[serde(default)]
    pub throttle: FailureCounter,
}

impl AccountRow {
    /// The canonical account number.
    pub fn number(&self) -> &str {
        self.record.account_number.as_str()
    }
}

/// What a login may do with a linked account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The account holder's login: everything, AutoPay included.
    Owner,
    /// Someone the owner let in: views and pays, cannot change AutoPay.
    AuthorizedUser,
}

impl Role {
    /// `"owner"` or `"authorized_user"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::AuthorizedUser => "authorized_user",
        }
    }
}

/// A link between a login and an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkRow {
    /// The login's id.
    pub login: String,
    /// The utility.
    pub utility: String,
    /// The canonical account number.
    pub account: String,
    /// The login's role on the account.
    pub role: Role,
    /// The customer's name for the account ("Lake cabin").
    #[serde(default)]
    pub nickname: Option<String>,
    /// When it was linked.
    pub linked_at: DateTime<Utc>,
    /// Linked by staff (an admin operation that overrides one-account-per-login).
    #[serde(default)]
    pub by_staff: bool,
}

/// A contact of a login (email or phone), verified by a code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactRow {
    /// The login's id.
    pub login: String,
    /// The normalised contact.
    pub contact: Contact,
    /// When its code was entered; `None` until then.
    #[serde(default)]
    pub verified_at: Option<DateTime<Utc>>,
}

/// A verification code sent to a login's contact (stored as a digest).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeRow {
    /// Opaque identifier.
    pub id: String,
    /// The login's id.
    pub login: String,
    /// The code's record (digest, expiry, attempts, state).
    pub record: CodeRecord,
}

/// A remembered device of a login; the record's `login` is the login's id.
pub type DeviceRow = DeviceRecord;

/// A stored payment method: a processor's token and a label, never a card
/// or bank account number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentMethodRow {
    /// Opaque identifier.
    pub id: String,
    /// The login's id.
    pub login: String,
    /// Card or bank account kind.
    pub method: PaymentMethod,
    /// The payment processor's token for it.
    pub token: String,
    /// What the customer sees, for example `"Visa ending 4242"`.
    pub label: String,
    /// A card's expiry.
    #[serde(default)]
    pub card_expiry: Option<CardExpiry>,
    /// When it was added.
    pub added_at: DateTime<Utc>,
}

/// One line of a stored bill, as printed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatementLine {
    /// What the line is.
    pub description: String,
    /// Its amount.
    pub amount: Money,
}

/// A bill issued to an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillRow {
    /// The utility.
    pub utility: String,
    /// The canonical account number.
    pub account: String,
    /// The bill's id, unique within the account.
    pub bill_id: String,
    /// First service day.
    pub period_from: NaiveDate,
    /// Last service day.
    pub period_to: NaiveDate,
    /// When it was issued.
    pub bill_date: NaiveDate,
    /// When it is due.
    pub due_date: NaiveDate,
    /// The bank-draft date printed on it, where the utility prints one.
    #[serde(default)]
    pub printed_draft_date: Option<NaiveDate>,
    /// Its total.
    pub total: Money,
    /// Its lines.
    pub lines: Vec<StatementLine>,
}

/// An unpaid (or partly paid) charge of an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChargeRow {
    /// The utility.
    pub utility: String,
    /// The canonical account number.
    pub account: String,
    /// The charge; `amount` is what is still unpaid.
    pub charge: OpenCharge,
}

pub use super::settlement::{DeclineReason, PaymentStatus, Settlement};

/// Where a payment came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentSource {
    /// The customer paid in the portal.
    Portal,
    /// An AutoPay draft.
    Autopay,
}

/// A payment recorded by the portal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentRow {
    /// Opaque identifier.
    pub id: String,
    /// The utility.
    pub utility: String,
    /// The login that paid (the enrolled login for AutoPay).
    pub login: String,
    /// Portal or AutoPay.
    pub source: PaymentSource,
    /// The channel it was priced under.
    pub channel: Channel,
    /// The method.
    pub method: PaymentMethod,
    /// The stored method used.
    pub payment_method_id: String,
    /// Paid to the utility.
    pub amount: Money,
    /// The convenience fee.
    pub fee: Money,
    /// Charged to the customer.
    pub total: Money,
    /// How it was split over accounts and charges.
    pub allocation: PaymentAllocation,
    /// The AutoPay draft's idempotency key, for drafts.
    #[serde(default)]
    pub idempotency_key: Option<String>,
    /// When it was recorded.
    pub at: DateTime<Utc>,
    /// Where the money stands with the payment processor. A record written
    /// before processors existed reads as settled (it was booked as final).
    #[serde(default = "PaymentStatus::legacy")]
    pub status: PaymentStatus,
    /// The key the processor knows the charge by (it names the utility):
    /// the draft's idempotency key for a draft, a key derived from the
    /// utility, login and client key for a portal payment
    /// ([`crate::payment_processor_key`]). `None` on records written
    /// before processors existed, which were never sent to one.
    #[serde(default)]
    pub processor_key: Option<String>,
    /// What the processor said, and when.
    #[serde(default)]
    pub settlement: Settlement,
}

/// An AutoPay enrolment's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EnrolmentStatus {
    /// Drafts are made.
    Active,
    /// Cancelled by the customer or on unlinking.
    Cancelled,
}

/// An account's AutoPay enrolment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrolmentRow {
    /// The utility.
    pub utility: String,
    /// The canonical account number.
    pub account: String,
    /// The owner login that enrolled.
    pub login: String,
    /// The AutoPay option's name in the profile.
    pub option: String,
    /// The stored payment method drafted.
    pub payment_method_id: String,
    /// The method's kind.
    pub method: PaymentMethod,
    /// The card's expiry, for a card.
    #[serde(default)]
    pub card_expiry: Option<CardExpiry>,
    /// The customer's maximum draft.
    #[serde(default)]
    pub maximum: Option<Money>,
    /// Regulation E notice choice.
    #[serde(default)]
    pub amount_notices: AmountNoticePreference,
    /// Bills due on or before this day are not drafted (enrolled after
    /// the open bill's cut-off).
    #[serde(default)]
    pub skip_due_on_or_before: Option<NaiveDate>,
    /// Active or cancelled.
    pub status: EnrolmentStatus,
    /// When it was made (or last changed).
    pub at: DateTime<Utc>,
}

/// A draft the AutoPay cycle executed: at most one per (utility,
/// idempotency key).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftRow {
    /// The draft's idempotency key (UUIDv5 of utility, account, bill and
    /// attempt: [`ratepayer::autopay::idempotency_key`]).
    pub idempotency_key: String,
    /// The utility.
    pub utility: String,
    /// The canonical account number.
    pub account: String,
    /// The bill drafted.
    pub bill_id: String,
    /// 0 for the first presentment.
    pub attempt: u32,
    /// The draft date.
    pub date: NaiveDate,
    /// Charged to the customer.
    pub total: Money,
    /// The payment recorded for it.
    pub payment_id: String,
    /// When the cycle executed it.
    pub executed_at: DateTime<Utc>,
}

/// What an audit event records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditKind {
    /// A login was created.
    Registered,
    /// A registration was refused (the internal reason is in the detail).
    RegistrationRejected,
    /// A contact was verified.
    ContactVerified,
    /// A verification code was refused.
    CodeRejected,
    /// A login succeeded.
    LoginSucceeded,
    /// A login failed (wrong password or throttled).
    LoginFailed,
    /// An unrecognised device was challenged.
    DeviceChallenged,
    /// A device passed the challenge.
    DeviceTrusted,
    /// The password was changed.
    PasswordChanged,
    /// A re-authentication before a sensitive change failed or was refused.
    ReauthenticationFailed,
    /// A password reset was asked for, or a reset token refused.
    PasswordResetRequested,
    /// A username reminder was asked for (forgot username).
    UsernameReminderRequested,
    /// An account was linked.
    AccountLinked,
    /// An account was unlinked.
    AccountUnlinked,
    /// An authorised user was added.
    AccessGranted,
    /// Billing settings changed (paperless, billing email, nickname).
    SettingsChanged,
    /// A payment method was stored.
    PaymentMethodAdded,
    /// A payment was made.
    PaymentMade,
    /// A payment was refused.
    PaymentRejected,
    /// AutoPay was set up.
    AutopayEnrolled,
    /// AutoPay was cancelled.
    AutopayCancelled,
    /// An AutoPay draft was executed.
    DraftExecuted,
    /// A bill was posted to an account.
    BillPosted,
    /// A payment or draft was handed to the payment processor.
    PaymentSubmitted,
    /// The processor settled a payment or draft.
    PaymentSettled,
    /// A bank returned a payment or draft: its allocation was reversed.
    PaymentReturned,
    /// A card issuer declined a payment or draft: its allocation was reversed.
    PaymentDeclined,
    /// A processor result that came late or contradicts the payment's state
    /// was ignored (nothing changed but this event).
    PaymentResultIgnored,
    /// An authenticator app was enrolled (or enrolment started) or removed,
    /// or a new set of recovery codes was made.
    MfaChanged,
    /// A second factor (authenticator code, recovery code or security
    /// answer) was asked for at sign-in.
    SecondFactorChallenged,
    /// A second factor was refused (at sign-in or step-up).
    SecondFactorFailed,
    /// A recovery code was used.
    RecoveryCodeUsed,
    /// A security answer was set (legacy preset).
    SecurityAnswerSet,
    /// A session ended before its time: signed out, ended from the list of
    /// sessions, or ended by a password change or reset.
    SessionEnded,
}

impl AuditKind {
    /// The snake_case name, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditKind::Registered => "registered",
            AuditKind::RegistrationRejected => "registration_rejected",
            AuditKind::ContactVerified => "contact_verified",
            AuditKind::CodeRejected => "code_rejected",
            AuditKind::LoginSucceeded => "login_succeeded",
            AuditKind::LoginFailed => "login_failed",
            AuditKind::DeviceChallenged => "device_challenged",
            AuditKind::DeviceTrusted => "device_trusted",
            AuditKind::PasswordChanged => "password_changed",
            AuditKind::ReauthenticationFailed => "reauthentication_failed",
            AuditKind::PasswordResetRequested => "password_reset_requested",
            AuditKind::UsernameReminderRequested => "username_reminder_requested",
            AuditKind::AccountLinked => "account_linked",
            AuditKind::AccountUnlinked => "account_unlinked",
            AuditKind::AccessGranted => "access_granted",
            AuditKind::SettingsChanged => "settings_changed",
            AuditKind::PaymentMethodAdded => "payment_method_added",
            AuditKind::PaymentMade => "payment_made",
            AuditKind::PaymentRejected => "payment_rejected",
            AuditKind::AutopayEnrolled => "autopay_enrolled",
            AuditKind::AutopayCancelled => "autopay_cancelled",
            AuditKind::DraftExecuted => "draft_executed",
            AuditKind::BillPosted => "bill_posted",
            AuditKind::PaymentSubmitted => "payment_submitted",
            AuditKind::PaymentSettled => "payment_settled",
            AuditKind::PaymentReturned => "payment_returned",
            AuditKind::PaymentDeclined => "payment_declined",
            AuditKind::PaymentResultIgnored => "payment_result_ignored",
            AuditKind::MfaChanged => "mfa_changed",
            AuditKind::SecondFactorChallenged => "second_factor_challenged",
            AuditKind::SecondFactorFailed => "second_factor_failed",
            AuditKind::RecoveryCodeUsed => "recovery_code_used",
            AuditKind::SecurityAnswerSet => "security_answer_set",
            AuditKind::SessionEnded => "session_ended",
        }
    }
}

/// One entry of the audit trail. Never holds a secret (passwords, codes,
/// tokens): only what happened, to whom, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    /// When.
    pub at: DateTime<Utc>,
    /// The utility.
    pub utility: String,
    /// What happened.
    pub kind: AuditKind,
    /// The login concerned, if any.
    #[serde(default)]
    pub login: Option<String>,
    /// The account concerned, if any.
    #[serde(default)]
    pub account: Option<String>,
    /// Details for staff (internal reasons, amounts, keys).
    pub detail: String,
}
