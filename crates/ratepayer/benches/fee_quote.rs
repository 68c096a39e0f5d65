//! Time to quote one convenience fee: City of Shelby's $3.75 card fee online
//! (a flat fee, with its fee-free alternatives and disclosure), and a
//! percentage fee with a minimum and maximum.
//!
//! ```text
//! cargo bench -p ratepayer --bench fee_quote -- --warm-up-time 1 --measurement-time 3
//! ```
//!
//! The target is at most 200 ns per quote.

use std::hint::black_box;

use criterion::Criterion;
use ratepayer::fees::{Channel, FeeSchedule, FeeScheduleSpec, PaymentMethod};
use ratepayer::profile::builtin;
use ratepayer::{Currency, Money, RoundingPolicy};

fn load() -> Result<(FeeSchedule, FeeSchedule), String> {
    let shelby = builtin::load("shelby").map_err(|e| e.to_string())?;
    let flat = shelby.fee_schedule().map_err(|e| e.to_string())?.clone();
    let spec = FeeScheduleSpec::from_toml(
        "[[rules]]\nchannels = [\"online\"]\nmethods = [\"debit_card\"]\nfee = { model = \"percent_bounded\", percent = 1.75, min = 0.95, max = 19.95 }\n",
    )
    .map_err(|e| e.to_string())?;
    let bounded = FeeSchedule::new(spec, Currency::USD, RoundingPolicy::default())
        .map_err(|e| e.to_string())?;
    Ok((flat, bounded))
}

fn main() {
    let (flat, bounded) = match load() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("fee_quote bench: {e}");
            std::process::exit(1);
        }
    };
    let amount = match Money::parse("84.20", Currency::USD) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("fee_quote bench: {e}");
            std::process::exit(1);
        }
    };
    let mut c = Criterion::default().configure_from_args();
    c.bench_function("fee_quote/flat_card_online", |b| {
        b.iter(|| {
            black_box(flat.quote(
                black_box(amount),
                Channel::Online,
                PaymentMethod::CreditCard,
                1,
            ))
        })
    });
    c.bench_function("fee_quote/percent_bounded", |b| {
        b.iter(|| {
            black_box(bounded.quote(
                black_box(amount),
                Channel::Online,
                PaymentMethod::DebitCard,
                1,
            ))
        })
    });
    c.final_summary();
}
