-- Search of cases by one or more characters: each case's folded title,
-- number and place, its parties' names and its named complainants' names
-- (case_search_text), and their single characters and neighbouring pairs
-- (case_search_key), per committee, read newest first. Folding (full-width,
-- traditional forms) is the application's, so it writes both tables in the
-- transaction that writes the case, and builds them for the cases already
-- stored when it starts and finds case_search_state not built.
-- The trigram indexes they replace go (pg_trgm needs three characters).
DROP INDEX case_title_trgm;
DROP INDEX case_number_trgm;
DROP INDEX case_location_trgm;

CREATE TABLE case_search_text (
    case_id BIGINT PRIMARY KEY REFERENCES mediation_case (id),
    committee_id BIGINT NOT NULL,
    body TEXT NOT NULL,
    parties TEXT NOT NULL,
    complainants TEXT NOT NULL
);

CREATE TABLE case_search_key (
    committee_id BIGINT NOT NULL,
    key BIGINT NOT NULL,
    case_id BIGINT NOT NULL,
    PRIMARY KEY (committee_id, key, case_id)
);

CREATE TABLE case_search_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    built BOOLEAN NOT NULL
);
INSERT INTO case_search_state (id, built) VALUES (1, FALSE);
