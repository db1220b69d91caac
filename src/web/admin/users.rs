//! Creating users, changing their role or organisation, resetting passwords,
//! deactivating and reactivating. Every change is audited in the same transaction.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::{Markup, html};
use serde::Deserialize;
use tower_sessions::Session;

use crate::domain::account::{DisplayName, Email, NewPassword};
use crate::domain::password;
use crate::domain::role::Role;
use crate::error::AppError;
use crate::i18n::Tr;
use crate::store::{AuditEvent, NewUser, Organisation, StoreError, User, UserUpdate};
use crate::web::AppState;
use crate::web::context::CurrentUser;
use crate::web::forms::{self, FieldErrors, Input};
use crate::web::layout::{self, FlashKind, PageCtx, csrf_field, flash};

pub fn router() -> crate::web::routes::Routes {
    crate::web::routes::Routes::new()
        .route("/admin/users", get(list).post(create))
        .route("/admin/users/new", get(new_form))
        .route("/admin/users/{id}", get(edit_form).post(update))
        .route("/admin/users/{id}/deactivate", post(deactivate))
        .route("/admin/users/{id}/activate", post(activate))
        .route("/admin/users/{id}/password", post(reset_password))
}

#[derive(Deserialize, Default)]
pub struct UserForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    org_id: String,
    #[serde(default)]
    password: String,
}

#[derive(Deserialize, Default)]
pub struct PasswordResetForm {
    #[serde(default)]
    password: String,
}

fn role_options(tr: Tr) -> Vec<(String, String)> {
    Role::ALL
        .iter()
        .map(|r| (r.as_str().to_string(), tr.t(r.label_key()).to_string()))
        .collect()
}

fn org_options(orgs: &[Organisation], current: Option<i64>) -> Vec<(String, String)> {
    orgs.iter()
        .filter(|o| o.active || Some(o.id) == current)
        .map(|o| (o.id.to_string(), o.name.clone()))
        .collect()
}

fn status_badge(tr: Tr, active: bool) -> Markup {
    html! {
        @if active { span.badge.badge-on { (tr.t("status.active")) } }
        @else { span.badge.badge-off { (tr.t("status.inactive")) } }
    }
}

async fn list(State(state): State<AppState>, page: PageCtx) -> Result<Markup, AppError> {
    let tr = page.tr();
    let users = state.store.list_users().await?;
    Ok(layout::page(
        &page,
        tr.t("users.title"),
        html! {
            div.heading-row {
                h1 { (tr.t("users.title")) }
                a.button.primary href="/admin/users/new" { (tr.t("users.new")) }
            }
            table.list {
                thead { tr {
                    th { (tr.t("field.name")) }
                    th { (tr.t("field.email")) }
                    th { (tr.t("field.role")) }
                    th { (tr.t("field.org")) }
                    th { (tr.t("field.status")) }
                } }
                tbody {
                    @for u in &users {
                        tr {
                            td { a href={ "/admin/users/" (u.id) } { (u.name) } }
                            td { (u.email) }
                            td { (tr.t(u.role.label_key())) }
                            td { (u.org_name) }
                            td { (status_badge(tr, u.active)) }
                        }
                    }
                }
            }
        },
    ))
}

fn new_view(
    page: &PageCtx,
    orgs: &[Organisation],
    form: &UserForm,
    errors: &FieldErrors,
) -> Markup {
    let tr = page.tr();
    layout::page(
        page,
        tr.t("users.new"),
        html! {
            p { a href="/admin/users" { "← " (tr.t("users.title")) } }
            h1 { (tr.t("users.new")) }
            (forms::error_summary(tr, errors))
            form.stack method="post" action="/admin/users" {
                (csrf_field(page))
                (forms::input(tr, Input::text("email", "field.email", &form.email).kind("email").autocomplete("off"), errors))
                (forms::input(tr, Input::text("name", "field.name", &form.name), errors))
                (forms::select(tr, "role", "field.role", &role_options(tr), if form.role.is_empty() { "worker" } else { &form.role }, errors))
                (forms::select(tr, "org_id", "field.org", &org_options(orgs, None), &form.org_id, errors))
                (forms::input(tr, Input::text("password", "field.initial_password", "").kind("password").autocomplete("new-password"), errors))
                p.muted { (tr.t("users.initial_password_hint")) }
                button.primary type="submit" { (tr.t("users.create")) }
            }
        },
    )
}

async fn new_form(State(state): State<AppState>, page: PageCtx) -> Result<Markup, AppError> {
    let orgs = state.store.list_orgs().await?;
    Ok(new_view(
        &page,
        &orgs,
        &UserForm::default(),
        &FieldErrors::default(),
    ))
}

/// Reads a chosen organisation: it must exist and be active.
async fn parse_org(
    state: &AppState,
    raw: &str,
    errors: &mut FieldErrors,
) -> Result<Option<Organisation>, AppError> {
    let org = match raw.trim().parse::<i64>() {
        Ok(id) => state.store.get_org(id).await?,
        Err(_) => None,
    };
    match org {
        Some(o) if o.active => Ok(Some(o)),
        _ => {
            errors.add("org_id", "users.org_invalid");
            Ok(None)
        }
    }
}

async fn create(
    State(state): State<AppState>,
    session: Session,
    page: PageCtx,
    CurrentUser(admin): CurrentUser,
    Form(form): Form<UserForm>,
) -> Result<Response, AppError> {
    let mut errors = FieldErrors::default();
    let email = Email::parse(&form.email)
        .map_err(|e| errors.add("email", e.message_key()))
        .ok();
    let name = DisplayName::parse(&form.name)
        .map_err(|e| errors.add("name", e.message_key()))
        .ok();
    let role = form
        .role
        .parse::<Role>()
        .map_err(|_| errors.add("role", "users.role_invalid"))
        .ok();
    let new_password = NewPassword::parse(&form.password)
        .map_err(|e| errors.add("password", e.message_key()))
        .ok();
    let org = parse_org(&state, &form.org_id, &mut errors).await?;

    let (Some(email), Some(name), Some(role), Some(new_password), Some(org), true) =
        (email, name, role, new_password, org, errors.is_empty())
    else {
        let orgs = state.store.list_orgs().await?;
        return Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            new_view(&page, &orgs, &form, &errors),
        )
            .into_response());
    };
    let new = NewUser {
        email: email.to_string(),
        name: name.as_str().to_string(),
        password_hash: password::hash(&new_password).await?,
        role,
        org_id: org.id,
        locale: None,
    };
    let audit = AuditEvent::new("user.created", Some(admin.id), Some(page.ctx.ip.clone()))
        .subject("user", None)
        .detail(format!("{} role={} org={}", new.email, role, org.name));
    match state.store.create_user(&new, &audit).await {
        Ok(user) => {
            flash(
                &session,
                FlashKind::Success,
                page.tr().f("users.created", &[("name", &user.name)]),
            )
            .await?;
            Ok(Redirect::to(&format!("/admin/users/{}", user.id)).into_response())
        }
        Err(StoreError::Conflict) => {
            errors.add("email", "users.email_taken");
            let orgs = state.store.list_orgs().await?;
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                new_view(&page, &orgs, &form, &errors),
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

fn edit_view(
    page: &PageCtx,
    user: &User,
    orgs: &[Organisation],
    form: &UserForm,
    errors: &FieldErrors,
    pw_errors: &FieldErrors,
) -> Markup {
    let tr = page.tr();
    let is_self = page.ctx.user_id() == Some(user.id);
    layout::page(
        page,
        &user.name,
        html! {
            p { a href="/admin/users" { "← " (tr.t("users.title")) } }
            div.heading-row {
                h1 { (user.name) }
                (status_badge(tr, user.active))
            }
            p.muted { (user.email) }
            section.card {
                h2 { (tr.t("users.edit")) }
                (forms::error_summary(tr, errors))
                form.stack method="post" action={ "/admin/users/" (user.id) } {
                    (csrf_field(page))
                    (forms::input(tr, Input::text("name", "field.name", &form.name), errors))
                    (forms::select(tr, "role", "field.role", &role_options(tr), &form.role, errors))
                    (forms::select(tr, "org_id", "field.org", &org_options(orgs, Some(user.org_id)), &form.org_id, errors))
                    button.primary type="submit" { (tr.t("form.save")) }
                }
            }
            section.card {
                h2 { (tr.t("users.reset_password")) }
                p.muted { (tr.t("users.reset_password_hint")) }
                (forms::error_summary(tr, pw_errors))
                form.stack method="post" action={ "/admin/users/" (user.id) "/password" } {
                    (csrf_field(page))
                    (forms::input(tr, Input::text("password", "field.new_password", "").kind("password").autocomplete("new-password"), pw_errors))
                    button type="submit" { (tr.t("users.reset_password")) }
                }
            }
            @if !is_self {
                section.card {
                    @if user.active {
                        h2 { (tr.t("users.deactivate")) }
                        p.muted { (tr.t("users.deactivate_hint")) }
                        form method="post" action={ "/admin/users/" (user.id) "/deactivate" } data-confirm=(tr.t("users.deactivate_confirm")) {
                            (csrf_field(page))
                            button.danger type="submit" { (tr.t("users.deactivate")) }
                        }
                    } @else {
                        h2 { (tr.t("users.activate")) }
                        form method="post" action={ "/admin/users/" (user.id) "/activate" } {
                            (csrf_field(page))
                            button type="submit" { (tr.t("users.activate")) }
                        }
                    }
                }
            }
        },
    )
}

fn form_from(user: &User) -> UserForm {
    UserForm {
        email: user.email.clone(),
        name: user.name.clone(),
        role: user.role.as_str().to_string(),
        org_id: user.org_id.to_string(),
        password: String::new(),
    }
}

async fn load_user(state: &AppState, id: i64) -> Result<User, AppError> {
    state.store.user_by_id(id).await?.ok_or(AppError::NotFound)
}

async fn edit_form(
    State(state): State<AppState>,
    page: PageCtx,
    Path(id): Path<i64>,
) -> Result<Markup, AppError> {
    let user = load_user(&state, id).await?;
    let orgs = state.store.list_orgs().await?;
    Ok(edit_view(
        &page,
        &user,
        &orgs,
        &form_from(&user),
        &FieldErrors::default(),
        &FieldErrors::default(),
    ))
}

/// The last active admin can neither be demoted nor deactivated: someone must be
/// left who can manage accounts.
async fn would_remove_last_admin(state: &AppState, user: &User) -> Result<bool, AppError> {
    Ok(user.role == Role::Admin && user.active && state.store.count_active_admins().await? <= 1)
}

async fn update(
    State(state): State<AppState>,
    session: Session,
    page: PageCtx,
    CurrentUser(admin): CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<UserForm>,
) -> Result<Response, AppError> {
    let user = load_user(&state, id).await?;
    let mut errors = FieldErrors::default();
    let name = DisplayName::parse(&form.name)
        .map_err(|e| errors.add("name", e.message_key()))
        .ok();
    let role = form
        .role
        .parse::<Role>()
        .map_err(|_| errors.add("role", "users.role_invalid"))
        .ok();
    let org_id = match form.org_id.trim().parse::<i64>() {
        // Keeping a user in their current (even inactive) organisation is allowed.
        Ok(same) if same == user.org_id => Some(same),
        _ => parse_org(&state, &form.org_id, &mut errors)
            .await?
            .map(|o| o.id),
    };
    if role.is_some_and(|r| r != Role::Admin) && would_remove_last_admin(&state, &user).await? {
        errors.add("role", "users.last_admin");
    }
    let (Some(name), Some(role), Some(org_id), true) = (name, role, org_id, errors.is_empty())
    else {
        let orgs = state.store.list_orgs().await?;
        let body = edit_view(&page, &user, &orgs, &form, &errors, &FieldErrors::default());
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response());
    };
    let audit = AuditEvent::new("user.updated", Some(admin.id), Some(page.ctx.ip.clone()))
        .subject("user", Some(user.id))
        .detail(format!(
            "name: {} → {}; role: {} → {}; org: {} → {}",
            user.name,
            name.as_str(),
            user.role,
            role,
            user.org_id,
            org_id
        ));
    let update = UserUpdate {
        name: name.as_str().to_string(),
        role,
        org_id,
    };
    state.store.update_user(user.id, &update, &audit).await?;
    flash(&session, FlashKind::Success, page.tr().t("form.saved")).await?;
    Ok(Redirect::to(&format!("/admin/users/{id}")).into_response())
}

async fn set_active(
    state: AppState,
    session: Session,
    page: PageCtx,
    admin: User,
    id: i64,
    active: bool,
) -> Result<Response, AppError> {
    let user = load_user(&state, id).await?;
    let tr = page.tr();
    if !active && user.id == admin.id {
        flash(
            &session,
            FlashKind::Error,
            tr.t("users.cannot_deactivate_self"),
        )
        .await?;
        return Ok(Redirect::to(&format!("/admin/users/{id}")).into_response());
    }
    if !active && would_remove_last_admin(&state, &user).await? {
        flash(&session, FlashKind::Error, tr.t("users.last_admin")).await?;
        return Ok(Redirect::to(&format!("/admin/users/{id}")).into_response());
    }
    let action = if active {
        "user.activated"
    } else {
        "user.deactivated"
    };
    let audit = AuditEvent::new(action, Some(admin.id), Some(page.ctx.ip.clone()))
        .subject("user", Some(user.id));
    state.store.set_user_active(user.id, active, &audit).await?;
    let key = if active {
        "users.activated"
    } else {
        "users.deactivated"
    };
    flash(
        &session,
        FlashKind::Success,
        tr.f(key, &[("name", &user.name)]),
    )
    .await?;
    Ok(Redirect::to(&format!("/admin/users/{id}")).into_response())
}

async fn deactivate(
    State(state): State<AppState>,
    session: Session,
    page: PageCtx,
    CurrentUser(admin): CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    set_active(state, session, page, admin, id, false).await
}

async fn activate(
    State(state): State<AppState>,
    session: Session,
    page: PageCtx,
    CurrentUser(admin): CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    set_active(state, session, page, admin, id, true).await
}

async fn reset_password(
    State(state): State<AppState>,
    session: Session,
    page: PageCtx,
    CurrentUser(admin): CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<PasswordResetForm>,
) -> Result<Response, AppError> {
    let user = load_user(&state, id).await?;
    let new_password = match NewPassword::parse(&form.password) {
        Ok(p) => p,
        Err(e) => {
            let mut errors = FieldErrors::default();
            errors.add("password", e.message_key());
            let orgs = state.store.list_orgs().await?;
            let body = edit_view(
                &page,
                &user,
                &orgs,
                &form_from(&user),
                &FieldErrors::default(),
                &errors,
            );
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response());
        }
    };
    let hash = password::hash(&new_password).await?;
    let audit = AuditEvent::new(
        "user.password_reset",
        Some(admin.id),
        Some(page.ctx.ip.clone()),
    )
    .subject("user", Some(user.id));
    let updated = state.store.set_password(user.id, &hash, &audit).await?;
    if updated.id == admin.id {
        // An admin resetting their own password keeps this session.
        session
            .insert(crate::web::context::SESSION_AUTH_EPOCH, updated.auth_epoch)
            .await?;
    }
    flash(
        &session,
        FlashKind::Success,
        page.tr()
            .f("users.password_reset_done", &[("name", &user.name)]),
    )
    .await?;
    Ok(Redirect::to(&format!("/admin/users/{id}")).into_response())
}
