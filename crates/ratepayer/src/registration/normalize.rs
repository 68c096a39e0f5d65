//! Normalisation of the fields a customer types to prove an account is
//! theirs, so that a match does not depend on case, spaces, hyphens, leading
//! zeros, ZIP+4 or diacritics: `"  O'Brien-Núñez "` and `"obrien nunez"` are
//! the same name; `"97501-1234"` and `"97501"` the same ZIP.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// The longest text accepted in any registration field.
pub const MAX_FIELD_CHARS: usize = 200;

/// Why a field could not be normalised.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldError {
    /// Nothing was typed.
    #[error("is empty")]
    Empty,
    /// Longer than any real value.
    #[error("is longer than {MAX_FIELD_CHARS} characters")]
    TooLong,
    /// A character that does not belong.
    #[error("must contain only digits (spaces and hyphens are ignored)")]
    NotDigits,
    /// The wrong number of digits.
    #[error("must have {expected} digits")]
    WrongLength {
        /// What the field needs.
        expected: &'static str,
    },
}

fn check_len(input: &str) -> Result<&str, FieldError> {
    let t = input.trim();
    if t.is_empty() {
        return Err(FieldError::Empty);
    }
    if t.chars().count() > MAX_FIELD_CHARS {
        return Err(FieldError::TooLong);
    }
    Ok(t)
}

/// Digits only, spaces and hyphens ignored, leading zeros dropped (`"000123"`
/// and `"123"` are the same customer number). All zeros is `"0"`.
pub fn number(input: &str) -> Result<String, FieldError> {
    let t = check_len(input)?;
    let mut digits = String::new();
    for c in t.chars() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '-' | '\u{a0}' => {}
            _ => return Err(FieldError::NotDigits),
        }
    }
    if digits.is_empty() {
        return Err(FieldError::NotDigits);
    }
    let trimmed = digits.trim_start_matches('0');
    Ok(if trimmed.is_empty() {
        "0".into()
    } else {
        trimmed.into()
    })
}

/// A US ZIP code: five digits, or ZIP+4 (`97501-1234`, `975011234`); the
/// five-digit part is what is compared.
pub fn zip(input: &str) -> Result<String, FieldError> {
    let t = check_len(input)?;
    let digits: String = t.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    if !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(FieldError::NotDigits);
    }
    match digits.len() {
        5 | 9 => Ok(digits.chars().take(5).collect()),
        _ => Err(FieldError::WrongLength {
            expected: "5 (or ZIP+4, 9)",
        }),
    }
}

/// A US employer identification number or SSN-style tax ID: nine digits,
/// hyphens and spaces ignored.
pub fn tax_id(input: &str) -> Result<String, FieldError> {
    let t = check_len(input)?;
    let digits: String = t.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    if !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(FieldError::NotDigits);
    }
    if digits.len() != 9 {
        return Err(FieldError::WrongLength { expected: "9" });
    }
    Ok(digits)
}

/// A person's or business's name: diacritics removed, lower case,
/// apostrophes and periods dropped, hyphens and runs of spaces made one space.
pub fn name(input: &str) -> Result<String, FieldError> {
    let t = check_len(input)?;
    let mut out = String::with_capacity(t.len());
    let mut space = false;
    for c in t.nfkd().filter(|c| !is_combining_mark(*c)) {
        if c.is_alphanumeric() {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.extend(c.to_lowercase());
        } else if c.is_whitespace() || c == '-' || c == '&' || c == ',' {
            space = true;
        }
        // Apostrophes, periods and other punctuation are dropped.
    }
    if out.is_empty() {
        return Err(FieldError::Empty);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_ignore_spaces_hyphens_and_leading_zeros() {
        assert_eq!(number(" 000-123 45 "), Ok("12345".into()));
        assert_eq!(number("000"), Ok("0".into()));
        assert_eq!(number("12a"), Err(FieldError::NotDigits));
        assert_eq!(number("  "), Err(FieldError::Empty));
    }

    #[test]
    fn zip_plus_four_compares_on_five_digits() {
        assert_eq!(zip("97501-1234"), Ok("97501".into()));
        assert_eq!(zip("975011234"), Ok("97501".into()));
        assert_eq!(zip(" 97501 "), Ok("97501".into()));
        assert!(zip("9750").is_err());
        assert!(zip("ABCDE").is_err());
    }

    #[test]
    fn names_fold_case_diacritics_and_punctuation() {
        assert_eq!(name("  O'Brien-Núñez "), Ok("obrien nunez".into()));
        assert_eq!(name("OBRIEN NUNEZ"), Ok("obrien nunez".into()));
        assert_eq!(name("Ace Plumbing, Inc."), Ok("ace plumbing inc".into()));
        assert_eq!(name("Zoë  Müller"), name("zoe muller"));
        assert_eq!(name("...."), Err(FieldError::Empty));
    }

    #[test]
    fn tax_ids_are_nine_digits() {
        assert_eq!(tax_id("12-3456789"), Ok("123456789".into()));
        assert!(tax_id("12-345678").is_err());
    }
}
