//! The verification-code rules a utility sets in its profile
//! (`[verification.codes]`): length, lifetimes by channel, failed tries and
//! resends, each bounded so no profile can make codes guessable.

use serde::{Deserialize, Serialize};

use super::CodeError;
use crate::tariff::Problem;
use crate::verification::contact::ContactKind;

/// The fewest digits of a code.
pub const MIN_CODE_LENGTH: u32 = 6;
/// The most digits of a code.
pub const MAX_CODE_LENGTH: u32 = 10;
/// The longest lifetime of a code sent by text message (1 hour).
pub const MAX_SMS_LIFETIME_MINUTES: u32 = 60;
/// The longest lifetime of a code sent by email (7 days).
pub const MAX_EMAIL_LIFETIME_MINUTES: u32 = 10_080;
/// The most failed tries a policy may allow per code chain.
pub const MAX_ATTEMPTS_LIMIT: u32 = 10;
/// The most resends a policy may allow per code chain.
pub const MAX_RESENDS_LIMIT: u32 = 10;
/// The longest lifetime of a sign-in code (the unrecognised-device
/// challenge), whatever the channel: 1 hour.
pub const MAX_SIGN_IN_LIFETIME_MINUTES: u32 = 60;
/// The most codes a policy may send to one contact in an hour.
pub const MAX_SENDS_PER_HOUR_LIMIT: u32 = 20;

/// A utility's verification-code rules (`[verification.codes]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CodePolicy {
    /// Digits per code: [`MIN_CODE_LENGTH`] to [`MAX_CODE_LENGTH`] (6).
    pub length: u32,
    /// Minutes a code sent by text message stays valid: 1 to
    /// [`MAX_SMS_LIFETIME_MINUTES`] (10).
    pub sms_lifetime_minutes: u32,
    /// Minutes a code sent by email stays valid: 1 to
    /// [`MAX_EMAIL_LIFETIME_MINUTES`] (1440, one day).
    pub email_lifetime_minutes: u32,
    /// Failed tries per chain before it locks: 1 to [`MAX_ATTEMPTS_LIMIT`] (5).
    pub max_attempts: u32,
    /// Resends per chain: 0 to [`MAX_RESENDS_LIMIT`] (3).
    pub max_resends: u32,
    /// Minutes a sign-in code (the unrecognised-device challenge) stays
    /// valid, by email or text: 1 to [`MAX_SIGN_IN_LIFETIME_MINUTES`] (10).
    pub sign_in_lifetime_minutes: u32,
    /// Codes sent to one contact (for one purpose) per hour, new codes and
    /// resends alike: 1 to [`MAX_SENDS_PER_HOUR_LIMIT`] (5). Stops SMS
    /// pumping and mail bombing through the portal.
    pub max_sends_per_hour: u32,
}

impl Default for CodePolicy {
    fn default() -> Self {
        CodePolicy {
            length: 6,
            sms_lifetime_minutes: 10,
            email_lifetime_minutes: 1440,
            max_attempts: 5,
            max_resends: 3,
            sign_in_lifetime_minutes: 10,
            max_sends_per_hour: 5,
        }
    }
}

impl CodePolicy {
    /// Every problem with the policy, each with its field; empty when valid.
    pub fn problems(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        let mut check = |path: &str, value: u32, min: u32, max: u32, what: &str| {
            if !(min..=max).contains(&value) {
                out.push(Problem {
                    path: path.into(),
                    message: format!("{value} is out of range; {what}, so use {min} to {max}"),
                });
            }
        };
        check(
            "length",
            self.length,
            MIN_CODE_LENGTH,
            MAX_CODE_LENGTH,
            "a code needs at least 6 digits to resist guessing and at most 10 to be typed",
        );
        check(
            "sms_lifetime_minutes",
            self.sms_lifetime_minutes,
            1,
            MAX_SMS_LIFETIME_MINUTES,
            "a texted code must expire soon after it arrives",
        );
        check(
            "email_lifetime_minutes",
            self.email_lifetime_minutes,
            1,
            MAX_EMAIL_LIFETIME_MINUTES,
            "an emailed code must expire within a week",
        );
        check(
            "max_attempts",
            self.max_attempts,
            1,
            MAX_ATTEMPTS_LIMIT,
            "a code must allow a typo but not a search",
        );
        check(
            "max_resends",
            self.max_resends,
            0,
            MAX_RESENDS_LIMIT,
            "resends must be limited",
        );
        check(
            "sign_in_lifetime_minutes",
            self.sign_in_lifetime_minutes,
            1,
            MAX_SIGN_IN_LIFETIME_MINUTES,
            "a sign-in code must expire within minutes",
        );
        check(
            "max_sends_per_hour",
            self.max_sends_per_hour,
            1,
            MAX_SENDS_PER_HOUR_LIMIT,
            "sends to one contact must be limited, or the portal can be used to flood a phone or mailbox",
        );
        out
    }

    /// Checks the policy, reporting every problem at once.
    pub fn validate(&self) -> Result<(), CodeError> {
        let problems = self.problems();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(CodeError::InvalidPolicy { problems })
        }
    }

    /// Minutes a code for `purpose` sent to a contact of `kind` stays
    /// valid: a sign-in code lives `sign_in_lifetime_minutes` whatever the
    /// channel; other codes by channel.
    pub fn lifetime_for(&self, purpose: super::Purpose, kind: ContactKind) -> u32 {
        match purpose {
            super::Purpose::DeviceChallenge => self.sign_in_lifetime_minutes,
            _ => self.lifetime_minutes(kind),
        }
    }

    /// Minutes a code sent to a contact of `kind` stays valid.
    pub fn lifetime_minutes(&self, kind: ContactKind) -> u32 {
        match kind {
            ContactKind::Email => self.email_lifetime_minutes,
            ContactKind::Sms => self.sms_lifetime_minutes,
        }
    }
}
