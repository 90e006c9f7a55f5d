CREATE INDEX complaint_received ON complaint (committee_id, received_at);
CREATE INDEX mediation_case_registered ON mediation_case (committee_id, registered_at);
