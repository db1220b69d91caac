//! Findings through the pages: the guard (masked and confirmed saves), bad input that
//! keeps the form, permissions, and private fields across organisations in pages and
//! exports — on both databases.

use chrono::NaiveDate;
use groundswell::domain::finding::validate;
use groundswell::domain::role::Role;

use crate::common::{Db, TestDb, csrf, signed_in};
use crate::findings_store::{input, save, world};

const VALID_ID: &str = "11010519491231002X";

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 29).unwrap()
}

fn form(pairs: &[(&str, String)], token: &str) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    v.push(("csrf_token".into(), token.into()));
    v
}

async fn the_guard_stops_personal_data_until_masked_or_confirmed(db: Db) {
    let t = TestDb::create(db).await.unwrap();
    let w = world(&t).await;
    let c = signed_in(&w.app, "worker@example.org").await;
    let token = csrf(&w.app, &c, "/findings/new").await;
    let base = |narrative: String| {
        vec![
            ("narrative", narrative),
            ("policy_area_id", w.area.to_string()),
            ("locality_id", w.community.to_string()),
            ("observed_on", "2026-11-20".to_string()),
            ("people_affected", "2".to_string()),
            ("figure_name_0", "allowance".to_string()),
            ("figure_amount_0", "800".to_string()),
            ("figure_unit_0", "yuan/month".to_string()),
        ]
    };
    let text = format!("Boy lost his subsidy at 14. ID {VALID_ID}, mother 138-1234-5678.");

    // 1. Saving with hits: refused, hits listed, everything typed kept.
    let mut f = base(text.clone());
    f.push(("action", "save".into()));
    let res = c
        .post(w.app.url("/findings"))
        .form(&form(&f, &token))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("Possible personal data found (2)"), "{html}");
    assert!(html.contains(&format!("<mark class=\"pii\">{VALID_ID}</mark>")));
    assert!(html.contains("value=\"yuan/month\""));
    assert!(
        w.app
            .store
            .search_findings(&Default::default())
            .await
            .unwrap()
            .is_empty()
    );

    // 2. One-click mask of the ID number: the form comes back with it masked, unsaved.
    let start = text.find(VALID_ID).unwrap();
    let mut f = base(text.clone());
    f.push((
        "action",
        format!("mask:narrative:{start}:{}", start + VALID_ID.len()),
    ));
    let html = c
        .post(w.app.url("/findings"))
        .form(&form(&f, &token))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let masked = text.replace(VALID_ID, &"*".repeat(18));
    assert!(html.contains(&masked), "{html}");
    assert!(html.contains("Possible personal data found (1)"));

    // 3. Confirming without a reason is not enough; with one it saves and is recorded.
    let mut f = base(masked.clone());
    f.push(("action", "save".into()));
    f.push(("confirm_personal_data", "yes".into()));
    let res = c
        .post(w.app.url("/findings"))
        .form(&form(&f, &token))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Say why this is not personal data.")
    );
    f.push(("confirm_reason", "the station's public hotline".into()));
    let res = c
        .post(w.app.url("/findings"))
        .form(&form(&f, &token))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let saved = w
        .app
        .store
        .search_findings(&Default::default())
        .await
        .unwrap();
    assert_eq!(saved.len(), 1);
    assert_eq!(saved[0].narrative, masked);
    let audit = w.app.store.list_audit(None, 10).await.unwrap();
    let entry = audit
        .iter()
        .find(|a| a.action == "finding.created")
        .unwrap();
    assert!(
        entry.detail.contains("the station's public hotline"),
        "{}",
        entry.detail
    );

    // 4. "Mask everything" clears every hit in one go.
    let mut f = base(text.clone());
    f.push(("action", "mask_all".into()));
    let html = c
        .post(w.app.url("/findings"))
        .form(&form(&f, &token))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!html.contains(VALID_ID) && !html.contains("138-1234-5678"));
    assert!(!html.contains("Possible personal data found"));
    w.app.stop().await;
}

async fn bad_input_is_explained_and_the_form_keeps_it(db: Db) {
    let t = TestDb::create(db).await.unwrap();
    let w = world(&t).await;
    let c = signed_in(&w.app, "worker@example.org").await;
    let token = csrf(&w.app, &c, "/findings/new").await;
    let f = vec![
        ("narrative", "   ".to_string()),
        ("policy_area_id", "999".to_string()),
        ("locality_id", w.community.to_string()),
        ("observed_on", "2099-01-01".to_string()),
        ("people_affected", "-4".to_string()),
        ("figure_name_0", "一对一康复费用".to_string()),
        ("figure_amount_0", "4500".to_string()),
        ("figure_unit_0", "".to_string()),
        ("tags", "自闭症, 14岁".to_string()),
        ("action", "save".to_string()),
    ];
    let res = c
        .post(w.app.url("/findings"))
        .form(&form(&f, &token))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    for message in [
        "Describe what you saw.",
        "The date cannot be in the future.",
        "At least one person is affected.",
        "Give the unit, e.g. yuan/month.",
    ] {
        assert!(html.contains(message), "missing {message}");
    }
    assert!(html.contains("value=\"一对一康复费用\"") && html.contains("value=\"自闭症, 14岁\""));
    assert!(
        w.app
            .store
            .search_findings(&Default::default())
            .await
            .unwrap()
            .is_empty()
    );

    // An unknown policy area (once everything else is right) is refused too.
    let mut ok = f.clone();
    ok[0].1 = "A real description".into();
    ok[3].1 = "2026-11-01".into();
    ok[4].1 = "3".into();
    ok[7].1 = "元/月".into();
    let res = c
        .post(w.app.url("/findings"))
        .form(&form(&ok, &token))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("Choose a policy area."));
    ok[1].1 = w.area.to_string();
    let res = c
        .post(w.app.url("/findings"))
        .form(&form(&ok, &token))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    w.app.stop().await;
}

async fn private_fields_stay_with_the_recording_organisation(db: Db) {
    let t = TestDb::create(db).await.unwrap();
    let w = world(&t).await;
    w.app
        .user(
            "senior-other@example.org",
            Role::Senior,
            "Bate Community Station",
        )
        .await;
    w.app
        .user(
            "senior-same@example.org",
            Role::Senior,
            "Qingshuiwan Station",
        )
        .await;
    w.app
        .user("admin@example.org", Role::Admin, "Federation")
        .await;
    w.app
        .user("viewer@example.org", Role::Viewer, "Federation")
        .await;
    let mut i = input(
        "Rehabilitation allowance far below cost",
        w.area,
        w.community,
        "2026-11-01",
    );
    i.case_reference = "QSW-SECRET-REF".into();
    i.private_notes = "grandmother is the carer".into();
    let id = save(&w.app.store, &w.worker, &validate(&i, today()).unwrap()).await;
    let other_id = save(
        &w.app.store,
        &w.other_org,
        &validate(
            &input(
                "Other station's finding",
                w.area,
                w.other_district,
                "2026-11-02",
            ),
            today(),
        )
        .unwrap(),
    )
    .await;

    for (email, sees_finding, sees_private) in [
        ("worker@example.org", true, true),
        ("senior-same@example.org", true, true),
        ("admin@example.org", true, true),
        ("senior-other@example.org", true, false),
        ("other@example.org", false, false),
    ] {
        let c = signed_in(&w.app, email).await;
        let res = c
            .get(w.app.url(&format!("/findings/{id}")))
            .send()
            .await
            .unwrap();
        if !sees_finding {
            assert_eq!(
                res.status(),
                404,
                "{email}: another station's worker gets not-found"
            );
            continue;
        }
        assert_eq!(res.status(), 200, "{email}");
        let html = res.text().await.unwrap();
        assert_eq!(
            html.contains("QSW-SECRET-REF"),
            sees_private,
            "{email} page"
        );
        assert_eq!(html.contains("grandmother"), sees_private, "{email} page");
        for path in ["/findings/export.csv", "/findings/export.xlsx"] {
            let body = c
                .get(w.app.url(path))
                .send()
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap();
            let text = if path.ends_with("csv") {
                String::from_utf8_lossy(&body).into_owned()
            } else {
                crate::findings_web::xlsx_text(&body)
            };
            assert_eq!(
                text.contains("QSW-SECRET-REF"),
                sees_private,
                "{email} {path}"
            );
            assert!(
                text.contains("Rehabilitation allowance far below cost"),
                "{email} {path}"
            );
        }
        // The private reference is not searchable by anyone.
        let html = c
            .get(w.app.url("/findings?q=SECRET"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            !html.contains(&format!("/findings/{id}\"")),
            "{email} search"
        );
    }
    // Workers see their own station's findings only.
    let c = signed_in(&w.app, "worker@example.org").await;
    let html = c
        .get(w.app.url("/findings"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains(&format!("/findings/{id}\""))
            && !html.contains(&format!("/findings/{other_id}\""))
    );
    // Viewers see no findings at all.
    let v = signed_in(&w.app, "viewer@example.org").await;
    assert_eq!(
        v.get(w.app.url("/findings")).send().await.unwrap().status(),
        403
    );
    assert_eq!(
        v.get(w.app.url(&format!("/findings/{id}")))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    w.app.stop().await;
}

/// The text of every cell in an XLSX file (shared strings), for assertions.
pub fn xlsx_text(bytes: &[u8]) -> String {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("an xlsx is a zip");
    let mut out = String::new();
    for name in ["xl/sharedStrings.xml", "xl/worksheets/sheet1.xml"] {
        if let Ok(mut f) = zip.by_name(name) {
            f.read_to_string(&mut out).unwrap();
        }
    }
    out
}

async fn only_the_recorder_their_seniors_and_admins_edit_and_delete(db: Db) {
    let t = TestDb::create(db).await.unwrap();
    let w = world(&t).await;
    w.app
        .user("colleague@example.org", Role::Worker, "Qingshuiwan Station")
        .await;
    w.app
        .user("senior@example.org", Role::Senior, "Qingshuiwan Station")
        .await;
    let id = save(
        &w.app.store,
        &w.worker,
        &validate(
            &input("original text", w.area, w.community, "2026-11-01"),
            today(),
        )
        .unwrap(),
    )
    .await;
    let edit = |narrative: &str, version: i64| {
        vec![
            ("narrative", narrative.to_string()),
            ("policy_area_id", w.area.to_string()),
            ("locality_id", w.community.to_string()),
            ("observed_on", "2026-11-01".to_string()),
            ("people_affected", "1".to_string()),
            ("version", version.to_string()),
            ("action", "save".to_string()),
        ]
    };
    let colleague = signed_in(&w.app, "colleague@example.org").await;
    let token = csrf(&w.app, &colleague, "/findings").await;
    assert_eq!(
        colleague
            .get(w.app.url(&format!("/findings/{id}/edit")))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    let res = colleague
        .post(w.app.url(&format!("/findings/{id}")))
        .form(&form(&edit("hijack", 1), &token))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let res = colleague
        .post(w.app.url(&format!("/findings/{id}/delete")))
        .form(&[("csrf_token", &token)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);

    let senior = signed_in(&w.app, "senior@example.org").await;
    let token = csrf(&w.app, &senior, "/findings").await;
    let res = senior
        .post(w.app.url(&format!("/findings/{id}")))
        .form(&form(&edit("edited by the senior worker", 1), &token))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    // A stale form (still at version 1) is refused with an explanation, not applied.
    let res = senior
        .post(w.app.url(&format!("/findings/{id}")))
        .form(&form(&edit("stale overwrite", 1), &token))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 409);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Someone else saved this finding")
    );
    let f = w.app.store.get_finding(id).await.unwrap().unwrap();
    assert_eq!(f.narrative, "edited by the senior worker");
    let html = senior
        .get(w.app.url(&format!("/findings/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Edit history") && html.contains("1 → 2"));

    let res = senior
        .post(w.app.url(&format!("/findings/{id}/delete")))
        .form(&[("csrf_token", &token)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(
        senior
            .get(w.app.url(&format!("/findings/{id}")))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    let audit = w.app.store.list_audit(None, 20).await.unwrap();
    assert!(
        audit
            .iter()
            .any(|a| a.action == "finding.deleted" && a.subject_id == Some(id))
    );
    w.app.stop().await;
}

async fn the_search_page_filters_and_pages(db: Db) {
    let t = TestDb::create(db).await.unwrap();
    let w = world(&t).await;
    w.app
        .user("coordinator@example.org", Role::Coordinator, "Federation")
        .await;
    for n in 0..25 {
        let loc = if n % 2 == 0 {
            w.community
        } else {
            w.other_district
        };
        let author = if n % 2 == 0 { &w.worker } else { &w.other_org };
        let text = format!("康复补贴不足 case {n}");
        save(
            &w.app.store,
            author,
            &validate(&input(&text, w.area, loc, "2026-10-01"), today()).unwrap(),
        )
        .await;
    }
    let c = signed_in(&w.app, "coordinator@example.org").await;
    let html = c
        .get(w.app.url("/findings?q=补贴"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("The first 20 findings"), "{html}");
    assert!(html.contains("<mark>补贴</mark>"));
    let next = html
        .split("href=\"/findings?")
        .nth(1)
        .map(|s| s.split('"').next().unwrap().replace("&amp;", "&"))
        .expect("a next-page link");
    let page2 = c
        .get(w.app.url(&format!("/findings?{next}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(page2.matches("class=\"result\"").count(), 5);
    // Everything below the district: only the community's 13.
    let html = c
        .get(
            w.app
                .url(&format!("/findings?locality={}&limit=50", w.district)),
        )
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(html.matches("class=\"result\"").count(), 13);
    // A bad filter is a clear 400, not a crash.
    let res = c
        .get(w.app.url("/findings?from=yesterday&after=garbage"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let html = res.text().await.unwrap();
    assert!(html.contains("Enter the date as YYYY-MM-DD."));
    w.app.stop().await;
}

crate::both_databases!(
    the_guard_stops_personal_data_until_masked_or_confirmed,
    bad_input_is_explained_and_the_form_keeps_it,
    private_fields_stay_with_the_recording_organisation,
    only_the_recorder_their_seniors_and_admins_edit_and_delete,
    the_search_page_filters_and_pages,
);
