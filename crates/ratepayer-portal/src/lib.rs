//! # ratepayer-portal
//!
//! The portal service and its storage port, beside the pure rules of the
//! `ratepayer` crate: the core knows nothing of storage, and the storage
//! adapters (`ratepayer-sqlite`, `ratepayer-postgres`) depend on this
//! crate's [`store`] port only.
//!
//! The portal service: one utility's self-service rules composed with a
//! [`Store`]. It registers logins, verifies contacts, signs customers in
//! (throttling, device challenge), changes passwords, links and unlinks
//! accounts, shows what is due, quotes and records payments, enrols in and
//! cancels AutoPay, runs the AutoPay cycle exactly once per draft, and keeps
//! an audit trail of every security and money event.
//!
//! Each call runs in one store transaction: it commits whole or not at all.
//! Views (home, bills, payment history, sessions, audit trail) read in a
//! read transaction ([`Store::begin_read`]), without the write lock; a
//! sign-in reads in one, checks the password outside any transaction, and
//! writes its outcome in a short write transaction that checks again what
//! it relied on (see `session`).
//! A call refused for bad input changes no record; a refusal that matters
//! to security (a failed login, a rejected registration or code) is written
//! to the audit trail, and a failed login counts towards throttling, as the
//! login rules require. "Now" is always a parameter. Messages go out
//! through a [`Notifier`] after the commit: money notices (receipts,
//! returned payments, AutoPay notices) are written to the outbox in the
//! operation's transaction and delivered at least once, each with its
//! dedupe key (`outbox`, [`Portal::deliver_outbox`]); one-time codes and
//! security notices are sent directly.
//!
//! The parts: [`register`](Portal::register) and contacts in `signup`,
//! sign-in in `session`, linking and settings in `linking`, the home page
//! and bills in `views`, the authenticator app and recovery codes in `mfa`,
//! sign-ins waiting for a second factor in `pending`, recovery by an
//! emailed temporary password in `temporary`, changing a login email,
//! billing email or phone (re-authentication, a code to the new contact, a
//! notice to the old) in `contact_change`, step-up before
//! sensitive changes in `step_up`, the legacy security question in
//! `question`, back-office posting in `back_office`, payment methods in
//! `payments`, quotes and payments (intents) in `intents`, AutoPay
//! enrolment in `autopay` and its cycle in `cycle` (the notices it writes in
//! `cycle_notices`), the payment processor port (submitting, results) in
//! `processor`, undoing a returned or declined payment in `reversal`, the
//! AutoPay retry rules on stored drafts in `retries`, and a scripted
//! processor for tests and demos in `fake_processor`; a customer's payment
//! history with statuses in `history`; the outbox of money notices and its
//! delivery in `outbox`.

pub mod store;

mod autopay;
mod back_office;
mod breach;
mod client;
mod codes;
mod contact_change;
mod cycle;
mod cycle_handoff;
mod cycle_notices;
mod detached;
mod error;
mod fake_processor;
mod guard;
mod history;
mod intents;
mod linking;
mod mfa;
mod notify;
mod outbox;
mod payments;
mod pending;
mod processor;
mod question;
mod recovery;
mod retries;
mod reversal;
mod session;
mod sessions;
mod signup;
mod step_up;
mod temporary;
mod username_reminder;
mod views;

use std::sync::{Arc, Mutex, OnceLock};

use chrono::{DateTime, Utc};

pub use autopay::{EnrolRequest, Enrolled};
pub use back_office::{AccountImport, PostOutcome, PostedBill, PostedStatement};
pub use client::{ClientContext, MAX_USER_AGENT_BYTES};
pub use contact_change::{ContactTarget, Reauthentication};
pub use cycle::CycleReport;
pub use error::PortalError;
pub use fake_processor::{FakeCharge, FakeOutcome, FakeProcessor};
pub use history::PaymentView;
pub use intents::{PaymentQuote, PaymentRequest, QUOTE_LIFETIME_SECONDS};
pub use linking::{DeliverySettings, LinkRequest};
pub use mfa::MfaStatus;
pub use notify::{Notice, Notifier, NotifyError, NullNotifier, RecordingNotifier};
pub use outbox::{retry_delay, DeliveryReport};
pub use payments::{NewPaymentMethod, PaymentReceipt};
pub use processor::{
    payment_processor_key, ChargeType, PaymentProcessor, ProcessorError, ProcessorOutcome,
    ProcessorResult, RecordedResult, ResultEffect, Submission, SubmitReceipt, SubmitReport,
    Submitted,
};
pub use session::{LoginAttempt, LoginOutcome};
pub use sessions::{Session, SessionInfo};
pub use signup::{Registered, SignupRequest};
pub use step_up::SecondFactor;
pub use views::{AccountSummary, BillView, HomeView, PortalPolicy};

use crate::store::{AuditEvent, AuditKind, Store, Tx};
use ratepayer::credential::{HashParams, Pepper};
use ratepayer::profile::UtilityProfile;
use ratepayer::security::{hex, RandomSource};

/// The secrets and parameters of a portal (from the application's
/// configuration, never from a profile).
pub struct PortalSecrets {
    /// Key of the keyed digests of codes and device tokens (32 random bytes or more).
    pub digest_key: Vec<u8>,
    /// Argon2id parameters for new credentials.
    pub hash_params: HashParams,
    /// Optional pepper mixed into every credential.
    pub pepper: Option<Pepper>,
}

impl std::fmt::Debug for PortalSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PortalSecrets")
            .field("digest_key", &"<redacted>")
            .field("hash_params", &self.hash_params)
            .field("pepper", &self.pepper.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// One utility's portal over a store.
pub struct Portal {
    profile: UtilityProfile,
    store: Arc<dyn Store>,
    secrets: PortalSecrets,
    rng: Mutex<Box<dyn RandomSource + Send>>,
    notifier: Arc<dyn Notifier>,
    /// Enrolments per AutoPay batch, when the application set it.
    autopay_batch: Option<usize>,
    /// The name this process gives itself as a runner of a shared AutoPay
    /// cycle, when the application set it.
    cycle_runner: Option<String>,
    /// What an unknown username's password is checked against (made on first use).
    dummy: OnceLock<ratepayer::credential::StoredCredential>,
    /// The application's breached-password service, if any.
    breaches: Option<Arc<dyn ratepayer::password::BreachedPasswords>>,
    /// Recovery messages still being sent off the caller's thread.
    detached: detached::Detached,
}

impl std::fmt::Debug for Portal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Portal")
            .field("utility", &self.profile.id())
            .finish_non_exhaustive()
    }
}

impl Portal {
    /// A portal for `profile` over `store`, drawing randomness from `rng`
    /// ([`ratepayer::security::OsRandom`] in production) and sending messages
    /// through `notifier`.
    pub fn new(
        profile: UtilityProfile,
        store: Arc<dyn Store>,
        secrets: PortalSecrets,
        rng: Box<dyn RandomSource + Send>,
        notifier: Arc<dyn Notifier>,
    ) -> Result<Portal, PortalError> {
        if secrets.digest_key.len() < 32 {
            return Err(PortalError::Config(
                "the digest key is shorter than 32 bytes; generate 32 random bytes for it".into(),
            ));
        }
        Ok(Portal {
            profile,
            store,
            secrets,
            rng: Mutex::new(rng),
            notifier,
            autopay_batch: None,
            cycle_runner: None,
            dummy: OnceLock::new(),
            breaches: None,
            detached: detached::Detached::default(),
        })
    }

    /// Sets how many enrolments the AutoPay cycle handles per transaction
    /// (default 10,000 for a store that does not share cycles, 1,000 for
    /// one that does; at least 1). A crash loses at most one batch, which
    /// the next run redoes; smaller batches hold the write lock (or, on a
    /// shared cycle, their accounts' rows) for less time. On a shared
    /// cycle the first runner's size makes the cycle's list of batches.
    pub fn with_autopay_batch(mut self, enrolments: usize) -> Portal {
        self.autopay_batch = Some(enrolments.max(1));
        self
    }

    /// Names this process as a runner of a shared AutoPay cycle (what the
    /// cycle's progress shows against each batch it did; by default the
    /// host name and the process id). Refused when empty, longer than 100
    /// bytes or holding a control character.
    pub fn with_cycle_runner(mut self, name: &str) -> Result<Portal, PortalError> {
        cycle::check_runner_name(name)?;
        self.cycle_runner = Some(name.to_owned());
        Ok(self)
    }

    /// The utility's profile.
    pub fn profile(&self) -> &UtilityProfile {
        &self.profile
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    fn utility(&self) -> &str {
        self.profile.id()
    }

    fn key(&self) -> &[u8] {
        &self.secrets.digest_key
    }

    /// Runs `f` with the random source.
    fn with_rng<R>(&self, f: impl FnOnce(&mut dyn RandomSource) -> R) -> R {
        let mut guard = self.rng.lock().unwrap_or_else(|p| p.into_inner());
        f(guard.as_mut())
    }

    /// The Argon2id credential of a normalised password, with the portal's
    /// parameters and pepper.
    fn hash_password(
        &self,
        normalized: &ratepayer::password::NormalizedPassword,
    ) -> Result<ratepayer::credential::StoredCredential, PortalError> {
        Ok(self.with_rng(|rng| {
            ratepayer::credential::hash(
                normalized,
                &self.secrets.hash_params,
                rng,
                self.secrets.pepper.as_ref(),
            )
        })?)
    }

    /// Emails `to` (a login's or account's address) after a commit; an
    /// address that no longer parses is skipped.
    fn email(&self, to: &str, subject: &str, body: String) {
        if let Ok(to) = ratepayer::verification::Contact::email(to) {
            self.notifier.send(&Notice {
                to,
                subject: subject.to_owned(),
                body,
                dedupe_key: None,
            });
        }
    }

    /// A new opaque identifier (16 random bytes, hex).
    fn new_id(&self) -> Result<String, PortalError> {
        let mut bytes = [0u8; 16];
        self.with_rng(|r| r.fill(&mut bytes))?;
        Ok(hex(&bytes))
    }

    /// Runs `f` in one transaction, committing when it succeeds.
    fn transact<R>(
        &self,
        f: impl FnOnce(&mut dyn Tx) -> Result<R, PortalError>,
    ) -> Result<R, PortalError> {
        let mut tx = self.store.begin()?;
        let out = f(tx.as_mut())?;
        tx.commit()?;
        Ok(out)
    }

    /// Runs `f` in one read transaction ([`Store::begin_read`]): a
    /// snapshot that neither waits for the write lock nor holds off
    /// writers, in which every write fails. For the views.
    fn read<R>(
        &self,
        f: impl FnOnce(&mut dyn Tx) -> Result<R, PortalError>,
    ) -> Result<R, PortalError> {
        let mut tx = self.store.begin_read()?;
        let out = f(tx.as_mut())?;
        // Ends the snapshot (nothing was written).
        tx.commit()?;
        Ok(out)
    }

    /// Records a refusal that matters to security in its own transaction
    /// (the refused operation's transaction was rolled back).
    fn audit_refusal(&self, event: AuditEvent) -> Result<(), PortalError> {
        self.transact(|tx| Ok(tx.append_audit(&event)?))
    }

    fn event(
        &self,
        kind: AuditKind,
        at: DateTime<Utc>,
        login: Option<&str>,
        account: Option<&str>,
        detail: impl Into<String>,
    ) -> AuditEvent {
        AuditEvent {
            at,
            utility: self.utility().to_owned(),
            kind,
            login: login.map(str::to_owned),
            account: account.map(str::to_owned),
            detail: detail.into(),
        }
    }

    /// Every audit event of the utility, oldest first.
    pub fn audit_trail(&self) -> Result<Vec<AuditEvent>, PortalError> {
        let utility = self.utility().to_owned();
        self.read(|tx| Ok(tx.audit_events(&utility)?))
    }
}

#[cfg(test)]
mod tests;
