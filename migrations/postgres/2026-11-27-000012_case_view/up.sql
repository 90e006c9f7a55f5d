-- Ready-to-serve case views: the JSON of a case as the API answers it,
-- compressed and sealed under the data key, one row per case and
-- language. A view is current while it exists: the triggers below delete
-- the views a write changes, whatever made the write, and a view is stored
-- only if no write of its committee committed while it was being built.
CREATE TABLE case_view (
    case_id BIGINT NOT NULL,
    lang TEXT NOT NULL,
    committee_id BIGINT NOT NULL,
    format TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (case_id, lang)
);
CREATE INDEX case_view_committee ON case_view (committee_id);

-- Records with a case of their own.
CREATE FUNCTION case_view_forget_case() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        DELETE FROM case_view WHERE case_id = OLD.case_id;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        DELETE FROM case_view WHERE case_id = NEW.case_id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER case_party_case_view AFTER INSERT OR UPDATE OR DELETE ON case_party
    FOR EACH ROW EXECUTE FUNCTION case_view_forget_case();
CREATE TRIGGER case_mediator_case_view AFTER INSERT OR UPDATE OR DELETE ON case_mediator
    FOR EACH ROW EXECUTE FUNCTION case_view_forget_case();
CREATE TRIGGER complaint_case_view AFTER INSERT OR UPDATE OR DELETE ON complaint
    FOR EACH ROW EXECUTE FUNCTION case_view_forget_case();
CREATE TRIGGER case_transition_case_view AFTER INSERT OR UPDATE OR DELETE ON case_transition
    FOR EACH ROW EXECUTE FUNCTION case_view_forget_case();
CREATE TRIGGER referral_case_view AFTER INSERT OR UPDATE OR DELETE ON referral
    FOR EACH ROW EXECUTE FUNCTION case_view_forget_case();
CREATE TRIGGER investigation_case_view AFTER INSERT OR UPDATE OR DELETE ON investigation
    FOR EACH ROW EXECUTE FUNCTION case_view_forget_case();
CREATE TRIGGER measurement_case_view AFTER INSERT OR UPDATE OR DELETE ON measurement
    FOR EACH ROW EXECUTE FUNCTION case_view_forget_case();
CREATE TRIGGER mediation_session_case_view AFTER INSERT OR UPDATE OR DELETE ON mediation_session
    FOR EACH ROW EXECUTE FUNCTION case_view_forget_case();
CREATE TRIGGER community_meeting_case_view AFTER INSERT OR UPDATE OR DELETE ON community_meeting
    FOR EACH ROW EXECUTE FUNCTION case_view_forget_case();
CREATE TRIGGER agreement_case_view AFTER INSERT OR UPDATE OR DELETE ON agreement
    FOR EACH ROW EXECUTE FUNCTION case_view_forget_case();
CREATE TRIGGER follow_up_case_view AFTER INSERT OR UPDATE OR DELETE ON follow_up
    FOR EACH ROW EXECUTE FUNCTION case_view_forget_case();

-- Records that belong to a case through their parent.
CREATE FUNCTION session_reference_case_view() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        DELETE FROM case_view WHERE case_id = (SELECT case_id FROM mediation_session WHERE id = OLD.session_id);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        DELETE FROM case_view WHERE case_id = (SELECT case_id FROM mediation_session WHERE id = NEW.session_id);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER session_reference_case_view AFTER INSERT OR UPDATE OR DELETE ON session_reference
    FOR EACH ROW EXECUTE FUNCTION session_reference_case_view();
CREATE FUNCTION meeting_reference_case_view() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        DELETE FROM case_view WHERE case_id = (SELECT case_id FROM community_meeting WHERE id = OLD.meeting_id);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        DELETE FROM case_view WHERE case_id = (SELECT case_id FROM community_meeting WHERE id = NEW.meeting_id);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER meeting_reference_case_view AFTER INSERT OR UPDATE OR DELETE ON meeting_reference
    FOR EACH ROW EXECUTE FUNCTION meeting_reference_case_view();
CREATE FUNCTION agreement_term_case_view() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        DELETE FROM case_view WHERE case_id = (SELECT case_id FROM agreement WHERE id = OLD.agreement_id);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        DELETE FROM case_view WHERE case_id = (SELECT case_id FROM agreement WHERE id = NEW.agreement_id);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER agreement_term_case_view AFTER INSERT OR UPDATE OR DELETE ON agreement_term
    FOR EACH ROW EXECUTE FUNCTION agreement_term_case_view();
CREATE FUNCTION signature_case_view() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        DELETE FROM case_view WHERE case_id = (SELECT case_id FROM agreement WHERE id = OLD.agreement_id);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        DELETE FROM case_view WHERE case_id = (SELECT case_id FROM agreement WHERE id = NEW.agreement_id);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER signature_case_view AFTER INSERT OR UPDATE OR DELETE ON signature
    FOR EACH ROW EXECUTE FUNCTION signature_case_view();
CREATE FUNCTION follow_up_observation_case_view() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        DELETE FROM case_view WHERE case_id = (SELECT case_id FROM follow_up WHERE id = OLD.follow_up_id);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        DELETE FROM case_view WHERE case_id = (SELECT case_id FROM follow_up WHERE id = NEW.follow_up_id);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER follow_up_observation_case_view AFTER INSERT OR UPDATE OR DELETE ON follow_up_observation
    FOR EACH ROW EXECUTE FUNCTION follow_up_observation_case_view();

CREATE FUNCTION mediation_case_case_view() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM case_view WHERE case_id = OLD.id;
    IF TG_OP = 'UPDATE' AND NEW.id <> OLD.id THEN
        DELETE FROM case_view WHERE case_id = NEW.id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER mediation_case_case_view AFTER UPDATE OR DELETE ON mediation_case
    FOR EACH ROW EXECUTE FUNCTION mediation_case_case_view();

-- Every view of a row's committee (and of its new one, if it moved). A party
-- appears in its cases and, as a reporter, in those of its complaints;
-- parties change only when their data are resealed or anonymised. The names
-- of users appear in every case of their committee.
CREATE FUNCTION case_view_forget_committee() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM case_view WHERE committee_id = OLD.committee_id;
    IF TG_OP = 'UPDATE' THEN
        DELETE FROM case_view WHERE committee_id = NEW.committee_id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER party_case_view AFTER UPDATE OR DELETE ON party
    FOR EACH ROW EXECUTE FUNCTION case_view_forget_committee();
CREATE TRIGGER app_user_case_view_update AFTER UPDATE OF display_name, committee_id ON app_user
    FOR EACH ROW EXECUTE FUNCTION case_view_forget_committee();
CREATE TRIGGER app_user_case_view_delete AFTER DELETE ON app_user
    FOR EACH ROW EXECUTE FUNCTION case_view_forget_committee();

-- The committee's own settings appear in every case of it.
CREATE FUNCTION committee_case_view() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM case_view WHERE committee_id IN (OLD.id, NEW.id);
    RETURN NULL;
END $$;
CREATE TRIGGER committee_case_view AFTER UPDATE ON committee
    FOR EACH ROW EXECUTE FUNCTION committee_case_view();

CREATE FUNCTION legal_reference_case_view() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM case_view;
    RETURN NULL;
END $$;
CREATE TRIGGER legal_reference_case_view AFTER UPDATE ON legal_reference
    FOR EACH STATEMENT EXECUTE FUNCTION legal_reference_case_view();
