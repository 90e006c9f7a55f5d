//! Drafting an agreement: creating it (an oral one takes effect at once),
//! editing a draft, withdrawing it.

use super::*;

/// A term as its row is stored: the one list of its columns, for a draft
/// saved and for the agreements `demo --scale` writes in bulk.
#[derive(Insertable)]
#[diesel(table_name = agreement_term)]
#[diesel(treat_none_as_default_value = false)]
pub struct NewTerm<'a> {
    agreement_id: i64,
    position: i32,
    kind: &'static str,
    text: &'a str,
    days: Option<&'a str>,
    start_time: Option<String>,
    end_time: Option<String>,
    max_db: Option<f64>,
    measure_position: Option<&'static str>,
    amount_fen: Option<i64>,
    due: Option<NaiveDate>,
    obligor_party_id: Option<i64>,
    payee_party_id: Option<i64>,
}

impl<'a> NewTerm<'a> {
    /// Columns in a statement of many rows.
    pub const COLUMNS: usize = 13;

    /// The row of `term`, the `position`th (from 1) of its agreement.
    pub fn new(agreement_id: i64, position: i32, term: &'a Term) -> NewTerm<'a> {
        NewTerm {
            agreement_id,
            position,
            kind: term.kind.code(),
            text: &term.text,
            days: term.days.as_deref(),
            start_time: term.start.map(|c| c.to_string()),
            end_time: term.end.map(|c| c.to_string()),
            max_db: term.max_db,
            measure_position: term.position.map(|p| p.code()),
            amount_fen: term.amount_fen,
            due: term.due,
            obligor_party_id: term.obligor,
            payee_party_id: term.payee,
        }
    }
}

pub(super) fn insert_terms(conn: &mut DbConn, agreement_id: i64, terms: &[Term]) -> QueryResult<()> {
    let rows: Vec<NewTerm<'_>> =
        (1..).zip(terms).map(|(position, term)| NewTerm::new(agreement_id, position, term)).collect();
    crate::insert_many!(conn, agreement_term::table, NewTerm::COLUMNS, rows)
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
