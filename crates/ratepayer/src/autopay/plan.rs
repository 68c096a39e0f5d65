//! A customer's AutoPay plan over a run of bills: the draft instructions
//! (date, amount, fee, and a deterministic idempotency key per utility,
//! account, bill and attempt, so a draft never runs twice), the notices to send, the bills
//! left to pay by hand, and flags for the utility.

use std::fmt;

use chrono::{Datelike, Days, NaiveDate};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::notices::{AmountNoticePreference, NoticeKind, NoticePolicy, PlanFlag, PlannedNotice};
use super::{
    draft_amount, draft_date, AmountBasis, AutopayError, BillDates, DraftDecision, DraftRule,
};
use crate::calendar::Calendar;
use crate::fees::{Channel, FeeSchedule, PaymentMethod};
use crate::Money;

/// A way to enrol in AutoPay that a utility offers (in its `[autopay]` section).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AutopayOption {
    /// Its name, for example `"Card AutoPay"` or `"Bank draft (City Hall)"`.
    pub name: String,
    /// The fee-schedule channel it is priced under (`autopay` or `bank_draft`).
    pub channel: Channel,
    /// Payment methods it accepts.
    pub methods: Vec<PaymentMethod>,
    /// When it drafts.
    pub draft: DraftRule,
    /// Which amount it drafts.
    #[serde(default)]
    pub amount: AmountBasis,
}

/// A bill to plan a draft for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedBill {
    /// The bill's identifier.
    pub bill_id: String,
    /// Its dates.
    pub dates: BillDates,
    /// The statement amount.
    pub statement: Money,
    /// The balance on the draft date, when the option drafts the balance.
    #[serde(default)]
    pub balance_at_draft: Option<Money>,
}

/// A card's expiry: valid through the last day of `month`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardExpiry {
    /// Year.
    pub year: i32,
    /// Month, 1 to 12.
    pub month: u32,
}

impl CardExpiry {
    /// The last day the card can be charged.
    pub fn last_day(&self) -> Option<NaiveDate> {
        let first = NaiveDate::from_ymd_opt(self.year, self.month, 1)?;
        Some(crate::BillingPeriod::month_of(first).to())
    }
}

/// One enrolled customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AutopayCustomer {
    /// The utility (profile id) the account belongs to: part of every
    /// draft's idempotency key, so two utilities sharing a database never
    /// collide on the same account number and bill id.
    pub utility: String,
    /// The utility account.
    pub account: String,
    /// The stored method's kind.
    pub method: PaymentMethod,
    /// The customer's maximum draft, if set.
    #[serde(default)]
    pub maximum: Option<Money>,
    /// Regulation E notice choice.
    #[serde(default)]
    pub amount_notices: AmountNoticePreference,
    /// The card's expiry, for a card.
    #[serde(default)]
    pub card_expiry: Option<CardExpiry>,
}

/// An instruction to draft one bill once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DraftInstruction {
    /// The utility (profile id).
    pub utility: String,
    /// The account.
    pub account: String,
    /// The bill.
    pub bill_id: String,
    /// 0 for the first presentment, then 1, 2… for retries.
    pub attempt: u32,
    /// The banking day to draft on.
    pub date: NaiveDate,
    /// The method.
    pub method: PaymentMethod,
    /// Paid to the utility.
    pub amount: Money,
    /// The convenience fee.
    pub fee: Money,
    /// Charged to the customer.
    pub total: Money,
    /// The same for the same utility, account, bill and attempt, always:
    /// storage never executes one key twice.
    pub idempotency_key: Uuid,
}

impl DraftInstruction {
    /// The instruction for presenting the same draft again as `attempt` on
    /// `on` (after [`super::failures::next_action`] returned a retry): same
    /// amounts, the attempt's own idempotency key.
    pub fn retry(&self, attempt: u32, on: NaiveDate) -> DraftInstruction {
        DraftInstruction {
            attempt,
            date: on,
            idempotency_key: idempotency_key(&self.utility, &self.account, &self.bill_id, attempt),
            ..self.clone()
        }
    }
}

/// The plan for one customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AutopayPlan {
    /// The account.
    pub account: String,
    /// The option enrolled in.
    pub option: String,
    /// Draft instructions, by date.
    pub drafts: Vec<DraftInstruction>,
    /// Notices, by date.
    pub notices: Vec<PlannedNotice>,
    /// Problems for the utility to fix.
    pub flags: Vec<PlanFlag>,
    /// The day AutoPay is suspended, if it is.
    pub suspended_from: Option<NaiveDate>,
}

/// The namespace of idempotency keys (a fixed, random UUID).
const KEY_NAMESPACE: Uuid = Uuid::from_u128(0x6a1f_3c0e_9b7d_4e52_8f21_d0c4_7e93_a5b8);

/// The idempotency key of the draft of `bill_id` on `account` of `utility`,
/// attempt `attempt`: a UUIDv5 of the four parts joined by `U+001F` (which
/// no part contains), so two utilities in one database never share a key.
pub fn idempotency_key(utility: &str, account: &str, bill_id: &str, attempt: u32) -> Uuid {
    let name = format!("{utility}\u{1f}{account}\u{1f}{bill_id}\u{1f}{attempt}");
    Uuid::new_v5(&KEY_NAMESPACE, name.as_bytes())
}

/// The key an earlier version gave the same draft (account, bill and
/// attempt, without the utility). Storage migrations use it to find the
/// drafts they re-key; nothing new is ever claimed under it.
pub fn legacy_idempotency_key(account: &str, bill_id: &str, attempt: u32) -> Uuid {
    let name = format!("{account}\u{1f}{bill_id}\u{1f}{attempt}");
    Uuid::new_v5(&KEY_NAMESPACE, name.as_bytes())
}

fn days_before(day: NaiveDate, n: u32) -> Result<NaiveDate, AutopayError> {
    day.checked_sub_days(Days::new(u64::from(n)))
        .ok_or_else(|| AutopayError::InvalidRule {
            field: "days",
            reason: format!("{n} days before {day} is out of range"),
        })
}

/// Plans the drafts and notices of `bills` (in any order) for `customer`
/// enrolled in `option`, on `calendar`, with fees from `fees`.
pub fn plan(
    option: &AutopayOption,
    notices: &NoticePolicy,
    customer: &AutopayCustomer,
    bills: &[PlannedBill],
    calendar: &Calendar,
    fees: &FeeSchedule,
) -> Result<AutopayPlan, AutopayError> {
    if customer.utility.trim().is_empty() {
        return Err(AutopayError::InvalidRule {
            field: "utility",
            reason: "is empty; give the utility's profile id (it is part of every draft's idempotency key)".into(),
        });
    }
    if !option.methods.contains(&customer.method) {
        return Err(AutopayError::InvalidRule {
            field: "method",
            reason: format!("{} does not take {}", option.name, customer.method.label()),
        });
    }
    let mut out = AutopayPlan {
        account: customer.account.clone(),
        option: option.name.clone(),
        drafts: Vec::new(),
        notices: Vec::new(),
        flags: Vec::new(),
        suspended_from: None,
    };
    let expiry = match (customer.method.is_card(), customer.card_expiry) {
        (true, Some(e)) => e.last_day(),
        _ => None,
    };
    if let Some(last) = expiry {
        out.notices.push(PlannedNotice {
            date: days_before(last, notices.card_expiry_notice_days)?,
            kind: NoticeKind::CardExpiring,
            bill_id: None,
            text: format!(
                "The card on your AutoPay expires on {last}. Update it to keep AutoPay running."
            ),
        });
    }
    let mut ordered: Vec<&PlannedBill> = bills.iter().collect();
    ordered.sort_by_key(|b| (b.dates.bill_date, b.bill_id.clone()));
    for bill in ordered {
        let id = Some(bill.bill_id.clone());
        let on = draft_date(option.draft, &bill.dates, calendar)?;
        if out.suspended_from.is_some() {
            continue;
        }
        if expiry.is_some_and(|last| on > last) {
            out.suspended_from = Some(bill.dates.bill_date);
            out.notices.push(PlannedNotice {
                date: bill.dates.bill_date,
                kind: NoticeKind::AutopaySuspended,
                bill_id: id,
                text: format!(
                    "AutoPay is suspended: the card on file has expired. Please pay this bill by {} and update your card.",
                    bill.dates.due_date
                ),
            });
            continue;
        }
        let decision = draft_amount(
            option.amount,
            bill.statement,
            bill.balance_at_draft,
            customer.maximum,
            fees,
            option.channel,
            customer.method,
        )?;
        let (amount, fee, total) = match decision {
            DraftDecision::Draft { amount, fee, total } => (amount, fee, total),
            DraftDecision::NothingDue => continue,
            DraftDecision::AboveMaximum { message, .. } => {
                out.notices.push(PlannedNotice {
                    date: bill.dates.bill_date,
                    kind: NoticeKind::PayByHand,
                    bill_id: id,
                    text: message,
                });
                continue;
            }
        };
        if notices.bill_ready {
            out.notices.push(PlannedNotice {
                date: bill.dates.bill_date,
                kind: NoticeKind::BillReady,
                bill_id: id.clone(),
                text: format!(
                    "Your bill of {amount} is ready. AutoPay will draft {total} on {on}."
                ),
            });
        }
        // Regulation E: the range is of what is debited, fee included.
        if customer.method == PaymentMethod::Echeck && customer.amount_notices.needs_notice(total) {
            let required = notices.variable_amount_notice_days;
            let days = (on - bill.dates.bill_date).num_days();
            out.notices.push(PlannedNotice {
                date: bill.dates.bill_date,
                kind: NoticeKind::VariableAmount,
                bill_id: id.clone(),
                text: format!(
                    "{total} will be debited from your bank account on {on} for bill {}.",
                    bill.bill_id
                ),
            });
            if days < i64::from(required) {
                out.flags.push(PlanFlag::NoticePeriodTooShort {
                    bill_id: bill.bill_id.clone(),
                    bill_date: bill.dates.bill_date,
                    draft_date: on,
                    days,
                    required,
                });
            }
        }
        if let Some(n) = notices.reminder_days_before {
            out.notices.push(PlannedNotice {
                date: days_before(on, n)?.max(bill.dates.bill_date),
                kind: NoticeKind::DraftReminder,
                bill_id: id,
                text: format!("Reminder: AutoPay will draft {total} on {on}."),
            });
        }
        out.drafts.push(DraftInstruction {
            idempotency_key: idempotency_key(
                &customer.utility,
                &customer.account,
                &bill.bill_id,
                0,
            ),
            utility: customer.utility.clone(),
            account: customer.account.clone(),
            bill_id: bill.bill_id.clone(),
            attempt: 0,
            date: on,
            method: customer.method,
            amount,
            fee,
            total,
        });
    }
    out.notices.sort_by_key(|n| (n.date, n.kind));
    Ok(out)
}

impl fmt::Display for AutopayPlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "AutoPay plan for {} ({})", self.account, self.option)?;
        writeln!(f, "Drafts:")?;
        for d in &self.drafts {
            writeln!(
                f,
                "  {} {} {:<11} {:>10} + fee {:>6} = {:>10}  key {}",
                d.date,
                d.date.weekday(),
                d.bill_id,
                d.amount.to_decimal_string(),
                d.fee.to_decimal_string(),
                d.total.to_decimal_string(),
                d.idempotency_key
            )?;
        }
        writeln!(f, "Notices:")?;
        for n in &self.notices {
            writeln!(f, "  {} {:?}: {}", n.date, n.kind, n.text)?;
        }
        for flag in &self.flags {
            writeln!(f, "Flag: {flag:?}")?;
        }
        if let Some(s) = self.suspended_from {
            writeln!(f, "Suspended from {s}")?;
        }
        Ok(())
    }
}
