//! A payment processor for tests and demos: it keeps every charge by its
//! idempotency key (a second submission of a key returns the first
//! reference and charges nothing more, as the [`PaymentProcessor`]
//! contract asks), and decides each charge's outcome from a script: per
//! account (the next outcomes of that account's charges, in order) or per
//! share (a fixed share of keys returned or declined, chosen from the key
//! itself so every run and every process agrees), settling the rest.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Mutex;

use chrono::NaiveDate;

use super::processor::{
    ChargeType, PaymentProcessor, ProcessorError, ProcessorOutcome, ProcessorResult, Submission,
    SubmitReceipt,
};
use crate::store::DeclineReason;
use ratepayer::autopay::failures::AchReturnCode;

/// What the fake does with a charge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FakeOutcome {
    /// It settles.
    Settle,
    /// The bank returns it with this code (a card charge is declined
    /// instead: soft for R01/R09, hard otherwise).
    Return(AchReturnCode),
    /// The issuer declines it (an ACH debit is returned instead: R01 for a
    /// soft decline, R02 otherwise).
    Decline(DeclineReason),
}

/// One charge the fake took.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeCharge {
    /// The first submission of its key.
    pub submission: Submission,
    /// The reference given.
    pub reference: String,
    /// How many times its key was submitted (1 for once).
    pub submissions: u32,
    /// Its scripted outcome.
    pub outcome: FakeOutcome,
    /// Its result was handed out by [`FakeProcessor::results`].
    pub reported: bool,
}

#[derive(Debug, Default)]
struct State {
    /// In the order first submitted.
    charges: Vec<FakeCharge>,
    /// Where each key's charge is in `charges` (hashed: the AutoPay
    /// benchmark hands the fake 100,000 drafts).
    by_key: HashMap<String, usize>,
    by_account: BTreeMap<String, VecDeque<FakeOutcome>>,
    share: Option<(u8, FakeOutcome)>,
    refuse: u32,
}

/// The scripted processor.
#[derive(Debug, Default)]
pub struct FakeProcessor {
    state: Mutex<State>,
}

impl FakeProcessor {
    /// A processor that settles everything.
    pub fn new() -> FakeProcessor {
        FakeProcessor::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The next charges of `account` end as `outcomes`, in order (then settle).
    pub fn script_account(&self, account: &str, outcomes: &[FakeOutcome]) {
        self.lock()
            .by_account
            .entry(account.to_owned())
            .or_default()
            .extend(outcomes.iter().copied());
    }

    /// About `percent` % of the keys not scripted by account end as
    /// `outcome` (which keys is decided by the key alone).
    pub fn script_share(&self, percent: u8, outcome: FakeOutcome) {
        self.lock().share = Some((percent.min(100), outcome));
    }

    /// The next `n` submissions fail (the processor is down).
    pub fn refuse_next(&self, n: u32) {
        self.lock().refuse = n;
    }

    /// Every charge taken, in the order first submitted.
    pub fn charges(&self) -> Vec<FakeCharge> {
        self.lock().charges.clone()
    }

    /// The results of the charges taken since the last call, in order, with
    /// `settled_on` as the settlement date of those that settle.
    pub fn results(&self, settled_on: NaiveDate) -> Vec<ProcessorResult> {
        let mut state = self.lock();
        let mut out = Vec::new();
        for c in state.charges.iter_mut().filter(|c| !c.reported) {
            c.reported = true;
            out.push(result_of(c, settled_on));
        }
        out
    }

    /// The results of every charge taken so far (to report them again).
    pub fn all_results(&self, settled_on: NaiveDate) -> Vec<ProcessorResult> {
        self.charges()
            .iter()
            .map(|c| result_of(c, settled_on))
            .collect()
    }
}

/// A number 0 to 99 drawn from the key (FNV-1a).
fn bucket(key: &str) -> u8 {
    let mut h: u32 = 0x811c_9dc5;
    for b in key.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    u8::try_from(h % 100).unwrap_or(0)
}

fn result_of(c: &FakeCharge, settled_on: NaiveDate) -> ProcessorResult {
    let outcome = match (c.outcome, c.submission.charge) {
        (FakeOutcome::Settle, _) => ProcessorOutcome::Settled { on: settled_on },
        (FakeOutcome::Return(code), ChargeType::AchDebit) => ProcessorOutcome::Returned { code },
        (FakeOutcome::Return(code), ChargeType::Card) => ProcessorOutcome::Declined {
            reason: if code.is_representable() {
                DeclineReason::Soft
            } else {
                DeclineReason::Hard
            },
        },
        (FakeOutcome::Decline(reason), ChargeType::Card) => ProcessorOutcome::Declined { reason },
        (FakeOutcome::Decline(reason), ChargeType::AchDebit) => ProcessorOutcome::Returned {
            code: if reason == DeclineReason::Soft {
                AchReturnCode::R01
            } else {
                AchReturnCode::R02
            },
        },
    };
    ProcessorResult {
        key: c.submission.key.clone(),
        outcome,
        reference: Some(c.reference.clone()),
        message: None,
    }
}

impl PaymentProcessor for FakeProcessor {
    fn submit(&self, submission: &Submission) -> Result<SubmitReceipt, ProcessorError> {
        let mut state = self.lock();
        if state.refuse > 0 {
            state.refuse -= 1;
            return Err(ProcessorError {
                message: "the fake processor is down (scripted)".into(),
            });
        }
        let known = state.by_key.get(&submission.key).copied();
        if let Some(c) = known.and_then(|i| state.charges.get_mut(i)) {
            c.submissions = c.submissions.saturating_add(1);
            return Ok(SubmitReceipt {
                reference: c.reference.clone(),
            });
        }
        let scripted = submission
            .accounts
            .first()
            .and_then(|a| state.by_account.get_mut(a))
            .and_then(VecDeque::pop_front);
        let outcome = match (scripted, state.share) {
            (Some(o), _) => o,
            (None, Some((percent, o))) if bucket(&submission.key) < percent => o,
            _ => FakeOutcome::Settle,
        };
        let at = state.charges.len();
        let reference = format!("fake-{:06}", at + 1);
        state.by_key.insert(submission.key.clone(), at);
        state.charges.push(FakeCharge {
            submission: submission.clone(),
            reference: reference.clone(),
            submissions: 1,
            outcome,
            reported: false,
        });
        Ok(SubmitReceipt { reference })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::PaymentSource;
    use ratepayer::fees::PaymentMethod;
    use ratepayer::{Currency, Money};

    fn submission(key: &str, account: &str, method: PaymentMethod) -> Submission {
        Submission {
            key: key.into(),
            utility: "shelby".into(),
            payment_id: format!("pay-{key}"),
            source: PaymentSource::Autopay,
            charge: ChargeType::of(method),
            method,
            token: "tok".into(),
            total: Money::new(rust_decimal::Decimal::new(4_000, 2), Currency::USD),
            accounts: vec![account.into()],
        }
    }

    #[test]
    fn a_key_is_charged_once_and_outcomes_follow_the_script() -> Result<(), ProcessorError> {
        let fake = FakeProcessor::new();
        fake.script_account("a", &[FakeOutcome::Return(AchReturnCode::R01)]);
        let first = fake.submit(&submission("k1", "a", PaymentMethod::Echeck))?;
        let again = fake.submit(&submission("k1", "a", PaymentMethod::Echeck))?;
        assert_eq!(first, again);
        let card = fake.submit(&submission("k2", "a", PaymentMethod::CreditCard))?;
        assert_ne!(card, first);
        let charges = fake.charges();
        assert_eq!(charges.len(), 2);
        assert_eq!(charges[0].submissions, 2);
        let day = NaiveDate::from_ymd_opt(2025, 11, 25).unwrap_or_default();
        let results = fake.results(day);
        assert_eq!(
            results
                .iter()
                .map(|r| r.outcome.clone())
                .collect::<Vec<_>>(),
            [
                ProcessorOutcome::Returned {
                    code: AchReturnCode::R01
                },
                ProcessorOutcome::Settled { on: day },
            ]
        );
        assert!(fake.results(day).is_empty());
        assert_eq!(fake.all_results(day).len(), 2);
        fake.refuse_next(1);
        assert!(fake
            .submit(&submission("k3", "b", PaymentMethod::Echeck))
            .is_err());
        assert!(fake
            .submit(&submission("k3", "b", PaymentMethod::Echeck))
            .is_ok());
        Ok(())
    }

    #[test]
    fn a_share_is_chosen_by_the_key() -> Result<(), ProcessorError> {
        let fake = FakeProcessor::new();
        fake.script_share(30, FakeOutcome::Decline(DeclineReason::Soft));
        for i in 0..200 {
            fake.submit(&submission(
                &format!("key-{i}"),
                "a",
                PaymentMethod::DebitCard,
            ))?;
        }
        let declined = fake
            .charges()
            .iter()
            .filter(|c| c.outcome != FakeOutcome::Settle)
            .count();
        assert!((30..=90).contains(&declined), "{declined}");
        Ok(())
    }
}
