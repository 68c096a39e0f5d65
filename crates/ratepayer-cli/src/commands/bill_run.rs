//! `ratepayer bill-run`: bills every customer of a customers CSV with a
//! profile's compiled tariffs and writes one row per customer to an output
//! CSV. The input is streamed, the output buffered into a temporary file
//! next to OUT and renamed onto it only when the run succeeds, so a bad
//! input writes nothing. A progress bar on stderr and a summary at the end.

use std::fs::{File, OpenOptions};
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use ratepayer::profile::UtilityProfile;
use ratepayer::{Bill, BillInput, BillingPeriod, Quantity, Tariff};
use serde_json::json;

use crate::cli::{BillRunArgs, Progress};
use crate::customers_csv::{Customer, CustomerReader, RowError};
use crate::error::{CliError, Problems};
use crate::input;
use crate::output::{print_json, println_out};
use crate::progress::{thousands, ProgressBar};

/// Columns of the output CSV.
pub const OUT_COLUMNS: [&str; 13] = [
    "account",
    "tariff",
    "from",
    "to",
    "days",
    "usage",
    "unit",
    "before_tax",
    "taxes",
    "total",
    "currency",
    "status",
    "message",
];

/// What a run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Summary {
    /// Rows read.
    pub customers: u64,
    /// Rows billed.
    pub billed: u64,
    /// Rows that could not be billed.
    pub errors: u64,
}

/// Runs the command.
pub fn run(args: &BillRunArgs, json: bool) -> Result<(), CliError> {
    let profile = input::profile(&args.profile)?;
    refuse_same_file(&args.customers, &args.out)?;
    let input =
        File::open(&args.customers).map_err(|e| CliError::io(&args.customers, "read", &e))?;
    let size = input.metadata().map(|m| m.len()).unwrap_or(0);
    let show = match args.progress {
        Progress::Always => true,
        Progress::Never => false,
        Progress::Auto => std::io::IsTerminal::is_terminal(&std::io::stderr()),
    };
    let mut bar = ProgressBar::new(show, size);
    let tmp = temp_path(&args.out);
    let file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&tmp)
        .map_err(|e| CliError::io(&tmp, "create", &e))?;
    let result = bill_all(
        &profile,
        input,
        file,
        args.keep_going,
        &mut bar,
        &args.customers,
    );
    let result = result.and_then(|summary| {
        std::fs::rename(&tmp, &args.out)
            .map_err(|e| CliError::io(&args.out, "write", &e))
            .map(|()| summary)
    });
    let summary = match result {
        Ok(s) => s,
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
    };
    bar.finish(summary.customers);
    let secs = bar.elapsed().as_secs_f64();
    let rate = if secs > 0.0 {
        summary.customers as f64 / secs
    } else {
        0.0
    };
    if json {
        print_json(&json!({
            "customers": summary.customers,
            "billed": summary.billed,
            "errors": summary.errors,
            "seconds": (secs * 1000.0).round() / 1000.0,
            "per_second": rate.round(),
            "out": args.out.display().to_string(),
        }))?;
    } else {
        println_out(&format!(
            "billed {} of {} customers ({} errors) in {secs:.2} s, {} customers/s; wrote {}",
            thousands(summary.billed),
            thousands(summary.customers),
            thousands(summary.errors),
            thousands(rate as u64),
            args.out.display()
        ))?;
    }
    if summary.errors > 0 {
        return Err(CliError::Domain(format!(
            "{} customer(s) could not be billed; their rows in `{}` have status `error` and say why",
            summary.errors,
            args.out.display()
        )));
    }
    Ok(())
}

fn refuse_same_file(customers: &Path, out: &Path) -> Result<(), CliError> {
    if let (Ok(a), Ok(b)) = (customers.canonicalize(), out.canonicalize()) {
        if a == b {
            return Err(CliError::Domain(format!(
                "--out `{}` is the customers file; write the bills to another file",
                out.display()
            )));
        }
    }
    Ok(())
}

/// `.NAME.PID.tmp` next to `out`, so the rename stays on one file system.
fn temp_path(out: &Path) -> PathBuf {
    let name = out
        .file_name()
        .map_or_else(|| "bills.csv".into(), |n| n.to_string_lossy().into_owned());
    out.with_file_name(format!(".{name}.{}.tmp", std::process::id()))
}

fn bill_all(
    profile: &UtilityProfile,
    input: File,
    output: File,
    keep_going: bool,
    bar: &mut ProgressBar,
    customers_path: &Path,
) -> Result<Summary, CliError> {
    let mut reader = CustomerReader::new(std::io::BufReader::with_capacity(1 << 16, input))
        .map_err(|e| CliError::Csv {
            path: customers_path.display().to_string(),
            problems: vec![(e.line, e.message)],
            total: 1,
        })?;
    let mut out = csv::WriterBuilder::new()
        .buffer_capacity(1 << 16)
        .from_writer(BufWriter::with_capacity(1 << 16, output));
    let write_err = |e: csv::Error| CliError::Domain(format!("cannot write the output: {e}"));
    out.write_record(OUT_COLUMNS).map_err(write_err)?;
    let tariffs: Vec<(&str, &Tariff)> = profile.tariffs().iter().map(|t| (t.id(), t)).collect();
    let mut summary = Summary::default();
    let mut problems = Problems::default();
    let mut buf = Fields::default();
    loop {
        let bytes = reader.bytes_read();
        let Some(next) = reader.next_customer() else {
            break;
        };
        summary.customers += 1;
        let outcome = match next {
            Ok(c) => bill_one(profile, &tariffs, &c)
                .map(|b| (c, b))
                .map_err(|m| RowError {
                    line: c.line,
                    message: m,
                    account: c.account.to_string(),
                }),
            Err(e) => Err(e),
        };
        match outcome {
            Ok((c, bill)) => {
                summary.billed += 1;
                if problems.is_empty() {
                    buf.fill(&c, &bill);
                    out.write_record(buf.record()).map_err(write_err)?;
                }
            }
            Err(e) => {
                summary.errors += 1;
                if keep_going {
                    let message = format!("line {}: {}", e.line, e.message);
                    let mut row = [""; 13];
                    row[0] = &e.account;
                    row[11] = "error";
                    row[12] = &message;
                    out.write_record(row).map_err(write_err)?;
                } else {
                    problems.add(e.line, e.message);
                }
            }
        }
        bar.tick(summary.customers, bytes);
    }
    problems.into_result(customers_path)?;
    let inner = out
        .into_inner()
        .map_err(|e| CliError::Domain(format!("cannot write the output: {}", e.error())))?;
    let file = inner
        .into_inner()
        .map_err(|e| CliError::Domain(format!("cannot write the output: {}", e.error())))?;
    file.sync_all()
        .map_err(|e| CliError::Domain(format!("cannot write the output: {e}")))?;
    Ok(summary)
}

fn bill_one(
    profile: &UtilityProfile,
    tariffs: &[(&str, &Tariff)],
    c: &Customer<'_>,
) -> Result<Bill, String> {
    let Some((_, tariff)) = tariffs.iter().find(|(id, _)| *id == c.tariff) else {
        return Err(format!(
            "`tariff` `{}` is not a tariff of profile `{}`; use one of {}",
            c.tariff.chars().take(40).collect::<String>(),
            profile.id(),
            tariffs
                .iter()
                .map(|(id, _)| *id)
                .collect::<Vec<_>>()
                .join(", ")
        ));
    };
    let period = BillingPeriod::new(c.from, c.to).map_err(|e| e.to_string())?;
    let mut input = match (c.usage, c.residents) {
        (Some(u), _) => BillInput::metered(period, Quantity::new(u, c.unit.unwrap_or(tariff.unit()))),
        (None, Some(n)) => BillInput::unmetered(period, n),
        (None, None) => {
            return Err(
                "`usage` is empty and `residents` is not given; give the usage, or the residents for unmetered service".into(),
            )
        }
    };
    input.residents = c.residents;
    input.meter_size = c.meter_size;
    input.customer_class = c.class;
    input.estimated = c.estimated;
    tariff.bill(&input).map_err(|e| e.to_string())
}

/// The output row of one bill, in reused buffers.
#[derive(Default)]
struct Fields {
    account: String,
    tariff: String,
    from: String,
    to: String,
    days: String,
    usage: String,
    unit: &'static str,
    before_tax: String,
    taxes: String,
    total: String,
    currency: String,
}

impl Fields {
    fn fill(&mut self, c: &Customer<'_>, bill: &Bill) {
        use std::fmt::Write as _;
        let set = |s: &mut String, v: &dyn std::fmt::Display| {
            s.clear();
            let _ = write!(s, "{v}");
        };
        set(&mut self.account, &c.account);
        set(&mut self.tariff, &c.tariff);
        set(&mut self.from, &bill.period.from());
        set(&mut self.to, &bill.period.to());
        set(&mut self.days, &bill.period.days());
        set(&mut self.usage, &bill.usage.value.normalize());
        self.unit = bill.usage.unit.symbol();
        set(&mut self.before_tax, &bill.before_tax().to_decimal_string());
        set(&mut self.taxes, &bill.taxes().to_decimal_string());
        set(&mut self.total, &bill.total.to_decimal_string());
        set(&mut self.currency, &bill.currency.code());
    }

    fn record(&self) -> [&str; 13] {
        [
            &self.account,
            &self.tariff,
            &self.from,
            &self.to,
            &self.days,
            &self.usage,
            self.unit,
            &self.before_tax,
            &self.taxes,
            &self.total,
            &self.currency,
            "ok",
            "",
        ]
    }
}
