-- The complaint index's postings in chunks, as the case index's
-- (src/db/postings.rs): for a committee and a key, up to 256 complaint ids
-- in one row, read newest first. The GIN index over hesheng_grams named
-- every complaint holding a search's keys, unordered, and each was read
-- before the newest were kept. The chunks are built at the next start.
CREATE TABLE complaint_search_chunk (
    committee_id BIGINT NOT NULL,
    key BIGINT NOT NULL,
    first_id BIGINT NOT NULL,
    held INTEGER NOT NULL,
    ids BYTEA NOT NULL,
    PRIMARY KEY (committee_id, key, first_id)
);

DROP INDEX complaint_search;
DROP FUNCTION hesheng_grams(text, text);
DROP FUNCTION hesheng_fold(text);
UPDATE complaint_search_state SET built = FALSE;
