//! The password policy from the outside: both presets on the passwords a
//! customer would type, the compliance report of each preset (snapshots),
//! every failure message (snapshot), and the policy loaded from a profile's
//! TOML.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use ratepayer::password::{Composition, Mfa, PasswordContext, PasswordFailure, PasswordPolicy};

fn context() -> PasswordContext<'static> {
    PasswordContext {
        username: Some("rivera.m"),
        email: Some("maria.rivera@example.com"),
        account_number: Some("00065821-0672430"),
        utility_name: Some("Cal Water"),
        street: Some("4821 Elm Street"),
    }
}

fn codes(policy: &PasswordPolicy, password: &str, mfa: Mfa) -> Vec<&'static str> {
    match policy.check(password, &context(), mfa) {
        Ok(p) => {
            assert!(p.char_count() >= policy.min_length_for(mfa) as usize);
            Vec::new()
        }
        Err(failures) => failures.iter().map(|f| f.code).collect(),
    }
}

/// A password and the codes of legacy, NIST single-factor and NIST with MFA.
type Case = (&'static str, Codes, Codes, Codes);
type Codes = &'static [&'static str];

#[test]
fn the_two_presets_on_typical_passwords() {
    let legacy = PasswordPolicy::legacy_composition();
    let nist = PasswordPolicy::nist_800_63b_4();
    let cases: [Case; 7] = [
        // password, legacy, NIST single-factor, NIST with MFA
        ("Tr0ub4dor&3", &[], &["password.too_short"], &[]),
        (
            // Regression (issue 17): the best-known passphrase passed.
            "correct horse battery staple",
            &[
                "password.missing_uppercase",
                "password.missing_digit",
                "password.blocklisted",
            ],
            &["password.blocklisted"],
            &["password.blocklisted"],
        ),
        (
            "Password1!",
            &["password.blocklisted"],
            &["password.too_short", "password.blocklisted"],
            &["password.blocklisted"],
        ),
        (
            "qwerty123456789",
            &[
                "password.missing_uppercase",
                "password.missing_special",
                "password.blocklisted",
                "password.predictable",
            ],
            &["password.blocklisted", "password.predictable"],
            &["password.blocklisted", "password.predictable"],
        ),
        (
            "Maria Rivera 1234!",
            &["password.contains_context"],
            &["password.contains_context"],
            &["password.contains_context"],
        ),
        (
            "CalWater#2025",
            &["password.contains_context"],
            &["password.too_short", "password.contains_context"],
            &["password.contains_context"],
        ),
        (
            "sunlight over the mesa",
            &["password.missing_uppercase", "password.missing_digit"],
            &[],
            &[],
        ),
    ];
    for (password, l, n, m) in cases {
        assert_eq!(codes(&legacy, password, Mfa::Off), l, "legacy: {password}");
        assert_eq!(codes(&nist, password, Mfa::Off), n, "nist: {password}");
        assert_eq!(codes(&nist, password, Mfa::On), m, "nist+mfa: {password}");
    }
}

#[test]
fn compliance_reports_of_the_presets() {
    assert!(PasswordPolicy::nist_800_63b_4()
        .compliance_report()
        .is_empty());
    insta::assert_json_snapshot!(
        "legacy_composition_report",
        PasswordPolicy::legacy_composition().compliance_report()
    );
    let worst = PasswordPolicy {
        min_length: 6,
        min_length_with_mfa: 6,
        max_length: 20,
        max_bytes: 80,
        composition: Composition {
            digit: true,
            special: true,
            ..Composition::NONE
        },
        blocklist: false,
        context_words: false,
        expiry_days: Some(90),
        ..PasswordPolicy::nist_800_63b_4()
    };
    worst.validate().unwrap();
    let report = worst.compliance_report();
    let found: Vec<&str> = report.iter().map(|f| f.code).collect();
    assert_eq!(
        found,
        [
            "composition_rules",
            "min_length_single_factor",
            "min_length_with_mfa",
            "max_length_below_64",
            "no_blocklist",
            "periodic_expiry",
            "no_context_words",
        ]
    );
    insta::assert_json_snapshot!("every_finding_report", report);
}

#[test]
fn failure_messages() {
    let legacy = PasswordPolicy::legacy_composition();
    let nist = PasswordPolicy::nist_800_63b_4();
    let mut all: Vec<(String, Vec<PasswordFailure>)> = Vec::new();
    let mut record = |label: &str, policy: &PasswordPolicy, password: &str, mfa: Mfa| {
        let failures = policy.check(password, &context(), mfa).unwrap_err();
        all.push((label.to_string(), failures));
    };
    record("legacy, empty", &legacy, "", Mfa::Off);
    record("legacy, Password1!", &legacy, "Password1!", Mfa::Off);
    record("nist, short", &nist, "a", Mfa::Off);
    record("nist with mfa, short", &nist, "short1", Mfa::On);
    record(
        "nist, 200 characters",
        &nist,
        &"pale blue dot ".repeat(15),
        Mfa::Off,
    );
    record("nist, 5000 bytes", &nist, &"a".repeat(5000), Mfa::Off);
    record(
        "nist, a tab",
        &nist,
        "correct\thorse battery staple",
        Mfa::Off,
    );
    record("nist, 1234...", &nist, "12345678901234567890", Mfa::Off);
    record(
        "nist, every context word",
        &nist,
        "rivera.m maria 0672430 calwater elm street 4821",
        Mfa::Off,
    );
    let text: String = all
        .iter()
        .map(|(label, failures)| {
            let lines: Vec<String> = failures.iter().map(|f| format!("  {f}")).collect();
            format!("{label}:\n{}\n", lines.join("\n"))
        })
        .collect();
    insta::assert_snapshot!("failure_messages", text);
}

#[test]
fn a_profile_names_a_preset_and_overrides_it() {
    let cal_water: PasswordPolicy = toml::from_str(
        r#"
        preset = "legacy_composition"
        max_length = 64
        "#,
    )
    .unwrap();
    assert_eq!(cal_water.min_length, 8);
    assert_eq!(cal_water.composition, Composition::ALL);
    assert_eq!(cal_water.max_length, 64);
    let e = toml::from_str::<PasswordPolicy>("preset = \"nist_800_63b_4\"\nmax_length = 10")
        .unwrap_err()
        .to_string();
    assert!(e.contains("max_length 10 is below min_length 15"), "{e}");
    let e = toml::from_str::<PasswordPolicy>("minimum = 8")
        .unwrap_err()
        .to_string();
    assert!(e.contains("unknown field `minimum`"), "{e}");
}
