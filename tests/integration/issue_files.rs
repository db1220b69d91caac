//! Files attached to issues, and the evidence summary exported with small cells
//! suppressed.

use chrono::NaiveDate;
use groundswell::config::WebSettings;
use groundswell::domain::finding::validate;
use groundswell::domain::role::Role;
use groundswell::store::AuditEvent;
use reqwest::multipart::{Form, Part};

use crate::common::{Db, TestDb, csrf, signed_in};
use crate::findings_store::{input, save, world_with};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 1).unwrap()
}

const PDF: &[u8] = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<<>>\n%%EOF\n";

fn file(name: &str, bytes: Vec<u8>) -> Form {
    Form::new().part("file", Part::bytes(bytes).file_name(name.to_string()))
}

async fn attachments_are_checked_by_content_and_size(db: Db) {
    let t = TestDb::create(db).await.unwrap();
    let settings = WebSettings {
        attachment_max_bytes: 4096,
        ..WebSettings::default()
    };
    let w = world_with(&t, settings).await;
    let s = &w.app.store;
    let senior = w
        .app
        .user("senior@example.org", Role::Senior, "Qingshuiwan Station")
        .await;
    let issue = crate::common::new_issue(
        s,
        w.area,
        senior,
        "Day-care places cost far more than the allowance",
        "…",
    )
    .await;
    let page = format!("/issues/{}", issue.id);
    let c = signed_in(&w.app, "senior@example.org").await;
    let token = csrf(&w.app, &c, &page).await;
    let upload = |form: Form, token: &str| {
        c.post(w.app.url(&format!("{page}/attachments?csrf_token={token}")))
            .multipart(form)
    };

    // A real PDF with a Chinese name is stored and served back byte for byte.
    let res = upload(file("民政局回复.pdf", PDF.to_vec()), &token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let list = s.list_attachments(issue.id).await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].filename, "民政局回复.pdf");
    assert_eq!(list[0].content_type, "application/pdf");
    let html = c
        .get(w.app.url(&page))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("File attached."), "{html}");
    assert!(html.contains("民政局回复.pdf"));
    let res = c
        .get(w.app.url(&format!("{page}/attachments/{}", list[0].id)))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    let disposition = res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    assert_eq!(res.bytes().await.unwrap().as_ref(), PDF);

    // Refused, each with its own message, and nothing stored: a program named .pdf,
    // a picture named .pdf, a file over the limit, an HTML page with script.
    let png = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13].to_vec();
    let mut big = PDF.to_vec();
    big.resize(5000, b' ');
    for (name, bytes, message) in [
        (
            "report.pdf",
            b"MZ\x90\x00\x03\x00\x00\x00\x04\x00".to_vec(),
            "whatever its name says",
        ),
        ("photo.pdf", png, "does not match its content"),
        ("big.pdf", big, "larger than 0 MB"),
        (
            "page.html",
            b"<html><script>alert(1)</script></html>".to_vec(),
            "whatever its name says",
        ),
    ] {
        let res = upload(file(name, bytes), &token).send().await.unwrap();
        assert_eq!(res.status(), 303, "{name}");
        let html = c
            .get(w.app.url(&page))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains(message), "{name}: {html}");
    }
    assert_eq!(s.list_attachments(issue.id).await.unwrap().len(), 1);

    // Without the CSRF token nothing is stored.
    let res = upload(file("again.pdf", PDF.to_vec()), "wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);

    // A worker reads and downloads but may not attach or remove.
    let worker = signed_in(&w.app, "worker@example.org").await;
    let wt = csrf(&w.app, &worker, &page).await;
    let res = worker
        .post(w.app.url(&format!("{page}/attachments?csrf_token={wt}")))
        .multipart(file("mine.pdf", PDF.to_vec()))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let res = worker
        .post(
            w.app
                .url(&format!("{page}/attachments/{}/remove", list[0].id)),
        )
        .form(&[("csrf_token", wt.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let res = worker
        .get(w.app.url(&format!("{page}/attachments/{}", list[0].id)))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    // Signed out: no file.
    let anon = crate::common::client();
    let res = anon
        .get(w.app.url(&format!("{page}/attachments/{}", list[0].id)))
        .send()
        .await
        .unwrap();
    assert_ne!(res.status(), 200);

    // The senior removes it: no longer listed or served, the timeline says so.
    let res = c
        .post(
            w.app
                .url(&format!("{page}/attachments/{}/remove", list[0].id)),
        )
        .form(&[("csrf_token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert!(s.list_attachments(issue.id).await.unwrap().is_empty());
    let res = c
        .get(w.app.url(&format!("{page}/attachments/{}", list[0].id)))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let timeline = s.audit_of("issue", issue.id).await.unwrap();
    assert!(
        timeline
            .iter()
            .any(|e| e.action == "issue.attachment_added")
    );
    assert!(
        timeline
            .iter()
            .any(|e| e.action == "issue.attachment_removed")
    );
    w.app.stop().await;
}

async fn exports_always_suppress_small_cells(db: Db) {
    let t = TestDb::create(db).await.unwrap();
    let w = world_with(&t, WebSettings::default()).await;
    let s = &w.app.store;
    let senior = w
        .app
        .user("senior@example.org", Role::Senior, "Qingshuiwan Station")
        .await;
    let issue = crate::common::new_issue(s, w.area, senior, "Allowance below cost", "…").await;
    // Two findings, both from the senior's own station, in one district.
    let mut ids = Vec::new();
    for n in 0..2 {
        let mut i = input(
            &format!("Allowance far below cost {n}"),
            w.area,
            w.community,
            "2026-03-10",
        );
        i.figures = vec![groundswell::domain::finding::FigureInput {
            name: "day-care cost".into(),
            amount: format!("{}", 3000 + n * 400),
            unit: "yuan/month".into(),
        }];
        ids.push(save(s, &w.worker, &validate(&i, today()).unwrap()).await);
    }
    s.link_findings(
        issue.id,
        &ids,
        &AuditEvent::new("issue.linked", Some(senior), None),
    )
    .await
    .unwrap();
    let c = signed_in(&w.app, "senior@example.org").await;
    let page = format!("/issues/{}", issue.id);
    // On the page the senior is an insider: the exact figures.
    let html = c
        .get(w.app.url(&page))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!html.contains("num\">fewer than 3"), "{html}");
    assert!(
        html.contains("3,200"),
        "median shown to the insider: {html}"
    );
    // In the export, whoever asks: suppressed, and the amounts with them.
    let csv = c
        .get(w.app.url(&format!("{page}/evidence.csv")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(csv.contains("By district,Cixi,fewer than 3"), "{csv}");
    assert!(
        csv.contains("Figures,day-care cost,fewer than 3,,,,yuan/month"),
        "{csv}"
    );
    assert!(!csv.contains("3,200") && !csv.contains("3200"), "{csv}");
    assert!(csv.contains("findings,2"), "totals stay: {csv}");
    // The Excel file says the same.
    let bytes = c
        .get(w.app.url(&format!("{page}/evidence.xlsx")))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut strings = String::new();
    std::io::Read::read_to_string(
        &mut zip.by_name("xl/sharedStrings.xml").unwrap(),
        &mut strings,
    )
    .unwrap();
    assert!(strings.contains("fewer than 3"), "{strings}");
    assert!(!strings.contains("3200"), "{strings}");
    w.app.stop().await;
}

crate::both_databases!(
    attachments_are_checked_by_content_and_size,
    exports_always_suppress_small_cells,
);
