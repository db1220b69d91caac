//! Signing in and out, and choosing a language.

use axum::Form;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::Utc;
use maud::{Markup, html};
use serde::Deserialize;
use tower_sessions::Session;

use super::context::{LANG_COOKIE, RequestContext, SESSION_AUTH_EPOCH, SESSION_USER_ID};
use super::errors::safe_next;
use super::forms::{self, FieldErrors, Input};
use super::layout::{self, FlashKind, PageCtx, csrf_field, flash};
use super::{AppState, csrf};
use crate::domain::login_throttle::{self, Attempt, required_wait, seconds_to_show};
use crate::domain::password;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::store::AuditEvent;

pub fn router() -> crate::web::routes::Routes {
    crate::web::routes::Routes::new()
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route("/language", post(set_language))
}

#[derive(Deserialize, Default)]
pub struct LoginQuery {
    next: Option<String>,
    expired: Option<String>,
    signed_out: Option<String>,
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

/// What went wrong with a sign-in, shown above the form.
enum LoginProblem {
    None,
    /// Unknown e-mail, wrong password or deactivated account: deliberately one message.
    Failed,
    Wait(i64),
}

fn login_view(
    page: &PageCtx,
    email: &str,
    next: &str,
    notice: Option<&str>,
    problem: LoginProblem,
) -> Markup {
    let tr = page.tr();
    let no_errors = FieldErrors::default();
    layout::page(
        page,
        tr.t("login.title"),
        html! {
            section.narrow {
                h1 { (tr.t("login.title")) }
                p.muted { (tr.t("login.intro")) }
                @if let Some(key) = notice {
                    div.flash.flash-info role="status" { (tr.t(key)) }
                }
                @match problem {
                    LoginProblem::None => {},
                    LoginProblem::Failed => div.flash.flash-error role="alert" { (tr.t("login.failed")) },
                    LoginProblem::Wait(s) => div.flash.flash-error role="alert" {
                        (tr.f("login.wait", &[("seconds", &s.to_string())]))
                    },
                }
                form.stack method="post" action="/login" {
                    (csrf_field(page))
                    input type="hidden" name="next" value=(next);
                    (forms::input(tr, Input::text("email", "field.email", email).kind("email").autocomplete("username"), &no_errors))
                    (forms::input(tr, Input::text("password", "field.password", "").kind("password").autocomplete("current-password"), &no_errors))
                    button.primary type="submit" { (tr.t("login.submit")) }
                }
            }
        },
    )
}

async fn login_page(
    State(state): State<AppState>,
    page: PageCtx,
    Query(q): Query<LoginQuery>,
) -> Result<Response, AppError> {
    let next = safe_next(q.next.as_deref());
    if page.ctx.user.is_some() {
        return Ok(Redirect::to(&next).into_response());
    }
    // A brand-new instance: nobody can sign in until an administrator exists.
    if state.store.list_users().await?.is_empty() {
        let tr = page.tr();
        return Ok(layout::page(
            &page,
            tr.t("first_run.title"),
            html! {
                section.narrow {
                    h1 { (tr.t("first_run.title")) }
                    p { (tr.t("first_run.intro")) }
                    pre { code {
                        "groundswell org add --name \"" (tr.t("first_run.org_example")) "\" --kind federation\n"
                        "groundswell user add --email you@example.org --name \"" (tr.t("first_run.name_example")) "\" --role admin --org \"" (tr.t("first_run.org_example")) "\""
                    } }
                    p { (tr.t("first_run.then")) }
                    h2 { (tr.t("first_run.demo_title")) }
                    p { (tr.t("first_run.demo")) }
                    pre { code { "groundswell --database-url sqlite:demo.db serve --demo" } }
                }
            },
        )
        .into_response());
    }
    let notice = if q.expired.is_some() || page.ctx.session_expired {
        Some("login.expired")
    } else if q.signed_out.is_some() {
        Some("login.signed_out")
    } else {
        None
    };
    Ok(login_view(&page, "", &next, notice, LoginProblem::None).into_response())
}

async fn login(
    State(state): State<AppState>,
    session: Session,
    page: PageCtx,
    Form(form): Form<LoginForm>,
) -> Result<Response, AppError> {
    let next = safe_next(form.next.as_deref());
    let ctx = &page.ctx;
    let now = Utc::now();
    // Throttle on what was typed, normalised the way accounts are, known or not.
    let email_key = form.email.trim().to_lowercase();

    let (account, address) = state
        .store
        .recent_login_failures(&email_key, &ctx.ip, now - login_throttle::WINDOW)
        .await?;
    let user = state.store.user_by_email(&email_key).await?;
    // Someone else's failures do not slow the account where it usually signs in.
    let from_known_address = match &user {
        Some(u) if account.count > 0 => {
            state
                .store
                .signed_in_from(u.id, &ctx.ip, now - login_throttle::KNOWN_FOR)
                .await?
        }
        _ => false,
    };
    let attempt = Attempt {
        account,
        address,
        from_known_address,
    };
    if let Some(wait) = required_wait(attempt, now) {
        let seconds = seconds_to_show(wait);
        state
            .store
            .record_audit(
                &AuditEvent::new("login.throttled", None, Some(ctx.ip.clone())).detail(&email_key),
            )
            .await?;
        let body = login_view(&page, &form.email, &next, None, LoginProblem::Wait(seconds));
        return Ok((
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, seconds.to_string())],
            body,
        )
            .into_response());
    }

    let verified = password::verify(
        &form.password,
        user.as_ref().map(|u| u.password_hash.as_str()),
    )
    .await?;
    let user = match user {
        Some(u) if verified && u.active => u,
        found => {
            state
                .store
                .record_login_failure(&email_key, &ctx.ip, now)
                .await?;
            let mut event =
                AuditEvent::new("login.failed", None, Some(ctx.ip.clone())).detail(&email_key);
            if let Some(u) = found {
                event = event.subject("user", Some(u.id));
            }
            state.store.record_audit(&event).await?;
            let body = login_view(&page, &form.email, &next, None, LoginProblem::Failed);
            return Ok((StatusCode::UNAUTHORIZED, body).into_response());
        }
    };

    // A new session id at the privilege change defeats session fixation.
    session.cycle_id().await?;
    session.insert(SESSION_USER_ID, user.id).await?;
    session.insert(SESSION_AUTH_EPOCH, user.auth_epoch).await?;
    session
        .insert(
            super::context::SESSION_SEEN_AT,
            chrono::Utc::now().timestamp(),
        )
        .await?;
    session.remove::<String>(csrf::SESSION_CSRF).await?;
    state.store.clear_login_failures(&email_key).await?;
    state
        .store
        .record_audit(
            &AuditEvent::new("login.succeeded", Some(user.id), Some(ctx.ip.clone()))
                .subject("user", Some(user.id)),
        )
        .await?;
    let lang = user
        .locale
        .as_deref()
        .and_then(Lang::from_tag)
        .unwrap_or(ctx.lang);
    flash(
        &session,
        FlashKind::Success,
        lang.tr().f("login.welcome", &[("name", &user.name)]),
    )
    .await?;
    Ok(Redirect::to(&next).into_response())
}

async fn logout(
    State(state): State<AppState>,
    ctx: RequestContext,
    session: Session,
) -> Result<Response, AppError> {
    if let Some(user) = &ctx.user {
        state
            .store
            .record_audit(
                &AuditEvent::new("logout", Some(user.id), Some(ctx.ip.clone()))
                    .subject("user", Some(user.id)),
            )
            .await?;
    }
    session.flush().await?;
    Ok(Redirect::to("/login?signed_out=1").into_response())
}

#[derive(Deserialize)]
pub struct LanguageForm {
    lang: String,
    next: Option<String>,
}

async fn set_language(
    State(state): State<AppState>,
    ctx: RequestContext,
    Form(form): Form<LanguageForm>,
) -> Result<Response, AppError> {
    let lang = Lang::from_tag(&form.lang).ok_or(AppError::BadRequest("error.unknown_language"))?;
    if let Some(user) = &ctx.user {
        state.store.set_locale(user.id, Some(lang.tag())).await?;
    }
    let cookie = cookie::Cookie::build((LANG_COOKIE, lang.tag()))
        .path("/")
        .max_age(cookie::time::Duration::days(365))
        .same_site(cookie::SameSite::Lax)
        .http_only(true)
        .secure(state.settings.secure_cookies)
        .build();
    Ok((
        [(header::SET_COOKIE, cookie.to_string())],
        Redirect::to(&safe_next(form.next.as_deref())),
    )
        .into_response())
}
