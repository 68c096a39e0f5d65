//! The bills CSV of `ratepayer bills post`: a bill run's output
//! (`ratepayer bill-run --out`), one bill per row, checked whole before
//! anything is posted: the period, the money (before tax + taxes = total,
//! in the profile's currency), a row the bill run could not bill, and one
//! row per (account, period).

use std::collections::HashMap;
use std::path::Path;

use ratepayer::payment::AccountNumber;
use ratepayer::profile::UtilityProfile;
use ratepayer::{BillingPeriod, Currency, Money};
use ratepayer_portal::store::StatementLine;

use crate::back_office::{Refusal, Table};
use crate::error::CliError;

/// The columns understood (those of `bill-run`'s output).
pub const COLUMNS: [&str; 13] = crate::commands::bill_run::OUT_COLUMNS;

/// One valid row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BillLine {
    /// Its line in the file.
    pub line: u64,
    /// The account number as written.
    pub typed: String,
    /// The canonical account number.
    pub account: String,
    /// The period billed.
    pub period: BillingPeriod,
    /// The statement's lines.
    pub lines: Vec<StatementLine>,
    /// The total.
    pub total: Money,
}

impl BillLine {
    /// The bill's id: its period, `FROM..TO` (one bill per account and period).
    pub fn bill_id(&self) -> String {
        format!("{}..{}", self.period.from(), self.period.to())
    }
}

/// Reads and checks every row: the valid rows, and every refusal.
pub fn read(
    path: &Path,
    profile: &UtilityProfile,
) -> Result<(Vec<BillLine>, Vec<Refusal>), CliError> {
    let table = Table::read(path, &COLUMNS, &["account", "from", "to", "total"])?;
    let currency = profile.spec().currency;
    let mut seen: HashMap<(String, BillingPeriod), u64> = HashMap::new();
    let mut bills = Vec::new();
    let mut refusals = Vec::new();
    for (line, row) in &table.rows {
        let line = *line;
        let before = refusals.len();
        let field = |name: &str| table.get(row, name);
        let mut refuse = |name: &str, reason: String| {
            refusals.push(Refusal::new(line, name, field(name), reason));
        };
        let status = field("status");
        if !status.is_empty() && status != "ok" {
            refuse(
                "status",
                format!(
                    "the bill run could not bill this row ({}); fix the customer and bill it again, or leave the row out",
                    crate::usage_csv::excerpt(field("message"))
                ),
            );
        }
        let account =
            match AccountNumber::parse(field("account"), &profile.spec().payments.account_number) {
                Ok(n) => Some(n.as_str().to_owned()),
                Err(e) => {
                    refuse("account", e.to_string());
                    None
                }
            };
        let date = |name: &str| crate::cli::parse_date(field(name));
        let from = date("from").map_err(|e| refuse("from", e)).ok();
        let to = date("to").map_err(|e| refuse("to", e)).ok();
        let period = match (from, to) {
            (Some(f), Some(t)) => BillingPeriod::new(f, t)
                .map_err(|e| refuse("to", e.to_string()))
                .ok(),
            _ => None,
        };
        let code = field("currency");
        if !code.is_empty() && Currency::from_code(code).ok() != Some(currency) {
            refuse(
                "currency",
                format!("profile `{}` bills in {currency}", profile.id()),
            );
        }
        let mut money = |name: &str, required: bool| -> Option<Money> {
            let text = field(name);
            if text.is_empty() && !required {
                return None;
            }
            Money::parse(text, currency)
                .map_err(|e| refuse(name, e.to_string()))
                .ok()
        };
        let total = money("total", true);
        let before_tax = money("before_tax", false);
        let taxes = money("taxes", false);
        if let (Some(t), Some(b), Some(x)) = (total, before_tax, taxes) {
            if b.checked_add(&x).ok() != Some(t) {
                refuse(
                    "total",
                    format!(
                        "is not before_tax {} plus taxes {}; use the bill run's output as written",
                        b.to_decimal_string(),
                        x.to_decimal_string()
                    ),
                );
            }
        }
        if total.is_some_and(|t| t.is_negative()) {
            refuse("total", "is below zero; post a credit another way".into());
        }
        if let (Some(a), Some(p)) = (&account, period) {
            if let Some(first) = seen.insert((a.clone(), p), line) {
                refuse(
                    "account",
                    format!(
                        "the bill of {a} for {} to {} is also on line {first}",
                        p.from(),
                        p.to()
                    ),
                );
            }
        }
        let (Some(account), Some(period), Some(total), true) =
            (account, period, total, refusals.len() == before)
        else {
            continue;
        };
        let usage = match (field("usage"), field("unit")) {
            ("", _) => String::new(),
            (u, unit) => format!(", {u} {unit}"),
        };
        let tariff = match field("tariff") {
            "" => "Charges".to_owned(),
            t => format!("Charges, tariff {t}"),
        };
        let lines = match (before_tax, taxes) {
            (Some(b), Some(x)) if !x.amount().is_zero() => vec![
                StatementLine {
                    description: format!("{tariff}{usage}"),
                    amount: b,
                },
                StatementLine {
                    description: "Taxes".into(),
                    amount: x,
                },
            ],
            _ => vec![StatementLine {
                description: format!("{tariff}{usage}"),
                amount: total,
            }],
        };
        bills.push(BillLine {
            line,
            typed: field("account").to_owned(),
            account,
            period,
            lines,
            total,
        });
    }
    Ok((bills, refusals))
}
