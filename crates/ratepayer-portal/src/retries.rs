//! The retry rules of AutoPay applied to stored drafts: a bill's attempt
//! history read from its drafts and their payments' statuses, the decision
//! of [`ratepayer::autopay::failures::next_action`] when a draft is returned or
//! declined (AutoPay ended for the method, with its notice, when the rules
//! say so, or when a return is known only after Nacha's window closed), and
//! the re-presentment the cycle makes when one is due (a new draft attempt
//! with its own idempotency key, only within Nacha's window). Also the list
//! of pending payments, for an application that sends them itself.

use chrono::{DateTime, Days, NaiveDate, Utc};

use super::{Portal, PortalError};
use crate::store::{AuditKind, EnrolmentStatus, PaymentRow, PaymentStatus, Tx};
use ratepayer::autopay::failures::{
    next_action, Attempt, AttemptOutcome, DraftFailure, FailureAction, Notice, NoticeKind,
    SuspendReason,
};
use ratepayer::autopay::{AutopayError, AutopayPolicy, DraftInstruction};
use ratepayer::calendar::Calendar;
use ratepayer::payment::AccountStatus;

/// How a stored payment's status reads as an attempt's outcome.
fn outcome(p: &PaymentRow) -> AttemptOutcome {
    match (p.status, p.settlement.return_code, p.settlement.decline) {
        (PaymentStatus::Settled, ..) => AttemptOutcome::Succeeded,
        (PaymentStatus::Returned, Some(code), _) => {
            AttemptOutcome::Failed(DraftFailure::AchReturn { code })
        }
        (PaymentStatus::Declined, _, Some(reason)) => AttemptOutcome::Failed(reason.failure()),
        _ => AttemptOutcome::Pending,
    }
}

impl Portal {
    /// Every attempt at drafting `bill_id` on `account`, in attempt order.
    pub(super) fn attempts(
        &self,
        tx: &mut dyn Tx,
        account: &str,
        bill_id: &str,
    ) -> Result<Vec<Attempt>, PortalError> {
        let mut drafts: Vec<_> = tx
            .drafts(self.utility(), account)?
            .into_iter()
            .filter(|d| d.bill_id == bill_id)
            .collect();
        drafts.sort_by_key(|d| d.attempt);
        let mut out = Vec::with_capacity(drafts.len());
        for d in drafts {
            let (settled, outcome) = match tx.payment(self.utility(), &d.payment_id)? {
                Some(p) => (p.settlement.settled_on, outcome(&p)),
                None => (None, AttemptOutcome::Pending),
            };
            out.push(Attempt {
                attempt: d.attempt,
                date: d.date,
                settled,
                outcome,
            });
        }
        Ok(out)
    }

    /// After the draft paid by `p` was returned or declined: the retry
    /// rules' decision for its bill. When they suspend or end AutoPay, the
    /// account's enrolment on that payment method is cancelled here, with
    /// an audit event; a re-presentment is left to the cycle.
    pub(super) fn after_failed_draft(
        &self,
        tx: &mut dyn Tx,
        p: &PaymentRow,
        now: DateTime<Utc>,
    ) -> Result<Option<FailureAction>, PortalError> {
        let Some(policy) = self.profile.autopay() else {
            return Ok(None);
        };
        let Some(account) = p.allocation.accounts.first().map(|a| a.account.clone()) else {
            return Ok(None);
        };
        let Some(draft) = tx
            .drafts(self.utility(), &account)?
            .into_iter()
            .find(|d| d.payment_id == p.id)
        else {
            return Ok(None);
        };
        let history = self.attempts(tx, &account, &draft.bill_id)?;
        let closed = tx
            .account(self.utility(), &account)?
            .is_none_or(|a| a.status == AccountStatus::Closed);
        let calendar = self.profile.draft_calendar().map_err(AutopayError::from)?;
        let mut action = next_action(&history, &policy.retry, &calendar, closed)?;
        let today = now.with_timezone(&self.profile.time_zone()).date_naive();
        if let Some(closed) = window_closed(&history, &action, policy, today) {
            action = closed;
        }
        match &mut action {
            FailureAction::Done => return Ok(None),
            FailureAction::Retry { notify, .. } => notify.bill_id = Some(draft.bill_id.clone()),
            FailureAction::Suspend { notify, .. } | FailureAction::End { notify } => {
                notify.bill_id = Some(draft.bill_id.clone());
                let on_method = tx.enrolment(self.utility(), &account)?.is_some_and(|e| {
                    e.status == EnrolmentStatus::Active
                        && e.payment_method_id == p.payment_method_id
                });
                if on_method && self.cancel_enrolment(tx, &account, now)? {
                    tx.append_audit(&self.event(
                        AuditKind::AutopayCancelled,
                        now,
                        Some(&p.login),
                        Some(&account),
                        format!(
                            "ended after draft {} of bill {} failed: the retry rules allow no \
                             other attempt on this payment method",
                            draft.idempotency_key, draft.bill_id
                        ),
                    ))?;
                }
            }
        }
        Ok(Some(action))
    }

    /// Every payment and draft of the utility still pending (not yet handed
    /// to the processor), oldest first: what [`Portal::submit_pending`]
    /// sends, for an application that sends them itself and then reports
    /// each through [`Portal::record_result`].
    pub fn pending_payments(&self) -> Result<Vec<PaymentRow>, PortalError> {
        self.read(|tx| Ok(tx.payments_with_status(self.utility(), PaymentStatus::Pending)?))
    }

    /// The re-presentment of `draft` (the bill's first attempt, as planned
    /// today) due by `as_of`, if the bill's last attempt failed and the
    /// retry rules allow another: a returned ACH debit only within the
    /// policy's window after the original settlement, counted on `as_of`
    /// (the day it is actually presented).
    pub(super) fn representment(
        &self,
        tx: &mut dyn Tx,
        draft: &DraftInstruction,
        policy: &AutopayPolicy,
        calendar: &Calendar,
        as_of: NaiveDate,
    ) -> Result<Option<DraftInstruction>, PortalError> {
        let history = self.attempts(tx, &draft.account, &draft.bill_id)?;
        let Some(last) = history.last() else {
            return Ok(None);
        };
        let AttemptOutcome::Failed(failure) = last.outcome else {
            return Ok(None);
        };
        let FailureAction::Retry { attempt, on, .. } =
            next_action(&history, &policy.retry, calendar, false)?
        else {
            return Ok(None);
        };
        if on > as_of {
            return Ok(None);
        }
        if failure.is_ach() && deadline(&history, policy).is_none_or(|last_day| as_of > last_day) {
            return Ok(None);
        }
        Ok(Some(draft.retry(attempt, on)))
    }
}

/// The last day a returned ACH debit may be re-presented: the policy's
/// window after the original entry's settlement date (its presentment date
/// when it has none). `None` for a card history.
fn deadline(history: &[Attempt], policy: &AutopayPolicy) -> Option<NaiveDate> {
    let first = history.first()?;
    let last = history.last()?;
    match last.outcome {
        AttemptOutcome::Failed(f) if f.is_ach() => first
            .settled
            .unwrap_or(first.date)
            .checked_add_days(Days::new(u64::from(
                policy.retry.ach_representment_window_days,
            ))),
        _ => None,
    }
}

/// A re-presentment the rules would allow, but whose return is known only
/// after the window closed (`today` past the deadline): AutoPay is
/// suspended instead, with a notice saying so.
fn window_closed(
    history: &[Attempt],
    action: &FailureAction,
    policy: &AutopayPolicy,
    today: NaiveDate,
) -> Option<FailureAction> {
    let FailureAction::Retry { .. } = action else {
        return None;
    };
    let last = history.last()?;
    let AttemptOutcome::Failed(DraftFailure::AchReturn { code }) = last.outcome else {
        return None;
    };
    let deadline = deadline(history, policy)?;
    if today <= deadline {
        return None;
    }
    Some(FailureAction::Suspend {
        reason: SuspendReason::WindowClosed { code, deadline },
        notify: Notice {
            date: today,
            kind: NoticeKind::AutopaySuspended,
            bill_id: None,
            text: format!(
                "Your AutoPay payment presented on {} did not go through: your bank returned it \
                 because {}. It is now too late to present it to your bank again. AutoPay is \
                 suspended and will not pay your bills until you update your bank account \
                 details or choose another payment method. Please pay this bill another way, \
                 online or by phone, to avoid late fees.",
                last.date.format("%B %-d, %Y"),
                code.description()
            ),
        },
    })
}
