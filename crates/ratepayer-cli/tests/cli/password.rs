//! `ratepayer password check`: the password comes from stdin only.

use super::{profile, ratepayer, ratepayer_with_stdin};

#[test]
fn an_accepted_password_exits_0() {
    // (`correct horse battery staple` is a famous passphrase, so it is blocklisted.)
    let run = ratepayer_with_stdin(&["password", "check"], b"violet tractor amber whistles\n");
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("accepted"), "{}", run.stdout);
    let run = ratepayer_with_stdin(
        &["password", "check", "--json"],
        b"violet tractor amber whistles",
    );
    assert_eq!(run.code, 0, "{run:?}");
    let run = ratepayer_with_stdin(
        &["password", "check", "--json"],
        b"correct horse battery staple",
    );
    assert_eq!(run.code, 1, "a famous passphrase is refused: {run:?}");
    let run = ratepayer_with_stdin(
        &["password", "check", "--json"],
        b"violet tractor amber whistles",
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.json()["accepted"], true);
    assert_eq!(run.json()["failures"].as_array().map(Vec::len), Some(0));
}

#[test]
fn a_refused_password_exits_1_with_codes_and_messages() {
    let run = ratepayer_with_stdin(&["password", "check", "--policy", "nist"], b"Password1!\n");
    assert_eq!(run.code, 1, "{run:?}");
    insta::assert_snapshot!(run.stdout);
    assert!(!run.stdout.contains("Password1!") && !run.stderr.contains("Password1!"));
    let run = ratepayer_with_stdin(&["password", "check", "--json"], b"Password1!\n");
    assert_eq!(run.code, 1, "{run:?}");
    let v = run.json();
    assert_eq!(v["accepted"], false);
    let codes: Vec<String> = v["failures"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|f| f["code"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(codes, ["password.too_short", "password.blocklisted"]);
}

#[test]
fn policies_context_and_mfa() {
    let run = ratepayer_with_stdin(
        &["password", "check", "--policy", "legacy", "--json"],
        b"longenoughbutlower\n",
    );
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stdout.contains("password.missing_uppercase"),
        "{}",
        run.stdout
    );
    let run = ratepayer_with_stdin(
        &[
            "password",
            "check",
            "--policy",
            &profile("cal-water"),
            "--json",
        ],
        b"longenoughbutlower\n",
    );
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stdout.contains("password.missing_uppercase"),
        "{}",
        run.stdout
    );
    let run = ratepayer_with_stdin(
        &[
            "password",
            "check",
            "--json",
            "--context",
            "patdoe",
            "street=1234 Elm Street",
        ],
        b"my elm tree is patdoes favourite\n",
    );
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stdout.contains("your username"), "{}", run.stdout);
    let run = ratepayer_with_stdin(&["password", "check", "--mfa"], b"tiger lily 42\n");
    assert_eq!(run.code, 0, "{run:?}");
}

#[test]
fn no_password_or_bad_context_exits_1() {
    let run = ratepayer(&["password", "check"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains("no password on stdin"),
        "{}",
        run.stderr
    );
    let run = ratepayer_with_stdin(&["password", "check"], &[0xff, 0xfe, b'a']);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("not UTF-8"), "{}", run.stderr);
    let run = ratepayer_with_stdin(&["password", "check", "--context", "shoe=7"], b"x");
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("not a context field"), "{}", run.stderr);
}

#[test]
fn the_password_is_never_an_argument() {
    let run = ratepayer_with_stdin(&["password", "check", "hunter2hunter2hunter2"], b"");
    assert_eq!(run.code, 2, "{run:?}");
    let run = ratepayer(&["password", "check", "--policy"]);
    assert_eq!(run.code, 2, "{run:?}");
}
