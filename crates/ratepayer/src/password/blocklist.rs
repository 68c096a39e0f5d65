//! Blocklists of passwords attackers try first: the [`Blocklist`] trait, the
//! shipped list of the 10,000 most common passwords ([`CommonPasswords`],
//! from zxcvbn's frequency list, MIT licence; see
//! `data/common-passwords.txt`), a set built from any other source
//! ([`HashSetBlocklist`], e.g. a filter derived offline from Pwned
//! Passwords) and [`Chain`] to consult several.

use std::collections::HashSet;
use std::fmt;
use std::sync::OnceLock;

/// The shipped list: a header line starting with `#`, then one lower-case
/// password per line, most common first.
const COMMON_PASSWORDS: &str = include_str!("../../data/common-passwords.txt");

/// A set of passwords to refuse.
///
/// The policy calls [`Blocklist::contains`] with the NFC-normalised password
/// exactly as typed, and again with the run of digits, symbols and spaces at
/// either end removed (when there is one). Each implementation decides on
/// case: the shipped list ignores it; a list of SHA-1 digests from Pwned
/// Passwords would hash the candidate as given.
pub trait Blocklist {
    /// Whether `candidate` is on the list.
    fn contains(&self, candidate: &str) -> bool;

    /// This list, then `other`: a password on either is refused.
    fn chain<B: Blocklist>(self, other: B) -> Chain<Self, B>
    where
        Self: Sized,
    {
        Chain(self, other)
    }
}

impl<T: Blocklist + ?Sized> Blocklist for &T {
    fn contains(&self, candidate: &str) -> bool {
        (**self).contains(candidate)
    }
}

/// Two blocklists consulted in turn.
#[derive(Debug, Clone, Default)]
pub struct Chain<A, B>(pub A, pub B);

impl<A: Blocklist, B: Blocklist> Blocklist for Chain<A, B> {
    fn contains(&self, candidate: &str) -> bool {
        self.0.contains(candidate) || self.1.contains(candidate)
    }
}

/// The 10,000 most common passwords (zxcvbn's list, from Xato's corpus of
/// 10 million leaked passwords), matched case-insensitively. The set is
/// built once, on first use.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CommonPasswords;

struct CommonSet {
    words: HashSet<&'static str>,
    longest: usize,
}

fn common_set() -> &'static CommonSet {
    static SET: OnceLock<CommonSet> = OnceLock::new();
    SET.get_or_init(|| {
        let words: HashSet<&'static str> = COMMON_PASSWORDS
            .lines()
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect();
        let longest = words.iter().map(|w| w.len()).max().unwrap_or(0);
        CommonSet { words, longest }
    })
}

/// Whether `lower` (lower-cased already) is one of the 10,000.
pub(crate) fn common_contains_lower(lower: &str) -> bool {
    common_set().words.contains(lower)
}

impl CommonPasswords {
    /// Where the list comes from, and its licence.
    pub const SOURCE: &'static str =
        "zxcvbn \"passwords\" frequency list (Dropbox, MIT licence), top 10,000, lower-cased";

    /// How many passwords the list holds.
    pub fn len(&self) -> usize {
        common_set().words.len()
    }

    /// Whether the list is empty (it never is).
    pub fn is_empty(&self) -> bool {
        common_set().words.is_empty()
    }
}

impl Blocklist for CommonPasswords {
    fn contains(&self, candidate: &str) -> bool {
        let set = common_set();
        // Lower-casing shrinks a string at most threefold (the Kelvin sign,
        // 3 bytes, becomes `k`), so anything longer cannot be on the list.
        if candidate.is_empty() || candidate.len() > 3 * set.longest {
            return false;
        }
        if candidate.is_ascii() && !candidate.bytes().any(|b| b.is_ascii_uppercase()) {
            set.words.contains(candidate)
        } else {
            let lower = candidate.to_lowercase();
            let found = set.words.contains(lower.as_str());
            super::normalize::wipe(lower);
            found
        }
    }
}

/// A blocklist held in memory, matched case-insensitively: for a list
/// built offline from another source (breach corpora, a utility's own
/// context words). Its entries are not shown by `Debug`.
#[derive(Clone, Default)]
pub struct HashSetBlocklist {
    set: HashSet<String>,
}

impl HashSetBlocklist {
    /// An empty list.
    pub fn new() -> HashSetBlocklist {
        HashSetBlocklist::default()
    }

    /// One entry per line; blank lines and lines starting with `#` are skipped.
    pub fn from_lines(text: &str) -> HashSetBlocklist {
        text.lines()
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect()
    }

    /// Adds an entry.
    pub fn insert(&mut self, entry: &str) {
        self.set.insert(entry.to_lowercase());
    }

    /// How many entries.
    pub fn len(&self) -> usize {
        self.set.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.set.is_empty()
    }
}

impl<'a> FromIterator<&'a str> for HashSetBlocklist {
    fn from_iter<I: IntoIterator<Item = &'a str>>(iter: I) -> HashSetBlocklist {
        let mut list = HashSetBlocklist::new();
        for entry in iter {
            list.insert(entry);
        }
        list
    }
}

impl Blocklist for HashSetBlocklist {
    fn contains(&self, candidate: &str) -> bool {
        let lower = candidate.to_lowercase();
        let found = self.set.contains(&lower);
        super::normalize::wipe(lower);
        found
    }
}

impl fmt::Debug for HashSetBlocklist {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HashSetBlocklist")
            .field("len", &self.set.len())
            .finish()
    }
}
