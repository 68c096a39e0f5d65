//! Why a registration is refused, in two views: the public response, which
//! never tells an attacker whether an account exists or who holds it (no
//! match, a wrong ZIP and an already registered account get byte-identical
//! responses; a taken username is the usual exception), and the internal
//! reason, in full, for the audit log.

use std::fmt;

use serde::Serialize;

/// The detailed reason, for the audit log only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum InternalReason {
    /// No account has that number.
    NoMatch,
    /// The account exists; the ZIP typed is not the account's.
    ZipMismatch,
    /// The account exists; another proof (customer number, name, email, tax ID) differs.
    ProofMismatch {
        /// Which proof.
        field: &'static str,
    },
    /// The account is already registered to a login.
    AlreadyRegistered,
    /// The account is on another login and the utility allows one account per login.
    AccountOnAnotherLogin,
    /// The username is taken (case-insensitively).
    UsernameTaken,
    /// Registration attempted by phone.
    ChannelRefused {
        /// The channel.
        channel: &'static str,
    },
    /// A field is missing or malformed.
    InvalidField {
        /// The field.
        field: &'static str,
        /// What is wrong.
        problem: String,
    },
    /// The terms were not accepted, or an old version was.
    TermsNotAccepted,
}

impl fmt::Display for InternalReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InternalReason::NoMatch => f.write_str("no account with that number"),
            InternalReason::ZipMismatch => f.write_str("the ZIP code does not match the account's"),
            InternalReason::ProofMismatch { field } => {
                write!(f, "`{field}` does not match the account")
            }
            InternalReason::AlreadyRegistered => f.write_str("the account is already registered"),
            InternalReason::AccountOnAnotherLogin => f.write_str(
                "the account is on another login and the utility allows one account per login",
            ),
            InternalReason::UsernameTaken => f.write_str("the username is taken"),
            InternalReason::ChannelRefused { channel } => {
                write!(f, "registration by {channel} is refused")
            }
            InternalReason::InvalidField { field, problem } => write!(f, "`{field}` {problem}"),
            InternalReason::TermsNotAccepted => f.write_str("the current terms were not accepted"),
        }
    }
}

/// What the customer (and anyone probing) is told.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublicResponse {
    /// A stable machine code.
    pub code: &'static str,
    /// The field it concerns, when it is about the form's format.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<&'static str>,
    /// English text for the customer.
    pub message: String,
}

/// The one response for every failure to match an account to its owner.
pub const NOT_VERIFIED: &str = "We could not verify these account details. Check them against your bill and try again, or contact Customer Service.";

/// A refused registration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// The public view.
    pub public: PublicResponse,
    /// The internal reason, for the audit log.
    pub internal: InternalReason,
}

impl Rejection {
    /// The rejection for `reason`, with its public view.
    pub fn new(reason: InternalReason) -> Rejection {
        let public = match &reason {
            InternalReason::NoMatch
            | InternalReason::ZipMismatch
            | InternalReason::ProofMismatch { .. }
            | InternalReason::AlreadyRegistered
            | InternalReason::AccountOnAnotherLogin => PublicResponse {
                code: "registration.not_verified",
                field: None,
                message: NOT_VERIFIED.into(),
            },
            InternalReason::UsernameTaken => PublicResponse {
                code: "registration.username_taken",
                field: Some("username"),
                message: "That username is already taken. Please choose another.".into(),
            },
            InternalReason::ChannelRefused { .. } => PublicResponse {
                code: "registration.channel_refused",
                field: None,
                message: "For your security we cannot register you by phone. Please register on our website or in our app.".into(),
            },
            InternalReason::InvalidField { field, problem } => PublicResponse {
                code: "registration.invalid_field",
                field: Some(field),
                message: match *field {
                    // These problems are whole sentences already.
                    "email" | "account_number" => sentence(problem),
                    _ => format!("{} {problem}.", field_label(field)),
                },
            },
            InternalReason::TermsNotAccepted => PublicResponse {
                code: "registration.terms_not_accepted",
                field: Some("accepted_terms_version"),
                message: "Please read and accept the current terms of use to register.".into(),
            },
        };
        Rejection {
            public,
            internal: reason,
        }
    }
}

fn sentence(text: &str) -> String {
    if text.ends_with('.') {
        text.to_string()
    } else {
        format!("{text}.")
    }
}

fn field_label(field: &str) -> &'static str {
    match field {
        "account_number" => "The account number",
        "customer_number" => "The customer number",
        "zip" => "The ZIP code",
        "name" => "The name",
        "email" => "The email address",
        "tax_id" => "The tax ID",
        "username" => "The username",
        _ => "This field",
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.public.message)
    }
}

impl std::error::Error for Rejection {}
