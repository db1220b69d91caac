//! Advocacy issues on both databases: linking findings (with counters kept true),
//! the evidence summary on the page, and who may do what.

use chrono::NaiveDate;
use groundswell::domain::finding::validate;
use groundswell::domain::role::Role;
use groundswell::store::findings::FindingQuery;
use groundswell::store::issues::NewIssue;
use groundswell::store::{AuditEvent, StoreError};

use crate::common::{Db, TestDb, csrf, signed_in};
use crate::findings_store::{input, save, world};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 29).unwrap()
}

async fn links_keep_counts_and_refuse_duplicates(db: Db) {
    let t = TestDb::create(db).await.unwrap();
    let w = world(&t).await;
    let s = &w.app.store;
    let senior = w
        .app
        .user("senior@example.org", Role::Senior, "Federation")
        .await;
    let a = save(
        s,
        &w.worker,
        &validate(
            &input("subsidy stops at 14", w.area, w.community, "2026-10-01"),
            today(),
        )
        .unwrap(),
    )
    .await;
    let b = save(
        s,
        &w.other_org,
        &validate(
            &input("no school after 14", w.area, w.other_district, "2026-10-02"),
            today(),
        )
        .unwrap(),
    )
    .await;
    let ev = || AuditEvent::new("issue.linked", Some(senior), None);
    let issue = s
        .create_issue(
            &NewIssue {
                title: "Support stops at 14".into(),
                problem_statement: "…".into(),
                policy_area_id: w.area,
                owner_id: senior,
                priority: "high".into(),
            },
            &AuditEvent::new("issue.created", Some(senior), None).subject("issue", None),
        )
        .await
        .unwrap();
    assert_eq!(
        (issue.stage.as_str(), issue.finding_count),
        ("identified", 0)
    );
    s.link_findings(issue.id, &[a, b], &ev()).await.unwrap();
    assert_eq!(
        s.get_issue(issue.id).await.unwrap().unwrap().finding_count,
        2
    );
    // Linking one again refuses the whole request: nothing changes.
    let c = save(
        s,
        &w.worker,
        &validate(&input("third", w.area, w.community, "2026-10-03"), today()).unwrap(),
    )
    .await;
    let again = s.link_findings(issue.id, &[c, a], &ev()).await;
    assert!(matches!(again, Err(StoreError::Conflict)), "{again:?}");
    assert_eq!(s.issue_links(issue.id).await.unwrap().len(), 2);
    let linked = FindingQuery {
        linked: Some(true),
        limit: 10,
        ..Default::default()
    };
    assert_eq!(s.search_findings(&linked).await.unwrap().len(), 2);
    assert_eq!(s.issues_of_finding(a).await.unwrap()[0].id, issue.id);

    s.unlink_finding(issue.id, a, &ev()).await.unwrap();
    assert!(matches!(
        s.unlink_finding(issue.id, a, &ev()).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(s.search_findings(&linked).await.unwrap().len(), 1);
    let links = s.issue_links(issue.id).await.unwrap();
    assert_eq!(links.len(), 1);
    assert_eq!(links[0].finding_id, b);
    w.app.stop().await;
}

async fn an_issue_page_shows_the_evidence_and_suppresses_small_cells(db: Db) {
    let t = TestDb::create(db).await.unwrap();
    let w = world(&t).await;
    let s = &w.app.store;
    w.app
        .user("senior@example.org", Role::Senior, "Qingshuiwan Station")
        .await;
    w.app
        .user("viewer@example.org", Role::Viewer, "Federation")
        .await;
    let mut ids = Vec::new();
    for (n, (author, loc)) in [
        (&w.worker, w.community),
        (&w.worker, w.community),
        (&w.worker, w.community),
        (&w.other_org, w.other_district),
    ]
    .iter()
    .enumerate()
    {
        let mut i = input(
            &format!("Allowance far below cost {n}"),
            w.area,
            *loc,
            &format!("2026-0{}-10", n + 1),
        );
        i.figures = vec![
            groundswell::domain::finding::FigureInput {
                name: "one-to-one cost".into(),
                amount: format!("{}", 4000 + n * 500),
                unit: "yuan/month".into(),
            },
            groundswell::domain::finding::FigureInput {
                name: "allowance".into(),
                amount: "800".into(),
                unit: "yuan/month".into(),
            },
        ];
        ids.push(save(s, author, &validate(&i, today()).unwrap()).await);
    }
    let c = signed_in(&w.app, "senior@example.org").await;
    let token = csrf(&w.app, &c, "/issues/new").await;
    let res = c
        .post(w.app.url("/issues"))
        .form(&[
            ("title", "Rehabilitation allowance far below cost"),
            (
                "problem_statement",
                "The allowance covers a fraction of one-to-one teaching.",
            ),
            ("policy_area_id", &w.area.to_string()),
            ("priority", "high"),
            ("csrf_token", &token),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let location = res.headers()["location"].to_str().unwrap().to_string();
    let list: Vec<String> = ids.iter().map(|i| i.to_string()).collect();
    let res = c
        .post(w.app.url(&format!("{location}/findings")))
        .form(&[
            ("finding_ids", list.join(", ")),
            ("csrf_token", token.clone()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let html = c
        .get(w.app.url(&location))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Rehabilitation allowance far below cost"));
    assert!(
        html.contains("<span class=\"figure\">4</span>"),
        "four findings"
    );
    // Median cost 4,750 vs allowance 800: a gap of 3,950.
    assert!(html.contains("3,950"), "{html}");
    // The other station's single finding: its district is a small cell for this reader.
    assert!(html.contains("fewer than 3"), "{html}");

    // Linking the same finding twice is a clear error; nothing changes.
    let res = c
        .post(w.app.url(&format!("{location}/findings")))
        .form(&[
            ("finding_ids", ids[0].to_string()),
            ("csrf_token", token.clone()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let html = c
        .get(w.app.url(&location))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("already linked"), "{html}");

    // A viewer reads the issue but may not link; a worker may not create issues.
    let v = signed_in(&w.app, "viewer@example.org").await;
    assert_eq!(
        v.get(w.app.url(&location)).send().await.unwrap().status(),
        200
    );
    let vt = csrf(&w.app, &v, &location).await;
    let res = v
        .post(w.app.url(&format!("{location}/findings")))
        .form(&[("finding_ids", ids[0].to_string()), ("csrf_token", vt)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let worker = signed_in(&w.app, "worker@example.org").await;
    assert_eq!(
        worker
            .get(w.app.url("/issues/new"))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    w.app.stop().await;
}

async fn the_issues_api_creates_links_and_summarises(db: Db) {
    use groundswell::domain::token;
    use serde_json::{Value, json};
    let t = TestDb::create(db).await.unwrap();
    let w = world(&t).await;
    let s = &w.app.store;
    let senior = w
        .app
        .user("senior@example.org", Role::Senior, "Qingshuiwan Station")
        .await;
    let secret = token::generate();
    s.create_api_token(
        senior,
        "t",
        &token::hash(&secret),
        &AuditEvent::new("token.created", None, None),
    )
    .await
    .unwrap();
    let worker_secret = token::generate();
    s.create_api_token(
        w.worker.user_id,
        "t",
        &token::hash(&worker_secret),
        &AuditEvent::new("token.created", None, None),
    )
    .await
    .unwrap();
    let a = save(
        s,
        &w.worker,
        &validate(
            &input("subsidy stops at 14", w.area, w.community, "2026-10-01"),
            today(),
        )
        .unwrap(),
    )
    .await;
    let b = save(
        s,
        &w.other_org,
        &validate(
            &input("school stops at 14", w.area, w.other_district, "2026-10-02"),
            today(),
        )
        .unwrap(),
    )
    .await;
    let api = reqwest::Client::new();

    let res = api
        .post(w.app.url("/api/v1/issues"))
        .bearer_auth(&worker_secret)
        .json(&json!({"title": "x", "problem_statement": "y", "policy_area_id": w.area}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403, "workers do not create issues");
    let res = api
        .post(w.app.url("/api/v1/issues"))
        .bearer_auth(&secret)
        .json(&json!({"title": " ", "problem_statement": "y", "policy_area_id": w.area}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let res = api
        .post(w.app.url("/api/v1/issues"))
        .bearer_auth(&secret)
        .json(&json!({"title": "Support stops at 14", "problem_statement": "Children lose subsidy and school at 14.", "policy_area_id": w.area, "priority": "high"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let issue: Value = res.json().await.unwrap();
    let id = issue["id"].as_i64().unwrap();
    assert_eq!(issue["stage"], "identified");
    let url = w.app.url(&format!("/api/v1/issues/{id}/findings"));
    let res = api
        .post(&url)
        .bearer_auth(&secret)
        .json(&json!({"finding_ids": [a, b]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let linked: Value = res.json().await.unwrap();
    assert_eq!(linked["evidence"]["findings"], 2);
    assert_eq!(linked["evidence"]["organisations"], 2);
    assert_eq!(linked["evidence"]["suppressed"], true);
    assert!(
        linked["evidence"]["per_district"][0][1].is_null(),
        "a one-finding district is suppressed: {linked}"
    );
    let res = api
        .post(&url)
        .bearer_auth(&secret)
        .json(&json!({"finding_ids": [a]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 409);
    let res = api
        .post(&url)
        .bearer_auth(&secret)
        .json(&json!({"finding_ids": [999999]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let res = api
        .delete(&url)
        .bearer_auth(&secret)
        .json(&json!({"finding_ids": [a, 999999]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404, "a wrong id unlinks nothing");
    assert_eq!(s.issue_links(id).await.unwrap().len(), 2);
    let res = api
        .delete(&url)
        .bearer_auth(&secret)
        .json(&json!({"finding_ids": [a]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let one: Value = api
        .get(w.app.url(&format!("/api/v1/issues/{id}")))
        .bearer_auth(&secret)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(one["finding_count"], 1);
    let doc: Value = api
        .get(w.app.url("/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["paths"]["/api/v1/issues/{id}/findings"]["post"].is_object());
    w.app.stop().await;
}

async fn findings_are_linked_from_their_page_and_in_bulk_from_search(db: Db) {
    let t = TestDb::create(db).await.unwrap();
    let w = world(&t).await;
    let s = &w.app.store;
    let senior = w
        .app
        .user("senior@example.org", Role::Senior, "Qingshuiwan Station")
        .await;
    let ids: Vec<i64> = {
        let mut v = Vec::new();
        for n in 0..3 {
            v.push(
                save(
                    s,
                    &w.worker,
                    &validate(
                        &input(&format!("补贴停止 {n}"), w.area, w.community, "2026-10-01"),
                        today(),
                    )
                    .unwrap(),
                )
                .await,
            );
        }
        v
    };
    let issue = s
        .create_issue(
            &NewIssue {
                title: "Subsidy stops".into(),
                problem_statement: "…".into(),
                policy_area_id: w.area,
                owner_id: senior,
                priority: "normal".into(),
            },
            &AuditEvent::new("issue.created", Some(senior), None),
        )
        .await
        .unwrap();
    let c = signed_in(&w.app, "senior@example.org").await;
    // From the finding's page.
    let page = c
        .get(w.app.url(&format!("/findings/{}", ids[0])))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Link to issue") && page.contains("#1 Subsidy stops"));
    let token = crate::common::csrf_from(&page);
    let res = c
        .post(w.app.url(&format!("/findings/{}/link", ids[0])))
        .form(&[
            ("issue_id", issue.id.to_string()),
            ("csrf_token", token.clone()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let page = c
        .get(w.app.url(&format!("/findings/{}", ids[0])))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains(&format!("href=\"/issues/{}\"", issue.id)));
    // In bulk from search results: the other two.
    let html = c
        .get(w.app.url("/findings?q=补贴"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Link the ticked findings to"));
    let form = vec![
        ("issue_id".to_string(), issue.id.to_string()),
        ("finding_id".to_string(), ids[1].to_string()),
        ("finding_id".to_string(), ids[2].to_string()),
        ("back".to_string(), "/findings?q=x".to_string()),
        ("csrf_token".to_string(), token.clone()),
    ];
    let res = c
        .post(w.app.url("/findings/link"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/findings?q=x");
    assert_eq!(s.issue_links(issue.id).await.unwrap().len(), 3);
    // A worker can neither link nor see the controls.
    let worker = signed_in(&w.app, "worker@example.org").await;
    let html = worker
        .get(w.app.url("/findings?q=补贴"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!html.contains("Link the ticked findings to"));
    let wt = crate::common::csrf_from(&html);
    let res = worker
        .post(w.app.url("/findings/link"))
        .form(&[
            ("issue_id", issue.id.to_string()),
            ("finding_id", ids[0].to_string()),
            ("csrf_token", wt),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    w.app.stop().await;
}

async fn comments_are_markdown_without_script(db: Db) {
    let t = TestDb::create(db).await.unwrap();
    let w = world(&t).await;
    let s = &w.app.store;
    let senior = w
        .app
        .user("senior@example.org", Role::Senior, "Qingshuiwan Station")
        .await;
    w.app
        .user("viewer@example.org", Role::Viewer, "Federation")
        .await;
    let issue = s
        .create_issue(
            &NewIssue {
                title: "Subsidy stops".into(),
                problem_statement: "…".into(),
                policy_area_id: w.area,
                owner_id: senior,
                priority: "normal".into(),
            },
            &AuditEvent::new("issue.created", Some(senior), None),
        )
        .await
        .unwrap();
    let worker = signed_in(&w.app, "worker@example.org").await;
    let url = w.app.url(&format!("/issues/{}", issue.id));
    let token = csrf(&w.app, &worker, &format!("/issues/{}", issue.id)).await;
    let body = "**Six stations** report this.<script>alert('x')</script> [doc](javascript:alert(1)) <img src=x onerror=alert(2)>";
    let res = worker
        .post(format!("{url}/comments"))
        .form(&[("body", body), ("csrf_token", &token)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let html = worker.get(&url).send().await.unwrap().text().await.unwrap();
    assert!(
        html.contains("<strong>Six stations</strong> report this."),
        "{html}"
    );
    for bad in ["<script>alert", "javascript:", "onerror", "<img"] {
        assert!(!html.contains(bad), "{bad} survived");
    }
    let res = worker
        .post(format!("{url}/comments"))
        .form(&[("body", "   "), ("csrf_token", &token)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert!(
        worker
            .get(&url)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
            .contains("Write a comment")
    );
    assert_eq!(s.list_comments(issue.id).await.unwrap().len(), 1);
    let viewer = signed_in(&w.app, "viewer@example.org").await;
    let vt = csrf(&w.app, &viewer, &format!("/issues/{}", issue.id)).await;
    let res = viewer
        .post(format!("{url}/comments"))
        .form(&[("body", "hello"), ("csrf_token", &vt)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    w.app.stop().await;
}

async fn supporters_cosigners_and_watchers(db: Db) {
    let t = TestDb::create(db).await.unwrap();
    let w = world(&t).await;
    let s = &w.app.store;
    let senior = w
        .app
        .user("senior@example.org", Role::Senior, "Qingshuiwan Station")
        .await;
    let issue = s
        .create_issue(
            &NewIssue {
                title: "Subsidy stops".into(),
                problem_statement: "…".into(),
                policy_area_id: w.area,
                owner_id: senior,
                priority: "normal".into(),
            },
            &AuditEvent::new("issue.created", Some(senior), None).subject("issue", None),
        )
        .await
        .unwrap();
    let c = signed_in(&w.app, "senior@example.org").await;
    let path = format!("/issues/{}", issue.id);
    let token = csrf(&w.app, &c, &path).await;
    let org = w.other_org.org_id.to_string();
    let res = c
        .post(w.app.url(&format!("{path}/supporters/add")))
        .form(&[("member", org.as_str()), ("csrf_token", &token)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let cos = w.worker.user_id.to_string();
    c.post(w.app.url(&format!("{path}/cosigners/add")))
        .form(&[("member", cos.as_str()), ("csrf_token", &token)])
        .send()
        .await
        .unwrap();
    c.post(w.app.url(&format!("{path}/watch")))
        .form(&[("csrf_token", &token)])
        .send()
        .await
        .unwrap();
    let html = c
        .get(w.app.url(&path))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Bate Community Station"), "supporter listed");
    assert!(html.contains("1 people follow this issue.") && html.contains("Stop watching"));
    // Everything that happened is on the issue's timeline, in order.
    assert!(html.contains("Timeline"));
    let created = html.find("Issue created").unwrap();
    let supporter = html.find("Supporting organisation added").unwrap();
    let watched = html.find("Started watching an issue").unwrap();
    assert!(created < supporter && supporter < watched, "timeline order");
    use groundswell::store::issues::Party;
    assert_eq!(
        s.list_party(issue.id, Party::Cosigner).await.unwrap()[0].id,
        w.worker.user_id
    );
    // An unknown member is refused; a worker may not add co-signers but may watch.
    let res = c
        .post(w.app.url(&format!("{path}/cosigners/add")))
        .form(&[("member", "999999"), ("csrf_token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let worker = signed_in(&w.app, "worker@example.org").await;
    let wt = csrf(&w.app, &worker, &path).await;
    let res = worker
        .post(w.app.url(&format!("{path}/cosigners/add")))
        .form(&[("member", cos.as_str()), ("csrf_token", &wt)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let res = worker
        .post(w.app.url(&format!("{path}/watch")))
        .form(&[("csrf_token", &wt)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(
        s.list_party(issue.id, Party::Watcher).await.unwrap().len(),
        2
    );
    let res = c
        .post(w.app.url(&format!("{path}/supporters/{org}/remove")))
        .form(&[("csrf_token", &token)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert!(
        s.list_party(issue.id, Party::Supporter)
            .await
            .unwrap()
            .is_empty()
    );
    w.app.stop().await;
}

async fn merging_moves_everything_and_redirects(db: Db) {
    use groundswell::store::issues::{NewEvidence, Party};
    let t = TestDb::create(db).await.unwrap();
    let w = world(&t).await;
    let s = &w.app.store;
    let senior = w
        .app
        .user("senior@example.org", Role::Senior, "Qingshuiwan Station")
        .await;
    let new = |title: &str| NewIssue {
        title: title.into(),
        problem_statement: "…".into(),
        policy_area_id: w.area,
        owner_id: senior,
        priority: "normal".into(),
    };
    let ev = |a: &'static str| AuditEvent::new(a, Some(senior), None).subject("issue", None);
    let a = s
        .create_issue(&new("Subsidy ends at 14"), &ev("issue.created"))
        .await
        .unwrap();
    let b = s
        .create_issue(&new("Support stops at fourteen"), &ev("issue.created"))
        .await
        .unwrap();
    let f1 = save(
        s,
        &w.worker,
        &validate(&input("one", w.area, w.community, "2026-10-01"), today()).unwrap(),
    )
    .await;
    let f2 = save(
        s,
        &w.worker,
        &validate(&input("two", w.area, w.community, "2026-10-02"), today()).unwrap(),
    )
    .await;
    let f3 = save(
        s,
        &w.worker,
        &validate(&input("three", w.area, w.community, "2026-10-03"), today()).unwrap(),
    )
    .await;
    s.link_findings(a.id, &[f1, f2], &ev("issue.finding_linked"))
        .await
        .unwrap();
    s.link_findings(b.id, &[f2, f3], &ev("issue.finding_linked"))
        .await
        .unwrap();
    s.add_comment(a.id, "from A", &ev("issue.commented"))
        .await
        .unwrap();
    s.add_evidence(
        a.id,
        &NewEvidence {
            kind: "statistic",
            title: "3,263 social workers".into(),
            detail: String::new(),
            source: String::new(),
            url: None,
        },
        &ev("issue.evidence_added"),
    )
    .await
    .unwrap();
    s.add_attachment(
        a.id,
        &groundswell::store::issues::NewAttachment {
            filename: "reply.pdf".into(),
            content_type: "application/pdf",
            sha256: "00".into(),
            content: b"%PDF-1.7 reply".to_vec(),
        },
        &ev("issue.attachment_added"),
    )
    .await
    .unwrap();
    s.add_party(a.id, Party::Watcher, w.worker.user_id, &ev("issue.watched"))
        .await
        .unwrap();
    s.add_party(b.id, Party::Watcher, w.worker.user_id, &ev("issue.watched"))
        .await
        .unwrap();
    s.add_party(a.id, Party::Cosigner, senior, &ev("issue.cosigner_added"))
        .await
        .unwrap();

    let c = signed_in(&w.app, "senior@example.org").await;
    let token = csrf(&w.app, &c, &format!("/issues/{}", a.id)).await;
    // Into itself: refused, nothing changes.
    let res = c
        .post(w.app.url(&format!("/issues/{}/merge", a.id)))
        .form(&[("into", a.id.to_string()), ("csrf_token", token.clone())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert!(
        s.get_issue(a.id)
            .await
            .unwrap()
            .unwrap()
            .merged_into
            .is_none()
    );
    let res = c
        .post(w.app.url(&format!("/issues/{}/merge", a.id)))
        .form(&[("into", b.id.to_string()), ("csrf_token", token.clone())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(
        res.headers()["location"],
        format!("/issues/{}", b.id).as_str()
    );

    let merged = s.get_issue(a.id).await.unwrap().unwrap();
    assert_eq!(
        (
            merged.merged_into,
            merged.resolution.as_deref(),
            merged.stage.as_str()
        ),
        (Some(b.id), Some("merged"), "closed")
    );
    let mut links: Vec<i64> = s
        .issue_links(b.id)
        .await
        .unwrap()
        .into_iter()
        .map(|l| l.finding_id)
        .collect();
    links.sort();
    assert_eq!(
        links,
        vec![f1, f2, f3],
        "nothing lost, the shared finding once"
    );
    assert_eq!(
        s.get_finding(f2).await.unwrap().unwrap().issue_link_count,
        1
    );
    assert_eq!(s.list_comments(b.id).await.unwrap().len(), 1);
    assert_eq!(s.list_evidence(b.id).await.unwrap().len(), 1);
    let files = s.list_attachments(b.id).await.unwrap();
    assert_eq!(files.len(), 1, "the file moved with the merge");
    let (_, bytes) = s
        .attachment_content(b.id, files[0].id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(bytes, b"%PDF-1.7 reply");
    assert_eq!(s.list_party(b.id, Party::Watcher).await.unwrap().len(), 1);
    assert_eq!(s.list_party(b.id, Party::Cosigner).await.unwrap().len(), 1);
    // Both timelines record it; the old address redirects; merging into a merged issue is refused.
    assert!(
        s.audit_of("issue", a.id)
            .await
            .unwrap()
            .iter()
            .any(|e| e.action == "issue.merged")
    );
    assert!(
        s.audit_of("issue", b.id)
            .await
            .unwrap()
            .iter()
            .any(|e| e.action == "issue.merged")
    );
    let res = c
        .get(w.app.url(&format!("/issues/{}", a.id)))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(
        res.headers()["location"],
        format!("/issues/{}", b.id).as_str()
    );
    let again = s.merge_issue(b.id, a.id, &ev("issue.merged")).await;
    assert!(matches!(again, Err(StoreError::Conflict)));
    let html = c
        .get(w.app.url("/issues"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !html.contains("Subsidy ends at 14"),
        "merged issues leave the list"
    );
    w.app.stop().await;
}

async fn workers_propose_links_and_the_owner_decides(db: Db) {
    let t = TestDb::create(db).await.unwrap();
    let w = world(&t).await;
    let s = &w.app.store;
    let senior = w
        .app
        .user("senior@example.org", Role::Senior, "Qingshuiwan Station")
        .await;
    let issue = s
        .create_issue(
            &NewIssue {
                title: "Subsidy stops".into(),
                problem_statement: "…".into(),
                policy_area_id: w.area,
                owner_id: senior,
                priority: "normal".into(),
            },
            &AuditEvent::new("issue.created", Some(senior), None).subject("issue", None),
        )
        .await
        .unwrap();
    let f1 = save(
        s,
        &w.worker,
        &validate(&input("one", w.area, w.community, "2026-10-01"), today()).unwrap(),
    )
    .await;
    let f2 = save(
        s,
        &w.worker,
        &validate(&input("two", w.area, w.community, "2026-10-02"), today()).unwrap(),
    )
    .await;
    let worker = signed_in(&w.app, "worker@example.org").await;
    let page = worker
        .get(w.app.url(&format!("/findings/{f1}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Propose for issue") && !page.contains("Link to issue"));
    let token = crate::common::csrf_from(&page);
    for f in [f1, f2] {
        let res = worker
            .post(w.app.url(&format!("/findings/{f}/propose")))
            .form(&[
                ("issue_id", issue.id.to_string()),
                ("csrf_token", token.clone()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303);
    }
    // Proposing twice is a clear message, nothing new.
    worker
        .post(w.app.url(&format!("/findings/{f1}/propose")))
        .form(&[
            ("issue_id", issue.id.to_string()),
            ("csrf_token", token.clone()),
        ])
        .send()
        .await
        .unwrap();
    assert!(
        worker
            .get(w.app.url(&format!("/findings/{f1}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
            .contains("already proposed")
    );
    assert_eq!(s.list_proposals(issue.id).await.unwrap().len(), 2);
    // The worker cannot decide.
    let res = worker
        .post(
            w.app
                .url(&format!("/issues/{}/proposals/{f1}/accept", issue.id)),
        )
        .form(&[("csrf_token", token.clone())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let c = signed_in(&w.app, "senior@example.org").await;
    let html = c
        .get(w.app.url(&format!("/issues/{}", issue.id)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Proposed findings"));
    let st = crate::common::csrf_from(&html);
    c.post(
        w.app
            .url(&format!("/issues/{}/proposals/{f1}/accept", issue.id)),
    )
    .form(&[("csrf_token", st.clone())])
    .send()
    .await
    .unwrap();
    c.post(
        w.app
            .url(&format!("/issues/{}/proposals/{f2}/decline", issue.id)),
    )
    .form(&[("csrf_token", st.clone())])
    .send()
    .await
    .unwrap();
    let links: Vec<i64> = s
        .issue_links(issue.id)
        .await
        .unwrap()
        .into_iter()
        .map(|l| l.finding_id)
        .collect();
    assert_eq!(links, vec![f1]);
    assert!(s.list_proposals(issue.id).await.unwrap().is_empty());
    assert_eq!(
        s.get_finding(f1).await.unwrap().unwrap().issue_link_count,
        1
    );
    w.app.stop().await;
}

/// A large issue's evidence is kept between views; a link, an unlink, an edit or a
/// deletion of one of its findings shows on the very next view.
async fn a_large_issues_kept_evidence_follows_every_change(db: Db) {
    let t = TestDb::create(db).await.unwrap();
    let w = world(&t).await;
    let s = &w.app.store;
    let senior = w
        .app
        .user("senior@example.org", Role::Senior, "Federation")
        .await;
    let issue = crate::common::new_issue(s, w.area, senior, "Large", "Many findings.").await;
    let mut ids = Vec::new();
    for k in 0..205 {
        let i = input(
            &format!("subsidy stops at 14, case {k}"),
            w.area,
            w.community,
            "2026-10-01",
        );
        ids.push(save(s, &w.worker, &validate(&i, today()).unwrap()).await);
    }
    let ev = || AuditEvent::new("issue.linked", Some(senior), None);
    s.link_findings(issue.id, &ids[..204], &ev()).await.unwrap();
    let c = signed_in(&w.app, "senior@example.org").await;
    let figure = |html: &str| {
        let at = html
            .find("findings</li>")
            .or_else(|| html.find("发现"))
            .unwrap();
        let head = &html[..at];
        let start = head.rfind("class=\"figure\">").unwrap() + "class=\"figure\">".len();
        head[start..].split('<').next().unwrap().trim().to_string()
    };
    let view = || async {
        c.get(w.app.url(&format!("/issues/{}", issue.id)))
            .header("accept-language", "en")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    };
    assert_eq!(figure(&view().await), "204");
    assert_eq!(figure(&view().await), "204", "kept between views");
    s.link_findings(issue.id, &ids[204..], &ev()).await.unwrap();
    assert_eq!(figure(&view().await), "205", "a new link shows at once");
    s.unlink_finding(issue.id, ids[0], &ev()).await.unwrap();
    assert_eq!(figure(&view().await), "204", "an unlink shows at once");
    w.app.stop().await;
}

/// The issue page reads its three lists at once; each must be what reading it alone
/// gives, in the same order.
async fn an_issues_three_lists_read_together_match_each_read_alone(db: Db) {
    use groundswell::store::issues::Party;
    let t = TestDb::create(db).await.unwrap();
    let w = world(&t).await;
    let s = &w.app.store;
    let ev = |a: &'static str| AuditEvent::new(a, Some(w.worker.user_id), None);
    let issue = crate::common::new_issue(s, w.area, w.worker.user_id, "补贴", "十四岁停发。").await;
    let other = crate::common::new_issue(s, w.area, w.worker.user_id, "另一件", "别的事。").await;
    s.add_party(
        issue.id,
        Party::Supporter,
        w.other_org.org_id,
        &ev("issue.supported"),
    )
    .await
    .unwrap();
    s.add_party(
        issue.id,
        Party::Supporter,
        w.worker.org_id,
        &ev("issue.supported"),
    )
    .await
    .unwrap();
    s.add_party(
        issue.id,
        Party::Cosigner,
        w.other_org.user_id,
        &ev("issue.cosigned"),
    )
    .await
    .unwrap();
    s.add_party(
        issue.id,
        Party::Watcher,
        w.worker.user_id,
        &ev("issue.watched"),
    )
    .await
    .unwrap();
    s.add_party(
        issue.id,
        Party::Watcher,
        w.other_org.user_id,
        &ev("issue.watched"),
    )
    .await
    .unwrap();
    // Another issue's lists stay out.
    s.add_party(
        other.id,
        Party::Watcher,
        w.worker.user_id,
        &ev("issue.watched"),
    )
    .await
    .unwrap();
    let together = s.list_parties(issue.id).await.unwrap();
    let ids = |rows: &[groundswell::store::issues::PartyRow]| -> Vec<(i64, String)> {
        rows.iter().map(|r| (r.id, r.name.clone())).collect()
    };
    for (party, got) in [
        (Party::Supporter, &together.supporters),
        (Party::Cosigner, &together.cosigners),
        (Party::Watcher, &together.watchers),
    ] {
        let alone = s.list_party(issue.id, party).await.unwrap();
        assert_eq!(ids(got), ids(&alone), "{party:?}");
    }
    assert_eq!(together.supporters.len(), 2);
    assert_eq!(together.cosigners.len(), 1);
    assert_eq!(together.watchers.len(), 2);
    w.app.stop().await;
}

crate::both_databases!(
    a_large_issues_kept_evidence_follows_every_change,
    an_issues_three_lists_read_together_match_each_read_alone,
    the_lean_evidence_rows_match_the_findings,
    workers_propose_links_and_the_owner_decides,
    merging_moves_everything_and_redirects,
    supporters_cosigners_and_watchers,
    comments_are_markdown_without_script,
    findings_are_linked_from_their_page_and_in_bulk_from_search,
    the_issues_api_creates_links_and_summarises,
    links_keep_counts_and_refuse_duplicates,
    an_issue_page_shows_the_evidence_and_suppresses_small_cells,
);

/// The lean rows the issue page summarises from give exactly the summary the full
/// findings give, deleted findings left out.
async fn the_lean_evidence_rows_match_the_findings(db: Db) {
    let t = TestDb::create(db).await.unwrap();
    let w = world(&t).await;
    let s = &w.app.store;
    let senior = w
        .app
        .user("senior@example.org", Role::Senior, "Qingshuiwan Station")
        .await;
    let mut ids = Vec::new();
    for n in 0..5 {
        let mut i = input(
            &format!("Allowance below cost {n}"),
            w.area,
            w.community,
            "2026-04-10",
        );
        i.age_min = "6".into();
        i.age_max = format!("{}", 10 + n);
        i.threshold_benefit = "care allowance".into();
        i.threshold_kind = "age".into();
        i.threshold_value = "14".into();
        i.figures = vec![
            groundswell::domain::finding::FigureInput {
                name: "cost".into(),
                amount: format!("{}", 1000 + 250 * n),
                unit: "yuan/month".into(),
            },
            groundswell::domain::finding::FigureInput {
                name: "allowance".into(),
                amount: "300".into(),
                unit: "yuan/month".into(),
            },
        ];
        let author = if n % 2 == 0 { &w.worker } else { &w.other_org };
        ids.push(save(s, author, &validate(&i, today()).unwrap()).await);
    }
    let issue = s
        .create_issue(
            &NewIssue {
                title: "t".into(),
                problem_statement: "p".into(),
                policy_area_id: w.area,
                owner_id: senior,
                priority: "normal".into(),
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
    s.delete_finding(
        ids[4],
        &AuditEvent::new("finding.deleted", Some(senior), None),
    )
    .await
    .unwrap();
    let lean = s.evidence_items(issue.id).await.unwrap();
    assert_eq!(
        lean.iter().map(|(id, _)| *id).collect::<Vec<_>>(),
        ids[..4].to_vec()
    );
    let full: Vec<groundswell::domain::evidence::EvidenceItem> = s
        .get_findings(&ids[..4])
        .await
        .unwrap()
        .iter()
        .map(Into::into)
        .collect();
    let lean: Vec<_> = lean.into_iter().map(|(_, it)| it).collect();
    assert_eq!(
        groundswell::domain::evidence::summarise(&lean),
        groundswell::domain::evidence::summarise(&full)
    );
    w.app.stop().await;
}
