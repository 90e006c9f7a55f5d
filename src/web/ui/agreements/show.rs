//! The agreement page: the agreement, who has signed, and withdrawing it.

use super::*;

/// Someone who signs an agreement.
#[derive(Debug, Clone)]
pub struct Signer {
    /// `party:3`, `mediator`, `recorder` or `committee_seal`.
    pub key: String,
    /// Signer role code.
    pub role: &'static str,
    /// Party role code, for parties.
    pub party_role: Option<String>,
    /// Name.
    pub name: String,
    /// Whether the signature is recorded.
    pub signed: bool,
    /// Whether the agreement needs it to take effect.
    pub required: bool,
}

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

/// The signers of an agreement: each party, the mediator, the recorder, the seal.
pub(super) fn signers_of(conn: &mut crate::db::DbConn, a: &Agreement, committee: &Committee) -> AppResult<Vec<Signer>> {
    let sigs = agreements::signatures(conn, a.id)?;
    let signed = |role: &str, party: Option<i64>| sigs.iter().any(|s| s.role == role && s.party_id == party);
    let mut out = Vec::new();
    for (cp, p) in parties::of_case(conn, a.case_id)? {
        if !cp.role().signs_agreements() {
            continue;
        }
        out.push(Signer {
            key: format!("party:{}", p.id),
            role: "party",
            party_role: Some(cp.role.to_string()),
            name: p.name.clone(),
            signed: signed("party", Some(p.id)),
            required: true,
        });
    }
    let mediator = sigs.iter().find(|s| s.role == "mediator").map(|s| s.signer_name.clone());
    out.push(Signer {
        key: "mediator".into(),
        role: "mediator",
        party_role: None,
        signed: mediator.is_some(),
        name: mediator.unwrap_or_default(),
        required: true,
    });
    let recorder = sigs.iter().find(|s| s.role == "recorder").map(|s| s.signer_name.clone());
    out.push(Signer {
        key: "recorder".into(),
        role: "recorder",
        party_role: None,
        signed: recorder.is_some(),
        name: recorder.unwrap_or_default(),
        required: false,
    });
    out.push(Signer {
        key: "committee_seal".into(),
        role: "committee_seal",
        party_role: None,
        name: committee.name.clone(),
        signed: signed("committee_seal", None),
        required: true,
    });
    Ok(out)
}

/// An agreement with its case and its signers.
pub(super) async fn with_signers(
    state: &AppState,
    committee_id: i64,
    id: i64,
    lang: crate::domain::language::Lang,
) -> AppResult<(CaseHead, AgreementView, Vec<Signer>)> {
    state
        .db(move |conn| {
            let committee = committees::find(conn, committee_id)?;
            let (a, case) = agreements::find(conn, committee.id, id)?;
            let signers = signers_of(conn, &a, &committee)?;
            Ok((CaseHead::of(&case), agreement_view(conn, &committee, &a, lang)?, signers))
        })
        .await
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
    let (case, agreement, signers) = with_signers(&state, user.committee_id, id, lang).await?;
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
