-- vendorflow journal, schema 4: the id (never the value) of the last
-- Temporary Access Pass issued to an account, for offboarding to remove
-- even when replication lag hides it from a listing.
ALTER TABLE accounts ADD COLUMN credential_id TEXT NOT NULL DEFAULT '';
