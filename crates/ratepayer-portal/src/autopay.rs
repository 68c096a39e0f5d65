//! AutoPay enrolment in the portal: enrolment (owner only, a stored method
//! the option takes, the terms, the cut-off before the open bill's due
//! date) and cancellation (by the owner, on unlinking, or when the account
//! closes). The cycle that drafts is in `cycle`.

use chrono::{DateTime, Utc};

use super::client::ClientContext;
use super::outbox::Outgoing;
use super::sessions::Session;
use super::step_up::SecondFactor;
use super::{Portal, PortalError};
use crate::store::{AuditKind, EnrolmentRow, EnrolmentStatus, MessageKind, Tx};
use ratepayer::autopay::enrolment::{self, EnrolmentRequest, FirstBill};
use ratepayer::autopay::{self as rules, AmountNoticePreference};
use ratepayer::Money;

/// What the owner chooses when enrolling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnrolRequest {
    /// The account (typed or canonical).
    pub account: String,
    /// The AutoPay option's name in the profile.
    pub option: String,
    /// The stored payment method to draft.
    pub payment_method_id: String,
    /// The AutoPay terms version the customer accepted.
    pub accepted_terms_version: Option<String>,
    /// The most a draft may be; a larger bill is left to pay by hand.
    pub maximum: Option<Money>,
    /// Regulation E notice choice for bank drafts.
    pub amount_notices: AmountNoticePreference,
}

/// An enrolment made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enrolled {
    /// The first bill AutoPay drafts.
    pub first_bill: FirstBill,
    /// What the customer is told.
    pub message: String,
}

impl Portal {
    /// Enrols an account in AutoPay. Only the owner may; the method must be
    /// the login's and one the option takes; the utility's enrolment rules
    /// (terms, cut-off) decide which bill is drafted first.
    ///
    /// A login with an authenticator app must present a fresh code: use
    /// [`Portal::enrol_autopay_with_step_up`]; here it is refused with
    /// [`PortalError::StepUpRequired`].
    pub fn enrol_autopay(
        &self,
        session: &Session,
        request: &EnrolRequest,
        now: DateTime<Utc>,
    ) -> Result<Enrolled, PortalError> {
        self.enrol(session, request, None, None, now)
    }

    /// [`Portal::enrol_autopay`] with the step-up of a login with an
    /// authenticator app, checked in the same call; a wrong code is refused
    /// like a wrong password ([`PortalError::WrongCredentials`], counted and
    /// audited). Without an authenticator, `step_up` is ignored.
    pub fn enrol_autopay_with_step_up(
        &self,
        session: &Session,
        request: &EnrolRequest,
        step_up: Option<&SecondFactor>,
        client: &ClientContext,
        now: DateTime<Utc>,
    ) -> Result<Enrolled, PortalError> {
        self.enrol(session, request, step_up, Some(client), now)
    }

    fn enrol(
        &self,
        session: &Session,
        request: &EnrolRequest,
        step_up: Option<&SecondFactor>,
        client: Option<&ClientContext>,
        now: DateTime<Utc>,
    ) -> Result<Enrolled, PortalError> {
        let login_id = session.login_id();
        let policy = self
            .profile
            .autopay()
            .ok_or_else(|| PortalError::Forbidden("this utility offers no AutoPay".into()))?;
        let option = policy.option(&request.option)?;
        let calendar = self
            .profile
            .draft_calendar()
            .map_err(rules::AutopayError::from)?;
        let (enrolled, written) =
            self.transact_stepped(session, step_up, client, "enrol in AutoPay", now, |tx| {
                let login = self.require_session(tx, session, now)?;
                let (link, account) =
                    self.require_owner(tx, session, &request.account, "change AutoPay", now)?;
                if account.status != ratepayer::payment::AccountStatus::Active {
                    return Err(PortalError::AccountClosed(link.account.clone()));
                }
                let method = self.method_of(tx, login_id, &request.payment_method_id)?;
                if !option.methods.contains(&method.method) {
                    return Err(PortalError::Invalid {
                        field: "payment_method_id",
                        message: format!(
                            "{} does not take a {}; choose one of: {}",
                            option.name,
                            method.method.label(),
                            option
                                .methods
                                .iter()
                                .map(|m| m.label())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    });
                }
                if let Some(max) = request.maximum {
                    if max.currency() != account.currency
                        || max.amount() <= rust_decimal::Decimal::ZERO
                    {
                        return Err(PortalError::Invalid {
                            field: "maximum",
                            message: format!("must be above zero, in {}", account.currency),
                        });
                    }
                }
                let open_due =
                    super::back_office::open_bill_due(tx, self.utility(), &link.account)?;
                let decision = match &policy.enrolment {
                Some(rules_) => enrolment::enrol(
                    &EnrolmentRequest {
                        registered: true,
                        stored_method: true,
                        terms_accepted_version: request.accepted_terms_version.clone(),
                    },
                    rules_,
                    open_due,
                    now,
                    self.profile.time_zone(),
                    &calendar,
                )?,
                None => enrolment::EnrolmentDecision {
                    first_bill: FirstBill::NextIssued,
                    message:
                        "AutoPay starts with your open bill, if any, and continues with every bill"
                            .into(),
                },
            };
                let skip = match decision.first_bill {
                    FirstBill::Next { due_date, .. } => Some(due_date),
                    FirstBill::Current { .. } | FirstBill::NextIssued => None,
                };
                tx.put_enrolment(&EnrolmentRow {
                    utility: self.utility().to_owned(),
                    account: link.account.clone(),
                    login: login_id.to_owned(),
                    option: option.name.clone(),
                    payment_method_id: method.id.clone(),
                    method: method.method,
                    card_expiry: method.card_expiry,
                    maximum: request.maximum,
                    amount_notices: request.amount_notices,
                    skip_due_on_or_before: skip,
                    status: EnrolmentStatus::Active,
                    at: now,
                })?;
                tx.append_audit(&self.event(
                    AuditKind::AutopayEnrolled,
                    now,
                    Some(login_id),
                    Some(&link.account),
                    format!(
                        "{} with {}: {}",
                        option.name, method.label, decision.message
                    ),
                ))?;
                let at = now.to_rfc3339();
                let written = self.enqueue(
                    tx,
                    Outgoing {
                        kind: MessageKind::AutopayEnrolled,
                        about: &[&link.account, &at],
                        to: &login.email,
                        subject: "AutoPay is set up".into(),
                        body: decision.message.clone(),
                        login: Some(login_id),
                        account: Some(&link.account),
                    },
                    now,
                )?;
                Ok((
                    Enrolled {
                        first_bill: decision.first_bill,
                        message: decision.message,
                    },
                    written,
                ))
            })?;
        self.deliver_written(written.as_slice(), now);
        Ok(enrolled)
    }

    /// Cancels AutoPay on an account (owner only).
    pub fn cancel_autopay(
        &self,
        session: &Session,
        account: &str,
        now: DateTime<Utc>,
    ) -> Result<(), PortalError> {
        let login_id = session.login_id();
        self.transact(|tx| {
            let (link, _) = self.require_owner(tx, session, account, "change AutoPay", now)?;
            if !self.cancel_enrolment(tx, &link.account, now)? {
                return Err(PortalError::not_found("AutoPay enrolment", &link.account));
            }
            tx.append_audit(&self.event(
                AuditKind::AutopayCancelled,
                now,
                Some(login_id),
                Some(&link.account),
                "cancelled by the owner",
            ))?;
            Ok(())
        })
    }

    /// Cancels the account's active enrolment, if any; true when there was one.
    pub(super) fn cancel_enrolment(
        &self,
        tx: &mut dyn Tx,
        account: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, PortalError> {
        match tx.enrolment(self.utility(), account)? {
            Some(mut e) if e.status == EnrolmentStatus::Active => {
                e.status = EnrolmentStatus::Cancelled;
                e.at = now;
                tx.put_enrolment(&e)?;
                Ok(true)
            }
            _ => Ok(false),
        }
    }
}
