//! The inbox: reminders and news about the issues a person owns, watches or
//! coordinates, each in the reader's language. Also `GET /api/v1/inbox`.

use axum::Json;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::Utc;
use maud::html;
use serde::Serialize;

use crate::error::AppError;
use crate::notify::render;
use crate::web::AppState;
use crate::web::context::{CurrentUser, RequestContext};
use crate::web::layout::{self, PageCtx, csrf_field};

pub fn router() -> crate::web::routes::Routes {
    crate::web::routes::Routes::new()
        .route("/inbox", get(page))
        .route("/inbox/read", post(read_all))
        .route("/inbox/{id}/read", post(read_one))
        .route("/api/v1/inbox", get(api))
}

/// How many notifications a page or the API shows (latest first).
const SHOWN: i64 = 200;

async fn page(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    page: PageCtx,
) -> Result<Response, AppError> {
    let tr = page.tr();
    let lang = page.ctx.lang;
    let items = state.store.inbox(user.id, SHOWN).await?;
    Ok(layout::page(
        &page,
        tr.t("inbox.title"),
        html! {
            h1 { (tr.t("inbox.title")) }
            @if items.is_empty() { p.muted { (tr.t("inbox.empty")) } }
            @if items.iter().any(|n| n.read_at.is_none()) {
                form.inline-form method="post" action="/inbox/read" {
                    (csrf_field(&page))
                    button type="submit" { (tr.t("inbox.read_all")) }
                }
            }
            ul.plain.inbox {
                @for n in &items {
                    @let params: serde_json::Value = serde_json::from_str(&n.params).unwrap_or_default();
                    li class=(if n.read_at.is_none() { "unread" } else { "" }) {
                        span.nowrap.muted { (n.created_at.format("%Y-%m-%d %H:%M")) } " "
                        @if let Some(i) = n.issue_id {
                            a href={ "/issues/" (i) } { (render(lang, &n.message_key, &params)) }
                        } @else {
                            (render(lang, &n.message_key, &params))
                        }
                        @if n.read_at.is_none() {
                            " "
                            form.inline-form method="post" action={ "/inbox/" (n.id) "/read" } {
                                (csrf_field(&page))
                                button.link-button type="submit" { (tr.t("inbox.mark_read")) }
                            }
                        }
                    }
                }
            }
        },
    )
    .into_response())
}

async fn read_all(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> Result<Response, AppError> {
    state.store.mark_read(user.id, None, Utc::now()).await?;
    Ok(Redirect::to("/inbox").into_response())
}

async fn read_one(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    state.store.mark_read(user.id, Some(id), Utc::now()).await?;
    Ok(Redirect::to("/inbox").into_response())
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InboxItem {
    pub id: i64,
    /// due_soon, overdue, response, review_requested, review_decided, commitment_due.
    pub kind: String,
    pub issue_id: Option<i64>,
    /// In the caller's language.
    pub message: String,
    pub created_at: chrono::DateTime<Utc>,
    pub read: bool,
}

/// The caller's inbox, latest first.
#[utoipa::path(get, path = "/api/v1/inbox", tag = "inbox", security(("bearer" = [])),
    responses((status = 200, description = "Notifications", body = Vec<InboxItem>)))]
pub async fn api(
    State(state): State<AppState>,
    ctx: RequestContext,
    CurrentUser(user): CurrentUser,
) -> Result<Json<Vec<InboxItem>>, AppError> {
    let items = state.store.inbox(user.id, SHOWN).await?;
    Ok(Json(
        items
            .into_iter()
            .map(|n| InboxItem {
                message: render(
                    ctx.lang,
                    &n.message_key,
                    &serde_json::from_str(&n.params).unwrap_or_default(),
                ),
                id: n.id,
                kind: n.kind,
                issue_id: n.issue_id,
                created_at: n.created_at,
                read: n.read_at.is_some(),
            })
            .collect(),
    ))
}
