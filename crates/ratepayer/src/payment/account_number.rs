//! Account numbers as customers type them (seed 001): `00065821-0672430` is
//! the customer number, a separator and the account number. This module owns
//! the per-utility [`AccountNumberFormat`], the canonical [`AccountNumber`]
//! and [`normalize`], which turns what a customer typed into it.

use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// The longest input [`normalize`] looks at, in characters.
pub const MAX_INPUT_CHARS: usize = 64;

/// The most digits either part of an account number may have.
pub const MAX_PART_DIGITS: u8 = 30;

/// How a utility prints account numbers (part of its profile).
///
/// The default is Medford Water's: an 8-digit customer number, `-`, a 7-digit
/// account number (`00065821-0672430`). `customer_digits = 0` means the
/// utility uses a single account number with no customer part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AccountNumberFormat {
    /// Digits of the customer number (0: no customer part), at most 30.
    pub customer_digits: u8,
    /// Digits of the account number, 1 to 30.
    pub account_digits: u8,
    /// The character between the two parts; not a digit, not white space.
    pub separator: char,
}

impl Default for AccountNumberFormat {
    fn default() -> Self {
        AccountNumberFormat {
            customer_digits: 8,
            account_digits: 7,
            separator: '-',
        }
    }
}

impl AccountNumberFormat {
    /// An account-number-only format: `digits` digits, no customer part.
    pub fn account_only(digits: u8) -> AccountNumberFormat {
        AccountNumberFormat {
            customer_digits: 0,
            account_digits: digits,
            separator: '-',
        }
    }

    /// True when numbers have a customer part.
    pub fn has_customer(&self) -> bool {
        self.customer_digits > 0
    }

    /// Checks the digit counts (account 1 to 30, customer 0 to 30) and that
    /// the separator is printable and neither a digit nor white space.
    pub fn validate(&self) -> Result<(), AccountNumberError> {
        let bad = |reason| Err(AccountNumberError::InvalidFormat { reason });
        if self.account_digits == 0 || self.account_digits > MAX_PART_DIGITS {
            return bad("`account_digits` must be 1 to 30");
        }
        if self.customer_digits > MAX_PART_DIGITS {
            return bad("`customer_digits` must be 0 to 30 (0: no customer part)");
        }
        let s = self.separator;
        if s.is_ascii_digit() || s.is_whitespace() || s.is_control() {
            return bad("`separator` must be a visible character other than a digit, such as '-'");
        }
        Ok(())
    }

    /// A sample number in this format, built from Medford's
    /// `00065821-0672430` (exactly that for the default format).
    pub fn example(&self) -> String {
        let part = |sample: &str, width: u8| {
            let width = usize::from(width);
            let tail: String = sample
                .chars()
                .skip(sample.len().saturating_sub(width))
                .collect();
            format!("{tail:0>width$}")
        };
        let account = part("672430", self.account_digits);
        if self.has_customer() {
            format!(
                "{}{}{account}",
                part("65821", self.customer_digits),
                self.separator
            )
        } else {
            account
        }
    }

    /// How to write a number, for error messages.
    pub fn describe(&self) -> String {
        if self.has_customer() {
            format!(
                "the {}-digit customer number and the {}-digit account number separated by '{}', for example {} (leading zeros may be left out)",
                self.customer_digits,
                self.account_digits,
                self.separator,
                self.example()
            )
        } else {
            format!(
                "the account number of up to {} digits, for example {}",
                self.account_digits,
                self.example()
            )
        }
    }
}

/// Why an account number was refused. [`AccountNumberError::code`] is a
/// stable machine code; the message is English and says how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AccountNumberError {
    /// Nothing but white space was entered.
    #[error("Enter your account number: {expected}")]
    Empty {
        /// How to write it.
        expected: String,
    },
    /// More than [`MAX_INPUT_CHARS`] characters.
    #[error("The account number is too long ({chars} characters); enter {expected}")]
    TooLong {
        /// Characters entered.
        chars: usize,
        /// How to write it.
        expected: String,
    },
    /// A letter or symbol that has no place in an account number.
    #[error("'{}' is not allowed in an account number; enter {expected}", .character.escape_debug())]
    InvalidCharacter {
        /// The first offending character.
        character: char,
        /// How to write it.
        expected: String,
    },
    /// The separator appears more than once.
    #[error("The account number has more than one '{separator}'; enter {expected}")]
    MultipleSeparators {
        /// The format's separator.
        separator: char,
        /// How to write it.
        expected: String,
    },
    /// Nothing before or after the separator.
    #[error("The {part} number is missing; enter {expected}")]
    EmptyPart {
        /// `"customer"` or `"account"`.
        part: &'static str,
        /// How to write it.
        expected: String,
    },
    /// A part has more digits than the format allows.
    #[error("The {part} number has {digits} digits; it must have at most {max}; enter {expected}")]
    TooManyDigits {
        /// `"customer"` or `"account"`.
        part: &'static str,
        /// Digits entered in that part.
        digits: usize,
        /// The format's digits for that part.
        max: u8,
        /// How to write it.
        expected: String,
    },
    /// Digits without a separator, but not the full length, so where the
    /// customer number ends cannot be told.
    #[error("{digits} digits without '{separator}' cannot be split into customer and account number; enter all {full} digits or {expected}")]
    AmbiguousLength {
        /// Digits entered.
        digits: usize,
        /// Digits of a full number (customer + account).
        full: usize,
        /// The format's separator.
        separator: char,
        /// How to write it.
        expected: String,
    },
    /// The utility's format itself is wrong (a profile error).
    #[error("invalid account number format: {reason}")]
    InvalidFormat {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Stored text (serde) that is not a canonical account number.
    #[error("`{text}` is not a canonical account number: it must be digits, optionally with one separator between two groups of digits, such as 00065821-0672430")]
    NotCanonical {
        /// The text (shortened).
        text: String,
    },
}

impl AccountNumberError {
    /// A stable machine code such as `"account_number.invalid_character"`.
    pub fn code(&self) -> &'static str {
        match self {
            AccountNumberError::Empty { .. } => "account_number.empty",
            AccountNumberError::TooLong { .. } => "account_number.too_long",
            AccountNumberError::InvalidCharacter { .. } => "account_number.invalid_character",
            AccountNumberError::MultipleSeparators { .. } => "account_number.multiple_separators",
            AccountNumberError::EmptyPart { .. } => "account_number.empty_part",
            AccountNumberError::TooManyDigits { .. } => "account_number.too_many_digits",
            AccountNumberError::AmbiguousLength { .. } => "account_number.ambiguous_length",
            AccountNumberError::InvalidFormat { .. } => "account_number.invalid_format",
            AccountNumberError::NotCanonical { .. } => "account_number.not_canonical",
        }
    }
}

/// A normalized account number in its canonical form: both parts padded with
/// leading zeros to the format's digits (`00065821-0672430`), or just the
/// padded account number for account-only formats.
///
/// Serialized as that string. Deserializing checks the shape only (digits,
/// at most one separator between digits), since the format is not known.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AccountNumber {
    text: String,
    /// Byte index of the separator, when there is a customer part.
    split: Option<usize>,
}

impl AccountNumber {
    /// Same as [`normalize`].
    pub fn parse(input: &str, format: &AccountNumberFormat) -> Result<Self, AccountNumberError> {
        normalize(input, format)
    }

    /// The canonical text.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The customer number, or `None` for an account-only number.
    pub fn customer(&self) -> Option<&str> {
        self.split.and_then(|i| self.text.get(..i))
    }

    /// The account number (without the customer part).
    pub fn account(&self) -> &str {
        match self.split {
            Some(i) => self
                .text
                .get(i..)
                .and_then(|rest| rest.get(rest.chars().next()?.len_utf8()..))
                .unwrap_or_default(),
            None => &self.text,
        }
    }
}

impl fmt::Display for AccountNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl From<AccountNumber> for String {
    fn from(a: AccountNumber) -> String {
        a.text
    }
}

impl TryFrom<String> for AccountNumber {
    type Error = AccountNumberError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        let digits = |s: Option<&str>| {
            s.is_some_and(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
        };
        let split = text.char_indices().find(|(_, c)| !c.is_ascii_digit());
        let canonical = text.chars().count() <= MAX_INPUT_CHARS
            && match split {
                None => digits(Some(&text)),
                Some((i, sep)) => {
                    !sep.is_whitespace()
                        && !sep.is_control()
                        && digits(text.get(..i))
                        && digits(text.get(i + sep.len_utf8()..))
                }
            };
        if !canonical {
            return Err(AccountNumberError::NotCanonical {
                text: crate::money::excerpt(&text),
            });
        }
        Ok(AccountNumber {
            split: split.map(|(i, _)| i),
            text,
        })
    }
}

/// Turns what a customer typed into a canonical [`AccountNumber`].
///
/// Surrounding and inner white space is removed (`" 00065821 - 0672430 "`).
/// With a customer part, either the two parts with the separator, leading
/// zeros optional (`65821-672430`), or all the digits without separator
/// (`000658210672430`) are accepted; each part is padded to its digits. For
/// an account-only format, up to `account_digits` digits, padded. Only ASCII
/// digits count as digits. Input over [`MAX_INPUT_CHARS`] characters is refused.
pub fn normalize(
    input: &str,
    format: &AccountNumberFormat,
) -> Result<AccountNumber, AccountNumberError> {
    format.validate()?;
    let expected = || format.describe();
    let chars = input.chars().count();
    if chars > MAX_INPUT_CHARS {
        return Err(AccountNumberError::TooLong {
            chars,
            expected: expected(),
        });
    }
    let compact: String = input.chars().filter(|c| !c.is_whitespace()).collect();
    if compact.is_empty() {
        return Err(AccountNumberError::Empty {
            expected: expected(),
        });
    }
    let separator = format.separator;
    if let Some(c) = compact
        .chars()
        .find(|c| !c.is_ascii_digit() && (*c != separator || !format.has_customer()))
    {
        return Err(AccountNumberError::InvalidCharacter {
            character: c,
            expected: expected(),
        });
    }
    let mut parts = compact.split(separator);
    let (customer, account) = match (parts.next(), parts.next(), parts.next()) {
        (Some(c), Some(a), None) => (c, a),
        (Some(_), Some(_), Some(_)) => {
            return Err(AccountNumberError::MultipleSeparators {
                separator,
                expected: expected(),
            })
        }
        _ => return unseparated(&compact, format),
    };
    for (part, text) in [("customer", customer), ("account", account)] {
        if text.is_empty() {
            return Err(AccountNumberError::EmptyPart {
                part,
                expected: expected(),
            });
        }
    }
    build(customer, account, format)
}

/// Digits without a separator: a whole number, or the account alone.
fn unseparated(
    digits: &str,
    format: &AccountNumberFormat,
) -> Result<AccountNumber, AccountNumberError> {
    if !format.has_customer() {
        return build("", digits, format);
    }
    let full = usize::from(format.customer_digits) + usize::from(format.account_digits);
    if digits.len() > full {
        return Err(AccountNumberError::TooManyDigits {
            part: "full account",
            digits: digits.len(),
            max: format.customer_digits.saturating_add(format.account_digits),
            expected: format.describe(),
        });
    }
    if digits.len() < full {
        return Err(AccountNumberError::AmbiguousLength {
            digits: digits.len(),
            full,
            separator: format.separator,
            expected: format.describe(),
        });
    }
    let (customer, account) = digits.split_at(usize::from(format.customer_digits));
    build(customer, account, format)
}

/// Pads each part (ASCII digits, already checked) to the format's digits.
fn build(
    customer: &str,
    account: &str,
    format: &AccountNumberFormat,
) -> Result<AccountNumber, AccountNumberError> {
    let pad = |part: &'static str, text: &str, max: u8| {
        let width = usize::from(max);
        if text.len() > width {
            return Err(AccountNumberError::TooManyDigits {
                part,
                digits: text.len(),
                max,
                expected: format.describe(),
            });
        }
        Ok(format!("{text:0>width$}"))
    };
    let account = pad("account", account, format.account_digits)?;
    if !format.has_customer() {
        return Ok(AccountNumber {
            text: account,
            split: None,
        });
    }
    let customer = pad("customer", customer, format.customer_digits)?;
    Ok(AccountNumber {
        split: Some(customer.len()),
        text: format!("{customer}{}{account}", format.separator),
    })
}
