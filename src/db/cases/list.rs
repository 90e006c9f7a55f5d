//! The case list: filters walked newest first, a case number looked up,
//! and text searched.

use super::*;
use crate::db::codes::Code;
use crate::db::key_walk;
use crate::db::postings::cases as postings;
use crate::db::schema::case_search_text;
use crate::domain::case::{CaseSource, DisputeType, RiskLevel};
use crate::search::{FIELD_SEPARATOR, Query, fold, split_at_match};

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
    /// Text in the title, number, location or, as `names` allows, names.
    pub q: Option<String>,
    /// Whose names the text is searched in.
    pub names: Names,
    /// Keyset: ids below this.
    pub before_id: Option<i64>,
    /// Most rows.
    pub limit: i64,
}

/// Whose names a search finds cases by, besides their titles, numbers and
/// places.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Names {
    /// No one's.
    #[default]
    None,
    /// The parties'.
    Parties,
    /// The parties' and those of complainants who gave their names.
    PartiesAndComplainants,
}

impl Names {
    /// Of a case's folded party and complainant names, those this scope
    /// searches (the others empty).
    fn visible<'a>(self, parties: &'a str, complainants: &'a str) -> (&'a str, &'a str) {
        match self {
            Self::None => ("", ""),
            Self::Parties => (parties, ""),
            Self::PartiesAndComplainants => (parties, complainants),
        }
    }
}

/// Which field of a case a search found its text in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HitField {
    /// The title.
    Title,
    /// The case number.
    Number,
    /// The place.
    Location,
    /// A party's name.
    Party,
    /// A named complainant's name.
    Complainant,
}

impl HitField {
    /// The field's name in the API.
    pub fn code(self) -> &'static str {
        match self {
            Self::Title => "title",
            Self::Number => "number",
            Self::Location => "location",
            Self::Party => "party",
            Self::Complainant => "complainant",
        }
    }
}

/// Where a search found its text in a listed case: the field, and its text
/// around the match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// The field.
    pub field: HitField,
    /// Its text before the match.
    pub before: String,
    /// The text matched.
    pub matched: String,
    /// Its text after the match.
    pub after: String,
}

/// A listed case, with where a search found it.
pub type Found = (Listed, Option<Hit>);

/// Cases of a committee, newest first.
pub fn list(conn: &mut DbConn, committee_id: i64, f: &CaseFilter) -> QueryResult<Vec<Found>> {
    let q = f.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
    let Some(q) = q else {
        return Ok(filtered(committee_id, f, f.before_id).load(conn)?.into_iter().map(|c| (c, None)).collect());
    };
    // A whole case number answers with that case alone, found through its
    // unique index (a title quoting the number does not list its case too).
    let exact: Option<i64> = mediation_case::table
        .filter(mediation_case::committee_id.eq(committee_id).and(mediation_case::number.eq(q)))
        .select(mediation_case::id)
        .first(conn)
        .optional()?;
    if let Some(id) = exact {
        let found = filtered(committee_id, f, f.before_id).filter(mediation_case::id.eq(id)).load(conn)?;
        let query = Query::new(q);
        return Ok(found
            .into_iter()
            .map(|c| {
                let hit = hit(&query, &c, "", "");
                (c, hit)
            })
            .collect());
    }
    search(conn, committee_id, f, &Query::new(q))
}

pub(super) type ListQuery<'a> =
    mediation_case::BoxedQuery<'a, crate::db::MultiBackend, diesel::dsl::AsSelect<Listed, crate::db::MultiBackend>>;

/// The cases of a committee that pass the filters other than the text, below
/// `before`, newest first, at most a page.
fn filtered(committee_id: i64, f: &CaseFilter, before: Option<i64>) -> ListQuery<'static> {
    narrowed(f, before).filter(mediation_case::committee_id.eq(committee_id))
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

/// The page of cases whose title, number, place or (as `f.names` allows)
/// names hold the text of `query`, newest first: the cases holding the
/// rarest of its keys, read newest first from the index, each checked
/// against its folded texts and the list's other filters, until a page is
/// full.
fn search(conn: &mut DbConn, committee_id: i64, f: &CaseFilter, query: &Query) -> QueryResult<Vec<Found>> {
    let judged = key_walk::rarest(&query.keys, |key| postings::commonness(conn, committee_id, key))?;
    let Some(&(key, _)) = judged.first() else { return Ok(Vec::new()) };
    let also = key_walk::companion(&judged);
    // The key's cases (those also holding the companion key, when there is
    // one) are read from the index alone; each round's cases are
    // checked against their texts and the filters by their ids. (One
    // statement joining the index to the texts would leave the plan to
    // PostgreSQL's estimate of `LIKE`, which can drive it from the texts and
    // read every case.)
    key_walk::in_rounds(
        conn,
        f.limit,
        f.before_id,
        |conn, below, round| postings::holders(conn, committee_id, key, also, below, round),
        |conn, ids, wanted| checked(conn, f, query, ids, wanted),
    )
}

/// Of the cases `ids` (of the committee, from its index), those whose texts
/// hold the search and that pass the list's filters, newest first, at most
/// `wanted`, with where the search found each.
fn checked(conn: &mut DbConn, f: &CaseFilter, query: &Query, ids: Vec<i64>, wanted: i64) -> QueryResult<Vec<Found>> {
    let pattern = format!("%{}%", complaints::escape_like(&query.text));
    let mut rows = case_search_text::table
        .inner_join(mediation_case::table.on(mediation_case::id.eq(case_search_text::case_id)))
        .filter(case_search_text::case_id.eq_any(ids))
        .select((Listed::as_select(), case_search_text::parties, case_search_text::complainants))
        .order(mediation_case::id.desc())
        .limit(wanted)
        .into_boxed();
    let body = case_search_text::body.like(pattern.clone()).escape('\\');
    let parties = case_search_text::parties.like(pattern.clone()).escape('\\');
    let complainants = case_search_text::complainants.like(pattern).escape('\\');
    rows = match f.names {
        Names::None => rows.filter(body),
        Names::Parties => rows.filter(body.or(parties)),
        Names::PartiesAndComplainants => rows.filter(body.or(parties).or(complainants)),
    };
    if let Some(status) = f.status {
        rows = rows.filter(mediation_case::status.eq(status.code()));
    }
    if let Some(risk) = f.risk_level {
        rows = rows.filter(mediation_case::risk_level.eq(risk.code()));
    }
    if let Some(user) = f.mediator_id {
        rows = rows.filter(diesel::dsl::exists(
            case_mediator::table
                .filter(case_mediator::case_id.eq(mediation_case::id))
                .filter(case_mediator::user_id.eq(user)),
        ));
    }
    let rows: Vec<(Listed, String, String)> = rows.load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(c, parties, complainants)| {
            let (parties, complainants) = f.names.visible(&parties, &complainants);
            let hit = hit(query, &c, parties, complainants);
            (c, hit)
        })
        .collect())
}

/// Where `query` is found in a case: its title, number or place first, then
/// the names given (folded, joined by the field separator).
fn hit(query: &Query, c: &Listed, parties: &str, complainants: &str) -> Option<Hit> {
    let own = [
        (HitField::Title, Some(c.title.as_str())),
        (HitField::Number, Some(c.number.as_str())),
        (HitField::Location, c.location.as_deref()),
    ];
    for (field, text) in own {
        let Some(text) = text else { continue };
        if let Some(range) = query.find_in(&fold(text)) {
            let (before, matched, after) = split_at_match(text, range);
            return Some(Hit { field, before, matched, after });
        }
    }
    let names = [(HitField::Party, parties), (HitField::Complainant, complainants)];
    for (field, joined) in names {
        for name in joined.split(FIELD_SEPARATOR) {
            if let Some(range) = query.find_in(name) {
                let (before, matched, after) = split_at_match(name, range);
                return Some(Hit { field, before, matched, after });
            }
        }
    }
    None
}

/// The greatest exceedance of the limit a valid measurement of each of the
/// cases `ids` found (its equivalent level's; the night peak's where that
/// alone exceeded), for the cases with one.
pub fn exceedances(conn: &mut DbConn, ids: &[i64]) -> QueryResult<std::collections::BTreeMap<i64, f64>> {
    use crate::db::schema::measurement;
    let rows: Vec<(i64, Option<f64>, Option<f64>)> = measurement::table
        .filter(measurement::case_id.eq_any(ids))
        .filter(measurement::valid.eq(true))
        .group_by(measurement::case_id)
        .select((
            measurement::case_id,
            diesel::dsl::max(measurement::exceeds_by_db),
            diesel::dsl::max(measurement::lmax_exceeds_by_db),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, leq, peak)| {
            let positive = |d: Option<f64>| d.filter(|d| *d > 0.0);
            positive(leq).or(positive(peak)).map(|d| (id, d))
        })
        .collect())
}
