//! The PostgreSQL backend: how a deployment grows past one machine (several stateless
//! app instances on one database).

use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use async_trait::async_trait;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, PgPool};

use super::findings::{
    FindingQuery, FindingSort, Plan, SearchDialect, Select, TextSource, build_search,
};
use super::sessions::SessionBackend;
use super::{Backend, Store, StoreResult, redact_url};
use crate::domain::search_text::QueryTerm;

pub struct PgStore {
    pub(crate) pool: PgPool,
}

/// A pooled connection idle for longer than this is pinged before it is used.
const PING_IF_IDLE_FOR: Duration = Duration::from_millis(250);

impl PgStore {
    pub async fn connect_with(url: &str, connections: u32) -> anyhow::Result<Self> {
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
            .max_connections(connections)
            // When the database is away a request waits at most this long for a
            // connection, then gets 503 `unavailable` (never a hang).
            .acquire_timeout(Duration::from_secs(10))
            // sqlx pings each connection as it goes back to the pool, so one handed out
            // soon after was alive a moment ago. One idle for longer is pinged before
            // it is handed out: after the network was cut, the dead ones are replaced
            // by themselves and the first request afterwards already succeeds
            // (tests/integration/crash.rs). Pinging every one (the default) was a second
            // round trip for every query under load.
            .test_before_acquire(false)
            .before_acquire(|conn, meta| {
                Box::pin(async move {
                    if meta.idle_for > PING_IF_IDLE_FOR {
                        use sqlx::Connection;
                        conn.ping().await?;
                    }
                    Ok(true)
                })
            })
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
    /// PostgreSQL's planner weighs the GIN index against the others itself, with one
    /// exception: newest first, a word that many findings hold is found sooner by
    /// walking the date (or area) index and checking each finding's own terms than by
    /// fetching and sorting all its matches, as GIN gives them in no order (a common
    /// word: a hundred thousand rows, seconds). The planner cannot see the terms inside
    /// `search_terms`, so it does not know that; its own estimate of how many findings
    /// hold the words (planning only, nothing read) decides. Measured with
    /// scripts/load.sh on a million findings, with the windows of `recent_windows`: 4
    /// searches a second before, 78 after. (Weighing the filters' estimates in too
    /// chose worse: 3.5 a second.)
    pub(crate) async fn choose_plan(
        &self,
        query: &FindingQuery,
        for_pool: bool,
    ) -> Result<Plan, sqlx::Error> {
        let newest_first = for_pool || query.sort == FindingSort::Newest;
        if query.terms.is_empty() || !newest_first {
            return Ok(Plan::TextFirst);
        }
        let words_only = FindingQuery {
            terms: query.terms.clone(),
            ..FindingQuery::default()
        };
        Ok(
            if self.estimated_rows(&words_only).await? >= COMMON_WORD_MATCHES {
                Plan::DateWalk
            } else {
                Plan::TextFirst
            },
        )
    }

    /// The planner's estimate of how many findings the search gives, unlimited.
    async fn estimated_rows(&self, query: &FindingQuery) -> Result<f64, sqlx::Error> {
        let (sql, binds) = build_search::<Self>(query, Plan::TextFirst, Select::Ids, i64::MAX);
        let explain = format!("EXPLAIN (FORMAT JSON) {sql}");
        // The LIMIT node would cap the estimate; its input holds the full one.
        let mut q = sqlx::query_as::<_, (serde_json::Value,)>(&explain);
        q = super::findings::bind_all!(q, binds);
        let (plan,) = q.fetch_one(&self.pool).await?;
        let top = &plan[0]["Plan"];
        let rows = if top["Node Type"] == "Limit" {
            &top["Plans"][0]["Plan Rows"]
        } else {
            &top["Plan Rows"]
        };
        Ok(rows.as_f64().unwrap_or(0.0))
    }
}

/// Words held by at least this many findings (estimated) are searched by walking an
/// index in date order (see [`PgStore::choose_plan`]).
const COMMON_WORD_MATCHES: f64 = 20_000.0;

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

    /// Recent findings are the ones many searches read, so they stay in PostgreSQL's
    /// buffers: a search that finds enough of them reads nothing else. Without the
    /// windows, sixteen concurrent searches each walking back through a whole area
    /// pushed each other's pages out (4.6 searches a second against 78 with them).
    fn recent_windows() -> &'static [i64] {
        &[60, 365, 4 * 365]
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
