//! Properties of bills of customers who generate (issue 15), over random
//! TOU tariffs with tiers, sell rates, demand, fixed and minimum charges and
//! random hourly data for January to March 2029:
//! * with zero generation, every option bills what the consumption engine
//!   bills (net metering options always; the hour-by-hour options when the
//!   order of the hours cannot matter: one period, or no tiers);
//! * buy-all/sell-all is the consumption bill of the delivered energy minus
//!   the credit for the received energy at the sell rates;
//! * a carried credit is never negative, and what a month carries out the
//!   next brings in; each bill's lines add up to its total.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use chrono::NaiveDate;
use proptest::prelude::*;
use ratepayer::electric::{
    ChargeUnit, DemandTier, ElectricTariff, EnergyTier, EnergyUnit, MeterChannels, Metering,
    MeteringOptions, PeriodCharge, Schedule,
};
use ratepayer::{Currency, RoundingPolicy};
use rust_decimal::Decimal;

const HOURS: usize = (31 + 28 + 31) * 24;

#[derive(Debug, Clone)]
struct Case {
    periods: usize,
    tier_maxes: Vec<i64>,
    rates: Vec<Vec<i64>>,
    sells: Vec<Vec<i64>>,
    schedule: Vec<u8>,
    demand: Option<i64>,
    fixed: i64,
    minimum: Option<i64>,
}

fn case() -> impl Strategy<Value = Case> {
    (1usize..=3, 0usize..=2)
        .prop_flat_map(|(periods, extra_tiers)| {
            let tiers = extra_tiers + 1;
            (
                Just(periods),
                proptest::collection::vec(50i64..400, extra_tiers),
                proptest::collection::vec(proptest::collection::vec(1i64..500, tiers), periods),
                proptest::collection::vec(proptest::collection::vec(0i64..200, tiers), periods),
                proptest::collection::vec(0u8..(periods as u8), 12 * 24),
                proptest::option::of(100i64..2000),
                0i64..3000,
                proptest::option::of(500i64..20000),
            )
        })
        .prop_map(
            |(periods, mut maxes, rates, sells, schedule, demand, fixed, minimum)| {
                // Cumulative, increasing limits.
                let mut acc = 0;
                for m in maxes.iter_mut() {
                    acc += *m;
                    *m = acc;
                }
                Case {
                    periods,
                    tier_maxes: maxes,
                    rates,
                    sells,
                    schedule,
                    demand,
                    fixed,
                    minimum,
                }
            },
        )
}

fn tariff(c: &Case) -> ElectricTariff {
    let mut t = ElectricTariff::flat("gen", Currency::USD, Decimal::ZERO);
    let tiers = c.tier_maxes.len() + 1;
    t.energy_periods = (0..c.periods)
        .map(|p| {
            (0..tiers)
                .map(|k| EnergyTier {
                    max: c.tier_maxes.get(k).map(|&m| Decimal::from(m)),
                    rate: Decimal::new(c.rates[p][k], 3),
                    unit: EnergyUnit::Kwh,
                })
                .collect()
        })
        .collect();
    t.sell_rates = c
        .sells
        .iter()
        .map(|s| s.iter().map(|&v| Decimal::new(v, 3)).collect())
        .collect();
    let mut grid = [[0u8; 24]; 12];
    for (m, row) in grid.iter_mut().enumerate() {
        for (h, p) in row.iter_mut().enumerate() {
            *p = c.schedule[m * 24 + h];
        }
    }
    t.energy_schedule = Schedule {
        weekday: grid,
        weekend: grid,
    };
    if let Some(d) = c.demand {
        t.flat_demand = vec![vec![DemandTier {
            max: None,
            rate: Decimal::new(d, 3),
        }]];
    }
    t.fixed = vec![PeriodCharge {
        amount: Decimal::new(c.fixed, 2),
        unit: ChargeUnit::PerMonth,
    }];
    t.minimum = c.minimum.map(|m| PeriodCharge {
        amount: Decimal::new(m, 2),
        unit: ChargeUnit::PerMonth,
    });
    t
}

fn start() -> chrono::NaiveDateTime {
    NaiveDate::from_ymd_opt(2029, 1, 1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap()
}

fn sum_lines(lines: &[ratepayer::BillLine]) -> Decimal {
    lines.iter().map(|l| l.amount.amount()).sum()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn with_zero_generation_every_option_bills_as_consumption_only(
        c in case(),
        load in proptest::collection::vec(0i64..3_000_000, HOURS),
    ) {
        let t = tariff(&c);
        let year = t.prepare(2029, None).unwrap();
        let delivered: Vec<Decimal> = load.iter().map(|&v| Decimal::new(v, 6)).collect();
        let series = ratepayer::electric::IntervalSeries::from_kwh(start(), 60, &delivered).unwrap();
        let policy = RoundingPolicy::TOTAL_ONLY_HALF_UP;
        let consumption = year.bill(&series, policy).unwrap();
        let zero = vec![Decimal::ZERO; HOURS];
        let channels = MeterChannels::from_kwh(start(), 60, &delivered, &zero).unwrap();
        let order_free = c.periods == 1 || c.tier_maxes.is_empty();
        for metering in Metering::ALL {
            let by_hour = !matches!(metering, Metering::NetMetering | Metering::NetMeteringDollar);
            if by_hour && !order_free {
                continue;
            }
            let st = year.bill_generation(&channels, &MeteringOptions::new(metering), policy).unwrap();
            prop_assert_eq!(st.months.len(), consumption.months.len());
            for (g, b) in st.months.iter().zip(&consumption.months) {
                let diff = (sum_lines(&g.bill.lines) - sum_lines(&b.bill.lines)).abs();
                prop_assert!(diff < Decimal::new(1, 6), "{:?} month {}: {} vs {}", metering, g.month, sum_lines(&g.bill.lines), sum_lines(&b.bill.lines));
                prop_assert!(g.export_credit.amount().is_zero());
                prop_assert!(g.credit_out.amount().is_zero());
            }
        }
    }

    #[test]
    fn buy_all_sell_all_is_the_consumption_bill_less_the_generation_credit(
        c in case(),
        load in proptest::collection::vec(0i64..3_000_000, HOURS),
        gen in proptest::collection::vec(0i64..4_000_000, HOURS),
    ) {
        // One period: the credit is the received month's kWh through the
        // tiers at the sell rates, whatever the order of the hours.
        let c = Case { periods: 1, rates: vec![c.rates[0].clone()], sells: vec![c.sells[0].clone()], schedule: vec![0; 12 * 24], ..c };
        let t = tariff(&c);
        let year = t.prepare(2029, None).unwrap();
        let delivered: Vec<Decimal> = load.iter().map(|&v| Decimal::new(v, 6)).collect();
        let received: Vec<Decimal> = gen.iter().map(|&v| Decimal::new(v, 6)).collect();
        let series = ratepayer::electric::IntervalSeries::from_kwh(start(), 60, &delivered).unwrap();
        let policy = RoundingPolicy::TOTAL_ONLY_HALF_UP;
        let consumption = year.bill(&series, policy).unwrap();
        let channels = MeterChannels::from_kwh(start(), 60, &delivered, &received).unwrap();
        let st = year.bill_generation(&channels, &MeteringOptions::new(Metering::BuyAllSellAll), policy).unwrap();
        let mut first_hour = 0usize;
        for (g, b) in st.months.iter().zip(&consumption.months) {
            let hours = g.bill.period.days() as usize * 24;
            let month_kwh: Decimal = received[first_hour..first_hour + hours].iter().copied().sum();
            first_hour += hours;
            // The month's received kWh through the tiers at the sell rates.
            let mut credit = Decimal::ZERO;
            let mut below = Decimal::ZERO;
            let sells = &t.sell_rates[0];
            for (k, sell) in sells.iter().enumerate() {
                let top = match c.tier_maxes.get(k) {
                    Some(&m) if k + 1 < sells.len() => Decimal::from(m).min(month_kwh),
                    _ => month_kwh,
                };
                if top > below {
                    credit += (top - below) * sell;
                    below = top;
                }
            }
            let want = sum_lines(&b.bill.lines) - credit;
            let got = sum_lines(&g.bill.lines);
            prop_assert!((got - want).abs() < Decimal::new(1, 6), "month {}: {} vs {}", g.month, got, want);
        }
    }

    #[test]
    fn a_carried_credit_is_never_negative_and_reaches_the_next_month(
        c in case(),
        load in proptest::collection::vec(0i64..3_000_000, HOURS),
        gen in proptest::collection::vec(0i64..6_000_000, HOURS),
        true_up in 1u32..=12,
    ) {
        let t = tariff(&c);
        let year = t.prepare(2029, None).unwrap();
        let delivered: Vec<Decimal> = load.iter().map(|&v| Decimal::new(v, 6)).collect();
        let received: Vec<Decimal> = gen.iter().map(|&v| Decimal::new(v, 6)).collect();
        let channels = MeterChannels::from_kwh(start(), 60, &delivered, &received).unwrap();
        for metering in Metering::ALL {
            let mut o = MeteringOptions::new(metering);
            o.true_up_month = true_up;
            let st = year.bill_generation(&channels, &o, RoundingPolicy::PER_LINE_HALF_UP).unwrap();
            for m in &st.months {
                prop_assert!(!m.credit_out.is_negative() && !m.credit_in.is_negative(), "{:?} month {}", metering, m.month);
                prop_assert!(!m.export_credit.is_negative() && !m.true_up.is_negative());
                prop_assert!(m.kwh_credit_out >= Decimal::ZERO && m.excess_kwh >= Decimal::ZERO);
                prop_assert_eq!(sum_lines(&m.bill.lines), m.bill.total.amount());
                if m.month == true_up {
                    prop_assert!(m.credit_out.amount().is_zero(), "nothing carries past the true-up");
                }
            }
            for w in st.months.windows(2) {
                prop_assert_eq!(w[0].credit_out, w[1].credit_in, "{:?} month {}", metering, w[1].month);
            }
        }
    }

    #[test]
    fn quarter_hours_that_split_each_hour_evenly_bill_as_the_hours(
        c in case(),
        load in proptest::collection::vec(0i64..750_000, HOURS),
        gen in proptest::collection::vec(0i64..1_000_000, HOURS),
        skip in 0usize..400,
    ) {
        let t = tariff(&c);
        let year = t.prepare(2029, None).unwrap();
        let hourly = |v: &[i64]| -> Vec<Decimal> { v.iter().map(|&x| Decimal::new(4 * x, 6)).collect() };
        let quarters = |v: &[i64]| -> Vec<Decimal> { v.iter().flat_map(|&x| [Decimal::new(x, 6); 4]).collect() };
        let hours = MeterChannels::from_kwh(start(), 60, &hourly(&load), &hourly(&gen)).unwrap();
        let quarter = MeterChannels::from_kwh(start(), 15, &quarters(&load), &quarters(&gen)).unwrap();
        for metering in Metering::ALL {
            let o = MeteringOptions::new(metering);
            let a = year.bill_generation(&hours, &o, RoundingPolicy::PER_LINE_HALF_UP).unwrap();
            let b = year.bill_generation(&quarter, &o, RoundingPolicy::PER_LINE_HALF_UP).unwrap();
            prop_assert_eq!(a.total, b.total, "{:?}", metering);
            // Starting mid-day and mid-hour (the first `skip` quarter hours
            // left out, and zeroed in the other series) changes nothing.
            let mut zl = quarters(&load);
            let mut zg = quarters(&gen);
            for i in 0..skip {
                zl[i] = Decimal::ZERO;
                zg[i] = Decimal::ZERO;
            }
            let zeroed = MeterChannels::from_kwh(start(), 15, &zl, &zg).unwrap();
            let later = MeterChannels::from_kwh(
                start() + chrono::Duration::minutes(15 * skip as i64),
                15,
                &zl[skip..],
                &zg[skip..],
            )
            .unwrap();
            let z = year.bill_generation(&zeroed, &o, RoundingPolicy::PER_LINE_HALF_UP).unwrap();
            let l = year.bill_generation(&later, &o, RoundingPolicy::PER_LINE_HALF_UP).unwrap();
            prop_assert_eq!(z.total, l.total, "{:?} skipping {}", metering, skip);
            for (x, y) in a.months.iter().zip(&b.months) {
                prop_assert_eq!(x.bill.total, y.bill.total, "{:?} month {}", metering, x.month);
                prop_assert_eq!(x.peak_kw, y.peak_kw);
            }
        }
    }
}

/// A dated tariff is not billed for months it is not in effect for
/// (URDB `startdate`/`enddate`), never silently.
#[test]
fn months_outside_the_tariffs_dates_are_refused() {
    let c = Case {
        periods: 1,
        tier_maxes: vec![],
        rates: vec![vec![100]],
        sells: vec![vec![50]],
        schedule: vec![0; 12 * 24],
        demand: None,
        fixed: 0,
        minimum: None,
    };
    let mut t = tariff(&c);
    t.effective_from = NaiveDate::from_ymd_opt(2029, 2, 1);
    let year = t.prepare(2029, None).unwrap();
    let ones = vec![Decimal::ONE; HOURS];
    let channels = MeterChannels::from_kwh(start(), 60, &ones, &ones).unwrap();
    let err = year
        .bill_generation(
            &channels,
            &MeteringOptions::new(Metering::NetBilling),
            RoundingPolicy::PER_LINE_HALF_UP,
        )
        .unwrap_err()
        .to_string();
    assert!(err.contains("2029-02-01"), "{err}");
}
