//! Settings shared by the command line and the web layer.

use std::net::SocketAddr;

/// How the web application behaves; every field has a `GROUNDSWELL_*` variable (see cli).
#[derive(Debug, Clone)]
pub struct WebSettings {
    /// Mark cookies `Secure` (set when served over HTTPS, e.g. behind a TLS proxy).
    pub secure_cookies: bool,
    /// Take the client address from `X-Forwarded-For` (only behind a trusted proxy).
    pub trust_forwarded_for: bool,
    /// Sign-out after this many hours without a request.
    pub session_idle_hours: i64,
    /// Breakdown cells counting fewer findings than this are shown as "fewer than N" to
    /// readers outside the recording organisations and in every export.
    pub small_cell: usize,
    /// Largest file that may be attached to an issue.
    pub attachment_max_bytes: usize,
    /// Run the recurring-gap pass in the background every this many minutes (0: never).
    pub recurrence_every_minutes: u64,
}

impl Default for WebSettings {
    fn default() -> Self {
        WebSettings {
            secure_cookies: false,
            trust_forwarded_for: false,
            session_idle_hours: 8,
            small_cell: 3,
            attachment_max_bytes: 10 * 1024 * 1024,
            recurrence_every_minutes: 0,
        }
    }
}

#[derive(Debug, Clone)]
pub struct ServeSettings {
    pub database_url: String,
    pub addr: SocketAddr,
    pub web: WebSettings,
}

/// The default database: `groundswell.db` in the working directory.
pub const DEFAULT_DATABASE_URL: &str = "sqlite:groundswell.db";
