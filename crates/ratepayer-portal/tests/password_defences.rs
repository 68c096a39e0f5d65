//! Regression tests of issue 17's password defects: compatibility forms,
//! invisible and combining characters, long passwords the 10,000-word list
//! missed, the breached-password port, and a compliance report that names
//! every point it checks and is right about the shipped presets.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod portal_support;

use std::sync::Arc;

use portal_support::*;
use ratepayer::password::{
    Mfa, NormalizationForm, OfflineBreaches, PasswordContext, PasswordPolicy, PREFIX_HEX_DIGITS,
};
use ratepayer_portal::store::MemoryStore;
use ratepayer_portal::PortalError;

fn codes(policy: &PasswordPolicy, password: &str, mfa: Mfa) -> Vec<&'static str> {
    match policy.check(password, &PasswordContext::default(), mfa) {
        Ok(_) => Vec::new(),
        Err(f) => f.iter().map(|f| f.code).collect(),
    }
}

#[test]
fn full_width_forms_fold_to_the_blocklisted_password() {
    let legacy = PasswordPolicy::legacy_composition();
    // Ｐａｓｓｗｏｒｄ１! passed under NFC.
    assert_eq!(
        codes(&legacy, "Ｐａｓｓｗｏｒｄ１!", Mfa::Off),
        ["password.blocklisted"]
    );
    let nist = PasswordPolicy::nist_800_63b_4();
    assert!(codes(&nist, "Ｐａｓｓｗｏｒｄ１２３４５６７８", Mfa::Off)
        .contains(&"password.blocklisted"));
}

#[test]
fn invisible_characters_hide_nothing() {
    let nist = PasswordPolicy::nist_800_63b_4();
    for hidden in [
        "correct\u{200d}horse battery staple",
        "password\u{200b}password",
        "i\u{2060}love\u{feff}you\u{00ad}iloveyou",
    ] {
        let c = codes(&nist, hidden, Mfa::Off);
        assert!(
            c.contains(&"password.blocklisted") || c.contains(&"password.predictable"),
            "{hidden:?}: {c:?}"
        );
    }
    // And they are not part of the password that is hashed.
    let a = nist.check(
        "lantern orchard quietly humming",
        &PasswordContext::default(),
        Mfa::Off,
    );
    let b = nist.check(
        "lantern\u{200d} orchard quietly humming\u{200b}",
        &PasswordContext::default(),
        Mfa::Off,
    );
    assert!(a.is_ok() && a == b);
}

#[test]
fn combining_marks_do_not_pad_the_length() {
    let nist = PasswordPolicy::nist_800_63b_4();
    // One letter and 15 combining marks counted as 16 characters.
    let padded: String = std::iter::once('a')
        .chain("\u{301}\u{302}\u{303}\u{304}\u{306}\u{307}\u{308}\u{30a}\u{30b}\u{30c}\u{323}\u{324}\u{325}\u{326}\u{327}".chars())
        .collect();
    assert_eq!(padded.chars().count(), 16);
    assert_eq!(codes(&nist, &padded, Mfa::Off), ["password.too_short"]);
    assert_eq!(codes(&nist, &padded, Mfa::On), ["password.too_short"]);
    // Accented words are counted as read: 15 letters with accents are 15.
    let accented = "éàüöñçâêîôûëïÿå";
    assert!(codes(&nist, accented, Mfa::Off).is_empty());
}

#[test]
fn long_passwords_the_common_list_missed_are_refused() {
    let nist = PasswordPolicy::nist_800_63b_4();
    for weak in [
        "passwordpassword",
        "iloveyouiloveyou",
        "correcthorsebatterystaple",
        "Correct Horse Battery Staple",
        "qwertyuiopasdfghjkl",
        "1qaz2wsx3edc4rfv5tgb",
        "paymywaterbill2024",
        "monkeymonkeymonkey",
        "sunshinesunshine!!",
    ] {
        assert!(!codes(&nist, weak, Mfa::Off).is_empty(), "{weak} accepted");
    }
    for fine in [
        "lantern orchard quietly humming",
        "the heron waits where the river bends",
        "Mañana vamos al mercado del puerto",
    ] {
        assert!(codes(&nist, fine, Mfa::Off).is_empty(), "{fine} refused");
    }
}

#[test]
fn the_breach_port_sends_only_a_prefix_and_refuses_breached_passwords() {
    let nist = PasswordPolicy::nist_800_63b_4();
    let corpus = OfflineBreaches::from_passwords(["glorious harbour sunrise 1987"]);
    let ctx = PasswordContext::default();
    let refused =
        nist.check_with_breaches("glorious harbour sunrise 1987", &ctx, Mfa::Off, &corpus);
    assert_eq!(refused.unwrap_err()[0].code, "password.breached");
    assert!(nist
        .check_with_breaches("lantern orchard quietly humming", &ctx, Mfa::Off, &corpus)
        .is_ok());
    let asked = corpus.asked();
    assert_eq!(asked.len(), 2);
    assert!(asked
        .iter()
        .all(|p| p.len() == PREFIX_HEX_DIGITS && p.chars().all(|c| c.is_ascii_hexdigit())));
    // A service that is down refuses with its own code, never accepts unchecked.
    let down = OfflineBreaches::unavailable();
    let e = nist.check_with_breaches("lantern orchard quietly humming", &ctx, Mfa::Off, &down);
    assert_eq!(e.unwrap_err()[0].code, "password.breach_check_failed");
}

#[test]
fn the_portal_checks_new_passwords_against_the_breach_port() {
    let (p, _, pat) = shelby_with_pat(Arc::new(MemoryStore::new()));
    let corpus = Arc::new(OfflineBreaches::from_passwords([
        "glorious harbour sunrise 1987",
    ]));
    let p = p.with_breached_passwords(corpus.clone());
    let err = p
        .change_password(
            &signed_in(&p, &pat, nov(6, 9)),
            PASSWORD,
            "glorious harbour sunrise 1987",
            &client(),
            nov(6, 9),
        )
        .unwrap_err();
    assert!(
        matches!(&err, PortalError::Password(f) if f[0].code == "password.breached"),
        "{err:?}"
    );
    assert_eq!(corpus.asked().len(), 1);
}

#[test]
fn the_compliance_report_names_every_point_and_is_right_about_the_presets() {
    let nist = PasswordPolicy::nist_800_63b_4();
    let checks = nist.compliance_checks();
    assert!(checks.iter().all(|c| c.met), "{checks:#?}");
    assert!(nist.compliance_report().is_empty());
    let codes: Vec<&str> = checks.iter().map(|c| c.code).collect();
    for code in [
        "composition_rules",
        "min_length_single_factor",
        "min_length_with_mfa",
        "max_length_below_64",
        "no_blocklist",
        "periodic_expiry",
        "normalization_not_nfkc",
        "no_context_words",
        "no_truncation",
        "all_characters_accepted",
        "length_counting",
        "breached_passwords",
    ] {
        assert!(codes.contains(&code), "{code} not checked");
    }
    for c in &checks {
        assert!(c
            .references
            .iter()
            .any(|r| r.starts_with("NIST SP 800-63B-4") || r.starts_with("OWASP ASVS 5.0")));
    }
    // The shipped NIST preset really refuses what the report says it does.
    assert!(!codes_of(&nist, "correcthorsebatterystaple").is_empty());
    assert!(!codes_of(&nist, "passwordpassword").is_empty());
    // The legacy preset: composition rules and an 8-character single-factor minimum.
    let legacy = PasswordPolicy::legacy_composition();
    let broken: Vec<&str> = legacy.compliance_report().iter().map(|f| f.code).collect();
    assert_eq!(broken, ["composition_rules", "min_length_single_factor"]);
    // NFC is reported.
    let nfc = PasswordPolicy {
        normalization: NormalizationForm::Nfc,
        ..PasswordPolicy::nist_800_63b_4()
    };
    let broken: Vec<&str> = nfc.compliance_report().iter().map(|f| f.code).collect();
    assert_eq!(broken, ["normalization_not_nfkc"]);
}

fn codes_of(policy: &PasswordPolicy, password: &str) -> Vec<&'static str> {
    codes(policy, password, Mfa::Off)
}
