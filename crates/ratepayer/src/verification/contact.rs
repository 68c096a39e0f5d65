//! Contacts a verification code is sent to and bound to: an email address
//! (trimmed, domain lower-cased, as [`crate::payment::validate_email`]
//! writes it) or a phone number (its digits only). A code's digest covers
//! the normalised contact, so `Ann@Example.COM` and `Ann@example.com` are the
//! same contact, and `(218) 829-2827` and `218.829.2827` the same phone.

use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::payment::validate_email;

/// The fewest digits of a phone number (a local number).
pub const MIN_PHONE_DIGITS: usize = 7;
/// The most digits of a phone number (E.164).
pub const MAX_PHONE_DIGITS: usize = 15;

/// How a code reaches the customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactKind {
    /// By email.
    Email,
    /// By text message.
    Sms,
}

impl fmt::Display for ContactKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ContactKind::Email => "an email address",
            ContactKind::Sms => "a phone number",
        })
    }
}

/// A normalised contact. Built only by [`Contact::email`] and
/// [`Contact::phone`]; deserialising re-normalises and refuses bad values.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "RawContact", into = "RawContact")]
pub enum Contact {
    /// An email address, trimmed, with its domain in lower case.
    Email(String),
    /// A phone number: its digits only.
    Phone(String),
}

/// Why a contact was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ContactError {
    /// Not a usable email address.
    #[error("the email address is not valid: {0}; type it as name@example.com")]
    Email(String),
    /// Not a usable phone number.
    #[error(
        "the phone number is not valid: {0}; type its {MIN_PHONE_DIGITS} to {MAX_PHONE_DIGITS} \
         digits (spaces, dots, hyphens, brackets and a leading + are ignored)"
    )]
    Phone(&'static str),
}

impl Contact {
    /// An email contact: trimmed, domain lower-cased, checked as
    /// [`validate_email`] checks it.
    pub fn email(input: &str) -> Result<Contact, ContactError> {
        validate_email(input)
            .map(Contact::Email)
            .map_err(|e| ContactError::Email(e.to_string()))
    }

    /// A phone contact: the digits of `input`, ignoring spaces, dots,
    /// hyphens, brackets and one leading `+`.
    pub fn phone(input: &str) -> Result<Contact, ContactError> {
        let text = input.trim();
        let text = text.strip_prefix('+').unwrap_or(text);
        let mut digits = String::new();
        for c in text.chars() {
            match c {
                '0'..='9' => digits.push(c),
                ' ' | '.' | '-' | '(' | ')' | '\u{a0}' => {}
                _ => {
                    return Err(ContactError::Phone(
                        "it has a character that is not a digit",
                    ))
                }
            }
        }
        if digits.len() < MIN_PHONE_DIGITS {
            return Err(ContactError::Phone("it has too few digits"));
        }
        if digits.len() > MAX_PHONE_DIGITS {
            return Err(ContactError::Phone("it has too many digits"));
        }
        Ok(Contact::Phone(digits))
    }

    /// How codes reach this contact.
    pub fn kind(&self) -> ContactKind {
        match self {
            Contact::Email(_) => ContactKind::Email,
            Contact::Phone(_) => ContactKind::Sms,
        }
    }

    /// The normalised address or digits.
    pub fn as_str(&self) -> &str {
        match self {
            Contact::Email(s) | Contact::Phone(s) => s,
        }
    }
}

/// The stored form of a contact.
#[derive(Clone, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
enum RawContact {
    Email(String),
    Phone(String),
}

impl TryFrom<RawContact> for Contact {
    type Error = ContactError;

    fn try_from(raw: RawContact) -> Result<Contact, ContactError> {
        match raw {
            RawContact::Email(s) => Contact::email(&s),
            RawContact::Phone(s) => Contact::phone(&s),
        }
    }
}

impl From<Contact> for RawContact {
    fn from(c: Contact) -> RawContact {
        match c {
            Contact::Email(s) => RawContact::Email(s),
            Contact::Phone(s) => RawContact::Phone(s),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_keep_the_local_part_and_lower_case_the_domain() {
        let c = Contact::email("  Ann.Lee@Example.COM ").unwrap();
        assert_eq!(c, Contact::Email("Ann.Lee@example.com".into()));
        assert_eq!(c.kind(), ContactKind::Email);
        assert!(Contact::email("not an email").is_err());
    }

    #[test]
    fn phones_are_their_digits() {
        let a = Contact::phone("(218) 829-2827").unwrap();
        assert_eq!(a, Contact::phone("218.829.2827").unwrap());
        assert_eq!(a.as_str(), "2188292827");
        assert_eq!(a.kind(), ContactKind::Sms);
        assert_eq!(
            Contact::phone("+1 218 829 2827").unwrap().as_str(),
            "12188292827"
        );
        assert!(Contact::phone("12345").is_err());
        assert!(Contact::phone("1234567890123456").is_err());
        let err = Contact::phone("218-CALL-NOW").unwrap_err();
        assert!(err.to_string().contains("not a digit"), "{err}");
    }

    #[test]
    fn stored_contacts_are_renormalised_and_checked() {
        let json = serde_json::to_string(&Contact::phone("218 829 2827").unwrap()).unwrap();
        assert_eq!(json, r#"{"kind":"phone","value":"2188292827"}"#);
        let back: Contact = serde_json::from_str(r#"{"kind":"email","value":"A@B.ORG"}"#).unwrap();
        assert_eq!(back.as_str(), "A@b.org");
        assert!(serde_json::from_str::<Contact>(r#"{"kind":"phone","value":"12"}"#).is_err());
    }
}
