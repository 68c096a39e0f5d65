//! `ratepayer.Bill` and `ratepayer.BillLine`: a computed bill, iterable over
//! its line items, with amounts as `decimal.Decimal`.

use chrono::NaiveDate;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::money::{py_decimal, py_money};

/// A computed bill. Iterating over it gives its lines; `str(bill)` is the
/// bill as a plain-text table.
#[pyclass(module = "ratepayer", frozen, sequence)]
pub struct Bill {
    inner: ratepayer::Bill,
}

impl Bill {
    /// Wraps a core bill.
    pub fn new(inner: ratepayer::Bill) -> Bill {
        Bill { inner }
    }

    /// The core bill.
    pub fn inner(&self) -> &ratepayer::Bill {
        &self.inner
    }

    /// The line items of a core bill, in order.
    pub fn lines_of(bill: &ratepayer::Bill) -> Vec<BillLine> {
        bill.lines
            .iter()
            .map(|l| BillLine { inner: l.clone() })
            .collect()
    }
}

/// One line of a bill: `quantity × rate = amount` (for a percentage line,
/// `quantity × rate / 100`).
#[pyclass(module = "ratepayer", frozen)]
pub struct BillLine {
    inner: ratepayer::BillLine,
}

#[pymethods]
impl Bill {
    /// The tariff billed.
    #[getter]
    fn tariff_id(&self) -> &str {
        &self.inner.tariff_id
    }
    /// First day of service billed.
    #[getter]
    fn start(&self) -> NaiveDate {
        self.inner.period.from()
    }
    /// Last day of service billed (included).
    #[getter]
    fn end(&self) -> NaiveDate {
        self.inner.period.to()
    }
    /// Days of service billed.
    #[getter]
    fn days(&self) -> u32 {
        self.inner.period.days()
    }
    /// ISO 4217 code of every amount.
    #[getter]
    fn currency(&self) -> String {
        self.inner.currency.to_string()
    }
    /// The amount due.
    #[getter]
    fn total<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_money(py, &self.inner.total)
    }
    /// Sum of the tax lines.
    #[getter]
    fn taxes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_money(py, &self.inner.taxes())
    }
    /// Sum of every line but taxes.
    #[getter]
    fn before_tax<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_money(py, &self.inner.before_tax())
    }
    /// Usage billed, in the tariff's unit.
    #[getter]
    fn usage<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_decimal(py, self.inner.usage.value)
    }
    /// Unit of `usage`.
    #[getter]
    fn usage_unit(&self) -> &'static str {
        self.inner.usage.unit.symbol()
    }
    /// True when the usage is the normative volume (unmetered service).
    #[getter]
    fn usage_is_normative(&self) -> bool {
        self.inner.usage_is_normative
    }
    /// True when the usage rests on an estimated read.
    #[getter]
    fn usage_is_estimated(&self) -> bool {
        self.inner.usage_is_estimated
    }
    /// For metered service with a known number of residents, the saving
    /// against the normative (deemed) volume: a dict with `normative_usage`,
    /// `normative_total`, `saved_units` and `saved_money` (all `Decimal`);
    /// None otherwise.
    #[getter]
    fn normative<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDict>>> {
        let Some(n) = &self.inner.normative else {
            return Ok(None);
        };
        let d = PyDict::new(py);
        d.set_item("normative_usage", py_decimal(py, n.normative_usage.value)?)?;
        d.set_item("normative_total", py_money(py, &n.normative_total)?)?;
        d.set_item("saved_units", py_decimal(py, n.saved_units)?)?;
        d.set_item("saved_money", py_money(py, &n.saved_money)?)?;
        Ok(Some(d))
    }
    /// The line items, in order.
    #[getter]
    fn lines(&self) -> Vec<BillLine> {
        self.inner
            .lines
            .iter()
            .map(|l| BillLine { inner: l.clone() })
            .collect()
    }
    /// Subtotal of every group, in the order groups first appear.
    fn subtotals<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for (g, m) in self.inner.subtotals() {
            d.set_item(g, py_money(py, &m)?)?;
        }
        Ok(d)
    }
    /// The bill as plain data (amounts as `Decimal`, dates as `date`).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("tariff_id", self.tariff_id())?;
        d.set_item("start", self.start())?;
        d.set_item("end", self.end())?;
        d.set_item("currency", self.currency())?;
        d.set_item("usage", self.usage(py)?)?;
        d.set_item("usage_unit", self.usage_unit())?;
        d.set_item("usage_is_normative", self.usage_is_normative())?;
        d.set_item("usage_is_estimated", self.usage_is_estimated())?;
        let lines = self
            .lines()
            .iter()
            .map(|l| l.to_dict(py))
            .collect::<PyResult<Vec<_>>>()?;
        d.set_item("lines", lines)?;
        d.set_item("total", self.total(py)?)?;
        Ok(d)
    }
    fn __len__(&self) -> usize {
        self.inner.lines.len()
    }
    fn __getitem__(&self, index: isize) -> PyResult<BillLine> {
        let n = self.inner.lines.len() as isize;
        let i = if index < 0 { index + n } else { index };
        usize::try_from(i)
            .ok()
            .and_then(|i| self.inner.lines.get(i))
            .map(|l| BillLine { inner: l.clone() })
            .ok_or_else(|| pyo3::exceptions::PyIndexError::new_err("bill line index out of range"))
    }
    fn __iter__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(PyList::new(py, self.lines())?.try_iter()?.into_any())
    }
    fn __str__(&self) -> String {
        self.inner.to_string()
    }
    fn __repr__(&self) -> String {
        format!(
            "<Bill {} {}..{} total={} {} ({} lines)>",
            self.inner.tariff_id,
            self.inner.period.from(),
            self.inner.period.to(),
            self.inner.total.to_decimal_string(),
            self.inner.currency,
            self.inner.lines.len()
        )
    }
}

#[pymethods]
impl BillLine {
    /// Description shown on the bill, for example `"Water usage, tier 2"`.
    #[getter]
    fn description(&self) -> &str {
        self.inner.description()
    }
    /// Group (for riders, taxes, minimums and subtotals).
    #[getter]
    fn group(&self) -> &str {
        self.inner.group()
    }
    /// Kind of charge: fixed, usage, surcharge, minimum, rider, tax or credit.
    #[getter]
    fn kind(&self) -> &'static str {
        match self.inner.kind() {
            ratepayer::LineKind::Fixed => "fixed",
            ratepayer::LineKind::Usage => "usage",
            ratepayer::LineKind::Surcharge => "surcharge",
            ratepayer::LineKind::Minimum => "minimum",
            ratepayer::LineKind::Rider => "rider",
            ratepayer::LineKind::Tax => "tax",
            ratepayer::LineKind::Credit => "credit",
        }
    }
    /// Label of the tariff version that priced it.
    #[getter]
    fn version(&self) -> &str {
        self.inner.version()
    }
    /// Block number (1-based) for tiered usage.
    #[getter]
    fn tier(&self) -> Option<u8> {
        self.inner.tier()
    }
    /// First day of the part of the period the line covers.
    #[getter]
    fn start(&self) -> NaiveDate {
        self.inner.period.from()
    }
    /// Last day of the part of the period the line covers (included).
    #[getter]
    fn end(&self) -> NaiveDate {
        self.inner.period.to()
    }
    /// Months, days, units of service, or the amount a percentage applies to.
    #[getter]
    fn quantity<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_decimal(py, self.inner.quantity)
    }
    /// What the quantity counts: `month`, `day`, a unit symbol, or `%`.
    #[getter]
    fn unit(&self) -> String {
        self.inner.unit.to_string()
    }
    /// Price per unit (or the percentage).
    #[getter]
    fn rate<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_decimal(py, self.inner.rate)
    }
    /// The charge.
    #[getter]
    fn amount<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_money(py, &self.inner.amount)
    }
    /// The line as plain data.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("description", self.description())?;
        d.set_item("kind", self.kind())?;
        d.set_item("group", self.group())?;
        d.set_item("version", self.version())?;
        d.set_item("tier", self.tier())?;
        d.set_item("start", self.start())?;
        d.set_item("end", self.end())?;
        d.set_item("quantity", self.quantity(py)?)?;
        d.set_item("unit", self.unit())?;
        d.set_item("rate", self.rate(py)?)?;
        d.set_item("amount", self.amount(py)?)?;
        Ok(d)
    }
    fn __repr__(&self) -> String {
        format!(
            "BillLine({}, {} {} x {} = {})",
            crate::R(self.inner.description()),
            self.inner.quantity.round_dp(4).normalize(),
            self.inner.unit,
            self.inner.rate.normalize(),
            self.inner.amount.to_decimal_string()
        )
    }
}
