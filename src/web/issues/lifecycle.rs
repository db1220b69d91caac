//! The stage of an issue and its submissions to departments, on the issue page: the
//! moves the reader may make, recording a submission with its reply deadline. The
//! checks live here once, shared with the API.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, Json};
use chrono::NaiveDate;
use maud::{Markup, html};
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use super::can_manage;
use crate::domain::finding::today_in_china;
use crate::domain::lifecycle::{self, Move, Refusal, Resolution, Situation, Stage};
use crate::domain::workdays::{self, DueState, ReplyPeriod};
use crate::error::AppError;
use crate::i18n::{Lang, Tr};
use crate::store::lifecycle::{CHANNELS, DepartmentRow, NewSubmission, StageChange, SubmissionRow};
use crate::store::{AuditEvent, StoreError, User};
use crate::web::AppState;
use crate::web::context::CurrentUser;
use crate::web::forms::FieldErrors;
use crate::web::layout::{FlashKind, PageCtx, csrf_field, flash};

/// By default a submission with no answer 30 days after its deadline is long overdue
/// (`GROUNDSWELL_LONG_OVERDUE_DAYS`).
pub const LONG_OVERDUE_DAYS: i64 = 30;

/// The names moves have in forms and the API.
pub const MOVE_NAMES: [&str; 9] = [
    "start_drafting",
    "request_review",
    "approve",
    "send_back",
    "submit",
    "mark_responded",
    "start_implementing",
    "close",
    "reopen",
];

/// A move as asked for: its name, a note, a resolution (for closing).
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct MoveRequest {
    /// start_drafting, request_review, approve, send_back, submit, mark_responded,
    /// start_implementing, close or reopen.
    #[serde(rename = "move", default)]
    pub name: String,
    /// Comments when sending back, the reason when reopening; optional otherwise.
    #[serde(default)]
    pub note: String,
    /// achieved, partially_achieved, not_achieved or withdrawn (closing only).
    #[serde(default)]
    pub resolution: String,
    /// The stage the page showed; if the issue moved meanwhile, nothing happens.
    #[serde(default)]
    pub from: Option<String>,
}

fn parse_move(r: &MoveRequest) -> Option<Move> {
    Some(match r.name.as_str() {
        "start_drafting" => Move::StartDrafting,
        "request_review" => Move::RequestReview,
        "approve" => Move::Approve,
        "send_back" => Move::SendBack {
            comments: r.note.trim().to_string(),
        },
        "submit" => Move::Submit,
        "mark_responded" => Move::MarkResponded,
        "start_implementing" => Move::StartImplementing,
        "close" => Move::Close {
            resolution: Resolution::parse(&r.resolution).unwrap_or(Resolution::Merged),
        },
        "reopen" => Move::Reopen {
            reason: r.note.trim().to_string(),
        },
        _ => return None,
    })
}

/// Why a move did not happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MoveError {
    Refused(Refusal),
    UnknownMove,
    /// Someone moved the issue meanwhile.
    Stale,
}

impl MoveError {
    pub fn message_key(self) -> &'static str {
        match self {
            MoveError::Refused(r) => r.message_key(),
            MoveError::UnknownMove => "lifecycle.unknown_move",
            MoveError::Stale => "lifecycle.stale",
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            MoveError::Refused(r) => r.code(),
            MoveError::UnknownMove => "transition_unknown",
            MoveError::Stale => "conflict",
        }
    }
}

async fn situation(state: &AppState, user: &User, id: i64) -> Result<Situation, AppError> {
    let facts = state
        .store
        .lifecycle_facts(id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Situation {
        stage: Stage::parse(&facts.stage).unwrap_or(Stage::Identified),
        role: user.role,
        approved: facts.approved,
        has_submission: facts.submissions > 0,
        has_response: facts.responses > 0,
        closed_from: facts.closed_from.as_deref().and_then(Stage::parse),
    })
}

/// Checks and writes a move; the timeline records it with the note.
pub async fn apply_move(
    state: &AppState,
    user: &User,
    ip: &str,
    id: i64,
    req: &MoveRequest,
) -> Result<Result<Stage, MoveError>, AppError> {
    let Some(mv) = parse_move(req) else {
        return Ok(Err(MoveError::UnknownMove));
    };
    let s = situation(state, user, id).await?;
    if req.from.as_deref().is_some_and(|f| f != s.stage.as_str()) {
        return Ok(Err(MoveError::Stale));
    }
    let outcome = match lifecycle::check(&s, &mv) {
        Ok(o) => o,
        Err(r) => return Ok(Err(MoveError::Refused(r))),
    };
    let (resolution, closed_from) = match &mv {
        Move::Close { resolution } => (
            Some(resolution.as_str().to_string()),
            Some(s.stage.as_str().to_string()),
        ),
        _ => (None, None),
    };
    let change = StageChange {
        from: s.stage.as_str().into(),
        to: outcome.to.as_str().into(),
        approved: outcome.approved,
        resolution,
        closed_from,
    };
    let audit = AuditEvent::new(mv.action(), Some(user.id), Some(ip.to_string()))
        .subject("issue", Some(id))
        .detail(req.note.trim());
    match state.store.change_stage(id, &change, &audit).await {
        Ok(()) => {
            announce_move(state, user, id, &mv, audit.at).await;
            Ok(Ok(outcome.to))
        }
        Err(StoreError::Conflict) => Ok(Err(MoveError::Stale)),
        Err(e) => Err(e.into()),
    }
}

/// Review requests go to the coordinators (and the issue's people); decisions to the
/// drafter's side. A failure to notify never undoes the move.
async fn announce_move(
    state: &AppState,
    user: &User,
    id: i64,
    mv: &Move,
    at: chrono::DateTime<chrono::Utc>,
) {
    let (kind, key) = match mv {
        Move::RequestReview => ("review_requested", "inbox.review_requested"),
        Move::Approve => ("review_decided", "inbox.approved"),
        Move::SendBack { .. } => ("review_decided", "inbox.sent_back"),
        _ => return,
    };
    let n = crate::store::inbox::NewNotification {
        kind,
        issue_id: Some(id),
        message_key: key,
        params: serde_json::json!({ "issue": format!("#{id}"), "name": user.name }),
        dedupe_key: format!("{}:{id}:{}", mv.action(), at.timestamp_micros()),
    };
    if let Err(e) =
        crate::notify::tell_issue(&state.store, &state.mailer, id, Some(user.id), n).await
    {
        tracing::warn!(error = %e, "could not notify");
    }
}

pub async fn transition(
    State(state): State<AppState>,
    session: Session,
    CurrentUser(user): CurrentUser,
    page: PageCtx,
    Path(id): Path<i64>,
    Form(req): Form<MoveRequest>,
) -> Result<Response, AppError> {
    if !can_manage(user.role) {
        return Err(AppError::Forbidden);
    }
    let tr = page.tr();
    match apply_move(&state, &user, &page.ctx.ip, id, &req).await? {
        Ok(to) => {
            let stage = tr.t(stage_key(to));
            flash(
                &session,
                FlashKind::Success,
                tr.f("lifecycle.moved", &[("stage", stage)]),
            )
            .await?
        }
        Err(e) => flash(&session, FlashKind::Error, tr.t(e.message_key())).await?,
    }
    Ok(Redirect::to(&format!("/issues/{id}#stage")).into_response())
}

pub fn stage_key(stage: Stage) -> &'static str {
    match stage {
        Stage::Identified => "issues.stage_identified",
        Stage::Drafting => "issues.stage_drafting",
        Stage::Review => "issues.stage_review",
        Stage::Submitted => "issues.stage_submitted",
        Stage::Responded => "issues.stage_responded",
        Stage::Implementing => "issues.stage_implementing",
        Stage::Closed => "issues.stage_closed",
    }
}

fn move_key(name: &str) -> &'static str {
    match name {
        "start_drafting" => "lifecycle.start_drafting",
        "request_review" => "lifecycle.request_review",
        "approve" => "lifecycle.approve",
        "send_back" => "lifecycle.send_back",
        "submit" => "lifecycle.submit",
        "mark_responded" => "lifecycle.mark_responded",
        "start_implementing" => "lifecycle.start_implementing",
        "close" => "lifecycle.close",
        _ => "lifecycle.reopen",
    }
}

pub fn resolution_key(r: &str) -> &'static str {
    match r {
        "achieved" => "lifecycle.resolution_achieved",
        "partially_achieved" => "lifecycle.resolution_partially_achieved",
        "not_achieved" => "lifecycle.resolution_not_achieved",
        "withdrawn" => "lifecycle.resolution_withdrawn",
        _ => "lifecycle.resolution_merged",
    }
}

/// The stage card: where the issue is on the way, and the moves this reader may make
/// now (a move that only lacks something, such as a submission, is shown with why).
pub async fn stage_card(
    state: &AppState,
    user: &User,
    page: &PageCtx,
    id: i64,
    resolution: Option<&str>,
) -> Result<Markup, AppError> {
    let s = situation(state, user, id).await?;
    let tr = page.tr();
    let mut moves: Vec<(&str, Result<(), Refusal>)> = Vec::new();
    for name in MOVE_NAMES {
        let probe = MoveRequest {
            name: name.into(),
            note: "…".into(),
            resolution: "achieved".into(),
            from: None,
        };
        let Some(mv) = parse_move(&probe) else {
            continue;
        };
        match lifecycle::check(&s, &mv) {
            Ok(_) => moves.push((name, Ok(()))),
            Err(r @ (Refusal::NotApproved | Refusal::NoSubmission | Refusal::NoResponse)) => {
                moves.push((name, Err(r)))
            }
            Err(_) => {}
        }
    }
    let from = s.stage.as_str();
    Ok(html! {
        section.card #stage {
            h2 { (tr.t("lifecycle.title")) }
            ol.stages {
                @for st in Stage::ALL {
                    li class=(if st == s.stage { "current" } else if st < s.stage { "done" } else { "" }) {
                        (tr.t(stage_key(st)))
                    }
                }
            }
            @if s.stage == Stage::Review {
                p.muted { (tr.t(if s.approved { "lifecycle.approved_note" } else { "lifecycle.awaiting_review" })) }
            }
            @if let (Stage::Closed, Some(r)) = (s.stage, resolution) {
                p { strong { (tr.t(resolution_key(r))) } }
            }
            @for (name, state) in &moves {
                @match state {
                    Err(r) => { p.hint { (tr.t(move_key(name))) " — " (tr.t(r.message_key())) } }
                    Ok(()) => {
                        @let needs_words = matches!(*name, "send_back" | "reopen" | "close");
                        @let form = html! { form.stack.move-form method="post" action={ "/issues/" (id) "/transitions" } {
                            (csrf_field(page))
                            input type="hidden" name="move" value=(name);
                            input type="hidden" name="from" value=(from);
                            @if *name == "close" {
                                div.field {
                                    label for="t-resolution" { (tr.t("lifecycle.resolution")) }
                                    select #t-resolution name="resolution" {
                                        @for r in ["achieved", "partially_achieved", "not_achieved", "withdrawn"] {
                                            option value=(r) { (tr.t(resolution_key(r))) }
                                        }
                                    }
                                }
                            }
                            @if matches!(*name, "send_back" | "reopen" | "close") {
                                div.field {
                                    label for={ "t-note-" (name) } { (tr.t(if *name == "send_back" { "lifecycle.comments" } else { "lifecycle.reason" })) }
                                    textarea id={ "t-note-" (name) } name="note" rows="2" required[*name != "close"] {}
                                }
                            }
                            button type="submit" class=(if *name == "send_back" || *name == "close" { "" } else { "primary" }) { (tr.t(move_key(name))) }
                        } };
                        // Moves that need words open on demand; the others are one click.
                        @if needs_words {
                            details.move-details { summary { (tr.t(move_key(name))) } (form) }
                        } @else {
                            (form)
                        }
                    }
                }
            }
        }
    })
}

// ---------------------------------------------------------------- submissions

/// A submission as typed.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct SubmissionForm {
    #[serde(default)]
    pub department_id: String,
    /// lead or co.
    #[serde(default)]
    pub handling: String,
    /// letter, deputy_suggestion, cppcc_proposal, meeting or federation_report.
    #[serde(default)]
    pub channel: String,
    /// YYYY-MM-DD
    #[serde(default)]
    pub submitted_on: String,
    #[serde(default)]
    pub reference: String,
    #[serde(default)]
    pub contact: String,
}

const DRAFT_KEY: &str = "submission_draft";

/// Checks a submission, computes its reply deadline and records it.
pub async fn record_submission(
    state: &AppState,
    user: &User,
    ip: &str,
    issue_id: i64,
    form: &SubmissionForm,
) -> Result<Result<i64, FieldErrors>, AppError> {
    let mut errors = FieldErrors::default();
    let issue = state
        .store
        .get_issue(issue_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if issue.merged_into.is_some() || issue.stage == "closed" {
        errors.add("department_id", "submissions.issue_closed");
    }
    let department = match form.department_id.trim().parse::<i64>() {
        Ok(d) => state.store.get_department(d).await?.filter(|d| d.active),
        Err(_) => None,
    };
    if department.is_none() {
        errors.add("department_id", "submissions.department_unknown");
    }
    let handling = match form.handling.as_str() {
        "lead" => Some("lead"),
        "co" => Some("co"),
        _ => None,
    };
    if handling.is_none() {
        errors.add("handling", "submissions.handling_invalid");
    }
    let channel = CHANNELS.iter().find(|c| **c == form.channel).copied();
    if channel.is_none() {
        errors.add("channel", "submissions.channel_invalid");
    }
    let today = today_in_china();
    let date = NaiveDate::parse_from_str(form.submitted_on.trim(), "%Y-%m-%d").ok();
    match date {
        None => errors.add("submitted_on", "submissions.date_invalid"),
        Some(d) if d > today => errors.add("submitted_on", "submissions.date_future"),
        _ => {}
    }
    if form.reference.chars().count() > 200 || form.contact.chars().count() > 200 {
        errors.add("reference", "submissions.too_long");
    }
    let (Some(department), Some(handling), Some(channel), Some(date), true) =
        (department, handling, channel, date, errors.is_empty())
    else {
        return Ok(Err(errors));
    };
    let calendar = state.store.holiday_calendar().await?;
    let due = workdays::due_date(date, period_of(&department), &calendar);
    let new = NewSubmission {
        issue_id,
        department_id: department.id,
        handling,
        channel,
        submitted_on: date,
        reference: form.reference.trim().into(),
        contact: form.contact.trim().into(),
        due_on: due.date,
        due_calendar_missing: due.calendar_missing,
    };
    let audit = AuditEvent::new(
        "issue.submission_recorded",
        Some(user.id),
        Some(ip.to_string()),
    )
    .subject("issue", Some(issue_id))
    .detail(format!("{} · {}", department.name_zh, date));
    Ok(Ok(state.store.create_submission(&new, &audit).await?))
}

pub fn period_of(d: &DepartmentRow) -> ReplyPeriod {
    ReplyPeriod::parse(&d.reply_unit, d.reply_count.clamp(0, 400) as u32)
        .unwrap_or(ReplyPeriod::DEFAULT)
}

pub async fn submit(
    State(state): State<AppState>,
    session: Session,
    CurrentUser(user): CurrentUser,
    page: PageCtx,
    Path(id): Path<i64>,
    Form(form): Form<SubmissionForm>,
) -> Result<Response, AppError> {
    if !can_manage(user.role) {
        return Err(AppError::Forbidden);
    }
    let tr = page.tr();
    match record_submission(&state, &user, &page.ctx.ip, id, &form).await? {
        Ok(_) => {
            flash(&session, FlashKind::Success, tr.t("submissions.recorded")).await?;
        }
        Err(errors) => {
            // The issue page shows the form again with what was typed and why.
            let problems: Vec<&str> = [
                "department_id",
                "handling",
                "channel",
                "submitted_on",
                "reference",
            ]
            .iter()
            .filter_map(|f| errors.get(f))
            .map(|k| tr.t(k))
            .collect();
            session
                .insert(DRAFT_KEY, &form)
                .await
                .map_err(|e| AppError::Internal(anyhow::anyhow!("session: {e}")))?;
            flash(&session, FlashKind::Error, problems.join(" ")).await?;
        }
    }
    Ok(Redirect::to(&format!("/issues/{id}#submissions")).into_response())
}

/// The form typed before a refused submission, once.
pub async fn take_draft(session: &Session) -> Option<SubmissionForm> {
    crate::web::layout::take_from_session::<SubmissionForm>(session, DRAFT_KEY)
        .await
        .ok()
        .flatten()
}

pub fn department_label(zh: &str, en: &str, lang: Lang) -> String {
    match lang {
        Lang::En if !en.is_empty() => en.to_string(),
        _ => zh.to_string(),
    }
}

pub(crate) fn channel_key(c: &str) -> &'static str {
    match c {
        "letter" => "submissions.channel_letter",
        "deputy_suggestion" => "submissions.channel_deputy_suggestion",
        "cppcc_proposal" => "submissions.channel_cppcc_proposal",
        "meeting" => "submissions.channel_meeting",
        _ => "submissions.channel_federation_report",
    }
}

fn due_label(
    tr: Tr,
    s: &SubmissionRow,
    today: NaiveDate,
    long_after: i64,
) -> (String, &'static str) {
    match workdays::due_state(s.current_due(), today, s.answered(), long_after) {
        DueState::Answered => (tr.t("submissions.answered").into(), "ok"),
        DueState::Open { days_left } => (
            tr.f("submissions.due_in", &[("days", &days_left.to_string())]),
            if days_left <= 14 { "soon" } else { "open" },
        ),
        DueState::Overdue { days } => (
            tr.f("submissions.overdue", &[("days", &days.to_string())]),
            "late",
        ),
        DueState::LongOverdue { days } => (
            tr.f("submissions.long_overdue", &[("days", &days.to_string())]),
            "late",
        ),
    }
}

/// The submissions card: each submission with its deadline, and (for builders) the
/// form to record one.
/// What the submissions card shows besides the submissions themselves.
pub struct Answers {
    pub responses: Vec<crate::store::lifecycle::ResponseRow>,
    pub commitments: Vec<crate::store::lifecycle::CommitmentRow>,
    pub meetings: Vec<crate::store::lifecycle::MeetingRow>,
    pub files: Vec<crate::store::issues::AttachmentRow>,
    pub scheme: crate::domain::responses::Scheme,
    pub response_draft: Option<(i64, super::answers::ResponseForm)>,
    pub long_overdue_days: i64,
}

pub fn submissions_card(
    page: &PageCtx,
    issue_id: i64,
    submissions: &[SubmissionRow],
    departments: &[DepartmentRow],
    manage: bool,
    draft: Option<SubmissionForm>,
    extra: &Answers,
) -> Markup {
    let tr = page.tr();
    let lang = page.ctx.lang;
    let today = today_in_china();
    let form = draft.unwrap_or_else(|| SubmissionForm {
        handling: "lead".into(),
        channel: "letter".into(),
        submitted_on: today.to_string(),
        ..SubmissionForm::default()
    });
    html! {
        section.card #submissions {
            h2 { (tr.t("submissions.title")) }
            @if submissions.is_empty() { p.muted { (tr.t("submissions.none")) } }
            @for s in submissions {
                @let (state, class) = due_label(tr, s, today, extra.long_overdue_days);
                div.submission id={ "submission-" (s.id) } {
                    h3 {
                        a href={ "/departments/" (s.department_id) } { (department_label(&s.department_zh, &s.department_en, lang)) }
                        " " span.tag { (tr.t(if s.handling == "lead" { "submissions.lead" } else { "submissions.co" })) }
                    }
                    p.meta {
                        (tr.t(channel_key(&s.channel))) " · " (tr.t("submissions.submitted_on")) " " (s.submitted_on)
                        @if !s.reference.is_empty() { " · " (s.reference) }
                        @if !s.contact.is_empty() { " · " (s.contact) }
                        @if let Some(pv) = s.proposal_version_id { " · " a href={ "/issues/" (s.issue_id) "/proposal/version/" (pv) } { (tr.t("proposal.sent_version")) } }
                        @if manage { " · " a href={ "/submissions/" (s.id) "/edit" } { (tr.t("corrections.correct")) } }
                    }
                    p {
                        (tr.t("submissions.due_on")) " " strong { (s.current_due()) } " "
                        span class={ "due due-" (class) } { (state) }
                        @if s.extended_due_on.is_some() { " " span.muted { (tr.f("extensions.was", &[("date", &s.due_on.to_string())])) @if !s.extension_note.is_empty() { " — " (s.extension_note) } } }
                        @if s.due_calendar_missing { br; span.hint { (tr.t("submissions.calendar_missing")) } }
                    }
                    @let answers: Vec<_> = extra.responses.iter().filter(|r| r.submission_id == s.id).collect();
                    @let meetings: Vec<_> = extra.meetings.iter().filter(|m| m.submission_id == s.id).collect();
                    (super::answers::submission_block(
                        page, s, &answers, &extra.commitments, &meetings, &extra.files, extra.scheme, manage,
                        extra.response_draft.as_ref().filter(|(sid, _)| *sid == s.id).map(|(_, f)| f),
                    ))
                }
            }
            @if manage && !departments.is_empty() {
                h3 { (tr.t("submissions.record")) }
                form.stack method="post" action={ "/issues/" (issue_id) "/submissions" } {
                    (csrf_field(page))
                    div.grid {
                        div.field {
                            label for="s-department" { (tr.t("submissions.department")) }
                            select #s-department name="department_id" required {
                                option value="" { "—" }
                                @for d in departments.iter().filter(|d| d.active) {
                                    option value=(d.id) selected[form.department_id == d.id.to_string()] { (department_label(&d.name_zh, &d.name_en, lang)) }
                                }
                            }
                        }
                        div.field {
                            label for="s-handling" { (tr.t("submissions.handling")) }
                            select #s-handling name="handling" {
                                option value="lead" selected[form.handling == "lead"] { (tr.t("submissions.lead")) }
                                option value="co" selected[form.handling == "co"] { (tr.t("submissions.co")) }
                            }
                        }
                        div.field {
                            label for="s-channel" { (tr.t("submissions.channel")) }
                            select #s-channel name="channel" {
                                @for c in CHANNELS { option value=(c) selected[form.channel == c] { (tr.t(channel_key(c))) } }
                            }
                        }
                        div.field {
                            label for="s-date" { (tr.t("submissions.submitted_on")) }
                            input #s-date type="date" name="submitted_on" value=(form.submitted_on) required;
                        }
                        div.field {
                            label for="s-reference" { (tr.t("submissions.reference")) }
                            input #s-reference name="reference" value=(form.reference) maxlength="200";
                        }
                        div.field {
                            label for="s-contact" { (tr.t("submissions.contact")) }
                            input #s-contact name="contact" value=(form.contact) maxlength="200";
                        }
                    }
                    p.hint { (tr.t("submissions.due_hint")) }
                    button.primary type="submit" { (tr.t("submissions.save")) }
                }
            }
            @if manage && departments.is_empty() {
                p.hint { (tr.t("submissions.no_departments")) }
            }
        }
    }
}

// ---------------------------------------------------------------- API

/// Move an issue to another stage: `{"move": "request_review"}`; refusals say why
/// with a stable code (`transition_not_allowed`, `transition_wrong_stage`,
/// `transition_not_approved`, `transition_needs_submission`, `transition_needs_response`,
/// `transition_needs_note`, `transition_bad_resolution`, `transition_unknown`, `conflict`).
#[utoipa::path(post, path = "/api/v1/issues/{id}/transitions", tag = "issues", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Issue id")),
    request_body = MoveRequest,
    responses(
        (status = 200, description = "Moved; the new stage", body = Object),
        (status = 409, description = "Refused, with the reason's code", body = crate::api::ErrorBody),
    ))]
pub async fn api_transition(
    State(state): State<AppState>,
    ctx: crate::web::context::RequestContext,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
    Json(req): Json<MoveRequest>,
) -> Result<Response, AppError> {
    match apply_move(&state, &user, &ctx.ip, id, &req).await? {
        Ok(to) => Ok(Json(serde_json::json!({ "stage": to.as_str() })).into_response()),
        Err(e) => {
            let status = match e {
                MoveError::Refused(Refusal::NotAllowed) => axum::http::StatusCode::FORBIDDEN,
                MoveError::UnknownMove => axum::http::StatusCode::BAD_REQUEST,
                _ => axum::http::StatusCode::CONFLICT,
            };
            let body = serde_json::json!({ "error": { "code": e.code(), "message": ctx.tr().t(e.message_key()) } });
            Ok((status, Json(body)).into_response())
        }
    }
}

/// The submissions of an issue to departments, with their reply deadlines.
#[utoipa::path(get, path = "/api/v1/issues/{id}/submissions", tag = "issues", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Issue id")),
    responses((status = 200, description = "Submissions", body = Vec<SubmissionRow>)))]
pub async fn api_list_submissions(
    State(state): State<AppState>,
    CurrentUser(_user): CurrentUser,
    Path(id): Path<i64>,
) -> Result<Json<Vec<SubmissionRow>>, AppError> {
    state.store.get_issue(id).await?.ok_or(AppError::NotFound)?;
    Ok(Json(state.store.list_submissions(id).await?))
}

/// Record a submission; the reply deadline is computed from the department's period
/// and the holiday calendar.
#[utoipa::path(post, path = "/api/v1/issues/{id}/submissions", tag = "issues", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Issue id")),
    request_body = SubmissionForm,
    responses(
        (status = 201, description = "Recorded", body = SubmissionRow),
        (status = 422, description = "Invalid fields (`validation_failed`, with `fields`)", body = crate::api::ErrorBody),
    ))]
pub async fn api_create_submission(
    State(state): State<AppState>,
    ctx: crate::web::context::RequestContext,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
    Json(form): Json<SubmissionForm>,
) -> Result<Response, AppError> {
    if !can_manage(user.role) {
        return Err(AppError::Forbidden);
    }
    match record_submission(&state, &user, &ctx.ip, id, &form).await? {
        Ok(sid) => {
            let row = state
                .store
                .list_submissions(id)
                .await?
                .into_iter()
                .find(|s| s.id == sid)
                .ok_or(AppError::NotFound)?;
            Ok((axum::http::StatusCode::CREATED, Json(row)).into_response())
        }
        Err(errors) => {
            let fields = [
                "department_id",
                "handling",
                "channel",
                "submitted_on",
                "reference",
            ];
            Ok(crate::api::validation_failed(
                ctx.tr(),
                &crate::api::field_problems(&errors, &fields),
            ))
        }
    }
}
