//! The real-browser suite: headless Chromium through WebDriver (Debian's `chromium`
//! and `chromium-driver`). Skipped with a notice when chromedriver is missing, unless
//! `GROUNDSWELL_REQUIRE_BROWSER` is set (as in CI). Screenshots of every step go to
//! `target/screenshots/` for a person to look at.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use groundswell::domain::role::Role;

use crate::common::{Db, PASSWORD, TestApp, TestDb};

struct Driver {
    child: Child,
    port: u16,
    profile: PathBuf,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

fn chromedriver_path() -> Option<PathBuf> {
    let found = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists());
    if found.is_none() {
        if std::env::var_os("GROUNDSWELL_REQUIRE_BROWSER").is_some() {
            panic!("GROUNDSWELL_REQUIRE_BROWSER is set but chromedriver is not installed");
        }
        eprintln!(
            "NOTE: browser tests SKIPPED: install Debian's chromium and chromium-driver to run them"
        );
    }
    found
}

async fn start_driver() -> Option<Driver> {
    let path = chromedriver_path()?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(path)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let profile = std::env::temp_dir().join(format!("gs-chromium-{port}"));
    Some(Driver {
        child,
        port,
        profile,
    })
}

async fn browser(driver: &Driver, language: &str) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": "/usr/bin/chromium",
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update",
                "--no-first-run", "--disable-sync", "--window-size=1280,900",
                format!("--lang={language}"),
                format!("--user-data-dir={}", driver.profile.display()),
            ],
            "prefs": { "intl.accept_languages": language },
        }),
    );
    // WebDriver speaks plain HTTP on loopback: no TLS stack needed.
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("connect to chromedriver")
}

/// axe-core, installed by `npm ci --prefix tests/browser-tools` (CI does it).
fn axe_source() -> Option<String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/browser-tools/node_modules/axe-core/axe.min.js");
    match std::fs::read_to_string(&path) {
        Ok(s) => Some(s),
        Err(_) if std::env::var_os("GROUNDSWELL_REQUIRE_BROWSER").is_some() => {
            panic!(
                "GROUNDSWELL_REQUIRE_BROWSER is set but axe-core is missing: npm ci --prefix tests/browser-tools"
            )
        }
        Err(_) => {
            eprintln!("NOTE: accessibility check SKIPPED: npm ci --prefix tests/browser-tools");
            None
        }
    }
}

/// The WCAG 2.1 AA check: no serious or critical violation on the page as it is now.
async fn check_accessibility(c: &Client, name: &str) {
    let list = accessibility_violations(c).await;
    assert!(
        list.is_empty(),
        "accessibility violations on {name}: {}",
        serde_json::to_string_pretty(&list).unwrap()
    );
}

async fn accessibility_violations(c: &Client) -> Vec<serde_json::Value> {
    let Some(axe) = axe_source() else {
        return Vec::new();
    };
    c.execute(&axe, vec![]).await.unwrap();
    let found = c
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
               axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })
                  .then(r => done(r.violations
                      .filter(v => v.impact === 'serious' || v.impact === 'critical')
                      .map(v => ({ id: v.id, impact: v.impact, help: v.help,
                                   nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ')) }))))
                  .catch(e => done([{ id: 'axe-error', help: String(e) }]));"#,
            vec![],
        )
        .await
        .unwrap();
    found.as_array().cloned().unwrap_or_default()
}

/// The check is real: a page with an unlabelled field and an image without text fails.
#[tokio::test]
async fn the_accessibility_check_catches_violations() {
    let Some(driver) = start_driver().await else {
        return;
    };
    if axe_source().is_none() {
        return;
    }
    let t = TestDb::create(crate::common::Db::Sqlite).await.unwrap();
    let app = TestApp::start(&t).await;
    let c = browser(&driver, "en").await;
    // A brand-new instance explains how to begin.
    c.goto(&app.url("/login")).await.unwrap();
    wait_for_text(&c, "Nobody can sign in yet").await;
    shot(&c, "00-first-run").await;
    assert!(accessibility_violations(&c).await.is_empty());
    c.execute(
        "document.querySelector('main').insertAdjacentHTML('beforeend', '<input type=text><img src=/x.png>');",
        vec![],
    )
    .await
    .unwrap();
    let found = accessibility_violations(&c).await;
    let ids: Vec<&str> = found.iter().filter_map(|v| v["id"].as_str()).collect();
    assert!(
        ids.contains(&"label") && ids.contains(&"image-alt"),
        "{found:?}"
    );
    c.close().await.unwrap();
    app.stop().await;
}

async fn shot(c: &Client, name: &str) {
    check_accessibility(c, name).await;
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    let png = c.screenshot().await.unwrap();
    // The README's tour: `GROUNDSWELL_TOUR_DIR=docs/tour cargo test the_demo_tour`
    // refreshes its pictures from the same run.
    if name.starts_with("tour-") && std::env::var_os("GROUNDSWELL_TOUR_DIR").is_some() {
        let tour = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join(std::env::var("GROUNDSWELL_TOUR_DIR").unwrap());
        std::fs::create_dir_all(&tour).unwrap();
        std::fs::write(tour.join(format!("{name}.png")), &png).unwrap();
    }
    std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
}

/// The visible text of the page; empty while a navigation is still under way.
async fn body_text(c: &Client) -> String {
    match c.find(Locator::Css("body")).await {
        Ok(body) => body.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    }
}

/// Waits for the page after a click to show `needle`.
async fn wait_for_text(c: &Client, needle: &str) -> String {
    for _ in 0..50 {
        let text = body_text(c).await;
        if text.contains(needle) {
            return text;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "`{needle}` never appeared; the page says:\n{}",
        body_text(c).await
    );
}

async fn sign_in(c: &Client, app: &TestApp, email: &str, password: &str) {
    c.goto(&app.url("/login")).await.unwrap();
    c.find(Locator::Css("#f-email"))
        .await
        .unwrap()
        .send_keys(email)
        .await
        .unwrap();
    c.find(Locator::Css("#f-password"))
        .await
        .unwrap()
        .send_keys(password)
        .await
        .unwrap();
    c.find(Locator::Css("form.stack button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

async fn a_person_signs_in_switches_language_and_signs_out(db: Db) {
    let Some(driver) = start_driver().await else {
        return;
    };
    let t = TestDb::create(db).await.unwrap();
    let app = TestApp::start(&t).await;
    app.user("chen@example.org", Role::Admin, "宁波市慈善总会")
        .await;
    let c = browser(&driver, "zh-CN").await;

    // A Chinese browser gets the Chinese sign-in page.
    c.goto(&app.url("/")).await.unwrap();
    assert!(c.current_url().await.unwrap().path().ends_with("/login"));
    let text = body_text(&c).await;
    assert!(text.contains("登录") && text.contains("电子邮箱"), "{text}");
    shot(&c, &format!("{db:?}-01-login-zh")).await;

    // A wrong password: the same form again, with the message and the e-mail kept.
    sign_in(&c, &app, "chen@example.org", "wrong-password").await;
    wait_for_text(&c, "电子邮箱或密码不正确").await;
    let kept = c
        .find(Locator::Css("#f-email"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(kept.as_deref(), Some("chen@example.org"));
    shot(&c, &format!("{db:?}-02-login-failed-zh")).await;

    sign_in(&c, &app, "chen@example.org", PASSWORD).await;
    let text = wait_for_text(&c, "您好").await;
    assert!(text.contains("管理员"), "{text}");
    shot(&c, &format!("{db:?}-03-home-zh")).await;

    // Switch to English with the button in the top bar.
    c.find(Locator::Css("form.lang-switch button[value=en]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let text = wait_for_text(&c, "Hello").await;
    assert!(
        text.contains("Administrator") && text.contains("Sign out"),
        "{text}"
    );
    shot(&c, &format!("{db:?}-04-home-en")).await;

    // An admin creates a worker through the form; a mistake keeps what was typed.
    c.goto(&app.url("/admin/users/new")).await.unwrap();
    c.find(Locator::Css("#f-email"))
        .await
        .unwrap()
        .send_keys("hu@example.org")
        .await
        .unwrap();
    c.find(Locator::Css("#f-name"))
        .await
        .unwrap()
        .send_keys("胡群泽")
        .await
        .unwrap();
    c.find(Locator::Css("#f-password"))
        .await
        .unwrap()
        .send_keys("short")
        .await
        .unwrap();
    c.find(Locator::Css("form.stack button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_text(&c, "at least 10 characters").await;
    let kept = c
        .find(Locator::Css("#f-name"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(kept.as_deref(), Some("胡群泽"));
    shot(&c, &format!("{db:?}-05-new-user-error")).await;
    c.find(Locator::Css("#f-password"))
        .await
        .unwrap()
        .send_keys("a-long-password")
        .await
        .unwrap();
    c.find(Locator::Css("form.stack button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_text(&c, "User 胡群泽 created.").await;
    shot(&c, &format!("{db:?}-06-user-created")).await;
    assert!(
        app.store
            .user_by_email("hu@example.org")
            .await
            .unwrap()
            .is_some()
    );

    c.goto(&app.url("/admin/audit")).await.unwrap();
    wait_for_text(&c, "User created").await;
    shot(&c, &format!("{db:?}-07-audit")).await;

    // Sign out: back at the sign-in page, and the home page is closed again.
    c.find(Locator::Css("form.logout button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_text(&c, "You have signed out.").await;
    shot(&c, &format!("{db:?}-08-signed-out")).await;
    c.goto(&app.url("/")).await.unwrap();
    assert!(c.current_url().await.unwrap().path().ends_with("/login"));

    c.close().await.unwrap();
    app.stop().await;
}

async fn a_worker_records_a_finding_masks_an_id_number_and_saves(db: Db) {
    let Some(driver) = start_driver().await else {
        return;
    };
    let t = TestDb::create(db).await.unwrap();
    let app = TestApp::start(&t).await;
    app.user("hu@example.org", Role::Worker, "清水湾社区社工站")
        .await;
    let ev = || groundswell::store::AuditEvent::new("locality.created", None, None);
    use groundswell::store::findings::LocalityLevel;
    let city = app
        .store
        .create_locality(None, LocalityLevel::City, "宁波市", "Ningbo", &ev())
        .await
        .unwrap();
    let community = app
        .store
        .create_locality(
            Some(city.id),
            LocalityLevel::District,
            "慈溪市",
            "Cixi",
            &ev(),
        )
        .await
        .unwrap();
    let c = browser(&driver, "zh-CN").await;
    sign_in(&c, &app, "hu@example.org", PASSWORD).await;
    wait_for_text(&c, "您好").await;

    c.goto(&app.url("/findings/new")).await.unwrap();
    let narrative =
        "自闭症男孩满14岁后失去健康教育补贴，特教学校也不再接收。身份证号11010519491231002X。";
    c.find(Locator::Css("#f-narrative"))
        .await
        .unwrap()
        .send_keys(narrative)
        .await
        .unwrap();
    c.find(Locator::Css("#f-policy_area_id option:nth-child(2)"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.find(Locator::Css(&format!(
        "#f-locality_id option[value='{}']",
        community.id
    )))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    c.find(Locator::Css("#f-age_min"))
        .await
        .unwrap()
        .send_keys("14")
        .await
        .unwrap();
    c.find(Locator::Css("input[name=figure_name_0]"))
        .await
        .unwrap()
        .send_keys("一对一康复费用")
        .await
        .unwrap();
    c.find(Locator::Css("input[name=figure_amount_0]"))
        .await
        .unwrap()
        .send_keys("4500")
        .await
        .unwrap();
    c.find(Locator::Css("input[name=figure_unit_0]"))
        .await
        .unwrap()
        .send_keys("元/月")
        .await
        .unwrap();
    shot(&c, &format!("{db:?}-10-finding-form")).await;
    c.find(Locator::Css("button.primary[value=save]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();

    // The guard stops the save and marks the ID number in place.
    let text = wait_for_text(&c, "发现可能的个人信息").await;
    assert!(text.contains("身份证号"), "{text}");
    let marked = c
        .find(Locator::Css("mark.pii"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(marked, "11010519491231002X");
    shot(&c, &format!("{db:?}-11-finding-guard")).await;
    assert!(
        app.store
            .search_findings(&Default::default())
            .await
            .unwrap()
            .is_empty(),
        "nothing saved yet"
    );

    // One click masks it; the rest of the form is kept.
    c.find(Locator::Css("button.mask"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_text(&c, "已遮盖").await;
    let now = c
        .find(Locator::Css("#f-narrative"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap();
    assert!(
        now.contains("******************") && !now.contains("11010519491231002X"),
        "{now}"
    );
    let kept = c
        .find(Locator::Css("input[name=figure_amount_0]"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(kept.as_deref(), Some("4500"));
    shot(&c, &format!("{db:?}-12-finding-masked")).await;

    c.find(Locator::Css("button.primary[value=save]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let text = wait_for_text(&c, "已保存发现").await;
    assert!(
        text.contains("4,500") && text.contains("宁波市 › 慈溪市"),
        "{text}"
    );
    shot(&c, &format!("{db:?}-13-finding-saved")).await;
    let saved = app
        .store
        .search_findings(&groundswell::store::findings::FindingQuery {
            limit: 5,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(saved.len(), 1);
    assert!(!saved[0].narrative.contains("11010519491231002X"));

    // It is found by a two-character Chinese search.
    c.goto(&app.url("/findings?q=补贴")).await.unwrap();
    let text = wait_for_text(&c, "发现 #").await;
    assert!(text.contains("健康教育补贴"), "{text}");
    shot(&c, &format!("{db:?}-14-findings-search")).await;

    c.close().await.unwrap();
    app.stop().await;
}

async fn a_senior_worker_sees_an_issue_with_its_evidence(db: Db) {
    let Some(driver) = start_driver().await else {
        return;
    };
    let t = TestDb::create(db).await.unwrap();
    let w = crate::findings_store::world(&t).await;
    w.app
        .user("chen@example.org", Role::Senior, "Qingshuiwan Station")
        .await;
    let s = &w.app.store;
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 29).unwrap();
    let mut ids = Vec::new();
    for (n, (author, loc)) in [
        (&w.worker, w.community),
        (&w.worker, w.community),
        (&w.other_org, w.other_district),
        (&w.worker, w.community),
    ]
    .iter()
    .enumerate()
    {
        let mut i = crate::findings_store::input(
            &format!(
                "自闭症儿童康复补贴每月800元，一对一康复费用约{}元 ({n})",
                4000 + 500 * n
            ),
            w.area,
            *loc,
            &format!("2026-0{}-15", n + 3),
        );
        i.figures = vec![
            groundswell::domain::finding::FigureInput {
                name: "一对一康复费用".into(),
                amount: (4000 + 500 * n).to_string(),
                unit: "元/月".into(),
            },
            groundswell::domain::finding::FigureInput {
                name: "康复补贴".into(),
                amount: "800".into(),
                unit: "元/月".into(),
            },
        ];
        i.age_min = "6".into();
        i.age_max = "14".into();
        ids.push(
            crate::findings_store::save(
                s,
                author,
                &groundswell::domain::finding::validate(&i, today).unwrap(),
            )
            .await,
        );
    }
    let c = browser(&driver, "zh-CN").await;
    sign_in(&c, &w.app, "chen@example.org", PASSWORD).await;
    wait_for_text(&c, "您好").await;
    c.goto(&w.app.url("/issues/new")).await.unwrap();
    c.find(Locator::Css("#f-title"))
        .await
        .unwrap()
        .send_keys("自闭症儿童康复补贴远低于费用")
        .await
        .unwrap();
    c.find(Locator::Css("#f-problem"))
        .await
        .unwrap()
        .send_keys("残联康复补贴每月800元，一对一康复训练费用远高于此。")
        .await
        .unwrap();
    c.find(Locator::Css("form.stack button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_text(&c, "议题已创建").await;
    let list: Vec<String> = ids.iter().map(|i| i.to_string()).collect();
    c.find(Locator::Css("#f-ids"))
        .await
        .unwrap()
        .send_keys(&list.join(", "))
        .await
        .unwrap();
    c.find(Locator::Css("form.inline button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let text = wait_for_text(&c, "已关联 4 条发现").await;
    assert!(text.contains("一对一康复费用比康复补贴高出"), "{text}");
    assert!(
        text.contains("少于 3"),
        "the other station's district is a small cell: {text}"
    );
    shot(&c, &format!("{db:?}-20-issue-evidence")).await;
    c.close().await.unwrap();
    w.app.stop().await;
}

async fn a_coordinator_turns_a_recurring_gap_into_an_issue(db: Db) {
    let Some(driver) = start_driver().await else {
        return;
    };
    let t = TestDb::create(db).await.unwrap();
    let w = crate::findings_store::world(&t).await;
    w.app
        .user("lin@example.org", Role::Coordinator, "Ningbo Federation")
        .await;
    let s = &w.app.store;
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 29).unwrap();
    for (text, author) in [
        (
            "孤独症儿童康复补贴到14岁就停止了，家长只能自费继续康复训练。",
            &w.worker,
        ),
        (
            "The autism rehabilitation subsidy stops when the child turns 14; the family now pays for therapy.",
            &w.other_org,
        ),
        (
            "自闭症孩子满14周岁后康复救助停发，机构训练费用全部自费。",
            &w.other_org,
        ),
        (
            "独居老人家中没有紧急呼叫设备，夜里跌倒无人知道。",
            &w.worker,
        ),
    ] {
        let mut i = crate::findings_store::input(text, w.area, w.community, "2026-10-01");
        i.threshold_benefit = "康复救助".into();
        i.threshold_kind = "age".into();
        i.threshold_value = "14".into();
        if text.starts_with("独居") {
            i.threshold_benefit.clear();
            i.threshold_kind.clear();
            i.threshold_value.clear();
        }
        crate::findings_store::save(
            s,
            author,
            &groundswell::domain::finding::validate(&i, today).unwrap(),
        )
        .await;
    }
    let c = browser(&driver, "zh-CN").await;
    sign_in(&c, &w.app, "lin@example.org", PASSWORD).await;
    wait_for_text(&c, "您好").await;
    // From the navigation, look for recurring gaps now.
    c.find(Locator::LinkText("反复出现的缺口"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_text(&c, "尚未检查").await;
    c.find(Locator::Css("form[action='/candidates/refresh'] button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let text = wait_for_text(&c, "1 个候选议题").await;
    assert!(text.contains("由 2 个机构的 2 名社工记录"), "{text}");
    assert!(text.contains("康复"), "shared concept: {text}");
    assert!(text.contains("门槛：年龄 14（3 条发现提及）"), "{text}");
    assert!(
        !text.contains("独居老人"),
        "the unrelated finding stays out: {text}"
    );
    shot(&c, &format!("{db:?}-30-candidates")).await;
    // Open the form: the title is suggested from the benefit and threshold.
    c.find(Locator::Css(".candidate details summary"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let title = c
        .find(Locator::Css(".candidate input[name=title]"))
        .await
        .unwrap();
    assert_eq!(
        title.prop("value").await.unwrap().unwrap(),
        "康复救助：年龄 14"
    );
    // Every finding is listed for review, ticked to start with.
    let boxes = c
        .find_all(Locator::Css(".candidate input[name=finding_id]"))
        .await
        .unwrap();
    assert_eq!(boxes.len(), 3);
    for b in &boxes {
        assert!(b.is_selected().await.unwrap());
    }
    c.find(Locator::Css(".candidate form.stack button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let text = wait_for_text(&c, "议题已创建，已关联 3 条发现").await;
    assert!(text.contains("康复救助：年龄 14"), "{text}");
    assert!(text.contains("3 条发现") || text.contains("3\n"), "{text}");
    shot(&c, &format!("{db:?}-31-issue-from-candidate")).await;
    let issues = s.list_issues().await.unwrap();
    assert_eq!(issues.len(), 1);
    assert_eq!(issues[0].finding_count, 3);

    // On to the department: draft, review, approve, record the submission, submit.
    s.create_department(
        &groundswell::store::lifecycle::NewDepartment {
            name_zh: "宁波市残疾人联合会".into(),
            name_en: "Ningbo Disabled Persons' Federation".into(),
            level: "municipal".into(),
            parent_id: None,
            reply_unit: "months".into(),
            reply_count: 3,
            active: true,
        },
        &groundswell::store::AuditEvent::new("department.created", None, None),
    )
    .await
    .unwrap();
    for (button, after) in [
        ("开始起草", "议题当前阶段：起草中"),
        ("提请审核", "议题当前阶段：审核中"),
        ("批准草稿", "草稿已批准"),
    ] {
        c.find(Locator::XPath(&format!(
            "//form[contains(@class,'move-form')]//button[normalize-space()='{button}']"
        )))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
        wait_for_text(&c, after).await;
    }
    c.find(Locator::Css("#s-department option:nth-child(2)"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.find(Locator::Css("#s-channel option[value=cppcc_proposal]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.find(Locator::Css("#s-reference"))
        .await
        .unwrap()
        .send_keys("甬政协提〔2026〕17号")
        .await
        .unwrap();
    c.find(Locator::Css("#submissions form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let text = wait_for_text(&c, "已登记提交").await;
    assert!(
        text.contains("宁波市残疾人联合会") && text.contains("政协提案"),
        "{text}"
    );
    assert!(
        text.contains("天到期"),
        "the reply deadline is counted: {text}"
    );
    c.find(Locator::XPath(
        "//form[contains(@class,'move-form')]//button[normalize-space()='标为已提交']",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    wait_for_text(&c, "议题当前阶段：已提交").await;
    shot(&c, &format!("{db:?}-32-issue-submitted")).await;
    assert_eq!(s.list_issues().await.unwrap()[0].stage, "submitted");

    // The department answers: record the response (class B, one commitment), then
    // mark the issue responded.
    c.find(Locator::XPath(
        "//details[summary[normalize-space()='登记答复']]/summary",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    c.find(Locator::Css(
        ".submission select[name=classification] option[value=B]",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    c.find(Locator::Css(".submission textarea[name=summary]"))
        .await
        .unwrap()
        .send_keys("残联表示将研究把康复救助年龄延长至18岁，列入明年计划。")
        .await
        .unwrap();
    c.find(Locator::Css(".submission textarea[name=commitments]"))
        .await
        .unwrap()
        .send_keys("研究将康复救助延长至18岁 | 2027-06-30")
        .await
        .unwrap();
    c.find(Locator::XPath("//button[normalize-space()='登记答复']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let text = wait_for_text(&c, "已登记答复").await;
    assert!(
        text.contains("正在解决或列入计划") && text.contains("2027-06-30"),
        "{text}"
    );
    c.find(Locator::XPath(
        "//form[contains(@class,'move-form')]//button[normalize-space()='标为已答复']",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    wait_for_text(&c, "议题当前阶段：已答复").await;
    shot(&c, &format!("{db:?}-33-issue-responded")).await;
    assert_eq!(s.list_issues().await.unwrap()[0].stage, "responded");
    // The department's record counts the answer.
    c.find(Locator::Css(".submission h3 a"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let text = wait_for_text(&c, "办理记录").await;
    assert!(
        text.contains("按期答复") && text.contains("B 100%"),
        "{text}"
    );
    shot(&c, &format!("{db:?}-34-department-record")).await;
    c.close().await.unwrap();
    w.app.stop().await;
}

/// The demo as a newcomer meets it: the README's tour, in both languages, with the
/// screenshots it shows (`target/screenshots/tour-*.png`).
async fn the_demo_tour(db: Db) {
    let Some(driver) = start_driver().await else {
        return;
    };
    for (lang, tag, issues_word, overdue_word) in [
        (groundswell::i18n::Lang::Zh, "zh-CN", "倡导议题", "逾期"),
        (
            groundswell::i18n::Lang::En,
            "en",
            "Advocacy issues",
            "overdue",
        ),
    ] {
        let t = TestDb::create(db).await.unwrap();
        let app = TestApp::start(&t).await;
        let loaded = groundswell::seed::load_demo(&app.store, lang)
            .await
            .unwrap();
        assert!(loaded.findings >= 300, "{}", loaded.findings);
        // Loading twice is refused and changes nothing.
        assert!(
            groundswell::seed::load_demo(&app.store, lang)
                .await
                .is_err()
        );
        let c = browser(&driver, tag).await;
        sign_in(
            &c,
            &app,
            "lin@demo.groundswell",
            groundswell::seed::DEMO_PASSWORD,
        )
        .await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let name = |n: &str| format!("tour-{tag}-{n}");
        c.goto(&app.url("/issues")).await.unwrap();
        let text = wait_for_text(&c, issues_word).await;
        assert!(text.lines().count() > 8, "{text}");
        shot(&c, &name("1-issues")).await;
        let issues = app.store.list_issues().await.unwrap();
        let story = issues.iter().find(|i| i.stage == "responded").unwrap();
        c.goto(&app.url(&format!("/issues/{}", story.id)))
            .await
            .unwrap();
        let text = wait_for_text(&c, "B").await;
        assert!(text.contains("14"), "{text}");
        shot(&c, &name("2-issue-age-14")).await;
        c.goto(&app.url(&format!("/issues/{}/proposal", story.id)))
            .await
            .unwrap();
        let text = wait_for_text(
            &c,
            if tag == "en" {
                "Version 2"
            } else {
                "第 2 版"
            },
        )
        .await;
        assert!(
            text.contains(if tag == "en" {
                "arts class"
            } else {
                "艺术班"
            }),
            "{text}"
        );
        shot(&c, &name("2b-proposal")).await;
        c.goto(&app.url(&format!("/issues/{}/briefing", story.id)))
            .await
            .unwrap();
        wait_for_text(&c, if tag == "en" { "Appendix" } else { "附件" }).await;
        shot(&c, &name("2c-briefing")).await;
        let won = issues.iter().find(|i| i.stage == "closed").unwrap();
        c.goto(&app.url(&format!("/issues/{}", won.id)))
            .await
            .unwrap();
        let text = wait_for_text(&c, "2,000").await;
        assert!(text.contains("800 → 2,000"), "the outcome: {text}");
        shot(&c, &name("3-outcome")).await;
        c.goto(&app.url("/candidates")).await.unwrap();
        wait_for_text(
            &c,
            if tag == "en" {
                "workers in"
            } else {
                "名社工记录"
            },
        )
        .await;
        shot(&c, &name("4-recurring-gaps")).await;
        c.goto(&app.url("/departments")).await.unwrap();
        wait_for_text(
            &c,
            if tag == "en" {
                "Ningbo Education Bureau"
            } else {
                "宁波市教育局"
            },
        )
        .await;
        let edu = app
            .store
            .list_departments()
            .await
            .unwrap()
            .into_iter()
            .find(|d| d.name_zh == "宁波市教育局")
            .unwrap();
        c.goto(&app.url(&format!("/departments/{}", edu.id)))
            .await
            .unwrap();
        let text = wait_for_text(&c, overdue_word).await;
        assert!(!text.is_empty());
        shot(&c, &name("5-department")).await;
        c.goto(&app.url("/findings")).await.unwrap();
        wait_for_text(
            &c,
            if tag == "en" {
                "Findings"
            } else {
                "个案发现"
            },
        )
        .await;
        shot(&c, &name("6-findings")).await;
        // The federation's report for the demo's two years, made in the background.
        c.goto(&app.url("/reports")).await.unwrap();
        wait_for_text(
            &c,
            if tag == "en" {
                "Make the report"
            } else {
                "生成报告"
            },
        )
        .await;
        let from =
            (groundswell::domain::finding::today_in_china() - chrono::Days::new(760)).to_string();
        c.execute(
            "document.getElementById('r-from').value = arguments[0]; \
             document.getElementById('r-format').value = 'xlsx';",
            vec![serde_json::json!(from)],
        )
        .await
        .unwrap();
        shot(&c, &name("7-report-form")).await;
        c.find(Locator::Css("form.stack button[type=submit]"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        let text = wait_for_text(&c, if tag == "en" { "Ready" } else { "已完成" }).await;
        assert!(text.contains(".xlsx"), "{text}");
        shot(&c, &name("7b-report-ready")).await;
        // The dashboards, each checked for a figure the demo story puts there.
        let en = tag == "en";
        for (path, needle, shot_name) in [
            (
                "/dashboards/pipeline",
                if en { "Submitted 2" } else { "已提交 2" },
                "8-pipeline",
            ),
            (
                "/dashboards/replies",
                if en {
                    "2 replies long overdue"
                } else {
                    "严重逾期（超过 30 天）2 件"
                },
                "8b-replies",
            ),
            ("/dashboards/departments", "50%", "8c-departments"),
            (
                "/dashboards/evidence",
                if en {
                    "Findings by district"
                } else {
                    "各区县个案发现"
                },
                "8d-evidence",
            ),
            ("/dashboards/outcomes", "2,000", "8e-outcomes"),
        ] {
            c.goto(&app.url(path)).await.unwrap();
            let text = wait_for_text(&c, needle).await;
            assert!(!text.contains("500"), "{path}: {text}");
            shot(&c, &name(shot_name)).await;
        }
        // Each chart carries its text alternative and its numbers in a table.
        c.goto(&app.url("/dashboards/evidence")).await.unwrap();
        let svgs = c
            .find_all(Locator::Css("figure.chart svg[role=img] desc"))
            .await
            .unwrap();
        assert!(svgs.len() >= 2, "charts with descriptions");
        let tables = c
            .find_all(Locator::Css("figure.chart table"))
            .await
            .unwrap();
        assert!(tables.len() >= 2, "numbers beside the charts");
        // The coordinator's start page shows what needs chasing.
        c.goto(&app.url("/")).await.unwrap();
        wait_for_text(
            &c,
            if en {
                "Replies across the federation"
            } else {
                "全会待答复事项"
            },
        )
        .await;
        shot(&c, &name("9-home-coordinator")).await;
        c.close().await.unwrap();
        app.stop().await;
    }
}

/// Keyboard alone, 200% zoom (half the CSS width) and a 375-pixel phone: the main path
/// of the demo works and no page scrolls sideways.
async fn the_main_paths_work_by_keyboard_and_on_a_phone(db: Db) {
    let Some(driver) = start_driver().await else {
        return;
    };
    let t = TestDb::create(db).await.unwrap();
    let app = TestApp::start(&t).await;
    groundswell::seed::load_demo(&app.store, groundswell::i18n::Lang::Zh)
        .await
        .unwrap();
    let c = browser(&driver, "zh-CN").await;
    // Keyboard: Tab to the e-mail field, type, Tab, type, Enter.
    c.goto(&app.url("/login")).await.unwrap();
    let tab = |c: Client| async move {
        c.active_element()
            .await
            .unwrap()
            .send_keys("\u{E004}")
            .await
            .unwrap();
    };
    for _ in 0..15 {
        let id = c.active_element().await.unwrap().attr("id").await.unwrap();
        if id.as_deref() == Some("f-email") {
            break;
        }
        tab(c.clone()).await;
    }
    let email = c.active_element().await.unwrap();
    assert_eq!(email.attr("id").await.unwrap().as_deref(), Some("f-email"));
    email.send_keys("lin@demo.groundswell").await.unwrap();
    tab(c.clone()).await;
    c.active_element()
        .await
        .unwrap()
        .send_keys(&format!("{}\u{E007}", groundswell::seed::DEMO_PASSWORD))
        .await
        .unwrap();
    wait_for_text(&c, "您好").await;
    // From the navigation to the issues, by keyboard.
    for _ in 0..30 {
        let text = c
            .active_element()
            .await
            .unwrap()
            .text()
            .await
            .unwrap_or_default();
        if text == "倡导议题" {
            break;
        }
        tab(c.clone()).await;
    }
    c.active_element()
        .await
        .unwrap()
        .send_keys("\u{E007}")
        .await
        .unwrap();
    wait_for_text(&c, "自闭症儿童满 14 岁").await;
    // Narrow screens: no sideways scrolling on the main pages.
    let issue = app
        .store
        .list_issues()
        .await
        .unwrap()
        .into_iter()
        .find(|i| i.stage == "responded")
        .unwrap();
    for (width, label) in [(640u32, "zoom-200"), (375, "phone")] {
        c.set_window_size(width, 900).await.unwrap();
        for (path, name) in [
            ("/".to_string(), "home"),
            ("/issues".to_string(), "issues"),
            (format!("/issues/{}", issue.id), "issue"),
            ("/findings".to_string(), "findings"),
            ("/findings/new".to_string(), "record"),
        ] {
            c.goto(&app.url(&path)).await.unwrap();
            tokio::time::sleep(Duration::from_millis(150)).await;
            let overflow = c
                .execute(
                    "return document.documentElement.scrollWidth - window.innerWidth",
                    vec![],
                )
                .await
                .unwrap();
            if overflow.as_i64().unwrap_or(0) > 0 {
                let culprits = c
                    .execute(
                        "return [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1).slice(0, 8).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right));",
                        vec![],
                    )
                    .await
                    .unwrap();
                panic!("{label} {path} scrolls sideways by {overflow}px: {culprits}");
            }
            shot(&c, &format!("{db:?}-40-{label}-{name}")).await;
        }
    }
    c.close().await.unwrap();
    app.stop().await;
}

crate::both_databases!(
    the_main_paths_work_by_keyboard_and_on_a_phone,
    the_demo_tour,
    a_coordinator_turns_a_recurring_gap_into_an_issue,
    a_senior_worker_sees_an_issue_with_its_evidence,
    a_person_signs_in_switches_language_and_signs_out,
    a_worker_records_a_finding_masks_an_id_number_and_saves,
);
