//! Writes over the API from several clients, what the server acknowledged, and the
//! checks that a database is whole: shared by the crash test and the backup test.

use std::collections::{BTreeMap, BTreeSet};

use groundswell::domain::account::{NewPassword, OrgKind};
use groundswell::domain::role::Role;
use groundswell::domain::{password, token};
use groundswell::ops::copy::{Db as OpsDb, Value};
use groundswell::store::findings::LocalityLevel;
use groundswell::store::{AuditEvent, DynStore, NewOrg, NewUser};
use serde_json::{Value as Json, json};

/// What the clients write into: one issue, one department, a place, a token.
#[derive(Clone, Debug)]
pub struct Workload {
    pub token: String,
    pub issue: i64,
    pub area: i64,
    pub locality: i64,
    pub department: i64,
}

pub async fn prepare(store: &DynStore) -> Workload {
    let ev = |a: &'static str| AuditEvent::new(a, None, None);
    let org = store
        .create_org(
            &NewOrg {
                name: "Ningbo Federation".into(),
                kind: OrgKind::Federation,
            },
            &ev("org.created"),
        )
        .await
        .unwrap();
    let hash = password::hash(&NewPassword::parse(crate::common::PASSWORD).unwrap())
        .await
        .unwrap();
    let user = store
        .create_user(
            &NewUser {
                email: "lin@example.org".into(),
                name: "Lin".into(),
                password_hash: hash,
                role: Role::Coordinator,
                org_id: org.id,
                locale: None,
            },
            &ev("user.created"),
        )
        .await
        .unwrap();
    let secret = token::generate();
    store
        .create_api_token(
            user.id,
            "workload",
            &token::hash(&secret),
            &ev("token.created"),
        )
        .await
        .unwrap();
    let city = store
        .create_locality(None, LocalityLevel::City, "宁波市", "Ningbo", &ev("l"))
        .await
        .unwrap();
    let district = store
        .create_locality(
            Some(city.id),
            LocalityLevel::District,
            "慈溪市",
            "Cixi",
            &ev("l"),
        )
        .await
        .unwrap();
    let area = store.list_policy_areas().await.unwrap()[0].id;
    let issue = crate::common::new_issue(store, area, user.id, "满 14 岁", "康复补贴停止").await;
    let department = crate::common::new_department(store, "宁波市教育局", "months", 3).await;
    Workload {
        token: secret,
        issue: issue.id,
        area,
        locality: district.id,
        department,
    }
}

/// Writes the server said it made (2xx with an id).
#[derive(Debug, Default, Clone)]
pub struct Acked {
    /// finding id → narrative
    pub findings: BTreeMap<i64, String>,
    /// findings linked to the workload's issue
    pub links: BTreeSet<i64>,
    pub submissions: BTreeSet<i64>,
    /// response id → submission id
    pub responses: BTreeMap<i64, i64>,
}

impl Acked {
    pub fn merge(&mut self, other: Acked) {
        self.findings.extend(other.findings);
        self.links.extend(other.links);
        self.submissions.extend(other.submissions);
        self.responses.extend(other.responses);
    }

    pub fn writes(&self) -> usize {
        self.findings.len() + self.links.len() + self.submissions.len() + self.responses.len()
    }
}

pub fn api_client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .unwrap()
}

async fn post(c: &reqwest::Client, url: String, token: &str, body: Json) -> Option<Json> {
    let res = c
        .post(url)
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .ok()?;
    let status = res.status();
    let body: Json = res.json().await.ok()?;
    assert!(
        status.is_success(),
        "a write was refused (not a crash): {status} {body}"
    );
    Some(body)
}

/// One client's step `n`: a finding, its link to the issue, and every third step a
/// submission with its response. Returns false once the server stops answering.
pub async fn step(
    c: &reqwest::Client,
    base: &str,
    w: &Workload,
    client: usize,
    n: usize,
    acked: &mut Acked,
) -> bool {
    let narrative =
        format!("客户端 {client} 第 {n} 条：康复补贴满 14 岁即停止 (client {client} step {n})");
    let Some(f) = post(
        c,
        format!("{base}/api/v1/findings"),
        &w.token,
        json!({
            "narrative": narrative,
            "policy_area_id": w.area,
            "locality_id": w.locality,
            "observed_on": "2026-10-01",
            "people_affected": 1 + (n % 3) as i64,
            "tags": ["crash", format!("c{client}")],
            "figures": [{"name": "康复补贴", "amount": 800.0, "unit": "元/月"}],
        }),
    )
    .await
    else {
        return false;
    };
    let id = f["id"].as_i64().expect("a finding id");
    acked.findings.insert(id, narrative);
    if post(
        c,
        format!("{base}/api/v1/issues/{}/findings", w.issue),
        &w.token,
        json!({ "finding_ids": [id] }),
    )
    .await
    .is_none()
    {
        return false;
    }
    acked.links.insert(id);
    if n.is_multiple_of(3) {
        let Some(s) = post(
            c,
            format!("{base}/api/v1/issues/{}/submissions", w.issue),
            &w.token,
            json!({ "department_id": w.department.to_string(), "handling": "lead", "channel": "letter", "submitted_on": "2026-10-09" }),
        )
        .await
        else {
            return false;
        };
        let sid = s["id"].as_i64().expect("a submission id");
        acked.submissions.insert(sid);
        let Some(r) = post(
            c,
            format!("{base}/api/v1/submissions/{sid}/responses"),
            &w.token,
            json!({ "responded_on": "2026-11-02", "classification": "B", "summary": "正在逐步解决", "commitments": "试点扩大 | 2026-12-31" }),
        )
        .await
        else {
            return false;
        };
        acked
            .responses
            .insert(r["id"].as_i64().expect("a response id"), sid);
    }
    true
}

async fn scalar(db: &OpsDb, sql: &str) -> i64 {
    match db {
        OpsDb::Sqlite(p) => sqlx::query_scalar(sql).fetch_one(p).await.unwrap(),
        OpsDb::Pg(p) => sqlx::query_scalar(sql).fetch_one(p).await.unwrap(),
    }
}

async fn table(db: &OpsDb, name: &str) -> (Vec<String>, Vec<Vec<Value>>) {
    let t = db
        .tables()
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.name == name)
        .unwrap_or_else(|| panic!("no table {name}"));
    let cols = t.columns.iter().map(|c| c.name.clone()).collect();
    (cols, db.rows(&t).await.unwrap())
}

fn col(cols: &[String], name: &str) -> usize {
    cols.iter().position(|c| c == name).unwrap()
}

fn int(v: &Value) -> i64 {
    match v {
        Value::Int(i) => *i,
        Value::Null => 0,
        other => panic!("not an integer: {other:?}"),
    }
}

fn text(v: &Value) -> String {
    match v {
        Value::Text(s) => s.clone(),
        Value::Null => String::new(),
        other => panic!("not text: {other:?}"),
    }
}

/// The database is whole: every acknowledged write is there and complete, and every
/// counter the writes keep equals a recount. Returns the number of findings.
pub async fn verify(url: &str, acked: &Acked, w: &Workload) -> usize {
    let db = OpsDb::open(url, false).await.unwrap();
    let (fc, findings) = table(&db, "findings").await;
    let (_, links) = table(&db, "issue_findings").await;
    let (vc, versions) = table(&db, "finding_versions").await;
    let (sc, submissions) = table(&db, "submissions").await;
    let (rc, responses) = table(&db, "responses").await;
    let (cc, counts) = table(&db, "finding_counts").await;
    let (ic, issues) = table(&db, "advocacy_issues").await;

    let by_id: BTreeMap<i64, &Vec<Value>> = findings
        .iter()
        .map(|r| (int(&r[col(&fc, "id")]), r))
        .collect();
    for (id, narrative) in &acked.findings {
        let row = by_id
            .get(id)
            .unwrap_or_else(|| panic!("acknowledged finding {id} is missing"));
        assert_eq!(
            &text(&row[col(&fc, "narrative")]),
            narrative,
            "finding {id}"
        );
    }
    let (lc, _) = table(&db, "issue_findings").await;
    let link_pairs: BTreeSet<(i64, i64)> = links
        .iter()
        .map(|r| {
            (
                int(&r[col(&lc, "issue_id")]),
                int(&r[col(&lc, "finding_id")]),
            )
        })
        .collect();
    for id in &acked.links {
        assert!(
            link_pairs.contains(&(w.issue, *id)),
            "acknowledged link of finding {id} is missing"
        );
    }
    // Each finding: its link counter equals its links, its versions are all there.
    let mut per_finding: BTreeMap<i64, i64> = BTreeMap::new();
    for (_, f) in &link_pairs {
        *per_finding.entry(*f).or_insert(0) += 1;
    }
    let mut version_rows: BTreeMap<i64, i64> = BTreeMap::new();
    for v in &versions {
        *version_rows
            .entry(int(&v[col(&vc, "finding_id")]))
            .or_insert(0) += 1;
    }
    let mut recount: BTreeMap<(String, i64, i64, i64), i64> = BTreeMap::new();
    for (id, row) in &by_id {
        assert_eq!(
            int(&row[col(&fc, "issue_link_count")]),
            per_finding.get(id).copied().unwrap_or(0),
            "finding {id}: link counter against its links"
        );
        assert_eq!(
            int(&row[col(&fc, "version")]) - 1,
            version_rows.get(id).copied().unwrap_or(0),
            "finding {id}: versions"
        );
        if row[col(&fc, "deleted_at")] == Value::Null {
            let path = text(&row[col(&fc, "locality_path")]);
            let district = path
                .split('/')
                .nth(2)
                .and_then(|d| d.parse().ok())
                .unwrap_or(0);
            let month = text(&row[col(&fc, "observed_on")])[..7].to_string();
            *recount
                .entry((
                    month,
                    int(&row[col(&fc, "policy_area_id")]),
                    district,
                    int(&row[col(&fc, "org_id")]),
                ))
                .or_insert(0) += 1;
        }
    }
    let kept: BTreeMap<(String, i64, i64, i64), i64> = counts
        .iter()
        .filter(|r| int(&r[col(&cc, "findings")]) != 0)
        .map(|r| {
            (
                (
                    text(&r[col(&cc, "month")]),
                    int(&r[col(&cc, "policy_area_id")]),
                    int(&r[col(&cc, "district_id")]),
                    int(&r[col(&cc, "org_id")]),
                ),
                int(&r[col(&cc, "findings")]),
            )
        })
        .collect();
    assert_eq!(kept, recount, "finding_counts against a recount");

    // Submissions and their answers.
    // submission → its first answer's date
    let mut answers: BTreeMap<i64, String> = BTreeMap::new();
    let response_ids: BTreeSet<i64> = responses
        .iter()
        .map(|r| {
            let on = text(&r[col(&rc, "responded_on")]);
            let first = answers
                .entry(int(&r[col(&rc, "submission_id")]))
                .or_insert(on.clone());
            if on < *first {
                *first = on;
            }
            int(&r[col(&rc, "id")])
        })
        .collect();
    let sub_ids: BTreeSet<i64> = submissions
        .iter()
        .map(|r| int(&r[col(&sc, "id")]))
        .collect();
    for s in &acked.submissions {
        assert!(
            sub_ids.contains(s),
            "acknowledged submission {s} is missing"
        );
    }
    for (r, s) in &acked.responses {
        assert!(
            response_ids.contains(r),
            "acknowledged response {r} to submission {s} is missing"
        );
    }
    // A response and its commitment are written together or not at all.
    let (kc, commitments) = table(&db, "commitments").await;
    let mut promised: BTreeMap<i64, i64> = BTreeMap::new();
    for c in &commitments {
        *promised
            .entry(int(&c[col(&kc, "response_id")]))
            .or_insert(0) += 1;
    }
    for r in &response_ids {
        assert_eq!(promised.get(r), Some(&1), "response {r}: its commitment");
    }
    // Each submission's answer summary equals its responses (written in their
    // transaction).
    for row in &submissions {
        let id = int(&row[col(&sc, "id")]);
        assert_eq!(
            text(&row[col(&sc, "answer_first_on")]),
            answers.get(&id).cloned().unwrap_or_default(),
            "submission {id}: first answer against its responses"
        );
        assert_eq!(
            int(&row[col(&sc, "awaiting_answer")]) == 1,
            !answers.contains_key(&id),
            "submission {id}: awaiting an answer against its responses"
        );
    }
    // The workload's issue exists once, unharmed.
    assert!(
        issues.iter().any(|r| int(&r[col(&ic, "id")]) == w.issue),
        "the issue is gone"
    );
    let n = scalar(&db, "SELECT COUNT(*) FROM findings").await as usize;
    db.close().await;
    n
}
