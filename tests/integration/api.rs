//! The JSON API base: authentication by token or session, error shapes, the OpenAPI
//! document and the health check.

use groundswell::domain::role::Role;
use groundswell::domain::token;
use groundswell::store::AuditEvent;

use crate::common::{Db, TestApp, TestDb, client, csrf, signed_in};

async fn token_for(app: &TestApp, user_id: i64) -> String {
    let secret = token::generate();
    app.store
        .create_api_token(
            user_id,
            "test",
            &token::hash(&secret),
            &AuditEvent::new("token.created", None, None),
        )
        .await
        .unwrap();
    secret
}

async fn me_answers_by_token_and_by_session(db: Db) {
    let t = TestDb::create(db).await.unwrap();
    let app = TestApp::start(&t).await;
    let id = app
        .user("chen@example.org", Role::Senior, "宁波市慈善总会")
        .await;
    let secret = token_for(&app, id).await;
    let api = reqwest::Client::new();
    let res = api
        .get(app.url("/api/v1/me"))
        .bearer_auth(&secret)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let me: serde_json::Value = res.json().await.unwrap();
    assert_eq!(me["id"], id);
    assert_eq!(me["email"], "chen@example.org");
    assert_eq!(me["role"], "senior");
    assert_eq!(me["organisation"]["name"], "宁波市慈善总会");
    assert_eq!(me["authenticated_by"], "token");
    assert!(me.get("password_hash").is_none());

    let browser = signed_in(&app, "chen@example.org").await;
    let me: serde_json::Value = browser
        .get(app.url("/api/v1/me"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["authenticated_by"], "session");
    assert_eq!(me["language"], "en");
    app.stop().await;
}

async fn bad_credentials_get_a_json_error_with_a_stable_code(db: Db) {
    let t = TestDb::create(db).await.unwrap();
    let app = TestApp::start(&t).await;
    let id = app.user("w@example.org", Role::Worker, "Station").await;
    let api = reqwest::Client::new();

    let res = api.get(app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(
        res.status(),
        401,
        "no credentials: JSON, not a redirect to the login page"
    );
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unauthenticated");

    for header in [
        "Bearer nonsense",
        "Basic dTpw",
        "Bearer ",
        &format!("Bearer {}", token::generate()),
    ] {
        let res = api
            .get(app.url("/api/v1/me"))
            .header("authorization", header)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401, "{header}");
        assert!(res.headers().contains_key("www-authenticate"));
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body["error"]["code"], "invalid_token", "{header}");
        assert!(body["error"]["message"].as_str().unwrap().len() > 10);
    }

    // A revoked token stops working at once.
    let secret = token_for(&app, id).await;
    assert_eq!(
        api.get(app.url("/api/v1/me"))
            .bearer_auth(&secret)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let token_id = app.store.list_api_tokens(id).await.unwrap()[0].id;
    app.store
        .revoke_api_token(id, token_id, &AuditEvent::new("token.revoked", None, None))
        .await
        .unwrap();
    assert_eq!(
        api.get(app.url("/api/v1/me"))
            .bearer_auth(&secret)
            .send()
            .await
            .unwrap()
            .status(),
        401
    );

    // Messages follow Accept-Language; codes do not.
    let res = api
        .get(app.url("/api/v1/me"))
        .header("authorization", "Bearer nonsense")
        .header("accept-language", "zh-CN")
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "invalid_token");
    assert!(body["error"]["message"].as_str().unwrap().contains("令牌"));

    // Unknown API routes and methods are JSON errors too.
    let res = api.get(app.url("/api/v1/nothing")).send().await.unwrap();
    assert_eq!(res.status(), 404);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_found");
    let secret = token_for(&app, id).await;
    let res = api
        .post(app.url("/api/v1/me"))
        .bearer_auth(&secret)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 405);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "method_not_allowed");
    app.stop().await;
}

async fn state_changing_api_calls_by_session_need_the_csrf_header(db: Db) {
    let t = TestDb::create(db).await.unwrap();
    let app = TestApp::start(&t).await;
    app.user("w@example.org", Role::Worker, "Station").await;
    let browser = signed_in(&app, "w@example.org").await;
    let res = browser.post(app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(res.status(), 403);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "csrf_failed");
    let token = csrf(&app, &browser, "/").await;
    let res = browser
        .post(app.url("/api/v1/me"))
        .header("x-csrf-token", token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 405, "past the CSRF check, the route decides");
    app.stop().await;
}

async fn the_openapi_document_describes_the_api(db: Db) {
    let t = TestDb::create(db).await.unwrap();
    let app = TestApp::start(&t).await;
    let res = client()
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let doc: serde_json::Value = res.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    assert!(doc["paths"]["/api/v1/me"]["get"].is_object());
    assert!(doc["paths"]["/healthz"]["get"].is_object());
    assert!(doc["paths"]["/api/v1/reports/portfolio"]["get"].is_object());
    assert!(doc["paths"]["/api/v1/issues/{id}/briefing"]["get"].is_object());
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    assert!(doc["components"]["schemas"]["ErrorBody"].is_object());
    app.stop().await;
}

async fn the_health_check_reports_the_database(db: Db) {
    let t = TestDb::create(db).await.unwrap();
    let app = TestApp::start(&t).await;
    let res = client().get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    assert_eq!(
        body["database"],
        match db {
            Db::Sqlite => "sqlite",
            Db::Postgres => "postgres",
        }
    );
    // With the database gone the check says so (and so do pages, without internals).
    app.store.close().await;
    let res = client().get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(res.status(), 503);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["status"], "unavailable");
    // Pages say so in the reader's language, without internals (the sign-in page asks
    // whether anyone can sign in yet, so it meets the database first).
    let res = client().get(app.url("/login")).send().await.unwrap();
    assert!(res.status().is_server_error());
    let html = res.text().await.unwrap();
    assert!(
        html.contains("The database is not answering")
            || html.contains("Something went wrong on our side"),
        "{html}"
    );
    assert!(!html.to_lowercase().contains("sqlx") && !html.contains("PoolClosed"));
}

crate::both_databases!(
    me_answers_by_token_and_by_session,
    bad_credentials_get_a_json_error_with_a_stable_code,
    state_changing_api_calls_by_session_need_the_csrf_header,
    the_openapi_document_describes_the_api,
    the_health_check_reports_the_database,
);
