//! Complaints.

use crate::db::codes::Code;
use crate::domain::complaint::{Category, Channel};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde_json::json;

use super::audit::audited;
use super::parties::{self, Party};
use super::schema::{complaint, mediation_case};
use super::{DbConn, WriteError};
use crate::domain::Invalid;
use crate::domain::audit::Actor;
use crate::domain::commands::complaint::NewComplaint;
use crate::domain::complaint::{SIMILAR_WITHIN, location_key};

/// A complaint as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = complaint)]
pub struct Complaint {
    /// Id.
    pub id: i64,
    /// Committee.
    pub committee_id: i64,
    /// When it was received.
    pub received_at: NaiveDateTime,
    /// Channel code.
    pub channel: Code<Channel>,
    /// Category code.
    pub category: Code<Category>,
    /// Location as given.
    pub location: String,
    /// Location normalised for duplicate search.
    pub location_key: String,
    /// What happens.
    pub description: String,
    /// When it happens, in words.
    pub observed_pattern: Option<String>,
    /// Usual start `HH:MM`.
    pub pattern_start: Option<String>,
    /// Usual end `HH:MM`.
    pub pattern_end: Option<String>,
    /// Days.
    pub pattern_days: Option<String>,
    /// Who complained.
    pub reporter_party_id: Option<i64>,
    /// Whether the reporter asked to stay anonymous.
    pub anonymous: bool,
    /// The case it belongs to.
    pub case_id: Option<i64>,
    /// Who recorded it.
    pub created_by: Option<i64>,
    /// When recorded.
    pub created_at: NaiveDateTime,
}

/// Records a complaint (and its reporter as a party).
pub fn create(conn: &mut DbConn, actor: &Actor, new: &NewComplaint, now: NaiveDateTime) -> QueryResult<Complaint> {
    create_with_reporter(conn, actor, new, now).map(|(c, _)| c)
}

/// Records a complaint, as [`create`], and returns it with its reporter.
pub fn create_with_reporter(
    conn: &mut DbConn,
    actor: &Actor,
    new: &NewComplaint,
    now: NaiveDateTime,
) -> QueryResult<(Complaint, Option<Party>)> {
    audited(conn, actor, new.committee_id, |conn, log| {
        let offset_minutes = super::committees::find(conn, new.committee_id)?.utc_offset_minutes;
        let (row, reporter) = insert_with_reporter(conn, actor, new, now)?;
        super::complaint_search::index(conn, row.committee_id, row.id, &row.location, &row.description)?;
        super::reports::rollup::complaint_received(conn, &received(&row, offset_minutes))?;
        log_created(log, &row, reporter.as_ref());
        Ok((row, reporter))
    })
}

/// Writes a complaint's row and its reporter's, and nothing else: the
/// caller indexes it ([`super::complaint_search`]), counts it
/// ([`received`]) and records its events ([`log_created`]), as
/// [`create_with_reporter`] does, or the intake for many at once.
pub fn insert_with_reporter(
    conn: &mut DbConn,
    actor: &Actor,
    new: &NewComplaint,
    now: NaiveDateTime,
) -> QueryResult<(Complaint, Option<Party>)> {
    let reporter = new.reporter.as_ref().map(|p| parties::insert(conn, new.committee_id, p, now)).transpose()?;
    let row = diesel::insert_into(complaint::table)
        .values(Row::new(actor, new, reporter.as_ref(), now))
        .returning(<Complaint as Selectable<super::MultiBackend>>::construct_selection())
        .get_result::<Complaint>(conn)?;
    Ok((row, reporter))
}

/// The reporters of those of `complaints` (each with who records it) that
/// have one, written by one statement in no savepoint (for a writer that
/// writes its work again on any failure, the complaint intake): for each
/// complaint its reporter or none, in the order given.
pub fn insert_reporters(
    conn: &mut DbConn,
    complaints: &[(&Actor, &NewComplaint)],
    now: NaiveDateTime,
) -> QueryResult<Vec<Option<Party>>> {
    let reporting: Vec<(i64, &crate::domain::party::Particulars)> =
        complaints.iter().filter_map(|(_, new)| new.reporter.as_ref().map(|p| (new.committee_id, p))).collect();
    let mut written = parties::insert_all_once(conn, &reporting, now)?.into_iter();
    Ok(complaints.iter().map(|(_, new)| new.reporter.as_ref().and_then(|_| written.next())).collect())
}

/// The rows of `complaints` (each with who records it), each with its
/// reporter as [`insert_reporters`] wrote them, by one statement: the
/// complaints come back in the order given. Their ids are reserved first,
/// so that each row written is known by its own.
pub fn insert_all(
    conn: &mut DbConn,
    complaints: &[(&Actor, &NewComplaint)],
    reporters: Vec<Option<Party>>,
    now: NaiveDateTime,
) -> QueryResult<Vec<(Complaint, Option<Party>)>> {
    if complaints.is_empty() {
        return Ok(Vec::new());
    }
    let ids = super::sql::reserve_ids(conn, "complaint", complaints.len())?;
    let rows: Vec<(diesel::dsl::Eq<complaint::id, i64>, Row<'_>)> = ids
        .iter()
        .zip(complaints)
        .zip(&reporters)
        .map(|((&id, &(actor, new)), reporter)| (complaint::id.eq(id), Row::new(actor, new, reporter.as_ref(), now)))
        .collect();
    let written: Vec<Complaint> = crate::on_backend!(conn, c => diesel::insert_into(complaint::table)
        .values(&rows)
        .returning(Complaint::as_returning())
        .get_results(c))?;
    Ok(super::sql::in_order_of(&ids, written, |c| c.id)?.into_iter().zip(reporters).collect())
}

/// The columns of a complaint as first written.
#[derive(Insertable)]
#[diesel(table_name = complaint, treat_none_as_default_value = false)]
struct Row<'a> {
    committee_id: i64,
    received_at: NaiveDateTime,
    channel: &'static str,
    category: &'static str,
    location: &'a str,
    location_key: String,
    description: &'a str,
    observed_pattern: Option<&'a str>,
    pattern_start: Option<String>,
    pattern_end: Option<String>,
    pattern_days: Option<&'a str>,
    reporter_party_id: Option<i64>,
    anonymous: bool,
    created_by: Option<i64>,
    created_at: NaiveDateTime,
}

impl<'a> Row<'a> {
    fn new(actor: &Actor, new: &'a NewComplaint, reporter: Option<&Party>, now: NaiveDateTime) -> Self {
        Self {
            committee_id: new.committee_id,
            received_at: new.received_at,
            channel: new.channel.code(),
            category: new.category.code(),
            location: &new.location,
            location_key: location_key(&new.location),
            description: &new.description,
            observed_pattern: new.pattern.text.as_deref(),
            pattern_start: new.pattern.start.map(|t| t.to_string()),
            pattern_end: new.pattern.end.map(|t| t.to_string()),
            pattern_days: new.pattern.days.as_deref(),
            reporter_party_id: reporter.map(|p| p.id),
            anonymous: new.anonymous,
            created_by: actor.id,
            created_at: now,
        }
    }
}

/// Complaint `c` as the report's roll-up counts it, its committee `offset_minutes` from UTC.
pub fn received(c: &Complaint, offset_minutes: i32) -> super::reports::rollup::Received<'_> {
    super::reports::rollup::Received {
        committee_id: c.committee_id,
        offset_minutes,
        received_at: c.received_at,
        channel: c.channel.as_str(),
        location: &c.location,
        location_key: &c.location_key,
    }
}

/// Records the events of complaint `c` just written, and of its reporter.
pub fn log_created(log: &mut super::audit::AuditLog, c: &Complaint, reporter: Option<&Party>) {
    if let Some(p) = reporter {
        log.record("party.create", "party", p.id, json!({"role": "reporter", "complaint_id": c.id}));
    }
    log.record(
        "complaint.create",
        "complaint",
        c.id,
        json!({"channel": c.channel, "category": c.category, "location": c.location, "anonymous": c.anonymous}),
    );
}

/// One complaint of a committee.
pub fn find(conn: &mut DbConn, committee_id: i64, id: i64) -> QueryResult<Complaint> {
    complaint::table
        .filter(complaint::id.eq(id).and(complaint::committee_id.eq(committee_id)))
        .select(Complaint::as_select())
        .first(conn)
}

/// A complaint with its reporter.
pub fn with_reporter(conn: &mut DbConn, c: Complaint) -> QueryResult<(Complaint, Option<Party>)> {
    let reporter = match c.reporter_party_id {
        Some(id) => Some(parties::find(conn, c.committee_id, id)?),
        None => None,
    };
    Ok((c, reporter))
}

/// Which complaints a list shows.
#[derive(Debug, Clone, Default)]
pub struct ComplaintFilter {
    /// Only those of this case.
    pub case_id: Option<i64>,
    /// Only those in no case.
    pub unassigned: bool,
    /// Text in the location or description (folded: full-width and
    /// traditional forms find their plain and simplified ones).
    pub q: Option<String>,
    /// Keyset: only ids below this.
    pub before_id: Option<i64>,
    /// Most rows.
    pub limit: i64,
}

/// Complaints of a committee, newest first.
pub fn list(conn: &mut DbConn, committee_id: i64, f: &ComplaintFilter) -> QueryResult<Vec<Complaint>> {
    let mut query = complaint::table
        .filter(complaint::committee_id.eq(committee_id))
        .select(Complaint::as_select())
        .order(complaint::id.desc())
        .limit(f.limit)
        .into_boxed();
    if let Some(case_id) = f.case_id {
        query = query.filter(complaint::case_id.eq(case_id));
    }
    if f.unassigned {
        query = query.filter(complaint::case_id.is_null());
    }
    if let Some(q) = f.q.as_deref().map(crate::search::Query::new).filter(|q| !q.is_empty()) {
        return super::complaint_search::search(conn, committee_id, f, &q);
    }
    if let Some(before) = f.before_id {
        query = query.filter(complaint::id.lt(before));
    }
    query.load(conn)
}

/// Escapes `%`, `_` and `\` for a LIKE pattern.
pub fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

/// Likely duplicates of a complaint: same committee and category, the same
/// location once normalised, received within 60 days either side —
/// including complaints already in a case. Oldest first.
pub fn similar(conn: &mut DbConn, c: &Complaint) -> QueryResult<Vec<Complaint>> {
    complaint::table
        .filter(complaint::committee_id.eq(c.committee_id))
        .filter(complaint::category.eq(c.category.as_str()))
        .filter(complaint::location_key.eq(&c.location_key))
        .filter(complaint::received_at.between(c.received_at - SIMILAR_WITHIN, c.received_at + SIMILAR_WITHIN))
        .filter(complaint::id.ne(c.id))
        .order(complaint::received_at)
        .limit(50)
        .select(Complaint::as_select())
        .load(conn)
}

/// Complaints of a case, oldest first.
pub fn of_case(conn: &mut DbConn, case_id: i64) -> QueryResult<Vec<Complaint>> {
    of_cases(conn, &[case_id])
}

/// Complaints of cases `case_ids`, by case, each case's oldest first.
pub fn of_cases(conn: &mut DbConn, case_ids: &[i64]) -> QueryResult<Vec<Complaint>> {
    complaint::table
        .filter(complaint::case_id.eq_any(case_ids))
        .order((complaint::case_id, complaint::received_at, complaint::id))
        .select(Complaint::as_select())
        .load(conn)
}

/// Puts complaints into a case; a complaint already in another case is a
/// conflict. Runs inside the caller's audited write.
pub fn attach_in(conn: &mut DbConn, committee_id: i64, case_id: i64, ids: &[i64]) -> Result<(), WriteError> {
    for (i, id) in ids.iter().enumerate() {
        let c = find(conn, committee_id, *id).optional()?.ok_or_else(|| {
            WriteError::field(format!("complaint_ids[{i}]"), Invalid::new("invalid.no_such_complaint"))
        })?;
        match c.case_id {
            Some(other) if other != case_id => {
                return Err(WriteError::Conflict(
                    Invalid::new("conflict.complaint_in_other_case").with("id", id),
                    Some(json!({"complaint_id": id, "case_id": other})),
                ));
            }
            Some(_) => {}
            None => {
                diesel::update(complaint::table.find(id)).set(complaint::case_id.eq(case_id)).execute(conn)?;
            }
        }
    }
    Ok(())
}

/// Attaches one complaint to a case.
pub fn attach(conn: &mut DbConn, actor: &Actor, committee_id: i64, case_id: i64, id: i64) -> Result<(), WriteError> {
    audited(conn, actor, committee_id, |conn, log| {
        mediation_case::table
            .filter(mediation_case::id.eq(case_id).and(mediation_case::committee_id.eq(committee_id)))
            .select(mediation_case::id)
            .first::<i64>(conn)?;
        attach_in(conn, committee_id, case_id, &[id])?;
        crate::db::cases::search_index::refresh(conn, &[case_id])?;
        log.record("complaint.attach", "complaint", id, json!({"case_id": case_id}));
        Ok(())
    })
}

/// Takes a complaint out of its case.
pub fn detach(conn: &mut DbConn, actor: &Actor, committee_id: i64, case_id: i64, id: i64) -> Result<(), WriteError> {
    audited(conn, actor, committee_id, |conn, log| {
        let c = find(conn, committee_id, id)?;
        if c.case_id != Some(case_id) {
            return Err(WriteError::NotFound);
        }
        diesel::update(complaint::table.find(id)).set(complaint::case_id.eq(None::<i64>)).execute(conn)?;
        crate::db::cases::search_index::refresh(conn, &[case_id])?;
        log.record("complaint.detach", "complaint", id, json!({"case_id": case_id}));
        Ok(())
    })
}
