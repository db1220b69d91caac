//! Government departments that issues are submitted to: a page per department with
//! its record, and (admins) creating and editing them. Also the API.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Json};
use maud::html;
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use crate::domain::finding::today_in_china;
use crate::domain::role::Role;
use crate::domain::workdays::{self, DueState, ReplyPeriod};
use crate::error::AppError;
use crate::i18n::{Lang, Tr};
use crate::store::lifecycle::{DepartmentRow, LEVELS, NewDepartment};
use crate::store::{AuditEvent, StoreError};
use crate::web::AppState;
use crate::web::context::{CurrentUser, RequestContext};
use crate::web::forms::FieldErrors;
use crate::web::issues::lifecycle::period_of;
use crate::web::layout::{self, FlashKind, PageCtx, csrf_field, flash};

pub fn router() -> crate::web::routes::Routes {
    crate::web::routes::Routes::new()
        .route("/departments", get(list).post(create))
        .route("/departments/{id}", get(show).post(update))
        .route("/api/v1/departments", get(api_list).post(api_create))
}

pub fn label(d: &DepartmentRow, lang: Lang) -> String {
    match lang {
        Lang::En if !d.name_en.is_empty() => d.name_en.clone(),
        _ => d.name_zh.clone(),
    }
}

fn level_key(level: &str) -> &'static str {
    match level {
        "national" => "departments.level_national",
        "provincial" => "departments.level_provincial",
        "municipal" => "departments.level_municipal",
        "district" => "departments.level_district",
        "county" => "departments.level_county",
        _ => "departments.level_street",
    }
}

fn period_text(tr: Tr, p: ReplyPeriod) -> String {
    let key = match p {
        ReplyPeriod::Months(_) => "departments.period_months",
        ReplyPeriod::CalendarDays(_) => "departments.period_calendar_days",
        ReplyPeriod::WorkingDays(_) => "departments.period_working_days",
    };
    tr.f(key, &[("n", &p.count().to_string())])
}

/// A department as typed.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct DepartmentForm {
    #[serde(default)]
    pub name_zh: String,
    #[serde(default)]
    pub name_en: String,
    /// national, provincial, municipal, district, county or street.
    #[serde(default)]
    pub level: String,
    /// The body it belongs to, if any.
    #[serde(default)]
    pub parent_id: Option<String>,
    /// months (default), calendar_days or working_days.
    #[serde(default)]
    pub reply_unit: String,
    /// Default 3 (months).
    #[serde(default)]
    pub reply_count: String,
    /// Forms send "on"; absent means inactive on edits, active on the API's create.
    #[serde(default)]
    pub active: Option<String>,
}

fn check(
    form: &DepartmentForm,
    departments: &[DepartmentRow],
    editing: Option<i64>,
) -> Result<NewDepartment, FieldErrors> {
    let mut errors = FieldErrors::default();
    let name_zh = form.name_zh.trim();
    if name_zh.is_empty() || name_zh.chars().count() > 100 {
        errors.add("name_zh", "departments.name_invalid");
    }
    if form.name_en.trim().chars().count() > 200 {
        errors.add("name_en", "departments.name_invalid");
    }
    if !LEVELS.contains(&form.level.as_str()) {
        errors.add("level", "departments.level_invalid");
    }
    let parent_id = match form.parent_id.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(p) => match p.parse::<i64>() {
            Ok(id) if departments.iter().any(|d| d.id == id) && Some(id) != editing => Some(id),
            _ => {
                errors.add("parent_id", "departments.parent_invalid");
                None
            }
        },
    };
    let unit = if form.reply_unit.is_empty() {
        "months"
    } else {
        form.reply_unit.as_str()
    };
    let count: u32 = if form.reply_count.trim().is_empty() {
        3
    } else {
        form.reply_count.trim().parse().unwrap_or(0)
    };
    let period = ReplyPeriod::parse(unit, count);
    if period.is_none() {
        errors.add("reply_count", "departments.period_invalid");
    }
    match period {
        Some(p) if errors.is_empty() => Ok(NewDepartment {
            name_zh: name_zh.into(),
            name_en: form.name_en.trim().into(),
            level: form.level.clone(),
            parent_id,
            reply_unit: p.unit().into(),
            reply_count: i64::from(p.count()),
            active: form.active.is_some(),
        }),
        _ => Err(errors),
    }
}

async fn list(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    page: PageCtx,
) -> Result<Response, AppError> {
    render_list(
        &state,
        user.role,
        &page,
        DepartmentForm::default(),
        FieldErrors::default(),
        StatusCode::OK,
    )
    .await
}

async fn render_list(
    state: &AppState,
    role: Role,
    page: &PageCtx,
    form: DepartmentForm,
    errors: FieldErrors,
    status: StatusCode,
) -> Result<Response, AppError> {
    let tr = page.tr();
    let lang = page.ctx.lang;
    let departments = state.store.list_departments().await?;
    let admin = role == Role::Admin;
    let body = layout::page(
        page,
        tr.t("departments.title"),
        html! {
            h1 { (tr.t("departments.title")) }
            @if departments.is_empty() { p.muted { (tr.t("departments.none")) } }
            @if !departments.is_empty() {
                table.list {
                    thead { tr { th { (tr.t("departments.name")) } th { (tr.t("departments.level")) } th { (tr.t("departments.period")) } th { (tr.t("field.status")) } } }
                    tbody {
                        @for d in &departments {
                            tr {
                                td { a href={ "/departments/" (d.id) } { (label(d, lang)) } }
                                td { (tr.t(level_key(&d.level))) }
                                td { (period_text(tr, period_of(d))) }
                                td { (tr.t(if d.active { "status.active" } else { "status.inactive" })) }
                            }
                        }
                    }
                }
            }
            @if admin {
                section.card #new-department {
                    h2 { (tr.t("departments.new")) }
                    (department_form(page, "/departments", &form, &errors, &departments, None))
                }
            }
        },
    );
    Ok((status, body).into_response())
}

fn department_form(
    page: &PageCtx,
    action: &str,
    form: &DepartmentForm,
    errors: &FieldErrors,
    departments: &[DepartmentRow],
    editing: Option<i64>,
) -> maud::Markup {
    let tr = page.tr();
    let lang = page.ctx.lang;
    let err = |f: &str| errors.get(f).map(|k| tr.t(k));
    let unit = if form.reply_unit.is_empty() {
        "months"
    } else {
        form.reply_unit.as_str()
    };
    let count = if form.reply_count.is_empty() {
        "3"
    } else {
        form.reply_count.as_str()
    };
    html! {
        form.stack method="post" action=(action) {
            (csrf_field(page))
            div.grid {
                div.field {
                    label for="d-zh" { (tr.t("departments.name_zh")) }
                    input #d-zh name="name_zh" value=(form.name_zh) required maxlength="100";
                    @if let Some(e) = err("name_zh") { p.error { (e) } }
                }
                div.field {
                    label for="d-en" { (tr.t("departments.name_en")) }
                    input #d-en name="name_en" value=(form.name_en) maxlength="200";
                }
                div.field {
                    label for="d-level" { (tr.t("departments.level")) }
                    select #d-level name="level" {
                        @for l in LEVELS { option value=(l) selected[form.level == l] { (tr.t(level_key(l))) } }
                    }
                    @if let Some(e) = err("level") { p.error { (e) } }
                }
                div.field {
                    label for="d-parent" { (tr.t("departments.parent")) }
                    select #d-parent name="parent_id" {
                        option value="" { "—" }
                        @for d in departments.iter().filter(|d| Some(d.id) != editing) {
                            option value=(d.id) selected[form.parent_id.as_deref() == Some(d.id.to_string().as_str())] { (label(d, lang)) }
                        }
                    }
                    @if let Some(e) = err("parent_id") { p.error { (e) } }
                }
                div.field {
                    label for="d-count" { (tr.t("departments.period")) }
                    input #d-count name="reply_count" type="number" min="1" max="400" value=(count);
                    select name="reply_unit" aria-label=(tr.t("departments.period_unit")) {
                        @for (u, k) in [("months", "departments.unit_months"), ("calendar_days", "departments.unit_calendar_days"), ("working_days", "departments.unit_working_days")] {
                            option value=(u) selected[unit == u] { (tr.t(k)) }
                        }
                    }
                    @if let Some(e) = err("reply_count") { p.error { (e) } }
                }
                div.field {
                    label.checkbox { input type="checkbox" name="active" checked[form.active.is_some() || editing.is_none()]; " " (tr.t("status.active")) }
                }
            }
            button.primary type="submit" { (tr.t("form.save")) }
        }
    }
}

async fn create(
    State(state): State<AppState>,
    session: Session,
    CurrentUser(user): CurrentUser,
    page: PageCtx,
    Form(form): Form<DepartmentForm>,
) -> Result<Response, AppError> {
    if user.role != Role::Admin {
        return Err(AppError::Forbidden);
    }
    let departments = state.store.list_departments().await?;
    let new = match check(&form, &departments, None) {
        Ok(n) => n,
        Err(errors) => {
            return render_list(
                &state,
                user.role,
                &page,
                form,
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let audit = AuditEvent::new(
        "department.created",
        Some(user.id),
        Some(page.ctx.ip.clone()),
    )
    .subject("department", None)
    .detail(&new.name_zh);
    match state.store.create_department(&new, &audit).await {
        Ok(id) => {
            flash(&session, FlashKind::Success, page.tr().t("form.saved")).await?;
            Ok(Redirect::to(&format!("/departments/{id}")).into_response())
        }
        Err(StoreError::Conflict) => {
            let mut errors = FieldErrors::default();
            errors.add("name_zh", "departments.name_taken");
            render_list(
                &state,
                user.role,
                &page,
                form,
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

async fn show(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    page: PageCtx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let d = state
        .store
        .get_department(id)
        .await?
        .ok_or(AppError::NotFound)?;
    render_show(&state, user.role, &page, &d, None).await
}

async fn render_show(
    state: &AppState,
    role: Role,
    page: &PageCtx,
    d: &DepartmentRow,
    failed: Option<(DepartmentForm, FieldErrors)>,
) -> Result<Response, AppError> {
    let tr = page.tr();
    let lang = page.ctx.lang;
    let departments = state.store.list_departments().await?;
    let submissions = state.store.department_submissions(d.id).await?;
    let (answers, commitments) = state.store.department_answers(d.id).await?;
    let today = today_in_china();
    let long_after = state.settings.long_overdue_days;
    let rec = record(&submissions, &answers, &commitments, today, long_after);
    let parent = d
        .parent_id
        .and_then(|p| departments.iter().find(|x| x.id == p));
    let status = if failed.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let (form, errors) = failed.unwrap_or_else(|| {
        (
            DepartmentForm {
                name_zh: d.name_zh.clone(),
                name_en: d.name_en.clone(),
                level: d.level.clone(),
                parent_id: d.parent_id.map(|p| p.to_string()),
                reply_unit: d.reply_unit.clone(),
                reply_count: d.reply_count.to_string(),
                active: d.active.then(|| "on".into()),
            },
            FieldErrors::default(),
        )
    });
    let body = layout::page(
        page,
        &label(d, lang),
        html! {
            p { a href="/departments" { "← " (tr.t("departments.title")) } }
            h1 { (label(d, lang)) }
            p.meta {
                (tr.t(level_key(&d.level)))
                @if let Some(p) = parent { " · " (tr.t("departments.parent")) " " a href={ "/departments/" (p.id) } { (label(p, lang)) } }
                " · " (tr.t("departments.period")) " " (period_text(tr, period_of(d)))
                @if !d.active { " · " (tr.t("status.inactive")) }
            }
            section.card #record {
                h2 { (tr.t("departments.record")) }
                ul.figures {
                    li { span.figure { (rec.submissions) } " " (tr.t("departments.sum_submissions")) }
                    li { span.figure { (rec.answered) } " " (tr.t("departments.sum_answered")) }
                    li { span.figure { (percent(rec.on_time, rec.answered)) } " " (tr.t("departments.sum_on_time")) }
                    li { span.figure { (rec.median_days.map(|m| format!("{m:.0}")).unwrap_or_else(|| "—".into())) } " " (tr.t("departments.sum_median_days")) }
                    li { span.figure { (rec.overdue) } " " (tr.t("departments.sum_overdue")) }
                    li { span.figure { (rec.open_commitments) } " " (tr.t("departments.sum_open_commitments")) }
                }
                @if rec.answered > 0 {
                    p {
                        (tr.t("departments.classes")) " "
                        @for (class, n) in &rec.classes { span.tag { (class) " " (percent(*n, rec.answered)) } " " }
                    }
                }
                @if !rec.satisfaction.is_empty() {
                    p {
                        (tr.t("responses.satisfaction")) " "
                        @for (sat, n) in &rec.satisfaction {
                            @if let Some(s) = crate::domain::responses::Satisfaction::parse(sat) { (tr.t(s.key())) " " (n) " · " }
                        }
                    }
                }
                @if !submissions.is_empty() {
                    table.list {
                        thead { tr { th { (tr.t("issues.issue")) } th { (tr.t("submissions.submitted_on")) } th { (tr.t("submissions.due_on")) } th { (tr.t("responses.classification")) } } }
                        tbody {
                            @for s in &submissions {
                                tr {
                                    td { a href={ "/issues/" (s.issue_id) } { "#" (s.issue_id) } " " (s.reference) }
                                    td.nowrap { (s.submitted_on) }
                                    td.nowrap {
                                        (s.current_due())
                                        @if matches!(workdays::due_state(s.current_due(), today, s.answered(), long_after), DueState::Overdue { .. } | DueState::LongOverdue { .. }) {
                                            " " span.due.due-late { (tr.t("departments.late")) }
                                        }
                                    }
                                    td { @for r in answers.iter().filter(|r| r.submission_id == s.id) { span.tag { (r.classification) } " " } }
                                }
                            }
                        }
                    }
                }
            }
            @if role == Role::Admin {
                section.card #edit {
                    h2 { (tr.t("departments.edit")) }
                    (department_form(page, &format!("/departments/{}", d.id), &form, &errors, &departments, Some(d.id)))
                }
            }
        },
    );
    Ok((status, body).into_response())
}

async fn update(
    State(state): State<AppState>,
    session: Session,
    CurrentUser(user): CurrentUser,
    page: PageCtx,
    Path(id): Path<i64>,
    Form(form): Form<DepartmentForm>,
) -> Result<Response, AppError> {
    if user.role != Role::Admin {
        return Err(AppError::Forbidden);
    }
    let d = state
        .store
        .get_department(id)
        .await?
        .ok_or(AppError::NotFound)?;
    let departments = state.store.list_departments().await?;
    let new = match check(&form, &departments, Some(id)) {
        Ok(n) => n,
        Err(errors) => {
            return render_show(&state, user.role, &page, &d, Some((form, errors))).await;
        }
    };
    let audit = AuditEvent::new(
        "department.updated",
        Some(user.id),
        Some(page.ctx.ip.clone()),
    )
    .subject("department", Some(id))
    .detail(&new.name_zh);
    match state.store.update_department(id, &new, &audit).await {
        Ok(()) => {
            flash(&session, FlashKind::Success, page.tr().t("form.saved")).await?;
            Ok(Redirect::to(&format!("/departments/{id}")).into_response())
        }
        Err(StoreError::Conflict) => {
            let mut errors = FieldErrors::default();
            errors.add("name_zh", "departments.name_taken");
            render_show(&state, user.role, &page, &d, Some((form, errors))).await
        }
        Err(e) => Err(e.into()),
    }
}

/// A department's record, computed from its submissions and answers.
#[derive(Debug, Default, PartialEq)]
pub struct Record {
    pub submissions: usize,
    pub answered: usize,
    /// First answer on or before the deadline in force (extensions count).
    pub on_time: usize,
    pub median_days: Option<f64>,
    pub overdue: usize,
    /// Latest answer's class → submissions.
    pub classes: Vec<(String, usize)>,
    pub satisfaction: Vec<(String, usize)>,
    pub open_commitments: usize,
}

pub fn record(
    submissions: &[crate::store::lifecycle::SubmissionRow],
    answers: &[crate::store::lifecycle::ResponseRow],
    commitments: &[crate::store::lifecycle::CommitmentRow],
    today: chrono::NaiveDate,
    long_after: i64,
) -> Record {
    use std::collections::BTreeMap;
    let mut r = Record {
        submissions: submissions.len(),
        ..Record::default()
    };
    let mut days: Vec<f64> = Vec::new();
    let mut classes: BTreeMap<String, usize> = BTreeMap::new();
    let mut sats: BTreeMap<String, usize> = BTreeMap::new();
    for s in submissions {
        let own: Vec<_> = answers.iter().filter(|a| a.submission_id == s.id).collect();
        if let Some(first) = own.first() {
            r.answered += 1;
            if first.responded_on <= s.extended_due_on.unwrap_or(s.due_on) {
                r.on_time += 1;
            }
            days.push((first.responded_on - s.submitted_on).num_days() as f64);
            let latest = own.last().expect("non-empty");
            *classes.entry(latest.classification.clone()).or_default() += 1;
        }
        for a in &own {
            if let Some(sat) = &a.satisfaction {
                *sats.entry(sat.clone()).or_default() += 1;
            }
        }
        if matches!(
            workdays::due_state(s.current_due(), today, s.answered(), long_after),
            DueState::Overdue { .. } | DueState::LongOverdue { .. }
        ) {
            r.overdue += 1;
        }
    }
    days.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    r.median_days = match days.len() {
        0 => None,
        n if n % 2 == 1 => Some(days[n / 2]),
        n => Some((days[n / 2 - 1] + days[n / 2]) / 2.0),
    };
    r.classes = classes.into_iter().collect();
    r.satisfaction = sats.into_iter().collect();
    r.open_commitments = commitments.iter().filter(|c| c.status == "open").count();
    r
}

fn percent(n: usize, of: usize) -> String {
    if of == 0 {
        "—".into()
    } else {
        format!("{:.0}%", n as f64 * 100.0 / of as f64)
    }
}

/// Departments, by Chinese name.
#[utoipa::path(get, path = "/api/v1/departments", tag = "departments", security(("bearer" = [])),
    responses((status = 200, description = "Departments", body = Vec<DepartmentRow>)))]
pub async fn api_list(
    State(state): State<AppState>,
    CurrentUser(_user): CurrentUser,
) -> Result<Json<Vec<DepartmentRow>>, AppError> {
    Ok(Json(state.store.list_departments().await?))
}

/// Create a department (admins).
#[utoipa::path(post, path = "/api/v1/departments", tag = "departments", security(("bearer" = [])),
    request_body = DepartmentForm,
    responses(
        (status = 201, description = "Created", body = DepartmentRow),
        (status = 409, description = "The Chinese name is taken", body = crate::api::ErrorBody),
        (status = 422, description = "Invalid fields (`validation_failed`)", body = crate::api::ErrorBody),
    ))]
pub async fn api_create(
    State(state): State<AppState>,
    ctx: RequestContext,
    CurrentUser(user): CurrentUser,
    Json(mut form): Json<DepartmentForm>,
) -> Result<Response, AppError> {
    if user.role != Role::Admin {
        return Err(AppError::Forbidden);
    }
    if form.active.is_none() {
        form.active = Some("on".into());
    }
    let departments = state.store.list_departments().await?;
    let tr = ctx.tr();
    let new = match check(&form, &departments, None) {
        Ok(n) => n,
        Err(errors) => {
            let fields = ["name_zh", "name_en", "level", "parent_id", "reply_count"];
            return Ok(crate::api::validation_failed(
                tr,
                &crate::api::field_problems(&errors, &fields),
            ));
        }
    };
    let audit = AuditEvent::new("department.created", Some(user.id), Some(ctx.ip.clone()))
        .subject("department", None)
        .detail(&new.name_zh);
    let id = match state.store.create_department(&new, &audit).await {
        Ok(id) => id,
        Err(StoreError::Conflict) => return Err(AppError::Conflict("departments.name_taken")),
        Err(e) => return Err(e.into()),
    };
    let row = state
        .store
        .get_department(id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((StatusCode::CREATED, Json(row)).into_response())
}
