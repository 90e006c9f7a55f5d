//! The full JSON view of a case.

pub mod parts;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::agreements::{AgreementView, agreement_view_of};
use crate::app::case_view::parts::{ComplaintView, Contacts, PartyView};
use crate::app::cases::ListedCase;
use crate::app::error::{AppError, AppResult};
use crate::app::field_work::{InvestigationView, MeasurementView};
use crate::app::follow_ups::summary_view;
use crate::app::mediation::{MeetingView, ReferralView, SessionView};
use crate::db::cases::{self, Case, Hit};
use crate::db::committees::{self, Committee};
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
    let offset = committee.utc_offset_minutes;
    let records = timeline::Records::load(conn, case.id)?;
    let case_parties = parties::of_case(conn, case.id)?;
    let reporters: std::collections::HashMap<i64, parties::Party> = parties::reporters_of_case(conn, case.id)?
        .into_iter()
        .filter(|p| p.committee_id == case.committee_id)
        .map(|p| (p.id, p))
        .collect();
    let complaint_views = records
        .complaints
        .iter()
        .map(|c| ComplaintView::new(c, c.reporter_party_id.and_then(|id| reporters.get(&id)), contacts, offset))
        .collect();
    let mut session_views = Vec::new();
    for s in &records.sessions {
        let refs = mediation::session_references(conn, s.id)?;
        session_views.push(SessionView::new(s, refs, offset));
    }
    let mut meeting_views = Vec::new();
    for m in &records.meetings {
        let refs = mediation::meeting_references(conn, m.id)?;
        meeting_views.push(MeetingView::new(m, refs, offset));
    }
    let mut agreement_views = Vec::new();
    for (a, sigs) in &records.agreements {
        agreement_views.push(agreement_view_of(conn, committee, a, sigs, &case_parties, lang)?);
    }
    let timeline = timeline::of_records(conn, case, &records)?;
    Ok(CaseView {
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
        mediators: cases::mediators(conn, case.id)?
            .into_iter()
            .map(|u| MediatorView { id: u.id, display_name: u.display_name })
            .collect(),
        parties: case_parties.iter().map(|(cp, p)| PartyView::new(cp, p, contacts)).collect(),
        complaints: complaint_views,
        investigations: records.investigations.iter().map(|i| InvestigationView::new(i, offset)).collect(),
        measurements: records.measurements.iter().map(|m| MeasurementView::new(m, offset)).collect(),
        sessions: session_views,
        meetings: meeting_views,
        agreements: agreement_views,
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
    })
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
/// next batch of cases in turn: building a view is a score of queries,
/// which wait on the database's round trips more than on either side's work.
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
        let mut built = Vec::with_capacity(batch.len());
        for &(id, committee_id) in &batch {
            match build_masked(conn, committee_id, id, lang) {
                Ok(view) => built.push(view),
                Err(AppError::NotFound) => {}
                Err(e) => {
                    shared.lock().map_err(|_| poisoned())?.done = true;
                    return Err(e);
                }
            }
        }
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
    let built_at = case_views::version(conn, committee_id)?;
    let case = cases::find(conn, committee_id, id)?;
    let committee = committees::find(conn, committee_id)?;
    let view = case_view(conn, &committee, &case, Contacts::Masked, lang)?;
    let json = serde_json::to_string(&view).map_err(|e| AppError::Internal(e.into()))?;
    Ok(case_views::Built { committee_id, case_id: id, lang, built_at, json })
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
