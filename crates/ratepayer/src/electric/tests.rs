//! Unit tests of the electric module's internals: the integer rounding path
//! against `RoundingPolicy::round`, the branch-free sum/max, the pro-rata
//! split, SAM's block-step `kWh/kW` tiers, tier splits with limits that do
//! not increase, and demand blocks.

use std::str::FromStr;

use proptest::prelude::*;
use rust_decimal::Decimal;

use super::bill::{pro_rata, round, sum_max};
use super::demand::block;
use super::tou::{effective_tiers, tier_kwh, EffTier};
use super::{DemandTier, EnergyTier, EnergyUnit};
use crate::{RoundingMode, RoundingPolicy, RoundingScope};

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap_or_default()
}

fn tier(max: Option<&str>, unit: EnergyUnit) -> EnergyTier {
    EnergyTier {
        max: max.map(d),
        rate: Decimal::ONE,
        unit,
    }
}

#[test]
fn block_step_tiers_follow_sam() {
    // (README §3.4's full example is checked by the SAM conformance case.)
    // A smaller, hand-checked case: 100 kWh/kW block split by a 3000 kWh
    // step, then an unbounded kWh/kW block.
    let tiers = [
        tier(Some("100"), EnergyUnit::KwhPerKw),
        tier(Some("3000"), EnergyUnit::Kwh),
        tier(Some("10000"), EnergyUnit::Kwh),
        tier(None, EnergyUnit::KwhPerKw),
    ];
    let mut out = Vec::new();
    effective_tiers(&tiers, 31, d("50"), &mut out).unwrap_or_default();
    // Block 0 is 5000 kWh: the 3000 step splits it, the 10000 step ends at
    // the block edge; the unbounded block follows.
    assert_eq!(
        out,
        [
            EffTier {
                src: 1,
                limit: Some(d("3000"))
            },
            EffTier {
                src: 2,
                limit: Some(d("5000"))
            },
            EffTier {
                src: 3,
                limit: None
            },
        ]
    );
}

#[test]
fn daily_tiers_scale_with_the_days_of_the_month() {
    let tiers = [
        tier(Some("10"), EnergyUnit::KwhDaily),
        tier(None, EnergyUnit::Kwh),
    ];
    let mut out = Vec::new();
    effective_tiers(&tiers, 28, Decimal::ZERO, &mut out).unwrap_or_default();
    assert_eq!(out.first().and_then(|t| t.limit), Some(d("280")));
}

#[test]
fn tier_split_with_decreasing_limits_gives_negative_kwh_like_sam() {
    let eff = [
        EffTier {
            src: 0,
            limit: Some(d("10")),
        },
        EffTier {
            src: 1,
            limit: Some(d("5")),
        },
        EffTier {
            src: 2,
            limit: Some(d("20")),
        },
    ];
    let mut out = Vec::new();
    tier_kwh(&eff, d("12"), &mut out).unwrap_or_default();
    assert_eq!(out, [(0, d("10")), (1, d("-5")), (2, d("7"))]);
    tier_kwh(&eff, d("8"), &mut out).unwrap_or_default();
    assert_eq!(out, [(0, d("8"))]);
}

#[test]
fn demand_block_charges_each_tier() {
    let tiers = [
        DemandTier {
            max: Some(d("100")),
            rate: d("4"),
        },
        DemandTier {
            max: None,
            rate: d("6"),
        },
    ];
    let mut seen = Vec::new();
    block(d("127.5"), &tiers, |t, kw, rate| {
        seen.push((t, kw, rate));
        Ok(())
    })
    .unwrap_or_default();
    assert_eq!(seen, [(0, d("100"), d("4")), (1, d("27.5"), d("6"))]);
}

#[test]
fn sum_max_and_pro_rata() {
    assert_eq!(sum_max(&[]), (0, 0));
    assert_eq!(sum_max(&[3, 9, 2, 9, 0]), (23, 9));
    assert_eq!(pro_rata(1, 1, 3).unwrap_or_default(), 0);
    assert_eq!(pro_rata(2, 1, 3).unwrap_or_default(), 1);
    assert_eq!(pro_rata(3, 5, 2).unwrap_or_default(), 8);
}

fn policies() -> impl Strategy<Value = RoundingPolicy> {
    prop_oneof![
        Just(RoundingPolicy::PER_LINE_HALF_UP),
        Just(RoundingPolicy {
            mode: RoundingMode::HalfEven,
            scope: RoundingScope::PerLine
        }),
    ]
}

proptest! {
    /// The integer rounding path gives exactly what RoundingPolicy::round gives.
    #[test]
    fn integer_rounding_equals_policy_rounding(
        m in any::<i64>(), scale in 0u32..=28, dp in 0u32..=4, policy in policies(),
    ) {
        let v = Decimal::new(m, scale);
        prop_assert_eq!(round(policy, v, dp), policy.round(v, dp));
    }

    /// Halves are the interesting case.
    #[test]
    fn integer_rounding_of_halves(q in -1_000_000i64..1_000_000, policy in policies()) {
        let v = Decimal::new(q * 10 + 5, 3);
        prop_assert_eq!(round(policy, v, 2), policy.round(v, 2));
    }

    /// sum_max agrees with the plain iterator methods.
    #[test]
    fn sum_max_agrees(v in proptest::collection::vec(0i64..(1 << 50), 0..40)) {
        prop_assert_eq!(sum_max(&v), (v.iter().sum::<i64>(), v.iter().copied().max().unwrap_or(0)));
    }
}
