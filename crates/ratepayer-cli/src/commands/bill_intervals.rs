//! Interval usage in `ratepayer bill`: the `timestamp,kwh` rows of a usage
//! CSV become an [`IntervalSeries`] (consecutive, one fixed length that
//! divides an hour), which is billed by an electric tariff (`--format urdb`:
//! time of use, demand, monthly bills) or, summed per period, by a native
//! tariff. `--monthly` gives one bill per calendar month.

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use ratepayer::electric::{ElectricTariff, IntervalSeries};
use ratepayer::{Bill, BillInput, BillingPeriod, Quantity, RoundingPolicy, Tariff, Unit};
use rust_decimal::Decimal;

use crate::error::CliError;
use crate::usage_csv::Interval;

/// The intervals between `from` and `to` (days included) as one series.
/// Timestamps are read as written (local standard time, SAM's convention);
/// an offset written with them must be the same on every row.
pub fn series(
    intervals: &[Interval],
    from: NaiveDate,
    to: NaiveDate,
    name: &str,
) -> Result<IntervalSeries, CliError> {
    let mut rows: Vec<&Interval> = intervals
        .iter()
        .filter(|i| (from..=to).contains(&i.start.date()))
        .collect();
    rows.sort_by_key(|i| i.start);
    let (Some(first), Some(second)) = (rows.first(), rows.get(1)) else {
        return Err(CliError::Domain(format!(
            "`{name}` has fewer than two intervals between {from} and {to}; give the intervals of the period billed"
        )));
    };
    if let Some(bad) = rows.iter().find(|i| i.offset != first.offset) {
        return Err(CliError::Domain(format!(
            "`{name}`: the interval at {} has another UTC offset than the first one; write every timestamp in the utility's standard time, without daylight-saving shifts",
            bad.start
        )));
    }
    let step = second.start - first.start;
    let minutes = u16::try_from(step.num_minutes()).unwrap_or(0);
    for pair in rows.windows(2) {
        if let [a, b] = pair {
            if b.start - a.start != step {
                return Err(CliError::Domain(format!(
                    "`{name}`: the interval after {} starts at {}, not {} minutes later; give consecutive intervals of one length (fill gaps with 0)",
                    a.start, b.start, minutes
                )));
            }
        }
    }
    let kwh: Vec<Decimal> = rows.iter().map(|i| i.kwh).collect();
    IntervalSeries::from_kwh(first.start, minutes, &kwh).map_err(CliError::domain)
}

/// The bills of `series` under an electric tariff, one per calendar month
/// with data; `calendar` gives the holidays billed on the weekend schedule.
pub fn electric_bills(
    tariff: &ElectricTariff,
    series: &IntervalSeries,
    calendar: Option<&ratepayer::calendar::Calendar>,
    rounding: RoundingPolicy,
) -> Result<Vec<Bill>, CliError> {
    let start: NaiveDateTime = series.start();
    let prepared = tariff
        .prepare(start.year(), calendar)
        .map_err(CliError::domain)?;
    let statement = prepared.bill(series, rounding).map_err(CliError::domain)?;
    Ok(statement.months.into_iter().map(|m| m.bill).collect())
}

/// Bills the kWh of `series` under a native tariff: the whole period, or
/// each calendar month of it.
pub fn native_bills(
    tariff: &Tariff,
    series: &IntervalSeries,
    period: BillingPeriod,
    monthly: bool,
    meter_size: Option<&str>,
    class: Option<&str>,
) -> Result<Vec<Bill>, CliError> {
    let parts = if monthly {
        months_of(period)?
    } else {
        vec![period]
    };
    let step = chrono::Duration::minutes(i64::from(series.step_minutes()));
    let mut bills = Vec::with_capacity(parts.len());
    for part in parts {
        let mut micro: i64 = 0;
        let mut at = series.start();
        for v in series.micro_kwh() {
            if (part.from()..=part.to()).contains(&at.date()) {
                micro = micro.saturating_add(*v);
            }
            at += step;
        }
        let kwh = Decimal::new(micro, 6);
        let mut input = BillInput::metered(part, Quantity::new(kwh, Unit::Kwh));
        input.meter_size = meter_size;
        input.customer_class = class;
        bills.push(tariff.bill(&input).map_err(CliError::domain)?);
    }
    Ok(bills)
}

/// The calendar months of `period`, each cut to the period.
fn months_of(period: BillingPeriod) -> Result<Vec<BillingPeriod>, CliError> {
    let mut out = Vec::new();
    let mut from = period.from();
    while from <= period.to() {
        let month = BillingPeriod::month_of(from);
        let to = month.to().min(period.to());
        out.push(BillingPeriod::new(from, to).map_err(CliError::domain)?);
        match to.succ_opt() {
            Some(next) => from = next,
            None => break,
        }
    }
    Ok(out)
}
