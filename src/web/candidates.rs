//! Candidate issues found by the recurring-gap pass: why their findings were grouped,
//! turning one into an issue with its findings linked, or dismissing it.

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Path, State};
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
}

async fn list(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    page: PageCtx,
) -> Result<Response, AppError> {
    if !can_manage(user.role) {
        return Err(AppError::Forbidden);
    }
    render(&state, &user, &page, None).await
}

/// The page; `failed` re-shows one candidate's form with what was typed and its errors.
async fn render(
    state: &AppState,
    user: &crate::store::User,
    page: &PageCtx,
    failed: Option<(i64, CandidateForm, FieldErrors)>,
) -> Result<Response, AppError> {
    let tr = page.tr();
    let lang = page.ctx.lang;
    let tax = Taxonomy::cached(state).await?;
    let candidates = state.store.list_candidates().await?;
    let last = state.store.last_pass().await?;
    // The first findings of each candidate, as examples.
    let shown: Vec<i64> = candidates
        .iter()
        .flat_map(|c| c.finding_ids.iter().take(4).copied())
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
    Form(form): Form<CandidateForm>,
) -> Result<Response, AppError> {
    if !can_manage(user.role) {
        return Err(AppError::Forbidden);
    }
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
    if !errors.is_empty() {
        return render(&state, &user, &page, Some((id, form, errors))).await;
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
    match state.store.issue_from_candidate(id, &new, &audit).await {
        Ok(done) => {
            let msg = if done.skipped.is_empty() {
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
