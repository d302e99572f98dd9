-- vendorflow journal, schema 3: listings are newest first by creation (the
-- order the Table Storage journal's inverted-timestamp index gives), so
-- index the creation time.
CREATE INDEX requests_created ON requests (created_at);
