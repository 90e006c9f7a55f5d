//! Writes aimed across the wall between committees, and between residents.
//!
//! For every write route of the route table whose path names a record, the
//! administrator of another committee sends a body the route accepts, aimed
//! at a record of the first committee (a resident, at another case's
//! agreement): the answer is 404 and nothing changes — the record as the
//! API shows it, and not one audit event anywhere. Writes that name a
//! record in their body (a complaint put in a case, a case to print, a
//! party who signs) are answered as if the record did not exist. Then the
//! same bodies, sent by the rightful caller to their own records, succeed:
//! so each refusal was the committee's check, not the parser's.

use std::collections::BTreeSet;

use diesel::prelude::*;
use hesheng::db::schema::{agreement, audit_event};
use hesheng::domain::account::Role;
use hesheng::domain::audit::Actor;
use hesheng::domain::committee::CommitteeSettings;
use reqwest::redirect::Policy;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{PASSWORD, TestApp, csrf_of};
use crate::records::{case_body, complaint, memorandum};

/// A request's body.
#[derive(Clone)]
enum Body {
    Empty,
    Json(Value),
    Form(Vec<(String, String)>),
}

fn form(fields: &[(&str, &str)]) -> Body {
    Body::Form(fields.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect())
}

/// Who sends a request.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Who {
    /// The administrator of the first committee.
    Admin,
    /// The administrator of the second committee.
    Stranger,
    /// A resident of the choir case.
    Resident,
    /// A resident of another case.
    OtherResident,
}

#[derive(Clone)]
struct Request {
    who: Who,
    method: &'static str,
    path: String,
    body: Body,
}

fn req(who: Who, method: &'static str, path: impl Into<String>, body: Body) -> Request {
    Request { who, method, path: path.into(), body }
}

/// One write aimed at a record that is not the caller's.
struct Attack {
    /// The route, as the route table names it.
    template: &'static str,
    method: &'static str,
    /// The request aimed at the other committee's (or case's) record.
    aimed: Request,
    /// The same request aimed at a record that does not exist, when the
    /// record is named in the body: the aimed request must be answered
    /// the same. `None`: the path names the record, and the answer is 404.
    missing: Option<Request>,
    /// The same body sent by the rightful caller to their own record.
    rightful: Request,
}

/// A signed-in caller: cookies and CSRF token for pages, a bearer token for
/// the API.
struct Caller {
    http: reqwest::Client,
    csrf: String,
    bearer: Option<String>,
}

async fn staff_caller(app: &TestApp, user: &str, password: &str) -> Caller {
    let http = reqwest::Client::builder().cookie_store(true).redirect(Policy::none()).build().expect("client");
    let html = http.get(app.url("/login")).send().await.expect("login").text().await.expect("body");
    let fields = [("username", user), ("password", password), ("csrf_token", &csrf_of(&html))];
    let r = http.post(app.url("/login")).form(&fields).send().await.expect("sign in");
    assert_eq!(r.status(), 303, "sign-in of {user}");
    let html = http.get(app.url("/")).send().await.expect("home").text().await.expect("body");
    Caller { csrf: csrf_of(&html), bearer: Some(app.token_with(user, password).await), http }
}

async fn resident_caller(app: &TestApp, code: &str, pin: &str) -> Caller {
    let http = reqwest::Client::builder().cookie_store(true).redirect(Policy::none()).build().expect("client");
    let html = http.get(app.url("/portal/login")).send().await.expect("portal").text().await.expect("body");
    let fields = [("code", code), ("pin", pin), ("csrf_token", &csrf_of(&html))];
    let r = http.post(app.url("/portal/login")).form(&fields).send().await.expect("portal sign in");
    assert_eq!(r.status(), 303, "portal sign-in");
    let html = http.get(app.url("/portal")).send().await.expect("portal").text().await.expect("body");
    Caller { csrf: csrf_of(&html), bearer: None, http }
}

/// Sends a request; answers its status, its Location and its body.
async fn send(app: &TestApp, caller: &Caller, r: &Request) -> (u16, String, String) {
    let method = reqwest::Method::from_bytes(r.method.as_bytes()).expect("method");
    let mut request = caller.http.request(method, app.url(&r.path));
    if r.path.starts_with("/api/")
        && let Some(token) = &caller.bearer
    {
        request = request.bearer_auth(token);
    }
    request = match &r.body {
        Body::Empty if r.path.starts_with("/api/") => request,
        Body::Empty => request.form(&[("csrf_token", caller.csrf.as_str())]),
        Body::Json(v) => request.json(v),
        Body::Form(fields) => {
            let mut fields = fields.clone();
            fields.push(("csrf_token".into(), caller.csrf.clone()));
            request.form(&fields)
        }
    };
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    let location = response.headers().get("location").and_then(|l| l.to_str().ok()).unwrap_or_default().to_owned();
    (status, location, response.text().await.unwrap_or_default())
}

/// What the first committee's records look like from outside: the case,
/// agreements, complaint and users the attacks aim at, as the API shows
/// them to their own administrator, and the number of audit events of the
/// whole installation (every write is audited).
async fn snapshot(app: &TestApp, admin: &Caller, ids: &Ids) -> Value {
    let token = admin.bearer.as_deref().expect("token");
    let mut parts = Vec::new();
    for path in [
        format!("/api/v1/cases/{}", ids.case),
        format!("/api/v1/cases/{}", ids.choir_case),
        format!("/api/v1/agreements/{}", ids.draft),
        format!("/api/v1/agreements/{}", ids.effective),
        format!("/api/v1/complaints/{}", ids.complaint),
        "/api/v1/users".to_owned(),
    ] {
        parts.push(app.get_json(&path, token).await);
    }
    let events: i64 = audit_event::table.count().get_result(&mut app.conn()).expect("events");
    parts.push(json!(events));
    Value::Array(parts)
}

/// The records the attacks aim at, and the second committee's own.
struct Ids {
    /// A mediating case of the first committee, with a party of each side.
    case: i64,
    /// One of its parties.
    party: i64,
    /// A complaint of the first committee in no case.
    complaint: i64,
    /// A draft agreement of `case`.
    draft: i64,
    /// The demo's effective agreement, and its case.
    effective: i64,
    choir_case: i64,
    /// A user of the first committee.
    user: i64,
    /// The second committee's mediating case, its complaint, its draft
    /// agreement and its party.
    own_case: i64,
    own_complaints: [i64; 3],
    own_draft: i64,
    own_parties: [i64; 2],
}

const MISSING: i64 = 987_654;

fn party_form() -> Body {
    form(&[("party.role", "third_party"), ("party.name", "吴七"), ("party.phone", "13900007777")])
}

fn record_forms() -> Vec<(&'static str, Body)> {
    vec![
        (
            "investigations",
            form(&[
                ("conducted_at", "2026-05-14T21:30"),
                ("place", "中心花园"),
                ("investigators", "李梅"),
                ("record[0].q", "几点结束？"),
                ("record[0].a", "十点"),
            ]),
        ),
        (
            "measurements",
            form(&[
                ("measured_at", "2026-06-20T22:30"),
                ("position", "outside_window_1m"),
                ("laeq_db", "51.5"),
                ("duration_s", "600"),
                ("instrument_class", "2"),
                ("calibration_before_db", "93.8"),
                ("calibration_after_db", "94.0"),
                ("height_m", "1.2"),
                ("action", "save"),
            ]),
        ),
        ("sessions", form(&[("held_at", "2026-05-26T19:00"), ("place", "调解室"), ("outcome", "continued")])),
        (
            "meetings",
            form(&[
                ("held_at", "2026-05-24T19:00"),
                ("place", "居委会"),
                ("attendees", "居民"),
                ("explanations", "讲解民法典第二百八十八条"),
            ]),
        ),
    ]
}

fn record_bodies() -> Vec<(&'static str, Value)> {
    vec![
        (
            "investigations",
            json!({"conducted_at": "2026-05-14T21:30:00+08:00", "place": "中心花园", "investigators": "李梅"}),
        ),
        (
            "measurements",
            json!({"measured_at": "2026-05-20T21:40:00+08:00", "position": "outside_window_1m", "laeq_db": 58.4, "duration_s": 600, "indicative": true}),
        ),
        ("sessions", json!({"held_at": "2026-05-26T19:00:00+08:00", "place": "调解室", "outcome": "continued"})),
        (
            "meetings",
            json!({"held_at": "2026-05-24T19:00:00+08:00", "place": "居委会", "attendees": "居民", "explanations": "讲解"}),
        ),
        ("referrals", json!({"referred_to": "敦化南路派出所", "reason": "涉嫌违法"})),
    ]
}

fn draft_form() -> Body {
    form(&[
        ("kind", "written"),
        ("facts", "广场舞音响声音大"),
        ("disputed_matters", "活动时间"),
        ("performance.manner", "自觉履行"),
        ("terms[0].kind", "time_window"),
        ("terms[0].days", "daily"),
        ("terms[0].start", "19:00"),
        ("terms[0].end", "21:00"),
        ("action", "save"),
    ])
}

/// The reviews of the demo monitor's two possible breaches, aimed at them by
/// the second committee's administrator; last, as the rightful confirmation
/// marks the choir's agreement breached.
fn night_finding_attacks(conn: &mut hesheng::db::DbConn) -> Vec<Attack> {
    use hesheng::db::schema::night_finding;
    let breaches: Vec<i64> = night_finding::table
        .filter(night_finding::outcome.eq("possible_breach"))
        .filter(night_finding::term_index.eq(0))
        .order(night_finding::night)
        .select(night_finding::id)
        .load(conn)
        .expect("the demo's possible breaches");
    // The volume terms' possible breaches, reviewed through the pages.
    let volume: Vec<i64> = night_finding::table
        .filter(night_finding::outcome.eq("possible_breach"))
        .filter(night_finding::term_index.eq(1))
        .order(night_finding::night)
        .select(night_finding::id)
        .load(conn)
        .expect("the demo's possible breaches of its volume term");
    let attack = |template: &'static str, path: String, body: Body| Attack {
        template,
        method: "POST",
        aimed: req(Who::Stranger, "POST", path.clone(), body.clone()),
        missing: None,
        rightful: req(Who::Admin, "POST", path, body),
    };
    let json = Body::Json;
    vec![
        attack(
            "/api/v1/night-findings/{id}/dismiss",
            format!("/api/v1/night-findings/{}/dismiss", breaches[0]),
            json(json!({"reason": "社区晚会"})),
        ),
        attack(
            "/api/v1/night-findings/{id}/confirm",
            format!("/api/v1/night-findings/{}/confirm", breaches[1]),
            json(json!({})),
        ),
        attack(
            "/night-findings/{id}/dismiss",
            format!("/night-findings/{}/dismiss", volume[0]),
            form(&[("reason", "社区晚会")]),
        ),
        attack("/night-findings/{id}/confirm", format!("/night-findings/{}/confirm", volume[1]), Body::Empty),
    ]
}

/// Every write route whose path names a record, aimed at the first
/// committee's record by the second committee's administrator (portal: by
/// a resident of another case), in an order in which the rightful requests
/// succeed one after another; then the writes that name a record in their
/// body.
fn attacks(ids: &Ids) -> Vec<Attack> {
    use Who::*;
    let Ids {
        case,
        party,
        complaint,
        draft,
        effective,
        choir_case: _,
        user,
        own_case,
        own_complaints,
        own_draft,
        own_parties,
    } = *ids;
    let mut list = Vec::new();
    let mut scoped = |template: &'static str, method: &'static str, path: String, own: String, who: Who, body: Body| {
        let rightful_who = if who == OtherResident { Resident } else { Admin };
        list.push(Attack {
            template,
            method,
            aimed: req(if who == OtherResident { OtherResident } else { Stranger }, method, path.clone(), body.clone()),
            missing: None,
            rightful: req(rightful_who, method, own, body),
        });
    };
    let same = |p: String| (p.clone(), p);
    let (p, o) = same(format!("/api/v1/cases/{case}/contacts"));
    scoped("/api/v1/cases/{id}/contacts", "POST", p, o, Stranger, Body::Json(json!({})));
    let (p, o) = same(format!("/api/v1/complaints/{complaint}/contacts"));
    scoped("/api/v1/complaints/{id}/contacts", "POST", p, o, Stranger, Body::Json(json!({})));
    let (p, o) = same(format!("/cases/{case}/contacts"));
    scoped("/cases/{id}/contacts", "POST", p, o, Stranger, Body::Empty);
    let (p, o) = same(format!("/api/v1/parties/{party}/portal-pin"));
    scoped("/api/v1/parties/{id}/portal-pin", "POST", p, o, Stranger, Body::Json(json!({})));
    let (p, o) = same(format!("/cases/{case}/receipts"));
    scoped("/cases/{id}/receipts", "POST", p, o, Stranger, form(&[("party", &party.to_string())]));
    let (p, o) = same(format!("/api/v1/cases/{case}"));
    scoped("/api/v1/cases/{id}", "PATCH", p, o, Stranger, Body::Json(json!({"title": "改写的标题"})));
    let party_json = json!({"role": "third_party", "name": "吴七", "phone": "13900007777"});
    let (p, o) = same(format!("/api/v1/cases/{case}/parties"));
    scoped("/api/v1/cases/{id}/parties", "POST", p, o, Stranger, Body::Json(party_json));
    let (p, o) = same(format!("/cases/{case}/parties"));
    scoped("/cases/{id}/parties", "POST", p, o, Stranger, party_form());
    let (p, o) = same(format!("/cases/{case}/flags"));
    scoped("/cases/{id}/flags", "POST", p, o, Stranger, form(&[("prevented_criminal", "true")]));
    let (p, o) = same(format!("/api/v1/cases/{case}/complaints"));
    scoped("/api/v1/cases/{id}/complaints", "POST", p, o, Stranger, Body::Json(json!({"complaint_id": complaint})));
    let (p, o) = same(format!("/api/v1/cases/{case}/complaints/{complaint}"));
    scoped("/api/v1/cases/{id}/complaints/{complaint_id}", "DELETE", p, o, Stranger, Body::Empty);
    let (p, o) = same(format!("/complaints/{complaint}/attach"));
    scoped("/complaints/{id}/attach", "POST", p, o, Stranger, form(&[("case_id", &case.to_string())]));
    let (p, o) = same(format!("/cases/{case}/complaints/{complaint}/detach"));
    scoped("/cases/{id}/complaints/{complaint_id}/detach", "POST", p, o, Stranger, Body::Empty);
    for (kind, body) in record_bodies() {
        let (p, o) = same(format!("/api/v1/cases/{case}/{kind}"));
        let template = match kind {
            "investigations" => "/api/v1/cases/{id}/investigations",
            "measurements" => "/api/v1/cases/{id}/measurements",
            "sessions" => "/api/v1/cases/{id}/sessions",
            "meetings" => "/api/v1/cases/{id}/meetings",
            _ => "/api/v1/cases/{id}/referrals",
        };
        scoped(template, "POST", p, o, Stranger, Body::Json(body));
    }
    for (kind, body) in record_forms() {
        let (p, o) = same(format!("/cases/{case}/{kind}"));
        scoped("/cases/{id}/{kind}", "POST", p, o, Stranger, body);
    }
    let (p, o) = same(format!("/api/v1/cases/{case}/agreements"));
    scoped("/api/v1/cases/{id}/agreements", "POST", p, o, Stranger, Body::Json(memorandum()));
    let (p, o) = same(format!("/cases/{case}/agreements"));
    scoped("/cases/{id}/agreements", "POST", p, o, Stranger, draft_form());
    let (p, o) = same(format!("/api/v1/agreements/{draft}"));
    scoped("/api/v1/agreements/{id}", "PATCH", p, o, Stranger, Body::Json(json!({"facts": "改写的事实"})));
    let (p, o) = same(format!("/agreements/{draft}/edit"));
    scoped("/agreements/{id}/edit", "POST", p, o, Stranger, draft_form());
    let (p, o) = same(format!("/api/v1/agreements/{draft}/signatures"));
    let signature = json!({"role": "party", "party_id": party, "method": "paper"});
    scoped("/api/v1/agreements/{id}/signatures", "POST", p, o, Stranger, Body::Json(signature));
    let (p, o) = same(format!("/agreements/{draft}/sign"));
    scoped("/agreements/{id}/sign", "POST", p, o, Stranger, form(&[("signer", "mediator"), ("method", "paper")]));
    let follow_up = json!({"visited_at": "2026-06-05T21:10:00+08:00", "method": "visit", "observations": [{"term_index": 0, "observed_end": "20:50"}]});
    let (p, o) = same(format!("/api/v1/agreements/{effective}/follow-ups"));
    scoped("/api/v1/agreements/{id}/follow-ups", "POST", p, o, Stranger, Body::Json(follow_up));
    let (p, o) = same(format!("/agreements/{effective}/follow-ups"));
    let follow_form = form(&[
        ("visited_at", "2026-06-25T21:30"),
        ("method", "visit"),
        ("visitor", "李梅"),
        ("observations[0].term_index", "0"),
        ("observations[0].observed_end", "20:50"),
    ]);
    scoped("/agreements/{id}/follow-ups", "POST", p, o, Stranger, follow_form);
    let (p, o) = same(format!("/portal/agreements/{effective}/feedback"));
    scoped(
        "/portal/agreements/{id}/feedback",
        "POST",
        p,
        o,
        OtherResident,
        form(&[("answer", "kept"), ("satisfaction", "4")]),
    );
    let (p, o) = same(format!("/admin/users/{user}/active"));
    scoped("/admin/users/{id}/active", "POST", p, o, Stranger, form(&[("active", "false")]));
    let (p, o) = same(format!("/api/v1/agreements/{draft}/withdraw"));
    scoped("/api/v1/agreements/{id}/withdraw", "POST", p, o, Stranger, Body::Json(json!({})));
    // The page's withdrawal is replayed on the draft the page made above.
    let (p, _) = same(format!("/agreements/{draft}/withdraw"));
    scoped("/agreements/{id}/withdraw", "POST", p, "/agreements/{page_draft}/withdraw".into(), Stranger, Body::Empty);
    let (p, o) = same(format!("/api/v1/cases/{case}/transitions"));
    let end = json!({"to": "terminated", "reason": "被申请人明确拒绝调解", "routes_explained": true});
    scoped("/api/v1/cases/{id}/transitions", "POST", p, o, Stranger, Body::Json(end));
    let (p, o) = same(format!("/cases/{case}/move"));
    scoped("/cases/{id}/move", "POST", p, o, Stranger, form(&[("to", "archived"), ("confirm", "true")]));

    // Records named in the body: answered as a record that does not exist.
    let mut named = |template: &'static str,
                     method: &'static str,
                     path: String,
                     body: &dyn Fn(i64) -> Body,
                     theirs: i64,
                     ours: i64| {
        list.push(Attack {
            template,
            method,
            aimed: req(Stranger, method, path.clone(), body(theirs)),
            missing: Some(req(Stranger, method, path.clone(), body(MISSING))),
            rightful: req(Stranger, method, path, body(ours)),
        });
    };
    let case_with = |complaint: i64| Body::Json(case_body(&[complaint]));
    named("/api/v1/cases", "POST", "/api/v1/cases".into(), &case_with, complaint, own_complaints[0]);
    let case_form = |complaint: i64| {
        let id = complaint.to_string();
        form(&[
            ("title", "楼上跳绳噪声"),
            ("dispute_type", "neighbour"),
            ("source", "application"),
            ("risk_level", "yellow"),
            ("parties[0].role", "applicant"),
            ("parties[0].name", "刘一"),
            ("complaint_ids", &id),
        ])
    };
    named("/cases", "POST", "/cases".into(), &case_form, complaint, own_complaints[1]);
    let attach = |complaint: i64| Body::Json(json!({"complaint_id": complaint}));
    named(
        "/api/v1/cases/{id}/complaints",
        "POST",
        format!("/api/v1/cases/{own_case}/complaints"),
        &attach,
        complaint,
        own_complaints[2],
    );
    let into_case = |case: i64| form(&[("case_id", &case.to_string())]);
    // The second committee's complaint is put in its own case above; it is
    // moved from there.
    named(
        "/complaints/{id}/attach",
        "POST",
        format!("/complaints/{}/attach", own_complaints[2]),
        &into_case,
        case,
        own_case,
    );
    let print_request = |case: i64| form(&[("case_id", &case.to_string()), ("kind", "acceptance"), ("copies", "1")]);
    named("/print/requests", "POST", "/print/requests".into(), &print_request, case, own_case);
    let batch = |case: i64| form(&[("item", &format!("{case}|acceptance|1"))]);
    named("/print/batch", "POST", "/print/batch".into(), &batch, case, own_case);
    let sign_party = |party: i64| Body::Json(json!({"role": "party", "party_id": party, "method": "paper"}));
    named(
        "/api/v1/agreements/{id}/signatures",
        "POST",
        format!("/api/v1/agreements/{own_draft}/signatures"),
        &sign_party,
        party,
        own_parties[0],
    );
    let sign_form = |party: i64| form(&[("signer", &format!("party:{party}")), ("method", "paper")]);
    named("/agreements/{id}/sign", "POST", format!("/agreements/{own_draft}/sign"), &sign_form, party, own_parties[1]);
    list
}

/// A mediating case of `token`'s committee with an applicant and a
/// respondent, and a draft agreement.
struct Fixture {
    case: i64,
    complaints: [i64; 3],
    draft: i64,
    parties: [i64; 2],
}

/// Registers a mediating case with an applicant and a respondent, three
/// complaints in no case and a draft agreement, as `token`'s committee.
async fn mediating_case_with_draft(app: &TestApp, token: &str) -> Fixture {
    let mut complaints = [0; 3];
    for (i, id) in complaints.iter_mut().enumerate() {
        let body = complaint("敦化南路64号院", "2026-05-06T21:35:00+08:00", &format!("甲{i}"));
        *id = app.post_ok("/api/v1/complaints", token, &body, 201).await["id"].as_i64().expect("complaint id");
    }
    let case = app.post_ok("/api/v1/cases", token, &case_body(&[]), 201).await;
    let id = case["id"].as_i64().expect("case id");
    for to in ["investigating", "mediating"] {
        app.post_ok(&format!("/api/v1/cases/{id}/transitions"), token, &json!({"to": to}), 200).await;
    }
    let draft = app.post_ok(&format!("/api/v1/cases/{id}/agreements"), token, &memorandum(), 201).await;
    let party = |i: usize| case["parties"][i]["id"].as_i64().expect("party id");
    Fixture { case: id, complaints, draft: draft["id"].as_i64().expect("draft id"), parties: [party(0), party(1)] }
}

/// Whether an answer is a success: 2xx, or a redirect that is not to a
/// sign-in page, or a page that refused the form.
fn succeeded(status: u16, location: &str, body: &str) -> bool {
    (200..300).contains(&status) && !body.contains("field-error") || (status == 303 && !location.contains("login"))
}

both_backends! {
    async fn a_write_aimed_at_another_committees_record_is_404_and_changes_nothing(app) {
        hesheng::cli::demo::load(&mut app.conn()).expect("demo");
        let other = hesheng::db::committees::create(
            &mut app.conn(),
            &Actor::cli(),
            &CommitteeSettings { name: "望京西路社区人民调解委员会".into(), abbreviation: "望西".into(), ..CommitteeSettings::default_committee() },
        )
        .expect("second committee");
        app.create_user("other.admin", Role::Admin, other);
        let spare = app.create_user("spare.staff", Role::Staff, 1);
        let admin = staff_caller(&app, "demo.admin", hesheng::cli::demo::DEMO_PASSWORD).await;
        let stranger = staff_caller(&app, "other.admin", PASSWORD).await;
        let admin_token = admin.bearer.clone().expect("token");
        let stranger_token = stranger.bearer.clone().expect("token");
        let theirs = mediating_case_with_draft(&app, &admin_token).await;
        let ours = mediating_case_with_draft(&app, &stranger_token).await;
        let mut conn = app.conn();
        let (effective, choir_case): (i64, i64) = agreement::table
            .filter(agreement::status.eq("effective"))
            .select((agreement::id, agreement::case_id))
            .order(agreement::id)
            .first(&mut conn)
            .expect("the demo's effective agreement");
        let residents = crate::helpers::access_codes(&mut conn);
        let resident_of = |own: bool| {
            residents
                .iter()
                .find(|(c, _)| (*c == choir_case) == own && *c <= 4)
                .map(|(_, code)| code.clone())
                .expect("a resident")
        };
        let resident = resident_caller(&app, &resident_of(true), hesheng::cli::demo::DEMO_PIN).await;
        let other_resident = resident_caller(&app, &resident_of(false), hesheng::cli::demo::DEMO_PIN).await;
        let ids = Ids {
            case: theirs.case,
            party: theirs.parties[0],
            complaint: theirs.complaints[0],
            draft: theirs.draft,
            effective,
            choir_case,
            user: spare,
            own_case: ours.case,
            own_complaints: ours.complaints,
            own_draft: ours.draft,
            own_parties: ours.parties,
        };
        let mut list = attacks(&ids);
        list.extend(night_finding_attacks(&mut conn));
        let caller = |who: Who| match who {
            Who::Admin => &admin,
            Who::Stranger => &stranger,
            Who::Resident => &resident,
            Who::OtherResident => &other_resident,
        };

        // Every write route whose path names a record is attacked.
        let attacked: BTreeSet<(&str, &str)> = list.iter().filter(|a| a.missing.is_none()).map(|a| (a.method, a.template)).collect();
        let unattacked: Vec<String> = hesheng::web::routes::table()
            .iter()
            .filter(|r| r.method != actix_web::http::Method::GET && r.path.contains('{'))
            // A monitor's own token opens its readings, whoever else asks
            // is 401 (`monitors.rs` sends a user's token, another's, none).
            .filter(|r| r.path != "/api/v1/monitors/{id}/readings")
            .filter(|r| !attacked.contains(&(r.method.as_str(), r.path)))
            .map(|r| format!("{} {}", r.method, r.path))
            .collect();
        assert!(unattacked.is_empty(), "write routes naming a record with no attack here: {unattacked:?}");

        let mut wrong = Vec::new();
        for attack in &list {
            let before = snapshot(&app, &admin, &ids).await;
            let (status, location, body) = send(&app, caller(attack.aimed.who), &attack.aimed).await;
            let what = format!("{} {} as {:?}", attack.method, attack.aimed.path, attack.aimed.who);
            match &attack.missing {
                None if status != 404 => wrong.push(format!("{what}: {status} {location}, expected 404: {body:.300}")),
                Some(missing) => {
                    let (expected, _, _) = send(&app, caller(missing.who), missing).await;
                    if status != expected || status < 400 {
                        wrong.push(format!("{what}: {status} {location}, where a missing record gets {expected}: {body:.300}"));
                    }
                }
                None => {}
            }
            let after = snapshot(&app, &admin, &ids).await;
            if before != after {
                wrong.push(format!("{what} changed the first committee's records or wrote an audit event"));
            }
        }
        assert!(wrong.is_empty(), "{} of {} attacks got through:\n{}", wrong.len(), list.len(), wrong.join("\n"));

        // The same bodies from the rightful callers succeed.
        let mut page_draft: Option<i64> = None;
        for attack in &list {
            let mut rightful = attack.rightful.clone();
            if rightful.path.contains("{page_draft}") {
                rightful.path = rightful.path.replace("{page_draft}", &page_draft.expect("the page's draft").to_string());
            }
            let (status, location, body) = send(&app, caller(rightful.who), &rightful).await;
            assert!(
                succeeded(status, &location, &body),
                "{} {} as {:?} was refused ({status} {location}): the attack's body was not valid\n{body:.600}",
                rightful.method,
                rightful.path,
                rightful.who
            );
            if attack.template == "/cases/{id}/agreements" {
                page_draft = location.trim_start_matches("/agreements/").split(['/', '?', '#']).next().and_then(|id| id.parse::<i64>().ok());
            }
        }
    }
}
