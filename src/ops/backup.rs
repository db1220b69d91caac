//! `groundswell backup`, `restore` and `migrate-data`.
//!
//! On SQLite a backup is `VACUUM INTO`: one read transaction of the live database
//! written out as a new, compact database file — a consistent snapshot while the
//! server keeps serving (writers are not blocked in WAL mode). On PostgreSQL it is
//! `pg_dump --format=custom`, which also reads one snapshot. A restore goes into an
//! empty database: a SQLite backup through the copy engine ([`super::copy`]), so it
//! can also land in PostgreSQL; a pg_dump archive through `pg_restore`.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, bail};

use super::copy::{self, Copied, Db};
use crate::store::redact_url;

/// What a backup wrote.
#[derive(Debug)]
pub struct Backup {
    pub bytes: u64,
    /// Rows per table in the snapshot (SQLite only: pg_dump's archive is not opened).
    pub counts: Option<std::collections::BTreeMap<String, i64>>,
}

fn is_postgres(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// Writes a consistent snapshot of the database at `url` to `output`, which must not
/// exist yet.
pub async fn backup(url: &str, output: &Path) -> anyhow::Result<Backup> {
    if output.exists() {
        bail!(
            "{} already exists: choose a new file (a backup never overwrites one)",
            output.display()
        );
    }
    if is_postgres(url) {
        pg_dump(url, output)?;
        let bytes = std::fs::metadata(output)?.len();
        return Ok(Backup {
            bytes,
            counts: None,
        });
    }
    let db = Db::open(url, false).await?;
    let Db::Sqlite(pool) = &db else {
        unreachable!("not PostgreSQL")
    };
    let path = output
        .to_str()
        .with_context(|| format!("{} is not a UTF-8 path", output.display()))?;
    sqlx::query("VACUUM INTO $1")
        .bind(path)
        .execute(pool)
        .await
        .with_context(|| format!("writing the snapshot to {}", output.display()))?;
    db.close().await;
    let counts = check_sqlite_backup(output).await.inspect_err(|_| {
        let _ = std::fs::remove_file(output);
    })?;
    Ok(Backup {
        bytes: std::fs::metadata(output)?.len(),
        counts: Some(counts),
    })
}

/// A SQLite backup is whole (integrity check) and carries every migration of this
/// version. Returns its rows per table.
async fn check_sqlite_backup(
    file: &Path,
) -> anyhow::Result<std::collections::BTreeMap<String, i64>> {
    let db = Db::open(&read_only_url(file), false).await?;
    let Db::Sqlite(pool) = &db else {
        unreachable!("a SQLite URL")
    };
    let check: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(pool)
        .await?;
    if check != "ok" {
        bail!(
            "the snapshot {} failed its integrity check: {check}",
            file.display()
        );
    }
    let applied: Vec<i64> =
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success ORDER BY version")
            .fetch_all(pool)
            .await
            .context("the snapshot has no migration table")?;
    let expected: Vec<i64> = crate::store::migrate::sqlite()
        .iter()
        .map(|m| m.version)
        .collect();
    if applied != expected {
        bail!(
            "the snapshot has migrations {applied:?}, this version has {expected:?}: run `groundswell migrate` on the database first"
        );
    }
    let counts = db.counts().await?;
    db.close().await;
    Ok(counts)
}

fn read_only_url(file: &Path) -> String {
    format!("sqlite:{}?mode=ro", file.display())
}

/// The connection for PostgreSQL's tools: the URL without its password, which goes in
/// the environment (not on a command line anyone on the machine can read).
fn pg_tool(tool: &str, url: &str) -> anyhow::Result<Command> {
    let mut parsed =
        url::Url::parse(url).with_context(|| format!("invalid URL {}", redact_url(url)))?;
    let password = parsed.password().map(|p| {
        url::form_urlencoded::parse(format!("p={p}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    });
    let _ = parsed.set_password(None);
    let mut cmd = Command::new(tool);
    cmd.arg("--dbname").arg(parsed.as_str());
    if let Some(p) = password {
        cmd.env("PGPASSWORD", p);
    }
    Ok(cmd)
}

fn run_tool(mut cmd: Command, tool: &str) -> anyhow::Result<()> {
    match cmd.output() {
        Ok(out) if out.status.success() => Ok(()),
        Ok(out) => bail!(
            "{tool} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => bail!(
            "{tool} is not on the PATH. On PostgreSQL a backup is made by PostgreSQL's own tools: install the client (Debian: apt-get install postgresql-client, the same major version as the server) and run this again, or run them yourself: `pg_dump --format=custom --file FILE --dbname URL` to back up and `pg_restore --no-owner --single-transaction --dbname URL FILE` into an empty database to restore"
        ),
        Err(e) => Err(e).with_context(|| format!("cannot run {tool}")),
    }
}

fn pg_dump(url: &str, output: &Path) -> anyhow::Result<()> {
    let mut cmd = pg_tool("pg_dump", url)?;
    // Sign-ins are not data worth keeping, and their ids are secrets.
    cmd.args([
        "--format=custom",
        "--no-owner",
        "--exclude-table-data=tower_sessions.session",
        "--file",
    ])
    .arg(output);
    run_tool(cmd, "pg_dump")
}

/// What a restore did.
#[derive(Debug)]
pub enum Restored {
    Copied(Copied),
    PgRestore,
}

/// Restores a backup into the database at `url`, which must hold no data unless
/// `force` (then everything in it is replaced).
pub async fn restore(url: &str, file: &Path, force: bool) -> anyhow::Result<Restored> {
    let mut head = [0u8; 16];
    {
        use std::io::Read;
        let mut f = std::fs::File::open(file)
            .with_context(|| format!("cannot open the backup {}", file.display()))?;
        let n = f.read(&mut head)?;
        if n < 5 {
            bail!("{} is not a Groundswell backup (too short)", file.display());
        }
    }
    if head.starts_with(b"SQLite format 3\0") {
        let source = Db::open(&read_only_url(file), false).await?;
        let target = Db::open(url, true).await?;
        target.migrate().await?;
        let result = copy::copy(&source, &target, force).await;
        source.close().await;
        target.close().await;
        return result.map(Restored::Copied);
    }
    if head.starts_with(b"PGDMP") {
        if !is_postgres(url) {
            bail!(
                "{} is a pg_dump archive: it restores only into PostgreSQL (to move to SQLite, restore it into PostgreSQL and use `groundswell migrate-data`)",
                file.display()
            );
        }
        let target = Db::open(url, false).await?;
        let held = copy::holds_data(&target).await;
        target.close().await;
        if !force && let Some((table, n)) = held? {
            bail!(
                "the database already holds data ({n} rows in {table}); restore only into an empty database, or pass --force to replace everything in it"
            );
        }
        let mut cmd = pg_tool("pg_restore", url)?;
        cmd.args([
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
        ])
        .arg(file);
        run_tool(cmd, "pg_restore")?;
        return Ok(Restored::PgRestore);
    }
    bail!(
        "{} is neither a SQLite backup nor a pg_dump archive",
        file.display()
    )
}

/// Copies a whole deployment from `from` into the empty database `to` (migrated
/// first), e.g. SQLite to PostgreSQL.
pub async fn migrate_data(from: &str, to: &str) -> anyhow::Result<Copied> {
    if from == to {
        bail!("--from and --to are the same database");
    }
    let source = Db::open(from, false).await?;
    let target = Db::open(to, true).await?;
    target.migrate().await?;
    let result = copy::copy(&source, &target, false).await;
    source.close().await;
    target.close().await;
    result
}
