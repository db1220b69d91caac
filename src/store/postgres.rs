//! The PostgreSQL backend: how a deployment grows past one machine (several stateless
//! app instances on one database).

use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use async_trait::async_trait;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, PgPool};

use super::findings::{FindingQuery, Plan, SearchDialect, TextSource};
use super::sessions::SessionBackend;
use super::{Backend, Store, StoreResult, redact_url};
use crate::domain::search_text::QueryTerm;

pub struct PgStore {
    pub(crate) pool: PgPool,
}

impl PgStore {
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        let shown = redact_url(url);
        let options = PgConnectOptions::from_str(url)
            .with_context(|| format!("invalid PostgreSQL URL {shown}"))?;
        // One direct connection first: a refused or unknown host is reported as such,
        // not as a pool timeout.
        let probe = options
            .connect()
            .await
            .with_context(|| format!("cannot connect to PostgreSQL at {shown}"))?;
        probe.close().await.ok();
        let pool = PgPoolOptions::new()
            .max_connections(16)
            // When the database is away a request waits at most this long for a
            // connection, then gets 503 `unavailable` (never a hang).
            .acquire_timeout(Duration::from_secs(10))
            // Each connection is pinged before it is handed out: after the network was
            // cut, the dead ones are replaced by themselves and the first request
            // afterwards already succeeds (tests/integration/crash.rs).
            .test_before_acquire(true)
            .connect_with(options)
            .await
            .with_context(|| format!("cannot connect to PostgreSQL at {shown}"))?;
        Ok(PgStore { pool })
    }
}

super::accounts::impl_account_store!(PgStore);
super::findings::impl_finding_store!(PgStore);
super::issues::impl_issue_store!(PgStore);
super::recurrence::impl_recurrence_store!(PgStore);
super::lifecycle::impl_lifecycle_store!(PgStore);
super::inbox::impl_inbox_store!(PgStore);
super::parameters::impl_parameter_store!(PgStore);
super::proposals::impl_proposal_store!(PgStore);
super::reports::impl_report_store!(PgStore);
super::dashboards::impl_dashboard_store!(PgStore);
super::findings::impl_finding_tx!(PgStore, sqlx::Postgres);

impl PgStore {
    /// A write transaction (the same as any other on PostgreSQL; see
    /// `SqliteStore::begin_write`).
    pub(crate) async fn begin_write(
        &self,
    ) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error> {
        self.pool.begin().await
    }
}

impl PgStore {
    /// The finding counts from the findings (see migration 0020): the district is the
    /// second step of the locality path.
    /// Calendar days from a submission `s` to its first answer.
    pub(crate) const DAYS_TO_FIRST_ANSWER: &str =
        "CAST(s.answer_first_on - s.submitted_on AS BIGINT)";

    pub(crate) const RECOUNT_FINDINGS: &str = "INSERT INTO finding_counts (month, policy_area_id, district_id, org_id, findings) \
         SELECT to_char(observed_on, 'YYYY-MM'), policy_area_id, \
         COALESCE(NULLIF(split_part(locality_path, '/', 3), '')::BIGINT, 0), org_id, COUNT(*) \
         FROM findings WHERE deleted_at IS NULL GROUP BY 1, 2, 3, 4";
}

impl PgStore {
    /// Nothing to do: `findings.search_vector` is a generated column.
    pub(crate) async fn index_finding(
        _tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
        _id: i64,
        _terms: &str,
    ) -> Result<(), sqlx::Error> {
        Ok(())
    }

    pub(crate) async fn unindex_finding(
        _tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
        _id: i64,
    ) -> Result<(), sqlx::Error> {
        Ok(())
    }
}

impl PgStore {
    /// PostgreSQL's planner weighs the GIN index against the others itself.
    pub(crate) async fn choose_plan(
        _pool: &PgPool,
        _query: &FindingQuery,
        _for_pool: bool,
    ) -> Result<Plan, sqlx::Error> {
        Ok(Plan::TextFirst)
    }
}

impl SearchDialect for PgStore {
    fn unindexed(column: &str) -> String {
        column.to_string()
    }

    fn contains(haystack: &str, needle: &str) -> String {
        format!("strpos({haystack}, {needle}) > 0")
    }

    /// tsquery syntax: `&` between terms; `term:*` is a prefix.
    fn match_expression(terms: &[QueryTerm]) -> String {
        terms
            .iter()
            .map(|t| {
                if t.prefix {
                    format!("{}:*", t.term)
                } else {
                    t.term.clone()
                }
            })
            .collect::<Vec<_>>()
            .join(" & ")
    }

    fn text_source(param: usize, _plan: Plan) -> TextSource {
        // PostgreSQL's planner weighs the GIN index against the date index itself.
        TextSource {
            from: "findings f".into(),
            condition: format!("f.search_vector @@ to_tsquery('simple', ${param})"),
        }
    }
}

#[async_trait]
impl Store for PgStore {
    fn backend(&self) -> Backend {
        Backend::Postgres
    }

    fn session_store(&self) -> SessionBackend {
        SessionBackend::Postgres(tower_sessions_sqlx_store::PostgresStore::new(
            self.pool.clone(),
        ))
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn analyze(&self) -> StoreResult<()> {
        sqlx::query("ANALYZE").execute(&self.pool).await?;
        Ok(())
    }

    async fn migrate(&self) -> anyhow::Result<()> {
        super::migrate::postgres()
            .run(&self.pool)
            .await
            .context("applying PostgreSQL migrations")
    }

    async fn close(&self) {
        self.pool.close().await;
    }
}
