//! The report's figures rolled up by committee and local day
//! (`report_daily`), so that a report of any length reads a few rows a day
//! at its edges and a few a month between.
//!
//! Every row is written by the same statements, whether for one day in the
//! transaction of a record that changed it or for everything by
//! [`rebuild`]: the day's figures counted anew from the records. Only a
//! received complaint, the one record that comes thousands a second, adds
//! to its rows instead. A month's rows are the sums of its days' rows.
//! Days are the committee's local days, so a change of its offset
//! rebuilds its rows.
//!
//! Migration 000025 counts the records already stored with these same
//! statements (written out for each backend): a change here goes there too.

use std::collections::HashMap;

use chrono::{Datelike, Months, NaiveDate, TimeDelta};
use diesel::sql_types::Date;

use super::*;
use crate::db::schema::{agreement, committee, follow_up, measurement, referral};
use crate::db::sql::placeholders;

/// Which records a measure is counted from, and so which writes change it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    /// Complaints, by the day received.
    Complaints,
    /// Cases, by the day registered (the cohort), with their agreements.
    Cohort,
    /// Follow-ups, by the day of the visit.
    FollowUps,
    /// Referrals, by their day.
    Referrals,
    /// Measurements, by the day measured.
    Measurements,
}

const SOURCES: [Source; 5] =
    [Source::Complaints, Source::Cohort, Source::FollowUps, Source::Referrals, Source::Measurements];

/// The rows a statement chooses: everything, a committee's, or a
/// committee's records in a UTC window.
#[derive(Debug, Clone, Copy)]
enum Scope {
    All,
    Committee(i64),
    Window(i64, NaiveDateTime, NaiveDateTime),
}

/// SQL of one backend for the local day, hour and weekday of a UTC time,
/// the committee joined as `k`.
struct Local(Backend);

impl Local {
    fn shifted(&self, at: &str) -> String {
        format!("{at} + make_interval(mins => k.utc_offset_minutes)")
    }

    fn day(&self, at: &str) -> String {
        match self.0 {
            Backend::Sqlite => format!("date({at}, printf('%+d minutes', k.utc_offset_minutes))"),
            Backend::Postgres => format!("CAST({} AS DATE)", self.shifted(at)),
        }
    }

    fn hour(&self, at: &str) -> String {
        match self.0 {
            Backend::Sqlite => format!("strftime('%H', {at}, printf('%+d minutes', k.utc_offset_minutes))"),
            Backend::Postgres => format!("to_char({}, 'HH24')", self.shifted(at)),
        }
    }

    /// Weekday (0 = Sunday) and hour as one item: `"314"` is Wednesday 14:00.
    fn weekday_hour(&self, at: &str) -> String {
        match self.0 {
            Backend::Sqlite => {
                format!("strftime('%w', {at}, printf('%+d minutes', k.utc_offset_minutes)) || {}", self.hour(at))
            }
            Backend::Postgres => {
                format!("CAST(CAST(EXTRACT(DOW FROM {}) AS INTEGER) AS TEXT) || {}", self.shifted(at), self.hour(at))
            }
        }
    }
}

/// Whole hours from `from` to `to` (to the millisecond on SQLite).
pub(super) fn hours_between(backend: Backend, from: &str, to: &str) -> String {
    match backend {
        Backend::Sqlite => {
            format!("CAST(ROUND((julianday({to}) - julianday({from})) * 86400000.0) AS INTEGER) / 3600000")
        }
        Backend::Postgres => format!("CAST(FLOOR(EXTRACT(EPOCH FROM ({to} - {from})) / 3600) AS BIGINT)"),
    }
}

/// The median of the middle values of a list of whole hours, in days.
pub(super) fn median_days(middle: &[i64]) -> Option<f64> {
    (!middle.is_empty()).then(|| middle.iter().map(|h| *h as f64).sum::<f64>() / middle.len() as f64 / 24.0)
}

const INSERT: &str = "INSERT INTO report_daily (committee_id, span, day, measure, item, n, label) ";

impl Source {
    fn measures(self) -> &'static str {
        match self {
            Source::Complaints => "'channel', 'hour', 'place'",
            Source::Cohort => {
                "'accepted', 'dispute_type', 'source', 'prevented_criminal', 'prevented_petition', 'succeeded', \
                 'amount', 'hours'"
            }
            Source::FollowUps => "'visit', 'breach'",
            Source::Referrals => "'referral'",
            Source::Measurements => "'exceedance'",
        }
    }

    /// The committee column and the time column the scope applies to.
    fn columns(self) -> (&'static str, &'static str) {
        match self {
            Source::Complaints => ("m.committee_id", "m.received_at"),
            Source::Cohort => ("c.committee_id", "c.registered_at"),
            Source::FollowUps => ("c.committee_id", "f.visited_at"),
            Source::Referrals => ("c.committee_id", "r.referred_at"),
            Source::Measurements => ("c.committee_id", "x.measured_at"),
        }
    }

    /// The statements writing the source's day rows; `{w}` stands for the
    /// scope's condition.
    fn statements(self, backend: Backend) -> Vec<String> {
        let l = Local(backend);
        let null = "CAST(NULL AS TEXT)";
        match self {
            Source::Complaints => {
                let from = "FROM complaint m JOIN committee k ON k.id = m.committee_id WHERE {w}";
                let day = l.day("m.received_at");
                vec![
                    format!(
                        "SELECT m.committee_id, 0, {day}, 'channel', m.channel, COUNT(*), {null} {from} GROUP BY 1, 3, 5"
                    ),
                    format!(
                        "SELECT m.committee_id, 0, {day}, 'hour', {}, COUNT(*), {null} {from} GROUP BY 1, 3, 5",
                        l.weekday_hour("m.received_at")
                    ),
                    format!(
                        "SELECT m.committee_id, 0, {day}, 'place', m.location_key, COUNT(*), MIN(m.location) {from} \
                         GROUP BY 1, 3, 5"
                    ),
                ]
            }
            Source::Cohort => {
                let from = "FROM mediation_case c JOIN committee k ON k.id = c.committee_id WHERE {w}";
                let day = l.day("c.registered_at");
                let count = |measure: &str, item: &str, and: &str| {
                    format!(
                        "SELECT c.committee_id, 0, {day}, '{measure}', {item}, COUNT(*), {null} {from} {and} GROUP BY 1, 3, 5"
                    )
                };
                vec![
                    count("accepted", "''", ""),
                    count("dispute_type", "c.dispute_type", ""),
                    count("source", "c.source", ""),
                    count("prevented_criminal", "''", "AND c.prevented_criminal"),
                    count("prevented_petition", "''", "AND c.prevented_petition"),
                    count(
                        "succeeded",
                        "''",
                        "AND EXISTS (SELECT 1 FROM agreement a WHERE a.case_id = c.id AND a.effective_at IS NOT NULL)",
                    ),
                    format!(
                        "SELECT c.committee_id, 0, {day}, 'amount', '', CAST(COALESCE(SUM(t.amount_fen), 0) AS BIGINT), {null} \
                         FROM agreement_term t JOIN agreement a ON a.id = t.agreement_id \
                         JOIN mediation_case c ON c.id = a.case_id JOIN committee k ON k.id = c.committee_id \
                         WHERE {{w}} AND a.status IN ('effective', 'fulfilled', 'breached') AND t.kind = 'payment' \
                         GROUP BY 1, 3, 5"
                    ),
                    format!(
                        "SELECT committee_id, 0, day, 'hours', CAST(h AS TEXT), COUNT(*), {null} FROM ( \
                         SELECT c.committee_id AS committee_id, {day} AS day, {} AS h \
                         FROM mediation_case c JOIN committee k ON k.id = c.committee_id JOIN agreement a ON a.case_id = c.id \
                         WHERE {{w}} AND a.effective_at IS NOT NULL \
                         GROUP BY c.id, c.committee_id, c.registered_at, k.utc_offset_minutes) d GROUP BY 1, 3, 5",
                        hours_between(backend, "c.registered_at", "MIN(a.effective_at)")
                    ),
                ]
            }
            Source::FollowUps => {
                let from = "FROM follow_up f JOIN mediation_case c ON c.id = f.case_id \
                            JOIN committee k ON k.id = c.committee_id WHERE {w}";
                let day = l.day("f.visited_at");
                vec![
                    format!(
                        "SELECT c.committee_id, 0, {day}, 'visit', f.overall, COUNT(*), {null} {from} GROUP BY 1, 3, 5"
                    ),
                    format!(
                        "SELECT c.committee_id, 0, {day}, 'breach', CAST(f.agreement_id AS TEXT), COUNT(*), {null} {from} \
                         AND f.overall = 'breached' GROUP BY 1, 3, 5"
                    ),
                ]
            }
            Source::Referrals => vec![format!(
                "SELECT c.committee_id, 0, {}, 'referral', '', COUNT(*), {null} FROM referral r \
                 JOIN mediation_case c ON c.id = r.case_id JOIN committee k ON k.id = c.committee_id WHERE {{w}} \
                 GROUP BY 1, 3, 5",
                l.day("r.referred_at")
            )],
            Source::Measurements => vec![format!(
                "SELECT c.committee_id, 0, {}, 'exceedance', {}, COUNT(*), {null} FROM measurement x \
                 JOIN mediation_case c ON c.id = x.case_id JOIN committee k ON k.id = c.committee_id WHERE {{w}} \
                 AND x.valid AND x.exceeds_by_db > 0 GROUP BY 1, 3, 5",
                l.day("x.measured_at"),
                l.hour("x.measured_at")
            )],
        }
    }

    /// Writes the day rows of `scope` (where none are).
    fn write_days(self, conn: &mut DbConn, scope: Scope) -> QueryResult<()> {
        let (committee_column, at) = self.columns();
        let backend = conn.backend();
        let condition = match scope {
            Scope::All => "1 = 1".to_owned(),
            Scope::Committee(_) => format!("{committee_column} = ?"),
            Scope::Window(..) => format!("{committee_column} = ? AND {at} >= ? AND {at} < ?"),
        };
        for statement in self.statements(backend) {
            let sql = format!("{INSERT}{}", statement.replace("{w}", &condition));
            let sql = placeholders(&sql, backend).into_owned();
            match scope {
                Scope::All => on_backend!(conn, c => diesel::sql_query(&sql).execute(c))?,
                Scope::Committee(id) => {
                    let query = diesel::sql_query(&sql).bind::<BigInt, _>(id);
                    on_backend!(conn, c => query.execute(c))?
                }
                Scope::Window(id, from, until) => {
                    let query = diesel::sql_query(&sql)
                        .bind::<BigInt, _>(id)
                        .bind::<Timestamp, _>(from)
                        .bind::<Timestamp, _>(until);
                    on_backend!(conn, c => query.execute(c))?
                }
            };
        }
        Ok(())
    }

    /// Recounts the day rows of committee `committee_id`'s local day
    /// holding `at`, and their month's rows.
    fn refresh(self, conn: &mut DbConn, committee_id: i64, at: NaiveDateTime) -> QueryResult<()> {
        let offset = offset_of(conn, committee_id)?;
        let day = local_day(offset, at);
        let sql = format!(
            "DELETE FROM report_daily WHERE committee_id = ? AND span = 0 AND day = ? AND measure IN ({})",
            self.measures()
        );
        let query = diesel::sql_query(placeholders(&sql, conn.backend()).into_owned())
            .bind::<BigInt, _>(committee_id)
            .bind::<Date, _>(day);
        on_backend!(conn, c => query.execute(c))?;
        let from = midnight(day) - TimeDelta::minutes(i64::from(offset));
        self.write_days(conn, Scope::Window(committee_id, from, from + TimeDelta::days(1)))?;
        let first = day.with_day(1).unwrap_or(day);
        write_months(conn, self.measures(), Scope::Window(committee_id, midnight(first), midnight(next_month(first))))
    }
}

fn offset_of(conn: &mut DbConn, committee_id: i64) -> QueryResult<i32> {
    committee::table.find(committee_id).select(committee::utc_offset_minutes).first(conn)
}

fn local_day(offset_minutes: i32, at: NaiveDateTime) -> NaiveDate {
    (at + TimeDelta::minutes(i64::from(offset_minutes))).date()
}

fn midnight(day: NaiveDate) -> NaiveDateTime {
    day.and_hms_opt(0, 0, 0).unwrap_or_default()
}

fn next_month(first: NaiveDate) -> NaiveDate {
    first.checked_add_months(Months::new(1)).unwrap_or(first)
}

/// Writes the month rows of `measures` from their day rows: every
/// committee's, a committee's, or a committee's month (`Window` from its
/// first day to the next month's, at midnight).
fn write_months(conn: &mut DbConn, measures: &str, scope: Scope) -> QueryResult<()> {
    let backend = conn.backend();
    let first_of = match backend {
        Backend::Sqlite => "date(day, 'start of month')",
        Backend::Postgres => "CAST(date_trunc('month', day) AS DATE)",
    };
    let remove = format!("DELETE FROM report_daily WHERE span = 1 AND measure IN ({measures}) AND {{w}}");
    let add = format!(
        "{INSERT}SELECT committee_id, 1, {first_of}, measure, item, CAST(SUM(n) AS BIGINT), MIN(label) FROM report_daily \
         WHERE span = 0 AND measure IN ({measures}) AND {{w}} GROUP BY committee_id, {first_of}, measure, item"
    );
    for (sql, months) in [(remove, false), (add, true)] {
        let sql = |w: &str| placeholders(&sql.replace("{w}", w), backend).into_owned();
        match scope {
            Scope::All => on_backend!(conn, c => diesel::sql_query(sql("1 = 1")).execute(c))?,
            Scope::Committee(id) => {
                let query = diesel::sql_query(sql("committee_id = ?")).bind::<BigInt, _>(id);
                on_backend!(conn, c => query.execute(c))?
            }
            Scope::Window(id, first, _) if !months => {
                let query = diesel::sql_query(sql("committee_id = ? AND day = ?"))
                    .bind::<BigInt, _>(id)
                    .bind::<Date, _>(first.date());
                on_backend!(conn, c => query.execute(c))?
            }
            Scope::Window(id, first, next) => {
                let query = diesel::sql_query(sql("committee_id = ? AND day >= ? AND day < ?"))
                    .bind::<BigInt, _>(id)
                    .bind::<Date, _>(first.date())
                    .bind::<Date, _>(next.date());
                on_backend!(conn, c => query.execute(c))?
            }
        };
    }
    Ok(())
}

/// Makes the roll-up anew from the records: of one committee, or with
/// `None` of every committee, in one transaction. Returns the rows the
/// roll-up then holds.
pub fn rebuild(conn: &mut DbConn, committee_id: Option<i64>) -> QueryResult<i64> {
    conn.transaction(|conn| {
        let scope = match committee_id {
            Some(id) => {
                let query = diesel::sql_query(
                    placeholders("DELETE FROM report_daily WHERE committee_id = ?", conn.backend()).into_owned(),
                )
                .bind::<BigInt, _>(id);
                on_backend!(conn, c => query.execute(c))?;
                Scope::Committee(id)
            }
            None => {
                on_backend!(conn, c => diesel::sql_query("DELETE FROM report_daily").execute(c))?;
                Scope::All
            }
        };
        for source in SOURCES {
            source.write_days(conn, scope)?;
        }
        let all = SOURCES.iter().map(|s| s.measures()).collect::<Vec<_>>().join(", ");
        write_months(conn, &all, scope)?;
        crate::db::schema::report_daily::table.count().get_result(conn)
    })
}

/// A complaint just received, as the roll-up counts it.
#[derive(Debug, Clone, Copy)]
pub struct Received<'a> {
    /// Its committee.
    pub committee_id: i64,
    /// The committee's offset from UTC in minutes, which makes its local day.
    pub offset_minutes: i32,
    /// When it was received (UTC).
    pub received_at: NaiveDateTime,
    /// Its channel's code.
    pub channel: &'a str,
    /// Its place as given.
    pub location: &'a str,
    /// Its place's key.
    pub location_key: &'a str,
}

/// Counts a complaint just received into its day's and month's rows.
pub fn complaint_received(conn: &mut DbConn, received: &Received) -> QueryResult<()> {
    complaints_received(conn, std::slice::from_ref(received))
}

/// Each row a complaint adds to: its day's (span 0) and its month's (span
/// 1) rows of its channel, its local weekday and hour, and its place.
const ROWS_PER_COMPLAINT: usize = 6;

/// Values bound per row of [`complaints_received`]'s statement.
const VALUES_PER_ROW: usize = 6;

/// Counts complaints just received (a batch of the intake) into their
/// days' and months' rows, by one statement for up to a few thousand
/// complaints: the rows are counted by the database, whose collation also
/// chooses each place's first spelling, as [`rebuild`] does.
pub fn complaints_received(conn: &mut DbConn, received: &[Received]) -> QueryResult<()> {
    let per_statement = crate::db::VALUES_PER_STATEMENT / (ROWS_PER_COMPLAINT * VALUES_PER_ROW);
    for chunk in received.chunks(per_statement) {
        let mut sql = String::from(
            "INSERT INTO report_daily (committee_id, span, day, measure, item, n, label) \
             SELECT column1, column2, column3, column4, column5, COUNT(*), MIN(column6) FROM (VALUES ",
        );
        let mut rows = Vec::with_capacity(chunk.len() * ROWS_PER_COMPLAINT);
        for r in chunk {
            let local = r.received_at + TimeDelta::minutes(i64::from(r.offset_minutes));
            let day = local.date();
            let first = day.with_day(1).unwrap_or(day);
            let hour = format!("{}{:02}", local.weekday().num_days_from_sunday(), chrono::Timelike::hour(&local));
            for (span, on) in [(0, day), (1, first)] {
                rows.push((r.committee_id, span, on, "channel", r.channel.to_owned(), None));
                rows.push((r.committee_id, span, on, "hour", hour.clone(), None));
                rows.push((r.committee_id, span, on, "place", r.location_key.to_owned(), Some(r.location)));
            }
        }
        for i in 0..rows.len() {
            sql.push_str(if i == 0 { "(?, ?, ?, ?, ?, ?)" } else { ", (?, ?, ?, ?, ?, ?)" });
        }
        // The WHERE clause tells SQLite's parser that ON CONFLICT begins
        // the upsert rather than a join's condition.
        sql.push_str(
            ") v WHERE 1 = 1 GROUP BY column1, column2, column3, column4, column5 \
             ON CONFLICT (committee_id, span, day, measure, item) DO UPDATE SET n = report_daily.n + excluded.n, \
             label = CASE WHEN report_daily.label IS NULL OR excluded.label < report_daily.label \
             THEN excluded.label ELSE report_daily.label END",
        );
        let sql = placeholders(&sql, conn.backend()).into_owned();
        on_backend!(conn, c => {
            let mut query = diesel::sql_query(sql).into_boxed();
            for (committee_id, span, day, measure, item, label) in &rows {
                query = query
                    .bind::<BigInt, _>(*committee_id)
                    .bind::<Integer, _>(*span)
                    .bind::<Date, _>(*day)
                    .bind::<Text, _>(*measure)
                    .bind::<Text, _>(item)
                    .bind::<Nullable<Text>, _>(*label);
            }
            query.execute(c)
        })?;
    }
    Ok(())
}

/// Recounts the figures of case `case_id`'s cohort day: after the case is
/// registered or its particulars change, or an agreement of it changes.
pub fn case_changed(conn: &mut DbConn, case_id: i64) -> QueryResult<()> {
    let (committee_id, registered_at): (i64, NaiveDateTime) = mediation_case::table
        .find(case_id)
        .select((mediation_case::committee_id, mediation_case::registered_at))
        .first(conn)?;
    Source::Cohort.refresh(conn, committee_id, registered_at)
}

/// Recounts the cohort day of agreement `agreement_id`'s case.
pub fn agreement_changed(conn: &mut DbConn, agreement_id: i64) -> QueryResult<()> {
    let case_id = agreement::table.find(agreement_id).select(agreement::case_id).first(conn)?;
    case_changed(conn, case_id)
}

/// Recounts the day of follow-up `follow_up_id`.
pub fn follow_up_changed(conn: &mut DbConn, follow_up_id: i64) -> QueryResult<()> {
    let (committee_id, at): (i64, NaiveDateTime) = follow_up::table
        .inner_join(mediation_case::table.on(mediation_case::id.eq(follow_up::case_id)))
        .filter(follow_up::id.eq(follow_up_id))
        .select((mediation_case::committee_id, follow_up::visited_at))
        .first(conn)?;
    Source::FollowUps.refresh(conn, committee_id, at)
}

/// Recounts the day of referral `referral_id`.
pub fn referral_changed(conn: &mut DbConn, referral_id: i64) -> QueryResult<()> {
    let (committee_id, at): (i64, NaiveDateTime) = referral::table
        .inner_join(mediation_case::table)
        .filter(referral::id.eq(referral_id))
        .select((mediation_case::committee_id, referral::referred_at))
        .first(conn)?;
    Source::Referrals.refresh(conn, committee_id, at)
}

/// Recounts the day of measurement `measurement_id`.
pub fn measurement_changed(conn: &mut DbConn, measurement_id: i64) -> QueryResult<()> {
    let (committee_id, at): (i64, NaiveDateTime) = measurement::table
        .inner_join(mediation_case::table.on(mediation_case::id.eq(measurement::case_id)))
        .filter(measurement::id.eq(measurement_id))
        .select((mediation_case::committee_id, measurement::measured_at))
        .first(conn)?;
    Source::Measurements.refresh(conn, committee_id, at)
}

/// All of a report's figures.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Figures {
    /// The headline figures and categories.
    pub summary: Summary,
    /// Complaints by local weekday (0 = Sunday) and hour.
    pub by_weekday_hour: [[i64; 24]; 7],
    /// The places complained about most, named by their first spelling.
    pub hotspots: Vec<(String, i64)>,
    /// Valid measurements above the limit, by local hour.
    pub exceedances_by_hour: [i64; 24],
}

/// The figures counted from the records directly (what the roll-up must
/// always equal).
pub fn direct_figures(conn: &mut DbConn, committee_id: i64, p: &Period, hotspots_limit: i64) -> QueryResult<Figures> {
    let mut summary = summary(conn, committee_id, p)?;
    for list in [&mut summary.by_dispute_type, &mut summary.by_source, &mut summary.by_channel] {
        list.sort();
    }
    Ok(Figures {
        summary,
        by_weekday_hour: complaints_by_weekday_hour(conn, committee_id, p)?,
        hotspots: hotspots(conn, committee_id, p, hotspots_limit)?,
        exceedances_by_hour: exceedances_by_hour(conn, committee_id, p)?,
    })
}

#[derive(QueryableByName)]
struct Rolled {
    #[diesel(sql_type = Text)]
    measure: String,
    #[diesel(sql_type = Text)]
    item: String,
    #[diesel(sql_type = BigInt)]
    n: i64,
    #[diesel(sql_type = Nullable<Text>)]
    label: Option<String>,
}

// Three ranges, each on the key: the days before the first whole month,
// the whole months, the days after the last.
const READ: Sql = Sql("SELECT measure, item, CAST(SUM(n) AS BIGINT) AS n, MIN(label) AS label FROM ( \
     SELECT measure, item, n, label FROM report_daily WHERE committee_id = ? AND span = 0 AND day >= ? AND day < ? \
     UNION ALL SELECT measure, item, n, label FROM report_daily WHERE committee_id = ? AND span = 1 AND day >= ? AND day < ? \
     UNION ALL SELECT measure, item, n, label FROM report_daily WHERE committee_id = ? AND span = 0 AND day >= ? AND day < ?) r \
     GROUP BY measure, item");

/// The figures of committee `committee_id`'s period, from the roll-up.
/// The period runs from local midnight to local midnight.
pub fn figures(conn: &mut DbConn, committee_id: i64, p: &Period, hotspots_limit: i64) -> QueryResult<Figures> {
    let from = local_day(p.offset_minutes, p.from);
    let until = local_day(p.offset_minutes, p.until);
    let first_whole = if from.day() == 1 { from } else { next_month(from.with_day(1).unwrap_or(from)) };
    let last_whole = until.with_day(1).unwrap_or(until);
    let (head, months, tail) = if first_whole < last_whole {
        ((from, first_whole), (first_whole, last_whole), (last_whole, until))
    } else {
        ((from, until), (until, until), (until, until))
    };
    let query = diesel::sql_query(READ.text(conn.backend()))
        .bind::<BigInt, _>(committee_id)
        .bind::<Date, _>(head.0)
        .bind::<Date, _>(head.1)
        .bind::<BigInt, _>(committee_id)
        .bind::<Date, _>(months.0)
        .bind::<Date, _>(months.1)
        .bind::<BigInt, _>(committee_id)
        .bind::<Date, _>(tail.0)
        .bind::<Date, _>(tail.1);
    let rows: Vec<Rolled> = on_backend!(conn, c => query.load(c))?;
    Ok(from_rows(rows, hotspots_limit))
}

fn from_rows(rows: Vec<Rolled>, hotspots_limit: i64) -> Figures {
    let mut by: HashMap<&str, Vec<&Rolled>> = HashMap::new();
    for r in rows.iter().filter(|r| r.n != 0 || r.measure == "amount") {
        by.entry(r.measure.as_str()).or_default().push(r);
    }
    let one = |measure: &str| by.get(measure).map_or(0, |rs| rs.iter().map(|r| r.n).sum());
    let pairs = |measure: &str| {
        let mut list: Vec<(String, i64)> =
            by.get(measure).into_iter().flatten().map(|r| (r.item.clone(), r.n)).collect();
        list.sort();
        list
    };
    let visits = pairs("visit");
    let visits_of = |finding: &str| visits.iter().find(|v| v.0 == finding).map_or(0, |v| v.1);
    let by_channel = pairs("channel");

    let mut hours: Vec<(i64, i64)> =
        by.get("hours").into_iter().flatten().filter_map(|r| Some((r.item.parse().ok()?, r.n))).collect();
    hours.sort_unstable();
    let succeeded = one("succeeded");
    let at = |index: i64| {
        let mut seen = 0;
        hours.iter().find(|(_, n)| {
            seen += n;
            seen > index
        })
    };
    let middle: Vec<i64> = if succeeded == 0 {
        Vec::new()
    } else if succeeded % 2 == 1 {
        at((succeeded - 1) / 2).map(|h| h.0).into_iter().collect()
    } else {
        [succeeded / 2 - 1, succeeded / 2].into_iter().filter_map(|i| at(i).map(|h| h.0)).collect()
    };

    let mut by_weekday_hour = [[0; 24]; 7];
    for (item, n) in pairs("hour") {
        if let (Some(d), Some(h)) =
            (item.get(..1).and_then(|d| d.parse::<usize>().ok()), item.get(1..).and_then(|h| h.parse::<usize>().ok()))
            && d < 7
            && h < 24
        {
            by_weekday_hour[d][h] += n;
        }
    }
    let mut exceedances_by_hour = [0; 24];
    for (item, n) in pairs("exceedance") {
        if let Ok(h) = item.parse::<usize>()
            && h < 24
        {
            exceedances_by_hour[h] += n;
        }
    }
    // The top places by count, equal counts by key, as the direct query;
    // then named and ordered as it names them.
    let mut places: Vec<&&Rolled> = by.get("place").into_iter().flatten().collect();
    places.sort_by(|a, b| b.n.cmp(&a.n).then_with(|| a.item.cmp(&b.item)));
    let mut hotspots: Vec<(String, i64)> = places
        .into_iter()
        .take(usize::try_from(hotspots_limit).unwrap_or(0))
        .map(|r| (r.label.clone().unwrap_or_else(|| r.item.clone()), r.n))
        .collect();
    hotspots.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));

    Figures {
        summary: Summary {
            accepted: one("accepted"),
            succeeded,
            by_dispute_type: pairs("dispute_type"),
            by_source: pairs("source"),
            complaints: by_channel.iter().map(|(_, n)| n).sum(),
            by_channel,
            amount_fen: one("amount"),
            median_days_to_agreement: median_days(&middle),
            follow_ups_kept: visits_of("kept"),
            follow_ups_assessed: visits_of("kept") + visits_of("breached"),
            breaches: by.get("breach").map_or(0, |rs| rs.len() as i64),
            referrals: one("referral"),
            prevented_criminal: one("prevented_criminal"),
            prevented_petition: one("prevented_petition"),
        },
        by_weekday_hour,
        hotspots,
        exceedances_by_hour,
    }
}
