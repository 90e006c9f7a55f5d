-- Noise monitors: the registry of a committee's devices, and the levels
-- they report. Only levels are stored, never sound.
CREATE TABLE monitor (
    id INTEGER PRIMARY KEY,
    committee_id INTEGER NOT NULL REFERENCES committee (id),
    place TEXT NOT NULL,
    position TEXT NOT NULL CHECK (position IN ('outside_window_1m', 'boundary', 'indoor_bedroom', 'indoor_other')),
    zone_class TEXT NOT NULL CHECK (zone_class IN ('0', '1', '2', '3', '4a', '4b')),
    instrument_class TEXT NOT NULL CHECK (instrument_class IN ('class1', 'class2', 'indicative')),
    serial TEXT NOT NULL,
    calibrated_on DATE,
    calibration_valid_until DATE,
    -- HJ 212: the device's identity (MN) and the SHA-256 of MN, ':' and its
    -- password (PW); the HTTP token only as its SHA-256.
    mn TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    realtime_interval_s INTEGER NOT NULL DEFAULT 30 CHECK (realtime_interval_s BETWEEN 1 AND 3600),
    data_time_marks TEXT NOT NULL DEFAULT 'start' CHECK (data_time_marks IN ('start', 'end')),
    case_id INTEGER REFERENCES mediation_case (id),
    agreement_id INTEGER REFERENCES agreement (id),
    created_by INTEGER REFERENCES app_user (id),
    created_at TIMESTAMP NOT NULL,
    CHECK ((calibrated_on IS NULL) = (calibration_valid_until IS NULL)),
    CHECK (calibration_valid_until IS NULL OR calibration_valid_until >= calibrated_on)
);
CREATE UNIQUE INDEX monitor_mn ON monitor (mn);
CREATE UNIQUE INDEX monitor_token ON monitor (token_hash);
CREATE INDEX monitor_committee ON monitor (committee_id, id);
CREATE INDEX monitor_case ON monitor (case_id);
CREATE INDEX monitor_agreement ON monitor (agreement_id);

-- One row per reported interval, compact: the start as Unix seconds (UTC)
-- and one integer packing the four levels in 0.1 dB steps, eleven bits
-- each — L_Aeq in bits 0–10, L_AFmax 11–21, L10 22–32, L90 33–43, 2047 for
-- a level not reported — and the instrument's mark in bits 44–47: 0 normal
-- or unmarked, 1–8 F M S D C T B P, 15 any other mark (its letters are not
-- kept; like every mark but N it makes the reading count as missing).
-- Keyed by (monitor, start, interval) without a rowid: a minute reading
-- takes about 23 bytes of the file (README, Noise monitors).
CREATE TABLE monitor_reading (
    monitor_id INTEGER NOT NULL REFERENCES monitor (id),
    at_s INTEGER NOT NULL,
    interval_s INTEGER NOT NULL CHECK (interval_s BETWEEN 1 AND 86400),
    levels INTEGER NOT NULL CHECK (levels BETWEEN 0 AND 281474976710655),
    PRIMARY KEY (monitor_id, at_s, interval_s)
) WITHOUT ROWID;

-- Readings are evidence: never changed, never removed; a device resending
-- a reading finds it already stored.
CREATE TRIGGER monitor_reading_append_only_update BEFORE UPDATE ON monitor_reading
BEGIN
    SELECT RAISE(ABORT, 'monitor_reading is append-only');
END;
CREATE TRIGGER monitor_reading_append_only_delete BEFORE DELETE ON monitor_reading
BEGIN
    SELECT RAISE(ABORT, 'monitor_reading is append-only');
END;
