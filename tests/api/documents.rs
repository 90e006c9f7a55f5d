use hesheng::cli::demo::{DEMO_PASSWORD, Loaded, load};
use hesheng::db::Backend;
use sha2::{Digest, Sha256};

use crate::both_backends;
use crate::helpers::TestApp;
use crate::pdf_tools;

const KINDS: [&str; 9] = [
    "application",
    "acceptance",
    "rights_notice",
    "investigation",
    "session_record",
    "agreement",
    "follow_up",
    "confirmation_application",
    "volume",
];

/// Names of the choir case's complainants, which no document may print.
const COMPLAINANTS: [&str; 3] = ["刘志强", "陈淑芬", "孙浩"];

async fn demo(app: &TestApp) -> (i64, i64, String) {
    let Loaded::Now { choir_case, memorandum } = load(&mut app.conn()).expect("demo") else { panic!("fresh") };
    let token = app.token_with("wang.mediator", DEMO_PASSWORD).await;
    (choir_case, memorandum, token)
}

async fn pdf(app: &TestApp, path: &str, token: &str) -> (Vec<u8>, reqwest::header::HeaderMap) {
    let response = app.api_get(path, token).await;
    assert_eq!(response.status(), 200, "{path}");
    assert_eq!(response.headers()["content-type"], "application/pdf");
    let headers = response.headers().clone();
    (response.bytes().await.expect("bytes").to_vec(), headers)
}

/// A document of a case, in a language ("zh-CN", "en").
async fn document(app: &TestApp, token: &str, case: i64, kind: &str, lang: &str) -> Vec<u8> {
    pdf(app, &format!("/api/v1/cases/{case}/documents/{kind}.pdf?lang={lang}"), token).await.0
}

/// A PDF's text with every space and line break taken out.
fn dense(bytes: &[u8]) -> String {
    pdf_tools::text(bytes).split_whitespace().collect()
}

both_backends! {
    async fn every_document_of_the_choir_case_reads_back_with_subset_fonts(app) {
        if !pdf_tools::available() {
            return;
        }
        let (case, _, token) = demo(&app).await;
        let dir = pdf_tools::artifacts();
        for kind in KINDS {
            let (bytes, _) = pdf(&app, &format!("/api/v1/cases/{case}/documents/{kind}.pdf"), &token).await;
            let text = pdf_tools::text(&bytes);
            assert!(text.contains("（2026）敦南人调字第1号"), "{kind} names the case:\n{text}");
            let fonts = pdf_tools::fonts(&bytes);
            assert!(!fonts.is_empty(), "{kind} has fonts");
            for (name, embedded, subset, unicode) in &fonts {
                assert!(*embedded && *subset && *unicode, "{kind}: {name} embedded {embedded} subset {subset} unicode {unicode}");
                assert!(name.contains('+') && name.contains("CJKsc"), "{name}");
            }
            for complainant in COMPLAINANTS {
                assert!(!text.contains(complainant), "{kind} names complainant {complainant}");
            }
            let pages = pdf_tools::pages(&bytes);
            assert!(pages >= 1);
            if app.backend == Backend::Sqlite {
                pdf_tools::png(&bytes, 1, 100, &dir, kind);
                insta::with_settings!({filters => pdf_tools::snapshot_filters()}, {
                    insta::assert_snapshot!(format!("document_text_{kind}"), pdf_tools::mask_hashes(&text));
                });
            }
        }
        // Every document in English, and the hornet case's oral agreement
        // register in both languages, as text snapshots.
        if app.backend == Backend::Sqlite {
            for kind in KINDS {
                let (bytes, _) = pdf(&app, &format!("/api/v1/cases/{case}/documents/{kind}.pdf?lang=en"), &token).await;
                let text = pdf_tools::text(&bytes);
                assert!(text.contains("（2026）敦南人调字第1号"), "{kind} in English names the case:\n{text}");
                insta::with_settings!({filters => pdf_tools::snapshot_filters()}, {
                    insta::assert_snapshot!(format!("document_text_{kind}_en"), pdf_tools::mask_hashes(&text));
                });
            }
            let oral = app.get_json("/api/v1/cases?q=%E9%A9%AC%E8%9C%82%E7%AA%9D", &token).await;
            let oral_case = oral["items"][0]["id"].as_i64().expect("hornet case");
            for (lang, suffix) in [("zh-CN", ""), ("en", "_en")] {
                let path = format!("/api/v1/cases/{oral_case}/documents/oral_agreement.pdf?lang={lang}");
                let (bytes, _) = pdf(&app, &path, &token).await;
                let text = pdf_tools::text(&bytes);
                pdf_tools::png(&bytes, 1, 100, &dir, &format!("oral_agreement{suffix}"));
                insta::with_settings!({filters => pdf_tools::snapshot_filters()}, {
                    insta::assert_snapshot!(format!("document_text_oral_agreement{suffix}"), pdf_tools::mask_hashes(&text));
                });
            }
        }
        let (volume, _) = pdf(&app, &format!("/api/v1/cases/{case}/documents/volume.pdf"), &token).await;
        let text = pdf_tools::text(&volume);
        for title in ["卷内目录", "人民调解受理登记表", "当事人权利义务告知书", "人民调解调查记录", "人民调解记录", "人民调解协议书", "人民调解回访记录", "备考表"] {
            assert!(text.contains(title), "the volume holds {title}");
        }
        assert!(!text.contains("司法确认申请书"), "no unsigned confirmation application: the parties have not applied");
        assert!(pdf_tools::pages(&volume) >= 10, "cover, index and seven documents");
    }

    async fn the_effective_agreement_is_archived_and_verifiable_by_qr_code_and_by_file(app) {
        if !pdf_tools::available() {
            return;
        }
        let (_, memo, token) = demo(&app).await;
        let (first, headers) = pdf(&app, &format!("/api/v1/agreements/{memo}/pdf"), &token).await;
        let (second, _) = pdf(&app, &format!("/api/v1/agreements/{memo}/pdf"), &token).await;
        assert_eq!(first, second, "served from the archive byte for byte");
        let sha = hex::encode(Sha256::digest(&first));
        assert_eq!(headers["x-content-sha256"].to_str().expect("header"), sha);
        assert!(first.len() <= 80 * 1024, "{} bytes", first.len());
        let text = pdf_tools::text(&first);
        for expected in ["人民调解协议书", "调解备忘录", "本协议一式三份", "21:00", "55分贝", "张秀兰", "周桂芳", "138****8001"] {
            assert!(text.contains(expected), "{expected} in\n{text}");
        }
        assert!(!text.contains("13800138001"), "phone numbers are masked");
        let agreement = app.get_json(&format!("/api/v1/agreements/{memo}"), &token).await;
        let code = agreement["verification_code"].as_str().expect("code").to_owned();
        let hash16: String = agreement["content_hash"].as_str().expect("hash").chars().take(16).collect();
        assert!(text.contains(&hash16), "the footer carries the content hash prefix");

        let png = pdf_tools::png(&first, 1, 200, &pdf_tools::artifacts(), &format!("agreement-qr-{}", app.backend.as_str()));
        let codes = pdf_tools::qr_codes(&png);
        assert_eq!(codes, [format!("{}/verify/{code}", app.address)], "the QR code decodes to the verification page");

        let page = app.get(&format!("/verify/{code}")).await;
        assert_eq!(page.status(), 200);
        let html = page.text().await.expect("html");
        assert!(html.contains(&sha) && html.contains("（2026）敦南人调字第1号"));
        for private in ["张秀兰", "周桂芳", "138****8001", "13800138001", "敦化南路64号院3号楼"] {
            assert!(!html.contains(private), "the public page shows no personal data ({private})");
        }
        assert_eq!(app.get("/verify/NOSUCHCODE00").await.status(), 404);
        // The code form: typed in lower case with spaces and a dash, it
        // leads to the code's page; with nothing typed, back to the form.
        let typed = format!("{} {}-{}", code[..4].to_lowercase(), &code[4..8], &code[8..]);
        for (query, to) in [(format!("code={}", typed.replace(' ', "+")), format!("/verify/{code}")), ("code=".into(), "/verify".into()), (String::new(), "/verify".into())] {
            let r = app.get(&format!("/verify/lookup?{query}")).await;
            assert_eq!(r.status(), 303, "{query}");
            assert_eq!(r.headers()["location"], to.as_str(), "{query}");
        }

        let upload = |bytes: Vec<u8>| async {
            let token = app.csrf("/verify").await;
            let form = reqwest::multipart::Form::new()
                .text("csrf_token", token)
                .part("file", reqwest::multipart::Part::bytes(bytes).file_name("memo.pdf").mime_str("application/pdf").expect("mime"));
            app.client.post(app.url("/verify")).multipart(form).send().await.expect("upload").text().await.expect("html")
        };
        let genuine = upload(first.clone()).await;
        assert!(genuine.contains("该文件与存档的协议完全一致"), "{genuine}");
        let mut altered = first.clone();
        let last = altered.len() - 20;
        altered[last] ^= 1;
        let forged = upload(altered).await;
        assert!(forged.contains("存档中没有与该文件完全一致的文书"), "{forged}");
        let token = app.csrf("/verify").await;
        let nothing = reqwest::multipart::Form::new().text("csrf_token", token);
        let response = app.client.post(app.url("/verify")).multipart(nothing).send().await.expect("upload");
        assert_eq!(response.status(), 422, "a form sent without a file is refused");
        assert!(response.text().await.expect("html").contains("请先选择要核对的PDF文件"));
    }

    async fn documents_are_deterministic_and_also_in_english(app) {
        if !pdf_tools::available() {
            return;
        }
        let (case, _, token) = demo(&app).await;
        let (a, _) = pdf(&app, &format!("/api/v1/cases/{case}/documents/session_record.pdf"), &token).await;
        let (b, _) = pdf(&app, &format!("/api/v1/cases/{case}/documents/session_record.pdf"), &token).await;
        assert_eq!(a, b, "the same record gives the same bytes");
        let (en, _) = pdf(&app, &format!("/api/v1/cases/{case}/documents/agreement.pdf?lang=en"), &token).await;
        let text = pdf_tools::text(&en);
        assert!(text.contains("People's Mediation Agreement") && text.contains("Page 1 of"), "{text}");
        let response = app
            .client
            .get(app.url(&format!("/api/v1/cases/{case}/documents/rights_notice.pdf")))
            .bearer_auth(&token)
            .header("accept-language", "en")
            .send()
            .await
            .expect("get");
        let text = pdf_tools::text(&response.bytes().await.expect("bytes"));
        assert!(text.contains("Notice of the Parties' Rights and Duties"), "the reader's language: {text}");
    }

    async fn unknown_kinds_and_missing_documents_are_404(app) {
        let (case, _, token) = demo(&app).await;
        assert_eq!(app.api_get(&format!("/api/v1/cases/{case}/documents/poem.pdf"), &token).await.status(), 404);
        assert_eq!(app.api_get(&format!("/api/v1/cases/{case}/documents/oral_agreement.pdf"), &token).await.status(), 404);
        assert_eq!(app.api_get("/api/v1/cases/999/documents/agreement.pdf", &token).await.status(), 404);
        let oral = app.get_json("/api/v1/cases?q=%E9%A9%AC%E8%9C%82%E7%AA%9D", &token).await;
        let oral_case = oral["items"][0]["id"].as_i64().expect("hornet case");
        let r = app.api_get(&format!("/api/v1/cases/{oral_case}/documents/oral_agreement.pdf"), &token).await;
        assert_eq!(r.status(), 200);
        let r = app.api_get(&format!("/api/v1/cases/{oral_case}/documents/agreement.pdf"), &token).await;
        assert_eq!(r.status(), 404, "an oral agreement has no written form");
        let r = app.client.get(app.url(&format!("/api/v1/cases/{case}/documents/agreement.pdf"))).send().await.expect("get");
        assert_eq!(r.status(), 401);
    }
}

/// Every kind a case prints, the oral agreement's register included.
const ALL_KINDS: [&str; 10] = [
    "application",
    "acceptance",
    "rights_notice",
    "investigation",
    "session_record",
    "agreement",
    "oral_agreement",
    "follow_up",
    "confirmation_application",
    "volume",
];

/// The demo's cases by a short name: the choir (a memorandum in force), the
/// roof leak (cost sharing), the hornet nest (an oral agreement) and the
/// night renovation (mediation terminated).
async fn demo_cases(app: &TestApp, token: &str) -> Vec<(&'static str, i64)> {
    let list = app.get_json("/api/v1/cases?limit=50", token).await;
    let items = list["items"].as_array().expect("cases");
    let mut cases = Vec::new();
    for (name, marker) in [("choir", "合唱队"), ("leak", "漏水"), ("hornet", "马蜂窝"), ("renovation", "装修")]
    {
        let case = items.iter().find(|c| c["title"].as_str().is_some_and(|t| t.contains(marker)));
        cases.push((name, case.and_then(|c| c["id"].as_i64()).unwrap_or_else(|| panic!("{name} case in {list}"))));
    }
    cases
}

/// Units and measure words that follow a number.
const UNITS: &str = "年月日时点分秒元角万千百号楼层室米份天周次条款个户票页岁栋倍度辆件项名位套亩";

/// Words a line never breaks inside: units of several characters, the
/// records' instruments, the standards' numbers, the label of an amount in
/// capitals and its end (（大写：…捌佰元整）).
const WHOLE_WORDS: [&str; 8] = ["分贝", "平方米", "声级计", "GB 3096", "GB 22337", "GB/T 15190", "大写：", "元整"];

/// Labels a line never ends with: their value follows on the same line.
const FIELD_LABELS: [&str; 13] = [
    "出生年份：",
    "出生日期：",
    "职业：",
    "性别：",
    "民族：",
    "住所：",
    "联系方式：",
    "Year of birth:",
    "Date of birth:",
    "Occupation:",
    "Sex:",
    "Ethnicity:",
    "No.",
];

/// How a document's content hash line starts.
const HASH_LABELS: [&str; 3] = ["调解协议内容摘要", "口头协议登记内容摘要", "Content hash of the"];

/// Signature lines of people the demo's records name, printed without
/// the name.
const UNNAMED_SIGNERS: [&str; 9] = [
    "人民调解员（签名）",
    "记录人（签名）",
    "主持人（签名）",
    "调查人（签名）",
    "被调查人（签名）",
    "People's mediator (signature)",
    "Recorder (signature)",
    "Chair (signature)",
    "Investigator (signature)",
];

/// A line of the page's footer or header: the number, the page, the
/// hash, the QR code's caption, the volume's page stamp.
fn is_furniture(line: &str, number: &str) -> bool {
    line.starts_with(number)
        || line.contains("页 共")
        || (line.starts_with("Page ") && line.contains(" of "))
        || line.contains("扫码核验")
        || line.contains("Scan to verify")
        || line.starts_with("卷内第")
        || line.starts_with("File page")
}

/// The demo's committee.
const COMMITTEE: &str = "敦化南路社区人民调解委员会";

/// What the clerk's checks hold the pages against.
struct Reference {
    /// The words of the tables' labels.
    labels: Vec<String>,
    /// The closing paragraphs, spaces taken out.
    closings: Vec<String>,
}

impl Reference {
    fn new() -> Self {
        Self { labels: label_words(), closings: closing_texts() }
    }

    /// Whether a line is a piece of a closing paragraph.
    fn closing(&self, line: &str) -> bool {
        let line: String = line.split_whitespace().collect();
        self.closings.iter().any(|c| c.contains(&line))
    }
}

/// The paragraphs printed just before signature lines and signed with
/// them (一式N份, the read-back, the pledge, the acknowledgement, the
/// declaration, the measurements' note), both languages: what may not
/// fill a page with the signatures alone either.
fn closing_texts() -> Vec<String> {
    use hesheng::domain::language::Lang;
    use hesheng::i18n::{t, t_with};
    let mut texts = Vec::new();
    for lang in [Lang::ZhCn, Lang::En] {
        for key in [
            "doc.session.read_back",
            "doc.session.read_back_meeting",
            "doc.confirmation.pledge",
            "doc.rights.acknowledge",
            "doc.oral.effect",
            "doc.measurement.standard",
        ] {
            texts.push(t(lang, key));
        }
        for copies in ["二", "三", "四", "五", "六", "2", "3", "4", "5", "6"] {
            texts.push(t_with(lang, "doc.agreement.copies", &[("copies", copies.to_owned())]));
        }
        texts.push(t_with(lang, "doc.application.declaration", &[("committee", COMMITTEE.to_owned())]));
    }
    texts.into_iter().map(|t| t.split_whitespace().collect()).collect()
}

/// The words of the labels the documents print in their tables (column
/// headers, the label column of a field table), both languages: a Chinese
/// label is one word, an English label has its words.
fn label_words() -> Vec<String> {
    use hesheng::domain::language::Lang;
    let mut words = Vec::new();
    for lang in [Lang::ZhCn, Lang::En] {
        for key in hesheng::i18n::keys(lang).into_iter().filter(|k| k.starts_with("doc.")) {
            let label = hesheng::i18n::t(lang, &key);
            let sentence = label.contains("%{") || label.contains(['。', '，', '；']);
            let short = if lang == Lang::ZhCn { label.chars().count() <= 12 } else { label.len() <= 40 };
            if !sentence && short {
                let word = |w: &&str| w.chars().count() >= 2 && w.chars().any(char::is_alphabetic);
                words.extend(label.split_whitespace().filter(word).map(str::to_owned));
            }
        }
    }
    words.sort();
    words.dedup();
    words
}

/// Labels broken inside a word on a page: a piece of a label's word on
/// one line, the rest of the word on the next ("测点高" / "度", "Backgr" /
/// "ound"; a Chinese word's rest may break again: "仪器型号" / "及编" /
/// "号"). English pieces of one or two letters are words of their own
/// ("at" / "to").
fn broken_labels(lines: &[String], words: &[String]) -> Vec<String> {
    let mut broken = Vec::new();
    for pair in lines.windows(2) {
        let next: Vec<&str> = pair[1].split_whitespace().collect();
        for piece in pair[0].split_whitespace().filter(|p| !p.is_ascii() || p.len() >= 3) {
            for word in words.iter().filter(|w| w.len() > piece.len() && w.starts_with(piece)) {
                let rest = &word[piece.len()..];
                if next.iter().any(|n| *n == rest || !piece.is_ascii() && rest.starts_with(n)) {
                    broken.push(format!("{word} as {piece:?} / {rest:?}"));
                }
            }
        }
    }
    broken
}

/// A line that signs, seals or dates: what may never fill a page alone.
fn is_signing(line: &str, committee: &str) -> bool {
    let marks = [
        "签名",
        "盖章",
        "按指印",
        "signature",
        "seal",
        "Seal",
        "signed",
        "副本",
        "Copy",
        "委员会印",
        "月　　日",
        "Date: _",
    ];
    let date = chrono::NaiveDate::parse_from_str(line, "%Y年%m月%d日").is_ok()
        || chrono::NaiveDate::parse_from_str(line, "%d %B %Y").is_ok();
    // A blank date to be written in: 年　月　日.
    let blank_date = line.split_whitespace().collect::<String>() == "年月日";
    date || blank_date || line == committee || marks.iter().any(|m| line.contains(m))
}

/// What a court clerk would reject on the pages of a document: a page
/// holding only signature lines or the seal, a number whose unit starts
/// the next line, doubled brackets, a boolean where a word belongs, and
/// words printed over one another.
fn clerk_faults(bytes: &[u8], what: &str, number: &str, reference: &Reference) -> Vec<String> {
    let mut faults = Vec::new();
    let pages = pdf_tools::pages(bytes);
    for page in 1..=pages {
        let lines: Vec<String> = pdf_tools::page_lines(bytes, page)
            .iter()
            .map(|l| l.trim().to_owned())
            .filter(|l| !l.is_empty() && !is_furniture(l, number))
            .collect();
        if !lines.is_empty() && lines.iter().all(|l| is_signing(l, COMMITTEE)) {
            faults.push(format!("{what} p{page}: only signature lines or the seal: {lines:?}"));
        } else if !lines.is_empty() && lines.iter().all(|l| is_signing(l, COMMITTEE) || reference.closing(l)) {
            faults.push(format!("{what} p{page}: only the closing paragraph and the signatures: {lines:?}"));
        }
        for label in broken_labels(&lines, &reference.labels) {
            faults.push(format!("{what} p{page}: a label broken inside a word: {label}"));
        }
        // Lines of running text only: a table's row holds several cells.
        let running = |l: &String| !l.contains("   ");
        for pair in lines.windows(2).filter(|p| running(&p[0]) && running(&p[1])) {
            let ends_in_digit = pair[0].chars().last().is_some_and(|c| c.is_ascii_digit());
            let starts_with_unit = pair[1].chars().next().is_some_and(|c| UNITS.contains(c));
            if ends_in_digit && starts_with_unit {
                faults.push(format!("{what} p{page}: a number parted from its unit: {:?} / {:?}", pair[0], pair[1]));
            }
        }
        // An English date stays on one line: "by 1" / "June 2026" is a fault.
        for pair in lines.windows(2) {
            let ends_in_day = pair[0].split_whitespace().last().is_some_and(|w| w.parse::<u8>().is_ok());
            // Month names as chrono reads them, not the layout's own list.
            let month = pair[1].split_whitespace().next().is_some_and(|w| w.parse::<chrono::Month>().is_ok());
            if ends_in_day && month {
                faults.push(format!("{what} p{page}: a date broken across lines: {:?} / {:?}", pair[0], pair[1]));
            }
        }
        // A unit of several characters, a word of the records or a
        // standard's number broken across lines; a label left at a line's
        // end with its value on the next.
        for pair in lines.windows(2).filter(|p| running(&p[0]) && running(&p[1])) {
            for word in WHOLE_WORDS {
                let parted = word
                    .char_indices()
                    .skip(1)
                    .any(|(at, _)| pair[0].ends_with(&word[..at]) && pair[1].starts_with(word[at..].trim_start()));
                if parted {
                    faults.push(format!("{what} p{page}: {word} broken: {:?} / {:?}", pair[0], pair[1]));
                }
            }
            if FIELD_LABELS.iter().any(|label| pair[0].ends_with(label)) {
                faults.push(format!("{what} p{page}: a label parted from its value: {:?} / {:?}", pair[0], pair[1]));
            }
        }
        // A heading ("申请期限：", "Time limit:") at the foot of a page, its
        // text on the next.
        let heading =
            |l: &String| (l.ends_with('：') || l.ends_with(':')) && l.chars().count() <= 24 && !l.contains("   ");
        if page < pages && lines.last().is_some_and(|l| heading(l) && !is_signing(l, COMMITTEE)) {
            faults.push(format!("{what} p{page}: a heading at the foot of the page: {:?}", lines.last()));
        }
        if page > 1 && lines.first().is_some_and(|l| HASH_LABELS.iter().any(|h| l.starts_with(h))) {
            faults.push(format!("{what} p{page}: the hash line alone at the head of a page: {lines:?}"));
        }
        for line in &lines {
            if line.contains("1 households") || line.contains("未记录") || line.contains("Not recorded") {
                faults.push(format!("{what} p{page}: {line}"));
            }
            // Every name the demo's records hold is printed on the line it
            // signs; a line naming only a role is one nobody could check.
            let label_alone = line.ends_with('：') || line.ends_with(':');
            if label_alone && UNNAMED_SIGNERS.iter().any(|label| line.starts_with(label)) {
                faults.push(format!("{what} p{page}: a signature line naming no one: {line}"));
            }
            if line.contains("（（") || line.contains("((") || line.contains("））") || line.contains("))") {
                faults.push(format!("{what} p{page}: doubled brackets: {line}"));
            }
            if line.split_whitespace().last().is_some_and(|w| w == "true" || w == "false") {
                faults.push(format!("{what} p{page}: a boolean where a word belongs: {line}"));
            }
        }
    }
    let words = pdf_tools::words(bytes);
    for (i, a) in words.iter().enumerate() {
        for b in &words[i + 1..] {
            let w = a.bbox[2].min(b.bbox[2]) - a.bbox[0].max(b.bbox[0]);
            let h = a.bbox[3].min(b.bbox[3]) - a.bbox[1].max(b.bbox[1]);
            if a.page == b.page && w > 1.0 && h > 1.0 {
                faults.push(format!("{what} p{}: {:?} overprints {:?}", a.page, a.text, b.text));
            }
        }
    }
    faults
}

/// English paragraphs that must read back word for word, spaces kept,
/// from the documents that print them: each as the ways it may be worded
/// (the notice's "both parties" or "all parties").
fn english_sources(kind: &str) -> Vec<Vec<String>> {
    use hesheng::domain::language::Lang;
    let keys: &[&str] = match kind {
        "rights_notice" => &["doc.rights.principles", "doc.rights.other"],
        "confirmation_application" => &["doc.confirmation.pledge"],
        "session_record" => &["doc.session.rights_text"],
        "oral_agreement" => &["doc.oral.effect"],
        "volume" => &["doc.rights.principles", "doc.rights.other", "doc.session.rights_text"],
        _ => &[],
    };
    keys.iter()
        .map(|k| {
            ["both parties", "all parties"]
                .iter()
                .map(|who| hesheng::i18n::t_with(Lang::En, k, &[("who", (*who).to_owned())]))
                .collect()
        })
        .collect()
}

fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_of_every_demo_document_in_both_languages_passes_the_clerks_checks() {
    if !pdf_tools::available() {
        return;
    }
    let app = crate::helpers::spawn_app(Backend::Sqlite).await.expect("sqlite app");
    let (_, _, token) = demo(&app).await;
    let dir = pdf_tools::artifacts().join("pages");
    // Only this run's pages: a document that got shorter leaves none behind.
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("pages dir");
    let reference = Reference::new();
    let mut faults = Vec::new();
    let mut rendered = 0;
    for (name, case) in demo_cases(&app, &token).await {
        let detail = app.get_json(&format!("/api/v1/cases/{case}"), &token).await;
        let number = detail["number"].as_str().expect("case number").to_owned();
        for kind in ALL_KINDS {
            for (lang, suffix) in [("zh-CN", ""), ("en", "_en")] {
                let path = format!("/api/v1/cases/{case}/documents/{kind}.pdf?lang={lang}");
                let response = app.api_get(&path, &token).await;
                if response.status() == 404 {
                    continue;
                }
                assert_eq!(response.status(), 200, "{path}");
                let bytes = response.bytes().await.expect("bytes").to_vec();
                rendered += 1;
                let what = format!("{name}/{kind}{suffix}");
                pdf_tools::pngs(&bytes, 80, &dir, &format!("{name}-{kind}{suffix}"));
                faults.extend(clerk_faults(&bytes, &what, &number, &reference));
                let text = pdf_tools::text(&bytes);
                if lang == "en" {
                    // Read without the footers and headers a page break puts
                    // inside a paragraph.
                    let body: Vec<&str> = text.lines().filter(|l| !is_furniture(l.trim(), &number)).collect();
                    let read = collapse(&body.join("\n"));
                    for sources in english_sources(kind) {
                        let opening: String = sources[0].split_whitespace().take(4).collect::<Vec<_>>().join(" ");
                        if read.contains(&opening) && !sources.iter().any(|s| read.contains(&collapse(s))) {
                            faults.push(format!("{what}: does not read back word for word: {}", sources[0]));
                        }
                    }
                }
                // The choir case's documents have their snapshots above.
                if name != "choir" {
                    insta::with_settings!({filters => pdf_tools::snapshot_filters()}, {
                        insta::assert_snapshot!(format!("{name}_{kind}{suffix}"), pdf_tools::mask_hashes(&text));
                    });
                }
            }
        }
    }
    assert!(rendered >= 44, "four cases' documents in two languages: {rendered}");
    assert!(faults.is_empty(), "{} faults:\n{}", faults.len(), faults.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_confirmation_application_is_joint_with_a_blank_court_and_the_attachments_that_exist() {
    if !pdf_tools::available() {
        return;
    }
    let app = crate::helpers::spawn_app(Backend::Sqlite).await.expect("sqlite app");
    let (_, _, token) = demo(&app).await;
    let cases = demo_cases(&app, &token).await;
    let case = |name: &str| cases.iter().find(|(n, _)| *n == name).expect("case").1;
    let read = |bytes: Vec<u8>| {
        let last = pdf_tools::page_lines(&bytes, pdf_tools::pages(&bytes));
        let dated = last.iter().any(|l| l.chars().filter(|c| !c.is_whitespace()).collect::<String>() == "年月日");
        (pdf_tools::text(&bytes), dated)
    };

    // The choir's written memorandum, two parties.
    let (text, dated) = read(document(&app, &token, case("choir"), "confirmation_application", "zh-CN").await);
    let flat = collapse(&text);
    assert!(flat.contains("____人民法院："), "a blank for the court: {text}");
    assert!(!text.contains("被申请人") && !text.contains("第三人"), "every party applies: {text}");
    for name in ["张秀兰", "周桂芳"] {
        assert!(flat.contains(&format!("申请人：{name}")), "{name} is an applicant: {text}");
        assert!(flat.contains(&format!("申请人 {name}（签名、盖章或按指印）")), "{name} signs: {text}");
    }
    assert!(flat.contains("身份证件：居民身份证"), "identity document type: {text}");
    assert!(
        flat.contains("人民调解协议书；") && flat.contains("双方当事人的身份证明。"),
        "the list ends with a full stop: {text}"
    );
    assert!(!flat.contains("口头协议登记表") && !flat.contains("如有"), "only what exists is attached: {text}");
    assert!(dated, "a blank date line on the last page: {text}");
    assert!(!text.contains("（（"), "no doubled brackets: {text}");
    let english =
        collapse(&pdf_tools::text(&document(&app, &token, case("choir"), "confirmation_application", "en").await));
    assert!(english.contains("day)") && english.contains("(month) 1961"), "which blank is which: {english}");

    // The hornet nest: an oral agreement among three parties, one a company.
    let (text, _) = read(document(&app, &token, case("hornet"), "confirmation_application", "zh-CN").await);
    let flat = collapse(&text);
    assert!(!text.contains("被申请人") && !text.contains("第三人"), "every party applies: {text}");
    assert!(flat.contains("申请人：敦华物业服务有限公司"), "{text}");
    // The company applies through the agent the register records, who
    // signs in that one capacity.
    let dense_text: String = text.split_whitespace().collect();
    let block = dense_text.split("申请人：敦华物业服务有限公司").nth(1).unwrap_or_default();
    let block = block.split("请求事项").next().unwrap_or_default();
    assert!(
        block.contains("法定代表人：") && block.contains("职务：") && block.contains("委托代理人：钱志刚"),
        "{text}"
    );
    assert!(dense_text.contains("委托代理人钱志刚（签名）："), "{text}");
    assert!(!text.contains("法定代表人/委托代理人"), "one capacity: {text}");
    assert!(flat.contains("统一社会信用代码"), "a company's identity document: {text}");
    assert!(flat.contains("人民调解口头协议登记表；"), "the oral agreement's register is attached: {text}");
    assert!(!flat.contains("人民调解协议书；"), "there is no written agreement to attach: {text}");
    assert!(flat.contains("各方当事人的身份证明"), "more than two parties: {text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_volume_files_what_an_inspector_expects_and_only_what_exists() {
    if !pdf_tools::available() {
        return;
    }
    let app = crate::helpers::spawn_app(Backend::Sqlite).await.expect("sqlite app");
    let (_, _, token) = demo(&app).await;
    let cases = demo_cases(&app, &token).await;
    let codes = crate::helpers::access_codes(&mut app.conn());
    assert!(!codes.is_empty(), "the demo's parties have access codes");
    for (name, case) in &cases {
        let path = format!("/api/v1/cases/{case}/documents/volume.pdf");
        let text = pdf_tools::text(&pdf(&app, &path, &token).await.0);
        let flat = collapse(&text);
        for placeholder in ["本案尚无", "尚无回访记录", "尚无"] {
            assert!(!text.contains(placeholder), "{name}: a page only saying a record is absent: {text}");
        }
        for (_, code) in &codes {
            assert!(!text.contains(code.as_str()), "{name}: an access code is filed");
        }
        for field in [
            "卷宗号",
            "调解起止日期",
            "结案日期",
            "立卷人",
            "立卷日期",
            "保管期限",
            "备注",
            "检查人",
            "检查日期",
            "在卷：",
            "缺少：",
            "本卷系统生成的文件材料",
        ] {
            assert!(flat.contains(field), "{name}: the volume has {field}: {text}");
        }
        assert!(!text.contains("本卷材料齐全"), "{name}: the system does not assert completeness");
        // The index's standard rows: identity documents (on paper) after the
        // rights notice, the notes and the back cover last, each with its page.
        let bytes = pdf(&app, &path, &token).await.0;
        let index = collapse(&pdf_tools::page_lines(&bytes, 2).join("\n"));
        let index = index.as_str();
        let at = |row: &str| index.find(row).unwrap_or_else(|| panic!("{name}: the index has {row}: {index}"));
        assert!(
            at("当事人权利义务告知书") < at("当事人身份证明") && at("当事人身份证明") < at("备考表"),
            "{name}: {index}"
        );
        assert!(index.contains("纸质件，附后"), "{name}: paper materials are marked as such: {index}");
        let pages = pdf_tools::pages(&bytes);
        assert!(
            index.contains(&format!("备考表 {}", pages - 1)) && index.contains(&format!("封底 {pages}")),
            "{name}: {index}"
        );
        let back = collapse(&pdf_tools::page_lines(&bytes, pages).join("\n"));
        assert!(back.contains("封底") && back.contains(&format!("共{pages}页")), "{name}: the back cover: {back}");
        assert!(back.contains(&format!("卷内第{pages}页")), "{name}: the back cover has its page number: {back}");
        assert_eq!(
            index.contains("履行凭证"),
            *name != "renovation",
            "{name}: proof of performance only with an agreement in force: {index}"
        );
        assert!(!text.contains("司法确认申请书"), "{name}: no unsigned confirmation application");
    }
    let renovation = cases.iter().find(|(n, _)| *n == "renovation").expect("terminated case").1;
    let text = pdf_tools::text(&pdf(&app, &format!("/api/v1/cases/{renovation}/documents/volume.pdf"), &token).await.0);
    let dense: String = text.split_whitespace().collect();
    for expected in [
        "人民调解终止记录",
        "被申请人明确拒绝调解",
        "第二十六条",
        "仲裁、行政、司法",
        "街道综合行政执法队",
        "结案日期",
        "2026年7月23日",
    ] {
        assert!(dense.contains(expected), "the terminated case's volume has {expected}: {text}");
    }
    assert!(dense.contains("缺少：人民调解记录"), "the missing session record is named: {text}");
    // Mediation ran from acceptance to the day it ended: the agreement's
    // taking effect for the choir, the termination for the renovation.
    assert!(dense.contains("调解起止日期2026年7月"), "the terminated case's mediation period ends: {text}");
    let choir = cases.iter().find(|(n, _)| *n == "choir").expect("choir case").1;
    let cover = pdf(&app, &format!("/api/v1/cases/{choir}/documents/volume.pdf"), &token).await.0;
    let cover: String = pdf_tools::page_lines(&cover, 1).concat().split_whitespace().collect();
    assert!(
        cover.contains("调解起止日期2026年5月15日至2026年5月26日"),
        "the choir's mediation ended in the agreement: {cover}"
    );
    assert!(!text.lines().any(|l| l.trim() == "人民调解记录"), "and neither indexed nor filed as a blank page: {text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn payments_print_their_amount_in_capital_numerals_and_name_payer_and_payee() {
    if !pdf_tools::available() {
        return;
    }
    let app = crate::helpers::spawn_app(Backend::Sqlite).await.expect("sqlite app");
    let (_, _, token) = demo(&app).await;
    let cases = demo_cases(&app, &token).await;
    let leak = cases.iter().find(|(n, _)| *n == "leak").expect("leak case").1;
    // The terms are worded in Chinese: what is added to them reads in
    // Chinese in the English rendering too. The second names neither
    // payer nor payee in its wording; they are added from the term.
    for kind in ["agreement", "confirmation_application"] {
        for lang in ["zh-CN", "en"] {
            let dense = dense(&document(&app, &token, leak, kind, lang).await);
            for words in [
                "1800元（大写：人民币壹仟捌佰元整）",
                "600元（大写：人民币陆佰元整）支付给702室（付款人：吴建华，收款人：郑丽娟）。",
            ] {
                assert!(dense.contains(words), "{kind} {lang} has {words}: {dense}");
            }
            assert!(!dense.contains("（付款人：郑丽娟"), "the first names its payer in its wording: {dense}");
        }
    }
}

both_backends! {
    async fn the_command_line_prints_no_qr_code_for_a_local_address_and_the_volume_files_the_archived_agreement(app) {
        let (case, memo, token) = demo(&app).await;
        let dir = tempfile::tempdir().expect("dir");
        let file = dir.path().join("memo.pdf");
        let path = file.to_str().expect("path");
        // Without a public address the command line refuses what carries a
        // verification QR code, rather than print one that points nowhere.
        for kind in ["agreement", "volume"] {
            let out = crate::helpers::hesheng_env(
                &app.database_url,
                &["render", kind, &case.to_string(), "-o", path],
                None,
                &[("HESHENG_DATA_KEY", Some(crate::helpers::DATA_KEY)), ("HESHENG_BASE_URL", None)],
            );
            assert_eq!(out.status.code(), Some(2), "{kind}: {}", String::from_utf8_lossy(&out.stdout));
            let message = String::from_utf8_lossy(&out.stderr);
            assert!(message.contains("http://127.0.0.1:8080/verify/") && message.contains("is not an address residents can open"), "{message}");
            assert!(!file.exists(), "nothing written");
        }
        assert!(hesheng::db::archive::find(&mut app.conn(), memo, "agreement", "zh-CN").expect("read").is_none());
        // The server's volume archives the agreement it files, under the
        // server's address, and files those very pages.
        let volume = document(&app, &token, case, "volume", "zh-CN").await;
        let (stored, archived) = hesheng::db::archive::find(&mut app.conn(), memo, "agreement", "zh-CN")
            .expect("read")
            .expect("archived by the volume");
        assert!(stored.erased_at.is_none());
        let (served, _) = pdf(&app, &format!("/api/v1/agreements/{memo}/pdf"), &token).await;
        assert_eq!(served, archived, "the agreement is served from the archive");
        if !pdf_tools::available() {
            return;
        }
        assert!(pdf_tools::pages(&volume) > pdf_tools::pages(&archived));
        let png = pdf_tools::png(&archived, 1, 200, &pdf_tools::artifacts(), "agreement-qr-archived");
        let codes = pdf_tools::qr_codes(&png);
        assert_eq!(codes.len(), 1);
        assert!(codes[0].starts_with(&format!("{}/verify/", app.address)), "{codes:?}");
        // Now archived, the command line prints it without an address: the
        // archive's copy, byte for byte.
        let out = crate::helpers::hesheng_env(
            &app.database_url,
            &["render", "agreement", &case.to_string(), "-o", path],
            None,
            &[("HESHENG_DATA_KEY", Some(crate::helpers::DATA_KEY)), ("HESHENG_BASE_URL", None)],
        );
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(std::fs::read(&file).expect("the PDF"), archived);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_are_read_back_before_signing_and_follow_ups_name_the_parties() {
    if !pdf_tools::available() {
        return;
    }
    let app = crate::helpers::spawn_app(Backend::Sqlite).await.expect("sqlite app");
    let (case, _, token) = demo(&app).await;
    let text = dense(&document(&app, &token, case, "session_record", "zh-CN").await);
    // Each record (the community meeting, then the session) is read back
    // before its signature lines.
    let mut rest = text.as_str();
    for (read_back, recorder) in [
        ("以上记录已向参会人员宣读，核对无误。", "记录人王建国（签名）"),
        ("以上记录已向当事人宣读（或经当事人阅看），当事人核对无误。", "记录人赵丽（签名）"),
    ] {
        let at = rest.find(read_back).unwrap_or_else(|| panic!("{read_back} in {text}"));
        let signs = rest[at..].find(recorder).expect("the recorder's line after it");
        rest = &rest[at + signs..];
    }
    let text = dense(&document(&app, &token, case, "follow_up", "zh-CN").await);
    for expected in ["当事人", "申请人：张秀兰", "被申请人：周桂芳", "回访时间"] {
        assert!(text.contains(expected), "the follow-up record has {expected}: {text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_name_who_chaired_recorded_and_measured_and_organisations_sign_through_a_person() {
    if !pdf_tools::available() {
        return;
    }
    let app = crate::helpers::spawn_app(Backend::Sqlite).await.expect("sqlite app");
    let (case, _, token) = demo(&app).await;
    let read = |kind: &'static str, case: i64| document(&app, &token, case, kind, "zh-CN");

    // The community meeting names its chair and its recorder, and each
    // signs on a line naming them; so do the session's mediator and
    // recorder.
    let text = dense(&read("session_record", case).await);
    let (meeting, session) = text.split_at(text.find("人民调解记录").unwrap_or(text.len()));
    for expected in ["社区议事会记录", "主持人刘淑珍记录人王建国", "主持人刘淑珍（签名）：", "记录人王建国（签名）："]
    {
        assert!(meeting.contains(expected), "the meeting record has {expected}: {meeting}");
    }
    for expected in ["人民调解员王建国（签名）：", "记录人赵丽（签名）："] {
        assert!(session.contains(expected), "the session record has {expected}: {session}");
    }
    let chair = app.get_json(&format!("/api/v1/cases/{case}"), &token).await;
    assert!(chair.to_string().contains("刘淑珍"), "the case's meeting shows its chair: {chair}");
    for expected in ["被调查人张秀兰（签名）：", "调查人王建国（签名）：", "调查人李梅（签名）："]
    {
        let text = dense(&read("investigation", case).await);
        assert!(text.contains(expected), "the investigation record has {expected}: {text}");
    }

    // The investigation names its recorder and date, and each measurement
    // the meter, its class, calibration, height, duration and L_max.
    let text = dense(&read("investigation", case).await);
    for expected in [
        "记录人李梅",
        "2026年5月14日",
        "仪器型号及编号",
        "AWA56882级声级计No.A2317",
        "2级",
        "测前校准",
        "93.8",
        "测后校准",
        "1.5米",
        "10分钟",
        "最大声级",
        "74.5",
        "69.2",
    ] {
        assert!(text.contains(expected), "the investigation record has {expected}: {text}");
    }

    // The application carries the form's standard declaration.
    let cases = demo_cases(&app, &token).await;
    let renovation = cases.iter().find(|(n, _)| *n == "renovation").expect("renovation").1;
    let text = dense(&read("application", renovation).await);
    assert!(
        text.contains("敦化南路社区人民调解委员会已将申请人民调解的相关规定告知我，现自愿申请人民调解委员会进行调解。"),
        "{text}"
    );

    // The oral agreement's register: the registrar signs, and its QR code
    // opens the agreement's verification page.
    let hornet = cases.iter().find(|(n, _)| *n == "hornet").expect("hornet").1;
    let bytes = read("oral_agreement", hornet).await;
    // Each line names whose it is; a name is not printed as a signature.
    let text = dense(&bytes);
    assert!(text.contains("人民调解员王建国（签名）：") && text.contains("登记人王建国（签名）："), "{text}");
    assert!(!text.contains("（签名）：王建国"), "{text}");
    for (kind, case, line) in
        [("acceptance", hornet, "登记人王建国（签名）："), ("follow_up", case, "回访人李梅（签名）：")]
    {
        let text = dense(&read(kind, case).await);
        assert!(
            text.contains(line) && !text.contains("（签名）：李梅") && !text.contains("（签名）：王建国"),
            "{kind}: {text}"
        );
    }
    let detail = app.get_json(&format!("/api/v1/cases/{hornet}"), &token).await;
    let agreement = detail["agreements"][0]["id"].as_i64().expect("agreement");
    let code = app.get_json(&format!("/api/v1/agreements/{agreement}"), &token).await["verification_code"]
        .as_str()
        .expect("code")
        .to_owned();
    let png = pdf_tools::png(&bytes, 1, 200, &pdf_tools::artifacts(), "oral-agreement-qr");
    assert_eq!(pdf_tools::qr_codes(&png), [format!("{}/verify/{code}", app.address)]);

    // A company seals, and signs through the person acting for it: a line
    // to write one in when none is recorded, the person's name when one is;
    // the agent's line says whose agent, and both lines carry the date.
    let text = dense(&read("rights_notice", hornet).await);
    assert!(
        text.contains(
            "第三人敦华物业服务有限公司（盖章）：2026年7月2日敦华物业服务有限公司委托代理人钱志刚（签名）：2026年7月2日"
        ),
        "{text}"
    );
    let created = app
        .post_ok(
            "/api/v1/cases",
            &token,
            &serde_json::json!({
                "title": "商铺外机噪声", "dispute_type": "neighbour", "source": "application",
                "parties": [
                    {"role": "applicant", "name": "邵敏", "phone": "13900139123"},
                    {"role": "respondent", "name": "福满楼餐饮有限公司", "kind": "organisation"},
                    {"role": "representative", "name": "钱国栋", "represents": "福满楼餐饮有限公司"}
                ]
            }),
            201,
        )
        .await;
    let shop = created["id"].as_i64().expect("case id");
    for kind in ["rights_notice", "application"] {
        let text = dense(&read(kind, shop).await);
        if kind == "rights_notice" {
            assert!(
                text.contains("被申请人福满楼餐饮有限公司（盖章）：")
                    && text.contains("福满楼餐饮有限公司委托代理人钱国栋（签名）："),
                "{kind}: {text}"
            );
            assert!(!text.contains("被申请人福满楼餐饮有限公司（签名、盖章或按指印）"), "{kind}: {text}");
        } else {
            assert!(text.contains("申请人邵敏（签名、盖章或按指印）："), "{kind}: {text}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recurring_obligations_run_from_the_day_the_agreement_took_effect() {
    if !pdf_tools::available() {
        return;
    }
    let app = crate::helpers::spawn_app(Backend::Sqlite).await.expect("sqlite app");
    let (case, _, token) = demo(&app).await;
    let dense = dense(&document(&app, &token, case, "agreement", "zh-CN").await);
    for expected in [
        "一、自2026年5月26日起，周桂芳每天的活动于19:00开始，21:00前结束。",
        "二、自2026年5月26日起，周桂芳活动时，在受影响住户窗外1米处",
        "三、活动时音箱朝向",
        "履行期限：第一、二项自2026年5月26日起持续履行；其余事项于2026年6月1日前履行完毕",
    ] {
        assert!(dense.contains(expected), "the memorandum has {expected}: {dense}");
    }
    let english = pdf_tools::text(&document(&app, &token, case, "agreement", "en").await);
    let flat = collapse(&english);
    assert!(flat.contains("1. 自2026年5月26日起，周桂芳每天"), "the term's words read in its own language: {english}");
    assert!(flat.contains("Deadline: terms 1, 2 from 26 May 2026, continuing; the other terms by 1"), "{english}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_volume_files_the_archived_agreement_itself_once_there_is_one() {
    if !pdf_tools::available() {
        return;
    }
    let app = crate::helpers::spawn_app(Backend::Sqlite).await.expect("sqlite app");
    let (case, memo, token) = demo(&app).await;
    let volume_path = format!("/api/v1/cases/{case}/documents/volume.pdf");
    // The first volume archives the agreement in force and files those very
    // pages, their content streams byte for byte; so does every later one.
    let first = pdf(&app, &volume_path, &token).await.0;
    let (archived, _) = pdf(&app, &format!("/api/v1/agreements/{memo}/pdf"), &token).await;
    let volume = pdf(&app, &volume_path, &token).await.0;
    assert_eq!(volume, first, "the same volume, byte for byte");
    let doc = lopdf::Document::load_mem(&archived).expect("archived PDF");
    for (n, id) in doc.get_pages() {
        let contents = doc.get_dictionary(id).expect("page").get(b"Contents").expect("contents");
        let stream =
            doc.get_object(contents.as_reference().expect("ref")).expect("stream").as_stream().expect("stream");
        let raw = &stream.content;
        assert!(
            volume.windows(raw.len()).any(|w| w == raw.as_slice()),
            "archived page {n} is filed as archived ({} bytes)",
            raw.len()
        );
    }
    let index = collapse(&pdf_tools::page_lines(&volume, 2).join("\n"));
    let start: usize = index
        .split("人民调解协议书 ")
        .nth(1)
        .and_then(|rest| rest.split('–').next())
        .and_then(|p| p.trim().parse().ok())
        .unwrap_or_else(|| panic!("the agreement's pages in the index: {index}"));
    let filed = collapse(&pdf_tools::page_text(&volume, start));
    let stamp = format!("卷内第{start}页");
    assert!(filed.starts_with(&stamp), "the archived page is numbered in the volume: {filed}");
    assert_eq!(
        filed[stamp.len()..].trim(),
        collapse(&pdf_tools::page_text(&archived, 1)),
        "page {start} of the volume is the archived first page"
    );
    let png = pdf_tools::png(&volume, start, 200, &pdf_tools::artifacts(), "volume-archived-agreement");
    let code = app.get_json(&format!("/api/v1/agreements/{memo}"), &token).await["verification_code"]
        .as_str()
        .expect("code")
        .to_owned();
    assert_eq!(pdf_tools::qr_codes(&png), [format!("{}/verify/{code}", app.address)], "with the archive's QR code");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_meeting_entered_on_its_page_keeps_its_chair_who_signs_its_record() {
    if !pdf_tools::available() {
        return;
    }
    let app = crate::helpers::spawn_app(Backend::Sqlite).await.expect("sqlite app");
    let (_, _, token) = demo(&app).await;
    let leak = demo_cases(&app, &token).await.into_iter().find(|(n, _)| *n == "leak").expect("leak").1;
    app.login("wang.mediator", DEMO_PASSWORD).await;
    let form = app.get(&format!("/cases/{leak}/meetings/new")).await.text().await.expect("form");
    assert!(form.contains("name=\"chair\"") && form.contains("主持人"), "the meeting form asks for the chair: {form}");
    let saved = app
        .post_form(
            &format!("/cases/{leak}/meetings"),
            &[
                ("held_at", "2026-06-02T19:00"),
                ("place", "敦化南路社区居委会会议室"),
                ("chair", "陈玥"),
                ("attendees", "楼上楼下住户、物业"),
                ("explanations", "讲解《民法典》第二百八十八条相邻关系"),
                ("votes.for", "9"),
                ("votes.against", "0"),
                ("votes.abstain", "1"),
            ],
        )
        .await;
    assert!(saved.status().is_redirection() || saved.status().is_success(), "{}", saved.status());
    let case = app.get_json(&format!("/api/v1/cases/{leak}"), &token).await;
    assert_eq!(case["meetings"][0]["chair"], "陈玥", "{case}");
    let long = app
        .api_post(
            &format!("/api/v1/cases/{leak}/meetings"),
            &token,
            &serde_json::json!({
                "held_at": "2026-06-02T19:00:00+08:00", "place": "居委会", "attendees": "住户",
                "explanations": "相邻关系", "chair": "陈".repeat(101)
            }),
        )
        .await;
    assert_eq!(long.status(), 422, "a chair's name is at most 100 characters");
    let dense = dense(&document(&app, &token, leak, "session_record", "zh-CN").await);
    for expected in ["社区议事会记录", "主持人陈玥", "主持人陈玥（签名）："] {
        assert!(dense.contains(expected), "the meeting record has {expected}: {dense}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_cases_print_what_a_court_needs_and_nothing_that_does_not_exist() {
    if !pdf_tools::available() {
        return;
    }
    let app = crate::helpers::spawn_app(Backend::Sqlite).await.expect("sqlite app");
    let (_, _, token) = demo(&app).await;
    let cases = demo_cases(&app, &token).await;
    let case = |name: &str| cases.iter().find(|(n, _)| *n == name).expect("case").1;
    let read = |kind: &'static str, case: i64, lang: &'static str| document(&app, &token, case, kind, lang);

    // The hornet nest was taken up on the committee's own initiative: it
    // has no application, printed or filed.
    let hornet = case("hornet");
    let response = app.api_get(&format!("/api/v1/cases/{hornet}/documents/application.pdf"), &token).await;
    assert_eq!(response.status(), 404, "no application for a case taken up on the committee's initiative");
    let volume = dense(&read("volume", hornet, "zh-CN").await);
    assert!(!volume.contains("人民调解申请书"), "nor one indexed in its volume: {volume}");

    // Its three parties: 各方, never 双方; the company signs through its
    // named representative; an occupation not recorded is left blank.
    let notice = dense(&read("rights_notice", hornet, "zh-CN").await);
    assert!(notice.contains("各方当事人认为有必要的") && !notice.contains("双方"), "{notice}");
    let notice_en = pdf_tools::text(&read("rights_notice", hornet, "en").await);
    assert!(collapse(&notice_en).contains("Where all parties consider it necessary"), "{notice_en}");
    assert!(notice.contains("委托代理人钱志刚（签名）：") && !notice.contains("法定代表人/委托代理人"), "{notice}");
    let acceptance = dense(&read("acceptance", hornet, "zh-CN").await);
    assert!(acceptance.contains("冯立新") && acceptance.contains("职业：________"), "{acceptance}");

    // Its oral agreement: every share names payer, payee, amount in
    // capitals and date; the English application calls it what it is.
    let oral = dense(&read("oral_agreement", hornet, "zh-CN").await);
    for payer in ["高永红", "冯立新"] {
        let share = format!("{payer}于2026年7月10日前向敦华物业服务有限公司支付清除费用100元（大写：人民币壹佰元整）");
        assert!(oral.contains(&share), "{share}: {oral}");
    }
    let application = collapse(&pdf_tools::text(&read("confirmation_application", hornet, "en").await));
    assert!(application.contains("reached an oral agreement") && application.contains("the oral agreement is valid"));
    assert!(application.contains("Content hash of the registered oral agreement"), "{application}");

    // The roof leak: fixed sums only, each with payer, payee, capitals and
    // date; the recorder signs.
    let leak = case("leak");
    let agreement = dense(&read("agreement", leak, "zh-CN").await);
    assert!(!agreement.contains("以实际发生为准"), "no open amount in a signed agreement: {agreement}");
    for words in [
        "郑丽娟于2026年6月30日前向承接维修的北京安固防水工程有限公司支付露台防水维修材料费1800元（大写：人民币壹仟捌佰元整）",
        "郑丽娟于2026年7月15日前向吴建华支付601室天花板、墙面修复费用800元（大写：人民币捌佰元整）",
        "记录人赵丽（签名）：（已在纸质文本上签名）",
    ] {
        assert!(agreement.contains(words), "{words}: {agreement}");
    }
    let acceptance_en = collapse(&pdf_tools::text(&read("acceptance", leak, "en").await));
    assert!(acceptance_en.contains("Households that complained: 1"), "{acceptance_en}");

    // The confirmation application asks for the date of birth: the year
    // recorded, month and day to be written in.
    let confirmation = dense(&read("confirmation_application", case("choir"), "zh-CN").await);
    assert!(confirmation.contains("出生日期：1961年____月____日"), "{confirmation}");
    assert!(!confirmation.contains("出生年份"), "{confirmation}");

    // The investigation's two tables each have a caption, and the English
    // position column is wide enough to read in a few lines.
    let bytes = read("investigation", case("choir"), "zh-CN").await;
    let text = dense(&bytes);
    assert!(text.contains("（一）测量结果") && text.contains("（二）测量仪器与条件"), "{text}");
    let words = pdf_tools::words(&read("investigation", case("choir"), "en").await);
    let at = |w: &str| words.iter().find(|x| x.text == w).unwrap_or_else(|| panic!("{w}"));
    let (outside, home) = (at("outside"), at("home"));
    assert_eq!(outside.page, home.page);
    assert!(home.bbox[1] - outside.bbox[1] < 30.0, "the position in three lines at most: {outside:?} {home:?}");
}

both_backends! {
    async fn a_draft_agreement_is_not_filed_in_the_volume_as_the_agreement(app) {
        let token = app.user_token("wang.mediator", hesheng::domain::account::Role::Mediator).await;
        let case = crate::records::mediating_case(&app, &token).await;
        let id = case["id"].as_i64().expect("id");
        app.post_ok(&format!("/api/v1/cases/{id}/agreements"), &token, &crate::records::memorandum(), 201).await;
        if !pdf_tools::available() {
            return;
        }
        for (lang, filed, missing, draft) in [
            ("zh-CN", "人民调解协议书", "人民调解协议书（未生效）", "待签署"),
            ("en", "People's Mediation Agreement", "People's Mediation Agreement (not yet in force)", "awaiting signatures"),
        ] {
            let text = collapse(&pdf_tools::text(&document(&app, &token, id, "volume", lang).await));
            let missing_at = text.find(missing).unwrap_or_else(|| panic!("{lang}: missing lists {missing}: {text}"));
            assert_eq!(text.matches(filed).count(), 1, "{lang}: named once, as missing: {text}");
            assert!(text[..missing_at].contains(if lang == "en" { "Missing" } else { "缺少" }), "{text}");
            assert!(!text.contains(draft), "{lang}: no draft page filed: {text}");
        }
    }
}

both_backends! {
    async fn a_record_the_case_does_not_have_is_refused_not_printed_as_a_placeholder(app) {
        let (_, _, token) = demo(&app).await;
        let cases = demo_cases(&app, &token).await;
        let case = |name: &str| cases.iter().find(|(n, _)| *n == name).expect("case").1;
        for (name, kind) in [
            ("leak", "investigation"),
            ("leak", "session_record"),
            ("hornet", "follow_up"),
            ("renovation", "investigation"),
            ("renovation", "session_record"),
        ] {
            for lang in ["zh-CN", "en"] {
                let path = format!("/api/v1/cases/{}/documents/{kind}.pdf?lang={lang}", case(name));
                assert_eq!(app.api_get(&path, &token).await.status(), 404, "{name} {kind} {lang}");
            }
        }
        let dir = tempfile::tempdir().expect("dir");
        let file = dir.path().join("none.pdf");
        let leak = case("leak").to_string();
        let out = crate::helpers::hesheng(
            &app.database_url,
            &["render", "investigation", &leak, "-o", file.to_str().expect("path")],
            None,
        );
        assert_eq!(out.status.code(), Some(1));
        let message = String::from_utf8_lossy(&out.stderr);
        assert!(message.contains(&format!("case {leak} has no investigation")), "{message}");
        assert!(!file.exists());
        // What the case has is still printed.
        let path = format!("/api/v1/cases/{}/documents/session_record.pdf", case("choir"));
        assert_eq!(app.api_get(&path, &token).await.status(), 200);
    }
}

both_backends! {
    async fn a_third_party_who_represents_another_is_its_representative_and_an_applicant_represents_no_one(app) {
        let token = app.user_token("wang.mediator", hesheng::domain::account::Role::Mediator).await;
        let parties = |role: &str| {
            serde_json::json!({
                "title": "商铺排风机噪声", "dispute_type": "neighbour", "source": "application",
                "parties": [
                    {"role": "applicant", "name": "欧阳秀英"},
                    {"role": "respondent", "name": "敦华物业服务有限公司", "kind": "organisation"},
                    {"role": role, "name": "钱志刚", "represents": "敦华物业服务有限公司"}
                ]
            })
        };
        let created = app.post_ok("/api/v1/cases", &token, &parties("third_party"), 201).await;
        let agent = created["parties"]
            .as_array()
            .expect("parties")
            .iter()
            .find(|p| p["name"] == "钱志刚")
            .unwrap_or_else(|| panic!("the agent: {created}"))
            .clone();
        assert_eq!(agent["role"], "representative", "{created}");
        for (lang, message) in [("zh-CN", "申请人、被申请人不代理他人"), ("en", "An applicant or a respondent represents no one")] {
            let response = app
                .client
                .post(app.url("/api/v1/cases"))
                .bearer_auth(&token)
                .header("Accept-Language", lang)
                .json(&parties("applicant"))
                .send()
                .await
                .expect("send");
            assert_eq!(response.status(), 422);
            let body: serde_json::Value = response.json().await.expect("problem");
            assert!(body.to_string().contains(message), "{lang}: {body}");
            assert!(body["errors"].to_string().contains("represents"), "{body}");
        }
    }
}

both_backends! {
    async fn a_failed_session_says_no_agreement_was_reached_and_leaves_the_ending_to_the_termination_record(app) {
        let token = app.user_token("wang.mediator", hesheng::domain::account::Role::Mediator).await;
        let case = crate::records::mediating_case(&app, &token).await;
        let id = case["id"].as_i64().expect("id");
        app.post_ok(
            &format!("/api/v1/cases/{id}/sessions"),
            &token,
            &serde_json::json!({
                "held_at": "2026-10-10T19:00:00+08:00", "place": "调解室", "outcome": "failed",
                "failure_reason": "被申请人不接受调解方案",
                "statements": [{"speaker": "张秀兰", "text": "希望九点后安静"}]
            }),
            201,
        )
        .await;
        if !pdf_tools::available() {
            return;
        }
        let text = dense(&document(&app, &token, id, "session_record", "zh-CN").await);
        assert!(text.contains("调解结果：本次调解未达成协议，调解不成。"), "{text}");
        assert!(!text.contains("已终止调解"), "the case was not terminated at this session: {text}");
        let english = collapse(&pdf_tools::text(&document(&app, &token, id, "session_record", "en").await));
        assert!(english.contains("No agreement was reached at this session") && !english.contains("was ended"), "{english}");
    }
}

both_backends! {
    async fn a_company_signs_through_its_agent_whose_signature_is_recorded_and_printed(app) {
        let token = app.user_token("wang.mediator", hesheng::domain::account::Role::Mediator).await;
        let created = app
            .post_ok(
                "/api/v1/cases",
                &token,
                &serde_json::json!({
                    "title": "商铺排风机噪声", "dispute_type": "neighbour", "source": "application",
                    "parties": [
                        {"role": "applicant", "name": "欧阳秀英", "phone": "13900139001"},
                        {"role": "respondent", "name": "敦华物业服务有限公司", "kind": "organisation"},
                        {"role": "representative", "name": "钱志刚", "occupation": "项目经理", "represents": "敦华物业服务有限公司"}
                    ]
                }),
                201,
            )
            .await;
        let id = created["id"].as_i64().expect("id");
        for to in ["investigating", "mediating"] {
            let moved = app.api_post(&format!("/api/v1/cases/{id}/transitions"), &token, &serde_json::json!({"to": to})).await;
            assert_eq!(moved.status(), 200);
        }
        let agreement = app.post_ok(&format!("/api/v1/cases/{id}/agreements"), &token, &crate::records::memorandum(), 201).await;
        let agreement = agreement["id"].as_i64().expect("agreement");
        let path = format!("/api/v1/agreements/{agreement}/signatures");
        let party = |name: &str| {
            created["parties"].as_array().expect("parties").iter().find(|p| p["name"] == name).expect("party")["id"].clone()
        };
        for (who, method) in [("欧阳秀英", "paper"), ("敦华物业服务有限公司", "seal"), ("钱志刚", "paper")] {
            let body = serde_json::json!({"role": "party", "party_id": party(who), "method": method});
            app.post_ok(&path, &token, &body, 201).await;
        }
        let again = app.api_post(&path, &token, &serde_json::json!({"role": "party", "party_id": party("钱志刚"), "method": "paper"})).await;
        assert_eq!(again.status(), 409, "once");
        app.post_ok(&path, &token, &serde_json::json!({"role": "mediator", "method": "paper"}), 201).await;
        let done = app.post_ok(&path, &token, &serde_json::json!({"role": "committee_seal", "method": "seal"}), 201).await;
        assert_eq!(done["agreement"]["status"], "effective", "the agent's signature is not one more required: {done}");
        if !pdf_tools::available() {
            return;
        }
        let (bytes, _) = pdf(&app, &format!("/api/v1/agreements/{agreement}/pdf"), &token).await;
        let text = dense(&bytes);
        assert!(text.contains("委托代理人钱志刚（签名）：（已在纸质文本上签名）"), "{text}");
        assert!(!text.contains("法定代表人/委托代理人"), "{text}");
    }
}
