//! The case page with its timeline and next steps, moves of the state
//! machine, parties and prevention counts.

use super::*;

/// A button for a move of the state machine.
#[derive(Debug, Clone)]
pub struct MoveButton {
    /// Target status.
    pub to: &'static str,
    /// Whether it needs a reason form (terminate, refer).
    pub form: bool,
}

/// The case page.
#[derive(Template)]
#[template(path = "ui/case.html")]
pub(super) struct CasePage {
    page: PageContext,
    case: CaseView,
    moves: Vec<MoveButton>,
    documents: Vec<(&'static str, &'static str)>,
    can_mediate: bool,
    can_field_work: bool,
    can_print: bool,
    revealed: bool,
    closed: bool,
    /// A session reached agreement and no agreement is being drafted,
    /// signed or in force: drafting is the next step.
    agreed_without_draft: bool,
    errors: FormErrors,
    form: FormData,
    roles: Vec<&'static str>,
    /// The last 30 nights of each monitor checking an agreement of the case.
    nights: Vec<crate::app::monitor_nights::CaseNights>,
}

/// Shows a case: particulars, records, agreements, documents, timeline and
/// a button for each move the state machine allows. Contacts are masked.
pub async fn show_case(
    state: web::Data<AppState>,
    req: HttpRequest,
    ctx: RequestContext,
    user: SignedIn,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    case_page(&state, &req, &ctx, &user, id, false, FormData::new(), FormErrors::none(), false).await
}

/// Shows a case with its parties' contacts in full: a mediator's or an
/// administrator's act, by a form post (so no other site can make a
/// browser do it), recorded in the audit chain. The page is the answer to
/// the post, not stored anywhere.
pub async fn reveal_contacts(
    state: web::Data<AppState>,
    req: HttpRequest,
    ctx: RequestContext,
    user: SignedIn,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    user.require(CASE_WORK)?;
    let id = path.into_inner();
    case_page(&state, &req, &ctx, &user, id, true, FormData::new(), FormErrors::none(), false).await
}

#[allow(clippy::too_many_arguments)]
pub(super) async fn case_page(
    state: &AppState,
    req: &HttpRequest,
    ctx: &RequestContext,
    user: &SignedIn,
    id: i64,
    revealed: bool,
    form: FormData,
    errors: FormErrors,
    refusal: bool,
) -> AppResult<HttpResponse> {
    let user = user.require(EVERYONE)?.clone();
    let role = user.role();
    // Contacts are shown in full to the committee's case workers only, and audited.
    let revealed = revealed && CASE_WORK.contains(&role);
    let lang = ctx.lang;
    let case = if revealed {
        act::reveal_case_contacts(&state.db, &user, id, lang).await?
    } else {
        let json = masked_view(&state.db, user.committee_id, id, lang).await?.into_plain()?;
        serde_json::from_slice::<CaseView>(&json).map_err(|e| AppError::Internal(e.into()))?
    };
    let status = CaseStatus::parse(&case.status).map_err(|_| {
        AppError::Internal(anyhow::anyhow!("case {} has status {:?}, which names nothing", case.id, case.status))
    })?;
    let can_mediate = MEDIATION.contains(&role);
    let moves = if CASE_WORK.contains(&role) {
        status
            .next()
            .iter()
            .map(|s| MoveButton { to: s.code(), form: matches!(s, CaseStatus::Terminated | CaseStatus::Referred) })
            .collect()
    } else {
        Vec::new()
    };
    let has_agreement = !case.agreements.is_empty();
    let documents = Kind::ALL
        .into_iter()
        .filter(|k| match k {
            Kind::Agreement | Kind::ConfirmationApplication | Kind::FollowUp => has_agreement,
            Kind::OralAgreement => case.agreements.iter().any(|a| a.kind == "oral"),
            // Only a case the parties applied for has an application.
            Kind::Application => case.source == crate::domain::case::CaseSource::Application.code(),
            Kind::Investigation => !case.investigations.is_empty() || !case.measurements.is_empty(),
            Kind::SessionRecord => !case.sessions.is_empty() || !case.meetings.is_empty(),
            _ => true,
        })
        .map(|k| (k.code(), k.title_key()))
        .collect();
    let agreed_without_draft = matches!(status, CaseStatus::Investigating | CaseStatus::Mediating)
        && case.sessions.iter().any(|s| s.outcome == "agreed")
        && !case.agreements.iter().any(|a| matches!(a.status.as_str(), "draft" | "signing" | "effective"));
    let nights =
        crate::app::monitor_nights::case_nights(&state.db, user.committee_id, id, 30, state.config.clock.now()).await?;
    let page = CasePage {
        page: PageContext::new(ctx, req),
        nights,
        agreed_without_draft,
        moves,
        documents,
        can_mediate,
        can_field_work: FIELD_WORK.contains(&role),
        can_print: crate::web::ui::print_queue::PRINTING.contains(&role),
        revealed,
        closed: status.is_closed(),
        errors,
        form,
        roles: codes(PartyRole::ALL, PartyRole::code),
        case,
    };
    if refusal { refused(&page) } else { render(&page) }
}

/// Moves a case (the buttons and the termination and referral forms).
pub async fn move_case(
    state: web::Data<AppState>,
    req: HttpRequest,
    ctx: RequestContext,
    user: SignedIn,
    path: web::Path<i64>,
    form: FormData,
) -> AppResult<HttpResponse> {
    let writer = user.require(CASE_WORK)?.clone();
    let id = path.into_inner();
    let fields = MoveFields {
        to: form.text("to"),
        reason: form.opt("reason"),
        routes_explained: form.checked("routes_explained"),
        referred_to: form.opt("referred_to"),
    };
    let saved = form_errors(act::move_case(&state.db, &writer, id, fields).await, ctx.lang)?;
    match saved {
        Ok(case) => {
            let label = crate::i18n::t(ctx.lang, &format!("status.{}", case.status));
            Ok(done(&state, &format!("/cases/{id}"), "flash.case_moved", &label))
        }
        Err(errors) => case_page(&state, &req, &ctx, &user, id, false, form, errors, true).await,
    }
}

/// Adds a party from the case page.
pub async fn add_party(
    state: web::Data<AppState>,
    req: HttpRequest,
    ctx: RequestContext,
    user: SignedIn,
    path: web::Path<i64>,
    mut form: FormData,
) -> AppResult<HttpResponse> {
    let writer = user.require(CASE_WORK)?.clone();
    let id = path.into_inner();
    let birth_year = form.number::<i32>("party.birth_year");
    let fields = party_fields(&form, &|f: &str| format!("party.{f}"), birth_year);
    let name = fields.name.clone();
    let parsed = form.finish(fields.parse(Utc::now().year()).map_err(|e| prefix_fields(e.into(), "party.")));
    let saved = match parsed {
        Err(refused) => form_errors::<()>(Err(refused), ctx.lang)?,
        Ok(_) => {
            let added = act::add_party(&state.db, &writer, id, fields).await;
            form_errors(added.map_err(|e| prefix_fields(e, "party.")), ctx.lang)?
        }
    };
    match saved {
        Ok(()) => Ok(done(&state, &format!("/cases/{id}#parties"), "flash.party_added", &name)),
        Err(errors) => case_page(&state, &req, &ctx, &user, id, false, form, errors, true).await,
    }
}

/// Records the prevention counts of a case (the statistics' 防止民转刑 and
/// 防止群体性上访).
pub async fn set_flags(
    state: web::Data<AppState>,
    user: SignedIn,
    path: web::Path<i64>,
    form: FormData,
) -> AppResult<HttpResponse> {
    let user = user.require(CASE_WORK)?.clone();
    let id = path.into_inner();
    let changes = CaseChanges {
        prevented_criminal: Some(form.checked("prevented_criminal")),
        prevented_petition: Some(form.checked("prevented_petition")),
        ..CaseChanges::default()
    };
    let case = act::change_case(&state.db, &user, id, changes).await?;
    Ok(done(&state, &format!("/cases/{id}#flags"), "flash.flags_saved", &case.number))
}

/// Names refused fields as the form names them.
pub fn prefix_fields(error: AppError, prefix: &str) -> AppError {
    match error {
        AppError::Validation(fields) => AppError::Validation(
            fields
                .into_iter()
                .map(|mut f| {
                    f.field = format!("{prefix}{}", f.field);
                    f
                })
                .collect(),
        ),
        other => other,
    }
}

/// Takes a complaint out of a case (after confirmation).
pub async fn detach_complaint(
    state: web::Data<AppState>,
    user: SignedIn,
    path: web::Path<(i64, i64)>,
) -> AppResult<HttpResponse> {
    let user = user.require(CASE_WORK)?;
    let (case_id, complaint_id) = path.into_inner();
    crate::app::complaints::detach_complaint(&state.db, user, case_id, complaint_id).await?;
    Ok(done(&state, &format!("/cases/{case_id}"), "flash.complaint_detached", &complaint_id.to_string()))
}
