-- Signed documents kept byte for byte, with their SHA-256.
CREATE TABLE document_archive (
    id INTEGER PRIMARY KEY,
    committee_id INTEGER NOT NULL REFERENCES committee (id),
    case_id INTEGER NOT NULL REFERENCES mediation_case (id),
    agreement_id INTEGER NOT NULL REFERENCES agreement (id),
    kind TEXT NOT NULL,
    lang TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    pages INTEGER NOT NULL,
    bytes BLOB NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (agreement_id, kind, lang)
);
CREATE INDEX document_archive_sha256 ON document_archive (sha256);

CREATE TRIGGER document_archive_append_only_update BEFORE UPDATE ON document_archive
BEGIN
    SELECT RAISE(ABORT, 'document_archive is append-only');
END;
CREATE TRIGGER document_archive_append_only_delete BEFORE DELETE ON document_archive
BEGIN
    SELECT RAISE(ABORT, 'document_archive is append-only');
END;
