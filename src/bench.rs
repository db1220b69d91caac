//! `groundswell bench generate`: fills an empty database (SQLite or PostgreSQL) with
//! realistic, reproducible data at federation or province scale, for the load harness
//! (`scripts/load.sh`) and BENCHMARKS.md. Fixed seeds: the same options give the same
//! rows.
//!
//! What it makes: a federation and stations with their people (password
//! [`PASSWORD`], and an API token for the coordinator, printed); ten districts of
//! streets and communities; bilingual findings over four years with the distribution of
//! real casework (most never linked; one issue with thousands of findings, the others a
//! few dozen); issues at every stage; departments; submissions over three years with
//! answers (most on time, some late, some never), ratings and re-handling rounds;
//! closures on the timeline; policy parameters whose values changed.
//!
//! Speed: rows are prepared in Rust and written with explicit ids in multi-row
//! statements inside large transactions, bypassing the store's one-at-a-time paths; the
//! summaries the store keeps (finding counts, answer summaries) are rebuilt at the end
//! with the same code the store uses.

use std::time::Instant;

use anyhow::Context;
use chrono::{Days, NaiveDate, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sqlx::QueryBuilder;

use crate::domain::account::{NewPassword, OrgKind};
use crate::domain::finding::{self, FigureInput, FindingInput};
use crate::domain::role::Role;
use crate::domain::search_text::document_terms;
use crate::domain::{password, token};
use crate::store::findings::LocalityLevel;
use crate::store::{AuditEvent, DynStore, NewOrg, NewUser};

/// Every generated account's password.
pub const PASSWORD: &str = "bench-password-1";

#[derive(Debug, Clone)]
pub struct Options {
    pub findings: usize,
    pub issues: usize,
    /// Findings linked to the first issue.
    pub big: usize,
    /// Findings left out of every issue.
    pub unlinked: usize,
    pub submissions: usize,
    pub seed: u64,
}

const ZH_GAPS: &[&str] = &[
    "自闭症儿童满14岁后不能再享受健康教育补贴，特教学校因名额问题不再接收",
    "残联康复补贴每月800元，一对一康复训练费用远高于此",
    "独居老人申请居家养老服务需排队一年以上",
    "困境儿童父母服刑期间无人履行监护职责，临时监护缺少经费",
    "低保边缘家庭因收入略高于标准无法获得医疗救助",
    "外来务工人员子女因户籍限制无法在社区就读公办初中",
    "精神障碍患者出院后社区康复服务空白，家属照护压力大",
    "失能老人护理补贴标准多年未调整，护理费用上涨",
    "残疾人就业岗位少，福利企业招聘名额有限",
    "重病家庭医疗费用报销比例低，因病致贫返贫",
    "单亲家庭住房困难，公租房轮候时间过长",
    "留守儿童课后无人照看，社区托管服务收费过高",
];
const EN_GAPS: &[&str] = &[
    "The autism rehabilitation allowance covers a fraction of one-to-one teaching costs",
    "Children lose their special-school place and education subsidy at fourteen",
    "Elderly people living alone wait more than a year for home-care services",
    "Families just above the minimum-income line get no medical assistance",
    "Migrant workers' children cannot enrol in public junior schools without local residence",
    "Community mental-health rehabilitation stops after hospital discharge",
    "The disability care subsidy has not been raised for years while care costs rose",
    "Public rental housing waiting lists leave single-parent families in overcrowded rooms",
];
const DETAILS: &[&str] = &[
    "社工在个案随访中发现",
    "小组活动中多位家长反映",
    "In a home visit the worker observed that",
    "Several parents in the support group said",
    "社区走访时居民提到",
    "家庭访视记录显示",
];

fn narrative(rng: &mut StdRng) -> String {
    let detail = DETAILS[rng.random_range(0..DETAILS.len())];
    if rng.random_bool(0.6) {
        let gap = ZH_GAPS[rng.random_range(0..ZH_GAPS.len())];
        format!(
            "{detail}：{gap}。家庭已多次咨询，目前仍无解决办法，共涉及{}人。",
            rng.random_range(1..6)
        )
    } else {
        let gap = EN_GAPS[rng.random_range(0..EN_GAPS.len())];
        format!(
            "{detail} {}. The family has asked several times; {} people are affected.",
            gap.to_lowercase(),
            rng.random_range(1..6)
        )
    }
}

/// A finding ready to write.
struct FindingRow {
    id: i64,
    org: i64,
    user: i64,
    draft: finding::FindingDraft,
    path: String,
    terms: String,
}

/// What was made.
#[derive(Debug, Default)]
pub struct Summary {
    pub findings: usize,
    pub issues: usize,
    pub links: usize,
    pub submissions: usize,
    pub answers: usize,
    /// The coordinator's API token (shown once).
    pub token: String,
}

/// Rows per multi-row statement (under both databases' bound-parameter limits).
const ROWS_PER_STATEMENT: usize = 400;
/// Findings per transaction.
const BATCH: usize = 20_000;

macro_rules! write_findings {
    ($tx:expr, $db:ty, $rows:expr, $now:expr, $fts:expr) => {{
        for chunk in $rows.chunks(ROWS_PER_STATEMENT) {
            let mut q: QueryBuilder<$db> = QueryBuilder::new(
                "INSERT INTO findings (id, org_id, recorded_by, narrative, policy_area_id, locality_id, locality_path, \
                 observed_on, people_affected, age_min, age_max, threshold_benefit, threshold_kind, threshold_value, \
                 search_terms, version, created_at, updated_at) ",
            );
            q.push_values(chunk, |mut b, r| {
                let t = r.draft.threshold.as_ref();
                b.push_bind(r.id)
                    .push_bind(r.org)
                    .push_bind(r.user)
                    .push_bind(r.draft.narrative.clone())
                    .push_bind(r.draft.policy_area_id)
                    .push_bind(r.draft.locality_id)
                    .push_bind(r.path.clone())
                    .push_bind(r.draft.observed_on)
                    .push_bind(r.draft.people_affected)
                    .push_bind(r.draft.age_min)
                    .push_bind(r.draft.age_max)
                    .push_bind(t.map(|t| t.benefit.clone()))
                    .push_bind(t.map(|t| t.kind.as_str().to_string()))
                    .push_bind(t.map(|t| t.value.clone()))
                    .push_bind(r.terms.clone())
                    .push_bind(1_i64)
                    .push_bind($now)
                    .push_bind($now);
            });
            q.build().execute(&mut *$tx).await?;
            let figures: Vec<(i64, i64, &finding::Figure)> = chunk
                .iter()
                .flat_map(|r| r.draft.figures.iter().enumerate().map(move |(i, f)| (r.id, i as i64, f)))
                .collect();
            if !figures.is_empty() {
                let mut q: QueryBuilder<$db> =
                    QueryBuilder::new("INSERT INTO finding_figures (finding_id, position, name, amount, unit) ");
                q.push_values(&figures, |mut b, (id, i, f)| {
                    b.push_bind(*id)
                        .push_bind(*i)
                        .push_bind(f.name.clone())
                        .push_bind(f.amount)
                        .push_bind(f.unit.clone());
                });
                q.build().execute(&mut *$tx).await?;
            }
            let tags: Vec<(i64, &String)> = chunk
                .iter()
                .flat_map(|r| r.draft.tags.iter().map(move |t| (r.id, t)))
                .collect();
            if !tags.is_empty() {
                let mut q: QueryBuilder<$db> = QueryBuilder::new("INSERT INTO finding_tags (finding_id, tag) ");
                q.push_values(&tags, |mut b, (id, t)| {
                    b.push_bind(*id).push_bind((*t).clone());
                });
                q.build().execute(&mut *$tx).await?;
            }
            if $fts {
                let mut q: QueryBuilder<$db> = QueryBuilder::new("INSERT INTO findings_fts (rowid, search_terms) ");
                q.push_values(chunk, |mut b, r| {
                    b.push_bind(r.id).push_bind(r.terms.clone());
                });
                q.build().execute(&mut *$tx).await?;
            }
        }
    }};
}

/// Rows of one table, written in multi-row statements: `$cols` names the columns,
/// `$bind` binds one row.
macro_rules! write_rows {
    ($tx:expr, $db:ty, $sql:expr, $rows:expr, |$b:ident, $r:ident| $bind:block) => {{
        for chunk in $rows.chunks(ROWS_PER_STATEMENT) {
            let mut q: QueryBuilder<$db> = QueryBuilder::new($sql);
            q.push_values(chunk, |mut $b, $r| $bind);
            q.build().execute(&mut *$tx).await?;
        }
    }};
}

/// The rest of the data, planned in memory (small next to the findings).
#[derive(Default)]
struct Plan {
    /// (id, area, owner, stage, resolution, created, stage_since)
    #[allow(clippy::type_complexity)]
    issues: Vec<(
        i64,
        i64,
        i64,
        &'static str,
        Option<&'static str>,
        chrono::DateTime<Utc>,
        chrono::DateTime<Utc>,
    )>,
    /// (issue, finding)
    links: Vec<(i64, i64)>,
    /// (id, issue, department, submitted, due, rehandling due)
    submissions: Vec<(i64, i64, i64, NaiveDate, NaiveDate, Option<NaiveDate>)>,
    /// (submission, responded, class, satisfaction)
    answers: Vec<(i64, NaiveDate, &'static str, Option<&'static str>)>,
    /// (issue, closed at)
    closures: Vec<(i64, chrono::DateTime<Utc>)>,
    /// (parameter id, values: (value, from, issue, beneficiaries))
    #[allow(clippy::type_complexity)]
    parameters: Vec<(i64, Vec<(f64, NaiveDate, Option<i64>, Option<i64>)>)>,
}

macro_rules! write_plan {
    ($tx:expr, $db:ty, $plan:expr, $owner:expr, $now:expr) => {{
        let p: &Plan = $plan;
        write_rows!($tx, $db,
            "INSERT INTO advocacy_issues (id, title, problem_statement, policy_area_id, owner_id, priority, stage, resolution, created_by, created_at, updated_at, stage_since) ",
            p.issues, |b, r| {
                b.push_bind(r.0)
                    .push_bind(format!("Bench issue {} 康复补贴", r.0))
                    .push_bind("Findings gathered by the bench. 自闭症儿童康复补贴远低于费用。")
                    .push_bind(r.1)
                    .push_bind(r.2)
                    .push_bind("normal")
                    .push_bind(r.3)
                    .push_bind(r.4)
                    .push_bind(r.2)
                    .push_bind(r.5)
                    .push_bind(r.5)
                    .push_bind(r.6);
            });
        write_rows!($tx, $db, "INSERT INTO issue_findings (issue_id, finding_id, linked_by, linked_at) ", p.links, |b, r| {
            b.push_bind(r.0).push_bind(r.1).push_bind($owner).push_bind($now);
        });
        write_rows!($tx, $db,
            "INSERT INTO submissions (id, issue_id, department_id, handling, channel, submitted_on, due_on, rehandling_due_on, created_by, created_at, updated_at) ",
            p.submissions, |b, r| {
                b.push_bind(r.0)
                    .push_bind(r.1)
                    .push_bind(r.2)
                    .push_bind("lead")
                    .push_bind("letter")
                    .push_bind(r.3)
                    .push_bind(r.4)
                    .push_bind(r.5)
                    .push_bind($owner)
                    .push_bind($now)
                    .push_bind($now);
            });
        write_rows!($tx, $db,
            "INSERT INTO responses (submission_id, round, responded_on, classification, summary, satisfaction, created_by, created_at, updated_at) ",
            p.answers, |b, r| {
                b.push_bind(r.0)
                    .push_bind(1_i64)
                    .push_bind(r.1)
                    .push_bind(r.2)
                    .push_bind("bench answer")
                    .push_bind(r.3)
                    .push_bind($owner)
                    .push_bind($now)
                    .push_bind($now);
            });
        write_rows!($tx, $db,
            "INSERT INTO audit_log (at, actor_user_id, action, subject_type, subject_id, detail) ",
            p.closures, |b, r| {
                b.push_bind(r.1)
                    .push_bind($owner)
                    .push_bind("issue.closed")
                    .push_bind("issue")
                    .push_bind(r.0)
                    .push_bind("");
            });
        for (pid, values) in &p.parameters {
            sqlx::query("INSERT INTO policy_parameters (id, name_zh, name_en, unit, created_by, created_at) VALUES ($1, $2, $3, '元/月', $4, $5)")
                .bind(*pid)
                .bind(format!("基准参数 {pid}"))
                .bind(format!("Bench parameter {pid}"))
                .bind($owner)
                .bind($now)
                .execute(&mut *$tx)
                .await?;
            write_rows!($tx, $db,
                "INSERT INTO parameter_values (parameter_id, value, valid_from, issue_id, beneficiaries, created_by, created_at) ",
                values, |b, v| {
                    b.push_bind(*pid)
                        .push_bind(v.0)
                        .push_bind(v.1)
                        .push_bind(v.2)
                        .push_bind(v.3)
                        .push_bind($owner)
                        .push_bind($now);
                });
        }
        // Link counts as the store keeps them.
        sqlx::query(
            "UPDATE findings SET issue_link_count = (SELECT COUNT(*) FROM issue_findings l WHERE l.finding_id = findings.id) \
             WHERE id IN (SELECT finding_id FROM issue_findings)",
        )
        .execute(&mut *$tx)
        .await?;
    }};
}

/// Generates into the database at `url`, which must hold no findings or issues yet.
pub async fn generate(store: &DynStore, url: &str, o: &Options) -> anyhow::Result<Summary> {
    store.migrate().await?;
    let start = Instant::now();
    anyhow::ensure!(
        store.list_issues().await?.is_empty() && store.list_users().await?.is_empty(),
        "the database already has data: generate into an empty one"
    );
    let ev = || AuditEvent::new("bench", None, None);
    let hash = password::hash(&NewPassword::parse(PASSWORD).expect("a valid password")).await?;
    let fed = store
        .create_org(
            &NewOrg {
                name: "Bench Federation".into(),
                kind: OrgKind::Federation,
            },
            &ev(),
        )
        .await?;
    let user = |email: &str, name: &str, role: Role, org: i64| NewUser {
        email: email.into(),
        name: name.into(),
        password_hash: hash.clone(),
        role,
        org_id: org,
        locale: Some("en".into()),
    };
    let coordinator = store
        .create_user(
            &user(
                "coordinator@bench.example",
                "Coordinator",
                Role::Coordinator,
                fed.id,
            ),
            &ev(),
        )
        .await?;
    store
        .create_user(
            &user("admin@bench.example", "Admin", Role::Admin, fed.id),
            &ev(),
        )
        .await?;
    let mut stations = Vec::new();
    for i in 0..20 {
        let org = store
            .create_org(
                &NewOrg {
                    name: format!("Station {i}"),
                    kind: OrgKind::Member,
                },
                &ev(),
            )
            .await?;
        let worker = store
            .create_user(
                &user(
                    &format!("worker{i}@bench.example"),
                    &format!("Worker {i}"),
                    Role::Worker,
                    org.id,
                ),
                &ev(),
            )
            .await?;
        store
            .create_user(
                &user(
                    &format!("senior{i}@bench.example"),
                    &format!("Senior {i}"),
                    Role::Senior,
                    org.id,
                ),
                &ev(),
            )
            .await?;
        stations.push((org.id, worker.id));
    }
    let secret = token::generate();
    store
        .create_api_token(coordinator.id, "bench", &token::hash(&secret), &ev())
        .await?;
    let city = store
        .create_locality(None, LocalityLevel::City, "宁波市", "Ningbo", &ev())
        .await?;
    let mut communities = Vec::new();
    for d in 0..10 {
        let district = store
            .create_locality(
                Some(city.id),
                LocalityLevel::District,
                &format!("第{d}区"),
                &format!("District {d}"),
                &ev(),
            )
            .await?;
        for s in 0..5 {
            let street = store
                .create_locality(
                    Some(district.id),
                    LocalityLevel::Street,
                    &format!("第{d}区{s}街道"),
                    "",
                    &ev(),
                )
                .await?;
            for c in 0..4 {
                let community = store
                    .create_locality(
                        Some(street.id),
                        LocalityLevel::Community,
                        &format!("第{d}区{s}街道{c}社区"),
                        "",
                        &ev(),
                    )
                    .await?;
                communities.push((community.id, community.path));
            }
        }
    }
    let areas: Vec<i64> = store
        .list_policy_areas()
        .await?
        .into_iter()
        .map(|a| a.id)
        .collect();
    let mut departments = Vec::new();
    for (zh, en) in [
        ("基准教育局", "Bench Education Bureau"),
        ("基准民政局", "Bench Civil Affairs Bureau"),
        ("基准残联", "Bench Disabled Persons' Federation"),
        ("基准卫健委", "Bench Health Commission"),
        ("基准人社局", "Bench Human Resources Bureau"),
        ("基准住建局", "Bench Housing Bureau"),
        ("基准医保局", "Bench Healthcare Security Bureau"),
        ("基准妇联", "Bench Women's Federation"),
        ("基准慈溪市政府", "Bench Cixi Government"),
        ("基准北仑区政府", "Bench Beilun Government"),
        ("基准象山县政府", "Bench Xiangshan Government"),
        ("基准团市委", "Bench Youth League"),
    ] {
        departments.push(
            store
                .create_department(
                    &crate::store::lifecycle::NewDepartment {
                        name_zh: zh.into(),
                        name_en: en.into(),
                        level: "municipal".into(),
                        parent_id: None,
                        reply_unit: "months".into(),
                        reply_count: 3,
                        active: true,
                    },
                    &ev(),
                )
                .await?,
        );
    }
    store.close().await;

    let mut rng = StdRng::seed_from_u64(o.seed);
    let today = crate::domain::finding::today_in_china();
    let now = Utc::now();
    let sqlite = url.starts_with("sqlite:");
    let pool_sqlite = if sqlite {
        // A bulk load: no fsync per commit; the file is checkpointed at the end.
        use std::str::FromStr;
        let opts = sqlx::sqlite::SqliteConnectOptions::from_str(url)?
            .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
            .synchronous(sqlx::sqlite::SqliteSynchronous::Off)
            .pragma("cache_size", "-200000");
        Some(sqlx::SqlitePool::connect_with(opts).await?)
    } else {
        None
    };
    let pool_pg = if sqlite {
        None
    } else {
        Some(sqlx::PgPool::connect(url).await?)
    };

    // Findings, in large transactions.
    let mut by_area: Vec<(i64, i64)> = Vec::with_capacity(o.findings);
    let mut written = 0;
    while written < o.findings {
        let n = BATCH.min(o.findings - written);
        let mut rows = Vec::with_capacity(n);
        for k in 0..n {
            let (org, user) = stations[rng.random_range(0..stations.len())];
            let (loc, path) = communities[rng.random_range(0..communities.len())].clone();
            let age = rng.random_range(3..90);
            let threshold = rng.random_bool(0.3);
            let input = FindingInput {
                narrative: narrative(&mut rng),
                policy_area_id: areas[rng.random_range(0..areas.len())].to_string(),
                locality_id: loc.to_string(),
                observed_on: (today - Days::new(rng.random_range(0..1500))).to_string(),
                people_affected: rng.random_range(1..8).to_string(),
                age_min: age.to_string(),
                age_max: (age + rng.random_range(0..4)).to_string(),
                threshold_benefit: if threshold {
                    "健康教育补贴".into()
                } else {
                    String::new()
                },
                threshold_kind: if threshold {
                    "age".into()
                } else {
                    String::new()
                },
                threshold_value: if threshold {
                    "14".into()
                } else {
                    String::new()
                },
                figures: if rng.random_bool(0.3) {
                    vec![FigureInput {
                        name: "康复补贴".into(),
                        amount: rng.random_range(500..3000).to_string(),
                        unit: "元/月".into(),
                    }]
                } else {
                    vec![]
                },
                tags: if rng.random_bool(0.5) {
                    "自闭症, 14岁".into()
                } else {
                    String::new()
                },
                ..Default::default()
            };
            let draft = finding::validate(&input, today)
                .map_err(|p| anyhow::anyhow!("the generator made a bad finding: {p:?}"))?;
            let terms = document_terms(&finding::searchable_text(&draft));
            let id = (written + k + 1) as i64;
            by_area.push((id, draft.policy_area_id));
            rows.push(FindingRow {
                id,
                org,
                user,
                draft,
                path,
                terms,
            });
        }
        if let Some(p) = &pool_sqlite {
            let mut tx = p.begin().await?;
            write_findings!(tx, sqlx::Sqlite, rows, now, true);
            tx.commit().await?;
        }
        if let Some(p) = &pool_pg {
            let mut tx = p.begin().await?;
            write_findings!(tx, sqlx::Postgres, rows, now, false);
            tx.commit().await?;
        }
        written += n;
        if written % 100_000 == 0 || written == o.findings {
            eprintln!("{written} findings, {:.0} s", start.elapsed().as_secs_f64());
        }
    }

    // Issues and links: the first issue has `big` findings, the others share the
    // linkable findings; the last `unlinked` findings stay out of every issue.
    let mut plan = Plan::default();
    let linkable = o.findings.saturating_sub(o.unlinked);
    let per_issue = (linkable.saturating_sub(o.big) / o.issues.saturating_sub(1).max(1)).max(1);
    let mut next = 0usize;
    for n in 0..o.issues {
        let id = (n + 1) as i64;
        let area = areas[n % areas.len()];
        let take = if n == 0 { o.big } else { per_issue };
        for (fid, _) in by_area
            .iter()
            .skip(next.min(linkable))
            .take(take.min(linkable.saturating_sub(next)))
        {
            plan.links.push((id, *fid));
        }
        next += take;
        let created = now - Days::new(rng.random_range(30..1200));
        let (stage, resolution, closed) = match n % 10 {
            0 | 1 => ("identified", None, None),
            2 => ("drafting", None, None),
            3 => ("review", None, None),
            4 | 5 => ("submitted", None, None),
            6 => ("responded", None, None),
            7 => ("implementing", None, None),
            8 => (
                "closed",
                Some("achieved"),
                Some(now - Days::new(rng.random_range(0..1000))),
            ),
            _ => (
                "closed",
                Some("partially_achieved"),
                Some(now - Days::new(rng.random_range(0..1000))),
            ),
        };
        let since = closed.unwrap_or(now - Days::new(rng.random_range(1..200)));
        plan.issues
            .push((id, area, coordinator.id, stage, resolution, created, since));
        if let Some(at) = closed {
            plan.closures.push((id, at));
        }
    }
    for k in 0..o.submissions {
        let id = (k + 1) as i64;
        let issue = rng.random_range(1..=o.issues.max(1)) as i64;
        let department = departments[rng.random_range(0..departments.len())];
        let on = today - Days::new(rng.random_range(0..3 * 365));
        let due = on + Days::new(91);
        let answer = if rng.random_bool(0.75) {
            let after = if rng.random_bool(0.2) {
                rng.random_range(92..200)
            } else {
                rng.random_range(10..91)
            };
            let when = on + Days::new(after);
            (when <= today).then(|| {
                let class = match rng.random_range(0..10) {
                    0..=2 => "A",
                    3..=7 => "B",
                    _ => "C",
                };
                let sat = match rng.random_range(0..10) {
                    0..=4 => Some("satisfied"),
                    5..=6 => Some("basically_satisfied"),
                    7 => Some("not_satisfied"),
                    _ => None,
                };
                (when, class, sat)
            })
        } else {
            None
        };
        let rehandling = match answer {
            Some((when, _, Some("not_satisfied"))) => Some(when + Days::new(30)),
            _ => None,
        };
        plan.submissions
            .push((id, issue, department, on, due, rehandling));
        if let Some((when, class, sat)) = answer {
            plan.answers.push((id, when, class, sat));
        }
    }
    for p in 0..60 {
        let mut values = vec![(800.0, today - Days::new(1500), None, None)];
        for k in 1..4_u64 {
            values.push((
                800.0 + 400.0 * k as f64,
                today - Days::new(1500 - 350 * k),
                Some(rng.random_range(1..=o.issues.max(1)) as i64),
                Some(rng.random_range(50..5000)),
            ));
        }
        plan.parameters.push((p + 1, values));
    }
    if let Some(p) = &pool_sqlite {
        let mut tx = p.begin().await?;
        write_plan!(tx, sqlx::Sqlite, &plan, coordinator.id, now);
        tx.commit().await?;
        sqlx::query("INSERT INTO findings_fts(findings_fts) VALUES ('optimize')")
            .execute(p)
            .await?;
        p.close().await;
    }
    if let Some(p) = &pool_pg {
        let mut tx = p.begin().await?;
        write_plan!(tx, sqlx::Postgres, &plan, coordinator.id, now);
        // Explicit ids were written: move the identity sequences past them.
        for table in [
            "findings",
            "advocacy_issues",
            "submissions",
            "policy_parameters",
        ] {
            sqlx::query(&format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT COALESCE(MAX(id), 1) FROM {table}))"
            ))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        p.close().await;
    }
    // The summaries the store keeps, from the rows, with the store's own code.
    let store = crate::store::connect(url)
        .await
        .context("reopening the database")?;
    // Statistics first: on freshly loaded PostgreSQL tables the planner would otherwise
    // scan every answer once per submission (16 minutes instead of 16 seconds).
    store.analyze().await?;
    store.rebuild_summaries().await?;
    store.analyze().await?;
    store.close().await;
    eprintln!("done in {:.0} s", start.elapsed().as_secs_f64());
    Ok(Summary {
        findings: o.findings,
        issues: o.issues,
        links: plan.links.len(),
        submissions: plan.submissions.len(),
        answers: plan.answers.len(),
        token: secret,
    })
}
