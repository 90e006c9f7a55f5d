//! One generated case with its records.

use super::*;

#[allow(clippy::too_many_arguments)]
pub(super) fn one_case(
    conn: &mut DbConn,
    committee: &Committee,
    terms: &Terms,
    mediators: &[(i64, String)],
    rng: &mut Rng,
    registered: NaiveDateTime,
    year: i32,
    seq: i32,
    (party_base, agreement_base): (u64, u64),
    made: &mut Generated,
    search: &mut Vec<(i64, i64, Indexed)>,
) -> QueryResult<i64> {
    let settings = committee.settings()?;
    let road = rng.pick(ROADS);
    let building = 1 + rng.below(40);
    let place = format!("{road}{building}号院");
    let what = rng.pick(NOISE);
    let status = *rng.weighted(STATUSES);
    let dispute = *rng.weighted(&[
        ("neighbour", 55),
        ("property", 15),
        ("environment", 12),
        ("family", 6),
        ("damages", 5),
        ("housing", 4),
        ("consumer", 3),
    ]);
    let source = *rng.weighted(&[("application", 60), ("own_initiative", 30), ("referral", 10)]);
    let risk = *rng.weighted(&[("yellow", 80), ("orange", 15), ("red", 5)]);
    let number = settings.number_pattern.format(year, &committee.abbreviation, i64::from(seq));
    let title = format!("{place}{}", &what[..what.char_indices().nth(8).map_or(what.len(), |(b, _)| b)]);
    let case_id = diesel::insert_into(mediation_case::table)
        .values((
            mediation_case::committee_id.eq(committee.id),
            mediation_case::number.eq(&number),
            mediation_case::year.eq(year),
            mediation_case::seq.eq(seq),
            mediation_case::title.eq(&title),
            mediation_case::dispute_type.eq(dispute),
            mediation_case::source.eq(source),
            mediation_case::status.eq(status),
            mediation_case::risk_level.eq(risk),
            mediation_case::public_session.eq(false),
            mediation_case::facts.eq(*what),
            mediation_case::location.eq(&place),
            mediation_case::registered_at.eq(registered),
            mediation_case::routes_explained.eq(status == "terminated"),
            mediation_case::termination_reason.eq((status == "terminated").then_some("一方拒绝继续调解")),
            mediation_case::prevented_criminal.eq(rng.below(100) < 2),
            mediation_case::prevented_petition.eq(rng.below(100) < 1),
            mediation_case::created_at.eq(registered),
            mediation_case::updated_at.eq(registered),
        ))
        .returning(mediation_case::id)
        .get_result::<i64>(conn)?;
    made.cases += 1;

    let mut snapshots = Vec::with_capacity(2);
    let ring = &*crate::db::parties::ring()?;
    for role in ["applicant", "respondent"] {
        let name = person_name(rng);
        let phone = format!("13{:09}", rng.below(1_000_000_000));
        let address = format!("{place}{}号楼{}", 1 + rng.below(12), 101 + rng.below(20) * 100 + rng.below(4));
        let code = code_of(party_base + u64::try_from(made.cases * 2 + snapshots.len()).unwrap_or(0), 10, 5);
        let party_id = diesel::insert_into(party::table)
            .values((
                party::committee_id.eq(committee.id),
                party::kind.eq("person"),
                party::name.eq(&name),
                party::phone.eq(crate::db::parties::seal(Field::Phone, &phone)?),
                party::address.eq(&address),
                party::access_code.eq(crate::db::parties::seal(Field::AccessCode, &code)?),
                party::access_key.eq(crate::db::parties::access_key(ring, &code)),
                party::created_at.eq(registered),
            ))
            .returning(party::id)
            .get_result::<i64>(conn)?;
        diesel::insert_into(case_party::table)
            .values((case_party::case_id.eq(case_id), case_party::party_id.eq(party_id), case_party::role.eq(role)))
            .execute(conn)?;
        snapshots.push(PartySnapshot {
            party_id,
            role: role.to_owned(),
            name,
            sex: None,
            ethnicity: None,
            birth_year: None,
            occupation: None,
            phone: Some(mask_phone(&phone)),
            address: Some(address),
            organisation: None,
            represents: None,
        });
    }
    let (mediator_id, mediator_name) = rng.pick(mediators).clone();
    diesel::insert_into(case_mediator::table)
        .values((case_mediator::case_id.eq(case_id), case_mediator::user_id.eq(mediator_id)))
        .execute(conn)?;

    let complaints = 3 + rng.below(5);
    let mut named_complainant = false;
    let key = location_key(&place);
    for c in 0..complaints {
        let received = registered - TimeDelta::hours(i64::try_from(1 + rng.below(24 * 14)).unwrap_or(1));
        let anonymous = rng.below(100) < 40;
        named_complainant |= !anonymous && c == 0;
        let channel = *rng.weighted(&[
            ("phone", 30),
            ("hotline", 25),
            ("wechat", 20),
            ("visit", 15),
            ("online", 7),
            ("patrol", 3),
        ]);
        diesel::insert_into(complaint::table)
            .values((
                complaint::committee_id.eq(committee.id),
                complaint::received_at.eq(received),
                complaint::channel.eq(channel),
                complaint::category.eq("noise"),
                complaint::location.eq(&place),
                complaint::location_key.eq(&key),
                complaint::description.eq(*what),
                complaint::reporter_party_id.eq((!anonymous && c == 0).then_some(snapshots[0].party_id)),
                complaint::anonymous.eq(anonymous),
                complaint::case_id.eq(case_id),
                complaint::created_at.eq(received),
            ))
            .execute(conn)?;
        made.complaints += 1;
    }

    if !matches!(status, "registered" | "investigating") {
        let held = registered + TimeDelta::days(i64::try_from(2 + rng.below(10)).unwrap_or(2));
        let outcome = if status == "terminated" {
            "failed"
        } else if status == "mediating" {
            "continued"
        } else {
            "agreed"
        };
        diesel::insert_into(mediation_session::table)
            .values((
                mediation_session::case_id.eq(case_id),
                mediation_session::held_at.eq(held),
                mediation_session::place.eq("社区人民调解室"),
                mediation_session::mediators.eq(&mediator_name),
                mediation_session::recorder.eq(&mediator_name),
                mediation_session::statements.eq("[]"),
                mediation_session::outcome.eq(outcome),
                mediation_session::failure_reason.eq((outcome == "failed").then_some("一方拒绝继续调解")),
                mediation_session::created_at.eq(held),
            ))
            .execute(conn)?;
        let agreed = matches!(status, "agreed" | "fulfilled" | "breached" | "referred")
            || (status == "archived" && rng.below(10) < 8);
        if agreed {
            let effective = held + TimeDelta::hours(1);
            let term_set = rng.pick(&terms.templates).clone();
            let content = AgreementContent {
                committee: committee.name.clone(),
                case_number: number.clone(),
                kind: "written".to_owned(),
                subtitle: None,
                version: 1,
                supersedes_version: None,
                parties: snapshots.clone(),
                facts: (*what).to_owned(),
                disputed_matters: "活动时间和音量".to_owned(),
                responsibilities: None,
                terms: term_set.clone(),
                performance: Performance {
                    manner: "当事人自觉履行".to_owned(),
                    place: Some(place.clone()),
                    deadline: None,
                },
                copies: copies(snapshots.len()),
            };
            let json = content.canonical_json();
            let agreement_status = match status {
                "fulfilled" | "archived" => "fulfilled",
                "breached" | "referred" => "breached",
                _ => "effective",
            };
            let day: NaiveDate = local_date(effective, committee.utc_offset_minutes);
            let agreement_id = diesel::insert_into(agreement::table)
                .values((
                    agreement::case_id.eq(case_id),
                    agreement::version.eq(1),
                    agreement::kind.eq("written"),
                    agreement::facts.eq(*what),
                    agreement::disputed_matters.eq("活动时间和音量"),
                    agreement::performance_manner.eq("当事人自觉履行"),
                    agreement::performance_place.eq(&place),
                    agreement::status.eq("signing"),
                    agreement::created_by.eq(mediator_id),
                    agreement::created_at.eq(held),
                    agreement::updated_at.eq(effective),
                ))
                .returning(agreement::id)
                .get_result::<i64>(conn)?;
            made.agreements += 1;
            for (position, t) in term_set.iter().enumerate() {
                diesel::insert_into(agreement_term::table)
                    .values((
                        agreement_term::agreement_id.eq(agreement_id),
                        agreement_term::position.eq(i32::try_from(position + 1).unwrap_or(1)),
                        agreement_term::kind.eq(t.kind.code()),
                        agreement_term::text.eq(&t.text),
                        agreement_term::days.eq(&t.days),
                        agreement_term::start_time.eq(t.start.map(|c| c.to_string())),
                        agreement_term::end_time.eq(t.end.map(|c| c.to_string())),
                        agreement_term::max_db.eq(t.max_db),
                        agreement_term::measure_position.eq(t.position.map(|p| p.code())),
                        agreement_term::amount_fen.eq(t.amount_fen),
                        agreement_term::due.eq(t.due),
                    ))
                    .execute(conn)?;
            }
            let mut signers: Vec<(&str, Option<i64>, String)> =
                snapshots.iter().map(|p| ("party", Some(p.party_id), p.name.clone())).collect();
            signers.push(("mediator", None, mediator_name.clone()));
            signers.push(("committee_seal", None, committee.name.clone()));
            for (role, party_id, name) in signers {
                diesel::insert_into(signature::table)
                    .values((
                        signature::agreement_id.eq(agreement_id),
                        signature::role.eq(role),
                        signature::party_id.eq(party_id),
                        signature::signer_name.eq(name),
                        signature::method.eq(if role == "committee_seal" { "seal" } else { "paper" }),
                        signature::signed_at.eq(effective),
                        signature::recorded_by.eq(mediator_id),
                        signature::created_at.eq(effective),
                    ))
                    .execute(conn)?;
            }
            // Takes effect as signing does: content frozen, hashed, coded.
            diesel::update(agreement::table.find(agreement_id))
                .set((
                    agreement::status.eq(agreement_status),
                    agreement::content_hash.eq(content.hash()),
                    agreement::content_json.eq(&json),
                    agreement::effective_at.eq(effective),
                    agreement::confirmation_deadline.eq(confirmation_deadline(day)),
                    agreement::verification_code.eq(code_of(
                        agreement_base + u64::try_from(made.agreements).unwrap_or(0),
                        12,
                        11,
                    )),
                    agreement::copies.eq(content.copies),
                ))
                .execute(conn)?;
            if agreement_status != "effective" || rng.below(2) == 0 {
                let visited = effective + TimeDelta::days(i64::try_from(7 + rng.below(30)).unwrap_or(7));
                let overall = if agreement_status == "breached" { "breached" } else { "kept" };
                diesel::insert_into(follow_up::table)
                    .values((
                        follow_up::agreement_id.eq(agreement_id),
                        follow_up::case_id.eq(case_id),
                        follow_up::visited_at.eq(visited),
                        follow_up::visitor.eq(&mediator_name),
                        follow_up::method.eq("visit"),
                        follow_up::satisfaction.eq(i32::try_from(3 + rng.below(3)).unwrap_or(4)),
                        follow_up::lawsuit.eq(false),
                        follow_up::overall.eq(overall),
                        follow_up::created_at.eq(visited),
                    ))
                    .execute(conn)?;
            }
        }
    }
    let parties: Vec<&str> = snapshots.iter().map(|p| p.name.as_str()).collect();
    let complainants = if named_complainant { vec![parties[0]] } else { Vec::new() };
    search.push((case_id, committee.id, Indexed::of(&title, &number, Some(&place), parties, complainants)));
    Ok(case_id)
}
