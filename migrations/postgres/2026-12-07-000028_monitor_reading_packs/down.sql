DROP TRIGGER monitor_reading_kept ON monitor_reading;
DROP FUNCTION monitor_reading_kept();
DROP TRIGGER monitor_reading_append_only ON monitor_reading;
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
CREATE TRIGGER monitor_reading_append_only BEFORE UPDATE OR DELETE ON monitor_reading
    FOR EACH ROW EXECUTE FUNCTION monitor_reading_append_only();
DROP TABLE monitor_reading_pack;
DROP FUNCTION monitor_reading_pack_guard();
DROP FUNCTION monitor_reading_pack_holds(BYTEA, BYTEA);
DROP FUNCTION monitor_reading_record(BIGINT, INTEGER, BIGINT);
