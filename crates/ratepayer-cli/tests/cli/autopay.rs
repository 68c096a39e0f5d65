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
    let cases: [(&[&str], &str); 7] = [
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
        // Rolling following off the 4 July holiday would draft after the due
        // date: a draft is kept on or before it (issue 16).
        (
            &["--due", "2025-07-04", "--roll", "following"],
            "2025-07-03",
        ),
        // day:15 on a bill due the 10th drafts on the due date, not the 15th.
        (
            &[
                "--due",
                "2025-12-10",
                "--bill-date",
                "2025-11-20",
                "--rule",
                "day:15",
            ],
            "2025-12-10",
        ),
        // before:30 on a bill issued 1 December drafts on the bill date.
        (
            &[
                "--due",
                "2025-12-22",
                "--bill-date",
                "2025-12-01",
                "--rule",
                "before:30",
            ],
            "2025-12-01",
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

/// Issue 16: `--calendar gorod` quietly used the Federal Reserve's calendar.
/// An unknown name is refused listing the known ones; a built-in profile
/// without any banking calendar is refused; a profile's calendar is used.
#[test]
fn an_unknown_or_missing_calendar_is_refused_never_the_fed_in_its_place() {
    let run = ratepayer(&[
        "autopay",
        "next",
        "--calendar",
        "gorodd",
        "--due",
        "2025-07-04",
    ]);
    assert_eq!(run.code, 1, "{run:?}");
    insta::assert_snapshot!("unknown_calendar", run.stderr);
    let run = ratepayer(&[
        "autopay",
        "next",
        "--calendar",
        "gorod",
        "--due",
        "2025-07-04",
    ]);
    assert_eq!(run.code, 1, "{run:?}");
    insta::assert_snapshot!("profile_without_calendar", run.stderr);
    // A profile with an office calendar and no AutoPay: that calendar is used.
    let dir = super::scratch("gorod-calendar");
    let text = std::fs::read_to_string(profile("gorod")).unwrap_or_default()
        + "\n[calendar]\nname = \"Barnaul office\"\ndates = [{ date = 2025-07-03, name = \"Closed\" }]\n";
    let path = super::write(&dir, "gorod-office.toml", &text);
    let run = ratepayer(&[
        "autopay",
        "next",
        "--calendar",
        &path,
        "--due",
        "2025-07-04",
        "--json",
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    let v = run.json();
    assert_eq!(v["calendar"], "Barnaul office");
    // 4 July is no holiday in Barnaul, so the draft stays on it.
    assert_eq!(v["draft_date"], "2025-07-04");
}
