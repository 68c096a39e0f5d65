//! The accounts CSV of `ratepayer accounts import`: the utility's account
//! records, checked whole against the profile (account number format, the
//! fields its registration proofs need, one row per account) before
//! anything is written.

use std::collections::HashMap;
use std::path::Path;

use ratepayer::payment::{AccountNumber, AccountStatus};
use ratepayer::portal::AccountImport;
use ratepayer::profile::UtilityProfile;
use ratepayer::registration::{AccountRecord, Proof};
use ratepayer::verification::Contact;

use crate::back_office::{Refusal, Table};
use crate::error::CliError;

/// The columns understood.
pub const COLUMNS: [&str; 9] = [
    "account",
    "customer",
    "name",
    "zip",
    "email",
    "status",
    "address",
    "commercial",
    "tax_id",
];

/// One valid row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountLine {
    /// Its line in the file.
    pub line: u64,
    /// The record to import (canonical account number).
    pub import: AccountImport,
}

/// Reads and checks every row: the valid rows, and every refusal.
pub fn read(
    path: &Path,
    profile: &UtilityProfile,
) -> Result<(Vec<AccountLine>, Vec<Refusal>), CliError> {
    let table = Table::read(path, &COLUMNS, &["account"])?;
    let proofs: Vec<Proof> = profile
        .spec()
        .registration
        .as_ref()
        .map(|r| r.proofs.clone())
        .unwrap_or_default();
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut lines = Vec::new();
    let mut refusals = Vec::new();
    for (line, row) in &table.rows {
        let before = refusals.len();
        let field = |name: &str| table.get(row, name);
        let opt = |name: &str| Some(field(name).to_owned()).filter(|v| !v.is_empty());
        let number = field("account");
        let account = match AccountNumber::parse(number, &profile.spec().payments.account_number) {
            Ok(n) => Some(n),
            Err(e) => {
                refusals.push(Refusal::new(*line, "account", number, e.to_string()));
                None
            }
        };
        if let Some(n) = &account {
            if let Some(first) = seen.insert(n.as_str().to_owned(), *line) {
                refusals.push(Refusal::new(
                    *line,
                    "account",
                    number,
                    format!(
                        "account {} is also on line {first}; give each account one row",
                        n.as_str()
                    ),
                ));
            }
        }
        let status = match field("status") {
            "" | "active" => AccountStatus::Active,
            "closed" => AccountStatus::Closed,
            other => {
                refusals.push(Refusal::new(
                    *line,
                    "status",
                    other,
                    "is not a status; use active or closed",
                ));
                AccountStatus::Active
            }
        };
        let commercial = match field("commercial") {
            "" | "false" | "no" => false,
            "true" | "yes" => true,
            other => {
                refusals.push(Refusal::new(
                    *line,
                    "commercial",
                    other,
                    "use true or false",
                ));
                false
            }
        };
        if let Some(email) = opt("email") {
            if let Err(e) = Contact::email(&email) {
                refusals.push(Refusal::new(*line, "email", &email, e.to_string()));
            }
        }
        for proof in &proofs {
            let needed = match proof {
                Proof::CustomerNumber => Some(("customer", "the customer number")),
                Proof::Zip => Some(("zip", "the ZIP code")),
                Proof::LastNameOrBusiness => Some(("name", "the last or business name")),
                Proof::AccountEmail => Some(("email", "the email on the account")),
                Proof::TaxIdIfCommercial if commercial => {
                    Some(("tax_id", "a commercial customer's tax ID"))
                }
                _ => None,
            };
            if let Some((column, what)) = needed.filter(|(c, _)| field(c).is_empty()) {
                refusals.push(Refusal::new(
                    *line,
                    column,
                    "",
                    format!(
                        "is empty, and profile `{}` asks for {what} at registration; give the value on file",
                        profile.id()
                    ),
                ));
            }
        }
        if let (Some(account_number), true) = (account, refusals.len() == before) {
            lines.push(AccountLine {
                line: *line,
                import: AccountImport {
                    record: AccountRecord {
                        account_number,
                        customer_number: opt("customer"),
                        zip: opt("zip"),
                        name: opt("name"),
                        email: opt("email"),
                        commercial,
                        tax_id: opt("tax_id"),
                        login: None,
                    },
                    status,
                    service_address: opt("address"),
                },
            });
        }
    }
    Ok((lines, refusals))
}
