//! One register's advance between two reads: the range and precision checks
//! on a read, and the rule that tells a rollover from a read that went
//! backwards.
//!
//! # Rollover rule
//!
//! A register of `N` dials counts up to just below `S = 10^N` and then shows
//! zero again. When a later read `l` is below an earlier read `e`, two stories
//! fit: the register went backwards by `e − l` (a misread, a swapped meter),
//! or it went forwards past `S` by `(S − e) + l`. The shorter way round wins,
//! as on a clock face: it is a rollover only when the forward distance is
//! shorter than the backward one, that is when the drop `e − l` is more than
//! half the register span (which also means `e` was in the upper half of the
//! register and the consumption is less than half the span). A drop of half
//! the span or less is a backward read and is refused.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{Meter, MeterError, Read};
use crate::money::serde_decimal;

/// How far a register moved between two reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisterAdvance {
    /// The advance in register units (before the multiplier); never negative.
    #[serde(with = "serde_decimal")]
    pub register: Decimal,
    /// True when the register passed 10^dials and started again from zero.
    pub rolled_over: bool,
}

impl Meter {
    /// `10^dials`: the register shows values from zero to just below this.
    /// Checks the meter first ([`Meter::validate`]).
    pub fn register_span(&self) -> Result<Decimal, MeterError> {
        self.validate()?;
        10u64
            .checked_pow(self.dials)
            .map(Decimal::from)
            .ok_or_else(|| self.overflow())
    }

    /// Checks that `read` is a value this register can show: not negative,
    /// below `10^dials`, and with no more digits after the point than
    /// `decimals`.
    pub fn check_read(&self, read: &Read) -> Result<(), MeterError> {
        let span = self.register_span()?;
        if read.value < Decimal::ZERO {
            return Err(MeterError::NegativeRead {
                meter: self.id.clone(),
                date: read.date,
                value: read.value,
            });
        }
        if read.value >= span {
            let step = Decimal::new(1, self.decimals);
            return Err(MeterError::ReadAboveRegister {
                meter: self.id.clone(),
                date: read.date,
                value: read.value,
                dials: self.dials,
                max: span.checked_sub(step).unwrap_or(span),
            });
        }
        if read.value.normalize().scale() > self.decimals {
            return Err(MeterError::TooManyDecimals {
                meter: self.id.clone(),
                date: read.date,
                value: read.value,
                decimals: self.decimals,
            });
        }
        Ok(())
    }

    /// The register's advance from `earlier` to `later` (dated strictly
    /// after it), with the rollover rule of the [module documentation](self).
    pub fn register_advance(
        &self,
        earlier: &Read,
        later: &Read,
    ) -> Result<RegisterAdvance, MeterError> {
        let span = self.register_span()?;
        self.check_read(earlier)?;
        self.check_read(later)?;
        if later.date <= earlier.date {
            return Err(MeterError::ReadsOutOfOrder {
                meter: self.id.clone(),
                earlier_date: earlier.date,
                later_date: later.date,
            });
        }
        let (e, l) = (earlier.value, later.value);
        if l >= e {
            let register = l.checked_sub(e).ok_or_else(|| self.overflow())?;
            return Ok(RegisterAdvance {
                register,
                rolled_over: false,
            });
        }
        let drop = e.checked_sub(l).ok_or_else(|| self.overflow())?;
        let wrapped = span
            .checked_sub(e)
            .and_then(|to_top| to_top.checked_add(l))
            .ok_or_else(|| self.overflow())?;
        if wrapped < drop {
            Ok(RegisterAdvance {
                register: wrapped,
                rolled_over: true,
            })
        } else {
            Err(MeterError::BackwardRead {
                meter: self.id.clone(),
                earlier_date: earlier.date,
                earlier: e,
                later_date: later.date,
                later: l,
            })
        }
    }

    pub(crate) fn overflow(&self) -> MeterError {
        MeterError::Overflow {
            meter: self.id.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Unit;
    use chrono::NaiveDate;
    use proptest::prelude::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 1, d).unwrap_or_default()
    }

    fn adv(meter: &Meter, e: i64, l: i64) -> Result<RegisterAdvance, MeterError> {
        meter.register_advance(
            &Read::actual(day(1), Decimal::from(e)),
            &Read::actual(day(31), Decimal::from(l)),
        )
    }

    fn fwd(register: i64) -> Result<RegisterAdvance, MeterError> {
        Ok(RegisterAdvance {
            register: Decimal::from(register),
            rolled_over: false,
        })
    }

    fn rolled(register: i64) -> Result<RegisterAdvance, MeterError> {
        Ok(RegisterAdvance {
            register: Decimal::from(register),
            rolled_over: true,
        })
    }

    #[test]
    fn rollover_at_four_dials() {
        let m = Meter::new("W4", "yard", Unit::Gallon, 4);
        assert_eq!(adv(&m, 9_950, 30), rolled(80));
        assert_eq!(adv(&m, 9_999, 0), rolled(1));
        assert_eq!(adv(&m, 100, 350), fwd(250));
        assert_eq!(adv(&m, 350, 350), fwd(0));
        // 5001 down to 0: forward 4999 is shorter than backward 5001.
        assert_eq!(adv(&m, 5_001, 0), rolled(4_999));
        // Exactly half way round is ambiguous: refused.
        assert!(matches!(
            adv(&m, 5_000, 0),
            Err(MeterError::BackwardRead { .. })
        ));
    }

    #[test]
    fn rollover_at_five_dials() {
        let m = Meter::new("W5", "kitchen", Unit::CubicMetre, 5);
        assert_eq!(adv(&m, 99_990, 15), rolled(25));
        let m = m.with_decimals(3);
        let e = Read::actual(day(1), Decimal::new(99_999_990, 3));
        let l = Read::actual(day(2), Decimal::new(10, 3));
        assert_eq!(
            m.register_advance(&e, &l),
            Ok(RegisterAdvance {
                register: Decimal::new(20, 3),
                rolled_over: true
            })
        );
    }

    #[test]
    fn backward_read_names_meter_dates_and_values() {
        let m = Meter::new("HW-12", "kitchen hot water", Unit::CubicMetre, 5);
        let err = adv(&m, 1_250, 1_200);
        assert_eq!(
            err,
            Err(MeterError::BackwardRead {
                meter: "HW-12".into(),
                earlier_date: day(1),
                earlier: Decimal::from(1_250),
                later_date: day(31),
                later: Decimal::from(1_200),
            })
        );
        let text = err.map(|_| String::new()).unwrap_or_else(|e| e.to_string());
        for part in [
            "HW-12",
            "2025-01-01",
            "2025-01-31",
            "1250",
            "1200",
            "exchange",
        ] {
            assert!(text.contains(part), "{part} missing from: {text}");
        }
    }

    #[test]
    fn reads_out_of_range_or_order_are_refused() {
        let m = Meter::new("M", "x", Unit::Gallon, 4);
        assert!(matches!(
            adv(&m, -1, 5),
            Err(MeterError::NegativeRead { .. })
        ));
        assert!(matches!(
            adv(&m, 1, 10_000),
            Err(MeterError::ReadAboveRegister { max, .. }) if max == Decimal::from(9_999)
        ));
        let frac = Read::actual(day(31), Decimal::new(15, 1));
        assert!(matches!(
            m.register_advance(&Read::actual(day(1), Decimal::ONE), &frac),
            Err(MeterError::TooManyDecimals { decimals: 0, .. })
        ));
        // Trailing zeros are not extra digits.
        let whole = Read::actual(day(31), Decimal::new(2_000, 3));
        assert_eq!(
            m.register_advance(&Read::actual(day(1), Decimal::ONE), &whole),
            fwd(1)
        );
        let r = Read::actual(day(5), Decimal::ONE);
        assert!(matches!(
            m.register_advance(&r, &r),
            Err(MeterError::ReadsOutOfOrder { .. })
        ));
        let earlier = Read::actual(day(2), Decimal::ONE);
        assert!(matches!(
            m.register_advance(&r, &earlier),
            Err(MeterError::ReadsOutOfOrder { .. })
        ));
    }

    proptest! {
        /// Reading a register after every increment, or only at both ends,
        /// gives the same consumption, however many times it rolls over in
        /// between.
        #[test]
        fn consumption_across_rollovers_is_the_sum_of_increments(
            dials in 1u32..=6,
            start_frac in 0.0f64..1.0,
            steps in proptest::collection::vec(0.0f64..0.49, 1..20),
        ) {
            let m = Meter::new("P", "x", Unit::Gallon, dials);
            let span = 10i64.pow(dials);
            let start = ((span as f64) * start_frac) as i64 % span;
            let mut value = start;
            let mut total = Decimal::ZERO;
            for (i, s) in steps.iter().enumerate() {
                let inc = ((span as f64) * s) as i64;
                let next = (value + inc) % span;
                let d = u32::try_from(i).unwrap_or(0);
                let a = m.register_advance(
                    &Read::actual(day(d + 1), Decimal::from(value)),
                    &Read::actual(day(d + 2), Decimal::from(next)),
                );
                prop_assert_eq!(a.map(|a| a.register), Ok(Decimal::from(inc)));
                total += Decimal::from(inc);
                value = next;
            }
            if total * Decimal::TWO < Decimal::from(span) {
                let whole = m.register_advance(
                    &Read::actual(day(1), Decimal::from(start)),
                    &Read::actual(day(31), Decimal::from(value)),
                );
                prop_assert_eq!(whole.map(|a| a.register), Ok(total));
            }
        }

        /// Any two reads give a non-negative advance below half the span, or
        /// a typed error; never a panic.
        #[test]
        fn advance_is_never_negative(
            (dials, e, l) in (1u32..=12).prop_flat_map(|dials| {
                let span = 10i64.pow(dials);
                let values = -span / 10 - 1..span + span / 10 + 1;
                (Just(dials), values.clone(), values)
            }),
        ) {
            let m = Meter::new("P", "x", Unit::Gallon, dials);
            let a = m.register_advance(
                &Read::actual(day(1), Decimal::from(e)),
                &Read::actual(day(2), Decimal::from(l)),
            );
            let span = 10i64.pow(dials);
            let in_range = (0..span).contains(&e) && (0..span).contains(&l);
            prop_assert_eq!(a.is_ok(), in_range && (l >= e || 2 * (e - l) > span));
            if let Ok(a) = a {
                prop_assert!(a.register >= Decimal::ZERO);
                if a.rolled_over {
                    prop_assert!(a.register * Decimal::TWO < Decimal::from(10i64.pow(dials)));
                }
            }
        }
    }
}
