//! The retry policy after failed drafts: the card soft-decline schedule and
//! its cap, and the ACH re-presentment limits (at most two, within 180 days).

use super::*;

use serde::{Deserialize, Serialize};

use crate::tariff::Problem;

/// How failed drafts are retried, as a profile's `[autopay]` section holds
/// it; every field may be left out, for example
///
/// ```toml
/// card_soft_decline_retry_days = [1, 3, 5]
/// max_card_retries = 2
/// ```
///
/// Defaults: card retries 1, 3 and 5 days after each decline (at most 3),
/// ACH re-presentments at most 2, within 180 days of the original
/// settlement, 2 banking days after a return.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RetryPolicy {
    /// Calendar days from a soft card decline to the next retry: the first
    /// entry after the original's decline, the second after the first
    /// retry's decline, and so on. Each is 1 to [`MAX_CARD_RETRY_GAP_DAYS`].
    pub card_soft_decline_retry_days: Vec<u32>,
    /// The most card retries; the retries made are at most
    /// `min(max_card_retries, card_soft_decline_retry_days.len())`.
    pub max_card_retries: u32,
    /// The most re-presentments of an R01/R09 return: 0 to
    /// [`NACHA_MAX_REPRESENTMENTS`] (2).
    pub ach_max_representments: u32,
    /// A re-presentment must go out at most this many calendar days after
    /// the original entry's settlement date: 0 to
    /// [`NACHA_REPRESENTMENT_WINDOW_DAYS`] (180).
    pub ach_representment_window_days: u32,
    /// Banking days from the returned entry's settlement to its
    /// re-presentment: 1 to [`MAX_ACH_DELAY_BUSINESS_DAYS`].
    pub ach_representment_delay_business_days: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            card_soft_decline_retry_days: vec![1, 3, 5],
            max_card_retries: 3,
            ach_max_representments: NACHA_MAX_REPRESENTMENTS,
            ach_representment_window_days: NACHA_REPRESENTMENT_WINDOW_DAYS,
            ach_representment_delay_business_days: 2,
        }
    }
}

impl RetryPolicy {
    /// Every problem with the policy, each with the field at fault; empty
    /// when the policy is valid.
    pub fn problems(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        let mut add = |path: String, message: String| out.push(Problem { path, message });
        for (i, days) in self.card_soft_decline_retry_days.iter().enumerate() {
            if !(1..=MAX_CARD_RETRY_GAP_DAYS).contains(days) {
                add(
                    format!("card_soft_decline_retry_days[{i}]"),
                    format!(
                        "{days} days is not a retry gap; retry 1 to {MAX_CARD_RETRY_GAP_DAYS} \
                         calendar days after the decline"
                    ),
                );
            }
        }
        if self.ach_max_representments > NACHA_MAX_REPRESENTMENTS {
            add(
                "ach_max_representments".into(),
                format!(
                    "{} re-presentments is more than NACHA allows; a returned entry may be \
                     re-presented at most {NACHA_MAX_REPRESENTMENTS} times, so use 0 to \
                     {NACHA_MAX_REPRESENTMENTS}",
                    self.ach_max_representments
                ),
            );
        }
        if self.ach_representment_window_days > NACHA_REPRESENTMENT_WINDOW_DAYS {
            add(
                "ach_representment_window_days".into(),
                format!(
                    "{} days is longer than NACHA allows; a returned entry must be re-presented \
                     within {NACHA_REPRESENTMENT_WINDOW_DAYS} days of the original settlement \
                     date, so use 0 to {NACHA_REPRESENTMENT_WINDOW_DAYS}",
                    self.ach_representment_window_days
                ),
            );
        }
        let delay = self.ach_representment_delay_business_days;
        if !(1..=MAX_ACH_DELAY_BUSINESS_DAYS).contains(&delay) {
            add(
                "ach_representment_delay_business_days".into(),
                format!(
                    "{delay} banking days is not a re-presentment delay; a re-presentment must \
                     follow the return, so use 1 to {MAX_ACH_DELAY_BUSINESS_DAYS}"
                ),
            );
        }
        out
    }

    /// Checks the policy, reporting every problem at once.
    pub fn validate(&self) -> Result<(), FailureError> {
        let problems = self.problems();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(FailureError::InvalidPolicy { problems })
        }
    }

    /// The most card retries actually made:
    /// `min(max_card_retries, card_soft_decline_retry_days.len())`.
    pub fn card_retry_limit(&self) -> u32 {
        let scheduled = u32::try_from(self.card_soft_decline_retry_days.len()).unwrap_or(u32::MAX);
        self.max_card_retries.min(scheduled)
    }

    /// The most ACH re-presentments actually made: `ach_max_representments`,
    /// never more than [`NACHA_MAX_REPRESENTMENTS`].
    pub fn ach_representment_limit(&self) -> u32 {
        self.ach_max_representments.min(NACHA_MAX_REPRESENTMENTS)
    }
}
