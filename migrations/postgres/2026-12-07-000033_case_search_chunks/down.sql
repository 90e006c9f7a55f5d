DROP TABLE case_search_chunk;

CREATE TABLE case_search_key (
    committee_id BIGINT NOT NULL,
    key BIGINT NOT NULL,
    case_id BIGINT NOT NULL,
    PRIMARY KEY (committee_id, key, case_id)
);

DELETE FROM case_search_text;
UPDATE case_search_state SET built = FALSE;
