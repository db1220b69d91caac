//! The SQLite backend: the embedded default (one file, created on first start).

use std::collections::HashMap;
use std::str::FromStr;
use std::time::{Duration, Instant};

use anyhow::Context;
use async_trait::async_trait;
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use super::findings::{
    Bind, FEW, FindingQuery, Plan, SearchDialect, Select, TextSource, build_search,
};
use super::sessions::SessionBackend;
use super::{Backend, Store, StoreResult};
use crate::domain::search_text::QueryTerm;

pub struct SqliteStore {
    pub(crate) pool: SqlitePool,
    /// The counts searches were planned from, for a while (see [`PLAN_COUNTS_FOR`]).
    plan_counts: std::sync::Mutex<HashMap<String, (Instant, i64)>>,
}

/// How long a count a search was planned from is reused. The counts only choose the
/// order in which a search reads its indexes (every plan gives the same findings), so
/// one a little old costs at worst a slower plan; counting the matches of a common word
/// anew for every search was two thirds of the search's time (2–12 ms of up to 100,000
/// index entries each).
const PLAN_COUNTS_FOR: Duration = Duration::from_secs(60);
/// Counts kept at most (words and filters searched in the last minute).
const PLAN_COUNTS_KEPT: usize = 4096;

impl SqliteStore {
    pub async fn connect_with(url: &str, connections: u32) -> anyhow::Result<Self> {
        let options = SqliteConnectOptions::from_str(url)
            .with_context(|| format!("invalid SQLite URL {url}"))?
            .create_if_missing(true)
            // WAL lets readers run beside the one writer; NORMAL is durable in WAL mode
            // except for the last transactions on power loss (not on a process crash).
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            // Read pages through the OS page cache without copying, up to SQLite's
            // limit (2 GB unless built otherwise; a million findings take 1.5 GB, and
            // with 1 GB the full-text index, written last, was read by system calls
            // into each connection's cache), and keep more of the indexes hot per
            // connection (large federations search a lot).
            .pragma("mmap_size", "2147418112")
            .pragma("cache_size", "-32000");
        let pool = SqlitePoolOptions::new()
            .max_connections(connections)
            // sqlx pings a connection when it goes back to the pool; pinging it again
            // on the way out (the default) is one more trip to its thread per query,
            // and a local file cannot have hung up in between.
            .test_before_acquire(false)
            .connect_with(options)
            .await
            .with_context(|| format!("cannot open the SQLite database {url}"))?;
        Ok(SqliteStore {
            pool,
            plan_counts: Default::default(),
        })
    }
}

super::accounts::impl_account_store!(SqliteStore);
super::findings::impl_finding_store!(SqliteStore);
super::issues::impl_issue_store!(SqliteStore);
super::recurrence::impl_recurrence_store!(SqliteStore);
super::lifecycle::impl_lifecycle_store!(SqliteStore);
super::inbox::impl_inbox_store!(SqliteStore);
super::parameters::impl_parameter_store!(SqliteStore);
super::proposals::impl_proposal_store!(SqliteStore);
super::reports::impl_report_store!(SqliteStore);
super::dashboards::impl_dashboard_store!(SqliteStore);
super::findings::impl_finding_tx!(SqliteStore, sqlx::Sqlite);

impl SqliteStore {
    /// A write transaction. On SQLite it takes the write lock at BEGIN (IMMEDIATE): a
    /// deferred transaction that reads first and writes later fails with
    /// SQLITE_BUSY_SNAPSHOT ("database is locked", code 517) when another writer
    /// commits in between, and no busy timeout can wait that out — concurrent writers
    /// got a 500 (found by the crash test). Read-only transactions keep `pool.begin()`.
    pub(crate) async fn begin_write(
        &self,
    ) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
        self.pool.begin_with("BEGIN IMMEDIATE").await
    }
}

impl SqliteStore {
    /// The finding counts from the findings (see migration 0020): the district is the
    /// second step of the locality path.
    /// Calendar days from a submission `s` to its first answer.
    pub(crate) const DAYS_TO_FIRST_ANSWER: &str =
        "CAST(julianday(s.answer_first_on) - julianday(s.submitted_on) AS INTEGER)";

    pub(crate) const RECOUNT_FINDINGS: &str = "INSERT INTO finding_counts (month, policy_area_id, district_id, org_id, findings) \
         SELECT substr(observed_on, 1, 7), policy_area_id, \
         COALESCE(CAST(NULLIF(substr(rest, 1, instr(rest, '/') - 1), '') AS INTEGER), 0), org_id, COUNT(*) \
         FROM (SELECT observed_on, policy_area_id, org_id, substr(locality_path, instr(substr(locality_path, 2), '/') + 2) AS rest \
               FROM findings WHERE deleted_at IS NULL) GROUP BY 1, 2, 3, 4";
}

impl SqliteStore {
    /// Puts a finding's search terms into the FTS5 index (replacing earlier ones).
    pub(crate) async fn index_finding(
        tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
        id: i64,
        terms: &str,
    ) -> Result<(), sqlx::Error> {
        Self::unindex_finding(tx, id).await?;
        sqlx::query("INSERT INTO findings_fts (rowid, search_terms) VALUES ($1, $2)")
            .bind(id)
            .bind(terms)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    pub(crate) async fn unindex_finding(
        tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
        id: i64,
    ) -> Result<(), sqlx::Error> {
        sqlx::query("DELETE FROM findings_fts WHERE rowid = $1")
            .bind(id)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }
}

impl SqliteStore {
    /// Counts rows of an id query, stopping at `FEW + 1` (so common words stay cheap).
    /// How many rows `sql` gives, counting at most its own LIMIT; reused for
    /// [`PLAN_COUNTS_FOR`].
    async fn count_upto(&self, sql: &str, binds: Vec<Bind>) -> Result<i64, sqlx::Error> {
        let key = format!("{sql}\u{0}{binds:?}");
        if let Some((at, n)) = self.plan_counts.lock().expect("plan counts").get(&key)
            && at.elapsed() < PLAN_COUNTS_FOR
        {
            return Ok(*n);
        }
        let sql = format!("SELECT COUNT(*) FROM ({sql}) AS counted");
        let mut q = sqlx::query_as::<_, (i64,)>(&sql);
        q = super::findings::bind_all!(q, binds);
        let n = q.fetch_one(&self.pool).await?.0;
        let mut counts = self.plan_counts.lock().expect("plan counts");
        if counts.len() >= PLAN_COUNTS_KEPT {
            counts.clear();
        }
        counts.insert(key, (Instant::now(), n));
        Ok(n)
    }

    /// Chooses how to run a search from two bounded counts — how many findings match
    /// the words, how many pass the filters — with a simple cost model measured on this
    /// machine (see `examples/bench.rs`): collecting a match from the full-text index
    /// and joining it costs about 1.2 µs, reading a finding to check its terms about
    /// 4 µs, joining a streamed match about 2.5 µs. `for_pool`: the rows feed relevance
    /// ranking, so recent matches in any order will do.
    pub(crate) async fn choose_plan(
        &self,
        query: &FindingQuery,
        for_pool: bool,
    ) -> Result<Plan, sqlx::Error> {
        if query.terms.is_empty() {
            return Ok(Plan::TextFirst);
        }
        const CAP: i64 = 100_000;
        const FILTER_CAP: i64 = 20_000;
        let text_sql =
            "SELECT rowid FROM findings_fts WHERE findings_fts MATCH $1 LIMIT $2".to_string();
        let text_binds = vec![
            Bind::Text(Self::match_expression(&query.terms)),
            Bind::Int(CAP),
        ];
        let matches = self.count_upto(&text_sql, text_binds).await?;
        if matches <= FEW {
            return Ok(Plan::TextFirst);
        }
        let (total,): (Option<i64>,) = sqlx::query_as("SELECT MAX(id) FROM findings")
            .fetch_one(&self.pool)
            .await?;
        let total = total.unwrap_or(1).max(1) as f64;
        let passing = if query.has_filters() {
            let filters_only = FindingQuery {
                terms: Vec::new(),
                after: None,
                ..query.clone()
            };
            // Beyond this many, checking each against the index never beats the others.
            let (sql, binds) =
                build_search::<Self>(&filters_only, Plan::FiltersFirst, Select::Ids, FILTER_CAP);
            self.count_upto(&sql, binds).await?
        } else {
            total as i64
        };
        // Past the cap the filters are known only to be broad: guess a fifth of all.
        let passing = if passing >= FILTER_CAP && query.has_filters() {
            ((total * 0.2) as i64).max(FILTER_CAP)
        } else {
            passing
        };
        let (f, r) = (matches.max(1) as f64, passing.max(1) as f64);
        let need = if for_pool {
            super::findings::RELEVANCE_POOL
        } else {
            query.limit + 1
        } as f64;
        // Microseconds per row, measured with examples/bench.rs on a million findings.
        let text_first = f * 2.7;
        let filters_first = if passing < FILTER_CAP {
            r * 10.0
        } else {
            f64::INFINITY
        };
        // Walking in order until `need` rows pass both the words and the filters.
        let density = (f / total) * (r / total);
        let walk = if for_pool {
            // Streaming the full-text index newest first: each match is joined and filtered.
            need / (r / total) * 24.0
        } else {
            need / density * 4.0
        };
        let plan = if text_first <= filters_first && text_first <= walk {
            Plan::TextFirst
        } else if filters_first <= walk {
            Plan::FiltersFirst
        } else if for_pool {
            Plan::RecentWalk
        } else {
            Plan::DateWalk
        };
        tracing::debug!(?plan, matches, passing, "search plan");
        Ok(plan)
    }
}

impl SearchDialect for SqliteStore {
    fn recent_order() -> &'static str {
        "findings_fts.rowid DESC"
    }

    /// FTS5 syntax: quoted terms are ANDed; `term*` is a prefix.
    fn match_expression(terms: &[QueryTerm]) -> String {
        terms
            .iter()
            .map(|t| {
                if t.prefix {
                    format!("{}*", t.term)
                } else {
                    format!("\"{}\"", t.term)
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn text_source(param: usize, plan: Plan) -> TextSource {
        match plan {
            // Few matches: collect them from the index, then filter and sort; or stream
            // them newest-recorded first (the rowid order of the index) for a pool.
            // CROSS JOIN keeps the index as the outer loop: SQLite must not turn this into
            // a walk over findings probing the index once per row.
            Plan::TextFirst | Plan::RecentWalk => TextSource {
                from: "findings_fts CROSS JOIN findings f ON f.id = findings_fts.rowid".into(),
                condition: format!("findings_fts MATCH ${param}"),
            },
            // The other plans check each finding's own terms (see `build_search`).
            Plan::FiltersFirst | Plan::DateWalk => TextSource {
                from: "findings f".into(),
                condition: format!(
                    "EXISTS (SELECT 1 FROM findings_fts WHERE findings_fts.rowid = f.id AND findings_fts MATCH ${param})"
                ),
            },
        }
    }
}

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> Backend {
        Backend::Sqlite
    }

    fn session_store(&self) -> SessionBackend {
        SessionBackend::Sqlite(tower_sessions_sqlx_store::SqliteStore::new(
            self.pool.clone(),
        ))
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Table and index sizes for the planner, without STAT4's samples of values: with
    /// samples, SQLite prepares a statement again whenever the values bound to it
    /// change, in case another plan suits them better — on the issue page that was 360
    /// preparations per 40 views, 13 % of its instructions (callgrind). Searches choose
    /// their plans from counts in Rust anyway (`choose_plan`).
    async fn analyze(&self) -> StoreResult<()> {
        sqlx::query("ANALYZE").execute(&self.pool).await?;
        let (samples,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM sqlite_master WHERE name = 'sqlite_stat4'")
                .fetch_one(&self.pool)
                .await?;
        if samples > 0 {
            sqlx::query("DELETE FROM sqlite_stat4")
                .execute(&self.pool)
                .await?;
        }
        // Reloads the statistics on this connection; the others see the change.
        sqlx::query("ANALYZE sqlite_schema")
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn migrate(&self) -> anyhow::Result<()> {
        super::migrate::sqlite()
            .run(&self.pool)
            .await
            .context("applying SQLite migrations")
    }

    async fn close(&self) {
        self.pool.close().await;
    }
}
