//! Turning error responses into something a person or a program can read: a page in
//! the user's language, or `{"error":{"code":…,"message":…}}` under `/api/`.
//! Never anything internal: messages come from the catalogue by key.

use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use tower_sessions::Session;

use super::context::RequestContext;
use super::layout::{self, PageCtx};
use crate::error::{AppError, ErrorInfo};
use crate::i18n::Lang;

/// Paths whose errors are JSON rather than pages.
pub fn is_api_path(path: &str) -> bool {
    path.starts_with("/api/") || path == "/healthz"
}

pub fn api_error_response(info: &ErrorInfo, lang: Lang) -> Response {
    let body = serde_json::json!({
        "error": { "code": info.code, "message": lang.tr().t(info.message_key) }
    });
    let mut res = (info.status, axum::Json(body)).into_response();
    if info.status == StatusCode::UNAUTHORIZED {
        res.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"groundswell\""),
        );
    }
    res
}

pub async fn not_found() -> AppError {
    AppError::NotFound
}

/// Whether the response already has a body meant for the reader (a re-rendered form,
/// a JSON error): those pass through untouched.
fn has_readable_body(res: &Response) -> bool {
    res.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("text/html") || ct.starts_with("application/json"))
}

pub async fn render_errors(req: Request, next: Next) -> Response {
    let ctx = req.extensions().get::<RequestContext>().cloned();
    let session = req.extensions().get::<Session>().cloned();
    let query = req.uri().query().map(str::to_string);
    let res = next.run(req).await;

    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let info = match res.extensions().get::<ErrorInfo>() {
        Some(info) => info.clone(),
        None if has_readable_body(&res) => return res,
        None => ErrorInfo::for_status(status),
    };
    let Some(ctx) = ctx else {
        return api_error_response(&info, Lang::DEFAULT);
    };
    if is_api_path(&ctx.path) {
        let mut out = api_error_response(&info, ctx.lang);
        copy_header(&res, &mut out, header::ALLOW);
        return out;
    }
    if info.code == "unauthenticated" {
        // Pages send the reader to sign in and bring them back afterwards.
        let mut next = ctx.path.clone();
        if let Some(q) = query {
            next.push('?');
            next.push_str(&q);
        }
        let mut target = format!("/login?next={}", url_encode(&next));
        if ctx.session_expired {
            target.push_str("&expired=1");
        }
        return Redirect::to(&target).into_response();
    }
    let mut out = error_page(&ctx, session.as_ref(), &info).await;
    copy_header(&res, &mut out, header::ALLOW);
    out
}

/// The outermost error renderer, for error responses made before the request context
/// existed (the session layer failing when the database is down, the body limit's
/// plain-text "length limit exceeded"): a plain page or JSON error in the language the
/// browser asks for, instead of an empty or plain-text body.
pub async fn last_resort(req: Request, next: Next) -> Response {
    let ctx = RequestContext::anonymous(&req);
    let res = next.run(req).await;
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) || has_readable_body(&res) {
        return res;
    }
    let info = res
        .extensions()
        .get::<ErrorInfo>()
        .cloned()
        .unwrap_or_else(|| ErrorInfo::for_status(status));
    if is_api_path(&ctx.path) {
        api_error_response(&info, ctx.lang)
    } else {
        error_page(&ctx, None, &info).await
    }
}

fn copy_header(from: &Response, to: &mut Response, name: header::HeaderName) {
    if let Some(v) = from.headers().get(&name) {
        to.headers_mut().insert(name, v.clone());
    }
}

async fn error_page(ctx: &RequestContext, session: Option<&Session>, info: &ErrorInfo) -> Response {
    let tr = ctx.tr();
    let page = PageCtx::for_error(ctx, session).await;
    let title = tr.t(info.message_key);
    let body = html! {
        section.error-page {
            h1 { (title) }
            p.muted { (tr.t("error.code_label")) " " code { (info.code) } }
            p { a href="/" { (tr.t("error.back_home")) } }
        }
    };
    (info.status, layout::page(&page, title, body)).into_response()
}

pub fn url_encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// A `next=` target is followed only when it is a local path (no open redirects).
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_string(),
        _ => "/".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        assert_eq!(safe_next(Some("/admin/users?x=1")), "/admin/users?x=1");
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil.example",
            "javascript:x",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad}");
        }
        assert_eq!(safe_next(None), "/");
    }
}
