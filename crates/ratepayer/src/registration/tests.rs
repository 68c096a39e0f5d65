//! Registration tests: each seed utility's recipe, every rejection reason,
//! byte-identical public responses, the Medford deadline and the channel rule.

use std::collections::HashMap;

use chrono::TimeZone;

use super::*;

struct Dir {
    accounts: HashMap<String, AccountRecord>,
    usernames: Vec<String>,
}

impl Directory for Dir {
    fn account(&self, number: &AccountNumber) -> Option<AccountRecord> {
        self.accounts.get(number.as_str()).cloned()
    }
    fn username_taken(&self, u: &str) -> bool {
        self.usernames.iter().any(|k| k == u)
    }
}

fn acct(number: &str, format: &AccountNumberFormat) -> AccountNumber {
    account_number(number, format).unwrap_or_else(|e| panic!("{e}"))
}

fn record(number: &str, format: &AccountNumberFormat) -> AccountRecord {
    AccountRecord {
        account_number: acct(number, format),
        customer_number: None,
        zip: None,
        name: None,
        email: None,
        commercial: false,
        tax_id: None,
        login: None,
    }
}

fn dir(records: Vec<AccountRecord>) -> Dir {
    Dir {
        accounts: records
            .into_iter()
            .map(|r| (r.account_number.as_str().to_string(), r))
            .collect(),
        usernames: vec!["taken.user".into(), "owner@example.com".into()],
    }
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 15, 0, 0)
        .single()
        .unwrap_or_default()
}

fn policy(proofs: Vec<Proof>, username: UsernameRule) -> RegistrationPolicy {
    RegistrationPolicy {
        proofs,
        username,
        terms_version: "2026-01".into(),
        deadline_hours_before_due: None,
        one_account_per_login: false,
    }
}

fn form(account: &str) -> RegistrationForm {
    RegistrationForm {
        account_number: account.into(),
        email: "Pat.Doe@Example.COM".into(),
        accepted_terms_version: Some("2026-01".into()),
        ..RegistrationForm::default()
    }
}

fn run(
    f: &RegistrationForm,
    p: &RegistrationPolicy,
    fmt: &AccountNumberFormat,
    d: &Dir,
) -> Result<Registration, Rejection> {
    let ctx = RegistrationContext {
        channel: RegistrationChannel::Web,
        open_bill_due: None,
        time_zone: chrono_tz::America::New_York,
        now: now(),
    };
    register(f, p, fmt, d, ctx)
}

#[test]
fn shelby_account_and_customer_number_with_a_free_username() {
    let fmt = AccountNumberFormat::account_only(9);
    let mut r = record("12345678", &fmt);
    r.customer_number = Some("0042137".into());
    let d = dir(vec![r]);
    let p = policy(
        vec![Proof::AccountNumber, Proof::CustomerNumber],
        UsernameRule::Free,
    );
    let mut f = form(" 012345678 ");
    f.customer_number = Some("42-137".into());
    f.username = Some("PatDoe_1".into());
    let ok = run(&f, &p, &fmt, &d).unwrap_or_else(|e| panic!("{}", e.internal));
    assert_eq!(
        ok.username, "patdoe_1",
        "usernames are unique case-insensitively"
    );
    assert_eq!(ok.email, "Pat.Doe@example.com");
    assert_eq!(ok.terms.version, "2026-01");
    assert_eq!(ok.terms.accepted_at, now());
    f.customer_number = Some("42138".into());
    assert_eq!(
        run(&f, &p, &fmt, &d).map_err(|e| e.internal),
        Err(InternalReason::ProofMismatch {
            field: "customer_number"
        })
    );
    f.customer_number = Some("42137".into());
    f.username = Some("Taken.User".into());
    assert_eq!(
        run(&f, &p, &fmt, &d).map_err(|e| e.internal),
        Err(InternalReason::UsernameTaken)
    );
}

#[test]
fn medford_customer_account_number_and_zip_with_the_24_hour_deadline() {
    let fmt = AccountNumberFormat::default();
    let mut r = record("00065821-0672430", &fmt);
    r.zip = Some("97501-2216".into());
    let d = dir(vec![r]);
    let mut p = policy(vec![Proof::AccountNumber, Proof::Zip], UsernameRule::Email);
    p.deadline_hours_before_due = Some(24);
    let mut f = form("65821 - 672430");
    f.zip = Some("97501".into());
    let tz = chrono_tz::America::Los_Angeles;
    let due = chrono::NaiveDate::from_ymd_opt(2026, 12, 1);
    // Due 1 December: the deadline is 30 November 00:00 Pacific = 08:00 UTC.
    let before = Utc
        .with_ymd_and_hms(2026, 11, 30, 7, 59, 0)
        .single()
        .unwrap_or_default();
    let at = Utc
        .with_ymd_and_hms(2026, 11, 30, 8, 0, 0)
        .single()
        .unwrap_or_default();
    let covered = register(
        &f,
        &p,
        &fmt,
        &d,
        RegistrationContext {
            channel: RegistrationChannel::App,
            open_bill_due: due,
            time_zone: tz,
            now: before,
        },
    )
    .map(|r| r.current_bill);
    assert_eq!(covered, Ok(CurrentBill::Covered));
    let late = register(
        &f,
        &p,
        &fmt,
        &d,
        RegistrationContext {
            channel: RegistrationChannel::Web,
            open_bill_due: due,
            time_zone: tz,
            now: at,
        },
    )
    .map(|r| r.current_bill);
    assert_eq!(late, Ok(CurrentBill::NotCovered { deadline: at }));
    let ok = register(
        &f,
        &p,
        &fmt,
        &d,
        RegistrationContext {
            channel: RegistrationChannel::Web,
            open_bill_due: due,
            time_zone: tz,
            now: at,
        },
    )
    .unwrap_or_else(|e| panic!("{}", e.internal));
    assert_eq!(ok.username, "pat.doe@example.com", "the login is the email");
    let phone = register(
        &f,
        &p,
        &fmt,
        &d,
        RegistrationContext {
            channel: RegistrationChannel::Phone,
            open_bill_due: due,
            time_zone: tz,
            now: at,
        },
    )
    .map_err(|e| e.internal);
    assert_eq!(
        phone,
        Err(InternalReason::ChannelRefused { channel: "phone" })
    );
}

#[test]
fn crow_wing_name_and_email_and_a_tax_id_for_businesses() {
    let fmt = AccountNumberFormat::account_only(8);
    let mut home = record("40012345", &fmt);
    home.name = Some("Núñez".into());
    home.email = Some("pat.doe@example.com".into());
    let mut shop = record("40099999", &fmt);
    shop.name = Some("Ace Plumbing, Inc.".into());
    shop.email = Some("pat.doe@example.com".into());
    shop.commercial = true;
    shop.tax_id = Some("41-1234567".into());
    let d = dir(vec![home, shop]);
    let p = policy(
        vec![
            Proof::AccountNumber,
            Proof::LastNameOrBusiness,
            Proof::AccountEmail,
            Proof::TaxIdIfCommercial,
        ],
        UsernameRule::Email,
    );
    let mut f = form("40012345");
    f.name = Some("NUNEZ".into());
    assert!(
        run(&f, &p, &fmt, &d).is_ok(),
        "diacritics and case do not matter"
    );
    let mut b = form("40099999");
    b.name = Some("ace plumbing inc".into());
    assert_eq!(
        run(&b, &p, &fmt, &d).map_err(|e| e.internal),
        Err(InternalReason::ProofMismatch { field: "tax_id" })
    );
    b.tax_id = Some("411234567".into());
    assert!(run(&b, &p, &fmt, &d).is_ok());
    f.email = "someone.else@example.com".into();
    assert_eq!(
        run(&f, &p, &fmt, &d).map_err(|e| e.internal),
        Err(InternalReason::ProofMismatch { field: "email" })
    );
}

#[test]
fn cal_water_zip_must_match_and_one_account_per_login() {
    let fmt = AccountNumberFormat::account_only(10);
    let mut free = record("1234567890", &fmt);
    free.zip = Some("95112".into());
    let mut linked = record("1234567891", &fmt);
    linked.zip = Some("95112".into());
    linked.login = Some("someone".into());
    let d = dir(vec![free, linked]);
    let mut p = policy(vec![Proof::AccountNumber, Proof::Zip], UsernameRule::Email);
    p.one_account_per_login = true;
    let mut f = form("1234567890");
    f.zip = Some("95113".into());
    assert_eq!(
        run(&f, &p, &fmt, &d).map_err(|e| e.internal),
        Err(InternalReason::ZipMismatch)
    );
    f.zip = Some("95112-0001".into());
    assert!(run(&f, &p, &fmt, &d).is_ok());
    let mut g = form("1234567891");
    g.zip = Some("95112".into());
    assert_eq!(
        run(&g, &p, &fmt, &d).map_err(|e| e.internal),
        Err(InternalReason::AccountOnAnotherLogin)
    );
    p.one_account_per_login = false;
    assert_eq!(
        run(&g, &p, &fmt, &d).map_err(|e| e.internal),
        Err(InternalReason::AlreadyRegistered)
    );
}

#[test]
fn no_match_wrong_zip_and_already_registered_look_identical() {
    let fmt = AccountNumberFormat::account_only(10);
    let mut a = record("1234567890", &fmt);
    a.zip = Some("95112".into());
    let mut b = record("1234567891", &fmt);
    b.zip = Some("95112".into());
    b.login = Some("owner".into());
    let d = dir(vec![a, b]);
    let p = policy(vec![Proof::AccountNumber, Proof::Zip], UsernameRule::Email);
    let attempt = |account: &str, zip: &str| {
        let mut f = form(account);
        f.zip = Some(zip.into());
        run(&f, &p, &fmt, &d)
            .err()
            .unwrap_or_else(|| panic!("accepted"))
    };
    let no_match = attempt("9999999999", "95112");
    let wrong_zip = attempt("1234567890", "10001");
    let registered = attempt("1234567891", "95112");
    assert_eq!(no_match.internal, InternalReason::NoMatch);
    assert_eq!(wrong_zip.internal, InternalReason::ZipMismatch);
    assert_eq!(registered.internal, InternalReason::AlreadyRegistered);
    let bytes = |r: &Rejection| serde_json::to_vec(&r.public).unwrap_or_default();
    assert_eq!(bytes(&no_match), bytes(&wrong_zip));
    assert_eq!(bytes(&no_match), bytes(&registered));
    assert_eq!(no_match.to_string(), registered.to_string());
    // The internal reasons differ, for the audit log.
    assert_ne!(
        no_match.internal.to_string(),
        wrong_zip.internal.to_string()
    );
}

#[test]
fn form_problems_are_reported_before_any_lookup() {
    let fmt = AccountNumberFormat::account_only(10);
    let d = dir(vec![]);
    let p = policy(vec![Proof::AccountNumber, Proof::Zip], UsernameRule::Email);
    let mut f = form("12345X");
    assert!(matches!(
        run(&f, &p, &fmt, &d).map_err(|e| e.internal),
        Err(InternalReason::InvalidField {
            field: "account_number",
            ..
        })
    ));
    f.account_number = "1234567890".into();
    f.email = " ".into();
    let e = run(&f, &p, &fmt, &d).err().map(|e| e.public.message);
    assert_eq!(e.as_deref(), Some("Email address cannot be blank."));
    f.email = "pat@example.com".into();
    f.zip = Some("123".into());
    assert!(matches!(
        run(&f, &p, &fmt, &d).map_err(|e| e.internal),
        Err(InternalReason::InvalidField { field: "zip", .. })
    ));
    f.zip = Some("95112".into());
    f.accepted_terms_version = Some("2025-01".into());
    assert_eq!(
        run(&f, &p, &fmt, &d).map_err(|e| e.internal),
        Err(InternalReason::TermsNotAccepted)
    );
}
