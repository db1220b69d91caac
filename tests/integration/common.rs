//! The test harness: a fresh database per test (a SQLite file, or a PostgreSQL
//! database created for the test and dropped after it), the real application on
//! port 0, and HTTP clients with their own cookie jars.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Once};

use groundswell::app::Application;
use groundswell::config::WebSettings;
use groundswell::domain::account::OrgKind;
use groundswell::domain::password;
use groundswell::domain::role::Role;
use groundswell::store::{self, AuditEvent, DynStore, NewOrg, NewUser};
use reqwest::redirect::Policy;
use tokio::sync::oneshot;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

static SKIP_NOTICE: Once = Once::new();

/// Writes straight to the process's stderr: the test harness captures `eprintln!`
/// and would hide a skip notice from anyone reading the run.
pub fn notice(text: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{text}");
}

/// The PostgreSQL server for tests, from `TEST_DATABASE_URL`. Without it the
/// PostgreSQL variants are skipped, and say so — unless `GROUNDSWELL_REQUIRE_POSTGRES`
/// is set (as in CI), where a missing URL fails the test.
pub fn postgres_admin_url() -> Option<String> {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            if std::env::var_os("GROUNDSWELL_REQUIRE_POSTGRES").is_some() {
                panic!("GROUNDSWELL_REQUIRE_POSTGRES is set but TEST_DATABASE_URL is not");
            }
            SKIP_NOTICE.call_once(|| {
                notice(
                    "NOTE: PostgreSQL tests SKIPPED: set TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test to run them",
                )
            });
            None
        }
    }
}

fn unique_name() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("gs_test_{}_{}_{}", std::process::id(), n, rand_suffix())
}

fn rand_suffix() -> u32 {
    use std::time::{SystemTime, UNIX_EPOCH};
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .subsec_nanos()
}

/// A database that exists for one test.
pub struct TestDb {
    pub url: String,
    cleanup: Option<Cleanup>,
}

enum Cleanup {
    File(std::path::PathBuf),
    Database { admin_url: String, name: String },
}

impl TestDb {
    /// `None` when the backend is skipped (PostgreSQL without `TEST_DATABASE_URL`).
    pub async fn create(kind: Db) -> Option<TestDb> {
        let name = unique_name();
        match kind {
            Db::Sqlite => {
                let path = std::env::temp_dir().join(format!("{name}.db"));
                Some(TestDb {
                    url: format!("sqlite:{}", path.display()),
                    cleanup: Some(Cleanup::File(path)),
                })
            }
            Db::Postgres => {
                let admin_url = postgres_admin_url()?;
                use sqlx::Connection;
                let mut conn = sqlx::PgConnection::connect(&admin_url)
                    .await
                    .expect("connect to TEST_DATABASE_URL");
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&mut conn)
                    .await
                    .expect("create a test database");
                conn.close().await.ok();
                let mut url = url::Url::parse(&admin_url).unwrap();
                url.set_path(&format!("/{name}"));
                Some(TestDb {
                    url: url.to_string(),
                    cleanup: Some(Cleanup::Database { admin_url, name }),
                })
            }
        }
    }

    pub async fn store(&self) -> DynStore {
        let store = store::connect(&self.url).await.expect("connect");
        store.migrate().await.expect("migrate");
        store
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match self.cleanup.take() {
            Some(Cleanup::File(path)) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Some(Cleanup::Database { admin_url, name }) => {
                // Drop runs inside the test's runtime: use a thread with its own.
                let _ = std::thread::spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .unwrap();
                    rt.block_on(async {
                        use sqlx::Connection;
                        if let Ok(mut conn) = sqlx::PgConnection::connect(&admin_url).await {
                            let _ = sqlx::query(&format!(
                                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                            ))
                            .execute(&mut conn)
                            .await;
                        }
                    });
                })
                .join();
            }
            None => {}
        }
    }
}

/// One running instance of the application.
pub struct TestApp {
    pub addr: SocketAddr,
    pub store: DynStore,
    shutdown: Option<oneshot::Sender<()>>,
    handle: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

impl TestApp {
    pub async fn start(db: &TestDb) -> TestApp {
        Self::start_with(db, WebSettings::default()).await
    }

    pub async fn start_with(db: &TestDb, settings: WebSettings) -> TestApp {
        let store = db.store().await;
        let app = Application::build(store.clone(), "127.0.0.1:0".parse().unwrap(), settings)
            .await
            .expect("bind");
        let addr = app.local_addr();
        let (tx, rx) = oneshot::channel::<()>();
        let handle = tokio::spawn(app.run_until(async move {
            let _ = rx.await;
        }));
        TestApp {
            addr,
            store,
            shutdown: Some(tx),
            handle: Some(handle),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Stops the server, letting requests in flight finish.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(h) = self.handle.take() {
            h.await.unwrap().unwrap();
        }
        self.store.close().await;
    }

    pub async fn org(&self, name: &str) -> i64 {
        if let Some(o) = self.store.org_by_name(name).await.unwrap() {
            return o.id;
        }
        let new = NewOrg {
            name: name.to_string(),
            kind: OrgKind::Member,
        };
        self.store
            .create_org(&new, &AuditEvent::new("org.created", None, None))
            .await
            .unwrap()
            .id
    }

    /// Creates a user and returns its id; the password is `PASSWORD`.
    pub async fn user(&self, email: &str, role: Role, org: &str) -> i64 {
        let org_id = self.org(org).await;
        let hash =
            password::hash(&groundswell::domain::account::NewPassword::parse(PASSWORD).unwrap())
                .await
                .unwrap();
        let new = NewUser {
            email: email.to_string(),
            name: format!("{role} {email}"),
            password_hash: hash,
            role,
            org_id,
            locale: None,
        };
        self.store
            .create_user(&new, &AuditEvent::new("user.created", None, None))
            .await
            .unwrap()
            .id
    }
}

pub const PASSWORD: &str = "correct-horse-battery";

/// A browser-like client: its own cookie jar, no automatic redirects, English.
pub fn client() -> reqwest::Client {
    client_with_language("en")
}

pub fn client_with_language(lang: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(reqwest::header::ACCEPT_LANGUAGE, lang.parse().unwrap());
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        .default_headers(headers)
        .build()
        .unwrap()
}

/// A client sharing a cookie jar with others (a browser moving between instances).
pub fn client_with_jar(jar: Arc<reqwest::cookie::Jar>) -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_provider(jar)
        .redirect(Policy::none())
        .build()
        .unwrap()
}

/// The CSRF token in a page's forms.
pub fn csrf_from(html: &str) -> String {
    let marker = "name=\"csrf_token\" value=\"";
    let start = html.find(marker).expect("page has a CSRF field") + marker.len();
    html[start..start + html[start..].find('"').unwrap()].to_string()
}

/// Fetches a page with `client` and returns its CSRF token.
pub async fn csrf(app: &TestApp, client: &reqwest::Client, path: &str) -> String {
    let html = client
        .get(app.url(path))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    csrf_from(&html)
}

/// Signs in through the login form; returns the response to the POST.
pub async fn login(
    app: &TestApp,
    client: &reqwest::Client,
    email: &str,
    password: &str,
) -> reqwest::Response {
    let token = csrf(app, client, "/login").await;
    client
        .post(app.url("/login"))
        .form(&[
            ("email", email),
            ("password", password),
            ("csrf_token", &token),
            ("next", "/"),
        ])
        .send()
        .await
        .unwrap()
}

/// Signs in and checks that it worked.
pub async fn signed_in(app: &TestApp, email: &str) -> reqwest::Client {
    let c = client();
    let res = login(app, &c, email, PASSWORD).await;
    assert_eq!(res.status(), 303, "login as {email} failed");
    c
}

/// Writes each test once and runs it on SQLite and on PostgreSQL:
/// `both_databases!(fn_name, …)` where `async fn fn_name(db: Db)`.
#[macro_export]
macro_rules! both_databases {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::common::Db::Sqlite).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if $crate::common::postgres_admin_url().is_none() {
                        return;
                    }
                    super::$name($crate::common::Db::Postgres).await
                }
            )*
        }
    };
}

/// An advocacy issue owned by `owner`, straight in the store (for tests about what
/// happens to issues, not about creating them).
pub async fn new_issue(
    store: &DynStore,
    area: i64,
    owner: i64,
    title: &str,
    statement: &str,
) -> groundswell::store::issues::IssueRow {
    store
        .create_issue(
            &groundswell::store::issues::NewIssue {
                title: title.into(),
                problem_statement: statement.into(),
                policy_area_id: area,
                owner_id: owner,
                priority: "normal".into(),
            },
            &groundswell::store::AuditEvent::new("issue.created", Some(owner), None),
        )
        .await
        .unwrap()
}

/// A municipal department answering within `count` `unit` (months, calendar_days,
/// working_days).
pub async fn new_department(store: &DynStore, name_zh: &str, unit: &str, count: i64) -> i64 {
    store
        .create_department(
            &groundswell::store::lifecycle::NewDepartment {
                name_zh: name_zh.into(),
                name_en: String::new(),
                level: "municipal".into(),
                parent_id: None,
                reply_unit: unit.into(),
                reply_count: count,
                active: true,
            },
            &groundswell::store::AuditEvent::new("department.created", None, None),
        )
        .await
        .unwrap()
}
