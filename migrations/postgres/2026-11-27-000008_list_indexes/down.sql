DROP INDEX case_mediator_user;
DROP INDEX mediation_case_committee;
