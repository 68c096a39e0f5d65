//! Why a password is refused: a stable machine code and an English message
//! for the customer, one per rule broken. No message ever repeats the
//! password or any part of it.

use std::fmt;

use serde::Serialize;

/// One rule a password breaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PasswordFailure {
    /// A stable machine code, `password.<rule>`: `too_long_bytes`,
    /// `control_character`, `too_short`, `too_long`, `missing_uppercase`,
    /// `missing_lowercase`, `missing_digit`, `missing_special`, `blocklisted`,
    /// `predictable` or `contains_context`.
    pub code: &'static str,
    /// English text for the customer: what is wrong and what to do.
    pub message: String,
}

impl fmt::Display for PasswordFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for PasswordFailure {}

impl PasswordFailure {
    fn new(code: &'static str, message: String) -> PasswordFailure {
        PasswordFailure { code, message }
    }

    pub(crate) fn too_long_bytes(bytes: usize, max: usize) -> PasswordFailure {
        Self::new(
            "password.too_long_bytes",
            format!(
                "The password is {bytes} bytes long, over the limit of {max} bytes. Choose a shorter password; a password is never cut short to fit."
            ),
        )
    }

    pub(crate) fn control_character() -> PasswordFailure {
        Self::new(
            "password.control_character",
            "The password contains an invisible control character (such as a tab or a line break); remove it.".into(),
        )
    }

    pub(crate) fn too_short(chars: usize, min: u32, with_mfa: Option<u32>) -> PasswordFailure {
        let hint = match with_mfa {
            Some(m) => format!(" ({m} are enough once two-step verification is on)"),
            None => String::new(),
        };
        Self::new(
            "password.too_short",
            format!(
                "The password has {}; it needs at least {min}{hint}. A passphrase of several words is long and easy to remember.",
                characters(chars)
            ),
        )
    }

    pub(crate) fn too_long(chars: usize, max: u32) -> PasswordFailure {
        Self::new(
            "password.too_long",
            format!(
                "The password has {}; the most allowed is {max}. Choose a shorter password; a password is never cut short to fit.",
                characters(chars)
            ),
        )
    }

    pub(crate) fn missing_uppercase() -> PasswordFailure {
        Self::new(
            "password.missing_uppercase",
            "The password needs at least one upper-case letter (such as A to Z).".into(),
        )
    }

    pub(crate) fn missing_lowercase() -> PasswordFailure {
        Self::new(
            "password.missing_lowercase",
            "The password needs at least one lower-case letter (such as a to z).".into(),
        )
    }

    pub(crate) fn missing_digit() -> PasswordFailure {
        Self::new(
            "password.missing_digit",
            "The password needs at least one digit (0 to 9).".into(),
        )
    }

    pub(crate) fn missing_special() -> PasswordFailure {
        Self::new(
            "password.missing_special",
            "The password needs at least one special character: a symbol, a punctuation mark or a space (such as ! # $ % or *).".into(),
        )
    }

    pub(crate) fn blocklisted() -> PasswordFailure {
        Self::new(
            "password.blocklisted",
            "The password is one of the most common or breached passwords or passphrases (perhaps with digits, symbols or spaces added, or two common words joined), so attackers try it first; choose a different one.".into(),
        )
    }

    pub(crate) fn breached() -> PasswordFailure {
        Self::new(
            "password.breached",
            "The password has appeared in a data breach, so attackers have it on their lists; choose a different one.".into(),
        )
    }

    pub(crate) fn breach_check_failed(e: &super::BreachCheckError) -> PasswordFailure {
        Self::new(
            "password.breach_check_failed",
            format!("The password could not be checked against known data breaches ({}); try again in a moment.", e.0),
        )
    }

    pub(crate) fn predictable() -> PasswordFailure {
        Self::new(
            "password.predictable",
            "The password is a repeated or sequential pattern (such as \"aaaa\", \"abcabc\", \"1234\", a word typed twice or a walk along the keyboard such as \"qwertyuiop\"), so attackers try it first; choose something less predictable.".into(),
        )
    }

    pub(crate) fn contains_context(what: &[&str]) -> PasswordFailure {
        let list = match what {
            [] => "a detail of your account".to_string(),
            [one] => (*one).to_string(),
            [init @ .., last] => format!("{} and {last}", init.join(", ")),
        };
        Self::new(
            "password.contains_context",
            format!(
                "The password contains {list}; choose one that does not include details about you or your account."
            ),
        )
    }
}

/// "1 character", "15 characters".
fn characters(n: usize) -> String {
    if n == 1 {
        "1 character".into()
    } else {
        format!("{n} characters")
    }
}
