CREATE OR REPLACE FUNCTION monitor_reading_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'monitor_reading is append-only';
END;
$$;
DROP TABLE monitor_hourly;
DROP FUNCTION monitor_hourly_guard();
