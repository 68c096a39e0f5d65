//! Time to bill one year of a customer who generates: 8,760 two-channel
//! hours (a commercial-looking load and a rooftop-solar shape) under a
//! 4-period time-of-use tariff with 3 energy tiers and sell rates per period
//! and tier, a 2-tier TOU demand charge and a fixed charge, into 12 monthly
//! bills, once per metering option (`PreparedYear::bill_generation`, the hour
//! map prepared once).
//!
//! ```text
//! cargo bench -p ratepayer --bench generation_annual -- --warm-up-time 1 --measurement-time 3
//! ```
//!
//! The target is at most 25 µs per annual bill on one core. With
//! `GENERATION_BATCHES=1` the binary instead times 20 batches of 2,000 bills
//! per option and prints the fastest batch's time per bill (a figure that
//! noise on a shared machine can only raise):
//!
//! ```text
//! GENERATION_BATCHES=1 cargo bench -p ratepayer --bench generation_annual
//! ```
//!
//! `GENERATION_PROFILE=net_billing` (any option's name) bills 200 years
//! (or `GENERATION_PROFILE_BILLS`) under that one option and exits, for a
//! profiler.

use std::hint::black_box;

use chrono::NaiveDate;
use criterion::Criterion;
use ratepayer::electric::{ElectricTariff, MeterChannels, Metering, MeteringOptions};
use ratepayer::RoundingPolicy;
use rust_decimal::Decimal;

#[path = "common/tou4.rs"]
mod tou4;

/// The TOU benchmark tariff with sell rates for every period and tier.
fn tariff() -> ElectricTariff {
    let mut t = tou4::tou4("bench-gen");
    t.sell_rates = (0..4)
        .map(|p| {
            (0..3)
                .map(|k| Decimal::new(300 + 50 * p + 10 * k, 4))
                .collect()
        })
        .collect();
    t
}

/// A year of load and solar, hourly, in kWh.
fn channels() -> Result<MeterChannels, String> {
    let start = NaiveDate::from_ymd_opt(2029, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .ok_or("bad date")?;
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    let mut load = Vec::with_capacity(8760);
    let mut solar = Vec::with_capacity(8760);
    for i in 0..8760usize {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let h = i % 24;
        let shape = if (8..18).contains(&h) {
            40_000_000
        } else {
            12_000_000
        };
        load.push(Decimal::new(shape + (x % 15_000_000) as i64, 6));
        let sun = match h {
            7..=17 => 60_000_000 - (h as i64 - 12).abs() * 9_000_000,
            _ => 0,
        };
        solar.push(Decimal::new(
            sun + (x % 5_000_000) as i64 * i64::from(sun > 0),
            6,
        ));
    }
    MeterChannels::from_kwh(start, 60, &load, &solar).map_err(|e| e.to_string())
}

fn main() {
    let (year, channels) = match (tariff().prepare(2029, None), channels()) {
        (Ok(y), Ok(c)) => (y, c),
        (Err(e), _) => {
            eprintln!("generation_annual bench: {e}");
            std::process::exit(1);
        }
        (_, Err(e)) => {
            eprintln!("generation_annual bench: {e}");
            std::process::exit(1);
        }
    };
    let policy = RoundingPolicy::PER_LINE_HALF_UP;
    // GENERATION_PROFILE=<option> bills 200 years (GENERATION_PROFILE_BILLS)
    // under that option only, for a profiler (`valgrind --tool=cachegrind`,
    // `perf record`).
    if let Some(name) = std::env::var_os("GENERATION_PROFILE") {
        let name = name.to_string_lossy().into_owned();
        let Some(metering) = Metering::ALL.into_iter().find(|m| m.name() == name) else {
            eprintln!("generation_annual bench: no metering option `{name}`");
            std::process::exit(1);
        };
        let options = MeteringOptions::new(metering);
        let bills: usize = std::env::var("GENERATION_PROFILE_BILLS")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(200);
        for _ in 0..bills {
            let _ = black_box(year.bill_generation(black_box(&channels), &options, policy));
        }
        return;
    }
    if std::env::var_os("GENERATION_BATCHES").is_some() {
        for metering in Metering::ALL {
            let options = MeteringOptions::new(metering);
            let mut best = f64::MAX;
            for _ in 0..20 {
                let start = std::time::Instant::now();
                for _ in 0..2_000 {
                    let _ = black_box(year.bill_generation(black_box(&channels), &options, policy));
                }
                best = best.min(start.elapsed().as_secs_f64() / 2_000.0);
            }
            println!(
                "generation_annual/{}: fastest of 20 batches of 2,000: {:.2} µs per annual bill",
                metering.name(),
                best * 1e6
            );
        }
        return;
    }
    let mut c = Criterion::default().configure_from_args();
    let mut group = c.benchmark_group("generation_annual");
    for metering in Metering::ALL {
        let options = MeteringOptions::new(metering);
        group.bench_function(metering.name(), |b| {
            b.iter(|| {
                let _ = black_box(year.bill_generation(black_box(&channels), &options, policy));
            })
        });
    }
    group.finish();
}
