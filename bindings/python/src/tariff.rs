//! `ratepayer.Tariff`: a validated tariff that bills one customer (from usage
//! or from meter reads) or many at once (see `batch`).

use std::str::FromStr;
use std::sync::Arc;

use chrono::NaiveDate;
use pyo3::prelude::*;

use ratepayer::meter::{service_usage, MeterReads};
use ratepayer::{BillInput, BillingPeriod, Quantity, Unit};

use crate::batch::{self, BatchResult};
use crate::bill::Bill;
use crate::errors::{bill_error, meter_error, tariff_error, Raise};
use crate::meter::{Meter, Read};
use crate::money::{to_decimal, to_decimal_opt};

/// A validated tariff, ready to bill. Cheap to share between threads.
#[pyclass(module = "ratepayer", frozen)]
pub struct Tariff {
    pub(crate) inner: Arc<ratepayer::Tariff>,
}

impl Tariff {
    /// Wraps a core tariff.
    pub fn new(t: ratepayer::Tariff) -> Tariff {
        Tariff { inner: Arc::new(t) }
    }
}

/// A unit from its symbol (`"gal"`, `"kgal"`, `"m3"`, …), or `default`.
pub fn unit_or(unit: Option<&str>, default: Unit) -> PyResult<Unit> {
    match unit {
        None => Ok(default),
        Some(u) => Unit::from_str(u)
            .map_err(|e| Raise::new::<crate::errors::BillError>("bill.unit", e.to_string()).into()),
    }
}

/// A billing period from its first and last day (both included).
pub fn period(start: NaiveDate, end: NaiveDate) -> PyResult<BillingPeriod> {
    BillingPeriod::new(start, end).map_err(|e| bill_error(&ratepayer::BillError::Period(e)))
}

#[pymethods]
impl Tariff {
    /// A tariff written in TOML; raises `TariffError` listing every problem.
    #[staticmethod]
    fn from_toml(text: &str) -> PyResult<Tariff> {
        ratepayer::Tariff::from_toml(text)
            .map(Tariff::new)
            .map_err(|e| tariff_error(&e, false))
    }

    /// A tariff written in JSON; raises `TariffError` listing every problem.
    #[staticmethod]
    fn from_json(text: &str) -> PyResult<Tariff> {
        ratepayer::Tariff::from_json(text)
            .map(Tariff::new)
            .map_err(|e| tariff_error(&e, false))
    }

    /// The tariff's identifier.
    #[getter]
    fn id(&self) -> &str {
        self.inner.id()
    }

    /// Unit of its volumetric rates (`"kgal"`, `"m3"`, …).
    #[getter]
    fn unit(&self) -> &'static str {
        self.inner.unit().symbol()
    }

    /// ISO 4217 code of its amounts.
    #[getter]
    fn currency(&self) -> String {
        self.inner.currency().to_string()
    }

    /// The tariff as pretty JSON (the data it was read from).
    fn to_json(&self) -> String {
        self.inner.to_json()
    }

    /// The bill for one account: `start`..`end` are the first and last days
    /// of service (both included); `usage` is exact (`Decimal`, `int` or a
    /// decimal string; a float is refused) in `unit` (the tariff's unit by
    /// default). Leave `usage` out for unmetered service billed per resident.
    #[pyo3(signature = (*, start, end, usage = None, unit = None, meter_size = None, customer_class = None, residents = None, therms_per_ccf = None, estimated = false))]
    #[allow(clippy::too_many_arguments)]
    fn bill(
        &self,
        start: NaiveDate,
        end: NaiveDate,
        usage: Option<&Bound<'_, PyAny>>,
        unit: Option<&str>,
        meter_size: Option<&str>,
        customer_class: Option<&str>,
        residents: Option<u32>,
        therms_per_ccf: Option<&Bound<'_, PyAny>>,
        estimated: bool,
    ) -> PyResult<Bill> {
        let unit = unit_or(unit, self.inner.unit())?;
        let usage = match usage {
            Some(u) if !u.is_none() => Some(Quantity::new(to_decimal(u, "usage")?, unit)),
            _ => None,
        };
        let input = BillInput {
            period: period(start, end)?,
            usage,
            meter_size,
            customer_class,
            residents,
            therms_per_ccf: to_decimal_opt(therms_per_ccf, "therms_per_ccf")?,
            estimated,
        };
        self.inner
            .bill(&input)
            .map(Bill::new)
            .map_err(|e| bill_error(&e))
    }

    /// The bill for one account from meter reads: `reads` is a list of
    /// `(meter, opening_read, closing_read)`, one per meter of the service;
    /// their consumption is summed in the tariff's unit, and the bill is
    /// flagged estimated when any read is.
    #[pyo3(signature = (*, start, end, reads, meter_size = None, customer_class = None, residents = None, therms_per_ccf = None))]
    #[allow(clippy::too_many_arguments)]
    fn bill_from_reads(
        &self,
        start: NaiveDate,
        end: NaiveDate,
        reads: Vec<(PyRef<'_, Meter>, PyRef<'_, Read>, PyRef<'_, Read>)>,
        meter_size: Option<&str>,
        customer_class: Option<&str>,
        residents: Option<u32>,
        therms_per_ccf: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Bill> {
        let hc = to_decimal_opt(therms_per_ccf, "therms_per_ccf")?;
        let positions: Vec<MeterReads> = reads
            .iter()
            .map(|(m, o, c)| MeterReads {
                meter: m.inner.clone(),
                opening: o.inner,
                closing: c.inner,
                exchange: None,
            })
            .collect();
        let usage =
            service_usage(&positions, self.inner.unit(), hc).map_err(|e| meter_error(&e))?;
        let mut input = BillInput::from_meters(period(start, end)?, &usage);
        input.meter_size = meter_size;
        input.customer_class = customer_class;
        input.residents = residents;
        input.therms_per_ccf = hc;
        self.inner
            .bill(&input)
            .map(Bill::new)
            .map_err(|e| bill_error(&e))
    }

    /// Bills many accounts at once, on every core with the GIL released.
    /// `usage` is a sequence or iterable of exact numbers (ints are the fast
    /// path; `Decimal` and decimal strings are accepted; floats are refused).
    /// `start`, `end`, `meter_size` and `customer_class` are each one value
    /// for every row or a sequence with one per row. `errors="raise"` raises
    /// `BillError` (with `.row`) for the first row that cannot be billed;
    /// `errors="collect"` bills the others and lists the failures.
    #[pyo3(signature = (usage, *, start, end, unit = None, meter_size = None, customer_class = None, errors = "raise"))]
    #[allow(clippy::too_many_arguments)]
    fn bill_batch(
        &self,
        py: Python<'_>,
        usage: &Bound<'_, PyAny>,
        start: &Bound<'_, PyAny>,
        end: &Bound<'_, PyAny>,
        unit: Option<&str>,
        meter_size: Option<&Bound<'_, PyAny>>,
        customer_class: Option<&Bound<'_, PyAny>>,
        errors: &str,
    ) -> PyResult<BatchResult> {
        let unit = unit_or(unit, self.inner.unit())?;
        batch::run(
            py,
            &self.inner,
            batch::Columns {
                usage,
                start: Some(start),
                end: Some(end),
                meter_size,
                customer_class,
            },
            unit,
            errors,
        )
    }

    /// Bills many accounts from columns: a mapping (a dict, or a pandas
    /// DataFrame; for pyarrow, a dict of its arrays) of equal-length
    /// sequences named `usage` and optionally
    /// `start`, `end`, `meter_size`, `customer_class`. `start`/`end` given
    /// here apply to every row that has no column of its own.
    #[pyo3(signature = (columns, *, start = None, end = None, unit = None, errors = "raise"))]
    fn bill_columns(
        &self,
        py: Python<'_>,
        columns: &Bound<'_, PyAny>,
        start: Option<&Bound<'_, PyAny>>,
        end: Option<&Bound<'_, PyAny>>,
        unit: Option<&str>,
        errors: &str,
    ) -> PyResult<BatchResult> {
        let unit = unit_or(unit, self.inner.unit())?;
        let col = |name: &str| -> PyResult<Option<Bound<'_, PyAny>>> {
            if columns.contains(name)? {
                Ok(Some(columns.get_item(name)?))
            } else {
                Ok(None)
            }
        };
        let usage = col("usage")?.ok_or_else(|| {
            pyo3::exceptions::PyKeyError::new_err(
                "the columns have no `usage`; give one exact number per account",
            )
        })?;
        let start_col = col("start")?;
        let end_col = col("end")?;
        let meter_size = col("meter_size")?;
        let class = col("customer_class")?;
        batch::run(
            py,
            &self.inner,
            batch::Columns {
                usage: &usage,
                start: start_col.as_ref().or(start),
                end: end_col.as_ref().or(end),
                meter_size: meter_size.as_ref(),
                customer_class: class.as_ref(),
            },
            unit,
            errors,
        )
    }

    /// Bills one row per bill from Arrow columns (a pyarrow Table or
    /// RecordBatchReader, a Polars or pandas DataFrame, a DuckDB relation),
    /// on every core with the interpreter released. Columns: `usage`
    /// (integers or decimal128, in `unit`; null with `residents` for an
    /// unmetered bill), `start` and `end` (date32; or `start=`/`end=` for
    /// every row, not both), and optionally `meter_size`, `customer_class` (text),
    /// `residents` (integers), `estimated` (booleans; null is not estimated) and `customer`
    /// (carried to the result). Returns an `ArrowTable` with one row per
    /// input row: `row`, `customer`, `total` (decimal128 at the currency's
    /// minor unit), and `error_code`/`error` for a row that cannot be
    /// billed (its total is null). Returns `BillTables`: `.bills`, and with
    /// `line_items=True` `.lines`, one row per line item of every bill
    /// (`row`, `customer`, `line`, `description`, `group`, `kind`,
    /// `quantity`, `unit`, `rate`, `amount`).
    #[pyo3(signature = (data, *, start = None, end = None, unit = None, line_items = false, threads = None))]
    #[allow(clippy::too_many_arguments)]
    fn bill_table(
        &self,
        py: Python<'_>,
        data: &Bound<'_, PyAny>,
        start: Option<NaiveDate>,
        end: Option<NaiveDate>,
        unit: Option<&str>,
        line_items: bool,
        threads: Option<usize>,
    ) -> PyResult<crate::electric::BillTables> {
        let defaults = crate::water_table::Defaults {
            start,
            end,
            unit: unit_or(unit, self.inner.unit())?,
            threads: threads
                .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())),
            line_items,
        };
        let reader = crate::arrow_io::reader(data)?;
        let (bills, lines) = py
            .detach(|| crate::water_table::run(&self.inner, reader, &defaults))
            .map_err(crate::arrow_io::input_error)?;
        crate::electric::BillTables::of(py, bills, lines)
    }

    fn __repr__(&self) -> String {
        format!(
            "Tariff(id={}, unit={}, currency={})",
            crate::R(self.inner.id()),
            crate::R(self.inner.unit().symbol()),
            crate::R(self.inner.currency().code())
        )
    }
}
