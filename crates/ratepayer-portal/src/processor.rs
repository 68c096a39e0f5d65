//! The payment processor port and the portal's side of it. The
//! application implements [`PaymentProcessor`] over its processor (an ACH
//! originator, a card gateway); [`Portal::submit_pending`] hands it every
//! pending payment and draft and marks each submitted; the processor's
//! results come back later through [`Portal::record_result`], which settles,
//! returns or declines the payment (a return or decline is undone in
//! `reversal`). Each change of status is one store transaction with an
//! audit event; a result that arrives twice or out of order changes nothing
//! the second time.

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::{Portal, PortalError};
use crate::store::{AuditKind, DeclineReason, PaymentRow, PaymentSource, PaymentStatus, Tx};
use ratepayer::autopay::failures::{AchReturnCode, FailureAction};
use ratepayer::fees::PaymentMethod;
use ratepayer::Money;

/// What kind of charge a submission is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChargeType {
    /// An ACH debit of a bank account (a bank draft or e-check): settles,
    /// or is returned with a Nacha return code.
    AchDebit,
    /// A card charge: settles, or is declined.
    Card,
}

impl ChargeType {
    /// The charge type of a payment method.
    pub fn of(method: PaymentMethod) -> ChargeType {
        if method.is_card() {
            ChargeType::Card
        } else {
            ChargeType::AchDebit
        }
    }
}

/// One charge handed to the processor.
#[derive(Clone, PartialEq, Eq)]
pub struct Submission {
    /// The idempotency key: the same charge always has the same key, and
    /// the key names the utility (see [`PaymentProcessor`]).
    pub key: String,
    /// The utility (profile id).
    pub utility: String,
    /// The portal's payment id.
    pub payment_id: String,
    /// Portal payment or AutoPay draft.
    pub source: PaymentSource,
    /// ACH debit or card charge.
    pub charge: ChargeType,
    /// The payment method's kind.
    pub method: PaymentMethod,
    /// The processor's token of the stored payment method.
    pub token: String,
    /// What to charge: the payment and its convenience fee.
    pub total: Money,
    /// The accounts it pays (canonical numbers).
    pub accounts: Vec<String>,
}

impl std::fmt::Debug for Submission {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Submission")
            .field("key", &self.key)
            .field("utility", &self.utility)
            .field("payment_id", &self.payment_id)
            .field("source", &self.source)
            .field("charge", &self.charge)
            .field("method", &self.method)
            .field("token", &"<redacted>")
            .field("total", &self.total)
            .field("accounts", &self.accounts)
            .finish()
    }
}

/// The processor accepted a submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubmitReceipt {
    /// The processor's reference for the charge.
    pub reference: String,
}

/// The processor refused or could not take a submission; the payment stays
/// pending and the next [`Portal::submit_pending`] sends it again.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the payment processor did not take the charge: {message}")]
pub struct ProcessorError {
    /// What went wrong.
    pub message: String,
}

/// A payment processor, implemented by the application.
///
/// # The idempotency contract
///
/// [`PaymentProcessor::submit`] must treat a second submission with the
/// same [`Submission::key`] as the same charge: it charges nothing more and
/// returns the first submission's reference. The portal relies on it:
/// a payment is marked submitted only after `submit` returns, in a later
/// transaction, so a crash (or a lost connection) between the two leaves
/// the payment pending and the next [`Portal::submit_pending`] sends it
/// again, with the same key. Keys name the utility, so processors shared
/// by several utilities never mix their charges.
pub trait PaymentProcessor {
    /// Submits one charge; see the idempotency contract above.
    fn submit(&self, submission: &Submission) -> Result<SubmitReceipt, ProcessorError>;
}

/// How the processor says a charge ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProcessorOutcome {
    /// The money arrived.
    Settled {
        /// The settlement date (the ACH settlement date for a debit).
        on: NaiveDate,
    },
    /// The bank returned the ACH debit.
    Returned {
        /// The Nacha return reason code.
        code: AchReturnCode,
    },
    /// The card issuer declined the charge.
    Declined {
        /// Soft, hard or an expired card.
        reason: DeclineReason,
    },
}

impl ProcessorOutcome {
    /// The status it moves a payment to.
    pub fn status(&self) -> PaymentStatus {
        match self {
            ProcessorOutcome::Settled { .. } => PaymentStatus::Settled,
            ProcessorOutcome::Returned { .. } => PaymentStatus::Returned,
            ProcessorOutcome::Declined { .. } => PaymentStatus::Declined,
        }
    }
}

/// A result the processor reported for the charge with `key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessorResult {
    /// The submission's idempotency key.
    pub key: String,
    /// How the charge ended.
    pub outcome: ProcessorOutcome,
    /// The processor's reference, if it sends one.
    pub reference: Option<String>,
    /// The processor's own words (kept for staff in the audit trail).
    pub message: Option<String>,
}

/// What [`Portal::record_result`] did with a result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResultEffect {
    /// The payment moved to the result's status.
    Applied,
    /// The payment already had that status: nothing changed.
    Duplicate,
    /// The result contradicts the payment's state (a settlement after a
    /// return, a decline after a settlement): ignored, with an audit event.
    Ignored,
}

/// The answer of [`Portal::record_result`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedResult {
    /// The payment's id.
    pub payment_id: String,
    /// Its status now.
    pub status: PaymentStatus,
    /// What the result did.
    pub effect: ResultEffect,
    /// The returned-payment fee charged for this return, if any.
    pub returned_fee: Option<Money>,
    /// For an AutoPay draft that failed: what the retry rules decided (a
    /// re-presentment on a date, which the AutoPay cycle makes; or AutoPay
    /// suspended or ended, which is done).
    pub autopay: Option<FailureAction>,
}

/// One payment handed to the processor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submitted {
    /// The payment's id.
    pub payment_id: String,
    /// Its idempotency key.
    pub key: String,
    /// The processor's reference.
    pub reference: String,
}

/// What [`Portal::submit_pending`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubmitReport {
    /// Payments submitted and marked submitted by this call.
    pub submitted: Vec<Submitted>,
    /// Payments another runner marked (or a result moved) meanwhile.
    pub already_handled: usize,
    /// Payments the processor did not take (still pending), with the reason.
    pub failures: Vec<(String, String)>,
}

/// A pending payment as the hand-off takes it: its submission (or why it
/// has none), its id and its login.
pub(super) type PendingSubmission = (Result<Submission, String>, String, String);

const PROCESSOR_KEY_NAMESPACE: Uuid = Uuid::from_u128(0x2d6e_8b1a_54c3_4f07_9a2e_61b8_c3f4_d905);

/// The processor key of a portal payment: a UUIDv5 of the utility, the
/// login and the client's idempotency key, so the same payment submitted
/// again has the same key, and no two utilities or logins share one.
pub fn payment_processor_key(utility: &str, login: &str, client_key: &str) -> String {
    let name = format!("{utility}\u{1f}{login}\u{1f}{client_key}");
    Uuid::new_v5(&PROCESSOR_KEY_NAMESPACE, name.as_bytes()).to_string()
}

impl Portal {
    /// Hands every pending payment and draft of the utility to `processor`
    /// and marks each submitted after `submit` returned (see the
    /// idempotency contract of [`PaymentProcessor`]), a batch at a time
    /// (the AutoPay batch size, [`Portal::with_autopay_batch`]): one
    /// transaction marks a batch, each payment with its audit event. A
    /// payment the processor refused stays pending and is listed in the
    /// report's failures; call again to retry it.
    pub fn submit_pending(
        &self,
        processor: &dyn PaymentProcessor,
        now: DateTime<Utc>,
    ) -> Result<SubmitReport, PortalError> {
        let mut report = SubmitReport::default();
        let pending = self.transact(|tx| {
            let rows = tx.payments_with_status(self.utility(), PaymentStatus::Pending)?;
            let mut out = Vec::with_capacity(rows.len());
            for p in rows {
                out.push((self.submission(tx, &p), p.id, p.login));
            }
            Ok(out)
        })?;
        for chunk in pending.chunks(self.autopay_batch.unwrap_or(super::cycle::DEFAULT_BATCH)) {
            self.submit_chunk(processor, chunk, now, &mut report)?;
        }
        Ok(report)
    }

    /// Submits `chunk` (each pending payment's submission, or why it has
    /// none, with its id and login) to `processor`, then marks those it took
    /// submitted in one transaction, each with its audit event, adding to
    /// `report`.
    pub(super) fn submit_chunk(
        &self,
        processor: &dyn PaymentProcessor,
        chunk: &[PendingSubmission],
        now: DateTime<Utc>,
        report: &mut SubmitReport,
    ) -> Result<(), PortalError> {
        let mut taken = Vec::with_capacity(chunk.len());
        for (submission, payment_id, login) in chunk {
            let submission = match submission {
                Ok(s) => s,
                Err(why) => {
                    report.failures.push((payment_id.clone(), why.clone()));
                    continue;
                }
            };
            match processor.submit(submission) {
                Ok(receipt) => taken.push((payment_id, submission, login, receipt)),
                Err(e) => report.failures.push((payment_id.clone(), e.to_string())),
            }
        }
        // The processor took these: mark them, the batch in one
        // transaction (each with its audit event). A crash before this
        // commit leaves them pending, to be sent again under their keys.
        let marked = self.transact(|tx| {
            let mut out = Vec::with_capacity(taken.len());
            for (_, submission, login, receipt) in &taken {
                out.push(self.mark_submitted(tx, submission, login, receipt, now)?);
            }
            Ok(out)
        })?;
        for ((payment_id, submission, _, receipt), marked) in taken.into_iter().zip(marked) {
            if marked {
                report.submitted.push(Submitted {
                    payment_id: payment_id.clone(),
                    key: submission.key.clone(),
                    reference: receipt.reference,
                });
            } else {
                report.already_handled += 1;
            }
        }
        Ok(())
    }

    /// The submission of a pending payment, or why there is none.
    pub(super) fn submission(&self, tx: &mut dyn Tx, p: &PaymentRow) -> Result<Submission, String> {
        let key = p
            .processor_key
            .clone()
            .ok_or_else(|| "the payment has no processor key".to_owned())?;
        let method = tx
            .payment_methods(&p.login)
            .map_err(|e| e.to_string())?
            .into_iter()
            .find(|m| m.id == p.payment_method_id)
            .ok_or_else(|| format!("payment method `{}` was not found", p.payment_method_id))?;
        Ok(Submission {
            key,
            utility: p.utility.clone(),
            payment_id: p.id.clone(),
            source: p.source,
            charge: ChargeType::of(p.method),
            method: p.method,
            token: method.token,
            total: p.total,
            accounts: p
                .allocation
                .accounts
                .iter()
                .map(|a| a.account.clone())
                .collect(),
        })
    }

    /// Marks the payment of `submission` submitted if it is still pending
    /// (one conditional update in the store), with its audit event; false
    /// when it is not (another runner marked it, or a result moved it),
    /// then only the reference is kept if it had none. `login` is the
    /// payment's, as listed (a payment's login, key, amount and accounts
    /// never change).
    fn mark_submitted(
        &self,
        tx: &mut dyn Tx,
        submission: &Submission,
        login: &str,
        receipt: &SubmitReceipt,
        now: DateTime<Utc>,
    ) -> Result<bool, PortalError> {
        let payment_id = submission.payment_id.as_str();
        if !tx.mark_payment_submitted(self.utility(), payment_id, &receipt.reference, now)? {
            if let Some(mut p) = tx.payment(self.utility(), payment_id)? {
                if p.status != PaymentStatus::Pending && p.settlement.reference.is_none() {
                    p.settlement.reference = Some(receipt.reference.clone());
                    tx.update_payment(&p)?;
                }
            }
            return Ok(false);
        }
        tx.append_audit(&self.event(
            AuditKind::PaymentSubmitted,
            now,
            Some(login),
            submission.accounts.first().map(String::as_str),
            format!(
                "payment {} ({}) of {} submitted, reference {}",
                payment_id,
                submission.key,
                submission.total.to_decimal_string(),
                receipt.reference
            ),
        ))?;
        Ok(true)
    }

    /// Records a result the processor reported: settles the payment, or
    /// returns or declines it (its allocation reversed, the charges it paid
    /// reopened on every account it touched, the profile's returned-payment
    /// fee charged once for a return, and for an AutoPay draft the retry
    /// rules applied). A result the payment already has changes nothing
    /// ([`ResultEffect::Duplicate`]); one that contradicts its state (a
    /// settlement after a return) is ignored and audited
    /// ([`ResultEffect::Ignored`]). An unknown key, or a return of a card
    /// charge (a decline of an ACH debit), is refused and changes nothing.
    pub fn record_result(
        &self,
        result: &ProcessorResult,
        now: DateTime<Utc>,
    ) -> Result<RecordedResult, PortalError> {
        let as_of = now.with_timezone(&self.profile.time_zone()).date_naive();
        let (recorded, written) = self.transact(|tx| {
            let mut p = tx
                .payment_by_processor_key(self.utility(), &result.key)?
                .ok_or_else(|| PortalError::not_found("payment with key", &result.key))?;
            check_outcome(&p, &result.outcome)?;
            let next = result.outcome.status();
            let mut recorded = RecordedResult {
                payment_id: p.id.clone(),
                status: p.status,
                effect: ResultEffect::Duplicate,
                returned_fee: None,
                autopay: None,
            };
            if p.status == next {
                return Ok((recorded, None));
            }
            if !p.status.accepts(next) {
                tx.append_audit(&self.event(
                    AuditKind::PaymentResultIgnored,
                    now,
                    Some(&p.login),
                    first_account(&p),
                    format!(
                        "payment {} is {}: a later `{next}` result for key {} was ignored",
                        p.id, p.status, result.key
                    ),
                ))?;
                recorded.effect = ResultEffect::Ignored;
                return Ok((recorded, None));
            }
            if p.settlement.reference.is_none() {
                p.settlement.reference.clone_from(&result.reference);
            }
            p.settlement.message.clone_from(&result.message);
            p.status = next;
            recorded.status = next;
            recorded.effect = ResultEffect::Applied;
            let mut written = None;
            match &result.outcome {
                ProcessorOutcome::Settled { on } => {
                    p.settlement.settled_at = Some(now);
                    p.settlement.settled_on = Some(*on);
                    tx.update_payment(&p)?;
                    tx.append_audit(&self.event(
                        AuditKind::PaymentSettled,
                        now,
                        Some(&p.login),
                        first_account(&p),
                        format!(
                            "payment {} of {} settled on {on}",
                            p.id,
                            p.total.to_decimal_string()
                        ),
                    ))?;
                }
                ProcessorOutcome::Returned { code } => {
                    p.settlement.failed_at = Some(now);
                    p.settlement.return_code = Some(*code);
                    let failed = self.fail_payment(tx, &mut p, as_of, now)?;
                    recorded.returned_fee = failed.fee;
                    recorded.autopay = failed.autopay;
                    written = failed.written;
                }
                ProcessorOutcome::Declined { reason } => {
                    p.settlement.failed_at = Some(now);
                    p.settlement.decline = Some(*reason);
                    let failed = self.fail_payment(tx, &mut p, as_of, now)?;
                    recorded.autopay = failed.autopay;
                    written = failed.written;
                }
            }
            Ok((recorded, written))
        })?;
        self.deliver_written(written.as_slice(), now);
        Ok(recorded)
    }
}

/// The first account a payment touched (for the audit event).
pub(super) fn first_account(p: &PaymentRow) -> Option<&str> {
    p.allocation.accounts.first().map(|a| a.account.as_str())
}

/// Refuses a return of a card charge and a decline of an ACH debit.
fn check_outcome(p: &PaymentRow, outcome: &ProcessorOutcome) -> Result<(), PortalError> {
    let charge = ChargeType::of(p.method);
    let wrong = match (outcome, charge) {
        (ProcessorOutcome::Returned { .. }, ChargeType::Card) => {
            Some("a card charge is declined, not returned; report `declined`")
        }
        (ProcessorOutcome::Declined { .. }, ChargeType::AchDebit) => {
            Some("an ACH debit is returned with a return code, not declined; report `returned`")
        }
        _ => None,
    };
    match wrong {
        Some(message) => Err(PortalError::Invalid {
            field: "outcome",
            message: message.into(),
        }),
        None => Ok(()),
    }
}
