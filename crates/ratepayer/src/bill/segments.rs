//! Splitting a billing period where the rates change: at each tariff
//! version's start and at season boundaries. Each part gets the share of a
//! month it counts for under the tariff's proration rule.

use rust_decimal::Decimal;

use super::BillError;
use crate::period::days_in_month;
use crate::tariff::spec::Proration;
use crate::tariff::Tariff;
use crate::tariff::Version;
use crate::BillingPeriod;
use chrono::Datelike;

/// A part of a billing period priced by one version and one season.
pub(crate) struct Segment<'t> {
    pub period: BillingPeriod,
    pub version: &'t Version,
    pub season: usize,
    /// Months this part counts for (monthly charges and block sizes scale by it).
    pub months: Decimal,
}

fn season_of(v: &Version, day: chrono::NaiveDate) -> usize {
    let m = usize::try_from(day.month0()).unwrap_or(0);
    v.season_of_month.get(m).copied().map_or(0, usize::from)
}

/// Splits `period` into the parts priced by one version and season.
pub(crate) fn segments<'t>(
    tariff: &'t Tariff,
    period: BillingPeriod,
) -> Result<Vec<Segment<'t>>, BillError> {
    let mut out = Vec::with_capacity(2);
    let mut start = period.from();
    loop {
        let no_rates = || BillError::NoRates {
            tariff: tariff.id().to_string(),
            date: start,
        };
        let v = tariff
            .version_index_on(start)
            .and_then(|i| tariff.versions.get(i))
            .ok_or_else(no_rates)?;
        let end = v.to.map_or(period.to(), |to| to.min(period.to()));
        let piece = BillingPeriod::new(start, end)?;
        if v.season_of_month.iter().all(|&s| s == 0) {
            out.push(Segment {
                period: piece,
                version: v,
                season: 0,
                months: Decimal::ZERO,
            });
        } else {
            for month in piece.calendar_months() {
                let season = season_of(v, month.from());
                match out.last_mut() {
                    Some(last) if std::ptr::eq(last.version, v) && last.season == season => {
                        last.period = BillingPeriod::new(last.period.from(), month.to())?;
                    }
                    _ => out.push(Segment {
                        period: month,
                        version: v,
                        season,
                        months: Decimal::ZERO,
                    }),
                }
            }
        }
        match end.succ_opt() {
            Some(next) if end < period.to() => start = next,
            _ => break,
        }
    }
    let proration = tariff.spec.proration;
    for seg in &mut out {
        seg.months = months(proration, period, seg.period)?;
    }
    Ok(out)
}

fn div(a: Decimal, b: Decimal) -> Result<Decimal, BillError> {
    a.checked_div(b)
        .ok_or(BillError::Money(crate::MoneyError::Overflow {
            operation: "a proration",
        }))
}

/// Months that `part` of `whole` counts for under `proration`.
pub(crate) fn months(
    proration: Proration,
    whole: BillingPeriod,
    part: BillingPeriod,
) -> Result<Decimal, BillError> {
    let days = Decimal::from(part.days());
    match proration {
        Proration::CalendarMonth => {
            if part.from().day() == 1 && part.days() == days_in_month(part.from()) {
                return Ok(Decimal::ONE);
            }
            let mut total = Decimal::ZERO;
            for m in part.calendar_months() {
                let dim = days_in_month(m.from());
                total += if m.days() == dim {
                    Decimal::ONE
                } else {
                    div(Decimal::from(m.days()), Decimal::from(dim))?
                };
            }
            Ok(total)
        }
        Proration::Daily { days_per_month } => div(days, days_per_month),
        Proration::BillingCycle {
            min_days,
            max_days,
            days_per_month,
        } => {
            if (min_days..=max_days).contains(&whole.days()) {
                if whole == part {
                    Ok(Decimal::ONE)
                } else {
                    div(days, Decimal::from(whole.days()))
                }
            } else {
                div(days, days_per_month)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn p(a: (i32, u32, u32), b: (i32, u32, u32)) -> BillingPeriod {
        let d = |(y, m, d): (i32, u32, u32)| NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
        BillingPeriod::new(d(a), d(b)).unwrap_or(BillingPeriod::month_of(d(a)))
    }

    #[test]
    fn calendar_month_proration() {
        let jan = p((2024, 1, 1), (2024, 1, 31));
        assert_eq!(
            months(Proration::CalendarMonth, jan, jan).ok(),
            Some(Decimal::ONE)
        );
        let leap = p((2024, 2, 15), (2024, 3, 14));
        let m = months(Proration::CalendarMonth, leap, leap).unwrap_or_default();
        let expected =
            Decimal::from(15) / Decimal::from(29) + Decimal::from(14) / Decimal::from(31);
        assert_eq!(m, expected);
    }

    #[test]
    fn billing_cycle_proration() {
        let pr = Proration::BillingCycle {
            min_days: 27,
            max_days: 33,
            days_per_month: Decimal::from(30),
        };
        let normal = p((2024, 1, 5), (2024, 2, 6));
        assert_eq!(months(pr, normal, normal).ok(), Some(Decimal::ONE));
        let short = p((2024, 1, 5), (2024, 1, 19));
        assert_eq!(months(pr, short, short).ok(), Some(Decimal::new(5, 1)));
    }
}
