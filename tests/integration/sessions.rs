//! Sessions and accounts under attack, on both databases: session fixation, CSRF on
//! every state-changing route the router serves, the session cookie's flags, signing
//! out everywhere else, login slowing that cannot lock a victim out, and revoked API
//! tokens refused on the very next request by every instance.
//! (Password changes ending other sessions: `accounts::…changing_the_password…`.)

use groundswell::config::WebSettings;
use groundswell::domain::role::Role;
use reqwest::Method;

use crate::authorization::{is_api, served_routes};
use crate::authz_world::{AuthzWorld, Digest, Who, api_token, changed, sign_in};
use crate::common::{Db, PASSWORD, TestApp, TestDb, client, csrf_from, login};

/// The value of cookie `name` set by a response.
fn set_cookie<'a>(res: &'a reqwest::Response, name: &str) -> Option<&'a str> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
}

fn cookie_id(header: &str) -> String {
    header
        .split(';')
        .next()
        .unwrap()
        .split_once('=')
        .unwrap()
        .1
        .to_string()
}

/// A client without a cookie jar: the cookie is whatever the test says.
fn bare() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn signing_in_gives_a_new_session_id_and_a_planted_one_is_worthless(db: Db) {
    let t = TestDb::create(db).await.unwrap();
    let app = TestApp::start(&t).await;
    app.user("w@example.org", Role::Worker, "Station").await;

    // The attacker's session: one the login page gave them, planted in the victim's
    // browser (a shared computer, a cookie set by a sibling site).
    let res = bare().get(app.url("/login")).send().await.unwrap();
    let planted = cookie_id(set_cookie(&res, "gs_session").expect("a session before sign-in"));
    let page = res.text().await.unwrap();
    let token = csrf_from(&page);

    // The victim signs in with the planted cookie.
    let res = bare()
        .post(app.url("/login"))
        .header("cookie", format!("gs_session={planted}"))
        .form(&[
            ("email", "w@example.org"),
            ("password", PASSWORD),
            ("csrf_token", token.as_str()),
            ("next", "/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let fresh = cookie_id(set_cookie(&res, "gs_session").expect("a new session id"));
    assert_ne!(fresh, planted, "the session id changes at sign-in");

    // The victim is signed in under the new id; the attacker's id gives nothing.
    let me = bare()
        .get(app.url("/api/v1/me"))
        .header("cookie", format!("gs_session={fresh}"))
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);
    let res = bare()
        .get(app.url("/api/v1/me"))
        .header("cookie", format!("gs_session={planted}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401, "the planted id is not signed in");
    let res = bare()
        .get(app.url("/account"))
        .header("cookie", format!("gs_session={planted}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert!(
        res.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/login")
    );

    // Signing out ends the session for good: replaying the cookie gives nothing.
    let page = bare()
        .get(app.url("/account"))
        .header("cookie", format!("gs_session={fresh}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token = csrf_from(&page);
    bare()
        .post(app.url("/logout"))
        .header("cookie", format!("gs_session={fresh}"))
        .form(&[("csrf_token", token.as_str())])
        .send()
        .await
        .unwrap();
    let res = bare()
        .get(app.url("/api/v1/me"))
        .header("cookie", format!("gs_session={fresh}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401, "a signed-out session cannot be replayed");
    app.stop().await;
}

/// Every POST/PUT/PATCH/DELETE the router serves, asked with a signed-in session but
/// without the CSRF token, with a wrong one, and from another origin with the right
/// one: 403 `csrf_failed` each time, and the database unchanged.
async fn every_state_changing_route_needs_the_csrf_token(db: Db) {
    let t = TestDb::create(db).await.unwrap();
    let w = AuthzWorld::build(&t).await;
    let routes: Vec<(String, String)> = served_routes(&w.app, &w.browsers[&Who::Admin])
        .await
        .into_iter()
        .filter(|(m, _)| !matches!(m.as_str(), "GET" | "HEAD" | "OPTIONS"))
        .collect();
    assert!(routes.len() > 75, "{}", routes.len());
    let digest = Digest::new(&w.url).await;
    let before = digest.take().await;
    let admin = &w.browsers[&Who::Admin];
    let mut checked = 0;
    for (method, path) in &routes {
        let concrete: String = path
            .split('/')
            .map(|s| match s {
                "{party}" => "supporters".to_string(),
                "{decision}" => "accept".to_string(),
                s if s.starts_with('{') => w.ids["issue"].to_string(),
                s => s.to_string(),
            })
            .collect::<Vec<_>>()
            .join("/");
        let m = Method::from_bytes(method.as_bytes()).unwrap();
        for attempt in ["none", "wrong", "cross-origin"] {
            let mut rb = admin.client.request(m.clone(), w.app.url(&concrete));
            rb = match attempt {
                "none" => rb.form(&[("title", "x")]),
                "wrong" => rb
                    .header("x-csrf-token", "forged")
                    .form(&[("csrf_token", "forged")]),
                _ => rb
                    .header("origin", "https://evil.example")
                    .header("x-csrf-token", &admin.csrf)
                    .form(&[("csrf_token", admin.csrf.as_str())]),
            };
            let res = rb.send().await.unwrap();
            let status = res.status();
            let body = res.text().await.unwrap();
            assert_eq!(status, 403, "{method} {path} ({attempt}): {body:.300}");
            if is_api(path) {
                assert!(
                    body.contains("\"code\":\"csrf_failed\""),
                    "{method} {path}: {body:.200}"
                );
            } else {
                assert!(body.contains("csrf_failed"), "{method} {path}: {body:.200}");
            }
            checked += 1;
        }
    }
    let after = digest.take().await;
    assert_eq!(
        changed(&before, &after),
        Vec::<String>::new(),
        "nothing changed"
    );

    // The same session with the token is let through (to the route's own answer), and
    // an API call by bearer token needs no CSRF token at all.
    let res = admin
        .client
        .post(w.app.url("/inbox/read"))
        .form(&[("csrf_token", admin.csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let res = reqwest::Client::new()
        .post(w.app.url("/api/v1/findings"))
        .bearer_auth(&w.tokens[&Who::Worker])
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    assert_ne!(res.status(), 403, "a bearer token needs no CSRF token");
    assert!(res.status().is_client_error());
    crate::common::notice(&format!(
        "CSRF ({db:?}): {} state-changing routes × 3 forged requests = {checked} refused",
        routes.len()
    ));
}

async fn the_session_cookie_is_http_only_same_site_and_secure_when_asked(db: Db) {
    let t = TestDb::create(db).await.unwrap();
    for secure in [false, true] {
        let app = TestApp::start_with(
            &t,
            WebSettings {
                secure_cookies: secure,
                ..WebSettings::default()
            },
        )
        .await;
        let res = bare().get(app.url("/login")).send().await.unwrap();
        let cookie = set_cookie(&res, "gs_session")
            .expect("session cookie")
            .to_string();
        let attrs: Vec<String> = cookie
            .split(';')
            .skip(1)
            .map(|a| a.trim().to_ascii_lowercase())
            .collect();
        assert!(attrs.contains(&"httponly".to_string()), "{cookie}");
        assert!(attrs.contains(&"samesite=lax".to_string()), "{cookie}");
        assert!(attrs.contains(&"path=/".to_string()), "{cookie}");
        assert_eq!(attrs.contains(&"secure".to_string()), secure, "{cookie}");
        assert!(
            !attrs.iter().any(|a| a.starts_with("domain=")),
            "host-only: {cookie}"
        );
        app.stop().await;
    }
}

async fn signing_out_everywhere_else_ends_the_other_sessions_only(db: Db) {
    let t = TestDb::create(db).await.unwrap();
    let one = TestApp::start(&t).await;
    let two = TestApp::start(&t).await;
    let id = one.user("w@example.org", Role::Worker, "Station").await;
    let (token, _) = api_token(&one, id, "script").await;
    let laptop = sign_in(&one, "w@example.org").await;
    let phone = sign_in(&one, "w@example.org").await;
    let tablet = sign_in(&two, "w@example.org").await;
    let other_user = {
        one.user("v@example.org", Role::Worker, "Station").await;
        sign_in(&one, "v@example.org").await
    };

    let page = laptop
        .client
        .get(one.url("/account"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("action=\"/account/sessions/end-others\""));
    assert!(page.contains("Sign out everywhere else"));
    let res = laptop
        .client
        .post(one.url("/account/sessions/end-others"))
        .form(&[("csrf_token", laptop.csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/account#sessions");

    let status = |b: &reqwest::Client, app: &TestApp| {
        let req = b.get(app.url("/account"));
        async move { req.send().await.unwrap().status() }
    };
    let res = laptop.client.get(one.url("/account")).send().await.unwrap();
    assert_eq!(res.status(), 200, "this session stays");
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Every other session has been signed out")
    );
    assert_eq!(
        status(&phone.client, &one).await,
        303,
        "the phone is signed out"
    );
    assert_eq!(
        status(&tablet.client, &two).await,
        303,
        "so is the session on the other instance"
    );
    assert_eq!(
        status(&other_user.client, &one).await,
        200,
        "other people's sessions are untouched"
    );
    // This session's forms still work (CSRF token kept), and API tokens go on.
    let res = laptop
        .client
        .post(one.url("/inbox/read"))
        .form(&[("csrf_token", laptop.csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let res = bare()
        .get(two.url("/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "API tokens are revoked separately");
    assert!(
        one.store
            .audit_of("user", id)
            .await
            .unwrap()
            .iter()
            .any(|e| e.action == "user.other_sessions_ended")
    );
    // The phone signs in again as usual.
    assert_eq!(
        login(&one, &client(), "w@example.org", PASSWORD)
            .await
            .status(),
        303
    );
    one.stop().await;
    two.stop().await;
}

async fn a_revoked_token_is_refused_at_once_by_every_instance(db: Db) {
    let t = TestDb::create(db).await.unwrap();
    let one = TestApp::start(&t).await;
    let two = TestApp::start(&t).await;
    let id = one.user("w@example.org", Role::Worker, "Station").await;
    let (secret, token_id) = api_token(&one, id, "script").await;
    let (kept, _) = api_token(&one, id, "other script").await;
    for app in [&one, &two] {
        let res = bare()
            .get(app.url("/api/v1/me"))
            .bearer_auth(&secret)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
    }
    // Revoked from the account page on instance one…
    let b = sign_in(&one, "w@example.org").await;
    let res = b
        .client
        .post(one.url(&format!("/account/tokens/{token_id}/revoke")))
        .form(&[("csrf_token", b.csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    // …the very next request fails on both instances, with the JSON error.
    for app in [&two, &one] {
        let res = bare()
            .post(app.url("/api/v1/findings"))
            .bearer_auth(&secret)
            .json(&serde_json::json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401);
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body["error"]["code"], "invalid_token");
        let res = bare()
            .get(app.url("/api/v1/me"))
            .bearer_auth(&secret)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401);
        // The other token goes on.
        let res = bare()
            .get(app.url("/api/v1/me"))
            .bearer_auth(&kept)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
    }
    // Someone else cannot revoke it (their request answers 404 and changes nothing).
    let (victim, victim_id) = api_token(&one, id, "victim").await;
    one.user("x@example.org", Role::Admin, "Station").await;
    let x = sign_in(&one, "x@example.org").await;
    let res = x
        .client
        .post(one.url(&format!("/account/tokens/{victim_id}/revoke")))
        .form(&[("csrf_token", x.csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let res = bare()
        .get(two.url("/api/v1/me"))
        .bearer_auth(&victim)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    one.stop().await;
    two.stop().await;
}

/// Signs in through the form from `ip` (the app trusts X-Forwarded-For).
async fn login_from(app: &TestApp, ip: &str, email: &str, password: &str) -> reqwest::Response {
    let c = client();
    let page = c
        .get(app.url("/login"))
        .header("x-forwarded-for", ip)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token = csrf_from(&page);
    c.post(app.url("/login"))
        .header("x-forwarded-for", ip)
        .form(&[
            ("email", email),
            ("password", password),
            ("csrf_token", token.as_str()),
            ("next", "/"),
        ])
        .send()
        .await
        .unwrap()
}

/// An attacker hammering the victim's account from elsewhere slows guessing but cannot
/// keep the victim out: from an address where the account signed in before, the right
/// password works at once; from a new address the wait is at most five minutes; and
/// attempts refused for waiting do not make the wait longer.
async fn an_attackers_failures_cannot_lock_the_victim_out(db: Db) {
    use groundswell::domain::login_throttle::MAX_DELAY;
    let t = TestDb::create(db).await.unwrap();
    let app = TestApp::start_with(
        &t,
        WebSettings {
            trust_forwarded_for: true,
            ..WebSettings::default()
        },
    )
    .await;
    app.user("victim@example.org", Role::Worker, "Station")
        .await;
    let (home, attacker, cafe) = ("10.0.0.7", "203.0.113.9", "198.51.100.4");
    let res = login_from(&app, home, "victim@example.org", PASSWORD).await;
    assert_eq!(res.status(), 303, "the victim signs in at home");

    // The attacker fails five times, then is slowed (their own right guess would wait too).
    for _ in 0..5 {
        let res = login_from(&app, attacker, "victim@example.org", "guess-guess-guess").await;
        assert_eq!(res.status(), 401);
    }
    let res = login_from(&app, attacker, "victim@example.org", PASSWORD).await;
    assert_eq!(res.status(), 429);
    // A long campaign: many more failures, from many places, in the window.
    let now = chrono::Utc::now();
    for i in 0..40 {
        app.store
            .record_login_failure("victim@example.org", &format!("203.0.113.{}", 10 + i), now)
            .await
            .unwrap();
    }
    let count = || async {
        app.store
            .recent_login_failures(
                "victim@example.org",
                attacker,
                chrono::Utc::now() - chrono::Duration::minutes(15),
            )
            .await
            .unwrap()
            .0
            .count
    };
    let before = count().await;
    for _ in 0..5 {
        let res = login_from(&app, attacker, "victim@example.org", "guess-guess-guess").await;
        assert_eq!(res.status(), 429);
        let wait: i64 = res.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(wait <= MAX_DELAY.num_seconds(), "bounded: {wait}s");
    }
    assert_eq!(count().await, before, "refused attempts are not counted");

    // From a café the victim never used: slowed, for at most the cap.
    let res = login_from(&app, cafe, "victim@example.org", PASSWORD).await;
    assert_eq!(res.status(), 429);
    let wait: i64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(wait > 0 && wait <= MAX_DELAY.num_seconds(), "{wait}s");

    // From home: in at once, and the slate is wiped.
    let res = login_from(&app, home, "victim@example.org", PASSWORD).await;
    assert_eq!(res.status(), 303, "the victim is not locked out");
    assert_eq!(count().await, 0);
    // A wrong password from home is still a failure like any other.
    let res = login_from(&app, home, "victim@example.org", "guess-guess-guess").await;
    assert_eq!(res.status(), 401);
    app.stop().await;
}

crate::both_databases!(
    an_attackers_failures_cannot_lock_the_victim_out,
    signing_in_gives_a_new_session_id_and_a_planted_one_is_worthless,
    every_state_changing_route_needs_the_csrf_token,
    the_session_cookie_is_http_only_same_site_and_secure_when_asked,
    signing_out_everywhere_else_ends_the_other_sessions_only,
    a_revoked_token_is_refused_at_once_by_every_instance,
);
