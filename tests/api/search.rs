//! Searching cases as Chinese users search: one and two characters, names,
//! traditional and full-width forms — within what each role may see.

use hesheng::domain::account::Role;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{TestApp, url_encode};
use crate::records::complaint;

fn ids(page: &Value) -> Vec<i64> {
    page["items"].as_array().expect("items").iter().map(|c| c["id"].as_i64().expect("id")).collect()
}

async fn search(app: &TestApp, token: &str, q: &str) -> Value {
    app.get_json(&format!("/api/v1/cases?limit=100&q={}", url_encode(q)), token).await
}

async fn found(app: &TestApp, token: &str, q: &str) -> Vec<i64> {
    ids(&search(app, token, q).await)
}

/// The complaints a search finds, with more of the list's filters.
async fn complaints_found(app: &TestApp, token: &str, q: &str, filters: &str) -> Vec<i64> {
    ids(&app.get_json(&format!("/api/v1/complaints?limit=100&q={}{filters}", url_encode(q)), token).await)
}

/// A case with a title, place and parties; returns its id.
async fn case(app: &TestApp, token: &str, title: &str, place: &str, parties: &[&str], complaints: &[i64]) -> i64 {
    let roles = ["applicant", "respondent", "third_party"];
    let parties: Vec<Value> =
        parties.iter().zip(roles).map(|(name, role)| json!({"role": role, "name": name})).collect();
    let body = json!({
        "title": title, "dispute_type": "neighbour", "source": "application", "location": place,
        "registered_at": "2026-05-15T09:30:00+08:00", "parties": parties, "complaint_ids": complaints,
    });
    app.post_ok("/api/v1/cases", token, &body, 201).await["id"].as_i64().expect("id")
}

/// A complaint; anonymous ones give no name.
async fn complaint_by(app: &TestApp, token: &str, reporter: Option<&str>) -> i64 {
    let mut body = complaint("安定路9号院", "2026-05-06T21:35:00+08:00", reporter.unwrap_or("x"));
    if reporter.is_none() {
        body["anonymous"] = json!(true);
        body.as_object_mut().expect("object").remove("reporter");
    }
    app.post_ok("/api/v1/complaints", token, &body, 201).await["id"].as_i64().expect("id")
}

both_backends! {
    async fn one_and_two_characters_find_titles_places_and_party_names(app) {
        let token = app.user_token("wang.mediator", Role::Mediator).await;
        let choir = case(&app, &token, "楼下合唱队音箱扰民", "和平里南街18号院", &["周桂芳", "陈建国"], &[]).await;
        let drill = case(&app, &token, "装修电钻噪音", "敦化南路64号院", &["王芳", "李娜"], &[]).await;
        let dog = case(&app, &token, "邻居家狗夜里叫", "安定路3号楼", &["王秀兰", "赵强"], &[]).await;

        assert_eq!(found(&app, &token, "南街").await, [choir], "two characters of a place");
        assert_eq!(found(&app, &token, "合唱").await, [choir], "two characters of a title");
        assert_eq!(found(&app, &token, "王芳").await, [drill], "a party's name, not 王秀兰's");
        assert_eq!(found(&app, &token, "桂芳").await, [choir]);
        assert_eq!(found(&app, &token, "王").await, [dog, drill], "one character, newest first");
        assert_eq!(found(&app, &token, "狗").await, [dog]);
        assert_eq!(found(&app, &token, "南").await, [drill, choir], "one character of two places");
        assert!(found(&app, &token, "王娜").await.is_empty(), "two names' characters are no name");
        assert!(found(&app, &token, "芳陈").await.is_empty(), "no pair across two names");
        assert!(found(&app, &token, "唱扰").await.is_empty(), "a pair the text does not hold");
        assert!(found(&app, &token, "瑶").await.is_empty());
        // Traditional and full-width forms find the simplified text.
        assert_eq!(found(&app, &token, "陳建國").await, [choir]);
        assert_eq!(found(&app, &token, "６４號院").await, [drill]);
        assert_eq!(found(&app, &token, "合 唱").await, Vec::<i64>::new(), "a space is part of the text");

        // Each found case says where, to be highlighted.
        let page = search(&app, &token, "王芳").await;
        assert_eq!(page["items"][0]["matched"], json!({"field": "party", "before": "", "text": "王芳", "after": ""}));
        let page = search(&app, &token, "６４號").await;
        assert_eq!(page["items"][0]["matched"], json!({"field": "location", "before": "敦化南路", "text": "64号", "after": "院"}));
        let page = search(&app, &token, "合唱").await;
        assert_eq!(page["items"][0]["matched"]["field"], "title");
        assert!(app.get_json("/api/v1/cases", &token).await["items"][0].get("matched").is_none(), "no search, no match");

        // The page marks it.
        let cookie_user = "page.mediator";
        app.create_user(cookie_user, Role::Mediator, 1);
        assert_eq!(app.login(cookie_user, crate::helpers::PASSWORD).await.status(), 303);
        let html = app.get(&format!("/cases?q={}", url_encode("王芳"))).await.text().await.expect("page");
        assert!(html.contains("当事人：<mark>王芳</mark>"), "{html}");
        let html = app.get(&format!("/cases?q={}", url_encode("南街"))).await.text().await.expect("page");
        assert!(html.contains("和平里<mark>南街</mark>18号院"), "{html}");
    }

    async fn complainants_are_found_by_name_only_by_roles_that_see_them_and_never_when_anonymous(app) {
        let grid = app.user_token("li.grid", Role::GridWorker).await;
        let mediator = app.user_token("wang.mediator", Role::Mediator).await;
        let staff = app.user_token("sun.staff", Role::Staff).await;
        let named = complaint_by(&app, &grid, Some("孟凡宇")).await;
        let hidden = complaint_by(&app, &grid, None).await;
        // The anonymous complainant's name is stored nowhere a search reads;
        // a party of the same name shows that names of parties are found.
        let id = case(&app, &mediator, "广场舞音响", "安定路9号院", &["钱多多"], &[named, hidden]).await;
        for token in [&grid, &mediator] {
            assert_eq!(found(&app, token, "凡宇").await, [id], "a named complainant");
        }
        assert!(found(&app, &staff, "凡宇").await.is_empty(), "staff do not search complainants");
        assert_eq!(found(&app, &staff, "多多").await, [id], "staff search parties");
        let page = search(&app, &mediator, "孟凡宇").await;
        assert_eq!(page["items"][0]["matched"]["field"], "complainant");

        // A complaint given anonymously, whose reporter is a party elsewhere:
        // the name finds that case, never this one.
        let body = json!({
            "received_at": "2026-05-06T21:35:00+08:00", "channel": "phone", "category": "noise",
            "location": "安定路9号院", "description": "夜里吵", "anonymous": true,
            "reporter": {"name": "柏秋实", "phone": "13800138009"}
        });
        let anonymous = app.post_ok("/api/v1/complaints", &grid, &body, 201).await["id"].as_i64().expect("id");
        let quiet = case(&app, &mediator, "跳绳声", "安定路10号院", &["吴一"], &[anonymous]).await;
        for token in [&grid, &mediator, &staff] {
            let found = found(&app, token, "秋实").await;
            assert!(!found.contains(&quiet), "an anonymous complainant's name finds nothing: {found:?}");
        }

        // Detached, a complaint's name no longer finds the case.
        let r = app
            .client
            .delete(app.url(&format!("/api/v1/cases/{id}/complaints/{named}")))
            .bearer_auth(&mediator)
            .send()
            .await
            .expect("DELETE");
        assert_eq!(r.status(), 204);
        assert!(found(&app, &mediator, "凡宇").await.is_empty());
        let r = app.api_post(&format!("/api/v1/cases/{quiet}/complaints"), &mediator, &json!({"complaint_id": named})).await;
        assert!(r.status().is_success(), "{}", r.status());
        assert_eq!(found(&app, &mediator, "凡宇").await, [quiet], "attached elsewhere, found there");
    }

    async fn another_committees_matching_case_never_appears(app) {
        let token = app.user_token("wang.mediator", Role::Mediator).await;
        let own = case(&app, &token, "合唱队扰民", "南街1号", &["王芳"], &[]).await;
        let other = hesheng::db::committees::create(
            &mut app.conn(),
            &hesheng::domain::audit::Actor::cli(),
            &hesheng::domain::committee::CommitteeSettings::default_committee(),
        )
        .expect("committee");
        app.create_user("other.mediator", Role::Mediator, other);
        let other_token = app.token("other.mediator").await;
        let theirs = case(&app, &other_token, "合唱队扰民", "南街1号", &["王芳"], &[]).await;
        for q in ["合", "合唱", "南街", "王芳", "芳", "合唱队扰民"] {
            assert_eq!(found(&app, &token, q).await, [own], "{q}");
            assert_eq!(found(&app, &other_token, q).await, [theirs], "{q}");
        }
    }

    async fn a_search_with_every_filter_pages_newest_first(app) {
        let token = app.user_token("wang.mediator", Role::Mediator).await;
        let mut made = Vec::new();
        for i in 0..12 {
            made.push(case(&app, &token, &format!("合唱队{i}次"), "南街", &["王芳"], &[]).await);
        }
        case(&app, &token, "装修", "北街", &["李四"], &[]).await;
        // Some of them red, some moved to investigating.
        for (i, id) in made.iter().enumerate() {
            if i % 3 == 0 {
                let r = app.api_patch(&format!("/api/v1/cases/{id}"), &token, &json!({"risk_level": "red"})).await;
                assert_eq!(r.status(), 200);
            }
            if i % 2 == 0 {
                let r = app.api_post(&format!("/api/v1/cases/{id}/transitions"), &token, &json!({"to": "investigating"})).await;
                assert_eq!(r.status(), 200);
            }
        }
        let expected: Vec<i64> = made.iter().enumerate().rev().filter(|(i, _)| i % 6 == 0).map(|(_, id)| *id).collect();
        assert_eq!(expected.len(), 2);
        for q in ["唱", "王芳", "南街"] {
            let mut seen = Vec::new();
            let mut path = format!("/api/v1/cases?limit=1&status=investigating&risk_level=red&mediator=me&q={}", url_encode(q));
            loop {
                let page = app.get_json(&path, &token).await;
                seen.extend(ids(&page));
                match page["next_cursor"].as_str() {
                    Some(cursor) => path = format!("/api/v1/cases?limit=1&status=investigating&risk_level=red&mediator=me&q={}&cursor={cursor}", url_encode(q)),
                    None => break,
                }
            }
            assert_eq!(seen, expected, "{q}");
        }
        // A whole number finds its case only; the start of one, every case
        // whose number starts so.
        let numbered = |n: usize| made[n - 1];
        assert_eq!(found(&app, &token, "调字第1号").await, [numbered(1)]);
        assert_eq!(found(&app, &token, "第12号").await, [numbered(12)]);
        let mut starting = vec![numbered(1), numbered(10), numbered(11), numbered(12)];
        let last: i64 = ids(&app.get_json("/api/v1/cases?limit=1", &token).await)[0];
        starting.push(last);
        starting.sort_unstable_by(|a, b| b.cmp(a));
        assert_eq!(found(&app, &token, "第1").await, starting, "第1 starts 第1, 第10 … 第13");
        // Another mediator's "mine" holds none of them.
        let other = app.user_token("zhao.mediator", Role::Mediator).await;
        assert!(ids(&app.get_json(&format!("/api/v1/cases?mediator=me&q={}", url_encode("王芳")), &other).await).is_empty());
    }

    async fn the_index_follows_edits_and_a_migration_rebuilds_it(app) {
        let token = app.user_token("wang.mediator", Role::Mediator).await;
        let id = case(&app, &token, "合唱队扰民", "南街1号", &["王芳"], &[]).await;
        let r = app.api_patch(&format!("/api/v1/cases/{id}"), &token, &json!({"title": "广场舞扰民"})).await;
        assert_eq!(r.status(), 200);
        assert!(found(&app, &token, "合唱").await.is_empty(), "the old title is gone");
        assert_eq!(found(&app, &token, "广场").await, [id]);
        let r = app.api_post(&format!("/api/v1/cases/{id}/parties"), &token, &json!({"role": "third_party", "name": "欧阳娜娜"})).await;
        assert_eq!(r.status(), 201);
        assert_eq!(found(&app, &token, "欧阳").await, [id], "a party added");

        // Reverted and applied again, the migration leaves the index to be
        // built; the server builds it when it starts.
        {
            let mut conn = app.conn();
            let reverted = hesheng::db::revert_migrations_through(&mut conn, "000018").expect("revert");
            assert!(reverted >= 1);
            hesheng::db::run_migrations(&mut conn).expect("migrate");
        }
        assert!(found(&app, &token, "广场").await.is_empty(), "not built yet");
        let again = crate::helpers::second_instance(&app);
        let token = again.token("wang.mediator").await;
        for q in ["广场", "王芳", "欧阳娜娜", "南", "1号"] {
            assert_eq!(found(&again, &token, q).await, [id], "{q}");
        }
        assert!(found(&again, &token, "合唱").await.is_empty());
    }

    async fn a_search_whose_every_key_is_common_reads_the_holders_of_two(app) {
        // 120 cases and complaints each hold 南街 and 合唱, 120 others 南街 and
        // 装修: every key of 南街合唱 is held by 100 or more, so the search
        // reads the cases and complaints holding both of its two rarest.
        let token = app.user_token("wang.mediator", Role::Mediator).await;
        let mut singing = Vec::new();
        let mut singing_complaints = Vec::new();
        for n in 0..240 {
            let what = if n % 2 == 0 { "合唱" } else { "装修" };
            let id = case(&app, &token, &format!("南街{what}{n}"), "东城", &["甲"], &[]).await;
            let mut body = complaint(&format!("南街{n}号"), "2026-05-06T21:35:00+08:00", "甲");
            body["description"] = json!(format!("南街{what}声"));
            let complaint = app.post_ok("/api/v1/complaints", &token, &body, 201).await["id"].as_i64().expect("id");
            if n % 2 == 0 {
                singing.push(id);
                singing_complaints.push(complaint);
            }
        }
        singing.reverse();
        singing_complaints.reverse();
        let mut seen = Vec::new();
        let mut cursor = String::new();
        loop {
            let page = app
                .get_json(&format!("/api/v1/cases?limit=50&q={}{cursor}", url_encode("南街合唱")), &token)
                .await;
            seen.extend(ids(&page));
            match page["next_cursor"].as_str() {
                Some(next) => cursor = format!("&cursor={next}"),
                None => break,
            }
        }
        assert_eq!(seen, singing);
        assert_eq!(complaints_found(&app, &token, "南街合唱声", "").await, singing_complaints[..100]);
        let page = app.get_json(&format!("/api/v1/complaints?limit=3&q={}", url_encode("街装修")), &token).await;
        assert_eq!(ids(&page).len(), 3);
    }

    async fn a_common_complaint_text_and_a_rare_one_page_newest_first_without_a_gap(app) {
        // Oldest ten and newest two say 敲墙; the 288 between say 装修电钻.
        // A search of a common text walks the newest complaints; a rare
        // one, seen twice among them, goes on in the index below what was
        // walked — every match once, in order, across pages.
        let token = app.user_token("li.grid", Role::GridWorker).await;
        let mut knocking = Vec::new();
        let mut drilling = Vec::new();
        for n in 0..300 {
            let text = if !(10..298).contains(&n) { "楼上敲墙声" } else { "装修电钻声" };
            let mut body = complaint(&format!("北苑{n}号楼"), "2026-05-06T21:35:00+08:00", "甲");
            body["description"] = json!(text);
            let id = app.post_ok("/api/v1/complaints", &token, &body, 201).await["id"].as_i64().expect("id");
            if text.contains("敲墙") { knocking.push(id) } else { drilling.push(id) }
        }
        knocking.reverse();
        drilling.reverse();
        assert_eq!(complaints_found(&app, &token, "敲墙", "").await, knocking);
        assert_eq!(complaints_found(&app, &token, "电钻", "").await, drilling[..100]);
        assert_eq!(complaints_found(&app, &token, "电钻", "&unassigned=true").await, drilling[..100]);
        for limit in [1, 3, 5] {
            let mut seen = Vec::new();
            let mut cursor = String::new();
            loop {
                let q = url_encode("敲墙");
                let page = app.get_json(&format!("/api/v1/complaints?limit={limit}&q={q}{cursor}"), &token).await;
                seen.extend(ids(&page));
                match page["next_cursor"].as_str() {
                    Some(next) => cursor = format!("&cursor={next}"),
                    None => break,
                }
            }
            assert_eq!(seen, knocking, "pages of {limit}");
        }
        let q = url_encode("电钻");
        let cursor_at = drilling[149];
        let page = app.get_json(&format!("/api/v1/complaints?limit=200&q={q}&unassigned=true"), &token).await;
        assert_eq!(ids(&page), drilling[..200]);
        let after: Vec<i64> = drilling.iter().copied().filter(|&id| id < cursor_at).collect();
        let below = hesheng::db::complaints::list(
            &mut app.conn(),
            1,
            &hesheng::db::complaints::ComplaintFilter {
                q: Some("电钻".into()),
                before_id: Some(cursor_at),
                limit: 200,
                ..Default::default()
            },
        )
        .expect("listed");
        assert_eq!(below.iter().map(|c| c.id).collect::<Vec<_>>(), after);
    }

    async fn complaints_are_found_by_one_or_two_characters_in_any_form(app) {
        let token = app.user_token("li.grid", Role::GridWorker).await;
        let mut posted = Vec::new();
        for (place, text) in [
            ("南街1号院", "楼下合唱队用音箱唱到十点多"),
            ("北苑3号楼", "廣場舞音樂太吵"),
            ("东区ＡＢＣ大厦", "装修电钻声"),
        ] {
            let mut body = complaint(place, "2026-05-06T21:35:00+08:00", "甲");
            body["description"] = json!(text);
            posted.push(app.post_ok("/api/v1/complaints", &token, &body, 201).await["id"].as_i64().expect("id"));
        }
        let [a, b, c] = posted[..] else { unreachable!() };
        for (q, expected) in [
            ("合唱", vec![a]),
            ("南", vec![a]),
            ("1号", vec![a]),
            ("唱到十点", vec![a]),
            ("楼下合唱队用音箱唱到", vec![a]),
            ("楼下合唱队用音响", vec![]),
            ("广场", vec![b]),
            ("廣場", vec![b]),
            ("音乐太吵", vec![b]),
            ("abc", vec![c]),
            ("ＡＢＣ大厦", vec![c]),
            ("装修", vec![c]),
            ("号", vec![b, a]),
            ("队音", vec![]),
            ("合舞", vec![]),
            ("西", vec![]),
        ] {
            assert_eq!(complaints_found(&app, &token, q, "").await, expected, "{q}");
        }

        // The match is returned for the list to highlight: the place first,
        // else the description around it, each in its original form.
        let matched = |q: &'static str| {
            let app = &app;
            let token = &token;
            async move {
                let page = app.get_json(&format!("/api/v1/complaints?q={}", url_encode(q)), token).await;
                let m = &page["items"][0]["matched"];
                [&m["field"], &m["before"], &m["text"], &m["after"]].map(|v| v.as_str().expect("text").to_owned())
            }
        };
        assert_eq!(matched("南").await, ["location", "", "南", "街1号院"]);
        assert_eq!(matched("唱到十點").await, ["description", "楼下合唱队用音箱", "唱到十点", "多"]);
        assert_eq!(matched("广场").await, ["description", "", "廣場", "舞音樂太吵"]);
        assert!(app.get_json("/api/v1/complaints", &token).await["items"][0].get("matched").is_none());
        app.create_user("page.grid", Role::GridWorker, 1);
        assert_eq!(app.login("page.grid", crate::helpers::PASSWORD).await.status(), 303);
        let html = app.get(&format!("/complaints?view=all&q={}", url_encode("音樂"))).await.text().await.expect("page");
        assert!(html.contains("廣場舞<mark>音樂</mark>太吵"), "{html}");
        let html = app.get(&format!("/complaints?view=all&q={}", url_encode("1号"))).await.text().await.expect("page");
        assert!(html.contains("南街<mark>1号</mark>院"), "{html}");

        // Another committee's complaint saying the same is never found.
        let other = hesheng::db::committees::create(
            &mut app.conn(),
            &hesheng::domain::audit::Actor::cli(),
            &hesheng::domain::committee::CommitteeSettings::default_committee(),
        )
        .expect("committee");
        app.create_user("other.grid", Role::GridWorker, other);
        let other_token = app.token("other.grid").await;
        let mut body = complaint("南街2号院", "2026-05-07T21:35:00+08:00", "乙");
        body["description"] = json!("合唱队又来了");
        let theirs = app.post_ok("/api/v1/complaints", &other_token, &body, 201).await["id"].as_i64().expect("id");
        assert_eq!(complaints_found(&app, &token, "合唱", "").await, [a]);
        assert_eq!(complaints_found(&app, &other_token, "合唱", "").await, [theirs]);

        // With the list's filters, paged newest first.
        let mut more = Vec::new();
        for n in 0..5 {
            let mut body = complaint(&format!("南街{n}号院"), "2026-05-08T21:35:00+08:00", "丙");
            body["description"] = json!("合唱声音太大");
            more.push(app.post_ok("/api/v1/complaints", &token, &body, 201).await["id"].as_i64().expect("id"));
        }
        let mediator = app.user_token("wang.mediator", Role::Mediator).await;
        let case = app.post_ok("/api/v1/cases", &mediator, &crate::records::case_body(&[more[1], more[3]]), 201).await;
        let mut newest_first: Vec<i64> = more.iter().copied().chain([a]).collect();
        newest_first.sort_unstable_by(|x, y| y.cmp(x));
        let mut seen = Vec::new();
        let mut cursor = String::new();
        loop {
            let page = app
                .get_json(&format!("/api/v1/complaints?limit=2&q={}{cursor}", url_encode("合唱")), &token)
                .await;
            seen.extend(ids(&page));
            match page["next_cursor"].as_str() {
                Some(next) => cursor = format!("&cursor={next}"),
                None => break,
            }
        }
        assert_eq!(seen, newest_first, "every match once, newest first, across pages");
        let unassigned: Vec<i64> = newest_first.iter().copied().filter(|id| ![more[1], more[3]].contains(id)).collect();
        assert_eq!(complaints_found(&app, &token, "合唱", "&unassigned=true").await, unassigned);
        assert_eq!(
            complaints_found(&app, &token, "合唱", &format!("&case_id={}", case["id"])).await,
            [more[3], more[1]]
        );
    }
}
