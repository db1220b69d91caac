//! The taxonomies findings are filed under: policy areas and the locality hierarchy
//! (city → district/county → street → community). Admins only.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::{Markup, html};
use serde::Deserialize;
use tower_sessions::Session;

use crate::domain::account::DisplayName;
use crate::error::AppError;
use crate::store::findings::LocalityLevel;
use crate::store::{AuditEvent, StoreError};
use crate::web::AppState;
use crate::web::context::CurrentUser;
use crate::web::findings::{Taxonomy, locality_label};
use crate::web::layout::{self, FlashKind, PageCtx, csrf_field, flash};

pub fn router() -> crate::web::routes::Routes {
    crate::web::routes::Routes::new()
        .route("/admin/taxonomy", get(page))
        .route("/admin/policy-areas", post(create_area))
        .route("/admin/policy-areas/{id}", post(update_area))
        .route("/admin/localities", post(create_locality))
        .route("/admin/localities/{id}", post(update_locality))
}

#[derive(Deserialize, Default)]
pub struct NamesForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    name_zh: String,
    #[serde(default)]
    name_en: String,
    #[serde(default)]
    parent_id: String,
    active: Option<String>,
}

fn view(page: &PageCtx, tax: &Taxonomy, error: Option<&'static str>, form: &NamesForm) -> Markup {
    let tr = page.tr();
    let lang = page.ctx.lang;
    layout::page(
        page,
        tr.t("taxonomy.title"),
        html! {
            h1 { (tr.t("taxonomy.title")) }
            @if let Some(key) = error {
                div.flash.flash-error role="alert" { (tr.t(key)) }
            }
            section.card #areas {
                h2 { (tr.t("taxonomy.areas")) }
                table.list {
                    thead { tr { th { "中文" } th { "English" } th { (tr.t("field.status")) } th {} } }
                    tbody {
                        @for a in &tax.areas {
                            @let fid = format!("area-{}", a.id);
                            tr {
                                td { input form=(fid) name="name_zh" value=(a.name_zh) aria-label="中文"; }
                                td { input form=(fid) name="name_en" value=(a.name_en) aria-label="English"; }
                                td { label.checkbox { input form=(fid) type="checkbox" name="active" checked[a.active]; " " (tr.t("status.active")) } }
                                td { button form=(fid) type="submit" { (tr.t("form.save")) } }
                            }
                        }
                    }
                }
                // Row forms live outside the table (a form cannot sit inside a row).
                @for a in &tax.areas {
                    form #{ "area-" (a.id) } method="post" action={ "/admin/policy-areas/" (a.id) } { (csrf_field(page)) }
                }
                h3 { (tr.t("taxonomy.new_area")) }
                form.inline method="post" action="/admin/policy-areas" {
                    (csrf_field(page))
                    div.field { label for="a-code" { (tr.t("taxonomy.code")) } input #a-code name="code" value=(form.code) required; }
                    div.field { label for="a-zh" { "中文" } input #a-zh name="name_zh" value=(form.name_zh) required; }
                    div.field { label for="a-en" { "English" } input #a-en name="name_en" value=(form.name_en) required; }
                    button.primary type="submit" { (tr.t("taxonomy.add")) }
                }
            }
            section.card #localities {
                h2 { (tr.t("taxonomy.localities")) }
                @if tax.localities.is_empty() { p.muted { (tr.t("taxonomy.no_localities")) } }
                table.list {
                    tbody {
                        @for l in &tax.localities {
                            @let depth = l.path.matches('/').count().saturating_sub(2);
                            @let fid = format!("locality-{}", l.id);
                            tr {
                                td { span.muted { ("\u{3000}".repeat(depth)) (tr.t(l.level.label_key())) } }
                                td { input form=(fid) name="name_zh" value=(l.name_zh) aria-label="中文"; }
                                td { input form=(fid) name="name_en" value=(l.name_en) aria-label="English"; }
                                td { label.checkbox { input form=(fid) type="checkbox" name="active" checked[l.active]; " " (tr.t("status.active")) } }
                                td { button form=(fid) type="submit" { (tr.t("form.save")) } }
                            }
                        }
                    }
                }
                @for l in &tax.localities {
                    form #{ "locality-" (l.id) } method="post" action={ "/admin/localities/" (l.id) } { (csrf_field(page)) }
                }
                h3 { (tr.t("taxonomy.new_locality")) }
                form.inline method="post" action="/admin/localities" {
                    (csrf_field(page))
                    div.field {
                        label for="l-parent" { (tr.t("taxonomy.parent")) }
                        select #l-parent name="parent_id" {
                            option value="" { (tr.t("taxonomy.top_level")) }
                            @for l in tax.localities.iter().filter(|l| l.level.child().is_some() && l.active) {
                                @let depth = l.path.matches('/').count().saturating_sub(2);
                                option value=(l.id) selected[form.parent_id == l.id.to_string()] { ("\u{3000}".repeat(depth)) (locality_label(l, lang)) }
                            }
                        }
                    }
                    div.field { label for="l-zh" { "中文" } input #l-zh name="name_zh" value=(form.name_zh) required; }
                    div.field { label for="l-en" { "English" } input #l-en name="name_en" value=(form.name_en); }
                    button.primary type="submit" { (tr.t("taxonomy.add")) }
                }
            }
        },
    )
}

async fn page(State(state): State<AppState>, page: PageCtx) -> Result<Markup, AppError> {
    let tax = Taxonomy::load(&state.store).await?;
    Ok(view(&page, &tax, None, &NamesForm::default()))
}

async fn again(
    state: &AppState,
    page: &PageCtx,
    key: &'static str,
    form: &NamesForm,
) -> Result<Response, AppError> {
    let tax = Taxonomy::load(&state.store).await?;
    Ok((
        StatusCode::UNPROCESSABLE_ENTITY,
        view(page, &tax, Some(key), form),
    )
        .into_response())
}

fn names(form: &NamesForm, english_required: bool) -> Option<(String, String)> {
    let zh = DisplayName::parse(&form.name_zh).ok()?;
    let en = form.name_en.trim();
    if (english_required && en.is_empty()) || en.chars().count() > 100 {
        return None;
    }
    Some((zh.as_str().to_string(), en.to_string()))
}

async fn create_area(
    State(state): State<AppState>,
    session: Session,
    CurrentUser(admin): CurrentUser,
    page: PageCtx,
    Form(form): Form<NamesForm>,
) -> Result<Response, AppError> {
    let code = form.code.trim().to_lowercase();
    let code_ok = !code.is_empty()
        && code.len() <= 40
        && code
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    let (Some((zh, en)), true) = (names(&form, true), code_ok) else {
        return again(&state, &page, "taxonomy.area_invalid", &form).await;
    };
    let audit = AuditEvent::new(
        "policy_area.created",
        Some(admin.id),
        Some(page.ctx.ip.clone()),
    )
    .subject("policy_area", None)
    .detail(&code);
    match state
        .store
        .create_policy_area(&code, &zh, &en, &audit)
        .await
    {
        Ok(_) => {
            flash(&session, FlashKind::Success, page.tr().t("form.saved")).await?;
            Ok(Redirect::to("/admin/taxonomy#areas").into_response())
        }
        Err(StoreError::Conflict) => again(&state, &page, "taxonomy.code_taken", &form).await,
        Err(e) => Err(e.into()),
    }
}

async fn update_area(
    State(state): State<AppState>,
    session: Session,
    CurrentUser(admin): CurrentUser,
    page: PageCtx,
    Path(id): Path<i64>,
    Form(form): Form<NamesForm>,
) -> Result<Response, AppError> {
    let Some((zh, en)) = names(&form, true) else {
        return again(&state, &page, "taxonomy.area_invalid", &form).await;
    };
    let audit = AuditEvent::new(
        "policy_area.updated",
        Some(admin.id),
        Some(page.ctx.ip.clone()),
    )
    .subject("policy_area", Some(id));
    state
        .store
        .update_policy_area(id, &zh, &en, form.active.is_some(), &audit)
        .await?;
    flash(&session, FlashKind::Success, page.tr().t("form.saved")).await?;
    Ok(Redirect::to("/admin/taxonomy#areas").into_response())
}

async fn create_locality(
    State(state): State<AppState>,
    session: Session,
    CurrentUser(admin): CurrentUser,
    page: PageCtx,
    Form(form): Form<NamesForm>,
) -> Result<Response, AppError> {
    let tax = Taxonomy::load(&state.store).await?;
    let parent = match form.parent_id.trim() {
        "" => None,
        raw => match raw.parse::<i64>().ok().and_then(|id| tax.locality(id)) {
            Some(p) => Some(p),
            None => return again(&state, &page, "taxonomy.parent_invalid", &form).await,
        },
    };
    let level = match parent {
        None => LocalityLevel::City,
        Some(p) => match p.level.child() {
            Some(l) => l,
            None => return again(&state, &page, "taxonomy.parent_invalid", &form).await,
        },
    };
    let Some((zh, en)) = names(&form, false) else {
        return again(&state, &page, "taxonomy.locality_invalid", &form).await;
    };
    let audit = AuditEvent::new(
        "locality.created",
        Some(admin.id),
        Some(page.ctx.ip.clone()),
    )
    .subject("locality", None)
    .detail(&zh);
    match state
        .store
        .create_locality(parent.map(|p| p.id), level, &zh, &en, &audit)
        .await
    {
        Ok(_) => {
            flash(&session, FlashKind::Success, page.tr().t("form.saved")).await?;
            Ok(Redirect::to("/admin/taxonomy#localities").into_response())
        }
        Err(StoreError::Conflict) => again(&state, &page, "taxonomy.locality_taken", &form).await,
        Err(e) => Err(e.into()),
    }
}

async fn update_locality(
    State(state): State<AppState>,
    session: Session,
    CurrentUser(admin): CurrentUser,
    page: PageCtx,
    Path(id): Path<i64>,
    Form(form): Form<NamesForm>,
) -> Result<Response, AppError> {
    let Some((zh, en)) = names(&form, false) else {
        return again(&state, &page, "taxonomy.locality_invalid", &form).await;
    };
    let audit = AuditEvent::new(
        "locality.updated",
        Some(admin.id),
        Some(page.ctx.ip.clone()),
    )
    .subject("locality", Some(id));
    match state
        .store
        .update_locality(id, &zh, &en, form.active.is_some(), &audit)
        .await
    {
        Ok(()) => {
            flash(&session, FlashKind::Success, page.tr().t("form.saved")).await?;
            Ok(Redirect::to("/admin/taxonomy#localities").into_response())
        }
        Err(StoreError::Conflict) => again(&state, &page, "taxonomy.locality_taken", &form).await,
        Err(e) => Err(e.into()),
    }
}
