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
    /// An unanswered submission this many days past its deadline is long overdue.
    pub long_overdue_days: i64,
    /// Send reminders every this many minutes (0: never).
    pub reminders_every_minutes: u64,
    /// How long the findings a finding's page compares with (its suggestions) may lag
    /// new findings: 0 is always current; more spares the comparison pool from being
    /// rebuilt on every page while findings are being saved.
    pub suggestions_lag_seconds: u64,
    /// API requests per minute one token may make (0: unlimited); see `web::rate_limit`.
    pub api_rate_per_minute: u32,
    /// API requests per minute one client address may make (0: unlimited).
    pub api_address_rate_per_minute: u32,
    /// E-mail through this SMTP relay (`smtp://host:25`); none: in-app inbox only.
    pub smtp_url: Option<String>,
    /// The sender of e-mails.
    pub mail_from: String,
    /// Where people reach the app, for links in e-mails.
    pub public_url: String,
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
            long_overdue_days: 30,
            reminders_every_minutes: 0,
            suggestions_lag_seconds: 0,
            api_rate_per_minute: 600,
            api_address_rate_per_minute: 1200,
            smtp_url: None,
            mail_from: "Groundswell <groundswell@localhost>".into(),
            public_url: "http://127.0.0.1:3000".into(),
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
