//! Complaints: intake, the list, one complaint and its likely duplicates,
//! putting complaints in cases.

use chrono::{Datelike, Utc};

use crate::app::case_view::SearchMatch;
use crate::app::case_view::parts::{ComplaintView, Contacts};
use crate::app::error::{AppError, AppResult};
use crate::db::complaints::{self, ComplaintFilter};
use crate::db::users::User;
use crate::db::{Db, audit, committees};
use crate::domain::commands::complaint::ComplaintFields;
use crate::search::{Query, marked};

/// Records a complaint of the user's committee. Complaints arriving
/// together are written together (see `db::intake`); the answer comes
/// once the complaint's transaction has committed.
pub async fn register_complaint(db: &Db, user: &User, fields: ComplaintFields) -> AppResult<ComplaintView> {
    let now = Utc::now().naive_utc();
    let new = fields.parse(user.committee_id, now, Utc::now().year())?;
    let (c, reporter, offset) = db.record_complaint(user.actor(), new).await?;
    Ok(ComplaintView::new(&c, reporter.as_ref(), Contacts::Masked, offset))
}

/// One complaint; an anonymous complaint's reporter is not shown.
pub async fn complaint(db: &Db, user: &User, id: i64) -> AppResult<ComplaintView> {
    let committee_id = user.committee_id;
    db.run(move |conn| {
        let c = complaints::find(conn, committee_id, id)?;
        let offset = committees::find(conn, committee_id)?.utc_offset_minutes;
        let (c, reporter) = complaints::with_reporter(conn, c)?;
        Ok::<_, AppError>(ComplaintView::new(&c, reporter.as_ref(), Contacts::Masked, offset))
    })
    .await
}

/// One complaint with its reporter's contact details in full — an
/// anonymous reporter's too: a mediator's or an administrator's act (the
/// caller checks the role), recorded in the audit chain.
pub async fn reveal_complaint_contacts(db: &Db, user: &User, id: i64) -> AppResult<ComplaintView> {
    let user = user.clone();
    db.run(move |conn| {
        let c = complaints::find(conn, user.committee_id, id)?;
        let offset = committees::find(conn, user.committee_id)?.utc_offset_minutes;
        audit::record_reveal(conn, &user.actor(), user.committee_id, "complaint", id)?;
        let (c, reporter) = complaints::with_reporter(conn, c)?;
        Ok::<_, AppError>(ComplaintView::revealed(&c, reporter.as_ref(), offset))
    })
    .await
}

/// Complaints of the user's committee, newest first.
pub async fn list_complaints(db: &Db, user: &User, filter: ComplaintFilter) -> AppResult<Vec<ComplaintView>> {
    let committee_id = user.committee_id;
    db.run(move |conn| {
        let offset = committees::find(conn, committee_id)?.utc_offset_minutes;
        let query = filter.q.as_deref().map(Query::new);
        let mut items = Vec::new();
        for c in complaints::list(conn, committee_id, &filter)? {
            let (c, reporter) = complaints::with_reporter(conn, c)?;
            let mut view = ComplaintView::new(&c, reporter.as_ref(), Contacts::Masked, offset);
            view.matched = query.as_ref().and_then(|q| found_in(q, &c));
            items.push(view);
        }
        Ok::<_, AppError>(items)
    })
    .await
}

/// Where a search found a complaint: its place, else its description, cut
/// around the match.
pub fn found_in(query: &Query, c: &complaints::Complaint) -> Option<SearchMatch> {
    [("location", &c.location), ("description", &c.description)].into_iter().find_map(|(field, text)| {
        let (before, text, after) = marked(query, text, MATCH_CONTEXT)?;
        Some(SearchMatch { field: field.to_owned(), before, text, after })
    })
}

/// Characters kept on each side of a complaint's match.
const MATCH_CONTEXT: usize = 30;

/// Likely duplicates of a complaint: same category and location (spaces
/// and full-width characters ignored), within 60 days, in a case or not.
pub async fn similar_complaints(db: &Db, user: &User, id: i64) -> AppResult<Vec<ComplaintView>> {
    let committee_id = user.committee_id;
    db.run(move |conn| {
        let c = complaints::find(conn, committee_id, id)?;
        let offset = committees::find(conn, committee_id)?.utc_offset_minutes;
        let mut items = Vec::new();
        for other in complaints::similar(conn, &c)? {
            let (other, reporter) = complaints::with_reporter(conn, other)?;
            items.push(ComplaintView::new(&other, reporter.as_ref(), Contacts::Masked, offset));
        }
        Ok::<_, AppError>(items)
    })
    .await
}

/// Puts a complaint in a case; answers the case's number.
pub async fn attach_complaint(db: &Db, user: &User, case_id: i64, complaint_id: i64) -> AppResult<String> {
    let user = user.clone();
    db.run(move |conn| {
        complaints::attach(conn, &user.actor(), user.committee_id, case_id, complaint_id)?;
        Ok::<_, AppError>(crate::db::cases::find(conn, user.committee_id, case_id)?.number)
    })
    .await
}

/// Takes a complaint out of a case.
pub async fn detach_complaint(db: &Db, user: &User, case_id: i64, complaint_id: i64) -> AppResult<()> {
    let user = user.clone();
    db.run(move |conn| {
        complaints::detach(conn, &user.actor(), user.committee_id, case_id, complaint_id)?;
        Ok::<_, AppError>(())
    })
    .await
}

/// Complaints of the user's committee, newest first, each with the number
/// of its likely duplicates; and the committee's UTC offset.
pub async fn list_with_duplicates(
    db: &Db,
    user: &User,
    filter: ComplaintFilter,
) -> AppResult<(i32, Vec<(complaints::Complaint, usize)>)> {
    let committee_id = user.committee_id;
    db.run(move |conn| {
        let offset = committees::find(conn, committee_id)?.utc_offset_minutes;
        let mut rows = Vec::new();
        for c in complaints::list(conn, committee_id, &filter)? {
            let similar = complaints::similar(conn, &c)?.len();
            rows.push((c, similar));
        }
        Ok::<_, AppError>((offset, rows))
    })
    .await
}

/// One complaint as the complaint page shows it.
pub struct ComplaintDetail {
    /// The committee's UTC offset in minutes.
    pub offset: i32,
    /// The complaint.
    pub complaint: complaints::Complaint,
    /// Its reporter, unless anonymous.
    pub reporter: Option<crate::db::parties::Party>,
    /// Its likely duplicates.
    pub similar: Vec<complaints::Complaint>,
    /// Open cases it could be put into.
    pub open_cases: Vec<crate::db::cases::Listed>,
}

/// Complaint `id` of the user's committee with its likely duplicates and
/// the open cases it could join. Contacts are for the page to mask.
pub async fn complaint_detail(db: &Db, user: &User, id: i64) -> AppResult<ComplaintDetail> {
    let committee_id = user.committee_id;
    db.run(move |conn| {
        let offset = committees::find(conn, committee_id)?.utc_offset_minutes;
        let c = complaints::find(conn, committee_id, id)?;
        let similar = complaints::similar(conn, &c)?;
        let open_cases = crate::db::dashboard::open_cases(conn, committee_id, None, 200)?;
        let (complaint, reporter) = complaints::with_reporter(conn, c)?;
        let reporter = reporter.filter(|_| !complaint.anonymous);
        Ok::<_, AppError>(ComplaintDetail { offset, complaint, reporter, similar, open_cases })
    })
    .await
}
