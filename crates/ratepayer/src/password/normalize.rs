//! Unicode normalisation of a typed password (after a byte cap, never by
//! truncating) and [`NormalizedPassword`], the type that carries the result
//! to the credential without ever showing it.

use std::fmt;

use serde::{Deserialize, Serialize};
use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};

use super::PasswordFailure;
use crate::security::constant_time_eq;

/// The absolute cap on a typed password, in UTF-8 bytes, applied before
/// normalising: 4 KiB. A policy may set a lower cap, never a higher one; a
/// longer input is refused, never truncated.
pub const MAX_PASSWORD_BYTES: usize = 4096;

/// The Unicode normalisation form applied to passwords, recorded beside each
/// hash so a later change of form can still verify old credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum NormalizationForm {
    /// Canonical composition (Unicode Standard Annex #15): "é" typed as one
    /// code point or as "e" + a combining accent is the same password.
    #[default]
    #[serde(rename = "NFC")]
    Nfc,
}

impl NormalizationForm {
    /// The form's name as stored: `"NFC"`.
    pub fn as_str(self) -> &'static str {
        match self {
            NormalizationForm::Nfc => "NFC",
        }
    }

    /// `text` in this form.
    fn apply(self, text: &str) -> String {
        match self {
            NormalizationForm::Nfc => match is_nfc_quick(text.chars()) {
                IsNormalized::Yes => text.to_owned(),
                IsNormalized::No | IsNormalized::Maybe => text.nfc().collect(),
            },
        }
    }
}

impl fmt::Display for NormalizationForm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A password in its normalisation form, ready to hash. Its text is never
/// shown: `Debug` prints only the form, there is no `Display`, and the
/// memory is overwritten when it is dropped (best effort: copies made by
/// the allocator while normalising are not).
pub struct NormalizedPassword {
    text: String,
    form: NormalizationForm,
}

impl NormalizedPassword {
    /// Normalises `input` to NFC without any policy rule, for a password that
    /// is not being chosen (one typed at login, or imported). Refuses, with
    /// `password.too_long_bytes`, an input over [`MAX_PASSWORD_BYTES`].
    pub fn new(input: &str) -> Result<NormalizedPassword, PasswordFailure> {
        if input.len() > MAX_PASSWORD_BYTES {
            return Err(PasswordFailure::too_long_bytes(
                input.len(),
                MAX_PASSWORD_BYTES,
            ));
        }
        Ok(NormalizedPassword::normalize(input, NormalizationForm::Nfc))
    }

    /// Normalises without a cap; callers apply theirs first.
    pub(crate) fn normalize(input: &str, form: NormalizationForm) -> NormalizedPassword {
        NormalizedPassword {
            text: form.apply(input),
            form,
        }
    }

    /// The normalisation form, to store beside the hash.
    pub fn form(&self) -> NormalizationForm {
        self.form
    }

    /// The length in Unicode scalar values (code points), as the policy counts it.
    pub fn char_count(&self) -> usize {
        self.text.chars().count()
    }

    /// The normalised text, for hashing inside the crate only.
    pub(crate) fn as_str(&self) -> &str {
        &self.text
    }
}

impl PartialEq for NormalizedPassword {
    /// Equal when the forms and the normalised texts are; the texts are
    /// compared in constant time.
    fn eq(&self, other: &NormalizedPassword) -> bool {
        let same_text = constant_time_eq(self.text.as_bytes(), other.text.as_bytes());
        same_text && self.form == other.form
    }
}

impl Eq for NormalizedPassword {}

impl fmt::Debug for NormalizedPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NormalizedPassword")
            .field("form", &self.form)
            .field("text", &"<redacted>")
            .finish()
    }
}

impl Drop for NormalizedPassword {
    fn drop(&mut self) {
        wipe(std::mem::take(&mut self.text));
    }
}

/// Overwrites a string holding secret material before freeing it.
pub(crate) fn wipe(secret: String) {
    let mut bytes = secret.into_bytes();
    wipe_bytes(&mut bytes);
}

/// Overwrites secret bytes in place.
pub(crate) fn wipe_bytes(bytes: &mut [u8]) {
    bytes.fill(0);
    std::hint::black_box(&bytes);
}
