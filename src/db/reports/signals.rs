//! Integrity signals of a committee's records for the report.

use super::*;

/// A case an integrity signal points at.
#[derive(Debug, Clone, PartialEq, QueryableByName)]
pub struct Flagged {
    /// Case.
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    /// Case number.
    #[diesel(sql_type = Text)]
    pub number: String,
}

/// Agreements of several cases with the very same terms.
#[derive(Debug, Clone, PartialEq, QueryableByName)]
pub struct SameTerms {
    /// The terms, joined.
    #[diesel(sql_type = Text)]
    pub terms: String,
    /// How many cases.
    #[diesel(sql_type = BigInt)]
    pub cases: i64,
    /// Their numbers.
    #[diesel(sql_type = Text)]
    pub numbers: String,
}

/// Patterns for the committee's administrator to look at.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Signals {
    /// Cases agreed, ended, referred or fulfilled within a day of registration.
    pub closed_within_a_day: Vec<Flagged>,
    /// Identical agreement terms in different cases.
    pub identical_terms: Vec<SameTerms>,
    /// Oral agreements marked fulfilled on the day they were registered.
    pub oral_fulfilled_same_day: Vec<Flagged>,
}

/// The integrity signals of a committee's period.
pub fn signals(conn: &mut DbConn, committee_id: i64, p: &Period) -> QueryResult<Signals> {
    let shift = format!("{:+} minutes", p.offset_minutes);
    Ok(match conn {
        DbConn::Sqlite(c) => Signals {
            closed_within_a_day: diesel::sql_query(
                "SELECT c.id AS id, c.number AS number FROM mediation_case c JOIN case_transition t ON t.case_id = c.id \
                 WHERE c.committee_id = ? AND c.registered_at >= ? AND c.registered_at < ? \
                 AND t.to_status IN ('agreed', 'terminated', 'referred', 'fulfilled') \
                 GROUP BY c.id, c.number, c.registered_at \
                 HAVING julianday(MIN(t.created_at)) - julianday(c.registered_at) <= 1.0 ORDER BY c.id LIMIT 100",
            )
            .bind::<BigInt, _>(committee_id)
            .bind::<Timestamp, _>(p.from)
            .bind::<Timestamp, _>(p.until)
            .load(c)?,
            identical_terms: diesel::sql_query(
                "SELECT terms, COUNT(DISTINCT case_id) AS cases, group_concat(DISTINCT number) AS numbers FROM ( \
                 SELECT a.case_id AS case_id, c.number AS number, (SELECT group_concat(text, ' | ') FROM \
                 (SELECT text FROM agreement_term WHERE agreement_id = a.id ORDER BY position)) AS terms \
                 FROM agreement a JOIN mediation_case c ON c.id = a.case_id WHERE +c.committee_id = ? \
                 AND a.effective_at >= ? AND a.effective_at < ? AND a.status IN ('effective', 'fulfilled', 'breached')) x \
                 WHERE terms IS NOT NULL GROUP BY terms HAVING COUNT(DISTINCT case_id) > 1 ORDER BY cases DESC LIMIT 20",
            )
            .bind::<BigInt, _>(committee_id)
            .bind::<Timestamp, _>(p.from)
            .bind::<Timestamp, _>(p.until)
            .load(c)?,
            oral_fulfilled_same_day: diesel::sql_query(
                "SELECT c.id AS id, c.number AS number FROM agreement a JOIN mediation_case c ON c.id = a.case_id \
                 WHERE +c.committee_id = ? AND a.kind = 'oral' AND a.status = 'fulfilled' AND a.effective_at >= ? \
                 AND a.effective_at < ? AND date(a.updated_at, ?) = date(a.effective_at, ?) ORDER BY c.id LIMIT 100",
            )
            .bind::<BigInt, _>(committee_id)
            .bind::<Timestamp, _>(p.from)
            .bind::<Timestamp, _>(p.until)
            .bind::<Text, _>(&shift)
            .bind::<Text, _>(&shift)
            .load(c)?,
        },
        DbConn::Postgres(c) => Signals {
            closed_within_a_day: diesel::sql_query(
                "SELECT c.id AS id, c.number AS number FROM mediation_case c JOIN case_transition t ON t.case_id = c.id \
                 WHERE c.committee_id = $1 AND c.registered_at >= $2 AND c.registered_at < $3 \
                 AND t.to_status IN ('agreed', 'terminated', 'referred', 'fulfilled') \
                 GROUP BY c.id, c.number, c.registered_at \
                 HAVING MIN(t.created_at) - c.registered_at <= INTERVAL '1 day' ORDER BY c.id LIMIT 100",
            )
            .bind::<BigInt, _>(committee_id)
            .bind::<Timestamp, _>(p.from)
            .bind::<Timestamp, _>(p.until)
            .load(c)?,
            identical_terms: diesel::sql_query(
                "SELECT terms, COUNT(DISTINCT case_id) AS cases, string_agg(DISTINCT number, ',') AS numbers FROM ( \
                 SELECT a.case_id AS case_id, c.number AS number, (SELECT string_agg(text, ' | ' ORDER BY position) \
                 FROM agreement_term WHERE agreement_id = a.id) AS terms \
                 FROM agreement a JOIN mediation_case c ON c.id = a.case_id WHERE +c.committee_id = $1 \
                 AND a.effective_at >= $2 AND a.effective_at < $3 AND a.status IN ('effective', 'fulfilled', 'breached')) x \
                 WHERE terms IS NOT NULL GROUP BY terms HAVING COUNT(DISTINCT case_id) > 1 ORDER BY cases DESC LIMIT 20",
            )
            .bind::<BigInt, _>(committee_id)
            .bind::<Timestamp, _>(p.from)
            .bind::<Timestamp, _>(p.until)
            .load(c)?,
            oral_fulfilled_same_day: diesel::sql_query(
                "SELECT c.id AS id, c.number AS number FROM agreement a JOIN mediation_case c ON c.id = a.case_id \
                 WHERE +c.committee_id = $1 AND a.kind = 'oral' AND a.status = 'fulfilled' AND a.effective_at >= $2 \
                 AND a.effective_at < $3 AND CAST(a.updated_at + make_interval(mins => $4) AS DATE) \
                 = CAST(a.effective_at + make_interval(mins => $4) AS DATE) ORDER BY c.id LIMIT 100",
            )
            .bind::<BigInt, _>(committee_id)
            .bind::<Timestamp, _>(p.from)
            .bind::<Timestamp, _>(p.until)
            .bind::<Integer, _>(p.offset_minutes)
            .load(c)?,
        },
    })
}
