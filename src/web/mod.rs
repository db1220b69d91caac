//! HTTP: the pages (server-rendered with maud) and the JSON API share one router,
//! one request context and one permission model.
//!
//! Layers, outermost first: tracing, security headers, compression, body limit,
//! last-resort error rendering, the API rate limit, sessions, request context (who and which language),
//! error rendering, CSRF, refusing NUL characters in text.

use std::sync::Arc;

use axum::Router;
use axum::middleware::{from_fn, from_fn_with_state};
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::trace::TraceLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

use crate::config::WebSettings;
use crate::store::DynStore;

pub mod account;
pub mod admin;
pub mod assets;
pub mod auth;
pub mod cache;
pub mod candidates;
pub mod charts;
pub mod context;
pub mod csrf;
pub mod dashboards;
pub mod departments;
pub mod errors;
pub mod findings;
pub mod forms;
pub mod home;
pub mod inbox;
pub mod input;
pub mod issues;
pub mod layout;
pub mod offload;
pub mod parameters;
pub mod rate_limit;
pub mod reports;
pub mod routes;
pub mod security_headers;

/// Shared by every handler.
#[derive(Clone)]
pub struct AppState {
    pub store: DynStore,
    pub settings: Arc<WebSettings>,
    /// E-mail, when an SMTP relay is configured.
    pub mailer: crate::notify::SharedMailer,
    /// Dashboard figures per version of their data.
    pub cache: Arc<cache::Cache>,
}

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "gs_session";
/// Form and JSON bodies larger than this are refused with 413 (axum's extractor limit;
/// uploads raise it on their own routes).
pub const BODY_LIMIT_BYTES: usize = 2 * 1024 * 1024;
/// No request body at all may be larger than this (the largest upload plus room).
pub const UPLOAD_LIMIT_BYTES: usize = crate::domain::import::MAX_BYTES + 1024 * 1024;

/// Every route of every capability.
fn all_routes() -> routes::Routes {
    routes::Routes::new()
        .merge(auth::router())
        .merge(home::router())
        .merge(account::router())
        .merge(findings::router())
        .merge(issues::router())
        .merge(candidates::router())
        .merge(departments::router())
        .merge(inbox::router())
        .merge(parameters::router())
        .merge(reports::router())
        .merge(dashboards::router())
        .merge(admin::router())
        .merge(crate::api::router())
        .merge(assets::router())
}

/// The paths the application serves, as its router has them (`/issues/{id}`…).
pub fn route_paths() -> Vec<&'static str> {
    let mut paths = all_routes().paths().to_vec();
    paths.sort_unstable();
    paths.dedup();
    paths
}

/// The whole application: pages, API and static assets with every layer applied.
pub fn router(state: AppState) -> Router {
    let sessions = SessionManagerLayer::new(state.store.session_store())
        .with_name(SESSION_COOKIE)
        .with_secure(state.settings.secure_cookies)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_expiry(Expiry::OnInactivity(
            tower_sessions::cookie::time::Duration::hours(state.settings.session_idle_hours),
        ));

    all_routes()
        .into_router()
        .fallback(errors::not_found)
        .layer(from_fn(input::refuse_nul))
        .layer(from_fn(csrf::verify_csrf))
        .layer(from_fn(errors::render_errors))
        .layer(from_fn_with_state(state.clone(), context::load_context))
        .layer(sessions)
        .layer(from_fn_with_state(
            rate_limit::ApiRateLimit::new(&state.settings),
            rate_limit::limit_api,
        ))
        .layer(RequestBodyLimitLayer::new(
            UPLOAD_LIMIT_BYTES.max(state.settings.attachment_max_bytes + 1024 * 1024),
        ))
        .layer(from_fn(errors::last_resort))
        .layer(CompressionLayer::new())
        .layer(from_fn(security_headers::add_security_headers))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
