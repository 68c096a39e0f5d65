//! Properties of the password policy: an accepted password is long enough
//! after normalisation and within the maximum; the check never panics on
//! arbitrary Unicode up to 4 KiB or on arbitrary bytes read lossily; failures
//! are well formed; normalisation is idempotent; the legacy preset only
//! accepts passwords with every class.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use proptest::prelude::*;
use ratepayer::password::{
    Mfa, NormalizedPassword, PasswordContext, PasswordFailure, PasswordPolicy,
};
use unicode_normalization::UnicodeNormalization;

fn arbitrary_text(max_chars: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(any::<char>(), 0..max_chars).prop_map(|v| v.into_iter().collect())
}

/// Mostly printable text, more often accepted.
fn passphrase() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 àéîõüßçñ!#%&*+=?@^_~-]{0,140}"
}

fn context_fields() -> impl Strategy<Value = [Option<String>; 5]> {
    let field = || prop::option::of("[a-zA-Z0-9 .@_-]{0,24}");
    (field(), field(), field(), field(), field()).prop_map(|(a, b, c, d, e)| [a, b, c, d, e])
}

fn context(fields: &[Option<String>; 5]) -> PasswordContext<'_> {
    let [username, email, account_number, utility_name, street] = fields;
    PasswordContext {
        username: username.as_deref(),
        email: email.as_deref(),
        account_number: account_number.as_deref(),
        utility_name: utility_name.as_deref(),
        street: street.as_deref(),
    }
}

/// What every outcome must satisfy.
fn check_outcome(
    policy: &PasswordPolicy,
    password: &str,
    mfa: Mfa,
    outcome: &Result<NormalizedPassword, Vec<PasswordFailure>>,
) {
    match outcome {
        Ok(p) => {
            let count = p.char_count();
            let seen = p.grapheme_count();
            assert!(seen >= policy.min_length_for(mfa) as usize, "{seen}");
            assert!(seen <= count, "{seen} > {count}");
            assert!(count <= policy.max_length as usize, "{count}");
            assert!(password.len() <= policy.max_bytes as usize);
            // NFKC less the invisible characters.
            let visible: String = password
                .chars()
                .filter(|c| !ratepayer::password::is_invisible(*c))
                .collect::<String>()
                .nfkc()
                .filter(|c| !ratepayer::password::is_invisible(*c))
                .collect();
            assert_eq!(p.char_count(), visible.chars().count());
            assert_eq!(p.form().as_str(), "NFKC");
        }
        Err(failures) => {
            assert!(!failures.is_empty());
            let mut codes: Vec<&str> = failures.iter().map(|f| f.code).collect();
            assert!(codes.iter().all(|c| c.starts_with("password.")));
            assert!(failures.iter().all(|f| !f.message.is_empty()));
            if codes.contains(&"password.too_long_bytes") {
                assert_eq!(codes.len(), 1);
                assert!(password.len() > policy.max_bytes as usize);
            }
            codes.sort_unstable();
            codes.dedup();
            assert_eq!(codes.len(), failures.len(), "a rule reported twice");
        }
    }
}

fn check_all(password: &str, fields: &[Option<String>; 5]) {
    let ctx = context(fields);
    for policy in [
        PasswordPolicy::legacy_composition(),
        PasswordPolicy::nist_800_63b_4(),
    ] {
        for mfa in [Mfa::Off, Mfa::On] {
            let outcome = policy.check(password, &ctx, mfa);
            check_outcome(&policy, password, mfa, &outcome);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_unicode_never_panics(password in arbitrary_text(1100), fields in context_fields()) {
        check_all(&password, &fields);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..4200), fields in context_fields()) {
        check_all(&String::from_utf8_lossy(&bytes), &fields);
    }

    #[test]
    fn nist_accepts_only_long_enough_passwords(password in passphrase(), fields in context_fields()) {
        let nist = PasswordPolicy::nist_800_63b_4();
        let ctx = context(&fields);
        for mfa in [Mfa::Off, Mfa::On] {
            let outcome = nist.check(&password, &ctx, mfa);
            check_outcome(&nist, &password, mfa, &outcome);
            if let Ok(p) = &outcome {
                prop_assert!(p.char_count() >= nist.min_length_for(mfa) as usize);
            }
            // NIST imposes no composition rule.
            if let Err(failures) = &outcome {
                prop_assert!(failures.iter().all(|f| !f.code.starts_with("password.missing_")));
            }
        }
    }

    #[test]
    fn legacy_accepts_only_every_class(password in passphrase()) {
        let legacy = PasswordPolicy::legacy_composition();
        if legacy.check(&password, &PasswordContext::default(), Mfa::Off).is_ok() {
            prop_assert!(password.chars().any(char::is_uppercase));
            prop_assert!(password.chars().any(char::is_lowercase));
            prop_assert!(password.chars().any(char::is_numeric));
            prop_assert!(password.chars().any(|c| !c.is_alphanumeric()));
            prop_assert!(password.chars().count() >= 8);
        }
    }

    #[test]
    fn normalisation_is_idempotent_and_form_independent(password in arbitrary_text(200)) {
        let once: String = password.nfc().collect();
        let decomposed: String = password.nfd().collect();
        let a = NormalizedPassword::new(&password).unwrap();
        prop_assert_eq!(&a, &NormalizedPassword::new(&once).unwrap());
        // Invisible characters anywhere change nothing.
        let sprinkled: String = password.chars().flat_map(|c| [c, '\u{200d}']).collect();
        if sprinkled.len() <= 4096 {
            prop_assert_eq!(&a, &NormalizedPassword::new(&sprinkled).unwrap());
        }
        if decomposed.len() <= 4096 {
            prop_assert_eq!(&a, &NormalizedPassword::new(&decomposed).unwrap());
        }
        let nist = PasswordPolicy::nist_800_63b_4();
        let ctx = PasswordContext::default();
        let codes = |p: &str| nist.check(p, &ctx, Mfa::Off).map_err(|f| f.iter().map(|f| f.code).collect::<Vec<_>>());
        prop_assert_eq!(codes(&password), codes(&once));
    }
}
