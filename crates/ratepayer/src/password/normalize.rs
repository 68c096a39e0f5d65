//! Unicode normalisation of a typed password (after a byte cap, never by
//! truncating) and [`NormalizedPassword`], the type that carries the result
//! to the credential without ever showing it.
//!
//! New passwords use NFKC (NIST SP 800-63B-4 §3.1.1.2 asks for NFKC or
//! NFKD), so full-width `Ｐａｓｓｗｏｒｄ１` is `Password1`, and then drop
//! the invisible characters (Unicode's default-ignorable code points: zero
//! width space and joiners, soft hyphen, bidi controls, variation
//! selectors, tags), so what the blocklist sees, what is counted and what
//! is hashed is what a person sees. Credentials hashed in NFC before keep
//! verifying in NFC and are rehashed in NFKC at the next sign-in.

use std::fmt;

use serde::{Deserialize, Serialize};
use unicode_normalization::{is_nfc_quick, is_nfkc_quick, IsNormalized, UnicodeNormalization};
use unicode_segmentation::UnicodeSegmentation;

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
    /// code point or as "e" + a combining accent is the same password. The
    /// form of credentials made before NFKC; still verified, rehashed at the
    /// next sign-in.
    #[serde(rename = "NFC")]
    Nfc,
    /// Compatibility composition, then every invisible (default-ignorable)
    /// code point removed: full-width and other compatibility forms fold to
    /// their plain letters, and a zero-width joiner or soft hyphen typed
    /// into a password is not part of it.
    #[default]
    #[serde(rename = "NFKC")]
    Nfkc,
}

impl NormalizationForm {
    /// The form's name as stored: `"NFC"` or `"NFKC"`.
    pub fn as_str(self) -> &'static str {
        match self {
            NormalizationForm::Nfc => "NFC",
            NormalizationForm::Nfkc => "NFKC",
        }
    }

    /// `text` in this form.
    fn apply(self, text: &str) -> String {
        match self {
            NormalizationForm::Nfc => match is_nfc_quick(text.chars()) {
                IsNormalized::Yes => text.to_owned(),
                IsNormalized::No | IsNormalized::Maybe => text.nfc().collect(),
            },
            NormalizationForm::Nfkc => {
                // Invisible characters out first (so a letter and its
                // accent separated by one still compose), then NFKC, then
                // out again (NFKC maps a few compatibility forms onto them).
                let visible: String = text.chars().filter(|c| !is_invisible(*c)).collect();
                let folded: String = match is_nfkc_quick(visible.chars()) {
                    IsNormalized::Yes => visible,
                    IsNormalized::No | IsNormalized::Maybe => {
                        let f = visible.nfkc().collect();
                        wipe(visible);
                        f
                    }
                };
                if folded.chars().any(is_invisible) {
                    let again = folded.chars().filter(|c| !is_invisible(*c)).collect();
                    wipe(folded);
                    again
                } else {
                    folded
                }
            }
        }
    }
}

/// A default-ignorable code point (Unicode's `Default_Ignorable_Code_Point`
/// property, DerivedCoreProperties.txt): drawn as nothing.
pub fn is_invisible(c: char) -> bool {
    matches!(
        u32::from(c),
        0x00AD
            | 0x034F
            | 0x061C
            | 0x115F..=0x1160
            | 0x17B4..=0x17B5
            | 0x180B..=0x180F
            | 0x200B..=0x200F
            | 0x202A..=0x202E
            | 0x2060..=0x206F
            | 0x3164
            | 0xFE00..=0xFE0F
            | 0xFEFF
            | 0xFFA0
            | 0xFFF0..=0xFFF8
            | 0x1BCA0..=0x1BCA3
            | 0x1D173..=0x1D17A
            | 0xE0000..=0xE0FFF
    )
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
    /// Normalises `input` to the default form (NFKC, invisible characters
    /// removed) without any policy rule, for a password that is not being
    /// chosen (one typed at login, or imported). Refuses, with
    /// `password.too_long_bytes`, an input over [`MAX_PASSWORD_BYTES`].
    pub fn new(input: &str) -> Result<NormalizedPassword, PasswordFailure> {
        if input.len() > MAX_PASSWORD_BYTES {
            return Err(PasswordFailure::too_long_bytes(
                input.len(),
                MAX_PASSWORD_BYTES,
            ));
        }
        Ok(NormalizedPassword::normalize(
            input,
            NormalizationForm::default(),
        ))
    }

    /// Normalises without a cap; callers apply theirs first (the portal
    /// caps a typed password by bytes before it gets here).
    pub fn normalize(input: &str, form: NormalizationForm) -> NormalizedPassword {
        NormalizedPassword {
            text: form.apply(input),
            form,
        }
    }

    /// The normalisation form, to store beside the hash.
    pub fn form(&self) -> NormalizationForm {
        self.form
    }

    /// The length in Unicode scalar values (code points): what the maximum
    /// length counts (NIST SP 800-63B-4 counts code points).
    pub fn char_count(&self) -> usize {
        self.text.chars().count()
    }

    /// The length in extended grapheme clusters (UAX #29): the characters a
    /// person sees, which the minimum length counts, so that one letter
    /// with fifteen combining marks is one character, not sixteen.
    pub fn grapheme_count(&self) -> usize {
        grapheme_count(&self.text)
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

/// The number of extended grapheme clusters in `text` (ASCII: its length).
pub(crate) fn grapheme_count(text: &str) -> usize {
    if text.is_ascii() {
        text.len()
    } else {
        text.graphemes(true).count()
    }
}
