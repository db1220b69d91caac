//! Organisations: the federation and its member stations, NGOs and centres.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use maud::{Markup, html};
use serde::Deserialize;
use tower_sessions::Session;

use crate::domain::account::{DisplayName, OrgKind};
use crate::error::AppError;
use crate::i18n::Tr;
use crate::store::{AuditEvent, NewOrg, Organisation, StoreError};
use crate::web::AppState;
use crate::web::context::CurrentUser;
use crate::web::forms::{self, FieldErrors, Input};
use crate::web::layout::{self, FlashKind, PageCtx, csrf_field, flash};

pub fn router() -> crate::web::routes::Routes {
    crate::web::routes::Routes::new()
        .route("/admin/orgs", get(list).post(create))
        .route("/admin/orgs/{id}", get(edit_form).post(update))
}

#[derive(Deserialize, Default)]
pub struct OrgForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    /// Present ("on") when the active box is ticked.
    active: Option<String>,
}

fn kind_options(tr: Tr) -> Vec<(String, String)> {
    [OrgKind::Member, OrgKind::Federation]
        .iter()
        .map(|k| (k.as_str().to_string(), tr.t(k.label_key()).to_string()))
        .collect()
}

fn parse(form: &OrgForm, errors: &mut FieldErrors) -> Option<NewOrg> {
    let name = DisplayName::parse(&form.name)
        .map_err(|e| errors.add("name", e.message_key()))
        .ok();
    let kind = form
        .kind
        .parse::<OrgKind>()
        .map_err(|e| errors.add("kind", e.message_key()))
        .ok();
    Some(NewOrg {
        name: name?.as_str().to_string(),
        kind: kind?,
    })
}

fn list_view(
    page: &PageCtx,
    orgs: &[Organisation],
    form: &OrgForm,
    errors: &FieldErrors,
) -> Markup {
    let tr = page.tr();
    layout::page(
        page,
        tr.t("orgs.title"),
        html! {
            h1 { (tr.t("orgs.title")) }
            table.list {
                thead { tr {
                    th { (tr.t("field.name")) }
                    th { (tr.t("field.org_kind")) }
                    th { (tr.t("orgs.members")) }
                    th { (tr.t("field.status")) }
                } }
                tbody {
                    @for o in orgs {
                        tr {
                            td { a href={ "/admin/orgs/" (o.id) } { (o.name) } }
                            td { (tr.t(o.kind.label_key())) }
                            td.num { (o.member_count) }
                            td {
                                @if o.active { span.badge.badge-on { (tr.t("status.active")) } }
                                @else { span.badge.badge-off { (tr.t("status.inactive")) } }
                            }
                        }
                    }
                }
            }
            section.card {
                h2 { (tr.t("orgs.new")) }
                (forms::error_summary(tr, errors))
                form.stack method="post" action="/admin/orgs" {
                    (csrf_field(page))
                    (forms::input(tr, Input::text("name", "field.name", &form.name), errors))
                    (forms::select(tr, "kind", "field.org_kind", &kind_options(tr), if form.kind.is_empty() { "member" } else { &form.kind }, errors))
                    button.primary type="submit" { (tr.t("orgs.create")) }
                }
            }
        },
    )
}

async fn list(State(state): State<AppState>, page: PageCtx) -> Result<Markup, AppError> {
    let orgs = state.store.list_orgs().await?;
    Ok(list_view(
        &page,
        &orgs,
        &OrgForm::default(),
        &FieldErrors::default(),
    ))
}

async fn create(
    State(state): State<AppState>,
    session: Session,
    page: PageCtx,
    CurrentUser(admin): CurrentUser,
    Form(form): Form<OrgForm>,
) -> Result<Response, AppError> {
    let mut errors = FieldErrors::default();
    let parsed = parse(&form, &mut errors);
    if let Some(new) = parsed {
        let audit = AuditEvent::new("org.created", Some(admin.id), Some(page.ctx.ip.clone()))
            .subject("organisation", None)
            .detail(&new.name);
        match state.store.create_org(&new, &audit).await {
            Ok(org) => {
                flash(
                    &session,
                    FlashKind::Success,
                    page.tr().f("orgs.created", &[("name", &org.name)]),
                )
                .await?;
                return Ok(Redirect::to("/admin/orgs").into_response());
            }
            Err(StoreError::Conflict) => errors.add("name", "orgs.name_taken"),
            Err(e) => return Err(e.into()),
        }
    }
    let orgs = state.store.list_orgs().await?;
    Ok((
        StatusCode::UNPROCESSABLE_ENTITY,
        list_view(&page, &orgs, &form, &errors),
    )
        .into_response())
}

fn edit_view(page: &PageCtx, org: &Organisation, form: &OrgForm, errors: &FieldErrors) -> Markup {
    let tr = page.tr();
    layout::page(
        page,
        &org.name,
        html! {
            p { a href="/admin/orgs" { "← " (tr.t("orgs.title")) } }
            h1 { (org.name) }
            p.muted { (tr.f("orgs.member_count", &[("count", &org.member_count.to_string())])) }
            section.card {
                (forms::error_summary(tr, errors))
                form.stack method="post" action={ "/admin/orgs/" (org.id) } {
                    (csrf_field(page))
                    (forms::input(tr, Input::text("name", "field.name", &form.name), errors))
                    (forms::select(tr, "kind", "field.org_kind", &kind_options(tr), &form.kind, errors))
                    div.field.has-error[errors.get("active").is_some()] {
                        label.checkbox {
                            input type="checkbox" name="active" checked[form.active.is_some()];
                            " " (tr.t("orgs.active_label"))
                        }
                        @if let Some(key) = errors.get("active") { p.field-error { (tr.t(key)) } }
                    }
                    button.primary type="submit" { (tr.t("form.save")) }
                }
            }
        },
    )
}

async fn load_org(state: &AppState, id: i64) -> Result<Organisation, AppError> {
    state.store.get_org(id).await?.ok_or(AppError::NotFound)
}

async fn edit_form(
    State(state): State<AppState>,
    page: PageCtx,
    Path(id): Path<i64>,
) -> Result<Markup, AppError> {
    let org = load_org(&state, id).await?;
    let form = OrgForm {
        name: org.name.clone(),
        kind: org.kind.as_str().to_string(),
        active: org.active.then(|| "on".to_string()),
    };
    Ok(edit_view(&page, &org, &form, &FieldErrors::default()))
}

async fn update(
    State(state): State<AppState>,
    session: Session,
    page: PageCtx,
    CurrentUser(admin): CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<OrgForm>,
) -> Result<Response, AppError> {
    let org = load_org(&state, id).await?;
    let mut errors = FieldErrors::default();
    let active = form.active.is_some();
    if !active && org.member_count > 0 {
        // People cannot be left in an organisation that no longer exists for them.
        errors.add("active", "orgs.has_members");
    }
    if let (Some(new), true) = (parse(&form, &mut errors), errors.is_empty()) {
        let audit = AuditEvent::new("org.updated", Some(admin.id), Some(page.ctx.ip.clone()))
            .subject("organisation", Some(org.id))
            .detail(format!(
                "{} → {} ({}, active={})",
                org.name,
                new.name,
                new.kind.as_str(),
                active
            ));
        match state.store.update_org(org.id, &new, active, &audit).await {
            Ok(_) => {
                flash(&session, FlashKind::Success, page.tr().t("form.saved")).await?;
                return Ok(Redirect::to(&format!("/admin/orgs/{id}")).into_response());
            }
            Err(StoreError::Conflict) => errors.add("name", "orgs.name_taken"),
            Err(e) => return Err(e.into()),
        }
    }
    Ok((
        StatusCode::UNPROCESSABLE_ENTITY,
        edit_view(&page, &org, &form, &errors),
    )
        .into_response())
}
