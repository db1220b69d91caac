//! Who is asking and in which language: worked out once per request and kept in the
//! request's extensions as a [`RequestContext`].
//!
//! A request is authenticated by `Authorization: Bearer <token>` (API clients) or by
//! the session cookie (browsers). Either way the user is re-read from the database, so
//! a deactivated account, or a session from before a password change, stops working
//! at once.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::header;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use tower_sessions::Session;

use super::AppState;
use crate::domain::role::Permission;
use crate::domain::token;
use crate::error::AppError;
use crate::i18n::{Lang, Tr};
use crate::store::User;

/// Session keys.
pub const SESSION_USER_ID: &str = "uid";
pub const SESSION_AUTH_EPOCH: &str = "epoch";
/// When the session was last written back (Unix seconds), so that its idle expiry moves.
pub const SESSION_SEEN_AT: &str = "seen";
/// A session is written back at most this often while its user keeps working: often
/// enough that the idle expiry follows their activity (to within this much), rarely
/// enough that reading a page is not a database write.
pub const SESSION_REFRESH_SECONDS: i64 = 10 * 60;
/// The cookie remembering a visitor's language choice before (and after) sign-in.
pub const LANG_COOKIE: &str = "gs_lang";

#[derive(Debug, Clone)]
pub struct RequestContext {
    pub user: Option<User>,
    pub lang: Lang,
    /// Authenticated by an API token (no cookies, so no CSRF check).
    pub via_token: bool,
    /// The client address, for throttling and the audit log.
    pub ip: String,
    /// The browser sent a session cookie the server no longer knows.
    pub session_expired: bool,
    pub path: String,
    /// Unread notifications in the person's inbox (pages only; 0 for the API).
    pub unread: i64,
}

impl RequestContext {
    /// A context for a request nobody could be identified for (the session store or
    /// the database failed before the context was built).
    pub fn anonymous(req: &Request) -> RequestContext {
        RequestContext {
            user: None,
            lang: negotiate(req, None),
            via_token: false,
            ip: String::new(),
            session_expired: false,
            path: req.uri().path().to_string(),
            unread: 0,
        }
    }

    pub fn tr(&self) -> Tr {
        self.lang.tr()
    }

    pub fn user_id(&self) -> Option<i64> {
        self.user.as_ref().map(|u| u.id)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for RequestContext {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<RequestContext>()
            .cloned()
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("request context missing")))
    }
}

/// The signed-in user; rejects anonymous requests with 401 (pages: a redirect to login).
pub struct CurrentUser(pub User);

impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let ctx = RequestContext::from_request_parts(parts, state).await?;
        ctx.user.map(CurrentUser).ok_or(AppError::Unauthenticated)
    }
}

/// A route layer that lets through only users whose role has `permission`.
pub async fn require(
    permission: Permission,
    req: Request,
    next: Next,
) -> Result<Response, AppError> {
    let ctx = req
        .extensions()
        .get::<RequestContext>()
        .ok_or(AppError::Unauthenticated)?;
    match &ctx.user {
        None => Err(AppError::Unauthenticated),
        Some(u) if u.role.can(permission) => Ok(next.run(req).await),
        Some(_) => Err(AppError::Forbidden),
    }
}

/// Whether the signed-in user may do `permission` (for views deciding what to show).
pub fn allowed(ctx: &RequestContext, permission: Permission) -> bool {
    ctx.user.as_ref().is_some_and(|u| u.role.can(permission))
}

pub fn client_ip(req: &Request, trust_forwarded_for: bool) -> String {
    if trust_forwarded_for {
        let forwarded = req
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .map(str::trim)
            .filter(|v| !v.is_empty());
        if let Some(ip) = forwarded {
            return ip.to_string();
        }
    }
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "unknown".to_string())
}

fn cookie_value(req: &Request, name: &str) -> Option<String> {
    req.headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| cookie::Cookie::parse(pair.trim().to_string()).ok())
        .find(|c| c.name() == name)
        .map(|c| c.value().to_string())
}

async fn user_from_token(state: &AppState, value: &str) -> Result<User, AppError> {
    let token = value
        .strip_prefix("Bearer ")
        .map(str::trim)
        .filter(|t| token::is_well_formed(t))
        .ok_or(AppError::InvalidToken)?;
    state
        .store
        .user_by_token_hash(&token::hash(token), Utc::now())
        .await?
        .ok_or(AppError::InvalidToken)
}

async fn user_from_session(state: &AppState, session: &Session) -> Result<Option<User>, AppError> {
    let Some(uid) = session.get::<i64>(SESSION_USER_ID).await? else {
        return Ok(None);
    };
    let epoch = session.get::<i64>(SESSION_AUTH_EPOCH).await?;
    match state.store.user_by_id(uid).await? {
        Some(user) if user.active && Some(user.auth_epoch) == epoch => Ok(Some(user)),
        _ => {
            // Deactivated, deleted, or the password changed since: this session is over.
            session.flush().await?;
            Ok(None)
        }
    }
}

pub async fn load_context(
    State(state): State<AppState>,
    session: Session,
    mut req: Request,
    next: Next,
) -> Response {
    let ip = client_ip(&req, state.settings.trust_forwarded_for);
    let path = req.uri().path().to_string();
    let authorization = req
        .headers()
        .get(header::AUTHORIZATION)
        .map(|v| v.to_str().unwrap_or("").to_string());

    let had_session_cookie = cookie_value(&req, super::SESSION_COOKIE).is_some();
    let (user, via_token) = match &authorization {
        Some(value) => match user_from_token(&state, value).await {
            Ok(user) => (Some(user), true),
            Err(e) => return super::errors::api_error_response(&e.info(), negotiate(&req, None)),
        },
        None => match user_from_session(&state, &session).await {
            Ok(user) => (user, false),
            Err(e) => return e.into_response(),
        },
    };
    if user.is_some() && !via_token {
        let now = chrono::Utc::now().timestamp();
        let seen = session.get::<i64>(SESSION_SEEN_AT).await.ok().flatten();
        if seen.is_none_or(|t| now - t >= SESSION_REFRESH_SECONDS) {
            // Changing the session is what makes tower-sessions save it, and saving is
            // what moves its idle expiry.
            let _ = session.insert(SESSION_SEEN_AT, now).await;
        }
    }
    // A cookie whose session the store no longer has: it expired or was ended.
    let session_expired =
        !via_token && had_session_cookie && user.is_none() && session.is_empty().await;

    let lang = negotiate(&req, user.as_ref());
    // The count beside "Inbox" in the navigation; API calls do without.
    let unread = match &user {
        Some(u) if !via_token && !path.starts_with("/api/") && !path.starts_with("/static/") => {
            state.store.unread_count(u.id).await.unwrap_or(0)
        }
        _ => 0,
    };
    req.extensions_mut().insert(RequestContext {
        user,
        lang,
        via_token,
        ip,
        session_expired,
        path,
        unread,
    });
    if matches!(
        *req.method(),
        axum::http::Method::GET | axum::http::Method::HEAD
    ) {
        super::cache::versions_read_once(next.run(req)).await
    } else {
        next.run(req).await
    }
}

/// User preference, then the language cookie, then Accept-Language, then Chinese.
pub fn negotiate(req: &Request, user: Option<&User>) -> Lang {
    user.and_then(|u| u.locale.as_deref())
        .and_then(Lang::from_tag)
        .or_else(|| cookie_value(req, LANG_COOKIE).and_then(|v| Lang::from_tag(&v)))
        .or_else(|| {
            req.headers()
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(Lang::from_accept_language)
        })
        .unwrap_or(Lang::DEFAULT)
}
