-- Prevention counts of the statistics taxonomy: mediation that prevented a
-- dispute turning criminal (防止民转刑) or into a mass petition (防止群体性上访).
ALTER TABLE mediation_case ADD COLUMN prevented_criminal BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE mediation_case ADD COLUMN prevented_petition BOOLEAN NOT NULL DEFAULT FALSE;

-- Reports aggregate by committee and period.
CREATE INDEX mediation_case_registered ON mediation_case (committee_id, registered_at);
CREATE INDEX complaint_received ON complaint (committee_id, received_at);
CREATE INDEX agreement_effective ON agreement (effective_at);
CREATE INDEX follow_up_visited ON follow_up (visited_at);
CREATE INDEX referral_referred ON referral (referred_at);
CREATE INDEX measurement_measured ON measurement (measured_at);
CREATE INDEX case_transition_to ON case_transition (case_id, to_status, created_at);
