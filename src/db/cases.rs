//! Cases: numbering, parties, mediators, the state machine, referrals.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Text};
use serde_json::json;

use super::audit::{AuditLog, audited};
use super::codes::Code;
use super::committees::Committee;
use super::parties;
use super::schema::{agreement, app_user, case_mediator, case_transition, mediation_case, referral};
use super::users::User;
use super::{DbConn, Sql, WriteError, complaints};
use crate::domain::Invalid;
use crate::domain::account::Role;
use crate::domain::audit::Actor;
use crate::domain::case::{CaseStatus, MoveError, MoveFacts, RiskLevel, check_move};
use crate::domain::clock::local_date;
use crate::domain::commands::case::{CaseChanges, MoveRequest, NewCase, NewCaseParty};
use crate::domain::commands::mediation::NewReferral;
use crate::on_backend;
use chrono::Datelike;

/// A case as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = mediation_case)]
pub struct Case {
    /// Id.
    pub id: i64,
    /// Committee.
    pub committee_id: i64,
    /// Case number, e.g. （2026）敦南人调字第1号.
    pub number: String,
    /// Year of the number.
    pub year: i32,
    /// Sequence within the committee and year.
    pub seq: i32,
    /// Short title.
    pub title: String,
    /// Dispute type code.
    pub dispute_type: String,
    /// Source code.
    pub source: String,
    /// Status code.
    pub status: Code<CaseStatus>,
    /// Risk level code.
    pub risk_level: String,
    /// Whether sessions are public (Art 23).
    pub public_session: bool,
    /// Brief facts.
    pub facts: Option<String>,
    /// Where the dispute is.
    pub location: Option<String>,
    /// When registered.
    pub registered_at: NaiveDateTime,
    /// Why mediation was ended.
    pub termination_reason: Option<String>,
    /// Whether the other routes were explained on termination (Art 26).
    pub routes_explained: bool,
    /// Who registered it.
    pub created_by: Option<i64>,
    /// When recorded.
    pub created_at: NaiveDateTime,
    /// When last changed.
    pub updated_at: NaiveDateTime,
    /// What the applicant asks for, one per line.
    pub requests: Option<String>,
    /// Mediation prevented the dispute turning criminal (防止民转刑).
    pub prevented_criminal: bool,
    /// Mediation prevented a mass petition (防止群体性上访).
    pub prevented_petition: bool,
}

impl Case {
    /// The applicant's requests.
    pub fn requests(&self) -> Vec<String> {
        self.requests
            .as_deref()
            .map(|r| r.lines().map(str::to_owned).filter(|l| !l.trim().is_empty()).collect())
            .unwrap_or_default()
    }

    /// The status; stored values are written from the enum only.
    pub fn status(&self) -> CaseStatus {
        self.status.get()
    }
}

#[derive(QueryableByName)]
struct Seq {
    #[diesel(sql_type = Integer)]
    last_seq: i32,
}

const ENSURE_COUNTER: Sql = Sql(
    "INSERT INTO case_counter (committee_id, year, last_seq) VALUES (?, ?, 0) ON CONFLICT (committee_id, year) DO NOTHING",
);
const NEXT_SEQ: Sql =
    Sql("UPDATE case_counter SET last_seq = last_seq + 1 WHERE committee_id = ? AND year = ? RETURNING last_seq");

/// The next number of a committee's year, taken in the creating
/// transaction: the counter row stays locked until commit, so numbers are
/// gapless and never reused, whichever instance creates the case.
fn next_seq(conn: &mut DbConn, committee_id: i64, year: i32) -> QueryResult<i32> {
    let backend = conn.backend();
    let ensure =
        diesel::sql_query(ENSURE_COUNTER.text(backend)).bind::<BigInt, _>(committee_id).bind::<Integer, _>(year);
    on_backend!(conn, c => ensure.execute(c))?;
    let next = diesel::sql_query(NEXT_SEQ.text(backend)).bind::<BigInt, _>(committee_id).bind::<Integer, _>(year);
    let row: Seq = on_backend!(conn, c => next.get_result(c))?;
    Ok(row.last_seq)
}

/// Users who may be assigned to mediate a committee's cases.
fn check_mediators(conn: &mut DbConn, committee_id: i64, ids: &[i64]) -> Result<(), WriteError> {
    for (i, id) in ids.iter().enumerate() {
        let role: Option<String> = app_user::table
            .filter(app_user::id.eq(id).and(app_user::committee_id.eq(committee_id)).and(app_user::active.eq(true)))
            .select(app_user::role)
            .first(conn)
            .optional()?;
        if !role.is_some_and(|r| r == Role::Mediator.code() || r == Role::Admin.code()) {
            return Err(WriteError::field(format!("mediator_ids[{i}]"), Invalid::new("invalid.not_a_mediator")));
        }
    }
    Ok(())
}

/// Registers a case: takes the next number, records the parties, puts the
/// complaints in and assigns the mediators, all in one transaction.
pub fn create(
    conn: &mut DbConn,
    actor: &Actor,
    committee: &Committee,
    new: &NewCase,
    now: NaiveDateTime,
) -> Result<Case, WriteError> {
    audited(conn, actor, committee.id, |conn, log| {
        check_mediators(conn, committee.id, &new.mediator_ids)?;
        let year = local_date(new.registered_at, committee.utc_offset_minutes).year();
        let seq = next_seq(conn, committee.id, year)?;
        let number = committee.settings().number_pattern.format(year, &committee.abbreviation, i64::from(seq));
        let case = diesel::insert_into(mediation_case::table)
            .values((
                mediation_case::committee_id.eq(committee.id),
                mediation_case::number.eq(&number),
                mediation_case::year.eq(year),
                mediation_case::seq.eq(seq),
                mediation_case::title.eq(&new.title),
                mediation_case::dispute_type.eq(new.dispute_type.code()),
                mediation_case::source.eq(new.source.code()),
                mediation_case::status.eq(CaseStatus::Registered.code()),
                mediation_case::risk_level.eq(new.risk_level.code()),
                mediation_case::public_session.eq(new.public_session),
                mediation_case::facts.eq(&new.facts),
                mediation_case::location.eq(&new.location),
                mediation_case::registered_at.eq(new.registered_at),
                mediation_case::routes_explained.eq(false),
                mediation_case::requests.eq((!new.requests.is_empty()).then(|| new.requests.join("\n"))),
                mediation_case::created_by.eq(actor.id),
                mediation_case::created_at.eq(now),
                mediation_case::updated_at.eq(now),
            ))
            .returning(mediation_case::id)
            .get_result::<i64>(conn)
            .and_then(|id| mediation_case::table.find(id).select(Case::as_select()).first(conn))?;
        for p in &new.parties {
            let party = parties::insert(conn, committee.id, &p.particulars, now)?;
            parties::link(conn, case.id, party.id, p.role, p.represents.as_deref())?;
            log.record("party.create", "party", party.id, json!({"case_id": case.id, "role": p.role.code()}));
        }
        complaints::attach_in(conn, committee.id, case.id, &new.complaint_ids)?;
        for id in &new.mediator_ids {
            diesel::insert_into(case_mediator::table)
                .values((case_mediator::case_id.eq(case.id), case_mediator::user_id.eq(id)))
                .execute(conn)?;
        }
        log.record(
            "case.create",
            "case",
            case.id,
            json!({
                "number": case.number,
                "title": case.title,
                "dispute_type": case.dispute_type,
                "source": case.source,
                "complaint_ids": new.complaint_ids,
                "mediator_ids": new.mediator_ids,
            }),
        );
        Ok(case)
    })
}

/// One case of a committee.
pub fn find(conn: &mut DbConn, committee_id: i64, id: i64) -> QueryResult<Case> {
    mediation_case::table
        .filter(mediation_case::id.eq(id).and(mediation_case::committee_id.eq(committee_id)))
        .select(Case::as_select())
        .first(conn)
}

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
    pub dispute_type: String,
    /// Source code.
    pub source: String,
    /// Status code.
    pub status: String,
    /// Risk level code.
    pub risk_level: String,
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

type ListQuery<'a> =
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
fn filtered_ids(committee_id: i64, f: &CaseFilter, ids: Vec<i64>) -> ListQuery<'static> {
    narrowed(f, None)
        .filter(
            diesel::dsl::sql::<diesel::sql_types::Bool>("+mediation_case.committee_id = ")
                .bind::<BigInt, _>(committee_id),
        )
        .filter(mediation_case::id.eq_any(ids))
}

/// The filters other than the text and the committee.
fn narrowed(f: &CaseFilter, before: Option<i64>) -> ListQuery<'static> {
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
const FIRST_MATCHES: i64 = 100;
const MOST_MATCHES: i64 = 3200;

#[derive(QueryableByName)]
struct Match {
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
fn search_newest(conn: &mut DbConn, committee_id: i64, f: &CaseFilter, q: &str) -> QueryResult<Option<Vec<Listed>>> {
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

/// The mediators assigned to a case.
pub fn mediators(conn: &mut DbConn, case_id: i64) -> QueryResult<Vec<User>> {
    case_mediator::table
        .inner_join(app_user::table)
        .filter(case_mediator::case_id.eq(case_id))
        .order(app_user::id)
        .select(User::as_select())
        .load(conn)
}

fn has_effective_agreement(conn: &mut DbConn, case_id: i64) -> QueryResult<bool> {
    let n: i64 = agreement::table
        .filter(agreement::case_id.eq(case_id))
        .filter(agreement::status.eq("effective"))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Changes a case's status within an audited write.
pub fn set_status(
    conn: &mut DbConn,
    log: &mut AuditLog,
    actor: &Actor,
    case: &Case,
    to: CaseStatus,
    reason: Option<&str>,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(mediation_case::table.find(case.id))
        .set((mediation_case::status.eq(to.code()), mediation_case::updated_at.eq(now)))
        .execute(conn)?;
    diesel::insert_into(case_transition::table)
        .values((
            case_transition::case_id.eq(case.id),
            case_transition::from_status.eq(case.status.as_str()),
            case_transition::to_status.eq(to.code()),
            case_transition::reason.eq(reason),
            case_transition::created_by.eq(actor.id),
            case_transition::created_at.eq(now),
        ))
        .execute(conn)?;
    log.record("case.transition", "case", case.id, json!({"from": case.status, "to": to.code(), "reason": reason}));
    Ok(())
}

/// Moves a case along its state machine; an illegal move is a conflict
/// naming the allowed moves.
pub fn transition(
    conn: &mut DbConn,
    actor: &Actor,
    committee_id: i64,
    case_id: i64,
    request: &MoveRequest,
    now: NaiveDateTime,
) -> Result<Case, WriteError> {
    audited(conn, actor, committee_id, |conn, log| {
        let case = find(conn, committee_id, case_id)?;
        let from = case.status();
        let Some(to) = request.to else {
            return Err(WriteError::field("to", Invalid::new("invalid.required")));
        };
        let facts = MoveFacts {
            has_effective_agreement: has_effective_agreement(conn, case.id)?,
            reason: request.reason.as_deref(),
            routes_explained: request.routes_explained,
            referred_to: request.referred_to.as_deref(),
        };
        match check_move(from, to, &facts) {
            Ok(()) => {}
            Err(MoveError::NotAllowed { from, to }) => {
                let allowed: Vec<&str> = from.next().iter().map(|s| s.code()).collect();
                return Err(WriteError::Conflict(
                    Invalid::new("conflict.illegal_move")
                        .with("from", from)
                        .with("to", to)
                        .with("allowed", allowed.join(", ")),
                    Some(json!({"from": from.code(), "to": to.code(), "allowed": allowed})),
                ));
            }
            Err(MoveError::Precondition(fields)) => {
                return Err(WriteError::Invalid(fields.into_iter().map(|(f, e)| (f.to_owned(), e)).collect()));
            }
        }
        if to == CaseStatus::Terminated {
            diesel::update(mediation_case::table.find(case.id))
                .set((
                    mediation_case::termination_reason.eq(&request.reason),
                    mediation_case::routes_explained.eq(true),
                ))
                .execute(conn)?;
        }
        if to == CaseStatus::Referred {
            let id = diesel::insert_into(referral::table)
                .values((
                    referral::case_id.eq(case.id),
                    referral::referred_to.eq(request.referred_to.as_deref().unwrap_or_default().trim()),
                    referral::reason.eq(request.reason.as_deref().unwrap_or_default().trim()),
                    referral::referred_at.eq(now),
                    referral::created_by.eq(actor.id),
                    referral::created_at.eq(now),
                ))
                .returning(referral::id)
                .get_result::<i64>(conn)?;
            log.record("referral.create", "referral", id, json!({"case_id": case.id, "to": request.referred_to}));
        }
        set_status(conn, log, actor, &case, to, request.reason.as_deref(), now)?;
        Ok(find(conn, committee_id, case_id)?)
    })
}

/// A referral as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = referral)]
pub struct Referral {
    /// Id.
    pub id: i64,
    /// Case.
    pub case_id: i64,
    /// To whom (court, police station, department).
    pub referred_to: String,
    /// Why.
    pub reason: String,
    /// When.
    pub referred_at: NaiveDateTime,
    /// Who recorded it.
    pub created_by: Option<i64>,
    /// When recorded.
    pub created_at: NaiveDateTime,
}

/// Records a referral; when the case may move to `referred` it does.
pub fn refer(
    conn: &mut DbConn,
    actor: &Actor,
    committee_id: i64,
    case_id: i64,
    new: &NewReferral,
    now: NaiveDateTime,
) -> Result<Referral, WriteError> {
    audited(conn, actor, committee_id, |conn, log| {
        let case = find(conn, committee_id, case_id)?;
        if case.status().is_closed() {
            return Err(WriteError::conflict(Invalid::new("conflict.case_closed")));
        }
        let row = diesel::insert_into(referral::table)
            .values((
                referral::case_id.eq(case.id),
                referral::referred_to.eq(&new.referred_to),
                referral::reason.eq(&new.reason),
                referral::referred_at.eq(new.referred_at),
                referral::created_by.eq(actor.id),
                referral::created_at.eq(now),
            ))
            .returning(referral::id)
            .get_result::<i64>(conn)
            .and_then(|id| referral::table.find(id).select(Referral::as_select()).first(conn))?;
        log.record(
            "referral.create",
            "referral",
            row.id,
            json!({"case_id": case.id, "to": new.referred_to, "reason": new.reason}),
        );
        if case.status().next().contains(&CaseStatus::Referred) {
            set_status(conn, log, actor, &case, CaseStatus::Referred, Some(&new.reason), now)?;
        }
        Ok(row)
    })
}

/// Referrals of a case.
pub fn referrals(conn: &mut DbConn, case_id: i64) -> QueryResult<Vec<Referral>> {
    referral::table.filter(referral::case_id.eq(case_id)).order(referral::id).select(Referral::as_select()).load(conn)
}

/// Updates a case's particulars (not its status or number).
pub fn update(
    conn: &mut DbConn,
    actor: &Actor,
    committee_id: i64,
    case_id: i64,
    changes: &CaseChanges,
    now: NaiveDateTime,
) -> Result<Case, WriteError> {
    audited(conn, actor, committee_id, |conn, log| {
        let case = find(conn, committee_id, case_id)?;
        if case.status().is_closed() {
            return Err(WriteError::conflict(Invalid::new("conflict.case_closed")));
        }
        if let Some(title) = &changes.title {
            diesel::update(mediation_case::table.find(case.id)).set(mediation_case::title.eq(title)).execute(conn)?;
        }
        if let Some(risk) = changes.risk_level {
            diesel::update(mediation_case::table.find(case.id))
                .set(mediation_case::risk_level.eq(risk.code()))
                .execute(conn)?;
        }
        if let Some(public) = changes.public_session {
            diesel::update(mediation_case::table.find(case.id))
                .set(mediation_case::public_session.eq(public))
                .execute(conn)?;
        }
        if let Some(facts) = &changes.facts {
            diesel::update(mediation_case::table.find(case.id)).set(mediation_case::facts.eq(facts)).execute(conn)?;
        }
        if let Some(flag) = changes.prevented_criminal {
            diesel::update(mediation_case::table.find(case.id))
                .set(mediation_case::prevented_criminal.eq(flag))
                .execute(conn)?;
        }
        if let Some(flag) = changes.prevented_petition {
            diesel::update(mediation_case::table.find(case.id))
                .set(mediation_case::prevented_petition.eq(flag))
                .execute(conn)?;
        }
        if let Some(ids) = &changes.mediator_ids {
            check_mediators(conn, committee_id, ids)?;
            diesel::delete(case_mediator::table.filter(case_mediator::case_id.eq(case.id))).execute(conn)?;
            for id in ids {
                diesel::insert_into(case_mediator::table)
                    .values((case_mediator::case_id.eq(case.id), case_mediator::user_id.eq(id)))
                    .execute(conn)?;
            }
        }
        diesel::update(mediation_case::table.find(case.id)).set(mediation_case::updated_at.eq(now)).execute(conn)?;
        log.record(
            "case.update",
            "case",
            case.id,
            json!({
                "title": changes.title,
                "risk_level": changes.risk_level.map(|r| r.code()),
                "public_session": changes.public_session,
                "facts": changes.facts,
                "mediator_ids": changes.mediator_ids,
                "prevented_criminal": changes.prevented_criminal,
                "prevented_petition": changes.prevented_petition,
            }),
        );
        Ok(find(conn, committee_id, case_id)?)
    })
}

/// Adds a party to an open case.
pub fn add_party(
    conn: &mut DbConn,
    actor: &Actor,
    committee_id: i64,
    case_id: i64,
    p: &NewCaseParty,
    now: NaiveDateTime,
) -> Result<i64, WriteError> {
    audited(conn, actor, committee_id, |conn, log| {
        let case = find(conn, committee_id, case_id)?;
        if case.status().is_closed() {
            return Err(WriteError::conflict(Invalid::new("conflict.case_closed")));
        }
        let party = parties::insert(conn, committee_id, &p.particulars, now)?;
        parties::link(conn, case.id, party.id, p.role, p.represents.as_deref())?;
        log.record("party.create", "party", party.id, json!({"case_id": case.id, "role": p.role.code()}));
        Ok(party.id)
    })
}

/// A status change of a case.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = case_transition)]
pub struct Transition {
    /// From.
    pub from_status: String,
    /// To.
    pub to_status: String,
    /// Why.
    pub reason: Option<String>,
    /// Who.
    pub created_by: Option<i64>,
    /// When.
    pub created_at: NaiveDateTime,
}

/// The status changes of a case, oldest first.
pub fn transitions(conn: &mut DbConn, case_id: i64) -> QueryResult<Vec<Transition>> {
    case_transition::table
        .filter(case_transition::case_id.eq(case_id))
        .order(case_transition::id)
        .select(Transition::as_select())
        .load(conn)
}
