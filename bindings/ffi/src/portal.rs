//! The portal service (one utility's self-service rules over a store):
//! [`Portal`], opened over a SQLite file or over a store the app implements
//! ([`ForeignKvStore`]), with the records its calls take and return.
//! Messages (codes, notices) go to a [`Notifier`] the app implements, or,
//! without one, to an outbox the app drains with [`Portal::take_outbox`].
//! "Now" is always a parameter (`Instant` in Kotlin, `Date` in Swift);
//! amounts a user typed are strings parsed in the portal's currency.
//!
//! Sessions: a completed sign-in (`LoginOutcome::SignedIn`) carries a
//! session token; every call that acts for a customer takes that token
//! (`session_token`) where it took a login id, and checks it at the call's
//! `now`. An unknown, ended or expired token raises `RatepayerError.Portal`
//! with code `login.sign_in_required`. `verify_contact` still takes the
//! login id; staff calls take none.

use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use chrono::{DateTime, Utc};
use ratepayer::autopay::enrolment::FirstBill as CoreFirstBill;
use ratepayer::autopay::{AmountNoticePreference, CardExpiry as CoreExpiry};
use ratepayer::credential::HashParams;
use ratepayer::payment::{
    AccountStatus, PaymentAllocation, PaymentTarget as CoreTarget, SplitPart,
};
use ratepayer::security::OsRandom;
use ratepayer::{Currency, Money as CoreMoney};
use ratepayer_portal::store::{AuditEvent, BillRow, KvStore, Store};
use ratepayer_portal::{
    self as core, AccountImport as CoreImport, LinkRequest, LoginAttempt, PortalSecrets,
    PostedBill, SignupRequest,
};
use ratepayer_sqlite::SqliteStore;

use crate::bill::BillRequest;
use crate::calendar::IsoDate;
use crate::fees::{Channel, FeeQuote, PaymentMethod};
use crate::money::{amount_of, ExactDecimal};
use crate::profile::Profile;
use crate::registration::{
    core_form, record, AccountRecord, RegistrationChannel, RegistrationForm,
};
use crate::store::{ForeignBackend, ForeignKvStore};
use crate::RatepayerError;

/// One message the portal sends (a code, a notice, a confirmation).
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct Notice {
    /// The email address or phone number it goes to.
    pub to: String,
    /// Its subject.
    pub subject: String,
    /// Its text; may hold a one-time code: never log it.
    pub body: String,
}

impl std::fmt::Debug for Notice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Notice")
            .field("to", &self.to)
            .field("subject", &self.subject)
            .field("body", &"<redacted>")
            .finish()
    }
}

/// Sends the portal's messages (email, text), implemented by the app. It is
/// called after the portal call committed. For a one-time code or a
/// security notice an exception is ignored (the app retries its own sends);
/// a money notice (a receipt, a returned payment, an AutoPay notice) comes
/// from the outbox, and an exception leaves it there to be sent again by
/// `deliver_outbox` (delivery is at least once).
#[uniffi::export(with_foreign)]
pub trait Notifier: Send + Sync {
    /// Sends one message.
    fn send(&self, to: String, subject: String, body: String) -> Result<(), RatepayerError>;
}

/// The core's notifier: the app's, or the outbox.
struct Outgoing {
    app: Option<Arc<dyn Notifier>>,
    outbox: Mutex<Vec<Notice>>,
}

impl core::Notifier for Outgoing {
    fn send(&self, notice: &core::Notice) {
        let n = Notice {
            to: notice.to.as_str().to_owned(),
            subject: notice.subject.clone(),
            body: notice.body.clone(),
        };
        match &self.app {
            Some(app) => {
                // Committed already: a failed send is the app's to retry.
                let _ = app.send(n.to, n.subject, n.body);
            }
            None => self
                .outbox
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(n),
        }
    }

    /// A message from the outbox: the app's error leaves it there, with
    /// the attempt recorded, for a later delivery.
    fn deliver(&self, notice: &core::Notice) -> Result<(), core::NotifyError> {
        match &self.app {
            Some(app) => app
                .send(
                    notice.to.as_str().to_owned(),
                    notice.subject.clone(),
                    notice.body.clone(),
                )
                .map_err(|e| core::NotifyError {
                    message: format!("the app's notifier failed: {e}"),
                }),
            None => {
                self.send(notice);
                Ok(())
            }
        }
    }
}

/// The client of a customer call: its IP address and user agent, as the
/// app's server or the device sees them (counted by the throttles and
/// written into the audit trail).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ClientInfo {
    /// An IPv4 or IPv6 address.
    pub address: String,
    /// The user agent (may be empty).
    pub user_agent: String,
}

fn client_of(c: &ClientInfo) -> Result<ratepayer_portal::ClientContext, RatepayerError> {
    Ok(ratepayer_portal::ClientContext::new(
        &c.address,
        &c.user_agent,
    )?)
}

/// An account to import from the utility's records.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct AccountImport {
    /// The record registration proofs are checked against.
    pub record: AccountRecord,
    /// Closed accounts are view only.
    #[uniffi(default = false)]
    pub closed: bool,
    /// The service address, as printed.
    #[uniffi(default = None)]
    pub service_address: Option<String>,
}

/// A login created by registration.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Registered {
    /// The login's id.
    pub login_id: String,
    /// Its username, lower-cased.
    pub username: String,
    /// The account linked, canonical.
    pub account: String,
    /// True when AutoPay and paperless chosen now cover the open bill.
    pub current_bill_covered: bool,
    /// The id of the code sent to the email, for `verify_contact`.
    pub email_code_id: String,
}

/// The outcome of a login or a device challenge. `Debug` shows no token.
#[derive(Clone, PartialEq, Eq, uniffi::Enum)]
pub enum LoginOutcome {
    /// Signed in: a session started.
    SignedIn {
        /// The login's id.
        login_id: String,
        /// The new session's token (64 hex digits): keep it secret and pass
        /// it to every customer call; it ends after 30 minutes unused or 12
        /// hours in all (the profile's defaults), on `sign_out`, or when the
        /// password changes. Then calls raise `RatepayerError.Portal` with
        /// code `login.sign_in_required`: sign in again.
        session_token: String,
        /// A temporary password must be changed first.
        must_change_password: bool,
        /// A new remembered-device token (after a challenge passed with a
        /// device name): send it with later logins.
        device_token: Option<String>,
    },
    /// An unrecognised device: a code went to the login's email.
    ChallengeRequired {
        /// The login's id.
        login_id: String,
        /// The challenge's id, for `pass_device_challenge`.
        challenge_id: String,
    },
    /// The login has an authenticator app: its code (or a recovery code)
    /// must follow. Not yet callable through this binding.
    SecondFactorRequired {
        /// The login's id.
        login_id: String,
        /// The waiting sign-in's id.
        challenge_id: String,
    },
    /// Legacy preset, unrecognised device: the security question must be
    /// answered. Not yet callable through this binding.
    QuestionRequired {
        /// The login's id.
        login_id: String,
        /// The waiting sign-in's id.
        challenge_id: String,
        /// The question to show.
        question: String,
    },
}

impl std::fmt::Debug for LoginOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoginOutcome::SignedIn {
                login_id,
                session_token: _,
                must_change_password,
                device_token,
            } => f
                .debug_struct("SignedIn")
                .field("login_id", login_id)
                .field("session_token", &"<redacted>")
                .field("must_change_password", must_change_password)
                .field("device_token", &device_token.as_ref().map(|_| "<redacted>"))
                .finish(),
            LoginOutcome::ChallengeRequired {
                login_id,
                challenge_id,
            } => f
                .debug_struct("ChallengeRequired")
                .field("login_id", login_id)
                .field("challenge_id", challenge_id)
                .finish(),
            LoginOutcome::SecondFactorRequired {
                login_id,
                challenge_id,
            } => f
                .debug_struct("SecondFactorRequired")
                .field("login_id", login_id)
                .field("challenge_id", challenge_id)
                .finish(),
            LoginOutcome::QuestionRequired {
                login_id,
                challenge_id,
                question,
            } => f
                .debug_struct("QuestionRequired")
                .field("login_id", login_id)
                .field("challenge_id", challenge_id)
                .field("question", question)
                .finish(),
        }
    }
}

impl From<core::LoginOutcome> for LoginOutcome {
    fn from(o: core::LoginOutcome) -> Self {
        match o {
            core::LoginOutcome::SignedIn {
                login_id,
                session,
                must_change_password,
                device_token,
            } => LoginOutcome::SignedIn {
                login_id,
                session_token: session,
                must_change_password,
                device_token,
            },
            core::LoginOutcome::ChallengeRequired {
                login_id,
                challenge_id,
            } => LoginOutcome::ChallengeRequired {
                login_id,
                challenge_id,
            },
            core::LoginOutcome::SecondFactorRequired {
                login_id,
                challenge_id,
            } => LoginOutcome::SecondFactorRequired {
                login_id,
                challenge_id,
            },
            core::LoginOutcome::QuestionRequired {
                login_id,
                challenge_id,
                question,
            } => LoginOutcome::QuestionRequired {
                login_id,
                challenge_id,
                question,
            },
        }
    }
}

/// How an account's bills are delivered.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct DeliverySettings {
    /// No paper bill is mailed.
    pub paperless: bool,
    /// E-billing: bill history is shown online.
    pub ebilling: bool,
    /// Text alerts (a paper bill is still mailed unless paperless).
    pub text_alerts: bool,
    /// A separate email for bills and payment confirmations: `None` keeps
    /// it; a different one is refused (it changes only through a contact
    /// change: re-authentication and a code to the new address).
    #[uniffi(default = None)]
    pub billing_email: Option<String>,
}

/// One linked account on the home page.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct AccountSummary {
    /// Canonical account number.
    pub account: String,
    /// The login's nickname for it.
    pub nickname: Option<String>,
    /// `owner` or `authorized_user`.
    pub role: String,
    /// Closed accounts are view only.
    pub closed: bool,
    /// The service address.
    pub service_address: Option<String>,
    /// The sum of its open charges.
    pub amount_due: ExactDecimal,
    /// The earliest due date of its open charges.
    pub due_date: Option<IsoDate>,
    /// The AutoPay option it is enrolled in.
    pub autopay: Option<String>,
    /// Money paid beyond every charge.
    pub credit: ExactDecimal,
    /// A paper bill is mailed.
    pub paper_bill: bool,
    /// Enrolled in e-billing.
    pub ebilling: bool,
}

/// The home page: every linked account and the total due.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct HomeView {
    /// In the order linked.
    pub accounts: Vec<AccountSummary>,
    /// The amount due across every active account.
    pub total_due: ExactDecimal,
    /// ISO 4217 code of every amount.
    pub currency: String,
}

/// One line of a stored bill.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct StatementLine {
    /// What it is.
    pub description: String,
    /// Its amount.
    pub amount: ExactDecimal,
}

/// A bill posted to an account.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct StoredBill {
    /// The canonical account number.
    pub account: String,
    /// The bill's id, unique within the account.
    pub bill_id: String,
    /// First service day.
    pub period_from: IsoDate,
    /// Last service day.
    pub period_to: IsoDate,
    /// When it was issued.
    pub bill_date: IsoDate,
    /// When it is due.
    pub due_date: IsoDate,
    /// The printed bank-draft date, where the utility prints one.
    pub printed_draft_date: Option<IsoDate>,
    /// Its total.
    pub total: ExactDecimal,
    /// Its lines.
    pub lines: Vec<StatementLine>,
}

impl From<&BillRow> for StoredBill {
    fn from(b: &BillRow) -> Self {
        StoredBill {
            account: b.account.clone(),
            bill_id: b.bill_id.clone(),
            period_from: b.period_from,
            period_to: b.period_to,
            bill_date: b.bill_date,
            due_date: b.due_date,
            printed_draft_date: b.printed_draft_date,
            total: amount_of(&b.total),
            lines: b
                .lines
                .iter()
                .map(|l| StatementLine {
                    description: l.description.clone(),
                    amount: amount_of(&l.amount),
                })
                .collect(),
        }
    }
}

/// The bills a login may see for an account.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct BillView {
    /// Newest first.
    pub bills: Vec<StoredBill>,
    /// False when only the current bill is shown (no e-billing).
    pub history_shown: bool,
}

/// A card's expiry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct CardExpiry {
    /// The year, for example 2030.
    pub year: i32,
    /// The month, 1 to 12.
    pub month: u32,
}

/// A payment method to store: the processor's token, never a card number.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct NewPaymentMethod {
    /// Card or bank account kind.
    pub method: PaymentMethod,
    /// The payment processor's token.
    pub token: String,
    /// What the customer sees ("Visa ending 4242").
    pub label: String,
    /// Required for cards.
    #[uniffi(default = None)]
    pub card_expiry: Option<CardExpiry>,
}

/// An amount to one account, as the user typed it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SplitAmount {
    /// The account (typed or canonical).
    pub account: String,
    /// The amount, for example `"30.00"`.
    pub amount: String,
}

/// What a payment pays.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum PaymentTarget {
    /// The full amount due of every active account.
    TotalDue,
    /// Any amount to one account.
    Account {
        /// The account (typed or canonical).
        account: String,
    },
    /// Chosen amounts to chosen accounts; they add up to the payment.
    Split {
        /// The parts.
        parts: Vec<SplitAmount>,
    },
}

/// How a payment paid one charge.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct AllocatedCharge {
    /// The charge's id.
    pub charge_id: String,
    /// `penalty` or `balance`.
    pub kind: String,
    /// Its due date.
    pub due_date: IsoDate,
    /// Paid now.
    pub applied: ExactDecimal,
    /// Still unpaid.
    pub remaining: ExactDecimal,
}

/// How a payment paid one account.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct AccountPayment {
    /// Canonical account number.
    pub account: String,
    /// Paid to it.
    pub paid: ExactDecimal,
    /// Per charge.
    pub charges: Vec<AllocatedCharge>,
    /// Beyond every charge: a credit.
    pub credit: ExactDecimal,
}

/// A payment recorded.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PaymentReceipt {
    /// The payment's id.
    pub payment_id: String,
    /// Paid to the utility.
    pub amount: ExactDecimal,
    /// The convenience fee.
    pub fee: ExactDecimal,
    /// Charged to the customer.
    pub total: ExactDecimal,
    /// Per account.
    pub accounts: Vec<AccountPayment>,
}

fn accounts_of(a: &PaymentAllocation) -> Vec<AccountPayment> {
    a.accounts
        .iter()
        .map(|acc| AccountPayment {
            account: acc.account.clone(),
            paid: amount_of(&acc.paid),
            charges: acc
                .items
                .iter()
                .map(|i| AllocatedCharge {
                    charge_id: i.charge_id.clone(),
                    kind: i.kind.as_str().to_owned(),
                    due_date: i.due_date,
                    applied: amount_of(&i.applied),
                    remaining: amount_of(&i.remaining),
                })
                .collect(),
            credit: amount_of(&acc.credit),
        })
        .collect()
}

/// An AutoPay enrolment request.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct EnrolRequest {
    /// The account (typed or canonical).
    pub account: String,
    /// The AutoPay option's name in the profile ("Card AutoPay").
    pub option: String,
    /// The stored payment method to draft.
    pub payment_method_id: String,
    /// The AutoPay terms version accepted.
    #[uniffi(default = None)]
    pub accepted_terms_version: Option<String>,
    /// The most a draft may be, as typed; a larger bill is paid by hand.
    #[uniffi(default = None)]
    pub maximum: Option<String>,
    /// Regulation E: notify only when a draft is outside `min`..=`max` (as
    /// typed); none means a notice before every draft.
    #[uniffi(default = None)]
    pub notify_outside: Option<AmountRange>,
}

/// A range of amounts, as typed.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct AmountRange {
    /// The least amount.
    pub min: String,
    /// The most amount.
    pub max: String,
}

/// The first bill AutoPay drafts.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum FirstBill {
    /// The open bill.
    Current {
        /// Its due date.
        due_date: IsoDate,
        /// The enrolment cut-off that was met.
        cutoff: SystemTime,
    },
    /// The next bill (the open bill's cut-off has passed).
    Next {
        /// The open bill's due date (paid by hand).
        due_date: IsoDate,
        /// The cut-off that was missed.
        cutoff: SystemTime,
    },
    /// The next bill issued (none is open).
    NextIssued,
}

/// AutoPay set up.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Enrolled {
    /// The first bill drafted.
    pub first_bill: FirstBill,
    /// What the customer is told.
    pub message: String,
}

/// A quote the portal stored: pay it by its id before it expires.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PaymentQuote {
    /// The id to pay it by.
    pub id: String,
    /// What the payment costs (amount, fee, total, disclosure).
    pub quote: FeeQuote,
    /// After this instant it is refused: quote again.
    pub expires_at: SystemTime,
}

/// One account the AutoPay cycle could not plan.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CycleFailure {
    /// The account.
    pub account: String,
    /// Why.
    pub reason: String,
}

/// What one run of the AutoPay cycle did.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CycleReport {
    /// Active enrolments looked at.
    pub enrolments: u64,
    /// Drafts executed by this run.
    pub drafted: u64,
    /// Drafts due that an earlier run had executed.
    pub already_drafted: u64,
    /// Bills left to pay by hand (above the maximum).
    pub pay_by_hand: u64,
    /// Accounts whose AutoPay is suspended (expired card).
    pub suspended: u64,
    /// The sum charged by this run's drafts, if any.
    pub charged: Option<ExactDecimal>,
    /// Accounts that could not be planned.
    pub failures: Vec<CycleFailure>,
    /// Enrolments cancelled while the run was under way: not drafted.
    pub cancelled_during_run: u64,
    /// Enrolments of closed accounts, ended by this run: not drafted.
    pub closed_accounts: u64,
    /// Messages this run wrote to the outbox (due AutoPay notices, draft
    /// receipts): deliver them with `deliver_outbox`.
    pub notices_queued: u64,
}

/// What `deliver_outbox` did.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct DeliveryReport {
    /// Messages the notifier took and this call marked delivered.
    pub delivered: u64,
    /// Messages another runner had marked meanwhile (delivered twice).
    pub already_delivered: u64,
    /// Dedupe keys of the messages the notifier refused: tried again later.
    pub failed: Vec<String>,
}

/// One event of the audit trail (never a secret).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct AuditEntry {
    /// When.
    pub at: SystemTime,
    /// What happened, snake_case (`registered`, `payment_made`, ...).
    pub kind: String,
    /// The login concerned.
    pub login: Option<String>,
    /// The account concerned.
    pub account: Option<String>,
    /// Details for staff.
    pub detail: String,
}

impl From<&AuditEvent> for AuditEntry {
    fn from(e: &AuditEvent) -> Self {
        AuditEntry {
            at: SystemTime::from(e.at),
            kind: e.kind.as_str().to_owned(),
            login: e.login.clone(),
            account: e.account.clone(),
            detail: e.detail.clone(),
        }
    }
}

/// One of a login's live sessions, as `sessions` lists them (never the
/// token).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SessionInfo {
    /// Its public id, for `end_session`.
    pub id: String,
    /// Where it was started from (address and user agent).
    pub client: String,
    /// When the sign-in completed.
    pub created_at: SystemTime,
    /// Its last use.
    pub last_seen: SystemTime,
    /// When it ends unless used before.
    pub idle_expires_at: SystemTime,
    /// When it ends whatever the use.
    pub expires_at: SystemTime,
    /// True for the session that asked.
    pub current: bool,
}

impl From<core::SessionInfo> for SessionInfo {
    fn from(s: core::SessionInfo) -> Self {
        SessionInfo {
            id: s.id,
            client: s.client,
            created_at: SystemTime::from(s.created_at),
            last_seen: SystemTime::from(s.last_seen),
            idle_expires_at: SystemTime::from(s.idle_expires_at),
            expires_at: SystemTime::from(s.expires_at),
            current: s.current,
        }
    }
}

/// One utility's portal over a store. Every call runs in one transaction.
#[derive(uniffi::Object)]
pub struct Portal {
    inner: core::Portal,
    profile: Arc<Profile>,
    outgoing: Arc<Outgoing>,
    currency: Currency,
}

impl std::fmt::Debug for Portal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Portal")
            .field("portal", &self.inner)
            .finish_non_exhaustive()
    }
}

fn utc(t: SystemTime) -> DateTime<Utc> {
    DateTime::<Utc>::from(t)
}

impl Portal {
    pub(crate) fn build(
        profile: Arc<Profile>,
        store: Arc<dyn Store>,
        digest_key: Vec<u8>,
        notifier: Option<Arc<dyn Notifier>>,
    ) -> Result<Arc<Portal>, RatepayerError> {
        let outgoing = Arc::new(Outgoing {
            app: notifier,
            outbox: Mutex::new(Vec::new()),
        });
        let inner = core::Portal::new(
            profile.core().clone(),
            store,
            PortalSecrets {
                digest_key,
                hash_params: HashParams::default(),
                pepper: None,
            },
            Box::new(OsRandom),
            outgoing.clone(),
        )?;
        let currency = profile.core().spec().currency;
        Ok(Arc::new(Portal {
            inner,
            profile,
            outgoing,
            currency,
        }))
    }

    /// The live session of `token` at `now`, or `login.sign_in_required`.
    fn session(&self, token: &str, now: SystemTime) -> Result<core::Session, RatepayerError> {
        Ok(self.inner.session(token, utc(now))?)
    }

    fn money(&self, text: &str) -> Result<CoreMoney, RatepayerError> {
        Ok(CoreMoney::parse(text, self.currency)?)
    }

    fn target(&self, target: &PaymentTarget) -> Result<CoreTarget, RatepayerError> {
        Ok(match target {
            PaymentTarget::TotalDue => CoreTarget::TotalDue,
            PaymentTarget::Account { account } => CoreTarget::Account(account.clone()),
            PaymentTarget::Split { parts } => CoreTarget::Split(
                parts
                    .iter()
                    .map(|p| {
                        Ok(SplitPart {
                            account: p.account.clone(),
                            amount: self.money(&p.amount)?,
                        })
                    })
                    .collect::<Result<_, RatepayerError>>()?,
            ),
        })
    }
}

#[uniffi::export]
impl Portal {
    /// A portal for `profile` over the SQLite database file at `path`
    /// (created and migrated when new). `digest_key`: 32 random bytes or
    /// more, kept secret and the same across runs (codes and device tokens
    /// are keyed with it). Without a `notifier`, messages go to the outbox.
    /// A `postgres://` URL is refused (it would otherwise name a file):
    /// `Portal.open` takes either.
    #[uniffi::constructor(default(notifier = None))]
    pub fn open_sqlite(
        profile: Arc<Profile>,
        path: String,
        digest_key: Vec<u8>,
        notifier: Option<Arc<dyn Notifier>>,
    ) -> Result<Arc<Portal>, RatepayerError> {
        if crate::portal_open::is_postgres_url(&path) {
            return Err(crate::portal_open::refusal(
                "openSqlite takes a SQLite file path, and this is a PostgreSQL URL: use Portal.open (or Portal.openPostgres) for a PostgreSQL database",
            ));
        }
        let store = SqliteStore::open(&path)?;
        Portal::build(profile, Arc::new(store), digest_key, notifier)
    }

    /// A portal for `profile` over a store the app implements.
    #[uniffi::constructor(default(notifier = None))]
    pub fn with_store(
        profile: Arc<Profile>,
        store: Arc<dyn ForeignKvStore>,
        digest_key: Vec<u8>,
        notifier: Option<Arc<dyn Notifier>>,
    ) -> Result<Arc<Portal>, RatepayerError> {
        let store = KvStore::new(ForeignBackend(store));
        Portal::build(profile, Arc::new(store), digest_key, notifier)
    }

    /// The messages sent since the last call, oldest first, when the portal
    /// has no notifier (empty otherwise).
    pub fn take_outbox(&self) -> Vec<Notice> {
        std::mem::take(
            &mut *self
                .outgoing
                .outbox
                .lock()
                .unwrap_or_else(|p| p.into_inner()),
        )
    }

    /// Imports (adds or updates) accounts from the utility's records;
    /// returns how many.
    pub fn import_accounts(
        &self,
        accounts: Vec<AccountImport>,
        now: SystemTime,
    ) -> Result<u64, RatepayerError> {
        let format = &self.inner.profile().spec().payments.account_number;
        let imports = accounts
            .into_iter()
            .map(|a| {
                Ok(CoreImport {
                    record: record(a.record, format)?,
                    status: if a.closed {
                        AccountStatus::Closed
                    } else {
                        AccountStatus::Active
                    },
                    service_address: a.service_address,
                })
            })
            .collect::<Result<Vec<_>, RatepayerError>>()?;
        let n = self.inner.import_accounts(&imports, utc(now))?;
        Ok(u64::try_from(n).unwrap_or(u64::MAX))
    }

    /// Bills `request` under `tariff_id` and posts it to `account` as bill
    /// `bill_id` (an open charge due on `due_date`).
    #[allow(clippy::too_many_arguments)]
    pub fn post_bill(
        &self,
        account: String,
        bill_id: String,
        tariff_id: String,
        request: BillRequest,
        bill_date: IsoDate,
        due_date: IsoDate,
        printed_draft_date: Option<IsoDate>,
        now: SystemTime,
    ) -> Result<StoredBill, RatepayerError> {
        let bill = self.profile.core_bill(&tariff_id, &request)?;
        let row = self.inner.post_bill(
            &PostedBill {
                account: &account,
                bill_id: &bill_id,
                bill: &bill,
                bill_date,
                due_date,
                printed_draft_date,
            },
            utc(now),
        )?;
        Ok(StoredBill::from(&row))
    }

    /// Registers a login with the utility's recipe; a code goes to the email.
    /// A refusal raises `RatepayerError.Portal` (`registration.not_verified`
    /// whatever the reason) and is audited.
    pub fn register(
        &self,
        form: RegistrationForm,
        password: String,
        channel: RegistrationChannel,
        client: ClientInfo,
        now: SystemTime,
    ) -> Result<Registered, RatepayerError> {
        let r = self.inner.register(
            &SignupRequest {
                form: core_form(form),
                password,
                channel,
            },
            &client_of(&client)?,
            utc(now),
        )?;
        Ok(Registered {
            login_id: r.login_id,
            username: r.username,
            account: r.account,
            current_bill_covered: matches!(
                r.current_bill,
                ratepayer::registration::CurrentBill::Covered
            ),
            email_code_id: r.email_code_id,
        })
    }

    /// Verifies a contact with the code sent to it.
    pub fn verify_contact(
        &self,
        login_id: String,
        code_id: String,
        code: String,
        now: SystemTime,
    ) -> Result<(), RatepayerError> {
        Ok(self
            .inner
            .verify_contact(&login_id, &code_id, &code, utc(now))?)
    }

    /// Signs in; an unrecognised device gets a challenge (a code by email).
    pub fn login(
        &self,
        username: String,
        password: String,
        device_token: Option<String>,
        client: ClientInfo,
        now: SystemTime,
    ) -> Result<LoginOutcome, RatepayerError> {
        let attempt = LoginAttempt {
            username: &username,
            password: &password,
            device_token: device_token.as_deref(),
        };
        Ok(self
            .inner
            .login(&attempt, &client_of(&client)?, utc(now))?
            .into())
    }

    /// Passes a device challenge with the emailed code, from `client`
    /// (named in the audit trail and the list of sessions); with a device
    /// name (`remember`), the device is remembered and a token returned.
    pub fn pass_device_challenge(
        &self,
        login_id: String,
        challenge_id: String,
        code: String,
        remember: Option<String>,
        client: ClientInfo,
        now: SystemTime,
    ) -> Result<LoginOutcome, RatepayerError> {
        Ok(self
            .inner
            .pass_device_challenge(
                &login_id,
                &challenge_id,
                &code,
                remember.as_deref(),
                &client_of(&client)?,
                utc(now),
            )?
            .into())
    }

    /// Changes the password (the current one is checked); remembered
    /// devices are forgotten and every session of the login ends, this one
    /// included. Returns the token of a new session for the caller: use it
    /// from now on (the old one raises `login.sign_in_required`).
    pub fn change_password(
        &self,
        session_token: String,
        current: String,
        new_password: String,
        client: ClientInfo,
        now: SystemTime,
    ) -> Result<String, RatepayerError> {
        let session = self.session(&session_token, now)?;
        Ok(self.inner.change_password(
            &session,
            &current,
            &new_password,
            &client_of(&client)?,
            utc(now),
        )?)
    }

    /// Signs out: ends the session of `session_token`. A token already
    /// ended, expired or unknown is fine (nothing to end).
    pub fn sign_out(&self, session_token: String, now: SystemTime) -> Result<(), RatepayerError> {
        match self.inner.session(&session_token, utc(now)) {
            Ok(session) => Ok(self.inner.sign_out(&session)?),
            Err(core::PortalError::SignInRequired) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// "Sign out everywhere": ends every session of the login, this one
    /// included, and forgets every remembered device; returns how many
    /// sessions ended.
    pub fn sign_out_everywhere(
        &self,
        session_token: String,
        now: SystemTime,
    ) -> Result<u64, RatepayerError> {
        let session = self.session(&session_token, now)?;
        let n = self.inner.sign_out_everywhere(&session)?;
        Ok(u64::try_from(n).unwrap_or(u64::MAX))
    }

    /// The login's live sessions, newest first (the asking one marked
    /// `current`).
    pub fn sessions(
        &self,
        session_token: String,
        now: SystemTime,
    ) -> Result<Vec<SessionInfo>, RatepayerError> {
        let session = self.session(&session_token, now)?;
        Ok(self
            .inner
            .sessions(&session)?
            .into_iter()
            .map(SessionInfo::from)
            .collect())
    }

    /// Ends the login's session with public id `id` (from `sessions`; the
    /// asking one too, if named). An id not among them raises
    /// `not_found.session`.
    pub fn end_session(
        &self,
        session_token: String,
        id: String,
        now: SystemTime,
    ) -> Result<(), RatepayerError> {
        let session = self.session(&session_token, now)?;
        Ok(self.inner.end_session(&session, &id)?)
    }

    /// Links a further account with the recipe's proofs and the password
    /// again; returns the canonical account number.
    pub fn link_account(
        &self,
        session_token: String,
        form: RegistrationForm,
        password: String,
        nickname: Option<String>,
        client: ClientInfo,
        now: SystemTime,
    ) -> Result<String, RatepayerError> {
        let session = self.session(&session_token, now)?;
        Ok(self.inner.link_account(
            &session,
            &LinkRequest {
                form: core_form(form),
                password,
                nickname,
            },
            &client_of(&client)?,
            utc(now),
        )?)
    }

    /// Staff link an account to a login (overrides one account per login).
    pub fn staff_link(
        &self,
        staff: String,
        login_id: String,
        account: String,
        now: SystemTime,
    ) -> Result<String, RatepayerError> {
        Ok(self
            .inner
            .staff_link(&staff, &login_id, &account, utc(now))?)
    }

    /// Unlinks an account (the owner's unlink also removes authorised
    /// users and AutoPay).
    pub fn unlink_account(
        &self,
        session_token: String,
        account: String,
        now: SystemTime,
    ) -> Result<(), RatepayerError> {
        let session = self.session(&session_token, now)?;
        Ok(self.inner.unlink_account(&session, &account, utc(now))?)
    }

    /// The owner (signed in with `session_token`) lets another login (by
    /// username) view and pay the account.
    pub fn add_authorized_user(
        &self,
        session_token: String,
        account: String,
        username: String,
        now: SystemTime,
    ) -> Result<(), RatepayerError> {
        let session = self.session(&session_token, now)?;
        Ok(self
            .inner
            .add_authorized_user(&session, &account, &username, utc(now))?)
    }

    /// Sets an account's bill delivery (paperless, e-billing, alerts); the
    /// billing email is kept (a different one is refused).
    pub fn set_delivery(
        &self,
        session_token: String,
        account: String,
        settings: DeliverySettings,
        now: SystemTime,
    ) -> Result<(), RatepayerError> {
        let session = self.session(&session_token, now)?;
        let settings = core::DeliverySettings {
            paperless: settings.paperless,
            ebilling: settings.ebilling,
            text_alerts: settings.text_alerts,
            billing_email: settings.billing_email,
        };
        Ok(self
            .inner
            .set_delivery(&session, &account, &settings, utc(now))?)
    }

    /// The home page: every linked account and the total due (`now`
    /// checks the session).
    pub fn home(&self, session_token: String, now: SystemTime) -> Result<HomeView, RatepayerError> {
        let session = self.session(&session_token, now)?;
        let h = self.inner.home(&session)?;
        Ok(HomeView {
            accounts: h
                .accounts
                .iter()
                .map(|a| AccountSummary {
                    account: a.account.clone(),
                    nickname: a.nickname.clone(),
                    role: a.role.as_str().to_owned(),
                    closed: a.status == AccountStatus::Closed,
                    service_address: a.service_address.clone(),
                    amount_due: amount_of(&a.amount_due),
                    due_date: a.due_date,
                    autopay: a.autopay.clone(),
                    credit: amount_of(&a.credit),
                    paper_bill: a.paper_bill,
                    ebilling: a.ebilling,
                })
                .collect(),
            total_due: amount_of(&h.total_due),
            currency: h.total_due.currency().code().to_string(),
        })
    }

    /// The bills of a linked account the login may see (`now` checks the
    /// session).
    pub fn bills(
        &self,
        session_token: String,
        account: String,
        now: SystemTime,
    ) -> Result<BillView, RatepayerError> {
        let session = self.session(&session_token, now)?;
        let v = self.inner.bills(&session, &account)?;
        Ok(BillView {
            bills: v.bills.iter().map(StoredBill::from).collect(),
            history_shown: v.history_shown,
        })
    }

    /// Stores a payment method (a token); returns its id.
    pub fn add_payment_method(
        &self,
        session_token: String,
        method: NewPaymentMethod,
        now: SystemTime,
    ) -> Result<String, RatepayerError> {
        let session = self.session(&session_token, now)?;
        let new = core::NewPaymentMethod {
            method: method.method,
            token: method.token,
            label: method.label,
            card_expiry: method.card_expiry.map(|e| CoreExpiry {
                year: e.year,
                month: e.month,
            }),
        };
        Ok(self.inner.add_payment_method(&session, &new, utc(now))?)
    }

    /// Quotes the fee of paying `amount` (as typed) to `target` with a
    /// stored method, to show before the customer confirms. The portal
    /// stores the quote: pay it by its id within 15 minutes of `now`.
    pub fn quote_payment(
        &self,
        session_token: String,
        target: PaymentTarget,
        amount: String,
        channel: Channel,
        payment_method_id: String,
        now: SystemTime,
    ) -> Result<PaymentQuote, RatepayerError> {
        let target = self.target(&target)?;
        let amount = self.money(&amount)?;
        let session = self.session(&session_token, now)?;
        let q = self.inner.quote_payment(
            &session,
            &target,
            amount,
            channel,
            &payment_method_id,
            utc(now),
        )?;
        Ok(PaymentQuote {
            id: q.id,
            quote: FeeQuote::from(&q.quote),
            expires_at: q.expires_at.into(),
        })
    }

    /// Pays the stored quote `quote_id` once. Send a new random
    /// `idempotency_key` per payment and the same one when retrying it: the
    /// same key returns the first receipt and records nothing new. An
    /// expired, paid or re-priced quote is refused (quote again).
    pub fn pay(
        &self,
        session_token: String,
        quote_id: String,
        idempotency_key: String,
        now: SystemTime,
    ) -> Result<PaymentReceipt, RatepayerError> {
        let request = core::PaymentRequest {
            quote_id,
            idempotency_key,
        };
        let session = self.session(&session_token, now)?;
        let r = self.inner.pay(&session, &request, utc(now))?;
        Ok(PaymentReceipt {
            payment_id: r.payment_id,
            amount: amount_of(&r.allocation.total),
            fee: amount_of(&r.fee),
            total: amount_of(&r.total),
            accounts: accounts_of(&r.allocation),
        })
    }

    /// Enrols an account (owner only) in an AutoPay option.
    pub fn enrol_autopay(
        &self,
        session_token: String,
        request: EnrolRequest,
        now: SystemTime,
    ) -> Result<Enrolled, RatepayerError> {
        let maximum = request
            .maximum
            .as_deref()
            .map(|m| self.money(m))
            .transpose()?;
        let amount_notices = match &request.notify_outside {
            Some(r) => AmountNoticePreference::OutsideRange {
                min: self.money(&r.min)?,
                max: self.money(&r.max)?,
            },
            None => AmountNoticePreference::default(),
        };
        let session = self.session(&session_token, now)?;
        let e = self.inner.enrol_autopay(
            &session,
            &core::EnrolRequest {
                account: request.account,
                option: request.option,
                payment_method_id: request.payment_method_id,
                accepted_terms_version: request.accepted_terms_version,
                maximum,
                amount_notices,
            },
            utc(now),
        )?;
        let first_bill = match e.first_bill {
            CoreFirstBill::Current { due_date, cutoff } => FirstBill::Current {
                due_date,
                cutoff: SystemTime::from(cutoff.with_timezone(&Utc)),
            },
            CoreFirstBill::Next { due_date, cutoff } => FirstBill::Next {
                due_date,
                cutoff: SystemTime::from(cutoff.with_timezone(&Utc)),
            },
            CoreFirstBill::NextIssued => FirstBill::NextIssued,
        };
        Ok(Enrolled {
            first_bill,
            message: e.message,
        })
    }

    /// Cancels an account's AutoPay (owner only).
    pub fn cancel_autopay(
        &self,
        session_token: String,
        account: String,
        now: SystemTime,
    ) -> Result<(), RatepayerError> {
        let session = self.session(&session_token, now)?;
        Ok(self.inner.cancel_autopay(&session, &account, utc(now))?)
    }

    /// Delivers up to `limit` undelivered outbox messages (receipts,
    /// returned-payment and AutoPay notices) due by `now` through the app's
    /// notifier, oldest first, each marked delivered once the notifier
    /// returned; an error from it is recorded and the message tried again
    /// later. At least once: a crash between the two sends a message again.
    pub fn deliver_outbox(
        &self,
        now: SystemTime,
        limit: u64,
    ) -> Result<DeliveryReport, RatepayerError> {
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        let r = self.inner.deliver_outbox(utc(now), limit)?;
        let n = |v: usize| u64::try_from(v).unwrap_or(u64::MAX);
        Ok(DeliveryReport {
            delivered: n(r.delivered),
            already_delivered: n(r.already_delivered),
            failed: r.failed.into_iter().map(|(key, _)| key).collect(),
        })
    }

    /// Runs the AutoPay cycle for `as_of`: every draft due is executed
    /// exactly once, however often it runs.
    pub fn run_autopay_cycle(
        &self,
        as_of: IsoDate,
        now: SystemTime,
    ) -> Result<CycleReport, RatepayerError> {
        let r = self.inner.run_autopay_cycle(as_of, utc(now))?;
        let n = |v: usize| u64::try_from(v).unwrap_or(u64::MAX);
        Ok(CycleReport {
            enrolments: n(r.enrolments),
            drafted: n(r.drafted),
            already_drafted: n(r.already_drafted),
            pay_by_hand: n(r.pay_by_hand),
            suspended: n(r.suspended),
            charged: r.charged.as_ref().map(amount_of),
            failures: r
                .failures
                .into_iter()
                .map(|(account, reason)| CycleFailure { account, reason })
                .collect(),
            cancelled_during_run: n(r.cancelled_during_run),
            closed_accounts: n(r.closed_accounts),
            notices_queued: n(r.notices_queued),
        })
    }

    /// Every audit event of the utility, oldest first.
    pub fn audit_trail(&self) -> Result<Vec<AuditEntry>, RatepayerError> {
        Ok(self
            .inner
            .audit_trail()?
            .iter()
            .map(AuditEntry::from)
            .collect())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use std::sync::atomic::{AtomicBool, Ordering};

    use super::*;
    use ratepayer_portal::Notifier as _;

    /// The app's notifier: fails while `down`, else keeps the subjects.
    #[derive(Default)]
    struct App {
        down: AtomicBool,
        sent: Mutex<Vec<String>>,
    }

    impl Notifier for App {
        fn send(&self, _to: String, subject: String, _body: String) -> Result<(), RatepayerError> {
            if self.down.load(Ordering::SeqCst) {
                return Err(RatepayerError::input(
                    "mail.down",
                    "the mail service is down",
                ));
            }
            self.sent.lock().unwrap().push(subject);
            Ok(())
        }
    }

    fn notice() -> core::Notice {
        core::Notice {
            to: ratepayer::verification::Contact::email("pat@example.com").unwrap(),
            subject: "Payment received".into(),
            body: "We received your payment.".into(),
            dedupe_key: Some("shelby:receipt:k1".into()),
        }
    }

    #[test]
    fn an_outbox_delivery_reports_the_apps_failure_so_it_is_retried() {
        let app = Arc::new(App::default());
        let outgoing = Outgoing {
            app: Some(app.clone()),
            outbox: Mutex::new(Vec::new()),
        };
        app.down.store(true, Ordering::SeqCst);
        let err = outgoing.deliver(&notice()).unwrap_err();
        assert!(err.message.contains("mail.down"), "{err}");
        app.down.store(false, Ordering::SeqCst);
        outgoing.deliver(&notice()).unwrap();
        assert_eq!(*app.sent.lock().unwrap(), ["Payment received"]);
    }

    #[test]
    fn without_an_app_notifier_an_outbox_delivery_lands_in_the_outbox() {
        let outgoing = Outgoing {
            app: None,
            outbox: Mutex::new(Vec::new()),
        };
        outgoing.deliver(&notice()).unwrap();
        assert_eq!(outgoing.outbox.lock().unwrap().len(), 1);
    }
}
