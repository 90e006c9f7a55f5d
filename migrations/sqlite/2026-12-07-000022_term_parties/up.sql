-- Who a term binds (the payer of a payment) and whom a payment is made
-- to: parties of the agreement's case, checked when the draft is saved.
ALTER TABLE agreement_term ADD COLUMN obligor_party_id BIGINT REFERENCES party (id);
ALTER TABLE agreement_term ADD COLUMN payee_party_id BIGINT REFERENCES party (id)
    CHECK (payee_party_id IS NULL OR (kind = 'payment' AND payee_party_id IS NOT obligor_party_id));
