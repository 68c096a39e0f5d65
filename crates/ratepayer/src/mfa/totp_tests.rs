use super::*;
use crate::mfa::hotp::{base32_decode, totp};
use crate::security::SeededRandom;

const KEY: &[u8] = b"server key of at least thirty-two bytes";

fn at(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(seconds, 0).unwrap()
}

fn enrolled(now: DateTime<Utc>) -> (Vec<u8>, TotpRecord) {
    let (e, rec) = enrol(
        "ann",
        "City of Shelby",
        "ann@example.com",
        &mut SeededRandom::new(9),
        now,
        KEY,
    )
    .unwrap();
    (base32_decode(e.secret_base32()).unwrap(), rec)
}

fn code(secret: &[u8], seconds: i64) -> String {
    format!("{:06}", totp(secret, seconds as u64, 30, 6))
}

#[test]
fn enrolment_gives_a_160_bit_secret_and_an_otpauth_uri_never_stored_in_clear() {
    let (e, rec) = enrol(
        "ann",
        "City of Shelby",
        "ann smith",
        &mut SeededRandom::new(1),
        at(0),
        KEY,
    )
    .unwrap();
    assert_eq!(base32_decode(e.secret_base32()).unwrap().len(), 20);
    assert_eq!(e.secret_base32().len(), 32);
    assert_eq!(
        e.uri(),
        format!("otpauth://totp/City%20of%20Shelby:ann%20smith?secret={}&issuer=City%20of%20Shelby&algorithm=SHA1&digits=6&period=30", e.secret_base32())
    );
    let json = serde_json::to_string(&rec).unwrap();
    assert!(!json.contains(e.secret_base32()), "{json}");
    assert!(!format!("{rec:?} {e:?}").contains(e.secret_base32()));
    assert!(!rec.is_confirmed());
}

#[test]
fn codes_of_the_step_before_now_and_after_are_accepted_and_no_further() {
    let now = 1_700_000_015;
    for (offset, ok) in [
        (-60, false),
        (-30, true),
        (0, true),
        (30, true),
        (60, false),
    ] {
        let (secret, mut rec) = enrolled(at(now));
        let got = rec.verify("ann", &code(&secret, now + offset), at(now), KEY);
        assert_eq!(got.is_ok(), ok, "offset {offset}: {got:?}");
    }
}

#[test]
fn a_code_is_good_once_and_earlier_steps_are_refused_after_a_later_one() {
    let now = 1_700_000_015;
    let (secret, mut rec) = enrolled(at(now));
    let c = code(&secret, now);
    assert!(rec.verify("ann", &c, at(now), KEY).is_ok());
    assert_eq!(
        rec.verify("ann", &c, at(now + 5), KEY),
        Err(MfaError::Replayed)
    );
    assert!(rec
        .verify("ann", &code(&secret, now + 30), at(now + 30), KEY)
        .is_ok());
    // The previous step is still inside the window but older than the last used.
    assert_eq!(
        rec.verify("ann", &c, at(now + 30), KEY),
        Err(MfaError::Replayed)
    );
}

#[test]
fn malformed_wrong_and_foreign_codes_are_refused() {
    let now = 1_700_000_015;
    let (secret, mut rec) = enrolled(at(now));
    let right = code(&secret, now);
    let wrong = format!("{:06}", (right.parse::<u32>().unwrap() + 1) % 1_000_000);
    for bad in [
        "",
        "12345",
        "1234567",
        "abcdef",
        "１２３４５６",
        wrong.as_str(),
    ] {
        assert_eq!(
            rec.verify("ann", bad, at(now), KEY),
            Err(MfaError::WrongCode),
            "{bad}"
        );
    }
    assert_eq!(
        rec.verify("bob", &right, at(now), KEY),
        Err(MfaError::OtherLogin)
    );
    assert_eq!(
        rec.verify("ann", &right, at(now), b"another key"),
        Err(MfaError::Unsealable)
    );
    let spaced = format!("{} {}", &right[..3], &right[3..]);
    assert!(rec.verify("ann", &spaced, at(now), KEY).is_ok());
}

#[test]
fn confirmation_needs_a_right_code() {
    let now = 1_700_000_015;
    let (secret, mut rec) = enrolled(at(now));
    assert!(rec.confirm("ann", "000000", at(now), KEY).is_err() || code(&secret, now) == "000000");
    assert!(rec
        .confirm("ann", &code(&secret, now + 30), at(now + 30), KEY)
        .is_ok());
    assert_eq!(rec.confirmed_at(), Some(at(now + 30)));
}
