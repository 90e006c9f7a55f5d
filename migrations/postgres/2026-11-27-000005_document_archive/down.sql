DROP TRIGGER document_archive_append_only ON document_archive;
DROP FUNCTION document_archive_append_only();
DROP TABLE document_archive;
