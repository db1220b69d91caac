//! `/api/v1/issues`: advocacy issues with their evidence summary, and linking findings.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::evidence::{self, EvidenceItem};
use crate::domain::finding::access;
use crate::error::AppError;
use crate::store::issues::{IssueRow, NewIssue};
use crate::store::{AuditEvent, StoreError, User};
use crate::web::AppState;
use crate::web::context::{CurrentUser, RequestContext};
use crate::web::issues::{PRIORITIES, can_manage};

#[derive(Serialize, ToSchema)]
pub struct IssueJson {
    #[serde(flatten)]
    pub issue: IssueRow,
    /// Ids of the linked findings the caller may see.
    pub finding_ids: Vec<i64>,
    /// Computed from every linked finding; breakdown counts under 3 are given as `null`
    /// (with `suppressed: true`) to callers outside the recording organisations.
    pub evidence: EvidenceJson,
}

#[derive(Serialize, ToSchema)]
pub struct EvidenceJson {
    pub findings: usize,
    pub workers: usize,
    pub organisations: usize,
    pub districts: usize,
    pub people_affected: i64,
    pub first_observed: Option<chrono::NaiveDate>,
    pub last_observed: Option<chrono::NaiveDate>,
    pub suppressed: bool,
    /// [district id, count or null]
    pub per_district: Vec<(i64, Option<usize>)>,
    /// ["YYYY-MM", count or null]
    pub per_month: Vec<(String, Option<usize>)>,
    pub per_age_band: Vec<(String, Option<usize>)>,
    #[schema(value_type = Vec<Object>)]
    pub figures: Vec<evidence::FigureStats>,
    #[schema(value_type = Vec<Object>)]
    pub gaps: Vec<evidence::FigureGap>,
}

fn shown(n: usize, sup: evidence::Suppression) -> Option<usize> {
    match sup.shown(n) {
        evidence::Cell::Exact(v) => Some(v),
        evidence::Cell::Few => None,
    }
}

async fn issue_json(state: &AppState, user: &User, issue: IssueRow) -> Result<IssueJson, AppError> {
    let linked = state.store.evidence_items(issue.id).await?;
    let finding_ids = linked
        .iter()
        .filter(|(_, it)| access::can_view(user.role, user.org_id, it.org_id))
        .map(|(id, _)| *id)
        .collect();
    let items: Vec<EvidenceItem> = linked.into_iter().map(|(_, it)| it).collect();
    let s = evidence::summarise(&items);
    let sup = crate::web::issues::suppression_over(state, user, items.iter().map(|it| it.org_id));
    Ok(IssueJson {
        finding_ids,
        evidence: EvidenceJson {
            findings: s.findings,
            workers: s.workers,
            organisations: s.organisations,
            districts: s.districts,
            people_affected: s.people_affected,
            first_observed: s.first_observed,
            last_observed: s.last_observed,
            suppressed: !sup.insider,
            per_district: s
                .per_district
                .iter()
                .map(|(d, n)| (*d, shown(*n, sup)))
                .collect(),
            per_month: s
                .per_month
                .iter()
                .map(|(m, n)| (m.clone(), shown(*n, sup)))
                .collect(),
            per_age_band: s
                .per_age_band
                .iter()
                .map(|(b, n)| (b.clone(), shown(*n, sup)))
                .collect(),
            figures: s
                .figures
                .into_iter()
                .map(|mut f| {
                    if shown(f.count, sup).is_none() {
                        f.count = 0;
                    }
                    f
                })
                .collect(),
            gaps: s.gaps,
        },
        issue,
    })
}

/// All advocacy issues, newest activity first.
#[utoipa::path(get, path = "/api/v1/issues", tag = "issues", security(("bearer" = [])),
    responses((status = 200, description = "Issues", body = Vec<IssueRow>)))]
pub async fn list(
    State(state): State<AppState>,
    CurrentUser(_user): CurrentUser,
) -> Result<Json<Vec<IssueRow>>, AppError> {
    Ok(Json(state.store.list_issues().await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssuePayload {
    pub title: String,
    pub problem_statement: String,
    pub policy_area_id: i64,
    /// low, normal (default), high or urgent.
    #[serde(default)]
    pub priority: Option<String>,
}

/// Create an advocacy issue (senior workers, coordinators, admins); the caller owns it.
#[utoipa::path(post, path = "/api/v1/issues", tag = "issues", security(("bearer" = [])),
    request_body = IssuePayload,
    responses(
        (status = 201, description = "Created", body = IssueJson),
        (status = 400, description = "A field is missing or invalid", body = super::ErrorBody),
        (status = 403, description = "The caller may not create issues", body = super::ErrorBody),
    ))]
pub async fn create(
    State(state): State<AppState>,
    ctx: RequestContext,
    CurrentUser(user): CurrentUser,
    Json(p): Json<IssuePayload>,
) -> Result<Response, AppError> {
    if !can_manage(user.role) {
        return Err(AppError::Forbidden);
    }
    let title = p.title.trim();
    if title.is_empty() || title.chars().count() > 200 {
        return Err(AppError::BadRequest("issues.title_invalid"));
    }
    let statement = p.problem_statement.trim();
    if statement.is_empty() || statement.chars().count() > crate::web::issues::STATEMENT_MAX_CHARS {
        return Err(AppError::BadRequest("issues.statement_invalid"));
    }
    let priority = p.priority.unwrap_or_else(|| "normal".into());
    if !PRIORITIES.contains(&priority.as_str()) {
        return Err(AppError::BadRequest("issues.priority_invalid"));
    }
    let areas = state.store.list_policy_areas().await?;
    if !areas.iter().any(|a| a.id == p.policy_area_id && a.active) {
        return Err(AppError::BadRequest("finding.policy_area_unknown"));
    }
    let new = NewIssue {
        title: title.into(),
        problem_statement: p.problem_statement.trim().into(),
        policy_area_id: p.policy_area_id,
        owner_id: user.id,
        priority,
    };
    let audit = AuditEvent::new("issue.created", Some(user.id), Some(ctx.ip.clone()))
        .subject("issue", None)
        .detail(title);
    let issue = state.store.create_issue(&new, &audit).await?;
    let id = issue.id;
    let body = issue_json(&state, &user, issue).await?;
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, format!("/api/v1/issues/{id}"))],
        Json(body),
    )
        .into_response())
}

/// One issue with its evidence summary.
#[utoipa::path(get, path = "/api/v1/issues/{id}", tag = "issues", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Issue id")),
    responses((status = 200, description = "The issue", body = IssueJson), (status = 404, description = "No such issue", body = super::ErrorBody)))]
pub async fn get_one(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
) -> Result<Json<IssueJson>, AppError> {
    let issue = state.store.get_issue(id).await?.ok_or(AppError::NotFound)?;
    Ok(Json(issue_json(&state, &user, issue).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkPayload {
    pub finding_ids: Vec<i64>,
}

async fn check_visible(state: &AppState, user: &User, ids: &[i64]) -> Result<(), AppError> {
    if ids.is_empty() {
        return Err(AppError::BadRequest("issues.link_none"));
    }
    for id in ids {
        let ok = match state.store.get_finding(*id).await? {
            Some(f) => f.deleted_at.is_none() && access::can_view(user.role, user.org_id, f.org_id),
            None => false,
        };
        if !ok {
            return Err(AppError::NotFound);
        }
    }
    Ok(())
}

/// Link findings to the issue: all or none (409 if any is linked already).
#[utoipa::path(post, path = "/api/v1/issues/{id}/findings", tag = "issues", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Issue id")),
    request_body = LinkPayload,
    responses(
        (status = 200, description = "Linked; the issue as it is now", body = IssueJson),
        (status = 404, description = "No such issue, or a finding the caller may not see", body = super::ErrorBody),
        (status = 409, description = "A finding is linked already; nothing was linked", body = super::ErrorBody),
    ))]
pub async fn link(
    State(state): State<AppState>,
    ctx: RequestContext,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
    Json(p): Json<LinkPayload>,
) -> Result<Json<IssueJson>, AppError> {
    if !can_manage(user.role) {
        return Err(AppError::Forbidden);
    }
    state.store.get_issue(id).await?.ok_or(AppError::NotFound)?;
    let mut ids = p.finding_ids.clone();
    ids.dedup();
    check_visible(&state, &user, &ids).await?;
    let audit = AuditEvent::new("issue.finding_linked", Some(user.id), Some(ctx.ip.clone()))
        .subject("issue", Some(id));
    match state.store.link_findings(id, &ids, &audit).await {
        Ok(()) => {}
        Err(StoreError::Conflict) => return Err(AppError::Conflict("issues.already_linked")),
        Err(e) => return Err(e.into()),
    }
    let issue = state.store.get_issue(id).await?.ok_or(AppError::NotFound)?;
    Ok(Json(issue_json(&state, &user, issue).await?))
}

/// Unlink findings from the issue.
#[utoipa::path(delete, path = "/api/v1/issues/{id}/findings", tag = "issues", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Issue id")),
    request_body = LinkPayload,
    responses(
        (status = 204, description = "Unlinked"),
        (status = 404, description = "No such issue, or a finding not linked to it", body = super::ErrorBody),
    ))]
pub async fn unlink(
    State(state): State<AppState>,
    ctx: RequestContext,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
    Json(p): Json<LinkPayload>,
) -> Result<StatusCode, AppError> {
    if !can_manage(user.role) {
        return Err(AppError::Forbidden);
    }
    state.store.get_issue(id).await?.ok_or(AppError::NotFound)?;
    // Check every link first, so that a wrong id unlinks nothing.
    let linked: Vec<i64> = state
        .store
        .issue_links(id)
        .await?
        .into_iter()
        .map(|l| l.finding_id)
        .collect();
    if p.finding_ids.is_empty() || p.finding_ids.iter().any(|f| !linked.contains(f)) {
        return Err(AppError::NotFound);
    }
    for fid in &p.finding_ids {
        let audit = AuditEvent::new(
            "issue.finding_unlinked",
            Some(user.id),
            Some(ctx.ip.clone()),
        )
        .subject("issue", Some(id))
        .detail(format!("finding #{fid}"));
        state.store.unlink_finding(id, *fid, &audit).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergePayload {
    /// The issue that survives.
    pub into: i64,
}

/// Merge a duplicate issue into another: its findings, evidence, comments, co-signers and
/// watchers move; it is closed as merged.
#[utoipa::path(post, path = "/api/v1/issues/{id}/merge", tag = "issues", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The duplicate issue")),
    request_body = MergePayload,
    responses(
        (status = 200, description = "Merged; the surviving issue", body = IssueJson),
        (status = 404, description = "No such issue", body = super::ErrorBody),
        (status = 409, description = "Into itself, or either issue merged already: nothing changed", body = super::ErrorBody),
    ))]
pub async fn merge(
    State(state): State<AppState>,
    ctx: RequestContext,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
    Json(p): Json<MergePayload>,
) -> Result<Json<IssueJson>, AppError> {
    if !can_manage(user.role) {
        return Err(AppError::Forbidden);
    }
    state.store.get_issue(id).await?.ok_or(AppError::NotFound)?;
    state
        .store
        .get_issue(p.into)
        .await?
        .ok_or(AppError::NotFound)?;
    let audit = AuditEvent::new("issue.merged", Some(user.id), Some(ctx.ip.clone()))
        .subject("issue", Some(id));
    match state.store.merge_issue(id, p.into, &audit).await {
        Ok(()) => {}
        Err(StoreError::Conflict) => return Err(AppError::Conflict("issues.merge_refused")),
        Err(e) => return Err(e.into()),
    }
    let issue = state
        .store
        .get_issue(p.into)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(issue_json(&state, &user, issue).await?))
}

/// Candidate issues from the last recurring-gap pass (not dismissed), largest first,
/// with the reasons their findings were grouped. Senior workers, coordinators, admins.
#[utoipa::path(get, path = "/api/v1/candidates", tag = "issues", security(("bearer" = [])),
    responses(
        (status = 200, description = "Candidates", body = Vec<crate::store::recurrence::CandidateRow>),
        (status = 403, description = "The caller may not build issues", body = super::ErrorBody),
    ))]
pub async fn candidates(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> Result<Json<Vec<crate::store::recurrence::CandidateRow>>, AppError> {
    if !crate::web::issues::can_manage(user.role) {
        return Err(AppError::Forbidden);
    }
    Ok(Json(state.store.list_candidates().await?))
}
