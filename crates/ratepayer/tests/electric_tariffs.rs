//! Electric tariffs end to end: a snapshot of a TOU + demand bill imported from
//! URDB JSON, the importer's report of unused fields and its errors, holidays
//! on the weekend schedule, sub-hourly demand, ratchets and minimum billing
//! demand, fixed and minimum charge units; and two properties: a single-period
//! TOU tariff bills like the equivalent flat tariff, and moving load between
//! periods with identical rates does not change the bill.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use chrono::{NaiveDate, NaiveDateTime};
use proptest::prelude::*;
use ratepayer::calendar::Calendar;
use ratepayer::electric::{
    urdb, ChargeUnit, DemandTier, ElectricError, ElectricStatement, ElectricTariff, EnergyTier,
    EnergyUnit, IntervalSeries, PeriodCharge, Ratchet, Schedule,
};
use ratepayer::{Currency, RoundingPolicy};
use rust_decimal::Decimal;

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn jan1(year: i32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(year, 1, 1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap()
}

fn hourly(values: Vec<i64>) -> IntervalSeries {
    IntervalSeries::from_micro_kwh(jan1(2029), 60, values).unwrap()
}

fn sum_lines(st: &ElectricStatement) -> Decimal {
    st.months
        .iter()
        .flat_map(|m| m.bill.lines.iter())
        .map(|l| l.amount.amount())
        .sum()
}

/// 12 rows of 24 hours as URDB JSON, `peak` from 14:00 to 19:59, `off` otherwise.
fn grid(off: u8, peak: u8) -> String {
    let row: Vec<String> = (0..24)
        .map(|h| if (14..20).contains(&h) { peak } else { off }.to_string())
        .collect();
    let row = format!("[{}]", row.join(","));
    format!("[{}]", vec![row; 12].join(","))
}

fn tou_demand_urdb() -> String {
    format!(
        r#"{{
  "name": "Example Co-op Large Power TOU",
  "utility": "Example Electric Cooperative",
  "sector": "Commercial",
  "dgrules": "Net Metering",
  "energyratestructure": [
    [{{"max": 10000, "rate": 0.0712, "adj": 0.004}}, {{"rate": 0.0655, "adj": 0.004, "sell": 0.03}}],
    [{{"max": 10000, "rate": 0.1384, "adj": 0.004}}, {{"rate": 0.1301, "adj": 0.004}}],
    [{{"max": 10000, "rate": 0.0590}}, {{"rate": 0.0550}}]
  ],
  "energyweekdayschedule": {wd},
  "energyweekendschedule": {we},
  "demandratestructure": [[{{"max": 100, "rate": 4.5}}, {{"rate": 6.0}}], [{{"max": 100, "rate": 11.25}}, {{"rate": 13.0}}]],
  "demandweekdayschedule": {dwd},
  "demandweekendschedule": {dwe},
  "demandrateunit": "kW",
  "flatdemandstructure": [[{{"rate": 2.1}}]],
  "flatdemandmonths": [0,0,0,0,0,0,0,0,0,0,0,0],
  "flatdemandunit": "kW",
  "fixedchargefirstmeter": 45.0,
  "fixedchargeunits": "$/month",
  "mincharge": 250,
  "minchargeunits": "$/month",
  "demandwindow": 15
}}"#,
        wd = grid(0, 1),
        we = grid(2, 2),
        dwd = grid(0, 1),
        dwe = grid(0, 0),
    )
}

/// A commercial-looking July: 40 kW base, 120 kW on weekday afternoons.
fn july_load() -> IntervalSeries {
    let start = NaiveDate::from_ymd_opt(2029, 7, 1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap();
    let values: Vec<i64> = (0..31 * 24)
        .map(|i| {
            let (day, h) = (i / 24, i % 24);
            // 2029-07-01 is a Sunday.
            let weekday = !matches!(day % 7, 0 | 6);
            if weekday && (14..20).contains(&h) {
                120_000_000 + (day as i64) * 250_000
            } else {
                40_000_000
            }
        })
        .collect();
    IntervalSeries::from_micro_kwh(start, 60, values).unwrap()
}

#[test]
fn tou_and_demand_bill_snapshot() {
    let imported = urdb::import("example-lp-tou", &tou_demand_urdb()).unwrap();
    let year = imported.tariff.prepare(2029, None).unwrap();
    let st = year
        .bill(&july_load(), RoundingPolicy::PER_LINE_HALF_UP)
        .unwrap();
    assert_eq!(st.months.len(), 1);
    let july = &st.months[0];
    let sum: Decimal = july.bill.lines.iter().map(|l| l.amount.amount()).sum();
    assert_eq!(july.bill.total.amount(), sum);
    let unused: Vec<String> = imported
        .unused
        .iter()
        .map(|u| format!("{}: {}", u.field, u.reason))
        .collect();
    insta::assert_snapshot!(
        "electric_tou_demand_july",
        format!(
            "{}\npeak {} kW, billing demand {} kW\n\nunused URDB fields:\n{}\n",
            july.bill,
            july.peak_kw.normalize(),
            july.billing_demand_kw.normalize(),
            unused.join("\n")
        )
    );
}

#[test]
fn importer_reports_every_problem_at_once() {
    let json = r#"{"energyratestructure": [[{"rate": "0.1"}], [{"rate": 0.2, "unit": "therms"}]],
        "energyweekdayschedule": [[0]], "demandrateunit": "kVA", "fixedchargefirstmeter": 10,
        "fixedchargeunits": "$/fortnight"}"#;
    let err = urdb::import("bad", json).unwrap_err();
    let ElectricError::Invalid { problems } = &err else {
        panic!("{err}")
    };
    let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "energyratestructure[0][0].rate",
            "energyratestructure[1][0].unit",
            "energyweekdayschedule",
            "demandrateunit",
            "fixedchargeunits"
        ]
    );
    let text = err.to_string();
    assert!(
        text.contains("use \"$/month\", \"$/day\" or \"$/year\""),
        "{text}"
    );
    insta::assert_snapshot!("electric_urdb_refusal", text);
    assert!(urdb::import("x", "[1, 2]").is_err());
    assert!(urdb::import("x", "{not json").is_err());
}

#[test]
fn importer_refuses_periods_of_one_month_with_different_limits() {
    let json = format!(
        r#"{{"energyratestructure": [[{{"max": 500, "rate": 0.1}}, {{"rate": 0.2}}], [{{"max": 600, "rate": 0.3}}, {{"rate": 0.4}}]],
        "energyweekdayschedule": {}}}"#,
        grid(0, 1)
    );
    let err = urdb::import("x", &json).unwrap_err().to_string();
    assert!(err.contains("energy_periods[1]"), "{err}");
    assert!(err.contains("must share tier count, max and unit"), "{err}");
}

#[test]
fn holidays_of_the_calendar_use_the_weekend_schedule() {
    let mut t = ElectricTariff::flat("h", Currency::USD, d("0.10"));
    t.energy_periods.push(vec![EnergyTier {
        max: None,
        rate: d("0.30"),
        unit: EnergyUnit::Kwh,
    }]);
    t.energy_schedule = Schedule {
        weekday: [[0; 24]; 12],
        weekend: [[1; 24]; 12],
    };
    // 2029-01-01 (Monday) is New Year's Day in the Federal Reserve calendar.
    let day_one: Vec<i64> = vec![1_000_000; 24];
    let plain = t.prepare(2029, None).unwrap();
    let fed = Calendar::fed();
    let with_holidays = t.prepare(2029, Some(&fed)).unwrap();
    let policy = RoundingPolicy::PER_LINE_HALF_UP;
    let a = plain.bill(&hourly(day_one.clone()), policy).unwrap();
    let b = with_holidays.bill(&hourly(day_one), policy).unwrap();
    assert_eq!(a.total.to_decimal_string(), "2.40");
    assert_eq!(b.total.to_decimal_string(), "7.20");
}

#[test]
fn demand_is_interval_energy_over_interval_hours() {
    let mut t = ElectricTariff::flat("q", Currency::USD, Decimal::ZERO);
    t.flat_demand = vec![vec![DemandTier {
        max: None,
        rate: d("10"),
    }]];
    // 15-minute data: one interval of 3 kWh is 12 kW.
    let mut v = vec![500_000i64; 4 * 24];
    v[37] = 3_000_000;
    let s = IntervalSeries::from_micro_kwh(jan1(2029), 15, v).unwrap();
    let st = t
        .prepare(2029, None)
        .unwrap()
        .bill(&s, RoundingPolicy::PER_LINE_HALF_UP)
        .unwrap();
    assert_eq!(st.months[0].peak_kw, d("12"));
    assert_eq!(st.total.to_decimal_string(), "120.00");
}

#[test]
fn ratchet_and_minimum_billing_demand_raise_billing_demand() {
    let mut t = ElectricTariff::flat("r", Currency::USD, Decimal::ZERO);
    t.flat_demand = vec![vec![DemandTier {
        max: None,
        rate: d("1"),
    }]];
    t.ratchet = Some(Ratchet::uniform(d("0.8"), 11));
    t.minimum_billing_demand_kw = Some(d("30"));
    // January peak 100 kW, February 10 kW, March 50 kW; 2029 is not a leap year.
    let mut v = vec![0i64; (31 + 28 + 31) * 24];
    v[5] = 100_000_000;
    v[31 * 24 + 5] = 10_000_000;
    v[59 * 24 + 5] = 50_000_000;
    let st = t
        .prepare(2029, None)
        .unwrap()
        .bill(&hourly(v), RoundingPolicy::PER_LINE_HALF_UP)
        .unwrap();
    let bd: Vec<Decimal> = st.months.iter().map(|m| m.billing_demand_kw).collect();
    assert_eq!(bd, [d("100"), d("80"), d("80")]);
    t.ratchet = None;
    let st = t
        .prepare(2029, None)
        .unwrap()
        .bill(
            &hourly(vec![10_000_000; 24]),
            RoundingPolicy::PER_LINE_HALF_UP,
        )
        .unwrap();
    assert_eq!(st.months[0].billing_demand_kw, d("30"));
}

#[test]
fn fixed_and_minimum_charge_units() {
    let mut t = ElectricTariff::flat("f", Currency::USD, d("0.10"));
    t.fixed = vec![
        PeriodCharge {
            amount: d("0.50"),
            unit: ChargeUnit::PerDay,
        },
        PeriodCharge {
            amount: d("120"),
            unit: ChargeUnit::PerYear,
        },
    ];
    t.minimum = Some(PeriodCharge {
        amount: d("1.50"),
        unit: ChargeUnit::PerDay,
    });
    // February 2029: 28 days. 100 kWh = 10.00; fixed 14.00 + 10.00; minimum 42.00.
    let start = NaiveDate::from_ymd_opt(2029, 2, 1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap();
    let s = IntervalSeries::from_kwh(start, 60, &[d("100")]).unwrap();
    let st = t
        .prepare(2029, None)
        .unwrap()
        .bill(&s, RoundingPolicy::PER_LINE_HALF_UP)
        .unwrap();
    let feb = &st.months[0];
    assert_eq!(feb.fixed.amount(), d("24.00"));
    assert_eq!(feb.minimum.amount(), d("8.00"));
    assert_eq!(feb.bill.total.to_decimal_string(), "42.00");
}

#[test]
fn annual_minimum_is_settled_in_december() {
    let mut t = ElectricTariff::flat("a", Currency::USD, d("0.10"));
    t.minimum = Some(PeriodCharge {
        amount: d("100"),
        unit: ChargeUnit::PerYear,
    });
    let st = t
        .prepare(2029, None)
        .unwrap()
        .bill(
            &hourly(vec![100_000; 8760]),
            RoundingPolicy::PER_LINE_HALF_UP,
        )
        .unwrap();
    // 876 kWh at 0.10 = 87.60; December tops up 12.40.
    assert_eq!(st.months[11].minimum.amount(), d("12.40"));
    assert!(st.months[..11].iter().all(|m| m.minimum.amount().is_zero()));
    assert_eq!(st.total.to_decimal_string(), "100.00");
}

#[test]
fn series_errors_say_how_to_fix() {
    let e = IntervalSeries::from_micro_kwh(jan1(2029), 7, vec![1]).unwrap_err();
    assert!(e.to_string().contains("divides an hour"), "{e}");
    let e = IntervalSeries::from_micro_kwh(jan1(2029), 60, vec![1, -1]).unwrap_err();
    assert!(e.to_string().contains("interval 1"), "{e}");
    let t = ElectricTariff::flat("s", Currency::USD, d("0.1"));
    let y = t.prepare(2029, None).unwrap();
    let long = hourly(vec![1; 8761]);
    let e = y.bill(&long, RoundingPolicy::PER_LINE_HALF_UP).unwrap_err();
    assert!(
        e.to_string().contains("split it at the year boundary"),
        "{e}"
    );
    let early = IntervalSeries::from_micro_kwh(jan1(2028), 60, vec![1]).unwrap();
    assert!(y.bill(&early, RoundingPolicy::PER_LINE_HALF_UP).is_err());
}

fn tiers(rates: &[(Option<i64>, i64)]) -> Vec<EnergyTier> {
    rates
        .iter()
        .map(|&(max, rate)| EnergyTier {
            max: max.map(Decimal::from),
            rate: Decimal::new(rate, 4),
            unit: EnergyUnit::Kwh,
        })
        .collect()
}

fn any_load() -> impl Strategy<Value = Vec<i64>> {
    // 60 days of hourly values, 0 to 50 kWh each, to the Wh.
    proptest::collection::vec(0i64..50_000, 60 * 24)
        .prop_map(|v| v.into_iter().map(|x| x * 1000).collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// A TOU tariff with a single energy period and a single TOU demand period
    /// bills the same as the flat tariff with the same tiers and a flat demand charge.
    #[test]
    fn single_period_tou_equals_flat(
        load in any_load(),
        limits in (1i64..20_000, 1i64..20_000),
        rates in (1i64..3000, 1i64..3000, 1i64..3000),
        demand in (1i64..200, 1i64..2000, 1i64..2000),
    ) {
        let (a, b) = (limits.0.min(limits.1), limits.0.max(limits.1));
        let energy = tiers(&[(Some(a), rates.0), (Some(b), rates.1), (None, rates.2)]);
        let dtiers = vec![
            DemandTier { max: Some(Decimal::from(demand.0)), rate: Decimal::new(demand.1, 2) },
            DemandTier { max: None, rate: Decimal::new(demand.2, 2) },
        ];
        let mut flat = ElectricTariff::flat("flat", Currency::USD, Decimal::ZERO);
        flat.energy_periods = vec![energy.clone()];
        flat.flat_demand = vec![dtiers.clone()];
        let mut tou = ElectricTariff::flat("tou", Currency::USD, Decimal::ZERO);
        tou.energy_periods = vec![energy];
        tou.demand_periods = vec![dtiers];
        let s = hourly(load);
        for policy in [RoundingPolicy::PER_LINE_HALF_UP, RoundingPolicy::TOTAL_ONLY_HALF_UP] {
            let f = flat.prepare(2029, None).unwrap().bill(&s, policy).unwrap();
            let t = tou.prepare(2029, None).unwrap().bill(&s, policy).unwrap();
            prop_assert_eq!(f.total, t.total);
            for (x, y) in f.months.iter().zip(&t.months) {
                prop_assert_eq!(x.bill.total, y.bill.total);
                prop_assert_eq!(x.demand_flat, y.demand_tou);
                prop_assert_eq!(x.energy, y.energy);
            }
        }
    }

    /// Periods 0 and 1 have identical tiers and rates (period 2 differs):
    /// moving energy from an hour of one to an hour of the other in the same
    /// month, or swapping two such hours, leaves the bill unchanged.
    #[test]
    fn moving_load_between_identical_periods_keeps_the_bill(
        load in any_load(),
        day_a in 0usize..28, day_b in 0usize..28,
        moved in 0i64..=1000,
        peak_rate in 1i64..5000,
    ) {
        let same = tiers(&[(Some(300), 1100), (Some(900), 1350), (None, 1600)]);
        let other = tiers(&[(Some(300), peak_rate), (Some(900), peak_rate + 7), (None, peak_rate + 9)]);
        let mut t = ElectricTariff::flat("m", Currency::USD, Decimal::ZERO);
        t.energy_periods = vec![same.clone(), same, other];
        // Hours 0-7 period 0, 8-15 period 1, 16-23 period 2, every day.
        let row: [u8; 24] = std::array::from_fn(|h| (h / 8) as u8);
        t.energy_schedule = Schedule { weekday: [row; 12], weekend: [row; 12] };
        t.fixed = vec![PeriodCharge { amount: Decimal::from(9), unit: ChargeUnit::PerMonth }];
        let year = t.prepare(2029, None).unwrap();
        let policy = RoundingPolicy::TOTAL_ONLY_HALF_UP;
        let before = year.bill(&hourly(load.clone()), policy).unwrap();
        // Move up to `moved`/1000 of hour 3 (period 0) of day A to hour 10 (period 1) of day B.
        let (from, to) = (day_a * 24 + 3, day_b * 24 + 10);
        let mut moved_load = load.clone();
        let x = moved_load[from] * moved / 1000;
        moved_load[from] -= x;
        moved_load[to] += x;
        let after = year.bill(&hourly(moved_load), policy).unwrap();
        let (b, a) = (sum_lines(&before), sum_lines(&after));
        prop_assert!((b - a).abs() < Decimal::new(1, 6), "{} vs {}", b, a);
        // With a flat demand charge, swapping the two hours keeps the peak too.
        let mut td = t.clone();
        td.flat_demand = vec![vec![DemandTier { max: None, rate: Decimal::from(7) }]];
        let yd = td.prepare(2029, None).unwrap();
        let mut swapped = load.clone();
        swapped.swap(from, to);
        let b = sum_lines(&yd.bill(&hourly(load), policy).unwrap());
        let a = sum_lines(&yd.bill(&hourly(swapped), policy).unwrap());
        prop_assert!((b - a).abs() < Decimal::new(1, 6), "{} vs {}", b, a);
    }
}

#[test]
fn utc_timestamps_become_local_standard_time() {
    // 2029-07-01 06:00 UTC is 00:00 Central Standard Time (the wall clock,
    // on daylight time, says 01:00).
    let utc = chrono::DateTime::from_timestamp(1_877_580_000, 0).unwrap();
    assert_eq!(utc.to_string(), "2029-07-01 06:00:00 UTC");
    let s =
        IntervalSeries::from_utc_micro_kwh(utc, chrono_tz::America::Chicago, 60, vec![1]).unwrap();
    assert_eq!(s.start().to_string(), "2029-07-01 00:00:00");
    // India is UTC+5:30: an hour-aligned UTC start is not on the hour there.
    let e =
        IntervalSeries::from_utc_micro_kwh(utc, chrono_tz::Asia::Kolkata, 60, vec![1]).unwrap_err();
    assert!(
        e.to_string().contains("start the series on the hour"),
        "{e}"
    );
}
