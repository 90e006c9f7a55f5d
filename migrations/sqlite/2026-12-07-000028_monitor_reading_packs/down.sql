DROP TRIGGER monitor_reading_append_only_delete;
CREATE TRIGGER monitor_reading_append_only_delete BEFORE DELETE ON monitor_reading
WHEN NOT EXISTS (
    SELECT 1 FROM monitor_hourly h WHERE h.monitor_id = OLD.monitor_id AND h.hour_s = OLD.at_s - OLD.at_s % 3600
)
BEGIN
    SELECT RAISE(ABORT, 'monitor_reading is append-only');
END;
DROP TRIGGER monitor_reading_pack_append_only_delete;
DROP TRIGGER monitor_reading_pack_append_only_update;
DROP TRIGGER monitor_reading_pack_rolled_up;
DROP TABLE monitor_reading_pack;
