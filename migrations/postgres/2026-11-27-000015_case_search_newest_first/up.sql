-- SQLite's trigram index only (its search index is read newest first);
-- PostgreSQL's pg_trgm indexes are read by the planner as it chooses.
SELECT 1;
