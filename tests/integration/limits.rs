//! Limits, each enforced with a clear error: request body size, upload size, the API's
//! page size, import size (rows and bytes), and the API rate limit per token and per
//! client address.

use base64::Engine;
use groundswell::config::WebSettings;
use groundswell::domain::role::Role;
use groundswell::domain::token;
use groundswell::store::AuditEvent;
use serde_json::{Value, json};

use crate::common::{Db, TestApp, TestDb, csrf, signed_in};
use crate::findings_store::world_with;

pub async fn token_for(app: &TestApp, email: &str) -> String {
    let user = app.store.user_by_email(email).await.unwrap().unwrap();
    let secret = token::generate();
    app.store
        .create_api_token(
            user.id,
            "limits",
            &token::hash(&secret),
            &AuditEvent::new("token.created", None, None),
        )
        .await
        .unwrap();
    secret
}

/// Sends `bytes` and reads the answer until the server closes the connection.
async fn raw_request(addr: std::net::SocketAddr, bytes: &[u8]) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(bytes).await.unwrap();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    String::from_utf8_lossy(&answer).into_owned()
}

fn no_rate_limit() -> WebSettings {
    WebSettings {
        api_rate_per_minute: 0,
        api_address_rate_per_minute: 0,
        ..WebSettings::default()
    }
}

/// Asserts a JSON error with `code`, and returns it.
async fn json_error(res: reqwest::Response, status: u16, code: &str) -> Value {
    let got = res.status();
    let content_type = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let text = res.text().await.unwrap();
    assert_eq!(got, status, "{text}");
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}: {text}"
    );
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(
        !body["error"]["message"].as_str().unwrap().is_empty(),
        "{body}"
    );
    body
}

async fn the_api_is_rate_limited_per_token_with_retry_after(db: Db) {
    let t = TestDb::create(db).await.unwrap();
    let settings = WebSettings {
        api_rate_per_minute: 3,
        api_address_rate_per_minute: 0,
        ..WebSettings::default()
    };
    let app = TestApp::start_with(&t, settings).await;
    app.user("a@example.org", Role::Worker, "Qingshuiwan Station")
        .await;
    app.user("b@example.org", Role::Worker, "Qingshuiwan Station")
        .await;
    let a = token_for(&app, "a@example.org").await;
    let b = token_for(&app, "b@example.org").await;
    let api = reqwest::Client::new();
    let me = |secret: &str| {
        api.get(app.url("/api/v1/me"))
            .bearer_auth(secret)
            .header("accept-language", "en")
    };
    for _ in 0..3 {
        assert_eq!(me(&a).send().await.unwrap().status(), 200);
    }
    let res = me(&a).send().await.unwrap();
    let retry: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    // Three a minute: the next one is free in about 20 seconds, never "now".
    assert!((1..=60).contains(&retry), "Retry-After {retry}");
    let body = json_error(res, 429, "rate_limited").await;
    assert_eq!(
        body["error"]["message"],
        "Too many requests. Please wait a moment."
    );
    // Another token from the same address is not held back by the first one's bucket.
    assert_eq!(me(&b).send().await.unwrap().status(), 200);
    // Pages are not limited by the API's buckets.
    assert_eq!(
        api.get(app.url("/login")).send().await.unwrap().status(),
        200
    );
    app.stop().await;
}

async fn the_api_is_rate_limited_per_address_whatever_the_token(db: Db) {
    let t = TestDb::create(db).await.unwrap();
    let settings = WebSettings {
        api_rate_per_minute: 0,
        api_address_rate_per_minute: 4,
        ..WebSettings::default()
    };
    let app = TestApp::start_with(&t, settings).await;
    app.user("a@example.org", Role::Worker, "Qingshuiwan Station")
        .await;
    let api = reqwest::Client::new();
    // Guessing tokens counts too: each guess is answered 401 until the bucket is empty.
    for _ in 0..4 {
        let guess = token::generate();
        let res = api
            .get(app.url("/api/v1/me"))
            .bearer_auth(&guess)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401);
    }
    let real = token_for(&app, "a@example.org").await;
    let res = api
        .get(app.url("/api/v1/me"))
        .bearer_auth(&real)
        .send()
        .await
        .unwrap();
    assert!(res.headers().contains_key("retry-after"));
    json_error(res, 429, "rate_limited").await;
    app.stop().await;
}

async fn oversized_bodies_are_refused_with_413(db: Db) {
    let t = TestDb::create(db).await.unwrap();
    let w = world_with(&t, no_rate_limit()).await;
    let secret = token_for(&w.app, "worker@example.org").await;
    let api = reqwest::Client::new();
    // A JSON body over the 2 MB limit: a JSON 413, nothing saved.
    let narrative = "补".repeat(groundswell::web::BODY_LIMIT_BYTES / 3 + 10);
    let res = api
        .post(w.app.url("/api/v1/findings"))
        .bearer_auth(&secret)
        .json(&json!({ "narrative": narrative, "policy_area_id": w.area, "locality_id": w.community, "observed_on": "2026-10-01", "people_affected": 1 }))
        .send()
        .await
        .unwrap();
    json_error(res, 413, "payload_too_large").await;
    assert!(
        w.app
            .store
            .search_findings(&Default::default())
            .await
            .unwrap()
            .is_empty()
    );

    // A form over the limit: an error page in the reader's language, not a bare status.
    let c = signed_in(&w.app, "worker@example.org").await;
    let token = csrf(&w.app, &c, "/findings/new").await;
    let res = c
        .post(w.app.url("/findings"))
        .header("accept-language", "en")
        .form(&[("csrf_token", token.as_str()), ("narrative", &narrative)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = res.text().await.unwrap();
    assert!(html.contains("What you sent is too large."), "{html}");

    // Any body over the largest upload is refused from its Content-Length, before it is
    // read, on any route (asked over a raw connection that sends only the headers, so
    // the answer cannot race the upload).
    let head = format!(
        "POST /api/v1/findings/import HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {secret}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        w.app.addr,
        groundswell::web::UPLOAD_LIMIT_BYTES + 1024
    );
    let answer = raw_request(w.app.addr, head.as_bytes()).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(
        answer.contains("application/json") && answer.contains("\"payload_too_large\""),
        "{answer}"
    );
    w.app.stop().await;
}

async fn an_api_page_larger_than_the_maximum_is_refused(db: Db) {
    let t = TestDb::create(db).await.unwrap();
    let w = world_with(&t, no_rate_limit()).await;
    let secret = token_for(&w.app, "worker@example.org").await;
    let api = reqwest::Client::new();
    let url = w.app.url("/api/v1/findings");
    let res = api
        .get(format!("{url}?limit=100"))
        .bearer_auth(&secret)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    for bad in ["101", "0", "-1", "100000000000000000000", "ten"] {
        let res = api
            .get(format!("{url}?limit={bad}"))
            .bearer_auth(&secret)
            .send()
            .await
            .unwrap();
        let body = json_error(res, 422, "validation_failed").await;
        assert_eq!(
            body["error"]["fields"][0]["field"], "limit",
            "{bad}: {body}"
        );
    }
    w.app.stop().await;
}

const HEADER: &str = "编号,情况描述,政策领域,社区,发现日期,涉及人数";

async fn imports_over_the_row_or_byte_limit_are_refused(db: Db) {
    use groundswell::domain::import::{MAX_BYTES, MAX_ROWS};
    let t = TestDb::create(db).await.unwrap();
    let w = world_with(&t, no_rate_limit()).await;
    let secret = token_for(&w.app, "worker@example.org").await;
    let api = reqwest::Client::new();
    let url = w.app.url("/api/v1/findings/import");
    let mut file = String::from(HEADER);
    for i in 0..=MAX_ROWS {
        file.push_str(&format!("\nQ-{i},x,disability,清水湾社区,2026-10-03,1"));
    }
    let encoded = base64::engine::general_purpose::STANDARD.encode(&file);
    let res = api
        .post(&url)
        .bearer_auth(&secret)
        .header("accept-language", "en")
        .json(&json!({ "file_base64": encoded, "dry_run": true }))
        .send()
        .await
        .unwrap();
    let body = json_error(res, 400, "bad_request").await;
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("20,000"),
        "{body}"
    );

    // The page refuses the same file with the same message and keeps nothing.
    let c = signed_in(&w.app, "worker@example.org").await;
    let token = csrf(&w.app, &c, "/findings/import").await;
    let part = reqwest::multipart::Part::bytes(file.into_bytes()).file_name("big.csv");
    let res = c
        .post(w.app.url(&format!("/findings/import?csrf_token={token}")))
        .header("accept-language", "en")
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    let status = res.status();
    let html = res.text().await.unwrap();
    assert!(
        status == 400 || status == 422 || status == 200,
        "{status}: {html}"
    );
    assert!(html.contains("20,000"), "{html}");

    // A file over the byte limit (sent as a page upload: base64 in JSON would be over
    // the body limit first).
    let big = vec![b'a'; MAX_BYTES + 1];
    let token = csrf(&w.app, &c, "/findings/import").await;
    let part = reqwest::multipart::Part::bytes(big).file_name("big.csv");
    let res = c
        .post(w.app.url(&format!("/findings/import?csrf_token={token}")))
        .header("accept-language", "en")
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    let status = res.status();
    let html = res.text().await.unwrap();
    assert!(status.is_client_error(), "{status}");
    assert!(html.contains("MB"), "{status}: {html}");
    assert!(
        w.app
            .store
            .search_findings(&Default::default())
            .await
            .unwrap()
            .is_empty()
    );
    w.app.stop().await;
}

crate::both_databases!(
    the_api_is_rate_limited_per_token_with_retry_after,
    the_api_is_rate_limited_per_address_whatever_the_token,
    oversized_bodies_are_refused_with_413,
    an_api_page_larger_than_the_maximum_is_refused,
    imports_over_the_row_or_byte_limit_are_refused,
);
