//! Signature collection: who still has to sign, and the pad for the one
//! signing now.

use super::*;

/// Signature collection.
#[derive(Template)]
#[template(path = "ui/sign.html")]
pub(super) struct SignPage {
    page: PageContext,
    case: CaseHead,
    agreement: AgreementView,
    signers: Vec<Signer>,
    current: Option<Signer>,
    /// Whether signatures are still collected (not yet in force).
    collecting: bool,
    errors: FormErrors,
    method: String,
    my_name: String,
}

/// Query of the signature page: who signs now.
#[derive(Debug, Deserialize)]
pub struct SignQuery {
    signer: Option<String>,
}

#[allow(clippy::too_many_arguments)]
pub(super) async fn sign_page(
    state: &AppState,
    req: &HttpRequest,
    ctx: &RequestContext,
    user: &User,
    id: i64,
    signer: Option<String>,
    errors: FormErrors,
    method: String,
) -> AppResult<HttpResponse> {
    let lang = ctx.lang;
    let (case, agreement, signers) = act::with_signers(&state.db, user, id, lang).await?;
    let case = CaseHead::of(&case);
    // The one asked for, else the first who has not signed: the seal
    // last, as it makes the agreement take effect and closes signing — an
    // optional recorder is offered before it. Nobody once it is in force.
    let collecting = agreement.status == "draft" || agreement.status == "signing";
    let current = match signer {
        _ if !collecting => None,
        Some(key) => signers.iter().find(|s| s.key == key && !s.signed).cloned(),
        None => signers
            .iter()
            .find(|s| !s.signed && s.role != "committee_seal")
            .or(signers.iter().find(|s| !s.signed))
            .cloned(),
    };
    let page = SignPage {
        page: PageContext::new(ctx, req),
        case,
        agreement,
        signers,
        current,
        collecting,
        method: if method.is_empty() { "on_screen".to_owned() } else { method },
        my_name: user.display_name.clone(),
        errors,
    };
    if page.errors.any() { refused(&page) } else { render(&page) }
}

/// Shows who still has to sign, and the pad for the one signing now.
pub async fn show_sign(
    state: web::Data<AppState>,
    req: HttpRequest,
    ctx: RequestContext,
    user: SignedIn,
    path: web::Path<i64>,
    query: web::Query<SignQuery>,
) -> AppResult<HttpResponse> {
    let user = user.require(SIGNING)?.clone();
    sign_page(
        &state,
        &req,
        &ctx,
        &user,
        path.into_inner(),
        query.into_inner().signer,
        FormErrors::none(),
        String::new(),
    )
    .await
}

/// Records one signature from the signature page.
pub async fn sign(
    state: web::Data<AppState>,
    req: HttpRequest,
    ctx: RequestContext,
    user: SignedIn,
    path: web::Path<i64>,
    form: FormData,
) -> AppResult<HttpResponse> {
    let user = user.require(SIGNING)?.clone();
    let id = path.into_inner();
    let key = form.text("signer");
    let (role, party_id) = match key.split_once(':') {
        Some(("party", pid)) => ("party".to_owned(), pid.parse::<i64>().ok()),
        _ => (key.clone(), None),
    };
    let method = form.text("method");
    let fields = SignatureFields {
        role,
        party_id,
        method: method.clone(),
        image_png_base64: (method == "on_screen").then(|| form.text("image_png_base64")).filter(|s| !s.is_empty()),
        signer_name: (key == "recorder").then(|| form.text("signer_name")),
        signed_at: None,
    };
    let signed = act::sign_agreement(&state.db, &user, id, fields, &state.config.base_url, ctx.lang).await;
    let saved = form_errors(signed, ctx.lang)?;
    match saved {
        Ok(outcome) if outcome.took_effect => Ok(done(
            &state,
            &format!("/agreements/{id}"),
            "flash.agreement_effective",
            &outcome.agreement.version.to_string(),
        )),
        Ok(_) => Ok(done(&state, &format!("/agreements/{id}/sign"), "flash.signature_recorded", "")),
        Err(errors) => sign_page(&state, &req, &ctx, &user, id, Some(key), errors, method).await,
    }
}
