//! `ratepayer.Portal`: one utility's self-service portal over the embedded
//! SQLite store (`ratepayer_sqlite::SqliteStore`, a file or in memory):
//! registration, contacts, sign-in with the device challenge, linking,
//! views, payments, AutoPay and the audit trail. Every call is one store
//! transaction; a refused call changes nothing (security refusals are
//! audited). A call that acts for a customer takes the session token a
//! completed sign-in returned (`LoginOutcome.session`) where the core takes
//! a `Session`: the binding checks it with `Portal::session` at the call's
//! `now` (the clock when the call has no `now`), then makes the call. The
//! GIL is released around every store call (SQLite busy waits, Argon2
//! hashing). Messages go, after the commit, to an outbox Python reads back
//! (`Portal.outbox()`, `Portal.take_outbox()`), or to a
//! `notify(to, subject, body)` callable given when the portal is opened.
//! Errors map into the `ratepayer.RatepayerError` hierarchy with
//! `PortalError::code()` as `.code`.

use std::path::PathBuf;
use std::str::FromStr;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};

use ratepayer::autopay::CardExpiry;
use ratepayer::credential::{HashParams as CoreHashParams, Pepper};
use ratepayer::fees::{Channel, PaymentMethod};
use ratepayer::payment::{AccountNumber, AccountStatus, PaymentTarget, SplitPart};
use ratepayer::registration::{RegistrationChannel, RegistrationForm};
use ratepayer::security::OsRandom;
use ratepayer::verification::ContactKind;
use ratepayer::Currency;
use ratepayer_portal::store::Store;
use ratepayer_portal::{
    AccountImport as CoreImport, ContactTarget, DeliverySettings, EnrolRequest, LinkRequest,
    LoginAttempt, NewPaymentMethod, Notice as CoreNotice, Notifier, NotifyError, PaymentRequest,
    Portal as CorePortal, PortalError as CorePortalError, PortalSecrets, PostedBill as CorePosted,
    ProcessorResult, Reauthentication, Session, SignupRequest,
};
use ratepayer_sqlite::SqliteStore;

use crate::bill::Bill;
use crate::errors::{
    AutopayError, FeeError, MoneyError, PasswordPolicyError, PortalError, Raise, RegistrationError,
    StorageError,
};
use crate::fees::FeeQuote;
use crate::mfa::{factor as mfa_factor, TotpEnrolment};
use crate::money::py_money;
use crate::money::to_money;
use crate::password::PasswordFailure;
use crate::processor::{
    outcome as processor_outcome, DeliveryReport, FakeProcessor, RecordedResult,
};
use crate::profile::Profile;
use crate::registration::AccountRecord;
use crate::store::{
    AuditEvent, BillView, CycleReport, Enrolled, HomeView, LoginOutcome, Notice, PaymentReceipt,
    PostedBill, Registered, SessionInfo,
};

/// A portal error as a Python exception: storage failures are
/// `StorageError`; registration, password, fee, money and AutoPay refusals
/// their domain's exception; every other refusal `PortalError` (among them
/// `login.sign_in_required`: a session token unknown, ended or expired,
/// the same answer for each). `.code` is the core's `PortalError::code()`.
pub fn portal_error(e: &CorePortalError) -> PyErr {
    let code = e.code();
    let message = e.to_string();
    Python::attach(|py| match e {
        CorePortalError::Storage(_) => Raise::new::<StorageError>(code, message).into(),
        CorePortalError::Registration(p) => Raise::new::<RegistrationError>(code, message)
            .with_value(py, "field", p.field)
            .with_value(
                py,
                "internal_reason",
                "recorded in the portal's audit trail",
            )
            .into(),
        CorePortalError::Password(failures) => {
            let list: Vec<PasswordFailure> = failures
                .iter()
                .map(|f| PasswordFailure {
                    code: f.code,
                    message: f.message.clone(),
                })
                .collect();
            Raise::new::<PasswordPolicyError>(code, message)
                .with_value(py, "failures", list)
                .into()
        }
        CorePortalError::Fee(_) => Raise::new::<FeeError>(code, message).into(),
        CorePortalError::Money(_) => Raise::new::<MoneyError>(code, message).into(),
        CorePortalError::Autopay(_) | CorePortalError::Enrolment(_) => {
            Raise::new::<AutopayError>(code, message).into()
        }
        CorePortalError::Throttled {
            retry_after_seconds,
        }
        | CorePortalError::Locked {
            retry_after_seconds,
        } => Raise::new::<PortalError>(code, message)
            .with_value(py, "retry_after_seconds", *retry_after_seconds)
            .into(),
        _ => Raise::new::<PortalError>(code, message).into(),
    })
}

fn invalid(field: &str, message: impl Into<String>) -> PyErr {
    Raise::new::<PortalError>(format!("invalid.{field}"), message.into()).into()
}

/// Argon2id parameters for new credentials.
#[pyclass(module = "ratepayer", frozen)]
#[derive(Clone, Copy)]
pub struct HashParams {
    inner: CoreHashParams,
}

#[pymethods]
impl HashParams {
    /// Parameters at or above the OWASP floor (m ≥ 7168 KiB, m × t ≥ 35840).
    #[new]
    #[pyo3(signature = (*, memory_kib = 19_456, iterations = 2, parallelism = 1))]
    fn py_new(memory_kib: u32, iterations: u32, parallelism: u32) -> PyResult<HashParams> {
        CoreHashParams::new(memory_kib, iterations, parallelism)
            .map(|inner| HashParams { inner })
            .map_err(|e| Raise::new::<PortalError>("credential.params", e.to_string()).into())
    }

    /// OWASP's recommendation: m = 19456 KiB, t = 2, p = 1 (the default).
    #[staticmethod]
    fn owasp() -> HashParams {
        HashParams {
            inner: CoreHashParams::OWASP,
        }
    }

    /// Parameters below the OWASP floor, FOR TESTS ONLY: they make hashing
    /// fast and the hashes cheap to crack.
    #[staticmethod]
    #[pyo3(signature = (*, memory_kib = 64, iterations = 1, parallelism = 1))]
    fn below_owasp_floor_for_tests(
        memory_kib: u32,
        iterations: u32,
        parallelism: u32,
    ) -> PyResult<HashParams> {
        CoreHashParams::below_owasp_floor_for_tests(memory_kib, iterations, parallelism)
            .map(|inner| HashParams { inner })
            .map_err(|e| Raise::new::<PortalError>("credential.params", e.to_string()).into())
    }

    /// Memory in KiB.
    #[getter]
    fn memory_kib(&self) -> u32 {
        self.inner.memory_kib()
    }
    /// Passes.
    #[getter]
    fn iterations(&self) -> u32 {
        self.inner.iterations()
    }
    /// Lanes.
    #[getter]
    fn parallelism(&self) -> u32 {
        self.inner.parallelism()
    }
    fn __repr__(&self) -> String {
        format!(
            "HashParams(memory_kib={}, iterations={}, parallelism={})",
            self.inner.memory_kib(),
            self.inner.iterations(),
            self.inner.parallelism()
        )
    }
}

/// An account from the utility's customer system, for `Portal.import_accounts`.
#[pyclass(module = "ratepayer", frozen)]
pub struct AccountImport {
    record: Py<AccountRecord>,
    closed: bool,
    service_address: Option<String>,
}

#[pymethods]
impl AccountImport {
    /// `record` (its `login` is ignored), `status` `"active"` or `"closed"`
    /// (view only, no online payment) and the service address.
    #[new]
    #[pyo3(signature = (record, *, status = "active", service_address = None))]
    fn py_new(
        record: Py<AccountRecord>,
        status: &str,
        service_address: Option<String>,
    ) -> PyResult<AccountImport> {
        Ok(AccountImport {
            record,
            closed: parse_status(status)? == AccountStatus::Closed,
            service_address,
        })
    }
    /// The account record.
    #[getter]
    fn record(&self, py: Python<'_>) -> Py<AccountRecord> {
        self.record.clone_ref(py)
    }
    /// `"active"` or `"closed"`.
    #[getter]
    fn status(&self) -> &'static str {
        if self.closed {
            "closed"
        } else {
            "active"
        }
    }
    /// The service address.
    #[getter]
    fn service_address(&self) -> Option<&str> {
        self.service_address.as_deref()
    }
    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "AccountImport({}, status={})",
            crate::R(&self.record.borrow(py).account_number),
            crate::R(self.status())
        )
    }
}

fn parse_status(status: &str) -> PyResult<AccountStatus> {
    match status {
        "active" => Ok(AccountStatus::Active),
        "closed" => Ok(AccountStatus::Closed),
        other => Err(invalid(
            "status",
            format!("`{other}` is not an account status; use \"active\" or \"closed\""),
        )),
    }
}

/// The notifier behind `Portal.outbox()`: keeps every message sent.
#[derive(Default)]
struct Outbox {
    sent: Mutex<Vec<CoreNotice>>,
}

impl Notifier for Outbox {
    fn send(&self, notice: &CoreNotice) {
        self.sent
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(notice.clone());
    }
}

/// The notifier behind `notify=`: calls `notify(to, subject, body)` after
/// each commit. An exception it raises is reported through
/// `sys.unraisablehook` (the portal call has already committed).
struct CallbackNotifier {
    callback: Py<PyAny>,
}

impl Notifier for CallbackNotifier {
    fn send(&self, notice: &CoreNotice) {
        Python::attach(|py| {
            let args = (
                notice.to.as_str().to_owned(),
                notice.subject.clone(),
                notice.body.clone(),
            );
            if let Err(e) = self.callback.call1(py, args) {
                e.write_unraisable(py, Some(self.callback.bind(py)));
            }
        });
    }

    /// A message from the outbox: an exception leaves it there, with the
    /// attempt recorded, for a later `deliver_outbox`.
    fn deliver(&self, notice: &CoreNotice) -> Result<(), NotifyError> {
        Python::attach(|py| {
            let args = (
                notice.to.as_str().to_owned(),
                notice.subject.clone(),
                notice.body.clone(),
            );
            self.callback
                .call1(py, args)
                .map(|_| ())
                .map_err(|e| NotifyError {
                    message: format!(
                        "notify raised {}",
                        e.get_type(py)
                            .name()
                            .map_or_else(|_| "an exception".to_owned(), |n| n.to_string())
                    ),
                })
        })
    }
}

/// How a portal is set up, from `Portal.open`'s keywords.
struct Setup {
    digest_key: Vec<u8>,
    hash_params: Option<HashParams>,
    pepper: Option<(String, Vec<u8>)>,
    notify: Option<Py<PyAny>>,
    autopay_batch: Option<usize>,
}

impl Setup {
    fn new(
        digest_key: &Bound<'_, PyAny>,
        hash_params: Option<PyRef<'_, HashParams>>,
        pepper: Option<(String, Vec<u8>)>,
        notify: Option<Bound<'_, PyAny>>,
        autopay_batch: Option<usize>,
    ) -> PyResult<Setup> {
        let notify = match notify {
            Some(n) if !n.is_none() => {
                if !n.is_callable() {
                    return Err(PyTypeError::new_err(
                        "`notify` must be a callable notify(to, subject, body), or None",
                    ));
                }
                Some(n.unbind())
            }
            _ => None,
        };
        Ok(Setup {
            digest_key: key_of(digest_key)?,
            hash_params: hash_params.map(|h| *h),
            pepper,
            notify,
            autopay_batch,
        })
    }
}

fn utc(now: DateTime<FixedOffset>) -> DateTime<Utc> {
    now.with_timezone(&Utc)
}

/// `now` in UTC, or the system clock's time when the call was given none.
fn utc_or_clock(now: Option<DateTime<FixedOffset>>) -> DateTime<Utc> {
    now.map_or_else(|| DateTime::<Utc>::from(std::time::SystemTime::now()), utc)
}

/// One utility's portal over the embedded SQLite store.
#[pyclass(module = "ratepayer", frozen)]
pub struct Portal {
    inner: CorePortal,
    outbox: Arc<Outbox>,
    currency: Currency,
    path: Option<PathBuf>,
}

impl Portal {
    fn build(
        profile: &Profile,
        store: Arc<dyn Store>,
        setup: Setup,
        path: Option<PathBuf>,
    ) -> PyResult<Portal> {
        let outbox = Arc::new(Outbox::default());
        let pepper = match setup.pepper {
            Some((id, key)) => Some(Pepper::new(&id, &key).map_err(|e| {
                PyErr::from(Raise::new::<PortalError>(
                    "credential.pepper",
                    e.to_string(),
                ))
            })?),
            None => None,
        };
        let secrets = PortalSecrets {
            digest_key: setup.digest_key,
            hash_params: setup.hash_params.map_or(CoreHashParams::OWASP, |h| h.inner),
            pepper,
        };
        let notifier: Arc<dyn Notifier> = match setup.notify {
            Some(callback) => Arc::new(CallbackNotifier { callback }),
            None => outbox.clone(),
        };
        let mut inner = CorePortal::new(
            (*profile.inner).clone(),
            store,
            secrets,
            Box::new(OsRandom),
            notifier,
        )
        .map_err(|e| portal_error(&e))?;
        if let Some(n) = setup.autopay_batch {
            inner = inner.with_autopay_batch(n);
        }
        Ok(Portal {
            currency: profile.inner.spec().currency,
            inner,
            outbox,
            path,
        })
    }

    /// Runs `f` on the portal with the GIL released; maps its error.
    fn run<T: Send>(
        &self,
        py: Python<'_>,
        f: impl FnOnce(&CorePortal) -> Result<T, CorePortalError> + Send,
    ) -> PyResult<T> {
        py.detach(|| f(&self.inner)).map_err(|e| portal_error(&e))
    }

    /// Runs `f` for the customer signed in with the session `token`, with
    /// the GIL released: the token is first checked at `now`
    /// (`login.sign_in_required` when it is unknown, ended or expired),
    /// and `f` gets the session it stands for.
    fn run_as<T: Send>(
        &self,
        py: Python<'_>,
        token: &str,
        now: DateTime<Utc>,
        f: impl FnOnce(&CorePortal, &Session) -> Result<T, CorePortalError> + Send,
    ) -> PyResult<T> {
        self.run(py, |p| {
            let session = p.session(token, now)?;
            f(p, &session)
        })
    }

    fn money(&self, obj: &Bound<'_, PyAny>, what: &str) -> PyResult<ratepayer::Money> {
        to_money(obj, self.currency, what)
    }

    /// The payment target: `split` (a mapping or pairs of account → amount),
    /// else one `account`, else the total due.
    fn target(
        &self,
        account: Option<String>,
        split: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PaymentTarget> {
        match (account, split) {
            (Some(_), Some(s)) if !s.is_none() => Err(PyTypeError::new_err(
                "pass either `account` or `split`, not both",
            )),
            (_, Some(s)) if !s.is_none() => {
                let items = match s.cast::<PyDict>() {
                    Ok(d) => d.items().into_any(),
                    Err(_) => s.clone(),
                };
                let mut parts = Vec::new();
                for item in items.try_iter()? {
                    let (account, amount): (String, Bound<'_, PyAny>) = item?.extract()?;
                    let amount = self.money(&amount, "split amount")?;
                    parts.push(SplitPart { account, amount });
                }
                Ok(PaymentTarget::Split(parts))
            }
            (Some(a), _) => Ok(PaymentTarget::Account(a)),
            (None, _) => Ok(PaymentTarget::TotalDue),
        }
    }
}

/// The client of a call, or the portal's error naming the field.
fn client_of(address: &str, user_agent: &str) -> PyResult<ratepayer_portal::ClientContext> {
    ratepayer_portal::ClientContext::new(address, user_agent).map_err(|e| portal_error(&e))
}

fn channel_of(channel: &str) -> PyResult<RegistrationChannel> {
    match channel {
        "web" => Ok(RegistrationChannel::Web),
        "app" => Ok(RegistrationChannel::App),
        "phone" => Ok(RegistrationChannel::Phone),
        other => Err(Raise::new::<RegistrationError>(
            "registration.unknown_channel",
            format!("`{other}` is not a registration channel; use web, app or phone"),
        )
        .into()),
    }
}

fn key_of(digest_key: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    if digest_key.is_instance_of::<PyString>() {
        return Err(PyTypeError::new_err(
            "`digest_key` must be bytes (32 random bytes or more, e.g. secrets.token_bytes(32)), not str",
        ));
    }
    digest_key.extract::<Vec<u8>>()
}

#[pymethods]
impl Portal {
    /// A portal for `profile` over the SQLite database at `database_path`
    /// (created and migrated when new; WAL mode), or over a PostgreSQL
    /// database when `database_path` is a `postgres://` or
    /// `postgresql://` URL (a libpq URL; tables made and migrated on open,
    /// in `schema` when given, created if missing, else in the
    /// connection's search path; the URL is never echoed in an error).
    /// `digest_key` keys the
    /// digests of codes and device tokens: 32 random bytes or more, kept
    /// secret and stable. `hash_params` are the Argon2id parameters of new
    /// credentials (OWASP's by default); `pepper` an optional `(id, key)`
    /// mixed into every credential. Messages go to `outbox()`, or, with
    /// `notify`, to `notify(to, subject, body)` after each commit.
    /// `autopay_batch` sets the enrolments per AutoPay transaction.
    #[staticmethod]
    #[pyo3(signature = (profile, database_path, *, digest_key, hash_params = None, pepper = None, notify = None, autopay_batch = None, schema = None))]
    #[allow(clippy::too_many_arguments)]
    fn open(
        py: Python<'_>,
        profile: PyRef<'_, Profile>,
        database_path: PathBuf,
        digest_key: &Bound<'_, PyAny>,
        hash_params: Option<PyRef<'_, HashParams>>,
        pepper: Option<(String, Vec<u8>)>,
        notify: Option<Bound<'_, PyAny>>,
        autopay_batch: Option<usize>,
        schema: Option<String>,
    ) -> PyResult<Portal> {
        let setup = Setup::new(digest_key, hash_params, pepper, notify, autopay_batch)?;
        let text = database_path.to_str().unwrap_or_default();
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            return Portal::open_postgres(py, &profile, text.to_owned(), schema, setup);
        }
        if schema.is_some() {
            return Err(PyErr::from(Raise::new::<PortalError>(
                "portal.schema",
                "schema is for a PostgreSQL URL; a SQLite file has no schemas (leave it out)",
            )));
        }
        let path = database_path.clone();
        let store = py
            .detach(|| SqliteStore::open(&path))
            .map_err(|e| portal_error(&CorePortalError::Storage(e)))?;
        Portal::build(&profile, Arc::new(store), setup, Some(database_path))
    }

    /// A portal over a fresh in-memory SQLite database (for tests and
    /// demos); the keywords are `open`'s.
    #[staticmethod]
    #[pyo3(signature = (profile, *, digest_key, hash_params = None, pepper = None, notify = None, autopay_batch = None))]
    fn in_memory(
        profile: PyRef<'_, Profile>,
        digest_key: &Bound<'_, PyAny>,
        hash_params: Option<PyRef<'_, HashParams>>,
        pepper: Option<(String, Vec<u8>)>,
        notify: Option<Bound<'_, PyAny>>,
        autopay_batch: Option<usize>,
    ) -> PyResult<Portal> {
        let setup = Setup::new(digest_key, hash_params, pepper, notify, autopay_batch)?;
        let store = SqliteStore::open_in_memory()
            .map_err(|e| portal_error(&CorePortalError::Storage(e)))?;
        Portal::build(&profile, Arc::new(store), setup, None)
    }

    /// The utility's id.
    #[getter]
    fn utility(&self) -> &str {
        self.inner.profile().id()
    }

    /// The database file, or None in memory.
    #[getter]
    fn database_path(&self) -> Option<PathBuf> {
        self.path.clone()
    }

    /// Every message sent so far, oldest first (each added after its
    /// transaction committed). Waits first for the messages the recovery
    /// requests send from a background thread (see `flush_messages`).
    fn outbox(&self, py: Python<'_>) -> Vec<Notice> {
        py.detach(|| self.inner.flush_messages());
        self.outbox
            .sent
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .map(Notice::from)
            .collect()
    }

    /// Waits until the messages of the recovery requests
    /// (`request_password_reset`, `request_username_reminder`,
    /// `request_temporary_password`), which go out from a background thread
    /// so that their answer takes the same time whatever matched, have
    /// reached the outbox or `notify` (which then runs on that thread). Call
    /// it before the process exits.
    fn flush_messages(&self, py: Python<'_>) {
        py.detach(|| self.inner.flush_messages());
    }

    /// Every message sent so far, removing them from the outbox (for an
    /// application that delivers them).
    fn take_outbox(&self, py: Python<'_>) -> Vec<Notice> {
        py.detach(|| self.inner.flush_messages());
        let sent = std::mem::take(&mut *self.outbox.sent.lock().unwrap_or_else(|p| p.into_inner()));
        sent.iter().map(Notice::from).collect()
    }

    /// Adds or updates accounts from the utility's records (each an
    /// `AccountImport`, or an `AccountRecord` taken as active); returns how
    /// many. All or nothing.
    #[pyo3(signature = (accounts, *, now))]
    fn import_accounts(
        &self,
        py: Python<'_>,
        accounts: &Bound<'_, PyAny>,
        now: DateTime<FixedOffset>,
    ) -> PyResult<usize> {
        let format = &self.inner.profile().spec().payments.account_number;
        let mut imports = Vec::new();
        for item in accounts.try_iter()? {
            let item = item?;
            let (record, closed, service_address) = match item.cast::<AccountImport>() {
                Ok(i) => {
                    let i = i.get();
                    (
                        i.record.bind(py).clone(),
                        i.closed,
                        i.service_address.clone(),
                    )
                }
                Err(_) => (item.cast_into::<AccountRecord>()?, false, None),
            };
            let r = record.get();
            let number = AccountNumber::parse(&r.account_number, format)
                .map_err(|e| invalid("account_number", format!("`{}`: {e}", r.account_number)))?;
            imports.push(CoreImport {
                record: ratepayer::registration::AccountRecord {
                    account_number: number,
                    customer_number: r.customer_number.clone(),
                    zip: r.zip.clone(),
                    name: r.name.clone(),
                    email: r.email.clone(),
                    commercial: r.commercial,
                    tax_id: r.tax_id.clone(),
                    login: None,
                },
                status: if closed {
                    AccountStatus::Closed
                } else {
                    AccountStatus::Active
                },
                service_address,
            });
        }
        let now = utc(now);
        self.run(py, |p| p.import_accounts(&imports, now))
    }

    /// Posts a bill computed by a tariff to an account: its statement and
    /// an open charge for the total (less any credit).
    #[pyo3(signature = (account, bill, *, bill_id, bill_date, due_date, now, printed_draft_date = None))]
    #[allow(clippy::too_many_arguments)]
    fn post_bill(
        &self,
        py: Python<'_>,
        account: String,
        bill: PyRef<'_, Bill>,
        bill_id: String,
        bill_date: NaiveDate,
        due_date: NaiveDate,
        now: DateTime<FixedOffset>,
        printed_draft_date: Option<NaiveDate>,
    ) -> PyResult<PostedBill> {
        let bill = bill.inner().clone();
        let now = utc(now);
        self.run(py, |p| {
            p.post_bill(
                &CorePosted {
                    account: &account,
                    bill_id: &bill_id,
                    bill: &bill,
                    bill_date,
                    due_date,
                    printed_draft_date,
                },
                now,
            )
        })
        .map(PostedBill::from)
    }

    /// Registers a login with the utility's recipe (login, owner link, email
    /// contact and its code, in one transaction). A refusal raises
    /// `RegistrationError` (public view only) or `PasswordPolicyError` and
    /// changes nothing but the audit trail.
    #[pyo3(signature = (*, account_number, email, password, now, client_address, user_agent = String::new(), customer_number = None, zip = None, name = None, tax_id = None, username = None, accepted_terms_version = None, channel = "web"))]
    #[allow(clippy::too_many_arguments)]
    fn register(
        &self,
        py: Python<'_>,
        account_number: String,
        email: String,
        password: String,
        now: DateTime<FixedOffset>,
        client_address: String,
        user_agent: String,
        customer_number: Option<String>,
        zip: Option<String>,
        name: Option<String>,
        tax_id: Option<String>,
        username: Option<String>,
        accepted_terms_version: Option<String>,
        channel: &str,
    ) -> PyResult<Registered> {
        let request = SignupRequest {
            form: RegistrationForm {
                account_number,
                customer_number,
                zip,
                name,
                tax_id,
                email,
                username,
                accepted_terms_version,
            },
            password,
            channel: channel_of(channel)?,
        };
        let now = utc(now);
        let client = client_of(&client_address, &user_agent)?;
        self.run(py, |p| p.register(&request, &client, now))
            .map(Registered::from)
    }

    /// Verifies a contact with the code sent to it (`code_id` from
    /// `Registered.email_code_id`). A wrong code counts an attempt.
    #[pyo3(signature = (login_id, code_id, code, *, now))]
    fn verify_contact(
        &self,
        py: Python<'_>,
        login_id: String,
        code_id: String,
        code: String,
        now: DateTime<FixedOffset>,
    ) -> PyResult<()> {
        let now = utc(now);
        self.run(py, |p| p.verify_contact(&login_id, &code_id, &code, now))
    }

    /// Sends a new code to the login's own email while it is unverified;
    /// returns the code's id (for `verify_contact`). Any other contact
    /// (a new login email, billing email or phone) is refused
    /// (`invalid.contact`): use `request_contact_change`.
    #[pyo3(signature = (session, *, now, email = None, phone = None))]
    fn add_contact(
        &self,
        py: Python<'_>,
        session: String,
        now: DateTime<FixedOffset>,
        email: Option<String>,
        phone: Option<String>,
    ) -> PyResult<String> {
        let (kind, value) = match (email, phone) {
            (Some(e), None) => (ContactKind::Email, e),
            (None, Some(p)) => (ContactKind::Sms, p),
            _ => {
                return Err(PyTypeError::new_err(
                    "pass exactly one of `email` or `phone`",
                ))
            }
        };
        let now = utc(now);
        self.run_as(py, &session, now, |p, s| {
            p.add_contact(s, kind, &value, now)
        })
    }

    /// Signs in. A wrong password counts a failure; from an unrecognised
    /// device (no `device_token`, or an unknown one) a code is sent to the
    /// login's email and the outcome asks for `pass_device_challenge`.
    #[pyo3(signature = (username, password, *, now, client_address, user_agent = String::new(), device_token = None))]
    #[allow(clippy::too_many_arguments)]
    fn login(
        &self,
        py: Python<'_>,
        username: String,
        password: String,
        now: DateTime<FixedOffset>,
        client_address: String,
        user_agent: String,
        device_token: Option<String>,
    ) -> PyResult<LoginOutcome> {
        let now = utc(now);
        let client = client_of(&client_address, &user_agent)?;
        self.run(py, |p| {
            p.login(
                &LoginAttempt {
                    username: &username,
                    password: &password,
                    device_token: device_token.as_deref(),
                },
                &client,
                now,
            )
        })
        .map(LoginOutcome::from)
    }

    /// Completes a challenged login with the emailed code, from the client
    /// (named in the audit trail and the list of sessions); with `remember`
    /// (a device label) the outcome carries a device token to send next time.
    #[pyo3(signature = (login_id, challenge_id, code, *, now, client_address, user_agent = String::new(), remember = None))]
    #[allow(clippy::too_many_arguments)]
    fn pass_device_challenge(
        &self,
        py: Python<'_>,
        login_id: String,
        challenge_id: String,
        code: String,
        now: DateTime<FixedOffset>,
        client_address: String,
        user_agent: String,
        remember: Option<String>,
    ) -> PyResult<LoginOutcome> {
        let now = utc(now);
        let client = client_of(&client_address, &user_agent)?;
        self.run(py, |p| {
            p.pass_device_challenge(
                &login_id,
                &challenge_id,
                &code,
                remember.as_deref(),
                &client,
                now,
            )
        })
        .map(LoginOutcome::from)
    }

    /// Starts enrolling an authenticator app: the password again (counted
    /// when wrong), then a new secret, shown once. MFA is on only after
    /// `confirm_totp`.
    #[pyo3(signature = (session, *, password, now, client_address, user_agent = String::new()))]
    fn enrol_totp(
        &self,
        py: Python<'_>,
        session: String,
        password: String,
        now: DateTime<FixedOffset>,
        client_address: String,
        user_agent: String,
    ) -> PyResult<TotpEnrolment> {
        let now = utc(now);
        let client = client_of(&client_address, &user_agent)?;
        self.run_as(py, &session, now, |p, s| {
            p.enrol_totp(s, &password, &client, now)
        })
        .map(TotpEnrolment::from)
    }

    /// Confirms the authenticator with its current code: MFA is on, and the
    /// ten recovery codes are returned (shown once).
    #[pyo3(signature = (session, code, *, now, client_address, user_agent = String::new()))]
    fn confirm_totp(
        &self,
        py: Python<'_>,
        session: String,
        code: String,
        now: DateTime<FixedOffset>,
        client_address: String,
        user_agent: String,
    ) -> PyResult<Vec<String>> {
        let now = utc(now);
        let client = client_of(&client_address, &user_agent)?;
        self.run_as(py, &session, now, |p, s| {
            p.confirm_totp(s, &code, &client, now)
        })
        .map(|c| c.into_codes())
    }

    /// Completes a sign-in whose outcome asked for `"second_factor"` with
    /// `totp=` (the authenticator's code) or `recovery_code=`. Every
    /// refusal is `login.wrong_credentials`, counted like a wrong password.
    #[pyo3(signature = (login_id, challenge_id, *, now, client_address, user_agent = String::new(), totp = None, recovery_code = None, remember = None))]
    #[allow(clippy::too_many_arguments)]
    fn pass_second_factor(
        &self,
        py: Python<'_>,
        login_id: String,
        challenge_id: String,
        now: DateTime<FixedOffset>,
        client_address: String,
        user_agent: String,
        totp: Option<String>,
        recovery_code: Option<String>,
        remember: Option<String>,
    ) -> PyResult<LoginOutcome> {
        let now = utc(now);
        let client = client_of(&client_address, &user_agent)?;
        let factor = mfa_factor(totp, recovery_code, true)?;
        self.run(py, |p| match &factor {
            Some(f) => p.pass_second_factor(
                &login_id,
                &challenge_id,
                f,
                remember.as_deref(),
                &client,
                now,
            ),
            None => Err(CorePortalError::WrongCredentials),
        })
        .map(LoginOutcome::from)
    }

    /// Makes ten new recovery codes (the old set stops working); needs
    /// `totp=` or `recovery_code=`.
    #[pyo3(signature = (session, *, now, client_address, user_agent = String::new(), totp = None, recovery_code = None))]
    #[allow(clippy::too_many_arguments)]
    fn regenerate_recovery_codes(
        &self,
        py: Python<'_>,
        session: String,
        now: DateTime<FixedOffset>,
        client_address: String,
        user_agent: String,
        totp: Option<String>,
        recovery_code: Option<String>,
    ) -> PyResult<Vec<String>> {
        let now = utc(now);
        let client = client_of(&client_address, &user_agent)?;
        let factor = mfa_factor(totp, recovery_code, true)?;
        self.run_as(py, &session, now, |p, s| match &factor {
            Some(f) => p.regenerate_recovery_codes(s, f, &client, now),
            None => Err(CorePortalError::StepUpRequired),
        })
        .map(|c| c.into_codes())
    }

    /// Whether the login has an authenticator app, and its unused recovery
    /// codes: `(totp, recovery_codes_left)`. The session is checked at
    /// `now` (default: the clock).
    #[pyo3(signature = (session, *, now = None))]
    fn mfa_status(
        &self,
        py: Python<'_>,
        session: String,
        now: Option<DateTime<FixedOffset>>,
    ) -> PyResult<(bool, usize)> {
        self.run_as(py, &session, utc_or_clock(now), |p, s| p.mfa_status(s))
            .map(|s| (s.totp, s.recovery_codes_left))
    }

    /// Sets the login's security question and answer (legacy preset only;
    /// the password again). The answer is stored only as a keyed digest.
    #[pyo3(signature = (session, *, password, question, answer, now, client_address, user_agent = String::new()))]
    #[allow(clippy::too_many_arguments)]
    fn set_security_answer(
        &self,
        py: Python<'_>,
        session: String,
        password: String,
        question: String,
        answer: String,
        now: DateTime<FixedOffset>,
        client_address: String,
        user_agent: String,
    ) -> PyResult<()> {
        let now = utc(now);
        let client = client_of(&client_address, &user_agent)?;
        self.run_as(py, &session, now, |p, s| {
            p.set_security_answer(s, &password, &question, &answer, &client, now)
        })
    }

    /// Completes a sign-in whose outcome asked for `"security_question"`.
    #[pyo3(signature = (login_id, challenge_id, answer, *, now, client_address, user_agent = String::new(), remember = None))]
    #[allow(clippy::too_many_arguments)]
    fn answer_security_question(
        &self,
        py: Python<'_>,
        login_id: String,
        challenge_id: String,
        answer: String,
        now: DateTime<FixedOffset>,
        client_address: String,
        user_agent: String,
        remember: Option<String>,
    ) -> PyResult<LoginOutcome> {
        let now = utc(now);
        let client = client_of(&client_address, &user_agent)?;
        self.run(py, |p| {
            p.answer_security_question(
                &login_id,
                &challenge_id,
                &answer,
                remember.as_deref(),
                &client,
                now,
            )
        })
        .map(LoginOutcome::from)
    }

    /// Changes the password after checking the current one; every
    /// remembered device is forgotten and the login's email told. Every
    /// session of the login ends, this one included: returns the token of
    /// the new session started for the caller.
    #[pyo3(signature = (session, *, current, new, now, client_address, user_agent = String::new()))]
    #[allow(clippy::too_many_arguments)]
    fn change_password(
        &self,
        py: Python<'_>,
        session: String,
        current: String,
        new: String,
        now: DateTime<FixedOffset>,
        client_address: String,
        user_agent: String,
    ) -> PyResult<String> {
        let now = utc(now);
        let client = client_of(&client_address, &user_agent)?;
        self.run_as(py, &session, now, |p, s| {
            p.change_password(s, &current, &new, &client, now)
        })
    }

    /// Forgot password: emails a single-use reset code to the verified
    /// email of `username`'s login. The same answer (`None`) whether or not
    /// the username exists or has a verified email; every request counts on
    /// the client's address and is audited.
    #[pyo3(signature = (username, *, now, client_address, user_agent = String::new()))]
    fn request_password_reset(
        &self,
        py: Python<'_>,
        username: String,
        now: DateTime<FixedOffset>,
        client_address: String,
        user_agent: String,
    ) -> PyResult<()> {
        let now = utc(now);
        let client = client_of(&client_address, &user_agent)?;
        self.run(py, |p| p.request_password_reset(&username, &client, now))
    }

    /// Sets a new password with the emailed reset code: the code is used up,
    /// the password must pass the policy (a refused password leaves the code
    /// usable), locks on the login and its account are lifted, every
    /// remembered device is forgotten and every session of the login ends.
    /// Returns the login's id.
    #[pyo3(signature = (reset_token, new_password, *, now, client_address, user_agent = String::new()))]
    fn reset_password(
        &self,
        py: Python<'_>,
        reset_token: String,
        new_password: String,
        now: DateTime<FixedOffset>,
        client_address: String,
        user_agent: String,
    ) -> PyResult<String> {
        let now = utc(now);
        let client = client_of(&client_address, &user_agent)?;
        self.run(py, |p| {
            p.reset_password(&reset_token, &new_password, &client, now)
        })
    }

    /// Forgot username: emails each login linked to `account` its username,
    /// at that login's own verified email. The same answer (`None`) whether
    /// or not the account exists or has logins; a malformed number is
    /// refused for its format only.
    #[pyo3(signature = (account, *, now, client_address, user_agent = String::new()))]
    fn request_username_reminder(
        &self,
        py: Python<'_>,
        account: String,
        now: DateTime<FixedOffset>,
        client_address: String,
        user_agent: String,
    ) -> PyResult<()> {
        let now = utc(now);
        let client = client_of(&client_address, &user_agent)?;
        self.run(py, |p| p.request_username_reminder(&account, &client, now))
    }

    /// Asks for a temporary password for `username` (recovery in profiles
    /// such as Crow Wing's), emailed to the login's verified email. The same
    /// answer (`None`) whether or not the username exists; every request
    /// counts on the client's address. The login's own password keeps
    /// working until the temporary one is used; signing in with it leaves
    /// the login with `must_change_password`, and every call but
    /// `change_password` raises `login.password_change_required`.
    #[pyo3(signature = (username, *, now, client_address, user_agent = String::new()))]
    fn request_temporary_password(
        &self,
        py: Python<'_>,
        username: String,
        now: DateTime<FixedOffset>,
        client_address: String,
        user_agent: String,
    ) -> PyResult<()> {
        let now = utc(now);
        let client = client_of(&client_address, &user_agent)?;
        self.run(py, |p| {
            p.request_temporary_password(&username, &client, now)
        })
    }

    /// Asks to change a contact: `contact` is `"login_email"`,
    /// `"billing_email"` (with `account`) or `"phone"`. Re-authenticate
    /// with `password` (or, for a login with an authenticator app, `totp=`
    /// or `recovery_code=`); a code goes to `new_value`. Returns the
    /// change's id for `confirm_contact_change`; nothing changes until
    /// then.
    #[pyo3(signature = (session, *, contact, new_value, now, client_address, user_agent = String::new(), account = None, password = None, totp = None, recovery_code = None))]
    #[allow(clippy::too_many_arguments)]
    fn request_contact_change(
        &self,
        py: Python<'_>,
        session: String,
        contact: String,
        new_value: String,
        now: DateTime<FixedOffset>,
        client_address: String,
        user_agent: String,
        account: Option<String>,
        password: Option<String>,
        totp: Option<String>,
        recovery_code: Option<String>,
    ) -> PyResult<String> {
        let target = match (contact.as_str(), account) {
            ("login_email", None) => ContactTarget::LoginEmail,
            ("phone", None) => ContactTarget::Phone,
            ("billing_email", Some(account)) => ContactTarget::BillingEmail { account },
            ("billing_email", None) => {
                return Err(PyTypeError::new_err(
                    "`contact=\"billing_email\"` needs `account=` (the account number)",
                ))
            }
            (other, _) => {
                return Err(PyTypeError::new_err(format!(
                    "`contact` is {other:?}; use \"login_email\", \"billing_email\" (with `account=`) or \"phone\""
                )))
            }
        };
        let step_up = mfa_factor(totp, recovery_code, false)?;
        let now = utc(now);
        let client = client_of(&client_address, &user_agent)?;
        self.run_as(py, &session, now, |p, s| {
            p.request_contact_change(
                s,
                &target,
                &new_value,
                &Reauthentication {
                    password: password.as_deref(),
                    step_up: step_up.as_ref(),
                },
                &client,
                now,
            )
        })
    }

    /// Completes a contact change with the code sent to the new contact:
    /// the new one is put in use and the old one gets a notice. A wrong
    /// code counts a try and changes nothing.
    #[pyo3(signature = (session, change_id, code, *, now))]
    fn confirm_contact_change(
        &self,
        py: Python<'_>,
        session: String,
        change_id: String,
        code: String,
        now: DateTime<FixedOffset>,
    ) -> PyResult<()> {
        let now = utc(now);
        self.run_as(py, &session, now, |p, s| {
            p.confirm_contact_change(s, &change_id, &code, now)
        })
    }

    /// Links a further account to a login: the password again and the
    /// registration recipe's proofs. Returns the canonical account number.
    /// A login with an authenticator app also gives `totp=` or
    /// `recovery_code=` (step-up).
    #[pyo3(signature = (session, *, account_number, password, now, client_address, user_agent = String::new(), customer_number = None, zip = None, name = None, tax_id = None, email = None, nickname = None, totp = None, recovery_code = None))]
    #[allow(clippy::too_many_arguments)]
    fn link_account(
        &self,
        py: Python<'_>,
        session: String,
        account_number: String,
        password: String,
        now: DateTime<FixedOffset>,
        client_address: String,
        user_agent: String,
        customer_number: Option<String>,
        zip: Option<String>,
        name: Option<String>,
        tax_id: Option<String>,
        email: Option<String>,
        nickname: Option<String>,
        totp: Option<String>,
        recovery_code: Option<String>,
    ) -> PyResult<String> {
        let step_up = mfa_factor(totp, recovery_code, false)?;
        let request = LinkRequest {
            form: RegistrationForm {
                account_number,
                customer_number,
                zip,
                name,
                tax_id,
                email: email.unwrap_or_default(),
                username: None,
                accepted_terms_version: None,
            },
            password,
            nickname,
        };
        let now = utc(now);
        let client = client_of(&client_address, &user_agent)?;
        self.run_as(py, &session, now, |p, s| {
            p.link_account_with_step_up(s, &request, step_up.as_ref(), &client, now)
        })
    }

    /// Staff link an account to a login (no proofs; allowed past one account
    /// per login). `staff` names the clerk for the audit trail.
    #[pyo3(signature = (staff, login_id, account, *, now))]
    fn staff_link(
        &self,
        py: Python<'_>,
        staff: String,
        login_id: String,
        account: String,
        now: DateTime<FixedOffset>,
    ) -> PyResult<String> {
        let now = utc(now);
        self.run(py, |p| p.staff_link(&staff, &login_id, &account, now))
    }

    /// Unlinks an account from a login (the owner's unlink removes the
    /// authorised users and cancels AutoPay).
    #[pyo3(signature = (session, account, *, now))]
    fn unlink_account(
        &self,
        py: Python<'_>,
        session: String,
        account: String,
        now: DateTime<FixedOffset>,
    ) -> PyResult<()> {
        let now = utc(now);
        self.run_as(py, &session, now, |p, s| p.unlink_account(s, &account, now))
    }

    /// The owner (signed in with `session`) lets another login (by
    /// username) view and pay the account.
    #[pyo3(signature = (session, account, username, *, now))]
    fn add_authorized_user(
        &self,
        py: Python<'_>,
        session: String,
        account: String,
        username: String,
        now: DateTime<FixedOffset>,
    ) -> PyResult<()> {
        let now = utc(now);
        self.run_as(py, &session, now, |p, s| {
            p.add_authorized_user(s, &account, &username, now)
        })
    }

    /// Sets (or with None clears) the login's nickname for an account.
    #[pyo3(signature = (session, account, nickname, *, now))]
    fn set_nickname(
        &self,
        py: Python<'_>,
        session: String,
        account: String,
        nickname: Option<String>,
        now: DateTime<FixedOffset>,
    ) -> PyResult<()> {
        let now = utc(now);
        self.run_as(py, &session, now, |p, s| {
            p.set_nickname(s, &account, nickname.as_deref(), now)
        })
    }

    /// Sets how an account's bills are delivered (owner only). Text alerts
    /// alone still mean a paper bill. `billing_email` may only be the
    /// current one (or `None`, which keeps it): a new one goes through
    /// `request_contact_change`.
    #[pyo3(signature = (session, account, *, now, paperless = false, ebilling = false, text_alerts = false, billing_email = None))]
    #[allow(clippy::too_many_arguments)]
    fn set_delivery(
        &self,
        py: Python<'_>,
        session: String,
        account: String,
        now: DateTime<FixedOffset>,
        paperless: bool,
        ebilling: bool,
        text_alerts: bool,
        billing_email: Option<String>,
    ) -> PyResult<()> {
        let settings = DeliverySettings {
            paperless,
            ebilling,
            text_alerts,
            billing_email,
        };
        let now = utc(now);
        self.run_as(py, &session, now, |p, s| {
            p.set_delivery(s, &account, &settings, now)
        })
    }

    /// The home page: every linked account and the total due. The session
    /// is checked at `now` (default: the clock).
    #[pyo3(signature = (session, *, now = None))]
    fn home(
        &self,
        py: Python<'_>,
        session: String,
        now: Option<DateTime<FixedOffset>>,
    ) -> PyResult<HomeView> {
        let home = self.run_as(py, &session, utc_or_clock(now), |p, s| p.home(s))?;
        HomeView::new(py, home)
    }

    /// An account's bills (history only with e-billing, per the profile).
    /// The session is checked at `now` (default: the clock).
    #[pyo3(signature = (session, account, *, now = None))]
    fn bills(
        &self,
        py: Python<'_>,
        session: String,
        account: String,
        now: Option<DateTime<FixedOffset>>,
    ) -> PyResult<BillView> {
        let view = self.run_as(py, &session, utc_or_clock(now), |p, s| p.bills(s, &account))?;
        BillView::new(py, view)
    }

    /// Stores a payment method as the processor's token (a card or bank
    /// number is refused); returns its id. `method` is a fee-schedule method
    /// name (`"credit_card"`, `"echeck"`, ...); `card_expiry` is `(year, month)`.
    #[pyo3(signature = (session, *, method, token, label, now, card_expiry = None))]
    #[allow(clippy::too_many_arguments)]
    fn add_payment_method(
        &self,
        py: Python<'_>,
        session: String,
        method: &str,
        token: String,
        label: String,
        now: DateTime<FixedOffset>,
        card_expiry: Option<(i32, u32)>,
    ) -> PyResult<String> {
        let method = PaymentMethod::from_str(method)
            .map_err(|m| PyErr::from(Raise::new::<FeeError>("fee.unknown_method", m)))?;
        let new = NewPaymentMethod {
            method,
            token,
            label,
            card_expiry: card_expiry.map(|(year, month)| CardExpiry { year, month }),
        };
        let now = utc(now);
        self.run_as(py, &session, now, |p, s| p.add_payment_method(s, &new, now))
    }

    /// Quotes a payment of `amount` with a stored method: to `split` (a
    /// mapping or pairs of account → amount), one `account`, or else the
    /// total due. The portal stores the quote (its `id`, valid 15 minutes
    /// from `now`); show it, then pay it with `pay(quote_id=quote.id, ...)`.
    #[pyo3(signature = (session, *, amount, payment_method_id, now, channel = "online", account = None, split = None))]
    #[allow(clippy::too_many_arguments)]
    fn quote_payment(
        &self,
        py: Python<'_>,
        session: String,
        amount: &Bound<'_, PyAny>,
        payment_method_id: String,
        now: DateTime<FixedOffset>,
        channel: &str,
        account: Option<String>,
        split: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<FeeQuote> {
        let amount = self.money(amount, "amount")?;
        let target = self.target(account, split)?;
        let channel = Channel::from_str(channel)
            .map_err(|m| PyErr::from(Raise::new::<FeeError>("fee.unknown_channel", m)))?;
        let now = utc(now);
        self.run_as(py, &session, now, |p, s| {
            p.quote_payment(s, &target, amount, channel, &payment_method_id, now)
        })
        .map(FeeQuote::stored)
    }

    /// Pays the stored quote `quote_id` once. Send a new random
    /// `idempotency_key` per payment and the same one when retrying it: the
    /// same key returns the first receipt and records nothing new. An
    /// expired, paid or re-priced quote is refused (quote again). All or
    /// nothing.
    #[pyo3(signature = (session, *, quote_id, idempotency_key, now))]
    fn pay(
        &self,
        py: Python<'_>,
        session: String,
        quote_id: String,
        idempotency_key: String,
        now: DateTime<FixedOffset>,
    ) -> PyResult<PaymentReceipt> {
        let request = PaymentRequest {
            quote_id,
            idempotency_key,
        };
        let now = utc(now);
        self.run_as(py, &session, now, |p, s| p.pay(s, &request, now))
            .map(PaymentReceipt::from)
    }

    /// Enrols an account in AutoPay (owner only) with a stored method.
    #[pyo3(signature = (session, account, *, option, payment_method_id, now, accepted_terms_version = None, maximum = None))]
    #[allow(clippy::too_many_arguments)]
    fn enrol_autopay(
        &self,
        py: Python<'_>,
        session: String,
        account: String,
        option: String,
        payment_method_id: String,
        now: DateTime<FixedOffset>,
        accepted_terms_version: Option<String>,
        maximum: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Enrolled> {
        let maximum = match maximum {
            Some(m) if !m.is_none() => Some(self.money(m, "maximum")?),
            _ => None,
        };
        let request = EnrolRequest {
            account,
            option,
            payment_method_id,
            accepted_terms_version,
            maximum,
            amount_notices: Default::default(),
        };
        let now = utc(now);
        self.run_as(py, &session, now, |p, s| p.enrol_autopay(s, &request, now))
            .map(Enrolled::from)
    }

    /// Cancels AutoPay on an account (owner only).
    #[pyo3(signature = (session, account, *, now))]
    fn cancel_autopay(
        &self,
        py: Python<'_>,
        session: String,
        account: String,
        now: DateTime<FixedOffset>,
    ) -> PyResult<()> {
        let now = utc(now);
        self.run_as(py, &session, now, |p, s| p.cancel_autopay(s, &account, now))
    }

    /// Runs the AutoPay cycle for `as_of`: every draft due by then that no
    /// run executed yet is executed, exactly once (safe to run again, or
    /// from several processes).
    #[pyo3(signature = (as_of, *, now))]
    fn run_autopay_cycle(
        &self,
        py: Python<'_>,
        as_of: NaiveDate,
        now: DateTime<FixedOffset>,
    ) -> PyResult<CycleReport> {
        let now = utc(now);
        self.run(py, |p| p.run_autopay_cycle(as_of, now))
            .map(CycleReport::from)
    }

    /// Delivers up to `limit` undelivered outbox messages (receipts,
    /// returned-payment and AutoPay notices) due by `now` through the
    /// portal's notifier, oldest first; each is marked delivered after the
    /// notifier took it, and a failure (`notify` raising) is recorded and
    /// tried again later. At least once: a crash between the two delivers
    /// a message again, with the same `Notice.dedupe_key`.
    #[pyo3(signature = (*, now, limit = 1000))]
    fn deliver_outbox(
        &self,
        py: Python<'_>,
        now: DateTime<FixedOffset>,
        limit: usize,
    ) -> PyResult<DeliveryReport> {
        let now = utc(now);
        self.run(py, move |p| p.deliver_outbox(now, limit))
            .map(DeliveryReport::from)
    }

    /// Hands every pending payment and AutoPay draft to `processor` and
    /// marks each submitted; returns `(payment_id, key, reference)` of each.
    /// One still pending (the processor refused it) is sent again next time,
    /// under the same key (the processor charges a key once).
    #[pyo3(signature = (processor, *, now))]
    fn submit_pending(
        &self,
        py: Python<'_>,
        processor: &FakeProcessor,
        now: DateTime<FixedOffset>,
    ) -> PyResult<Vec<(String, String, String)>> {
        let now = utc(now);
        let fake = processor.inner.clone();
        let report = self.run(py, move |p| p.submit_pending(fake.as_ref(), now))?;
        Ok(report
            .submitted
            .into_iter()
            .map(|s| (s.payment_id, s.key, s.reference))
            .collect())
    }

    /// Records a result of the processor for the charge with `key`:
    /// `outcome` is `"settled"` (on `settled_on`, default the day of
    /// `now`), `"returned"` with `return_code` (`"R01"`, ...) or
    /// `"declined"` with `decline` (`"soft"`, `"hard"`, `"card_expired"`).
    /// A return or decline reopens what the payment paid; a result sent
    /// twice changes nothing the second time.
    #[pyo3(signature = (key, outcome, *, now, settled_on = None, return_code = None, decline = None, reference = None))]
    #[allow(clippy::too_many_arguments)]
    fn record_result(
        &self,
        py: Python<'_>,
        key: String,
        outcome: &str,
        now: DateTime<FixedOffset>,
        settled_on: Option<NaiveDate>,
        return_code: Option<String>,
        decline: Option<String>,
        reference: Option<String>,
    ) -> PyResult<RecordedResult> {
        let now = utc(now);
        let outcome = processor_outcome(
            outcome,
            settled_on.unwrap_or_else(|| now.date_naive()),
            return_code.as_deref(),
            decline.as_deref(),
        )?;
        let result = ProcessorResult {
            key,
            outcome,
            reference,
            message: None,
        };
        self.run(py, |p| p.record_result(&result, now))
            .map(RecordedResult::from)
    }

    /// The payments of `account` (linked to the login), newest first:
    /// `(payment_id, status, total)`. The session is checked at `now`
    /// (default: the clock).
    #[pyo3(signature = (session, account, *, now = None))]
    fn payment_history<'py>(
        &self,
        py: Python<'py>,
        session: String,
        account: String,
        now: Option<DateTime<FixedOffset>>,
    ) -> PyResult<Vec<(String, &'static str, Bound<'py, PyAny>)>> {
        let views = self.run_as(py, &session, utc_or_clock(now), |p, s| {
            p.payment_history(s, &account)
        })?;
        views
            .into_iter()
            .map(|v| Ok((v.payment_id, v.status.as_str(), py_money(py, &v.total)?)))
            .collect()
    }

    /// Signs out: ends this session (signing out of one already ended is
    /// `login.sign_in_required`, like any call with it). `now` defaults to
    /// the clock.
    #[pyo3(signature = (session, *, now = None))]
    fn sign_out(
        &self,
        py: Python<'_>,
        session: String,
        now: Option<DateTime<FixedOffset>>,
    ) -> PyResult<()> {
        self.run_as(py, &session, utc_or_clock(now), |p, s| p.sign_out(s))
    }

    /// "Sign out everywhere": ends every session of the login, this one
    /// included, and forgets every remembered device; returns how many
    /// sessions ended. `now` defaults to the clock.
    #[pyo3(signature = (session, *, now = None))]
    fn sign_out_everywhere(
        &self,
        py: Python<'_>,
        session: String,
        now: Option<DateTime<FixedOffset>>,
    ) -> PyResult<usize> {
        self.run_as(py, &session, utc_or_clock(now), |p, s| {
            p.sign_out_everywhere(s)
        })
    }

    /// The login's live sessions, newest first; the one asking is marked
    /// `current`. `now` defaults to the clock.
    #[pyo3(signature = (session, *, now = None))]
    fn sessions(
        &self,
        py: Python<'_>,
        session: String,
        now: Option<DateTime<FixedOffset>>,
    ) -> PyResult<Vec<SessionInfo>> {
        let list = self.run_as(py, &session, utc_or_clock(now), |p, s| p.sessions(s))?;
        Ok(list.into_iter().map(SessionInfo::from).collect())
    }

    /// Ends the login's session with the public `id` (`SessionInfo.id`,
    /// from `sessions`; the asking one too, if named). An id not among the
    /// login's live sessions is `not_found.session`. `now` defaults to the
    /// clock.
    #[pyo3(signature = (session, id, *, now = None))]
    fn end_session(
        &self,
        py: Python<'_>,
        session: String,
        id: String,
        now: Option<DateTime<FixedOffset>>,
    ) -> PyResult<()> {
        self.run_as(py, &session, utc_or_clock(now), |p, s| {
            p.end_session(s, &id)
        })
    }

    /// Every audit event of the utility, oldest first.
    fn audit_trail(&self, py: Python<'_>) -> PyResult<Vec<AuditEvent>> {
        let events = self.run(py, |p| p.audit_trail())?;
        Ok(events.into_iter().map(AuditEvent::from).collect())
    }

    fn __repr__(&self) -> String {
        format!(
            "Portal(utility={}, database={})",
            crate::R(self.inner.profile().id()),
            self.path.as_ref().map_or_else(
                || "':memory:'".to_owned(),
                |p| crate::R(&p.display().to_string()).to_string()
            )
        )
    }
}

impl Portal {
    /// [`Portal::open`] on a PostgreSQL URL.
    #[cfg(feature = "postgres")]
    fn open_postgres(
        py: Python<'_>,
        profile: &Profile,
        url: String,
        schema: Option<String>,
        setup: Setup,
    ) -> PyResult<Portal> {
        let store = py
            .detach(|| match &schema {
                Some(schema) => ratepayer_postgres::PostgresStore::open_in_schema(&url, schema),
                None => ratepayer_postgres::PostgresStore::open(&url),
            })
            .map_err(|e| portal_error(&CorePortalError::Storage(e)))?;
        Portal::build(profile, Arc::new(store), setup, None)
    }

    /// [`Portal::open`] on a PostgreSQL URL, in a build without the
    /// `postgres` feature.
    #[cfg(not(feature = "postgres"))]
    fn open_postgres(
        _py: Python<'_>,
        _profile: &Profile,
        _url: String,
        _schema: Option<String>,
        _setup: Setup,
    ) -> PyResult<Portal> {
        Err(PyErr::from(Raise::new::<PortalError>(
            "portal.postgres",
            "database_path is a PostgreSQL URL, but this build has no `postgres` feature (the default); rebuild the wheel with it",
        )))
    }
}
