//! Persistence. One object-safe [`Store`] trait made of one sub-trait per capability,
//! implemented once per database ([`sqlite::SqliteStore`], [`postgres::PgStore`]).
//!
//! Queries are written once, in the dialect both databases share (`$1` placeholders,
//! `RETURNING`, `ON CONFLICT`), inside a macro per capability that is expanded for each
//! backend (see `accounts.rs`). Where the dialects really differ, the backend module
//! implements that method itself.

use std::sync::Arc;

use async_trait::async_trait;

pub mod accounts;
pub mod dashboards;
pub mod findings;
pub mod inbox;
pub mod issues;
pub mod lifecycle;
pub mod migrate;
pub mod parameters;
pub mod postgres;
pub mod proposals;
pub mod recurrence;
pub mod reports;
pub mod rows;
pub mod sessions;
pub mod sqlite;

pub use accounts::{AccountStore, AuditEvent, NewOrg, NewUser, UserUpdate};
pub use findings::FindingStore;
pub use rows::*;

/// Errors a caller can act on; everything else is `Database`.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique constraint said no (an e-mail or an organisation name already in use).
    #[error("conflict: the value is already in use")]
    Conflict,
    #[error("not found")]
    NotFound,
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

impl StoreError {
    /// Maps unique-constraint violations to [`StoreError::Conflict`]: the database
    /// decides, so there is no check-then-insert race.
    pub fn from_write(err: sqlx::Error) -> Self {
        match &err {
            sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict,
            sqlx::Error::RowNotFound => StoreError::NotFound,
            _ => StoreError::Database(err),
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Everything the application keeps. Object-safe: the app holds an `Arc<dyn Store>`.
#[async_trait]
pub trait Store:
    AccountStore
    + findings::FindingStore
    + issues::IssueStore
    + recurrence::RecurrenceStore
    + lifecycle::LifecycleStore
    + inbox::InboxStore
    + parameters::ParameterStore
    + proposals::ProposalStore
    + reports::ReportStore
    + dashboards::DashboardStore
    + Send
    + Sync
    + 'static
{
    fn backend(&self) -> Backend;
    /// The tower-sessions store on the same database.
    fn session_store(&self) -> sessions::SessionBackend;
    /// Answers whether the database is reachable (for `/healthz`).
    async fn ping(&self) -> StoreResult<()>;
    /// Refreshes the planner's statistics (after a bulk load).
    async fn analyze(&self) -> StoreResult<()>;
    /// Applies pending migrations.
    async fn migrate(&self) -> anyhow::Result<()>;
    async fn close(&self);
}

pub type DynStore = Arc<dyn Store>;

/// Connects to `url` (`sqlite:` or `postgres://`), creating a SQLite file if needed.
/// Does not migrate: call [`Store::migrate`].
pub async fn connect(url: &str) -> anyhow::Result<DynStore> {
    connect_with(url, None).await
}

/// As [`connect`], with `connections` pooled (`None`: the backend's default).
pub async fn connect_with(url: &str, connections: Option<u32>) -> anyhow::Result<DynStore> {
    let connections = connections.filter(|n| *n > 0);
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(
            postgres::PgStore::connect_with(url, connections.unwrap_or(16)).await?,
        ))
    } else if url.starts_with("sqlite:") {
        Ok(Arc::new(
            sqlite::SqliteStore::connect_with(url, connections.unwrap_or(4)).await?,
        ))
    } else {
        anyhow::bail!(
            "unsupported database URL {}: use sqlite:PATH or postgres://…",
            redact_url(url)
        )
    }
}

/// The URL with any password replaced by `***`, for messages and logs.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        Ok(_) => url.to_string(),
        Err(_) => "(unparseable URL)".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_appear_in_redacted_urls() {
        assert_eq!(
            redact_url("postgres://app:s3cret@db.internal:5432/gs"),
            "postgres://app:***@db.internal:5432/gs"
        );
        assert_eq!(redact_url("postgres://app@db/gs"), "postgres://app@db/gs");
        assert_eq!(redact_url("sqlite:groundswell.db"), "sqlite:groundswell.db");
    }
}
