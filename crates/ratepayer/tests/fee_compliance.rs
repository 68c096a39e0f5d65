//! The compliance check of fee schedules: for every rule, a schedule that
//! passes and one that fails with that rule's finding. Network caps and state
//! bans come from dated data, so the same schedule can pass on one day and
//! fail on another.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use ratepayer::fees::{check_compliance, CardRules, FeeScheduleSpec, Severity};

/// A customary, fee-free way to pay, present in every schedule below unless noted.
const FREE_MAIL: &str = r#"
[[rules]]
channels = ["mail", "in_person"]
methods = ["check"]
fee = { model = "none" }
"#;

fn errors(extra: &str, day: &str) -> Vec<&'static str> {
    let text = format!("{extra}\n{FREE_MAIL}");
    let spec = FeeScheduleSpec::from_toml(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    check_compliance(&spec, &CardRules::builtin().unwrap(), date(day))
        .into_iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| f.rule)
        .collect()
}

fn warnings(extra: &str, day: &str) -> Vec<&'static str> {
    let text = format!("{extra}\n{FREE_MAIL}");
    let spec = FeeScheduleSpec::from_toml(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    check_compliance(&spec, &CardRules::builtin().unwrap(), date(day))
        .into_iter()
        .filter(|f| f.severity == Severity::Warning)
        .map(|f| f.rule)
        .collect()
}

fn findings(extra: &str, with_free_mail: bool, day: &str) -> Vec<&'static str> {
    let text = if with_free_mail {
        format!("{extra}\n{FREE_MAIL}")
    } else {
        extra.to_string()
    };
    let spec = FeeScheduleSpec::from_toml(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let mut rules: Vec<&'static str> =
        check_compliance(&spec, &CardRules::builtin().unwrap(), date(day))
            .into_iter()
            .map(|f| f.rule)
            .collect();
    rules.dedup();
    rules
}

/// No error (warnings, for what the data cannot decide, are allowed).
fn passes(extra: &str) {
    assert_eq!(errors(extra, "2026-11-22"), Vec::<&str>::new(), "{extra}");
}

fn fails(extra: &str, rule: &str) {
    let got = findings(extra, true, "2026-11-22");
    assert!(
        got.contains(&rule),
        "expected {rule}, got {got:?} for\n{extra}"
    );
}

const CARD_ONLINE_FLAT: &str = r#"
[[rules]]
channels = ["online"]
methods = ["credit_card", "debit_card"]
fee = { model = "flat", amount = 3.75 }
"#;

#[test]
fn card_convenience_fee_must_be_flat() {
    passes(CARD_ONLINE_FLAT);
    fails(
        &CARD_ONLINE_FLAT.replace(
            r#"{ model = "flat", amount = 3.75 }"#,
            r#"{ model = "percent", percent = 2.5 }"#,
        ),
        "card-convenience-fee-flat",
    );
}

#[test]
fn a_fee_that_never_varies_counts_as_flat() {
    // 0 % with a $2.00 minimum is always $2.00: flat in all but name.
    passes(&CARD_ONLINE_FLAT.replace(
        r#"{ model = "flat", amount = 3.75 }"#,
        r#"{ model = "percent_bounded", percent = 0, min = 2.00, max = 10.00 }"#,
    ));
    fails(
        &CARD_ONLINE_FLAT.replace(
            r#"{ model = "flat", amount = 3.75 }"#,
            r#"{ model = "tiered", tiers = [{ up_to = 100, fee = 2 }, { fee = 3 }] }"#,
        ),
        "card-convenience-fee-flat",
    );
}

#[test]
fn card_convenience_fee_is_the_same_for_every_card_type() {
    let split = r#"
[[rules]]
channels = ["online"]
methods = ["credit_card"]
fee = { model = "flat", amount = 3.75 }
[[rules]]
channels = ["online"]
methods = ["debit_card"]
fee = { model = "flat", amount = 3.75 }
"#;
    passes(split);
    fails(
        &split
            .replacen("3.75", "2.00", 2)
            .replacen("2.00", "3.75", 1),
        "card-convenience-fee-uniform",
    );
}

#[test]
fn card_convenience_fee_only_in_an_alternative_channel() {
    passes(CARD_ONLINE_FLAT);
    fails(
        &CARD_ONLINE_FLAT.replace(
            r#"channels = ["online"]"#,
            r#"channels = ["online", "in_person"]"#,
        ),
        "card-convenience-fee-alternative-channel",
    );
    // No fee-free customary channel at all.
    let got = findings(CARD_ONLINE_FLAT, false, "2026-11-22");
    assert!(
        got.contains(&"card-convenience-fee-alternative-channel"),
        "{got:?}"
    );
}

#[test]
fn no_convenience_fee_on_recurring_card_payments_without_a_program() {
    let autopay = CARD_ONLINE_FLAT.replace(r#"channels = ["online"]"#, r#"channels = ["autopay"]"#);
    fails(&autopay, "no-convenience-fee-on-recurring");
    passes(&format!("service_fee_program = true\n{autopay}"));
    // Under a program the fee may be a percentage, as a service fee, for debit and credit alike.
    let service = r#"
service_fee_program = true
[[rules]]
channels = ["autopay"]
methods = ["credit_card", "debit_card"]
fee = { model = "percent", percent = 2.35 }
kind = "service_fee"
"#;
    passes(service);
    fails(
        &service.replace("service_fee_program = true", ""),
        "service-fee-needs-program",
    );
}

const SURCHARGE: &str = r#"
merchant_cost_percent = 2.9
[[rules]]
channels = ["online"]
methods = ["credit_card"]
fee = { model = "percent", percent = 2.5 }
kind = "surcharge"
"#;

#[test]
fn surcharge_applies_to_credit_cards_only() {
    passes(SURCHARGE);
    fails(
        &SURCHARGE.replace(
            r#"methods = ["credit_card"]"#,
            r#"methods = ["credit_card", "debit_card"]"#,
        ),
        "surcharge-credit-only",
    );
    fails(
        &SURCHARGE.replace(
            r#"methods = ["credit_card"]"#,
            r#"methods = ["credit_card", "prepaid_card"]"#,
        ),
        "surcharge-credit-only",
    );
}

#[test]
fn surcharge_is_capped_by_network_and_merchant_cost() {
    let high = SURCHARGE
        .replace("percent = 2.5", "percent = 3.5")
        .replace("2.9", "5");
    fails(&high, "surcharge-cap-visa");
    passes(&high.replace(
        "kind = \"surcharge\"",
        "kind = \"surcharge\"\nbrand = \"mastercard\"",
    ));
    fails(
        &SURCHARGE
            .replace("percent = 2.5", "percent = 4.5")
            .replace("2.9", "5")
            .replace(
                "kind = \"surcharge\"",
                "kind = \"surcharge\"\nbrand = \"mastercard\"",
            ),
        "surcharge-cap-mastercard",
    );
    fails(&SURCHARGE.replace("2.9", "2.0"), "surcharge-at-most-cost");
    // Without the merchant's cost the data cannot decide: a warning, not an error.
    let no_cost = SURCHARGE.replace("merchant_cost_percent = 2.9", "");
    assert_eq!(errors(&no_cost, "2026-11-22"), Vec::<&str>::new());
    assert!(warnings(&no_cost, "2026-11-22").contains(&"surcharge-at-most-cost"));
    fails(
        &SURCHARGE.replace(
            r#"{ model = "percent", percent = 2.5 }"#,
            r#"{ model = "flat", amount = 2 }"#,
        ),
        "surcharge-percent",
    );
}

#[test]
fn a_surcharge_where_the_data_has_no_state_law_is_a_warning() {
    assert_eq!(
        warnings(SURCHARGE, "2026-11-22"),
        vec!["state-surcharge-law"]
    );
    assert_eq!(
        warnings(&format!("state = \"TX\"\n{SURCHARGE}"), "2026-11-22"),
        vec!["state-surcharge-law"]
    );
    // A flat convenience fee is not a surcharge: no state law to look up.
    assert_eq!(warnings(CARD_ONLINE_FLAT, "2026-11-22"), Vec::<&str>::new());
}

#[test]
fn caps_are_dated_data() {
    // 3.5% was within Visa's 4% cap until 14 April 2023, and above its 3% cap after.
    let high = SURCHARGE
        .replace("percent = 2.5", "percent = 3.5")
        .replace("2.9", "5");
    assert_eq!(errors(&high, "2023-04-14"), Vec::<&str>::new());
    assert!(findings(&high, true, "2023-04-15").contains(&"surcharge-cap-visa"));
    // Before 2013 the networks did not permit surcharges at all.
    assert!(findings(SURCHARGE, true, "2012-06-01").contains(&"surcharge-not-permitted"));
}

#[test]
fn surcharge_banned_in_connecticut_massachusetts_maine_and_puerto_rico() {
    passes(&format!("state = \"NC\"\n{SURCHARGE}"));
    for state in ["CT", "MA", "ME", "PR"] {
        let with_state = format!("state = \"{state}\"\npublic_entity = false\n{SURCHARGE}");
        assert!(
            errors(&with_state, "2026-11-22").contains(&"state-surcharge-ban"),
            "{state}"
        );
    }
    // A flat convenience fee online is not a surcharge by its name, but the
    // ban's definition may catch it: a warning, not an error.
    let ct_fee = format!("state = \"CT\"\n{CARD_ONLINE_FLAT}");
    assert_eq!(errors(&ct_fee, "2026-11-22"), Vec::<&str>::new());
    assert_eq!(
        warnings(&ct_fee, "2026-11-22"),
        vec!["state-convenience-fee-may-be-surcharge"]
    );
}

/// Issue 16: the compliance check never ran, and a 9.5 % Connecticut debit
/// surcharge validated. Every rule it breaks is an error, with its source.
#[test]
fn a_connecticut_debit_surcharge_of_9_5_percent_is_refused() {
    let ct = r#"
state = "CT"
merchant_cost_percent = 2.9
[[rules]]
channels = ["online"]
methods = ["debit_card"]
fee = { model = "percent", percent = 9.5 }
kind = "surcharge"
"#;
    let got = errors(ct, "2026-12-03");
    for rule in [
        "surcharge-credit-only",
        "state-surcharge-ban",
        "surcharge-cap-visa",
        "surcharge-cap-mastercard",
        "surcharge-at-most-cost",
    ] {
        assert!(got.contains(&rule), "{rule}: {got:?}");
    }
    // Through a profile: the schedule does not load, every problem listed.
    let profile = format!(
        "id = \"ct-water\"\nname = \"CT Water\"\ntime_zone = \"America/New_York\"\ncurrency = \"USD\"\n[fees]\n{}\n{}",
        ct.replace("[[rules]]", "[[fees.rules]]"),
        FREE_MAIL.replace("[[rules]]", "[[fees.rules]]")
    );
    let spec: ratepayer::profile::ProfileSpec = toml::from_str(&profile).unwrap();
    let problems = ratepayer::profile::check(&spec);
    assert!(
        problems
            .iter()
            .any(|p| p.path == "fees.state" && p.message.contains("Conn. Gen. Stat. § 42-133ff")),
        "{problems:?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.path == "fees.rules[0].methods"
                && p.message.contains("[surcharge-credit-only]")),
        "{problems:?}"
    );
    let e = ratepayer::profile::UtilityProfile::new(spec).unwrap_err();
    insta::assert_snapshot!(e.to_string());
}

#[test]
fn state_caps_colorado_oklahoma_and_new_york_rules() {
    let at = |state: &str, percent: &str, cost: Option<&str>| {
        let cost = cost
            .map(|c| format!("merchant_cost_percent = {c}\n"))
            .unwrap_or_default();
        format!(
            "state = \"{state}\"\n{cost}[[rules]]\nchannels = [\"online\"]\nmethods = [\"credit_card\"]\nfee = {{ model = \"percent\", percent = {percent} }}\nkind = \"surcharge\"\n"
        )
    };
    // Colorado: 2 %, or the merchant's cost when the merchant chooses it.
    assert_eq!(
        errors(&at("CO", "2", Some("2.9")), "2026-12-03"),
        Vec::<&str>::new()
    );
    assert_eq!(
        errors(&at("CO", "2.5", Some("2.9")), "2026-12-03"),
        Vec::<&str>::new()
    );
    assert!(errors(&at("CO", "2.5", Some("2.2")), "2026-12-03").contains(&"state-surcharge-cap"));
    assert!(warnings(&at("CO", "2.5", None), "2026-12-03").contains(&"state-surcharge-cap"));
    // Before 1 July 2022 Colorado banned surcharges.
    assert!(errors(&at("CO", "2", Some("2.9")), "2022-06-30").contains(&"state-surcharge-ban"));
    // Oklahoma: banned until 31 October 2025, then the lesser of 2 % and the cost.
    assert!(errors(&at("OK", "2", Some("2.9")), "2025-10-31").contains(&"state-surcharge-ban"));
    assert_eq!(
        errors(&at("OK", "2", Some("2.9")), "2025-11-01"),
        Vec::<&str>::new()
    );
    assert!(errors(&at("OK", "2.5", Some("2.9")), "2025-11-01").contains(&"state-surcharge-cap"));
    assert!(errors(&at("OK", "1.9", Some("1.5")), "2025-11-01").contains(&"state-surcharge-cost"));
    // New York from 11 February 2024: allowed at most at cost, with the total price posted.
    assert_eq!(
        errors(&at("NY", "2.5", Some("2.9")), "2026-12-03"),
        Vec::<&str>::new()
    );
    assert!(warnings(&at("NY", "2.5", Some("2.9")), "2026-12-03")
        .contains(&"state-surcharge-disclosure"));
    assert!(errors(&at("NY", "2.5", Some("2.0")), "2026-12-03").contains(&"state-surcharge-cost"));
    // Maine: a government utility may surcharge up to its costs; not said is a warning.
    assert_eq!(
        errors(
            &format!("public_entity = true\n{}", at("ME", "2.5", Some("2.9"))),
            "2026-12-03"
        ),
        Vec::<&str>::new()
    );
    assert!(warnings(&at("ME", "2.5", Some("2.9")), "2026-12-03").contains(&"state-surcharge-ban"));
    assert!(errors(
        &format!("public_entity = false\n{}", at("ME", "2.5", Some("2.9"))),
        "2026-12-03"
    )
    .contains(&"state-surcharge-ban"));
}

#[test]
fn every_rule_of_the_data_names_its_source_and_verification() {
    let rules = CardRules::builtin().unwrap();
    assert!(rules.problems().is_empty(), "{:?}", rules.problems());
    for state in ["CT", "MA", "ME", "CO", "NY", "OK", "PR"] {
        assert!(rules.states().contains(&state), "{state}");
    }
    let all_sources = rules
        .surcharge_caps
        .iter()
        .map(|c| (c.source.as_str(), c.verified, c.note.as_str()))
        .chain(
            rules
                .network_rules
                .iter()
                .map(|r| (r.source.as_str(), r.verified, r.note.as_str())),
        )
        .chain(
            rules
                .state_rules
                .iter()
                .map(|r| (r.source.as_str(), r.verified, r.note.as_str())),
        );
    for (source, verified, note) in all_sources {
        assert!(!source.is_empty());
        assert!(verified.is_some() || !note.is_empty(), "{source}");
        assert!(verified.is_none_or(|v| v <= rules.reviewed), "{source}");
    }
    // Every check the code knows is in force in the data on its review date.
    for id in ratepayer::fees::compliance::NETWORK_RULE_IDS {
        assert!(rules.network_rule(id, rules.reviewed).is_some(), "{id}");
    }
    // The Visa cap lowered to 3 % from 15 April 2023; Mastercard's 4 %.
    assert_eq!(
        rules
            .cap(ratepayer::fees::CardBrand::Visa, date("2023-04-15"))
            .map(|c| c.max_percent),
        Some(rust_decimal::Decimal::from(3))
    );
    assert_eq!(
        rules
            .cap(ratepayer::fees::CardBrand::Mastercard, date("2026-12-03"))
            .map(|c| c.max_percent),
        Some(rust_decimal::Decimal::from(4))
    );
}

#[test]
fn findings_explain_the_rule() {
    let spec = FeeScheduleSpec::from_toml(&format!(
        "state = \"CT\"\n{}",
        SURCHARGE.replace("percent = 2.5", "percent = 3.5").replace(
            "methods = [\"credit_card\"]",
            "methods = [\"credit_card\", \"debit_card\"]"
        )
    ))
    .unwrap();
    let text: Vec<String> =
        check_compliance(&spec, &CardRules::builtin().unwrap(), date("2026-11-22"))
            .iter()
            .map(ToString::to_string)
            .collect();
    insta::assert_snapshot!(text.join("\n"));
}
