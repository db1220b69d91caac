//! Roles and what each may do (DESIGN.md, "Who uses it").

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Records findings from casework; sees issues; comments.
    Worker,
    /// Groups findings into advocacy issues, drafts proposals, records submissions.
    Senior,
    /// Approves proposals, sees across organisations, tracks outcomes.
    Coordinator,
    /// Manages users, organisations, departments and settings.
    Admin,
    /// Read-only access to issues and dashboards.
    Viewer,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Worker,
        Role::Senior,
        Role::Coordinator,
        Role::Admin,
        Role::Viewer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Worker => "worker",
            Role::Senior => "senior",
            Role::Coordinator => "coordinator",
            Role::Admin => "admin",
            Role::Viewer => "viewer",
        }
    }

    /// Message-catalogue key of the role's display name.
    pub fn label_key(self) -> &'static str {
        match self {
            Role::Worker => "role.worker",
            Role::Senior => "role.senior",
            Role::Coordinator => "role.coordinator",
            Role::Admin => "role.admin",
            Role::Viewer => "role.viewer",
        }
    }

    pub fn can(self, permission: Permission) -> bool {
        use Permission::*;
        match permission {
            ManageAccounts | ViewAuditLog => self == Role::Admin,
            UseApi | ManageOwnAccount => true,
        }
    }
}

/// Something a role may or may not do. Later capabilities add their own variants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Create users and organisations, change roles, deactivate accounts.
    ManageAccounts,
    /// Read the audit log of logins and account changes.
    ViewAuditLog,
    /// Change one's own password, language and API tokens.
    ManageOwnAccount,
    /// Call the JSON API (each endpoint still checks its own permission).
    UseApi,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role `{0}`: expected one of worker, senior, coordinator, admin, viewer")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s.trim().to_ascii_lowercase())
            .ok_or_else(|| UnknownRole(s.to_string()))
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_through_text() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>().unwrap(), role);
        }
        assert_eq!(" Admin ".parse::<Role>().unwrap(), Role::Admin);
    }

    #[test]
    fn an_unknown_role_is_refused_with_the_valid_ones_named() {
        let err = "superuser".parse::<Role>().unwrap_err();
        assert!(err.to_string().contains("worker, senior"));
    }

    #[test]
    fn only_admins_manage_accounts() {
        for role in Role::ALL {
            assert_eq!(role.can(Permission::ManageAccounts), role == Role::Admin);
            assert!(role.can(Permission::ManageOwnAccount));
        }
    }
}
