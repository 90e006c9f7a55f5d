//! Statistics of a committee over a period, aggregated in SQL.
//!
//! A period is `[from, until)` in UTC; local hours and dates use the
//! committee's offset. Cases are counted in the period they were registered
//! (the cohort); "succeeded" counts cohort cases that reached an agreement
//! that took effect, whenever it did. Follow-ups, referrals, complaints and
//! measurements are counted by their own dates.

mod patterns;
pub mod rollup;
mod signals;

use chrono::{Datelike, NaiveDateTime, Timelike};
use diesel::dsl::{count_star, exists};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Nullable, Text, Timestamp};

use super::schema::{agreement, complaint, mediation_case};
use super::{Backend, DbConn, Sql};
use crate::on_backend;

pub use patterns::*;
pub use rollup::{Figures, direct_figures, figures, rebuild};
pub use signals::*;

/// A period in UTC, `from` included, `until` excluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    /// Start.
    pub from: NaiveDateTime,
    /// End (excluded).
    pub until: NaiveDateTime,
    /// The committee's offset from UTC in minutes, for local hours and days.
    pub offset_minutes: i32,
}

/// The figures of the monthly report.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    /// Cases registered (受理).
    pub accepted: i64,
    /// Of those, reaching an agreement that took effect (调解成功).
    pub succeeded: i64,
    /// Cases by dispute type code.
    pub by_dispute_type: Vec<(String, i64)>,
    /// Cases by source code.
    pub by_source: Vec<(String, i64)>,
    /// Complaints received, by channel code.
    pub by_channel: Vec<(String, i64)>,
    /// Complaints received.
    pub complaints: i64,
    /// Money agreed to be paid in the cohort's agreements in force, in fen.
    pub amount_fen: i64,
    /// Median days from registration to the first agreement taking effect,
    /// each case's time counted in whole hours.
    pub median_days_to_agreement: Option<f64>,
    /// Follow-ups in the period whose finding was kept.
    pub follow_ups_kept: i64,
    /// Follow-ups in the period with a finding (kept or breached).
    pub follow_ups_assessed: i64,
    /// Agreements found breached by a follow-up in the period.
    pub breaches: i64,
    /// Referrals in the period.
    pub referrals: i64,
    /// Cohort cases that prevented a dispute turning criminal.
    pub prevented_criminal: i64,
    /// Cohort cases that prevented a mass petition.
    pub prevented_petition: i64,
}

impl Summary {
    /// Succeeded over accepted, or `None` with nothing accepted.
    pub fn success_rate(&self) -> Option<f64> {
        (self.accepted > 0).then(|| self.succeeded as f64 / self.accepted as f64)
    }

    /// Kept over assessed follow-ups.
    pub fn compliance_rate(&self) -> Option<f64> {
        (self.follow_ups_assessed > 0).then(|| self.follow_ups_kept as f64 / self.follow_ups_assessed as f64)
    }
}

#[derive(QueryableByName)]
struct Amount {
    #[diesel(sql_type = Nullable<BigInt>)]
    total: Option<i64>,
}

#[derive(QueryableByName)]
struct Hours {
    #[diesel(sql_type = BigInt)]
    hours: i64,
}

#[derive(QueryableByName)]
struct Counted {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

const AMOUNT: Sql = Sql("SELECT CAST(SUM(t.amount_fen) AS BIGINT) AS total FROM agreement_term t \
     JOIN agreement a ON a.id = t.agreement_id JOIN mediation_case c ON c.id = a.case_id \
     WHERE c.committee_id = ? AND c.registered_at >= ? AND c.registered_at < ? \
     AND a.status IN ('effective', 'fulfilled', 'breached') AND t.kind = 'payment'");

// Visits and referrals are found by their dates first, then their cases'
// committee checked: the unary `+` keeps the planner from walking every case
// of the committee instead.
const BREACHES: Sql = Sql("SELECT COUNT(DISTINCT f.agreement_id) AS n FROM follow_up f \
     JOIN mediation_case c ON c.id = f.case_id \
     WHERE +c.committee_id = ? AND f.visited_at >= ? AND f.visited_at < ? AND f.overall = 'breached'");
const VISITS: Sql = Sql("SELECT f.overall AS finding, COUNT(*) AS n FROM follow_up f \
     JOIN mediation_case c ON c.id = f.case_id \
     WHERE +c.committee_id = ? AND f.visited_at >= ? AND f.visited_at < ? GROUP BY f.overall");
const REFERRALS: Sql = Sql("SELECT COUNT(*) AS n FROM referral r JOIN mediation_case c ON c.id = r.case_id \
     WHERE +c.committee_id = ? AND r.referred_at >= ? AND r.referred_at < ?");

#[derive(QueryableByName)]
struct Finding {
    #[diesel(sql_type = Text)]
    finding: String,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn hours_to_agreement(backend: Backend) -> String {
    // The inner query is the cohort's whole hours from registration to the
    // first agreement in force; the outer one picks the middle rows.
    format!(
        "SELECT hours FROM (SELECT {} AS hours \
         FROM mediation_case c JOIN agreement a ON a.case_id = c.id \
         WHERE c.committee_id = ? AND c.registered_at >= ? AND c.registered_at < ? AND a.effective_at IS NOT NULL \
         GROUP BY c.id, c.registered_at) d ORDER BY hours LIMIT ? OFFSET ?",
        rollup::hours_between(backend, "c.registered_at", "MIN(a.effective_at)")
    )
}

/// The figures of a committee's period.
pub fn summary(conn: &mut DbConn, committee_id: i64, p: &Period) -> QueryResult<Summary> {
    let cohort = mediation_case::committee_id
        .eq(committee_id)
        .and(mediation_case::registered_at.ge(p.from))
        .and(mediation_case::registered_at.lt(p.until));
    let accepted = mediation_case::table.filter(cohort).count().get_result(conn)?;
    let in_force = agreement::table
        .filter(agreement::case_id.eq(mediation_case::id))
        .filter(agreement::effective_at.is_not_null());
    let succeeded = mediation_case::table.filter(cohort).filter(exists(in_force)).count().get_result(conn)?;
    let by_dispute_type = mediation_case::table
        .filter(cohort)
        .group_by(mediation_case::dispute_type)
        .select((mediation_case::dispute_type, count_star()))
        .load(conn)?;
    let by_source = mediation_case::table
        .filter(cohort)
        .group_by(mediation_case::source)
        .select((mediation_case::source, count_star()))
        .load(conn)?;
    let received = complaint::committee_id
        .eq(committee_id)
        .and(complaint::received_at.ge(p.from))
        .and(complaint::received_at.lt(p.until));
    let by_channel: Vec<(String, i64)> = complaint::table
        .filter(received)
        .group_by(complaint::channel)
        .select((complaint::channel, count_star()))
        .load(conn)?;
    let complaints = by_channel.iter().map(|(_, n)| n).sum();
    let prevented_criminal =
        mediation_case::table.filter(cohort).filter(mediation_case::prevented_criminal).count().get_result(conn)?;
    let prevented_petition =
        mediation_case::table.filter(cohort).filter(mediation_case::prevented_petition).count().get_result(conn)?;

    let backend = conn.backend();
    let amount = diesel::sql_query(AMOUNT.text(backend))
        .bind::<BigInt, _>(committee_id)
        .bind::<Timestamp, _>(p.from)
        .bind::<Timestamp, _>(p.until);
    let amount_fen = on_backend!(conn, c => amount.get_result::<Amount>(c))?.total.unwrap_or(0);

    let visits = diesel::sql_query(VISITS.text(backend))
        .bind::<BigInt, _>(committee_id)
        .bind::<Timestamp, _>(p.from)
        .bind::<Timestamp, _>(p.until);
    let visits: Vec<Finding> = on_backend!(conn, c => visits.load(c))?;
    let visits_of = |finding: &str| visits.iter().find(|v| v.finding == finding).map_or(0, |v| v.n);
    let follow_ups_kept = visits_of("kept");
    let follow_ups_assessed = follow_ups_kept + visits_of("breached");
    let breaches = diesel::sql_query(BREACHES.text(backend))
        .bind::<BigInt, _>(committee_id)
        .bind::<Timestamp, _>(p.from)
        .bind::<Timestamp, _>(p.until);
    let breaches = on_backend!(conn, c => breaches.get_result::<Counted>(c))?.n;
    let referrals = diesel::sql_query(REFERRALS.text(backend))
        .bind::<BigInt, _>(committee_id)
        .bind::<Timestamp, _>(p.from)
        .bind::<Timestamp, _>(p.until);
    let referrals = on_backend!(conn, c => referrals.get_result::<Counted>(c))?.n;

    let median_days_to_agreement = if succeeded == 0 {
        None
    } else {
        let (limit, offset) = if succeeded % 2 == 1 { (1, (succeeded - 1) / 2) } else { (2, succeeded / 2 - 1) };
        let query = diesel::sql_query(super::sql::placeholders(&hours_to_agreement(backend), backend).into_owned())
            .bind::<BigInt, _>(committee_id)
            .bind::<Timestamp, _>(p.from)
            .bind::<Timestamp, _>(p.until)
            .bind::<BigInt, _>(limit)
            .bind::<BigInt, _>(offset);
        let middle: Vec<Hours> = on_backend!(conn, c => query.load(c))?;
        rollup::median_days(&middle.iter().map(|m| m.hours).collect::<Vec<_>>())
    };

    Ok(Summary {
        accepted,
        succeeded,
        by_dispute_type,
        by_source,
        by_channel,
        complaints,
        amount_fen,
        median_days_to_agreement,
        follow_ups_kept,
        follow_ups_assessed,
        breaches,
        referrals,
        prevented_criminal,
        prevented_petition,
    })
}
