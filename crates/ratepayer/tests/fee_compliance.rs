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
use ratepayer::fees::{check_compliance, CardRules, FeeScheduleSpec};

/// A customary, fee-free way to pay, present in every schedule below unless noted.
const FREE_MAIL: &str = r#"
[[rules]]
channels = ["mail", "in_person"]
methods = ["check"]
fee = { model = "none" }
"#;

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

fn passes(extra: &str) {
    assert_eq!(
        findings(extra, true, "2026-11-22"),
        Vec::<&str>::new(),
        "{extra}"
    );
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
    fails(&SURCHARGE.replace("2.9", "2.0"), "surcharge-merchant-cost");
    fails(
        &SURCHARGE.replace("merchant_cost_percent = 2.9", ""),
        "surcharge-merchant-cost",
    );
    fails(
        &SURCHARGE.replace(
            r#"{ model = "percent", percent = 2.5 }"#,
            r#"{ model = "flat", amount = 2 }"#,
        ),
        "surcharge-percent",
    );
}

#[test]
fn caps_are_dated_data() {
    // 3.5% was within Visa's 4% cap until 14 April 2023, and above its 3% cap after.
    let high = SURCHARGE
        .replace("percent = 2.5", "percent = 3.5")
        .replace("2.9", "5");
    assert_eq!(findings(&high, true, "2023-04-14"), Vec::<&str>::new());
    assert!(findings(&high, true, "2023-04-15").contains(&"surcharge-cap-visa"));
    // Before 2013 the networks did not permit surcharges at all.
    assert!(findings(SURCHARGE, true, "2012-06-01").contains(&"surcharge-not-permitted"));
}

#[test]
fn surcharge_banned_in_connecticut_and_massachusetts() {
    passes(&format!("state = \"NC\"\n{SURCHARGE}"));
    fails(
        &format!("state = \"CT\"\n{SURCHARGE}"),
        "surcharge-banned-in-state",
    );
    fails(
        &format!("state = \"MA\"\n{SURCHARGE}"),
        "surcharge-banned-in-state",
    );
    // A flat convenience fee online is not a surcharge: allowed in Connecticut.
    passes(&format!("state = \"CT\"\n{CARD_ONLINE_FLAT}"));
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
