ALTER TABLE mediation_case DROP COLUMN requests;
