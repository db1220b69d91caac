//! The proposal editor: an issue's formal suggestion (title, reason, background, the
//! live evidence, analysis, numbered recommendations, cost, co-signers), saved as
//! versions that can be compared side by side. The version that went to a department
//! is fixed to that submission.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, Json};
use maud::{Markup, html};
use serde::Deserialize;
use tower_sessions::Session;

use std::collections::HashMap;

use super::{can_manage, load_issue};
use crate::domain::evidence::{self, EvidenceItem};
use crate::domain::finding::access;
use crate::error::AppError;
use crate::i18n::Tr;
use crate::store::findings::Finding;
use crate::store::issues::{IssueRow, Party};
use crate::store::proposals::{MAX_VIGNETTES, ProposalText, ProposalVersion};
use crate::store::{AuditEvent, StoreError, User};
use crate::web::AppState;
use crate::web::context::{CurrentUser, RequestContext};
use crate::web::findings::{Taxonomy, locality_label};
use crate::web::layout::{self, FlashKind, PageCtx, csrf_field, flash};

/// How many of the linked findings the editor offers to pick from (the most recent);
/// any other linked finding can be named by its number.
const PICKER_SIZE: usize = 40;

/// The fields in order, with their labels.
const FIELDS: [(&str, &str); 6] = [
    ("title", "proposal.title_field"),
    ("reason", "proposal.reason"),
    ("background", "proposal.background"),
    ("analysis", "proposal.analysis"),
    ("recommendations", "proposal.recommendations"),
    ("cost", "proposal.cost"),
];

fn field<'a>(t: &'a ProposalText, name: &str) -> &'a str {
    match name {
        "title" => &t.title,
        "reason" => &t.reason,
        "background" => &t.background,
        "analysis" => &t.analysis,
        "recommendations" => &t.recommendations,
        _ => &t.cost,
    }
}

#[derive(Debug, Clone, Default)]
pub struct ProposalForm {
    text: ProposalText,
    /// The version the writer started from (0: none yet).
    base: i64,
    /// What was typed in "other finding numbers", kept when the form comes back.
    more_vignettes: String,
}

impl ProposalForm {
    /// The form as posted: the text fields, `base`, the ticked `vignette` boxes and the
    /// typed `more_vignettes` numbers (`#12, 15`). Unreadable numbers stay typed and are
    /// reported by [`ProposalForm::vignette_problem`].
    fn from_pairs(pairs: Vec<(String, String)>) -> ProposalForm {
        let mut f = ProposalForm::default();
        for (k, v) in pairs {
            match k.as_str() {
                "title" => f.text.title = v,
                "reason" => f.text.reason = v,
                "background" => f.text.background = v,
                "analysis" => f.text.analysis = v,
                "recommendations" => f.text.recommendations = v,
                "cost" => f.text.cost = v,
                "base" => f.base = v.trim().parse().unwrap_or(0),
                "vignette" => {
                    if let Ok(id) = v.trim().parse::<i64>()
                        && !f.text.vignettes.contains(&id)
                    {
                        f.text.vignettes.push(id);
                    }
                }
                "more_vignettes" => f.more_vignettes = v,
                _ => {}
            }
        }
        f
    }

    /// The ticked vignettes followed by the typed ones; `Err` when a typed number
    /// cannot be read.
    fn all_vignettes(&self) -> Result<Vec<i64>, &'static str> {
        let mut ids = self.text.vignettes.clone();
        let digits = crate::domain::finding::normalise_digits(&self.more_vignettes);
        for part in digits.split(|c: char| c == ',' || c == '，' || c == '、' || c.is_whitespace())
        {
            let part = part.trim().trim_start_matches('#');
            if part.is_empty() {
                continue;
            }
            let id: i64 = part.parse().map_err(|_| "proposal.vignette_unreadable")?;
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        Ok(ids)
    }
}

#[derive(Debug, Deserialize, Default)]
pub struct ViewParams {
    /// Show this version instead of the latest.
    v: Option<i64>,
}

/// Checks a proposal's text; a message key when something is wrong.
pub fn check(t: &ProposalText) -> Result<(), &'static str> {
    if t.title.trim().is_empty() || t.title.chars().count() > 300 {
        return Err("proposal.title_invalid");
    }
    let long = [
        &t.reason,
        &t.background,
        &t.analysis,
        &t.recommendations,
        &t.cost,
    ]
    .iter()
    .any(|f| f.chars().count() > 50_000);
    if long {
        return Err("proposal.too_long");
    }
    Ok(())
}

fn trimmed(t: &ProposalText) -> ProposalText {
    ProposalText {
        title: t.title.trim().into(),
        reason: t.reason.trim().into(),
        background: t.background.trim().into(),
        analysis: t.analysis.trim().into(),
        recommendations: t.recommendations.trim().into(),
        cost: t.cost.trim().into(),
        vignettes: t.vignettes.clone(),
    }
}

/// Vignettes must be findings linked to this issue that the author may see, and few.
async fn check_vignettes(
    state: &AppState,
    user: &User,
    issue_id: i64,
    ids: &[i64],
) -> Result<Result<(), &'static str>, AppError> {
    if ids.len() > MAX_VIGNETTES {
        return Ok(Err("proposal.vignettes_too_many"));
    }
    if ids.is_empty() {
        return Ok(Ok(()));
    }
    let linked = state.store.evidence_items(issue_id).await?;
    let ok = ids.iter().all(|id| {
        linked
            .iter()
            .any(|(l, it)| l == id && access::can_view(user.role, user.org_id, it.org_id))
    });
    Ok(if ok {
        Ok(())
    } else {
        Err("proposal.vignette_not_linked")
    })
}

/// What a vignette says about where and when: district · month · ages · people. No
/// names, no case reference: only what the evidence summary already shows.
pub fn vignette_source(f: &Finding, tax: &Taxonomy, tr: Tr) -> String {
    let mut parts = vec![format!("#{}", f.id)];
    if let Some(d) = evidence::district_of(&f.locality_path).and_then(|d| tax.locality(d)) {
        parts.push(locality_label(d, tr.0).to_string());
    }
    parts.push(f.observed_on.format("%Y-%m").to_string());
    match (f.age_min, f.age_max) {
        (Some(a), Some(b)) if a != b => parts.push(tr.f(
            "proposal.vignette_ages",
            &[("from", &a.to_string()), ("to", &b.to_string())],
        )),
        (Some(a), _) | (None, Some(a)) => {
            parts.push(tr.f("proposal.vignette_age", &[("age", &a.to_string())]))
        }
        _ => {}
    }
    parts.push(tr.f(
        "proposal.vignette_people",
        &[("n", &f.people_affected.to_string())],
    ));
    parts.join(" · ")
}

/// Finding numbers as a reader writes them: `#12, #40`.
fn id_list(ids: &[i64]) -> String {
    ids.iter()
        .map(|i| format!("#{i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The evidence, live: what the summary says today.
fn evidence_block(
    state: &AppState,
    user: &User,
    page: &PageCtx,
    linked: &[(i64, EvidenceItem)],
) -> Markup {
    let tr = page.tr();
    let items: Vec<EvidenceItem> = linked.iter().map(|(_, it)| it.clone()).collect();
    let s = evidence::summarise(&items);
    let sup = super::suppression_over(state, user, items.iter().map(|it| it.org_id));
    let span = match (s.first_observed, s.last_observed) {
        (Some(a), Some(b)) => format!("{a} – {b}"),
        _ => "—".into(),
    };
    html! {
        p {
            (tr.f("proposal.evidence_line", &[
                ("findings", &s.findings.to_string()),
                ("workers", &s.workers.to_string()),
                ("orgs", &s.organisations.to_string()),
                ("districts", &s.districts.to_string()),
                ("people", &s.people_affected.to_string()),
                ("span", &span),
            ]))
        }
        // A gap over fewer findings than the threshold could point at a family: left out.
        @for g in s.gaps.iter().filter(|g| sup.shown(g.count) != evidence::Cell::Few).take(3) {
            p { (tr.f("issues.gap_line", &[
                ("larger", &g.larger), ("smaller", &g.smaller),
                ("gap", &crate::web::findings::format_amount(g.median_gap)), ("unit", &g.unit),
                ("count", &super::cell(tr, g.count, sup)),
            ])) }
        }
    }
}

/// A linked finding as the proposal shows it: its words and where and when.
struct Vignette {
    id: i64,
    text: String,
    source: String,
}

fn vignette_markup(v: &Vignette) -> Markup {
    html! {
        blockquote.vignette {
            @for line in v.text.lines().filter(|l| !l.trim().is_empty()) { p { (line) } }
            footer { "—— " (v.source) }
        }
    }
}

fn show_version(
    page: &PageCtx,
    v: &ProposalVersion,
    evidence: &Markup,
    vignettes: &HashMap<i64, Vignette>,
    cosigners: &[String],
) -> Markup {
    let tr = page.tr();
    html! {
        article.proposal {
            h2 { (v.title) }
            p.meta { (tr.f("proposal.version_line", &[("n", &v.version.to_string()), ("author", &v.author_name), ("date", &v.created_at.format("%Y-%m-%d %H:%M").to_string())])) }
            @for (name, key) in FIELDS.iter().skip(1) {
                @if *name == "analysis" {
                    h3 { (tr.t("proposal.evidence")) }
                    (evidence)
                    @let picked: Vec<&Vignette> = v.vignettes().iter().filter_map(|id| vignettes.get(id)).collect();
                    @if !picked.is_empty() {
                        h3 { (tr.t("proposal.vignettes")) }
                        @for vg in picked { (vignette_markup(vg)) }
                    }
                }
                @let text = field(&v.text(), name).to_string();
                @if !text.is_empty() {
                    h3 { (tr.t(key)) }
                    @if *name == "recommendations" {
                        ol { @for r in v.recommendation_list() { li { (r) } } }
                    } @else {
                        @for para in text.split("\n\n") { p.narrative { (para) } }
                    }
                }
            }
            @if !cosigners.is_empty() {
                h3 { (tr.t("issues.cosigners")) }
                p { (cosigners.join("、")) }
            }
        }
    }
}

fn editor(
    page: &PageCtx,
    issue: &IssueRow,
    form: &ProposalForm,
    choices: &[&Vignette],
    status: Option<(&'static str, Vec<(&'static str, String)>)>,
) -> Markup {
    let tr = page.tr();
    html! {
        section.card #edit-proposal {
            h2 { (tr.t("proposal.edit")) }
            @if let Some((key, changes)) = &status {
                div.flash.flash-error role="alert" {
                    p { (tr.t(key)) }
                    @if !changes.is_empty() {
                        ul { @for (k, v) in changes { li { strong { (tr.t(k)) } ": " (v) } } }
                    }
                }
            }
            form.stack method="post" action={ "/issues/" (issue.id) "/proposal" } {
                (csrf_field(page))
                input type="hidden" name="base" value=(form.base);
                @for (name, key) in FIELDS {
                    div.field {
                        label for={ "p-" (name) } { (tr.t(key)) }
                        @if name == "title" {
                            input id={ "p-" (name) } name=(name) value=(form.text.title) required maxlength="300";
                        } @else {
                            textarea id={ "p-" (name) } name=(name) rows=(if name == "cost" { "2" } else { "5" }) { (field(&form.text, name)) }
                        }
                        @if name == "recommendations" { p.hint { (tr.t("proposal.recommendations_hint")) } }
                        @if name == "analysis" { p.hint { (tr.t("proposal.evidence_hint")) } }
                    }
                    @if name == "analysis" {
                        fieldset.field #vignettes {
                            legend { (tr.t("proposal.vignettes")) }
                            p.hint { (tr.f("proposal.vignettes_hint", &[("n", &MAX_VIGNETTES.to_string())])) }
                            @if choices.is_empty() {
                                p.muted { (tr.t("proposal.vignettes_none")) }
                            }
                            ul.plain.vignette-choices {
                                @for c in choices {
                                    li {
                                        label {
                                            input type="checkbox" name="vignette" value=(c.id) checked[form.text.vignettes.contains(&c.id)];
                                            " " span.muted { (c.source) } br;
                                            (c.text.chars().take(140).collect::<String>())
                                            @if c.text.chars().count() > 140 { "…" }
                                        }
                                    }
                                }
                            }
                            label for="p-more-vignettes" { (tr.t("proposal.more_vignettes")) }
                            input #p-more-vignettes name="more_vignettes" value=(form.more_vignettes) placeholder="#12, #40" inputmode="numeric";
                        }
                    }
                }
                button.primary type="submit" { (tr.t("proposal.save")) }
            }
        }
    }
}

pub async fn page(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    page: PageCtx,
    Path(id): Path<i64>,
    Query(params): Query<ViewParams>,
) -> Result<Response, AppError> {
    let issue = load_issue(&state, id).await?;
    render(&state, &user, &page, &issue, params.v, None, None).await
}

#[allow(clippy::too_many_arguments)]
async fn render(
    state: &AppState,
    user: &User,
    page: &PageCtx,
    issue: &IssueRow,
    shown: Option<i64>,
    typed: Option<ProposalForm>,
    status: Option<(&'static str, Vec<(&'static str, String)>)>,
) -> Result<Response, AppError> {
    let tr = page.tr();
    let versions = state.store.proposal_versions(issue.id).await?;
    let latest = versions.last();
    let current = match shown {
        Some(n) => versions.iter().find(|v| v.version == n),
        None => latest,
    };
    let linked = state.store.evidence_items(issue.id).await?;
    let evidence = evidence_block(state, user, page, &linked);
    let cosigners: Vec<String> = state
        .store
        .list_party(issue.id, Party::Cosigner)
        .await?
        .into_iter()
        .map(|p| p.name)
        .collect();
    let code = match &status {
        Some(("proposal.changed_meanwhile", _)) => StatusCode::CONFLICT,
        Some(_) => StatusCode::UNPROCESSABLE_ENTITY,
        None => StatusCode::OK,
    };
    let form = typed.unwrap_or_else(|| ProposalForm {
        text: latest.map(|v| v.text()).unwrap_or_else(|| ProposalText {
            title: issue.title.clone(),
            reason: issue.problem_statement.clone(),
            ..ProposalText::default()
        }),
        base: latest.map(|v| v.version).unwrap_or(0),
        more_vignettes: String::new(),
    });
    // The findings the page shows as vignettes: those of the version shown, those
    // ticked in the form, and the most recent linked ones to pick from, all as this
    // reader may see them.
    let mut visible: Vec<(i64, chrono::NaiveDate)> = linked
        .iter()
        .filter(|(_, it)| access::can_view(user.role, user.org_id, it.org_id))
        .map(|(id, it)| (*id, it.observed_on))
        .collect();
    visible.sort_by(|a, b| b.1.cmp(&a.1).then(b.0.cmp(&a.0)));
    let mut wanted: Vec<i64> = form.text.vignettes.clone();
    wanted.extend(current.map(|v| v.vignettes()).unwrap_or_default());
    wanted.extend(visible.iter().take(PICKER_SIZE).map(|(id, _)| *id));
    wanted.retain(|id| visible.iter().any(|(v, _)| v == id));
    wanted.sort_unstable();
    wanted.dedup();
    let tax = Taxonomy::cached(state).await?;
    let vignettes: HashMap<i64, Vignette> = state
        .store
        .get_findings(&wanted)
        .await?
        .into_iter()
        .map(|f| {
            (
                f.id,
                Vignette {
                    id: f.id,
                    source: vignette_source(&f, &tax, tr),
                    text: f.narrative,
                },
            )
        })
        .collect();
    // Ticked ones first, in the order chosen, then the recent ones.
    let mut choices: Vec<&Vignette> = form
        .text
        .vignettes
        .iter()
        .filter_map(|id| vignettes.get(id))
        .collect();
    for (id, _) in visible.iter().take(PICKER_SIZE) {
        if !form.text.vignettes.contains(id)
            && let Some(v) = vignettes.get(id)
        {
            choices.push(v);
        }
    }
    let body = layout::page(
        page,
        tr.t("proposal.page_title"),
        html! {
            p { a href={ "/issues/" (issue.id) } { "← #" (issue.id) " " (issue.title) } }
            h1 { (tr.t("proposal.page_title")) }
            @match current {
                Some(v) => { section.card { (show_version(page, v, &evidence, &vignettes, &cosigners)) } }
                None => { p.muted { (tr.t("proposal.none")) } }
            }
            @if versions.len() > 1 {
                section.card #versions {
                    h2 { (tr.t("proposal.versions")) }
                    ul.plain {
                        @for v in versions.iter().rev() {
                            li {
                                a href={ "/issues/" (issue.id) "/proposal?v=" (v.version) } { (tr.f("proposal.version_n", &[("n", &v.version.to_string())])) }
                                " " span.muted { (v.author_name) " · " (v.created_at.format("%Y-%m-%d %H:%M")) }
                            }
                        }
                    }
                    form.inline method="get" action={ "/issues/" (issue.id) "/proposal/compare" } {
                        @for (name, key, default) in [("a", "proposal.compare_a", versions.len() - 1), ("b", "proposal.compare_b", versions.len())] {
                            div.field {
                                label for={ "c-" (name) } { (tr.t(key)) }
                                select id={ "c-" (name) } name=(name) {
                                    @for v in &versions { option value=(v.version) selected[v.version as usize == default] { (v.version) } }
                                }
                            }
                        }
                        button type="submit" { (tr.t("proposal.compare")) }
                    }
                }
            }
            @if can_manage(user.role) { (editor(page, issue, &form, &choices, status)) }
        },
    );
    Ok((code, body).into_response())
}

pub async fn save(
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
    let mut form = ProposalForm::from_pairs(pairs);
    let problem = match form.all_vignettes() {
        Err(k) => Err(k),
        Ok(ids) => {
            let checked = check_vignettes(&state, &user, id, &ids).await?;
            if checked.is_ok() {
                form.text.vignettes = ids;
                form.more_vignettes.clear();
            }
            checked
        }
    };
    if let Err(k) = check(&form.text).and(problem) {
        return render(
            &state,
            &user,
            &page,
            &issue,
            None,
            Some(form),
            Some((k, Vec::new())),
        )
        .await;
    }
    let text = trimmed(&form.text);
    let versions = state.store.proposal_versions(id).await?;
    if versions.last().is_some_and(|v| v.text() == text) {
        flash(
            &session,
            FlashKind::Success,
            page.tr().t("proposal.unchanged"),
        )
        .await?;
        return Ok(Redirect::to(&format!("/issues/{id}/proposal")).into_response());
    }
    let audit = AuditEvent::new(
        "issue.proposal_saved",
        Some(user.id),
        Some(page.ctx.ip.clone()),
    )
    .subject("issue", Some(id))
    .detail(&text.title);
    match state
        .store
        .save_proposal(id, form.base, &text, &audit)
        .await
    {
        Ok(v) => {
            flash(
                &session,
                FlashKind::Success,
                page.tr().f("proposal.saved", &[("n", &v.to_string())]),
            )
            .await?;
            Ok(Redirect::to(&format!("/issues/{id}/proposal")).into_response())
        }
        Err(StoreError::Conflict) => {
            // Someone saved a newer version: show what they changed, keep what was typed,
            // and build the next save on theirs.
            let versions = state.store.proposal_versions(id).await?;
            let theirs = versions.last().map(|v| v.text()).unwrap_or_default();
            let base_text = versions
                .iter()
                .find(|v| v.version == form.base)
                .map(|v| v.text())
                .unwrap_or_default();
            let mut changes: Vec<(&'static str, String)> = FIELDS
                .iter()
                .filter(|(n, _)| field(&theirs, n) != field(&base_text, n))
                .map(|(n, k)| (*k, field(&theirs, n).to_string()))
                .collect();
            if theirs.vignettes != base_text.vignettes {
                changes.push(("proposal.vignettes", id_list(&theirs.vignettes)));
            }
            let next = ProposalForm {
                text: form.text.clone(),
                base: versions.last().map(|v| v.version).unwrap_or(0),
                more_vignettes: String::new(),
            };
            render(
                &state,
                &user,
                &page,
                &issue,
                None,
                Some(next),
                Some(("proposal.changed_meanwhile", changes)),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize)]
pub struct CompareParams {
    a: i64,
    b: i64,
}

pub async fn compare(
    State(state): State<AppState>,
    CurrentUser(_user): CurrentUser,
    page: PageCtx,
    Path(id): Path<i64>,
    Query(q): Query<CompareParams>,
) -> Result<Response, AppError> {
    let issue = load_issue(&state, id).await?;
    let versions = state.store.proposal_versions(id).await?;
    let a = versions
        .iter()
        .find(|v| v.version == q.a)
        .ok_or(AppError::NotFound)?;
    let b = versions
        .iter()
        .find(|v| v.version == q.b)
        .ok_or(AppError::NotFound)?;
    let tr = page.tr();
    let (ta, tb) = (a.text(), b.text());
    Ok(layout::page(
        &page,
        tr.t("proposal.compare"),
        html! {
            p { a href={ "/issues/" (issue.id) "/proposal" } { "← " (tr.t("proposal.page_title")) } }
            h1 { (tr.f("proposal.comparing", &[("a", &a.version.to_string()), ("b", &b.version.to_string())])) }
            table.list.compare {
                thead { tr {
                    th { }
                    th { (tr.f("proposal.version_n", &[("n", &a.version.to_string())])) " · " (a.author_name) }
                    th { (tr.f("proposal.version_n", &[("n", &b.version.to_string())])) " · " (b.author_name) }
                } }
                tbody {
                    @for (name, key) in FIELDS {
                        @let (x, y) = (field(&ta, name), field(&tb, name));
                        tr class=(if x != y { "changed" } else { "" }) {
                            th scope="row" { (tr.t(key)) @if x != y { " " span.tag { (tr.t("proposal.changed")) } } }
                            td { @for l in x.lines() { (l) br; } }
                            td { @for l in y.lines() { (l) br; } }
                        }
                    }
                    @let (x, y) = (id_list(&ta.vignettes), id_list(&tb.vignettes));
                    tr class=(if x != y { "changed" } else { "" }) {
                        th scope="row" { (tr.t("proposal.vignettes")) @if x != y { " " span.tag { (tr.t("proposal.changed")) } } }
                        td { (x) }
                        td { (y) }
                    }
                }
            }
        },
    )
    .into_response())
}

/// The versions of an issue's proposal, oldest first.
#[utoipa::path(get, path = "/api/v1/issues/{id}/proposal", tag = "issues", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Issue id")),
    responses((status = 200, description = "Versions", body = Vec<ProposalVersion>)))]
pub async fn api_versions(
    State(state): State<AppState>,
    CurrentUser(_user): CurrentUser,
    Path(id): Path<i64>,
) -> Result<Json<Vec<ProposalVersion>>, AppError> {
    load_issue(&state, id).await?;
    Ok(Json(state.store.proposal_versions(id).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ProposalPayload {
    #[serde(flatten)]
    pub text: ProposalText,
    /// The version this edit starts from (0 for the first).
    pub base: i64,
}

/// Save a new version; 409 (`conflict`) if someone saved after `base`.
#[utoipa::path(post, path = "/api/v1/issues/{id}/proposal", tag = "issues", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Issue id")),
    request_body = ProposalPayload,
    responses(
        (status = 201, description = "Saved; the new version number", body = Object),
        (status = 409, description = "A newer version exists", body = crate::api::ErrorBody),
    ))]
pub async fn api_save(
    State(state): State<AppState>,
    ctx: RequestContext,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
    Json(p): Json<ProposalPayload>,
) -> Result<Response, AppError> {
    if !can_manage(user.role) {
        return Err(AppError::Forbidden);
    }
    load_issue(&state, id).await?;
    check(&p.text).map_err(AppError::BadRequest)?;
    check_vignettes(&state, &user, id, &p.text.vignettes)
        .await?
        .map_err(AppError::BadRequest)?;
    let text = trimmed(&p.text);
    let audit = AuditEvent::new("issue.proposal_saved", Some(user.id), Some(ctx.ip.clone()))
        .subject("issue", Some(id))
        .detail(&text.title);
    match state.store.save_proposal(id, p.base, &text, &audit).await {
        Ok(v) => Ok((
            StatusCode::CREATED,
            Json(serde_json::json!({ "version": v })),
        )
            .into_response()),
        Err(StoreError::Conflict) => Err(AppError::Conflict("proposal.changed_meanwhile")),
        Err(e) => Err(e.into()),
    }
}

/// The version fixed to a submission, by its row id.
pub async fn by_id(
    State(state): State<AppState>,
    CurrentUser(_user): CurrentUser,
    Path((id, version_id)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    let v = state
        .store
        .proposal_version(version_id)
        .await?
        .filter(|v| v.issue_id == id)
        .ok_or(AppError::NotFound)?;
    Ok(Redirect::to(&format!("/issues/{id}/proposal?v={}", v.version)).into_response())
}
