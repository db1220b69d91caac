//! Backups of a live instance, restores, and moving a deployment between SQLite and
//! PostgreSQL — all through the real command line.

use std::collections::BTreeMap;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use groundswell::ops::copy::{Db as OpsDb, Value};

use crate::both_databases;
use crate::common::{Db, TestApp, TestDb};
use crate::workload::{Acked, api_client, prepare, step, verify};

const BIN: &str = env!("CARGO_BIN_EXE_groundswell");

fn groundswell(url: &str, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(BIN)
        .args(args)
        .env("GROUNDSWELL_DATABASE_URL", url)
        .env("GROUNDSWELL_LOG", "warn")
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Every table: its column names (sorted) and its rows, made comparable across
/// backends.
pub type Contents = BTreeMap<String, (Vec<String>, Vec<Vec<Value>>)>;

pub async fn contents(url: &str) -> Contents {
    let db = OpsDb::open(url, false).await.unwrap();
    let mut out = BTreeMap::new();
    for t in db.tables().await.unwrap() {
        // Columns by name: the two backends may order them differently.
        let mut cols: Vec<(String, usize)> = t
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| (c.name.clone(), i))
            .collect();
        cols.sort();
        let rows = db
            .rows(&t)
            .await
            .unwrap()
            .into_iter()
            .map(|r| cols.iter().map(|(_, i)| r[*i].clone()).collect())
            .collect();
        out.insert(
            t.name.clone(),
            (cols.into_iter().map(|(n, _)| n).collect(), rows),
        );
    }
    db.close().await;
    out
}

pub fn assert_same(a: &Contents, b: &Contents, what: &str) {
    assert_eq!(
        a.keys().collect::<Vec<_>>(),
        b.keys().collect::<Vec<_>>(),
        "{what}: tables"
    );
    for (table, (cols, rows)) in a {
        let (bcols, brows) = &b[table];
        assert_eq!(cols, bcols, "{what}: columns of {table}");
        assert_eq!(rows.len(), brows.len(), "{what}: rows in {table}");
        // data_versions move with every write (the copy's own inserts move them too).
        if table == "data_versions" {
            continue;
        }
        for (i, (x, y)) in rows.iter().zip(brows).enumerate() {
            assert_eq!(x, y, "{what}: {table} row {i} ({cols:?})");
        }
    }
}

fn finding_ids(c: &Contents) -> Vec<i64> {
    let (cols, rows) = &c["findings"];
    let id = cols.iter().position(|c| c == "id").unwrap();
    rows.iter()
        .map(|r| match r[id] {
            Value::Int(i) => i,
            ref other => panic!("an id: {other:?}"),
        })
        .collect()
}

async fn a_backup_taken_under_writes_restores_whole(db: Db) {
    let source = TestDb::create(db).await.unwrap();
    let app = TestApp::start(&source).await;
    let w = prepare(&app.store).await;
    let base = app.url("");
    let base = base.trim_end_matches('/').to_string();

    // Writers keep going while the backup is taken.
    let stop = Arc::new(AtomicBool::new(false));
    let written = Arc::new(AtomicUsize::new(0));
    let mut writers = Vec::new();
    for c in 0..2 {
        let (base, w, stop, written) = (base.clone(), w.clone(), stop.clone(), written.clone());
        writers.push(tokio::spawn(async move {
            let http = api_client();
            let mut acked = Acked::default();
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                assert!(
                    step(&http, &base, &w, c, n, &mut acked).await,
                    "a write failed"
                );
                written.fetch_add(1, Ordering::Relaxed);
                n += 1;
            }
            acked
        }));
    }
    let before = loop {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let n = written.load(Ordering::Relaxed);
        if n >= 10 {
            break n;
        }
    };
    let dir = std::env::temp_dir().join(format!("gs-backup-{}-{db:?}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("snapshot.bak");
    let _ = std::fs::remove_file(&file);
    let url = source.url.clone();
    let f = file.clone();
    let (ok, out, err) = tokio::task::spawn_blocking(move || {
        groundswell(&url, &["backup", "-o", f.to_str().unwrap()])
    })
    .await
    .unwrap();
    assert!(ok, "backup failed: {err}");
    assert!(out.contains("backup written"), "{out}");
    // A second backup never overwrites the first.
    let (ok, _, err) = groundswell(&source.url, &["backup", "-o", file.to_str().unwrap()]);
    assert!(!ok && err.contains("already exists"), "{err}");
    // More writes after the snapshot, then stop.
    let at_snapshot = written.load(Ordering::Relaxed);
    for _ in 0..600 {
        if written.load(Ordering::Relaxed) >= at_snapshot + 3 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    stop.store(true, Ordering::Relaxed);
    let mut acked = Acked::default();
    for h in writers {
        acked.merge(h.await.unwrap());
    }
    app.stop().await;

    let restored = TestDb::create(db).await.unwrap();
    let (ok, out, err) = groundswell(&restored.url, &["restore", file.to_str().unwrap()]);
    assert!(ok, "restore failed: {err}");
    assert!(out.contains("restored"), "{out}");
    // Restoring again would overwrite data: refused unless --force.
    let (ok, _, err) = groundswell(&restored.url, &["restore", file.to_str().unwrap()]);
    assert!(!ok && err.contains("already holds data"), "{err}");
    // --force replaces everything (here: the same snapshot again).
    let (ok, _, err) = groundswell(
        &restored.url,
        &["restore", "--force", file.to_str().unwrap()],
    );
    assert!(ok, "restore --force failed: {err}");

    // A consistent prefix: whole by itself, and everything in it is as in the source.
    let mut in_snapshot = Acked::default();
    let snap = contents(&restored.url).await;
    let src = contents(&source.url).await;
    let (snap_ids, src_ids) = (finding_ids(&snap), finding_ids(&src));
    assert!(snap_ids.len() >= before, "the snapshot lost findings");
    assert!(
        snap_ids.len() < src_ids.len(),
        "writes went on after the snapshot"
    );
    assert!(snap_ids.iter().all(|i| src_ids.contains(i)));
    for id in &snap_ids {
        if let Some(n) = acked.findings.get(id) {
            in_snapshot.findings.insert(*id, n.clone());
        }
    }
    let total = verify(&restored.url, &in_snapshot, &w).await;
    assert_eq!(total, snap_ids.len());
    for table in [
        "users",
        "organisations",
        "api_tokens",
        "localities",
        "policy_areas",
        "departments",
    ] {
        assert_eq!(snap[table], src[table], "{table} as in the source");
    }

    // The app starts on the restored database and the old token still works there.
    let app = TestApp::start(&restored).await;
    let first = snap_ids[0];
    let res = api_client()
        .get(app.url(&format!("/api/v1/findings/{first}")))
        .bearer_auth(&w.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(
        body["narrative"].as_str(),
        acked.findings.get(&first).map(|s| s.as_str())
    );
    app.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
    crate::common::notice(&format!(
        "backup ({db:?}): snapshot of {} findings taken under writes ({} at the end), restored whole",
        snap_ids.len(),
        src_ids.len()
    ));
}

both_databases!(a_backup_taken_under_writes_restores_whole);

/// The demo moves SQLite → PostgreSQL → SQLite with every table's rows unchanged, and
/// the app works on each copy (new ids after the copied ones, search).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrate_data_moves_the_demo_both_ways() {
    if crate::common::postgres_admin_url().is_none() {
        return;
    }
    let lite = TestDb::create(Db::Sqlite).await.unwrap();
    {
        let store = lite.store().await;
        groundswell::seed::load_demo(&store, groundswell::i18n::Lang::Zh)
            .await
            .unwrap();
        store.close().await;
    }
    let pg = TestDb::create(Db::Postgres).await.unwrap();
    let (ok, out, err) = groundswell(
        "sqlite:unused.db",
        &["migrate-data", "--from", &lite.url, "--to", &pg.url],
    );
    assert!(ok, "SQLite → PostgreSQL failed: {err}");
    assert!(out.contains("counts verified"), "{out}");
    let back = TestDb::create(Db::Sqlite).await.unwrap();
    let copied = groundswell::ops::migrate_data(&pg.url, &back.url)
        .await
        .unwrap();
    assert!(copied.counts["findings"] >= 300, "{:?}", copied.counts);

    let (a, b, c) = (
        contents(&lite.url).await,
        contents(&pg.url).await,
        contents(&back.url).await,
    );
    assert!(
        a.len() >= 40,
        "tables listed from the schema: {:?}",
        a.keys()
    );
    assert_same(&a, &b, "SQLite → PostgreSQL");
    assert_same(&b, &c, "PostgreSQL → SQLite");
    let rows: usize = a.values().map(|(_, r)| r.len()).sum();

    // A non-empty target is refused, and nothing in it changes.
    let err = groundswell::ops::migrate_data(&lite.url, &pg.url)
        .await
        .unwrap_err();
    assert!(format!("{err:#}").contains("already holds data"), "{err:#}");
    assert_same(&b, &contents(&pg.url).await, "after a refused copy");

    // Two schemas that differ are refused, naming the difference.
    let odd = TestDb::create(Db::Sqlite).await.unwrap();
    {
        let db = OpsDb::open(&odd.url, true).await.unwrap();
        db.migrate().await.unwrap();
        if let OpsDb::Sqlite(p) = &db {
            sqlx::query("CREATE TABLE stray_notes (id INTEGER PRIMARY KEY, body TEXT)")
                .execute(p)
                .await
                .unwrap();
        }
        db.close().await;
    }
    let err = groundswell::ops::migrate_data(&lite.url, &odd.url)
        .await
        .unwrap_err();
    assert!(
        format!("{err:#}").contains("stray_notes is only in the target"),
        "{err:#}"
    );

    // The app runs on both copies: new rows take new ids (PostgreSQL's sequences moved
    // past the copied ones), search finds what it found before (SQLite's index rebuilt).
    let mut found = Vec::new();
    for target in [&lite, &pg, &back] {
        let app = TestApp::start(target).await;
        let store = &app.store;
        let last = store.list_orgs().await.unwrap().iter().map(|o| o.id).max();
        let new = groundswell::store::NewOrg {
            name: "新成立的社工站".into(),
            kind: groundswell::domain::account::OrgKind::Member,
        };
        let ev = |a: &'static str| groundswell::store::AuditEvent::new(a, None, None);
        let created = store.create_org(&new, &ev("org.created")).await.unwrap();
        assert!(Some(created.id) > last, "a fresh id after the copied ones");
        let lin = store
            .user_by_email("lin@demo.groundswell")
            .await
            .unwrap()
            .unwrap();
        let secret = groundswell::domain::token::generate();
        store
            .create_api_token(
                lin.id,
                "t",
                &groundswell::domain::token::hash(&secret),
                &ev("token.created"),
            )
            .await
            .unwrap();
        let page: serde_json::Value = api_client()
            .get(app.url("/api/v1/findings?q=%E8%A1%A5%E8%B4%B4"))
            .bearer_auth(&secret)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let ids: Vec<i64> = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["id"].as_i64().unwrap())
            .collect();
        found.push(ids);
        app.stop().await;
    }
    assert!(!found[0].is_empty(), "the demo has findings about 补贴");
    // PostgreSQL ranks by its own measure: the same number found on the first page.
    assert_eq!(
        found[0].len(),
        found[1].len(),
        "search on PostgreSQL as on SQLite"
    );
    assert_eq!(found[0], found[2], "search on SQLite after the round trip");
    crate::common::notice(&format!(
        "migrate-data: the demo ({rows} rows in {} tables) moved SQLite → PostgreSQL → SQLite, every row equal",
        a.len()
    ));
}
