//! The inbox: notifications per person, created at most once per (person, dedupe key)
//! however many instances try, and who should hear about an issue.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::StoreResult;
use crate::store::lifecycle::SubmissionRow;

#[derive(Debug, Clone, sqlx::FromRow, Serialize, utoipa::ToSchema)]
pub struct NotificationRow {
    pub id: i64,
    /// due_soon, overdue, response, review_requested, review_decided, commitment_due.
    pub kind: String,
    pub issue_id: Option<i64>,
    /// Catalogue key of the message and its values (JSON object).
    pub message_key: String,
    pub params: String,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone)]
pub struct NewNotification {
    pub kind: &'static str,
    pub issue_id: Option<i64>,
    pub message_key: &'static str,
    pub params: serde_json::Value,
    /// The same key for the same person is created once.
    pub dedupe_key: String,
}

/// Someone to tell, with how to reach them.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Recipient {
    pub id: i64,
    pub email: String,
    pub locale: Option<String>,
}

/// An open commitment, with its issue.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DueCommitment {
    pub id: i64,
    pub issue_id: i64,
    pub what: String,
    pub due_on: chrono::NaiveDate,
    pub classification: String,
}

#[async_trait]
pub trait InboxStore: Send + Sync {
    /// Creates the notification for each recipient who does not have one with this
    /// dedupe key yet; returns the ids created, by recipient.
    async fn notify(
        &self,
        recipients: &[i64],
        n: &NewNotification,
        at: DateTime<Utc>,
    ) -> StoreResult<Vec<(i64, i64)>>;
    async fn inbox(&self, user_id: i64, limit: i64) -> StoreResult<Vec<NotificationRow>>;
    async fn unread_count(&self, user_id: i64) -> StoreResult<i64>;
    /// Marks one (or, with `None`, all) of the person's notifications read.
    async fn mark_read(&self, user_id: i64, id: Option<i64>, at: DateTime<Utc>) -> StoreResult<()>;
    async fn mark_emailed(&self, id: i64, at: DateTime<Utc>) -> StoreResult<()>;
    /// The issue's owner and watchers, and every active coordinator.
    async fn issue_audience(&self, issue_id: i64) -> StoreResult<Vec<Recipient>>;
    async fn recipients(&self, ids: &[i64]) -> StoreResult<Vec<Recipient>>;
    /// Submissions of issues that are not closed.
    async fn open_submissions(&self) -> StoreResult<Vec<SubmissionRow>>;
    /// Open commitments due on or before `by`, of issues that are not closed.
    async fn commitments_due(&self, by: chrono::NaiveDate) -> StoreResult<Vec<DueCommitment>>;
}

macro_rules! impl_inbox_store {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::inbox::InboxStore for $store {
            async fn notify(
                &self,
                recipients: &[i64],
                n: &$crate::store::inbox::NewNotification,
                at: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::StoreResult<Vec<(i64, i64)>> {
                let mut created = Vec::new();
                let params = n.params.to_string();
                for user in recipients {
                    let row: Option<(i64,)> = sqlx::query_as(
                        "INSERT INTO notifications (user_id, kind, issue_id, message_key, params, dedupe_key, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (user_id, dedupe_key) DO NOTHING RETURNING id",
                    )
                    .bind(user)
                    .bind(n.kind)
                    .bind(n.issue_id)
                    .bind(n.message_key)
                    .bind(&params)
                    .bind(&n.dedupe_key)
                    .bind(at)
                    .fetch_optional(&self.pool)
                    .await?;
                    if let Some((id,)) = row {
                        created.push((*user, id));
                    }
                }
                Ok(created)
            }

            async fn inbox(&self, user_id: i64, limit: i64) -> $crate::store::StoreResult<Vec<$crate::store::inbox::NotificationRow>> {
                Ok(sqlx::query_as(
                    "SELECT id, kind, issue_id, message_key, params, created_at, read_at FROM notifications \
                     WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2",
                )
                .bind(user_id)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn unread_count(&self, user_id: i64) -> $crate::store::StoreResult<i64> {
                let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL")
                    .bind(user_id)
                    .fetch_one(&self.pool)
                    .await?;
                Ok(n)
            }

            async fn mark_read(&self, user_id: i64, id: Option<i64>, at: chrono::DateTime<chrono::Utc>) -> $crate::store::StoreResult<()> {
                sqlx::query("UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL AND ($3 IS NULL OR id = $3)")
                    .bind(at)
                    .bind(user_id)
                    .bind(id)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn mark_emailed(&self, id: i64, at: chrono::DateTime<chrono::Utc>) -> $crate::store::StoreResult<()> {
                sqlx::query("UPDATE notifications SET emailed_at = $1 WHERE id = $2")
                    .bind(at)
                    .bind(id)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn issue_audience(&self, issue_id: i64) -> $crate::store::StoreResult<Vec<$crate::store::inbox::Recipient>> {
                Ok(sqlx::query_as(
                    "SELECT u.id, u.email, u.locale FROM users u WHERE u.active = TRUE AND ( \
                       u.id = (SELECT owner_id FROM advocacy_issues WHERE id = $1) \
                       OR u.id IN (SELECT user_id FROM issue_watchers WHERE issue_id = $1) \
                       OR u.role = 'coordinator') ORDER BY u.id",
                )
                .bind(issue_id)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn recipients(&self, ids: &[i64]) -> $crate::store::StoreResult<Vec<$crate::store::inbox::Recipient>> {
                if ids.is_empty() {
                    return Ok(Vec::new());
                }
                let list = $crate::store::recurrence::join_ids(ids);
                Ok(sqlx::query_as(&format!(
                    "SELECT id, email, locale FROM users WHERE active = TRUE AND id IN ({list}) ORDER BY id"
                ))
                .persistent(false)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn open_submissions(&self) -> $crate::store::StoreResult<Vec<$crate::store::lifecycle::SubmissionRow>> {
                Ok(sqlx::query_as(&format!(
                    "{} WHERE s.issue_id IN (SELECT id FROM advocacy_issues WHERE stage <> 'closed' AND merged_into IS NULL) \
                     ORDER BY s.id",
                    $crate::store::lifecycle::SUBMISSION_SELECT
                ))
                .fetch_all(&self.pool)
                .await?)
            }

            async fn commitments_due(&self, by: chrono::NaiveDate) -> $crate::store::StoreResult<Vec<$crate::store::inbox::DueCommitment>> {
                Ok(sqlx::query_as(
                    "SELECT c.id, s.issue_id, c.what, c.due_on, r.classification FROM commitments c \
                     JOIN responses r ON r.id = c.response_id JOIN submissions s ON s.id = r.submission_id \
                     JOIN advocacy_issues i ON i.id = s.issue_id \
                     WHERE c.status = 'open' AND c.due_on IS NOT NULL AND c.due_on <= $1 AND i.stage <> 'closed' ORDER BY c.id",
                )
                .bind(by)
                .fetch_all(&self.pool)
                .await?)
            }
        }
    };
}
pub(crate) use impl_inbox_store;
