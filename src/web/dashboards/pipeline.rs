//! The pipeline: issues by stage as columns, each card with its owner, policy area,
//! evidence and days in the stage, filtered by area, owner, organisation and
//! department. Moving a card is a stage transition under the same rules as on the
//! issue's page (`web::issues::lifecycle::apply_move`): each card carries a small form
//! with the moves that need nothing more (works without script); the board's script
//! lets a card be dragged onto the next column, which submits the same form. Moves that
//! need a note or a resolution lead to the issue's stage card.

use axum::Form;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use maud::html;
use serde::Deserialize;
use tower_sessions::Session;

use super::{Choices, Selectors, View, ViewQuery};
use crate::domain::lifecycle::Stage;
use crate::domain::role::Role;
use crate::error::AppError;
use crate::store::dashboards::{PipelineCard, PipelineFilter};
use crate::web::AppState;
use crate::web::context::CurrentUser;
use crate::web::errors::safe_next;
use crate::web::findings::Taxonomy;
use crate::web::issues::lifecycle::{MoveRequest, apply_move, stage_key};
use crate::web::layout::{self, FlashKind, PageCtx, csrf_field, flash};

/// Cards shown per column (the column's count says how many there are).
const PER_STAGE: i64 = 30;

/// The moves a card offers in `stage` to `role`: those that need no note or
/// resolution, with the stage each leads to.
pub fn card_moves(stage: Stage, role: Role) -> Vec<(&'static str, Stage)> {
    let builds = matches!(role, Role::Senior | Role::Coordinator | Role::Admin);
    let reviews = matches!(role, Role::Coordinator | Role::Admin);
    let mut v = Vec::new();
    match stage {
        Stage::Identified if builds => v.push(("start_drafting", Stage::Drafting)),
        Stage::Drafting if builds => v.push(("request_review", Stage::Review)),
        Stage::Review => {
            if reviews {
                v.push(("approve", Stage::Review));
            }
            if builds {
                v.push(("submit", Stage::Submitted));
            }
        }
        Stage::Submitted if builds => v.push(("mark_responded", Stage::Responded)),
        Stage::Responded if builds => v.push(("start_implementing", Stage::Implementing)),
        _ => {}
    }
    v
}

fn move_key(name: &str) -> &'static str {
    match name {
        "start_drafting" => "lifecycle.start_drafting",
        "request_review" => "lifecycle.request_review",
        "approve" => "lifecycle.approve",
        "submit" => "lifecycle.submit",
        "mark_responded" => "lifecycle.mark_responded",
        _ => "lifecycle.start_implementing",
    }
}

/// The board's counts and cards, per version of the issues, submissions and findings.
pub async fn board(
    state: &AppState,
    filter: &PipelineFilter,
    per_stage: i64,
) -> Result<std::sync::Arc<(Vec<(String, i64)>, Vec<PipelineCard>)>, AppError> {
    state
        .cache
        .get_or(
            &state.store,
            format!("pipeline:{filter:?}:{per_stage}"),
            &["issues", "submissions", "findings"],
            || async { Ok(state.store.pipeline(filter, per_stage).await?) },
        )
        .await
}

pub async fn page(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    page: PageCtx,
    Query(q): Query<ViewQuery>,
) -> Result<Response, AppError> {
    if !super::may_view(user.role) {
        return Err(AppError::Forbidden);
    }
    let tr = page.tr();
    let lang = page.ctx.lang;
    let today = super::today();
    let view = View::from_query(&q, today);
    let filter = PipelineFilter {
        area_id: view.area_id,
        owner_id: view.owner_id,
        org_id: view.org_id,
        department_id: view.department_id,
    };
    let board = board(&state, &filter, PER_STAGE).await?;
    let (counts, cards) = (&board.0, &board.1);
    let tax = Taxonomy::cached(&state).await?;
    let orgs = state.store.list_orgs().await?;
    let mut owners: Vec<(i64, String)> = state
        .store
        .list_users()
        .await?
        .into_iter()
        .filter(|u| u.active && matches!(u.role, Role::Senior | Role::Coordinator | Role::Admin))
        .map(|u| (u.id, u.name))
        .collect();
    owners.sort_by(|a, b| a.1.cmp(&b.1));
    let departments = super::department_names(&state, lang).await?;
    let here = view.href("/dashboards/pipeline", None);
    let count = |s: Stage| {
        counts
            .iter()
            .find(|(st, _)| st == s.as_str())
            .map(|(_, n)| *n)
            .unwrap_or(0)
    };
    let now = Utc::now();
    let card = |c: &PipelineCard| {
        let stage = Stage::parse(&c.stage).unwrap_or(Stage::Identified);
        let days = (now - c.stage_since).num_days().max(0);
        let moves = card_moves(stage, user.role);
        html! {
            li.card.pipeline-card draggable=[(!moves.is_empty()).then_some("true")] data-issue=(c.id) {
                a.card-title href={ "/issues/" (c.id) } { "#" (c.id) " " (c.title) }
                p.meta {
                    (c.owner_name) " · " (tax.area_name(c.policy_area_id, lang))
                }
                p.meta {
                    span { (tr.f("dash.card_findings", &[("n", &c.finding_count.to_string())])) }
                    " · "
                    span.days { (tr.f("dash.card_days", &[("n", &days.to_string())])) }
                    @if c.awaiting > 0 { " · " span.tag { (tr.f("dash.card_awaiting", &[("n", &c.awaiting.to_string())])) } }
                }
                @if !moves.is_empty() {
                    form.card-move method="post" action="/dashboards/pipeline/move" {
                        (csrf_field(&page))
                        input type="hidden" name="issue_id" value=(c.id);
                        input type="hidden" name="from" value=(c.stage);
                        input type="hidden" name="back" value=(here);
                        label.visually-hidden for={ "m-" (c.id) } { (tr.t("dash.move")) }
                        select id={ "m-" (c.id) } name="move" {
                            @for (name, to) in &moves {
                                option value=(name) data-to=(to.as_str()) { (tr.t(move_key(name))) }
                            }
                        }
                        button type="submit" { (tr.t("dash.move")) }
                    }
                } @else if stage != Stage::Closed || user.role != Role::Viewer {
                    @if crate::web::issues::can_manage(user.role) {
                        a.small href={ "/issues/" (c.id) "#stage" } { (tr.t("dash.more_moves")) }
                    }
                }
            }
        }
    };
    let body = layout::page(
        &page,
        tr.t("dash.pipeline"),
        html! {
            h1 { (tr.t("dash.title")) }
            (super::tabs(tr, &view, "/dashboards/pipeline"))
            (super::selectors(&page, "/dashboards/pipeline", &view,
                Selectors { area: true, org: true, owner: true, department: true, ..Selectors::default() },
                &Choices { tax: &tax, orgs: &orgs, owners: &owners, departments: &departments }))
            div.board #pipeline {
                @for s in Stage::ALL {
                    section.column data-stage=(s.as_str()) aria-labelledby={ "col-" (s.as_str()) } {
                        h2 id={ "col-" (s.as_str()) } { (tr.t(stage_key(s))) " " span.count { (count(s)) } }
                        ul.cards {
                            @for c in cards.iter().filter(|c| c.stage == s.as_str()) { (card(c)) }
                        }
                        @if count(s) > PER_STAGE {
                            p.muted { (tr.f("dash.more_rows", &[("n", &(count(s) - PER_STAGE).to_string())])) " "
                                a href="/issues" { (tr.t("dash.see_all")) } }
                        }
                    }
                }
            }
        },
    );
    Ok(body.into_response())
}

#[derive(Debug, Deserialize)]
pub struct CardMove {
    issue_id: i64,
    #[serde(rename = "move")]
    name: String,
    from: String,
    #[serde(default)]
    back: String,
}

/// A card moved: the same checks as on the issue's page; the board says what happened.
pub async fn move_card(
    State(state): State<AppState>,
    session: Session,
    CurrentUser(user): CurrentUser,
    page: PageCtx,
    Form(m): Form<CardMove>,
) -> Result<Response, AppError> {
    // Those who may move issues at all (as on the issue's page); which move each may
    // make is decided by `apply_move`.
    if !crate::web::issues::can_manage(user.role) {
        return Err(AppError::Forbidden);
    }
    let tr = page.tr();
    let req = MoveRequest {
        name: m.name.clone(),
        note: String::new(),
        resolution: String::new(),
        from: Some(m.from.clone()),
    };
    match apply_move(&state, &user, &page.ctx.ip, m.issue_id, &req).await? {
        Ok(to) => {
            flash(
                &session,
                FlashKind::Success,
                tr.f(
                    "dash.moved",
                    &[
                        ("id", &m.issue_id.to_string()),
                        ("stage", tr.t(stage_key(to))),
                    ],
                ),
            )
            .await?
        }
        Err(e) => {
            flash(
                &session,
                FlashKind::Error,
                format!("#{} · {}", m.issue_id, tr.t(e.message_key())),
            )
            .await?
        }
    }
    let back = Some(safe_next(Some(&m.back)))
        .filter(|b| b.starts_with("/dashboards"))
        .unwrap_or_else(|| "/dashboards/pipeline".into());
    Ok(Redirect::to(&back).into_response())
}
