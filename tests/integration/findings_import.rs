//! Spreadsheet imports on both databases: errors by row and column commit nothing,
//! GBK and XLSX files are read, re-imports do not duplicate, personal data is held back.

use base64::Engine;
use groundswell::domain::role::Role;
use groundswell::domain::token;
use groundswell::store::AuditEvent;
use groundswell::store::findings::FindingQuery;
use serde_json::{Value, json};

use crate::common::{Db, TestDb, csrf, signed_in};
use crate::findings_store::{World, world};

const HEADER: &str = "编号,情况描述,政策领域,社区,发现日期,人数,金额,单位";

fn good_rows() -> Vec<String> {
    vec![
        "Q-1,自闭症儿童满14岁后失去健康教育补贴,disability,清水湾社区,2026/10/01,2,800,元/月".into(),
        "Q-2,\"Special school will not take him after 14, no junior school either\",残疾与康复,清水湾社区,2026-10-02,1,4500,元/月".into(),
        "Q-3,康复补贴远低于一对一训练费用,disability,宁波市/慈溪市,2026年10月3日,3,,".into(),
    ]
}

fn csv(rows: &[String]) -> String {
    format!("{HEADER}\n{}\n", rows.join("\n"))
}

async fn upload(w: &World, c: &reqwest::Client, name: &str, bytes: Vec<u8>) -> reqwest::Response {
    let token = csrf(&w.app, c, "/findings/import").await;
    let part = reqwest::multipart::Part::bytes(bytes).file_name(name.to_string());
    let form = reqwest::multipart::Form::new().part("file", part);
    c.post(w.app.url(&format!("/findings/import?csrf_token={token}")))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

/// Uploads, takes the guessed mapping from the page, and posts it with `action`.
async fn run(
    w: &World,
    c: &reqwest::Client,
    name: &str,
    bytes: Vec<u8>,
    action: &str,
    pii: &str,
) -> (u16, String) {
    let res = upload(w, c, name, bytes).await;
    assert_eq!(
        res.status(),
        303,
        "upload refused: {}",
        res.text().await.unwrap()
    );
    let location = res.headers()["location"].to_str().unwrap().to_string();
    let page = c
        .get(w.app.url(&location))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let mut form: Vec<(String, String)> = Vec::new();
    // The selected option of each mapping select.
    for chunk in page.split("<select id=\"m-").skip(1) {
        let target = &chunk[..chunk.find('"').unwrap()];
        let body = &chunk[..chunk.find("</select>").unwrap()];
        if let Some(sel) = body.find(" selected") {
            let before = &body[..sel];
            let value = before.rsplit("value=\"").next().unwrap();
            let value = &value[..value.find('"').unwrap()];
            form.push((format!("map_{target}"), value.to_string()));
        }
    }
    form.push(("csrf_token".into(), crate::common::csrf_from(&page)));
    form.push(("action".into(), action.into()));
    form.push(("pii".into(), pii.into()));
    if pii == "confirm" {
        form.push(("confirm_reason".into(), "public hotline numbers".into()));
    }
    let res = c
        .post(w.app.url(&location))
        .form(&form)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.text().await.unwrap())
}

async fn count(w: &World) -> usize {
    w.app
        .store
        .search_findings(&FindingQuery {
            limit: 500,
            ..Default::default()
        })
        .await
        .unwrap()
        .len()
}

async fn a_file_with_errors_commits_nothing_then_imports_whole(db: Db) {
    let t = TestDb::create(db).await.unwrap();
    let w = world(&t).await;
    let c = signed_in(&w.app, "worker@example.org").await;
    let mut rows = good_rows();
    rows.push("Q-4,,disability,清水湾社区,2026-10-04,1,,".into());
    rows.push("Q-5,有描述,教育?,火星,2099-01-01,-2,800,".into());
    let (status, html) = run(
        &w,
        &c,
        "casework.csv",
        csv(&rows).into_bytes(),
        "commit",
        "review",
    )
    .await;
    assert_eq!(status, 422);
    for needle in [
        "<td class=\"num\">5</td><td>情况描述</td><td>Describe what you saw.</td>",
        "<td class=\"num\">6</td><td>政策领域</td><td>Unknown policy area",
        "<td class=\"num\">6</td><td>社区</td><td>Unknown or ambiguous place",
        "<td class=\"num\">6</td><td>发现日期</td><td>The date cannot be in the future.",
        "<td class=\"num\">6</td><td>人数</td><td>At least one person is affected.",
        "<td class=\"num\">6</td><td>单位</td><td>Give the unit",
    ] {
        assert!(html.contains(needle), "missing {needle}");
    }
    assert!(
        !html.contains("value=\"commit\""),
        "no commit button while there are problems"
    );
    assert_eq!(count(&w).await, 0, "nothing half-saved");

    let (status, html) = run(
        &w,
        &c,
        "casework.csv",
        csv(&good_rows()).into_bytes(),
        "preview",
        "review",
    )
    .await;
    assert_eq!(status, 200);
    assert!(html.contains("Every row is ready"), "{html}");
    let (status, _) = run(
        &w,
        &c,
        "casework.csv",
        csv(&good_rows()).into_bytes(),
        "commit",
        "review",
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(count(&w).await, 3);
    let found = w
        .app
        .store
        .findings_by_external_ids(w.worker.org_id, &["Q-3".into()])
        .await
        .unwrap();
    assert_eq!(found[0].observed_on.to_string(), "2026-10-03");
    assert_eq!(
        found[0].locality_path, w.district_path,
        "a trail names the district"
    );

    // The same file again: nothing new. One row changed: one update, with a version.
    let (status, _) = run(
        &w,
        &c,
        "casework.csv",
        csv(&good_rows()).into_bytes(),
        "commit",
        "review",
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(count(&w).await, 3);
    let mut changed = good_rows();
    changed[0] = changed[0].replace(",2,800,", ",5,800,");
    let (_, html) = run(
        &w,
        &c,
        "casework.csv",
        csv(&changed).into_bytes(),
        "preview",
        "review",
    )
    .await;
    assert!(
        html.contains("<span class=\"figure\">1</span> findings updated"),
        "{html}"
    );
    assert!(html.contains("<span class=\"figure\">2</span> rows already imported"));
    let (status, _) = run(
        &w,
        &c,
        "casework.csv",
        csv(&changed).into_bytes(),
        "commit",
        "review",
    )
    .await;
    assert_eq!(status, 303);
    let q1 = &w
        .app
        .store
        .findings_by_external_ids(w.worker.org_id, &["Q-1".into()])
        .await
        .unwrap()[0];
    assert_eq!((q1.people_affected, q1.version), (5, 2));
    w.app.stop().await;
}

async fn gbk_and_xlsx_files_are_read(db: Db) {
    let t = TestDb::create(db).await.unwrap();
    let w = world(&t).await;
    let c = signed_in(&w.app, "worker@example.org").await;
    let text = csv(&good_rows());
    let (gbk, _, _) = encoding_rs::GBK.encode(&text);
    let (status, _) = run(&w, &c, "excel.csv", gbk.into_owned(), "commit", "review").await;
    assert_eq!(status, 303);
    assert_eq!(count(&w).await, 3);
    let f = &w
        .app
        .store
        .findings_by_external_ids(w.worker.org_id, &["Q-1".into()])
        .await
        .unwrap()[0];
    assert_eq!(f.narrative, "自闭症儿童满14岁后失去健康教育补贴");

    let mut book = rust_xlsxwriter::Workbook::new();
    let s = book.add_worksheet();
    for (c_, h) in ["编号", "情况描述", "政策领域", "社区", "发现日期"]
        .iter()
        .enumerate()
    {
        s.write_string(0, c_ as u16, *h).unwrap();
    }
    s.write_string(1, 0, "X-1").unwrap();
    s.write_string(1, 1, "养老院床位等待时间超过两年").unwrap();
    s.write_string(1, 2, "elderly_care").unwrap();
    s.write_string(1, 3, "北仑区").unwrap();
    let date = rust_xlsxwriter::ExcelDateTime::from_ymd(2026, 9, 30).unwrap();
    s.write_datetime_with_format(
        1,
        4,
        &date,
        &rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd"),
    )
    .unwrap();
    let (status, html) = run(
        &w,
        &c,
        "casework.xlsx",
        book.save_to_buffer().unwrap(),
        "commit",
        "review",
    )
    .await;
    assert_eq!(status, 303, "{html}");
    let x = &w
        .app
        .store
        .findings_by_external_ids(w.worker.org_id, &["X-1".into()])
        .await
        .unwrap()[0];
    assert_eq!(x.observed_on.to_string(), "2026-09-30");

    // A file that is neither: a clear message, no batch.
    let res = upload(
        &w,
        &c,
        "photo.csv",
        vec![0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x81, 0xff],
    )
    .await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("neither UTF-8 nor GBK"));
    w.app.stop().await;
}

async fn personal_data_in_rows_is_listed_masked_or_confirmed(db: Db) {
    let t = TestDb::create(db).await.unwrap();
    let w = world(&t).await;
    let c = signed_in(&w.app, "worker@example.org").await;
    let mut rows = good_rows();
    rows.push(
        "Q-9,母亲手机13812345678，孩子满14岁失去补贴,disability,清水湾社区,2026-10-05,1,,".into(),
    );
    let (status, html) = run(
        &w,
        &c,
        "casework.csv",
        csv(&rows).into_bytes(),
        "commit",
        "review",
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("Personal data in 1 places"), "{html}");
    assert!(html.contains("<td class=\"num\">5</td><td>情况描述</td><td>Mobile number</td>"));
    assert_eq!(count(&w).await, 0);
    let (status, _) = run(
        &w,
        &c,
        "casework.csv",
        csv(&rows).into_bytes(),
        "commit",
        "mask",
    )
    .await;
    assert_eq!(status, 303);
    let q9 = &w
        .app
        .store
        .findings_by_external_ids(w.worker.org_id, &["Q-9".into()])
        .await
        .unwrap()[0];
    assert!(q9.narrative.contains("***********") && !q9.narrative.contains("13812345678"));
    assert_eq!(count(&w).await, 4);
    w.app.stop().await;
}

async fn a_thousand_bad_rows_are_all_reported(db: Db) {
    let t = TestDb::create(db).await.unwrap();
    let w = world(&t).await;
    let c = signed_in(&w.app, "worker@example.org").await;
    let rows: Vec<String> = (0..1000)
        .map(|i| format!("B-{i},,nowhere,nowhere,someday,many,,"))
        .collect();
    let (status, html) = run(
        &w,
        &c,
        "bad.csv",
        csv(&rows).into_bytes(),
        "commit",
        "review",
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        html.contains("…and "),
        "the list is cut, with a count of the rest"
    );
    let problems: String = html
        .split("problems</h3>")
        .next()
        .unwrap()
        .rsplit("<h3>")
        .next()
        .unwrap()
        .to_string();
    let n: usize = problems.trim().parse().unwrap();
    assert!(
        n >= 3000,
        "{n} problems for 1000 rows with three bad cells each"
    );
    assert_eq!(count(&w).await, 0);
    w.app.stop().await;
}

async fn uploads_belong_to_the_uploader(db: Db) {
    let t = TestDb::create(db).await.unwrap();
    let w = world(&t).await;
    w.app
        .user("colleague@example.org", Role::Worker, "Qingshuiwan Station")
        .await;
    let c = signed_in(&w.app, "worker@example.org").await;
    let res = upload(&w, &c, "casework.csv", csv(&good_rows()).into_bytes()).await;
    let location = res.headers()["location"].to_str().unwrap().to_string();
    let other = signed_in(&w.app, "colleague@example.org").await;
    assert_eq!(
        other
            .get(w.app.url(&location))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    w.app.stop().await;
}

async fn the_api_imports_with_a_dry_run_first(db: Db) {
    let t = TestDb::create(db).await.unwrap();
    let w = world(&t).await;
    let user = w
        .app
        .store
        .user_by_email("worker@example.org")
        .await
        .unwrap()
        .unwrap();
    let secret = token::generate();
    w.app
        .store
        .create_api_token(
            user.id,
            "t",
            &token::hash(&secret),
            &AuditEvent::new("token.created", None, None),
        )
        .await
        .unwrap();
    let api = reqwest::Client::new();
    let file = base64::engine::general_purpose::STANDARD.encode(csv(&good_rows()));
    let url = w.app.url("/api/v1/findings/import");
    let res = api
        .post(&url)
        .bearer_auth(&secret)
        .json(&json!({"file_base64": file, "dry_run": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let report: Value = res.json().await.unwrap();
    assert_eq!(report["outcome"]["created"], 3);
    assert_eq!(report["committed"], false);
    assert_eq!(count(&w).await, 0);
    let res = api
        .post(&url)
        .bearer_auth(&secret)
        .json(&json!({"file_base64": file}))
        .send()
        .await
        .unwrap();
    let report: Value = res.json().await.unwrap();
    assert_eq!(report["committed"], true);
    assert_eq!(count(&w).await, 3);

    let mut bad = good_rows();
    bad.push("Q-4,,disability,清水湾社区,2026-10-04,1,,".into());
    let file = base64::engine::general_purpose::STANDARD.encode(csv(&bad));
    let res = api
        .post(&url)
        .bearer_auth(&secret)
        .json(&json!({"file_base64": file, "mapping": {"narrative": "情况描述", "locality": "社区", "policy_area": "政策领域", "observed_on": "发现日期", "external_id": "编号"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let report: Value = res.json().await.unwrap();
    assert_eq!(report["problems"][0]["row"], 5);
    assert_eq!(report["problems"][0]["column"], "情况描述");
    assert_eq!(report["problems"][0]["code"], "finding.narrative_empty");
    assert_eq!(count(&w).await, 3);
    w.app.stop().await;
}

crate::both_databases!(
    a_file_with_errors_commits_nothing_then_imports_whole,
    gbk_and_xlsx_files_are_read,
    personal_data_in_rows_is_listed_masked_or_confirmed,
    a_thousand_bad_rows_are_all_reported,
    uploads_belong_to_the_uploader,
    the_api_imports_with_a_dry_run_first,
);
