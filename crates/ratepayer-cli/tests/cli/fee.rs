//! `ratepayer fee quote`.

use super::{profile, ratepayer};

fn quote(extra: &[&str]) -> super::Run {
    let shelby = profile("shelby");
    let mut args = vec!["fee", "quote", "--profile", &shelby];
    args.extend_from_slice(extra);
    ratepayer(&args)
}

#[test]
fn table_output() {
    let run = quote(&[
        "--channel",
        "online",
        "--method",
        "credit_card",
        "--amount",
        "123.45",
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn json_shape() {
    let run = quote(&[
        "--channel",
        "online",
        "--method",
        "credit_card",
        "--amount",
        "57.22",
        "--json",
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    let v = run.json();
    assert_eq!(v["amount"], "57.22");
    assert_eq!(v["fee"], "3.75");
    assert_eq!(v["total"], "60.97");
    let free = v["fee_free_alternatives"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        free.iter()
            .any(|o| o["channel"] == "mail" && o["method"] == "check"),
        "{free:?}"
    );
    assert!(v["disclosure"].as_str().is_some_and(|d| d.contains("3.75")));
}

#[test]
fn domain_errors_exit_1() {
    let run = quote(&[
        "--channel",
        "online",
        "--method",
        "cash",
        "--amount",
        "10.00",
    ]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains("cash is not accepted through online"),
        "{}",
        run.stderr
    );
    let run = quote(&[
        "--channel",
        "online",
        "--method",
        "credit_card",
        "--amount",
        "1,234.56",
    ]);
    assert_eq!(run.code, 1, "{run:?}");
    insta::assert_snapshot!("bad_amount", run.stderr);
    let run = quote(&[
        "--channel",
        "online",
        "--method",
        "credit_card",
        "--amount",
        "0",
    ]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("above zero"), "{}", run.stderr);
    let run = ratepayer(&[
        "fee",
        "quote",
        "--profile",
        "nowhere",
        "--channel",
        "online",
        "--method",
        "echeck",
        "--amount",
        "1",
    ]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains("not a built-in profile"),
        "{}",
        run.stderr
    );
}

#[test]
fn usage_errors_exit_2() {
    let run = quote(&[
        "--channel",
        "carrier_pigeon",
        "--method",
        "credit_card",
        "--amount",
        "1",
    ]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("is not a channel"), "{}", run.stderr);
    let run = quote(&["--channel", "online", "--amount", "1"]);
    assert_eq!(run.code, 2, "{run:?}");
}
