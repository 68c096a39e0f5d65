//! Code budgets: how many codes went to one contact for one purpose in the
//! current hour, and how many tries of them failed. A new code carries the
//! failures of the hour's earlier codes (a new code never buys more
//! guesses), and no more than `max_sends_per_hour` codes go to a contact in
//! an hour (no SMS pumping or mail bombing through the portal). Kept as a
//! [`SecurityRow`] under a keyed digest of purpose and contact.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::{Portal, PortalError};
use crate::store::{SecurityKind, SecurityRow, Tx};
use ratepayer::security::{hex, keyed_digest};
use ratepayer::verification::code::{CodeError, CodeRecord};
use ratepayer::verification::{Contact, Purpose};

/// The window of a budget.
const WINDOW_MINUTES: i64 = 60;

/// Sends and failed tries for one purpose and contact in one window.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct CodeBudget {
    window_start: Option<DateTime<Utc>>,
    sends: u32,
    failures: u32,
}

impl CodeBudget {
    /// The budget at `now`: a window that has ended starts again.
    fn current(self, now: DateTime<Utc>) -> CodeBudget {
        match self.window_start {
            Some(start) if now < start + Duration::minutes(WINDOW_MINUTES) => self,
            _ => CodeBudget {
                window_start: Some(now),
                sends: 0,
                failures: 0,
            },
        }
    }

    fn retry_after_minutes(&self, now: DateTime<Utc>) -> u32 {
        let end = self.window_start.unwrap_or(now) + Duration::minutes(WINDOW_MINUTES);
        u32::try_from((end - now).num_minutes().max(1)).unwrap_or(1)
    }
}

impl Portal {
    fn budget_key(&self, purpose: Purpose, contact: &Contact) -> String {
        let message = format!("{}\0{}", purpose.as_str(), contact.as_str());
        hex(&keyed_digest(self.key(), message.as_bytes()))
    }

    fn load_budget(
        &self,
        tx: &mut dyn Tx,
        key: &str,
        now: DateTime<Utc>,
    ) -> Result<CodeBudget, PortalError> {
        let row = tx.security_record(self.utility(), SecurityKind::SendWindow, key)?;
        let budget: CodeBudget = row
            .and_then(|r| serde_json::from_value(r.data).ok())
            .unwrap_or_default();
        Ok(budget.current(now))
    }

    fn save_budget(
        &self,
        tx: &mut dyn Tx,
        key: String,
        budget: &CodeBudget,
        now: DateTime<Utc>,
    ) -> Result<(), PortalError> {
        let data = serde_json::to_value(budget)
            .map_err(|e| PortalError::Config(format!("a code budget could not be written: {e}")))?;
        tx.put_security_record(&SecurityRow {
            utility: self.utility().to_owned(),
            kind: SecurityKind::SendWindow,
            key,
            login: None,
            updated_at: now,
            data,
        })?;
        Ok(())
    }

    /// Counts a code about to go to `record`'s contact, refusing it when
    /// the hour's sends are spent or its earlier codes used up every try,
    /// and carries the hour's failures into `record`.
    pub(super) fn spend_code_budget(
        &self,
        tx: &mut dyn Tx,
        record: &mut CodeRecord,
        now: DateTime<Utc>,
    ) -> Result<(), PortalError> {
        let policy = &self.profile.spec().verification.codes;
        let key = self.budget_key(record.purpose(), record.contact());
        let mut budget = self.load_budget(tx, &key, now)?;
        if budget.sends >= policy.max_sends_per_hour || budget.failures >= policy.max_attempts {
            return Err(PortalError::Code(CodeError::SendLimit {
                retry_after_minutes: budget.retry_after_minutes(now),
            }));
        }
        budget.sends += 1;
        record.carry_failures(budget.failures);
        self.save_budget(tx, key, &budget, now)
    }

    /// Counts a contact change asked by `login`, refusing it when the
    /// login asked `max_sends_per_hour` of them this hour (each sends a
    /// code: no spraying codes at many new contacts).
    pub(super) fn spend_change_budget(
        &self,
        tx: &mut dyn Tx,
        login: &str,
        now: DateTime<Utc>,
    ) -> Result<(), PortalError> {
        let policy = &self.profile.spec().verification.codes;
        let message = format!("contact_change\0{login}");
        let key = hex(&keyed_digest(self.key(), message.as_bytes()));
        let mut budget = self.load_budget(tx, &key, now)?;
        if budget.sends >= policy.max_sends_per_hour {
            return Err(PortalError::Code(CodeError::SendLimit {
                retry_after_minutes: budget.retry_after_minutes(now),
            }));
        }
        budget.sends += 1;
        self.save_budget(tx, key, &budget, now)
    }

    /// Counts a failed try of a code for `purpose` and `contact`.
    pub(super) fn code_failed(
        &self,
        tx: &mut dyn Tx,
        purpose: Purpose,
        contact: &Contact,
        now: DateTime<Utc>,
    ) -> Result<(), PortalError> {
        let key = self.budget_key(purpose, contact);
        let mut budget = self.load_budget(tx, &key, now)?;
        budget.failures = budget.failures.saturating_add(1);
        self.save_budget(tx, key, &budget, now)
    }

    /// A code for `purpose` and `contact` was entered right: its failures
    /// are forgotten (the sends still count).
    pub(super) fn code_passed(
        &self,
        tx: &mut dyn Tx,
        purpose: Purpose,
        contact: &Contact,
        now: DateTime<Utc>,
    ) -> Result<(), PortalError> {
        let key = self.budget_key(purpose, contact);
        let mut budget = self.load_budget(tx, &key, now)?;
        budget.failures = 0;
        self.save_budget(tx, key, &budget, now)
    }
}
