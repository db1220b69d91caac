//! The authorisation matrix: docs/AUTHORIZATION.md's tables, parsed and checked cell by
//! cell against the live application on both databases. The test fails when the
//! router serves a (method, path) the document does not list, when the document lists
//! one the router does not serve, and when any cell does not hold — so the document is
//! the test.
//!
//! A cell is `✓` (allowed: not refused for permission; for a state-changing route a
//! 422 for an empty form still counts as passing the permission check), `✗` (refused:
//! a page sends the anonymous to sign in, the API answers 401 JSON; a signed-in user
//! gets 403), `404` (hidden: not found, as if it did not exist) or `·` (not checked).
//! A refused or hidden state-changing request must change nothing in the database.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use groundswell::store::AuditEvent;
use groundswell::store::issues::{NewAttachment, NewEvidence, Party};
use reqwest::Method;

use crate::authz_world::{
    AuthzWorld, Browser, Digest, Who, api_token, changed, minimal_png, sign_in, sql_i64,
};
use crate::common::{Db, TestApp, TestDb};
use groundswell::domain::role::Role;

pub const DOC: &str = include_str!("../../docs/AUTHORIZATION.md");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Allowed,
    Refused,
    Hidden,
    Unchecked,
}

impl Outcome {
    fn parse(cell: &str) -> Option<Outcome> {
        Some(match cell.trim() {
            "✓" => Outcome::Allowed,
            "✗" => Outcome::Refused,
            "404" => Outcome::Hidden,
            "·" => Outcome::Unchecked,
            _ => return None,
        })
    }

    pub fn symbol(self) -> &'static str {
        match self {
            Outcome::Allowed => "✓",
            Outcome::Refused => "✗",
            Outcome::Hidden => "404",
            Outcome::Unchecked => "·",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Row {
    pub line: usize,
    pub method: String,
    pub path: String,
    /// A named object other than the default (the second table).
    pub object: Option<String>,
    pub cells: Vec<(Who, Outcome)>,
}

/// Every row of every table whose header starts `| Method | Path |`.
pub fn parse_tables(doc: &str) -> Vec<Row> {
    let mut rows = Vec::new();
    let mut header: Option<Vec<String>> = None;
    for (n, line) in doc.lines().enumerate() {
        let line = line.trim();
        if !line.starts_with('|') {
            header = None;
            continue;
        }
        let cells: Vec<String> = line
            .trim_matches('|')
            .split('|')
            .map(|c| c.trim().to_string())
            .collect();
        match &header {
            None => {
                if cells.len() > 2 && cells[0] == "Method" && cells[1] == "Path" {
                    header = Some(cells);
                }
            }
            Some(h) => {
                if cells
                    .iter()
                    .all(|c| c.chars().all(|ch| ch == '-' || ch == ':'))
                {
                    continue;
                }
                assert_eq!(
                    cells.len(),
                    h.len(),
                    "line {}: {} cells",
                    n + 1,
                    cells.len()
                );
                let mut row = Row {
                    line: n + 1,
                    method: cells[0].clone(),
                    path: cells[1].trim_matches('`').to_string(),
                    object: None,
                    cells: Vec::new(),
                };
                for (name, cell) in h.iter().zip(&cells).skip(2) {
                    if name == "Object" {
                        row.object = Some(cell.trim_matches('`').to_string());
                        continue;
                    }
                    let who = Who::from_heading(name)
                        .unwrap_or_else(|| panic!("line {}: unknown column {name}", n + 1));
                    let outcome = Outcome::parse(cell)
                        .unwrap_or_else(|| panic!("line {}: unknown cell {cell:?}", n + 1));
                    row.cells.push((who, outcome));
                }
                rows.push(row);
            }
        }
    }
    rows
}

pub fn is_api(path: &str) -> bool {
    path.starts_with("/api/") || path == "/healthz"
}

fn is_safe(method: &str) -> bool {
    matches!(method, "GET" | "HEAD" | "OPTIONS")
}

/// Every (method, path) the router serves: each path of `route_paths()` asked with a
/// method no route serves, as a signed-in admin with the CSRF token (the CSRF and
/// context layers run before routing), answers 405 with the methods it serves.
pub async fn served_routes(app: &TestApp, b: &Browser) -> BTreeSet<(String, String)> {
    let probe = Method::from_bytes(b"PROBE").unwrap();
    let mut out = BTreeSet::new();
    for path in groundswell::web::route_paths() {
        let concrete: String = path
            .split('/')
            .map(|s| if s.starts_with('{') { "1" } else { s })
            .collect::<Vec<_>>()
            .join("/");
        let res = b
            .client
            .request(probe.clone(), app.url(&concrete))
            .header("x-csrf-token", &b.csrf)
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status(),
            405,
            "{path} answers an unknown method with 405"
        );
        let allow = res
            .headers()
            .get("allow")
            .unwrap_or_else(|| panic!("{path}: 405 without Allow"))
            .to_str()
            .unwrap()
            .to_string();
        for m in allow.split(',').map(str::trim) {
            if m != "HEAD" && !m.is_empty() {
                out.insert((m.to_string(), path.to_string()));
            }
        }
    }
    out
}

/// What the default object of each placeholder is, for `who`.
fn default_id(w: &AuthzWorld, who: Who, before: &str, name: &str, own: &Own) -> String {
    let id = |k: &str| w.ids[k].to_string();
    match (before, name) {
        (_, "{party}") => "supporters".into(),
        (_, "{member}") => id("supporter"),
        (_, "{decision}") => "decline".into(),
        ("proposals", "{finding_id}") => id("finding.a3"),
        ("findings", "{finding_id}") => id("finding.a"),
        ("findings", "{id}") => id("finding.a"),
        ("import", "{id}") => id("import"),
        ("issues", "{id}") => id("issue"),
        ("submissions", "{id}") => id("submission"),
        ("responses", "{id}" | "{response_id}") => id("response"),
        ("commitments", "{commitment_id}") => id("commitment"),
        ("version", "{version_id}") => id("proposal_version"),
        ("attachments", "{attachment_id}") => id("attachment"),
        ("evidence", "{evidence_id}") => id("evidence"),
        ("departments", "{id}") => id("department"),
        ("parameters", "{id}") => id("parameter"),
        ("candidates", "{id}") => id("candidate"),
        ("users", "{id}") => id("user"),
        ("orgs", "{id}") => id("org"),
        ("policy-areas", "{id}") => id("area"),
        ("localities", "{id}") => id("locality"),
        ("inbox", "{id}") => own.notification[&who].to_string(),
        ("tokens", "{id}") => own.token[&who].to_string(),
        ("jobs", "{id}") => own.job[&who].to_string(),
        _ => panic!("no object for {name} after /{before}/"),
    }
}

/// Each person's own objects (notifications, tokens, report jobs).
pub struct Own {
    notification: HashMap<Who, i64>,
    token: HashMap<Who, i64>,
    job: HashMap<Who, i64>,
}

/// Objects named in the document's "Object" column.
fn named_object(w: &AuthzWorld, name: &str) -> HashMap<&'static str, String> {
    let mut m = HashMap::new();
    let id = |k: &str| w.ids[k].to_string();
    match name {
        "B's finding" => {
            m.insert("findings/{id}", id("finding.b"));
        }
        "a finding of A's other worker" => {
            m.insert("findings/{id}", id("finding.a2"));
        }
        "worker 2's token" => {
            m.insert("tokens/{id}", id("token.other"));
        }
        "worker 2's notification" => {
            m.insert("inbox/{id}", id("notification.other"));
        }
        "the senior's job" => {
            m.insert("jobs/{id}", id("job"));
        }
        "an id nobody has" => {
            for k in [
                "findings/{id}",
                "issues/{id}",
                "submissions/{id}",
                "departments/{id}",
                "parameters/{id}",
                "jobs/{id}",
                "import/{id}",
            ] {
                m.insert(k, "987654".to_string());
            }
        }
        other => panic!("unknown object {other:?}"),
    }
    m
}

/// The request path for a row, for `who`.
fn concrete(
    w: &AuthzWorld,
    row: &Row,
    who: Who,
    own: &Own,
    fresh: &HashMap<&'static str, String>,
) -> String {
    let named = row
        .object
        .as_deref()
        .filter(|o| !o.is_empty())
        .map(|o| named_object(w, o))
        .unwrap_or_default();
    let segments: Vec<&str> = row.path.split('/').collect();
    let mut out = Vec::new();
    for (i, s) in segments.iter().enumerate() {
        if !s.starts_with('{') {
            out.push(s.to_string());
            continue;
        }
        let before = if i > 0 { segments[i - 1] } else { "" };
        let key = format!("{before}/{s}");
        let v = named
            .get(key.as_str())
            .or_else(|| fresh.get(key.as_str()))
            .cloned()
            .unwrap_or_else(|| default_id(w, who, before, s, own));
        out.push(v);
    }
    let mut p = out.join("/");
    // Query strings some reads need.
    match row.path.as_str() {
        "/api/v1/reports/portfolio" => p.push_str("?from=2026-01-01&to=2026-03-31&format=json"),
        "/issues/{id}/proposal/compare" => p.push_str("?a=1&b=2"),
        _ => {}
    }
    p
}

/// Objects a state-changing route would use up: a new one for each cell.
async fn fresh_objects(w: &AuthzWorld, row: &Row, who: Who) -> HashMap<&'static str, String> {
    let mut m = HashMap::new();
    if row.object.is_some() {
        return m;
    }
    let s = &w.app.store;
    let issue = w.ids["issue"];
    let senior = w.users[&Who::Senior];
    let ev = || AuditEvent::new("test.fixture", Some(senior), None).subject("issue", Some(issue));
    match (row.method.as_str(), row.path.as_str()) {
        ("POST", "/findings/{id}/delete") | ("DELETE", "/api/v1/findings/{id}") => {
            let f = w.finding(Who::Worker, "A finding to delete", "", "").await;
            m.insert("findings/{id}", f.to_string());
        }
        ("DELETE", "/api/v1/issues/{id}/findings") => {
            let f = w.finding(Who::Worker, "A finding to unlink", "", "").await;
            s.link_findings(issue, &[f], &ev()).await.unwrap();
            m.insert("body.finding", f.to_string());
        }
        ("POST", "/issues/{id}/findings/{finding_id}/unlink") => {
            let f = w.finding(Who::Worker, "A finding to unlink", "", "").await;
            s.link_findings(issue, &[f], &ev()).await.unwrap();
            m.insert("findings/{finding_id}", f.to_string());
        }
        ("POST", "/issues/{id}/proposals/{finding_id}/{decision}") => {
            let f = w.finding(Who::Worker, "A finding proposed", "", "").await;
            s.propose_link(issue, f, &ev()).await.unwrap();
            m.insert("proposals/{finding_id}", f.to_string());
        }
        ("POST", "/issues/{id}/{party}/{member}/remove") => {
            let _ = s
                .add_party(issue, Party::Supporter, w.ids["supporter"], &ev())
                .await;
        }
        ("POST", "/issues/{id}/attachments/{attachment_id}/remove") => {
            let png = minimal_png();
            let a = s
                .add_attachment(
                    issue,
                    &NewAttachment {
                        filename: "fresh.png".into(),
                        content_type: "image/png",
                        sha256: format!("{:064}", png.len()),
                        content: png,
                    },
                    &ev(),
                )
                .await
                .unwrap();
            m.insert("attachments/{attachment_id}", a.to_string());
        }
        ("POST", "/issues/{id}/evidence/{evidence_id}/remove") => {
            let e = s
                .add_evidence(
                    issue,
                    &NewEvidence {
                        kind: "statistic",
                        title: "fresh".into(),
                        detail: String::new(),
                        source: "s".into(),
                        url: None,
                    },
                    &ev(),
                )
                .await
                .unwrap();
            m.insert("evidence/{evidence_id}", e.to_string());
        }
        ("POST", "/account/tokens/{id}/revoke") => {
            if let Some(&uid) = w.users.get(&who) {
                let (_, id) = api_token(&w.app, uid, "to revoke").await;
                m.insert("tokens/{id}", id.to_string());
            }
        }
        ("POST", "/candidates/{id}/issue" | "/candidates/{id}/dismiss") => {
            // A candidate of its own for each cell (turning one into an issue or
            // dismissing it uses it up).
            let k = Who::ALL.iter().position(|x| *x == who).unwrap()
                + if row.path.ends_with("/issue") {
                    0
                } else {
                    Who::ALL.len()
                };
            let id = sql_i64(
                &w.url,
                &format!("SELECT id FROM gap_candidates ORDER BY id DESC LIMIT 1 OFFSET {k}"),
            )
            .await
            .expect("enough demo candidates");
            m.insert("candidates/{id}", id.to_string());
        }
        _ => {}
    }
    m
}

/// What a response means for the matrix, with what was seen (for messages).
fn outcome_of(row: &Row, res: &reqwest::Response) -> (Outcome, String) {
    let status = res.status().as_u16();
    let location = res
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let seen = if location.is_empty() {
        status.to_string()
    } else {
        format!("{status} → {location}")
    };
    let o = match status {
        // Signing in answers a wrong (here: empty) password with 401 and too many with
        // 429: the form's own answers, open to everyone.
        401 | 429 if row.path == "/login" => Outcome::Allowed,
        401 | 403 => Outcome::Refused,
        303 | 302 | 307 if location.starts_with("/login?next=") => Outcome::Refused,
        404 => Outcome::Hidden,
        _ => Outcome::Allowed,
    };
    (o, seen)
}

/// (method, path, object) → what each asker saw.
type Observed = BTreeMap<(String, String, Option<String>), Vec<(Who, String, Outcome)>>;

pub struct Tally {
    pub cells: usize,
    pub failures: Vec<String>,
    pub observed: Observed,
}

/// The body of a state-changing request: one the route's extractor accepts (so that
/// the handler's permission check is reached) but that changes nothing of the
/// fixture when allowed — a stale version, a merge into itself, a link that exists.
fn json_body(w: &AuthzWorld, row: &Row, fresh: &HashMap<&'static str, String>) -> String {
    let issue = w.ids["issue"];
    let fa = fresh
        .get("body.finding")
        .cloned()
        .unwrap_or_else(|| w.ids["finding.a"].to_string());
    match (row.method.as_str(), row.path.as_str()) {
        ("POST", "/api/v1/issues") => {
            r#"{"title":"","problem_statement":"","policy_area_id":0}"#.into()
        }
        ("POST" | "DELETE", "/api/v1/issues/{id}/findings") => {
            format!(r#"{{"finding_ids":[{fa}]}}"#)
        }
        ("POST", "/api/v1/issues/{id}/merge") => format!(r#"{{"into":{issue}}}"#),
        ("POST", "/api/v1/issues/{id}/proposal") => {
            r#"{"base":-1,"title":"","reason":"","background":"","analysis":"","recommendations":"","cost":""}"#.into()
        }
        ("POST", "/api/v1/issues/{id}/transitions") => r#"{"move":"start_drafting"}"#.into(),
        ("POST", "/api/v1/findings/import") => r#"{"file_base64":"!"}"#.into(),
        _ => "{}".into(),
    }
}

fn form_body(w: &AuthzWorld, row: &Row) -> Vec<(&'static str, String)> {
    let issue = w.ids["issue"].to_string();
    match row.path.as_str() {
        "/issues/{id}/edit" => vec![("version", "0".into())],
        "/issues/{id}/merge" => vec![("into", issue)],
        "/issues/{id}/commitments/{commitment_id}" => {
            vec![("status", "nonsense".into()), ("version", "0".into())]
        }
        "/issues/{id}/responses/{response_id}/satisfaction" => {
            vec![("satisfaction", "nonsense".into()), ("version", "0".into())]
        }
        "/issues/{id}/{party}/add" => vec![("member", w.ids["supporter"].to_string())],
        "/findings/{id}/link" | "/findings/{id}/propose" => vec![("issue_id", issue)],
        "/submissions/{id}/edit" => vec![
            ("handling", "lead".into()),
            ("channel", "letter".into()),
            ("version", "0".into()),
        ],
        "/responses/{id}/edit" => vec![
            ("classification", "Z".into()),
            ("summary", "x".into()),
            ("version", "0".into()),
        ],
        "/submissions/{id}/extend" => vec![
            ("new_due", "nonsense".into()),
            ("note", "x".into()),
            ("version", "0".into()),
        ],
        "/submissions/{id}/meetings" => {
            vec![("met_on", "nonsense".into()), ("notes", "x".into())]
        }
        "/dashboards/pipeline/move" => vec![
            ("issue_id", issue),
            ("move", "nonsense".into()),
            ("from", "nonsense".into()),
        ],
        _ => vec![],
    }
}

/// Sends `row`'s request as `who`; returns the response.
async fn send(
    w: &AuthzWorld,
    row: &Row,
    who: Who,
    path: &str,
    fresh: &HashMap<&'static str, String>,
) -> reqwest::Response {
    let method = Method::from_bytes(row.method.as_bytes()).unwrap();
    if is_api(&row.path) {
        let mut rb = reqwest::Client::new().request(method, w.app.url(path));
        if let Some(t) = w.tokens.get(&who) {
            rb = rb.bearer_auth(t);
        }
        if !is_safe(&row.method) {
            rb = rb
                .header("content-type", "application/json")
                .body(json_body(w, row, fresh));
        }
        return rb.send().await.unwrap();
    }
    let b = &w.browsers[&who];
    let rb = b.client.request(method, w.app.url(path));
    if is_safe(&row.method) {
        return rb.send().await.unwrap();
    }
    if matches!(
        row.path.as_str(),
        "/issues/{id}/attachments" | "/findings/import"
    ) {
        // Uploads: multipart, the token in a header. A file of a type neither accepts.
        let part = reqwest::multipart::Part::bytes(b"MZ\x90\x00not a document".to_vec())
            .file_name("tool.exe")
            .mime_str("application/octet-stream")
            .unwrap();
        let form = reqwest::multipart::Form::new()
            .text("title", "x")
            .part("file", part);
        return rb
            .header("x-csrf-token", &b.csrf)
            .multipart(form)
            .send()
            .await
            .unwrap();
    }
    let mut fields = form_body(w, row);
    fields.push(("csrf_token", b.csrf.clone()));
    rb.form(&fields).send().await.unwrap()
}

pub async fn check_rows(w: &mut AuthzWorld, rows: &[Row]) -> Tally {
    let mut tally = Tally {
        cells: 0,
        failures: Vec::new(),
        observed: BTreeMap::new(),
    };
    let mut own = Own {
        notification: HashMap::new(),
        token: HashMap::new(),
        job: HashMap::new(),
    };
    for who in Who::ALL {
        let uid = w.users.get(&who).copied().unwrap_or(w.users[&Who::Worker]);
        own.notification.insert(who, w.notification(uid).await);
        own.token.insert(who, api_token(&w.app, uid, "own").await.1);
        let job = match who {
            Who::Senior => w.ids["job"],
            Who::Viewer | Who::Coordinator | Who::Admin | Who::OtherSenior => {
                w.report_job(who).await
            }
            _ => w.ids["job"],
        };
        own.job.insert(who, job);
    }
    let other_note = w.notification(w.other_worker_a).await;
    w.ids.insert("notification.other", other_note);

    let digest = Digest::new(&w.url).await;
    // Reads first, then writes, so that what a write does cannot change a read's answer.
    let mut ordered: Vec<&Row> = rows.iter().filter(|r| is_safe(&r.method)).collect();
    ordered.extend(
        rows.iter()
            .filter(|r| !is_safe(&r.method) && r.path != "/logout"),
    );
    ordered.extend(rows.iter().filter(|r| r.path == "/logout"));
    for row in ordered {
        for &(who, expect) in &row.cells {
            if expect == Outcome::Unchecked {
                continue;
            }
            tally.cells += 1;
            let fresh = if is_safe(&row.method) {
                HashMap::new()
            } else {
                fresh_objects(w, row, who).await
            };
            let path = concrete(w, row, who, &own, &fresh);
            let before = if is_safe(&row.method) {
                None
            } else {
                Some(digest.take().await)
            };
            let res = send(w, row, who, &path, &fresh).await;
            let status = res.status();
            let (got, seen) = outcome_of(row, &res);
            let body = res.text().await.unwrap_or_default();
            tally
                .observed
                .entry((row.method.clone(), row.path.clone(), row.object.clone()))
                .or_default()
                .push((who, seen.clone(), got));
            let cell = format!(
                "line {}: {} {} [{}] as {}: {}",
                row.line,
                row.method,
                path,
                row.path,
                who.heading(),
                seen
            );
            // Without the CJK fonts (a developer machine) a PDF answers 503
            // `not_available`: the permission check was passed.
            let no_fonts =
                status == 503 && row.path.ends_with(".pdf") && body.contains("not_available");
            let bad_read = is_safe(&row.method)
                && status.is_client_error()
                && !matches!(status.as_u16(), 401 | 403 | 404);
            if (status.is_server_error() && !no_fonts) || status == 405 || bad_read {
                tally.failures.push(format!("{cell}: {body:.200}"));
                continue;
            }
            if got != expect {
                tally.failures.push(format!(
                    "{cell}: expected {}, got {}",
                    expect.symbol(),
                    got.symbol()
                ));
                continue;
            }
            // A refusal looks right: sign-in for the anonymous (401 JSON on the API),
            // 403 for the signed-in.
            if got == Outcome::Refused {
                let api = is_api(&row.path);
                let ok = match (who, api) {
                    (Who::Anonymous, true) => {
                        status == 401 && body.contains("\"code\":\"unauthenticated\"")
                    }
                    (Who::Anonymous, false) => status.is_redirection(),
                    // `forbidden`, or a more telling stable code (`transition_not_allowed`).
                    (_, true) => status == 403 && body.contains("\"code\":\""),
                    (_, false) => status == 403,
                };
                if !ok {
                    tally
                        .failures
                        .push(format!("{cell}: refused the wrong way: {body:.200}"));
                }
            }
            if got == Outcome::Hidden
                && is_api(&row.path)
                && !body.contains("\"code\":\"not_found\"")
            {
                tally
                    .failures
                    .push(format!("{cell}: 404 without the JSON error: {body:.200}"));
            }
            if let Some(before) = before {
                if got != Outcome::Allowed {
                    let after = digest.take().await;
                    let diff = changed(&before, &after);
                    if !diff.is_empty() {
                        tally
                            .failures
                            .push(format!("{cell}: refused, yet changed {diff:?}"));
                    }
                }
                // Signing out ends the browser's session: sign in again.
                if row.path == "/logout" && got == Outcome::Allowed {
                    let b = match who.account() {
                        Some((email, ..)) => sign_in(&w.app, email).await,
                        None => crate::authz_world::anonymous_browser(&w.app).await,
                    };
                    w.browsers.insert(who, b);
                }
            }
        }
    }
    tally
}

/// The observed outcomes as table rows (printed when `AUTHZ_PRINT` is set, to draft
/// the document for a new route).
fn print_observed(tally: &Tally) {
    let mut out = String::new();
    for ((m, p, o), cells) in &tally.observed {
        out.push_str(&format!("| {m} | `{p}` |"));
        if let Some(o) = o {
            out.push_str(&format!(" {o} |"));
        }
        for (_, seen, got) in cells {
            out.push_str(&format!(" {} ({seen}) |", got.symbol()));
        }
        out.push('\n');
    }
    crate::common::notice(&out);
}

async fn the_table_lists_exactly_the_routes_the_router_serves(db: Db) {
    let t = TestDb::create(db).await.unwrap();
    let app = TestApp::start(&t).await;
    app.user("admin@example.org", Role::Admin, "Federation")
        .await;
    let admin = sign_in(&app, "admin@example.org").await;
    let served = served_routes(&app, &admin).await;
    let rows = parse_tables(DOC);
    let main: Vec<&Row> = rows.iter().filter(|r| r.object.is_none()).collect();
    // Every row of the main tables answers for everyone, once.
    for r in &main {
        let who: Vec<Who> = r.cells.iter().map(|c| c.0).collect();
        assert_eq!(
            who,
            Who::ALL.to_vec(),
            "line {}: every column, in order",
            r.line
        );
        assert!(
            r.cells.iter().all(|c| c.1 != Outcome::Unchecked),
            "line {}: the main tables leave no cell unchecked",
            r.line
        );
    }
    let listed: BTreeSet<(String, String)> = main
        .iter()
        .map(|r| (r.method.clone(), r.path.clone()))
        .collect();
    assert_eq!(listed.len(), main.len(), "a (method, path) listed twice");
    let missing: Vec<_> = served.difference(&listed).collect();
    let extra: Vec<_> = listed.difference(&served).collect();
    assert!(
        missing.is_empty(),
        "served but not in docs/AUTHORIZATION.md: {missing:#?}"
    );
    assert!(
        extra.is_empty(),
        "in docs/AUTHORIZATION.md but not served: {extra:#?}"
    );
    assert!(served.len() > 120, "{}", served.len());
}

async fn every_cell_of_the_authorisation_table_holds(db: Db) {
    let t = TestDb::create(db).await.unwrap();
    let mut w = AuthzWorld::build(&t).await;
    let rows = parse_tables(DOC);
    let tally = check_rows(&mut w, &rows).await;
    if std::env::var_os("AUTHZ_PRINT").is_some() {
        print_observed(&tally);
    }
    crate::common::notice(&format!(
        "authorisation matrix ({db:?}): {} (route × role) cells checked, {} failed",
        tally.cells,
        tally.failures.len()
    ));
    assert!(
        tally.failures.is_empty(),
        "{} of {} cells failed:\n{}",
        tally.failures.len(),
        tally.cells,
        tally.failures.join("\n")
    );
}

crate::both_databases!(
    the_table_lists_exactly_the_routes_the_router_serves,
    every_cell_of_the_authorisation_table_holds,
    private_fields_stay_in_their_organisation,
);

/// Another organisation's private fields never reach pages, API JSON or exports; the
/// recording organisation and admins see them.
async fn private_fields_stay_in_their_organisation(db: Db) {
    use crate::authz_world::{CASE_A, NOTES_A};
    let t = TestDb::create(db).await.unwrap();
    let w = AuthzWorld::build(&t).await;
    let fa = w.ids["finding.a"];
    let issue = w.ids["issue"];
    let pages = [
        format!("/findings/{fa}"),
        format!("/findings/{fa}/edit"),
        "/findings?q=fourteen".to_string(),
        "/findings/export.csv".to_string(),
        "/findings/export.xlsx".to_string(),
        format!("/issues/{issue}"),
        format!("/issues/{issue}/briefing"),
        format!("/issues/{issue}/briefing.md"),
        format!("/issues/{issue}/briefing.docx"),
        format!("/issues/{issue}/evidence.csv"),
    ];
    let api = [
        format!("/api/v1/findings/{fa}"),
        "/api/v1/findings".to_string(),
        format!("/api/v1/issues/{issue}"),
        format!("/api/v1/issues/{issue}/briefing?format=json"),
        format!("/api/v1/issues/{issue}/briefing?format=md"),
    ];
    let mut checked = 0;
    for who in [Who::Viewer, Who::OtherWorker, Who::OtherSenior] {
        for p in &pages {
            let res = w.browsers[&who]
                .client
                .get(w.app.url(p))
                .send()
                .await
                .unwrap();
            assert!(!res.status().is_server_error(), "{p} as {who:?}");
            let bytes = res.bytes().await.unwrap();
            let text = if bytes.starts_with(b"PK") {
                zip_text(&bytes)
            } else {
                String::from_utf8_lossy(&bytes).into_owned()
            };
            assert!(
                !text.contains(CASE_A) && !text.contains(NOTES_A),
                "{p} shows A's private fields to {who:?}"
            );
            checked += 1;
        }
        for p in &api {
            let res = reqwest::Client::new()
                .get(w.app.url(p))
                .bearer_auth(&w.tokens[&who])
                .send()
                .await
                .unwrap();
            assert!(!res.status().is_server_error(), "{p} as {who:?}");
            let text = res.text().await.unwrap();
            assert!(
                !text.contains(CASE_A) && !text.contains(NOTES_A),
                "{p} shows A's private fields to {who:?}"
            );
            checked += 1;
        }
    }
    // A front-line worker of B does not see A's finding at all: not in search, exports,
    // the API, the issue it is linked to, or the issue's briefing.
    let narrative = "the subsidy stops at fourteen";
    for p in pages.iter().filter(|p| !p.contains("/edit")) {
        let res = w.browsers[&Who::OtherWorker]
            .client
            .get(w.app.url(p))
            .send()
            .await
            .unwrap();
        let bytes = res.bytes().await.unwrap();
        let text = if bytes.starts_with(b"PK") {
            zip_text(&bytes)
        } else {
            String::from_utf8_lossy(&bytes).into_owned()
        };
        assert!(
            !text.contains(narrative),
            "{p} shows A's finding to B's worker"
        );
        checked += 1;
    }
    for p in &api {
        let text = reqwest::Client::new()
            .get(w.app.url(p))
            .bearer_auth(&w.tokens[&Who::OtherWorker])
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            !text.contains(narrative),
            "{p} shows A's finding to B's worker"
        );
        checked += 1;
    }
    // B's senior does see the finding itself, only not its private fields.
    let shown = w.browsers[&Who::OtherSenior]
        .client
        .get(w.app.url(&format!("/findings/{fa}")))
        .send()
        .await
        .unwrap();
    assert_eq!(shown.status(), 200);
    assert!(
        shown
            .text()
            .await
            .unwrap()
            .contains("the subsidy stops at fourteen")
    );
    // The recording organisation and admins do see them, on the page and in the API.
    for who in [Who::Worker, Who::Senior, Who::Coordinator, Who::Admin] {
        let page = w.browsers[&who]
            .client
            .get(w.app.url(&format!("/findings/{fa}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains(CASE_A), "{who:?} sees A's case reference");
        let json = reqwest::Client::new()
            .get(w.app.url(&format!("/api/v1/findings/{fa}")))
            .bearer_auth(&w.tokens[&who])
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            json.contains(CASE_A),
            "{who:?} gets A's case reference by API"
        );
    }
    crate::common::notice(&format!(
        "private fields ({db:?}): {checked} responses to outsiders checked"
    ));
}

/// Every XML part of a zipped office file, as one text.
fn zip_text(bytes: &[u8]) -> String {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip");
    let mut out = String::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        if f.name().is_ok_and(|n| n.ends_with(".xml")) {
            f.read_to_string(&mut out).unwrap();
        }
    }
    out
}
