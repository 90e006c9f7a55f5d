ALTER TABLE audit_event DROP COLUMN mac;
