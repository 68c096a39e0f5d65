//! How a payment's allocation is stored in its record (schema version 8):
//! as arrays, each amount a decimal string in the payment's currency (the
//! `currency` column), instead of objects with every amount's currency
//! spelled out. An AutoPay draft's allocation took about 330 bytes of the
//! record's 500; it takes about 90 now, and reads back the same.
//!
//! ```text
//! "alloc": {"a": [[account, paid, credit, [[charge id, kind, due date, applied, remaining], …]], …],
//!           "t": total}
//! ```
//!
//! An allocation with an amount in another currency than the payment's is
//! kept whole (`allocation`), as every record written before version 8.

use chrono::NaiveDate;
use ratepayer::payment::{AccountAllocation, AllocatedItem, ChargeKind, PaymentAllocation};
use ratepayer::{Currency, Money};
use serde::{Deserialize, Serialize};

/// One charge an account's share paid: charge id, kind, due date, applied
/// and remaining.
type Item = (String, ChargeKind, NaiveDate, String, String);

/// One account's share: account, paid, credit and the charges paid.
type Account = (String, String, String, Vec<Item>);

/// An allocation whose amounts are all in the payment's currency.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct CompactAllocation {
    /// The accounts' shares, in order.
    a: Vec<Account>,
    /// The total allocated.
    t: String,
}

/// `allocation` compact, or `None` when an amount is not in `currency`
/// (then it is stored whole).
pub(super) fn compact(
    allocation: &PaymentAllocation,
    currency: Currency,
) -> Option<CompactAllocation> {
    let PaymentAllocation { accounts, total } = allocation;
    let text = |m: &Money| (m.currency() == currency).then(|| m.amount().to_string());
    let mut a = Vec::with_capacity(accounts.len());
    for share in accounts {
        let AccountAllocation {
            account,
            paid,
            items,
            credit,
        } = share;
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            let AllocatedItem {
                charge_id,
                kind,
                due_date,
                applied,
                remaining,
            } = item;
            out.push((
                charge_id.clone(),
                *kind,
                *due_date,
                text(applied)?,
                text(remaining)?,
            ));
        }
        a.push((account.clone(), text(paid)?, text(credit)?, out));
    }
    Some(CompactAllocation { a, t: text(total)? })
}

/// The allocation of a compact record, its amounts in `currency`.
pub(super) fn expand(
    compact: CompactAllocation,
    currency: Currency,
) -> Result<PaymentAllocation, String> {
    let money = |text: &str| -> Result<Money, String> {
        let amount = ratepayer::money::parse_decimal(text).map_err(|e| e.to_string())?;
        Ok(Money::new(amount, currency))
    };
    let mut accounts = Vec::with_capacity(compact.a.len());
    for (account, paid, credit, items) in compact.a {
        let mut out = Vec::with_capacity(items.len());
        for (charge_id, kind, due_date, applied, remaining) in items {
            out.push(AllocatedItem {
                charge_id,
                kind,
                due_date,
                applied: money(&applied)?,
                remaining: money(&remaining)?,
            });
        }
        accounts.push(AccountAllocation {
            account,
            paid: money(&paid)?,
            items: out,
            credit: money(&credit)?,
        });
    }
    Ok(PaymentAllocation {
        accounts,
        total: money(&compact.t)?,
    })
}
