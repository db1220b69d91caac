//! One's own account: profile, password (changing it ends every other session) and
//! personal API tokens.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::{Markup, html};
use serde::Deserialize;
use tower_sessions::Session;

use super::AppState;
use super::context::{CurrentUser, SESSION_AUTH_EPOCH};
use super::forms::{self, FieldErrors, Input};
use super::layout::{self, FlashKind, PageCtx, csrf_field, flash};
use crate::domain::account::NewPassword;
use crate::domain::{password, token};
use crate::error::AppError;
use crate::store::{ApiTokenRow, AuditEvent, User};

pub fn router() -> crate::web::routes::Routes {
    crate::web::routes::Routes::new()
        .route("/account", get(account_page))
        .route("/account/password", post(change_password))
        .route("/account/sessions/end-others", post(end_other_sessions))
        .route("/account/tokens", post(create_token))
        .route("/account/tokens/{id}/revoke", post(revoke_token))
}

#[derive(Deserialize, Default)]
pub struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm: String,
}

#[derive(Deserialize, Default)]
pub struct TokenForm {
    #[serde(default)]
    label: String,
}

struct AccountView<'a> {
    user: &'a User,
    tokens: &'a [ApiTokenRow],
    password_errors: FieldErrors,
    token_errors: FieldErrors,
    token_label: &'a str,
    new_token: Option<String>,
}

fn view(page: &PageCtx, v: AccountView<'_>) -> Markup {
    let tr = page.tr();
    let date = |d: &chrono::DateTime<chrono::Utc>| d.format("%Y-%m-%d %H:%M UTC").to_string();
    layout::page(
        page,
        tr.t("account.title"),
        html! {
            h1 { (tr.t("account.title")) }
            section.card {
                dl.facts {
                    dt { (tr.t("field.name")) } dd { (v.user.name) }
                    dt { (tr.t("field.email")) } dd { (v.user.email) }
                    dt { (tr.t("field.role")) } dd { (tr.t(v.user.role.label_key())) }
                    dt { (tr.t("field.org")) } dd { (v.user.org_name) }
                }
            }
            section.card #password {
                h2 { (tr.t("account.password_title")) }
                p.muted { (tr.t("account.password_hint")) }
                (forms::error_summary(tr, &v.password_errors))
                form.stack method="post" action="/account/password" {
                    (csrf_field(page))
                    (forms::input(tr, Input::text("current", "field.current_password", "").kind("password").autocomplete("current-password"), &v.password_errors))
                    (forms::input(tr, Input::text("new_password", "field.new_password", "").kind("password").autocomplete("new-password"), &v.password_errors))
                    (forms::input(tr, Input::text("confirm", "field.confirm_password", "").kind("password").autocomplete("new-password"), &v.password_errors))
                    button.primary type="submit" { (tr.t("account.password_submit")) }
                }
            }
            section.card #sessions {
                h2 { (tr.t("account.sessions_title")) }
                p.muted { (tr.t("account.sessions_hint")) }
                form method="post" action="/account/sessions/end-others" {
                    (csrf_field(page))
                    button type="submit" { (tr.t("account.sessions_end_others")) }
                }
            }
            section.card #tokens {
                h2 { (tr.t("tokens.title")) }
                p.muted { (tr.t("tokens.intro")) }
                @if let Some(t) = &v.new_token {
                    div.flash.flash-success role="status" {
                        p { (tr.t("tokens.created_once")) }
                        code.token #new-token { (t) }
                    }
                }
                (forms::error_summary(tr, &v.token_errors))
                form.inline method="post" action="/account/tokens" {
                    (csrf_field(page))
                    (forms::input(tr, Input::text("label", "field.token_label", v.token_label), &v.token_errors))
                    button type="submit" { (tr.t("tokens.create")) }
                }
                @if v.tokens.is_empty() {
                    p.muted { (tr.t("tokens.none")) }
                } @else {
                    table.list {
                        thead { tr {
                            th { (tr.t("field.token_label")) }
                            th { (tr.t("tokens.created")) }
                            th { (tr.t("tokens.last_used")) }
                            th { (tr.t("field.status")) }
                            th {}
                        } }
                        tbody {
                            @for t in v.tokens {
                                tr {
                                    td { (t.label) }
                                    td { (date(&t.created_at)) }
                                    td { (t.last_used_at.as_ref().map(date).unwrap_or_else(|| tr.t("tokens.never").to_string())) }
                                    td {
                                        @if t.revoked_at.is_some() { span.badge.badge-off { (tr.t("tokens.revoked")) } }
                                        @else { span.badge.badge-on { (tr.t("tokens.active")) } }
                                    }
                                    td {
                                        @if t.revoked_at.is_none() {
                                            form method="post" action={ "/account/tokens/" (t.id) "/revoke" } data-confirm=(tr.t("tokens.revoke_confirm")) {
                                                (csrf_field(page))
                                                button.danger type="submit" { (tr.t("tokens.revoke")) }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        },
    )
}

/// What differs between renderings of the account page: which form failed, the
/// label typed, a token just created.
#[derive(Default)]
struct Outcome<'a> {
    password_errors: FieldErrors,
    token_errors: FieldErrors,
    token_label: &'a str,
    new_token: Option<String>,
}

async fn render(
    state: &AppState,
    page: &PageCtx,
    user: &User,
    status: StatusCode,
    outcome: Outcome<'_>,
) -> Result<Response, AppError> {
    let tokens = state.store.list_api_tokens(user.id).await?;
    let body = view(
        page,
        AccountView {
            user,
            tokens: &tokens,
            password_errors: outcome.password_errors,
            token_errors: outcome.token_errors,
            token_label: outcome.token_label,
            new_token: outcome.new_token,
        },
    );
    Ok((status, body).into_response())
}

async fn account_page(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    page: PageCtx,
) -> Result<Response, AppError> {
    render(&state, &page, &user, StatusCode::OK, Outcome::default()).await
}

async fn change_password(
    State(state): State<AppState>,
    session: Session,
    page: PageCtx,
    CurrentUser(user): CurrentUser,
    Form(form): Form<PasswordForm>,
) -> Result<Response, AppError> {
    let mut errors = FieldErrors::default();
    if !password::verify(&form.current, Some(&user.password_hash)).await? {
        errors.add("current", "account.current_wrong");
    }
    let new = match NewPassword::parse(&form.new_password) {
        Ok(p) => Some(p),
        Err(e) => {
            errors.add("new_password", e.message_key());
            None
        }
    };
    if form.new_password != form.confirm {
        errors.add("confirm", "account.confirm_mismatch");
    }
    let (Some(new), true) = (new, errors.is_empty()) else {
        let outcome = Outcome {
            password_errors: errors,
            ..Outcome::default()
        };
        return render(
            &state,
            &page,
            &user,
            StatusCode::UNPROCESSABLE_ENTITY,
            outcome,
        )
        .await;
    };
    let hash = password::hash(&new).await?;
    let audit = AuditEvent::new(
        "user.password_changed",
        Some(user.id),
        Some(page.ctx.ip.clone()),
    )
    .subject("user", Some(user.id));
    let updated = state.store.set_password(user.id, &hash, &audit).await?;
    // Every other session ends with the old epoch; this one moves to the new epoch.
    session.cycle_id().await?;
    session
        .insert(SESSION_AUTH_EPOCH, updated.auth_epoch)
        .await?;
    flash(
        &session,
        FlashKind::Success,
        page.tr().t("account.password_changed"),
    )
    .await?;
    Ok(Redirect::to("/account").into_response())
}

/// "Sign out everywhere else": every other session of this user ends (on every
/// instance, since the epoch lives in the database); this one stays signed in.
async fn end_other_sessions(
    State(state): State<AppState>,
    session: Session,
    page: PageCtx,
    CurrentUser(user): CurrentUser,
) -> Result<Response, AppError> {
    let audit = AuditEvent::new(
        "user.other_sessions_ended",
        Some(user.id),
        Some(page.ctx.ip.clone()),
    )
    .subject("user", Some(user.id));
    let updated = state.store.end_sessions(user.id, &audit).await?;
    session.cycle_id().await?;
    session
        .insert(SESSION_AUTH_EPOCH, updated.auth_epoch)
        .await?;
    flash(
        &session,
        FlashKind::Success,
        page.tr().t("account.sessions_ended"),
    )
    .await?;
    Ok(Redirect::to("/account#sessions").into_response())
}

async fn create_token(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(user): CurrentUser,
    Form(form): Form<TokenForm>,
) -> Result<Response, AppError> {
    let label = form.label.trim();
    let mut errors = FieldErrors::default();
    if label.is_empty() || label.chars().count() > 100 {
        errors.add("label", "tokens.label_invalid");
        let outcome = Outcome {
            token_errors: errors,
            token_label: &form.label,
            ..Outcome::default()
        };
        return render(
            &state,
            &page,
            &user,
            StatusCode::UNPROCESSABLE_ENTITY,
            outcome,
        )
        .await;
    }
    let secret = token::generate();
    let audit = AuditEvent::new("token.created", Some(user.id), Some(page.ctx.ip.clone()))
        .subject("api_token", None)
        .detail(label);
    state
        .store
        .create_api_token(user.id, label, &token::hash(&secret), &audit)
        .await?;
    // Shown once, in this response only; only its hash is kept.
    let outcome = Outcome {
        new_token: Some(secret),
        ..Outcome::default()
    };
    render(&state, &page, &user, StatusCode::OK, outcome).await
}

async fn revoke_token(
    State(state): State<AppState>,
    session: Session,
    page: PageCtx,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let audit = AuditEvent::new("token.revoked", Some(user.id), Some(page.ctx.ip.clone()))
        .subject("api_token", Some(id));
    state.store.revoke_api_token(user.id, id, &audit).await?;
    flash(
        &session,
        FlashKind::Success,
        page.tr().t("tokens.revoked_done"),
    )
    .await?;
    Ok(Redirect::to("/account#tokens").into_response())
}
