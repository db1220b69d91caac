//! Crash safety: the real server binary, killed with SIGKILL while several clients
//! write, restarted, and checked — every write it acknowledged is there and whole. Then
//! (PostgreSQL) the database connection cut for a few seconds: requests fail cleanly
//! and the app recovers by itself.

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use rand::{Rng, SeedableRng};

use crate::both_databases;
use crate::common::{Db, TestDb};
use crate::workload::{Acked, Workload, api_client, prepare, step, verify};

const BIN: &str = env!("CARGO_BIN_EXE_groundswell");
/// Kills per database (bounded: the whole test stays well under a minute each).
const KILLS: usize = 6;
const CLIENTS: usize = 3;

struct Server {
    child: Option<Child>,
    base: String,
}

impl Drop for Server {
    /// A failing test must not leave a server running.
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The servers' errors, kept beside the database for reading after a failure.
fn server_log(url: &str) -> Stdio {
    let name = url
        .rsplit(['/', ':'])
        .next()
        .unwrap_or("db")
        .replace('.', "_");
    let path = std::env::temp_dir().join(format!("{name}-server.log"));
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map(Stdio::from)
        .unwrap_or_else(|_| Stdio::null())
}

async fn start_server(url: &str) -> Server {
    let port = free_port();
    let child = Command::new(BIN)
        .args([
            "serve",
            "--addr",
            &format!("127.0.0.1:{port}"),
            "--recurrence-every-minutes",
            "0",
            "--reminders-every-minutes",
            "0",
        ])
        .env("GROUNDSWELL_DATABASE_URL", url)
        .env("GROUNDSWELL_LOG", "error")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        // To a file, not inherited: a server outliving the test would hold the test's
        // output open.
        .stderr(server_log(url))
        .spawn()
        .expect("start the server");
    let base = format!("http://127.0.0.1:{port}");
    // Owned at once: dropped (killed) whatever happens next.
    let server = Server {
        child: Some(child),
        base,
    };
    let c = api_client();
    for _ in 0..600 {
        if let Ok(r) = c.get(format!("{}/healthz", server.base)).send().await
            && r.status() == 200
        {
            return server;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the server did not come up on {}", server.base);
}

impl Server {
    /// SIGKILL: no shutdown, no flush, nothing the process can do about it.
    fn kill(mut self) {
        let mut child = self.child.take().expect("running");
        child.kill().expect("SIGKILL the server");
        child.wait().unwrap();
    }
}

async fn acknowledged_writes_survive_sigkill(db: Db) {
    let t = TestDb::create(db).await.unwrap();
    let w: Workload = {
        let store = t.store().await;
        let w = prepare(&store).await;
        store.close().await;
        w
    };
    let mut rng = rand::rngs::StdRng::seed_from_u64(9);
    let mut acked = Acked::default();
    let mut steps = [0usize; CLIENTS];
    let mut kills = 0;
    for round in 0..=KILLS {
        let server = start_server(&t.url).await;
        let stop = Arc::new(AtomicBool::new(false));
        let mut clients = Vec::new();
        for (c, start) in steps.iter().enumerate() {
            let (base, w, stop, start) = (server.base.clone(), w.clone(), stop.clone(), *start);
            clients.push(tokio::spawn(async move {
                let http = api_client();
                let mut mine = Acked::default();
                let mut n = start;
                while !stop.load(Ordering::Relaxed) {
                    if !step(&http, &base, &w, c, n, &mut mine).await {
                        break;
                    }
                    n += 1;
                }
                (mine, n + 1)
            }));
        }
        // A random moment into the writes (fixed seed: the same run every time).
        tokio::time::sleep(Duration::from_millis(rng.random_range(300..1500))).await;
        let last = if round < KILLS {
            server.kill();
            kills += 1;
            None
        } else {
            stop.store(true, Ordering::Relaxed);
            Some(server)
        };
        for (c, h) in clients.into_iter().enumerate() {
            let (mine, next) = h.await.unwrap();
            acked.merge(mine);
            steps[c] = next;
        }
        if let Some(server) = last {
            server.kill();
        }
        // Whole after every kill, not only at the end.
        verify(&t.url, &acked, &w).await;
    }
    let findings = verify(&t.url, &acked, &w).await;
    assert!(
        acked.findings.len() > KILLS * CLIENTS,
        "too few writes to mean anything: {}",
        acked.findings.len()
    );
    crate::common::notice(&format!(
        "crash safety ({db:?}): {kills} SIGKILLs survived, {} acknowledged writes verified ({} findings, {} links, {} submissions, {} responses; {findings} findings in the database)",
        acked.writes(),
        acked.findings.len(),
        acked.links.len(),
        acked.submissions.len(),
        acked.responses.len()
    ));
}

both_databases!(acknowledged_writes_survive_sigkill);

/// A TCP proxy between the app and PostgreSQL that can be cut: every connection
/// through it dropped, new ones refused, until it is restored.
struct Proxy {
    addr: std::net::SocketAddr,
    cut: tokio::sync::watch::Sender<bool>,
}

async fn proxy(upstream: String) -> Proxy {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (cut, watch) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        loop {
            let Ok((mut client, _)) = listener.accept().await else {
                return;
            };
            if *watch.borrow() {
                drop(client);
                continue;
            }
            let mut watch = watch.clone();
            let upstream = upstream.clone();
            tokio::spawn(async move {
                let Ok(mut server) = tokio::net::TcpStream::connect(&upstream).await else {
                    return;
                };
                tokio::select! {
                    _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                    _ = watch.wait_for(|cut| *cut) => {}
                }
            });
        }
    });
    Proxy { addr, cut }
}

/// The error page's message in each language (from the catalogue).
fn catalogue_text(lang: &str, key: &str) -> String {
    let file = match lang {
        "en" => include_str!("../../src/i18n/en.toml"),
        _ => include_str!("../../src/i18n/zh-CN.toml"),
    };
    let table: toml::Table = file.parse().unwrap();
    let (section, name) = key.split_once('.').unwrap();
    table[section][name].as_str().unwrap().to_string()
}

async fn sign_in(base: &str, lang: &str) -> reqwest::Client {
    let c = crate::common::client_with_language(lang);
    let html = c
        .get(format!("{base}/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = crate::common::csrf_from(&html);
    let res = c
        .post(format!("{base}/login"))
        .form(&[
            ("email", "lin@example.org"),
            ("password", crate::common::PASSWORD),
            ("csrf_token", &csrf),
            ("next", "/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303, "sign in");
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cut_database_connection_fails_cleanly_and_recovers_by_itself() {
    if crate::common::postgres_admin_url().is_none() {
        return;
    }
    let t = TestDb::create(Db::Postgres).await.unwrap();
    let w = {
        let store = t.store().await;
        let w = prepare(&store).await;
        store.close().await;
        w
    };
    let mut url = url::Url::parse(&t.url).unwrap();
    let upstream = format!("{}:{}", url.host_str().unwrap(), url.port().unwrap_or(5432));
    let proxy = proxy(upstream).await;
    url.set_port(Some(proxy.addr.port())).unwrap();
    url.set_host(Some("127.0.0.1")).unwrap();
    let store = groundswell::store::connect(url.as_str()).await.unwrap();
    let app = groundswell::app::Application::build(
        store.clone(),
        "127.0.0.1:0".parse().unwrap(),
        groundswell::config::WebSettings::default(),
    )
    .await
    .unwrap();
    let base = format!("http://{}", app.local_addr());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(async move {
        let _ = stopped.await;
    }));

    let api = api_client();
    let me = || {
        api.get(format!("{base}/api/v1/me"))
            .bearer_auth(&w.token)
            .send()
    };
    assert_eq!(me().await.unwrap().status(), 200);
    let zh = sign_in(&base, "zh-CN").await;
    let en = sign_in(&base, "en").await;
    assert_eq!(
        zh.get(format!("{base}/")).send().await.unwrap().status(),
        200
    );

    // The cut: every request fails cleanly, in bounded time (the client gives up
    // after 30 s; the pool after its acquire timeout).
    proxy.cut.send(true).unwrap();
    let write = api
        .post(format!("{base}/api/v1/findings"))
        .bearer_auth(&w.token)
        .json(&serde_json::json!({"narrative": "断线时写入", "policy_area_id": w.area, "locality_id": w.locality, "observed_on": "2026-10-01", "people_affected": 1}))
        .send();
    let page_zh = zh.get(format!("{base}/issues")).send();
    let page_en = en.get(format!("{base}/findings")).send();
    let health = api.get(format!("{base}/healthz")).send();
    let (read, write, page_zh, page_en, health) =
        tokio::join!(me(), write, page_zh, page_en, health);
    for (what, res) in [("read", read), ("write", write)] {
        let res = res.unwrap_or_else(|e| panic!("API {what} during the cut: {e}"));
        assert_eq!(res.status(), 503, "API {what} during the cut");
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body["error"]["code"], "unavailable", "{body}");
    }
    assert_eq!(health.unwrap().status(), 503);
    for (lang, res) in [("zh-CN", page_zh), ("en", page_en)] {
        let res = res.unwrap_or_else(|e| panic!("page during the cut: {e}"));
        assert_eq!(res.status(), 503, "page in {lang} during the cut");
        let html = res.text().await.unwrap();
        let message = catalogue_text(lang, "error.unavailable");
        assert!(html.contains(&message), "{lang}: {html}");
        for internal in ["sqlx", "pool", "PostgreSQL", "127.0.0.1", "Io("] {
            assert!(
                !html.contains(internal),
                "{lang} page shows {internal}: {html}"
            );
        }
    }
    tokio::time::sleep(Duration::from_secs(1)).await;

    // Back: the pool replaces its dead connections by itself, no restart.
    proxy.cut.send(false).unwrap();
    let res = me().await.unwrap();
    assert_eq!(res.status(), 200, "the first request after the cut");
    let res = api
        .post(format!("{base}/api/v1/findings"))
        .bearer_auth(&w.token)
        .json(&serde_json::json!({"narrative": "恢复后写入", "policy_area_id": w.area, "locality_id": w.locality, "observed_on": "2026-10-01", "people_affected": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "a write after the cut");
    assert_eq!(
        zh.get(format!("{base}/issues"))
            .send()
            .await
            .unwrap()
            .status(),
        200,
        "still signed in"
    );
    let _ = stop.send(());
    server.await.unwrap().unwrap();
    store.close().await;
}
