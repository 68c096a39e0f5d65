//! Convenience fees: every fee figure of the seed utilities, snapshots of
//! quotes, confirmation against the quote shown, and the fee models.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use ratepayer::fees::{Channel, FeeError, FeeSchedule, FeeScheduleSpec, PaymentMethod};
use ratepayer::profile::builtin;
use ratepayer::{Currency, Money, RoundingPolicy};

use Channel::*;
use PaymentMethod::*;

fn usd(s: &str) -> Money {
    Money::parse(s, Currency::USD).unwrap()
}

fn schedule(profile: &str) -> FeeSchedule {
    builtin::load(profile)
        .unwrap()
        .fee_schedule()
        .unwrap()
        .clone()
}

fn fee(s: &FeeSchedule, channel: Channel, method: PaymentMethod) -> String {
    s.quote(usd("84.20"), channel, method, 1)
        .map(|q| q.fee.to_decimal_string())
        .unwrap_or_else(|e| format!("refused: {e}"))
}

#[test]
fn shelby_fees_match_seed_000() {
    let s = schedule("shelby");
    for channel in [Online, PhoneAgent, AutomatedPhone] {
        assert_eq!(
            fee(&s, channel, CreditCard),
            "3.75",
            "{channel} credit card"
        );
        assert_eq!(fee(&s, channel, DebitCard), "3.75", "{channel} debit card");
        assert_eq!(fee(&s, channel, Echeck), "0.95", "{channel} e-check");
    }
    assert_eq!(fee(&s, BankDraft, Echeck), "0.00");
    assert_eq!(fee(&s, Mail, Check), "0.00");
    assert_eq!(fee(&s, Mail, MoneyOrder), "0.00");
    assert_eq!(fee(&s, InPerson, Cash), "0.00");
    assert_eq!(fee(&s, InPerson, Check), "0.00");
    assert_eq!(fee(&s, InPerson, MoneyOrder), "0.00");
    assert_eq!(
        fee(&s, Autopay, CreditCard),
        "3.75",
        "card AutoPay, per draft"
    );
    assert_eq!(
        fee(&s, Autopay, DebitCard),
        "3.75",
        "card AutoPay, per draft"
    );
    assert_eq!(
        fee(&s, Autopay, Echeck),
        "0.95",
        "checking-account AutoPay through the portal"
    );
    // The fee is per transaction, whatever the amount.
    let big = s.quote(usd("1234.56"), Online, CreditCard, 1).unwrap();
    assert_eq!(big.fee, usd("3.75"));
    assert_eq!(big.total, usd("1238.31"));
}

#[test]
fn chicago_fees_match_seed_002() {
    let s = schedule("chicago");
    assert_eq!(
        fee(&s, Autopay, Echeck),
        "0.00",
        "no service fee on automatic debit"
    );
    for channel in [PhoneAgent, AutomatedPhone] {
        let q = s.quote(usd("84.20"), channel, CreditCard, 1).unwrap();
        assert!(
            q.fee.amount() > rust_decimal::Decimal::ZERO,
            "card by phone carries a fee"
        );
    }
}

#[test]
fn crow_wing_autopay_is_free_per_seed_003() {
    let s = schedule("crow-wing");
    for method in [Echeck, CreditCard, DebitCard] {
        assert_eq!(fee(&s, Autopay, method), "0.00", "autopay by {method}");
    }
}

#[test]
fn every_seed_schedule_complies() {
    let rules = ratepayer::fees::CardRules::builtin().unwrap();
    for id in builtin::ids() {
        let p = builtin::load(id).unwrap();
        if let Some(spec) = &p.spec().fees {
            let findings = ratepayer::fees::check_compliance(spec, &rules, rules.reviewed);
            let errors: Vec<_> = findings
                .iter()
                .filter(|f| f.severity == ratepayer::fees::Severity::Error)
                .collect();
            assert!(errors.is_empty(), "{id}: {errors:#?}");
            // The warnings are those the loaded profile reports.
            assert_eq!(p.fee_compliance(), &findings[..], "{id}");
        }
    }
}

#[test]
fn quotes_snapshot() {
    let shelby = schedule("shelby");
    let chicago = schedule("chicago");
    let crow = schedule("crow-wing");
    let quotes = [
        shelby.quote(usd("84.20"), Online, CreditCard, 1),
        shelby.quote(usd("84.20"), Autopay, Echeck, 1),
        shelby.quote(usd("84.20"), InPerson, Cash, 1),
        chicago.quote(usd("61.07"), PhoneAgent, CreditCard, 1),
        crow.quote(usd("197.60"), Autopay, CreditCard, 1),
    ];
    let text: Vec<String> = quotes
        .into_iter()
        .map(|q| q.map(|q| q.to_string()).unwrap_or_else(|e| e.to_string()))
        .collect();
    insta::assert_snapshot!(text.join("\n"));
}

#[test]
fn refusals_say_what_is_accepted() {
    let s = schedule("shelby");
    let text: Vec<String> = [
        s.quote(usd("10.00"), Mail, CreditCard, 1),
        s.quote(usd("0.00"), Online, CreditCard, 1),
        s.quote(usd("-5.00"), Online, CreditCard, 1),
        s.quote(
            Money::new(dec("10.005"), Currency::USD),
            Online,
            CreditCard,
            1,
        ),
        s.quote(
            Money::parse("10", Currency::EUR).unwrap(),
            Online,
            CreditCard,
            1,
        ),
        s.quote(usd("10.00"), Online, CreditCard, 0),
        builtin::load("gorod")
            .unwrap()
            .fee_schedule()
            .map(|s| s.quote(usd("1.00"), Online, Echeck, 1))
            .and_then(|q| q),
    ]
    .into_iter()
    .map(|r| {
        r.err()
            .map(|e| e.to_string())
            .unwrap_or_else(|| "quoted".into())
    })
    .collect();
    insta::assert_snapshot!(text.join("\n"));
}

#[test]
fn a_payment_is_confirmed_only_against_the_quote_the_schedule_gives() {
    let s = schedule("shelby");
    let shown = s.quote(usd("84.20"), Online, CreditCard, 1).unwrap();
    let ok = s.confirm(&shown).unwrap();
    assert_eq!(
        (ok.amount, ok.fee, ok.total),
        (usd("84.20"), usd("3.75"), usd("87.95"))
    );

    // The schedule changed between quote and confirmation: refused.
    let mut spec = builtin::load("shelby")
        .unwrap()
        .spec()
        .fees
        .clone()
        .unwrap();
    spec.rules[0].fee = ratepayer::fees::FeeModel::Flat {
        amount: dec("3.95"),
    };
    let changed = FeeSchedule::new(spec, Currency::USD, RoundingPolicy::default()).unwrap();
    assert_eq!(changed.confirm(&shown), Err(FeeError::ScheduleChanged));

    // A quote altered after it was given: refused.
    let mut forged = shown.clone();
    forged.fee = usd("0.00");
    forged.total = forged.amount;
    assert!(matches!(
        s.confirm(&forged),
        Err(FeeError::QuoteMismatch { .. })
    ));
}

const MODELS: &str = r#"
[[rules]]
channels = ["online"]
methods = ["credit_card"]
fee = { model = "percent", percent = 2.5 }
kind = "surcharge"

[[rules]]
channels = ["online"]
methods = ["debit_card"]
fee = { model = "percent_bounded", percent = 2, min = 1.50, max = 9.95 }

[[rules]]
channels = ["phone_agent"]
methods = ["credit_card", "debit_card"]
fee = { model = "tiered", tiers = [{ up_to = 100, fee = 2.95 }, { up_to = 500, fee = 5.95 }, { fee = 9.95 }] }

[[rules]]
channels = ["online"]
methods = ["echeck"]
fee = { model = "flat", amount = 0.50 }
per = "account"

[[rules]]
channels = ["mail"]
methods = ["check"]
fee = { model = "none" }
"#;

#[test]
fn fee_models_compute_as_documented() {
    let spec = FeeScheduleSpec::from_toml(MODELS).unwrap();
    let s = FeeSchedule::new(spec.clone(), Currency::USD, RoundingPolicy::default()).unwrap();
    let f = |amount: &str, c, m, n| {
        s.quote(usd(amount), c, m, n)
            .unwrap()
            .fee
            .to_decimal_string()
    };
    assert_eq!(f("100.00", Online, CreditCard, 1), "2.50");
    assert_eq!(
        f("10.10", Online, CreditCard, 1),
        "0.25",
        "0.2525 rounds half-up to 0.25"
    );
    assert_eq!(
        f("10.30", Online, CreditCard, 1),
        "0.26",
        "0.2575 rounds to 0.26"
    );
    assert_eq!(
        f("20.00", Online, DebitCard, 1),
        "1.50",
        "2% is 0.40, below the minimum"
    );
    assert_eq!(f("200.00", Online, DebitCard, 1), "4.00");
    assert_eq!(
        f("900.00", Online, DebitCard, 1),
        "9.95",
        "2% is 18.00, above the maximum"
    );
    assert_eq!(
        f("100.00", PhoneAgent, CreditCard, 1),
        "2.95",
        "the band includes its upper bound"
    );
    assert_eq!(f("100.01", PhoneAgent, DebitCard, 1), "5.95");
    assert_eq!(f("5000.00", PhoneAgent, CreditCard, 1), "9.95");
    assert_eq!(
        f("300.00", Online, Echeck, 3),
        "1.50",
        "per account: 3 x 0.50"
    );
    assert_eq!(f("300.00", Online, Echeck, 1), "0.50");
    let even = FeeSchedule::new(
        spec,
        Currency::USD,
        RoundingPolicy {
            mode: ratepayer::RoundingMode::HalfEven,
            ..RoundingPolicy::default()
        },
    )
    .unwrap();
    assert_eq!(
        even.quote(usd("10.10"), Online, CreditCard, 1).unwrap().fee,
        usd("0.25")
    );
    assert_eq!(
        even.quote(usd("10.50"), Online, CreditCard, 1).unwrap().fee,
        usd("0.26"),
        "0.2625 -> 0.26 either way"
    );
    assert_eq!(
        even.quote(usd("10.70"), Online, CreditCard, 1).unwrap().fee,
        usd("0.27"),
        "0.2675 -> 0.27 either way"
    );
    // Fees round half up whatever the bills' rounding (issue 16): a utility
    // that bills half-even still charges the fee card networks disclose.
    assert_eq!(
        even.quote(usd("10.20"), Online, CreditCard, 1).unwrap().fee,
        usd("0.26"),
        "0.255 -> 0.26"
    );
    assert_eq!(
        even.quote(usd("10.60"), Online, CreditCard, 1).unwrap().fee,
        usd("0.27"),
        "0.265 -> 0.27 (half-up, not half-even)"
    );
    assert_eq!(
        s.quote(usd("10.60"), Online, CreditCard, 1).unwrap().fee,
        usd("0.27"),
        "0.265 -> 0.27 (half-up)"
    );
}

#[test]
fn a_broken_schedule_reports_every_problem() {
    let broken = r#"
[[rules]]
channels = []
methods = ["credit_card"]
fee = { model = "flat", amount = -1 }
brand = "visa"

[[rules]]
channels = ["online"]
methods = ["credit_card", "debit_card"]
fee = { model = "tiered", tiers = [{ up_to = 100, fee = 1 }, { up_to = 50, fee = 2 }, { up_to = 10, fee = 3 }] }

[[rules]]
channels = ["online"]
methods = ["debit_card"]
fee = { model = "percent_bounded", percent = 120, min = 5, max = 1 }
"#;
    let spec = FeeScheduleSpec::from_toml(broken).unwrap();
    let e = FeeSchedule::new(spec, Currency::USD, RoundingPolicy::default()).unwrap_err();
    insta::assert_snapshot!(e.to_string());
}

#[test]
fn channels_and_methods_parse_by_name() {
    assert_eq!("phone_agent".parse::<Channel>(), Ok(PhoneAgent));
    assert_eq!("echeck".parse::<PaymentMethod>(), Ok(Echeck));
    let e = "fax".parse::<Channel>().unwrap_err();
    assert!(
        e.starts_with("`fax` is not a channel; use one of online, mobile_app"),
        "{e}"
    );
    let e = "bitcoin".parse::<PaymentMethod>().unwrap_err();
    assert!(
        e.contains("is not a payment method") && e.contains("money_order"),
        "{e}"
    );
}

/// Issue 16: fees with fractions of a cent were not rounded (a flat 3.755 fee
/// on 100.00 totalled 103.755). Every fee is rounded half up to the cent and
/// the total is the amount plus that rounded fee.
#[test]
fn fees_with_fractions_of_a_cent_are_rounded_half_up() {
    let spec = FeeScheduleSpec::from_toml(
        r#"
[[rules]]
channels = ["online"]
methods = ["credit_card", "debit_card"]
fee = { model = "flat", amount = 3.755 }
[[rules]]
channels = ["phone_agent"]
methods = ["credit_card", "debit_card"]
fee = { model = "tiered", tiers = [{ up_to = 50, fee = 1.005 }, { fee = 2.0049 }] }
[[rules]]
channels = ["online"]
methods = ["echeck"]
fee = { model = "percent_bounded", percent = 0.5, min = 0.995, max = 4.4449 }
per = "account"
[[rules]]
channels = ["mail"]
methods = ["check"]
fee = { model = "none" }
"#,
    )
    .unwrap();
    let s = FeeSchedule::new(
        spec,
        Currency::USD,
        RoundingPolicy {
            mode: ratepayer::RoundingMode::HalfEven,
            scope: ratepayer::RoundingScope::TotalOnly,
        },
    )
    .unwrap();
    let q = s.quote(usd("100.00"), Online, CreditCard, 1).unwrap();
    assert_eq!((q.fee, q.total), (usd("3.76"), usd("103.76")));
    assert_eq!(q.total, q.amount.checked_add(&q.fee).unwrap());
    let fee = |amount: &str, c, m, n| s.quote(usd(amount), c, m, n).unwrap().fee;
    assert_eq!(
        fee("20.00", PhoneAgent, DebitCard, 1),
        usd("1.01"),
        "1.005 half up"
    );
    assert_eq!(
        fee("80.00", PhoneAgent, DebitCard, 1),
        usd("2.00"),
        "2.0049"
    );
    // 0.5 % of 101.00 is 0.505, below the 0.995 minimum: 1.00 per account, 2 accounts.
    assert_eq!(fee("101.00", Online, Echeck, 2), usd("2.00"));
    // 0.5 % of 301.00 is 1.505: 1.51 (half up), then per account.
    assert_eq!(fee("301.00", Online, Echeck, 3), usd("4.53"));
    // Above the 4.4449 maximum: 4.44.
    assert_eq!(fee("2000.00", Online, Echeck, 1), usd("4.44"));
    // The disclosure shows the fee as charged.
    assert!(
        q.disclosure.contains("3.76 USD per payment"),
        "{}",
        q.disclosure
    );
}

/// Issue 16: a 0 % rule with a $2.00 minimum was disclosed as "No fee
/// applies" (and listed among the fee-free ways to pay) though it charges $2.00.
#[test]
fn a_zero_percent_fee_with_a_minimum_discloses_the_minimum() {
    let spec = FeeScheduleSpec::from_toml(
        r#"
[[rules]]
channels = ["online"]
methods = ["credit_card", "debit_card"]
fee = { model = "percent_bounded", percent = 0, min = 2.00, max = 10.00 }
[[rules]]
channels = ["mail"]
methods = ["check"]
fee = { model = "none" }
"#,
    )
    .unwrap();
    let s = FeeSchedule::new(spec, Currency::USD, RoundingPolicy::default()).unwrap();
    let q = s.quote(usd("50.00"), Online, CreditCard, 1).unwrap();
    assert_eq!(q.fee, usd("2.00"));
    assert!(!q.disclosure.contains("No fee"), "{}", q.disclosure);
    assert!(q.disclosure.contains("2.00 USD"), "{}", q.disclosure);
    assert!(
        !s.fee_free_options().iter().any(|o| o.channel == Online),
        "{:?}",
        s.fee_free_options()
    );
    assert!(
        !q.fee_free_alternatives.is_empty(),
        "the fee-free mail option is offered"
    );
    insta::assert_snapshot!(q.disclosure.to_string());
}
