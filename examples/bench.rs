//! Benchmarks for findings at scale (run in release):
//!
//! ```sh
//! cargo run --release --example bench -- generate --db sqlite:/tmp/bench.db --findings 1000000
//! cargo run --release -- --database-url sqlite:/tmp/bench.db serve --addr 127.0.0.1:3100 &
//! cargo run --release --example bench -- search --url http://127.0.0.1:3100 --clients 16 --seconds 60
//! cargo run --release --example bench -- save   --url http://127.0.0.1:3100 --count 300
//! cargo run --release --example bench -- import --url http://127.0.0.1:3100 --rows 10000
//! cargo run --release --example bench -- issues --db sqlite:/tmp/bench.db --issues 20000 --big 2000 --unlinked 100000
//! cargo run --release --example bench -- issue-page --url http://127.0.0.1:3100 --count 100
//! cargo run --release --example bench -- suggest    --url http://127.0.0.1:3100 --db sqlite:/tmp/bench.db
//! cargo run --release --example bench -- recurrence --db sqlite:/tmp/bench.db --url http://127.0.0.1:3100
//! cargo run --release --example bench -- lifecycle  --db sqlite:/tmp/bench.db --submissions 60000
//! time cargo run --release -- --database-url sqlite:/tmp/bench.db export report --from 2025-12-01 --to 2026-11-30 --format pdf -o /tmp/r.pdf
//! ```
//!
//! `lifecycle` gives the issues a life over three years: departments, submissions with
//! their deadlines, answers (most on time, some late, some never), satisfaction and
//! re-handling rounds, stage moves, closures with their timeline entries, and policy
//! parameters whose values changed — what the federation report and dashboards read.
//!
//! `issues` creates advocacy issues and links findings to them directly in the database
//! (one issue with `--big` findings, the rest spread over the others) so that
//! `--unlinked` findings stay unlinked. `issue-page` times the page of the big issue,
//! `suggest` the page of an unlinked finding (its "looks like" suggestions included),
//! and `recurrence` runs a full recurring-gap pass in this process while timing issue
//! pages from the running server.
//!
//! `generate` writes realistic bilingual findings straight into the database in large
//! transactions (search terms made by the same code the app uses) and creates the
//! accounts the load commands sign in with (password `bench-password-1`).

use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::{Duration as Days, NaiveDate, Utc};
use groundswell::domain::finding::{self, FigureInput, FindingInput};
use groundswell::domain::search_text::document_terms;
use groundswell::domain::{account::NewPassword, password, role::Role};
use groundswell::store::findings::LocalityLevel;
use groundswell::store::{self, AuditEvent, NewOrg, NewUser};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const PASSWORD: &str = "bench-password-1";

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

fn arg(args: &[String], name: &str, default: &str) -> String {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
        .unwrap_or_else(|| default.to_string())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("generate") => {
            generate(
                &arg(&args, "--db", "sqlite:/tmp/bench.db"),
                arg(&args, "--findings", "1000000").parse()?,
            )
            .await
        }
        Some("search") => {
            search(
                &arg(&args, "--url", "http://127.0.0.1:3100"),
                arg(&args, "--clients", "16").parse()?,
                arg(&args, "--seconds", "60").parse()?,
                arg(&args, "--think-ms", "0").parse()?,
            )
            .await
        }
        Some("save") => {
            save(
                &arg(&args, "--url", "http://127.0.0.1:3100"),
                arg(&args, "--count", "300").parse()?,
            )
            .await
        }
        Some("import") => {
            import(
                &arg(&args, "--url", "http://127.0.0.1:3100"),
                arg(&args, "--rows", "10000").parse()?,
            )
            .await
        }
        Some("issues") => {
            issues(
                &arg(&args, "--db", "sqlite:/tmp/bench.db"),
                arg(&args, "--issues", "20000").parse()?,
                arg(&args, "--big", "2000").parse()?,
                arg(&args, "--unlinked", "100000").parse()?,
            )
            .await
        }
        Some("issue-page") => {
            issue_page(
                &arg(&args, "--url", "http://127.0.0.1:3100"),
                arg(&args, "--count", "100").parse()?,
            )
            .await
        }
        Some("suggest") => {
            suggest(
                &arg(&args, "--url", "http://127.0.0.1:3100"),
                &arg(&args, "--db", "sqlite:/tmp/bench.db"),
                arg(&args, "--count", "100").parse()?,
            )
            .await
        }
        Some("lifecycle") => {
            lifecycle(
                &arg(&args, "--db", "sqlite:/tmp/bench.db"),
                arg(&args, "--submissions", "60000").parse()?,
            )
            .await
        }
        Some("recurrence") => {
            recurrence(
                &arg(&args, "--db", "sqlite:/tmp/bench.db"),
                &arg(&args, "--url", "http://127.0.0.1:3100"),
            )
            .await
        }
        _ => anyhow::bail!(
            "usage: bench generate|search|save|import|issues|issue-page|suggest|recurrence|lifecycle [options] (see the file's header)"
        ),
    }
}

async fn generate(db: &str, count: usize) -> anyhow::Result<()> {
    let store = store::connect(db).await?;
    store.migrate().await?;
    let ev = || AuditEvent::new("bench", None, None);
    let hash = password::hash(&NewPassword::parse(PASSWORD).unwrap()).await?;
    let fed = store
        .create_org(
            &NewOrg {
                name: "Bench Federation".into(),
                kind: groundswell::domain::account::OrgKind::Federation,
            },
            &ev(),
        )
        .await?;
    store
        .create_user(
            &NewUser {
                email: "coordinator@bench.example".into(),
                name: "Coordinator".into(),
                password_hash: hash.clone(),
                role: Role::Coordinator,
                org_id: fed.id,
                locale: Some("en".into()),
            },
            &ev(),
        )
        .await?;
    let mut orgs = Vec::new();
    for i in 0..20 {
        let org = store
            .create_org(
                &NewOrg {
                    name: format!("Station {i}"),
                    kind: groundswell::domain::account::OrgKind::Member,
                },
                &ev(),
            )
            .await?;
        let user = store
            .create_user(
                &NewUser {
                    email: format!("worker{i}@bench.example"),
                    name: format!("Worker {i}"),
                    password_hash: hash.clone(),
                    role: Role::Worker,
                    org_id: org.id,
                    locale: Some("en".into()),
                },
                &ev(),
            )
            .await?;
        orgs.push((org.id, user.id));
    }
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
    store.close().await;

    let mut rng = StdRng::seed_from_u64(14);
    let start = Instant::now();
    let today = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
    let now = Utc::now();
    let is_sqlite = db.starts_with("sqlite:");
    let batch = 5_000;
    let sqlite = if is_sqlite {
        Some(sqlx::SqlitePool::connect(db).await?)
    } else {
        None
    };
    let pg = if is_sqlite {
        None
    } else {
        Some(sqlx::PgPool::connect(db).await?)
    };
    let mut done = 0;
    while done < count {
        let n = batch.min(count - done);
        let mut rows = Vec::with_capacity(n);
        for _ in 0..n {
            let (org, user) = orgs[rng.random_range(0..orgs.len())];
            let (loc, path) = communities[rng.random_range(0..communities.len())].clone();
            let age = rng.random_range(3..90);
            let input = FindingInput {
                narrative: narrative(&mut rng),
                policy_area_id: areas[rng.random_range(0..areas.len())].to_string(),
                locality_id: loc.to_string(),
                observed_on: (today - Days::days(rng.random_range(0..1500))).to_string(),
                people_affected: rng.random_range(1..8).to_string(),
                age_min: age.to_string(),
                age_max: (age + rng.random_range(0..4)).to_string(),
                threshold_benefit: if rng.random_bool(0.3) {
                    "健康教育补贴".into()
                } else {
                    String::new()
                },
                threshold_kind: String::new(),
                threshold_value: String::new(),
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
            let mut input = input;
            if !input.threshold_benefit.is_empty() {
                input.threshold_kind = "age".into();
                input.threshold_value = "14".into();
            }
            let draft = finding::validate(&input, today)
                .map_err(|p| anyhow::anyhow!("generator made a bad row: {p:?}"))?;
            let terms = document_terms(&finding::searchable_text(&draft));
            rows.push((org, user, draft, path, terms));
        }
        macro_rules! insert_batch {
            ($pool:expr, $fts:expr) => {{
                let mut tx = $pool.begin().await?;
                for (org, user, d, path, terms) in &rows {
                    let t = d.threshold.as_ref();
                    let (id,): (i64,) = sqlx::query_as(
                        "INSERT INTO findings (org_id, recorded_by, narrative, policy_area_id, locality_id, locality_path, \
                         observed_on, people_affected, age_min, age_max, threshold_benefit, threshold_kind, threshold_value, \
                         search_terms, version, created_at, updated_at) \
                         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,1,$15,$15) RETURNING id",
                    )
                    .bind(org).bind(user).bind(&d.narrative).bind(d.policy_area_id).bind(d.locality_id).bind(path)
                    .bind(d.observed_on).bind(d.people_affected).bind(d.age_min).bind(d.age_max)
                    .bind(t.map(|t| t.benefit.clone())).bind(t.map(|t| t.kind.as_str())).bind(t.map(|t| t.value.clone()))
                    .bind(terms).bind(now)
                    .fetch_one(&mut *tx).await?;
                    for (i, f) in d.figures.iter().enumerate() {
                        sqlx::query("INSERT INTO finding_figures (finding_id, position, name, amount, unit) VALUES ($1,$2,$3,$4,$5)")
                            .bind(id).bind(i as i64).bind(&f.name).bind(f.amount).bind(&f.unit).execute(&mut *tx).await?;
                    }
                    for tag in &d.tags {
                        sqlx::query("INSERT INTO finding_tags (finding_id, tag) VALUES ($1,$2)").bind(id).bind(tag).execute(&mut *tx).await?;
                    }
                    if $fts {
                        sqlx::query("INSERT INTO findings_fts (rowid, search_terms) VALUES ($1,$2)").bind(id).bind(terms).execute(&mut *tx).await?;
                    }
                }
                tx.commit().await?;
            }};
        }
        if let Some(p) = &sqlite {
            insert_batch!(p, true);
        }
        if let Some(p) = &pg {
            insert_batch!(p, false);
        }
        done += n;
        if done % 100_000 == 0 || done == count {
            eprintln!("{done} findings, {:.0} s", start.elapsed().as_secs_f64());
        }
    }
    if let Some(p) = &sqlite {
        sqlx::query("ANALYZE").execute(p).await?;
        sqlx::query("INSERT INTO findings_fts(findings_fts) VALUES ('optimize')")
            .execute(p)
            .await?;
    }
    if let Some(p) = &pg {
        sqlx::query("ANALYZE").execute(p).await?;
    }
    // The rows went in beside the store: count them into the dashboards' summaries.
    store::connect(db).await?.rebuild_summaries().await?;
    println!(
        "generated {count} findings in {:.1} s",
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

async fn client(url: &str, email: &str) -> anyhow::Result<reqwest::Client> {
    let c = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let html = c.get(format!("{url}/login")).send().await?.text().await?;
    let token = csrf(&html)?;
    let res = c
        .post(format!("{url}/login"))
        .form(&[
            ("email", email),
            ("password", PASSWORD),
            ("csrf_token", &token),
        ])
        .send()
        .await?;
    anyhow::ensure!(
        res.status() == 303,
        "login as {email} failed: {}",
        res.status()
    );
    Ok(c)
}

fn csrf(html: &str) -> anyhow::Result<String> {
    let marker = "name=\"csrf_token\" value=\"";
    let start = html.find(marker).context("no CSRF token")? + marker.len();
    Ok(html[start..start + html[start..].find('"').context("token end")?].to_string())
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

fn report(name: &str, mut times: Vec<Duration>, wall: Duration) {
    times.sort();
    println!(
        "{name}: {} requests in {:.1} s ({:.0}/s) — median {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        times.len(),
        wall.as_secs_f64(),
        times.len() as f64 / wall.as_secs_f64(),
        percentile(&times, 0.5),
        percentile(&times, 0.9),
        percentile(&times, 0.99),
        percentile(&times, 1.0),
    );
}

/// Search pages as people use them: a word or two, often with filters.
fn search_query(rng: &mut StdRng) -> String {
    const WORDS: &[&str] = &[
        "补贴",
        "自闭",
        "康复",
        "养老",
        "监护",
        "户籍",
        "subsidy",
        "allowance",
        "rehabilitation",
        "housing",
        "医疗救助",
        "14岁",
        "特教学校",
    ];
    let mut q = vec![format!(
        "q={}",
        url::form_urlencoded::byte_serialize(WORDS[rng.random_range(0..WORDS.len())].as_bytes())
            .collect::<String>()
    )];
    if rng.random_bool(0.5) {
        q.push(format!("area={}", rng.random_range(1..10)));
    }
    if rng.random_bool(0.4) {
        // A district (ids 2, 23, 44 … in the generated tree).
        q.push(format!("locality={}", 2 + 21 * rng.random_range(0..10)));
    }
    if rng.random_bool(0.3) {
        q.push("from=2025-01-01&to=2026-06-30".into());
    }
    if rng.random_bool(0.2) {
        q.push("sort=newest".into());
    }
    q.join("&")
}

/// `think_ms` > 0: each client pauses a random 0..2×think_ms between searches, as a
/// person reading results would; 0: back-to-back (saturation).
async fn search(url: &str, clients: usize, seconds: u64, think_ms: u64) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for n in 0..clients {
        let c = client(url, "coordinator@bench.example").await?;
        let url = url.to_string();
        tasks.push(tokio::spawn(async move {
            let mut rng = StdRng::seed_from_u64(n as u64);
            let mut times = Vec::new();
            while Instant::now() < deadline {
                let q = search_query(&mut rng);
                let t = Instant::now();
                let res = c.get(format!("{url}/findings?{q}")).send().await?;
                let ok = res.status().is_success();
                let _ = res.bytes().await?;
                anyhow::ensure!(ok, "search failed: {q}");
                if t.elapsed()
                    > Duration::from_millis(
                        std::env::var("SLOW_MS")
                            .ok()
                            .and_then(|v| v.parse().ok())
                            .unwrap_or(500),
                    )
                {
                    eprintln!("slow ({:.0} ms): {q}", t.elapsed().as_secs_f64() * 1000.0);
                }
                times.push(t.elapsed());
                if think_ms > 0 {
                    tokio::time::sleep(Duration::from_millis(rng.random_range(0..2 * think_ms)))
                        .await;
                }
            }
            anyhow::Ok(times)
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await??);
    }
    report(
        &format!("search page ({clients} clients)"),
        all,
        start.elapsed(),
    );
    Ok(())
}

async fn save(url: &str, count: usize) -> anyhow::Result<()> {
    let c = client(url, "worker0@bench.example").await?;
    let html = c
        .get(format!("{url}/findings/new"))
        .send()
        .await?
        .text()
        .await?;
    let token = csrf(&html)?;
    let mut rng = StdRng::seed_from_u64(99);
    let mut times = Vec::new();
    let start = Instant::now();
    for _ in 0..count {
        let form = vec![
            ("csrf_token", token.clone()),
            ("narrative", narrative(&mut rng)),
            ("policy_area_id", "1".into()),
            ("locality_id", "5".into()),
            ("observed_on", "2026-10-01".into()),
            ("people_affected", "2".into()),
            ("figure_name_0", "康复补贴".into()),
            ("figure_amount_0", "800".into()),
            ("figure_unit_0", "元/月".into()),
            ("tags", "自闭症".into()),
            ("action", "save".into()),
        ];
        let t = Instant::now();
        let res = c.post(format!("{url}/findings")).form(&form).send().await?;
        anyhow::ensure!(res.status() == 303, "save failed: {}", res.status());
        times.push(t.elapsed());
    }
    report(
        "save a finding (form, guard, redirect)",
        times,
        start.elapsed(),
    );
    Ok(())
}

async fn import(url: &str, rows: usize) -> anyhow::Result<()> {
    use base64::Engine;
    let c = client(url, "worker1@bench.example").await?;
    let html = c
        .get(format!("{url}/findings/new"))
        .send()
        .await?
        .text()
        .await?;
    let token = csrf(&html)?;
    let mut rng = StdRng::seed_from_u64(7);
    let mut csv = String::from("编号,情况描述,政策领域,社区,发现日期,人数,金额,单位\n");
    let run = Utc::now().timestamp();
    for i in 0..rows {
        csv.push_str(&format!(
            "IMP-{run}-{i},\"{}\",disability,第1区2街道3社区,2026-09-{:02},{},{},元/月\n",
            narrative(&mut rng).replace('"', "'"),
            1 + i % 28,
            1 + i % 5,
            500 + i % 2000
        ));
    }
    let body = serde_json::json!({ "file_base64": base64::engine::general_purpose::STANDARD.encode(&csv) });
    let t = Instant::now();
    let res = c
        .post(format!("{url}/api/v1/findings/import"))
        .header("x-csrf-token", token)
        .json(&body)
        .send()
        .await?;
    let status = res.status();
    let report: serde_json::Value = res.json().await?;
    anyhow::ensure!(status.is_success(), "import failed: {report}");
    println!(
        "import of {rows} rows (parse, check, commit in one transaction): {:.2} s — {}",
        t.elapsed().as_secs_f64(),
        report["outcome"]
    );
    Ok(())
}

/// Issues with links written straight into the database: issue 1 gets `big` findings,
/// the others share the rest, and the last `unlinked` findings stay unlinked.
async fn issues(db: &str, count: usize, big: usize, unlinked: usize) -> anyhow::Result<()> {
    let store = store::connect(db).await?;
    store.migrate().await?;
    let start = Instant::now();
    let (coordinator,): (i64,) = sqlx_one(
        db,
        "SELECT id FROM users WHERE email = 'coordinator@bench.example'",
    )
    .await?;
    let (total,): (i64,) = sqlx_one(db, "SELECT COUNT(*) FROM findings").await?;
    let areas: Vec<(i64,)> = sqlx_all(db, "SELECT id FROM policy_areas ORDER BY id").await?;
    let ids: Vec<(i64, i64)> = sqlx_all(
        db,
        "SELECT id, policy_area_id FROM findings WHERE deleted_at IS NULL ORDER BY id",
    )
    .await?;
    let linkable = (total as usize).saturating_sub(unlinked).min(ids.len());
    let per_issue = (linkable.saturating_sub(big) / count.saturating_sub(1).max(1)).max(1);
    let now = Utc::now();
    let exec = Exec::connect(db).await?;
    let mut next = 0usize;
    for n in 0..count {
        let area = areas[n % areas.len()].0;
        let take = if n == 0 { big } else { per_issue };
        let links: Vec<i64> = ids[next.min(linkable)..(next + take).min(linkable)]
            .iter()
            .map(|(id, _)| *id)
            .collect();
        next += take;
        exec.issue(n, area, coordinator, now, &links).await?;
        if (n + 1) % 2000 == 0 {
            eprintln!("{} issues, {:.0} s", n + 1, start.elapsed().as_secs_f64());
        }
    }
    exec.analyze().await?;
    println!(
        "created {count} issues ({big} findings on the first, {per_issue} on each other), {} findings left unlinked, in {:.1} s",
        ids.len().saturating_sub(linkable),
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

/// The few statements `issues` needs, on whichever database `db` names.
enum Exec {
    Sqlite(sqlx::SqlitePool),
    Pg(sqlx::PgPool),
}

macro_rules! exec_issue {
    ($pool:expr, $n:expr, $area:expr, $owner:expr, $now:expr, $links:expr) => {{
        let mut tx = $pool.begin().await?;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO advocacy_issues (title, problem_statement, policy_area_id, owner_id, priority, stage, created_by, created_at, updated_at, stage_since) \
             VALUES ($1, $2, $3, $4, 'normal', 'identified', $4, $5, $5, $5) RETURNING id",
        )
        .bind(format!("Bench issue {} 康复补贴", $n))
        .bind("Findings gathered by the bench. 自闭症儿童康复补贴远低于费用。")
        .bind($area)
        .bind($owner)
        .bind($now)
        .fetch_one(&mut *tx)
        .await?;
        for f in $links {
            sqlx::query("INSERT INTO issue_findings (issue_id, finding_id, linked_by, linked_at) VALUES ($1, $2, $3, $4)")
                .bind(id).bind(f).bind($owner).bind($now).execute(&mut *tx).await?;
            sqlx::query("UPDATE findings SET issue_link_count = issue_link_count + 1 WHERE id = $1")
                .bind(f).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok::<(), anyhow::Error>(())
    }};
}

impl Exec {
    async fn connect(db: &str) -> anyhow::Result<Exec> {
        Ok(if db.starts_with("sqlite:") {
            Exec::Sqlite(sqlx::SqlitePool::connect(db).await?)
        } else {
            Exec::Pg(sqlx::PgPool::connect(db).await?)
        })
    }

    async fn issue(
        &self,
        n: usize,
        area: i64,
        owner: i64,
        now: chrono::DateTime<Utc>,
        links: &[i64],
    ) -> anyhow::Result<()> {
        match self {
            Exec::Sqlite(p) => exec_issue!(p, n, area, owner, now, links),
            Exec::Pg(p) => exec_issue!(p, n, area, owner, now, links),
        }
    }

    async fn analyze(&self) -> anyhow::Result<()> {
        match self {
            Exec::Sqlite(p) => sqlx::query("ANALYZE").execute(p).await.map(|_| ())?,
            Exec::Pg(p) => sqlx::query("ANALYZE").execute(p).await.map(|_| ())?,
        }
        Ok(())
    }
}

async fn sqlx_all<T>(db: &str, sql: &str) -> anyhow::Result<Vec<T>>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
        + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>
        + Send
        + Unpin,
{
    Ok(match Exec::connect(db).await? {
        Exec::Sqlite(p) => sqlx::query_as(sql).fetch_all(&p).await?,
        Exec::Pg(p) => sqlx::query_as(sql).fetch_all(&p).await?,
    })
}

async fn sqlx_one<T>(db: &str, sql: &str) -> anyhow::Result<T>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
        + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>
        + Send
        + Unpin,
{
    sqlx_all(db, sql)
        .await?
        .into_iter()
        .next()
        .context("no row")
}

/// The page of issue 1 (the one with `--big` findings), timed one request at a time.
async fn issue_page(url: &str, count: usize) -> anyhow::Result<()> {
    let c = client(url, "coordinator@bench.example").await?;
    let first = c.get(format!("{url}/issues/1")).send().await?;
    anyhow::ensure!(first.status() == 200, "issue page: {}", first.status());
    let body = first.text().await?;
    println!("issue page: {} bytes", body.len());
    let mut times = Vec::new();
    let start = Instant::now();
    for _ in 0..count {
        let t = Instant::now();
        let res = c.get(format!("{url}/issues/1")).send().await?;
        res.bytes().await?;
        times.push(t.elapsed());
    }
    report("issue page (2,000 linked findings)", times, start.elapsed());
    Ok(())
}

/// The page of an unlinked finding as a senior of the federation would open it after
/// saving: the suggestions are computed on every view.
async fn suggest(url: &str, db: &str, count: usize) -> anyhow::Result<()> {
    let c = client(url, "coordinator@bench.example").await?;
    let mut rng = StdRng::seed_from_u64(7);
    // `issues` leaves the latest findings unlinked.
    let (top,): (i64,) = sqlx_one(db, "SELECT MAX(id) FROM findings").await?;
    let mut times = Vec::new();
    let start = Instant::now();
    let mut with = 0;
    for _ in 0..count {
        let id = top - rng.random_range(0..50_000);
        let t = Instant::now();
        let res = c.get(format!("{url}/findings/{id}")).send().await?;
        let html = res.text().await?;
        times.push(t.elapsed());
        if html.contains("id=\"suggestions\"") {
            with += 1;
        }
    }
    println!("{with} of {count} pages had suggestions");
    report("finding page with suggestions", times, start.elapsed());
    Ok(())
}

/// A full recurring-gap pass in this process; meanwhile issue pages are timed.
async fn recurrence(db: &str, url: &str) -> anyhow::Result<()> {
    let store = store::connect(db).await?;
    let c = client(url, "coordinator@bench.example").await?;
    let mut before = Vec::new();
    for _ in 0..20 {
        let t = Instant::now();
        c.get(format!("{url}/issues/2"))
            .send()
            .await?
            .bytes()
            .await?;
        before.push(t.elapsed());
    }
    let pass = tokio::spawn({
        let store = store.clone();
        async move {
            let t = Instant::now();
            let o = groundswell::background::run_recurrence_pass(&store).await;
            (o, t.elapsed())
        }
    });
    let mut during = Vec::new();
    let start = Instant::now();
    while !pass.is_finished() {
        let t = Instant::now();
        c.get(format!("{url}/issues/2"))
            .send()
            .await?
            .bytes()
            .await?;
        during.push(t.elapsed());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (outcome, took) = pass.await?;
    let outcome = outcome?;
    println!(
        "recurring-gap pass: {} unlinked findings, {} candidates, {:.1} s",
        outcome.findings,
        outcome.candidates,
        took.as_secs_f64()
    );
    report("issue page before the pass", before, Duration::from_secs(1));
    report("issue page during the pass", during, start.elapsed());
    Ok(())
}

/// What `lifecycle` writes, in one transaction, on whichever database.
macro_rules! exec_lifecycle {
    ($pool:expr, $plan:expr, $owner:expr) => {{
        let plan: &LifecyclePlan = $plan;
        let mut tx = $pool.begin().await?;
        let now = Utc::now();
        for s in &plan.submissions {
            let (sid,): (i64,) = sqlx::query_as(
                "INSERT INTO submissions (issue_id, department_id, handling, channel, submitted_on, due_on, rehandling_due_on, created_by, created_at, updated_at) \
                 VALUES ($1, $2, 'lead', 'letter', $3, $4, $5, $6, $7, $7) RETURNING id",
            )
            .bind(s.issue)
            .bind(s.department)
            .bind(s.on)
            .bind(s.due)
            .bind(s.rehandling)
            .bind($owner)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            if let Some((on, class, sat)) = &s.answer {
                sqlx::query(
                    "INSERT INTO responses (submission_id, round, responded_on, classification, summary, satisfaction, created_by, created_at, updated_at) \
                     VALUES ($1, 1, $2, $3, 'bench answer', $4, $5, $6, $6)",
                )
                .bind(sid)
                .bind(on)
                .bind(class)
                .bind(sat)
                .bind($owner)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
        }
        for (issue, stage, resolution, closed_at) in &plan.stages {
            sqlx::query("UPDATE advocacy_issues SET stage = $1, resolution = $2, stage_since = $3 WHERE id = $4")
                .bind(stage)
                .bind(resolution)
                .bind(closed_at.unwrap_or(now - Days::days((*issue % 200) + 1)))
                .bind(issue)
                .execute(&mut *tx)
                .await?;
            if let Some(at) = closed_at {
                sqlx::query(
                    "INSERT INTO audit_log (at, actor_user_id, action, subject_type, subject_id, detail) VALUES ($1, $2, 'issue.closed', 'issue', $3, '')",
                )
                .bind(at)
                .bind($owner)
                .bind(issue)
                .execute(&mut *tx)
                .await?;
            }
        }
        for (n, values) in plan.parameters.iter().enumerate() {
            let (pid,): (i64,) = sqlx::query_as(
                "INSERT INTO policy_parameters (name_zh, name_en, unit, created_by, created_at) VALUES ($1, $2, '元/月', $3, $4) RETURNING id",
            )
            .bind(format!("基准参数 {n}"))
            .bind(format!("Bench parameter {n}"))
            .bind($owner)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            for (value, from, issue, people) in values {
                sqlx::query(
                    "INSERT INTO parameter_values (parameter_id, value, valid_from, issue_id, beneficiaries, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(pid)
                .bind(value)
                .bind(from)
                .bind(issue)
                .bind(people)
                .bind($owner)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
        Ok::<(), anyhow::Error>(())
    }};
}

struct PlannedSubmission {
    issue: i64,
    department: i64,
    on: NaiveDate,
    due: NaiveDate,
    rehandling: Option<NaiveDate>,
    answer: Option<(NaiveDate, &'static str, Option<&'static str>)>,
}

#[derive(Default)]
struct LifecyclePlan {
    submissions: Vec<PlannedSubmission>,
    #[allow(clippy::type_complexity)]
    stages: Vec<(
        i64,
        &'static str,
        Option<&'static str>,
        Option<chrono::DateTime<Utc>>,
    )>,
    #[allow(clippy::type_complexity)]
    parameters: Vec<Vec<(f64, NaiveDate, Option<i64>, Option<i64>)>>,
}

/// Gives the bench's issues a life: see the file's header.
async fn lifecycle(db: &str, submissions: usize) -> anyhow::Result<()> {
    let store = store::connect(db).await?;
    store.migrate().await?;
    let start = Instant::now();
    let mut rng = StdRng::seed_from_u64(20261201);
    let (owner,): (i64,) = sqlx_one(
        db,
        "SELECT id FROM users WHERE email = 'coordinator@bench.example'",
    )
    .await?;
    let issues: Vec<(i64,)> = sqlx_all(db, "SELECT id FROM advocacy_issues ORDER BY id").await?;
    anyhow::ensure!(!issues.is_empty(), "no issues: run `bench issues` first");
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
                    &groundswell::store::lifecycle::NewDepartment {
                        name_zh: zh.into(),
                        name_en: en.into(),
                        level: "municipal".into(),
                        parent_id: None,
                        reply_unit: "months".into(),
                        reply_count: 3,
                        active: true,
                    },
                    &AuditEvent::new("bench", None, None),
                )
                .await?,
        );
    }
    let today = groundswell::domain::finding::today_in_china();
    let mut plan = LifecyclePlan::default();
    for _ in 0..submissions {
        let issue = issues[rng.random_range(0..issues.len())].0;
        let department = departments[rng.random_range(0..departments.len())];
        let on = today - Days::days(rng.random_range(0..3 * 365));
        let due = on + Days::days(91);
        // Most answer, most of those on time; an answer cannot come after today.
        let answer = if rng.random_bool(0.75) {
            let late = rng.random_bool(0.2);
            let after = if late {
                rng.random_range(92..200)
            } else {
                rng.random_range(10..91)
            };
            let when = on + Days::days(after);
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
            Some((when, _, Some("not_satisfied"))) => Some(when + Days::days(30)),
            _ => None,
        };
        plan.submissions.push(PlannedSubmission {
            issue,
            department,
            on,
            due,
            rehandling,
            answer,
        });
    }
    for (n, (id,)) in issues.iter().enumerate().skip(1) {
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
                Some(Utc::now() - Days::days(rng.random_range(0..1000))),
            ),
            _ => (
                "closed",
                Some("partially_achieved"),
                Some(Utc::now() - Days::days(rng.random_range(0..1000))),
            ),
        };
        plan.stages.push((*id, stage, resolution, closed));
    }
    for _ in 0..60 {
        let mut values = vec![(800.0, today - Days::days(1500), None, None)];
        for k in 1..4 {
            values.push((
                800.0 + 400.0 * k as f64,
                today - Days::days(1500 - 350 * k),
                Some(issues[rng.random_range(0..issues.len())].0),
                Some(rng.random_range(50..5000)),
            ));
        }
        plan.parameters.push(values);
    }
    match Exec::connect(db).await? {
        Exec::Sqlite(p) => exec_lifecycle!(p, &plan, owner)?,
        Exec::Pg(p) => exec_lifecycle!(p, &plan, owner)?,
    }
    store.rebuild_summaries().await?;
    Exec::connect(db).await?.analyze().await?;
    println!(
        "{} submissions ({} answered), {} issue stages, {} parameters in {:.1} s",
        plan.submissions.len(),
        plan.submissions
            .iter()
            .filter(|s| s.answer.is_some())
            .count(),
        plan.stages.len(),
        plan.parameters.len(),
        start.elapsed().as_secs_f64()
    );
    Ok(())
}
