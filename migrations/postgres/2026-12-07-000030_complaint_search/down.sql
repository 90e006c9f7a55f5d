DROP TABLE complaint_search_state;
DROP INDEX complaint_search;
DROP FUNCTION hesheng_grams(text, text);
DROP FUNCTION hesheng_fold(text);
