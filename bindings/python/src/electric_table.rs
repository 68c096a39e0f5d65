//! `PreparedYear.bill_table`: electric bills of many customers from Arrow
//! interval data, on every core with the interpreter released, returned as
//! Arrow tables (one row per customer-month bill, and on request one row
//! per line item). A customer whose data cannot be billed gets one row
//! with its error; no customer is dropped.
//!
//! Two layouts are read:
//! - long: `customer`, `timestamp`, `kwh` (and `received_kwh` for a
//!   customer who generates), one row per interval, each customer's rows
//!   together and in time order (as AMI exports and Spark partitions
//!   sorted by customer and time give them);
//! - lists: `customer`, `start`, `kwh` as a list of values (and
//!   `received_kwh` as a list), one row per customer.
//!
//! The stream is read batch by batch: customers are billed in waves of a
//! few million values, and a batch is let go once its customers are billed,
//! so a stream larger than memory can be billed.

use std::collections::HashMap;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Decimal128Type, Float32Type, Float64Type, Int16Type, Int32Type, Int64Type, Int8Type,
    TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType,
    TimestampSecondType, UInt16Type, UInt32Type, UInt8Type,
};
use arrow_array::{Array, ArrayRef, RecordBatch, RecordBatchReader};
use arrow_schema::{DataType, SchemaRef, TimeUnit};
use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};
use rust_decimal::Decimal;

use ratepayer::electric::{
    ElectricError, ElectricMonth, GenerationMonth, IntervalSeries, MeterChannels, MeteringOptions,
    PreparedYear,
};
use ratepayer::{Bill, RoundingPolicy};

use crate::arrow_io::{clock_time, clock_unit, find, ticks_per_second};
use crate::electric_table_out::{build, Figures, LineRow, MonthRow, Out};

/// Values billed together in one wave (about 32 MB of doubles).
const WAVE_VALUES: usize = 4 << 20;

/// What the caller asked for.
pub struct Options {
    /// Interval length, minutes.
    pub step: u16,
    /// One row per line item too.
    pub line_items: bool,
    /// The rounding of each bill.
    pub policy: RoundingPolicy,
    /// Refuse a customer whose data covers part of a month.
    pub whole_months: bool,
    /// For two-channel data: the metering option and its settings.
    pub metering: Option<MeteringOptions>,
    /// Billing threads.
    pub threads: usize,
}

/// A customer's id, as read.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum Key {
    /// An integer id.
    Int(i64),
    /// A text id.
    Text(Box<str>),
}

impl std::fmt::Display for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Key::Int(v) => write!(f, "{v}"),
            Key::Text(t) => write!(f, "{t:?}"),
        }
    }
}

/// A run of rows (long layout) or of list values (lists layout) of one
/// batch.
#[derive(Clone, Copy)]
struct Piece {
    batch: usize,
    /// The batch row (lists layout: the customer's row).
    row: usize,
    from: usize,
    to: usize,
}

/// One customer to bill.
struct Item {
    key: Option<Key>,
    /// The customer's first input row, counted over the whole stream.
    row: u64,
    pieces: Vec<Piece>,
    /// Lists layout: the start, in ticks.
    start: Option<i64>,
    /// A problem found while reading (a repeated customer, a null).
    problem: Option<(&'static str, String)>,
}

impl Item {
    fn values(&self) -> usize {
        self.pieces.iter().map(|p| p.to - p.from).sum()
    }
}

/// The columns of the input, by index.
struct Cols {
    customer: usize,
    kwh: usize,
    received: Option<usize>,
    /// `timestamp` (long) or `start` (lists).
    time: usize,
    lists: bool,
    per_second: i64,
}

fn columns(schema: &SchemaRef) -> Result<Cols, String> {
    let need = |name: &str, why: &str| {
        find(schema, name).ok_or_else(|| {
            format!(
                "the data has no `{name}` column ({why}); it has {}",
                schema
                    .fields()
                    .iter()
                    .map(|f| format!("`{}`", f.name()))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
    };
    let customer = need("customer", "the customer each row belongs to")?;
    let kwh = need("kwh", "energy per interval")?;
    let lists = matches!(
        schema.field(kwh).data_type(),
        DataType::List(_) | DataType::LargeList(_) | DataType::FixedSizeList(_, _)
    );
    let time = if lists {
        need("start", "the first interval's local clock time")?
    } else {
        need("timestamp", "each interval's local clock start time")?
    };
    let time_name = if lists { "start" } else { "timestamp" };
    let unit = match schema.field(time).data_type() {
        DataType::Date32 if lists => TimeUnit::Second,
        t => clock_unit(time_name, t).map_err(|e| e.to_string())?,
    };
    match schema.field(customer).data_type() {
        DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32
        | DataType::Utf8
        | DataType::LargeUtf8
        | DataType::Utf8View => {}
        other => {
            return Err(format!(
                "`customer` is {other}; give integers (up to int64) or text (cast a category or dictionary column to text)"
            ))
        }
    }
    let received = find(schema, "received_kwh");
    Ok(Cols {
        customer,
        kwh,
        received,
        time,
        lists,
        per_second: ticks_per_second(unit),
    })
}

/// The customer column of one batch.
enum CustomerCol<'a> {
    Int(Vec<Option<i64>>),
    Utf8(&'a arrow_array::StringArray),
    Large(&'a arrow_array::LargeStringArray),
    View(&'a arrow_array::StringViewArray),
    None,
}

impl CustomerCol<'_> {
    fn of(a: &ArrayRef) -> CustomerCol<'_> {
        fn ints<T: arrow_array::ArrowPrimitiveType>(a: &ArrayRef) -> CustomerCol<'_>
        where
            T::Native: Into<i64>,
        {
            CustomerCol::Int(
                a.as_primitive::<T>()
                    .iter()
                    .map(|v| v.map(Into::into))
                    .collect(),
            )
        }
        match a.data_type() {
            DataType::Int8 => ints::<Int8Type>(a),
            DataType::Int16 => ints::<Int16Type>(a),
            DataType::Int32 => ints::<Int32Type>(a),
            DataType::Int64 => ints::<Int64Type>(a),
            DataType::UInt8 => ints::<UInt8Type>(a),
            DataType::UInt16 => ints::<UInt16Type>(a),
            DataType::UInt32 => ints::<UInt32Type>(a),
            DataType::Utf8 => CustomerCol::Utf8(a.as_string::<i32>()),
            DataType::LargeUtf8 => CustomerCol::Large(a.as_string::<i64>()),
            DataType::Utf8View => CustomerCol::View(a.as_string_view()),
            _ => CustomerCol::None,
        }
    }
    fn text(&self, i: usize) -> Option<&str> {
        match self {
            CustomerCol::Utf8(a) => a.is_valid(i).then(|| a.value(i)),
            CustomerCol::Large(a) => a.is_valid(i).then(|| a.value(i)),
            CustomerCol::View(a) => a.is_valid(i).then(|| a.value(i)),
            _ => None,
        }
    }
    fn same(&self, i: usize, j: usize) -> bool {
        match self {
            CustomerCol::Int(v) => v.get(i) == v.get(j),
            CustomerCol::None => true,
            _ => self.text(i) == self.text(j),
        }
    }
    fn key(&self, i: usize) -> Option<Key> {
        match self {
            CustomerCol::Int(v) => v.get(i).copied().flatten().map(Key::Int),
            CustomerCol::None => None,
            _ => self.text(i).map(|t| Key::Text(t.into())),
        }
    }
}

/// The time column of a batch as ticks (nulls are reported by the
/// caller).
fn ticks(a: &ArrayRef) -> Option<&[i64]> {
    Some(match a.data_type() {
        DataType::Timestamp(TimeUnit::Second, _) => {
            a.as_primitive::<TimestampSecondType>().values()
        }
        DataType::Timestamp(TimeUnit::Millisecond, _) => {
            a.as_primitive::<TimestampMillisecondType>().values()
        }
        DataType::Timestamp(TimeUnit::Microsecond, _) => {
            a.as_primitive::<TimestampMicrosecondType>().values()
        }
        DataType::Timestamp(TimeUnit::Nanosecond, _) => {
            a.as_primitive::<TimestampNanosecondType>().values()
        }
        _ => return None,
    })
}

/// The start of a lists-layout row, in ticks (a date is its midnight).
fn start_ticks(a: &ArrayRef, i: usize, per_second: i64) -> Option<i64> {
    if a.is_null(i) {
        return None;
    }
    match a.data_type() {
        DataType::Date32 => a
            .as_primitive::<arrow_array::types::Date32Type>()
            .values()
            .get(i)
            .map(|d| i64::from(*d) * 86_400 * per_second),
        _ => ticks(a).and_then(|t| t.get(i).copied()),
    }
}

/// Reads the stream into items, billing each wave as it fills.
pub fn run(
    year: &PreparedYear,
    mut reader: Box<dyn RecordBatchReader + Send>,
    options: &Options,
) -> Result<(Vec<RecordBatch>, Option<Vec<RecordBatch>>), String> {
    let schema = reader.schema();
    let cols = columns(&schema)?;
    if cols.received.is_some() && options.metering.is_none() {
        return Err(format!(
            "the data has `received_kwh` but the tariff `{}` names no metering option (URDB dgrules); give metering=",
            year.tariff().id
        ));
    }
    let int_ids = matches!(
        schema.field(cols.customer).data_type(),
        DataType::Int8
            | DataType::Int16
            | DataType::Int32
            | DataType::Int64
            | DataType::UInt8
            | DataType::UInt16
            | DataType::UInt32
    );
    let mut batches: Vec<Option<RecordBatch>> = Vec::new();
    let mut pending: Vec<Item> = Vec::new();
    let mut pending_values = 0usize;
    let mut outs: Vec<Out> = Vec::new();
    let mut seen: HashMap<Key, usize> = HashMap::new();
    let mut repeated: Vec<(usize, String)> = Vec::new();
    let mut items_made = 0usize;
    let mut row0: u64 = 0;
    let job = Job {
        year,
        options,
        cols: &cols,
    };
    loop {
        let next = reader.next();
        let Some(batch) = next else { break };
        let batch = batch.map_err(|e| format!("reading the data: {e}"))?;
        let b = batches.len();
        let n = batch.num_rows();
        let customer = CustomerCol::of(batch.column(cols.customer));
        let mut new_items: Vec<Item> = Vec::new();
        if cols.lists {
            let time = batch.column(cols.time);
            let kwh = batch.column(cols.kwh);
            for i in 0..n {
                let (from, to) = list_range(kwh, i);
                new_items.push(Item {
                    key: customer.key(i),
                    row: row0 + i as u64,
                    pieces: vec![Piece {
                        batch: b,
                        row: i,
                        from,
                        to,
                    }],
                    start: start_ticks(time, i, cols.per_second),
                    problem: None,
                });
            }
        } else {
            let mut i = 0usize;
            while i < n {
                let mut j = i + 1;
                while j < n && customer.same(i, j) {
                    j += 1;
                }
                let key = customer.key(i);
                let continues = i == 0
                    && pending.last().is_some_and(|last| {
                        last.key == key && last.pieces.last().is_some_and(|p| p.batch + 1 == b)
                    })
                    && key.is_some();
                let piece = Piece {
                    batch: b,
                    row: i,
                    from: i,
                    to: j,
                };
                if continues {
                    if let Some(last) = pending.last_mut() {
                        last.pieces.push(piece);
                    }
                } else {
                    new_items.push(Item {
                        key,
                        row: row0 + i as u64,
                        pieces: vec![piece],
                        start: None,
                        problem: None,
                    });
                }
                i = j;
            }
        }
        for mut item in new_items {
            let index = items_made;
            items_made += 1;
            match &item.key {
                None => {
                    item.problem = Some((
                        "batch.customer",
                        format!(
                            "row {}: `customer` is null; every row needs its customer",
                            item.row
                        ),
                    ));
                }
                Some(k) => {
                    if let Some(first) = seen.get(k) {
                        let why = format!(
                            "customer {k} appears at row {} and again at row {} with other customers between; give each customer's rows together, in time order (sort by customer and timestamp)",
                            outs_row(&outs, &pending, *first).unwrap_or(0),
                            item.row
                        );
                        repeated.push((*first, why.clone()));
                        item.problem = Some(("batch.order", why));
                    } else {
                        seen.insert(k.clone(), index);
                    }
                }
            }
            pending_values += item.values();
            pending.push(item);
        }
        batches.push(Some(batch));
        row0 += n as u64;
        // Bill every item but the last (it may go on in the next batch).
        if pending_values >= WAVE_VALUES && pending.len() > 1 {
            let keep = pending.pop();
            outs.extend(job.bill_wave(&batches, &pending));
            pending.clear();
            pending_values = keep.as_ref().map_or(0, Item::values);
            let oldest = keep
                .as_ref()
                .and_then(|k| k.pieces.first())
                .map_or(batches.len(), |p| p.batch);
            for slot in batches.iter_mut().take(oldest) {
                *slot = None;
            }
            pending.extend(keep);
        }
    }
    outs.extend(job.bill_wave(&batches, &pending));
    drop(batches);
    for (index, why) in repeated {
        if let Some(out) = outs.get_mut(index) {
            out.fail("batch.order", why);
        }
    }
    build(&outs, int_ids, year, options, cols.received.is_some())
}

/// The first input row of item `index`, billed or pending.
fn outs_row(outs: &[Out], pending: &[Item], index: usize) -> Option<u64> {
    match outs.get(index) {
        Some(o) => Some(o.row),
        None => pending.get(index.checked_sub(outs.len())?).map(|i| i.row),
    }
}

/// The value range of row `i` of a list column.
fn list_range(a: &ArrayRef, i: usize) -> (usize, usize) {
    if a.is_null(i) {
        return (0, 0);
    }
    match a.data_type() {
        DataType::List(_) => {
            let o = a.as_list::<i32>().value_offsets();
            let at = |k: usize| o.get(k).map_or(0, |v| usize::try_from(*v).unwrap_or(0));
            (at(i), at(i + 1))
        }
        DataType::LargeList(_) => {
            let o = a.as_list::<i64>().value_offsets();
            let at = |k: usize| o.get(k).map_or(0, |v| usize::try_from(*v).unwrap_or(0));
            (at(i), at(i + 1))
        }
        DataType::FixedSizeList(_, n) => {
            let n = usize::try_from(*n).unwrap_or(0);
            let base = a.as_fixed_size_list().offset();
            ((base + i) * n, (base + i + 1) * n)
        }
        _ => (0, 0),
    }
}

/// The values array of a list column (the column itself otherwise).
fn list_values(a: &ArrayRef) -> ArrayRef {
    match a.data_type() {
        DataType::List(_) => a.as_list::<i32>().values().clone(),
        DataType::LargeList(_) => a.as_list::<i64>().values().clone(),
        DataType::FixedSizeList(_, _) => a.as_fixed_size_list().values().clone(),
        _ => a.clone(),
    }
}

/// What the billing threads share.
struct Job<'a> {
    year: &'a PreparedYear,
    options: &'a Options,
    cols: &'a Cols,
}

impl Job<'_> {
    /// Bills `items` on the option's threads, in order.
    fn bill_wave(&self, batches: &[Option<RecordBatch>], items: &[Item]) -> Vec<Out> {
        if items.is_empty() {
            return Vec::new();
        }
        let threads = self.options.threads.clamp(1, items.len());
        let chunk = items.len().div_ceil(threads);
        std::thread::scope(|s| {
            let handles: Vec<_> = items
                .chunks(chunk)
                .map(|part| {
                    s.spawn(move || {
                        // One values buffer a thread, reused customer after customer.
                        let mut buffer = Vec::new();
                        part.iter()
                            .map(|it| self.bill_item(batches, it, &mut buffer))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            let mut out = Vec::with_capacity(items.len());
            for (h, part) in handles.into_iter().zip(items.chunks(chunk)) {
                match h.join() {
                    Ok(v) => out.extend(v),
                    Err(_) => out.extend(part.iter().map(|it| {
                        Out::error(
                            it.key.clone(),
                            it.row,
                            "batch.internal",
                            "a billing thread failed".into(),
                        )
                    })),
                }
            }
            out
        })
    }

    fn bill_item(
        &self,
        batches: &[Option<RecordBatch>],
        item: &Item,
        buffer: &mut Vec<i64>,
    ) -> Out {
        if let Some((code, why)) = &item.problem {
            return Out::error(item.key.clone(), item.row, code, why.clone());
        }
        let who = match &item.key {
            Some(k) => format!("customer {k}"),
            None => "a customer".into(),
        };
        match self.try_bill(batches, item, buffer) {
            Ok(out) => out,
            Err((code, why)) => Out::error(
                item.key.clone(),
                item.row,
                code,
                format!("{who} (from row {}): {why}", item.row),
            ),
        }
    }

    fn try_bill(
        &self,
        batches: &[Option<RecordBatch>],
        item: &Item,
        buffer: &mut Vec<i64>,
    ) -> Result<Out, (&'static str, String)> {
        let series = |e: String| ("electric.series", e);
        let step_ticks = i64::from(self.options.step) * 60 * self.cols.per_second;
        let mut start: Option<i64> = item.start;
        let mut delivered: Vec<i64> = std::mem::take(buffer);
        delivered.clear();
        delivered.reserve(item.values());
        let mut received: Vec<i64> = Vec::new();
        let mut at = 0usize;
        for piece in &item.pieces {
            let batch = batches
                .get(piece.batch)
                .and_then(Option::as_ref)
                .ok_or_else(|| {
                    (
                        "batch.internal",
                        "a batch was released too early".to_string(),
                    )
                })?;
            let kwh = batch.column(self.cols.kwh);
            let row_of = |k: usize| -> u64 {
                if self.cols.lists {
                    item.row
                } else {
                    item.row + (at + k - piece.from) as u64
                }
            };
            if !self.cols.lists {
                let time = batch.column(self.cols.time);
                let t = ticks(time).unwrap_or_default();
                for k in piece.from..piece.to {
                    if time.is_null(k) {
                        return Err(series(format!("`timestamp` is null at row {}", row_of(k))));
                    }
                    let got = t.get(k).copied().unwrap_or_default();
                    let first = *start.get_or_insert(got);
                    let want = first + (at + k - piece.from) as i64 * step_ticks;
                    if got != want {
                        let show = |v| {
                            clock_time(v, self.cols.per_second)
                                .map_or_else(|| v.to_string(), |d| d.to_string())
                        };
                        return Err((
                            "electric.gap",
                            format!(
                                "row {} is at {} but the interval after the one before starts at {} ({}-minute intervals); give every interval once, in order (estimate a missing reading)",
                                row_of(k),
                                show(got),
                                show(want),
                                self.options.step
                            ),
                        ));
                    }
                }
            }
            let values = list_values(kwh);
            micro_into(&values, piece.from, piece.to, &mut delivered, "kwh")
                .map_err(|(k, why)| series(format!("{why} at row {}", row_of(k))))?;
            if let Some(rc) = self.cols.received {
                let column = batch.column(rc);
                let (from, to) = if self.cols.lists {
                    list_range(column, piece.row)
                } else {
                    (piece.from, piece.to)
                };
                micro_into(
                    &list_values(column),
                    from,
                    to,
                    &mut received,
                    "received_kwh",
                )
                .map_err(|(k, why)| series(format!("{why} at row {}", row_of(k))))?;
            }
            at += piece.to - piece.from;
        }
        let start = start.ok_or_else(|| series("no start time (`start` is null)".into()))?;
        let start = clock_time(start, self.cols.per_second)
            .ok_or_else(|| series(format!("the start {start} is out of range")))?;
        if delivered.is_empty() {
            return Err(series("no values to bill (an empty or null `kwh`)".into()));
        }
        if self.options.whole_months {
            whole_months(start, self.options.step, delivered.len())?;
        }
        let core = |e: ElectricError| -> (&'static str, String) {
            let code = match &e {
                ElectricError::OutsideYear(_) => "electric.outside_year",
                ElectricError::Overflow(_) => "electric.overflow",
                _ => "electric.series",
            };
            (code, e.to_string())
        };
        let mut out = Out::new(item.key.clone(), item.row);
        match &self.options.metering {
            None => {
                let s = IntervalSeries::from_micro_kwh(start, self.options.step, delivered)
                    .map_err(core)?;
                let st = self.year.bill(&s, self.options.policy);
                *buffer = s.into_micro_kwh();
                let st = st.map_err(core)?;
                for m in &st.months {
                    out.push_month(
                        month_row(m),
                        lines(&m.bill, m.month, self.options.line_items),
                    );
                }
            }
            Some(metering) => {
                if received.len() != delivered.len() {
                    return Err(series(format!(
                        "{} `kwh` values and {} `received_kwh` values; give both for every interval",
                        delivered.len(),
                        received.len()
                    )));
                }
                let d: Vec<Decimal> = delivered.iter().map(|v| Decimal::new(*v, 6)).collect();
                let r: Vec<Decimal> = received.iter().map(|v| Decimal::new(*v, 6)).collect();
                let ch = MeterChannels::from_kwh(start, self.options.step, &d, &r).map_err(core)?;
                let st = self
                    .year
                    .bill_generation(&ch, metering, self.options.policy)
                    .map_err(core)?;
                for m in &st.months {
                    out.push_month(
                        generation_row(m),
                        lines(&m.bill, m.month, self.options.line_items),
                    );
                }
            }
        }
        Ok(out)
    }
}

/// Checks that `len` intervals from `start` cover whole calendar months.
fn whole_months(start: NaiveDateTime, step: u16, len: usize) -> Result<(), (&'static str, String)> {
    let first_of_month = start.day() == 1 && start.hour() == 0 && start.minute() == 0;
    let minutes = i64::try_from(len)
        .unwrap_or(i64::MAX)
        .saturating_mul(i64::from(step));
    let end = start + chrono::Duration::minutes(minutes);
    let ends_on_month = end.day() == 1 && end.hour() == 0 && end.minute() == 0;
    if first_of_month && ends_on_month {
        return Ok(());
    }
    let month_start = NaiveDate::from_ymd_opt(start.year(), start.month(), 1).unwrap_or_default();
    Err((
        "electric.length",
        format!(
            "{len} intervals of {step} minutes from {start} end at {end}, inside a month; each month is billed whole (as SAM does), so give every interval of each month billed, from {month_start} 00:00 to the first of a month (or pass whole_months=False to bill partial months as whole ones)"
        ),
    ))
}

/// Appends values `from..to` of `a` (floats, integers or decimal128) as
/// micro-kWh; `Err((index, why))`
/// names the first value that is null, not finite, or out of range.
pub fn micro_into(
    a: &ArrayRef,
    from: usize,
    to: usize,
    out: &mut Vec<i64>,
    name: &str,
) -> Result<(), (usize, String)> {
    if a.null_count() > 0 {
        if let Some(k) = (from..to).find(|k| a.is_null(*k)) {
            return Err((k, format!("`{name}` is null (estimate a missing reading)")));
        }
    }
    let range = |len: usize| from.min(len)..to.min(len);
    match a.data_type() {
        DataType::Float64 => {
            let v = a.as_primitive::<Float64Type>().values();
            let part = v.get(range(v.len())).unwrap_or_default();
            ratepayer::electric::extend_micro_kwh(part, out).map_err(|k| {
                let x = part.get(k).copied().unwrap_or(f64::NAN);
                (from + k, bad_float(name, x))
            })?;
        }
        DataType::Float32 => {
            let v = a.as_primitive::<Float32Type>().values();
            for (k, x) in v.get(range(v.len())).unwrap_or_default().iter().enumerate() {
                let x = f64::from(*x);
                out.push(
                    ratepayer::electric::micro_kwh_of_f64(x)
                        .ok_or_else(|| (from + k, bad_float(name, x)))?,
                );
            }
        }
        DataType::Int64 => whole_kwh::<Int64Type>(a, from, to, out, name)?,
        DataType::Int32 => whole_kwh::<Int32Type>(a, from, to, out, name)?,
        DataType::Int16 => whole_kwh::<Int16Type>(a, from, to, out, name)?,
        DataType::Int8 => whole_kwh::<Int8Type>(a, from, to, out, name)?,
        DataType::UInt32 => whole_kwh::<UInt32Type>(a, from, to, out, name)?,
        DataType::UInt16 => whole_kwh::<UInt16Type>(a, from, to, out, name)?,
        DataType::UInt8 => whole_kwh::<UInt8Type>(a, from, to, out, name)?,
        DataType::Decimal128(_, scale) => {
            let v = a.as_primitive::<Decimal128Type>().values();
            for (k, x) in v.get(range(v.len())).unwrap_or_default().iter().enumerate() {
                let d = Decimal::try_from_i128_with_scale(*x, u32::try_from(*scale).unwrap_or(0))
                    .ok()
                    .and_then(|d| d.round_dp(6).checked_mul(Decimal::from(1_000_000)))
                    .and_then(|d| i64::try_from(d).ok())
                    .ok_or_else(|| (from + k, format!("`{name}` holds a decimal out of range")))?;
                out.push(d);
            }
        }
        other => {
            return Err((from, format!("`{name}` is {other}; give numbers of kWh (float64, float32, integers or decimal128)")));
        }
    }
    Ok(())
}

/// Appends integer kWh values `from..to` of `a` (an integer column of type
/// `T`) as micro-kWh: only the range is read.
fn whole_kwh<T: arrow_array::ArrowPrimitiveType>(
    a: &ArrayRef,
    from: usize,
    to: usize,
    out: &mut Vec<i64>,
    name: &str,
) -> Result<(), (usize, String)>
where
    T::Native: Into<i64>,
{
    let v = a.as_primitive::<T>().values();
    let part = v
        .get(from.min(v.len())..to.min(v.len()))
        .unwrap_or_default();
    for (k, x) in part.iter().enumerate() {
        let x: i64 = (*x).into();
        out.push(
            x.checked_mul(1_000_000)
                .ok_or_else(|| (from + k, format!("`{name}` is {x} kWh, out of range")))?,
        );
    }
    Ok(())
}

fn bad_float(name: &str, x: f64) -> String {
    if x.is_finite() {
        format!("`{name}` is {x} kWh, out of range")
    } else {
        format!("`{name}` is {x}; give a finite number of kWh (a missing reading must be estimated, not sent as NaN)")
    }
}

fn month_row(m: &ElectricMonth) -> MonthRow {
    MonthRow {
        month: m.month,
        figures: Figures {
            kwh: m.kwh,
            peak_kw: m.peak_kw,
            billing_demand_kw: m.billing_demand_kw,
            energy: m.energy.amount(),
            demand: m.demand_flat.amount() + m.demand_tou.amount(),
            fixed: m.fixed.amount(),
            minimum: m.minimum.amount(),
            total: m.bill.total.amount(),
        },
        generation: None,
    }
}

fn generation_row(m: &GenerationMonth) -> MonthRow {
    MonthRow {
        month: m.month,
        figures: Figures {
            kwh: m.delivered_kwh,
            peak_kw: m.peak_kw,
            billing_demand_kw: m.billing_demand_kw,
            energy: m.energy.amount(),
            demand: m.demand_flat.amount() + m.demand_tou.amount(),
            fixed: m.fixed.amount(),
            minimum: m.minimum.amount(),
            total: m.bill.total.amount(),
        },
        generation: Some([
            m.received_kwh,
            m.imported_kwh,
            m.exported_kwh,
            m.export_credit.amount(),
            m.credit_out.amount(),
            m.true_up.amount(),
        ]),
    }
}

fn lines(bill: &Bill, month: u32, wanted: bool) -> Vec<LineRow> {
    if !wanted {
        return Vec::new();
    }
    bill.lines
        .iter()
        .map(|l| LineRow {
            month,
            description: l.description().into(),
            group: l.group().into(),
            kind: serde_kind(l.kind()),
            quantity: l.quantity,
            unit: l.unit.to_string(),
            rate: l.rate,
            amount: l.amount.amount(),
        })
        .collect()
}

/// A line kind's name, as the bill's JSON writes it.
pub(crate) fn serde_kind(k: ratepayer::LineKind) -> &'static str {
    use ratepayer::LineKind as K;
    match k {
        K::Fixed => "fixed",
        K::Usage => "usage",
        K::Surcharge => "surcharge",
        K::Minimum => "minimum",
        K::Rider => "rider",
        K::Tax => "tax",
        K::Credit => "credit",
    }
}
