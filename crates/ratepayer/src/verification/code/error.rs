//! Why a verification code was not issued, resent or accepted, with a
//! stable machine-readable name for each case.

use thiserror::Error;

use super::Purpose;
use crate::security::RandomError;
use crate::tariff::Problem;
use crate::verification::contact::ContactKind;

/// Why a code was not issued, resent or accepted. [`CodeError::code`] gives
/// a stable machine-readable name.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CodeError {
    /// Entered at or after its expiry.
    #[error("the verification code has expired; ask for a new code")]
    Expired,
    /// Not the code that was sent.
    #[error("the verification code is not right; check the digits and try again ({attempts_left} tries left)")]
    WrongCode {
        /// Failed tries left before the code locks (0: it is now locked).
        attempts_left: u32,
    },
    /// Too many failed tries: even the right code now fails.
    #[error("too many wrong codes were entered, so this code is locked; try again later or contact customer service")]
    Locked,
    /// Already verified once.
    #[error(
        "this verification code has already been used; ask for a new code if you still need one"
    )]
    AlreadyUsed,
    /// A newer code replaced it.
    #[error("a newer verification code was sent; enter the latest code")]
    Superseded,
    /// For another purpose or another contact (which one is not said).
    #[error("this verification code is not for this request; enter the code sent for it, or ask for a new one")]
    WrongPurposeOrContact,
    /// Resent as often as the policy allows.
    #[error("a new code has already been sent {max} times; use the last code sent or contact customer service")]
    ResendLimit {
        /// Resends allowed.
        max: u32,
    },
    /// As many codes were sent to this contact this hour as the policy
    /// allows, or its earlier codes used up every try.
    #[error("too many codes were sent to this contact or tried for it; wait {retry_after_minutes} minutes before asking for a new one")]
    SendLimit {
        /// Minutes until a new code can be sent.
        retry_after_minutes: u32,
    },
    /// The purpose cannot be served through this kind of contact.
    #[error("codes for {purpose} cannot be sent to {kind}; send the code to the contact being activated")]
    ContactNotAllowed {
        /// The purpose asked for.
        purpose: Purpose,
        /// The kind of contact given.
        kind: ContactKind,
    },
    /// The policy breaks rules; every problem is listed.
    #[error("the verification-code settings are not valid:\n{}", problems.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
    InvalidPolicy {
        /// Every problem, with its field.
        problems: Vec<Problem>,
    },
    /// The random generator failed; nothing was issued.
    #[error(transparent)]
    Random(#[from] RandomError),
}

impl CodeError {
    /// A stable machine-readable name: `expired`, `wrong_code`, `locked`,
    /// `already_used`, `superseded`, `wrong_purpose_or_contact`,
    /// `resend_limit`, `contact_not_allowed`, `invalid_policy` or `random`.
    pub fn code(&self) -> &'static str {
        match self {
            CodeError::Expired => "expired",
            CodeError::WrongCode { .. } => "wrong_code",
            CodeError::Locked => "locked",
            CodeError::AlreadyUsed => "already_used",
            CodeError::Superseded => "superseded",
            CodeError::WrongPurposeOrContact => "wrong_purpose_or_contact",
            CodeError::ResendLimit { .. } => "resend_limit",
            CodeError::SendLimit { .. } => "send_limit",
            CodeError::ContactNotAllowed { .. } => "contact_not_allowed",
            CodeError::InvalidPolicy { .. } => "invalid_policy",
            CodeError::Random(_) => "random",
        }
    }
}
