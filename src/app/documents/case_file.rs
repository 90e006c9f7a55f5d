//! Laying out and rendering a case's documents one by one, the whole
//! case file (卷宗) and the receipt slips.

use super::*;

/// The model of one form document of a case, its records read.
#[derive(Debug, Clone)]
pub enum FormModel {
    /// 人民调解申请书.
    Application(Box<ApplicationDoc>),
    /// 受理登记.
    Acceptance(Box<AcceptanceDoc>),
    /// 权利义务告知书.
    Rights(Box<RightsNoticeDoc>),
    /// 调查笔录 and measurements.
    Investigations(Box<InvestigationsDoc>),
    /// 调解笔录.
    Sessions(Box<SessionsDoc>),
    /// 调解协议书, inside a volume.
    Agreement(Box<AgreementDoc>),
    /// 口头协议登记, inside a volume.
    Oral(Box<OralAgreementDoc>),
    /// 回访记录.
    FollowUps(Box<FollowUpsDoc>),
    /// 司法确认申请书.
    Confirmation(Box<ConfirmationDoc>),
    /// 人民调解终止记录, inside a volume.
    Termination(Box<TerminationDoc>),
    /// The archived PDF of an agreement in force, inside a volume: filed
    /// as it was archived, not laid out again.
    Archived {
        /// The archived PDF.
        bytes: Vec<u8>,
        /// Its pages.
        pages: usize,
    },
}

impl FormModel {
    /// Lays the document out: work for a core, no database.
    pub fn lay_out(&self) -> Laid {
        match self {
            FormModel::Application(m) => application::lay_out(m),
            FormModel::Acceptance(m) => acceptance::lay_out(m),
            FormModel::Rights(m) => rights_notice::lay_out(m),
            FormModel::Investigations(m) => investigation::lay_out(m),
            FormModel::Sessions(m) => session_record::lay_out(m),
            FormModel::Agreement(m) => agreement_doc::lay_out(m),
            FormModel::Oral(m) => oral_agreement::lay_out(m),
            FormModel::FollowUps(m) => follow_up::lay_out(m),
            FormModel::Confirmation(m) => confirmation::lay_out(m),
            FormModel::Termination(m) => termination::lay_out(m),
            // Blank pages held for the archived ones.
            FormModel::Archived { pages, .. } => {
                Laid { pages: vec![crate::documents::layout::Page::default(); *pages], images: Vec::new() }
            }
        }
    }

    /// The verification address it prints as a QR code, if any.
    fn verify_url(&self) -> Option<&str> {
        match self {
            FormModel::Agreement(m) => m.verify_url.as_deref(),
            FormModel::Oral(m) => m.verify_url.as_deref(),
            _ => None,
        }
    }

    /// Whether it has no record to print: a volume files no page that
    /// only says a record is absent.
    fn is_empty(&self) -> bool {
        match self {
            FormModel::Investigations(m) => m.records.is_empty(),
            FormModel::Sessions(m) => m.records.is_empty(),
            FormModel::FollowUps(m) => m.records.is_empty(),
            _ => false,
        }
    }
}

/// A document of several records as the volume files them: each record
/// a document of its own in the index, a community meeting's record under
/// its own title (社区议事会记录).
fn one_by_one(l: &Labels, title: String, model: FormModel) -> Vec<(String, FormModel)> {
    match model {
        FormModel::Sessions(m) => m
            .one_by_one()
            .into_iter()
            .map(|one| {
                let meeting = one.records.first().is_some_and(|r| r.meeting);
                let title = l.t(if meeting { "doc.session.meeting_title" } else { "doc.session.title" });
                (title, FormModel::Sessions(Box::new(one)))
            })
            .collect(),
        FormModel::Investigations(m) if m.records.len() > 1 => {
            m.one_by_one().into_iter().map(|one| (title.clone(), FormModel::Investigations(Box::new(one)))).collect()
        }
        FormModel::FollowUps(m) if m.records.len() > 1 => {
            m.one_by_one().into_iter().map(|one| (title.clone(), FormModel::FollowUps(Box::new(one)))).collect()
        }
        model => vec![(title, model)],
    }
}

/// Reads the model of one document of a case (not the volume).
pub(super) fn read_form(
    conn: &mut DbConn,
    c: &Ctx<'_>,
    kind: Kind,
    settings: &PrintSettings,
) -> Result<FormModel, PrintError> {
    Ok(match kind {
        // A case taken up on the committee's own initiative or referred to
        // it has no application: none is printed for it.
        Kind::Application if c.case.source != CaseSource::Application.code() => {
            return Err(PrintError::NotApplicable);
        }
        Kind::Application => FormModel::Application(Box::new(application_model(conn, c)?)),
        Kind::Acceptance => FormModel::Acceptance(Box::new(acceptance_model(conn, c)?)),
        Kind::RightsNotice => FormModel::Rights(Box::new(rights_model(conn, c)?)),
        Kind::Investigation => FormModel::Investigations(Box::new(investigations_model(conn, c)?)),
        Kind::SessionRecord => FormModel::Sessions(Box::new(sessions_model(conn, c)?)),
        Kind::Agreement => {
            let a = current_agreement(conn, c.case.id)?.ok_or(PrintError::NotApplicable)?;
            FormModel::Agreement(Box::new(agreement_model(conn, c.committee, c.case, &a, settings)?))
        }
        Kind::OralAgreement => {
            let a = current_agreement(conn, c.case.id)?
                .filter(|a| a.kind() == AgreementKind::Oral)
                .ok_or(PrintError::NotApplicable)?;
            FormModel::Oral(Box::new(oral_model(conn, c, &a, settings)?))
        }
        Kind::FollowUp => {
            let a = current_agreement(conn, c.case.id)?
                .filter(|a| a.status().is_frozen())
                .ok_or(PrintError::NotApplicable)?;
            FormModel::FollowUps(Box::new(follow_ups_model(conn, c, &a)?))
        }
        Kind::ConfirmationApplication => {
            let a = current_agreement(conn, c.case.id)?
                .filter(|a| a.status().is_frozen())
                .ok_or(PrintError::NotApplicable)?;
            FormModel::Confirmation(Box::new(confirmation_model(conn, c, &a, settings)?))
        }
        Kind::Volume => return Err(PrintError::NotApplicable),
    })
}

/// The parts of a case file (卷宗) with its documents' models read.
#[derive(Debug, Clone)]
pub struct VolumeParts {
    /// The volume with no documents yet.
    volume: VolumeDoc,
    /// (Document title, its model), in the file's order.
    documents: Vec<(String, FormModel)>,
}

/// A document of a case with its records read, to be rendered with no
/// connection held.
#[derive(Debug)]
pub enum CaseDocument {
    /// The written agreement or the oral agreement's register: the archive's
    /// copy, or one to render (and archive, once in force).
    Agreement(AgreementPrint),
    /// A form document.
    Form {
        /// Which.
        kind: Kind,
        /// Its model.
        model: FormModel,
        /// Its header.
        header: Header,
        /// Its title.
        title: String,
        /// What its PDF's identifier is made from.
        id_seed: String,
    },
    /// The case file.
    Volume(Box<VolumeParts>),
}

/// A case document read, and what printing it means for the audit chain.
#[derive(Debug)]
pub struct PreparedDocument {
    /// The document.
    pub document: CaseDocument,
    committee_id: i64,
    case_id: i64,
    kind: Kind,
    /// Whether it prints phone numbers in full (the confirmation
    /// application, alone or in the volume, for a mediator or an
    /// administrator): each such printing is recorded as a reveal.
    reveals: bool,
}

/// A rendered case document and what is left to do with a connection.
#[derive(Debug)]
pub struct RenderedDocument {
    rendered: Rendered,
    archive: Option<ArchiveSlot>,
    reveal: Option<(i64, i64, Kind)>,
}

/// Reads what a document of a case takes. The written agreement, once
/// effective, comes from the archive byte for byte.
pub fn prepare_case_document(
    conn: &mut DbConn,
    committee_id: i64,
    case_id: i64,
    kind: Kind,
    settings: &PrintSettings,
) -> Result<PreparedDocument, PrintError> {
    let committee = committees::find(conn, committee_id)?;
    let case = cases::find(conn, committee_id, case_id)?;
    let lang = settings.lang(&committee);
    let c = Ctx { committee: &committee, case: &case, lang, offset: committee.utc_offset_minutes };
    let l = Labels { lang };
    let (document, reveals) = match kind {
        Kind::Agreement | Kind::OralAgreement => {
            let wanted = if kind == Kind::Agreement { AgreementKind::Written } else { AgreementKind::Oral };
            let a =
                current_agreement(conn, case.id)?.filter(|a| a.kind() == wanted).ok_or(PrintError::NotApplicable)?;
            (CaseDocument::Agreement(prepare_agreement_pdf(conn, committee_id, a.id, settings)?), false)
        }
        Kind::Volume => {
            let (parts, holds) = volume_parts(conn, &c, settings)?;
            (CaseDocument::Volume(Box::new(parts)), holds && settings.full_phones)
        }
        other => {
            let model = read_form(conn, &c, other, settings)?;
            // A record the case does not have is not printed as a page
            // saying so: it is refused like any other absent document.
            if model.is_empty() {
                return Err(PrintError::NotApplicable);
            }
            let document = CaseDocument::Form {
                kind: other,
                model,
                header: c.header(&case.number, case.updated_at),
                title: l.t(other.title_key()),
                id_seed: format!("{}|{}", other.code(), case.number),
            };
            (document, other == Kind::ConfirmationApplication && settings.full_phones)
        }
    };
    Ok(PreparedDocument { document, committee_id, case_id, kind, reveals })
}

impl PreparedDocument {
    /// The verification address a page laid out anew would print as a QR
    /// code (an archived copy keeps the one it was archived with).
    pub fn verify_url(&self) -> Option<&str> {
        match &self.document {
            CaseDocument::Agreement(AgreementPrint::Render { document, .. }) => document.verify_url(),
            CaseDocument::Volume(parts) => parts.documents.iter().find_map(|(_, model)| model.verify_url()),
            _ => None,
        }
    }

    /// Lays out and writes the PDF: work for a core, no database.
    pub fn render(self) -> Result<RenderedDocument, PrintError> {
        let reveal = self.reveals.then_some((self.committee_id, self.case_id, self.kind));
        let (rendered, archive) = match self.document {
            CaseDocument::Agreement(AgreementPrint::Archived(pdf)) => (pdf.rendered, None),
            CaseDocument::Agreement(AgreementPrint::Render { document, slot }) => (document.render()?, slot),
            CaseDocument::Form { model, header, title, id_seed, .. } => {
                let laid = model.lay_out();
                let id_seed = format!("{id_seed}|{}", laid.pages.len());
                (crate::documents::forms::write_form(&laid, &header, &title, id_seed)?, None)
            }
            CaseDocument::Volume(parts) => {
                let VolumeParts { mut volume, documents } = *parts;
                for (i, (title, model)) in documents.into_iter().enumerate() {
                    let laid = model.lay_out();
                    if let FormModel::Archived { bytes, .. } = model {
                        volume.embedded.push((i, bytes));
                    }
                    volume.documents.push((title, laid));
                }
                (volume::render(&volume)?, None)
            }
        };
        Ok(RenderedDocument { rendered, archive, reveal })
    }
}

impl RenderedDocument {
    /// Archives an agreement that is in force and records a printing of
    /// phone numbers in full; answers the document.
    pub fn finish(self, conn: &mut DbConn, actor: &Actor) -> Result<Rendered, PrintError> {
        let rendered = match self.archive {
            Some(slot) => archive_agreement_pdf(conn, actor, &slot, self.rendered)?.rendered,
            None => self.rendered,
        };
        if let Some((committee_id, case_id, kind)) = self.reveal {
            audited(conn, actor, committee_id, |_, log| {
                log.record("contacts.reveal", "case", case_id, serde_json::json!({"document": kind.code()}));
                Ok::<_, diesel::result::Error>(())
            })?;
        }
        Ok(rendered)
    }
}

/// Renders a document of a case on one connection (the command line, the
/// benchmarks); see [`case_document`] for the server's way. A page with a
/// verification QR code (an agreement in force, an oral agreement's
/// register, a volume holding either) is laid out only for a public
/// address: for a local one (the command line's default) it is refused with
/// [`PrintError::NoPublicAddress`], unless the archive already holds it. A
/// volume files the archived agreement, archiving it first.
pub fn render_case_document(
    conn: &mut DbConn,
    committee_id: i64,
    case_id: i64,
    kind: Kind,
    settings: &PrintSettings,
    actor: &Actor,
) -> Result<Rendered, PrintError> {
    let local = is_local_address(&settings.base_url);
    if kind == Kind::Volume
        && !local
        && let Some(a) = current_agreement(conn, case_id)?.filter(|a| a.status().is_frozen())
    {
        agreement_pdf_on(conn, committee_id, a.id, settings, actor)?;
    }
    let prepared = prepare_case_document(conn, committee_id, case_id, kind, settings)?;
    if local && let Some(url) = prepared.verify_url() {
        return Err(PrintError::NoPublicAddress(url.to_owned()));
    }
    prepared.render()?.finish(conn, actor)
}

/// Whether a base URL names this machine (localhost, a loopback or an
/// unspecified address) rather than an address others can reach.
pub fn is_local_address(base_url: &str) -> bool {
    let rest = base_url.split_once("://").map_or(base_url, |(_, rest)| rest);
    let authority = rest.split('/').next().unwrap_or_default();
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority.rsplit_once(':').map_or(authority, |(host, _)| host),
    };
    let host = host.to_ascii_lowercase();
    host == "localhost"
        || host.ends_with(".localhost")
        || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback() || ip.is_unspecified())
}

/// A document of a case as the server prints it: its records read on one
/// connection, rendered with none held, archived (an agreement in force)
/// and audited (phone numbers in full) on another.
pub async fn case_document(
    db: &Db,
    committee_id: i64,
    case_id: i64,
    kind: Kind,
    settings: &PrintSettings,
    actor: &Actor,
) -> AppResult<Rendered> {
    // A volume files the agreement in force as archived: archived first
    // (an agreement of another committee's case answers not found).
    if kind == Kind::Volume
        && let Some(a) = db
            .run(move |conn| Ok::<_, AppError>(current_agreement(conn, case_id)?))
            .await?
            .filter(|a| a.status().is_frozen())
    {
        agreement_pdf(db, committee_id, a.id, settings, actor).await?;
    }
    let reading = settings.clone();
    let prepared = db
        .run(move |conn| Ok::<_, AppError>(prepare_case_document(conn, committee_id, case_id, kind, &reading)?))
        .await?;
    let rendered = crate::app::off_the_workers("rendering", move || prepared.render()).await??;
    let actor = actor.clone();
    db.run(move |conn| Ok::<_, AppError>(rendered.finish(conn, &actor)?)).await
}

/// The parts of the volume of a case, and whether it holds the
/// confirmation application.
pub(super) fn volume_parts(
    conn: &mut DbConn,
    c: &Ctx<'_>,
    settings: &PrintSettings,
) -> Result<(VolumeParts, bool), PrintError> {
    let l = Labels { lang: c.lang };
    let mut documents = Vec::new();
    let agreement = current_agreement(conn, c.case.id)?;
    let frozen = agreement.as_ref().is_some_and(|a| a.status().is_frozen());
    // The standard order; what the case is expected to hold is marked.
    let mut kinds = vec![
        (Kind::Application, c.case.source == CaseSource::Application.code()),
        (Kind::Acceptance, true),
        (Kind::RightsNotice, true),
        (Kind::Investigation, false),
        (Kind::SessionRecord, true),
    ];
    match agreement.as_ref().map(Agreement::kind) {
        Some(AgreementKind::Written) => kinds.push((Kind::Agreement, true)),
        Some(AgreementKind::Oral) => kinds.push((Kind::OralAgreement, true)),
        None => {}
    }
    if frozen {
        kinds.push((Kind::FollowUp, true));
    }
    // No confirmation application is filed: the system holds no record
    // that the parties applied, and an unsigned form proves nothing.
    let mut missing = Vec::new();
    let mut paper = Vec::new();
    let agents = parties::of_case(conn, c.case.id)?.iter().any(|(cp, _)| !cp.role().signs_agreements());
    for (kind, expected) in kinds {
        if kind == Kind::Application && !expected {
            continue;
        }
        // An agreement not yet in force is not filed as the agreement.
        if matches!(kind, Kind::Agreement | Kind::OralAgreement) && !frozen {
            missing.push(l.with("doc.volume.not_in_force", &[("document", l.t(kind.title_key()))]));
            continue;
        }
        let model = match archived_agreement(conn, c, kind, agreement.as_ref()) {
            Some(archived) => Ok(archived?),
            None => read_form(conn, c, kind, settings),
        };
        let model = match model {
            Ok(model) => Some(model).filter(|m| !m.is_empty()),
            Err(PrintError::NotApplicable) => None,
            Err(e) => return Err(e),
        };
        let filed = model.is_some();
        match model {
            Some(model) => documents.extend(one_by_one(&l, l.t(kind.title_key()), model)),
            None if expected => missing.push(l.t(kind.title_key())),
            None => {}
        }
        // The paper materials in their standard place: the parties' identity
        // documents (and any power of attorney) after the rights notice,
        // evidence after the investigation, proof of performance after an
        // agreement in force.
        let after = match kind {
            Kind::RightsNotice => {
                let mut items = vec!["doc.volume.identity"];
                if agents {
                    items.push("doc.volume.power");
                }
                items
            }
            Kind::Investigation if filed => vec!["doc.volume.evidence"],
            Kind::Agreement | Kind::OralAgreement if filed && frozen => vec!["doc.volume.receipts"],
            _ => Vec::new(),
        };
        paper.extend(after.into_iter().map(|key| (documents.len(), l.t(key))));
        if kind == Kind::SessionRecord
            && agreement.is_none()
            && let Some(t) = termination_model(conn, c)?
        {
            documents.push((l.t("doc.termination.title"), FormModel::Termination(Box::new(t))));
        }
    }
    let holds_application = false;
    // Mediation ends when the agreement takes effect, or when it is
    // terminated or referred; the case closes when it is fulfilled,
    // terminated, referred or archived (the first such change).
    let transitions = cases::transitions(conn, c.case.id)?;
    let first_into = |statuses: &[CaseStatus]| {
        transitions.iter().find(|t| statuses.iter().any(|s| t.to_status == s.code())).map(|t| t.created_at)
    };
    let in_force = agreement.as_ref().filter(|a| a.status().is_frozen()).and_then(|a| a.effective_at);
    let mediation_ended = in_force
        .or_else(|| first_into(&[CaseStatus::Terminated, CaseStatus::Referred]))
        .map(|at| local_date(at, c.offset));
    let closing = [CaseStatus::Fulfilled, CaseStatus::Terminated, CaseStatus::Referred, CaseStatus::Archived];
    let closed = closing
        .contains(&c.case.status())
        .then(|| first_into(&closing).unwrap_or(c.case.updated_at))
        .map(|at| local_date(at, c.offset));
    let volume = VolumeDoc {
        header: c.header(&c.case.number, c.case.updated_at),
        title: c.case.title.clone(),
        mediators: cases::mediators(conn, c.case.id)?.into_iter().map(|u| u.display_name).collect(),
        registered: local_date(c.case.registered_at, c.offset),
        mediation_ended,
        closed,
        status: c.case.status.to_string(),
        retention_years: c.committee.retention_years,
        filed_by: c.committee.name.clone(),
        documents: Vec::new(),
        embedded: Vec::new(),
        paper,
        missing,
    };
    Ok((VolumeParts { volume, documents }, holds_application))
}

/// The archived copy of the agreement in force, for a volume's agreement
/// kind: the very pages that were archived, carrying the public address
/// they were archived with. `None` when there is none to take (a draft, a
/// copy erased past its retention period, another kind).
fn archived_agreement(
    conn: &mut DbConn,
    c: &Ctx<'_>,
    kind: Kind,
    agreement: Option<&Agreement>,
) -> Option<Result<FormModel, PrintError>> {
    let a = agreement.filter(|a| a.status().is_frozen())?;
    let wanted = match a.kind() {
        AgreementKind::Written => Kind::Agreement,
        AgreementKind::Oral => Kind::OralAgreement,
    };
    if kind != wanted {
        return None;
    }
    match archive::find(conn, a.id, kind.code(), c.lang.code()) {
        Ok(Some((stored, bytes))) if stored.erased_at.is_none() => {
            Some(Ok(FormModel::Archived { bytes, pages: usize::try_from(stored.pages).unwrap_or(0) }))
        }
        Ok(_) => None,
        Err(e) => Some(Err(e.into())),
    }
}

/// The record of a case that ended without agreement: why, the notice of
/// other routes, and any referral; `None` when it neither ended nor was
/// referred.
fn termination_model(conn: &mut DbConn, c: &Ctx<'_>) -> Result<Option<TerminationDoc>, PrintError> {
    let referrals = cases::referrals(conn, c.case.id)?;
    if c.case.termination_reason.is_none() && referrals.is_empty() {
        return Ok(None);
    }
    let ended = cases::transitions(conn, c.case.id)?
        .into_iter()
        .rev()
        .find(|t| t.to_status == CaseStatus::Terminated.code())
        .map(|t| t.created_at);
    let mediators: Vec<String> = cases::mediators(conn, c.case.id)?.into_iter().map(|u| u.display_name).collect();
    Ok(Some(TerminationDoc {
        header: c.header(&c.case.number, ended.unwrap_or(c.case.updated_at)),
        matter: c.case.title.clone(),
        parties: signing_parties(conn, c.case.id, true)?,
        mediators: mediators.join(&Labels { lang: c.lang }.t("doc.field_separator")),
        date: ended.map(|at| local_date(at, c.offset)),
        reason: c.case.termination_reason.clone(),
        routes_explained: c.case.routes_explained,
        referrals: referrals
            .into_iter()
            .map(|r| (r.referred_to, r.reason, local_date(r.referred_at, c.offset)))
            .collect(),
    }))
}

/// The receipt slips of case `case_id` of `committee_id`: one page for
/// each party (or for `only` that one), each with the party's access code
/// and a PIN issued now, which replaces any before it. Issuing is audited;
/// the PINs are kept only as keyed hashes, so these pages are the only
/// place they appear. Rendered by `documents::receipts::render`.
pub fn receipts(
    conn: &mut DbConn,
    committee_id: i64,
    case_id: i64,
    only: Option<i64>,
    settings: &PrintSettings,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<ReceiptsDoc, PrintError> {
    let committee = committees::find(conn, committee_id)?;
    let case = cases::find(conn, committee_id, case_id)?;
    let lang = settings.lang(&committee);
    let offset = committee.utc_offset_minutes;
    let mut slips = Vec::new();
    for (cp, p) in parties::of_case(conn, case.id)? {
        if only.is_some_and(|id| id != p.id) || p.access_code.starts_with('-') {
            continue;
        }
        let pin = parties::issue_pin(conn, actor, committee_id, p.id)?;
        slips.push(Receipt {
            name: p.name.clone(),
            role: cp.role.to_string(),
            access_code: p.access_code.clone(),
            pin,
        });
    }
    if slips.is_empty() {
        return Err(PrintError::NotFound);
    }
    let doc = ReceiptsDoc {
        header: header(&committee, &case.number, lang, now),
        registered: local_date(case.registered_at, offset),
        issued: local_date(now, offset),
        portal_url: format!("{}/portal", settings.base_url.trim_end_matches('/')),
        slips,
    };
    Ok(doc)
}

#[cfg(test)]
mod tests {
    use super::is_local_address;

    #[test]
    fn only_addresses_others_can_reach_are_public() {
        for local in [
            "http://127.0.0.1:8080",
            "http://localhost:8080/",
            "https://LOCALHOST",
            "http://[::1]:8080",
            "http://0.0.0.0:8080",
            "http://127.0.1.1",
            "http://app.localhost",
        ] {
            assert!(is_local_address(local), "{local}");
        }
        for public in
            ["https://mediation.example.cn", "https://mediation.example.cn:8443/base", "http://192.168.1.20:8080"]
        {
            assert!(!is_local_address(public), "{public}");
        }
    }
}
