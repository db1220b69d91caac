//! The proposal editor on both databases: versions, comparison, two writers at once,
//! the version fixed to a submission, the API.

use groundswell::domain::role::Role;
use groundswell::store::AuditEvent;
use groundswell::store::issues::NewIssue;
use serde_json::{Value, json};

use crate::common::{Db, TestDb, csrf, signed_in};
use crate::findings_store::world;

async fn proposals_are_versioned_compared_and_fixed_to_submissions(db: Db) {
    let t = TestDb::create(db).await.unwrap();
    let w = world(&t).await;
    let s = &w.app.store;
    let senior = w
        .app
        .user("senior@example.org", Role::Senior, "Qingshuiwan Station")
        .await;
    w.app
        .user("lin@example.org", Role::Coordinator, "Ningbo Federation")
        .await;
    let issue = s
        .create_issue(
            &NewIssue {
                title: "Age 14".into(),
                problem_statement: "Subsidy stops at 14.".into(),
                policy_area_id: w.area,
                owner_id: senior,
                priority: "high".into(),
            },
            &AuditEvent::new("issue.created", Some(senior), None),
        )
        .await
        .unwrap();
    let url = format!("/issues/{}/proposal", issue.id);
    let a = signed_in(&w.app, "senior@example.org").await;
    let b = signed_in(&w.app, "lin@example.org").await;
    let at = csrf(&w.app, &a, &url).await;
    let bt = csrf(&w.app, &b, &url).await;
    let save = |c: &reqwest::Client, token: &str, base: i64, recs: &str, title: &str| {
        c.post(w.app.url(&url))
            .form(&[
                ("title", title.to_string()),
                (
                    "reason",
                    "Autistic children lose support at 14.".to_string(),
                ),
                ("background", "Stations in four districts.".to_string()),
                ("analysis", "The line has no basis in need.".to_string()),
                ("recommendations", recs.to_string()),
                ("cost", "About 2 million yuan a year.".to_string()),
                ("base", base.to_string()),
                ("csrf_token", token.to_string()),
            ])
            .send()
    };
    // A first page offers the issue's title and statement to start from.
    let html = a
        .get(w.app.url(&url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("No proposal written yet") && html.contains("Subsidy stops at 14."),
        "{html}"
    );
    assert_eq!(
        save(
            &a,
            &at,
            0,
            "Extend to 18\nOpen an arts class",
            "On the age-14 line"
        )
        .await
        .unwrap()
        .status(),
        303
    );
    // The same text again makes no new version.
    save(
        &a,
        &at,
        1,
        "Extend to 18\nOpen an arts class",
        "On the age-14 line",
    )
    .await
    .unwrap();
    assert_eq!(s.proposal_versions(issue.id).await.unwrap().len(), 1);
    assert_eq!(
        save(
            &a,
            &at,
            1,
            "Extend to 18\nOpen an arts class\nFund transport",
            "On the age-14 line"
        )
        .await
        .unwrap()
        .status(),
        303
    );
    let html = a
        .get(w.app.url(&url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("<li>Fund transport</li>"),
        "numbered recommendations: {html}"
    );
    assert!(
        html.contains("0 findings recorded by 0 social workers"),
        "the live evidence: {html}"
    );
    // Side by side: only the recommendations changed.
    let cmp = a
        .get(w.app.url(&format!("{url}/compare?a=1&b=2")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(cmp.matches("class=\"changed\"").count(), 1, "{cmp}");
    // Two writers from version 2: the second is told what changed and keeps their text.
    assert_eq!(
        save(
            &a,
            &at,
            2,
            "Extend to 18\nOpen an arts class\nFund transport",
            "A's better title"
        )
        .await
        .unwrap()
        .status(),
        303
    );
    let res = save(
        &b,
        &bt,
        2,
        "Extend to 18\nB's new recommendation",
        "On the age-14 line",
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 409);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("A&#39;s better title") || html.contains("A's better title"),
        "{html}"
    );
    assert!(
        html.contains("B&#39;s new recommendation") || html.contains("B's new recommendation"),
        "{html}"
    );
    assert!(html.contains("name=\"base\" value=\"3\""), "{html}");
    assert_eq!(s.proposal_versions(issue.id).await.unwrap().len(), 3);
    // Too long a title is refused and the text comes back.
    let long = "长".repeat(301);
    let res = save(&a, &at, 3, "x", &long).await.unwrap();
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("at most 300 characters"));
    // Workers read but do not write.
    let worker = signed_in(&w.app, "worker@example.org").await;
    let wt = csrf(&w.app, &worker, &url).await;
    assert_eq!(save(&worker, &wt, 3, "x", "x").await.unwrap().status(), 403);

    // A submission fixes the latest version to itself.
    let dept = crate::common::new_department(s, "宁波市教育局", "months", 3).await;
    let res = a
        .post(w.app.url(&format!("/issues/{}/submissions", issue.id)))
        .form(&[
            ("department_id", dept.to_string()),
            ("handling", "lead".to_string()),
            ("channel", "letter".to_string()),
            ("submitted_on", "2026-10-01".to_string()),
            ("csrf_token", at.clone()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let sub = &s.list_submissions(issue.id).await.unwrap()[0];
    let v3 = s.proposal_versions(issue.id).await.unwrap().pop().unwrap();
    assert_eq!(sub.proposal_version_id, Some(v3.id));
    let res = a
        .get(
            w.app
                .url(&format!("/issues/{}/proposal/version/{}", issue.id, v3.id)),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.headers()["location"],
        format!("/issues/{}/proposal?v=3", issue.id)
    );

    // The API: the versions, and a save from a stale base is a conflict.
    let secret = groundswell::domain::token::generate();
    s.create_api_token(
        senior,
        "t",
        &groundswell::domain::token::hash(&secret),
        &AuditEvent::new("token.created", None, None),
    )
    .await
    .unwrap();
    let api = reqwest::Client::new();
    let versions: Value = api
        .get(w.app.url(&format!("/api/v1/issues/{}/proposal", issue.id)))
        .bearer_auth(&secret)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(versions.as_array().unwrap().len(), 3);
    let body = json!({ "title": "t", "reason": "", "background": "", "analysis": "", "recommendations": "", "cost": "", "base": 2 });
    let res = api
        .post(w.app.url(&format!("/api/v1/issues/{}/proposal", issue.id)))
        .bearer_auth(&secret)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 409);
    let mut body = body;
    body["base"] = json!(3);
    let res = api
        .post(w.app.url(&format!("/api/v1/issues/{}/proposal", issue.id)))
        .bearer_auth(&secret)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    w.app.stop().await;
}

async fn a_briefing_carries_the_proposal_and_evidence_but_nothing_private(db: Db) {
    let t = TestDb::create(db).await.unwrap();
    let w = world(&t).await;
    let s = &w.app.store;
    let senior = w
        .app
        .user("senior@example.org", Role::Senior, "Qingshuiwan Station")
        .await;
    let mut ids = Vec::new();
    for n in 0..4 {
        let mut i = crate::findings_store::input(
            &format!("康复补贴 14 岁停止 {n}"),
            w.area,
            w.community,
            "2026-03-10",
        );
        i.case_reference = "SECRET-REF-123".into();
        i.private_notes = "家住某某小区 5 幢".into();
        let author = if n == 0 { &w.other_org } else { &w.worker };
        ids.push(
            crate::findings_store::save(
                s,
                author,
                &groundswell::domain::finding::validate(
                    &i,
                    chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
                )
                .unwrap(),
            )
            .await,
        );
    }
    let issue = s
        .create_issue(
            &NewIssue {
                title: "Age 14".into(),
                problem_statement: "Subsidy stops at 14.".into(),
                policy_area_id: w.area,
                owner_id: senior,
                priority: "high".into(),
            },
            &AuditEvent::new("issue.created", Some(senior), None),
        )
        .await
        .unwrap();
    s.link_findings(
        issue.id,
        &ids,
        &AuditEvent::new("issue.finding_linked", Some(senior), None),
    )
    .await
    .unwrap();
    s.save_proposal(
        issue.id,
        0,
        &groundswell::store::proposals::ProposalText {
            title: "关于延长自闭症儿童康复补贴年龄的建议".into(),
            reason: "14 岁成了分水岭。".into(),
            background: "四个区县的社工站反映。".into(),
            analysis: "需要并未在 14 岁结束。".into(),
            recommendations: "延长至 18 岁\n开设艺术班".into(),
            cost: "约每年 200 万元".into(),
            vignettes: vec![],
        },
        &AuditEvent::new("issue.proposal_saved", Some(senior), None)
            .subject("issue", Some(issue.id)),
    )
    .await
    .unwrap();
    let c = crate::common::signed_in(&w.app, "senior@example.org").await;
    let md = c
        .get(w.app.url(&format!("/issues/{}/briefing.md", issue.id)))
        .header("accept-language", "zh-CN")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        md.starts_with("# 关于延长自闭症儿童康复补贴年龄的建议"),
        "{md}"
    );
    assert!(md.contains("1. 延长至 18 岁\n2. 开设艺术班"), "{md}");
    assert!(md.contains("4 条发现") || md.contains("4 findings"), "{md}");
    // The other station's single finding is a small cell even for the author's station.
    assert!(md.contains("少于 3") || md.contains("fewer than 3"), "{md}");
    assert!(
        !md.contains("SECRET-REF-123") && !md.contains("某某小区"),
        "private fields never leave: {md}"
    );
    // DOCX: the same content, official-document fonts named, page numbers in the foot.
    let docx = c
        .get(w.app.url(&format!("/issues/{}/briefing.docx", issue.id)))
        .header("accept-language", "zh-CN")
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(docx.to_vec())).unwrap();
    let mut xml = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("word/document.xml").unwrap(), &mut xml)
        .unwrap();
    assert!(
        xml.contains("关于延长自闭症儿童康复补贴年龄的建议"),
        "{xml}"
    );
    assert!(
        xml.contains("一、") && xml.contains("仿宋_GB2312") && xml.contains("黑体"),
        "{xml}"
    );
    assert!(!xml.contains("SECRET-REF-123"));
    let names: Vec<String> = zip
        .file_names()
        .filter_map(|n| n.ok().map(|n| n.to_string()))
        .collect();
    let footer = names
        .iter()
        .find(|n| n.starts_with("word/footer"))
        .expect("a footer");
    let mut foot = String::new();
    std::io::Read::read_to_string(&mut zip.by_name(footer).unwrap(), &mut foot).unwrap();
    assert!(foot.contains("PAGE"), "{foot}");
    // LibreOffice opens and converts it, and the PDF's text has the Chinese title.
    crate::documents::converts_with_libreoffice(&docx, "关于延长自闭症儿童康复补贴年龄的建议");
    // PDF: the Chinese font embedded, so the title and the counts read back as text.
    let pdf = c
        .get(w.app.url(&format!("/issues/{}/briefing.pdf", issue.id)))
        .header("accept-language", "zh-CN")
        .send()
        .await
        .unwrap();
    assert_eq!(pdf.status(), 200);
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    if let Some(text) = crate::documents::pdf_text(&pdf.bytes().await.unwrap()) {
        let flat: String = text.split_whitespace().collect();
        assert!(
            flat.contains("关于延长自闭症儿童康复补贴年龄的建议"),
            "{text}"
        );
        assert!(
            flat.contains("记录了4条发现") && flat.contains("一、概述"),
            "{text}"
        );
        assert!(
            !text.contains("SECRET-REF-123") && !text.contains("某某小区"),
            "{text}"
        );
    }
    let print = c
        .get(w.app.url(&format!("/issues/{}/briefing", issue.id)))
        .send()
        .await
        .unwrap();
    assert_eq!(print.status(), 200);
    let html = print.text().await.unwrap();
    assert!(
        html.contains("关于延长自闭症儿童康复补贴年龄的建议") && html.contains("/static/print.css"),
        "{html}"
    );
    // Every export is on the record; an unknown API format is a clear error.
    let exports = s
        .audit_of("issue", issue.id)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "issue.briefing_exported")
        .count();
    assert_eq!(exports, 4);
    let secret = groundswell::domain::token::generate();
    s.create_api_token(
        senior,
        "t",
        &groundswell::domain::token::hash(&secret),
        &AuditEvent::new("token.created", None, None),
    )
    .await
    .unwrap();
    let api = reqwest::Client::new();
    let res = api
        .get(
            w.app
                .url(&format!("/api/v1/issues/{}/briefing?format=exe", issue.id)),
        )
        .bearer_auth(&secret)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let doc: Value = api
        .get(
            w.app
                .url(&format!("/api/v1/issues/{}/briefing?format=json", issue.id)),
        )
        .bearer_auth(&secret)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(doc["title"], "关于延长自闭症儿童康复补贴年龄的建议");
    assert!(doc["blocks"].as_array().unwrap().len() > 5);
    w.app.stop().await;
}

/// The author picks vignettes among the linked findings; they are part of the version,
/// checked, and quoted in every briefing format de-identified: the words (personal data
/// masked) with district, month, ages and people — never the case reference.
async fn vignettes_are_picked_checked_and_quoted_de_identified(db: Db) {
    let t = TestDb::create(db).await.unwrap();
    let w = world(&t).await;
    let s = &w.app.store;
    let senior = w
        .app
        .user("senior@example.org", Role::Senior, "Qingshuiwan Station")
        .await;
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
    let mut ids = Vec::new();
    for (n, text) in [
        "男孩 14 岁生日后康复补贴停发，母亲辞职在家，联系电话 13812345678。",
        "The boy's subsidy ended at 14; his mother gave up work to teach him at home.",
        "第三个家庭：补贴停发后每月自付 3000 元。",
        "unlinked: never to be quoted",
    ]
    .iter()
    .enumerate()
    {
        let mut i = crate::findings_store::input(text, w.area, w.community, "2026-03-10");
        i.case_reference = format!("SECRET-REF-{n}");
        i.age_min = "12".into();
        i.age_max = "15".into();
        i.people_affected = "2".into();
        let draft = groundswell::domain::finding::validate(&i, today).unwrap();
        ids.push(crate::findings_store::save(s, &w.worker, &draft).await);
    }
    let issue = crate::common::new_issue(s, w.area, senior, "Age 14", "Stops at 14").await;
    s.link_findings(
        issue.id,
        &ids[..3],
        &AuditEvent::new("issue.finding_linked", Some(senior), None),
    )
    .await
    .unwrap();
    let url = format!("/issues/{}/proposal", issue.id);
    let c = signed_in(&w.app, "senior@example.org").await;
    let token = csrf(&w.app, &c, &url).await;
    // The editor offers the linked findings, not the unlinked one.
    let html = c
        .get(w.app.url(&url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains(&format!("name=\"vignette\" value=\"{}\"", ids[0]))
            && !html.contains(&format!("name=\"vignette\" value=\"{}\"", ids[3])),
        "{html}"
    );
    let post = |extra: Vec<(&'static str, String)>| {
        let mut form = vec![
            ("title", "关于 14 岁的建议".to_string()),
            ("reason", "14 岁成了分水岭。".to_string()),
            ("analysis", "需要并未结束。".to_string()),
            ("base", "0".to_string()),
            ("csrf_token", token.clone()),
        ];
        form.extend(extra);
        c.post(w.app.url(&url)).form(&form).send()
    };
    // An unlinked finding named by number is refused; the typed text comes back.
    let res = post(vec![
        ("vignette", ids[0].to_string()),
        ("more_vignettes", format!("#{}", ids[3])),
    ])
    .await
    .unwrap();
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("linked findings that you may see") && html.contains("14 岁成了分水岭"),
        "{html}"
    );
    assert!(
        html.contains(&format!("value=\"#{}\"", ids[3])),
        "kept: {html}"
    );
    let res = post(vec![("more_vignettes", "twelve".to_string())])
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert!(s.proposal_versions(issue.id).await.unwrap().is_empty());
    // Two ticked and one typed (with a full-width comma and digits), in that order.
    let res = post(vec![
        ("vignette", ids[2].to_string()),
        ("vignette", ids[0].to_string()),
        ("more_vignettes", format!("，#{}", ids[1])),
    ])
    .await
    .unwrap();
    assert_eq!(res.status(), 303);
    let v = s.proposal_versions(issue.id).await.unwrap().pop().unwrap();
    assert_eq!(v.vignettes(), vec![ids[2], ids[0], ids[1]]);
    // The briefing quotes them in that order, masked, with the source line.
    let md = c
        .get(w.app.url(&format!("/issues/{}/briefing.md", issue.id)))
        .header("accept-language", "zh-CN")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let third = md.find("第三个家庭").expect("quoted");
    let first = md.find("男孩 14 岁生日后").expect("quoted");
    assert!(third < first, "in the order chosen: {md}");
    assert!(md.contains("典型个案"), "{md}");
    assert!(
        !md.contains("13812345678") && md.contains("\\*\\*\\*\\*"),
        "masked: {md}"
    );
    assert!(
        md.contains("慈溪") && md.contains("2026-03") && md.contains("12–15 岁"),
        "{md}"
    );
    assert!(!md.contains("SECRET-REF"), "{md}");
    assert!(!md.contains("never to be quoted"), "{md}");
    // The DOCX quotes them too.
    let docx = c
        .get(w.app.url(&format!("/issues/{}/briefing.docx", issue.id)))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(docx.to_vec())).unwrap();
    let mut xml = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("word/document.xml").unwrap(), &mut xml)
        .unwrap();
    assert!(
        xml.contains("第三个家庭") && !xml.contains("13812345678"),
        "{xml}"
    );
    let page = c
        .get(w.app.url(&url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("blockquote class=\"vignette\""), "{page}");
    // More than five is refused.
    let many = (0..6).map(|_| ("vignette", ids[0].to_string()));
    let mut form: Vec<(&str, String)> = vec![
        ("title", "t".to_string()),
        ("base", "1".to_string()),
        ("csrf_token", token.clone()),
    ];
    form.extend(many);
    form.push((
        "more_vignettes",
        format!("{} {} {} {} {}", ids[1], ids[2], ids[0] + 1000, 1, 2),
    ));
    let res = c.post(w.app.url(&url)).form(&form).send().await.unwrap();
    assert_eq!(res.status(), 422);
    w.app.stop().await;
}

crate::both_databases!(
    vignettes_are_picked_checked_and_quoted_de_identified,
    proposals_are_versioned_compared_and_fixed_to_submissions,
    a_briefing_carries_the_proposal_and_evidence_but_nothing_private,
    exports_survive_hostile_text,
);

/// Every kind of Unicode and text that looks like markup or a formula: each export is
/// still valid and carries the text as text.
async fn exports_survive_hostile_text(db: Db) {
    let t = TestDb::create(db).await.unwrap();
    let w = world(&t).await;
    let s = &w.app.store;
    let senior = w
        .app
        .user("senior@example.org", Role::Senior, "Qingshuiwan Station")
        .await;
    let issue = crate::common::new_issue(s, w.area, senior, "t", "p").await;
    let hostile = "🧒🏽 مرحبا שלום e\u{301}\u{302} <script>alert(1)</script> =cmd|' /C calc'!A0 & \"quotes\" \u{202e}reversed";
    s.save_proposal(
        issue.id,
        0,
        &groundswell::store::proposals::ProposalText {
            title: format!("{hostile} {}", "长".repeat(200)),
            reason: hostile.into(),
            background: String::new(),
            analysis: hostile.into(),
            recommendations: format!("{hostile}\n=SUM(A1:A9)\n@import"),
            cost: String::new(),
            vignettes: vec![],
        },
        &AuditEvent::new("issue.proposal_saved", Some(senior), None)
            .subject("issue", Some(issue.id)),
    )
    .await
    .unwrap();
    let c = signed_in(&w.app, "senior@example.org").await;
    let md = c
        .get(w.app.url(&format!("/issues/{}/briefing.md", issue.id)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        md.contains("🧒🏽") && md.contains("مرحبا") && md.contains("e\u{301}\u{302}"),
        "{md}"
    );
    assert!(
        md.contains("\\<script\\>") && !md.contains("<script>"),
        "{md}"
    );
    let docx = c
        .get(w.app.url(&format!("/issues/{}/briefing.docx", issue.id)))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(docx.to_vec())).unwrap();
    let mut xml = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("word/document.xml").unwrap(), &mut xml)
        .unwrap();
    assert!(
        xml.contains("&lt;script&gt;") && !xml.contains("<script>"),
        "escaped in the XML"
    );
    assert!(xml.contains("=cmd|") && xml.contains("🧒🏽"), "kept as text");
    crate::documents::converts_with_libreoffice(&docx, "مرحبا");
    let pdf = c
        .get(w.app.url(&format!("/issues/{}/briefing.pdf", issue.id)))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    if let Some(text) = crate::documents::pdf_text(&pdf) {
        assert!(
            text.contains("=cmd|") && text.contains("<script>alert(1)</script>"),
            "as text: {text}"
        );
    }
    let page = c
        .get(w.app.url(&format!("/issues/{}/briefing", issue.id)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("&lt;script&gt;") && !page.contains("<script>alert"),
        "{page}"
    );
    // An issue with no findings, no proposal and a title of 500 characters (older data
    // or a direct import; the forms allow 200): every format is still a valid file.
    let long = crate::common::new_issue(s, w.area, senior, &"很长的标题".repeat(100), "p").await;
    for format in ["md", "docx", "pdf"] {
        let res = c
            .get(w.app.url(&format!("/issues/{}/briefing.{format}", long.id)))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{format}");
        let bytes = res.bytes().await.unwrap();
        match format {
            "docx" => crate::documents::converts_with_libreoffice(&bytes, "很长的标题"),
            "pdf" => {
                if let Some(text) = crate::documents::pdf_text(&bytes) {
                    let flat: String = text.split_whitespace().collect();
                    assert!(
                        flat.matches("很长的标题").count() >= 90,
                        "the whole title: {text}"
                    );
                }
            }
            _ => assert!(
                String::from_utf8(bytes.to_vec())
                    .unwrap()
                    .contains("很长的标题")
            ),
        }
    }
    w.app.stop().await;
}
