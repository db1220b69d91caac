//! The SQLite backend: the embedded default (one file, created on first start).

use std::str::FromStr;
use std::time::Duration;

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
}

impl SqliteStore {
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        let options = SqliteConnectOptions::from_str(url)
            .with_context(|| format!("invalid SQLite URL {url}"))?
            .create_if_missing(true)
            // WAL lets readers run beside the one writer; NORMAL is durable in WAL mode
            // except for the last transactions on power loss (not on a process crash).
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            // Read pages through the OS page cache without copying, and keep more of
            // the indexes hot per connection (large federations search a lot).
            .pragma("mmap_size", "1073741824")
            .pragma("cache_size", "-32000");
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await
            .with_context(|| format!("cannot open the SQLite database {url}"))?;
        Ok(SqliteStore { pool })
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
    async fn count_upto(
        pool: &SqlitePool,
        sql: &str,
        binds: Vec<Bind>,
    ) -> Result<i64, sqlx::Error> {
        let sql = format!("SELECT COUNT(*) FROM ({sql}) AS counted");
        let mut q = sqlx::query_as::<_, (i64,)>(&sql);
        for b in binds {
            q = match b {
                Bind::Int(v) => q.bind(v),
                Bind::Text(v) => q.bind(v),
                Bind::Date(v) => q.bind(v),
                Bind::Float(v) => q.bind(v),
            };
        }
        Ok(q.fetch_one(pool).await?.0)
    }

    /// Chooses how to run a search from two bounded counts — how many findings match
    /// the words, how many pass the filters — with a simple cost model measured on this
    /// machine (see `examples/bench.rs`): collecting a match from the full-text index
    /// and joining it costs about 1.2 µs, reading a finding to check its terms about
    /// 4 µs, joining a streamed match about 2.5 µs. `for_pool`: the rows feed relevance
    /// ranking, so recent matches in any order will do.
    pub(crate) async fn choose_plan(
        pool: &SqlitePool,
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
        let matches = Self::count_upto(pool, &text_sql, text_binds).await?;
        if matches <= FEW {
            return Ok(Plan::TextFirst);
        }
        let (total,): (Option<i64>,) = sqlx::query_as("SELECT MAX(id) FROM findings")
            .fetch_one(pool)
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
            Self::count_upto(pool, &sql, binds).await?
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

    async fn analyze(&self) -> StoreResult<()> {
        sqlx::query("ANALYZE").execute(&self.pool).await?;
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
