//! Property tests of fee quotes over random amounts, channels, methods and
//! account counts: a fee is never negative, total = amount + fee, fees obey
//! the rounding policy (whole minor units), and a per-account fee scales.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use proptest::prelude::*;
use ratepayer::fees::{Channel, FeeBasis, FeeSchedule, FeeScheduleSpec, PaymentMethod};
use ratepayer::profile::builtin;
use ratepayer::{Currency, Money, RoundingMode, RoundingPolicy};
use rust_decimal::Decimal;

const MODELS: &str = r#"
[[rules]]
channels = ["online", "mobile_app"]
methods = ["credit_card"]
fee = { model = "percent", percent = 2.35 }
kind = "surcharge"
[[rules]]
channels = ["online", "mobile_app"]
methods = ["debit_card", "prepaid_card"]
fee = { model = "percent_bounded", percent = 1.75, min = 0.95, max = 19.95 }
[[rules]]
channels = ["phone_agent", "automated_phone"]
methods = ["credit_card", "debit_card"]
fee = { model = "tiered", tiers = [{ up_to = 100, fee = 2.95 }, { up_to = 1000, fee = 7.95 }, { fee = 14.95 }] }
per = "account"
[[rules]]
channels = ["online", "autopay"]
methods = ["echeck"]
fee = { model = "flat", amount = 0.35 }
per = "account"
[[rules]]
channels = ["mail"]
methods = ["check"]
fee = { model = "none" }
"#;

fn schedules() -> Vec<FeeSchedule> {
    let mut out: Vec<FeeSchedule> = ["shelby", "chicago", "crow-wing", "medford"]
        .iter()
        .map(|id| builtin::load(id).unwrap().fee_schedule().unwrap().clone())
        .collect();
    let spec = FeeScheduleSpec::from_toml(MODELS).unwrap();
    for mode in [RoundingMode::HalfUp, RoundingMode::HalfEven] {
        out.push(
            FeeSchedule::new(
                spec.clone(),
                Currency::USD,
                RoundingPolicy {
                    mode,
                    ..RoundingPolicy::default()
                },
            )
            .unwrap(),
        );
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn fees_are_never_negative_and_add_up(
        cents in 1i64..100_000_000_000, which in 0usize..6, c in 0usize..8, m in 0usize..8, accounts in 1u32..12
    ) {
        let s = &schedules()[which];
        let amount = Money::new(Decimal::new(cents, 2), Currency::USD);
        let (channel, method) = (Channel::ALL[c], PaymentMethod::ALL[m]);
        match s.quote(amount, channel, method, accounts) {
            Ok(q) => {
                prop_assert!(!q.fee.is_negative(), "negative fee {}", q.fee);
                prop_assert_eq!(q.total.amount(), q.amount.amount() + q.fee.amount());
                prop_assert!(q.fee.is_rounded(), "fee {} has fractions of a cent", q.fee);
                prop_assert_eq!(q.fee.amount().is_zero(), q.fee_free_alternatives.is_empty());
                prop_assert!(s.confirm(&q).is_ok());
            }
            Err(ratepayer::fees::FeeError::NotAccepted { .. }) => {
                prop_assert!(!s.accepted().iter().any(|o| o.channel == channel && o.method == method));
            }
            Err(e) => prop_assert!(false, "unexpected error {e}"),
        }
    }

    #[test]
    fn a_per_account_fee_scales_with_accounts(cents in 1i64..10_000_000, accounts in 1u32..20, which in 0usize..6, c in 0usize..8, m in 0usize..8) {
        let s = &schedules()[which];
        let amount = Money::new(Decimal::new(cents, 2), Currency::USD);
        let (channel, method) = (Channel::ALL[c], PaymentMethod::ALL[m]);
        if let (Ok(one), Ok(many)) = (s.quote(amount, channel, method, 1), s.quote(amount, channel, method, accounts)) {
            let per_account = s.spec().rules.iter().any(|r| r.per == FeeBasis::Account && r.channels.contains(&channel) && r.methods.contains(&method));
            let expected = if per_account { one.fee.amount() * Decimal::from(accounts) } else { one.fee.amount() };
            prop_assert_eq!(many.fee.amount(), expected);
        }
    }
}
