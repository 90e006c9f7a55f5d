-- PostgreSQL computes its complaint index's keys faster from here on;
-- SQLite's index is written by the application and does not change.
SELECT 1;
