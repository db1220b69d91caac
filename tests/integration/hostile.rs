//! Hostile input everywhere: a corpus of hostile strings (script and attribute
//! injection, SQL fragments, spreadsheet formulas, odd Unicode, NUL bytes, path tricks)
//! is pushed through every text field of the forms and API calls, and every page,
//! export and API response that shows the field is checked: escaped and never
//! executed, never a 5xx, the text stored exactly or refused with a clear error.
//! Search and filter parameters get the same corpus and are shown not to reach SQL as
//! text.

use std::collections::BTreeMap;
use std::io::Read;

use groundswell::config::WebSettings;
use groundswell::domain::role::Role;
use serde_json::{Value, json};

use crate::common::{Db, TestDb, csrf, signed_in};
use crate::findings_store::{World, world_with};
use crate::limits::token_for;

/// The corpus. Each is tried in every text field.
pub const HOSTILE: &[&str] = &[
    // Script and attribute injection.
    "<script>alert('gs-xss')</script>",
    "\"><img src=x onerror=alert('gs-xss')>",
    "'><svg onload=alert('gs-xss')>",
    "\" autofocus onfocus=\"alert('gs-xss')",
    "javascript:alert('gs-xss')",
    "</textarea><script>alert('gs-xss')</script>",
    "</title><script>alert('gs-xss')</script>",
    "<a href=\"javascript:alert('gs-xss')\">click</a>",
    "[click](javascript:alert('gs-xss'))",
    "<iframe src=//evil.example></iframe>",
    "{{7*7}} ${7*7} <%= 7*7 %>",
    "<!-- ]]> -->",
    // SQL fragments.
    "' OR 1=1 --",
    "\"; DROP TABLE findings; --",
    "') UNION SELECT password_hash FROM users --",
    "%",
    "_",
    "100%_off\\",
    // Spreadsheet formulas.
    "=cmd|' /C calc'!A0",
    "=HYPERLINK(\"http://evil.example\",\"x\")",
    "+1+1",
    "-2+3",
    "@SUM(1+1)",
    "\t=1+1",
    // Odd Unicode.
    "abc\u{202E}fdp.exe",
    "👩\u{200D}👩\u{200D}👧 family",
    "e\u{0301}\u{0301}\u{0301}\u{0301}",
    "ＡＢＣ＜ｓｃｒｉｐｔ＞",
    "\u{FEFF}\u{200B}zero width",
    "\u{FFFD}\u{FFFF}",
    "𝕳𝖊𝖑𝖑𝖔 مرحبا שלום",
    "line one\r\nline two",
    // NUL bytes.
    "before\0after",
    // Path tricks.
    "../../etc/passwd",
    "C:\\evil.exe",
    "name.pdf\0.exe",
    "%2e%2e%2f%00",
];

/// What should never appear in a page, whatever was typed.
const ACTIVE: &[&str] = &[
    "<script>alert",
    "<img src=x",
    "<svg onload",
    "<iframe src=//evil",
];

/// The tags of a page with their attributes (names lower-cased, values as written),
/// read the way a browser tokenises them: quotes respected.
fn tags(html: &str) -> Vec<(String, Vec<(String, String)>)> {
    let b = html.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'<' || !b.get(i + 1).is_some_and(|c| c.is_ascii_alphabetic()) {
            i += 1;
            continue;
        }
        i += 1;
        let start = i;
        while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' && b[i] != b'/' {
            i += 1;
        }
        let name = html[start..i].to_ascii_lowercase();
        let mut attrs = Vec::new();
        loop {
            while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b'/') {
                i += 1;
            }
            if i >= b.len() || b[i] == b'>' {
                break;
            }
            let a = i;
            while i < b.len() && !b[i].is_ascii_whitespace() && !matches!(b[i], b'=' | b'>' | b'/')
            {
                i += 1;
            }
            let attr = html[a..i].to_ascii_lowercase();
            let mut value = String::new();
            if i < b.len() && b[i] == b'=' {
                i += 1;
                if i < b.len() && (b[i] == b'"' || b[i] == b'\'') {
                    let q = b[i];
                    i += 1;
                    let v = i;
                    while i < b.len() && b[i] != q {
                        i += 1;
                    }
                    value = html[v..i.min(b.len())].to_string();
                    i += 1;
                } else {
                    let v = i;
                    while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' {
                        i += 1;
                    }
                    value = html[v..i].to_string();
                }
            }
            if attr.is_empty() {
                i += 1;
                continue;
            }
            attrs.push((attr, value));
        }
        out.push((name, attrs));
    }
    out
}

/// No event handler, no script address and no inline script in any tag of the page.
fn assert_no_active_markup(html: &str, what: &str) {
    for (name, attrs) in tags(html) {
        for (attr, value) in &attrs {
            assert!(!attr.starts_with("on"), "{what}: <{name} {attr}={value:?}>");
            if matches!(
                attr.as_str(),
                "href" | "src" | "action" | "formaction" | "xlink:href"
            ) {
                let v: String = value
                    .chars()
                    .filter(|c| !c.is_whitespace() && !c.is_control())
                    .collect::<String>()
                    .to_ascii_lowercase();
                assert!(
                    !v.starts_with("javascript:")
                        && !v.starts_with("data:")
                        && !v.starts_with("vbscript:"),
                    "{what}: <{name} {attr}={value:?}>"
                );
            }
        }
        if name == "script" {
            assert!(
                attrs
                    .iter()
                    .any(|(a, v)| a == "src" && v.starts_with("/static/")),
                "{what}: an inline <script> or one from elsewhere"
            );
        }
        assert!(
            !matches!(name.as_str(), "iframe" | "object" | "embed" | "base"),
            "{what}: <{name}>"
        );
    }
}

#[derive(Default)]
struct Tally {
    /// (field, hostile string index) pairs tried.
    tried: usize,
    /// Stored and read back exactly.
    stored: usize,
    /// Refused with a clear 4xx.
    refused: usize,
    /// Pages, exports and API responses checked.
    checked: usize,
    refusals: BTreeMap<String, usize>,
}

/// A page: never 5xx, nothing hostile active, and no hostile string that holds markup
/// shown raw.
async fn check_page(
    res: reqwest::Response,
    shown: &[&str],
    what: &str,
    tally: &mut Tally,
) -> String {
    let status = res.status();
    let ct = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let body = res.text().await.unwrap();
    assert!(
        !status.is_server_error(),
        "{what}: {status}\n{}",
        &body[..body.len().min(500)]
    );
    assert!(status.is_success(), "{what}: {status}");
    if ct.starts_with("text/html") {
        let lower = body.to_lowercase();
        for a in ACTIVE {
            assert!(
                !lower.contains(&a.to_lowercase()),
                "{what}: {a} active in page"
            );
        }
        // `<` is escaped in text and in attributes alike, so a string holding one can
        // never appear as typed; quotes and `>` are left alone in text, so for them the
        // tags themselves are read.
        for s in shown {
            if s.contains('<') {
                assert!(!body.contains(s), "{what}: {s:?} shown unescaped");
            }
        }
        assert_no_active_markup(&body, what);
    }
    tally.checked += 1;
    body
}

/// A CSV export: no cell a spreadsheet would run.
fn check_csv(bytes: &[u8], what: &str) -> Vec<Vec<String>> {
    let text = String::from_utf8_lossy(bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes))
        .into_owned();
    let mut rows = Vec::new();
    for rec in csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes())
        .records()
    {
        let rec = rec.unwrap();
        for cell in rec.iter() {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "{what}: formula cell {cell:?}"
            );
        }
        rows.push(rec.iter().map(str::to_string).collect());
    }
    rows
}

/// An XLSX export: every cell a value, never a formula.
fn check_xlsx(bytes: &[u8], what: &str) {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        let name = f.name().unwrap().to_string();
        if name.starts_with("xl/worksheets/") {
            let mut xml = String::new();
            f.read_to_string(&mut xml).unwrap();
            assert!(
                !xml.contains("<f>") && !xml.contains("<f "),
                "{what}: formula in {name}"
            );
        }
    }
}

/// Whether some string in `v` contains `needle`.
fn json_has(v: &Value, needle: &str) -> bool {
    match v {
        Value::String(s) => s.contains(needle),
        Value::Array(a) => a.iter().any(|x| json_has(x, needle)),
        Value::Object(o) => o.values().any(|x| json_has(x, needle)),
        _ => false,
    }
}

fn no_rate_limit() -> WebSettings {
    WebSettings {
        api_rate_per_minute: 0,
        api_address_rate_per_minute: 0,
        ..WebSettings::default()
    }
}

/// Records an API write: `Some(body)` when it was stored, `None` when refused clearly.
async fn write(res: reqwest::Response, what: &str, tally: &mut Tally) -> Option<Value> {
    let status = res.status();
    let text = res.text().await.unwrap();
    assert!(!status.is_server_error(), "{what}: {status} {text}");
    if status.is_success() {
        return Some(serde_json::from_str(&text).unwrap_or(Value::Null));
    }
    let body: Value =
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("{what}: {status} {text}"));
    let code = body["error"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("{what}: {text}"));
    assert!(
        !body["error"]["message"].as_str().unwrap_or("").is_empty(),
        "{what}: {text}"
    );
    tally.refused += 1;
    *tally.refusals.entry(format!("{what}: {code}")).or_default() += 1;
    None
}

/// The stored value matches what was sent (surrounding whitespace may be trimmed).
fn same(got: &Value, sent: &str, what: &str, tally: &mut Tally) {
    let got = got.as_str().unwrap_or_else(|| panic!("{what}: {got}"));
    assert!(
        got == sent || got == sent.trim(),
        "{what}: sent {sent:?}, got {got:?}"
    );
    tally.stored += 1;
}

struct People {
    worker: reqwest::Client,
    senior: reqwest::Client,
    admin: reqwest::Client,
    worker_key: String,
    senior_key: String,
    admin_key: String,
}

async fn people(w: &World) -> People {
    w.app
        .user("senior@example.org", Role::Senior, "Qingshuiwan Station")
        .await;
    w.app
        .user("admin@example.org", Role::Admin, "Ningbo Federation")
        .await;
    People {
        worker: signed_in(&w.app, "worker@example.org").await,
        senior: signed_in(&w.app, "senior@example.org").await,
        admin: signed_in(&w.app, "admin@example.org").await,
        worker_key: token_for(&w.app, "worker@example.org").await,
        senior_key: token_for(&w.app, "senior@example.org").await,
        admin_key: token_for(&w.app, "admin@example.org").await,
    }
}

async fn every_text_field_takes_hostile_input_safely(db: Db) {
    let t = TestDb::create(db).await.unwrap();
    let w = world_with(&t, no_rate_limit()).await;
    let p = people(&w).await;
    let api = reqwest::Client::new();
    let url = |path: &str| w.app.url(path);
    let mut tally = Tally::default();
    let mut narratives = Vec::new();
    let dept_id = {
        let res = api
            .post(url("/api/v1/departments"))
            .bearer_auth(&p.admin_key)
            .json(&json!({ "name_zh": "宁波市民政局", "name_en": "Civil Affairs", "level": "municipal", "reply_unit": "months", "reply_count": "3" }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
        res.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
    };

    for (n, s) in HOSTILE.iter().enumerate() {
        let s: &str = s;
        let shown = [s];

        // ---- a finding through the API, every text field at once
        tally.tried += 8;
        let payload = json!({
            "narrative": format!("补贴 {n} {s}"),
            "policy_area_id": w.area, "locality_id": w.community,
            "observed_on": "2026-10-01", "people_affected": 1,
            "tags": [s], "case_reference": s, "private_notes": s, "external_id": format!("{n}{s}"),
            "threshold": { "benefit": s, "kind": "age", "value": s },
            "figures": [{ "name": s, "amount": 800.0, "unit": s }],
            "confirm_personal_data": { "reason": "test" },
        });
        let res = api
            .post(url("/api/v1/findings"))
            .bearer_auth(&p.worker_key)
            .json(&payload)
            .send()
            .await
            .unwrap();
        let finding = write(res, "finding (API)", &mut tally).await;
        if let Some(f) = &finding {
            narratives.push(format!("补贴 {n} {s}"));
            let id = f["id"].as_i64().unwrap();
            let back: Value = api
                .get(url(&format!("/api/v1/findings/{id}")))
                .bearer_auth(&p.worker_key)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            same(
                &back["narrative"],
                &format!("补贴 {n} {s}"),
                "narrative",
                &mut tally,
            );
            same(&back["case_reference"], s, "case_reference", &mut tally);
            same(&back["private_notes"], s, "private_notes", &mut tally);
            same(
                &back["threshold"]["benefit"],
                s,
                "threshold.benefit",
                &mut tally,
            );
            same(&back["figures"][0]["name"], s, "figure.name", &mut tally);
            same(&back["figures"][0]["unit"], s, "figure.unit", &mut tally);
            same(
                &back["external_id"],
                &format!("{n}{s}"),
                "external_id",
                &mut tally,
            );
            // Tags are a list: separators (, ; 、 and the like) inside one split it.
            for tag in back["tags"].as_array().unwrap() {
                let tag = tag.as_str().unwrap();
                assert!(s.contains(tag.trim()), "tag {tag:?} not from {s:?}");
            }
            tally.stored += 1;
            for path in [format!("/findings/{id}"), format!("/findings/{id}/edit")] {
                let res = p.worker.get(url(&path)).send().await.unwrap();
                check_page(res, &shown, &path, &mut tally).await;
            }
        }

        // ---- a department and a policy parameter (admins)
        tally.tried += 2;
        let res = api
            .post(url("/api/v1/departments"))
            .bearer_auth(&p.admin_key)
            .json(&json!({ "name_zh": format!("部门{n}{s}"), "name_en": s, "level": "municipal", "reply_unit": "months", "reply_count": "3" }))
            .send()
            .await
            .unwrap();
        if let Some(d) = write(res, "department (API)", &mut tally).await {
            same(
                &d["name_zh"],
                &format!("部门{n}{s}"),
                "department.name_zh",
                &mut tally,
            );
            same(&d["name_en"], s, "department.name_en", &mut tally);
            let path = format!("/departments/{}", d["id"]);
            let res = p.senior.get(url(&path)).send().await.unwrap();
            check_page(res, &shown, &path, &mut tally).await;
        }
        tally.tried += 3;
        let res = api
            .post(url("/api/v1/parameters"))
            .bearer_auth(&p.admin_key)
            .json(&json!({ "name_zh": format!("参数{n}{s}"), "name_en": s, "unit": s }))
            .send()
            .await
            .unwrap();
        if let Some(par) = write(res, "parameter (API)", &mut tally).await {
            same(
                &par["name_zh"],
                &format!("参数{n}{s}"),
                "parameter.name_zh",
                &mut tally,
            );
            same(&par["unit"], s, "parameter.unit", &mut tally);
            tally.tried += 1;
            let res = api
                .post(url(&format!("/api/v1/parameters/{}/values", par["id"])))
                .bearer_auth(&p.admin_key)
                .json(&json!({ "value": "800", "valid_from": "2026-01-01", "source": s, "beneficiaries": "120" }))
                .send()
                .await
                .unwrap();
            write(res, "parameter value (API)", &mut tally).await;
            let path = format!("/parameters/{}", par["id"]);
            let res = p.senior.get(url(&path)).send().await.unwrap();
            check_page(res, &shown, &path, &mut tally).await;
        }

        // ---- the admin pages: a policy area, a place, an organisation, a user
        tally.tried += 6;
        let token = csrf(&w.app, &p.admin, "/admin/taxonomy").await;
        for (path, form) in [
            (
                "/admin/policy-areas",
                vec![
                    ("code", format!("x{n}")),
                    ("name_zh", format!("领域{n}{s}")),
                    ("name_en", s.to_string()),
                ],
            ),
            (
                "/admin/localities",
                vec![
                    ("parent_id", w.district.to_string()),
                    ("level", "street".to_string()),
                    ("name_zh", format!("街道{n}{s}")),
                    ("name_en", s.to_string()),
                ],
            ),
            (
                "/admin/orgs",
                vec![
                    ("name", format!("机构{n}{s}")),
                    ("kind", "member".to_string()),
                ],
            ),
            (
                "/admin/users",
                vec![
                    ("email", format!("u{n}@example.org")),
                    ("name", format!("用户{n}{s}")),
                    ("role", "worker".to_string()),
                    ("org_id", w.worker.org_id.to_string()),
                    ("password", "a long enough password 1".to_string()),
                ],
            ),
        ] {
            let mut form: Vec<(&str, String)> = form;
            form.push(("csrf_token", token.clone()));
            let res = p.admin.post(url(path)).form(&form).send().await.unwrap();
            assert!(
                !res.status().is_server_error(),
                "{path} with {s:?}: {}",
                res.status()
            );
            let html = res.text().await.unwrap();
            for a in ACTIVE {
                assert!(
                    !html.to_lowercase().contains(&a.to_lowercase()),
                    "{path}: {a}"
                );
            }
            assert_no_active_markup(&html, path);
        }

        // ---- search with the string: no 5xx, nothing active
        for q in [s, &format!("补贴 {s}")] {
            let res = p
                .worker
                .get(url("/findings"))
                .query(&[("q", q)])
                .header("accept-language", "en")
                .send()
                .await
                .unwrap();
            if s.contains('\0') {
                // Refused before it reaches the database, with a page that says why.
                assert_eq!(res.status(), 400);
                let html = res.text().await.unwrap();
                assert!(html.contains("NUL character"), "{html}");
                tally.checked += 1;
                continue;
            }
            check_page(res, &shown, "findings search", &mut tally).await;
        }

        // ---- an issue through the API, then comments, evidence, a proposal, a
        // submission and its response
        tally.tried += 2;
        let res = api
            .post(url("/api/v1/issues"))
            .bearer_auth(&p.senior_key)
            .json(&json!({ "title": format!("议题 {n} {s}"), "problem_statement": s, "policy_area_id": w.area }))
            .send()
            .await
            .unwrap();
        let Some(issue) = write(res, "issue (API)", &mut tally).await else {
            continue;
        };
        let issue_id = issue["id"].as_i64().unwrap();
        let back: Value = api
            .get(url(&format!("/api/v1/issues/{issue_id}")))
            .bearer_auth(&p.senior_key)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        same(
            &back["title"],
            &format!("议题 {n} {s}"),
            "issue.title",
            &mut tally,
        );
        same(
            &back["problem_statement"],
            s,
            "issue.problem_statement",
            &mut tally,
        );
        if let Some(f) = &finding {
            let res = api
                .post(url(&format!("/api/v1/issues/{issue_id}/findings")))
                .bearer_auth(&p.senior_key)
                .json(&json!({ "finding_ids": [f["id"]] }))
                .send()
                .await
                .unwrap();
            assert!(res.status().is_success(), "link: {}", res.status());
        }
        let page = format!("/issues/{issue_id}");
        let token = csrf(&w.app, &p.senior, &page).await;
        tally.tried += 1;
        let res = p
            .senior
            .post(url(&format!("{page}/comments")))
            .form(&[("csrf_token", token.as_str()), ("body", s)])
            .send()
            .await
            .unwrap();
        assert!(!res.status().is_server_error(), "comment: {}", res.status());
        tally.tried += 4;
        let res = p
            .senior
            .post(url(&format!("{page}/evidence")))
            .form(&[
                ("csrf_token", token.as_str()),
                ("kind", "statistic"),
                ("title", s),
                ("detail", s),
                ("source", s),
                ("url", s),
            ])
            .send()
            .await
            .unwrap();
        assert!(
            !res.status().is_server_error(),
            "evidence: {}",
            res.status()
        );

        tally.tried += 6;
        let res = api
            .post(url(&format!("/api/v1/issues/{issue_id}/proposal")))
            .bearer_auth(&p.senior_key)
            .json(&json!({ "base": 0, "title": s, "reason": s, "background": s, "analysis": s, "recommendations": s, "cost": s, "vignettes": [] }))
            .send()
            .await
            .unwrap();
        if write(res, "proposal (API)", &mut tally).await.is_some() {
            let versions: Value = api
                .get(url(&format!("/api/v1/issues/{issue_id}/proposal")))
                .bearer_auth(&p.senior_key)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let latest = versions
                .as_array()
                .and_then(|v| v.last())
                .cloned()
                .unwrap_or_else(|| versions.clone());
            let text = if latest["text"].is_object() {
                &latest["text"]
            } else {
                &latest
            };
            for field in [
                "title",
                "reason",
                "background",
                "analysis",
                "recommendations",
                "cost",
            ] {
                same(&text[field], s, &format!("proposal.{field}"), &mut tally);
            }
        }

        tally.tried += 2;
        let res = api
            .post(url(&format!("/api/v1/issues/{issue_id}/submissions")))
            .bearer_auth(&p.senior_key)
            .json(&json!({ "department_id": dept_id.to_string(), "handling": "lead", "channel": "letter", "submitted_on": "2026-09-24", "reference": s, "contact": s }))
            .send()
            .await
            .unwrap();
        if let Some(sub) = write(res, "submission (API)", &mut tally).await {
            same(&sub["reference"], s, "submission.reference", &mut tally);
            same(&sub["contact"], s, "submission.contact", &mut tally);
            tally.tried += 2;
            let res = api
                .post(url(&format!("/api/v1/submissions/{}/responses", sub["id"])))
                .bearer_auth(&p.senior_key)
                .json(&json!({ "classification": "B", "responded_on": "2026-10-20", "summary": s, "commitments": s }))
                .send()
                .await
                .unwrap();
            if write(res, "response (API)", &mut tally).await.is_some() {
                let listed: Value = api
                    .get(url(&format!("/api/v1/submissions/{}/responses", sub["id"])))
                    .bearer_auth(&p.senior_key)
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                same(
                    &listed["responses"][0]["summary"],
                    s,
                    "response.summary",
                    &mut tally,
                );
                if let Some(c) = listed["commitments"].get(0) {
                    let text = c
                        .get("text")
                        .or_else(|| c.get("description"))
                        .unwrap_or(&Value::Null);
                    if text.is_string() {
                        same(text, s, "response.commitment", &mut tally);
                    }
                }
            }
        }

        for path in [
            page.clone(),
            format!("{page}/proposal"),
            format!("{page}/briefing"),
            format!("{page}/edit"),
        ] {
            let res = p.senior.get(url(&path)).send().await.unwrap();
            check_page(res, &shown, &path, &mut tally).await;
        }
        let res = p
            .senior
            .get(url(&format!("{page}/evidence.csv")))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        check_csv(&res.bytes().await.unwrap(), "evidence.csv");
        let res = p
            .senior
            .get(url(&format!("{page}/evidence.xlsx")))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        check_xlsx(&res.bytes().await.unwrap(), "evidence.xlsx");
        // The Markdown briefing is a download, never a page a browser would run.
        let res = p
            .senior
            .get(url(&format!("{page}/briefing.md")))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let ct = res.headers()["content-type"].to_str().unwrap().to_string();
        assert!(!ct.contains("html"), "{ct}");
        assert_eq!(res.headers()["x-content-type-options"], "nosniff");
        tally.checked += 1;
        let res = p
            .senior
            .get(url(&format!("{page}/briefing.docx")))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "briefing.docx for {s:?}");
        tally.checked += 1;
        let res = api
            .get(url(&format!(
                "/api/v1/issues/{issue_id}/briefing?format=json"
            )))
            .bearer_auth(&p.senior_key)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "briefing json for {s:?}");
        let briefing: Value = res.json().await.unwrap();
        assert!(
            json_has(&briefing, s.trim()),
            "briefing JSON lost {s:?}: {briefing}"
        );
        tally.checked += 1;
    }

    // ---- the lists and exports that show everything typed above
    let all: Vec<&str> = HOSTILE.to_vec();
    for (client, path) in [
        (&p.worker, "/findings"),
        (&p.worker, "/"),
        (&p.senior, "/issues"),
        (&p.senior, "/"),
        (&p.senior, "/departments"),
        (&p.senior, "/parameters"),
        (&p.senior, "/inbox"),
        (&p.senior, "/dashboards/pipeline"),
        (&p.senior, "/dashboards/replies"),
        (&p.senior, "/dashboards/departments"),
        (&p.senior, "/dashboards/evidence"),
        (&p.senior, "/dashboards/outcomes"),
        (&p.admin, "/admin/taxonomy"),
        (&p.admin, "/admin/users"),
        (&p.admin, "/admin/orgs"),
        (&p.admin, "/admin/audit"),
        (&p.admin, "/account"),
    ] {
        let res = client.get(url(path)).send().await.unwrap();
        check_page(res, &all, path, &mut tally).await;
    }
    let res = p
        .worker
        .get(url("/findings/export.csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let rows = check_csv(&res.bytes().await.unwrap(), "findings/export.csv");
    // Every finding is there, its narrative whole (a formula defused with a leading ').
    for narrative in &narratives {
        assert!(
            rows.iter()
                .flatten()
                .any(|c| c == narrative || c == narrative.trim()),
            "CSV lost {narrative:?}"
        );
    }
    let res = p
        .worker
        .get(url("/findings/export.xlsx"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    check_xlsx(&res.bytes().await.unwrap(), "findings/export.xlsx");
    tally.checked += 2;

    let fields_per_string = tally.tried / HOSTILE.len();
    crate::common::notice(&format!(
        "hostile input ({db:?}): {} strings × {fields_per_string} fields = {} tries; {} values read back exactly, {} refused clearly; {} pages/exports/responses checked; refusals: {:?}",
        HOSTILE.len(),
        tally.tried,
        tally.stored,
        tally.refused,
        tally.checked,
        tally.refusals
    ));
    w.app.stop().await;
}

/// Every filter of every list, with every hostile string: a clear answer, never a 5xx;
/// and search words are data, not SQL: `' OR 1=1 --`, `%` and `_` find nothing that
/// does not contain them, and another organisation's private fields stay unsearchable.
async fn search_and_filters_cannot_reach_sql(db: Db) {
    let t = TestDb::create(db).await.unwrap();
    let w = world_with(&t, no_rate_limit()).await;
    let p = people(&w).await;
    let api = reqwest::Client::new();
    let url = |path: &str| w.app.url(path);
    let record = |key: String, narrative: &'static str, private: &'static str| {
        let api = api.clone();
        let url = url("/api/v1/findings");
        let (area, community) = (w.area, w.community);
        async move {
            let res = api
                .post(url)
                .bearer_auth(&key)
                .json(&json!({ "narrative": narrative, "policy_area_id": area, "locality_id": community, "observed_on": "2026-10-01", "people_affected": 1, "private_notes": private, "case_reference": private }))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
        }
    };
    let other_key = token_for(&w.app, "other@example.org").await;
    record(
        p.worker_key.clone(),
        "康复补贴远低于训练费用 rehabilitation subsidy",
        "secret-ref-1",
    )
    .await;
    record(
        other_key.clone(),
        "养老服务补贴申请难 elderly care allowance",
        "other-secret-2",
    )
    .await;

    let search = |key: String, q: String| {
        let api = api.clone();
        let url = url("/api/v1/findings");
        async move {
            let res = api
                .get(url)
                .bearer_auth(&key)
                .query(&[("q", q.as_str())])
                .send()
                .await
                .unwrap();
            assert!(!res.status().is_server_error(), "q={q:?}: {}", res.status());
            let status = res.status();
            let body: Value = res.json().await.unwrap();
            (
                status.as_u16(),
                body["items"].as_array().map(Vec::len).unwrap_or(0),
            )
        }
    };
    // An administrator sees both findings; a worker only their own organisation's.
    assert_eq!(search(p.admin_key.clone(), String::new()).await, (200, 2));
    assert_eq!(search(p.worker_key.clone(), String::new()).await, (200, 1));
    // SQL in the words finds nothing: neither finding holds those words.
    for q in [
        "' OR 1=1 --",
        "\" OR \"\"=\"",
        "') OR ('1'='1",
        "1; SELECT 1",
        "x' UNION SELECT narrative FROM findings --",
    ] {
        assert_eq!(
            search(p.admin_key.clone(), q.to_string()).await,
            (200, 0),
            "{q:?}"
        );
    }
    // Wildcards and punctuation are no words at all: the same as no search, never a
    // pattern (the worker still sees only their own finding).
    for q in ["%", "_", "%%", "%_%", "*", "\\", "'", "--"] {
        assert_eq!(
            search(p.admin_key.clone(), q.to_string()).await,
            (200, 2),
            "{q:?}"
        );
        assert_eq!(
            search(p.worker_key.clone(), q.to_string()).await,
            (200, 1),
            "{q:?}"
        );
    }
    // A word with a wildcard glued on is that word, not a pattern: "补%" is not "补贴".
    assert_eq!(
        search(p.admin_key.clone(), "subsid%".into()).await,
        (200, 0)
    );
    // The words themselves still find their findings, wrapped in SQL or not.
    assert_eq!(search(p.admin_key.clone(), "补贴".into()).await, (200, 2));
    assert_eq!(
        search(p.admin_key.clone(), "康复 ' OR 1=1 --".into())
            .await
            .0,
        200
    );
    // Another organisation's private notes are not searchable, however asked.
    for q in [
        "other-secret-2",
        "other-secret-2' OR 1=1 --",
        "secret",
        "%secret%",
    ] {
        assert_eq!(
            search(p.worker_key.clone(), q.into()).await,
            (200, 0),
            "{q:?}"
        );
    }

    let mut tries = 0;
    let finding_params = [
        "q",
        "area",
        "locality",
        "from",
        "to",
        "org",
        "age",
        "linked",
        "threshold",
        "sort",
        "after",
        "limit",
    ];
    let view_params = [
        "from",
        "to",
        "area_id",
        "org_id",
        "owner_id",
        "department_id",
        "sort",
    ];
    for s in HOSTILE
        .iter()
        .chain(&["9223372036854775808", "-1", "0", "1e9", "NaN", "2026-02-30"])
    {
        for param in finding_params {
            for (client, path) in [
                (&p.worker, "/findings"),
                (&p.worker, "/findings/export.csv"),
            ] {
                let res = client
                    .get(url(path))
                    .query(&[(param, s)])
                    .send()
                    .await
                    .unwrap();
                assert!(
                    !res.status().is_server_error(),
                    "{path}?{param}={s:?}: {}",
                    res.status()
                );
                if res.status().is_success() && path == "/findings" {
                    let html = res.text().await.unwrap();
                    assert_no_active_markup(&html, path);
                }
                tries += 1;
            }
            let res = api
                .get(url("/api/v1/findings"))
                .bearer_auth(&p.worker_key)
                .query(&[(param, s)])
                .send()
                .await
                .unwrap();
            let status = res.status();
            assert!(
                status == 200 || status == 422 || status == 400,
                "api ?{param}={s:?}: {status}"
            );
            tries += 1;
        }
        for path in [
            "/dashboards/pipeline",
            "/dashboards/replies",
            "/dashboards/departments",
            "/dashboards/evidence",
            "/dashboards/outcomes",
        ] {
            for param in view_params {
                let res = p
                    .senior
                    .get(url(path))
                    .query(&[(param, s)])
                    .send()
                    .await
                    .unwrap();
                assert!(
                    !res.status().is_server_error(),
                    "{path}?{param}={s:?}: {}",
                    res.status()
                );
                tries += 1;
            }
        }
        for (client, path, param) in [
            (&p.admin, "/admin/audit", "before"),
            (&p.senior, "/issues", "q"),
            (&p.senior, "/reports", "from"),
            (&p.senior, "/login", "next"),
        ] {
            let res = client
                .get(url(path))
                .query(&[(param, s)])
                .send()
                .await
                .unwrap();
            assert!(
                !res.status().is_server_error(),
                "{path}?{param}={s:?}: {}",
                res.status()
            );
            tries += 1;
        }
        for param in ["from", "to", "format", "area_id", "org_id"] {
            let res = api
                .get(url("/api/v1/reports/portfolio"))
                .bearer_auth(&p.senior_key)
                .query(&[(param, s)])
                .send()
                .await
                .unwrap();
            assert!(
                !res.status().is_server_error(),
                "portfolio ?{param}={s:?}: {}",
                res.status()
            );
            tries += 1;
        }
    }
    // Nothing was changed by any of it.
    assert_eq!(search(p.admin_key.clone(), "补贴".into()).await, (200, 2));
    crate::common::notice(&format!(
        "hostile filters ({db:?}): {tries} requests, none a 5xx"
    ));
    w.app.stop().await;
}

/// Spreadsheet cells with every hostile string: stored exactly (or the file refused
/// clearly), shown escaped; uploads whose name or type lies are refused.
async fn hostile_spreadsheets_and_lying_uploads(db: Db) {
    use base64::Engine;
    let t = TestDb::create(db).await.unwrap();
    let w = world_with(&t, no_rate_limit()).await;
    let p = people(&w).await;
    let api = reqwest::Client::new();
    let url = |path: &str| w.app.url(path);
    let mut file = String::from("编号,情况描述,政策领域,社区,发现日期,涉及人数,标签\n");
    let mut expected = Vec::new();
    for (n, s) in HOSTILE.iter().enumerate() {
        if s.contains('\0') {
            continue;
        }
        let quoted = |c: &str| format!("\"{}\"", c.replace('"', "\"\""));
        let narrative = format!("补贴 {n} {s}");
        file.push_str(&format!(
            "{},{},disability,清水湾社区,2026-10-03,1,{}\n",
            quoted(&format!("H-{n}")),
            quoted(&narrative),
            quoted(s)
        ));
        expected.push(narrative);
    }
    let res = api
        .post(url("/api/v1/findings/import"))
        .bearer_auth(&p.worker_key)
        .json(&json!({ "file_base64": base64::engine::general_purpose::STANDARD.encode(&file), "personal_data": "confirm", "reason": "test" }))
        .send()
        .await
        .unwrap();
    let status = res.status();
    let report: Value = res.json().await.unwrap();
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["committed"], true, "{report}");
    let page: Value = api
        .get(url("/api/v1/findings?limit=100"))
        .bearer_auth(&p.worker_key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let narratives: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["narrative"].as_str().unwrap())
        .collect();
    for e in &expected {
        assert!(
            narratives.iter().any(|n| n == e || *n == e.trim()),
            "import lost {e:?}"
        );
    }
    let mut tally = Tally::default();
    let all: Vec<&str> = HOSTILE.to_vec();
    let res = p.worker.get(url("/findings")).send().await.unwrap();
    check_page(res, &all, "/findings after import", &mut tally).await;

    // A NUL in a cell: the file is refused, saying why.
    let res = api
        .post(url("/api/v1/findings/import"))
        .bearer_auth(&p.worker_key)
        .header("accept-language", "en")
        .json(&json!({ "file_base64": base64::engine::general_purpose::STANDARD.encode("情况描述,社区\n补贴\0x,清水湾社区\n") }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let body: Value = res.json().await.unwrap();
    assert!(
        body["error"]["message"].as_str().unwrap().contains("NUL"),
        "{body}"
    );

    // Uploads that lie about what they are: a program named .csv or .xlsx, a page
    // named .xlsx, a zip named .xlsx that is no workbook. Refused with a message.
    let c = &p.worker;
    for (name, bytes) in [
        (
            "findings.csv",
            b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff".to_vec(),
        ),
        (
            "findings.xlsx",
            b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff".to_vec(),
        ),
        (
            "findings.xlsx",
            b"PK\x03\x04not really a zip at all".to_vec(),
        ),
        (
            "../../etc/passwd.csv",
            b"\x00\x01\x02\x03\xff\xfe\xfd".to_vec(),
        ),
    ] {
        let token = csrf(&w.app, c, "/findings/import").await;
        let part = reqwest::multipart::Part::bytes(bytes).file_name(name.to_string());
        let res = c
            .post(url(&format!("/findings/import?csrf_token={token}")))
            .header("accept-language", "en")
            .multipart(reqwest::multipart::Form::new().part("file", part))
            .send()
            .await
            .unwrap();
        let status = res.status();
        assert!(!status.is_server_error(), "{name}: {status}");
        let html = res.text().await.unwrap();
        assert!(
            status.is_client_error()
                || html.contains("could not be read")
                || html.contains("not text"),
            "{name}: {status} {html}"
        );
        assert!(!html.contains("etc/passwd\""), "{name}");
    }
    w.app.stop().await;
}

/// A string longer than any field takes (60,003 bytes of Chinese: under the body limit,
/// over every text limit), in every text field of the API calls one at a time: refused
/// with a clear error naming the field, or (where a field has no limit of its own)
/// kept exactly; and on the pages the refusal re-renders the form with the text kept.
async fn overlong_text_is_refused_clearly_and_kept_in_the_form(db: Db) {
    let t = TestDb::create(db).await.unwrap();
    let w = world_with(&t, no_rate_limit()).await;
    let p = people(&w).await;
    let api = reqwest::Client::new();
    let url = |path: &str| w.app.url(path);
    let long = "界".repeat(20_001);
    let issue = crate::common::new_issue(&w.app.store, w.area, w.worker.user_id, "t", "p").await;
    let base_finding = json!({ "narrative": "补贴", "policy_area_id": w.area, "locality_id": w.community, "observed_on": "2026-10-01", "people_affected": 1 });
    let with = |base: &Value, path: &[&str], v: Value| {
        let mut out = base.clone();
        let mut at = &mut out;
        for (i, k) in path.iter().enumerate() {
            if i + 1 == path.len() {
                at[*k] = v.clone();
            } else {
                at = &mut at[*k];
            }
        }
        out
    };
    let l = json!(long);
    let cases: Vec<(&str, String, &String, Value)> = vec![
        (
            "finding.narrative",
            url("/api/v1/findings"),
            &p.worker_key,
            with(&base_finding, &["narrative"], l.clone()),
        ),
        (
            "finding.case_reference",
            url("/api/v1/findings"),
            &p.worker_key,
            with(&base_finding, &["case_reference"], l.clone()),
        ),
        (
            "finding.private_notes",
            url("/api/v1/findings"),
            &p.worker_key,
            with(&base_finding, &["private_notes"], l.clone()),
        ),
        (
            "finding.external_id",
            url("/api/v1/findings"),
            &p.worker_key,
            with(&base_finding, &["external_id"], l.clone()),
        ),
        (
            "finding.tags",
            url("/api/v1/findings"),
            &p.worker_key,
            with(&base_finding, &["tags"], json!([long])),
        ),
        (
            "finding.threshold",
            url("/api/v1/findings"),
            &p.worker_key,
            with(
                &base_finding,
                &["threshold"],
                json!({ "benefit": long, "kind": "age", "value": "14" }),
            ),
        ),
        (
            "finding.figure",
            url("/api/v1/findings"),
            &p.worker_key,
            with(
                &base_finding,
                &["figures"],
                json!([{ "name": long, "amount": 1.0, "unit": "元" }]),
            ),
        ),
        (
            "issue.title",
            url("/api/v1/issues"),
            &p.senior_key,
            json!({ "title": long, "problem_statement": "p", "policy_area_id": w.area }),
        ),
        (
            "issue.problem_statement",
            url("/api/v1/issues"),
            &p.senior_key,
            json!({ "title": "t", "problem_statement": "界".repeat(20_001), "policy_area_id": w.area }),
        ),
        (
            "department.name_zh",
            url("/api/v1/departments"),
            &p.admin_key,
            json!({ "name_zh": long, "level": "municipal", "reply_unit": "months", "reply_count": "3" }),
        ),
        (
            "department.name_en",
            url("/api/v1/departments"),
            &p.admin_key,
            json!({ "name_zh": "部门", "name_en": long, "level": "municipal", "reply_unit": "months", "reply_count": "3" }),
        ),
        (
            "parameter.name_zh",
            url("/api/v1/parameters"),
            &p.admin_key,
            json!({ "name_zh": long, "name_en": "x", "unit": "元" }),
        ),
        (
            "parameter.unit",
            url("/api/v1/parameters"),
            &p.admin_key,
            json!({ "name_zh": "参数", "name_en": "x", "unit": long }),
        ),
        (
            "submission.reference",
            url(&format!("/api/v1/issues/{}/submissions", issue.id)),
            &p.senior_key,
            json!({ "department_id": "1", "handling": "lead", "channel": "letter", "submitted_on": "2026-09-24", "reference": long }),
        ),
    ];
    let mut accepted = Vec::new();
    for (field, to, key, body) in &cases {
        let res = api
            .post(to)
            .bearer_auth(key)
            .header("accept-language", "en")
            .json(body)
            .send()
            .await
            .unwrap();
        let status = res.status();
        let text = res.text().await.unwrap();
        assert!(!status.is_server_error(), "{field}: {status} {text}");
        if status.is_success() {
            assert!(
                text.contains(&long[..300]),
                "{field}: accepted but not kept"
            );
            accepted.push(*field);
            continue;
        }
        assert!(status == 422 || status == 400, "{field}: {status} {text}");
        let err: Value = serde_json::from_str(&text).unwrap();
        assert!(
            !err["error"]["message"].as_str().unwrap().is_empty(),
            "{field}: {text}"
        );
    }
    assert!(accepted.is_empty(), "no limit on {accepted:?}");

    // The finding form: the page comes back with the errors and every word typed.
    let token = csrf(&w.app, &p.worker, "/findings/new").await;
    let res = p
        .worker
        .post(url("/findings"))
        .header("accept-language", "en")
        .form(&[
            ("csrf_token", token.as_str()),
            ("narrative", long.as_str()),
            ("policy_area_id", &w.area.to_string()),
            ("locality_id", &w.community.to_string()),
            ("observed_on", "2026-10-01"),
            ("people_affected", "1"),
        ])
        .send()
        .await
        .unwrap();
    let status = res.status();
    let html = res.text().await.unwrap();
    assert!(status == 200 || status == 422, "{status}");
    assert!(html.contains(&long), "the narrative typed was lost");
    // The issue form too.
    let token = csrf(&w.app, &p.senior, "/issues/new").await;
    let res = p
        .senior
        .post(url("/issues"))
        .header("accept-language", "en")
        .form(&[
            ("csrf_token", token.as_str()),
            ("title", long.as_str()),
            ("problem_statement", "kept statement"),
            ("policy_area_id", &w.area.to_string()),
        ])
        .send()
        .await
        .unwrap();
    let status = res.status();
    let html = res.text().await.unwrap();
    assert!(status == 200 || status == 422, "{status}");
    assert!(
        html.contains(&long) && html.contains("kept statement"),
        "the issue form lost what was typed"
    );
    w.app.stop().await;
}

crate::both_databases!(
    every_text_field_takes_hostile_input_safely,
    search_and_filters_cannot_reach_sql,
    hostile_spreadsheets_and_lying_uploads,
    overlong_text_is_refused_clearly_and_kept_in_the_form,
);
