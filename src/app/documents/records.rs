//! The models of a case's record documents: application, acceptance,
//! rights notice, investigations, sessions, follow-ups and the
//! confirmation application.

use super::*;

pub(super) fn application_model(conn: &mut DbConn, c: &Ctx<'_>) -> Result<ApplicationDoc, PrintError> {
    let rows = parties::of_case(conn, c.case.id)?;
    let applicants: Vec<PartyBlock> =
        rows.iter().filter(|(cp, _)| cp.role == "applicant").map(|(cp, p)| signer(&rows, cp, p, true)).collect();
    Ok(ApplicationDoc {
        header: c.header(&c.case.number, c.case.registered_at),
        applicants,
        respondents: rows.iter().filter(|(cp, _)| cp.role != "applicant").map(|(cp, p)| block(cp, p, true)).collect(),
        facts: c.case.facts.clone().unwrap_or_else(|| c.case.title.clone()),
        requests: c.case.requests(),
        date: local_date(c.case.registered_at, c.offset),
    })
}

pub(super) fn acceptance_model(conn: &mut DbConn, c: &Ctx<'_>) -> Result<AcceptanceDoc, PrintError> {
    let rows = parties::of_case(conn, c.case.id)?;
    let registrar = match c.case.created_by {
        Some(id) => Some(users::find(conn, id)?.display_name),
        None => None,
    };
    Ok(AcceptanceDoc {
        header: c.header(&c.case.number, c.case.registered_at),
        date: local_date(c.case.registered_at, c.offset),
        source: c.case.source.to_string(),
        dispute_type: c.case.dispute_type.to_string(),
        title: c.case.title.clone(),
        facts: c.case.facts.clone().unwrap_or_default(),
        complaint_households: households(conn, c.case)?,
        parties: rows.iter().map(|(cp, p)| signer(&rows, cp, p, true)).collect(),
        registrar,
        mediators: cases::mediators(conn, c.case.id)?.into_iter().map(|u| u.display_name).collect(),
        seal_image: committees::seal(conn, c.committee.id)?,
    })
}

pub(super) fn rights_model(conn: &mut DbConn, c: &Ctx<'_>) -> Result<RightsNoticeDoc, PrintError> {
    Ok(RightsNoticeDoc {
        header: c.header(&c.case.number, c.case.registered_at),
        parties: signing_parties(conn, c.case.id, true)?,
        date: local_date(c.case.registered_at, c.offset),
    })
}

pub(super) fn investigations_model(conn: &mut DbConn, c: &Ctx<'_>) -> Result<InvestigationsDoc, PrintError> {
    let l = Labels { lang: c.lang };
    let all_measurements = investigations::measurements_of_case(conn, c.case.id)?;
    let records: Vec<_> = investigations::of_case(conn, c.case.id)?;
    let last = records.iter().map(|r| r.created_at).max().unwrap_or(c.case.registered_at);
    let row = |m: &investigations::Measurement| MeasurementRow {
        time: local(m.measured_at, c.offset).format("%m-%d %H:%M").to_string(),
        position: m.position.to_string(),
        laeq: format_db(m.laeq_db),
        background: m.background_db.map_or_else(|| "—".into(), format_db),
        corrected: m.corrected_db.map_or_else(|| "—".into(), format_db),
        limit: format!("{} ({})", format_db(m.limit_db), l.t(&format!("period.{}", m.period))),
        exceeds: m.exceeds_by_db.map_or_else(|| "—".into(), format_db),
        validity: m.reasons(),
        instrument: m.instrument.clone(),
        class: m.instrument_class,
        calibration_before: m.calibration_before_db.map(format_db),
        calibration_after: m.calibration_after_db.map(format_db),
        height: m.height_m.map(format_db),
        duration_s: m.duration_s,
        lmax: m.lmax_db.map(format_db),
        operator: m.operator.clone(),
    };
    let mut docs = Vec::with_capacity(records.len() + 1);
    for r in &records {
        let recorder = match r.created_by {
            Some(id) => Some(users::find(conn, id)?.display_name),
            None => None,
        };
        docs.push(InvestigationDoc {
            time: c.time(r.conducted_at),
            place: r.place.clone(),
            investigators: r.investigators.clone(),
            participants: r.participants.clone(),
            subject: r.subject.clone(),
            record: r.questions().into_iter().map(|qa| (qa.q, qa.a)).collect(),
            findings: r.findings.clone(),
            recorder,
            date: Some(local_date(r.conducted_at, c.offset)),
            measurements: all_measurements.iter().filter(|m| m.investigation_id == Some(r.id)).map(row).collect(),
        });
    }
    let loose: Vec<MeasurementRow> =
        all_measurements.iter().filter(|m| m.investigation_id.is_none()).map(row).collect();
    if !loose.is_empty() {
        docs.push(InvestigationDoc {
            time: String::new(),
            place: String::new(),
            investigators: l.t("doc.investigation.field_measurements"),
            participants: None,
            subject: None,
            record: Vec::new(),
            findings: None,
            recorder: None,
            date: None,
            measurements: loose,
        });
    }
    Ok(InvestigationsDoc { header: c.header(&c.case.number, last), matter: c.case.title.clone(), records: docs })
}

pub(super) fn citations(refs: Vec<mediation::LegalReference>, lang: Lang) -> Vec<Citation> {
    refs.into_iter()
        .map(|r| match lang {
            Lang::ZhCn => Citation {
                title: format!(
                    "《{}》第{}条",
                    r.law_zh,
                    crate::documents::chinese_number(usize::try_from(r.article).unwrap_or(0))
                ),
                text: r.text_zh,
            },
            Lang::En => Citation { title: format!("{}, Article {}", r.law_en, r.article), text: r.text_en },
        })
        .collect()
}

pub(super) fn sessions_model(conn: &mut DbConn, c: &Ctx<'_>) -> Result<SessionsDoc, PrintError> {
    let l = Labels { lang: c.lang };
    let mut records = Vec::new();
    let mut last = c.case.registered_at;
    let mut dated: Vec<(NaiveDateTime, SessionDoc)> = Vec::new();
    for m in mediation::meetings_of_case(conn, c.case.id)? {
        last = last.max(m.created_at);
        let refs = mediation::meeting_references(conn, m.id)?;
        // The meeting's record names who wrote it: the user who entered it.
        let recorder = match m.created_by {
            Some(id) => Some(users::find(conn, id)?.display_name),
            None => None,
        };
        dated.push((
            m.held_at,
            SessionDoc {
                meeting: true,
                chair: m.chair.clone(),
                time: c.time(m.held_at),
                place: m.place.clone(),
                mediators: String::new(),
                recorder: recorder.unwrap_or_default(),
                attendees: Some(l.with(
                    "doc.session.attendance",
                    &[("who", m.attendees.clone()), ("count", m.attendance.to_string())],
                )),
                statements: Vec::new(),
                findings: Some(m.explanations.clone()),
                risks: None,
                outcome: l.with(
                    "doc.session.vote_line",
                    &[
                        ("for", m.votes_for.to_string()),
                        ("against", m.votes_against.to_string()),
                        ("abstain", m.votes_abstain.to_string()),
                        ("resolution", m.resolution.clone().unwrap_or_default()),
                    ],
                ),
                failure_reason: None,
                citations: citations(refs, c.lang),
            },
        ));
    }
    for s in mediation::sessions_of_case(conn, c.case.id)? {
        last = last.max(s.created_at);
        let refs = mediation::session_references(conn, s.id)?;
        dated.push((
            s.held_at,
            SessionDoc {
                meeting: false,
                chair: None,
                time: c.time(s.held_at),
                place: s.place.clone(),
                mediators: s.mediators.clone(),
                recorder: s.recorder.clone(),
                attendees: s.attendees.clone(),
                statements: s.statements().into_iter().map(|st| (st.speaker, st.text)).collect(),
                findings: s.findings.clone(),
                risks: s.risks_explained.clone(),
                outcome: s.outcome.clone(),
                failure_reason: s.failure_reason.clone(),
                citations: citations(refs, c.lang),
            },
        ));
    }
    dated.sort_by_key(|(at, _)| *at);
    records.extend(dated.into_iter().map(|(_, d)| d));
    Ok(SessionsDoc {
        header: c.header(&c.case.number, last),
        matter: c.case.title.clone(),
        parties: signing_parties(conn, c.case.id, true)?,
        records,
    })
}

pub(super) fn follow_ups_model(conn: &mut DbConn, c: &Ctx<'_>, a: &Agreement) -> Result<FollowUpsDoc, PrintError> {
    let content = agreements::content(conn, c.committee, a, c.case)?;
    let mut records = Vec::new();
    let mut last = a.effective_at.unwrap_or(a.created_at);
    for f in follow_ups::of_agreement(conn, a.id)? {
        last = last.max(f.created_at);
        let observations = follow_ups::observations(conn, f.id)?;
        let terms = content
            .terms
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let o = observations.iter().find(|o| usize::try_from(o.term_position).ok() == Some(i + 1));
                (
                    t.text.clone(),
                    o.map_or_else(|| "unknown".to_owned(), |o| o.result.clone()),
                    o.and_then(|o| o.note.clone()),
                )
            })
            .collect();
        records.push(FollowUpDoc {
            time: c.time(f.visited_at),
            method: f.method.to_string(),
            visitor: f.visitor.clone(),
            terms,
            overall: f.overall.clone(),
            satisfaction: f.satisfaction,
            lawsuit: f.lawsuit,
            risk_signs: f.risk_signs.clone(),
            measures: f.measures.clone(),
            notes: crate::app::night_review::follow_up_notes(conn, f.id, f.notes.clone(), c.offset, c.lang)?,
        });
    }
    let l = Labels { lang: c.lang };
    let parties = content
        .parties
        .iter()
        .filter(|p| p.role != "representative")
        .map(|p| crate::documents::forms::party_named(&l, &p.role, &p.name))
        .collect();
    Ok(FollowUpsDoc { header: c.header(&c.case.number, last), matter: c.case.title.clone(), parties, records })
}

pub(super) fn confirmation_model(
    conn: &mut DbConn,
    c: &Ctx<'_>,
    a: &Agreement,
    settings: &PrintSettings,
) -> Result<ConfirmationDoc, PrintError> {
    let (Some(effective), Some(deadline), Some(hash)) = (a.effective_at, a.confirmation_deadline, &a.content_hash)
    else {
        return Err(PrintError::NotApplicable);
    };
    let content = agreements::content(conn, c.committee, a, c.case)?;
    // The parties file this themselves; it carries their own contact details.
    let rows = parties::of_case(conn, c.case.id)?;
    Ok(ConfirmationDoc {
        header: c.header(&c.case.number, effective),
        parties: rows
            .iter()
            .filter(|(cp, _)| cp.role().signs_agreements())
            .map(|(cp, p)| signer(&rows, cp, p, !settings.full_phones))
            .collect(),
        oral: a.kind() == AgreementKind::Oral,
        agents: rows.iter().any(|(cp, _)| !cp.role().signs_agreements()),
        effective_date: local_date(effective, c.offset),
        deadline,
        facts: a.facts.clone(),
        terms: content
            .terms
            .iter()
            .map(|t| term_text(t, c.lang, Some(local_date(effective, c.offset)), &content.parties))
            .collect(),
        content_hash: hash.clone(),
    })
}
