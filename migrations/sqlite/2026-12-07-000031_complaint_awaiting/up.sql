-- The complaints awaiting a case, newest first: the intake's worklist and
-- its search read them through this index alone, however many complaints
-- already have their case.
CREATE INDEX complaint_awaiting ON complaint (committee_id, id) WHERE case_id IS NULL;
