//! Payments over linked accounts (seeds 003 and 004): the customer pays the
//! total due, one account, or chosen amounts to chosen accounts; within an
//! account the payment goes to open charges in the utility's
//! [`AllocationPolicy`] order, and what is left becomes a credit. A closed
//! account cannot be paid online. This module owns those types and [`allocate`].

use std::collections::HashSet;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::AllocationError;
use crate::money::{Currency, Money};

/// Whether an account can still be paid online.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountStatus {
    /// Service is on: payments are accepted.
    Active,
    /// Service ended: its balance is paid through customer service (seed 004).
    Closed,
}

/// What an open charge is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChargeKind {
    /// A late-payment fee.
    Penalty,
    /// The unpaid part of a bill's charges.
    Balance,
}

impl ChargeKind {
    /// `"penalty"` or `"balance"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ChargeKind::Penalty => "penalty",
            ChargeKind::Balance => "balance",
        }
    }
}

/// One unpaid charge of an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenCharge {
    /// Its id, unique within the account (ties in the order are broken by it).
    pub id: String,
    /// Penalty or bill balance.
    pub kind: ChargeKind,
    /// Date of the bill it belongs to.
    pub bill_date: NaiveDate,
    /// When it is due; it is past due from the day after.
    pub due_date: NaiveDate,
    /// What is still unpaid: zero or more, in the account's currency and minor units.
    pub amount: Money,
}

/// A linked account with its open charges, as the home page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountDue {
    /// The account's id as the portal shows it, typically its canonical
    /// account number ([`super::AccountNumber::as_str`]).
    pub account: String,
    /// Active or closed.
    pub status: AccountStatus,
    /// The currency it is billed in.
    pub currency: Currency,
    /// Its unpaid charges, in any order.
    pub charges: Vec<OpenCharge>,
}

impl AccountDue {
    /// The sum of its open charges (zero when there are none).
    pub fn amount_due(&self) -> Result<Money, AllocationError> {
        Ok(Money::sum(
            self.currency,
            self.charges.iter().map(|c| &c.amount),
        )?)
    }

    /// Checks each charge: in the account's currency, zero or more, no more
    /// digits than the currency's minor units, ids unique.
    pub fn validate(&self) -> Result<(), AllocationError> {
        let mut ids = HashSet::new();
        for c in &self.charges {
            let bad = |reason| AllocationError::InvalidCharge {
                account: self.account.clone(),
                charge: c.id.clone(),
                reason,
            };
            if c.amount.currency() != self.currency {
                return Err(bad("it is not in the account's currency"));
            }
            if c.amount.is_negative() {
                return Err(bad("its amount is below zero; record credits separately"));
            }
            if !c.amount.is_rounded() {
                return Err(bad(
                    "its amount has more digits than the currency's minor units",
                ));
            }
            if !ids.insert(c.id.as_str()) {
                return Err(bad("another charge of the account has the same id"));
            }
        }
        Ok(())
    }
}

/// One account and the amount to put on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SplitPart {
    /// The account's id.
    pub account: String,
    /// The amount for it, above zero.
    pub amount: Money,
}

/// What the customer chose to pay (seed 003).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentTarget {
    /// The full amount due of every active account.
    TotalDue,
    /// Any amount to one account; beyond its amount due it becomes a credit.
    Account(String),
    /// Chosen amounts to chosen accounts; they must add up to the payment.
    Split(Vec<SplitPart>),
}

/// The order a payment pays an account's open charges in (a utility setting).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AllocationPolicy {
    /// Past-due charges (due date before the payment day), earliest due date
    /// first; then the others, oldest bill first.
    #[default]
    PastDueFirst,
    /// Oldest bill first, then earliest due date.
    OldestFirst,
    /// Penalties first, oldest bill first; then the rest, oldest bill first.
    PenaltiesFirst,
}

impl AllocationPolicy {
    /// `charges` in the order this policy pays them on `as_of`. Ties are
    /// broken by due or bill date, then by id, so the order is deterministic.
    pub fn ordered<'a>(&self, charges: &'a [OpenCharge], as_of: NaiveDate) -> Vec<&'a OpenCharge> {
        let key = |c: &'a OpenCharge| -> (u8, NaiveDate, NaiveDate, &'a str) {
            let oldest = |group| (group, c.bill_date, c.due_date, c.id.as_str());
            match self {
                AllocationPolicy::PastDueFirst if c.due_date < as_of => {
                    (0, c.due_date, c.bill_date, c.id.as_str())
                }
                AllocationPolicy::PastDueFirst => oldest(1),
                AllocationPolicy::OldestFirst => oldest(0),
                AllocationPolicy::PenaltiesFirst => oldest(u8::from(c.kind != ChargeKind::Penalty)),
            }
        };
        let mut out: Vec<&OpenCharge> = charges.iter().collect();
        out.sort_by(|a, b| key(a).cmp(&key(b)));
        out
    }
}

/// What a payment did to one charge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllocatedItem {
    /// The charge's id.
    pub charge_id: String,
    /// Penalty or balance.
    pub kind: ChargeKind,
    /// The charge's due date.
    pub due_date: NaiveDate,
    /// Paid on it by this payment (zero or more).
    pub applied: Money,
    /// Still unpaid after it.
    pub remaining: Money,
}

/// What a payment did to one account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountAllocation {
    /// The account's id.
    pub account: String,
    /// The part of the payment put on this account (items + credit).
    pub paid: Money,
    /// Every open charge of the account, in policy order.
    pub items: Vec<AllocatedItem>,
    /// What is left after every charge is paid: a credit on the account.
    pub credit: Money,
}

/// An itemised payment: per account, per charge. [`std::fmt::Display`]
/// renders it as a text table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaymentAllocation {
    /// The accounts paid, in the order of the target (linked-account order
    /// for the total due).
    pub accounts: Vec<AccountAllocation>,
    /// The payment: the sum of every account's `paid`.
    pub total: Money,
}

/// Splits `amount` over `accounts` as `target` asks, each account's part
/// over its charges in `policy` order on `as_of`.
///
/// `TotalDue` pays each active account its amount due (closed accounts are
/// left out, accounts owing nothing are not listed); `amount` must equal
/// their sum. `Account` puts all of `amount` on one account. `Split` puts
/// each part on its account; parts must add up to `amount`. Within an
/// account, what is left after every charge is paid becomes its credit.
pub fn allocate(
    accounts: &[AccountDue],
    target: &PaymentTarget,
    amount: Money,
    policy: AllocationPolicy,
    as_of: NaiveDate,
) -> Result<PaymentAllocation, AllocationError> {
    if amount.is_negative() || amount.amount().is_zero() {
        return Err(AllocationError::NotPositive { amount });
    }
    if !amount.is_rounded() {
        return Err(AllocationError::TooPrecise { amount });
    }
    let mut seen = HashSet::new();
    if let Some(dup) = accounts.iter().find(|a| !seen.insert(a.account.as_str())) {
        return Err(AllocationError::DuplicateLinkedAccount {
            account: dup.account.clone(),
        });
    }
    let plan = plan(accounts, target, amount)?;
    let allocated = plan
        .into_iter()
        .map(|(account, pay)| pay_account(account, pay, policy, as_of))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(PaymentAllocation {
        accounts: allocated,
        total: amount,
    })
}

/// Finds a payable account: linked, in the payment's currency, active, valid.
fn payable<'a>(
    accounts: &'a [AccountDue],
    id: &str,
    currency: Currency,
) -> Result<&'a AccountDue, AllocationError> {
    let account = accounts.iter().find(|a| a.account == id).ok_or_else(|| {
        AllocationError::UnknownAccount {
            account: id.to_string(),
        }
    })?;
    if account.status == AccountStatus::Closed {
        return Err(AllocationError::AccountClosed {
            account: id.to_string(),
        });
    }
    if account.currency != currency {
        return Err(AllocationError::CurrencyMismatch {
            account: id.to_string(),
            expected: account.currency,
            found: currency,
        });
    }
    account.validate()?;
    Ok(account)
}

/// Which account gets how much.
fn plan<'a>(
    accounts: &'a [AccountDue],
    target: &PaymentTarget,
    amount: Money,
) -> Result<Vec<(&'a AccountDue, Money)>, AllocationError> {
    let currency = amount.currency();
    match target {
        PaymentTarget::Account(id) => Ok(vec![(payable(accounts, id, currency)?, amount)]),
        PaymentTarget::TotalDue => {
            let mut out = Vec::new();
            for a in accounts
                .iter()
                .filter(|a| a.status == AccountStatus::Active)
            {
                let a = payable(accounts, &a.account, currency)?;
                let due = a.amount_due()?;
                if due.amount() > Decimal::ZERO {
                    out.push((a, due));
                }
            }
            let expected = Money::sum(currency, out.iter().map(|(_, m)| m))?;
            if out.is_empty() {
                return Err(AllocationError::NothingDue);
            }
            if expected.amount() != amount.amount() {
                return Err(AllocationError::TotalMismatch { expected, amount });
            }
            Ok(out)
        }
        PaymentTarget::Split(parts) => {
            if parts.is_empty() {
                return Err(AllocationError::EmptySplit);
            }
            let mut out = Vec::new();
            let mut seen = HashSet::new();
            for part in parts {
                let account = payable(accounts, &part.account, currency)?;
                if !seen.insert(part.account.as_str()) {
                    return Err(AllocationError::DuplicateAccount {
                        account: part.account.clone(),
                    });
                }
                if part.amount.currency() != currency {
                    return Err(AllocationError::CurrencyMismatch {
                        account: part.account.clone(),
                        expected: currency,
                        found: part.amount.currency(),
                    });
                }
                if part.amount.is_negative() || part.amount.amount().is_zero() {
                    return Err(AllocationError::SplitPartNotPositive {
                        account: part.account.clone(),
                        amount: part.amount,
                    });
                }
                if !part.amount.is_rounded() {
                    return Err(AllocationError::TooPrecise {
                        amount: part.amount,
                    });
                }
                out.push((account, part.amount));
            }
            let parts_total = Money::sum(currency, parts.iter().map(|p| &p.amount))?;
            if parts_total.amount() != amount.amount() {
                return Err(AllocationError::SplitMismatch {
                    parts: parts_total,
                    amount,
                });
            }
            Ok(out)
        }
    }
}

/// Pays `pay` over the account's charges in policy order; the rest is credit.
fn pay_account(
    account: &AccountDue,
    pay: Money,
    policy: AllocationPolicy,
    as_of: NaiveDate,
) -> Result<AccountAllocation, AllocationError> {
    let mut left = pay;
    let mut items = Vec::with_capacity(account.charges.len());
    for charge in policy.ordered(&account.charges, as_of) {
        let applied = if left.amount() < charge.amount.amount() {
            left
        } else {
            charge.amount
        };
        left = left.checked_sub(&applied)?;
        items.push(AllocatedItem {
            charge_id: charge.id.clone(),
            kind: charge.kind,
            due_date: charge.due_date,
            applied,
            remaining: charge.amount.checked_sub(&applied)?,
        });
    }
    Ok(AccountAllocation {
        account: account.account.clone(),
        paid: pay,
        items,
        credit: left,
    })
}
