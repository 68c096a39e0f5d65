//! Interval usage in `ratepayer bill`: the `timestamp,kwh` rows of a usage
//! CSV become an [`IntervalSeries`] (consecutive, one fixed length that
//! divides an hour) — of local times as written, or of UTC instants when
//! the timestamps carry `Z` or an offset, or when a time zone reads local
//! wall-clock times across daylight-saving changes — billed by an electric
//! tariff (`--format urdb`: time of use and demand on exact billing periods)
//! or, summed per period in local time, by a native tariff.

use chrono::{Duration, NaiveDate, NaiveDateTime, TimeZone};
use chrono_tz::Tz;
use ratepayer::electric::{ElectricMonth, ElectricOptions, ElectricRate, IntervalSeries};
use ratepayer::{Bill, BillInput, BillingPeriod, Quantity, RoundingPolicy, Tariff, Unit};
use rust_decimal::Decimal;

use crate::error::CliError;
use crate::usage_csv::Interval;

/// The utility's time zone: `--time-zone`, else the profile's.
pub fn zone(
    arg: Option<&str>,
    profile: Option<&ratepayer::profile::UtilityProfile>,
) -> Result<Option<Tz>, CliError> {
    match arg {
        Some(z) => z.parse::<Tz>().map(Some).map_err(|_| {
            CliError::Usage(format!(
                "--time-zone `{z}` is not a time zone; give an IANA name such as America/New_York or America/Los_Angeles"
            ))
        }),
        None => Ok(profile.map(|p| p.time_zone())),
    }
}

/// Every interval of the file as one series. Timestamps with an offset (or
/// `Z`) become UTC instants; all must then have one. Local timestamps are
/// read as written (every day 24 hours, on the tariff's clock) when they
/// are consecutive so; otherwise, with a zone, as its wall-clock times (the
/// hour skipped when the clock goes forward, an hour repeated when it goes
/// back, taken in file order), which become UTC instants.
pub fn series(
    intervals: &[Interval],
    name: &str,
    zone: Option<Tz>,
) -> Result<IntervalSeries, CliError> {
    let naive = intervals.iter().all(|i| i.offset.is_none());
    match (naive, zone) {
        (true, Some(z)) => series_in(intervals, name, None).or_else(|first| {
            // Not consecutive as written: a wall-clock export across a clock change?
            series_in(intervals, name, Some(z)).map_err(|_| first)
        }),
        (true, None) => series_in(intervals, name, None),
        (false, _) => series_in(intervals, name, zone),
    }
}

fn series_in(
    intervals: &[Interval],
    name: &str,
    zone: Option<Tz>,
) -> Result<IntervalSeries, CliError> {
    let with_offset = intervals.iter().filter(|i| i.offset.is_some()).count();
    if with_offset != 0 && with_offset != intervals.len() {
        return Err(CliError::Domain(format!(
            "`{name}`: {with_offset} of {} timestamps have a UTC offset and the others do not; write every timestamp one way (all local, or all with an offset)",
            intervals.len()
        )));
    }
    let utc = with_offset != 0 || zone.is_some();
    let mut rows: Vec<(NaiveDateTime, Decimal)> = Vec::with_capacity(intervals.len());
    let mut seen_ambiguous: Vec<NaiveDateTime> = Vec::new();
    for i in intervals {
        let t = match (i.offset, zone) {
            (Some(off), _) => i.start - Duration::seconds(i64::from(off.local_minus_utc())),
            (None, Some(z)) => match z.from_local_datetime(&i.start) {
                chrono::LocalResult::Single(t) => t.naive_utc(),
                chrono::LocalResult::Ambiguous(a, b) => {
                    // The first row of a repeated hour is the earlier instant.
                    if seen_ambiguous.contains(&i.start) {
                        b.naive_utc()
                    } else {
                        seen_ambiguous.push(i.start);
                        a.naive_utc()
                    }
                }
                chrono::LocalResult::None => {
                    return Err(CliError::Domain(format!(
                        "`{name}`: {} does not exist in {z} (the clock goes forward then); remove that row, or write the timestamps with their UTC offset",
                        i.start
                    )))
                }
            },
            (None, None) => i.start,
        };
        rows.push((t, i.kwh));
    }
    rows.sort_by_key(|r| r.0);
    let (Some(first), Some(second)) = (rows.first(), rows.get(1)) else {
        return Err(CliError::Domain(format!(
            "`{name}` has fewer than two intervals; give the intervals of the period billed"
        )));
    };
    let step = second.0 - first.0;
    let minutes = u16::try_from(step.num_minutes()).unwrap_or(0);
    for pair in rows.windows(2) {
        if let [a, b] = pair {
            if b.0 - a.0 != step {
                let what = if b.0 == a.0 {
                    "is given twice"
                } else {
                    "is not followed by the next interval"
                };
                return Err(CliError::Domain(format!(
                    "`{name}`: the interval at {}{} {what} ({} minutes later expected); give consecutive intervals of one length (fill gaps with estimated values)",
                    a.0,
                    if utc { " UTC" } else { "" },
                    minutes
                )));
            }
        }
    }
    let kwh: Vec<Decimal> = rows.iter().map(|r| r.1).collect();
    if utc {
        IntervalSeries::from_utc_kwh(first.0.and_utc(), minutes, &kwh).map_err(CliError::domain)
    } else {
        IntervalSeries::from_kwh(first.0, minutes, &kwh).map_err(CliError::domain)
    }
}

/// The billing periods asked for: the whole period, each calendar month of
/// it (`monthly`), or the read cycles ending on `read_dates`.
pub fn periods(
    period: BillingPeriod,
    monthly: bool,
    read_dates: &[NaiveDate],
) -> Result<Vec<BillingPeriod>, CliError> {
    if monthly && !read_dates.is_empty() {
        return Err(CliError::Usage(
            "give either --monthly (calendar months) or --read-dates (read cycles), not both"
                .into(),
        ));
    }
    if monthly {
        return months_of(period);
    }
    if read_dates.is_empty() {
        return Ok(vec![period]);
    }
    let mut out = Vec::new();
    let mut from = period.from();
    let mut dates = read_dates.to_vec();
    dates.sort();
    dates.dedup();
    for d in dates {
        if d < period.from() || d >= period.to() {
            return Err(CliError::Usage(format!(
                "--read-dates: {d} is outside {} to {}; give read days inside the period (the last cycle ends on --to)",
                period.from(),
                period.to()
            )));
        }
        out.push(BillingPeriod::new(from, d).map_err(CliError::domain)?);
        from = d
            .succ_opt()
            .ok_or_else(|| CliError::Domain(format!("{d} is the last day the calendar holds")))?;
    }
    out.push(BillingPeriod::new(from, period.to()).map_err(CliError::domain)?);
    Ok(out)
}

/// The bills of `series` under an electric rate over `periods`.
pub fn electric_bills(
    rate: &ElectricRate,
    series: &IntervalSeries,
    periods: &[BillingPeriod],
    options: &ElectricOptions<'_>,
) -> Result<Vec<ElectricMonth>, CliError> {
    rate.bill(series, periods, options)
        .map_err(CliError::domain)
}

/// Bills the kWh of `series` under a native tariff over each of `parts`
/// (the period, its calendar months or its read cycles), each interval
/// counted on its local day.
pub fn native_bills(
    tariff: &Tariff,
    series: &IntervalSeries,
    zone: Option<Tz>,
    period: BillingPeriod,
    parts: &[BillingPeriod],
    meter_size: Option<&str>,
    class: Option<&str>,
) -> Result<Vec<Bill>, CliError> {
    let step = Duration::minutes(i64::from(series.step_minutes()));
    let local = |t: NaiveDateTime| -> Result<NaiveDate, CliError> {
        if !series.is_utc() {
            return Ok(t.date());
        }
        match zone {
            Some(z) => Ok(z.from_utc_datetime(&t).date_naive()),
            None => Err(CliError::Domain(
                "the usage timestamps carry a UTC offset and no time zone is known; give --time-zone (or a --profile with a time_zone)".into(),
            )),
        }
    };
    let last = series.start() + step * i32::try_from(series.len()).unwrap_or(i32::MAX);
    let (first_day, last_day) = (local(series.start())?, local(last - Duration::seconds(1))?);
    if period.from() < first_day || period.to() > last_day {
        return Err(CliError::Domain(format!(
            "the usage runs from {first_day} to {last_day} and does not cover {} to {}; give the intervals of every day billed",
            period.from(),
            period.to()
        )));
    }
    let mut bills = Vec::with_capacity(parts.len());
    for &part in parts {
        let mut micro: i64 = 0;
        let mut at = series.start();
        for v in series.micro_kwh() {
            if (part.from()..=part.to()).contains(&local(at)?) {
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

/// Rounding applied when no profile gives one.
pub const DEFAULT_ROUNDING: RoundingPolicy = RoundingPolicy::PER_LINE_HALF_UP;
