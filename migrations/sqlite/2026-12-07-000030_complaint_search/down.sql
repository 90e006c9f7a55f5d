DROP TABLE complaint_search_state;
DROP TABLE complaint_search;
