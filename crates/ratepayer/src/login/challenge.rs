//! The challenge at login from an unrecognised device (seed 004): whether to
//! challenge ([`check_device`]), how (the policy's
//! [`effective_challenge`](super::LoginPolicy::effective_challenge)), and
//! the proof that the challenge was passed ([`ChallengePassed`]), which
//! "don't ask again on this computer" needs to remember the device
//! ([`super::device::remember`]).
//!
//! The flow, after the password was accepted:
//!
//! 1. [`check_device`] with the cookie's token, if any. No token (private
//!    browsing, blocked cookies, another browser), no record, another
//!    login's record, an expired or revoked record: challenge.
//! 2. One-time code (default): [`start_code_challenge`] sends a code with
//!    purpose [`Purpose::DeviceChallenge`] to the login's email or phone;
//!    [`pass_code_challenge`] checks it with all the rules of
//!    [`crate::verification::code`] (expiry, single use, attempts, lock).
//!    Legacy preset with security questions: [`pass_question_challenge`]; a
//!    wrong answer should be counted with
//!    [`super::throttle::record_login_failure`].
//! 3. If the box was ticked, [`super::device::remember`].

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::device::{recognises, DeviceRecord};
use super::question::SecurityAnswerRecord;
use super::{ChallengeMethod, LoginError, LoginPolicy};
use crate::security::RandomSource;
use crate::verification::code::{self, CodePolicy, CodeRecord, IssuedCode, Purpose};
use crate::verification::Contact;

/// Whether a login needs the device challenge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "device", rename_all = "snake_case")]
pub enum DeviceCheck {
    /// A remembered device: no challenge.
    Recognised,
    /// Challenge with this method.
    Challenge {
        /// How.
        method: ChallengeMethod,
    },
}

/// Proof that `login` passed the device challenge. Made only by
/// [`pass_code_challenge`] and [`pass_question_challenge`]; it cannot be
/// deserialised or built elsewhere.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChallengePassed {
    login: String,
    method: ChallengeMethod,
    at: DateTime<Utc>,
}

impl ChallengePassed {
    /// The login that passed.
    pub fn login(&self) -> &str {
        &self.login
    }
    /// How.
    pub fn method(&self) -> ChallengeMethod {
        self.method
    }
    /// When.
    pub fn at(&self) -> DateTime<Utc> {
        self.at
    }
}

impl ChallengePassed {
    /// Proof that `login` passed a second factor at sign-in (an
    /// authenticator or recovery code, both one-time codes), which "don't
    /// ask again on this computer" may then remember like a passed device
    /// challenge. For the portal service (`ratepayer-portal`), which makes
    /// one only after checking the factor against the login's records; a
    /// caller that makes one without that check defeats the challenge.
    pub fn second_factor(login: &str, at: DateTime<Utc>) -> ChallengePassed {
        ChallengePassed {
            login: login.to_owned(),
            method: ChallengeMethod::OneTimeCode,
            at,
        }
    }
}

/// Whether `login`, presenting the device token `presented` (`None` when
/// the browser sent no cookie) and whose record the storage layer found by
/// [`super::device::lookup_key`] (`None` when none), must be challenged.
pub fn check_device(
    policy: &LoginPolicy,
    login: &str,
    presented: Option<&str>,
    record: Option<&DeviceRecord>,
    now: DateTime<Utc>,
    key: &[u8],
) -> DeviceCheck {
    match (presented, record) {
        (Some(token), Some(record)) if recognises(record, login, token, now, key) => {
            DeviceCheck::Recognised
        }
        _ => DeviceCheck::Challenge {
            method: policy.effective_challenge(),
        },
    }
}

/// Sends a device-challenge code to `contact` (the login's email or phone
/// on file).
pub fn start_code_challenge(
    contact: &Contact,
    codes: &CodePolicy,
    rng: &mut dyn RandomSource,
    now: DateTime<Utc>,
    key: &[u8],
) -> Result<(IssuedCode, CodeRecord), LoginError> {
    Ok(code::issue(
        Purpose::DeviceChallenge,
        contact,
        codes,
        rng,
        now,
        key,
    )?)
}

/// Checks the device-challenge code `candidate` that `login` typed, sent to
/// `contact`. A one-time code is accepted whatever the configured method:
/// it is never weaker than a security question.
pub fn pass_code_challenge(
    login: &str,
    record: &mut CodeRecord,
    contact: &Contact,
    candidate: &str,
    now: DateTime<Utc>,
    key: &[u8],
) -> Result<ChallengePassed, LoginError> {
    code::verify(
        record,
        Purpose::DeviceChallenge,
        contact,
        candidate,
        now,
        key,
    )?;
    Ok(ChallengePassed {
        login: login.to_owned(),
        method: ChallengeMethod::OneTimeCode,
        at: now,
    })
}

/// Checks `login`'s answer to its security question; refused unless the
/// policy is the legacy preset with security questions.
pub fn pass_question_challenge(
    policy: &LoginPolicy,
    record: &SecurityAnswerRecord,
    login: &str,
    answer: &str,
    now: DateTime<Utc>,
    key: &[u8],
) -> Result<ChallengePassed, LoginError> {
    if policy.effective_challenge() != ChallengeMethod::SecurityQuestion {
        return Err(LoginError::WrongChallengeMethod {
            configured: "a one-time code",
        });
    }
    record.check(login, answer, key)?;
    Ok(ChallengePassed {
        login: login.to_owned(),
        method: ChallengeMethod::SecurityQuestion,
        at: now,
    })
}

#[cfg(test)]
#[path = "challenge_tests.rs"]
mod tests;
