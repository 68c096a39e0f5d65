//! Property tests of failed-draft decisions: following `next_action` from a
//! random first failure under a random policy, with random outcomes for each
//! retry, never exceeds the card or ACH retry limits, never retries a failure
//! that may not be retried, retries only on banking days after the previous
//! attempt, keeps ACH re-presentments in the window, and never retries a
//! closed account's final bill.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use chrono::{Days, NaiveDate};
use proptest::prelude::*;
use ratepayer::autopay::failures::{
    check_history, next_action, AchReturnCode, Attempt, AttemptOutcome, DraftFailure,
    FailureAction, FailureError, NoticeKind, RetryPolicy, SuspendReason,
};
use ratepayer::calendar::Calendar;

fn any_policy() -> impl Strategy<Value = RetryPolicy> {
    (
        prop::collection::vec(1u32..=30, 0..6),
        0u32..8,
        0u32..=2,
        0u32..=180,
        1u32..=30,
    )
        .prop_map(|(schedule, cap, ach_max, window, delay)| RetryPolicy {
            card_soft_decline_retry_days: schedule,
            max_card_retries: cap,
            ach_max_representments: ach_max,
            ach_representment_window_days: window,
            ach_representment_delay_business_days: delay,
        })
}

fn any_code() -> impl Strategy<Value = AchReturnCode> {
    prop_oneof![
        4 => Just(AchReturnCode::R01),
        2 => Just(AchReturnCode::R09),
        2 => prop::sample::select(AchReturnCode::ALL.to_vec()),
    ]
}

fn ach_outcome() -> impl Strategy<Value = AttemptOutcome> {
    prop_oneof![
        1 => Just(AttemptOutcome::Succeeded),
        1 => Just(AttemptOutcome::Pending),
        8 => any_code().prop_map(|code| AttemptOutcome::Failed(DraftFailure::AchReturn { code })),
    ]
}

fn card_outcome() -> impl Strategy<Value = AttemptOutcome> {
    prop_oneof![
        1 => Just(AttemptOutcome::Succeeded),
        1 => Just(AttemptOutcome::Pending),
        7 => Just(AttemptOutcome::Failed(DraftFailure::CardDecline { soft: true })),
        1 => Just(AttemptOutcome::Failed(DraftFailure::CardDecline { soft: false })),
        1 => Just(AttemptOutcome::Failed(DraftFailure::CardExpired)),
    ]
}

/// The outcomes of the original attempt and each retry, on one payment method.
fn any_outcomes() -> impl Strategy<Value = (bool, Vec<AttemptOutcome>)> {
    prop_oneof![
        prop::collection::vec(ach_outcome(), 1..8).prop_map(|o| (true, o)),
        prop::collection::vec(card_outcome(), 1..8).prop_map(|o| (false, o)),
    ]
}

fn any_start() -> impl Strategy<Value = NaiveDate> {
    (0u64..2555).prop_map(|days| NaiveDate::from_ymd_opt(2024, 1, 1).unwrap() + Days::new(days))
}

/// Calendar days from presentment to settlement of each attempt; `None` when unknown.
fn any_lags() -> impl Strategy<Value = Vec<Option<u64>>> {
    prop::collection::vec(prop::option::weighted(0.8, 0u64..4), 8)
}

fn settled(ach: bool, date: NaiveDate, lag: Option<u64>) -> Option<NaiveDate> {
    if ach {
        lag.map(|l| date + Days::new(l))
    } else {
        None
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn following_next_action_stays_within_the_rules(
        policy in any_policy(),
        (ach, outcomes) in any_outcomes(),
        start in any_start(),
        lags in any_lags(),
        closed in prop::bool::weighted(0.2),
    ) {
        let calendar = Calendar::fed();
        let mut history = vec![Attempt {
            attempt: 0,
            date: start,
            settled: settled(ach, start, lags[0]),
            outcome: outcomes[0],
        }];
        let card_limit = policy
            .max_card_retries
            .min(u32::try_from(policy.card_soft_decline_retry_days.len()).unwrap());
        let ach_limit = policy.ach_max_representments.min(2);
        let origin = history[0].settled.unwrap_or(history[0].date);
        let window_end = origin + Days::new(u64::from(policy.ach_representment_window_days));
        // At most 2 ACH re-presentments or 5 card retries, then a final decision.
        for _ in 0..10 {
            prop_assert!(check_history(&history).is_ok());
            let last = *history.last().unwrap();
            let action = next_action(&history, &policy, &calendar, closed).unwrap();
            match action {
                FailureAction::Retry { attempt, on, notify } => {
                    prop_assert!(!closed, "a closed account's final bill was retried");
                    let AttemptOutcome::Failed(failure) = last.outcome else {
                        panic!("retried after {:?}", last.outcome);
                    };
                    prop_assert!(failure.is_retryable(), "retried {:?}", failure);
                    prop_assert_eq!(attempt, last.attempt + 1);
                    prop_assert!(calendar.is_business_day(on), "{} is not a banking day", on);
                    prop_assert!(on > last.date, "retry on {} is not after {}", on, last.date);
                    if ach {
                        prop_assert!(attempt <= ach_limit);
                        prop_assert!(attempt <= 2, "more than two re-presentments");
                        prop_assert!(on <= window_end, "{} is after the window ({})", on, window_end);
                        prop_assert!(on > last.settled.unwrap_or(last.date));
                    } else {
                        prop_assert!(attempt <= card_limit, "{} card retries, limit {}", attempt, card_limit);
                    }
                    prop_assert_eq!(notify.kind, NoticeKind::DraftFailedRetrying);
                    prop_assert!(notify.date <= on);
                    prop_assert!(!notify.text.is_empty());
                    let i = usize::try_from(attempt).unwrap();
                    history.push(Attempt {
                        attempt,
                        date: on,
                        settled: settled(ach, on, lags.get(i).copied().flatten()),
                        outcome: outcomes.get(i).copied().unwrap_or(AttemptOutcome::Succeeded),
                    });
                }
                FailureAction::Suspend { reason, notify } => {
                    prop_assert!(!closed);
                    let AttemptOutcome::Failed(failure) = last.outcome else {
                        panic!("suspended after {:?}", last.outcome);
                    };
                    prop_assert_eq!(notify.kind, NoticeKind::AutopaySuspended);
                    prop_assert!(notify.date >= last.date);
                    match reason {
                        SuspendReason::RetriesExhausted { retries, failure: f } => {
                            prop_assert!(failure.is_retryable());
                            prop_assert_eq!(f, failure);
                            prop_assert_eq!(retries, last.attempt);
                            let limit = if ach { ach_limit } else { card_limit };
                            prop_assert!(retries >= limit);
                        }
                        SuspendReason::WindowClosed { deadline, .. } => {
                            prop_assert!(ach && failure.is_retryable());
                            prop_assert_eq!(deadline, window_end);
                            prop_assert!(last.attempt < ach_limit);
                        }
                        SuspendReason::HardDecline
                        | SuspendReason::CardExpired
                        | SuspendReason::AchReturn { .. } => {
                            prop_assert!(!failure.is_retryable());
                        }
                    }
                    break;
                }
                FailureAction::Done => {
                    prop_assert!(!closed);
                    prop_assert!(matches!(
                        last.outcome,
                        AttemptOutcome::Succeeded | AttemptOutcome::Pending
                    ));
                    break;
                }
                FailureAction::End { notify } => {
                    prop_assert!(closed);
                    prop_assert_eq!(history.len(), 1, "a closed account's final bill was retried");
                    prop_assert_eq!(notify.kind, NoticeKind::AutopayEnded);
                    break;
                }
            }
        }
        // The loop always reaches a final decision.
        let final_action = next_action(&history, &policy, &calendar, closed).unwrap();
        let still_retrying = matches!(final_action, FailureAction::Retry { .. });
        prop_assert!(!still_retrying, "still retrying after {} attempts", history.len());
    }

    #[test]
    fn more_than_two_re_presentments_is_refused(
        policy in any_policy(),
        extra in 3u32..100,
        start in any_start(),
    ) {
        let policy = RetryPolicy { ach_max_representments: extra, ..policy };
        let history = [Attempt {
            attempt: 0,
            date: start,
            settled: None,
            outcome: AttemptOutcome::Failed(DraftFailure::AchReturn { code: AchReturnCode::R01 }),
        }];
        let result = next_action(&history, &policy, &Calendar::fed(), false);
        prop_assert!(matches!(result, Err(FailureError::InvalidPolicy { .. })), "{:?}", result);
    }

    #[test]
    fn misnumbered_histories_are_refused(
        (ach, outcomes) in any_outcomes(),
        start in any_start(),
        skip in 1u32..4,
    ) {
        // Every attempt fails but the last, one day apart, one number skipped.
        let n = outcomes.len();
        let history: Vec<Attempt> = outcomes
            .iter()
            .enumerate()
            .map(|(i, _)| {
                let failure = if ach {
                    DraftFailure::AchReturn { code: AchReturnCode::R01 }
                } else {
                    DraftFailure::CardDecline { soft: true }
                };
                let number = u32::try_from(i).unwrap();
                Attempt {
                    attempt: if i + 1 == n { number + skip } else { number },
                    date: start + Days::new(i as u64),
                    settled: None,
                    outcome: AttemptOutcome::Failed(failure),
                }
            })
            .collect();
        let result = next_action(&history, &RetryPolicy::default(), &Calendar::fed(), false);
        prop_assert!(matches!(result, Err(FailureError::AttemptNumber { .. })), "{:?}", result);
    }
}
