//! Property tests of the water/gas engine on synthetic tariffs with two
//! versions, inclining blocks, fixed charges per month and per day, a
//! surcharge, a rider (possibly a discount), a tax and minimums (issue 14):
//!
//! * splitting a period at any day and billing the parts, with the usage
//!   shared by days, bills the same as the whole within the rounding policy,
//!   across a version change, whenever a minimum cannot bind differently in
//!   the parts (no minimum, or the period inside one version);
//! * the minimum is a floor on the whole bill: across a version change the
//!   total is the larger of the prorated minimums and the charges, and billing
//!   the parts separately never bills less than the whole.
//!
//! Proration is `daily` (or `calendar_month` inside one month), under which
//! a part's months are proportional to its days, as splitting needs.
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
use ratepayer::{
    Bill, BillInput, BillingPeriod, LineKind, Quantity, RoundingPolicy, RoundingScope, Tariff, Unit,
};
use rust_decimal::Decimal;

/// The rates of one version, in cents (or hundredths of a percent).
#[derive(Debug, Clone)]
struct Rates {
    monthly: i64,
    daily: i64,
    blocks: [i64; 3],
    surcharge: i64,
    minimum: Option<i64>,
}

fn rates() -> impl Strategy<Value = Rates> {
    (
        0i64..6_000,
        0i64..60,
        [0i64..500, 0i64..800, 0i64..1_200],
        0i64..150,
        prop::option::of(0i64..9_000),
    )
        .prop_map(|(monthly, daily, blocks, surcharge, minimum)| Rates {
            monthly,
            daily,
            blocks,
            surcharge,
            minimum,
        })
}

fn cents(c: i64) -> Decimal {
    Decimal::new(c, 2)
}

/// The first day of the second version.
fn change_day(offset: u64) -> NaiveDate {
    date("2025-01-01") + Days::new(offset)
}

fn version(label: &str, from: NaiveDate, r: &Rates, percents: Option<(i64, i64)>) -> String {
    let mut s = format!(
        r#"
[[versions]]
label = "{label}"
effective_from = {from}
  [[versions.fixed]]
  name = "Service charge"
  amount = "{}"
  [[versions.fixed]]
  name = "Daily meter charge"
  per = "day"
  amount = "{}"
  [[versions.volumetric]]
  name = "Water"
  blocks = [{{ up_to = 5, rate = "{}" }}, {{ up_to = 15, rate = "{}" }}, {{ rate = "{}" }}]
  [[versions.surcharges]]
  name = "Drought surcharge"
  rate = "{}"
"#,
        cents(r.monthly),
        cents(r.daily),
        cents(r.blocks[0]),
        cents(r.blocks[1]),
        cents(r.blocks[2]),
        cents(r.surcharge),
    );
    let mut groups = r#""service", "usage", "surcharge""#.to_string();
    if let Some(m) = r.minimum {
        s.push_str(&format!(
            "  [versions.minimum]\n  amount = \"{}\"\n",
            cents(m)
        ));
        groups.push_str(r#", "minimum""#);
    }
    if let Some((rider, tax)) = percents {
        s.push_str(&format!(
            "  [[versions.riders]]\n  name = \"Discount or fee\"\n  percent = \"{}\"\n  applies_to = [{groups}]\n",
            cents(rider)
        ));
        s.push_str(&format!(
            "  [[versions.taxes]]\n  name = \"Tax\"\n  percent = \"{}\"\n  applies_to = [{groups}, \"rider\"]\n",
            cents(tax)
        ));
    }
    s
}

/// A tariff of two versions, the second from `change`.
fn synthetic(
    proration: &str,
    change: NaiveDate,
    v1: &Rates,
    v2: &Rates,
    percents: Option<(i64, i64)>,
    policy: RoundingPolicy,
) -> Tariff {
    let text = format!(
        "id = \"synthetic\"\nname = \"Synthetic water\"\nservice = \"water\"\ncurrency = \"USD\"\nunit = \"kgal\"\nproration = {proration}\n{}{}",
        version("v1", date("2024-01-01"), v1, percents),
        version("v2", change, v2, percents),
    );
    Tariff::from_toml(&text)
        .unwrap_or_else(|e| panic!("{e}\n{text}"))
        .with_rounding(policy)
}

const DAILY: &str = "{ method = \"daily\", days_per_month = 30 }";

fn policies() -> impl Strategy<Value = RoundingPolicy> {
    prop_oneof![
        Just(RoundingPolicy::PER_LINE_HALF_UP),
        Just(RoundingPolicy::TOTAL_ONLY_HALF_UP),
        Just(RoundingPolicy {
            mode: ratepayer::RoundingMode::HalfEven,
            scope: RoundingScope::PerLine
        }),
    ]
}

fn bill(t: &Tariff, p: BillingPeriod, usage: Decimal) -> Bill {
    t.bill(&BillInput::metered(p, Quantity::new(usage, Unit::Kgal)))
        .unwrap_or_else(|e| panic!("{e}"))
}

/// The period of `len + 1` days from `start` days after 2024-09-01.
fn period_at(start: u64, len: u64) -> BillingPeriod {
    let from = date("2024-09-01") + Days::new(start);
    BillingPeriod::new(from, from + Days::new(len)).unwrap_or_else(|e| panic!("{e}"))
}

/// The whole period billed, and its two parts cut before `cut` days in,
/// with the usage shared by days.
fn split(t: &Tariff, whole: BillingPeriod, cut: u64, usage: Decimal) -> (Bill, Bill, Bill) {
    let (a, b) = whole.split_before(whole.from() + Days::new(cut));
    let b = b.unwrap_or_else(|| panic!("cut inside"));
    let share = usage * Decimal::from(a.days()) / Decimal::from(whole.days());
    (
        bill(t, whole, usage),
        bill(t, a, share),
        bill(t, b, usage - share),
    )
}

/// Each rounded amount is within half a minor unit of its exact value: the
/// parts and the whole may differ by that much per rounding.
fn bound(policy: RoundingPolicy, bills: &[&Bill]) -> Decimal {
    let roundings = match policy.scope {
        RoundingScope::TotalOnly => bills.len(),
        RoundingScope::PerLine => bills.iter().map(|b| b.lines.len() + 1).sum(),
    };
    Decimal::new(5, 3) * Decimal::from(roundings)
}

fn crosses(p: BillingPeriod, change: NaiveDate) -> bool {
    p.from() < change && change <= p.to()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(384))]

    #[test]
    fn split_at_any_day_bills_the_same_as_the_whole(
        v1 in rates(), v2 in rates(), change in 0u64..240,
        start in 0u64..500, len in 1u64..70, cut in 1u64..70,
        usage in 0i64..40_000, rider in -5_000i64..5_000, tax in 0i64..1_500,
        policy in policies(), with_minimum in any::<bool>(),
    ) {
        let cut = 1 + cut % len;
        let change = change_day(change);
        let whole = period_at(start, len);
        // A minimum binds per bill: splitting a period that crosses a version
        // change may move it (see the next property), so it is left out then.
        let keep_min = with_minimum && !crosses(whole, change);
        let strip = |r: &Rates| Rates { minimum: if keep_min { r.minimum } else { None }, ..r.clone() };
        let t = synthetic(DAILY, change, &strip(&v1), &strip(&v2), Some((rider, tax)), policy);
        let usage = Decimal::new(usage, 3);
        let (all, a, b) = split(&t, whole, cut, usage);
        let diff = (a.total.amount() + b.total.amount() - all.total.amount()).abs();
        let bound = bound(policy, &[&all, &a, &b]);
        prop_assert!(diff <= bound, "{} + {} vs {}: {diff} > {bound}\n{all}\n{a}\n{b}", a.total, b.total, all.total);
        prop_assert!(!all.total.is_negative());
        prop_assert!(all.lines.iter().filter(|l| l.kind() == LineKind::Tax).all(|l| !l.amount.is_negative()));
    }

    #[test]
    fn the_minimum_is_a_floor_on_the_whole_bill(
        v1 in rates(), v2 in rates(), m1 in 0i64..9_000, m2 in 0i64..9_000, change in 0u64..240,
        start in 0u64..500, len in 1u64..70, cut in 1u64..70, usage in 0i64..20_000,
        policy in policies(),
    ) {
        let cut = 1 + cut % len;
        let change = change_day(change);
        let v1 = Rates { minimum: Some(m1), ..v1 };
        let v2 = Rates { minimum: Some(m2), ..v2 };
        let t = synthetic(DAILY, change, &v1, &v2, None, policy);
        let whole = period_at(start, len);
        let (all, a, b) = split(&t, whole, cut, Decimal::new(usage, 3));
        // Each version's minimum prorated by its days (daily: days / 30),
        // divided once at the end: a sum of rounded thirtieths can miss an
        // exact half by 1e-26 and round the other way.
        let floor: Decimal = whole
            .from()
            .iter_days()
            .take(whole.days() as usize)
            .map(|d| cents(if d < change { m1 } else { m2 }))
            .sum::<Decimal>()
            / Decimal::from(30);
        // The minimum counts the groups it names (by default service and
        // usage); the surcharge is on top.
        let sum = |keep: &dyn Fn(&str) -> bool| -> Decimal {
            all.lines.iter().filter(|l| keep(l.group())).map(|l| l.amount.amount()).sum()
        };
        let charges = sum(&|g| g == "service" || g == "usage");
        let surcharges = sum(&|g| g == "surcharge");
        let expected = floor.max(charges) + surcharges;
        let bound = bound(policy, &[&all]);
        let gap = (all.total.amount() - expected).abs();
        prop_assert!(gap <= bound, "total {} but max(floor {floor}, charges {charges}) + {surcharges} = {expected}\n{all}", all.total);
        // A floor on each part never bills less than one floor on the whole.
        let parts = a.total.amount() + b.total.amount();
        let bound = self::bound(policy, &[&all, &a, &b]);
        prop_assert!(parts + bound >= all.total.amount(), "parts {parts} below the whole {}", all.total);
        if !crosses(whole, change) {
            prop_assert!((parts - all.total.amount()).abs() <= bound, "parts {parts} vs whole {}", all.total);
        }
    }

    #[test]
    fn calendar_month_blocks_split_inside_a_month(
        v1 in rates(), v2 in rates(), change in 0u64..240, month in 0u32..24,
        first in 1u32..28, len in 0u32..28, cut in 0u32..28, usage in 0i64..30_000,
        rider in -5_000i64..5_000, tax in 0i64..1_500, policy in policies(),
    ) {
        // Under calendar-month proration a part of one month counts its days
        // over the month's, proportional to its days: blocks split exactly.
        let from = NaiveDate::from_ymd_opt(2024 + (month / 12) as i32, month % 12 + 1, first).unwrap();
        let last = ratepayer::period::days_in_month(from);
        let len = 1 + len % (last - first);
        let cut = 1 + cut % len;
        let whole = BillingPeriod::new(from, from + Days::new(u64::from(len))).unwrap();
        let change = change_day(change);
        let strip = |r: &Rates| Rates { minimum: None, ..r.clone() };
        let t = synthetic("{ method = \"calendar_month\" }", change, &strip(&v1), &strip(&v2), Some((rider, tax)), policy);
        let (all, a, b) = split(&t, whole, u64::from(cut), Decimal::new(usage, 3));
        let diff = (a.total.amount() + b.total.amount() - all.total.amount()).abs();
        let bound = bound(policy, &[&all, &a, &b]);
        prop_assert!(diff <= bound, "{} + {} vs {}: {diff} > {bound}", a.total, b.total, all.total);
    }
}
