//! `ratepayer._ratepayer`: the private extension module behind the pure-Python
//! package `ratepayer`. Thin wrappers over the core, one file per core module;
//! every core error becomes an exception under `ratepayer.RatepayerError`.
//! Nothing here panics across the boundary (the workspace lints deny it).

mod autopay;
mod batch;
mod bill;
mod calendar;
mod errors;
mod fees;
mod meter;
mod money;
mod password;
mod profile;
mod registration;
mod tariff;

use pyo3::prelude::*;

/// The extension module.
#[pymodule]
fn _ratepayer(m: &Bound<'_, PyModule>) -> PyResult<()> {
    errors::register(m)?;
    m.add_class::<profile::Profile>()?;
    m.add_class::<tariff::Tariff>()?;
    m.add_class::<bill::Bill>()?;
    m.add_class::<bill::BillLine>()?;
    m.add_class::<meter::Meter>()?;
    m.add_class::<meter::Read>()?;
    m.add_class::<batch::BatchResult>()?;
    m.add_class::<fees::FeeQuote>()?;
    m.add_class::<password::PasswordCheck>()?;
    m.add_class::<password::PasswordFailure>()?;
    m.add_class::<registration::AccountRecord>()?;
    m.add_class::<registration::Registration>()?;
    m.add_class::<calendar::Calendar>()?;
    m.add_function(wrap_pyfunction!(profile::validate, m)?)?;
    m.add_function(wrap_pyfunction!(money::parse_money, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
