//! The full JSON view of a case.

pub mod parts;

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::agreements::{AgreementView, agreement_view_of};
use crate::app::case_view::parts::{ComplaintView, Contacts, PartyView};
use crate::app::cases::ListedCase;
use crate::app::error::{AppError, AppResult};
use crate::app::field_work::{InvestigationView, MeasurementView};
use crate::app::follow_ups::summary_view;
use crate::app::mediation::{MeetingView, ReferralView, SessionView};
use crate::db::agreements::{self, TermRow};
use crate::db::cases::{self, Case, Hit};
use crate::db::committees::{self, Committee};
use crate::db::mediation::LegalReference;
use crate::db::parties::{CaseParty, Party};
use crate::db::users::User;
use crate::db::{Db, DbConn, case_views, mediation, parties, timeline};
use crate::domain::clock::format_instant;
use crate::domain::language::Lang;

/// A case in a list.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CaseSummary {
    /// Id.
    pub id: i64,
    /// Case number.
    pub number: String,
    /// Title.
    pub title: String,
    /// Status.
    pub status: String,
    /// Risk level.
    pub risk_level: String,
    /// Dispute type.
    pub dispute_type: String,
    /// Source.
    pub source: String,
    /// Location.
    pub location: Option<String>,
    /// When registered.
    pub registered_at: String,
    /// Where a search found the case (absent without a search).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matched: Option<SearchMatch>,
    /// By how many dB(A) its valid measurements exceeded the limit at most
    /// (absent when none did).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exceeds_by_db: Option<f64>,
}

/// Where a search found a case or a complaint: the field and its text split
/// around the match, so that a list can highlight it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SearchMatch {
    /// A case's `title`, `number`, `location`, `party` (a party's name) or
    /// `complainant` (a named complainant's); a complaint's `location` or
    /// `description`, its text cut to 30 characters each side of the match.
    pub field: String,
    /// The field's text before the match.
    pub before: String,
    /// The text matched.
    pub text: String,
    /// The field's text after the match.
    pub after: String,
}

impl From<Hit> for SearchMatch {
    fn from(hit: Hit) -> Self {
        Self { field: hit.field.code().to_owned(), before: hit.before, text: hit.matched, after: hit.after }
    }
}

impl CaseSummary {
    /// The summary of a listed case, with where a search found it.
    pub fn new(listed: ListedCase, offset: i32) -> Self {
        let ListedCase { case: c, hit, exceeds_by_db } = listed;
        Self {
            matched: hit.map(SearchMatch::from),
            exceeds_by_db,
            id: c.id,
            registered_at: format_instant(c.registered_at, offset),
            number: c.number,
            title: c.title,
            status: c.status,
            risk_level: c.risk_level.to_string(),
            dispute_type: c.dispute_type.to_string(),
            source: c.source.to_string(),
            location: c.location,
        }
    }
}

/// A mediator of a case.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MediatorView {
    /// User id.
    pub id: i64,
    /// Name.
    pub display_name: String,
}

/// One event of a case's timeline.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TimelineView {
    /// When.
    pub at: String,
    /// What kind of record.
    pub kind: String,
    /// The record's id.
    pub record_id: i64,
    /// Summary.
    pub summary: String,
    /// Who recorded it.
    pub recorded_by: Option<String>,
}

/// A case with every record.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CaseView {
    /// Id.
    pub id: i64,
    /// Case number.
    pub number: String,
    /// Title.
    pub title: String,
    /// Dispute type (statistics taxonomy).
    pub dispute_type: String,
    /// application, own_initiative or referral.
    pub source: String,
    /// Status.
    pub status: String,
    /// Moves the state machine allows from here.
    pub allowed_moves: Vec<String>,
    /// red, orange or yellow.
    pub risk_level: String,
    /// Whether sessions are public.
    pub public_session: bool,
    /// Brief facts.
    pub facts: Option<String>,
    /// What the applicant asks for.
    pub requests: Vec<String>,
    /// Location.
    pub location: Option<String>,
    /// When registered.
    pub registered_at: String,
    /// Why mediation was ended.
    pub termination_reason: Option<String>,
    /// Whether the other routes were explained on termination.
    pub routes_explained: bool,
    /// Mediation prevented the dispute turning criminal (防止民转刑).
    pub prevented_criminal: bool,
    /// Mediation prevented a mass petition (防止群体性上访).
    pub prevented_petition: bool,
    /// Assigned mediators.
    pub mediators: Vec<MediatorView>,
    /// Parties.
    pub parties: Vec<PartyView>,
    /// Complaints.
    pub complaints: Vec<ComplaintView>,
    /// Investigations.
    pub investigations: Vec<InvestigationView>,
    /// Measurements.
    pub measurements: Vec<MeasurementView>,
    /// Sessions.
    pub sessions: Vec<SessionView>,
    /// Community meetings.
    pub meetings: Vec<MeetingView>,
    /// Agreements, by version.
    pub agreements: Vec<AgreementView>,
    /// Follow-up visits.
    #[schema(value_type = Vec<Object>)]
    pub follow_ups: Vec<serde_json::Value>,
    /// Referrals.
    pub referrals: Vec<ReferralView>,
    /// Every record in order, newest last.
    pub timeline: Vec<TimelineView>,
}

/// Builds the view of a case.
pub fn case_view(
    conn: &mut DbConn,
    committee: &Committee,
    case: &Case,
    contacts: Contacts,
    lang: Lang,
) -> AppResult<CaseView> {
    let loaded = Loaded::read(conn, std::slice::from_ref(case))?;
    Ok(loaded.view(committee, case, contacts, lang))
}

/// Everything the views of some cases show besides the cases themselves,
/// read by a statement per kind of record for all of them.
struct Loaded {
    records: HashMap<i64, timeline::Records>,
    /// By case.
    parties: HashMap<i64, Vec<(CaseParty, Party)>>,
    /// The complaints' reporters, by party.
    reporters: HashMap<i64, Party>,
    /// By session.
    session_references: HashMap<i64, Vec<LegalReference>>,
    /// By meeting.
    meeting_references: HashMap<i64, Vec<LegalReference>>,
    /// By agreement.
    terms: HashMap<i64, Vec<TermRow>>,
    /// By case.
    mediators: HashMap<i64, Vec<User>>,
    /// The committees' users' names: by committee, then by user.
    names: HashMap<i64, HashMap<i64, String>>,
}

impl Loaded {
    fn read(conn: &mut DbConn, cases: &[Case]) -> AppResult<Self> {
        let ids: Vec<i64> = cases.iter().map(|c| c.id).collect();
        let records = timeline::Records::load_many(conn, &ids)?;
        let reporters =
            distinct(records.values().flat_map(|r| r.complaints.iter().filter_map(|c| c.reporter_party_id)));
        let sessions = distinct(records.values().flat_map(|r| r.sessions.iter().map(|s| s.id)));
        let meetings = distinct(records.values().flat_map(|r| r.meetings.iter().map(|m| m.id)));
        let agreements = distinct(records.values().flat_map(|r| r.agreements.iter().map(|(a, _)| a.id)));
        let committees = distinct(cases.iter().map(|c| c.committee_id));
        Ok(Self {
            parties: grouped(parties::of_cases(conn, &ids)?, |(cp, _)| cp.case_id),
            reporters: if reporters.is_empty() {
                HashMap::new()
            } else {
                parties::of_ids(conn, &reporters)?.into_iter().map(|p| (p.id, p)).collect()
            },
            session_references: if sessions.is_empty() {
                HashMap::new()
            } else {
                paired(mediation::session_references_of(conn, &sessions)?)
            },
            meeting_references: if meetings.is_empty() {
                HashMap::new()
            } else {
                paired(mediation::meeting_references_of(conn, &meetings)?)
            },
            terms: if agreements.is_empty() {
                HashMap::new()
            } else {
                grouped(agreements::terms_of(conn, &agreements)?, |t| t.agreement_id)
            },
            mediators: paired(cases::mediators_of_cases(conn, &ids)?),
            names: timeline::names_of(conn, &committees)?,
            records,
        })
    }

    /// The view of `case`, one of the cases read.
    fn view(&self, committee: &Committee, case: &Case, contacts: Contacts, lang: Lang) -> CaseView {
        let offset = committee.utc_offset_minutes;
        let empty = timeline::Records::default();
        let records = self.records.get(&case.id).unwrap_or(&empty);
        let case_parties = self.parties.get(&case.id).map_or(&[][..], Vec::as_slice);
        let reporter =
            |id: Option<i64>| id.and_then(|id| self.reporters.get(&id)).filter(|p| p.committee_id == case.committee_id);
        let cited =
            |references: &HashMap<i64, Vec<LegalReference>>, id| references.get(&id).cloned().unwrap_or_default();
        let no_names = HashMap::new();
        let names = self.names.get(&case.committee_id).unwrap_or(&no_names);
        let timeline = timeline::of_records(case, records, names);
        CaseView {
            id: case.id,
            number: case.number.clone(),
            title: case.title.clone(),
            dispute_type: case.dispute_type.to_string(),
            source: case.source.to_string(),
            status: case.status.to_string(),
            allowed_moves: case.status().next().iter().map(|s| s.code().to_owned()).collect(),
            risk_level: case.risk_level.to_string(),
            public_session: case.public_session,
            facts: case.facts.clone(),
            requests: case.requests(),
            location: case.location.clone(),
            registered_at: format_instant(case.registered_at, offset),
            termination_reason: case.termination_reason.clone(),
            routes_explained: case.routes_explained,
            prevented_criminal: case.prevented_criminal,
            prevented_petition: case.prevented_petition,
            mediators: self
                .mediators
                .get(&case.id)
                .into_iter()
                .flatten()
                .map(|u| MediatorView { id: u.id, display_name: u.display_name.clone() })
                .collect(),
            parties: case_parties.iter().map(|(cp, p)| PartyView::new(cp, p, contacts)).collect(),
            complaints: records
                .complaints
                .iter()
                .map(|c| ComplaintView::new(c, reporter(c.reporter_party_id), contacts, offset))
                .collect(),
            investigations: records.investigations.iter().map(|i| InvestigationView::new(i, offset)).collect(),
            measurements: records.measurements.iter().map(|m| MeasurementView::new(m, offset)).collect(),
            sessions: records
                .sessions
                .iter()
                .map(|s| SessionView::new(s, cited(&self.session_references, s.id), offset))
                .collect(),
            meetings: records
                .meetings
                .iter()
                .map(|m| MeetingView::new(m, cited(&self.meeting_references, m.id), offset))
                .collect(),
            agreements: records
                .agreements
                .iter()
                .map(|(a, sigs)| {
                    let terms = self.terms.get(&a.id).map_or(&[][..], Vec::as_slice);
                    agreement_view_of(committee, a, terms, sigs, case_parties, lang)
                })
                .collect(),
            follow_ups: records.follow_ups.iter().map(|f| summary_view(f, offset)).collect(),
            referrals: records.referrals.iter().map(|r| ReferralView::new(r, offset)).collect(),
            timeline: timeline
                .into_iter()
                .map(|e| TimelineView {
                    at: format_instant(e.at, offset),
                    kind: e.kind.to_owned(),
                    record_id: e.record_id,
                    summary: e.summary,
                    recorded_by: e.recorded_by,
                })
                .collect(),
        }
    }
}

/// The values of `ids`, each once, in order.
fn distinct(ids: impl Iterator<Item = i64>) -> Vec<i64> {
    let mut ids: Vec<i64> = ids.collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// `rows` by the key `key_of` gives each, keeping their order.
fn grouped<T>(rows: Vec<T>, key_of: impl Fn(&T) -> i64) -> HashMap<i64, Vec<T>> {
    let mut groups: HashMap<i64, Vec<T>> = HashMap::new();
    for row in rows {
        groups.entry(key_of(&row)).or_default().push(row);
    }
    groups
}

/// Rows each paired with its key, by key, keeping their order.
fn paired<T>(rows: Vec<(i64, T)>) -> HashMap<i64, Vec<T>> {
    let mut groups: HashMap<i64, Vec<T>> = HashMap::new();
    for (key, row) in rows {
        groups.entry(key).or_default().push(row);
    }
    groups
}

/// Stores the masked view in `lang` of every case that lacks a current one
/// (after an upgrade changed the format, or ahead of traffic), a batch at a
/// time; `progress` hears how many were stored so far. Returns that count.
/// A case written to meanwhile is left to be built on its next read.
pub fn store_missing_views(conn: &mut DbConn, lang: Lang, progress: impl FnMut(usize) + Send) -> AppResult<usize> {
    store_missing_views_on(&mut [conn], lang, progress)
}

/// Cases whose views one turn builds and stores.
const VIEWS_BATCH: i64 = 250;

/// What the connections of [`store_missing_views_on`] share.
struct Shared<P> {
    /// The last case handed out.
    after: i64,
    /// No case is left to hand out.
    done: bool,
    stored: usize,
    progress: P,
}

/// [`store_missing_views`] on several connections at once, each taking the
/// next batch of cases in turn. A batch's views are built from a statement
/// per kind of record for all its cases, so a connection spends its time
/// on the views' JSON as much as on the database's round trips.
pub fn store_missing_views_on(
    conns: &mut [&mut DbConn],
    lang: Lang,
    progress: impl FnMut(usize) + Send,
) -> AppResult<usize> {
    let shared = std::sync::Mutex::new(Shared { after: 0, done: false, stored: 0, progress });
    let turns = &shared;
    std::thread::scope(|scope| {
        let workers: Vec<_> =
            conns.iter_mut().map(|conn| scope.spawn(move || store_missing_turns(conn, lang, turns))).collect();
        let mut outcome = Ok(());
        for worker in workers {
            let result =
                worker.join().unwrap_or_else(|_| Err(AppError::Internal(anyhow::anyhow!("views worker panicked"))));
            if outcome.is_ok() {
                outcome = result;
            }
        }
        outcome
    })?;
    let shared = shared.into_inner().map_err(|_| AppError::Internal(anyhow::anyhow!("views worker panicked")))?;
    Ok(shared.stored)
}

/// One connection's turns of [`store_missing_views_on`], until no case is
/// left or one fails (the others then stop after their turn).
fn store_missing_turns<P: FnMut(usize)>(
    conn: &mut DbConn,
    lang: Lang,
    shared: &std::sync::Mutex<Shared<P>>,
) -> AppResult<()> {
    use crate::db::schema::{case_view, mediation_case};
    use diesel::dsl::{exists, not};
    use diesel::prelude::*;

    let poisoned = || AppError::Internal(anyhow::anyhow!("views worker panicked"));
    loop {
        let batch: Vec<(i64, i64)> = {
            let mut turn = shared.lock().map_err(|_| poisoned())?;
            if turn.done {
                return Ok(());
            }
            let current = case_view::table
                .filter(case_view::case_id.eq(mediation_case::id))
                .filter(case_view::lang.eq(lang.code()))
                .filter(case_view::format.eq(case_views::FORMAT));
            let batch = mediation_case::table
                .filter(mediation_case::id.gt(turn.after))
                .filter(not(exists(current)))
                .order(mediation_case::id)
                .limit(VIEWS_BATCH)
                .select((mediation_case::id, mediation_case::committee_id))
                .load(conn);
            match batch.as_ref().map(|b| b.last()) {
                Ok(Some(&(last, _))) => turn.after = last,
                _ => turn.done = true,
            }
            batch?
        };
        if batch.is_empty() {
            return Ok(());
        }
        let built = match build_masked_many(conn, &batch, lang) {
            Ok(built) => built,
            Err(e) => {
                shared.lock().map_err(|_| poisoned())?.done = true;
                return Err(e);
            }
        };
        let stored = case_views::store_all(conn, &built);
        let mut turn = shared.lock().map_err(|_| poisoned())?;
        match stored {
            Ok(n) => {
                turn.stored += n;
                let stored = turn.stored;
                (turn.progress)(stored);
            }
            Err(e) => {
                turn.done = true;
                return Err(e.into());
            }
        }
    }
}

/// Builds the masked view of case `id` of `committee_id`, reading where the
/// audit chains stand before anything the view shows.
fn build_masked(conn: &mut DbConn, committee_id: i64, id: i64, lang: Lang) -> AppResult<case_views::Built> {
    build_masked_many(conn, &[(id, committee_id)], lang)?.pop().ok_or(AppError::NotFound)
}

/// Builds the masked views of `cases` (each a case's id and its
/// committee's), reading where the committees' audit chains stand before
/// anything the views show; a case not found in its committee is left out.
fn build_masked_many(conn: &mut DbConn, cases: &[(i64, i64)], lang: Lang) -> AppResult<Vec<case_views::Built>> {
    let committee_ids = distinct(cases.iter().map(|&(_, committee_id)| committee_id));
    let mut built_at = HashMap::new();
    for &committee_id in &committee_ids {
        built_at.insert(committee_id, case_views::version(conn, committee_id)?);
    }
    let ids: Vec<i64> = cases.iter().map(|&(id, _)| id).collect();
    let mut found = cases::of_ids(conn, &ids)?;
    found.retain(|c| cases.contains(&(c.id, c.committee_id)));
    let mut committees = HashMap::new();
    for &committee_id in &committee_ids {
        committees.insert(committee_id, committees::find(conn, committee_id)?);
    }
    let loaded = Loaded::read(conn, &found)?;
    found
        .iter()
        .map(|case| {
            let view = loaded.view(&committees[&case.committee_id], case, Contacts::Masked, lang);
            let json = serde_json::to_string(&view).map_err(|e| AppError::Internal(e.into()))?;
            let built_at = built_at[&case.committee_id];
            Ok(case_views::Built { committee_id: case.committee_id, case_id: case.id, lang, built_at, json })
        })
        .collect()
}

/// The JSON of a masked view: as stored, compressed, or just built.
#[derive(Debug)]
pub enum ViewJson {
    /// The stored view, compressed with gzip.
    Gzipped(case_views::Gzipped),
    /// A view built for this read.
    Plain(String),
}

impl ViewJson {
    /// The JSON, inflated if it is compressed.
    pub fn into_plain(self) -> AppResult<Vec<u8>> {
        match self {
            ViewJson::Gzipped(gzipped) => gzipped.inflate().map_err(|e| AppError::Internal(e.into())),
            ViewJson::Plain(json) => Ok(json.into_bytes()),
        }
    }
}

/// The masked view of case `id` of `committee_id`: the stored one while it
/// is current, else built and handed to `writer` to be stored. It is the
/// same for everyone of the committee.
fn masked_json(conn: &mut DbConn, db: &Db, committee_id: i64, id: i64, lang: Lang) -> AppResult<ViewJson> {
    if let Some(stored) = case_views::find(conn, committee_id, id, lang)? {
        return Ok(ViewJson::Gzipped(stored));
    }
    let built = build_masked(conn, committee_id, id, lang)?;
    let json = built.json.clone();
    db.store_view(built);
    Ok(ViewJson::Plain(json))
}

/// The masked view of case `id` of `committee_id`: the stored one read at
/// once on the thread's own connection where the backend allows (see
/// [`crate::db::reader`]), else `masked_json` on a database thread, which
/// also builds a missing view or reports the error of a failed read.
pub async fn masked_view(db: &Db, committee_id: i64, id: i64, lang: Lang) -> AppResult<ViewJson> {
    if let Some(Some(stored)) = db.read_here(|conn| case_views::find(conn, committee_id, id, lang)) {
        return Ok(ViewJson::Gzipped(stored));
    }
    let store = db.clone();
    db.run(move |conn| masked_json(conn, &store, committee_id, id, lang)).await
}

/// The view of case `id` of the user's committee with contacts in full:
/// built each time, never stored, and its reading audited.
pub fn revealed_view(conn: &mut DbConn, user: &User, id: i64, lang: Lang) -> AppResult<CaseView> {
    let case = cases::find(conn, user.committee_id, id)?;
    let committee = committees::find(conn, user.committee_id)?;
    crate::db::audit::record_reveal(conn, &user.actor(), committee.id, "case", id)?;
    case_view(conn, &committee, &case, Contacts::Revealed, lang)
}
