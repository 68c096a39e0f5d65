//! The portal's one error type: every refusal of a portal call, with a
//! stable machine code ([`PortalError::code`]) and an English message that
//! says what to do. Registration refusals carry only their public view.

use thiserror::Error;

use crate::store::StorageError;
use ratepayer::autopay::enrolment::EnrolmentError;
use ratepayer::autopay::failures::FailureError;
use ratepayer::autopay::AutopayError;
use ratepayer::credential::CredentialError;
use ratepayer::fees::FeeError;
use ratepayer::login::LoginError;
use ratepayer::money::MoneyError;
use ratepayer::password::PasswordFailure;
use ratepayer::payment::AllocationError;
use ratepayer::registration::PublicResponse;
use ratepayer::security::RandomError;
use ratepayer::verification::CodeError;

/// Why a portal call was refused. Nothing was changed, except what the
/// variant's documentation says (failed logins count; refusals are audited).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PortalError {
    /// The portal is configured wrongly.
    #[error("the portal is not configured correctly: {0}")]
    Config(String),
    /// The store failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// Registration or linking refused (public view only; the internal
    /// reason is in the audit trail).
    #[error("{}", .0.message)]
    Registration(PublicResponse),
    /// The new password breaks the policy; every rule broken is listed.
    #[error("the password is not accepted:\n{}", .0.iter().map(|f| format!("  - {}", f.message)).collect::<Vec<_>>().join("\n"))]
    Password(Vec<PasswordFailure>),
    /// Username and password do not match (the same message for an unknown
    /// username), or a second factor (authenticator code, recovery code,
    /// security answer) was refused: the same answer whichever part was
    /// wrong. The failure was counted.
    #[error(
        "the username, password or code is not right; check them and try again, or reset your password"
    )]
    WrongCredentials,
    /// The login has an authenticator app: this change needs a fresh code
    /// from it (or a recovery code) as well as the usual checks. Nothing
    /// was checked or counted.
    #[error("this change needs a code from your authenticator app, or one of your recovery codes; enter one and try again")]
    StepUpRequired,
    /// Too many failed logins: wait, or reset the password.
    #[error("too many failed sign-ins: try again in {retry_after_seconds} seconds, or reset your password")]
    Throttled {
        /// Seconds until the next try is allowed.
        retry_after_seconds: u32,
    },
    /// Too many failed tries: locked for a while, or until the password is
    /// reset (which unlocks at once).
    #[error(
        "this sign-in is locked after too many failed tries: reset your password to unlock it now, or try again in {retry_after_seconds} seconds"
    )]
    Locked {
        /// Seconds until the lock ends by itself.
        retry_after_seconds: u32,
    },
    /// A temporary password must be changed before anything else.
    #[error("change your temporary password first")]
    PasswordChangeRequired,
    /// The session token is unknown, ended or expired (idle or absolute):
    /// the same answer for each, so a token's past says nothing.
    #[error("your session has ended; sign in again")]
    SignInRequired,
    /// The login, account, link, method or bill does not exist (for this login).
    #[error("{what} `{id}` was not found; check it and try again")]
    NotFound {
        /// What was looked for.
        what: &'static str,
        /// Its identifier as given.
        id: String,
    },
    /// The login may not do this.
    #[error("not allowed: {0}")]
    Forbidden(String),
    /// A field of the request is wrong.
    #[error("`{field}` {message}")]
    Invalid {
        /// The field.
        field: &'static str,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// A closed account is view only.
    #[error(
        "account {0} is closed: its balance cannot be paid online; please contact customer service"
    )]
    AccountClosed(String),
    /// A credential could not be made or checked.
    #[error(transparent)]
    Credential(#[from] CredentialError),
    /// The random generator failed; nothing was issued.
    #[error(transparent)]
    Random(#[from] RandomError),
    /// A verification code was refused.
    #[error(transparent)]
    Code(#[from] CodeError),
    /// A login rule or challenge failed.
    #[error(transparent)]
    Login(#[from] LoginError),
    /// The fee quote was refused or is stale.
    #[error(transparent)]
    Fee(#[from] FeeError),
    /// The payment could not be split over the accounts.
    #[error(transparent)]
    Allocation(#[from] AllocationError),
    /// An amount is not valid.
    #[error(transparent)]
    Money(#[from] MoneyError),
    /// AutoPay settings or planning failed.
    #[error(transparent)]
    Autopay(#[from] AutopayError),
    /// AutoPay enrolment refused.
    #[error(transparent)]
    Enrolment(#[from] EnrolmentError),
    /// The retry rules after a returned or declined draft could not decide.
    #[error(transparent)]
    Failure(#[from] FailureError),
}

impl PortalError {
    /// A stable machine code, such as `registration.not_verified`,
    /// `password.too_short`, `login.wrong_credentials` or `storage.busy`.
    pub fn code(&self) -> String {
        match self {
            PortalError::Config(_) => "portal.config".into(),
            PortalError::Storage(e) => e.code().into(),
            PortalError::Registration(p) => p.code.to_owned(),
            PortalError::Password(f) => {
                f.first().map_or("password.rejected", |f| f.code).to_owned()
            }
            PortalError::WrongCredentials => "login.wrong_credentials".into(),
            PortalError::StepUpRequired => "login.step_up_required".into(),
            PortalError::Throttled { .. } => "login.throttled".into(),
            PortalError::Locked { .. } => "login.locked".into(),
            PortalError::PasswordChangeRequired => "login.password_change_required".into(),
            PortalError::SignInRequired => "login.sign_in_required".into(),
            PortalError::NotFound { what, .. } => format!("not_found.{}", what.replace(' ', "_")),
            PortalError::Forbidden(_) => "portal.forbidden".into(),
            PortalError::Invalid { field, .. } => format!("invalid.{field}"),
            PortalError::AccountClosed(_) => "payment.account_closed".into(),
            PortalError::Credential(_) => "credential.error".into(),
            PortalError::Random(_) => "security.random".into(),
            PortalError::Code(e) => e.code().into(),
            PortalError::Login(e) => e.code().into(),
            PortalError::Fee(_) => "fee.refused".into(),
            PortalError::Allocation(e) => e.code().into(),
            PortalError::Money(_) => "money.invalid".into(),
            PortalError::Autopay(_) => "autopay.refused".into(),
            PortalError::Enrolment(_) => "autopay.enrolment".into(),
            PortalError::Failure(_) => "autopay.failure".into(),
        }
    }

    pub(crate) fn not_found(what: &'static str, id: &str) -> PortalError {
        PortalError::NotFound {
            what,
            id: ratepayer::money::excerpt(id),
        }
    }
}
