-- vendorflow journal, schema 1.
-- Times are UTC RFC 3339 text with a fixed nine-digit fraction
-- (2006-01-02T15:04:05.000000000Z), so that text order is time order.
-- NULL means "not set" for optional times.

CREATE TABLE requests (
    id          TEXT    NOT NULL PRIMARY KEY,
    kind        TEXT    NOT NULL,
    fingerprint TEXT    NOT NULL,
    payload     BLOB,
    status      TEXT    NOT NULL,
    reason_code TEXT    NOT NULL DEFAULT '',
    reason      TEXT    NOT NULL DEFAULT '',
    upn         TEXT    NOT NULL DEFAULT '',
    attempts    INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL
) STRICT;

CREATE INDEX requests_status_updated ON requests (status, updated_at);
CREATE INDEX requests_updated ON requests (updated_at);

CREATE TABLE steps (
    request_id  TEXT    NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
    step        TEXT    NOT NULL,
    -- seq is the order in which the request's steps first started; the
    -- engine runs them in plan order, so this is plan order.
    seq         INTEGER NOT NULL,
    status      TEXT    NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    error_code  TEXT    NOT NULL DEFAULT '',
    error       TEXT    NOT NULL DEFAULT '',
    started_at  TEXT,
    finished_at TEXT,
    outputs     TEXT,   -- JSON object of ids; NULL when none
    PRIMARY KEY (request_id, step)
) STRICT;

CREATE UNIQUE INDEX steps_request_seq ON steps (request_id, seq);

CREATE TABLE accounts (
    upn          TEXT NOT NULL PRIMARY KEY COLLATE NOCASE,
    user_id      TEXT NOT NULL DEFAULT '',
    vendor       TEXT NOT NULL DEFAULT '',
    email        TEXT NOT NULL DEFAULT '',
    state        TEXT NOT NULL,
    contract_end TEXT,
    last_request TEXT NOT NULL DEFAULT '',
    intent_at    TEXT,
    updated_at   TEXT NOT NULL
) STRICT;
