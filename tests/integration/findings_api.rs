//! `/api/v1/findings` on both databases: the guard answers 422 with each hit's field,
//! kind and position; private fields follow the organisation; PATCH keeps versions.

use groundswell::domain::role::Role;
use groundswell::domain::token;
use groundswell::store::AuditEvent;
use serde_json::{Value, json};

use crate::common::{Db, TestApp, TestDb};
use crate::findings_store::world;

async fn bearer(app: &TestApp, email: &str) -> String {
    let user = app.store.user_by_email(email).await.unwrap().unwrap();
    let secret = token::generate();
    app.store
        .create_api_token(
            user.id,
            "test",
            &token::hash(&secret),
            &AuditEvent::new("token.created", None, None),
        )
        .await
        .unwrap();
    secret
}

async fn the_api_records_reads_changes_and_deletes_findings(db: Db) {
    let t = TestDb::create(db).await.unwrap();
    let w = world(&t).await;
    w.app
        .user(
            "senior-other@example.org",
            Role::Senior,
            "Bate Community Station",
        )
        .await;
    let mine = bearer(&w.app, "worker@example.org").await;
    let theirs = bearer(&w.app, "senior-other@example.org").await;
    let api = reqwest::Client::new();
    let url = w.app.url("/api/v1/findings");

    let body = json!({
        "narrative": "自闭症儿童满14岁后失去健康教育补贴。母亲手机13812345678。",
        "policy_area_id": w.area,
        "locality_id": w.community,
        "observed_on": "2026-11-20",
        "people_affected": 2,
        "age_min": 14,
        "threshold": {"benefit": "健康教育补贴", "kind": "age", "value": "14"},
        "figures": [{"name": "一对一康复费用", "amount": 4500, "unit": "元/月"}],
        "tags": ["自闭症", "14岁"],
        "case_reference": "QSW-017"
    });
    // Personal data: 422 with the hit's field, kind and character offsets.
    let res = api
        .post(&url)
        .bearer_auth(&mine)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let err: Value = res.json().await.unwrap();
    assert_eq!(err["error"]["code"], "personal_data");
    let hit = &err["error"]["hits"][0];
    assert_eq!(hit["field"], "narrative");
    assert_eq!(hit["kind"], "mobile");
    let narrative = body["narrative"].as_str().unwrap();
    let chars: Vec<char> = narrative.chars().collect();
    let found: String = chars
        [hit["start"].as_u64().unwrap() as usize..hit["end"].as_u64().unwrap() as usize]
        .iter()
        .collect();
    assert_eq!(found, "13812345678");
    assert!(
        w.app
            .store
            .search_findings(&Default::default())
            .await
            .unwrap()
            .is_empty()
    );

    // Confirmed with a reason: created.
    let mut confirmed = body.clone();
    confirmed["confirm_personal_data"] = json!({"reason": "the support centre's public number"});
    let res = api
        .post(&url)
        .bearer_auth(&mine)
        .json(&confirmed)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let location = res.headers()["location"].to_str().unwrap().to_string();
    let created: Value = res.json().await.unwrap();
    let id = created["id"].as_i64().unwrap();
    assert_eq!(location, format!("/api/v1/findings/{id}"));
    assert_eq!(created["figures"][0]["amount"], 4500.0);
    assert_eq!(created["threshold"]["kind"], "age");
    assert_eq!(created["case_reference"], "QSW-017");

    // Another organisation's senior sees it without private fields.
    let other: Value = api
        .get(w.app.url(&format!("/api/v1/findings/{id}")))
        .bearer_auth(&theirs)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(other["narrative"], created["narrative"]);
    assert!(other.get("case_reference").is_none(), "{other}");
    // …and may not change or delete it.
    let res = api
        .patch(w.app.url(&format!("/api/v1/findings/{id}")))
        .bearer_auth(&theirs)
        .json(&json!({"people_affected": 9}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let res = api
        .delete(w.app.url(&format!("/api/v1/findings/{id}")))
        .bearer_auth(&theirs)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);

    // PATCH changes only what it names and keeps a version; a stale version is a 409.
    let res = api
        .patch(w.app.url(&format!("/api/v1/findings/{id}")))
        .bearer_auth(&mine)
        .json(&json!({"people_affected": 3, "version": 1, "case_reference": null}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let patched: Value = res.json().await.unwrap();
    assert_eq!(patched["people_affected"], 3);
    assert_eq!(patched["version"], 2);
    assert_eq!(patched["tags"], json!(["14岁", "自闭症"]));
    assert!(patched.get("case_reference").is_none(), "null cleared it");
    let res = api
        .patch(w.app.url(&format!("/api/v1/findings/{id}")))
        .bearer_auth(&mine)
        .json(&json!({"people_affected": 4, "version": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 409);
    assert_eq!(w.app.store.finding_versions(id).await.unwrap().len(), 1);

    // Search through the API.
    let page: Value = api
        .get(format!("{url}?q=补贴"))
        .bearer_auth(&theirs)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    assert!(page["next"].is_null());
    let res = api
        .get(format!("{url}?from=not-a-date"))
        .bearer_auth(&theirs)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let err: Value = res.json().await.unwrap();
    assert_eq!(err["error"]["code"], "validation_failed");
    assert_eq!(err["error"]["fields"][0]["field"], "from");

    let res = api
        .delete(w.app.url(&format!("/api/v1/findings/{id}")))
        .bearer_auth(&mine)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let res = api
        .get(w.app.url(&format!("/api/v1/findings/{id}")))
        .bearer_auth(&mine)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    w.app.stop().await;
}

async fn bad_api_input_gets_field_errors_and_saves_nothing(db: Db) {
    let t = TestDb::create(db).await.unwrap();
    let w = world(&t).await;
    let mine = bearer(&w.app, "worker@example.org").await;
    let api = reqwest::Client::new();
    let url = w.app.url("/api/v1/findings");
    let res = api
        .post(&url)
        .bearer_auth(&mine)
        .json(&json!({
            "narrative": "",
            "policy_area_id": 999,
            "locality_id": w.community,
            "observed_on": "2099-01-01",
            "people_affected": -1,
            "figures": [{"name": "allowance", "amount": 800, "unit": ""}]
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let err: Value = res.json().await.unwrap();
    assert_eq!(err["error"]["code"], "validation_failed");
    let fields: Vec<&str> = err["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    for f in [
        "narrative",
        "observed_on",
        "people_affected",
        "figures.0.unit",
    ] {
        assert!(fields.contains(&f), "{f} missing from {fields:?}");
    }
    // Malformed JSON and unknown fields are JSON errors too.
    let res = api
        .post(&url)
        .bearer_auth(&mine)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let err: Value = res.json().await.unwrap();
    assert_eq!(err["error"]["code"], "bad_request");
    let res = api
        .post(&url)
        .bearer_auth(&mine)
        .json(&json!({"narative": "typo"}))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_client_error());
    let err: Value = res.json().await.unwrap();
    assert!(err["error"]["code"].is_string());
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
    the_api_records_reads_changes_and_deletes_findings,
    bad_api_input_gets_field_errors_and_saves_nothing,
);
