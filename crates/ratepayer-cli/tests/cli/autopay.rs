//! `ratepayer autopay next`.

use super::{profile, ratepayer};

#[test]
fn on_due_date_rolls_back_from_a_holiday() {
    let run = ratepayer(&[
        "autopay",
        "next",
        "--calendar",
        "fed",
        "--due",
        "2025-07-04",
        "--rule",
        "on-due",
        "--roll",
        "preceding",
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    insta::assert_snapshot!(run.stdout);
    let run = ratepayer(&["autopay", "next", "--due", "2025-07-04", "--json"]);
    let v = run.json();
    assert_eq!(v["due"], "2025-07-04");
    assert_eq!(v["draft_date"], "2025-07-03");
}

#[test]
fn rules_and_rolls() {
    let cases: [(&[&str], &str); 5] = [
        (&["--due", "2025-07-07", "--rule", "before:3"], "2025-07-01"),
        (
            &[
                "--due",
                "2025-07-07",
                "--rule",
                "before-calendar:2",
                "--roll",
                "following",
            ],
            "2025-07-07",
        ),
        (
            &["--due", "2025-07-04", "--roll", "following"],
            "2025-07-07",
        ),
        (
            &[
                "--due",
                "2025-07-20",
                "--rule",
                "printed",
                "--printed",
                "2025-07-12",
            ],
            "2025-07-11",
        ),
        (
            &[
                "--due",
                "2025-08-20",
                "--bill-date",
                "2025-07-25",
                "--rule",
                "day:2",
            ],
            "2025-08-04",
        ),
    ];
    for (args, want) in cases {
        let mut all = vec!["autopay", "next", "--json"];
        all.extend_from_slice(args);
        let run = ratepayer(&all);
        assert_eq!(run.code, 0, "{args:?}: {run:?}");
        assert_eq!(run.json()["draft_date"], want, "{args:?}");
    }
}

#[test]
fn a_profile_option_gives_the_rule() {
    let run = ratepayer(&[
        "autopay",
        "next",
        "--calendar",
        &profile("shelby"),
        "--option",
        "Card AutoPay",
        "--due",
        "2025-07-04",
        "--json",
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    let v = run.json();
    assert_eq!(v["draft_date"], "2025-07-03");
    assert_eq!(v["rule"]["rule"], "on_due_date");
}

#[test]
fn domain_errors_exit_1() {
    let run = ratepayer(&[
        "autopay",
        "next",
        "--due",
        "2025-07-04",
        "--bill-date",
        "2025-07-10",
    ]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains("before its bill date"),
        "{}",
        run.stderr
    );
    let run = ratepayer(&[
        "autopay",
        "next",
        "--calendar",
        &profile("shelby"),
        "--option",
        "Pay by owl",
        "--due",
        "2025-07-04",
    ]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains("no AutoPay option `Pay by owl`"),
        "{}",
        run.stderr
    );
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &[
            "autopay",
            "next",
            "--due",
            "2025-07-04",
            "--rule",
            "sometime",
        ][..],
        &["autopay", "next", "--due", "04/07/2025"],
        &[
            "autopay",
            "next",
            "--due",
            "2025-07-04",
            "--roll",
            "sideways",
        ],
        &[
            "autopay",
            "next",
            "--due",
            "2025-07-04",
            "--rule",
            "printed",
        ],
        &["autopay", "next", "--due", "2025-07-04", "--rule", "day:2"],
        &[
            "autopay",
            "next",
            "--due",
            "2025-07-04",
            "--rule",
            "day:40",
            "--bill-date",
            "2025-07-01",
        ],
        &[
            "autopay",
            "next",
            "--due",
            "2025-07-04",
            "--option",
            "Card AutoPay",
        ],
        &["autopay", "next"],
    ] {
        let run = ratepayer(args);
        assert_eq!(run.code, 2, "{args:?}: {run:?}");
        assert!(!run.stderr.is_empty());
    }
}
