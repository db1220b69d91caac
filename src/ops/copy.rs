//! Copying a whole deployment from one database to another (SQLite ⇄ PostgreSQL, or a
//! backup file into a live database): the engine behind `migrate-data` and `restore`.
//!
//! The tables come from the schema itself (`sqlite_master`, `information_schema`), so a
//! table added by a later migration is copied without anyone remembering it; the two
//! schemas must agree table by table and column by column. The source is read inside
//! one read transaction (a consistent snapshot even while it serves), the target is
//! written inside one transaction (all or nothing), tables in foreign-key order, rows in
//! batches. Values are read into a neutral [`Value`] and written in the representation
//! the target's column expects (timestamps, dates and booleans differ between the two).
//!
//! Not copied: `_sqlx_migrations` (the target is migrated by this binary), the sessions
//! of tower-sessions (everyone signs in again on the new database), and SQLite's
//! full-text index, which is rebuilt from `findings.search_terms`.

use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;
use std::time::Duration;

use anyhow::{Context, bail};
use chrono::{DateTime, NaiveDate, Utc};
use futures_util::TryStreamExt;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use sqlx::{ConnectOptions, PgPool, Row, SqlitePool, TypeInfo, ValueRef};

use crate::store::redact_url;

/// Tables that belong to the tooling, not to the deployment's data.
const NOT_COPIED: &[&str] = &["_sqlx_migrations", "tower_sessions"];

/// Rows per INSERT statement (kept under both databases' parameter limits).
const MAX_PARAMS: usize = 30_000;
const MAX_ROWS: usize = 500;

/// One database opened for copying.
#[derive(Clone)]
pub enum Db {
    Sqlite(SqlitePool),
    Pg(PgPool),
}

/// One value of one column, independent of the database it came from.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    Float(f64),
    Text(String),
    Bytes(Vec<u8>),
    Bool(bool),
    Time(DateTime<Utc>),
    Date(NaiveDate),
}

impl Value {
    /// The same value as either database would give it back, for comparing contents
    /// across backends: booleans as 0/1, timestamps and dates as canonical text
    /// (SQLite keeps them as text).
    pub fn canonical(&self) -> Value {
        match self {
            Value::Bool(b) => Value::Int(*b as i64),
            Value::Time(t) => Value::Text(t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)),
            Value::Date(d) => Value::Text(d.to_string()),
            Value::Text(s) => match parse_time(s) {
                Some(t) => Value::Text(t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)),
                None => Value::Text(s.clone()),
            },
            other => other.clone(),
        }
    }
}

fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    // Only full timestamps: a bare date or a number stays text.
    if s.len() < 19 || !s.as_bytes()[4].eq(&b'-') {
        return None;
    }
    DateTime::parse_from_rfc3339(s)
        .or_else(|_| DateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f%:z"))
        .map(|t| t.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f")
                .ok()
                .map(|n| n.and_utc())
        })
}

/// A column as the schema declares it.
#[derive(Debug, Clone)]
pub struct Column {
    pub name: String,
    /// The declared type: PostgreSQL's `udt_name` (int8, bool, timestamptz…), SQLite's
    /// declared type (INTEGER, TEXT, BOOLEAN…).
    pub declared: String,
}

#[derive(Debug, Clone)]
pub struct Table {
    pub name: String,
    pub columns: Vec<Column>,
    pub primary_key: Vec<String>,
    /// Tables this one refers to (not itself).
    pub parents: BTreeSet<String>,
    /// Columns referring to this same table (a locality's parent): written after the
    /// table's rows, since a row may point at a later one.
    pub self_refs: Vec<String>,
}

impl Db {
    /// Opens `url` without migrating it. A SQLite file must exist (`create` makes it).
    pub async fn open(url: &str, create: bool) -> anyhow::Result<Db> {
        let shown = redact_url(url);
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let options = PgConnectOptions::from_str(url)
                .with_context(|| format!("invalid PostgreSQL URL {shown}"))?
                // Batches of hundreds of rows are meant to take a while.
                .disable_statement_logging();
            let pool = PgPoolOptions::new()
                .max_connections(2)
                .acquire_timeout(Duration::from_secs(30))
                .connect_with(options)
                .await
                .with_context(|| format!("cannot connect to PostgreSQL at {shown}"))?;
            Ok(Db::Pg(pool))
        } else if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)
                .with_context(|| format!("invalid SQLite URL {shown}"))?
                .create_if_missing(create)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(30))
                .disable_statement_logging();
            let pool = SqlitePoolOptions::new()
                .max_connections(2)
                .connect_with(options)
                .await
                .with_context(|| format!("cannot open the SQLite database {shown}"))?;
            Ok(Db::Sqlite(pool))
        } else {
            bail!("unsupported database URL {shown}: use sqlite:PATH or postgres://…")
        }
    }

    pub async fn close(&self) {
        match self {
            Db::Sqlite(p) => p.close().await,
            Db::Pg(p) => p.close().await,
        }
    }

    /// Applies this binary's migrations.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        match self {
            Db::Sqlite(p) => crate::store::migrate::sqlite()
                .run(p)
                .await
                .context("applying SQLite migrations")?,
            Db::Pg(p) => crate::store::migrate::postgres()
                .run(p)
                .await
                .context("applying PostgreSQL migrations")?,
        }
        Ok(())
    }

    /// Every table of the deployment with its columns and foreign keys, in foreign-key
    /// order (parents first).
    pub async fn tables(&self) -> anyhow::Result<Vec<Table>> {
        let mut tables = match self {
            Db::Sqlite(p) => sqlite_tables(p).await?,
            Db::Pg(p) => pg_tables(p).await?,
        };
        tables.retain(|t| !NOT_COPIED.contains(&t.name.as_str()));
        foreign_key_order(tables)
    }

    /// The number of rows in each table.
    pub async fn counts(&self) -> anyhow::Result<BTreeMap<String, i64>> {
        let mut out = BTreeMap::new();
        for t in self.tables().await? {
            let sql = format!("SELECT COUNT(*) FROM {}", quote(&t.name));
            let n: i64 = match self {
                Db::Sqlite(p) => sqlx::query_scalar(&sql).fetch_one(p).await?,
                Db::Pg(p) => sqlx::query_scalar(&sql).fetch_one(p).await?,
            };
            out.insert(t.name, n);
        }
        Ok(out)
    }

    /// Every row of `table`, in primary-key order, each value made [`Value::canonical`]
    /// (for comparing two databases).
    pub async fn rows(&self, table: &Table) -> anyhow::Result<Vec<Vec<Value>>> {
        let sql = select_sql(table);
        let rows = match self {
            Db::Sqlite(p) => {
                let rows = sqlx::query(&sql).fetch_all(p).await?;
                rows.iter()
                    .map(sqlite_values)
                    .collect::<Result<Vec<_>, _>>()?
            }
            Db::Pg(p) => {
                let rows = sqlx::query(&sql).fetch_all(p).await?;
                rows.iter()
                    .map(|r| pg_values(r, table))
                    .collect::<Result<Vec<_>, _>>()?
            }
        };
        Ok(rows
            .into_iter()
            .map(|r| r.iter().map(Value::canonical).collect())
            .collect())
    }
}

/// Double-quoted identifier (the names come from the schema, but may still be odd).
fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn select_sql(table: &Table) -> String {
    let cols = table
        .columns
        .iter()
        .map(|c| quote(&c.name))
        .collect::<Vec<_>>()
        .join(", ");
    let order = if table.primary_key.is_empty() {
        // Every column: a stable order for tables without a key.
        cols.clone()
    } else {
        table
            .primary_key
            .iter()
            .map(|c| quote(c))
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!("SELECT {cols} FROM {} ORDER BY {order}", quote(&table.name))
}

async fn sqlite_tables(pool: &SqlitePool) -> anyhow::Result<Vec<Table>> {
    let all: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .fetch_all(pool)
            .await?;
    // Virtual tables (the full-text index) and their shadow tables are SQLite's own.
    let virtuals: Vec<String> = all
        .iter()
        .filter(|(_, sql)| {
            sql.as_deref()
                .is_some_and(|s| s.trim_start().to_uppercase().starts_with("CREATE VIRTUAL"))
        })
        .map(|(n, _)| n.clone())
        .collect();
    let mut tables = Vec::new();
    for (name, _) in &all {
        if name.starts_with("sqlite_")
            || virtuals
                .iter()
                .any(|v| name == v || name.starts_with(&format!("{v}_")))
        {
            continue;
        }
        // hidden: 0 ordinary, 2/3 generated (never written).
        let cols: Vec<(String, String, i64, i64)> = sqlx::query_as(
            "SELECT name, type, pk, hidden FROM pragma_table_xinfo($1) ORDER BY cid",
        )
        .bind(name)
        .fetch_all(pool)
        .await?;
        let mut pk: Vec<(i64, String)> = cols
            .iter()
            .filter(|c| c.2 > 0)
            .map(|c| (c.2, c.0.clone()))
            .collect();
        pk.sort();
        let fks: Vec<(String, String)> =
            sqlx::query_as("SELECT \"table\", \"from\" FROM pragma_foreign_key_list($1)")
                .bind(name)
                .fetch_all(pool)
                .await?;
        tables.push(Table {
            name: name.clone(),
            columns: cols
                .iter()
                .filter(|c| c.3 == 0)
                .map(|c| Column {
                    name: c.0.clone(),
                    declared: c.1.to_uppercase(),
                })
                .collect(),
            primary_key: pk.into_iter().map(|(_, n)| n).collect(),
            parents: fks
                .iter()
                .filter(|(t, _)| t != name)
                .map(|(t, _)| t.clone())
                .collect(),
            self_refs: fks
                .iter()
                .filter(|(t, _)| t == name)
                .map(|(_, c)| c.clone())
                .collect(),
        });
    }
    Ok(tables)
}

async fn pg_tables(pool: &PgPool) -> anyhow::Result<Vec<Table>> {
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables \
         WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1",
    )
    .fetch_all(pool)
    .await?;
    let mut tables = Vec::new();
    for name in names {
        let cols: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT column_name::text, udt_name::text, is_generated::text FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
        )
        .bind(&name)
        .fetch_all(pool)
        .await?;
        let pk: Vec<String> = sqlx::query_scalar(
            "SELECT a.attname::text FROM pg_index i \
             JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) \
             WHERE i.indrelid = (quote_ident(current_schema()) || '.' || quote_ident($1))::regclass AND i.indisprimary \
             ORDER BY array_position(i.indkey, a.attnum)",
        )
        .bind(&name)
        .fetch_all(pool)
        .await?;
        let fks: Vec<(String, String)> = sqlx::query_as(
            "SELECT c.confrelid::regclass::text, a.attname::text FROM pg_constraint c \
             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY(c.conkey) \
             WHERE c.contype = 'f' AND c.conrelid = (quote_ident(current_schema()) || '.' || quote_ident($1))::regclass",
        )
        .bind(&name)
        .fetch_all(pool)
        .await?;
        let parent_name = |t: &str| {
            t.trim_matches('"')
                .rsplit('.')
                .next()
                .unwrap_or(t)
                .to_string()
        };
        tables.push(Table {
            columns: cols
                .iter()
                .filter(|c| c.2 != "ALWAYS")
                .map(|c| Column {
                    name: c.0.clone(),
                    declared: c.1.clone(),
                })
                .collect(),
            primary_key: pk,
            parents: fks
                .iter()
                .map(|(t, _)| parent_name(t))
                .filter(|t| *t != name)
                .collect(),
            self_refs: fks
                .iter()
                .filter(|(t, _)| parent_name(t) == name)
                .map(|(_, c)| c.clone())
                .collect(),
            name,
        });
    }
    Ok(tables)
}

/// Parents before children; a cycle between tables is reported (none exists today).
fn foreign_key_order(tables: Vec<Table>) -> anyhow::Result<Vec<Table>> {
    let mut left: BTreeMap<String, Table> =
        tables.into_iter().map(|t| (t.name.clone(), t)).collect();
    let mut done: BTreeSet<String> = BTreeSet::new();
    let mut out = Vec::new();
    while !left.is_empty() {
        let ready: Vec<String> = left
            .values()
            .filter(|t| {
                t.parents
                    .iter()
                    .all(|p| done.contains(p) || !left.contains_key(p) && !p.is_empty())
            })
            .map(|t| t.name.clone())
            .collect();
        if ready.is_empty() {
            bail!(
                "the foreign keys between these tables form a cycle: {}",
                left.keys().cloned().collect::<Vec<_>>().join(", ")
            );
        }
        for name in ready {
            let t = left.remove(&name).expect("listed");
            done.insert(name);
            out.push(t);
        }
    }
    Ok(out)
}

fn sqlite_values(row: &sqlx::sqlite::SqliteRow) -> Result<Vec<Value>, sqlx::Error> {
    let mut out = Vec::with_capacity(row.columns().len());
    for i in 0..row.columns().len() {
        let raw = row.try_get_raw(i)?;
        if raw.is_null() {
            out.push(Value::Null);
            continue;
        }
        // The storage class of this value (SQLite's columns are not typed).
        let kind = raw.type_info().name().to_string();
        out.push(match kind.as_str() {
            "INTEGER" | "BOOLEAN" | "INT8" => Value::Int(row.try_get_unchecked::<i64, _>(i)?),
            "REAL" => Value::Float(row.try_get_unchecked::<f64, _>(i)?),
            "BLOB" => Value::Bytes(row.try_get_unchecked::<Vec<u8>, _>(i)?),
            _ => Value::Text(row.try_get_unchecked::<String, _>(i)?),
        });
    }
    Ok(out)
}

fn pg_values(row: &sqlx::postgres::PgRow, table: &Table) -> anyhow::Result<Vec<Value>> {
    let mut out = Vec::with_capacity(table.columns.len());
    for (i, c) in table.columns.iter().enumerate() {
        let v = match c.declared.as_str() {
            "int8" => row.try_get::<Option<i64>, _>(i)?.map(Value::Int),
            "int4" => row
                .try_get::<Option<i32>, _>(i)?
                .map(|v| Value::Int(v.into())),
            "int2" => row
                .try_get::<Option<i16>, _>(i)?
                .map(|v| Value::Int(v.into())),
            "float8" => row.try_get::<Option<f64>, _>(i)?.map(Value::Float),
            "float4" => row
                .try_get::<Option<f32>, _>(i)?
                .map(|v| Value::Float(v.into())),
            "bool" => row.try_get::<Option<bool>, _>(i)?.map(Value::Bool),
            "timestamptz" => row.try_get::<Option<DateTime<Utc>>, _>(i)?.map(Value::Time),
            "date" => row.try_get::<Option<NaiveDate>, _>(i)?.map(Value::Date),
            "bytea" => row.try_get::<Option<Vec<u8>>, _>(i)?.map(Value::Bytes),
            "text" | "varchar" | "bpchar" => row.try_get::<Option<String>, _>(i)?.map(Value::Text),
            other => bail!(
                "{}.{} has the type {other}, which the copy does not know",
                table.name,
                c.name
            ),
        };
        out.push(v.unwrap_or(Value::Null));
    }
    Ok(out)
}

/// The two schemas must hold the same tables with the same columns.
fn compare_schemas(source: &[Table], target: &[Table]) -> anyhow::Result<()> {
    let s: BTreeMap<&str, BTreeSet<&str>> = source
        .iter()
        .map(|t| {
            (
                t.name.as_str(),
                t.columns.iter().map(|c| c.name.as_str()).collect(),
            )
        })
        .collect();
    let t: BTreeMap<&str, BTreeSet<&str>> = target
        .iter()
        .map(|t| {
            (
                t.name.as_str(),
                t.columns.iter().map(|c| c.name.as_str()).collect(),
            )
        })
        .collect();
    let mut problems = Vec::new();
    for name in s.keys().filter(|n| !t.contains_key(*n)) {
        problems.push(format!("table {name} is only in the source"));
    }
    for name in t.keys().filter(|n| !s.contains_key(*n)) {
        problems.push(format!("table {name} is only in the target"));
    }
    for (name, cols) in &s {
        if let Some(tcols) = t.get(name) {
            for c in cols.difference(tcols) {
                problems.push(format!("column {name}.{c} is only in the source"));
            }
            for c in tcols.difference(cols) {
                problems.push(format!("column {name}.{c} is only in the target"));
            }
        }
    }
    if !problems.is_empty() {
        bail!(
            "the two schemas differ ({}); bring both to this version with `groundswell migrate` first",
            problems.join("; ")
        );
    }
    Ok(())
}

/// What a copy did.
#[derive(Debug, Default)]
pub struct Copied {
    /// Rows per table, equal in source and target.
    pub counts: BTreeMap<String, i64>,
}

impl Copied {
    pub fn rows(&self) -> i64 {
        self.counts.values().sum()
    }
}

/// The tables a fresh migration fills by itself (policy areas, data versions…): found
/// by migrating an empty in-memory database, so a new seeded table needs no list.
async fn seeded_tables() -> anyhow::Result<BTreeSet<String>> {
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect("sqlite::memory:")
        .await?;
    let db = Db::Sqlite(pool);
    db.migrate().await?;
    let seeded = db
        .counts()
        .await?
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .map(|(t, _)| t)
        .collect();
    db.close().await;
    Ok(seeded)
}

/// The first table holding data beyond what migrations put there, if any.
pub async fn holds_data(db: &Db) -> anyhow::Result<Option<(String, i64)>> {
    let seeded = seeded_tables().await?;
    Ok(db
        .counts()
        .await?
        .into_iter()
        .find(|(t, n)| *n > 0 && !seeded.contains(t)))
}

/// The body of [`copy`] for one pair of backends (the pools' types differ).
macro_rules! copy_between {
    ($s:expr, $t:expr, $snapshot:expr, $tables:expr, $target_tables:expr, $by_name:expr, $target_kind:ident, $sessions:expr, $fixups:ident) => {{
        let mut src = $s.begin().await.context("opening a read transaction on the source")?;
        sqlx::query($snapshot).execute(&mut *src).await?;
        let mut tx = $t.begin().await.context("opening a transaction on the target")?;
        // Empty the target, children first (what migrations seeded, or everything when
        // replacing).
        for table in $target_tables.iter().rev() {
            sqlx::query(&format!("DELETE FROM {}", quote(&table.name)))
                .execute(&mut *tx)
                .await
                .with_context(|| format!("emptying {} in the target", table.name))?;
        }
        // Sign-ins do not move: nobody stays signed in to the database replaced.
        sqlx::query($sessions)
            .execute(&mut *tx)
            .await
            .context("signing everyone out of the target")?;
        let mut copied = Copied::default();
        for table in $tables.iter() {
            let target_table = $by_name[table.name.as_str()];
            // Columns in the target's order, read from the source by name.
            let source_view = Table {
                columns: target_table
                    .columns
                    .iter()
                    .map(|c| {
                        table
                            .columns
                            .iter()
                            .find(|s| s.name == c.name)
                            .expect("schemas compared")
                            .clone()
                    })
                    .collect(),
                ..table.clone()
            };
            let n = copy_table!(&mut src, &mut tx, &source_view, target_table, $target_kind);
            copied.counts.insert(table.name.clone(), n);
        }
        $fixups(&mut tx, $target_tables).await?;
        // Verify before committing: every table holds what the source held.
        for table in $tables.iter() {
            let n: i64 =
                sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {}", quote(&table.name)))
                    .fetch_one(&mut *tx)
                    .await?;
            let expected = copied.counts[&table.name];
            if n != expected {
                bail!(
                    "{}: {expected} rows read from the source but {n} in the target; nothing was written",
                    table.name
                );
            }
        }
        tx.commit().await.context("committing the copy")?;
        src.rollback().await.ok();
        Ok(copied)
    }};
}

/// Streams one table from the source into the target in batches.
macro_rules! copy_table {
    ($src:expr, $tx:expr, $source:expr, $target:expr, $target_kind:ident) => {{
        let source: &Table = $source;
        let target: &Table = $target;
        let sql = select_sql(source);
        let ncols = target.columns.len().max(1);
        let batch_rows = (MAX_PARAMS / ncols).clamp(1, MAX_ROWS);
        let self_ref_idx: Vec<usize> = target
            .columns
            .iter()
            .enumerate()
            .filter(|(_, c)| target.self_refs.contains(&c.name))
            .map(|(i, _)| i)
            .collect();
        let pk_idx: Vec<usize> = target
            .primary_key
            .iter()
            .filter_map(|k| target.columns.iter().position(|c| &c.name == k))
            .collect();
        let mut later: Vec<(Vec<Value>, usize, Value)> = Vec::new();
        let mut batch: Vec<Vec<Value>> = Vec::with_capacity(batch_rows);
        let mut n: i64 = 0;
        {
            let mut rows = sqlx::query(&sql).fetch(&mut **$src);
            while let Some(row) = rows
                .try_next()
                .await
                .with_context(|| format!("reading {} from the source", source.name))?
            {
                let mut values = source_values(&row, source)?;
                for &i in &self_ref_idx {
                    if values[i] != Value::Null {
                        let key = pk_idx.iter().map(|&k| values[k].clone()).collect();
                        later.push((key, i, std::mem::replace(&mut values[i], Value::Null)));
                    }
                }
                batch.push(values);
                if batch.len() == batch_rows {
                    insert_batch(&mut **$tx, &$target_kind, target, &batch).await?;
                    n += batch.len() as i64;
                    batch.clear();
                }
            }
        }
        if !batch.is_empty() {
            insert_batch(&mut **$tx, &$target_kind, target, &batch).await?;
            n += batch.len() as i64;
        }
        for (key, col, value) in later {
            update_self_ref(&mut **$tx, &$target_kind, target, &pk_idx, &key, col, value).await?;
        }
        n
    }};
}

/// Which database a statement is written for (the binding differs).
pub trait Target: Sync {
    type Db: sqlx::Database;
    /// `$n`, wrapped in what makes the value the column's type.
    fn placeholder(&self, n: usize, column: &Column) -> String;
    fn bind<'q>(
        &self,
        q: sqlx::query::Query<'q, Self::Db, <Self::Db as sqlx::Database>::Arguments<'q>>,
        value: &Value,
        column: &Column,
    ) -> anyhow::Result<sqlx::query::Query<'q, Self::Db, <Self::Db as sqlx::Database>::Arguments<'q>>>;
}

pub struct SqliteTarget;
pub struct PgTarget;

impl Target for SqliteTarget {
    type Db = sqlx::Sqlite;
    fn placeholder(&self, n: usize, _column: &Column) -> String {
        format!("${n}")
    }
    fn bind<'q>(
        &self,
        q: sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>>,
        value: &Value,
        _column: &Column,
    ) -> anyhow::Result<sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>>>
    {
        // The representation the application's own writes give each type.
        Ok(match value.clone() {
            Value::Null => q.bind(None::<i64>),
            Value::Int(v) => q.bind(v),
            Value::Float(v) => q.bind(v),
            Value::Text(v) => q.bind(v),
            Value::Bytes(v) => q.bind(v),
            Value::Bool(v) => q.bind(v),
            Value::Time(v) => q.bind(v),
            Value::Date(v) => q.bind(v),
        })
    }
}

impl Target for PgTarget {
    type Db = sqlx::Postgres;
    fn placeholder(&self, n: usize, column: &Column) -> String {
        format!("CAST(${n} AS {})", column.declared)
    }
    fn bind<'q>(
        &self,
        q: sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>,
        value: &Value,
        column: &Column,
    ) -> anyhow::Result<sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>> {
        let ty = column.declared.as_str();
        Ok(match value.clone() {
            Value::Null => q.bind(None::<String>),
            // SQLite keeps booleans as 0/1.
            Value::Int(v) if ty == "bool" => q.bind(v != 0),
            Value::Int(v) => q.bind(v),
            Value::Float(v) => q.bind(v),
            Value::Text(v) if ty == "bytea" => q.bind(v.into_bytes()),
            Value::Text(v) if ty == "timestamptz" => match parse_time(&v) {
                Some(t) => q.bind(t),
                None => bail!("{}: {v:?} is not a timestamp", column.name),
            },
            Value::Text(v) => q.bind(v),
            Value::Bytes(v) if ty == "text" => q.bind(
                String::from_utf8(v).with_context(|| format!("{} is not UTF-8", column.name))?,
            ),
            Value::Bytes(v) => q.bind(v),
            Value::Bool(v) => q.bind(v),
            Value::Time(v) => q.bind(v),
            Value::Date(v) => q.bind(v),
        })
    }
}

/// Reads a source row into values (the source's backend decides how).
fn source_values<R: SourceRow>(row: &R, table: &Table) -> anyhow::Result<Vec<Value>> {
    row.values(table)
}

trait SourceRow {
    fn values(&self, table: &Table) -> anyhow::Result<Vec<Value>>;
}

impl SourceRow for sqlx::sqlite::SqliteRow {
    fn values(&self, _table: &Table) -> anyhow::Result<Vec<Value>> {
        Ok(sqlite_values(self)?)
    }
}

impl SourceRow for sqlx::postgres::PgRow {
    fn values(&self, table: &Table) -> anyhow::Result<Vec<Value>> {
        pg_values(self, table)
    }
}

async fn insert_batch<'c, T, E>(
    conn: E,
    target: &T,
    table: &Table,
    rows: &[Vec<Value>],
) -> anyhow::Result<()>
where
    T: Target,
    E: sqlx::Executor<'c, Database = T::Db>,
    for<'q> <T::Db as sqlx::Database>::Arguments<'q>: sqlx::IntoArguments<'q, T::Db>,
{
    let cols = table
        .columns
        .iter()
        .map(|c| quote(&c.name))
        .collect::<Vec<_>>()
        .join(", ");
    let mut sql = format!("INSERT INTO {} ({cols}) VALUES ", quote(&table.name));
    let mut n = 0;
    for (r, _) in rows.iter().enumerate() {
        if r > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for (i, c) in table.columns.iter().enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            n += 1;
            sql.push_str(&target.placeholder(n, c));
        }
        sql.push(')');
    }
    let mut q = sqlx::query::<T::Db>(&sql);
    for row in rows {
        for (v, c) in row.iter().zip(&table.columns) {
            q = target.bind(q, v, c)?;
        }
    }
    q.execute(conn)
        .await
        .with_context(|| format!("writing {} into the target", table.name))?;
    Ok(())
}

async fn update_self_ref<'c, T, E>(
    conn: E,
    target: &T,
    table: &Table,
    pk_idx: &[usize],
    key: &[Value],
    col: usize,
    value: Value,
) -> anyhow::Result<()>
where
    T: Target,
    E: sqlx::Executor<'c, Database = T::Db>,
    for<'q> <T::Db as sqlx::Database>::Arguments<'q>: sqlx::IntoArguments<'q, T::Db>,
{
    if pk_idx.is_empty() {
        bail!(
            "{} refers to itself but has no primary key to fill the reference by",
            table.name
        );
    }
    let column = &table.columns[col];
    let mut sql = format!(
        "UPDATE {} SET {} = {} WHERE ",
        quote(&table.name),
        quote(&column.name),
        target.placeholder(1, column)
    );
    for (j, &k) in pk_idx.iter().enumerate() {
        if j > 0 {
            sql.push_str(" AND ");
        }
        let c = &table.columns[k];
        sql.push_str(&format!(
            "{} = {}",
            quote(&c.name),
            target.placeholder(j + 2, c)
        ));
    }
    let mut q = target.bind(sqlx::query::<T::Db>(&sql), &value, column)?;
    for (&k, v) in pk_idx.iter().zip(key) {
        q = target.bind(q, v, &table.columns[k])?;
    }
    q.execute(conn)
        .await
        .with_context(|| format!("filling {}.{} in the target", table.name, column.name))?;
    Ok(())
}

/// After the rows on PostgreSQL: each sequence continues after the copied ids.
async fn pg_fixups(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    tables: &[Table],
) -> anyhow::Result<()> {
    for t in tables {
        for c in &t.columns {
            let seq: Option<String> = sqlx::query_scalar("SELECT pg_get_serial_sequence($1, $2)")
                .bind(quote(&t.name))
                .bind(&c.name)
                .fetch_one(&mut **tx)
                .await?;
            if let Some(seq) = seq {
                sqlx::query(&format!(
                    "SELECT setval($1, (SELECT COALESCE(MAX({col}), 0) + 1 FROM {table}), false)",
                    col = quote(&c.name),
                    table = quote(&t.name)
                ))
                .bind(seq)
                .execute(&mut **tx)
                .await
                .with_context(|| format!("moving the sequence of {}.{}", t.name, c.name))?;
            }
        }
    }
    Ok(())
}

/// After the rows on SQLite: the full-text index, rebuilt from the findings' search
/// terms (deleted findings are never in it).
async fn sqlite_fixups(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    _tables: &[Table],
) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO findings_fts (rowid, search_terms) SELECT id, search_terms FROM findings WHERE deleted_at IS NULL ORDER BY id",
    )
    .execute(&mut **tx)
    .await
    .context("rebuilding the full-text index")?;
    Ok(())
}

const PG_SNAPSHOT: &str = "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY";
/// The first read of a deferred transaction fixes its snapshot (WAL).
const SQLITE_SNAPSHOT: &str = "SELECT COUNT(*) FROM sqlite_master";
const PG_SESSIONS: &str = "DELETE FROM tower_sessions.session";
const SQLITE_SESSIONS: &str = "DELETE FROM tower_sessions";

/// Copies everything from `source` into `target` (both migrated to this version).
/// Refuses a target holding data unless `replace`, which deletes everything in it
/// first (in the same transaction as the copy).
pub async fn copy(source: &Db, target: &Db, replace: bool) -> anyhow::Result<Copied> {
    let source_tables = source.tables().await?;
    let target_tables = target.tables().await?;
    compare_schemas(&source_tables, &target_tables)?;
    if !replace && let Some((table, n)) = holds_data(target).await? {
        bail!(
            "the target database already holds data ({n} rows in {table}); copy only into an empty database (or use `groundswell restore --force` to replace everything in it)"
        );
    }
    let by_name: BTreeMap<&str, &Table> =
        target_tables.iter().map(|t| (t.name.as_str(), t)).collect();
    match (source, target) {
        (Db::Sqlite(s), Db::Sqlite(t)) => copy_between!(
            s,
            t,
            SQLITE_SNAPSHOT,
            &source_tables,
            &target_tables,
            &by_name,
            SqliteTarget,
            SQLITE_SESSIONS,
            sqlite_fixups
        ),
        (Db::Sqlite(s), Db::Pg(t)) => copy_between!(
            s,
            t,
            SQLITE_SNAPSHOT,
            &source_tables,
            &target_tables,
            &by_name,
            PgTarget,
            PG_SESSIONS,
            pg_fixups
        ),
        (Db::Pg(s), Db::Sqlite(t)) => copy_between!(
            s,
            t,
            PG_SNAPSHOT,
            &source_tables,
            &target_tables,
            &by_name,
            SqliteTarget,
            SQLITE_SESSIONS,
            sqlite_fixups
        ),
        (Db::Pg(s), Db::Pg(t)) => copy_between!(
            s,
            t,
            PG_SNAPSHOT,
            &source_tables,
            &target_tables,
            &by_name,
            PgTarget,
            PG_SESSIONS,
            pg_fixups
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(name: &str, parents: &[&str]) -> Table {
        Table {
            name: name.into(),
            columns: vec![],
            primary_key: vec!["id".into()],
            parents: parents.iter().map(|p| p.to_string()).collect(),
            self_refs: vec![],
        }
    }

    #[test]
    fn parents_come_before_their_children() {
        let order = foreign_key_order(vec![
            table("responses", &["submissions", "users"]),
            table("submissions", &["advocacy_issues"]),
            table("users", &["organisations"]),
            table("advocacy_issues", &["users"]),
            table("organisations", &[]),
        ])
        .unwrap();
        let at = |n: &str| order.iter().position(|t| t.name == n).unwrap();
        assert!(at("organisations") < at("users"));
        assert!(at("users") < at("advocacy_issues"));
        assert!(at("advocacy_issues") < at("submissions"));
        assert!(at("submissions") < at("responses"));
    }

    #[test]
    fn a_cycle_between_tables_is_reported_not_looped_on() {
        let err = foreign_key_order(vec![table("a", &["b"]), table("b", &["a"])]).unwrap_err();
        assert!(err.to_string().contains("cycle"), "{err}");
    }

    #[test]
    fn the_same_moment_compares_equal_from_either_database() {
        let t = DateTime::parse_from_rfc3339("2026-12-01T11:36:17.123456+00:00")
            .unwrap()
            .with_timezone(&Utc);
        for text in [
            "2026-12-01T11:36:17.123456+00:00",
            "2026-12-01 11:36:17.123456+00:00",
            "2026-12-01T11:36:17.123456789Z",
        ] {
            assert_eq!(
                Value::Text(text.into()).canonical(),
                Value::Time(t).canonical(),
                "{text}"
            );
        }
        assert_eq!(Value::Bool(true).canonical(), Value::Int(1));
        let d = NaiveDate::from_ymd_opt(2026, 10, 1).unwrap();
        assert_eq!(Value::Date(d).canonical(), Value::Text("2026-10-01".into()));
        // Text that merely looks numeric or like a date stays as it is.
        assert_eq!(
            Value::Text("2026-10-01".into()).canonical(),
            Value::Text("2026-10-01".into())
        );
    }

    #[test]
    fn differing_schemas_are_named() {
        let mut a = table("findings", &[]);
        a.columns = vec![Column {
            name: "narrative".into(),
            declared: "TEXT".into(),
        }];
        let b = table("findings", &[]);
        let err = compare_schemas(&[a, table("extra", &[])], &[b]).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("table extra is only in the source"), "{msg}");
        assert!(
            msg.contains("column findings.narrative is only in the source"),
            "{msg}"
        );
    }
}
