//! Follow-up visits: the form, one block per term, and recording it.

use super::*;

/// The follow-up form.
#[derive(Template)]
#[template(path = "ui/follow_up_form.html")]
pub(super) struct FollowUpPage {
    page: PageContext,
    case: CaseHead,
    agreement: AgreementView,
    form: FormData,
    errors: FormErrors,
    methods: Vec<Choice>,
}

pub(super) async fn follow_up_page(
    state: &AppState,
    req: &HttpRequest,
    ctx: &RequestContext,
    user: &User,
    id: i64,
    form: Option<FormData>,
    errors: FormErrors,
) -> AppResult<HttpResponse> {
    let lang = ctx.lang;
    let me = user.display_name.clone();
    let (committee, case, agreement) = act::with_case(&state.db, user, id, lang).await?;
    let (case, offset) = (CaseHead::of(&case), committee.utc_offset_minutes);
    let form = form.unwrap_or_else(|| {
        FormData::with([
            ("visited_at", to_local_input(Utc::now().naive_utc(), offset)),
            ("method", "visit".to_owned()),
            ("visitor", me),
        ])
    });
    let methods = choices(lang, &["visit", "phone", "night_check"], "visit_method", form.get("method"));
    let page = FollowUpPage { page: PageContext::new(ctx, req), case, agreement, form, errors, methods };
    if page.errors.any() { refused(&page) } else { render(&page) }
}

/// Shows the follow-up form, one block per term.
pub async fn new_follow_up(
    state: web::Data<AppState>,
    req: HttpRequest,
    ctx: RequestContext,
    user: SignedIn,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let user = user.require(FIELD_WORK)?.clone();
    follow_up_page(&state, &req, &ctx, &user, path.into_inner(), None, FormErrors::none()).await
}

/// Records a follow-up visit.
pub async fn create_follow_up(
    state: web::Data<AppState>,
    req: HttpRequest,
    ctx: RequestContext,
    user: SignedIn,
    path: web::Path<i64>,
    mut form: FormData,
) -> AppResult<HttpResponse> {
    let user = user.require(FIELD_WORK)?.clone();
    let id = path.into_inner();
    let offset = committee(&state.db, &user, user.committee_id).await?.utc_offset_minutes;
    let mut observations = Vec::new();
    for i in form.rows("observations") {
        let field = |f: &str| format!("observations[{i}].{f}");
        let measured_db = form.number::<f64>(&field("measured_db"));
        let o = ObservationFields {
            term_index: Some(i),
            observed_end: form.opt(&field("observed_end")),
            measured_db,
            indicative: form.checked(&field("indicative")),
            result: form.opt(&field("result")),
            note: form.opt(&field("note")),
        };
        if o.observed_end.is_some() || o.measured_db.is_some() || o.result.is_some() || o.note.is_some() {
            observations.push(o);
        }
    }
    let satisfaction = form.number::<i32>("satisfaction");
    let fields = FollowUpFields {
        visited_at: form.instant("visited_at", offset),
        method: form.text("method"),
        observations,
        satisfaction,
        notes: form.opt("notes"),
        risk_signs: form.opt("risk_signs"),
        measures: form.opt("measures"),
        lawsuit: form.checked("lawsuit"),
        visitor: Some(form.text("visitor")),
        mark_fulfilled: form.checked("mark_fulfilled"),
    };
    let parsed = form.finish(fields.parse(&user.display_name).map_err(AppError::from));
    let saved = match parsed {
        Err(refused) => form_errors::<crate::app::follow_ups::FollowUpView>(Err(refused), ctx.lang)?,
        Ok(_) => form_errors(record_follow_up(&state.db, &user, id, fields).await, ctx.lang)?,
    };
    match saved {
        Ok(outcome) => {
            let label = t(ctx.lang, &format!("compliance.{}", outcome.overall));
            Ok(done(&state, &format!("/agreements/{id}"), "flash.follow_up_recorded", &label))
        }
        Err(errors) => follow_up_page(&state, &req, &ctx, &user, id, Some(form), errors).await,
    }
}
