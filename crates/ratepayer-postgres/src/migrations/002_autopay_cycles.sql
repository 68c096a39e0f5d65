-- Migration 2: AutoPay cycles shared by runners (released; never edit:
-- append a migration).
--
-- A cycle (utility, date) is walked in passes. A pass is planned once:
-- its row in `autopay_cycles` (the first runner inserts it; another that
-- comes at the same time waits on the primary key for that commit and
-- finds it) and its batches in `autopay_cycle_batches`, each a range of
-- account numbers (after `after_account`, at most `last_account`; NULL for
-- no bound), so that the batches cover every account number between them.
-- A runner joins the latest pass while it has batches left (resuming it
-- after a crash), and starts the next pass only once it is finished (a
-- run later that day, for what was enrolled or billed since). It claims a
-- batch by locking its row (`FOR UPDATE SKIP LOCKED`) in the transaction
-- that works it, and marks it done there (who, when, its counts): a batch
-- is done exactly when its drafts are committed, and a runner that dies
-- releases its lock with its connection. Days are ISO text, instants
-- RFC 3339 text in UTC with nanoseconds (so they sort as text).
CREATE TABLE autopay_cycles (
    utility     TEXT COLLATE "C" NOT NULL,
    cycle_date  TEXT COLLATE "C" NOT NULL,
    pass        BIGINT NOT NULL CHECK (pass > 0),
    batch_size  BIGINT NOT NULL CHECK (batch_size > 0),
    batches     BIGINT NOT NULL,
    accounts    BIGINT NOT NULL,
    planned_at  TEXT NOT NULL,
    PRIMARY KEY (utility, cycle_date, pass)
);

CREATE TABLE autopay_cycle_batches (
    utility         TEXT COLLATE "C" NOT NULL,
    cycle_date      TEXT COLLATE "C" NOT NULL,
    pass            BIGINT NOT NULL,
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
    PRIMARY KEY (utility, cycle_date, pass, seq),
    FOREIGN KEY (utility, cycle_date, pass) REFERENCES autopay_cycles (utility, cycle_date, pass)
);
-- The batches left to do, in order: what a claim scans.
CREATE INDEX autopay_cycle_batches_undone
    ON autopay_cycle_batches (utility, cycle_date, pass, seq) WHERE done_at IS NULL;

-- The account an outbox message is about, in a column of its own (copied
-- from the record for the messages written before): a batch of the shared
-- cycle reads the dedupe keys of its accounts' messages in one range scan.
ALTER TABLE outbox ADD COLUMN account TEXT COLLATE "C";
UPDATE outbox SET account = data::json ->> 'account' WHERE data LIKE '%"account":"%';
CREATE INDEX outbox_by_account ON outbox (utility, account) WHERE account IS NOT NULL;
