//! One finding: everything it holds (private fields only for its organisation and
//! admins), its edit history, and deletion.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use tower_sessions::Session;

use super::form::{field_label_key, load_visible};
use super::{Taxonomy, format_amount};
use crate::domain::finding::access;
use crate::error::AppError;
use crate::store::AuditEvent;
use crate::web::AppState;
use crate::web::context::CurrentUser;
use crate::web::layout::{self, FlashKind, PageCtx, csrf_field, flash};

fn history_field_key(field: &str) -> &'static str {
    match field {
        "threshold" => "finding.threshold_title",
        "figures" => "finding.figures",
        other => field_label_key(other),
    }
}

pub async fn show(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    page: PageCtx,
    Path(id): Path<i64>,
) -> Result<Markup, AppError> {
    let f = load_visible(&state, &user, id).await?;
    let tax = Taxonomy::cached(&state).await?;
    let versions = state.store.finding_versions(id).await?;
    let linked_issues = state.store.issues_of_finding(id).await?;
    let manage = crate::web::issues::can_manage(user.role);
    // Workers may propose a link; the issue's managers decide.
    let may_propose = !manage && crate::web::issues::can_comment(user.role);
    // The open issues of the finding's own area, latest first.
    let all_issues: Vec<_> = if manage || may_propose {
        open_issues(&state, Some(f.policy_area_id)).await?.to_vec()
    } else {
        Vec::new()
    };
    let suggestions = if linked_issues.is_empty() && (manage || may_propose) {
        suggest(&state, &user, &f).await?
    } else {
        Suggestions::default()
    };
    let tr = page.tr();
    let lang = page.ctx.lang;
    let private = access::sees_private(user.role, user.org_id, f.org_id);
    let editable = access::can_edit(user.role, user.id, user.org_id, f.recorded_by, f.org_id);
    let title = tr.f("finding.title", &[("id", &f.id.to_string())]);
    let ages = match (f.age_min, f.age_max) {
        (Some(a), Some(b)) if a == b => tr.f("finding.age_single", &[("age", &a.to_string())]),
        (Some(a), Some(b)) => tr.f(
            "finding.age_range",
            &[("min", &a.to_string()), ("max", &b.to_string())],
        ),
        _ => "—".to_string(),
    };
    Ok(layout::page(
        &page,
        &title,
        html! {
            p { a href="/findings" { "← " (tr.t("findings.title")) } }
            div.heading-row {
                h1 { (title) }
                @if editable {
                    div.actions {
                        a.button href={ "/findings/" (f.id) "/edit" } { (tr.t("finding.edit")) }
                        form method="post" action={ "/findings/" (f.id) "/delete" } data-confirm=(tr.t("finding.delete_confirm")) {
                            (csrf_field(&page))
                            button.danger type="submit" { (tr.t("finding.delete")) }
                        }
                    }
                }
            }
            section.card {
                p.narrative { (f.narrative) }
                dl.facts {
                    dt { (tr.t("finding.policy_area")) } dd { (tax.area_name(f.policy_area_id, lang)) }
                    dt { (tr.t("finding.locality")) } dd { (tax.locality_trail(&f.locality_path, lang)) }
                    dt { (tr.t("finding.observed_on")) } dd { (f.observed_on) }
                    dt { (tr.t("finding.people_affected")) } dd { (f.people_affected) }
                    dt { (tr.t("finding.ages")) } dd { (ages) }
                    @if let Some(t) = &f.threshold {
                        dt { (tr.t("finding.threshold_title")) }
                        dd { (t.benefit) " · " (tr.t(t.kind.label_key())) " · " (t.value) }
                    }
                    @if let Some(m) = &f.failure_mode {
                        dt { (tr.t("finding.failure_mode")) }
                        dd { (tr.t(&format!("failure_mode.{m}"))) }
                    }
                    @if !f.tags.is_empty() {
                        dt { (tr.t("finding.tags")) }
                        dd { @for t in &f.tags { span.tag { (t) } " " } }
                    }
                    dt { (tr.t("finding.recorded_by")) } dd { (f.recorder_name) " · " (f.org_name) }
                    dt { (tr.t("finding.recorded_at")) } dd { (f.created_at.format("%Y-%m-%d %H:%M UTC")) }
                }
            }
            @if !f.figures.is_empty() {
                section.card {
                    h2 { (tr.t("finding.figures")) }
                    table.list {
                        thead { tr { th { (tr.t("finding.figure_name")) } th.num { (tr.t("finding.figure_amount")) } th { (tr.t("finding.figure_unit")) } } }
                        tbody {
                            @for g in &f.figures {
                                tr { td { (g.name) } td.num { (format_amount(g.amount)) } td { (g.unit) } }
                            }
                        }
                    }
                }
            }
            section.card #issues {
                h2 { (tr.t("issues.title")) }
                @if linked_issues.is_empty() {
                    p.muted { (tr.t("finding.no_issue")) }
                } @else {
                    ul { @for i in &linked_issues { li { a href={ "/issues/" (i.id) } { "#" (i.id) " " (i.title) } } } }
                }
                @if !suggestions.issues.is_empty() || !suggestions.findings.is_empty() {
                    div.suggestions #suggestions {
                        h3 { (tr.t("suggest.title")) }
                        @if !suggestions.issues.is_empty() {
                            p.hint { (tr.t("suggest.issues")) }
                            ul.plain {
                                @for (i, score) in &suggestions.issues {
                                    li {
                                        a href={ "/issues/" (i.id) } { "#" (i.id) " " (i.title) }
                                        " " span.muted { (tr.f("suggest.alike", &[("pct", &format!("{:.0}", score * 100.0))])) } " "
                                        form.inline-form method="post" action={ "/findings/" (f.id) (if manage { "/link" } else { "/propose" }) } {
                                            (csrf_field(&page))
                                            input type="hidden" name="issue_id" value=(i.id);
                                            button.link-button type="submit" { (tr.t(if manage { "suggest.link" } else { "suggest.propose" })) }
                                        }
                                    }
                                }
                            }
                        }
                        @if !suggestions.findings.is_empty() {
                            p.hint { (tr.t("suggest.findings")) }
                            ul.plain {
                                @for (other, score) in &suggestions.findings {
                                    li {
                                        a href={ "/findings/" (other.id) } { (tr.f("finding.title", &[("id", &other.id.to_string())])) }
                                        " " span.muted { (tr.f("suggest.alike", &[("pct", &format!("{:.0}", score * 100.0))])) }
                                        " " (other.text.chars().take(120).collect::<String>())
                                    }
                                }
                            }
                        }
                    }
                }
                @let open: Vec<_> = all_issues.iter().filter(|i| !linked_issues.iter().any(|l| l.id == i.id)).collect();
                @if may_propose && !open.is_empty() {
                    form.inline method="post" action={ "/findings/" (f.id) "/propose" } {
                        (csrf_field(&page))
                        div.field {
                            label for="f-propose" { (tr.t("finding.propose_for")) }
                            select #f-propose name="issue_id" {
                                @for i in &open { option value=(i.id) { "#" (i.id) " " (i.title) } }
                            }
                        }
                        button type="submit" { (tr.t("finding.propose")) }
                    }
                }
                @if manage && !open.is_empty() {
                    form.inline method="post" action={ "/findings/" (f.id) "/link" } {
                        (csrf_field(&page))
                        div.field {
                            label for="f-issue" { (tr.t("finding.link_to")) }
                            select #f-issue name="issue_id" {
                                @for i in &open { option value=(i.id) { "#" (i.id) " " (i.title) } }
                            }
                        }
                        button type="submit" { (tr.t("issues.link")) }
                    }
                }
            }
            @if private {
                section.card.private {
                    h2 { (tr.t("finding.private_title")) }
                    p.hint { (tr.t("finding.private_hint")) }
                    dl.facts {
                        dt { (tr.t("finding.case_reference")) } dd { (f.case_reference.as_deref().unwrap_or("—")) }
                        dt { (tr.t("finding.private_notes")) } dd.pre { (f.private_notes.as_deref().unwrap_or("—")) }
                    }
                }
            }
            section.card {
                h2 { (tr.t("finding.history")) }
                @if versions.is_empty() {
                    p.muted { (tr.t("finding.no_edits")) }
                } @else {
                    table.list {
                        thead { tr { th { (tr.t("finding.version")) } th { (tr.t("audit.when")) } th { (tr.t("audit.who")) } th { (tr.t("finding.changed")) } } }
                        tbody {
                            @for v in &versions {
                                tr {
                                    td { (v.version) " → " (v.version + 1) }
                                    td.nowrap { (v.edited_at.format("%Y-%m-%d %H:%M")) }
                                    td { (v.editor_name) }
                                    td {
                                        @for (n, field) in v.changed_fields.split(',').filter(|s| !s.is_empty()).enumerate() {
                                            @if n > 0 { "、" }
                                            (tr.t(history_field_key(field)))
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        },
    ))
}

#[derive(serde::Deserialize)]
pub struct LinkForm {
    issue_id: i64,
}

/// Links this finding to an issue, from the finding's page.
pub async fn link_to_issue(
    State(state): State<AppState>,
    session: Session,
    CurrentUser(user): CurrentUser,
    page: PageCtx,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<LinkForm>,
) -> Result<Response, AppError> {
    if !crate::web::issues::can_manage(user.role) {
        return Err(AppError::Forbidden);
    }
    load_visible(&state, &user, id).await?;
    state
        .store
        .get_issue(form.issue_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let audit = AuditEvent::new(
        "issue.finding_linked",
        Some(user.id),
        Some(page.ctx.ip.clone()),
    )
    .subject("issue", Some(form.issue_id));
    match state
        .store
        .link_findings(form.issue_id, &[id], &audit)
        .await
    {
        Ok(()) => {
            flash(
                &session,
                FlashKind::Success,
                page.tr().f("issues.linked", &[("count", "1")]),
            )
            .await?
        }
        Err(crate::store::StoreError::Conflict) => {
            flash(
                &session,
                FlashKind::Error,
                page.tr().t("issues.already_linked"),
            )
            .await?
        }
        Err(e) => return Err(e.into()),
    }
    Ok(Redirect::to(&format!("/findings/{id}#issues")).into_response())
}

/// A worker proposes that this finding belongs to an issue.
pub async fn propose(
    State(state): State<AppState>,
    session: Session,
    CurrentUser(user): CurrentUser,
    page: PageCtx,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<LinkForm>,
) -> Result<Response, AppError> {
    if !crate::web::issues::can_comment(user.role) {
        return Err(AppError::Forbidden);
    }
    load_visible(&state, &user, id).await?;
    state
        .store
        .get_issue(form.issue_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let audit = AuditEvent::new(
        "issue.link_proposed",
        Some(user.id),
        Some(page.ctx.ip.clone()),
    )
    .subject("issue", Some(form.issue_id))
    .detail(format!("finding #{id}"));
    let tr = page.tr();
    match state.store.propose_link(form.issue_id, id, &audit).await {
        Ok(()) => flash(&session, FlashKind::Success, tr.t("finding.proposed")).await?,
        Err(crate::store::StoreError::Conflict) => {
            flash(&session, FlashKind::Error, tr.t("finding.already_proposed")).await?
        }
        Err(e) => return Err(e.into()),
    }
    Ok(Redirect::to(&format!("/findings/{id}#issues")).into_response())
}

#[derive(serde::Deserialize, Default)]
pub struct BulkLinkForm {
    issue_id: Option<i64>,
    finding_ids: Vec<i64>,
    back: Option<String>,
}

/// Links the findings ticked in search results to one issue (all or none).
pub async fn bulk_link(
    State(state): State<AppState>,
    session: Session,
    CurrentUser(user): CurrentUser,
    page: PageCtx,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    if !crate::web::issues::can_manage(user.role) {
        return Err(AppError::Forbidden);
    }
    let mut form = BulkLinkForm::default();
    for (k, v) in pairs {
        match k.as_str() {
            "issue_id" => form.issue_id = v.parse().ok(),
            "finding_id" => {
                if let Ok(f) = v.parse() {
                    form.finding_ids.push(f);
                }
            }
            "back" => form.back = Some(v),
            _ => {}
        }
    }
    let back = crate::web::errors::safe_next(form.back.as_deref());
    let tr = page.tr();
    let Some(issue_id) = form.issue_id else {
        flash(&session, FlashKind::Error, tr.t("issues.choose_issue")).await?;
        return Ok(Redirect::to(&back).into_response());
    };
    if form.finding_ids.is_empty() {
        flash(&session, FlashKind::Error, tr.t("issues.link_none")).await?;
        return Ok(Redirect::to(&back).into_response());
    }
    state
        .store
        .get_issue(issue_id)
        .await?
        .ok_or(AppError::NotFound)?;
    for fid in &form.finding_ids {
        load_visible(&state, &user, *fid).await?;
    }
    form.finding_ids.sort();
    form.finding_ids.dedup();
    let audit = AuditEvent::new(
        "issue.finding_linked",
        Some(user.id),
        Some(page.ctx.ip.clone()),
    )
    .subject("issue", Some(issue_id));
    match state
        .store
        .link_findings(issue_id, &form.finding_ids, &audit)
        .await
    {
        Ok(()) => {
            flash(
                &session,
                FlashKind::Success,
                tr.f(
                    "issues.linked",
                    &[("count", &form.finding_ids.len().to_string())],
                ),
            )
            .await?
        }
        Err(crate::store::StoreError::Conflict) => {
            flash(&session, FlashKind::Error, tr.t("issues.already_linked")).await?
        }
        Err(e) => return Err(e.into()),
    }
    Ok(Redirect::to(&back).into_response())
}

pub async fn delete(
    State(state): State<AppState>,
    session: Session,
    CurrentUser(user): CurrentUser,
    page: PageCtx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let f = load_visible(&state, &user, id).await?;
    if !access::can_edit(user.role, user.id, user.org_id, f.recorded_by, f.org_id) {
        return Err(AppError::Forbidden);
    }
    let audit = AuditEvent::new("finding.deleted", Some(user.id), Some(page.ctx.ip.clone()))
        .subject("finding", Some(id));
    state.store.delete_finding(id, &audit).await?;
    flash(
        &session,
        FlashKind::Success,
        page.tr().f("finding.deleted", &[("id", &id.to_string())]),
    )
    .await?;
    Ok(Redirect::to("/findings").into_response())
}

/// Issues and findings that look like this finding, best first, with how alike (0–1).
#[derive(Default)]
pub struct Suggestions {
    pub issues: Vec<(crate::store::issues::IssueRef, f32)>,
    pub findings: Vec<(crate::domain::recurrence::GapDoc, f32)>,
}

/// Findings compared: the latest this many of the same policy area.
const SUGGESTION_POOL: i64 = 1500;
/// Less alike than this is not worth a worker's attention.
const SUGGESTION_MIN: f32 = 0.2;

/// What suggestions compare a finding with, per policy area: its latest findings (one
/// more than the pool, so that the finding itself can be left out) read and counted
/// once. Kept per version of the findings and issues (see
/// `web::cache`), so a page costs one comparison, not reading 1,500 texts again; while
/// findings are being saved, reused for up to `suggestions_lag_seconds`.
struct AreaPool {
    findings: Vec<(crate::domain::recurrence::GapDoc, Vec<i64>)>,
    counted: crate::domain::recurrence::Pool,
}

async fn area_pool(state: &AppState, area_id: i64) -> Result<std::sync::Arc<AreaPool>, AppError> {
    use crate::domain::recurrence::GapDoc;
    state
        .cache
        .get_or_within(
            &state.store,
            format!("suggestion-pool:{area_id}"),
            &["findings", "issues"],
            std::time::Duration::from_secs(state.settings.suggestions_lag_seconds),
            || async {
                let findings = state
                    .store
                    .area_pool(area_id, 0, SUGGESTION_POOL + 1)
                    .await?;
                let docs: Vec<GapDoc> = findings.iter().map(|(d, _)| d.clone()).collect();
                let counted = count_off_thread(docs).await?;
                Ok(AreaPool { findings, counted })
            },
        )
        .await
}

/// Reads and counts the texts of a suggestion pool on the blocking pool (CPU work).
async fn count_off_thread(
    docs: Vec<crate::domain::recurrence::GapDoc>,
) -> Result<crate::domain::recurrence::Pool, AppError> {
    use crate::domain::recurrence::{Pool, Settings};
    tokio::task::spawn_blocking(move || Pool::build(&docs, &Settings::default()))
        .await
        .map_err(|e| AppError::Internal(e.into()))
}

/// The open issues of an area (or of all areas), latest first, as the link choices
/// offer them; always current, so an issue just opened can be linked at once.
pub async fn open_issues(
    state: &AppState,
    area_id: Option<i64>,
) -> Result<std::sync::Arc<Vec<crate::store::issues::IssueRef>>, AppError> {
    state
        .cache
        .get_or(
            &state.store,
            format!("open-issues:{area_id:?}"),
            &["issues"],
            || async {
                Ok(state
                    .store
                    .list_open_issues(area_id, crate::web::issues::OFFERED_ISSUES)
                    .await?)
            },
        )
        .await
}

/// The open issues of an area as texts to compare findings with, counted once per
/// version of the issues: what the suggestions here and on the start page compare a
/// finding with.
pub struct IssuePool {
    pub issues: std::sync::Arc<Vec<crate::store::issues::IssueRef>>,
    pub counted: crate::domain::recurrence::Pool,
}

pub async fn issue_pool(
    state: &AppState,
    area_id: i64,
) -> Result<std::sync::Arc<IssuePool>, AppError> {
    use crate::domain::recurrence::GapDoc;
    state
        .cache
        .get_or(
            &state.store,
            format!("issue-pool:{area_id}"),
            &["issues"],
            || async {
                let issues = open_issues(state, Some(area_id)).await?;
                let docs: Vec<GapDoc> = issues
                    .iter()
                    .map(|i| GapDoc {
                        id: i.id,
                        org_id: 0,
                        worker_id: 0,
                        area_id: i.policy_area_id,
                        text: format!("{} {}", i.title, i.problem_statement),
                        threshold: None,
                        failure_mode: None,
                    })
                    .collect();
                let counted = count_off_thread(docs).await?;
                Ok(IssuePool { issues, counted })
            },
        )
        .await
}

/// Compares the finding with the latest findings of its area and with the open issues
/// of its area; an issue also inherits the likeness of the findings linked to it.
pub async fn suggest(
    state: &AppState,
    user: &crate::store::User,
    f: &crate::store::findings::Finding,
) -> Result<Suggestions, AppError> {
    use crate::domain::recurrence::{GapDoc, Settings};
    let area = area_pool(state, f.policy_area_id).await?;
    let issue_pool = issue_pool(state, f.policy_area_id).await?;
    let open_issues = issue_pool.issues.clone();
    let query = GapDoc {
        id: f.id,
        org_id: f.org_id,
        worker_id: f.recorded_by,
        area_id: f.policy_area_id,
        text: format!(
            "{} {} {} {}",
            f.narrative,
            f.tags.join(" "),
            f.figures
                .iter()
                .map(|g| g.name.as_str())
                .collect::<Vec<_>>()
                .join(" "),
            f.threshold
                .as_ref()
                .map(|t| t.benefit.as_str())
                .unwrap_or_default()
        ),
        threshold: f.threshold.as_ref().map(|t| {
            (
                t.benefit.clone(),
                t.kind.as_str().to_string(),
                t.value.clone(),
            )
        }),
        failure_mode: f.failure_mode.clone(),
    };
    // The finding itself is never its own suggestion; without it, the pool is the
    // latest SUGGESTION_POOL others.
    let skip: Vec<usize> = match area.findings.iter().position(|(d, _)| d.id == f.id) {
        Some(own) => vec![own],
        None if area.findings.len() > SUGGESTION_POOL as usize => vec![area.findings.len() - 1],
        None => Vec::new(),
    };
    let compared = area.clone();
    let compared_issues = issue_pool.clone();
    let (scored, issue_scored) = tokio::task::spawn_blocking(move || {
        let s = Settings::default();
        let scored = compared
            .counted
            .most_similar(&query, &skip, &s, SUGGESTION_MIN, 50);
        let issue_scored =
            compared_issues
                .counted
                .most_similar(&query, &[], &s, SUGGESTION_MIN, 10);
        (scored, issue_scored)
    })
    .await
    .map_err(|e| AppError::Internal(e.into()))?;
    let mut issue_score: std::collections::HashMap<i64, f32> = std::collections::HashMap::new();
    for (i, s) in &issue_scored {
        let e = issue_score.entry(open_issues[*i].id).or_default();
        *e = e.max(*s);
    }
    let mut findings = Vec::new();
    for (i, s) in &scored {
        let (doc, issues) = &area.findings[*i];
        for id in issues {
            let e = issue_score.entry(*id).or_default();
            *e = e.max(*s);
        }
        if findings.len() < 5 && access::can_view(user.role, user.org_id, doc.org_id) {
            findings.push((doc.clone(), *s));
        }
    }
    let mut issues: Vec<(crate::store::issues::IssueRef, f32)> = issue_score
        .into_iter()
        .filter_map(|(id, s)| {
            open_issues
                .iter()
                .find(|i| i.id == id)
                .map(|i| (i.clone(), s))
        })
        .collect();
    issues.sort_by(|a, b| b.1.partial_cmp(&a.1).unwrap_or(std::cmp::Ordering::Equal));
    issues.truncate(3);
    Ok(Suggestions { issues, findings })
}
