//! Text no database can keep: a NUL character (U+0000) in a form field, a JSON string
//! or a query parameter. PostgreSQL refuses it in `text` (which would surface as a 500)
//! and SQLite would keep it, so both refuse it here, before any handler, with a clear
//! 400 (`bad_request`) that says which character to remove. Files are not affected:
//! uploads are multipart, and the import checks its cells itself.

use axum::body::Body;
use axum::extract::Request;
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;
use serde_json::Value;

use crate::error::AppError;

fn has_nul(v: &Value) -> bool {
    match v {
        Value::String(s) => s.contains('\0'),
        Value::Array(a) => a.iter().any(has_nul),
        Value::Object(o) => o.iter().any(|(k, v)| k.contains('\0') || has_nul(v)),
        _ => false,
    }
}

fn form_has_nul(bytes: &[u8]) -> bool {
    url::form_urlencoded::parse(bytes).any(|(k, v)| k.contains('\0') || v.contains('\0'))
}

pub async fn refuse_nul(req: Request, next: Next) -> Result<Response, AppError> {
    const REFUSED: AppError = AppError::BadRequest("error.nul_character");
    if req
        .uri()
        .query()
        .is_some_and(|q| form_has_nul(q.as_bytes()))
    {
        return Err(REFUSED);
    }
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let form = content_type.starts_with("application/x-www-form-urlencoded");
    let json = content_type.starts_with("application/json");
    if !form && !json {
        return Ok(next.run(req).await);
    }
    let (parts, body) = req.into_parts();
    // The outer body limit has already bounded this; a body over it fails here.
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .map_err(|_| AppError::PayloadTooLarge)?;
    let refused = if form {
        form_has_nul(&bytes)
    } else {
        // What does not parse is left to the handler's extractor to refuse.
        serde_json::from_slice::<Value>(&bytes).is_ok_and(|v| has_nul(&v))
    };
    if refused {
        return Err(REFUSED);
    }
    Ok(next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await)
}
