-- Closed hours of readings packed: the readings of one monitor's hour,
-- once the hour has ended, are moved from monitor_reading (a row each) into
-- one row of at most 60 readings a part, so that a minute reading takes
-- about 13 bytes on disk on either backend (README, Noise monitors) where
-- a row of its own takes over 100 on PostgreSQL. A reading is a record of
-- 11 bytes, big-endian: its start's seconds into the hour (2 bytes), its
-- interval in seconds (3) and the packed levels and mark exactly as
-- monitor_reading.levels holds them (6); records are in order of start and
-- interval. A reading arriving later for a packed hour is stored as a row
-- again and packed into the hour's next part.
CREATE TABLE monitor_reading_pack (
    monitor_id BIGINT NOT NULL REFERENCES monitor (id),
    -- The hour's start, Unix seconds (UTC).
    hour_s BIGINT NOT NULL CHECK (hour_s % 3600 = 0),
    part SMALLINT NOT NULL CHECK (part >= 0),
    data BYTEA NOT NULL CHECK (length(data) BETWEEN 11 AND 660 AND length(data) % 11 = 0),
    PRIMARY KEY (monitor_id, hour_s, part)
);

-- A reading's record, as a pack holds it.
CREATE FUNCTION monitor_reading_record(offset_s BIGINT, interval_s INTEGER, levels BIGINT) RETURNS BYTEA
LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT int2send(offset_s::smallint) || substr(int4send(interval_s), 2, 3) || substr(int8send(levels), 3, 6)
$$;

-- Whether a pack holds a record: found at a record's boundary (the first
-- place it occurs, else each place a record starts).
CREATE FUNCTION monitor_reading_pack_holds(data BYTEA, record BYTEA) RETURNS BOOLEAN
LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT (position(record IN data) - 1) % 11 = 0
        OR EXISTS (SELECT 1 FROM generate_series(0, length(data) / 11 - 1) i WHERE substr(data, i * 11 + 1, 11) = record)
$$;

-- Packs are evidence as readings are: never changed, removed only once
-- their hour has been rolled up, and never made for an hour rolled up.
CREATE FUNCTION monitor_reading_pack_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF EXISTS (SELECT 1 FROM monitor_hourly h WHERE h.monitor_id = NEW.monitor_id AND h.hour_s = NEW.hour_s) THEN
            RAISE EXCEPTION 'monitor_reading_pack: the hour is rolled up';
        END IF;
        RETURN NEW;
    END IF;
    IF TG_OP = 'DELETE' THEN
        IF EXISTS (SELECT 1 FROM monitor_hourly h WHERE h.monitor_id = OLD.monitor_id AND h.hour_s = OLD.hour_s) THEN
            RETURN OLD;
        END IF;
    END IF;
    RAISE EXCEPTION 'monitor_reading_pack is append-only';
END;
$$;
CREATE TRIGGER monitor_reading_pack_guard BEFORE INSERT OR UPDATE OR DELETE ON monitor_reading_pack
    FOR EACH ROW EXECUTE FUNCTION monitor_reading_pack_guard();
CREATE TRIGGER monitor_reading_pack_no_truncate BEFORE TRUNCATE ON monitor_reading_pack
    FOR EACH STATEMENT EXECUTE FUNCTION monitor_reading_pack_guard();

-- A reading may be removed only once its hour has been rolled up, or once
-- a pack of its hour holds it exactly; checked once a statement over the
-- rows it removed. Never changed.
DROP TRIGGER monitor_reading_append_only ON monitor_reading;
CREATE OR REPLACE FUNCTION monitor_reading_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'monitor_reading is append-only';
END;
$$;
CREATE TRIGGER monitor_reading_append_only BEFORE UPDATE ON monitor_reading
    FOR EACH ROW EXECUTE FUNCTION monitor_reading_append_only();
CREATE FUNCTION monitor_reading_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM gone g
        WHERE NOT EXISTS (
            SELECT 1 FROM monitor_hourly h WHERE h.monitor_id = g.monitor_id AND h.hour_s = g.at_s - g.at_s % 3600
        ) AND NOT EXISTS (
            SELECT 1 FROM monitor_reading_pack p
            WHERE p.monitor_id = g.monitor_id AND p.hour_s = g.at_s - g.at_s % 3600
              AND monitor_reading_pack_holds(p.data, monitor_reading_record(g.at_s % 3600, g.interval_s, g.levels))
        )
    ) THEN
        RAISE EXCEPTION 'monitor_reading is append-only';
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER monitor_reading_kept AFTER DELETE ON monitor_reading
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION monitor_reading_kept();
