//! `ratepayer.ElectricTariff`, `ratepayer.PreparedYear` and their bills: a
//! URDB rate (or a tariff in the engine's JSON form) prepared for a year and
//! billed from interval meter data, for consumption only
//! (`ElectricMonth`) or for a customer who generates, under one of SAM's
//! metering options (`GenerationMonth`). Money is `decimal.Decimal`; meter
//! values may be `Decimal`, `int`, `str` or `float` (a float is a meter
//! reading, not money: it is read by its shortest decimal form).

use std::str::FromStr;

use arrow_array::Array;
use chrono::NaiveDateTime;
use pyo3::prelude::*;
use rust_decimal::Decimal;

use ratepayer::electric::{
    self, ElectricError as CoreElectricError, IntervalSeries, MeterChannels, Metering,
    MeteringOptions,
};
use ratepayer::RoundingPolicy;

use crate::bill::Bill;
use crate::errors::{BillError, Raise, TariffError};
use crate::money::{py_decimal, py_money, to_decimal_opt};

/// The Python exception for an electric error: a tariff that cannot be read
/// or breaks rules is a `TariffError` (`.problems` lists every problem);
/// meter data that cannot be billed is a `BillError`.
fn electric_error(e: &CoreElectricError) -> PyErr {
    Python::attach(|py| match e {
        CoreElectricError::Invalid { problems } => {
            Raise::new::<TariffError>("tariff.invalid", e.to_string())
                .problems(py, problems)
                .into()
        }
        CoreElectricError::Json(_) => {
            Raise::new::<TariffError>("tariff.parse", e.to_string()).into()
        }
        CoreElectricError::Series(_) => {
            Raise::new::<BillError>("electric.series", e.to_string()).into()
        }
        CoreElectricError::OutsideYear(_) => {
            Raise::new::<BillError>("electric.outside_year", e.to_string()).into()
        }
        CoreElectricError::Year(_) => {
            Raise::new::<BillError>("electric.year", e.to_string()).into()
        }
        CoreElectricError::Overflow(_) => {
            Raise::new::<BillError>("electric.overflow", e.to_string()).into()
        }
    })
}

/// One meter value in kWh: `Decimal`, `int`, `str`, or a finite `float`
/// (read by its shortest decimal form, so `0.1` is 0.1 kWh). `what` names it
/// in errors.
fn kwh_value(obj: &Bound<'_, PyAny>, what: &str, i: usize) -> PyResult<Decimal> {
    let refuse = |why: String| -> PyErr {
        Raise::new::<BillError>("electric.series", format!("{what}[{i}] {why}")).into()
    };
    if let Ok(f) = obj.extract::<f64>() {
        if obj.is_instance_of::<pyo3::types::PyFloat>() {
            if !f.is_finite() {
                return Err(refuse(format!(
                    "is {f}; give a finite number of kWh (a missing reading must be estimated, not sent as NaN)"
                )));
            }
            return electric::kwh_decimal(f)
                .ok_or_else(|| refuse(format!("is {f}; give kWh within ±10,000,000")));
        }
    }
    let text = obj.str()?.to_string();
    Decimal::from_str(text.trim())
        .or_else(|_| Decimal::from_scientific(text.trim()))
        .map_err(|_| refuse(format!("is {text:?}; give a number of kWh")))
}

/// A sequence of meter values (list, tuple, numpy array, any iterable).
fn kwh_values(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Vec<Decimal>> {
    let mut out = Vec::new();
    for (i, item) in obj.try_iter()?.enumerate() {
        out.push(kwh_value(&item?, what, i)?);
    }
    Ok(out)
}

/// The values of an array of numbers (a numpy array, or anything numpy
/// takes through `__array__`: pandas and Polars series, pyarrow arrays) as
/// little-endian doubles in one `bytes` copy rather than an object per
/// value; `None` for anything else (a list, a tuple, an array of
/// `Decimal`s), which is read value by value. Integer arrays are taken
/// whole (exact below 2^53 kWh).
fn array_floats<'py>(
    obj: &Bound<'py, PyAny>,
    what: &str,
) -> PyResult<Option<Bound<'py, pyo3::types::PyBytes>>> {
    if obj.is_instance_of::<pyo3::types::PyList>()
        || obj.is_instance_of::<pyo3::types::PyTuple>()
        || !obj.hasattr("__array__")?
    {
        return Ok(None);
    }
    let Ok(numpy) = obj.py().import("numpy") else {
        return Ok(None);
    };
    let array = numpy.call_method1("asarray", (obj,))?;
    let kind: String = array.getattr("dtype")?.getattr("kind")?.extract()?;
    if !matches!(kind.as_str(), "f" | "i" | "u") {
        return Ok(None);
    }
    let ndim: usize = array.getattr("ndim")?.extract()?;
    if ndim != 1 {
        return Err(Raise::new::<BillError>(
            "electric.series",
            format!("{what} has {ndim} dimensions; give one value per interval (a 1-D array)"),
        )
        .into());
    }
    let array = numpy.call_method1("ascontiguousarray", (array, "<f8"))?;
    Ok(Some(
        array
            .call_method0("tobytes")?
            .cast_into::<pyo3::types::PyBytes>()?,
    ))
}

/// The values of a 1-D buffer of doubles (a float64 numpy array, an
/// `array.array('d')`, a memoryview of either) in micro-kWh, copied once
/// through the buffer protocol (no Python call, no `bytes` object); `None`
/// for anything else (other dtypes and 2-D arrays take the numpy path,
/// which names their problems).
fn buffer_micro_kwh(obj: &Bound<'_, PyAny>) -> Option<Result<Vec<i64>, (usize, f64)>> {
    if obj.is_instance_of::<pyo3::types::PyList>() || obj.is_instance_of::<pyo3::types::PyTuple>() {
        return None;
    }
    let buffer = pyo3::buffer::PyBuffer::<f64>::get(obj).ok()?;
    if buffer.dimensions() != 1 {
        return None;
    }
    let values = buffer.to_vec(obj.py()).ok()?;
    let mut out = Vec::with_capacity(values.len());
    Some(match electric::extend_micro_kwh(&values, &mut out) {
        Ok(()) => Ok(out),
        Err(i) => Err((i, values.get(i).copied().unwrap_or(f64::NAN))),
    })
}

/// Little-endian doubles in micro-kWh, 64 at a time through a stack block
/// (no second copy of the array); `Err(i)` names the first value that
/// cannot be read, with the value.
fn micro_of_le_doubles(bytes: &[u8]) -> Result<Vec<i64>, (usize, f64)> {
    let mut out = Vec::with_capacity(bytes.len() / 8);
    let mut block = [0f64; 64];
    for (b, chunk) in bytes.chunks(64 * 8).enumerate() {
        let mut n = 0;
        for (slot, c) in block.iter_mut().zip(chunk.chunks_exact(8)) {
            *slot = f64::from_le_bytes(c.try_into().unwrap_or([0; 8]));
            n += 1;
        }
        let values = block.get(..n).unwrap_or_default();
        electric::extend_micro_kwh(values, &mut out)
            .map_err(|i| (b * 64 + i, values.get(i).copied().unwrap_or(f64::NAN)))?;
    }
    Ok(out)
}

/// The values of an Arrow array (anything with `__arrow_c_array__` or
/// `__arrow_c_stream__`: pyarrow arrays and chunked arrays, Polars series)
/// in micro-kWh, read in place; `None` for anything else. A null, NaN or
/// out-of-range value is refused naming its index.
fn arrow_micro_kwh(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Option<Vec<i64>>> {
    if obj.is_instance_of::<pyo3::types::PyList>() || obj.is_instance_of::<pyo3::types::PyTuple>() {
        return Ok(None);
    }
    let Some(chunks) = crate::arrow_io::array_chunks(obj)? else {
        return Ok(None);
    };
    let mut out = Vec::with_capacity(chunks.iter().map(|c| c.len()).sum());
    for chunk in &chunks {
        let offset = out.len();
        crate::electric_table::micro_into(chunk, 0, chunk.len(), &mut out, what).map_err(
            |(i, why)| -> PyErr {
                Raise::new::<BillError>("electric.series", format!("{what}[{}]: {why}", offset + i))
                    .into()
            },
        )?;
    }
    Ok(Some(out))
}

/// Meter values in micro-kWh from anything `bill` takes: an Arrow array
/// (read in place), an array numpy takes (one copy, then one tight loop),
/// or a sequence of `Decimal`, `int`, `str` or `float` (value by value),
/// each rounded half-even to the micro-kWh. A value that cannot be read is
/// refused as `what[i]`; the range is checked by the series.
fn meter_values(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Vec<i64>> {
    if let Some(micro) = arrow_micro_kwh(obj, what)? {
        return Ok(micro);
    }
    let refuse = |i: usize, why: String| -> PyErr {
        Raise::new::<BillError>("electric.series", format!("{what}[{i}] {why}")).into()
    };
    let read = match buffer_micro_kwh(obj) {
        Some(read) => Some(read),
        None => array_floats(obj, what)?.map(|bytes| micro_of_le_doubles(bytes.as_bytes())),
    };
    if let Some(read) = read {
        return read.map_err(|(i, f)| {
            refuse(
                i,
                if f.is_finite() {
                    format!("is {f}; give kWh within ±10,000,000")
                } else {
                    format!("is {f}; give a finite number of kWh (a missing reading must be estimated, not sent as NaN)")
                },
            )
        });
    }
    kwh_values(obj, what)?
        .iter()
        .enumerate()
        .map(|(i, d)| {
            d.round_dp(6)
                .checked_mul(Decimal::from(electric::MICRO_KWH_PER_KWH))
                .and_then(|m| i64::try_from(m).ok())
                .ok_or_else(|| refuse(i, format!("is {d}; give kWh within ±10,000,000")))
        })
        .collect()
}

/// Interval length in minutes (a divisor of 60), as the engine keeps it.
fn step(interval_minutes: u32) -> PyResult<u16> {
    u16::try_from(interval_minutes).map_err(|_| {
        Raise::new::<BillError>(
            "electric.series",
            format!(
                "interval_minutes is {interval_minutes}; give 1, 5, 15, 30 or 60 (a divisor of 60)"
            ),
        )
        .into()
    })
}

/// The rounding of a bill: every line to the cent (a utility's bill), or,
/// with `sam=True`, only the total (as SAM computes, to compare with it).
fn policy(sam: bool) -> RoundingPolicy {
    if sam {
        RoundingPolicy::TOTAL_ONLY_HALF_UP
    } else {
        RoundingPolicy::PER_LINE_HALF_UP
    }
}

/// An electric tariff: energy and demand charges by period and tier,
/// schedules, fixed and minimum charges, and (for customers who generate)
/// sell rates and a default metering option.
#[pyclass(module = "ratepayer", frozen)]
pub struct ElectricTariff {
    inner: electric::ElectricTariff,
    unused: Vec<(String, String)>,
}

#[pymethods]
impl ElectricTariff {
    /// Imports one URDB rate object (or the URDB API's answer with one item)
    /// from JSON text, as tariff `id`. Fields the engine does not use are in
    /// `.unused`, each with the reason; a rate it cannot bill raises
    /// `TariffError` listing every problem.
    #[staticmethod]
    #[pyo3(signature = (json_text, id = "urdb"))]
    fn from_urdb(json_text: &str, id: &str) -> PyResult<ElectricTariff> {
        let imported = electric::urdb::import(id, json_text).map_err(|e| electric_error(&e))?;
        Ok(ElectricTariff {
            inner: imported.tariff,
            unused: imported
                .unused
                .into_iter()
                .map(|u| (u.field, u.reason))
                .collect(),
        })
    }

    /// A tariff in the engine's own JSON form (what `to_json` writes). An
    /// unknown, missing or mistyped field raises `TariffError` naming its
    /// path; a tariff that breaks rules raises it listing every problem.
    #[staticmethod]
    fn from_json(json_text: &str) -> PyResult<ElectricTariff> {
        let inner =
            electric::ElectricTariff::from_json(json_text).map_err(|e| electric_error(&e))?;
        Ok(ElectricTariff {
            inner,
            unused: Vec::new(),
        })
    }

    /// The tariff in the engine's JSON form (a URDB rate once imported can
    /// be kept, reviewed and edited; `from_json` reads it back).
    fn to_json(&self) -> String {
        self.inner.to_json()
    }

    /// The tariff's id.
    #[getter]
    fn id(&self) -> &str {
        &self.inner.id
    }

    /// The URDB fields not used, as `(field, reason)` pairs, in field order.
    #[getter]
    fn unused(&self) -> Vec<(String, String)> {
        self.unused.clone()
    }

    /// The metering option the rate names (URDB `dgrules`), or `None`.
    #[getter]
    fn metering(&self) -> Option<&'static str> {
        self.inner.metering.map(Metering::name)
    }

    /// Validates the tariff and prepares it for calendar year `year` (the
    /// energy and demand period of every hour, built once; weekends on the
    /// weekend schedules).
    fn prepare(&self, year: i32) -> PyResult<PreparedYear> {
        self.inner
            .prepare(year, None)
            .map(|inner| PreparedYear { inner })
            .map_err(|e| electric_error(&e))
    }

    fn __repr__(&self) -> String {
        format!("ElectricTariff({:?})", self.inner.id)
    }
}

/// A tariff prepared for one calendar year. Cheap to share between threads.
#[pyclass(module = "ratepayer", frozen)]
pub struct PreparedYear {
    inner: electric::PreparedYear,
}

impl PreparedYear {
    /// The metering option and its settings for customers who generate:
    /// `metering` by name, or the rate's `dgrules`; an error when neither
    /// names one.
    fn metering_options(
        &self,
        metering: Option<&str>,
        year_end_sell_rate: Option<&Bound<'_, PyAny>>,
        true_up_month: Option<u32>,
    ) -> PyResult<MeteringOptions> {
        let metering = match metering {
            Some(name) => Metering::parse(name).map_err(|e| electric_error(&e))?,
            None => self.inner.tariff().metering.ok_or_else(|| -> PyErr {
                Raise::new::<BillError>(
                    "electric.metering",
                    format!(
                        "the tariff `{}` names no metering option (URDB dgrules); give metering= one of {}",
                        self.inner.tariff().id,
                        Metering::ALL.map(Metering::name).join(", ")
                    ),
                )
                .into()
            })?,
        };
        let mut options = MeteringOptions::new(metering);
        if let Some(rate) = to_decimal_opt(year_end_sell_rate, "year_end_sell_rate")? {
            options.year_end_sell_rate = rate;
        }
        if let Some(m) = true_up_month {
            options.true_up_month = m;
        }
        Ok(options)
    }
}

#[pymethods]
impl PreparedYear {
    /// The year prepared.
    #[getter]
    fn year(&self) -> i32 {
        self.inner.year()
    }

    /// Bills consumption: `kwh` per interval from `start` (local clock
    /// time, on an interval boundary, in the prepared year), every
    /// `interval_minutes`. One `ElectricMonth` per calendar month with
    /// data, each billed whole, as SAM does. Values are rounded half-even
    /// to the micro-kWh (the engine's unit); each must be 0 to 10,000,000
    /// kWh. `sam=True` rounds only the totals (to compare with SAM).
    #[pyo3(signature = (kwh, start, interval_minutes = 60, sam = false))]
    fn bill(
        &self,
        py: Python<'_>,
        kwh: &Bound<'_, PyAny>,
        start: NaiveDateTime,
        interval_minutes: u32,
        sam: bool,
    ) -> PyResult<Vec<ElectricMonth>> {
        let micro = meter_values(kwh, "kwh")?;
        let step = step(interval_minutes)?;
        let statement = py
            .detach(|| {
                let series = IntervalSeries::from_micro_kwh(start, step, micro)?;
                self.inner.bill(&series, policy(sam))
            })
            .map_err(|e| electric_error(&e))?;
        Ok(statement
            .months
            .into_iter()
            .map(|inner| ElectricMonth { inner })
            .collect())
    }

    /// Bills a customer who generates: `delivered` (from the grid) and
    /// `received` (to the grid) kWh per interval from `start`, under
    /// `metering` (`net_metering`, `net_metering_dollar`, `net_billing`,
    /// `net_billing_carryover`, `buy_all_sell_all`; by default the rate's
    /// `dgrules`), with the year-end sell rate and true-up month of net
    /// metering. One `GenerationMonth` per calendar month with data, saying
    /// what was exported, credited and carried. `received` may be negative
    /// only as a generator's stand-by draw.
    #[pyo3(signature = (delivered, received, start, interval_minutes = 60, metering = None, year_end_sell_rate = None, true_up_month = None, sam = false))]
    #[allow(clippy::too_many_arguments)]
    fn bill_generation(
        &self,
        py: Python<'_>,
        delivered: &Bound<'_, PyAny>,
        received: &Bound<'_, PyAny>,
        start: NaiveDateTime,
        interval_minutes: u32,
        metering: Option<&str>,
        year_end_sell_rate: Option<&Bound<'_, PyAny>>,
        true_up_month: Option<u32>,
        sam: bool,
    ) -> PyResult<Vec<GenerationMonth>> {
        let d = meter_values(delivered, "delivered")?;
        let r = meter_values(received, "received")?;
        let step = step(interval_minutes)?;
        let options = self.metering_options(metering, year_end_sell_rate, true_up_month)?;
        let statement = py
            .detach(|| {
                let channels = MeterChannels::from_micro_kwh(start, step, d, r)?;
                self.inner.bill_generation(&channels, &options, policy(sam))
            })
            .map_err(|e| electric_error(&e))?;
        Ok(statement
            .months
            .into_iter()
            .map(|inner| GenerationMonth { inner })
            .collect())
    }

    /// Bills many customers from Arrow interval data (a pyarrow Table or
    /// RecordBatchReader, a Polars or pandas DataFrame, a DuckDB relation:
    /// anything with `__arrow_c_stream__`), on every core with the
    /// interpreter released. Columns: `customer` (integers or text) and
    /// either `timestamp` (local clock time, no time zone) and `kwh` per
    /// interval, each customer's rows together and in time order, or
    /// `start` and `kwh` as a list per customer; `received_kwh` beside
    /// `kwh` bills a customer who generates under `metering` (by default
    /// the rate's). `kwh` may be float64/float32 (meter readings, rounded
    /// half-even to the micro-kWh by their shortest decimal form),
    /// integers or decimal128. With `whole_months` (the default) a
    /// customer's data must cover whole calendar months, since each month
    /// is billed whole. Returns `BillTables`: `.bills`, one row per
    /// customer-month (a customer that cannot be billed gets one row with
    /// `error_code` and `error`), and, with `line_items=True`, `.lines`.
    #[pyo3(signature = (data, *, interval_minutes = 60, line_items = false, whole_months = true, metering = None, year_end_sell_rate = None, true_up_month = None, sam = false, threads = None))]
    #[allow(clippy::too_many_arguments)]
    fn bill_table(
        &self,
        py: Python<'_>,
        data: &Bound<'_, PyAny>,
        interval_minutes: u32,
        line_items: bool,
        whole_months: bool,
        metering: Option<&str>,
        year_end_sell_rate: Option<&Bound<'_, PyAny>>,
        true_up_month: Option<u32>,
        sam: bool,
        threads: Option<usize>,
    ) -> PyResult<BillTables> {
        let step = step(interval_minutes)?;
        let reader = crate::arrow_io::reader(data)?;
        let metering = if reader.schema().index_of("received_kwh").is_ok() {
            Some(self.metering_options(metering, year_end_sell_rate, true_up_month)?)
        } else if metering.is_some() || year_end_sell_rate.is_some() || true_up_month.is_some() {
            // Settings for customers who generate, with nothing generated:
            // refused rather than ignored.
            return Err(crate::arrow_io::input_error(
                "metering=, year_end_sell_rate= and true_up_month= bill customers who generate, but the data has no `received_kwh` column; add it (kWh sent to the grid per interval) or leave them out".into(),
            ));
        } else {
            None
        };
        let options = crate::electric_table::Options {
            step,
            line_items,
            policy: policy(sam),
            whole_months,
            metering,
            threads: threads
                .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())),
        };
        let (bills, lines) = py
            .detach(|| crate::electric_table::run(&self.inner, reader, &options))
            .map_err(crate::arrow_io::input_error)?;
        BillTables::of(py, bills, lines)
    }

    fn __repr__(&self) -> String {
        format!(
            "PreparedYear({:?}, {})",
            self.inner.tariff().id,
            self.inner.year()
        )
    }
}

/// One month's electric bill and the figures behind it.
#[pyclass(module = "ratepayer", frozen)]
pub struct ElectricMonth {
    inner: electric::ElectricMonth,
}

#[pymethods]
impl ElectricMonth {
    /// The calendar month, 1 to 12.
    #[getter]
    fn month(&self) -> u32 {
        self.inner.month
    }
    /// The bill, with its lines.
    #[getter]
    fn bill(&self) -> Bill {
        Bill::new(self.inner.bill.clone())
    }
    /// The amount due.
    #[getter]
    fn total<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_money(py, &self.inner.bill.total)
    }
    /// The bill's lines.
    #[getter]
    fn lines(&self) -> Vec<crate::bill::BillLine> {
        Bill::lines_of(&self.inner.bill)
    }
    /// Energy used, kWh.
    #[getter]
    fn kwh<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_decimal(py, self.inner.kwh)
    }
    /// Highest interval demand, kW.
    #[getter]
    fn peak_kw<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_decimal(py, self.inner.peak_kw)
    }
    /// The billing demand (peak raised by ratchet and minimum), kW.
    #[getter]
    fn billing_demand_kw<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_decimal(py, self.inner.billing_demand_kw)
    }
    /// Energy charges.
    #[getter]
    fn energy<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_money(py, &self.inner.energy)
    }
    /// Flat and time-of-use demand charges.
    #[getter]
    fn demand<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let sum = self.inner.demand_flat.amount() + self.inner.demand_tou.amount();
        py_decimal(py, sum)
    }
    /// Fixed charges.
    #[getter]
    fn fixed<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_money(py, &self.inner.fixed)
    }
    /// Minimum-charge top-up.
    #[getter]
    fn minimum<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_money(py, &self.inner.minimum)
    }
    fn __repr__(&self) -> String {
        format!(
            "ElectricMonth({}, total={})",
            self.inner.month, self.inner.bill.total
        )
    }
}

/// One month's bill of a customer who generates: what was delivered,
/// received, imported, exported, credited and carried.
#[pyclass(module = "ratepayer", frozen)]
pub struct GenerationMonth {
    inner: electric::GenerationMonth,
}

#[pymethods]
impl GenerationMonth {
    /// The calendar month, 1 to 12.
    #[getter]
    fn month(&self) -> u32 {
        self.inner.month
    }
    /// The bill, with its lines (credits are lines of kind "credit").
    #[getter]
    fn bill(&self) -> Bill {
        Bill::new(self.inner.bill.clone())
    }
    /// The amount due (negative when the customer is paid).
    #[getter]
    fn total<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_money(py, &self.inner.bill.total)
    }
    /// The bill's lines.
    #[getter]
    fn lines(&self) -> Vec<crate::bill::BillLine> {
        Bill::lines_of(&self.inner.bill)
    }
    /// kWh delivered by the grid (the import channel).
    #[getter]
    fn delivered_kwh<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_decimal(py, self.inner.delivered_kwh)
    }
    /// kWh received by the grid (the export channel).
    #[getter]
    fn received_kwh<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_decimal(py, self.inner.received_kwh)
    }
    /// kWh billed as imports after netting.
    #[getter]
    fn imported_kwh<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_decimal(py, self.inner.imported_kwh)
    }
    /// kWh credited as exports after netting.
    #[getter]
    fn exported_kwh<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_decimal(py, self.inner.exported_kwh)
    }
    /// Highest interval import demand, kW.
    #[getter]
    fn peak_kw<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_decimal(py, self.inner.peak_kw)
    }
    /// The billing demand, kW.
    #[getter]
    fn billing_demand_kw<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_decimal(py, self.inner.billing_demand_kw)
    }
    /// Exported energy credited this month (a positive amount).
    #[getter]
    fn export_credit<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_money(py, &self.inner.export_credit)
    }
    /// Dollar credit brought forward from the month before.
    #[getter]
    fn credit_in<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_money(py, &self.inner.credit_in)
    }
    /// Dollar credit carried to the next month.
    #[getter]
    fn credit_out<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_money(py, &self.inner.credit_out)
    }
    /// kWh credit brought forward (net metering).
    #[getter]
    fn kwh_credit_in<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_decimal(py, self.inner.kwh_credit_in)
    }
    /// kWh credit carried to the next month (net metering).
    #[getter]
    fn kwh_credit_out<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_decimal(py, self.inner.kwh_credit_out)
    }
    /// The true-up settlement paid this month (0 outside the true-up month).
    #[getter]
    fn true_up<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_money(py, &self.inner.true_up)
    }
    fn __repr__(&self) -> String {
        format!(
            "GenerationMonth({}, total={})",
            self.inner.month, self.inner.bill.total
        )
    }
}

/// The results of `PreparedYear.bill_table`, as Arrow tables.
#[pyclass(module = "ratepayer", frozen)]
pub struct BillTables {
    bills: Py<crate::arrow_io::ArrowTable>,
    lines: Option<Py<crate::arrow_io::ArrowTable>>,
}

impl BillTables {
    /// The tables of `bills` and, when asked for, `lines`.
    pub fn of(
        py: Python<'_>,
        bills: Vec<arrow_array::RecordBatch>,
        lines: Option<Vec<arrow_array::RecordBatch>>,
    ) -> PyResult<BillTables> {
        let table = |batches: Vec<arrow_array::RecordBatch>| {
            let schema = batches
                .first()
                .map(arrow_array::RecordBatch::schema)
                .unwrap_or_else(|| std::sync::Arc::new(arrow_schema::Schema::empty()));
            crate::arrow_io::ArrowTable::new(batches, schema)
        };
        Ok(BillTables {
            bills: Py::new(py, table(bills))?,
            lines: lines.map(|l| Py::new(py, table(l))).transpose()?,
        })
    }
}

#[pymethods]
impl BillTables {
    /// One row per customer-month bill; a customer that could not be
    /// billed has one row with `error_code` and `error` set.
    #[getter]
    fn bills(&self, py: Python<'_>) -> Py<crate::arrow_io::ArrowTable> {
        self.bills.clone_ref(py)
    }
    /// One row per line item (`None` unless `line_items=True`).
    #[getter]
    fn lines(&self, py: Python<'_>) -> Option<Py<crate::arrow_io::ArrowTable>> {
        self.lines.as_ref().map(|l| l.clone_ref(py))
    }
}
