-- A resident signs in with the access code and a PIN printed on their own
-- receipt slip. The code is kept sealed under the data key (the
-- application seals the codes stored before, at start-up) and found by a
-- keyed hash of it; the PIN is kept only as a keyed hash. The last four
-- digits of the phone, the former second factor, are no longer kept.
ALTER TABLE party ADD COLUMN access_key TEXT;
ALTER TABLE party ADD COLUMN pin_hash TEXT;
CREATE UNIQUE INDEX party_access_key ON party (access_key);
ALTER TABLE party DROP COLUMN phone_last4;

-- A resident's sign-in, ended on the server when they sign out.
CREATE TABLE portal_session (
    id_hash TEXT PRIMARY KEY NOT NULL,
    party_id INTEGER NOT NULL REFERENCES party (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    large_type BOOLEAN NOT NULL DEFAULT 0
);
CREATE INDEX portal_session_party ON portal_session (party_id);
