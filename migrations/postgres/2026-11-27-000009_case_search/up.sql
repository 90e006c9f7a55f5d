-- Text search of cases: trigram indexes of each case's title, number and
-- place, so that a search for three or more characters that few cases match
-- reads only those cases (pg_trgm is a trusted extension: the database's
-- owner may create it).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX case_title_trgm ON mediation_case USING gin (title gin_trgm_ops);
CREATE INDEX case_number_trgm ON mediation_case USING gin (number gin_trgm_ops);
CREATE INDEX case_location_trgm ON mediation_case USING gin (location gin_trgm_ops);
