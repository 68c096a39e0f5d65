//! Consumption of one meter position: between an opening and a closing read,
//! across a meter exchange inside the period, and over a billing period
//! picked from a read history. See the [read-date convention](super).

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{Meter, MeterError, Read, ReadKind};
use crate::money::serde_decimal;
use crate::period::BillingPeriod;
use crate::units::{Quantity, Unit};

/// The consumption of one meter between two reads: one row of a reading
/// history (period, meter location, unit, reads and consumption; seed 002).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeterConsumption {
    /// Meter id.
    pub meter_id: String,
    /// Meter location ("kitchen hot water").
    pub location: String,
    /// Unit of the consumption.
    pub unit: Unit,
    /// Service days covered: the opening read's day to the day before the
    /// closing read.
    pub service: BillingPeriod,
    /// The read that opens the span.
    pub opening: Read,
    /// The read that closes the span.
    pub closing: Read,
    /// Register advance (before the multiplier).
    #[serde(with = "serde_decimal")]
    pub register_advance: Decimal,
    /// True when the register rolled over at least once in the span.
    pub rolled_over: bool,
    /// The meter's multiplier.
    #[serde(with = "serde_decimal")]
    pub multiplier: Decimal,
    /// Register advance × multiplier, in the meter's unit.
    pub consumption: Quantity,
    /// True when the opening or the closing read is estimated.
    pub estimated: bool,
}

/// A meter replaced on `date`: the old meter's final read and the new meter's
/// initial read, both taken that day (at the start of it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeterExchange {
    /// The day of the exchange.
    pub date: NaiveDate,
    /// The old meter's last register value.
    #[serde(with = "serde_decimal")]
    pub old_meter_final_read: Decimal,
    /// How that last value was obtained (actual by default; estimated when
    /// the old meter could not be read).
    #[serde(default)]
    pub old_meter_final_read_kind: ReadKind,
    /// The meter put in (its own dials, multiplier and unit).
    pub new_meter: Meter,
    /// The new meter's register value when put in.
    #[serde(with = "serde_decimal")]
    pub new_meter_initial_read: Decimal,
}

impl MeterExchange {
    /// The old meter's final read, dated the exchange day.
    pub fn old_meter_final(&self) -> Read {
        Read::new(
            self.date,
            self.old_meter_final_read,
            self.old_meter_final_read_kind,
        )
    }

    /// The new meter's initial read (actual), dated the exchange day.
    pub fn new_meter_initial(&self) -> Read {
        Read::actual(self.date, self.new_meter_initial_read)
    }
}

/// Consumption of `meter` from `opening` to `closing` (dated strictly after
/// it), with rollover ([`Meter::register_advance`]) and the multiplier.
pub fn consumption(
    meter: &Meter,
    opening: &Read,
    closing: &Read,
) -> Result<MeterConsumption, MeterError> {
    chain(meter, &[*opening, *closing])
}

/// Consumption when `old` was replaced inside the span: the old meter's
/// `final − opening` and the new meter's `closing − initial`, one row each,
/// each with its own dials, multiplier and unit (use
/// [`service_usage`](super::service_usage) or [`MeterConsumption`] values
/// to total them in one unit). The exchange must be dated strictly between
/// the opening and the closing read; if it happened on the opening read's
/// day, use the new meter's initial read as the opening read instead.
pub fn consumption_with_exchange(
    old: &Meter,
    opening: &Read,
    exchange: &MeterExchange,
    closing: &Read,
) -> Result<[MeterConsumption; 2], MeterError> {
    if !(opening.date < exchange.date && exchange.date < closing.date) {
        return Err(MeterError::ExchangeOutsideReads {
            meter: old.id.clone(),
            date: exchange.date,
            opening: opening.date,
            closing: closing.date,
        });
    }
    let before = consumption(old, opening, &exchange.old_meter_final())?;
    let after = consumption(&exchange.new_meter, &exchange.new_meter_initial(), closing)?;
    Ok([before, after])
}

/// Picks the reads that measure `period` from one meter's `history` (sorted
/// by date, one read per day): the opening read is the last one dated on or
/// before the period's first day; the closing read is the last one dated
/// after it and on or before the day after the period's last day (the read
/// at the start of that day closes the period exactly). When reads do not
/// fall on those days, the consumption covers the reads' days, which the
/// result's [`MeterConsumption::service`] shows.
pub fn reads_for_period(
    meter: &Meter,
    history: &[Read],
    period: &BillingPeriod,
) -> Result<(Read, Read), MeterError> {
    check_sorted(meter, history)?;
    let opening = history
        .iter()
        .rev()
        .find(|r| r.date <= period.from())
        .copied()
        .ok_or_else(|| MeterError::NoReadForPeriod {
            meter: meter.id.clone(),
            which: "opening",
            period_day: period.from(),
            hint: "the history has no read on or before the period's first day; add the opening read (or the meter's installation read)",
        })?;
    let end = period.to().succ_opt().unwrap_or(period.to());
    let closing = history
        .iter()
        .rev()
        .find(|r| r.date <= end && r.date > opening.date)
        .copied()
        .ok_or_else(|| MeterError::NoReadForPeriod {
            meter: meter.id.clone(),
            which: "closing",
            period_day: end,
            hint: "the history has no read after the opening read up to the day after the period's last day; add a closing read (an estimated one if the meter could not be read)",
        })?;
    Ok((opening, closing))
}

/// Consumption over `period` from one meter's sorted read `history` (see
/// [`reads_for_period`]). Every read between the opening and the closing
/// read is used, so several rollovers in the span are counted.
pub fn consumption_for_period(
    meter: &Meter,
    history: &[Read],
    period: &BillingPeriod,
) -> Result<MeterConsumption, MeterError> {
    let (opening, closing) = reads_for_period(meter, history, period)?;
    let span: Vec<Read> = history
        .iter()
        .filter(|r| opening.date <= r.date && r.date <= closing.date)
        .copied()
        .collect();
    chain(meter, &span)
}

/// Refuses a history that is not in strictly increasing date order.
pub(crate) fn check_sorted(meter: &Meter, history: &[Read]) -> Result<(), MeterError> {
    for pair in history.windows(2) {
        if let [a, b] = pair {
            if b.date <= a.date {
                return Err(MeterError::ReadsOutOfOrder {
                    meter: meter.id.clone(),
                    earlier_date: a.date,
                    later_date: b.date,
                });
            }
        }
    }
    Ok(())
}

/// Consumption from the first to the last of `reads` (sorted, at least two),
/// summing the register advance of each consecutive pair.
pub(crate) fn chain(meter: &Meter, reads: &[Read]) -> Result<MeterConsumption, MeterError> {
    let (Some(opening), Some(closing)) = (reads.first(), reads.last()) else {
        return Err(MeterError::NoReadForPeriod {
            meter: meter.id.clone(),
            which: "opening",
            period_day: NaiveDate::MIN,
            hint: "no reads were given; give an opening and a closing read",
        });
    };
    if reads.len() < 2 {
        return Err(MeterError::ReadsOutOfOrder {
            meter: meter.id.clone(),
            earlier_date: opening.date,
            later_date: closing.date,
        });
    }
    let mut register = Decimal::ZERO;
    let mut rolled_over = false;
    for pair in reads.windows(2) {
        if let [a, b] = pair {
            let step = meter.register_advance(a, b)?;
            register = register
                .checked_add(step.register)
                .ok_or_else(|| meter.overflow())?;
            rolled_over |= step.rolled_over;
        }
    }
    let value = register
        .checked_mul(meter.multiplier)
        .ok_or_else(|| meter.overflow())?;
    let last_day = closing.date.pred_opt().ok_or_else(|| meter.overflow())?;
    let service =
        BillingPeriod::new(opening.date, last_day).map_err(|source| MeterError::Period {
            meter: meter.id.clone(),
            source,
        })?;
    Ok(MeterConsumption {
        meter_id: meter.id.clone(),
        location: meter.location.clone(),
        unit: meter.unit,
        service,
        opening: *opening,
        closing: *closing,
        register_advance: register,
        rolled_over,
        multiplier: meter.multiplier,
        consumption: Quantity::new(value, meter.unit),
        estimated: opening.kind.is_estimated() || closing.kind.is_estimated(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, m, d).unwrap_or_default()
    }

    fn dec(v: i64) -> Decimal {
        Decimal::from(v)
    }

    #[test]
    fn multiplier_scales_the_register_advance() -> Result<(), MeterError> {
        // A 4-dial register read in hundreds of gallons.
        let m = Meter::new("G-100", "street", Unit::Gallon, 4).with_multiplier(dec(100));
        let c = consumption(
            &m,
            &Read::actual(day(1, 1), dec(9_990)),
            &Read::actual(day(2, 1), dec(64)),
        )?;
        assert_eq!(c.register_advance, dec(74));
        assert!(c.rolled_over);
        assert_eq!(c.consumption, Quantity::new(dec(7_400), Unit::Gallon));
        assert!(!c.estimated);
        Ok(())
    }

    #[test]
    fn service_days_run_to_the_day_before_the_closing_read() -> Result<(), MeterError> {
        let m = Meter::new("M", "x", Unit::CubicMetre, 5);
        let c = consumption(
            &m,
            &Read::actual(day(10, 1), dec(10)),
            &Read::actual(day(11, 1), dec(20)),
        )?;
        assert_eq!(c.service.from(), day(10, 1));
        assert_eq!(c.service.to(), day(10, 31));
        assert_eq!(c.service.days(), 31);
        Ok(())
    }

    #[test]
    fn an_estimated_read_marks_the_consumption_estimated() -> Result<(), MeterError> {
        let m = Meter::new("M", "x", Unit::CubicMetre, 5);
        let a = Read::actual(day(1, 1), dec(10));
        let e = Read::estimated(day(2, 1), dec(20));
        let s = Read::customer(day(3, 1), dec(30));
        assert!(consumption(&m, &a, &e)?.estimated);
        assert!(consumption(&m, &e, &s)?.estimated);
        assert!(!consumption(&m, &a, &s)?.estimated);
        Ok(())
    }

    #[test]
    fn replacement_mid_period_adds_both_meters() -> Result<(), MeterError> {
        let old = Meter::new("OLD-1", "kitchen cold water", Unit::CubicMetre, 5);
        // The new meter shows litres after the point and counts in tens of litres.
        let new = Meter::new("NEW-2", "kitchen cold water", Unit::CubicMetre, 5)
            .with_decimals(2)
            .with_multiplier(dec(10));
        let exchange = MeterExchange {
            date: day(3, 12),
            old_meter_final_read: dec(1_234),
            old_meter_final_read_kind: ReadKind::Actual,
            new_meter: new,
            new_meter_initial_read: Decimal::ZERO,
        };
        let [before, after] = consumption_with_exchange(
            &old,
            &Read::actual(day(3, 1), dec(1_230)),
            &exchange,
            &Read::actual(day(4, 1), Decimal::new(50, 2)),
        )?;
        assert_eq!(before.meter_id, "OLD-1");
        assert_eq!(before.consumption.value, dec(4));
        assert_eq!(before.service.days(), 11);
        assert_eq!(after.meter_id, "NEW-2");
        assert_eq!(after.consumption.value, dec(5));
        assert_eq!(after.service.days(), 20);
        assert_eq!(before.service.days() + after.service.days(), 31);
        let outside = consumption_with_exchange(
            &old,
            &Read::actual(day(3, 12), dec(1_230)),
            &exchange,
            &Read::actual(day(4, 1), dec(1)),
        );
        assert!(matches!(
            outside,
            Err(MeterError::ExchangeOutsideReads { .. })
        ));
        Ok(())
    }

    #[test]
    fn period_reads_are_picked_from_the_history() -> Result<(), MeterError> {
        let m = Meter::new("M", "x", Unit::Gallon, 4);
        let history = [
            Read::actual(day(8, 30), dec(9_000)),
            Read::actual(day(10, 1), dec(9_700)),
            Read::estimated(day(10, 20), dec(9_990)),
            Read::actual(day(11, 1), dec(200)),
            Read::actual(day(12, 2), dec(600)),
        ];
        let october = BillingPeriod::month_of(day(10, 5));
        let (o, c) = reads_for_period(&m, &history, &october)?;
        assert_eq!((o.date, c.date), (day(10, 1), day(11, 1)));
        let used = consumption_for_period(&m, &history, &october)?;
        assert_eq!(used.consumption.value, dec(500));
        assert!(used.rolled_over);
        assert!(!used.estimated, "only the opening and closing reads count");
        // September: opened by the August read, closed by October 1.
        let sept = consumption_for_period(&m, &history, &BillingPeriod::month_of(day(9, 5)))?;
        assert_eq!(sept.service.from(), day(8, 30));
        assert_eq!(sept.consumption.value, dec(700));
        // Two rollovers' worth over several reads still adds up.
        let autumn =
            BillingPeriod::new(day(10, 1), day(12, 1)).map_err(|source| MeterError::Period {
                meter: "M".into(),
                source,
            })?;
        assert_eq!(
            consumption_for_period(&m, &history, &autumn)?
                .consumption
                .value,
            dec(900)
        );
        Ok(())
    }

    #[test]
    fn missing_or_unsorted_history_is_an_error() {
        let m = Meter::new("M", "x", Unit::Gallon, 4);
        let october = BillingPeriod::month_of(day(10, 5));
        let late = [
            Read::actual(day(10, 2), dec(1)),
            Read::actual(day(11, 1), dec(2)),
        ];
        assert!(matches!(
            reads_for_period(&m, &late, &october),
            Err(MeterError::NoReadForPeriod {
                which: "opening",
                ..
            })
        ));
        let open_only = [
            Read::actual(day(10, 1), dec(1)),
            Read::actual(day(11, 2), dec(2)),
        ];
        assert!(matches!(
            reads_for_period(&m, &open_only, &october),
            Err(MeterError::NoReadForPeriod {
                which: "closing",
                ..
            })
        ));
        let unsorted = [
            Read::actual(day(11, 1), dec(2)),
            Read::actual(day(10, 1), dec(1)),
        ];
        assert!(matches!(
            reads_for_period(&m, &unsorted, &october),
            Err(MeterError::ReadsOutOfOrder { .. })
        ));
        assert!(chain(&m, &[]).is_err());
        assert!(chain(&m, &[Read::actual(day(10, 1), dec(1))]).is_err());
    }
}
