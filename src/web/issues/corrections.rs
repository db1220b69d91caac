//! Correcting a recorded submission or response. As with issues, a save made from an
//! older version is refused, shown what the other person saved, and keeps what was
//! typed; saving again builds on their version.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;
use tower_sessions::Session;

use super::answers::scheme;
use super::can_manage;
use crate::error::AppError;
use crate::store::lifecycle::{CHANNELS, ResponseRow, SubmissionRow};
use crate::store::{AuditEvent, StoreError};
use crate::web::AppState;
use crate::web::context::CurrentUser;
use crate::web::layout::{self, FlashKind, PageCtx, csrf_field, flash};

#[derive(Debug, Clone, Deserialize)]
pub struct SubmissionEdit {
    handling: String,
    channel: String,
    #[serde(default)]
    reference: String,
    #[serde(default)]
    contact: String,
    version: i64,
    /// What the fields held when the form was opened.
    #[serde(default)]
    orig_handling: String,
    #[serde(default)]
    orig_channel: String,
    #[serde(default)]
    orig_reference: String,
    #[serde(default)]
    orig_contact: String,
}

impl SubmissionEdit {
    fn of(s: &SubmissionRow) -> SubmissionEdit {
        SubmissionEdit {
            handling: s.handling.clone(),
            channel: s.channel.clone(),
            reference: s.reference.clone(),
            contact: s.contact.clone(),
            version: s.version,
            orig_handling: s.handling.clone(),
            orig_channel: s.channel.clone(),
            orig_reference: s.reference.clone(),
            orig_contact: s.contact.clone(),
        }
    }
}

/// The fields someone else changed: (label key, before, now) → (label key, now).
fn changed<const N: usize>(
    fields: [(&'static str, &String, &String); N],
) -> Vec<(&'static str, String)> {
    fields
        .into_iter()
        .filter(|(_, before, now)| before != now)
        .map(|(k, _, now)| (k, now.clone()))
        .collect()
}

fn conflict_note(page: &PageCtx, changes: Vec<(&'static str, String)>) -> Markup {
    let tr = page.tr();
    html! {
        div.flash.flash-error role="alert" {
            p { (tr.t("corrections.changed_meanwhile")) }
            ul { @for (k, v) in changes { li { strong { (tr.t(k)) } ": " (v) } } }
        }
    }
}

fn submission_page(
    page: &PageCtx,
    s: &SubmissionRow,
    form: &SubmissionEdit,
    conflict: Option<&SubmissionRow>,
    error: Option<&'static str>,
) -> Response {
    let tr = page.tr();
    let status = if conflict.is_some() {
        StatusCode::CONFLICT
    } else if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    // After a conflict the next save builds on what the other person saved.
    let base = match conflict {
        Some(now) => SubmissionEdit::of(now),
        None => form.clone(),
    };
    let body = layout::page(
        page,
        tr.t("corrections.submission"),
        html! {
            p { a href={ "/issues/" (s.issue_id) "#submission-" (s.id) } { "← #" (s.issue_id) } }
            h1 { (tr.t("corrections.submission")) " · " (s.department_zh) " · " (s.submitted_on) }
            @if let Some(now) = conflict {
                (conflict_note(page, changed([
                    ("submissions.reference", &form.orig_reference, &now.reference),
                    ("submissions.contact", &form.orig_contact, &now.contact),
                    ("submissions.channel", &form.orig_channel, &now.channel),
                    ("submissions.handling", &form.orig_handling, &now.handling),
                ])))
            }
            @if let Some(k) = error { p.error { (tr.t(k)) } }
            form.stack method="post" action={ "/submissions/" (s.id) "/edit" } {
                (csrf_field(page))
                input type="hidden" name="version" value=(base.version);
                input type="hidden" name="orig_handling" value=(base.orig_handling);
                input type="hidden" name="orig_channel" value=(base.orig_channel);
                input type="hidden" name="orig_reference" value=(base.orig_reference);
                input type="hidden" name="orig_contact" value=(base.orig_contact);
                div.field {
                    label for="c-handling" { (tr.t("submissions.handling")) }
                    select #c-handling name="handling" {
                        option value="lead" selected[form.handling == "lead"] { (tr.t("submissions.lead")) }
                        option value="co" selected[form.handling == "co"] { (tr.t("submissions.co")) }
                    }
                }
                div.field {
                    label for="c-channel" { (tr.t("submissions.channel")) }
                    select #c-channel name="channel" {
                        @for c in CHANNELS { option value=(c) selected[form.channel == c] { (tr.t(super::lifecycle::channel_key(c))) } }
                    }
                }
                div.field { label for="c-reference" { (tr.t("submissions.reference")) } input #c-reference name="reference" value=(form.reference) maxlength="200"; }
                div.field { label for="c-contact" { (tr.t("submissions.contact")) } input #c-contact name="contact" value=(form.contact) maxlength="200"; }
                button.primary type="submit" { (tr.t("form.save")) }
            }
        },
    );
    (status, body).into_response()
}

pub async fn submission_form(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    page: PageCtx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    if !can_manage(user.role) {
        return Err(AppError::Forbidden);
    }
    let s = state
        .store
        .get_submission(id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(submission_page(
        &page,
        &s,
        &SubmissionEdit::of(&s),
        None,
        None,
    ))
}

pub async fn submission_save(
    State(state): State<AppState>,
    session: Session,
    CurrentUser(user): CurrentUser,
    page: PageCtx,
    Path(id): Path<i64>,
    Form(form): Form<SubmissionEdit>,
) -> Result<Response, AppError> {
    if !can_manage(user.role) {
        return Err(AppError::Forbidden);
    }
    let s = state
        .store
        .get_submission(id)
        .await?
        .ok_or(AppError::NotFound)?;
    let valid = ["lead", "co"].contains(&form.handling.as_str())
        && CHANNELS.contains(&form.channel.as_str())
        && form.reference.chars().count() <= 200
        && form.contact.chars().count() <= 200;
    if !valid {
        return Ok(submission_page(
            &page,
            &s,
            &form,
            None,
            Some("corrections.invalid"),
        ));
    }
    let audit = AuditEvent::new(
        "issue.submission_corrected",
        Some(user.id),
        Some(page.ctx.ip.clone()),
    )
    .subject("issue", Some(s.issue_id))
    .detail(format!("{} · {}", s.department_zh, form.reference.trim()));
    match state
        .store
        .update_submission(
            id,
            form.version,
            &form.handling,
            &form.channel,
            form.reference.trim(),
            form.contact.trim(),
            &audit,
        )
        .await
    {
        Ok(()) => {
            flash(&session, FlashKind::Success, page.tr().t("form.saved")).await?;
            Ok(Redirect::to(&format!("/issues/{}#submission-{id}", s.issue_id)).into_response())
        }
        // `s` is already what someone else saved: shown beside what was typed.
        Err(StoreError::Conflict) => Ok(submission_page(&page, &s, &form, Some(&s), None)),
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct ResponseEdit {
    classification: String,
    summary: String,
    version: i64,
    /// What the fields held when the form was opened.
    #[serde(default)]
    orig_classification: String,
    #[serde(default)]
    orig_summary: String,
}

async fn response_page(
    state: &AppState,
    page: &PageCtx,
    r: &ResponseRow,
    issue_id: i64,
    form: &ResponseEdit,
    conflict: Option<&ResponseRow>,
    error: Option<&'static str>,
) -> Result<Response, AppError> {
    let tr = page.tr();
    let scheme = scheme(state).await?;
    let status = if conflict.is_some() {
        StatusCode::CONFLICT
    } else if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let (version, oc, os) = match conflict {
        Some(now) => (now.version, now.classification.clone(), now.summary.clone()),
        None => (
            form.version,
            form.orig_classification.clone(),
            form.orig_summary.clone(),
        ),
    };
    let body = layout::page(
        page,
        tr.t("corrections.response"),
        html! {
            p { a href={ "/issues/" (issue_id) "#submissions" } { "← #" (issue_id) } }
            h1 { (tr.t("corrections.response")) " · " (r.responded_on) }
            @if let Some(now) = conflict {
                (conflict_note(page, changed([
                    ("responses.classification", &form.orig_classification, &now.classification),
                    ("responses.summary", &form.orig_summary, &now.summary),
                ])))
            }
            @if let Some(k) = error { p.error { (tr.t(k)) } }
            form.stack method="post" action={ "/responses/" (r.id) "/edit" } {
                (csrf_field(page))
                input type="hidden" name="version" value=(version);
                input type="hidden" name="orig_classification" value=(oc);
                input type="hidden" name="orig_summary" value=(os);
                div.field {
                    label for="c-class" { (tr.t("responses.classification")) }
                    select #c-class name="classification" {
                        @for c in scheme.classes() { option value=(c) selected[form.classification == *c] { (c) " — " (tr.t(scheme.class_key(c))) } }
                    }
                }
                div.field {
                    label for="c-summary" { (tr.t("responses.summary")) }
                    textarea #c-summary name="summary" rows="4" required { (form.summary) }
                }
                button.primary type="submit" { (tr.t("form.save")) }
            }
        },
    );
    Ok((status, body).into_response())
}

async fn response_and_issue(state: &AppState, id: i64) -> Result<(ResponseRow, i64), AppError> {
    let r = state
        .store
        .get_response(id)
        .await?
        .ok_or(AppError::NotFound)?;
    let s = state
        .store
        .get_submission(r.submission_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((r, s.issue_id))
}

pub async fn response_form(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    page: PageCtx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    if !can_manage(user.role) {
        return Err(AppError::Forbidden);
    }
    let (r, issue_id) = response_and_issue(&state, id).await?;
    let form = ResponseEdit {
        classification: r.classification.clone(),
        summary: r.summary.clone(),
        version: r.version,
        orig_classification: r.classification.clone(),
        orig_summary: r.summary.clone(),
    };
    response_page(&state, &page, &r, issue_id, &form, None, None).await
}

pub async fn response_save(
    State(state): State<AppState>,
    session: Session,
    CurrentUser(user): CurrentUser,
    page: PageCtx,
    Path(id): Path<i64>,
    Form(form): Form<ResponseEdit>,
) -> Result<Response, AppError> {
    if !can_manage(user.role) {
        return Err(AppError::Forbidden);
    }
    let (r, issue_id) = response_and_issue(&state, id).await?;
    let scheme = scheme(&state).await?;
    if !scheme.accepts(&form.classification) {
        return response_page(
            &state,
            &page,
            &r,
            issue_id,
            &form,
            None,
            Some("responses.class_invalid"),
        )
        .await;
    }
    if form.summary.trim().is_empty() {
        return response_page(
            &state,
            &page,
            &r,
            issue_id,
            &form,
            None,
            Some("responses.summary_missing"),
        )
        .await;
    }
    let audit = AuditEvent::new(
        "issue.response_corrected",
        Some(user.id),
        Some(page.ctx.ip.clone()),
    )
    .subject("issue", Some(issue_id))
    .detail(&form.classification);
    match state
        .store
        .update_response(
            id,
            form.version,
            &form.classification,
            form.summary.trim(),
            &audit,
        )
        .await
    {
        Ok(()) => {
            flash(&session, FlashKind::Success, page.tr().t("form.saved")).await?;
            Ok(Redirect::to(&format!("/issues/{issue_id}#submissions")).into_response())
        }
        Err(StoreError::Conflict) => {
            response_page(&state, &page, &r, issue_id, &form, Some(&r), None).await
        }
        Err(e) => Err(e.into()),
    }
}
