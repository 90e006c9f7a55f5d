//! The case list: filters walked newest first, a case number looked up,
//! and text searched.

use super::*;
use crate::db::codes::Code;
use crate::domain::case::{CaseSource, DisputeType, RiskLevel};

/// A case as a list shows it: the columns of a row, without the facts,
/// requests and bookkeeping of the whole record.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = mediation_case)]
pub struct Listed {
    /// Id.
    pub id: i64,
    /// Case number.
    pub number: String,
    /// Short title.
    pub title: String,
    /// Dispute type code.
    pub dispute_type: Code<DisputeType>,
    /// Source code.
    pub source: Code<CaseSource>,
    /// Status code.
    pub status: String,
    /// Risk level code.
    pub risk_level: Code<RiskLevel>,
    /// Where the dispute is.
    pub location: Option<String>,
    /// When registered.
    pub registered_at: NaiveDateTime,
}

/// Which cases a list shows.
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    /// Only this status.
    pub status: Option<CaseStatus>,
    /// Only this risk level.
    pub risk_level: Option<RiskLevel>,
    /// Only cases this user mediates.
    pub mediator_id: Option<i64>,
    /// Text in the title, number or location.
    pub q: Option<String>,
    /// Keyset: ids below this.
    pub before_id: Option<i64>,
    /// Most rows.
    pub limit: i64,
}

/// Cases of a committee, newest first.
pub fn list(conn: &mut DbConn, committee_id: i64, f: &CaseFilter) -> QueryResult<Vec<Listed>> {
    let q = f.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
    let Some(q) = q else { return filtered(committee_id, f, f.before_id).load(conn) };
    // A whole case number answers with that case alone, found through its
    // unique index (a title quoting the number does not list its case too).
    let exact: Option<i64> = mediation_case::table
        .filter(mediation_case::committee_id.eq(committee_id).and(mediation_case::number.eq(q)))
        .select(mediation_case::id)
        .first(conn)
        .optional()?;
    if let Some(id) = exact {
        return filtered(committee_id, f, f.before_id).filter(mediation_case::id.eq(id)).load(conn);
    }
    if let Some(found) = search_newest(conn, committee_id, f, q)? {
        return Ok(found);
    }
    // Anything else is searched for in titles, numbers and places, newest
    // first, stopping after a page.
    let pattern = format!("%{}%", complaints::escape_like(q));
    filtered(committee_id, f, f.before_id)
        .filter(
            mediation_case::title
                .like(pattern.clone())
                .escape('\\')
                .or(mediation_case::number.like(pattern.clone()).escape('\\'))
                .or(mediation_case::location.like(pattern).escape('\\')),
        )
        .load(conn)
}

pub(super) type ListQuery<'a> =
    mediation_case::BoxedQuery<'a, crate::db::MultiBackend, diesel::dsl::AsSelect<Listed, crate::db::MultiBackend>>;

/// The cases of a committee that pass the filters other than the text, below
/// `before`, newest first, at most a page.
fn filtered(committee_id: i64, f: &CaseFilter, before: Option<i64>) -> ListQuery<'static> {
    narrowed(f, before).filter(mediation_case::committee_id.eq(committee_id))
}

/// [`filtered`] for cases named by id: the committee is checked on each row
/// the primary key finds. (Given as `committee_id = ?`, SQLite walks the
/// committee's index for each id and sorts; the unary plus leaves it out of
/// the index choice.)
pub(super) fn filtered_ids(committee_id: i64, f: &CaseFilter, ids: Vec<i64>) -> ListQuery<'static> {
    narrowed(f, None)
        .filter(
            diesel::dsl::sql::<diesel::sql_types::Bool>("+mediation_case.committee_id = ")
                .bind::<BigInt, _>(committee_id),
        )
        .filter(mediation_case::id.eq_any(ids))
}

/// The filters other than the text and the committee.
pub(super) fn narrowed(f: &CaseFilter, before: Option<i64>) -> ListQuery<'static> {
    let mut query =
        mediation_case::table.select(Listed::as_select()).order(mediation_case::id.desc()).limit(f.limit).into_boxed();
    if let Some(status) = f.status {
        query = query.filter(mediation_case::status.eq(status.code()));
    }
    if let Some(risk) = f.risk_level {
        query = query.filter(mediation_case::risk_level.eq(risk.code()));
    }
    if let Some(user) = f.mediator_id {
        // EXISTS, not IN: the newest cases are checked one by one and the
        // walk stops after a page.
        query = query.filter(diesel::dsl::exists(
            case_mediator::table
                .filter(case_mediator::case_id.eq(mediation_case::id))
                .filter(case_mediator::user_id.eq(user)),
        ));
    }
    if let Some(before) = before {
        query = query.filter(mediation_case::id.lt(before));
    }
    query
}

/// Matches taken from SQLite's trigram index at first when the list has
/// filters besides the text (a page when it has none: each match of the
/// committee is then listed); each further round takes twice as many, up to
/// [`MOST_MATCHES`].
pub(super) const FIRST_MATCHES: i64 = 100;

pub(super) const MOST_MATCHES: i64 = 3200;

#[derive(QueryableByName)]
pub(super) struct Match {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// On SQLite, for a text of three or more characters: the page of cases
/// whose title, number or place holds `q`. The trigram index (of every
/// committee's cases, keyed by the negated case id so that reading it
/// forwards is reading it newest first) is read in growing rounds, each round's
/// cases filtered as the list asks, until a page is full or the index has no
/// more. `None` where the index does not serve: PostgreSQL's planner picks
/// its trigram indexes by itself, and one or two characters make no trigram.
pub(super) fn search_newest(
    conn: &mut DbConn,
    committee_id: i64,
    f: &CaseFilter,
    q: &str,
) -> QueryResult<Option<Vec<Listed>>> {
    if !matches!(conn, DbConn::Sqlite(_)) || q.chars().count() < 3 {
        return Ok(None);
    }
    // One FTS5 phrase of trigrams: the text as a substring of one column.
    let phrase = format!("\"{}\"", q.replace('"', "\"\""));
    let mut found: Vec<Listed> = Vec::new();
    let mut below = f.before_id.unwrap_or(i64::MAX);
    let unfiltered = f.status.is_none() && f.risk_level.is_none() && f.mediator_id.is_none();
    let mut round = if unfiltered { f.limit } else { FIRST_MATCHES.max(f.limit) };
    loop {
        let DbConn::Sqlite(c) = &mut *conn else { return Ok(None) };
        let matches: Vec<Match> = diesel::sql_query(
            "SELECT -rowid AS id FROM case_search WHERE case_search MATCH ? AND rowid > ? ORDER BY rowid LIMIT ?",
        )
        .bind::<Text, _>(&phrase)
        .bind::<BigInt, _>(-below)
        .bind::<BigInt, _>(round)
        .load(c)?;
        let Some(last) = matches.last().map(|m| m.id) else { break };
        let exhausted = i64::try_from(matches.len()).unwrap_or(i64::MAX) < round;
        let wanted = f.limit - i64::try_from(found.len()).unwrap_or(0);
        let ids: Vec<i64> = matches.into_iter().map(|m| m.id).collect();
        found.extend(filtered_ids(committee_id, f, ids).limit(wanted).load(conn)?);
        if exhausted || i64::try_from(found.len()).unwrap_or(i64::MAX) >= f.limit {
            break;
        }
        below = last;
        round = (round * 2).min(MOST_MATCHES);
    }
    Ok(Some(found))
}
