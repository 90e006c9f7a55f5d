//! An agreement's document: the written agreement or the register of an
//! oral one, read, rendered with no connection held, and archived.

use super::*;

/// The view model of a written agreement.
pub fn agreement_model(
    conn: &mut DbConn,
    committee: &Committee,
    case: &Case,
    a: &Agreement,
    settings: &PrintSettings,
) -> Result<AgreementDoc, PrintError> {
    if a.kind() != AgreementKind::Written {
        return Err(PrintError::NotApplicable);
    }
    let lang = settings.lang(committee);
    let content: AgreementContent = agreements::content(conn, committee, a, case)?;
    let kinds: std::collections::HashMap<i64, bool> =
        parties::of_case(conn, case.id)?.into_iter().map(|(_, p)| (p.id, p.kind == "organisation")).collect();
    let sigs = agreements::signatures(conn, a.id)?;
    let offset = committee.utc_offset_minutes;
    let mut signatures = Vec::new();
    for p in content.parties.iter().filter(|p| p.role != "representative") {
        let signed = sigs.iter().find(|s| s.role == "party" && s.party_id == Some(p.party_id));
        let agent = content
            .parties
            .iter()
            .find(|r| r.role == "representative" && r.represents.as_deref() == Some(p.name.as_str()));
        // The representative's own signature, recorded for the company.
        let agent_signed =
            match agent.and_then(|r| sigs.iter().find(|s| s.role == "party" && s.party_id == Some(r.party_id))) {
                Some(s) => Some(Box::new(SignatureBlock {
                    role: "party".into(),
                    party_role: Some("representative".into()),
                    party_name: None,
                    name: Some(s.signer_name.clone()),
                    method: Some(s.method.to_string()),
                    image: if s.image_sha256.is_some() { agreements::signature_image(conn, s.id)? } else { None },
                    date: Some(local_date(s.signed_at, offset)),
                    organisation: false,
                    representative: None,
                    representative_signed: None,
                })),
                None => None,
            };
        signatures.push(SignatureBlock {
            role: "party".into(),
            party_role: Some(p.role.clone()),
            party_name: Some(p.name.clone()),
            name: signed.map(|s| s.signer_name.clone()),
            method: signed.map(|s| s.method.to_string()),
            image: match signed {
                Some(s) if s.image_sha256.is_some() => agreements::signature_image(conn, s.id)?,
                _ => None,
            },
            date: signed.map(|s| local_date(s.signed_at, offset)),
            organisation: kinds.get(&p.party_id).copied().unwrap_or(false),
            representative: agent.map(|r| r.name.clone()),
            representative_signed: agent_signed,
        });
    }
    for role in ["mediator", "recorder"] {
        let signed = sigs.iter().find(|s| s.role == role);
        // An agreement in force carries the lines that were signed: a blank
        // line left on it would invite a signature after the fact.
        if signed.is_none() && a.status().is_frozen() {
            continue;
        }
        signatures.push(SignatureBlock {
            role: role.into(),
            party_role: None,
            party_name: None,
            name: signed.map(|s| s.signer_name.clone()),
            method: signed.map(|s| s.method.to_string()),
            image: match signed {
                Some(s) if s.image_sha256.is_some() => agreements::signature_image(conn, s.id)?,
                _ => None,
            },
            date: signed.map(|s| local_date(s.signed_at, offset)),
            organisation: false,
            representative: None,
            representative_signed: None,
        });
    }
    let sealed = sigs.iter().any(|s| s.role == "committee_seal");
    let seal_image = if sealed { committees::seal(conn, committee.id)? } else { None };
    let record_time = a.effective_at.unwrap_or(a.created_at);
    let effective = a.effective_at.map(|at| local_date(at, offset));
    Ok(AgreementDoc {
        header: header(committee, &case.number, lang, record_time),
        subtitle: content.subtitle.clone(),
        version: content.version,
        parties: content
            .parties
            .iter()
            .map(|p| PartyBlock {
                organisation_party: kinds.get(&p.party_id).copied().unwrap_or(false),
                ..party_block(p)
            })
            .collect(),
        facts: content.facts.clone(),
        disputed_matters: content.disputed_matters.clone(),
        responsibilities: content.responsibilities.clone(),
        terms: content.terms.iter().map(|t| term_text(t, lang, effective, &content.parties)).collect(),
        recurring: content.terms.iter().enumerate().filter(|(_, t)| recurs(t)).map(|(i, _)| i).collect(),
        performance_manner: content.performance.manner.clone(),
        performance_place: content.performance.place.clone(),
        performance_deadline: content.performance.deadline,
        copies: content.copies,
        signatures,
        seal_image,
        sealed,
        date: effective,
        content_hash: a.content_hash.clone(),
        verify_url: verify_url(a, settings),
    })
}

/// An agreement's document, its records read, ready to be rendered.
#[derive(Debug, Clone)]
pub enum AgreementDocument {
    /// A written agreement.
    Written(Box<AgreementDoc>),
    /// The register of an oral one.
    Oral(Box<OralAgreementDoc>),
}

impl AgreementDocument {
    /// The verification address it prints as a QR code (an agreement in
    /// force), if any.
    pub fn verify_url(&self) -> Option<&str> {
        match self {
            AgreementDocument::Written(doc) => doc.verify_url.as_deref(),
            AgreementDocument::Oral(doc) => doc.verify_url.as_deref(),
        }
    }

    /// Renders the PDF: work for a core, no database.
    pub fn render(&self) -> Result<Rendered, PrintError> {
        Ok(match self {
            AgreementDocument::Written(doc) => agreement_doc::render(doc)?,
            AgreementDocument::Oral(doc) => oral_agreement::render(doc)?,
        })
    }
}

/// Where a rendered agreement is archived.
#[derive(Debug, Clone)]
pub struct ArchiveSlot {
    committee_id: i64,
    case_id: i64,
    agreement_id: i64,
    kind: Kind,
    lang: Lang,
}

/// What printing an agreement takes, once its records are read.
#[derive(Debug)]
pub enum AgreementPrint {
    /// The archived copy, byte for byte.
    Archived(Pdf),
    /// To be rendered, then archived in `slot` when the agreement is in
    /// force (and not erased past its retention period).
    Render {
        /// The document.
        document: AgreementDocument,
        /// Where to archive it.
        slot: Option<ArchiveSlot>,
    },
}

/// Reads what the PDF of an agreement takes: the written agreement, or the
/// register of an oral one. Once effective it is archived on first
/// request, and served from the archive byte for byte ever after.
pub fn prepare_agreement_pdf(
    conn: &mut DbConn,
    committee_id: i64,
    agreement_id: i64,
    settings: &PrintSettings,
) -> Result<AgreementPrint, PrintError> {
    let committee = committees::find(conn, committee_id)?;
    let (a, case) = agreements::find(conn, committee_id, agreement_id)?;
    let lang = settings.lang(&committee);
    let kind = match a.kind() {
        AgreementKind::Written => Kind::Agreement,
        AgreementKind::Oral => Kind::OralAgreement,
    };
    let archived = if a.status().is_frozen() { archive::find(conn, a.id, kind.code(), lang.code())? } else { None };
    // Erased past the retention period, it is printed anew from the
    // anonymised snapshot, and not archived again.
    let erased = archived.as_ref().is_some_and(|(stored, _)| stored.erased_at.is_some());
    if let Some((stored, bytes)) = archived
        && !erased
    {
        let pages = usize::try_from(stored.pages).unwrap_or(0);
        return Ok(AgreementPrint::Archived(Pdf {
            rendered: Rendered { bytes, pages },
            archived_sha256: Some(stored.sha256),
        }));
    }
    let document = match kind {
        Kind::Agreement => {
            AgreementDocument::Written(Box::new(agreement_model(conn, &committee, &case, &a, settings)?))
        }
        _ => {
            let c = Ctx { committee: &committee, case: &case, lang, offset: committee.utc_offset_minutes };
            AgreementDocument::Oral(Box::new(oral_model(conn, &c, &a, settings)?))
        }
    };
    let slot = (a.status().is_frozen() && !erased).then_some(ArchiveSlot {
        committee_id,
        case_id: case.id,
        agreement_id: a.id,
        kind,
        lang,
    });
    Ok(AgreementPrint::Render { document, slot })
}

/// Archives a rendered agreement in its slot; when another request
/// archived it first, answers what the archive holds.
pub fn archive_agreement_pdf(
    conn: &mut DbConn,
    actor: &Actor,
    slot: &ArchiveSlot,
    rendered: Rendered,
) -> Result<Pdf, PrintError> {
    let sha256 = hex::encode(Sha256::digest(&rendered.bytes));
    let stored = archive::store(
        conn,
        actor,
        &NewArchived {
            committee_id: slot.committee_id,
            case_id: slot.case_id,
            agreement_id: slot.agreement_id,
            kind: slot.kind.code(),
            lang: slot.lang.code(),
            sha256: &sha256,
            pages: i32::try_from(rendered.pages).unwrap_or(i32::MAX),
            bytes: &rendered.bytes,
        },
        Utc::now().naive_utc(),
    )?;
    if stored.sha256 == sha256 {
        return Ok(Pdf { rendered, archived_sha256: Some(sha256) });
    }
    let (_, bytes) =
        archive::find(conn, slot.agreement_id, slot.kind.code(), slot.lang.code())?.ok_or(PrintError::NotFound)?;
    Ok(Pdf { rendered: Rendered { bytes, pages: rendered.pages }, archived_sha256: Some(stored.sha256) })
}

/// The PDF of an agreement (see [`prepare_agreement_pdf`]): its records
/// read on one connection, rendered with none held, archived on another.
pub async fn agreement_pdf(
    db: &Db,
    committee_id: i64,
    agreement_id: i64,
    settings: &PrintSettings,
    actor: &Actor,
) -> AppResult<Pdf> {
    let reading = settings.clone();
    let print = db
        .run(move |conn| Ok::<_, AppError>(prepare_agreement_pdf(conn, committee_id, agreement_id, &reading)?))
        .await?;
    let (document, slot) = match print {
        AgreementPrint::Archived(pdf) => return Ok(pdf),
        AgreementPrint::Render { document, slot } => (document, slot),
    };
    let rendered = crate::app::off_the_workers("rendering", move || document.render()).await??;
    let Some(slot) = slot else { return Ok(Pdf { rendered, archived_sha256: None }) };
    let actor = actor.clone();
    db.run(move |conn| Ok::<_, AppError>(archive_agreement_pdf(conn, &actor, &slot, rendered)?)).await
}

/// [`agreement_pdf`] on one connection, for the command line.
pub fn agreement_pdf_on(
    conn: &mut DbConn,
    committee_id: i64,
    agreement_id: i64,
    settings: &PrintSettings,
    actor: &Actor,
) -> Result<Pdf, PrintError> {
    match prepare_agreement_pdf(conn, committee_id, agreement_id, settings)? {
        AgreementPrint::Archived(pdf) => Ok(pdf),
        AgreementPrint::Render { document, slot: None } => {
            Ok(Pdf { rendered: document.render()?, archived_sha256: None })
        }
        AgreementPrint::Render { document, slot: Some(slot) } => {
            archive_agreement_pdf(conn, actor, &slot, document.render()?)
        }
    }
}

pub(super) fn oral_model(
    conn: &mut DbConn,
    c: &Ctx<'_>,
    a: &Agreement,
    settings: &PrintSettings,
) -> Result<OralAgreementDoc, PrintError> {
    let content = agreements::content(conn, c.committee, a, c.case)?;
    let kinds: std::collections::HashMap<i64, bool> =
        parties::of_case(conn, c.case.id)?.into_iter().map(|(_, p)| (p.id, p.kind == "organisation")).collect();
    let registrar = match a.created_by {
        Some(id) => users::find(conn, id)?.display_name,
        None => String::new(),
    };
    let mediators: Vec<String> = cases::mediators(conn, c.case.id)?.into_iter().map(|u| u.display_name).collect();
    let separator = match c.lang {
        Lang::ZhCn => "；",
        Lang::En => "; ",
    };
    let mut performance = content.performance.manner.clone();
    if let Some(place) = &content.performance.place {
        performance.push_str(&format!("{separator}{place}"));
    }
    if let Some(deadline) = content.performance.deadline {
        performance.push_str(&format!("{separator}{}", Labels { lang: c.lang }.date(deadline)));
    }
    Ok(OralAgreementDoc {
        header: c.header(&c.case.number, a.effective_at.unwrap_or(a.created_at)),
        // A company signs the register by its seal, through the person
        // recorded as acting for it.
        parties: content
            .parties
            .iter()
            .map(|p| PartyBlock {
                organisation_party: kinds.get(&p.party_id).copied().unwrap_or(false),
                representative: content
                    .parties
                    .iter()
                    .find(|r| r.role == "representative" && r.represents.as_deref() == Some(p.name.as_str()))
                    .map(|r| r.name.clone()),
                ..party_block(p)
            })
            .collect(),
        facts: content.facts.clone(),
        terms: content
            .terms
            .iter()
            .map(|t| term_text(t, c.lang, a.effective_at.map(|at| local_date(at, c.offset)), &content.parties))
            .collect(),
        performance,
        mediator: mediators.join("、"),
        registrar,
        date: local_date(a.effective_at.unwrap_or(a.created_at), c.offset),
        content_hash: a.content_hash.clone(),
        verify_url: verify_url(a, settings),
    })
}

/// The public verification page of an agreement in force.
fn verify_url(a: &Agreement, settings: &PrintSettings) -> Option<String> {
    a.verification_code.as_ref().map(|code| format!("{}/verify/{code}", settings.base_url.trim_end_matches('/')))
}
