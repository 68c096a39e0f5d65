//! `ratepayer bill`: one bill from a tariff and a usage CSV. Register reads
//! are billed now; interval usage, URDB rates and `--monthly` need electric
//! billing (issue 3) and are refused with a clear message until it lands:
//! they plug in at the `UsageFile::Intervals` and `TariffFormat::Urdb` arms.

use std::io::Read as _;
use std::path::Path;

use ratepayer::meter::{consumption_for_period, Meter};
use ratepayer::{BillInput, BillingPeriod, Quantity, Tariff};

use crate::cli::{BillArgs, TariffFormat};
use crate::error::CliError;
use crate::input;
use crate::output::{bill_json, print_json, println_out};
use crate::usage_csv::{parse_usage, UsageFile, MAX_USAGE_BYTES};

/// Runs the command.
pub fn run(args: &BillArgs, json: bool) -> Result<(), CliError> {
    if args.format == TariffFormat::Urdb {
        return Err(CliError::NotSupported(
            "`--format urdb` needs electric billing (issue 3), which this build does not have; write the rate as a ratepayer tariff (TOML or JSON) and use --format native".into(),
        ));
    }
    if args.monthly {
        return Err(CliError::NotSupported(
            "`--monthly` bills a year of interval usage month by month and needs electric billing (issue 3), which this build does not have; bill each month with --from/--to instead".into(),
        ));
    }
    let period = BillingPeriod::new(args.from, args.to).map_err(CliError::domain)?;
    let owned_profile;
    let owned_tariff;
    let tariff: &Tariff = match &args.profile {
        Some(p) => {
            owned_profile = input::profile(p)?;
            owned_profile
                .tariff(&args.tariff)
                .map_err(CliError::domain)?
        }
        None => {
            owned_tariff = input::tariff_file(Path::new(&args.tariff))?;
            &owned_tariff
        }
    };
    let name = args.usage.display().to_string();
    match parse_usage(&read_usage(&args.usage)?, &name)? {
        UsageFile::Intervals(_) => Err(CliError::NotSupported(format!(
            "`{name}` holds interval usage (timestamp,kwh), which needs electric billing (issue 3); give register reads (date,reading) for now"
        ))),
        UsageFile::Reads(reads) => {
            let unit = args.unit.unwrap_or_else(|| tariff.unit());
            let meter_id = args
                .usage
                .file_name()
                .map_or_else(|| name.clone(), |f| f.to_string_lossy().into_owned());
            let meter = Meter::new(meter_id, "usage CSV", unit, ratepayer::meter::MAX_DIALS)
                .with_decimals(ratepayer::meter::MAX_DECIMALS);
            let used = consumption_for_period(&meter, &reads, &period).map_err(CliError::domain)?;
            if used.service != period {
                crate::output::eprintln_err(&format!(
                    "note: the reads measure {} to {} (reads dated {} and {}), not exactly the period billed; the bill covers {} to {}",
                    used.service.from(),
                    used.service.to(),
                    used.opening.date,
                    used.closing.date,
                    period.from(),
                    period.to()
                ));
            }
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
                print_json(&bill_json(&bill))
            } else {
                println_out(bill.to_string().trim_end())
            }
        }
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
