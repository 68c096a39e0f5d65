-- Migration 8 (issue 16, the AutoPay benchmark): a payment's status moves
-- out of its `payments` row into a narrow table of its own, so that handing
-- a draft to the processor (pending -> submitted) writes a row of a few
-- dozen bytes instead of rewriting the payment's whole record (about 700
-- bytes of JSON, and a page of the `payments` table per five payments).
--
-- `payment_status` has one row per payment (keyed by the payment's `seq`):
-- its status, and the processor's reference and submission instant (seconds
-- and nanoseconds since 1970) when a hand-off set them; those two are null
-- when the record in `payments.data` holds the whole settlement (every
-- full write of a payment clears them). The index of the statuses (which
-- payments are pending, oldest first) moves with it.
--
-- From this version on, a payment's allocation is also written compact in
-- its record (`alloc`: arrays of decimal strings in the payment's currency,
-- about 90 bytes instead of 330 for a draft; `tx/allocation_record.rs`);
-- records written before keep theirs whole and read as before, and an
-- earlier build, which could not read the compact form, refuses the file.
--
-- Every existing payment keeps its status. A record written before version
-- 7 also kept its status in `data` (kept in step by version 7): that copy
-- is removed, so no stale status is left in a record; the rest of every
-- record and every other column are left as they are.
CREATE TABLE payment_status (
    payment      INTEGER PRIMARY KEY NOT NULL REFERENCES payments (seq),
    utility      TEXT NOT NULL,
    status       TEXT NOT NULL,
    reference    TEXT,
    submitted_s  INTEGER,
    submitted_ns INTEGER
);

INSERT INTO payment_status (payment, utility, status)
SELECT seq, utility, status FROM payments ORDER BY seq;

UPDATE payments SET data = json_remove(data, '$.status')
WHERE json_type(data, '$.status') IS NOT NULL;

DROP INDEX payments_by_status;
ALTER TABLE payments DROP COLUMN status;

CREATE INDEX payment_status_by_status ON payment_status (utility, status, payment);
