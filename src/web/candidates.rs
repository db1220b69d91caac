//! Candidate issues found by the recurring-gap pass: why their findings were grouped,
//! turning one into an issue with its findings linked, or dismissing it.

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::{Markup, html};
use serde::Deserialize;
use tower_sessions::Session;

use super::AppState;
use super::findings::Taxonomy;
use super::issues::{PRIORITIES, can_manage};
use crate::domain::finding::access;
use crate::domain::recurrence::is_concept;
use crate::error::AppError;
use crate::i18n::{Lang, Tr};
use crate::store::findings::Finding;
use crate::store::issues::NewIssue;
use crate::store::recurrence::CandidateRow;
use crate::store::{AuditEvent, StoreError};
use crate::web::context::CurrentUser;
use crate::web::forms::FieldErrors;
use crate::web::layout::{self, FlashKind, PageCtx, csrf_field, flash};

pub fn router() -> crate::web::routes::Routes {
    crate::web::routes::Routes::new()
        .route("/candidates", get(list))
        .route("/candidates/refresh", post(refresh))
        .route("/candidates/{id}/issue", post(to_issue))
        .route("/candidates/{id}/dismiss", post(dismiss))
}

/// A shared term as a reader sees it: concepts by their name in the reader's language.
pub fn term_label(term: &str, lang: Lang) -> String {
    match is_concept(term) {
        Some(c) => match lang {
            Lang::Zh => c.zh.to_string(),
            Lang::En => c.en.to_string(),
        },
        None => term.to_string(),
    }
}

/// The shared terms as labels, each once (the concept 康复 and the pair 康复 alike).
pub fn shared_labels(c: &CandidateRow, lang: Lang) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for t in &c.shared_terms {
        let label = term_label(t, lang);
        if !out.contains(&label) {
            out.push(label);
        }
    }
    out
}

/// A first title for the issue: the benefit the findings name, or their shared terms.
pub fn suggested_title(c: &CandidateRow, tr: Tr) -> String {
    let lang = tr.lang();
    let terms: Vec<String> = c
        .shared_terms
        .iter()
        .take(3)
        .map(|t| term_label(t, lang))
        .collect();
    let subject = c
        .benefits
        .first()
        .cloned()
        .unwrap_or_else(|| terms.join(" · "));
    match (&c.threshold_kind, &c.threshold_value) {
        (Some(k), Some(v)) => tr.f(
            "candidates.title_threshold",
            &[
                ("subject", &subject),
                ("kind", tr.t(&format!("threshold.{k}"))),
                ("value", v),
            ],
        ),
        _ => tr.f("candidates.title_plain", &[("subject", &subject)]),
    }
}

fn suggested_statement(c: &CandidateRow, tr: Tr) -> String {
    let terms = shared_labels(c, tr.lang());
    tr.f(
        "candidates.statement",
        &[
            ("count", &c.finding_ids.len().to_string()),
            ("workers", &c.workers.to_string()),
            ("orgs", &c.organisations.to_string()),
            ("terms", &terms.join("、")),
        ],
    )
}

#[derive(Debug, Deserialize, Default, Clone)]
pub struct CandidateForm {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub problem_statement: String,
    #[serde(default)]
    pub priority: String,
    /// The findings the reviewer kept ticked: the ones to link.
    #[serde(default)]
    pub finding_ids: Vec<i64>,
}

impl CandidateForm {
    /// Reads the posted pairs; `finding_id` repeats, once per ticked finding.
    fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        let mut form = CandidateForm::default();
        for (k, v) in pairs {
            match k.as_str() {
                "title" => form.title = v,
                "problem_statement" => form.problem_statement = v,
                "priority" => form.priority = v,
                "finding_id" => {
                    if let Ok(id) = v.parse() {
                        form.finding_ids.push(id);
                    }
                }
                _ => {}
            }
        }
        form.finding_ids.sort_unstable();
        form.finding_ids.dedup();
        form
    }
}

/// Candidates shown per page: each lists all its findings for review.
const PER_PAGE: usize = 20;

#[derive(Debug, Deserialize, Default)]
pub struct ListQuery {
    page: Option<usize>,
}

async fn list(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    page: PageCtx,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    if !can_manage(user.role) {
        return Err(AppError::Forbidden);
    }
    render(&state, &user, &page, q.page.unwrap_or(1), None).await
}

/// The page; `failed` re-shows one candidate's form with what was typed and its errors,
/// on the page that holds that candidate (`page_no` is then not used).
async fn render(
    state: &AppState,
    user: &crate::store::User,
    page: &PageCtx,
    page_no: usize,
    failed: Option<(i64, CandidateForm, FieldErrors)>,
) -> Result<Response, AppError> {
    let tr = page.tr();
    let lang = page.ctx.lang;
    let tax = Taxonomy::cached(state).await?;
    let all = state.store.list_candidates().await?;
    let total = all.len();
    let pages = total.div_ceil(PER_PAGE).max(1);
    // A failed form is shown on the page that holds its candidate.
    let page_no = match &failed {
        Some((id, ..)) => all.iter().position(|c| c.id == *id).unwrap_or(0) / PER_PAGE + 1,
        None => page_no.clamp(1, pages),
    };
    let candidates: Vec<CandidateRow> = all
        .into_iter()
        .skip((page_no - 1) * PER_PAGE)
        .take(PER_PAGE)
        .collect();
    let last = state.store.last_pass().await?;
    // Every finding of each candidate: the first few as examples, all of them in the
    // form that turns it into an issue, where the reviewer can leave some out.
    let shown: Vec<i64> = candidates
        .iter()
        .flat_map(|c| c.finding_ids.iter().copied())
        .collect();
    let findings: HashMap<i64, Finding> = state
        .store
        .get_findings(&shown)
        .await?
        .into_iter()
        .map(|f| (f.id, f))
        .collect();
    let status = if failed.is_some() {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        axum::http::StatusCode::OK
    };
    let body = layout::page(
        page,
        tr.t("candidates.title"),
        html! {
            h1 { (tr.t("candidates.title")) }
            p.lead { (tr.t("candidates.lead")) }
            div.actions {
                @if let Some(p) = &last {
                    span.muted { (tr.f("candidates.last_pass", &[
                        ("date", &p.finished_at.format("%Y-%m-%d %H:%M").to_string()),
                        ("findings", &p.findings.to_string()),
                    ])) } " "
                } @else {
                    span.muted { (tr.t("candidates.never")) } " "
                }
                form.inline-form method="post" action="/candidates/refresh" {
                    (csrf_field(page))
                    button type="submit" { (tr.t("candidates.refresh")) }
                }
            }
            @if candidates.is_empty() { p.muted { (tr.t("candidates.none")) } }
            @for c in &candidates {
                (candidate_card(page, &tax, lang, c, &findings, user, failed.as_ref().filter(|f| f.0 == c.id)))
            }
            @if pages > 1 {
                nav.pager aria-label=(tr.t("candidates.title")) {
                    span.muted { (tr.f("candidates.page", &[("page", &page_no.to_string()), ("pages", &pages.to_string()), ("count", &total.to_string())])) } " "
                    @if page_no > 1 { a href={ "/candidates?page=" (page_no - 1) } { "← " (tr.t("issues.previous_page")) } " " }
                    @if page_no < pages { a href={ "/candidates?page=" (page_no + 1) } { (tr.t("issues.next_page")) " →" } }
                }
            }
        },
    );
    Ok((status, body).into_response())
}

fn candidate_card(
    page: &PageCtx,
    tax: &Taxonomy,
    lang: Lang,
    c: &CandidateRow,
    findings: &HashMap<i64, Finding>,
    user: &crate::store::User,
    failed: Option<&(i64, CandidateForm, FieldErrors)>,
) -> Markup {
    let tr = page.tr();
    let form = failed
        .map(|f| f.1.clone())
        .unwrap_or_else(|| CandidateForm {
            title: suggested_title(c, tr),
            problem_statement: suggested_statement(c, tr),
            priority: "normal".into(),
            finding_ids: c.finding_ids.clone(),
        });
    let no_errors = FieldErrors::default();
    let errors = failed.map(|f| &f.2).unwrap_or(&no_errors);
    let id = c.id;
    html! {
        section.card.candidate id={ "candidate-" (id) } {
            h2 { (tr.f("candidates.heading", &[("count", &c.finding_ids.len().to_string()), ("area", &tax.area_name(c.area_id, lang))])) }
            p.meta { (tr.f("candidates.who", &[("workers", &c.workers.to_string()), ("orgs", &c.organisations.to_string())])) }
            h3 { (tr.t("candidates.why")) }
            ul.reasons {
                li { (tr.t("candidates.shared_terms")) " "
                    @for t in shared_labels(c, lang) { span.tag { (t) } " " }
                }
                @if let (Some(k), Some(v), Some(n)) = (&c.threshold_kind, &c.threshold_value, c.threshold_count) {
                    li { (tr.f("candidates.shared_threshold", &[("kind", tr.t(&format!("threshold.{k}"))), ("value", v), ("count", &n.to_string())])) }
                }
                @if let (Some(m), Some(n)) = (&c.failure_mode, c.failure_mode_count) {
                    li { (tr.f("candidates.shared_failure_mode", &[("mode", tr.t(&format!("failure_mode.{m}"))), ("count", &n.to_string())])) }
                }
                @if !c.benefits.is_empty() {
                    li { (tr.t("candidates.benefits")) " " (c.benefits.join("、")) }
                }
                li { (tr.t("candidates.same_area")) }
            }
            h3 { (tr.t("candidates.examples")) }
            ul.plain {
                @for fid in c.finding_ids.iter().take(4) {
                    @if let Some(f) = findings.get(fid) {
                        li {
                            @if access::can_view(user.role, user.org_id, f.org_id) {
                                a href={ "/findings/" (f.id) } { (tr.f("finding.title", &[("id", &f.id.to_string())])) }
                                " " (excerpt(&f.narrative, 140))
                            } @else {
                                (tr.f("finding.title", &[("id", &f.id.to_string())])) " " span.muted { (tr.t("candidates.other_org")) }
                            }
                        }
                    }
                }
                @if c.finding_ids.len() > 4 {
                    li.muted { (tr.f("candidates.more", &[("count", &(c.finding_ids.len() - 4).to_string())])) }
                }
            }
            details open[failed.is_some()] {
                summary { (tr.t("candidates.to_issue")) }
                form.stack method="post" action={ "/candidates/" (id) "/issue" } {
                    (csrf_field(page))
                    div.field {
                        label for={ "c-title-" (id) } { (tr.t("issues.issue_title")) }
                        input id={ "c-title-" (id) } name="title" value=(form.title) required maxlength="200";
                        @if let Some(k) = errors.get("title") { p.error { (tr.t(k)) } }
                    }
                    div.field {
                        label for={ "c-statement-" (id) } { (tr.t("issues.problem_statement")) }
                        textarea id={ "c-statement-" (id) } name="problem_statement" rows="4" required { (form.problem_statement) }
                        @if let Some(k) = errors.get("problem_statement") { p.error { (tr.t(k)) } }
                    }
                    fieldset.field.choose-findings {
                        legend { (tr.t("candidates.choose_findings")) }
                        p.hint { (tr.t("candidates.choose_hint")) }
                        ul.plain.checklist {
                            @for fid in &c.finding_ids {
                                li {
                                    label {
                                        input type="checkbox" name="finding_id" value=(fid) checked[form.finding_ids.contains(fid)];
                                        " "
                                        @match findings.get(fid) {
                                            Some(f) if access::can_view(user.role, user.org_id, f.org_id) => {
                                                strong { (tr.f("finding.title", &[("id", &f.id.to_string())])) }
                                                " " (excerpt(&f.narrative, 200))
                                            }
                                            _ => {
                                                strong { (tr.f("finding.title", &[("id", &fid.to_string())])) }
                                                " " span.muted { (tr.t("candidates.other_org")) }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                        @if let Some(k) = errors.get("finding_ids") { p.error { (tr.t(k)) } }
                    }
                    div.field {
                        label for={ "c-priority-" (id) } { (tr.t("issues.priority")) }
                        select id={ "c-priority-" (id) } name="priority" {
                            @for p in PRIORITIES {
                                option value=(p) selected[form.priority == p] { (tr.t(&format!("issues.priority_{p}"))) }
                            }
                        }
                        @if let Some(k) = errors.get("priority") { p.error { (tr.t(k)) } }
                    }
                    button.primary type="submit" { (tr.t("candidates.create")) }
                }
            }
            form.inline-form method="post" action={ "/candidates/" (id) "/dismiss" } {
                (csrf_field(page))
                button.link-button type="submit" { (tr.t("candidates.dismiss")) }
            }
        }
    }
}

fn excerpt(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        format!("{}…", text.chars().take(max).collect::<String>())
    }
}

async fn refresh(
    State(state): State<AppState>,
    session: Session,
    CurrentUser(user): CurrentUser,
    page: PageCtx,
) -> Result<Response, AppError> {
    if !can_manage(user.role) {
        return Err(AppError::Forbidden);
    }
    let outcome = crate::background::run_recurrence_pass(&state.store)
        .await
        .map_err(AppError::Internal)?;
    flash(
        &session,
        FlashKind::Success,
        page.tr().f(
            "candidates.refreshed",
            &[
                ("findings", &outcome.findings.to_string()),
                ("count", &outcome.shown.to_string()),
            ],
        ),
    )
    .await?;
    Ok(Redirect::to("/candidates").into_response())
}

async fn to_issue(
    State(state): State<AppState>,
    session: Session,
    CurrentUser(user): CurrentUser,
    page: PageCtx,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    if !can_manage(user.role) {
        return Err(AppError::Forbidden);
    }
    let form = CandidateForm::from_pairs(pairs);
    let tr = page.tr();
    let Some(candidate) = state.store.get_candidate(id).await? else {
        flash(&session, FlashKind::Error, tr.t("candidates.gone")).await?;
        return Ok(Redirect::to("/candidates").into_response());
    };
    let mut errors = FieldErrors::default();
    let title = form.title.trim();
    if title.is_empty() || title.chars().count() > 200 {
        errors.add("title", "issues.title_invalid");
    }
    let statement = form.problem_statement.trim();
    if statement.is_empty() || statement.chars().count() > 20_000 {
        errors.add("problem_statement", "issues.statement_invalid");
    }
    if !PRIORITIES.contains(&form.priority.as_str()) {
        errors.add("priority", "issues.priority_invalid");
    }
    if !form
        .finding_ids
        .iter()
        .any(|f| candidate.finding_ids.contains(f))
    {
        errors.add("finding_ids", "candidates.none_chosen");
    }
    if !errors.is_empty() {
        return render(&state, &user, &page, 1, Some((id, form, errors))).await;
    }
    let new = NewIssue {
        title: title.to_string(),
        problem_statement: statement.to_string(),
        policy_area_id: candidate.area_id,
        owner_id: user.id,
        priority: form.priority.clone(),
    };
    let audit = AuditEvent::new("issue.created", Some(user.id), Some(page.ctx.ip.clone()))
        .subject("issue", None)
        .detail(title);
    match state
        .store
        .issue_from_candidate(id, &new, Some(&form.finding_ids), &audit)
        .await
    {
        Ok(done) => {
            let msg = if !done.left_out.is_empty() {
                tr.f(
                    "candidates.created_left_out",
                    &[
                        ("count", &done.linked.len().to_string()),
                        ("left_out", &done.left_out.len().to_string()),
                    ],
                )
            } else if done.skipped.is_empty() {
                tr.f(
                    "candidates.created",
                    &[("count", &done.linked.len().to_string())],
                )
            } else {
                tr.f(
                    "candidates.created_some",
                    &[
                        ("count", &done.linked.len().to_string()),
                        ("skipped", &done.skipped.len().to_string()),
                    ],
                )
            };
            flash(&session, FlashKind::Success, msg).await?;
            Ok(Redirect::to(&format!("/issues/{}", done.issue_id)).into_response())
        }
        Err(StoreError::NotFound) | Err(StoreError::Conflict) => {
            flash(&session, FlashKind::Error, tr.t("candidates.gone")).await?;
            Ok(Redirect::to("/candidates").into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn dismiss(
    State(state): State<AppState>,
    session: Session,
    CurrentUser(user): CurrentUser,
    page: PageCtx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    if !can_manage(user.role) {
        return Err(AppError::Forbidden);
    }
    let audit = AuditEvent::new(
        "candidate.dismissed",
        Some(user.id),
        Some(page.ctx.ip.clone()),
    )
    .subject("candidate", Some(id));
    let tr = page.tr();
    match state.store.dismiss_candidate(id, &audit).await {
        Ok(()) => flash(&session, FlashKind::Success, tr.t("candidates.dismissed")).await?,
        Err(StoreError::NotFound) => {
            flash(&session, FlashKind::Error, tr.t("candidates.gone")).await?
        }
        Err(e) => return Err(e.into()),
    }
    Ok(Redirect::to("/candidates").into_response())
}
