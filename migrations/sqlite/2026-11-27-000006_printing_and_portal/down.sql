ALTER TABLE follow_up DROP COLUMN resident_answer;
DROP TRIGGER document_copy_append_only_delete;
DROP TRIGGER document_copy_append_only_update;
DROP TABLE document_copy;
DROP TABLE print_job;
DROP TABLE print_request;
