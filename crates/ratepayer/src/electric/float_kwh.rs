//! Meter readings given as binary floats (numpy arrays, Kotlin `DoubleArray`):
//! each read by its shortest decimal form, the way a person reads the
//! number printed, then rounded half-even to the micro-kWh as
//! [`super::IntervalSeries::from_kwh`] rounds a decimal. Readings are
//! energy, not money: floats are accepted here and nowhere near an amount.
//!
//! Most values convert with one multiplication: the product is rounded to
//! the nearest integer when it is clearly away from a half (the product's
//! error is a few units in its last place, far smaller than the margin
//! kept). A value near a half, or too large for that, goes through its
//! shortest decimal form, exactly.

use std::str::FromStr;

use rust_decimal::Decimal;

use super::interval::MICRO_KWH_PER_KWH;

/// `kwh` in micro-kWh: its shortest decimal form rounded half-even to six
/// places. `None` for NaN, an infinity or a value beyond `i64` micro-kWh.
#[inline]
pub fn micro_kwh_of_f64(kwh: f64) -> Option<i64> {
    if !kwh.is_finite() {
        return None;
    }
    let x = kwh * 1e6;
    // Below 2^52 an f64 keeps fractions; the product's error (and the
    // shortest form's distance from the binary value, scaled) stays under
    // 4 ulps of `x`, 1e-15 of it.
    //
    // The integer part comes from a truncating conversion (one instruction;
    // `floor` and `round` are library calls on baseline x86-64), and the
    // fraction from a subtraction, exact below 2^52.
    if x.abs() < 4.0e15 {
        #[allow(clippy::cast_possible_truncation)]
        let whole = x as i64;
        #[allow(clippy::cast_precision_loss)]
        let frac = (x - whole as f64).abs();
        let margin = (x.abs() * 1e-15).max(1e-9);
        if (frac - 0.5).abs() > margin {
            return Some(match (frac > 0.5, x < 0.0) {
                (false, _) => whole,
                (true, false) => whole + 1,
                (true, true) => whole - 1,
            });
        }
    }
    exact(kwh)
}

/// A reading given as a double, as the decimal its shortest form prints
/// (Rust's `Display`, the form that reads back to the same double): `0.1`
/// is 0.1 kWh, not the binary value's 0.1000000000000000055…. `None` for
/// NaN, an infinity or a value a `Decimal` cannot hold. The bindings read
/// each float they are given this way.
pub fn kwh_decimal(kwh: f64) -> Option<Decimal> {
    if !kwh.is_finite() {
        return None;
    }
    Decimal::from_str(&format!("{kwh}"))
        .or_else(|_| Decimal::from_scientific(&format!("{kwh:e}")))
        .ok()
}

/// 1.5 × 2^52: adding it to a double below 2^51 in magnitude rounds the
/// double to an integer (the hardware's round-to-nearest), and the sum's
/// low bits are that integer.
const MAGIC: f64 = 6_755_399_441_055_744.0;

/// Appends every value of `kwh` to `out` in micro-kWh, exactly as
/// [`micro_kwh_of_f64`] reads each; `Err(i)` names the first value that is
/// NaN, an infinity or beyond `i64` micro-kWh (the values before it are
/// appended).
///
/// Values go 64 at a time through a branch-free loop (multiply, round with
/// the `MAGIC` constant, take the integer from the bits) that the compiler
/// can vectorise; a block with any value near a half, out of the fast
/// range or not finite is done again value by value.
pub fn extend_micro_kwh(kwh: &[f64], out: &mut Vec<i64>) -> Result<(), usize> {
    out.reserve(kwh.len());
    let magic_bits = MAGIC.to_bits() as i64;
    let mut block = [0i64; 64];
    for (c, chunk) in kwh.chunks(64).enumerate() {
        let base = out.len();
        let mut bad = false;
        // Into a block on the stack (no clearing of the vector, and a
        // fixed-size loop the compiler vectorises), then appended.
        for (d, &k) in block.iter_mut().zip(chunk) {
            let x = k * 1e6;
            let shifted = x + MAGIC;
            let nearest = shifted - MAGIC;
            let distance = (x - nearest).abs();
            let margin = (x.abs() * 1e-15).max(1e-9);
            // NaN fails both comparisons, so it is caught here too.
            let fast = (x.abs() < 2.0e15) & (0.5 - distance > margin);
            bad |= !fast;
            *d = (shifted.to_bits() as i64).wrapping_sub(magic_bits);
        }
        out.extend_from_slice(block.get(..chunk.len()).unwrap_or_default());
        if bad {
            out.truncate(base);
            for (i, &k) in chunk.iter().enumerate() {
                match micro_kwh_of_f64(k) {
                    Some(v) => out.push(v),
                    None => return Err(c * 64 + i),
                }
            }
        }
    }
    Ok(())
}

/// The exact path: the shortest decimal form, rounded half-even.
fn exact(kwh: f64) -> Option<i64> {
    let scaled = kwh_decimal(kwh)?
        .round_dp(6)
        .checked_mul(Decimal::from(MICRO_KWH_PER_KWH))?;
    i64::try_from(scaled).ok()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn readings_round_as_their_printed_form() {
        assert_eq!(micro_kwh_of_f64(0.1), Some(100_000));
        assert_eq!(micro_kwh_of_f64(1.25), Some(1_250_000));
        assert_eq!(micro_kwh_of_f64(0.0), Some(0));
        assert_eq!(micro_kwh_of_f64(-0.0), Some(0));
        assert_eq!(micro_kwh_of_f64(-2.5), Some(-2_500_000));
        // Ties in the printed form go to the even micro-kWh, as a decimal
        // does, whatever the binary value's side of the half.
        assert_eq!(micro_kwh_of_f64(0.0000005), Some(0));
        assert_eq!(micro_kwh_of_f64(0.0000015), Some(2));
        assert_eq!(micro_kwh_of_f64(0.0000025), Some(2));
        assert_eq!(micro_kwh_of_f64(1.0000005), Some(1_000_000));
        assert_eq!(micro_kwh_of_f64(10_000_000.0), Some(10_000_000_000_000));
        assert_eq!(micro_kwh_of_f64(f64::NAN), None);
        assert_eq!(micro_kwh_of_f64(f64::INFINITY), None);
        assert_eq!(micro_kwh_of_f64(f64::NEG_INFINITY), None);
        assert_eq!(micro_kwh_of_f64(1e300), None);
        assert_eq!(micro_kwh_of_f64(1e-300), Some(0));
    }

    #[test]
    fn a_slice_converts_up_to_its_first_bad_value() {
        let mut out = vec![7];
        assert_eq!(extend_micro_kwh(&[0.5, 1.0000015], &mut out), Ok(()));
        assert_eq!(out, vec![7, 500_000, 1_000_002]);
        assert_eq!(extend_micro_kwh(&[2.0, f64::NAN, 3.0], &mut out), Err(1));
        assert_eq!(out, vec![7, 500_000, 1_000_002, 2_000_000]);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(20_000))]

        /// The one-multiplication path agrees with the exact one everywhere.
        #[test]
        fn the_fast_path_is_exact(kwh in -2.0e7f64..2.0e7) {
            prop_assert_eq!(micro_kwh_of_f64(kwh), exact(kwh));
        }

        /// Values with few decimals (meter data), ties included.
        #[test]
        fn short_decimals_are_exact(units in -20_000_000_000_000i64..20_000_000_000_000, places in 0u32..9) {
            #[allow(clippy::cast_precision_loss)]
            let kwh = units as f64 / 10f64.powi(places as i32);
            prop_assert_eq!(micro_kwh_of_f64(kwh), exact(kwh));
        }
    }

    proptest! {
        // Each case is up to 300 values: fewer cases than above.
        #![proptest_config(ProptestConfig::with_cases(1_000))]

        /// The block loop gives what the one-value path gives, specials,
        /// ties and values out of range included, and stops at the first
        /// value it cannot read.
        #[test]
        fn a_slice_reads_as_each_value(values in proptest::collection::vec(
            prop_oneof![
                -2.0e7f64..2.0e7,
                (0i64..100_000_000).prop_map(|u| u as f64 / 1e3),
                (0i64..2_000_000).prop_map(|u| u as f64 / 1e6 + 5e-7),
                Just(f64::NAN), Just(f64::INFINITY), Just(1e300), Just(-0.0), Just(2.5e9),
            ], 0..300)) {
            let mut out = Vec::new();
            let got = extend_micro_kwh(&values, &mut out);
            let want: Vec<Option<i64>> = values.iter().map(|v| micro_kwh_of_f64(*v)).collect();
            match want.iter().position(Option::is_none) {
                None => {
                    prop_assert_eq!(got, Ok(()));
                    prop_assert_eq!(out, want.into_iter().flatten().collect::<Vec<_>>());
                }
                Some(i) => {
                    prop_assert_eq!(got, Err(i));
                    prop_assert_eq!(out, want.into_iter().take(i).flatten().collect::<Vec<_>>());
                }
            }
        }
    }
}
