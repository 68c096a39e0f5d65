//! Usage threshold alerts (seed 003): a customer sets a threshold in units or
//! in money per billing period; from the daily usage so far, say whether and
//! on which day it was crossed, and project the whole period's usage and cost.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;
use thiserror::Error;

use crate::bill::{BillError, BillInput};
use crate::units::convert;
use crate::{BillingPeriod, Money, Quantity, Tariff, Unit};

/// What the customer wants to be told about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Threshold {
    /// Usage above this quantity in the period.
    Usage(Quantity),
    /// A bill above this amount for the period.
    Cost(Money),
}

/// Usage on one day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DailyUsage {
    /// The day.
    pub date: NaiveDate,
    /// Usage that day, in the series' unit.
    pub usage: Decimal,
}

/// Where the customer stands against the threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertStatus {
    /// Already above the threshold: alert now.
    Crossed,
    /// Not yet above, but the projection for the period is.
    ProjectedToCross,
    /// Below, and projected to stay below.
    Below,
}

/// The answer for one customer and period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UsageAlert {
    /// Crossed, projected to cross, or below.
    pub status: AlertStatus,
    /// The first day on which the threshold was exceeded.
    pub crossed_on: Option<NaiveDate>,
    /// Usage from the period's start to `as_of`, in the tariff unit.
    pub usage_to_date: Quantity,
    /// The bill for the days so far with the usage so far.
    pub cost_to_date: Money,
    /// Usage projected over the whole period at the average daily rate so far.
    pub projected_usage: Quantity,
    /// The bill for the whole period with the projected usage.
    pub projected_cost: Money,
}

/// Why an alert could not be evaluated.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AlertError {
    /// `as_of` is outside the period.
    #[error(
        "`as_of` {as_of} is outside the billing period {period}; evaluate alerts during the period"
    )]
    OutsidePeriod {
        /// The day asked about.
        as_of: NaiveDate,
        /// The period.
        period: BillingPeriod,
    },
    /// A day of usage is outside the days so far, repeated or negative.
    #[error("`usage[{index}]` ({date}): {reason}")]
    BadUsage {
        /// Position in the series.
        index: usize,
        /// Its date.
        date: NaiveDate,
        /// What is wrong.
        reason: &'static str,
    },
    /// A money threshold in another currency than the tariff's.
    #[error("the threshold is in {threshold}, the tariff bills in {tariff}")]
    Currency {
        /// Threshold currency.
        threshold: crate::Currency,
        /// Tariff currency.
        tariff: crate::Currency,
    },
    /// The bill could not be computed.
    #[error(transparent)]
    Bill(#[from] BillError),
}

/// Evaluates `threshold` for the customer billed by `tariff` with `account`
/// (its period is the billing period; its usage is ignored) from daily
/// `usage` in `unit`, as of the day `as_of` (passed in, never read from a clock).
pub fn evaluate(
    tariff: &Tariff,
    account: &BillInput<'_>,
    threshold: Threshold,
    usage: &[DailyUsage],
    unit: Unit,
    as_of: NaiveDate,
) -> Result<UsageAlert, AlertError> {
    let period = account.period;
    if !period.contains(as_of) {
        return Err(AlertError::OutsidePeriod { as_of, period });
    }
    if let Threshold::Cost(m) = threshold {
        if m.currency() != tariff.currency() {
            return Err(AlertError::Currency {
                threshold: m.currency(),
                tariff: tariff.currency(),
            });
        }
    }
    let mut days: Vec<(NaiveDate, Decimal)> = Vec::with_capacity(usage.len());
    for (index, d) in usage.iter().enumerate() {
        let bad = |reason| AlertError::BadUsage {
            index,
            date: d.date,
            reason,
        };
        if d.date < period.from() || d.date > as_of {
            return Err(bad("is not between the period's start and `as_of`"));
        }
        if d.usage.is_sign_negative() && !d.usage.is_zero() {
            return Err(bad("usage is negative"));
        }
        if days.iter().any(|(k, _)| *k == d.date) {
            return Err(bad("the day appears twice"));
        }
        days.push((d.date, d.usage));
    }
    days.sort_by_key(|(k, _)| *k);
    let overflow = || {
        AlertError::Bill(BillError::Money(crate::MoneyError::Overflow {
            operation: "a usage sum",
        }))
    };
    let bill_to = |to: NaiveDate, used: Decimal| -> Result<Money, AlertError> {
        let p = BillingPeriod::new(period.from(), to).map_err(BillError::from)?;
        let input = BillInput {
            period: p,
            usage: Some(Quantity::new(used, unit)),
            ..*account
        };
        Ok(tariff.bill(&input)?.total)
    };
    let exceeds = |to: NaiveDate, used: Decimal| -> Result<bool, AlertError> {
        Ok(match threshold {
            Threshold::Usage(q) => {
                convert(used, unit, q.unit, account.therms_per_ccf).map_err(BillError::from)?
                    > q.value
            }
            Threshold::Cost(m) => bill_to(to, used)?.amount() > m.amount(),
        })
    };
    let mut used = Decimal::ZERO;
    let mut crossed_on = None;
    for (date, u) in &days {
        used = used.checked_add(*u).ok_or_else(overflow)?;
        if crossed_on.is_none() && exceeds(*date, used)? {
            crossed_on = Some(*date);
        }
    }
    let elapsed = BillingPeriod::new(period.from(), as_of)
        .map_err(BillError::from)?
        .days();
    let projected = used
        .checked_mul(Decimal::from(period.days()))
        .and_then(|v| v.checked_div(Decimal::from(elapsed)))
        .ok_or_else(overflow)?;
    let to_tariff = |v: Decimal| -> Result<Quantity, AlertError> {
        let q = Quantity::new(v, unit).to(tariff.unit(), account.therms_per_ccf);
        Ok(q.map_err(BillError::from)?)
    };
    let status = if crossed_on.is_some() {
        AlertStatus::Crossed
    } else if exceeds(period.to(), projected)? {
        AlertStatus::ProjectedToCross
    } else {
        AlertStatus::Below
    };
    Ok(UsageAlert {
        status,
        crossed_on,
        usage_to_date: to_tariff(used)?,
        cost_to_date: bill_to(as_of, used)?,
        projected_usage: to_tariff(projected)?,
        projected_cost: bill_to(period.to(), projected)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::builtin;
    use chrono::Days;

    fn setup() -> Option<(Tariff, BillingPeriod)> {
        let t = builtin::load("crow-wing")
            .ok()?
            .tariff("crow-wing-residential")
            .ok()?
            .clone();
        let from = NaiveDate::from_ymd_opt(2025, 4, 1)?;
        let p = BillingPeriod::new(from, NaiveDate::from_ymd_opt(2025, 4, 30)?).ok()?;
        Some((t, p))
    }

    fn series(from: NaiveDate, daily: &[i64]) -> Vec<DailyUsage> {
        daily
            .iter()
            .enumerate()
            .map(|(i, &u)| DailyUsage {
                date: from + Days::new(i as u64),
                usage: Decimal::from(u),
            })
            .collect()
    }

    #[test]
    fn usage_threshold_crossed_on_the_right_day() -> Result<(), AlertError> {
        let Some((t, p)) = setup() else { return Ok(()) };
        let input = BillInput::metered(p, Quantity::new(Decimal::ZERO, Unit::Kwh));
        let used = series(p.from(), &[30, 30, 30, 30, 30]);
        let as_of = p.from() + Days::new(4);
        let limit = Threshold::Usage(Quantity::new(Decimal::from(100), Unit::Kwh));
        let a = evaluate(&t, &input, limit, &used, Unit::Kwh, as_of)?;
        assert_eq!(a.status, AlertStatus::Crossed);
        assert_eq!(
            a.crossed_on,
            Some(p.from() + Days::new(3)),
            "120 kWh on day 4 is the first above 100"
        );
        assert_eq!(a.usage_to_date.value, Decimal::from(150));
        assert_eq!(a.projected_usage.value, Decimal::from(900));
        Ok(())
    }

    #[test]
    fn cost_threshold_projected_but_not_yet_crossed() -> Result<(), AlertError> {
        let Some((t, p)) = setup() else { return Ok(()) };
        let input = BillInput::metered(p, Quantity::new(Decimal::ZERO, Unit::Kwh));
        let used = series(p.from(), &[20; 10]);
        let as_of = p.from() + Days::new(9);
        let limit = Threshold::Cost(Money::new(Decimal::from(100), crate::Currency::USD));
        let a = evaluate(&t, &input, limit, &used, Unit::Kwh, as_of)?;
        // 600 kWh projected: about 40 + 64.80 + 2.70 plus fee and tax, above 100.
        assert_eq!(a.status, AlertStatus::ProjectedToCross);
        assert_eq!(a.crossed_on, None);
        assert!(a.projected_cost.amount() > Decimal::from(100));
        assert!(a.cost_to_date.amount() < Decimal::from(100));
        let below = evaluate(
            &t,
            &input,
            Threshold::Cost(Money::new(Decimal::from(500), crate::Currency::USD)),
            &used,
            Unit::Kwh,
            as_of,
        )?;
        assert_eq!(below.status, AlertStatus::Below);
        Ok(())
    }

    #[test]
    fn bad_series_is_refused() {
        let Some((t, p)) = setup() else { return };
        let input = BillInput::metered(p, Quantity::new(Decimal::ZERO, Unit::Kwh));
        let limit = Threshold::Usage(Quantity::new(Decimal::from(100), Unit::Kwh));
        let mut used = series(p.from(), &[1, 2]);
        used.push(used[0]);
        assert!(matches!(
            evaluate(&t, &input, limit, &used, Unit::Kwh, p.to()),
            Err(AlertError::BadUsage { index: 2, .. })
        ));
        let later = series(p.to(), &[1]);
        assert!(evaluate(&t, &input, limit, &later, Unit::Kwh, p.from()).is_err());
        assert!(matches!(
            evaluate(&t, &input, limit, &[], Unit::Kwh, p.to() + Days::new(1)),
            Err(AlertError::OutsidePeriod { .. })
        ));
    }
}
