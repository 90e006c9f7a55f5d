DROP INDEX case_location_trgm;
DROP INDEX case_number_trgm;
DROP INDEX case_title_trgm;
