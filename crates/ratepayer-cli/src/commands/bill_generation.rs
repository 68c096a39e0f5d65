//! `ratepayer bill --format urdb --metering …`: the monthly bills of a
//! customer who generates, from two-channel interval data
//! (`timestamp,delivered_kwh,received_kwh`) or one-channel usage, under one
//! of SAM's metering options (`--metering`, or the rate's `dgrules`). Each
//! calendar month is one bill; credits carry from month to month; the JSON
//! says, per month, what was exported and credited and what carried in and
//! out.

use chrono::{Datelike, NaiveDateTime};
use ratepayer::calendar::Calendar;
use ratepayer::electric::urdb::Imported;
use ratepayer::electric::{GenerationMonth, MeterChannels, Metering, MeteringOptions};
use ratepayer::{BillingPeriod, RoundingPolicy};
use rust_decimal::Decimal;

use crate::cli::BillArgs;
use crate::error::CliError;
use crate::output::{bill_json, print_json, println_out};
use crate::usage_csv::Interval;

/// The metering options asked for: `--metering` or the rate's `dgrules`,
/// with `--year-end-sell-rate` and `--true-up-month`. `None` when neither
/// names an option (then the settings must not be given either).
pub fn options(
    args: &BillArgs,
    rate: Option<Metering>,
) -> Result<Option<MeteringOptions>, CliError> {
    let metering = match args.metering.as_deref() {
        Some(name) => Some(Metering::parse(name).map_err(|e| CliError::Usage(e.to_string()))?),
        None => rate,
    };
    let Some(metering) = metering else {
        for (given, name) in [
            (args.year_end_sell_rate.is_some(), "--year-end-sell-rate"),
            (args.true_up_month.is_some(), "--true-up-month"),
        ] {
            if given {
                return Err(CliError::Usage(format!(
                    "{name} settles the credits of a customer who generates; give --metering too (the rate has no dgrules)"
                )));
            }
        }
        return Ok(None);
    };
    let mut o = MeteringOptions::new(metering);
    if let Some(y) = &args.year_end_sell_rate {
        o.year_end_sell_rate = y.trim().parse::<Decimal>().map_err(|_| {
            CliError::Usage(format!(
                "--year-end-sell-rate is `{y}`; give a price per kWh such as 0.03"
            ))
        })?;
    }
    if let Some(m) = args.true_up_month {
        o.true_up_month = m;
    }
    let problems = o.problems();
    if !problems.is_empty() {
        return Err(CliError::Usage(problems.join("; ")));
    }
    Ok(Some(o))
}

/// Bills `intervals` (delivered kWh) and `received` (received kWh, or none
/// for one-channel usage) for `period`, whole calendar months of one year.
#[allow(clippy::too_many_arguments)]
pub fn run(
    args: &BillArgs,
    imported: &Imported,
    options: &MeteringOptions,
    calendar: Option<&Calendar>,
    rounding: RoundingPolicy,
    intervals: &[Interval],
    received: Option<&[Decimal]>,
    period: BillingPeriod,
    name: &str,
    json: bool,
) -> Result<(), CliError> {
    if !args.read_dates.is_empty() {
        return Err(CliError::Usage(
            "a customer who generates is billed by calendar month (credits carry month to month); leave --read-dates out".into(),
        ));
    }
    if args.time_zone.is_some() || intervals.iter().any(|i| i.offset.is_some()) {
        return Err(CliError::Usage(format!(
            "`{name}`: bills of a customer who generate read the timestamps as local clock time; write them without a UTC offset and leave --time-zone out"
        )));
    }
    let (from, to) = (period.from(), period.to());
    let month_end = to.succ_opt().is_some_and(|d| d.day() == 1);
    if from.day() != 1 || !month_end || from.year() != to.year() {
        return Err(CliError::Domain(format!(
            "the period is {from} to {to}; a customer who generates is billed by whole calendar months of one year (as SAM bills them): give --from on a 1st and --to on a month's last day, within one year"
        )));
    }
    if (from.month() != to.month()) && !args.monthly {
        return Err(CliError::Usage(format!(
            "{from} to {to} spans several months, and a customer who generates gets one bill per month; add --monthly"
        )));
    }
    let start = from.and_time(chrono::NaiveTime::MIN);
    let end = to
        .succ_opt()
        .map(|d| d.and_time(chrono::NaiveTime::MIN))
        .ok_or_else(|| CliError::Domain(format!("{to} is the last day chrono knows")))?;
    let mut rows: Vec<(NaiveDateTime, Decimal, Decimal)> = intervals
        .iter()
        .enumerate()
        .filter(|(_, i)| i.start >= start && i.start < end)
        .map(|(k, i)| {
            let r = received.and_then(|r| r.get(k)).copied().unwrap_or_default();
            (i.start, i.kwh, r)
        })
        .collect();
    rows.sort_by_key(|r| r.0);
    let (Some(first), Some(second)) = (rows.first(), rows.get(1)) else {
        return Err(CliError::Domain(format!(
            "`{name}` has fewer than two intervals from {from} to {to}; give the intervals of every month billed"
        )));
    };
    let step = second.0 - first.0;
    let minutes = u16::try_from(step.num_minutes()).unwrap_or(0);
    if first.0 != start {
        return Err(CliError::Domain(format!(
            "`{name}` starts the period at {}, not {start}; a month is billed on all its intervals: give them from the first",
            first.0
        )));
    }
    for pair in rows.windows(2) {
        if let [a, b] = pair {
            if b.0 - a.0 != step {
                return Err(CliError::Domain(format!(
                    "`{name}`: the interval at {} is not followed by the next one ({minutes} minutes later); give consecutive intervals of one length (fill gaps with estimated values)",
                    a.0
                )));
            }
        }
    }
    let last_end = rows.last().map(|r| r.0 + step);
    if last_end != Some(end) {
        return Err(CliError::Domain(format!(
            "`{name}` ends at {}, before {end}; a month is billed on all its intervals: give them to the end of {to}",
            last_end.map_or_else(String::new, |t| t.to_string())
        )));
    }
    let delivered: Vec<Decimal> = rows.iter().map(|r| r.1).collect();
    let received: Vec<Decimal> = rows.iter().map(|r| r.2).collect();
    let channels =
        MeterChannels::from_kwh(start, minutes, &delivered, &received).map_err(CliError::domain)?;
    let year = imported
        .tariff
        .prepare(from.year(), calendar)
        .map_err(CliError::domain)?;
    let st = year
        .bill_generation(&channels, options, rounding)
        .map_err(CliError::domain)?;
    if json {
        let notes: Vec<serde_json::Value> = imported
            .unused
            .iter()
            .map(|u| serde_json::json!({ "field": u.field, "reason": u.reason }))
            .collect();
        let items: Vec<serde_json::Value> = st
            .months
            .iter()
            .map(|m| month_json(m, options, &notes))
            .collect();
        if args.monthly {
            print_json(&serde_json::Value::Array(items))
        } else {
            match items.into_iter().next() {
                Some(v) => print_json(&v),
                None => Err(CliError::Domain("no bill: the period has no usage".into())),
            }
        }
    } else {
        let text: Vec<String> = st
            .months
            .iter()
            .map(|m| {
                format!(
                    "{}\nMetering {}: delivered {} kWh, received {} kWh; credit earned {}, brought in {}, carried out {}",
                    m.bill.to_string().trim_end(),
                    options.metering.name(),
                    m.delivered_kwh.normalize(),
                    m.received_kwh.normalize(),
                    m.export_credit,
                    m.credit_in,
                    m.credit_out
                )
            })
            .collect();
        println_out(&text.join("\n\n"))
    }
}

fn month_json(
    m: &GenerationMonth,
    options: &MeteringOptions,
    notes: &[serde_json::Value],
) -> serde_json::Value {
    let mut v = bill_json(&m.bill);
    let kwh = |d: Decimal| serde_json::Value::from(d.normalize().to_string());
    let money = |x: &ratepayer::Money| serde_json::Value::from(x.to_decimal_string());
    if let Some(o) = v.as_object_mut() {
        o.insert("metering".into(), options.metering.name().into());
        o.insert("delivered_kwh".into(), kwh(m.delivered_kwh));
        o.insert("received_kwh".into(), kwh(m.received_kwh));
        o.insert("imported_kwh".into(), kwh(m.imported_kwh));
        o.insert("exported_kwh".into(), kwh(m.exported_kwh));
        o.insert("peak_kw".into(), kwh(m.peak_kw));
        o.insert("billing_demand_kw".into(), kwh(m.billing_demand_kw));
        o.insert("demand_explained".into(), m.demand_basis.to_string().into());
        o.insert("energy_gross".into(), money(&m.energy_gross));
        o.insert("export_credit".into(), money(&m.export_credit));
        o.insert("credit_in".into(), money(&m.credit_in));
        o.insert("credit_applied".into(), money(&m.credit_applied));
        o.insert("credit_out".into(), money(&m.credit_out));
        o.insert("kwh_credit_in".into(), kwh(m.kwh_credit_in));
        o.insert("kwh_credit_out".into(), kwh(m.kwh_credit_out));
        o.insert("kwh_forfeited".into(), kwh(m.kwh_forfeited));
        o.insert("excess_kwh".into(), kwh(m.excess_kwh));
        o.insert("energy".into(), money(&m.energy));
        o.insert("minimum".into(), money(&m.minimum));
        o.insert("true_up".into(), money(&m.true_up));
        o.insert("notes".into(), notes.to_vec().into());
    }
    v
}
