//! The SQLite backend: the embedded default (one file, created on first start).

use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use async_trait::async_trait;
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use super::findings::{SearchDialect, TextSource};
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
    /// Whether the expression matches more than `MANY_MATCHES` findings (counting stops
    /// there, so this stays cheap for common words).
    pub(crate) async fn many_matches(
        pool: &SqlitePool,
        expression: &str,
    ) -> Result<bool, sqlx::Error> {
        let (n,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM (SELECT rowid FROM findings_fts WHERE findings_fts MATCH $1 LIMIT $2)",
        )
        .bind(expression)
        .bind(super::findings::MANY_MATCHES + 1)
        .fetch_one(pool)
        .await?;
        Ok(n > super::findings::MANY_MATCHES)
    }
}

impl SearchDialect for SqliteStore {
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

    fn text_source(param: usize, many: bool) -> TextSource {
        if many {
            // Walk findings in date order and probe the index for each row: a common
            // word then needs only a few probes per page.
            TextSource {
                from: "findings f".into(),
                condition: format!(
                    "EXISTS (SELECT 1 FROM findings_fts WHERE findings_fts.rowid = f.id AND findings_fts MATCH ${param})"
                ),
            }
        } else {
            // Few matches: collect them from the index, then sort.
            TextSource {
                from: "findings_fts JOIN findings f ON f.id = findings_fts.rowid".into(),
                condition: format!("findings_fts MATCH ${param}"),
            }
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
