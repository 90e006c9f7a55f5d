//! The pages: each renders for the roles that may see it and refuses the
//! others; forms validate on the server, keep their input, carry CSRF and
//! leave a flash message; the resident portal shows a party their own case.

use chrono::Datelike;
use diesel::prelude::*;
use hesheng::cli::demo::{DEMO_PASSWORD, DEMO_PIN, load};
use hesheng::db::schema::{complaint, document_copy, follow_up, measurement, mediation_case};
use reqwest::redirect::Policy;

use crate::both_backends;
use crate::helpers::{TestApp, csrf_of};

/// A browser-like client: its own cookie jar, no automatic redirects.
pub struct Visitor<'a> {
    app: &'a TestApp,
    client: reqwest::Client,
    jar: std::sync::Arc<reqwest::cookie::Jar>,
}

impl<'a> Visitor<'a> {
    pub fn new(app: &'a TestApp) -> Self {
        let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
        let client =
            reqwest::Client::builder().cookie_provider(jar.clone()).redirect(Policy::none()).build().expect("client");
        Self { app, client, jar }
    }

    /// The `Cookie` header this visitor sends to the app.
    pub fn cookies(&self) -> String {
        use reqwest::cookie::CookieStore;
        let url = self.app.address.parse().expect("url");
        self.jar.cookies(&url).map(|v| v.to_str().expect("ascii").to_owned()).unwrap_or_default()
    }

    /// A visitor signed in as a demo user.
    pub async fn signed_in(app: &'a TestApp, username: &str) -> Self {
        let v = Self::new(app);
        let response = v.post("/login", "/login", &[("username", username), ("password", DEMO_PASSWORD)]).await;
        assert_eq!(response.status(), 303, "sign-in of {username}");
        v
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.app.url(path)).send().await.expect("GET")
    }

    /// The status and body of a page.
    pub async fn page(&self, path: &str) -> (u16, String) {
        let response = self.get(path).await;
        let status = response.status().as_u16();
        (status, response.text().await.expect("body"))
    }

    /// Posts a form with the CSRF token of the page `from`.
    pub async fn post(&self, from: &str, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let (_, html) = self.page(from).await;
        let token = csrf_of(&html);
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        form.push(("csrf_token", &token));
        self.client.post(self.app.url(path)).form(&form).send().await.expect("POST")
    }

    /// Posts and follows the redirect: the status of the post, and the page
    /// it leads to.
    pub async fn post_and_follow(&self, from: &str, path: &str, fields: &[(&str, &str)]) -> (u16, String) {
        let response = self.post(from, path, fields).await;
        let status = response.status().as_u16();
        if status == 303 {
            let location = response.headers()["location"].to_str().expect("location").to_owned();
            let target = location.strip_prefix(&self.app.address).unwrap_or(&location).to_owned();
            let (_, body) = self.page(&target).await;
            (status, body)
        } else {
            (status, response.text().await.expect("body"))
        }
    }
}

fn count_of<T>(app: &TestApp, query: impl FnOnce(&mut hesheng::db::DbConn) -> QueryResult<T>) -> T {
    query(&mut app.conn()).expect("count")
}

const ADMIN: &str = "demo.admin";
const MEDIATOR: &str = "wang.mediator";
const GRID: &str = "li.grid";
const STAFF: &str = "zhao.staff";
const EVERYONE: &[&str] = &[ADMIN, MEDIATOR, GRID, STAFF];

both_backends! {
    async fn a_case_page_offers_an_application_only_for_a_case_the_parties_applied_for(app) {
        load(&mut app.conn()).expect("demo");
        let hornet: i64 = mediation_case::table
            .filter(mediation_case::source.eq("own_initiative"))
            .select(mediation_case::id)
            .first(&mut app.conn())
            .expect("the demo's case taken up by the committee");
        let mediator = Visitor::signed_in(&app, MEDIATOR).await;
        let (status, applied) = mediator.page("/cases/1").await;
        assert_eq!(status, 200);
        assert!(applied.contains("/api/v1/cases/1/documents/application.pdf"), "the choir's parties applied");
        let (status, taken_up) = mediator.page(&format!("/cases/{hornet}")).await;
        assert_eq!(status, 200);
        assert!(!taken_up.contains("/documents/application.pdf"), "no application for a case the committee took up");
        assert!(taken_up.contains(&format!("/api/v1/cases/{hornet}/documents/")), "its other documents are offered");
    }

    async fn every_page_answers_the_roles_that_may_see_it_and_refuses_the_others(app) {
        load(&mut app.conn()).expect("demo");
        let visitors = [
            (ADMIN, Visitor::signed_in(&app, ADMIN).await),
            (MEDIATOR, Visitor::signed_in(&app, MEDIATOR).await),
            (GRID, Visitor::signed_in(&app, GRID).await),
            (STAFF, Visitor::signed_in(&app, STAFF).await),
        ];
        let pages: &[(&str, &[&str], &str)] = &[
            ("/", EVERYONE, "工作台"),
            ("/complaints", EVERYONE, "投诉"),
            ("/complaints/new", EVERYONE, "登记投诉"),
            ("/complaints/1", EVERYONE, "可能重复的投诉"),
            ("/cases", EVERYONE, "（2026）敦南人调字第1号"),
            ("/cases/1", EVERYONE, "办理经过"),
            ("/cases/new", &[ADMIN, MEDIATOR], "立案"),
            ("/cases/1/investigations/new", &[ADMIN, MEDIATOR, GRID], "现场调查笔录"),
            ("/cases/1/measurements/new", &[ADMIN, MEDIATOR, GRID], "噪声测量"),
            ("/cases/1/sessions/new", &[ADMIN, MEDIATOR], "引用的法律条文"),
            ("/cases/1/meetings/new", &[ADMIN, MEDIATOR], "表决"),
            ("/cases/1/agreements/new", &[ADMIN, MEDIATOR], "协议内容"),
            ("/agreements/1", EVERYONE, "周桂芳每天的活动于19:00开始"),
            ("/agreements/1/sign", &[ADMIN, MEDIATOR, STAFF], "签名已完成"),
            ("/agreements/1/follow-ups/new", &[ADMIN, MEDIATOR, GRID], "逐项履行情况"),
            ("/print", &[ADMIN, MEDIATOR, STAFF], "打印队列"),
            ("/print/register", &[ADMIN, MEDIATOR, STAFF], "文书印制登记"),
            ("/admin", &[ADMIN], "添加用户"),
            ("/admin/committee", &[ADMIN], "调解委员会印章"),
            ("/verify", EVERYONE, "按核验码查询"),
            ("/reports", EVERYONE, "主要指标"),
        ];
        let anonymous = Visitor::new(&app);
        for (path, allowed, marker) in pages {
            for (name, visitor) in &visitors {
                let (status, body) = visitor.page(path).await;
                if allowed.contains(name) {
                    assert_eq!(status, 200, "{name} may see {path}");
                    assert!(body.contains(marker), "{path} for {name} shows {marker}");
                    assert!(body.contains("<main id=\"main\""), "{path} is a page");
                } else {
                    assert_eq!(status, 403, "{name} may not see {path}");
                }
            }
            if *path != "/verify" {
                let response = anonymous.get(path).await;
                assert_eq!(response.status(), 303, "{path} asks to sign in");
                let location = response.headers()["location"].to_str().expect("location");
                assert!(location.starts_with("/login?next="), "{path} → {location}");
            }
        }
        // Every page of the demo case in English too.
        let english = Visitor::signed_in(&app, MEDIATOR).await;
        english.post("/", "/language", &[("lang", "en"), ("next", "/cases/1")]).await;
        let (status, body) = english.page("/cases/1").await;
        assert_eq!(status, 200);
        assert!(body.contains("Timeline") && body.contains("Noise measurements"), "English case page");
        assert!(body.contains("Registered → Investigating"), "codes in the timeline are put into words");
        // An effective agreement is not edited in place.
        let (status, _) = english.page("/agreements/1/edit").await;
        assert_eq!(status, 409);
        let (_, agreement) = english.page("/agreements/1").await;
        assert!(agreement.contains("Party (Applicant): "), "English labels in English brackets and capitals");
        // The switch changed this browser only: the account keeps its
        // language until its user asks, on the dashboard.
        let elsewhere = Visitor::signed_in(&app, MEDIATOR).await;
        assert!(elsewhere.page("/cases/1").await.1.contains("办理经过"), "another browser still reads Chinese");
        let (_, home) = english.page("/").await;
        assert!(home.contains("Make English my account"), "the dashboard offers to keep it");
        english.post("/", "/language", &[("lang", "en"), ("next", "/"), ("remember", "true")]).await;
        let third = Visitor::signed_in(&app, MEDIATOR).await;
        assert!(third.page("/cases/1").await.1.contains("Timeline"), "asked for, the account's language is English");
    }

    async fn the_intake_form_keeps_input_names_errors_by_field_and_leaves_a_flash(app) {
        load(&mut app.conn()).expect("demo");
        let grid = Visitor::signed_in(&app, GRID).await;
        let before = count_of(&app, |c| complaint::table.count().get_result::<i64>(c));
        let (status, body) = grid
            .post_and_follow(
                "/complaints/new",
                "/complaints",
                &[
                    ("channel", "patrol"),
                    ("category", "noise"),
                    ("location", ""),
                    ("description", "广场舞音响太响"),
                    ("reporter.phone", "12ab"),
                    ("observed_pattern.start", "25:00"),
                ],
            )
            .await;
        assert_eq!(status, 422);
        assert!(body.contains("id=\"location-error\""), "the location's message is next to it");
        assert!(body.contains("id=\"reporter.name-error\""), "a named reporter is required unless anonymous");
        assert!(body.contains("id=\"observed_pattern.start-error\""));
        assert!(body.contains("value=\"12ab\""), "input is kept");
        assert!(body.contains("广场舞音响太响"), "input is kept");
        assert_eq!(count_of(&app, |c| complaint::table.count().get_result::<i64>(c)), before, "nothing saved");

        let (status, body) = grid
            .post_and_follow(
                "/complaints/new",
                "/complaints",
                &[
                    ("channel", "patrol"),
                    ("category", "noise"),
                    ("location", "敦化南路６４号院"),
                    ("description", "夜里十点以后还在唱"),
                    ("anonymous", "true"),
                    ("received_at", "2026-06-20T22:15"),
                    ("observed_pattern.days", "some"),
                    ("observed_pattern.days.sat", "true"),
                    ("observed_pattern.days.sun", "true"),
                ],
            )
            .await;
        assert_eq!(status, 303);
        assert!(body.contains("每周六、周日"), "the days ticked, in words");
        assert!(body.contains("投诉已登记：敦化南路６４号院"), "flash after the action");
        assert!(body.contains("2026-06-20 22:15"), "local time kept as entered");
        assert!(body.contains("可能重复的投诉"), "duplicates are suggested at once");
        assert!(body.contains("/complaints/1\""), "the earlier complaint at the same place is suggested");
        let (_, again) = grid.page("/").await;
        assert!(!again.contains("投诉已登记"), "a flash is shown once");
        assert!(again.contains("敦化南路６４号院"), "the new complaint waits for triage");

        // No CSRF token: refused, nothing saved.
        let count = count_of(&app, |c| complaint::table.count().get_result::<i64>(c));
        let response = grid
            .client
            .post(app.url("/complaints"))
            .form(&[("channel", "patrol"), ("category", "noise"), ("location", "x"), ("description", "y"), ("anonymous", "true")])
            .send()
            .await
            .expect("post");
        assert_eq!(response.status(), 403);
        assert_eq!(count_of(&app, |c| complaint::table.count().get_result::<i64>(c)), count);
    }

    async fn long_lists_are_paged(app) {
        let admin_token = app.user_token("pager.admin", hesheng::domain::account::Role::Admin).await;
        for i in 0..30 {
            let body = serde_json::json!({
                "channel": "phone", "category": "noise", "location": format!("{i}号楼"),
                "description": "吵", "anonymous": true
            });
            app.post_ok("/api/v1/complaints", &admin_token, &body, 201).await;
        }
        let v = Visitor::new(&app);
        v.post("/login", "/login", &[("username", "pager.admin"), ("password", crate::helpers::PASSWORD)]).await;
        let (_, first) = v.page("/complaints").await;
        assert_eq!(first.matches("<tr><td>").count(), 25);
        let next = first.split("rel=\"next\"").next().and_then(|h| h.rsplit("href=\"").next()).expect("next link");
        let next = next.trim().trim_end_matches('"').replace("&amp;", "&").replace("&#38;", "&");
        let (status, second) = v.page(&next).await;
        assert_eq!(status, 200);
        assert_eq!(second.matches("<tr><td>").count(), 5);
        assert!(second.contains("0号楼") && !second.contains("29号楼"));
    }

    async fn a_case_is_registered_moved_and_ended_through_its_page(app) {
        load(&mut app.conn()).expect("demo");
        let mediator = Visitor::signed_in(&app, MEDIATOR).await;
        let (_, form) = mediator.page("/cases/new?complaints=1").await;
        assert!(!form.contains("name=\"complaint_ids\" value=\"1\""), "a complaint already in a case is not offered");
        // The complainant starts the applicant's row; an anonymous one does not.
        let grid = app.user_token("grid.two", hesheng::domain::account::Role::GridWorker).await;
        let mut named = crate::records::complaint("敦化南路64号院", "2026-06-01T22:10:00+08:00", "孙七");
        named["reporter"]["address"] = serde_json::json!("5号楼101");
        let named = app.post_ok("/api/v1/complaints", &grid, &named, 201).await;
        let (_, form) = mediator.page(&format!("/cases/new?complaints={}", named["id"])).await;
        assert!(form.contains("value=\"孙七\"") && form.contains("value=\"5号楼101\""), "the complainant is the likely applicant");
        let mut hidden = crate::records::complaint("敦化南路64号院", "2026-06-01T22:20:00+08:00", "钱八");
        hidden["anonymous"] = serde_json::json!(true);
        let hidden = app.post_ok("/api/v1/complaints", &grid, &hidden, 201).await;
        let (_, form) = mediator.page(&format!("/cases/new?complaints={}", hidden["id"])).await;
        assert!(!form.contains("钱八"), "an anonymous complainant is not put in the form");
        let (status, body) = mediator
            .post_and_follow("/cases/new", "/cases", &[("title", "无当事人"), ("dispute_type", "neighbour"), ("source", "application"), ("risk_level", "yellow")])
            .await;
        assert_eq!(status, 422);
        assert!(body.contains("请至少填写一方当事人（申请人）后再立案"), "a case with no parties is refused, saying why");
        let (status, body) = mediator
            .post_and_follow(
                "/cases/new",
                "/cases",
                &[
                    ("title", ""),
                    ("dispute_type", "neighbour"),
                    ("source", "application"),
                    ("risk_level", "yellow"),
                    ("parties[0].role", "applicant"),
                    ("parties[0].name", "刘一"),
                    ("parties[0].phone", "139"),
                ],
            )
            .await;
        assert_eq!(status, 422);
        assert!(body.contains("id=\"title-error\"") || body.contains("#title\""), "title refused");
        assert!(body.contains("parties[0].phone"), "the party row keeps its fields");
        assert!(body.contains("value=\"刘一\""));

        let (status, body) = mediator
            .post_and_follow(
                "/cases/new",
                "/cases",
                &[
                    ("title", "楼上跳绳噪声"),
                    ("dispute_type", "neighbour"),
                    ("source", "application"),
                    ("risk_level", "orange"),
                    ("parties[0].role", "applicant"),
                    ("parties[0].name", "刘一"),
                    ("parties[1].role", "respondent"),
                    ("parties[1].name", "陈二"),
                    ("parties[1].phone", "+86 139-1234-5678"),
                    ("mediator_ids", "2"),
                    ("requests", "晚上九点后不跳绳\n铺设减震垫"),
                ],
            )
            .await;
        assert_eq!(status, 303);
        // Registered with the server's clock: the number's year is the local
        // (+08:00) year of that moment, and the count runs on from the cases
        // the demo registered in the same year (four in 2026, none later).
        let (number, year, seq, registered_at) = count_of(&app, |c| {
            mediation_case::table
                .filter(mediation_case::id.eq(5))
                .select((mediation_case::number, mediation_case::year, mediation_case::seq, mediation_case::registered_at))
                .first::<(String, i32, i32, chrono::NaiveDateTime)>(c)
        });
        assert_eq!(year, hesheng::domain::clock::local_date(registered_at, 480).year(), "the year of registration, local time");
        let same_year = count_of(&app, |c| {
            mediation_case::table.filter(mediation_case::committee_id.eq(1).and(mediation_case::year.eq(year))).count().get_result::<i64>(c)
        });
        assert_eq!(i64::from(seq), same_year, "the next number of its year");
        assert_eq!(number, format!("（{year}）敦南人调字第{seq}号"));
        assert!(body.contains(&format!("已立案：{number}")));
        assert!(body.contains("139****5678"), "phones are masked on the page");
        assert!(body.contains("开始调查核实"), "the allowed move is offered");
        assert!(!body.contains("确认履行完毕"), "moves not allowed are not offered");

        let (status, body) = mediator.post_and_follow("/cases/5", "/cases/5/move", &[("to", "fulfilled")]).await;
        assert_eq!(status, 422, "an illegal move is refused on the page");
        assert!(body.contains("案件不能从“已受理”转为“履行完毕”；可以转为：调查核实, 调解终止"), "the allowed moves are named");

        let (status, body) = mediator.post_and_follow("/cases/5", "/cases/5/move", &[("to", "terminated")]).await;
        assert_eq!(status, 422);
        assert!(body.contains("id=\"reason-error\""), "termination needs a reason");
        assert!(body.contains("id=\"routes_explained-error\""), "and the other routes explained");

        let (status, body) = mediator
            .post_and_follow(
                "/cases/5",
                "/cases/5/move",
                &[("to", "terminated"), ("reason", "被申请人明确拒绝调解"), ("routes_explained", "true"), ("confirm", "true")],
            )
            .await;
        assert_eq!(status, 303);
        assert!(body.contains("案件状态已改为：调解终止"));
        assert!(body.contains("被申请人明确拒绝调解"));

        let (_, by_link) = mediator.page("/cases/5?reveal=contacts").await;
        assert!(!by_link.contains("13912345678"), "a link reveals nothing");
        let (status, revealed) = mediator.post_and_follow("/cases/5", "/cases/5/contacts", &[]).await;
        assert_eq!(status, 200);
        assert!(revealed.contains("13912345678"), "a mediator reveals contacts by the page's form (audited)");
        let grid = Visitor::signed_in(&app, GRID).await;
        let response = grid.post("/cases/5", "/cases/5/contacts", &[]).await;
        assert_eq!(response.status(), 403, "a grid worker may not");
    }

    async fn an_unknown_verification_code_gets_a_clear_verdict(app) {
        let first = app.get("/verify").await;
        let first = first.text().await.expect("html");
        assert!(first.contains("输入协议页脚的核验码"), "the first view says what the page is for");
        for code in ["NOSUCHCODE00", &"X".repeat(60)] {
            let response = app.get(&format!("/verify/{code}")).await;
            assert_eq!(response.status(), 404);
            let body = response.text().await.expect("html");
            assert!(body.contains("未登记：本系统没有以此核验码出具的协议"), "{code}: a verdict, not the error page");
            assert!(body.contains(&code[..code.len().min(40)]), "the code asked is shown");
            assert!(body.contains("按核验码查询"), "the form to try again is there");
        }
    }

    async fn a_measurement_is_assessed_before_it_is_saved(app) {
        load(&mut app.conn()).expect("demo");
        let grid = Visitor::signed_in(&app, GRID).await;
        let before = count_of(&app, |c| measurement::table.count().get_result::<i64>(c));
        let reading = [
            ("measured_at", "2026-06-20T22:30"),
            ("position", "outside_window_1m"),
            ("laeq_db", "51.5"),
            ("background_db", "42"),
            ("duration_s", "600"),
            ("instrument_class", "2"),
            ("calibration_before_db", "93.8"),
            ("calibration_after_db", "94.0"),
            ("height_m", "1.2"),
        ];
        let mut preview = reading.to_vec();
        preview.push(("action", "preview"));
        let (status, body) = grid.post_and_follow("/cases/1/measurements/new", "/cases/1/measurements", &preview).await;
        assert_eq!(status, 200);
        assert!(body.contains("45 dB(A)（夜间）"), "the night limit is shown");
        assert!(body.contains("50.5 dB(A)"), "the background-corrected level is shown");
        assert!(body.contains("5.5 dB"), "the exceedance is shown");
        assert_eq!(count_of(&app, |c| measurement::table.count().get_result::<i64>(c)), before, "a preview saves nothing");

        let mut bad = reading.to_vec();
        bad[2] = ("laeq_db", "五十");
        let (status, body) = grid.post_and_follow("/cases/1/measurements/new", "/cases/1/measurements", &bad).await;
        assert_eq!(status, 422);
        assert!(body.contains("id=\"laeq_db-error\"") && body.contains("value=\"五十\""));

        let mut save = reading.to_vec();
        save.push(("action", "save"));
        let (status, body) = grid.post_and_follow("/cases/1/measurements/new", "/cases/1/measurements", &save).await;
        assert_eq!(status, 303);
        assert!(body.contains("已保存：噪声测量"));
        assert!(body.contains("+5.5"), "the case page shows the exceedance");
        assert_eq!(count_of(&app, |c| measurement::table.count().get_result::<i64>(c)), before + 1);
    }

    async fn an_agreement_is_drafted_checked_signed_and_followed_up_through_the_pages(app) {
        load(&mut app.conn()).expect("demo");
        let mediator = Visitor::signed_in(&app, MEDIATOR).await;
        let (status, _) = mediator
            .post_and_follow(
                "/cases/new",
                "/cases",
                &[
                    ("title", "广场舞音响"),
                    ("dispute_type", "neighbour"),
                    ("source", "own_initiative"),
                    ("risk_level", "yellow"),
                    ("parties[0].role", "applicant"),
                    ("parties[0].name", "刘一"),
                    ("parties[0].phone", "13900001111"),
                    ("parties[1].role", "respondent"),
                    ("parties[1].name", "陈二"),
                    ("parties[1].phone", "13900002222"),
                    ("mediator_ids", "2"),
                ],
            )
            .await;
        assert_eq!(status, 303);
        assert_eq!(mediator.post("/cases/5", "/cases/5/move", &[("to", "investigating")]).await.status(), 303);
        // A session that reaches agreement leads to drafting, which moves
        // the case into mediation once confirmed.
        let (status, body) = mediator
            .post_and_follow(
                "/cases/5/sessions/new",
                "/cases/5/sessions",
                &[
                    ("held_at", "2026-06-20T19:00"),
                    ("place", "调解室"),
                    ("statements[0].speaker", "刘一"),
                    ("statements[0].text", "希望九点前结束"),
                    ("outcome", "agreed"),
                ],
            )
            .await;
        assert_eq!(status, 303, "{body}");
        assert!(body.contains("调解会谈已达成协议，下一步是把约定写成调解协议"), "the next step is offered where the user is");
        let (_, form) = mediator.page("/cases/5/agreements/new").await;
        assert!(form.contains("起草协议时，案件将转为“调解中”"), "the form says what drafting does to the case");
        let draft = [
            ("kind", "written"),
            ("subtitle", "调解备忘录"),
            ("facts", "广场舞音响声音大"),
            ("disputed_matters", "活动时间和音量"),
            ("performance.manner", "自觉履行"),
            ("terms[0].kind", "time_window"),
            ("terms[0].days", "daily"),
            ("terms[0].start", "19:00"),
            ("terms[0].end", "21:00"),
            ("terms[1].kind", "free_text"),
            ("terms[1].text", "尽量小声"),
        ];
        let mut check = draft.to_vec();
        check.push(("action", "check"));
        let (status, body) = mediator.post_and_follow("/cases/5/agreements/new", "/cases/5/agreements", &check).await;
        assert_eq!(status, 200);
        assert!(body.contains("表述含糊") && body.contains("第 2项"), "the vague term is named before saving");
        let mut without_js = draft.to_vec();
        without_js.push(("action", "add_term"));
        let (_, body) = mediator.post_and_follow("/cases/5/agreements/new", "/cases/5/agreements", &without_js).await;
        assert!(body.contains("name=\"terms[2].kind\""), "a term row is added without scripts");

        // Days are chosen, not typed: "chosen days" needs a tick.
        let mut unticked = draft.to_vec();
        unticked[6] = ("terms[0].days", "some");
        unticked.push(("action", "check"));
        let (status, body) = mediator.post_and_follow("/cases/5/agreements/new", "/cases/5/agreements", &unticked).await;
        assert_eq!(status, 422);
        assert!(body.contains("请至少勾选一天"), "a list of days with none ticked is refused");

        let mut save = draft.to_vec();
        save[6] = ("terms[0].days", "some");
        save.push(("terms[0].days.sat", "true"));
        save.push(("terms[0].days.sun", "true"));
        // A field of another kind, left behind hidden, is not read.
        save.push(("terms[0].max_db", "90"));
        save[10] = ("terms[1].text", "");
        save[9] = ("terms[1].kind", "volume_limit");
        save.push(("terms[1].max_db", "55"));
        save.push(("terms[1].position", "outside_window_1m"));
        save.push(("action", "save"));
        let (status, body) = mediator.post_and_follow("/cases/5/agreements/new", "/cases/5/agreements", &save).await;
        assert_eq!(status, 422, "drafting waits for the move to be confirmed");
        assert!(body.contains("请勾选确认将案件转为调解中"));
        assert_eq!(app.get_json("/api/v1/cases/5", &app.token_with(MEDIATOR, DEMO_PASSWORD).await).await["status"], "investigating");
        save.push(("start_mediation", "true"));
        let response = mediator.post("/cases/5/agreements/new", "/cases/5/agreements", &save).await;
        assert_eq!(response.status(), 303);
        assert_eq!(app.get_json("/api/v1/cases/5", &app.token_with(MEDIATOR, DEMO_PASSWORD).await).await["status"], "mediating");
        let location = response.headers()["location"].to_str().expect("location").to_owned();
        let agreement = location.trim_start_matches("/agreements/").to_owned();
        let saved = app.get_json(&format!("/api/v1/agreements/{}", location.trim_start_matches("/agreements/")), &app.token_with(MEDIATOR, DEMO_PASSWORD).await).await;
        assert_eq!(saved["terms"][0]["days"], "sat,sun");
        assert_eq!(saved["terms"][0]["max_db"], serde_json::Value::Null, "the time window's row kept no level");
        assert_eq!(saved["terms"][0]["text"], "每周六、周日活动于19:00开始，21:00前结束。", "days in words");
        let sign = format!("/agreements/{agreement}/sign");

        let staff = Visitor::signed_in(&app, STAFF).await;
        let (_, pad) = staff.page(&sign).await;
        assert!(pad.contains("现在签名的是：<strong>刘一</strong>"), "who is signing is named");
        let png = signature_png();
        let (status, body) = staff
            .post_and_follow(&sign, &sign, &[("signer", &party_key(&pad, "刘一")), ("method", "on_screen"), ("image_png_base64", "not a png")])
            .await;
        assert_eq!(status, 422);
        assert!(body.contains("签名必须是 PNG 图片"), "the drawing is checked");
        let (status, body) = staff
            .post_and_follow(&sign, &sign, &[("signer", &party_key(&pad, "刘一")), ("method", "on_screen"), ("image_png_base64", &png)])
            .await;
        assert_eq!(status, 303);
        assert!(body.contains("签名已记录"));
        assert!(body.contains("现在签名的是：<strong>陈二</strong>"), "the next signer is offered");
        let (status, _) = staff.post_and_follow(&sign, &sign, &[("signer", &party_key(&body, "陈二")), ("method", "paper")]).await;
        assert_eq!(status, 303);
        let (status, body) = staff.post_and_follow(&sign, &sign, &[("signer", "mediator"), ("method", "paper")]).await;
        assert_eq!(status, 403, "only a mediator records the mediator's signature: {body}");
        let (status, body) = mediator.post_and_follow(&sign, &sign, &[("signer", "mediator"), ("method", "on_screen")]).await;
        assert_eq!(status, 422);
        assert!(body.contains("请在框内签名，或选择纸面签字"), "an undrawn signature says what to do");
        assert_eq!(mediator.post(&sign, &sign, &[("signer", "mediator"), ("method", "on_screen"), ("image_png_base64", &png)]).await.status(), 303);
        let (_, pad) = staff.page(&sign).await;
        assert!(pad.contains("记录人姓名"), "the optional recorder is offered before the seal");
        let (status, body) = staff.post_and_follow(&sign, &sign, &[("signer", "committee_seal"), ("method", "seal")]).await;
        assert_eq!(status, 303);
        assert!(body.contains("协议已生效并存档"), "the last signature makes it effective");
        let (_, after) = staff.page(&sign).await;
        assert!(after.contains("协议已生效，签名已完成"), "signing is said to be complete");
        assert!(!after.contains("现在签"), "nobody is offered a signature once it is in force");
        assert!(body.contains("/verify/"), "its verification page is linked");

        let grid = Visitor::signed_in(&app, GRID).await;
        let follow = format!("/agreements/{agreement}/follow-ups/new");
        let (status, body) = grid
            .post_and_follow(
                &follow,
                &format!("/agreements/{agreement}/follow-ups"),
                &[
                    ("visited_at", "2026-06-25T21:30"),
                    ("method", "night_check"),
                    ("visitor", "李梅"),
                    ("observations[0].term_index", "0"),
                    ("observations[0].observed_end", "21:40"),
                    ("observations[1].term_index", "1"),
                    ("satisfaction", "3"),
                ],
            )
            .await;
        assert_eq!(status, 303);
        assert!(body.contains("回访已记录，履行情况：未履行"), "ending at 21:40 breaches an end of 21:00");
        assert_eq!(count_of(&app, |c| follow_up::table.count().get_result::<i64>(c)), 3);
    }

    async fn staff_print_a_batch_into_one_pdf_and_the_copies_are_registered(app) {
        load(&mut app.conn()).expect("demo");
        let staff = Visitor::signed_in(&app, STAFF).await;
        let (_, queue) = staff.page("/print").await;
        let items: Vec<String> = queue
            .split("name=\"item\" value=\"")
            .skip(1)
            .filter_map(|s| s.split('"').next())
            .map(str::to_owned)
            .collect();
        assert_eq!(items.len(), 3, "the three effective agreements wait to be printed");
        let (status, _) = staff
            .post_and_follow("/print", "/print/requests", &[("case_id", "4"), ("kind", "acceptance"), ("copies", "0")])
            .await;
        assert_eq!(status, 422, "copies out of range are refused");
        let (status, body) = staff
            .post_and_follow("/print", "/print/requests", &[("case_id", "4"), ("kind", "acceptance"), ("copies", "2"), ("note", "给申请人")])
            .await;
        assert_eq!(status, 303);
        assert!(body.contains("已加入打印队列") && body.contains("给申请人"));
        let (_, queue) = staff.page("/print").await;
        let mut fields: Vec<(&str, String)> = queue
            .split("name=\"item\" value=\"")
            .skip(1)
            .filter_map(|s| s.split('"').next())
            .map(|v| ("item", v.replace("&#124;", "|")))
            .collect();
        assert_eq!(fields.len(), 4);
        fields.truncate(4);
        let borrowed: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let response = staff.post("/print", "/print/batch", &borrowed).await;
        assert_eq!(response.status(), 303);
        let job = response.headers()["location"].to_str().expect("location").to_owned();
        let mut body = String::new();
        for _ in 0..100 {
            body = staff.page(&job).await.1;
            if !body.contains("http-equiv=\"refresh\"") {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert!(body.contains("已生成，可以打印"), "{body}");
        let pdf = staff.get(&format!("{job}/pdf")).await.bytes().await.expect("pdf");
        let pages = crate::pdf_tools::pages(&pdf);
        // 2 pages × 3 copies, twice; the oral register (1 page) × 4; the receipt × 2.
        assert!(pages >= 2 * 3 * 2 + 4 + 2, "{pages} pages");
        let copies = count_of(&app, |c| document_copy::table.count().get_result::<i64>(c));
        assert_eq!(copies, 4, "one register line per document");
        let (_, register) = staff.page("/print/register").await;
        assert!(register.contains("（2026）敦南人调字第1号") && register.contains("（2026）敦南人调字第4号"));
        assert!(register.contains("张秀兰、周桂芳、存档"), "an agreement's copies go to each party and the file");
        assert!(register.contains("给申请人"), "a requested copy says for whom");
        let (_, queue) = staff.page("/print").await;
        assert!(queue.contains("没有等待打印的文书"), "printed documents leave the queue");
    }

    async fn administrators_manage_users_the_committee_and_its_seal(app) {
        load(&mut app.conn()).expect("demo");
        let admin = Visitor::signed_in(&app, ADMIN).await;
        let (status, body) = admin
            .post_and_follow("/admin", "/admin/users", &[("username", "xu.mediator"), ("role", "mediator"), ("password", "password")])
            .await;
        assert_eq!(status, 422);
        assert!(body.contains("id=\"password-error\"") && body.contains("value=\"xu.mediator\""));
        let (status, body) = admin
            .post_and_follow(
                "/admin",
                "/admin/users",
                &[("username", "xu.mediator"), ("display_name", "徐明"), ("role", "mediator"), ("password", "a long harmony passphrase")],
            )
            .await;
        assert_eq!(status, 303);
        assert!(body.contains("已添加用户：xu.mediator") && body.contains("徐明"));

        let xu = Visitor::new(&app);
        let response = xu.post("/login", "/login", &[("username", "xu.mediator"), ("password", "a long harmony passphrase")]).await;
        assert_eq!(response.status(), 303);
        assert_eq!(xu.get("/").await.status(), 200);
        let id: i64 = app.conn().get_result_for_user("xu.mediator");
        let (status, _) = admin.post_and_follow("/admin", &format!("/admin/users/{id}/active"), &[("active", "false")]).await;
        assert_eq!(status, 303);
        assert_eq!(xu.get("/").await.status(), 303, "a deactivated user's session ends");

        let (status, body) = admin
            .post_and_follow(
                "/admin/committee",
                "/admin/committee",
                &[("name", ""), ("abbreviation", "敦南"), ("number_pattern", "no seq"), ("zone_class", "1"), ("night_start", "22:00"), ("night_end", "06:00"), ("language", "zh-CN"), ("retention_years", "10")],
            )
            .await;
        assert_eq!(status, 422);
        assert!(body.contains("id=\"name-error\"") && body.contains("id=\"number_pattern-error\""));
        let (status, body) = admin
            .post_and_follow(
                "/admin/committee",
                "/admin/committee",
                &[("name", "敦化南路社区人民调解委员会"), ("abbreviation", "敦南"), ("number_pattern", "（{year}）{abbr}人调字第{seq}号"), ("zone_class", "2"), ("night_start", "22:00"), ("night_end", "06:00"), ("language", "zh-CN"), ("retention_years", "10")],
            )
            .await;
        assert_eq!(status, 303);
        assert!(body.contains("设置已保存"));

        let (_, page) = admin.page("/admin/committee").await;
        let token = csrf_of(&page);
        let upload = |bytes: Vec<u8>| {
            let form = reqwest::multipart::Form::new()
                .text("csrf_token", token.clone())
                .part("seal", reqwest::multipart::Part::bytes(bytes).file_name("seal.png").mime_str("image/png").expect("mime"));
            admin.client.post(app.url("/admin/committee/seal")).multipart(form).send()
        };
        let too_big = upload(vec![0x89; 2 * 1024 * 1024 + 1]).await.expect("upload");
        assert_eq!(too_big.status(), 413, "images are at most 2 MB");
        let refused = upload(b"\x89PNG\r\n\x1a\nnot really".to_vec()).await.expect("upload");
        assert_eq!(refused.status(), 422);
        assert!(refused.text().await.expect("body").contains("完整的PNG"));
        let accepted = upload(seal_png()).await.expect("upload");
        assert_eq!(accepted.status(), 303);
        let image = admin.get("/admin/committee/seal.png").await;
        assert_eq!(image.status(), 200);
        assert_eq!(image.bytes().await.expect("png").as_ref(), seal_png().as_slice());

        // As Chrome, Edge, Safari and WeChat's browser send it: a boundary
        // in mixed case.
        let boundary = "----WebKitFormBoundaryQx7AbCdEfGhIjKlM";
        let mut body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{token}\r\n\
             --{boundary}\r\nContent-Disposition: form-data; name=\"seal\"; filename=\"seal.png\"\r\n\
             Content-Type: image/png\r\n\r\n"
        )
        .into_bytes();
        body.extend_from_slice(&seal_png());
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let browser = admin
            .client
            .post(app.url("/admin/committee/seal"))
            .header("Content-Type", format!("multipart/form-data; boundary={boundary}"))
            .body(body)
            .send()
            .await
            .expect("upload");
        assert_eq!(browser.status(), 303, "a browser's upload is taken");
    }

    async fn a_resident_sees_their_own_case_and_reports_on_the_agreement(app) {
        load(&mut app.conn()).expect("demo");
        let token = app.token_with(MEDIATOR, DEMO_PASSWORD).await;
        let case = app.get_json("/api/v1/cases/1", &token).await;
        let respondent = case["parties"].as_array().expect("parties").iter().find(|p| p["role"] == "respondent").expect("respondent");
        let code = respondent["access_code"].as_str().expect("code").to_owned();
        let resident = Visitor::new(&app);
        let (status, body) = resident.post_and_follow("/portal/login", "/portal/login", &[("code", &code), ("pin", "5006")]).await;
        assert_eq!(status, 401, "the phone's last digits open nothing");
        assert!(body.contains("查询码或密码不对"));
        let spaced = format!("{} {}", &code[..5].to_lowercase(), &code[5..]);
        let (status, body) = resident.post_and_follow("/portal/login", "/portal/login", &[("code", &spaced), ("pin", DEMO_PIN)]).await;
        assert_eq!(status, 303);
        assert!(body.contains("周桂芳") && body.contains("/portal/cases/1"));
        let (status, page) = resident.page("/portal/cases/1").await;
        assert_eq!(status, 200);
        assert!(page.contains("周桂芳每天的活动于19:00开始"), "the agreement's terms in plain words");
        for complainant in ["张秀兰", "刘志强", "陈淑芬", "孙浩"] {
            assert!(!page.contains(complainant), "no complainant is named to the respondent: {complainant}");
        }
        assert!(!crate::helpers::shows_digits(&page, "8001"), "no other party's phone");
        assert!(page.contains("您是本案的被申请人") && page.contains("您这一方是否按协议做到了？"), "the respondent is asked about their own keeping");
        // In the roof-leak case each side is bound by a term (702 repairs and
        // pays for materials, 601 pays half the labour): its applicant is
        // asked about every side's keeping, not only the other's.
        let leak = app.get_json("/api/v1/cases/2", &token).await;
        let applicant = leak["parties"].as_array().expect("parties").iter().find(|p| p["role"] == "applicant").expect("applicant");
        let neighbour = Visitor::new(&app);
        let code = applicant["access_code"].as_str().expect("code").to_owned();
        let (status, _) = neighbour.post_and_follow("/portal/login", "/portal/login", &[("code", &code), ("pin", DEMO_PIN)]).await;
        assert_eq!(status, 303);
        let (status, page) = neighbour.page("/portal/cases/2").await;
        assert_eq!(status, 200);
        assert!(page.contains("您是本案的申请人") && page.contains("各方是否按协议做到了？"), "an applicant bound by a term is asked about every side");
        let (status, not_theirs) = resident.page("/portal/cases/2").await;
        assert_eq!(status, 404, "another case is not theirs");
        assert!(not_theirs.contains("href=\"/portal\"") && !not_theirs.contains("href=\"/\">"), "the portal's 404 leads back to the portal");
        assert_eq!(resident.get("/portal/agreements/2/pdf").await.status(), 404);
        let pdf = resident.get("/portal/agreements/1/pdf").await;
        assert_eq!(pdf.status(), 200);
        assert_eq!(pdf.headers()["content-type"], "application/pdf");
        let (status, _) = resident.post_and_follow("/portal/cases/1", "/portal/large-type", &[("back", "/portal/cases/1")]).await;
        assert_eq!(status, 303);
        assert!(resident.page("/portal/cases/1").await.1.contains("class=\"large-type\""));

        let (status, body) = resident.post_and_follow("/portal/cases/1", "/portal/agreements/1/feedback", &[("note", "只写了说明")]).await;
        assert_eq!(status, 422, "an answer must be chosen");
        assert!(body.contains("请先选择") && body.contains(">只写了说明</textarea>"), "said on the portal's page, the note kept");
        assert!(body.contains("class=\"large-type\""), "in the resident's own layout");
        let (status, body) = resident.post_and_follow("/portal/cases/1", "/portal/agreements/1/feedback", &[("note", "只写了说明")]).await;
        assert_eq!(status, 422, "an answer must be chosen");
        assert!(body.contains("请先选择") && body.contains(">只写了说明</textarea>"), "said on the portal's page, the note kept");
        assert!(body.contains("class=\"large-type\""), "in the resident's own layout");
        let before = count_of(&app, |c| complaint::table.count().get_result::<i64>(c));
        let (status, body) = resident
            .post_and_follow("/portal/cases/1", "/portal/agreements/1/feedback", &[("answer", "not_kept"), ("note", "昨晚十点还在唱"), ("satisfaction", "2")])
            .await;
        assert_eq!(status, 303);
        assert!(body.contains("没有做到"));
        assert_eq!(count_of(&app, |c| complaint::table.count().get_result::<i64>(c)), before + 1, "not kept → a complaint in the case");
        let mediator = Visitor::signed_in(&app, MEDIATOR).await;
        let (_, dashboard) = mediator.page("/").await;
        assert!(dashboard.contains("昨晚十点还在唱"), "the report reaches the mediators' dashboard");
        // The case shows the party's answer in the follow-ups and the
        // timeline, not the finding of a visit that assessed no term.
        let (_, case_page) = mediator.page("/cases/1").await;
        let answered = case_page.matches("没有做到").count();
        assert!(answered >= 2, "the answer in the follow-ups and the timeline: {answered}");
        assert!(case_page.contains("当事人反馈 · 没有做到"), "the timeline names the party's report and its answer");
        assert!(case_page.contains("第1032条"), "the meeting's cited articles show on the case page (cited by no session)");

        // Signing out ends the session on the server: a copy of the cookie
        // kept from before opens nothing.
        let saved = resident.cookies();
        let copy = reqwest::Client::builder().redirect(Policy::none()).build().expect("client");
        let replayed = copy.get(app.url("/portal")).header("cookie", &saved).send().await.expect("replay");
        assert_eq!(replayed.status(), 200, "a copy of the cookie opens the portal while signed in");
        let (status, _) = resident.post_and_follow("/portal", "/portal/logout", &[]).await;
        assert_eq!(status, 303);
        assert_eq!(resident.get("/portal").await.headers()["location"], "/portal/login");
        let replayed = copy.get(app.url("/portal")).header("cookie", &saved).send().await.expect("replay");
        assert_eq!(replayed.status(), 303, "the saved cookie no longer opens the portal");
        // Wrong PINs again and again are throttled.
        let mut last = 0;
        for _ in 0..7 {
            last = resident.post("/portal/login", "/portal/login", &[("code", &code), ("pin", "111111")]).await.status().as_u16();
        }
        assert_eq!(last, 429);
    }
}

/// The `signer` value of a party on the signature page.
fn party_key(page: &str, name: &str) -> String {
    let at = page.find(&format!("：{name}")).expect("signer listed");
    let rest = &page[at..];
    let start = rest.find("signer=party:").map(|i| i + "signer=".len()).expect("sign link");
    rest[start..].split('"').next().expect("key").to_owned()
}

/// A drawn signature as the pad sends it.
fn signature_png() -> String {
    use base64::Engine;
    let mut img = image::RgbaImage::new(300, 110);
    for x in 20..280u32 {
        let y = 55 + ((f64::from(x) / 18.0).sin() * 25.0) as i32;
        for dy in -2..=2 {
            img.put_pixel(x, u32::try_from(y + dy).unwrap_or(0), image::Rgba([17, 17, 17, 255]));
        }
    }
    let mut bytes = Vec::new();
    image::DynamicImage::ImageRgba8(img)
        .write_to(&mut std::io::Cursor::new(&mut bytes), image::ImageFormat::Png)
        .expect("png");
    format!("data:image/png;base64,{}", base64::engine::general_purpose::STANDARD.encode(bytes))
}

/// A red round seal.
pub fn seal_png() -> Vec<u8> {
    let mut img = image::RgbaImage::new(200, 200);
    for (x, y, p) in img.enumerate_pixels_mut() {
        let d = ((f64::from(x) - 100.0).powi(2) + (f64::from(y) - 100.0).powi(2)).sqrt();
        if (88.0..96.0).contains(&d) {
            *p = image::Rgba([200, 20, 20, 255]);
        }
    }
    let mut bytes = Vec::new();
    image::DynamicImage::ImageRgba8(img)
        .write_to(&mut std::io::Cursor::new(&mut bytes), image::ImageFormat::Png)
        .expect("png");
    bytes
}

trait UserLookup {
    fn get_result_for_user(&mut self, username: &str) -> i64;
}

impl UserLookup for hesheng::db::DbConn {
    fn get_result_for_user(&mut self, username: &str) -> i64 {
        use hesheng::db::schema::app_user;
        app_user::table.filter(app_user::username.eq(username)).select(app_user::id).first(self).expect("user")
    }
}
