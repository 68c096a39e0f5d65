//! The checks the fuzz targets run, written once.
//!
//! This file is the library of the `ratepayer-fuzz` crate (each target in
//! `fuzz_targets/` calls one function) and is also compiled into the corpus
//! replay test, `crates/ratepayer-portal/tests/fuzz_corpus.rs`, with
//! `#[path = "../../../fuzz/checks.rs"] mod checks;`, so `cargo test` on stable
//! runs exactly what the fuzzer runs on every file of `fuzz/corpus/`.
//!
//! Nothing here may panic on any input except through an `assert!` of an
//! invariant: a panic means a bug in ratepayer (or a broken invariant).
//! It depends only on `ratepayer`, `rust_decimal`, `chrono` and `serde_json`,
//! which the replay test gets from ratepayer's own dependencies.

use chrono::{Days, NaiveDate};
use ratepayer::money::parse_decimal;
use ratepayer::payment::{
    self, AccountNumber, AccountNumberError, AccountNumberFormat, OneTimePaymentForm,
};
use ratepayer::profile::UtilityProfile;
use ratepayer::{
    Bill, BillInput, BillingPeriod, Currency, LineKind, Money, Quantity, RoundingScope, Tariff,
    Unit,
};
use rust_decimal::Decimal;

/// What a tariff input turned out to be.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Outcome {
    /// It loaded as a standalone tariff.
    pub tariff: bool,
    /// It loaded as a utility profile.
    pub profile: bool,
    /// Bills computed without error from what loaded.
    pub bills: usize,
}

/// The `tariff_toml` target: UTF-8 text (other bytes are skipped) read as a
/// tariff and as a utility profile; whatever loads is billed.
pub fn tariff_toml(data: &[u8]) -> Outcome {
    let Ok(text) = std::str::from_utf8(data) else {
        return Outcome::default();
    };
    tariff_text(text, Tariff::from_toml, UtilityProfile::from_toml)
}

/// The `tariff_json` target: the same with JSON.
pub fn tariff_json(data: &[u8]) -> Outcome {
    let Ok(text) = std::str::from_utf8(data) else {
        return Outcome::default();
    };
    tariff_text(text, Tariff::from_json, UtilityProfile::from_json)
}

type Loader<T> = fn(&str) -> Result<T, ratepayer::TariffError>;

fn tariff_text(text: &str, tariff: Loader<Tariff>, profile: Loader<UtilityProfile>) -> Outcome {
    let mut out = Outcome::default();
    match tariff(text) {
        Ok(t) => {
            out.tariff = true;
            json_round_trip(&t);
            out.bills += bill_tariff(&t);
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
    match profile(text) {
        Ok(p) => {
            out.profile = true;
            for t in p.tariffs() {
                assert_eq!(t.currency(), p.spec().currency, "tariff {}", t.id());
                assert!(p.tariff(t.id()).is_ok(), "tariff {} not found", t.id());
                json_round_trip(t);
                out.bills += bill_tariff(t);
            }
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
    out
}

/// A loaded tariff written back as JSON loads again, to the same data.
fn json_round_trip(t: &Tariff) {
    let json = t.to_json();
    let back = Tariff::from_json(&json);
    assert!(
        back.is_ok(),
        "tariff {} does not load from its own JSON: {:?}\n{json}",
        t.id(),
        back.err()
    );
    if let Ok(back) = back {
        assert_eq!(
            back.spec(),
            t.spec(),
            "tariff {} changed through JSON",
            t.id()
        );
    }
}

fn date(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

fn period(from: Option<NaiveDate>, to: Option<NaiveDate>) -> Option<BillingPeriod> {
    BillingPeriod::new(from?, to?).ok()
}

/// Periods worth billing: around the start of the first, second and last
/// versions (a whole month, across the change, a single day), plus fixed
/// months (a leap February, a three-month span) and the longest period.
fn periods(t: &Tariff) -> Vec<BillingPeriod> {
    let versions = &t.spec().versions;
    let mut starts: Vec<NaiveDate> = versions.iter().take(2).map(|v| v.effective_from).collect();
    starts.extend(versions.last().map(|v| v.effective_from));
    starts.dedup();
    let mut out = Vec::new();
    for &d in &starts {
        out.push(Some(BillingPeriod::month_of(d)));
        out.push(period(
            d.checked_sub_days(Days::new(10)),
            d.checked_add_days(Days::new(20)),
        ));
        out.push(period(Some(d), Some(d)));
    }
    out.push(period(date(2025, 10, 1), date(2025, 10, 31)));
    out.push(period(date(2024, 2, 1), date(2024, 2, 29)));
    out.push(period(date(2024, 1, 15), date(2024, 4, 14)));
    if let Some(&first) = starts.first() {
        out.push(period(Some(first), first.checked_add_days(Days::new(799))));
    }
    let mut out: Vec<BillingPeriod> = out.into_iter().flatten().collect();
    out.dedup();
    out
}

fn usages() -> [Decimal; 6] {
    [
        Decimal::ZERO,
        Decimal::new(74, 1),
        Decimal::new(1, 3),
        Decimal::new(123_456_789, 3),
        Decimal::new(1_000_000_000_000, 0),
        Decimal::MAX,
    ]
}

/// Meter sizes and customer classes named anywhere in the tariff.
fn sizes_and_classes(t: &Tariff) -> (Vec<String>, Vec<String>) {
    let mut sizes: Vec<String> = Vec::new();
    let mut classes: Vec<String> = Vec::new();
    for v in &t.spec().versions {
        for f in &v.fixed {
            sizes.extend(f.by_meter_size.iter().map(|s| s.size.clone()));
            classes.extend(f.classes.iter().cloned());
        }
        for c in &v.volumetric {
            classes.extend(c.classes.iter().cloned());
        }
        for s in &v.surcharges {
            classes.extend(s.classes.iter().cloned());
        }
    }
    for list in [&mut sizes, &mut classes] {
        list.sort();
        list.dedup();
        list.truncate(3);
    }
    (sizes, classes)
}

/// Bills `t` for a spread of periods, usages, units, meter sizes, classes and
/// residents; checks every bill computed. Returns how many succeeded.
pub fn bill_tariff(t: &Tariff) -> usize {
    let (sizes, classes) = sizes_and_classes(t);
    let size = sizes.first().map(String::as_str);
    let class = classes.first().map(String::as_str);
    let with = |input: BillInput<'_>| BillInput {
        meter_size: size,
        customer_class: class,
        ..input
    };
    let mut ok = 0;
    let periods = periods(t);
    for &p in &periods {
        for u in usages() {
            ok += bill_one(t, &with(BillInput::metered(p, Quantity::new(u, t.unit()))));
        }
    }
    let Some(&p) = periods.first() else {
        return ok;
    };
    let usage = Quantity::new(Decimal::new(74, 1), t.unit());
    let metered = with(BillInput::metered(p, usage));
    let mut inputs = Vec::new();
    for unit in Unit::ALL {
        inputs.push(BillInput {
            usage: Some(Quantity::new(Decimal::new(74, 1), unit)),
            ..metered
        });
    }
    for hc in [Decimal::new(1037, 3), Decimal::ZERO, Decimal::NEGATIVE_ONE] {
        inputs.push(metered.therms_per_ccf(hc));
        inputs
            .push(BillInput::metered(p, Quantity::new(usage.value, Unit::Ccf)).therms_per_ccf(hc));
    }
    inputs.push(BillInput::metered(
        p,
        Quantity::new(Decimal::NEGATIVE_ONE, t.unit()),
    ));
    inputs.push(BillInput::metered(p, usage));
    inputs.extend(sizes.iter().map(|s| BillInput {
        meter_size: Some(s),
        ..metered
    }));
    inputs.push(metered.meter_size(" nope "));
    inputs.extend(classes.iter().map(|c| BillInput {
        customer_class: Some(c),
        ..metered
    }));
    inputs.push(metered.class("NOPE"));
    inputs.push(metered.residents(3));
    inputs.push(with(BillInput::unmetered(p, 3)));
    inputs.push(with(BillInput::unmetered(p, 0)));
    inputs.push(with(BillInput::unmetered(p, u32::MAX)));
    inputs.push(BillInput {
        residents: None,
        ..with(BillInput::unmetered(p, 1))
    });
    for input in &inputs {
        ok += bill_one(t, input);
    }
    ok
}

fn bill_one(t: &Tariff, input: &BillInput<'_>) -> usize {
    match t.bill(input) {
        Ok(bill) => {
            check_bill(t, input, &bill);
            1
        }
        Err(e) => {
            assert!(!e.to_string().is_empty());
            0
        }
    }
}

/// What every bill must satisfy.
fn check_bill(t: &Tariff, input: &BillInput<'_>, bill: &Bill) {
    let currency = t.currency();
    let minor = currency.minor_units();
    assert_eq!(&*bill.tariff_id, t.id());
    assert_eq!(bill.period, input.period);
    assert_eq!(bill.currency, currency);
    assert_eq!(bill.rounding, t.rounding());
    assert_eq!(bill.usage.unit, t.unit());
    assert_eq!(bill.usage_is_normative, input.usage.is_none());
    assert!(
        !bill.usage.value.is_sign_negative() || bill.usage.value.is_zero(),
        "negative usage billed: {bill:?}"
    );
    assert_eq!(bill.total.currency(), currency);
    assert!(bill.total.is_rounded(), "total not rounded: {}", bill.total);
    let mut sum = Some(Decimal::ZERO);
    for l in &bill.lines {
        assert_eq!(l.amount.currency(), currency);
        assert!(
            input.period.contains(l.period.from()) && input.period.contains(l.period.to()),
            "line {:?} outside the bill period {}",
            l.description(),
            input.period
        );
        assert!(!l.description().is_empty());
        if bill.rounding.scope == RoundingScope::PerLine {
            assert!(
                l.amount.is_rounded(),
                "line {:?} not rounded: {}",
                l.description(),
                l.amount
            );
        }
        sum = sum.and_then(|s| s.checked_add(l.amount.amount()));
    }
    // The engine summed the same lines in the same order without overflow.
    assert_eq!(
        sum.map(|s| bill.rounding.round(s, minor)),
        Some(bill.total.amount()),
        "total is not the rounded sum of the lines"
    );
    // Before tax plus taxes is the sum of the lines, up to the last digits an
    // addition of 28-digit decimals rounds away (the order of the sums differs).
    let parts = bill
        .before_tax()
        .amount()
        .checked_add(bill.taxes().amount());
    let magnitude = bill.lines.iter().try_fold(Decimal::ONE, |acc, l| {
        acc.checked_add(l.amount.amount().abs())
    });
    let count = Decimal::from(bill.lines.len() + 1);
    let tolerance = magnitude
        .and_then(|m| m.checked_mul(count))
        .map(|m| m * Decimal::new(2, 27));
    if let (Some(sum), Some(parts), Some(tolerance)) = (sum, parts, tolerance) {
        let gap = parts.checked_sub(sum).map(|g| g.abs());
        assert!(
            gap.is_some_and(|g| g <= tolerance),
            "before tax + taxes {parts} is not the sum of the lines {sum}"
        );
    }
    // Issue 14: without `allow_credit` a bill never totals below zero, and
    // no rider or tax applies to a negative base (so no tax is negative).
    if !t.allows_credit() {
        assert!(
            !bill.total.is_negative(),
            "total {} below zero without allow_credit",
            bill.total
        );
        for l in &bill.lines {
            if matches!(l.kind(), LineKind::Rider | LineKind::Tax) {
                assert!(
                    !l.quantity.is_sign_negative() || l.quantity.is_zero(),
                    "{:?} applies to a negative base {}",
                    l.description(),
                    l.quantity
                );
            }
            if l.kind() == LineKind::Tax {
                assert!(
                    !l.amount.is_negative(),
                    "tax {:?} is negative: {}",
                    l.description(),
                    l.amount
                );
            }
        }
    }
    if let Some(n) = &bill.normative {
        assert_eq!(n.normative_total.currency(), currency);
        assert_eq!(n.normative_usage.unit, t.unit());
    }
    let text = bill.to_string();
    assert!(text.contains("TOTAL"));
    assert!(serde_json::to_string(bill).is_ok());
}

/// The `amount` target: UTF-8 text (other bytes are skipped) parsed as a
/// decimal, as USD and JPY money, as a currency code and as a unit; and, when
/// it starts with a currency code and a space (`"KWD 1.234"`), the rest as an
/// amount in that currency. Returns what [`parse_decimal`] made of it.
pub fn amount(data: &[u8]) -> Option<Result<Decimal, ratepayer::MoneyError>> {
    let text = std::str::from_utf8(data).ok()?;
    let decimal = parse_decimal(text);
    match &decimal {
        Ok(d) => {
            // Re-formatted, it reads back to the same value, and formats the same.
            let again = d.to_string();
            let back = parse_decimal(&again);
            assert_eq!(back, Ok(*d), "{text:?} -> {again:?} does not read back");
            assert_eq!(
                back.map(|b| b.to_string()),
                Ok(again.clone()),
                "{text:?} -> {again:?}"
            );
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
    for currency in [Currency::USD, Currency::JPY] {
        check_money(text, currency, &decimal);
    }
    match Currency::from_code(text) {
        Ok(c) => {
            assert_eq!(c.code(), text);
            assert!(c.minor_units() <= 4);
            assert_eq!(Currency::from_code(c.code()), Ok(c));
            assert_eq!(c.to_string(), text);
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
    if let Ok(u) = text.parse::<Unit>() {
        assert!(u.symbol().eq_ignore_ascii_case(text));
    }
    if let Some((code, rest)) = text.split_at_checked(3) {
        if let (Ok(c), Some(rest)) = (Currency::from_code(code), rest.strip_prefix(' ')) {
            check_money(rest, c, &parse_decimal(rest));
        }
    }
    Some(decimal)
}

/// Money parsing agrees with [`parse_decimal`] and the currency's minor
/// units, and an amount's text reads back to the same amount.
fn check_money(text: &str, currency: Currency, decimal: &Result<Decimal, ratepayer::MoneyError>) {
    let minor = currency.minor_units();
    match Money::parse(text, currency) {
        Ok(m) => {
            assert_eq!(m.currency(), currency);
            assert_eq!(decimal.as_ref().ok(), Some(&m.amount()), "{text:?}");
            assert!(
                m.amount().scale() <= minor,
                "{text:?} has more than {minor} decimals"
            );
            assert!(m.is_rounded());
            let shown = m.to_decimal_string();
            assert_eq!(
                Money::parse(&shown, currency),
                Ok(m),
                "{text:?} -> {shown:?} does not read back"
            );
            assert_eq!(m.to_string(), format!("{shown} {currency}"));
            if !m.amount().is_zero() {
                assert_eq!(m.is_negative(), m.amount().is_sign_negative());
            }
        }
        Err(e) => {
            assert!(!e.to_string().is_empty());
            if let Ok(d) = decimal {
                assert!(
                    d.scale() > minor,
                    "{text:?} is a decimal with {} places but not {currency}",
                    d.scale()
                );
            }
        }
    }
}

/// The `account_number` target: UTF-8 text (other bytes are skipped)
/// normalized as an account number in the default format (`00065821-0672430`,
/// the result returned), an account-only format and a `821/72430` format;
/// every accepted number is canonical for its format, normalizes to itself,
/// keeps the typed digits, and survives JSON. When the text has two line
/// breaks, its three lines are also the one-time payment form (account
/// number, email, confirmation).
pub fn account_number(data: &[u8]) -> Option<Result<AccountNumber, AccountNumberError>> {
    let text = std::str::from_utf8(data).ok()?;
    let formats = [
        AccountNumberFormat::default(),
        AccountNumberFormat::account_only(10),
        AccountNumberFormat {
            customer_digits: 3,
            account_digits: 5,
            separator: '/',
        },
    ];
    let mut first = None;
    for format in &formats {
        let result = payment::normalize(text, format);
        check_account_number(text, format, &result);
        first.get_or_insert(result);
    }
    let mut lines = text.splitn(3, '\n');
    if let (Some(account), Some(email), Some(confirmation)) =
        (lines.next(), lines.next(), lines.next())
    {
        check_form(account, email, confirmation, &formats[0]);
    }
    first
}

fn check_account_number(
    text: &str,
    format: &AccountNumberFormat,
    result: &Result<AccountNumber, AccountNumberError>,
) {
    let n = match result {
        Ok(n) => n,
        Err(e) => {
            assert!(e.code().starts_with("account_number."), "{e:?}");
            assert!(!e.to_string().is_empty());
            return;
        }
    };
    let digits =
        |s: &str, len: u8| s.len() == usize::from(len) && s.bytes().all(|b| b.is_ascii_digit());
    assert!(
        digits(n.account(), format.account_digits),
        "{text:?} -> {n}"
    );
    match n.customer() {
        Some(c) => {
            assert!(format.has_customer());
            assert!(digits(c, format.customer_digits), "{text:?} -> {n}");
            assert_eq!(
                n.as_str(),
                format!("{c}{}{}", format.separator, n.account())
            );
        }
        None => {
            assert!(!format.has_customer());
            assert_eq!(n.as_str(), n.account());
        }
    }
    assert_eq!(n.to_string(), n.as_str());
    assert_eq!(
        payment::normalize(n.as_str(), format).as_ref(),
        Ok(n),
        "{text:?} -> {n}"
    );
    // The typed digits survive: each part equals the canonical one but for
    // leading zeros; typed without a separator, all digits are kept.
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let typed: Vec<&str> = compact.split(format.separator).collect();
    let canonical: Vec<&str> = n.as_str().split(format.separator).collect();
    if typed.len() == canonical.len() {
        for (t, c) in typed.iter().zip(&canonical) {
            assert_eq!(
                t.trim_start_matches('0'),
                c.trim_start_matches('0'),
                "{text:?} -> {n}"
            );
        }
    } else {
        assert_eq!(compact, canonical.concat(), "{text:?} -> {n}");
    }
    let json = serde_json::to_string(n).unwrap_or_default();
    let back: Result<AccountNumber, _> = serde_json::from_str(&json);
    assert_eq!(back.ok().as_ref(), Some(n), "{n} -> {json}");
}

/// The one-time payment form: a payer's account and email are valid and
/// stable; otherwise each field has at most one error, with a code and message.
fn check_form(account: &str, email: &str, confirmation: &str, format: &AccountNumberFormat) {
    let form = OneTimePaymentForm {
        account_number: account.to_string(),
        email: email.to_string(),
        email_confirmation: confirmation.to_string(),
    };
    match form.validate(format) {
        Ok(payer) => {
            assert_eq!(
                payment::normalize(account, format).as_ref(),
                Ok(&payer.account)
            );
            assert_eq!(
                payment::validate_email(&payer.email).as_ref(),
                Ok(&payer.email)
            );
            assert!(payment::emails_match(&payer.email, confirmation));
            assert_eq!(payer.email.trim(), payer.email);
        }
        Err(errors) => {
            assert!(!errors.is_empty());
            let mut fields: Vec<&str> = errors.iter().map(|e| e.field).collect();
            fields.dedup();
            assert_eq!(fields.len(), errors.len(), "{errors:?}");
            for e in &errors {
                assert!(["account_number", "email", "email_confirmation"].contains(&e.field));
                assert!(!e.code.is_empty() && !e.message.is_empty());
            }
        }
    }
}

/// Which presets accepted the password of a `password` input.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PasswordOutcome {
    /// NIST SP 800-63B-4, the password the only factor.
    pub nist_single_factor: bool,
    /// NIST SP 800-63B-4 with multi-factor authentication on.
    pub nist_mfa: bool,
    /// Cal Water's composition rule, either way.
    pub legacy: bool,
}

/// The `password` target: the bytes read as UTF-8 lossily (invalid
/// sequences become U+FFFD); the first line is the password, the next five
/// (when present) its context: username, email, account number, utility
/// name, street. Checked with both presets, MFA off and on: an accepted
/// password is long enough in graphemes and short enough in code points
/// after NFKC, holds no invisible character, is in NFKC, normalising it
/// again changes nothing, and it equals `NormalizedPassword::new` of the
/// input; failures are
/// well formed (codes `password.*`, each once, messages set, an oversized
/// input refused for its bytes alone); NIST with MFA accepts whatever NIST
/// without accepts; the context only ever adds `password.contains_context`.
pub fn password(data: &[u8]) -> PasswordOutcome {
    use ratepayer::password::{Mfa, NormalizedPassword, PasswordContext, PasswordPolicy};

    let text = String::from_utf8_lossy(data);
    let mut lines = text.split('\n');
    let password = lines.next().unwrap_or_default();
    let mut field = || lines.next();
    let context = PasswordContext {
        username: field(),
        email: field(),
        account_number: field(),
        utility_name: field(),
        street: field(),
    };
    let mut accepted = [false; 4];
    let policies = [
        PasswordPolicy::nist_800_63b_4(),
        PasswordPolicy::legacy_composition(),
    ];
    let runs = policies.iter().flat_map(|p| [(p, Mfa::Off), (p, Mfa::On)]);
    for (slot, (policy, mfa)) in accepted.iter_mut().zip(runs) {
        let codes = |ctx: &PasswordContext<'_>| match policy.check(password, ctx, mfa) {
            Ok(p) => {
                let count = p.char_count();
                let seen = p.grapheme_count();
                assert!(
                    seen >= policy.min_length_for(mfa) as usize && seen <= count,
                    "{seen} {count} {mfa:?}"
                );
                assert!(count <= policy.max_length as usize, "{count}");
                assert_eq!(p.form().as_str(), "NFKC");
                assert_eq!(NormalizedPassword::new(password).as_ref(), Ok(&p));
                Vec::new()
            }
            Err(failures) => {
                assert!(!failures.is_empty());
                let mut codes: Vec<&'static str> = failures.iter().map(|f| f.code).collect();
                for f in &failures {
                    assert!(
                        f.code.starts_with("password.") && !f.message.is_empty(),
                        "{f}"
                    );
                }
                if codes.contains(&"password.too_long_bytes") {
                    assert_eq!(codes.len(), 1, "{codes:?}");
                    assert!(password.len() > policy.max_bytes as usize);
                }
                let n = codes.len();
                codes.sort_unstable();
                codes.dedup();
                assert_eq!(codes.len(), n, "a rule reported twice");
                codes
            }
        };
        let with_context = codes(&context);
        let without = codes(&PasswordContext::default());
        assert!(!without.contains(&"password.contains_context"));
        let mut expected = with_context.clone();
        expected.retain(|c| *c != "password.contains_context");
        assert_eq!(without, expected, "the context changed other rules");
        *slot = with_context.is_empty();
    }
    let [nist_single_factor, nist_mfa, legacy_off, legacy_on] = accepted;
    assert!(
        !nist_single_factor || nist_mfa,
        "NIST with MFA refused what NIST alone accepted"
    );
    assert_eq!(
        legacy_off, legacy_on,
        "the legacy rule does not depend on MFA"
    );
    PasswordOutcome {
        nist_single_factor,
        nist_mfa,
        legacy: legacy_off,
    }
}

/// What a registration input did under each seed utility's recipe.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegistrationOutcome {
    /// Profiles whose recipe accepted it.
    pub accepted: Vec<&'static str>,
}

struct FixtureDirectory(Vec<ratepayer::registration::AccountRecord>);

impl ratepayer::registration::Directory for FixtureDirectory {
    fn account(&self, n: &AccountNumber) -> Option<ratepayer::registration::AccountRecord> {
        self.0.iter().find(|r| r.account_number == *n).cloned()
    }
    fn username_taken(&self, u: &str) -> bool {
        u == "taken.user"
    }
}

/// The `registration` target: lines are account number, customer number,
/// ZIP, name, tax ID, email, username and accepted terms version (empty: the
/// profile's current one). Each seed recipe runs on a fixture account; a
/// refusal to verify ownership must be the one public response, and an
/// accepted registration must carry normalised values.
pub fn registration(data: &[u8]) -> RegistrationOutcome {
    use ratepayer::registration::{
        register, AccountRecord, RegistrationChannel, RegistrationContext, RegistrationForm,
    };

    let text = String::from_utf8_lossy(data);
    let mut lines = text.split('\n');
    let mut next = || lines.next().map(str::to_string);
    let opt = |v: Option<String>| v.filter(|s| !s.is_empty());
    let account_number = next().unwrap_or_default();
    let (customer, zip, name, tax, email, username, terms) =
        (next(), next(), next(), next(), next(), next(), next());
    let mut out = RegistrationOutcome::default();
    let now = chrono::DateTime::from_timestamp(1_795_000_000, 0).unwrap_or_default();
    for id in ["shelby", "medford", "crow-wing", "cal-water"] {
        let Ok(profile) = ratepayer::profile::builtin::load(id) else {
            continue;
        };
        let spec = profile.spec();
        let Some(policy) = &spec.registration else {
            continue;
        };
        let format = &spec.payments.account_number;
        let fixture = |number: &str| -> Option<AccountRecord> {
            let account_number = ratepayer::payment::normalize(number, format).ok()?;
            Some(AccountRecord {
                account_number,
                customer_number: Some("42137".into()),
                zip: Some("97501".into()),
                name: Some("Núñez".into()),
                email: Some("pat.doe@example.com".into()),
                commercial: false,
                tax_id: None,
                login: None,
            })
        };
        let sample = match id {
            "shelby" => "012345678",
            "medford" => "00065821-0672430",
            "crow-wing" => "40012345",
            _ => "1234567890",
        };
        let dir = FixtureDirectory(fixture(sample).into_iter().collect());
        let form = RegistrationForm {
            account_number: account_number.clone(),
            customer_number: opt(customer.clone()),
            zip: opt(zip.clone()),
            name: opt(name.clone()),
            tax_id: opt(tax.clone()),
            email: email.clone().unwrap_or_default(),
            username: opt(username.clone()),
            accepted_terms_version: opt(terms.clone())
                .or_else(|| Some(policy.terms_version.clone())),
        };
        let ctx = RegistrationContext {
            channel: RegistrationChannel::Web,
            open_bill_due: chrono::NaiveDate::from_ymd_opt(2026, 12, 1),
            time_zone: profile.time_zone(),
            now,
        };
        match register(&form, policy, format, &dir, ctx) {
            Ok(r) => {
                assert_eq!(
                    r.username,
                    r.username.to_lowercase(),
                    "{id}: username not lower-cased"
                );
                assert_eq!(
                    ratepayer::payment::validate_email(&r.email).ok().as_deref(),
                    Some(r.email.as_str()),
                    "{id}: email not normalised"
                );
                assert_eq!(r.terms.accepted_at, now);
                out.accepted.push(id);
            }
            Err(e) => {
                if e.public.code == "registration.not_verified" {
                    assert_eq!(e.public.message, ratepayer::registration::NOT_VERIFIED);
                    assert_eq!(
                        e.public.field, None,
                        "{id}: a refusal to verify must not name a field"
                    );
                }
                assert!(!e.public.message.is_empty() && !e.internal.to_string().is_empty());
            }
        }
    }
    out
}

/// What a URDB input turned out to be.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UrdbOutcome {
    /// It imported as a tariff.
    pub imported: bool,
    /// Monthly bills computed from it.
    pub months: usize,
    /// Bills of the read cycles across the year end computed from it.
    pub cycles: usize,
    /// Monthly bills of a customer who generates (every metering option).
    pub generation_months: usize,
}

/// The `urdb` target: UTF-8 text (other bytes are skipped) imported with
/// `electric::urdb::import` (and read as the engine's own JSON form with
/// `ElectricTariff::from_json`, whose tariffs must write back to
/// themselves). An imported tariff must validate, give a reason
/// for every unused field, prepare for a year, and bill a short hourly
/// series (January and December 2029) into monthly bills whose totals are
/// the rounded sums of their lines, in US dollars.
pub fn urdb(data: &[u8]) -> UrdbOutcome {
    use ratepayer::electric::{urdb, IntervalSeries};
    use ratepayer::RoundingPolicy;

    let mut out = UrdbOutcome::default();
    let Ok(text) = std::str::from_utf8(data) else {
        return out;
    };
    // The same text as a tariff in the engine's own JSON form: refused, or
    // a valid tariff that prepares and writes back to itself.
    if let Ok(native) = ratepayer::electric::ElectricTariff::from_json(text) {
        assert!(
            native.validate().is_ok(),
            "from_json gave an invalid tariff"
        );
        let again = ratepayer::electric::ElectricTariff::from_json(&native.to_json());
        assert!(again.as_ref() == Ok(&native), "to_json does not read back");
    }
    let Ok(imported) = urdb::import("fuzz", text) else {
        return out;
    };
    out.imported = true;
    // An imported tariff keeps its JSON form: it reads back as itself.
    let native = ratepayer::electric::ElectricTariff::from_json(&imported.tariff.to_json());
    assert!(
        native.as_ref() == Ok(&imported.tariff),
        "an imported tariff's JSON form does not read back"
    );
    assert!(
        imported
            .unused
            .iter()
            .all(|u| !u.reason.is_empty() && !u.field.is_empty()),
        "an unused field without a reason"
    );
    let tariff = imported.tariff;
    assert!(
        tariff.validate().is_ok(),
        "an imported tariff does not validate"
    );
    let year = tariff.prepare(2029, None);
    assert!(year.is_ok(), "an imported tariff does not prepare");
    let Ok(year) = year else {
        return out;
    };
    let at = |m: u32| {
        NaiveDate::from_ymd_opt(2029, m, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .unwrap_or_default()
    };
    let shape = |i: usize| -> i64 { ((i * 7919) % 97) as i64 * 250_000 };
    for (m, hours) in [(1, 31 * 24), (12, 31 * 24)] {
        let Ok(series) = IntervalSeries::from_micro_kwh(at(m), 60, (0..hours).map(shape).collect())
        else {
            continue;
        };
        for policy in [
            RoundingPolicy::PER_LINE_HALF_UP,
            RoundingPolicy::TOTAL_ONLY_HALF_UP,
        ] {
            let Ok(st) = year.bill(&series, policy) else {
                continue;
            };
            for month in &st.months {
                let b = &month.bill;
                assert_eq!(b.currency, Currency::USD);
                let sum = b
                    .lines
                    .iter()
                    .try_fold(Decimal::ZERO, |a, l| a.checked_add(l.amount.amount()));
                if let Some(sum) = sum {
                    assert_eq!(
                        b.total.amount(),
                        policy.round(sum, 2),
                        "total is not the rounded sum of the lines"
                    );
                }
                out.months += 1;
            }
        }
    }
    // A meter-read cycle across the year end, read in wall-clock time from
    // UTC instants (a DST zone), with every proration: no panic, and each
    // bill's total is the rounded sum of its lines.
    let start = NaiveDate::from_ymd_opt(2029, 11, 21)
        .and_then(|d| d.and_hms_opt(5, 0, 0))
        .unwrap_or_default()
        .and_utc();
    let Ok(series) =
        IntervalSeries::from_utc_instant(start, 60, (0..(24 * 100)).map(shape).collect())
    else {
        return out;
    };
    let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
    let periods: Vec<ratepayer::BillingPeriod> = [
        (day(2029, 11, 21), day(2029, 12, 14)),
        (day(2029, 12, 15), day(2030, 1, 14)),
    ]
    .iter()
    .filter_map(|(a, b)| ratepayer::BillingPeriod::new(*a, *b).ok())
    .collect();
    let options = ratepayer::electric::ElectricOptions {
        zone: Some(chrono_tz::America::New_York),
        ..Default::default()
    };
    if let Ok(bills) = tariff.bill_periods(&series, &periods, &options) {
        for m in &bills {
            let sum = m
                .bill
                .lines
                .iter()
                .try_fold(Decimal::ZERO, |a, l| a.checked_add(l.amount.amount()));
            if let Some(sum) = sum {
                assert_eq!(
                    m.bill.total.amount(),
                    RoundingPolicy::PER_LINE_HALF_UP.round(sum, 2)
                );
            }
            out.cycles += 1;
        }
    }
    // A customer who generates, January to March, under every metering
    // option: no panic; each bill's total is the rounded sum of its lines;
    // what one month carries out, the next brings in.
    let hours = (31 + 28 + 31) * 24;
    let delivered: Vec<Decimal> = (0..hours).map(|i| Decimal::new(shape(i), 6)).collect();
    let received: Vec<Decimal> = (0..hours)
        .map(|i| {
            let h = i % 24;
            let sun = if (9..16).contains(&h) { 3_000_000 } else { 0 };
            Decimal::new(sun - i64::from(h == 0) * 1_000, 6)
        })
        .collect();
    if let Ok(channels) =
        ratepayer::electric::MeterChannels::from_kwh(at(1), 60, &delivered, &received)
    {
        for metering in ratepayer::electric::Metering::ALL {
            let options = ratepayer::electric::MeteringOptions::new(metering);
            let Ok(st) =
                year.bill_generation(&channels, &options, RoundingPolicy::PER_LINE_HALF_UP)
            else {
                continue;
            };
            for m in &st.months {
                let sum = m
                    .bill
                    .lines
                    .iter()
                    .try_fold(Decimal::ZERO, |a, l| a.checked_add(l.amount.amount()));
                if let Some(sum) = sum {
                    assert_eq!(m.bill.total.amount(), sum, "generation lines do not add up");
                }
                out.generation_months += 1;
            }
            for w in st.months.windows(2) {
                if let [a, b] = w {
                    assert_eq!(a.credit_out, b.credit_in, "a carried credit went missing");
                }
            }
        }
    }
    out
}

/// What the `portal` target did with its input.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PortalOutcome {
    /// The registration was accepted.
    pub registered: bool,
    /// Calls that took the typed text without an error (link, nickname,
    /// payment method, delivery, contact, login).
    pub accepted: Vec<&'static str>,
}

/// The `portal` target: lines of typed text (account number, customer
/// number, email, username, password, nickname, token, label, billing email,
/// phone, client address, user agent) fed to every portal call that takes
/// user text, on an in-memory
/// store with one Shelby account. Nothing may panic; a refused registration
/// leaves no login; a refused call changes no record.
pub fn portal(data: &[u8]) -> PortalOutcome {
    use std::sync::Arc;

    use ratepayer::credential::HashParams;
    use ratepayer::registration::{AccountRecord, RegistrationChannel, RegistrationForm};
    use ratepayer::verification::ContactKind;
    use ratepayer_portal::store::{MemoryStore, Store};
    use ratepayer_portal::{
        AccountImport, ClientContext, DeliverySettings, LinkRequest, LoginAttempt, LoginOutcome,
        NewPaymentMethod, Portal, PortalSecrets, RecordingNotifier, SignupRequest,
    };

    let mut out = PortalOutcome::default();
    let text = String::from_utf8_lossy(data);
    let mut lines = text.split('\n');
    let mut next = || lines.next().unwrap_or_default().to_string();
    let (account, customer, email, username, password) = (next(), next(), next(), next(), next());
    let (nickname, token, label, billing, phone) = (next(), next(), next(), next(), next());
    let (address, user_agent) = (next(), next());
    let client = match ClientContext::new(&address, &user_agent) {
        Ok(c) => c,
        Err(e) => {
            assert!(!e.to_string().is_empty());
            match ClientContext::new("192.0.2.1", "fuzz") {
                Ok(c) => c,
                Err(_) => return out,
            }
        }
    };
    let now = chrono::DateTime::from_timestamp(1_795_000_000, 0).unwrap_or_default();
    let Ok(profile) = ratepayer::profile::builtin::load("shelby") else {
        return out;
    };
    let format = profile.spec().payments.account_number;
    let Ok(params) = HashParams::below_owasp_floor_for_tests(64, 1, 1) else {
        return out;
    };
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let notifier = Arc::new(RecordingNotifier::new());
    let Ok(portal) = Portal::new(
        profile,
        store.clone(),
        PortalSecrets {
            digest_key: vec![9; 32],
            hash_params: params,
            pepper: None,
        },
        Box::new(ratepayer::security::SeededRandom::new(7)),
        notifier.clone(),
    ) else {
        return out;
    };
    let Ok(number) = ratepayer::payment::AccountNumber::parse("100001", &format) else {
        return out;
    };
    let imported = portal.import_accounts(
        &[AccountImport {
            record: AccountRecord {
                account_number: number,
                customer_number: Some("5001".into()),
                zip: None,
                name: None,
                email: Some("pat@example.com".into()),
                commercial: false,
                tax_id: None,
                login: None,
            },
            status: ratepayer::payment::AccountStatus::Active,
            service_address: None,
        }],
        now,
    );
    assert!(imported.is_ok(), "importing a good account: {imported:?}");
    let form = RegistrationForm {
        account_number: account.clone(),
        customer_number: Some(customer.clone()),
        email: email.clone(),
        username: Some(username.clone()),
        accepted_terms_version: Some("2024-07".into()),
        ..Default::default()
    };
    let request = SignupRequest {
        form: form.clone(),
        password: password.clone(),
        channel: RegistrationChannel::Web,
    };
    let login = match portal.register(&request, &client, now) {
        Ok(reg) => {
            out.registered = true;
            reg.login_id
        }
        Err(_) => {
            let mut tx = match store.begin() {
                Ok(tx) => tx,
                Err(_) => return out,
            };
            let held = tx
                .account("shelby", "000100001")
                .ok()
                .flatten()
                .and_then(|a| a.record.login);
            assert!(held.is_none(), "a refused registration left a login");
            return out;
        }
    };
    // Every customer call takes a session: sign in as the customer does,
    // through the emailed-code challenge of a new device. A login just
    // registered with this username and password must be able to.
    let login_email = store
        .begin()
        .ok()
        .and_then(|mut tx| tx.login(&login).ok().flatten())
        .map(|row| row.email)
        .unwrap_or_default();
    let attempt = LoginAttempt {
        username: &username,
        password: &password,
        device_token: None,
    };
    let token_of = |outcome: Result<LoginOutcome, ratepayer_portal::PortalError>| match outcome {
        Ok(LoginOutcome::SignedIn { session, .. }) => Some(session),
        _ => None,
    };
    let session_token = match portal.login(&attempt, &client, now) {
        Ok(LoginOutcome::ChallengeRequired { challenge_id, .. }) => {
            let code = ratepayer::verification::Contact::email(&login_email)
                .ok()
                .and_then(|c| notifier.last_code_to(&c));
            code.and_then(|code| {
                token_of(portal.pass_device_challenge(
                    &login,
                    &challenge_id,
                    &code,
                    None,
                    &client,
                    now,
                ))
            })
        }
        other => token_of(other),
    };
    let session = session_token.and_then(|t| portal.session(&t, now).ok());
    assert!(
        session.is_some(),
        "a login just registered signs in with its username and password"
    );
    let Some(session) = session else {
        return out;
    };
    let mut ok = |name: &'static str, result: bool| {
        if result {
            out.accepted.push(name);
        }
    };
    ok(
        "login",
        portal
            .login(
                &LoginAttempt {
                    username: &username,
                    password: &password,
                    device_token: Some(&token),
                },
                &client,
                now,
            )
            .is_ok(),
    );
    ok(
        "link",
        portal
            .link_account(
                &session,
                &LinkRequest {
                    form,
                    password: password.clone(),
                    nickname: Some(nickname.clone()),
                },
                &client,
                now,
            )
            .is_ok(),
    );
    ok(
        "nickname",
        portal
            .set_nickname(&session, &account, Some(&nickname), now)
            .is_ok(),
    );
    let method = portal.add_payment_method(
        &session,
        &NewPaymentMethod {
            method: ratepayer::fees::PaymentMethod::Echeck,
            token: token.clone(),
            label: label.clone(),
            card_expiry: None,
        },
        now,
    );
    ok("payment_method", method.is_ok());
    // Payment intents (issue 16): a client's quote id and idempotency key
    // are user text. An unknown quote is refused; a quote paid twice with
    // the same key gives one receipt.
    if let Ok(method) = &method {
        let key = |k: &str| ratepayer_portal::PaymentRequest {
            quote_id: nickname.clone(),
            idempotency_key: k.to_owned(),
        };
        ok(
            "pay_unknown_quote",
            portal.pay(&session, &key(&label), now).is_ok(),
        );
        let quote = portal.quote_payment(
            &session,
            &ratepayer::payment::PaymentTarget::Account(account.clone()),
            ratepayer::Money::new(rust_decimal::Decimal::ONE, ratepayer::Currency::USD),
            ratepayer::fees::Channel::Online,
            method,
            now,
        );
        if let Ok(quote) = quote {
            let request = ratepayer_portal::PaymentRequest {
                quote_id: quote.id,
                idempotency_key: label.clone(),
            };
            let first = portal.pay(&session, &request, now);
            let second = portal.pay(&session, &request, now);
            if let Ok(first) = &first {
                assert_eq!(second.as_ref().ok(), Some(first), "a key paid twice");
            }
            ok("pay", first.is_ok());
        }
    }
    ok(
        "delivery",
        portal
            .set_delivery(
                &session,
                &account,
                &DeliverySettings {
                    paperless: true,
                    ebilling: true,
                    text_alerts: false,
                    billing_email: None,
                },
                now,
            )
            .is_ok(),
    );
    // Contacts (issue 17, item 7) change only with the password and a code
    // sent to the new contact; the fuzzed text is the new contact and a
    // wrong code, which must be refused without changing anything.
    let proof = ratepayer_portal::Reauthentication {
        password: Some(&password),
        step_up: None,
    };
    let phone_change = portal.request_contact_change(
        &session,
        &ratepayer_portal::ContactTarget::Phone,
        &phone,
        &proof,
        &client,
        now,
    );
    ok("contact", phone_change.is_ok());
    let billing_change = portal.request_contact_change(
        &session,
        &ratepayer_portal::ContactTarget::BillingEmail {
            account: account.clone(),
        },
        &billing,
        &proof,
        &client,
        now,
    );
    ok("billing_email", billing_change.is_ok());
    if let Ok(change) = &billing_change {
        let _ = portal.confirm_contact_change(&session, change, &nickname, now);
    }
    assert!(
        portal
            .add_contact(&session, ContactKind::Sms, &phone, now)
            .is_err(),
        "add_contact cannot add a new contact"
    );
    // Recovery by a temporary password (issue 17, item 3): the username is
    // user text; the answer never says whether it matched.
    let _ = portal.request_temporary_password(&username, &client, now);
    let _ = portal.request_temporary_password(&label, &client, now);
    let home = portal.home(&session);
    assert!(
        home.is_ok(),
        "the home page of a registered login: {home:?}"
    );
    out
}
