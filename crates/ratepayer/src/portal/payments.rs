//! Paying in the portal: stored payment methods (a processor's token and a
//! label, never a card or bank number), the fee quote shown before the
//! customer confirms, and the payment itself: confirmed against the quote,
//! split over the login's linked accounts, applied to their open charges and
//! recorded with an audit event, in one transaction.

use chrono::{DateTime, Utc};

use super::{Portal, PortalError};
use crate::autopay::CardExpiry;
use crate::fees::{Channel, FeeQuote, PaymentMethod};
use crate::payment::{allocate, AccountDue, PaymentAllocation, PaymentTarget};
use crate::store::{AuditKind, ChargeRow, PaymentMethodRow, PaymentRow, PaymentSource, Tx};
use crate::Money;

/// A payment method to store.
#[derive(Clone, PartialEq, Eq)]
pub struct NewPaymentMethod {
    /// Card or bank account kind.
    pub method: PaymentMethod,
    /// The payment processor's token (never the card or account number).
    pub token: String,
    /// What the customer sees, for example `"Visa ending 4242"`.
    pub label: String,
    /// A card's expiry (required for cards).
    pub card_expiry: Option<CardExpiry>,
}

impl std::fmt::Debug for NewPaymentMethod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewPaymentMethod")
            .field("method", &self.method)
            .field("token", &"<redacted>")
            .field("label", &self.label)
            .field("card_expiry", &self.card_expiry)
            .finish()
    }
}

/// A payment the customer confirms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentRequest {
    /// The total due, one account, or chosen parts per account.
    pub target: PaymentTarget,
    /// The stored method to pay with.
    pub payment_method_id: String,
    /// The quote the customer saw and confirmed.
    pub quote: FeeQuote,
}

/// A recorded payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentReceipt {
    /// The payment's id.
    pub payment_id: String,
    /// How it was split, per account and charge.
    pub allocation: PaymentAllocation,
    /// The convenience fee.
    pub fee: Money,
    /// Charged to the customer.
    pub total: Money,
}

/// The longest runs of digits a token or label may hold: a longer run could
/// be a card or bank account number.
const MAX_DIGIT_RUN: usize = 11;

fn longest_digit_run(text: &str) -> usize {
    text.split(|c: char| !(c.is_ascii_digit() || c == ' ' || c == '-'))
        .map(|part| part.chars().filter(char::is_ascii_digit).count())
        .max()
        .unwrap_or(0)
}

fn check_method(new: &NewPaymentMethod) -> Result<(), PortalError> {
    let invalid = |field, message: &str| PortalError::Invalid {
        field,
        message: message.to_owned(),
    };
    let token = new.token.trim();
    if token.is_empty() || token.len() > 128 || token.chars().any(|c| c.is_control()) {
        return Err(invalid(
            "token",
            "must be the payment processor's token, 1 to 128 printable characters",
        ));
    }
    if longest_digit_run(token) > MAX_DIGIT_RUN {
        return Err(invalid(
            "token",
            "looks like a card or bank account number; store the processor's token instead, never the number",
        ));
    }
    let label = new.label.trim();
    if label.is_empty() || label.chars().count() > 40 || longest_digit_run(label) > 4 {
        return Err(invalid(
            "label",
            "must be 1 to 40 characters with at most the last 4 digits of the number",
        ));
    }
    match (new.method.is_card(), new.card_expiry) {
        (true, None) => Err(invalid("card_expiry", "is required for a card")),
        (true, Some(e)) if e.last_day().is_none() => Err(invalid(
            "card_expiry",
            "must be a month 1 to 12 of a valid year",
        )),
        (false, Some(_)) => Err(invalid("card_expiry", "is for cards only")),
        _ if !matches!(
            new.method,
            PaymentMethod::CreditCard
                | PaymentMethod::DebitCard
                | PaymentMethod::PrepaidCard
                | PaymentMethod::Echeck
        ) =>
        {
            Err(invalid(
                "method",
                "only cards and bank accounts (echeck) can be stored",
            ))
        }
        _ => Ok(()),
    }
}

/// Refuses an account the login has no link to, or a closed one (its
/// balance is paid through customer service, never quoted online).
fn payable_account(dues: &[AccountDue], account: &str) -> Result<(), PortalError> {
    match dues.iter().find(|d| d.account == account) {
        None => Err(PortalError::not_found("linked account", account)),
        Some(d) if d.status == crate::payment::AccountStatus::Closed => {
            Err(PortalError::AccountClosed(account.to_owned()))
        }
        Some(_) => Ok(()),
    }
}

impl Portal {
    /// Stores a payment method (its token) for a login; returns its id.
    pub fn add_payment_method(
        &self,
        login_id: &str,
        new: &NewPaymentMethod,
        now: DateTime<Utc>,
    ) -> Result<String, PortalError> {
        check_method(new)?;
        let id = self.new_id()?;
        self.transact(|tx| {
            self.require_login(tx, login_id)?;
            tx.insert_payment_method(&PaymentMethodRow {
                id: id.clone(),
                login: login_id.to_owned(),
                method: new.method,
                token: new.token.trim().to_owned(),
                label: new.label.trim().to_owned(),
                card_expiry: new.card_expiry,
                added_at: now,
            })?;
            tx.append_audit(&self.event(
                AuditKind::PaymentMethodAdded,
                now,
                Some(login_id),
                None,
                format!("{} `{}` stored", new.method.label(), new.label.trim()),
            ))?;
            Ok(())
        })?;
        Ok(id)
    }

    pub(super) fn method_of(
        &self,
        tx: &mut dyn Tx,
        login_id: &str,
        id: &str,
    ) -> Result<PaymentMethodRow, PortalError> {
        tx.payment_methods(login_id)?
            .into_iter()
            .find(|m| m.id == id)
            .ok_or_else(|| PortalError::not_found("payment method", id))
    }

    /// The accounts a login may pay, with their open charges.
    fn dues(&self, tx: &mut dyn Tx, login_id: &str) -> Result<Vec<AccountDue>, PortalError> {
        let mut out = Vec::new();
        for link in tx.links_of_login(login_id)? {
            if link.utility != self.utility() {
                continue;
            }
            let row = tx
                .account(self.utility(), &link.account)?
                .ok_or_else(|| PortalError::not_found("account", &link.account))?;
            let charges = tx
                .charges(self.utility(), &link.account)?
                .into_iter()
                .map(|c| c.charge)
                .filter(|c| !c.amount.amount().is_zero())
                .collect();
            out.push(AccountDue {
                account: link.account,
                status: row.status,
                currency: row.currency,
                charges,
            });
        }
        Ok(out)
    }

    fn canonical_target(&self, target: &PaymentTarget) -> Result<PaymentTarget, PortalError> {
        Ok(match target {
            PaymentTarget::TotalDue => PaymentTarget::TotalDue,
            PaymentTarget::Account(a) => PaymentTarget::Account(self.canonical(a)?),
            PaymentTarget::Split(parts) => PaymentTarget::Split(
                parts
                    .iter()
                    .map(|p| {
                        Ok(crate::payment::SplitPart {
                            account: self.canonical(&p.account)?,
                            amount: p.amount,
                        })
                    })
                    .collect::<Result<_, PortalError>>()?,
            ),
        })
    }

    /// Quotes a payment of `amount` to `target` with a stored method through
    /// `channel`: what the customer reviews before confirming.
    pub fn quote_payment(
        &self,
        login_id: &str,
        target: &PaymentTarget,
        amount: Money,
        channel: Channel,
        payment_method_id: &str,
    ) -> Result<FeeQuote, PortalError> {
        let target = self.canonical_target(target)?;
        let fees = self.profile.fee_schedule()?;
        self.transact(|tx| {
            self.require_login(tx, login_id)?;
            let method = self.method_of(tx, login_id, payment_method_id)?;
            let dues = self.dues(tx, login_id)?;
            let accounts = match &target {
                PaymentTarget::TotalDue => dues
                    .iter()
                    .filter(|a| a.status == crate::payment::AccountStatus::Active)
                    .filter(|a| a.amount_due().is_ok_and(|m| !m.amount().is_zero()))
                    .count(),
                PaymentTarget::Account(a) => {
                    payable_account(&dues, a)?;
                    1
                }
                PaymentTarget::Split(parts) => {
                    for p in parts {
                        payable_account(&dues, &p.account)?;
                    }
                    parts.len()
                }
            };
            let accounts = u32::try_from(accounts.max(1)).unwrap_or(u32::MAX);
            Ok(fees.quote(amount, channel, method.method, accounts)?)
        })
    }

    /// Records a payment the customer confirmed: the quote must still be
    /// what the schedule gives, the method the login's, every account
    /// linked to the login and open; the payment is split over the accounts
    /// and their charges in the utility's order, and any excess becomes a
    /// credit. All in one transaction; a refusal changes nothing.
    pub fn pay(
        &self,
        login_id: &str,
        request: &PaymentRequest,
        now: DateTime<Utc>,
    ) -> Result<PaymentReceipt, PortalError> {
        let target = self.canonical_target(&request.target)?;
        let fees = self.profile.fee_schedule()?;
        let confirmed = fees.confirm(&request.quote)?;
        let as_of = now.with_timezone(&self.profile.time_zone()).date_naive();
        let payment_id = self.new_id()?;
        let (receipt, notify_to) = self.transact(|tx| {
            let login = self.require_login(tx, login_id)?;
            let method = self.method_of(tx, login_id, &request.payment_method_id)?;
            if method.method != confirmed.method {
                return Err(PortalError::Invalid {
                    field: "payment_method_id",
                    message: format!(
                        "is a {}, but the quote is for {}; quote again with this method",
                        method.method.label(),
                        confirmed.method.label()
                    ),
                });
            }
            let dues = self.dues(tx, login_id)?;
            if let PaymentTarget::Account(a) = &target {
                if !dues.iter().any(|d| &d.account == a) {
                    return Err(PortalError::not_found("linked account", a));
                }
            }
            let allocation = allocate(
                &dues,
                &target,
                confirmed.amount,
                self.profile.spec().payments.allocation,
                as_of,
            )?;
            self.apply(tx, &allocation)?;
            tx.insert_payment(&PaymentRow {
                id: payment_id.clone(),
                utility: self.utility().to_owned(),
                login: login_id.to_owned(),
                source: PaymentSource::Portal,
                channel: confirmed.channel,
                method: confirmed.method,
                payment_method_id: method.id.clone(),
                amount: confirmed.amount,
                fee: confirmed.fee,
                total: confirmed.total,
                allocation: allocation.clone(),
                idempotency_key: None,
                at: now,
            })?;
            tx.append_audit(&self.event(
                AuditKind::PaymentMade,
                now,
                Some(login_id),
                None,
                format!(
                    "payment {payment_id}: {} + fee {} = {} by {} over {} account(s)",
                    confirmed.amount.to_decimal_string(),
                    confirmed.fee.to_decimal_string(),
                    confirmed.total.to_decimal_string(),
                    confirmed.method.name(),
                    allocation.accounts.len()
                ),
            ))?;
            Ok((
                PaymentReceipt {
                    payment_id: payment_id.clone(),
                    allocation,
                    fee: confirmed.fee,
                    total: confirmed.total,
                },
                login.email,
            ))
        })?;
        self.email(
            &notify_to,
            "Payment received",
            format!(
                "We received your payment of {} (fee {}, total {}). Confirmation {}.",
                receipt.allocation.total.to_decimal_string(),
                receipt.fee.to_decimal_string(),
                receipt.total.to_decimal_string(),
                receipt.payment_id
            ),
        );
        Ok(receipt)
    }

    /// Writes an allocation to the store: each charge's remaining amount and
    /// each account's credit.
    pub(super) fn apply(
        &self,
        tx: &mut dyn Tx,
        allocation: &PaymentAllocation,
    ) -> Result<(), PortalError> {
        for part in &allocation.accounts {
            let charges = tx.charges(self.utility(), &part.account)?;
            for item in &part.items {
                if let Some(mut row) = charges
                    .iter()
                    .find(|c| c.charge.id == item.charge_id)
                    .cloned()
                {
                    if row.charge.amount != item.remaining {
                        row.charge.amount = item.remaining;
                        tx.put_charge(&ChargeRow { ..row })?;
                    }
                }
            }
            if !part.credit.amount().is_zero() {
                let mut row = tx
                    .account(self.utility(), &part.account)?
                    .ok_or_else(|| PortalError::not_found("account", &part.account))?;
                row.credit = row.credit.checked_add(&part.credit)?;
                tx.put_account(&row)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn card_numbers_are_not_tokens() {
        let new = |token: &str, label: &str| NewPaymentMethod {
            method: PaymentMethod::CreditCard,
            token: token.into(),
            label: label.into(),
            card_expiry: Some(CardExpiry {
                year: 2030,
                month: 1,
            }),
        };
        assert!(check_method(&new("tok_1MqLrs2eZvKYlo2C", "Visa ending 4242")).is_ok());
        for pan in [
            "4242424242424242",
            "4242 4242 4242 4242",
            "4242-4242-4242-4242",
        ] {
            let err = check_method(&new(pan, "Visa")).err();
            assert!(
                matches!(err, Some(PortalError::Invalid { field: "token", .. })),
                "{pan}"
            );
        }
        assert!(check_method(&new("tok_abc", "Visa 4242424242424242")).is_err());
    }
}
