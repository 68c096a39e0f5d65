//! One file per subcommand; each takes its parsed arguments and `--json`,
//! prints its result on stdout and returns a [`crate::error::CliError`] for
//! stderr (exit code 1).

pub mod accounts_import;
pub mod autopay_next;
pub mod autopay_progress;
pub mod autopay_run;
pub mod bill;
pub mod bill_generation;
pub mod bill_intervals;
pub mod bill_run;
pub mod bills_post;
pub mod calendar;
pub mod demo;
pub mod fee_quote;
pub mod gen_customers;
pub mod password_check;
pub mod profile_validate;
