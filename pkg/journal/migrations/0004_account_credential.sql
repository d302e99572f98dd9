-- vendorflow journal, schema 4: the id (never the value) of the last
-- Temporary Access Pass issued to an account, for offboarding to remove
-- even when replication lag hides it from a listing; and the request that
-- last claimed the account, with its intent time, so that an older request
-- coming back part-way is superseded by a newer one that is part-way too.
ALTER TABLE accounts ADD COLUMN credential_id TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN claimed_by TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN claimed_at TEXT;
