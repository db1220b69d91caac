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
            .busy_timeout(Duration::from_secs(10));
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
super::findings::impl_finding_tx!(SqliteStore, sqlx::Sqlite);

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

    /// Chooses how to run a search from two bounded counts: how many findings match the
    /// words, and (when that is many) how many pass the filters. `for_pool`: the rows
    /// feed relevance ranking, so any recent matches will do rather than date order.
    pub(crate) async fn choose_plan(
        pool: &SqlitePool,
        query: &FindingQuery,
        for_pool: bool,
    ) -> Result<Plan, sqlx::Error> {
        if query.terms.is_empty() {
            return Ok(Plan::TextFirst);
        }
        let (sql, binds) = (
            "SELECT rowid FROM findings_fts WHERE findings_fts MATCH $1 LIMIT $2".to_string(),
            vec![
                Bind::Text(Self::match_expression(&query.terms)),
                Bind::Int(FEW + 1),
            ],
        );
        if Self::count_upto(pool, &sql, binds).await? <= FEW {
            return Ok(Plan::TextFirst);
        }
        if query.has_filters() {
            let filters_only = FindingQuery {
                terms: Vec::new(),
                after: None,
                ..query.clone()
            };
            let (sql, binds) =
                build_search::<Self>(&filters_only, Plan::FiltersFirst, Select::Ids, FEW + 1);
            if Self::count_upto(pool, &sql, binds).await? <= FEW {
                return Ok(Plan::FiltersFirst);
            }
        }
        Ok(if for_pool {
            Plan::RecentWalk
        } else {
            Plan::DateWalk
        })
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
            Plan::TextFirst | Plan::RecentWalk => TextSource {
                from: "findings_fts JOIN findings f ON f.id = findings_fts.rowid".into(),
                condition: format!("findings_fts MATCH ${param}"),
            },
            // Otherwise take findings through their own indexes (the filters', or the
            // date order) and probe the full-text index for each.
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
