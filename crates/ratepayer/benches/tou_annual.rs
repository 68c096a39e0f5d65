//! Time to compute one annual electric bill: 8,760 hourly values under a
//! 4-period time-of-use tariff (weekday off-peak, shoulder, peak; a weekend
//! period), each period with 3 energy tiers, a 2-tier TOU demand charge on
//! 4 demand periods, and a fixed charge. Each iteration bills the whole year
//! into 12 itemised monthly bills (`crate::Bill`s) from a prepared year.
//!
//! * `tou_annual/bill` — one annual bill, the hour map prepared once.
//! * `tou_annual/prepare_and_bill` — preparing the year's hour map as well.
//! * `tou_annual/cycles_dst_12` — a year of 12 meter-read cycles off the
//!   calendar (the 15th to the 14th, from December 2028), from hourly UTC
//!   instants read on New York's wall clock (the March and November clock
//!   changes inside), through `ElectricRate::bill`: parts per month, prorated
//!   monthly amounts, the two years' hour maps prepared in the call.
//!
//! ```text
//! cargo bench -p ratepayer --bench tou_annual -- --warm-up-time 1 --measurement-time 3
//! ```
//!
//! The target is at most 20 µs per annual bill.
//!
//! On a shared machine, other tenants inflate criterion's means. With
//! `TOU_ANNUAL_BATCHES=1` the binary instead times 20 batches of 5,000
//! annual bills and prints the fastest batch's time per bill, a figure that
//! noise can only raise:
//!
//! ```text
//! TOU_ANNUAL_BATCHES=1 cargo bench -p ratepayer --bench tou_annual
//! ```

use std::hint::black_box;

use chrono::NaiveDate;
use criterion::Criterion;
use ratepayer::electric::{ElectricOptions, ElectricRate, ElectricTariff, IntervalSeries};
use ratepayer::{BillingPeriod, RoundingPolicy};

#[path = "common/tou4.rs"]
mod tou4;

fn tariff() -> ElectricTariff {
    tou4::tou4("bench-tou4")
}

/// A deterministic commercial-looking load: a daily shape plus noise, in micro-kWh.
fn load() -> Result<IntervalSeries, String> {
    let start = NaiveDate::from_ymd_opt(2029, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .ok_or("bad date")?;
    IntervalSeries::from_micro_kwh(start, 60, values(8760)).map_err(|e| e.to_string())
}

/// 13 months of the same load as UTC instants from local midnight of
/// 1 December 2028 in New York, and the 12 read cycles billed.
fn cycles() -> Result<(IntervalSeries, Vec<BillingPeriod>), String> {
    let start = NaiveDate::from_ymd_opt(2028, 12, 1)
        .and_then(|d| d.and_hms_opt(5, 0, 0))
        .ok_or("bad date")?
        .and_utc();
    let series = IntervalSeries::from_utc_instant(start, 60, values((31 + 365 + 31) * 24))
        .map_err(|e| e.to_string())?;
    let mut periods = Vec::new();
    let mut from = NaiveDate::from_ymd_opt(2028, 12, 15).ok_or("bad date")?;
    for _ in 0..12 {
        let next = from
            .checked_add_months(chrono::Months::new(1))
            .ok_or("bad date")?;
        let to = next.pred_opt().ok_or("bad date")?;
        periods.push(BillingPeriod::new(from, to).map_err(|e| e.to_string())?);
        from = next;
    }
    Ok((series, periods))
}

fn values(n: usize) -> Vec<i64> {
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    (0..n)
        .map(|i| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let h = i % 24;
            let shape = if (8..18).contains(&h) {
                40_000_000
            } else {
                12_000_000
            };
            shape + (x % 15_000_000) as i64
        })
        .collect()
}

fn main() {
    let (tariff, series) = match load() {
        Ok(s) => (tariff(), s),
        Err(e) => {
            eprintln!("tou_annual bench: {e}");
            std::process::exit(1);
        }
    };
    let year = match tariff.prepare(2029, None) {
        Ok(y) => y,
        Err(e) => {
            eprintln!("tou_annual bench: {e}");
            std::process::exit(1);
        }
    };
    if std::env::var_os("TOU_ANNUAL_BATCHES").is_some() {
        let mut best = f64::MAX;
        for _ in 0..20 {
            let start = std::time::Instant::now();
            for _ in 0..5_000 {
                let _ = black_box(year.bill(black_box(&series), RoundingPolicy::PER_LINE_HALF_UP));
            }
            best = best.min(start.elapsed().as_secs_f64() / 5_000.0);
        }
        println!(
            "tou_annual/bill: fastest of 20 batches of 5,000: {:.2} µs per annual bill",
            best * 1e6
        );
        return;
    }
    let mut c = Criterion::default().configure_from_args();
    let mut group = c.benchmark_group("tou_annual");
    group.bench_function("bill", |b| {
        b.iter(|| {
            let _ = black_box(year.bill(black_box(&series), RoundingPolicy::PER_LINE_HALF_UP));
        })
    });
    group.bench_function("prepare_and_bill", |b| {
        b.iter(|| {
            let _ = black_box(
                tariff
                    .prepare(2029, None)
                    .and_then(|y| y.bill(black_box(&series), RoundingPolicy::PER_LINE_HALF_UP)),
            );
        })
    });
    match (cycles(), ElectricRate::new(vec![tariff.clone()])) {
        (Ok((series, periods)), Ok(rate)) => {
            let options = ElectricOptions {
                zone: Some(chrono_tz::America::New_York),
                ..Default::default()
            };
            group.bench_function("cycles_dst_12", |b| {
                b.iter(|| {
                    let _ = black_box(rate.bill(black_box(&series), &periods, &options));
                })
            });
        }
        (Err(e), _) => eprintln!("tou_annual bench: {e}"),
        (_, Err(e)) => eprintln!("tou_annual bench: {e}"),
    }
    group.finish();
    c.final_summary();
}
