-- Case records: complaints, cases, parties, investigations, measurements,
-- sessions, meetings, agreements, signatures, follow-ups, referrals.

CREATE TABLE party (
    id INTEGER PRIMARY KEY,
    committee_id INTEGER NOT NULL REFERENCES committee (id),
    kind TEXT NOT NULL CHECK (kind IN ('person', 'organisation')),
    name TEXT NOT NULL,
    sex TEXT CHECK (sex IN ('male', 'female')),
    ethnicity TEXT,
    birth_year INTEGER,
    occupation TEXT,
    phone TEXT,
    phone_last4 TEXT,
    address TEXT,
    organisation TEXT,
    id_number TEXT,
    access_code TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX party_committee ON party (committee_id);

CREATE TABLE case_counter (
    committee_id INTEGER NOT NULL REFERENCES committee (id),
    year INTEGER NOT NULL,
    last_seq INTEGER NOT NULL,
    PRIMARY KEY (committee_id, year)
);

CREATE TABLE mediation_case (
    id INTEGER PRIMARY KEY,
    committee_id INTEGER NOT NULL REFERENCES committee (id),
    number TEXT NOT NULL,
    year INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    title TEXT NOT NULL,
    dispute_type TEXT NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('application', 'own_initiative', 'referral')),
    status TEXT NOT NULL,
    risk_level TEXT NOT NULL CHECK (risk_level IN ('red', 'orange', 'yellow')),
    public_session BOOLEAN NOT NULL,
    facts TEXT,
    location TEXT,
    registered_at TIMESTAMP NOT NULL,
    termination_reason TEXT,
    routes_explained BOOLEAN NOT NULL DEFAULT 0,
    created_by INTEGER REFERENCES app_user (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (committee_id, year, seq),
    UNIQUE (committee_id, number)
);
CREATE INDEX mediation_case_status ON mediation_case (committee_id, status, id);

CREATE TABLE case_party (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES mediation_case (id),
    party_id INTEGER NOT NULL REFERENCES party (id),
    role TEXT NOT NULL CHECK (role IN ('applicant', 'respondent', 'third_party', 'representative')),
    represents TEXT,
    UNIQUE (case_id, party_id)
);
CREATE INDEX case_party_party ON case_party (party_id);

CREATE TABLE case_mediator (
    case_id INTEGER NOT NULL REFERENCES mediation_case (id),
    user_id INTEGER NOT NULL REFERENCES app_user (id),
    PRIMARY KEY (case_id, user_id)
);

CREATE TABLE complaint (
    id INTEGER PRIMARY KEY,
    committee_id INTEGER NOT NULL REFERENCES committee (id),
    received_at TIMESTAMP NOT NULL,
    channel TEXT NOT NULL CHECK (channel IN ('phone', 'wechat', 'visit', 'patrol', 'hotline', 'online')),
    category TEXT NOT NULL CHECK (category IN ('noise', 'leak', 'nuisance', 'property', 'other')),
    location TEXT NOT NULL,
    location_key TEXT NOT NULL,
    description TEXT NOT NULL,
    observed_pattern TEXT,
    pattern_start TEXT,
    pattern_end TEXT,
    pattern_days TEXT,
    reporter_party_id INTEGER REFERENCES party (id),
    anonymous BOOLEAN NOT NULL,
    case_id INTEGER REFERENCES mediation_case (id),
    created_by INTEGER REFERENCES app_user (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX complaint_similar ON complaint (committee_id, category, location_key, received_at);
CREATE INDEX complaint_case ON complaint (case_id);
CREATE INDEX complaint_committee ON complaint (committee_id, id);

CREATE TABLE case_transition (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES mediation_case (id),
    from_status TEXT NOT NULL,
    to_status TEXT NOT NULL,
    reason TEXT,
    created_by INTEGER REFERENCES app_user (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX case_transition_case ON case_transition (case_id);

CREATE TABLE referral (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES mediation_case (id),
    referred_to TEXT NOT NULL,
    reason TEXT NOT NULL,
    referred_at TIMESTAMP NOT NULL,
    created_by INTEGER REFERENCES app_user (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX referral_case ON referral (case_id);

CREATE TABLE investigation (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES mediation_case (id),
    conducted_at TIMESTAMP NOT NULL,
    place TEXT NOT NULL,
    investigators TEXT NOT NULL,
    participants TEXT,
    subject TEXT,
    record TEXT NOT NULL,
    findings TEXT,
    created_by INTEGER REFERENCES app_user (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX investigation_case ON investigation (case_id);

CREATE TABLE measurement (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES mediation_case (id),
    investigation_id INTEGER REFERENCES investigation (id),
    measured_at TIMESTAMP NOT NULL,
    position TEXT NOT NULL CHECK (position IN ('outside_window_1m', 'boundary', 'indoor_bedroom', 'indoor_other')),
    height_m DOUBLE,
    laeq_db DOUBLE NOT NULL,
    lmax_db DOUBLE,
    background_db DOUBLE,
    duration_s INTEGER NOT NULL,
    instrument TEXT,
    instrument_class INTEGER,
    calibration_before_db DOUBLE,
    calibration_after_db DOUBLE,
    indicative BOOLEAN NOT NULL,
    operator TEXT,
    valid BOOLEAN NOT NULL,
    invalid_reasons TEXT NOT NULL,
    corrected_db DOUBLE,
    limit_db DOUBLE NOT NULL,
    period TEXT NOT NULL CHECK (period IN ('day', 'night')),
    exceeds_by_db DOUBLE,
    lmax_exceeds_by_db DOUBLE,
    created_by INTEGER REFERENCES app_user (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX measurement_case ON measurement (case_id);

CREATE TABLE legal_reference (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    law_zh TEXT NOT NULL,
    law_en TEXT NOT NULL,
    article INTEGER NOT NULL,
    text_zh TEXT NOT NULL,
    text_en TEXT NOT NULL
);

CREATE TABLE mediation_session (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES mediation_case (id),
    held_at TIMESTAMP NOT NULL,
    place TEXT NOT NULL,
    matter TEXT,
    mediators TEXT NOT NULL,
    recorder TEXT NOT NULL,
    attendees TEXT,
    statements TEXT NOT NULL,
    findings TEXT,
    risks_explained TEXT,
    outcome TEXT NOT NULL CHECK (outcome IN ('agreed', 'continued', 'failed')),
    failure_reason TEXT,
    created_by INTEGER REFERENCES app_user (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX mediation_session_case ON mediation_session (case_id);

CREATE TABLE session_reference (
    session_id INTEGER NOT NULL REFERENCES mediation_session (id),
    legal_reference_id INTEGER NOT NULL REFERENCES legal_reference (id),
    PRIMARY KEY (session_id, legal_reference_id)
);

CREATE TABLE community_meeting (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES mediation_case (id),
    held_at TIMESTAMP NOT NULL,
    place TEXT NOT NULL,
    attendees TEXT NOT NULL,
    attendance INTEGER NOT NULL,
    explanations TEXT NOT NULL,
    votes_for INTEGER NOT NULL,
    votes_against INTEGER NOT NULL,
    votes_abstain INTEGER NOT NULL,
    resolution TEXT,
    created_by INTEGER REFERENCES app_user (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX community_meeting_case ON community_meeting (case_id);

CREATE TABLE meeting_reference (
    meeting_id INTEGER NOT NULL REFERENCES community_meeting (id),
    legal_reference_id INTEGER NOT NULL REFERENCES legal_reference (id),
    PRIMARY KEY (meeting_id, legal_reference_id)
);

CREATE TABLE agreement (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES mediation_case (id),
    version INTEGER NOT NULL,
    supersedes_id INTEGER REFERENCES agreement (id),
    kind TEXT NOT NULL CHECK (kind IN ('written', 'oral')),
    subtitle TEXT,
    facts TEXT NOT NULL,
    disputed_matters TEXT NOT NULL,
    responsibilities TEXT,
    performance_manner TEXT NOT NULL,
    performance_place TEXT,
    performance_deadline DATE,
    status TEXT NOT NULL CHECK (status IN ('draft', 'signing', 'effective', 'fulfilled', 'breached', 'superseded', 'withdrawn')),
    content_json TEXT,
    content_hash TEXT,
    effective_at TIMESTAMP,
    confirmation_deadline DATE,
    verification_code TEXT UNIQUE,
    copies INTEGER,
    created_by INTEGER REFERENCES app_user (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX agreement_case ON agreement (case_id);

CREATE TABLE agreement_term (
    id INTEGER PRIMARY KEY,
    agreement_id INTEGER NOT NULL REFERENCES agreement (id),
    position INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('time_window', 'volume_limit', 'relocation', 'equipment', 'payment', 'deadline', 'free_text')),
    text TEXT NOT NULL,
    days TEXT,
    start_time TEXT,
    end_time TEXT,
    max_db DOUBLE,
    measure_position TEXT,
    amount_fen BIGINT,
    due DATE,
    UNIQUE (agreement_id, position)
);

CREATE TABLE signature (
    id INTEGER PRIMARY KEY,
    agreement_id INTEGER NOT NULL REFERENCES agreement (id),
    role TEXT NOT NULL CHECK (role IN ('party', 'mediator', 'recorder', 'committee_seal')),
    party_id INTEGER REFERENCES party (id),
    signer_name TEXT NOT NULL,
    method TEXT NOT NULL CHECK (method IN ('paper', 'on_screen', 'fingerprint', 'seal')),
    signed_at TIMESTAMP NOT NULL,
    image_png BLOB,
    image_sha256 TEXT,
    recorded_by INTEGER REFERENCES app_user (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX signature_agreement ON signature (agreement_id);

CREATE TABLE follow_up (
    id INTEGER PRIMARY KEY,
    agreement_id INTEGER NOT NULL REFERENCES agreement (id),
    case_id INTEGER NOT NULL REFERENCES mediation_case (id),
    visited_at TIMESTAMP NOT NULL,
    visitor TEXT NOT NULL,
    method TEXT NOT NULL CHECK (method IN ('visit', 'phone', 'night_check', 'resident_report')),
    satisfaction INTEGER CHECK (satisfaction BETWEEN 1 AND 5),
    lawsuit BOOLEAN NOT NULL DEFAULT 0,
    risk_signs TEXT,
    measures TEXT,
    notes TEXT,
    overall TEXT NOT NULL CHECK (overall IN ('kept', 'breached', 'unknown')),
    reported_by_party_id INTEGER REFERENCES party (id),
    created_by INTEGER REFERENCES app_user (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX follow_up_agreement ON follow_up (agreement_id);
CREATE INDEX follow_up_case ON follow_up (case_id);

CREATE TABLE follow_up_observation (
    id INTEGER PRIMARY KEY,
    follow_up_id INTEGER NOT NULL REFERENCES follow_up (id),
    term_position INTEGER NOT NULL,
    observed_end TEXT,
    measured_db DOUBLE,
    indicative BOOLEAN NOT NULL DEFAULT 0,
    reported_result TEXT CHECK (reported_result IN ('kept', 'breached')),
    note TEXT,
    result TEXT NOT NULL CHECK (result IN ('kept', 'breached', 'unknown'))
);
CREATE INDEX follow_up_observation_follow_up ON follow_up_observation (follow_up_id);

-- An effective agreement is frozen: only its status may move on.
CREATE TRIGGER agreement_frozen_update BEFORE UPDATE ON agreement
WHEN OLD.content_hash IS NOT NULL AND (
    NEW.case_id IS NOT OLD.case_id OR NEW.version IS NOT OLD.version
    OR NEW.supersedes_id IS NOT OLD.supersedes_id OR NEW.kind IS NOT OLD.kind
    OR NEW.subtitle IS NOT OLD.subtitle OR NEW.facts IS NOT OLD.facts
    OR NEW.disputed_matters IS NOT OLD.disputed_matters
    OR NEW.responsibilities IS NOT OLD.responsibilities
    OR NEW.performance_manner IS NOT OLD.performance_manner
    OR NEW.performance_place IS NOT OLD.performance_place
    OR NEW.performance_deadline IS NOT OLD.performance_deadline
    OR NEW.content_json IS NOT OLD.content_json OR NEW.content_hash IS NOT OLD.content_hash
    OR NEW.effective_at IS NOT OLD.effective_at
    OR NEW.confirmation_deadline IS NOT OLD.confirmation_deadline
    OR NEW.verification_code IS NOT OLD.verification_code OR NEW.copies IS NOT OLD.copies
    OR NEW.created_by IS NOT OLD.created_by OR NEW.created_at IS NOT OLD.created_at
    OR NEW.status NOT IN ('effective', 'fulfilled', 'breached', 'superseded'))
BEGIN
    SELECT RAISE(ABORT, 'agreement is effective and frozen');
END;
CREATE TRIGGER agreement_frozen_delete BEFORE DELETE ON agreement
WHEN OLD.content_hash IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'agreement is effective and frozen');
END;
CREATE TRIGGER agreement_term_frozen_insert BEFORE INSERT ON agreement_term
WHEN (SELECT content_hash FROM agreement WHERE id = NEW.agreement_id) IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'agreement is effective and frozen');
END;
CREATE TRIGGER agreement_term_frozen_update BEFORE UPDATE ON agreement_term
WHEN (SELECT content_hash FROM agreement WHERE id = OLD.agreement_id) IS NOT NULL
    OR (SELECT content_hash FROM agreement WHERE id = NEW.agreement_id) IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'agreement is effective and frozen');
END;
CREATE TRIGGER agreement_term_frozen_delete BEFORE DELETE ON agreement_term
WHEN (SELECT content_hash FROM agreement WHERE id = OLD.agreement_id) IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'agreement is effective and frozen');
END;
CREATE TRIGGER signature_frozen_insert BEFORE INSERT ON signature
WHEN (SELECT content_hash FROM agreement WHERE id = NEW.agreement_id) IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'agreement is effective and frozen');
END;
CREATE TRIGGER signature_frozen_update BEFORE UPDATE ON signature
WHEN (SELECT content_hash FROM agreement WHERE id = OLD.agreement_id) IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'agreement is effective and frozen');
END;
CREATE TRIGGER signature_frozen_delete BEFORE DELETE ON signature
WHEN (SELECT content_hash FROM agreement WHERE id = OLD.agreement_id) IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'agreement is effective and frozen');
END;
