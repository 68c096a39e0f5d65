//! Arrow in and out, through the Arrow PyCapsule interface: any table,
//! record batch or stream (pyarrow, Polars, DuckDB, pandas ≥ 2.2) is read
//! without copying into Python objects, and results go back as
//! `ratepayer.ArrowTable`, which pyarrow (`pyarrow.table(t)`), Polars
//! (`polars.DataFrame(t)`) and DuckDB take as it is. The pointer work is
//! pyo3-arrow's; this module only finds columns and names what is wrong.

use std::sync::Arc;

use arrow_array::{ArrayRef, RecordBatch, RecordBatchReader, StructArray};
use arrow_schema::{DataType, Field, SchemaRef, TimeUnit};
use chrono::{DateTime, NaiveDateTime};
use pyo3::prelude::*;
use pyo3::types::PyCapsule;
use pyo3_arrow::ffi::{to_stream_pycapsule, ArrayIterator};
use pyo3_arrow::{PyChunkedArray, PyRecordBatch, PyRecordBatchReader};

use crate::errors::{BillError, Raise};

/// A `BillError` for input that cannot be read as the batch needs it.
pub fn input_error(message: String) -> PyErr {
    Raise::new::<BillError>("batch.input", message).into()
}

/// The record batches of `data`: anything with `__arrow_c_stream__` (a
/// table, a reader, a DataFrame) is read as a stream, batch by batch; a
/// single record batch (`__arrow_c_array__`) as one batch.
pub fn reader(data: &Bound<'_, PyAny>) -> PyResult<Box<dyn RecordBatchReader + Send>> {
    if data.hasattr("__arrow_c_stream__")? {
        return data.extract::<PyRecordBatchReader>()?.into_reader();
    }
    if data.hasattr("__arrow_c_array__")? {
        let batch = data.extract::<PyRecordBatch>()?.into_inner();
        let schema = batch.schema();
        return Ok(Box::new(arrow_array::RecordBatchIterator::new(
            vec![Ok(batch)],
            schema,
        )));
    }
    Err(pyo3::exceptions::PyTypeError::new_err(format!(
        "expected Arrow data (an object with __arrow_c_stream__ or __arrow_c_array__: a pyarrow Table or RecordBatch, a Polars or pandas DataFrame, a DuckDB relation), got {}",
        data.get_type().name()?
    )))
}

/// The chunks of one Arrow array given through the PyCapsule interface (a
/// pyarrow Array or ChunkedArray, a Polars Series), or `None` when `obj`
/// offers neither `__arrow_c_array__` nor `__arrow_c_stream__`.
pub fn array_chunks(obj: &Bound<'_, PyAny>) -> PyResult<Option<Vec<ArrayRef>>> {
    if obj.hasattr("__arrow_c_array__")? {
        let (array, _) = obj.extract::<pyo3_arrow::PyArray>()?.into_inner();
        return Ok(Some(vec![array]));
    }
    if obj.hasattr("__arrow_c_stream__")? {
        let (chunks, _) = obj.extract::<PyChunkedArray>()?.into_inner();
        return Ok(Some(chunks));
    }
    Ok(None)
}

/// The index of column `name`, if the schema has it.
pub fn find(schema: &SchemaRef, name: &str) -> Option<usize> {
    schema.index_of(name).ok()
}

/// Ticks per second of a timestamp unit.
pub fn ticks_per_second(unit: TimeUnit) -> i64 {
    match unit {
        TimeUnit::Second => 1,
        TimeUnit::Millisecond => 1_000,
        TimeUnit::Microsecond => 1_000_000,
        TimeUnit::Nanosecond => 1_000_000_000,
    }
}

/// The clock time `ticks` after 1970-01-01 00:00 (an Arrow timestamp
/// without time zone), or `None` out of chrono's range.
pub fn clock_time(ticks: i64, per_second: i64) -> Option<NaiveDateTime> {
    let secs = ticks.div_euclid(per_second);
    let sub = ticks.rem_euclid(per_second);
    let nanos = u32::try_from(sub * (1_000_000_000 / per_second)).ok()?;
    DateTime::from_timestamp(secs, nanos).map(|d| d.naive_utc())
}

/// Checks that a timestamp column holds clock time (no time zone) and
/// returns its unit. A zoned column holds instants: the electric bill of a
/// prepared year needs the utility's local clock, which the caller knows.
pub fn clock_unit(name: &str, data_type: &DataType) -> PyResult<TimeUnit> {
    match data_type {
        DataType::Timestamp(unit, None) => Ok(*unit),
        DataType::Timestamp(_, Some(tz)) => Err(input_error(format!(
            "`{name}` is a timestamp in time zone {tz}; give local clock time, a timestamp without time zone (pyarrow: `pc.local_timestamp(col)` after converting to the utility's zone; Polars: `.dt.convert_time_zone(zone).dt.replace_time_zone(None)`; Spark: TimestampNTZType)"
        ))),
        other => Err(input_error(format!(
            "`{name}` is {other}; give a timestamp without time zone (local clock time)"
        ))),
    }
}

/// A table of results: record batches that share one schema, readable by
/// any Arrow library through `__arrow_c_stream__`.
#[pyclass(module = "ratepayer", frozen)]
pub struct ArrowTable {
    batches: Vec<RecordBatch>,
    schema: SchemaRef,
}

impl ArrowTable {
    /// A table of `batches`, each of `schema`.
    pub fn new(batches: Vec<RecordBatch>, schema: SchemaRef) -> ArrowTable {
        ArrowTable { batches, schema }
    }
}

#[pymethods]
impl ArrowTable {
    /// Rows in all.
    #[getter]
    fn num_rows(&self) -> usize {
        self.batches.iter().map(RecordBatch::num_rows).sum()
    }
    /// The column names, in order.
    #[getter]
    fn column_names(&self) -> Vec<String> {
        self.schema
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect()
    }
    /// The table as a `pyarrow.Table` (needs pyarrow).
    fn to_pyarrow<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        slf.py().import("pyarrow")?.call_method1("table", (slf,))
    }
    /// The table as a `polars.DataFrame` (needs Polars).
    fn to_polars<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        slf.py().import("polars")?.call_method1("DataFrame", (slf,))
    }
    /// The Arrow PyCapsule stream interface: the batches, as they are.
    #[pyo3(signature = (requested_schema = None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyCapsule>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        let fields = self.schema.fields().clone();
        let arrays = self
            .batches
            .clone()
            .into_iter()
            .map(|b| Ok(Arc::new(StructArray::from(b)) as ArrayRef));
        let reader = Box::new(ArrayIterator::new(
            arrays,
            Field::new_struct("", fields, false).into(),
        ));
        Ok(to_stream_pycapsule(py, reader, requested_schema)?)
    }
    fn __len__(&self) -> usize {
        self.num_rows()
    }
    fn __repr__(&self) -> String {
        format!(
            "<ArrowTable {} rows: {}>",
            self.num_rows(),
            self.column_names().join(", ")
        )
    }
}
