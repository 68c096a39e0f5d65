-- Migration 3 (issue 16): payment intents. Quotes the portal gave, by
-- (utility, id), and clients' payment idempotency keys, unique per
-- (utility, login, key), claimed in the transaction that records the payment.
CREATE TABLE quotes (
    utility    TEXT NOT NULL,
    id         TEXT NOT NULL,
    login      TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    payment_id TEXT,
    data       TEXT NOT NULL,
    PRIMARY KEY (utility, id)
);

CREATE TABLE payment_keys (
    utility    TEXT NOT NULL,
    login      TEXT NOT NULL,
    key        TEXT NOT NULL,
    quote_id   TEXT NOT NULL,
    payment_id TEXT NOT NULL,
    data       TEXT NOT NULL,
    PRIMARY KEY (utility, login, key)
);
