-- Migration 6 (issue 16, item 4: notices through a durable outbox): messages
-- to customers written in the transaction of the change that causes them,
-- unique per (utility, dedupe key), delivered after the commit at least
-- once. The record is kept whole in `data`; the columns copy what a page of
-- undelivered messages is found and ordered by (when written, then key;
-- instants as seconds and nanoseconds since 1970) and whether and when it
-- was delivered.
CREATE TABLE outbox (
    utility      TEXT NOT NULL,
    dedupe_key   TEXT NOT NULL,
    kind         TEXT NOT NULL,
    created_s    INTEGER NOT NULL,
    created_ns   INTEGER NOT NULL,
    next_s       INTEGER NOT NULL,
    next_ns      INTEGER NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    delivered_s  INTEGER,
    delivered_ns INTEGER,
    data         TEXT NOT NULL,
    PRIMARY KEY (utility, dedupe_key)
);
CREATE INDEX outbox_undelivered ON outbox (utility, created_s, created_ns, dedupe_key)
    WHERE delivered_s IS NULL;
