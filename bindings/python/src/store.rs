//! What the portal service returns, as Python result objects: a new login,
//! a sign-in outcome, the home page and its accounts, posted bills, a
//! payment receipt, an AutoPay enrolment and cycle report, audit events and
//! the messages sent. Money is `decimal.Decimal`; secrets (device tokens,
//! message bodies with codes) never appear in a `__repr__`.

use chrono::{DateTime, NaiveDate, Utc};
use pyo3::prelude::*;

use ratepayer::autopay::enrolment::FirstBill;
use ratepayer::payment::AccountStatus;
use ratepayer::registration::CurrentBill;
use ratepayer::Money;
use ratepayer_portal::store::{AuditEvent as CoreAudit, BillRow};
use ratepayer_portal::{
    AccountSummary as CoreSummary, BillView as CoreBillView, CycleReport as CoreCycle,
    Enrolled as CoreEnrolled, HomeView as CoreHome, LoginOutcome as CoreOutcome,
    Notice as CoreNotice, PaymentReceipt as CoreReceipt, Registered as CoreRegistered,
    SessionInfo as CoreSessionInfo,
};

use crate::money::py_money;
use crate::R;

fn opt_r(s: Option<&str>) -> String {
    s.map_or_else(|| "None".to_owned(), |s| R(s).to_string())
}

fn py_bool(b: bool) -> &'static str {
    if b {
        "True"
    } else {
        "False"
    }
}

/// A login just created by `Portal.register`.
#[pyclass(module = "ratepayer", frozen, get_all)]
pub struct Registered {
    /// The login's id.
    pub login_id: String,
    /// Its username (lower-cased).
    pub username: String,
    /// The account linked, canonical.
    pub account: String,
    /// False when registered after the deadline: AutoPay and paperless start
    /// with the next bill.
    pub covers_current_bill: bool,
    /// The deadline missed, when the current bill is not covered.
    pub deadline: Option<DateTime<Utc>>,
    /// The id of the code sent to the email, for `Portal.verify_contact`.
    pub email_code_id: String,
}

impl From<CoreRegistered> for Registered {
    fn from(r: CoreRegistered) -> Registered {
        let (covers_current_bill, deadline) = match r.current_bill {
            CurrentBill::Covered => (true, None),
            CurrentBill::NotCovered { deadline } => (false, Some(deadline)),
        };
        Registered {
            login_id: r.login_id,
            username: r.username,
            account: r.account,
            covers_current_bill,
            deadline,
            email_code_id: r.email_code_id,
        }
    }
}

#[pymethods]
impl Registered {
    fn __repr__(&self) -> String {
        format!(
            "Registered(login_id={}, username={}, account={}, covers_current_bill={})",
            R(&self.login_id),
            R(&self.username),
            R(&self.account),
            py_bool(self.covers_current_bill)
        )
    }
}

/// The outcome of a correct password (`Portal.login`) or a passed device
/// challenge: either signed in, or a one-time code was sent to the login's
/// email and `Portal.pass_device_challenge` must follow. Truthy when signed in.
#[pyclass(module = "ratepayer", frozen, get_all)]
pub struct LoginOutcome {
    /// True when signed in; false when a device challenge is required.
    pub signed_in: bool,
    /// The login's id.
    pub login_id: String,
    /// The new session's token when signed in (a secret, 64 hex
    /// characters: set it as a cookie and pass it to every call made for
    /// the customer); `None` while a challenge must follow.
    pub session: Option<String>,
    /// The challenge's id, when one is required.
    pub challenge_id: Option<String>,
    /// A temporary password must be changed first.
    pub must_change_password: bool,
    /// A new remembered-device token (a secret: set it as a cookie).
    pub device_token: Option<String>,
    /// What must follow when not signed in: `"device"` (the emailed code,
    /// `Portal.pass_device_challenge`), `"second_factor"` (an authenticator
    /// or recovery code, `Portal.pass_second_factor`) or
    /// `"security_question"` (`Portal.answer_security_question`); `None`
    /// when signed in.
    pub challenge: Option<String>,
    /// The security question to show, for `"security_question"`.
    pub question: Option<String>,
}

impl From<CoreOutcome> for LoginOutcome {
    fn from(o: CoreOutcome) -> LoginOutcome {
        let waiting = |login_id, challenge_id, challenge: &str, question| LoginOutcome {
            signed_in: false,
            login_id,
            session: None,
            challenge_id: Some(challenge_id),
            must_change_password: false,
            device_token: None,
            challenge: Some(challenge.to_owned()),
            question,
        };
        match o {
            CoreOutcome::SignedIn {
                login_id,
                session,
                must_change_password,
                device_token,
            } => LoginOutcome {
                signed_in: true,
                login_id,
                session: Some(session),
                challenge_id: None,
                must_change_password,
                device_token,
                challenge: None,
                question: None,
            },
            CoreOutcome::ChallengeRequired {
                login_id,
                challenge_id,
            } => waiting(login_id, challenge_id, "device", None),
            CoreOutcome::SecondFactorRequired {
                login_id,
                challenge_id,
            } => waiting(login_id, challenge_id, "second_factor", None),
            CoreOutcome::QuestionRequired {
                login_id,
                challenge_id,
                question,
            } => waiting(login_id, challenge_id, "security_question", Some(question)),
        }
    }
}

#[pymethods]
impl LoginOutcome {
    /// True when a device challenge must be passed first.
    #[getter]
    fn challenge_required(&self) -> bool {
        !self.signed_in
    }
    fn __bool__(&self) -> bool {
        self.signed_in
    }
    fn __repr__(&self) -> String {
        if self.signed_in {
            format!(
                "LoginOutcome(signed_in=True, login_id={}, session='<redacted>', must_change_password={}, device_token={})",
                R(&self.login_id),
                py_bool(self.must_change_password),
                if self.device_token.is_some() {
                    "'<redacted>'"
                } else {
                    "None"
                }
            )
        } else {
            format!(
                "LoginOutcome(signed_in=False, login_id={}, challenge_id={}, challenge={})",
                R(&self.login_id),
                opt_r(self.challenge_id.as_deref()),
                opt_r(self.challenge.as_deref())
            )
        }
    }
}

/// One of a login's live sessions, as `Portal.sessions` lists them (the
/// token is never shown; `id` is a public identifier).
#[pyclass(module = "ratepayer", frozen, get_all)]
pub struct SessionInfo {
    /// Its public id, to end it with `Portal.end_session`.
    pub id: String,
    /// Where it was started from (address and browser).
    pub client: String,
    /// When the sign-in completed.
    pub created_at: DateTime<Utc>,
    /// Its last use.
    pub last_seen: DateTime<Utc>,
    /// When it ends unless used before.
    pub idle_expires_at: DateTime<Utc>,
    /// When it ends whatever the use.
    pub expires_at: DateTime<Utc>,
    /// True for the session that asked.
    pub current: bool,
}

impl From<CoreSessionInfo> for SessionInfo {
    fn from(s: CoreSessionInfo) -> SessionInfo {
        SessionInfo {
            id: s.id,
            client: s.client,
            created_at: s.created_at,
            last_seen: s.last_seen,
            idle_expires_at: s.idle_expires_at,
            expires_at: s.expires_at,
            current: s.current,
        }
    }
}

#[pymethods]
impl SessionInfo {
    fn __repr__(&self) -> String {
        format!(
            "SessionInfo(id={}, client={}, created_at={}, last_seen={}, current={})",
            R(&self.id),
            R(&self.client),
            self.created_at.to_rfc3339(),
            self.last_seen.to_rfc3339(),
            py_bool(self.current)
        )
    }
}

/// One linked account on the home page.
#[pyclass(module = "ratepayer", frozen)]
pub struct AccountSummary {
    inner: CoreSummary,
}

#[pymethods]
impl AccountSummary {
    /// Canonical account number.
    #[getter]
    fn account(&self) -> &str {
        &self.inner.account
    }
    /// The login's nickname for it.
    #[getter]
    fn nickname(&self) -> Option<&str> {
        self.inner.nickname.as_deref()
    }
    /// `"owner"` or `"authorized_user"`.
    #[getter]
    fn role(&self) -> &'static str {
        self.inner.role.as_str()
    }
    /// `"active"` or `"closed"` (view only).
    #[getter]
    fn status(&self) -> &'static str {
        status_name(self.inner.status)
    }
    /// The service address.
    #[getter]
    fn service_address(&self) -> Option<&str> {
        self.inner.service_address.as_deref()
    }
    /// The sum of its open charges.
    #[getter]
    fn amount_due<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_money(py, &self.inner.amount_due)
    }
    /// The earliest due date among its open charges.
    #[getter]
    fn due_date(&self) -> Option<NaiveDate> {
        self.inner.due_date
    }
    /// The AutoPay option it is enrolled in, if any.
    #[getter]
    fn autopay(&self) -> Option<&str> {
        self.inner.autopay.as_deref()
    }
    /// Money paid beyond every charge.
    #[getter]
    fn credit<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_money(py, &self.inner.credit)
    }
    /// A paper bill is mailed (not paperless; text alerts do not change it).
    #[getter]
    fn paper_bill(&self) -> bool {
        self.inner.paper_bill
    }
    /// Enrolled in e-billing (bill history shown).
    #[getter]
    fn ebilling(&self) -> bool {
        self.inner.ebilling
    }
    fn __repr__(&self) -> String {
        format!(
            "AccountSummary({}, nickname={}, role={}, status={}, amount_due={}, due_date={}, autopay={})",
            R(&self.inner.account),
            opt_r(self.inner.nickname.as_deref()),
            R(self.inner.role.as_str()),
            R(status_name(self.inner.status)),
            self.inner.amount_due.to_decimal_string(),
            self.inner
                .due_date
                .map_or_else(|| "None".to_owned(), |d| d.to_string()),
            opt_r(self.inner.autopay.as_deref())
        )
    }
}

fn status_name(s: AccountStatus) -> &'static str {
    match s {
        AccountStatus::Active => "active",
        AccountStatus::Closed => "closed",
    }
}

/// The home page of a login: every linked account (iterate over it) and
/// the total due across the active ones.
#[pyclass(module = "ratepayer", frozen)]
pub struct HomeView {
    accounts: Vec<Py<AccountSummary>>,
    total_due: Money,
}

impl HomeView {
    /// Wraps the core view.
    pub fn new(py: Python<'_>, home: CoreHome) -> PyResult<HomeView> {
        let accounts = home
            .accounts
            .into_iter()
            .map(|inner| Py::new(py, AccountSummary { inner }))
            .collect::<PyResult<Vec<_>>>()?;
        Ok(HomeView {
            accounts,
            total_due: home.total_due,
        })
    }
}

#[pymethods]
impl HomeView {
    /// Every linked account, in the order linked.
    #[getter]
    fn accounts(&self, py: Python<'_>) -> Vec<Py<AccountSummary>> {
        self.accounts.iter().map(|a| a.clone_ref(py)).collect()
    }
    /// The amount due across every active account.
    #[getter]
    fn total_due<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_money(py, &self.total_due)
    }
    fn __len__(&self) -> usize {
        self.accounts.len()
    }
    fn __iter__(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let list = pyo3::types::PyList::new(py, self.accounts(py))?;
        Ok(list.try_iter()?.into_any().unbind())
    }
    fn __repr__(&self) -> String {
        format!(
            "HomeView(accounts={}, total_due={})",
            self.accounts.len(),
            self.total_due.to_decimal_string()
        )
    }
}

/// A bill posted to an account: its dates, total and statement lines
/// (`(description, amount)`).
#[pyclass(module = "ratepayer", frozen)]
pub struct PostedBill {
    inner: BillRow,
}

impl From<BillRow> for PostedBill {
    fn from(inner: BillRow) -> PostedBill {
        PostedBill { inner }
    }
}

#[pymethods]
impl PostedBill {
    /// The canonical account number.
    #[getter]
    fn account(&self) -> &str {
        &self.inner.account
    }
    /// The bill's id.
    #[getter]
    fn bill_id(&self) -> &str {
        &self.inner.bill_id
    }
    /// First day of the period billed.
    #[getter]
    fn period_start(&self) -> NaiveDate {
        self.inner.period_from
    }
    /// Last day of the period billed.
    #[getter]
    fn period_end(&self) -> NaiveDate {
        self.inner.period_to
    }
    /// When it was issued.
    #[getter]
    fn bill_date(&self) -> NaiveDate {
        self.inner.bill_date
    }
    /// When it is due.
    #[getter]
    fn due_date(&self) -> NaiveDate {
        self.inner.due_date
    }
    /// The bank-draft date printed on it, if any.
    #[getter]
    fn printed_draft_date(&self) -> Option<NaiveDate> {
        self.inner.printed_draft_date
    }
    /// Its total.
    #[getter]
    fn total<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_money(py, &self.inner.total)
    }
    /// Its statement lines, `(description, amount)`.
    #[getter]
    fn lines<'py>(&self, py: Python<'py>) -> PyResult<Vec<(String, Bound<'py, PyAny>)>> {
        self.inner
            .lines
            .iter()
            .map(|l| Ok((l.description.clone(), py_money(py, &l.amount)?)))
            .collect()
    }
    fn __repr__(&self) -> String {
        format!(
            "PostedBill({}, bill_id={}, total={}, due_date={})",
            R(&self.inner.account),
            R(&self.inner.bill_id),
            self.inner.total.to_decimal_string(),
            self.inner.due_date
        )
    }
}

/// The bills a login may see for one account, newest first (iterate over
/// it). `history_shown` is false when only the current bill is shown
/// (the account is not enrolled in e-billing).
#[pyclass(module = "ratepayer", frozen)]
pub struct BillView {
    bills: Vec<Py<PostedBill>>,
    history_shown: bool,
}

impl BillView {
    /// Wraps the core view.
    pub fn new(py: Python<'_>, view: CoreBillView) -> PyResult<BillView> {
        Ok(BillView {
            bills: view
                .bills
                .into_iter()
                .map(|b| Py::new(py, PostedBill::from(b)))
                .collect::<PyResult<Vec<_>>>()?,
            history_shown: view.history_shown,
        })
    }
}

#[pymethods]
impl BillView {
    /// The bills, newest first.
    #[getter]
    fn bills(&self, py: Python<'_>) -> Vec<Py<PostedBill>> {
        self.bills.iter().map(|b| b.clone_ref(py)).collect()
    }
    /// False when only the current bill is shown.
    #[getter]
    fn history_shown(&self) -> bool {
        self.history_shown
    }
    fn __len__(&self) -> usize {
        self.bills.len()
    }
    fn __iter__(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let list = pyo3::types::PyList::new(py, self.bills(py))?;
        Ok(list.try_iter()?.into_any().unbind())
    }
    fn __repr__(&self) -> String {
        format!(
            "BillView(bills={}, history_shown={})",
            self.bills.len(),
            py_bool(self.history_shown)
        )
    }
}

/// One account's part of a payment: `(account, paid, credit)`.
type Allocation<'py> = (String, Bound<'py, PyAny>, Bound<'py, PyAny>);

/// A recorded payment: its id, how it was split (`allocations`, one
/// `(account, paid, credit)` per account), the fee and the total charged.
#[pyclass(module = "ratepayer", frozen)]
pub struct PaymentReceipt {
    inner: CoreReceipt,
}

impl From<CoreReceipt> for PaymentReceipt {
    fn from(inner: CoreReceipt) -> PaymentReceipt {
        PaymentReceipt { inner }
    }
}

#[pymethods]
impl PaymentReceipt {
    /// The payment's id.
    #[getter]
    fn payment_id(&self) -> &str {
        &self.inner.payment_id
    }
    /// The amount paid to the utility (before the fee).
    #[getter]
    fn amount<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_money(py, &self.inner.allocation.total)
    }
    /// The convenience fee.
    #[getter]
    fn fee<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_money(py, &self.inner.fee)
    }
    /// Charged to the customer.
    #[getter]
    fn total<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_money(py, &self.inner.total)
    }
    /// Per account: `(account, paid, credit)`.
    #[getter]
    fn allocations<'py>(&self, py: Python<'py>) -> PyResult<Vec<Allocation<'py>>> {
        self.inner
            .allocation
            .accounts
            .iter()
            .map(|a| {
                Ok((
                    a.account.clone(),
                    py_money(py, &a.paid)?,
                    py_money(py, &a.credit)?,
                ))
            })
            .collect()
    }
    fn __repr__(&self) -> String {
        format!(
            "PaymentReceipt(payment_id={}, amount={}, fee={}, total={}, accounts={})",
            R(&self.inner.payment_id),
            self.inner.allocation.total.to_decimal_string(),
            self.inner.fee.to_decimal_string(),
            self.inner.total.to_decimal_string(),
            self.inner.allocation.accounts.len()
        )
    }
}

/// An AutoPay enrolment made: which bill is drafted first
/// (`first_bill`: `"current"`, `"next"` or `"next_issued"`) and the message
/// for the customer.
#[pyclass(module = "ratepayer", frozen, get_all)]
pub struct Enrolled {
    /// `"current"` (the open bill is drafted), `"next"` (the open bill must
    /// be paid another way) or `"next_issued"` (no bill was open).
    pub first_bill: &'static str,
    /// The open bill's due date, when a bill was open.
    pub open_bill_due: Option<NaiveDate>,
    /// The open bill's enrolment cut-off, when a bill was open.
    pub cutoff: Option<DateTime<Utc>>,
    /// What the customer is told.
    pub message: String,
}

impl From<CoreEnrolled> for Enrolled {
    fn from(e: CoreEnrolled) -> Enrolled {
        let (first_bill, open_bill_due) = match e.first_bill {
            FirstBill::Current { due_date, .. } => ("current", Some(due_date)),
            FirstBill::Next { due_date, .. } => ("next", Some(due_date)),
            FirstBill::NextIssued => ("next_issued", None),
        };
        Enrolled {
            first_bill,
            open_bill_due,
            cutoff: e.first_bill.cutoff().map(|c| c.with_timezone(&Utc)),
            message: e.message,
        }
    }
}

#[pymethods]
impl Enrolled {
    /// True when the open bill is drafted by AutoPay.
    #[getter]
    fn covers_open_bill(&self) -> bool {
        self.first_bill == "current"
    }
    fn __repr__(&self) -> String {
        format!(
            "Enrolled(first_bill={}, open_bill_due={}, message={})",
            R(self.first_bill),
            self.open_bill_due
                .map_or_else(|| "None".to_owned(), |d| d.to_string()),
            R(&self.message)
        )
    }
}

/// What one AutoPay cycle run did.
#[pyclass(module = "ratepayer", frozen)]
pub struct CycleReport {
    /// Active enrolments looked at.
    #[pyo3(get)]
    pub enrolments: usize,
    /// Drafts executed by this run.
    #[pyo3(get)]
    pub drafted: usize,
    /// Drafts due that an earlier run (or another process) had executed.
    #[pyo3(get)]
    pub already_drafted: usize,
    /// Bills left to pay by hand (above the customer's maximum).
    #[pyo3(get)]
    pub pay_by_hand: usize,
    /// Accounts whose AutoPay is suspended (an expired card).
    #[pyo3(get)]
    pub suspended: usize,
    /// Accounts that could not be planned, `(account, reason)`.
    #[pyo3(get)]
    pub failures: Vec<(String, String)>,
    /// Enrolments cancelled while the run was under way: not drafted.
    #[pyo3(get)]
    pub cancelled_during_run: usize,
    /// Enrolments of closed accounts, ended by this run: not drafted.
    #[pyo3(get)]
    pub closed_accounts: usize,
    /// Of `drafted`, re-presentments of returned or declined drafts.
    #[pyo3(get)]
    pub representments: usize,
    /// Messages this run wrote to the outbox (due AutoPay notices and
    /// draft receipts): deliver them with `Portal.deliver_outbox`.
    #[pyo3(get)]
    pub notices_queued: usize,
    charged: Option<Money>,
}

impl From<CoreCycle> for CycleReport {
    fn from(r: CoreCycle) -> CycleReport {
        CycleReport {
            enrolments: r.enrolments,
            drafted: r.drafted,
            already_drafted: r.already_drafted,
            pay_by_hand: r.pay_by_hand,
            suspended: r.suspended,
            failures: r.failures,
            cancelled_during_run: r.cancelled_during_run,
            closed_accounts: r.closed_accounts,
            representments: r.representments,
            notices_queued: r.notices_queued,
            charged: r.charged,
        }
    }
}

#[pymethods]
impl CycleReport {
    /// The sum charged by this run's drafts (amounts and fees); None when
    /// nothing was drafted.
    #[getter]
    fn charged<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.charged.as_ref().map(|m| py_money(py, m)).transpose()
    }
    fn __repr__(&self) -> String {
        format!(
            "CycleReport(enrolments={}, drafted={}, already_drafted={}, pay_by_hand={}, suspended={}, charged={}, failures={})",
            self.enrolments,
            self.drafted,
            self.already_drafted,
            self.pay_by_hand,
            self.suspended,
            self.charged
                .as_ref()
                .map_or_else(|| "None".to_owned(), Money::to_decimal_string),
            self.failures.len()
        )
    }
}

/// One entry of the audit trail (never a secret).
#[pyclass(module = "ratepayer", frozen, get_all)]
pub struct AuditEvent {
    /// When.
    pub at: DateTime<Utc>,
    /// What happened, for example `"payment_made"`.
    pub kind: &'static str,
    /// The login concerned, if any.
    pub login_id: Option<String>,
    /// The account concerned, if any.
    pub account: Option<String>,
    /// Details for staff.
    pub detail: String,
}

impl From<CoreAudit> for AuditEvent {
    fn from(e: CoreAudit) -> AuditEvent {
        AuditEvent {
            at: e.at,
            kind: e.kind.as_str(),
            login_id: e.login,
            account: e.account,
            detail: e.detail,
        }
    }
}

#[pymethods]
impl AuditEvent {
    fn __repr__(&self) -> String {
        format!(
            "AuditEvent({}, at={}, login_id={}, account={}, detail={})",
            R(self.kind),
            self.at.to_rfc3339(),
            opt_r(self.login_id.as_deref()),
            opt_r(self.account.as_deref()),
            R(&self.detail)
        )
    }
}

/// A message the portal sent (after its transaction committed). The body
/// may hold a one-time code, so it is left out of the `__repr__`.
#[pyclass(module = "ratepayer", frozen, get_all)]
pub struct Notice {
    /// The address or phone number it went to.
    pub to: String,
    /// `"email"` or `"sms"`.
    pub channel: &'static str,
    /// Its subject.
    pub subject: String,
    /// Its text (may hold a one-time code: never log it).
    pub body: String,
    /// For a message from the outbox (a receipt, an AutoPay notice), the
    /// key naming what caused it: a message may arrive twice (delivery is
    /// at least once), and the same key is the same message. None for a
    /// direct message (a code).
    pub dedupe_key: Option<String>,
}

impl From<&CoreNotice> for Notice {
    fn from(n: &CoreNotice) -> Notice {
        Notice {
            to: n.to.as_str().to_owned(),
            channel: match n.to.kind() {
                ratepayer::verification::ContactKind::Email => "email",
                ratepayer::verification::ContactKind::Sms => "sms",
            },
            subject: n.subject.clone(),
            body: n.body.clone(),
            dedupe_key: n.dedupe_key.clone(),
        }
    }
}

#[pymethods]
impl Notice {
    /// The one-time code in the body (six or more digits in a row), if any.
    #[getter]
    fn code(&self) -> Option<String> {
        self.body
            .split(|c: char| !c.is_ascii_digit())
            .find(|w| w.len() >= 6)
            .map(str::to_owned)
    }
    fn __repr__(&self) -> String {
        format!(
            "Notice(to={}, subject={}, body='<redacted>')",
            R(&self.to),
            R(&self.subject)
        )
    }
}
