//! The usage CSV of `ratepayer bill`: its header says what it holds, register
//! reads (`date,reading[,kind]`, where `kind` may also mark the two reads of
//! a meter exchange) or interval usage (`timestamp,kwh`), and the reader
//! returns one or the other. Any bytes are accepted as input: a bad
//! file gives a [`CliError::Csv`] listing every problem with its line, never
//! a panic.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime};
use csv::ByteRecord;
use ratepayer::meter::{Read, ReadKind};
use ratepayer::money::parse_decimal;
use rust_decimal::Decimal;

use crate::error::{CliError, Problems};

/// The largest usage file read (64 MiB, about 1.5 million lines).
pub const MAX_USAGE_BYTES: u64 = 64 << 20;

/// One interval of metered energy: usage in the interval that starts at `start`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interval {
    /// When the interval starts, as written (local time when no offset is given).
    pub start: NaiveDateTime,
    /// The UTC offset written with the timestamp, if any.
    pub offset: Option<FixedOffset>,
    /// Energy used in the interval, in kWh.
    pub kwh: Decimal,
}

/// A meter exchange written as two rows of a reads CSV: the old meter's
/// final read (`exchange_out`, or `exchange_out_estimated`) and the new
/// meter's initial read (`exchange_in`), both dated the exchange day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExchangeRows {
    /// The day of the exchange.
    pub date: NaiveDate,
    /// The old meter's last register value.
    pub old_final: Decimal,
    /// Actual, or estimated (`exchange_out_estimated`).
    pub old_final_kind: ReadKind,
    /// The new meter's register value when put in.
    pub new_initial: Decimal,
}

/// The register reads of a reads CSV.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisterReads {
    /// The plain reads, in file order (the old meter's before an exchange,
    /// the new meter's after it).
    pub reads: Vec<Read>,
    /// The meter exchange, when the file has one.
    pub exchange: Option<ExchangeRows>,
}

/// What a usage CSV holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UsageFile {
    /// Register reads, in file order.
    Reads(RegisterReads),
    /// Interval usage, in file order.
    Intervals(Vec<Interval>),
    /// Two-channel interval data of a customer who generates
    /// (`timestamp,delivered_kwh,received_kwh`), in file order: each
    /// interval's `kwh` is the energy delivered to the customer, and
    /// `received` (same order) the energy received from them.
    Channels {
        /// The intervals, `kwh` being the delivered energy.
        intervals: Vec<Interval>,
        /// The received energy of each interval.
        received: Vec<Decimal>,
    },
}

#[derive(Clone, Copy)]
enum Shape {
    Reads { with_kind: bool },
    Intervals,
    Channels,
}

fn field(rec: &ByteRecord, i: usize) -> Result<&str, String> {
    let raw = rec.get(i).unwrap_or_default();
    std::str::from_utf8(raw)
        .map(str::trim)
        .map_err(|_| format!("column {} is not UTF-8 text; save the file as UTF-8", i + 1))
}

fn shape(header: &ByteRecord) -> Result<Shape, String> {
    let names: Vec<String> = (0..header.len())
        .map(|i| {
            field(header, i)
                .map(|s| s.trim_start_matches('\u{feff}').to_ascii_lowercase())
                .unwrap_or_default()
        })
        .collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    match names.as_slice() {
        ["date", "reading"] => Ok(Shape::Reads { with_kind: false }),
        ["date", "reading", "kind"] => Ok(Shape::Reads { with_kind: true }),
        ["timestamp", "kwh"] => Ok(Shape::Intervals),
        ["timestamp", "delivered_kwh", "received_kwh"] => Ok(Shape::Channels),
        _ => Err(format!(
            "the header is `{}`; the first row must be `date,reading` (register reads, optionally `,kind`), `timestamp,kwh` (interval usage) or `timestamp,delivered_kwh,received_kwh` (interval data of a customer who generates)",
            excerpt(&names.join(","))
        )),
    }
}

/// At most 60 characters of `s`, with `…` when cut (to quote user input in messages).
pub fn excerpt(s: &str) -> String {
    let mut out: String = s.chars().take(60).collect();
    if s.chars().count() > 60 {
        out.push('…');
    }
    out
}

/// Parses `YYYY-MM-DD` quickly and strictly.
pub fn parse_iso_date(s: &str) -> Result<NaiveDate, String> {
    let bad = || {
        format!(
            "`{}` is not a date; write it as YYYY-MM-DD, such as 2025-10-31",
            excerpt(s)
        )
    };
    let b = s.as_bytes();
    if b.len() != 10 || b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return Err(bad());
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = b.get(r)?;
        part.iter().try_fold(0u32, |acc, c| {
            c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
        })
    };
    let (Some(y), Some(m), Some(d)) = (num(0..4), num(5..7), num(8..10)) else {
        return Err(bad());
    };
    let year = i32::try_from(y).map_err(|_| bad())?;
    NaiveDate::from_ymd_opt(year, m, d).ok_or_else(|| {
        format!(
            "`{s}` is not a day of the calendar (month 1 to 12, day within the month); check the date"
        )
    })
}

/// What the `kind` column says a row is.
#[derive(Clone, Copy)]
enum RowKind {
    Plain(ReadKind),
    ExchangeOut(ReadKind),
    ExchangeIn,
}

fn parse_kind(s: &str) -> Result<RowKind, String> {
    match s {
        "" | "actual" => Ok(RowKind::Plain(ReadKind::Actual)),
        "estimated" => Ok(RowKind::Plain(ReadKind::Estimated)),
        "customer_submitted" => Ok(RowKind::Plain(ReadKind::CustomerSubmitted)),
        "exchange_out" => Ok(RowKind::ExchangeOut(ReadKind::Actual)),
        "exchange_out_estimated" => Ok(RowKind::ExchangeOut(ReadKind::Estimated)),
        "exchange_in" => Ok(RowKind::ExchangeIn),
        _ => Err(format!(
            "`{}` is not a read kind; use actual, estimated or customer_submitted (empty means actual), or exchange_out (exchange_out_estimated) and exchange_in for the old and the new meter's reads on the day of a meter exchange",
            excerpt(s)
        )),
    }
}

fn parse_timestamp(s: &str) -> Result<(NaiveDateTime, Option<FixedOffset>), String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok((t.naive_local(), Some(*t.offset())));
    }
    // An offset (or `Z`) after a time without seconds, or after a space.
    let zulu = s
        .strip_suffix('Z')
        .or_else(|| s.strip_suffix('z'))
        .map(|head| format!("{head}+00:00"));
    let with_offset = zulu.as_deref().unwrap_or(s);
    for format in [
        "%Y-%m-%dT%H:%M%:z",
        "%Y-%m-%d %H:%M%:z",
        "%Y-%m-%d %H:%M:%S%:z",
    ] {
        if let Ok(t) = DateTime::parse_from_str(with_offset, format) {
            return Ok((t.naive_local(), Some(*t.offset())));
        }
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, format) {
            return Ok((t, None));
        }
    }
    Err(format!(
        "`{}` is not a timestamp; write it as YYYY-MM-DDTHH:MM[:SS], optionally with a UTC offset such as -05:00",
        excerpt(s)
    ))
}

fn expect_fields(rec: &ByteRecord, n: usize, columns: &str) -> Result<(), String> {
    if rec.len() == n {
        Ok(())
    } else {
        Err(format!(
            "has {} field(s), the header {n}; write each row as `{columns}`",
            rec.len()
        ))
    }
}

fn read_row(rec: &ByteRecord, shape: Shape) -> Result<Row, String> {
    match shape {
        Shape::Reads { with_kind } => {
            let n = if with_kind { 3 } else { 2 };
            expect_fields(
                rec,
                n,
                if with_kind {
                    "date,reading,kind"
                } else {
                    "date,reading"
                },
            )?;
            let date = parse_iso_date(field(rec, 0)?).map_err(|e| format!("`date`: {e}"))?;
            let value = parse_decimal(field(rec, 1)?).map_err(|e| format!("`reading`: {e}"))?;
            let kind = if with_kind {
                parse_kind(field(rec, 2)?).map_err(|e| format!("`kind`: {e}"))?
            } else {
                RowKind::Plain(ReadKind::Actual)
            };
            Ok(match kind {
                RowKind::Plain(k) => Row::Read(Read::new(date, value, k)),
                RowKind::ExchangeOut(k) => Row::ExchangeOut(Read::new(date, value, k)),
                RowKind::ExchangeIn => Row::ExchangeIn(Read::actual(date, value)),
            })
        }
        Shape::Intervals => {
            expect_fields(rec, 2, "timestamp,kwh")?;
            let (start, offset) =
                parse_timestamp(field(rec, 0)?).map_err(|e| format!("`timestamp`: {e}"))?;
            let kwh = parse_decimal(field(rec, 1)?).map_err(|e| format!("`kwh`: {e}"))?;
            Ok(Row::Interval(Interval { start, offset, kwh }))
        }
        Shape::Channels => {
            expect_fields(rec, 3, "timestamp,delivered_kwh,received_kwh")?;
            let (start, offset) =
                parse_timestamp(field(rec, 0)?).map_err(|e| format!("`timestamp`: {e}"))?;
            let kwh = parse_decimal(field(rec, 1)?).map_err(|e| format!("`delivered_kwh`: {e}"))?;
            let received =
                parse_decimal(field(rec, 2)?).map_err(|e| format!("`received_kwh`: {e}"))?;
            Ok(Row::Channels(Interval { start, offset, kwh }, received))
        }
    }
}

enum Row {
    Read(Read),
    ExchangeOut(Read),
    ExchangeIn(Read),
    Interval(Interval),
    Channels(Interval, Decimal),
}

/// The exchange from its `exchange_out` and `exchange_in` rows (with their
/// lines): one of each, dated the same day.
fn exchange(
    outs: &[(u64, Read)],
    ins: &[(u64, Read)],
    problems: &mut Problems,
) -> Option<ExchangeRows> {
    for (rows, what) in [(outs, "exchange_out"), (ins, "exchange_in")] {
        for (line, _) in rows.iter().skip(1) {
            problems.add(
                *line,
                format!("a second `{what}` row; a file holds one meter exchange: bill the periods on each side of an earlier exchange from separate files"),
            );
        }
    }
    match (outs.first(), ins.first()) {
        (None, None) => None,
        (Some((line, _)), None) => {
            problems.add(*line, "`exchange_out` (the old meter's final read) needs an `exchange_in` row the same day: the new meter's initial read");
            None
        }
        (None, Some((line, _))) => {
            problems.add(*line, "`exchange_in` (the new meter's initial read) needs an `exchange_out` row the same day: the old meter's final read");
            None
        }
        (Some((_, out)), Some((line, inn))) if out.date != inn.date => {
            problems.add(
                *line,
                format!(
                    "`exchange_in` is dated {} but `exchange_out` {}; both are read on the day of the exchange",
                    inn.date, out.date
                ),
            );
            None
        }
        (Some((_, out)), Some((_, inn))) => Some(ExchangeRows {
            date: out.date,
            old_final: out.value,
            old_final_kind: out.kind,
            new_initial: inn.value,
        }),
    }
}

/// Reads a usage CSV from `bytes`; `name` names the file in messages.
pub fn parse_usage(bytes: &[u8], name: &str) -> Result<UsageFile, CliError> {
    let mut problems = Problems::default();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut rec = ByteRecord::new();
    let mut shape_found: Option<Shape> = None;
    let mut reads = Vec::new();
    let (mut outs, mut ins) = (Vec::new(), Vec::new());
    let mut intervals = Vec::new();
    let mut received = Vec::new();
    loop {
        match reader.read_byte_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map_or(0, csv::Position::line);
                problems.add(line, format!("the CSV cannot be read: {e}"));
                break;
            }
        }
        let line = rec.position().map_or(0, csv::Position::line);
        match shape_found {
            None => match shape(&rec) {
                Ok(s) => shape_found = Some(s),
                Err(e) => {
                    problems.add(line, e);
                    break;
                }
            },
            Some(s) => match read_row(&rec, s) {
                Ok(Row::Read(r)) => reads.push(r),
                Ok(Row::ExchangeOut(r)) => outs.push((line, r)),
                Ok(Row::ExchangeIn(r)) => ins.push((line, r)),
                Ok(Row::Interval(i)) => intervals.push(i),
                Ok(Row::Channels(i, r)) => {
                    intervals.push(i);
                    received.push(r);
                }
                Err(e) => problems.add(line, e),
            },
        }
    }
    let exchange = exchange(&outs, &ins, &mut problems);
    let path = std::path::Path::new(name);
    match shape_found {
        None if problems.is_empty() => Err(CliError::Csv {
            path: name.to_string(),
            problems: vec![(
                1,
                "the file is empty; write a header `date,reading` and a row per register read"
                    .into(),
            )],
            total: 1,
        }),
        None => problems
            .into_result(path)
            .map(|()| UsageFile::Reads(RegisterReads { reads, exchange })),
        Some(s) => {
            problems.into_result(path)?;
            let n = reads.len() + if exchange.is_some() { 2 } else { 0 };
            match s {
                Shape::Reads { .. } if n < 2 => Err(CliError::Csv {
                    path: name.to_string(),
                    problems: vec![(
                        1,
                        format!(
                            "{n} read(s); give at least two, the reads that open and close the period"
                        ),
                    )],
                    total: 1,
                }),
                Shape::Reads { .. } => Ok(UsageFile::Reads(RegisterReads { reads, exchange })),
                Shape::Intervals => Ok(UsageFile::Intervals(intervals)),
                Shape::Channels => Ok(UsageFile::Channels {
                    intervals,
                    received,
                }),
            }
        }
    }
}
