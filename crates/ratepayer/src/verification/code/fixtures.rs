//! Fixtures shared by the code tests: a fixed clock, a server key, contacts,
//! and an SMS code issued from a seeded generator.

use super::*;
use crate::security::SeededRandom;

pub(super) const KEY: &[u8] = b"server-key-held-outside-the-database";

pub(super) fn now() -> DateTime<Utc> {
    "2025-10-01T12:00:00Z".parse().unwrap()
}

pub(super) fn phone() -> Contact {
    Contact::phone("(218) 829-2827").unwrap()
}

pub(super) fn email() -> Contact {
    Contact::email("ann@example.com").unwrap()
}

pub(super) fn sms_code(seed: u64) -> (IssuedCode, CodeRecord) {
    let policy = CodePolicy::default();
    issue(
        Purpose::ActivateSms,
        &phone(),
        &policy,
        &mut SeededRandom::new(seed),
        now(),
        KEY,
    )
    .unwrap()
}
