DROP TRIGGER case_search_insert;
DROP TRIGGER case_search_delete;
DROP TRIGGER case_search_update;
DROP TABLE case_search;
DROP VIEW case_search_source;

CREATE VIRTUAL TABLE case_search USING fts5 (
    title, number, location,
    content = 'mediation_case', content_rowid = 'id', tokenize = 'trigram'
);
INSERT INTO case_search (case_search) VALUES ('rebuild');

CREATE TRIGGER case_search_insert AFTER INSERT ON mediation_case
BEGIN
    INSERT INTO case_search (rowid, title, number, location) VALUES (new.id, new.title, new.number, new.location);
END;

CREATE TRIGGER case_search_delete AFTER DELETE ON mediation_case
BEGIN
    INSERT INTO case_search (case_search, rowid, title, number, location)
    VALUES ('delete', old.id, old.title, old.number, old.location);
END;

CREATE TRIGGER case_search_update AFTER UPDATE OF title, number, location ON mediation_case
BEGIN
    INSERT INTO case_search (case_search, rowid, title, number, location)
    VALUES ('delete', old.id, old.title, old.number, old.location);
    INSERT INTO case_search (rowid, title, number, location) VALUES (new.id, new.title, new.number, new.location);
END;
