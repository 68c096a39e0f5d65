//! The payment processor from Python (issue 16, the processor port):
//! `ratepayer.FakeProcessor`, the core's scripted processor (one charge per
//! idempotency key; outcomes scripted per account or per share), what
//! `Portal.submit_pending` and `Portal.record_result` answer
//! (`RecordedResult`), and the parsing of outcomes written as strings
//! (`"settled"`, `"returned"` with a Nacha code such as `"R01"`,
//! `"declined"` with `"soft"`, `"hard"` or `"card_expired"`).

use std::sync::Arc;

use chrono::NaiveDate;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use ratepayer::autopay::failures::{AchReturnCode, FailureAction};
use ratepayer::Money;
use ratepayer_portal::store::DeclineReason;
use ratepayer_portal::{
    FakeOutcome, FakeProcessor as CoreFake, ProcessorOutcome, RecordedResult as CoreRecorded,
    ResultEffect,
};

use crate::money::py_money;

fn value_error(message: String) -> PyErr {
    PyValueError::new_err(message)
}

/// A Nacha return code such as `"R01"`.
pub fn return_code(code: &str) -> PyResult<AchReturnCode> {
    code.parse::<AchReturnCode>()
        .map_err(|e| value_error(e.to_string()))
}

/// A decline reason: `"soft"`, `"hard"` or `"card_expired"`.
pub fn decline_reason(text: &str) -> PyResult<DeclineReason> {
    match text {
        "soft" => Ok(DeclineReason::Soft),
        "hard" => Ok(DeclineReason::Hard),
        "card_expired" => Ok(DeclineReason::CardExpired),
        other => Err(value_error(format!(
            "`{other}` is not a decline reason; use soft, hard or card_expired"
        ))),
    }
}

/// A processor outcome from its parts.
pub fn outcome(
    outcome: &str,
    settled_on: NaiveDate,
    code: Option<&str>,
    decline: Option<&str>,
) -> PyResult<ProcessorOutcome> {
    match (outcome, code, decline) {
        ("settled", None, None) => Ok(ProcessorOutcome::Settled { on: settled_on }),
        ("returned", Some(c), None) => Ok(ProcessorOutcome::Returned {
            code: return_code(c)?,
        }),
        ("declined", None, Some(d)) => Ok(ProcessorOutcome::Declined {
            reason: decline_reason(d)?,
        }),
        _ => Err(value_error(
            "give outcome=\"settled\"; or \"returned\" with return_code (such as \"R01\"); or \
             \"declined\" with decline (soft, hard or card_expired)"
                .into(),
        )),
    }
}

/// A scripted outcome: `"settle"`, a return code (`"R01"`) or a decline
/// reason (`"soft"`, `"hard"`, `"card_expired"`).
fn fake_outcome(text: &str) -> PyResult<FakeOutcome> {
    if text == "settle" {
        return Ok(FakeOutcome::Settle);
    }
    if let Ok(code) = text.parse::<AchReturnCode>() {
        return Ok(FakeOutcome::Return(code));
    }
    decline_reason(text).map(FakeOutcome::Decline).map_err(|_| {
        value_error(format!(
            "`{text}` is not a scripted outcome; use settle, a return code such as R01, or \
                 soft, hard or card_expired"
        ))
    })
}

fn outcome_text(o: &ProcessorOutcome) -> String {
    match o {
        ProcessorOutcome::Settled { .. } => "settled".into(),
        ProcessorOutcome::Returned { code } => format!("returned:{code}"),
        ProcessorOutcome::Declined { reason } => format!("declined:{}", reason.as_str()),
    }
}

/// A payment processor for tests and demos: each idempotency key is
/// charged once (a second submission returns the first reference), and
/// outcomes follow a script; everything not scripted settles.
#[pyclass(module = "ratepayer", frozen)]
pub struct FakeProcessor {
    pub(crate) inner: Arc<CoreFake>,
}

#[pymethods]
impl FakeProcessor {
    #[new]
    fn new() -> FakeProcessor {
        FakeProcessor {
            inner: Arc::new(CoreFake::new()),
        }
    }

    /// The next charges of `account` (canonical number) end as `outcomes`,
    /// in order: `"settle"`, a return code (`"R01"`) or a decline reason.
    fn script_account(&self, account: &str, outcomes: Vec<String>) -> PyResult<()> {
        let parsed = outcomes
            .iter()
            .map(|o| fake_outcome(o))
            .collect::<PyResult<Vec<_>>>()?;
        self.inner.script_account(account, &parsed);
        Ok(())
    }

    /// About `percent` % of the keys not scripted by account end as `outcome`.
    fn script_share(&self, percent: u8, outcome: &str) -> PyResult<()> {
        self.inner.script_share(percent, fake_outcome(outcome)?);
        Ok(())
    }

    /// The next `n` submissions fail (the processor is down).
    fn refuse_next(&self, n: u32) {
        self.inner.refuse_next(n);
    }

    /// Every charge taken: `(key, reference, times submitted)`.
    fn charges(&self) -> Vec<(String, String, u32)> {
        self.inner
            .charges()
            .into_iter()
            .map(|c| (c.submission.key, c.reference, c.submissions))
            .collect()
    }

    /// The results of the charges taken since the last call: `(key,
    /// outcome)` with outcome `"settled"`, `"returned:R01"` or
    /// `"declined:soft"`.
    fn results(&self, settled_on: NaiveDate) -> Vec<(String, String)> {
        self.inner
            .results(settled_on)
            .into_iter()
            .map(|r| (r.key, outcome_text(&r.outcome)))
            .collect()
    }

    fn __repr__(&self) -> String {
        format!("FakeProcessor(charges={})", self.inner.charges().len())
    }
}

/// What `Portal.record_result` did.
#[pyclass(module = "ratepayer", frozen)]
pub struct RecordedResult {
    /// The payment's id.
    #[pyo3(get)]
    pub payment_id: String,
    /// Its status now: pending, submitted, settled, returned or declined.
    #[pyo3(get)]
    pub status: &'static str,
    /// `"applied"`, `"duplicate"` (nothing changed) or `"ignored"` (a
    /// result contradicting the payment's state, audited).
    #[pyo3(get)]
    pub effect: &'static str,
    /// For a failed AutoPay draft: `"retry"`, `"suspend"` or `"end"`.
    #[pyo3(get)]
    pub autopay: Option<&'static str>,
    /// The day of the re-presentment, for `"retry"`.
    #[pyo3(get)]
    pub retry_on: Option<NaiveDate>,
    returned_fee: Option<Money>,
}

impl From<CoreRecorded> for RecordedResult {
    fn from(r: CoreRecorded) -> RecordedResult {
        let (autopay, retry_on) = match &r.autopay {
            Some(FailureAction::Retry { on, .. }) => (Some("retry"), Some(*on)),
            Some(FailureAction::Suspend { .. }) => (Some("suspend"), None),
            Some(FailureAction::End { .. }) => (Some("end"), None),
            Some(FailureAction::Done) | None => (None, None),
        };
        RecordedResult {
            payment_id: r.payment_id,
            status: r.status.as_str(),
            effect: match r.effect {
                ResultEffect::Applied => "applied",
                ResultEffect::Duplicate => "duplicate",
                ResultEffect::Ignored => "ignored",
            },
            autopay,
            retry_on,
            returned_fee: r.returned_fee,
        }
    }
}

#[pymethods]
impl RecordedResult {
    /// The returned-payment fee charged for this return, if any.
    #[getter]
    fn returned_fee<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.returned_fee
            .as_ref()
            .map(|m| py_money(py, m))
            .transpose()
    }

    fn __repr__(&self) -> String {
        format!(
            "RecordedResult(payment_id={}, status={}, effect={}, autopay={:?})",
            crate::R(&self.payment_id),
            crate::R(self.status),
            crate::R(self.effect),
            self.autopay
        )
    }
}

/// What `Portal.deliver_outbox` did.
#[pyclass(module = "ratepayer", frozen, get_all)]
pub struct DeliveryReport {
    /// Messages the notifier took and this call marked delivered.
    pub delivered: usize,
    /// Messages another runner had marked meanwhile (delivered twice: the
    /// receiver drops the second by its dedupe key).
    pub already_delivered: usize,
    /// Messages the notifier did not take, `(dedupe_key, error)`: left in
    /// the outbox and tried again later.
    pub failed: Vec<(String, String)>,
}

impl From<ratepayer_portal::DeliveryReport> for DeliveryReport {
    fn from(r: ratepayer_portal::DeliveryReport) -> DeliveryReport {
        DeliveryReport {
            delivered: r.delivered,
            already_delivered: r.already_delivered,
            failed: r.failed,
        }
    }
}

#[pymethods]
impl DeliveryReport {
    fn __repr__(&self) -> String {
        format!(
            "DeliveryReport(delivered={}, already_delivered={}, failed={})",
            self.delivered,
            self.already_delivered,
            self.failed.len()
        )
    }
}
