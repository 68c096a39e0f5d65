//! The command line's grammar (clap derive): every subcommand, its options and
//! its help text. `ratepayer help <command>` prints what is written here.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand, ValueEnum};
use ratepayer::fees::{Channel, PaymentMethod};
use ratepayer::Unit;

/// The `ratepayer` command line.
#[derive(Debug, Parser)]
#[command(
    name = "ratepayer",
    version,
    about = "Utility-billing back office: validate profiles, bill customers, import accounts, post bills and run AutoPay over a SQLite file, quote fees, AutoPay dates, banking calendars, password checks.",
    long_about = None,
    after_help = "PROFILE arguments take a profile file (TOML, or JSON when the name ends in .json) or the id of a built-in profile (shelby, medford, gorod, crow-wing, cal-water, chicago) when no such file exists.\n\nExit codes: 0 success; 1 a domain error (the message is on stderr; nothing is written); 2 a usage error."
)]
pub struct Cli {
    /// Print JSON on stdout instead of a table (money as decimal strings, dates as YYYY-MM-DD).
    #[arg(long, global = true)]
    pub json: bool,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Utility profiles.
    #[command(subcommand)]
    Profile(ProfileCommand),
    /// Bill one account from a tariff and a usage CSV; prints the line items and the total.
    Bill(Box<BillArgs>),
    /// Bill every customer of a customers CSV into an output CSV.
    #[command(long_about = BILL_RUN_HELP)]
    BillRun(BillRunArgs),
    /// Account records of a utility in a SQLite database (`accounts import`).
    #[command(subcommand)]
    Accounts(AccountsCommand),
    /// Bills posted to the accounts of a SQLite database (`bills post`).
    #[command(subcommand)]
    Bills(BillsCommand),
    /// Convenience fees.
    #[command(subcommand)]
    Fee(FeeCommand),
    /// AutoPay.
    #[command(subcommand)]
    Autopay(AutopayCommand),
    /// Banking calendars.
    #[command(subcommand)]
    Calendar(CalendarCommand),
    /// Password policy.
    #[command(subcommand)]
    Password(PasswordCommand),
    /// The end-to-end portal demo on a fresh SQLite file: registration with each seed
    /// utility's recipe, a refused registration, linking, bills, fee quotes, a split
    /// partial payment, AutoPay run twice for the same day, and the audit trail.
    Demo(DemoArgs),
    /// Writes a synthetic customers CSV for bill-run benchmarks (not a stable interface).
    #[command(hide = true)]
    GenCustomers(GenCustomersArgs),
}

/// `ratepayer profile ...`
#[derive(Debug, Subcommand)]
pub enum ProfileCommand {
    /// Validate a profile, reporting every problem at once (exit 1 when there is any).
    Validate {
        /// The profile: a file (TOML or .json) or a built-in profile id.
        #[arg(value_name = "PROFILE")]
        profile: String,
    },
}

/// Where a tariff's rates come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TariffFormat {
    /// ratepayer's own tariff format (TOML, or JSON when the name ends in .json).
    Native,
    /// A rate from the OpenEI Utility Rate Database (JSON): time of use, demand, fixed and minimum charges; bills interval usage month by month.
    Urdb,
}

/// `ratepayer bill ...`
#[derive(Debug, Args)]
#[command(
    after_help = "The usage CSV has a header row. Register reads: `date,reading[,kind]` (a read dated D is the register value at the start of day D, so 1 to 31 October is measured by the reads of 1 October and 1 November; kind is actual, estimated or customer_submitted; a meter exchange is two rows dated the exchange day, `exchange_out` (or `exchange_out_estimated`) with the old meter's final read and `exchange_in` with the new meter's initial read). When no reads fall on the period's bounds, the usage is prorated by days between reads (said in the output's notes); a period no read brackets is refused. --dials and --multiplier describe the register (--new-dials, --new-multiplier the meter put in at an exchange). Interval usage: `timestamp,kwh` (consecutive intervals of one length that divides an hour, such as 15 or 60 minutes; timestamps in local time, or with `Z` or a UTC offset, converted into the utility's time zone: --time-zone or the profile's). A native tariff bills the intervals' kWh over the period; a URDB rate (--format urdb) bills time of use and demand on the local wall clock, exactly the days asked for (one bill for --from..--to, one per calendar month with --monthly, or one per read cycle with --read-dates), monthly charges prorated on part of a month; with --profile, the profile's office holidays count as weekend days and its rounding applies.\n\nExamples:\n  ratepayer bill --tariff my-tariff.toml --usage reads.csv --from 2025-10-01 --to 2025-10-31 --meter-size 5/8\n  ratepayer bill --profile shelby --tariff shelby-water-residential --usage reads.csv --from 2025-10-01 --to 2025-10-31 --meter-size 5/8 --json\n  ratepayer bill --format urdb --tariff coop-tou.json --usage intervals.csv --from 2025-01-01 --to 2025-12-31 --monthly"
)]
pub struct BillArgs {
    /// The tariff: a tariff file, or with --profile the id of one of the profile's tariffs.
    #[arg(long, value_name = "FILE|ID")]
    pub tariff: String,
    /// Take the tariff from this profile (a file or a built-in id); --tariff is then its id.
    #[arg(long, value_name = "PROFILE")]
    pub profile: Option<String>,
    /// The tariff file's format.
    #[arg(long, value_enum, default_value_t = TariffFormat::Native)]
    pub format: TariffFormat,
    /// The usage CSV: register reads (date,reading) or intervals (timestamp,kwh).
    #[arg(long, value_name = "FILE.csv")]
    pub usage: PathBuf,
    /// First day of service billed (YYYY-MM-DD).
    #[arg(long, value_parser = parse_date, value_name = "DATE")]
    pub from: NaiveDate,
    /// Last day of service billed, included (YYYY-MM-DD).
    #[arg(long, value_parser = parse_date, value_name = "DATE")]
    pub to: NaiveDate,
    /// Meter size, for charges priced by it (for example 5/8).
    #[arg(long, value_name = "SIZE")]
    pub meter_size: Option<String>,
    /// Customer class, for charges restricted to classes.
    #[arg(long, value_name = "CLASS")]
    pub class: Option<String>,
    /// Residents, for a normative volume and the saving against it.
    #[arg(long, value_name = "N")]
    pub residents: Option<u32>,
    /// Unit the register reads count (the tariff's unit when not given).
    #[arg(long, value_parser = parse_unit, value_name = "UNIT")]
    pub unit: Option<Unit>,
    /// Whole-number dials of the register (1 to 12): it rolls over to zero at 10^N. Without it, a register never rolls over and a lower read is refused.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=12))]
    pub dials: Option<u32>,
    /// Register units to consumption units (above zero; 1 when not given), such as 100 for a register read in hundreds of gallons.
    #[arg(long, value_name = "X", value_parser = parse_multiplier)]
    pub multiplier: Option<rust_decimal::Decimal>,
    /// Dials of the meter put in at a meter exchange (the `exchange_out`/`exchange_in` rows of the reads); --dials when not given.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=12))]
    pub new_dials: Option<u32>,
    /// Multiplier of the meter put in at a meter exchange; --multiplier when not given.
    #[arg(long, value_name = "X", value_parser = parse_multiplier)]
    pub new_multiplier: Option<rust_decimal::Decimal>,
    /// One bill per calendar month of interval usage (JSON: a list of bills, in order).
    #[arg(long)]
    pub monthly: bool,
    /// The utility's time zone (an IANA name such as America/New_York) for
    /// interval usage: timestamps with `Z` or an offset are converted into it,
    /// and time of use is read on its clock. Defaults to the profile's.
    #[arg(long, value_name = "ZONE")]
    pub time_zone: Option<String>,
    /// Meter-read days of interval usage (comma-separated YYYY-MM-DD): one
    /// bill per read cycle, from --from to the first read day, then from the
    /// day after each read to the next, the last to --to.
    #[arg(long, value_name = "DATES", value_delimiter = ',', value_parser = parse_date)]
    pub read_dates: Vec<NaiveDate>,
    /// How a customer who generates is billed (`--format urdb`, usage
    /// `timestamp,delivered_kwh,received_kwh`): net_metering,
    /// net_metering_dollar, net_billing, net_billing_carryover or
    /// buy_all_sell_all (SAM's metering options). Defaults to the rate's
    /// `dgrules`.
    #[arg(long, value_name = "OPTION")]
    pub metering: Option<String>,
    /// Net metering: the price per kWh paid at the true-up for the year's
    /// excess kWh (default 0).
    #[arg(long, value_name = "RATE")]
    pub year_end_sell_rate: Option<String>,
    /// The true-up month, 1 to 12 (default 12, December).
    #[arg(long, value_name = "MONTH")]
    pub true_up_month: Option<u32>,
}

/// The customers CSV format, shown by `ratepayer help bill-run`.
pub const BILL_RUN_HELP: &str = "Bill every customer of a customers CSV with the tariffs of a profile, and write one row per customer to an output CSV.

The customers CSV has a header row naming its columns, in any order:
  account      the account number (required, not blank)
  tariff       the id of a tariff of the profile (required)
  from         first day of service, YYYY-MM-DD (required)
  to           last day of service, included, YYYY-MM-DD (required)
  usage        metered usage over the period, a plain decimal such as 7.4
               (required column; empty for unmetered service billed on
               residents)
  unit         unit of the usage: gal, kgal, ft3, ccf, m3, kwh, therm
               (empty: the tariff's unit)
  meter_size   meter size for charges priced by it, such as 5/8 (optional)
  class        customer class for charges restricted to classes (optional)
  residents    number of residents, for normative volumes (optional)
  estimated    true when the usage rests on an estimated read (optional)
Columns marked optional may be left out of the header altogether.

Example:
  account,tariff,from,to,usage,unit,meter_size
  00065821-0672430,shelby-water-residential,2025-10-01,2025-10-31,7.4,kgal,5/8
  00065822-0672431,shelby-gas-residential,2025-10-01,2025-10-31,42,therm,

The output CSV has the columns
  account,tariff,from,to,days,usage,unit,before_tax,taxes,total,currency,status,message
with usage in the tariff's unit, money as decimal strings, status `ok` or `error`.

The input is streamed and the output written to a temporary file next to OUT, renamed onto OUT only when the whole run succeeds, so a failed run leaves OUT as it was. A row that cannot be billed stops the run (exit 1, every problem listed with its line, OUT not written) unless --keep-going is given: then such rows are written with status `error` and the reason, and the exit code is 1 when there is any.

A progress bar shows on stderr when stderr is a terminal (see --progress), and a summary (customers, errors, time, throughput) ends the run.

Example:
  ratepayer bill-run --profile examples/profiles/shelby.toml --customers customers.csv --out bills.csv";

/// `ratepayer bill-run ...`
#[derive(Debug, Args)]
pub struct BillRunArgs {
    /// The profile whose tariffs bill the customers (a file or a built-in id).
    #[arg(long, value_name = "PROFILE")]
    pub profile: String,
    /// The customers CSV (see `ratepayer help bill-run` for its columns).
    #[arg(long, value_name = "FILE.csv")]
    pub customers: PathBuf,
    /// The output CSV, written only when the run succeeds.
    #[arg(long, value_name = "FILE.csv")]
    pub out: PathBuf,
    /// Write rows that cannot be billed with status `error` instead of stopping.
    #[arg(long)]
    pub keep_going: bool,
    /// When to show the progress bar on stderr.
    #[arg(long, value_enum, default_value_t = Progress::Auto)]
    pub progress: Progress,
}

/// When to show a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Progress {
    /// When stderr is a terminal.
    Auto,
    /// Always (also when stderr is a file).
    Always,
    /// Never.
    Never,
}

/// `ratepayer fee ...`
#[derive(Debug, Subcommand)]
pub enum FeeCommand {
    /// Quote a payment: amount, fee, total and the fee-free ways to pay.
    #[command(
        after_help = "Example:\n  ratepayer fee quote --profile shelby --channel online --method credit_card --amount 123.45"
    )]
    Quote(FeeQuoteArgs),
}

/// `ratepayer fee quote ...`
#[derive(Debug, Args)]
pub struct FeeQuoteArgs {
    /// The profile whose fee schedule prices the payment.
    #[arg(long, value_name = "PROFILE")]
    pub profile: String,
    /// Payment channel: online, mobile_app, phone_agent, automated_phone, autopay, in_person, mail, bank_draft.
    #[arg(long, value_parser = parse_channel)]
    pub channel: Channel,
    /// Payment method: credit_card, debit_card, prepaid_card, echeck, cash, check, ...
    #[arg(long, value_parser = parse_method)]
    pub method: PaymentMethod,
    /// The amount paid to the utility, a plain decimal such as 123.45.
    #[arg(long)]
    pub amount: String,
    /// How many accounts the payment covers.
    #[arg(long, default_value_t = 1)]
    pub accounts: u32,
}

/// `ratepayer autopay ...`
#[derive(Debug, Subcommand)]
pub enum AutopayCommand {
    /// The date a bill is drafted on.
    #[command(
        after_help = "RULE is one of:\n  on-due              on the due date (default)\n  printed             on the draft date printed on the bill (give --printed)\n  before:N            N business days before the due date\n  before-calendar:N   N calendar days before the due date\n  day:N               day N of the month, the first on or after the bill date (give --bill-date)\nWhatever the rule, the draft is a banking day between the bill date and the due date: never after the due date (day:15 on a bill due the 10th drafts on the due date), never before the bill date (before:30 drafts on the bill date).\nWith --option NAME the rule of that AutoPay option of the --calendar profile is used instead.\n\nExamples:\n  ratepayer autopay next --calendar fed --due 2025-07-04 --rule on-due --roll preceding\n  ratepayer autopay next --calendar shelby --option 'Card AutoPay' --due 2025-07-04 --json"
    )]
    Next(AutopayNextArgs),
    /// Run the AutoPay cycle for a day over a SQLite database or PostgreSQL (where several runners share it): draft what is due, hand it to the processor, deliver the notices.
    #[command(long_about = AUTOPAY_RUN_HELP)]
    Run(AutopayRunArgs),
    /// How far a day's AutoPay cycle shared by runners is (PostgreSQL): batches and enrolments done, by which runner.
    #[command(long_about = AUTOPAY_PROGRESS_HELP)]
    Progress(AutopayProgressArgs),
}

/// `ratepayer autopay next ...`
#[derive(Debug, Args)]
pub struct AutopayNextArgs {
    /// `fed` (the Federal Reserve's ACH calendar) or a profile, whose AutoPay calendar (else its `[calendar]`) is used; any other name, or a profile with neither, is refused.
    #[arg(long, default_value = "fed", value_name = "fed|PROFILE")]
    pub calendar: String,
    /// The bill's due date.
    #[arg(long, value_parser = parse_date, value_name = "DATE")]
    pub due: NaiveDate,
    /// The bill's date (the due date when not given).
    #[arg(long, value_parser = parse_date, value_name = "DATE")]
    pub bill_date: Option<NaiveDate>,
    /// The draft date printed on the bill, for the `printed` rule.
    #[arg(long, value_parser = parse_date, value_name = "DATE")]
    pub printed: Option<NaiveDate>,
    /// The draft rule (see below).
    #[arg(long, value_parser = parse_rule, conflicts_with = "option")]
    pub rule: Option<RuleArg>,
    /// Where a closed day moves: following, preceding, modified-following, modified-preceding (default: preceding; following for day:N).
    #[arg(long, value_parser = parse_roll, conflicts_with = "option")]
    pub roll: Option<ratepayer::calendar::Roll>,
    /// Use the rule of this AutoPay option of the --calendar profile.
    #[arg(long, value_name = "NAME")]
    pub option: Option<String>,
}

/// A draft rule as typed, before the roll is applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleArg {
    /// `on-due`.
    OnDue,
    /// `printed`.
    Printed,
    /// `before:N` (business) or `before-calendar:N`.
    Before {
        /// Days before the due date.
        days: u32,
        /// Business days (true) or calendar days.
        business: bool,
    },
    /// `day:N`.
    DayOfMonth(u32),
}

/// `ratepayer calendar ...`
#[derive(Debug, Subcommand)]
pub enum CalendarCommand {
    /// Whether DATE is a banking day.
    #[command(after_help = "Example:\n  ratepayer calendar is-banking-day 2025-07-04")]
    IsBankingDay {
        /// The date (YYYY-MM-DD).
        #[arg(value_parser = parse_date, value_name = "DATE")]
        date: NaiveDate,
        /// `fed` or a profile, whose own `[calendar]` is used.
        #[arg(long, default_value = "fed", value_name = "fed|PROFILE")]
        calendar: String,
    },
    /// DATE moved by N banking days (N may be negative: before DATE).
    #[command(
        after_help = "Example:\n  ratepayer calendar add-business-days 2025-07-03 1\n  ratepayer calendar add-business-days 2025-07-07 -2"
    )]
    AddBusinessDays {
        /// The date (YYYY-MM-DD).
        #[arg(value_parser = parse_date, value_name = "DATE")]
        date: NaiveDate,
        /// Banking days to add (negative to go back).
        #[arg(allow_negative_numbers = true, value_name = "N")]
        n: i32,
        /// `fed` or a profile, whose own `[calendar]` is used.
        #[arg(long, default_value = "fed", value_name = "fed|PROFILE")]
        calendar: String,
    },
}

/// `ratepayer password ...`
#[derive(Debug, Subcommand)]
pub enum PasswordCommand {
    /// Check a new password against a policy; the password is read from stdin (never the command line).
    #[command(
        after_help = "Exit code 0 when the policy accepts the password, 1 when it refuses it. One trailing newline of stdin is dropped.\n\nExamples:\n  printf '%s' \"$NEW_PASSWORD\" | ratepayer password check --policy nist --context username=patdoe\n  ratepayer password check --policy legacy --json < password.txt"
    )]
    Check(PasswordCheckArgs),
}

/// `ratepayer password check ...`
#[derive(Debug, Args)]
pub struct PasswordCheckArgs {
    /// `nist` (NIST SP 800-63B-4), `legacy` (composition rules) or a profile, whose policy is used.
    #[arg(long, default_value = "nist", value_name = "legacy|nist|PROFILE")]
    pub policy: String,
    /// Details of the customer the password must not contain: FIELD=VALUE with FIELD one of username, email, account, utility, street; a bare WORD counts as the username.
    #[arg(long, num_args = 1.., value_name = "WORD")]
    pub context: Vec<String>,
    /// Multi-factor authentication is on (NIST allows 8 characters then).
    #[arg(long)]
    pub mfa: bool,
}

/// `ratepayer gen-customers ...` (hidden).
#[derive(Debug, Args)]
pub struct GenCustomersArgs {
    /// How many customers.
    #[arg(long, default_value_t = 1000)]
    pub count: u64,
    /// The output CSV.
    #[arg(long)]
    pub out: PathBuf,
}

/// Parses a date written YYYY-MM-DD.
pub fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|e| {
        format!("`{s}` is not a date ({e}); write it as YYYY-MM-DD, such as 2025-10-31")
    })
}

fn parse_multiplier(s: &str) -> Result<rust_decimal::Decimal, String> {
    let d = ratepayer::money::parse_decimal(s).map_err(|e| e.to_string())?;
    if d <= rust_decimal::Decimal::ZERO {
        return Err(format!(
            "`{s}` is not above zero; the multiplier turns register units into consumption (1 when the register shows it directly)"
        ));
    }
    Ok(d)
}

fn parse_unit(s: &str) -> Result<Unit, String> {
    s.parse::<Unit>().map_err(|e| e.to_string())
}

fn parse_channel(s: &str) -> Result<Channel, String> {
    s.parse::<Channel>()
}

fn parse_method(s: &str) -> Result<PaymentMethod, String> {
    s.parse::<PaymentMethod>()
}

fn parse_roll(s: &str) -> Result<ratepayer::calendar::Roll, String> {
    s.parse::<ratepayer::calendar::Roll>()
        .map_err(|e| e.to_string())
}

/// Parses a draft rule: `on-due`, `printed`, `before:N`, `before-calendar:N`, `day:N`.
pub fn parse_rule(s: &str) -> Result<RuleArg, String> {
    let number = |n: &str, what: &str| {
        n.parse::<u32>()
            .map_err(|_| format!("`{n}` in `{s}` is not {what}; write a whole number such as 3"))
    };
    match s.split_once(':') {
        None if s == "on-due" => Ok(RuleArg::OnDue),
        None if s == "printed" => Ok(RuleArg::Printed),
        Some(("before", n)) => Ok(RuleArg::Before {
            days: number(n, "a number of days")?,
            business: true,
        }),
        Some(("before-calendar", n)) => Ok(RuleArg::Before {
            days: number(n, "a number of days")?,
            business: false,
        }),
        Some(("day", n)) => {
            let d = number(n, "a day of the month")?;
            if (1..=31).contains(&d) {
                Ok(RuleArg::DayOfMonth(d))
            } else {
                Err(format!("day {d} is not a day of a month; use 1 to 31"))
            }
        }
        _ => Err(format!(
            "`{s}` is not a draft rule; use on-due, printed, before:N, before-calendar:N or day:N"
        )),
    }
}

/// `ratepayer accounts ...`
#[derive(Debug, Subcommand)]
pub enum AccountsCommand {
    /// Import the utility's account records from a CSV (created, updated or unchanged; a bad row writes nothing).
    #[command(long_about = ACCOUNTS_IMPORT_HELP)]
    Import(AccountsImportArgs),
}

/// The accounts CSV format, shown by `ratepayer help accounts import`.
pub const ACCOUNTS_IMPORT_HELP: &str = "Import the utility's account records (what registration proofs are checked against) from a CSV into a SQLite database, keyed by (utility, account number).

The CSV has a header row naming its columns, in any order:
  account      the account number, in any form the profile's format accepts
               (required; one row per account)
  customer     the customer number on file
  name         the account holder's last name, or the business name
  zip          the service address's ZIP code
  email        the email on file
  status       active (default when empty) or closed; closing an account
               ends its AutoPay enrolment
  address      the service address, as printed
  commercial   true for a commercial customer (default false)
  tax_id       the tax ID on file (commercial customers)
Columns other than `account` may be left out of the header: for an account already in the database, a column left out keeps what is stored (an empty value in a column that is there clears it). The fields the profile's registration proofs ask for (customer for Shelby, zip for Medford and Cal Water, name and email for Crow Wing, tax_id for a commercial Crow Wing customer) must not be empty: nobody could register the account (for an account already imported, a column left out counts with its stored value).

Example (Shelby):
  account,customer,name,zip,email,status,address
  100001,65821,Doe,38150,pat@example.com,active,412 Main Street
  100002,65821,Doe,38150,pat@example.com,closed,17 Oak Street

Each account is compared with the database: created when new, updated when its record, status or address differs (its login, settings and credit are kept), unchanged otherwise; the created and updated ones are written in batches of --batch-size (default 1,000), each batch one transaction. Running the same file again changes nothing and says so; a run cut short resumes where it stopped (the rows of the batches it committed compare unchanged).

The whole file is checked before anything is written: a bad row (an account number the profile's format refuses, an account on two rows, a status that is not active or closed, an email that is not one, an empty field the registration proofs need) refuses the whole file, exit 1, with every problem listed by line, column and value; nothing is written.

--json prints {created, updated, unchanged, batches, refused, refusals: [{line, field, value, reason}]}. A progress bar shows on stderr when it is a terminal (never with --json).

Example:
  ratepayer accounts import --profile shelby --db utility.sqlite accounts.csv";

/// `ratepayer accounts import ...`
#[derive(Debug, Args)]
pub struct AccountsImportArgs {
    /// The utility's profile (a file or a built-in id).
    #[arg(long, value_name = "PROFILE")]
    pub profile: String,
    /// The SQLite database (created when missing), or a postgres:// URL.
    #[arg(long, value_name = "FILE")]
    pub db: PathBuf,
    /// The accounts CSV (see above for its columns).
    #[arg(value_name = "ACCOUNTS.csv")]
    pub file: PathBuf,
    /// Rows written per transaction (1 to 100000): each batch is committed
    /// whole or not at all, and a run cut short resumes after the last
    /// batch committed when run again.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..=100_000), value_name = "N")]
    pub batch_size: u32,
}

/// `ratepayer bills ...`
#[derive(Debug, Subcommand)]
pub enum BillsCommand {
    /// Post the bills of a bill run's output CSV to the accounts (posted or already posted; a bad row posts nothing).
    #[command(long_about = BILLS_POST_HELP)]
    Post(BillsPostArgs),
}

/// The bills CSV format, shown by `ratepayer help bills post`.
pub const BILLS_POST_HELP: &str = "Post the bills of a bill run's output (`ratepayer bill-run --out BILLS.csv`) to the accounts of a SQLite database: each bill's statement and an open charge for its total (less any credit on the account), which AutoPay then drafts.

The CSV is the bill run's output, its columns in any order:
  account      the account number (required; imported with `accounts import`)
  from, to     the period billed, YYYY-MM-DD (required)
  total        the amount due, a decimal such as 57.22 (required)
  before_tax, taxes   the bill's parts (when both are given, they must add
               up to the total; they become the statement's lines)
  currency     the profile's currency (optional)
  status       `ok`, or `error` for a row the bill run could not bill,
               which is refused (optional)
  tariff, usage, unit  printed on the statement line (optional)
  days, message        read and ignored
--bill-date and --due-date date every bill of the file.

A bill is keyed by (account, period): its id is FROM..TO. A bill whose period is already posted to the account with the same total is left as it is (already posted); with another total it is refused (a posted bill is not changed: post an adjustment). Running the same file again posts nothing and says so.

The whole file is checked first, against the database too: a bad row (an error row of the bill run, an account not imported, a date or an amount that does not read, before_tax + taxes not the total, another currency, a period on two rows, a posted period with another total) refuses the whole file, exit 1, with every problem listed by line, column and value; nothing is posted. Then the new bills are posted in batches of --batch-size (default 1,000), in file order, each batch one transaction (every bill of it, or none). A run cut short (killed, the disk full) leaves the batches it committed; run the same command again and it resumes after them: the bills already posted are found by (account, period) and counted as unchanged, and posting restarts at the first line not posted (`resumed_at_line`).

--json prints {created, unchanged, batches, resumed_at_line, refused, refusals: [{line, field, value, reason}]}. A progress bar shows on stderr when it is a terminal (never with --json).

Example:
  ratepayer bill-run --profile shelby --customers customers.csv --out bills.csv
  ratepayer bills post --profile shelby --db utility.sqlite --bill-date 2025-11-03 --due-date 2025-11-24 bills.csv";

/// `ratepayer bills post ...`
#[derive(Debug, Args)]
pub struct BillsPostArgs {
    /// The utility's profile (a file or a built-in id).
    #[arg(long, value_name = "PROFILE")]
    pub profile: String,
    /// The SQLite database (it must exist: import the accounts first), or a
    /// postgres:// URL.
    #[arg(long, value_name = "FILE")]
    pub db: PathBuf,
    /// The day the bills are issued (YYYY-MM-DD).
    #[arg(long, value_parser = parse_date, value_name = "DATE")]
    pub bill_date: NaiveDate,
    /// The day the bills are due (YYYY-MM-DD), on or after --bill-date.
    #[arg(long, value_parser = parse_date, value_name = "DATE")]
    pub due_date: NaiveDate,
    /// The bill run's output CSV.
    #[arg(value_name = "BILLS.csv")]
    pub file: PathBuf,
    /// Rows written per transaction (1 to 100000): each batch is committed
    /// whole or not at all, and a run cut short resumes after the last
    /// batch committed when run again.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..=100_000), value_name = "N")]
    pub batch_size: u32,
}

/// What `autopay run --help` explains.
pub const AUTOPAY_RUN_HELP: &str = "Run the AutoPay cycle of a utility for one day over a SQLite database: every draft due on or before --date that no run made yet is made now, each recorded as a pending payment on its bill, with its notices (bill ready, advance notice, reminder, receipt, a bill above the customer's maximum to pay by hand) written to the outbox in the same transaction.

Every draft is claimed exactly once by (utility, account, bill, attempt): running the same day again, from two processes at once, or after a crash drafts nothing twice; the second run reports the bills as already drafted.

On PostgreSQL several runners (processes, hosts) share one day's cycle: the first makes its list of batches (500 enrolments each here), each runner claims the next batch nobody holds and marks it done in the batch's transaction, a runner that dies leaves its batch to the others, and running again does only what is left (`autopay progress` shows how far it is; --runner names this runner there).

Then:
  --processor fake   hands every pending payment to the fake payment
                     processor (for tests and demonstrations: it settles
                     everything unless --fake-script says otherwise) and
                     records its results, settled on --date; a returned or
                     declined draft reopens its bill and the profile's retry
                     rules decide when it is presented again (a later run
                     on that day re-presents it)
  (no --processor)   pending payments are left for the application's
                     processor (counted in the report)
and the outbox is delivered to the mail log: one JSON object a line (to, subject, body, dedupe_key) appended to --mail-log, by default FILE-mail.jsonl next to the database. A message is marked delivered once; a run finds none to deliver twice.

--json prints the cycle's counts (enrolments, drafted, already_drafted, failed with failures [{account, reason}], representments, pay_by_hand, suspended, closed_accounts, charged, notices_queued, drafts), the processor's (submitted, settled, returned, declined, autopay_actions), pending_payments and the outbox's (delivered, failed, mail_log). Exit 1 when an account could not be drafted or a message not delivered. A progress bar shows on stderr when it is a terminal (never with --json).

Examples:
  ratepayer autopay run --profile shelby --db utility.sqlite --date 2025-11-24 --processor fake
  ratepayer autopay run --profile shelby --db utility.sqlite --date 2025-11-24 --processor fake --fake-script 100001=return --json";

/// A payment processor the CLI can hand payments to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProcessorArg {
    /// The scripted fake processor (tests and demonstrations).
    Fake,
}

/// `ratepayer autopay run ...`
#[derive(Debug, Args)]
pub struct AutopayRunArgs {
    /// The utility's profile (a file or a built-in id).
    #[arg(long, value_name = "PROFILE")]
    pub profile: String,
    /// The SQLite database, or a postgres:// URL (then give --mail-log).
    #[arg(long, value_name = "FILE")]
    pub db: PathBuf,
    /// The day the cycle runs for (YYYY-MM-DD).
    #[arg(long, value_parser = parse_date, value_name = "DATE")]
    pub date: NaiveDate,
    /// Hand the pending payments to this processor after the cycle.
    #[arg(long, value_enum)]
    pub processor: Option<ProcessorArg>,
    /// The fake processor's next outcomes for an account: ACCOUNT=OUTCOME[,OUTCOME...] with settle, return (R01), decline (soft) or decline-hard; repeatable.
    #[arg(long, value_name = "ACCOUNT=OUTCOMES")]
    pub fake_script: Vec<String>,
    /// Where delivered notices are appended (JSON lines); default FILE-mail.jsonl next to --db.
    #[arg(long, value_name = "FILE")]
    pub mail_log: Option<PathBuf>,
    /// This runner's name in a cycle shared by runners (PostgreSQL; shown by `autopay progress`); default host:pid.
    #[arg(long, value_name = "NAME")]
    pub runner: Option<String>,
}

/// What `autopay progress --help` explains.
pub const AUTOPAY_PROGRESS_HELP: &str = "Show how far the AutoPay cycle of a day is when several runners share it, on PostgreSQL: the latest pass of the cycle (a run joins the latest pass while it has batches left, and starts a new one once it is finished), its batches (ranges of accounts, made once by the first runner), how many are done and how many enrolments they held, the drafts made, and each runner's share (batches, enrolments, drafts, when it last finished one). Read in a read-only transaction: it holds up no runner. A batch is marked done in the transaction that drafts it, so what is shown is what is committed; `autopay run` again on the same day does only the batches left.

A SQLite database is refused: there one runner walks the cycle, and its report is the progress.

--json prints {date, started, pass, finished, planned_at, batch_size, batches, batches_done, accounts, accounts_done, drafted, already_drafted, failed, runners: [{runner, batches, accounts, drafted, last_done_at}]}.

Example:
  ratepayer autopay progress --profile shelby --db 'postgres://portal@db:5432/utility?options=-csearch_path%3Dshelby' --date 2025-11-24";

/// `ratepayer autopay progress ...`
#[derive(Debug, Args)]
pub struct AutopayProgressArgs {
    /// The utility's profile (a file or a built-in id).
    #[arg(long, value_name = "PROFILE")]
    pub profile: String,
    /// The postgres:// URL of the database the runners share.
    #[arg(long, value_name = "URL")]
    pub db: PathBuf,
    /// The day of the cycle (YYYY-MM-DD).
    #[arg(long, value_parser = parse_date, value_name = "DATE")]
    pub date: NaiveDate,
}

/// `ratepayer demo ...`
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// The SQLite file to create (deleted first); default `ratepayer-demo.sqlite`
    /// in the system's temporary directory. A `postgres://` URL runs the demo on
    /// PostgreSQL instead, in the schema `ratepayer_demo` (dropped first).
    #[arg(long, value_name = "FILE|URL")]
    pub db: Option<std::path::PathBuf>,
}
