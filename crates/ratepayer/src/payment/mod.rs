//! Payments (issue "Convenience fees and payments", items 5 and 6): account
//! numbers as customers type them, the one-time payment form that needs no
//! registration (seed 001), and the allocation of a payment over linked
//! accounts and their open charges (seeds 003 and 004).
//!
//! This module owns [`AllocationError`] and the text rendering of a
//! [`PaymentAllocation`]; the rules live in the submodules.
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use ratepayer::payment::{normalize, AccountNumberFormat};
//!
//! let n = normalize(" 65821 - 672430 ", &AccountNumberFormat::default())?;
//! assert_eq!(n.as_str(), "00065821-0672430");
//! assert_eq!(n.customer(), Some("00065821"));
//! assert_eq!(n.account(), "0672430");
//! # Ok(())
//! # }
//! ```

pub mod account_number;
pub mod allocation;
pub mod one_time;

#[cfg(test)]
mod tests;

use std::fmt;

use thiserror::Error;

use crate::money::{Currency, Money, MoneyError};

pub use account_number::{normalize, AccountNumber, AccountNumberError, AccountNumberFormat};
pub use allocation::{
    allocate, AccountAllocation, AccountDue, AccountStatus, AllocatedItem, AllocationPolicy,
    ChargeKind, OpenCharge, PaymentAllocation, PaymentTarget, SplitPart,
};
pub use one_time::{
    emails_match, validate_email, EmailError, FormError, OneTimePayer, OneTimePaymentForm,
};

/// A utility's payment settings, as its profile's `[payments]` section holds them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaymentPolicy {
    /// The order a payment pays an account's open charges in.
    #[serde(default)]
    pub allocation: AllocationPolicy,
    /// How the utility writes account numbers.
    #[serde(default)]
    pub account_number: AccountNumberFormat,
    /// The fee charged to the account when a bank returns a payment or an
    /// AutoPay draft (an NSF or returned-payment fee), in the profile's
    /// currency, for example `returned_payment_fee = 25.00`; none when left
    /// out. Charged once per return, never for a card decline.
    #[serde(
        default,
        with = "crate::money::serde_decimal::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub returned_payment_fee: Option<rust_decimal::Decimal>,
}

/// Why a payment could not be allocated. [`AllocationError::code`] is a
/// stable machine code; the message is English and says how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AllocationError {
    /// The payment is zero or below.
    #[error("A payment must be above zero, not {amount}; enter a larger amount")]
    NotPositive {
        /// The amount given.
        amount: Money,
    },
    /// More digits after the point than the currency has.
    #[error("{amount} cannot be paid: {} amounts have at most {} digits after the decimal point; round it", .amount.currency(), .amount.currency().minor_units())]
    TooPrecise {
        /// The amount given.
        amount: Money,
    },
    /// The payment's currency is not the account's.
    #[error("Account {account} is billed in {expected}, but the payment is in {found}; pay in {expected}")]
    CurrencyMismatch {
        /// The account.
        account: String,
        /// Its currency.
        expected: Currency,
        /// The payment's (or the split part's) currency.
        found: Currency,
    },
    /// No linked account has this id.
    #[error("Account {account} is not one of the accounts linked to this login; choose a linked account, or link it first")]
    UnknownAccount {
        /// The id given.
        account: String,
    },
    /// The account is closed (seed 004).
    #[error("Account {account} is closed: the balance of a closed account cannot be paid online. Please contact Customer Service to pay it")]
    AccountClosed {
        /// The closed account.
        account: String,
    },
    /// The same account twice in a split.
    #[error("Account {account} appears more than once in the split payment; enter one amount per account")]
    DuplicateAccount {
        /// The repeated account.
        account: String,
    },
    /// The same account twice in the linked-account list (a data error).
    #[error("Account {account} is listed twice among the linked accounts; list each account once")]
    DuplicateLinkedAccount {
        /// The repeated account.
        account: String,
    },
    /// A split with no account.
    #[error("A split payment needs at least one account and amount; choose the accounts to pay")]
    EmptySplit,
    /// A split part of zero or below.
    #[error("The amount for account {account} must be above zero, not {amount}; enter a larger amount or leave the account out")]
    SplitPartNotPositive {
        /// The account.
        account: String,
        /// The amount given for it.
        amount: Money,
    },
    /// Split parts that do not add up to the payment.
    #[error("The amounts for the accounts add up to {parts}, but the payment is {amount}; make them add up to the payment")]
    SplitMismatch {
        /// Their sum.
        parts: Money,
        /// The payment.
        amount: Money,
    },
    /// Paying the total due with another amount.
    #[error("The total due on your active accounts is {expected}, not {amount}; pay {expected}, or pay chosen amounts to chosen accounts")]
    TotalMismatch {
        /// The total due.
        expected: Money,
        /// The payment.
        amount: Money,
    },
    /// Paying the total due when nothing is due.
    #[error("Nothing is due on your active accounts, so there is no total to pay; to pay ahead, pay an amount to one account")]
    NothingDue,
    /// An open charge that cannot be paid (a data error).
    #[error("Charge {charge} of account {account} cannot be paid: {reason}")]
    InvalidCharge {
        /// The account.
        account: String,
        /// The charge's id.
        charge: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Money arithmetic failed (overflow).
    #[error(transparent)]
    Money(#[from] MoneyError),
}

impl AllocationError {
    /// A stable machine code such as `"payment.account_closed"`.
    pub fn code(&self) -> &'static str {
        match self {
            AllocationError::NotPositive { .. } => "payment.not_positive",
            AllocationError::TooPrecise { .. } => "payment.too_precise",
            AllocationError::CurrencyMismatch { .. } => "payment.currency_mismatch",
            AllocationError::UnknownAccount { .. } => "payment.unknown_account",
            AllocationError::AccountClosed { .. } => "payment.account_closed",
            AllocationError::DuplicateAccount { .. } => "payment.duplicate_account",
            AllocationError::DuplicateLinkedAccount { .. } => "payment.duplicate_linked_account",
            AllocationError::EmptySplit => "payment.empty_split",
            AllocationError::SplitPartNotPositive { .. } => "payment.split_part_not_positive",
            AllocationError::SplitMismatch { .. } => "payment.split_mismatch",
            AllocationError::TotalMismatch { .. } => "payment.total_mismatch",
            AllocationError::NothingDue => "payment.nothing_due",
            AllocationError::InvalidCharge { .. } => "payment.invalid_charge",
            AllocationError::Money(_) => "payment.arithmetic",
        }
    }
}

impl fmt::Display for PaymentAllocation {
    /// One block per account: its charges in the order paid (due date, kind,
    /// id, applied, remaining), its credit, then the total.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let id_width = self
            .accounts
            .iter()
            .flat_map(|a| a.items.iter().map(|i| i.charge_id.chars().count()))
            .chain([6])
            .max()
            .unwrap_or(6);
        writeln!(f, "Payment of {}", self.total)?;
        for a in &self.accounts {
            writeln!(f, "Account {}: {}", a.account, a.paid)?;
            writeln!(
                f,
                "  {:<10}  {:<7}  {:<id_width$}  {:>12}  {:>12}",
                "Due", "Kind", "Charge", "Applied", "Remaining"
            )?;
            for i in &a.items {
                writeln!(
                    f,
                    "  {:<10}  {:<7}  {:<id_width$}  {:>12}  {:>12}",
                    i.due_date.to_string(),
                    i.kind.as_str(),
                    i.charge_id,
                    i.applied.to_decimal_string(),
                    i.remaining.to_decimal_string()
                )?;
            }
            writeln!(
                f,
                "  {:<w$}  {:>12}",
                "Credit",
                a.credit.to_decimal_string(),
                w = 10 + 2 + 7 + 2 + id_width
            )?;
        }
        write!(f, "TOTAL {}", self.total)
    }
}
