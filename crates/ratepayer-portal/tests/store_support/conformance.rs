//! The storage conformance suite: what every implementation of
//! `ratepayer_portal::store::Store` must do, written once as functions over
//! `&dyn Store`. Each adapter's `tests/conformance.rs` includes this file
//! with `#[path]` and runs every check ([`for_each_conformance_check`])
//! against its stores. Every method round-trips its records exactly and
//! returns them in the port's documented order; keys that must be unique
//! are; a dropped transaction leaves nothing behind and a committed one is
//! visible; a draft's idempotency key is claimed once.
#![allow(dead_code)]

use crate::common::*;
use ratepayer_portal::store::{
    AuditKind, EnrolmentStatus, PaymentStatus, Role, StorageErrorKind, Store, Tx,
};

pub const U: &str = "shelby";
pub const OTHER: &str = "crow-wing";

/// Two logins and three accounts of `U` (and one account of `OTHER`),
/// committed: what the other records refer to.
pub fn seed(store: &dyn Store) {
    let mut tx = store.begin().unwrap();
    tx.insert_login(&login("l1", U, "pat")).unwrap();
    tx.insert_login(&login("l2", U, "sam")).unwrap();
    tx.insert_login(&login("l3", OTHER, "pat")).unwrap();
    for n in ["100001", "100002", "100003"] {
        tx.put_account(&account(U, n, Some("l1"))).unwrap();
    }
    tx.put_account(&account(OTHER, "100001", Some("l3")))
        .unwrap();
    tx.commit().unwrap();
}

pub fn logins_round_trip(store: &dyn Store) {
    seed(store);
    let mut tx = store.begin().unwrap();
    same(&tx.login("l1").unwrap().unwrap(), &login("l1", U, "pat"));
    same(
        &tx.login_by_username(U, "pat").unwrap().unwrap(),
        &login("l1", U, "pat"),
    );
    same(
        &tx.login_by_username(OTHER, "pat").unwrap().unwrap(),
        &login("l3", OTHER, "pat"),
    );
    assert!(tx.login("nobody").unwrap().is_none());
    assert!(tx.login_by_username(U, "nobody").unwrap().is_none());

    let mut changed = login("l1", U, "pat");
    changed.must_change_password = false;
    changed.credential.pepper_id = None;
    changed.email = "new@example.com".to_owned();
    tx.update_login(&changed).unwrap();
    same(&tx.login("l1").unwrap().unwrap(), &changed);
    same(&tx.login_by_username(U, "pat").unwrap().unwrap(), &changed);

    let err = tx.update_login(&login("nobody", U, "nobody")).unwrap_err();
    assert_eq!(err.kind, StorageErrorKind::NotFound);
    assert!(tx.login("nobody").unwrap().is_none());
    tx.commit().unwrap();

    let mut tx = store.begin().unwrap();
    same(&tx.login("l1").unwrap().unwrap(), &changed);
}

pub fn login_uniqueness(store: &dyn Store) {
    seed(store);
    let mut tx = store.begin().unwrap();
    // The same username in the same utility, under a new id.
    let err = tx.insert_login(&login("l9", U, "pat")).unwrap_err();
    assert_eq!(err.kind, StorageErrorKind::Conflict);
    assert_eq!(err.code(), "storage.conflict");
    assert!(err.message.contains("pat"), "{}", err.message);
    // The same id again.
    let err = tx.insert_login(&login("l1", U, "newname")).unwrap_err();
    assert_eq!(err.kind, StorageErrorKind::Conflict);
    // The transaction goes on after a conflict.
    tx.insert_login(&login("l4", U, "kim")).unwrap();
    tx.commit().unwrap();

    let mut tx = store.begin().unwrap();
    assert!(tx.login("l9").unwrap().is_none());
    same(&tx.login("l1").unwrap().unwrap(), &login("l1", U, "pat"));
    same(&tx.login("l4").unwrap().unwrap(), &login("l4", U, "kim"));
}

pub fn contacts_codes_devices_round_trip(store: &dyn Store) {
    seed(store);
    let mut tx = store.begin().unwrap();
    let mut zed = contact("l1", "zed@example.com");
    zed.verified_at = None;
    tx.put_contact(&zed).unwrap();
    tx.put_contact(&contact("l1", "amy@example.com")).unwrap();
    tx.put_contact(&contact("l2", "other@example.com")).unwrap();
    // Replacing a contact (by login and contact): now verified.
    tx.put_contact(&contact("l1", "zed@example.com")).unwrap();
    let got = tx.contacts("l1").unwrap();
    assert_eq!(got.len(), 2);
    same(&got[0], &contact("l1", "amy@example.com"));
    same(&got[1], &contact("l1", "zed@example.com"));
    assert!(tx.contacts("nobody").unwrap().is_empty());

    tx.put_code(&code("c1", "l1")).unwrap();
    same(&tx.code("c1").unwrap().unwrap(), &code("c1", "l1"));
    let mut moved = code("c1", "l2");
    moved.record = code("c0", "l2").record;
    tx.put_code(&moved).unwrap();
    same(&tx.code("c1").unwrap().unwrap(), &moved);
    assert!(tx.code("c2").unwrap().is_none());

    tx.put_device(&device("d2", "l1")).unwrap();
    tx.put_device(&device("d1", "l1")).unwrap();
    tx.put_device(&device("d3", "l2")).unwrap();
    tx.put_device(&device("d2", "l1")).unwrap();
    let got = tx.devices("l1").unwrap();
    assert_eq!(got.len(), 2);
    same(&got[0], &device("d1", "l1"));
    same(&got[1], &device("d2", "l1"));
    tx.commit().unwrap();

    let mut tx = store.begin().unwrap();
    assert_eq!(tx.contacts("l1").unwrap().len(), 2);
    same(&tx.code("c1").unwrap().unwrap(), &moved);
    assert_eq!(tx.devices("l2").unwrap().len(), 1);
}

pub fn accounts_and_links(store: &dyn Store) {
    seed(store);
    let mut tx = store.begin().unwrap();
    same(
        &tx.account(U, "100001").unwrap().unwrap(),
        &account(U, "100001", Some("l1")),
    );
    assert!(tx.account(U, "999999").unwrap().is_none());
    assert_eq!(tx.account(OTHER, "100001").unwrap().unwrap().utility, OTHER);

    let mut changed = account(U, "100002", None);
    changed.paperless = false;
    changed.billing_email = None;
    changed.credit = usd("0.00");
    tx.put_account(&changed).unwrap();
    same(&tx.account(U, "100002").unwrap().unwrap(), &changed);

    tx.put_link(&link("l1", U, "100003", Role::Owner)).unwrap();
    tx.put_link(&link("l1", U, "100001", Role::Owner)).unwrap();
    tx.put_link(&link("l2", U, "100001", Role::AuthorizedUser))
        .unwrap();
    // Replacing a link keeps its place.
    let mut renamed = link("l1", U, "100003", Role::Owner);
    renamed.nickname = None;
    renamed.by_staff = false;
    tx.put_link(&renamed).unwrap();
    let got = tx.links_of_login("l1").unwrap();
    assert_eq!(got.len(), 2);
    same(&got[0], &renamed);
    same(&got[1], &link("l1", U, "100001", Role::Owner));
    let got = tx.links_of_account(U, "100001").unwrap();
    assert_eq!(got.len(), 2);
    same(&got[0], &link("l1", U, "100001", Role::Owner));
    same(&got[1], &link("l2", U, "100001", Role::AuthorizedUser));
    assert!(tx.links_of_account(OTHER, "100001").unwrap().is_empty());

    assert!(tx.delete_link("l1", U, "100003").unwrap());
    assert!(!tx.delete_link("l1", U, "100003").unwrap());
    assert!(!tx.delete_link("l1", OTHER, "100001").unwrap());
    assert_eq!(tx.links_of_login("l1").unwrap().len(), 1);
    tx.commit().unwrap();

    let mut tx = store.begin().unwrap();
    assert_eq!(tx.links_of_login("l1").unwrap().len(), 1);
    assert_eq!(tx.links_of_account(U, "100001").unwrap().len(), 2);
    same(&tx.account(U, "100002").unwrap().unwrap(), &changed);
}

pub fn bills_newest_first_and_unique(store: &dyn Store) {
    seed(store);
    let mut tx = store.begin().unwrap();
    tx.insert_bill(&bill(U, "100001", "b-jan", day(2026, 1, 5)))
        .unwrap();
    tx.insert_bill(&bill(U, "100001", "b-mar", day(2026, 3, 5)))
        .unwrap();
    tx.insert_bill(&bill(U, "100001", "b-feb", day(2026, 2, 5)))
        .unwrap();
    // Same date: the later id first.
    tx.insert_bill(&bill(U, "100001", "b-feb2", day(2026, 2, 5)))
        .unwrap();
    tx.insert_bill(&bill(U, "100002", "b-jan", day(2026, 1, 5)))
        .unwrap();
    let err = tx
        .insert_bill(&bill(U, "100001", "b-feb", day(2026, 4, 5)))
        .unwrap_err();
    assert_eq!(err.kind, StorageErrorKind::Conflict);
    assert!(err.message.contains("b-feb"), "{}", err.message);

    let got = tx.bills(U, "100001").unwrap();
    let ids: Vec<&str> = got.iter().map(|b| b.bill_id.as_str()).collect();
    assert_eq!(ids, ["b-mar", "b-feb2", "b-feb", "b-jan"]);
    same(&got[2], &bill(U, "100001", "b-feb", day(2026, 2, 5)));
    assert_eq!(tx.bills(U, "100002").unwrap().len(), 1);
    assert!(tx.bills(U, "100003").unwrap().is_empty());
    tx.commit().unwrap();
    let mut tx = store.begin().unwrap();
    assert_eq!(tx.bills(U, "100001").unwrap().len(), 4);
}

pub fn charges_replace_by_id(store: &dyn Store) {
    seed(store);
    let mut tx = store.begin().unwrap();
    tx.put_charge(&charge(U, "100001", "c2", "24.20")).unwrap();
    tx.put_charge(&charge(U, "100001", "c1", "60.00")).unwrap();
    tx.put_charge(&charge(U, "100002", "c1", "5.00")).unwrap();
    // Paid: kept with amount zero.
    tx.put_charge(&charge(U, "100001", "c2", "0.00")).unwrap();
    let got = tx.charges(U, "100001").unwrap();
    assert_eq!(got.len(), 2);
    same(&got[0], &charge(U, "100001", "c1", "60.00"));
    same(&got[1], &charge(U, "100001", "c2", "0.00"));
    assert_eq!(tx.charges(U, "100002").unwrap().len(), 1);
    assert!(tx.charges(OTHER, "100001").unwrap().is_empty());
    tx.commit().unwrap();
    let mut tx = store.begin().unwrap();
    same(
        &tx.charges(U, "100001").unwrap()[1],
        &charge(U, "100001", "c2", "0.00"),
    );
}

pub fn payment_methods_and_payments(store: &dyn Store) {
    seed(store);
    let mut tx = store.begin().unwrap();
    tx.insert_payment_method(&payment_method("pm2", "l1"))
        .unwrap();
    tx.insert_payment_method(&payment_method("pm1", "l1"))
        .unwrap();
    tx.insert_payment_method(&payment_method("pm3", "l2"))
        .unwrap();
    let got = tx.payment_methods("l1").unwrap();
    assert_eq!(got.len(), 2);
    same(&got[0], &payment_method("pm2", "l1"));
    same(&got[1], &payment_method("pm1", "l1"));

    let both = payment("p1", U, "l1", &["100001", "100002"]);
    let one = payment("p2", U, "l1", &["100002"]);
    let first = payment("p0", U, "l1", &["100001"]);
    tx.insert_payment(&both).unwrap();
    tx.insert_payment(&one).unwrap();
    tx.insert_payment(&first).unwrap();
    tx.insert_payment(&payment("p9", OTHER, "l3", &["100001"]))
        .unwrap();
    let got = tx.payments_of_account(U, "100001").unwrap();
    assert_eq!(got.len(), 2);
    same(&got[0], &both);
    same(&got[1], &first);
    let got = tx.payments_of_account(U, "100002").unwrap();
    assert_eq!(got.len(), 2);
    same(&got[0], &both);
    same(&got[1], &one);
    assert!(tx.payments_of_account(U, "100003").unwrap().is_empty());
    assert_eq!(tx.payments_of_account(OTHER, "100001").unwrap().len(), 1);
    tx.commit().unwrap();
    let mut tx = store.begin().unwrap();
    assert_eq!(tx.payments_of_account(U, "100002").unwrap().len(), 2);
    assert_eq!(tx.payment_methods("l2").unwrap().len(), 1);
}

/// Payments by id and processor key, their status changes, and the list
/// of a status oldest first (issue 16, the processor port).
pub fn payment_status_and_keys(store: &dyn Store) {
    seed(store);
    let mut tx = store.begin().unwrap();
    let a = payment("p1", U, "l1", &["100001", "100002"]);
    let b = payment("p2", U, "l1", &["100002"]);
    let other = payment("p1", OTHER, "l3", &["100001"]);
    tx.insert_payment(&a).unwrap();
    tx.insert_payment(&b).unwrap();
    if let Err(e) = tx.insert_payment(&other) {
        // SQLite and PostgreSQL keep payment ids unique across utilities.
        assert_eq!(e.kind, StorageErrorKind::Conflict);
    }
    tx.commit().unwrap();
    let mut tx = store.begin().unwrap();
    same(&tx.payment(U, "p1").unwrap().unwrap(), &a);
    assert!(tx.payment(U, "nope").unwrap().is_none());
    same(
        &tx.payment_by_processor_key(U, "shelby-proc-p2")
            .unwrap()
            .unwrap(),
        &b,
    );
    assert!(tx
        .payment_by_processor_key(OTHER, "shelby-proc-p2")
        .unwrap()
        .is_none());
    let pending = tx.payments_with_status(U, PaymentStatus::Pending).unwrap();
    assert_eq!(
        pending.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(),
        ["p1", "p2"]
    );
    let mut settled = a.clone();
    settled.status = PaymentStatus::Settled;
    settled.settlement.reference = Some("ref-1".into());
    settled.settlement.settled_on = Some(day(2026, 2, 18));
    settled.settlement.return_code = Some(ratepayer::autopay::failures::AchReturnCode::R01);
    tx.update_payment(&settled).unwrap();
    let mut missing = b.clone();
    missing.id = "p404".into();
    assert_eq!(
        tx.update_payment(&missing).unwrap_err().kind,
        StorageErrorKind::NotFound
    );
    tx.commit().unwrap();
    let mut tx = store.begin().unwrap();
    same(&tx.payment(U, "p1").unwrap().unwrap(), &settled);
    same(&tx.payments_of_account(U, "100001").unwrap()[0], &settled);
    let pending = tx.payments_with_status(U, PaymentStatus::Pending).unwrap();
    assert_eq!(pending.len(), 1);
    same(&pending[0], &b);
    let done = tx.payments_with_status(U, PaymentStatus::Settled).unwrap();
    assert_eq!(done.len(), 1);
    same(&done[0], &settled);
}

pub fn enrolments(store: &dyn Store) {
    seed(store);
    let mut tx = store.begin().unwrap();
    tx.put_enrolment(&enrolment(U, "100003", "l1", EnrolmentStatus::Active))
        .unwrap();
    tx.put_enrolment(&enrolment(U, "100001", "l1", EnrolmentStatus::Active))
        .unwrap();
    tx.put_enrolment(&enrolment(U, "100002", "l1", EnrolmentStatus::Active))
        .unwrap();
    tx.put_enrolment(&enrolment(OTHER, "100001", "l3", EnrolmentStatus::Active))
        .unwrap();
    // Cancelled: kept, but no longer active.
    let cancelled = enrolment(U, "100002", "l1", EnrolmentStatus::Cancelled);
    tx.put_enrolment(&cancelled).unwrap();
    same(&tx.enrolment(U, "100002").unwrap().unwrap(), &cancelled);
    assert!(tx.enrolment(U, "999999").unwrap().is_none());
    let got = tx.active_enrolments(U).unwrap();
    let accounts: Vec<&str> = got.iter().map(|e| e.account.as_str()).collect();
    assert_eq!(accounts, ["100001", "100003"]);
    same(
        &got[0],
        &enrolment(U, "100001", "l1", EnrolmentStatus::Active),
    );
    assert_eq!(tx.active_enrolments(OTHER).unwrap().len(), 1);
    assert!(tx.active_enrolments("nowhere").unwrap().is_empty());
    tx.commit().unwrap();
    let mut tx = store.begin().unwrap();
    assert_eq!(tx.active_enrolments(U).unwrap().len(), 2);
}

pub fn drafts_claimed_once(store: &dyn Store) {
    seed(store);
    let mut tx = store.begin().unwrap();
    let first = draft("k1", U, "100001", "2026-02-20T06:00:00Z");
    assert!(tx.claim_draft(&first).unwrap());
    // The same key again, even with other details: refused, the first kept.
    let mut again = draft("k1", U, "100001", "2026-02-21T06:00:00Z");
    again.attempt = 1;
    assert!(!tx.claim_draft(&again).unwrap());
    tx.commit().unwrap();

    let mut tx = store.begin().unwrap();
    assert!(!tx.claim_draft(&first).unwrap());
    // Oldest first, to the fraction of a second; ties by attempt.
    let half = draft("k2", U, "100001", "2026-02-20T06:00:00.5Z");
    let mut retry = draft("k3", U, "100001", "2026-02-20T06:00:00Z");
    retry.attempt = 1;
    let early = draft("k4", U, "100001", "2026-02-19T23:59:59.999999999Z");
    assert!(tx.claim_draft(&half).unwrap());
    assert!(tx.claim_draft(&retry).unwrap());
    assert!(tx.claim_draft(&early).unwrap());
    assert!(tx
        .claim_draft(&draft("k5", U, "100002", "2026-02-20T06:00:00Z"))
        .unwrap());
    let got = tx.drafts(U, "100001").unwrap();
    let keys: Vec<&str> = got.iter().map(|d| d.idempotency_key.as_str()).collect();
    assert_eq!(keys, ["k4", "k1", "k3", "k2"]);
    same(&got[1], &first);
    assert_eq!(tx.drafts(U, "100002").unwrap().len(), 1);
    assert!(tx.drafts(OTHER, "100001").unwrap().is_empty());
}

pub fn audit_in_order(store: &dyn Store) {
    let mut tx = store.begin().unwrap();
    tx.append_audit(&audit(U, AuditKind::Registered, "first"))
        .unwrap();
    tx.append_audit(&audit(OTHER, AuditKind::LoginFailed, "elsewhere"))
        .unwrap();
    tx.append_audit(&audit(U, AuditKind::PaymentMade, "second"))
        .unwrap();
    tx.commit().unwrap();
    let mut tx = store.begin().unwrap();
    tx.append_audit(&audit(U, AuditKind::DraftExecuted, "third"))
        .unwrap();
    let got = tx.audit_events(U).unwrap();
    assert_eq!(got.len(), 3);
    same(&got[0], &audit(U, AuditKind::Registered, "first"));
    same(&got[1], &audit(U, AuditKind::PaymentMade, "second"));
    same(&got[2], &audit(U, AuditKind::DraftExecuted, "third"));
    assert_eq!(tx.audit_events(OTHER).unwrap().len(), 1);
    assert!(tx.audit_events("nowhere").unwrap().is_empty());
}

/// Writes one record of every kind in `tx`.
pub fn write_everything(tx: &mut dyn Tx) {
    tx.insert_login(&login("l7", U, "lee")).unwrap();
    tx.put_account(&account(U, "100007", Some("l7"))).unwrap();
    tx.put_contact(&contact("l7", "lee@example.com")).unwrap();
    tx.put_code(&code("c7", "l7")).unwrap();
    tx.put_device(&device("d7", "l7")).unwrap();
    tx.put_link(&link("l7", U, "100007", Role::Owner)).unwrap();
    tx.insert_bill(&bill(U, "100007", "b7", day(2026, 2, 1)))
        .unwrap();
    tx.put_charge(&charge(U, "100007", "c7", "84.20")).unwrap();
    tx.insert_payment_method(&payment_method("pm7", "l7"))
        .unwrap();
    tx.insert_payment(&payment("p7", U, "l7", &["100007"]))
        .unwrap();
    tx.put_enrolment(&enrolment(U, "100007", "l7", EnrolmentStatus::Active))
        .unwrap();
    assert!(tx
        .claim_draft(&draft("k7", U, "100007", "2026-02-20T06:00:00Z"))
        .unwrap());
    tx.append_audit(&audit(U, AuditKind::Registered, "lee"))
        .unwrap();
    // Changes to records that were there before, too.
    let mut l1 = login("l1", U, "pat");
    l1.must_change_password = false;
    tx.update_login(&l1).unwrap();
    tx.put_account(&account(U, "100001", None)).unwrap();
}

/// Asserts that nothing `write_everything` wrote is there.
pub fn nothing_written(tx: &mut dyn Tx) {
    assert!(tx.login("l7").unwrap().is_none());
    assert!(tx.login_by_username(U, "lee").unwrap().is_none());
    assert!(tx.account(U, "100007").unwrap().is_none());
    assert!(tx.contacts("l7").unwrap().is_empty());
    assert!(tx.code("c7").unwrap().is_none());
    assert!(tx.devices("l7").unwrap().is_empty());
    assert!(tx.links_of_login("l7").unwrap().is_empty());
    assert!(tx.bills(U, "100007").unwrap().is_empty());
    assert!(tx.charges(U, "100007").unwrap().is_empty());
    assert!(tx.payment_methods("l7").unwrap().is_empty());
    assert!(tx.payments_of_account(U, "100007").unwrap().is_empty());
    assert!(tx.enrolment(U, "100007").unwrap().is_none());
    assert!(tx.active_enrolments(U).unwrap().is_empty());
    assert!(tx.drafts(U, "100007").unwrap().is_empty());
    assert!(tx.audit_events(U).unwrap().is_empty());
    same(&tx.login("l1").unwrap().unwrap(), &login("l1", U, "pat"));
    same(
        &tx.account(U, "100001").unwrap().unwrap(),
        &account(U, "100001", Some("l1")),
    );
}

pub fn rollback_on_drop(store: &dyn Store) {
    seed(store);
    {
        let mut tx = store.begin().unwrap();
        write_everything(&mut *tx);
        // Visible inside the transaction.
        assert!(tx.login("l7").unwrap().is_some());
        assert_eq!(tx.drafts(U, "100007").unwrap().len(), 1);
    }
    let mut tx = store.begin().unwrap();
    nothing_written(&mut *tx);
    // The dropped transaction's draft key is free again.
    assert!(tx
        .claim_draft(&draft("k7", U, "100007", "2026-02-20T06:00:00Z"))
        .unwrap());
}

pub fn commit_makes_visible(store: &dyn Store) {
    seed(store);
    let mut tx = store.begin().unwrap();
    write_everything(&mut *tx);
    tx.commit().unwrap();
    let mut tx = store.begin().unwrap();
    same(&tx.login("l7").unwrap().unwrap(), &login("l7", U, "lee"));
    same(
        &tx.account(U, "100007").unwrap().unwrap(),
        &account(U, "100007", Some("l7")),
    );
    assert_eq!(tx.contacts("l7").unwrap().len(), 1);
    assert!(tx.code("c7").unwrap().is_some());
    assert_eq!(tx.devices("l7").unwrap().len(), 1);
    assert_eq!(tx.links_of_login("l7").unwrap().len(), 1);
    assert_eq!(tx.bills(U, "100007").unwrap().len(), 1);
    assert_eq!(tx.charges(U, "100007").unwrap().len(), 1);
    assert_eq!(tx.payment_methods("l7").unwrap().len(), 1);
    assert_eq!(tx.payments_of_account(U, "100007").unwrap().len(), 1);
    assert!(tx.enrolment(U, "100007").unwrap().is_some());
    assert_eq!(tx.drafts(U, "100007").unwrap().len(), 1);
    assert_eq!(tx.audit_events(U).unwrap().len(), 1);
    assert!(!tx.login("l1").unwrap().unwrap().must_change_password);
    assert!(tx
        .account(U, "100001")
        .unwrap()
        .unwrap()
        .record
        .login
        .is_none());
    assert!(!tx
        .claim_draft(&draft("k7", U, "100007", "2026-02-20T06:00:00Z"))
        .unwrap());
}

/// Outbox messages: written once per (utility, dedupe key), read back
/// exactly, listed undelivered oldest first in pages after a cursor and
/// only when due, marked delivered once, failed attempts counted; a dropped
/// transaction leaves no message.
pub fn outbox_once_per_key_in_order(store: &dyn Store) {
    let mut tx = store.begin().unwrap();
    let first = message(U, "shelby:receipt:k2", "2026-03-01T10:00:00.25Z");
    assert!(tx.enqueue_message(&first).unwrap());
    let mut changed = first.clone();
    changed.body = "another text".to_owned();
    assert!(!tx.enqueue_message(&changed).unwrap(), "the same key again");
    // Same key, other utility: its own message.
    assert!(tx
        .enqueue_message(&message(OTHER, "shelby:receipt:k2", "2026-03-01T10:00:00Z"))
        .unwrap());
    // Same instant as `first`, smaller key: before it.
    assert!(tx
        .enqueue_message(&message(U, "shelby:receipt:k1", "2026-03-01T10:00:00.25Z"))
        .unwrap());
    assert!(tx
        .enqueue_message(&message(
            U,
            "shelby:receipt:k0",
            "2026-03-01T09:59:59.999999999Z"
        ))
        .unwrap());
    let late = message(U, "shelby:receipt:k9", "2026-03-02T00:00:00Z");
    assert!(tx.enqueue_message(&late).unwrap());
    tx.commit().unwrap();

    let mut tx = store.begin().unwrap();
    same(
        &tx.outbox_message(U, "shelby:receipt:k2").unwrap().unwrap(),
        &first,
    );
    assert!(tx.outbox_message(U, "nothing").unwrap().is_none());
    let keys = |v: &[ratepayer_portal::store::OutboxMessage]| {
        v.iter().map(|m| m.dedupe_key.clone()).collect::<Vec<_>>()
    };
    let all = tx.outbox_messages(U).unwrap();
    assert_eq!(
        keys(&all),
        [
            "shelby:receipt:k0",
            "shelby:receipt:k1",
            "shelby:receipt:k2",
            "shelby:receipt:k9"
        ]
    );
    assert_eq!(tx.outbox_messages(OTHER).unwrap().len(), 1);
    // Due by the first day: three, in pages of two.
    let due = at("2026-03-01T12:00:00Z");
    let page = tx.undelivered_messages(U, due, None, 2).unwrap();
    assert_eq!(keys(&page), ["shelby:receipt:k0", "shelby:receipt:k1"]);
    let next = tx
        .undelivered_messages(U, due, Some(&page[1].cursor()), 2)
        .unwrap();
    assert_eq!(keys(&next), ["shelby:receipt:k2"]);
    assert!(tx
        .undelivered_messages(U, due, Some(&next[0].cursor()), 2)
        .unwrap()
        .is_empty());
    // Delivered once: the first mark stays.
    let t1 = at("2026-03-01T12:00:01.5Z");
    assert!(tx.mark_delivered(U, "shelby:receipt:k1", t1).unwrap());
    assert!(!tx
        .mark_delivered(U, "shelby:receipt:k1", at("2026-03-01T13:00:00Z"))
        .unwrap());
    assert_eq!(
        tx.outbox_message(U, "shelby:receipt:k1")
            .unwrap()
            .unwrap()
            .delivered_at,
        Some(t1)
    );
    // A failed attempt: counted, and not due before its next try.
    let retry = at("2026-03-01T12:05:00Z");
    assert!(tx
        .record_delivery_failure(U, "shelby:receipt:k0", "smtp 451", retry)
        .unwrap());
    let failed = tx.outbox_message(U, "shelby:receipt:k0").unwrap().unwrap();
    assert_eq!(
        (failed.attempts, failed.last_error.as_deref()),
        (1, Some("smtp 451"))
    );
    assert_eq!(failed.next_attempt_at, retry);
    assert_eq!(
        keys(&tx.undelivered_messages(U, due, None, 10).unwrap()),
        ["shelby:receipt:k2"]
    );
    assert_eq!(
        keys(&tx.undelivered_messages(U, retry, None, 10).unwrap()),
        ["shelby:receipt:k0", "shelby:receipt:k2"]
    );
    // A failure after delivery changes nothing; unknown keys are not found.
    assert!(!tx
        .record_delivery_failure(U, "shelby:receipt:k1", "late", retry)
        .unwrap());
    assert_eq!(
        tx.mark_delivered(U, "nothing", t1).unwrap_err().kind,
        StorageErrorKind::NotFound
    );
    assert_eq!(
        tx.record_delivery_failure(U, "nothing", "x", t1)
            .unwrap_err()
            .kind,
        StorageErrorKind::NotFound
    );
    tx.commit().unwrap();

    // A dropped transaction: no message, no mark.
    let mut tx = store.begin().unwrap();
    assert!(tx
        .enqueue_message(&message(U, "shelby:receipt:gone", "2026-03-01T08:00:00Z"))
        .unwrap());
    assert!(tx.mark_delivered(U, "shelby:receipt:k2", t1).unwrap());
    drop(tx);
    let mut tx = store.begin().unwrap();
    assert!(tx
        .outbox_message(U, "shelby:receipt:gone")
        .unwrap()
        .is_none());
    assert!(tx
        .outbox_message(U, "shelby:receipt:k2")
        .unwrap()
        .unwrap()
        .delivered_at
        .is_none());
    assert_eq!(tx.outbox_messages(U).unwrap().len(), 4);
}

/// The AutoPay cycle's batch reads answer as the point reads do, account
/// by account in the order asked (ascending or not, unknown accounts
/// included), and the conditional submitted mark changes a pending payment
/// only.
pub fn batch_reads_and_submitted_mark(store: &dyn Store) {
    seed(store);
    let mut tx = store.begin().unwrap();
    tx.put_enrolment(&enrolment(U, "100001", "l1", EnrolmentStatus::Active))
        .unwrap();
    tx.put_enrolment(&enrolment(U, "100003", "l1", EnrolmentStatus::Cancelled))
        .unwrap();
    tx.put_enrolment(&enrolment(OTHER, "100001", "l3", EnrolmentStatus::Active))
        .unwrap();
    let mut closed = account(U, "100002", Some("l1"));
    closed.status = ratepayer::payment::AccountStatus::Closed;
    tx.put_account(&closed).unwrap();
    tx.put_charge(&charge(U, "100001", "c2", "5.00")).unwrap();
    tx.put_charge(&charge(U, "100001", "c1", "84.20")).unwrap();
    tx.put_charge(&charge(U, "100003", "c1", "1.00")).unwrap();
    tx.put_charge(&charge(OTHER, "100001", "c9", "9.00"))
        .unwrap();
    tx.insert_payment(&payment("p1", U, "l1", &["100001"]))
        .unwrap();
    tx.commit().unwrap();

    let mut tx = store.begin().unwrap();
    for asked in [
        vec!["100001", "100002", "100003", "100004"],
        vec!["099999", "100002"],
        vec!["100003", "100001"],
        vec![],
    ] {
        let enrolments = tx.enrolments_of(U, &asked).unwrap();
        let statuses = tx.account_statuses(U, &asked).unwrap();
        let charges = tx.charges_of(U, &asked).unwrap();
        assert_eq!(enrolments.len(), asked.len());
        assert_eq!(statuses.len(), asked.len());
        assert_eq!(charges.len(), asked.len());
        for (i, a) in asked.iter().enumerate() {
            assert_eq!(enrolments[i], tx.enrolment(U, a).unwrap(), "{a}");
            assert_eq!(
                statuses[i],
                tx.account(U, a).unwrap().map(|row| row.status),
                "{a}"
            );
            assert_eq!(charges[i], tx.charges(U, a).unwrap(), "{a}");
        }
    }
    // A range holding many rows of an account not asked for (SQLite then
    // reads the accounts asked for one by one) answers the same.
    for i in 0..200 {
        tx.put_charge(&charge(U, "100002", &format!("x{i:03}"), "1.00"))
            .unwrap();
    }
    let sparse = tx.charges_of(U, &["100001", "100003"]).unwrap();
    assert_eq!(
        sparse,
        [
            tx.charges(U, "100001").unwrap(),
            tx.charges(U, "100003").unwrap()
        ]
    );
    assert_eq!(sparse[0].len(), 2);
    assert_eq!(tx.charges_of(U, &["100002"]).unwrap()[0].len(), 200);
    assert_eq!(tx.active_enrolment_accounts(U).unwrap(), ["100001"]);
    assert!(tx.active_enrolment_accounts("nowhere").unwrap().is_empty());
    // Keyset pages of the active enrolments: in account order, after the
    // last one seen, never a cancelled one or another utility's.
    for n in 3..=9 {
        tx.put_account(&account(U, &format!("20000{n}"), Some("l1")))
            .unwrap();
    }
    tx.put_account(&account(OTHER, "200008", Some("l1")))
        .unwrap();
    for n in [7, 3, 5, 9, 4] {
        tx.put_enrolment(&enrolment(
            U,
            &format!("20000{n}"),
            "l1",
            EnrolmentStatus::Active,
        ))
        .unwrap();
    }
    tx.put_enrolment(&enrolment(U, "200006", "l1", EnrolmentStatus::Cancelled))
        .unwrap();
    tx.put_enrolment(&enrolment(OTHER, "200008", "l1", EnrolmentStatus::Active))
        .unwrap();
    let all = tx.active_enrolment_accounts(U).unwrap();
    assert_eq!(tx.active_enrolment_count(U).unwrap(), all.len());
    assert_eq!(all.len(), 6);
    let mut paged: Vec<String> = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = tx
            .active_enrolment_accounts_page(U, after.as_deref(), 2)
            .unwrap();
        assert!(page.len() <= 2);
        if page.is_empty() {
            break;
        }
        after = page.last().cloned();
        paged.extend(page);
    }
    assert_eq!(
        paged,
        ["100001", "200003", "200004", "200005", "200007", "200009"]
    );
    assert!(tx
        .active_enrolment_accounts_page(U, Some("200009"), 10)
        .unwrap()
        .is_empty());
    assert_eq!(tx.active_enrolment_count("nowhere").unwrap(), 0);
    assert_eq!(
        tx.login_email("l1").unwrap(),
        tx.login("l1").unwrap().map(|l| l.email)
    );
    assert!(tx.login_email("nobody").unwrap().is_none());

    let submitted_at = at("2026-02-16T07:00:00.000000123Z");
    assert!(tx
        .mark_payment_submitted(U, "p1", "ref-\"1\"", submitted_at)
        .unwrap());
    let mut want = payment("p1", U, "l1", &["100001"]);
    want.status = PaymentStatus::Submitted;
    want.settlement.reference = Some("ref-\"1\"".into());
    want.settlement.submitted_at = Some(submitted_at);
    same(&tx.payment(U, "p1").unwrap().unwrap(), &want);
    // Not pending any more (or unknown): nothing changes.
    assert!(!tx
        .mark_payment_submitted(U, "p1", "ref-2", at("2026-02-17T07:00:00Z"))
        .unwrap());
    assert!(!tx
        .mark_payment_submitted(U, "p404", "ref-2", submitted_at)
        .unwrap());
    assert!(!tx
        .mark_payment_submitted(OTHER, "p1", "ref-2", submitted_at)
        .unwrap());
    tx.commit().unwrap();
    let mut tx = store.begin().unwrap();
    same(&tx.payment(U, "p1").unwrap().unwrap(), &want);
    assert!(tx
        .payments_with_status(U, PaymentStatus::Pending)
        .unwrap()
        .is_empty());
    same(
        &tx.payments_with_status(U, PaymentStatus::Submitted)
            .unwrap()[0],
        &want,
    );
}

pub fn empty_store_reads_nothing(store: &dyn Store) {
    let mut tx = store.begin().unwrap();
    assert!(tx.login("l1").unwrap().is_none());
    assert!(tx.active_enrolments(U).unwrap().is_empty());
    assert!(tx.audit_events(U).unwrap().is_empty());
    tx.commit().unwrap();
}

/// Read transactions ([`Store::begin_read`]): they see what was committed
/// before them, and every write through one fails (a backend error naming
/// the read-only transaction) and changes nothing, even when it is
/// "committed" afterwards.
pub fn read_transactions_refuse_writes(store: &dyn Store) {
    seed(store);
    let mut read = store.begin_read().unwrap();
    same(&read.login("l1").unwrap().unwrap(), &login("l1", U, "pat"));
    assert_eq!(read.links_of_login("l1").unwrap().len(), 0);
    let refused = |r: Result<(), ratepayer_portal::store::StorageError>| {
        let err = r.unwrap_err();
        assert_eq!(err.kind, StorageErrorKind::Backend, "{}", err.message);
        assert!(err.message.contains("read-only"), "{}", err.message);
    };
    let tx = &mut *read;
    refused(tx.insert_login(&login("l7", U, "lee")));
    refused(tx.put_account(&account(U, "100007", Some("l7"))));
    refused(tx.put_contact(&contact("l1", "lee@example.com")));
    refused(tx.put_code(&code("c7", "l1")));
    refused(tx.put_device(&device("d7", "l1")));
    refused(tx.put_link(&link("l1", U, "100001", Role::Owner)));
    refused(tx.insert_bill(&bill(U, "100001", "b7", day(2026, 2, 1))));
    refused(tx.put_charge(&charge(U, "100001", "c7", "84.20")));
    refused(tx.insert_payment_method(&payment_method("pm7", "l1")));
    refused(tx.insert_payment(&payment("p7", U, "l1", &["100001"])));
    refused(tx.put_enrolment(&enrolment(U, "100001", "l1", EnrolmentStatus::Active)));
    refused(
        tx.claim_draft(&draft("k7", U, "100001", "2026-02-20T06:00:00Z"))
            .map(|_| ()),
    );
    refused(tx.append_audit(&audit(U, AuditKind::Registered, "lee")));
    let mut l1 = login("l1", U, "pat");
    l1.must_change_password = false;
    refused(tx.update_login(&l1));
    refused(tx.put_account(&account(U, "100001", None)));
    // Still readable after the refusals; ending it changes nothing.
    assert!(read.login("l1").unwrap().is_some());
    read.commit().unwrap();
    let mut tx = store.begin().unwrap();
    nothing_written(&mut *tx);
    assert!(tx.code("c7").unwrap().is_none());
    assert!(tx.links_of_login("l1").unwrap().is_empty());
    assert!(tx.charges(U, "100001").unwrap().is_empty());
    assert!(tx.contacts("l1").unwrap().is_empty());
}

/// A read transaction sees what was committed before it began, including
/// a write transaction's changes just committed.
pub fn read_transactions_see_commits(store: &dyn Store) {
    seed(store);
    let mut tx = store.begin().unwrap();
    write_everything(&mut *tx);
    tx.commit().unwrap();
    let mut read = store.begin_read().unwrap();
    same(&read.login("l7").unwrap().unwrap(), &login("l7", U, "lee"));
    assert_eq!(read.drafts(U, "100007").unwrap().len(), 1);
    assert!(!read.login("l1").unwrap().unwrap().must_change_password);
    drop(read);
    // A dropped read transaction leaves the store writable.
    let mut tx = store.begin().unwrap();
    tx.insert_login(&login("l8", U, "kim")).unwrap();
    tx.commit().unwrap();
}

/// For stores whose reads are snapshots without the write lock (not a
/// `for_each_conformance_check` check: the default `begin_read` holds the
/// lock): an open read transaction neither blocks a writer on another
/// thread nor sees what it commits, and two read transactions are open at
/// once.
pub fn read_does_not_block_writer(store: &dyn Store) {
    use std::sync::mpsc;
    use std::time::Duration;
    seed(store);
    let mut read = store.begin_read().unwrap();
    assert!(read.login("l1").unwrap().is_some());
    let mut second = store.begin_read().unwrap();
    assert!(second.login("l1").unwrap().is_some());
    let (done, finished) = mpsc::channel();
    std::thread::scope(|scope| {
        scope.spawn(move || {
            let mut tx = store.begin().unwrap();
            tx.insert_login(&login("l9", U, "kim")).unwrap();
            tx.commit().unwrap();
            let _ = done.send(());
        });
        let in_time = finished.recv_timeout(Duration::from_secs(5)).is_ok();
        // The snapshot does not see the commit made while it was open.
        let seen = read.login("l9").unwrap().is_some();
        drop(read);
        drop(second);
        assert!(in_time, "the writer waited for a read transaction");
        assert!(!seen, "a read transaction saw a later commit");
    });
    let mut read = store.begin_read().unwrap();
    assert!(read.login("l9").unwrap().is_some());
}

/// Calls `$run!` with the name of every check above: each adapter's
/// `$run` makes one `#[test]` per check and store.
macro_rules! for_each_conformance_check {
    ($run:ident) => {
        $run!(
            logins_round_trip,
            login_uniqueness,
            contacts_codes_devices_round_trip,
            accounts_and_links,
            bills_newest_first_and_unique,
            charges_replace_by_id,
            payment_methods_and_payments,
            payment_status_and_keys,
            enrolments,
            drafts_claimed_once,
            audit_in_order,
            rollback_on_drop,
            commit_makes_visible,
            empty_store_reads_nothing,
            outbox_once_per_key_in_order,
            batch_reads_and_submitted_mark,
            read_transactions_refuse_writes,
            read_transactions_see_commits,
        );
    };
}
