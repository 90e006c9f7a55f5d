//! The choir story in a real headless Chromium, across four roles and a
//! resident, played once in a 360 × 740 phone window and once in a
//! 1280 × 900 desk window. Every page it reaches is checked as a person
//! would meet it: nothing scrolls sideways, axe-core finds no violation, and
//! a screenshot of the whole page lands in tests/artifacts/browser/{phone,desk}/.
//! Files are uploaded by Chromium itself, as a person choosing them would.

use std::path::{Path, PathBuf};

use hesheng::db::Backend;
use hesheng::domain::account::Role;
use serde_json::json;

use crate::helpers::{PASSWORD, TestApp, spawn_app};
use crate::webdriver::{Driver, Session, announce_skip, binaries};

/// A window size the story is played in.
#[derive(Clone, Copy)]
struct Device {
    name: &'static str,
    width: u32,
    height: u32,
}

const PHONE: Device = Device { name: "phone", width: 360, height: 740 };
const DESK: Device = Device { name: "desk", width: 1280, height: 900 };

fn shots(device: Device) -> PathBuf {
    crate::pdf_tools::artifacts().parent().expect("artifacts").join("browser").join(device.name)
}

/// axe-core's script, installed by `npm ci --prefix tests/node`.
fn axe_source() -> Result<String, String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/node/node_modules/axe-core/axe.min.js");
    std::fs::read_to_string(&path)
        .map_err(|e| format!("axe-core is not installed ({}: {e}): npm ci --prefix tests/node", path.display()))
}

/// Lists what scrolls sideways: the page itself, any element that scrolls
/// its own content sideways, and any element reaching past the window's
/// right edge that nothing clips.
const OVERFLOW: &str = r#"
const width = document.documentElement.clientWidth;
const out = [];
const de = document.documentElement;
if (de.scrollWidth > de.clientWidth) {
  out.push(`the page is ${de.scrollWidth}px wide in a ${de.clientWidth}px window`);
}
const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
  + (typeof el.className === 'string' && el.className.trim() ? '.' + el.className.trim().split(/\s+/).join('.') : '');
for (const el of document.body.querySelectorAll('*')) {
  const style = getComputedStyle(el);
  if (style.display === 'none' || style.visibility === 'hidden') continue;
  if ((style.overflowX === 'auto' || style.overflowX === 'scroll') && el.scrollWidth > el.clientWidth) {
    out.push(`${name(el)} scrolls sideways (${el.scrollWidth}px of content in ${el.clientWidth}px)`);
  }
  const r = el.getBoundingClientRect();
  if (r.width > 1 && r.right > width + 1) {
    let clipped = false;
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      if (getComputedStyle(a).overflowX !== 'visible') { clipped = true; break; }
    }
    if (!clipped) out.push(`${name(el)} reaches ${Math.round(r.right)}px`);
  }
}
return out.slice(0, 12);
"#;

/// Runs axe-core's default rules on the page; answers the violations.
const AXE_RUN: &str = r#"
const done = arguments[arguments.length - 1];
axe.run(document, { resultTypes: ['violations'] })
  .then((r) => done(r.violations.map((v) => `${v.id} (${v.impact}): ${v.help} — `
    + v.nodes.slice(0, 4).map((n) => n.target.join(' ')).join(', '))))
  .catch((e) => done([`axe-core failed: ${e}`]));
"#;

/// The checks every page gets, and what they found.
struct Checks {
    device: Device,
    dir: PathBuf,
    axe: Option<String>,
    problems: Vec<String>,
    pages: Vec<String>,
}

impl Checks {
    fn new(device: Device) -> Checks {
        let dir = shots(device);
        let _ = std::fs::remove_dir_all(&dir);
        let axe = match axe_source() {
            Ok(source) => Some(source),
            Err(why) => {
                // Fails the test where the browser suite is required.
                announce_skip(&why);
                None
            }
        };
        Checks { device, dir, axe, problems: Vec::new(), pages: Vec::new() }
    }

    /// Screenshot, sideways overflow and axe-core for the page `s` shows.
    async fn page(&mut self, s: &Session, name: &str) {
        s.settled().await;
        let url = s.current_url().await;
        let path = url.split_once("//").and_then(|(_, rest)| rest.find('/').map(|i| rest[i..].to_owned()));
        let at = format!("{name} ({})", path.unwrap_or(url));
        let name = format!("{:02}-{name}", self.pages.len() + 1);
        s.screenshot_page(&self.dir, &name).await;
        self.pages.push(at.clone());
        let width = s.execute("return document.documentElement.clientWidth;", json!([])).await;
        assert!(
            width.as_u64().is_some_and(|w| w <= u64::from(self.device.width) && w + 20 >= u64::from(self.device.width)),
            "{at}: the window is {} px wide, not {}",
            width,
            self.device.width
        );
        let overflow = s.execute(OVERFLOW, json!([])).await;
        for found in overflow.as_array().into_iter().flatten() {
            self.problems.push(format!("{at}: {}", found.as_str().unwrap_or_default()));
        }
        if let Some(axe) = &self.axe {
            if s.execute("return typeof window.axe;", json!([])).await != "object" {
                s.execute(&format!("{axe}\nreturn typeof window.axe;"), json!([])).await;
            }
            let violations = s.execute_async(AXE_RUN, json!([])).await;
            for v in violations.as_array().into_iter().flatten() {
                self.problems.push(format!("{at}: axe: {}", v.as_str().unwrap_or_default()));
            }
        }
    }

    /// Shows on the page `s` shows that each check finds what it looks for:
    /// a region scrolling sideways, a block wider than the window and an
    /// image with no text are reported, then taken away again.
    async fn prove_they_can_fail(&mut self, s: &Session) {
        let before = self.problems.len();
        s.execute(
            "const wide = document.createElement('div'); wide.id = 'probe-wide'; wide.style.width = '2000px'; wide.textContent = 'x';
             const region = document.createElement('div'); region.id = 'probe-region'; region.style.overflowX = 'auto'; region.style.width = '100px';
             const inner = document.createElement('div'); inner.style.width = '400px'; inner.textContent = 'y'; region.appendChild(inner);
             const img = document.createElement('img'); img.id = 'probe-img'; img.src = '/assets/app.css';
             document.querySelector('main').append(wide, region, img);",
            json!([]),
        )
        .await;
        self.page(s, "probe").await;
        let found: Vec<String> = self.problems.drain(before..).collect();
        self.pages.pop();
        let _ = std::fs::remove_file(self.dir.join(format!("{:02}-probe.png", self.pages.len() + 1)));
        s.execute(
            "for (const id of ['probe-wide', 'probe-region', 'probe-img']) document.getElementById(id).remove();",
            json!([]),
        )
        .await;
        for wanted in ["the page is", "div#probe-region scrolls sideways", "div#probe-wide reaches"] {
            assert!(found.iter().any(|p| p.contains(wanted)), "the overflow check reports {wanted:?}: {found:?}");
        }
        if self.axe.is_some() {
            assert!(
                found.iter().any(|p| p.contains("axe: image-alt")),
                "axe-core reports an image with no text: {found:?}"
            );
        }
    }

    /// Fails listing every problem found, once the story is over.
    fn finish(self, least: usize) {
        assert!(
            self.pages.len() >= least,
            "{}: only {} pages were checked: {:?}",
            self.device.name,
            self.pages.len(),
            self.pages
        );
        assert!(
            self.problems.is_empty(),
            "{} ({} px): {} problems on {} pages:\n{}",
            self.device.name,
            self.device.width,
            self.problems.len(),
            self.pages.len(),
            self.problems.join("\n")
        );
    }
}

/// Opens the header's menu where it is folded (on a phone).
async fn open_menu(s: &Session) {
    if s.count(".site-header.has-menu").await > 0 && s.displayed(".menu-toggle").await {
        if !s.displayed(".site-nav").await {
            s.click(".menu-toggle").await;
        }
        assert!(s.displayed(".site-nav").await, "the menu opens the navigation");
    }
}

async fn sign_in(app: &TestApp, s: &Session, username: &str) {
    s.goto(&app.url("/login")).await;
    s.type_into("#username", username).await;
    s.type_into("#password", PASSWORD).await;
    s.click("form[action=\"/login\"] button[type=\"submit\"]").await;
    s.wait_for("form[action=\"/logout\"]").await;
    s.settled().await;
}

async fn switch_language(s: &Session, code: &str) {
    open_menu(s).await;
    s.click(&format!("form.lang-switch button[value=\"{code}\"]")).await;
    s.wait_for(&format!("html[lang=\"{code}\"]")).await;
}

/// The header takes one line, and on a phone its menu opens and closes.
async fn header_is_one_line(s: &Session, device: Device, check: &mut Checks) {
    let height = s
        .execute("return document.querySelector('.site-header').getBoundingClientRect().height;", json!([]))
        .await
        .as_f64()
        .unwrap_or(f64::MAX);
    let state = s
        .execute(
            "const h = document.querySelector('.site-header'); return `${h.className}, ${window.innerWidth} px, narrow ${matchMedia(\"(max-width: 47.99rem)\").matches}, menu ${getComputedStyle(document.querySelector(\".site-menu\")).display}, sheets ${document.styleSheets[0].cssRules.length}: ${h.innerText}`;",
            json!([]),
        )
        .await;
    assert!(height <= 64.0, "{}: the header is {height} px high, more than one line ({state})", device.name);
    if device.width < 768 {
        assert!(s.displayed(".menu-toggle").await, "a phone shows the menu button");
        assert!(!s.displayed(".site-nav").await, "and folds the navigation");
        s.click(".menu-toggle").await;
        assert!(s.displayed(".site-nav").await && s.displayed("form[action=\"/logout\"] button").await);
        assert_eq!(
            s.execute("return document.querySelector('.menu-toggle').getAttribute('aria-expanded');", json!([])).await,
            "true"
        );
        check.page(s, "menu-open").await;
        s.click(".menu-toggle").await;
        assert!(!s.displayed(".site-nav").await, "the menu closes again");
    } else {
        assert!(!s.displayed(".menu-toggle").await, "a desk shows no menu button");
        assert!(s.displayed(".site-nav").await && s.displayed("form[action=\"/logout\"] button").await);
    }
}

/// The case id in a page's address (`/cases/7` → 7).
fn id_in(url: &str, prefix: &str) -> i64 {
    let at = url.find(prefix).unwrap_or_else(|| panic!("{prefix} in {url}")) + prefix.len();
    url[at..].chars().take_while(char::is_ascii_digit).collect::<String>().parse().expect("id")
}

/// Bytes of a signed-in page's download.
async fn download(app: &TestApp, s: &Session, path: &str) -> Vec<u8> {
    let response = reqwest::Client::new()
        .get(app.url(path))
        .header("Cookie", s.cookie_header().await)
        .send()
        .await
        .expect("download");
    assert_eq!(response.status(), 200, "{path}");
    response.bytes().await.expect("bytes").to_vec()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_choir_story_on_a_360_px_phone() {
    play(PHONE).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_choir_story_at_a_1280_px_desk() {
    play(DESK).await;
}

async fn play(device: Device) {
    let (chromium, chromedriver) = match binaries() {
        Ok(found) => found,
        Err(why) => return announce_skip(&why),
    };
    let app = spawn_app(Backend::Sqlite).await.expect("app");
    app.create_user("li.grid", Role::GridWorker, 1);
    app.create_user("wang.mediator", Role::Mediator, 1);
    app.create_user("zhao.staff", Role::Staff, 1);
    app.create_user("sun.admin", Role::Admin, 1);
    let driver = Driver::start(chromium, &chromedriver).await;
    let files = tempfile::tempdir().expect("upload dir");
    let mut check = Checks::new(device);
    let window = || driver.session(device.width, device.height);

    // 0. Before anyone signs in.
    let visitor = window().await;
    visitor.goto(&app.url("/login")).await;
    check.prove_they_can_fail(&visitor).await;
    check.page(&visitor, "login").await;
    visitor.close().await;

    // 1. The administrator uploads the committee's seal through the browser.
    let admin = window().await;
    sign_in(&app, &admin, "sun.admin").await;
    header_is_one_line(&admin, device, &mut check).await;
    admin.goto(&app.url("/admin")).await;
    check.page(&admin, "admin-users").await;
    admin.goto(&app.url("/admin/committee")).await;
    check.page(&admin, "admin-committee").await;
    let seal = files.path().join("seal.png");
    std::fs::write(&seal, crate::pages::seal_png()).expect("seal file");
    admin.choose_file("#seal", &seal).await;
    admin.click("form[action=\"/admin/committee/seal\"] button[type=\"submit\"]").await;
    admin.wait_text("印章图片已保存").await;
    admin.wait_for("img.seal-preview").await;
    assert_eq!(
        download(&app, &admin, "/admin/committee/seal.png").await,
        crate::pages::seal_png(),
        "the seal Chromium sent is stored byte for byte"
    );
    check.page(&admin, "admin-seal-uploaded").await;
    // The courtyard's noise monitor is registered; its secrets show once.
    admin.goto(&app.url("/monitors")).await;
    check.page(&admin, "monitors").await;
    admin.type_into("#place", "敦化南路64号院 3号楼窗外1米").await;
    admin.select("#instrument_class", "class1").await;
    admin.type_into("#serial", "AWA6228-0042").await;
    admin.type_into("#mn", "HS-DH64-01").await;
    admin.click("form[action=\"/monitors\"] button[type=\"submit\"]").await;
    admin.wait_text("只显示这一次").await;
    check.page(&admin, "monitor-registered").await;
    // The same pages in English, whose words are longer.
    switch_language(&admin, "en").await;
    admin.goto(&app.url("/admin")).await;
    admin.wait_text("Users").await;
    check.page(&admin, "admin-users-en").await;
    admin.goto(&app.url("/admin/committee")).await;
    check.page(&admin, "admin-committee-en").await;
    admin.goto(&app.url("/reports")).await;
    check.page(&admin, "reports-empty-en").await;
    admin.goto(&app.url("/monitors")).await;
    check.page(&admin, "monitors-en").await;
    switch_language(&admin, "zh-CN").await;
    admin.close().await;

    // 2. A grid worker logs two complaints.
    let grid = window().await;
    sign_in(&app, &grid, "li.grid").await;
    check.page(&grid, "grid-dashboard").await;
    grid.goto(&app.url("/complaints/new")).await;
    grid.select("#channel", "visit").await;
    grid.select("#category", "noise").await;
    grid.type_into("[id=\"location\"]", "敦化南路64号院中心花园").await;
    grid.type_into("[id=\"description\"]", "合唱队每晚用音箱唱到十点多，老人孩子睡不好。").await;
    grid.type_into("[id=\"reporter.name\"]", "张秀兰").await;
    grid.click("details.more summary").await;
    grid.type_into("[id=\"reporter.phone\"]", "13800008001").await;
    grid.set_value("[id=\"observed_pattern.start\"]", "19:30").await;
    grid.set_value("[id=\"observed_pattern.end\"]", "22:20").await;
    check.page(&grid, "grid-complaint-form").await;
    grid.click("form[action=\"/complaints\"] button[type=\"submit\"]").await;
    grid.wait_text("投诉已登记").await;
    let first = id_in(&grid.current_url().await, "/complaints/");
    check.page(&grid, "grid-complaint").await;

    grid.goto(&app.url("/complaints/new")).await;
    grid.select("#channel", "phone").await;
    grid.type_into("[id=\"location\"]", "敦化南路６４号院 中心花园").await;
    grid.type_into("[id=\"description\"]", "晚上十点以后还在唱，音箱声音很大。").await;
    grid.click("[id=\"anonymous\"]").await;
    grid.click("form[action=\"/complaints\"] button[type=\"submit\"]").await;
    let second = id_in(&grid.wait_url(&format!("/complaints/{}", first + 1)).await, "/complaints/");
    let text = grid.wait_text("可能重复的投诉").await;
    assert!(text.contains("匿名"), "the second complaint is anonymous");
    assert_eq!(
        grid.count(&format!("a[href=\"/complaints/{first}\"]")).await,
        1,
        "the first is suggested as a duplicate"
    );
    check.page(&grid, "grid-duplicate-suggested").await;
    grid.goto(&app.url("/complaints?view=all")).await;
    check.page(&grid, "grid-complaint-list").await;
    // The list searched by a two-character word, typed into its own box:
    // both complaints hold it in their descriptions, marked where found.
    grid.type_into("#q", "音箱").await;
    grid.click("form[role=\"search\"] button[type=\"submit\"]").await;
    grid.wait_url("q=").await;
    grid.wait_for("tbody mark").await;
    assert_eq!(grid.count("tbody tr").await, 2, "both complaints hold the word");
    assert_eq!(grid.text("tbody mark").await, "音箱", "the word is marked where it was found");
    assert_eq!(grid.count("tbody mark").await, 2, "and marked in each");
    check.page(&grid, "grid-complaint-search").await;
    grid.close().await;

    // 3. A mediator opens the case from the complaints and works it.
    let desk = window().await;
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
    check.page(&desk, "mediator-new-case").await;
    desk.click("form[action=\"/cases\"] button[type=\"submit\"]").await;
    desk.wait_text("已立案").await;
    let case = id_in(&desk.current_url().await, "/cases/");
    check.page(&desk, "mediator-case-registered").await;
    desk.click("form[action$=\"/move\"] input[value=\"investigating\"] + button").await;
    desk.wait_text("案件状态已改为：调查核实").await;

    desk.goto(&app.url(&format!("/cases/{case}/investigations/new"))).await;
    check.page(&desk, "mediator-investigation-form").await;
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
    check.page(&desk, "mediator-measurement-preview").await;
    desk.click("button[value=\"save\"]").await;
    desk.wait_text("+7.6").await;
    desk.click("form[action$=\"/move\"] input[value=\"mediating\"] + button").await;
    desk.wait_text("案件状态已改为：调解中").await;

    desk.goto(&app.url(&format!("/cases/{case}/sessions/new"))).await;
    desk.type_into("[id=\"place\"]", "敦化南路社区人民调解室").await;
    desk.type_into("[id=\"statements[0].speaker\"]", "周桂芳").await;
    desk.type_into("[id=\"statements[0].text\"]", "同意提前结束、降低音量。").await;
    desk.click("input[name=\"legal_references\"]").await;
    check.page(&desk, "mediator-session-form").await;
    desk.click("button[value=\"save\"]").await;
    desk.wait_text("已保存：调解会记录").await;
    desk.goto(&app.url(&format!("/cases/{case}/meetings/new"))).await;
    check.page(&desk, "mediator-meeting-form").await;

    desk.goto(&app.url(&format!("/cases/{case}/agreements/new"))).await;
    desk.type_into("[id=\"subtitle\"]", "调解备忘录").await;
    desk.set_value("[id=\"terms[0].start\"]", "19:00").await;
    desk.set_value("[id=\"terms[0].end\"]", "21:00").await;
    // Every day: a choice where the form offers them, else typed.
    let days = desk.execute("return document.getElementById('terms[0].days').tagName;", json!([])).await;
    if days == "SELECT" {
        desk.select("[id=\"terms[0].days\"]", "daily").await;
    } else {
        desk.type_into("[id=\"terms[0].days\"]", "daily").await;
    }
    // The choir's organiser is bound: chosen among the case's parties.
    let organiser =
        "return [...document.getElementById('terms[0].obligor').options].find(o => o.text.startsWith('周桂芳')).value;";
    let zhou = desk.execute(organiser, json!([])).await;
    let zhou = zhou.as_str().expect("the respondent is offered as the bound party").to_owned();
    desk.select("[id=\"terms[0].obligor\"]", &zhou).await;
    desk.click("button[data-add=\"term-rows\"]").await;
    desk.select("[id=\"terms[1].kind\"]", "volume_limit").await;
    desk.select("[id=\"terms[1].obligor\"]", &zhou).await;
    desk.type_into("[id=\"terms[1].max_db\"]", "55").await;
    desk.select("[id=\"terms[1].position\"]", "outside_window_1m").await;
    desk.click("button[data-add=\"term-rows\"]").await;
    desk.select("[id=\"terms[2].kind\"]", "free_text").await;
    desk.type_into("[id=\"terms[2].text\"]", "活动时注意音量").await;
    desk.click("button[value=\"check\"]").await;
    let warned = desk.text(".alert-warn").await;
    assert!(warned.contains("第 3项"), "the vague third term is named before saving: {warned}");
    check.page(&desk, "mediator-agreement-warnings").await;
    desk.click("li.term-row:nth-child(3) button[data-action=\"remove\"]").await;
    assert_eq!(desk.count("li.term-row").await, 2, "the vague term is removed");
    desk.click("button[value=\"save\"]").await;
    desk.wait_text("协议已保存").await;
    let agreement = id_in(&desk.current_url().await, "/agreements/");
    check.page(&desk, "mediator-agreement-draft").await;

    desk.goto(&app.url(&format!("/agreements/{agreement}/sign"))).await;
    check.page(&desk, "mediator-sign").await;
    // Each signature is waited for by its own tick in the list of signers:
    // the flash "签名已记录" is on the page already from the one before.
    for (signer, role) in [("张秀兰", "applicant"), ("周桂芳", "respondent")] {
        let banner = desk.text(".who-banner").await;
        assert!(banner.contains(signer), "the banner names {signer}: {banner}");
        desk.draw_on("canvas#pad").await;
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
    check.page(&desk, "mediator-agreement-effective").await;
    desk.goto(&app.url(&format!("/agreements/{agreement}/follow-ups/new"))).await;
    check.page(&desk, "mediator-follow-up-form").await;

    desk.goto(&app.url(&format!("/cases/{case}"))).await;
    let code: String = desk
        .execute(
            "for (const row of document.querySelectorAll('#parties tbody tr')) { if (row.textContent.includes('周桂芳')) return row.querySelector('.code').textContent; } return '';",
            json!([]),
        )
        .await
        .as_str()
        .unwrap_or_default()
        .trim()
        .to_owned();
    assert_eq!(code.len(), 10, "the respondent's access code is on the case page");
    check.page(&desk, "mediator-case-page").await;
    // Her PIN, issued as when a mediator reprints a lost slip.
    let mediator = app.token("wang.mediator").await;
    let parties = app.get_json(&format!("/api/v1/cases/{case}"), &mediator).await["parties"].clone();
    let respondent = parties.as_array().expect("parties").iter().find(|p| p["name"] == "周桂芳").expect("respondent");
    let issued =
        app.post_ok(&format!("/api/v1/parties/{}/portal-pin", respondent["id"]), &mediator, &json!({}), 200).await;
    let pin = issued["pin"].as_str().expect("pin").to_owned();
    let memo = download(&app, &desk, &format!("/api/v1/agreements/{agreement}/pdf")).await;
    desk.goto(&app.url("/cases")).await;
    desk.wait_text("敦化南路64号院合唱队夜间噪声纠纷").await;
    check.page(&desk, "mediator-case-list").await;
    desk.goto(&app.url("/")).await;
    check.page(&desk, "mediator-dashboard").await;
    desk.goto(&app.url("/reports?from=2026-01-01")).await;
    desk.wait_text("投诉时间分布").await;
    assert_eq!(desk.count("svg.chart").await, 6, "the report's charts are drawn");
    // The folded tables of numbers are checked too.
    desk.execute("document.querySelectorAll('details').forEach((d) => { d.open = true; });", json!([])).await;
    check.page(&desk, "mediator-reports").await;
    desk.goto(&app.url("/cases/999999")).await;
    check.page(&desk, "not-found").await;
    desk.close().await;

    // 4. Staff print the memorandum.
    let office = window().await;
    sign_in(&app, &office, "zhao.staff").await;
    office.goto(&app.url("/print")).await;
    office.wait_text("人民调解协议书").await;
    check.page(&office, "staff-print-queue").await;
    office.click("form[action=\"/print/batch\"] button[type=\"submit\"]").await;
    office.wait_text("已生成，可以打印").await;
    let job = id_in(&office.wait_url("/print/jobs/").await, "/print/jobs/");
    check.page(&office, "staff-print-job").await;
    let pdf = download(&app, &office, &format!("/print/jobs/{job}/pdf")).await;
    if crate::pdf_tools::available() {
        let text = crate::pdf_tools::text(&pdf);
        assert!(text.contains("调解备忘录") && text.contains("21:00"), "the printed memorandum");
        assert_eq!(crate::pdf_tools::pages(&pdf) % 3, 0, "three copies: one per party, one to keep");
    }
    office.goto(&app.url("/print/register")).await;
    office.wait_text("人民调解协议书").await;
    check.page(&office, "staff-print-register").await;
    office.close().await;

    // 5. Anyone checks the memorandum's PDF on /verify, through the browser.
    let public = window().await;
    let genuine = files.path().join("memo.pdf");
    std::fs::write(&genuine, &memo).expect("pdf file");
    let mut altered = memo.clone();
    let last = altered.len() - 20;
    altered[last] ^= 1;
    let forged = files.path().join("memo-altered.pdf");
    std::fs::write(&forged, &altered).expect("pdf file");
    public.goto(&app.url("/verify")).await;
    check.page(&public, "verify").await;
    public.choose_file("#file", &genuine).await;
    public.click("form[action=\"/verify\"] button[type=\"submit\"]").await;
    public.wait_text("该文件与存档的协议完全一致").await;
    check.page(&public, "verify-file-genuine").await;
    public.click("a[href^=\"/verify/\"]").await;
    public.wait_text("SHA-256").await;
    check.page(&public, "verify-code").await;
    public.goto(&app.url("/verify")).await;
    public.choose_file("#file", &forged).await;
    public.click("form[action=\"/verify\"] button[type=\"submit\"]").await;
    public.wait_text("存档中没有与该文件完全一致的文书").await;
    check.page(&public, "verify-file-altered").await;
    public.close().await;

    // 6. The respondent reads the agreement in the portal.
    let resident = window().await;
    resident.goto(&app.url("/portal/login")).await;
    resident.type_into("#code", &code.to_lowercase()).await;
    resident.type_into("#pin", &pin).await;
    check.page(&resident, "resident-portal-login").await;
    resident.click("form[action=\"/portal/login\"] button[type=\"submit\"]").await;
    resident.wait_for(&format!("a[href=\"/portal/cases/{case}\"]")).await;
    check.page(&resident, "resident-portal-home").await;
    resident.click(&format!("a[href=\"/portal/cases/{case}\"]")).await;
    resident.wait_text("周桂芳每天的活动于19:00开始，21:00前结束").await;
    check.page(&resident, "resident-portal-case").await;
    resident.click("form[action=\"/portal/large-type\"] button").await;
    let text = resident.wait_text("周桂芳每天的活动于19:00开始，21:00前结束").await;
    assert!(!text.contains("张秀兰"), "no complainant's name is shown to the respondent");
    assert!(!crate::helpers::shows_digits(&text, "8001"), "nor their phone");
    let mut large = false;
    for _ in 0..50 {
        let script = "return document.body.classList.contains('large-type');";
        large = resident.execute(script, json!([])).await.as_bool().unwrap_or(false);
        if large {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(large, "large type is on");
    check.page(&resident, "resident-portal-case-large-type").await;
    resident.close().await;

    check.finish(if device.width < 768 { 41 } else { 40 });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_monitored_nights_on_a_360_px_phone_and_a_1280_px_desk() {
    let (chromium, chromedriver) = match binaries() {
        Ok(found) => found,
        Err(why) => return announce_skip(&why),
    };
    let app = spawn_app(Backend::Sqlite).await.expect("app");
    hesheng::cli::demo::load(&mut app.conn()).expect("demo");
    // The morning after the demo's last monitored night, in Beijing.
    let morning = chrono::NaiveDate::from_ymd_opt(2026, 6, 26).and_then(|d| d.and_hms_opt(1, 0, 0)).expect("09:00");
    app.clock.set_offset(morning - chrono::Utc::now().naive_utc());
    let driver = Driver::start(chromium, &chromedriver).await;
    for device in [PHONE, DESK] {
        let mut check =
            Checks::new(Device { name: if device.width < 768 { "nights-phone" } else { "nights-desk" }, ..device });
        let s = driver.session(device.width, device.height).await;
        s.goto(&app.url("/login")).await;
        s.type_into("#username", "wang.mediator").await;
        s.type_into("#password", hesheng::cli::demo::DEMO_PASSWORD).await;
        s.click("form[action=\"/login\"] button[type=\"submit\"]").await;
        s.wait_for("form[action=\"/logout\"]").await;
        s.wait_text("监测显示可能违约的夜晚").await;
        check.page(&s, "dashboard-night-reviews").await;
        s.click("#night-reviews-h + p + ul li a").await;
        s.wait_for("svg.chart polyline").await;
        check.page(&s, "night").await;
        // A dismissal through the page: the form opens, takes the reason, and
        // the page comes back with the finding reviewed.
        s.click(".night-review details summary").await;
        s.type_into(".night-review details textarea", "当晚社区晚会，居民事先同意").await;
        s.click(".night-review details button[type=\"submit\"]").await;
        s.wait_text("已排除").await;
        check.page(&s, "night-dismissed").await;
        s.click("a[href^=\"/cases/\"]").await;
        s.wait_for(".night-strip").await;
        check.page(&s, "case-strip").await;
        s.goto(&app.url("/reports?from=2026-05-01&to=2026-06-30")).await;
        s.wait_text("噪声监测设备核查的夜晚").await;
        check.page(&s, "reports-nights").await;
        switch_language(&s, "en").await;
        s.goto(&app.url("/monitors/1/nights/2026-06-08")).await;
        s.wait_text("Level curve").await;
        check.page(&s, "night-en").await;
        switch_language(&s, "zh-CN").await;
        s.close().await;
        check.finish(6);
    }
}
