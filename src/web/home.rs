//! The start page after sign-in, by role: a worker sees their recent findings and the
//! issues the unlinked ones look like; a senior worker their issues and the replies
//! due on them; a coordinator the same for the whole federation, with what waits for
//! review; everyone what their role does here.

use axum::extract::State;
use axum::routing::get;
use maud::{Markup, html};

use super::AppState;
use super::context::{CurrentUser, allowed};
use super::layout::{self, PageCtx};
use crate::domain::role::{Permission, Role};
use crate::error::AppError;

pub fn router() -> crate::web::routes::Routes {
    crate::web::routes::Routes::new().route("/", get(home))
}

fn role_summary_key(role: Role) -> &'static str {
    match role {
        Role::Worker => "home.role_worker",
        Role::Senior => "home.role_senior",
        Role::Coordinator => "home.role_coordinator",
        Role::Admin => "home.role_admin",
        Role::Viewer => "home.role_viewer",
    }
}

/// Suggested issues for at most this many of the worker's latest unlinked findings.
const SUGGEST_FOR: usize = 3;

/// The open issues of its area that an unlinked finding looks like, best first: one
/// comparison with the area's open issues, counted once per version of the issues.
fn issues_like(
    f: &crate::store::dashboards::RecentFinding,
    pool: &crate::web::findings::show::IssuePool,
) -> Vec<(i64, String)> {
    use crate::domain::recurrence::{GapDoc, Settings};
    let query = GapDoc {
        id: f.id,
        org_id: 0,
        worker_id: 0,
        area_id: f.policy_area_id,
        text: f.narrative.clone(),
        threshold: None,
        failure_mode: None,
    };
    pool.counted
        .most_similar(&query, &[], &Settings::default(), 0.15, 2)
        .into_iter()
        .map(|(i, _)| (pool.issues[i].id, pool.issues[i].title.clone()))
        .collect()
}

fn excerpt(s: &str, n: usize) -> String {
    let mut out: String = s.chars().take(n).collect();
    if s.chars().count() > n {
        out.push('…');
    }
    out
}

async fn home(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    page: PageCtx,
) -> Result<Markup, AppError> {
    let tr = page.tr();
    let today = crate::domain::finding::today_in_china();
    // A worker's own findings, and for the unlinked ones what they look like.
    let records = crate::domain::finding::access::can_record(user.role);
    let recent = if records {
        state
            .cache
            .get_or(
                &state.store,
                format!("recent:{}", user.id),
                &["findings"],
                || async { Ok(state.store.recent_findings_by(user.id, 8).await?) },
            )
            .await?
    } else {
        Default::default()
    };
    let mut suggestions: Vec<(i64, Vec<(i64, String)>)> = Vec::new();
    if recent.iter().any(|f| f.issue_link_count == 0) {
        for f in recent
            .iter()
            .filter(|f| f.issue_link_count == 0)
            .take(SUGGEST_FOR)
        {
            let pool = crate::web::findings::show::issue_pool(&state, f.policy_area_id).await?;
            let like = issues_like(f, &pool);
            if !like.is_empty() {
                suggestions.push((f.id, like));
            }
        }
    }
    // A senior worker's issues (and a coordinator's: all of them) with the replies due.
    let follows = crate::web::issues::can_manage(user.role) || user.role == Role::Viewer;
    let owner = (user.role == Role::Senior).then_some(user.id);
    let (stages, mine, replies) = if follows {
        let filter = crate::store::dashboards::PipelineFilter {
            owner_id: owner,
            ..Default::default()
        };
        let board = crate::web::dashboards::pipeline::board(&state, &filter, 5).await?;
        let (counts, cards) = (board.0.clone(), board.1.clone());
        let replies = crate::web::dashboards::replies::sections(
            &state,
            today,
            state.settings.long_overdue_days,
            owner,
        )
        .await?;
        (counts, cards, Some(replies))
    } else {
        (Vec::new(), Vec::new(), None)
    };
    let in_review: Vec<&crate::store::dashboards::PipelineCard> =
        if matches!(user.role, Role::Coordinator | Role::Admin) {
            mine.iter().filter(|c| c.stage == "review").collect()
        } else {
            Vec::new()
        };
    let count = |stage: &str| {
        stages
            .iter()
            .find(|(s, _)| s == stage)
            .map(|(_, n)| *n)
            .unwrap_or(0)
    };
    let admin_figures = if allowed(&page.ctx, Permission::ManageAccounts) {
        let users = state.store.list_users().await?;
        let orgs = state.store.list_orgs().await?;
        Some((
            users.iter().filter(|u| u.active).count(),
            orgs.iter().filter(|o| o.active).count(),
        ))
    } else {
        None
    };
    Ok(layout::page(
        &page,
        tr.t("home.title"),
        html! {
            h1 { (tr.f("home.greeting", &[("name", &user.name)])) }
            p.lead { (tr.t("app.mission")) }
            section.card {
                h2 { (tr.t("home.your_role")) }
                p {
                    strong { (tr.t(user.role.label_key())) } " · " (user.org_name)
                }
                p { (tr.t(role_summary_key(user.role))) }
            }
            @if let Some(r) = &replies {
                section.card #home-replies {
                    h2 { (tr.t(if owner.is_some() { "home.replies_mine" } else { "home.replies_all" })) }
                    ul.figures {
                        li { span.figure { (r.counts.long_overdue + r.counts.overdue) } " " (tr.t("home.overdue")) }
                        li { span.figure { (r.counts.due_soon) } " " (tr.t("home.due_soon")) }
                        li { span.figure { (r.counts.rehandling) } " " (tr.t("home.rounds")) }
                    }
                    @let urgent: Vec<&crate::store::dashboards::OpenReply> = r.long_overdue.iter().chain(&r.overdue).chain(&r.due_soon).take(5).collect();
                    @if !urgent.is_empty() {
                        ul.plain {
                            @for o in urgent {
                                li {
                                    a href={ "/issues/" (o.issue_id) "#submission-" (o.submission_id) } { "#" (o.issue_id) " " (o.issue_title) }
                                    " · " span.muted { (crate::web::issues::lifecycle::department_label(&o.department_zh, &o.department_en, page.ctx.lang)) " · " (tr.t("submissions.due_on")) " " (o.due()) }
                                }
                            }
                        }
                    }
                    @if crate::web::dashboards::may_view(user.role) {
                        p { a href="/dashboards/replies" { (tr.t("home.to_replies")) } }
                    }
                }
            }
            @if !in_review.is_empty() {
                section.card #home-review {
                    h2 { (tr.t("home.in_review")) }
                    ul.plain {
                        @for c in &in_review {
                            li { a href={ "/issues/" (c.id) "#stage" } { "#" (c.id) " " (c.title) } " · " span.muted { (c.owner_name) } }
                        }
                    }
                }
            }
            @if follows {
                section.card #home-issues {
                    h2 { (tr.t(if owner.is_some() { "home.issues_mine" } else { "home.issues_all" })) }
                    @if stages.is_empty() {
                        p.muted { (tr.t("home.no_issues")) }
                    } @else {
                        ul.figures {
                            @for s in crate::domain::lifecycle::Stage::ALL {
                                @if count(s.as_str()) > 0 {
                                    li { span.figure { (count(s.as_str())) } " " (tr.t(crate::web::issues::lifecycle::stage_key(s))) }
                                }
                            }
                        }
                        @if owner.is_some() {
                            ul.plain {
                                @for c in mine.iter().filter(|c| c.stage != "closed").take(8) {
                                    li { a href={ "/issues/" (c.id) } { "#" (c.id) " " (c.title) } " · " span.muted { (tr.t(crate::web::issues::lifecycle::stage_key(crate::domain::lifecycle::Stage::parse(&c.stage).unwrap_or(crate::domain::lifecycle::Stage::Identified)))) } }
                                }
                            }
                        }
                    }
                    @if crate::web::dashboards::may_view(user.role) {
                        p { a href="/dashboards/pipeline" { (tr.t("home.to_pipeline")) } }
                    }
                }
            }
            @if records {
                section.card #home-findings {
                    h2 { (tr.t("home.recent_findings")) }
                    @if recent.is_empty() {
                        p { (tr.t("home.findings_text")) }
                    } @else {
                        ul.plain {
                            @for f in recent.iter() {
                                li {
                                    a href={ "/findings/" (f.id) } { "#" (f.id) " " (excerpt(&f.narrative, 60)) }
                                    " · " span.muted { (f.observed_on) " · "
                                        @if f.issue_link_count > 0 { (tr.f("home.linked_to", &[("n", &f.issue_link_count.to_string())])) }
                                        @else { (tr.t("home.not_linked")) }
                                    }
                                    @if let Some((_, like)) = suggestions.iter().find(|(id, _)| *id == f.id) {
                                        ul.suggestions {
                                            @for (issue_id, title) in like {
                                                li {
                                                    (tr.t("home.looks_like")) " "
                                                    a href={ "/issues/" (issue_id) } { "#" (issue_id) " " (title) }
                                                    " "
                                                    form.inline method="post" action={ "/findings/" (f.id) (if crate::web::issues::can_manage(user.role) { "/link" } else { "/propose" }) } {
                                                        (crate::web::layout::csrf_field(&page))
                                                        input type="hidden" name="issue_id" value=(issue_id);
                                                        button.small type="submit" {
                                                            (tr.t(if crate::web::issues::can_manage(user.role) { "home.link" } else { "home.propose" }))
                                                        }
                                                    }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    p.actions {
                        a.button.primary href="/findings/new" { (tr.t("findings.new")) }
                        a.button href="/findings" { (tr.t("findings.search")) }
                        a.button href="/findings/import" { (tr.t("import.link")) }
                    }
                }
            }
            @if let Some((users, orgs)) = admin_figures {
                section.card {
                    h2 { (tr.t("home.admin_title")) }
                    ul.figures {
                        li { span.figure { (users) } " " (tr.t("home.active_users")) }
                        li { span.figure { (orgs) } " " (tr.t("home.active_orgs")) }
                    }
                    p {
                        a.button href="/admin/users/new" { (tr.t("users.new")) }
                        " "
                        a.button href="/admin/orgs" { (tr.t("orgs.title")) }
                    }
                }
            }
            section.card {
                h2 { (tr.t("home.account_title")) }
                p { (tr.t("home.account_text")) }
                p { a href="/account" { (tr.t("nav.account")) } }
            }
        },
    ))
}
