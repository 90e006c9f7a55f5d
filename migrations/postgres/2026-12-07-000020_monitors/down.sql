DROP TABLE monitor_reading;
DROP FUNCTION monitor_reading_append_only();
DROP TABLE monitor;
