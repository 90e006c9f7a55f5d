//! Reading agreements for the pages: with their case, their signers, or as
//! the source of a new draft.

use super::{AgreementView, TermParty, agreement_view, term_parties};
use crate::app::error::{AppError, AppResult};
use crate::db::agreements::{self, Agreement};
use crate::db::cases::{self, Case};
use crate::db::committees::{self, Committee};
use crate::db::users::User;
use crate::db::{Db, DbConn, parties};
use crate::domain::Invalid;
use crate::domain::agreement::AgreementStatus;
use crate::domain::language::Lang;

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

/// The signers of an agreement: each party, the mediator, the recorder, the seal.
fn signers_of(conn: &mut DbConn, a: &Agreement, committee: &Committee) -> AppResult<Vec<Signer>> {
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
    let named = |role: &str| sigs.iter().find(|s| s.role == role).map(|s| s.signer_name.clone());
    for (role, required) in [("mediator", true), ("recorder", false)] {
        let name = named(role);
        out.push(Signer {
            key: role.into(),
            role,
            party_role: None,
            signed: name.is_some(),
            name: name.unwrap_or_default(),
            required,
        });
    }
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

/// An agreement of the user's committee, with its case and its signers.
pub async fn with_signers(db: &Db, user: &User, id: i64, lang: Lang) -> AppResult<(Case, AgreementView, Vec<Signer>)> {
    let committee_id = user.committee_id;
    db.run(move |conn| {
        let committee = committees::find(conn, committee_id)?;
        let (a, case) = agreements::find(conn, committee.id, id)?;
        let signers = signers_of(conn, &a, &committee)?;
        Ok((case, agreement_view(conn, &committee, &a, lang)?, signers))
    })
    .await
}

/// An agreement of the user's committee with its case and committee.
pub async fn with_case(db: &Db, user: &User, id: i64, lang: Lang) -> AppResult<(Committee, Case, AgreementView)> {
    let committee_id = user.committee_id;
    db.run(move |conn| {
        let committee = committees::find(conn, committee_id)?;
        let (a, case) = agreements::find(conn, committee.id, id)?;
        let view = agreement_view(conn, &committee, &a, lang)?;
        Ok((committee, case, view))
    })
    .await
}

/// A draft to edit, with its case and the parties its terms may name; an
/// agreement past drafting is refused.
pub async fn draft_to_edit(
    db: &Db,
    user: &User,
    id: i64,
    lang: Lang,
) -> AppResult<(Case, AgreementView, Vec<TermParty>)> {
    let committee_id = user.committee_id;
    let (case, view, parties) = db
        .run(move |conn| {
            let committee = committees::find(conn, committee_id)?;
            let (a, case) = agreements::find(conn, committee.id, id)?;
            let view = agreement_view(conn, &committee, &a, lang)?;
            let parties = term_parties(conn, case.id)?;
            Ok::<_, AppError>((case, view, parties))
        })
        .await?;
    if view.status != AgreementStatus::Draft.code() {
        return Err(AppError::conflict(Invalid::new("conflict.agreement_not_draft").with("status", &view.status)));
    }
    Ok((case, view, parties))
}

/// What a new draft starts from: the committee, the case, and the
/// agreement it amends (of the same case), if any.
pub struct DraftSource {
    /// The committee.
    pub committee: Committee,
    /// The case.
    pub case: Case,
    /// The agreement the new draft amends.
    pub amends: Option<AgreementView>,
    /// The parties its terms may name.
    pub parties: Vec<TermParty>,
}

/// The source of a new draft of case `case_id`, amending `amends`.
pub async fn draft_source(
    db: &Db,
    user: &User,
    case_id: i64,
    amends: Option<i64>,
    lang: Lang,
) -> AppResult<DraftSource> {
    let committee_id = user.committee_id;
    db.run(move |conn| {
        let committee = committees::find(conn, committee_id)?;
        let case = cases::find(conn, committee.id, case_id)?;
        let amends = match amends {
            Some(id) => {
                let (a, of_case) = agreements::find(conn, committee.id, id)?;
                if of_case.id != case.id {
                    return Err(AppError::NotFound);
                }
                Some(agreement_view(conn, &committee, &a, lang)?)
            }
            None => None,
        };
        let parties = term_parties(conn, case.id)?;
        Ok(DraftSource { committee, case, amends, parties })
    })
    .await
}

/// What an editor posts to: case `id`'s new agreement, or draft `id`;
/// with the parties its terms may name.
pub async fn editor_target(
    db: &Db,
    user: &User,
    id: i64,
    draft: bool,
) -> AppResult<(Committee, Case, Option<Agreement>, Vec<TermParty>)> {
    let committee_id = user.committee_id;
    db.run(move |conn| {
        let committee = committees::find(conn, committee_id)?;
        let (case, a) = if draft {
            let (a, case) = agreements::find(conn, committee_id, id)?;
            (case, Some(a))
        } else {
            (cases::find(conn, committee_id, id)?, None)
        };
        let parties = term_parties(conn, case.id)?;
        Ok((committee, case, a, parties))
    })
    .await
}
