DROP INDEX case_transition_to;
DROP INDEX measurement_measured;
DROP INDEX referral_referred;
DROP INDEX follow_up_visited;
DROP INDEX agreement_effective;
DROP INDEX complaint_received;
DROP INDEX mediation_case_registered;
ALTER TABLE mediation_case DROP COLUMN prevented_petition;
ALTER TABLE mediation_case DROP COLUMN prevented_criminal;
