-- The report's figures rolled up by committee and local day (span 0), and
-- by local month (span 1, `day` its first day), so that a report reads a
-- few rows a day at its edges and a few a month between, however many
-- complaints and cases the period holds. Written in the transaction of
-- every record that changes a figure; `hesheng reports rebuild` makes it
-- anew from the records. `measure` names the figure, `item` its category
-- (a channel, a dispute type, a weekday and hour, a place, an agreement);
-- `n` is a count or a sum; `label` the first spelling of a place.
CREATE TABLE report_daily (
    committee_id BIGINT NOT NULL REFERENCES committee (id),
    span INTEGER NOT NULL CHECK (span IN (0, 1)),
    day DATE NOT NULL,
    measure TEXT NOT NULL,
    item TEXT NOT NULL,
    n BIGINT NOT NULL,
    label TEXT,
    PRIMARY KEY (committee_id, span, day, measure, item)
);


-- The existing records counted, as `hesheng reports rebuild` does: the
-- days first, then the months from the days.
INSERT INTO report_daily (committee_id, span, day, measure, item, n, label)
SELECT m.committee_id, 0, CAST(m.received_at + make_interval(mins => k.utc_offset_minutes) AS DATE), 'channel', m.channel, COUNT(*), CAST(NULL AS TEXT)
FROM complaint m JOIN committee k ON k.id = m.committee_id WHERE 1 = 1 GROUP BY 1, 3, 5;

INSERT INTO report_daily (committee_id, span, day, measure, item, n, label)
SELECT m.committee_id, 0, CAST(m.received_at + make_interval(mins => k.utc_offset_minutes) AS DATE), 'hour', CAST(CAST(EXTRACT(DOW FROM m.received_at + make_interval(mins => k.utc_offset_minutes)) AS INTEGER) AS TEXT) || to_char(m.received_at + make_interval(mins => k.utc_offset_minutes), 'HH24'), COUNT(*), CAST(NULL AS TEXT)
FROM complaint m JOIN committee k ON k.id = m.committee_id WHERE 1 = 1 GROUP BY 1, 3, 5;

INSERT INTO report_daily (committee_id, span, day, measure, item, n, label)
SELECT m.committee_id, 0, CAST(m.received_at + make_interval(mins => k.utc_offset_minutes) AS DATE), 'place', m.location_key, COUNT(*), MIN(m.location)
FROM complaint m JOIN committee k ON k.id = m.committee_id WHERE 1 = 1 GROUP BY 1, 3, 5;

INSERT INTO report_daily (committee_id, span, day, measure, item, n, label)
SELECT c.committee_id, 0, CAST(c.registered_at + make_interval(mins => k.utc_offset_minutes) AS DATE), 'accepted', '', COUNT(*), CAST(NULL AS TEXT)
FROM mediation_case c JOIN committee k ON k.id = c.committee_id WHERE 1 = 1 GROUP BY 1, 3, 5;

INSERT INTO report_daily (committee_id, span, day, measure, item, n, label)
SELECT c.committee_id, 0, CAST(c.registered_at + make_interval(mins => k.utc_offset_minutes) AS DATE), 'dispute_type', c.dispute_type, COUNT(*), CAST(NULL AS TEXT)
FROM mediation_case c JOIN committee k ON k.id = c.committee_id WHERE 1 = 1 GROUP BY 1, 3, 5;

INSERT INTO report_daily (committee_id, span, day, measure, item, n, label)
SELECT c.committee_id, 0, CAST(c.registered_at + make_interval(mins => k.utc_offset_minutes) AS DATE), 'source', c.source, COUNT(*), CAST(NULL AS TEXT)
FROM mediation_case c JOIN committee k ON k.id = c.committee_id WHERE 1 = 1 GROUP BY 1, 3, 5;

INSERT INTO report_daily (committee_id, span, day, measure, item, n, label)
SELECT c.committee_id, 0, CAST(c.registered_at + make_interval(mins => k.utc_offset_minutes) AS DATE), 'prevented_criminal', '', COUNT(*), CAST(NULL AS TEXT)
FROM mediation_case c JOIN committee k ON k.id = c.committee_id WHERE 1 = 1 AND c.prevented_criminal GROUP BY 1, 3, 5;

INSERT INTO report_daily (committee_id, span, day, measure, item, n, label)
SELECT c.committee_id, 0, CAST(c.registered_at + make_interval(mins => k.utc_offset_minutes) AS DATE), 'prevented_petition', '', COUNT(*), CAST(NULL AS TEXT)
FROM mediation_case c JOIN committee k ON k.id = c.committee_id WHERE 1 = 1 AND c.prevented_petition GROUP BY 1, 3, 5;

INSERT INTO report_daily (committee_id, span, day, measure, item, n, label)
SELECT c.committee_id, 0, CAST(c.registered_at + make_interval(mins => k.utc_offset_minutes) AS DATE), 'succeeded', '', COUNT(*), CAST(NULL AS TEXT)
FROM mediation_case c JOIN committee k ON k.id = c.committee_id WHERE 1 = 1 AND EXISTS (SELECT 1 FROM agreement a WHERE a.case_id = c.id AND a.effective_at IS NOT NULL) GROUP BY 1, 3, 5;

INSERT INTO report_daily (committee_id, span, day, measure, item, n, label)
SELECT c.committee_id, 0, CAST(c.registered_at + make_interval(mins => k.utc_offset_minutes) AS DATE), 'amount', '', CAST(COALESCE(SUM(t.amount_fen), 0) AS BIGINT), CAST(NULL AS TEXT)
FROM agreement_term t JOIN agreement a ON a.id = t.agreement_id
JOIN mediation_case c ON c.id = a.case_id JOIN committee k ON k.id = c.committee_id
WHERE 1 = 1 AND a.status IN ('effective', 'fulfilled', 'breached') AND t.kind = 'payment'
GROUP BY 1, 3, 5;

INSERT INTO report_daily (committee_id, span, day, measure, item, n, label)
SELECT committee_id, 0, day, 'hours', CAST(h AS TEXT), COUNT(*), CAST(NULL AS TEXT) FROM (
SELECT c.committee_id AS committee_id, CAST(c.registered_at + make_interval(mins => k.utc_offset_minutes) AS DATE) AS day, CAST(FLOOR(EXTRACT(EPOCH FROM (MIN(a.effective_at) - c.registered_at)) / 3600) AS BIGINT) AS h
FROM mediation_case c JOIN committee k ON k.id = c.committee_id JOIN agreement a ON a.case_id = c.id
WHERE 1 = 1 AND a.effective_at IS NOT NULL
GROUP BY c.id, c.committee_id, c.registered_at, k.utc_offset_minutes) d GROUP BY 1, 3, 5;

INSERT INTO report_daily (committee_id, span, day, measure, item, n, label)
SELECT c.committee_id, 0, CAST(f.visited_at + make_interval(mins => k.utc_offset_minutes) AS DATE), 'visit', f.overall, COUNT(*), CAST(NULL AS TEXT)
FROM follow_up f JOIN mediation_case c ON c.id = f.case_id
JOIN committee k ON k.id = c.committee_id WHERE 1 = 1 GROUP BY 1, 3, 5;

INSERT INTO report_daily (committee_id, span, day, measure, item, n, label)
SELECT c.committee_id, 0, CAST(f.visited_at + make_interval(mins => k.utc_offset_minutes) AS DATE), 'breach', CAST(f.agreement_id AS TEXT), COUNT(*), CAST(NULL AS TEXT)
FROM follow_up f JOIN mediation_case c ON c.id = f.case_id
JOIN committee k ON k.id = c.committee_id WHERE 1 = 1
AND f.overall = 'breached' GROUP BY 1, 3, 5;

INSERT INTO report_daily (committee_id, span, day, measure, item, n, label)
SELECT c.committee_id, 0, CAST(r.referred_at + make_interval(mins => k.utc_offset_minutes) AS DATE), 'referral', '', COUNT(*), CAST(NULL AS TEXT) FROM referral r
JOIN mediation_case c ON c.id = r.case_id JOIN committee k ON k.id = c.committee_id WHERE 1 = 1
GROUP BY 1, 3, 5;

INSERT INTO report_daily (committee_id, span, day, measure, item, n, label)
SELECT c.committee_id, 0, CAST(x.measured_at + make_interval(mins => k.utc_offset_minutes) AS DATE), 'exceedance', to_char(x.measured_at + make_interval(mins => k.utc_offset_minutes), 'HH24'), COUNT(*), CAST(NULL AS TEXT) FROM measurement x
JOIN mediation_case c ON c.id = x.case_id JOIN committee k ON k.id = c.committee_id WHERE 1 = 1
AND x.valid AND x.exceeds_by_db > 0 GROUP BY 1, 3, 5;
INSERT INTO report_daily (committee_id, span, day, measure, item, n, label)
SELECT committee_id, 1, CAST(date_trunc('month', day) AS DATE), measure, item, CAST(SUM(n) AS BIGINT), MIN(label) FROM report_daily
WHERE span = 0 GROUP BY committee_id, CAST(date_trunc('month', day) AS DATE), measure, item;

-- A period's rows side by side on disk, as SQLite keeps them by their key.
CLUSTER report_daily USING report_daily_pkey;
