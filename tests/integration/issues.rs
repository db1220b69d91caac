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

crate::both_databases!(
    links_keep_counts_and_refuse_duplicates,
    an_issue_page_shows_the_evidence_and_suppresses_small_cells,
);
