//! The customer's context words: details an attacker who knows the customer
//! would try first (username, email, account number, the utility's name,
//! the service street). A new password must not contain any of them.

use unicode_normalization::UnicodeNormalization;

/// Context words shorter than this (in code points) are ignored: "cal" or
/// "elm" inside a password says nothing about the customer.
const MIN_WORD_CHARS: usize = 4;

/// Words too common in utility names and street addresses to refuse on
/// their own ("Cal Water", "1234 Elm Street"); the whole name, run together
/// (`calwater`), still counts.
const GENERIC: &[&str] = &[
    "apartment",
    "authority",
    "avenue",
    "board",
    "boulevard",
    "circle",
    "city",
    "company",
    "county",
    "court",
    "department",
    "district",
    "drive",
    "east",
    "electric",
    "energy",
    "highway",
    "lane",
    "management",
    "north",
    "parkway",
    "place",
    "power",
    "public",
    "road",
    "service",
    "services",
    "south",
    "street",
    "suite",
    "terrace",
    "town",
    "utilities",
    "utility",
    "village",
    "water",
    "west",
    "works",
];

/// What the utility knows about the customer choosing a password. Every
/// field is optional; matching ignores case and Unicode form.
///
/// Each field gives its words: the whole value with anything but letters and
/// digits removed, and each run of letters or digits in it (an account
/// number's parts also without leading zeros), when 4 or more characters
/// long and not a generic word such as "street" or "water". The password,
/// likewise lower-cased and with anything but letters and digits removed,
/// must contain none of them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PasswordContext<'a> {
    /// The login name.
    pub username: Option<&'a str>,
    /// The email address; only the part before the last `@` counts.
    pub email: Option<&'a str>,
    /// The account number, as typed or canonical (`00065821-0672430`).
    pub account_number: Option<&'a str>,
    /// The utility's name (`Cal Water`).
    pub utility_name: Option<&'a str>,
    /// The service street address (`1234 Elm Street`).
    pub street: Option<&'a str>,
}

impl PasswordContext<'_> {
    /// Every context word, lower-cased, in field order, without repeats.
    pub fn words(&self) -> Vec<String> {
        let mut words: Vec<String> = Vec::new();
        for value in self.fields().into_iter().filter_map(|(_, v)| v) {
            visit_words(value, |w| {
                if !words.iter().any(|x| x == w) {
                    words.push(w.to_string());
                }
                false
            });
        }
        words
    }

    /// The fields (as "your username", …) with a word inside `compact`, a
    /// lower-cased password with anything but letters and digits removed.
    pub(crate) fn found_in(&self, compact: &str) -> Vec<&'static str> {
        self.fields()
            .into_iter()
            .filter(|(_, value)| value.is_some_and(|v| visit_words(v, |w| compact.contains(w))))
            .map(|(label, _)| label)
            .collect()
    }

    fn fields(&self) -> [(&'static str, Option<&str>); 5] {
        let local_part = self
            .email
            .map(|e| e.rsplit_once('@').map_or(e, |(local, _)| local));
        [
            ("your username", self.username),
            ("your email address", local_part),
            ("your account number", self.account_number),
            ("the utility's name", self.utility_name),
            ("your street address", self.street),
        ]
    }
}

/// Lower-cases `text` and keeps only its letters and digits.
pub(crate) fn compact_lower(text: &str) -> String {
    if text.is_ascii() {
        text.bytes()
            .filter(u8::is_ascii_alphanumeric)
            .map(|b| char::from(b.to_ascii_lowercase()))
            .collect()
    } else {
        text.chars()
            .flat_map(char::to_lowercase)
            .filter(|c| c.is_alphanumeric())
            .collect()
    }
}

/// Calls `f` on each word of one context value until it returns true;
/// returns whether it did.
fn visit_words(value: &str, mut f: impl FnMut(&str) -> bool) -> bool {
    let lower: String = if value.is_ascii() {
        value.to_ascii_lowercase()
    } else {
        value.nfc().flat_map(char::to_lowercase).collect()
    };
    let mut visit =
        |w: &str| w.chars().nth(MIN_WORD_CHARS - 1).is_some() && !GENERIC.contains(&w) && f(w);
    if visit(&compact_lower(&lower)) {
        return true;
    }
    for token in lower.split(|c: char| !c.is_alphanumeric()) {
        if visit(token) {
            return true;
        }
        if token.chars().all(char::is_numeric) && visit(token.trim_start_matches('0')) {
            return true;
        }
    }
    false
}
