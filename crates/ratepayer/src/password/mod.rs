//! Password policy as data: what a new password must satisfy, checked in one
//! call that reports every failure at once, and a report of where a policy
//! departs from NIST SP 800-63B-4 and OWASP ASVS 5.0.
//!
//! Two presets: [`PasswordPolicy::legacy_composition`] (Cal Water's rule, seed
//! 004: at least 8 characters with an upper-case letter, a lower-case letter,
//! a digit and a special character) and [`PasswordPolicy::nist_800_63b_4`]
//! (at least 15 characters, or 8 with multi-factor authentication; up to 128;
//! no composition rules; no expiry). In every preset:
//!
//! * the typed text is capped at [`PasswordPolicy::max_bytes`] (4 KiB) *before*
//!   it is normalised, and an oversized password is refused, never truncated;
//! * it is normalised to NFKC with the invisible (default-ignorable)
//!   characters removed ([`NormalizationForm::Nfkc`], NIST SP 800-63B-4
//!   §3.1.1.2), so full-width `Ｐａｓｓｗｏｒｄ１` is `Password1` and a zero
//!   width joiner hides nothing; the form is returned with the password so
//!   the credential records it beside the hash;
//! * the minimum length counts what a person sees (extended grapheme
//!   clusters, UAX #29): a letter with fifteen combining marks is one
//!   character; the maximum counts code points, as NIST does (graphemes
//!   never outnumber code points, so the minimum is never laxer than NIST's);
//! * it is compared with a blocklist ([`Blocklist`]; by default the 10,000
//!   most common passwords, [`CommonPasswords`]) case-insensitively, as a
//!   whole and with a run of digits, symbols or spaces at either end removed
//!   (so `Dragon2024!` is refused as `dragon`); compacted (lower case,
//!   letters and digits only) it must not be a common passphrase
//!   (`correcthorsebatterystaple`) nor two common or utility words joined
//!   (`iloveyouiloveyou`, `paymywaterbill`);
//! * it is refused when it is one repeated unit of any length
//!   (`passwordpassword`), a run of consecutive characters (`1234…`) or a
//!   keyboard walk (`qwertyuiop`, `1qaz2wsx3edc`);
//! * it must not contain a context word of 4 or more characters
//!   ([`PasswordContext`]: username, email local part, account number, the
//!   utility's name, the service street);
//! * optionally, it is looked up in a breached-password service through
//!   [`BreachedPasswords`] (k-anonymity: only a 5-hex SHA-1 prefix leaves).
//!
//! Whole-password comparisons never look at words inside a passphrase, so
//! a long passphrase that happens to contain a common word is accepted.
//! Context words, by contrast, are searched inside the password: a password
//! built around the customer's own username or account number is guessable
//! by anyone who knows the customer (OWASP ASVS V6.2.11).
//!
//! ```
//! use ratepayer::password::{Mfa, PasswordContext, PasswordPolicy};
//!
//! let policy = PasswordPolicy::nist_800_63b_4();
//! let context = PasswordContext { username: Some("jdoe42"), ..PasswordContext::default() };
//! let ok = policy.check("correct horse battery staple", &context, Mfa::Off);
//! assert!(ok.is_err()); // the best-known passphrase of all
//! let ok = policy.check("lantern orchard quietly humming", &context, Mfa::Off);
//! assert!(ok.is_ok_and(|p| p.form().as_str() == "NFKC"));
//! let failures = policy.check("Password1!", &context, Mfa::Off).err().unwrap_or_default();
//! let codes: Vec<&str> = failures.iter().map(|f| f.code).collect();
//! assert_eq!(codes, ["password.too_short", "password.blocklisted"]);
//! assert!(PasswordPolicy::legacy_composition().compliance_report().len() > 0);
//! assert!(policy.compliance_report().is_empty());
//! ```

mod blocklist;
mod breached;
mod check;
mod compliance;
mod context;
mod failure;
mod normalize;
mod patterns;
mod policy;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_config;

pub use blocklist::{Blocklist, Chain, CommonPasswords, HashSetBlocklist};
pub use breached::{
    is_breached, BreachCheckError, BreachedPasswords, BreachedSuffix, OfflineBreaches,
    PREFIX_HEX_DIGITS,
};
pub use compliance::{ComplianceCheck, ComplianceFinding};
pub use context::PasswordContext;
pub use failure::PasswordFailure;
pub use normalize::is_invisible;
pub(crate) use normalize::wipe_bytes;
pub use normalize::{NormalizationForm, NormalizedPassword, MAX_PASSWORD_BYTES};
pub use policy::{Composition, Mfa, PasswordPolicy, PasswordPolicyError, PasswordPreset};
