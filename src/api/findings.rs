//! `/api/v1/findings`: create, read, update, delete, list and search findings, under
//! the same rules as the pages (visibility, private fields, the personal-data guard).

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::finding::{
    FieldHit, FieldProblem, Figure, FigureInput, FindingInput, Threshold, access,
};
use crate::error::AppError;
use crate::i18n::Tr;
use crate::store::findings::{Finding, FindingSort};
use crate::store::{AuditEvent, User};
use crate::web::AppState;
use crate::web::context::{CurrentUser, RequestContext};
use crate::web::findings::Taxonomy;
use crate::web::findings::filters::FindingFilters;
use crate::web::findings::form::input_from;
use crate::web::findings::list::next_cursor;
use crate::web::findings::save::{SaveOutcome, save_finding};

/// A finding as the API shows it. `case_reference` and `private_notes` appear only
/// for the recording organisation and admins.
#[derive(Serialize, ToSchema)]
pub struct FindingJson {
    pub id: i64,
    pub narrative: String,
    pub policy_area_id: i64,
    pub locality_id: i64,
    pub observed_on: NaiveDate,
    pub people_affected: i64,
    pub age_min: Option<i64>,
    pub age_max: Option<i64>,
    pub threshold: Option<Threshold>,
    /// How the policy fails, as the worker confirmed it: one of the failure-mode ids
    /// (age, amount, residence, waiting, missing, …), or null.
    pub failure_mode: Option<String>,
    pub figures: Vec<Figure>,
    pub tags: Vec<String>,
    pub organisation: super::OrgRef,
    pub recorded_by: UserRef,
    pub external_id: Option<String>,
    pub linked_issue_count: i64,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub case_reference: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub private_notes: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct UserRef {
    pub id: i64,
    pub name: String,
}

impl FindingJson {
    pub fn new(f: Finding, viewer: &User) -> FindingJson {
        let private = access::sees_private(viewer.role, viewer.org_id, f.org_id);
        FindingJson {
            id: f.id,
            narrative: f.narrative,
            policy_area_id: f.policy_area_id,
            locality_id: f.locality_id,
            observed_on: f.observed_on,
            people_affected: f.people_affected,
            age_min: f.age_min,
            age_max: f.age_max,
            threshold: f.threshold,
            failure_mode: f.failure_mode,
            figures: f.figures,
            tags: f.tags,
            organisation: super::OrgRef {
                id: f.org_id,
                name: f.org_name,
            },
            recorded_by: UserRef {
                id: f.recorded_by,
                name: f.recorder_name,
            },
            external_id: f.external_id,
            linked_issue_count: f.issue_link_count,
            version: f.version,
            created_at: f.created_at,
            updated_at: f.updated_at,
            case_reference: if private { f.case_reference } else { None },
            private_notes: if private { f.private_notes } else { None },
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct FindingPage {
    pub items: Vec<FindingJson>,
    /// Pass as `after` for the next page; absent on the last page.
    pub next: Option<String>,
}

#[derive(Deserialize, ToSchema, Default)]
pub struct FigurePayload {
    pub name: String,
    pub amount: f64,
    pub unit: String,
}

#[derive(Deserialize, ToSchema, Default)]
pub struct ThresholdPayload {
    pub benefit: String,
    /// age, income, residence, disability_grade or other.
    pub kind: String,
    pub value: String,
}

/// Confirms that what the personal-data guard found is not a client's personal data.
#[derive(Deserialize, ToSchema)]
pub struct ConfirmPersonalData {
    pub reason: String,
}

/// A finding to create, or (with PATCH) the fields to change. Absent fields are left
/// as they are on PATCH; `null` clears an optional one.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct FindingPayload {
    pub narrative: Option<String>,
    pub policy_area_id: Option<i64>,
    pub locality_id: Option<i64>,
    /// YYYY-MM-DD, not in the future.
    pub observed_on: Option<String>,
    pub people_affected: Option<i64>,
    #[serde(default, deserialize_with = "double_option")]
    pub age_min: Option<Option<i64>>,
    #[serde(default, deserialize_with = "double_option")]
    pub age_max: Option<Option<i64>>,
    #[serde(default, deserialize_with = "double_option")]
    pub threshold: Option<Option<ThresholdPayload>>,
    /// How the policy fails: a failure-mode id (see the finding form for the list), or
    /// null for not said.
    #[serde(default, deserialize_with = "double_option")]
    pub failure_mode: Option<Option<String>>,
    pub figures: Option<Vec<FigurePayload>>,
    pub tags: Option<Vec<String>>,
    #[serde(default, deserialize_with = "double_option")]
    pub case_reference: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    pub private_notes: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    pub external_id: Option<Option<String>>,
    /// PATCH only: the version the change is based on (refused with 409 if stale).
    pub version: Option<i64>,
    pub confirm_personal_data: Option<ConfirmPersonalData>,
}

/// Tells an absent field (`None`) from an explicit `null` (`Some(None)`).
fn double_option<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

impl FindingPayload {
    /// Applies the payload onto `base` (empty for a new finding).
    fn apply(self, mut base: FindingInput) -> FindingInput {
        let num = |v: Option<i64>| v.map(|n| n.to_string()).unwrap_or_default();
        if let Some(v) = self.narrative {
            base.narrative = v;
        }
        if let Some(v) = self.policy_area_id {
            base.policy_area_id = v.to_string();
        }
        if let Some(v) = self.locality_id {
            base.locality_id = v.to_string();
        }
        if let Some(v) = self.observed_on {
            base.observed_on = v;
        }
        if let Some(v) = self.people_affected {
            base.people_affected = v.to_string();
        }
        if let Some(v) = self.age_min {
            base.age_min = num(v);
        }
        if let Some(v) = self.age_max {
            base.age_max = num(v);
        }
        if let Some(t) = self.threshold {
            let t = t.unwrap_or_default();
            base.threshold_benefit = t.benefit;
            base.threshold_kind = t.kind;
            base.threshold_value = t.value;
        }
        if let Some(m) = self.failure_mode {
            base.failure_mode = m.unwrap_or_default();
        }
        if let Some(figs) = self.figures {
            base.figures = figs
                .into_iter()
                .map(|f| FigureInput {
                    name: f.name,
                    amount: f.amount.to_string(),
                    unit: f.unit,
                })
                .collect();
        }
        if let Some(tags) = self.tags {
            base.tags = tags.join(",");
        }
        if let Some(v) = self.case_reference {
            base.case_reference = v.unwrap_or_default();
        }
        if let Some(v) = self.private_notes {
            base.private_notes = v.unwrap_or_default();
        }
        if let Some(v) = self.external_id {
            base.external_id = v.unwrap_or_default();
        }
        base
    }
}

/// One problem with a field, in a 422 answer.
#[derive(Serialize, ToSchema)]
pub struct FieldErrorJson {
    pub field: String,
    /// A stable code such as `finding.date_future`.
    pub code: String,
    pub message: String,
}

/// Personal data found by the guard, in a 422 answer. Offsets count characters.
#[derive(Serialize, ToSchema)]
pub struct HitJson {
    pub field: String,
    /// id_number, mobile, landline, email, bank_card or address.
    pub kind: String,
    pub start: usize,
    pub end: usize,
}

fn invalid_response(
    tr: Tr,
    input: &FindingInput,
    problems: Vec<FieldProblem>,
    hits: Vec<FieldHit>,
) -> Response {
    let texts = crate::domain::finding::guarded_fields(input);
    let hits: Vec<HitJson> = hits
        .into_iter()
        .map(|h| {
            let text = texts
                .iter()
                .find(|(f, _)| *f == h.field)
                .map(|(_, t)| *t)
                .unwrap_or("");
            let (start, end) = h.hit.char_range(text);
            HitJson {
                field: h.field,
                kind: h.hit.kind.as_str().into(),
                start,
                end,
            }
        })
        .collect();
    let (code, message) = if problems.is_empty() {
        ("personal_data", tr.t("api.personal_data"))
    } else {
        ("validation_failed", tr.t("form.has_errors"))
    };
    let fields: Vec<FieldErrorJson> = problems
        .into_iter()
        .map(|p| FieldErrorJson {
            message: tr.t(p.key).into(),
            code: p.key.into(),
            field: p.field,
        })
        .collect();
    let body = serde_json::json!({ "error": { "code": code, "message": message, "fields": fields, "hits": hits } });
    (StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response()
}

fn conflict_response(tr: Tr) -> Response {
    let body = serde_json::json!({ "error": { "code": "conflict", "message": tr.t("finding.edited_meanwhile") } });
    (StatusCode::CONFLICT, Json(body)).into_response()
}

async fn visible(state: &AppState, user: &User, id: i64) -> Result<Finding, AppError> {
    let f = state
        .store
        .get_finding(id)
        .await?
        .ok_or(AppError::NotFound)?;
    if f.deleted_at.is_some() || !access::can_view(user.role, user.org_id, f.org_id) {
        return Err(AppError::NotFound);
    }
    Ok(f)
}

/// Search and list findings the caller may see, newest or best match first.
#[utoipa::path(get, path = "/api/v1/findings", tag = "findings", security(("bearer" = [])),
    params(FindingFilters),
    responses(
        (status = 200, description = "A page of findings", body = FindingPage),
        (status = 422, description = "A filter could not be read, or `limit` is outside 1–100 \
            (`validation_failed`, each `field` naming the parameter); a page is never silently cut", body = super::ErrorBody),
        (status = 403, description = "Viewers do not see findings", body = super::ErrorBody),
    ))]
pub async fn list(
    State(state): State<AppState>,
    ctx: RequestContext,
    CurrentUser(user): CurrentUser,
    Query(filters): Query<FindingFilters>,
) -> Result<Response, AppError> {
    if !access::can_view_any(user.role) {
        return Err(AppError::Forbidden);
    }
    let tax = Taxonomy::cached(&state).await?;
    let query = match filters.to_query(&user, &tax.localities) {
        Ok(query) => query,
        Err(problems) => {
            let problems: Vec<(Option<&str>, &str)> =
                problems.iter().map(|p| (Some(p.param), p.key)).collect();
            return Ok(super::validation_failed(ctx.tr(), &problems));
        }
    };
    let by_score = !query.terms.is_empty() && query.sort == FindingSort::Relevance;
    let limit = query.limit as usize;
    let mut found = state.store.search_findings(&query).await?;
    let more = found.len() > limit;
    found.truncate(limit);
    let next = if more {
        next_cursor(&found, by_score)
    } else {
        None
    };
    Ok(Json(FindingPage {
        items: found
            .into_iter()
            .map(|f| FindingJson::new(f, &user))
            .collect(),
        next,
    })
    .into_response())
}

/// Record a finding. Personal data in its text is refused (422 with the hits) unless
/// `confirm_personal_data` gives a reason.
#[utoipa::path(post, path = "/api/v1/findings", tag = "findings", security(("bearer" = [])),
    request_body = FindingPayload,
    responses(
        (status = 201, description = "Recorded", body = FindingJson),
        (status = 422, description = "Invalid fields (`validation_failed`, with `fields`) or unconfirmed personal data (`personal_data`, with `hits`)", body = super::ErrorBody),
        (status = 403, description = "Viewers cannot record findings", body = super::ErrorBody),
    ))]
pub async fn create(
    State(state): State<AppState>,
    ctx: RequestContext,
    CurrentUser(user): CurrentUser,
    Json(payload): Json<FindingPayload>,
) -> Result<Response, AppError> {
    if !access::can_record(user.role) {
        return Err(AppError::Forbidden);
    }
    let reason = payload
        .confirm_personal_data
        .as_ref()
        .map(|c| c.reason.clone());
    let input = payload.apply(FindingInput::default());
    match save_finding(
        &state,
        &user,
        &ctx.ip,
        &input,
        reason.as_deref(),
        None,
        None,
    )
    .await?
    {
        SaveOutcome::Saved(id) | SaveOutcome::Unchanged(id) => {
            let f = visible(&state, &user, id).await?;
            Ok((
                StatusCode::CREATED,
                [(header::LOCATION, format!("/api/v1/findings/{id}"))],
                Json(FindingJson::new(f, &user)),
            )
                .into_response())
        }
        SaveOutcome::Invalid { problems, hits } => {
            Ok(invalid_response(ctx.tr(), &input, problems, hits))
        }
        SaveOutcome::Conflict => Ok(conflict_response(ctx.tr())),
    }
}

/// One finding.
#[utoipa::path(get, path = "/api/v1/findings/{id}", tag = "findings", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Finding id")),
    responses(
        (status = 200, description = "The finding", body = FindingJson),
        (status = 404, description = "No such finding, or not visible to the caller", body = super::ErrorBody),
    ))]
pub async fn get_one(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
) -> Result<Json<FindingJson>, AppError> {
    let f = visible(&state, &user, id).await?;
    Ok(Json(FindingJson::new(f, &user)))
}

/// Change a finding: only the fields given. The previous state is kept as a version.
#[utoipa::path(patch, path = "/api/v1/findings/{id}", tag = "findings", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Finding id")),
    request_body = FindingPayload,
    responses(
        (status = 200, description = "The changed finding", body = FindingJson),
        (status = 409, description = "Changed by someone else since `version`", body = super::ErrorBody),
        (status = 422, description = "Invalid fields or unconfirmed personal data", body = super::ErrorBody),
        (status = 403, description = "The caller may see but not change it", body = super::ErrorBody),
        (status = 404, description = "No such finding, or not visible to the caller", body = super::ErrorBody),
    ))]
pub async fn update(
    State(state): State<AppState>,
    ctx: RequestContext,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
    Json(payload): Json<FindingPayload>,
) -> Result<Response, AppError> {
    let current = visible(&state, &user, id).await?;
    if !access::can_edit(
        user.role,
        user.id,
        user.org_id,
        current.recorded_by,
        current.org_id,
    ) {
        return Err(AppError::Forbidden);
    }
    let reason = payload
        .confirm_personal_data
        .as_ref()
        .map(|c| c.reason.clone());
    let version = payload.version;
    let input = payload.apply(input_from(&current));
    match save_finding(
        &state,
        &user,
        &ctx.ip,
        &input,
        reason.as_deref(),
        Some(&current),
        version,
    )
    .await?
    {
        SaveOutcome::Saved(id) | SaveOutcome::Unchanged(id) => {
            let f = visible(&state, &user, id).await?;
            Ok(Json(FindingJson::new(f, &user)).into_response())
        }
        SaveOutcome::Invalid { problems, hits } => {
            Ok(invalid_response(ctx.tr(), &input, problems, hits))
        }
        SaveOutcome::Conflict => Ok(conflict_response(ctx.tr())),
    }
}

/// Delete a finding (kept for the audit, gone from lists and search).
#[utoipa::path(delete, path = "/api/v1/findings/{id}", tag = "findings", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Finding id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "The caller may see but not delete it", body = super::ErrorBody),
        (status = 404, description = "No such finding, or not visible to the caller", body = super::ErrorBody),
    ))]
pub async fn delete(
    State(state): State<AppState>,
    ctx: RequestContext,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
) -> Result<StatusCode, AppError> {
    let f = visible(&state, &user, id).await?;
    if !access::can_edit(user.role, user.id, user.org_id, f.recorded_by, f.org_id) {
        return Err(AppError::Forbidden);
    }
    let audit = AuditEvent::new("finding.deleted", Some(user.id), Some(ctx.ip.clone()))
        .subject("finding", Some(id));
    state.store.delete_finding(id, &audit).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct Taxonomies {
    pub policy_areas: Vec<crate::store::findings::PolicyArea>,
    pub localities: Vec<crate::store::findings::Locality>,
}

/// The policy areas and localities findings are filed under.
#[utoipa::path(get, path = "/api/v1/taxonomies", tag = "findings", security(("bearer" = [])),
    responses((status = 200, description = "Policy areas and localities", body = Taxonomies)))]
pub async fn taxonomies(
    State(state): State<AppState>,
    CurrentUser(_user): CurrentUser,
) -> Result<Json<Taxonomies>, AppError> {
    let tax = Taxonomy::load(&state.store).await?;
    Ok(Json(Taxonomies {
        policy_areas: tax.areas,
        localities: tax.localities,
    }))
}
