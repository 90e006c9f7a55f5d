DROP TRIGGER signature_frozen ON signature;
CREATE TRIGGER signature_frozen BEFORE INSERT OR UPDATE OR DELETE ON signature
    FOR EACH ROW EXECUTE FUNCTION agreement_part_frozen();
DROP FUNCTION signature_frozen();
CREATE OR REPLACE FUNCTION document_archive_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'document_archive is append-only';
END;
$$;
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
        OR NEW.subtitle IS DISTINCT FROM OLD.subtitle OR NEW.facts IS DISTINCT FROM OLD.facts
        OR NEW.disputed_matters IS DISTINCT FROM OLD.disputed_matters
        OR NEW.responsibilities IS DISTINCT FROM OLD.responsibilities
        OR NEW.performance_manner IS DISTINCT FROM OLD.performance_manner
        OR NEW.performance_place IS DISTINCT FROM OLD.performance_place
        OR NEW.performance_deadline IS DISTINCT FROM OLD.performance_deadline
        OR NEW.content_json IS DISTINCT FROM OLD.content_json
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
ALTER TABLE signature DROP COLUMN anonymised_at;
ALTER TABLE document_archive DROP COLUMN erased_at;
ALTER TABLE agreement DROP COLUMN anonymised_at;
ALTER TABLE party DROP COLUMN anonymised_at;
