//! The customers CSV of `ratepayer bill-run`, read as a stream: the header
//! names the columns (any order; see `ratepayer help bill-run`), and each row
//! is parsed into a [`Customer`] borrowing from the reader's record, so a
//! million rows cost no allocation per row. Any bytes are accepted as input:
//! a bad row is an error message for its line, never a panic.

use std::io::Read;

use chrono::NaiveDate;
use csv::ByteRecord;
use ratepayer::money::parse_decimal;
use ratepayer::Unit;
use rust_decimal::Decimal;

use crate::usage_csv::parse_iso_date;

/// Every column the customers CSV may have, in the documented order.
pub const COLUMNS: [&str; 10] = [
    "account",
    "tariff",
    "from",
    "to",
    "usage",
    "unit",
    "meter_size",
    "class",
    "residents",
    "estimated",
];

/// Columns the header must name.
pub const REQUIRED: [&str; 5] = ["account", "tariff", "from", "to", "usage"];

/// One customer to bill, borrowed from the current CSV record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Customer<'a> {
    /// 1-based line of the file.
    pub line: u64,
    /// The account number.
    pub account: &'a str,
    /// The tariff id.
    pub tariff: &'a str,
    /// First day of service.
    pub from: NaiveDate,
    /// Last day of service.
    pub to: NaiveDate,
    /// Metered usage; `None` for unmetered service.
    pub usage: Option<Decimal>,
    /// Unit of the usage; `None` for the tariff's unit.
    pub unit: Option<Unit>,
    /// Meter size.
    pub meter_size: Option<&'a str>,
    /// Customer class.
    pub class: Option<&'a str>,
    /// Residents.
    pub residents: Option<u32>,
    /// True when the usage rests on an estimated read.
    pub estimated: bool,
}

/// A streaming reader of the customers CSV.
pub struct CustomerReader<R: Read> {
    reader: csv::Reader<R>,
    index: [Option<usize>; COLUMNS.len()],
    record: ByteRecord,
}

/// A row that could not be read: its line and what to fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// 1-based line of the file.
    pub line: u64,
    /// What is wrong and how to fix it.
    pub message: String,
    /// The account column, when it could be read (for `--keep-going` output).
    pub account: String,
}

fn text(raw: &[u8]) -> Option<&str> {
    std::str::from_utf8(raw).ok().map(str::trim)
}

impl<R: Read> CustomerReader<R> {
    /// Reads the header of `input`; an error says what the header must be.
    pub fn new(input: R) -> Result<CustomerReader<R>, RowError> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .buffer_capacity(1 << 16)
            .from_reader(input);
        let mut header = ByteRecord::new();
        let bad = |message: String| RowError {
            line: 1,
            message,
            account: String::new(),
        };
        match reader.read_byte_record(&mut header) {
            Ok(true) => {}
            Ok(false) => {
                return Err(bad(format!(
                    "the file is empty; write a header row such as `{}` and a row per customer",
                    REQUIRED.join(",")
                )))
            }
            Err(e) => return Err(bad(format!("the CSV cannot be read: {e}"))),
        }
        let mut index = [None; COLUMNS.len()];
        for (i, raw) in header.iter().enumerate() {
            let name = text(raw)
                .unwrap_or("")
                .trim_start_matches('\u{feff}')
                .to_ascii_lowercase();
            let Some(k) = COLUMNS.iter().position(|c| *c == name) else {
                return Err(bad(format!(
                    "the header names an unknown column `{}`; the columns are {} (see `ratepayer help bill-run`)",
                    name.chars().take(40).collect::<String>(),
                    COLUMNS.join(", ")
                )));
            };
            match index.get_mut(k) {
                Some(slot @ None) => *slot = Some(i),
                _ => {
                    return Err(bad(format!(
                        "the header names the column `{name}` twice; keep one"
                    )))
                }
            }
        }
        let missing: Vec<&str> = REQUIRED
            .iter()
            .filter(|c| {
                COLUMNS
                    .iter()
                    .position(|x| x == *c)
                    .and_then(|k| index.get(k).copied().flatten())
                    .is_none()
            })
            .copied()
            .collect();
        if !missing.is_empty() {
            return Err(bad(format!(
                "the header lacks the column(s) {}; the header must name at least {}",
                missing.join(", "),
                REQUIRED.join(",")
            )));
        }
        Ok(CustomerReader {
            reader,
            index,
            record: ByteRecord::new(),
        })
    }

    /// Bytes read so far (for a progress bar).
    pub fn bytes_read(&self) -> u64 {
        self.reader.position().byte()
    }

    /// The next customer, `None` at the end of the file.
    pub fn next_customer(&mut self) -> Option<Result<Customer<'_>, RowError>> {
        match self.reader.read_byte_record(&mut self.record) {
            Ok(false) => None,
            Ok(true) => Some(parse(&self.record, &self.index)),
            Err(e) => Some(Err(RowError {
                line: e.position().map_or(0, csv::Position::line),
                message: format!("the CSV cannot be read: {e}"),
                account: String::new(),
            })),
        }
    }
}

fn parse<'a>(
    rec: &'a ByteRecord,
    index: &[Option<usize>; COLUMNS.len()],
) -> Result<Customer<'a>, RowError> {
    let line = rec.position().map_or(0, csv::Position::line);
    let col = |k: usize| -> Result<&'a str, String> {
        match index.get(k).copied().flatten() {
            None => Ok(""),
            Some(i) => match rec.get(i) {
                None => Ok(""),
                Some(raw) => text(raw).ok_or_else(|| {
                    format!(
                        "`{}` is not UTF-8 text; save the file as UTF-8",
                        COLUMNS.get(k).copied().unwrap_or("?")
                    )
                }),
            },
        }
    };
    let account = col(0).unwrap_or("");
    let fail = |message: String| RowError {
        line,
        message,
        account: account.to_string(),
    };
    let header_len = index.iter().flatten().count();
    if rec.len() != header_len {
        return Err(fail(format!(
            "has {} field(s), the header {header_len}; give every column of the header on each row (empty where unknown)",
            rec.len()
        )));
    }
    let row = (|| -> Result<Customer<'a>, String> {
        let account = col(0)?;
        if account.is_empty() {
            return Err("`account` is empty; give the account number".into());
        }
        let tariff = col(1)?;
        if tariff.is_empty() {
            return Err("`tariff` is empty; give the id of one of the profile's tariffs".into());
        }
        let from = parse_iso_date(col(2)?).map_err(|e| format!("`from`: {e}"))?;
        let to = parse_iso_date(col(3)?).map_err(|e| format!("`to`: {e}"))?;
        let usage = match col(4)? {
            "" => None,
            u => Some(parse_decimal(u).map_err(|e| format!("`usage`: {e}"))?),
        };
        let unit = match col(5)? {
            "" => None,
            u => Some(u.parse::<Unit>().map_err(|e| format!("`unit`: {e}"))?),
        };
        let opt = |s: &'a str| (!s.is_empty()).then_some(s);
        let meter_size = opt(col(6)?);
        let class = opt(col(7)?);
        let residents = match col(8)? {
            "" => None,
            r => Some(r.parse::<u32>().map_err(|_| {
                format!(
                    "`residents`: `{}` is not a number of people; write a whole number such as 3",
                    r.chars().take(40).collect::<String>()
                )
            })?),
        };
        let estimated = match col(9)? {
            "" | "false" | "no" | "0" => false,
            "true" | "yes" | "1" => true,
            e => {
                return Err(format!(
                    "`estimated`: `{}` is not true or false",
                    e.chars().take(40).collect::<String>()
                ))
            }
        };
        Ok(Customer {
            line,
            account,
            tariff,
            from,
            to,
            usage,
            unit,
            meter_size,
            class,
            residents,
            estimated,
        })
    })();
    row.map_err(fail)
}
