-- Each of these is a leading part of a wider index on the same table
-- (complaint_report, mediation_case_cohort), which serves the same lookups
-- and ranges; kept, they cost every complaint and case written one more
-- B-tree insert.
DROP INDEX complaint_received;
DROP INDEX mediation_case_registered;
