ALTER TABLE follow_up DROP COLUMN resident_answer;
DROP TRIGGER document_copy_append_only ON document_copy;
DROP FUNCTION document_copy_append_only();
DROP TABLE document_copy;
DROP TABLE print_job;
DROP TABLE print_request;
