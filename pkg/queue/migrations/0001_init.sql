-- Per-queue sequence counters.
CREATE TABLE queues (
    name     TEXT    NOT NULL PRIMARY KEY,
    last_seq INTEGER NOT NULL
) STRICT;

-- Active (state 0) and dead-lettered (state 1) messages. Times are Unix ns;
-- 0 means unset.
CREATE TABLE messages (
    queue            TEXT    NOT NULL,
    seq              INTEGER NOT NULL,
    message_id       TEXT    NOT NULL,
    body             BLOB    NOT NULL,
    content_type     TEXT    NOT NULL DEFAULT '',
    correlation_id   TEXT    NOT NULL DEFAULT '',
    subject          TEXT    NOT NULL DEFAULT '',
    app_properties   TEXT,
    ttl_ns           INTEGER NOT NULL,
    scheduled_at     INTEGER NOT NULL DEFAULT 0,
    enqueued_at      INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL,
    delivery_count   INTEGER NOT NULL DEFAULT 0,
    lock_token       TEXT,
    locked_until     INTEGER NOT NULL DEFAULT 0,
    state            INTEGER NOT NULL DEFAULT 0 CHECK (state IN (0, 1)),
    dl_reason        TEXT    NOT NULL DEFAULT '',
    dl_description   TEXT    NOT NULL DEFAULT '',
    dl_source        TEXT    NOT NULL DEFAULT '',
    dead_lettered_at INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (queue, seq)
) STRICT;

CREATE UNIQUE INDEX messages_lock_token ON messages (lock_token) WHERE lock_token IS NOT NULL;
CREATE INDEX messages_active      ON messages (queue, seq)          WHERE state = 0;
CREATE INDEX messages_expiry      ON messages (queue, expires_at)   WHERE state = 0;
CREATE INDEX messages_lock_expiry ON messages (queue, locked_until) WHERE state = 0 AND locked_until > 0;
CREATE INDEX messages_dead        ON messages (queue, seq)          WHERE state = 1;

-- Duplicate-detection history: the last accepted send of each MessageID.
CREATE TABLE duplicate_detection (
    queue      TEXT    NOT NULL,
    message_id TEXT    NOT NULL,
    seq        INTEGER NOT NULL,
    seen_at    INTEGER NOT NULL,
    PRIMARY KEY (queue, message_id)
) STRICT;

CREATE INDEX duplicate_detection_seen ON duplicate_detection (queue, seen_at);
