//! `ratepayer._ratepayer`: the private extension module behind the pure-Python
//! package `ratepayer`. Thin wrappers over the core, one file per core module;
//! every core error becomes an exception under `ratepayer.RatepayerError`.
//! Nothing here panics across the boundary (the workspace lints deny it).

mod arrow_io;
mod autopay;
mod batch;
mod bill;
mod calendar;
mod electric;
mod electric_table;
mod electric_table_out;
mod errors;
mod fees;
mod meter;
mod mfa;
mod money;
mod password;
mod portal;
mod processor;
mod profile;
mod registration;
mod store;
mod tariff;
mod water_memo;
mod water_table;

use std::fmt;

use pyo3::prelude::*;

/// A string as Python's `repr` writes it: `'text'`, for `__repr__`s.
pub(crate) struct R<'a>(pub &'a str);

impl fmt::Display for R<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("'")?;
        for c in self.0.chars() {
            match c {
                '\\' => f.write_str("\\\\")?,
                '\'' => f.write_str("\\'")?,
                '\n' => f.write_str("\\n")?,
                c if c.is_control() => write!(f, "\\x{:02x}", u32::from(c))?,
                c => write!(f, "{c}")?,
            }
        }
        f.write_str("'")
    }
}

/// A list of strings as Python's `repr` writes it: `['a', 'b']`.
pub(crate) struct RList<'a, S: AsRef<str>>(pub &'a [S]);

impl<S: AsRef<str>> fmt::Display for RList<'_, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[")?;
        for (i, s) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{}", R(s.as_ref()))?;
        }
        f.write_str("]")
    }
}

/// The extension module.
#[pymodule]
fn _ratepayer(m: &Bound<'_, PyModule>) -> PyResult<()> {
    errors::register(m)?;
    m.add_class::<profile::Profile>()?;
    m.add_class::<tariff::Tariff>()?;
    m.add_class::<electric::ElectricTariff>()?;
    m.add_class::<electric::PreparedYear>()?;
    m.add_class::<electric::ElectricMonth>()?;
    m.add_class::<electric::GenerationMonth>()?;
    m.add_class::<electric::BillTables>()?;
    m.add_class::<arrow_io::ArrowTable>()?;
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
    m.add_class::<portal::Portal>()?;
    m.add_class::<portal::HashParams>()?;
    m.add_class::<portal::AccountImport>()?;
    m.add_class::<store::Registered>()?;
    m.add_class::<store::LoginOutcome>()?;
    m.add_class::<store::SessionInfo>()?;
    m.add_class::<mfa::TotpEnrolment>()?;
    m.add_class::<store::HomeView>()?;
    m.add_class::<store::AccountSummary>()?;
    m.add_class::<store::BillView>()?;
    m.add_class::<store::PostedBill>()?;
    m.add_class::<store::PaymentReceipt>()?;
    m.add_class::<store::Enrolled>()?;
    m.add_class::<store::CycleReport>()?;
    m.add_class::<store::AuditEvent>()?;
    m.add_class::<store::Notice>()?;
    m.add_class::<processor::FakeProcessor>()?;
    m.add_class::<processor::RecordedResult>()?;
    m.add_class::<processor::DeliveryReport>()?;
    m.add_function(wrap_pyfunction!(profile::validate, m)?)?;
    m.add_function(wrap_pyfunction!(money::parse_money, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
