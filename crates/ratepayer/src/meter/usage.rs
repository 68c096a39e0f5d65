//! Several meters of one account and service (individual hot- and
//! cold-water meters, seed 002): per-meter consumption rows and their total
//! in the unit the service is billed in.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::consumption::{consumption, consumption_with_exchange, MeterConsumption};
use super::{Meter, MeterError, MeterExchange, Read};
use crate::units::{convert, Quantity, Unit};

/// One meter position's reads for a period: the meter, its opening and
/// closing reads, and an exchange if the meter was replaced in between (the
/// closing read is then the new meter's).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeterReads {
    /// The meter at the opening read.
    pub meter: Meter,
    /// The read that opens the period.
    pub opening: Read,
    /// The read that closes the period.
    pub closing: Read,
    /// A replacement inside the period, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exchange: Option<MeterExchange>,
}

impl MeterReads {
    /// The position's consumption rows: one, or two across an exchange.
    pub fn consumption(&self) -> Result<Vec<MeterConsumption>, MeterError> {
        match &self.exchange {
            None => Ok(vec![consumption(
                &self.meter,
                &self.opening,
                &self.closing,
            )?]),
            Some(x) => Ok(
                consumption_with_exchange(&self.meter, &self.opening, x, &self.closing)?
                    .into_iter()
                    .collect(),
            ),
        }
    }
}

/// A service's usage over a period across all its meters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceUsage {
    /// One row per meter (two for a position whose meter was exchanged), in
    /// the order given, each in its meter's own unit.
    pub rows: Vec<MeterConsumption>,
    /// The sum of every row in the billing unit, exact (not rounded).
    pub total: Quantity,
    /// True when any row relies on an estimated read.
    pub estimated: bool,
}

/// Per-meter consumption for every position in `meters` and their total in
/// `unit` (converted with [`convert`]; `therms_per_ccf` is needed only
/// between volume and energy). Rows in the same unit are added before
/// converting, so the total is as exact as the units allow. A meter id may
/// appear only once. No meters at all is a total of zero.
pub fn service_usage(
    meters: &[MeterReads],
    unit: Unit,
    therms_per_ccf: Option<Decimal>,
) -> Result<ServiceUsage, MeterError> {
    let mut rows: Vec<MeterConsumption> = Vec::new();
    for position in meters {
        for row in position.consumption()? {
            if rows.iter().any(|r| r.meter_id == row.meter_id) {
                return Err(MeterError::DuplicateMeter {
                    meter: row.meter_id,
                });
            }
            rows.push(row);
        }
    }
    let mut total = Decimal::ZERO;
    for from in Unit::ALL {
        let mut in_unit = rows.iter().filter(|r| r.unit == from).peekable();
        let Some(first_id) = in_unit.peek().map(|r| r.meter_id.clone()) else {
            continue;
        };
        let overflow = || MeterError::Overflow {
            meter: first_id.clone(),
        };
        let sum = in_unit.try_fold(Decimal::ZERO, |acc, r| {
            acc.checked_add(r.consumption.value).ok_or_else(overflow)
        })?;
        let converted =
            convert(sum, from, unit, therms_per_ccf).map_err(|source| MeterError::Unit {
                meter: first_id.clone(),
                source,
            })?;
        total = total.checked_add(converted).ok_or_else(overflow)?;
    }
    Ok(ServiceUsage {
        estimated: rows.iter().any(|r| r.estimated),
        rows,
        total: Quantity::new(total, unit),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, m, d).unwrap_or_default()
    }

    /// A 5-dial m³ register with litres (3 decimals), as on Russian flat meters.
    fn flat_meter(id: &str, location: &str) -> Meter {
        Meter::new(id, location, Unit::CubicMetre, 5).with_decimals(3)
    }

    fn position(meter: Meter, open: Decimal, close: Read) -> MeterReads {
        MeterReads {
            meter,
            opening: Read::actual(day(9, 1), open),
            closing: close,
            exchange: None,
        }
    }

    #[test]
    fn hot_and_cold_meters_sum_and_convert_to_gallons() -> Result<(), MeterError> {
        let meters = [
            position(
                flat_meter("HW-1", "kitchen hot water"),
                Decimal::new(123_456, 3),
                Read::customer(day(10, 1), Decimal::new(126_456, 3)),
            ),
            position(
                flat_meter("CW-1", "kitchen cold water"),
                Decimal::new(99_998_500, 3),
                Read::customer(day(10, 1), Decimal::new(3_500, 3)),
            ),
        ];
        let usage = service_usage(&meters, Unit::Gallon, None)?;
        assert_eq!(usage.rows.len(), 2);
        let hot = usage
            .rows
            .first()
            .map(|r| (r.location.as_str(), r.consumption));
        assert_eq!(
            hot,
            Some((
                "kitchen hot water",
                Quantity::new(Decimal::new(3_000, 3), Unit::CubicMetre)
            ))
        );
        let cold = usage
            .rows
            .get(1)
            .map(|r| (r.rolled_over, r.consumption.value));
        assert_eq!(cold, Some((true, Decimal::new(5_000, 3))));
        // 8 m³ = 8 / 0.003785411784 gal.
        let want =
            convert(Decimal::from(8), Unit::CubicMetre, Unit::Gallon, None).map_err(|source| {
                MeterError::Unit {
                    meter: String::new(),
                    source,
                }
            })?;
        assert_eq!(usage.total, Quantity::new(want, Unit::Gallon));
        assert_eq!(usage.total.value.round_dp(4), Decimal::new(21_133_764, 4));
        assert!(!usage.estimated);
        Ok(())
    }

    #[test]
    fn mixed_units_estimates_and_exchanges_in_one_total() -> Result<(), MeterError> {
        let hot = position(
            Meter::new("H", "hot", Unit::Kgal, 6),
            Decimal::from(10),
            Read::estimated(day(10, 1), Decimal::from(12)),
        );
        let mut cold = position(
            Meter::new("C-old", "cold", Unit::Gallon, 6),
            Decimal::from(100),
            Read::actual(day(10, 1), Decimal::from(300)),
        );
        cold.exchange = Some(MeterExchange {
            date: day(9, 16),
            old_meter_final_read: Decimal::from(600),
            old_meter_final_read_kind: Default::default(),
            new_meter: Meter::new("C-new", "cold", Unit::Gallon, 6),
            new_meter_initial_read: Decimal::ZERO,
        });
        let usage = service_usage(&[hot, cold], Unit::Gallon, None)?;
        assert_eq!(usage.rows.len(), 3);
        assert_eq!(
            usage.total,
            Quantity::new(Decimal::from(2_800), Unit::Gallon)
        );
        assert!(usage.estimated);
        let none = service_usage(&[], Unit::CubicMetre, None)?;
        assert_eq!(none.total.value, Decimal::ZERO);
        Ok(())
    }

    #[test]
    fn a_meter_listed_twice_or_an_impossible_unit_is_refused() {
        let a = position(
            flat_meter("X", "hot"),
            Decimal::ONE,
            Read::actual(day(10, 1), Decimal::TWO),
        );
        assert!(matches!(
            service_usage(&[a.clone(), a.clone()], Unit::CubicMetre, None),
            Err(MeterError::DuplicateMeter { .. })
        ));
        assert!(matches!(
            service_usage(&[a], Unit::Kwh, None),
            Err(MeterError::Unit { .. })
        ));
    }
}
