//! `ratepayer demo`: the end-to-end portal demo on a fresh SQLite file.

use super::{ratepayer, scratch};

#[test]
fn the_demo_runs_end_to_end_on_a_fresh_file_twice() {
    let dir = scratch("demo");
    let db = dir.join("demo.sqlite");
    let db = db.to_str().unwrap_or_default();
    for _ in 0..2 {
        let run = ratepayer(&["demo", "--db", db]);
        assert_eq!(run.code, 0, "{run:?}");
        for expected in [
            "registered `patdoe`",
            "registered `rivera@example.org`",
            "refused: \"We could not verify these account details",
            "online by card     amount 40.00 + fee 3.75 = 43.75",
            "online by e-check  amount 40.00 + fee 0.95 = 40.95",
            "000100001 paid 25.00",
            "000100002 paid 15.00",
            "run 1 for 2025-11-24: 2 enrolment(s), 2 drafted",
            "run 2 for 2025-11-24: 2 enrolment(s), 0 drafted (nothing)",
            "total due after AutoPay: 0.00",
            "run 2: 0 notice(s) written to the outbox",
            "failed; again: 0 more",
            "draft_executed",
            "3 pending payment(s) and draft(s) submitted; sent again: 0 more",
            " declined",
            "run 3 for 2025-11-24: 0 drafted, 1 already drafted (claimed, though",
            "1 re-presentment(s); total due: 0.00",
            "payment_declined",
        ] {
            assert!(run.stdout.contains(expected), "{expected}\n{}", run.stdout);
        }
    }
}
