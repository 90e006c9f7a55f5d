//! Drafting an agreement: creating it (an oral one takes effect at once),
//! editing a draft, withdrawing it.

use super::*;

pub(super) fn insert_terms(conn: &mut DbConn, agreement_id: i64, terms: &[Term]) -> QueryResult<()> {
    for (i, t) in terms.iter().enumerate() {
        diesel::insert_into(agreement_term::table)
            .values((
                agreement_term::agreement_id.eq(agreement_id),
                agreement_term::position.eq(i32::try_from(i + 1).unwrap_or(i32::MAX)),
                agreement_term::kind.eq(t.kind.code()),
                agreement_term::text.eq(&t.text),
                agreement_term::days.eq(&t.days),
                agreement_term::start_time.eq(t.start.map(|c| c.to_string())),
                agreement_term::end_time.eq(t.end.map(|c| c.to_string())),
                agreement_term::max_db.eq(t.max_db),
                agreement_term::measure_position.eq(t.position.map(|p| p.code())),
                agreement_term::amount_fen.eq(t.amount_fen),
                agreement_term::due.eq(t.due),
                agreement_term::obligor_party_id.eq(t.obligor),
                agreement_term::payee_party_id.eq(t.payee),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub(super) fn draft_summary(d: &Draft) -> serde_json::Value {
    json!({
        "kind": d.kind.code(),
        "subtitle": d.subtitle,
        "terms": d.terms.iter().map(|t| json!({"kind": t.kind.code(), "text": t.text})).collect::<Vec<_>>(),
    })
}

/// Drafts an agreement (an amendment when `supersedes` names an earlier
/// effective version). An oral agreement is registered and takes effect at
/// once (Art 30).
pub fn create(
    conn: &mut DbConn,
    actor: &Actor,
    committee: &Committee,
    case_id: i64,
    draft: &Draft,
    supersedes: Option<i64>,
    now: NaiveDateTime,
) -> Result<Agreement, WriteError> {
    audited(conn, actor, committee.id, |conn, log| {
        let case = cases::find(conn, committee.id, case_id)?;
        let status = case.status();
        let amending = supersedes.is_some();
        let allowed = status == CaseStatus::Mediating
            || (amending && matches!(status, CaseStatus::Agreed | CaseStatus::Breached));
        if !allowed {
            return Err(WriteError::conflict(Invalid::new("conflict.case_not_mediating").with("status", status)));
        }
        if let Some(old_id) = supersedes {
            let old: Agreement =
                agreement::table
                    .find(old_id)
                    .select(Agreement::as_select())
                    .first(conn)
                    .optional()?
                    .ok_or_else(|| WriteError::field("supersedes", Invalid::new("invalid.no_such_agreement")))?;
            if old.case_id != case.id || !matches!(old.status(), AgreementStatus::Effective | AgreementStatus::Breached)
            {
                return Err(WriteError::conflict(Invalid::new("conflict.amend_effective_only")));
            }
        }
        let version: Option<i32> = agreement::table
            .filter(agreement::case_id.eq(case.id))
            .select(diesel::dsl::max(agreement::version))
            .first(conn)?;
        let row = diesel::insert_into(agreement::table)
            .values((
                agreement::case_id.eq(case.id),
                agreement::version.eq(version.unwrap_or(0) + 1),
                agreement::supersedes_id.eq(supersedes),
                agreement::kind.eq(draft.kind.code()),
                agreement::subtitle.eq(&draft.subtitle),
                agreement::facts.eq(&draft.facts),
                agreement::disputed_matters.eq(&draft.disputed_matters),
                agreement::responsibilities.eq(&draft.responsibilities),
                agreement::performance_manner.eq(&draft.performance.manner),
                agreement::performance_place.eq(&draft.performance.place),
                agreement::performance_deadline.eq(draft.performance.deadline),
                agreement::status.eq(AgreementStatus::Draft.code()),
                agreement::created_by.eq(actor.id),
                agreement::created_at.eq(now),
                agreement::updated_at.eq(now),
            ))
            .returning(agreement::id)
            .get_result::<i64>(conn)
            .and_then(|id| agreement::table.find(id).select(Agreement::as_select()).first(conn))?;
        insert_terms(conn, row.id, &draft.terms)?;
        log.record(
            "agreement.create",
            "agreement",
            row.id,
            json!({"case_id": case.id, "version": row.version, "draft": draft_summary(draft)}),
        );
        if draft.kind == AgreementKind::Oral {
            take_effect(conn, log, actor, committee, &row, &case, now)?;
        }
        Ok(agreement::table.find(row.id).select(Agreement::as_select()).first(conn)?)
    })
}

/// Replaces a draft's content; anything past draft is a conflict.
pub fn update_draft(
    conn: &mut DbConn,
    actor: &Actor,
    committee_id: i64,
    id: i64,
    draft: &Draft,
    now: NaiveDateTime,
) -> Result<Agreement, WriteError> {
    audited(conn, actor, committee_id, |conn, log| {
        let (current, _) = find(conn, committee_id, id)?;
        if current.status() != AgreementStatus::Draft {
            return Err(WriteError::Conflict(
                Invalid::new("conflict.agreement_not_draft").with("status", current.status()),
                Some(json!({"status": current.status})),
            ));
        }
        if draft.kind != current.kind() {
            return Err(WriteError::field("kind", Invalid::new("invalid.kind_fixed")));
        }
        diesel::update(agreement::table.find(id))
            .set((
                agreement::subtitle.eq(&draft.subtitle),
                agreement::facts.eq(&draft.facts),
                agreement::disputed_matters.eq(&draft.disputed_matters),
                agreement::responsibilities.eq(&draft.responsibilities),
                agreement::performance_manner.eq(&draft.performance.manner),
                agreement::performance_place.eq(&draft.performance.place),
                agreement::performance_deadline.eq(draft.performance.deadline),
                agreement::updated_at.eq(now),
            ))
            .execute(conn)?;
        diesel::delete(agreement_term::table.filter(agreement_term::agreement_id.eq(id))).execute(conn)?;
        insert_terms(conn, id, &draft.terms)?;
        log.record("agreement.update", "agreement", id, draft_summary(draft));
        Ok(agreement::table.find(id).select(Agreement::as_select()).first(conn)?)
    })
}

/// Withdraws an agreement that has not taken effect.
pub fn withdraw(
    conn: &mut DbConn,
    actor: &Actor,
    committee_id: i64,
    id: i64,
    now: NaiveDateTime,
) -> Result<Agreement, WriteError> {
    audited(conn, actor, committee_id, |conn, log| {
        let (current, _) = find(conn, committee_id, id)?;
        if !matches!(current.status(), AgreementStatus::Draft | AgreementStatus::Signing) {
            return Err(WriteError::conflict(
                Invalid::new("conflict.agreement_not_draft").with("status", current.status()),
            ));
        }
        diesel::update(agreement::table.find(id))
            .set((agreement::status.eq(AgreementStatus::Withdrawn.code()), agreement::updated_at.eq(now)))
            .execute(conn)?;
        log.record("agreement.withdraw", "agreement", id, json!({}));
        Ok(agreement::table.find(id).select(Agreement::as_select()).first(conn)?)
    })
}
