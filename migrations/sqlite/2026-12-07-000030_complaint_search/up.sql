-- Search of complaints by one or more characters: for each complaint, the
-- single characters, neighbouring pairs and digit runs of its folded place
-- and description, as words of a full-text index that keeps
-- only which complaints hold each word (rowid = complaint id), read newest
-- first. Folding is the application's, so it writes the row with the
-- complaint, and builds the index for the complaints already stored when it
-- starts and finds complaint_search_state not built.
CREATE VIRTUAL TABLE complaint_search USING fts5 (
    words,
    content = '',
    contentless_delete = 1,
    detail = 'none'
);

CREATE TABLE complaint_search_state (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    built BOOLEAN NOT NULL
);
INSERT INTO complaint_search_state (id, built) VALUES (1, FALSE);
