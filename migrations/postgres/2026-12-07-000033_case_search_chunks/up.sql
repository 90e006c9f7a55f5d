-- The case index's postings in chunks: for a committee and a key, up to
-- 256 case ids in one row, stored as the differences between neighbours
-- (src/db/cases/postings.rs), instead of a row for each key of each case.
-- The index is built anew at the next start.
DROP TABLE case_search_key;

CREATE TABLE case_search_chunk (
    committee_id BIGINT NOT NULL,
    key BIGINT NOT NULL,
    first_id BIGINT NOT NULL,
    held INTEGER NOT NULL,
    ids BYTEA NOT NULL,
    PRIMARY KEY (committee_id, key, first_id)
);

DELETE FROM case_search_text;
UPDATE case_search_state SET built = FALSE;
