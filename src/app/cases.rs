//! Cases: registering, reading (masked, or with contacts revealed), the
//! list, moves of the state machine, changes and parties.

use chrono::{Datelike, Utc};

use crate::app::case_view::parts::Contacts;
use crate::app::case_view::{CaseSummary, CaseView, case_view};
use crate::app::error::{AppError, AppResult};
use crate::db::cases::{self, Case, CaseFilter, Names};
use crate::db::users::User;
use crate::db::{Db, committees, complaints};
use crate::domain::account::Role;
use crate::domain::commands::case::{CaseChangeFields, CaseChanges, CaseFields, MoveFields, PartyFields};
use crate::domain::language::Lang;

/// Registers a case of the user's committee: it gets the next number of
/// the committee's year; its location defaults to its first complaint's,
/// its mediator to the registering mediator.
pub async fn register_case(db: &Db, user: &User, fields: CaseFields) -> AppResult<Case> {
    let now = Utc::now().naive_utc();
    let mediators = if user.role() == Role::Mediator { vec![user.id] } else { Vec::new() };
    let mut new = fields.parse(now, now.year(), mediators)?;
    let user = user.clone();
    db.run(move |conn| {
        let committee = committees::find(conn, user.committee_id)?;
        if new.location.is_none()
            && let Some(first) = new.complaint_ids.first()
            && let Ok(c) = complaints::find(conn, committee.id, *first)
        {
            new.location = Some(c.location);
        }
        Ok::<_, AppError>(cases::create(conn, &user.actor(), &committee, &new, Utc::now().naive_utc())?)
    })
    .await
}

/// The masked view of a case just written (contacts masked, an anonymous
/// complainant never shown), built afresh.
pub async fn view_of(db: &Db, user: &User, case_id: i64, lang: Lang) -> AppResult<CaseView> {
    let committee_id = user.committee_id;
    db.run(move |conn| {
        let committee = committees::find(conn, committee_id)?;
        let case = cases::find(conn, committee_id, case_id)?;
        case_view(conn, &committee, &case, Contacts::Masked, lang)
    })
    .await
}

/// A case with its parties' phone and identity numbers in full: a
/// mediator's or an administrator's act (the caller checks the role),
/// recorded in the audit chain. An anonymous complainant stays hidden
/// (Noise Law Art 31).
pub async fn reveal_case_contacts(db: &Db, user: &User, id: i64, lang: Lang) -> AppResult<CaseView> {
    let user = user.clone();
    db.run(move |conn| crate::app::case_view::revealed_view(conn, &user, id, lang)).await
}

/// Cases of the user's committee, newest first, as the list shows them.
pub async fn list_cases(db: &Db, user: &User, filter: CaseFilter) -> AppResult<Vec<CaseSummary>> {
    let (offset, listed) = listed_cases(db, user, filter).await?;
    Ok(listed.into_iter().map(|c| CaseSummary::new(c, offset)).collect())
}

/// Whose names a user's search finds cases by: every role sees the parties
/// of its committee's cases; the complainants who gave their names, only
/// those who take complaints and work the cases (staff who print do not).
pub fn searchable_names(role: Role) -> Names {
    match role {
        Role::Admin | Role::Mediator | Role::GridWorker => Names::PartiesAndComplainants,
        Role::Staff => Names::Parties,
    }
}

/// A case as a list shows it.
#[derive(Debug, Clone)]
pub struct ListedCase {
    /// Its listed columns.
    pub case: cases::Listed,
    /// Where a search found it.
    pub hit: Option<cases::Hit>,
    /// By how much its measurements exceeded the limit at most, when they did.
    pub exceeds_by_db: Option<f64>,
}

/// Cases of the user's committee, newest first, as stored, with where a
/// search found each and their greatest exceedance; and the committee's
/// UTC offset.
pub async fn listed_cases(db: &Db, user: &User, mut filter: CaseFilter) -> AppResult<(i32, Vec<ListedCase>)> {
    let committee_id = user.committee_id;
    filter.names = searchable_names(user.role());
    db.read(move |conn| {
        let offset = committees::find(conn, committee_id)?.utc_offset_minutes;
        let found = cases::list(conn, committee_id, &filter)?;
        let ids: Vec<i64> = found.iter().map(|(c, _)| c.id).collect();
        let mut exceeded = cases::exceedances(conn, &ids)?;
        let listed = found
            .into_iter()
            .map(|(case, hit)| ListedCase { exceeds_by_db: exceeded.remove(&case.id), case, hit })
            .collect();
        Ok::<_, AppError>((offset, listed))
    })
    .await
}

/// Moves a case along its state machine; an illegal move is a conflict
/// naming the allowed moves.
pub async fn move_case(db: &Db, user: &User, id: i64, fields: MoveFields) -> AppResult<Case> {
    let request = fields.parse()?;
    let user = user.clone();
    db.run(move |conn| {
        let now = Utc::now().naive_utc();
        Ok::<_, AppError>(cases::transition(conn, &user.actor(), user.committee_id, id, &request, now)?)
    })
    .await
}

/// Changes a case's title, risk level, public-session choice, facts,
/// mediators or prevention counts.
pub async fn update_case(db: &Db, user: &User, id: i64, fields: CaseChangeFields) -> AppResult<Case> {
    change_case(db, user, id, fields.parse()?).await
}

/// Applies checked changes to a case.
pub async fn change_case(db: &Db, user: &User, id: i64, changes: CaseChanges) -> AppResult<Case> {
    let user = user.clone();
    db.run(move |conn| {
        let now = Utc::now().naive_utc();
        Ok::<_, AppError>(cases::update(conn, &user.actor(), user.committee_id, id, &changes, now)?)
    })
    .await
}

/// Adds a party to a case.
pub async fn add_party(db: &Db, user: &User, id: i64, fields: PartyFields) -> AppResult<()> {
    let party = fields.parse(Utc::now().year())?;
    let user = user.clone();
    db.run(move |conn| {
        cases::add_party(conn, &user.actor(), user.committee_id, id, &party, Utc::now().naive_utc())?;
        Ok::<_, AppError>(())
    })
    .await
}

/// What the new-case form offers.
pub struct CaseFormSource {
    /// Those of the complaints asked for that are in no case yet.
    pub complaints: Vec<complaints::Complaint>,
    /// The name and address of the first of them whose reporter is not
    /// anonymous: the likely applicant (the phone stays sealed).
    pub applicant: Option<(String, Option<String>)>,
    /// The active mediators (and administrators) to assign: id and name.
    pub mediators: Vec<(i64, String)>,
}

/// What the new-case form offers for complaints `ids` of the user's committee.
pub async fn case_form_source(db: &Db, user: &User, ids: Vec<i64>) -> AppResult<CaseFormSource> {
    let committee_id = user.committee_id;
    db.run(move |conn| {
        let mut open = Vec::new();
        let mut applicant = None;
        for id in ids {
            if let Ok(c) = complaints::find(conn, committee_id, id)
                && c.case_id.is_none()
            {
                let (c, reporter) = complaints::with_reporter(conn, c)?;
                if applicant.is_none()
                    && !c.anonymous
                    && let Some(p) = reporter
                {
                    applicant = Some((p.name, p.address));
                }
                open.push(c);
            }
        }
        let mediators = crate::db::users::list(conn, committee_id)?
            .into_iter()
            .filter(|u| u.active && matches!(u.role(), Role::Mediator | Role::Admin))
            .map(|u| (u.id, u.display_name))
            .collect();
        Ok::<_, AppError>(CaseFormSource { complaints: open, applicant, mediators })
    })
    .await
}
