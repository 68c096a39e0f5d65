//! Signing up: registration with the utility's recipe (login, owner link,
//! email contact and its first code, in one transaction), adding a contact,
//! and verifying a contact with its code.

use std::cell::RefCell;

use chrono::{DateTime, Utc};

use super::client::ClientContext;
use super::guard::{refusal, Scope};
use super::sessions::Session;
use super::step_up::SecondFactor;
use super::{Notice, Portal, PortalError};
use crate::store::{
    AuditKind, CodeRow, ContactRow, LinkRow, LoginRow, Role, StorageError, StoreResult, Tx,
};
use ratepayer::password::{Mfa, PasswordContext};
use ratepayer::payment::AccountNumber;
use ratepayer::registration::{
    self, AccountRecord, CurrentBill, Directory, RegistrationChannel, RegistrationContext,
    RegistrationForm, Rejection,
};
use ratepayer::verification::{code, Contact, ContactKind, Purpose};

/// What a customer types to register.
#[derive(Clone, PartialEq, Eq)]
pub struct SignupRequest {
    /// The registration form (account proofs, email, username, terms).
    pub form: RegistrationForm,
    /// The password chosen.
    pub password: String,
    /// Where the registration comes from.
    pub channel: RegistrationChannel,
}

impl std::fmt::Debug for SignupRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignupRequest")
            .field("form", &self.form)
            .field("password", &"<redacted>")
            .field("channel", &self.channel)
            .finish()
    }
}

/// A login just created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registered {
    /// The login's id.
    pub login_id: String,
    /// Its username (lower-cased).
    pub username: String,
    /// The account linked, canonical.
    pub account: String,
    /// Whether AutoPay and paperless chosen now cover the open bill.
    pub current_bill: CurrentBill,
    /// The id of the code sent to the email, to verify it.
    pub email_code_id: String,
}

/// Registration's view of the store, inside the transaction.
pub(super) struct TxDirectory<'a> {
    tx: RefCell<&'a mut dyn Tx>,
    utility: &'a str,
    error: RefCell<Option<StorageError>>,
}

impl<'a> TxDirectory<'a> {
    pub(super) fn new(tx: &'a mut dyn Tx, utility: &'a str) -> TxDirectory<'a> {
        TxDirectory {
            tx: RefCell::new(tx),
            utility,
            error: RefCell::new(None),
        }
    }

    fn keep<T: Default>(&self, r: StoreResult<T>) -> T {
        r.unwrap_or_else(|e| {
            self.error.replace(Some(e));
            T::default()
        })
    }

    /// The first storage failure met, if any: the answers given after it
    /// are not to be trusted.
    pub(super) fn into_error(self) -> Option<StorageError> {
        self.error.into_inner()
    }
}

impl Directory for TxDirectory<'_> {
    fn account(&self, number: &AccountNumber) -> Option<AccountRecord> {
        let r = self.tx.borrow_mut().account(self.utility, number.as_str());
        self.keep(r.map(|a| a.map(|a| a.record)))
    }

    fn username_taken(&self, username_lower: &str) -> bool {
        let r = self
            .tx
            .borrow_mut()
            .login_by_username(self.utility, username_lower);
        self.keep(r.map(|l| l.is_some()))
    }
}

impl Portal {
    /// Registers a login with the utility's recipe, from `client`.
    ///
    /// Order, so that no answer says whether a proof matched: the form
    /// (channel, formats, terms) and the password against the policy come
    /// first, with only what the customer typed as context; then the
    /// throttles (failed proofs per client address and per account number
    /// tried); then every proof, compared in full whether the account
    /// exists or not, with one public answer for every mismatch, counted on
    /// both throttles. Only once the proofs pass is the password checked
    /// against the account's own context (its street), which tells nothing
    /// a success would not. Then the login is created, linked as the
    /// account's owner, its email recorded and sent a code — in one
    /// transaction. A refusal changes nothing but the throttles and the
    /// audit trail.
    pub fn register(
        &self,
        request: &SignupRequest,
        client: &ClientContext,
        now: DateTime<Utc>,
    ) -> Result<Registered, PortalError> {
        let spec = self.profile.spec();
        let policy = spec.registration.as_ref().ok_or_else(|| {
            PortalError::Config("the profile has no [registration] section".into())
        })?;
        let format = &spec.payments.account_number;
        let utility = self.utility();
        let checked = match registration::check_form(&request.form, policy, format, request.channel)
        {
            Ok(c) => c,
            Err(rejection) => return Err(self.rejected(rejection, None, now)),
        };
        let typed_context = PasswordContext {
            username: Some(&checked.username),
            email: Some(&checked.email),
            account_number: Some(checked.account.as_str()),
            utility_name: Some(&spec.name),
            street: None,
        };
        let typed = self.check_new_password(&request.password, &typed_context, Mfa::Off)?;
        // The Argon2id work before the write transaction, so it holds no
        // lock (every attempt past the form pays it, refused or not: the
        // same work whatever matched).
        let stored = self.hash_password(&typed)?;
        let mut tx = self.store.begin()?;
        if let Some(err) =
            self.proof_throttle(tx.as_mut(), checked.account.as_str(), client, None, now)?
        {
            tx.commit()?;
            return Err(err);
        }
        let open_bill_due =
            super::back_office::open_bill_due(tx.as_mut(), utility, checked.account.as_str())?;
        let ctx = RegistrationContext {
            channel: request.channel,
            open_bill_due,
            time_zone: self.profile.time_zone(),
            now,
        };
        let outcome = {
            let directory = TxDirectory::new(tx.as_mut(), utility);
            let outcome = registration::register(&request.form, policy, format, &directory, ctx);
            if let Some(e) = directory.into_error() {
                return Err(e.into());
            }
            outcome
        };
        let reg = match outcome {
            Ok(reg) => reg,
            Err(rejection) => {
                let err = self.proof_failed(
                    tx.as_mut(),
                    rejection,
                    checked.account.as_str(),
                    client,
                    None,
                    now,
                )?;
                tx.commit()?;
                return Err(err);
            }
        };
        let account_no = reg.account.as_str().to_owned();
        let mut account = tx
            .account(utility, &account_no)?
            .ok_or_else(|| PortalError::not_found("account", &account_no))?;
        let context = PasswordContext {
            username: Some(&reg.username),
            email: Some(&reg.email),
            account_number: Some(&account_no),
            utility_name: Some(&spec.name),
            street: account.service_address.as_deref(),
        };
        // Checked again with the service address as context; the
        // normalised password is the same, so its credential stands.
        spec.password
            .check(&request.password, &context, Mfa::Off)
            .map_err(PortalError::Password)?;
        let login_id = self.new_id()?;
        tx.insert_login(&LoginRow {
            id: login_id.clone(),
            utility: utility.to_owned(),
            username: reg.username.clone(),
            email: reg.email.clone(),
            credential: stored,
            must_change_password: false,
            throttle: Default::default(),
            terms: reg.terms.clone(),
            created_at: now,
        })?;
        account.record.login = Some(login_id.clone());
        tx.put_account(&account)?;
        tx.put_link(&LinkRow {
            login: login_id.clone(),
            utility: utility.to_owned(),
            account: account_no.clone(),
            role: Role::Owner,
            nickname: None,
            linked_at: now,
            by_staff: false,
        })?;
        let contact = Contact::email(&reg.email).map_err(|e| PortalError::Invalid {
            field: "email",
            message: e.to_string(),
        })?;
        let (notice, email_code_id) = self.issue_code(tx.as_mut(), &login_id, &contact, now)?;
        let effect = match reg.current_bill {
            CurrentBill::Covered => "covers the open bill".to_owned(),
            CurrentBill::NotCovered { deadline } => {
                format!("after the deadline {deadline}: preferences start with the next bill")
            }
        };
        tx.append_audit(&self.event(
            AuditKind::Registered,
            now,
            Some(&login_id),
            Some(&account_no),
            format!(
                "registered `{}`; {effect}{}",
                reg.username,
                client.audit_suffix()
            ),
        ))?;
        tx.commit()?;
        self.notifier.send(&notice);
        Ok(Registered {
            login_id,
            username: reg.username,
            account: account_no,
            current_bill: reg.current_bill,
            email_code_id,
        })
    }

    /// Whether registering or linking `account` from `client` is throttled
    /// now (failed proofs per client address and per account number typed,
    /// whether or not such an account exists); the refusal is audited on
    /// `tx` and returned for the caller to commit.
    pub(super) fn proof_throttle(
        &self,
        tx: &mut dyn Tx,
        account: &str,
        client: &ClientContext,
        login: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Option<PortalError>, PortalError> {
        let decision = self
            .scope_check(tx, Scope::ProofAddress, &client.bucket(), now)?
            .and(self.scope_check(tx, Scope::ProofAccount, account, now)?);
        let Some(err) = refusal(decision, now) else {
            return Ok(None);
        };
        tx.append_audit(&self.event(
            AuditKind::RegistrationRejected,
            now,
            login,
            None,
            format!(
                "proofs not compared: {}{}",
                err.code(),
                client.audit_suffix()
            ),
        ))?;
        Ok(Some(err))
    }

    /// A registration or link whose proofs failed: counted on both proof
    /// throttles and audited with the internal reason on `tx`; returns the
    /// public error for the caller to commit and return.
    pub(super) fn proof_failed(
        &self,
        tx: &mut dyn Tx,
        rejection: Rejection,
        account: &str,
        client: &ClientContext,
        login: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<PortalError, PortalError> {
        self.scope_failure(tx, Scope::ProofAddress, &client.bucket(), now)?;
        self.scope_failure(tx, Scope::ProofAccount, account, now)?;
        tx.append_audit(&self.event(
            AuditKind::RegistrationRejected,
            now,
            login,
            None,
            format!("{}{}", rejection.internal, client.audit_suffix()),
        ))?;
        Ok(PortalError::Registration(rejection.public))
    }

    /// Audits a refused registration or link and returns its public error.
    pub(super) fn rejected(
        &self,
        rejection: Rejection,
        login: Option<&str>,
        now: DateTime<Utc>,
    ) -> PortalError {
        let event = self.event(
            AuditKind::RegistrationRejected,
            now,
            login,
            None,
            rejection.internal.to_string(),
        );
        match self.audit_refusal(event) {
            Ok(()) => PortalError::Registration(rejection.public),
            Err(e) => e,
        }
    }

    /// Stores a contact-activation code for `contact` and returns the
    /// message to send after the commit, with the code's id.
    fn issue_code(
        &self,
        tx: &mut dyn Tx,
        login: &str,
        contact: &Contact,
        now: DateTime<Utc>,
    ) -> Result<(Notice, String), PortalError> {
        let purpose = match contact.kind() {
            ContactKind::Email => Purpose::ActivateEmail,
            ContactKind::Sms => Purpose::ActivateSms,
        };
        let policy = &self.profile.spec().verification.codes;
        let (issued, mut record) =
            self.with_rng(|rng| code::issue(purpose, contact, policy, rng, now, self.key()))?;
        self.spend_code_budget(tx, &mut record, now)?;
        let id = self.new_id()?;
        tx.put_contact(&ContactRow {
            login: login.to_owned(),
            contact: contact.clone(),
            verified_at: None,
        })?;
        tx.put_code(&CodeRow {
            id: id.clone(),
            login: login.to_owned(),
            record,
        })?;
        let notice = Notice {
            to: contact.clone(),
            subject: format!("Your {} verification code", self.profile.spec().name),
            body: format!(
                "Your verification code is {}. Enter it in the portal to confirm this contact.",
                issued.code()
            ),
            dedupe_key: None,
        };
        Ok((notice, id))
    }

    /// Sends a new code to the login's own email while it is not yet
    /// verified (the registration code was lost or expired); returns the
    /// code's id. Any other contact is refused: a new login email, billing
    /// email or phone goes through [`Portal::request_contact_change`]
    /// (re-authentication, a code to the new contact, a notice to the old).
    /// A login with an authenticator app must present a fresh code: use
    /// [`Portal::add_contact_with_step_up`]; here it is refused with
    /// [`PortalError::StepUpRequired`].
    pub fn add_contact(
        &self,
        session: &Session,
        kind: ContactKind,
        value: &str,
        now: DateTime<Utc>,
    ) -> Result<String, PortalError> {
        self.contact_with(session, kind, value, None, None, now)
    }

    /// [`Portal::add_contact`] with the step-up of a login with an
    /// authenticator app, checked in the same call; a wrong code is refused
    /// like a wrong password, counted and audited. Without an
    /// authenticator, `step_up` is ignored.
    pub fn add_contact_with_step_up(
        &self,
        session: &Session,
        kind: ContactKind,
        value: &str,
        step_up: Option<&SecondFactor>,
        client: &ClientContext,
        now: DateTime<Utc>,
    ) -> Result<String, PortalError> {
        self.contact_with(session, kind, value, step_up, Some(client), now)
    }

    fn contact_with(
        &self,
        session: &Session,
        kind: ContactKind,
        value: &str,
        step_up: Option<&SecondFactor>,
        client: Option<&ClientContext>,
        now: DateTime<Utc>,
    ) -> Result<String, PortalError> {
        let login_id = session.login_id();
        let contact = match kind {
            ContactKind::Email => Contact::email(value),
            ContactKind::Sms => Contact::phone(value),
        }
        .map_err(|e| PortalError::Invalid {
            field: "contact",
            message: e.to_string(),
        })?;
        let (notice, id) =
            self.transact_stepped(session, step_up, client, "add a contact", now, |tx| {
                let login = self.require_session(tx, session, now)?;
                let own_email = contact.kind() == ContactKind::Email
                    && contact.as_str().eq_ignore_ascii_case(&login.email);
                if !own_email {
                    return Err(PortalError::Invalid {
                        field: "contact",
                        message: "is not the login's email: change a login email, billing email \
                                  or phone with request_contact_change (your password, then a code \
                                  sent to the new contact)"
                            .into(),
                    });
                }
                let verified = tx
                    .contacts(login_id)?
                    .iter()
                    .any(|c| c.contact == contact && c.verified_at.is_some());
                if verified {
                    return Err(PortalError::Invalid {
                        field: "contact",
                        message: "is verified already; nothing to do".into(),
                    });
                }
                self.issue_code(tx, login_id, &contact, now)
            })?;
        self.notifier.send(&notice);
        Ok(id)
    }

    /// Verifies a contact with the code sent to it. A wrong code counts as
    /// an attempt (kept, and audited) even though the call fails.
    pub fn verify_contact(
        &self,
        login_id: &str,
        code_id: &str,
        candidate: &str,
        now: DateTime<Utc>,
    ) -> Result<(), PortalError> {
        let mut tx = self.store.begin()?;
        self.require_login(tx.as_mut(), login_id)?;
        let mut row = tx
            .code(code_id)?
            .filter(|c| c.login == login_id)
            .ok_or_else(|| PortalError::not_found("code", code_id))?;
        let purpose = row.record.purpose();
        // A contact change's code is for `confirm_contact_change` only.
        if !matches!(purpose, Purpose::ActivateEmail | Purpose::ActivateSms)
            || self.is_contact_change(tx.as_mut(), code_id)?
        {
            return Err(PortalError::not_found("code", code_id));
        }
        let contact = row.record.contact().clone();
        let result = code::verify(
            &mut row.record,
            purpose,
            &contact,
            candidate,
            now,
            self.key(),
        );
        tx.put_code(&row)?;
        match result {
            Ok(_) => {
                self.code_passed(tx.as_mut(), purpose, &contact, now)?;
                tx.put_contact(&ContactRow {
                    login: login_id.to_owned(),
                    contact,
                    verified_at: Some(now),
                })?;
                tx.append_audit(&self.event(
                    AuditKind::ContactVerified,
                    now,
                    Some(login_id),
                    None,
                    format!("{} verified", purpose),
                ))?;
                tx.commit()?;
                Ok(())
            }
            Err(e) => {
                if matches!(
                    e,
                    code::CodeError::WrongCode { .. } | code::CodeError::WrongPurposeOrContact
                ) {
                    self.code_failed(tx.as_mut(), purpose, &contact, now)?;
                }
                tx.append_audit(&self.event(
                    AuditKind::CodeRejected,
                    now,
                    Some(login_id),
                    None,
                    format!("{purpose} code refused: {}", e.code()),
                ))?;
                tx.commit()?;
                Err(e.into())
            }
        }
    }

    /// The login with `id`, or not found; refused with
    /// [`PortalError::PasswordChangeRequired`] while it signed in with a
    /// temporary password and has not chosen its own yet.
    pub(super) fn require_login(&self, tx: &mut dyn Tx, id: &str) -> Result<LoginRow, PortalError> {
        let login = self.require_login_any_state(tx, id)?;
        if login.must_change_password {
            return Err(PortalError::PasswordChangeRequired);
        }
        Ok(login)
    }

    /// The login with `id`, or not found, in whatever state (for signing
    /// in, changing the password and resetting it).
    pub(super) fn require_login_any_state(
        &self,
        tx: &mut dyn Tx,
        id: &str,
    ) -> Result<LoginRow, PortalError> {
        tx.login(id)?
            .filter(|l| l.utility == self.utility())
            .ok_or_else(|| PortalError::not_found("login", id))
    }
}
