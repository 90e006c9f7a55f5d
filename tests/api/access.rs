//! Who may call what: every route of the route table against every kind of
//! caller — nobody, each role, a resident with their own code, a resident
//! with another case's code, and an administrator of another committee. The
//! matrix must name every route: a route added to the route table
//! (`hesheng::web::routes`, from which the router is built) without an
//! entry here fails the test.

use std::collections::BTreeSet;

use diesel::prelude::*;
use hesheng::db::schema::{agreement, case_party, complaint, night_finding};
use hesheng::domain::account::Role;
use hesheng::domain::audit::Actor;
use hesheng::domain::committee::CommitteeSettings;
use reqwest::redirect::Policy;

use crate::both_backends;
use crate::helpers::{PASSWORD, TestApp, csrf_of};

const ADMIN: &str = "demo.admin";
const MEDIATOR: &str = "wang.mediator";
const GRID: &str = "li.grid";
const STAFF: &str = "zhao.staff";

const EVERYONE: &[&str] = &[ADMIN, MEDIATOR, GRID, STAFF];
const CASE_WORK: &[&str] = &[ADMIN, MEDIATOR];
const FIELD_WORK: &[&str] = &[ADMIN, MEDIATOR, GRID];
const SIGNING: &[&str] = &[ADMIN, MEDIATOR, STAFF];
const ADMINS: &[&str] = &[ADMIN];

/// A sign-in without credentials: refused (401), or, once the address has
/// failed too often, throttled (429).
const SIGN_IN_REFUSED: &[u16] = &[401, 429];

/// Who may call a route.
#[derive(Debug, Clone, Copy)]
enum Rule {
    /// Anyone, with one of these answers to the bodyless call made here
    /// (the route itself decides, e.g. by the credentials posted).
    Public(&'static [u16]),
    /// Signed-in users of these roles (by the demo user holding the role).
    Users(&'static [&'static str]),
    /// Only the administrator of the first committee, who runs the
    /// installation.
    Root,
    /// A resident signed in to the portal.
    Portal,
}

/// One route with a path to call it by.
struct Entry {
    method: &'static str,
    template: &'static str,
    path: String,
    rule: Rule,
    /// The path names a record of the first committee (or a resident's case).
    scoped: bool,
}

/// Routes that change which complaint is in which case: an earlier caller's
/// call may have taken the complaint out already, so those allowed may find
/// nothing (404) — the others must still be refused.
const MAY_VANISH: &[&str] = &[
    "/complaints/{id}/attach",
    "/cases/{id}/complaints/{complaint_id}/detach",
    "/api/v1/cases/{id}/complaints/{complaint_id}",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Caller {
    Anonymous,
    Staff(&'static str),
    OtherCommittee,
    ResidentOwn,
    ResidentOther,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answer {
    /// Passed the access checks (whatever the route then made of the body).
    Allowed,
    /// Sent to sign in: 401 from the API, a redirect to a sign-in page.
    SignIn,
    /// 403.
    Forbidden,
    /// 404: the record is not theirs to know of.
    Hidden,
}

fn expected(rule: Rule, scoped: bool, caller: Caller) -> Answer {
    use Answer::*;
    match (rule, caller) {
        (Rule::Public(_), _) => Allowed,
        (Rule::Users(_) | Rule::Root, Caller::Anonymous | Caller::ResidentOwn | Caller::ResidentOther) => SignIn,
        (Rule::Users(roles), Caller::Staff(user)) => {
            if roles.contains(&user) {
                Allowed
            } else {
                Forbidden
            }
        }
        (Rule::Users(_), Caller::OtherCommittee) => {
            if scoped {
                Hidden
            } else {
                Allowed
            }
        }
        (Rule::Root, Caller::Staff(user)) => {
            if user == ADMIN {
                Allowed
            } else {
                Forbidden
            }
        }
        (Rule::Root, Caller::OtherCommittee) => Forbidden,
        (Rule::Portal, Caller::ResidentOwn) => Allowed,
        (Rule::Portal, Caller::ResidentOther) => {
            if scoped {
                Hidden
            } else {
                Allowed
            }
        }
        (Rule::Portal, _) => SignIn,
    }
}

/// The routes the application serves, as (method, path template), from the
/// table its router is built from.
fn route_table() -> BTreeSet<(String, String)> {
    hesheng::web::routes::table().iter().map(|r| (r.method.to_string(), r.path.to_owned())).collect()
}

struct Fixture {
    case: i64,
    complaint: i64,
    agreement: i64,
    code: String,
    job: i64,
    user: i64,
    committee: i64,
    party: i64,
}

fn matrix(f: &Fixture) -> Vec<Entry> {
    let Fixture { case, complaint, agreement, code, job, user, committee, party } = f;
    let e = |method: &'static str, template: &'static str, path: String, rule: Rule, scoped: bool| Entry {
        method,
        template,
        path,
        rule,
        scoped,
    };
    use Rule::*;
    let mut m = vec![
        e("GET", "/healthz", "/healthz".into(), Public(&[200]), false),
        e("GET", "/assets/{name}", "/assets/app.css".into(), Public(&[200]), false),
        e("GET", "/", "/".into(), Users(EVERYONE), false),
        e("GET", "/complaints", "/complaints".into(), Users(EVERYONE), false),
        e("POST", "/complaints", "/complaints".into(), Users(EVERYONE), false),
        e("GET", "/complaints/new", "/complaints/new".into(), Users(EVERYONE), false),
        e("GET", "/complaints/{id}", format!("/complaints/{complaint}"), Users(EVERYONE), true),
        e("POST", "/complaints/{id}/attach", format!("/complaints/{complaint}/attach"), Users(CASE_WORK), true),
        e("GET", "/cases", "/cases".into(), Users(EVERYONE), false),
        e("POST", "/cases", "/cases".into(), Users(CASE_WORK), false),
        e("GET", "/cases/new", "/cases/new".into(), Users(CASE_WORK), false),
        e("GET", "/cases/{id}", format!("/cases/{case}"), Users(EVERYONE), true),
        e("POST", "/cases/{id}/move", format!("/cases/{case}/move"), Users(CASE_WORK), true),
        e("POST", "/cases/{id}/parties", format!("/cases/{case}/parties"), Users(CASE_WORK), true),
        e("POST", "/cases/{id}/flags", format!("/cases/{case}/flags"), Users(CASE_WORK), true),
        e(
            "POST",
            "/cases/{id}/complaints/{complaint_id}/detach",
            format!("/cases/{case}/complaints/{complaint}/detach"),
            Users(CASE_WORK),
            true,
        ),
        e("GET", "/cases/{id}/agreements/new", format!("/cases/{case}/agreements/new"), Users(CASE_WORK), true),
        e("POST", "/cases/{id}/agreements", format!("/cases/{case}/agreements"), Users(CASE_WORK), true),
        e("GET", "/agreements/{id}", format!("/agreements/{agreement}"), Users(EVERYONE), true),
        e("GET", "/agreements/{id}/edit", format!("/agreements/{agreement}/edit"), Users(CASE_WORK), true),
        e("POST", "/agreements/{id}/edit", format!("/agreements/{agreement}/edit"), Users(CASE_WORK), true),
        e("POST", "/agreements/{id}/withdraw", format!("/agreements/{agreement}/withdraw"), Users(CASE_WORK), true),
        e("GET", "/agreements/{id}/sign", format!("/agreements/{agreement}/sign"), Users(SIGNING), true),
        e("POST", "/agreements/{id}/sign", format!("/agreements/{agreement}/sign"), Users(SIGNING), true),
        e(
            "GET",
            "/agreements/{id}/follow-ups/new",
            format!("/agreements/{agreement}/follow-ups/new"),
            Users(FIELD_WORK),
            true,
        ),
        e(
            "POST",
            "/agreements/{id}/follow-ups",
            format!("/agreements/{agreement}/follow-ups"),
            Users(FIELD_WORK),
            true,
        ),
        e("GET", "/portal/login", "/portal/login".into(), Public(&[200]), false),
        e("POST", "/portal/login", "/portal/login".into(), Public(SIGN_IN_REFUSED), false),
        e("POST", "/portal/large-type", "/portal/large-type".into(), Public(&[303]), false),
        e("GET", "/portal", "/portal".into(), Portal, false),
        e("GET", "/portal/cases/{id}", format!("/portal/cases/{case}"), Portal, true),
        e("GET", "/portal/agreements/{id}/pdf", format!("/portal/agreements/{agreement}/pdf"), Portal, true),
        e("POST", "/portal/agreements/{id}/feedback", format!("/portal/agreements/{agreement}/feedback"), Portal, true),
        e("GET", "/admin", "/admin".into(), Users(ADMINS), false),
        e("POST", "/admin/users", "/admin/users".into(), Users(ADMINS), false),
        e("POST", "/admin/users/{id}/active", format!("/admin/users/{user}/active"), Users(ADMINS), true),
        e("GET", "/admin/committee", "/admin/committee".into(), Users(ADMINS), false),
        e("GET", "/admin/committee/seal.png", "/admin/committee/seal.png".into(), Users(ADMINS), false),
        e("POST", "/admin/committee", "/admin/committee".into(), Users(ADMINS), false),
        e("POST", "/admin/committee/seal", "/admin/committee/seal".into(), Users(ADMINS), false),
        e("POST", "/admin/committee/seal/remove", "/admin/committee/seal/remove".into(), Users(ADMINS), false),
        e("GET", "/reports", "/reports".into(), Users(EVERYONE), false),
        e("GET", "/monitors", "/monitors".into(), Users(CASE_WORK), false),
        e("POST", "/monitors", "/monitors".into(), Users(CASE_WORK), false),
        e("GET", "/monitors/{id}/nights/{night}", "/monitors/1/nights/2026-06-08".into(), Users(EVERYONE), true),
        // Finding 1, a kept night: the page answers why it cannot be reviewed.
        e("POST", "/night-findings/{id}/confirm", "/night-findings/1/confirm".into(), Users(CASE_WORK), true),
        e("POST", "/night-findings/{id}/dismiss", "/night-findings/1/dismiss".into(), Users(CASE_WORK), true),
        e("GET", "/print", "/print".into(), Users(SIGNING), false),
        e("POST", "/print/requests", "/print/requests".into(), Users(SIGNING), false),
        e("POST", "/print/batch", "/print/batch".into(), Users(SIGNING), false),
        e("GET", "/print/jobs/{id}", format!("/print/jobs/{job}"), Users(SIGNING), true),
        e("GET", "/print/jobs/{id}/pdf", format!("/print/jobs/{job}/pdf"), Users(SIGNING), true),
        e("GET", "/print/register", "/print/register".into(), Users(SIGNING), false),
        e("GET", "/login", "/login".into(), Public(&[200]), false),
        e("POST", "/login", "/login".into(), Public(SIGN_IN_REFUSED), false),
        e("POST", "/language", "/language".into(), Public(&[400]), false),
        e("GET", "/verify", "/verify".into(), Public(&[200]), false),
        e("POST", "/verify", "/verify".into(), Public(&[422]), false),
        e("GET", "/verify/lookup", format!("/verify/lookup?code={code}"), Public(&[303]), false),
        e("GET", "/verify/{code}", format!("/verify/{code}"), Public(&[200]), false),
        e("GET", "/api/v1/openapi.json", "/api/v1/openapi.json".into(), Public(&[200]), false),
        e("POST", "/api/v1/auth/token", "/api/v1/auth/token".into(), Public(&[422]), false),
        e("POST", "/api/v1/committees", "/api/v1/committees".into(), Root, false),
        e("GET", "/api/v1/committees/{id}", format!("/api/v1/committees/{committee}"), Users(EVERYONE), true),
        e("GET", "/api/v1/users", "/api/v1/users".into(), Users(ADMINS), false),
        e("POST", "/api/v1/users", "/api/v1/users".into(), Users(ADMINS), false),
        e("GET", "/api/v1/complaints", "/api/v1/complaints".into(), Users(EVERYONE), false),
        e("POST", "/api/v1/complaints", "/api/v1/complaints".into(), Users(EVERYONE), false),
        e("GET", "/api/v1/complaints/{id}", format!("/api/v1/complaints/{complaint}"), Users(EVERYONE), true),
        e(
            "GET",
            "/api/v1/complaints/{id}/similar",
            format!("/api/v1/complaints/{complaint}/similar"),
            Users(EVERYONE),
            true,
        ),
        e("GET", "/api/v1/cases", "/api/v1/cases".into(), Users(EVERYONE), false),
        e("POST", "/api/v1/cases", "/api/v1/cases".into(), Users(CASE_WORK), false),
        e("GET", "/api/v1/cases/{id}", format!("/api/v1/cases/{case}"), Users(EVERYONE), true),
        e("POST", "/api/v1/cases/{id}/contacts", format!("/api/v1/cases/{case}/contacts"), Users(CASE_WORK), true),
        e(
            "POST",
            "/api/v1/complaints/{id}/contacts",
            format!("/api/v1/complaints/{complaint}/contacts"),
            Users(CASE_WORK),
            true,
        ),
        e(
            "POST",
            "/api/v1/parties/{id}/portal-pin",
            format!("/api/v1/parties/{party}/portal-pin"),
            Users(CASE_WORK),
            true,
        ),
        e("POST", "/cases/{id}/contacts", format!("/cases/{case}/contacts"), Users(CASE_WORK), true),
        e("POST", "/cases/{id}/receipts", format!("/cases/{case}/receipts"), Users(CASE_WORK), true),
        e("PATCH", "/api/v1/cases/{id}", format!("/api/v1/cases/{case}"), Users(CASE_WORK), true),
        e(
            "POST",
            "/api/v1/cases/{id}/transitions",
            format!("/api/v1/cases/{case}/transitions"),
            Users(CASE_WORK),
            true,
        ),
        e("POST", "/api/v1/cases/{id}/parties", format!("/api/v1/cases/{case}/parties"), Users(CASE_WORK), true),
        e("POST", "/api/v1/cases/{id}/complaints", format!("/api/v1/cases/{case}/complaints"), Users(CASE_WORK), true),
        e(
            "DELETE",
            "/api/v1/cases/{id}/complaints/{complaint_id}",
            format!("/api/v1/cases/{case}/complaints/{complaint}"),
            Users(CASE_WORK),
            true,
        ),
        e(
            "POST",
            "/api/v1/cases/{id}/investigations",
            format!("/api/v1/cases/{case}/investigations"),
            Users(FIELD_WORK),
            true,
        ),
        e(
            "POST",
            "/api/v1/cases/{id}/measurements",
            format!("/api/v1/cases/{case}/measurements"),
            Users(FIELD_WORK),
            true,
        ),
        e("POST", "/api/v1/measurements/assess", "/api/v1/measurements/assess".into(), Users(FIELD_WORK), false),
        e("POST", "/api/v1/cases/{id}/sessions", format!("/api/v1/cases/{case}/sessions"), Users(CASE_WORK), true),
        e("POST", "/api/v1/cases/{id}/meetings", format!("/api/v1/cases/{case}/meetings"), Users(CASE_WORK), true),
        e("POST", "/api/v1/cases/{id}/referrals", format!("/api/v1/cases/{case}/referrals"), Users(CASE_WORK), true),
        e("POST", "/api/v1/cases/{id}/agreements", format!("/api/v1/cases/{case}/agreements"), Users(CASE_WORK), true),
        e("GET", "/api/v1/agreements/{id}", format!("/api/v1/agreements/{agreement}"), Users(EVERYONE), true),
        e("PATCH", "/api/v1/agreements/{id}", format!("/api/v1/agreements/{agreement}"), Users(CASE_WORK), true),
        e("GET", "/api/v1/agreements/{id}/pdf", format!("/api/v1/agreements/{agreement}/pdf"), Users(EVERYONE), true),
        e(
            "GET",
            "/api/v1/cases/{id}/documents/{kind}",
            format!("/api/v1/cases/{case}/documents/application.pdf"),
            Users(EVERYONE),
            true,
        ),
        e(
            "POST",
            "/api/v1/agreements/{id}/signatures",
            format!("/api/v1/agreements/{agreement}/signatures"),
            Users(SIGNING),
            true,
        ),
        e(
            "POST",
            "/api/v1/agreements/{id}/withdraw",
            format!("/api/v1/agreements/{agreement}/withdraw"),
            Users(CASE_WORK),
            true,
        ),
        e(
            "POST",
            "/api/v1/agreements/{id}/follow-ups",
            format!("/api/v1/agreements/{agreement}/follow-ups"),
            Users(FIELD_WORK),
            true,
        ),
        e("GET", "/api/v1/legal-references", "/api/v1/legal-references".into(), Users(EVERYONE), false),
        e("GET", "/api/v1/reports/summary", "/api/v1/reports/summary".into(), Users(EVERYONE), false),
        e("GET", "/api/v1/reports/summary.csv", "/api/v1/reports/summary.csv".into(), Users(EVERYONE), false),
        e("GET", "/api/v1/reports/summary.pdf", "/api/v1/reports/summary.pdf".into(), Users(EVERYONE), false),
        e("GET", "/api/v1/parties/{id}/export", format!("/api/v1/parties/{party}/export"), Users(ADMINS), true),
        e("GET", "/api/v1/monitors", "/api/v1/monitors".into(), Users(EVERYONE), false),
        e("POST", "/api/v1/monitors", "/api/v1/monitors".into(), Users(CASE_WORK), false),
        // A device's own token opens it; no user's does.
        e(
            "POST",
            "/api/v1/monitors/{id}/readings",
            "/api/v1/monitors/999999/readings".into(),
            Public(&[401, 404]),
            false,
        ),
        e(
            "GET",
            "/api/v1/agreements/{id}/nights",
            format!("/api/v1/agreements/{agreement}/nights"),
            Users(EVERYONE),
            true,
        ),
        // Finding 1, a kept night: it can be neither dismissed nor confirmed.
        e(
            "POST",
            "/api/v1/night-findings/{id}/dismiss",
            "/api/v1/night-findings/1/dismiss".into(),
            Users(CASE_WORK),
            true,
        ),
        e(
            "POST",
            "/api/v1/night-findings/{id}/confirm",
            "/api/v1/night-findings/1/confirm".into(),
            Users(CASE_WORK),
            true,
        ),
    ];
    for (kind, roles) in
        [("investigations", FIELD_WORK), ("measurements", FIELD_WORK), ("sessions", CASE_WORK), ("meetings", CASE_WORK)]
    {
        m.push(e("GET", "/cases/{id}/{kind}/new", format!("/cases/{case}/{kind}/new"), Users(roles), true));
        m.push(e("POST", "/cases/{id}/{kind}", format!("/cases/{case}/{kind}"), Users(roles), true));
    }
    // Last, as they end the caller's session or token.
    m.push(e("POST", "/portal/logout", "/portal/logout".into(), Public(&[303]), false));
    m.push(e("POST", "/logout", "/logout".into(), Public(&[303]), false));
    m.push(e("DELETE", "/api/v1/auth/token", "/api/v1/auth/token".into(), Users(EVERYONE), false));
    m
}

/// A caller with its own cookie jar, its CSRF token and its API token.
struct Client {
    http: reqwest::Client,
    csrf: String,
    bearer: Option<String>,
}

async fn client(app: &TestApp, caller: Caller, code_of: impl Fn(bool) -> (String, String)) -> Client {
    let http = reqwest::Client::builder().cookie_store(true).redirect(Policy::none()).build().expect("client");
    let csrf_from = |path: &'static str| {
        let http = http.clone();
        async move {
            let html = http.get(app.url(path)).send().await.expect("page").text().await.expect("body");
            csrf_of(&html)
        }
    };
    let sign_in = |user: &str, password: &str| {
        let (http, user, password) = (http.clone(), user.to_owned(), password.to_owned());
        async move {
            let html = http.get(app.url("/login")).send().await.expect("login").text().await.expect("body");
            let form = [("username", user.as_str()), ("password", password.as_str()), ("csrf_token", &csrf_of(&html))];
            let r = http.post(app.url("/login")).form(&form).send().await.expect("sign in");
            assert_eq!(r.status(), 303, "sign-in of {user}");
            let token = app.token_with(&user, &password).await;
            Some(token)
        }
    };
    let bearer = match caller {
        Caller::Anonymous => None,
        Caller::Staff(user) => sign_in(user, hesheng::cli::demo::DEMO_PASSWORD).await,
        Caller::OtherCommittee => sign_in("other.admin", PASSWORD).await,
        Caller::ResidentOwn | Caller::ResidentOther => {
            let (code, pin) = code_of(caller == Caller::ResidentOwn);
            let html = http.get(app.url("/portal/login")).send().await.expect("portal").text().await.expect("body");
            let form = [("code", code.as_str()), ("pin", pin.as_str()), ("csrf_token", &csrf_of(&html))];
            let r = http.post(app.url("/portal/login")).form(&form).send().await.expect("portal sign in");
            assert_eq!(r.status(), 303, "portal sign-in");
            None
        }
    };
    let csrf = match caller {
        Caller::Anonymous => csrf_from("/login").await,
        Caller::ResidentOwn | Caller::ResidentOther => csrf_from("/portal").await,
        _ => csrf_from("/").await,
    };
    Client { http, csrf, bearer }
}

/// Routes that take an upload.
const MULTIPART: &[&str] = &["/admin/committee/seal", "/verify"];

fn answer_of(status: u16, location: Option<&str>) -> Answer {
    match status {
        401 => Answer::SignIn,
        302 | 303 if location.is_some_and(|l| l.contains("/login")) => Answer::SignIn,
        403 => Answer::Forbidden,
        404 => Answer::Hidden,
        _ => Answer::Allowed,
    }
}

async fn call(app: &TestApp, client: &Client, entry: &Entry) -> (u16, Option<String>) {
    let url = app.url(&entry.path);
    let method = reqwest::Method::from_bytes(entry.method.as_bytes()).expect("method");
    let mut request = client.http.request(method.clone(), &url);
    if entry.path.starts_with("/api/") {
        if let Some(token) = &client.bearer {
            request = request.bearer_auth(token);
        }
        if method != reqwest::Method::GET && method != reqwest::Method::DELETE {
            request = request.json(&serde_json::json!({}));
        }
    } else if MULTIPART.contains(&entry.template) {
        let form = reqwest::multipart::Form::new().text("csrf_token", client.csrf.clone());
        request = request.multipart(form);
    } else if method == reqwest::Method::POST {
        request = request.form(&[("csrf_token", client.csrf.as_str())]);
    }
    let response = request.send().await.expect("request");
    let location = response.headers().get("location").and_then(|l| l.to_str().ok()).map(str::to_owned);
    (response.status().as_u16(), location)
}

both_backends! {
    async fn every_route_answers_every_caller_as_the_matrix_says(app) {
        hesheng::cli::demo::load(&mut app.conn()).expect("demo");
        let mut conn = app.conn();
        let other = hesheng::db::committees::create(
            &mut conn,
            &Actor::cli(),
            &CommitteeSettings { name: "望京西路社区人民调解委员会".into(), abbreviation: "望西".into(), ..CommitteeSettings::default_committee() },
        )
        .expect("second committee");
        app.create_user("other.admin", Role::Admin, other);
        let throwaway = app.create_user("spare.staff", Role::Staff, 1);
        for committee in [1, other] {
            hesheng::db::committees::set_seal(&mut conn, &Actor::cli(), committee, Some(&crate::pages::seal_png())).expect("seal");
        }
        let case = 1;
        let complaint_id: i64 =
            complaint::table.filter(complaint::case_id.eq(case)).select(complaint::id).order(complaint::id).first(&mut conn).expect("complaint");
        let (agreement_id, code): (i64, Option<String>) = agreement::table
            .filter(agreement::case_id.eq(case))
            .filter(agreement::status.eq("effective"))
            .select((agreement::id, agreement::verification_code))
            .first(&mut conn)
            .expect("agreement");
        // The demo's first night finding: a kept night of the choir's monitor.
        let first: String = night_finding::table.find(1).select(night_finding::outcome).first(&mut conn).expect("finding 1");
        assert_eq!(first, "kept");
        let job = hesheng::db::print_queue::start_job(&mut conn, &Actor::cli(), 1, &[], chrono::Utc::now().naive_utc()).expect("job");
        let finished = hesheng::db::print_queue::Finished { pdf: b"%PDF-1.7\n%%EOF\n", pages: 1, copies: &[], request_ids: &[] };
        hesheng::db::print_queue::finish_job(&mut conn, &Actor::cli(), 1, job, &finished, chrono::Utc::now().naive_utc()).expect("finish");
        let residents = crate::helpers::access_codes(&mut conn);
        let resident = |own: bool| {
            let (_, code) = residents.iter().find(|(c, _)| (*c == case) == own).expect("a resident with a code");
            (code.clone(), hesheng::cli::demo::DEMO_PIN.to_owned())
        };
        let fixture = Fixture {
            case,
            complaint: complaint_id,
            agreement: agreement_id,
            code: code.expect("verification code"),
            job,
            user: throwaway,
            committee: 1,
            party: case_party::table
                .filter(case_party::case_id.eq(case))
                .select(case_party::party_id)
                .first(&mut conn)
                .expect("a party of the case"),
        };
        let matrix = matrix(&fixture);

        let listed: BTreeSet<(String, String)> = matrix.iter().map(|e| (e.method.to_owned(), e.template.to_owned())).collect();
        let table = route_table();
        assert!(table.len() > 90, "the route table was read: {}", table.len());
        let missing: Vec<_> = table.difference(&listed).collect();
        assert!(missing.is_empty(), "routes without an entry in the access matrix: {missing:?}");
        let stale: Vec<_> = listed.difference(&table).collect();
        assert!(stale.is_empty(), "entries for routes that no longer exist: {stale:?}");

        // The residents first: the staff's calls print receipt slips,
        // which issue the parties new PINs.
        let callers = [
            Caller::ResidentOwn,
            Caller::ResidentOther,
            Caller::Anonymous,
            Caller::Staff(ADMIN),
            Caller::Staff(MEDIATOR),
            Caller::Staff(GRID),
            Caller::Staff(STAFF),
            Caller::OtherCommittee,
        ];
        let mut wrong = Vec::new();
        let mut calls = 0;
        for caller in callers {
            let client = client(&app, caller, &resident).await;
            for entry in &matrix {
                let (status, location) = call(&app, &client, entry).await;
                calls += 1;
                assert!(status < 500, "{} {} as {caller:?}: {status}", entry.method, entry.path);
                let want = expected(entry.rule, entry.scoped, caller);
                let got = answer_of(status, location.as_deref());
                let fine = match entry.rule {
                    // A public route may refuse bad credentials or send the
                    // caller on, but never refuses for want of a role.
                    // A public route gives its documented answer to anyone.
                    Rule::Public(answers) => answers.contains(&status),
                    _ if got == want => true,
                    _ if want == Answer::Allowed && got == Answer::Hidden => MAY_VANISH.contains(&entry.template),
                    // The body of a write may be judged before the record
                    // is looked up; the empty body sent here is refused the
                    // same way whoever's record the path names, so the
                    // answer tells nothing of the other committee's records.
                    // `isolation.rs` sends each such write a valid body.
                    _ if want == Answer::Hidden && (status == 400 || status == 422) => {
                        entry.method != "GET" && matches!(caller, Caller::OtherCommittee | Caller::ResidentOther)
                    }
                    _ => false,
                };
                if !fine {
                    wrong.push(format!("{} {} as {caller:?}: {status} {location:?}, expected {want:?}", entry.method, entry.path));
                }
            }
        }
        assert!(wrong.is_empty(), "{} of {calls} calls answered wrongly:\n{}", wrong.len(), wrong.join("\n"));
    }
}
