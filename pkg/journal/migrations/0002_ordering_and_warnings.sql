-- vendorflow journal, schema 2: per-account ordering and sponsor warnings.

-- When the intent of a request was expressed (the queue's enqueue time at
-- first sight; the journal's clock when unknown). A newer intent for the
-- same account wins over an older one.
ALTER TABLE requests ADD COLUMN intent_at TEXT;

-- The sponsor to warn before the contract ends, and the contract end a
-- warning was sent for (so that it is sent once per contract end).
ALTER TABLE accounts ADD COLUMN sponsor TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN warned_for TEXT;

-- One request at a time may change an account: a lease per UPN with an
-- owner (the request id) and an expiry, so that a crashed owner does not
-- block the account for ever.
CREATE TABLE leases (
    upn   TEXT NOT NULL PRIMARY KEY COLLATE NOCASE,
    owner TEXT NOT NULL,
    until TEXT NOT NULL
) STRICT;
