//! One application error type. A handler returns `Result<_, AppError>`; the response
//! carries only an [`ErrorInfo`] (status, stable code, message key) and an empty body.
//! `web::errors::render_errors` turns that into a page in the user's language or a JSON
//! error, so that no internal detail ever reaches the client: internals go to the log.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("sign-in required")]
    Unauthenticated,
    #[error("invalid API token")]
    InvalidToken,
    #[error("forbidden")]
    Forbidden,
    #[error("not found")]
    NotFound,
    #[error("CSRF check failed")]
    CsrfFailed,
    #[error("conflict")]
    Conflict(&'static str),
    #[error("bad request")]
    BadRequest(&'static str),
    #[error("request body too large")]
    PayloadTooLarge,
    #[error("database unavailable")]
    Unavailable,
    /// Something this installation lacks (a font for PDF): says what to install.
    #[error("not available here")]
    NotAvailable(&'static str),
    #[error("internal error: {0:#}")]
    Internal(#[from] anyhow::Error),
}

/// What the error renderer needs: status, a stable machine code and a message key.
#[derive(Debug, Clone)]
pub struct ErrorInfo {
    pub status: StatusCode,
    pub code: &'static str,
    pub message_key: &'static str,
}

impl ErrorInfo {
    /// For error responses that did not come from an `AppError` (axum's own rejections,
    /// the fallback, body limits): a code and message by status alone.
    pub fn for_status(status: StatusCode) -> ErrorInfo {
        let (code, message_key) = match status {
            StatusCode::UNAUTHORIZED => ("unauthenticated", "error.unauthenticated"),
            StatusCode::FORBIDDEN => ("forbidden", "error.forbidden"),
            StatusCode::NOT_FOUND => ("not_found", "error.not_found"),
            StatusCode::METHOD_NOT_ALLOWED => ("method_not_allowed", "error.method_not_allowed"),
            StatusCode::PAYLOAD_TOO_LARGE => ("payload_too_large", "error.payload_too_large"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => {
                ("unsupported_media_type", "error.unsupported_media_type")
            }
            StatusCode::TOO_MANY_REQUESTS => ("rate_limited", "error.rate_limited"),
            StatusCode::SERVICE_UNAVAILABLE => ("unavailable", "error.unavailable"),
            s if s.is_server_error() => ("internal", "error.internal"),
            _ => ("bad_request", "error.bad_request"),
        };
        ErrorInfo {
            status,
            code,
            message_key,
        }
    }
}

impl AppError {
    pub fn info(&self) -> ErrorInfo {
        let (status, code, message_key) = match self {
            AppError::Unauthenticated => (
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "error.unauthenticated",
            ),
            AppError::InvalidToken => (
                StatusCode::UNAUTHORIZED,
                "invalid_token",
                "error.invalid_token",
            ),
            AppError::Forbidden => (StatusCode::FORBIDDEN, "forbidden", "error.forbidden"),
            AppError::NotFound => (StatusCode::NOT_FOUND, "not_found", "error.not_found"),
            AppError::CsrfFailed => (StatusCode::FORBIDDEN, "csrf_failed", "error.csrf_failed"),
            AppError::Conflict(key) => (StatusCode::CONFLICT, "conflict", *key),
            AppError::BadRequest(key) => (StatusCode::BAD_REQUEST, "bad_request", *key),
            AppError::PayloadTooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "error.payload_too_large",
            ),
            AppError::Unavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "error.unavailable",
            ),
            AppError::NotAvailable(key) => (StatusCode::SERVICE_UNAVAILABLE, "not_available", *key),
            AppError::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "error.internal",
            ),
        };
        ErrorInfo {
            status,
            code,
            message_key,
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::NotFound,
            StoreError::Conflict => AppError::Conflict("error.conflict"),
            // The connection, not the query: refused, reset, cut mid-handshake (a
            // protocol or TLS error), or no connection to be had in time.
            StoreError::Database(
                sqlx::Error::PoolTimedOut
                | sqlx::Error::PoolClosed
                | sqlx::Error::Io(_)
                | sqlx::Error::Protocol(_)
                | sqlx::Error::Tls(_)
                | sqlx::Error::WorkerCrashed,
            ) => {
                tracing::error!(error = %e, "database unavailable");
                AppError::Unavailable
            }
            StoreError::Database(err) => AppError::Internal(err.into()),
        }
    }
}

impl From<tower_sessions::session::Error> for AppError {
    fn from(e: tower_sessions::session::Error) -> Self {
        use tower_sessions::session::Error as SessionError;
        use tower_sessions::session_store::Error as StoreFailure;
        match e {
            // The sessions live in the database: its backend failing is the database
            // not answering (the store keeps only the message, not the sqlx error).
            SessionError::Store(StoreFailure::Backend(_)) => {
                tracing::error!(error = %e, "session store unavailable");
                AppError::Unavailable
            }
            e => AppError::Internal(anyhow::Error::new(e).context("session store")),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::Internal(err) = &self {
            // The whole chain goes to the log; the client sees a generic message.
            tracing::error!(error = ?err, "request failed");
        }
        let info = self.info();
        let mut response = info.status.into_response();
        response.extensions_mut().insert(info);
        response
    }
}
