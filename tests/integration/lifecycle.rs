//! From proposal to government answer, on both databases: the shipped holiday calendar,
//! departments, an issue walked through review and submission (refusals included),
//! submissions with their reply deadlines, and the same through the API.

use chrono::NaiveDate;
use groundswell::domain::role::Role;
use groundswell::domain::token;
use groundswell::domain::workdays::HolidayCalendar;
use groundswell::store::AuditEvent;
use groundswell::store::issues::NewIssue;
use serde_json::{Value, json};

use crate::common::{Db, TestDb, csrf, signed_in};
use crate::findings_store::world;

async fn bearer(s: &groundswell::store::DynStore, user: i64) -> String {
    let secret = token::generate();
    s.create_api_token(
        user,
        "t",
        &token::hash(&secret),
        &AuditEvent::new("token.created", None, None),
    )
    .await
    .unwrap();
    secret
}

async fn the_shipped_holiday_calendar_is_the_official_one(db: Db) {
    let t = TestDb::create(db).await.unwrap();
    let w = world(&t).await;
    let cal = w.app.store.holiday_calendar().await.unwrap();
    assert_eq!(cal, HolidayCalendar::official());
    // An admin can declare another year and mark its days.
    let ev = || AuditEvent::new("holiday.changed", None, None);
    let d = NaiveDate::from_ymd_opt(2027, 1, 1).unwrap();
    w.app
        .store
        .set_holiday(
            d,
            Some(groundswell::domain::workdays::DayKind::Holiday),
            &ev(),
        )
        .await
        .unwrap();
    w.app.store.add_holiday_year(2027, &ev()).await.unwrap();
    let cal = w.app.store.holiday_calendar().await.unwrap();
    assert_eq!(cal.is_working_day(d), Some(false));
    assert!(cal.covers(2027));
    w.app.stop().await;
}

async fn an_issue_goes_through_review_and_submission(db: Db) {
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
    let admin = w
        .app
        .user("admin@example.org", Role::Admin, "Ningbo Federation")
        .await;
    let issue = s
        .create_issue(
            &NewIssue {
                title: "Rehabilitation subsidy stops at 14".into(),
                problem_statement: "Children still need therapy.".into(),
                policy_area_id: w.area,
                owner_id: senior,
                priority: "high".into(),
            },
            &AuditEvent::new("issue.created", Some(senior), None),
        )
        .await
        .unwrap();
    let page = format!("/issues/{}", issue.id);
    let stage = |id| async move { s.get_issue(id).await.unwrap().unwrap().stage };

    // Departments: an admin adds one on the page; a duplicate name keeps what was typed.
    let a = signed_in(&w.app, "admin@example.org").await;
    let at = csrf(&w.app, &a, "/departments").await;
    let form = |name: &str, token: &str| {
        vec![
            ("name_zh", name.to_string()),
            ("name_en", "Ningbo Civil Affairs Bureau".to_string()),
            ("level", "municipal".to_string()),
            ("reply_unit", "months".to_string()),
            ("reply_count", "3".to_string()),
            ("active", "on".to_string()),
            ("csrf_token", token.to_string()),
        ]
    };
    let res = a
        .post(w.app.url("/departments"))
        .form(&form("宁波市民政局", &at))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let res = a
        .post(w.app.url("/departments"))
        .form(&form("宁波市民政局", &at))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("exists already") && html.contains("Ningbo Civil Affairs Bureau"),
        "{html}"
    );
    let departments = s.list_departments().await.unwrap();
    assert_eq!(departments.len(), 1);
    let dept = departments[0].id;

    // The senior starts drafting and asks for review.
    let c = signed_in(&w.app, "senior@example.org").await;
    let token = csrf(&w.app, &c, &page).await;
    let go = |client: &reqwest::Client, token: &str, m: &str, extra: &[(&str, &str)]| {
        let mut f: Vec<(String, String)> = vec![
            ("move".into(), m.into()),
            ("csrf_token".into(), token.into()),
        ];
        f.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        client
            .post(w.app.url(&format!("{page}/transitions")))
            .form(&f)
            .send()
    };
    assert_eq!(
        go(&c, &token, "start_drafting", &[])
            .await
            .unwrap()
            .status(),
        303
    );
    assert_eq!(
        go(&c, &token, "request_review", &[])
            .await
            .unwrap()
            .status(),
        303
    );
    assert_eq!(stage(issue.id).await, "review");
    // A senior may not approve their own draft.
    go(&c, &token, "approve", &[]).await.unwrap();
    let html = c
        .get(w.app.url(&page))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Your role may not make this move."), "{html}");
    assert_eq!(stage(issue.id).await, "review");
    // Workers may not move issues at all.
    let worker = signed_in(&w.app, "worker@example.org").await;
    let wt = csrf(&w.app, &worker, &page).await;
    assert_eq!(
        go(&worker, &wt, "approve", &[]).await.unwrap().status(),
        403
    );

    // The coordinator sends it back; comments are required.
    let k = signed_in(&w.app, "lin@example.org").await;
    let kt = csrf(&w.app, &k, &page).await;
    go(&k, &kt, "send_back", &[("note", "  ")]).await.unwrap();
    let html = k
        .get(w.app.url(&page))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("a note is needed"), "{html}");
    go(
        &k,
        &kt,
        "send_back",
        &[("note", "Add the district figures")],
    )
    .await
    .unwrap();
    assert_eq!(stage(issue.id).await, "drafting");
    go(&c, &token, "request_review", &[]).await.unwrap();
    go(&k, &kt, "approve", &[]).await.unwrap();
    assert_eq!(stage(issue.id).await, "review");
    // Approved, but nothing submitted yet: refused with the reason.
    go(&c, &token, "submit", &[]).await.unwrap();
    let html = c
        .get(w.app.url(&page))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Record the submission to a department"),
        "{html}"
    );
    assert_eq!(stage(issue.id).await, "review");

    // Recording the submission: a date in the future is refused and the form keeps
    // what was typed; then the real one, due three months later on a working day.
    let sub = |date: &str| {
        vec![
            ("department_id", dept.to_string()),
            ("handling", "lead".to_string()),
            ("channel", "cppcc_proposal".to_string()),
            ("submitted_on", date.to_string()),
            ("reference", "甬政协提〔2026〕17号".to_string()),
            ("contact", "社会救助处".to_string()),
            ("csrf_token", token.clone()),
        ]
    };
    let res = c
        .post(w.app.url(&format!("{page}/submissions")))
        .form(&sub("2099-01-01"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let html = c
        .get(w.app.url(&page))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("cannot be in the future"), "{html}");
    assert!(
        html.contains("甬政协提〔2026〕17号"),
        "typed reference kept: {html}"
    );
    assert!(s.list_submissions(issue.id).await.unwrap().is_empty());
    let res = c
        .post(w.app.url(&format!("{page}/submissions")))
        .form(&sub("2026-07-01"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let subs = s.list_submissions(issue.id).await.unwrap();
    assert_eq!(subs.len(), 1);
    // 1 Oct 2026 is National Day: the deadline moves to Thursday 8 Oct.
    assert_eq!(
        subs[0].due_on,
        NaiveDate::from_ymd_opt(2026, 10, 8).unwrap()
    );
    assert!(!subs[0].due_calendar_missing);
    go(&c, &token, "submit", &[]).await.unwrap();
    assert_eq!(stage(issue.id).await, "submitted");
    let html = c
        .get(w.app.url(&page))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("CPPCC proposal") && html.contains("2026-10-08"),
        "{html}"
    );
    assert!(
        html.contains("long overdue:"),
        "no answer since 8 Oct: {html}"
    );
    // The department's page lists it.
    let html = c
        .get(w.app.url(&format!("/departments/{dept}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains(&format!("/issues/{}", issue.id)), "{html}");

    // No response yet: cannot be marked responded. Closing and reopening.
    go(&c, &token, "mark_responded", &[]).await.unwrap();
    assert_eq!(stage(issue.id).await, "submitted");
    go(&c, &token, "close", &[("resolution", "withdrawn")])
        .await
        .unwrap();
    assert_eq!(stage(issue.id).await, "submitted", "seniors do not close");
    go(&k, &kt, "close", &[("resolution", "merged")])
        .await
        .unwrap();
    assert_eq!(
        stage(issue.id).await,
        "submitted",
        "merged is not chosen by hand"
    );
    go(
        &k,
        &kt,
        "close",
        &[
            ("resolution", "withdrawn"),
            ("note", "The bureau changed the rule"),
        ],
    )
    .await
    .unwrap();
    let closed = s.get_issue(issue.id).await.unwrap().unwrap();
    assert_eq!(
        (closed.stage.as_str(), closed.resolution.as_deref()),
        ("closed", Some("withdrawn"))
    );
    go(&k, &kt, "reopen", &[("note", "The rule came back")])
        .await
        .unwrap();
    let reopened = s.get_issue(issue.id).await.unwrap().unwrap();
    assert_eq!(
        (reopened.stage.as_str(), reopened.resolution.as_deref()),
        ("submitted", None)
    );

    // Every move is on the timeline with who and the note.
    let timeline = s.audit_of("issue", issue.id).await.unwrap();
    let actions: Vec<&str> = timeline.iter().map(|e| e.action.as_str()).collect();
    for a in [
        "issue.drafting_started",
        "issue.review_requested",
        "issue.sent_back",
        "issue.approved",
        "issue.submission_recorded",
        "issue.submitted",
        "issue.closed",
        "issue.reopened",
    ] {
        assert!(actions.contains(&a), "{a} in {actions:?}");
    }
    assert!(
        timeline
            .iter()
            .any(|e| e.action == "issue.sent_back" && e.detail == "Add the district figures")
    );

    // The API: a stale move is a conflict with a stable code; a move by an admin works.
    let secret = bearer(s, admin).await;
    let api = reqwest::Client::new();
    let res = api
        .post(
            w.app
                .url(&format!("/api/v1/issues/{}/transitions", issue.id)),
        )
        .bearer_auth(&secret)
        .json(&json!({ "move": "mark_responded", "from": "review" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 409);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "conflict");
    let res = api
        .post(
            w.app
                .url(&format!("/api/v1/issues/{}/transitions", issue.id)),
        )
        .bearer_auth(&secret)
        .json(&json!({ "move": "mark_responded" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 409);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "transition_needs_response");
    let res = api
        .post(
            w.app
                .url(&format!("/api/v1/issues/{}/transitions", issue.id)),
        )
        .bearer_auth(&secret)
        .json(&json!({ "move": "close", "resolution": "achieved" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["stage"], "closed");
    w.app.stop().await;
}

async fn departments_and_submissions_through_the_api(db: Db) {
    let t = TestDb::create(db).await.unwrap();
    let w = world(&t).await;
    let s = &w.app.store;
    let senior = w
        .app
        .user("senior@example.org", Role::Senior, "Qingshuiwan Station")
        .await;
    let admin = w
        .app
        .user("admin@example.org", Role::Admin, "Ningbo Federation")
        .await;
    let admin_key = bearer(s, admin).await;
    let senior_key = bearer(s, senior).await;
    let api = reqwest::Client::new();
    // Only admins create departments; bad input names the field.
    let res = api
        .post(w.app.url("/api/v1/departments"))
        .bearer_auth(&senior_key)
        .json(&json!({ "name_zh": "慈溪市残联", "level": "county" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let res = api
        .post(w.app.url("/api/v1/departments"))
        .bearer_auth(&admin_key)
        .json(&json!({ "name_zh": "慈溪市残联", "level": "city", "reply_unit": "working_days", "reply_count": "60" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["fields"][0]["field"], "level");
    let res = api
        .post(w.app.url("/api/v1/departments"))
        .bearer_auth(&admin_key)
        .json(&json!({ "name_zh": "慈溪市残联", "name_en": "Cixi Disabled Persons' Federation", "level": "county", "reply_unit": "working_days", "reply_count": "20" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let dept: Value = res.json().await.unwrap();
    let listed: Value = api
        .get(w.app.url("/api/v1/departments"))
        .bearer_auth(&senior_key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed[0]["name_en"], "Cixi Disabled Persons' Federation");

    let issue = crate::common::new_issue(s, w.area, senior, "t", "p").await;
    let url = w
        .app
        .url(&format!("/api/v1/issues/{}/submissions", issue.id));
    let res = api
        .post(&url)
        .bearer_auth(&senior_key)
        .json(&json!({ "department_id": dept["id"].to_string(), "handling": "co", "channel": "fax", "submitted_on": "2026-09-24" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["fields"][0]["field"], "channel");
    // 20 working days from Thursday 24 Sep 2026 run through Mid-Autumn (25–27 Sep off)
    // and National Day (1–7 Oct off; Sunday 20 Sep and Saturday 10 Oct worked):
    // 28, 29, 30 Sep, 8, 9, 10, 12–16, 19–23, 26–29 Oct.
    let res = api
        .post(&url)
        .bearer_auth(&senior_key)
        .json(&json!({ "department_id": dept["id"].to_string(), "handling": "co", "channel": "letter", "submitted_on": "2026-09-24" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let row: Value = res.json().await.unwrap();
    assert_eq!(row["due_on"], "2026-10-29");
    assert_eq!(row["handling"], "co");
    let listed: Value = api
        .get(&url)
        .bearer_auth(&senior_key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    // The OpenAPI description has the new paths.
    let spec: Value = api
        .get(w.app.url("/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for p in [
        "/api/v1/departments",
        "/api/v1/issues/{id}/transitions",
        "/api/v1/issues/{id}/submissions",
    ] {
        assert!(spec["paths"][p].is_object(), "{p}");
    }
    w.app.stop().await;
}

async fn two_departments_answer_differently(db: Db) {
    let t = TestDb::create(db).await.unwrap();
    let w = world(&t).await;
    let s = &w.app.store;
    let senior = w
        .app
        .user("senior@example.org", Role::Senior, "Qingshuiwan Station")
        .await;
    let admin = w
        .app
        .user("admin@example.org", Role::Admin, "Ningbo Federation")
        .await;
    let ev = |a: &'static str| AuditEvent::new(a, Some(admin), None);
    let dept = |zh: &str, unit: &str, n: i64| groundswell::store::lifecycle::NewDepartment {
        name_zh: zh.into(),
        name_en: String::new(),
        level: "municipal".into(),
        parent_id: None,
        reply_unit: unit.into(),
        reply_count: n,
        active: true,
    };
    let civil = s
        .create_department(
            &dept("宁波市民政局", "months", 3),
            &ev("department.created"),
        )
        .await
        .unwrap();
    let disabled = s
        .create_department(
            &dept("宁波市残联", "working_days", 30),
            &ev("department.created"),
        )
        .await
        .unwrap();
    let issue = s
        .create_issue(
            &NewIssue {
                title: "Respite care for parents of disabled children".into(),
                problem_statement: "No respite.".into(),
                policy_area_id: w.area,
                owner_id: senior,
                priority: "high".into(),
            },
            &AuditEvent::new("issue.created", Some(senior), None),
        )
        .await
        .unwrap();
    let page = format!("/issues/{}", issue.id);
    let c = signed_in(&w.app, "senior@example.org").await;
    let token = csrf(&w.app, &c, &page).await;
    for (d, handling) in [(civil, "lead"), (disabled, "co")] {
        let res = c
            .post(w.app.url(&format!("{page}/submissions")))
            .form(&[
                ("department_id", d.to_string()),
                ("handling", handling.to_string()),
                ("channel", "letter".to_string()),
                ("submitted_on", "2026-03-02".to_string()),
                ("csrf_token", token.clone()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303);
    }
    let subs = s.list_submissions(issue.id).await.unwrap();
    let (lead, co) = (
        subs.iter().find(|x| x.department_id == civil).unwrap(),
        subs.iter().find(|x| x.department_id == disabled).unwrap(),
    );
    // 3 months: Tuesday 2 Jun 2026. 30 working days from Monday 2 Mar 2026, skipping
    // Qingming (6 Apr, a Monday): 14 Apr.
    assert_eq!(lead.due_on, NaiveDate::from_ymd_opt(2026, 6, 2).unwrap());
    assert_eq!(co.due_on, NaiveDate::from_ymd_opt(2026, 4, 14).unwrap());

    // An extension past six months is refused, one within is kept.
    let extend = |date: &str, version: i64| {
        c.post(w.app.url(&format!("/submissions/{}/extend", lead.id)))
            .form(&[
                ("new_due", date.to_string()),
                ("note", "Bureau asked for time".to_string()),
                ("version", version.to_string()),
                ("csrf_token", token.clone()),
            ])
            .send()
    };
    extend("2026-09-03", lead.version).await.unwrap();
    assert_eq!(
        s.get_submission(lead.id)
            .await
            .unwrap()
            .unwrap()
            .extended_due_on,
        None
    );
    extend("2026-08-31", lead.version).await.unwrap();
    let lead_now = s.get_submission(lead.id).await.unwrap().unwrap();
    assert_eq!(
        lead_now.extended_due_on,
        NaiveDate::from_ymd_opt(2026, 8, 31)
    );
    // A second save from a page that showed the old version is told, and changes nothing.
    extend("2026-09-01", lead.version).await.unwrap();
    let html = c
        .get(w.app.url(&page))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Someone changed this meanwhile"), "{html}");
    assert_eq!(
        s.get_submission(lead.id)
            .await
            .unwrap()
            .unwrap()
            .extended_due_on,
        NaiveDate::from_ymd_opt(2026, 8, 31)
    );

    // The civil affairs bureau answers B with a commitment; a response dated before the
    // submission is refused and what was typed comes back.
    let respond = |sub: i64, date: &str, class: &str, summary: &str, commitments: &str| {
        c.post(w.app.url(&format!("/submissions/{sub}/responses")))
            .form(&[
                ("responded_on", date.to_string()),
                ("classification", class.to_string()),
                ("summary", summary.to_string()),
                ("commitments", commitments.to_string()),
                ("csrf_token", token.clone()),
            ])
            .send()
    };
    respond(lead.id, "2026-02-01", "B", "Typed summary kept", "")
        .await
        .unwrap();
    let html = c
        .get(w.app.url(&page))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("cannot be dated before its submission"),
        "{html}"
    );
    assert!(html.contains("Typed summary kept"), "{html}");
    respond(
        lead.id,
        "2026-05-20",
        "B",
        "Respite places will be piloted in two districts.",
        "Pilot respite care in Haishu and Yinzhou | 2026-12-31",
    )
    .await
    .unwrap();
    // The disabled persons' federation answers C (not feasible now).
    respond(co.id, "2026-04-10", "C", "No budget this year.", "")
        .await
        .unwrap();
    let responses = s.list_responses(issue.id).await.unwrap();
    assert_eq!(responses.len(), 2);
    let commitments = s.list_commitments(issue.id).await.unwrap();
    assert_eq!(commitments.len(), 1);
    assert_eq!(commitments[0].due_on, NaiveDate::from_ymd_opt(2026, 12, 31));

    // Not satisfied with C: a re-handling round opens, due in a month; the submission
    // awaits an answer again.
    let co_response = responses.iter().find(|r| r.classification == "C").unwrap();
    let res = c
        .post(
            w.app
                .url(&format!("{page}/responses/{}/satisfaction", co_response.id)),
        )
        .form(&[
            ("satisfaction", "not_satisfied".to_string()),
            ("version", co_response.version.to_string()),
            ("csrf_token", token.clone()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let co_now = s.get_submission(co.id).await.unwrap().unwrap();
    assert!(co_now.awaits_response());
    assert!(co_now.rehandling_due_on.is_some());
    respond(
        co.id,
        "2026-11-20",
        "B",
        "After re-handling: a small respite budget from 2027.",
        "",
    )
    .await
    .unwrap();
    let co_now = s.get_submission(co.id).await.unwrap().unwrap();
    assert!(co_now.answered());
    assert_eq!(
        s.list_responses(issue.id)
            .await
            .unwrap()
            .iter()
            .filter(|r| r.submission_id == co.id)
            .map(|r| r.round)
            .max(),
        Some(2)
    );
    // A third response without "not satisfied" is refused.
    respond(co.id, "2026-11-21", "A", "again", "")
        .await
        .unwrap();
    assert_eq!(s.list_responses(issue.id).await.unwrap().len(), 3);

    // The commitment is kept.
    let res = c
        .post(
            w.app
                .url(&format!("{page}/commitments/{}", commitments[0].id)),
        )
        .form(&[
            ("status", "done".to_string()),
            ("version", commitments[0].version.to_string()),
            ("csrf_token", token.clone()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(
        s.list_commitments(issue.id).await.unwrap()[0].status,
        "done"
    );

    // The departments' records are computed: the bureau answered on time (within its
    // extension) with a B; the federation's latest answer is a B after re-handling.
    let html = c
        .get(w.app.url(&format!("/departments/{civil}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("<span class=\"figure\">100%</span> answered on time"),
        "{html}"
    );
    assert!(
        html.contains("<span class=\"figure\">1</span> open commitments")
            || html.contains("<span class=\"figure\">0</span> open commitments"),
        "{html}"
    );
    assert!(html.contains("B 100%"), "{html}");
    let html = c
        .get(w.app.url(&format!("/departments/{disabled}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Not satisfied 1")
            && html.contains("<span class=\"figure\">39</span> median days"),
        "{html}"
    );

    // The API: D is outside the A/B/C scheme until an admin chooses the four classes.
    let key = bearer(s, senior).await;
    let other = s
        .create_department(
            &dept("宁波市人社局", "months", 3),
            &ev("department.created"),
        )
        .await
        .unwrap();
    let api = reqwest::Client::new();
    let res = api
        .post(w.app.url(&format!("/api/v1/issues/{}/submissions", issue.id)))
        .bearer_auth(&key)
        .json(&json!({ "department_id": other.to_string(), "handling": "co", "channel": "meeting", "submitted_on": "2026-10-09" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let third: Value = res.json().await.unwrap();
    let url = w
        .app
        .url(&format!("/api/v1/submissions/{}/responses", third["id"]));
    let res = api
        .post(&url)
        .bearer_auth(&key)
        .json(&json!({ "responded_on": "2026-11-02", "classification": "D", "summary": "For reference." }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        body["error"]["fields"][0]["code"],
        "responses.class_invalid"
    );
    s.set_setting("classification_scheme", "abcd", &ev("setting.changed"))
        .await
        .unwrap();
    let res = api
        .post(&url)
        .bearer_auth(&key)
        .json(&json!({ "responded_on": "2026-11-02", "classification": "D", "summary": "For reference." }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let listed: Value = api
        .get(&url)
        .bearer_auth(&key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed["responses"][0]["classification"], "D");

    // The whole way, with the submissions and answers already recorded: from identified
    // to closed as achieved, every move on the timeline.
    let k = bearer(s, admin).await;
    for (m, stage) in [
        ("start_drafting", "drafting"),
        ("request_review", "review"),
        ("approve", "review"),
        ("submit", "submitted"),
        ("mark_responded", "responded"),
        ("start_implementing", "implementing"),
        ("close", "closed"),
    ] {
        let res = api
            .post(
                w.app
                    .url(&format!("/api/v1/issues/{}/transitions", issue.id)),
            )
            .bearer_auth(&k)
            .json(&json!({ "move": m, "resolution": "achieved" }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{m}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["stage"], stage, "{m}");
    }
    let closed = s.get_issue(issue.id).await.unwrap().unwrap();
    assert_eq!(closed.resolution.as_deref(), Some("achieved"));
    let actions: Vec<String> = s
        .audit_of("issue", issue.id)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    for a in [
        "issue.approved",
        "issue.submitted",
        "issue.responded",
        "issue.implementing",
        "issue.closed",
        "issue.response_recorded",
        "issue.satisfaction_given",
        "issue.deadline_extended",
    ] {
        assert!(actions.iter().any(|x| x == a), "{a} in {actions:?}");
    }
    w.app.stop().await;
}

async fn the_policy_ledger_shows_what_an_issue_won(db: Db) {
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
                title: "Autism rehabilitation allowance far below cost".into(),
                problem_statement: "p".into(),
                policy_area_id: w.area,
                owner_id: senior,
                priority: "high".into(),
            },
            &AuditEvent::new("issue.created", Some(senior), None),
        )
        .await
        .unwrap();
    let c = signed_in(&w.app, "senior@example.org").await;
    let token = csrf(&w.app, &c, "/parameters").await;
    let res = c
        .post(w.app.url("/parameters"))
        .form(&[
            ("name_zh", "宁波市孤独症儿童康复补贴"),
            ("name_en", "Autism rehabilitation allowance, Ningbo"),
            ("unit", "元/人/月"),
            ("csrf_token", &token),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let location = res.headers()["location"].to_str().unwrap().to_string();
    let add = |value: &str, from: &str, issue: &str, people: &str| {
        c.post(w.app.url(&format!("{location}/values")))
            .form(&[
                ("value", value),
                ("valid_from", from),
                ("issue_id", issue),
                ("beneficiaries", people),
                ("source", "甬残联〔2026〕12号"),
                ("csrf_token", &token),
            ])
            .send()
    };
    assert_eq!(
        add("800", "2019-01-01", "", "").await.unwrap().status(),
        303
    );
    assert_eq!(
        add("2,000", "2026-07-01", &issue.id.to_string(), "3263")
            .await
            .unwrap()
            .status(),
        303
    );
    // A second value from the same date is refused; what was typed comes back.
    add("2100", "2026-07-01", "", "12").await.unwrap();
    let html = c
        .get(w.app.url(&location))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("already has a value from that date"),
        "{html}"
    );
    assert!(html.contains("value=\"2100\""), "{html}");
    assert!(
        html.contains("2019-01-01 – 2026-06-30"),
        "the first value ends where the next begins: {html}"
    );
    // The issue shows its outcome, before and after.
    let html = c
        .get(w.app.url(&format!("/issues/{}", issue.id)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("800 → <strong>2,000</strong> 元/人/月"),
        "{html}"
    );
    assert!(html.contains("reaches 3263 people"), "{html}");
    // Workers read the ledger but do not write it.
    let worker = signed_in(&w.app, "worker@example.org").await;
    let wt = csrf(&w.app, &worker, &location).await;
    let res = worker
        .post(w.app.url(&format!("{location}/values")))
        .form(&[
            ("value", "1"),
            ("valid_from", "2027-01-01"),
            ("csrf_token", &wt),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    // The API.
    let key = bearer(s, senior).await;
    let api = reqwest::Client::new();
    let listed: Value = api
        .get(w.app.url("/api/v1/parameters"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = listed[0]["id"].as_i64().unwrap();
    let res = api
        .post(w.app.url(&format!("/api/v1/parameters/{id}/values")))
        .bearer_auth(&key)
        .json(&json!({ "value": "lots", "valid_from": "2027-01-01" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let res = api
        .post(w.app.url(&format!("/api/v1/parameters/{id}/values")))
        .bearer_auth(&key)
        .json(&json!({ "value": "2200", "valid_from": "2027-01-01" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let history: Value = res.json().await.unwrap();
    assert_eq!(history.as_array().unwrap().len(), 3);
    w.app.stop().await;
}

async fn admins_keep_the_calendar_and_the_scheme(db: Db) {
    let t = TestDb::create(db).await.unwrap();
    let w = world(&t).await;
    let s = &w.app.store;
    w.app
        .user("admin@example.org", Role::Admin, "Ningbo Federation")
        .await;
    w.app
        .user("lin@example.org", Role::Coordinator, "Ningbo Federation")
        .await;
    let a = signed_in(&w.app, "admin@example.org").await;
    let token = csrf(&w.app, &a, "/admin/calendar").await;
    let html = a
        .get(w.app.url("/admin/calendar"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("<span class=\"tag\">2025</span>")
            && html.contains("<span class=\"tag\">2026</span>"),
        "{html}"
    );
    for (path, form) in [
        (
            "/admin/calendar/days",
            vec![("day", "2027-02-09"), ("kind", "holiday")],
        ),
        (
            "/admin/calendar/days",
            vec![("day", "2027-02-07"), ("kind", "workday")],
        ),
        ("/admin/calendar/years", vec![("year", "2027")]),
        ("/admin/scheme", vec![("scheme", "abcd")]),
    ] {
        let mut f = form.clone();
        f.push(("csrf_token", &token));
        assert_eq!(
            a.post(w.app.url(path))
                .form(&f)
                .send()
                .await
                .unwrap()
                .status(),
            303,
            "{path}"
        );
    }
    let cal = s.holiday_calendar().await.unwrap();
    assert!(cal.covers(2027));
    assert_eq!(
        cal.is_working_day(NaiveDate::from_ymd_opt(2027, 2, 9).unwrap()),
        Some(false)
    );
    assert_eq!(
        cal.is_working_day(NaiveDate::from_ymd_opt(2027, 2, 7).unwrap()),
        Some(true),
        "a Sunday worked"
    );
    assert_eq!(
        s.setting("classification_scheme").await.unwrap().as_deref(),
        Some("abcd")
    );
    // Coordinators may not.
    let k = signed_in(&w.app, "lin@example.org").await;
    let kt = csrf(&w.app, &k, "/").await;
    let res = k
        .post(w.app.url("/admin/scheme"))
        .form(&[("scheme", "abc"), ("csrf_token", &kt)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    w.app.stop().await;
}

async fn two_people_edit_an_issue_at_once(db: Db) {
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
    let issue = crate::common::new_issue(s, w.area, senior, "Old title", "Old statement").await;
    let edit = format!("/issues/{}/edit", issue.id);
    let a = signed_in(&w.app, "senior@example.org").await;
    let b = signed_in(&w.app, "lin@example.org").await;
    let at = csrf(&w.app, &a, &edit).await;
    let bt = csrf(&w.app, &b, &edit).await;
    let save = |c: &reqwest::Client,
                token: &str,
                title: &str,
                statement: &str,
                version: &str,
                ot: &str,
                os: &str| {
        c.post(w.app.url(&edit))
            .form(&[
                ("title", title),
                ("problem_statement", statement),
                ("priority", "normal"),
                ("version", version),
                ("orig_title", ot),
                ("orig_problem_statement", os),
                ("orig_priority", "normal"),
                ("csrf_token", token),
            ])
            .send()
    };
    // Both opened the form at version 1. A saves a new title.
    let res = save(
        &a,
        &at,
        "New title",
        "Old statement",
        "1",
        "Old title",
        "Old statement",
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 303);
    // B saves a new statement from the old version: refused, told what changed, keeps it.
    let res = save(
        &b,
        &bt,
        "Old title",
        "B's better statement",
        "1",
        "Old title",
        "Old statement",
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 409);
    let html = res.text().await.unwrap();
    assert!(html.contains("Someone else saved this issue"), "{html}");
    assert!(
        html.contains("New title"),
        "what A changed is shown: {html}"
    );
    assert!(
        html.contains("B&#39;s better statement") || html.contains("B's better statement"),
        "nothing typed is lost: {html}"
    );
    assert!(
        html.contains("name=\"version\" value=\"2\""),
        "the next save builds on A's: {html}"
    );
    let now = s.get_issue(issue.id).await.unwrap().unwrap();
    assert_eq!(
        (now.title.as_str(), now.problem_statement.as_str()),
        ("New title", "Old statement")
    );
    // B combines both and saves on top of version 2.
    let res = save(
        &b,
        &bt,
        "New title",
        "B's better statement",
        "2",
        "New title",
        "Old statement",
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 303);
    let now = s.get_issue(issue.id).await.unwrap().unwrap();
    assert_eq!(
        (
            now.title.as_str(),
            now.problem_statement.as_str(),
            now.version
        ),
        ("New title", "B's better statement", 3)
    );
    w.app.stop().await;
}

async fn two_people_correct_a_response_at_once(db: Db) {
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
    let ev = |a: &'static str| AuditEvent::new(a, Some(senior), None);
    let dept = crate::common::new_department(s, "宁波市民政局", "months", 3).await;
    let issue = s
        .create_issue(
            &NewIssue {
                title: "t".into(),
                problem_statement: "p".into(),
                policy_area_id: w.area,
                owner_id: senior,
                priority: "normal".into(),
            },
            &ev("issue.created"),
        )
        .await
        .unwrap();
    let sub = s
        .create_submission(
            &groundswell::store::lifecycle::NewSubmission {
                issue_id: issue.id,
                department_id: dept,
                handling: "lead",
                channel: "letter",
                submitted_on: NaiveDate::from_ymd_opt(2026, 5, 1).unwrap(),
                reference: "old ref".into(),
                contact: String::new(),
                due_on: NaiveDate::from_ymd_opt(2026, 8, 3).unwrap(),
                due_calendar_missing: false,
            },
            &ev("issue.submission_recorded"),
        )
        .await
        .unwrap();
    let rid = s
        .create_response(
            &groundswell::store::lifecycle::NewResponse {
                submission_id: sub,
                round: 1,
                responded_on: NaiveDate::from_ymd_opt(2026, 7, 1).unwrap(),
                classification: "C".into(),
                summary: "Old summary".into(),
                letter_id: None,
                commitments: vec![],
            },
            &ev("issue.response_recorded"),
        )
        .await
        .unwrap();
    let a = signed_in(&w.app, "senior@example.org").await;
    let b = signed_in(&w.app, "lin@example.org").await;
    let edit = format!("/responses/{rid}/edit");
    let at = csrf(&w.app, &a, &edit).await;
    let bt = csrf(&w.app, &b, &edit).await;
    let save = |c: &reqwest::Client,
                token: &str,
                class: &str,
                summary: &str,
                version: &str,
                oc: &str,
                os: &str| {
        c.post(w.app.url(&edit))
            .form(&[
                ("classification", class),
                ("summary", summary),
                ("version", version),
                ("orig_classification", oc),
                ("orig_summary", os),
                ("csrf_token", token),
            ])
            .send()
    };
    assert_eq!(
        save(&a, &at, "C", "A's fuller summary", "1", "C", "Old summary")
            .await
            .unwrap()
            .status(),
        303
    );
    let res = save(&b, &bt, "B", "Old summary", "1", "C", "Old summary")
        .await
        .unwrap();
    assert_eq!(res.status(), 409);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("Someone else saved this") && html.contains("A&#39;s fuller summary")
            || html.contains("A's fuller summary"),
        "{html}"
    );
    assert!(
        html.contains("<option value=\"B\" selected>"),
        "B's choice is kept: {html}"
    );
    let r = s.get_response(rid).await.unwrap().unwrap();
    assert_eq!(
        (r.classification.as_str(), r.summary.as_str()),
        ("C", "A's fuller summary")
    );
    assert_eq!(
        save(
            &b,
            &bt,
            "B",
            "A's fuller summary",
            "2",
            "C",
            "A's fuller summary"
        )
        .await
        .unwrap()
        .status(),
        303
    );
    let r = s.get_response(rid).await.unwrap().unwrap();
    assert_eq!(
        (r.classification.as_str(), r.summary.as_str()),
        ("B", "A's fuller summary")
    );
    // A submission's reference, the same way.
    let sedit = format!("/submissions/{sub}/edit");
    let form = |reference: &str, version: &str, orig: &str, token: &str| {
        vec![
            ("handling", "lead".to_string()),
            ("channel", "letter".to_string()),
            ("reference", reference.to_string()),
            ("contact", String::new()),
            ("version", version.to_string()),
            ("orig_handling", "lead".to_string()),
            ("orig_channel", "letter".to_string()),
            ("orig_reference", orig.to_string()),
            ("orig_contact", String::new()),
            ("csrf_token", token.to_string()),
        ]
    };
    assert_eq!(
        a.post(w.app.url(&sedit))
            .form(&form("甬民函〔2026〕3号", "1", "old ref", &at))
            .send()
            .await
            .unwrap()
            .status(),
        303
    );
    let res = b
        .post(w.app.url(&sedit))
        .form(&form("B's ref", "1", "old ref", &bt))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 409);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("甬民函〔2026〕3号")
            && (html.contains("B&#39;s ref") || html.contains("B's ref")),
        "{html}"
    );
    assert_eq!(
        s.get_submission(sub).await.unwrap().unwrap().reference,
        "甬民函〔2026〕3号"
    );
    w.app.stop().await;
}

crate::both_databases!(
    two_people_correct_a_response_at_once,
    two_people_edit_an_issue_at_once,
    admins_keep_the_calendar_and_the_scheme,
    the_policy_ledger_shows_what_an_issue_won,
    two_departments_answer_differently,
    the_shipped_holiday_calendar_is_the_official_one,
    an_issue_goes_through_review_and_submission,
    departments_and_submissions_through_the_api,
);
