//! What the back-office commands share: opening one utility's portal on a
//! database (`--db`: a SQLite file, or a `postgres://` URL), a refused
//! input row (line, field, value, reason) and how a list of them is
//! reported, reading a CSV whole with its header, and whether to draw a
//! progress bar.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use ratepayer::credential::HashParams;
use ratepayer::profile::UtilityProfile;
use ratepayer::security::{OsRandom, RandomSource};
use ratepayer_portal::store::Store;
use ratepayer_portal::{Notifier, Portal, PortalSecrets};
use ratepayer_sqlite::SqliteStore;
use serde_json::{json, Value};

use crate::error::{CliError, Problems};

/// One utility's portal on a SQLite file, or on a PostgreSQL database when
/// `db` is a `postgres://` URL (its tables in the connection's current
/// schema: `search_path` may be set in the URL's `options`; `must_exist`
/// is for a file: a server's tables are made on open, and rows of accounts
/// not imported yet are refused one by one as on SQLite). The secrets
/// are drawn fresh for each run: the back-office commands check no code or
/// device token, which is all the digest key serves.
pub fn open_portal(
    profile: UtilityProfile,
    db: &Path,
    must_exist: bool,
    notifier: Arc<dyn Notifier>,
) -> Result<Portal, CliError> {
    let store: Arc<dyn Store> =
        if let Some(url) = postgres_url(db) {
            Arc::new(ratepayer_postgres::PostgresStore::open(url).map_err(|e| {
                CliError::Domain(format!("cannot open the PostgreSQL database: {e}"))
            })?)
        } else {
            open_sqlite(db, must_exist)?
        };
    let mut key = vec![0u8; 32];
    OsRandom.fill(&mut key).map_err(CliError::domain)?;
    Portal::new(
        profile,
        store,
        PortalSecrets {
            digest_key: key,
            hash_params: HashParams::default(),
            pepper: None,
        },
        Box::new(OsRandom),
        notifier,
    )
    .map_err(CliError::domain)
}

/// The SQLite store at `db`; with `must_exist`, a missing file is refused
/// (the commands that read accounts need them imported first).
fn open_sqlite(db: &Path, must_exist: bool) -> Result<Arc<dyn Store>, CliError> {
    if must_exist && !db.exists() {
        return Err(CliError::Domain(format!(
            "no database `{}`; import the accounts first with `ratepayer accounts import --db {}`",
            db.display(),
            db.display()
        )));
    }
    Ok(Arc::new(SqliteStore::open(db).map_err(|e| {
        CliError::Domain(format!("cannot open `{}`: {e}", db.display()))
    })?))
}

/// The PostgreSQL URL `db` is, when it is one (`postgres://…` or
/// `postgresql://…`); `None` for a SQLite file's path.
pub fn postgres_url(db: &Path) -> Option<&str> {
    db.to_str()
        .filter(|s| s.starts_with("postgres://") || s.starts_with("postgresql://"))
}

/// The time now (the system clock), when the commands' changes are dated.
pub fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::<chrono::Utc>::from(std::time::SystemTime::now())
}

/// Whether to draw a progress bar: never with `--json`, else when stderr is
/// a terminal.
pub fn show_progress(json: bool) -> bool {
    !json && std::io::IsTerminal::is_terminal(&std::io::stderr())
}

/// An input row refused, naming the field and the value that were wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The line of the file (the header is line 1).
    pub line: u64,
    /// The column.
    pub field: String,
    /// The value found (cut to 40 characters).
    pub value: String,
    /// What is wrong and how to fix it.
    pub reason: String,
}

impl Refusal {
    /// A refusal of `value` in `field` on `line`.
    pub fn new(line: u64, field: &str, value: &str, reason: impl Into<String>) -> Refusal {
        Refusal {
            line,
            field: field.to_owned(),
            value: crate::usage_csv::excerpt(value),
            reason: reason.into(),
        }
    }

    /// `{"line", "field", "value", "reason"}`.
    pub fn json(&self) -> Value {
        json!({ "line": self.line, "field": self.field, "value": self.value, "reason": self.reason })
    }
}

/// How many rows the refusals name (a row may be refused for several fields).
pub fn refused_rows(refusals: &[Refusal]) -> usize {
    let mut lines: Vec<u64> = refusals.iter().map(|r| r.line).collect();
    lines.sort_unstable();
    lines.dedup();
    lines.len()
}

/// The error listing every refusal of `path` (exit code 1).
pub fn refused(path: &Path, refusals: &[Refusal]) -> CliError {
    let mut problems = Problems::default();
    for r in refusals {
        problems.add(r.line, format!("`{}` `{}`: {}", r.field, r.value, r.reason));
    }
    match problems.into_result(path) {
        Err(e) => e,
        Ok(()) => CliError::Domain(format!("`{}` was refused", path.display())),
    }
}

/// A CSV read whole: its header's columns and its rows with their lines.
#[derive(Debug, Default)]
pub struct Table {
    columns: HashMap<String, usize>,
    /// `(line, fields)` of every row.
    pub rows: Vec<(u64, Vec<String>)>,
}

impl Table {
    /// Reads `path`; `known` lists the columns understood, `required` those
    /// that must be in the header. An unknown or missing column is refused.
    pub fn read(path: &Path, known: &[&str], required: &[&str]) -> Result<Table, CliError> {
        let file = std::fs::File::open(path).map_err(|e| CliError::io(path, "read", &e))?;
        let mut reader = csv::ReaderBuilder::new()
            .flexible(false)
            .trim(csv::Trim::All)
            .from_reader(std::io::BufReader::new(file));
        let bad = |line: u64, m: String| CliError::Csv {
            path: path.display().to_string(),
            problems: vec![(line, m)],
            total: 1,
        };
        let header = reader
            .headers()
            .map_err(|e| bad(1, format!("cannot read the header: {e}")))?
            .clone();
        let mut table = Table::default();
        for (i, name) in header.iter().enumerate() {
            if !known.contains(&name) {
                return Err(bad(
                    1,
                    format!(
                        "unknown column `{}`; the columns are {}",
                        crate::usage_csv::excerpt(name),
                        known.join(", ")
                    ),
                ));
            }
            if table.columns.insert(name.to_owned(), i).is_some() {
                return Err(bad(1, format!("column `{name}` is named twice")));
            }
        }
        for name in required {
            if !table.columns.contains_key(*name) {
                return Err(bad(
                    1,
                    format!("the header has no `{name}` column; it is required"),
                ));
            }
        }
        for record in reader.records() {
            let record = record.map_err(|e| {
                let line = e.position().map_or(0, |p| p.line());
                bad(line, format!("cannot read the row: {e}"))
            })?;
            let line = record.position().map_or(0, |p| p.line());
            table
                .rows
                .push((line, record.iter().map(str::to_owned).collect()));
        }
        Ok(table)
    }

    /// Whether the header names `column`.
    pub fn has(&self, column: &str) -> bool {
        self.columns.contains_key(column)
    }

    /// The value of `column` in `row` (empty when the column is absent).
    pub fn get<'a>(&self, row: &'a [String], column: &str) -> &'a str {
        self.columns
            .get(column)
            .and_then(|&i| row.get(i))
            .map_or("", String::as_str)
    }
}
