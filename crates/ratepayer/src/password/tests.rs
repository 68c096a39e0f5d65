//! Unit tests of the password rules: each rule, both presets, NFC, the byte
//! cap, context words and the shipped blocklist.

use super::*;

const NO_CONTEXT: PasswordContext<'static> = PasswordContext {
    username: None,
    email: None,
    account_number: None,
    utility_name: None,
    street: None,
};

fn codes(policy: &PasswordPolicy, password: &str, mfa: Mfa) -> Vec<&'static str> {
    codes_in(policy, password, &NO_CONTEXT, mfa)
}

fn codes_in(
    policy: &PasswordPolicy,
    password: &str,
    context: &PasswordContext<'_>,
    mfa: Mfa,
) -> Vec<&'static str> {
    match policy.check(password, context, mfa) {
        Ok(_) => Vec::new(),
        Err(failures) => failures.iter().map(|f| f.code).collect(),
    }
}

#[test]
fn nist_preset_is_length_over_composition() {
    let nist = PasswordPolicy::nist_800_63b_4();
    assert!(codes(&nist, "lowercase only passphrase", Mfa::Off).is_empty());
    assert_eq!(
        codes(&nist, "fourteen chars", Mfa::Off),
        ["password.too_short"]
    );
    assert!(codes(&nist, "fourteen chars", Mfa::On).is_empty());
    assert_eq!(codes(&nist, "sev3n!q", Mfa::On), ["password.too_short"]);
    let long = "x".repeat(97) + "abcdefghjkmnpqrstuvwxyz234567892";
    assert_eq!(codes(&nist, &long, Mfa::Off), ["password.too_long"]);
    let long_phrase = "glorious sunrise over the harbour while gulls argue about bread crusts and \
                       a ferry horn answers from the far side of the bay";
    assert!(long_phrase.len() > 100 && long_phrase.len() <= 128);
    assert!(codes(&nist, long_phrase, Mfa::Off).is_empty());
    // One phrase repeated is refused however long (regression, issue 17).
    assert_eq!(
        codes(&nist, &"glorious sunrise ".repeat(7)[..119], Mfa::Off),
        ["password.predictable"]
    );
}

#[test]
fn legacy_preset_requires_every_class() {
    let legacy = PasswordPolicy::legacy_composition();
    assert!(codes(&legacy, "Tr0ub4dor&3", Mfa::Off).is_empty());
    assert_eq!(
        codes(&legacy, "tr0ub4dor&3", Mfa::Off),
        ["password.missing_uppercase"]
    );
    assert_eq!(
        codes(&legacy, "TR0UB4DOR&3", Mfa::Off),
        ["password.missing_lowercase"]
    );
    assert_eq!(
        codes(&legacy, "Troubadour&x", Mfa::Off),
        ["password.missing_digit"]
    );
    assert_eq!(
        codes(&legacy, "Tr0ub4dor33", Mfa::Off),
        ["password.missing_special"]
    );
    // A space is a special character.
    assert!(codes(&legacy, "Tr0ub4dor 3", Mfa::Off).is_empty());
    assert_eq!(codes(&legacy, "T0b&x", Mfa::Off), ["password.too_short"]);
    // Every failure at once, in a fixed order.
    assert_eq!(
        codes(&legacy, "", Mfa::Off),
        [
            "password.too_short",
            "password.missing_uppercase",
            "password.missing_lowercase",
            "password.missing_digit",
            "password.missing_special",
        ]
    );
    // Non-ASCII letters count.
    assert!(codes(&legacy, "Ñandú-2024 ríos", Mfa::Off).is_empty());
}

#[test]
fn nfc_makes_composed_and_decomposed_the_same_password() {
    let nist = PasswordPolicy::nist_800_63b_4();
    let composed = "caf\u{e9} au lait s\u{e9}rieux";
    let decomposed = "cafe\u{301} au lait se\u{301}rieux";
    assert_ne!(composed, decomposed);
    let a = nist.check(composed, &NO_CONTEXT, Mfa::Off);
    let b = nist.check(decomposed, &NO_CONTEXT, Mfa::Off);
    assert!(a.is_ok() && a == b);
    let a = a.unwrap();
    assert_eq!(a.form(), NormalizationForm::Nfkc);
    assert_eq!(a.form().as_str(), "NFKC");
    assert_eq!(a.as_str(), composed);
    // Length is counted after normalising, in what a person sees: 28
    // decomposed code points are 14 characters, too short.
    let fourteen: String = "acegiklmnoprsu"
        .chars()
        .flat_map(|c| [c, '\u{301}'])
        .collect();
    assert_eq!(fourteen.chars().count(), 28);
    assert_eq!(codes(&nist, &fourteen, Mfa::Off), ["password.too_short"]);
    // An emoji is one code point; a flag is two.
    assert_eq!(
        NormalizedPassword::new("🌊🇺🇸").map(|p| p.char_count()),
        Ok(3)
    );
}

#[test]
fn byte_cap_applies_before_normalising_and_never_truncates() {
    let nist = PasswordPolicy::nist_800_63b_4();
    let at_cap: String = (0..4096u32)
        .map(|i| char::from(b'a' + u8::try_from((i * i + 3 * i) % 26).unwrap()))
        .collect();
    // At the cap: inspected (too long in characters), not refused for bytes.
    assert_eq!(codes(&nist, &at_cap, Mfa::Off), ["password.too_long"]);
    let over = "a".repeat(4097);
    let failures = nist.check(&over, &NO_CONTEXT, Mfa::Off).unwrap_err();
    assert_eq!(failures.len(), 1);
    assert_eq!(failures[0].code, "password.too_long_bytes");
    assert!(failures[0].message.contains("4097 bytes"));
    // 1,366 decomposed "é" are 4,098 bytes, 2,732 bytes once composed: the
    // cap counts the bytes typed, before normalising.
    let decomposed = "e\u{301}".repeat(1366);
    assert_eq!(
        codes(&nist, &decomposed, Mfa::Off),
        ["password.too_long_bytes"]
    );
    // A policy's lower cap applies.
    let tight = PasswordPolicy {
        max_length: 64,
        max_bytes: 256,
        ..PasswordPolicy::nist_800_63b_4()
    };
    assert_eq!(
        codes(&tight, &"b".repeat(257), Mfa::Off),
        ["password.too_long_bytes"]
    );
    assert!(NormalizedPassword::new(&over).is_err());
    assert!(NormalizedPassword::new(&at_cap).is_ok());
}

#[test]
fn control_characters_are_refused() {
    let nist = PasswordPolicy::nist_800_63b_4();
    assert_eq!(
        codes(&nist, "lantern orchard\tquietly humming", Mfa::Off),
        ["password.control_character"]
    );
    assert_eq!(
        codes(&nist, "lantern orchard\0quietly humming", Mfa::Off),
        ["password.control_character"]
    );
}

#[test]
fn blocklist_matches_whole_password_case_insensitively_and_without_decoration() {
    let nist = PasswordPolicy::nist_800_63b_4();
    assert!(CommonPasswords.len() >= 10_000);
    for common in ["password1", "PASSWORD1", "qwerty123", "Dragon"] {
        assert!(CommonPasswords.contains(&common.to_lowercase()), "{common}");
        assert_eq!(
            codes(&nist, common, Mfa::On),
            if common.len() < 8 {
                vec!["password.too_short", "password.blocklisted"]
            } else if common.starts_with("qwerty") {
                // A keyboard walk, too.
                vec!["password.blocklisted", "password.predictable"]
            } else {
                vec!["password.blocklisted"]
            },
            "{common}"
        );
    }
    // Digits and symbols around a common password do not save it.
    assert_eq!(
        codes(&nist, "dragon123456789!", Mfa::Off),
        ["password.blocklisted"]
    );
    assert_eq!(
        codes(&nist, "2024!!Sunshine..", Mfa::Off),
        ["password.blocklisted"]
    );
    // "qwerty123456789" is not on the list, but "qwerty" less its digits is.
    assert!(!CommonPasswords.contains("qwerty123456789"));
    assert_eq!(
        codes(&nist, "qwerty123456789", Mfa::Off),
        ["password.blocklisted", "password.predictable"]
    );
    // Words inside a passphrase are not blocklisted.
    assert!(codes(&nist, "my dragon likes sunshine", Mfa::Off).is_empty());
    // The blocklist can be switched off (and the report then says so).
    let off = PasswordPolicy {
        blocklist: false,
        ..PasswordPolicy::legacy_composition()
    };
    assert!(codes(&off, "Password1!", Mfa::Off).is_empty());
    assert_eq!(
        codes(
            &PasswordPolicy::legacy_composition(),
            "Password1!",
            Mfa::Off
        ),
        ["password.blocklisted"]
    );
}

#[test]
fn repeated_and_sequential_patterns_are_predictable() {
    let nist = PasswordPolicy::nist_800_63b_4();
    for p in [
        "aaaaaaaaaaaaaaaa",
        "abcabcabcabcabcabc",
        "1212121212121212",
        "123456789012345678",
        "zyxwvutsrqponmlk",
        "abcdefghijklmnop!!",
        "!!ZZZZZZZZZZZZZZZ",
    ] {
        assert!(
            codes(&nist, p, Mfa::Off).contains(&"password.predictable"),
            "{p}"
        );
    }
    assert!(codes(&nist, "abcde fghij klmno", Mfa::Off).is_empty());
}

#[test]
fn context_words_are_refused_inside_the_password() {
    let nist = PasswordPolicy::nist_800_63b_4();
    let context = PasswordContext {
        username: Some("JaneDoe77"),
        email: Some("jane.q.smithers@example.com"),
        account_number: Some("00065821-0672430"),
        utility_name: Some("Cal Water"),
        street: Some("1234 Elm Street"),
    };
    let check = |p: &str| codes_in(&nist, p, &context, Mfa::Off);
    assert_eq!(
        check("i am janedoe77 on the web"),
        ["password.contains_context"]
    );
    assert_eq!(
        check("smithers transport rocks"),
        ["password.contains_context"]
    );
    assert_eq!(
        check("account 65821 is mine ok"),
        ["password.contains_context"]
    );
    assert_eq!(
        check("I love Cal-Water so much"),
        ["password.contains_context"]
    );
    assert_eq!(
        check("house 1234 has a red door"),
        ["password.contains_context"]
    );
    // Generic and short words are not context words.
    assert!(check("the water street elm tree").is_empty());
    assert!(check("joe and tom went uphill").is_empty());
    let failures = nist
        .check("janedoe77 at 1234 elm st", &context, Mfa::Off)
        .unwrap_err();
    assert_eq!(
        failures[0].message,
        "The password contains your username, your email address and your street address; choose one that does not include details about you or your account."
    );
    assert!(context.words().contains(&"calwater".to_string()));
    let off = PasswordPolicy {
        context_words: false,
        ..PasswordPolicy::nist_800_63b_4()
    };
    assert!(codes_in(&off, "i am janedoe77 on the web", &context, Mfa::Off).is_empty());
}
