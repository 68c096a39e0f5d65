//! The long passwords a plain list of common passwords misses: common
//! passphrases ([`PASSPHRASES`], shipped as a small compacted list), two
//! common words or utility words run together (`iloveyouiloveyou`,
//! `waterbill2024`), one unit repeated (`passwordpassword`,
//! `abcabcabcabc`), and keyboard walks (`qwertyuiopasdf`, `1qaz2wsx3edc`).
//! Every check runs on the password compacted: lower-cased, letters and
//! digits only, so spaces, symbols and case change nothing.

use std::collections::HashSet;
use std::sync::OnceLock;

/// The shipped passphrase list: a header line starting with `#`, then one
/// compacted passphrase per line.
const PASSPHRASES: &str = include_str!("../../data/common-passphrases.txt");

/// Words of utility billing that, joined to another common word, make a
/// password anyone attacking a utility portal tries (`paymywaterbill`).
const UTILITY_WORDS: &[&str] = &[
    "account",
    "autopay",
    "bill",
    "billing",
    "bills",
    "city",
    "county",
    "customer",
    "electric",
    "electricity",
    "energy",
    "gas",
    "light",
    "meter",
    "online",
    "pay",
    "payment",
    "portal",
    "power",
    "sewer",
    "trash",
    "utilities",
    "utility",
    "water",
];

/// The longest compacted password the two-word check looks at (longer ones
/// cannot be two listed words).
const MAX_JOIN_CHARS: usize = 48;

fn passphrases() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| {
        PASSPHRASES
            .lines()
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .chain(UTILITY_WORDS.iter().copied())
            .collect()
    })
}

/// How many passphrases the shipped list holds.
#[cfg(test)]
pub(crate) fn passphrase_count() -> usize {
    passphrases().len()
}

/// A listed word: a common password, a passphrase or a utility word.
fn word(w: &str) -> bool {
    w.len() >= 3 && (passphrases().contains(w) || super::blocklist::common_contains_lower(w))
}

/// On the passphrase list, or two listed words run together, with or
/// without digits at either end (`iloveyou2024iloveyou` is not; `ilove
/// you iloveyou!` is).
pub(crate) fn common_phrase(compact: &str) -> bool {
    let core = compact.trim_matches(|c: char| c.is_ascii_digit());
    // The core only when digits were trimmed: the same string twice is the
    // same answer at twice the cost.
    let variants: &[&str] = if core.len() == compact.len() {
        &[compact]
    } else {
        &[compact, core]
    };
    variants.iter().copied().any(|c| {
        !c.is_empty()
            && (passphrases().contains(c)
                || (c.len() <= MAX_JOIN_CHARS
                    && c.is_char_boundary(0)
                    && (3..c.len().saturating_sub(2)).any(|i| {
                        c.is_char_boundary(i)
                            && word(c.get(..i).unwrap_or(""))
                            && word(c.get(i..).unwrap_or(""))
                    })))
    })
}

/// One unit repeated two or more times, whatever its length
/// (`passwordpassword`, `ab12ab12ab12`), as a whole or without digits at
/// either end.
pub(crate) fn repeated(compact: &[char]) -> bool {
    let n = compact.len();
    n >= 4
        && (1..=n / 2).any(|unit| {
            n % unit == 0
                && compact
                    .iter()
                    .zip(compact.iter().skip(unit))
                    .all(|(a, b)| a == b)
        })
}

/// The rows of a US keyboard, unshifted.
const ROWS: [&str; 4] = ["1234567890-=", "qwertyuiop[]", "asdfghjkl;'", "zxcvbnm,./"];

/// The (row, column) of a key, or `None`.
fn key(c: char) -> Option<(i32, i32)> {
    ROWS.iter().zip(0..).find_map(|(row, r)| {
        row.chars()
            .zip(0..)
            .find(|(k, _)| *k == c)
            .map(|(_, col)| (r, col))
    })
}

/// Whether two different keys touch. Rows are staggered, so a key touches
/// the one below it and the one below-left. (One key repeated is a
/// repetition, found by [`repeated`], not a walk.)
fn adjacent(a: (i32, i32), b: (i32, i32)) -> bool {
    let (dr, dc) = (b.0 - a.0, b.1 - a.1);
    match dr {
        0 => dc.abs() == 1,
        1 => dc == 0 || dc == -1,
        -1 => dc == 0 || dc == 1,
        _ => false,
    }
}

/// A keyboard walk: at least 6 characters, every one a key, in runs of
/// neighbouring keys of at least 3 keys each (`qwertyuiop`, `asdfghjkl;`,
/// `1qaz2wsx3edc4rfv`, `zaq12wsx`, `qwertyqwerty`).
pub(crate) fn keyboard_walk(compact: &[char]) -> bool {
    if compact.len() < 6 {
        return false;
    }
    let keys: Option<Vec<(i32, i32)>> = compact.iter().map(|c| key(*c)).collect();
    let Some(keys) = keys else {
        return false;
    };
    let mut run = 1;
    for w in keys.windows(2) {
        if matches!(w, [a, b] if adjacent(*a, *b)) {
            run += 1;
        } else if run < 3 {
            return false;
        } else {
            run = 1;
        }
    }
    run >= 3
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chars(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    #[test]
    fn phrases_joins_repeats_and_walks() {
        assert!(common_phrase("correcthorsebatterystaple"));
        assert!(common_phrase("iloveyouiloveyou"));
        assert!(common_phrase("paymywaterbill"));
        assert!(common_phrase("waterbill2024"));
        assert!(common_phrase("dragonmonkey"));
        assert!(!common_phrase("sunlightoverthequietmesa"));
        assert!(repeated(&chars("passwordpassword")));
        assert!(repeated(&chars("ab12ab12ab12")));
        assert!(!repeated(&chars("passwordpassworx")));
        assert!(keyboard_walk(&chars("qwertyuiopasdfghjkl")));
        assert!(keyboard_walk(&chars("1qaz2wsx3edc")));
        assert!(keyboard_walk(&chars("zaq12wsxcde3")));
        assert!(keyboard_walk(&chars("1qaz2wsx3edc4rfv5tgb")));
        assert!(keyboard_walk(&chars("qwertyqwerty")));
        assert!(!keyboard_walk(&chars("lanternorchard")));
        assert!(!keyboard_walk(&chars("sunlightoverthequietmesa")));
        assert!(!keyboard_walk(&chars("qwe")));
        assert!(passphrase_count() > 150);
    }
}
