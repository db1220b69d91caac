//! The federation's portfolio report on both databases: the numbers against a fixture
//! computed by hand (the same one as `domain::report`'s unit test, built here through
//! the store), scopes, every format read back, the background job with its progress
//! page, and bad input.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use groundswell::domain::role::Role;
use groundswell::store::AuditEvent;
use groundswell::store::issues::{IssueRow, NewIssue};
use groundswell::store::lifecycle::{NewResponse, NewSubmission, StageChange};
use serde_json::Value;

use crate::common::{Db, TestDb, csrf, signed_in};
use crate::findings_store::{World, world};

pub fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// Noon in China on that day.
fn at(s: &str) -> DateTime<Utc> {
    Utc.from_utc_datetime(&d(s).and_hms_opt(4, 0, 0).unwrap())
}

fn ev(action: &'static str, who: i64, on: &str) -> AuditEvent {
    let mut e = AuditEvent::new(action, Some(who), None);
    e.at = at(on);
    e
}

pub struct Fixture {
    pub w: World,
    pub area_b: i64,
    pub bate: i64,
    pub token: String,
    pub issues: [IssueRow; 3],
}

async fn issue(w: &World, area: i64, owner: i64, title: &str, on: &str) -> IssueRow {
    w.app
        .store
        .create_issue(
            &NewIssue {
                title: title.into(),
                problem_statement: "p".into(),
                policy_area_id: area,
                owner_id: owner,
                priority: "normal".into(),
            },
            &ev("issue.created", owner, on),
        )
        .await
        .unwrap()
}

pub async fn submission(w: &World, issue: i64, dept: i64, on: &str, due: &str, who: i64) -> i64 {
    w.app
        .store
        .create_submission(
            &NewSubmission {
                issue_id: issue,
                department_id: dept,
                handling: "lead",
                channel: "letter",
                submitted_on: d(on),
                reference: String::new(),
                contact: String::new(),
                due_on: d(due),
                due_calendar_missing: false,
            },
            &ev("issue.submission_recorded", who, on).subject("issue", Some(issue)),
        )
        .await
        .unwrap()
}

pub async fn answer(w: &World, sub: i64, on: &str, class: &str, who: i64) -> i64 {
    w.app
        .store
        .create_response(
            &NewResponse {
                submission_id: sub,
                round: 1,
                responded_on: d(on),
                classification: class.into(),
                summary: "s".into(),
                letter_id: None,
                commitments: vec![],
            },
            &ev("issue.response_recorded", who, on),
        )
        .await
        .unwrap()
}

/// Period 2026 Q1. Education bureau: s1 (5 Jan, due 5 Apr, answered 5 Apr: after the
/// period, so pending), s2 (10 Jan, due 10 Feb, answered A on 11 Feb: late, 32 days,
/// satisfied), s3 (1 Mar, due 20 Mar, unanswered: overdue 11 days). Civil affairs: s4
/// (2 Feb, due 2 May, answered C on 1 Mar: on time, 27 days, not satisfied, re-handling
/// due 28 Mar: overdue 3 days), s5 (20 Dec 2025, due 20 Jan: before the period, overdue
/// 70 days), s6 (5 Mar, due 5 Jun extended to 30 Jun, answered B on 30 Mar: on time, 25
/// days). I1 and I2 are area A, owned at Qingshuiwan; I3 is area B, owned at Bate, and
/// holds s5 and s6. I4 was merged into I1 and is left out.
pub async fn fixture(db: Db) -> Option<(TestDb, Fixture)> {
    let t = TestDb::create(db).await?;
    let w = world(&t).await;
    let s = &w.app.store;
    let senior = w
        .app
        .user("senior@example.org", Role::Senior, "Qingshuiwan Station")
        .await;
    let bate_senior = w
        .app
        .user("bate@example.org", Role::Senior, "Bate Community Station")
        .await;
    let lin = w
        .app
        .user("lin@example.org", Role::Coordinator, "Ningbo Federation")
        .await;
    w.app
        .user("guest@example.org", Role::Viewer, "Ningbo Federation")
        .await;
    let area_b = s.list_policy_areas().await.unwrap()[1].id;
    let bate = w.other_org.org_id;
    let edu = crate::common::new_department(s, "宁波市教育局", "months", 3).await;
    let civil = crate::common::new_department(s, "宁波市民政局", "months", 3).await;
    let i1 = issue(&w, w.area, senior, "满 14 岁", "2025-11-01").await;
    let i2 = issue(
        &w,
        w.area,
        senior,
        "=HYPERLINK(\"x\") 康复补贴",
        "2026-01-15",
    )
    .await;
    let i3 = issue(&w, area_b, bate_senior, "Respite", "2026-02-01").await;
    let i4 = issue(&w, w.area, senior, "duplicate", "2026-01-20").await;
    s.merge_issue(i4.id, i1.id, &ev("issue.merged", lin, "2026-02-01"))
        .await
        .unwrap();
    s.change_stage(
        i1.id,
        &StageChange {
            from: "identified".into(),
            to: "submitted".into(),
            approved: true,
            resolution: None,
            closed_from: None,
        },
        &ev("issue.submitted", lin, "2026-01-05").subject("issue", Some(i1.id)),
    )
    .await
    .unwrap();
    s.change_stage(
        i2.id,
        &StageChange {
            from: "identified".into(),
            to: "closed".into(),
            approved: true,
            resolution: Some("achieved".into()),
            closed_from: Some("implementing".into()),
        },
        &ev("issue.closed", lin, "2026-03-20").subject("issue", Some(i2.id)),
    )
    .await
    .unwrap();

    let s1 = submission(&w, i1.id, edu, "2026-01-05", "2026-04-05", senior).await;
    let s2 = submission(&w, i1.id, edu, "2026-01-10", "2026-02-10", senior).await;
    submission(&w, i1.id, edu, "2026-03-01", "2026-03-20", senior).await;
    let s4 = submission(&w, i2.id, civil, "2026-02-02", "2026-05-02", senior).await;
    submission(&w, i3.id, civil, "2025-12-20", "2026-01-20", bate_senior).await;
    let s6 = submission(&w, i3.id, civil, "2026-03-05", "2026-06-05", bate_senior).await;
    s.extend_submission(
        s6,
        1,
        d("2026-06-30"),
        "approved",
        &ev("issue.deadline_extended", bate_senior, "2026-03-06"),
    )
    .await
    .unwrap();
    answer(&w, s1, "2026-04-05", "B", senior).await;
    let r2 = answer(&w, s2, "2026-02-11", "A", senior).await;
    s.set_satisfaction(r2, 1, "satisfied", None, &ev("x", senior, "2026-02-12"))
        .await
        .unwrap();
    let r4 = answer(&w, s4, "2026-03-01", "C", senior).await;
    s.set_satisfaction(
        r4,
        1,
        "not_satisfied",
        Some(d("2026-03-28")),
        &ev("x", senior, "2026-03-02"),
    )
    .await
    .unwrap();
    answer(&w, s6, "2026-03-30", "B", bate_senior).await;

    // Findings: four in area A in the period (two workers, two organisations), one in
    // area B (a small cell), one in area A before the period.
    let today = d("2026-11-30");
    for (text, area, author, on) in [
        ("补贴 14 岁停止 1", w.area, &w.worker, "2026-01-10"),
        ("补贴 14 岁停止 2", w.area, &w.worker, "2026-02-10"),
        ("补贴 14 岁停止 3", w.area, &w.other_org, "2026-03-10"),
        ("补贴 14 岁停止 4", w.area, &w.other_org, "2026-03-31"),
        ("喘息服务", area_b, &w.other_org, "2026-02-14"),
        ("去年的", w.area, &w.worker, "2025-12-31"),
    ] {
        let i = crate::findings_store::input(text, area, w.community, on);
        let draft = groundswell::domain::finding::validate(&i, today).unwrap();
        crate::findings_store::save(s, author, &draft).await;
    }

    let param = s
        .create_parameter(
            &groundswell::store::parameters::NewParameter {
                name_zh: "自闭症康复补贴".into(),
                name_en: "Autism rehabilitation allowance".into(),
                unit: "元/月".into(),
                area_id: Some(w.area),
            },
            &ev("parameter.created", lin, "2025-01-01"),
        )
        .await
        .unwrap();
    for (value, from, issue, people) in [
        (800.0, "2025-01-01", None, None),
        (2000.0, "2026-03-01", Some(i2.id), Some(1200)),
    ] {
        s.add_parameter_value(
            &groundswell::store::parameters::NewValue {
                parameter_id: param,
                value,
                valid_from: d(from),
                issue_id: issue,
                beneficiaries: people,
                source: "通知".into(),
            },
            &ev("parameter.value_added", lin, from),
        )
        .await
        .unwrap();
    }

    let secret = groundswell::domain::token::generate();
    s.create_api_token(
        lin,
        "t",
        &groundswell::domain::token::hash(&secret),
        &AuditEvent::new("token.created", None, None),
    )
    .await
    .unwrap();
    Some((
        t,
        Fixture {
            w,
            area_b,
            bate,
            token: secret,
            issues: [i1, i2, i3],
        },
    ))
}

async fn book(f: &Fixture, query: &str) -> Value {
    let res = reqwest::Client::new()
        .get(f.w.app.url(&format!("/api/v1/reports/portfolio?{query}")))
        .bearer_auth(&f.token)
        .header("accept-language", "en")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

/// The rows of the table named `name`, keyed by their first cell.
fn table<'a>(book: &'a Value, name: &str) -> Vec<&'a Vec<Value>> {
    book["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == name)
        .unwrap_or_else(|| panic!("no table {name} in {book}"))["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_array().unwrap())
        .collect()
}

fn row<'a>(rows: &[&'a Vec<Value>], first: &str) -> &'a Vec<Value> {
    rows.iter()
        .find(|r| r[0] == first)
        .unwrap_or_else(|| panic!("no row {first} in {rows:?}"))
}

async fn the_report_counts_match_the_hand_computed_fixture(db: Db) {
    let Some((_t, f)) = fixture(db).await else {
        return;
    };
    let b = book(&f, "from=2026-01-01&to=2026-03-31").await;
    assert_eq!(b["title"], "Advocacy report");
    let key = table(&b, "Key figures");
    let figure = |name: &str| row(&key, name)[1].clone();
    assert_eq!(figure("New findings (observed in the period)"), 5);
    assert_eq!(
        figure("Advocacy issues"),
        3,
        "the merged duplicate is left out"
    );
    assert_eq!(figure("New advocacy issues"), 2);
    assert_eq!(figure("Submissions made"), 5);
    assert_eq!(figure("Answers received"), 3);
    assert_eq!(figure("Answered on time"), 0.5);
    assert_eq!(figure("Median days to answer"), 27.0);
    assert_eq!(figure("Policy changes won"), 1);
    assert_eq!(figure("People they reach"), 1200);
    assert_eq!(figure("Replies overdue"), 3);

    let stages = table(&b, "Stages");
    assert_eq!(row(&stages, "Identified")[1], 1);
    assert_eq!(row(&stages, "Submitted")[1], 1);
    assert_eq!(row(&stages, "Closed")[1], 1);

    let findings = table(&b, "Findings");
    assert_eq!(findings.len(), 2);
    assert_eq!(findings[0][1], 4);
    assert_eq!(findings[0][2], 2, "two organisations");
    // The one finding in area B is a small cell, and so is who reported it.
    assert_eq!(findings[1][1], "fewer than 3");
    assert_eq!(findings[1][2], "fewer than 3");

    let depts = table(&b, "Departments");
    let edu = row(&depts, "宁波市教育局");
    // Submissions, answered, on time, late, overdue, within deadline, rate, median.
    let nums = |r: &Vec<Value>| r[1..].to_vec();
    assert_eq!(
        nums(edu),
        serde_json::json!([3, 1, 0, 1, 1, 1, 0.0, 32.0])
            .as_array()
            .unwrap()
            .clone()
    );
    let civil = row(&depts, "宁波市民政局");
    assert_eq!(
        nums(civil),
        serde_json::json!([2, 2, 2, 0, 0, 0, 1.0, 26.0])
            .as_array()
            .unwrap()
            .clone()
    );
    let all = row(&depts, "All departments");
    assert_eq!(
        nums(all),
        serde_json::json!([5, 3, 2, 1, 1, 1, 0.5, 27.0])
            .as_array()
            .unwrap()
            .clone()
    );
    let classes = table(&b, "Answers by department");
    // Answered, class A, B, C shares, satisfied, basically, not satisfied.
    assert_eq!(
        nums(row(&classes, "宁波市民政局")),
        serde_json::json!([2, 0.0, 0.5, 0.5, 0, 0, 1])
            .as_array()
            .unwrap()
            .clone()
    );
    let answers = table(&b, "Answers");
    assert_eq!(answers.len(), 3);

    let outcomes = table(&b, "Outcomes");
    assert_eq!(outcomes.len(), 1);
    assert_eq!(
        outcomes[0][1..6].to_vec(),
        serde_json::json!([800.0, 2000.0, "元/月", "2026-03-01", 1200])
            .as_array()
            .unwrap()
            .clone()
    );
    let closed = table(&b, "Closed");
    assert_eq!(closed.len(), 1);
    assert_eq!(closed[0][1], "Achieved");
    assert_eq!(closed[0][2], "2026-03-20");

    let overdue = table(&b, "Overdue");
    let days: Vec<(String, i64)> = overdue
        .iter()
        .map(|r| (r[3].as_str().unwrap().to_string(), r[4].as_i64().unwrap()))
        .collect();
    assert_eq!(
        days,
        vec![
            ("2026-01-20".to_string(), 70),
            ("2026-03-20".to_string(), 11),
            ("2026-03-28".to_string(), 3)
        ]
    );
    assert!(overdue[2][5].as_str().unwrap().contains("re-handling"));
    assert!(overdue[0][5].as_str().unwrap().contains("long overdue"));

    // Periods that do not start or end with a month: the whole months from the counts,
    // the days around them from the findings.
    for (q, n) in [
        ("from=2026-01-15&to=2026-03-31", 4),
        ("from=2026-02-10&to=2026-03-10", 3),
        ("from=2026-01-10&to=2026-03-30", 4),
    ] {
        let b = book(&f, q).await;
        let key = table(&b, "Key figures");
        assert_eq!(
            row(&key, "New findings (observed in the period)")[1],
            n,
            "{q}"
        );
    }
    // Area A only: I3 (area B) and its submissions drop out.
    let a = book(
        &f,
        &format!("from=2026-01-01&to=2026-03-31&area_id={}", f.w.area),
    )
    .await;
    let key = table(&a, "Key figures");
    assert_eq!(row(&key, "Advocacy issues")[1], 2);
    assert_eq!(row(&key, "Submissions made")[1], 4);
    assert_eq!(row(&key, "New findings (observed in the period)")[1], 4);
    let overdue = table(&a, "Overdue");
    assert_eq!(overdue.len(), 2);
    // Bate's own: the issue it owns, the findings it recorded.
    let o = book(
        &f,
        &format!("from=2026-01-01&to=2026-03-31&org_id={}", f.bate),
    )
    .await;
    let key = table(&o, "Key figures");
    assert_eq!(row(&key, "Advocacy issues")[1], 1);
    assert_eq!(row(&key, "Submissions made")[1], 1);
    assert_eq!(row(&key, "New findings (observed in the period)")[1], 3);
    assert_eq!(
        table(&o, "Outcomes").len(),
        0,
        "won by an issue Bate is not behind"
    );
    let _ = (&f.area_b, &f.issues);
    f.w.app.stop().await;
}

async fn every_report_format_reads_back(db: Db) {
    let Some((_t, f)) = fixture(db).await else {
        return;
    };
    // A department whose name a spreadsheet would run as a formula.
    let hostile = crate::common::new_department(&f.w.app.store, "=SUM(1+1)|cmd", "months", 3).await;
    submission(&f.w, f.issues[2].id, hostile, "2026-03-15", "2026-06-15", 1).await;
    let get = |format: &str, lang: &str| {
        reqwest::Client::new()
            .get(f.w.app.url(&format!(
                "/api/v1/reports/portfolio?from=2026-01-01&to=2026-03-31&format={format}"
            )))
            .bearer_auth(&f.token)
            .header("accept-language", lang)
            .send()
    };
    // XLSX: a sheet per table, numbers as numbers, dates as dates, the title that looks
    // like a formula kept as text.
    let res = get("xlsx", "en").await.unwrap();
    assert_eq!(res.status(), 200);
    let bytes = res.bytes().await.unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let read = |zip: &mut zip::ZipArchive<std::io::Cursor<Vec<u8>>>, name: &str| {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut zip.by_name(name).unwrap(), &mut s).unwrap();
        s
    };
    let book = read(&mut zip, "xl/workbook.xml");
    let strings = read(&mut zip, "xl/sharedStrings.xml");
    for sheet in ["Key figures", "Stages", "Departments", "Overdue"] {
        assert!(book.contains(&format!("name=\"{sheet}\"")), "{book}");
    }
    let mut all = String::new();
    for i in 1..=11 {
        if let Ok(mut f) = zip.by_name(&format!("xl/worksheets/sheet{i}.xml")) {
            std::io::Read::read_to_string(&mut f, &mut all).unwrap();
        }
    }
    assert!(!all.contains("<f>"), "no formulas anywhere");
    assert!(strings.contains("=SUM(1+1)|cmd"), "kept as a string");
    assert!(all.contains("<v>1200</v>"), "a number cell");
    assert!(
        strings.contains("=HYPERLINK(&quot;x&quot;) 康复补贴")
            || strings.contains("=HYPERLINK(\"x\") 康复补贴"),
        "as text: {strings}"
    );
    // CSV: the long table, the formula defused.
    let csv = get("csv", "en").await.unwrap().text().await.unwrap();
    assert!(csv.starts_with('\u{feff}'));
    assert!(csv.contains("Departments,宁波市民政局,On time,2"), "{csv}");
    assert!(
        csv.contains("Departments,'=SUM(1+1)|cmd,Submissions,1"),
        "{csv}"
    );
    // PDF in Chinese: the title and the departments' figures read back as text.
    let pdf = get("pdf", "zh-CN").await.unwrap();
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    if let Some(text) = crate::documents::pdf_text(&pdf.bytes().await.unwrap()) {
        assert!(text.contains("倡导工作报告"), "{text}");
        let line = text
            .lines()
            .find(|l| l.contains("宁波市民政局") && l.contains('%'))
            .unwrap_or_else(|| panic!("no line for the civil affairs bureau: {text}"));
        let cells: Vec<&str> = line.split_whitespace().collect();
        // Submissions, answered, on time, late, overdue, within deadline, rate, median.
        assert_eq!(
            cells[1..],
            ["2", "2", "2", "0", "0", "0", "100%", "26"],
            "{line}"
        );
    }
    // DOCX in Chinese opens in LibreOffice with its title.
    let docx = get("docx", "zh-CN").await.unwrap().bytes().await.unwrap();
    crate::documents::converts_with_libreoffice(&docx, "倡导工作报告");
    // An unknown format, an empty period, an unknown area: clear errors with codes.
    for (q, code) in [
        (
            "from=2026-01-01&to=2026-03-31&format=exe",
            "report.format_unknown",
        ),
        ("from=2026-03-01&to=2026-01-31", "report.period_empty"),
        ("from=2026-13-01&to=2026-01-31", "report.date_invalid"),
    ] {
        let res = reqwest::Client::new()
            .get(f.w.app.url(&format!("/api/v1/reports/portfolio?{q}")))
            .bearer_auth(&f.token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 422, "{q}");
        let body = res.text().await.unwrap();
        assert!(body.contains(code), "{q}: {body}");
    }
    let res = reqwest::Client::new()
        .get(
            f.w.app
                .url("/api/v1/reports/portfolio?from=2026-01-01&to=2026-03-31&area_id=999999"),
        )
        .bearer_auth(&f.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    // Every export is on the record.
    let exported =
        f.w.app
            .store
            .list_audit(None, 500)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.action == "report.exported")
            .count();
    assert_eq!(exported, 4);
    f.w.app.stop().await;
}

/// The page: a report is asked for, made in the background, followed on its own page
/// and downloaded; workers may not; a bad period comes back with what was typed;
/// someone else's report is not found.
async fn a_report_is_made_in_the_background_and_downloaded(db: Db) {
    let Some((_t, f)) = fixture(db).await else {
        return;
    };
    let app = &f.w.app;
    let c = signed_in(app, "lin@example.org").await;
    let page = c.get(app.url("/reports")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let token = csrf(app, &c, "/reports").await;
    let res = c
        .post(app.url("/reports"))
        .form(&[
            ("from", "2026-03-31"),
            ("to", "2026-01-01"),
            ("format", "xlsx"),
            ("csrf_token", &token),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("ends before it begins") && html.contains("value=\"2026-03-31\""),
        "{html}"
    );
    let res = c
        .post(app.url("/reports"))
        .form(&[
            ("from", "2026-01-01"),
            ("to", "2026-03-31"),
            ("format", "xlsx"),
            ("csrf_token", &token),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let job = res.headers()["location"].to_str().unwrap().to_string();
    assert!(job.starts_with("/reports/jobs/"), "{job}");
    let mut status = String::new();
    for _ in 0..100 {
        let html = c
            .get(app.url(&job))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        status = html
            .split("data-status=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .unwrap_or_default()
            .to_string();
        if status == "done" || status == "failed" {
            assert!(html.contains("/download"), "{html}");
            break;
        }
        assert!(
            html.contains("http-equiv=\"refresh\""),
            "refreshes while working"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(status, "done");
    let file = c
        .get(app.url(&format!("{job}/download")))
        .send()
        .await
        .unwrap();
    assert_eq!(file.status(), 200);
    assert!(
        file.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("report-2026-01-01-2026-03-31.xlsx")
    );
    assert_eq!(&file.bytes().await.unwrap()[..2], b"PK");
    // Listed under recent reports.
    let html = c
        .get(app.url("/reports"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains(&job), "{html}");
    // A viewer (a board member) may make reports, but not open someone else's.
    let guest = signed_in(app, "guest@example.org").await;
    assert_eq!(
        guest
            .get(app.url("/reports"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(guest.get(app.url(&job)).send().await.unwrap().status(), 404);
    assert_eq!(
        guest
            .get(app.url(&format!("{job}/download")))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    // Workers do not make reports.
    let worker = signed_in(app, "worker@example.org").await;
    assert_eq!(
        worker
            .get(app.url("/reports"))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    let res = reqwest::Client::new()
        .get(app.url("/api/v1/reports/portfolio?from=2026-01-01&to=2026-03-31"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    f.w.app.stop().await;
}

crate::both_databases!(
    the_report_counts_match_the_hand_computed_fixture,
    every_report_format_reads_back,
    a_report_is_made_in_the_background_and_downloaded,
);
