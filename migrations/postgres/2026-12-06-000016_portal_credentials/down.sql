DROP TABLE portal_session;
ALTER TABLE party ADD COLUMN phone_last4 TEXT;
DROP INDEX party_access_key;
ALTER TABLE party DROP COLUMN pin_hash;
ALTER TABLE party DROP COLUMN access_key;
