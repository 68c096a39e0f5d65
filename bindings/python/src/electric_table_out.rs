//! The result tables of `PreparedYear.bill_table`: what each customer's
//! bills came to, as compact rows (no `Bill` kept per month), and their
//! Arrow form. Money is `decimal128`: totals at the currency's minor unit
//! (cents), the other amounts too when each line is rounded (the default),
//! to 12 places under `sam=True` (which rounds only totals); energy in kWh
//! to 6 places (the engine's micro-kWh, exact); demand in kW to 10 places;
//! a line's quantity and rate to 12 places.

use std::sync::Arc;

use arrow_array::builder::{Decimal128Builder, Int32Builder, Int64Builder, StringBuilder};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema};
use rust_decimal::Decimal;

use ratepayer::electric::PreparedYear;

use crate::electric_table::{Key, Options};

/// The figures of one month's bill.
pub struct Figures {
    /// Energy used (generation: delivered), kWh.
    pub kwh: Decimal,
    /// Highest interval demand, kW.
    pub peak_kw: Decimal,
    /// Billing demand, kW.
    pub billing_demand_kw: Decimal,
    /// Energy charges.
    pub energy: Decimal,
    /// Demand charges, flat and time-of-use.
    pub demand: Decimal,
    /// Fixed charges.
    pub fixed: Decimal,
    /// Minimum-charge top-up.
    pub minimum: Decimal,
    /// The amount due.
    pub total: Decimal,
}

/// One month's bill of one customer.
pub struct MonthRow {
    /// 1 to 12.
    pub month: u32,
    /// What it came to.
    pub figures: Figures,
    /// For a customer who generates: received, imported and exported kWh,
    /// the export credit, the credit carried out and the true-up.
    pub generation: Option<[Decimal; 6]>,
}

/// One line of one month's bill.
pub struct LineRow {
    /// 1 to 12.
    pub month: u32,
    /// What the line is for.
    pub description: String,
    /// Its subtotal group.
    pub group: String,
    /// Its kind (`fixed`, `usage`, …).
    pub kind: &'static str,
    /// Quantity billed.
    pub quantity: Decimal,
    /// What the quantity counts.
    pub unit: String,
    /// Price per unit.
    pub rate: Decimal,
    /// The charge.
    pub amount: Decimal,
}

/// What one customer came to: its months, or an error.
pub struct Out {
    /// The customer.
    pub key: Option<Key>,
    /// Its first input row.
    pub row: u64,
    months: Vec<MonthRow>,
    lines: Vec<LineRow>,
    error: Option<(&'static str, String)>,
}

impl Out {
    /// A customer with no bills yet.
    pub fn new(key: Option<Key>, row: u64) -> Out {
        Out {
            key,
            row,
            months: Vec::new(),
            lines: Vec::new(),
            error: None,
        }
    }
    /// A customer that could not be billed.
    pub fn error(key: Option<Key>, row: u64, code: &'static str, message: String) -> Out {
        let mut out = Out::new(key, row);
        out.error = Some((code, message));
        out
    }
    /// Replaces the bills by an error.
    pub fn fail(&mut self, code: &'static str, message: String) {
        self.months.clear();
        self.lines.clear();
        self.error = Some((code, message));
    }
    /// Adds one month and its lines.
    pub fn push_month(&mut self, month: MonthRow, lines: Vec<LineRow>) {
        self.months.push(month);
        self.lines.extend(lines);
    }
}

/// `d` as a `decimal128` mantissa at `scale` (rounded half-even beyond it),
/// or `None` when it does not fit.
fn at_scale(d: Decimal, scale: u32) -> Option<i128> {
    let d = if d.scale() > scale {
        d.round_dp(scale)
    } else {
        d
    };
    let up = scale.checked_sub(d.scale())?;
    d.mantissa().checked_mul(10_i128.checked_pow(up)?)
}

/// A `decimal128(38, scale)` column being built.
pub(crate) struct DecCol {
    b: Decimal128Builder,
    scale: u32,
    precision: u8,
}

impl DecCol {
    pub(crate) fn new(precision: u8, scale: u32) -> DecCol {
        DecCol {
            b: Decimal128Builder::new(),
            scale,
            precision,
        }
    }
    /// Appends `d`; false when it does not fit (a null is appended).
    pub(crate) fn push(&mut self, d: Decimal) -> bool {
        let limit = 10_i128.pow(u32::from(self.precision));
        match at_scale(d, self.scale).filter(|m| m.abs() < limit) {
            Some(m) => {
                self.b.append_value(m);
                true
            }
            None => {
                self.b.append_null();
                false
            }
        }
    }
    fn null(&mut self) {
        self.b.append_null();
    }
    pub(crate) fn field(&self, name: &str) -> Field {
        Field::new(
            name,
            DataType::Decimal128(self.precision, i8::try_from(self.scale).unwrap_or(0)),
            true,
        )
    }
    pub(crate) fn finish(mut self) -> Result<ArrayRef, String> {
        let a = self
            .b
            .finish()
            .with_precision_and_scale(self.precision, i8::try_from(self.scale).unwrap_or(0))
            .map_err(|e| e.to_string())?;
        Ok(Arc::new(a))
    }
}

/// The customer column being built: integers or text, as the input was.
enum KeyCol {
    Int(Int64Builder),
    Text(StringBuilder),
}

impl KeyCol {
    fn push(&mut self, k: Option<&Key>) {
        match (self, k) {
            (KeyCol::Int(b), Some(Key::Int(v))) => b.append_value(*v),
            (KeyCol::Text(b), Some(Key::Text(t))) => b.append_value(t),
            (KeyCol::Text(b), Some(Key::Int(v))) => b.append_value(v.to_string()),
            (KeyCol::Int(b), _) => b.append_null(),
            (KeyCol::Text(b), None) => b.append_null(),
        }
    }
    fn field(&self) -> Field {
        match self {
            KeyCol::Int(_) => Field::new("customer", DataType::Int64, true),
            KeyCol::Text(_) => Field::new("customer", DataType::Utf8, true),
        }
    }
    fn finish(self) -> ArrayRef {
        match self {
            KeyCol::Int(mut b) => Arc::new(b.finish()),
            KeyCol::Text(mut b) => Arc::new(b.finish()),
        }
    }
}

/// The bills table and, when line items were asked for, the lines table.
pub fn build(
    outs: &[Out],
    int_ids: bool,
    year: &PreparedYear,
    options: &Options,
    generation: bool,
) -> Result<(Vec<RecordBatch>, Option<Vec<RecordBatch>>), String> {
    let minor = year.tariff().currency.minor_units();
    let money_scale = match options.policy.scope {
        ratepayer::RoundingScope::PerLine => minor,
        ratepayer::RoundingScope::TotalOnly => 12,
    };
    let key_col = || {
        if int_ids {
            KeyCol::Int(Int64Builder::new())
        } else {
            KeyCol::Text(StringBuilder::new())
        }
    };
    let mut customer = key_col();
    let mut yr = Int32Builder::new();
    let mut month = Int32Builder::new();
    let mut figures: Vec<(&str, DecCol)> = vec![
        ("kwh", DecCol::new(38, 6)),
        ("peak_kw", DecCol::new(38, 6)),
        ("billing_demand_kw", DecCol::new(38, 10)),
        ("energy", DecCol::new(38, money_scale)),
        ("demand", DecCol::new(38, money_scale)),
        ("fixed", DecCol::new(38, money_scale)),
        ("minimum", DecCol::new(38, money_scale)),
        ("total", DecCol::new(18, minor)),
    ];
    let mut gen: Vec<(&str, DecCol)> = if generation {
        vec![
            ("received_kwh", DecCol::new(38, 6)),
            ("imported_kwh", DecCol::new(38, 6)),
            ("exported_kwh", DecCol::new(38, 6)),
            ("export_credit", DecCol::new(38, money_scale)),
            ("credit_out", DecCol::new(38, money_scale)),
            ("true_up", DecCol::new(38, money_scale)),
        ]
    } else {
        Vec::new()
    };
    let mut code = StringBuilder::new();
    let mut error = StringBuilder::new();
    let range_error = "a figure of this bill does not fit its decimal128 column";
    for out in outs {
        let Some((c, e)) = &out.error else {
            for m in &out.months {
                customer.push(out.key.as_ref());
                yr.append_value(year.year());
                month.append_value(i32::try_from(m.month).unwrap_or(0));
                let f = &m.figures;
                let values = [
                    f.kwh,
                    f.peak_kw,
                    f.billing_demand_kw,
                    f.energy,
                    f.demand,
                    f.fixed,
                    f.minimum,
                    f.total,
                ];
                let mut fits = true;
                for ((_, col), v) in figures.iter_mut().zip(values) {
                    fits &= col.push(v);
                }
                if let Some(g) = &m.generation {
                    for ((_, col), v) in gen.iter_mut().zip(g.iter()) {
                        fits &= col.push(*v);
                    }
                }
                if fits {
                    code.append_null();
                    error.append_null();
                } else {
                    code.append_value("batch.overflow");
                    error.append_value(range_error);
                }
            }
            continue;
        };
        customer.push(out.key.as_ref());
        yr.append_value(year.year());
        month.append_null();
        for (_, col) in figures.iter_mut().chain(gen.iter_mut()) {
            col.null();
        }
        code.append_value(c);
        error.append_value(e);
    }
    let mut fields = vec![
        customer.field(),
        Field::new("year", DataType::Int32, false),
        Field::new("month", DataType::Int32, true),
    ];
    let mut arrays: Vec<ArrayRef> = vec![
        customer.finish(),
        Arc::new(yr.finish()),
        Arc::new(month.finish()),
    ];
    for (name, col) in figures.into_iter().chain(gen) {
        fields.push(col.field(name));
        arrays.push(col.finish()?);
    }
    fields.push(Field::new("error_code", DataType::Utf8, true));
    fields.push(Field::new("error", DataType::Utf8, true));
    arrays.push(Arc::new(code.finish()));
    arrays.push(Arc::new(error.finish()));
    let bills =
        RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays).map_err(|e| e.to_string())?;
    if !options.line_items {
        return Ok((vec![bills], None));
    }
    let mut customer = key_col();
    let mut yr = Int32Builder::new();
    let mut month = Int32Builder::new();
    let mut line = Int32Builder::new();
    let mut description = StringBuilder::new();
    let mut group = StringBuilder::new();
    let mut kind = StringBuilder::new();
    let mut quantity = DecCol::new(38, 12);
    let mut unit = StringBuilder::new();
    let mut rate = DecCol::new(38, 12);
    let mut amount = DecCol::new(38, money_scale);
    for out in outs {
        let mut last_month = 0;
        let mut index = 0;
        for l in &out.lines {
            if l.month != last_month {
                last_month = l.month;
                index = 0;
            }
            index += 1;
            customer.push(out.key.as_ref());
            yr.append_value(year.year());
            month.append_value(i32::try_from(l.month).unwrap_or(0));
            line.append_value(index);
            description.append_value(&l.description);
            group.append_value(&l.group);
            kind.append_value(l.kind);
            quantity.push(l.quantity);
            unit.append_value(&l.unit);
            rate.push(l.rate);
            amount.push(l.amount);
        }
    }
    let fields = vec![
        customer.field(),
        Field::new("year", DataType::Int32, false),
        Field::new("month", DataType::Int32, false),
        Field::new("line", DataType::Int32, false),
        Field::new("description", DataType::Utf8, false),
        Field::new("group", DataType::Utf8, false),
        Field::new("kind", DataType::Utf8, false),
        quantity.field("quantity"),
        Field::new("unit", DataType::Utf8, false),
        rate.field("rate"),
        amount.field("amount"),
    ];
    let arrays: Vec<ArrayRef> = vec![
        customer.finish(),
        Arc::new(yr.finish()),
        Arc::new(month.finish()),
        Arc::new(line.finish()),
        Arc::new(description.finish()),
        Arc::new(group.finish()),
        Arc::new(kind.finish()),
        quantity.finish()?,
        Arc::new(unit.finish()),
        rate.finish()?,
        amount.finish()?,
    ];
    let lines =
        RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays).map_err(|e| e.to_string())?;
    Ok((vec![bills], Some(vec![lines])))
}
