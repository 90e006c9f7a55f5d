-- The list filtered by status and risk level, newest first: without it the
-- walk of a status's cases reads each case for its risk, about twenty for
-- every red one.
CREATE INDEX mediation_case_status_risk ON mediation_case (committee_id, status, risk_level, id);
