//! Time to compute the next draft date for 1,000,000 accounts on the Federal
//! Reserve calendar: due dates spread over 2025-2030, rule "on the due date,
//! rolled to the preceding banking day" (Crow Wing, Shelby card AutoPay) and
//! "3 business days before the due date".
//!
//! ```text
//! cargo bench -p ratepayer --bench next_draft -- --warm-up-time 1 --measurement-time 5
//! ```
//!
//! The target is at most 0.5 s for the million (one core).

use std::hint::black_box;

use chrono::{Days, NaiveDate};
use criterion::Criterion;
use ratepayer::autopay::{draft_date, BillDates, DraftRule};
use ratepayer::calendar::{Calendar, Roll};

const ACCOUNTS: u64 = 1_000_000;

fn bills() -> Vec<BillDates> {
    let start = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap_or_default();
    (0..ACCOUNTS)
        .map(|i| {
            let bill = start + Days::new((i * 7919) % 2190);
            BillDates {
                bill_date: bill,
                due_date: bill + Days::new(21),
                printed_draft_date: None,
            }
        })
        .collect()
}

fn run(cal: &Calendar, bills: &[BillDates], rule: DraftRule) -> u64 {
    bills
        .iter()
        .filter_map(|b| draft_date(rule, b, cal).ok())
        .map(|d| u64::from(chrono::Datelike::ordinal(&d)))
        .sum()
}

fn main() {
    let fed = Calendar::fed();
    let bills = bills();
    let mut c = Criterion::default().sample_size(10).configure_from_args();
    c.bench_function("next_draft/1M_on_due_date_preceding", |b| {
        b.iter(|| {
            black_box(run(
                &fed,
                black_box(&bills),
                DraftRule::OnDueDate {
                    roll: Roll::Preceding,
                },
            ))
        })
    });
    c.bench_function("next_draft/1M_3_business_days_before_due", |b| {
        b.iter(|| {
            black_box(run(
                &fed,
                black_box(&bills),
                DraftRule::BeforeDue {
                    days: 3,
                    business: true,
                    roll: Roll::Preceding,
                },
            ))
        })
    });
    c.final_summary();
}
