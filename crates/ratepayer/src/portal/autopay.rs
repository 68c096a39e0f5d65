//! AutoPay in the portal: enrolment (owner only, a stored method the option
//! takes, the terms, the cut-off before the open bill's due date),
//! cancellation, and the AutoPay cycle for a date, which plans every
//! enrolled account's unpaid bills and executes each draft due by that date
//! exactly once: the draft's idempotency key is claimed in the same
//! transaction that records its payment, so a second run, a second process
//! or a restart after a crash never drafts a bill twice.

use chrono::{DateTime, NaiveDate, Utc};

use super::{Portal, PortalError};
use crate::autopay::enrolment::{self, EnrolmentRequest, FirstBill};
use crate::autopay::{
    self as rules, AmountNoticePreference, AutopayCustomer, BillDates, DraftInstruction, DraftRule,
    NoticeKind, PlannedBill,
};
use crate::calendar::Calendar;
use crate::fees::FeeSchedule;
use crate::payment::{allocate, AccountDue, AllocationPolicy, ChargeKind, PaymentTarget};
use crate::store::{
    AuditKind, ChargeRow, DraftRow, EnrolmentRow, EnrolmentStatus, PaymentRow, PaymentSource, Tx,
};
use crate::Money;

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

/// What one AutoPay cycle did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CycleReport {
    /// Active enrolments looked at.
    pub enrolments: usize,
    /// Drafts executed by this run.
    pub drafted: usize,
    /// Drafts due that an earlier run (or another process) had executed.
    pub already_drafted: usize,
    /// Bills left to pay by hand (above the customer's maximum).
    pub pay_by_hand: usize,
    /// Accounts whose AutoPay is suspended (an expired card).
    pub suspended: usize,
    /// The sum charged by this run's drafts (amounts and fees).
    pub charged: Option<Money>,
    /// Accounts that could not be planned, with the reason.
    pub failures: Vec<(String, String)>,
}

/// Enrolments per transaction in the cycle, unless the portal sets another
/// number ([`Portal::with_autopay_batch`]).
pub(super) const DEFAULT_BATCH: usize = 2_000;

struct CycleContext<'a> {
    policy: &'a rules::AutopayPolicy,
    calendar: Calendar,
    fees: &'a FeeSchedule,
    allocation: AllocationPolicy,
    as_of: NaiveDate,
    now: DateTime<Utc>,
}

impl Portal {
    /// Enrols an account in AutoPay. Only the owner may; the method must be
    /// the login's and one the option takes; the utility's enrolment rules
    /// (terms, cut-off) decide which bill is drafted first.
    pub fn enrol_autopay(
        &self,
        login_id: &str,
        request: &EnrolRequest,
        now: DateTime<Utc>,
    ) -> Result<Enrolled, PortalError> {
        let policy = self
            .profile
            .autopay()
            .ok_or_else(|| PortalError::Forbidden("this utility offers no AutoPay".into()))?;
        let option = policy.option(&request.option)?;
        let calendar = self
            .profile
            .draft_calendar()
            .map_err(rules::AutopayError::from)?;
        let (enrolled, email) = self.transact(|tx| {
            let login = self.require_login(tx, login_id)?;
            let (link, account) =
                self.require_owner(tx, login_id, &request.account, "change AutoPay")?;
            if account.status != crate::payment::AccountStatus::Active {
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
                if max.currency() != account.currency || max.amount() <= rust_decimal::Decimal::ZERO
                {
                    return Err(PortalError::Invalid {
                        field: "maximum",
                        message: format!("must be above zero, in {}", account.currency),
                    });
                }
            }
            let open_due = super::back_office::open_bill_due(tx, self.utility(), &link.account)?;
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
            Ok((
                Enrolled {
                    first_bill: decision.first_bill,
                    message: decision.message,
                },
                login.email,
            ))
        })?;
        self.email(&email, "AutoPay is set up", enrolled.message.clone());
        Ok(enrolled)
    }

    /// Cancels AutoPay on an account (owner only).
    pub fn cancel_autopay(
        &self,
        login_id: &str,
        account: &str,
        now: DateTime<Utc>,
    ) -> Result<(), PortalError> {
        self.transact(|tx| {
            let (link, _) = self.require_owner(tx, login_id, account, "change AutoPay")?;
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

    /// Runs the AutoPay cycle for `as_of`: every draft due on or before that
    /// day (on the utility's draft calendar) that no run executed yet is
    /// executed now, as a payment on its bill, exactly once. Safe to run
    /// again, from several processes at once, or after a crash.
    pub fn run_autopay_cycle(
        &self,
        as_of: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<CycleReport, PortalError> {
        self.run_autopay_cycle_observed(as_of, now, &mut |_| {})
    }

    /// [`Portal::run_autopay_cycle`], calling `on_batch` with the report so
    /// far after each batch has committed (for progress reporting).
    pub fn run_autopay_cycle_observed(
        &self,
        as_of: NaiveDate,
        now: DateTime<Utc>,
        on_batch: &mut dyn FnMut(&CycleReport),
    ) -> Result<CycleReport, PortalError> {
        let Some(policy) = self.profile.autopay() else {
            return Ok(CycleReport::default());
        };
        let ctx = CycleContext {
            policy,
            calendar: self
                .profile
                .draft_calendar()
                .map_err(rules::AutopayError::from)?,
            fees: self.profile.fee_schedule()?,
            allocation: self.profile.spec().payments.allocation,
            as_of,
            now,
        };
        let enrolments = self.transact(|tx| Ok(tx.active_enrolments(self.utility())?))?;
        let mut report = CycleReport {
            enrolments: enrolments.len(),
            ..CycleReport::default()
        };
        for batch in enrolments.chunks(self.autopay_batch) {
            self.transact(|tx| {
                for e in batch {
                    if let Err(err) = self.cycle_account(tx, e, &ctx, &mut report) {
                        match err {
                            PortalError::Storage(_) => return Err(err),
                            other => report.failures.push((e.account.clone(), other.to_string())),
                        }
                    }
                }
                Ok(())
            })?;
            on_batch(&report);
        }
        Ok(report)
    }

    fn cycle_account(
        &self,
        tx: &mut dyn Tx,
        e: &EnrolmentRow,
        ctx: &CycleContext<'_>,
        report: &mut CycleReport,
    ) -> Result<(), PortalError> {
        let open: Vec<_> = tx
            .charges(self.utility(), &e.account)?
            .into_iter()
            .filter(|c| {
                c.charge.kind == ChargeKind::Balance
                    && c.charge.amount.amount() > rust_decimal::Decimal::ZERO
            })
            .filter(|c| {
                e.skip_due_on_or_before
                    .is_none_or(|d| c.charge.due_date > d)
            })
            .filter(|c| c.charge.bill_date <= ctx.as_of)
            .collect();
        if open.is_empty() {
            return Ok(());
        }
        let option = ctx.policy.option(&e.option)?;
        let printed = if matches!(option.draft, DraftRule::OnPrintedDate { .. }) {
            tx.bills(self.utility(), &e.account)?
        } else {
            Vec::new()
        };
        let bills: Vec<PlannedBill> = open
            .iter()
            .map(|c| PlannedBill {
                bill_id: c.charge.id.clone(),
                dates: BillDates {
                    bill_date: c.charge.bill_date,
                    due_date: c.charge.due_date,
                    printed_draft_date: printed
                        .iter()
                        .find(|b| b.bill_id == c.charge.id)
                        .and_then(|b| b.printed_draft_date),
                },
                statement: c.charge.amount,
                balance_at_draft: Some(c.charge.amount),
            })
            .collect();
        let customer = AutopayCustomer {
            account: e.account.clone(),
            method: e.method,
            maximum: e.maximum,
            amount_notices: e.amount_notices,
            card_expiry: e.card_expiry,
        };
        let plan = rules::plan(
            option,
            &ctx.policy.notices,
            &customer,
            &bills,
            &ctx.calendar,
            ctx.fees,
        )?;
        report.pay_by_hand += plan
            .notices
            .iter()
            .filter(|n| n.kind == NoticeKind::PayByHand && n.date <= ctx.as_of)
            .count();
        if plan.suspended_from.is_some_and(|d| d <= ctx.as_of) {
            report.suspended += 1;
        }
        for draft in plan.drafts.iter().filter(|d| d.date <= ctx.as_of) {
            let Some(charge) = open.iter().find(|c| c.charge.id == draft.bill_id) else {
                continue;
            };
            if self.execute(tx, e, draft, charge.charge.clone(), option.channel, ctx)? {
                report.drafted += 1;
                report.charged = Some(match report.charged {
                    Some(sum) => sum.checked_add(&draft.total)?,
                    None => draft.total,
                });
            } else {
                report.already_drafted += 1;
            }
        }
        Ok(())
    }

    /// Claims the draft's key and, when this run is the first, records its
    /// payment on the bill. False when the key was claimed before.
    fn execute(
        &self,
        tx: &mut dyn Tx,
        e: &EnrolmentRow,
        draft: &DraftInstruction,
        charge: crate::payment::OpenCharge,
        channel: crate::fees::Channel,
        ctx: &CycleContext<'_>,
    ) -> Result<bool, PortalError> {
        let key = draft.idempotency_key.to_string();
        let payment_id = format!("draft-{key}");
        let claimed = tx.claim_draft(&DraftRow {
            idempotency_key: key.clone(),
            utility: self.utility().to_owned(),
            account: e.account.clone(),
            bill_id: draft.bill_id.clone(),
            attempt: draft.attempt,
            date: draft.date,
            total: draft.total,
            payment_id: payment_id.clone(),
            executed_at: ctx.now,
        })?;
        if !claimed {
            return Ok(false);
        }
        let charge_row = Some(ChargeRow {
            utility: self.utility().to_owned(),
            account: e.account.clone(),
            charge: charge.clone(),
        });
        let due = AccountDue {
            account: e.account.clone(),
            status: crate::payment::AccountStatus::Active,
            currency: draft.amount.currency(),
            charges: vec![charge],
        };
        let allocation = allocate(
            &[due],
            &PaymentTarget::Account(e.account.clone()),
            draft.amount,
            ctx.allocation,
            draft.date,
        )?;
        // The draft pays its own bill's charge: write its remaining amount
        // straight away (no credit arises, the draft is at most the charge).
        match (allocation.accounts.as_slice(), charge_row) {
            ([part], Some(mut row)) if part.credit.amount().is_zero() => {
                if let Some(item) = part.items.iter().find(|i| i.charge_id == row.charge.id) {
                    row.charge.amount = item.remaining;
                    tx.put_charge(&row)?;
                }
            }
            _ => self.apply(tx, &allocation)?,
        }
        tx.insert_payment(&PaymentRow {
            id: payment_id,
            utility: self.utility().to_owned(),
            login: e.login.clone(),
            source: PaymentSource::Autopay,
            channel,
            method: draft.method,
            payment_method_id: e.payment_method_id.clone(),
            amount: draft.amount,
            fee: draft.fee,
            total: draft.total,
            allocation,
            idempotency_key: Some(key.clone()),
            at: ctx.now,
        })?;
        tx.append_audit(&self.event(
            AuditKind::DraftExecuted,
            ctx.now,
            Some(&e.login),
            Some(&e.account),
            format!(
                "bill {} drafted {} (fee {}) on {}, key {key}",
                draft.bill_id,
                draft.total.to_decimal_string(),
                draft.fee.to_decimal_string(),
                draft.date
            ),
        ))?;
        Ok(true)
    }
}
