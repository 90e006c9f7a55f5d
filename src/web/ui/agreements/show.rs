//! The agreement page: the agreement, who has signed, and withdrawing it.

use super::*;

/// The agreement page.
#[derive(Template)]
#[template(path = "ui/agreement.html")]
pub(super) struct AgreementPage {
    page: PageContext,
    case: CaseHead,
    agreement: AgreementView,
    signers: Vec<Signer>,
    can_mediate: bool,
    can_sign: bool,
    can_follow_up: bool,
    verify_url: String,
}

/// Shows an agreement: terms, warnings, signatures, documents and actions.
pub async fn show_agreement(
    state: web::Data<AppState>,
    req: HttpRequest,
    ctx: RequestContext,
    user: SignedIn,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let user = user.require(EVERYONE)?.clone();
    let role = user.role();
    let id = path.into_inner();
    let lang = ctx.lang;
    let (case, agreement, signers) = act::with_signers(&state.db, &user, id, lang).await?;
    let case = CaseHead::of(&case);
    let verify_url = agreement.verification_code.as_ref().map(|c| format!("/verify/{c}")).unwrap_or_default();
    render(&AgreementPage {
        page: PageContext::new(&ctx, &req),
        case,
        agreement,
        signers,
        can_mediate: MEDIATION.contains(&role),
        can_sign: SIGNING.contains(&role),
        can_follow_up: FIELD_WORK.contains(&role),
        verify_url,
    })
}

/// Withdraws an agreement that has not taken effect (after confirmation).
pub async fn withdraw_agreement(
    state: web::Data<AppState>,
    user: SignedIn,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let user = user.require(MEDIATION)?;
    let id = path.into_inner();
    let a = act::withdraw_agreement(&state.db, user, id, crate::domain::language::Lang::default()).await?;
    Ok(done(&state, &format!("/agreements/{id}"), "flash.agreement_withdrawn", &a.version.to_string()))
}
