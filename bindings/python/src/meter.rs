//! `ratepayer.Meter` and `ratepayer.Read`: meters and their reads, for
//! billing from reads (`Tariff.bill_from_reads`).

use std::str::FromStr;

use chrono::NaiveDate;
use pyo3::prelude::*;

use ratepayer::meter::ReadKind;
use ratepayer::Unit;

use crate::errors::{meter_error, Raise};
use crate::money::{py_decimal, to_decimal};

/// One meter: a register of `dials` whole-number dials (it rolls over at
/// 10**dials), read in `unit` after multiplying by `multiplier`.
#[pyclass(module = "ratepayer", frozen)]
pub struct Meter {
    pub(crate) inner: ratepayer::meter::Meter,
}

#[pymethods]
impl Meter {
    #[new]
    #[pyo3(signature = (id, *, unit, dials, location = "", multiplier = None, decimals = 0))]
    fn py_new(
        id: &str,
        unit: &str,
        dials: u32,
        location: &str,
        multiplier: Option<&Bound<'_, PyAny>>,
        decimals: u32,
    ) -> PyResult<Meter> {
        let unit = Unit::from_str(unit).map_err(|e| {
            PyErr::from(Raise::new::<crate::errors::MeterError>(
                "meter.unit",
                e.to_string(),
            ))
        })?;
        let mut m = ratepayer::meter::Meter::new(id, location, unit, dials).with_decimals(decimals);
        if let Some(x) = multiplier {
            m = m.with_multiplier(to_decimal(x, "multiplier")?);
        }
        m.validate().map_err(|e| meter_error(&e))?;
        Ok(Meter { inner: m })
    }
    /// The meter's identifier.
    #[getter]
    fn id(&self) -> &str {
        &self.inner.id
    }
    /// Unit of consumption.
    #[getter]
    fn unit(&self) -> &'static str {
        self.inner.unit.symbol()
    }
    fn __repr__(&self) -> String {
        format!(
            "Meter({}, unit={}, dials={})",
            crate::R(&self.inner.id),
            crate::R(self.inner.unit.symbol()),
            self.inner.dials
        )
    }
}

/// A register value at the start of `date`: `kind` is `"actual"`,
/// `"estimated"` or `"customer_submitted"`.
#[pyclass(module = "ratepayer", frozen)]
pub struct Read {
    pub(crate) inner: ratepayer::meter::Read,
}

#[pymethods]
impl Read {
    #[new]
    #[pyo3(signature = (date, value, kind = "actual"))]
    fn py_new(date: NaiveDate, value: &Bound<'_, PyAny>, kind: &str) -> PyResult<Read> {
        let kind = match kind {
            "actual" => ReadKind::Actual,
            "estimated" => ReadKind::Estimated,
            "customer_submitted" => ReadKind::CustomerSubmitted,
            other => {
                return Err(Raise::new::<crate::errors::MeterError>(
                    "meter.read_kind",
                    format!(
                        "`{other}` is not a read kind; use actual, estimated or customer_submitted"
                    ),
                )
                .into())
            }
        };
        Ok(Read {
            inner: ratepayer::meter::Read::new(date, to_decimal(value, "value")?, kind),
        })
    }
    /// The day read.
    #[getter]
    fn date(&self) -> NaiveDate {
        self.inner.date
    }
    /// The register value.
    #[getter]
    fn value<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_decimal(py, self.inner.value)
    }
    /// `"actual"`, `"estimated"` or `"customer_submitted"`.
    #[getter]
    fn kind(&self) -> &'static str {
        match self.inner.kind {
            ReadKind::Actual => "actual",
            ReadKind::Estimated => "estimated",
            ReadKind::CustomerSubmitted => "customer_submitted",
        }
    }
    fn __repr__(&self) -> String {
        format!(
            "Read({}, {}, kind={})",
            self.inner.date,
            self.inner.value,
            crate::R(self.kind())
        )
    }
}
