//! The command line, run as a real process.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::common::{Db, TestDb};

const BIN: &str = env!("CARGO_BIN_EXE_groundswell");

fn run(db: &TestDb, args: &[&str], stdin: &str) -> (bool, String, String) {
    let mut child = Command::new(BIN)
        .args(args)
        .env("GROUNDSWELL_DATABASE_URL", &db.url)
        .env("GROUNDSWELL_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

async fn the_first_admin_is_created_from_the_command_line(db: Db) {
    let t = TestDb::create(db).await.unwrap();
    let (ok, out, err) = run(
        &t,
        &[
            "org",
            "add",
            "--name",
            "宁波市慈善总会",
            "--kind",
            "federation",
        ],
        "",
    );
    assert!(ok, "{err}");
    assert!(out.contains("宁波市慈善总会"));
    let (ok, out, err) = run(
        &t,
        &[
            "user",
            "add",
            "--email",
            "Chen@Example.org",
            "--name",
            "陈",
            "--role",
            "admin",
            "--org",
            "宁波市慈善总会",
        ],
        "a-long-password\n",
    );
    assert!(ok, "{err}");
    assert!(out.contains("chen@example.org"));

    let store = t.store().await;
    let user = store
        .user_by_email("chen@example.org")
        .await
        .unwrap()
        .unwrap();
    assert!(
        groundswell::domain::password::verify("a-long-password", Some(&user.password_hash))
            .await
            .unwrap()
    );

    // The token printed on stdout works against the API.
    let (ok, out, err) = run(&t, &["token", "create", "--email", "chen@example.org"], "");
    assert!(ok, "{err}");
    let secret = out.trim();
    assert!(groundswell::domain::token::is_well_formed(secret), "{out}");
    let found = store
        .user_by_token_hash(
            &groundswell::domain::token::hash(secret),
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    assert_eq!(found.unwrap().id, user.id);
    let actions: Vec<_> = store
        .list_audit(None, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.action)
        .collect();
    assert!(actions.contains(&"user.created".into()) && actions.contains(&"token.created".into()));
    store.close().await;
}

async fn bad_command_line_input_is_refused_and_changes_nothing(db: Db) {
    let t = TestDb::create(db).await.unwrap();
    run(&t, &["org", "add", "--name", "Station"], "");
    let (ok, _, err) = run(
        &t,
        &[
            "user",
            "add",
            "--email",
            "a@example.org",
            "--name",
            "A",
            "--role",
            "superuser",
            "--org",
            "Station",
        ],
        "a-long-password\n",
    );
    assert!(!ok);
    assert!(
        err.contains("superuser") && err.contains("worker, senior, coordinator, admin, viewer"),
        "{err}"
    );

    let (ok, _, err) = run(
        &t,
        &[
            "user",
            "add",
            "--email",
            "a@example.org",
            "--name",
            "A",
            "--role",
            "worker",
            "--org",
            "Nowhere",
        ],
        "a-long-password\n",
    );
    assert!(!ok);
    assert!(
        err.contains("no active organisation named `Nowhere`"),
        "{err}"
    );

    let (ok, _, err) = run(
        &t,
        &[
            "user",
            "add",
            "--email",
            "a@example.org",
            "--name",
            "A",
            "--role",
            "worker",
            "--org",
            "Station",
        ],
        "short\n",
    );
    assert!(!ok);
    assert!(err.contains("at least 10 characters"), "{err}");

    let (ok, _, err) = run(
        &t,
        &["token", "create", "--email", "nobody@example.org"],
        "",
    );
    assert!(!ok);
    assert!(err.contains("no active user"), "{err}");

    let store = t.store().await;
    assert!(store.list_users().await.unwrap().is_empty());
    store.close().await;
}

/// A `groundswell serve` process on a free port, killed when dropped.
struct Server {
    child: std::process::Child,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    async fn start(db: &TestDb) -> Server {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let child = Command::new(BIN)
            .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
            .env("GROUNDSWELL_DATABASE_URL", &db.url)
            .env("GROUNDSWELL_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let server = Server { child, port };
        let mut healthy = false;
        for _ in 0..100 {
            if let Ok(res) = reqwest::get(server.url("/healthz")).await {
                healthy = res.status() == 200;
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(healthy, "serve did not come up");
        server
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
}

async fn two_serve_processes_share_sessions_through_the_database(db: Db) {
    let t = TestDb::create(db).await.unwrap();
    run(&t, &["org", "add", "--name", "Station"], "");
    let (ok, _, err) = run(
        &t,
        &[
            "user",
            "add",
            "--email",
            "w@example.org",
            "--name",
            "W",
            "--role",
            "worker",
            "--org",
            "Station",
        ],
        "a-long-password\n",
    );
    assert!(ok, "{err}");
    let one = Server::start(&t).await;
    let two = Server::start(&t).await;

    let c = crate::common::client();
    let html = c
        .get(one.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token = crate::common::csrf_from(&html);
    let res = c
        .post(one.url("/login"))
        .form(&[
            ("email", "w@example.org"),
            ("password", "a-long-password"),
            ("csrf_token", &token),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("gs_session="))
        .map(|v| v.split(';').next().unwrap().to_string())
        .expect("session cookie");
    let res = reqwest::Client::new()
        .get(two.url("/api/v1/me"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        200,
        "the session made on one process is valid on the other"
    );
    let me: serde_json::Value = res.json().await.unwrap();
    assert_eq!(me["email"], "w@example.org");
}

async fn serve_answers_and_stops_gracefully_on_sigterm(db: Db) {
    let t = TestDb::create(db).await.unwrap();
    let mut server = Server::start(&t).await;
    let child = &mut server.child;
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let mut exited = None;
    for _ in 0..100 {
        if let Some(s) = child.try_wait().unwrap() {
            exited = Some(s);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let exited = exited.expect("serve stops within 10 s of SIGTERM");
    assert!(exited.success(), "exit status {exited:?}");
}

async fn the_demo_loads_once_from_the_command_line(db: Db) {
    let t = TestDb::create(db).await.unwrap();
    let (ok, out, err) = run(&t, &["seed", "--demo", "--lang", "en"], "");
    assert!(ok, "{out}{err}");
    assert!(
        out.contains("lin@demo.groundswell") && out.contains("groundswell-demo"),
        "{out}"
    );
    assert!(out.contains("361 findings"), "{out}");
    // A database with data is refused, with the reason, and nothing changes.
    let (ok, out, err) = run(&t, &["seed", "--demo"], "");
    assert!(!ok, "{out}");
    assert!(err.contains("already has accounts"), "{err}");
    let store = t.store().await;
    assert_eq!(
        store.list_issues().await.unwrap().len(),
        8,
        "still the one demo"
    );
    // A briefing from the command line, as a scheduled job would write it.
    let dir = std::env::temp_dir().join(format!("gs-export-{}-{db:?}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let md = dir.join("b.md");
    let (ok, out, err) = run(
        &t,
        &[
            "export",
            "briefing",
            "--issue",
            "3",
            "--format",
            "md",
            "-o",
            md.to_str().unwrap(),
        ],
        "",
    );
    assert!(ok, "{out}{err}");
    let text = std::fs::read_to_string(&md).unwrap();
    assert!(text.contains("## 一、") && text.contains("14"), "{text}");
    let docx = dir.join("b.docx");
    let (ok, _, err) = run(
        &t,
        &[
            "export",
            "briefing",
            "--issue",
            "3",
            "--format",
            "docx",
            "--lang",
            "en",
            "-o",
            docx.to_str().unwrap(),
        ],
        "",
    );
    assert!(ok, "{err}");
    assert_eq!(
        &std::fs::read(&docx).unwrap()[..2],
        b"PK",
        "a zip container"
    );
    let (ok, _, err) = run(
        &t,
        &[
            "export",
            "briefing",
            "--issue",
            "999",
            "--format",
            "md",
            "-o",
            md.to_str().unwrap(),
        ],
        "",
    );
    assert!(!ok && err.contains("issue 999"), "{err}");
    let pdf = dir.join("b.pdf");
    let (ok, _, err) = run(
        &t,
        &[
            "export",
            "briefing",
            "--issue",
            "3",
            "--format",
            "pdf",
            "-o",
            pdf.to_str().unwrap(),
        ],
        "",
    );
    assert!(ok, "{err}");
    if let Some(text) = crate::documents::pdf_text(&std::fs::read(&pdf).unwrap()) {
        assert!(
            text.contains("一、概述") && text.contains("典型个案"),
            "{text}"
        );
    }
    // The monthly report, as a federation would schedule it.
    let xlsx = dir.join("r.xlsx");
    let (ok, out, err) = run(
        &t,
        &[
            "export",
            "report",
            "--from",
            "2022-01-01",
            "--to",
            "2030-12-31",
            "--format",
            "xlsx",
            "-o",
            xlsx.to_str().unwrap(),
        ],
        "",
    );
    assert!(ok, "{out}{err}");
    assert!(out.contains("wrote"), "{out}");
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&xlsx).unwrap()).unwrap();
    assert!(zip.by_name("xl/worksheets/sheet2.xml").is_ok());
    let csv = dir.join("r.csv");
    let (ok, _, err) = run(
        &t,
        &[
            "export",
            "report",
            "--from",
            "2022-01-01",
            "--to",
            "2030-12-31",
            "--format",
            "csv",
            "--lang",
            "en",
            "-o",
            csv.to_str().unwrap(),
        ],
        "",
    );
    assert!(ok, "{err}");
    let text = std::fs::read_to_string(&csv).unwrap();
    assert!(
        text.contains("Stages,Closed,Issues,1") && text.contains("Submissions made"),
        "{text}"
    );
    // A period that ends before it begins is refused in words, and nothing is written.
    let bad = dir.join("bad.csv");
    let (ok, _, err) = run(
        &t,
        &[
            "export",
            "report",
            "--from",
            "2026-02-01",
            "--to",
            "2026-01-01",
            "--format",
            "csv",
            "--lang",
            "en",
            "-o",
            bad.to_str().unwrap(),
        ],
        "",
    );
    assert!(!ok && err.contains("ends before it begins"), "{err}");
    assert!(!bad.exists());
    std::fs::remove_dir_all(&dir).ok();
    // Without --demo nothing is loaded by accident.
    let (ok, _, err) = run(&t, &["seed"], "");
    assert!(!ok && err.contains("--demo"), "{err}");
}

crate::both_databases!(
    the_demo_loads_once_from_the_command_line,
    the_first_admin_is_created_from_the_command_line,
    bad_command_line_input_is_refused_and_changes_nothing,
    serve_answers_and_stops_gracefully_on_sigterm,
    two_serve_processes_share_sessions_through_the_database,
);

#[test]
fn an_unreachable_database_is_named_without_its_password() {
    let out = Command::new(BIN)
        .args([
            "--database-url",
            "postgres://app:s3cret@127.0.0.1:1/groundswell",
            "migrate",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("postgres://app:***@127.0.0.1:1/groundswell"),
        "{err}"
    );
    assert!(!err.contains("s3cret"), "{err}");
}

#[test]
fn an_unsupported_database_url_is_explained() {
    let out = Command::new(BIN)
        .args(["--database-url", "mysql://x/y", "migrate"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("use sqlite:PATH or postgres://"));
}

#[test]
fn help_documents_every_setting_and_its_variable() {
    let out = Command::new(BIN)
        .args(["serve", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    for needle in [
        "GROUNDSWELL_DATABASE_URL",
        "GROUNDSWELL_ADDR",
        "GROUNDSWELL_SECURE_COOKIES",
        "GROUNDSWELL_TRUST_FORWARDED_FOR",
        "GROUNDSWELL_SESSION_IDLE_HOURS",
    ] {
        assert!(help.contains(needle), "{needle} missing from:\n{help}");
    }
}
