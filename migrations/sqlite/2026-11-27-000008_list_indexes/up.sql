-- Lists walk a committee's cases newest first and stop after a page, also
-- when searching text; "my cases" looks cases up by mediator.
CREATE INDEX mediation_case_committee ON mediation_case (committee_id, id);
CREATE INDEX case_mediator_user ON case_mediator (user_id, case_id);
