//! The command line: `serve`, `migrate`, and the account commands an operator needs
//! before anyone can sign in (the first admin, organisations, API tokens).
//! Every option can also come from a `GROUNDSWELL_*` environment variable.

use std::io::{IsTerminal, Read};
use std::net::SocketAddr;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};

use crate::app::{Application, shutdown_signal};
use crate::config::{DEFAULT_DATABASE_URL, WebSettings};
use crate::domain::account::{DisplayName, Email, NewPassword, OrgKind};
use crate::domain::role::Role;
use crate::domain::{password, token};
use crate::store::{self, AuditEvent, DynStore, NewOrg, NewUser, StoreError, User, redact_url};

#[derive(Parser, Debug)]
#[command(
    name = "groundswell",
    version,
    about = "From casework findings to evidence-backed policy advocacy"
)]
pub struct Cli {
    /// Database URL: `sqlite:PATH` (created if missing) or `postgres://USER:PASS@HOST/DB`.
    #[arg(long, global = true, env = "GROUNDSWELL_DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    pub database_url: String,

    /// Database connections each server process keeps open. Default: 4 on SQLite (its
    /// queries run on their connection's thread, and on a small server more threads
    /// mostly take turns; each also keeps its own page cache) and 16 on PostgreSQL.
    #[arg(long, global = true, env = "GROUNDSWELL_DATABASE_CONNECTIONS")]
    pub database_connections: Option<u32>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the web application and the API (migrates the database first).
    Serve(ServeArgs),
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage user accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage organisations.
    #[command(subcommand)]
    Org(OrgCommand),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Load the Ningbo demo into an empty database and print its logins.
    Seed(SeedArgs),
    /// Write documents: an issue's briefing, or the federation's report for a period.
    #[command(subcommand)]
    Export(ExportCommand),
    /// Benchmark data: see BENCHMARKS.md.
    #[command(subcommand)]
    Bench(BenchCommand),
    /// Write a consistent snapshot of the live database to a new file (SQLite: a
    /// database file; PostgreSQL: a pg_dump archive). See docs/OPERATIONS.md.
    Backup {
        /// The file to write (must not exist).
        #[arg(short = 'o', long)]
        output: std::path::PathBuf,
    },
    /// Restore a backup into the database (which must be empty unless --force).
    Restore {
        /// A file written by `groundswell backup`.
        file: std::path::PathBuf,
        /// Replace everything the database holds.
        #[arg(long)]
        force: bool,
    },
    /// Copy a whole deployment into an empty database, e.g. SQLite to PostgreSQL.
    MigrateData {
        /// The database to copy from (left unchanged).
        #[arg(long)]
        from: String,
        /// The empty database to copy into (migrated first).
        #[arg(long)]
        to: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum BenchCommand {
    /// Fills an empty database with realistic, reproducible data: people, places,
    /// findings, issues, submissions and answers, parameters. Prints the coordinator's
    /// API token for the load harness.
    Generate {
        #[arg(long, default_value_t = 1_000_000)]
        findings: usize,
        #[arg(long, default_value_t = 20_000)]
        issues: usize,
        /// Findings linked to the first issue.
        #[arg(long, default_value_t = 2_000)]
        big: usize,
        /// Findings left out of every issue.
        #[arg(long, default_value_t = 100_000)]
        unlinked: usize,
        #[arg(long, default_value_t = 60_000)]
        submissions: usize,
        /// The random seed (the same seed gives the same data).
        #[arg(long, default_value_t = 14)]
        seed: u64,
        /// Also write the API token to this file.
        #[arg(long)]
        token_file: Option<std::path::PathBuf>,
    },
}

#[derive(Subcommand, Debug)]
pub enum ExportCommand {
    /// An issue's briefing as DOCX, PDF or Markdown, e.g. for a scheduled job.
    Briefing {
        /// The issue's number.
        #[arg(long)]
        issue: i64,
        /// docx, pdf or md.
        #[arg(long, value_parser = ["docx", "pdf", "md"])]
        format: String,
        /// Where to write it.
        #[arg(short = 'o', long)]
        output: std::path::PathBuf,
        /// zh (default) or en.
        #[arg(long, default_value = "zh", value_parser = ["zh", "en"])]
        lang: String,
        /// Whose export it is (recorded in the audit log); the first active admin when
        /// not given.
        #[arg(long = "as")]
        as_user: Option<String>,
    },
    /// The federation's portfolio report for a period, e.g. monthly from cron.
    Report {
        /// First day, YYYY-MM-DD.
        #[arg(long)]
        from: String,
        /// Last day, YYYY-MM-DD.
        #[arg(long)]
        to: String,
        /// pdf, docx, xlsx or csv.
        #[arg(long, value_parser = ["pdf", "docx", "xlsx", "csv"])]
        format: String,
        /// Where to write it.
        #[arg(short = 'o', long)]
        output: std::path::PathBuf,
        /// Only this policy area (its id).
        #[arg(long)]
        area: Option<i64>,
        /// Only this organisation (its id): the issues it owns or supports, the
        /// findings it recorded.
        #[arg(long)]
        org: Option<i64>,
        /// zh (default) or en.
        #[arg(long, default_value = "zh", value_parser = ["zh", "en"])]
        lang: String,
        /// Whose export it is (recorded in the audit log); the first active admin when
        /// not given.
        #[arg(long = "as")]
        as_user: Option<String>,
    },
}

#[derive(Args, Debug)]
pub struct SeedArgs {
    /// The demo (the only seed there is; required so nobody loads it by accident).
    #[arg(long, required = true)]
    pub demo: bool,
    /// The demo's language: zh (default) or en.
    #[arg(long, default_value = "zh", value_parser = ["zh", "en"])]
    pub lang: String,
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Load the Ningbo demo first (only into an empty database) and print its logins.
    #[arg(long)]
    pub demo: bool,
    /// The demo's language: zh (default) or en.
    #[arg(long, default_value = "zh", value_parser = ["zh", "en"])]
    pub lang: String,
    /// Address to listen on.
    #[arg(long, env = "GROUNDSWELL_ADDR", default_value = "127.0.0.1:3000")]
    pub addr: SocketAddr,
    /// Mark cookies Secure: set this when users reach the app over HTTPS.
    #[arg(long, env = "GROUNDSWELL_SECURE_COOKIES")]
    pub secure_cookies: bool,
    /// Take client addresses from X-Forwarded-For: only behind a trusted proxy.
    #[arg(long, env = "GROUNDSWELL_TRUST_FORWARDED_FOR")]
    pub trust_forwarded_for: bool,
    /// Sign users out after this many hours without a request.
    #[arg(long, env = "GROUNDSWELL_SESSION_IDLE_HOURS", default_value_t = 8, value_parser = clap::value_parser!(i64).range(1..=720))]
    pub session_idle_hours: i64,
    /// Show breakdown cells counting fewer findings than this as "fewer than N" to
    /// outsiders and in exports.
    #[arg(long, env = "GROUNDSWELL_SMALL_CELL", default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..=100))]
    pub small_cell: u64,
    /// Largest file, in megabytes, that may be attached to an issue.
    #[arg(long, env = "GROUNDSWELL_ATTACHMENT_MAX_MB", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=200))]
    pub attachment_max_mb: u64,
    /// Look for recurring gaps among unlinked findings every this many minutes (0: only
    /// when a coordinator asks).
    #[arg(
        long,
        env = "GROUNDSWELL_RECURRENCE_EVERY_MINUTES",
        default_value_t = 30
    )]
    pub recurrence_every_minutes: u64,
    /// An unanswered submission this many days past its deadline is long overdue.
    #[arg(long, env = "GROUNDSWELL_LONG_OVERDUE_DAYS", default_value_t = 30, value_parser = clap::value_parser!(i64).range(1..=365))]
    pub long_overdue_days: i64,
    /// Look for replies and commitments falling due every this many minutes (0: never).
    #[arg(
        long,
        env = "GROUNDSWELL_REMINDERS_EVERY_MINUTES",
        default_value_t = 60
    )]
    pub reminders_every_minutes: u64,
    /// How many seconds a finding's suggestions may lag newly saved findings (0: always
    /// current, at the cost of recounting 1,500 findings after every save).
    #[arg(long, env = "GROUNDSWELL_SUGGESTIONS_LAG_SECONDS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(0..=3600))]
    pub suggestions_lag_seconds: u64,
    /// API requests one token may make per minute (a bucket of this many, refilling at
    /// this rate; 0: no limit). Kept in memory by each instance.
    #[arg(long, env = "GROUNDSWELL_API_RATE_PER_MINUTE", default_value_t = 600)]
    pub api_rate_per_minute: u32,
    /// API requests one client address may make per minute, whatever the token (0: no
    /// limit). Behind a proxy this needs --trust-forwarded-for to see the real address.
    #[arg(
        long,
        env = "GROUNDSWELL_API_ADDRESS_RATE_PER_MINUTE",
        default_value_t = 1200
    )]
    pub api_address_rate_per_minute: u32,
    /// Send e-mail through this SMTP relay, e.g. smtp://mail.internal:25 or
    /// smtp://user:password@mail.example:587?tls=required (none: in-app inbox only).
    #[arg(long, env = "GROUNDSWELL_SMTP_URL")]
    pub smtp_url: Option<String>,
    /// The sender of e-mails.
    #[arg(
        long,
        env = "GROUNDSWELL_MAIL_FROM",
        default_value = "Groundswell <groundswell@localhost>"
    )]
    pub mail_from: String,
    /// The address people use to reach Groundswell, for links in e-mails.
    #[arg(
        long,
        env = "GROUNDSWELL_PUBLIC_URL",
        default_value = "http://127.0.0.1:3000"
    )]
    pub public_url: String,
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Create a user. The password is read from standard input when it is not a
    /// terminal (`echo "$PW" | groundswell user add …`), and prompted for otherwise.
    Add {
        #[arg(long, env = "GROUNDSWELL_USER_EMAIL")]
        email: String,
        #[arg(long, env = "GROUNDSWELL_USER_NAME")]
        name: String,
        /// worker, senior, coordinator, admin or viewer.
        #[arg(long, env = "GROUNDSWELL_USER_ROLE")]
        role: Role,
        /// The organisation's name (see `groundswell org add`).
        #[arg(long, env = "GROUNDSWELL_USER_ORG")]
        org: String,
        /// Preferred language: zh-CN or en.
        #[arg(long, env = "GROUNDSWELL_USER_LANGUAGE")]
        language: Option<String>,
    },
    /// List users.
    List,
}

#[derive(Subcommand, Debug)]
pub enum OrgCommand {
    /// Create an organisation.
    Add {
        #[arg(long, env = "GROUNDSWELL_ORG_NAME")]
        name: String,
        /// federation or member.
        #[arg(long, env = "GROUNDSWELL_ORG_KIND", default_value = "member")]
        kind: OrgKind,
    },
    /// List organisations.
    List,
}

#[derive(Subcommand, Debug)]
pub enum TokenCommand {
    /// Create an API token for a user and print it once (only its hash is stored).
    Create {
        #[arg(long, env = "GROUNDSWELL_TOKEN_EMAIL")]
        email: String,
        /// What the token is for, shown on the user's account page.
        #[arg(long, env = "GROUNDSWELL_TOKEN_LABEL", default_value = "command line")]
        label: String,
    },
}

impl clap::ValueEnum for OrgKind {
    fn value_variants<'a>() -> &'a [Self] {
        &[OrgKind::Federation, OrgKind::Member]
    }
    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(self.as_str()))
    }
}

impl clap::ValueEnum for Role {
    fn value_variants<'a>() -> &'a [Self] {
        &Role::ALL
    }
    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(self.as_str()))
    }
}

pub async fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_tracing() {
    let filter =
        tracing_subscriber::EnvFilter::try_from_env("GROUNDSWELL_LOG").unwrap_or_else(|_| {
            tracing_subscriber::EnvFilter::new("info,sqlx=warn,tower_sessions=warn")
        });
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// Connects and migrates: every command works on a fresh database.
async fn open(url: &str, connections: Option<u32>) -> anyhow::Result<DynStore> {
    let store = store::connect_with(url, connections).await?;
    store
        .migrate()
        .await
        .with_context(|| format!("migrating {}", redact_url(url)))?;
    Ok(store)
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    // The operations commands open their databases themselves (a backup must not
    // migrate what it copies; a restore target may not exist yet).
    match &cli.command {
        Command::Backup { output } => {
            let b = crate::ops::backup(&cli.database_url, output).await?;
            match b.counts {
                Some(counts) => println!(
                    "backup written to {} ({} bytes, {} rows in {} tables)",
                    output.display(),
                    b.bytes,
                    counts.values().sum::<i64>(),
                    counts.len()
                ),
                None => println!(
                    "backup written to {} ({} bytes, pg_dump custom format)",
                    output.display(),
                    b.bytes
                ),
            }
            return Ok(());
        }
        Command::Restore { file, force } => {
            match crate::ops::restore(&cli.database_url, file, *force).await? {
                crate::ops::backup::Restored::Copied(c) => println!(
                    "restored {} rows in {} tables into {}",
                    c.rows(),
                    c.counts.len(),
                    redact_url(&cli.database_url)
                ),
                crate::ops::backup::Restored::PgRestore => println!(
                    "restored with pg_restore into {}",
                    redact_url(&cli.database_url)
                ),
            }
            return Ok(());
        }
        Command::MigrateData { from, to } => {
            let c = crate::ops::migrate_data(from, to).await?;
            for (table, n) in &c.counts {
                println!("{table}\t{n}");
            }
            println!(
                "copied {} rows in {} tables from {} to {}; counts verified",
                c.rows(),
                c.counts.len(),
                redact_url(from),
                redact_url(to)
            );
            return Ok(());
        }
        _ => {}
    }
    let store = open(&cli.database_url, cli.database_connections).await?;
    let result = match cli.command {
        Command::Serve(args) => serve(store.clone(), &cli.database_url, args).await,
        Command::Seed(args) => seed_demo(&store, &args.lang).await,
        Command::Export(ExportCommand::Briefing {
            issue,
            format,
            output,
            lang,
            as_user,
        }) => export_briefing(store.clone(), issue, &format, &output, &lang, as_user).await,
        Command::Export(ExportCommand::Report {
            from,
            to,
            format,
            output,
            area,
            org,
            lang,
            as_user,
        }) => {
            let form = crate::web::reports::ReportForm {
                from,
                to,
                area_id: area.map(|a| a.to_string()).unwrap_or_default(),
                org_id: org.map(|o| o.to_string()).unwrap_or_default(),
                format,
            };
            export_report(store.clone(), form, &output, &lang, as_user).await
        }
        Command::Bench(BenchCommand::Generate {
            findings,
            issues,
            big,
            unlinked,
            submissions,
            seed,
            token_file,
        }) => {
            let o = crate::bench::Options {
                findings,
                issues,
                big,
                unlinked,
                submissions,
                seed,
            };
            match crate::bench::generate(&store, &cli.database_url, &o).await {
                Ok(s) => {
                    println!(
                        "generated {} findings, {} issues ({} links), {} submissions ({} answered)",
                        s.findings, s.issues, s.links, s.submissions, s.answers
                    );
                    println!(
                        "sign in as coordinator@bench.example, password {}",
                        crate::bench::PASSWORD
                    );
                    println!("API token: {}", s.token);
                    if let Some(f) = token_file {
                        std::fs::write(&f, &s.token)
                            .with_context(|| format!("cannot write {}", f.display()))?;
                    }
                    Ok(())
                }
                Err(e) => Err(e),
            }
        }
        Command::Backup { .. } | Command::Restore { .. } | Command::MigrateData { .. } => {
            unreachable!("handled before opening the store")
        }
        Command::Migrate => {
            println!("migrations applied to {}", redact_url(&cli.database_url));
            Ok(())
        }
        Command::User(UserCommand::Add {
            email,
            name,
            role,
            org,
            language,
        }) => add_user(&store, &email, &name, role, &org, language.as_deref()).await,
        Command::User(UserCommand::List) => {
            for u in store.list_users().await? {
                let status = if u.active { "active" } else { "inactive" };
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}",
                    u.id, u.email, u.name, u.role, u.org_name, status
                );
            }
            Ok(())
        }
        Command::Org(OrgCommand::Add { name, kind }) => add_org(&store, &name, kind).await,
        Command::Org(OrgCommand::List) => {
            for o in store.list_orgs().await? {
                println!(
                    "{}\t{}\t{}\t{} members",
                    o.id,
                    o.name,
                    o.kind.as_str(),
                    o.member_count
                );
            }
            Ok(())
        }
        Command::Token(TokenCommand::Create { email, label }) => {
            create_token(&store, &email, &label).await
        }
    };
    store.close().await;
    result
}

fn demo_lang(tag: &str) -> crate::i18n::Lang {
    crate::i18n::Lang::from_tag(tag).unwrap_or(crate::i18n::Lang::Zh)
}

/// Writes an issue's briefing to a file, as the web page would for `as_user`.
async fn export_briefing(
    store: DynStore,
    issue: i64,
    format: &str,
    output: &std::path::Path,
    lang: &str,
    as_user: Option<String>,
) -> anyhow::Result<()> {
    let user = exporting_user(&store, as_user.as_deref()).await?;
    let lang = demo_lang(lang);
    let state = crate::web::AppState {
        store: store.clone(),
        settings: std::sync::Arc::new(WebSettings::default()),
        mailer: None,
        cache: Default::default(),
    };
    let doc = crate::web::issues::briefing::build(&state, &user, issue, lang)
        .await
        .map_err(|e| anyhow::anyhow!("issue {issue}: {e}"))?;
    let bytes = match format {
        "docx" => crate::documents::docx::to_docx(&doc, lang == crate::i18n::Lang::Zh)?,
        "pdf" => crate::documents::pdf_or_font_error(&doc, lang == crate::i18n::Lang::Zh)?
            .map_err(|e| anyhow::anyhow!("{e}"))?,
        _ => crate::domain::briefing::to_markdown(&doc, lang == crate::i18n::Lang::Zh).into_bytes(),
    };
    std::fs::write(output, &bytes).with_context(|| format!("cannot write {}", output.display()))?;
    store
        .record_audit(
            &AuditEvent::new("issue.briefing_exported", Some(user.id), None)
                .subject("issue", Some(issue))
                .detail(format!("{format} (command line)")),
        )
        .await?;
    println!("wrote {} ({} bytes)", output.display(), bytes.len());
    Ok(())
}

/// An application error for the operator at the terminal: the message, and for an
/// internal error the whole chain.
fn app_error(tr: crate::i18n::Tr, e: crate::error::AppError) -> anyhow::Error {
    match e {
        crate::error::AppError::Internal(err) => err.context("the report could not be made"),
        other => anyhow::anyhow!("{}", tr.t(other.info().message_key)),
    }
}

/// Who a command-line export is recorded as: `--as EMAIL`, or the first active admin.
async fn exporting_user(store: &DynStore, as_user: Option<&str>) -> anyhow::Result<User> {
    let users = store.list_users().await?;
    match as_user {
        Some(email) => users
            .into_iter()
            .find(|u| u.email.eq_ignore_ascii_case(email) && u.active)
            .with_context(|| format!("no active user {email}")),
        None => users
            .into_iter()
            .find(|u| u.role == Role::Admin && u.active)
            .context("no active admin to export as: give --as EMAIL"),
    }
}

async fn export_report(
    store: DynStore,
    form: crate::web::reports::ReportForm,
    output: &std::path::Path,
    lang: &str,
    as_user: Option<String>,
) -> anyhow::Result<()> {
    let user = exporting_user(&store, as_user.as_deref()).await?;
    if !crate::web::reports::may_report(user.role) {
        anyhow::bail!("{} is a worker; workers do not make reports", user.email);
    }
    let lang = demo_lang(lang);
    let tr = lang.tr();
    let req = crate::web::reports::parse_request(&form, lang).map_err(|errors| {
        let problems: Vec<String> = errors
            .entries()
            .into_iter()
            .map(|(field, key)| format!("--{}: {}", field.replace("_id", ""), tr.t(key)))
            .collect();
        anyhow::anyhow!(problems.join("; "))
    })?;
    let state = crate::web::AppState {
        store: store.clone(),
        settings: std::sync::Arc::new(WebSettings::default()),
        mailer: None,
        cache: Default::default(),
    };
    let started = std::time::Instant::now();
    let (_, book) = crate::web::reports::build(&state, &req, &|_, _| {})
        .await
        .map_err(|e| app_error(tr, e))?;
    let file = crate::web::reports::render(book, &req)
        .await
        .map_err(|e| app_error(tr, e))?;
    std::fs::write(output, &file.bytes)
        .with_context(|| format!("cannot write {}", output.display()))?;
    store
        .record_audit(
            &AuditEvent::new("report.exported", Some(user.id), None)
                .subject("report", None)
                .detail(format!(
                    "{} {}–{} (command line)",
                    req.format, req.from, req.to
                )),
        )
        .await?;
    println!(
        "wrote {} ({} bytes, {:.2} s)",
        output.display(),
        file.bytes.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Loads the demo and prints how to sign in.
async fn seed_demo(store: &DynStore, lang: &str) -> anyhow::Result<()> {
    let loaded = crate::seed::load_demo(store, demo_lang(lang)).await?;
    println!(
        "Loaded the Ningbo demo: {} findings, {} advocacy issues, departments and answers.",
        loaded.findings, loaded.issues
    );
    println!(
        "Sign in as any of these (password: {}):",
        crate::seed::DEMO_PASSWORD
    );
    for (email, role) in &loaded.logins {
        println!("  {email:<28} {}", role.as_str());
    }
    println!("  worker01@demo.groundswell … worker40@demo.groundswell  worker");
    Ok(())
}

async fn serve(store: DynStore, url: &str, args: ServeArgs) -> anyhow::Result<()> {
    if args.demo {
        seed_demo(&store, &args.lang).await?;
    }
    let settings = WebSettings {
        secure_cookies: args.secure_cookies,
        trust_forwarded_for: args.trust_forwarded_for,
        session_idle_hours: args.session_idle_hours,
        small_cell: args.small_cell as usize,
        attachment_max_bytes: (args.attachment_max_mb as usize) * 1024 * 1024,
        recurrence_every_minutes: args.recurrence_every_minutes,
        long_overdue_days: args.long_overdue_days,
        reminders_every_minutes: args.reminders_every_minutes,
        suggestions_lag_seconds: args.suggestions_lag_seconds,
        api_rate_per_minute: args.api_rate_per_minute,
        api_address_rate_per_minute: args.api_address_rate_per_minute,
        smtp_url: args.smtp_url.clone(),
        mail_from: args.mail_from.clone(),
        public_url: args.public_url.clone(),
    };
    if store.list_users().await?.is_empty() {
        tracing::warn!(
            "no users yet: create the first administrator with \
             `groundswell org add --name NAME --kind federation` and \
             `groundswell user add --email E --name N --role admin --org NAME`"
        );
    }
    let app = Application::build(store, args.addr, settings).await?;
    tracing::info!(
        addr = %app.local_addr(),
        database = %redact_url(url),
        "Groundswell is listening on http://{}",
        app.local_addr()
    );
    app.run_until(shutdown_signal()).await
}

fn read_password() -> anyhow::Result<String> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        let first = rpassword::prompt_password("Password (at least 10 characters): ")?;
        let second = rpassword::prompt_password("Repeat the password: ")?;
        if first != second {
            bail!("the two passwords differ");
        }
        Ok(first)
    } else {
        let mut s = String::new();
        stdin
            .lock()
            .read_to_string(&mut s)
            .context("reading the password from standard input")?;
        Ok(s.trim_end_matches(['\r', '\n']).to_string())
    }
}

fn cli_audit(action: &'static str) -> AuditEvent {
    AuditEvent::new(action, None, None).detail("command line")
}

async fn add_user(
    store: &DynStore,
    email: &str,
    name: &str,
    role: Role,
    org_name: &str,
    language: Option<&str>,
) -> anyhow::Result<()> {
    let email = Email::parse(email).map_err(|e| anyhow::anyhow!("--email: {e}"))?;
    let name = DisplayName::parse(name).map_err(|e| anyhow::anyhow!("--name: {e}"))?;
    let locale = match language {
        None => None,
        Some(tag) => Some(
            crate::i18n::Lang::from_tag(tag)
                .ok_or_else(|| {
                    anyhow::anyhow!("--language: unknown language `{tag}`: use zh-CN or en")
                })?
                .tag()
                .to_string(),
        ),
    };
    let org = store
        .org_by_name(org_name)
        .await?
        .filter(|o| o.active)
        .ok_or_else(|| anyhow::anyhow!("--org: no active organisation named `{org_name}` (create it with `groundswell org add --name …`)"))?;
    let password =
        NewPassword::parse(&read_password()?).map_err(|e| anyhow::anyhow!("password: {e}"))?;
    let new = NewUser {
        email: email.to_string(),
        name: name.as_str().to_string(),
        password_hash: password::hash(&password).await?,
        role,
        org_id: org.id,
        locale,
    };
    let audit = cli_audit("user.created").subject("user", None);
    match store.create_user(&new, &audit).await {
        Ok(u) => {
            println!(
                "created user {} <{}> ({}, {})",
                u.name, u.email, u.role, u.org_name
            );
            Ok(())
        }
        Err(StoreError::Conflict) => {
            bail!("--email: a user with the e-mail {email} already exists")
        }
        Err(e) => Err(e.into()),
    }
}

async fn add_org(store: &DynStore, name: &str, kind: OrgKind) -> anyhow::Result<()> {
    let name = DisplayName::parse(name).map_err(|e| anyhow::anyhow!("--name: {e}"))?;
    let new = NewOrg {
        name: name.as_str().to_string(),
        kind,
    };
    match store
        .create_org(
            &new,
            &cli_audit("org.created").subject("organisation", None),
        )
        .await
    {
        Ok(o) => {
            println!("created organisation {} ({})", o.name, o.kind.as_str());
            Ok(())
        }
        Err(StoreError::Conflict) => bail!(
            "--name: an organisation named `{}` already exists",
            name.as_str()
        ),
        Err(e) => Err(e.into()),
    }
}

async fn create_token(store: &DynStore, email: &str, label: &str) -> anyhow::Result<()> {
    let email = Email::parse(email).map_err(|e| anyhow::anyhow!("--email: {e}"))?;
    let user = store
        .user_by_email(email.as_str())
        .await?
        .filter(|u| u.active)
        .ok_or_else(|| anyhow::anyhow!("--email: no active user with the e-mail {email}"))?;
    let label = label.trim();
    if label.is_empty() {
        bail!("--label must not be empty");
    }
    let secret = token::generate();
    let audit = cli_audit("token.created").subject("api_token", None);
    store
        .create_api_token(user.id, label, &token::hash(&secret), &audit)
        .await?;
    // The token itself on stdout, alone, so that scripts can capture it.
    println!("{secret}");
    eprintln!(
        "API token for {} created; it is shown only this once.",
        user.email
    );
    Ok(())
}
