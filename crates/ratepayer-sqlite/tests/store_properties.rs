//! Property tests: records with arbitrary text (any Unicode, quotes,
//! control characters), amounts of any scale and instants to the
//! nanosecond read back exactly from `SqliteStore`; and random sequences of
//! bills and drafts read back in the same order from `SqliteStore` as from
//! `MemoryStore` (the reference).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use chrono::{DateTime, Days, Utc};
use common::*;
use proptest::prelude::*;
use ratepayer::{Currency, Money};
use ratepayer_portal::store::{MemoryStore, Store};
use ratepayer_sqlite::SqliteStore;
use rust_decimal::Decimal;

const U: &str = "shelby";

fn money() -> impl Strategy<Value = Money> {
    (any::<i64>(), 0u32..=8)
        .prop_map(|(v, scale)| Money::new(Decimal::new(v, scale), Currency::USD))
}

fn instant() -> impl Strategy<Value = DateTime<Utc>> {
    // 1970 to about 2100, any nanosecond.
    (0i64..4_100_000_000, 0u32..1_000_000_000)
        .prop_map(|(s, n)| DateTime::<Utc>::from_timestamp(s, n).unwrap())
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[a-z'\"\\\\ %_]{0,12}".prop_map(String::from),
    ]
}

fn seeded(store: &dyn Store) {
    let mut tx = store.begin().unwrap();
    tx.insert_login(&login("l1", U, "pat")).unwrap();
    tx.put_account(&account(U, "100001", Some("l1"))).unwrap();
    tx.commit().unwrap();
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn records_read_back_exactly(
        id in text(),
        username in text(),
        email in text(),
        created in instant(),
        credit in money(),
        address in proptest::option::of(text()),
        description in text(),
        amount in money(),
        key in text(),
        executed in instant(),
        detail in text(),
    ) {
        let store = SqliteStore::open_in_memory().unwrap();
        seeded(&store);
        let mut tx = store.begin().unwrap();

        let mut l = login(&id, U, &username);
        l.email = email;
        l.created_at = created;
        if id != "l1" && username != "pat" {
            tx.insert_login(&l).unwrap();
            same(&tx.login(&id).unwrap().unwrap(), &l);
            same(&tx.login_by_username(U, &username).unwrap().unwrap(), &l);
        }

        let mut a = account(U, "100001", Some(&id));
        a.credit = credit;
        a.service_address = address;
        tx.put_account(&a).unwrap();
        same(&tx.account(U, "100001").unwrap().unwrap(), &a);

        let mut b = bill(U, "100001", &key, day(2026, 1, 5));
        b.lines[0].description = description;
        b.lines[1].amount = amount;
        b.total = amount;
        tx.insert_bill(&b).unwrap();
        same(&tx.bills(U, "100001").unwrap()[0], &b);

        let mut d = draft(&key, U, "100001", "2026-01-01T00:00:00Z");
        d.executed_at = executed;
        d.total = amount;
        prop_assert!(tx.claim_draft(&d).unwrap());
        same(&tx.drafts(U, "100001").unwrap()[0], &d);

        let mut e = audit(U, ratepayer_portal::store::AuditKind::SettingsChanged, &detail);
        e.at = executed;
        tx.append_audit(&e).unwrap();
        same(&tx.audit_events(U).unwrap()[0], &e);
        tx.commit().unwrap();
    }

    /// A payment reads back exactly (its allocation stored compact, or
    /// whole when an amount is in another currency), before and after a
    /// hand-off marks it submitted (reference and instant in its status
    /// row) and after it is written whole again.
    #[test]
    fn payments_read_back_exactly(
        amounts in proptest::collection::vec(money(), 1..7),
        charge in text(),
        foreign in any::<bool>(),
        reference in text(),
        submitted in instant(),
    ) {
        use ratepayer::payment::{AccountAllocation, AllocatedItem, ChargeKind};
        use ratepayer_portal::store::PaymentStatus;

        let store = SqliteStore::open_in_memory().unwrap();
        seeded(&store);
        let mut tx = store.begin().unwrap();
        let mut p = payment("p1", U, "l1", &["100001", "100002"]);
        let amount = |i: usize| amounts[i % amounts.len()];
        p.allocation.total = amount(0);
        for (n, share) in p.allocation.accounts.iter_mut().enumerate() {
            share.paid = amount(n + 1);
            share.credit = amount(n + 2);
            share.items = (0..n + 1)
                .map(|i| AllocatedItem {
                    charge_id: format!("{charge}{i}"),
                    kind: ChargeKind::Balance,
                    due_date: day(2026, 2, 20),
                    applied: amount(n + i + 3),
                    remaining: amount(n + i + 4),
                })
                .collect();
        }
        if foreign {
            p.allocation.accounts.push(AccountAllocation {
                account: "100003".into(),
                paid: Money::new(Decimal::new(105, 1), Currency::EUR),
                items: Vec::new(),
                credit: Money::new(Decimal::ZERO, Currency::EUR),
            });
        }
        tx.insert_payment(&p).unwrap();
        same(&tx.payment(U, "p1").unwrap().unwrap(), &p);
        prop_assert!(tx.mark_payment_submitted(U, "p1", &reference, submitted).unwrap());
        let mut marked = p.clone();
        marked.status = PaymentStatus::Submitted;
        marked.settlement.reference = Some(reference.clone());
        marked.settlement.submitted_at = Some(submitted);
        same(&tx.payment(U, "p1").unwrap().unwrap(), &marked);
        same(&tx.payments_with_status(U, PaymentStatus::Submitted).unwrap()[0], &marked);
        marked.status = PaymentStatus::Settled;
        tx.update_payment(&marked).unwrap();
        same(&tx.payments_of_account(U, "100001").unwrap()[0], &marked);
        tx.commit().unwrap();
    }

    #[test]
    fn bills_and_drafts_come_back_in_the_reference_order(
        bills in proptest::collection::vec(("[a-c]{1,3}", 0u64..60), 0..12),
        drafts in proptest::collection::vec(("[a-z0-9]{1,6}", instant(), 0u32..3), 0..12),
    ) {
        let reference = MemoryStore::new();
        let sqlite = SqliteStore::open_in_memory().unwrap();
        let stores: [&dyn Store; 2] = [&reference, &sqlite];
        let mut seen = Vec::new();
        for store in stores {
            seeded(store);
            let mut tx = store.begin().unwrap();
            let mut outcomes = Vec::new();
            for (id, offset) in &bills {
                let date = day(2026, 1, 1).checked_add_days(Days::new(*offset)).unwrap();
                outcomes.push(tx.insert_bill(&bill(U, "100001", id, date)).map_err(|e| e.kind));
            }
            for (key, at, attempt) in &drafts {
                let mut d = draft(key, U, "100001", "2026-01-01T00:00:00Z");
                d.executed_at = *at;
                d.attempt = *attempt;
                outcomes.push(tx.claim_draft(&d).map(|_| ()).map_err(|e| e.kind));
            }
            let bills = tx.bills(U, "100001").unwrap();
            let drafts = tx.drafts(U, "100001").unwrap();
            seen.push((outcomes, bills, drafts));
        }
        prop_assert_eq!(&seen[0], &seen[1]);
    }
}
