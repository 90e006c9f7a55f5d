-- Ready-to-serve case views: the JSON of a case as the API answers it,
-- compressed and sealed under the data key, one row per case and
-- language. A view is current while it exists: the triggers below delete
-- the views a write changes, whatever made the write, and a view is stored
-- only if no write of its committee committed while it was being built.
CREATE TABLE case_view (
    case_id INTEGER NOT NULL,
    lang TEXT NOT NULL,
    committee_id INTEGER NOT NULL,
    format TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (case_id, lang)
);
CREATE INDEX case_view_committee ON case_view (committee_id);

CREATE TRIGGER case_party_case_view_insert AFTER INSERT ON case_party
BEGIN
    DELETE FROM case_view WHERE case_id = NEW.case_id;
END;
CREATE TRIGGER case_party_case_view_update AFTER UPDATE ON case_party
BEGIN
    DELETE FROM case_view WHERE case_id IN (OLD.case_id, NEW.case_id);
END;
CREATE TRIGGER case_party_case_view_delete AFTER DELETE ON case_party
BEGIN
    DELETE FROM case_view WHERE case_id = OLD.case_id;
END;
CREATE TRIGGER case_mediator_case_view_insert AFTER INSERT ON case_mediator
BEGIN
    DELETE FROM case_view WHERE case_id = NEW.case_id;
END;
CREATE TRIGGER case_mediator_case_view_update AFTER UPDATE ON case_mediator
BEGIN
    DELETE FROM case_view WHERE case_id IN (OLD.case_id, NEW.case_id);
END;
CREATE TRIGGER case_mediator_case_view_delete AFTER DELETE ON case_mediator
BEGIN
    DELETE FROM case_view WHERE case_id = OLD.case_id;
END;
CREATE TRIGGER complaint_case_view_insert AFTER INSERT ON complaint
BEGIN
    DELETE FROM case_view WHERE case_id = NEW.case_id;
END;
CREATE TRIGGER complaint_case_view_update AFTER UPDATE ON complaint
BEGIN
    DELETE FROM case_view WHERE case_id IN (OLD.case_id, NEW.case_id);
END;
CREATE TRIGGER complaint_case_view_delete AFTER DELETE ON complaint
BEGIN
    DELETE FROM case_view WHERE case_id = OLD.case_id;
END;
CREATE TRIGGER case_transition_case_view_insert AFTER INSERT ON case_transition
BEGIN
    DELETE FROM case_view WHERE case_id = NEW.case_id;
END;
CREATE TRIGGER case_transition_case_view_update AFTER UPDATE ON case_transition
BEGIN
    DELETE FROM case_view WHERE case_id IN (OLD.case_id, NEW.case_id);
END;
CREATE TRIGGER case_transition_case_view_delete AFTER DELETE ON case_transition
BEGIN
    DELETE FROM case_view WHERE case_id = OLD.case_id;
END;
CREATE TRIGGER referral_case_view_insert AFTER INSERT ON referral
BEGIN
    DELETE FROM case_view WHERE case_id = NEW.case_id;
END;
CREATE TRIGGER referral_case_view_update AFTER UPDATE ON referral
BEGIN
    DELETE FROM case_view WHERE case_id IN (OLD.case_id, NEW.case_id);
END;
CREATE TRIGGER referral_case_view_delete AFTER DELETE ON referral
BEGIN
    DELETE FROM case_view WHERE case_id = OLD.case_id;
END;
CREATE TRIGGER investigation_case_view_insert AFTER INSERT ON investigation
BEGIN
    DELETE FROM case_view WHERE case_id = NEW.case_id;
END;
CREATE TRIGGER investigation_case_view_update AFTER UPDATE ON investigation
BEGIN
    DELETE FROM case_view WHERE case_id IN (OLD.case_id, NEW.case_id);
END;
CREATE TRIGGER investigation_case_view_delete AFTER DELETE ON investigation
BEGIN
    DELETE FROM case_view WHERE case_id = OLD.case_id;
END;
CREATE TRIGGER measurement_case_view_insert AFTER INSERT ON measurement
BEGIN
    DELETE FROM case_view WHERE case_id = NEW.case_id;
END;
CREATE TRIGGER measurement_case_view_update AFTER UPDATE ON measurement
BEGIN
    DELETE FROM case_view WHERE case_id IN (OLD.case_id, NEW.case_id);
END;
CREATE TRIGGER measurement_case_view_delete AFTER DELETE ON measurement
BEGIN
    DELETE FROM case_view WHERE case_id = OLD.case_id;
END;
CREATE TRIGGER mediation_session_case_view_insert AFTER INSERT ON mediation_session
BEGIN
    DELETE FROM case_view WHERE case_id = NEW.case_id;
END;
CREATE TRIGGER mediation_session_case_view_update AFTER UPDATE ON mediation_session
BEGIN
    DELETE FROM case_view WHERE case_id IN (OLD.case_id, NEW.case_id);
END;
CREATE TRIGGER mediation_session_case_view_delete AFTER DELETE ON mediation_session
BEGIN
    DELETE FROM case_view WHERE case_id = OLD.case_id;
END;
CREATE TRIGGER community_meeting_case_view_insert AFTER INSERT ON community_meeting
BEGIN
    DELETE FROM case_view WHERE case_id = NEW.case_id;
END;
CREATE TRIGGER community_meeting_case_view_update AFTER UPDATE ON community_meeting
BEGIN
    DELETE FROM case_view WHERE case_id IN (OLD.case_id, NEW.case_id);
END;
CREATE TRIGGER community_meeting_case_view_delete AFTER DELETE ON community_meeting
BEGIN
    DELETE FROM case_view WHERE case_id = OLD.case_id;
END;
CREATE TRIGGER agreement_case_view_insert AFTER INSERT ON agreement
BEGIN
    DELETE FROM case_view WHERE case_id = NEW.case_id;
END;
CREATE TRIGGER agreement_case_view_update AFTER UPDATE ON agreement
BEGIN
    DELETE FROM case_view WHERE case_id IN (OLD.case_id, NEW.case_id);
END;
CREATE TRIGGER agreement_case_view_delete AFTER DELETE ON agreement
BEGIN
    DELETE FROM case_view WHERE case_id = OLD.case_id;
END;
CREATE TRIGGER follow_up_case_view_insert AFTER INSERT ON follow_up
BEGIN
    DELETE FROM case_view WHERE case_id = NEW.case_id;
END;
CREATE TRIGGER follow_up_case_view_update AFTER UPDATE ON follow_up
BEGIN
    DELETE FROM case_view WHERE case_id IN (OLD.case_id, NEW.case_id);
END;
CREATE TRIGGER follow_up_case_view_delete AFTER DELETE ON follow_up
BEGIN
    DELETE FROM case_view WHERE case_id = OLD.case_id;
END;
CREATE TRIGGER session_reference_case_view_insert AFTER INSERT ON session_reference
BEGIN
    DELETE FROM case_view WHERE case_id = (SELECT case_id FROM mediation_session WHERE id = NEW.session_id);
END;
CREATE TRIGGER session_reference_case_view_update AFTER UPDATE ON session_reference
BEGIN
    DELETE FROM case_view WHERE case_id IN (SELECT case_id FROM mediation_session WHERE id IN (OLD.session_id, NEW.session_id));
END;
CREATE TRIGGER session_reference_case_view_delete AFTER DELETE ON session_reference
BEGIN
    DELETE FROM case_view WHERE case_id = (SELECT case_id FROM mediation_session WHERE id = OLD.session_id);
END;
CREATE TRIGGER meeting_reference_case_view_insert AFTER INSERT ON meeting_reference
BEGIN
    DELETE FROM case_view WHERE case_id = (SELECT case_id FROM community_meeting WHERE id = NEW.meeting_id);
END;
CREATE TRIGGER meeting_reference_case_view_update AFTER UPDATE ON meeting_reference
BEGIN
    DELETE FROM case_view WHERE case_id IN (SELECT case_id FROM community_meeting WHERE id IN (OLD.meeting_id, NEW.meeting_id));
END;
CREATE TRIGGER meeting_reference_case_view_delete AFTER DELETE ON meeting_reference
BEGIN
    DELETE FROM case_view WHERE case_id = (SELECT case_id FROM community_meeting WHERE id = OLD.meeting_id);
END;
CREATE TRIGGER agreement_term_case_view_insert AFTER INSERT ON agreement_term
BEGIN
    DELETE FROM case_view WHERE case_id = (SELECT case_id FROM agreement WHERE id = NEW.agreement_id);
END;
CREATE TRIGGER agreement_term_case_view_update AFTER UPDATE ON agreement_term
BEGIN
    DELETE FROM case_view WHERE case_id IN (SELECT case_id FROM agreement WHERE id IN (OLD.agreement_id, NEW.agreement_id));
END;
CREATE TRIGGER agreement_term_case_view_delete AFTER DELETE ON agreement_term
BEGIN
    DELETE FROM case_view WHERE case_id = (SELECT case_id FROM agreement WHERE id = OLD.agreement_id);
END;
CREATE TRIGGER signature_case_view_insert AFTER INSERT ON signature
BEGIN
    DELETE FROM case_view WHERE case_id = (SELECT case_id FROM agreement WHERE id = NEW.agreement_id);
END;
CREATE TRIGGER signature_case_view_update AFTER UPDATE ON signature
BEGIN
    DELETE FROM case_view WHERE case_id IN (SELECT case_id FROM agreement WHERE id IN (OLD.agreement_id, NEW.agreement_id));
END;
CREATE TRIGGER signature_case_view_delete AFTER DELETE ON signature
BEGIN
    DELETE FROM case_view WHERE case_id = (SELECT case_id FROM agreement WHERE id = OLD.agreement_id);
END;
CREATE TRIGGER follow_up_observation_case_view_insert AFTER INSERT ON follow_up_observation
BEGIN
    DELETE FROM case_view WHERE case_id = (SELECT case_id FROM follow_up WHERE id = NEW.follow_up_id);
END;
CREATE TRIGGER follow_up_observation_case_view_update AFTER UPDATE ON follow_up_observation
BEGIN
    DELETE FROM case_view WHERE case_id IN (SELECT case_id FROM follow_up WHERE id IN (OLD.follow_up_id, NEW.follow_up_id));
END;
CREATE TRIGGER follow_up_observation_case_view_delete AFTER DELETE ON follow_up_observation
BEGIN
    DELETE FROM case_view WHERE case_id = (SELECT case_id FROM follow_up WHERE id = OLD.follow_up_id);
END;
CREATE TRIGGER mediation_case_case_view_update AFTER UPDATE ON mediation_case
BEGIN
    DELETE FROM case_view WHERE case_id IN (OLD.id, NEW.id);
END;
CREATE TRIGGER mediation_case_case_view_delete AFTER DELETE ON mediation_case
BEGIN
    DELETE FROM case_view WHERE case_id = OLD.id;
END;
-- A party appears in its cases and, as a reporter, in those of its
-- complaints. Parties change only when their data are resealed or
-- anonymised, so every view of the committee goes.
CREATE TRIGGER party_case_view_update AFTER UPDATE ON party
BEGIN
    DELETE FROM case_view WHERE committee_id IN (OLD.committee_id, NEW.committee_id);
END;
CREATE TRIGGER party_case_view_delete AFTER DELETE ON party
BEGIN
    DELETE FROM case_view WHERE committee_id = OLD.committee_id;
END;
-- Names of users and the committee's own settings appear in every case of it.
CREATE TRIGGER app_user_case_view_update AFTER UPDATE OF display_name, committee_id ON app_user
BEGIN
    DELETE FROM case_view WHERE committee_id IN (OLD.committee_id, NEW.committee_id);
END;
CREATE TRIGGER app_user_case_view_delete AFTER DELETE ON app_user
BEGIN
    DELETE FROM case_view WHERE committee_id = OLD.committee_id;
END;
CREATE TRIGGER committee_case_view_update AFTER UPDATE ON committee
BEGIN
    DELETE FROM case_view WHERE committee_id IN (OLD.id, NEW.id);
END;
CREATE TRIGGER legal_reference_case_view_change AFTER UPDATE ON legal_reference
BEGIN
    DELETE FROM case_view;
END;
