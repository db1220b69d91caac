//! Files attached to an issue: upload (type read from the content, size limited by
//! `GROUNDSWELL_ATTACHMENT_MAX_MB`), download, removal. The bytes live in the database.

use axum::extract::{Multipart, Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use sha2::{Digest, Sha256};
use tower_sessions::Session;

use super::{can_manage, load_issue};
use crate::domain::attachment::{self, Refusal};
use crate::error::AppError;
use crate::store::AuditEvent;
use crate::store::issues::NewAttachment;
use crate::web::AppState;
use crate::web::context::CurrentUser;
use crate::web::layout::{FlashKind, PageCtx, flash};

/// Reads the `file` field, stopping as soon as it passes `max_bytes` so that an
/// oversized upload is refused without being held in memory.
pub async fn read_file_field(
    multipart: &mut Multipart,
    max_bytes: usize,
) -> Result<Option<(String, Vec<u8>)>, Refusal> {
    while let Ok(Some(mut field)) = multipart.next_field().await {
        if field.name() != Some("file") {
            continue;
        }
        let name = field.file_name().unwrap_or("").to_string();
        let mut bytes = Vec::new();
        loop {
            match field.chunk().await {
                Ok(Some(chunk)) => {
                    if bytes.len() + chunk.len() > max_bytes {
                        return Err(Refusal::TooLarge);
                    }
                    bytes.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                // A body cut off by the request limit reads as an error here.
                Err(_) => return Err(Refusal::TooLarge),
            }
        }
        return Ok(Some((name, bytes)));
    }
    Ok(None)
}

/// Checks and stores one uploaded file; the audit entry names the file.
pub async fn store_attachment(
    state: &AppState,
    issue_id: i64,
    actor: i64,
    ip: &str,
    filename: &str,
    content: Vec<u8>,
) -> Result<Result<i64, Refusal>, AppError> {
    let kind = match attachment::check(filename, &content, state.settings.attachment_max_bytes) {
        Ok(kind) => kind,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let filename = attachment::clean_filename(filename, kind);
    let sha256 = format!("{:x}", Sha256::digest(&content));
    let audit = AuditEvent::new("issue.attachment_added", Some(actor), Some(ip.to_string()))
        .subject("issue", Some(issue_id))
        .detail(&filename);
    let new = NewAttachment {
        filename,
        content_type: kind.mime,
        sha256,
        content,
    };
    Ok(Ok(state
        .store
        .add_attachment(issue_id, &new, &audit)
        .await?))
}

pub async fn upload(
    State(state): State<AppState>,
    session: Session,
    CurrentUser(user): CurrentUser,
    page: PageCtx,
    Path(id): Path<i64>,
    mut multipart: Multipart,
) -> Result<Response, AppError> {
    if !can_manage(user.role) {
        return Err(AppError::Forbidden);
    }
    let issue = load_issue(&state, id).await?;
    if issue.merged_into.is_some() {
        return Err(AppError::Conflict("error.conflict"));
    }
    let tr = page.tr();
    let back = Redirect::to(&format!("/issues/{id}#attachments")).into_response();
    let max = state.settings.attachment_max_bytes;
    let outcome = match read_file_field(&mut multipart, max).await {
        Ok(Some((name, bytes))) => {
            store_attachment(&state, id, user.id, &page.ctx.ip, &name, bytes).await?
        }
        Ok(None) => Err(Refusal::Empty),
        Err(refusal) => Err(refusal),
    };
    match outcome {
        Ok(_) => flash(&session, FlashKind::Success, tr.t("attachments.added")).await?,
        Err(refusal) => {
            let mb = (max / (1024 * 1024)).to_string();
            flash(
                &session,
                FlashKind::Error,
                tr.f(refusal.message_key(), &[("mb", &mb)]),
            )
            .await?
        }
    }
    Ok(back)
}

/// RFC 6266 / 5987: an ASCII fallback and the exact UTF-8 name.
fn content_disposition(filename: &str) -> String {
    let ascii: String = filename
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::new();
    for b in filename.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// Anyone who may read the issue may download its files. Always as a download, never
/// shown inline, with the type fixed at upload.
pub async fn download(
    State(state): State<AppState>,
    CurrentUser(_user): CurrentUser,
    Path((id, attachment_id)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    let (meta, content) = state
        .store
        .attachment_content(id, attachment_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((
        [
            (header::CONTENT_TYPE, meta.content_type.clone()),
            (
                header::CONTENT_DISPOSITION,
                content_disposition(&meta.filename),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; sandbox".to_string(),
            ),
        ],
        content,
    )
        .into_response())
}

pub async fn remove(
    State(state): State<AppState>,
    session: Session,
    CurrentUser(user): CurrentUser,
    page: PageCtx,
    Path((id, attachment_id)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    if !can_manage(user.role) {
        return Err(AppError::Forbidden);
    }
    let audit = AuditEvent::new(
        "issue.attachment_removed",
        Some(user.id),
        Some(page.ctx.ip.clone()),
    )
    .subject("issue", Some(id))
    .detail(format!("#{attachment_id}"));
    state
        .store
        .remove_attachment(id, attachment_id, &audit)
        .await?;
    flash(&session, FlashKind::Success, page.tr().t("form.saved")).await?;
    Ok(Redirect::to(&format!("/issues/{id}#attachments")).into_response())
}

#[cfg(test)]
mod tests {
    #[test]
    fn downloads_keep_chinese_names() {
        let h = super::content_disposition("报告 v2.pdf");
        assert!(h.starts_with("attachment; filename=\"___v2.pdf\""), "{h}");
        assert!(
            h.ends_with("filename*=UTF-8''%E6%8A%A5%E5%91%8A%20v2.pdf"),
            "{h}"
        );
    }
}
