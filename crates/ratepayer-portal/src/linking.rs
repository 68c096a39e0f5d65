//! Linking accounts to a login: with the registration recipe's proofs and
//! re-authentication (the login's email is told), by staff (overriding one
//! account per login), unlinking, letting an authorised user in, and each
//! account's nickname and bill-delivery settings.

use chrono::{DateTime, Utc};

use super::client::ClientContext;
use super::sessions::Session;
use super::signup::TxDirectory;
use super::step_up::SecondFactor;
use super::{Portal, PortalError};
use crate::store::{AccountRow, AuditKind, LinkRow, LoginRow, Role, Tx};
use ratepayer::payment::{normalize as account_number, validate_email};
use ratepayer::registration::{self, RegistrationForm};

/// What a signed-in customer types to link a further account.
#[derive(Clone, PartialEq, Eq)]
pub struct LinkRequest {
    /// The proofs of the utility's recipe (account number, and customer
    /// number, ZIP, name, account email or tax ID as the recipe asks).
    pub form: RegistrationForm,
    /// The login's password, again.
    pub password: String,
    /// A name for the account ("Lake cabin").
    pub nickname: Option<String>,
}

impl std::fmt::Debug for LinkRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LinkRequest")
            .field("form", &self.form)
            .field("password", &"<redacted>")
            .field("nickname", &self.nickname)
            .finish()
    }
}

/// How an account's bills are delivered.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DeliverySettings {
    /// No paper bill is mailed.
    pub paperless: bool,
    /// Enrolled in e-billing: bill history is shown online.
    pub ebilling: bool,
    /// Text alerts (a paper bill is still mailed unless `paperless`).
    pub text_alerts: bool,
    /// A separate email for bills and payment confirmations.
    pub billing_email: Option<String>,
}

const MAX_NICKNAME_CHARS: usize = 40;

fn clean_nickname(nickname: Option<&str>) -> Result<Option<String>, PortalError> {
    let Some(n) = nickname.map(str::trim).filter(|n| !n.is_empty()) else {
        return Ok(None);
    };
    if n.chars().count() > MAX_NICKNAME_CHARS || n.chars().any(char::is_control) {
        return Err(PortalError::Invalid {
            field: "nickname",
            message: format!(
                "must be at most {MAX_NICKNAME_CHARS} characters, without control characters"
            ),
        });
    }
    Ok(Some(n.to_owned()))
}

impl Portal {
    /// The canonical number of a typed account number.
    pub(super) fn canonical(&self, typed: &str) -> Result<String, PortalError> {
        account_number(typed, &self.profile.spec().payments.account_number)
            .map(|n| n.as_str().to_owned())
            .map_err(|e| PortalError::Invalid {
                field: "account_number",
                message: e.to_string(),
            })
    }

    /// The login's link to `account` (typed or canonical) and the account.
    pub(super) fn require_link(
        &self,
        tx: &mut dyn Tx,
        session: &Session,
        account: &str,
        now: DateTime<Utc>,
    ) -> Result<(LinkRow, AccountRow), PortalError> {
        let login_id = session.login_id();
        let number = self.canonical(account)?;
        self.require_session(tx, session, now)?;
        let link = tx
            .links_of_login(login_id)?
            .into_iter()
            .find(|l| l.utility == self.utility() && l.account == number)
            .ok_or_else(|| PortalError::not_found("linked account", &number))?;
        let row = tx
            .account(self.utility(), &number)?
            .ok_or_else(|| PortalError::not_found("account", &number))?;
        Ok((link, row))
    }

    /// The link, which must be the owner's.
    pub(super) fn require_owner(
        &self,
        tx: &mut dyn Tx,
        session: &Session,
        account: &str,
        action: &str,
        now: DateTime<Utc>,
    ) -> Result<(LinkRow, AccountRow), PortalError> {
        let (link, row) = self.require_link(tx, session, account, now)?;
        if link.role != Role::Owner {
            return Err(PortalError::Forbidden(format!(
                "an authorised user cannot {action}; ask the account owner"
            )));
        }
        Ok((link, row))
    }

    fn notify_login(&self, login: &LoginRow, subject: &str, body: String) {
        self.email(&login.email, subject, body);
    }

    /// Links a further account to a signed-in login: the password again,
    /// then the same proofs as registration (with the same public
    /// rejections). Refused when the profile allows one account per login
    /// (staff can still link, see [`Portal::staff_link`]). The login's email
    /// is told. Returns the canonical account number.
    ///
    /// A login with an authenticator app must also present a fresh code:
    /// use [`Portal::link_account_with_step_up`]; here it is refused with
    /// [`PortalError::StepUpRequired`] once the password is right.
    pub fn link_account(
        &self,
        session: &Session,
        request: &LinkRequest,
        client: &ClientContext,
        now: DateTime<Utc>,
    ) -> Result<String, PortalError> {
        self.link_account_with_step_up(session, request, None, client, now)
    }

    /// [`Portal::link_account`] with the step-up of a login with an
    /// authenticator app: after the password, `step_up` (an authenticator
    /// or recovery code) is checked in the same call; a wrong one is
    /// refused like a wrong password ([`PortalError::WrongCredentials`],
    /// counted and audited). Without an authenticator, `step_up` is ignored.
    pub fn link_account_with_step_up(
        &self,
        session: &Session,
        request: &LinkRequest,
        step_up: Option<&SecondFactor>,
        client: &ClientContext,
        now: DateTime<Utc>,
    ) -> Result<String, PortalError> {
        let login_id = session.login_id();
        let spec = self.profile.spec();
        let policy = spec.registration.as_ref().ok_or_else(|| {
            PortalError::Config("the profile has no [registration] section".into())
        })?;
        let nickname = clean_nickname(request.nickname.as_deref())?;
        let number = self.canonical(&request.form.account_number)?;
        let pre = self.precheck_password(session, Some(&request.password), false, now)?;
        let mut tx = self.store.begin()?;
        let mut login = self.require_session(tx.as_mut(), session, now)?;
        if let Some(err) = self.reauthenticate_counted(
            tx.as_mut(),
            &mut login,
            &request.password,
            pre.as_ref(),
            client,
            "link an account",
            now,
        )? {
            tx.commit()?;
            return Err(err);
        }
        if let Some(err) = self.step_up_counted(
            tx.as_mut(),
            &mut login,
            step_up,
            Some(client),
            "link an account",
            now,
        )? {
            tx.commit()?;
            return Err(err);
        }
        let links = tx.links_of_login(login_id)?;
        if links.iter().any(|l| l.account == number) {
            return Err(PortalError::Invalid {
                field: "account_number",
                message: format!("account {number} is already linked to this login"),
            });
        }
        if policy.one_account_per_login && links.iter().any(|l| l.role == Role::Owner) {
            return Err(PortalError::Forbidden(
                "this utility allows one account per login; ask customer service to link your accounts"
                    .into(),
            ));
        }
        if let Some(err) = self.proof_throttle(tx.as_mut(), &number, client, Some(login_id), now)? {
            tx.commit()?;
            return Err(err);
        }
        let proven = {
            let directory = TxDirectory::new(tx.as_mut(), self.utility());
            let proven = registration::prove(
                &request.form,
                policy,
                &spec.payments.account_number,
                &directory,
            );
            if let Some(e) = directory.into_error() {
                return Err(e.into());
            }
            proven
        };
        if let Err(rejection) = proven {
            let err =
                self.proof_failed(tx.as_mut(), rejection, &number, client, Some(login_id), now)?;
            tx.commit()?;
            return Err(err);
        }
        self.attach(tx.as_mut(), &login, &number, nickname, false, now)?;
        tx.append_audit(&self.event(
            AuditKind::AccountLinked,
            now,
            Some(login_id),
            Some(&number),
            format!(
                "linked by the customer with the registration proofs{}",
                client.audit_suffix()
            ),
        ))?;
        tx.commit()?;
        self.notify_login(
            &login,
            "An account was linked to your login",
            format!("Account {number} was linked to your login. If this was not you, contact customer service."),
        );
        Ok(number)
    }

    fn attach(
        &self,
        tx: &mut dyn Tx,
        login: &LoginRow,
        number: &str,
        nickname: Option<String>,
        by_staff: bool,
        now: DateTime<Utc>,
    ) -> Result<(), PortalError> {
        let mut account = tx
            .account(self.utility(), number)?
            .ok_or_else(|| PortalError::not_found("account", number))?;
        if account
            .record
            .login
            .as_deref()
            .is_some_and(|l| l != login.id)
        {
            return Err(PortalError::Forbidden(format!(
                "account {number} is held by another login; unlink it there first"
            )));
        }
        account.record.login = Some(login.id.clone());
        tx.put_account(&account)?;
        tx.put_link(&LinkRow {
            login: login.id.clone(),
            utility: self.utility().to_owned(),
            account: number.to_owned(),
            role: Role::Owner,
            nickname,
            linked_at: now,
            by_staff,
        })?;
        Ok(())
    }

    /// Staff link an account to a login (an admin operation: no proofs, and
    /// allowed past one account per login). `staff` names the clerk for the
    /// audit trail.
    pub fn staff_link(
        &self,
        staff: &str,
        login_id: &str,
        account: &str,
        now: DateTime<Utc>,
    ) -> Result<String, PortalError> {
        let number = self.canonical(account)?;
        let login = self.transact(|tx| {
            let login = self.require_login(tx, login_id)?;
            if tx
                .links_of_login(login_id)?
                .iter()
                .any(|l| l.account == number)
            {
                return Err(PortalError::Invalid {
                    field: "account_number",
                    message: format!("account {number} is already linked to this login"),
                });
            }
            self.attach(tx, &login, &number, None, true, now)?;
            tx.append_audit(&self.event(
                AuditKind::AccountLinked,
                now,
                Some(login_id),
                Some(&number),
                format!("linked by staff `{}`", ratepayer::money::excerpt(staff)),
            ))?;
            Ok(login)
        })?;
        self.notify_login(
            &login,
            "An account was linked to your login",
            format!("Customer service linked account {number} to your login."),
        );
        Ok(number)
    }

    /// Unlinks an account from a login. When the owner unlinks, every
    /// authorised user loses access too and AutoPay on the account is
    /// cancelled.
    pub fn unlink_account(
        &self,
        session: &Session,
        account: &str,
        now: DateTime<Utc>,
    ) -> Result<(), PortalError> {
        let login_id = session.login_id();
        self.transact(|tx| {
            let (link, mut row) = self.require_link(tx, session, account, now)?;
            let number = link.account.clone();
            tx.delete_link(login_id, self.utility(), &number)?;
            let mut detail = format!("{} unlinked", link.role.as_str());
            if link.role == Role::Owner {
                for other in tx.links_of_account(self.utility(), &number)? {
                    tx.delete_link(&other.login, self.utility(), &number)?;
                }
                row.record.login = None;
                tx.put_account(&row)?;
                if self.cancel_enrolment(tx, &number, now)? {
                    detail.push_str("; AutoPay cancelled");
                }
            }
            tx.append_audit(&self.event(
                AuditKind::AccountUnlinked,
                now,
                Some(login_id),
                Some(&number),
                detail,
            ))?;
            Ok(())
        })
    }

    /// The owner lets another login of the utility (by username) view and
    /// pay the account as an authorised user; they cannot change AutoPay.
    pub fn add_authorized_user(
        &self,
        session: &Session,
        account: &str,
        username: &str,
        now: DateTime<Utc>,
    ) -> Result<(), PortalError> {
        let owner_login = session.login_id();
        let user = self.transact(|tx| {
            let (link, _) = self.require_owner(tx, session, account, "share the account", now)?;
            let user = tx
                .login_by_username(self.utility(), &username.trim().to_lowercase())?
                .ok_or_else(|| PortalError::not_found("login", username))?;
            if user.id == owner_login {
                return Err(PortalError::Invalid {
                    field: "username",
                    message: "is the owner's own login".into(),
                });
            }
            tx.put_link(&LinkRow {
                login: user.id.clone(),
                utility: self.utility().to_owned(),
                account: link.account.clone(),
                role: Role::AuthorizedUser,
                nickname: None,
                linked_at: now,
                by_staff: false,
            })?;
            tx.append_audit(&self.event(
                AuditKind::AccessGranted,
                now,
                Some(owner_login),
                Some(&link.account),
                format!("authorised user `{}` added", user.username),
            ))?;
            Ok(user)
        })?;
        self.notify_login(
            &user,
            "You can now view and pay an account",
            "The account owner gave you access to view and pay their utility account.".into(),
        );
        Ok(())
    }

    /// Sets the login's nickname for a linked account (any role).
    pub fn set_nickname(
        &self,
        session: &Session,
        account: &str,
        nickname: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(), PortalError> {
        let login_id = session.login_id();
        let nickname = clean_nickname(nickname)?;
        self.transact(|tx| {
            let (mut link, _) = self.require_link(tx, session, account, now)?;
            link.nickname = nickname;
            tx.put_link(&link)?;
            tx.append_audit(&self.event(
                AuditKind::SettingsChanged,
                now,
                Some(login_id),
                Some(&link.account),
                "nickname changed",
            ))?;
            Ok(())
        })
    }

    /// Sets how an account's bills are delivered (owner only). Text alerts
    /// alone still mean a paper bill (seed 003). The billing email is not
    /// changed here: `settings.billing_email` must be `None` (keep it) or
    /// the current one; a new one goes through
    /// [`Portal::request_contact_change`].
    pub fn set_delivery(
        &self,
        session: &Session,
        account: &str,
        settings: &DeliverySettings,
        now: DateTime<Utc>,
    ) -> Result<(), PortalError> {
        self.delivery(session, account, settings, None, None, now)
    }

    /// [`Portal::set_delivery`], kept for callers that passed a step-up
    /// when the billing email changed: the billing email now changes only
    /// through [`Portal::request_contact_change`], so `step_up` is unused.
    pub fn set_delivery_with_step_up(
        &self,
        session: &Session,
        account: &str,
        settings: &DeliverySettings,
        step_up: Option<&SecondFactor>,
        client: &ClientContext,
        now: DateTime<Utc>,
    ) -> Result<(), PortalError> {
        self.delivery(session, account, settings, step_up, Some(client), now)
    }

    fn delivery(
        &self,
        session: &Session,
        account: &str,
        settings: &DeliverySettings,
        step_up: Option<&SecondFactor>,
        client: Option<&ClientContext>,
        now: DateTime<Utc>,
    ) -> Result<(), PortalError> {
        let login_id = session.login_id();
        let billing_email = match settings.billing_email.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(e) => Some(validate_email(e).map_err(|err| PortalError::Invalid {
                field: "billing_email",
                message: err.form_message().to_owned(),
            })?),
        };
        let mut tx = self.store.begin()?;
        let (_, mut row) =
            self.require_owner(tx.as_mut(), session, account, "change bill delivery", now)?;
        // The billing email is a contact: it changes only through
        // `request_contact_change` (re-authentication, a code to the new
        // address, a notice to the old one). `None` keeps it.
        if billing_email.is_some() && row.billing_email != billing_email {
            return Err(PortalError::Invalid {
                field: "billing_email",
                message: "cannot be changed with the delivery settings: use \
                          request_contact_change (your password, then a code sent to the new \
                          address); pass the current one or none here"
                    .into(),
            });
        }
        let _ = (step_up, client);
        row.paperless = settings.paperless;
        row.ebilling = settings.ebilling;
        row.text_alerts = settings.text_alerts;
        tx.put_account(&row)?;
        tx.append_audit(&self.event(
            AuditKind::SettingsChanged,
            now,
            Some(login_id),
            Some(row.number()),
            format!(
                "paperless {}, e-billing {}, text alerts {}",
                row.paperless, row.ebilling, row.text_alerts
            ),
        ))?;
        tx.commit()?;
        Ok(())
    }
}
