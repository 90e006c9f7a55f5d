-- Hourly roll-ups of older readings. Minute readings older than the
-- retention (HESHENG_READINGS_KEEP_DAYS, 400 days unless set) are rolled
-- up, an hour of a monitor at a time, into one row, and only then removed.
-- An hour's row keeps what can honestly be said of its readings: the
-- energetic mean of their L_Aeq weighted by their intervals (never an
-- arithmetic mean of decibels), the highest L_AFmax, the quietest and the
-- loudest reading's L_Aeq, how many readings there were, how many of them
-- were measurements (a reading marked other than normal counts as
-- missing, as in the nightly evaluation) and the seconds they covered.
-- L10 and L90 are not kept: percentiles of parts do not combine into the
-- percentile of the whole.
CREATE TABLE monitor_hourly (
    monitor_id BIGINT NOT NULL REFERENCES monitor (id),
    -- The hour's start, Unix seconds (UTC).
    hour_s BIGINT NOT NULL CHECK (hour_s % 3600 = 0),
    readings INTEGER NOT NULL CHECK (readings > 0),
    measured INTEGER NOT NULL CHECK (measured BETWEEN 0 AND readings),
    covered_s INTEGER NOT NULL CHECK (covered_s >= 0),
    laeq_db DOUBLE PRECISION,
    lafmax_db DOUBLE PRECISION,
    laeq_min_db DOUBLE PRECISION,
    laeq_max_db DOUBLE PRECISION,
    rolled_at TIMESTAMP NOT NULL,
    CHECK ((measured = 0) = (laeq_db IS NULL)),
    PRIMARY KEY (monitor_id, hour_s)
);

-- A roll-up is evidence too: never changed, never removed, and never made
-- for an hour less than 90 days old, whatever the retention is set to.
CREATE FUNCTION monitor_hourly_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.hour_s + 3600 > extract(epoch FROM now()) - 90 * 86400 THEN
            RAISE EXCEPTION 'monitor_hourly: an hour less than 90 days old is not rolled up';
        END IF;
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'monitor_hourly is append-only';
END;
$$;
CREATE TRIGGER monitor_hourly_guard BEFORE INSERT OR UPDATE OR DELETE ON monitor_hourly
    FOR EACH ROW EXECUTE FUNCTION monitor_hourly_guard();
CREATE TRIGGER monitor_hourly_no_truncate BEFORE TRUNCATE ON monitor_hourly
    FOR EACH STATEMENT EXECUTE FUNCTION monitor_hourly_guard();

-- Readings stay append-only: a reading may be removed only once its hour
-- has been rolled up (and so is at least 90 days old); never changed.
CREATE OR REPLACE FUNCTION monitor_reading_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND EXISTS (
        SELECT 1 FROM monitor_hourly h WHERE h.monitor_id = OLD.monitor_id AND h.hour_s = OLD.at_s - OLD.at_s % 3600
    ) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'monitor_reading is append-only';
END;
$$;
