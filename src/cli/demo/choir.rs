//! The choir case of the demo, from the first complaint to the follow-ups.

use super::*;

pub(super) const COURTYARD: &str = "敦化南路64号院";

pub(super) fn choir(
    conn: &mut DbConn,
    committee: &committees::Committee,
    mediator: &User,
    grid: &User,
    staff: &User,
) -> Result<(i64, i64), DemoError> {
    let cid = committee.id;
    let pattern = ObservedPattern {
        text: Some("每晚八点左右开始，院内合唱队用音箱伴奏唱歌，常到十点以后".to_owned()),
        start: ClockTime::parse("20:00").ok(),
        end: ClockTime::parse("22:30").ok(),
        days: Some("daily".to_owned()),
    };
    let reports = [
        (
            "2026-05-06T21:35:00+08:00",
            Channel::Phone,
            "敦化南路64号院",
            Some(("张秀兰", Sex::Female, 1961, "13800138001", "敦化南路64号院3号楼501")),
        ),
        (
            "2026-05-07T22:10:00+08:00",
            Channel::Wechat,
            "敦化南路６４号院",
            Some(("刘志强", Sex::Male, 1985, "13900139002", "敦化南路64号院2号楼302")),
        ),
        ("2026-05-09T22:40:00+08:00", Channel::Hotline, "敦化南路 64号院", None),
        (
            "2026-05-12T20:15:00+08:00",
            Channel::Visit,
            "敦化南路64号院",
            Some(("陈淑芬", Sex::Female, 1956, "13700137004", "敦化南路64号院5号楼101")),
        ),
        (
            "2026-05-13T21:50:00+08:00",
            Channel::Online,
            "敦化南路64号院中心花园",
            Some(("孙浩", Sex::Male, 1990, "13600136005", "敦化南路64号院1号楼201")),
        ),
    ];
    let descriptions = [
        "楼下合唱队每晚用音箱唱歌到十点多，老人孩子都睡不好。",
        "晚上十点以后还在唱，音箱声音很大，影响孩子学习和休息。",
        "敦化南路64号院夜间合唱噪声扰民，要求处理（12345转办，来电人要求匿名）。",
        "唱歌的时间太晚了，希望能早点结束，声音小一点。",
        "中心花园合唱活动音量过大，持续到22点以后。",
    ];
    let mut complaint_ids = Vec::new();
    for (i, (when, channel, location, reporter)) in reports.iter().enumerate() {
        let received_at = at(when)?;
        let new = NewComplaint {
            committee_id: cid,
            received_at,
            channel: *channel,
            category: Category::Noise,
            location: (*location).to_owned(),
            description: descriptions[i].to_owned(),
            pattern: pattern.clone(),
            reporter: reporter.map(|(n, s, y, p, a)| person(n, Some(s), Some(y), p, a)),
            anonymous: reporter.is_none(),
        };
        let recorder = if *channel == Channel::Visit { staff } else { grid };
        complaint_ids.push(complaints::create(conn, &recorder.actor(), &new, received_at)?.id);
    }
    let registered_at = at("2026-05-15T09:30:00+08:00")?;
    let case = cases::create(
        conn,
        &mediator.actor(),
        committee,
        &NewCase {
            title: "敦化南路64号院合唱队夜间噪声纠纷".to_owned(),
            dispute_type: DisputeType::Neighbour,
            source: CaseSource::Application,
            risk_level: RiskLevel::Orange,
            public_session: false,
            facts: Some(
                "5月以来，院内中老年合唱队每晚20时许在中心花园使用音箱伴奏排练，常持续至22时以后，多户居民投诉。"
                    .to_owned(),
            ),
            location: Some(COURTYARD.to_owned()),
            registered_at,
            complaint_ids: complaint_ids.clone(),
            parties: vec![
                NewCaseParty {
                    role: PartyRole::Applicant,
                    particulars: Particulars {
                        occupation: Some("退休教师".to_owned()),
                        ..person("张秀兰", Some(Sex::Female), Some(1961), "13800138001", "敦化南路64号院3号楼501")
                    },
                    represents: None,
                },
                NewCaseParty {
                    role: PartyRole::Respondent,
                    particulars: Particulars {
                        occupation: Some("退休职工（合唱队组织者）".to_owned()),
                        ..person("周桂芳", Some(Sex::Female), Some(1958), "13500135006", "敦化南路64号院6号楼202")
                    },
                    represents: None,
                },
            ],
            mediator_ids: vec![mediator.id],
            requests: vec!["请求合唱队每晚21:00前结束活动".to_owned(), "请求降低音量，音箱不朝向住宅楼".to_owned()],
        },
        registered_at,
    )?;
    let step = |conn: &mut DbConn, to: CaseStatus, when: &str| -> Result<(), DemoError> {
        let request = MoveRequest { to: Some(to), ..Default::default() };
        cases::transition(conn, &mediator.actor(), cid, case.id, &request, at(when)?)?;
        Ok(())
    };
    step(conn, CaseStatus::Investigating, "2026-05-15T10:00:00+08:00")?;

    let patrol_at = at("2026-05-14T21:30:00+08:00")?;
    investigations::create(
        conn,
        &grid.actor(),
        cid,
        case.id,
        &NewInvestigation {
            conducted_at: patrol_at,
            place: "敦化南路64号院中心花园".to_owned(),
            investigators: "李梅（网格员）".to_owned(),
            participants: Some("合唱队成员约20人".to_owned()),
            subject: Some("周桂芳（合唱队组织者）".to_owned()),
            record: vec![
                QuestionAnswer {
                    q: "合唱队每天几点开始、几点结束？".to_owned(),
                    a: "一般晚上八点开始，唱到十点左右，有时候晚一点。".to_owned(),
                },
                QuestionAnswer {
                    q: "有没有用音箱？".to_owned(), a: "用一个音箱放伴奏，不然大家跟不上。".to_owned()
                },
                QuestionAnswer {
                    q: "知道有居民投诉吗？".to_owned(),
                    a: "听说了，我们也不想影响大家，可以商量。".to_owned(),
                },
            ],
            findings: Some("巡查时21:30合唱仍在进行，音箱朝向3号楼方向，声音明显。".to_owned()),
        },
        patrol_at,
    )?;
    let survey_at = at("2026-05-20T21:30:00+08:00")?;
    let survey = investigations::create(
        conn,
        &mediator.actor(),
        cid,
        case.id,
        &NewInvestigation {
            conducted_at: survey_at,
            place: "敦化南路64号院3号楼501（张秀兰家）窗外".to_owned(),
            investigators: "王建国、李梅".to_owned(),
            participants: Some("张秀兰".to_owned()),
            subject: Some("张秀兰".to_owned()),
            record: vec![QuestionAnswer {
                q: "噪声主要在什么时间影响您？".to_owned(),
                a: "晚上九点以后最明显，家里老人九点半就要睡。".to_owned(),
            }],
            findings: Some("使用2级声级计在窗外1米处测量，测量前后校准。".to_owned()),
        },
        survey_at,
    )?;
    for (when, laeq, lmax, background) in
        [("2026-05-20T21:40:00+08:00", 62.1, 74.5, 48.0), ("2026-05-20T22:20:00+08:00", 53.6, 69.2, 44.5)]
    {
        let measured_at = at(when)?;
        let settings = committee.settings()?;
        let reading = Reading {
            at: local_clock(measured_at, committee.utc_offset_minutes),
            position: Position::OutsideWindow,
            height_m: Some(1.5),
            laeq_db: laeq,
            lmax_db: Some(lmax),
            background_db: Some(background),
            instrument_class: Some(2),
            calibration_before_db: Some(93.8),
            calibration_after_db: Some(94.0),
            indicative: false,
        };
        let assessment = assess(&reading, settings.zone_class, &settings.night);
        investigations::record_measurement(
            conn,
            &grid.actor(),
            cid,
            case.id,
            &NewMeasurement {
                investigation_id: Some(survey.id),
                measured_at,
                position: Position::OutsideWindow,
                height_m: Some(1.5),
                laeq_db: laeq,
                lmax_db: Some(lmax),
                background_db: Some(background),
                duration_s: 600,
                instrument: Some("AWA5688 2级声级计 No.A2317".to_owned()),
                instrument_class: Some(2),
                calibration_before_db: Some(93.8),
                calibration_after_db: Some(94.0),
                indicative: false,
                operator: Some("李梅".to_owned()),
                assessment,
            },
            measured_at,
        )?;
    }
    step(conn, CaseStatus::Mediating, "2026-05-22T09:00:00+08:00")?;

    let law = |codes: &[&str]| codes.iter().map(|c| (*c).to_owned()).collect::<Vec<_>>();
    let meeting_at = at("2026-05-24T19:00:00+08:00")?;
    mediation::record_meeting(
        conn,
        &mediator.actor(),
        cid,
        case.id,
        &NewMeeting {
            held_at: meeting_at,
            place: "敦化南路社区居委会会议室".to_owned(),
            attendees: "居民代表、合唱队成员、社区居委会、物业".to_owned(),
            attendance: 28,
            explanations: "讲解《民法典》第二百八十八条相邻关系、第二百九十四条不得违规排放噪声、第一千零三十二条私人生活安宁；《噪声污染防治法》第六十四条公共场所活动应遵守时段、音量规定、第七十条基层组织劝阻调解；GB 3096-2008中1类区昼间55分贝、夜间45分贝的限值。".to_owned(),
            votes_for: 23,
            votes_against: 2,
            votes_abstain: 3,
            resolution: Some("合唱活动每天21:00前结束，降低音量，音箱不朝向住宅楼。".to_owned()),
            chair: Some("刘淑珍".to_owned()),
            references: law(&["cc_288", "cc_294", "cc_1032", "npl_64", "npl_70"]),
        },
        meeting_at,
    )?;
    let session_at = at("2026-05-26T19:00:00+08:00")?;
    mediation::record_session(
        conn,
        &mediator.actor(),
        cid,
        case.id,
        &NewSession {
            held_at: session_at,
            place: "敦化南路社区人民调解室".to_owned(),
            matter: Some("合唱队夜间活动噪声".to_owned()),
            mediators: "王建国".to_owned(),
            recorder: "赵丽".to_owned(),
            attendees: Some("张秀兰、周桂芳、合唱队成员代表2人".to_owned()),
            statements: vec![
                Statement {
                    speaker: "张秀兰".to_owned(),
                    text: "我们不反对老人唱歌，只希望晚上九点以后能安静，音箱声音小一点。".to_owned(),
                },
                Statement {
                    speaker: "周桂芳".to_owned(),
                    text: "大家白天要带孙子，只有晚上有空。我们可以提前开始，九点前结束，音箱调小、换个方向。"
                        .to_owned(),
                },
            ],
            findings: Some("双方均有和解意愿；测量显示21:40窗外噪声62.1分贝，超过1类区昼间55分贝限值。".to_owned()),
            risks_explained: Some("告知如继续扰民，可能由有关部门依《噪声污染防治法》第八十二条处理。".to_owned()),
            outcome: "agreed".to_owned(),
            failure_reason: None,
            references: law(&["pml_23", "cc_288", "cc_294", "npl_64", "npl_65", "npl_82"]),
        },
        session_at,
    )?;
    // The choir's organiser is bound by every term.
    let organiser = crate::db::parties::of_case(conn, case.id)?
        .into_iter()
        .find(|(cp, _)| cp.role() == PartyRole::Respondent)
        .map(|(_, p)| p)
        .ok_or_else(|| DemoError::Other(anyhow::anyhow!("the choir case has no respondent")))?;
    let bound = Some(Named { party_id: organiser.id, name: &organiser.name });
    let draft = Draft {
        kind: AgreementKind::Written,
        subtitle: Some("调解备忘录".to_owned()),
        facts: "2026年5月以来，周桂芳组织的合唱队每晚约20时至22时30分在敦化南路64号院中心花园使用音箱伴奏活动，3号楼、2号楼、5号楼等多户居民投诉噪声影响休息。5月20日21时40分在3号楼501窗外1米处测得等效声级62.1分贝，超过1类区昼间限值。".to_owned(),
        disputed_matters: "合唱活动的时间、音量和音箱摆放。".to_owned(),
        responsibilities: Some("合唱队夜间使用音箱活动，对周边居民休息造成影响，应予改进；居民理解老年人文体活动需求。".to_owned()),
        performance: Performance {
            manner: "合唱队自觉履行，社区居委会和网格员监督".to_owned(),
            place: Some("敦化南路64号院中心花园".to_owned()),
            deadline: chrono::NaiveDate::from_ymd_opt(2026, 6, 1),
        },
        terms: vec![
            term(TermInput { kind: "time_window", days: Some("daily"), start: Some("19:00"), end: Some("21:00"), obligor: bound, ..Default::default() })?,
            term(TermInput { kind: "volume_limit", max_db: Some(55.0), position: Some("outside_window_1m"), obligor: bound, ..Default::default() })?,
            term(TermInput { kind: "equipment", text: Some("活动时音箱朝向中心花园南侧空地，不朝向住宅楼。"), obligor: bound, ..Default::default() })?,
            term(TermInput { kind: "free_text", text: Some("如举办演出等特殊活动，提前三天告知社区居委会。"), obligor: bound, ..Default::default() })?,
        ],
    };
    let drafted_at = at("2026-05-26T20:00:00+08:00")?;
    let memo = agreements::create(conn, &mediator.actor(), committee, case.id, &draft, None, drafted_at)?;
    let party_ids: Vec<(String, i64)> =
        crate::db::parties::of_case(conn, case.id)?.into_iter().map(|(cp, p)| (cp.role.to_string(), p.id)).collect();
    let signer = |role: SignerRole,
                  party_id: Option<i64>,
                  method: SignMethod,
                  name: &str,
                  when: &str|
     -> Result<NewSignature, DemoError> {
        Ok(NewSignature { role, party_id, method, signer_name: name.to_owned(), image_png: None, signed_at: at(when)? })
    };
    let signatures = [
        signer(
            SignerRole::Party,
            party_ids.iter().find(|(r, _)| r == "applicant").map(|p| p.1),
            SignMethod::Paper,
            "张秀兰",
            "2026-05-26T20:25:00+08:00",
        )?,
        signer(
            SignerRole::Party,
            party_ids.iter().find(|(r, _)| r == "respondent").map(|p| p.1),
            SignMethod::Paper,
            "周桂芳",
            "2026-05-26T20:26:00+08:00",
        )?,
        signer(SignerRole::Mediator, None, SignMethod::Paper, "王建国", "2026-05-26T20:27:00+08:00")?,
        signer(SignerRole::Recorder, None, SignMethod::Paper, "赵丽", "2026-05-26T20:27:30+08:00")?,
        signer(SignerRole::CommitteeSeal, None, SignMethod::Seal, "", "2026-05-26T20:30:00+08:00")?,
    ];
    for s in &signatures {
        let who = if s.role == SignerRole::Mediator { mediator } else { staff };
        agreements::sign(conn, &who.actor(), committee, memo.id, s, s.signed_at)?;
    }
    let visit = |method: VisitMethod,
                 when: &str,
                 obs: Vec<(usize, Observation, Option<String>)>,
                 notes: &str|
     -> Result<NewFollowUp, DemoError> {
        Ok(NewFollowUp {
            visited_at: at(when)?,
            visitor: "李梅".to_owned(),
            method,
            observations: obs,
            satisfaction: Some(5),
            lawsuit: false,
            risk_signs: None,
            measures: None,
            notes: Some(notes.to_owned()),
            mark_fulfilled: false,
            reported_by_party_id: None,
            resident_answer: None,
        })
    };
    let kept =
        |note: &str| (Observation { reported: Some(Compliance::Kept), ..Default::default() }, Some(note.to_owned()));
    let first = visit(
        VisitMethod::Visit,
        "2026-06-03T10:00:00+08:00",
        ["张秀兰反映合唱九点前结束", "居民反映声音明显变小", "音箱已改朝南侧空地", "暂无特殊活动"]
            .iter()
            .enumerate()
            .map(|(i, note)| {
                let (obs, note) = kept(note);
                (i, obs, note)
            })
            .collect(),
        "回访申请人与合唱队组织者，双方均表示满意。",
    )?;
    follow_ups::record(conn, &grid.actor(), committee, memo.id, &first, first.visited_at)?;
    let night = visit(
        VisitMethod::NightCheck,
        "2026-06-12T21:05:00+08:00",
        vec![
            (
                0,
                Observation { observed_end: ClockTime::parse("20:50").ok(), ..Default::default() },
                Some("20:50合唱结束".to_owned()),
            ),
            (
                1,
                Observation { measured_db: Some(51.8), ..Default::default() },
                Some("20:30在3号楼501窗外1米测得51.8分贝（2级声级计）".to_owned()),
            ),
        ],
        "夜间巡查，合唱按约定时间结束。",
    )?;
    follow_ups::record(conn, &grid.actor(), committee, memo.id, &night, night.visited_at)?;
    Ok((case.id, memo.id))
}
