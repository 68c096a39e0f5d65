//! Checking a new password against a policy: the byte cap before anything
//! else, then the policy's normalisation (NFKC, invisible characters
//! removed), then every rule, reporting every failure at once.

use super::blocklist::{Blocklist, CommonPasswords};
use super::breached::{breach_failure, BreachedPasswords};
use super::context::{compact_lower, PasswordContext};
use super::normalize::{grapheme_count, wipe, NormalizedPassword, MAX_PASSWORD_BYTES};
use super::patterns::{common_phrase, keyboard_walk, repeated};
use super::policy::{Mfa, PasswordPolicy};
use super::PasswordFailure;

impl PasswordPolicy {
    /// Checks a new password with the shipped blocklist ([`CommonPasswords`]).
    ///
    /// Returns the password normalised (its form to be stored with the
    /// hash), or every rule it breaks, in a fixed order. A password over the
    /// byte cap is refused with `password.too_long_bytes` alone, before it is
    /// normalised or inspected further.
    pub fn check(
        &self,
        password: &str,
        context: &PasswordContext<'_>,
        mfa: Mfa,
    ) -> Result<NormalizedPassword, Vec<PasswordFailure>> {
        self.check_with(password, context, mfa, &CommonPasswords)
    }

    /// [`PasswordPolicy::check`] with another blocklist, such as
    /// `CommonPasswords.chain(breached)`.
    pub fn check_with(
        &self,
        password: &str,
        context: &PasswordContext<'_>,
        mfa: Mfa,
        blocklist: &dyn Blocklist,
    ) -> Result<NormalizedPassword, Vec<PasswordFailure>> {
        let cap = usize::try_from(self.max_bytes)
            .unwrap_or(usize::MAX)
            .min(MAX_PASSWORD_BYTES);
        if password.len() > cap {
            return Err(vec![PasswordFailure::too_long_bytes(password.len(), cap)]);
        }
        let normalized = NormalizedPassword::normalize(password, self.normalization);
        let failures = self.failures(normalized.as_str(), context, mfa, blocklist);
        if failures.is_empty() {
            Ok(normalized)
        } else {
            Err(failures)
        }
    }

    /// [`PasswordPolicy::check`], then, for a password every rule
    /// accepts, a look-up in a breached-password service (only a 5-hex
    /// SHA-1 prefix is sent): `password.breached` when it was seen in a
    /// breach, `password.breach_check_failed` when the service could not
    /// be asked (nothing is accepted unchecked).
    pub fn check_with_breaches(
        &self,
        password: &str,
        context: &PasswordContext<'_>,
        mfa: Mfa,
        breaches: &dyn BreachedPasswords,
    ) -> Result<NormalizedPassword, Vec<PasswordFailure>> {
        let normalized = self.check(password, context, mfa)?;
        match breach_failure(&normalized, breaches) {
            None => Ok(normalized),
            Some(f) => Err(vec![f]),
        }
    }

    fn failures(
        &self,
        text: &str,
        context: &PasswordContext<'_>,
        mfa: Mfa,
        blocklist: &dyn Blocklist,
    ) -> Vec<PasswordFailure> {
        let mut out = Vec::new();
        if text.chars().any(char::is_control) {
            out.push(PasswordFailure::control_character());
        }
        let chars = text.chars().count();
        // The minimum counts what a person sees (grapheme clusters), so
        // combining marks cannot pad a short password; the maximum counts
        // code points, as NIST does. Graphemes never outnumber code points,
        // so the minimum is never laxer than NIST's count.
        let seen = grapheme_count(text);
        let min = self.min_length_for(mfa);
        if seen < as_usize(min) {
            let hint = (mfa == Mfa::Off && self.min_length_with_mfa < self.min_length)
                .then_some(self.min_length_with_mfa);
            out.push(PasswordFailure::too_short(seen, min, hint));
        }
        if chars > as_usize(self.max_length) {
            out.push(PasswordFailure::too_long(chars, self.max_length));
        }
        let c = &self.composition;
        if c.uppercase && !text.chars().any(char::is_uppercase) {
            out.push(PasswordFailure::missing_uppercase());
        }
        if c.lowercase && !text.chars().any(char::is_lowercase) {
            out.push(PasswordFailure::missing_lowercase());
        }
        if c.digit && !text.chars().any(char::is_numeric) {
            out.push(PasswordFailure::missing_digit());
        }
        if c.special && !text.chars().any(is_special) {
            out.push(PasswordFailure::missing_special());
        }
        if self.blocklist {
            let compact = compact_lower(text);
            if blocklisted(text, blocklist) || common_phrase(&compact) {
                out.push(PasswordFailure::blocklisted());
            }
            if predictable(text, &compact) {
                out.push(PasswordFailure::predictable());
            }
            wipe(compact);
        }
        if self.context_words {
            let compact = compact_lower(text);
            let found = context.found_in(&compact);
            wipe(compact);
            if !found.is_empty() {
                out.push(PasswordFailure::contains_context(&found));
            }
        }
        out
    }
}

fn as_usize(n: u32) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

/// A special character: neither a letter, a digit nor a control character.
fn is_special(c: char) -> bool {
    !c.is_alphanumeric() && !c.is_control()
}

/// Anything but a letter: digits, symbols, punctuation, spaces.
fn is_decoration(c: char) -> bool {
    !c.is_alphabetic()
}

/// On the list as a whole, or once the decoration at either end is removed
/// (`Dragon2024!` → `Dragon`). Never words inside the password.
fn blocklisted(text: &str, list: &dyn Blocklist) -> bool {
    if list.contains(text) {
        return true;
    }
    let core = text.trim_matches(is_decoration);
    !core.is_empty() && core.len() != text.len() && list.contains(core)
}

/// One repeated unit of up to 4 characters (`aaaa`, `abcabc`, `12121212`)
/// or one run of consecutive characters up or down (`abcdef`, `98765`,
/// `7890123`, digits wrapping round), as a whole or once the decoration at
/// either end is removed, when 4 characters or more.
fn predictable(text: &str, compact: &str) -> bool {
    let mut letters: Vec<char> = compact.chars().collect();
    let digits_trimmed = {
        let s = letters
            .iter()
            .position(|c| !c.is_ascii_digit())
            .unwrap_or(0);
        let e = letters
            .iter()
            .rposition(|c| !c.is_ascii_digit())
            .map_or(0, |e| e + 1);
        letters.get(s..e.max(s)).unwrap_or(&[]).to_vec()
    };
    let long = repeated(&letters)
        || repeated(&digits_trimmed)
        || keyboard_walk(&letters)
        || keyboard_walk(&digits_trimmed);
    letters.fill('\0');
    let mut digits_trimmed = digits_trimmed;
    digits_trimmed.fill('\0');
    std::hint::black_box((&letters, &digits_trimmed));
    if long {
        return true;
    }
    let lower: Vec<char> = text.chars().flat_map(char::to_lowercase).collect();
    let start = lower.iter().position(|c| !is_decoration(*c));
    let end = lower.iter().rposition(|c| !is_decoration(*c));
    let core = match (start, end) {
        (Some(s), Some(e)) => lower.get(s..=e).unwrap_or(&[]),
        _ => &[],
    };
    let found = pattern(&lower) || pattern(core);
    let mut lower = lower;
    lower.fill('\0');
    std::hint::black_box(&lower);
    found
}

fn pattern(chars: &[char]) -> bool {
    let n = chars.len();
    if n < 4 {
        return false;
    }
    let repeated = (1..=4).any(|unit| {
        n >= 2 * unit
            && chars
                .iter()
                .zip(chars.iter().skip(unit))
                .all(|(a, b)| a == b)
    });
    let sequential = [true, false].into_iter().any(|up| {
        chars
            .windows(2)
            .all(|w| matches!(w, [a, b] if next(*a, *b, up)))
    });
    repeated || sequential
}

/// Whether `b` follows `a` (or precedes it, going down); `9` and `0` are adjacent.
fn next(a: char, b: char, up: bool) -> bool {
    let (from, to) = if up { (a, b) } else { (b, a) };
    u32::from(from).checked_add(1) == Some(u32::from(to)) || (from == '9' && to == '0')
}
