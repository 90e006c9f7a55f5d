DROP TRIGGER monitor_reading_append_only_delete;
CREATE TRIGGER monitor_reading_append_only_delete BEFORE DELETE ON monitor_reading
BEGIN
    SELECT RAISE(ABORT, 'monitor_reading is append-only');
END;
DROP TABLE monitor_hourly;
