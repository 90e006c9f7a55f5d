-- What each night showed at a monitor, for each term of the effective
-- agreement it checks: kept, possible breach (with the minutes and levels
-- as evidence) or no data. A finding is a proposal: a mediator confirms a
-- possible breach into a follow-up record or dismisses it with a reason;
-- nothing moves a case by itself.
CREATE TABLE night_finding (
    id INTEGER PRIMARY KEY,
    committee_id INTEGER NOT NULL REFERENCES committee (id),
    monitor_id INTEGER NOT NULL REFERENCES monitor (id),
    agreement_id INTEGER NOT NULL REFERENCES agreement (id),
    night DATE NOT NULL,
    term_index INTEGER NOT NULL CHECK (term_index >= 0),
    outcome TEXT NOT NULL CHECK (outcome IN ('kept', 'possible_breach', 'no_data')),
    basis TEXT NOT NULL CHECK (basis IN ('certified', 'indicative')),
    -- The outcome with its numbers, as JSON.
    evidence TEXT NOT NULL,
    evaluated_at TIMESTAMP NOT NULL,
    review TEXT CHECK (review IN ('confirmed', 'dismissed')),
    review_reason TEXT,
    reviewed_by INTEGER REFERENCES app_user (id),
    reviewed_at TIMESTAMP,
    follow_up_id INTEGER REFERENCES follow_up (id),
    CHECK ((review IS NULL) = (reviewed_at IS NULL)),
    CHECK (review IS NULL OR outcome = 'possible_breach'),
    CHECK (review IS NULL OR review <> 'dismissed' OR review_reason IS NOT NULL)
);
CREATE UNIQUE INDEX night_finding_key ON night_finding (monitor_id, agreement_id, night, term_index);
CREATE INDEX night_finding_agreement ON night_finding (agreement_id, night);
CREATE INDEX night_finding_to_review ON night_finding (committee_id, outcome, review);
