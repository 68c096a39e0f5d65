//! Unit tests of failed-draft decisions: each rule of [`super::next_action`],
//! history consistency, policy validation and return-code parsing.

use super::*;
use crate::calendar::Calendar;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn fed() -> Calendar {
    Calendar::fed()
}

fn ach(code: AchReturnCode) -> AttemptOutcome {
    AttemptOutcome::Failed(DraftFailure::AchReturn { code })
}

fn soft() -> AttemptOutcome {
    AttemptOutcome::Failed(DraftFailure::CardDecline { soft: true })
}

fn hard() -> AttemptOutcome {
    AttemptOutcome::Failed(DraftFailure::CardDecline { soft: false })
}

fn at(attempt: u32, date: &str, settled: Option<&str>, outcome: AttemptOutcome) -> Attempt {
    Attempt {
        attempt,
        date: d(date),
        settled: settled.map(d),
        outcome,
    }
}

fn decide(history: &[Attempt], policy: &RetryPolicy) -> FailureAction {
    next_action(history, policy, &fed(), false).unwrap()
}

fn retry_of(action: &FailureAction) -> (u32, NaiveDate) {
    match action {
        FailureAction::Retry { attempt, on, .. } => (*attempt, *on),
        other => panic!("expected a retry, got {other:?}"),
    }
}

fn suspend_of(action: &FailureAction) -> (SuspendReason, Notice) {
    match action {
        FailureAction::Suspend { reason, notify } => (*reason, notify.clone()),
        other => panic!("expected a suspension, got {other:?}"),
    }
}

#[test]
fn r01_is_re_presented_twice_then_suspended() {
    let policy = RetryPolicy::default();
    // Presented Monday 2 March 2026, settled Tuesday 3 March, returned R01:
    // re-presented two banking days after the settlement.
    let mut history = vec![at(
        0,
        "2026-03-02",
        Some("2026-03-03"),
        ach(AchReturnCode::R01),
    )];
    let first = decide(&history, &policy);
    assert_eq!(retry_of(&first), (1, d("2026-03-05")));
    let FailureAction::Retry { notify, .. } = &first else {
        unreachable!()
    };
    assert_eq!(notify.kind, NoticeKind::DraftFailedRetrying);
    assert_eq!(notify.date, d("2026-03-03"));
    assert!(notify.text.contains("March 2, 2026"), "{}", notify.text);
    assert!(notify.text.contains("March 5, 2026"), "{}", notify.text);
    assert!(notify.text.contains("not enough funds"), "{}", notify.text);

    history.push(at(
        1,
        "2026-03-05",
        Some("2026-03-06"),
        ach(AchReturnCode::R09),
    ));
    // Settled Friday 6 March: two banking days later is Tuesday 10 March.
    assert_eq!(retry_of(&decide(&history, &policy)), (2, d("2026-03-10")));

    history.push(at(
        2,
        "2026-03-10",
        Some("2026-03-11"),
        ach(AchReturnCode::R01),
    ));
    let last = decide(&history, &policy);
    let (reason, notify) = suspend_of(&last);
    assert_eq!(
        reason,
        SuspendReason::RetriesExhausted {
            failure: DraftFailure::AchReturn {
                code: AchReturnCode::R01
            },
            retries: 2
        }
    );
    assert_eq!(notify.kind, NoticeKind::AutopaySuspended);
    assert!(notify.text.contains("3 times"), "{}", notify.text);
    assert!(
        notify.text.contains("pay this bill another way"),
        "{}",
        notify.text
    );
}

#[test]
fn fewer_re_presentments_when_the_policy_says_so() {
    let policy = RetryPolicy {
        ach_max_representments: 0,
        ..RetryPolicy::default()
    };
    let history = [at(
        0,
        "2026-03-02",
        Some("2026-03-03"),
        ach(AchReturnCode::R01),
    )];
    let (reason, _) = suspend_of(&decide(&history, &policy));
    assert!(matches!(
        reason,
        SuspendReason::RetriesExhausted { retries: 0, .. }
    ));
}

#[test]
fn re_presentment_skips_bank_holidays() {
    // Settled Wednesday 25 November 2026; Thanksgiving is the 26th.
    let history = [at(
        0,
        "2026-11-24",
        Some("2026-11-25"),
        ach(AchReturnCode::R01),
    )];
    assert_eq!(
        retry_of(&decide(&history, &RetryPolicy::default())),
        (1, d("2026-11-30"))
    );
}

#[test]
fn re_presentment_after_day_180_suspends() {
    let policy = RetryPolicy::default();
    // The original settled Friday 2 January 2026: day 180 is Wednesday 1 July.
    let original = at(0, "2026-01-02", Some("2026-01-02"), ach(AchReturnCode::R01));
    // A re-presentment settled Monday 29 June re-presents on 1 July: allowed.
    let on_day_180 = [
        original,
        at(1, "2026-06-26", Some("2026-06-29"), ach(AchReturnCode::R01)),
    ];
    assert_eq!(
        retry_of(&decide(&on_day_180, &policy)),
        (2, d("2026-07-01"))
    );
    // Settled Tuesday 30 June, it would re-present on 2 July: day 181.
    let after = [
        original,
        at(1, "2026-06-26", Some("2026-06-30"), ach(AchReturnCode::R01)),
    ];
    let (reason, notify) = suspend_of(&decide(&after, &policy));
    assert_eq!(
        reason,
        SuspendReason::WindowClosed {
            code: AchReturnCode::R01,
            deadline: d("2026-07-01")
        }
    );
    assert!(notify.text.contains("too late"), "{}", notify.text);
    assert_eq!(notify.date, d("2026-06-30"));
}

#[test]
fn the_window_counts_from_the_presentment_when_the_original_never_settled() {
    let policy = RetryPolicy {
        ach_representment_window_days: 10,
        ..RetryPolicy::default()
    };
    // Presented Monday 2 March, no settlement date: the window ends 12 March.
    let history = [
        at(0, "2026-03-02", None, ach(AchReturnCode::R01)),
        at(1, "2026-03-09", Some("2026-03-10"), ach(AchReturnCode::R01)),
    ];
    // Two banking days after 10 March is 12 March: allowed.
    assert_eq!(retry_of(&decide(&history, &policy)), (2, d("2026-03-12")));
    let late = [
        at(0, "2026-03-02", None, ach(AchReturnCode::R01)),
        at(1, "2026-03-10", Some("2026-03-11"), ach(AchReturnCode::R01)),
    ];
    let (reason, _) = suspend_of(&decide(&late, &policy));
    assert_eq!(
        reason,
        SuspendReason::WindowClosed {
            code: AchReturnCode::R01,
            deadline: d("2026-03-12")
        }
    );
    // Without a settlement date on the returned entry, the delay counts from
    // its presentment.
    let unsettled = [at(0, "2026-03-02", None, ach(AchReturnCode::R09))];
    assert_eq!(retry_of(&decide(&unsettled, &policy)), (1, d("2026-03-04")));
}

#[test]
fn returns_that_may_not_be_re_presented_suspend_at_once() {
    for code in AchReturnCode::ALL {
        let history = [at(0, "2026-03-02", Some("2026-03-03"), ach(code))];
        let action = decide(&history, &RetryPolicy::default());
        if code.is_representable() {
            assert!(matches!(action, FailureAction::Retry { .. }), "{code}");
            continue;
        }
        let (reason, notify) = suspend_of(&action);
        assert_eq!(reason, SuspendReason::AchReturn { code });
        assert_eq!(notify.kind, NoticeKind::AutopaySuspended);
        assert!(notify.text.contains(code.description()), "{}", notify.text);
        let authorisation = matches!(
            code,
            AchReturnCode::R07 | AchReturnCode::R08 | AchReturnCode::R10 | AchReturnCode::R29
        );
        let fix = if authorisation {
            "set it up again and authorise the debits"
        } else {
            "update your bank account details"
        };
        assert!(notify.text.contains(fix), "{}", notify.text);
    }
    let r02 = [at(
        0,
        "2026-03-02",
        Some("2026-03-03"),
        ach(AchReturnCode::R02),
    )];
    let (_, notify) = suspend_of(&decide(&r02, &RetryPolicy::default()));
    assert!(
        notify.text.contains("the account is closed"),
        "{}",
        notify.text
    );
}

#[test]
fn soft_declines_follow_the_schedule_up_to_the_cap() {
    let capped = RetryPolicy {
        card_soft_decline_retry_days: vec![1, 3, 5],
        max_card_retries: 2,
        ..RetryPolicy::default()
    };
    assert_eq!(capped.card_retry_limit(), 2);
    // Declined Thursday 24 December 2026: one day later is Christmas, so the
    // retry rolls to Monday 28 December.
    let mut history = vec![at(0, "2026-12-24", None, soft())];
    let first = decide(&history, &capped);
    assert_eq!(retry_of(&first), (1, d("2026-12-28")));
    let FailureAction::Retry { notify, .. } = &first else {
        unreachable!()
    };
    assert_eq!(notify.date, d("2026-12-24"));
    assert!(notify
        .text
        .contains("try your card again on December 28, 2026"));

    history.push(at(1, "2026-12-28", None, soft()));
    assert_eq!(retry_of(&decide(&history, &capped)), (2, d("2026-12-31")));

    history.push(at(2, "2026-12-31", None, soft()));
    let (reason, notify) = suspend_of(&decide(&history, &capped));
    assert_eq!(
        reason,
        SuspendReason::RetriesExhausted {
            failure: DraftFailure::CardDecline { soft: true },
            retries: 2
        }
    );
    assert!(notify.text.contains("update your card"), "{}", notify.text);

    // A cap above the schedule's length: the schedule limits.
    let long_cap = RetryPolicy {
        max_card_retries: 10,
        ..capped
    };
    assert_eq!(long_cap.card_retry_limit(), 3);
    assert_eq!(retry_of(&decide(&history, &long_cap)), (3, d("2027-01-05")));
    history.push(at(3, "2027-01-05", None, soft()));
    assert!(matches!(
        suspend_of(&decide(&history, &long_cap)).0,
        SuspendReason::RetriesExhausted { retries: 3, .. }
    ));
}

#[test]
fn hard_declines_suspend() {
    let history = [
        at(0, "2026-12-24", None, soft()),
        at(1, "2026-12-28", None, hard()),
    ];
    let (reason, notify) = suspend_of(&decide(&history, &RetryPolicy::default()));
    assert_eq!(reason, SuspendReason::HardDecline);
    assert!(
        notify.text.contains("will not approve it"),
        "{}",
        notify.text
    );
    assert_eq!(notify.date, d("2026-12-28"));
}

#[test]
fn an_expired_card_suspends() {
    let history = [at(
        0,
        "2026-12-24",
        None,
        AttemptOutcome::Failed(DraftFailure::CardExpired),
    )];
    let (reason, notify) = suspend_of(&decide(&history, &RetryPolicy::default()));
    assert_eq!(reason, SuspendReason::CardExpired);
    assert!(notify.text.contains("expired"), "{}", notify.text);
}

#[test]
fn success_or_pending_is_done() {
    let policy = RetryPolicy::default();
    let paid = [
        at(0, "2026-03-02", Some("2026-03-03"), ach(AchReturnCode::R01)),
        at(
            1,
            "2026-03-05",
            Some("2026-03-06"),
            AttemptOutcome::Succeeded,
        ),
    ];
    assert_eq!(decide(&paid, &policy), FailureAction::Done);
    let pending = [at(0, "2026-03-02", None, AttemptOutcome::Pending)];
    assert_eq!(decide(&pending, &policy), FailureAction::Done);
}

#[test]
fn a_closed_account_drafts_its_final_bill_once() {
    let policy = RetryPolicy::default();
    let end = |history: &[Attempt]| match next_action(history, &policy, &fed(), true).unwrap() {
        FailureAction::End { notify } => notify,
        other => panic!("expected the end, got {other:?}"),
    };
    let failed = end(&[at(
        0,
        "2026-03-02",
        Some("2026-03-03"),
        ach(AchReturnCode::R01),
    )]);
    assert_eq!(failed.kind, NoticeKind::AutopayEnded);
    assert_eq!(failed.date, d("2026-03-03"));
    assert!(
        failed.text.contains("will not try it again"),
        "{}",
        failed.text
    );
    assert!(failed.text.contains("final bill"), "{}", failed.text);

    let soft_declined = end(&[at(0, "2026-03-02", None, soft())]);
    assert!(soft_declined
        .text
        .contains("pay the final bill another way"));

    let paid = end(&[at(
        0,
        "2026-03-02",
        Some("2026-03-04"),
        AttemptOutcome::Succeeded,
    )]);
    assert_eq!(paid.date, d("2026-03-04"));
    assert!(paid
        .text
        .contains("AutoPay paid your final bill on March 4, 2026"));

    let pending = end(&[at(0, "2026-03-02", None, AttemptOutcome::Pending)]);
    assert_eq!(pending.date, d("2026-03-02"));
    assert!(pending.text.contains("AutoPay has now ended"));

    // Even when the final bill was already retried before the account closed.
    let retried = end(&[
        at(0, "2026-03-02", None, soft()),
        at(1, "2026-03-03", None, soft()),
    ]);
    assert_eq!(retried.date, d("2026-03-03"));
}

#[test]
fn inconsistent_histories_are_refused() {
    let policy = RetryPolicy::default();
    let check = |history: &[Attempt]| next_action(history, &policy, &fed(), false).unwrap_err();
    assert_eq!(check(&[]), FailureError::EmptyHistory);
    assert_eq!(
        check(&[at(1, "2026-03-02", None, soft())]),
        FailureError::AttemptNumber {
            expected: 0,
            found: 1
        }
    );
    assert_eq!(
        check(&[
            at(0, "2026-03-02", None, soft()),
            at(2, "2026-03-03", None, soft())
        ]),
        FailureError::AttemptNumber {
            expected: 1,
            found: 2
        }
    );
    assert_eq!(
        check(&[
            at(0, "2026-03-05", None, soft()),
            at(1, "2026-03-03", None, soft())
        ]),
        FailureError::DateBeforePrevious {
            attempt: 1,
            date: d("2026-03-03"),
            previous_attempt: 0,
            previous: d("2026-03-05")
        }
    );
    assert_eq!(
        check(&[at(
            0,
            "2026-03-05",
            Some("2026-03-04"),
            ach(AchReturnCode::R01)
        )]),
        FailureError::SettledBeforePresented {
            attempt: 0,
            date: d("2026-03-05"),
            settled: d("2026-03-04")
        }
    );
    assert_eq!(
        check(&[
            at(0, "2026-03-02", None, AttemptOutcome::Pending),
            at(1, "2026-03-03", None, soft())
        ]),
        FailureError::PendingNotLast { attempt: 0 }
    );
    assert_eq!(
        check(&[
            at(0, "2026-03-02", None, AttemptOutcome::Succeeded),
            at(1, "2026-03-03", None, AttemptOutcome::Succeeded)
        ]),
        FailureError::AttemptAfterSuccess {
            attempt: 1,
            succeeded: 0
        }
    );
    assert_eq!(
        check(&[
            at(0, "2026-03-02", None, ach(AchReturnCode::R01)),
            at(1, "2026-03-05", None, soft())
        ]),
        FailureError::MixedMethods {
            attempt: 1,
            first: 0
        }
    );
    // Equal dates are fine (non-decreasing).
    assert!(check_history(&[
        at(0, "2026-03-02", None, soft()),
        at(1, "2026-03-02", None, AttemptOutcome::Pending)
    ])
    .is_ok());
    let message = check(&[]).to_string();
    assert!(message.contains("attempt 0"), "{message}");
}

#[test]
fn policy_validation_reports_every_problem() {
    assert_eq!(RetryPolicy::default().validate(), Ok(()));
    let bad = RetryPolicy {
        card_soft_decline_retry_days: vec![1, 0, 31],
        max_card_retries: 3,
        ach_max_representments: 3,
        ach_representment_window_days: 181,
        ach_representment_delay_business_days: 0,
    };
    let problems = bad.problems();
    let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "card_soft_decline_retry_days[1]",
            "card_soft_decline_retry_days[2]",
            "ach_max_representments",
            "ach_representment_window_days",
            "ach_representment_delay_business_days",
        ]
    );
    let err = bad.validate().unwrap_err();
    let message = err.to_string();
    assert!(message.contains("at most 2 times"), "{message}");
    assert!(message.contains("within 180 days"), "{message}");
    // next_action refuses an invalid policy.
    let history = [at(0, "2026-03-02", None, ach(AchReturnCode::R01))];
    assert!(matches!(
        next_action(&history, &bad, &fed(), false),
        Err(FailureError::InvalidPolicy { .. })
    ));
    // Exactly two re-presentments and 180 days are allowed.
    let edge = RetryPolicy {
        ach_max_representments: 2,
        ach_representment_window_days: 180,
        ..RetryPolicy::default()
    };
    assert!(edge.problems().is_empty());
}

#[test]
fn policy_from_toml_with_defaults() {
    let empty: RetryPolicy = toml::from_str("").unwrap();
    assert_eq!(empty, RetryPolicy::default());
    assert_eq!(empty.card_soft_decline_retry_days, vec![1, 3, 5]);
    assert_eq!(empty.max_card_retries, 3);
    assert_eq!(empty.ach_max_representments, 2);
    assert_eq!(empty.ach_representment_window_days, 180);
    assert_eq!(empty.ach_representment_delay_business_days, 2);
    let some: RetryPolicy =
        toml::from_str("card_soft_decline_retry_days = [2, 4]\nach_max_representments = 1\n")
            .unwrap();
    assert_eq!(some.card_soft_decline_retry_days, vec![2, 4]);
    assert_eq!(some.ach_max_representments, 1);
    assert_eq!(some.max_card_retries, 3);
    assert!(toml::from_str::<RetryPolicy>("max_retries = 2").is_err());
}

#[test]
fn return_codes_parse() {
    assert_eq!("R01".parse::<AchReturnCode>(), Ok(AchReturnCode::R01));
    assert_eq!(" r29 ".parse::<AchReturnCode>(), Ok(AchReturnCode::R29));
    for code in AchReturnCode::ALL {
        assert_eq!(code.to_string().parse::<AchReturnCode>(), Ok(code));
    }
    let err = "R05".parse::<AchReturnCode>().unwrap_err();
    assert_eq!(err, FailureError::UnknownReturnCode { code: "R05".into() });
    assert!(err.to_string().contains("use one of R01"), "{err}");
    assert!("".parse::<AchReturnCode>().is_err());
    let representable: Vec<AchReturnCode> = AchReturnCode::ALL
        .into_iter()
        .filter(|c| c.is_representable())
        .collect();
    assert_eq!(representable, [AchReturnCode::R01, AchReturnCode::R09]);
}

#[test]
fn history_round_trips_through_json() {
    let history = vec![
        at(0, "2026-03-02", Some("2026-03-03"), ach(AchReturnCode::R01)),
        at(1, "2026-03-05", None, AttemptOutcome::Pending),
    ];
    let json = serde_json::to_string(&history).unwrap();
    assert!(json.contains(r#""code":"R01""#), "{json}");
    let back: Vec<Attempt> = serde_json::from_str(&json).unwrap();
    assert_eq!(back, history);
    let bad = json.replace("R01", "R99");
    let err = serde_json::from_str::<Vec<Attempt>>(&bad).unwrap_err();
    assert!(err.to_string().contains("R99"), "{err}");
    let action = decide(&history[..1], &RetryPolicy::default());
    let json = serde_json::to_string(&action).unwrap();
    assert_eq!(
        serde_json::from_str::<FailureAction>(&json).unwrap(),
        action
    );
}
