//! Statistics of a committee over a period, aggregated in SQL.
//!
//! A period is `[from, until)` in UTC; local hours and dates use the
//! committee's offset. Cases are counted in the period they were registered
//! (the cohort); "succeeded" counts cohort cases that reached an agreement
//! that took effect, whenever it did. Follow-ups, referrals, complaints and
//! measurements are counted by their own dates.

use chrono::{Datelike, NaiveDateTime, Timelike};
use diesel::dsl::{count_star, exists};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Double, Integer, Nullable, Text, Timestamp};

use super::schema::{agreement, complaint, mediation_case};
use super::{Backend, DbConn, Sql};
use crate::on_backend;

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
    /// Median days from registration to the first agreement taking effect.
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
struct Days {
    #[diesel(sql_type = Double)]
    days: f64,
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

fn days_to_agreement(backend: Backend) -> Sql {
    // The inner query is the cohort's days from registration to the first
    // agreement in force; the outer one picks the middle rows.
    match backend {
        Backend::Sqlite => {
            Sql("SELECT days FROM (SELECT (julianday(MIN(a.effective_at)) - julianday(c.registered_at)) AS days \
             FROM mediation_case c JOIN agreement a ON a.case_id = c.id \
             WHERE c.committee_id = ? AND c.registered_at >= ? AND c.registered_at < ? AND a.effective_at IS NOT NULL \
             GROUP BY c.id, c.registered_at) d ORDER BY days LIMIT ? OFFSET ?")
        }
        Backend::Postgres => Sql(
            "SELECT days FROM (SELECT CAST(EXTRACT(EPOCH FROM (MIN(a.effective_at) - c.registered_at)) / 86400.0 AS DOUBLE PRECISION) AS days \
             FROM mediation_case c JOIN agreement a ON a.case_id = c.id \
             WHERE c.committee_id = ? AND c.registered_at >= ? AND c.registered_at < ? AND a.effective_at IS NOT NULL \
             GROUP BY c.id, c.registered_at) d ORDER BY days LIMIT ? OFFSET ?",
        ),
    }
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
        let query = diesel::sql_query(days_to_agreement(backend).text(backend))
            .bind::<BigInt, _>(committee_id)
            .bind::<Timestamp, _>(p.from)
            .bind::<Timestamp, _>(p.until)
            .bind::<BigInt, _>(limit)
            .bind::<BigInt, _>(offset);
        let middle: Vec<Days> = on_backend!(conn, c => query.load(c))?;
        (!middle.is_empty()).then(|| middle.iter().map(|d| d.days).sum::<f64>() / middle.len() as f64)
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

#[derive(QueryableByName)]
struct Slot {
    #[diesel(sql_type = Text)]
    slot: String,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct WeekdayHour {
    #[diesel(sql_type = Integer)]
    dow: i32,
    #[diesel(sql_type = Integer)]
    hour: i32,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Complaints received, by local weekday (0 = Sunday) and hour.
pub fn complaints_by_weekday_hour(conn: &mut DbConn, committee_id: i64, p: &Period) -> QueryResult<[[i64; 24]; 7]> {
    let rows: Vec<WeekdayHour> = match conn {
        // Counting by ten-minute slot of UTC reads the index alone and is
        // exact for any offset that is a whole number of ten minutes (all of
        // China's); the slots are then moved to local time here.
        DbConn::Sqlite(c) if p.offset_minutes % 10 == 0 => {
            let slots: Vec<Slot> = diesel::sql_query(
                "SELECT substr(received_at, 1, 15) AS slot, COUNT(*) AS n FROM complaint \
                 WHERE committee_id = ? AND received_at >= ? AND received_at < ? GROUP BY slot",
            )
            .bind::<BigInt, _>(committee_id)
            .bind::<Timestamp, _>(p.from)
            .bind::<Timestamp, _>(p.until)
            .load(c)?;
            let shift = chrono::TimeDelta::minutes(i64::from(p.offset_minutes));
            slots
                .into_iter()
                .filter_map(|s| {
                    let at = NaiveDateTime::parse_from_str(&format!("{}0", s.slot), "%Y-%m-%d %H:%M").ok()? + shift;
                    let dow = i32::try_from(at.weekday().num_days_from_sunday()).ok()?;
                    let hour = i32::try_from(at.hour()).ok()?;
                    Some(WeekdayHour { dow, hour, n: s.n })
                })
                .collect()
        }
        DbConn::Sqlite(c) => {
            let shift = format!("{:+} minutes", p.offset_minutes);
            diesel::sql_query(
                "SELECT CAST(strftime('%w', received_at, ?) AS INTEGER) AS dow, \
                 CAST(strftime('%H', received_at, ?) AS INTEGER) AS hour, COUNT(*) AS n FROM complaint \
                 WHERE committee_id = ? AND received_at >= ? AND received_at < ? GROUP BY 1, 2",
            )
            .bind::<Text, _>(&shift)
            .bind::<Text, _>(&shift)
            .bind::<BigInt, _>(committee_id)
            .bind::<Timestamp, _>(p.from)
            .bind::<Timestamp, _>(p.until)
            .load(c)?
        }
        DbConn::Postgres(c) => diesel::sql_query(
            "SELECT CAST(EXTRACT(DOW FROM received_at + make_interval(mins => $1)) AS INTEGER) AS dow, \
             CAST(EXTRACT(HOUR FROM received_at + make_interval(mins => $1)) AS INTEGER) AS hour, COUNT(*) AS n \
             FROM complaint WHERE committee_id = $2 AND received_at >= $3 AND received_at < $4 GROUP BY 1, 2",
        )
        .bind::<Integer, _>(p.offset_minutes)
        .bind::<BigInt, _>(committee_id)
        .bind::<Timestamp, _>(p.from)
        .bind::<Timestamp, _>(p.until)
        .load(c)?,
    };
    let mut grid = [[0; 24]; 7];
    for r in rows {
        if let (Ok(d), Ok(h)) = (usize::try_from(r.dow), usize::try_from(r.hour))
            && d < 7
            && h < 24
        {
            grid[d][h] += r.n;
        }
    }
    Ok(grid)
}

#[derive(QueryableByName)]
struct Hotspot {
    #[diesel(sql_type = Text)]
    key: String,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct Sample {
    #[diesel(sql_type = Nullable<Text>)]
    sample: Option<String>,
}

// The counts come from an index alone; only the few places listed are then
// named, each by its first spelling in the period.
const HOTSPOTS: Sql = Sql("SELECT location_key AS key, COUNT(*) AS n FROM complaint \
     WHERE committee_id = ? AND received_at >= ? AND received_at < ? \
     GROUP BY location_key ORDER BY n DESC, location_key LIMIT ?");
const HOTSPOT_NAME: Sql = Sql("SELECT MIN(location) AS sample FROM complaint \
     WHERE committee_id = ? AND location_key = ? AND received_at >= ? AND received_at < ?");

/// The places complained about most (locations compared normalised).
pub fn hotspots(conn: &mut DbConn, committee_id: i64, p: &Period, limit: i64) -> QueryResult<Vec<(String, i64)>> {
    let backend = conn.backend();
    let query = diesel::sql_query(HOTSPOTS.text(backend))
        .bind::<BigInt, _>(committee_id)
        .bind::<Timestamp, _>(p.from)
        .bind::<Timestamp, _>(p.until)
        .bind::<BigInt, _>(limit);
    let rows: Vec<Hotspot> = on_backend!(conn, c => query.load(c))?;
    let mut named = Vec::with_capacity(rows.len());
    for h in rows {
        let query = diesel::sql_query(HOTSPOT_NAME.text(backend))
            .bind::<BigInt, _>(committee_id)
            .bind::<Text, _>(&h.key)
            .bind::<Timestamp, _>(p.from)
            .bind::<Timestamp, _>(p.until);
        let sample: Sample = on_backend!(conn, c => query.get_result(c))?;
        named.push((sample.sample.unwrap_or(h.key), h.n));
    }
    // Equal counts in the order of their names, as before.
    named.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    Ok(named)
}

#[derive(QueryableByName)]
struct HourCount {
    #[diesel(sql_type = Integer)]
    hour: i32,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Valid measurements above the limit, by local hour.
pub fn exceedances_by_hour(conn: &mut DbConn, committee_id: i64, p: &Period) -> QueryResult<[i64; 24]> {
    let rows: Vec<HourCount> = match conn {
        DbConn::Sqlite(c) => diesel::sql_query(
            "SELECT CAST(strftime('%H', m.measured_at, ?) AS INTEGER) AS hour, COUNT(*) AS n FROM measurement m \
             JOIN mediation_case c ON c.id = m.case_id WHERE c.committee_id = ? AND m.measured_at >= ? \
             AND m.measured_at < ? AND m.valid AND m.exceeds_by_db > 0 GROUP BY 1",
        )
        .bind::<Text, _>(format!("{:+} minutes", p.offset_minutes))
        .bind::<BigInt, _>(committee_id)
        .bind::<Timestamp, _>(p.from)
        .bind::<Timestamp, _>(p.until)
        .load(c)?,
        DbConn::Postgres(c) => diesel::sql_query(
            "SELECT CAST(EXTRACT(HOUR FROM m.measured_at + make_interval(mins => $1)) AS INTEGER) AS hour, \
             COUNT(*) AS n FROM measurement m JOIN mediation_case c ON c.id = m.case_id WHERE c.committee_id = $2 \
             AND m.measured_at >= $3 AND m.measured_at < $4 AND m.valid AND m.exceeds_by_db > 0 GROUP BY 1",
        )
        .bind::<Integer, _>(p.offset_minutes)
        .bind::<BigInt, _>(committee_id)
        .bind::<Timestamp, _>(p.from)
        .bind::<Timestamp, _>(p.until)
        .load(c)?,
    };
    let mut hours = [0; 24];
    for r in rows {
        if let Ok(h) = usize::try_from(r.hour)
            && h < 24
        {
            hours[h] += r.n;
        }
    }
    Ok(hours)
}

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
