//! The signed-in user's start page: what needs doing today.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::TimeDelta;

use super::{CaseRow, ComplaintRow};
use crate::app::dashboard::overview;
use crate::app::error::AppResult;
use crate::domain::account::Role;
use crate::domain::clock::{format_instant, local_date};
use crate::web::http::context::{RequestContext, SignedIn};
use crate::web::http::state::AppState;
use crate::web::ui::page::{PageContext, render};

/// A follow-up is due when an effective agreement has had no visit for this long.
pub const FOLLOW_UP_EVERY: TimeDelta = TimeDelta::days(30);
/// Confirmation windows closing within this many days are listed.
pub const CONFIRMATION_WARNING_DAYS: i64 = 7;
/// Possible breaches of monitored nights listed, newest first.
const NIGHT_REVIEWS_SHOWN: i64 = 10;

/// An agreement in one of the dashboard's lists.
#[derive(Debug, Clone)]
pub struct AgreementRow {
    /// Agreement.
    pub agreement_id: i64,
    /// Case.
    pub case_id: i64,
    /// Case number.
    pub number: String,
    /// Case title.
    pub title: String,
    /// The date that matters (deadline, or last visit).
    pub date: String,
    /// Days left (confirmation list).
    pub days_left: i64,
}

/// A party's report through the portal.
#[derive(Debug, Clone)]
pub struct ReportRow {
    /// Case.
    pub case_id: i64,
    /// Case number.
    pub number: String,
    /// Case title.
    pub title: String,
    /// partly / not_kept.
    pub answer: String,
    /// Who reported.
    pub by: String,
    /// When, local.
    pub at: String,
    /// In their words.
    pub note: String,
}

/// The dashboard.
#[derive(Template)]
#[template(path = "ui/dashboard.html")]
struct DashboardPage {
    page: PageContext,
    committee_name: String,
    role_label: String,
    triage: Vec<ComplaintRow>,
    my_cases: Vec<CaseRow>,
    mine_only: bool,
    follow_ups_due: Vec<AgreementRow>,
    confirmations: Vec<AgreementRow>,
    breaches: Vec<CaseRow>,
    reports: Vec<ReportRow>,
    /// Possible breaches found by noise monitors, for a mediator to review.
    night_reviews: Vec<crate::app::night_review::ReviewItem>,
    /// How many wait in all.
    night_reviews_total: i64,
    can_triage: bool,
    /// The page's language is not the account's own: offer to make it so.
    offer_language: bool,
}

/// Shows the dashboard.
pub async fn dashboard(
    state: web::Data<AppState>,
    req: HttpRequest,
    ctx: RequestContext,
    user: SignedIn,
) -> AppResult<HttpResponse> {
    let user = user.0;
    let page = PageContext::new(&ctx, &req);
    let lang = ctx.lang;
    let mine_only = user.role() == Role::Mediator;
    let can_triage = matches!(user.role(), Role::Mediator | Role::Admin | Role::GridWorker);
    let offer_language = user.language() != Some(lang);
    let role_label = page.t(&format!("role.{}", user.role().code()));
    let now = state.config.clock.now();
    let data = overview(&state.db, &user, now).await?;
    let committee_name = data.committee.name.clone();
    let offset = data.committee.utc_offset_minutes;
    let triage = data.triage.iter().map(|(c, similar)| ComplaintRow::new(c, *similar, offset, lang)).collect();
    let (breached, working): (Vec<_>, Vec<_>) = data.open.into_iter().partition(|c| c.status == "breached");
    let today = local_date(now, offset);
    let mut follow_ups_due = Vec::new();
    let mut confirmations = Vec::new();
    for a in data.effective {
        let last = a.last_follow_up.or(a.effective_at).unwrap_or(now);
        if now - last >= FOLLOW_UP_EVERY {
            follow_ups_due.push(AgreementRow {
                agreement_id: a.agreement_id,
                case_id: a.case_id,
                number: a.number.clone(),
                title: a.title.clone(),
                date: format_instant(last, offset).chars().take(10).collect(),
                days_left: 0,
            });
        }
        if let Some(deadline) = a.confirmation_deadline {
            let left = (deadline - today).num_days();
            if (0..=CONFIRMATION_WARNING_DAYS).contains(&left) {
                confirmations.push(AgreementRow {
                    agreement_id: a.agreement_id,
                    case_id: a.case_id,
                    number: a.number,
                    title: a.title,
                    date: deadline.to_string(),
                    days_left: left,
                });
            }
        }
    }
    let rows = |cases: Vec<crate::db::cases::Listed>| {
        cases.into_iter().map(|c| CaseRow::new(c, offset, lang)).collect::<Vec<_>>()
    };
    let reports = data
        .resident_reports
        .into_iter()
        .map(|r| ReportRow {
            case_id: r.case_id,
            number: r.number,
            title: r.title,
            answer: r.follow_up.resident_answer.clone().unwrap_or_default(),
            by: r.follow_up.visitor.clone(),
            at: super::short_time(r.follow_up.visited_at, offset),
            note: r.follow_up.notes.clone().unwrap_or_default(),
        })
        .collect::<Vec<_>>();
    let (my_cases, breaches) = (rows(working), rows(breached));
    let (night_reviews, night_reviews_total) = if crate::web::http::access::MEDIATION.contains(&user.role()) {
        crate::app::night_review::findings_to_review(&state.db, user.committee_id, NIGHT_REVIEWS_SHOWN).await?
    } else {
        (Vec::new(), 0)
    };
    render(&DashboardPage {
        page,
        committee_name,
        role_label,
        triage,
        my_cases,
        mine_only,
        follow_ups_due,
        confirmations,
        breaches,
        reports,
        night_reviews,
        night_reviews_total,
        can_triage,
        offer_language,
    })
}
