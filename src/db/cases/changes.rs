//! Changes to a case: moves of its state machine, referrals, its
//! particulars, its parties.

use super::*;

/// Changes a case's status within an audited write.
pub fn set_status(
    conn: &mut DbConn,
    log: &mut AuditLog,
    actor: &Actor,
    case: &Case,
    to: CaseStatus,
    reason: Option<&str>,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(mediation_case::table.find(case.id))
        .set((mediation_case::status.eq(to.code()), mediation_case::updated_at.eq(now)))
        .execute(conn)?;
    diesel::insert_into(case_transition::table)
        .values((
            case_transition::case_id.eq(case.id),
            case_transition::from_status.eq(case.status.as_str()),
            case_transition::to_status.eq(to.code()),
            case_transition::reason.eq(reason),
            case_transition::created_by.eq(actor.id),
            case_transition::created_at.eq(now),
        ))
        .execute(conn)?;
    log.record("case.transition", "case", case.id, json!({"from": case.status, "to": to.code(), "reason": reason}));
    Ok(())
}

/// Moves a case along its state machine; an illegal move is a conflict
/// naming the allowed moves.
pub fn transition(
    conn: &mut DbConn,
    actor: &Actor,
    committee_id: i64,
    case_id: i64,
    request: &MoveRequest,
    now: NaiveDateTime,
) -> Result<Case, WriteError> {
    audited(conn, actor, committee_id, |conn, log| {
        let case = find(conn, committee_id, case_id)?;
        let from = case.status();
        let Some(to) = request.to else {
            return Err(WriteError::field("to", Invalid::new("invalid.required")));
        };
        let facts = MoveFacts {
            has_effective_agreement: has_effective_agreement(conn, case.id)?,
            reason: request.reason.as_deref(),
            routes_explained: request.routes_explained,
            referred_to: request.referred_to.as_deref(),
        };
        match check_move(from, to, &facts) {
            Ok(()) => {}
            Err(MoveError::NotAllowed { from, to }) => {
                let allowed: Vec<&str> = from.next().iter().map(|s| s.code()).collect();
                return Err(WriteError::Conflict(
                    Invalid::new("conflict.illegal_move")
                        .with("from", from)
                        .with("to", to)
                        .with("allowed", allowed.join(", ")),
                    Some(json!({"from": from.code(), "to": to.code(), "allowed": allowed})),
                ));
            }
            Err(MoveError::Precondition(fields)) => {
                return Err(WriteError::Invalid(fields.into_iter().map(|(f, e)| (f.to_owned(), e)).collect()));
            }
        }
        if to == CaseStatus::Terminated {
            diesel::update(mediation_case::table.find(case.id))
                .set((
                    mediation_case::termination_reason.eq(&request.reason),
                    mediation_case::routes_explained.eq(true),
                ))
                .execute(conn)?;
        }
        if to == CaseStatus::Referred {
            let id = diesel::insert_into(referral::table)
                .values((
                    referral::case_id.eq(case.id),
                    referral::referred_to.eq(request.referred_to.as_deref().unwrap_or_default().trim()),
                    referral::reason.eq(request.reason.as_deref().unwrap_or_default().trim()),
                    referral::referred_at.eq(now),
                    referral::created_by.eq(actor.id),
                    referral::created_at.eq(now),
                ))
                .returning(referral::id)
                .get_result::<i64>(conn)?;
            crate::db::reports::rollup::referral_changed(conn, id)?;
            log.record("referral.create", "referral", id, json!({"case_id": case.id, "to": request.referred_to}));
        }
        set_status(conn, log, actor, &case, to, request.reason.as_deref(), now)?;
        Ok(find(conn, committee_id, case_id)?)
    })
}

/// Records a referral; when the case may move to `referred` it does.
pub fn refer(
    conn: &mut DbConn,
    actor: &Actor,
    committee_id: i64,
    case_id: i64,
    new: &NewReferral,
    now: NaiveDateTime,
) -> Result<Referral, WriteError> {
    audited(conn, actor, committee_id, |conn, log| {
        let case = find(conn, committee_id, case_id)?;
        if case.status().is_closed() {
            return Err(WriteError::conflict(Invalid::new("conflict.case_closed")));
        }
        let row = diesel::insert_into(referral::table)
            .values((
                referral::case_id.eq(case.id),
                referral::referred_to.eq(&new.referred_to),
                referral::reason.eq(&new.reason),
                referral::referred_at.eq(new.referred_at),
                referral::created_by.eq(actor.id),
                referral::created_at.eq(now),
            ))
            .returning(referral::id)
            .get_result::<i64>(conn)
            .and_then(|id| referral::table.find(id).select(Referral::as_select()).first(conn))?;
        crate::db::reports::rollup::referral_changed(conn, row.id)?;
        log.record(
            "referral.create",
            "referral",
            row.id,
            json!({"case_id": case.id, "to": new.referred_to, "reason": new.reason}),
        );
        if case.status().next().contains(&CaseStatus::Referred) {
            set_status(conn, log, actor, &case, CaseStatus::Referred, Some(&new.reason), now)?;
        }
        Ok(row)
    })
}

/// Updates a case's particulars (not its status or number).
pub fn update(
    conn: &mut DbConn,
    actor: &Actor,
    committee_id: i64,
    case_id: i64,
    changes: &CaseChanges,
    now: NaiveDateTime,
) -> Result<Case, WriteError> {
    audited(conn, actor, committee_id, |conn, log| {
        let case = find(conn, committee_id, case_id)?;
        if case.status().is_closed() {
            return Err(WriteError::conflict(Invalid::new("conflict.case_closed")));
        }
        if let Some(title) = &changes.title {
            diesel::update(mediation_case::table.find(case.id)).set(mediation_case::title.eq(title)).execute(conn)?;
            search_index::refresh(conn, &[case.id])?;
        }
        if let Some(risk) = changes.risk_level {
            diesel::update(mediation_case::table.find(case.id))
                .set(mediation_case::risk_level.eq(risk.code()))
                .execute(conn)?;
        }
        if let Some(public) = changes.public_session {
            diesel::update(mediation_case::table.find(case.id))
                .set(mediation_case::public_session.eq(public))
                .execute(conn)?;
        }
        if let Some(facts) = &changes.facts {
            diesel::update(mediation_case::table.find(case.id)).set(mediation_case::facts.eq(facts)).execute(conn)?;
        }
        if let Some(flag) = changes.prevented_criminal {
            diesel::update(mediation_case::table.find(case.id))
                .set(mediation_case::prevented_criminal.eq(flag))
                .execute(conn)?;
        }
        if let Some(flag) = changes.prevented_petition {
            diesel::update(mediation_case::table.find(case.id))
                .set(mediation_case::prevented_petition.eq(flag))
                .execute(conn)?;
        }
        if let Some(ids) = &changes.mediator_ids {
            check_mediators(conn, committee_id, ids)?;
            diesel::delete(case_mediator::table.filter(case_mediator::case_id.eq(case.id))).execute(conn)?;
            for id in ids {
                diesel::insert_into(case_mediator::table)
                    .values((case_mediator::case_id.eq(case.id), case_mediator::user_id.eq(id)))
                    .execute(conn)?;
            }
        }
        diesel::update(mediation_case::table.find(case.id)).set(mediation_case::updated_at.eq(now)).execute(conn)?;
        if changes.prevented_criminal.is_some() || changes.prevented_petition.is_some() {
            crate::db::reports::rollup::case_changed(conn, case.id)?;
        }
        log.record(
            "case.update",
            "case",
            case.id,
            json!({
                "title": changes.title,
                "risk_level": changes.risk_level.map(|r| r.code()),
                "public_session": changes.public_session,
                "facts": changes.facts,
                "mediator_ids": changes.mediator_ids,
                "prevented_criminal": changes.prevented_criminal,
                "prevented_petition": changes.prevented_petition,
            }),
        );
        Ok(find(conn, committee_id, case_id)?)
    })
}

/// Adds a party to an open case.
pub fn add_party(
    conn: &mut DbConn,
    actor: &Actor,
    committee_id: i64,
    case_id: i64,
    p: &NewCaseParty,
    now: NaiveDateTime,
) -> Result<i64, WriteError> {
    audited(conn, actor, committee_id, |conn, log| {
        let case = find(conn, committee_id, case_id)?;
        if case.status().is_closed() {
            return Err(WriteError::conflict(Invalid::new("conflict.case_closed")));
        }
        let party = parties::insert(conn, committee_id, &p.particulars, now)?;
        parties::link(conn, case.id, party.id, p.role, p.represents.as_deref())?;
        search_index::refresh(conn, &[case.id])?;
        log.record("party.create", "party", party.id, json!({"case_id": case.id, "role": p.role.code()}));
        Ok(party.id)
    })
}

/// A status change of a case.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = case_transition)]
pub struct Transition {
    /// From.
    pub from_status: String,
    /// To.
    pub to_status: String,
    /// Why.
    pub reason: Option<String>,
    /// Who.
    pub created_by: Option<i64>,
    /// When.
    pub created_at: NaiveDateTime,
}

/// The status changes of a case, oldest first.
pub fn transitions(conn: &mut DbConn, case_id: i64) -> QueryResult<Vec<Transition>> {
    Ok(transitions_of_cases(conn, &[case_id])?.into_iter().map(|(_, t)| t).collect())
}

/// The status changes of cases `case_ids`, each with its case, by case,
/// each case's oldest first.
pub fn transitions_of_cases(conn: &mut DbConn, case_ids: &[i64]) -> QueryResult<Vec<(i64, Transition)>> {
    case_transition::table
        .filter(case_transition::case_id.eq_any(case_ids))
        .order((case_transition::case_id, case_transition::id))
        .select((case_transition::case_id, Transition::as_select()))
        .load(conn)
}
