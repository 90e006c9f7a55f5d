DROP INDEX mediation_case_cohort;
DROP INDEX complaint_place;
DROP INDEX complaint_report;
