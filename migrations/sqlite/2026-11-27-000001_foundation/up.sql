-- Committees, accounts, sign-in state and the audit chain.
CREATE TABLE committee (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    abbreviation TEXT NOT NULL,
    number_pattern TEXT NOT NULL,
    zone_class TEXT NOT NULL CHECK (zone_class IN ('0', '1', '2', '3', '4a', '4b')),
    night_start TEXT NOT NULL,
    night_end TEXT NOT NULL,
    language TEXT NOT NULL CHECK (language IN ('zh-CN', 'en')),
    utc_offset_minutes INTEGER NOT NULL,
    retention_years INTEGER NOT NULL,
    seal_png BLOB,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE app_user (
    id INTEGER PRIMARY KEY,
    committee_id INTEGER NOT NULL REFERENCES committee (id),
    username TEXT NOT NULL,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'mediator', 'grid_worker', 'staff')),
    password_hash TEXT NOT NULL,
    language TEXT CHECK (language IN ('zh-CN', 'en')),
    active BOOLEAN NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX app_user_username ON app_user (username);
CREATE INDEX app_user_committee ON app_user (committee_id);

CREATE TABLE web_session (
    id_hash TEXT PRIMARY KEY NOT NULL,
    user_id INTEGER NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL
);
CREATE INDEX web_session_user ON web_session (user_id);

CREATE TABLE api_token (
    id INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    user_id INTEGER NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);
CREATE INDEX api_token_user ON api_token (user_id);

CREATE TABLE sign_in_throttle (
    key TEXT PRIMARY KEY NOT NULL,
    failures INTEGER NOT NULL,
    window_start TIMESTAMP NOT NULL
);

CREATE TABLE app_setting (
    key TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);

-- One hash chain per committee (chain 0: events of no committee).
CREATE TABLE audit_event (
    chain INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    actor_id INTEGER,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    summary TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (chain, seq)
);
CREATE INDEX audit_event_entity ON audit_event (entity, entity_id);

CREATE TABLE audit_head (
    chain INTEGER PRIMARY KEY NOT NULL,
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL
);

CREATE TRIGGER audit_event_append_only_update BEFORE UPDATE ON audit_event
BEGIN
    SELECT RAISE(ABORT, 'audit_event is append-only');
END;
CREATE TRIGGER audit_event_append_only_delete BEFORE DELETE ON audit_event
BEGIN
    SELECT RAISE(ABORT, 'audit_event is append-only');
END;
