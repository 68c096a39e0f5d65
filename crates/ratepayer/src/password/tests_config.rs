//! Unit tests of the password policy's configuration and plumbing: other
//! blocklists, loading and validating policies, and redaction.

use super::*;

const NO_CONTEXT: PasswordContext<'static> = PasswordContext {
    username: None,
    email: None,
    account_number: None,
    utility_name: None,
    street: None,
};

#[test]
fn other_blocklists_chain_onto_the_shipped_one() {
    let nist = PasswordPolicy::nist_800_63b_4();
    let breached =
        HashSetBlocklist::from_lines("# local list\nLantern Orchard Quietly Humming\n\n");
    assert_eq!(breached.len(), 1);
    assert_eq!(format!("{breached:?}"), "HashSetBlocklist { len: 1 }");
    let both = CommonPasswords.chain(&breached);
    assert!(both.contains("password1") && both.contains("lantern orchard quietly humming"));
    let refused = nist.check_with(
        "lantern orchard quietly humming",
        &NO_CONTEXT,
        Mfa::Off,
        &both,
    );
    assert_eq!(refused.unwrap_err()[0].code, "password.blocklisted");
    assert!(nist
        .check("lantern orchard quietly humming", &NO_CONTEXT, Mfa::Off)
        .is_ok());
}

#[test]
fn policies_load_from_toml_with_a_preset_and_overrides() {
    let legacy: PasswordPolicy = toml::from_str("preset = \"legacy_composition\"").unwrap();
    assert_eq!(legacy, PasswordPolicy::legacy_composition());
    let nist: PasswordPolicy = toml::from_str("").unwrap();
    assert_eq!(nist, PasswordPolicy::nist_800_63b_4());
    let custom: PasswordPolicy = toml::from_str(
        "preset = \"legacy_composition\"\nmin_length = 12\ncomposition = { digit = true }\nexpiry_days = 90",
    )
    .unwrap();
    assert_eq!(custom.min_length, 12);
    assert_eq!(
        custom.composition,
        Composition {
            digit: true,
            ..Composition::NONE
        }
    );
    assert_eq!(custom.expiry_days, Some(90));
    let json = serde_json::to_string(&custom).unwrap();
    assert_eq!(
        serde_json::from_str::<PasswordPolicy>(&json).unwrap(),
        custom
    );
    for bad in [
        "min_length = 0",
        "colour = \"red\"",
        "composition = { symbols = true }",
        "preset = \"nist\"",
        "normalization = \"NFKD\"",
        "max_length = 32\nmin_length = 40",
        "max_bytes = 8192",
        "max_bytes = 100",
        "min_length_with_mfa = 20",
        "expiry_days = 0",
    ] {
        let e = toml::from_str::<PasswordPolicy>(bad);
        assert!(e.is_err(), "{bad} accepted");
    }
    let e = PasswordPolicy {
        min_length: 0,
        max_bytes: 10_000,
        ..PasswordPolicy::nist_800_63b_4()
    }
    .validate()
    .unwrap_err();
    assert!(e.to_string().contains("min_length is 0"));
    assert!(e.to_string().contains("max_bytes 10000 is over 4096"));
}

#[test]
fn normalized_password_never_shows_its_text() {
    let secret = "hunter2-is-my-secret-passphrase";
    let p = NormalizedPassword::new(secret).unwrap();
    let shown = format!("{p:?}");
    assert!(!shown.contains("hunter2"), "{shown}");
    assert_eq!(
        shown,
        "NormalizedPassword { form: Nfkc, text: \"<redacted>\" }"
    );
    let failures = PasswordPolicy::legacy_composition()
        .check(secret, &NO_CONTEXT, Mfa::Off)
        .unwrap_err();
    for f in &failures {
        assert!(!f.message.contains("hunter2") && !f.to_string().contains("hunter2"));
    }
    assert_eq!(PasswordPreset::Nist.policy(), PasswordPolicy::default());
}
