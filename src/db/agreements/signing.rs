//! Signing an agreement, and the moment it takes effect: its content
//! frozen and hashed, its verification code and deadline set.

use super::*;

/// What signing did.
#[derive(Debug, Clone)]
pub struct SignOutcome {
    /// The new signature's id.
    pub signature_id: i64,
    /// The agreement afterwards.
    pub agreement: Agreement,
    /// Whether this signature made it take effect.
    pub took_effect: bool,
}

/// The case parties who must sign, by party id.
pub(super) fn signing_parties(conn: &mut DbConn, case_id: i64) -> QueryResult<Vec<i64>> {
    Ok(parties::of_case(conn, case_id)?
        .into_iter()
        .filter(|(cp, _)| cp.role().signs_agreements())
        .map(|(cp, _)| cp.party_id)
        .collect())
}

/// The people who sign for an organisation party of the case, by party id:
/// each representative whose `represents` names one. Their signature is
/// recorded beside the organisation's seal; it is not one more required.
pub(super) fn signing_agents(conn: &mut DbConn, case_id: i64) -> QueryResult<Vec<i64>> {
    let rows = parties::of_case(conn, case_id)?;
    let organisations: Vec<&str> = rows
        .iter()
        .filter(|(cp, p)| cp.role().signs_agreements() && p.kind == "organisation")
        .map(|(_, p)| p.name.as_str())
        .collect();
    Ok(rows
        .iter()
        .filter(|(cp, _)| !cp.role().signs_agreements())
        .filter(|(cp, _)| cp.represents.as_deref().is_some_and(|name| organisations.contains(&name)))
        .map(|(cp, _)| cp.party_id)
        .collect())
}

/// Records a signature; when every party, the mediator and the seal are
/// recorded the agreement takes effect in the same transaction.
pub fn sign(
    conn: &mut DbConn,
    actor: &Actor,
    committee: &Committee,
    id: i64,
    new: &NewSignature,
    now: NaiveDateTime,
) -> Result<SignOutcome, WriteError> {
    audited(conn, actor, committee.id, |conn, log| {
        let (current, case) = find(conn, committee.id, id)?;
        if current.kind() == AgreementKind::Oral {
            return Err(WriteError::conflict(Invalid::new("conflict.oral_not_signed")));
        }
        if !matches!(current.status(), AgreementStatus::Draft | AgreementStatus::Signing) {
            return Err(WriteError::Conflict(
                Invalid::new("conflict.agreement_not_signable").with("status", current.status()),
                Some(json!({"status": current.status})),
            ));
        }
        let existing = signatures(conn, id)?;
        let signer_name = match new.role {
            SignerRole::Party => {
                let party_id =
                    new.party_id.ok_or_else(|| WriteError::field("party_id", Invalid::new("invalid.required")))?;
                if !signing_parties(conn, case.id)?.contains(&party_id)
                    && !signing_agents(conn, case.id)?.contains(&party_id)
                {
                    return Err(WriteError::field("party_id", Invalid::new("invalid.not_a_party")));
                }
                if existing.iter().any(|s| s.role == "party" && s.party_id == Some(party_id)) {
                    return Err(WriteError::conflict(Invalid::new("conflict.already_signed")));
                }
                parties::find(conn, committee.id, party_id)?.name
            }
            role => {
                if existing.iter().any(|s| s.role == role.code()) {
                    return Err(WriteError::conflict(Invalid::new("conflict.already_signed")));
                }
                if role == SignerRole::CommitteeSeal { committee.name.clone() } else { new.signer_name.clone() }
            }
        };
        let image_sha256 = new.image_png.as_ref().map(|png| hex::encode(Sha256::digest(png)));
        let signature_id = diesel::insert_into(signature::table)
            .values((
                signature::agreement_id.eq(id),
                signature::role.eq(new.role.code()),
                signature::party_id.eq(if new.role == SignerRole::Party { new.party_id } else { None }),
                signature::signer_name.eq(&signer_name),
                signature::method.eq(new.method.code()),
                signature::signed_at.eq(new.signed_at),
                signature::image_png.eq(&new.image_png),
                signature::image_sha256.eq(&image_sha256),
                signature::recorded_by.eq(actor.id),
                signature::created_at.eq(now),
            ))
            .returning(signature::id)
            .get_result::<i64>(conn)?;
        log.record(
            "signature.create",
            "signature",
            signature_id,
            json!({"agreement_id": id, "role": new.role.code(), "party_id": new.party_id, "method": new.method.code(), "image_sha256": image_sha256}),
        );
        if current.status() == AgreementStatus::Draft {
            diesel::update(agreement::table.find(id))
                .set((agreement::status.eq(AgreementStatus::Signing.code()), agreement::updated_at.eq(now)))
                .execute(conn)?;
        }
        let mut signed: Vec<Signed> =
            existing.iter().map(|s| Signed { role: s.role.get(), party_id: s.party_id }).collect();
        signed.push(Signed { role: new.role, party_id: new.party_id });
        let required = signing_parties(conn, case.id)?;
        let took_effect = missing_signatures(&required, &signed).is_complete();
        if took_effect {
            take_effect(conn, log, actor, committee, &current, &case, now)?;
        }
        let agreement = agreement::table.find(id).select(Agreement::as_select()).first(conn)?;
        Ok(SignOutcome { signature_id, agreement, took_effect })
    })
}

/// The content of an agreement as it stands (frozen content once effective).
pub fn content(conn: &mut DbConn, committee: &Committee, a: &Agreement, case: &Case) -> QueryResult<AgreementContent> {
    if let Some(json) = &a.content_json
        && let Ok(content) = serde_json::from_str::<AgreementContent>(json)
    {
        return Ok(content);
    }
    build_content(conn, committee, a, case)
}

pub(super) fn build_content(
    conn: &mut DbConn,
    committee: &Committee,
    a: &Agreement,
    case: &Case,
) -> QueryResult<AgreementContent> {
    let party_rows = parties::of_case(conn, case.id)?;
    let supersedes_version = match a.supersedes_id {
        Some(old) => Some(agreement::table.find(old).select(agreement::version).first::<i32>(conn)?),
        None => None,
    };
    let signing = party_rows.iter().filter(|(cp, _)| cp.role().signs_agreements()).count();
    Ok(AgreementContent {
        committee: committee.name.clone(),
        case_number: case.number.clone(),
        kind: a.kind.to_string(),
        subtitle: a.subtitle.clone(),
        version: a.version,
        supersedes_version,
        parties: party_rows
            .into_iter()
            .map(|(cp, p)| PartySnapshot {
                party_id: p.id,
                role: cp.role.to_string(),
                name: p.name,
                sex: p.sex,
                ethnicity: p.ethnicity,
                birth_year: p.birth_year,
                occupation: p.occupation,
                // The snapshot is frozen with the agreement, where no key
                // rotation could reach it: it keeps the number masked, as
                // every printed agreement shows it.
                phone: p.phone.as_deref().map(mask_phone),
                address: p.address,
                organisation: p.organisation,
                represents: cp.represents,
            })
            .collect(),
        facts: a.facts.clone(),
        disputed_matters: a.disputed_matters.clone(),
        responsibilities: a.responsibilities.clone(),
        terms: terms(conn, a.id)?.iter().map(TermRow::to_term).collect(),
        performance: Performance {
            manner: a.performance_manner.clone(),
            place: a.performance_place.clone(),
            deadline: a.performance_deadline,
        },
        copies: copies(signing),
    })
}

/// Freezes the content, makes the verification code and sets the dates;
/// the version it amends is superseded and the case moves to `agreed`.
pub(super) fn take_effect(
    conn: &mut DbConn,
    log: &mut AuditLog,
    actor: &Actor,
    committee: &Committee,
    a: &Agreement,
    case: &Case,
    now: NaiveDateTime,
) -> Result<(), WriteError> {
    let content = build_content(conn, committee, a, case)?;
    let canonical = content.canonical_json();
    let hash = content.hash();
    let effective_date = local_date(now, committee.utc_offset_minutes);
    let deadline = confirmation_deadline(effective_date);
    let mut code = String::new();
    for _ in 0..5 {
        code = random::code(VERIFICATION_CODE_LEN);
        let attempt = conn.transaction(|conn| {
            diesel::update(agreement::table.find(a.id))
                .set((
                    agreement::status.eq(AgreementStatus::Effective.code()),
                    agreement::content_json.eq(&canonical),
                    agreement::content_hash.eq(&hash),
                    agreement::effective_at.eq(now),
                    agreement::confirmation_deadline.eq(deadline),
                    agreement::verification_code.eq(&code),
                    agreement::copies.eq(content.copies),
                    agreement::updated_at.eq(now),
                ))
                .execute(conn)
        });
        match attempt {
            Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => continue,
            other => {
                other?;
                break;
            }
        }
    }
    // Every frozen part of it, as it stands now, for `audit verify`.
    let parts = crate::db::integrity::agreement_parts(conn, a.id)?;
    log.record(
        "agreement.effective",
        "agreement",
        a.id,
        json!({"content_hash": hash, "effective_at": now, "confirmation_deadline": deadline, "verification_code": code,
               "parts_sha256": parts}),
    );
    if let Some(old) = a.supersedes_id {
        diesel::update(agreement::table.find(old))
            .set((agreement::status.eq(AgreementStatus::Superseded.code()), agreement::updated_at.eq(now)))
            .execute(conn)?;
        log.record("agreement.superseded", "agreement", old, json!({"by": a.id}));
        crate::db::reports::rollup::agreement_changed(conn, old)?;
    }
    crate::db::reports::rollup::agreement_changed(conn, a.id)?;
    let case = cases::find(conn, committee.id, case.id)?;
    match case.status() {
        CaseStatus::Mediating => cases::set_status(conn, log, actor, &case, CaseStatus::Agreed, None, now)?,
        CaseStatus::Breached => {
            // An amendment after a breach: mediation resumed and agreed again.
            cases::set_status(conn, log, actor, &case, CaseStatus::Mediating, None, now)?;
            let case = cases::find(conn, committee.id, case.id)?;
            cases::set_status(conn, log, actor, &case, CaseStatus::Agreed, None, now)?;
        }
        _ => {}
    }
    Ok(())
}

/// Sets an effective agreement's status after a follow-up (within the
/// follow-up's audited write).
pub fn set_status(
    conn: &mut DbConn,
    log: &mut AuditLog,
    id: i64,
    status: AgreementStatus,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(agreement::table.find(id))
        .set((agreement::status.eq(status.code()), agreement::updated_at.eq(now)))
        .execute(conn)?;
    log.record("agreement.status", "agreement", id, json!({"status": status.code()}));
    crate::db::reports::rollup::agreement_changed(conn, id)
}
