DROP TABLE case_search_state;
DROP TABLE case_search_key;
DROP TABLE case_search_text;

CREATE VIEW case_search_source AS SELECT -id AS newest, title, number, location FROM mediation_case;

CREATE VIRTUAL TABLE case_search USING fts5 (
    title, number, location,
    content = 'case_search_source', content_rowid = 'newest', tokenize = 'trigram'
);
INSERT INTO case_search (case_search) VALUES ('rebuild');

CREATE TRIGGER case_search_insert AFTER INSERT ON mediation_case
BEGIN
    INSERT INTO case_search (rowid, title, number, location) VALUES (-new.id, new.title, new.number, new.location);
END;

CREATE TRIGGER case_search_delete AFTER DELETE ON mediation_case
BEGIN
    INSERT INTO case_search (case_search, rowid, title, number, location)
    VALUES ('delete', -old.id, old.title, old.number, old.location);
END;

CREATE TRIGGER case_search_update AFTER UPDATE OF title, number, location ON mediation_case
BEGIN
    INSERT INTO case_search (case_search, rowid, title, number, location)
    VALUES ('delete', -old.id, old.title, old.number, old.location);
    INSERT INTO case_search (rowid, title, number, location) VALUES (-new.id, new.title, new.number, new.location);
END;
