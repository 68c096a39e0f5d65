//! Where a payment's money stands with the payment processor: its status
//! ([`PaymentStatus`]: pending → submitted → settled, or → returned /
//! declined) and what the processor reported, with when ([`Settlement`]).
//! The rules of which change is allowed live here too
//! ([`PaymentStatus::accepts`]), so every store and the portal agree.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use ratepayer::autopay::failures::{AchReturnCode, DraftFailure};

/// Where a payment (a portal payment or an AutoPay draft) stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentStatus {
    /// Recorded, not yet handed to the processor.
    Pending,
    /// Handed to the processor; its outcome is not known yet.
    Submitted,
    /// The processor settled it: the money arrived.
    Settled,
    /// The bank returned the ACH debit (a Nacha return code says why).
    Returned,
    /// The card issuer declined the charge.
    Declined,
}

impl PaymentStatus {
    /// Every status, in the order a payment moves through them.
    pub const ALL: [PaymentStatus; 5] = [
        PaymentStatus::Pending,
        PaymentStatus::Submitted,
        PaymentStatus::Settled,
        PaymentStatus::Returned,
        PaymentStatus::Declined,
    ];

    /// `"pending"`, `"submitted"`, `"settled"`, `"returned"` or `"declined"`.
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentStatus::Pending => "pending",
            PaymentStatus::Submitted => "submitted",
            PaymentStatus::Settled => "settled",
            PaymentStatus::Returned => "returned",
            PaymentStatus::Declined => "declined",
        }
    }

    /// The status of a record written before processors existed: settled,
    /// since that version booked every payment as final.
    pub fn legacy() -> PaymentStatus {
        PaymentStatus::Settled
    }

    /// True for returned and declined: the money did not arrive and the
    /// payment's allocation has been reversed. No result changes it again.
    pub fn is_failed(self) -> bool {
        matches!(self, PaymentStatus::Returned | PaymentStatus::Declined)
    }

    /// True while the payment still counts against what is due: pending,
    /// submitted or settled.
    pub fn counts(self) -> bool {
        !self.is_failed()
    }

    /// Whether a processor result moving a payment from `self` to `next` is
    /// a change the portal makes: pending or submitted may settle, be
    /// returned or be declined (a result may beat the mark of the
    /// submission, after a crash); a settled ACH debit may still be
    /// returned; nothing else. A result whose status the payment already
    /// has is a duplicate, not a change.
    pub fn accepts(self, next: PaymentStatus) -> bool {
        use PaymentStatus::*;
        matches!(
            (self, next),
            (Pending | Submitted, Settled | Returned | Declined) | (Settled, Returned)
        )
    }
}

impl std::fmt::Display for PaymentStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a card issuer declined a charge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeclineReason {
    /// A soft decline (insufficient funds, issuer unavailable): the profile's
    /// card retry schedule may try again.
    Soft,
    /// A hard decline (stolen, closed, do not honour): never retried.
    Hard,
    /// The card had expired.
    CardExpired,
}

impl DeclineReason {
    /// The draft failure it is, for the retry rules.
    pub fn failure(self) -> DraftFailure {
        match self {
            DeclineReason::Soft => DraftFailure::CardDecline { soft: true },
            DeclineReason::Hard => DraftFailure::CardDecline { soft: false },
            DeclineReason::CardExpired => DraftFailure::CardExpired,
        }
    }

    /// `"soft"`, `"hard"` or `"card_expired"`.
    pub fn as_str(self) -> &'static str {
        match self {
            DeclineReason::Soft => "soft",
            DeclineReason::Hard => "hard",
            DeclineReason::CardExpired => "card_expired",
        }
    }
}

/// What the processor reported about a payment, and when. A field not
/// known yet is left out of its JSON (and read back as `None`): a payment
/// record is written once per AutoPay draft, and nine nulls were a sixth
/// of it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settlement {
    /// The processor's reference for the charge (from the submission).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// When it was marked submitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submitted_at: Option<DateTime<Utc>>,
    /// When the settlement was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settled_at: Option<DateTime<Utc>>,
    /// The day the processor says it settled (the ACH settlement date).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settled_on: Option<NaiveDate>,
    /// When the return or decline was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failed_at: Option<DateTime<Utc>>,
    /// The Nacha return reason code of a returned ACH debit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_code: Option<AchReturnCode>,
    /// Why a card charge was declined.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decline: Option<DeclineReason>,
    /// The processor's own words for a return or decline (for staff).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The returned-payment fee charged for a return (at most once).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub returned_fee_charge: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::PaymentStatus::{self, *};

    #[test]
    fn only_forward_changes_are_accepted() {
        let allowed = [
            (Pending, Settled),
            (Pending, Returned),
            (Pending, Declined),
            (Submitted, Settled),
            (Submitted, Returned),
            (Submitted, Declined),
            (Settled, Returned),
        ];
        for from in PaymentStatus::ALL {
            for to in PaymentStatus::ALL {
                assert_eq!(
                    from.accepts(to),
                    allowed.contains(&(from, to)),
                    "{from} -> {to}"
                );
            }
        }
        assert!(Returned.is_failed() && Declined.is_failed() && Settled.counts());
    }
}

#[cfg(test)]
mod legacy_tests {
    use chrono::{TimeZone, Utc};

    use super::{PaymentStatus, Settlement};
    use crate::store::{PaymentRow, PaymentSource};
    use ratepayer::fees::{Channel, PaymentMethod};
    use ratepayer::payment::PaymentAllocation;
    use ratepayer::{Currency, Money};

    /// A payment written before processors existed (no status, processor
    /// key or settlement) reads back settled, with no key.
    #[test]
    fn a_payment_from_before_processors_reads_as_settled() -> Result<(), serde_json::Error> {
        let zero = Money::zero(Currency::USD);
        let row = PaymentRow {
            id: "p1".into(),
            utility: "shelby".into(),
            login: "l1".into(),
            source: PaymentSource::Autopay,
            channel: Channel::Autopay,
            method: PaymentMethod::Echeck,
            payment_method_id: "m1".into(),
            amount: zero,
            fee: zero,
            total: zero,
            allocation: PaymentAllocation {
                accounts: Vec::new(),
                total: zero,
            },
            idempotency_key: Some("k".into()),
            at: Utc
                .timestamp_opt(1_700_000_000, 0)
                .single()
                .unwrap_or_default(),
            status: PaymentStatus::Pending,
            processor_key: Some("k".into()),
            settlement: Settlement::default(),
        };
        let mut json = serde_json::to_value(&row)?;
        if let Some(map) = json.as_object_mut() {
            for field in ["status", "processor_key", "settlement"] {
                map.remove(field);
            }
        }
        let old: PaymentRow = serde_json::from_value(json)?;
        assert_eq!(old.status, PaymentStatus::Settled);
        assert_eq!(old.processor_key, None);
        assert_eq!(old.settlement, Settlement::default());
        Ok(())
    }
}
