//! Unit tests of the electric module's internals: the integer rounding path
//! against `RoundingPolicy::round`, the day-by-day accumulation against a
//! naive per-interval fold, the pro-rata
//! split, SAM's block-step `kWh/kW` tiers, tier splits with limits that do
//! not increase, and demand blocks.

use std::str::FromStr;

use proptest::prelude::*;
use rust_decimal::Decimal;

use super::bill::{add_max, add_max32};
use super::demand::block;
use super::exact::{pro_rata, round, Amount, Sum};
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
    effective_tiers(&tiers, 31, d("50"), None, &mut out).unwrap_or_default();
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
    effective_tiers(&tiers, 28, Decimal::ZERO, None, &mut out).unwrap_or_default();
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
fn add_max_and_pro_rata() {
    let (mut sum, mut max) = ([1, 0, 5], [4, 0, 5]);
    add_max(&mut sum, &mut max, &[3, 9, 2]);
    assert_eq!((sum, max), ([4, 9, 7], [4, 9, 5]));
    let (mut sum, mut max) = ([1, 0, 5], [4, 0, i32::MAX]);
    add_max32(&mut sum, &mut max, &[3, 9, i64::from(i32::MAX)]);
    assert_eq!(
        (sum, max),
        ([4, 9, 5 + i64::from(i32::MAX)], [4, 9, i32::MAX])
    );
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

    /// The integer product is `Decimal::checked_mul`'s, digit for digit
    /// (mantissa, scale and sign), whenever it gives one.
    #[test]
    fn amount_product_is_checked_mul(
        q in prop_oneof![Just(0i128), -(1i128 << 80)..(1i128 << 80), 0i128..100_000_000_000_000],
        qs in 0u32..=12,
        r in prop_oneof![Just(0i64), any::<i64>(), -1_000_000i64..1_000_000],
        rs in 0u32..=16,
    ) {
        let rate = Decimal::new(r, rs);
        if let Some(p) = Amount::product(q, qs, rate).map(Amount::to_decimal).transpose().map_err(|e| TestCaseError::fail(e.to_string()))? {
            let expected = Decimal::try_from_i128_with_scale(q, qs)
                .ok()
                .and_then(|d| d.checked_mul(rate));
            prop_assert_eq!(Some((p.mantissa(), p.scale(), p.is_sign_negative())),
                expected.map(|e| (e.mantissa(), e.scale(), e.is_sign_negative())));
        }
    }

    /// A Sum has the value, scale and sign of adding the same amounts one by
    /// one to `Decimal::ZERO`.
    #[test]
    fn sum_is_sequential_decimal_addition(
        amounts in proptest::collection::vec(
            (prop_oneof![Just(0i64), -100_000_000i64..100_000_000, -(10i64.pow(15))..10i64.pow(15)], 0u32..=14),
            0..30,
        ),
    ) {
        // Only sums whose every partial sum fits a Decimal exactly
        // (sequential addition rounds the others at some step).
        let (mut partial, mut top) = (0i128, 0u32);
        for &(m, s) in &amounts {
            if s > top {
                partial *= 10i128.pow(s - top);
                top = s;
            }
            partial += i128::from(m) * 10i128.pow(top - s);
            prop_assume!(partial.unsigned_abs() < (1u128 << 96));
        }
        let mut sum = Sum::ZERO;
        let mut expected = Decimal::ZERO;
        for &(m, s) in &amounts {
            let a = Decimal::new(m, s);
            sum.add(Amount::of(a)).map_err(|e| TestCaseError::fail(e.to_string()))?;
            expected = expected.checked_add(a).ok_or_else(|| TestCaseError::fail("overflow"))?;
        }
        let got = sum.value().map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(
            (got.mantissa(), got.scale(), got.is_sign_negative()),
            (expected.mantissa(), expected.scale(), expected.is_sign_negative())
        );
    }

    /// add_max agrees with the plain operations, element by element.
    #[test]
    fn add_max_agrees(
        v in proptest::collection::vec((0i64..(1 << 50), 0i64..(1 << 50), 0i64..(1 << 50)), 0..40),
    ) {
        let mut sum: Vec<i64> = v.iter().map(|x| x.0).collect();
        let mut max: Vec<i64> = v.iter().map(|x| x.1).collect();
        let values: Vec<i64> = v.iter().map(|x| x.2).collect();
        add_max(&mut sum, &mut max, &values);
        for (i, &(s, m, x)) in v.iter().enumerate() {
            prop_assert_eq!(sum.get(i).copied(), Some(s + x));
            prop_assert_eq!(max.get(i).copied(), Some(m.max(x)));
        }
    }

    /// add_max32 (eight at a time, then the rest) agrees with the plain
    /// operations, element by element, at every length.
    #[test]
    fn add_max32_agrees(
        v in proptest::collection::vec((0i64..(1 << 50), 0i32..i32::MAX, 0i64..i64::from(i32::MAX)), 0..40),
    ) {
        let mut sum: Vec<i64> = v.iter().map(|x| x.0).collect();
        let mut max: Vec<i32> = v.iter().map(|x| x.1).collect();
        let values: Vec<i64> = v.iter().map(|x| x.2).collect();
        add_max32(&mut sum, &mut max, &values);
        for (i, &(s, m, x)) in v.iter().enumerate() {
            prop_assert_eq!(sum.get(i).copied(), Some(s + x));
            prop_assert_eq!(max.get(i).copied().map(i64::from), Some(i64::from(m).max(x)));
        }
    }

    /// The one-pass, day-by-day accumulation gives the same energy per
    /// (month, period), peak per (month, demand period), peak and interval
    /// count per month as a naive fold over every interval, for series that
    /// start and end mid-day, at any interval length.
    #[test]
    fn accumulation_equals_a_naive_fold(
        start_hour in 0u32..(24 * 364),
        step in prop_oneof![Just(60u16), Just(30), Just(15), Just(5)],
        len in 0usize..3000,
        seed in any::<u64>(),
    ) {
        accumulation_matches(start_hour, step, len, seed)?;
    }
}

/// A tariff with 3 energy periods and 2 demand periods on different
/// schedules that change by month, hour and day of week.
fn two_schedule_tariff() -> super::ElectricTariff {
    use super::{DemandTier, ElectricTariff, Schedule};
    let mut energy = Schedule::uniform(0);
    let mut demand = Schedule::uniform(0);
    for m in 0..12usize {
        for h in 0..24usize {
            if let Some(p) = energy.weekday.get_mut(m).and_then(|r| r.get_mut(h)) {
                *p = ((h / 6 + m) % 3) as u8;
            }
            if let Some(p) = energy.weekend.get_mut(m).and_then(|r| r.get_mut(h)) {
                *p = ((h / 12 + m) % 3) as u8;
            }
            if let Some(p) = demand.weekday.get_mut(m).and_then(|r| r.get_mut(h)) {
                *p = u8::from((9..17).contains(&h) && m % 2 == 0);
            }
        }
    }
    let mut t = ElectricTariff::flat("acc", crate::Currency::USD, Decimal::ONE);
    let tiers = |r: i64| {
        vec![EnergyTier {
            max: None,
            rate: Decimal::new(r, 2),
            unit: EnergyUnit::Kwh,
        }]
    };
    t.energy_periods = vec![tiers(10), tiers(20), tiers(30)];
    t.energy_schedule = energy;
    let dt = || {
        vec![DemandTier {
            max: None,
            rate: Decimal::ONE,
        }]
    };
    t.demand_periods = vec![dt(), dt()];
    t.demand_schedule = demand;
    t
}

fn accumulation_matches(
    start_hour: u32,
    step: u16,
    len: usize,
    seed: u64,
) -> Result<(), TestCaseError> {
    use chrono::{Datelike, Duration, NaiveDate, Timelike, Weekday};
    let tariff = two_schedule_tariff();
    let year = 2029;
    let prepared = tariff
        .prepare(year, None)
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    let jan1 = NaiveDate::from_ymd_opt(year, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .ok_or_else(|| TestCaseError::fail("date"))?;
    let start = jan1 + Duration::hours(i64::from(start_hour));
    let per_hour = usize::from(60 / step);
    let room = (8760 - start_hour as usize) * per_hour;
    let len = len.min(room);
    let mut x = seed | 1;
    // Every third series has values above 2^31 (64-bit maxima), the others
    // not (32-bit maxima).
    let limit: u64 = if seed % 3 == 0 { 1 << 40 } else { 50_000_000 };
    let values: Vec<i64> = (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % limit) as i64
        })
        .collect();
    let series = super::IntervalSeries::from_micro_kwh(start, step, values.clone())
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    let t = prepared
        .accumulate(&series)
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    let (ne, nd) = (3usize, 2usize);
    let mut energy = vec![0i64; 12 * ne];
    let mut demand = vec![0i64; 12 * nd];
    let mut peak = [0i64; 12];
    let mut count = [0u32; 12];
    for (i, &v) in values.iter().enumerate() {
        let at = start + Duration::minutes(i64::from(step) * i as i64);
        let m = at.month0() as usize;
        let weekend = matches!(at.weekday(), Weekday::Sat | Weekday::Sun);
        let (e, q) = if weekend {
            (
                &tariff.energy_schedule.weekend,
                &tariff.demand_schedule.weekend,
            )
        } else {
            (
                &tariff.energy_schedule.weekday,
                &tariff.demand_schedule.weekday,
            )
        };
        let h = at.hour() as usize;
        let e = usize::from(e.get(m).and_then(|r| r.get(h)).copied().unwrap_or(9));
        let q = usize::from(q.get(m).and_then(|r| r.get(h)).copied().unwrap_or(9));
        if let Some(s) = energy.get_mut(m * ne + e) {
            *s += v;
        }
        if let Some(s) = demand.get_mut(m * nd + q) {
            *s = (*s).max(v);
        }
        if let Some(s) = peak.get_mut(m) {
            *s = (*s).max(v);
        }
        if let Some(s) = count.get_mut(m) {
            *s += 1;
        }
    }
    prop_assert_eq!(t.energy, energy);
    prop_assert_eq!(t.demand_max, demand);
    prop_assert_eq!(t.peak, peak);
    prop_assert_eq!(t.count, count);
    Ok(())
}

#[test]
fn a_series_refuses_export_and_absurd_values_and_keeps_its_largest() {
    use super::{IntervalSeries, MAX_INTERVAL_KWH, MICRO_KWH_PER_KWH};
    let start = chrono::NaiveDate::from_ymd_opt(2029, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .unwrap_or_default();
    let refusal = |values: Vec<i64>| match IntervalSeries::from_micro_kwh(start, 60, values) {
        Err(e) => e.to_string(),
        Ok(_) => String::from("accepted"),
    };
    let negative = refusal(vec![5, 7, -1, 3]);
    assert!(
        negative.contains("interval 2 holds -0.000001 kWh"),
        "{negative}"
    );
    let too_big = refusal(vec![0, MAX_INTERVAL_KWH * MICRO_KWH_PER_KWH + 1]);
    assert!(too_big.contains("interval 1 holds"), "{too_big}");
    let ok = IntervalSeries::from_micro_kwh(start, 60, vec![5, 9, 2]);
    assert_eq!(ok.map(|s| s.max_micro_kwh()).ok(), Some(9));
    let empty = IntervalSeries::from_micro_kwh(start, 60, Vec::new());
    assert_eq!(empty.map(|s| s.max_micro_kwh()).ok(), Some(0));
}
