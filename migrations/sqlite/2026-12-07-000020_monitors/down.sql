DROP TRIGGER monitor_reading_append_only_delete;
DROP TRIGGER monitor_reading_append_only_update;
DROP TABLE monitor_reading;
DROP TABLE monitor;
