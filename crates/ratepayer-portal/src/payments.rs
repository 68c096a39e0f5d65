//! Paying in the portal: stored payment methods (a processor's token and a
//! label, never a card or bank number), the accounts a login may pay, and
//! writing an allocation to the charges and credits. Quotes and payments
//! themselves (payment intents) are in `intents`.

use chrono::{DateTime, Utc};

use super::sessions::Session;
use super::{Portal, PortalError};
use crate::store::{AuditKind, ChargeRow, PaymentMethodRow, Tx};
use ratepayer::autopay::CardExpiry;
use ratepayer::fees::PaymentMethod;
use ratepayer::payment::{AccountDue, PaymentAllocation, PaymentTarget};
use ratepayer::Money;

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

/// A recorded payment.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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
pub(super) fn payable_account(dues: &[AccountDue], account: &str) -> Result<(), PortalError> {
    match dues.iter().find(|d| d.account == account) {
        None => Err(PortalError::not_found("linked account", account)),
        Some(d) if d.status == ratepayer::payment::AccountStatus::Closed => {
            Err(PortalError::AccountClosed(account.to_owned()))
        }
        Some(_) => Ok(()),
    }
}

impl Portal {
    /// Stores a payment method (its token) for a login; returns its id.
    pub fn add_payment_method(
        &self,
        session: &Session,
        new: &NewPaymentMethod,
        now: DateTime<Utc>,
    ) -> Result<String, PortalError> {
        let login_id = session.login_id();
        check_method(new)?;
        let id = self.new_id()?;
        self.transact(|tx| {
            self.require_session(tx, session, now)?;
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
    pub(super) fn dues(
        &self,
        tx: &mut dyn Tx,
        login_id: &str,
    ) -> Result<Vec<AccountDue>, PortalError> {
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

    pub(super) fn canonical_target(
        &self,
        target: &PaymentTarget,
    ) -> Result<PaymentTarget, PortalError> {
        Ok(match target {
            PaymentTarget::TotalDue => PaymentTarget::TotalDue,
            PaymentTarget::Account(a) => PaymentTarget::Account(self.canonical(a)?),
            PaymentTarget::Split(parts) => PaymentTarget::Split(
                parts
                    .iter()
                    .map(|p| {
                        Ok(ratepayer::payment::SplitPart {
                            account: self.canonical(&p.account)?,
                            amount: p.amount,
                        })
                    })
                    .collect::<Result<_, PortalError>>()?,
            ),
        })
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
