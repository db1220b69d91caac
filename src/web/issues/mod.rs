//! Advocacy issues: a recurring gap with its evidence. Listing, creating, the issue
//! page with its evidence summary (small cells suppressed for outsiders), and linking
//! findings to it.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::{Markup, html};
use serde::Deserialize;
use tower_sessions::Session;

use super::AppState;
use super::findings::{Taxonomy, format_amount};
use crate::domain::evidence::{self, Cell, EvidenceItem, Suppression};
use crate::domain::finding::access;
use crate::domain::role::Role;
use crate::error::AppError;
use crate::i18n::Tr;
use crate::store::User;
use crate::store::findings::Finding;
use crate::store::issues::{IssueRow, LinkRow, NewIssue, Party, PartyRow};
use crate::store::{AuditEvent, StoreError};
use crate::web::context::CurrentUser;
use crate::web::forms::{self, FieldErrors, Input};
use crate::web::layout::{self, FlashKind, PageCtx, csrf_field, flash};

pub mod answers;
mod attachments;
pub mod briefing;
mod corrections;
mod edit;
mod export;
pub mod lifecycle;
pub mod proposal;

pub fn router() -> crate::web::routes::Routes {
    crate::web::routes::Routes::new()
        // The size is checked while the file streams in (configurable, see attachments).
        .route(
            "/issues/{id}/attachments",
            post(attachments::upload).layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route(
            "/issues/{id}/attachments/{attachment_id}",
            get(attachments::download),
        )
        .route(
            "/issues/{id}/attachments/{attachment_id}/remove",
            post(attachments::remove),
        )
        .route("/issues", get(list).post(create))
        .route("/issues/new", get(new_form))
        .route("/issues/{id}", get(show))
        .route("/issues/{id}/edit", get(edit::edit_form).post(edit::update))
        .route(
            "/issues/{id}/proposal",
            get(proposal::page).post(proposal::save),
        )
        .route("/issues/{id}/proposal/compare", get(proposal::compare))
        .route("/issues/{id}/briefing", get(briefing::print_page))
        .route("/issues/{id}/briefing.md", get(briefing::markdown))
        .route("/issues/{id}/briefing.docx", get(briefing::docx))
        .route("/issues/{id}/briefing.pdf", get(briefing::pdf))
        .route(
            "/issues/{id}/proposal/version/{version_id}",
            get(proposal::by_id),
        )
        .route("/issues/{id}/transitions", post(lifecycle::transition))
        .route("/issues/{id}/submissions", post(lifecycle::submit))
        .route("/submissions/{id}/responses", post(answers::respond))
        .route(
            "/submissions/{id}/edit",
            get(corrections::submission_form).post(corrections::submission_save),
        )
        .route(
            "/responses/{id}/edit",
            get(corrections::response_form).post(corrections::response_save),
        )
        .route("/submissions/{id}/extend", post(answers::extend))
        .route("/submissions/{id}/meetings", post(answers::meeting))
        .route(
            "/issues/{id}/responses/{response_id}/satisfaction",
            post(answers::satisfaction),
        )
        .route(
            "/issues/{id}/commitments/{commitment_id}",
            post(answers::commitment),
        )
        .route("/issues/{id}/evidence.csv", get(export::csv))
        .route("/issues/{id}/evidence.xlsx", get(export::xlsx))
        .route("/issues/{id}/findings", post(link))
        .route("/issues/{id}/findings/{finding_id}/unlink", post(unlink))
        .route("/issues/{id}/comments", post(comment))
        .route("/issues/{id}/{party}/add", post(add_party))
        .route("/issues/{id}/{party}/{member}/remove", post(remove_party))
        .route("/issues/{id}/evidence", post(add_evidence))
        .route(
            "/issues/{id}/evidence/{evidence_id}/remove",
            post(remove_evidence),
        )
        .route("/issues/{id}/merge", post(merge))
        .route("/issues/{id}/split", post(split))
        .route(
            "/issues/{id}/proposals/{finding_id}/{decision}",
            post(decide),
        )
        .route("/issues/{id}/watch", post(watch))
        .route("/issues/{id}/unwatch", post(unwatch))
}

/// How many open issues a page offers to link to or merge into (latest first).
pub const OFFERED_ISSUES: i64 = 200;

pub const PRIORITIES: [&str; 4] = ["low", "normal", "high", "urgent"];

/// Everyone but viewers may comment on issues.
pub fn can_comment(role: Role) -> bool {
    role != Role::Viewer
}

/// Senior workers, coordinators and admins build issues; everyone else reads them.
pub fn can_manage(role: Role) -> bool {
    matches!(role, Role::Senior | Role::Coordinator | Role::Admin)
}

pub(crate) fn priority_key(p: &str) -> &'static str {
    match p {
        "low" => "issues.priority_low",
        "high" => "issues.priority_high",
        "urgent" => "issues.priority_urgent",
        _ => "issues.priority_normal",
    }
}

fn stage_key(stage: &str) -> &'static str {
    lifecycle::stage_key(
        crate::domain::lifecycle::Stage::parse(stage)
            .unwrap_or(crate::domain::lifecycle::Stage::Identified),
    )
}

async fn list(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    page: PageCtx,
) -> Result<Markup, AppError> {
    let tr = page.tr();
    let tax = Taxonomy::cached(&state).await?;
    // Merged issues live on in the issue they were merged into.
    let issues: Vec<IssueRow> = state
        .store
        .list_issues()
        .await?
        .into_iter()
        .filter(|i| i.merged_into.is_none())
        .collect();
    Ok(layout::page(
        &page,
        tr.t("issues.title"),
        html! {
            div.heading-row {
                h1 { (tr.t("issues.title")) }
                @if can_manage(user.role) { a.button.primary href="/issues/new" { (tr.t("issues.new")) } }
            }
            @if issues.is_empty() {
                p.muted { (tr.t("issues.none")) }
            } @else {
                table.list {
                    thead { tr {
                        th { (tr.t("issues.issue")) }
                        th.wide-only { (tr.t("finding.policy_area")) }
                        th { (tr.t("issues.stage")) }
                        th.wide-only { (tr.t("issues.priority")) }
                        th.num { (tr.t("issues.findings")) }
                        th.wide-only { (tr.t("issues.owner")) }
                    } }
                    tbody {
                        @for i in &issues {
                            tr {
                                td { a href={ "/issues/" (i.id) } { "#" (i.id) " " (i.title) } }
                                td.wide-only { (tax.area_name(i.policy_area_id, page.ctx.lang)) }
                                td { (tr.t(stage_key(&i.stage))) }
                                td.wide-only { (tr.t(priority_key(&i.priority))) }
                                td.num { (i.finding_count) }
                                td.wide-only { (i.owner_name) }
                            }
                        }
                    }
                }
            }
        },
    ))
}

/// The longest problem statement, in characters (pages and API alike).
pub const STATEMENT_MAX_CHARS: usize = 20_000;

#[derive(Deserialize, Default)]
pub struct IssueForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    problem_statement: String,
    #[serde(default)]
    policy_area_id: String,
    #[serde(default)]
    priority: String,
}

fn new_view(page: &PageCtx, tax: &Taxonomy, form: &IssueForm, errors: &FieldErrors) -> Markup {
    let tr = page.tr();
    let priorities: Vec<(String, String)> = PRIORITIES
        .iter()
        .map(|p| (p.to_string(), tr.t(priority_key(p)).to_string()))
        .collect();
    layout::page(
        page,
        tr.t("issues.new"),
        html! {
            p { a href="/issues" { "← " (tr.t("issues.title")) } }
            h1 { (tr.t("issues.new")) }
            (forms::error_summary(tr, errors))
            form.stack method="post" action="/issues" {
                (csrf_field(page))
                (forms::input(tr, Input::text("title", "issues.issue_title", &form.title), errors))
                div.field.has-error[errors.get("problem_statement").is_some()] {
                    label for="f-problem" { (tr.t("issues.problem_statement")) }
                    textarea #f-problem name="problem_statement" rows="5" required { (form.problem_statement) }
                    @if let Some(k) = errors.get("problem_statement") { p.field-error { (tr.t(k)) } }
                }
                (forms::select(tr, "policy_area_id", "finding.policy_area", &tax.area_options(page.ctx.lang, None), &form.policy_area_id, errors))
                (forms::select(tr, "priority", "issues.priority", &priorities, if form.priority.is_empty() { "normal" } else { &form.priority }, errors))
                button.primary type="submit" { (tr.t("issues.create")) }
            }
        },
    )
}

async fn new_form(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    page: PageCtx,
) -> Result<Markup, AppError> {
    if !can_manage(user.role) {
        return Err(AppError::Forbidden);
    }
    let tax = Taxonomy::cached(&state).await?;
    Ok(new_view(
        &page,
        &tax,
        &IssueForm::default(),
        &FieldErrors::default(),
    ))
}

async fn create(
    State(state): State<AppState>,
    session: Session,
    CurrentUser(user): CurrentUser,
    page: PageCtx,
    Form(form): Form<IssueForm>,
) -> Result<Response, AppError> {
    if !can_manage(user.role) {
        return Err(AppError::Forbidden);
    }
    let tax = Taxonomy::cached(&state).await?;
    let mut errors = FieldErrors::default();
    let title = form.title.trim();
    if title.is_empty() || title.chars().count() > 200 {
        errors.add("title", "issues.title_invalid");
    }
    let statement = form.problem_statement.trim();
    if statement.is_empty() || statement.chars().count() > STATEMENT_MAX_CHARS {
        errors.add("problem_statement", "issues.statement_invalid");
    }
    let area = form
        .policy_area_id
        .parse::<i64>()
        .ok()
        .filter(|id| tax.areas.iter().any(|a| a.id == *id && a.active));
    if area.is_none() {
        errors.add("policy_area_id", "finding.policy_area_unknown");
    }
    if !PRIORITIES.contains(&form.priority.as_str()) {
        errors.add("priority", "issues.priority_invalid");
    }
    let (Some(area), true) = (area, errors.is_empty()) else {
        return Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            new_view(&page, &tax, &form, &errors),
        )
            .into_response());
    };
    let new = NewIssue {
        title: title.to_string(),
        problem_statement: statement.to_string(),
        policy_area_id: area,
        owner_id: user.id,
        priority: form.priority.clone(),
    };
    let audit = AuditEvent::new("issue.created", Some(user.id), Some(page.ctx.ip.clone()))
        .subject("issue", None)
        .detail(title);
    let issue = state.store.create_issue(&new, &audit).await?;
    flash(&session, FlashKind::Success, page.tr().t("issues.created")).await?;
    Ok(Redirect::to(&format!("/issues/{}", issue.id)).into_response())
}

/// 1.2 MB, 340 KB, 12 B.
fn human_size(bytes: i64) -> String {
    let b = bytes as f64;
    if b >= 1024.0 * 1024.0 {
        format!("{:.1} MB", b / (1024.0 * 1024.0))
    } else if b >= 1024.0 {
        format!("{:.0} KB", b / 1024.0)
    } else {
        format!("{bytes} B")
    }
}

fn cell(tr: Tr, count: usize, sup: Suppression) -> String {
    match sup.shown(count) {
        Cell::Exact(n) => n.to_string(),
        Cell::Few => tr.f("issues.fewer_than", &[("n", &sup.threshold.to_string())]),
    }
}

/// Insiders see exact small counts: admins, and readers whose organisation recorded
/// every linked finding (`orgs`: the recording organisation of each).
pub fn suppression_over(
    state: &AppState,
    user: &User,
    mut orgs: impl Iterator<Item = i64>,
) -> Suppression {
    Suppression {
        threshold: state.settings.small_cell,
        insider: user.role == Role::Admin || orgs.all(|o| o == user.org_id),
    }
}

/// Linked findings shown per page of an issue.
const LINKED_PAGE: usize = 100;

#[derive(Debug, Deserialize, Default)]
pub struct ShowParams {
    page: Option<usize>,
}

/// An issue's linked findings as the summary reads them, its links and its evidence
/// summary. Kept per version of the findings and issues for issues with many findings
/// (reading and summarising 2,000 findings on every view is what made the page slow);
/// small issues are read each time, so they do not crowd the cache.
struct IssueEvidence {
    items: Vec<(i64, EvidenceItem)>,
    links: Vec<LinkRow>,
    summary: evidence::EvidenceSummary,
}

/// Issues with at least this many linked findings keep their evidence in the cache.
const CACHED_EVIDENCE_FROM: i64 = 200;

async fn issue_evidence(
    state: &AppState,
    id: i64,
    finding_count: i64,
) -> Result<std::sync::Arc<IssueEvidence>, AppError> {
    let read = || async {
        let items = state.store.evidence_items(id).await?;
        let links = state.store.issue_links(id).await?;
        let summary =
            evidence::summarise(&items.iter().map(|(_, it)| it.clone()).collect::<Vec<_>>());
        Ok(IssueEvidence {
            items,
            links,
            summary,
        })
    };
    if finding_count < CACHED_EVIDENCE_FROM {
        return Ok(std::sync::Arc::new(read().await?));
    }
    state
        .cache
        .get_or(
            &state.store,
            format!("issue-evidence:{id}"),
            &["findings", "issues"],
            read,
        )
        .await
}

pub(crate) async fn load_issue(state: &AppState, id: i64) -> Result<IssueRow, AppError> {
    state.store.get_issue(id).await?.ok_or(AppError::NotFound)
}

async fn show(
    State(state): State<AppState>,
    session: Session,
    CurrentUser(user): CurrentUser,
    page: PageCtx,
    Path(id): Path<i64>,
    axum::extract::Query(params): axum::extract::Query<ShowParams>,
) -> Result<Response, AppError> {
    let issue = load_issue(&state, id).await?;
    if let Some(into) = issue.merged_into {
        // The old address leads to the issue it was merged into.
        flash(
            &session,
            FlashKind::Success,
            page.tr().f("issues.was_merged", &[("id", &id.to_string())]),
        )
        .await?;
        return Ok(Redirect::to(&format!("/issues/{into}")).into_response());
    }
    // Duplicates are about the same gap, so they are looked for in the same area.
    let all_open: Vec<crate::store::issues::IssueRef> = if can_manage(user.role) {
        crate::web::findings::show::open_issues(&state, Some(issue.policy_area_id))
            .await?
            .iter()
            .filter(|i| i.id != id)
            .cloned()
            .collect()
    } else {
        Vec::new()
    };
    let tax = Taxonomy::cached(&state).await?;
    // The summary reads all linked findings (lean rows); the list shows one page of them.
    let evidence = issue_evidence(&state, id, issue.finding_count).await?;
    let items_by_id = &evidence.items;
    let org_of: std::collections::HashMap<i64, i64> = items_by_id
        .iter()
        .map(|(fid, it)| (*fid, it.org_id))
        .collect();
    let links = &evidence.links;
    let live_links: Vec<&LinkRow> = links
        .iter()
        .filter(|l| org_of.contains_key(&l.finding_id))
        .collect();
    let visible_links: Vec<&LinkRow> = live_links
        .iter()
        .copied()
        .filter(|l| access::can_view(user.role, user.org_id, org_of[&l.finding_id]))
        .collect();
    let hidden_count = live_links.len() - visible_links.len();
    let pages = visible_links.len().div_ceil(LINKED_PAGE).max(1);
    let page_no = params.page.unwrap_or(1).clamp(1, pages);
    let page_links: Vec<&LinkRow> = visible_links
        .iter()
        .skip((page_no - 1) * LINKED_PAGE)
        .take(LINKED_PAGE)
        .copied()
        .collect();
    let mut page_findings: std::collections::HashMap<i64, Finding> = state
        .store
        .get_findings(&page_links.iter().map(|l| l.finding_id).collect::<Vec<_>>())
        .await?
        .into_iter()
        .map(|f| (f.id, f))
        .collect();
    let findings: Vec<(&LinkRow, Finding)> = page_links
        .iter()
        .filter_map(|l| page_findings.remove(&l.finding_id).map(|f| (*l, f)))
        .collect();
    let comments = state.store.list_comments(id).await?;
    let timeline = state.store.audit_of("issue", id).await?;
    let other_evidence = state.store.list_evidence(id).await?;
    let files = state.store.list_attachments(id).await?;
    let stage =
        lifecycle::stage_card(&state, &user, &page, id, issue.resolution.as_deref()).await?;
    let submissions = state.store.list_submissions(id).await?;
    let departments = if can_manage(user.role) {
        state.store.list_departments().await?
    } else {
        Vec::new()
    };
    let submission_draft = lifecycle::take_draft(&session).await;
    let outcomes = state.store.issue_outcomes(id).await?;
    let answers_data = lifecycle::Answers {
        responses: state.store.list_responses(id).await?,
        commitments: state.store.list_commitments(id).await?,
        meetings: state.store.list_meetings(id).await?,
        files: files.clone(),
        scheme: answers::scheme(&state).await?,
        response_draft: answers::take_response_draft(&session).await,
        long_overdue_days: state.settings.long_overdue_days,
    };
    let proposals = if can_manage(user.role) {
        state.store.list_proposals(id).await?
    } else {
        Vec::new()
    };
    let crate::store::issues::IssueParties {
        supporters,
        cosigners,
        watchers,
    } = state.store.list_parties(id).await?;
    let watching = watchers.iter().any(|w| w.id == user.id);
    let (all_orgs, all_users) = if can_manage(user.role) {
        (
            state.store.list_orgs().await?,
            state.store.list_users().await?,
        )
    } else {
        (Vec::new(), Vec::new())
    };
    let items: Vec<&EvidenceItem> = items_by_id.iter().map(|(_, it)| it).collect();
    let summary = &evidence.summary;
    let sup = suppression_over(&state, &user, items.iter().map(|it| it.org_id));
    let insider = sup.insider;
    let tr = page.tr();
    let lang = page.ctx.lang;
    let manage = can_manage(user.role);
    let span = match (summary.first_observed, summary.last_observed) {
        (Some(a), Some(b)) => format!("{a} – {b}"),
        _ => "—".into(),
    };
    Ok(layout::page(
        &page,
        &issue.title,
        html! {
            p { a href="/issues" { "← " (tr.t("issues.title")) } }
            h1 { "#" (issue.id) " " (issue.title) }
            p.meta {
                @if manage { a.button href={ "/issues/" (issue.id) "/edit" } { (tr.t("issues.edit")) } " " }
                a.button href={ "/issues/" (issue.id) "/proposal" } { (tr.t("proposal.page_title")) } " "
                a.button href={ "/issues/" (issue.id) "/briefing" } { (tr.t("briefing.print")) } " "
                a.button href={ "/issues/" (issue.id) "/briefing.md" } { (tr.t("briefing.markdown")) } " "
                a.button href={ "/issues/" (issue.id) "/briefing.docx" } { (tr.t("briefing.docx")) } " "
                a.button href={ "/issues/" (issue.id) "/briefing.pdf" } { (tr.t("briefing.pdf")) } " "
                (tr.t(stage_key(&issue.stage))) " · " (tr.t(priority_key(&issue.priority))) " · "
                (tax.area_name(issue.policy_area_id, lang)) " · " (tr.t("issues.owner")) " " (issue.owner_name)
            }
            section.card { p.narrative { (issue.problem_statement) } }
            (stage)
            (crate::web::parameters::outcome_card(&page, issue.id, &outcomes))
            (lifecycle::submissions_card(&page, issue.id, &submissions, &departments, manage, submission_draft, &answers_data))
            section.card.evidence {
                h2 { (tr.t("issues.evidence")) }
                ul.figures {
                    li { span.figure { (summary.findings) } " " (tr.t("issues.sum_findings")) }
                    // How widely the gap recurs is the point of an issue: these totals
                    // count workers, organisations and districts, not findings in a
                    // breakdown cell, and are shown as they are.
                    li { span.figure { (summary.workers) } " " (tr.t("issues.sum_workers")) }
                    li { span.figure { (summary.organisations) } " " (tr.t("issues.sum_orgs")) }
                    li { span.figure { (summary.districts) } " " (tr.t("issues.sum_districts")) }
                    li { span.figure { (summary.people_affected) } " " (tr.t("issues.sum_people")) }
                }
                p.muted { (tr.t("issues.span")) " " (span) }
                @if !summary.gaps.is_empty() {
                    h3 { (tr.t("issues.gaps")) }
                    ul {
                        @for g in &summary.gaps {
                            li {
                                (tr.f("issues.gap_line", &[
                                    ("larger", &g.larger), ("smaller", &g.smaller),
                                    ("gap", &if sup.shown(g.count) == Cell::Few { "—".to_string() } else { format_amount(g.median_gap) }), ("unit", &g.unit),
                                    ("count", &cell(tr, g.count, sup)),
                                ]))
                            }
                        }
                    }
                }
                @if !summary.figures.is_empty() {
                    h3 { (tr.t("finding.figures")) }
                    table.list {
                        thead { tr { th { (tr.t("finding.figure_name")) } th.num { (tr.t("issues.count")) } th.num { (tr.t("issues.median")) } th.num { (tr.t("issues.range")) } th { (tr.t("finding.figure_unit")) } } }
                        tbody {
                            @for f in &summary.figures {
                                tr {
                                    td { (f.name) }
                                    td.num { (cell(tr, f.count, sup)) }
                                    // A suppressed cell's amounts could point at one family too.
                                    @if sup.shown(f.count) == Cell::Few { td.num { "—" } td.num { "—" } } @else {
                                        td.num { (format_amount(f.median)) }
                                        td.num { (format_amount(f.min)) " – " (format_amount(f.max)) }
                                    }
                                    td { (f.unit) }
                                }
                            }
                        }
                    }
                }
                @if !summary.thresholds.is_empty() {
                    h3 { (tr.t("finding.threshold_title")) }
                    ul { @for (b, k, v, n) in &summary.thresholds { li { (b) " · " (tr.t(&format!("threshold.{k}"))) " · " (v) ": " (cell(tr, *n, sup)) } } }
                }
                div.grid {
                    div {
                        h3 { (tr.t("issues.by_district")) }
                        table.list { tbody {
                            @for (d, n) in &summary.per_district {
                                tr { td { (tax.locality(*d).map(|l| super::findings::locality_label(l, lang).to_string()).unwrap_or_else(|| format!("#{d}"))) } td.num { (cell(tr, *n, sup)) } }
                            }
                        } }
                    }
                    div {
                        h3 { (tr.t("issues.by_month")) }
                        table.list { tbody {
                            @for (m, n) in &summary.per_month { tr { td { (m) } td.num { (cell(tr, *n, sup)) } } }
                        } }
                    }
                    div {
                        h3 { (tr.t("issues.by_age")) }
                        table.list { tbody {
                            @for (band, n) in &summary.per_age_band { tr { td { (band) } td.num { (cell(tr, *n, sup)) } } }
                        } }
                    }
                }
                @if !insider { p.hint { (tr.f("issues.suppressed_note", &[("n", &sup.threshold.to_string())])) } }
                p.actions {
                    a.button href={ "/issues/" (issue.id) "/evidence.csv" } { (tr.t("issues.export_csv")) } " "
                    a.button href={ "/issues/" (issue.id) "/evidence.xlsx" } { (tr.t("issues.export_xlsx")) }
                    " " span.hint { (tr.f("issues.export_note", &[("n", &sup.threshold.to_string())])) }
                }
            }
            section.card #linked {
                h2 { (tr.t("issues.linked_findings")) }
                @if manage {
                    form.inline method="post" action={ "/issues/" (issue.id) "/findings" } {
                        (csrf_field(&page))
                        div.field {
                            label for="f-ids" { (tr.t("issues.link_ids")) }
                            input #f-ids name="finding_ids" placeholder="12, 15, 31" required;
                        }
                        button type="submit" { (tr.t("issues.link")) }
                    }
                }
                @if hidden_count > 0 {
                    p.muted { (tr.f("issues.hidden_findings", &[("count", &hidden_count.to_string())])) }
                }
                @if pages > 1 {
                    p.muted { (tr.f("issues.linked_page", &[("page", &page_no.to_string()), ("pages", &pages.to_string()), ("count", &visible_links.len().to_string())])) }
                }
                ol.results start=((page_no - 1) * LINKED_PAGE + 1) {
                    @for (l, f) in &findings {
                        li.result {
                            a.result-title href={ "/findings/" (f.id) } { (tr.f("finding.title", &[("id", &f.id.to_string())])) }
                            p.snippet { (f.narrative.chars().take(200).collect::<String>()) }
                            p.meta {
                                (f.org_name) " · " (f.observed_on) " · "
                                (tr.f("issues.linked_by", &[("name", &l.linker_name), ("date", &l.linked_at.format("%Y-%m-%d").to_string())]))
                            }
                            @if manage {
                                label.checkbox.pick {
                                    input type="checkbox" name="finding_id" value=(f.id) form="split-form"
                                        aria-label=(tr.f("finding.title", &[("id", &f.id.to_string())]));
                                }
                                form method="post" action={ "/issues/" (issue.id) "/findings/" (f.id) "/unlink" } {
                                    (csrf_field(&page))
                                    button.link-button type="submit" { (tr.t("issues.unlink")) }
                                }
                            }
                        }
                    }
                }
            }
            @if pages > 1 {
                nav.pager aria-label=(tr.t("issues.linked_findings")) {
                    @if page_no > 1 { a href={ "/issues/" (issue.id) "?page=" (page_no - 1) "#linked" } { "← " (tr.t("issues.previous_page")) } " " }
                    @if page_no < pages { a href={ "/issues/" (issue.id) "?page=" (page_no + 1) "#linked" } { (tr.t("issues.next_page")) " →" } }
                }
            }
            @if !proposals.is_empty() {
                section.card #proposals {
                    h2 { (tr.t("issues.proposals")) }
                    ul.plain {
                        @for p in &proposals {
                            li {
                                a href={ "/findings/" (p.finding_id) } { (tr.f("finding.title", &[("id", &p.finding_id.to_string())])) }
                                " · " (tr.f("issues.proposed_by", &[("name", &p.proposer_name)])) " "
                                @for (decision, key) in [("accept", "issues.accept"), ("decline", "issues.decline")] {
                                    form.inline-form method="post" action={ "/issues/" (issue.id) "/proposals/" (p.finding_id) "/" (decision) } {
                                        (csrf_field(&page))
                                        button.link-button type="submit" { (tr.t(key)) }
                                    }
                                    " "
                                }
                            }
                        }
                    }
                }
            }
            section.card #other-evidence {
                h2 { (tr.t("issues.other_evidence")) }
                @if other_evidence.is_empty() { p.muted { (tr.t("issues.no_other_evidence")) } }
                ul.plain {
                    @for e in &other_evidence {
                        li.evidence-item {
                            span.tag { (tr.t(if e.kind == "statistic" { "issues.kind_statistic" } else { "issues.kind_policy" })) }
                            " " strong { (e.title) }
                            @if !e.detail.is_empty() { " — " (e.detail) }
                            @if !e.source.is_empty() { " · " span.muted { (tr.t("issues.source")) " " (e.source) } }
                            @if let Some(u) = &e.url { " · " a href=(u) rel="nofollow noopener noreferrer" { (tr.t("issues.open_link")) } }
                            @if manage {
                                " "
                                form.inline-form method="post" action={ "/issues/" (issue.id) "/evidence/" (e.id) "/remove" } {
                                    (csrf_field(&page))
                                    button.link-button type="submit" { (tr.t("issues.remove")) }
                                }
                            }
                        }
                    }
                }
                @if manage {
                    form.stack method="post" action={ "/issues/" (issue.id) "/evidence" } {
                        (csrf_field(&page))
                        div.grid {
                            div.field {
                                label for="e-kind" { (tr.t("issues.evidence_kind")) }
                                select #e-kind name="kind" {
                                    option value="statistic" { (tr.t("issues.kind_statistic")) }
                                    option value="policy_document" { (tr.t("issues.kind_policy")) }
                                }
                            }
                            div.field { label for="e-title" { (tr.t("issues.evidence_title")) } input #e-title name="title" required; }
                            div.field { label for="e-detail" { (tr.t("issues.evidence_detail")) } input #e-detail name="detail"; }
                            div.field { label for="e-source" { (tr.t("issues.source")) } input #e-source name="source"; }
                            div.field { label for="e-url" { (tr.t("issues.url")) } input #e-url name="url" type="url" placeholder="https://"; }
                        }
                        button type="submit" { (tr.t("issues.add")) }
                    }
                }
            }
            section.card #attachments {
                h2 { (tr.t("attachments.title")) }
                @if files.is_empty() { p.muted { (tr.t("attachments.none")) } }
                ul.plain {
                    @for a in &files {
                        li.attachment-item {
                            a href={ "/issues/" (issue.id) "/attachments/" (a.id) } { (a.filename) }
                            " " span.muted { (human_size(a.size_bytes)) " · " (a.added_by_name) " · " (a.added_at.format("%Y-%m-%d")) }
                            @if manage {
                                " "
                                form.inline-form method="post" action={ "/issues/" (issue.id) "/attachments/" (a.id) "/remove" } {
                                    (csrf_field(&page))
                                    button.link-button type="submit" { (tr.t("issues.remove")) }
                                }
                            }
                        }
                    }
                }
                @if manage {
                    // Multipart bodies are not read by the CSRF check: the token travels in the URL.
                    form.stack method="post" enctype="multipart/form-data" action={ "/issues/" (issue.id) "/attachments?csrf_token=" (page.csrf_token) } {
                        div.field {
                            label for="a-file" { (tr.t("attachments.file")) }
                            input #a-file type="file" name="file" required accept=".pdf,.png,.jpg,.jpeg,.gif,.webp,.doc,.docx,.xls,.xlsx,.ppt,.pptx,.odt,.ods,.odp";
                            p.hint { (tr.f("attachments.hint", &[("mb", &(state.settings.attachment_max_bytes / (1024 * 1024)).to_string())])) }
                        }
                        button type="submit" { (tr.t("attachments.add")) }
                    }
                }
            }
            section.card #people {
                h2 { (tr.t("issues.people")) }
                div.grid {
                    div {
                        h3 { (tr.t("issues.supporters")) }
                        (party_list(&page, issue.id, "supporters", &supporters, manage))
                        @if manage {
                            @let options: Vec<_> = all_orgs.iter().filter(|o| o.active && !supporters.iter().any(|s| s.id == o.id)).collect();
                            @if !options.is_empty() {
                                form.inline method="post" action={ "/issues/" (issue.id) "/supporters/add" } {
                                    (csrf_field(&page))
                                    select name="member" aria-label=(tr.t("issues.supporters")) { @for o in options { option value=(o.id) { (o.name) } } }
                                    button type="submit" { (tr.t("issues.add")) }
                                }
                            }
                        }
                    }
                    div {
                        h3 { (tr.t("issues.cosigners")) }
                        (party_list(&page, issue.id, "cosigners", &cosigners, manage))
                        @if manage {
                            @let options: Vec<_> = all_users.iter().filter(|u| u.active && u.role != Role::Viewer && !cosigners.iter().any(|c| c.id == u.id)).collect();
                            @if !options.is_empty() {
                                form.inline method="post" action={ "/issues/" (issue.id) "/cosigners/add" } {
                                    (csrf_field(&page))
                                    select name="member" aria-label=(tr.t("issues.cosigners")) { @for u in options { option value=(u.id) { (u.name) " · " (u.org_name) } } }
                                    button type="submit" { (tr.t("issues.add")) }
                                }
                            }
                        }
                    }
                    div {
                        h3 { (tr.t("issues.watchers")) }
                        p { (tr.f("issues.watcher_count", &[("count", &watchers.len().to_string())])) }
                        form method="post" action={ "/issues/" (issue.id) (if watching { "/unwatch" } else { "/watch" }) } {
                            (csrf_field(&page))
                            button type="submit" { (tr.t(if watching { "issues.unwatch" } else { "issues.watch" })) }
                        }
                    }
                }
            }
            @if manage && !all_open.is_empty() {
                section.card #duplicate {
                    h2 { (tr.t("issues.duplicate")) }
                    p.hint { (tr.t("issues.duplicate_hint")) }
                    form.inline method="post" action={ "/issues/" (issue.id) "/merge" } data-confirm=(tr.t("issues.merge_confirm")) {
                        (csrf_field(&page))
                        div.field {
                            label for="m-into" { (tr.t("issues.merge_into")) }
                            select #m-into name="into" { @for i in &all_open { option value=(i.id) { "#" (i.id) " " (i.title) } } }
                        }
                        button.danger type="submit" { (tr.t("issues.merge")) }
                    }
                }
            }
            @if manage && live_links.len() > 1 {
                section.card #split {
                    h2 { (tr.t("issues.split")) }
                    p.hint { (tr.t("issues.split_hint")) }
                    form #split-form.inline method="post" action={ "/issues/" (issue.id) "/split" } {
                        (csrf_field(&page))
                        div.field { label for="s-title" { (tr.t("issues.split_title")) } input #s-title name="title" required; }
                        button type="submit" { (tr.t("issues.split_button")) }
                    }
                }
            }
            section.card #timeline {
                h2 { (tr.t("issues.timeline")) }
                ol.timeline {
                    @for e in &timeline {
                        li {
                            span.nowrap.muted { (e.at.format("%Y-%m-%d %H:%M")) } " "
                            strong { (crate::web::admin::audit::action_key(&e.action).map(|k| tr.t(k)).unwrap_or(&e.action)) }
                            " · " (e.actor_name.as_deref().unwrap_or("—"))
                            @if !e.detail.is_empty() && e.action != "issue.created" { " · " (e.detail) }
                        }
                    }
                }
            }
            section.card #comments {
                h2 { (tr.t("issues.comments")) }
                @if comments.is_empty() { p.muted { (tr.t("issues.no_comments")) } }
                @for c in &comments {
                    article.comment {
                        p.meta { strong { (c.author_name) } " · " (c.created_at.format("%Y-%m-%d %H:%M")) }
                        // Rendered from Markdown and cleaned by an allow-list (domain::markdown).
                        div.comment-body { (maud::PreEscaped(crate::domain::markdown::render(&c.body))) }
                    }
                }
                @if can_comment(user.role) {
                    form.stack method="post" action={ "/issues/" (issue.id) "/comments" } {
                        (csrf_field(&page))
                        div.field {
                            label for="f-comment" { (tr.t("issues.add_comment")) }
                            p.hint { (tr.t("issues.comment_hint")) }
                            textarea #f-comment name="body" rows="4" required {}
                        }
                        button type="submit" { (tr.t("issues.post_comment")) }
                    }
                }
            }
        },
    )
    .into_response())
}

#[derive(Deserialize)]
pub struct LinkForm {
    #[serde(default)]
    finding_ids: String,
}

async fn link(
    State(state): State<AppState>,
    session: Session,
    CurrentUser(user): CurrentUser,
    page: PageCtx,
    Path(id): Path<i64>,
    Form(form): Form<LinkForm>,
) -> Result<Response, AppError> {
    if !can_manage(user.role) {
        return Err(AppError::Forbidden);
    }
    let issue = load_issue(&state, id).await?;
    let tr = page.tr();
    let back = Redirect::to(&format!("/issues/{}", issue.id)).into_response();
    let mut ids = Vec::new();
    for part in form
        .finding_ids
        .split([',', '，', ' ', '、'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let part = part.trim_start_matches('#');
        let Ok(fid) = part.parse::<i64>() else {
            flash(
                &session,
                FlashKind::Error,
                tr.f("issues.link_unknown", &[("id", part)]),
            )
            .await?;
            return Ok(back);
        };
        // A finding the user may not see cannot be linked, and says no more than "unknown".
        let visible = match state.store.get_finding(fid).await? {
            Some(f) => f.deleted_at.is_none() && access::can_view(user.role, user.org_id, f.org_id),
            None => false,
        };
        if !visible {
            flash(
                &session,
                FlashKind::Error,
                tr.f("issues.link_unknown", &[("id", part)]),
            )
            .await?;
            return Ok(back);
        }
        if !ids.contains(&fid) {
            ids.push(fid);
        }
    }
    if ids.is_empty() {
        flash(&session, FlashKind::Error, tr.t("issues.link_none")).await?;
        return Ok(back);
    }
    let audit = AuditEvent::new(
        "issue.finding_linked",
        Some(user.id),
        Some(page.ctx.ip.clone()),
    )
    .subject("issue", Some(id));
    match state.store.link_findings(id, &ids, &audit).await {
        Ok(()) => {
            flash(
                &session,
                FlashKind::Success,
                tr.f("issues.linked", &[("count", &ids.len().to_string())]),
            )
            .await?
        }
        Err(StoreError::Conflict) => {
            flash(&session, FlashKind::Error, tr.t("issues.already_linked")).await?
        }
        Err(e) => return Err(e.into()),
    }
    Ok(back)
}

fn party_list(
    page: &PageCtx,
    issue_id: i64,
    party: &str,
    members: &[PartyRow],
    manage: bool,
) -> Markup {
    let tr = page.tr();
    html! {
        @if members.is_empty() { p.muted { (tr.t("issues.nobody")) } }
        ul.plain {
            @for m in members {
                li {
                    (m.name)
                    @if manage {
                        " "
                        form.inline-form method="post" action={ "/issues/" (issue_id) "/" (party) "/" (m.id) "/remove" } {
                            (csrf_field(page))
                            button.link-button type="submit" { (tr.t("issues.remove")) }
                        }
                    }
                }
            }
        }
    }
}

fn party_of(segment: &str) -> Result<Party, AppError> {
    match segment {
        "supporters" => Ok(Party::Supporter),
        "cosigners" => Ok(Party::Cosigner),
        _ => Err(AppError::NotFound),
    }
}

#[derive(Deserialize)]
pub struct MemberForm {
    member: i64,
}

async fn add_party(
    State(state): State<AppState>,
    session: Session,
    CurrentUser(user): CurrentUser,
    page: PageCtx,
    Path((id, segment)): Path<(i64, String)>,
    Form(form): Form<MemberForm>,
) -> Result<Response, AppError> {
    let party = party_of(&segment)?;
    if !can_manage(user.role) {
        return Err(AppError::Forbidden);
    }
    load_issue(&state, id).await?;
    // The member must exist and be active (an organisation, or a user who may sign).
    let ok = match party {
        Party::Supporter => state
            .store
            .get_org(form.member)
            .await?
            .is_some_and(|o| o.active),
        _ => state
            .store
            .user_by_id(form.member)
            .await?
            .is_some_and(|u| u.active && u.role != Role::Viewer),
    };
    if !ok {
        return Err(AppError::NotFound);
    }
    let action = if party == Party::Supporter {
        "issue.supporter_added"
    } else {
        "issue.cosigner_added"
    };
    let audit = AuditEvent::new(action, Some(user.id), Some(page.ctx.ip.clone()))
        .subject("issue", Some(id))
        .detail(format!("#{}", form.member));
    match state.store.add_party(id, party, form.member, &audit).await {
        Ok(()) | Err(StoreError::Conflict) => {}
        Err(e) => return Err(e.into()),
    }
    flash(&session, FlashKind::Success, page.tr().t("form.saved")).await?;
    Ok(Redirect::to(&format!("/issues/{id}#people")).into_response())
}

async fn remove_party(
    State(state): State<AppState>,
    session: Session,
    CurrentUser(user): CurrentUser,
    page: PageCtx,
    Path((id, segment, member)): Path<(i64, String, i64)>,
) -> Result<Response, AppError> {
    let party = party_of(&segment)?;
    if !can_manage(user.role) {
        return Err(AppError::Forbidden);
    }
    let action = if party == Party::Supporter {
        "issue.supporter_removed"
    } else {
        "issue.cosigner_removed"
    };
    let audit = AuditEvent::new(action, Some(user.id), Some(page.ctx.ip.clone()))
        .subject("issue", Some(id))
        .detail(format!("#{member}"));
    state.store.remove_party(id, party, member, &audit).await?;
    flash(&session, FlashKind::Success, page.tr().t("form.saved")).await?;
    Ok(Redirect::to(&format!("/issues/{id}#people")).into_response())
}

#[derive(Deserialize, Default)]
pub struct EvidenceForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    detail: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    url: String,
}

async fn add_evidence(
    State(state): State<AppState>,
    session: Session,
    CurrentUser(user): CurrentUser,
    page: PageCtx,
    Path(id): Path<i64>,
    Form(form): Form<EvidenceForm>,
) -> Result<Response, AppError> {
    if !can_manage(user.role) {
        return Err(AppError::Forbidden);
    }
    load_issue(&state, id).await?;
    let tr = page.tr();
    let kind = match form.kind.as_str() {
        "statistic" => "statistic",
        "policy_document" => "policy_document",
        _ => return Err(AppError::BadRequest("issues.evidence_invalid")),
    };
    let title = form.title.trim();
    let url = form.url.trim();
    // Only web addresses: no javascript:, data: or file: links on anyone's page.
    let url_ok = url.is_empty()
        || (url::Url::parse(url).is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
            && url.len() <= 2000);
    let sizes_ok = [title, form.detail.trim(), form.source.trim()]
        .iter()
        .all(|t| t.chars().count() <= 1000);
    if title.is_empty() || !url_ok || !sizes_ok {
        flash(&session, FlashKind::Error, tr.t("issues.evidence_invalid")).await?;
        return Ok(Redirect::to(&format!("/issues/{id}#other-evidence")).into_response());
    }
    let new = crate::store::issues::NewEvidence {
        kind,
        title: title.to_string(),
        detail: form.detail.trim().to_string(),
        source: form.source.trim().to_string(),
        url: (!url.is_empty()).then(|| url.to_string()),
    };
    let audit = AuditEvent::new(
        "issue.evidence_added",
        Some(user.id),
        Some(page.ctx.ip.clone()),
    )
    .subject("issue", Some(id))
    .detail(title);
    state.store.add_evidence(id, &new, &audit).await?;
    flash(&session, FlashKind::Success, tr.t("form.saved")).await?;
    Ok(Redirect::to(&format!("/issues/{id}#other-evidence")).into_response())
}

async fn remove_evidence(
    State(state): State<AppState>,
    session: Session,
    CurrentUser(user): CurrentUser,
    page: PageCtx,
    Path((id, evidence_id)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    if !can_manage(user.role) {
        return Err(AppError::Forbidden);
    }
    let audit = AuditEvent::new(
        "issue.evidence_removed",
        Some(user.id),
        Some(page.ctx.ip.clone()),
    )
    .subject("issue", Some(id))
    .detail(format!("#{evidence_id}"));
    state.store.remove_evidence(id, evidence_id, &audit).await?;
    flash(&session, FlashKind::Success, page.tr().t("form.saved")).await?;
    Ok(Redirect::to(&format!("/issues/{id}#other-evidence")).into_response())
}

/// Starts (`on`) or stops following an issue; doing either twice is harmless.
async fn set_watching(
    state: &AppState,
    session: &Session,
    user: &crate::store::User,
    page: &PageCtx,
    id: i64,
    on: bool,
) -> Result<Response, AppError> {
    load_issue(state, id).await?;
    let action = if on {
        "issue.watched"
    } else {
        "issue.unwatched"
    };
    let audit = AuditEvent::new(action, Some(user.id), Some(page.ctx.ip.clone()))
        .subject("issue", Some(id));
    let done = if on {
        state
            .store
            .add_party(id, Party::Watcher, user.id, &audit)
            .await
    } else {
        state
            .store
            .remove_party(id, Party::Watcher, user.id, &audit)
            .await
    };
    match done {
        Ok(()) | Err(StoreError::Conflict) | Err(StoreError::NotFound) => {}
        Err(e) => return Err(e.into()),
    }
    flash(
        session,
        FlashKind::Success,
        page.tr().t(if on {
            "issues.watching"
        } else {
            "issues.not_watching"
        }),
    )
    .await?;
    Ok(Redirect::to(&format!("/issues/{id}#people")).into_response())
}

async fn watch(
    State(state): State<AppState>,
    session: Session,
    CurrentUser(user): CurrentUser,
    page: PageCtx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    set_watching(&state, &session, &user, &page, id, true).await
}

async fn unwatch(
    State(state): State<AppState>,
    session: Session,
    CurrentUser(user): CurrentUser,
    page: PageCtx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    set_watching(&state, &session, &user, &page, id, false).await
}

#[derive(Deserialize)]
pub struct MergeForm {
    into: i64,
}

async fn merge(
    State(state): State<AppState>,
    session: Session,
    CurrentUser(user): CurrentUser,
    page: PageCtx,
    Path(id): Path<i64>,
    Form(form): Form<MergeForm>,
) -> Result<Response, AppError> {
    if !can_manage(user.role) {
        return Err(AppError::Forbidden);
    }
    load_issue(&state, id).await?;
    load_issue(&state, form.into).await?;
    let tr = page.tr();
    let audit = AuditEvent::new("issue.merged", Some(user.id), Some(page.ctx.ip.clone()))
        .subject("issue", Some(id));
    match state.store.merge_issue(id, form.into, &audit).await {
        Ok(()) => {
            flash(
                &session,
                FlashKind::Success,
                tr.f("issues.merged", &[("from", &id.to_string())]),
            )
            .await?;
            Ok(Redirect::to(&format!("/issues/{}", form.into)).into_response())
        }
        Err(StoreError::Conflict) => {
            flash(&session, FlashKind::Error, tr.t("issues.merge_refused")).await?;
            Ok(Redirect::to(&format!("/issues/{id}")).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn split(
    State(state): State<AppState>,
    session: Session,
    CurrentUser(user): CurrentUser,
    page: PageCtx,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    if !can_manage(user.role) {
        return Err(AppError::Forbidden);
    }
    let issue = load_issue(&state, id).await?;
    let tr = page.tr();
    let mut title = String::new();
    let mut ids: Vec<i64> = Vec::new();
    for (k, v) in pairs {
        match k.as_str() {
            "title" => title = v.trim().to_string(),
            "finding_id" => ids.extend(v.parse::<i64>().ok()),
            _ => {}
        }
    }
    ids.sort();
    ids.dedup();
    let linked = state.store.issue_links(id).await?.len();
    if title.is_empty() || title.chars().count() > 200 || ids.is_empty() || ids.len() >= linked {
        flash(&session, FlashKind::Error, tr.t("issues.split_invalid")).await?;
        return Ok(Redirect::to(&format!("/issues/{id}#split")).into_response());
    }
    let new = NewIssue {
        title,
        problem_statement: issue.problem_statement.clone(),
        policy_area_id: issue.policy_area_id,
        owner_id: user.id,
        priority: issue.priority.clone(),
    };
    let audit = AuditEvent::new("issue.split", Some(user.id), Some(page.ctx.ip.clone()))
        .subject("issue", Some(id));
    match state.store.split_issue(id, &ids, &new, &audit).await {
        Ok(new_id) => {
            flash(
                &session,
                FlashKind::Success,
                tr.f("issues.split_done", &[("count", &ids.len().to_string())]),
            )
            .await?;
            Ok(Redirect::to(&format!("/issues/{new_id}")).into_response())
        }
        Err(StoreError::NotFound) => {
            flash(&session, FlashKind::Error, tr.t("issues.split_invalid")).await?;
            Ok(Redirect::to(&format!("/issues/{id}#split")).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn decide(
    State(state): State<AppState>,
    session: Session,
    CurrentUser(user): CurrentUser,
    page: PageCtx,
    Path((id, finding_id, decision)): Path<(i64, i64, String)>,
) -> Result<Response, AppError> {
    let accept = match decision.as_str() {
        "accept" => true,
        "decline" => false,
        _ => return Err(AppError::NotFound),
    };
    if !can_manage(user.role) {
        return Err(AppError::Forbidden);
    }
    load_issue(&state, id).await?;
    let action = if accept {
        "issue.proposal_accepted"
    } else {
        "issue.proposal_declined"
    };
    let audit = AuditEvent::new(action, Some(user.id), Some(page.ctx.ip.clone()))
        .subject("issue", Some(id))
        .detail(format!("finding #{finding_id}"));
    let tr = page.tr();
    match state
        .store
        .decide_proposal(id, finding_id, accept, &audit)
        .await
    {
        Ok(()) => {
            flash(
                &session,
                FlashKind::Success,
                tr.t(if accept {
                    "issues.proposal_accepted"
                } else {
                    "issues.proposal_declined"
                }),
            )
            .await?
        }
        Err(StoreError::Conflict) => {
            flash(&session, FlashKind::Error, tr.t("issues.already_linked")).await?
        }
        Err(e) => return Err(e.into()),
    }
    Ok(Redirect::to(&format!("/issues/{id}#proposals")).into_response())
}

#[derive(Deserialize)]
pub struct CommentForm {
    #[serde(default)]
    body: String,
}

async fn comment(
    State(state): State<AppState>,
    session: Session,
    CurrentUser(user): CurrentUser,
    page: PageCtx,
    Path(id): Path<i64>,
    Form(form): Form<CommentForm>,
) -> Result<Response, AppError> {
    if !can_comment(user.role) {
        return Err(AppError::Forbidden);
    }
    load_issue(&state, id).await?;
    let body = form.body.trim();
    let tr = page.tr();
    if body.is_empty() || body.chars().count() > crate::domain::markdown::MAX_CHARS {
        flash(&session, FlashKind::Error, tr.t("issues.comment_invalid")).await?;
        return Ok(Redirect::to(&format!("/issues/{id}#comments")).into_response());
    }
    let audit = AuditEvent::new("issue.commented", Some(user.id), Some(page.ctx.ip.clone()))
        .subject("issue", Some(id));
    state.store.add_comment(id, body, &audit).await?;
    flash(&session, FlashKind::Success, tr.t("issues.comment_added")).await?;
    Ok(Redirect::to(&format!("/issues/{id}#comments")).into_response())
}

async fn unlink(
    State(state): State<AppState>,
    session: Session,
    CurrentUser(user): CurrentUser,
    page: PageCtx,
    Path((id, finding_id)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    if !can_manage(user.role) {
        return Err(AppError::Forbidden);
    }
    load_issue(&state, id).await?;
    let audit = AuditEvent::new(
        "issue.finding_unlinked",
        Some(user.id),
        Some(page.ctx.ip.clone()),
    )
    .subject("issue", Some(id))
    .detail(format!("finding #{finding_id}"));
    state.store.unlink_finding(id, finding_id, &audit).await?;
    flash(&session, FlashKind::Success, page.tr().t("issues.unlinked")).await?;
    Ok(Redirect::to(&format!("/issues/{id}")).into_response())
}
