CREATE TABLE security_records (
    utility   TEXT NOT NULL,
    kind      TEXT NOT NULL,
    key       TEXT NOT NULL,
    login     TEXT,
    data      TEXT NOT NULL,
    PRIMARY KEY (utility, kind, key)
);
CREATE INDEX security_records_by_login ON security_records (utility, kind, login, key);
