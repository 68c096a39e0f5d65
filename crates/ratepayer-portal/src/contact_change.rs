//! Changing a contact: the login's email, an account's billing email, or
//! the login's phone. The one path that changes any of them:
//!
//! 1. [`Portal::request_contact_change`]: re-authentication first (the
//!    current password; for a login with an authenticator app, a fresh code
//!    from it or a recovery code instead), counted like a failed sign-in
//!    and audited when wrong; then a code goes to the NEW contact, within
//!    its sends per contact per hour (`[verification.codes]
//!    max_sends_per_hour`, 5 by default) and the same number of requests
//!    per login per hour. Nothing changes yet: the old contact stays in use.
//! 2. [`Portal::confirm_contact_change`]: the code; only then is the new
//!    contact put in use, and a notice (no secret) goes to the OLD contact
//!    through the outbox, in the same transaction as the change.
//!
//! A newer request for the same contact voids the older one; a request
//! never confirmed changes nothing.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::client::ClientContext;
use super::guard::Prechecked;
use super::sessions::Session;
use super::step_up::SecondFactor;
use super::{Portal, PortalError};
use crate::store::{
    AuditKind, ContactRow, LoginRow, MessageKind, OutboxMessage, SecurityKind, SecurityRow, Tx,
};
use ratepayer::payment::validate_email;
use ratepayer::verification::{code, Contact, ContactKind, Purpose};

/// Which contact a change is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "contact")]
pub enum ContactTarget {
    /// The login's email: sign-in codes, password resets and security
    /// notices go there.
    LoginEmail,
    /// The billing email of an account the login owns (bills and payment
    /// confirmations).
    BillingEmail {
        /// The account number, as typed or canonical.
        account: String,
    },
    /// The login's phone for text messages.
    Phone,
}

impl ContactTarget {
    /// `login_email`, `billing_email` or `phone`.
    pub fn as_str(&self) -> &'static str {
        match self {
            ContactTarget::LoginEmail => "login_email",
            ContactTarget::BillingEmail { .. } => "billing_email",
            ContactTarget::Phone => "phone",
        }
    }

    fn kind(&self) -> ContactKind {
        match self {
            ContactTarget::Phone => ContactKind::Sms,
            _ => ContactKind::Email,
        }
    }

    fn describe(&self) -> String {
        match self {
            ContactTarget::LoginEmail => "the email of your portal login".into(),
            ContactTarget::BillingEmail { account } => {
                format!("the billing email of account {account}")
            }
            ContactTarget::Phone => "the phone number of your portal login".into(),
        }
    }
}

/// How a customer proves it is them before a contact change.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Reauthentication<'a> {
    /// The login's current password (required without an authenticator app).
    pub password: Option<&'a str>,
    /// A fresh authenticator or recovery code (required with one).
    pub step_up: Option<&'a SecondFactor>,
}

impl std::fmt::Debug for Reauthentication<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reauthentication")
            .field("password", &self.password.map(|_| "<redacted>"))
            .field("step_up", &self.step_up.map(|_| "<redacted>"))
            .finish()
    }
}

/// A change waiting for its code (a [`SecurityKind::ContactChange`] row).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct PendingChange {
    target: ContactTarget,
    new: Contact,
    requested_at: DateTime<Utc>,
}

impl Portal {
    /// Asks to change a contact (`target`) to `new_value`, after
    /// re-authentication (`proof`): the password, or for a login with an
    /// authenticator app a fresh code from it (a wrong one is counted on
    /// the login and the client's address, and audited, as a failed
    /// sign-in). A code is then sent to the new contact; returns the
    /// change's id, to pass with that code to
    /// [`Portal::confirm_contact_change`]. Until then nothing changes.
    /// Refused with a `code.send_limit` error when the new contact was sent
    /// `max_sends_per_hour` codes this hour, or the login asked that many
    /// changes this hour.
    pub fn request_contact_change(
        &self,
        session: &Session,
        target: &ContactTarget,
        new_value: &str,
        proof: &Reauthentication<'_>,
        client: &ClientContext,
        now: DateTime<Utc>,
    ) -> Result<String, PortalError> {
        let login_id = session.login_id();
        let new = self.new_contact(target, new_value)?;
        let pre = self.precheck_password(session, proof.password, true, now)?;
        let mut tx = self.store.begin()?;
        let mut login = self.require_session(tx.as_mut(), session, now)?;
        let target = self.owned_target(tx.as_mut(), session, target)?;
        let what = format!("change {}", target.as_str().replace('_', " "));
        if let Some(err) = self.reauthenticate_for_change(
            tx.as_mut(),
            &mut login,
            proof,
            pre.as_ref(),
            client,
            &what,
            now,
        )? {
            tx.commit()?;
            return Err(err);
        }
        if self.current_contact(tx.as_mut(), &login, &target)?.as_ref() == Some(&new) {
            return Err(PortalError::Invalid {
                field: "new_contact",
                message: format!("is already {}; enter a different one", target.describe()),
            });
        }
        self.spend_change_budget(tx.as_mut(), login_id, now)?;
        let purpose = match new.kind() {
            ContactKind::Email => Purpose::ActivateEmail,
            ContactKind::Sms => Purpose::ActivateSms,
        };
        let policy = &self.profile.spec().verification.codes;
        let (issued, mut record) =
            self.with_rng(|rng| code::issue(purpose, &new, policy, rng, now, self.key()))?;
        self.spend_code_budget(tx.as_mut(), &mut record, now)?;
        // A newer request for the same contact voids the older ones.
        for old in
            tx.security_records_of_login(self.utility(), SecurityKind::ContactChange, login_id)?
        {
            let same = serde_json::from_value::<PendingChange>(old.data)
                .map(|p| p.target == target)
                .unwrap_or(true);
            if same {
                tx.delete_security_record(self.utility(), SecurityKind::ContactChange, &old.key)?;
            }
        }
        let id = self.new_id()?;
        tx.put_code(&crate::store::CodeRow {
            id: id.clone(),
            login: login_id.to_owned(),
            record,
        })?;
        let pending = PendingChange {
            target: target.clone(),
            new: new.clone(),
            requested_at: now,
        };
        let data = serde_json::to_value(&pending).map_err(|e| {
            PortalError::Config(format!("a contact change could not be written: {e}"))
        })?;
        tx.put_security_record(&SecurityRow {
            utility: self.utility().to_owned(),
            kind: SecurityKind::ContactChange,
            key: id.clone(),
            login: Some(login_id.to_owned()),
            updated_at: now,
            data,
        })?;
        tx.append_audit(&self.event(
            AuditKind::SettingsChanged,
            now,
            Some(login_id),
            account_of(&target),
            format!(
                "{what} asked: code sent to the new contact; the old one stays until it is entered{}",
                client.audit_suffix()
            ),
        ))?;
        tx.commit()?;
        self.notifier.send(&super::Notice {
            to: new,
            subject: format!("Your {} verification code", self.profile.spec().name),
            body: format!(
                "Your verification code is {}. Enter it in the portal to start using this contact. \
                 If you did not ask for this, ignore this message.",
                issued.code()
            ),
            dedupe_key: None,
        });
        Ok(id)
    }

    /// Completes a contact change with the code sent to the new contact:
    /// the new contact is put in use (verified), the old one is no longer
    /// used, and a notice goes to the old contact through the outbox, in
    /// the same transaction. A wrong code counts as a try of that code (and
    /// is audited); the old contact stays.
    pub fn confirm_contact_change(
        &self,
        session: &Session,
        change_id: &str,
        candidate: &str,
        now: DateTime<Utc>,
    ) -> Result<(), PortalError> {
        let login_id = session.login_id();
        let mut tx = self.store.begin()?;
        let mut login = self.require_session(tx.as_mut(), session, now)?;
        let not_found = || PortalError::not_found("contact change", change_id);
        let pending: PendingChange = tx
            .security_record(self.utility(), SecurityKind::ContactChange, change_id)?
            .filter(|r| r.login.as_deref() == Some(login_id))
            .and_then(|r| serde_json::from_value(r.data).ok())
            .ok_or_else(not_found)?;
        let mut row = tx
            .code(change_id)?
            .filter(|c| c.login == login_id)
            .ok_or_else(not_found)?;
        let purpose = row.record.purpose();
        let result = code::verify(
            &mut row.record,
            purpose,
            &pending.new,
            candidate,
            now,
            self.key(),
        );
        tx.put_code(&row)?;
        if let Err(e) = result {
            if matches!(
                e,
                code::CodeError::WrongCode { .. } | code::CodeError::WrongPurposeOrContact
            ) {
                self.code_failed(tx.as_mut(), purpose, &pending.new, now)?;
            }
            tx.append_audit(&self.event(
                AuditKind::CodeRejected,
                now,
                Some(login_id),
                account_of(&pending.target),
                format!(
                    "change {} refused: {}",
                    pending.target.as_str().replace('_', " "),
                    e.code()
                ),
            ))?;
            tx.commit()?;
            return Err(e.into());
        }
        self.code_passed(tx.as_mut(), purpose, &pending.new, now)?;
        let old = self.apply_change(tx.as_mut(), session, &mut login, &pending, now)?;
        tx.delete_security_record(self.utility(), SecurityKind::ContactChange, change_id)?;
        let about = format!("{}:{change_id}", pending.target.as_str());
        let mut written = Vec::new();
        for to in old {
            let message = OutboxMessage {
                utility: self.utility().to_owned(),
                dedupe_key: self.dedupe_key(
                    MessageKind::ContactChanged,
                    &[login_id, &about, to.as_str()],
                ),
                kind: MessageKind::ContactChanged,
                to,
                subject: "A contact of your portal login was changed".into(),
                body: format!(
                    "{} was changed to {} on {}. If this was not you, contact customer service \
                     at once.",
                    capitalise(&pending.target.describe()),
                    masked(&pending.new),
                    now.format("%Y-%m-%d %H:%M UTC")
                ),
                login: Some(login_id.to_owned()),
                account: account_of(&pending.target).map(str::to_owned),
                created_at: now,
                attempts: 0,
                last_error: None,
                next_attempt_at: now,
                delivered_at: None,
            };
            if tx.enqueue_message(&message)? {
                written.push(message);
            }
        }
        tx.append_audit(&self.event(
            AuditKind::ContactVerified,
            now,
            Some(login_id),
            account_of(&pending.target),
            format!(
                "{} changed after the code sent to the new contact; {} notice(s) to the old contact queued",
                pending.target.as_str().replace('_', " "),
                written.len()
            ),
        ))?;
        tx.commit()?;
        self.deliver_written(&written, now);
        Ok(())
    }

    /// The new contact, checked for the target's kind.
    fn new_contact(&self, target: &ContactTarget, value: &str) -> Result<Contact, PortalError> {
        let value = value.trim();
        match target.kind() {
            ContactKind::Email => {
                let email = validate_email(value).map_err(|e| PortalError::Invalid {
                    field: "new_contact",
                    message: e.form_message().to_owned(),
                })?;
                Contact::email(&email)
            }
            ContactKind::Sms => Contact::phone(value),
        }
        .map_err(|e| PortalError::Invalid {
            field: "new_contact",
            message: e.to_string(),
        })
    }

    /// The target with the account number made canonical, after checking
    /// the login owns that account.
    fn owned_target(
        &self,
        tx: &mut dyn Tx,
        session: &Session,
        target: &ContactTarget,
    ) -> Result<ContactTarget, PortalError> {
        let now = session.at();
        Ok(match target {
            ContactTarget::BillingEmail { account } => {
                let (link, _) =
                    self.require_owner(tx, session, account, "change the billing email", now)?;
                ContactTarget::BillingEmail {
                    account: link.account,
                }
            }
            other => other.clone(),
        })
    }

    /// The password, or the step-up of a login with an authenticator app;
    /// a refusal is returned after its counts and audit are written on `tx`.
    #[allow(clippy::too_many_arguments)]
    fn reauthenticate_for_change(
        &self,
        tx: &mut dyn Tx,
        login: &mut LoginRow,
        proof: &Reauthentication<'_>,
        pre: Option<&Prechecked>,
        client: &ClientContext,
        what: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<PortalError>, PortalError> {
        if self.mfa_enrolled(tx, &login.id)? {
            return self.step_up_counted(tx, login, proof.step_up, Some(client), what, now);
        }
        let Some(password) = proof.password else {
            return Err(PortalError::Invalid {
                field: "password",
                message: format!("is required to {what}; enter your current password"),
            });
        };
        self.reauthenticate_counted(tx, login, password, pre, client, what, now)
    }

    /// The contact in use for `target` now.
    fn current_contact(
        &self,
        tx: &mut dyn Tx,
        login: &LoginRow,
        target: &ContactTarget,
    ) -> Result<Option<Contact>, PortalError> {
        Ok(match target {
            ContactTarget::LoginEmail => Contact::email(&login.email).ok(),
            ContactTarget::BillingEmail { account } => tx
                .account(self.utility(), account)?
                .and_then(|a| a.billing_email)
                .and_then(|e| Contact::email(&e).ok()),
            ContactTarget::Phone => tx
                .contacts(&login.id)?
                .into_iter()
                .find(|c| c.verified_at.is_some() && c.contact.kind() == ContactKind::Sms)
                .map(|c| c.contact),
        })
    }

    /// Puts the new contact in use; returns the old contacts to tell.
    fn apply_change(
        &self,
        tx: &mut dyn Tx,
        session: &Session,
        login: &mut LoginRow,
        pending: &PendingChange,
        now: DateTime<Utc>,
    ) -> Result<Vec<Contact>, PortalError> {
        let login_email = Contact::email(&login.email).ok();
        let verified = |contact: &Contact| ContactRow {
            login: login.id.clone(),
            contact: contact.clone(),
            verified_at: Some(now),
        };
        let old = match &pending.target {
            ContactTarget::LoginEmail => {
                if let Some(old) = &login_email {
                    tx.put_contact(&ContactRow {
                        login: login.id.clone(),
                        contact: old.clone(),
                        verified_at: None,
                    })?;
                }
                tx.put_contact(&verified(&pending.new))?;
                login.email = pending.new.as_str().to_owned();
                tx.update_login(login)?;
                login_email.into_iter().collect()
            }
            ContactTarget::BillingEmail { account } => {
                let (_, mut row) =
                    self.require_owner(tx, session, account, "change the billing email", now)?;
                let old = row
                    .billing_email
                    .as_deref()
                    .and_then(|e| Contact::email(e).ok());
                row.billing_email = Some(pending.new.as_str().to_owned());
                tx.put_account(&row)?;
                // Without a billing email, bills went to the login's email.
                old.or(login_email).into_iter().collect()
            }
            ContactTarget::Phone => {
                let mut old = Vec::new();
                for mut c in tx.contacts(&login.id)? {
                    if c.contact.kind() == ContactKind::Sms
                        && c.verified_at.is_some()
                        && c.contact != pending.new
                    {
                        c.verified_at = None;
                        tx.put_contact(&c)?;
                        old.push(c.contact);
                    }
                }
                tx.put_contact(&verified(&pending.new))?;
                if old.is_empty() {
                    // No phone before: the login's email hears of the new one.
                    old.extend(login_email);
                }
                old
            }
        };
        Ok(old)
    }

    /// True when `code_id` is the code of a contact change (which only
    /// [`Portal::confirm_contact_change`] may use).
    pub(super) fn is_contact_change(
        &self,
        tx: &mut dyn Tx,
        code_id: &str,
    ) -> Result<bool, PortalError> {
        Ok(tx
            .security_record(self.utility(), SecurityKind::ContactChange, code_id)?
            .is_some())
    }
}

fn account_of(target: &ContactTarget) -> Option<&str> {
    match target {
        ContactTarget::BillingEmail { account } => Some(account),
        _ => None,
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The contact with most of it hidden (`p***@example.com`, `***0134`): the
/// old contact's owner learns that it changed, not the whole new one.
fn masked(contact: &Contact) -> String {
    let text = contact.as_str();
    match contact.kind() {
        ContactKind::Email => match text.split_once('@') {
            Some((local, domain)) => {
                let first: String = local.chars().take(1).collect();
                format!("{first}***@{domain}")
            }
            None => "***".into(),
        },
        ContactKind::Sms => {
            let digits: Vec<char> = text.chars().filter(char::is_ascii_digit).collect();
            let tail: String = digits.iter().skip(digits.len().saturating_sub(4)).collect();
            format!("***{tail}")
        }
    }
}
