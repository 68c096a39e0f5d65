-- Migration 1: every table of the storage port (released; never edit).
CREATE TABLE logins (
    id        TEXT PRIMARY KEY NOT NULL,
    utility   TEXT NOT NULL,
    username  TEXT NOT NULL,
    email     TEXT NOT NULL,
    data      TEXT NOT NULL,
    UNIQUE (utility, username)
);

CREATE TABLE contacts (
    login     TEXT NOT NULL REFERENCES logins (id),
    contact   TEXT NOT NULL,
    verified  INTEGER NOT NULL,
    data      TEXT NOT NULL,
    PRIMARY KEY (login, contact)
);

CREATE TABLE codes (
    id        TEXT PRIMARY KEY NOT NULL,
    login     TEXT NOT NULL REFERENCES logins (id),
    data      TEXT NOT NULL
);
CREATE INDEX codes_by_login ON codes (login);

CREATE TABLE devices (
    id        TEXT PRIMARY KEY NOT NULL,
    login     TEXT NOT NULL REFERENCES logins (id),
    data      TEXT NOT NULL
);
CREATE INDEX devices_by_login ON devices (login, id);

CREATE TABLE accounts (
    utility   TEXT NOT NULL,
    number    TEXT NOT NULL,
    owner     TEXT,
    status    TEXT NOT NULL,
    currency  TEXT NOT NULL,
    credit    TEXT NOT NULL,
    data      TEXT NOT NULL,
    PRIMARY KEY (utility, number)
);

CREATE TABLE links (
    login     TEXT NOT NULL REFERENCES logins (id),
    utility   TEXT NOT NULL,
    account   TEXT NOT NULL,
    role      TEXT NOT NULL,
    data      TEXT NOT NULL,
    PRIMARY KEY (login, utility, account),
    FOREIGN KEY (utility, account) REFERENCES accounts (utility, number)
);
CREATE INDEX links_by_account ON links (utility, account);

CREATE TABLE bills (
    utility   TEXT NOT NULL,
    account   TEXT NOT NULL,
    bill_id   TEXT NOT NULL,
    bill_day  INTEGER NOT NULL,
    due_date  TEXT NOT NULL,
    total     TEXT NOT NULL,
    currency  TEXT NOT NULL,
    data      TEXT NOT NULL,
    PRIMARY KEY (utility, account, bill_id),
    FOREIGN KEY (utility, account) REFERENCES accounts (utility, number)
);
CREATE INDEX bills_by_date ON bills (utility, account, bill_day DESC, bill_id DESC);

CREATE TABLE charges (
    utility   TEXT NOT NULL,
    account   TEXT NOT NULL,
    charge_id TEXT NOT NULL,
    due_date  TEXT NOT NULL,
    amount    TEXT NOT NULL,
    currency  TEXT NOT NULL,
    data      TEXT NOT NULL,
    PRIMARY KEY (utility, account, charge_id),
    FOREIGN KEY (utility, account) REFERENCES accounts (utility, number)
);

CREATE TABLE payment_methods (
    seq       INTEGER PRIMARY KEY,
    id        TEXT NOT NULL UNIQUE,
    login     TEXT NOT NULL REFERENCES logins (id),
    data      TEXT NOT NULL
);
CREATE INDEX payment_methods_by_login ON payment_methods (login, seq);

CREATE TABLE payments (
    seq       INTEGER PRIMARY KEY,
    id        TEXT NOT NULL UNIQUE,
    utility   TEXT NOT NULL,
    login     TEXT NOT NULL,
    source    TEXT NOT NULL,
    amount    TEXT NOT NULL,
    fee       TEXT NOT NULL,
    total     TEXT NOT NULL,
    currency  TEXT NOT NULL,
    idempotency_key TEXT,
    at        TEXT NOT NULL,
    data      TEXT NOT NULL
);

CREATE TABLE payment_accounts (
    utility   TEXT NOT NULL,
    account   TEXT NOT NULL,
    payment   INTEGER NOT NULL REFERENCES payments (seq),
    PRIMARY KEY (utility, account, payment)
) WITHOUT ROWID;

CREATE TABLE enrolments (
    utility   TEXT NOT NULL,
    account   TEXT NOT NULL,
    login     TEXT NOT NULL,
    status    TEXT NOT NULL,
    data      TEXT NOT NULL,
    PRIMARY KEY (utility, account),
    FOREIGN KEY (utility, account) REFERENCES accounts (utility, number)
);
CREATE INDEX enrolments_active ON enrolments (utility, account) WHERE status = 'active';

CREATE TABLE drafts (
    idempotency_key TEXT PRIMARY KEY NOT NULL,
    utility   TEXT NOT NULL,
    account   TEXT NOT NULL,
    bill_id   TEXT NOT NULL,
    attempt   INTEGER NOT NULL,
    date      TEXT NOT NULL,
    total     TEXT NOT NULL,
    currency  TEXT NOT NULL,
    payment_id TEXT NOT NULL,
    executed_secs  INTEGER NOT NULL,
    executed_nanos INTEGER NOT NULL,
    data      TEXT NOT NULL
);
CREATE INDEX drafts_by_account
    ON drafts (utility, account, executed_secs, executed_nanos, attempt, idempotency_key);

CREATE TABLE audit (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    utility   TEXT NOT NULL,
    kind      TEXT NOT NULL,
    login     TEXT,
    account   TEXT,
    at        TEXT NOT NULL,
    data      TEXT NOT NULL
);
CREATE INDEX audit_by_utility ON audit (utility, seq);
