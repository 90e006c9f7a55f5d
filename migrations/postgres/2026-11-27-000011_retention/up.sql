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
CREATE OR REPLACE FUNCTION agreement_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.content_hash IS NOT NULL THEN
            RAISE EXCEPTION 'agreement is effective and frozen';
        END IF;
        RETURN OLD;
    END IF;
    IF OLD.content_hash IS NOT NULL AND (
        NEW.case_id IS DISTINCT FROM OLD.case_id OR NEW.version IS DISTINCT FROM OLD.version
        OR NEW.supersedes_id IS DISTINCT FROM OLD.supersedes_id OR NEW.kind IS DISTINCT FROM OLD.kind
        OR NEW.subtitle IS DISTINCT FROM OLD.subtitle
        OR ((NEW.facts IS DISTINCT FROM OLD.facts OR NEW.disputed_matters IS DISTINCT FROM OLD.disputed_matters
             OR NEW.responsibilities IS DISTINCT FROM OLD.responsibilities)
            AND (NEW.anonymised_at IS NULL OR NEW.anonymised_at IS NOT DISTINCT FROM OLD.anonymised_at))
        OR NEW.performance_manner IS DISTINCT FROM OLD.performance_manner
        OR NEW.performance_place IS DISTINCT FROM OLD.performance_place
        OR NEW.performance_deadline IS DISTINCT FROM OLD.performance_deadline
        OR (NEW.content_json IS DISTINCT FROM OLD.content_json
            AND (NEW.anonymised_at IS NULL OR NEW.anonymised_at IS NOT DISTINCT FROM OLD.anonymised_at))
        OR (NEW.anonymised_at IS NULL AND OLD.anonymised_at IS NOT NULL)
        OR NEW.content_hash IS DISTINCT FROM OLD.content_hash
        OR NEW.effective_at IS DISTINCT FROM OLD.effective_at
        OR NEW.confirmation_deadline IS DISTINCT FROM OLD.confirmation_deadline
        OR NEW.verification_code IS DISTINCT FROM OLD.verification_code
        OR NEW.copies IS DISTINCT FROM OLD.copies
        OR NEW.created_by IS DISTINCT FROM OLD.created_by OR NEW.created_at IS DISTINCT FROM OLD.created_at
        OR NEW.status NOT IN ('effective', 'fulfilled', 'breached', 'superseded'))
    THEN
        RAISE EXCEPTION 'agreement is effective and frozen';
    END IF;
    RETURN NEW;
END;
$$;

-- An archived document may only have its bytes erased, once; its hash stays.
CREATE OR REPLACE FUNCTION document_archive_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.erased_at IS NULL AND NEW.erased_at IS NOT NULL
        AND length(NEW.bytes) = 0
        AND NEW.id = OLD.id AND NEW.committee_id = OLD.committee_id AND NEW.case_id = OLD.case_id
        AND NEW.agreement_id = OLD.agreement_id AND NEW.kind = OLD.kind AND NEW.lang = OLD.lang
        AND NEW.sha256 = OLD.sha256 AND NEW.pages = OLD.pages AND NEW.created_at = OLD.created_at
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'document_archive is append-only';
END;
$$;

-- A party's signature on a frozen agreement may only lose its name and
-- image, once; the image's hash stays.
CREATE FUNCTION signature_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.anonymised_at IS NULL AND NEW.anonymised_at IS NOT NULL
        AND NEW.image_png IS NULL
        AND NEW.id = OLD.id AND NEW.agreement_id = OLD.agreement_id AND NEW.role = OLD.role
        AND NEW.party_id IS NOT DISTINCT FROM OLD.party_id AND NEW.method = OLD.method
        AND NEW.signed_at = OLD.signed_at AND NEW.image_sha256 IS NOT DISTINCT FROM OLD.image_sha256
        AND NEW.recorded_by IS NOT DISTINCT FROM OLD.recorded_by AND NEW.created_at = OLD.created_at
    THEN
        RETURN NEW;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') AND
        (SELECT content_hash FROM agreement WHERE id = OLD.agreement_id) IS NOT NULL THEN
        RAISE EXCEPTION 'agreement is effective and frozen';
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND
        (SELECT content_hash FROM agreement WHERE id = NEW.agreement_id) IS NOT NULL THEN
        RAISE EXCEPTION 'agreement is effective and frozen';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$;
DROP TRIGGER signature_frozen ON signature;
CREATE TRIGGER signature_frozen BEFORE INSERT OR UPDATE OR DELETE ON signature
    FOR EACH ROW EXECUTE FUNCTION signature_frozen();
