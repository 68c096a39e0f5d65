//! Convenience fees: the payment channels and methods (mirrors of the core
//! enums), a quote shown before the customer confirms, and the confirmation
//! that refuses a quote the utility's schedule no longer gives.

use std::sync::Arc;

use ratepayer::fees::{self as core, FeeQuote as CoreQuote, PaymentOption as CoreOption};
use ratepayer::Money as CoreMoney;

use crate::money::{amount_of, currency, ExactDecimal};
use crate::profile::Profile;
use crate::RatepayerError;

/// A way a payment reaches the utility.
pub type Channel = core::Channel;

#[uniffi::remote(Enum)]
pub enum Channel {
    Online,
    MobileApp,
    PhoneAgent,
    AutomatedPhone,
    Autopay,
    InPerson,
    Mail,
    BankDraft,
}

/// How the customer pays.
pub type PaymentMethod = core::PaymentMethod;

#[uniffi::remote(Enum)]
pub enum PaymentMethod {
    CreditCard,
    DebitCard,
    PrepaidCard,
    Echeck,
    Cash,
    Check,
    MoneyOrder,
    StoredMethod,
}

/// What kind of fee a quote carries.
pub type FeeKind = core::FeeKind;

#[uniffi::remote(Enum)]
pub enum FeeKind {
    Convenience,
    Surcharge,
    ServiceFee,
}

/// A way to pay: a channel and a method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct PaymentOption {
    /// The channel.
    pub channel: Channel,
    /// The method.
    pub method: PaymentMethod,
}

/// What a payment will cost, shown to the customer before confirming.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct FeeQuote {
    /// The amount paid to the utility.
    pub amount: ExactDecimal,
    /// The fee on top of it.
    pub fee: ExactDecimal,
    /// Amount plus fee: what the customer is charged.
    pub total: ExactDecimal,
    /// ISO 4217 code of the three amounts.
    pub currency: String,
    /// Channel quoted.
    pub channel: Channel,
    /// Method quoted.
    pub method: PaymentMethod,
    /// Accounts the payment covers.
    pub accounts: u32,
    /// What kind of fee it is.
    pub kind: FeeKind,
    /// Ways to pay without any fee (empty when this one is free).
    pub fee_free_alternatives: Vec<PaymentOption>,
    /// The disclosure text to show next to the fee.
    pub disclosure: String,
    /// Fingerprint of the schedule that gave the quote (16 hex digits).
    pub schedule_fingerprint: String,
}

impl From<&CoreQuote> for FeeQuote {
    fn from(q: &CoreQuote) -> Self {
        FeeQuote {
            amount: amount_of(&q.amount),
            fee: amount_of(&q.fee),
            total: amount_of(&q.total),
            currency: q.amount.currency().code().to_string(),
            channel: q.channel,
            method: q.method,
            accounts: q.accounts,
            kind: q.kind,
            fee_free_alternatives: q
                .fee_free_alternatives
                .iter()
                .map(|o| PaymentOption {
                    channel: o.channel,
                    method: o.method,
                })
                .collect(),
            disclosure: q.disclosure.to_string(),
            schedule_fingerprint: format!("{:016x}", q.schedule_fingerprint),
        }
    }
}

/// One payment to quote in a batch (`Profile::quote_fees`): the arguments
/// of `Profile::quote_fee`.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct FeeRequest {
    /// The amount as the customer typed it, for example `"57.22"`.
    pub amount: String,
    /// The channel to quote.
    pub channel: Channel,
    /// The method to quote.
    pub method: PaymentMethod,
    /// Accounts the payment covers (1 for one account).
    pub accounts: u32,
}

/// A payment confirmed against a quote the schedule still gives.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ConfirmedPayment {
    /// The amount paid to the utility.
    pub amount: ExactDecimal,
    /// The fee.
    pub fee: ExactDecimal,
    /// What the customer is charged.
    pub total: ExactDecimal,
    /// ISO 4217 code of the three amounts.
    pub currency: String,
    /// Channel.
    pub channel: Channel,
    /// Method.
    pub method: PaymentMethod,
}

pub(crate) fn to_core(q: &FeeQuote) -> Result<CoreQuote, RatepayerError> {
    let c = currency(&q.currency)?;
    let fingerprint = u64::from_str_radix(&q.schedule_fingerprint, 16).map_err(|_| {
        RatepayerError::input(
            "input.fingerprint",
            "the quote's `schedule_fingerprint` is not the 16 hex digits a quote carries; get a new quote",
        )
    })?;
    let alternatives: Vec<CoreOption> = q
        .fee_free_alternatives
        .iter()
        .map(|o| CoreOption {
            channel: o.channel,
            method: o.method,
        })
        .collect();
    Ok(CoreQuote {
        amount: CoreMoney::new(q.amount, c),
        fee: CoreMoney::new(q.fee, c),
        total: CoreMoney::new(q.total, c),
        channel: q.channel,
        method: q.method,
        accounts: q.accounts,
        kind: q.kind,
        fee_free_alternatives: Arc::from(alternatives),
        disclosure: Arc::from(q.disclosure.as_str()),
        schedule_fingerprint: fingerprint,
    })
}

/// `Profile::quote_fee` on a schedule already fetched, shared by the batch.
fn quote(
    fees: &core::FeeSchedule,
    amount: &str,
    channel: Channel,
    method: PaymentMethod,
    accounts: u32,
) -> Result<FeeQuote, RatepayerError> {
    let money = CoreMoney::parse(amount, fees.currency())?;
    Ok(FeeQuote::from(
        &fees.quote(money, channel, method, accounts)?,
    ))
}

#[uniffi::export]
impl Profile {
    /// Quotes a payment of `amount` (as the customer typed it, for example
    /// `"57.22"`) by `method` through `channel` for `accounts` accounts (1 for
    /// one account). A malformed amount raises `RatepayerError.Money`; a
    /// method the channel does not accept raises `RatepayerError.Fee`.
    pub fn quote_fee(
        &self,
        amount: String,
        channel: Channel,
        method: PaymentMethod,
        accounts: u32,
    ) -> Result<FeeQuote, RatepayerError> {
        quote(
            self.core().fee_schedule()?,
            &amount,
            channel,
            method,
            accounts,
        )
    }

    /// Quotes many payments in one call: the quotes `quote_fee` gives for
    /// each request, in order. From Kotlin every call crosses JNA, which
    /// costs microseconds, several times what a quote costs in Rust
    /// (`bindings/kotlin/README.md`); an app quoting many payments at once
    /// (every accepted option for the typed amount, a batch of accounts)
    /// pays that once here. The first request `quote_fee` would refuse
    /// raises the same error (same code and detail), and no quote is
    /// returned.
    pub fn quote_fees(&self, requests: Vec<FeeRequest>) -> Result<Vec<FeeQuote>, RatepayerError> {
        let fees = self.core().fee_schedule()?;
        requests
            .iter()
            .map(|r| quote(fees, &r.amount, r.channel, r.method, r.accounts))
            .collect()
    }

    /// Confirms the payment of a quote shown to the customer; refused when
    /// the schedule changed since, or the quote is not what it gives.
    pub fn confirm_payment(&self, quote: FeeQuote) -> Result<ConfirmedPayment, RatepayerError> {
        let fees = self.core().fee_schedule()?;
        let p = fees.confirm(&to_core(&quote)?)?;
        Ok(ConfirmedPayment {
            amount: amount_of(&p.amount),
            fee: amount_of(&p.fee),
            total: amount_of(&p.total),
            currency: p.amount.currency().code().to_string(),
            channel: p.channel,
            method: p.method,
        })
    }

    /// Every channel and method the utility accepts.
    pub fn accepted_payment_options(&self) -> Result<Vec<PaymentOption>, RatepayerError> {
        Ok(self
            .core()
            .fee_schedule()?
            .accepted()
            .iter()
            .map(|o| PaymentOption {
                channel: o.channel,
                method: o.method,
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shelby_card_fee_is_quoted_and_confirmed() -> Result<(), RatepayerError> {
        let shelby = Profile::builtin("shelby".into())?;
        let q = shelby.quote_fee(
            "57.22".into(),
            Channel::Online,
            PaymentMethod::CreditCard,
            1,
        )?;
        assert_eq!(q.fee.to_string(), "3.75");
        assert_eq!(q.total.to_string(), "60.97");
        assert!(!q.fee_free_alternatives.is_empty());
        let paid = shelby.confirm_payment(q.clone())?;
        assert_eq!(paid.total.to_string(), "60.97");
        let tampered = FeeQuote {
            fee: ExactDecimal::ONE,
            ..q
        };
        assert!(matches!(
            shelby.confirm_payment(tampered),
            Err(RatepayerError::Fee { .. })
        ));
        Ok(())
    }

    #[test]
    fn a_batch_gives_the_quotes_and_the_first_error_of_single_calls() -> Result<(), RatepayerError>
    {
        let shelby = Profile::builtin("shelby".into())?;
        let requests: Vec<FeeRequest> = shelby
            .accepted_payment_options()?
            .into_iter()
            .flat_map(|o| {
                ["57.22", "0.01", "1200"].map(|amount| FeeRequest {
                    amount: amount.into(),
                    channel: o.channel,
                    method: o.method,
                    accounts: 2,
                })
            })
            .collect();
        let batch = shelby.quote_fees(requests.clone())?;
        assert_eq!(batch.len(), requests.len());
        for (r, q) in requests.iter().zip(&batch) {
            let single = shelby.quote_fee(r.amount.clone(), r.channel, r.method, r.accounts)?;
            assert_eq!(&single, q);
        }
        assert_eq!(shelby.quote_fees(Vec::new())?, Vec::new());
        let mut bad = requests;
        bad.insert(
            1,
            FeeRequest {
                amount: "12,34".into(),
                ..bad[0].clone()
            },
        );
        let single = shelby.quote_fee("12,34".into(), bad[1].channel, bad[1].method, 2);
        assert_eq!(shelby.quote_fees(bad).map(|_| ()), single.map(|_| ()));
        Ok(())
    }

    #[test]
    fn a_bad_typed_amount_is_a_money_error() -> Result<(), RatepayerError> {
        let shelby = Profile::builtin("shelby".into())?;
        let e = shelby.quote_fee(
            "12,34".into(),
            Channel::Online,
            PaymentMethod::CreditCard,
            1,
        );
        assert!(matches!(e, Err(RatepayerError::Money { .. })), "{e:?}");
        let e = shelby.quote_fee("-5".into(), Channel::Online, PaymentMethod::CreditCard, 1);
        assert!(matches!(e, Err(RatepayerError::Fee { .. })), "{e:?}");
        Ok(())
    }
}
