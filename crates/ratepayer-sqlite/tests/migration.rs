//! Schema migrations 2 and 5. Migration 2 on a database written by version 1: drafts keyed by
//! (utility, key), every stored key re-derived with the utility, the
//! payment recorded for a draft carrying the new key, and AutoPay carrying
//! on without drafting a bill twice (and drafting the bill the old key
//! collision had kept from being drafted). Migration 5 on a version 4
//! database: payment statuses and processor keys. Migration 6 on a
//! version 5 database: the outbox, empty, and the next cycle writing to it.
//! Migration 7 on a version 6 database: payment, draft, outbox and audit
//! records written whole before read as they were, and are handed off, settled and
//! delivered as before. Migration 8 on a version 7 database: every payment
//! keeps its status (moved to `payment_status`) and its whole record, is
//! handed off and settled as before.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

#[path = "../../ratepayer-portal/tests/portal_support/mod.rs"]
mod portal_support;

use std::sync::Arc;

use common::TempDb;
use portal_support::claims::{enrolled_owner, open_amount, shelby_as};
use portal_support::{date, nov};
use ratepayer::autopay::{idempotency_key, legacy_idempotency_key};
use ratepayer_portal::store::{DraftRow, Store};
use ratepayer_portal::RecordingNotifier;
use ratepayer_sqlite::{SqliteStore, SCHEMA_VERSION};
use rusqlite::{params, Connection};

/// The schema version 1 wrote (the released migration, frozen).
const V1: &str = include_str!("../src/migrations/001_tables.sql");

/// Tables copied as they are (every one but `drafts`, in foreign-key order).
const TABLES: &[&str] = &[
    "logins",
    "contacts",
    "codes",
    "devices",
    "accounts",
    "links",
    "bills",
    "charges",
    "payment_methods",
    "payments",
    "payment_accounts",
    "enrolments",
    "audit",
];

/// Takes a database written by this version back to version 7 (undoing
/// migration 8): the status in `payments.status` with its index, and a
/// reference and submission instant set by a hand-off in the record's
/// settlement, as version 7's hand-off wrote them.
fn back_to_version_7(conn: &Connection) {
    conn.execute_batch(
        "ALTER TABLE payments ADD COLUMN status TEXT NOT NULL DEFAULT 'settled';
         UPDATE payments
         SET status = (SELECT s.status FROM payment_status s WHERE s.payment = payments.seq);
         UPDATE payments
         SET data = (SELECT json_set(payments.data, '$.settlement.reference', s.reference,
                                     '$.settlement.submitted_at',
                                     strftime('%Y-%m-%dT%H:%M:%SZ', s.submitted_s, 'unixepoch'))
                     FROM payment_status s WHERE s.payment = payments.seq)
         WHERE seq IN (SELECT payment FROM payment_status WHERE reference IS NOT NULL);
         CREATE INDEX payments_by_status ON payments (utility, status, seq);
         DROP TABLE payment_status;
         PRAGMA user_version = 7;",
    )
    .unwrap();
}

/// Writes at `v1` the database version 1 would have left after this
/// story: Shelby and a second utility with Shelby's numbering share the
/// file, both enrol account 100001 with an October bill, and Shelby's
/// cycle drafts its bill under the legacy key (the second utility's cycle
/// would have found that key claimed and drafted nothing).
fn write_v1_database(v1: &TempDb) {
    let scratch = TempDb::new("scratch-v2");
    let mut drafts: Vec<DraftRow> = Vec::new();
    let mut payments: Vec<ratepayer_portal::store::PaymentRow> = Vec::new();
    {
        let store: Arc<dyn Store> = Arc::new(SqliteStore::open(scratch.path()).unwrap());
        let notifier = Arc::new(RecordingNotifier::new());
        let a = shelby_as("shelby", store.clone(), notifier.clone());
        let b = shelby_as("shelby-north", store.clone(), notifier.clone());
        enrolled_owner(&a, &notifier, "100001", 1);
        enrolled_owner(&b, &notifier, "100001", 2);
        let report = a.run_autopay_cycle(date(2025, 11, 24), nov(24, 6)).unwrap();
        assert_eq!(report.drafted, 1);
        // The records whole, as version 1 kept them in `data` (this version
        // keeps the fields that have columns only there).
        let mut tx = store.begin().unwrap();
        for utility in ["shelby", "shelby-north"] {
            drafts.extend(tx.drafts(utility, "000100001").unwrap());
            payments.extend(tx.payments_of_account(utility, "000100001").unwrap());
        }
    }
    let conn = Connection::open(v1.path()).unwrap();
    conn.execute_batch(V1).unwrap();
    conn.execute(
        "ATTACH DATABASE ?1 AS src",
        [scratch.path().to_str().unwrap()],
    )
    .unwrap();
    for table in TABLES {
        let copy = if *table == "payments" {
            // Version 1's columns, and its record without the fields of
            // migration 5 (status, processor key, settlement).
            "INSERT INTO main.payments SELECT seq, id, utility, login, source, amount, fee, total,
                 currency, idempotency_key, at,
                 json_remove(data, '$.status', '$.processor_key', '$.settlement')
             FROM src.payments"
                .to_owned()
        } else {
            format!("INSERT INTO main.{table} SELECT * FROM src.{table}")
        };
        conn.execute_batch(&copy).unwrap();
    }
    for p in &payments {
        conn.execute(
            "UPDATE main.payments
             SET data = json_remove(?2, '$.status', '$.processor_key', '$.settlement')
             WHERE id = ?1",
            params![p.id, serde_json::to_string(p).unwrap()],
        )
        .unwrap();
    }
    for mut d in drafts {
        let new_key = d.idempotency_key.clone();
        d.idempotency_key = legacy_idempotency_key(&d.account, &d.bill_id, d.attempt).to_string();
        conn.execute(
            "INSERT INTO main.drafts (idempotency_key, utility, account, bill_id, attempt, date,
                 total, currency, payment_id, executed_secs, executed_nanos, data)
             SELECT ?1, utility, account, bill_id, attempt, date, total, currency, payment_id,
                    executed_secs, executed_nanos, ?2 FROM src.drafts
             WHERE utility = ?3 AND idempotency_key = ?4",
            params![
                d.idempotency_key,
                serde_json::to_string(&d).unwrap(),
                d.utility,
                new_key
            ],
        )
        .unwrap();
        conn.execute(
            "UPDATE main.payments
             SET idempotency_key = ?1, data = json_set(data, '$.idempotency_key', ?1)
             WHERE idempotency_key = ?2",
            params![d.idempotency_key, new_key],
        )
        .unwrap();
    }
    conn.execute_batch("DETACH DATABASE src; PRAGMA user_version = 1;")
        .unwrap();
}

#[test]
fn a_version_1_database_moves_forward_and_drafts_nothing_twice() {
    let v1 = TempDb::new("v1");
    write_v1_database(&v1);
    let legacy = legacy_idempotency_key("000100001", "2025-10", 0).to_string();
    let new_key = idempotency_key("shelby", "000100001", "2025-10", 0).to_string();
    {
        let conn = Connection::open(v1.path()).unwrap();
        let (version, key): (i64, String) = conn
            .query_row(
                "SELECT (SELECT user_version FROM pragma_user_version), idempotency_key FROM drafts",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!((version, key.as_str()), (1, legacy.as_str()));
    }

    let sqlite = Arc::new(SqliteStore::open(v1.path()).unwrap());
    assert_eq!(sqlite.schema_version().unwrap(), SCHEMA_VERSION);
    assert_eq!(SCHEMA_VERSION, 8);
    {
        let conn = Connection::open(v1.path()).unwrap();
        // The primary key is (utility, idempotency_key).
        let pk: Vec<(String, i64)> = conn
            .prepare("SELECT name, pk FROM pragma_table_info('drafts') WHERE pk > 0 ORDER BY pk")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            pk,
            vec![("utility".to_owned(), 1), ("idempotency_key".to_owned(), 2)]
        );
        let (key, data_key, paid_key, paid_data_key): (String, String, String, String) = conn
            .query_row(
                "SELECT d.idempotency_key, json_extract(d.data, '$.idempotency_key'),
                        p.idempotency_key, json_extract(p.data, '$.idempotency_key')
                 FROM drafts d JOIN payments p ON p.id = d.payment_id",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .unwrap();
        assert_eq!(key, new_key);
        assert_eq!(data_key, new_key);
        assert_eq!(paid_key, new_key);
        assert_eq!(paid_data_key, new_key);
        // Migration 5: the draft's payment is submitted, under its draft
        // key (migration 8: the status in its row of `payment_status`, the
        // copy in the record removed).
        let (status, data_status, processor_key): (String, Option<String>, String) = conn
            .query_row(
                "SELECT s.status, json_type(p.data, '$.status'), p.processor_key
                 FROM payments p JOIN payment_status s ON s.payment = p.seq",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap();
        assert_eq!((status.as_str(), data_status), ("submitted", None));
        assert_eq!(processor_key, new_key);
    }

    // AutoPay carries on: Shelby's bill is claimed, the second utility's
    // bill (kept from drafting by the collision) is drafted now, once.
    let store: Arc<dyn Store> = sqlite;
    let notifier = Arc::new(RecordingNotifier::new());
    let a = shelby_as("shelby", store.clone(), notifier.clone());
    let b = shelby_as("shelby-north", store.clone(), notifier.clone());
    let again = a.run_autopay_cycle(date(2025, 11, 24), nov(24, 8)).unwrap();
    assert_eq!(again.drafted, 0);
    {
        // The re-derived key is claimed: claiming it again records nothing.
        let mut tx = store.begin().unwrap();
        let mut d = tx.drafts("shelby", "000100001").unwrap().remove(0);
        assert_eq!(d.idempotency_key, new_key);
        d.payment_id = "draft-again".into();
        assert!(!tx.claim_draft(&d).unwrap());
    }
    let north = b.run_autopay_cycle(date(2025, 11, 24), nov(24, 8)).unwrap();
    assert_eq!((north.drafted, north.already_drafted), (1, 0));
    assert!(open_amount(&store, "shelby-north", "000100001")
        .amount()
        .is_zero());
    let north = b.run_autopay_cycle(date(2025, 11, 24), nov(24, 9)).unwrap();
    assert_eq!(north.drafted, 0);
    let mut tx = store.begin().unwrap();
    assert_eq!(tx.drafts("shelby", "000100001").unwrap().len(), 1);
    assert_eq!(tx.drafts("shelby-north", "000100001").unwrap().len(), 1);
    assert_eq!(
        tx.payments_of_account("shelby", "000100001").unwrap().len(),
        1
    );
}

#[test]
fn reopening_a_migrated_database_applies_nothing_again() {
    let v1 = TempDb::new("v1-twice");
    write_v1_database(&v1);
    drop(SqliteStore::open(v1.path()).unwrap());
    let store = SqliteStore::open(v1.path()).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    let conn = Connection::open(v1.path()).unwrap();
    let n: i64 = conn
        .query_row("SELECT count(*) FROM drafts", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 1);
}

/// Migration 5 on a version 4 database: a portal payment becomes settled
/// (no processor key), a draft's payment submitted under its draft key, and
/// the processor's later result for that draft is recorded.
#[test]
fn a_version_4_database_gets_payment_statuses() {
    use ratepayer_portal::store::PaymentStatus;
    use ratepayer_portal::{ProcessorOutcome, ProcessorResult, ResultEffect};

    let db = TempDb::new("v4-statuses");
    let key = idempotency_key("shelby", "000100001", "2025-10", 0).to_string();
    {
        let store: Arc<dyn Store> = Arc::new(SqliteStore::open(db.path()).unwrap());
        let notifier = Arc::new(RecordingNotifier::new());
        let a = shelby_as("shelby", store.clone(), notifier.clone());
        enrolled_owner(&a, &notifier, "100001", 1);
        assert_eq!(
            a.run_autopay_cycle(date(2025, 11, 24), nov(24, 6))
                .unwrap()
                .drafted,
            1
        );
        let mut tx = store.begin().unwrap();
        let mut portal = tx.payments_of_account("shelby", "000100001").unwrap()[0].clone();
        portal.id = "portal-1".into();
        portal.source = ratepayer_portal::store::PaymentSource::Portal;
        portal.idempotency_key = Some("client-key-0000001".into());
        portal.processor_key = Some("portal-proc-1".into());
        tx.insert_payment(&portal).unwrap();
        tx.commit().unwrap();
    }
    {
        // Back to version 4: no status or processor key anywhere.
        let conn = Connection::open(db.path()).unwrap();
        back_to_version_7(&conn);
        conn.execute_batch(
            "DROP TABLE outbox;
             DROP INDEX payments_by_processor_key;
             DROP INDEX payments_by_status;
             ALTER TABLE payments DROP COLUMN status;
             ALTER TABLE payments DROP COLUMN processor_key;
             UPDATE payments SET data = json_remove(data, '$.status', '$.processor_key',
                                                    '$.settlement');
             PRAGMA user_version = 4;",
        )
        .unwrap();
    }
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(db.path()).unwrap());
    {
        let mut tx = store.begin().unwrap();
        let portal = tx.payment("shelby", "portal-1").unwrap().unwrap();
        assert_eq!(portal.status, PaymentStatus::Settled);
        assert_eq!(portal.processor_key, None);
        let draft = tx
            .payment_by_processor_key("shelby", &key)
            .unwrap()
            .unwrap();
        assert_eq!(draft.status, PaymentStatus::Submitted);
        assert!(tx
            .payments_with_status("shelby", PaymentStatus::Pending)
            .unwrap()
            .is_empty());
    }
    let a = shelby_as("shelby", store.clone(), Arc::new(RecordingNotifier::new()));
    let done = a
        .record_result(
            &ProcessorResult {
                key: key.clone(),
                outcome: ProcessorOutcome::Settled {
                    on: date(2025, 11, 25),
                },
                reference: None,
                message: None,
            },
            nov(25, 12),
        )
        .unwrap();
    assert_eq!(
        (done.status, done.effect),
        (PaymentStatus::Settled, ResultEffect::Applied)
    );
}

/// Migration 6 on a version 5 database: the outbox table is made (empty;
/// nothing sent before is written again), and the records already there
/// are untouched: a cycle run again drafts nothing and writes no receipt
/// for the draft made before; a new return writes its notice once.
#[test]
fn a_version_5_database_gets_the_outbox() {
    use ratepayer::autopay::failures::AchReturnCode;
    use ratepayer_portal::store::MessageKind;
    use ratepayer_portal::{ProcessorOutcome, ProcessorResult};

    let db = TempDb::new("v5-outbox");
    let key = idempotency_key("shelby", "000100001", "2025-10", 0).to_string();
    {
        let store: Arc<dyn Store> = Arc::new(SqliteStore::open(db.path()).unwrap());
        let notifier = Arc::new(RecordingNotifier::new());
        let a = shelby_as("shelby", store.clone(), notifier.clone());
        portal_support::claims::enrolled_owner_with(
            &a,
            &notifier,
            "100001",
            1,
            ratepayer::fees::PaymentMethod::Echeck,
        );
        assert_eq!(
            a.run_autopay_cycle(date(2025, 11, 24), nov(24, 6))
                .unwrap()
                .drafted,
            1
        );
    }
    {
        let conn = Connection::open(db.path()).unwrap();
        back_to_version_7(&conn);
        conn.execute_batch("DROP TABLE outbox; PRAGMA user_version = 5;")
            .unwrap();
    }
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(db.path()).unwrap());
    let a = shelby_as("shelby", store.clone(), Arc::new(RecordingNotifier::new()));
    assert!(a.outbox_messages().unwrap().is_empty());
    let again = a.run_autopay_cycle(date(2025, 11, 24), nov(24, 7)).unwrap();
    assert_eq!((again.drafted, again.notices_queued), (0, 0));
    let failed = ProcessorResult {
        key: key.clone(),
        outcome: ProcessorOutcome::Returned {
            code: AchReturnCode::R01,
        },
        reference: None,
        message: None,
    };
    a.record_result(&failed, nov(26, 9)).unwrap();
    a.record_result(&failed, nov(26, 10)).unwrap();
    let kinds: Vec<MessageKind> = a
        .outbox_messages()
        .unwrap()
        .iter()
        .map(|m| m.kind)
        .collect();
    assert_eq!(kinds, [MessageKind::PaymentFailed]);
}

/// Migration 7 on a version 6 database: its payment, draft, outbox and
/// audit records hold every field in `data` (as version 6 wrote them), and read
/// back exactly as they were (messages are delivered and marked in both); a draft recorded then is handed off and settled (its record kept
/// whole, its status in `payment_status` since migration 8), while a draft
/// recorded now keeps in `data` only what no column holds, and reads back
/// the same.
#[test]
fn a_version_6_database_keeps_its_whole_records() {
    use ratepayer_portal::store::{PaymentRow, PaymentStatus};
    use ratepayer_portal::{FakeProcessor, ProcessorOutcome, ProcessorResult};

    let db = TempDb::new("v6-payments");
    let key = idempotency_key("shelby", "000100001", "2025-10", 0).to_string();
    let before: PaymentRow;
    let drafts_before: Vec<ratepayer_portal::store::DraftRow>;
    let messages_before: Vec<ratepayer_portal::store::OutboxMessage>;
    let audit_before: Vec<ratepayer_portal::store::AuditEvent>;
    {
        let store: Arc<dyn Store> = Arc::new(SqliteStore::open(db.path()).unwrap());
        let notifier = Arc::new(RecordingNotifier::new());
        let a = shelby_as("shelby", store.clone(), notifier.clone());
        enrolled_owner(&a, &notifier, "100001", 1);
        enrolled_owner(&a, &notifier, "100002", 2);
        assert_eq!(
            a.run_autopay_cycle(date(2025, 11, 24), nov(24, 6))
                .unwrap()
                .drafted,
            2
        );
        let mut tx = store.begin().unwrap();
        before = tx
            .payment_by_processor_key("shelby", &key)
            .unwrap()
            .unwrap();
        drafts_before = ["000100001", "000100002"]
            .iter()
            .flat_map(|a| tx.drafts("shelby", a).unwrap())
            .collect();
        tx.commit().unwrap();
        // Written now: compact, with no copy of its columns.
        let conn = Connection::open(db.path()).unwrap();
        for field in ["id", "utility", "login", "amount", "total", "status", "at"] {
            let kind: Option<String> = conn
                .query_row(
                    &format!("SELECT json_type(data, '$.{field}') FROM payments WHERE processor_key = ?1"),
                    [&key],
                    |r| r.get(0),
                )
                .unwrap();
            assert_eq!(kind, None, "{field} is in the record");
        }
        // Back to version 6: every payment record whole in `data`, as
        // version 6 wrote it.
        let whole: Vec<(String, String)> = {
            let mut tx = store.begin().unwrap();
            let rows = tx
                .payments_with_status("shelby", PaymentStatus::Pending)
                .unwrap();
            tx.commit().unwrap();
            rows.iter()
                .map(|p| (p.id.clone(), serde_json::to_string(p).unwrap()))
                .collect()
        };
        assert_eq!(whole.len(), 2);
        for (id, data) in &whole {
            conn.execute(
                "UPDATE payments SET data = ?2 WHERE id = ?1",
                params![id, data],
            )
            .unwrap();
        }
        // And every draft whole in `data` (written now: `{}`).
        let empty: i64 = conn
            .query_row("SELECT count(*) FROM drafts WHERE data = '{}'", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(empty, 2);
        for draft in &drafts_before {
            conn.execute(
                "UPDATE drafts SET data = ?2 WHERE idempotency_key = ?1",
                params![draft.idempotency_key, serde_json::to_string(draft).unwrap()],
            )
            .unwrap();
        }
        // And every outbox message whole in `data` (with its nulls).
        messages_before = a.outbox_messages().unwrap();
        assert!(!messages_before.is_empty());
        for m in &messages_before {
            let mut whole = serde_json::to_value(m).unwrap();
            whole["last_error"] = serde_json::to_value(&m.last_error).unwrap();
            whole["delivered_at"] = serde_json::to_value(m.delivered_at).unwrap();
            conn.execute(
                "UPDATE outbox SET data = ?2 WHERE dedupe_key = ?1",
                params![m.dedupe_key, whole.to_string()],
            )
            .unwrap();
        }
        // And every audit event whole in `data`.
        audit_before = {
            let mut tx = store.begin().unwrap();
            tx.audit_events("shelby").unwrap()
        };
        let seqs: Vec<i64> = conn
            .prepare("SELECT seq FROM audit WHERE utility = 'shelby' ORDER BY seq")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(seqs.len(), audit_before.len());
        for (seq, event) in seqs.iter().zip(&audit_before) {
            conn.execute(
                "UPDATE audit SET data = ?2 WHERE seq = ?1",
                params![seq, serde_json::to_string(event).unwrap()],
            )
            .unwrap();
        }
        drop(a);
        drop(store);
        back_to_version_7(&conn);
        conn.execute_batch("PRAGMA user_version = 6;").unwrap();
    }
    let sqlite = Arc::new(SqliteStore::open(db.path()).unwrap());
    assert_eq!(sqlite.schema_version().unwrap(), SCHEMA_VERSION);
    let store: Arc<dyn Store> = sqlite;
    {
        let mut tx = store.begin().unwrap();
        let read = tx
            .payment_by_processor_key("shelby", &key)
            .unwrap()
            .unwrap();
        assert_eq!(read, before);
        assert_eq!(
            tx.payment("shelby", &before.id).unwrap(),
            Some(before.clone())
        );
        assert_eq!(
            tx.payments_of_account("shelby", "000100001").unwrap(),
            vec![before.clone()]
        );
        let drafts: Vec<_> = ["000100001", "000100002"]
            .iter()
            .flat_map(|a| tx.drafts("shelby", a).unwrap())
            .collect();
        assert_eq!(drafts, drafts_before);
        assert_eq!(tx.audit_events("shelby").unwrap(), audit_before);
    }
    let a = shelby_as("shelby", store.clone(), Arc::new(RecordingNotifier::new()));
    assert_eq!(a.outbox_messages().unwrap(), messages_before);
    let delivered = a.deliver_outbox(nov(24, 6), usize::MAX).unwrap();
    let undelivered = messages_before
        .iter()
        .filter(|m| m.delivered_at.is_none())
        .count();
    assert!(undelivered > 0);
    assert_eq!(delivered.delivered, undelivered);
    {
        // Marked delivered in its columns and in the whole record alike.
        let conn = Connection::open(db.path()).unwrap();
        let undelivered: i64 = conn
            .query_row(
                "SELECT count(*) FROM outbox
                 WHERE delivered_s IS NULL OR data ->> '$.delivered_at' IS NULL",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(undelivered, 0);
    }
    assert!(a
        .outbox_messages()
        .unwrap()
        .iter()
        .all(|m| m.delivered_at.is_some()));
    let sent = a.submit_pending(&FakeProcessor::new(), nov(24, 7)).unwrap();
    assert_eq!(sent.submitted.len(), 2);
    {
        let mut tx = store.begin().unwrap();
        let p = tx.payment("shelby", &before.id).unwrap().unwrap();
        assert_eq!(p.status, PaymentStatus::Submitted);
        assert_eq!(p.settlement.submitted_at, Some(nov(24, 7)));
        let expected = PaymentRow {
            status: PaymentStatus::Submitted,
            settlement: p.settlement.clone(),
            ..before.clone()
        };
        assert_eq!(p, expected);
    }
    {
        // The record written by version 6 is still whole but for its
        // status, which migration 8 moved to `payment_status`.
        let conn = Connection::open(db.path()).unwrap();
        let (status, in_data, amount): (String, Option<String>, Option<String>) = conn
            .query_row(
                "SELECT s.status, p.data ->> '$.status', p.data ->> '$.amount.amount'
                 FROM payments p JOIN payment_status s ON s.payment = p.seq WHERE p.id = ?1",
                [&before.id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap();
        assert_eq!((status.as_str(), in_data), ("submitted", None));
        assert_eq!(amount, Some(before.amount.amount().to_string()));
    }
    a.record_result(
        &ProcessorResult {
            key: key.clone(),
            outcome: ProcessorOutcome::Settled {
                on: date(2025, 11, 25),
            },
            reference: None,
            message: None,
        },
        nov(25, 12),
    )
    .unwrap();
    let mut tx = store.begin().unwrap();
    let settled = tx.payment("shelby", &before.id).unwrap().unwrap();
    assert_eq!(settled.status, PaymentStatus::Settled);
    assert_eq!(settled.amount, before.amount);
    assert_eq!(settled.total, before.total);
    assert_eq!(settled.allocation, before.allocation);
}

/// Migration 8 on a version 7 database: each payment's status (and the
/// processor's reference and submission instant a version 7 hand-off wrote
/// into its record) moves out of the `payments` row into `payment_status`,
/// and every payment reads back exactly as before, by id, by processor
/// key, by account and by status; the payment still pending is handed off
/// (a row of `payment_status` changed, the record left as it was), and
/// both are settled as before.
#[test]
fn a_version_7_database_keeps_its_payments_and_statuses() {
    use ratepayer_portal::store::{PaymentRow, PaymentStatus};
    use ratepayer_portal::{FakeProcessor, ProcessorOutcome, ProcessorResult};

    let db = TempDb::new("v7-statuses");
    let keys: Vec<String> = ["000100001", "000100002"]
        .iter()
        .map(|a| idempotency_key("shelby", a, "2025-10", 0).to_string())
        .collect();
    let before: Vec<PaymentRow>;
    {
        let store: Arc<dyn Store> = Arc::new(SqliteStore::open(db.path()).unwrap());
        let notifier = Arc::new(RecordingNotifier::new());
        let a = shelby_as("shelby", store.clone(), notifier.clone());
        enrolled_owner(&a, &notifier, "100001", 1);
        enrolled_owner(&a, &notifier, "100002", 2);
        assert_eq!(
            a.run_autopay_cycle(date(2025, 11, 24), nov(24, 6))
                .unwrap()
                .drafted,
            2
        );
        // The first handed off (reference and instant set), the second
        // still pending.
        let mut tx = store.begin().unwrap();
        let first = tx
            .payment_by_processor_key("shelby", &keys[0])
            .unwrap()
            .unwrap();
        assert!(tx
            .mark_payment_submitted(
                "shelby",
                &first.id,
                "ref-1",
                nov(24, 7) + chrono::Duration::nanoseconds(5)
            )
            .unwrap());
        before = keys
            .iter()
            .map(|k| tx.payment_by_processor_key("shelby", k).unwrap().unwrap())
            .collect();
        tx.commit().unwrap();
        assert_eq!(before[0].status, PaymentStatus::Submitted);
        assert_eq!(before[0].settlement.reference.as_deref(), Some("ref-1"));
        assert_eq!(before[1].status, PaymentStatus::Pending);
    }
    {
        // Back to version 7: the status in the `payments` row, the
        // reference and instant in the record (as version 7 wrote them,
        // the instant to the nanosecond).
        let conn = Connection::open(db.path()).unwrap();
        back_to_version_7(&conn);
        for p in &before {
            // Version 7 kept the allocation whole.
            conn.execute(
                "UPDATE payments
                 SET data = json_set(json_remove(data, '$.alloc'), '$.allocation', json(?2))
                 WHERE id = ?1",
                params![p.id, serde_json::to_string(&p.allocation).unwrap()],
            )
            .unwrap();
        }
        conn.execute(
            "UPDATE payments SET data = json_set(data, '$.settlement.submitted_at', ?2)
             WHERE id = ?1",
            params![
                before[0].id,
                serde_json::to_value(before[0].settlement.submitted_at)
                    .unwrap()
                    .as_str()
                    .unwrap()
            ],
        )
        .unwrap();
        let statuses: Vec<String> = conn
            .prepare("SELECT status FROM payments ORDER BY seq")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(statuses, ["submitted", "pending"]);
    }
    let sqlite = Arc::new(SqliteStore::open(db.path()).unwrap());
    assert_eq!(sqlite.schema_version().unwrap(), SCHEMA_VERSION);
    assert_eq!(SCHEMA_VERSION, 8);
    let store: Arc<dyn Store> = sqlite;
    {
        let mut tx = store.begin().unwrap();
        for (p, account) in before.iter().zip(["000100001", "000100002"]) {
            assert_eq!(tx.payment("shelby", &p.id).unwrap().as_ref(), Some(p));
            assert_eq!(
                tx.payment_by_processor_key("shelby", p.processor_key.as_deref().unwrap())
                    .unwrap()
                    .as_ref(),
                Some(p)
            );
            assert_eq!(
                tx.payments_of_account("shelby", account).unwrap(),
                vec![p.clone()]
            );
        }
        assert_eq!(
            tx.payments_with_status("shelby", PaymentStatus::Submitted)
                .unwrap(),
            vec![before[0].clone()]
        );
        assert_eq!(
            tx.payments_with_status("shelby", PaymentStatus::Pending)
                .unwrap(),
            vec![before[1].clone()]
        );
    }
    {
        // The status moved: no column, no index, one row per payment.
        let conn = Connection::open(db.path()).unwrap();
        let columns: Vec<String> = conn
            .prepare("SELECT name FROM pragma_table_info('payments')")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(!columns.iter().any(|c| c == "status"), "{columns:?}");
        let rows: Vec<(String, Option<String>)> = conn
            .prepare("SELECT status, reference FROM payment_status ORDER BY payment")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            rows,
            [("submitted".to_owned(), None), ("pending".to_owned(), None)]
        );
    }
    // The pending one is handed off: its status row changes, its record
    // does not.
    let record = |id: &str| -> String {
        Connection::open(db.path())
            .unwrap()
            .query_row("SELECT data FROM payments WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .unwrap()
    };
    let pending_record = record(&before[1].id);
    assert!(
        pending_record.contains("\"allocation\":{"),
        "{pending_record}"
    );
    let a = shelby_as("shelby", store.clone(), Arc::new(RecordingNotifier::new()));
    let sent = a.submit_pending(&FakeProcessor::new(), nov(24, 8)).unwrap();
    assert_eq!(sent.submitted.len(), 1);
    assert_eq!(record(&before[1].id), pending_record);
    {
        let mut tx = store.begin().unwrap();
        let p = tx.payment("shelby", &before[1].id).unwrap().unwrap();
        assert_eq!(p.status, PaymentStatus::Submitted);
        assert_eq!(p.settlement.submitted_at, Some(nov(24, 8)));
        assert_eq!(
            p,
            PaymentRow {
                status: PaymentStatus::Submitted,
                settlement: p.settlement.clone(),
                ..before[1].clone()
            }
        );
        assert!(tx
            .payments_with_status("shelby", PaymentStatus::Pending)
            .unwrap()
            .is_empty());
    }
    for key in &keys {
        a.record_result(
            &ProcessorResult {
                key: key.clone(),
                outcome: ProcessorOutcome::Settled {
                    on: date(2025, 11, 25),
                },
                reference: None,
                message: None,
            },
            nov(25, 12),
        )
        .unwrap();
    }
    let mut tx = store.begin().unwrap();
    for p in &before {
        let settled = tx.payment("shelby", &p.id).unwrap().unwrap();
        assert_eq!(settled.status, PaymentStatus::Settled);
        assert_eq!(settled.allocation, p.allocation);
        assert_eq!(settled.total, p.total);
    }
    let first = tx.payment("shelby", &before[0].id).unwrap().unwrap();
    assert_eq!(first.settlement.reference.as_deref(), Some("ref-1"));
    assert_eq!(
        first.settlement.submitted_at,
        before[0].settlement.submitted_at
    );
    assert_eq!(
        tx.payments_with_status("shelby", PaymentStatus::Settled)
            .unwrap()
            .len(),
        2
    );
}
