-- Audit events partitioned by the year they occurred, and archived
-- documents by the year they were archived (UTC), as complaints are (see
-- the previous migration): audit_event_y<year> and document_archive_y<year>,
-- each with a default partition. Both stay append-only: their row
-- triggers apply to every partition, and each partition refuses TRUNCATE
-- as the table does.
--
-- An event's primary key becomes (chain, seq, occurred_at); (chain, seq)
-- stays unique as before through the chain's head row, which every
-- append locks and advances, and `hesheng audit verify` checks it.
SELECT hesheng_partition_by_year('audit_event', 'occurred_at', 'chain, seq', (now() AT TIME ZONE 'UTC')::date);

-- A document is archived once per agreement, kind and language. A unique
-- constraint over the partitions would have to include the year, so the
-- rule is kept by a table of its own: each insert claims its key there
-- first, in the same transaction, and a second claim of a key fails as a
-- unique violation, after waiting for the first one's transaction.
ALTER TABLE document_archive DROP CONSTRAINT document_archive_agreement_id_kind_lang_key;
CREATE TABLE document_archive_key (
    agreement_id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    lang TEXT NOT NULL,
    PRIMARY KEY (agreement_id, kind, lang)
);
INSERT INTO document_archive_key (agreement_id, kind, lang) SELECT agreement_id, kind, lang FROM document_archive;
SELECT hesheng_partition_by_year('document_archive', 'created_at', 'id', (now() AT TIME ZONE 'UTC')::date);

CREATE FUNCTION document_archive_key_claim() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO document_archive_key (agreement_id, kind, lang) VALUES (NEW.agreement_id, NEW.kind, NEW.lang);
    RETURN NEW;
END;
$$;
CREATE TRIGGER document_archive_key_claim BEFORE INSERT ON document_archive
    FOR EACH ROW EXECUTE FUNCTION document_archive_key_claim();
