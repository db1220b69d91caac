//! Row types shared by both databases (decoded with `FromRow` at run time).

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::domain::account::OrgKind;
use crate::domain::role::Role;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OrgRow {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    /// Active members (computed in the listing query).
    pub member_count: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Organisation {
    pub id: i64,
    pub name: String,
    pub kind: OrgKind,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub member_count: i64,
}

impl From<OrgRow> for Organisation {
    fn from(r: OrgRow) -> Self {
        Organisation {
            id: r.id,
            name: r.name,
            // The CHECK constraint keeps the column to the two known kinds.
            kind: r.kind.parse().unwrap_or(OrgKind::Member),
            active: r.active,
            created_at: r.created_at,
            member_count: r.member_count,
        }
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserRow {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub password_hash: String,
    pub role: String,
    pub org_id: i64,
    pub org_name: String,
    pub locale: Option<String>,
    pub active: bool,
    pub auth_epoch: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A user account. The password hash stays inside the store and login code.
#[derive(Debug, Clone)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub password_hash: String,
    pub role: Role,
    pub org_id: i64,
    pub org_name: String,
    pub locale: Option<String>,
    pub active: bool,
    pub auth_epoch: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<UserRow> for User {
    fn from(r: UserRow) -> Self {
        User {
            id: r.id,
            email: r.email,
            name: r.name,
            password_hash: r.password_hash,
            // The CHECK constraint keeps the column to the five known roles;
            // should it ever not, the least powerful role is the safe reading.
            role: r.role.parse().unwrap_or(Role::Viewer),
            org_id: r.org_id,
            org_name: r.org_name,
            locale: r.locale,
            active: r.active,
            auth_epoch: r.auth_epoch,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ApiTokenRow {
    pub id: i64,
    pub user_id: i64,
    pub label: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AuditRow {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor_user_id: Option<i64>,
    pub actor_name: Option<String>,
    pub action: String,
    pub subject_type: Option<String>,
    pub subject_id: Option<i64>,
    pub detail: String,
    pub ip: Option<String>,
}
