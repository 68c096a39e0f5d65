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
//! * it is normalised to NFC ([`NormalizationForm`]); the form is returned with
//!   the password so the credential records it beside the hash;
//! * length is counted in Unicode scalar values (code points) after NFC;
//! * it is compared with a blocklist ([`Blocklist`]; by default the 10,000
//!   most common passwords, [`CommonPasswords`]) case-insensitively, as a
//!   whole and with a run of digits, symbols or spaces at either end removed
//!   (so `Dragon2024!` is refused as `dragon`), and refused when it is one
//!   repeated or sequential pattern (`aaaa…`, `abcabc…`, `1234…`);
//! * it must not contain a context word of 4 or more characters
//!   ([`PasswordContext`]: username, email local part, account number, the
//!   utility's name, the service street).
//!
//! The blocklist compares the whole password (less that decoration), never
//! words inside it, so a long passphrase that happens to contain a common
//! word is accepted. Context words, by contrast, are searched inside the
//! password: a password built around the customer's own username or account
//! number is guessable by anyone who knows the customer (OWASP ASVS V6.2.11).
//!
//! ```
//! use ratepayer::password::{Mfa, PasswordContext, PasswordPolicy};
//!
//! let policy = PasswordPolicy::nist_800_63b_4();
//! let context = PasswordContext { username: Some("jdoe42"), ..PasswordContext::default() };
//! let ok = policy.check("correct horse battery staple", &context, Mfa::Off);
//! assert!(ok.is_ok_and(|p| p.form().as_str() == "NFC"));
//! let failures = policy.check("Password1!", &context, Mfa::Off).err().unwrap_or_default();
//! let codes: Vec<&str> = failures.iter().map(|f| f.code).collect();
//! assert_eq!(codes, ["password.too_short", "password.blocklisted"]);
//! assert!(PasswordPolicy::legacy_composition().compliance_report().len() > 0);
//! assert!(policy.compliance_report().is_empty());
//! ```

mod blocklist;
mod check;
mod compliance;
mod context;
mod failure;
mod normalize;
mod policy;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_config;

pub use blocklist::{Blocklist, Chain, CommonPasswords, HashSetBlocklist};
pub use compliance::ComplianceFinding;
pub use context::PasswordContext;
pub use failure::PasswordFailure;
pub(crate) use normalize::wipe_bytes;
pub use normalize::{NormalizationForm, NormalizedPassword, MAX_PASSWORD_BYTES};
pub use policy::{Composition, Mfa, PasswordPolicy, PasswordPolicyError, PasswordPreset};
