//! Laying out and rendering a case's documents one by one, the whole
//! case file (卷宗) and the receipt slips.

use super::*;

/// Lays out one document of a case (not the volume).
pub(super) fn lay_out(
    conn: &mut DbConn,
    c: &Ctx<'_>,
    kind: Kind,
    settings: &PrintSettings,
) -> Result<Laid, PrintError> {
    Ok(match kind {
        Kind::Application => application::lay_out(&application_model(conn, c)?),
        Kind::Acceptance => acceptance::lay_out(&acceptance_model(conn, c)?),
        Kind::RightsNotice => rights_notice::lay_out(&rights_model(conn, c)?),
        Kind::Investigation => investigation::lay_out(&investigations_model(conn, c)?),
        Kind::SessionRecord => session_record::lay_out(&sessions_model(conn, c)?),
        Kind::Agreement => {
            let a = current_agreement(conn, c.case.id)?.ok_or(PrintError::NotApplicable)?;
            agreement_doc::lay_out(&agreement_model(conn, c.committee, c.case, &a, settings)?)
        }
        Kind::OralAgreement => {
            let a = current_agreement(conn, c.case.id)?
                .filter(|a| a.kind() == AgreementKind::Oral)
                .ok_or(PrintError::NotApplicable)?;
            oral_agreement::lay_out(&oral_model(conn, c, &a)?)
        }
        Kind::FollowUp => {
            let a = current_agreement(conn, c.case.id)?
                .filter(|a| a.status().is_frozen())
                .ok_or(PrintError::NotApplicable)?;
            follow_up::lay_out(&follow_ups_model(conn, c, &a)?)
        }
        Kind::ConfirmationApplication => {
            let a = current_agreement(conn, c.case.id)?
                .filter(|a| a.status().is_frozen())
                .ok_or(PrintError::NotApplicable)?;
            confirmation::lay_out(&confirmation_model(conn, c, &a, settings)?)
        }
        Kind::Volume => return Err(PrintError::NotApplicable),
    })
}

/// Renders a document of a case. The written agreement, once effective,
/// comes from the archive byte for byte.
pub fn render_case_document(
    conn: &mut DbConn,
    committee_id: i64,
    case_id: i64,
    kind: Kind,
    settings: &PrintSettings,
    actor: &Actor,
) -> Result<Rendered, PrintError> {
    let committee = committees::find(conn, committee_id)?;
    let case = cases::find(conn, committee_id, case_id)?;
    // The confirmation application, alone or in the volume, prints the
    // parties' phone numbers in full for a mediator or an administrator:
    // each such printing is recorded as their revealing is on screen.
    let (rendered, reveals) = render_document(conn, &committee, &case, kind, settings, actor)?;
    if reveals {
        audited(conn, actor, committee_id, |_, log| {
            log.record("contacts.reveal", "case", case_id, serde_json::json!({"document": kind.code()}));
            Ok::<_, diesel::result::Error>(())
        })?;
    }
    Ok(rendered)
}

/// A document of a case, and whether it prints phone numbers in full (the
/// confirmation application holds them, alone or in the volume).
pub(super) fn render_document(
    conn: &mut DbConn,
    committee: &Committee,
    case: &Case,
    kind: Kind,
    settings: &PrintSettings,
    actor: &Actor,
) -> Result<(Rendered, bool), PrintError> {
    let committee_id = committee.id;
    let lang = settings.lang(committee);
    let c = Ctx { committee, case, lang, offset: committee.utc_offset_minutes };
    let l = Labels { lang };
    match kind {
        Kind::Agreement | Kind::OralAgreement => {
            let wanted = if kind == Kind::Agreement { AgreementKind::Written } else { AgreementKind::Oral };
            let a =
                current_agreement(conn, case.id)?.filter(|a| a.kind() == wanted).ok_or(PrintError::NotApplicable)?;
            Ok((agreement_pdf_on(conn, committee_id, a.id, settings, actor)?.rendered, false))
        }
        Kind::Volume => {
            let (model, reveals) = volume_model(conn, &c, settings)?;
            Ok((volume::render(&model)?, reveals && settings.full_phones))
        }
        other => {
            let laid = lay_out(conn, &c, other, settings)?;
            let title = l.t(other.title_key());
            let at = case.updated_at;
            let rendered = crate::documents::forms::write_form(
                &laid,
                &c.header(&case.number, at),
                &title,
                format!("{}|{}|{}", other.code(), case.number, laid.pages.len()),
            )?;
            Ok((rendered, other == Kind::ConfirmationApplication && settings.full_phones))
        }
    }
}

/// The volume of a case, and whether it holds the confirmation application.
pub(super) fn volume_model(
    conn: &mut DbConn,
    c: &Ctx<'_>,
    settings: &PrintSettings,
) -> Result<(VolumeDoc, bool), PrintError> {
    let l = Labels { lang: c.lang };
    let mut documents = Vec::new();
    let agreement = current_agreement(conn, c.case.id)?;
    let mut kinds = Vec::new();
    if c.case.source == CaseSource::Application.code() {
        kinds.push(Kind::Application);
    }
    kinds.extend([Kind::Acceptance, Kind::RightsNotice, Kind::Investigation, Kind::SessionRecord]);
    match agreement.as_ref().map(Agreement::kind) {
        Some(AgreementKind::Written) => kinds.push(Kind::Agreement),
        Some(AgreementKind::Oral) => kinds.push(Kind::OralAgreement),
        None => {}
    }
    if agreement.as_ref().is_some_and(|a| a.status().is_frozen()) {
        kinds.extend([Kind::FollowUp, Kind::ConfirmationApplication]);
    }
    let mut holds_application = false;
    for kind in kinds {
        match lay_out(conn, c, kind, settings) {
            Ok(laid) => {
                holds_application |= kind == Kind::ConfirmationApplication;
                documents.push((l.t(kind.title_key()), laid));
            }
            Err(PrintError::NotApplicable) => {}
            Err(e) => return Err(e),
        }
    }
    let closed = matches!(
        c.case.status(),
        CaseStatus::Fulfilled | CaseStatus::Terminated | CaseStatus::Referred | CaseStatus::Archived
    )
    .then(|| local_date(c.case.updated_at, c.offset));
    let volume = VolumeDoc {
        header: c.header(&c.case.number, c.case.updated_at),
        title: c.case.title.clone(),
        mediators: cases::mediators(conn, c.case.id)?.into_iter().map(|u| u.display_name).collect(),
        registered: local_date(c.case.registered_at, c.offset),
        closed,
        status: c.case.status.to_string(),
        retention_years: c.committee.retention_years,
        filed_by: c.committee.name.clone(),
        documents,
    };
    Ok((volume, holds_application))
}

/// Prints the receipt slips of case `case_id` of `committee_id`: one page
/// for each party (or for `only` that one), each with the party's access
/// code and a PIN issued now, which replaces any before it. Issuing is
/// audited; the PINs are kept only as keyed hashes, so these pages are the
/// only place they appear.
pub fn receipts(
    conn: &mut DbConn,
    committee_id: i64,
    case_id: i64,
    only: Option<i64>,
    settings: &PrintSettings,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<Rendered, PrintError> {
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
    Ok(crate::documents::receipts::render(&doc)?)
}
