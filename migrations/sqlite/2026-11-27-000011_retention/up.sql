-- Personal data past the committee's retention period is anonymised:
-- parties lose their particulars, the snapshots frozen with agreements
-- lose them too (the hash recorded at signing is kept), and archived
-- documents lose their bytes but keep their SHA-256.
ALTER TABLE party ADD COLUMN anonymised_at TIMESTAMP;
ALTER TABLE agreement ADD COLUMN anonymised_at TIMESTAMP;
ALTER TABLE document_archive ADD COLUMN erased_at TIMESTAMP;
ALTER TABLE signature ADD COLUMN anonymised_at TIMESTAMP;

-- A frozen agreement's snapshot and its texts may change only by an
-- anonymisation, which stamps anew when it does.
DROP TRIGGER agreement_frozen_update;
CREATE TRIGGER agreement_frozen_update BEFORE UPDATE ON agreement
WHEN OLD.content_hash IS NOT NULL AND (
    NEW.case_id IS NOT OLD.case_id OR NEW.version IS NOT OLD.version
    OR NEW.supersedes_id IS NOT OLD.supersedes_id OR NEW.kind IS NOT OLD.kind
    OR NEW.subtitle IS NOT OLD.subtitle
    OR ((NEW.facts IS NOT OLD.facts OR NEW.disputed_matters IS NOT OLD.disputed_matters
         OR NEW.responsibilities IS NOT OLD.responsibilities)
        AND (NEW.anonymised_at IS NULL OR NEW.anonymised_at IS OLD.anonymised_at))
    OR NEW.performance_manner IS NOT OLD.performance_manner
    OR NEW.performance_place IS NOT OLD.performance_place
    OR NEW.performance_deadline IS NOT OLD.performance_deadline
    OR (NEW.content_json IS NOT OLD.content_json
        AND (NEW.anonymised_at IS NULL OR NEW.anonymised_at IS OLD.anonymised_at))
    OR (NEW.anonymised_at IS NULL AND OLD.anonymised_at IS NOT NULL)
    OR NEW.content_hash IS NOT OLD.content_hash
    OR NEW.effective_at IS NOT OLD.effective_at
    OR NEW.confirmation_deadline IS NOT OLD.confirmation_deadline
    OR NEW.verification_code IS NOT OLD.verification_code OR NEW.copies IS NOT OLD.copies
    OR NEW.created_by IS NOT OLD.created_by OR NEW.created_at IS NOT OLD.created_at
    OR NEW.status NOT IN ('effective', 'fulfilled', 'breached', 'superseded'))
BEGIN
    SELECT RAISE(ABORT, 'agreement is effective and frozen');
END;

-- An archived document may only have its bytes erased, once; its hash stays.
DROP TRIGGER document_archive_append_only_update;
CREATE TRIGGER document_archive_append_only_update BEFORE UPDATE ON document_archive
WHEN NOT (OLD.erased_at IS NULL AND NEW.erased_at IS NOT NULL AND length(NEW.bytes) = 0
    AND NEW.id = OLD.id AND NEW.committee_id = OLD.committee_id AND NEW.case_id = OLD.case_id
    AND NEW.agreement_id = OLD.agreement_id AND NEW.kind = OLD.kind AND NEW.lang = OLD.lang
    AND NEW.sha256 = OLD.sha256 AND NEW.pages = OLD.pages AND NEW.created_at = OLD.created_at)
BEGIN
    SELECT RAISE(ABORT, 'document_archive is append-only');
END;

-- A party's signature on a frozen agreement may only lose its name and
-- image, once; the image's hash stays.
DROP TRIGGER signature_frozen_update;
CREATE TRIGGER signature_frozen_update BEFORE UPDATE ON signature
WHEN (SELECT content_hash FROM agreement WHERE id = OLD.agreement_id) IS NOT NULL
    AND NOT (OLD.anonymised_at IS NULL AND NEW.anonymised_at IS NOT NULL AND NEW.image_png IS NULL
        AND NEW.id = OLD.id AND NEW.agreement_id = OLD.agreement_id AND NEW.role = OLD.role
        AND NEW.party_id IS OLD.party_id AND NEW.method = OLD.method AND NEW.signed_at = OLD.signed_at
        AND NEW.image_sha256 IS OLD.image_sha256 AND NEW.recorded_by IS OLD.recorded_by
        AND NEW.created_at = OLD.created_at)
BEGIN
    SELECT RAISE(ABORT, 'agreement is effective and frozen');
END;
