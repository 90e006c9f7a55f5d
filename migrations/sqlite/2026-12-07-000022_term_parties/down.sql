ALTER TABLE agreement_term DROP COLUMN payee_party_id;
ALTER TABLE agreement_term DROP COLUMN obligor_party_id;
