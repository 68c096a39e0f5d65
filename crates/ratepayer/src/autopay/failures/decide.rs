//! The decision after a failed draft: the history check and `next_action`,
//! with the notice each decision carries.

use super::*;

use chrono::{Days, NaiveDate};

use crate::calendar::{Calendar, Roll};

/// Checks that `history` can have happened (see the module documentation):
/// attempts numbered `0, 1, 2, ...` with non-decreasing dates, none settled
/// before presented, only the last pending, none after a success, and no
/// mix of card failures and ACH returns.
pub fn check_history(history: &[Attempt]) -> Result<(), FailureError> {
    if history.is_empty() {
        return Err(FailureError::EmptyHistory);
    }
    let mut previous: Option<&Attempt> = None;
    // The first failure: whether it is an ACH return, and its attempt.
    let mut method: Option<(bool, u32)> = None;
    for (i, a) in history.iter().enumerate() {
        let expected = u32::try_from(i).unwrap_or(u32::MAX);
        if a.attempt != expected {
            return Err(FailureError::AttemptNumber {
                expected,
                found: a.attempt,
            });
        }
        if let Some(settled) = a.settled {
            if settled < a.date {
                return Err(FailureError::SettledBeforePresented {
                    attempt: a.attempt,
                    date: a.date,
                    settled,
                });
            }
        }
        if let Some(p) = previous {
            match p.outcome {
                AttemptOutcome::Succeeded => {
                    return Err(FailureError::AttemptAfterSuccess {
                        attempt: a.attempt,
                        succeeded: p.attempt,
                    })
                }
                AttemptOutcome::Pending => {
                    return Err(FailureError::PendingNotLast { attempt: p.attempt })
                }
                AttemptOutcome::Failed(_) => {}
            }
            if a.date < p.date {
                return Err(FailureError::DateBeforePrevious {
                    attempt: a.attempt,
                    date: a.date,
                    previous_attempt: p.attempt,
                    previous: p.date,
                });
            }
        }
        if let AttemptOutcome::Failed(f) = a.outcome {
            match method {
                None => method = Some((f.is_ach(), a.attempt)),
                Some((ach, first)) if ach != f.is_ach() => {
                    return Err(FailureError::MixedMethods {
                        attempt: a.attempt,
                        first,
                    })
                }
                Some(_) => {}
            }
        }
        previous = Some(a);
    }
    Ok(())
}

/// A date as customers read it: "March 3, 2026".
fn long(date: NaiveDate) -> String {
    date.format("%B %-d, %Y").to_string()
}

/// The day a failure is known: the returned entry's settlement date (else
/// its presentment date) for an ACH return, the attempt's date for a card.
fn failed_on(a: &Attempt, failure: DraftFailure) -> NaiveDate {
    if failure.is_ach() {
        a.settled.unwrap_or(a.date)
    } else {
        a.date
    }
}

fn suspend(a: &Attempt, failure: DraftFailure, reason: SuspendReason) -> FailureAction {
    let date = failed_on(a, failure);
    let tried = a.attempt.saturating_add(1);
    let why = match reason {
        SuspendReason::RetriesExhausted { .. } => format!(
            "We have now tried your AutoPay payment {tried} {}, most recently on {}, and {}.",
            if tried == 1 { "time" } else { "times" },
            long(a.date),
            failure.what_happened()
        ),
        SuspendReason::WindowClosed { .. } => format!(
            "Your AutoPay payment presented on {} did not go through: {}. It is now too late \
             to present it to your bank again.",
            long(a.date),
            failure.what_happened()
        ),
        _ => format!(
            "Your AutoPay payment on {} did not go through: {}.",
            long(a.date),
            failure.what_happened()
        ),
    };
    let fix = match failure {
        DraftFailure::AchReturn {
            code: AchReturnCode::R07 | AchReturnCode::R08 | AchReturnCode::R10 | AchReturnCode::R29,
        } => "set it up again and authorise the debits, or choose another payment method",
        DraftFailure::AchReturn { .. } => {
            "update your bank account details or choose another payment method"
        }
        _ => "update your card or choose another payment method",
    };
    FailureAction::Suspend {
        reason,
        notify: Notice {
            bill_id: None,
            date,
            kind: NoticeKind::AutopaySuspended,
            text: format!(
                "{why} AutoPay is suspended and will not pay your bills until you {fix}. \
                 Please pay this bill another way, online or by phone, to avoid late fees."
            ),
        },
    }
}

fn retry(a: &Attempt, failure: DraftFailure, on: NaiveDate) -> FailureAction {
    let again = if failure.is_ach() {
        format!(
            "We will present it to your bank again on {}; please make sure the funds are in \
             your account by then.",
            long(on)
        )
    } else {
        format!(
            "We will try your card again on {}; you do not need to do anything if the card \
             can now be charged.",
            long(on)
        )
    };
    FailureAction::Retry {
        attempt: a.attempt.saturating_add(1),
        on,
        notify: Notice {
            bill_id: None,
            date: failed_on(a, failure),
            kind: NoticeKind::DraftFailedRetrying,
            text: format!(
                "Your AutoPay payment on {} did not go through: {}. {again}",
                long(a.date),
                failure.what_happened()
            ),
        },
    }
}

fn end(a: &Attempt) -> FailureAction {
    let closing = "Your account is closed, so AutoPay has now ended and no further payments \
                   will be drafted.";
    let (date, text) = match a.outcome {
        AttemptOutcome::Succeeded => {
            let paid = a.settled.unwrap_or(a.date);
            (
                paid,
                format!("AutoPay paid your final bill on {}. {closing}", long(paid)),
            )
        }
        AttemptOutcome::Pending => (
            a.date,
            format!(
                "Your final bill was sent for payment by AutoPay on {}. {closing} If this \
                 payment does not go through, please pay the final bill another way, online or \
                 by phone.",
                long(a.date)
            ),
        ),
        AttemptOutcome::Failed(f) => (
            failed_on(a, f),
            format!(
                "The AutoPay payment of your final bill on {} did not go through: {}. {closing} \
                 We will not try it again: please pay the final bill another way, online or by \
                 phone.",
                long(a.date),
                f.what_happened()
            ),
        ),
    };
    FailureAction::End {
        notify: Notice {
            bill_id: None,
            date,
            kind: NoticeKind::AutopayEnded,
            text,
        },
    }
}

/// What to do after the latest attempt in `history` (one draft's attempts,
/// oldest first), under `policy`, with retry dates on `calendar`'s banking
/// days; `account_closed` when the draft is a closed account's final bill.
/// See the module documentation for the rules.
///
/// Errors when the policy is not valid ([`RetryPolicy::validate`]), the
/// history is not consistent ([`check_history`]), or a date is out of range.
pub fn next_action(
    history: &[Attempt],
    policy: &RetryPolicy,
    calendar: &Calendar,
    account_closed: bool,
) -> Result<FailureAction, FailureError> {
    policy.validate()?;
    check_history(history)?;
    let (Some(first), Some(last)) = (history.first(), history.last()) else {
        return Err(FailureError::EmptyHistory);
    };
    if account_closed {
        return Ok(end(last));
    }
    let failure = match last.outcome {
        AttemptOutcome::Succeeded | AttemptOutcome::Pending => return Ok(FailureAction::Done),
        AttemptOutcome::Failed(f) => f,
    };
    let exhausted = || {
        suspend(
            last,
            failure,
            SuspendReason::RetriesExhausted {
                failure,
                retries: last.attempt,
            },
        )
    };
    match failure {
        DraftFailure::CardExpired => Ok(suspend(last, failure, SuspendReason::CardExpired)),
        DraftFailure::CardDecline { soft: false } => {
            Ok(suspend(last, failure, SuspendReason::HardDecline))
        }
        DraftFailure::AchReturn { code } if !code.is_representable() => {
            Ok(suspend(last, failure, SuspendReason::AchReturn { code }))
        }
        DraftFailure::CardDecline { soft: true } => {
            if last.attempt >= policy.card_retry_limit() {
                return Ok(exhausted());
            }
            let gap = usize::try_from(last.attempt)
                .ok()
                .and_then(|k| policy.card_soft_decline_retry_days.get(k));
            let Some(&gap) = gap else {
                return Ok(exhausted());
            };
            let due = last
                .date
                .checked_add_days(Days::new(u64::from(gap)))
                .ok_or_else(|| {
                    FailureError::OutOfRange(format!(
                        "{gap} days after the decline on {} is outside the supported dates",
                        last.date
                    ))
                })?;
            let on = calendar.roll(due, Roll::Following)?;
            Ok(retry(last, failure, on))
        }
        DraftFailure::AchReturn { code } => {
            if last.attempt >= policy.ach_representment_limit() {
                return Ok(exhausted());
            }
            let delay = policy.ach_representment_delay_business_days;
            let delay_days = i32::try_from(delay).map_err(|_| {
                FailureError::OutOfRange(format!("{delay} banking days is too long a delay"))
            })?;
            let on = calendar.add_business_days(failed_on(last, failure), delay_days)?;
            let origin = first.settled.unwrap_or(first.date);
            let window = policy.ach_representment_window_days;
            let deadline = origin
                .checked_add_days(Days::new(u64::from(window)))
                .ok_or_else(|| {
                    FailureError::OutOfRange(format!(
                        "{window} days after the original settlement on {origin} is outside \
                         the supported dates"
                    ))
                })?;
            if on > deadline {
                return Ok(suspend(
                    last,
                    failure,
                    SuspendReason::WindowClosed { code, deadline },
                ));
            }
            Ok(retry(last, failure, on))
        }
    }
}
