//! One generated case with its records, gathered in memory: ids of cases
//! and parties are reserved before a batch is generated (an agreement's
//! frozen content names its parties by id), those of agreements after.

use super::*;

/// One generated case: its place in the batch, and the ids reserved for it
/// and its two parties.
pub(super) struct Slot<'a> {
    pub case_id: i64,
    pub party_ids: &'a [i64],
}

#[allow(clippy::too_many_arguments)]
pub(super) fn one_case(
    committee: &Committee,
    terms: &Terms,
    mediators: &[(i64, String)],
    rng: &mut Rng,
    registered: NaiveDateTime,
    year: i32,
    seq: i32,
    (party_base, agreement_base): (u64, u64),
    slot: Slot<'_>,
    made: &mut Generated,
    rows: &mut Rows,
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
    let case_id = slot.case_id;
    rows.cases.push(CaseRow {
        id: case_id,
        number: number.clone(),
        year,
        seq,
        title: title.clone(),
        dispute,
        source,
        status,
        risk,
        facts: what,
        location: place.clone(),
        registered,
        prevented_criminal: rng.below(100) < 2,
        prevented_petition: rng.below(100) < 1,
    });
    made.cases += 1;

    let mut snapshots = Vec::with_capacity(2);
    let ring = &*crate::db::parties::ring()?;
    for role in ["applicant", "respondent"] {
        let name = person_name(rng);
        let phone = format!("13{:09}", rng.below(1_000_000_000));
        let address = format!("{place}{}号楼{}", 1 + rng.below(12), 101 + rng.below(20) * 100 + rng.below(4));
        let code = code_of(party_base + u64::try_from(made.cases * 2 + snapshots.len()).unwrap_or(0), 10, 5);
        let party_id = slot.party_ids[snapshots.len()];
        rows.parties.push(PartyRow {
            id: party_id,
            name: name.clone(),
            phone: crate::db::parties::seal(Field::Phone, &phone)?,
            address: address.clone(),
            access_code: crate::db::parties::seal(Field::AccessCode, &code)?,
            access_key: crate::db::parties::access_key(ring, &code),
            created_at: registered,
        });
        rows.case_parties.push((case_id, party_id, role));
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
    rows.case_mediators.push((case_id, mediator_id));

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
        rows.complaints.push(ComplaintRow {
            received,
            channel,
            location: place.clone(),
            location_key: key.clone(),
            description: what,
            reporter: (!anonymous && c == 0).then_some(snapshots[0].party_id),
            anonymous,
            case_id,
        });
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
        rows.sessions.push((case_id, held, mediator_name.clone(), outcome));
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
            let agreement = rows.agreements.len();
            made.agreements += 1;
            for (position, t) in term_set.iter().enumerate() {
                rows.terms.push((agreement, i32::try_from(position + 1).unwrap_or(1), t.clone()));
            }
            let mut signers: Vec<(&str, Option<i64>, String)> =
                snapshots.iter().map(|p| ("party", Some(p.party_id), p.name.clone())).collect();
            signers.push(("mediator", None, mediator_name.clone()));
            signers.push(("committee_seal", None, committee.name.clone()));
            for (role, party_id, name) in signers {
                rows.signatures.push(SignatureRow {
                    agreement,
                    role,
                    party_id,
                    name,
                    at: effective,
                    recorded_by: mediator_id,
                });
            }
            // Takes effect as signing does: content frozen, hashed, coded.
            rows.agreements.push(AgreementRow {
                case_id,
                facts: what,
                place: place.clone(),
                created_by: mediator_id,
                held,
                status: agreement_status,
                hash: content.hash(),
                json,
                effective,
                deadline: confirmation_deadline(day),
                code: code_of(agreement_base + u64::try_from(made.agreements).unwrap_or(0), 12, 11),
                copies: content.copies,
            });
            if agreement_status != "effective" || rng.below(2) == 0 {
                let visited = effective + TimeDelta::days(i64::try_from(7 + rng.below(30)).unwrap_or(7));
                let overall = if agreement_status == "breached" { "breached" } else { "kept" };
                rows.follow_ups.push(FollowUpRow {
                    agreement,
                    case_id,
                    visited,
                    visitor: mediator_name.clone(),
                    satisfaction: i32::try_from(3 + rng.below(3)).unwrap_or(4),
                    overall,
                });
            }
        }
    }
    let parties: Vec<&str> = snapshots.iter().map(|p| p.name.as_str()).collect();
    let complainants = if named_complainant { vec![parties[0]] } else { Vec::new() };
    rows.search.push((case_id, committee.id, Indexed::of(&title, &number, Some(&place), parties, complainants)));
    Ok(case_id)
}
