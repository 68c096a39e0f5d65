//! `ratepayer.FeeQuote`: what a payment will cost, quoted from the profile's
//! fee schedule before the customer confirms it.

use std::str::FromStr;

use pyo3::prelude::*;

use ratepayer::fees::{Channel, PaymentMethod};
use ratepayer::profile::UtilityProfile;

use crate::errors::{fee_error, FeeError, Raise};
use crate::money::{py_money, to_money};

/// A fee quote: amount, fee, total (all `Decimal`), the fee-free ways to pay
/// and the disclosure to show next to the fee.
#[pyclass(module = "ratepayer", frozen)]
pub struct FeeQuote {
    inner: ratepayer::fees::FeeQuote,
    stored: Option<(String, chrono::DateTime<chrono::Utc>)>,
}

impl FeeQuote {
    /// Wraps a core quote.
    pub fn new(inner: ratepayer::fees::FeeQuote) -> FeeQuote {
        FeeQuote {
            inner,
            stored: None,
        }
    }

    /// Wraps a quote the portal stored (it has an id to pay it by).
    pub fn stored(q: ratepayer_portal::PaymentQuote) -> FeeQuote {
        FeeQuote {
            inner: q.quote,
            stored: Some((q.id, q.expires_at)),
        }
    }

    /// The core quote.
    pub fn inner(&self) -> &ratepayer::fees::FeeQuote {
        &self.inner
    }
}

fn bad_name(code: &str, message: String) -> PyErr {
    Raise::new::<FeeError>(code, message).into()
}

/// Quotes `amount` paid by `method` through `channel`.
pub fn quote(
    profile: &UtilityProfile,
    amount: &Bound<'_, PyAny>,
    channel: &str,
    method: &str,
    accounts: u32,
) -> PyResult<FeeQuote> {
    let schedule = profile.fee_schedule().map_err(|e| fee_error(&e))?;
    let channel = Channel::from_str(channel).map_err(|m| bad_name("fee.unknown_channel", m))?;
    let method = PaymentMethod::from_str(method).map_err(|m| bad_name("fee.unknown_method", m))?;
    let amount = to_money(amount, schedule.currency(), "amount")?;
    schedule
        .quote(amount, channel, method, accounts)
        .map(FeeQuote::new)
        .map_err(|e| fee_error(&e))
}

#[pymethods]
impl FeeQuote {
    /// The amount paid to the utility.
    /// The id to pay a portal quote by (`Portal.pay(quote_id=...)`); None
    /// for a quote from a profile's schedule alone.
    #[getter]
    fn id(&self) -> Option<&str> {
        self.stored.as_ref().map(|(id, _)| id.as_str())
    }
    /// When a portal quote expires (UTC); None for a schedule's quote.
    #[getter]
    fn expires_at(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        self.stored.as_ref().map(|(_, at)| *at)
    }
    #[getter]
    fn amount<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_money(py, &self.inner.amount)
    }
    /// The fee on top of it.
    #[getter]
    fn fee<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_money(py, &self.inner.fee)
    }
    /// What the customer is charged.
    #[getter]
    fn total<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_money(py, &self.inner.total)
    }
    /// ISO 4217 code of the amounts.
    #[getter]
    fn currency(&self) -> String {
        self.inner.amount.currency().to_string()
    }
    /// Channel quoted.
    #[getter]
    fn channel(&self) -> &'static str {
        self.inner.channel.name()
    }
    /// Method quoted.
    #[getter]
    fn method(&self) -> &'static str {
        self.inner.method.name()
    }
    /// Accounts the payment covers.
    #[getter]
    fn accounts(&self) -> u32 {
        self.inner.accounts
    }
    /// The disclosure text to show next to the fee.
    #[getter]
    fn disclosure(&self) -> &str {
        &self.inner.disclosure
    }
    /// Ways to pay without any fee, as `(channel, method)`.
    #[getter]
    fn fee_free_alternatives(&self) -> Vec<(&'static str, &'static str)> {
        self.inner
            .fee_free_alternatives
            .iter()
            .map(|o| (o.channel.name(), o.method.name()))
            .collect()
    }
    /// Fingerprint of the schedule that gave the quote (hex).
    #[getter]
    fn schedule_fingerprint(&self) -> String {
        format!("{:016x}", self.inner.schedule_fingerprint)
    }
    fn __repr__(&self) -> String {
        format!(
            "FeeQuote(amount={}, fee={}, total={}, currency={}, channel={}, method={})",
            self.inner.amount.to_decimal_string(),
            self.inner.fee.to_decimal_string(),
            self.inner.total.to_decimal_string(),
            crate::R(self.inner.amount.currency().code()),
            crate::R(self.inner.channel.name()),
            crate::R(self.inner.method.name())
        )
    }
}
