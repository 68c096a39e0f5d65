//! Record builders every storage adapter's tests share (SQLite and
//! PostgreSQL include this file with `#[path]`, like `portal_support`): one
//! builder per record (every optional field filled, instants with odd
//! fractions of a second, amounts with trailing zeros, so a lossy round trip
//! shows), and [`same`], which compares records and their JSON.
#![allow(dead_code)]

use chrono::{DateTime, NaiveDate, Utc};
use ratepayer::autopay::{AmountNoticePreference, CardExpiry};
use ratepayer::credential::StoredCredential;
use ratepayer::fees::{Channel, PaymentMethod};
use ratepayer::login::{DeviceRecord, FailureCounter};
use ratepayer::password::NormalizationForm;
use ratepayer::payment::{
    AccountAllocation, AccountStatus, AllocatedItem, ChargeKind, OpenCharge, PaymentAllocation,
};
use ratepayer::registration::{AccountRecord, TermsAcceptance};
use ratepayer::verification::{CodeRecord, Contact};
use ratepayer::{Currency, Money};
use ratepayer_portal::store::{
    AccountRow, AuditEvent, AuditKind, BillRow, ChargeRow, CodeRow, ContactRow, DraftRow,
    EnrolmentRow, EnrolmentStatus, LinkRow, LoginRow, PaymentMethodRow, PaymentRow, PaymentSource,
    PaymentStatus, Role, Settlement, StatementLine,
};
use serde::de::DeserializeOwned;
use serde_json::json;

/// A value of a type with private fields, from its JSON.
pub fn from_json<T: DeserializeOwned>(value: serde_json::Value) -> T {
    serde_json::from_value(value).unwrap()
}

/// An instant from RFC 3339 text.
pub fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().to_utc()
}

/// A calendar date.
pub fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// US dollars from text (trailing zeros kept).
pub fn usd(text: &str) -> Money {
    Money::parse(text, Currency::USD).unwrap()
}

/// A throttle counter with two failures.
pub fn throttle() -> FailureCounter {
    from_json(json!({
        "failures": 2,
        "last_failure_at": "2026-01-02T03:04:05.123456789Z",
        "locked_at": null,
    }))
}

/// A login of `utility` with `username`.
pub fn login(id: &str, utility: &str, username: &str) -> LoginRow {
    LoginRow {
        id: id.to_owned(),
        utility: utility.to_owned(),
        username: username.to_owned(),
        email: format!("{username}@example.com"),
        credential: StoredCredential {
            phc: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNo".to_owned(),
            normalization: NormalizationForm::Nfc,
            pepper_id: Some("pepper-2026".to_owned()),
        },
        must_change_password: true,
        throttle: throttle(),
        terms: TermsAcceptance {
            version: "2025-07".to_owned(),
            accepted_at: at("2026-01-01T08:00:00.5Z"),
        },
        created_at: at("2026-01-01T08:00:01.000000001Z"),
    }
}

/// An account of `utility`, registered to `owner` if given.
pub fn account(utility: &str, number: &str, owner: Option<&str>) -> AccountRow {
    AccountRow {
        utility: utility.to_owned(),
        record: AccountRecord {
            account_number: from_json(json!(number)),
            customer_number: Some("778".to_owned()),
            zip: Some("38111".to_owned()),
            name: Some("Okafor".to_owned()),
            email: Some("on-file@example.com".to_owned()),
            commercial: true,
            tax_id: Some("12-3456789".to_owned()),
            login: owner.map(str::to_owned),
        },
        status: AccountStatus::Active,
        currency: Currency::USD,
        service_address: Some("12 Elm St".to_owned()),
        paperless: true,
        ebilling: true,
        text_alerts: true,
        billing_email: Some("bills@example.com".to_owned()),
        credit: usd("1.50"),
        throttle: throttle(),
    }
}

/// A link of `login` to an account.
pub fn link(login: &str, utility: &str, account: &str, role: Role) -> LinkRow {
    LinkRow {
        login: login.to_owned(),
        utility: utility.to_owned(),
        account: account.to_owned(),
        role,
        nickname: Some("Lake cabin".to_owned()),
        linked_at: at("2026-02-03T04:05:06.789Z"),
        by_staff: true,
    }
}

/// A verified email contact of `login`.
pub fn contact(login: &str, email: &str) -> ContactRow {
    ContactRow {
        login: login.to_owned(),
        contact: Contact::email(email).unwrap(),
        verified_at: Some(at("2026-02-03T04:05:06Z")),
    }
}

/// A pending email code of `login`.
pub fn code(id: &str, login: &str) -> CodeRow {
    let record: CodeRecord = from_json(json!({
        "purpose": "activate_email",
        "contact": { "kind": "email", "value": "pat@example.com" },
        "digest": "9f2c0d1e",
        "issued_at": "2026-02-03T04:05:06.25Z",
        "expires_at": "2026-02-03T04:15:06.25Z",
        "attempts": 1,
        "max_attempts": 5,
        "resends": 2,
        "state": "pending",
        "used_at": null,
    }));
    CodeRow {
        id: id.to_owned(),
        login: login.to_owned(),
        record,
    }
}

/// A remembered, revoked device of `login`.
pub fn device(id: &str, login: &str) -> DeviceRecord {
    from_json(json!({
        "id": id,
        "login": login,
        "digest": "d1g3st",
        "label": "Firefox on Windows",
        "created_at": "2026-02-03T04:05:06.1Z",
        "expires_at": "2026-03-05T04:05:06.1Z",
        "revoked": { "at": "2026-02-10T00:00:00Z", "reason": "password_changed" },
    }))
}

/// A stored card of `login`.
pub fn payment_method(id: &str, login: &str) -> PaymentMethodRow {
    PaymentMethodRow {
        id: id.to_owned(),
        login: login.to_owned(),
        method: PaymentMethod::CreditCard,
        token: format!("tok_{id}"),
        label: "Visa ending 4242".to_owned(),
        card_expiry: Some(CardExpiry {
            year: 2028,
            month: 7,
        }),
        added_at: at("2026-02-03T04:05:06Z"),
    }
}

/// A bill of an account.
pub fn bill(utility: &str, account: &str, bill_id: &str, bill_date: NaiveDate) -> BillRow {
    BillRow {
        utility: utility.to_owned(),
        account: account.to_owned(),
        bill_id: bill_id.to_owned(),
        period_from: day(2026, 1, 1),
        period_to: day(2026, 1, 31),
        bill_date,
        due_date: day(2026, 2, 20),
        printed_draft_date: Some(day(2026, 2, 19)),
        total: usd("84.20"),
        lines: vec![
            StatementLine {
                description: "Water, 6,000 gallons".to_owned(),
                amount: usd("60.00"),
            },
            StatementLine {
                description: "Sewer".to_owned(),
                amount: usd("24.20"),
            },
        ],
    }
}

/// An open charge of an account.
pub fn charge(utility: &str, account: &str, id: &str, amount: &str) -> ChargeRow {
    ChargeRow {
        utility: utility.to_owned(),
        account: account.to_owned(),
        charge: OpenCharge {
            id: id.to_owned(),
            kind: ChargeKind::Balance,
            bill_date: day(2026, 2, 1),
            due_date: day(2026, 2, 20),
            amount: usd(amount),
        },
    }
}

/// A portal payment of `login` split over `accounts`.
pub fn payment(id: &str, utility: &str, login: &str, accounts: &[&str]) -> PaymentRow {
    let parts = accounts
        .iter()
        .map(|a| AccountAllocation {
            account: (*a).to_owned(),
            paid: usd("10.00"),
            items: vec![AllocatedItem {
                charge_id: "c1".to_owned(),
                kind: ChargeKind::Balance,
                due_date: day(2026, 2, 20),
                applied: usd("10.00"),
                remaining: usd("74.20"),
            }],
            credit: usd("0.00"),
        })
        .collect();
    PaymentRow {
        id: id.to_owned(),
        utility: utility.to_owned(),
        login: login.to_owned(),
        source: PaymentSource::Portal,
        channel: Channel::Online,
        method: PaymentMethod::CreditCard,
        payment_method_id: "pm1".to_owned(),
        amount: usd("20.00"),
        fee: usd("3.75"),
        total: usd("23.75"),
        allocation: PaymentAllocation {
            accounts: parts,
            total: usd("20.00"),
        },
        idempotency_key: Some(format!("key-{id}")),
        at: at("2026-02-15T12:00:00.333Z"),
        status: PaymentStatus::Pending,
        processor_key: Some(format!("{utility}-proc-{id}")),
        settlement: Settlement::default(),
    }
}

/// An enrolment of an account.
pub fn enrolment(
    utility: &str,
    account: &str,
    login: &str,
    status: EnrolmentStatus,
) -> EnrolmentRow {
    EnrolmentRow {
        utility: utility.to_owned(),
        account: account.to_owned(),
        login: login.to_owned(),
        option: "card-on-due-date".to_owned(),
        payment_method_id: "pm1".to_owned(),
        method: PaymentMethod::CreditCard,
        card_expiry: Some(CardExpiry {
            year: 2028,
            month: 7,
        }),
        maximum: Some(usd("150.00")),
        amount_notices: AmountNoticePreference::OutsideRange {
            min: usd("10.00"),
            max: usd("200.00"),
        },
        skip_due_on_or_before: Some(day(2026, 2, 20)),
        status,
        at: at("2026-02-01T09:30:00.000001Z"),
    }
}

/// An executed draft of an account.
pub fn draft(key: &str, utility: &str, account: &str, executed_at: &str) -> DraftRow {
    DraftRow {
        idempotency_key: key.to_owned(),
        utility: utility.to_owned(),
        account: account.to_owned(),
        bill_id: "b1".to_owned(),
        attempt: 0,
        date: day(2026, 2, 20),
        total: usd("87.95"),
        payment_id: format!("pay-{key}"),
        executed_at: at(executed_at),
    }
}

/// An audit event of `utility`.
pub fn audit(utility: &str, kind: AuditKind, detail: &str) -> AuditEvent {
    AuditEvent {
        at: at("2026-02-15T12:00:00.5Z"),
        utility: utility.to_owned(),
        kind,
        login: Some("l1".to_owned()),
        account: Some("100001".to_owned()),
        detail: detail.to_owned(),
    }
}

/// Asserts that two records are equal and serialise identically (so a
/// `1.50` that came back as `1.5` shows).
pub fn same<T: PartialEq + std::fmt::Debug + serde::Serialize>(got: &T, want: &T) {
    assert_eq!(got, want);
    assert_eq!(
        serde_json::to_string(got).unwrap(),
        serde_json::to_string(want).unwrap()
    );
}

/// An undelivered outbox message of `utility` under `key`, written at
/// `created` (RFC 3339).
pub fn message(utility: &str, key: &str, created: &str) -> ratepayer_portal::store::OutboxMessage {
    ratepayer_portal::store::OutboxMessage {
        utility: utility.to_owned(),
        dedupe_key: key.to_owned(),
        kind: ratepayer_portal::store::MessageKind::Receipt,
        to: Contact::email("pat@example.com").unwrap(),
        subject: "Payment received".to_owned(),
        body: "We received your payment of 12.50 (fee 0.00, total 12.50). \"Quoted\" 'text'."
            .to_owned(),
        login: Some("l1".to_owned()),
        account: Some("100001".to_owned()),
        created_at: at(created),
        attempts: 0,
        last_error: None,
        next_attempt_at: at(created),
        delivered_at: None,
    }
}
