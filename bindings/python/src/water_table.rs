//! `Tariff.bill_table`: one bill per row of Arrow columns (water, sewer,
//! gas: any `Tariff`), on every core with the interpreter released,
//! returned as an Arrow table with one row per input row: the total as
//! `decimal128` at the currency's minor unit, or the row's error. Usage is
//! exact (integers or decimal128; floats are refused, as everywhere a
//! quantity is billed); a null usage with `residents` is an unmetered bill.
//! Each thread bills each distinct row input once per batch (a monthly run
//! repeats the same period, usage and meter size many times): the bill is a
//! pure function of its inputs, so a repeated row gets the same total.

use std::sync::Arc;

use arrow_array::builder::StringBuilder;
use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Decimal128Type, Int16Type, Int32Type, Int64Type, Int8Type, UInt16Type, UInt32Type,
    UInt64Type, UInt8Type,
};
use arrow_array::{
    Array, ArrayRef, Decimal128Array, RecordBatch, RecordBatchReader, StringArray, UInt64Array,
};
use arrow_buffer::NullBuffer;
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use chrono::NaiveDate;
use rust_decimal::Decimal;

use ratepayer::{BillInput, BillingPeriod, Quantity, Tariff, Unit};

use crate::errors::bill_code;
use crate::water_memo::Memo;

/// Period and unit given for every row.
pub struct Defaults {
    /// First day of service, where the data has no `start` column.
    pub start: Option<NaiveDate>,
    /// Last day of service, where the data has no `end` column.
    pub end: Option<NaiveDate>,
    /// The unit of `usage`.
    pub unit: Unit,
    /// Billing threads.
    pub threads: usize,
    /// One row per line item too.
    pub line_items: bool,
}

/// Column indexes of the input.
struct Cols {
    usage: usize,
    start: Option<usize>,
    end: Option<usize>,
    meter_size: Option<usize>,
    class: Option<usize>,
    residents: Option<usize>,
    estimated: Option<usize>,
    customer: Option<usize>,
}

fn check(schema: &SchemaRef, name: &str, ok: &[&str], fix: &str) -> Result<Option<usize>, String> {
    let Ok(i) = schema.index_of(name) else {
        return Ok(None);
    };
    let t = schema.field(i).data_type();
    let kind = match t {
        DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32
        | DataType::UInt64 => "int",
        DataType::Decimal128(_, _) => "decimal",
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => "text",
        DataType::Date32 => "date",
        DataType::Boolean => "bool",
        DataType::Null => "null",
        _ => "other",
    };
    if ok.contains(&kind) || kind == "null" {
        Ok(Some(i))
    } else {
        Err(format!("`{name}` is {t}; {fix}"))
    }
}

fn columns(schema: &SchemaRef) -> Result<Cols, String> {
    let usage = check(
        schema,
        "usage",
        &["int", "decimal"],
        "give exact usage: integers or decimal128 (floats are refused: a bill needs the exact quantity read)",
    )?
    .ok_or_else(|| "the data has no `usage` column (one exact quantity per bill)".to_string())?;
    Ok(Cols {
        usage,
        start: check(
            schema,
            "start",
            &["date"],
            "give date32 (the first day of service)",
        )?,
        end: check(
            schema,
            "end",
            &["date"],
            "give date32 (the last day of service)",
        )?,
        meter_size: check(schema, "meter_size", &["text"], "give text such as \"5/8\"")?,
        class: check(schema, "customer_class", &["text"], "give text")?,
        residents: check(schema, "residents", &["int"], "give integers")?,
        estimated: check(schema, "estimated", &["bool"], "give booleans")?,
        customer: check(
            schema,
            "customer",
            &["int", "text"],
            "give integers or text",
        )?,
    })
}

fn text(a: &ArrayRef, i: usize) -> Option<&str> {
    if a.is_null(i) {
        return None;
    }
    match a.data_type() {
        DataType::Utf8 => Some(a.as_string::<i32>().value(i)),
        DataType::LargeUtf8 => Some(a.as_string::<i64>().value(i)),
        DataType::Utf8View => Some(a.as_string_view().value(i)),
        _ => None,
    }
}

/// An integer cell as i128 (`None` when null).
fn int(a: &ArrayRef, i: usize) -> Option<i128> {
    if a.is_null(i) {
        return None;
    }
    macro_rules! get {
        ($t:ty) => {
            a.as_primitive::<$t>()
                .values()
                .get(i)
                .map(|v| i128::from(*v))
        };
    }
    match a.data_type() {
        DataType::Int8 => get!(Int8Type),
        DataType::Int16 => get!(Int16Type),
        DataType::Int32 => get!(Int32Type),
        DataType::Int64 => get!(Int64Type),
        DataType::UInt8 => get!(UInt8Type),
        DataType::UInt16 => get!(UInt16Type),
        DataType::UInt32 => get!(UInt32Type),
        DataType::UInt64 => get!(UInt64Type),
        DataType::Decimal128(_, _) => get!(Decimal128Type),
        _ => None,
    }
}

fn usage(a: &ArrayRef, i: usize) -> Result<Option<Decimal>, String> {
    let Some(v) = int(a, i) else { return Ok(None) };
    let scale = match a.data_type() {
        DataType::Decimal128(_, s) => u32::try_from(*s).map_err(|_| {
            "`usage` has a negative decimal scale; give decimal128 with scale 0 or more".to_string()
        })?,
        _ => 0,
    };
    Decimal::try_from_i128_with_scale(v, scale)
        .map(Some)
        .map_err(|_| format!("`usage` {v} (scale {scale}) does not fit a decimal of 28 digits"))
}

fn date(a: &ArrayRef, i: usize) -> Option<NaiveDate> {
    if a.is_null(i) {
        return None;
    }
    let days = *a.as_primitive::<Date32Type>().values().get(i)?;
    NaiveDate::from_ymd_opt(1970, 1, 1)?.checked_add_signed(chrono::Duration::days(i64::from(days)))
}

/// What one row's bill depends on, read from the columns. Two rows with
/// equal inputs have the same bill (billing is a pure function of them), so
/// a thread bills each distinct input once per batch (see `Memo`).
struct RowInput<'a> {
    from: NaiveDate,
    to: NaiveDate,
    /// The usage, normalised, as mantissa and scale: equal quantities
    /// (7.4 and 7.40) are one input, and comparing two is cheap.
    usage: Option<(i128, u32)>,
    meter_size: Option<&'a str>,
    class: Option<&'a str>,
    residents: Option<u32>,
    estimated: bool,
}

/// A row's outcome: its total's mantissa at the currency's minor unit, or
/// its error (code and message, without the row number).
type Outcome = Result<i128, (&'static str, String)>;

/// Reads row `i`'s inputs, or the error that stops it before billing.
fn row_input<'a>(
    d: &Defaults,
    cols: &Cols,
    batch: &'a RecordBatch,
    i: usize,
) -> Result<RowInput<'a>, (&'static str, String)> {
    let col = |c: Option<usize>| c.map(|c| batch.column(c));
    let from = col(cols.start).map_or(d.start, |a| date(a, i));
    let to = col(cols.end).map_or(d.end, |a| date(a, i));
    let (Some(from), Some(to)) = (from, to) else {
        return Err((
            "bill.period",
            "no period: give `start` and `end` (date32 columns, or start=/end= for every row)"
                .into(),
        ));
    };
    let usage = usage(batch.column(cols.usage), i).map_err(|e| ("bill.usage", e))?;
    let residents = match col(cols.residents).and_then(|a| int(a, i)) {
        None => None,
        Some(n) => Some(u32::try_from(n).map_err(|_| {
            (
                "bill.residents",
                format!("`residents` is {n}; give 0 to {}", u32::MAX),
            )
        })?),
    };
    let estimated = col(cols.estimated)
        .filter(|a| a.is_valid(i))
        .is_some_and(|a| a.as_boolean().value(i));
    Ok(RowInput {
        from,
        to,
        usage: usage.map(|u| {
            let n = u.normalize();
            (n.mantissa(), n.scale())
        }),
        meter_size: col(cols.meter_size).and_then(|a| text(a, i)),
        class: col(cols.class).and_then(|a| text(a, i)),
        residents,
        estimated,
    })
}

/// Bills one row's inputs.
fn bill_of(
    tariff: &Tariff,
    unit: Unit,
    input: &RowInput<'_>,
) -> Result<ratepayer::Bill, (&'static str, String)> {
    let period = BillingPeriod::new(input.from, input.to)
        .map_err(|e| ("bill.period", format!("`period`: {e}")))?;
    let bill_input = BillInput {
        period,
        usage: match input.usage {
            Some((m, s)) => Some(Quantity::new(
                Decimal::try_from_i128_with_scale(m, s)
                    .map_err(|e| ("bill.usage", format!("`usage`: {e}")))?,
                unit,
            )),
            None => None,
        },
        meter_size: input.meter_size,
        customer_class: input.class,
        residents: input.residents,
        therms_per_ccf: None,
        estimated: input.estimated,
    };
    tariff
        .bill(&bill_input)
        .map_err(|e| (bill_code(&e), e.to_string()))
}

/// A bill's total as a mantissa at `minor` places.
fn total_of(bill: &ratepayer::Bill, minor: u32) -> i128 {
    let mut total = bill.total.amount();
    total.rescale(minor);
    total.mantissa()
}

/// Bills one row's inputs, for its total.
fn bill_input(tariff: &Tariff, unit: Unit, input: &RowInput<'_>, minor: u32) -> Outcome {
    bill_of(tariff, unit, input).map(|b| total_of(&b, minor))
}

/// One line of one row's bill (with `line_items=True`).
struct WaterLine {
    row: usize,
    index: i32,
    description: String,
    group: String,
    kind: &'static str,
    quantity: Decimal,
    unit: String,
    rate: Decimal,
    amount: Decimal,
}

/// Bills row `i` whole, keeping its lines (no memo: every row's lines).
fn bill_row_lines(
    tariff: &Tariff,
    d: &Defaults,
    cols: &Cols,
    batch: &RecordBatch,
    i: usize,
    minor: u32,
    lines: &mut Vec<WaterLine>,
) -> Outcome {
    let input = row_input(d, cols, batch, i)?;
    let bill = bill_of(tariff, d.unit, &input)?;
    lines.extend(bill.lines.iter().enumerate().map(|(k, l)| WaterLine {
        row: i,
        index: i32::try_from(k + 1).unwrap_or(i32::MAX),
        description: l.description().to_string(),
        group: l.group().to_string(),
        kind: crate::electric_table::serde_kind(l.kind()),
        quantity: l.quantity,
        unit: l.unit.to_string(),
        rate: l.rate,
        amount: l.amount.amount(),
    }));
    Ok(total_of(&bill, minor))
}

/// Bills row `i`, through the thread's memo when the row has a key.
fn bill_row<'a>(
    memo: &mut Memo<'a>,
    tariff: &Tariff,
    d: &Defaults,
    cols: &Cols,
    batch: &'a RecordBatch,
    i: usize,
    minor: u32,
) -> Outcome {
    let input = row_input(d, cols, batch, i)?;
    let key = memo.key(
        input.from,
        input.to,
        input.usage,
        input.meter_size,
        input.class,
        input.residents,
        input.estimated,
    );
    if let Some(known) = key.as_ref().and_then(|k| memo.get(k)) {
        return known;
    }
    let outcome = bill_input(tariff, d.unit, &input, minor);
    if let Some(key) = key {
        memo.keep(key, &outcome);
    }
    outcome
}

/// Bills every row of the stream; the result has one row per input row.
pub fn run(
    tariff: &Arc<Tariff>,
    mut reader: Box<dyn RecordBatchReader + Send>,
    d: &Defaults,
) -> Result<(Vec<RecordBatch>, Option<Vec<RecordBatch>>), String> {
    let schema = reader.schema();
    let cols = columns(&schema)?;
    for (name, column, given) in [
        ("start", cols.start, d.start.is_some()),
        ("end", cols.end, d.end.is_some()),
    ] {
        if column.is_some() && given {
            return Err(format!(
                "`{name}` is given both as a column and as {name}=; give one (the column per row, or {name}= for every row)"
            ));
        }
    }
    if let Some(c) = cols.customer {
        if schema.field(c).data_type() == &DataType::UInt64 {
            return Err(
                "`customer` is uint64, which the result's int64 cannot always hold; give int64 or text".into(),
            );
        }
    }
    let minor = tariff.currency().minor_units();
    // Line amounts at the cent when each line is rounded, else to 12 places.
    let amount_scale = match tariff.rounding().scope {
        ratepayer::RoundingScope::PerLine => minor,
        ratepayer::RoundingScope::TotalOnly => 12,
    };
    let mut line_batches = Vec::new();
    let out_schema = {
        let mut fields = vec![Field::new("row", DataType::UInt64, false)];
        if let Some(c) = cols.customer {
            let t = match schema.field(c).data_type() {
                DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => DataType::Utf8,
                _ => DataType::Int64,
            };
            fields.push(Field::new("customer", t, true));
        }
        fields.push(Field::new(
            "total",
            DataType::Decimal128(18, i8::try_from(minor).unwrap_or(2)),
            true,
        ));
        fields.push(Field::new("error_code", DataType::Utf8, true));
        fields.push(Field::new("error", DataType::Utf8, true));
        Arc::new(Schema::new(fields))
    };
    let mut out = Vec::new();
    let mut row0 = 0u64;
    for batch in &mut reader {
        let batch = batch.map_err(|e| format!("reading the data: {e}"))?;
        let n = batch.num_rows();
        let threads = d.threads.clamp(1, n / 4096 + 1);
        let chunk = n.div_ceil(threads).max(1);
        // Each thread writes its rows' totals into its own part of one
        // vector (16 bytes a row: it becomes the decimal128 result column)
        // and keeps its errors aside, by row.
        let mut totals = vec![0_i128; n];
        type Found = (Vec<(usize, &'static str, String)>, Vec<WaterLine>);
        let found: Option<Found> = std::thread::scope(|s| {
            let handles: Vec<_> = totals
                .chunks_mut(chunk)
                .enumerate()
                .map(|(c, part)| {
                    let batch = &batch;
                    let cols = &cols;
                    s.spawn(move || {
                        let mut memo = Memo::new();
                        let mut errors = Vec::new();
                        let mut lines = Vec::new();
                        for (k, slot) in part.iter_mut().enumerate() {
                            let i = c * chunk + k;
                            let outcome = if d.line_items {
                                bill_row_lines(tariff, d, cols, batch, i, minor, &mut lines)
                            } else {
                                bill_row(&mut memo, tariff, d, cols, batch, i, minor)
                            };
                            match outcome {
                                Ok(t) if t.abs() < 10_i128.pow(18) => *slot = t,
                                Ok(_) => errors.push((
                                    i,
                                    "bill.overflow",
                                    "the total does not fit decimal128(18)".to_string(),
                                )),
                                Err((code, e)) => errors.push((i, code, e)),
                            }
                        }
                        (errors, lines)
                    })
                })
                .collect();
            let mut all = (Vec::new(), Vec::new());
            for h in handles {
                let (errors, lines) = h.join().ok()?;
                all.0.extend(errors);
                all.1.extend(lines);
            }
            Some(all)
        });
        let (failures, lines) = found.ok_or_else(|| "a billing thread failed".to_string())?;
        if d.line_items {
            line_batches.push(lines_batch(&lines, &cols, &batch, row0, amount_scale)?);
        }
        let rows = UInt64Array::from_iter_values(row0..row0 + n as u64);
        let (total, code, error) = if failures.is_empty() {
            (
                Decimal128Array::from(totals),
                StringArray::new_null(n),
                StringArray::new_null(n),
            )
        } else {
            let mut ok = vec![true; n];
            let mut code = StringBuilder::new();
            let mut error = StringBuilder::new();
            let mut next = failures.iter().peekable();
            for (i, slot) in ok.iter_mut().enumerate() {
                match next.peek() {
                    Some((row, c, e)) if *row == i => {
                        *slot = false;
                        code.append_value(c);
                        error.append_value(format!("row {}: {e}", row0 + i as u64));
                        next.next();
                    }
                    _ => {
                        code.append_null();
                        error.append_null();
                    }
                }
            }
            let total = Decimal128Array::new(totals.into(), Some(NullBuffer::from(ok)));
            (total, code.finish(), error.finish())
        };
        let mut arrays: Vec<ArrayRef> = vec![Arc::new(rows)];
        if let Some(c) = cols.customer {
            arrays.push(customer_column(batch.column(c), 0..n));
        }
        let total = total
            .with_precision_and_scale(18, i8::try_from(minor).unwrap_or(2))
            .map_err(|e| e.to_string())?;
        arrays.push(Arc::new(total));
        arrays.push(Arc::new(code));
        arrays.push(Arc::new(error));
        out.push(RecordBatch::try_new(out_schema.clone(), arrays).map_err(|e| e.to_string())?);
        row0 += n as u64;
    }
    if out.is_empty() {
        out.push(RecordBatch::new_empty(out_schema));
    }
    if !d.line_items {
        return Ok((out, None));
    }
    if line_batches.is_empty() {
        let empty = lines_batch(&[], &cols, &RecordBatch::new_empty(schema), 0, amount_scale)?;
        line_batches.push(empty);
    }
    Ok((out, Some(line_batches)))
}

/// The `customer` values of `rows` of column `a`: text as text, integers
/// as int64.
fn customer_column(a: &ArrayRef, rows: impl Iterator<Item = usize>) -> ArrayRef {
    match a.data_type() {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => {
            let mut b = StringBuilder::new();
            for i in rows {
                b.append_option(text(a, i));
            }
            Arc::new(b.finish())
        }
        _ => {
            let mut b = arrow_array::builder::Int64Builder::new();
            for i in rows {
                b.append_option(int(a, i).and_then(|v| i64::try_from(v).ok()));
            }
            Arc::new(b.finish())
        }
    }
}

/// The line items of one batch's bills: `row`, `customer` (when the input
/// has one), `line` (1, 2, … within the bill), `description`, `group`,
/// `kind`, `quantity` and `rate` (decimal128, 12 places), `unit`, `amount`
/// (decimal128 at the cent, or 12 places when only totals are rounded).
fn lines_batch(
    lines: &[WaterLine],
    cols: &Cols,
    batch: &RecordBatch,
    row0: u64,
    amount_scale: u32,
) -> Result<RecordBatch, String> {
    use crate::electric_table_out::DecCol;
    let mut fields = vec![Field::new("row", DataType::UInt64, false)];
    let mut arrays: Vec<ArrayRef> = vec![Arc::new(UInt64Array::from_iter_values(
        lines.iter().map(|l| row0 + l.row as u64),
    ))];
    if let Some(c) = cols.customer {
        let customer = customer_column(batch.column(c), lines.iter().map(|l| l.row));
        fields.push(Field::new("customer", customer.data_type().clone(), true));
        arrays.push(customer);
    }
    let mut quantity = DecCol::new(38, 12);
    let mut rate = DecCol::new(38, 12);
    let mut amount = DecCol::new(38, amount_scale);
    for l in lines {
        quantity.push(l.quantity);
        rate.push(l.rate);
        amount.push(l.amount);
    }
    let text_col = |f: &dyn Fn(&WaterLine) -> &str| -> ArrayRef {
        Arc::new(StringArray::from_iter_values(lines.iter().map(f)))
    };
    fields.push(Field::new("line", DataType::Int32, false));
    arrays.push(Arc::new(arrow_array::Int32Array::from_iter_values(
        lines.iter().map(|l| l.index),
    )));
    for (name, col) in [
        ("description", text_col(&|l| l.description.as_str())),
        ("group", text_col(&|l| l.group.as_str())),
        ("kind", text_col(&|l| l.kind)),
    ] {
        fields.push(Field::new(name, DataType::Utf8, false));
        arrays.push(col);
    }
    fields.push(quantity.field("quantity"));
    arrays.push(quantity.finish()?);
    fields.push(Field::new("unit", DataType::Utf8, false));
    arrays.push(text_col(&|l| l.unit.as_str()));
    fields.push(rate.field("rate"));
    arrays.push(rate.finish()?);
    fields.push(amount.field("amount"));
    arrays.push(amount.finish()?);
    RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays).map_err(|e| e.to_string())
}
