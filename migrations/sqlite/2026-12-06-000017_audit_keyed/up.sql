-- Each audit event's keyed hash (HMAC-SHA-256 of its hash under a key
-- derived from the data key, kept out of the database): the chain can no
-- longer be rebuilt by someone holding only the database. Events written
-- before this version have none; the first keyed event of a chain pins
-- them, through the hash it links to.
ALTER TABLE audit_event ADD COLUMN mac TEXT;
