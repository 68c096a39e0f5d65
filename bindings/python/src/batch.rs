//! The back-office batch: bill many accounts of one tariff at once.
//!
//! Inputs are converted while attached to Python (ints are the fast path;
//! `Decimal` and decimal strings are exact too; floats are refused), then the
//! interpreter is released (`Python::detach`) and the rows are billed in
//! chunks on every core (`std::thread::scope`). Totals come back as one
//! `array.array('q')` of amounts in the currency's minor units (cents for
//! USD), so a million bills cost no million `Decimal` objects; `Decimal`s are
//! made only on demand (`result.totals()`, `result[i]`).

use std::collections::HashMap;
use std::sync::Arc;

use chrono::NaiveDate;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyDate, PyDict, PyFloat, PyInt, PyList, PyString, PyType};
use rust_decimal::Decimal;

use ratepayer::{BillInput, BillingPeriod, Quantity, Tariff, Unit};

use crate::errors::{bill_code, bill_row_error};
use crate::money::{float_refused, py_decimal, to_decimal};

/// The input columns of a batch, as Python objects.
pub struct Columns<'a, 'py> {
    /// Usage per row.
    pub usage: &'a Bound<'py, PyAny>,
    /// First day of service: one date, or one per row.
    pub start: Option<&'a Bound<'py, PyAny>>,
    /// Last day of service: one date, or one per row.
    pub end: Option<&'a Bound<'py, PyAny>>,
    /// Meter size: one, or one per row (None where not needed).
    pub meter_size: Option<&'a Bound<'py, PyAny>>,
    /// Customer class: one, or one per row.
    pub customer_class: Option<&'a Bound<'py, PyAny>>,
}

/// One value for every row, or one per row.
enum Col<T> {
    One(T),
    Many(Vec<T>),
}

impl<T: Copy> Col<T> {
    fn get(&self, i: usize) -> Option<T> {
        match self {
            Col::One(v) => Some(*v),
            Col::Many(v) => v.get(i).copied(),
        }
    }
    fn check_len(&self, name: &str, n: usize) -> PyResult<()> {
        match self {
            Col::Many(v) if v.len() != n => Err(PyValueError::new_err(format!(
                "`{name}` has {} rows but `usage` has {n}; give one per row or a single value",
                v.len()
            ))),
            _ => Ok(()),
        }
    }
}

/// Text values interned: each row holds an index into `values` (0 = none).
struct Interned {
    values: Vec<String>,
    rows: Col<u32>,
}

impl Interned {
    fn get(&self, i: usize) -> Option<&str> {
        self.rows
            .get(i)
            .filter(|k| *k > 0)
            .and_then(|k| self.values.get(k as usize - 1))
            .map(String::as_str)
    }
}

/// A sequence as a list: lists as they are, anything with `tolist()` or
/// `to_pylist()` (numpy arrays, pandas Series, pyarrow arrays) through it,
/// other iterables collected.
fn as_list<'py>(obj: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyList>> {
    if let Ok(l) = obj.cast::<PyList>() {
        return Ok(l.clone());
    }
    // numpy arrays and pandas Series have `tolist`, pyarrow arrays `to_pylist`.
    for method in ["tolist", "to_pylist"] {
        if obj.hasattr(method)? {
            if let Ok(l) = obj.call_method0(method)?.cast_into::<PyList>() {
                return Ok(l);
            }
        }
    }
    if obj.is_instance_of::<PyString>() {
        return Err(PyTypeError::new_err(
            "expected a sequence with one value per row, not a str",
        ));
    }
    PyList::new(obj.py(), obj.try_iter()?.collect::<PyResult<Vec<_>>>()?)
}

fn usage_column(obj: &Bound<'_, PyAny>) -> PyResult<Vec<Decimal>> {
    let list = as_list(obj)?;
    let mut out = Vec::with_capacity(list.len());
    for (i, item) in list.iter().enumerate() {
        if item.is_exact_instance_of::<PyInt>() {
            if let Ok(v) = item.extract::<i64>() {
                out.push(Decimal::from(v));
                continue;
            }
        }
        if item.is_instance_of::<PyFloat>() {
            return Err(float_refused(&format!("usage[{i}]")));
        }
        let what = format!("usage[{i}]");
        out.push(to_decimal(&item, &what)?);
    }
    Ok(out)
}

fn date_column(obj: &Bound<'_, PyAny>, name: &str) -> PyResult<Col<NaiveDate>> {
    if obj.is_instance_of::<PyDate>() {
        return Ok(Col::One(obj.extract()?));
    }
    let list = as_list(obj)?;
    let mut out = Vec::with_capacity(list.len());
    let mut last: Option<(Bound<'_, PyAny>, NaiveDate)> = None;
    for item in list.iter() {
        // Rows of one file often share one date object: reuse its conversion.
        let d = match &last {
            Some((o, d)) if o.is(&item) => *d,
            _ => {
                let d: NaiveDate = item.extract().map_err(|_| {
                    PyTypeError::new_err(format!("`{name}` must hold datetime.date values"))
                })?;
                last = Some((item, d));
                d
            }
        };
        out.push(d);
    }
    Ok(Col::Many(out))
}

fn text_column(obj: Option<&Bound<'_, PyAny>>, name: &str) -> PyResult<Interned> {
    let mut values: Vec<String> = Vec::new();
    let Some(obj) = obj.filter(|o| !o.is_none()) else {
        return Ok(Interned {
            values,
            rows: Col::One(0),
        });
    };
    if let Ok(s) = obj.cast::<PyString>() {
        values.push(s.to_str()?.to_string());
        return Ok(Interned {
            values,
            rows: Col::One(1),
        });
    }
    let list = as_list(obj)?;
    let mut index: HashMap<String, u32> = HashMap::new();
    let mut rows = Vec::with_capacity(list.len());
    for item in list.iter() {
        if item.is_none() {
            rows.push(0);
            continue;
        }
        let s = item.cast::<PyString>().map_err(|_| {
            PyTypeError::new_err(format!("`{name}` must hold str values (or None)"))
        })?;
        let text = s.to_str()?;
        let k = match index.get(text) {
            Some(k) => *k,
            None => {
                values.push(text.to_string());
                let k = u32::try_from(values.len()).unwrap_or(u32::MAX);
                index.insert(text.to_string(), k);
                k
            }
        };
        rows.push(k);
    }
    Ok(Interned {
        values,
        rows: Col::Many(rows),
    })
}

/// What went wrong on one row.
struct RowError {
    row: usize,
    code: &'static str,
    message: String,
}

/// Everything the billing threads need, owned (no Python objects).
struct Job {
    tariff: Arc<Tariff>,
    unit: Unit,
    usage: Vec<Decimal>,
    start: Col<NaiveDate>,
    end: Col<NaiveDate>,
    meter_size: Interned,
    class: Interned,
    stop_at_first: bool,
}

const MISSING_PERIOD: &str = "`start` and `end` are required: the first and last day of service";

impl Job {
    fn bill_row(&self, i: usize, minor: u32) -> Result<i64, RowError> {
        let err = |code: &'static str, message: String| RowError {
            row: i,
            code,
            message,
        };
        let (Some(from), Some(to)) = (self.start.get(i), self.end.get(i)) else {
            return Err(err("bill.period", MISSING_PERIOD.into()));
        };
        let period = BillingPeriod::new(from, to)
            .map_err(|e| err("bill.period", format!("`period`: {e}")))?;
        let value = self.usage.get(i).copied().unwrap_or_default();
        let input = BillInput {
            period,
            usage: Some(Quantity::new(value, self.unit)),
            meter_size: self.meter_size.get(i),
            customer_class: self.class.get(i),
            residents: None,
            therms_per_ccf: None,
            estimated: false,
        };
        let bill = self
            .tariff
            .bill(&input)
            .map_err(|e| err(bill_code(&e), e.to_string()))?;
        let mut total = bill.total.amount();
        total.rescale(minor);
        i64::try_from(total.mantissa()).map_err(|_| {
            err(
                "bill.overflow",
                "the total does not fit in 64-bit minor units".into(),
            )
        })
    }

    /// Bills rows `range`, writing totals into `out`.
    fn bill_chunk(&self, first: usize, out: &mut [i64], minor: u32) -> Vec<RowError> {
        let mut errors = Vec::new();
        for (k, slot) in out.iter_mut().enumerate() {
            match self.bill_row(first + k, minor) {
                Ok(t) => *slot = t,
                Err(e) => {
                    errors.push(e);
                    if self.stop_at_first {
                        break;
                    }
                }
            }
        }
        errors
    }

    /// Bills every row on `threads` threads.
    fn run(&self, threads: usize) -> (Vec<i64>, Vec<RowError>) {
        let n = self.usage.len();
        let minor = self.tariff.currency().minor_units();
        let mut totals = vec![0_i64; n];
        let chunk = n.div_ceil(threads.max(1)).max(1);
        let mut errors: Vec<RowError> = std::thread::scope(|s| {
            let handles: Vec<_> = totals
                .chunks_mut(chunk)
                .enumerate()
                .map(|(c, out)| s.spawn(move || self.bill_chunk(c * chunk, out, minor)))
                .collect();
            handles
                .into_iter()
                .flat_map(|h| {
                    h.join().unwrap_or_else(|_| {
                        vec![RowError {
                            row: 0,
                            code: "bill.internal",
                            message: "a billing thread failed".into(),
                        }]
                    })
                })
                .collect()
        });
        errors.sort_by_key(|e| e.row);
        (totals, errors)
    }
}

fn threads_for(rows: usize) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    // Below a few thousand rows a thread costs more than it saves.
    cores.min(rows / 4096 + 1)
}

static ARRAY: PyOnceLock<Py<PyType>> = PyOnceLock::new();

fn int64_array<'py>(py: Python<'py>, values: &[i64]) -> PyResult<Bound<'py, PyAny>> {
    let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_ne_bytes()).collect();
    ARRAY
        .import(py, "array", "array")?
        .call1(("q", PyBytes::new(py, &bytes)))
}

/// Bills every row of `cols` under `tariff`.
pub fn run(
    py: Python<'_>,
    tariff: &Arc<Tariff>,
    cols: Columns<'_, '_>,
    unit: Unit,
    errors: &str,
) -> PyResult<BatchResult> {
    let stop_at_first = match errors {
        "raise" => true,
        "collect" => false,
        other => {
            return Err(PyValueError::new_err(format!(
                "errors=`{other}` is not known; use \"raise\" or \"collect\""
            )))
        }
    };
    let usage = usage_column(cols.usage)?;
    let n = usage.len();
    let missing = || PyValueError::new_err(MISSING_PERIOD);
    let start = date_column(cols.start.ok_or_else(missing)?, "start")?;
    let end = date_column(cols.end.ok_or_else(missing)?, "end")?;
    let meter_size = text_column(cols.meter_size, "meter_size")?;
    let class = text_column(cols.customer_class, "customer_class")?;
    start.check_len("start", n)?;
    end.check_len("end", n)?;
    meter_size.rows.check_len("meter_size", n)?;
    class.rows.check_len("customer_class", n)?;
    let job = Job {
        tariff: tariff.clone(),
        unit,
        usage,
        start,
        end,
        meter_size,
        class,
        stop_at_first,
    };
    let (totals, failures) = py.detach(|| job.run(threads_for(n)));
    if stop_at_first {
        if let Some(e) = failures.first() {
            return Err(bill_row_error(e.row, e.code, &e.message));
        }
    }
    let mut ok = vec![true; n];
    for e in &failures {
        if let Some(slot) = ok.get_mut(e.row) {
            *slot = false;
        }
    }
    Ok(BatchResult {
        totals_minor: int64_array(py, &totals)?.unbind(),
        totals,
        ok,
        errors: failures
            .into_iter()
            .map(|e| (e.row, e.code, e.message))
            .collect(),
        minor_units: tariff.currency().minor_units(),
        currency: tariff.currency().to_string(),
        tariff_id: tariff.id().to_string(),
    })
}

/// The totals of a batch, as columns. `totals_minor` is an `array.array('q')`
/// of totals in the currency's minor units (cents for USD); `totals()` and
/// indexing give `decimal.Decimal` on demand (None for a failed row).
#[pyclass(module = "ratepayer", frozen)]
pub struct BatchResult {
    totals_minor: Py<PyAny>,
    totals: Vec<i64>,
    ok: Vec<bool>,
    errors: Vec<(usize, &'static str, String)>,
    minor_units: u32,
    currency: String,
    tariff_id: String,
}

impl BatchResult {
    fn decimal_at<'py>(&self, py: Python<'py>, i: usize) -> PyResult<Bound<'py, PyAny>> {
        match (self.ok.get(i), self.totals.get(i)) {
            (Some(true), Some(t)) => py_decimal(py, Decimal::new(*t, self.minor_units)),
            (Some(false), _) => Ok(py.None().into_bound(py)),
            _ => Err(pyo3::exceptions::PyIndexError::new_err(
                "batch row out of range",
            )),
        }
    }
}

#[pymethods]
impl BatchResult {
    /// Totals in minor units (`array.array('q')`; 0 for a failed row).
    #[getter]
    fn totals_minor(&self, py: Python<'_>) -> Py<PyAny> {
        self.totals_minor.clone_ref(py)
    }
    /// Digits after the decimal point of the currency (2 for USD).
    #[getter]
    fn minor_units(&self) -> u32 {
        self.minor_units
    }
    /// ISO 4217 code of the totals.
    #[getter]
    fn currency(&self) -> &str {
        &self.currency
    }
    /// The tariff billed.
    #[getter]
    fn tariff_id(&self) -> &str {
        &self.tariff_id
    }
    /// Per row: True when billed.
    #[getter]
    fn ok(&self) -> Vec<bool> {
        self.ok.clone()
    }
    /// Rows that could not be billed, as `(row, code, message)`
    /// (`errors="collect"` only; empty otherwise).
    #[getter]
    fn errors(&self) -> Vec<(usize, &'static str, String)> {
        self.errors.clone()
    }
    /// Every total as `decimal.Decimal` (None for a failed row).
    fn totals<'py>(&self, py: Python<'py>) -> PyResult<Vec<Bound<'py, PyAny>>> {
        (0..self.totals.len())
            .map(|i| self.decimal_at(py, i))
            .collect()
    }
    /// The sum of the billed totals, as `decimal.Decimal`.
    fn sum<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let s: i128 = self.totals.iter().map(|t| i128::from(*t)).sum();
        let d = Decimal::try_from_i128_with_scale(s, self.minor_units)
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        py_decimal(py, d)
    }
    /// The columns as a dict (`total_minor`, `ok`), ready for
    /// `pandas.DataFrame(result.columns())` or `pyarrow.table(...)`.
    fn columns<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("total_minor", self.totals_minor.clone_ref(py))?;
        d.set_item("ok", self.ok.clone())?;
        Ok(d)
    }
    fn __len__(&self) -> usize {
        self.totals.len()
    }
    fn __getitem__<'py>(&self, py: Python<'py>, index: isize) -> PyResult<Bound<'py, PyAny>> {
        let n = self.totals.len() as isize;
        let i = if index < 0 { index + n } else { index };
        let i = usize::try_from(i)
            .map_err(|_| pyo3::exceptions::PyIndexError::new_err("batch row out of range"))?;
        self.decimal_at(py, i)
    }
    fn __repr__(&self) -> String {
        format!(
            "<BatchResult {} rows of {}, {} failed, currency={}>",
            self.totals.len(),
            self.tariff_id,
            self.errors.len(),
            self.currency
        )
    }
}
