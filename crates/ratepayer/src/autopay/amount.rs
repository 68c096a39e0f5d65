//! The amount of a draft: the statement amount at bill time (the default) or
//! the balance at draft time, refused above the customer's maximum (the
//! customer is told to pay that bill by hand), plus the convenience fee for
//! the method from the utility's fee schedule.

use serde::{Deserialize, Serialize};

use super::AutopayError;
use crate::fees::{Channel, FeeSchedule, PaymentMethod};
use crate::Money;

/// Which amount is drafted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum AmountBasis {
    /// The amount on the statement when the bill was issued.
    #[default]
    Statement,
    /// The account's balance on the draft date (payments since the bill reduce it).
    BalanceAtDraft,
}

/// What happens on a draft date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum DraftDecision {
    /// Draft `total` = `amount` + `fee`.
    Draft {
        /// Paid to the utility.
        amount: Money,
        /// Convenience fee for the method.
        fee: Money,
        /// Charged to the customer.
        total: Money,
    },
    /// Nothing to draft: the balance is zero or a credit.
    NothingDue,
    /// Above the customer's maximum: not drafted; the customer pays by hand.
    AboveMaximum {
        /// The amount due.
        amount: Money,
        /// The customer's maximum.
        maximum: Money,
        /// What the customer is told.
        message: String,
    },
}

/// Decides the draft for a bill: `statement` is the amount billed,
/// `balance_at_draft` the balance on the draft date (needed for
/// [`AmountBasis::BalanceAtDraft`]), `maximum` the customer's cap.
pub fn draft_amount(
    basis: AmountBasis,
    statement: Money,
    balance_at_draft: Option<Money>,
    maximum: Option<Money>,
    fees: &FeeSchedule,
    channel: Channel,
    method: PaymentMethod,
) -> Result<DraftDecision, AutopayError> {
    let amount = match basis {
        AmountBasis::Statement => statement,
        AmountBasis::BalanceAtDraft => balance_at_draft.ok_or(AutopayError::InvalidRule {
            field: "balance_at_draft",
            reason: "the plan drafts the balance at draft time; give the balance on the draft date"
                .into(),
        })?,
    };
    if amount.is_negative() || amount.amount().is_zero() {
        return Ok(DraftDecision::NothingDue);
    }
    if let Some(max) = maximum {
        if max.currency() != amount.currency() {
            return Err(AutopayError::InvalidRule {
                field: "maximum",
                reason: format!(
                    "the maximum is in {}, the bill in {}",
                    max.currency(),
                    amount.currency()
                ),
            });
        }
        if amount.amount() > max.amount() {
            return Ok(DraftDecision::AboveMaximum {
                amount,
                maximum: max,
                message: format!(
                    "Your bill of {amount} is above your AutoPay maximum of {max}, so it will not be drafted. Please pay it by the due date, or raise your maximum."
                ),
            });
        }
    }
    let quote = fees.quote(amount, channel, method, 1)?;
    Ok(DraftDecision::Draft {
        amount: quote.amount,
        fee: quote.fee,
        total: quote.total,
    })
}
