//! Recurring-gap candidates on both databases: a pass finds a gap reported by two
//! organisations, a dismissal holds until a new finding joins, a candidate becomes an
//! issue with its findings linked, and a saved finding suggests what it looks like.

use chrono::NaiveDate;
use groundswell::background::run_recurrence_pass;
use groundswell::domain::finding::validate;
use groundswell::domain::role::Role;

use crate::common::{Db, TestDb, csrf, signed_in};
use crate::findings_store::{World, input, save, world};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 29).unwrap()
}

const GAP: [&str; 3] = [
    "孤独症儿童康复补贴到14岁就停止了，家长只能自费继续康复训练。",
    "The autism rehabilitation subsidy stops when the child turns 14; the family now pays for therapy.",
    "自闭症孩子满14周岁后康复救助停发，机构训练费用全部自费。",
];
const OTHER: &str = "独居老人家中没有紧急呼叫设备，夜里跌倒无人知道。";

async fn record(w: &World, texts: &[(&str, bool)]) -> Vec<i64> {
    let mut ids = Vec::new();
    for (text, other_org) in texts {
        let author = if *other_org { &w.other_org } else { &w.worker };
        let i = input(text, w.area, w.community, "2026-10-01");
        ids.push(save(&w.app.store, author, &validate(&i, today()).unwrap()).await);
    }
    ids
}

/// A world with a senior worker (senior@example.org) at the worker's station.
async fn with_senior(t: &TestDb) -> World {
    let w = world(t).await;
    w.app
        .user("senior@example.org", Role::Senior, "Qingshuiwan Station")
        .await;
    w
}

/// A page's HTML as the client sees it.
async fn page(c: &reqwest::Client, url: String) -> String {
    c.get(url).send().await.unwrap().text().await.unwrap()
}

/// The findings linked to an issue, in id order.
async fn linked(s: &groundswell::store::DynStore, issue_id: i64) -> Vec<i64> {
    let mut ids: Vec<i64> = s
        .issue_links(issue_id)
        .await
        .unwrap()
        .iter()
        .map(|l| l.finding_id)
        .collect();
    ids.sort();
    ids
}

async fn a_pass_finds_dismisses_and_turns_a_gap_into_an_issue(db: Db) {
    let t = TestDb::create(db).await.unwrap();
    let w = with_senior(&t).await;
    let s = &w.app.store;
    let ids = record(&w, &[(GAP[0], false), (GAP[1], true), (OTHER, false)]).await;

    let outcome = run_recurrence_pass(s).await.unwrap();
    assert_eq!(outcome.findings, 3);
    let list = s.list_candidates().await.unwrap();
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0].finding_ids, vec![ids[0], ids[1]]);
    assert_eq!(list[0].organisations, 2);
    assert!(
        list[0].shared_terms.iter().any(|t| t == "@rehab"),
        "{list:?}"
    );

    // Workers do not see candidates, on pages or in the API.
    let worker = signed_in(&w.app, "worker@example.org").await;
    assert_eq!(
        worker
            .get(w.app.url("/candidates"))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    assert_eq!(
        worker
            .get(w.app.url("/api/v1/candidates"))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );

    // The senior sees why: the shared concept in their language, both organisations.
    let c = signed_in(&w.app, "senior@example.org").await;
    let html = page(&c, w.app.url("/candidates")).await;
    assert!(html.contains("rehabilitation"), "{html}");
    assert!(html.contains("2 workers in 2 organisations"), "{html}");
    let api: serde_json::Value = c
        .get(w.app.url("/api/v1/candidates"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(api[0]["finding_ids"], serde_json::json!([ids[0], ids[1]]));

    // Dismissed: gone, and a new pass keeps it hidden…
    let token = csrf(&w.app, &c, "/candidates").await;
    let res = c
        .post(w.app.url(&format!("/candidates/{}/dismiss", list[0].id)))
        .form(&[("csrf_token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert!(s.list_candidates().await.unwrap().is_empty());
    run_recurrence_pass(s).await.unwrap();
    assert!(
        s.list_candidates().await.unwrap().is_empty(),
        "stays dismissed"
    );
    // …until a new finding joins it.
    let new = record(&w, &[(GAP[2], true)]).await;
    run_recurrence_pass(s).await.unwrap();
    let list = s.list_candidates().await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].finding_ids, vec![ids[0], ids[1], new[0]]);

    // Turning it into an issue: a missing title keeps what was typed.
    let res = c
        .post(w.app.url(&format!("/candidates/{}/issue", list[0].id)))
        .form(&[
            ("title", ""),
            (
                "problem_statement",
                "Rehabilitation stops at 14 — typed by hand",
            ),
            ("priority", "high"),
            ("csrf_token", &token),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("Rehabilitation stops at 14 — typed by hand"),
        "{html}"
    );
    assert!(html.contains("Give the issue a title"), "{html}");
    assert!(s.list_issues().await.unwrap().is_empty(), "nothing created");

    let res = c
        .post(w.app.url(&format!("/candidates/{}/issue", list[0].id)))
        .form(&[
            ("title", "Rehabilitation subsidy stops at 14"),
            ("problem_statement", "Children still need therapy after 14."),
            ("priority", "high"),
            ("finding_id", &ids[0].to_string()),
            ("finding_id", &ids[1].to_string()),
            ("finding_id", &new[0].to_string()),
            ("csrf_token", &token),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let issues = s.list_issues().await.unwrap();
    assert_eq!(issues.len(), 1);
    assert_eq!(linked(s, issues[0].id).await.len(), 3);
    assert!(
        s.list_candidates().await.unwrap().is_empty(),
        "the candidate is used up"
    );
    // Posting the old candidate again changes nothing.
    let res = c
        .post(w.app.url(&format!("/candidates/{}/issue", list[0].id)))
        .form(&[
            ("title", "Again"),
            ("problem_statement", "Again"),
            ("priority", "high"),
            ("csrf_token", &token),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(s.list_issues().await.unwrap().len(), 1);
    // Linked findings are no longer candidates.
    run_recurrence_pass(s).await.unwrap();
    assert!(s.list_candidates().await.unwrap().is_empty());
    w.app.stop().await;
}

async fn one_instance_holds_the_lease(db: Db) {
    let t = TestDb::create(db).await.unwrap();
    let w = world(&t).await;
    let s = &w.app.store;
    let now = chrono::Utc::now();
    let later = now + chrono::Duration::minutes(30);
    assert!(s.claim_lease("recurrence", "a", now, later).await.unwrap());
    assert!(!s.claim_lease("recurrence", "b", now, later).await.unwrap());
    assert!(
        s.claim_lease("recurrence", "a", now, later).await.unwrap(),
        "renewed"
    );
    assert!(
        s.claim_lease(
            "recurrence",
            "b",
            later + chrono::Duration::seconds(1),
            later + chrono::Duration::minutes(30)
        )
        .await
        .unwrap(),
        "expired"
    );
    w.app.stop().await;
}

async fn a_saved_finding_suggests_issues_and_findings_like_it(db: Db) {
    let t = TestDb::create(db).await.unwrap();
    let w = world(&t).await;
    let s = &w.app.store;
    let senior = w
        .app
        .user("senior@example.org", Role::Senior, "Qingshuiwan Station")
        .await;
    let earlier = record(&w, &[(GAP[1], true), (OTHER, true)]).await;
    let issue = crate::common::new_issue(
        s,
        w.area,
        senior,
        "康复补贴14岁停止",
        "孤独症儿童康复救助到14周岁截止。",
    )
    .await;
    // The worker records a new finding through the page.
    let worker = signed_in(&w.app, "worker@example.org").await;
    let token = csrf(&w.app, &worker, "/findings/new").await;
    let res = worker
        .post(w.app.url("/findings"))
        .form(&[
            ("narrative", GAP[0]),
            ("policy_area_id", &w.area.to_string()),
            ("locality_id", &w.community.to_string()),
            ("observed_on", "2026-10-02"),
            ("people_affected", "1"),
            ("csrf_token", &token),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let location = res.headers()["location"].to_str().unwrap().to_string();
    let html = worker
        .get(w.app.url(&location))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Looks like"), "{html}");
    assert!(
        html.contains(&format!("/issues/{}", issue.id)),
        "the issue is suggested: {html}"
    );
    assert!(
        html.contains("Propose for this issue"),
        "a worker proposes: {html}"
    );
    assert!(
        !html.contains(&format!("/findings/{}\"", earlier[1])),
        "the unrelated finding is not: {html}"
    );
    w.app.stop().await;
}

/// The findings compared with may lag new ones by the configured seconds (so a stream
/// of saves does not rebuild the comparison on every page), never beyond; the issues
/// offered for linking are always current.
async fn suggestions_lag_new_findings_only_as_configured(db: Db) {
    for lag in [0u64, 3600] {
        let t = TestDb::create(db).await.unwrap();
        let settings = groundswell::config::WebSettings {
            suggestions_lag_seconds: lag,
            ..Default::default()
        };
        let w = crate::findings_store::world_with(&t, settings).await;
        let senior = w
            .app
            .user("senior@example.org", Role::Senior, "Qingshuiwan Station")
            .await;
        let first = record(&w, &[(GAP[0], false)]).await[0];
        let c = signed_in(&w.app, "senior@example.org").await;
        let before = page(&c, w.app.url(&format!("/findings/{first}"))).await;
        assert!(
            !before.contains("Looks like"),
            "nothing alike yet: {before}"
        );
        // A colleague records the same gap, and an issue is opened.
        let later = record(&w, &[(GAP[1], true)]).await[0];
        let issue =
            crate::common::new_issue(&w.app.store, w.area, senior, "新议题", "另一件事。").await;
        let after = page(&c, w.app.url(&format!("/findings/{first}"))).await;
        let suggested = after.contains(&format!("/findings/{later}\""));
        assert_eq!(suggested, lag == 0, "lag {lag}: {after}");
        assert!(
            after.contains(&format!("value=\"{}\"", issue.id)),
            "the new issue can be linked at once (lag {lag}): {after}"
        );
        w.app.stop().await;
    }
}

/// A candidate can hold a finding about another gap: the reviewer unticks it, the issue
/// links only the rest, and the one left out stays unlinked for the next pass.
async fn a_reviewer_leaves_out_findings_that_describe_another_gap(db: Db) {
    let t = TestDb::create(db).await.unwrap();
    let w = with_senior(&t).await;
    let s = &w.app.store;
    let ids = record(&w, &[(GAP[0], false), (GAP[1], true), (GAP[2], true)]).await;
    let outside = record(&w, &[(OTHER, false)]).await[0];
    run_recurrence_pass(s).await.unwrap();
    let list = s.list_candidates().await.unwrap();
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0].finding_ids, ids);
    let c = signed_in(&w.app, "senior@example.org").await;
    let token = csrf(&w.app, &c, "/candidates").await;
    let html = page(&c, w.app.url("/candidates")).await;
    for id in &ids {
        assert!(
            html.contains(&format!("name=\"finding_id\" value=\"{id}\" checked")),
            "every finding is ticked to start with: {html}"
        );
    }
    let url = w.app.url(&format!("/candidates/{}/issue", list[0].id));
    let post = |fields: Vec<(&'static str, String)>| {
        let mut form = fields;
        form.push(("csrf_token", token.clone()));
        c.post(&url).form(&form).send()
    };

    // Nothing ticked: a clear error, what was typed and what was unticked kept.
    let res = post(vec![
        ("title", "Typed title".into()),
        ("problem_statement", "Typed statement".into()),
        ("priority", "high".into()),
    ])
    .await
    .unwrap();
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("Tick at least one finding to link."),
        "{html}"
    );
    assert!(html.contains("Typed title") && html.contains("Typed statement"));
    // A finding from outside the candidate counts for nothing.
    let res = post(vec![
        ("title", "Typed title".into()),
        ("problem_statement", "Typed statement".into()),
        ("priority", "high".into()),
        ("finding_id", outside.to_string()),
    ])
    .await
    .unwrap();
    assert_eq!(res.status(), 422);
    // An error elsewhere keeps the ticks as they were.
    let res = post(vec![
        ("title", "".into()),
        ("problem_statement", "Typed statement".into()),
        ("priority", "high".into()),
        ("finding_id", ids[0].to_string()),
        ("finding_id", ids[1].to_string()),
    ])
    .await
    .unwrap();
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains(&format!("value=\"{}\" checked", ids[1])));
    assert!(!html.contains(&format!("value=\"{}\" checked", ids[2])));
    assert!(s.list_issues().await.unwrap().is_empty(), "nothing created");

    // Two kept, one left out, and a crafted id from outside ignored.
    let res = post(vec![
        ("title", "Rehabilitation subsidy stops at 14".into()),
        ("problem_statement", "Children still need therapy.".into()),
        ("priority", "high".into()),
        ("finding_id", ids[0].to_string()),
        ("finding_id", ids[1].to_string()),
        ("finding_id", outside.to_string()),
    ])
    .await
    .unwrap();
    assert_eq!(res.status(), 303);
    let issues = s.list_issues().await.unwrap();
    assert_eq!(issues.len(), 1);
    assert_eq!(linked(s, issues[0].id).await, vec![ids[0], ids[1]]);
    let unlinked: Vec<i64> = s
        .recurrence_docs()
        .await
        .unwrap()
        .iter()
        .map(|d| d.id)
        .collect();
    assert!(unlinked.contains(&ids[2]) && unlinked.contains(&outside));
    let issue_page = page(&c, w.app.url(&format!("/issues/{}", issues[0].id))).await;
    assert!(
        issue_page.contains("The 1 you left out stay unlinked"),
        "{issue_page}"
    );
    let audit = s.audit_of("issue", issues[0].id).await.unwrap();
    assert!(
        audit
            .iter()
            .any(|a| a.detail.contains(&format!("left out {}", ids[2]))),
        "{audit:?}"
    );
    assert!(s.list_candidates().await.unwrap().is_empty());
    w.app.stop().await;
}

/// A pass can find many candidates; each page shows twenty, all of whose findings can
/// be reviewed, and a failed form comes back on the page that holds its candidate.
async fn candidates_come_twenty_to_a_page(db: Db) {
    use groundswell::domain::recurrence::Candidate;
    let t = TestDb::create(db).await.unwrap();
    let w = with_senior(&t).await;
    let s = &w.app.store;
    let ids = record(&w, &[(GAP[0], false), (GAP[1], true), (GAP[2], true)]).await;
    // Twenty-five candidates, the larger first, as the pass stores them.
    let found: Vec<Candidate> = (0..25)
        .map(|i| Candidate {
            finding_ids: if i < 5 {
                ids.clone()
            } else {
                ids[..2].to_vec()
            },
            area_id: w.area,
            workers: 2,
            organisations: 2,
            shared_terms: vec!["@rehab".into()],
            threshold: None,
            benefits: vec![],
            failure_mode: None,
            cohesion: 1.0 - i as f64 / 100.0,
        })
        .collect();
    s.replace_candidates(&found, &[false; 25], chrono::Utc::now(), 3)
        .await
        .unwrap();
    let list = s.list_candidates().await.unwrap();
    assert_eq!(list.len(), 25);
    let c = signed_in(&w.app, "senior@example.org").await;
    let first = page(&c, w.app.url("/candidates")).await;
    assert_eq!(first.matches("class=\"card candidate\"").count(), 20);
    assert!(first.contains("Page 1 of 2 (25 candidates)."), "{first}");
    assert!(first.contains("href=\"/candidates?page=2\""));
    assert!(first.contains(&format!("id=\"candidate-{}\"", list[0].id)));
    let second = page(&c, w.app.url("/candidates?page=2")).await;
    assert_eq!(second.matches("class=\"card candidate\"").count(), 5);
    assert!(second.contains(&format!("id=\"candidate-{}\"", list[24].id)));
    assert!(!second.contains(&format!("id=\"candidate-{}\"", list[0].id)));
    // Past the end: the last page.
    let beyond = page(&c, w.app.url("/candidates?page=9")).await;
    assert_eq!(beyond.matches("class=\"card candidate\"").count(), 5);

    let token = csrf(&w.app, &c, "/candidates").await;
    let res = c
        .post(w.app.url(&format!("/candidates/{}/issue", list[23].id)))
        .form(&[
            ("title", ""),
            ("problem_statement", "Typed on page two"),
            ("priority", "normal"),
            ("finding_id", &ids[0].to_string()),
            ("csrf_token", &token),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("Typed on page two"), "{html}");
    assert!(html.contains("Page 2 of 2"), "{html}");
    w.app.stop().await;
}

/// The way a policy fails, as the worker confirmed it, is stored, read by the
/// recurring-gap pass, shown on the finding's page, and checked against the typology.
async fn a_confirmed_failure_mode_is_stored_read_by_the_pass_and_shown(db: Db) {
    let t = TestDb::create(db).await.unwrap();
    let w = with_senior(&t).await;
    let s = &w.app.store;
    let mut ids = Vec::new();
    for (text, other_org, mode) in [(GAP[0], false, "age"), (GAP[1], true, "amount")] {
        let author = if other_org { &w.other_org } else { &w.worker };
        let mut i = input(text, w.area, w.community, "2026-10-01");
        i.failure_mode = mode.into();
        ids.push(save(s, author, &validate(&i, today()).unwrap()).await);
    }
    // A third worker confirms the first's way: those two are a candidate whose reasons
    // say how it fails.
    let mut i = input(GAP[2], w.area, w.community, "2026-10-01");
    i.failure_mode = "age".into();
    let third = save(s, &w.other_org, &validate(&i, today()).unwrap()).await;
    run_recurrence_pass(s).await.unwrap();
    let list = s.list_candidates().await.unwrap();
    let with_third = list
        .iter()
        .find(|c| c.finding_ids.contains(&third))
        .expect("the third finding is in a candidate");
    assert!(with_third.finding_ids.contains(&ids[0]), "{list:?}");
    assert_eq!(with_third.failure_mode.as_deref(), Some("age"));
    assert_eq!(with_third.failure_mode_count, Some(2));
    let docs = s.recurrence_docs().await.unwrap();
    let mode_of = |id: i64| {
        docs.iter()
            .find(|d| d.id == id)
            .unwrap()
            .failure_mode
            .clone()
    };
    assert_eq!(mode_of(ids[0]).as_deref(), Some("age"));
    assert_eq!(mode_of(ids[1]).as_deref(), Some("amount"));
    let stored = s.get_findings(&[ids[0]]).await.unwrap();
    assert_eq!(stored[0].failure_mode.as_deref(), Some("age"));
    let c = signed_in(&w.app, "senior@example.org").await;
    let shown = page(&c, w.app.url(&format!("/findings/{}", ids[0]))).await;
    assert!(
        shown.contains("How it fails") && shown.contains("Age limit"),
        "{shown}"
    );
    let list_page = page(&c, w.app.url("/candidates")).await;
    assert!(
        list_page.contains("How it fails: Age limit (confirmed in 2 findings)"),
        "{list_page}"
    );
    i.failure_mode = "colour".into();
    let problems = validate(&i, today()).unwrap_err();
    assert!(
        problems
            .iter()
            .any(|p| p.field == "failure_mode" && p.key == "finding.failure_mode_unknown"),
        "{problems:?}"
    );
    w.app.stop().await;
}

crate::both_databases!(
    a_confirmed_failure_mode_is_stored_read_by_the_pass_and_shown,
    candidates_come_twenty_to_a_page,
    a_reviewer_leaves_out_findings_that_describe_another_gap,
    suggestions_lag_new_findings_only_as_configured,
    a_pass_finds_dismisses_and_turns_a_gap_into_an_issue,
    one_instance_holds_the_lease,
    a_saved_finding_suggests_issues_and_findings_like_it,
);
