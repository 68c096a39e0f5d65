//! The AutoPay cycle with its hand-off to the processor pipelined: each
//! batch's drafts go to the processor as soon as the batch has committed,
//! on a second thread, while the cycle works the next batch.
//!
//! Nothing about exactly-once changes: a draft is claimed and recorded
//! pending in its batch's transaction as in [`Portal::run_autopay_cycle`],
//! and handed off as [`Portal::submit_pending`] does it (submitted under
//! its key, then marked submitted by a conditional update, with its audit
//! event, a batch per transaction). The hand-off reads a batch's payments
//! in a read transaction, so it does not hold off the cycle's writes; each
//! marking transaction takes its turn at the write lock between the
//! cycle's batches. Whatever is left pending (a processor refusal, a crash,
//! an error of the hand-off) goes with the next [`Portal::submit_pending`].

use chrono::{DateTime, NaiveDate, Utc};

use super::cycle::CycleReport;
use super::processor::{PaymentProcessor, PendingSubmission, SubmitReport};
use super::{Portal, PortalError};
use crate::store::PaymentStatus;

impl Portal {
    /// Runs the AutoPay cycle for `as_of` ([`Portal::run_autopay_cycle`])
    /// and hands each batch's drafts to `processor` as soon as the batch has
    /// committed, on a second thread, while the cycle works the next batch:
    /// the drafts reach the processor batch by batch, and on two cores the
    /// hand-off's reading and submitting overlap the cycle's work.
    ///
    /// Returns the cycle's report and the hand-off's (the drafts this run
    /// submitted; those the processor refused stay pending, listed in its
    /// failures). When the cycle fails its error is returned (its committed
    /// batches stand, and those batches' drafts were handed off or are
    /// pending); when the hand-off fails the cycle still finishes, then the
    /// hand-off's error is returned. Either way [`Portal::submit_pending`]
    /// sends what is left, under the same keys.
    pub fn run_autopay_cycle_and_submit(
        &self,
        as_of: NaiveDate,
        now: DateTime<Utc>,
        processor: &(dyn PaymentProcessor + Sync),
    ) -> Result<(CycleReport, SubmitReport), PortalError> {
        let (batches, received) = std::sync::mpsc::channel::<Vec<String>>();
        std::thread::scope(|scope| {
            let handoff = scope.spawn(move || -> Result<SubmitReport, PortalError> {
                let mut report = SubmitReport::default();
                for ids in received {
                    let chunk = self.pending_of(&ids)?;
                    self.submit_chunk(processor, &chunk, now, &mut report)?;
                }
                Ok(report)
            });
            let mut sent = 0;
            let cycle = self.run_autopay_cycle_observed(as_of, now, &mut |so_far| {
                let new: Vec<String> = so_far
                    .drafts
                    .get(sent..)
                    .unwrap_or_default()
                    .iter()
                    .map(|d| d.payment_id.clone())
                    .collect();
                sent = so_far.drafts.len();
                if !new.is_empty() {
                    // A hand-off that failed has stopped listening: its
                    // drafts stay pending for `submit_pending`.
                    let _ = batches.send(new);
                }
            });
            // The last batch is sent: the hand-off ends when it is done.
            drop(batches);
            // A processor that panicked panics here, as it would have in
            // `submit_pending` (its drafts not marked stay pending).
            let handed = handoff
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            let cycle = cycle?;
            Ok((cycle, handed?))
        })
    }

    /// The submissions of those of `ids` still pending, read in one read
    /// transaction (a payment another runner or a result moved meanwhile is
    /// left out).
    fn pending_of(&self, ids: &[String]) -> Result<Vec<PendingSubmission>, PortalError> {
        self.read(|tx| {
            let mut out = Vec::with_capacity(ids.len());
            for id in ids {
                if let Some(p) = tx.payment(self.utility(), id)? {
                    if p.status == PaymentStatus::Pending {
                        out.push((self.submission(tx, &p), p.id, p.login));
                    }
                }
            }
            Ok(out)
        })
    }
}
