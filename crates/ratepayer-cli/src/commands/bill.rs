//! `ratepayer bill`: bills from a tariff and a usage CSV. Register reads are
//! billed over the period by a native tariff; interval usage by a native
//! tariff (its kWh per period) or by a URDB rate (`--format urdb`: time of
//! use, demand, one bill per calendar month; see [`super::bill_intervals`]).
//! `--monthly` prints one bill per calendar month, as a JSON list. Register
//! reads are read with the register's `--dials` and `--multiplier`, across a
//! meter exchange, and prorated by days when they are off the period's
//! bounds; the output's `notes` (and `reads` in JSON) say so.

use std::io::Read as _;
use std::path::Path;

use ratepayer::meter::{
    consumption_prorated, Meter, MeterError, MeterExchange, PeriodConsumption, MAX_DECIMALS,
    MAX_DIALS,
};
use ratepayer::{BillInput, BillingPeriod, Quantity, Tariff};
use rust_decimal::Decimal;

use super::{bill_generation, bill_intervals};
use crate::cli::{BillArgs, TariffFormat};
use crate::error::CliError;
use crate::input;
use crate::output::{bill_json, period_json, print_json, println_out};
use crate::usage_csv::{parse_usage, RegisterReads, UsageFile, MAX_USAGE_BYTES};

/// Runs the command.
pub fn run(args: &BillArgs, json: bool) -> Result<(), CliError> {
    let period = BillingPeriod::new(args.from, args.to).map_err(CliError::domain)?;
    if let (TariffFormat::Urdb, Some(option)) = (args.format, register_options(args)) {
        return Err(CliError::Usage(format!(
            "{option} describes a register of reads; a URDB rate bills interval usage (timestamp,kwh), so leave {option} out"
        )));
    }
    if args.format == TariffFormat::Urdb {
        return urdb(args, period, json);
    }
    if let Some(option) = [
        (args.metering.is_some(), "--metering"),
        (args.year_end_sell_rate.is_some(), "--year-end-sell-rate"),
        (args.true_up_month.is_some(), "--true-up-month"),
    ]
    .into_iter()
    .find_map(|(given, name)| given.then_some(name))
    {
        return Err(CliError::Usage(format!(
            "{option} bills a customer who generates, which a URDB rate does (--format urdb); a native tariff bills consumption only"
        )));
    }
    let profile = args.profile.as_deref().map(input::profile).transpose()?;
    let owned_tariff;
    let tariff: &Tariff = match &profile {
        Some(p) => p.tariff(&args.tariff).map_err(CliError::domain)?,
        None => {
            owned_tariff = input::tariff_file(Path::new(&args.tariff))?;
            &owned_tariff
        }
    };
    let name = args.usage.display().to_string();
    let register_option = register_options(args);
    match parse_usage(&read_usage(&args.usage)?, &name)? {
        UsageFile::Intervals(_) if register_option.is_some() => Err(CliError::Usage(format!(
            "{} describes a register of reads, and `{name}` holds interval usage (timestamp,kwh); leave it out",
            register_option.unwrap_or_default()
        ))),
        UsageFile::Intervals(intervals) => {
            let zone = bill_intervals::zone(args.time_zone.as_deref(), profile.as_ref())?;
            let series = bill_intervals::series(&intervals, &name, zone)?;
            let periods = bill_intervals::periods(period, args.monthly, &args.read_dates)?;
            let bills = bill_intervals::native_bills(
                tariff,
                &series,
                zone,
                period,
                &periods,
                args.meter_size.as_deref(),
                args.class.as_deref(),
            )?;
            print_bills(&bills, periods.len() > 1 || args.monthly, json)
        }
        UsageFile::Channels { .. } => Err(CliError::Usage(format!(
            "`{name}` holds delivered and received energy (a customer who generates); bill it with a URDB rate (--format urdb) and --metering"
        ))),
        UsageFile::Reads(_) if args.monthly || !args.read_dates.is_empty() => Err(CliError::Usage(
            "`--monthly` and `--read-dates` bill interval usage (timestamp,kwh) period by period; with register reads, bill each period with --from/--to".into(),
        )),
        UsageFile::Reads(_) if args.time_zone.is_some() => Err(CliError::Usage(
            "`--time-zone` reads the timestamps of interval usage; register reads are dated days, so leave it out".into(),
        )),
        UsageFile::Reads(reads) => bill_reads(args, tariff, &reads, period, &name, json),
    }
}

/// Options that describe a register, refused with interval usage or a URDB
/// rate (never ignored).
fn register_options(args: &BillArgs) -> Option<&'static str> {
    [
        (args.dials.is_some(), "--dials"),
        (args.multiplier.is_some(), "--multiplier"),
        (args.new_dials.is_some(), "--new-dials"),
        (args.new_multiplier.is_some(), "--new-multiplier"),
    ]
    .into_iter()
    .find_map(|(given, name)| given.then_some(name))
}

/// Register reads billed by a native tariff: the period's consumption from
/// the reads (prorated by days when reads are off the period's bounds, see
/// [`consumption_prorated`]), with the register's dials and multiplier and a
/// meter exchange. What was prorated or exchanged is said in the output.
fn bill_reads(
    args: &BillArgs,
    tariff: &Tariff,
    reads: &RegisterReads,
    period: BillingPeriod,
    name: &str,
    json: bool,
) -> Result<(), CliError> {
    let new_meter_option = if args.new_dials.is_some() {
        Some("--new-dials")
    } else {
        args.new_multiplier.map(|_| "--new-multiplier")
    };
    if let (None, Some(option)) = (reads.exchange, new_meter_option) {
        return Err(CliError::Usage(format!(
            "{option} describes the meter put in at a meter exchange, and `{name}` has none; add its `exchange_out` and `exchange_in` rows, or leave {option} out"
        )));
    }
    let unit = args.unit.unwrap_or_else(|| tariff.unit());
    let meter_id = args
        .usage
        .file_name()
        .map_or_else(|| name.to_owned(), |f| f.to_string_lossy().into_owned());
    let dials = args.dials.unwrap_or(MAX_DIALS);
    let multiplier = args.multiplier.unwrap_or(Decimal::ONE);
    let meter = Meter::new(meter_id.clone(), "usage CSV", unit, dials)
        .with_decimals(MAX_DECIMALS)
        .with_multiplier(multiplier);
    let exchange = reads.exchange.map(|x| MeterExchange {
        date: x.date,
        old_meter_final_read: x.old_final,
        old_meter_final_read_kind: x.old_final_kind,
        new_meter: Meter::new(
            format!("{meter_id} (new meter)"),
            "usage CSV",
            unit,
            args.new_dials.unwrap_or(dials),
        )
        .with_decimals(MAX_DECIMALS)
        .with_multiplier(args.new_multiplier.unwrap_or(multiplier)),
        new_meter_initial_read: x.new_initial,
    });
    let used = consumption_prorated(&meter, &reads.reads, exchange.as_ref(), &period).map_err(
        |e| match e {
            MeterError::BackwardRead { .. } if args.dials.is_none() => CliError::Domain(format!(
                "{e}; if the register rolled over, give its dials with --dials"
            )),
            e => CliError::domain(e),
        },
    )?;
    let notes = read_notes(&used);
    let mut bill_input = BillInput::metered(
        period,
        Quantity::new(used.consumption.value, used.consumption.unit),
    );
    bill_input.estimated = used.estimated;
    bill_input.meter_size = args.meter_size.as_deref();
    bill_input.customer_class = args.class.as_deref();
    bill_input.residents = args.residents;
    let bill = tariff.bill(&bill_input).map_err(CliError::domain)?;
    if json {
        let mut v = bill_json(&bill);
        if let Some(obj) = v.as_object_mut() {
            obj.insert("reads".into(), reads_json(&used));
            obj.insert("notes".into(), serde_json::json!(notes));
        }
        print_json(&v)
    } else {
        let mut text = bill.to_string().trim_end().to_owned();
        for n in &notes {
            text.push_str("\nNote: ");
            text.push_str(n);
        }
        println_out(&text)
    }
}

/// What a reader of the bill must know about how the usage came from reads.
fn read_notes(used: &PeriodConsumption) -> Vec<String> {
    let mut notes = Vec::new();
    if used.prorated {
        notes.push(format!(
            "usage prorated by days: the reads of {} and {} measure {} to {} ({} days, {} {}); the period billed, {} to {} ({} days), is charged {} {}, its share by days between reads",
            used.opening.date,
            used.closing.date,
            used.measured.from(),
            used.measured.to(),
            used.measured.days(),
            used.measured_consumption.value.normalize(),
            used.measured_consumption.unit,
            used.period.from(),
            used.period.to(),
            used.period.days(),
            used.consumption.value.round_dp(6).normalize(),
            used.consumption.unit,
        ));
    }
    if let Some(day) = used.exchange {
        notes.push(format!(
            "meter exchanged on {day}: the old meter's usage up to its final read and the new meter's from its initial read are added"
        ));
    }
    if used.rolled_over {
        notes.push(
            "the register rolled over (passed its largest reading and started again from zero)"
                .into(),
        );
    }
    notes
}

fn read_json(r: &ratepayer::meter::Read) -> serde_json::Value {
    serde_json::json!({
        "date": r.date.to_string(),
        "value": r.value.normalize().to_string(),
        "kind": r.kind,
    })
}

/// How the usage was obtained from the reads, for `--json`.
fn reads_json(used: &PeriodConsumption) -> serde_json::Value {
    serde_json::json!({
        "opening": read_json(&used.opening),
        "closing": read_json(&used.closing),
        "measured": period_json(&used.measured),
        "measured_usage": used.measured_consumption.value.normalize().to_string(),
        "usage": used.consumption.value.normalize().to_string(),
        "unit": used.consumption.unit.symbol(),
        "prorated": used.prorated,
        "rolled_over": used.rolled_over,
        "exchange": used.exchange.map(|d| d.to_string()),
    })
}

/// `--format urdb`: the tariff file is one URDB rate (JSON, or the API's
/// `{"items": [rate]}`); the usage must be intervals. Fields the importer
/// did not use are listed on stderr and, with `--json`, in each bill's
/// `notes`.
fn urdb(args: &BillArgs, period: BillingPeriod, json: bool) -> Result<(), CliError> {
    let path = Path::new(&args.tariff);
    let text = input::read_text(path)?;
    let id = path
        .file_stem()
        .map_or_else(|| "urdb".to_owned(), |s| s.to_string_lossy().into_owned());
    let imported = ratepayer::electric::urdb::import(&id, &text).map_err(CliError::domain)?;
    for unused in &imported.unused {
        crate::output::eprintln_err(&format!(
            "note: URDB field `{}` not used: {}",
            unused.field, unused.reason
        ));
    }
    let profile = args.profile.as_deref().map(input::profile).transpose()?;
    let calendar = match profile.as_ref().and_then(|p| p.spec().calendar.as_ref()) {
        Some(spec) => {
            Some(ratepayer::calendar::Calendar::from_spec(spec).map_err(CliError::domain)?)
        }
        None => None,
    };
    let rounding = profile
        .as_ref()
        .map_or(bill_intervals::DEFAULT_ROUNDING, |p| p.spec().rounding);
    let zone = bill_intervals::zone(args.time_zone.as_deref(), profile.as_ref())?;
    let name = args.usage.display().to_string();
    let metering = bill_generation::options(args, imported.tariff.metering)?;
    let (intervals, received) = match parse_usage(&read_usage(&args.usage)?, &name)? {
        UsageFile::Reads(_) => {
            return Err(CliError::Domain(format!(
                "`{name}` holds register reads; a URDB rate bills interval usage (timestamp,kwh)"
            )))
        }
        UsageFile::Intervals(i) => (i, None),
        UsageFile::Channels {
            intervals,
            received,
        } => (intervals, Some(received)),
    };
    if let Some(options) = metering {
        return bill_generation::run(
            args,
            &imported,
            &options,
            calendar.as_ref(),
            rounding,
            &intervals,
            received.as_deref(),
            period,
            &name,
            json,
        );
    }
    if let Some(k) = received
        .as_deref()
        .and_then(|r| r.iter().position(|v| !v.is_zero()))
    {
        return Err(CliError::Domain(format!(
            "`{name}` has received (exported) energy ({} kWh at {}), and neither --metering nor the rate's dgrules says how to credit it; give --metering net_metering|net_metering_dollar|net_billing|net_billing_carryover|buy_all_sell_all",
            received.as_deref().and_then(|r| r.get(k)).copied().unwrap_or_default(),
            intervals.get(k).map_or_else(String::new, |i| i.start.to_string())
        )));
    }
    let series = bill_intervals::series(&intervals, &name, zone)?;
    let periods = bill_intervals::periods(period, args.monthly, &args.read_dates)?;
    let rate =
        ratepayer::electric::ElectricRate::new(vec![imported.tariff]).map_err(CliError::domain)?;
    let options = ratepayer::electric::ElectricOptions {
        zone,
        calendar: calendar.as_ref(),
        rounding,
        history: None,
    };
    let bills = bill_intervals::electric_bills(&rate, &series, &periods, &options)?;
    let several = args.monthly || !args.read_dates.is_empty();
    if json {
        let notes: Vec<serde_json::Value> = imported
            .unused
            .iter()
            .map(|u| serde_json::json!({ "field": u.field, "reason": u.reason }))
            .collect();
        let items: Vec<serde_json::Value> = bills
            .iter()
            .map(|m| {
                let mut v = bill_json(&m.bill);
                if let Some(o) = v.as_object_mut() {
                    o.insert("peak_kw".into(), m.peak_kw.normalize().to_string().into());
                    o.insert(
                        "billing_demand_kw".into(),
                        m.billing_demand_kw.normalize().to_string().into(),
                    );
                    o.insert(
                        "demand_basis".into(),
                        serde_json::to_value(m.demand_basis).unwrap_or_default(),
                    );
                    o.insert("demand_explained".into(), m.demand_basis.to_string().into());
                    o.insert("notes".into(), notes.clone().into());
                }
                v
            })
            .collect();
        if several {
            print_json(&serde_json::Value::Array(items))
        } else {
            match items.into_iter().next() {
                Some(v) => print_json(&v),
                None => Err(CliError::Domain("no bill: the period has no usage".into())),
            }
        }
    } else {
        let text: Vec<String> = bills
            .iter()
            .map(|m| {
                format!(
                    "{}\nPeak {} kW; billing demand {} kW ({})",
                    m.bill.to_string().trim_end(),
                    m.peak_kw.normalize(),
                    m.billing_demand_kw.normalize(),
                    m.demand_basis
                )
            })
            .collect();
        println_out(&text.join("\n\n"))
    }
}

/// One bill (a JSON object) or, with `monthly`, a list of them.
fn print_bills(bills: &[ratepayer::Bill], monthly: bool, json: bool) -> Result<(), CliError> {
    if json {
        if monthly {
            print_json(&serde_json::Value::Array(
                bills.iter().map(bill_json).collect(),
            ))
        } else {
            match bills.first() {
                Some(bill) => print_json(&bill_json(bill)),
                None => Err(CliError::Domain("no bill: the period has no usage".into())),
            }
        }
    } else {
        let text: Vec<String> = bills
            .iter()
            .map(|b| b.to_string().trim_end().to_owned())
            .collect();
        println_out(&text.join("\n\n"))
    }
}

fn read_usage(path: &Path) -> Result<Vec<u8>, CliError> {
    let file = std::fs::File::open(path).map_err(|e| CliError::io(path, "read", &e))?;
    let mut bytes = Vec::new();
    file.take(MAX_USAGE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| CliError::io(path, "read", &e))?;
    if bytes.len() as u64 > MAX_USAGE_BYTES {
        return Err(CliError::Domain(format!(
            "`{}` is over {} MiB; split the usage into smaller files",
            path.display(),
            MAX_USAGE_BYTES >> 20
        )));
    }
    Ok(bytes)
}
