-- PostgreSQL's complaint index becomes postings in chunks; SQLite's is a
-- full-text table written by the application and does not change.
SELECT 1;
