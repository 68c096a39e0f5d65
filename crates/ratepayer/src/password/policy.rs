//! The password policy as data (it sits in a utility profile): its fields,
//! the two presets, validation, and reading it from TOML or JSON, where a
//! preset may be named and individual fields overridden.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::normalize::{NormalizationForm, MAX_PASSWORD_BYTES};

/// The longest maximum length a policy may set, in code points: a code point
/// takes at most 4 bytes, so 1,024 fill the 4 KiB byte cap.
const MAX_MAX_LENGTH: u32 = 1024;

/// Whether the account has multi-factor authentication on: NIST allows a
/// shorter password when the password is not the only factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mfa {
    /// The password is the only factor.
    Off,
    /// The password is one of two or more factors.
    On,
}

/// Character classes a password must contain. NIST SP 800-63B-4 forbids
/// such rules; they exist for utilities whose published policy has them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Composition {
    /// An upper-case letter (any script: `char::is_uppercase`).
    pub uppercase: bool,
    /// A lower-case letter (`char::is_lowercase`).
    pub lowercase: bool,
    /// A digit (`char::is_numeric`).
    pub digit: bool,
    /// A special character: anything that is neither a letter, a digit nor a
    /// control character; a space counts.
    pub special: bool,
}

impl Composition {
    /// No composition rule.
    pub const NONE: Composition = Composition {
        uppercase: false,
        lowercase: false,
        digit: false,
        special: false,
    };

    /// All four classes required.
    pub const ALL: Composition = Composition {
        uppercase: true,
        lowercase: true,
        digit: true,
        special: true,
    };

    /// Whether any class is required.
    pub fn any(&self) -> bool {
        self.uppercase || self.lowercase || self.digit || self.special
    }
}

/// A named starting point for a policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PasswordPreset {
    /// `"legacy_composition"`: Cal Water's published rule (seed 004).
    #[serde(rename = "legacy_composition")]
    LegacyComposition,
    /// `"nist_800_63b_4"`: NIST SP 800-63B-4 §3.1.1.2.
    #[serde(rename = "nist_800_63b_4")]
    Nist,
}

impl PasswordPreset {
    /// The preset's policy.
    pub fn policy(self) -> PasswordPolicy {
        match self {
            PasswordPreset::LegacyComposition => PasswordPolicy::legacy_composition(),
            PasswordPreset::Nist => PasswordPolicy::nist_800_63b_4(),
        }
    }
}

/// What a new password must satisfy. Lengths are in Unicode code points
/// after normalisation; `max_bytes` is in UTF-8 bytes before it.
///
/// In a profile (TOML), name a preset (the NIST one when none is named) and
/// override what differs; every field is optional, unknown fields are
/// refused, and a `composition` table replaces the preset's whole (classes
/// it does not name are not required):
///
/// ```
/// use ratepayer::password::PasswordPolicy;
///
/// let policy: PasswordPolicy = toml::from_str(r#"
///     preset = "nist_800_63b_4"
///     max_length = 256
/// "#).map_err(|e| e.to_string())?;
/// assert_eq!((policy.min_length, policy.max_length), (15, 256));
/// # Ok::<(), String>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "PolicyData")]
pub struct PasswordPolicy {
    /// The minimum length when the password is the only factor.
    pub min_length: u32,
    /// The minimum length when multi-factor authentication is on (at most
    /// `min_length`).
    pub min_length_with_mfa: u32,
    /// The maximum length; at most 1,024.
    pub max_length: u32,
    /// The cap on the typed text in bytes, applied before normalising; at
    /// most 4,096 and at least 4 × `max_length`.
    pub max_bytes: u32,
    /// Character classes required.
    pub composition: Composition,
    /// Refuse common, breached and predictable passwords.
    pub blocklist: bool,
    /// Refuse passwords containing the customer's context words.
    pub context_words: bool,
    /// Force a change every so many days (discouraged; NIST forbids it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expiry_days: Option<u32>,
    /// The normalisation form.
    pub normalization: NormalizationForm,
}

impl Default for PasswordPolicy {
    /// The NIST SP 800-63B-4 preset.
    fn default() -> PasswordPolicy {
        PasswordPolicy::nist_800_63b_4()
    }
}

impl PasswordPolicy {
    /// Cal Water's rule (seed 004): at least 8 characters with an upper-case
    /// letter, a lower-case letter, a digit and a special character; up to
    /// 128; with the blocklist and context words every preset has.
    pub fn legacy_composition() -> PasswordPolicy {
        PasswordPolicy {
            min_length: 8,
            min_length_with_mfa: 8,
            composition: Composition::ALL,
            ..PasswordPolicy::nist_800_63b_4()
        }
    }

    /// NIST SP 800-63B-4 §3.1.1.2: at least 15 characters single-factor, 8
    /// with MFA; up to 128; no composition rules; no expiry; a blocklist.
    pub fn nist_800_63b_4() -> PasswordPolicy {
        PasswordPolicy {
            min_length: 15,
            min_length_with_mfa: 8,
            max_length: 128,
            max_bytes: 4096,
            composition: Composition::NONE,
            blocklist: true,
            context_words: true,
            expiry_days: None,
            normalization: NormalizationForm::Nfkc,
        }
    }

    /// The minimum length that applies.
    pub fn min_length_for(&self, mfa: Mfa) -> u32 {
        match mfa {
            Mfa::Off => self.min_length,
            Mfa::On => self.min_length_with_mfa.min(self.min_length),
        }
    }

    /// Checks that the settings are consistent; names every problem at once.
    pub fn validate(&self) -> Result<(), PasswordPolicyError> {
        let mut problems = Vec::new();
        if self.min_length == 0 {
            problems.push("min_length is 0; set at least 1 (NIST asks for 15)".to_string());
        }
        if self.min_length_with_mfa == 0 || self.min_length_with_mfa > self.min_length {
            problems.push(format!(
                "min_length_with_mfa is {}; set it between 1 and min_length ({})",
                self.min_length_with_mfa, self.min_length
            ));
        }
        if self.max_length < self.min_length {
            problems.push(format!(
                "max_length {} is below min_length {}; raise it (NIST asks for at least 64)",
                self.max_length, self.min_length
            ));
        }
        if self.max_length > MAX_MAX_LENGTH {
            problems.push(format!(
                "max_length {} is over {MAX_MAX_LENGTH}; lower it",
                self.max_length
            ));
        }
        let bytes = usize::try_from(self.max_bytes).unwrap_or(usize::MAX);
        if bytes > MAX_PASSWORD_BYTES {
            problems.push(format!(
                "max_bytes {} is over {MAX_PASSWORD_BYTES}; lower it",
                self.max_bytes
            ));
        }
        if u64::from(self.max_bytes) < 4 * u64::from(self.max_length) {
            problems.push(format!(
                "max_bytes {} is below 4 × max_length ({}), so a password of non-Latin characters could not reach max_length; raise max_bytes or lower max_length",
                self.max_bytes,
                4 * u64::from(self.max_length)
            ));
        }
        if self.expiry_days == Some(0) {
            problems.push(
                "expiry_days is 0; leave it out for no expiry (NIST forbids periodic expiry)"
                    .to_string(),
            );
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(PasswordPolicyError::Invalid { problems })
        }
    }
}

/// Why a password policy cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PasswordPolicyError {
    /// The settings contradict each other or are out of range.
    #[error("the password policy is invalid: {}", problems.join("; "))]
    Invalid {
        /// Every problem, each saying how to fix it.
        problems: Vec<String>,
    },
}

/// The policy as written in a profile: a preset and overrides.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyData {
    preset: Option<PasswordPreset>,
    min_length: Option<u32>,
    min_length_with_mfa: Option<u32>,
    max_length: Option<u32>,
    max_bytes: Option<u32>,
    composition: Option<Composition>,
    blocklist: Option<bool>,
    context_words: Option<bool>,
    expiry_days: Option<u32>,
    normalization: Option<NormalizationForm>,
}

impl TryFrom<PolicyData> for PasswordPolicy {
    type Error = PasswordPolicyError;

    fn try_from(d: PolicyData) -> Result<PasswordPolicy, PasswordPolicyError> {
        let base = d.preset.unwrap_or(PasswordPreset::Nist).policy();
        let policy = PasswordPolicy {
            min_length: d.min_length.unwrap_or(base.min_length),
            min_length_with_mfa: d.min_length_with_mfa.unwrap_or(base.min_length_with_mfa),
            max_length: d.max_length.unwrap_or(base.max_length),
            max_bytes: d.max_bytes.unwrap_or(base.max_bytes),
            composition: d.composition.unwrap_or(base.composition),
            blocklist: d.blocklist.unwrap_or(base.blocklist),
            context_words: d.context_words.unwrap_or(base.context_words),
            expiry_days: d.expiry_days.or(base.expiry_days),
            normalization: d.normalization.unwrap_or(base.normalization),
        };
        policy.validate()?;
        Ok(policy)
    }
}
