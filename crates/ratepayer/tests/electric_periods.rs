//! Electric bills a utility can send (issue "Bills a utility can send"): the
//! last tier bills usage above its `max`; every URDB ratchet form, across
//! year ends and from a peak history; UTC and offset timestamps read in the
//! utility's zone, daylight-saving days of 23 and 25 hours; exact periods
//! (part of a month, cycles across months and years, versions); URDB input
//! shapes and dates; and two properties: splitting a period at any day bills
//! the same as the whole, and a series given in UTC bills as the same
//! instants given in local time.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use chrono::{Duration, NaiveDate, NaiveDateTime, TimeZone};
use chrono_tz::America::New_York;
use proptest::prelude::*;
use ratepayer::electric::{
    urdb, ChargeUnit, Clock, DemandBasis, DemandTier, ElectricMonth, ElectricOptions, ElectricRate,
    ElectricTariff, EnergyTier, EnergyUnit, IntervalSeries, PeakHistory, PeriodCharge, Schedule,
};
use ratepayer::{BillingPeriod, Currency, RoundingPolicy};
use rust_decimal::Decimal;

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn day(y: i32, m: u32, dd: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, dd).unwrap()
}

fn at(y: i32, m: u32, dd: u32, h: u32) -> NaiveDateTime {
    day(y, m, dd).and_hms_opt(h, 0, 0).unwrap()
}

fn period(a: NaiveDate, b: NaiveDate) -> BillingPeriod {
    BillingPeriod::new(a, b).unwrap()
}

fn months(y: i32, from: u32, to: u32) -> Vec<BillingPeriod> {
    (from..=to)
        .map(|m| BillingPeriod::month_of(day(y, m, 1)))
        .collect()
}

fn local_hourly(start: NaiveDateTime, values: Vec<i64>) -> IntervalSeries {
    IntervalSeries::from_micro_kwh(start, 60, values).unwrap()
}

const KWH: i64 = 1_000_000;

/// 0.25 from 16:00 to 20:00, 0.10 otherwise, every day; optional fixed charge.
fn tou(fixed: Option<&str>) -> ElectricTariff {
    let mut t = ElectricTariff::flat("tou", Currency::USD, d("0.10"));
    t.energy_periods.push(vec![EnergyTier {
        max: None,
        rate: d("0.25"),
        unit: EnergyUnit::Kwh,
    }]);
    let mut row = [0u8; 24];
    row[16..20].fill(1);
    t.energy_schedule = Schedule {
        weekday: [row; 12],
        weekend: [row; 12],
    };
    if let Some(f) = fixed {
        t.fixed.push(PeriodCharge {
            amount: d(f),
            unit: ChargeUnit::PerMonth,
        });
    }
    t
}

fn bill(
    t: &ElectricTariff,
    s: &IntervalSeries,
    periods: &[BillingPeriod],
    zone: Option<chrono_tz::Tz>,
) -> Result<Vec<ElectricMonth>, ratepayer::electric::ElectricError> {
    t.bill_periods(
        s,
        periods,
        &ElectricOptions {
            zone,
            ..Default::default()
        },
    )
}

fn total(bills: &[ElectricMonth]) -> String {
    bills
        .iter()
        .map(|b| b.bill.total.amount())
        .sum::<Decimal>()
        .to_string()
}

/// 1.00 in the 01:00 clock hour, 0.10 otherwise: counts the repeated hour.
fn hour_one() -> ElectricTariff {
    let mut t = ElectricTariff::flat("h1", Currency::USD, d("0.10"));
    t.energy_periods.push(vec![EnergyTier {
        max: None,
        rate: d("1.00"),
        unit: EnergyUnit::Kwh,
    }]);
    let mut row = [0u8; 24];
    row[1] = 1;
    t.energy_schedule = Schedule {
        weekday: [row; 12],
        weekend: [row; 12],
    };
    t
}

// --- 2. Capped last tier -------------------------------------------------

#[test]
fn usage_above_the_last_tiers_max_is_billed_at_its_rate() {
    let mut t = ElectricTariff::flat("cap", Currency::USD, d("0.10"));
    t.energy_periods = vec![vec![EnergyTier {
        max: Some(d("200")),
        rate: d("0.10"),
        unit: EnergyUnit::Kwh,
    }]];
    t.flat_demand = vec![vec![DemandTier {
        max: Some(d("10")),
        rate: d("5"),
    }]];
    let mut v = vec![KWH; 744];
    v[100] = 20 * KWH;
    let s = local_hourly(at(2029, 1, 1, 0), v.clone());
    let st = t
        .prepare(2029, None)
        .unwrap()
        .bill(&s, RoundingPolicy::PER_LINE_HALF_UP)
        .unwrap();
    let jan = &st.months[0];
    assert_eq!(jan.kwh, d("763"));
    assert_eq!(jan.energy.to_decimal_string(), "76.30", "763 kWh, not 200");
    assert_eq!(
        jan.demand_flat.to_decimal_string(),
        "100.00",
        "20 kW, not 10"
    );
    // The same through billing periods.
    let b = bill(&t, &s, &months(2029, 1, 1), None).unwrap();
    assert_eq!(b[0].bill.total.to_decimal_string(), "176.30");
    // Two tiers, the last capped at 500: 200 × 0.10 + 544 × 0.20.
    t.energy_periods = vec![vec![
        EnergyTier {
            max: Some(d("200")),
            rate: d("0.10"),
            unit: EnergyUnit::Kwh,
        },
        EnergyTier {
            max: Some(d("500")),
            rate: d("0.20"),
            unit: EnergyUnit::Kwh,
        },
    ]];
    t.flat_demand.clear();
    let s = local_hourly(at(2029, 1, 1, 0), vec![KWH; 744]);
    let b = bill(&t, &s, &months(2029, 1, 1), None).unwrap();
    assert_eq!(b[0].energy.to_decimal_string(), "128.80");
}

// --- 3. Ratchets -----------------------------------------------------------

fn flat_row() -> String {
    let row = format!("[{}]", vec!["0"; 24].join(","));
    format!("[{}]", vec![row; 12].join(","))
}

fn ratchet_urdb(extra: &str) -> String {
    format!(
        r#"{{"energyratestructure": [[{{"rate": 0.1}}]],
        "energyweekdayschedule": {g}, "energyweekendschedule": {g},
        "flatdemandstructure": [[{{"rate": 10}}]], "flatdemandmonths": [0,0,0,0,0,0,0,0,0,0,0,0],
        {extra}}}"#,
        g = flat_row()
    )
}

/// 10 kW every hour of 2029 and January 2030, 100 kW once on 15 July 2029.
fn year_with_july_peak() -> IntervalSeries {
    let hours = (365 + 31) * 24;
    let mut v = vec![10 * KWH; hours];
    let july15 = (day(2029, 7, 15) - day(2029, 1, 1)).num_days() as usize * 24 + 12;
    v[july15] = 100 * KWH;
    local_hourly(at(2029, 1, 1, 0), v)
}

#[test]
fn lookbackmonths_without_a_range_ratchets_on_the_flagged_months_of_the_year_before() {
    let imported = urdb::import(
        "summer-ratchet",
        &ratchet_urdb(
            r#""lookbackpercent": 0.8, "lookbackrange": 0,
            "lookbackmonths": [false,false,false,false,false,true,true,true,true,false,false,false]"#,
        ),
    )
    .unwrap();
    let t = imported.tariff;
    let s = year_with_july_peak();
    let mut periods = months(2029, 1, 12);
    periods.extend(months(2030, 1, 1));
    let b = bill(&t, &s, &periods, None).unwrap();
    let bd: Vec<String> = b
        .iter()
        .map(|m| m.billing_demand_kw.normalize().to_string())
        .collect();
    assert_eq!(
        bd,
        ["10", "10", "10", "10", "10", "10", "100", "80", "80", "80", "80", "80", "80"],
        "July's peak ratchets every later month, across the year end"
    );
    assert_eq!(
        b[7].demand_basis,
        DemandBasis::Ratchet {
            year: 2029,
            month: 7,
            peak_kw: d("100"),
            percent: d("0.8")
        }
    );
    assert_eq!(b[0].demand_basis, DemandBasis::Peak);
    // The calendar-year statement (SAM's path) agrees within the year.
    let st = t
        .prepare(2029, None)
        .unwrap()
        .bill(
            &local_hourly(at(2029, 1, 1, 0), s.micro_kwh()[..8760].to_vec()),
            RoundingPolicy::PER_LINE_HALF_UP,
        )
        .unwrap();
    assert_eq!(st.months[11].billing_demand_kw, d("80"));
    // January 2030 alone: the July peak comes from a peak history, or nothing.
    let jan = local_hourly(at(2030, 1, 1, 0), vec![10 * KWH; 744]);
    let mut history = PeakHistory::new();
    history.record(2029, 7, d("100")).unwrap();
    let options = ElectricOptions {
        history: Some(&history),
        ..Default::default()
    };
    let b = t.bill_periods(&jan, &months(2030, 1, 1), &options).unwrap();
    assert_eq!(b[0].billing_demand_kw, d("80"));
    assert_eq!(b[0].demand_flat.to_decimal_string(), "800.00");
    let b = bill(&t, &jan, &months(2030, 1, 1), None).unwrap();
    assert_eq!(b[0].billing_demand_kw, d("10"));
}

#[test]
fn per_month_ratchet_percentages_over_a_lookback_range() {
    let imported = urdb::import(
        "per-month",
        &ratchet_urdb(
            r#""demandratchetpercentage": [0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5], "lookbackrange": 2"#,
        ),
    )
    .unwrap();
    assert!(imported.unused.is_empty(), "{:?}", imported.unused);
    let b = bill(
        &imported.tariff,
        &year_with_july_peak(),
        &months(2029, 7, 10),
        None,
    )
    .unwrap();
    let bd: Vec<Decimal> = b.iter().map(|m| m.billing_demand_kw).collect();
    // July 100 (own), August and September 50 % of July, October looks back
    // two months only (August, September): its own 10 kW.
    assert_eq!(bd, [d("100"), d("50"), d("50"), d("10")]);
    // A percentage above 1 is refused, not read as 80 %.
    let err = urdb::import(
        "bad",
        &ratchet_urdb(r#""demandratchetpercentage": [80,0,0,0,0,0,0,0,0,0,0,0]"#),
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("demandratchetpercentage[0]"),
        "{err}"
    );
    // A percentage with nothing to look back at is refused.
    let err = urdb::import("bad", &ratchet_urdb(r#""lookbackpercent": 0.8"#)).unwrap_err();
    assert!(err.to_string().contains("lookbackrange"), "{err}");
}

// --- 4. Time ---------------------------------------------------------------

#[test]
fn utc_timestamps_are_read_in_the_utilitys_zone() {
    let t = tou(None);
    // January 2029 in New York (EST, UTC-5): 05:00Z is local midnight.
    let start = at(2029, 1, 1, 5).and_utc();
    let mut v = vec![KWH; 744];
    // 10 kWh at 21:00Z on the 10th: 16:00 local, on peak.
    v[9 * 24 + 16] = 10 * KWH;
    let utc = IntervalSeries::from_utc_instant(start, 60, v.clone()).unwrap();
    let b = bill(&t, &utc, &months(2029, 1, 1), Some(New_York)).unwrap();
    // 31 × (20 × 0.10 + 4 × 0.25) + 9 × 0.25
    assert_eq!(b[0].bill.total.to_decimal_string(), "95.25");
    // The same instants in local time bill the same.
    let local = local_hourly(at(2029, 1, 1, 0), v);
    assert_eq!(
        total(&bill(&t, &local, &months(2029, 1, 1), None).unwrap()),
        "95.25"
    );
    // Without a zone, UTC instants are refused, not read as local time.
    let err = bill(&t, &utc, &months(2029, 1, 1), None).unwrap_err();
    assert!(err.to_string().contains("time zone"), "{err}");
    // A calendar-year statement reads local time only.
    assert!(t
        .prepare(2029, None)
        .unwrap()
        .bill(&utc, RoundingPolicy::PER_LINE_HALF_UP)
        .is_err());
}

#[test]
fn daylight_saving_days_of_23_and_25_hours() {
    let t = tou(None);
    // March 2029 in New York has 743 wall-clock hours (11 March has 23).
    let start = at(2029, 3, 1, 5).and_utc();
    let s = IntervalSeries::from_utc_instant(start, 60, vec![KWH; 743]).unwrap();
    let b = bill(&t, &s, &months(2029, 3, 3), Some(New_York)).unwrap();
    assert_eq!(b[0].kwh, d("743"));
    // 31 × 4 on-peak hours, 619 off-peak.
    assert_eq!(b[0].energy.to_decimal_string(), "92.90");
    // In standard time the month has 744 hours: 743 do not cover it.
    let mut st = t.clone();
    st.clock = Clock::Standard;
    let err = bill(&st, &s, &months(2029, 3, 3), Some(New_York)).unwrap_err();
    assert!(err.to_string().contains("does not cover"), "{err}");
    let s744 = IntervalSeries::from_utc_instant(start, 60, vec![KWH; 744]).unwrap();
    let b = bill(&st, &s744, &months(2029, 3, 3), Some(New_York)).unwrap();
    assert_eq!(b[0].energy.to_decimal_string(), "93.00");
    // November has 721 hours; the repeated 01:00 hour is billed at 01:00's
    // period twice on 4 November.
    let t1 = hour_one();
    let start = at(2029, 11, 1, 4).and_utc(); // local midnight, EDT
    let s = IntervalSeries::from_utc_instant(start, 60, vec![KWH; 721]).unwrap();
    let b = bill(&t1, &s, &months(2029, 11, 11), Some(New_York)).unwrap();
    // 31 hours at 1.00 (30 days + the repeated hour), 690 at 0.10.
    assert_eq!(b[0].energy.to_decimal_string(), "100.00");
    // Local wall-clock input: a local start in the zone reads the same.
    let local = IntervalSeries::from_micro_kwh(at(2029, 11, 1, 0), 60, vec![KWH; 721]).unwrap();
    let b = bill(&t1, &local, &months(2029, 11, 11), Some(New_York)).unwrap();
    assert_eq!(b[0].energy.to_decimal_string(), "100.00");
}

// --- 5. Partial months and cycles ---------------------------------------------

#[test]
fn part_of_a_month_is_billed_exactly_with_prorated_monthly_amounts() {
    let t = tou(Some("12.50"));
    let s = local_hourly(at(2029, 1, 1, 0), vec![KWH; 744]);
    let b = bill(&t, &s, &[period(day(2029, 1, 15), day(2029, 1, 31))], None).unwrap();
    let b = &b[0];
    assert_eq!(b.bill.period, period(day(2029, 1, 15), day(2029, 1, 31)));
    assert_eq!(b.kwh, d("408"), "17 days, not the month");
    // 17 × 3.00 + 12.50 × 17/31
    assert_eq!(b.fixed.to_decimal_string(), "6.85");
    assert_eq!(b.bill.total.to_decimal_string(), "57.85");
    // Tier sizes are prorated too: 310 kWh a month is 170 kWh for 17 days.
    let mut tiered = ElectricTariff::flat("tiers", Currency::USD, d("0.10"));
    tiered.energy_periods = vec![vec![
        EnergyTier {
            max: Some(d("310")),
            rate: d("0.10"),
            unit: EnergyUnit::Kwh,
        },
        EnergyTier {
            max: None,
            rate: d("0.20"),
            unit: EnergyUnit::Kwh,
        },
    ]];
    let b = bill(
        &tiered,
        &s,
        &[period(day(2029, 1, 15), day(2029, 1, 31))],
        None,
    )
    .unwrap();
    assert_eq!(b[0].energy.to_decimal_string(), "64.60");
    // A period the series does not cover is refused.
    let err = bill(&t, &s, &[period(day(2029, 1, 15), day(2029, 2, 3))], None).unwrap_err();
    assert!(err.to_string().contains("does not cover"), "{err}");
}

fn version(
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    fixed: &str,
    rate: &str,
) -> ElectricTariff {
    let mut t = ElectricTariff::flat("coop", Currency::USD, d(rate));
    t.fixed.push(PeriodCharge {
        amount: d(fixed),
        unit: ChargeUnit::PerMonth,
    });
    t.effective_from = from;
    t.effective_to = to;
    t
}

#[test]
fn a_cycle_across_the_year_end_and_a_rate_change_is_split_by_days() {
    let rate = ElectricRate::new(vec![
        version(None, Some(day(2029, 12, 31)), "10", "0.10"),
        version(Some(day(2030, 1, 1)), None, "20", "0.20"),
    ])
    .unwrap();
    let s = local_hourly(at(2029, 12, 1, 0), vec![KWH; (31 + 31) * 24]);
    let cycle = period(day(2029, 12, 15), day(2030, 1, 14));
    let b = rate
        .bill(&s, &[cycle], &ElectricOptions::default())
        .unwrap();
    let b = &b[0];
    assert_eq!(b.month, 1);
    assert_eq!(b.bill.period, cycle);
    // Dec 15-31: 10 × 17/31 + 408 × 0.10; Jan 1-14: 20 × 14/31 + 336 × 0.20.
    assert_eq!(b.bill.total.to_decimal_string(), "122.51");
    let versions: Vec<&str> = b.bill.lines.iter().map(|l| l.version()).collect();
    assert!(versions.contains(&"coop"), "{versions:?}");
    assert!(versions.contains(&"coop from 2030-01-01"), "{versions:?}");
    let dec: Vec<_> = b
        .bill
        .lines
        .iter()
        .filter(|l| l.period == period(day(2029, 12, 15), day(2029, 12, 31)))
        .collect();
    assert_eq!(
        dec.len(),
        2,
        "a fixed and an energy line for December's part"
    );
    // A minimum in both versions is a floor on the whole bill: 30 × (17 + 14)/31.
    let mut a = ElectricTariff::flat("m", Currency::USD, d("0.10"));
    a.minimum = Some(PeriodCharge {
        amount: d("30"),
        unit: ChargeUnit::PerMonth,
    });
    a.effective_to = Some(day(2029, 12, 31));
    let mut bv = a.clone();
    bv.effective_from = Some(day(2030, 1, 1));
    bv.effective_to = None;
    let zero = local_hourly(at(2029, 12, 1, 0), vec![0; (31 + 31) * 24]);
    let b = ElectricRate::new(vec![a, bv])
        .unwrap()
        .bill(&zero, &[cycle], &ElectricOptions::default())
        .unwrap();
    assert_eq!(b[0].bill.total.to_decimal_string(), "30.00");
    // Overlapping versions are refused.
    let err = ElectricRate::new(vec![
        version(None, Some(day(2030, 1, 5)), "10", "0.10"),
        version(Some(day(2030, 1, 1)), None, "20", "0.20"),
    ])
    .unwrap_err();
    assert!(err.to_string().contains("effective_to"), "{err}");
}

// --- 6. URDB input shape -----------------------------------------------------

#[test]
fn urdb_input_shapes_and_dates() {
    let err = urdb::import("empty", "{}").unwrap_err();
    assert!(err.to_string().contains("energyratestructure"), "{err}");
    let one = format!(r#"{{"items": [{}]}}"#, ratchet_urdb(r#""label": "abc""#));
    let imported = urdb::import("one", &one).unwrap();
    assert_eq!(imported.tariff.flat_demand.len(), 1);
    let two = format!(
        r#"{{"items": [{}, {}]}}"#,
        ratchet_urdb(r#""label": "aaa", "name": "Rate A""#),
        ratchet_urdb(r#""label": "bbb", "name": "Rate B""#)
    );
    let err = urdb::import("two", &two).unwrap_err().to_string();
    assert!(
        err.contains("items[0]: aaa (Rate A)") && err.contains("items[1]: bbb (Rate B)"),
        "{err}"
    );
    // startdate 2030-01-01 (seconds since 1970): January 2029 is refused.
    let dated = urdb::import("dated", &ratchet_urdb(r#""startdate": 1893456000"#)).unwrap();
    assert_eq!(dated.tariff.effective_from, Some(day(2030, 1, 1)));
    let s = local_hourly(at(2029, 1, 1, 0), vec![KWH; 744]);
    let err = bill(&dated.tariff, &s, &months(2029, 1, 1), None).unwrap_err();
    assert!(err.to_string().contains("no version"), "{err}");
    let dated = urdb::import("dated", &ratchet_urdb(r#""enddate": "2028-12-31""#)).unwrap();
    assert!(bill(&dated.tariff, &s, &months(2029, 1, 1), None).is_err());
}

// --- Properties ----------------------------------------------------------------

/// One day's hourly profile repeated over Dec 2029 - Feb 2030.
fn repeated(profile: &[i64]) -> IntervalSeries {
    let days = 31 + 31 + 28;
    let v: Vec<i64> = (0..days).flat_map(|_| profile.iter().copied()).collect();
    local_hourly(at(2029, 12, 1, 0), v)
}

/// TOU energy with tiers, flat and TOU demand (the same periods every day),
/// a fixed charge per month and per day, and a monthly minimum.
fn rich() -> ElectricTariff {
    let mut t = tou(Some("12.50"));
    for p in &mut t.energy_periods {
        let rate = p[0].rate;
        *p = vec![
            EnergyTier {
                max: Some(d("300")),
                rate,
                unit: EnergyUnit::Kwh,
            },
            EnergyTier {
                max: None,
                rate: rate + d("0.05"),
                unit: EnergyUnit::Kwh,
            },
        ];
    }
    t.fixed.push(PeriodCharge {
        amount: d("0.33"),
        unit: ChargeUnit::PerDay,
    });
    t.flat_demand = vec![vec![DemandTier {
        max: None,
        rate: d("4.50"),
    }]];
    t.demand_periods = vec![
        vec![DemandTier {
            max: None,
            rate: d("1.00"),
        }],
        vec![DemandTier {
            max: None,
            rate: d("7.25"),
        }],
    ];
    t.demand_schedule = t.energy_schedule.clone();
    t.minimum = Some(PeriodCharge {
        amount: d("40"),
        unit: ChargeUnit::PerMonth,
    });
    t
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Splitting a period at any day bills, in sum, what the whole period
    /// bills (the same load every day; per-line rounding moves each line by
    /// at most half a cent).
    #[test]
    fn splitting_a_period_keeps_the_total(
        profile in proptest::collection::vec(0i64..3_000_000, 24),
        from in 0i64..40,
        len in 2i64..45,
        cut in 1i64..44,
    ) {
        let cut = cut % len;
        prop_assume!(cut > 0);
        let t = rich();
        let s = repeated(&profile);
        let a = day(2029, 12, 1) + Duration::days(from);
        let b = a + Duration::days(len - 1);
        let whole = bill(&t, &s, &[period(a, b)], None).unwrap();
        let c = a + Duration::days(cut);
        let parts = bill(&t, &s, &[period(a, c - Duration::days(1)), period(c, b)], None).unwrap();
        let lines: usize = whole.iter().chain(&parts).map(|m| m.bill.lines.len()).sum();
        let w: Decimal = whole.iter().map(|m| m.bill.total.amount()).sum();
        let p: Decimal = parts.iter().map(|m| m.bill.total.amount()).sum();
        let slack = Decimal::new(5, 3) * Decimal::from(lines as u64);
        prop_assert!((w - p).abs() <= slack, "whole {w}, parts {p}");
        // Unrounded, the parts add up to the whole.
        let exact = |bills: &[ElectricMonth]| -> Decimal {
            bills.iter().map(|m| m.bill.total.amount()).sum()
        };
        let policy = RoundingPolicy::TOTAL_ONLY_HALF_UP;
        let o = ElectricOptions { rounding: policy, ..Default::default() };
        let w = exact(&t.bill_periods(&s, &[period(a, b)], &o).unwrap());
        let p = exact(&t.bill_periods(&s, &[period(a, c - Duration::days(1)), period(c, b)], &o).unwrap());
        prop_assert!((w - p).abs() <= d("0.01"), "whole {w}, parts {p} (total-only)");
    }

    /// A series given as UTC instants bills as the same instants given as
    /// local wall-clock times (across the March and November clock changes).
    #[test]
    fn utc_and_local_timestamps_bill_the_same(
        values in proptest::collection::vec(0i64..5_000_000, 24 * 70),
        month in prop_oneof![Just(3u32), Just(11u32)],
        start_day in 1u32..4,
    ) {
        let t = rich();
        let local_start = at(2029, month - 1, 20 + start_day, 0);
        let utc_start = New_York.from_local_datetime(&local_start).single().unwrap().naive_utc().and_utc();
        let utc = IntervalSeries::from_utc_instant(utc_start, 60, values.clone()).unwrap();
        let local = IntervalSeries::from_micro_kwh(local_start, 60, values).unwrap();
        let p = months(2029, month, month);
        let a = bill(&t, &utc, &p, Some(New_York)).unwrap();
        let b = bill(&t, &local, &p, Some(New_York)).unwrap();
        prop_assert_eq!(total(&a), total(&b));
        prop_assert_eq!(a[0].kwh, b[0].kwh);
    }
}

// --- Boundaries --------------------------------------------------------------

#[test]
fn leap_days_and_billing_cycle_proration() {
    let t = tou(Some("12.50"));
    // 15 to 29 February 2028: 15 of 29 days.
    let s = local_hourly(at(2028, 2, 1, 0), vec![KWH; 29 * 24]);
    let b = bill(&t, &s, &[period(day(2028, 2, 15), day(2028, 2, 29))], None).unwrap();
    assert_eq!(b[0].kwh, d("360"));
    assert_eq!(b[0].fixed.to_decimal_string(), "6.47", "12.50 × 15/29");
    // A normal 31-day read cycle counts one month under billing-cycle proration.
    let mut cyc = t.clone();
    cyc.proration = ratepayer::tariff::Proration::BillingCycle {
        min_days: 27,
        max_days: 34,
        days_per_month: d("30"),
    };
    let s = local_hourly(at(2029, 1, 1, 0), vec![KWH; (31 + 28) * 24]);
    let b = bill(
        &cyc,
        &s,
        &[period(day(2029, 1, 15), day(2029, 2, 14))],
        None,
    )
    .unwrap();
    assert_eq!(b[0].fixed.to_decimal_string(), "12.50");
    // Under calendar-month proration the same cycle counts 17/31 + 14/28.
    let b = bill(&t, &s, &[period(day(2029, 1, 15), day(2029, 2, 14))], None).unwrap();
    assert_eq!(b[0].fixed.to_decimal_string(), "13.10");
}

#[test]
fn fifteen_minute_intervals_across_the_autumn_change() {
    let t1 = hour_one();
    let start = at(2029, 11, 1, 4).and_utc();
    let s = IntervalSeries::from_utc_instant(start, 15, vec![KWH / 4; 721 * 4]).unwrap();
    let b = bill(&t1, &s, &months(2029, 11, 11), Some(New_York)).unwrap();
    assert_eq!(b[0].kwh, d("721"));
    assert_eq!(b[0].energy.to_decimal_string(), "100.00");
    // Hourly intervals cannot follow a 30-minute clock change (Lord Howe).
    let start = at(2029, 3, 20, 0).and_utc();
    let s = IntervalSeries::from_utc_instant(start, 60, vec![KWH; 24 * 40]).unwrap();
    let err = bill(
        &t1,
        &s,
        &months(2029, 4, 4),
        Some(chrono_tz::Australia::Lord_Howe),
    )
    .unwrap_err();
    assert!(err.to_string().contains("interval"), "{err}");
}

#[test]
fn hostile_periods_and_huge_values_are_refused_or_billed_without_panic() {
    let t = tou(Some("12.50"));
    let s = local_hourly(at(2029, 1, 1, 0), vec![KWH; 744]);
    // Out of order, overlapping, none.
    let jan = period(day(2029, 1, 1), day(2029, 1, 31));
    let early = period(day(2029, 1, 1), day(2029, 1, 10));
    assert!(bill(&t, &s, &[jan, early], None).is_err());
    assert!(bill(&t, &s, &[], None).is_err());
    // A one-day period.
    let one = bill(&t, &s, &[period(day(2029, 1, 31), day(2029, 1, 31))], None).unwrap();
    assert_eq!(one[0].kwh, d("24"));
    // The largest values an interval may hold, every hour of a year.
    let huge = vec![ratepayer::electric::MAX_INTERVAL_KWH * KWH; 8760];
    let s = local_hourly(at(2029, 1, 1, 0), huge);
    let _ = bill(&t, &s, &months(2029, 1, 12), None);
    let _ = bill(
        &rich(),
        &s,
        &[period(day(2029, 1, 15), day(2029, 12, 14))],
        None,
    );
}

/// A repeated tier limit is a tier of zero width (SAM bills it so, and URDB
/// data holds some): it bills nothing and the next tier starts there. A
/// falling limit is refused, naming the field.
#[test]
fn a_repeated_tier_limit_bills_nothing_and_a_falling_one_is_refused() {
    let tier = |max: Option<&str>, rate: &str| EnergyTier {
        max: max.map(d),
        rate: d(rate),
        unit: EnergyUnit::Kwh,
    };
    let mut repeated = ElectricTariff::flat("repeat", Currency::USD, d("0.10"));
    repeated.energy_periods = vec![vec![
        tier(Some("200"), "0.10"),
        tier(Some("200"), "9.99"),
        tier(None, "0.20"),
    ]];
    repeated.flat_demand = vec![vec![
        DemandTier {
            max: Some(d("10")),
            rate: d("5"),
        },
        DemandTier {
            max: Some(d("10")),
            rate: d("99"),
        },
        DemandTier {
            max: None,
            rate: d("7"),
        },
    ]];
    let mut v = vec![KWH; 744];
    v[100] = 20 * KWH;
    let s = local_hourly(at(2029, 1, 1, 0), v);
    let st = repeated
        .prepare(2029, None)
        .unwrap()
        .bill(&s, RoundingPolicy::PER_LINE_HALF_UP)
        .unwrap();
    let jan = &st.months[0];
    // 200 × 0.10 + 563 × 0.20; the zero-width tier's 9.99 never applies.
    assert_eq!(jan.energy.to_decimal_string(), "132.60");
    // 10 kW × 5 + 10 kW × 7.
    assert_eq!(jan.demand_flat.to_decimal_string(), "120.00");

    let mut falling = repeated.clone();
    falling.energy_periods = vec![vec![
        tier(Some("200"), "0.10"),
        tier(Some("150"), "0.15"),
        tier(None, "0.20"),
    ]];
    let err = falling.validate().unwrap_err().to_string();
    assert!(err.contains("energy_periods[0][1].max"), "{err}");
    assert!(err.contains("below the tier before (200)"), "{err}");
}
