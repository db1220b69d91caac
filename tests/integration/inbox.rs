//! Reminders and the inbox, on both databases: two instances run the reminder pass at
//! once and each reminder is created — and e-mailed through SMTP — once; news of a
//! response and of a review request reaches the right people in their language.

use std::sync::{Arc, Mutex};

use chrono::{Days, NaiveDate};
use groundswell::config::WebSettings;
use groundswell::domain::finding::today_in_china;
use groundswell::domain::role::Role;
use groundswell::notify::{Mailer, run_reminder_pass};
use groundswell::store::AuditEvent;
use groundswell::store::issues::{NewIssue, Party};
use groundswell::store::lifecycle::NewSubmission;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

use crate::common::{Db, TestApp, TestDb, csrf, signed_in};
use crate::findings_store::world;

/// The text of a message as its reader sees it (lettre encodes non-ASCII bodies).
fn body_of(message: &str) -> String {
    use base64::Engine;
    let (headers, body) = message.split_once("\n\n").unwrap_or((message, ""));
    if headers.contains("Content-Transfer-Encoding: base64") {
        let joined: String = body.lines().collect();
        String::from_utf8(
            base64::engine::general_purpose::STANDARD
                .decode(joined.trim())
                .unwrap(),
        )
        .unwrap()
    } else if headers.contains("quoted-printable") {
        body.replace("=\n", "")
    } else {
        body.to_string()
    }
}

/// A tiny SMTP server that accepts every message and keeps it.
async fn smtp_sink() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("smtp://{}", listener.local_addr().unwrap());
    let inbox = Arc::new(Mutex::new(Vec::new()));
    let keep = inbox.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let keep = keep.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 sink ESMTP\r\n").await.ok();
                let mut data: Option<String> = None;
                while let Ok(Some(line)) = lines.next_line().await {
                    if let Some(body) = data.as_mut() {
                        if line == "." {
                            keep.lock().unwrap().push(std::mem::take(body));
                            data = None;
                            write.write_all(b"250 queued\r\n").await.ok();
                        } else {
                            body.push_str(&line);
                            body.push('\n');
                        }
                        continue;
                    }
                    let verb = line.split_whitespace().next().unwrap_or("").to_uppercase();
                    let reply: &[u8] = match verb.as_str() {
                        "EHLO" | "HELO" => b"250 sink\r\n",
                        "DATA" => {
                            data = Some(String::new());
                            b"354 go ahead\r\n"
                        }
                        "QUIT" => {
                            write.write_all(b"221 bye\r\n").await.ok();
                            break;
                        }
                        _ => b"250 ok\r\n",
                    };
                    write.write_all(reply).await.ok();
                }
            });
        }
    });
    (url, inbox)
}

async fn a_reminder_fires_once_with_two_instances(db: Db) {
    let t = TestDb::create(db).await.unwrap();
    let w = world(&t).await;
    // A second instance on the same database.
    let second = TestApp::start_with(&t, WebSettings::default()).await;
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
    // The worker watches the issue.
    s.add_party(
        issue.id,
        Party::Watcher,
        w.worker.user_id,
        &ev("issue.watched"),
    )
    .await
    .unwrap();
    let today = today_in_china();
    for due in [today + Days::new(5), today - Days::new(3)] {
        s.create_submission(
            &NewSubmission {
                issue_id: issue.id,
                department_id: dept,
                handling: "lead",
                channel: "letter",
                submitted_on: today - Days::new(80),
                reference: String::new(),
                contact: String::new(),
                due_on: due,
                due_calendar_missing: false,
            },
            &ev("issue.submission_recorded"),
        )
        .await
        .unwrap();
    }

    let (url, mails) = smtp_sink().await;
    let mailer = Some(Arc::new(
        Mailer::new(
            &url,
            "Groundswell <groundswell@example.org>",
            "https://gs.example",
        )
        .unwrap(),
    ));
    // Both instances run the pass at the same moment.
    let (a, b) = tokio::join!(
        run_reminder_pass(&w.app.store, &mailer, today),
        run_reminder_pass(&second.store, &mailer, today)
    );
    // Owner, watcher and coordinator each get one "due soon" and one "overdue".
    assert_eq!(a.unwrap() + b.unwrap(), 6);
    let mails_now = mails.lock().unwrap().clone();
    assert_eq!(mails_now.len(), 6, "{mails_now:?}");
    assert!(
        mails_now
            .iter()
            .any(|m| m.contains("To: worker@example.org"))
    );
    let bodies: Vec<String> = mails_now.iter().map(|m| body_of(m)).collect();
    assert!(
        bodies
            .iter()
            .all(|b| b.contains(&format!("https://gs.example/issues/{}", issue.id))),
        "{bodies:?}"
    );
    assert!(
        bodies.iter().any(|b| b.contains("的答复已于")),
        "in the reader's language: {bodies:?}"
    );
    // Again later the same day: nothing new.
    assert_eq!(
        run_reminder_pass(&second.store, &mailer, today)
            .await
            .unwrap(),
        0
    );
    assert_eq!(mails.lock().unwrap().len(), 6);

    // The senior's inbox shows both in their language, with the unread count.
    let c = signed_in(&w.app, "senior@example.org").await;
    let html = c
        .get(w.app.url("/inbox"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("class=\"badge\""), "{html}");
    assert!(
        html.contains(&format!("was due on {}", today - Days::new(3))),
        "{html}"
    );
    assert!(
        html.contains(&format!("is due on {}", today + Days::new(5))),
        "{html}"
    );
    let token = csrf(&w.app, &c, "/inbox").await;
    let res = c
        .post(w.app.url("/inbox/read"))
        .form(&[("csrf_token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(s.unread_count(senior).await.unwrap(), 0);
    // Someone else's notification cannot be marked read by this person.
    let other = s.inbox(w.worker.user_id, 10).await.unwrap();
    c.post(w.app.url(&format!("/inbox/{}/read", other[0].id)))
        .form(&[("csrf_token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(s.unread_count(w.worker.user_id).await.unwrap(), 2);
    second.stop().await;
    w.app.stop().await;
}

async fn news_of_reviews_and_responses_reaches_the_issue_s_people(db: Db) {
    let t = TestDb::create(db).await.unwrap();
    let w = world(&t).await;
    let s = &w.app.store;
    let senior = w
        .app
        .user("senior@example.org", Role::Senior, "Qingshuiwan Station")
        .await;
    let coordinator = w
        .app
        .user("lin@example.org", Role::Coordinator, "Ningbo Federation")
        .await;
    let issue = crate::common::new_issue(s, w.area, senior, "t", "p").await;
    let page = format!("/issues/{}", issue.id);
    let c = signed_in(&w.app, "senior@example.org").await;
    let token = csrf(&w.app, &c, &page).await;
    for m in ["start_drafting", "request_review"] {
        c.post(w.app.url(&format!("{page}/transitions")))
            .form(&[("move", m), ("csrf_token", &token)])
            .send()
            .await
            .unwrap();
    }
    // The coordinator hears of the review request; the senior, who asked, does not.
    let coord_inbox = s.inbox(coordinator, 10).await.unwrap();
    assert_eq!(coord_inbox.len(), 1);
    assert_eq!(coord_inbox[0].kind, "review_requested");
    assert!(s.inbox(senior, 10).await.unwrap().is_empty());
    // The coordinator's API inbox speaks their language (Chinese unless set).
    let secret = groundswell::domain::token::generate();
    s.create_api_token(
        coordinator,
        "t",
        &groundswell::domain::token::hash(&secret),
        &AuditEvent::new("token.created", None, None),
    )
    .await
    .unwrap();
    let items: serde_json::Value = reqwest::Client::new()
        .get(w.app.url("/api/v1/inbox"))
        .bearer_auth(&secret)
        .header("accept-language", "zh-CN")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        items[0]["message"].as_str().unwrap().contains("提请审核"),
        "{items}"
    );
    // The coordinator approves: the senior hears of it.
    let k = signed_in(&w.app, "lin@example.org").await;
    let kt = csrf(&w.app, &k, &page).await;
    k.post(w.app.url(&format!("{page}/transitions")))
        .form(&[("move", "approve"), ("csrf_token", &kt)])
        .send()
        .await
        .unwrap();
    let senior_inbox = s.inbox(senior, 10).await.unwrap();
    assert_eq!(senior_inbox.len(), 1);
    assert_eq!(senior_inbox[0].message_key, "inbox.approved");
    let _ = NaiveDate::from_ymd_opt(2026, 1, 1);
    w.app.stop().await;
}

crate::both_databases!(
    a_reminder_fires_once_with_two_instances,
    news_of_reviews_and_responses_reaches_the_issue_s_people,
);
