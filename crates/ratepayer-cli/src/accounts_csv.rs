//! The accounts CSV of `ratepayer accounts import`: the utility's account
//! records, checked whole against the profile (account number format, one
//! row per account, the fields its registration proofs need, checked on
//! the record as it will be stored) before anything is written.

use std::collections::HashMap;
use std::path::Path;

use ratepayer::payment::{AccountNumber, AccountStatus};
use ratepayer::profile::UtilityProfile;
use ratepayer::registration::{AccountRecord, Proof};
use ratepayer::verification::Contact;
use ratepayer_portal::store::AccountRow;
use ratepayer_portal::AccountImport;

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

/// The columns the file has (a column left out of the header keeps what
/// the database holds for an account already imported).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Present(Vec<&'static str>);

impl Present {
    /// Whether the file has `column`.
    pub fn has(&self, column: &str) -> bool {
        self.0.contains(&column)
    }

    /// `import` with every field whose column the file left out taken from
    /// `stored`, the account as the database holds it.
    pub fn keep_absent(&self, import: &mut AccountImport, stored: &AccountRow) {
        let (new, old) = (&mut import.record, &stored.record);
        let keep = |column: &str, field: &mut Option<String>, was: &Option<String>| {
            if !self.has(column) {
                field.clone_from(was);
            }
        };
        keep("customer", &mut new.customer_number, &old.customer_number);
        keep("name", &mut new.name, &old.name);
        keep("zip", &mut new.zip, &old.zip);
        keep("email", &mut new.email, &old.email);
        keep("tax_id", &mut new.tax_id, &old.tax_id);
        keep(
            "address",
            &mut import.service_address,
            &stored.service_address,
        );
        if !self.has("commercial") {
            new.commercial = old.commercial;
        }
        if !self.has("status") {
            import.status = stored.status;
        }
    }
}

/// The columns the profile's registration proofs check, with what each
/// holds (`tax_id` for a commercial customer only).
fn proof_columns(profile: &UtilityProfile, commercial: bool) -> Vec<(&'static str, &'static str)> {
    let proofs = profile
        .spec()
        .registration
        .as_ref()
        .map(|x| x.proofs.as_slice())
        .unwrap_or_default();
    proofs
        .iter()
        .filter_map(|proof| match proof {
            Proof::CustomerNumber => Some(("customer", "the customer number")),
            Proof::Zip => Some(("zip", "the ZIP code")),
            Proof::LastNameOrBusiness => Some(("name", "the last or business name")),
            Proof::AccountEmail => Some(("email", "the email on the account")),
            Proof::TaxIdIfCommercial if commercial => {
                Some(("tax_id", "a commercial customer's tax ID"))
            }
            _ => None,
        })
        .collect()
}

fn proof_refusal(profile: &UtilityProfile, line: u64, column: &str, what: &str) -> Refusal {
    Refusal::new(
        line,
        column,
        "",
        format!(
            "is empty, and profile `{}` asks for {what} at registration; give the value on file",
            profile.id()
        ),
    )
}

/// The refusals of a record (as it will be stored: a new account, or one
/// whose columns left out of the file were taken from the database) that
/// lacks a field the profile's registration proofs check: nobody could
/// register it.
pub fn missing_proofs(profile: &UtilityProfile, line: u64, import: &AccountImport) -> Vec<Refusal> {
    let r = &import.record;
    proof_columns(profile, r.commercial)
        .into_iter()
        .filter(|(column, _)| {
            match *column {
                "customer" => &r.customer_number,
                "zip" => &r.zip,
                "name" => &r.name,
                "email" => &r.email,
                _ => &r.tax_id,
            }
            .is_none()
        })
        .map(|(column, what)| proof_refusal(profile, line, column, what))
        .collect()
}

/// Reads and checks every row: the valid rows, the columns the file has,
/// and every refusal.
pub fn read(
    path: &Path,
    profile: &UtilityProfile,
) -> Result<(Vec<AccountLine>, Present, Vec<Refusal>), CliError> {
    let table = Table::read(path, &COLUMNS, &["account"])?;
    let present = Present(COLUMNS.iter().copied().filter(|c| table.has(c)).collect());
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
        for (column, what) in proof_columns(profile, commercial) {
            if table.has(column) && field(column).is_empty() {
                refusals.push(proof_refusal(profile, *line, column, what));
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
    Ok((lines, present, refusals))
}
