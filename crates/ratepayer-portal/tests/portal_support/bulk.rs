//! Bulk back office every store must honour (issue 18, Build 4): bills
//! posted in batches, each batch one transaction (all of it or none), each
//! bill keyed by account and period, so a batch run again, or a run cut
//! short and run again, posts nothing twice.

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use ratepayer::payment::AccountStatus;
use ratepayer::BillingPeriod;
use ratepayer_portal::store::{StatementLine, Store};
use ratepayer_portal::{
    AccountImport, PortalError, PostOutcome, PostedStatement, RecordingNotifier,
};

use super::{date, portal, record, usd};

fn statement<'a>(account: &'a str, id: &'a str, month: u32, total: &str) -> PostedStatement<'a> {
    let from = date(2025, month, 1);
    let to = date(2025, month + 1, 1).pred_opt().unwrap();
    PostedStatement {
        account,
        bill_id: id,
        period: BillingPeriod::new(from, to).unwrap(),
        lines: vec![StatementLine {
            description: "Water".into(),
            amount: usd(total),
        }],
        total: usd(total),
        bill_date: to,
        due_date: to + chrono::Duration::days(21),
        printed_draft_date: None,
    }
}

/// Posting a batch again posts nothing; a batch with one bad bill posts
/// none of its bills and names the bad one; a changed bill for a period
/// already posted, or a reused id, is refused.
pub fn batches_post_once_and_whole(store: Arc<dyn Store>) {
    let now = Utc.with_ymd_and_hms(2025, 11, 3, 12, 0, 0).unwrap();
    let p = portal(
        "shelby",
        store.clone(),
        Arc::new(RecordingNotifier::default()),
    );
    let imports: Vec<AccountImport> = ["100001", "100002", "100003"]
        .iter()
        .map(|n| AccountImport {
            record: record(&p, n, "65821"),
            status: AccountStatus::Active,
            service_address: None,
        })
        .collect();
    p.import_accounts(&imports, now).unwrap();
    let first = [
        statement("100001", "2025-09", 9, "41.10"),
        statement("100002", "2025-09", 9, "52.20"),
    ];
    let out = p.post_statements(&first, now).unwrap();
    assert!(out.iter().all(|o| matches!(o, PostOutcome::Posted(_))));
    // The same batch again, and a longer one that starts with it (a run cut
    // short and resumed): the posted bills come back as already posted.
    let again = p.post_statements(&first, now).unwrap();
    assert!(again
        .iter()
        .all(|o| matches!(o, PostOutcome::AlreadyPosted(_))));
    let longer = [
        statement("100001", "2025-09", 9, "41.10"),
        statement("100002", "2025-09", 9, "52.20"),
        statement("100003", "2025-09", 9, "63.30"),
    ];
    let out = p.post_statements(&longer, now).unwrap();
    assert!(matches!(out[2], PostOutcome::Posted(_)));
    assert_eq!(
        out.iter()
            .filter(|o| matches!(o, PostOutcome::AlreadyPosted(_)))
            .count(),
        2
    );
    let mut tx = store.begin().unwrap();
    // Shelby's canonical numbers have 9 digits.
    for n in ["000100001", "000100002", "000100003"] {
        assert_eq!(tx.bills("shelby", n).unwrap().len(), 1, "{n}");
        assert_eq!(tx.charges("shelby", n).unwrap().len(), 1, "{n}");
    }
    drop(tx);
    // One bad bill (an account never imported) refuses its whole batch.
    let bad = [
        statement("100001", "2025-10", 10, "44.00"),
        statement("100009", "2025-10", 10, "45.00"),
    ];
    let err = p.post_statements(&bad, now).unwrap_err();
    assert!(matches!(err, PortalError::NotFound { .. }), "{err:?}");
    let mut tx = store.begin().unwrap();
    assert_eq!(
        tx.bills("shelby", "000100001").unwrap().len(),
        1,
        "nothing of the batch"
    );
    drop(tx);
    // Another total for a posted period, or an id reused for another
    // period: refused, naming the bill's place and account.
    let changed = [
        statement("100001", "2025-09", 9, "41.10"),
        statement("100002", "2025-09", 9, "99.99"),
    ];
    match p.post_statements(&changed, now).unwrap_err() {
        PortalError::Invalid { field, message } => {
            assert_eq!(field, "bill");
            assert!(message.contains("post an adjustment"), "{message}");
            assert!(
                message.contains("bill 2 of the batch: account 100002"),
                "{message}"
            );
        }
        other => panic!("{other:?}"),
    }
    let reused = [statement("100002", "2025-09", 10, "10.00")];
    match p.post_statements(&reused, now).unwrap_err() {
        PortalError::Invalid { field, .. } => assert_eq!(field, "bill_id"),
        other => panic!("{other:?}"),
    }
    // post_statement (one bill) is the same: a repeat returns the bill.
    let one = statement("100003", "2025-09", 9, "63.30");
    let row = p.post_statement(&one, now).unwrap();
    assert_eq!(row.total, usd("63.30"));
    let mut tx = store.begin().unwrap();
    assert_eq!(tx.bills("shelby", "000100003").unwrap().len(), 1);
    let audits = tx.audit_events("shelby").unwrap();
    assert_eq!(
        audits
            .iter()
            .filter(|e| e.kind == ratepayer_portal::store::AuditKind::BillPosted)
            .count(),
        3,
        "one audit per bill posted, none for a repeat"
    );
}
