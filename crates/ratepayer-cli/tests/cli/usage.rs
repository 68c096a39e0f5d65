//! Usage errors (exit 2), help and version.

use super::ratepayer;

#[test]
fn unknown_commands_and_options_exit_2() {
    for args in [
        &[][..],
        &["bogus"],
        &["profile"],
        &["profile", "validate"],
        &["fee", "quote", "--frobnicate"],
        &["demo", "--frobnicate"],
        &["gen-customers"],
    ] {
        let run = ratepayer(args);
        assert_eq!(run.code, 2, "{args:?}: {run:?}");
        assert!(!run.stderr.is_empty(), "{args:?}");
        assert!(run.stdout.is_empty(), "{args:?}: {}", run.stdout);
    }
}

#[test]
fn help_lists_every_command_and_the_exit_codes() {
    let run = ratepayer(&["help"]);
    assert_eq!(run.code, 0, "{run:?}");
    for command in [
        "profile",
        "bill",
        "bill-run",
        "fee",
        "autopay",
        "calendar",
        "password",
        "demo",
        "Exit codes",
    ] {
        assert!(run.stdout.contains(command), "{command}: {}", run.stdout);
    }
    assert!(
        !run.stdout.contains("gen-customers"),
        "the generator is hidden"
    );
    for sub in [
        &["help", "profile", "validate"][..],
        &["help", "bill"],
        &["help", "fee", "quote"],
        &["help", "autopay", "next"],
        &["help", "calendar", "is-banking-day"],
        &["help", "calendar", "add-business-days"],
        &["help", "password", "check"],
    ] {
        let run = ratepayer(sub);
        assert_eq!(run.code, 0, "{sub:?}: {run:?}");
        assert!(run.stdout.contains("Usage: ratepayer"), "{sub:?}");
    }
    let run = ratepayer(&["--version"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.starts_with("ratepayer "), "{}", run.stdout);
}
