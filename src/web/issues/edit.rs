//! Editing an issue's title, problem statement and priority. Two people may edit at
//! once: the second save is refused, shown what the other person changed, and keeps
//! everything they typed so they can merge and save again.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;
use tower_sessions::Session;

use super::{PRIORITIES, can_manage, load_issue, priority_key};
use crate::error::AppError;
use crate::store::issues::IssueRow;
use crate::store::{AuditEvent, StoreError};
use crate::web::AppState;
use crate::web::context::CurrentUser;
use crate::web::forms::FieldErrors;
use crate::web::layout::{self, FlashKind, PageCtx, csrf_field, flash};

#[derive(Debug, Clone, Default, Deserialize)]
pub struct EditForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    problem_statement: String,
    #[serde(default)]
    priority: String,
    /// The version the form was opened at, and what the fields held then.
    version: i64,
    #[serde(default)]
    orig_title: String,
    #[serde(default)]
    orig_problem_statement: String,
    #[serde(default)]
    orig_priority: String,
}

impl EditForm {
    fn from_issue(i: &IssueRow) -> EditForm {
        EditForm {
            title: i.title.clone(),
            problem_statement: i.problem_statement.clone(),
            priority: i.priority.clone(),
            version: i.version,
            orig_title: i.title.clone(),
            orig_problem_statement: i.problem_statement.clone(),
            orig_priority: i.priority.clone(),
        }
    }
}

pub async fn edit_form(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    page: PageCtx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    if !can_manage(user.role) {
        return Err(AppError::Forbidden);
    }
    let issue = load_issue(&state, id).await?;
    Ok(render(
        &page,
        &issue,
        EditForm::from_issue(&issue),
        FieldErrors::default(),
        None,
    )
    .into_response())
}

/// The form; `theirs` is the issue as someone else saved it meanwhile.
fn render(
    page: &PageCtx,
    issue: &IssueRow,
    form: EditForm,
    errors: FieldErrors,
    theirs: Option<&IssueRow>,
) -> (StatusCode, maud::Markup) {
    let tr = page.tr();
    let status = if theirs.is_some() {
        StatusCode::CONFLICT
    } else if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let err = |f: &str| errors.get(f).map(|k| tr.t(k));
    let body = layout::page(
        page,
        tr.t("issues.edit"),
        html! {
            p { a href={ "/issues/" (issue.id) } { "← #" (issue.id) " " (issue.title) } }
            h1 { (tr.t("issues.edit")) }
            @if let Some(now) = theirs {
                div.flash.flash-error role="alert" {
                    p { (tr.t("issues.edited_meanwhile")) }
                    ul {
                        @if now.title != form.orig_title { li { strong { (tr.t("issues.issue_title")) } ": " (now.title) } }
                        @if now.problem_statement != form.orig_problem_statement { li { strong { (tr.t("issues.problem_statement")) } ": " (now.problem_statement) } }
                        @if now.priority != form.orig_priority { li { strong { (tr.t("issues.priority")) } ": " (tr.t(priority_key(&now.priority))) } }
                    }
                }
            }
            form.stack method="post" action={ "/issues/" (issue.id) "/edit" } {
                (csrf_field(page))
                @let (version, ot, os, op) = match theirs {
                    // Saving again accepts the other person's version as the new base.
                    Some(now) => (now.version, now.title.clone(), now.problem_statement.clone(), now.priority.clone()),
                    None => (form.version, form.orig_title.clone(), form.orig_problem_statement.clone(), form.orig_priority.clone()),
                };
                input type="hidden" name="version" value=(version);
                input type="hidden" name="orig_title" value=(ot);
                input type="hidden" name="orig_problem_statement" value=(os);
                input type="hidden" name="orig_priority" value=(op);
                div.field {
                    label for="e-title" { (tr.t("issues.issue_title")) }
                    input #e-title name="title" value=(form.title) required maxlength="200";
                    @if let Some(e) = err("title") { p.error { (e) } }
                }
                div.field {
                    label for="e-statement" { (tr.t("issues.problem_statement")) }
                    textarea #e-statement name="problem_statement" rows="6" required { (form.problem_statement) }
                    @if let Some(e) = err("problem_statement") { p.error { (e) } }
                }
                div.field {
                    label for="e-priority" { (tr.t("issues.priority")) }
                    select #e-priority name="priority" {
                        @for p in PRIORITIES { option value=(p) selected[form.priority == p] { (tr.t(priority_key(p))) } }
                    }
                }
                button.primary type="submit" { (tr.t("form.save")) }
            }
        },
    );
    (status, body)
}

pub async fn update(
    State(state): State<AppState>,
    session: Session,
    CurrentUser(user): CurrentUser,
    page: PageCtx,
    Path(id): Path<i64>,
    Form(form): Form<EditForm>,
) -> Result<Response, AppError> {
    if !can_manage(user.role) {
        return Err(AppError::Forbidden);
    }
    let issue = load_issue(&state, id).await?;
    let mut errors = FieldErrors::default();
    let title = form.title.trim();
    if title.is_empty() || title.chars().count() > 200 {
        errors.add("title", "issues.title_invalid");
    }
    let statement = form.problem_statement.trim();
    if statement.is_empty() || statement.chars().count() > super::STATEMENT_MAX_CHARS {
        errors.add("problem_statement", "issues.statement_invalid");
    }
    if !PRIORITIES.contains(&form.priority.as_str()) {
        errors.add("priority", "issues.priority_invalid");
    }
    if !errors.is_empty() {
        return Ok(render(&page, &issue, form, errors, None).into_response());
    }
    let audit = AuditEvent::new("issue.edited", Some(user.id), Some(page.ctx.ip.clone()))
        .subject("issue", Some(id))
        .detail(title);
    match state
        .store
        .update_issue(id, form.version, title, statement, &form.priority, &audit)
        .await
    {
        Ok(()) => {
            flash(&session, FlashKind::Success, page.tr().t("form.saved")).await?;
            Ok(Redirect::to(&format!("/issues/{id}")).into_response())
        }
        Err(StoreError::Conflict) => {
            let now = load_issue(&state, id).await?;
            Ok(render(&page, &issue, form, FieldErrors::default(), Some(&now)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
