//! The policy-parameter ledger on pages and in the API: what a policy is worth over
//! time, each change linked to the issue that won it.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json};
use chrono::NaiveDate;
use maud::{Markup, html};
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use crate::error::AppError;
use crate::i18n::Lang;
use crate::store::parameters::{NewParameter, NewValue, ParameterRow, ValueRow, changes_won};
use crate::store::{AuditEvent, StoreError, User};
use crate::web::AppState;
use crate::web::context::{CurrentUser, RequestContext};
use crate::web::findings::format_amount;
use crate::web::issues::can_manage;
use crate::web::layout::{self, FlashKind, PageCtx, csrf_field, flash};

pub fn router() -> crate::web::routes::Routes {
    crate::web::routes::Routes::new()
        .route("/parameters", get(list).post(create))
        .route("/parameters/{id}", get(show))
        .route("/parameters/{id}/values", post(add_value))
        .route("/api/v1/parameters", get(api_list).post(api_create))
        .route("/api/v1/parameters/{id}/values", post(api_add_value))
}

pub fn label(p: &ParameterRow, lang: Lang) -> String {
    match lang {
        Lang::En if !p.name_en.is_empty() => p.name_en.clone(),
        _ => p.name_zh.clone(),
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct ParameterForm {
    #[serde(default)]
    pub name_zh: String,
    #[serde(default)]
    pub name_en: String,
    /// e.g. "元/人/月" or "yuan per child per month".
    #[serde(default)]
    pub unit: String,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct ValueForm {
    #[serde(default)]
    pub value: String,
    /// YYYY-MM-DD: in force from this date.
    #[serde(default)]
    pub valid_from: String,
    /// The issue that won the change (its number), if any.
    #[serde(default)]
    pub issue_id: String,
    #[serde(default)]
    pub beneficiaries: String,
    #[serde(default)]
    pub source: String,
}

fn check_parameter(f: &ParameterForm) -> Result<NewParameter, &'static str> {
    let name = f.name_zh.trim();
    if name.is_empty() || name.chars().count() > 200 || f.name_en.chars().count() > 200 {
        return Err("parameters.name_invalid");
    }
    let unit = f.unit.trim();
    if unit.is_empty() || unit.chars().count() > 100 {
        return Err("parameters.unit_invalid");
    }
    Ok(NewParameter {
        name_zh: name.into(),
        name_en: f.name_en.trim().into(),
        unit: unit.into(),
        area_id: None,
    })
}

async fn check_value(
    state: &AppState,
    parameter_id: i64,
    f: &ValueForm,
) -> Result<Result<NewValue, Vec<&'static str>>, AppError> {
    let mut problems = Vec::new();
    let value = f
        .value
        .trim()
        .replace(',', "")
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite());
    if value.is_none() {
        problems.push("parameters.value_invalid");
    }
    let from = NaiveDate::parse_from_str(f.valid_from.trim(), "%Y-%m-%d").ok();
    if from.is_none() {
        problems.push("parameters.date_invalid");
    }
    let issue_id = match f.issue_id.trim().trim_start_matches('#') {
        "" => None,
        s => match s.parse::<i64>() {
            Ok(id) if state.store.get_issue(id).await?.is_some() => Some(id),
            _ => {
                problems.push("parameters.issue_unknown");
                None
            }
        },
    };
    let beneficiaries = match f.beneficiaries.trim() {
        "" => None,
        s => match s.replace(',', "").parse::<i64>() {
            Ok(n) if n >= 0 => Some(n),
            _ => {
                problems.push("parameters.beneficiaries_invalid");
                None
            }
        },
    };
    if f.source.chars().count() > 500 {
        problems.push("parameters.source_invalid");
    }
    Ok(match (value, from, problems.is_empty()) {
        (Some(value), Some(valid_from), true) => Ok(NewValue {
            parameter_id,
            value,
            valid_from,
            issue_id,
            beneficiaries,
            source: f.source.trim().into(),
        }),
        _ => Err(problems),
    })
}

async fn list(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    page: PageCtx,
) -> Result<Response, AppError> {
    render_list(&state, &user, &page, ParameterForm::default(), None).await
}

async fn render_list(
    state: &AppState,
    user: &User,
    page: &PageCtx,
    form: ParameterForm,
    error: Option<&'static str>,
) -> Result<Response, AppError> {
    let tr = page.tr();
    let lang = page.ctx.lang;
    let params = state.store.list_parameters().await?;
    let body = layout::page(
        page,
        tr.t("parameters.title"),
        html! {
            h1 { (tr.t("parameters.title")) }
            p.lead { (tr.t("parameters.lead")) }
            @if params.is_empty() { p.muted { (tr.t("parameters.none")) } }
            ul.plain {
                @for p in &params {
                    li { a href={ "/parameters/" (p.id) } { (label(p, lang)) } " " span.muted { "(" (p.unit) ")" } }
                }
            }
            @if can_manage(user.role) {
                section.card {
                    h2 { (tr.t("parameters.new")) }
                    @if let Some(k) = error { p.error { (tr.t(k)) } }
                    form.stack method="post" action="/parameters" {
                        (csrf_field(page))
                        div.grid {
                            div.field { label for="p-zh" { (tr.t("parameters.name_zh")) } input #p-zh name="name_zh" value=(form.name_zh) required; }
                            div.field { label for="p-en" { (tr.t("parameters.name_en")) } input #p-en name="name_en" value=(form.name_en); }
                            div.field { label for="p-unit" { (tr.t("parameters.unit")) } input #p-unit name="unit" value=(form.unit) required; }
                        }
                        button.primary type="submit" { (tr.t("form.save")) }
                    }
                }
            }
        },
    );
    Ok((
        if error.is_some() {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        },
        body,
    )
        .into_response())
}

async fn create(
    State(state): State<AppState>,
    session: Session,
    CurrentUser(user): CurrentUser,
    page: PageCtx,
    Form(form): Form<ParameterForm>,
) -> Result<Response, AppError> {
    if !can_manage(user.role) {
        return Err(AppError::Forbidden);
    }
    let new = match check_parameter(&form) {
        Ok(n) => n,
        Err(k) => return render_list(&state, &user, &page, form, Some(k)).await,
    };
    let audit = AuditEvent::new(
        "parameter.created",
        Some(user.id),
        Some(page.ctx.ip.clone()),
    )
    .subject("parameter", None)
    .detail(&new.name_zh);
    match state.store.create_parameter(&new, &audit).await {
        Ok(id) => {
            flash(&session, FlashKind::Success, page.tr().t("form.saved")).await?;
            Ok(Redirect::to(&format!("/parameters/{id}")).into_response())
        }
        Err(StoreError::Conflict) => {
            render_list(&state, &user, &page, form, Some("parameters.name_taken")).await
        }
        Err(e) => Err(e.into()),
    }
}

const VALUE_DRAFT: &str = "parameter_value_draft";

async fn show(
    State(state): State<AppState>,
    session: Session,
    CurrentUser(user): CurrentUser,
    page: PageCtx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let p = state
        .store
        .get_parameter(id)
        .await?
        .ok_or(AppError::NotFound)?;
    let values = state.store.parameter_values(id).await?;
    let draft: ValueForm = session
        .remove(VALUE_DRAFT)
        .await
        .ok()
        .flatten()
        .unwrap_or_default();
    let tr = page.tr();
    let lang = page.ctx.lang;
    Ok(layout::page(
        &page,
        &label(&p, lang),
        html! {
            p { a href="/parameters" { "← " (tr.t("parameters.title")) } }
            h1 { (label(&p, lang)) }
            p.meta { (tr.t("parameters.unit")) " " (p.unit) }
            section.card {
                h2 { (tr.t("parameters.history")) }
                @if values.is_empty() { p.muted { (tr.t("parameters.no_values")) } }
                (history(&page, &p, &values))
            }
            @if can_manage(user.role) {
                section.card {
                    h2 { (tr.t("parameters.add_value")) }
                    form.stack method="post" action={ "/parameters/" (p.id) "/values" } {
                        (csrf_field(&page))
                        div.grid {
                            div.field { label for="v-value" { (tr.t("parameters.value")) } input #v-value name="value" value=(draft.value) required inputmode="decimal"; }
                            div.field { label for="v-from" { (tr.t("parameters.valid_from")) } input #v-from type="date" name="valid_from" value=(draft.valid_from) required; }
                            div.field { label for="v-issue" { (tr.t("parameters.issue")) } input #v-issue name="issue_id" value=(draft.issue_id) placeholder="12"; }
                            div.field { label for="v-beneficiaries" { (tr.t("parameters.beneficiaries")) } input #v-beneficiaries name="beneficiaries" value=(draft.beneficiaries) inputmode="numeric"; }
                        }
                        div.field { label for="v-source" { (tr.t("parameters.source")) } input #v-source name="source" value=(draft.source); }
                        button.primary type="submit" { (tr.t("form.save")) }
                    }
                }
            }
        },
    )
    .into_response())
}

/// A parameter's values over time, each with its period and the issue that won it.
pub fn history(page: &PageCtx, p: &ParameterRow, values: &[ValueRow]) -> Markup {
    let tr = page.tr();
    html! {
        table.list {
            thead { tr { th { (tr.t("parameters.period")) } th.num { (tr.t("parameters.value")) } th { (tr.t("parameters.issue")) } th.num { (tr.t("parameters.beneficiaries")) } th { (tr.t("parameters.source")) } } }
            tbody {
                @for (i, v) in values.iter().enumerate() {
                    tr {
                        td.nowrap {
                            (v.valid_from) " – "
                            @if let Some(next) = values.get(i + 1) { (next.valid_from.pred_opt().unwrap_or(next.valid_from)) }
                        }
                        td.num { (format_amount(v.value)) " " span.muted { (p.unit) } }
                        td { @if let Some(issue) = v.issue_id { a href={ "/issues/" (issue) } { "#" (issue) } } }
                        td.num { @if let Some(b) = v.beneficiaries { (b) } }
                        td { (v.source) }
                    }
                }
            }
        }
    }
}

/// An issue's outcome: each parameter it changed, before and after.
pub fn outcome_card(
    page: &PageCtx,
    issue_id: i64,
    outcomes: &[(ParameterRow, Vec<ValueRow>)],
) -> Markup {
    let tr = page.tr();
    let lang = page.ctx.lang;
    html! {
        @if !outcomes.is_empty() {
            section.card #outcome {
                h2 { (tr.t("parameters.outcome")) }
                ul.plain {
                    @for (p, values) in outcomes {
                        @for (before, after) in changes_won(issue_id, values) {
                            li {
                                a href={ "/parameters/" (p.id) } { (label(p, lang)) } ": "
                                @if let Some(b) = before { (format_amount(b.value)) " → " }
                                strong { (format_amount(after.value)) } " " (p.unit)
                                " " span.muted { (tr.f("parameters.from_date", &[("date", &after.valid_from.to_string())])) }
                                @if let Some(n) = after.beneficiaries { " · " (tr.f("parameters.reaches", &[("n", &n.to_string())])) }
                            }
                        }
                    }
                }
            }
        }
    }
}

async fn add_value(
    State(state): State<AppState>,
    session: Session,
    CurrentUser(user): CurrentUser,
    page: PageCtx,
    Path(id): Path<i64>,
    Form(form): Form<ValueForm>,
) -> Result<Response, AppError> {
    if !can_manage(user.role) {
        return Err(AppError::Forbidden);
    }
    let p = state
        .store
        .get_parameter(id)
        .await?
        .ok_or(AppError::NotFound)?;
    let tr = page.tr();
    let keep = |session: Session, form: ValueForm| async move {
        session
            .insert(VALUE_DRAFT, &form)
            .await
            .map_err(|e| AppError::Internal(anyhow::anyhow!("session: {e}")))
    };
    let new = match check_value(&state, id, &form).await? {
        Ok(v) => v,
        Err(problems) => {
            let text = problems
                .iter()
                .map(|k| tr.t(k))
                .collect::<Vec<_>>()
                .join(" ");
            keep(session.clone(), form).await?;
            flash(&session, FlashKind::Error, text).await?;
            return Ok(Redirect::to(&format!("/parameters/{id}")).into_response());
        }
    };
    let audit = value_audit(&user, &page.ctx.ip, &p, &new);
    match state.store.add_parameter_value(&new, &audit).await {
        Ok(_) => flash(&session, FlashKind::Success, tr.t("form.saved")).await?,
        Err(StoreError::Conflict) => {
            keep(session.clone(), form).await?;
            flash(&session, FlashKind::Error, tr.t("parameters.date_taken")).await?
        }
        Err(e) => return Err(e.into()),
    }
    Ok(Redirect::to(&format!("/parameters/{id}")).into_response())
}

fn value_audit(user: &User, ip: &str, p: &ParameterRow, v: &NewValue) -> AuditEvent {
    let subject = if v.issue_id.is_some() {
        "issue"
    } else {
        "parameter"
    };
    AuditEvent::new("parameter.value_added", Some(user.id), Some(ip.to_string()))
        .subject(subject, None)
        .detail(format!(
            "{}: {} {} from {}",
            p.name_zh,
            format_amount(v.value),
            p.unit,
            v.valid_from
        ))
}

/// Policy parameters, by Chinese name.
#[utoipa::path(get, path = "/api/v1/parameters", tag = "parameters", security(("bearer" = [])),
    responses((status = 200, description = "Parameters", body = Vec<ParameterRow>)))]
pub async fn api_list(
    State(state): State<AppState>,
    CurrentUser(_user): CurrentUser,
) -> Result<Json<Vec<ParameterRow>>, AppError> {
    Ok(Json(state.store.list_parameters().await?))
}

/// Create a policy parameter (senior workers, coordinators, admins).
#[utoipa::path(post, path = "/api/v1/parameters", tag = "parameters", security(("bearer" = [])),
    request_body = ParameterForm,
    responses(
        (status = 201, description = "Created", body = ParameterRow),
        (status = 409, description = "The name is taken", body = crate::api::ErrorBody),
    ))]
pub async fn api_create(
    State(state): State<AppState>,
    ctx: RequestContext,
    CurrentUser(user): CurrentUser,
    Json(form): Json<ParameterForm>,
) -> Result<Response, AppError> {
    if !can_manage(user.role) {
        return Err(AppError::Forbidden);
    }
    let new = check_parameter(&form).map_err(AppError::BadRequest)?;
    let audit = AuditEvent::new("parameter.created", Some(user.id), Some(ctx.ip.clone()))
        .subject("parameter", None)
        .detail(&new.name_zh);
    let id = match state.store.create_parameter(&new, &audit).await {
        Ok(id) => id,
        Err(StoreError::Conflict) => return Err(AppError::Conflict("parameters.name_taken")),
        Err(e) => return Err(e.into()),
    };
    let row = state
        .store
        .get_parameter(id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((StatusCode::CREATED, Json(row)).into_response())
}

/// Record a parameter's new value from a date, optionally linked to the issue that won it.
#[utoipa::path(post, path = "/api/v1/parameters/{id}/values", tag = "parameters", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Parameter id")),
    request_body = ValueForm,
    responses(
        (status = 201, description = "Recorded; the parameter's history", body = Vec<ValueRow>),
        (status = 409, description = "A value from that date exists", body = crate::api::ErrorBody),
        (status = 422, description = "Invalid fields (`validation_failed`)", body = crate::api::ErrorBody),
    ))]
pub async fn api_add_value(
    State(state): State<AppState>,
    ctx: RequestContext,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
    Json(form): Json<ValueForm>,
) -> Result<Response, AppError> {
    if !can_manage(user.role) {
        return Err(AppError::Forbidden);
    }
    let p = state
        .store
        .get_parameter(id)
        .await?
        .ok_or(AppError::NotFound)?;
    let tr = ctx.tr();
    let new = match check_value(&state, id, &form).await? {
        Ok(v) => v,
        Err(problems) => {
            let problems: Vec<(Option<&str>, &str)> = problems.iter().map(|k| (None, *k)).collect();
            return Ok(crate::api::validation_failed(tr, &problems));
        }
    };
    let audit = value_audit(&user, &ctx.ip, &p, &new);
    match state.store.add_parameter_value(&new, &audit).await {
        Ok(_) => Ok((
            StatusCode::CREATED,
            Json(state.store.parameter_values(id).await?),
        )
            .into_response()),
        Err(StoreError::Conflict) => Err(AppError::Conflict("parameters.date_taken")),
        Err(e) => Err(e.into()),
    }
}
