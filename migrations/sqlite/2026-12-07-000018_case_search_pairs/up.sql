-- Search of cases by one or more characters: each case's folded title,
-- number and place, its parties' names and its named complainants' names
-- (case_search_text), and their single characters and neighbouring pairs
-- (case_search_key), per committee, read newest first. Folding (full-width,
-- traditional forms) is the application's, so it writes both tables in the
-- transaction that writes the case, and builds them for the cases already
-- stored when it starts and finds case_search_state not built.
-- The trigram index it replaces goes.
DROP TRIGGER case_search_insert;
DROP TRIGGER case_search_delete;
DROP TRIGGER case_search_update;
DROP TABLE case_search;
DROP VIEW case_search_source;

CREATE TABLE case_search_text (
    case_id INTEGER PRIMARY KEY NOT NULL REFERENCES mediation_case (id),
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
) WITHOUT ROWID;

CREATE TABLE case_search_state (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    built BOOLEAN NOT NULL
);
INSERT INTO case_search_state (id, built) VALUES (1, FALSE);
