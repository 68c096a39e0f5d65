//! One-time payment without registering (seed 001): the customer enters an
//! account number and an email address typed twice. This module owns that
//! form's validation, which reports every problem at once, and the email
//! address rules a utility portal applies.

use email_address::{EmailAddress, Options};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::account_number::{normalize, AccountNumber, AccountNumberFormat};

/// The longest email address accepted, in characters (RFC 5321's 256-octet
/// path less the angle brackets).
pub const MAX_EMAIL_CHARS: usize = 254;

/// Message for a blank email address or confirmation (code `email.blank`).
pub const EMAIL_BLANK: &str = "Email address cannot be blank";
/// Message for an address that is not valid (code `email.invalid`).
pub const EMAIL_INVALID: &str = "Not a valid email address";
/// Message for a confirmation that differs (code `email.mismatch`).
pub const EMAIL_MISMATCH: &str = "Email addresses do not match";

/// Why an email address was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EmailError {
    /// Empty or only white space.
    #[error("Email address cannot be blank; enter an address such as name@example.com")]
    Blank,
    /// Not an address the portal accepts.
    #[error("Not a valid email address: {reason}; enter an address such as name@example.com")]
    Invalid {
        /// What is wrong with it.
        reason: &'static str,
    },
}

impl EmailError {
    /// A stable machine code: `"email.blank"` or `"email.invalid"`.
    pub fn code(&self) -> &'static str {
        match self {
            EmailError::Blank => "email.blank",
            EmailError::Invalid { .. } => "email.invalid",
        }
    }

    /// The short English message a form shows ([`EMAIL_BLANK`] or [`EMAIL_INVALID`]).
    pub fn form_message(&self) -> &'static str {
        match self {
            EmailError::Blank => EMAIL_BLANK,
            EmailError::Invalid { .. } => EMAIL_INVALID,
        }
    }
}

/// Checks an email address and returns it trimmed, with the domain in lower
/// case (ASCII letters; the local part is kept as typed).
///
/// Syntax is checked by the `email_address` crate (RFC 5321/5322), with
/// display names (`Ann <a@example.com>`) and domain literals
/// (`a@[192.0.2.1]`) turned off. On top of it, because bills and receipts
/// must reach the address, the portal also refuses: more than
/// [`MAX_EMAIL_CHARS`] characters; white space or control characters
/// anywhere; a quoted local part (`"a b"@example.com`); a domain without a
/// dot (`a@localhost`); domain labels with anything but letters, digits and
/// inner hyphens; and an all-digit top-level label (`a@192.0.2.1`).
pub fn validate_email(input: &str) -> Result<String, EmailError> {
    let invalid = |reason| Err(EmailError::Invalid { reason });
    let text = input.trim();
    if text.is_empty() {
        return Err(EmailError::Blank);
    }
    if text.chars().count() > MAX_EMAIL_CHARS {
        return invalid("it is longer than 254 characters");
    }
    if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return invalid("it contains a space or an invisible character");
    }
    let Some((local, domain)) = text.rsplit_once('@') else {
        return invalid("it has no '@'");
    };
    if local.starts_with('"') {
        return invalid("quoted names before the '@' are not accepted");
    }
    if domain.starts_with('[') {
        return invalid("an IP address in brackets is not accepted as a domain");
    }
    if !domain.contains('.') {
        return invalid(
            "the part after the '@' must be a domain name with a dot, such as example.com",
        );
    }
    let domain_chars_ok = |domain: &str| {
        domain
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '.')
    };
    if !domain_chars_ok(domain) {
        return invalid("the domain may only have letters, digits, hyphens and dots");
    }
    let top = domain.rsplit('.').next().unwrap_or_default();
    if !top.is_empty() && top.chars().all(|c| c.is_ascii_digit()) {
        return invalid("the domain must be a name, not a numeric address");
    }
    let options = Options::default()
        .without_display_text()
        .without_domain_literal()
        .with_required_tld();
    if EmailAddress::parse_with_options(text, options).is_err() {
        return invalid("it is not written like an email address");
    }
    Ok(format!("{local}@{}", domain.to_ascii_lowercase()))
}

/// True when two typed addresses are the same: compared after trimming,
/// ignoring case in the whole address. (The local part is case-sensitive in
/// RFC 5321, but no mailbox provider customers use treats `Ann` and `ann` as
/// different people; refusing such a pair would only frustrate them.)
pub fn emails_match(email: &str, confirmation: &str) -> bool {
    email.trim().to_lowercase() == confirmation.trim().to_lowercase()
}

/// What a customer typed into the one-time payment form.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OneTimePaymentForm {
    /// The account number, as typed.
    pub account_number: String,
    /// The email address, as typed.
    pub email: String,
    /// The email address typed a second time.
    pub email_confirmation: String,
}

/// A valid one-time payer: who pays and where the receipt goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OneTimePayer {
    /// The normalized account number.
    pub account: AccountNumber,
    /// The email address, trimmed, domain in lower case.
    pub email: String,
}

/// One problem of a form, tied to its field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FormError {
    /// `"account_number"`, `"email"` or `"email_confirmation"`.
    pub field: &'static str,
    /// A stable machine code, such as `"email.blank"`.
    pub code: &'static str,
    /// The English message to show next to the field.
    pub message: String,
}

impl std::fmt::Display for FormError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {} ({})", self.field, self.message, self.code)
    }
}

impl OneTimePaymentForm {
    /// Validates every field and returns the payer, or every problem at once
    /// in field order. The account number is normalized with `format`
    /// (errors keep its code and message); a blank email or confirmation is
    /// `email.blank`, an invalid email `email.invalid` (the confirmation is
    /// not checked for validity on its own: it must match the email), and a
    /// non-blank confirmation that differs (see [`emails_match`]) `email.mismatch`.
    pub fn validate(&self, format: &AccountNumberFormat) -> Result<OneTimePayer, Vec<FormError>> {
        let mut errors = Vec::new();
        let account = normalize(&self.account_number, format)
            .map_err(|e| {
                errors.push(FormError {
                    field: "account_number",
                    code: e.code(),
                    message: e.to_string(),
                });
            })
            .ok();
        let email = validate_email(&self.email)
            .map_err(|e| {
                errors.push(FormError {
                    field: "email",
                    code: e.code(),
                    message: e.form_message().to_string(),
                });
            })
            .ok();
        let confirmation = |code, message: &str| FormError {
            field: "email_confirmation",
            code,
            message: message.to_string(),
        };
        if self.email_confirmation.trim().is_empty() {
            errors.push(confirmation("email.blank", EMAIL_BLANK));
        } else if !emails_match(&self.email, &self.email_confirmation) {
            errors.push(confirmation("email.mismatch", EMAIL_MISMATCH));
        }
        match (account, email) {
            (Some(account), Some(email)) if errors.is_empty() => {
                Ok(OneTimePayer { account, email })
            }
            _ => Err(errors),
        }
    }
}
