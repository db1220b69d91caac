//! The world the authorisation matrix and the session tests run in: the Ningbo demo
//! (issues at every stage with submissions, answers, commitments, proposals,
//! departments, parameters, candidates), plus two organisations of our own — every
//! role in "Station A", a worker and a senior worker in "Station B" — with findings
//! carrying private fields, tokens, notifications, a report job, an import batch, an
//! attachment, evidence, a proposed link and the parties of an issue.

use std::collections::HashMap;

use chrono::Utc;
use groundswell::domain::finding::{FindingInput, validate};
use groundswell::domain::role::Role;
use groundswell::domain::token;
use groundswell::store::AuditEvent;
use groundswell::store::findings::Author;
use groundswell::store::issues::{NewAttachment, NewEvidence, Party};

use crate::common::{PASSWORD, TestApp, TestDb, client, csrf, login};

/// Who asks: anonymous, each role in organisation A, and two users of organisation B.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Who {
    Anonymous,
    Viewer,
    Worker,
    Senior,
    Coordinator,
    Admin,
    OtherWorker,
    OtherSenior,
}

impl Who {
    pub const ALL: [Who; 8] = [
        Who::Anonymous,
        Who::Viewer,
        Who::Worker,
        Who::Senior,
        Who::Coordinator,
        Who::Admin,
        Who::OtherWorker,
        Who::OtherSenior,
    ];

    /// The column heading in docs/AUTHORIZATION.md.
    pub fn heading(self) -> &'static str {
        match self {
            Who::Anonymous => "anonymous",
            Who::Viewer => "viewer",
            Who::Worker => "worker",
            Who::Senior => "senior",
            Who::Coordinator => "coordinator",
            Who::Admin => "admin",
            Who::OtherWorker => "B worker",
            Who::OtherSenior => "B senior",
        }
    }

    pub fn from_heading(h: &str) -> Option<Who> {
        Who::ALL.into_iter().find(|w| w.heading() == h.trim())
    }

    pub fn account(self) -> Option<(&'static str, Role, &'static str)> {
        Some(match self {
            Who::Anonymous => return None,
            Who::Viewer => ("viewer@a.example", Role::Viewer, ORG_A),
            Who::Worker => ("worker@a.example", Role::Worker, ORG_A),
            Who::Senior => ("senior@a.example", Role::Senior, ORG_A),
            Who::Coordinator => ("coordinator@a.example", Role::Coordinator, ORG_A),
            Who::Admin => ("admin@a.example", Role::Admin, ORG_A),
            Who::OtherWorker => ("worker@b.example", Role::Worker, ORG_B),
            Who::OtherSenior => ("senior@b.example", Role::Senior, ORG_B),
        })
    }
}

pub const ORG_A: &str = "Station A";
pub const ORG_B: &str = "Station B";
/// Private fields of A's finding: never shown to anyone outside A but admins.
pub const CASE_A: &str = "CASE-A-PRIVATE-7731";
pub const NOTES_A: &str = "NOTES-A-PRIVATE-about-the-family";
pub const CASE_B: &str = "CASE-B-PRIVATE-4410";
pub const NOTES_B: &str = "NOTES-B-PRIVATE-about-the-family";

/// A signed-in browser (cookie jar) and its CSRF token.
pub struct Browser {
    pub client: reqwest::Client,
    pub csrf: String,
}

pub struct AuthzWorld {
    pub app: TestApp,
    pub url: String,
    pub users: HashMap<Who, i64>,
    pub orgs: (i64, i64),
    pub browsers: HashMap<Who, Browser>,
    pub tokens: HashMap<Who, String>,
    /// Named objects: `finding.a`, `finding.b`, `issue`, `submission`…
    pub ids: HashMap<&'static str, i64>,
    /// Users whose objects exist for "someone else's" checks.
    pub other_worker_a: i64,
    pub spare_user: i64,
    pub area: i64,
    pub locality: i64,
}

/// Runs a query returning one integer on either database.
pub async fn sql_i64(url: &str, q: &str) -> Option<i64> {
    use sqlx::Connection;
    if url.starts_with("sqlite:") {
        let mut c = sqlx::SqliteConnection::connect(url).await.unwrap();
        let v: Option<i64> = sqlx::query_scalar(q).fetch_optional(&mut c).await.unwrap();
        c.close().await.ok();
        v
    } else {
        let mut c = sqlx::PgConnection::connect(url).await.unwrap();
        let v: Option<i64> = sqlx::query_scalar(q).fetch_optional(&mut c).await.unwrap();
        c.close().await.ok();
        v
    }
}

/// A text digest of every table (sessions and per-request bookkeeping left out), to
/// prove that a refused request changed nothing.
pub struct Digest {
    url: String,
    tables: Vec<(String, Vec<String>)>,
}

/// Columns that move on reads or in the background, not because of what was asked.
const MOVES_BY_ITSELF: &[(&str, &str)] = &[
    ("api_tokens", "last_used_at"),
    ("report_jobs", "status"),
    ("report_jobs", "progress"),
    ("report_jobs", "step"),
    ("report_jobs", "error"),
    ("report_jobs", "filename"),
    ("report_jobs", "content_type"),
    ("report_jobs", "result"),
    ("report_jobs", "updated_at"),
    ("report_jobs", "finished_at"),
];

impl Digest {
    pub async fn new(url: &str) -> Digest {
        use sqlx::Connection;
        let mut tables: Vec<(String, Vec<String>)> = Vec::new();
        let names: Vec<(String, String)> = if url.starts_with("sqlite:") {
            let mut c = sqlx::SqliteConnection::connect(url).await.unwrap();
            let v = sqlx::query_as(
                "SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p \
                 WHERE m.type = 'table' ORDER BY m.name, p.cid",
            )
            .fetch_all(&mut c)
            .await
            .unwrap();
            c.close().await.ok();
            v
        } else {
            let mut c = sqlx::PgConnection::connect(url).await.unwrap();
            let v = sqlx::query_as(
                "SELECT table_name::text, column_name::text FROM information_schema.columns \
                 WHERE table_schema = 'public' ORDER BY table_name, ordinal_position",
            )
            .fetch_all(&mut c)
            .await
            .unwrap();
            c.close().await.ok();
            v
        };
        for (t, col) in names {
            if t == "tower_sessions" || t.starts_with("_sqlx") || t.starts_with("sqlite_") {
                continue;
            }
            if MOVES_BY_ITSELF.contains(&(t.as_str(), col.as_str())) {
                continue;
            }
            match tables.last_mut() {
                Some((name, cols)) if *name == t => cols.push(col),
                _ => tables.push((t, vec![col])),
            }
        }
        Digest {
            url: url.to_string(),
            tables,
        }
    }

    /// Every table's rows as text, one string per table.
    pub async fn take(&self) -> Vec<(String, String)> {
        use sqlx::Connection;
        let sqlite = self.url.starts_with("sqlite:");
        let mut out = Vec::new();
        let queries: Vec<(String, String)> = self
            .tables
            .iter()
            .map(|(t, cols)| {
                let row = cols
                    .iter()
                    .map(|c| {
                        if sqlite {
                            format!("quote(\"{c}\")")
                        } else {
                            format!("coalesce(\"{c}\"::text, '∅')")
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(" || ',' || ");
                let q = if sqlite {
                    format!(
                        "SELECT coalesce(group_concat(r, '|'), '') FROM (SELECT {row} AS r FROM \"{t}\" ORDER BY r)"
                    )
                } else {
                    format!("SELECT coalesce(string_agg({row}, '|' ORDER BY {row}), '') FROM \"{t}\"")
                };
                (t.clone(), q)
            })
            .collect();
        if sqlite {
            let mut c = sqlx::SqliteConnection::connect(&self.url).await.unwrap();
            for (t, q) in queries {
                let v: String = sqlx::query_scalar(&q).fetch_one(&mut c).await.unwrap();
                out.push((t, v));
            }
            c.close().await.ok();
        } else {
            let mut c = sqlx::PgConnection::connect(&self.url).await.unwrap();
            for (t, q) in queries {
                let v: String = sqlx::query_scalar(&q).fetch_one(&mut c).await.unwrap();
                out.push((t, v));
            }
            c.close().await.ok();
        }
        out
    }
}

/// The tables whose contents differ between two digests.
pub fn changed(before: &[(String, String)], after: &[(String, String)]) -> Vec<String> {
    before
        .iter()
        .zip(after)
        .filter(|(a, b)| a.1 != b.1)
        .map(|(a, _)| a.0.clone())
        .collect()
}

pub async fn api_token(app: &TestApp, user_id: i64, label: &str) -> (String, i64) {
    let secret = token::generate();
    let row = app
        .store
        .create_api_token(
            user_id,
            label,
            &token::hash(&secret),
            &AuditEvent::new("token.created", Some(user_id), None),
        )
        .await
        .unwrap();
    (secret, row.id)
}

pub async fn sign_in(app: &TestApp, email: &str) -> Browser {
    let c = client();
    let res = login(app, &c, email, PASSWORD).await;
    assert_eq!(res.status(), 303, "sign in as {email}");
    let csrf = csrf(app, &c, "/account").await;
    Browser { client: c, csrf }
}

pub async fn anonymous_browser(app: &TestApp) -> Browser {
    let c = client();
    let csrf = csrf(app, &c, "/login").await;
    Browser { client: c, csrf }
}

fn finding_input(
    narrative: &str,
    area: i64,
    locality: i64,
    case: &str,
    notes: &str,
) -> FindingInput {
    FindingInput {
        narrative: narrative.into(),
        policy_area_id: area.to_string(),
        locality_id: locality.to_string(),
        observed_on: "2026-10-20".into(),
        people_affected: "2".into(),
        case_reference: case.into(),
        private_notes: notes.into(),
        ..Default::default()
    }
}

impl AuthzWorld {
    pub async fn build(t: &TestDb) -> AuthzWorld {
        let app = TestApp::start(t).await;
        groundswell::seed::load_demo(&app.store, groundswell::i18n::Lang::En)
            .await
            .unwrap();
        let mut users = HashMap::new();
        for who in Who::ALL {
            if let Some((email, role, org)) = who.account() {
                users.insert(who, app.user(email, role, org).await);
            }
        }
        let orgs = (app.org(ORG_A).await, app.org(ORG_B).await);
        let other_worker_a = app.user("worker2@a.example", Role::Worker, ORG_A).await;
        let spare_user = app.user("spare@a.example", Role::Worker, ORG_A).await;

        let mut w = AuthzWorld {
            url: t.url.clone(),
            users,
            orgs,
            browsers: HashMap::new(),
            tokens: HashMap::new(),
            ids: HashMap::new(),
            other_worker_a,
            spare_user,
            area: app.store.list_policy_areas().await.unwrap()[0].id,
            locality: 0,
            app,
        };
        w.locality = sql_i64(
            &w.url,
            "SELECT id FROM localities WHERE level = 'community' ORDER BY id LIMIT 1",
        )
        .await
        .unwrap();

        // Neighbouring findings: A's (with private fields), then B's with the next id.
        let fa = w
            .finding(
                Who::Worker,
                "A's finding: the subsidy stops at fourteen",
                CASE_A,
                NOTES_A,
            )
            .await;
        let fb = w
            .finding(
                Who::OtherWorker,
                "B's finding: respite care has no budget",
                CASE_B,
                NOTES_B,
            )
            .await;
        assert_eq!(fb, fa + 1, "the two findings are neighbours");
        let fa2 = w
            .finding_by(
                w.other_worker_a,
                w.orgs.0,
                "A's other worker's finding",
                "CASE-A2",
                "",
            )
            .await;
        let fa3 = w
            .finding(Who::Worker, "A's finding proposed for the issue", "", "")
            .await;
        w.ids.insert("finding.a", fa);
        w.ids.insert("finding.b", fb);
        w.ids.insert("finding.a2", fa2);
        w.ids.insert("finding.a3", fa3);

        // The issue: a demo issue with a submission, an answer and a commitment.
        let issue = sql_i64(
            &w.url,
            "SELECT s.issue_id FROM submissions s JOIN responses r ON r.submission_id = s.id \
             JOIN commitments c ON c.response_id = r.id ORDER BY s.issue_id LIMIT 1",
        )
        .await
        .expect("a demo issue with a commitment");
        w.ids.insert("issue", issue);
        for (name, q) in [
            (
                "submission",
                format!(
                    "SELECT s.id FROM submissions s JOIN responses r ON r.submission_id = s.id \
                     JOIN commitments c ON c.response_id = r.id WHERE s.issue_id = {issue} ORDER BY s.id LIMIT 1"
                ),
            ),
            (
                "response",
                format!(
                    "SELECT r.id FROM responses r JOIN submissions s ON s.id = r.submission_id \
                     JOIN commitments c ON c.response_id = r.id WHERE s.issue_id = {issue} ORDER BY r.id LIMIT 1"
                ),
            ),
            (
                "commitment",
                format!(
                    "SELECT c.id FROM commitments c JOIN responses r ON r.id = c.response_id \
                     JOIN submissions s ON s.id = r.submission_id WHERE s.issue_id = {issue} ORDER BY c.id LIMIT 1"
                ),
            ),
            (
                "proposal_version",
                format!(
                    "SELECT id FROM proposal_versions WHERE issue_id = {issue} ORDER BY id LIMIT 1"
                ),
            ),
            (
                "department",
                "SELECT id FROM departments ORDER BY id LIMIT 1".to_string(),
            ),
            (
                "parameter",
                "SELECT id FROM policy_parameters ORDER BY id LIMIT 1".to_string(),
            ),
            (
                "candidate",
                "SELECT id FROM gap_candidates ORDER BY id LIMIT 1".to_string(),
            ),
            (
                "locality",
                "SELECT id FROM localities ORDER BY id LIMIT 1".to_string(),
            ),
        ] {
            let id = sql_i64(&w.url, &q)
                .await
                .unwrap_or_else(|| panic!("{name}"));
            w.ids.insert(name, id);
        }
        w.ids.insert("area", w.area);
        w.ids.insert("org", w.orgs.1);
        w.ids.insert("user", w.spare_user);

        let s = w.app.store.clone();
        let senior = w.users[&Who::Senior];
        let ev =
            |a: &'static str| AuditEvent::new(a, Some(senior), None).subject("issue", Some(issue));
        s.link_findings(issue, &[fa, fb], &ev("issue.findings_linked"))
            .await
            .unwrap();
        s.propose_link(issue, fa3, &ev("issue.link_proposed"))
            .await
            .unwrap();
        let evidence = s
            .add_evidence(
                issue,
                &NewEvidence {
                    kind: "statistic",
                    title: "Children turning 14 each year".into(),
                    detail: "about 120".into(),
                    source: "Education bureau".into(),
                    url: None,
                },
                &ev("issue.evidence_added"),
            )
            .await
            .unwrap();
        w.ids.insert("evidence", evidence);
        let png = minimal_png();
        let attachment = s
            .add_attachment(
                issue,
                &NewAttachment {
                    filename: "chart.png".into(),
                    content_type: "image/png",
                    sha256: sha256_hex(&png),
                    content: png,
                },
                &ev("issue.attachment_added"),
            )
            .await
            .unwrap();
        w.ids.insert("attachment", attachment);
        s.add_party(
            issue,
            Party::Supporter,
            w.orgs.1,
            &ev("issue.supporter_added"),
        )
        .await
        .unwrap();
        w.ids.insert("supporter", w.orgs.1);

        // Per person: an API token, a notification, a browser signed in.
        for who in Who::ALL {
            let Some(&uid) = w.users.get(&who) else {
                continue;
            };
            let (secret, _) = api_token(&w.app, uid, "matrix").await;
            w.tokens.insert(who, secret);
            w.notification(uid).await;
        }
        for who in Who::ALL {
            let b = match who.account() {
                Some((email, ..)) => sign_in(&w.app, email).await,
                None => anonymous_browser(&w.app).await,
            };
            w.browsers.insert(who, b);
        }
        // Someone else's objects: worker 2's notification and token, the senior's
        // report job, worker 2's import batch.
        w.notification(w.other_worker_a).await;
        let (_, tok) = api_token(&w.app, w.other_worker_a, "not yours").await;
        w.ids.insert("token.other", tok);
        let job = w.report_job(Who::Senior).await;
        w.ids.insert("job", job);
        let batch = s
            .create_import_batch(
                w.orgs.0,
                w.users[&Who::Worker],
                "cases.csv",
                "narrative,policy area\nA gap,x\n".as_bytes(),
                Utc::now(),
            )
            .await
            .unwrap();
        w.ids.insert("import", batch);
        w
    }

    pub fn author(&self, user: i64, org: i64) -> Author {
        Author {
            user_id: user,
            org_id: org,
            at: Utc::now(),
            ip: None,
        }
    }

    pub async fn finding(&self, who: Who, narrative: &str, case: &str, notes: &str) -> i64 {
        let org = match who {
            Who::OtherWorker | Who::OtherSenior => self.orgs.1,
            _ => self.orgs.0,
        };
        self.finding_by(self.users[&who], org, narrative, case, notes)
            .await
    }

    pub async fn finding_by(
        &self,
        user: i64,
        org: i64,
        narrative: &str,
        case: &str,
        notes: &str,
    ) -> i64 {
        let input = finding_input(narrative, self.area, self.locality, case, notes);
        let draft = validate(&input, groundswell::domain::finding::today_in_china()).unwrap();
        crate::findings_store::save(&self.app.store, &self.author(user, org), &draft).await
    }

    /// A notification in `user`'s inbox; its id.
    pub async fn notification(&self, user: i64) -> i64 {
        let made = self
            .app
            .store
            .notify(
                &[user],
                &groundswell::store::inbox::NewNotification {
                    kind: "response",
                    issue_id: Some(self.ids.get("issue").copied().unwrap_or(1)),
                    message_key: "inbox.response",
                    params: serde_json::json!({}),
                    dedupe_key: format!("authz-{user}-{}", token::random_secret()),
                },
                Utc::now(),
            )
            .await
            .unwrap();
        made[0].1
    }

    /// A report job requested (and finished) through the page; its id.
    pub async fn report_job(&self, who: Who) -> i64 {
        let b = &self.browsers[&who];
        let res = b
            .client
            .post(self.app.url("/reports"))
            .form(&[
                ("from", "2026-01-01"),
                ("to", "2026-03-31"),
                ("format", "csv"),
                ("csrf_token", b.csrf.as_str()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303, "report requested");
        let at = res.headers()["location"].to_str().unwrap().to_string();
        let id: i64 = at.trim_start_matches("/reports/jobs/").parse().unwrap();
        for _ in 0..600 {
            if let Some(j) = self.app.store.report_job(id).await.unwrap()
                && (j.status == "done" || j.status == "failed")
            {
                assert_eq!(j.status, "done");
                return id;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("report job {id} did not finish");
    }
}

/// A 1×1 PNG.
pub fn minimal_png() -> Vec<u8> {
    vec![
        0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44,
        0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F,
        0x15, 0xC4, 0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00,
        0x01, 0x00, 0x00, 0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00, 0x00, 0x00, 0x49,
        0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
    ]
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    let d = sha2::Sha256::digest(bytes);
    d.iter().map(|b| format!("{b:02x}")).collect()
}
