-- Migration 2: AutoPay cycles shared by runners (released; never edit:
-- append a migration).
--
-- A cycle (utility, date) is planned once: its row in `autopay_cycles`
-- (the first runner inserts it; another that comes at the same time waits
-- on the primary key for that commit and finds it) and its batches in
-- `autopay_cycle_batches`, each a range of account numbers (after
-- `after_account`, at most `last_account`; NULL for no bound), so that the
-- batches cover every account number between them. A runner claims a batch
-- by locking its row (`FOR UPDATE SKIP LOCKED`) in the transaction that
-- works it, and marks it done there (who, when, its counts): a batch is
-- done exactly when its drafts are committed, and a runner that dies
-- releases its lock with its connection. Days are ISO text, instants
-- RFC 3339 text in UTC with nanoseconds (so they sort as text).
CREATE TABLE autopay_cycles (
    utility     TEXT COLLATE "C" NOT NULL,
    cycle_date  TEXT COLLATE "C" NOT NULL,
    batch_size  BIGINT NOT NULL CHECK (batch_size > 0),
    batches     BIGINT NOT NULL,
    accounts    BIGINT NOT NULL,
    planned_at  TEXT NOT NULL,
    PRIMARY KEY (utility, cycle_date)
);

CREATE TABLE autopay_cycle_batches (
    utility         TEXT COLLATE "C" NOT NULL,
    cycle_date      TEXT COLLATE "C" NOT NULL,
    seq             BIGINT NOT NULL,
    after_account   TEXT COLLATE "C",
    last_account    TEXT COLLATE "C",
    planned         BIGINT NOT NULL,
    done_by         TEXT,
    done_at         TEXT,
    enrolments      BIGINT,
    drafted         BIGINT,
    already_drafted BIGINT,
    failed          BIGINT,
    PRIMARY KEY (utility, cycle_date, seq),
    FOREIGN KEY (utility, cycle_date) REFERENCES autopay_cycles (utility, cycle_date)
);
-- The batches left to do, in order: what a claim scans.
CREATE INDEX autopay_cycle_batches_undone
    ON autopay_cycle_batches (utility, cycle_date, seq) WHERE done_at IS NULL;

-- The account an outbox message is about, in a column of its own (copied
-- from the record for the messages written before): a batch of the shared
-- cycle reads the dedupe keys of its accounts' messages in one range scan.
ALTER TABLE outbox ADD COLUMN account TEXT COLLATE "C";
UPDATE outbox SET account = data::json ->> 'account' WHERE data LIKE '%"account":"%';
CREATE INDEX outbox_by_account ON outbox (utility, account) WHERE account IS NOT NULL;
