-- Migration 1: every table of the storage port, as the SQLite adapter's
-- migrations 1 to 6 leave them (released; never edit: append a migration).
--
-- Every table keeps its record whole as JSON text in `data` (the part read
-- back; TEXT, not JSONB, so the record comes back byte for byte, and a
-- U+0000 escaped in it is kept) and copies what it is looked up, ordered or
-- constrained by into columns. Key and ordered columns use the "C"
-- collation: byte order, as the reference store and SQLite order text,
-- whatever the database's locale. Money is a decimal string with its ISO
-- currency code beside it; instants that order rows are seconds and
-- nanoseconds since 1970 (TIMESTAMPTZ keeps microseconds only), the others
-- RFC 3339 text; calendar days are ISO text, bill dates days since year 1.
CREATE TABLE logins (
    id        TEXT COLLATE "C" PRIMARY KEY,
    utility   TEXT COLLATE "C" NOT NULL,
    username  TEXT COLLATE "C" NOT NULL,
    email     TEXT NOT NULL,
    data      TEXT NOT NULL,
    UNIQUE (utility, username)
);

CREATE TABLE contacts (
    login     TEXT COLLATE "C" NOT NULL REFERENCES logins (id),
    contact   TEXT COLLATE "C" NOT NULL,
    verified  BOOLEAN NOT NULL,
    data      TEXT NOT NULL,
    PRIMARY KEY (login, contact)
);

CREATE TABLE codes (
    id        TEXT COLLATE "C" PRIMARY KEY,
    login     TEXT COLLATE "C" NOT NULL REFERENCES logins (id),
    data      TEXT NOT NULL
);
CREATE INDEX codes_by_login ON codes (login);

CREATE TABLE devices (
    id        TEXT COLLATE "C" PRIMARY KEY,
    login     TEXT COLLATE "C" NOT NULL REFERENCES logins (id),
    data      TEXT NOT NULL
);
CREATE INDEX devices_by_login ON devices (login, id);

CREATE TABLE accounts (
    utility   TEXT COLLATE "C" NOT NULL,
    number    TEXT COLLATE "C" NOT NULL,
    owner     TEXT COLLATE "C",
    status    TEXT NOT NULL,
    currency  TEXT NOT NULL,
    credit    TEXT NOT NULL,
    data      TEXT NOT NULL,
    PRIMARY KEY (utility, number)
);

-- `seq` keeps the order links were made in (an upsert keeps it).
CREATE TABLE links (
    seq       BIGINT GENERATED ALWAYS AS IDENTITY,
    login     TEXT COLLATE "C" NOT NULL REFERENCES logins (id),
    utility   TEXT COLLATE "C" NOT NULL,
    account   TEXT COLLATE "C" NOT NULL,
    role      TEXT NOT NULL,
    data      TEXT NOT NULL,
    PRIMARY KEY (login, utility, account),
    FOREIGN KEY (utility, account) REFERENCES accounts (utility, number)
);
CREATE INDEX links_by_account ON links (utility, account);

CREATE TABLE bills (
    utility   TEXT COLLATE "C" NOT NULL,
    account   TEXT COLLATE "C" NOT NULL,
    bill_id   TEXT COLLATE "C" NOT NULL,
    bill_day  BIGINT NOT NULL,
    due_date  TEXT NOT NULL,
    total     TEXT NOT NULL,
    currency  TEXT NOT NULL,
    data      TEXT NOT NULL,
    PRIMARY KEY (utility, account, bill_id),
    FOREIGN KEY (utility, account) REFERENCES accounts (utility, number)
);
CREATE INDEX bills_by_date ON bills (utility, account, bill_day DESC, bill_id DESC);

CREATE TABLE charges (
    utility   TEXT COLLATE "C" NOT NULL,
    account   TEXT COLLATE "C" NOT NULL,
    charge_id TEXT COLLATE "C" NOT NULL,
    due_date  TEXT NOT NULL,
    amount    TEXT NOT NULL,
    currency  TEXT NOT NULL,
    data      TEXT NOT NULL,
    PRIMARY KEY (utility, account, charge_id),
    FOREIGN KEY (utility, account) REFERENCES accounts (utility, number)
);

CREATE TABLE payment_methods (
    seq       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id        TEXT COLLATE "C" NOT NULL UNIQUE,
    login     TEXT COLLATE "C" NOT NULL REFERENCES logins (id),
    data      TEXT NOT NULL
);
CREATE INDEX payment_methods_by_login ON payment_methods (login, seq);

CREATE TABLE payments (
    seq       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id        TEXT COLLATE "C" NOT NULL UNIQUE,
    utility   TEXT COLLATE "C" NOT NULL,
    login     TEXT COLLATE "C" NOT NULL,
    source    TEXT NOT NULL,
    amount    TEXT NOT NULL,
    fee       TEXT NOT NULL,
    total     TEXT NOT NULL,
    currency  TEXT NOT NULL,
    idempotency_key TEXT COLLATE "C",
    at        TEXT NOT NULL,
    status    TEXT COLLATE "C" NOT NULL,
    processor_key TEXT COLLATE "C",
    data      TEXT NOT NULL
);
CREATE UNIQUE INDEX payments_by_processor_key
    ON payments (utility, processor_key) WHERE processor_key IS NOT NULL;
CREATE INDEX payments_by_status ON payments (utility, status, seq);

CREATE TABLE payment_accounts (
    utility   TEXT COLLATE "C" NOT NULL,
    account   TEXT COLLATE "C" NOT NULL,
    payment   BIGINT NOT NULL REFERENCES payments (seq),
    PRIMARY KEY (utility, account, payment)
);

CREATE TABLE enrolments (
    utility   TEXT COLLATE "C" NOT NULL,
    account   TEXT COLLATE "C" NOT NULL,
    login     TEXT COLLATE "C" NOT NULL,
    status    TEXT COLLATE "C" NOT NULL,
    data      TEXT NOT NULL,
    PRIMARY KEY (utility, account),
    FOREIGN KEY (utility, account) REFERENCES accounts (utility, number)
);
CREATE INDEX enrolments_active ON enrolments (utility, account) WHERE status = 'active';

-- A draft is claimed by inserting its (utility, idempotency key), the
-- primary key: once across every connection and process.
CREATE TABLE drafts (
    utility   TEXT COLLATE "C" NOT NULL,
    idempotency_key TEXT COLLATE "C" NOT NULL,
    account   TEXT COLLATE "C" NOT NULL,
    bill_id   TEXT COLLATE "C" NOT NULL,
    attempt   BIGINT NOT NULL,
    date      TEXT NOT NULL,
    total     TEXT NOT NULL,
    currency  TEXT NOT NULL,
    payment_id TEXT COLLATE "C" NOT NULL,
    executed_secs  BIGINT NOT NULL,
    executed_nanos BIGINT NOT NULL,
    data      TEXT NOT NULL,
    PRIMARY KEY (utility, idempotency_key)
);
CREATE INDEX drafts_by_account
    ON drafts (utility, account, executed_secs, executed_nanos, attempt, idempotency_key);

CREATE TABLE audit (
    seq       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    utility   TEXT COLLATE "C" NOT NULL,
    kind      TEXT NOT NULL,
    login     TEXT COLLATE "C",
    account   TEXT COLLATE "C",
    at        TEXT NOT NULL,
    data      TEXT NOT NULL
);
CREATE INDEX audit_by_utility ON audit (utility, seq);

CREATE TABLE quotes (
    utility    TEXT COLLATE "C" NOT NULL,
    id         TEXT COLLATE "C" NOT NULL,
    login      TEXT COLLATE "C" NOT NULL,
    expires_at TEXT NOT NULL,
    payment_id TEXT COLLATE "C",
    data       TEXT NOT NULL,
    PRIMARY KEY (utility, id)
);

-- A client's payment key is claimed by inserting it, the primary key.
CREATE TABLE payment_keys (
    utility    TEXT COLLATE "C" NOT NULL,
    login      TEXT COLLATE "C" NOT NULL,
    key        TEXT COLLATE "C" NOT NULL,
    quote_id   TEXT COLLATE "C" NOT NULL,
    payment_id TEXT COLLATE "C" NOT NULL,
    data       TEXT NOT NULL,
    PRIMARY KEY (utility, login, key)
);

CREATE TABLE security_records (
    utility   TEXT COLLATE "C" NOT NULL,
    kind      TEXT COLLATE "C" NOT NULL,
    key       TEXT COLLATE "C" NOT NULL,
    login     TEXT COLLATE "C",
    data      TEXT NOT NULL,
    PRIMARY KEY (utility, kind, key)
);
CREATE INDEX security_records_by_login ON security_records (utility, kind, login, key);

-- The outbox, unique per (utility, dedupe key), with a partial index of the
-- undelivered messages in the order they were written.
CREATE TABLE outbox (
    utility      TEXT COLLATE "C" NOT NULL,
    dedupe_key   TEXT COLLATE "C" NOT NULL,
    kind         TEXT NOT NULL,
    created_s    BIGINT NOT NULL,
    created_ns   BIGINT NOT NULL,
    next_s       BIGINT NOT NULL,
    next_ns      BIGINT NOT NULL,
    attempts     BIGINT NOT NULL DEFAULT 0,
    delivered_s  BIGINT,
    delivered_ns BIGINT,
    data         TEXT NOT NULL,
    PRIMARY KEY (utility, dedupe_key)
);
CREATE INDEX outbox_undelivered ON outbox (utility, created_s, created_ns, dedupe_key)
    WHERE delivered_s IS NULL;
