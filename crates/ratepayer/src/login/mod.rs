//! Login defences (issue "Registration verification, password policy and
//! credentials", items 8 and 9): failure throttling per login and per
//! utility account ([`throttle`]), remembered devices ([`device`]), the
//! challenge at login from an unrecognised device ([`challenge`]) and, in
//! the legacy preset only, security questions ([`question`]).
//!
//! Seed 004 (Cal Water): a security question is asked "only when you log in
//! from a computer the system does not recognise"; ticking "don't ask the
//! security questions on this computer" remembers it; another browser,
//! blocked cookies or private browsing forget it. Here the challenge is a
//! one-time code by default ([`ChallengeMethod::OneTimeCode`], sent with the
//! verification-code machinery under
//! [`Purpose::DeviceChallenge`](crate::verification::Purpose::DeviceChallenge));
//! security questions are weak (guessable, researchable answers) and are
//! accepted only in the [`LoginPreset::Legacy`] preset.
//!
//! Like [`crate::verification`], everything is a pure state machine over
//! serde records; secrets are stored only as keyed digests under a server
//! key held outside the database.

pub mod challenge;
pub mod device;
pub mod question;
pub mod session;
pub mod throttle;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::tariff::Problem;

pub use challenge::{pass_code_challenge, pass_question_challenge, ChallengePassed, DeviceCheck};
pub use device::{DeviceRecord, IssuedDeviceToken, PasswordChanged, Revocation, RevokeReason};
pub use question::{normalise_answer, SecurityAnswerRecord};
pub use session::{IssuedSessionToken, SessionPolicy, SessionRecord, SessionState};
pub use throttle::{Decision, FailureCounter, ThrottlePolicy};

/// The longest a device may stay remembered (1 year).
pub const MAX_REMEMBER_DEVICE_DAYS: u32 = 365;

/// Which family of login rules a utility follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LoginPreset {
    /// Current guidance (NIST SP 800-63B): no security questions.
    #[default]
    Modern,
    /// The rules of older portals such as Cal Water's (seed 004), security
    /// questions included.
    Legacy,
}

/// How a login from an unrecognised device is challenged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChallengeMethod {
    /// A one-time code sent to the login's email or phone.
    #[default]
    OneTimeCode,
    /// A security question (legacy preset only).
    SecurityQuestion,
}

/// A utility's login rules (its profile's `[login]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LoginPolicy {
    /// The family of rules.
    pub preset: LoginPreset,
    /// The challenge for an unrecognised device.
    pub challenge: ChallengeMethod,
    /// Days a device stays remembered after "don't ask again on this
    /// computer": 1 to [`MAX_REMEMBER_DEVICE_DAYS`] (30).
    pub remember_device_days: u32,
    /// Failure throttling.
    pub throttle: ThrottlePolicy,
    /// Whether a remembered device signs a login with an authenticator app
    /// in on its password alone. Off by default in every preset: a
    /// remembered-device cookie is not an authenticator (NIST SP 800-63B),
    /// so a login that enrolled a second factor is asked for it on every
    /// sign-in unless the utility opts in here.
    pub remembered_device_skips_mfa: bool,
    /// How long a signed-in session lasts.
    pub session: SessionPolicy,
}

impl Default for LoginPolicy {
    fn default() -> Self {
        LoginPolicy {
            preset: LoginPreset::Modern,
            challenge: ChallengeMethod::OneTimeCode,
            remember_device_days: 30,
            throttle: ThrottlePolicy::default(),
            remembered_device_skips_mfa: false,
            session: SessionPolicy::default(),
        }
    }
}

/// Why a login rule, challenge or device token failed. [`LoginError::code`]
/// gives a stable name.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum LoginError {
    /// The login settings break rules; every problem is listed.
    #[error("the login settings are not valid:\n{}", problems.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
    InvalidPolicy {
        /// Every problem, with its field.
        problems: Vec<Problem>,
    },
    /// A challenge answered by a method the utility does not use.
    #[error("this utility challenges unrecognised devices with {configured}; answer that challenge instead")]
    WrongChallengeMethod {
        /// The method the policy sets.
        configured: &'static str,
    },
    /// The security answer is not the one on file.
    #[error("the answer to the security question is not right; check it and try again")]
    WrongAnswer,
    /// A security answer with nothing in it.
    #[error("the answer to the security question is empty; type an answer")]
    EmptyAnswer,
    /// The answer on file belongs to another login.
    #[error("the security answer on file is for another login; look up this login's answer")]
    AnswerForAnotherLogin,
    /// The one-time code was refused.
    #[error(transparent)]
    Code(#[from] crate::verification::CodeError),
    /// The random generator failed; nothing was issued.
    #[error(transparent)]
    Random(#[from] crate::security::RandomError),
}

impl LoginError {
    /// A stable name: `invalid_policy`, `wrong_challenge_method`,
    /// `wrong_answer`, `empty_answer`, `answer_for_another_login`, `random`,
    /// or the code error's own name.
    pub fn code(&self) -> &'static str {
        match self {
            LoginError::InvalidPolicy { .. } => "invalid_policy",
            LoginError::WrongChallengeMethod { .. } => "wrong_challenge_method",
            LoginError::WrongAnswer => "wrong_answer",
            LoginError::EmptyAnswer => "empty_answer",
            LoginError::AnswerForAnotherLogin => "answer_for_another_login",
            LoginError::Code(e) => e.code(),
            LoginError::Random(_) => "random",
        }
    }
}

impl LoginPolicy {
    /// The legacy preset as Cal Water runs it: security questions at login
    /// from an unrecognised device.
    pub fn legacy() -> LoginPolicy {
        LoginPolicy {
            preset: LoginPreset::Legacy,
            challenge: ChallengeMethod::SecurityQuestion,
            ..LoginPolicy::default()
        }
    }

    /// The challenge actually used: security questions only when the policy
    /// both chooses them and is in the legacy preset, a one-time code
    /// otherwise (so even an unvalidated policy never falls back to
    /// questions outside the legacy preset).
    pub fn effective_challenge(&self) -> ChallengeMethod {
        match (self.preset, self.challenge) {
            (LoginPreset::Legacy, ChallengeMethod::SecurityQuestion) => {
                ChallengeMethod::SecurityQuestion
            }
            _ => ChallengeMethod::OneTimeCode,
        }
    }

    /// Every problem with the policy, each with its field; empty when valid.
    /// Security questions outside the legacy preset are refused.
    pub fn problems(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        if self.challenge == ChallengeMethod::SecurityQuestion && self.preset != LoginPreset::Legacy
        {
            out.push(Problem {
                path: "challenge".into(),
                message: "security questions are only allowed with preset = \"legacy\"; their \
                          answers are easy to guess or look up, so use \"one_time_code\" or set \
                          the legacy preset"
                    .into(),
            });
        }
        if !(1..=MAX_REMEMBER_DEVICE_DAYS).contains(&self.remember_device_days) {
            out.push(Problem {
                path: "remember_device_days".into(),
                message: format!(
                    "{} days is out of range; a remembered device must be asked again within \
                     a year, so use 1 to {MAX_REMEMBER_DEVICE_DAYS}",
                    self.remember_device_days
                ),
            });
        }
        out.extend(self.throttle.problems().into_iter().map(|p| Problem {
            path: format!("throttle.{}", p.path),
            message: p.message,
        }));
        out.extend(self.session.problems().into_iter().map(|p| Problem {
            path: format!("session.{}", p.path),
            message: p.message,
        }));
        out
    }

    /// Checks the policy, reporting every problem at once.
    pub fn validate(&self) -> Result<(), LoginError> {
        let problems = self.problems();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(LoginError::InvalidPolicy { problems })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_the_legacy_preset_are_valid() {
        assert!(LoginPolicy::default().validate().is_ok());
        assert_eq!(
            LoginPolicy::default().challenge,
            ChallengeMethod::OneTimeCode
        );
        assert!(LoginPolicy::legacy().validate().is_ok());
    }

    #[test]
    fn security_questions_outside_the_legacy_preset_are_refused() {
        let policy = LoginPolicy {
            challenge: ChallengeMethod::SecurityQuestion,
            ..LoginPolicy::default()
        };
        let err = policy.validate().unwrap_err();
        assert_eq!(err.code(), "invalid_policy");
        assert!(
            err.to_string().contains(
                "challenge: security questions are only allowed with preset = \"legacy\""
            ),
            "{err}"
        );
    }

    #[test]
    fn every_problem_is_reported_with_its_path() {
        let mut policy = LoginPolicy {
            remember_device_days: 0,
            ..LoginPolicy::legacy()
        };
        policy.throttle.lock_after_failures = 101;
        let paths: Vec<String> = policy.problems().into_iter().map(|p| p.path).collect();
        assert_eq!(
            paths,
            ["remember_device_days", "throttle.lock_after_failures"]
        );
    }

    #[test]
    fn policy_reads_from_toml() {
        let p: LoginPolicy =
            toml::from_str("preset = \"legacy\"\nchallenge = \"security_question\"\n[throttle]\nmax_delay_seconds = 60\n")
                .unwrap();
        assert_eq!(p.challenge, ChallengeMethod::SecurityQuestion);
        assert_eq!(p.throttle.max_delay_seconds, 60);
        assert_eq!(p.throttle.lock_after_failures, 100);
        assert!(toml::from_str::<LoginPolicy>("challenge = \"sms\"").is_err());
        assert!(!p.remembered_device_skips_mfa);
        let skip: LoginPolicy = toml::from_str("remembered_device_skips_mfa = true").unwrap();
        assert!(skip.remembered_device_skips_mfa);
        assert!(!LoginPolicy::legacy().remembered_device_skips_mfa);
    }
}
