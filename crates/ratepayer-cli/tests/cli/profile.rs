//! `ratepayer profile validate`.

use super::{profile, ratepayer, scratch, write};

#[test]
fn every_example_profile_is_valid() {
    for name in [
        "shelby",
        "medford",
        "gorod",
        "crow-wing",
        "cal-water",
        "chicago",
    ] {
        let run = ratepayer(&["profile", "validate", &profile(name)]);
        assert_eq!(run.code, 0, "{name}: {run:?}");
        assert!(run.stdout.contains("is valid"), "{name}: {}", run.stdout);
    }
}

#[test]
fn table_output() {
    let run = ratepayer(&["profile", "validate", &profile("shelby")]);
    assert_eq!(run.code, 0, "{run:?}");
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn json_output() {
    let run = ratepayer(&["--json", "profile", "validate", &profile("medford")]);
    assert_eq!(run.code, 0, "{run:?}");
    let v = run.json();
    assert_eq!(v["valid"], true);
    assert_eq!(v["id"], "medford");
    assert_eq!(v["tariffs"][0], "medford-water-residential");
}

#[test]
fn a_built_in_id_works_when_no_file_has_that_name() {
    let run = ratepayer(&["profile", "validate", "cal-water", "--json"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.json()["id"], "cal-water");
}

fn broken_profile() -> (std::path::PathBuf, String) {
    let dir = scratch("broken-profile");
    let text = std::fs::read_to_string(profile("shelby")).unwrap_or_default();
    let text = text
        .replacen(
            "time_zone = \"America/New_York\"",
            "time_zone = \"Mars/Olympus\"",
            1,
        )
        .replacen(
            "{ up_to = 6, rate = 5.30 }",
            "{ up_to = 1, rate = 5.30 }",
            1,
        );
    let path = write(&dir, "broken.toml", &text);
    (dir, path)
}

#[test]
fn every_problem_is_reported_at_once_with_exit_1() {
    let (_dir, path) = broken_profile();
    let run = ratepayer(&["profile", "validate", &path]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stdout.is_empty());
    assert!(run.stderr.contains("time_zone"), "{}", run.stderr);
    assert!(run.stderr.contains("Mars/Olympus"), "{}", run.stderr);
    assert!(
        run.stderr.contains("tariffs[0].versions[1]"),
        "{}",
        run.stderr
    );
    let message = run.stderr.replace(&path, "broken.toml");
    insta::assert_snapshot!(message);
}

#[test]
fn json_lists_every_problem() {
    let (_dir, path) = broken_profile();
    let run = ratepayer(&["profile", "validate", &path, "--json"]);
    assert_eq!(run.code, 1, "{run:?}");
    let v = run.json();
    assert_eq!(v["valid"], false);
    let problems = v["problems"].as_array().cloned().unwrap_or_default();
    assert!(problems.len() >= 2, "{problems:?}");
    assert!(problems
        .iter()
        .all(|p| p["path"].is_string() && p["message"].is_string()));
}

#[test]
fn unreadable_toml_and_missing_file() {
    let dir = scratch("bad-toml");
    let path = write(&dir, "bad.toml", "id = \"x\"\nname = [\n");
    let run = ratepayer(&["profile", "validate", &path]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("could not be read"), "{}", run.stderr);
    let run = ratepayer(&["profile", "validate", "/no/such/profile.toml"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("cannot read"), "{}", run.stderr);
}

/// Issue 16: the surcharge compliance check never ran, so a 9.5 % debit
/// surcharge in Connecticut validated. It is now refused (exit 1) naming
/// every rule it breaks; a rule the data cannot decide is a warning (exit 0).
#[test]
fn fee_compliance_runs_in_profile_validate() {
    let dir = scratch("ct-surcharge");
    let shelby = std::fs::read_to_string(profile("shelby")).unwrap_or_default();
    let ct = shelby.replacen("state = \"NC\"", "state = \"CT\"", 1).replacen(
        "[[fees.rules]]",
        "[[fees.rules]]\n  channels = [\"online\"]\n  methods = [\"debit_card\"]\n  fee = { model = \"percent\", percent = 9.5 }\n  kind = \"surcharge\"\n\n  [[fees.rules]]",
        1,
    );
    // Online debit is now priced twice: move the old online card rule to credit only.
    let ct = ct.replacen(
        "channels = [\"online\", \"mobile_app\", \"phone_agent\", \"automated_phone\"]\n  methods = [\"credit_card\", \"debit_card\"]",
        "channels = [\"online\", \"mobile_app\", \"phone_agent\", \"automated_phone\"]\n  methods = [\"credit_card\"]",
        1,
    );
    let path = write(&dir, "ct.toml", &ct);
    let run = ratepayer(&["profile", "validate", &path]);
    assert_eq!(run.code, 1, "{run:?}");
    for rule in [
        "surcharge-credit-only",
        "state-surcharge-ban",
        "surcharge-cap-visa",
        "surcharge-cap-mastercard",
    ] {
        assert!(run.stderr.contains(rule), "{rule}: {}", run.stderr);
    }
    insta::assert_snapshot!("ct_debit_surcharge", run.stderr.replace(&path, "ct.toml"));
    let run = ratepayer(&["profile", "validate", &path, "--json"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(run.json()["valid"], false);

    // A 2.5 % credit surcharge in New York: allowed, with warnings the data
    // cannot decide (the merchant's cost is not set; the total price must be posted).
    let ny = shelby.replacen("state = \"NC\"", "state = \"NY\"", 1).replacen(
        "[[fees.rules]]",
        "[[fees.rules]]\n  channels = [\"online\"]\n  methods = [\"credit_card\"]\n  fee = { model = \"percent\", percent = 2.5 }\n  kind = \"surcharge\"\n\n  [[fees.rules]]\n  channels = [\"online\"]\n  methods = [\"debit_card\"]\n  fee = { model = \"none\" }\n\n  [[fees.rules]]",
        1,
    );
    let ny = ny.replacen(
        "channels = [\"online\", \"mobile_app\", \"phone_agent\", \"automated_phone\"]\n  methods = [\"credit_card\", \"debit_card\"]",
        "channels = [\"mobile_app\", \"phone_agent\", \"automated_phone\"]\n  methods = [\"credit_card\", \"debit_card\"]",
        1,
    );
    let path = write(&dir, "ny.toml", &ny);
    let run = ratepayer(&["profile", "validate", &path, "--json"]);
    assert_eq!(run.code, 0, "{run:?}");
    let warnings = run.json()["warnings"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let rules: Vec<&str> = warnings.iter().filter_map(|w| w["rule"].as_str()).collect();
    assert!(rules.contains(&"state-surcharge-disclosure"), "{rules:?}");
    assert!(rules.contains(&"surcharge-at-most-cost"), "{rules:?}");
    assert!(warnings.iter().all(|w| w["severity"] == "warning"));
    let run = ratepayer(&["profile", "validate", &path]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.contains("fee compliance warning(s)"),
        "{}",
        run.stdout
    );
}
