-- PostgreSQL only: SQLite keeps its tables whole, unpartitioned.
SELECT 1;
