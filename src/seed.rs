//! The Ningbo demo: organisations, people for every role, places, departments, about
//! 360 findings and issues at every stage with their submissions, answers, commitments
//! and outcomes — dated relative to the day it is loaded, so that some replies are due
//! soon and some are overdue whenever someone tries it. Data: `seed/ningbo.json` (the
//! story) and the labelled findings in `tests/data/recurring_gaps.json`.

use std::collections::HashMap;

use anyhow::{Context, bail};
use chrono::{DateTime, Days, NaiveDate, TimeZone, Utc};
use serde::Deserialize;

use crate::domain::account::{NewPassword, OrgKind};
use crate::domain::finding::{self, FigureInput, FindingInput, today_in_china};
use crate::domain::password;
use crate::domain::role::Role;
use crate::domain::search_text::document_terms;
use crate::domain::workdays;
use crate::i18n::Lang;
use crate::store::findings::{Author, LocalityLevel};
use crate::store::issues::NewIssue;
use crate::store::lifecycle::{NewDepartment, NewResponse, NewSubmission, StageChange};
use crate::store::parameters::{NewParameter, NewValue};
use crate::store::{AuditEvent, DynStore, NewOrg, NewUser};

/// Every demo account signs in with this.
pub const DEMO_PASSWORD: &str = "groundswell-demo";

const STORY: &str = include_str!("../seed/ningbo.json");
const FINDINGS: &str = include_str!("../tests/data/recurring_gaps.json");

#[derive(Deserialize)]
struct Story {
    city: Names,
    districts: Vec<District>,
    organisations: Vec<Org>,
    people: Vec<Person>,
    departments: Vec<Dept>,
    story_findings: Vec<SeedFinding>,
    issues: Vec<SeedIssue>,
}

#[derive(Deserialize)]
struct Names {
    zh: String,
    en: String,
}

#[derive(Deserialize)]
struct District {
    zh: String,
    en: String,
    street_zh: String,
    street_en: String,
    community_zh: String,
    community_en: String,
}

#[derive(Deserialize)]
struct Org {
    key: String,
    zh: String,
    en: String,
    kind: String,
    district: usize,
}

#[derive(Deserialize)]
struct Person {
    email: String,
    zh: String,
    en: String,
    role: String,
    org: String,
}

#[derive(Deserialize)]
struct Dept {
    key: String,
    zh: String,
    en: String,
    level: String,
    unit: String,
    count: i64,
    parent: Option<String>,
}

#[derive(Deserialize)]
struct SeedFinding {
    gap: String,
    area: String,
    org: String,
    worker: String,
    narrative: String,
    #[serde(default)]
    days_ago: Option<u64>,
    #[serde(default)]
    threshold: Option<SeedThreshold>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    figures: Vec<SeedFigure>,
    /// How the policy fails, as the worker confirmed it.
    #[serde(default)]
    failure_mode: Option<String>,
}

#[derive(Deserialize)]
struct SeedThreshold {
    benefit: String,
    kind: String,
    value: String,
}

#[derive(Deserialize)]
struct SeedFigure {
    name: String,
    amount: f64,
    unit: String,
}

#[derive(Deserialize)]
struct Labelled {
    findings: Vec<SeedFinding>,
}

#[derive(Deserialize)]
struct SeedIssue {
    stage: String,
    resolution: Option<String>,
    owner: String,
    priority: String,
    gaps: Vec<String>,
    zh: Text,
    en: Text,
    #[serde(default)]
    submissions: Vec<SeedSubmission>,
    parameter: Option<SeedParameter>,
    recommendations: Option<Recommendations>,
    /// The proposal as sent; without it the demo falls back to a generic text.
    proposal: Option<SeedProposal>,
    /// An earlier, rougher first draft; without it the first version is the one sent.
    draft: Option<SeedProposal>,
}

#[derive(Deserialize)]
struct SeedProposal {
    zh: ProposalFields,
    en: ProposalFields,
}

impl SeedProposal {
    fn text(&self, lang: Lang) -> &ProposalFields {
        match lang {
            Lang::En => &self.en,
            Lang::Zh => &self.zh,
        }
    }
}

/// The parts of a proposal the story writes out; any one may be missing.
#[derive(Deserialize)]
struct ProposalFields {
    background: Option<String>,
    analysis: Option<String>,
    cost: Option<String>,
}

#[derive(Deserialize)]
struct Recommendations {
    zh: Vec<String>,
    en: Vec<String>,
}

#[derive(Deserialize)]
struct Text {
    title: String,
    statement: String,
}

#[derive(Deserialize)]
struct SeedSubmission {
    department: String,
    days_ago: u64,
    channel: String,
    reference: String,
    #[serde(default)]
    contact: String,
    response: Option<SeedResponse>,
}

#[derive(Deserialize)]
struct SeedResponse {
    days_ago: u64,
    class: String,
    satisfaction: Option<String>,
    zh: String,
    en: String,
    #[serde(default)]
    commitments: Vec<SeedCommitment>,
}

#[derive(Deserialize)]
struct SeedCommitment {
    zh: String,
    en: String,
    days_from_now: u64,
}

#[derive(Deserialize)]
struct SeedParameter {
    zh: String,
    en: String,
    unit_zh: String,
    unit_en: String,
    before: f64,
    before_days_ago: u64,
    after: f64,
    after_days_ago: u64,
    beneficiaries: i64,
    source: String,
}

/// What was loaded, for the message printed afterwards.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub findings: usize,
    pub issues: usize,
    /// (email, role) of the accounts worth trying.
    pub logins: Vec<(String, Role)>,
}

fn pick<'a>(lang: Lang, zh: &'a str, en: &'a str) -> &'a str {
    match lang {
        Lang::En if !en.is_empty() => en,
        _ => zh,
    }
}

fn at(day: NaiveDate) -> DateTime<Utc> {
    // 10:00 in Ningbo.
    Utc.from_utc_datetime(&day.and_hms_opt(2, 0, 0).expect("valid time"))
}

fn ev(action: &'static str, actor: i64, day: NaiveDate) -> AuditEvent {
    let mut e = AuditEvent::new(action, Some(actor), None);
    e.at = at(day);
    e
}

/// Loads the demo into an empty database; refuses (and changes nothing) otherwise.
pub async fn load_demo(store: &DynStore, lang: Lang) -> anyhow::Result<Loaded> {
    if !store.list_users().await?.is_empty() || !store.list_orgs().await?.is_empty() {
        bail!(
            "this database already has accounts or organisations; the demo loads only into an empty database (use a new file, e.g. --database-url sqlite:demo.db)"
        );
    }
    let story: Story = serde_json::from_str(STORY).context("seed/ningbo.json")?;
    let labelled: Labelled = serde_json::from_str(FINDINGS).context("recurring_gaps.json")?;
    let today = today_in_china();
    let days_ago = |n: u64| today - Days::new(n);
    let system = AuditEvent::new("demo.loaded", None, None);

    // Places.
    let city = store
        .create_locality(
            None,
            LocalityLevel::City,
            &story.city.zh,
            &story.city.en,
            &system,
        )
        .await?;
    let mut communities = Vec::new();
    for d in &story.districts {
        let district = store
            .create_locality(
                Some(city.id),
                LocalityLevel::District,
                &d.zh,
                &d.en,
                &system,
            )
            .await?;
        let street = store
            .create_locality(
                Some(district.id),
                LocalityLevel::Street,
                &d.street_zh,
                &d.street_en,
                &system,
            )
            .await?;
        let community = store
            .create_locality(
                Some(street.id),
                LocalityLevel::Community,
                &d.community_zh,
                &d.community_en,
                &system,
            )
            .await?;
        communities.push(community);
    }

    // Organisations and people.
    let hash = password::hash(&NewPassword::parse(DEMO_PASSWORD).expect("long enough")).await?;
    let mut orgs: HashMap<String, (i64, usize)> = HashMap::new();
    for o in &story.organisations {
        let kind = if o.kind == "federation" {
            OrgKind::Federation
        } else {
            OrgKind::Member
        };
        let org = store
            .create_org(
                &NewOrg {
                    name: pick(lang, &o.zh, &o.en).into(),
                    kind,
                },
                &system,
            )
            .await?;
        orgs.insert(o.key.clone(), (org.id, o.district));
    }
    let locale = Some(lang.tag().to_string());
    let mut people: HashMap<String, i64> = HashMap::new();
    let mut logins = Vec::new();
    for p in &story.people {
        let role = Role::ALL
            .into_iter()
            .find(|r| r.as_str() == p.role)
            .context("role in seed")?;
        let user = store
            .create_user(
                &NewUser {
                    email: p.email.clone(),
                    name: pick(lang, &p.zh, &p.en).into(),
                    password_hash: hash.clone(),
                    role,
                    org_id: orgs[&p.org].0,
                    locale: locale.clone(),
                },
                &system,
            )
            .await?;
        people.insert(p.email.clone(), user.id);
        logins.push((p.email.clone(), role));
    }
    // The workers behind the findings: W1…W40, each in one organisation.
    let mut workers: HashMap<String, (i64, i64, usize)> = HashMap::new();
    let all: Vec<&SeedFinding> = labelled
        .findings
        .iter()
        .chain(story.story_findings.iter())
        .collect();
    for f in &all {
        if workers.contains_key(&f.worker) {
            continue;
        }
        let (org_id, district) = orgs.get(&f.org).copied().context("organisation in seed")?;
        let n: u32 = f.worker.trim_start_matches('W').parse().unwrap_or(0);
        let user = store
            .create_user(
                &NewUser {
                    email: format!("worker{n:02}@demo.groundswell"),
                    name: match lang {
                        Lang::Zh => format!("社工{n:02}"),
                        Lang::En => format!("Social worker {n:02}"),
                    },
                    password_hash: hash.clone(),
                    role: Role::Worker,
                    org_id,
                    locale: locale.clone(),
                },
                &system,
            )
            .await?;
        workers.insert(f.worker.clone(), (user.id, org_id, district));
    }

    // Findings, spread over the last two years.
    let areas: HashMap<String, i64> = store
        .list_policy_areas()
        .await?
        .into_iter()
        .map(|a| (a.code, a.id))
        .collect();
    let mut by_gap: HashMap<String, Vec<i64>> = HashMap::new();
    // Narrative and organisation of each finding, for picking vignettes.
    let mut told: HashMap<i64, (String, i64)> = HashMap::new();
    for (i, f) in all.iter().enumerate() {
        let (user_id, org_id, district) = workers[&f.worker];
        let community = &communities[district % communities.len()];
        let observed = days_ago(f.days_ago.unwrap_or(20 + (i as u64 * 37) % 700));
        let input = FindingInput {
            narrative: f.narrative.clone(),
            policy_area_id: areas
                .get(&f.area)
                .context("policy area in seed")?
                .to_string(),
            locality_id: community.id.to_string(),
            observed_on: observed.to_string(),
            people_affected: (1 + i % 3).to_string(),
            threshold_benefit: f
                .threshold
                .as_ref()
                .map(|t| t.benefit.clone())
                .unwrap_or_default(),
            threshold_kind: f
                .threshold
                .as_ref()
                .map(|t| t.kind.clone())
                .unwrap_or_default(),
            threshold_value: f
                .threshold
                .as_ref()
                .map(|t| t.value.clone())
                .unwrap_or_default(),
            failure_mode: f.failure_mode.clone().unwrap_or_default(),
            figures: f
                .figures
                .iter()
                .map(|g| FigureInput {
                    name: g.name.clone(),
                    amount: g.amount.to_string(),
                    unit: g.unit.clone(),
                })
                .collect(),
            tags: f.tags.join(", "),
            ..FindingInput::default()
        };
        let draft = finding::validate(&input, today)
            .map_err(|p| anyhow::anyhow!("demo finding {i} does not validate: {p:?}"))?;
        let terms = document_terms(&finding::searchable_text(&draft));
        let author = Author {
            user_id,
            org_id,
            at: at(observed),
            ip: None,
        };
        let id = store
            .create_finding(&author, &draft, &community.path, &terms, None)
            .await?;
        by_gap.entry(f.gap.clone()).or_default().push(id);
        told.insert(id, (f.narrative.clone(), org_id));
    }

    // Departments.
    let mut departments: HashMap<String, (i64, workdays::ReplyPeriod, String)> = HashMap::new();
    for d in &story.departments {
        let parent = d
            .parent
            .as_ref()
            .and_then(|p| departments.get(p))
            .map(|x| x.0);
        let id = store
            .create_department(
                &NewDepartment {
                    name_zh: d.zh.clone(),
                    name_en: d.en.clone(),
                    level: d.level.clone(),
                    parent_id: parent,
                    reply_unit: d.unit.clone(),
                    reply_count: d.count,
                    active: true,
                },
                &system,
            )
            .await?;
        let period = workdays::ReplyPeriod::parse(&d.unit, d.count as u32)
            .context("reply period in seed")?;
        departments.insert(d.key.clone(), (id, period, d.zh.clone()));
    }
    let calendar = store.holiday_calendar().await?;

    // Issues at every stage.
    for s in &story.issues {
        let owner = people[&s.owner];
        let text = if lang == Lang::En { &s.en } else { &s.zh };
        let linked: Vec<i64> = s
            .gaps
            .iter()
            .flat_map(|g| by_gap.get(g).cloned().unwrap_or_default())
            .collect();
        let area = s
            .gaps
            .iter()
            .find_map(|g| all.iter().find(|f| &f.gap == g).map(|f| f.area.clone()))
            .unwrap_or_else(|| "disability".into());
        let started = days_ago(s.submissions.iter().map(|x| x.days_ago).max().unwrap_or(30) + 30);
        let issue = store
            .create_issue(
                &NewIssue {
                    title: text.title.clone(),
                    problem_statement: text.statement.clone(),
                    policy_area_id: areas[&area],
                    owner_id: owner,
                    priority: s.priority.clone(),
                },
                &ev("issue.created", owner, started),
            )
            .await?;
        if !linked.is_empty() {
            store
                .link_findings(
                    issue.id,
                    &linked,
                    &ev("issue.finding_linked", owner, started).subject("issue", Some(issue.id)),
                )
                .await?;
        }
        // The proposal, in two versions: a first draft, then the one that was sent.
        if let Some(r) = &s.recommendations {
            let recs = if lang == Lang::En { &r.en } else { &r.zh };
            let coordinator = people.get("lin@demo.groundswell").copied().unwrap_or(owner);
            let sent = s.proposal.as_ref().map(|p| p.text(lang));
            let draft = s.draft.as_ref().map(|p| p.text(lang));
            for (n, (author, count)) in [(owner, 1usize), (coordinator, recs.len())]
                .into_iter()
                .enumerate()
            {
                // The first version reads the draft where it has one, then the text sent.
                let this = if n == 0 { draft } else { None };
                let field = |f: fn(&ProposalFields) -> &Option<String>, generic: &str| {
                    this.and_then(|p| f(p).clone())
                        .or_else(|| sent.and_then(|p| f(p).clone()))
                        .unwrap_or_else(|| generic.to_string())
                };
                let proposal = crate::store::proposals::ProposalText {
                    title: text.title.clone(),
                    reason: text.statement.clone(),
                    background: field(
                        |p| &p.background,
                        match lang {
                            Lang::En => {
                                "Social-work stations across Ningbo met this gap in their casework; the findings linked to this issue are the evidence."
                            }
                            Lang::Zh => {
                                "宁波各社工站在个案工作中反复遇到这一缺口；与本议题关联的个案发现即为证据。"
                            }
                        },
                    ),
                    analysis: field(
                        |p| &p.analysis,
                        match lang {
                            Lang::En => {
                                "The rule does not follow need: families fall out of support at the point where costs stay the same or grow."
                            }
                            Lang::Zh => {
                                "现行规定与实际需要脱节：家庭在费用不变甚至增加时失去支持。"
                            }
                        },
                    ),
                    recommendations: recs[..count.min(recs.len())].join("\n"),
                    cost: field(|p| &p.cost, ""),
                    // The version sent quotes three cases.
                    vignettes: if n == 1 {
                        pick_vignettes(&linked, &told, lang)
                    } else {
                        Vec::new()
                    },
                };
                store
                    .save_proposal(
                        issue.id,
                        n as i64,
                        &proposal,
                        &ev(
                            "issue.proposal_saved",
                            author,
                            started + Days::new(5 + n as u64 * 5),
                        )
                        .subject("issue", Some(issue.id)),
                    )
                    .await?;
            }
        }
        for sub in &s.submissions {
            let (dept, period, dept_name) = departments
                .get(&sub.department)
                .context("department in seed")?;
            let on = days_ago(sub.days_ago);
            let due = workdays::due_date(on, *period, &calendar);
            let sid = store
                .create_submission(
                    &NewSubmission {
                        issue_id: issue.id,
                        department_id: *dept,
                        handling: if s.submissions.len() > 1
                            && sub.department != s.submissions[0].department
                        {
                            "co"
                        } else {
                            "lead"
                        },
                        channel: crate::store::lifecycle::CHANNELS
                            .iter()
                            .find(|c| **c == sub.channel)
                            .copied()
                            .context("channel in seed")?,
                        submitted_on: on,
                        reference: sub.reference.clone(),
                        contact: sub.contact.clone(),
                        due_on: due.date,
                        due_calendar_missing: due.calendar_missing,
                    },
                    &ev("issue.submission_recorded", owner, on)
                        .subject("issue", Some(issue.id))
                        .detail(dept_name.clone()),
                )
                .await?;
            if let Some(r) = &sub.response {
                let answered = days_ago(r.days_ago);
                let rid = store
                    .create_response(
                        &NewResponse {
                            submission_id: sid,
                            round: 1,
                            responded_on: answered,
                            classification: r.class.clone(),
                            summary: pick(lang, &r.zh, &r.en).into(),
                            letter_id: None,
                            commitments: r
                                .commitments
                                .iter()
                                .map(|c| {
                                    (
                                        pick(lang, &c.zh, &c.en).to_string(),
                                        Some(today + Days::new(c.days_from_now)),
                                    )
                                })
                                .collect(),
                        },
                        &ev("issue.response_recorded", owner, answered)
                            .subject("issue", Some(issue.id))
                            .detail(format!("{dept_name} · {}", r.class)),
                    )
                    .await?;
                if let Some(sat) = &r.satisfaction {
                    store
                        .set_satisfaction(
                            rid,
                            1,
                            sat,
                            None,
                            &ev("issue.satisfaction_given", owner, answered)
                                .subject("issue", Some(issue.id))
                                .detail(sat.clone()),
                        )
                        .await?;
                }
            }
        }
        if let Some(p) = &s.parameter {
            let pid = store
                .create_parameter(
                    &NewParameter {
                        name_zh: p.zh.clone(),
                        name_en: p.en.clone(),
                        unit: pick(lang, &p.unit_zh, &p.unit_en).into(),
                        area_id: Some(areas[&area]),
                    },
                    &ev("parameter.created", owner, days_ago(p.after_days_ago))
                        .subject("parameter", None),
                )
                .await?;
            for (value, ago, won) in [
                (p.before, p.before_days_ago, false),
                (p.after, p.after_days_ago, true),
            ] {
                store
                    .add_parameter_value(
                        &NewValue {
                            parameter_id: pid,
                            value,
                            valid_from: days_ago(ago),
                            issue_id: won.then_some(issue.id),
                            beneficiaries: won.then_some(p.beneficiaries),
                            source: p.source.clone(),
                        },
                        &ev("parameter.value_added", owner, days_ago(ago))
                            .subject(if won { "issue" } else { "parameter" }, None),
                    )
                    .await?;
            }
        }
        // Walk the issue to its stage, recording each move as it would have happened.
        let path = [
            "identified",
            "drafting",
            "review",
            "submitted",
            "responded",
            "implementing",
            "closed",
        ];
        let target = path
            .iter()
            .position(|p| *p == s.stage)
            .context("stage in seed")?;
        let coordinator = people.get("lin@demo.groundswell").copied().unwrap_or(owner);
        for step in 1..=target {
            let (from, to) = (path[step - 1], path[step]);
            let action = crate::domain::lifecycle::MOVE_ACTIONS[match to {
                "drafting" => 0,
                "review" => 1,
                "submitted" => 4,
                "responded" => 5,
                "implementing" => 6,
                _ => 7,
            }];
            let actor = if to == "closed" { coordinator } else { owner };
            // Before the first submission the issue was drafted and reviewed; it was
            // marked responded when the first answer came, implementing ten days
            // later, and closed after the change took effect (or a month after the
            // last answer).
            let first = s.submissions.iter().map(|x| x.days_ago).max().unwrap_or(20);
            let answers: Vec<u64> = s
                .submissions
                .iter()
                .filter_map(|x| x.response.as_ref().map(|r| r.days_ago))
                .collect();
            let first_answer = answers
                .iter()
                .max()
                .copied()
                .unwrap_or(first.saturating_sub(1));
            let last_answer = answers.iter().min().copied().unwrap_or(first_answer);
            let ago = match to {
                "drafting" => first + 25,
                "review" => first + 12,
                "submitted" => first,
                "responded" => first_answer,
                "implementing" => first_answer.saturating_sub(10),
                _ => s
                    .parameter
                    .as_ref()
                    .map(|p| p.after_days_ago.saturating_sub(20))
                    .unwrap_or(last_answer.saturating_sub(30)),
            };
            let day = days_ago(ago);
            if to == "submitted" {
                // The coordinator approved the draft first.
                store
                    .change_stage(
                        issue.id,
                        &StageChange {
                            from: "review".into(),
                            to: "review".into(),
                            approved: true,
                            resolution: None,
                            closed_from: None,
                        },
                        &ev("issue.approved", coordinator, day).subject("issue", Some(issue.id)),
                    )
                    .await?;
            }
            store
                .change_stage(
                    issue.id,
                    &StageChange {
                        from: from.into(),
                        to: to.into(),
                        approved: step >= 3,
                        resolution: (to == "closed")
                            .then(|| s.resolution.clone().unwrap_or_else(|| "achieved".into())),
                        closed_from: (to == "closed").then(|| from.to_string()),
                    },
                    &ev(action, actor, day).subject("issue", Some(issue.id)),
                )
                .await?;
        }
    }
    let findings = all.len();
    let issues = story.issues.len();
    // Candidates among the findings left unlinked.
    crate::background::run_recurrence_pass(store).await?;
    Ok(Loaded {
        findings,
        issues,
        logins,
    })
}

/// Three vignettes for a demo proposal: the fullest stories in the demo's language,
/// from different organisations.
fn pick_vignettes(linked: &[i64], told: &HashMap<i64, (String, i64)>, lang: Lang) -> Vec<i64> {
    let in_language = |t: &str| {
        let han = t
            .chars()
            .filter(|c| ('\u{4e00}'..='\u{9fff}').contains(c))
            .count();
        match lang {
            Lang::Zh => han * 3 > t.chars().count(),
            Lang::En => han == 0,
        }
    };
    let mut stories: Vec<(usize, i64, i64)> = linked
        .iter()
        .filter_map(|id| told.get(id).map(|(t, org)| (t, *org, *id)))
        .filter(|(t, _, _)| in_language(t))
        .map(|(t, org, id)| (t.chars().count(), org, id))
        .collect();
    stories.sort_by(|a, b| b.0.cmp(&a.0).then(a.2.cmp(&b.2)));
    let mut picked: Vec<i64> = Vec::new();
    let mut orgs: Vec<i64> = Vec::new();
    for (_, org, id) in stories {
        if picked.len() == 3 {
            break;
        }
        if !orgs.contains(&org) {
            orgs.push(org);
            picked.push(id);
        }
    }
    picked
}
