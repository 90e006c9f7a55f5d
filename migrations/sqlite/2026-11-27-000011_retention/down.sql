DROP TRIGGER signature_frozen_update;
CREATE TRIGGER signature_frozen_update BEFORE UPDATE ON signature
WHEN (SELECT content_hash FROM agreement WHERE id = OLD.agreement_id) IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'agreement is effective and frozen');
END;
DROP TRIGGER document_archive_append_only_update;
CREATE TRIGGER document_archive_append_only_update BEFORE UPDATE ON document_archive
BEGIN
    SELECT RAISE(ABORT, 'document_archive is append-only');
END;
DROP TRIGGER agreement_frozen_update;
CREATE TRIGGER agreement_frozen_update BEFORE UPDATE ON agreement
WHEN OLD.content_hash IS NOT NULL AND (
    NEW.case_id IS NOT OLD.case_id OR NEW.version IS NOT OLD.version
    OR NEW.supersedes_id IS NOT OLD.supersedes_id OR NEW.kind IS NOT OLD.kind
    OR NEW.subtitle IS NOT OLD.subtitle OR NEW.facts IS NOT OLD.facts
    OR NEW.disputed_matters IS NOT OLD.disputed_matters
    OR NEW.responsibilities IS NOT OLD.responsibilities
    OR NEW.performance_manner IS NOT OLD.performance_manner
    OR NEW.performance_place IS NOT OLD.performance_place
    OR NEW.performance_deadline IS NOT OLD.performance_deadline
    OR NEW.content_json IS NOT OLD.content_json OR NEW.content_hash IS NOT OLD.content_hash
    OR NEW.effective_at IS NOT OLD.effective_at
    OR NEW.confirmation_deadline IS NOT OLD.confirmation_deadline
    OR NEW.verification_code IS NOT OLD.verification_code OR NEW.copies IS NOT OLD.copies
    OR NEW.created_by IS NOT OLD.created_by OR NEW.created_at IS NOT OLD.created_at
    OR NEW.status NOT IN ('effective', 'fulfilled', 'breached', 'superseded'))
BEGIN
    SELECT RAISE(ABORT, 'agreement is effective and frozen');
END;
ALTER TABLE signature DROP COLUMN anonymised_at;
ALTER TABLE document_archive DROP COLUMN erased_at;
ALTER TABLE agreement DROP COLUMN anonymised_at;
ALTER TABLE party DROP COLUMN anonymised_at;
