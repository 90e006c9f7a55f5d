-- Closed hours of readings packed: the readings of one monitor's hour,
-- once the hour has ended, are moved from monitor_reading (a row each) into
-- one row of at most 60 readings a part, so that a minute reading takes
-- about 13 bytes on disk on either backend (README, Noise monitors). A
-- reading is a record of 11 bytes, big-endian: its start's seconds into
-- the hour (2 bytes), its interval in seconds (3) and the packed levels
-- and mark exactly as monitor_reading.levels holds them (6); records are in
-- order of start and interval. A reading arriving later for a packed hour
-- is stored as a row again and packed into the hour's next part.
CREATE TABLE monitor_reading_pack (
    monitor_id INTEGER NOT NULL REFERENCES monitor (id),
    -- The hour's start, Unix seconds (UTC).
    hour_s INTEGER NOT NULL CHECK (hour_s % 3600 = 0),
    part INTEGER NOT NULL CHECK (part BETWEEN 0 AND 32767),
    data BLOB NOT NULL CHECK (typeof(data) = 'blob' AND length(data) BETWEEN 11 AND 660 AND length(data) % 11 = 0),
    PRIMARY KEY (monitor_id, hour_s, part)
) WITHOUT ROWID;

-- Packs are evidence as readings are: never changed, removed only once
-- their hour has been rolled up, and never made for an hour rolled up.
CREATE TRIGGER monitor_reading_pack_rolled_up BEFORE INSERT ON monitor_reading_pack
WHEN EXISTS (SELECT 1 FROM monitor_hourly h WHERE h.monitor_id = NEW.monitor_id AND h.hour_s = NEW.hour_s)
BEGIN
    SELECT RAISE(ABORT, 'monitor_reading_pack: the hour is rolled up');
END;
CREATE TRIGGER monitor_reading_pack_append_only_update BEFORE UPDATE ON monitor_reading_pack
BEGIN
    SELECT RAISE(ABORT, 'monitor_reading_pack is append-only');
END;
CREATE TRIGGER monitor_reading_pack_append_only_delete BEFORE DELETE ON monitor_reading_pack
WHEN NOT EXISTS (SELECT 1 FROM monitor_hourly h WHERE h.monitor_id = OLD.monitor_id AND h.hour_s = OLD.hour_s)
BEGIN
    SELECT RAISE(ABORT, 'monitor_reading_pack is append-only');
END;

-- A reading may be removed only once its hour has been rolled up, or once
-- a pack of its hour holds it exactly: its record found at a record's
-- boundary (the first place the record's hex occurs, else each of the 60
-- places a record may start).
DROP TRIGGER monitor_reading_append_only_delete;
CREATE TRIGGER monitor_reading_append_only_delete BEFORE DELETE ON monitor_reading
WHEN NOT EXISTS (
    SELECT 1 FROM monitor_hourly h WHERE h.monitor_id = OLD.monitor_id AND h.hour_s = OLD.at_s - OLD.at_s % 3600
) AND NOT EXISTS (
    SELECT 1 FROM monitor_reading_pack p
    WHERE p.monitor_id = OLD.monitor_id AND p.hour_s = OLD.at_s - OLD.at_s % 3600
      AND ((instr(hex(p.data), printf('%04X%06X%012X', OLD.at_s % 3600, OLD.interval_s, OLD.levels)) - 1) % 22 = 0
        OR EXISTS (
            SELECT 1 FROM (VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9),(10),(11),(12),(13),(14),(15),(16),(17),(18),(19),(20),(21),(22),(23),(24),(25),(26),(27),(28),(29),(30),(31),(32),(33),(34),(35),(36),(37),(38),(39),(40),(41),(42),(43),(44),(45),(46),(47),(48),(49),(50),(51),(52),(53),(54),(55),(56),(57),(58),(59)) slot
            WHERE hex(substr(p.data, slot.column1 * 11 + 1, 11)) = printf('%04X%06X%012X', OLD.at_s % 3600, OLD.interval_s, OLD.levels)
        ))
)
BEGIN
    SELECT RAISE(ABORT, 'monitor_reading is append-only');
END;
