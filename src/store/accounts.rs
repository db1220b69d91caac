//! Organisations, users, API tokens, login failures and the audit log.
//!
//! Every account change writes its audit entry in the same transaction: an account
//! change without its audit record (or the reverse) cannot happen.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{ApiTokenRow, AuditRow, Organisation, StoreResult, User};
use crate::domain::account::OrgKind;
use crate::domain::login_throttle::RecentFailures;
use crate::domain::role::Role;

pub struct NewOrg {
    pub name: String,
    pub kind: OrgKind,
}

pub struct NewUser {
    pub email: String,
    pub name: String,
    pub password_hash: String,
    pub role: Role,
    pub org_id: i64,
    pub locale: Option<String>,
}

pub struct UserUpdate {
    pub name: String,
    pub role: Role,
    pub org_id: i64,
}

/// One line of the audit log: who did what to which object, from where.
#[derive(Debug, Clone)]
pub struct AuditEvent {
    pub at: DateTime<Utc>,
    pub actor_user_id: Option<i64>,
    pub action: &'static str,
    pub subject_type: Option<&'static str>,
    pub subject_id: Option<i64>,
    pub detail: String,
    pub ip: Option<String>,
}

impl AuditEvent {
    pub fn new(action: &'static str, actor_user_id: Option<i64>, ip: Option<String>) -> Self {
        AuditEvent {
            at: Utc::now(),
            actor_user_id,
            action,
            subject_type: None,
            subject_id: None,
            detail: String::new(),
            ip,
        }
    }

    pub fn subject(mut self, kind: &'static str, id: Option<i64>) -> Self {
        self.subject_type = Some(kind);
        self.subject_id = id;
        self
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = detail.into();
        self
    }
}

#[async_trait]
pub trait AccountStore: Send + Sync {
    async fn create_org(&self, org: &NewOrg, audit: &AuditEvent) -> StoreResult<Organisation>;
    async fn update_org(
        &self,
        id: i64,
        org: &NewOrg,
        active: bool,
        audit: &AuditEvent,
    ) -> StoreResult<Organisation>;
    async fn list_orgs(&self) -> StoreResult<Vec<Organisation>>;
    async fn get_org(&self, id: i64) -> StoreResult<Option<Organisation>>;
    async fn org_by_name(&self, name: &str) -> StoreResult<Option<Organisation>>;

    async fn create_user(&self, user: &NewUser, audit: &AuditEvent) -> StoreResult<User>;
    async fn user_by_id(&self, id: i64) -> StoreResult<Option<User>>;
    async fn user_by_email(&self, email: &str) -> StoreResult<Option<User>>;
    async fn list_users(&self) -> StoreResult<Vec<User>>;
    async fn count_active_admins(&self) -> StoreResult<i64>;
    async fn update_user(
        &self,
        id: i64,
        update: &UserUpdate,
        audit: &AuditEvent,
    ) -> StoreResult<User>;
    /// Deactivating also moves the auth epoch, ending every session at once.
    async fn set_user_active(&self, id: i64, active: bool, audit: &AuditEvent)
    -> StoreResult<User>;
    /// Moves the auth epoch: every other session of the user ends.
    async fn set_password(&self, id: i64, hash: &str, audit: &AuditEvent) -> StoreResult<User>;
    /// Moves the user's `auth_epoch` on, which ends every session signed in before
    /// (the caller moves its own session to the new epoch). API tokens are untouched.
    async fn end_sessions(&self, id: i64, audit: &AuditEvent) -> StoreResult<User>;
    async fn set_locale(&self, id: i64, locale: Option<&str>) -> StoreResult<()>;

    async fn create_api_token(
        &self,
        user_id: i64,
        label: &str,
        token_hash: &str,
        audit: &AuditEvent,
    ) -> StoreResult<ApiTokenRow>;
    async fn list_api_tokens(&self, user_id: i64) -> StoreResult<Vec<ApiTokenRow>>;
    /// Revokes one of the user's own tokens; `NotFound` for anyone else's.
    async fn revoke_api_token(
        &self,
        user_id: i64,
        token_id: i64,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// The active user owning an unrevoked token with this hash; notes the use.
    async fn user_by_token_hash(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<User>>;

    async fn record_login_failure(
        &self,
        email: &str,
        ip: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// Whether the user signed in successfully from `ip` since `since` (the audit log's
    /// `login.succeeded` entries).
    async fn signed_in_from(
        &self,
        user_id: i64,
        ip: &str,
        since: DateTime<Utc>,
    ) -> StoreResult<bool>;
    /// Failures since `since` for the e-mail and for the address.
    async fn recent_login_failures(
        &self,
        email: &str,
        ip: &str,
        since: DateTime<Utc>,
    ) -> StoreResult<(RecentFailures, RecentFailures)>;
    async fn clear_login_failures(&self, email: &str) -> StoreResult<()>;

    async fn record_audit(&self, event: &AuditEvent) -> StoreResult<()>;
    /// Newest first; `before_id` pages backwards.
    async fn list_audit(&self, before_id: Option<i64>, limit: i64) -> StoreResult<Vec<AuditRow>>;
    /// Everything recorded about one object, oldest first (an issue's timeline).
    async fn audit_of(&self, subject_type: &str, subject_id: i64) -> StoreResult<Vec<AuditRow>>;
}

pub(crate) const ORG_SELECT: &str = "SELECT o.id, o.name, o.kind, o.active, o.created_at, \
     (SELECT COUNT(*) FROM users u WHERE u.org_id = o.id AND u.active = TRUE) AS member_count \
     FROM organisations o";

pub(crate) const USER_SELECT: &str = "SELECT u.id, u.email, u.name, u.password_hash, u.role, \
     u.org_id, o.name AS org_name, u.locale, u.active, u.auth_epoch, u.created_at, u.updated_at \
     FROM users u JOIN organisations o ON o.id = u.org_id";

pub(crate) const AUDIT_INSERT: &str = "INSERT INTO audit_log \
     (at, actor_user_id, action, subject_type, subject_id, detail, ip) \
     VALUES ($1, $2, $3, $4, $5, $6, $7)";

pub(crate) const TOKEN_COLUMNS: &str = "id, user_id, label, created_at, last_used_at, revoked_at";

/// Ends a change to user `id`: writes its audit entry in the same transaction, reads
/// the user back, commits, and evaluates to the user.
macro_rules! audit_and_reload_user {
    ($tx:ident, $audit:expr, $id:expr) => {{
        $crate::store::accounts::insert_audit!(&mut *$tx, $audit, Some($id))?;
        let row: $crate::store::UserRow = sqlx::query_as(&format!(
            "{} WHERE u.id = $1",
            $crate::store::accounts::USER_SELECT
        ))
        .bind($id)
        .fetch_one(&mut *$tx)
        .await?;
        $tx.commit().await?;
        Ok(row.into())
    }};
}
pub(crate) use audit_and_reload_user;

/// Writes an audit event on the given executor (a transaction, usually).
/// `subject_id` overrides the event's when the subject was only just created.
macro_rules! insert_audit {
    ($exec:expr, $event:expr, $subject_id:expr) => {
        sqlx::query($crate::store::accounts::AUDIT_INSERT)
            .bind($event.at)
            .bind($event.actor_user_id)
            .bind($event.action)
            .bind($event.subject_type)
            .bind($subject_id.or($event.subject_id))
            .bind(&$event.detail)
            .bind(&$event.ip)
            .execute($exec)
            .await
            .map_err($crate::store::StoreError::from_write)
    };
}
pub(crate) use insert_audit;

/// The [`AccountStore`] implementation, written once and expanded for each backend
/// type (which must have a `pool` field).
macro_rules! impl_account_store {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::AccountStore for $store {
            async fn create_org(
                &self,
                org: &$crate::store::NewOrg,
                audit: &$crate::store::AuditEvent,
            ) -> $crate::store::StoreResult<$crate::store::Organisation> {
                use $crate::store::StoreError;
                let mut tx = self.begin_write().await?;
                let (id,): (i64,) = sqlx::query_as(
                    "INSERT INTO organisations (name, kind, active, created_at) \
                     VALUES ($1, $2, TRUE, $3) RETURNING id",
                )
                .bind(&org.name)
                .bind(org.kind.as_str())
                .bind(audit.at)
                .fetch_one(&mut *tx)
                .await
                .map_err(StoreError::from_write)?;
                $crate::store::accounts::insert_audit!(&mut *tx, audit, Some(id))?;
                let row: $crate::store::OrgRow = sqlx::query_as(&format!(
                    "{} WHERE o.id = $1",
                    $crate::store::accounts::ORG_SELECT
                ))
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(row.into())
            }

            async fn update_org(
                &self,
                id: i64,
                org: &$crate::store::NewOrg,
                active: bool,
                audit: &$crate::store::AuditEvent,
            ) -> $crate::store::StoreResult<$crate::store::Organisation> {
                use $crate::store::StoreError;
                let mut tx = self.begin_write().await?;
                let updated = sqlx::query(
                    "UPDATE organisations SET name = $1, kind = $2, active = $3 WHERE id = $4",
                )
                .bind(&org.name)
                .bind(org.kind.as_str())
                .bind(active)
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(StoreError::from_write)?;
                if updated.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                $crate::store::accounts::insert_audit!(&mut *tx, audit, Some(id))?;
                let row: $crate::store::OrgRow = sqlx::query_as(&format!(
                    "{} WHERE o.id = $1",
                    $crate::store::accounts::ORG_SELECT
                ))
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(row.into())
            }

            async fn list_orgs(
                &self,
            ) -> $crate::store::StoreResult<Vec<$crate::store::Organisation>> {
                let rows: Vec<$crate::store::OrgRow> = sqlx::query_as(&format!(
                    "{} ORDER BY o.kind, lower(o.name)",
                    $crate::store::accounts::ORG_SELECT
                ))
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn get_org(
                &self,
                id: i64,
            ) -> $crate::store::StoreResult<Option<$crate::store::Organisation>> {
                let row: Option<$crate::store::OrgRow> = sqlx::query_as(&format!(
                    "{} WHERE o.id = $1",
                    $crate::store::accounts::ORG_SELECT
                ))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(Into::into))
            }

            async fn org_by_name(
                &self,
                name: &str,
            ) -> $crate::store::StoreResult<Option<$crate::store::Organisation>> {
                let row: Option<$crate::store::OrgRow> = sqlx::query_as(&format!(
                    "{} WHERE lower(o.name) = lower($1)",
                    $crate::store::accounts::ORG_SELECT
                ))
                .bind(name.trim())
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(Into::into))
            }

            async fn create_user(
                &self,
                user: &$crate::store::NewUser,
                audit: &$crate::store::AuditEvent,
            ) -> $crate::store::StoreResult<$crate::store::User> {
                use $crate::store::StoreError;
                let mut tx = self.begin_write().await?;
                let (id,): (i64,) = sqlx::query_as(
                    "INSERT INTO users (email, name, password_hash, role, org_id, locale, \
                     active, auth_epoch, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, TRUE, 0, $7, $7) RETURNING id",
                )
                .bind(&user.email)
                .bind(&user.name)
                .bind(&user.password_hash)
                .bind(user.role.as_str())
                .bind(user.org_id)
                .bind(&user.locale)
                .bind(audit.at)
                .fetch_one(&mut *tx)
                .await
                .map_err(StoreError::from_write)?;
                $crate::store::accounts::audit_and_reload_user!(tx, audit, id)
            }

            async fn user_by_id(
                &self,
                id: i64,
            ) -> $crate::store::StoreResult<Option<$crate::store::User>> {
                let row: Option<$crate::store::UserRow> = sqlx::query_as(&format!(
                    "{} WHERE u.id = $1",
                    $crate::store::accounts::USER_SELECT
                ))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(Into::into))
            }

            async fn user_by_email(
                &self,
                email: &str,
            ) -> $crate::store::StoreResult<Option<$crate::store::User>> {
                let row: Option<$crate::store::UserRow> = sqlx::query_as(&format!(
                    "{} WHERE u.email = $1",
                    $crate::store::accounts::USER_SELECT
                ))
                .bind(email)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(Into::into))
            }

            async fn list_users(&self) -> $crate::store::StoreResult<Vec<$crate::store::User>> {
                let rows: Vec<$crate::store::UserRow> = sqlx::query_as(&format!(
                    "{} ORDER BY u.active DESC, lower(o.name), lower(u.name), u.id",
                    $crate::store::accounts::USER_SELECT
                ))
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn count_active_admins(&self) -> $crate::store::StoreResult<i64> {
                let (n,): (i64,) = sqlx::query_as(
                    "SELECT COUNT(*) FROM users WHERE role = 'admin' AND active = TRUE",
                )
                .fetch_one(&self.pool)
                .await?;
                Ok(n)
            }

            async fn update_user(
                &self,
                id: i64,
                update: &$crate::store::UserUpdate,
                audit: &$crate::store::AuditEvent,
            ) -> $crate::store::StoreResult<$crate::store::User> {
                use $crate::store::StoreError;
                let mut tx = self.begin_write().await?;
                let done = sqlx::query(
                    "UPDATE users SET name = $1, role = $2, org_id = $3, updated_at = $4 \
                     WHERE id = $5",
                )
                .bind(&update.name)
                .bind(update.role.as_str())
                .bind(update.org_id)
                .bind(audit.at)
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(StoreError::from_write)?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                $crate::store::accounts::audit_and_reload_user!(tx, audit, id)
            }

            async fn set_user_active(
                &self,
                id: i64,
                active: bool,
                audit: &$crate::store::AuditEvent,
            ) -> $crate::store::StoreResult<$crate::store::User> {
                use $crate::store::StoreError;
                let mut tx = self.begin_write().await?;
                let done = sqlx::query(
                    "UPDATE users SET active = $1, updated_at = $2, \
                     auth_epoch = auth_epoch + (CASE WHEN $1 THEN 0 ELSE 1 END) WHERE id = $3",
                )
                .bind(active)
                .bind(audit.at)
                .bind(id)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                $crate::store::accounts::audit_and_reload_user!(tx, audit, id)
            }

            async fn set_password(
                &self,
                id: i64,
                hash: &str,
                audit: &$crate::store::AuditEvent,
            ) -> $crate::store::StoreResult<$crate::store::User> {
                use $crate::store::StoreError;
                let mut tx = self.begin_write().await?;
                let done = sqlx::query(
                    "UPDATE users SET password_hash = $1, auth_epoch = auth_epoch + 1, \
                     updated_at = $2 WHERE id = $3",
                )
                .bind(hash)
                .bind(audit.at)
                .bind(id)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                $crate::store::accounts::audit_and_reload_user!(tx, audit, id)
            }

            async fn end_sessions(
                &self,
                id: i64,
                audit: &$crate::store::AuditEvent,
            ) -> $crate::store::StoreResult<$crate::store::User> {
                use $crate::store::StoreError;
                let mut tx = self.begin_write().await?;
                let done = sqlx::query(
                    "UPDATE users SET auth_epoch = auth_epoch + 1, updated_at = $1 WHERE id = $2",
                )
                .bind(audit.at)
                .bind(id)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                $crate::store::accounts::audit_and_reload_user!(tx, audit, id)
            }

            async fn set_locale(
                &self,
                id: i64,
                locale: Option<&str>,
            ) -> $crate::store::StoreResult<()> {
                sqlx::query("UPDATE users SET locale = $1 WHERE id = $2")
                    .bind(locale)
                    .bind(id)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn create_api_token(
                &self,
                user_id: i64,
                label: &str,
                token_hash: &str,
                audit: &$crate::store::AuditEvent,
            ) -> $crate::store::StoreResult<$crate::store::ApiTokenRow> {
                use $crate::store::StoreError;
                let mut tx = self.begin_write().await?;
                let row: $crate::store::ApiTokenRow = sqlx::query_as(&format!(
                    "INSERT INTO api_tokens (user_id, label, token_hash, created_at) \
                     VALUES ($1, $2, $3, $4) RETURNING {}",
                    $crate::store::accounts::TOKEN_COLUMNS
                ))
                .bind(user_id)
                .bind(label)
                .bind(token_hash)
                .bind(audit.at)
                .fetch_one(&mut *tx)
                .await
                .map_err(StoreError::from_write)?;
                $crate::store::accounts::insert_audit!(&mut *tx, audit, Some(row.id))?;
                tx.commit().await?;
                Ok(row)
            }

            async fn list_api_tokens(
                &self,
                user_id: i64,
            ) -> $crate::store::StoreResult<Vec<$crate::store::ApiTokenRow>> {
                Ok(sqlx::query_as(&format!(
                    "SELECT {} FROM api_tokens WHERE user_id = $1 \
                     ORDER BY revoked_at IS NOT NULL, created_at DESC, id DESC",
                    $crate::store::accounts::TOKEN_COLUMNS
                ))
                .bind(user_id)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn revoke_api_token(
                &self,
                user_id: i64,
                token_id: i64,
                audit: &$crate::store::AuditEvent,
            ) -> $crate::store::StoreResult<()> {
                use $crate::store::StoreError;
                let mut tx = self.begin_write().await?;
                let done = sqlx::query(
                    "UPDATE api_tokens SET revoked_at = $1 \
                     WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL",
                )
                .bind(audit.at)
                .bind(token_id)
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                $crate::store::accounts::insert_audit!(&mut *tx, audit, Some(token_id))?;
                tx.commit().await?;
                Ok(())
            }

            async fn user_by_token_hash(
                &self,
                token_hash: &str,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::StoreResult<Option<$crate::store::User>> {
                let found: Option<(i64, i64)> = sqlx::query_as(
                    "SELECT t.id, t.user_id FROM api_tokens t JOIN users u ON u.id = t.user_id \
                     WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.active = TRUE",
                )
                .bind(token_hash)
                .fetch_optional(&self.pool)
                .await?;
                let Some((token_id, user_id)) = found else {
                    return Ok(None);
                };
                // Note the use at most once a minute, not on every request.
                sqlx::query(
                    "UPDATE api_tokens SET last_used_at = $1 \
                     WHERE id = $2 AND (last_used_at IS NULL OR last_used_at < $3)",
                )
                .bind(now)
                .bind(token_id)
                .bind(now - chrono::Duration::minutes(1))
                .execute(&self.pool)
                .await?;
                self.user_by_id(user_id).await
            }

            async fn signed_in_from(
                &self,
                user_id: i64,
                ip: &str,
                since: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::StoreResult<bool> {
                let found: Option<i64> = sqlx::query_scalar(
                    "SELECT id FROM audit_log WHERE subject_type = 'user' AND subject_id = $1 \
                     AND action = 'login.succeeded' AND ip = $2 AND at >= $3 LIMIT 1",
                )
                .bind(user_id)
                .bind(ip)
                .bind(since)
                .fetch_optional(&self.pool)
                .await?;
                Ok(found.is_some())
            }

            async fn record_login_failure(
                &self,
                email: &str,
                ip: &str,
                at: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::StoreResult<()> {
                let mut tx = self.begin_write().await?;
                // Old failures no longer count; forget them as we go.
                sqlx::query("DELETE FROM login_failures WHERE at < $1")
                    .bind(at - $crate::domain::login_throttle::WINDOW)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("INSERT INTO login_failures (email, ip, at) VALUES ($1, $2, $3)")
                    .bind(email)
                    .bind(ip)
                    .bind(at)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn recent_login_failures(
                &self,
                email: &str,
                ip: &str,
                since: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::StoreResult<(
                $crate::domain::login_throttle::RecentFailures,
                $crate::domain::login_throttle::RecentFailures,
            )> {
                use $crate::domain::login_throttle::RecentFailures;
                let (account_count, account_last): (i64, Option<chrono::DateTime<chrono::Utc>>) =
                    sqlx::query_as(
                        "SELECT COUNT(*), MAX(at) FROM login_failures \
                         WHERE email = $1 AND at >= $2",
                    )
                    .bind(email)
                    .bind(since)
                    .fetch_one(&self.pool)
                    .await?;
                let (ip_count, ip_last): (i64, Option<chrono::DateTime<chrono::Utc>>) =
                    sqlx::query_as(
                        "SELECT COUNT(*), MAX(at) FROM login_failures WHERE ip = $1 AND at >= $2",
                    )
                    .bind(ip)
                    .bind(since)
                    .fetch_one(&self.pool)
                    .await?;
                Ok((
                    RecentFailures {
                        count: account_count,
                        last_at: account_last,
                    },
                    RecentFailures {
                        count: ip_count,
                        last_at: ip_last,
                    },
                ))
            }

            async fn clear_login_failures(&self, email: &str) -> $crate::store::StoreResult<()> {
                sqlx::query("DELETE FROM login_failures WHERE email = $1")
                    .bind(email)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn record_audit(
                &self,
                event: &$crate::store::AuditEvent,
            ) -> $crate::store::StoreResult<()> {
                $crate::store::accounts::insert_audit!(&self.pool, event, None::<i64>)?;
                Ok(())
            }

            async fn audit_of(
                &self,
                subject_type: &str,
                subject_id: i64,
            ) -> $crate::store::StoreResult<Vec<$crate::store::AuditRow>> {
                Ok(sqlx::query_as(
                    "SELECT a.id, a.at, a.actor_user_id, u.name AS actor_name, a.action, \
                     a.subject_type, a.subject_id, a.detail, a.ip \
                     FROM audit_log a LEFT JOIN users u ON u.id = a.actor_user_id \
                     WHERE a.subject_type = $1 AND a.subject_id = $2 ORDER BY a.id",
                )
                .bind(subject_type)
                .bind(subject_id)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn list_audit(
                &self,
                before_id: Option<i64>,
                limit: i64,
            ) -> $crate::store::StoreResult<Vec<$crate::store::AuditRow>> {
                Ok(sqlx::query_as(
                    "SELECT a.id, a.at, a.actor_user_id, u.name AS actor_name, a.action, \
                     a.subject_type, a.subject_id, a.detail, a.ip \
                     FROM audit_log a LEFT JOIN users u ON u.id = a.actor_user_id \
                     WHERE ($1 IS NULL OR a.id < $1) ORDER BY a.id DESC LIMIT $2",
                )
                .bind(before_id)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?)
            }
        }
    };
}
pub(crate) use impl_account_store;
