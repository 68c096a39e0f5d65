//! Second factors (issue 17, item 5): time-based one-time passwords from an
//! authenticator app ([`totp`], RFC 6238 over the HOTP of RFC 4226 in
//! [`hotp`]), single-use recovery codes ([`recovery`]), and the sealing of
//! the TOTP secret at rest ([`seal`]).
//!
//! Everything here is a pure state machine over serde records, like
//! [`crate::verification`] and [`crate::login`]: "now", the random source
//! and the server key are passed in; the portal stores the records and
//! counts failures with its throttles. Secrets are compared in constant
//! time, never logged (every `Debug` redacts them) and never returned after
//! enrolment: the TOTP secret is kept only sealed under a key derived from
//! the server key, recovery codes only as keyed digests.
//!
//! A security question is not here: a knowledge-based answer is not an
//! authenticator under NIST SP 800-63B, so it is only a legacy device
//! challenge ([`crate::login::question`]).

pub mod hotp;
pub mod recovery;
pub mod seal;
pub mod totp;

use thiserror::Error;

pub use recovery::{IssuedRecoveryCodes, RecoveryCodes, RECOVERY_CODE_COUNT};
pub use totp::{TotpEnrolment, TotpRecord, TOTP_DIGITS, TOTP_STEP_SECONDS};

/// Why a second factor was refused. [`MfaError::code`] gives a stable name
/// for the audit trail; the portal shows every refusal the same way.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MfaError {
    /// The code is not the one expected (or not six digits).
    #[error("the code is not right; type the code your authenticator app shows now")]
    WrongCode,
    /// The code (its time step) was already used: a code is good once.
    #[error("this code was already used; wait for the next one")]
    Replayed,
    /// The recovery code is not one of the login's unused codes.
    #[error("the recovery code is not right or was already used")]
    WrongRecoveryCode,
    /// The record belongs to another login.
    #[error("this second factor belongs to another login")]
    OtherLogin,
    /// The sealed secret could not be opened (another server key, or the
    /// record was altered).
    #[error("the authenticator secret could not be opened; enrol the authenticator again")]
    Unsealable,
    /// The random generator failed; nothing was issued.
    #[error(transparent)]
    Random(#[from] crate::security::RandomError),
}

impl MfaError {
    /// A stable name: `wrong_code`, `replayed`, `wrong_recovery_code`,
    /// `other_login`, `unsealable`, `random`.
    pub fn code(&self) -> &'static str {
        match self {
            MfaError::WrongCode => "wrong_code",
            MfaError::Replayed => "replayed",
            MfaError::WrongRecoveryCode => "wrong_recovery_code",
            MfaError::OtherLogin => "other_login",
            MfaError::Unsealable => "unsealable",
            MfaError::Random(_) => "random",
        }
    }
}
