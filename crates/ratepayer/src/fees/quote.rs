//! Fee quotes: what a payment will cost before the customer confirms it
//! (amount, fee, total, the fee-free ways to pay, a disclosure), and the
//! confirmation that refuses a quote the current schedule no longer gives.

use std::fmt;
use std::sync::Arc;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize, Serializer};

use super::schedule::{FeeSchedule, PaymentOption};
use super::spec::{Channel, FeeBasis, FeeKind, PaymentMethod};
use super::FeeError;
use crate::Money;

/// What a payment will cost, as shown to the customer before confirming.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FeeQuote {
    /// The amount paid to the utility.
    pub amount: Money,
    /// The fee on top of it.
    pub fee: Money,
    /// Amount plus fee: what the customer is charged.
    pub total: Money,
    /// Channel quoted.
    pub channel: Channel,
    /// Method quoted.
    pub method: PaymentMethod,
    /// Accounts the payment covers.
    pub accounts: u32,
    /// What kind of fee it is.
    pub kind: FeeKind,
    /// Ways to pay without any fee (empty when this one is free).
    pub fee_free_alternatives: Arc<[PaymentOption]>,
    /// The disclosure text to show next to the fee.
    pub disclosure: Arc<str>,
    /// Fingerprint of the schedule that gave the quote.
    #[serde(serialize_with = "hex")]
    pub schedule_fingerprint: u64,
}

fn hex<S: Serializer>(v: &u64, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&format_args!("{v:016x}"))
}

/// A payment the customer confirmed against a quote the schedule still gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfirmedPayment {
    /// The amount paid to the utility.
    pub amount: Money,
    /// The fee.
    pub fee: Money,
    /// What the customer is charged.
    pub total: Money,
    /// Channel.
    pub channel: Channel,
    /// Method.
    pub method: PaymentMethod,
}

impl FeeSchedule {
    /// Quotes a payment of `amount` by `method` through `channel`, covering
    /// `accounts` accounts (1 for a single account).
    pub fn quote(
        &self,
        amount: Money,
        channel: Channel,
        method: PaymentMethod,
        accounts: u32,
    ) -> Result<FeeQuote, FeeError> {
        if amount.currency() != self.currency {
            return Err(FeeError::Currency {
                given: amount.currency(),
                schedule: self.currency,
            });
        }
        if amount.amount() <= Decimal::ZERO {
            return Err(FeeError::NotPositive(amount));
        }
        if !amount.is_rounded() {
            return Err(FeeError::NotPayable(amount));
        }
        if accounts == 0 {
            return Err(FeeError::NoAccounts);
        }
        let rule = self
            .rule(channel, method)
            .ok_or_else(|| FeeError::NotAccepted {
                channel,
                method,
                accepted: self
                    .accepted()
                    .iter()
                    .filter(|o| o.channel == channel)
                    .map(|o| o.method.name())
                    .collect::<Vec<_>>()
                    .join(", "),
            })?;
        let overflow = || FeeError::Overflow;
        let mut fee = self
            .fee_for(&rule.spec.fee, amount.amount())
            .ok_or_else(overflow)?;
        if rule.spec.per == FeeBasis::Account && accounts > 1 {
            fee = fee
                .checked_mul(Decimal::from(accounts))
                .ok_or_else(overflow)?;
        }
        let fee = Money::new(fee, self.currency);
        let total = amount.checked_add(&fee).map_err(|_| FeeError::Overflow)?;
        Ok(FeeQuote {
            amount,
            fee,
            total,
            channel,
            method,
            accounts,
            kind: rule.spec.kind,
            fee_free_alternatives: if fee.amount().is_zero() {
                self.no_alternatives.clone()
            } else {
                self.fee_free.clone()
            },
            disclosure: rule.disclosure.clone(),
            schedule_fingerprint: self.fingerprint,
        })
    }

    /// Confirms the payment of a quote shown to the customer. Refused when
    /// the schedule changed since the quote, or the quote does not match what
    /// this schedule gives for its amount, channel and method.
    pub fn confirm(&self, shown: &FeeQuote) -> Result<ConfirmedPayment, FeeError> {
        if shown.schedule_fingerprint != self.fingerprint {
            return Err(FeeError::ScheduleChanged);
        }
        let now = self.quote(shown.amount, shown.channel, shown.method, shown.accounts)?;
        if now.fee != shown.fee || now.total != shown.total {
            return Err(FeeError::QuoteMismatch {
                shown_fee: shown.fee,
                fee: now.fee,
            });
        }
        Ok(ConfirmedPayment {
            amount: now.amount,
            fee: now.fee,
            total: now.total,
            channel: now.channel,
            method: now.method,
        })
    }
}

impl fmt::Display for FeeQuote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Payment by {} {}, for {} account(s)",
            self.method.label(),
            self.channel.phrase(),
            self.accounts
        )?;
        writeln!(f, "  Amount   {:>12}", self.amount.to_string())?;
        writeln!(f, "  Fee      {:>12}", self.fee.to_string())?;
        writeln!(f, "  Total    {:>12}", self.total.to_string())?;
        writeln!(f, "  {}", self.disclosure)?;
        Ok(())
    }
}
