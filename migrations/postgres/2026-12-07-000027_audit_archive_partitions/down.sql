DROP TRIGGER document_archive_key_claim ON document_archive;
DROP FUNCTION document_archive_key_claim();
SELECT hesheng_unpartition('document_archive', 'id');
DROP TABLE document_archive_key;
ALTER TABLE document_archive ADD UNIQUE (agreement_id, kind, lang);
SELECT hesheng_unpartition('audit_event', 'chain, seq');
