DROP TABLE case_search_state;
DROP TABLE case_search_key;
DROP TABLE case_search_text;

CREATE INDEX case_title_trgm ON mediation_case USING gin (title gin_trgm_ops);
CREATE INDEX case_number_trgm ON mediation_case USING gin (number gin_trgm_ops);
CREATE INDEX case_location_trgm ON mediation_case USING gin (location gin_trgm_ops);
