//! CSRF protection for every state-changing request made with the session cookie.
//!
//! A random token lives in the session; every form carries it in a hidden
//! `csrf_token` field (scripts send it as `X-CSRF-Token`). Requests authenticated by
//! an API token carry no cookie and need none. A cross-site `Origin` is refused too.

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower_sessions::Session;

use super::context::RequestContext;
use crate::domain::token;
use crate::error::AppError;

pub const SESSION_CSRF: &str = "csrf";
pub const FORM_FIELD: &str = "csrf_token";
pub const HEADER: &str = "x-csrf-token";

/// The session's CSRF token, created on first use.
pub async fn token_for(session: &Session) -> Result<String, AppError> {
    if let Some(t) = session.get::<String>(SESSION_CSRF).await? {
        return Ok(t);
    }
    let t = token::random_secret();
    session.insert(SESSION_CSRF, &t).await?;
    Ok(t)
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

fn cross_origin(req: &Request) -> bool {
    let Some(origin) = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok());
    let origin_host = url::Url::parse(origin).ok().and_then(|u| {
        u.host_str().map(|h| match u.port() {
            Some(p) => format!("{h}:{p}"),
            None => h.to_string(),
        })
    });
    match (origin_host, host) {
        (Some(o), Some(h)) => o != h,
        // "Origin: null" and unparseable origins are treated as foreign.
        _ => true,
    }
}

fn field_from_form(body: &[u8]) -> Option<String> {
    url::form_urlencoded::parse(body)
        .find(|(k, _)| k == FORM_FIELD)
        .map(|(_, v)| v.into_owned())
}

pub async fn verify_csrf(req: Request, next: Next) -> Response {
    if is_safe(req.method()) {
        return next.run(req).await;
    }
    let ctx = req.extensions().get::<RequestContext>();
    let via_token = ctx.is_some_and(|c| c.via_token);
    // An API call with neither a token nor a signed-in session has no session
    // authority to protect: every API route refuses it with 401 JSON (and tells the
    // client what is missing), rather than a CSRF 403 that would hide it.
    let anonymous_api =
        ctx.is_some_and(|c| c.user.is_none()) && super::errors::is_api_path(req.uri().path());
    if via_token || anonymous_api {
        return next.run(req).await;
    }
    if cross_origin(&req) {
        return AppError::CsrfFailed.into_response();
    }
    let Some(session) = req.extensions().get::<Session>().cloned() else {
        return AppError::CsrfFailed.into_response();
    };
    let expected = match session.get::<String>(SESSION_CSRF).await {
        Ok(Some(t)) => t,
        Ok(None) => return AppError::CsrfFailed.into_response(),
        Err(e) => return AppError::from(e).into_response(),
    };

    let from_header = req
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let from_query = req
        .uri()
        .query()
        .and_then(|q| field_from_form(q.as_bytes()));
    let (req, supplied) = match from_header.or(from_query) {
        Some(t) => (req, Some(t)),
        None => {
            let is_form = req
                .headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
            if !is_form {
                return AppError::CsrfFailed.into_response();
            }
            // Read the form to find the token, then hand the same bytes on.
            let (parts, body) = req.into_parts();
            let bytes = match to_bytes(body, super::BODY_LIMIT_BYTES).await {
                Ok(b) => b,
                Err(_) => return AppError::PayloadTooLarge.into_response(),
            };
            let supplied = field_from_form(&bytes);
            (Request::from_parts(parts, Body::from(bytes)), supplied)
        }
    };
    match supplied {
        Some(t) if token::constant_time_eq(&t, &expected) => next.run(req).await,
        _ => AppError::CsrfFailed.into_response(),
    }
}
