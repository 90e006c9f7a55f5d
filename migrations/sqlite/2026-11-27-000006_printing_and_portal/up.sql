-- Documents waiting to be printed.
CREATE TABLE print_request (
    id INTEGER PRIMARY KEY,
    committee_id INTEGER NOT NULL REFERENCES committee (id),
    case_id INTEGER NOT NULL REFERENCES mediation_case (id),
    kind TEXT NOT NULL,
    copies INTEGER NOT NULL CHECK (copies BETWEEN 1 AND 50),
    note TEXT,
    requested_by INTEGER REFERENCES app_user (id),
    requested_at TIMESTAMP NOT NULL,
    job_id INTEGER,
    printed_at TIMESTAMP
);
CREATE INDEX print_request_open ON print_request (committee_id, printed_at);

-- A batch of documents rendered into one PDF, with its progress.
CREATE TABLE print_job (
    id INTEGER PRIMARY KEY,
    committee_id INTEGER NOT NULL REFERENCES committee (id),
    status TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed')),
    total INTEGER NOT NULL,
    done INTEGER NOT NULL DEFAULT 0,
    pages INTEGER NOT NULL DEFAULT 0,
    items TEXT NOT NULL,
    pdf BLOB,
    error TEXT,
    created_by INTEGER REFERENCES app_user (id),
    created_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP
);

-- The copy register: every printed document, how many copies and for whom;
-- append-only.
CREATE TABLE document_copy (
    id INTEGER PRIMARY KEY,
    committee_id INTEGER NOT NULL REFERENCES committee (id),
    case_id INTEGER NOT NULL REFERENCES mediation_case (id),
    kind TEXT NOT NULL,
    copies INTEGER NOT NULL,
    pages INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    recipient TEXT,
    job_id INTEGER REFERENCES print_job (id),
    printed_by INTEGER REFERENCES app_user (id),
    printed_at TIMESTAMP NOT NULL
);
CREATE INDEX document_copy_committee ON document_copy (committee_id, id);
CREATE INDEX document_copy_case ON document_copy (case_id);

CREATE TRIGGER document_copy_append_only_update BEFORE UPDATE ON document_copy
BEGIN
    SELECT RAISE(ABORT, 'document_copy is append-only');
END;
CREATE TRIGGER document_copy_append_only_delete BEFORE DELETE ON document_copy
BEGIN
    SELECT RAISE(ABORT, 'document_copy is append-only');
END;

-- What a party answered through the resident portal.
ALTER TABLE follow_up ADD COLUMN resident_answer TEXT CHECK (resident_answer IN ('kept', 'partly', 'not_kept'));
