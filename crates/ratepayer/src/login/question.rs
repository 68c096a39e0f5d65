//! Security questions, for the legacy preset only (seed 004, Cal Water).
//! Answers are stored only as a keyed digest of the normalised answer
//! (Unicode NFKC, case-folded, trimmed, runs of white space collapsed to
//! one space), bound to the login, and compared in constant time; so
//! `"  Fluffy   McFluff "` and `"fluffy mcfluff"` are the same answer.
//!
//! A security answer is not an authenticator under NIST SP 800-63B
//! (knowledge-based answers can be guessed or looked up): the NIST preset
//! never asks one, and a second factor there is an authenticator app
//! ([`crate::mfa`]).
//!
//! Answers are low-entropy: the keyed digest protects them only while the
//! server key stays out of the database, and wrong answers must be throttled
//! ([`super::throttle::record_login_failure`]).

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

use super::LoginError;
use crate::verification::{digest_hex, digest_matches, REDACTED};

const LABEL: &str = "ratepayer/security-answer/v1";

/// An answer as compared: NFKC, case-folded (lower case, with the full
/// foldings lower-casing misses: `ß` and `ẞ` to `ss`, final `ς` to `σ`),
/// NFKC again (lower-casing can leave a decomposed sequence), trimmed, white
/// space collapsed.
pub fn normalise_answer(answer: &str) -> String {
    let lower = answer.nfkc().collect::<String>().to_lowercase();
    let mut folded = String::with_capacity(lower.len());
    for c in lower.chars() {
        match c {
            'ß' => folded.push_str("ss"),
            'ς' => folded.push('σ'),
            other => folded.push(other),
        }
    }
    let folded: String = folded.nfkc().collect();
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A login's security question and the digest of its answer. `Debug`
/// redacts the digest.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecurityAnswerRecord {
    login: String,
    question: String,
    digest: String,
    set_at: DateTime<Utc>,
}

impl fmt::Debug for SecurityAnswerRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecurityAnswerRecord")
            .field("login", &self.login)
            .field("question", &self.question)
            .field("digest", &REDACTED)
            .field("set_at", &self.set_at)
            .finish()
    }
}

impl SecurityAnswerRecord {
    /// Records `login`'s answer to `question`; refuses an empty answer.
    pub fn new(
        login: &str,
        question: &str,
        answer: &str,
        now: DateTime<Utc>,
        key: &[u8],
    ) -> Result<SecurityAnswerRecord, LoginError> {
        let normal = normalise_answer(answer);
        if normal.is_empty() {
            return Err(LoginError::EmptyAnswer);
        }
        Ok(SecurityAnswerRecord {
            login: login.to_owned(),
            question: question.trim().to_owned(),
            digest: digest_hex(key, LABEL, &[login.as_bytes(), normal.as_bytes()]),
            set_at: now,
        })
    }

    /// The login.
    pub fn login(&self) -> &str {
        &self.login
    }
    /// The question to show.
    pub fn question(&self) -> &str {
        &self.question
    }
    /// When the answer was set.
    pub fn set_at(&self) -> DateTime<Utc> {
        self.set_at
    }

    /// Checks `login`'s `answer`, normalised, against the digest in
    /// constant time.
    pub fn check(&self, login: &str, answer: &str, key: &[u8]) -> Result<(), LoginError> {
        if self.login != login {
            return Err(LoginError::AnswerForAnotherLogin);
        }
        let normal = normalise_answer(answer);
        let parts: [&[u8]; 2] = [login.as_bytes(), normal.as_bytes()];
        if digest_matches(key, LABEL, &parts, &self.digest) {
            Ok(())
        } else {
            Err(LoginError::WrongAnswer)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        "2025-10-01T12:00:00Z".parse().unwrap()
    }

    #[test]
    fn answers_are_trimmed_case_folded_and_spaces_collapsed() {
        assert_eq!(
            normalise_answer("  Fluffy \t  McFLUFF \n"),
            "fluffy mcfluff"
        );
        assert_eq!(normalise_answer("Ｆｌｕｆｆｙ"), "fluffy");
        assert_eq!(normalise_answer("Cafe\u{301}"), normalise_answer("CAFÉ"));
        assert_eq!(normalise_answer("Straße"), normalise_answer("STRASSE"));
        assert_eq!(normalise_answer("ẞ"), "ss");
        assert_eq!(normalise_answer("ΟΔΟΣ"), normalise_answer("οδος"));
    }

    #[test]
    fn the_answer_is_stored_as_a_digest_and_checked_after_normalising() {
        let rec =
            SecurityAnswerRecord::new("ann", "First pet?", "Fluffy McFluff", now(), b"k").unwrap();
        let json = serde_json::to_string(&rec).unwrap();
        assert!(!json.to_lowercase().contains("fluffy"), "{json}");
        assert!(!format!("{rec:?}").contains(&rec.digest));
        assert!(rec.check("ann", "  fluffy   mcfluff", b"k").is_ok());
        assert_eq!(
            rec.check("ann", "fluffy", b"k"),
            Err(LoginError::WrongAnswer)
        );
        assert_eq!(
            rec.check("ann", "Fluffy McFluff", b"other key"),
            Err(LoginError::WrongAnswer)
        );
        assert_eq!(
            rec.check("bob", "Fluffy McFluff", b"k"),
            Err(LoginError::AnswerForAnotherLogin)
        );
    }

    #[test]
    fn empty_answers_are_refused() {
        let err = SecurityAnswerRecord::new("ann", "Q?", " \t ", now(), b"k").unwrap_err();
        assert_eq!(err.code(), "empty_answer");
    }
}
