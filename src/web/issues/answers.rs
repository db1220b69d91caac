//! What departments answer: responses (classified under the federation's scheme, with
//! the reply letter and the commitments made), the proposer's satisfaction (which can
//! open a re-handling round), commitment status, deadline extensions and meetings.
//! Shared by the issue page and the API.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, Json};
use chrono::NaiveDate;
use maud::{Markup, html};
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use super::can_manage;
use crate::domain::finding::today_in_china;
use crate::domain::responses::{self, Satisfaction, Scheme};
use crate::domain::role::Role;
use crate::domain::workdays::{self, ExtensionRefused};
use crate::error::AppError;
use crate::i18n::Tr;
use crate::store::issues::AttachmentRow;
use crate::store::lifecycle::{CommitmentRow, MeetingRow, NewResponse, ResponseRow, SubmissionRow};
use crate::store::{AuditEvent, StoreError, User};
use crate::web::AppState;
use crate::web::context::{CurrentUser, RequestContext};
use crate::web::layout::{FlashKind, PageCtx, csrf_field, flash};

/// The classification scheme an admin chose (A/B/C unless changed).
pub async fn scheme(state: &AppState) -> Result<Scheme, AppError> {
    Ok(state
        .store
        .setting("classification_scheme")
        .await?
        .as_deref()
        .and_then(Scheme::parse)
        .unwrap_or(Scheme::Abc))
}

/// A response as typed.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct ResponseForm {
    /// YYYY-MM-DD
    #[serde(default)]
    pub responded_on: String,
    /// A class of the configured scheme (A, B, C; D under the four-class scheme).
    #[serde(default)]
    pub classification: String,
    #[serde(default)]
    pub summary: String,
    /// The reply letter: the id of one of the issue's attachments.
    #[serde(default)]
    pub letter_id: Option<String>,
    /// One commitment per line: "what it is | YYYY-MM-DD" (the date is optional).
    #[serde(default)]
    pub commitments: String,
}

/// Problems with a response form: message keys.
pub type Problems = Vec<&'static str>;

fn parse_commitments(text: &str) -> Result<Vec<(String, Option<NaiveDate>)>, &'static str> {
    let mut out = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let (what, due) = match line.rsplit_once('|') {
            Some((w, d)) => {
                let d = NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d")
                    .map_err(|_| "responses.commitment_date_invalid")?;
                (w.trim(), Some(d))
            }
            None => (line, None),
        };
        if what.is_empty() || what.chars().count() > 500 {
            return Err("responses.commitment_invalid");
        }
        out.push((what.to_string(), due));
    }
    Ok(out)
}

/// Checks and records a response to a submission.
pub async fn record_response(
    state: &AppState,
    user: &User,
    ip: &str,
    submission_id: i64,
    form: &ResponseForm,
) -> Result<Result<i64, Problems>, AppError> {
    let sub = state
        .store
        .get_submission(submission_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !sub.awaits_response() {
        return Ok(Err(vec!["responses.already_answered"]));
    }
    let scheme = scheme(state).await?;
    let Ok(date) = NaiveDate::parse_from_str(form.responded_on.trim(), "%Y-%m-%d") else {
        return Ok(Err(vec!["responses.date_invalid"]));
    };
    let class = form.classification.trim().to_uppercase();
    let mut problems: Problems = responses::check_response(
        sub.submitted_on,
        date,
        today_in_china(),
        scheme,
        &class,
        &form.summary,
    )
    .into_iter()
    .map(|p| p.key())
    .collect();
    let commitments = match parse_commitments(&form.commitments) {
        Ok(c) => c,
        Err(k) => {
            problems.push(k);
            Vec::new()
        }
    };
    let letter_id = match form.letter_id.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(l) => {
            let files = state.store.list_attachments(sub.issue_id).await?;
            match l
                .parse::<i64>()
                .ok()
                .filter(|id| files.iter().any(|f| f.id == *id))
            {
                Some(id) => Some(id),
                None => {
                    problems.push("responses.letter_invalid");
                    None
                }
            }
        }
    };
    if !problems.is_empty() {
        return Ok(Err(problems));
    }
    let round = if sub.response_count == 0 {
        1
    } else {
        sub.response_count + 1
    };
    let new = NewResponse {
        submission_id,
        round,
        responded_on: date,
        classification: class.clone(),
        summary: form.summary.trim().to_string(),
        letter_id,
        commitments,
    };
    let audit = AuditEvent::new(
        "issue.response_recorded",
        Some(user.id),
        Some(ip.to_string()),
    )
    .subject("issue", Some(sub.issue_id))
    .detail(format!("{} · {class} · {date}", sub.department_zh));
    let id = state.store.create_response(&new, &audit).await?;
    let n = crate::store::inbox::NewNotification {
        kind: "response",
        issue_id: Some(sub.issue_id),
        message_key: "inbox.response",
        params: serde_json::json!({ "issue": format!("#{}", sub.issue_id), "department": sub.department_zh, "class": class }),
        dedupe_key: format!("response:{id}"),
    };
    if let Err(e) =
        crate::notify::tell_issue(&state.store, &state.mailer, sub.issue_id, Some(user.id), n).await
    {
        tracing::warn!(error = %e, "could not notify");
    }
    Ok(Ok(id))
}

fn back(issue_id: i64) -> Response {
    Redirect::to(&format!("/issues/{issue_id}#submissions")).into_response()
}

async fn issue_of_submission(state: &AppState, id: i64) -> Result<SubmissionRow, AppError> {
    state
        .store
        .get_submission(id)
        .await?
        .ok_or(AppError::NotFound)
}

fn join(tr: Tr, keys: &[&'static str]) -> String {
    keys.iter().map(|k| tr.t(k)).collect::<Vec<_>>().join(" ")
}

const RESPONSE_DRAFT: &str = "response_draft";

pub async fn respond(
    State(state): State<AppState>,
    session: Session,
    CurrentUser(user): CurrentUser,
    page: PageCtx,
    Path(id): Path<i64>,
    Form(form): Form<ResponseForm>,
) -> Result<Response, AppError> {
    if !can_manage(user.role) {
        return Err(AppError::Forbidden);
    }
    let sub = issue_of_submission(&state, id).await?;
    let tr = page.tr();
    match record_response(&state, &user, &page.ctx.ip, id, &form).await? {
        Ok(_) => flash(&session, FlashKind::Success, tr.t("responses.recorded")).await?,
        Err(problems) => {
            session
                .insert(RESPONSE_DRAFT, (id, &form))
                .await
                .map_err(|e| AppError::Internal(anyhow::anyhow!("session: {e}")))?;
            flash(&session, FlashKind::Error, join(tr, &problems)).await?
        }
    }
    Ok(back(sub.issue_id))
}

/// The response form typed before it was refused, for that submission, once.
pub async fn take_response_draft(session: &Session) -> Option<(i64, ResponseForm)> {
    crate::web::layout::take_from_session::<(i64, ResponseForm)>(session, RESPONSE_DRAFT)
        .await
        .ok()
        .flatten()
}

#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
pub struct SatisfactionForm {
    /// satisfied, basically_satisfied or not_satisfied.
    pub satisfaction: String,
    /// The version of the response the page showed.
    pub version: i64,
}

/// Records the proposer's verdict. "Not satisfied" opens a re-handling round of a month.
pub async fn give_satisfaction(
    state: &AppState,
    user: &User,
    ip: &str,
    response_id: i64,
    form: &SatisfactionForm,
) -> Result<Result<(), &'static str>, AppError> {
    let Some(sat) = Satisfaction::parse(&form.satisfaction) else {
        return Ok(Err("responses.satisfaction_invalid"));
    };
    let rehandling =
        (sat == Satisfaction::NotSatisfied).then(|| responses::rehandling_due(today_in_china()));
    let audit = AuditEvent::new(
        "issue.satisfaction_given",
        Some(user.id),
        Some(ip.to_string()),
    )
    .subject("issue", None)
    .detail(sat.as_str());
    match state
        .store
        .set_satisfaction(response_id, form.version, sat.as_str(), rehandling, &audit)
        .await
    {
        Ok(()) => Ok(Ok(())),
        Err(StoreError::Conflict) => Ok(Err("responses.changed_meanwhile")),
        Err(e) => Err(e.into()),
    }
}

pub async fn satisfaction(
    State(state): State<AppState>,
    session: Session,
    CurrentUser(user): CurrentUser,
    page: PageCtx,
    Path((issue_id, response_id)): Path<(i64, i64)>,
    Form(form): Form<SatisfactionForm>,
) -> Result<Response, AppError> {
    if !can_manage(user.role) {
        return Err(AppError::Forbidden);
    }
    let tr = page.tr();
    match give_satisfaction(&state, &user, &page.ctx.ip, response_id, &form).await? {
        Ok(()) if form.satisfaction == "not_satisfied" => {
            flash(
                &session,
                FlashKind::Success,
                tr.t("responses.rehandling_opened"),
            )
            .await?
        }
        Ok(()) => flash(&session, FlashKind::Success, tr.t("form.saved")).await?,
        Err(k) => flash(&session, FlashKind::Error, tr.t(k)).await?,
    }
    Ok(back(issue_id))
}

#[derive(Debug, Deserialize)]
pub struct CommitmentForm {
    status: String,
    version: i64,
}

pub async fn commitment(
    State(state): State<AppState>,
    session: Session,
    CurrentUser(user): CurrentUser,
    page: PageCtx,
    Path((issue_id, commitment_id)): Path<(i64, i64)>,
    Form(form): Form<CommitmentForm>,
) -> Result<Response, AppError> {
    if !can_manage(user.role) {
        return Err(AppError::Forbidden);
    }
    let tr = page.tr();
    if !["open", "done", "lapsed"].contains(&form.status.as_str()) {
        return Err(AppError::BadRequest("responses.commitment_status_invalid"));
    }
    let audit = AuditEvent::new(
        "issue.commitment_updated",
        Some(user.id),
        Some(page.ctx.ip.clone()),
    )
    .subject("issue", None)
    .detail(&form.status);
    match state
        .store
        .set_commitment_status(commitment_id, form.version, &form.status, &audit)
        .await
    {
        Ok(()) => flash(&session, FlashKind::Success, tr.t("form.saved")).await?,
        Err(StoreError::Conflict) => {
            flash(
                &session,
                FlashKind::Error,
                tr.t("responses.changed_meanwhile"),
            )
            .await?
        }
        Err(e) => return Err(e.into()),
    }
    Ok(back(issue_id))
}

#[derive(Debug, Deserialize)]
pub struct ExtensionForm {
    new_due: String,
    #[serde(default)]
    note: String,
    version: i64,
    /// Admins may go past six months in total.
    override_limit: Option<String>,
}

pub async fn extend(
    State(state): State<AppState>,
    session: Session,
    CurrentUser(user): CurrentUser,
    page: PageCtx,
    Path(id): Path<i64>,
    Form(form): Form<ExtensionForm>,
) -> Result<Response, AppError> {
    if !can_manage(user.role) {
        return Err(AppError::Forbidden);
    }
    let sub = issue_of_submission(&state, id).await?;
    let tr = page.tr();
    let Ok(new_due) = NaiveDate::parse_from_str(form.new_due.trim(), "%Y-%m-%d") else {
        flash(&session, FlashKind::Error, tr.t("responses.date_invalid")).await?;
        return Ok(back(sub.issue_id));
    };
    let override_limit = form.override_limit.is_some() && user.role == Role::Admin;
    match workdays::check_extension(
        sub.submitted_on,
        sub.extended_due_on.unwrap_or(sub.due_on),
        new_due,
        override_limit,
    ) {
        Err(ExtensionRefused::NotLater) => {
            flash(&session, FlashKind::Error, tr.t("extensions.not_later")).await?;
            return Ok(back(sub.issue_id));
        }
        Err(ExtensionRefused::PastLimit) => {
            flash(&session, FlashKind::Error, tr.t("extensions.past_limit")).await?;
            return Ok(back(sub.issue_id));
        }
        Ok(()) => {}
    }
    let audit = AuditEvent::new(
        "issue.deadline_extended",
        Some(user.id),
        Some(page.ctx.ip.clone()),
    )
    .subject("issue", Some(sub.issue_id))
    .detail(format!(
        "{} → {new_due} {}",
        sub.extended_due_on.unwrap_or(sub.due_on),
        form.note.trim()
    ));
    match state
        .store
        .extend_submission(id, form.version, new_due, form.note.trim(), &audit)
        .await
    {
        Ok(()) => flash(&session, FlashKind::Success, tr.t("extensions.done")).await?,
        Err(StoreError::Conflict) => {
            flash(
                &session,
                FlashKind::Error,
                tr.t("responses.changed_meanwhile"),
            )
            .await?
        }
        Err(e) => return Err(e.into()),
    }
    Ok(back(sub.issue_id))
}

#[derive(Debug, Deserialize)]
pub struct MeetingForm {
    met_on: String,
    notes: String,
}

pub async fn meeting(
    State(state): State<AppState>,
    session: Session,
    CurrentUser(user): CurrentUser,
    page: PageCtx,
    Path(id): Path<i64>,
    Form(form): Form<MeetingForm>,
) -> Result<Response, AppError> {
    if !can_manage(user.role) {
        return Err(AppError::Forbidden);
    }
    let sub = issue_of_submission(&state, id).await?;
    let tr = page.tr();
    let date = NaiveDate::parse_from_str(form.met_on.trim(), "%Y-%m-%d").ok();
    let notes = form.notes.trim();
    match date {
        Some(d) if !notes.is_empty() && notes.chars().count() <= 5000 && d <= today_in_china() => {
            let audit = AuditEvent::new(
                "issue.meeting_recorded",
                Some(user.id),
                Some(page.ctx.ip.clone()),
            )
            .subject("issue", Some(sub.issue_id))
            .detail(format!("{} · {d}", sub.department_zh));
            state.store.create_meeting(id, d, notes, &audit).await?;
            flash(&session, FlashKind::Success, tr.t("meetings.recorded")).await?;
        }
        _ => flash(&session, FlashKind::Error, tr.t("meetings.invalid")).await?,
    }
    Ok(back(sub.issue_id))
}

/// One submission on the issue page: its deadline, the answers, the commitments, the
/// meetings, and (for builders) what can be recorded next.
#[allow(clippy::too_many_arguments)]
pub fn submission_block(
    page: &PageCtx,
    s: &SubmissionRow,
    answers: &[&ResponseRow],
    commitments: &[CommitmentRow],
    meetings: &[&MeetingRow],
    files: &[AttachmentRow],
    scheme: Scheme,
    manage: bool,
    draft: Option<&ResponseForm>,
) -> Markup {
    let tr = page.tr();
    let today = today_in_china();
    let response_form = draft.cloned().unwrap_or_else(|| ResponseForm {
        responded_on: today.to_string(),
        classification: "A".into(),
        ..ResponseForm::default()
    });
    html! {
        @for r in answers {
            div.response {
                p {
                    strong { (tr.f("responses.round", &[("n", &r.round.to_string())])) }
                    " · " (r.responded_on) " · "
                    span.tag { (r.classification) } " " (tr.t(scheme.class_key(&r.classification)))
                    @if manage { " · " a href={ "/responses/" (r.id) "/edit" } { (tr.t("corrections.correct")) } }
                }
                p.narrative { (r.summary) }
                @if let Some(l) = r.letter_id.and_then(|l| files.iter().find(|f| f.id == l)) {
                    p { (tr.t("responses.letter")) " " a href={ "/issues/" (s.issue_id) "/attachments/" (l.id) } { (l.filename) } }
                }
                @let own: Vec<&CommitmentRow> = commitments.iter().filter(|c| c.response_id == r.id).collect();
                @if !own.is_empty() {
                    p.hint { (tr.t("responses.commitments")) }
                    ul.plain {
                        @for c in own {
                            li {
                                (c.what)
                                @if let Some(d) = c.due_on { " · " (tr.t("responses.by")) " " (d) }
                                " · " span.tag { (tr.t(commitment_key(&c.status))) }
                                @if manage {
                                    @for st in ["open", "done", "lapsed"].into_iter().filter(|st| *st != c.status) {
                                        " "
                                        form.inline-form method="post" action={ "/issues/" (s.issue_id) "/commitments/" (c.id) } {
                                            (csrf_field(page))
                                            input type="hidden" name="status" value=(st);
                                            input type="hidden" name="version" value=(c.version);
                                            button.link-button type="submit" { (tr.t(commitment_action_key(st))) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                @match r.satisfaction.as_deref().and_then(Satisfaction::parse) {
                    Some(sat) => { p { (tr.t("responses.satisfaction")) " " strong { (tr.t(sat.key())) } } }
                    None if manage => {
                        form.inline method="post" action={ "/issues/" (s.issue_id) "/responses/" (r.id) "/satisfaction" } {
                            (csrf_field(page))
                            input type="hidden" name="version" value=(r.version);
                            div.field {
                                label for={ "sat-" (r.id) } { (tr.t("responses.satisfaction")) }
                                select id={ "sat-" (r.id) } name="satisfaction" {
                                    @for sat in Satisfaction::ALL { option value=(sat.as_str()) { (tr.t(sat.key())) } }
                                }
                            }
                            button type="submit" { (tr.t("form.save")) }
                        }
                    }
                    None => {}
                }
            }
        }
        @for m in meetings {
            p.meeting { (tr.t("meetings.met")) " " (m.met_on) " · " (m.notes) " " span.muted { "— " (m.created_by_name) } }
        }
        @if manage && s.awaits_response() {
            details.move-details open[draft.is_some()] {
                summary { (tr.t(if s.response_count > 0 { "responses.record_rehandling" } else { "responses.record" })) }
                form.stack method="post" action={ "/submissions/" (s.id) "/responses" } {
                    (csrf_field(page))
                    div.grid {
                        div.field {
                            label for={ "r-date-" (s.id) } { (tr.t("responses.responded_on")) }
                            input id={ "r-date-" (s.id) } type="date" name="responded_on" value=(response_form.responded_on) required;
                        }
                        div.field {
                            label for={ "r-class-" (s.id) } { (tr.t("responses.classification")) }
                            select id={ "r-class-" (s.id) } name="classification" {
                                @for c in scheme.classes() {
                                    option value=(c) selected[response_form.classification == *c] { (c) " — " (tr.t(scheme.class_key(c))) }
                                }
                            }
                        }
                        div.field {
                            label for={ "r-letter-" (s.id) } { (tr.t("responses.letter")) }
                            select id={ "r-letter-" (s.id) } name="letter_id" {
                                option value="" { "—" }
                                @for f in files { option value=(f.id) selected[response_form.letter_id.as_deref() == Some(f.id.to_string().as_str())] { (f.filename) } }
                            }
                        }
                    }
                    div.field {
                        label for={ "r-summary-" (s.id) } { (tr.t("responses.summary")) }
                        textarea id={ "r-summary-" (s.id) } name="summary" rows="3" required { (response_form.summary) }
                    }
                    div.field {
                        label for={ "r-commitments-" (s.id) } { (tr.t("responses.commitments")) }
                        textarea id={ "r-commitments-" (s.id) } name="commitments" rows="2" placeholder=(tr.t("responses.commitments_placeholder")) { (response_form.commitments) }
                        p.hint { (tr.t("responses.commitments_hint")) }
                    }
                    button.primary type="submit" { (tr.t("responses.save")) }
                }
            }
        }
        @if manage && s.response_count == 0 {
            details.move-details {
                summary { (tr.t("extensions.title")) }
                form.inline method="post" action={ "/submissions/" (s.id) "/extend" } {
                    (csrf_field(page))
                    input type="hidden" name="version" value=(s.version);
                    div.field { label for={ "x-date-" (s.id) } { (tr.t("extensions.new_due")) } input id={ "x-date-" (s.id) } type="date" name="new_due" required; }
                    div.field { label for={ "x-note-" (s.id) } { (tr.t("extensions.note")) } input id={ "x-note-" (s.id) } name="note"; }
                    @if page.ctx.user.as_ref().is_some_and(|u| u.role == Role::Admin) {
                        label.checkbox { input type="checkbox" name="override_limit"; " " (tr.t("extensions.override")) }
                    }
                    button type="submit" { (tr.t("extensions.save")) }
                }
            }
        }
        @if manage {
            details.move-details {
                summary { (tr.t("meetings.record")) }
                form.inline method="post" action={ "/submissions/" (s.id) "/meetings" } {
                    (csrf_field(page))
                    div.field { label for={ "m-date-" (s.id) } { (tr.t("meetings.date")) } input id={ "m-date-" (s.id) } type="date" name="met_on" value=(today) required; }
                    div.field { label for={ "m-notes-" (s.id) } { (tr.t("meetings.notes")) } input id={ "m-notes-" (s.id) } name="notes" required; }
                    button type="submit" { (tr.t("meetings.save")) }
                }
            }
        }
    }
}

fn commitment_key(status: &str) -> &'static str {
    match status {
        "done" => "responses.commitment_done",
        "lapsed" => "responses.commitment_lapsed",
        _ => "responses.commitment_open",
    }
}

fn commitment_action_key(status: &str) -> &'static str {
    match status {
        "done" => "responses.mark_done",
        "lapsed" => "responses.mark_lapsed",
        _ => "responses.mark_open",
    }
}

// ---------------------------------------------------------------- API

/// The responses to the submissions of an issue, with their commitments.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ResponsesJson {
    pub responses: Vec<ResponseRow>,
    pub commitments: Vec<CommitmentRow>,
}

/// Responses to one submission.
#[utoipa::path(get, path = "/api/v1/submissions/{id}/responses", tag = "issues", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Submission id")),
    responses((status = 200, description = "Responses and their commitments", body = ResponsesJson)))]
pub async fn api_list(
    State(state): State<AppState>,
    CurrentUser(_user): CurrentUser,
    Path(id): Path<i64>,
) -> Result<Json<ResponsesJson>, AppError> {
    let sub = issue_of_submission(&state, id).await?;
    let responses: Vec<ResponseRow> = state
        .store
        .list_responses(sub.issue_id)
        .await?
        .into_iter()
        .filter(|r| r.submission_id == id)
        .collect();
    let commitments = state
        .store
        .list_commitments(sub.issue_id)
        .await?
        .into_iter()
        .filter(|c| responses.iter().any(|r| r.id == c.response_id))
        .collect();
    Ok(Json(ResponsesJson {
        responses,
        commitments,
    }))
}

/// Record a department's response. Refused (`validation_failed`, with the reasons'
/// codes) when dated before the submission or in the future, classified outside the
/// configured scheme, or when the submission is already answered.
#[utoipa::path(post, path = "/api/v1/submissions/{id}/responses", tag = "issues", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Submission id")),
    request_body = ResponseForm,
    responses(
        (status = 201, description = "Recorded; the new response's id", body = Object),
        (status = 422, description = "Refused (`validation_failed`)", body = crate::api::ErrorBody),
    ))]
pub async fn api_create(
    State(state): State<AppState>,
    ctx: RequestContext,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
    Json(form): Json<ResponseForm>,
) -> Result<Response, AppError> {
    if !can_manage(user.role) {
        return Err(AppError::Forbidden);
    }
    match record_response(&state, &user, &ctx.ip, id, &form).await? {
        Ok(rid) => Ok((
            axum::http::StatusCode::CREATED,
            Json(serde_json::json!({ "id": rid })),
        )
            .into_response()),
        Err(problems) => {
            let problems: Vec<(Option<&str>, &str)> = problems.iter().map(|k| (None, *k)).collect();
            Ok(crate::api::validation_failed(ctx.tr(), &problems))
        }
    }
}
