//! The end-to-end portal demo on a fresh SQLite file: loads the seed
//! utilities' profiles, registers a customer of each with its own recipe
//! (and shows a refused registration), links a second Shelby account, bills
//! October, quotes the convenience fees, pays part of two linked accounts,
//! enrols in AutoPay and runs the AutoPay cycle twice for the same day (the
//! second run drafts nothing), hands the payments to a scripted processor
//! (one draft declined; a third run for the day drafts nothing though the
//! bill is open again, because the draft was claimed; then it is retried
//! on the card schedule), then prints what the portal did.
//!
//! `ratepayer demo [--db FILE]` (default `ratepayer-demo.sqlite` in the
//! system's temporary directory, deleted first so every run starts fresh);
//! `ratepayer demo --db postgres://…` runs it on PostgreSQL instead, in the
//! schema `ratepayer_demo` of that database, dropped first.
//! Money and times are the demo's own; the secrets and randomness are real
//! (the OS generator, Argon2id at the OWASP parameters).

use std::error::Error;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use ratepayer::autopay::failures::FailureAction;
use ratepayer::autopay::CardExpiry;
use ratepayer::credential::HashParams;
use ratepayer::fees::{Channel, PaymentMethod};
use ratepayer::payment::{AccountNumber, AccountStatus, PaymentTarget, SplitPart};
use ratepayer::profile::builtin;
use ratepayer::registration::{AccountRecord, RegistrationChannel, RegistrationForm};
use ratepayer::security::{OsRandom, RandomSource};
use ratepayer::verification::Contact;
use ratepayer::{BillInput, BillingPeriod, Currency, Money, Quantity, Unit};
use ratepayer_portal::store::{DeclineReason, Store};
use ratepayer_portal::{
    AccountImport, EnrolRequest, FakeOutcome, FakeProcessor, LinkRequest, LoginAttempt,
    LoginOutcome, NewPaymentMethod, PaymentRequest, Portal, PortalSecrets, PostedBill,
    RecordingNotifier, ResultEffect, Session, SignupRequest,
};
use ratepayer_postgres::PostgresStore;
use ratepayer_sqlite::SqliteStore;
use rust_decimal::Decimal;

type Res<T> = Result<T, Box<dyn Error>>;

use crate::cli::DemoArgs;
use crate::error::CliError;

fn noon(day: NaiveDate) -> Res<DateTime<Utc>> {
    Ok(Utc.from_utc_datetime(&day.and_hms_opt(12, 0, 0).ok_or("no such time")?))
}

fn at(month: u32, day: u32, hour: u32) -> Res<DateTime<Utc>> {
    Utc.with_ymd_and_hms(2025, month, day, hour, 0, 0)
        .single()
        .ok_or_else(|| "bad demo time".into())
}

fn date(month: u32, day: u32) -> Res<NaiveDate> {
    NaiveDate::from_ymd_opt(2025, month, day).ok_or_else(|| "bad demo date".into())
}

fn usd(text: &str) -> Res<Money> {
    Ok(Money::parse(text, Currency::USD)?)
}

fn portal(id: &str, store: &Arc<dyn Store>, notifier: &Arc<RecordingNotifier>) -> Res<Portal> {
    let mut key = vec![0u8; 32];
    OsRandom.fill(&mut key)?;
    Ok(Portal::new(
        builtin::load(id)?,
        store.clone(),
        PortalSecrets {
            digest_key: key,
            hash_params: HashParams::default(),
            pepper: None,
        },
        Box::new(OsRandom),
        notifier.clone(),
    )?)
}

/// One customer of a seed utility, with the recipe's proofs.
struct Customer {
    utility: &'static str,
    account: &'static str,
    customer_number: Option<&'static str>,
    zip: Option<&'static str>,
    name: Option<&'static str>,
    email: &'static str,
    username: Option<&'static str>,
    terms: &'static str,
    password: &'static str,
}

const CUSTOMERS: &[Customer] = &[
    Customer {
        utility: "shelby",
        account: "100001",
        customer_number: Some("65821"),
        zip: None,
        name: None,
        email: "pat@example.com",
        username: Some("patdoe"),
        terms: "2024-07",
        password: "glacier-violet-trombone-88",
    },
    Customer {
        utility: "medford",
        account: "65821-672430",
        customer_number: None,
        zip: Some("97501"),
        name: None,
        email: "rivera@example.org",
        username: None,
        terms: "watersmart-2025",
        password: "pear orchard in the rogue valley",
    },
    Customer {
        utility: "crow-wing",
        account: "4410023",
        customer_number: None,
        zip: None,
        name: Some("Lindqvist"),
        email: "lindqvist@example.net",
        username: None,
        terms: "smarthub-2025",
        password: "loons-call-over-gull-lake",
    },
    Customer {
        utility: "cal-water",
        account: "7700012345",
        customer_number: None,
        zip: Some("95112"),
        name: None,
        email: "nguyen@example.com",
        username: None,
        terms: "2025-03",
        password: "Drought-Tolerant-Garden-7",
    },
];

fn form(c: &Customer, account: &str) -> RegistrationForm {
    RegistrationForm {
        account_number: account.into(),
        customer_number: c.customer_number.map(Into::into),
        zip: c.zip.map(Into::into),
        name: c.name.map(Into::into),
        email: c.email.into(),
        username: c.username.map(Into::into),
        accepted_terms_version: Some(c.terms.into()),
        ..Default::default()
    }
}

fn import(p: &Portal, c: &Customer, accounts: &[&str]) -> Res<()> {
    let format = &p.profile().spec().payments.account_number;
    let imports = accounts
        .iter()
        .map(|n| {
            Ok(AccountImport {
                record: AccountRecord {
                    account_number: AccountNumber::parse(n, format)?,
                    customer_number: c.customer_number.map(Into::into),
                    zip: c.zip.map(Into::into),
                    name: c.name.map(Into::into),
                    email: Some(c.email.into()),
                    commercial: false,
                    tax_id: None,
                    login: None,
                },
                status: AccountStatus::Active,
                service_address: Some("412 Main Street".into()),
            })
        })
        .collect::<Res<Vec<_>>>()?;
    p.import_accounts(&imports, at(11, 1, 12)?)?;
    Ok(())
}

/// The schema the demo works in on a PostgreSQL database (dropped and
/// made anew by every run).
const DEMO_SCHEMA: &str = "ratepayer_demo";

/// A fresh store for the demo: the SQLite file at `db` (deleted first), or,
/// when `db` is a `postgres://` URL, the schema [`DEMO_SCHEMA`] of that
/// database (dropped first). Also says where, for the heading.
fn fresh_store(db: &Path) -> Res<(Arc<dyn Store>, String)> {
    if let Some(url) = crate::back_office::postgres_url(db) {
        ratepayer_postgres::drop_schema(url, DEMO_SCHEMA)?;
        let store = PostgresStore::open_in_schema(url, DEMO_SCHEMA)?;
        return Ok((
            Arc::new(store),
            format!("a fresh schema `{DEMO_SCHEMA}` of a PostgreSQL database"),
        ));
    }
    for suffix in ["", "-wal", "-shm"] {
        let file = PathBuf::from(format!("{}{suffix}", db.display()));
        if file.exists() {
            std::fs::remove_file(&file)?;
        }
    }
    if let Some(dir) = db.parent() {
        std::fs::create_dir_all(dir)?;
    }
    Ok((
        Arc::new(SqliteStore::open(db)?),
        format!("a fresh SQLite file: {}", db.display()),
    ))
}

fn run_demo(path: PathBuf) -> Res<()> {
    let (store, place) = fresh_store(&path)?;
    let notifier = Arc::new(RecordingNotifier::new());
    // Every customer call names its client (for the throttles and the audit trail).
    let client = ratepayer_portal::ClientContext::new("192.0.2.10", "ratepayer-cli demo")?;
    println!("ratepayer portal demo on {place}\n");

    println!("1. Registration, each utility with its own recipe");
    let mut portals = Vec::new();
    for c in CUSTOMERS {
        let p = portal(c.utility, &store, &notifier)?;
        import(&p, c, &[c.account])?;
        let reg = p.register(
            &SignupRequest {
                form: form(c, c.account),
                password: c.password.into(),
                channel: RegistrationChannel::Web,
            },
            &client,
            at(11, 5, 15)?,
        )?;
        let contact = Contact::email(c.email)?;
        let code = notifier
            .last_code_to(&contact)
            .ok_or("no verification code was sent")?;
        p.verify_contact(&reg.login_id, &reg.email_code_id, &code, at(11, 5, 15)?)?;
        let proofs: Vec<String> = p
            .profile()
            .spec()
            .registration
            .as_ref()
            .map(|r| r.proofs.iter().map(|x| format!("{x:?}")).collect())
            .unwrap_or_default();
        println!(
            "   {:<16} {:<22} registered `{}` with {} (email verified)",
            p.profile().spec().name,
            reg.account,
            reg.username,
            proofs.join(" + ")
        );
        portals.push((c, p, reg.login_id));
    }
    let (pat_c, shelby, pat) = portals.first().ok_or("no Shelby customer")?;

    let refused = shelby
        .register(
            &SignupRequest {
                form: RegistrationForm {
                    customer_number: Some("99999".into()),
                    username: Some("somebody".into()),
                    ..form(pat_c, "100002")
                },
                password: "another-long-passphrase".into(),
                channel: RegistrationChannel::Web,
            },
            &client,
            at(11, 5, 16)?,
        )
        .err()
        .ok_or("the wrong customer number was accepted")?;
    let internal = shelby
        .audit_trail()?
        .into_iter()
        .rev()
        .find(|e| e.kind.as_str() == "registration_rejected")
        .map(|e| e.detail)
        .unwrap_or_default();
    println!("   refused: \"{refused}\"\n   (audit log only: {internal})\n");

    println!("2. Sign-in from a new device, then linking a second account");
    let LoginOutcome::ChallengeRequired { challenge_id, .. } = shelby.login(
        &LoginAttempt {
            username: "PatDoe",
            password: pat_c.password,
            device_token: None,
        },
        &client,
        at(11, 6, 9)?,
    )?
    else {
        return Err("a new device should be challenged".into());
    };
    let code = notifier
        .last_code_to(&Contact::email(pat_c.email)?)
        .ok_or("no sign-in code")?;
    let LoginOutcome::SignedIn {
        device_token: Some(device),
        ..
    } = shelby.pass_device_challenge(
        pat,
        &challenge_id,
        &code,
        Some("demo laptop"),
        &client,
        at(11, 6, 9)?,
    )?
    else {
        return Err("the challenge should sign in and remember the device".into());
    };
    // Each later step signs in again from the remembered device: a session
    // ends after 30 idle minutes, and every customer call takes one.
    let sign_in = |now: DateTime<Utc>| -> Res<Session> {
        let LoginOutcome::SignedIn { session, .. } = shelby.login(
            &LoginAttempt {
                username: "PatDoe",
                password: pat_c.password,
                device_token: Some(&device),
            },
            &client,
            now,
        )?
        else {
            return Err("a remembered device should sign in".into());
        };
        Ok(shelby.session(&session, now)?)
    };
    println!("   patdoe passed the emailed-code challenge; the device is remembered");
    import(shelby, pat_c, &["100002"])?;
    let linked = shelby.link_account(
        &sign_in(at(11, 6, 10)?)?,
        &LinkRequest {
            form: form(pat_c, "100002"),
            password: pat_c.password.into(),
            nickname: Some("Rental on Oak St".into()),
        },
        &client,
        at(11, 6, 10)?,
    )?;
    println!(
        "   linked {linked} (\"Rental on Oak St\"); a notice went to {}\n",
        pat_c.email
    );

    println!("3. October water bills");
    let tariff = shelby.profile().tariff("shelby-water-residential")?;
    let october = BillingPeriod::new(date(10, 1)?, date(10, 31)?)?;
    for (account, gallons) in [("100001", 7400), ("100002", 3200)] {
        let bill = tariff.bill(
            &BillInput::metered(october, Quantity::new(Decimal::from(gallons), Unit::Gallon))
                .meter_size("5/8"),
        )?;
        shelby.post_bill(
            &PostedBill {
                account,
                bill_id: "2025-10",
                bill: &bill,
                bill_date: date(11, 3)?,
                due_date: date(11, 24)?,
                printed_draft_date: None,
            },
            at(11, 3, 12)?,
        )?;
        println!(
            "   {account}: {gallons} gal -> {}",
            bill.total.to_decimal_string()
        );
    }
    let home = shelby.home(&sign_in(at(11, 6, 12)?)?)?;
    for a in &home.accounts {
        println!(
            "   {} {:<18} due {:>7} on {}",
            a.account,
            a.nickname.as_deref().unwrap_or("(home)"),
            a.amount_due.to_decimal_string(),
            a.due_date.map(|d| d.to_string()).unwrap_or_default()
        );
    }
    println!(
        "   total due across linked accounts: {}\n",
        home.total_due.to_decimal_string()
    );

    println!("4. Convenience fees, quoted before paying");
    let day7 = sign_in(at(11, 7, 9)?)?;
    let card = shelby.add_payment_method(
        &day7,
        &NewPaymentMethod {
            method: PaymentMethod::CreditCard,
            token: "tok_demo_visa".into(),
            label: "Visa ending 4242".into(),
            card_expiry: Some(CardExpiry {
                year: 2029,
                month: 8,
            }),
        },
        at(11, 7, 9)?,
    )?;
    let bank = shelby.add_payment_method(
        &day7,
        &NewPaymentMethod {
            method: PaymentMethod::Echeck,
            token: "tok_demo_checking".into(),
            label: "Checking ending 6789".into(),
            card_expiry: None,
        },
        at(11, 7, 9)?,
    )?;
    let split = PaymentTarget::Split(vec![
        SplitPart {
            account: "100001".into(),
            amount: usd("25.00")?,
        },
        SplitPart {
            account: "100002".into(),
            amount: usd("15.00")?,
        },
    ]);
    // An hour later: the 9:00 session has gone idle, so Pat signs in again.
    let day7 = sign_in(at(11, 7, 10)?)?;
    for (label, method) in [("card", &card), ("e-check", &bank)] {
        let q = shelby
            .quote_payment(
                &day7,
                &split,
                usd("40.00")?,
                Channel::Online,
                method,
                at(11, 7, 10)?,
            )?
            .quote;
        println!(
            "   online by {label:<8} amount {} + fee {} = {}",
            q.amount.to_decimal_string(),
            q.fee.to_decimal_string(),
            q.total.to_decimal_string()
        );
    }
    let quote = shelby.quote_payment(
        &day7,
        &split,
        usd("40.00")?,
        Channel::Online,
        &bank,
        at(11, 7, 10)?,
    )?;
    println!(
        "   disclosure: {}\n   quote {} stored, valid until {}\n",
        quote.quote.disclosure, quote.id, quote.expires_at
    );

    println!("5. A partial payment across the two linked accounts (e-check)");
    let request = PaymentRequest {
        quote_id: quote.id.clone(),
        idempotency_key: "demo-payment-2025-11-07-0001".into(),
    };
    let receipt = shelby.pay(&day7, &request, at(11, 7, 10)?)?;
    let day7 = sign_in(at(11, 7, 11)?)?;
    let again = shelby.pay(&day7, &request, at(11, 7, 11)?)?;
    println!(
        "   submitted twice with one idempotency key: one payment ({})",
        if again == receipt {
            "same receipt"
        } else {
            "DIFFERENT receipt"
        }
    );
    for part in &receipt.allocation.accounts {
        println!("   {} paid {}", part.account, part.paid.to_decimal_string());
    }
    println!(
        "   charged {} (fee {}); total still due {}\n",
        receipt.total.to_decimal_string(),
        receipt.fee.to_decimal_string(),
        shelby.home(&day7)?.total_due.to_decimal_string()
    );

    println!("6. AutoPay, and the AutoPay cycle run twice for the due date");
    for account in ["100001", "100002"] {
        let enrolled = shelby.enrol_autopay(
            &day7,
            &EnrolRequest {
                account: account.into(),
                option: "Card AutoPay".into(),
                payment_method_id: card.clone(),
                accepted_terms_version: Some("2024-07".into()),
                maximum: Some(usd("250.00")?),
                amount_notices: Default::default(),
            },
            at(11, 7, 11)?,
        )?;
        println!("   {account}: {}", enrolled.message);
    }
    for run in 1..=2 {
        let report = shelby.run_autopay_cycle(date(11, 24)?, at(11, 24, 6)?)?;
        println!(
            "   run {run} for 2025-11-24: {} enrolment(s), {} drafted ({}), {} already drafted",
            report.enrolments,
            report.drafted,
            report
                .charged
                .map(|m| m.to_decimal_string())
                .unwrap_or_else(|| "nothing".into()),
            report.already_drafted
        );
        println!(
            "   run {run}: {} notice(s) written to the outbox",
            report.notices_queued
        );
    }
    let delivered = shelby.deliver_outbox(at(11, 24, 6)?, 1_000)?;
    println!(
        "   outbox delivered: {} notice(s), {} failed; again: {} more",
        delivered.delivered,
        delivered.failed.len(),
        shelby.deliver_outbox(at(11, 24, 6)?, 1_000)?.delivered
    );
    println!(
        "   total due after AutoPay: {}\n",
        shelby
            .home(&sign_in(at(11, 24, 9)?)?)?
            .total_due
            .to_decimal_string()
    );

    println!("7. The payment processor (a scripted fake): hand-off, a decline, a retry");
    let processor = FakeProcessor::new();
    // 100001's charges in order: the split payment above settles, its draft is declined.
    processor.script_account(
        "000100001",
        &[
            FakeOutcome::Settle,
            FakeOutcome::Decline(DeclineReason::Soft),
        ],
    );
    let sent = shelby.submit_pending(&processor, at(11, 24, 7)?)?;
    println!(
        "   {} pending payment(s) and draft(s) submitted; sent again: {} more",
        sent.submitted.len(),
        shelby
            .submit_pending(&processor, at(11, 24, 8)?)?
            .submitted
            .len()
    );
    let mut retry_on = None;
    for result in processor.results(date(11, 25)?) {
        let done = shelby.record_result(&result, at(11, 25, 9)?)?;
        println!("   {} {}", done.payment_id, done.status);
        if let Some(FailureAction::Retry { on, .. }) = done.autopay {
            retry_on = Some(on);
        }
        let again = shelby.record_result(&result, at(11, 25, 10)?)?;
        if again.effect != ResultEffect::Duplicate {
            return Err("a result sent twice changed the store".into());
        }
    }
    println!(
        "   total due after the decline: {}",
        shelby
            .home(&sign_in(at(11, 25, 10)?)?)?
            .total_due
            .to_decimal_string()
    );
    // The declined bill is open again, but its draft for this day was
    // claimed: a third run for the same day drafts nothing.
    let again = shelby.run_autopay_cycle(date(11, 24)?, at(11, 25, 11)?)?;
    println!(
        "   run 3 for 2025-11-24: {} drafted, {} already drafted (claimed, though {} is due)",
        again.drafted,
        again.already_drafted,
        shelby
            .home(&sign_in(at(11, 25, 11)?)?)?
            .total_due
            .to_decimal_string()
    );
    if let Some(on) = retry_on {
        let report = shelby.run_autopay_cycle(on, noon(on)?)?;
        shelby.submit_pending(&processor, noon(on)?)?;
        for result in processor.results(on) {
            let done = shelby.record_result(&result, noon(on)?)?;
            println!("   retried on {on}: {} {}", done.payment_id, done.status);
        }
        println!(
            "   {} re-presentment(s); total due: {}\n",
            report.representments,
            shelby
                .home(&sign_in(noon(on)?)?)?
                .total_due
                .to_decimal_string()
        );
    }
    let late = shelby.deliver_outbox(at(12, 31, 9)?, 1_000)?;
    println!(
        "   outbox: {} more notice(s) delivered after the retry\n",
        late.delivered
    );

    println!("8. Audit trail (Shelby)");
    for e in shelby.audit_trail()? {
        println!(
            "   {} {:<22} {}",
            e.at.format("%m-%d %H:%M"),
            e.kind.as_str(),
            e.detail
        );
    }
    println!(
        "\n{} messages sent (codes, notices, receipts).",
        notifier.sent().len()
    );
    Ok(())
}

/// Runs the demo on a fresh database file.
pub fn run(args: &DemoArgs) -> Result<(), CliError> {
    let path = args
        .db
        .clone()
        .unwrap_or_else(|| std::env::temp_dir().join("ratepayer-demo.sqlite"));
    run_demo(path).map_err(|e| CliError::Domain(format!("the demo failed: {e}")))
}
