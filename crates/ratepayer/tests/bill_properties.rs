//! Property tests of the bill engine's invariants over random periods and usage:
//! the total is the sum of the lines; splitting a period changes the total by
//! no more than the rounding policy allows; inclining blocks never make a bill
//! smaller as usage grows; zero usage bills exactly the fixed and minimum charges.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use chrono::{Days, NaiveDate};
use common::*;
use proptest::prelude::*;
use ratepayer::{BillInput, BillingPeriod, LineKind, Quantity, RoundingPolicy, Tariff, Unit};
use rust_decimal::Decimal;

/// A period of 1 to 70 days starting between 2024-01-01 and about 2026-09.
fn any_period() -> impl Strategy<Value = BillingPeriod> {
    (0u64..1000, 0u64..70).prop_map(|(start, len)| {
        let from = date("2024-01-01") + Days::new(start);
        BillingPeriod::new(from, from + Days::new(len)).unwrap_or_else(|e| panic!("{e}"))
    })
}

/// Usage between 0 and 100 with up to 3 decimals.
fn any_usage() -> impl Strategy<Value = Decimal> {
    (0i64..100_000).prop_map(|v| Decimal::new(v, 3))
}

fn policies() -> impl Strategy<Value = RoundingPolicy> {
    prop_oneof![
        Just(RoundingPolicy::PER_LINE_HALF_UP),
        Just(RoundingPolicy::TOTAL_ONLY_HALF_UP),
        Just(RoundingPolicy {
            mode: ratepayer::RoundingMode::HalfEven,
            scope: ratepayer::RoundingScope::PerLine
        }),
    ]
}

fn all_tariffs() -> Vec<(Tariff, Unit, Option<&'static str>)> {
    vec![
        (
            tariff("shelby", "shelby-water-residential"),
            Unit::Kgal,
            Some("1"),
        ),
        (tariff("shelby", "shelby-gas-residential"), Unit::Ccf, None),
        (
            tariff("shelby", "shelby-electric-residential"),
            Unit::Kwh,
            None,
        ),
        (
            tariff("medford", "medford-water-residential"),
            Unit::Ccf,
            Some("3/4"),
        ),
        (
            tariff("cal-water", "cal-water-residential"),
            Unit::Ccf,
            Some("1"),
        ),
        (
            tariff("crow-wing", "crow-wing-residential"),
            Unit::Kwh,
            None,
        ),
        (tariff("gorod", "gorod-cold-water"), Unit::CubicMetre, None),
    ]
}

fn bill(
    t: &Tariff,
    period: BillingPeriod,
    usage: Decimal,
    unit: Unit,
    size: Option<&str>,
) -> ratepayer::Bill {
    let mut input = BillInput::metered(period, Quantity::new(usage, unit));
    input.meter_size = size;
    t.bill(&input).unwrap_or_else(|e| panic!("{}: {e}", t.id()))
}

/// Clamps a random period into the years every version of the seed tariffs covers.
fn covered(p: BillingPeriod) -> BillingPeriod {
    let shift = if p.from() < date("2025-01-01") {
        Days::new(366)
    } else {
        Days::new(0)
    };
    BillingPeriod::new(p.from() + shift, p.to() + shift).unwrap_or(p)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn total_is_the_sum_of_the_lines(p in any_period(), u in any_usage(), policy in policies(), which in 0usize..7) {
        let tariffs = all_tariffs();
        let (t, unit, size) = &tariffs[which];
        let t = t.clone().with_rounding(policy);
        let b = bill(&t, covered(p), u, *unit, *size);
        let sum: Decimal = b.lines.iter().map(|l| l.amount.amount()).sum();
        prop_assert_eq!(b.total.amount(), policy.round(sum, 2));
        prop_assert!(b.total.is_rounded());
        if policy.scope == ratepayer::RoundingScope::PerLine {
            prop_assert!(b.lines.iter().all(|l| l.amount.is_rounded()));
        }
        prop_assert!(!b.total.is_negative());
    }

    #[test]
    fn splitting_a_period_keeps_the_total_within_rounding(
        p in any_period(), cut in 1u64..70, u1 in any_usage(), u2 in any_usage(), policy in policies()
    ) {
        // Uniform rates, fixed charges, a per-unit surcharge, a rider and a tax:
        // no block or minimum, so nothing depends on how the period is cut.
        let t = tariff("crow-wing", "crow-wing-residential").with_rounding(policy);
        let whole = covered(p);
        prop_assume!(u64::from(whole.days()) > cut);
        let (a, b) = whole.split_before(whole.from() + Days::new(cut));
        let b = b.unwrap_or_else(|| panic!("cut inside"));
        let total = |p, u| bill(&t, p, u, Unit::Kwh, None);
        let parts = total(a, u1);
        let second = total(b, u2);
        let joined = total(whole, u1 + u2);
        let diff = (parts.total.amount() + second.total.amount() - joined.total.amount()).abs();
        // Each rounded amount is within half a cent of its exact value.
        let roundings = match policy.scope {
            ratepayer::RoundingScope::TotalOnly => 3,
            ratepayer::RoundingScope::PerLine => parts.lines.len() + second.lines.len() + joined.lines.len(),
        };
        let bound = Decimal::new(5, 3) * Decimal::from(roundings);
        prop_assert!(diff <= bound, "split {} + {} vs {}: diff {diff} > {bound}", parts.total, second.total, joined.total);
    }

    #[test]
    fn inclining_blocks_never_decrease_with_usage(p in any_period(), u in any_usage(), extra in any_usage(), which in 0usize..3) {
        let (t, unit, size) = match which {
            0 => (tariff("shelby", "shelby-water-residential"), Unit::Kgal, Some("5/8")),
            1 => (tariff("cal-water", "cal-water-residential"), Unit::Ccf, Some("1")),
            _ => (tariff("shelby", "shelby-electric-residential"), Unit::Kwh, None),
        };
        let p = covered(p);
        let low = bill(&t, p, u, unit, size);
        let high = bill(&t, p, u + extra, unit, size);
        prop_assert!(high.total.amount() >= low.total.amount(),
            "{} at {u} but {} at {}", low.total, high.total, u + extra);
    }

    #[test]
    fn zero_usage_bills_exactly_fixed_and_minimum(p in any_period(), which in 0usize..7) {
        let tariffs = all_tariffs();
        let (t, unit, size) = &tariffs[which];
        let b = bill(t, covered(p), Decimal::ZERO, *unit, *size);
        for l in &b.lines {
            match l.kind() {
                LineKind::Usage | LineKind::Surcharge => prop_assert!(l.amount.amount().is_zero(), "{} charged {}", l.description(), l.amount),
                LineKind::Fixed | LineKind::Minimum | LineKind::Rider | LineKind::Tax => {}
                LineKind::Credit => prop_assert!(false, "a water or gas bill has no export credit: {}", l.description()),
            }
        }
        let fixed: Decimal = b.lines.iter().filter(|l| l.kind() == LineKind::Fixed).map(|l| l.amount.amount()).sum();
        let minimum: Decimal = b.lines.iter().filter(|l| l.kind() == LineKind::Minimum).map(|l| l.amount.amount()).sum();
        let percent: Decimal = b.lines.iter().filter(|l| matches!(l.kind(), LineKind::Rider | LineKind::Tax)).map(|l| l.amount.amount()).sum();
        prop_assert_eq!(b.total.amount(), fixed + minimum + percent);
    }

    #[test]
    fn amounts_round_trip_through_text(cents in any::<i64>()) {
        let m = ratepayer::Money::new(Decimal::new(cents, 2), ratepayer::Currency::USD);
        let text = m.to_decimal_string();
        prop_assert_eq!(ratepayer::Money::parse(&text, ratepayer::Currency::USD), Ok(m));
    }
}

#[test]
fn a_bill_before_any_tariff_version_is_a_clear_error() {
    let t = tariff("shelby", "shelby-water-residential");
    let early = BillingPeriod::new(
        NaiveDate::from_ymd_opt(2023, 6, 20).unwrap_or_default(),
        date("2023-07-10"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let e =
        t.bill(&BillInput::metered(early, Quantity::new(Decimal::ONE, Unit::Kgal)).meter_size("1"));
    assert!(
        matches!(e, Err(ratepayer::BillError::NoRates { .. })),
        "{e:?}"
    );
}
