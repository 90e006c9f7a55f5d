//! The choir story in a real headless Chromium, across three roles and a
//! resident: every step leaves a screenshot in tests/artifacts/browser/.

use std::path::PathBuf;

use hesheng::db::Backend;
use hesheng::domain::account::Role;

use crate::helpers::{PASSWORD, TestApp, spawn_app};
use crate::webdriver::{Driver, Session, announce_skip, binaries};

fn shots() -> PathBuf {
    crate::pdf_tools::artifacts().parent().expect("artifacts").join("browser")
}

async fn sign_in(app: &TestApp, s: &Session, username: &str) {
    s.goto(&app.url("/login")).await;
    s.type_into("#username", username).await;
    s.type_into("#password", PASSWORD).await;
    s.click("form[action=\"/login\"] button[type=\"submit\"]").await;
    s.wait_text("退出登录").await;
}

/// The case id in a page's address (`/cases/7` → 7).
fn id_in(url: &str, prefix: &str) -> i64 {
    let at = url.find(prefix).unwrap_or_else(|| panic!("{prefix} in {url}")) + prefix.len();
    url[at..].chars().take_while(char::is_ascii_digit).collect::<String>().parse().expect("id")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_choir_story_in_a_real_browser() {
    let (chromium, chromedriver) = match binaries() {
        Ok(found) => found,
        Err(why) => return announce_skip(&why),
    };
    let app = spawn_app(Backend::Sqlite).await.expect("app");
    app.create_user("li.grid", Role::GridWorker, 1);
    app.create_user("wang.mediator", Role::Mediator, 1);
    app.create_user("zhao.staff", Role::Staff, 1);
    let driver = Driver::start(chromium, &chromedriver).await;
    let dir = shots();

    // 1. A grid worker logs two complaints on a phone, at night.
    let phone = driver.session(360, 780).await;
    sign_in(&app, &phone, "li.grid").await;
    phone.screenshot(&dir, "01-grid-dashboard-phone").await;
    phone.goto(&app.url("/complaints/new")).await;
    phone.select("#channel", "visit").await;
    phone.select("#category", "noise").await;
    phone.type_into("[id=\"location\"]", "敦化南路64号院中心花园").await;
    phone.type_into("[id=\"description\"]", "合唱队每晚用音箱唱到十点多，老人孩子睡不好。").await;
    phone.type_into("[id=\"reporter.name\"]", "张秀兰").await;
    phone.click("details.more summary").await;
    phone.type_into("[id=\"reporter.phone\"]", "13800008001").await;
    phone.set_value("[id=\"observed_pattern.start\"]", "19:30").await;
    phone.set_value("[id=\"observed_pattern.end\"]", "22:20").await;
    phone.screenshot(&dir, "02-grid-complaint-form-phone").await;
    phone.click("form[action=\"/complaints\"] button[type=\"submit\"]").await;
    phone.wait_text("投诉已登记").await;
    let first = id_in(&phone.current_url().await, "/complaints/");

    phone.goto(&app.url("/complaints/new")).await;
    phone.select("#channel", "phone").await;
    phone.type_into("[id=\"location\"]", "敦化南路６４号院 中心花园").await;
    phone.type_into("[id=\"description\"]", "晚上十点以后还在唱，音箱声音很大。").await;
    phone.click("[id=\"anonymous\"]").await;
    phone.click("form[action=\"/complaints\"] button[type=\"submit\"]").await;
    let second = id_in(&phone.wait_url(&format!("/complaints/{}", first + 1)).await, "/complaints/");
    let text = phone.wait_text("可能重复的投诉").await;
    assert!(text.contains("匿名"), "the second complaint is anonymous");
    assert_eq!(
        phone.count(&format!("a[href=\"/complaints/{first}\"]")).await,
        1,
        "the first is suggested as a duplicate"
    );
    phone.screenshot(&dir, "03-grid-duplicate-suggested-phone").await;
    let overflow: bool = phone
        .execute("return document.documentElement.scrollWidth > window.innerWidth + 1;", serde_json::json!([]))
        .await
        .as_bool()
        .unwrap_or(true);
    assert!(!overflow, "nothing is wider than a 360 px screen");
    phone.close().await;

    // 2. A mediator opens the case from the complaints and works it.
    let desk = driver.session(1280, 900).await;
    sign_in(&app, &desk, "wang.mediator").await;
    desk.goto(&app.url(&format!("/complaints/{second}"))).await;
    desk.click("a.button.primary[href^=\"/cases/new\"]").await;
    assert_eq!(desk.count("input[name=\"complaint_ids\"]:checked").await, 2, "both complaints go into the case");
    desk.type_into("[id=\"title\"]", "敦化南路64号院合唱队夜间噪声纠纷").await;
    desk.select("#risk_level", "orange").await;
    desk.type_into("[id=\"parties[0].name\"]", "张秀兰").await;
    desk.type_into("[id=\"parties[0].phone\"]", "13800008001").await;
    desk.type_into("[id=\"parties[1].name\"]", "周桂芳").await;
    desk.type_into("[id=\"parties[1].phone\"]", "13500005006").await;
    desk.type_into("[id=\"requests\"]", "请求合唱队每晚21:00前结束活动\n请求降低音量").await;
    desk.screenshot(&dir, "04-mediator-new-case").await;
    desk.click("form[action=\"/cases\"] button[type=\"submit\"]").await;
    desk.wait_text("已立案").await;
    let case = id_in(&desk.current_url().await, "/cases/");
    desk.click("form[action$=\"/move\"] input[value=\"investigating\"] + button").await;
    desk.wait_text("案件状态已改为：调查核实").await;

    desk.goto(&app.url(&format!("/cases/{case}/measurements/new"))).await;
    desk.set_value("[id=\"measured_at\"]", "2026-05-20T22:20").await;
    desk.type_into("[id=\"laeq_db\"]", "53.6").await;
    desk.type_into("[id=\"lmax_db\"]", "66.0").await;
    desk.type_into("[id=\"background_db\"]", "46.0").await;
    desk.type_into("[id=\"calibration_before_db\"]", "93.8").await;
    desk.type_into("[id=\"calibration_after_db\"]", "94.0").await;
    desk.click("button[value=\"preview\"]").await;
    let assessed = desk.text(".assessment").await;
    assert!(
        assessed.contains("45 dB(A)") && assessed.contains("夜间"),
        "the night limit is shown before saving: {assessed}"
    );
    assert!(assessed.contains("52.6"), "the corrected level is shown: {assessed}");
    desk.screenshot(&dir, "05-mediator-measurement-preview").await;
    desk.click("button[value=\"save\"]").await;
    desk.wait_text("+7.6").await;
    desk.click("form[action$=\"/move\"] input[value=\"mediating\"] + button").await;
    desk.wait_text("案件状态已改为：调解中").await;

    desk.goto(&app.url(&format!("/cases/{case}/sessions/new"))).await;
    desk.type_into("[id=\"place\"]", "敦化南路社区人民调解室").await;
    desk.type_into("[id=\"statements[0].speaker\"]", "周桂芳").await;
    desk.type_into("[id=\"statements[0].text\"]", "同意提前结束、降低音量。").await;
    desk.click("input[name=\"legal_references\"]").await;
    desk.screenshot(&dir, "06-mediator-session").await;
    desk.click("button[value=\"save\"]").await;
    desk.wait_text("已保存：调解会记录").await;

    desk.goto(&app.url(&format!("/cases/{case}/agreements/new"))).await;
    desk.type_into("[id=\"subtitle\"]", "调解备忘录").await;
    desk.set_value("[id=\"terms[0].start\"]", "19:00").await;
    desk.set_value("[id=\"terms[0].end\"]", "21:00").await;
    desk.type_into("[id=\"terms[0].days\"]", "daily").await;
    desk.click("button[data-add=\"term-rows\"]").await;
    desk.select("[id=\"terms[1].kind\"]", "volume_limit").await;
    desk.type_into("[id=\"terms[1].max_db\"]", "55").await;
    desk.select("[id=\"terms[1].position\"]", "outside_window_1m").await;
    desk.click("button[data-add=\"term-rows\"]").await;
    desk.select("[id=\"terms[2].kind\"]", "free_text").await;
    desk.type_into("[id=\"terms[2].text\"]", "活动时注意音量").await;
    desk.click("button[value=\"check\"]").await;
    let warned = desk.text(".alert-warn").await;
    assert!(warned.contains("第 3项"), "the vague third term is named before saving: {warned}");
    desk.screenshot(&dir, "07-mediator-agreement-warnings").await;
    desk.click("li.term-row:nth-child(3) button[data-action=\"remove\"]").await;
    assert_eq!(desk.count("li.term-row").await, 2, "the vague term is removed");
    desk.click("button[value=\"save\"]").await;
    desk.wait_text("协议已保存").await;
    let agreement = id_in(&desk.current_url().await, "/agreements/");

    desk.goto(&app.url(&format!("/agreements/{agreement}/sign"))).await;
    // Each signature is waited for by its own tick in the list of signers:
    // the flash "签名已记录" is on the page already from the one before.
    for (signer, role) in [("张秀兰", "applicant"), ("周桂芳", "respondent")] {
        let banner = desk.text(".who-banner").await;
        assert!(banner.contains(signer), "the banner names {signer}: {banner}");
        desk.draw_on("canvas#pad").await;
        desk.screenshot(&dir, &format!("08-signature-{role}")).await;
        desk.click("input[name=\"confirm\"]").await;
        desk.click("form[action$=\"/sign\"] button.primary").await;
        let label = if role == "applicant" { "申请人" } else { "被申请人" };
        desk.wait_text(&format!("✓ 已签 当事人（{label}）：{signer}")).await;
    }
    assert!(desk.text(".who-banner").await.contains("调解员"));
    desk.draw_on("canvas#pad").await;
    desk.click("input[name=\"confirm\"]").await;
    desk.click("form[action$=\"/sign\"] button.primary").await;
    desk.wait_text("✓ 已签 调解员").await;
    desk.goto(&app.url(&format!("/agreements/{agreement}/sign?signer=committee_seal"))).await;
    desk.click("input[name=\"confirm\"]").await;
    desk.click("form[action$=\"/sign\"] button.primary").await;
    desk.wait_text("协议已生效并存档").await;
    desk.screenshot(&dir, "09-mediator-agreement-effective").await;
    desk.goto(&app.url(&format!("/cases/{case}"))).await;
    let code: String = desk
        .execute(
            "for (const row of document.querySelectorAll('#parties tbody tr')) { if (row.textContent.includes('周桂芳')) return row.querySelector('.code').textContent; } return '';",
            serde_json::json!([]),
        )
        .await
        .as_str()
        .unwrap_or_default()
        .trim()
        .to_owned();
    assert_eq!(code.len(), 10, "the respondent's access code is on the case page");
    // Her PIN, issued as when a mediator reprints a lost slip.
    let mediator = app.token("wang.mediator").await;
    let parties = app.get_json(&format!("/api/v1/cases/{case}"), &mediator).await["parties"].clone();
    let respondent = parties.as_array().expect("parties").iter().find(|p| p["name"] == "周桂芳").expect("respondent");
    let issued = app
        .post_ok(&format!("/api/v1/parties/{}/portal-pin", respondent["id"]), &mediator, &serde_json::json!({}), 200)
        .await;
    let pin = issued["pin"].as_str().expect("pin").to_owned();
    desk.screenshot(&dir, "10-mediator-case-page").await;
    desk.goto(&app.url("/reports?from=2026-01-01")).await;
    desk.wait_text("投诉时间分布").await;
    assert_eq!(desk.count("svg.chart").await, 6, "the report's charts are drawn");
    desk.screenshot(&dir, "10b-mediator-reports").await;
    desk.execute("document.querySelector('#noise-h').scrollIntoView();", serde_json::json!([])).await;
    desk.screenshot(&dir, "10c-mediator-reports-noise").await;
    desk.execute("document.querySelector('.chart-card').scrollIntoView();", serde_json::json!([])).await;
    desk.screenshot(&dir, "10d-mediator-reports-chart").await;
    desk.close().await;

    // 3. Staff print the memorandum.
    let office = driver.session(1280, 900).await;
    sign_in(&app, &office, "zhao.staff").await;
    office.goto(&app.url("/print")).await;
    office.wait_text("人民调解协议书").await;
    office.screenshot(&dir, "11-staff-print-queue").await;
    office.click("form[action=\"/print/batch\"] button[type=\"submit\"]").await;
    office.wait_text("已生成，可以打印").await;
    office.screenshot(&dir, "12-staff-print-job").await;
    let job = id_in(&office.wait_url("/print/jobs/").await, "/print/jobs/");
    let pdf = reqwest::Client::new()
        .get(app.url(&format!("/print/jobs/{job}/pdf")))
        .header("Cookie", office.cookie_header().await)
        .send()
        .await
        .expect("pdf")
        .bytes()
        .await
        .expect("bytes");
    if crate::pdf_tools::available() {
        let text = crate::pdf_tools::text(&pdf);
        assert!(text.contains("调解备忘录") && text.contains("21:00"), "the printed memorandum");
        assert_eq!(crate::pdf_tools::pages(&pdf) % 3, 0, "three copies: one per party, one to keep");
    }
    office.goto(&app.url("/print/register")).await;
    office.wait_text("人民调解协议书").await;
    office.close().await;

    // 4. The respondent reads the agreement on her phone.
    let resident = driver.session(360, 780).await;
    resident.goto(&app.url("/portal/login")).await;
    resident.type_into("#code", &code.to_lowercase()).await;
    resident.type_into("#pin", &pin).await;
    resident.screenshot(&dir, "13-resident-portal-login-phone").await;
    resident.click("form[action=\"/portal/login\"] button[type=\"submit\"]").await;
    resident.click(&format!("a[href=\"/portal/cases/{case}\"]")).await;
    resident.click("form[action=\"/portal/large-type\"] button").await;
    let text = resident.wait_text("每天活动于19:00开始，21:00前结束").await;
    assert!(!text.contains("张秀兰"), "no complainant's name is shown to the respondent");
    assert!(!crate::helpers::shows_digits(&text, "8001"), "nor their phone");
    let mut large = false;
    for _ in 0..50 {
        let script = "return document.body.classList.contains('large-type');";
        large = resident.execute(script, serde_json::json!([])).await.as_bool().unwrap_or(false);
        if large {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(large, "large type is on");
    resident.screenshot(&dir, "14-resident-agreement-large-type-phone").await;
    resident.close().await;
}
