//! The dashboards on both databases, against the report's hand-computed fixture
//! (`reports::fixture`) and edge cases computed by hand here: an answer on the due date
//! (on time) and the day after (late), an answer in the Spring Festival week on a
//! deadline counted in working days, periods that cut through an issue's life, the
//! day a reply turns overdue and long overdue, small cells, and the finding counts
//! staying exact through edits and deletions.

use chrono::{Days, NaiveDate};
use groundswell::domain::role::Role;
use groundswell::store::AuditEvent;

use crate::common::{Db, csrf, signed_in};
use crate::reports::{answer, d, fixture, submission};

/// The text of the page, tags removed and spaces folded, for checking figures.
fn text(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => {
                in_tag = true;
                out.push(' ');
            }
            '>' => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The cells of the league row of department `id`.
fn league_row(html: &str, id: i64) -> Vec<String> {
    let start = html
        .find(&format!("data-department=\"{id}\""))
        .unwrap_or_else(|| panic!("no row for department {id}"));
    let row = &html[start..html[start..].find("</tr>").unwrap() + start];
    text(&format!("<{row}"))
        .split(' ')
        .map(String::from)
        .collect()
}

async fn get(c: &reqwest::Client, app: &crate::common::TestApp, path: &str) -> String {
    let res = c.get(app.url(path)).send().await.unwrap();
    assert_eq!(res.status(), 200, "{path}");
    res.text().await.unwrap()
}

async fn departments_rank_as_the_report_counts(db: Db) {
    let Some((_t, f)) = fixture(db).await else {
        return;
    };
    let app = &f.w.app;
    let s = &app.store;
    let depts = s.list_departments().await.unwrap();
    let id = |zh: &str| depts.iter().find(|d| d.name_zh == zh).unwrap().id;
    let (edu, civil) = (id("宁波市教育局"), id("宁波市民政局"));
    let c = signed_in(app, "lin@example.org").await;
    let page = get(
        &c,
        app,
        "/dashboards/departments?from=2026-01-01&to=2026-03-31",
    )
    .await;
    // Submissions, answered, on time, overdue, rate, median days, A, B, C, satisfied.
    assert_eq!(
        league_row(&page, edu)[1..],
        ["3", "1", "0", "1", "0%", "32", "100%", "0%", "0%", "100%"],
        "the report's figures for the education bureau"
    );
    assert_eq!(
        league_row(&page, civil)[1..],
        ["2", "2", "2", "0", "100%", "26", "0%", "50%", "50%", "0%"]
    );
    assert!(
        text(&page).contains("全部部门 5 3 2 1 50% 27")
            || text(&page).contains("All departments 5 3 2 1 50% 27")
    );
    // The chart and its text alternative.
    assert!(page.contains("<desc id=\"chart-on-time-d\">"), "{page}");

    // A period cutting through: February only. s4 (2 Feb) was answered on 1 March,
    // after the period: within its deadline then, so pending, and no class yet.
    let feb = get(
        &c,
        app,
        "/dashboards/departments?from=2026-02-01&to=2026-02-28",
    )
    .await;
    assert_eq!(
        league_row(&feb, civil)[1..],
        ["1", "0", "0", "0", "—", "—", "—", "—", "—", "—"]
    );
    // Sorted by on-time rate: civil affairs (100%) before education (0%).
    let sorted = get(
        &c,
        app,
        "/dashboards/departments?from=2026-01-01&to=2026-03-31&sort=rate",
    )
    .await;
    assert!(
        sorted
            .find(&format!("data-department=\"{civil}\""))
            .unwrap()
            < sorted.find(&format!("data-department=\"{edu}\"")).unwrap()
    );

    // An answer on the due date is on time, the day after is late; a deadline in
    // working days runs past the Spring Festival holiday, so an answer that would be
    // late by calendar days is on time.
    let works = crate::common::new_department(s, "宁波市卫健委", "working_days", 15).await;
    let calendar = s.holiday_calendar().await.unwrap();
    let due = groundswell::domain::workdays::due_date(
        d("2026-02-10"),
        groundswell::domain::workdays::ReplyPeriod::parse("working_days", 15).unwrap(),
        &calendar,
    );
    // Counted by hand: 11–13 Feb, Saturday 14 Feb (a make-up working day), the holiday
    // 15–23 Feb, then 24–27 Feb, Saturday 28 Feb (make-up), 2–6 and 9 March.
    assert_eq!((due.date, due.calendar_missing), (d("2026-03-09"), false));
    let issue = f.issues[0].id;
    let lin = s
        .user_by_email("lin@example.org")
        .await
        .unwrap()
        .unwrap()
        .id;
    let on_due = submission(&f.w, issue, works, "2026-02-10", "2026-03-09", lin).await;
    answer(&f.w, on_due, "2026-03-09", "A", lin).await;
    let day_after = submission(&f.w, issue, works, "2026-02-10", "2026-03-09", lin).await;
    answer(&f.w, day_after, "2026-03-10", "B", lin).await;
    let in_holiday = submission(&f.w, issue, works, "2026-02-10", "2026-03-09", lin).await;
    answer(&f.w, in_holiday, "2026-02-18", "A", lin).await;
    let page = get(
        &c,
        app,
        "/dashboards/departments?from=2026-01-01&to=2026-03-31",
    )
    .await;
    let row = league_row(&page, works);
    // 3 submissions, 3 answered, 2 on time (the due date, the holiday week), 0 overdue.
    assert_eq!(row[1..5], ["3", "3", "2", "0"], "{row:?}");
    assert_eq!(row[5], "67%");
    // 27, 28 and 8 days: median 27.
    assert_eq!(row[6], "27");
    f.w.app.stop().await;
}

async fn replies_turn_overdue_the_day_after_and_long_overdue_after_thirty_days(db: Db) {
    let Some((_t, f)) = fixture(db).await else {
        return;
    };
    let app = &f.w.app;
    let s = &app.store;
    let today = groundswell::domain::finding::today_in_china();
    let day = |offset: i64| {
        if offset >= 0 {
            (today + Days::new(offset as u64)).to_string()
        } else {
            (today - Days::new((-offset) as u64)).to_string()
        }
    };
    let dept = crate::common::new_department(s, "宁波市住建局", "months", 3).await;
    let issue = f.issues[2].id;
    let who = s
        .user_by_email("bate@example.org")
        .await
        .unwrap()
        .unwrap()
        .id;
    // Due today and in 30 days: due soon; in 31: not yet shown. Due yesterday and 30
    // days ago: overdue; 31 days ago: long overdue. One answered: gone.
    for due in [0, 30, 31, -1, -30, -31] {
        submission(&f.w, issue, dept, &day(-100), &day(due), who).await;
    }
    let answered = submission(&f.w, issue, dept, &day(-100), &day(-5), who).await;
    answer(&f.w, answered, &day(-2), "B", who).await;
    let c = signed_in(app, "lin@example.org").await;
    let page = get(&c, app, "/dashboards/replies").await;
    let section = |id: &str| {
        let start = page.find(&format!("id=\"{id}\"")).unwrap();
        let end = page[start..].find("</section>").unwrap() + start;
        page[start..end].to_string()
    };
    let count = |id: &str| {
        let sec = section(id);
        let i = sec.find("class=\"count\">").unwrap() + "class=\"count\">".len();
        sec[i..i + sec[i..].find('<').unwrap()]
            .parse::<i64>()
            .unwrap()
    };
    assert_eq!(count("due-soon"), 2, "{}", section("due-soon"));
    assert!(section("due-soon").contains(&day(0)) && !section("due-soon").contains(&day(31)));
    assert_eq!(count("overdue"), 2, "{}", section("overdue"));
    // Long overdue: the one 31 days past, and the fixture's s3 and s5 (March and
    // January 2026, unanswered).
    assert_eq!(count("long-overdue"), 3, "{}", section("long-overdue"));
    assert!(section("long-overdue").contains(&day(-31)));
    // The fixture's s4: "not satisfied", its re-handling round open.
    assert_eq!(count("rehandling"), 1);
    assert!(section("rehandling").contains("2026-03-28"));
    assert!(
        !page.contains(&day(-5)),
        "an answered submission is not chased"
    );
    // Rows lead to the submission on its issue's page.
    assert!(page.contains(&format!("/issues/{issue}#submission-")));
    f.w.app.stop().await;
}

async fn evidence_counts_stay_exact_and_small_districts_are_suppressed(db: Db) {
    let Some((_t, f)) = fixture(db).await else {
        return;
    };
    let app = &f.w.app;
    let s = &app.store;
    // One more finding, by Bate, in Beilun: a district with a single finding.
    let i = crate::findings_store::input("北仑的个案", f.w.area, f.w.other_district, "2026-02-20");
    let draft = groundswell::domain::finding::validate(&i, d("2026-11-30")).unwrap();
    let beilun = crate::findings_store::save(s, &f.w.other_org, &draft).await;
    let counts = s
        .finding_counts("2026-01", "2026-03", None, f.bate)
        .await
        .unwrap();
    let total: i64 = counts.iter().map(|c| c.findings).sum();
    assert_eq!(
        total, 6,
        "five in the fixture's period and Beilun's: {counts:?}"
    );
    let beilun_cell: Vec<_> = counts
        .iter()
        .filter(|c| c.district_id == f.w.other_district)
        .collect();
    assert_eq!(beilun_cell.len(), 1);
    assert_eq!((beilun_cell[0].findings, beilun_cell[0].own), (1, 1));

    let coordinator = signed_in(app, "lin@example.org").await;
    let page = get(
        &coordinator,
        app,
        "/dashboards/evidence?from=2026-01-01&to=2026-03-31",
    )
    .await;
    let t = text(&page);
    assert!(t.contains("慈溪市 5") || t.contains("Cixi 5"), "{t}");
    assert!(
        t.contains("北仑区 少于 3") || t.contains("Beilun fewer than 3"),
        "{t}"
    );
    assert!(page.contains("role=\"img\""));
    // Bate recorded Beilun's only finding: its senior worker sees it exactly.
    let bate = signed_in(app, "bate@example.org").await;
    let t = text(
        &get(
            &bate,
            app,
            "/dashboards/evidence?from=2026-01-01&to=2026-03-31",
        )
        .await,
    );
    assert!(t.contains("北仑区 1") || t.contains("Beilun 1"), "{t}");

    // Edits and deletions move the counts in the same transaction.
    let before = s.get_finding(beilun).await.unwrap().unwrap();
    let mut i2 = i.clone();
    i2.observed_on = "2025-12-20".into();
    let draft2 = groundswell::domain::finding::validate(&i2, d("2026-11-30")).unwrap();
    let path = s
        .list_localities()
        .await
        .unwrap()
        .into_iter()
        .find(|l| l.id == draft2.locality_id)
        .unwrap()
        .path;
    let terms = groundswell::domain::search_text::document_terms(
        &groundswell::domain::finding::searchable_text(&draft2),
    );
    s.update_finding(
        beilun,
        before.version,
        &f.w.other_org,
        &draft2,
        &path,
        &terms,
        &["observed_on".to_string()],
        None,
    )
    .await
    .unwrap();
    let month = |m: &str| {
        let s = s.clone();
        let m = m.to_string();
        async move {
            s.finding_counts(&m, &m, None, 0)
                .await
                .unwrap()
                .iter()
                .map(|c| c.findings)
                .sum::<i64>()
        }
    };
    assert_eq!(month("2026-02").await, 2, "moved out of February");
    assert_eq!(
        month("2025-12").await,
        2,
        "into December (with the fixture's one)"
    );
    s.delete_finding(beilun, &AuditEvent::new("finding.deleted", None, None))
        .await
        .unwrap();
    assert_eq!(month("2025-12").await, 1);
    // And a rebuild from the findings agrees with what was kept.
    let kept = s
        .finding_counts("2000-01", "2100-01", None, 0)
        .await
        .unwrap();
    s.rebuild_summaries().await.unwrap();
    assert_eq!(
        s.finding_counts("2000-01", "2100-01", None, 0)
            .await
            .unwrap(),
        kept
    );
    f.w.app.stop().await;
}

async fn the_pipeline_filters_and_moves_cards_under_the_lifecycle_rules(db: Db) {
    let Some((_t, f)) = fixture(db).await else {
        return;
    };
    let app = &f.w.app;
    let s = &app.store;
    let c = signed_in(app, "lin@example.org").await;
    let page = get(&c, app, "/dashboards/pipeline").await;
    let col = |html: &str, stage: &str| {
        let start = html.find(&format!("id=\"col-{stage}\"")).unwrap();
        let i = html[start..].find("class=\"count\">").unwrap() + start + "class=\"count\">".len();
        html[i..i + html[i..].find('<').unwrap()]
            .parse::<i64>()
            .unwrap()
    };
    assert_eq!(
        (
            col(&page, "identified"),
            col(&page, "submitted"),
            col(&page, "closed")
        ),
        (1, 1, 1),
        "the merged duplicate is not a card"
    );
    let [i1, i2, i3] = &f.issues;
    let area_b = get(
        &c,
        app,
        &format!("/dashboards/pipeline?area_id={}", f.area_b),
    )
    .await;
    assert!(area_b.contains(&format!("data-issue=\"{}\"", i3.id)));
    assert!(!area_b.contains(&format!("data-issue=\"{}\"", i1.id)));
    let bate = get(&c, app, &format!("/dashboards/pipeline?org_id={}", f.bate)).await;
    assert!(
        bate.contains(&format!("data-issue=\"{}\"", i3.id))
            && !bate.contains(&format!("data-issue=\"{}\"", i2.id))
    );
    let depts = s.list_departments().await.unwrap();
    let edu = depts
        .iter()
        .find(|d| d.name_zh == "宁波市教育局")
        .unwrap()
        .id;
    let by_dept = get(
        &c,
        app,
        &format!("/dashboards/pipeline?department_id={edu}"),
    )
    .await;
    assert!(
        by_dept.contains(&format!("data-issue=\"{}\"", i1.id))
            && !by_dept.contains(&format!("data-issue=\"{}\"", i3.id))
    );
    let senior = s
        .user_by_email("senior@example.org")
        .await
        .unwrap()
        .unwrap()
        .id;
    let mine = get(&c, app, &format!("/dashboards/pipeline?owner_id={senior}")).await;
    assert!(
        mine.contains(&format!("data-issue=\"{}\"", i2.id))
            && !mine.contains(&format!("data-issue=\"{}\"", i3.id))
    );

    // Moving I3 from identified to drafting, from the board.
    let token = csrf(app, &c, "/dashboards/pipeline").await;
    let mv = |client: &reqwest::Client, token: &str, issue: i64, name: &str, from: &str| {
        client
            .post(app.url("/dashboards/pipeline/move"))
            .form(&[
                ("issue_id", issue.to_string()),
                ("move", name.to_string()),
                ("from", from.to_string()),
                ("back", "/dashboards/pipeline?area_id=2".to_string()),
                ("csrf_token", token.to_string()),
            ])
            .send()
    };
    let res = mv(&c, &token, i3.id, "start_drafting", "identified")
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/dashboards/pipeline?area_id=2");
    assert_eq!(s.get_issue(i3.id).await.unwrap().unwrap().stage, "drafting");
    assert!(
        s.audit_of("issue", i3.id)
            .await
            .unwrap()
            .iter()
            .any(|e| e.action == "issue.drafting_started")
    );
    // From a stale page: refused, nothing moves.
    let res = mv(&c, &token, i3.id, "start_drafting", "identified")
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(s.get_issue(i3.id).await.unwrap().unwrap().stage, "drafting");
    // Submitting needs approval first: refused with the reason.
    let res = mv(&c, &token, i3.id, "request_review", "drafting")
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let res = mv(&c, &token, i3.id, "submit", "review").await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(s.get_issue(i3.id).await.unwrap().unwrap().stage, "review");
    // A redirect elsewhere than the dashboards is not followed.
    let res = c
        .post(app.url("/dashboards/pipeline/move"))
        .form(&[
            ("issue_id", i3.id.to_string()),
            ("move", "approve".to_string()),
            ("from", "review".to_string()),
            ("back", "https://evil.example/".to_string()),
            ("csrf_token", token.clone()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["location"], "/dashboards/pipeline");
    // A viewer sees the board but cannot move: refused outright, as on the issue page.
    let guest = signed_in(app, "guest@example.org").await;
    let gt = csrf(app, &guest, "/dashboards/pipeline").await;
    let res = mv(&guest, &gt, i1.id, "mark_responded", "submitted")
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(
        s.get_issue(i1.id).await.unwrap().unwrap().stage,
        "submitted"
    );
    // Workers have their home page, not the dashboards.
    let worker = signed_in(app, "worker@example.org").await;
    for path in [
        "/dashboards/pipeline",
        "/dashboards/replies",
        "/dashboards/departments",
        "/dashboards/evidence",
        "/dashboards/outcomes",
    ] {
        assert_eq!(
            worker.get(app.url(path)).send().await.unwrap().status(),
            403,
            "{path}"
        );
    }
    let _ = Role::Worker;
    f.w.app.stop().await;
}

async fn outcomes_show_what_was_won_in_the_period(db: Db) {
    let Some((_t, f)) = fixture(db).await else {
        return;
    };
    let app = &f.w.app;
    let c = signed_in(app, "lin@example.org").await;
    let t = text(
        &get(
            &c,
            app,
            "/dashboards/outcomes?from=2026-01-01&to=2026-03-31",
        )
        .await,
    );
    assert!(
        t.contains("1 issues closed as achieved") || t.contains("1 个议题已实现目标"),
        "{t}"
    );
    assert!(t.contains("1200"), "{t}");
    assert!(t.contains("800") && t.contains("2,000"), "{t}");
    // A period before the change: nothing won, but the ledger still tells its story.
    let page = get(
        &c,
        app,
        "/dashboards/outcomes?from=2025-06-01&to=2025-06-30",
    )
    .await;
    let t = text(&page);
    assert!(
        t.contains("0 issues closed as achieved") || t.contains("0 个议题已实现目标"),
        "{t}"
    );
    assert!(page.contains("id=\"ledger-"), "the step chart");
    // An unreadable period says so and shows the default.
    let t = text(
        &get(
            &c,
            app,
            "/dashboards/outcomes?from=2026-05-01&to=2026-01-01",
        )
        .await,
    );
    assert!(
        t.contains("ends before it begins") || t.contains("截止日期早于起始日期"),
        "{t}"
    );
    let _: NaiveDate = d("2026-01-01");
    f.w.app.stop().await;
}

/// The start page by role.
async fn each_role_starts_on_what_is_theirs(db: Db) {
    let Some((_t, f)) = fixture(db).await else {
        return;
    };
    let app = &f.w.app;
    let worker = signed_in(app, "worker@example.org").await;
    let home = get(&worker, app, "/").await;
    assert!(home.contains("id=\"home-findings\"") && !home.contains("id=\"home-replies\""));
    assert!(
        text(&home).contains("补贴 14 岁停止"),
        "their recent findings"
    );
    let senior = signed_in(app, "senior@example.org").await;
    let home = get(&senior, app, "/").await;
    assert!(home.contains("id=\"home-replies\"") && home.contains("id=\"home-issues\""));
    // The senior owns I1 and I2: their overdue replies are s3 (I1) and s4's round (I2).
    let t = text(&home);
    assert!(t.contains(&format!("#{}", f.issues[0].id)), "{t}");
    let lin = signed_in(app, "lin@example.org").await;
    let home = get(&lin, app, "/").await;
    assert!(home.contains("id=\"home-replies\""));
    f.w.app.stop().await;
}

/// The figures are kept per version of their data: a change shows on the next page,
/// whoever made it and however (here straight in the store, as another instance would).
async fn dashboards_are_never_stale(db: Db) {
    let Some((_t, f)) = fixture(db).await else {
        return;
    };
    let app = &f.w.app;
    let s = &app.store;
    let c = signed_in(app, "lin@example.org").await;
    let url = "/dashboards/departments?from=2026-01-01&to=2026-03-31";
    let depts = s.list_departments().await.unwrap();
    let edu = depts
        .iter()
        .find(|d| d.name_zh == "宁波市教育局")
        .unwrap()
        .id;
    assert_eq!(league_row(&get(&c, app, url).await, edu)[1..3], ["3", "1"]);
    let before = s.data_versions().await.unwrap();
    // s3 (1 March, due 20 March) is answered on 15 March: answered 2, on time 1.
    let s3 = s
        .list_submissions(f.issues[0].id)
        .await
        .unwrap()
        .into_iter()
        .find(|x| x.submitted_on == d("2026-03-01"))
        .unwrap()
        .id;
    let lin = s
        .user_by_email("lin@example.org")
        .await
        .unwrap()
        .unwrap()
        .id;
    answer(&f.w, s3, "2026-03-15", "A", lin).await;
    let after = s.data_versions().await.unwrap();
    assert_ne!(before, after, "the answer moved the version");
    assert_eq!(
        league_row(&get(&c, app, url).await, edu)[1..5],
        ["3", "2", "1", "0"]
    );
    // The board too.
    let board = get(&c, app, "/dashboards/pipeline").await;
    assert!(board.contains(&format!("data-issue=\"{}\"", f.issues[2].id)));
    s.change_stage(
        f.issues[2].id,
        &groundswell::store::lifecycle::StageChange {
            from: "identified".into(),
            to: "drafting".into(),
            approved: false,
            resolution: None,
            closed_from: None,
        },
        &AuditEvent::new("issue.drafting_started", Some(lin), None)
            .subject("issue", Some(f.issues[2].id)),
    )
    .await
    .unwrap();
    let board = get(&c, app, "/dashboards/pipeline").await;
    let drafting = board.find("id=\"col-drafting\"").unwrap();
    let review = board.find("id=\"col-review\"").unwrap();
    let card = board
        .find(&format!("data-issue=\"{}\"", f.issues[2].id))
        .unwrap();
    assert!(
        drafting < card && card < review,
        "the card is in the drafting column"
    );
    f.w.app.stop().await;
}

crate::both_databases!(
    dashboards_are_never_stale,
    departments_rank_as_the_report_counts,
    replies_turn_overdue_the_day_after_and_long_overdue_after_thirty_days,
    evidence_counts_stay_exact_and_small_districts_are_suppressed,
    the_pipeline_filters_and_moves_cards_under_the_lifecycle_rules,
    outcomes_show_what_was_won_in_the_period,
    each_role_starts_on_what_is_theirs,
);
