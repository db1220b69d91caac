//! The page shell: head, top bar with navigation, language switch and sign-out,
//! flash messages, and the main content. Views build their content and wrap it here.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use maud::{DOCTYPE, Markup, html};
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use super::context::{RequestContext, allowed};
use super::csrf;
use crate::domain::role::Permission;
use crate::error::AppError;
use crate::i18n::{Lang, Tr};

const SESSION_FLASH: &str = "flash";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FlashKind {
    Success,
    Error,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Flash {
    pub kind: FlashKind,
    pub text: String,
}

/// Leaves a message for the next page this browser shows (POST-redirect-GET).
pub async fn flash(
    session: &Session,
    kind: FlashKind,
    text: impl Into<String>,
) -> Result<(), AppError> {
    let mut list: Vec<Flash> = session.get(SESSION_FLASH).await?.unwrap_or_default();
    list.push(Flash {
        kind,
        text: text.into(),
    });
    session.insert(SESSION_FLASH, list).await?;
    Ok(())
}

/// Takes what an earlier request left in the session under `key` (a message, a form
/// to show again). Removing marks the session changed, which writes it back to the
/// database, so it is removed only when there was something to take: a page view
/// that finds nothing writes nothing.
pub async fn take_from_session<T: serde::de::DeserializeOwned>(
    session: &Session,
    key: &str,
) -> Result<Option<T>, tower_sessions::session::Error> {
    let value = session.get::<T>(key).await?;
    if value.is_some() {
        session.remove_value(key).await?;
    }
    Ok(value)
}

/// Everything the shell needs to draw a page for this request.
pub struct PageCtx {
    pub ctx: RequestContext,
    pub csrf_token: String,
    pub flashes: Vec<Flash>,
}

impl PageCtx {
    pub fn tr(&self) -> Tr {
        self.ctx.tr()
    }

    /// For an error page: no flashes are consumed, and no session is needed.
    pub async fn for_error(ctx: &RequestContext, session: Option<&Session>) -> PageCtx {
        let csrf_token = match session {
            Some(s) => csrf::token_for(s).await.unwrap_or_default(),
            None => String::new(),
        };
        PageCtx {
            ctx: ctx.clone(),
            csrf_token,
            flashes: Vec::new(),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for PageCtx {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let ctx = RequestContext::from_request_parts(parts, state).await?;
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(|_| AppError::Internal(anyhow::anyhow!("session layer missing")))?;
        let csrf_token = csrf::token_for(&session).await?;
        let flashes: Vec<Flash> = take_from_session(&session, SESSION_FLASH)
            .await?
            .unwrap_or_default();
        Ok(PageCtx {
            ctx,
            csrf_token,
            flashes,
        })
    }
}

/// The hidden CSRF field every form carries.
pub fn csrf_field(page: &PageCtx) -> Markup {
    html! { input type="hidden" name=(csrf::FORM_FIELD) value=(page.csrf_token); }
}

fn nav(page: &PageCtx) -> Markup {
    let tr = page.tr();
    let path = page.ctx.path.as_str();
    let item = |href: &str, key: &str| {
        let current = if href == "/" {
            path == "/"
        } else {
            path.starts_with(href)
        };
        html! {
            a href=(href) aria-current=[current.then_some("page")] { (tr.t(key)) }
        }
    };
    html! {
        nav.main-nav aria-label=(tr.t("nav.label")) {
            (item("/", "nav.home"))
            @if page.ctx.user.as_ref().is_some_and(|u| crate::domain::finding::access::can_view_any(u.role)) {
                (item("/findings", "nav.findings"))
            }
            (item("/issues", "nav.issues"))
            @if page.ctx.user.as_ref().is_some_and(|u| crate::web::issues::can_manage(u.role)) {
                (item("/candidates", "nav.candidates"))
                (item("/departments", "nav.departments"))
                (item("/parameters", "nav.parameters"))
            }
            @if page.ctx.user.as_ref().is_some_and(|u| crate::web::dashboards::may_view(u.role)) {
                (item("/dashboards", "nav.dashboards"))
            }
            @if page.ctx.user.as_ref().is_some_and(|u| crate::web::reports::may_report(u.role)) {
                (item("/reports", "nav.reports"))
            }
            @if allowed(&page.ctx, Permission::ManageAccounts) {
                (item("/admin/users", "nav.users"))
                (item("/admin/orgs", "nav.orgs"))
                (item("/admin/taxonomy", "nav.taxonomy"))
                (item("/admin/calendar", "nav.calendar"))
            }
            @if allowed(&page.ctx, Permission::ViewAuditLog) {
                (item("/admin/audit", "nav.audit"))
            }
            @if page.ctx.user.is_some() {
                a href="/inbox" aria-current=[path.starts_with("/inbox").then_some("page")] {
                    (tr.t("nav.inbox"))
                    @if page.ctx.unread > 0 { " " span.badge aria-label=(tr.f("nav.unread", &[("n", &page.ctx.unread.to_string())])) { (page.ctx.unread) } }
                }
            }
            (item("/account", "nav.account"))
        }
    }
}

fn language_switch(page: &PageCtx) -> Markup {
    let tr = page.tr();
    html! {
        form.lang-switch method="post" action="/language" {
            (csrf_field(page))
            input type="hidden" name="next" value=(page.ctx.path);
            @for lang in Lang::ALL {
                @if lang == page.ctx.lang {
                    span.current-lang lang=(lang.tag()) { (lang.native_name()) }
                } @else {
                    button.link-button type="submit" name="lang" value=(lang.tag())
                        lang=(lang.tag()) title=(tr.t("nav.switch_language")) {
                        (lang.native_name())
                    }
                }
            }
        }
    }
}

pub fn page(page: &PageCtx, title: &str, content: Markup) -> Markup {
    let tr = page.tr();
    html! {
        (DOCTYPE)
        html lang=(page.ctx.lang.tag()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · " (tr.t("app.name")) }
                link rel="stylesheet" href="/static/app.css";
                script src="/static/app.js" defer {}
            }
            body {
                a.skip-link href="#main" { (tr.t("nav.skip")) }
                header.topbar {
                    a.brand href="/" { (tr.t("app.name")) }
                    @if page.ctx.user.is_some() { (nav(page)) }
                    div.topbar-end {
                        (language_switch(page))
                        @if let Some(user) = &page.ctx.user {
                            span.whoami {
                                (user.name) " · " (tr.t(user.role.label_key()))
                            }
                            form.logout method="post" action="/logout" {
                                (csrf_field(page))
                                button.link-button type="submit" { (tr.t("nav.logout")) }
                            }
                        }
                    }
                }
                main #main {
                    @for f in &page.flashes {
                        div class={ "flash " (match f.kind { FlashKind::Success => "flash-success", FlashKind::Error => "flash-error" }) }
                            role=(match f.kind { FlashKind::Success => "status", FlashKind::Error => "alert" }) {
                            (f.text)
                        }
                    }
                    (content)
                }
                footer.footer { (tr.t("app.tagline")) }
            }
        }
    }
}
