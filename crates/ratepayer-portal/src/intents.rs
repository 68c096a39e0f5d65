//! Payment intents: a one-time payment in two steps. [`Portal::quote_payment`]
//! prices the payment on the server (channel, method, the accounts it
//! covers) and stores the quote with an expiry; [`Portal::pay`] takes only
//! the quote's id and the client's idempotency key, prices it again with
//! the schedule in force and refuses it when anything differs (the accounts
//! it now covers, the method, the schedule, the fee), when it expired or
//! was paid. The key is claimed in the transaction that records the
//! payment: the same key again returns the first receipt and records
//! nothing new, so a double submit never charges twice.

use chrono::{DateTime, Duration, Utc};

use super::outbox::Outgoing;
use super::payments::{payable_account, PaymentReceipt};
use super::processor::payment_processor_key;
use super::sessions::Session;
use super::{Portal, PortalError};
use crate::store::{
    AuditKind, MessageKind, PaymentKeyRow, PaymentRow, PaymentSource, PaymentStatus, QuoteRow,
    Settlement,
};
use ratepayer::fees::{Channel, FeeError, FeeQuote};
use ratepayer::payment::{allocate, AccountDue, AccountStatus, PaymentTarget};
use ratepayer::Money;

/// How long a quote may be paid: 15 minutes after it was given.
pub const QUOTE_LIFETIME_SECONDS: i64 = 15 * 60;

/// A stored quote: what the customer reviews, and the id that pays it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentQuote {
    /// The quote's id: pass it to [`Portal::pay`].
    pub id: String,
    /// The fee quote (amount, fee, total, disclosure, fee-free alternatives).
    pub quote: FeeQuote,
    /// After this instant it is refused: quote again.
    pub expires_at: DateTime<Utc>,
}

/// A payment the customer confirms: the quote they reviewed and the
/// client's idempotency key (a new random key per payment, the same key
/// when the same payment is submitted again).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentRequest {
    /// The id of the quote from [`Portal::quote_payment`].
    pub quote_id: String,
    /// The client's idempotency key: 16 to 128 printable ASCII characters
    /// without spaces (a UUID is fine).
    pub idempotency_key: String,
}

/// The channels a customer pays through in the portal (the others belong
/// to AutoPay, the office or the post, and are priced differently).
const PORTAL_CHANNELS: [Channel; 4] = [
    Channel::Online,
    Channel::MobileApp,
    Channel::PhoneAgent,
    Channel::AutomatedPhone,
];

fn check_key(key: &str) -> Result<(), PortalError> {
    let ok = (16..=128).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic());
    if ok {
        Ok(())
    } else {
        Err(PortalError::Invalid {
            field: "idempotency_key",
            message: "must be 16 to 128 printable ASCII characters without spaces; generate a \
                      random one (a UUID) per payment and send the same one when retrying it"
                .into(),
        })
    }
}

/// How many accounts the fee of paying `target` is priced for: the
/// accounts it covers (each one linked and open).
fn priced_accounts(dues: &[AccountDue], target: &PaymentTarget) -> Result<u32, PortalError> {
    let n = match target {
        PaymentTarget::TotalDue => dues
            .iter()
            .filter(|a| a.status == AccountStatus::Active)
            .filter(|a| a.amount_due().is_ok_and(|m| !m.amount().is_zero()))
            .count(),
        PaymentTarget::Account(a) => {
            payable_account(dues, a)?;
            1
        }
        PaymentTarget::Split(parts) => {
            for p in parts {
                payable_account(dues, &p.account)?;
            }
            parts.len()
        }
    };
    Ok(u32::try_from(n.max(1)).unwrap_or(u32::MAX))
}

fn fingerprint(quote: &FeeQuote) -> String {
    format!("{:016x}", quote.schedule_fingerprint)
}

impl Portal {
    /// Quotes a payment of `amount` to `target` with a stored method through
    /// `channel` (online, mobile app, phone agent or automated phone), and
    /// stores the quote for [`Portal::pay`]. The fee is the server's: it is
    /// priced for the accounts the target covers. A closed or unlinked
    /// account is refused; so is a payment the accounts could not take.
    pub fn quote_payment(
        &self,
        session: &Session,
        target: &PaymentTarget,
        amount: Money,
        channel: Channel,
        payment_method_id: &str,
        now: DateTime<Utc>,
    ) -> Result<PaymentQuote, PortalError> {
        let login_id = session.login_id();
        if !PORTAL_CHANNELS.contains(&channel) {
            return Err(PortalError::Invalid {
                field: "channel",
                message: format!(
                    "`{}` is not a channel the portal takes payments through; use online, \
                     mobile_app, phone_agent or automated_phone (AutoPay and bank drafts are \
                     set up with AutoPay)",
                    channel.name()
                ),
            });
        }
        let target = self.canonical_target(target)?;
        let fees = self.profile.fee_schedule()?;
        let as_of = now.with_timezone(&self.profile.time_zone()).date_naive();
        let id = self.new_id()?;
        let expires_at = now + Duration::seconds(QUOTE_LIFETIME_SECONDS);
        let quote = self.transact(|tx| {
            self.require_session(tx, session, now)?;
            let method = self.method_of(tx, login_id, payment_method_id)?;
            let dues = self.dues(tx, login_id)?;
            let accounts = priced_accounts(&dues, &target)?;
            // Refuse now what `pay` would refuse (an amount the accounts
            // cannot take), rather than after the customer confirms.
            allocate(
                &dues,
                &target,
                amount,
                self.profile.spec().payments.allocation,
                as_of,
            )?;
            let quote = fees.quote(amount, channel, method.method, accounts)?;
            tx.put_quote(&QuoteRow {
                id: id.clone(),
                utility: self.utility().to_owned(),
                login: login_id.to_owned(),
                target: target.clone(),
                payment_method_id: method.id.clone(),
                amount: quote.amount,
                fee: quote.fee,
                total: quote.total,
                channel: quote.channel,
                method: quote.method,
                accounts,
                schedule_fingerprint: fingerprint(&quote),
                quoted_at: now,
                expires_at,
                payment_id: None,
            })?;
            Ok(quote)
        })?;
        Ok(PaymentQuote {
            id,
            quote,
            expires_at,
        })
    }

    /// Pays a stored quote, once. The same `idempotency_key` again returns
    /// the first receipt and records nothing; the key with another quote is
    /// refused. The quote is refused when it is another login's, expired,
    /// paid, or when pricing it again now differs (the accounts the target
    /// covers, the method, the schedule or the fee): quote again. The
    /// payment is split over the accounts and their charges in the
    /// utility's order (any excess becomes a credit), in one transaction
    /// with the key's claim; a refusal changes nothing.
    pub fn pay(
        &self,
        session: &Session,
        request: &PaymentRequest,
        now: DateTime<Utc>,
    ) -> Result<PaymentReceipt, PortalError> {
        let login_id = session.login_id();
        check_key(&request.idempotency_key)?;
        let fees = self.profile.fee_schedule()?;
        let as_of = now.with_timezone(&self.profile.time_zone()).date_naive();
        let payment_id = self.new_id()?;
        let (receipt, written) = self.transact(|tx| {
            let login = self.require_session(tx, session, now)?;
            if let Some(done) =
                tx.payment_key(self.utility(), login_id, &request.idempotency_key)?
            {
                return replay(done, &request.quote_id).map(|r| (r, None));
            }
            let mut q = tx
                .quote(self.utility(), &request.quote_id)?
                .filter(|q| q.login == login_id)
                .ok_or_else(|| PortalError::not_found("quote", &request.quote_id))?;
            check_quote(&q, now)?;
            let method = self.method_of(tx, login_id, &q.payment_method_id)?;
            if method.method != q.method {
                return Err(requote(format!(
                    "was for a {}, but the stored method is a {}",
                    q.method.label(),
                    method.method.label()
                )));
            }
            let dues = self.dues(tx, login_id)?;
            let accounts = priced_accounts(&dues, &q.target)?;
            if accounts != q.accounts {
                return Err(requote(format!(
                    "was priced for {} account(s), but the payment now covers {accounts}",
                    q.accounts
                )));
            }
            // The fee charged is the server's, priced again now.
            let priced = fees.quote(q.amount, q.channel, q.method, accounts)?;
            if fingerprint(&priced) != q.schedule_fingerprint {
                return Err(FeeError::ScheduleChanged.into());
            }
            if priced.fee != q.fee || priced.total != q.total {
                return Err(FeeError::QuoteMismatch {
                    shown_fee: q.fee,
                    fee: priced.fee,
                }
                .into());
            }
            let allocation = allocate(
                &dues,
                &q.target,
                priced.amount,
                self.profile.spec().payments.allocation,
                as_of,
            )?;
            self.apply(tx, &allocation)?;
            let processor_key =
                payment_processor_key(self.utility(), login_id, &request.idempotency_key);
            tx.insert_payment(&PaymentRow {
                id: payment_id.clone(),
                utility: self.utility().to_owned(),
                login: login_id.to_owned(),
                source: PaymentSource::Portal,
                channel: priced.channel,
                method: priced.method,
                payment_method_id: method.id.clone(),
                amount: priced.amount,
                fee: priced.fee,
                total: priced.total,
                allocation: allocation.clone(),
                idempotency_key: Some(request.idempotency_key.clone()),
                at: now,
                status: PaymentStatus::Pending,
                processor_key: Some(processor_key.clone()),
                settlement: Settlement::default(),
            })?;
            let claimed = tx.claim_payment_key(&PaymentKeyRow {
                utility: self.utility().to_owned(),
                login: login_id.to_owned(),
                key: request.idempotency_key.clone(),
                quote_id: q.id.clone(),
                payment_id: payment_id.clone(),
                allocation: allocation.clone(),
                fee: priced.fee,
                total: priced.total,
                at: now,
            })?;
            if !claimed {
                return Err(crate::store::StorageError::new(
                    crate::store::StorageErrorKind::Conflict,
                    "the payment's idempotency key was claimed by another transaction; retry",
                )
                .into());
            }
            q.payment_id = Some(payment_id.clone());
            tx.put_quote(&q)?;
            tx.append_audit(&self.event(
                AuditKind::PaymentMade,
                now,
                Some(login_id),
                None,
                format!(
                    "payment {payment_id}: {} + fee {} = {} by {} through {} over {} account(s), \
                     quote {}",
                    priced.amount.to_decimal_string(),
                    priced.fee.to_decimal_string(),
                    priced.total.to_decimal_string(),
                    priced.method.name(),
                    priced.channel.name(),
                    allocation.accounts.len(),
                    q.id
                ),
            ))?;
            let receipt = PaymentReceipt {
                payment_id: payment_id.clone(),
                allocation,
                fee: priced.fee,
                total: priced.total,
            };
            // The receipt is written with the payment: it exists exactly
            // when the payment does, once per payment key.
            let written = self.enqueue(
                tx,
                Outgoing {
                    kind: MessageKind::Receipt,
                    about: &[&processor_key],
                    to: &login.email,
                    subject: "Payment received".into(),
                    body: format!(
                        "We received your payment of {} (fee {}, total {}). Confirmation {}.",
                        receipt.allocation.total.to_decimal_string(),
                        receipt.fee.to_decimal_string(),
                        receipt.total.to_decimal_string(),
                        receipt.payment_id
                    ),
                    login: Some(login_id),
                    account: receipt
                        .allocation
                        .accounts
                        .first()
                        .map(|a| a.account.as_str()),
                },
                now,
            )?;
            Ok((receipt, written))
        })?;
        self.deliver_written(written.as_slice(), now);
        Ok(receipt)
    }
}

/// The first receipt of a key sent again, for the same quote.
fn replay(done: PaymentKeyRow, quote_id: &str) -> Result<PaymentReceipt, PortalError> {
    if done.quote_id != quote_id {
        return Err(PortalError::Invalid {
            field: "idempotency_key",
            message: "was already used for another payment; use a new key for each payment".into(),
        });
    }
    Ok(PaymentReceipt {
        payment_id: done.payment_id,
        allocation: done.allocation,
        fee: done.fee,
        total: done.total,
    })
}

fn requote(why: String) -> PortalError {
    PortalError::Invalid {
        field: "quote_id",
        message: format!("{why}; quote the payment again"),
    }
}

fn check_quote(q: &QuoteRow, now: DateTime<Utc>) -> Result<(), PortalError> {
    if let Some(paid) = &q.payment_id {
        return Err(requote(format!("was paid already (payment {paid})")));
    }
    if now > q.expires_at {
        return Err(requote(format!("expired at {}", q.expires_at.to_rfc3339())));
    }
    Ok(())
}
