//! Signing in and out, sessions, CSRF, throttling, administration and languages,
//! through the real HTTP server on both databases.

use std::sync::Arc;

use groundswell::domain::role::Role;
use groundswell::store::AuditEvent;

use crate::common::{
    Db, PASSWORD, TestApp, TestDb, client, client_with_jar, client_with_language, csrf, csrf_from,
    login, signed_in,
};

fn cookie_value(res: &reqwest::Response, name: &str) -> Option<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(|v| v[name.len() + 1..v.find(';').unwrap_or(v.len())].to_string())
}

async fn a_user_signs_in_sees_home_and_signs_out(db: Db) {
    let t = TestDb::create(db).await.unwrap();
    let app = TestApp::start(&t).await;
    app.user(
        "chen@example.org",
        Role::Senior,
        "Ningbo Charity Federation",
    )
    .await;
    let c = client();

    // Anonymous visitors are sent to sign in, and brought back afterwards.
    let res = c.get(app.url("/")).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/login?next=%2F");

    let anonymous_cookie = {
        let res = c.get(app.url("/login")).send().await.unwrap();
        cookie_value(&res, "gs_session").expect("a session for the login form's CSRF token")
    };
    let res = login(&app, &c, "Chen@Example.org ", PASSWORD).await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/");
    let signed_in_cookie =
        cookie_value(&res, "gs_session").expect("session cookie re-issued at login");
    assert_ne!(
        anonymous_cookie, signed_in_cookie,
        "the session id is cycled at login"
    );
    let set_cookie = res.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Lax"),
        "{set_cookie}"
    );

    let home = c.get(app.url("/")).send().await.unwrap();
    assert_eq!(home.status(), 200);
    let html = home.text().await.unwrap();
    assert!(
        html.contains("Welcome, senior chen@example.org."),
        "flash shown once"
    );
    assert!(html.contains("Senior social worker"));
    let again = c
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !again.contains("Welcome,"),
        "the flash is gone on the next page"
    );

    // Sign-out is a POST with the CSRF token; afterwards the old cookie is worthless.
    let token = csrf_from(&again);
    let res = c
        .post(app.url("/logout"))
        .form(&[("csrf_token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/login?signed_out=1");
    let res = c.get(app.url("/")).send().await.unwrap();
    assert_eq!(res.status(), 303);

    let old = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let res = old
        .get(app.url("/"))
        .header("cookie", format!("gs_session={signed_in_cookie}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303, "a signed-out session cannot be replayed");

    let actions: Vec<String> = app
        .store
        .list_audit(None, 20)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.action)
        .collect();
    assert!(actions.contains(&"login.succeeded".to_string()));
    assert!(actions.contains(&"logout".to_string()));
    app.stop().await;
}

async fn reading_pages_does_not_write_the_session_each_time(db: Db) {
    let t = TestDb::create(db).await.unwrap();
    let app = TestApp::start(&t).await;
    // A coordinator: the issue page shows them the most (drafts, lists, forms).
    let coordinator = app
        .user("reader@example.org", Role::Coordinator, "Federation")
        .await;
    let jar = Arc::new(reqwest::cookie::Jar::default());
    let c = client_with_jar(jar.clone());
    login(&app, &c, "reader@example.org", PASSWORD).await;
    // The first page makes the session's CSRF token, a change written once.
    c.get(app.url("/")).send().await.unwrap();
    // The issue page also offers forms kept in the session (a submission or an answer
    // that did not save); looking for them must not write it either.
    let area = app.store.list_policy_areas().await.unwrap()[0].id;
    let issue =
        crate::common::new_issue(&app.store, area, coordinator, "补贴", "十四岁停发。").await;
    let issue_page = format!("/issues/{}", issue.id);
    // A session written back answers with its cookie again; one only read does not.
    for path in ["/", "/findings", "/issues", issue_page.as_str(), "/"] {
        let res = c.get(app.url(path)).send().await.unwrap();
        assert_eq!(res.status(), 200, "{path}");
        assert!(
            cookie_value(&res, "gs_session").is_none(),
            "{path} wrote the session back"
        );
    }
    app.stop().await;
}

async fn an_expired_session_sends_the_reader_to_sign_in_again(db: Db) {
    let t = TestDb::create(db).await.unwrap();
    let app = TestApp::start(&t).await;
    app.user("someone@example.org", Role::Worker, "Station")
        .await;
    let old = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let res = old
        .get(app.url("/account"))
        .header("cookie", "gs_session=AAAAAAAAAAAAAAAAAAAAAA")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let target = res.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(target, "/login?next=%2Faccount&expired=1");
    let html = old
        .get(app.url(&target))
        .header("accept-language", "en")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Your session has ended. Please sign in again."));
    app.stop().await;
}

async fn unknown_email_and_wrong_password_look_the_same(db: Db) {
    let t = TestDb::create(db).await.unwrap();
    let app = TestApp::start(&t).await;
    app.user("known@example.org", Role::Worker, "Station").await;

    let c1 = client();
    let wrong = login(&app, &c1, "known@example.org", "not-the-password").await;
    let c2 = client();
    let unknown = login(&app, &c2, "nobody@example.org", "not-the-password").await;
    assert_eq!(wrong.status(), 401);
    assert_eq!(unknown.status(), 401);
    let strip = |html: String| {
        // The pages differ only in the CSRF token and the e-mail typed.
        let token = csrf_from(&html);
        html.replace(&token, "T")
            .replace("known@example.org", "E")
            .replace("nobody@example.org", "E")
    };
    let a = strip(wrong.text().await.unwrap());
    let b = strip(unknown.text().await.unwrap());
    assert_eq!(a, b);
    assert!(a.contains("The e-mail address or the password is not right."));
    assert!(a.contains("value=\"E\""), "the e-mail typed is kept");

    let failures: Vec<_> = app
        .store
        .list_audit(None, 20)
        .await
        .unwrap()
        .into_iter()
        .filter(|a| a.action == "login.failed")
        .collect();
    assert_eq!(failures.len(), 2);
    app.stop().await;
}

async fn a_deactivated_user_cannot_sign_in(db: Db) {
    let t = TestDb::create(db).await.unwrap();
    let app = TestApp::start(&t).await;
    let id = app.user("gone@example.org", Role::Worker, "Station").await;
    app.store
        .set_user_active(id, false, &AuditEvent::new("user.deactivated", None, None))
        .await
        .unwrap();
    let res = login(&app, &client(), "gone@example.org", PASSWORD).await;
    assert_eq!(res.status(), 401);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("The e-mail address or the password is not right.")
    );
    app.stop().await;
}

async fn repeated_failures_slow_down_the_account(db: Db) {
    let t = TestDb::create(db).await.unwrap();
    let app = TestApp::start(&t).await;
    app.user("target@example.org", Role::Worker, "Station")
        .await;
    let c = client();
    for _ in 0..5 {
        let res = login(&app, &c, "target@example.org", "guess-guess-guess").await;
        assert_eq!(res.status(), 401);
    }
    // Even the right password must now wait: guessing is slowed, not only failure.
    let res = login(&app, &c, "target@example.org", PASSWORD).await;
    assert_eq!(res.status(), 429);
    assert!(res.headers().contains_key("retry-after"));
    let html = res.text().await.unwrap();
    assert!(html.contains("Too many failed attempts"), "{html}");
    // Another account from the same address is not affected yet.
    app.user("other@example.org", Role::Worker, "Station").await;
    let res = login(&app, &client(), "other@example.org", PASSWORD).await;
    assert_eq!(res.status(), 303);
    // After the (short) wait the right password works and clears the count.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let res = login(&app, &c, "target@example.org", PASSWORD).await;
    assert_eq!(res.status(), 303);
    let (account, _) = app
        .store
        .recent_login_failures(
            "target@example.org",
            "127.0.0.1",
            chrono::Utc::now() - chrono::Duration::minutes(15),
        )
        .await
        .unwrap();
    assert_eq!(account.count, 0);
    app.stop().await;
}

async fn forms_without_a_valid_csrf_token_are_refused_and_change_nothing(db: Db) {
    let t = TestDb::create(db).await.unwrap();
    let app = TestApp::start(&t).await;
    app.user("admin@example.org", Role::Admin, "Federation")
        .await;
    let c = signed_in(&app, "admin@example.org").await;
    let org_id = app.org("Federation").await.to_string();
    let form = |token: Option<&str>| {
        let mut f = vec![
            ("email", "new@example.org".to_string()),
            ("name", "New Worker".to_string()),
            ("role", "worker".to_string()),
            ("org_id", org_id.clone()),
            ("password", "a-long-password".to_string()),
        ];
        if let Some(t) = token {
            f.push(("csrf_token", t.to_string()));
        }
        f
    };
    for token in [None, Some("forged"), Some("")] {
        let res = c
            .post(app.url("/admin/users"))
            .form(&form(token))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 403, "token {token:?}");
        let html = res.text().await.unwrap();
        assert!(html.contains("This form has expired"), "{html}");
        assert!(!html.contains("csrf_failed\"") || html.contains("csrf_failed"));
    }
    assert!(
        app.store
            .user_by_email("new@example.org")
            .await
            .unwrap()
            .is_none()
    );

    // A cross-site Origin is refused even with the right token.
    let token = csrf(&app, &c, "/admin/users/new").await;
    let res = c
        .post(app.url("/admin/users"))
        .header("origin", "https://evil.example")
        .form(&form(Some(&token)))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert!(
        app.store
            .user_by_email("new@example.org")
            .await
            .unwrap()
            .is_none()
    );

    // With the token it works.
    let res = c
        .post(app.url("/admin/users"))
        .form(&form(Some(&token)))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert!(
        app.store
            .user_by_email("new@example.org")
            .await
            .unwrap()
            .is_some()
    );

    // The login form is protected too (login CSRF).
    let res = client()
        .post(app.url("/login"))
        .form(&[("email", "admin@example.org"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    app.stop().await;
}

async fn only_admins_reach_administration(db: Db) {
    let t = TestDb::create(db).await.unwrap();
    let app = TestApp::start(&t).await;
    for role in [Role::Worker, Role::Senior, Role::Coordinator, Role::Viewer] {
        let email = format!("{role}@example.org");
        app.user(&email, role, "Station").await;
        let c = signed_in(&app, &email).await;
        for path in [
            "/admin/users",
            "/admin/users/new",
            "/admin/orgs",
            "/admin/audit",
            "/admin/users/1",
        ] {
            let res = c.get(app.url(path)).send().await.unwrap();
            assert_eq!(res.status(), 403, "{role} GET {path}");
            assert!(
                res.text()
                    .await
                    .unwrap()
                    .contains("You do not have permission")
            );
        }
        let token = csrf(&app, &c, "/").await;
        let res = c
            .post(app.url("/admin/orgs"))
            .form(&[
                ("name", "Sneaky"),
                ("kind", "member"),
                ("csrf_token", &token),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 403, "{role} POST /admin/orgs");
        // Navigation does not offer what the role cannot use.
        let home = c
            .get(app.url("/"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(!home.contains("href=\"/admin/users\""));
    }
    assert!(app.store.org_by_name("Sneaky").await.unwrap().is_none());
    // Anonymous visitors are sent to sign in.
    let res = client().get(app.url("/admin/users")).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/login?next=%2Fadmin%2Fusers");
    app.stop().await;
}

async fn an_admin_creates_users_and_bad_input_keeps_the_form(db: Db) {
    let t = TestDb::create(db).await.unwrap();
    let app = TestApp::start(&t).await;
    app.user("admin@example.org", Role::Admin, "Federation")
        .await;
    let station = app.org("Bate Community Station").await.to_string();
    let c = signed_in(&app, "admin@example.org").await;
    let token = csrf(&app, &c, "/admin/users/new").await;

    let res = c
        .post(app.url("/admin/users"))
        .form(&[
            ("email", "not-an-email"),
            ("name", "Hu Qunze"),
            ("role", "superuser"),
            ("org_id", station.as_str()),
            ("password", "short"),
            ("csrf_token", &token),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("value=\"Hu Qunze\""),
        "what was typed is kept"
    );
    assert!(html.contains("value=\"not-an-email\""));
    assert!(html.contains("Enter an e-mail address"));
    assert!(html.contains("Choose one of the roles."));
    assert!(html.contains("at least 10 characters"));
    assert!(
        !html.contains("value=\"short\""),
        "passwords are never echoed"
    );
    assert_eq!(app.store.list_users().await.unwrap().len(), 1);

    let res = c
        .post(app.url("/admin/users"))
        .form(&[
            ("email", "hu@example.org"),
            ("name", "Hu Qunze"),
            ("role", "worker"),
            ("org_id", station.as_str()),
            ("password", "a-long-password"),
            ("csrf_token", &token),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let user = app
        .store
        .user_by_email("hu@example.org")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        res.headers()["location"],
        format!("/admin/users/{}", user.id).as_str()
    );
    assert_eq!(user.role, Role::Worker);
    assert_eq!(user.org_name, "Bate Community Station");

    // The same e-mail again is a field error, not a crash.
    let res = c
        .post(app.url("/admin/users"))
        .form(&[
            ("email", "HU@example.org"),
            ("name", "Someone"),
            ("role", "worker"),
            ("org_id", station.as_str()),
            ("password", "a-long-password"),
            ("csrf_token", &token),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("already exists"));

    // The new user can sign in with the initial password.
    let res = login(&app, &client(), "hu@example.org", "a-long-password").await;
    assert_eq!(res.status(), 303);
    let audit = app.store.list_audit(None, 50).await.unwrap();
    let created = audit
        .iter()
        .find(|a| a.action == "user.created" && a.subject_id == Some(user.id))
        .unwrap();
    assert!(created.actor_name.is_some(), "the acting admin is recorded");
    app.stop().await;
}

async fn deactivating_a_user_ends_their_sessions_and_tokens_at_once(db: Db) {
    let t = TestDb::create(db).await.unwrap();
    let app = TestApp::start(&t).await;
    app.user("admin@example.org", Role::Admin, "Federation")
        .await;
    let worker_id = app
        .user("worker@example.org", Role::Worker, "Station")
        .await;
    let worker = signed_in(&app, "worker@example.org").await;
    assert_eq!(worker.get(app.url("/")).send().await.unwrap().status(), 200);

    // The worker makes an API token on their account page.
    let token = csrf(&app, &worker, "/account").await;
    let html = worker
        .post(app.url("/account/tokens"))
        .form(&[("label", "spreadsheet sync"), ("csrf_token", &token)])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let start = html.find("gs_").expect("the new token is shown once");
    let api_token = html[start..start + 67].to_string();
    let api = reqwest::Client::new();
    let me = api
        .get(app.url("/api/v1/me"))
        .bearer_auth(&api_token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);

    let admin = signed_in(&app, "admin@example.org").await;
    let token = csrf(&app, &admin, &format!("/admin/users/{worker_id}")).await;
    let res = admin
        .post(app.url(&format!("/admin/users/{worker_id}/deactivate")))
        .form(&[("csrf_token", &token)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);

    let res = worker.get(app.url("/")).send().await.unwrap();
    assert_eq!(res.status(), 303, "the worker's session ended");
    let res = api
        .get(app.url("/api/v1/me"))
        .bearer_auth(&api_token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401, "the worker's token stopped working");
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "invalid_token");

    // An admin cannot deactivate themselves, nor demote the last admin.
    let me = app
        .store
        .user_by_email("admin@example.org")
        .await
        .unwrap()
        .unwrap();
    let res = admin
        .post(app.url(&format!("/admin/users/{}/deactivate", me.id)))
        .form(&[("csrf_token", &token)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert!(app.store.user_by_id(me.id).await.unwrap().unwrap().active);
    let res = admin
        .post(app.url(&format!("/admin/users/{}", me.id)))
        .form(&[
            ("name", "Admin"),
            ("role", "worker"),
            ("org_id", &me.org_id.to_string()),
            ("csrf_token", &token),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("last active administrator")
    );
    assert_eq!(
        app.store.user_by_id(me.id).await.unwrap().unwrap().role,
        Role::Admin
    );
    app.stop().await;
}

async fn changing_the_password_signs_out_other_sessions(db: Db) {
    let t = TestDb::create(db).await.unwrap();
    let app = TestApp::start(&t).await;
    app.user("w@example.org", Role::Worker, "Station").await;
    let laptop = signed_in(&app, "w@example.org").await;
    let phone = signed_in(&app, "w@example.org").await;

    let token = csrf(&app, &laptop, "/account").await;
    let res = laptop
        .post(app.url("/account/password"))
        .form(&[
            ("current", "wrong-password"),
            ("new_password", "brand-new-password"),
            ("confirm", "brand-new-password"),
            ("csrf_token", &token),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("The current password is not right.")
    );

    let res = laptop
        .post(app.url("/account/password"))
        .form(&[
            ("current", PASSWORD),
            ("new_password", "brand-new-password"),
            ("confirm", "brand-new-password"),
            ("csrf_token", &token),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(
        laptop
            .get(app.url("/account"))
            .send()
            .await
            .unwrap()
            .status(),
        200,
        "this session goes on"
    );
    assert_eq!(
        phone
            .get(app.url("/account"))
            .send()
            .await
            .unwrap()
            .status(),
        303,
        "the other one ended"
    );
    assert_eq!(
        login(&app, &client(), "w@example.org", PASSWORD)
            .await
            .status(),
        401
    );
    assert_eq!(
        login(&app, &client(), "w@example.org", "brand-new-password")
            .await
            .status(),
        303
    );
    app.stop().await;
}

async fn language_follows_preference_then_cookie_then_browser(db: Db) {
    let t = TestDb::create(db).await.unwrap();
    let app = TestApp::start(&t).await;
    app.user("w@example.org", Role::Worker, "Station").await;

    // The browser's Accept-Language decides for a first visit; Chinese by default.
    let zh = client_with_language("zh-CN,zh;q=0.9");
    let html = zh
        .get(app.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("<html lang=\"zh-CN\">"));
    assert!(html.contains("电子邮箱"));
    let none = client_with_language("fr");
    let html = none
        .get(app.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("登录"), "Chinese when nothing matches");

    // The switch sets a cookie before sign-in…
    let token = csrf(&app, &zh, "/login").await;
    let res = zh
        .post(app.url("/language"))
        .form(&[("lang", "en"), ("next", "/login"), ("csrf_token", &token)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/login");
    let html = zh
        .get(app.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("<html lang=\"en\">"), "{html}");

    // …and is stored as the user's preference after it, winning over the browser.
    let res = login(&app, &zh, "w@example.org", PASSWORD).await;
    assert_eq!(res.status(), 303);
    let token = csrf(&app, &zh, "/").await;
    zh.post(app.url("/language"))
        .form(&[("lang", "zh-CN"), ("next", "/"), ("csrf_token", &token)])
        .send()
        .await
        .unwrap();
    let user = app
        .store
        .user_by_email("w@example.org")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user.locale.as_deref(), Some("zh-CN"));
    let english_browser = client_with_language("en");
    login(&app, &english_browser, "w@example.org", PASSWORD).await;
    let html = english_browser
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("<html lang=\"zh-CN\">"),
        "the stored preference wins"
    );

    // An unknown language is refused and changes nothing; next= cannot leave the site.
    let token = csrf(&app, &english_browser, "/").await;
    let res = english_browser
        .post(app.url("/language"))
        .form(&[("lang", "xx"), ("next", "/"), ("csrf_token", &token)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let res = english_browser
        .post(app.url("/language"))
        .form(&[
            ("lang", "en"),
            ("next", "//evil.example/"),
            ("csrf_token", &token),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["location"], "/");
    app.stop().await;
}

async fn error_pages_speak_the_users_language_and_hide_internals(db: Db) {
    let t = TestDb::create(db).await.unwrap();
    let app = TestApp::start(&t).await;
    app.user("w@example.org", Role::Worker, "Station").await;
    let c = signed_in(&app, "w@example.org").await;
    let res = c.get(app.url("/no/such/page")).send().await.unwrap();
    assert_eq!(res.status(), 404);
    let html = res.text().await.unwrap();
    assert!(html.contains("This page does not exist"));
    assert!(html.contains("Sign out"), "the error page keeps the shell");

    let zh = client_with_language("zh-CN");
    let res = zh.get(app.url("/no/such/page")).send().await.unwrap();
    assert_eq!(res.status(), 404);
    assert!(res.text().await.unwrap().contains("页面不存在"));

    // Wrong method and a malformed path parameter: clear, generic, no internals.
    let token = csrf(&app, &c, "/").await;
    let res = c
        .delete(app.url("/login"))
        .header("x-csrf-token", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 405);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("does not accept that kind of request")
    );
    let res = c
        .get(app.url("/account/tokens/abc/revoke"))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_client_error());
    let admin_id = app.user("a@example.org", Role::Admin, "Station").await;
    let admin = signed_in(&app, "a@example.org").await;
    let res = admin
        .get(app.url("/admin/users/not-a-number"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let html = res.text().await.unwrap();
    assert!(
        !html.contains("Invalid URL") && !html.contains("ParseIntError"),
        "{html}"
    );
    let res = admin
        .get(app.url("/admin/users/999999"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let _ = admin_id;
    app.stop().await;
}

async fn responses_carry_security_headers(db: Db) {
    let t = TestDb::create(db).await.unwrap();
    let app = TestApp::start(&t).await;
    for path in ["/login", "/static/app.css", "/healthz", "/nope"] {
        let res = client().get(app.url(path)).send().await.unwrap();
        let h = res.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
            "{path}: {csp}"
        );
        assert!(csp.contains("frame-ancestors 'none'"));
        assert_eq!(h["x-frame-options"], "DENY");
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["referrer-policy"], "same-origin");
    }
    // Pages have no inline script or style for the CSP to block.
    let html = client()
        .get(app.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!html.contains("<script>") && !html.contains("style=\""));
    app.stop().await;
}

async fn a_session_made_on_one_instance_is_valid_on_another(db: Db) {
    let t = TestDb::create(db).await.unwrap();
    let one = TestApp::start(&t).await;
    let two = TestApp::start(&t).await;
    one.user("w@example.org", Role::Worker, "Station").await;
    let jar = Arc::new(reqwest::cookie::Jar::default());
    let c = client_with_jar(jar.clone());
    let res = login(&one, &c, "w@example.org", PASSWORD).await;
    assert_eq!(res.status(), 303);
    // Cookies are per host and port: carry the session cookie to the other instance.
    let cookie = cookie_value(&res, "gs_session").unwrap();
    let other = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let res = other
        .get(two.url("/api/v1/me"))
        .header("cookie", format!("gs_session={cookie}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let me: serde_json::Value = res.json().await.unwrap();
    assert_eq!(me["email"], "w@example.org");
    assert_eq!(me["authenticated_by"], "session");
    // Signing out on the second instance ends it on the first.
    let page = other
        .get(two.url("/"))
        .header("cookie", format!("gs_session={cookie}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token = csrf_from(&page);
    other
        .post(two.url("/logout"))
        .header("cookie", format!("gs_session={cookie}"))
        .form(&[("csrf_token", token.as_str())])
        .send()
        .await
        .unwrap();
    let res = c.get(one.url("/")).send().await.unwrap();
    assert_eq!(res.status(), 303);
    one.stop().await;
    two.stop().await;
}

async fn organisations_are_managed_with_clear_errors(db: Db) {
    let t = TestDb::create(db).await.unwrap();
    let app = TestApp::start(&t).await;
    app.user("admin@example.org", Role::Admin, "Federation")
        .await;
    let c = signed_in(&app, "admin@example.org").await;
    let token = csrf(&app, &c, "/admin/orgs").await;
    let res = c
        .post(app.url("/admin/orgs"))
        .form(&[
            ("name", "Qingshuiwan Community"),
            ("kind", "member"),
            ("csrf_token", &token),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let res = c
        .post(app.url("/admin/orgs"))
        .form(&[
            ("name", "qingshuiwan community"),
            ("kind", "member"),
            ("csrf_token", &token),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("already exists"));
    let res = c
        .post(app.url("/admin/orgs"))
        .form(&[("name", "  "), ("kind", "ministry"), ("csrf_token", &token)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("Enter a name.") && html.contains("Choose federation or member"));

    // An organisation with active members cannot be deactivated.
    let fed = app.store.org_by_name("Federation").await.unwrap().unwrap();
    let res = c
        .post(app.url(&format!("/admin/orgs/{}", fed.id)))
        .form(&[
            ("name", "Federation"),
            ("kind", "federation"),
            ("csrf_token", &token),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert!(app.store.get_org(fed.id).await.unwrap().unwrap().active);
    app.stop().await;
}

async fn a_new_instance_explains_how_to_begin(db: Db) {
    let t = TestDb::create(db).await.unwrap();
    let app = TestApp::start(&t).await;
    let c = crate::common::client_with_language("en");
    let html = c
        .get(app.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Nobody can sign in yet"), "{html}");
    assert!(
        html.contains("groundswell user add") && html.contains("serve --demo"),
        "{html}"
    );
    // Once an administrator exists, the sign-in form is back.
    app.user("admin@example.org", Role::Admin, "Federation")
        .await;
    let html = c
        .get(app.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("name=\"password\"") && !html.contains("Nobody can sign in yet"),
        "{html}"
    );
    app.stop().await;
}

crate::both_databases!(
    reading_pages_does_not_write_the_session_each_time,
    a_new_instance_explains_how_to_begin,
    a_user_signs_in_sees_home_and_signs_out,
    an_expired_session_sends_the_reader_to_sign_in_again,
    unknown_email_and_wrong_password_look_the_same,
    a_deactivated_user_cannot_sign_in,
    repeated_failures_slow_down_the_account,
    forms_without_a_valid_csrf_token_are_refused_and_change_nothing,
    only_admins_reach_administration,
    an_admin_creates_users_and_bad_input_keeps_the_form,
    deactivating_a_user_ends_their_sessions_and_tokens_at_once,
    changing_the_password_signs_out_other_sessions,
    language_follows_preference_then_cookie_then_browser,
    error_pages_speak_the_users_language_and_hide_internals,
    responses_carry_security_headers,
    a_session_made_on_one_instance_is_valid_on_another,
    organisations_are_managed_with_clear_errors,
);
