//! Time to compute one monthly water bill: City of Shelby's
//! `shelby-water-residential` (meter-size service charge, four inclining
//! blocks per kgal, drought surcharge) for October 2025 on a 5/8" meter.
//!
//! * `water_bill/single` bills 7.4 kgal again and again.
//! * `water_bill/varied_1024` bills 1,024 precomputed usages per iteration
//!   (0 to 30 kgal, so every tier count and no repeated input) and reports
//!   throughput in bills per second.
//!
//! ```text
//! cargo bench -p ratepayer --bench water_bill -- --warm-up-time 1 --measurement-time 3
//! ```
//!
//! The target is at most 500 ns per bill.

use std::hint::black_box;

use chrono::NaiveDate;
use criterion::{Criterion, Throughput};
use ratepayer::profile::builtin;
use ratepayer::{BillInput, BillingPeriod, Quantity, Tariff, Unit};
use rust_decimal::Decimal;

/// Usages billed per iteration of `varied_1024`.
const USAGES: usize = 1024;

/// The tariff and the October 2025 billing period.
struct Fixture {
    tariff: Tariff,
    october: BillingPeriod,
}

impl Fixture {
    fn load() -> Result<Fixture, String> {
        let shelby = builtin::load("shelby").map_err(|e| e.to_string())?;
        let tariff = shelby
            .tariff("shelby-water-residential")
            .map_err(|e| e.to_string())?
            .clone();
        let day = |d| NaiveDate::from_ymd_opt(2025, 10, d).ok_or("bad date");
        let october = BillingPeriod::new(day(1)?, day(31)?).map_err(|e| e.to_string())?;
        let fixture = Fixture { tariff, october };
        // The bench measures a real bill: check it before timing it.
        let bill = fixture
            .tariff
            .bill(&fixture.input(Decimal::new(74, 1)))
            .map_err(|e| e.to_string())?;
        let total = bill.total.to_decimal_string();
        if total != "57.22" {
            return Err(format!("unexpected bill, total {total}:\n{bill}"));
        }
        Ok(fixture)
    }

    /// Metered `kgal` in October on a 5/8" meter.
    fn input(&self, kgal: Decimal) -> BillInput<'static> {
        BillInput::metered(self.october, Quantity::new(kgal, Unit::Kgal)).meter_size("5/8")
    }
}

/// One bill of 7.4 kgal.
fn single(c: &mut Criterion, f: &Fixture) {
    let input = f.input(Decimal::new(74, 1));
    let mut group = c.benchmark_group("water_bill");
    group.throughput(Throughput::Elements(1));
    group.bench_function("single", |b| {
        b.iter(|| black_box(f.tariff.bill(black_box(&input))))
    });
    group.finish();
}

/// 1,024 bills of different usages (0.000 to 29.999 kgal, pseudo-random).
fn varied(c: &mut Criterion, f: &Fixture) {
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let inputs: Vec<BillInput<'static>> = (0..USAGES)
        .map(|_| {
            // xorshift64: deterministic, spread over every block.
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let thousandths = i64::try_from(state % 30_000).unwrap_or(0);
            f.input(Decimal::new(thousandths, 3))
        })
        .collect();
    let mut group = c.benchmark_group("water_bill");
    group.throughput(Throughput::Elements(USAGES as u64));
    group.bench_function("varied_1024", |b| {
        b.iter(|| {
            for input in &inputs {
                let _ = black_box(f.tariff.bill(black_box(input)));
            }
        })
    });
    group.finish();
}

fn main() {
    let fixture = match Fixture::load() {
        Ok(f) => f,
        Err(e) => {
            eprintln!("water_bill bench: {e}");
            std::process::exit(1);
        }
    };
    let mut c = Criterion::default().configure_from_args();
    single(&mut c, &fixture);
    varied(&mut c, &fixture);
    c.final_summary();
}
