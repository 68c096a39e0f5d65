//! # ratepayer-cli
//!
//! The back-office command line of ratepayer, as a library so that tests can
//! reach its parsers: the grammar ([`cli`]), one handler per subcommand
//! ([`commands`]), the CSV readers ([`usage_csv`], [`customers_csv`],
//! [`accounts_csv`], [`bills_csv`]), what the back-office commands over the
//! SQLite store share ([`back_office`], [`mail_log`]), the progress bar and
//! the error type. The `ratepayer` binary calls [`run`].
//!
//! Exit codes: 0 success; 1 a domain error (message on stderr); 2 a usage
//! error (clap's own).

pub mod accounts_csv;
pub mod back_office;
pub mod bills_csv;
pub mod cli;
pub mod commands;
pub mod customers_csv;
pub mod error;
pub mod input;
pub mod mail_log;
pub mod output;
pub mod progress;
pub mod usage_csv;

use std::process::ExitCode;

use clap::Parser;

use cli::{
    AccountsCommand, AutopayCommand, BillsCommand, CalendarCommand, Cli, Command, FeeCommand,
    PasswordCommand, ProfileCommand,
};
use error::CliError;

/// Runs one parsed command line.
pub fn execute(cli: &Cli) -> Result<(), CliError> {
    let json = cli.json;
    match &cli.command {
        Command::Profile(ProfileCommand::Validate { profile }) => {
            commands::profile_validate::run(profile, json)
        }
        Command::Bill(args) => commands::bill::run(args, json),
        Command::BillRun(args) => commands::bill_run::run(args, json),
        Command::Fee(FeeCommand::Quote(args)) => commands::fee_quote::run(args, json),
        Command::Autopay(AutopayCommand::Next(args)) => commands::autopay_next::run(args, json),
        Command::Autopay(AutopayCommand::Run(args)) => commands::autopay_run::run(args, json),
        Command::Autopay(AutopayCommand::Progress(args)) => {
            commands::autopay_progress::run(args, json)
        }
        Command::Accounts(AccountsCommand::Import(args)) => {
            commands::accounts_import::run(args, json)
        }
        Command::Bills(BillsCommand::Post(args)) => commands::bills_post::run(args, json),
        Command::Calendar(CalendarCommand::IsBankingDay { date, calendar }) => {
            commands::calendar::is_banking_day(*date, calendar, json)
        }
        Command::Calendar(CalendarCommand::AddBusinessDays { date, n, calendar }) => {
            commands::calendar::add_business_days(*date, *n, calendar, json)
        }
        Command::Password(PasswordCommand::Check(args)) => {
            commands::password_check::run(args, json, std::io::stdin().lock())
        }
        Command::Demo(args) => commands::demo::run(args),
        Command::GenCustomers(args) => commands::gen_customers::run(args),
    }
}

/// Parses the process's arguments, runs the command and gives the exit code:
/// 0 on success, 1 on a domain error (printed on stderr), 2 on a usage error.
pub fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
    };
    match execute(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            output::eprintln_err(&format!("error: {e}"));
            ExitCode::from(e.exit_code())
        }
    }
}
