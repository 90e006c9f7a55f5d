//! The demo's three other cases: a roof leak, a hornets' nest, a renovation.

use super::*;

/// Who records the roof leak's agreement (a member of the committee's staff).
const RECORDER: &str = "赵丽";

/// The property company of the hornets' nest, and who acts for it.
const COMPANY: &str = "敦华物业服务有限公司";

pub(super) fn roof_leak(
    conn: &mut DbConn,
    committee: &committees::Committee,
    mediator: &User,
) -> Result<(), DemoError> {
    let cid = committee.id;
    let received = at("2026-06-08T09:15:00+08:00")?;
    let complaint = complaints::create(
        conn,
        &mediator.actor(),
        &NewComplaint {
            committee_id: cid,
            received_at: received,
            channel: Channel::Visit,
            category: Category::Leak,
            location: "敦化南路64号院4号楼601".to_owned(),
            description: "连续下雨后顶层屋面漏水，卧室天花板和墙面受损，楼上702露台防水层破损。".to_owned(),
            pattern: ObservedPattern::default(),
            reporter: Some(person("吴建华", Some(Sex::Male), Some(1972), "13300133007", "敦化南路64号院4号楼601")),
            anonymous: false,
        },
        received,
    )?;
    let registered = at("2026-06-08T10:00:00+08:00")?;
    let case = cases::create(
        conn,
        &mediator.actor(),
        committee,
        &NewCase {
            title: "4号楼601室屋面漏水维修费用纠纷".to_owned(),
            dispute_type: DisputeType::Neighbour,
            source: CaseSource::Application,
            risk_level: RiskLevel::Yellow,
            public_session: false,
            facts: Some("702室露台防水层破损致601室漏水，双方就维修费用分担产生争议。".to_owned()),
            location: Some("敦化南路64号院4号楼".to_owned()),
            registered_at: registered,
            complaint_ids: vec![complaint.id],
            parties: vec![
                NewCaseParty {
                    role: PartyRole::Applicant,
                    particulars: person("吴建华", Some(Sex::Male), Some(1972), "13300133007", "敦化南路64号院4号楼601"),
                    represents: None,
                },
                NewCaseParty {
                    role: PartyRole::Respondent,
                    particulars: person(
                        "郑丽娟",
                        Some(Sex::Female),
                        Some(1980),
                        "13200132008",
                        "敦化南路64号院4号楼702",
                    ),
                    represents: None,
                },
            ],
            mediator_ids: vec![mediator.id],
            requests: vec!["请求702室修复露台防水层".to_owned(), "请求赔偿601室天花板、墙面修复费用".to_owned()],
        },
        registered,
    )?;
    for (to, when) in
        [(CaseStatus::Investigating, "2026-06-08T10:05:00+08:00"), (CaseStatus::Mediating, "2026-06-10T14:00:00+08:00")]
    {
        cases::transition(
            conn,
            &mediator.actor(),
            cid,
            case.id,
            &MoveRequest { to: Some(to), ..Default::default() },
            at(when)?,
        )?;
    }
    let parties = crate::db::parties::of_case(conn, case.id)?;
    let named = |role: PartyRole| {
        parties.iter().find(|(cp, _)| cp.role() == role).map(|(_, p)| Named { party_id: p.id, name: &p.name })
    };
    let owner = named(PartyRole::Respondent);
    let neighbour = named(PartyRole::Applicant);
    let draft = Draft {
        kind: AgreementKind::Written,
        subtitle: None,
        facts: "2026年6月连续降雨期间，702室露台防水层破损，雨水渗入601室，造成卧室天花板、墙面受损。".to_owned(),
        disputed_matters: "漏水维修的材料费、人工费由谁承担。".to_owned(),
        responsibilities: Some("702室对露台防水负有维护责任；601室同意分担部分人工费。".to_owned()),
        performance: Performance {
            manner: "按约定分别支付，物业监督施工".to_owned(),
            place: Some("敦化南路64号院4号楼".to_owned()),
            deadline: chrono::NaiveDate::from_ymd_opt(2026, 7, 15),
        },
        terms: vec![
            term(TermInput {
                kind: "payment",
                text: Some("郑丽娟于2026年6月30日前向承接维修的北京安固防水工程有限公司支付露台防水维修材料费1800元。"),
                amount: Some(1800.0),
                due: Some("2026-06-30"),
                obligor: owner,
                ..Default::default()
            })?,
            term(TermInput {
                kind: "payment",
                text: Some("维修人工费共1200元由双方各承担一半，601室于2026年6月30日前将其应承担的600元支付给702室。"),
                amount: Some(600.0),
                due: Some("2026-06-30"),
                obligor: neighbour,
                payee: owner,
                ..Default::default()
            })?,
            term(TermInput {
                kind: "deadline",
                text: Some("露台防水维修于2026年7月15日前完工，完工后由物业共同验收。"),
                due: Some("2026-07-15"),
                obligor: owner,
                ..Default::default()
            })?,
            // A fixed sum: an amount left to what is "actually incurred"
            // is one a court cannot enforce.
            term(TermInput {
                kind: "payment",
                text: Some("郑丽娟于2026年7月15日前向吴建华支付601室天花板、墙面修复费用800元。"),
                amount: Some(800.0),
                due: Some("2026-07-15"),
                obligor: owner,
                payee: neighbour,
                ..Default::default()
            })?,
        ],
    };
    let signed_at = at("2026-06-12T16:00:00+08:00")?;
    let a = agreements::create(conn, &mediator.actor(), committee, case.id, &draft, None, signed_at)?;
    for pid in crate::db::parties::of_case(conn, case.id)?.into_iter().map(|(_, p)| p.id) {
        agreements::sign(
            conn,
            &mediator.actor(),
            committee,
            a.id,
            &NewSignature {
                role: SignerRole::Party,
                party_id: Some(pid),
                method: SignMethod::Paper,
                signer_name: String::new(),
                image_png: None,
                signed_at,
            },
            signed_at,
        )?;
    }
    for role in [SignerRole::Mediator, SignerRole::Recorder, SignerRole::CommitteeSeal] {
        let method = if role == SignerRole::CommitteeSeal { SignMethod::Seal } else { SignMethod::Paper };
        let signer_name = match role {
            SignerRole::Recorder => RECORDER.to_owned(),
            _ => mediator.display_name.clone(),
        };
        agreements::sign(
            conn,
            &mediator.actor(),
            committee,
            a.id,
            &NewSignature { role, party_id: None, method, signer_name, image_png: None, signed_at },
            signed_at,
        )?;
    }
    Ok(())
}

pub(super) fn hornet_nest(
    conn: &mut DbConn,
    committee: &committees::Committee,
    mediator: &User,
) -> Result<(), DemoError> {
    let cid = committee.id;
    let registered = at("2026-07-02T11:00:00+08:00")?;
    let case = cases::create(
        conn,
        &mediator.actor(),
        committee,
        &NewCase {
            title: "7号楼外墙马蜂窝清除协调".to_owned(),
            dispute_type: DisputeType::Property,
            source: CaseSource::OwnInitiative,
            risk_level: RiskLevel::Yellow,
            public_session: false,
            facts: Some("7号楼三层外墙空调机位出现马蜂窝，三方就清除责任和费用互相推诿。".to_owned()),
            location: Some("敦化南路64号院7号楼".to_owned()),
            registered_at: registered,
            complaint_ids: vec![],
            parties: vec![
                NewCaseParty {
                    role: PartyRole::Applicant,
                    particulars: person(
                        "高永红",
                        Some(Sex::Female),
                        Some(1968),
                        "13100131009",
                        "敦化南路64号院7号楼301",
                    ),
                    represents: None,
                },
                NewCaseParty {
                    role: PartyRole::Respondent,
                    particulars: person("冯立新", Some(Sex::Male), Some(1975), "18900189010", "敦化南路64号院7号楼302"),
                    represents: None,
                },
                NewCaseParty {
                    role: PartyRole::ThirdParty,
                    particulars: Particulars {
                        kind: Some(crate::domain::party::PartyKind::Organisation),
                        name: COMPANY.to_owned(),
                        phone: Phone::parse("01063200011").ok(),
                        address: Some("敦化南路64号院物业中心".to_owned()),
                        ..Default::default()
                    },
                    represents: None,
                },
                // A company signs through a named person: its manager here,
                // acting for it.
                NewCaseParty {
                    role: PartyRole::Representative,
                    particulars: Particulars {
                        name: "钱志刚".to_owned(),
                        sex: Some(Sex::Male),
                        ethnicity: Some("汉族".to_owned()),
                        birth_year: Some(1983),
                        occupation: Some("项目经理".to_owned()),
                        phone: Phone::parse("13600136014").ok(),
                        ..Default::default()
                    },
                    represents: Some(COMPANY.to_owned()),
                },
            ],
            mediator_ids: vec![mediator.id],
            requests: vec![],
        },
        registered,
    )?;
    for to in [CaseStatus::Investigating, CaseStatus::Mediating] {
        cases::transition(
            conn,
            &mediator.actor(),
            cid,
            case.id,
            &MoveRequest { to: Some(to), ..Default::default() },
            registered,
        )?;
    }
    let parties = crate::db::parties::of_case(conn, case.id)?;
    let named = |role: PartyRole| {
        parties.iter().find(|(cp, _)| cp.role() == role).map(|(_, p)| Named { party_id: p.id, name: &p.name })
    };
    let company = named(PartyRole::ThirdParty);
    let share = |payer: Option<Named<'_>>, text: &'static str| {
        term(TermInput {
            kind: "payment",
            text: Some(text),
            amount: Some(100.0),
            due: Some("2026-07-10"),
            obligor: payer,
            payee: company,
            ..Default::default()
        })
    };
    let draft = Draft {
        kind: AgreementKind::Oral,
        subtitle: None,
        facts: "7号楼三层外墙空调机位有马蜂窝，威胁居民安全。".to_owned(),
        disputed_matters: "清除马蜂窝的联系和费用分担。".to_owned(),
        responsibilities: None,
        performance: Performance {
            manner: "物业联系专业人员清除并垫付费用，费用三方分担".to_owned(),
            place: None,
            deadline: chrono::NaiveDate::from_ymd_opt(2026, 7, 10),
        },
        terms: vec![
            term(TermInput {
                kind: "deadline",
                text: Some(
                    "敦华物业服务有限公司于2026年7月5日前联系专业人员清除马蜂窝，先行垫付清除费用300元（大写：人民币叁佰元整），其中100元（大写：人民币壹佰元整）由其自行承担。",
                ),
                due: Some("2026-07-05"),
                obligor: company,
                ..Default::default()
            })?,
            share(named(PartyRole::Applicant), "高永红于2026年7月10日前向敦华物业服务有限公司支付清除费用100元。")?,
            share(named(PartyRole::Respondent), "冯立新于2026年7月10日前向敦华物业服务有限公司支付清除费用100元。")?,
        ],
    };
    agreements::create(conn, &mediator.actor(), committee, case.id, &draft, None, at("2026-07-02T15:00:00+08:00")?)?;
    Ok(())
}

pub(super) fn renovation(
    conn: &mut DbConn,
    committee: &committees::Committee,
    mediator: &User,
) -> Result<(), DemoError> {
    let cid = committee.id;
    let registered = at("2026-07-20T09:00:00+08:00")?;
    let case = cases::create(
        conn,
        &mediator.actor(),
        committee,
        &NewCase {
            title: "8号楼深夜装修噪声纠纷".to_owned(),
            dispute_type: DisputeType::Neighbour,
            source: CaseSource::Application,
            risk_level: RiskLevel::Red,
            public_session: false,
            facts: Some("8号楼402室装修夜间施工，楼下居民多次交涉未果，双方发生口角。".to_owned()),
            location: Some("敦化南路64号院8号楼".to_owned()),
            registered_at: registered,
            complaint_ids: vec![],
            parties: vec![
                NewCaseParty {
                    role: PartyRole::Applicant,
                    particulars: person("何静", Some(Sex::Female), Some(1988), "18800188012", "敦化南路64号院8号楼302"),
                    represents: None,
                },
                NewCaseParty {
                    role: PartyRole::Respondent,
                    particulars: person("罗刚", Some(Sex::Male), Some(1979), "18700187013", "敦化南路64号院8号楼402"),
                    represents: None,
                },
            ],
            mediator_ids: vec![mediator.id],
            requests: vec!["请求停止夜间装修施工".to_owned()],
        },
        registered,
    )?;
    for to in [CaseStatus::Investigating, CaseStatus::Mediating] {
        cases::transition(
            conn,
            &mediator.actor(),
            cid,
            case.id,
            &MoveRequest { to: Some(to), ..Default::default() },
            registered,
        )?;
    }
    let ended = at("2026-07-23T16:00:00+08:00")?;
    let reason = "被申请人明确拒绝调解（人民调解法第十七条）".to_owned();
    cases::transition(
        conn,
        &mediator.actor(),
        cid,
        case.id,
        &MoveRequest {
            to: Some(CaseStatus::Terminated),
            reason: Some(reason),
            routes_explained: true,
            referred_to: None,
        },
        ended,
    )?;
    let referral = NewReferral {
        referred_to: "街道综合行政执法队".to_owned(),
        reason: "夜间装修噪声，依《噪声污染防治法》第八十二条由指定部门处理".to_owned(),
        referred_at: ended,
    };
    cases::refer(conn, &mediator.actor(), cid, case.id, &referral, ended)?;
    Ok(())
}
