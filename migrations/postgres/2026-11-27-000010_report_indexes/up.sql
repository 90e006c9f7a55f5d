-- Reports over long periods read only these indexes: complaints by channel,
-- time and place, and the cohort of cases with what the report counts.
CREATE INDEX complaint_report ON complaint (committee_id, received_at, channel, location_key);
CREATE INDEX complaint_place ON complaint (committee_id, location_key, received_at);
CREATE INDEX mediation_case_cohort ON mediation_case
    (committee_id, registered_at, dispute_type, source, prevented_criminal, prevented_petition);
