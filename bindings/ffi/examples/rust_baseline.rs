//! The Rust-side cost of the calls `scripts/bench-kotlin` times from Kotlin,
//! through the same wrapper functions but without crossing the FFI: the
//! difference between the two figures is the Kotlin->Rust call overhead.
//! Run: `cargo run --release -p ratepayer-ffi --example rust_baseline [iterations]`.

use std::hint::black_box;
use std::time::Instant;

use ratepayer_ffi::fees::{Channel, PaymentMethod};
use ratepayer_ffi::profile::Profile;
use ratepayer_ffi::RatepayerError;

fn time(
    label: &str,
    n: u32,
    mut body: impl FnMut() -> Result<(), RatepayerError>,
) -> Result<(), RatepayerError> {
    for _ in 0..n / 10 {
        body()?;
    }
    let start = Instant::now();
    for _ in 0..n {
        body()?;
    }
    let ns = start.elapsed().as_nanos() as f64 / f64::from(n);
    println!("{label:<48} {ns:>8.0} ns/call  ({n} calls, Rust only)");
    Ok(())
}

fn main() -> Result<(), RatepayerError> {
    let n = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(200_000u32);
    let shelby = Profile::builtin("shelby".into())?;
    time("quote_fee(\"57.22\", Online, CreditCard, 1)", n, || {
        black_box(shelby.quote_fee(
            black_box("57.22".into()),
            Channel::Online,
            PaymentMethod::CreditCard,
            1,
        )?);
        Ok(())
    })?;
    let day = ratepayer_ffi::calendar::parse_date("2026-11-25")?;
    time("is_fed_business_day(date)", n, || {
        black_box(ratepayer_ffi::calendar::is_fed_business_day(black_box(
            day,
        ))?);
        Ok(())
    })
}
